/* udp.h - the UDP header (RFC 768). */
#ifndef USTACK_WIRE_UDP_H
#define USTACK_WIRE_UDP_H

#include "be.h"

#define UDP_HDR_LEN 8

struct udp_repr {
	uint16_t sport, dport;
	uint16_t len;       /* header + payload, from the header */
	uint16_t csum;      /* as found; 0 means the sender computed none */
};

/* Checks 8 <= len field <= buffer len, and, when verify_csum and the field is not 0,
 * the checksum with the pseudo-header (src/dst host order). Payload is buf[8 .. r->len). */
int udp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, struct udp_repr *r,
	      bool verify_csum);
/* Writes the header at buf; payload_len bytes must already sit at buf + 8.
 * Sets len = 8 + payload_len and the checksum (0 computed is sent as 0xffff). */
void udp_emit(const struct udp_repr *r, uint8_t *buf, size_t payload_len, uint32_t src,
	      uint32_t dst);
/* The same two for either IP family: pseudo is the pseudo-header sum without the length
 * (csum_pseudo(src, dst, 17, 0) or csum_pseudo6(src, dst, 0, 17)); the length is added. */
int udp_parse_ps(const uint8_t *buf, size_t len, uint32_t pseudo, struct udp_repr *r,
		 bool verify_csum);
void udp_emit_ps(const struct udp_repr *r, uint8_t *buf, size_t payload_len, uint32_t pseudo);

#endif
