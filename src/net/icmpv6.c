/* icmpv6.c - ICMPv6 (RFC 4443): echo, errors out and in, and the dispatch of Neighbor
 * Discovery (RFC 4861) and MLD (RFC 3810) messages to nd.c and mld6.c.
 *
 * Errors out are limited by a token bucket refilled from st->now (RFC 4443 2.4(f));
 * never sent about an ICMPv6 error or a redirect, a packet sent to a multicast address
 * (except Packet Too Big and Parameter Problem code 2, RFC 4443 2.4(e.3)), or from an
 * address that is not one host. An echo request to a multicast group is answered (as
 * Linux does), from a unicast address of ours. */
#include "net/icmpv6.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ip_class.h"
#include "core/stack.h"
#include "core/token_bucket.h"
#include "core/trace.h"
#include "net/icmp.h"
#include "net/ipv6.h"
#include "net/mld6.h"
#include "net/nd.h"
#include "net/proto.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/ipv6_ext.h"

#define ICMP6_RATE 1000               /* errors per second, sustained */
#define ICMP6_BURST 200               /* errors at once */
#define PING6_MAX_PAYLOAD (65535 - ICMP6_HDR_LEN)

struct icmpv6_state {
	struct token_bucket errors;   /* errors out */
};

static void icmpv6_err_input(struct ustack *st, const struct ip_err *e);

int icmpv6_init(struct ustack *st)
{
	st->icmp6 = calloc(1, sizeof(*st->icmp6));
	if (!st->icmp6)
		return -1;
	tb_init(&st->icmp6->errors, ICMP6_BURST, st->now);
	proto_register(st, IP_PROTO_ICMPV6, icmpv6_input, icmpv6_err_input);
	return 0;
}

void icmpv6_free(struct ustack *st)
{
	free(st->icmp6);
	st->icmp6 = NULL;
}

/* --- errors out --- */

/* Is the packet at h an ICMPv6 error or redirect (RFC 4443 2.4(e.1))? */
static bool is_icmp6_error(const uint8_t *h, size_t len)
{
	struct ipv6_chain c;

	if (ipv6_ext_walk(h, len, &c) != WIRE_OK) {
		/* a chain that cannot be walked: look at the first header only */
		return h[6] == IP_PROTO_ICMPV6 && len > IPV6_HDR_LEN &&
		       (icmp6_is_error(h[IPV6_HDR_LEN]) || h[IPV6_HDR_LEN] == ICMP6_ND_REDIRECT);
	}
	if (c.proto != IP_PROTO_ICMPV6 || (c.frag && c.frag_off))
		return false;
	return c.l4_off < len && (icmp6_is_error(h[c.l4_off]) || h[c.l4_off] == ICMP6_ND_REDIRECT);
}

void icmpv6_send_error_raw(struct ustack *st, const uint8_t *h, size_t l3_len, int ifindex,
			   bool l2_mcast, uint8_t type, uint8_t code, uint32_t info)
{
	const uint8_t *src, *dst;
	uint8_t from[16];
	struct ip6_out_opts opts = { .ifindex = -1 };
	struct icmp6_repr r;
	struct pkt *p;
	size_t quote;
	bool mcast_ok;

	if (!st->icmp6 || !h || l3_len < IPV6_HDR_LEN || (h[0] >> 4) != 6)
		return;
	src = h + 8;
	dst = h + 24;
	mcast_ok = type == ICMP6_PACKET_TOO_BIG ||
		   (type == ICMP6_PARAM_PROBLEM && code == IPV6_PP_OPTION);
	if ((ip6_is_multicast(dst) || l2_mcast) && !mcast_ok)
		return;
	if (ip6_is_unspecified(src) || ip6_is_multicast(src))
		return;
	if (is_icmp6_error(h, l3_len))
		return;
	if (!tb_take(&st->icmp6->errors, st->now, ICMP6_RATE, ICMP6_BURST)) {   /* RFC 4443 2.4(f) */
		stack_drop(st, USTACK_DROP_ICMP6_RATE_LIMITED, ifindex, h, l3_len);
		return;
	}
	/* RFC 4443 2.4(c): as much of the packet as fits in the minimum MTU */
	quote = l3_len;
	if (quote > ICMP6_ERR_MAX_LEN - ICMP6_HDR_LEN)
		quote = ICMP6_ERR_MAX_LEN - ICMP6_HDR_LEN;
	/* RFC 4443 2.2: from the address it was sent to if that is one of ours (unicast),
	 * else the one source selection gives for the destination */
	if (ip6_is_link_local(src) || ip6_is_multicast(src))
		opts.ifindex = ifindex;
	if (!ip6_is_multicast(dst) && ipv6_is_local(st, dst))
		memcpy(from, dst, 16);
	else if (ipv6_select_src(st, src, ip6_is_link_local(src) ? ifindex : -1, from) != 0)
		return;
	p = pkt_alloc(st, ICMP6_HDR_LEN + quote);
	if (!p)
		return;
	pkt_put(p, ICMP6_HDR_LEN + quote);
	memcpy(p->data + ICMP6_HDR_LEN, h, quote);
	memset(&r, 0, sizeof(r));
	r.type = type;
	r.code = code;
	if (type == ICMP6_PACKET_TOO_BIG)
		r.mtu = info;
	else if (type == ICMP6_PARAM_PROBLEM)
		r.pointer = info;
	r.data_len = quote;
	icmp6_emit(&r, p->data, from, src);
	if (ipv6_output(st, p, from, src, IP_PROTO_ICMPV6, &opts) == 0)
		ST_COUNT(st, icmp6_out);
}

void icmpv6_send_error(struct ustack *st, const struct pkt *orig, uint8_t type, uint8_t code,
		       uint32_t info)
{
	icmpv6_send_error_raw(st, orig->l3, orig->l3_len, orig->ifindex, orig->l2_bcast, type,
			      code, info);
}

/* --- input --- */

/* RFC 4443 4.2: the same identifier, sequence and data back. To a multicast request
 * from one of our unicast addresses (as Linux answers ping ff02::1). */
static void icmpv6_echo(struct ustack *st, struct pkt *p, const struct icmp6_repr *req)
{
	struct ip6_out_opts opts = { .ifindex = -1 };
	struct icmp6_repr r = *req;
	uint8_t from[16], to[16];
	struct pkt *q = p;

	memcpy(to, p->src.b, 16);
	if (ip6_is_unspecified(to)) {
		pkt_free(st, p);
		return;
	}
	if (ip6_is_link_local(to))
		opts.ifindex = p->ifindex;
	if (!ip6_is_multicast(p->dst.b) && ipv6_is_local(st, p->dst.b)) {
		memcpy(from, p->dst.b, 16);
	} else if (ipv6_select_src(st, to, opts.ifindex >= 0 ? opts.ifindex : -1, from) != 0) {
		pkt_free(st, p);
		return;
	}
	if (pkt_headroom(p) < 64 + IPV6_HDR_LEN + 8) {
		q = pkt_alloc(st, p->len);
		if (q)
			memcpy(pkt_put(q, p->len), p->data, p->len);
		pkt_free(st, p);
		if (!q)
			return;
	}
	q->ifindex = -1;
	q->l3 = NULL;
	q->l3_len = 0;
	q->l2_bcast = q->ip_bcast = false;
	q->csum = PKT_CSUM_FULL;
	q->gso_size = 0;
	r.type = ICMP6_ECHO_REPLY;
	r.code = 0;
	icmp6_emit(&r, q->data, from, to);
	if (ipv6_output(st, q, from, to, IP_PROTO_ICMPV6, &opts) == 0) {
		ST_COUNT(st, icmp6_out);
		ST_COUNT(st, icmp6_echo_replies_out);
	}
}

/* An error about a packet we sent: parsed once, handed to the protocol it was about. */
static void icmpv6_error_in(struct ustack *st, struct pkt *p, const struct icmp6_repr *r)
{
	uint32_t info = r->type == ICMP6_PACKET_TOO_BIG ? r->mtu :
			r->type == ICMP6_PARAM_PROBLEM ? r->pointer : 0;
	const struct proto_ops *ops;
	struct ip_err e;

	if (ip_err_parse6(r->type, r->code, info, r->data, r->data_len, &e) != 0 ||
	    !ipv6_is_local(st, e.src.b)) {
		stack_drop(st, USTACK_DROP_ICMP6_MALFORMED, p->ifindex, p->l3, p->l3_len);
		return;
	}
	/* RFC 8201 4: the path MTU towards the quoted destination goes down */
	if (r->type == ICMP6_PACKET_TOO_BIG)
		ipv6_pmtu_update(st, e.dst.b, r->mtu);
	e.pkt = p;
	ops = proto_get(st, e.proto);
	if (ops && ops->err_input)
		ops->err_input(st, &e);
}

/* An error about one of our echo requests: the ping API reports it. */
static void icmpv6_err_input(struct ustack *st, const struct ip_err *e)
{
	if (e->pkt && e->l4[0] == ICMP6_ECHO_REQUEST)
		icmp_ping_answer(st, &e->pkt->src, e->pkt->ip_ttl, e->pkt->len, e->type, e->code,
				 be16_get(e->l4 + 4), be16_get(e->l4 + 6), NULL, 0, false);
}

void icmpv6_input(struct ustack *st, struct pkt *p)
{
	struct icmp6_repr r;
	struct iface *ifp;
	int err;

	ST_COUNT(st, icmp6_in);
	if (p->src.family != IP_AF_INET6) {
		/* protocol 58 inside IPv4 */
		stack_drop(st, USTACK_DROP_ICMP6_MALFORMED, p->ifindex, p->l3, p->l3_len);
		pkt_free(st, p);
		return;
	}
	err = icmp6_parse(p->data, p->len, p->src.b, p->dst.b, &r, p->csum != PKT_CSUM_VALID);
	if (err != WIRE_OK) {
		stack_drop(st, err == WIRE_BAD_CSUM ? USTACK_DROP_ICMP6_BAD_CSUM :
			   USTACK_DROP_ICMP6_MALFORMED, p->ifindex, p->l3, p->l3_len);
		pkt_free(st, p);
		return;
	}
	ifp = iface_get(st, p->ifindex);
	switch (r.type) {
	case ICMP6_ECHO_REQUEST:
		icmpv6_echo(st, p, &r);
		return;
	case ICMP6_ECHO_REPLY:
		icmp_ping_answer(st, &p->src, p->ip_ttl, p->len, r.type, 0, r.id, r.seq, r.data,
				 r.data_len, true);
		break;
	case ICMP6_DEST_UNREACH:
	case ICMP6_PACKET_TOO_BIG:
	case ICMP6_TIME_EXCEEDED:
	case ICMP6_PARAM_PROBLEM:
		icmpv6_error_in(st, p, &r);
		break;
	case ICMP6_ND_RS:
	case ICMP6_ND_RA:
	case ICMP6_ND_NS:
	case ICMP6_ND_NA:
	case ICMP6_ND_REDIRECT:
		if (ifp) {
			nd_input(st, ifp, p);
			return;
		}
		break;
	case ICMP6_MLD_QUERY:
	case ICMP6_MLD_REPORT:
	case ICMP6_MLD_DONE:
	case ICMP6_MLD2_REPORT:
		if (ifp) {
			mld6_input(st, ifp, p);
			return;
		}
		break;
	default:
		/* RFC 4443 2.4(a), (b): unknown errors go up (none here to take them),
		 * unknown informational messages are discarded */
		stack_drop(st, USTACK_DROP_ICMP6_UNKNOWN_TYPE, p->ifindex, p->l3, p->l3_len);
		break;
	}
	pkt_free(st, p);
}

/* --- the ping API --- */

int ustack_ping6_send(struct ustack *st, const struct in6_addr *dst, int ifindex, uint16_t id,
		      uint16_t seq, const void *payload, size_t len, uint8_t hop_limit)
{
	struct ip6_out_opts opts = { .hop_limit = hop_limit, .ifindex = ifindex };
	struct icmp6_repr r;
	uint8_t src[16], d[16];
	struct pkt *p;
	uint8_t *data;
	int rc;

	if (!st || !dst || len > PING6_MAX_PAYLOAD) {
		errno = !st || !dst ? EINVAL : EMSGSIZE;
		return -1;
	}
	memcpy(d, dst, 16);
	if (ip6_is_unspecified(d) || ifindex < -1 || ifindex >= USTACK_MAX_IFACES) {
		errno = EINVAL;
		return -1;
	}
	stack_lock(st);
	rc = ipv6_select_src(st, d, ifindex, src);
	if (rc != 0) {
		stack_unlock(st);
		errno = -rc;
		return -1;
	}
	p = pkt_alloc(st, ICMP6_HDR_LEN + len);
	if (!p) {
		stack_unlock(st);
		errno = ENOBUFS;
		return -1;
	}
	data = pkt_put(p, ICMP6_HDR_LEN + len) + ICMP6_HDR_LEN;
	if (payload)
		memcpy(data, payload, len);
	else
		for (size_t i = 0; i < len; i++)
			data[i] = (uint8_t)i;
	memset(&r, 0, sizeof(r));
	r.type = ICMP6_ECHO_REQUEST;
	r.id = id;
	r.seq = seq;
	r.data_len = len;
	icmp6_emit(&r, p->data, src, d);
	icmp_ping_sent(st, id, seq, data, len);
	rc = ipv6_output(st, p, src, d, IP_PROTO_ICMPV6, &opts);
	if (rc != 0) {
		icmp_ping_forget(st, id, seq);
		stack_unlock(st);
		errno = -rc;
		return -1;
	}
	ST_COUNT(st, icmp6_out);
	stack_unlock(st);
	return 0;
}
