/* icmp6.c - ICMPv6 (RFC 4443): the header, checksummed with the IPv6 pseudo-header
 * (RFC 4443 2.3, RFC 8200 8.1). Bytes 4..7 mean id/seq for echo, the MTU for packet too
 * big, the pointer for parameter problem, and are kept whole in `word` for every type. */
#include "icmp6.h"
#include "csum.h"
#include "ipv6.h"

int icmp6_parse(const uint8_t *buf, size_t len, const uint8_t src[16], const uint8_t dst[16],
		struct icmp6_repr *r, bool verify_csum)
{
	if (len < ICMP6_HDR_LEN)
		return WIRE_TRUNCATED;
	if (len > 0xffff)
		return WIRE_BAD_LEN;
	if (verify_csum &&
	    csum_fold(csum_add(csum_pseudo6(src, dst, (uint32_t)len, IP_PROTO_ICMPV6), buf, len)) != 0)
		return WIRE_BAD_CSUM;
	r->type = buf[0];
	r->code = buf[1];
	r->csum = be16_get(buf + 2);
	r->word = be32_get(buf + 4);
	r->id = be16_get(buf + 4);
	r->seq = be16_get(buf + 6);
	r->mtu = r->type == ICMP6_PACKET_TOO_BIG ? r->word : 0;
	r->pointer = r->type == ICMP6_PARAM_PROBLEM ? r->word : 0;
	r->data = buf + ICMP6_HDR_LEN;
	r->data_len = len - ICMP6_HDR_LEN;
	return WIRE_OK;
}

void icmp6_set_csum(uint8_t *buf, size_t len, const uint8_t src[16], const uint8_t dst[16])
{
	be16_put(buf + 2, 0);
	be16_put(buf + 2, csum_fold(csum_add(csum_pseudo6(src, dst, (uint32_t)len, IP_PROTO_ICMPV6),
					     buf, len)));
}

void icmp6_emit(const struct icmp6_repr *r, uint8_t *buf, const uint8_t src[16],
		const uint8_t dst[16])
{
	uint32_t w;

	switch (r->type) {
	case ICMP6_ECHO_REQUEST:
	case ICMP6_ECHO_REPLY:
		w = (uint32_t)r->id << 16 | r->seq;
		break;
	case ICMP6_PACKET_TOO_BIG:
		w = r->mtu;
		break;
	case ICMP6_PARAM_PROBLEM:
		w = r->pointer;
		break;
	default:
		w = r->word;
		break;
	}
	buf[0] = r->type;
	buf[1] = r->code;
	be32_put(buf + 4, w);
	icmp6_set_csum(buf, ICMP6_HDR_LEN + r->data_len, src, dst);
}
