/* icmp.c - ICMP messages (RFC 792), with the next-hop MTU of RFC 1191.
 *
 * Bytes 4..7 ("rest of header") are kept as id (4..5) and seq (6..7) for every type;
 * for destination unreachable, bytes 6..7 are also next_hop_mtu. Emit writes id, and
 * next_hop_mtu (destination unreachable) or seq (all others) at 6..7, so callers leave
 * the fields a type does not use at zero. */
#include "icmp.h"
#include "csum.h"

int icmp_parse(const uint8_t *buf, size_t len, struct icmp_repr *r)
{
	if (len < ICMP_HDR_LEN)
		return WIRE_TRUNCATED;
	if (csum(buf, len) != 0)
		return WIRE_BAD_CSUM;
	r->type = buf[0];
	r->code = buf[1];
	r->id = be16_get(buf + 4);
	r->seq = be16_get(buf + 6);
	r->next_hop_mtu = r->type == ICMP_DEST_UNREACH ? r->seq : 0;
	r->data = buf + ICMP_HDR_LEN;
	r->data_len = len - ICMP_HDR_LEN;
	return WIRE_OK;
}

void icmp_emit(const struct icmp_repr *r, uint8_t *buf)
{
	buf[0] = r->type;
	buf[1] = r->code;
	be16_put(buf + 2, 0);
	be16_put(buf + 4, r->id);
	be16_put(buf + 6, r->type == ICMP_DEST_UNREACH ? r->next_hop_mtu : r->seq);
	be16_put(buf + 2, csum(buf, ICMP_HDR_LEN + r->data_len));
}
