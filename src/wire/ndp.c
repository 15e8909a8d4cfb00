/* ndp.c - Neighbor Discovery messages and options (RFC 4861 4.1-4.6, RFC 8106 5.1).
 *
 * Option lengths are in units of 8 bytes; a length of 0 makes the whole message invalid
 * (RFC 4861 4.6), as does an option running past the message. A known option with a
 * length its type does not allow is skipped (counted in n_ignored), as unknown ones are. */
#include "ndp.h"
#include "icmp6.h"

#include <string.h>

#define RS_LEN 8
#define RA_LEN 16
#define NS_LEN 24
#define NA_LEN 24
#define REDIRECT_LEN 40
#define NA_FLAG_R 0x80
#define NA_FLAG_S 0x40
#define NA_FLAG_O 0x20
#define RA_FLAG_M 0x80
#define RA_FLAG_O 0x40
#define PI_FLAG_L 0x80
#define PI_FLAG_A 0x40

static size_t fixed_len(uint8_t type)
{
	switch (type) {
	case ICMP6_ND_RS: return RS_LEN;
	case ICMP6_ND_RA: return RA_LEN;
	case ICMP6_ND_NS: return NS_LEN;
	case ICMP6_ND_NA: return NA_LEN;
	case ICMP6_ND_REDIRECT: return REDIRECT_LEN;
	default: return 0;
	}
}

/* One option at o (units 8-byte words): the fields it carries into r. */
static void take_option(const uint8_t *o, size_t units, struct ndp_repr *r)
{
	switch (o[0]) {
	case NDP_OPT_SLLA:
	case NDP_OPT_TLLA:
		if (units != 1)
			break;
		if (o[0] == NDP_OPT_SLLA && r->type != ICMP6_ND_NA) {
			r->has_slla = true;
			memcpy(r->slla, o + 2, 6);
			return;
		}
		if (o[0] == NDP_OPT_TLLA && (r->type == ICMP6_ND_NA || r->type == ICMP6_ND_REDIRECT)) {
			r->has_tlla = true;
			memcpy(r->tlla, o + 2, 6);
			return;
		}
		break;
	case NDP_OPT_PREFIX:
		if (units != 4 || r->type != ICMP6_ND_RA || r->n_prefix == NDP_MAX_PREFIX)
			break;
		{
			struct ndp_prefix *pi = &r->prefix[r->n_prefix++];
			pi->len = o[2];
			pi->on_link = (o[3] & PI_FLAG_L) != 0;
			pi->autonomous = (o[3] & PI_FLAG_A) != 0;
			pi->valid = be32_get(o + 4);
			pi->preferred = be32_get(o + 8);
			memcpy(pi->prefix, o + 16, 16);
		}
		return;
	case NDP_OPT_NONCE:
		if (units != 1 || r->type != ICMP6_ND_NS)
			break;
		r->has_nonce = true;
		memcpy(r->nonce, o + 2, 6);
		return;
	case NDP_OPT_MTU:
		if (units != 1 || r->type != ICMP6_ND_RA)
			break;
		r->has_mtu = true;
		r->mtu = be32_get(o + 4);
		return;
	case NDP_OPT_RDNSS:
		/* RFC 8106 5.1: length 3 + 2 per address beyond the first, so odd and >= 3 */
		if (units < 3 || units % 2 == 0 || r->type != ICMP6_ND_RA)
			break;
		for (size_t i = 0; i < (units - 1) / 2; i++) {
			if (r->n_rdnss == NDP_MAX_RDNSS) {
				r->n_ignored++;
				continue;
			}
			r->rdnss[r->n_rdnss].lifetime = be32_get(o + 4);
			memcpy(r->rdnss[r->n_rdnss].addr, o + 8 + 16 * i, 16);
			r->n_rdnss++;
		}
		return;
	case NDP_OPT_REDIRECTED:
		if (r->type != ICMP6_ND_REDIRECT || r->redirected)
			break;
		r->redirected = o + 8;
		r->redirected_len = units * 8 - 8;
		return;
	default:
		break;
	}
	r->n_ignored++;
}

int ndp_parse(const uint8_t *buf, size_t len, struct ndp_repr *r)
{
	size_t hl;

	memset(r, 0, sizeof(*r));
	if (len < ICMP6_HDR_LEN)
		return WIRE_TRUNCATED;
	r->type = buf[0];
	hl = fixed_len(r->type);
	if (hl == 0)
		return WIRE_UNSUPPORTED;
	if (buf[1] != 0)
		return WIRE_BAD_FIELD;
	if (len < hl)
		return WIRE_TRUNCATED;

	switch (r->type) {
	case ICMP6_ND_RA:
		r->cur_hop_limit = buf[4];
		r->managed = (buf[5] & RA_FLAG_M) != 0;
		r->other = (buf[5] & RA_FLAG_O) != 0;
		r->router_lifetime = be16_get(buf + 6);
		r->reachable_time = be32_get(buf + 8);
		r->retrans_timer = be32_get(buf + 12);
		break;
	case ICMP6_ND_NA:
		r->router = (buf[4] & NA_FLAG_R) != 0;
		r->solicited = (buf[4] & NA_FLAG_S) != 0;
		r->override = (buf[4] & NA_FLAG_O) != 0;
		/* fall through */
	case ICMP6_ND_NS:
		memcpy(r->target, buf + 8, 16);
		if (r->target[0] == 0xff)
			return WIRE_BAD_FIELD;          /* RFC 4861 7.1: not a multicast target */
		break;
	case ICMP6_ND_REDIRECT:
		memcpy(r->target, buf + 8, 16);
		memcpy(r->dest, buf + 24, 16);
		if (r->dest[0] == 0xff)
			return WIRE_BAD_FIELD;          /* RFC 4861 8.1 */
		break;
	default:
		break;
	}

	/* the options: every one has a length, none goes past the end */
	for (size_t off = hl; off < len;) {
		if (len - off < 2)
			return WIRE_TRUNCATED;
		size_t units = buf[off + 1];
		if (units == 0)
			return WIRE_BAD_LEN;
		if (units * 8 > len - off)
			return WIRE_TRUNCATED;
		take_option(buf + off, units, r);
		off += units * 8;
	}
	return WIRE_OK;
}

static size_t redirected_units(const struct ndp_repr *r)
{
	return r->redirected ? (r->redirected_len + 8 + 7) / 8 : 0;
}

size_t ndp_len(const struct ndp_repr *r)
{
	size_t n = fixed_len(r->type);

	if (n == 0)
		return 0;
	n += r->has_slla ? 8 : 0;
	n += r->has_tlla ? 8 : 0;
	n += r->has_nonce ? 8 : 0;
	n += r->has_mtu ? 8 : 0;
	n += (size_t)r->n_prefix * 32;
	n += r->n_rdnss ? 8 + (size_t)r->n_rdnss * 16 : 0;
	n += redirected_units(r) * 8;
	return n;
}

static uint8_t *put_lla(uint8_t *p, uint8_t type, const uint8_t mac[6])
{
	p[0] = type;
	p[1] = 1;
	memcpy(p + 2, mac, 6);
	return p + 8;
}

size_t ndp_emit(const struct ndp_repr *r, uint8_t *buf, size_t cap, const uint8_t src[16],
		const uint8_t dst[16])
{
	size_t n = ndp_len(r), hl = fixed_len(r->type);
	uint8_t *p;

	if (n == 0 || n > cap || n > NDP_MAX_LEN || r->n_prefix > NDP_MAX_PREFIX ||
	    r->n_rdnss > NDP_MAX_RDNSS)
		return 0;
	memset(buf, 0, n);
	buf[0] = r->type;
	switch (r->type) {
	case ICMP6_ND_RA:
		buf[4] = r->cur_hop_limit;
		buf[5] = (uint8_t)((r->managed ? RA_FLAG_M : 0) | (r->other ? RA_FLAG_O : 0));
		be16_put(buf + 6, r->router_lifetime);
		be32_put(buf + 8, r->reachable_time);
		be32_put(buf + 12, r->retrans_timer);
		break;
	case ICMP6_ND_NA:
		buf[4] = (uint8_t)((r->router ? NA_FLAG_R : 0) | (r->solicited ? NA_FLAG_S : 0) |
				   (r->override ? NA_FLAG_O : 0));
		/* fall through */
	case ICMP6_ND_NS:
		memcpy(buf + 8, r->target, 16);
		break;
	case ICMP6_ND_REDIRECT:
		memcpy(buf + 8, r->target, 16);
		memcpy(buf + 24, r->dest, 16);
		break;
	default:
		break;
	}

	p = buf + hl;
	if (r->has_slla)
		p = put_lla(p, NDP_OPT_SLLA, r->slla);
	if (r->has_tlla)
		p = put_lla(p, NDP_OPT_TLLA, r->tlla);
	if (r->has_nonce) {
		p[0] = NDP_OPT_NONCE;
		p[1] = 1;
		memcpy(p + 2, r->nonce, 6);
		p += 8;
	}
	if (r->has_mtu) {
		p[0] = NDP_OPT_MTU;
		p[1] = 1;
		be32_put(p + 4, r->mtu);
		p += 8;
	}
	for (int i = 0; i < r->n_prefix; i++) {
		const struct ndp_prefix *pi = &r->prefix[i];
		p[0] = NDP_OPT_PREFIX;
		p[1] = 4;
		p[2] = pi->len;
		p[3] = (uint8_t)((pi->on_link ? PI_FLAG_L : 0) | (pi->autonomous ? PI_FLAG_A : 0));
		be32_put(p + 4, pi->valid);
		be32_put(p + 8, pi->preferred);
		memcpy(p + 16, pi->prefix, 16);
		p += 32;
	}
	if (r->n_rdnss) {
		/* one option; its lifetime is the first server's */
		p[0] = NDP_OPT_RDNSS;
		p[1] = (uint8_t)(1 + 2 * r->n_rdnss);
		be32_put(p + 4, r->rdnss[0].lifetime);
		for (int i = 0; i < r->n_rdnss; i++)
			memcpy(p + 8 + 16 * i, r->rdnss[i].addr, 16);
		p += 8 + 16 * r->n_rdnss;
	}
	if (r->redirected) {
		p[0] = NDP_OPT_REDIRECTED;
		p[1] = (uint8_t)redirected_units(r);
		memcpy(p + 8, r->redirected, r->redirected_len);
	}
	icmp6_set_csum(buf, n, src, dst);
	return n;
}
