/* icmp.h - ICMP messages (RFC 792): echo, destination unreachable, time exceeded. */
#ifndef USTACK_WIRE_ICMP_H
#define USTACK_WIRE_ICMP_H

#include "be.h"

#define ICMP_HDR_LEN 8
#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12
/* codes of ICMP_DEST_UNREACH */
#define ICMP_NET_UNREACH 0
#define ICMP_HOST_UNREACH 1
#define ICMP_PROTO_UNREACH 2
#define ICMP_PORT_UNREACH 3
#define ICMP_FRAG_NEEDED 4
/* codes of ICMP_TIME_EXCEEDED */
#define ICMP_TTL_EXCEEDED 0
#define ICMP_FRAG_TIME_EXCEEDED 1

struct icmp_repr {
	uint8_t type, code;
	uint16_t id, seq;          /* echo request/reply */
	uint16_t next_hop_mtu;     /* dest unreach / frag needed (RFC 1191) */
	const uint8_t *data;       /* bytes after the 8-byte header (echo payload or the quoted datagram) */
	size_t data_len;
};

/* Verifies length >= 8 and the checksum over the whole message (len bytes). */
int icmp_parse(const uint8_t *buf, size_t len, struct icmp_repr *r);
/* Writes the 8-byte header at buf and sets the checksum over buf[0 .. 8+data_len).
 * The data must already sit at buf + 8 (r->data is ignored, r->data_len is used). */
void icmp_emit(const struct icmp_repr *r, uint8_t *buf);

#endif
