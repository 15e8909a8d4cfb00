/* icmp6.h - ICMPv6 messages (RFC 4443): the common header and the error and echo
 * messages; Neighbor Discovery is in ndp.h, MLD in mld.h. */
#ifndef USTACK_WIRE_ICMP6_H
#define USTACK_WIRE_ICMP6_H

#include "be.h"

#define ICMP6_HDR_LEN 8            /* type, code, checksum and the 32-bit field after them */
/* RFC 4443 2.1: types below 128 are errors */
#define ICMP6_DEST_UNREACH 1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROBLEM 4
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_MLD_QUERY 130
#define ICMP6_MLD_REPORT 131
#define ICMP6_MLD_DONE 132
#define ICMP6_ND_RS 133
#define ICMP6_ND_RA 134
#define ICMP6_ND_NS 135
#define ICMP6_ND_NA 136
#define ICMP6_ND_REDIRECT 137
#define ICMP6_MLD2_REPORT 143
/* codes of ICMP6_DEST_UNREACH */
#define ICMP6_NO_ROUTE 0
#define ICMP6_ADMIN_PROHIBITED 1
#define ICMP6_BEYOND_SCOPE 2
#define ICMP6_ADDR_UNREACH 3
#define ICMP6_PORT_UNREACH 4
/* codes of ICMP6_TIME_EXCEEDED */
#define ICMP6_HOP_LIMIT_EXCEEDED 0
#define ICMP6_FRAG_TIME_EXCEEDED 1
/* RFC 4443 2.4(c): an error quotes as much of the invoking packet as fits in 1280 bytes */
#define ICMP6_ERR_MAX_LEN (1280 - 40)

struct icmp6_repr {
	uint8_t type, code;
	uint16_t csum;             /* as found (parse) */
	uint16_t id, seq;          /* echo request/reply */
	uint32_t mtu;              /* packet too big */
	uint32_t pointer;          /* parameter problem */
	uint32_t word;             /* bytes 4..7 as they are, whatever the type */
	const uint8_t *data;       /* bytes after the 8-byte header: echo data, the quoted
	                              packet of an error, the body of an ND or MLD message */
	size_t data_len;
};

static inline bool icmp6_is_error(uint8_t type) { return type < 128; }

/* Checks len >= 8 and, when verify_csum, the checksum with the IPv6 pseudo-header
 * (src, dst: 16 network-order bytes; the upper-layer length is len). */
int icmp6_parse(const uint8_t *buf, size_t len, const uint8_t src[16], const uint8_t dst[16],
		struct icmp6_repr *r, bool verify_csum);
/* Writes the 8-byte header at buf (bytes 4..7 from id/seq, mtu or pointer by type,
 * else from word) and the checksum over buf[0 .. 8 + data_len); the data must already
 * sit at buf + 8 (r->data is ignored). */
void icmp6_emit(const struct icmp6_repr *r, uint8_t *buf, const uint8_t src[16],
		const uint8_t dst[16]);
/* Sets the checksum of a whole ICMPv6 message buf[0 .. len) written by other code. */
void icmp6_set_csum(uint8_t *buf, size_t len, const uint8_t src[16], const uint8_t dst[16]);

#endif
