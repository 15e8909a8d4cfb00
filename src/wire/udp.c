/* udp.c - the UDP header (RFC 768); checksum with the IPv4 pseudo-header. */
#include "udp.h"
#include "csum.h"

#define UDP_PROTO 17   /* the IPv4 protocol number, for the pseudo-header */

int udp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, struct udp_repr *r,
	      bool verify_csum)
{
	return udp_parse_ps(buf, len, csum_pseudo(src, dst, UDP_PROTO, 0), r, verify_csum);
}

int udp_parse_ps(const uint8_t *buf, size_t len, uint32_t pseudo, struct udp_repr *r,
		 bool verify_csum)
{
	if (len < UDP_HDR_LEN)
		return WIRE_TRUNCATED;

	uint16_t ulen = be16_get(buf + 4);
	if (ulen < UDP_HDR_LEN)
		return WIRE_BAD_LEN;
	if (ulen > len)
		return WIRE_TRUNCATED;

	uint16_t sum = be16_get(buf + 6);
	if (verify_csum && sum != 0 &&
	    csum_fold(csum_add(pseudo + ulen, buf, ulen)) != 0)
		return WIRE_BAD_CSUM;

	r->sport = be16_get(buf);
	r->dport = be16_get(buf + 2);
	r->len = ulen;
	r->csum = sum;
	return WIRE_OK;
}

void udp_emit(const struct udp_repr *r, uint8_t *buf, size_t payload_len, uint32_t src,
	      uint32_t dst)
{
	udp_emit_ps(r, buf, payload_len, csum_pseudo(src, dst, UDP_PROTO, 0));
}

void udp_emit_ps(const struct udp_repr *r, uint8_t *buf, size_t payload_len, uint32_t pseudo)
{
	uint16_t ulen = (uint16_t)(UDP_HDR_LEN + payload_len);

	be16_put(buf, r->sport);
	be16_put(buf + 2, r->dport);
	be16_put(buf + 4, ulen);
	be16_put(buf + 6, 0);

	uint16_t sum = csum_fold(csum_add(pseudo + ulen, buf, ulen));
	be16_put(buf + 6, sum ? sum : 0xffff);
}
