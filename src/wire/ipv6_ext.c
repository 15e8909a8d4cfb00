/* ipv6_ext.c - the IPv6 extension header chain (RFC 8200 section 4), walked with bounds.
 *
 * Every extension header is at least 8 bytes, so each step moves forward; the walk also
 * stops after IPV6_EXT_MAX headers. Option TLVs inside hop-by-hop and destination options
 * are walked within their header. Routing headers (type 0 deprecated by RFC 5095, and
 * every other type, which a host does not process) are ignored when no segments are left
 * and answered with a Parameter Problem at the routing type otherwise (RFC 8200 4.4). */
#include "ipv6_ext.h"
#include "ipv6.h"

#define IP_PROTO_TCP_ 6
#define IP_PROTO_UDP_ 17

bool ipv6_is_ext_header(uint8_t nh)
{
	return nh == IP_PROTO_HOPOPTS || nh == IP_PROTO_ROUTING || nh == IP_PROTO_FRAGMENT ||
	       nh == IP_PROTO_DSTOPTS;
}

static int fail(struct ipv6_chain *c, int err, int code, size_t ptr)
{
	c->pp_code = code;
	c->pp_ptr = (uint16_t)ptr;
	return err;
}

/* RFC 8200 4.2: the option TLVs of a hop-by-hop or destination options header at
 * pkt[off .. off + hlen). The two high bits of an unknown type say what to do. */
static int walk_options(const uint8_t *pkt, size_t off, size_t hlen, bool hbh, bool mcast_dst,
			struct ipv6_chain *c)
{
	size_t p = off + 2, end = off + hlen;

	while (p < end) {
		uint8_t t = pkt[p];

		if (t == IPV6_OPT_PAD1) {
			p++;
			continue;
		}
		if (p + 2 > end)
			return fail(c, WIRE_BAD_LEN, IPV6_PP_NONE, p);
		uint8_t olen = pkt[p + 1];
		if (p + 2 + olen > end)
			return fail(c, WIRE_BAD_LEN, IPV6_PP_NONE, p + 1);
		if (t == IPV6_OPT_PADN) {
			/* nothing */
		} else if (t == IPV6_OPT_ROUTER_ALERT && hbh) {
			if (olen != 2)
				return fail(c, WIRE_BAD_FIELD, IPV6_PP_HEADER, p + 1);
			c->router_alert = true;
			c->router_alert_value = be16_get(pkt + p + 2);
		} else {
			switch (t >> 6) {
			case 0:          /* skip over it */
				break;
			case 1:          /* discard the packet */
				return fail(c, WIRE_BAD_FIELD, IPV6_PP_NONE, p);
			case 2:          /* discard, Parameter Problem code 2 */
				return fail(c, WIRE_BAD_FIELD, IPV6_PP_OPTION, p);
			default:         /* the same, unless the destination is multicast */
				return fail(c, WIRE_BAD_FIELD, mcast_dst ? IPV6_PP_NONE : IPV6_PP_OPTION, p);
			}
		}
		p += 2 + (size_t)olen;
	}
	return WIRE_OK;
}

/* RFC 7112: the smallest upper-layer header a first fragment must hold whole. */
static size_t ulp_min_len(uint8_t proto)
{
	switch (proto) {
	case IP_PROTO_TCP_: return 20;
	case IP_PROTO_UDP_: return 8;
	case IP_PROTO_ICMPV6: return 4;
	default: return 0;
	}
}

int ipv6_ext_walk(const uint8_t *pkt, size_t len, struct ipv6_chain *c)
{
	size_t off = IPV6_HDR_LEN, nh_ptr = 6;
	uint8_t nh;
	bool mcast_dst;

	*c = (struct ipv6_chain){ .pp_code = IPV6_PP_NONE };
	if (len < IPV6_HDR_LEN)
		return WIRE_TRUNCATED;
	nh = pkt[6];
	mcast_dst = pkt[24] == 0xff;

	while (ipv6_is_ext_header(nh)) {
		size_t hlen;
		int rc;

		if (c->n_ext == IPV6_EXT_MAX)
			return fail(c, WIRE_BAD_LEN, IPV6_PP_NONE, nh_ptr);
		/* RFC 8200 4.1: hop-by-hop options only right after the fixed header */
		if (nh == IP_PROTO_HOPOPTS && off != IPV6_HDR_LEN)
			return fail(c, WIRE_UNSUPPORTED, IPV6_PP_NEXT_HEADER, nh_ptr);
		if (off + 2 > len)
			goto truncated;
		hlen = nh == IP_PROTO_FRAGMENT ? IPV6_FRAG_HDR_LEN : ((size_t)pkt[off + 1] + 1) * 8;
		if (off + hlen > len)
			goto truncated;
		c->n_ext++;

		switch (nh) {
		case IP_PROTO_HOPOPTS:
		case IP_PROTO_DSTOPTS:
			rc = walk_options(pkt, off, hlen, nh == IP_PROTO_HOPOPTS, mcast_dst, c);
			if (rc)
				return rc;
			break;
		case IP_PROTO_ROUTING:
			if (pkt[off + 3] != 0)          /* segments left */
				return fail(c, WIRE_BAD_FIELD, IPV6_PP_HEADER, off + 2);
			break;
		case IP_PROTO_FRAGMENT: {
			if (c->frag)                    /* a second fragment header */
				return fail(c, WIRE_BAD_FIELD, IPV6_PP_NONE, nh_ptr);
			uint16_t w = be16_get(pkt + off + 2);
			/* the fragment's length from the payload length field, which is len for
			 * a whole packet and still right in an ICMPv6 error's cut quote */
			size_t total = IPV6_HDR_LEN + (size_t)be16_get(pkt + 4);
			size_t frag_len = total > off + IPV6_FRAG_HDR_LEN ?
					  total - off - IPV6_FRAG_HDR_LEN : 0;
			c->frag = true;
			c->frag_hdr_off = (uint16_t)off;
			c->frag_off = w & 0xfff8;
			c->mf = (w & 1) != 0;
			c->frag_id = be32_get(pkt + off + 4);
			/* RFC 8200 4.5: a fragment other than the last holds a multiple of 8
			 * bytes; no fragment reaches past 65535 */
			if (c->mf && frag_len % 8 != 0)
				return fail(c, WIRE_BAD_FIELD, IPV6_PP_HEADER, 4);
			if (c->frag_off + frag_len > 65535)
				return fail(c, WIRE_BAD_FIELD, IPV6_PP_HEADER, off + 2);
			if (c->frag_off != 0) {
				/* the rest of the chain is in the first fragment */
				c->proto = pkt[off];
				c->proto_ptr = (uint16_t)off;
				c->l4_off = (uint16_t)(off + IPV6_FRAG_HDR_LEN);
				return WIRE_OK;
			}
			break;
		}
		}
		nh_ptr = off;
		nh = pkt[off];
		off += hlen;
	}
	c->proto = nh;
	c->proto_ptr = (uint16_t)nh_ptr;
	c->l4_off = (uint16_t)off;
	if (c->frag && nh != IP_PROTO_NONE && len - off < ulp_min_len(nh))
		return fail(c, WIRE_TRUNCATED, IPV6_PP_INCOMPLETE_CHAIN, 0);
	return WIRE_OK;

truncated:
	/* RFC 7112 / RFC 8200 4.5: a first fragment must carry the whole chain */
	if (c->frag)
		return fail(c, WIRE_TRUNCATED, IPV6_PP_INCOMPLETE_CHAIN, 0);
	return fail(c, WIRE_TRUNCATED, IPV6_PP_NONE, off);
}

void ipv6_frag_emit(uint8_t next_hdr, uint16_t frag_off, bool mf, uint32_t id, uint8_t *buf)
{
	buf[0] = next_hdr;
	buf[1] = 0;
	be16_put(buf + 2, (uint16_t)((frag_off & 0xfff8) | (mf ? 1 : 0)));
	be32_put(buf + 4, id);
}
