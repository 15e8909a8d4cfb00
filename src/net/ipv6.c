/* ipv6.c - IPv6 input, local delivery, forwarding and output (RFC 8200), source
 * address selection (RFC 6724, simplified) and the path MTU cache (RFC 8201).
 *
 * Input checks the fixed header, decides whether the packet is ours (a usable address
 * of ours on any interface, a link-local one only on its own link; ::1 only from the
 * loopback interface; a multicast group the interface listens to; a tentative address
 * only for Neighbor Discovery, RFC 4862 5.4), walks the extension headers with bounds
 * (wire/ipv6_ext.c) answering what RFC 8200 section 4 asks, reassembles fragments
 * (ipv6_frag.c) and delivers through the protocol table. A packet that is not ours is
 * forwarded when cfg.forwarding is set (RFC 8200 3: hop limit; RFC 4443 3.1-3.3:
 * unreachable, packet too big, time exceeded; routers never fragment), else dropped.
 *
 * Output routes (link-local and multicast by the interface the caller names), checks
 * the source is ours, writes the header, fragments above the path MTU (at the source
 * only) and hands the packet to the neighbour layer (neigh_output). Packets to one of our
 * own addresses go out of the loopback interface when there is one, else through a
 * zero-delay timer, so input never re-enters the layer that is sending.
 *
 * Offloads, as IPv4's: a TCP super-segment (pkt gso_size) goes whole to a device that
 * takes TCP/IPv6 ones (TSO6 and TX_CSUM), else it is cut here (dev/gso.c); a TCP
 * checksum left partial goes to a device that finishes it (TX_CSUM), else it is
 * finished here. On input the device's word on a checksum (pkt csum, set from its meta
 * in core/stack.c) reaches TCP, and a super-segment from Linux is delivered whole. */
#include "net/ipv6.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ip_class.h"
#include "core/stack.h"
#include "core/trace.h"
#include "dev/gso.h"
#include "net/icmpv6.h"
#include "net/ipv6_frag.h"
#include "net/mld6.h"
#include "net/neigh.h"
#include "net/proto.h"
#include "wire/eth.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/ipv6_ext.h"

#define IPV6_LOCAL_MTU 65535u
#define IPV6_DEFAULT_HOPS 64
#define IP_PROTO_ICMP_ 1
#define IP_PROTO_IGMP_ 2
#define IP_PROTO_TCP_ 6
#define IP_PROTO_UDP_ 17

static void local_deliver_timer(struct ustack *st, struct timer *t, uint64_t now);

int ipv6_init(struct ustack *st)
{
	st->ip6 = calloc(1, sizeof(*st->ip6));
	if (!st->ip6)
		return -1;
	timer_init(&st->ip6->local_timer, local_deliver_timer, NULL);
	return ipv6_frag_init(st);
}

void ipv6_free(struct ustack *st)
{
	if (!st->ip6)
		return;
	ipv6_frag_free(st);
	timer_cancel(st, &st->ip6->local_timer);
	pkt_queue_purge(st, &st->ip6->local_q);
	free(st->ip6);
	st->ip6 = NULL;
}

/* --- addresses --- */

static struct iface *loopback_iface(struct ustack *st)
{
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct iface *ifp = &st->ifaces[i];

		if (ifp->used && ifp->up && ifp->loopback)
			return ifp;
	}
	return NULL;
}

static struct iface *first_iface(struct ustack *st)
{
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct iface *ifp = &st->ifaces[i];

		if (ifp->used && ifp->up && !ifp->loopback)
			return ifp;
	}
	return NULL;
}

/* A usable address of ours, its interface in *ifpp. */
static struct if_addr6 *usable_addr(struct ustack *st, const uint8_t a[16], struct iface **ifpp)
{
	struct iface *ifp = NULL;
	struct if_addr6 *x = iface_addr6_find(st, a, &ifp);

	if (!x || !if_addr6_usable(x) || !ifp || !ifp->up)
		return NULL;
	if (ifpp)
		*ifpp = ifp;
	return x;
}

bool ipv6_is_local(struct ustack *st, const uint8_t a[16])
{
	if (ip6_is_loopback(a))
		return loopback_iface(st) != NULL;
	return usable_addr(st, a, NULL) != NULL;
}

/* How a packet to dst leaves: out an interface to a next hop, or (local) to ourselves
 * without a device. */
struct ip6_path {
	struct iface *ifp;
	uint8_t nexthop[16];
	bool local;
};

static int ipv6_path(struct ustack *st, const uint8_t dst[16], int ifindex, struct ip6_path *pa)
{
	struct iface *lo = loopback_iface(st), *aifp = NULL;
	int idx;

	memset(pa, 0, sizeof(*pa));
	memcpy(pa->nexthop, dst, 16);
	if (ip6_is_unspecified(dst))
		return -ENETUNREACH;
	if (ip6_is_loopback(dst)) {
		if (!lo)
			return -ENETUNREACH;
		pa->ifp = lo;
		return 0;
	}
	if (usable_addr(st, dst, &aifp)) {
		if (lo)
			pa->ifp = lo;
		else
			pa->local = true;
		return 0;
	}
	if (ip6_is_multicast(dst) || ip6_is_link_local(dst)) {
		/* RFC 4007: the scope is the interface the caller names */
		if (ifindex >= 0) {
			pa->ifp = iface_get(st, ifindex);
			return pa->ifp && pa->ifp->up ? 0 : -ENETUNREACH;
		}
		if (route6_lookup(st, dst, -1, pa->nexthop, &idx) == 0 &&
		    (pa->ifp = iface_get(st, idx)) != NULL)
			return 0;
		memcpy(pa->nexthop, dst, 16);
		pa->ifp = first_iface(st);
		return pa->ifp ? 0 : -ENETUNREACH;
	}
	if (route6_lookup(st, dst, ifindex, pa->nexthop, &idx) != 0)
		return -ENETUNREACH;
	pa->ifp = iface_get(st, idx);
	return pa->ifp && pa->ifp->up ? 0 : -ENETUNREACH;
}

/* RFC 6724 3.1: the scope of a unicast address (multicast carries its own). */
static unsigned addr_scope(const uint8_t a[16])
{
	if (ip6_is_multicast(a))
		return ip6_mcast_scope(a);
	if (ip6_is_link_local(a) || ip6_is_loopback(a))
		return 2;
	return 14;
}

static int common_prefix(const uint8_t a[16], const uint8_t b[16])
{
	int n = 0;

	for (int i = 0; i < 16; i++) {
		uint8_t x = a[i] ^ b[i];

		if (!x) {
			n += 8;
			continue;
		}
		while (!(x & 0x80)) {
			n++;
			x = (uint8_t)(x << 1);
		}
		break;
	}
	return n;
}

/* Is candidate a better source than best for dst (RFC 6724 5, rules 2, 3, 5, 8)? */
static bool src_better(const struct if_addr6 *a, bool a_out, const struct if_addr6 *b, bool b_out,
		       const uint8_t dst[16])
{
	unsigned sa = addr_scope(a->addr), sb = addr_scope(b->addr), sd = addr_scope(dst);

	/* rule 2: the appropriate scope */
	if (sa != sb) {
		if (sa < sb)
			return sa < sd ? false : true;
		return sb < sd;
	}
	/* rule 3: avoid deprecated addresses */
	if ((a->state == IF6_DEPRECATED) != (b->state == IF6_DEPRECATED))
		return b->state == IF6_DEPRECATED;
	/* rule 5: the outgoing interface's */
	if (a_out != b_out)
		return a_out;
	/* rule 8: the longest matching prefix */
	return common_prefix(a->addr, dst) > common_prefix(b->addr, dst);
}

int ipv6_select_src(struct ustack *st, const uint8_t dst[16], int ifindex, uint8_t src[16])
{
	struct ip6_path pa;
	const struct if_addr6 *best = NULL;
	bool best_out = false, link_scope;
	int rc = ipv6_path(st, dst, ifindex, &pa);

	if (rc != 0)
		return rc;
	/* rule 1: the same address; ::1 to ::1 */
	if (pa.local || ip6_is_loopback(dst) || (pa.ifp->loopback && ipv6_is_local(st, dst))) {
		memcpy(src, dst, 16);
		return 0;
	}
	link_scope = addr_scope(dst) <= 2;
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct iface *ifp = &st->ifaces[i];
		bool out = ifp == pa.ifp;

		/* the loopback's addresses only for what leaves by it */
		if (!ifp->used || !ifp->up || (ifp->loopback && !out))
			continue;
		/* a link-scope destination: only the addresses of that link */
		if (link_scope && !out)
			continue;
		for (int k = 0; k < IFACE_ADDR6_MAX; k++) {
			const struct if_addr6 *a = &ifp->addr6[k];

			if (!if_addr6_usable(a))
				continue;
			if (!best || src_better(a, out, best, best_out, dst)) {
				best = a;
				best_out = out;
			}
		}
	}
	if (!best)
		return -EADDRNOTAVAIL;
	memcpy(src, best->addr, 16);
	return 0;
}

static struct pmtu6 *pmtu_find(struct ustack *st, const uint8_t dst[16])
{
	for (int i = 0; i < IPV6_PMTU_MAX; i++) {
		struct pmtu6 *e = &st->ip6->pmtu[i];

		if (e->used && !memcmp(e->dst, dst, 16)) {
			if (e->expires <= st->now) {
				e->used = false;      /* RFC 8201 4: try the larger MTU again */
				return NULL;
			}
			return e;
		}
	}
	return NULL;
}

static unsigned path_mtu(struct ustack *st, const struct ip6_path *pa, const uint8_t dst[16])
{
	unsigned mtu;
	struct pmtu6 *e;

	if (pa->local)
		return IPV6_LOCAL_MTU;
	mtu = pa->ifp->mtu;
	if ((e = pmtu_find(st, dst)) != NULL && e->mtu < mtu)
		mtu = e->mtu;
	return mtu;
}

unsigned ipv6_path_mtu(struct ustack *st, const uint8_t dst[16])
{
	struct ip6_path pa;

	if (ipv6_path(st, dst, -1, &pa) != 0)
		return IPV6_MIN_MTU;
	return path_mtu(st, &pa, dst);
}

void ipv6_pmtu_update(struct ustack *st, const uint8_t dst[16], uint32_t mtu)
{
	struct pmtu6 *e, *slot = NULL;
	char a[IP_ADDR_STRLEN];

	/* RFC 8201 4: never below the IPv6 minimum, never raised by a PTB */
	if (mtu < IPV6_MIN_MTU)
		mtu = IPV6_MIN_MTU;
	if (mtu >= ipv6_path_mtu(st, dst))
		return;
	e = pmtu_find(st, dst);
	if (!e) {
		for (int i = 0; i < IPV6_PMTU_MAX; i++) {
			struct pmtu6 *x = &st->ip6->pmtu[i];

			if (!x->used || x->expires <= st->now) {
				slot = x;
				break;
			}
			if (!slot || x->expires < slot->expires)
				slot = x;           /* full: the one that goes first */
		}
		e = slot;
		e->used = true;
		memcpy(e->dst, dst, 16);
	}
	e->mtu = mtu;
	e->expires = st->now + IPV6_PMTU_LIFETIME_US;
	trace_info(st, "ipv6: path MTU to %s is %u", ip6_ntop(dst, a), mtu);
}

unsigned ipv6_route_offloads(struct ustack *st, const uint8_t dst[16], unsigned *gso_max)
{
	struct ip6_path pa;
	const struct ustack_dev *dev;

	*gso_max = 0;
	if (ipv6_path(st, dst, -1, &pa) != 0 || pa.local || !pa.ifp->dev)
		return 0;
	dev = pa.ifp->dev;
	if ((dev->offloads & USTACK_DEV_TSO6) && dev->gso_max > pa.ifp->mtu)
		*gso_max = dev->gso_max;
	return dev->offloads;
}

void ipv6_negative_advice(struct ustack *st, const uint8_t dst[16], int ifindex)
{
	struct ip6_path pa;

	if (ipv6_path(st, dst, ifindex, &pa) == 0 && !pa.local && pa.ifp && !pa.ifp->loopback) {
		struct ip_addr nh = ip_addr_from_v6(pa.nexthop);

		neigh_negative_advice(st, pa.ifp->index, &nh);
	}
}

/* --- output --- */

static void local_queue(struct ustack *st, struct pkt *p)
{
	pkt_queue_push(&st->ip6->local_q, p);
	if (!timer_pending(&st->ip6->local_timer))
		timer_set(st, &st->ip6->local_timer, st->now);
}

/* Hand one finished packet (p->data at its IPv6 header) to the link. Consumes p. */
static void ipv6_xmit(struct ustack *st, const struct ip6_path *pa, struct pkt *p)
{
	if (pa->local) {
		local_queue(st, p);
		return;
	}
	if (pa->ifp->loopback) {
		eth_output(st, pa->ifp, p, NULL, ETHERTYPE_IPV6);
		return;
	}
	struct ip_addr nh = ip_addr_from_v6(pa->nexthop);

	neigh_output(st, pa->ifp, p, &nh);
}

static int ipv6_send_path(struct ustack *st, const struct ip6_path *pa, struct pkt *p, unsigned mtu);

/* A TCP super-segment for a way that cannot carry it: cut here into the segments the
 * wire carries (dev/gso.c), each sent on its own. Consumes p. */
static int ipv6_gso_soft(struct ustack *st, const struct ip6_path *pa, struct pkt *p,
			 const struct gso_tcp *g, unsigned mtu)
{
	uint16_t gs = p->gso_size;
	size_t n = gso_tcp_count(g, gs);
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		struct pkt *s = pkt_alloc(st, g->hdr_len + gs);

		if (!s) {
			rc = -ENOBUFS;
			break;
		}
		pkt_put(s, gso_tcp_segment(p->data, g, gs, i, s->data, pkt_tailroom(s)));
		s->ifindex = p->ifindex;
		s->l3 = s->data;
		s->l3_len = s->len;
		int r = ipv6_send_path(st, pa, s, mtu);
		if (r != 0 && rc == 0)
			rc = r;
	}
	pkt_free(st, p);
	return rc;
}

/* What the device cannot do of a TCP super-segment or partial checksum, done here.
 * Returns 1 when p was consumed (sent or cut), else 0: p goes on as it is. */
static int ipv6_offload(struct ustack *st, const struct ip6_path *pa, struct pkt *p,
			unsigned mtu, int *rc)
{
	const struct ustack_dev *dev = pa->local ? NULL : pa->ifp->dev;
	uint32_t off = dev ? dev->offloads : 0;
	struct gso_tcp g;

	if (gso_tcp_parse(p->data, p->len, 0, &g) != 0 || !g.v6) {
		/* TCP behind extension headers: never built so (ipv6_output adds none) */
		stack_drop(st, USTACK_DROP_IP6_BAD_LEN, -1, p->data, p->len);
		pkt_free(st, p);
		*rc = -EINVAL;
		return 1;
	}
	if (p->gso_size && g.payload > p->gso_size) {
		/* whole to a device that cuts it into segments that fit the path */
		if ((off & USTACK_DEV_TSO6) && (off & USTACK_DEV_TX_CSUM) &&
		    p->len <= dev->gso_max && g.hdr_len + p->gso_size <= mtu) {
			ipv6_xmit(st, pa, p);
			*rc = 0;
			return 1;
		}
		*rc = ipv6_gso_soft(st, pa, p, &g, mtu);
		return 1;
	}
	p->gso_size = 0;
	/* a partial checksum leaves only whole, to a device that finishes it */
	if (!(off & USTACK_DEV_TX_CSUM) || p->len > mtu) {
		gso_csum_complete(p->data, p->len, g.l4, 16);
		p->csum = PKT_CSUM_FULL;
	}
	return 0;
}

/* Send the packet at p->data out by pa, fragmenting to mtu if it is larger (at the
 * source only: a forwarded packet was checked against the MTU). */
static int ipv6_send_path(struct ustack *st, const struct ip6_path *pa, struct pkt *p, unsigned mtu)
{
	struct pkt_queue frags = { 0 };
	int rc;

	if ((p->gso_size || p->csum == PKT_CSUM_PARTIAL) && ipv6_offload(st, pa, p, mtu, &rc))
		return rc;
	if (p->len <= mtu) {
		ipv6_xmit(st, pa, p);
		return 0;
	}
	/* RFC 8200 5: fragmentation at the source only */
	if (mtu < IPV6_HDR_LEN + IPV6_FRAG_HDR_LEN + 8) {
		pkt_free(st, p);
		return -EMSGSIZE;
	}
	rc = ipv6_fragment(st, p, mtu, &frags);
	if (rc != 0)
		return rc;
	while ((p = pkt_queue_pop(&frags)) != NULL)
		ipv6_xmit(st, pa, p);
	return 0;
}

int ipv6_output(struct ustack *st, struct pkt *p, const uint8_t src[16], const uint8_t dst[16],
		uint8_t proto, const struct ip6_out_opts *opts)
{
	static const struct ip6_out_opts defaults = { .ifindex = -1 };
	struct ip6_path pa;
	struct ipv6_repr h;
	uint8_t s[16];
	unsigned mtu;
	int rc;

	if (!opts)
		opts = &defaults;
	rc = ipv6_path(st, dst, opts->ifindex, &pa);
	if (rc != 0) {
		stack_drop(st, USTACK_DROP_IP6_NO_ROUTE, -1, NULL, 0);
		pkt_free(st, p);
		return rc;
	}
	memcpy(s, src, 16);
	if (ip6_is_unspecified(s) && ipv6_select_src(st, dst, opts->ifindex, s) != 0) {
		pkt_free(st, p);
		return -EADDRNOTAVAIL;
	}
	if (!ipv6_is_local(st, s) || (ip6_is_loopback(s) && !pa.local && !pa.ifp->loopback)) {
		pkt_free(st, p);
		return -EADDRNOTAVAIL;
	}
	/* offloads are TCP's (ipv6_send_path): anything else is finished here */
	if (proto != IP_PROTO_TCP_ && (p->gso_size || p->csum == PKT_CSUM_PARTIAL)) {
		if (p->gso_size) {
			pkt_free(st, p);
			return -EINVAL;
		}
		gso_csum_complete(p->data, p->len, 0, proto == IP_PROTO_UDP_ ? 6 : 2);
		p->csum = PKT_CSUM_FULL;
	}
	if (p->len > 65535) {
		pkt_free(st, p);
		return -EMSGSIZE;
	}
	if (pkt_headroom(p) < IPV6_HDR_LEN) {
		pkt_free(st, p);
		return -ENOBUFS;
	}
	mtu = path_mtu(st, &pa, dst);
	memset(&h, 0, sizeof(h));
	h.tclass = opts->tclass;
	h.payload_len = (uint16_t)p->len;
	h.next_hdr = proto;
	if (opts->hop_limit)
		h.hop_limit = opts->hop_limit;
	else if (ip6_is_multicast(dst))
		h.hop_limit = opts->host_only ? 0 : 1;
	else
		h.hop_limit = pa.ifp && pa.ifp->hop_limit6 ? pa.ifp->hop_limit6 : IPV6_DEFAULT_HOPS;
	memcpy(h.src, s, 16);
	memcpy(h.dst, dst, 16);
	ipv6_emit(&h, pkt_push(p, IPV6_HDR_LEN));
	p->ifindex = -1;
	p->l3 = p->data;
	p->l3_len = p->len;
	if (p->len > mtu && opts->dontfrag && !p->gso_size) {
		stack_drop(st, USTACK_DROP_IP6_TOO_BIG, -1, p->data, p->len);
		pkt_free(st, p);
		return -EMSGSIZE;
	}
	ST_COUNT(st, ip6_out);
	/* a copy for our own members of the group, as if received where it leaves */
	if (ip6_is_multicast(dst) && opts->mcast_loop && !pa.local && !pa.ifp->loopback &&
	    mld6_member(st, pa.ifp, dst)) {
		struct pkt *c = pkt_clone(st, p);

		if (c) {
			c->ifindex = pa.ifp->index;
			local_queue(st, c);
		}
	}
	/* hop limit 0 to a group: for this host's members only (as Linux drops it after
	 * the loop copy) */
	if (ip6_is_multicast(dst) && opts->host_only && !pa.local && !pa.ifp->loopback) {
		pkt_free(st, p);
		return 0;
	}
	return ipv6_send_path(st, &pa, p, mtu);
}

/* --- forwarding (RFC 8200 3, RFC 4443 3) --- */

static void ipv6_forward(struct ustack *st, struct iface *in, struct pkt *p,
			 const struct ipv6_repr *h)
{
	struct ip6_path pa;

	/* link-local and multicast packets never leave their link (no multicast routing) */
	if (ip6_is_multicast(h->dst) || ip6_is_link_local(h->dst) || ip6_is_loopback(h->dst) ||
	    ip6_is_unspecified(h->src) || ip6_is_loopback(h->src) || p->l2_bcast) {
		stack_drop(st, USTACK_DROP_IP6_NOT_FOR_US, in->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	/* RFC 4443 3.3: hop limit would reach 0 */
	if (h->hop_limit <= 1) {
		icmpv6_send_error(st, p, ICMP6_TIME_EXCEEDED, ICMP6_HOP_LIMIT_EXCEEDED, 0);
		stack_drop(st, USTACK_DROP_IP6_HOP_LIMIT, in->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	if (ipv6_path(st, h->dst, -1, &pa) != 0 || pa.local || pa.ifp->loopback) {
		icmpv6_send_error(st, p, ICMP6_DEST_UNREACH, ICMP6_NO_ROUTE, 0);
		stack_drop(st, USTACK_DROP_IP6_NO_ROUTE, in->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	/* RFC 4443 3.1: a link-local source beyond its scope */
	if (ip6_is_link_local(h->src) && pa.ifp != in) {
		icmpv6_send_error(st, p, ICMP6_DEST_UNREACH, ICMP6_BEYOND_SCOPE, 0);
		stack_drop(st, USTACK_DROP_IP6_NO_ROUTE, in->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	/* RFC 8200 5: routers never fragment; RFC 4443 3.2: packet too big (of a
	 * super-segment from a device with offloads: of the segments it stands for) */
	size_t wire = p->len;
	struct gso_tcp g;
	if (p->gso_size && gso_tcp_parse(p->data, p->len, 0, &g) == 0 &&
	    g.payload > p->gso_size)
		wire = g.hdr_len + p->gso_size;
	if (wire > pa.ifp->mtu) {
		icmpv6_send_error(st, p, ICMP6_PACKET_TOO_BIG, 0, pa.ifp->mtu);
		stack_drop(st, USTACK_DROP_IP6_TOO_BIG, in->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	p->data[7]--;
	p->ifindex = in->index;
	ST_COUNT(st, ip6_forwarded);
	ipv6_send_path(st, &pa, p, pa.ifp->mtu);
}

/* --- input --- */

/* The extension header holding byte ptr of the packet (its Next Header value), or -1. */
static int header_at(const uint8_t *b, size_t len, size_t ptr)
{
	size_t off = IPV6_HDR_LEN;
	uint8_t nh = b[6];

	for (int i = 0; i <= IPV6_EXT_MAX && ipv6_is_ext_header(nh) && off + 2 <= len; i++) {
		size_t hl = nh == IP_PROTO_FRAGMENT ? IPV6_FRAG_HDR_LEN : ((size_t)b[off + 1] + 1) * 8;

		if (ptr >= off && ptr < off + hl)
			return nh;
		nh = b[off];
		off += hl;
	}
	return -1;
}

/* The walk failed: drop, counted, with the Parameter Problem RFC 8200 4 asks for. */
static void chain_error(struct ustack *st, struct iface *ifp, struct pkt *p, int err,
			const struct ipv6_chain *c)
{
	enum ustack_drop why = USTACK_DROP_IP6_BAD_EXT;

	if (c->pp_code == IPV6_PP_INCOMPLETE_CHAIN) {
		why = USTACK_DROP_FRAG6_TINY_FIRST;              /* RFC 7112 */
	} else if (err == WIRE_UNSUPPORTED) {
		why = USTACK_DROP_IP6_UNKNOWN_NEXT;              /* hop-by-hop not first */
	} else if (c->pp_code == IPV6_PP_HEADER) {
		int nh = header_at(p->data, p->len, c->pp_ptr);

		if (nh == IP_PROTO_ROUTING && p->data[c->pp_ptr] == 0)
			why = USTACK_DROP_IP6_RH0;               /* RFC 5095 3 */
		else if (nh == IP_PROTO_FRAGMENT || c->frag)
			why = USTACK_DROP_FRAG6_BAD;
	}
	if (c->pp_code != IPV6_PP_NONE)
		icmpv6_send_error(st, p, ICMP6_PARAM_PROBLEM, (uint8_t)c->pp_code, c->pp_ptr);
	stack_drop(st, why, ifp->index, p->data, p->len);
	pkt_free(st, p);
}

/* RFC 4291 2.5.2, 2.5.5, 2.7: a source that cannot be one host. */
static bool bad_source(const struct iface *ifp, const uint8_t a[16])
{
	if (ip6_is_multicast(a) || ip6_is_v4mapped(a))
		return true;
	return ip6_is_loopback(a) && !ifp->loopback;
}

/* Is dst ours on ifp? *tentative: an address of ours still in DAD (only ND for it). */
static bool dst_ours(struct ustack *st, struct iface *ifp, const uint8_t dst[16], bool *tentative,
		     bool *not_joined)
{
	struct iface *aifp = NULL;
	struct if_addr6 *a;

	*tentative = false;
	*not_joined = false;
	if (ip6_is_loopback(dst))
		return ifp->loopback;
	if (ip6_is_multicast(dst)) {
		/* scope 0 is reserved; interface-local never comes from a link */
		if (ip6_mcast_scope(dst) == 0 || (ip6_mcast_scope(dst) == 1 && !ifp->loopback))
			return false;
		if (ip6_is_all_nodes(dst) || mld6_member(st, ifp, dst))
			return true;
		*not_joined = true;
		return false;
	}
	a = iface_addr6_find(st, dst, &aifp);
	if (!a || !aifp)
		return false;
	/* a link-local address is reached only on its own link (or from ourselves) */
	if (ip6_is_link_local(dst) && aifp != ifp && !ifp->loopback)
		return false;
	if (a->state == IF6_TENTATIVE) {
		*tentative = true;
		return true;
	}
	return if_addr6_usable(a);
}

/* Deliver the packet at p->data (its IPv6 header) walked as c. */
static void ipv6_deliver(struct ustack *st, struct iface *ifp, struct pkt *p,
			 const struct ipv6_chain *c, bool tentative)
{
	const struct proto_ops *ops;

	p->ip_proto = c->proto;
	if (c->proto == IP_PROTO_NONE) {
		/* RFC 8200 4.7: nothing follows; nothing to do */
		ST_COUNT(st, ip6_delivered);
		pkt_free(st, p);
		return;
	}
	/* RFC 4862 5.4.3: a tentative address takes Neighbor Discovery only */
	if (tentative && !(c->proto == IP_PROTO_ICMPV6 && c->l4_off < p->len &&
			   (p->data[c->l4_off] == ICMP6_ND_NS || p->data[c->l4_off] == ICMP6_ND_NA))) {
		stack_drop(st, USTACK_DROP_IP6_NOT_FOR_US, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	/* IPv4's own protocols are not carried by IPv6 */
	ops = c->proto == IP_PROTO_ICMP_ || c->proto == IP_PROTO_IGMP_ ? NULL : proto_get(st, c->proto);
	if (!ops || !ops->input) {
		/* RFC 8200 4: unrecognized Next Header: Parameter Problem code 1 */
		icmpv6_send_error(st, p, ICMP6_PARAM_PROBLEM, IPV6_PP_NEXT_HEADER, c->proto_ptr);
		stack_drop(st, USTACK_DROP_IP6_UNKNOWN_NEXT, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	ST_COUNT(st, ip6_delivered);
	pkt_pull(p, c->l4_off);
	ops->input(st, p);
}

void ipv6_input(struct ustack *st, struct iface *ifp, struct pkt *p)
{
	struct ipv6_repr h;
	struct ipv6_chain c;
	bool tentative, not_joined;
	int err;

	ST_COUNT(st, ip6_in);
	/* IPv6 off on this interface (cfg.disable_ipv6): not ours, as Linux */
	if (!ifp->ip6) {
		stack_drop(st, USTACK_DROP_IP6_NOT_FOR_US, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	err = ipv6_parse(p->data, p->len, &h);
	if (err != WIRE_OK) {
		enum ustack_drop why = err == WIRE_BAD_VERSION ? USTACK_DROP_IP6_BAD_VERSION :
				       p->len < IPV6_HDR_LEN ? USTACK_DROP_IP6_TRUNCATED :
				       USTACK_DROP_IP6_BAD_LEN;

		stack_drop(st, why, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	if (bad_source(ifp, h.src)) {
		stack_drop(st, USTACK_DROP_IP6_BAD_SRC, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	pkt_trim(p, IPV6_HDR_LEN + (size_t)h.payload_len);     /* Ethernet padding */
	p->l3 = p->data;
	p->l3_len = p->len;
	p->src = ip_addr_from_v6(h.src);
	p->dst = ip_addr_from_v6(h.dst);
	p->ip_src = p->ip_dst = 0;
	p->ip_ttl = h.hop_limit;
	p->ip_tos = h.tclass;
	p->ip_bcast = false;
	p->ip_proto = h.next_hdr;
	if (!dst_ours(st, ifp, h.dst, &tentative, &not_joined)) {
		if (st->cfg.forwarding && !ifp->loopback) {
			ipv6_forward(st, ifp, p, &h);
			return;
		}
		stack_drop(st, not_joined ? USTACK_DROP_IP6_MCAST_NOT_JOINED :
			   USTACK_DROP_IP6_NOT_FOR_US, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	/* RFC 8200 4: the extension headers, in order, with bounds */
	err = ipv6_ext_walk(p->data, p->len, &c);
	if (err != WIRE_OK) {
		chain_error(st, ifp, p, err, &c);
		return;
	}
	/* RFC 8200 4.5: a fragment waits for the rest; an atomic fragment (offset 0, no
	 * more fragments) is processed alone (RFC 6946) */
	if (c.frag && (c.frag_off || c.mf)) {
		bool l2m = p->l2_bcast;

		p = ipv6_reasm(st, p, &c);
		if (!p)
			return;
		p->l2_bcast = l2m;
		p->src = ip_addr_from_v6(h.src);
		p->dst = ip_addr_from_v6(h.dst);
		p->ip_ttl = h.hop_limit;
		p->ip_tos = h.tclass;
		err = ipv6_ext_walk(p->data, p->len, &c);
		if (err != WIRE_OK) {
			chain_error(st, ifp, p, err, &c);
			return;
		}
	}
	ipv6_deliver(st, ifp, p, &c, tentative);
}

/* The zero-delay timer behind delivery to ourselves without a loopback device. */
static void local_deliver_timer(struct ustack *st, struct timer *t, uint64_t now)
{
	struct pkt_queue q = st->ip6->local_q;
	struct pkt *p;

	(void)t;
	memset(&st->ip6->local_q, 0, sizeof(st->ip6->local_q));
	while ((p = pkt_queue_pop(&q)) != NULL) {
		struct iface *ifp = NULL;

		if (p->len >= IPV6_HDR_LEN) {
			if (ip6_is_multicast(p->data + 24))
				ifp = iface_get(st, p->ifindex);
			else
				usable_addr(st, p->data + 24, &ifp);
		}
		p->rx_time = now;
		if (!ifp || !ifp->up) {
			stack_drop(st, USTACK_DROP_IP6_NOT_FOR_US, -1, p->data, p->len);
			pkt_free(st, p);
			continue;
		}
		p->ifindex = ifp->index;
		p->l3 = NULL;
		ipv6_input(st, ifp, p);
	}
}
