/* ipv6.c - the IPv6 fixed header (RFC 8200 section 3): version, traffic class, flow
 * label, payload length, next header, hop limit, addresses. */
#include "ipv6.h"

#include <string.h>

int ipv6_parse(const uint8_t *buf, size_t len, struct ipv6_repr *r)
{
	if (len < IPV6_HDR_LEN)
		return WIRE_TRUNCATED;
	if ((buf[0] >> 4) != 6)
		return WIRE_BAD_VERSION;

	uint16_t plen = be16_get(buf + 4);
	if ((size_t)IPV6_HDR_LEN + plen > len)
		return WIRE_TRUNCATED;

	uint32_t w = be32_get(buf);
	r->tclass = (uint8_t)(w >> 20);
	r->flow = w & 0xfffff;
	r->payload_len = plen;
	r->next_hdr = buf[6];
	r->hop_limit = buf[7];
	memcpy(r->src, buf + 8, 16);
	memcpy(r->dst, buf + 24, 16);
	return WIRE_OK;
}

void ipv6_emit(const struct ipv6_repr *r, uint8_t *buf)
{
	be32_put(buf, (6u << 28) | ((uint32_t)r->tclass << 20) | (r->flow & 0xfffff));
	be16_put(buf + 4, r->payload_len);
	buf[6] = r->next_hdr;
	buf[7] = r->hop_limit;
	memcpy(buf + 8, r->src, 16);
	memcpy(buf + 24, r->dst, 16);
}
