/* ipv4.c - IPv4 input, local delivery, forwarding and output (RFC 791, RFC 1122 §3.2.1
 * and §3.3, RFC 1812 §5.2-5.3 for the router).
 *
 * Input checks the header (RFC 1122 §3.2.1.1-3.2.1.3), trims link padding, decides
 * whether the datagram is ours (any of our addresses on any interface: the "weak host"
 * model of RFC 1122 §3.3.4.2, limited and directed broadcasts), reassembles fragments
 * (ipv4_frag.c) and hands the payload to ICMP, UDP or TCP. A datagram that is not
 * ours is forwarded when cfg.forwarding is set, else dropped.
 *
 * Output chooses the route and source, writes a 20-byte header, fragments above the
 * interface MTU and passes each piece to ARP. Datagrams to one of our own addresses
 * leave by the loopback interface when there is one; without one they are queued and
 * delivered from a zero-delay timer, so that input never re-enters the layer that is
 * sending. */
#include "net/ipv4.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack.h"
#include "core/ip_class.h"
#include "core/trace.h"
#include "dev/gso.h"
#include "net/neigh.h"
#include "net/icmp.h"
#include "net/igmp.h"
#include "net/ipv4_frag.h"
#include "net/proto.h"
#include "wire/csum.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define IP_MAX_DATAGRAM 65535u
#define IP_LOCAL_MTU 65535u          /* delivery to ourselves without a loopback device */

static void local_deliver_timer(struct ustack *st, struct timer *t, uint64_t now);
int ipv4_init(struct ustack *st)
{
	st->ip = calloc(1, sizeof(*st->ip));
	if (!st->ip)
		return -1;
	/* RFC 6864 / RFC 7739: never one global counter (see net/ipv4_id.h) */
	uint64_t key[2];
	uint16_t start[IPV4_ID_BUCKETS];
	stack_rand_bytes(st, key, sizeof(key));
	stack_rand_bytes(st, start, sizeof(start));
	ipv4_id_init(&st->ip->ids, key, start);
	timer_init(&st->ip->local_timer, local_deliver_timer, NULL);
	return ipv4_frag_init(st);
}

void ipv4_free(struct ustack *st)
{
	if (!st->ip)
		return;
	ipv4_frag_free(st);
	timer_cancel(st, &st->ip->local_timer);
	pkt_queue_purge(st, &st->ip->local_q);
	free(st->ip);
	st->ip = NULL;
}

/* --- addresses --- */

/* The loopback interface, if the stack has one. */
static struct iface *loopback_iface(struct ustack *st)
{
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct iface *ifp = &st->ifaces[i];

		if (ifp->used && ifp->up && ifp->loopback)
			return ifp;
	}
	return NULL;
}

/* The directed broadcast of ifp's subnet, or 0 when the subnet has none (RFC 3021:
 * /31 and /32 have no broadcast address). */
static uint32_t directed_bcast(const struct iface *ifp)
{
	if (ifp->loopback || ifp->prefix > 30 || ifp->addr == 0)
		return 0;
	return iface_bcast(ifp);
}

bool ipv4_is_local(struct ustack *st, uint32_t addr)
{
	if (addr == 0)
		return false;
	if (ip4_is_loopback(addr) && loopback_iface(st))
		return true;
	return iface_by_addr(st, addr) != NULL;
}

bool ipv4_is_broadcast(struct ustack *st, uint32_t addr)
{
	if (ip4_is_limited_broadcast(addr))
		return true;
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct iface *ifp = &st->ifaces[i];

		if (ifp->used && ifp->up && directed_bcast(ifp) == addr)
			return true;
	}
	return false;
}

/* The first usable non-loopback interface: where limited broadcasts go. */
static struct iface *first_iface(struct ustack *st)
{
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct iface *ifp = &st->ifaces[i];

		if (ifp->used && ifp->up && !ifp->loopback)
			return ifp;
	}
	return NULL;
}

/* How a datagram to dst leaves: out an interface to a next hop, or (ifp NULL, local
 * set) delivered to ourselves without a device. RFC 1122 §3.3.1. */
struct ip_path {
	struct iface *ifp;
	uint32_t nexthop;
	bool local;      /* one of our addresses, no loopback device: queue internally */
	bool bcast;      /* limited or directed broadcast */
};

static int ipv4_path(struct ustack *st, uint32_t src, uint32_t dst, struct ip_path *pa)
{
	struct iface *lo = loopback_iface(st);
	int ifindex;

	memset(pa, 0, sizeof(*pa));
	if (dst == 0)
		return -ENETUNREACH;
	if (ip4_is_limited_broadcast(dst)) {
		pa->ifp = src ? iface_by_addr(st, src) : NULL;
		if (!pa->ifp || pa->ifp->loopback)
			pa->ifp = first_iface(st);
		if (!pa->ifp)
			return -ENETUNREACH;
		pa->nexthop = dst;
		pa->bcast = true;
		return 0;
	}
	if (ip4_is_loopback(dst) || iface_by_addr(st, dst)) {
		if (lo) {
			pa->ifp = lo;
			pa->nexthop = dst;
			return 0;
		}
		if (!iface_by_addr(st, dst))
			return -ENETUNREACH;
		pa->local = true;
		pa->nexthop = dst;
		return 0;
	}
	/* IP_MULTICAST_IF: a group is sent out of the interface of the source chosen. */
	if (ip4_is_multicast(dst) && src && (pa->ifp = iface_by_addr(st, src)) &&
	    !pa->ifp->loopback && pa->ifp->up) {
		pa->nexthop = dst;
		return 0;
	}
	if (route_lookup(st, dst, &pa->nexthop, &ifindex) != 0) {
		/* RFC 1112 §6.4: a group is reached on the link, with or without a route. */
		if (!ip4_is_multicast(dst) || !(pa->ifp = first_iface(st)))
			return -ENETUNREACH;
		pa->nexthop = dst;
		return 0;
	}
	pa->ifp = iface_get(st, ifindex);
	if (!pa->ifp)
		return -ENETUNREACH;
	if (ip4_is_multicast(dst))
		pa->nexthop = dst;      /* never via a gateway: ARP maps it to 01:00:5e:... */
	if (directed_bcast(pa->ifp) == dst)
		pa->bcast = true;
	return 0;
}

int ipv4_select_src(struct ustack *st, uint32_t dst, uint32_t *src)
{
	struct ip_path pa;
	int rc = ipv4_path(st, 0, dst, &pa);

	if (rc != 0)
		return rc;
	if (pa.local)
		*src = dst;                 /* talking to ourselves: from the same address */
	else if (pa.ifp->loopback && iface_by_addr(st, dst))
		*src = dst;
	else
		*src = pa.ifp->addr;
	return 0;
}

unsigned ipv4_route_mtu(struct ustack *st, uint32_t dst)
{
	struct ip_path pa;

	if (ipv4_path(st, 0, dst, &pa) != 0)
		return 576;
	return pa.local ? IP_LOCAL_MTU : pa.ifp->mtu;
}

unsigned ipv4_route_offloads(struct ustack *st, uint32_t dst, unsigned *gso_max)
{
	struct ip_path pa;

	*gso_max = 0;
	if (ipv4_path(st, 0, dst, &pa) != 0 || pa.local || !pa.ifp->dev)
		return 0;
	if ((pa.ifp->dev->offloads & USTACK_DEV_TSO4) && pa.ifp->dev->gso_max > pa.ifp->mtu)
		*gso_max = pa.ifp->dev->gso_max;
	return pa.ifp->dev->offloads;
}

void ipv4_negative_advice(struct ustack *st, uint32_t dst)
{
	struct ip_path pa;

	if (ipv4_path(st, 0, dst, &pa) == 0 && !pa.local && pa.ifp) {
		struct ip_addr nh = ip_addr_from_v4(pa.nexthop);

		neigh_negative_advice(st, pa.ifp->index, &nh);
	}
}

/* --- output --- */

/* Hand one finished datagram (p->data at its header) to the link, or to the local
 * queue. Consumes p. */
static void ipv4_xmit(struct ustack *st, const struct ip_path *pa, struct pkt *p)
{
	if (pa->local) {
		pkt_queue_push(&st->ip->local_q, p);
		if (!timer_pending(&st->ip->local_timer))
			timer_set(st, &st->ip->local_timer, st->now);
		return;
	}
	struct ip_addr nh = ip_addr_from_v4(pa->nexthop);

	neigh_output(st, pa->ifp, p, &nh);
}

static int ipv4_send_path(struct ustack *st, const struct ip_path *pa, struct pkt *p,
			  unsigned mtu);

/* A TCP super-segment for a way that cannot carry it: cut here into the segments the
 * wire carries (src/dev/gso.c), each sent on its own. Consumes p. */
static int ipv4_gso_soft(struct ustack *st, const struct ip_path *pa, struct pkt *p,
			 unsigned mtu)
{
	struct gso_tcp g;
	uint16_t gs = p->gso_size;
	int rc = 0;

	if (gso_tcp_parse(p->data, p->len, 0, &g) != 0) {
		stack_drop(st, USTACK_DROP_IP_BAD_LEN, -1, p->data, p->len);
		pkt_free(st, p);
		return -EINVAL;
	}
	size_t n = gso_tcp_count(&g, gs);
	for (size_t i = 0; i < n; i++) {
		struct pkt *s = pkt_alloc(st, g.hdr_len + gs);
		size_t l;

		if (!s) {
			rc = -ENOBUFS;
			break;
		}
		l = gso_tcp_segment(p->data, &g, gs, i, s->data, pkt_tailroom(s));
		pkt_put(s, l);
		s->ifindex = p->ifindex;
		s->l3 = s->data;
		s->l3_len = s->len;
		int r = ipv4_send_path(st, pa, s, mtu);
		if (r != 0 && rc == 0)
			rc = r;
	}
	pkt_free(st, p);
	return rc;
}

/* Send the datagram at p->data out by pa, fragmenting to mtu if it is larger. What the
 * device cannot do of a super-segment or a partial checksum is done here. */
static int ipv4_send_path(struct ustack *st, const struct ip_path *pa, struct pkt *p,
			  unsigned mtu)
{
	struct pkt_queue frags = { 0 };
	int rc;

	if (p->gso_size || p->csum == PKT_CSUM_PARTIAL) {
		const struct ustack_dev *dev = pa->local ? NULL : pa->ifp->dev;
		uint32_t off = dev ? dev->offloads : 0;
		struct gso_tcp g;

		if (p->gso_size) {
			if ((off & USTACK_DEV_TSO4) && (off & USTACK_DEV_TX_CSUM) &&
			    p->len <= dev->gso_max) {
				ipv4_xmit(st, pa, p);
				return 0;
			}
			return ipv4_gso_soft(st, pa, p, mtu);
		}
		if (!(off & USTACK_DEV_TX_CSUM)) {
			if (gso_tcp_parse(p->data, p->len, 0, &g) == 0)
				gso_csum_complete(p->data, p->len, g.l4, 16);
			p->csum = PKT_CSUM_FULL;
		}
	}
	if (p->len <= mtu) {
		ipv4_xmit(st, pa, p);
		return 0;
	}
	rc = ipv4_fragment(st, p, mtu, &frags);
	if (rc != 0)
		return rc;
	while ((p = pkt_queue_pop(&frags)) != NULL)
		ipv4_xmit(st, pa, p);
	return 0;
}

int ipv4_output(struct ustack *st, struct pkt *p, uint32_t src, uint32_t dst, uint8_t proto,
		const struct ip_out_opts *opts)
{
	static const struct ip_out_opts defaults = { 0 };
	struct ip_path pa;
	struct ipv4_repr h;
	unsigned mtu;
	int rc;

	if (!opts)
		opts = &defaults;
	rc = ipv4_path(st, src, dst, &pa);
	if (rc != 0) {
		stack_drop(st, USTACK_DROP_IP_NO_ROUTE, -1, NULL, 0);
		pkt_free(st, p);
		return rc;
	}
	if (pa.bcast && !opts->allow_bcast) {
		pkt_free(st, p);
		return -EACCES;
	}
	if (src == 0) {
		if (pa.local || (pa.ifp->loopback && iface_by_addr(st, dst)))
			src = dst;
		else
			src = pa.ifp->addr;
	}
	/* RFC 2113 Router Alert: type 148, length 4, value 0 (IGMP's reports) */
	static const uint8_t router_alert[4] = { 0x94, 4, 0, 0 };
	struct ip_out_opts ra;
	if (opts->router_alert) {
		ra = *opts;
		ra.ip_options = router_alert;
		ra.ip_options_len = sizeof(router_alert);
		opts = &ra;
	}
	size_t olen = opts->ip_options ? opts->ip_options_len : 0;
	if (olen > 40 || olen % 4) {
		pkt_free(st, p);
		return -EINVAL;
	}
	if (p->len + IPV4_HDR_LEN + olen > IP_MAX_DATAGRAM) {
		pkt_free(st, p);
		return -EMSGSIZE;
	}
	mtu = pa.local ? IP_LOCAL_MTU : pa.ifp->mtu;
	if (pkt_headroom(p) < IPV4_HDR_LEN + olen) {
		pkt_free(st, p);
		return -ENOBUFS;
	}
	memset(&h, 0, sizeof(h));
	h.hdr_len = IPV4_HDR_LEN;
	h.tos = opts->tos;
	if (olen)
		memcpy(pkt_push(p, olen), opts->ip_options, olen);
	h.total_len = (uint16_t)(p->len + IPV4_HDR_LEN);
	/* a super-segment's segments are numbered +1 each (gso.c, Linux's GSO): its IDs */
	uint16_t nids = 1;
	if (p->gso_size)
		nids = (uint16_t)((p->len + p->gso_size - 1) / p->gso_size);
	h.id = ipv4_id_next_n(&st->ip->ids, src, dst, proto, nids);
	h.df = opts->df;
	h.ttl = opts->ttl ? opts->ttl : st->cfg.default_ttl;
	h.proto = proto;
	h.src = src;
	h.dst = dst;
	uint8_t *hb = pkt_push(p, IPV4_HDR_LEN);
	ipv4_emit(&h, hb);
	if (olen) {
		hb[0] = (uint8_t)(0x40 | (IPV4_HDR_LEN + olen) / 4);
		be16_put(hb + 10, 0);
		be16_put(hb + 10, csum(hb, IPV4_HDR_LEN + olen));
	}
	p->ifindex = -1;           /* locally originated (ARP failure answers with ICMP) */
	p->l3 = p->data;
	p->l3_len = p->len;
	if (opts->df && p->len > mtu && !p->gso_size) {
		/* RFC 1191 §5: what a router would say, said to ourselves, so the transport
		 * learns the MTU the same way it learns it from the network. */
		icmp_send_error(st, p, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu);
		stack_drop(st, USTACK_DROP_IP_DF_TOO_BIG, -1, p->data, p->len);
		pkt_free(st, p);
		return -EMSGSIZE;
	}
	ST_COUNT(st, ip_out);
	/* RFC 1112 §6.1: a copy for our own members of the group, as if received on the
	 * interface it leaves by (through the local queue: input never re-enters output). */
	if (ip4_is_multicast(dst) && opts->mcast_loop && !pa.local &&
	    igmp_accepts(st, pa.ifp->index, dst)) {
		struct pkt *c = pkt_clone(st, p);
		if (c) {
			c->ifindex = pa.ifp->index;
			pkt_queue_push(&st->ip->local_q, c);
			if (!timer_pending(&st->ip->local_timer))
				timer_set(st, &st->ip->local_timer, st->now);
		}
	}
	if (opts->host_only && ip4_is_multicast(dst)) {
		pkt_free(st, p);
		return 0;
	}
	return ipv4_send_path(st, &pa, p, mtu);
}

/* A 24-byte header: the 20 of ipv4_emit and the Router Alert option (RFC 2113: type
 * 148, length 4, value 0 "examine packet"). */
/* --- forwarding (RFC 1812 §5.2, §5.3) --- */

static void ipv4_forward(struct ustack *st, struct iface *in, struct pkt *p,
			 const struct ipv4_repr *h)
{
	struct ip_path pa;
	uint16_t old_word, new_word;
	uint8_t *hdr = p->data;

	/* RFC 1812 §5.3.4 / §4.2.2.11: never forward link-layer broadcasts, multicasts
	 * (no multicast routing here), or datagrams from/to "this host" or loopback. */
	if (p->l2_bcast || ip4_is_multicast(h->dst) || ip4_is_unspecified(h->src) || ip4_is_loopback(h->dst) ||
	    ip4_is_loopback(h->src)) {
		stack_drop(st, USTACK_DROP_IP_NOT_FOR_US, in->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	/* RFC 1812 §5.3.1: TTL would reach 0: time exceeded, code 0. */
	if (h->ttl <= 1) {
		icmp_send_error(st, p, ICMP_TIME_EXCEEDED, ICMP_TTL_EXCEEDED, 0);
		stack_drop(st, USTACK_DROP_IP_TTL_EXPIRED, in->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	if (ipv4_path(st, 0, h->dst, &pa) != 0 || pa.local || pa.ifp->loopback) {
		icmp_send_error(st, p, ICMP_DEST_UNREACH, ICMP_NET_UNREACH, 0);
		stack_drop(st, USTACK_DROP_IP_NO_ROUTE, in->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	/* RFC 1812 §5.2.4.3 / RFC 2644: no directed broadcasts to another subnet. */
	if (pa.bcast) {
		stack_drop(st, USTACK_DROP_IP_NOT_FOR_US, in->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	if (h->total_len > pa.ifp->mtu && h->df && !p->gso_size) {
		/* RFC 1191 §4: frag needed, with the next-hop MTU. */
		icmp_send_error(st, p, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, pa.ifp->mtu);
		stack_drop(st, USTACK_DROP_IP_DF_TOO_BIG, in->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	/* RFC 1812 §5.3.1 + RFC 1624: decrement TTL, update the checksum incrementally. */
	old_word = be16_get(hdr + 8);
	hdr[8]--;
	new_word = be16_get(hdr + 8);
	be16_put(hdr + 10, csum_update16(be16_get(hdr + 10), old_word, new_word));
	ST_COUNT(st, ip_forwarded);
	ipv4_send_path(st, &pa, p, pa.ifp->mtu);
}

/* --- input --- */

static void ipv4_deliver(struct ustack *st, struct iface *ifp, struct pkt *p)
{
	size_t hdr_len = (size_t)(p->l3[0] & 0x0f) * 4;

	const struct proto_ops *ops = proto_get(st, p->ip_proto);

	ST_COUNT(st, ip_delivered);
	pkt_pull(p, hdr_len);
	if (ops && ops->input) {
		ops->input(st, p);
		return;
	}
	/* RFC 1122 §3.2.2.1: protocol unreachable (not for broadcasts: icmp_send_error
	 * checks). */
	icmp_send_error(st, p, ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, 0);
	stack_drop(st, USTACK_DROP_IP_UNKNOWN_PROTO, ifp ? ifp->index : -1, p->l3, p->l3_len);
	pkt_free(st, p);
}

/* Map a wire parse error to a drop reason. ipv4_parse says TRUNCATED both when the
 * buffer is shorter than a header and when the total length runs past it; the second
 * is a bad total length. */
static enum ustack_drop parse_drop(int err, size_t len)
{
	switch (err) {
	case WIRE_BAD_VERSION: return USTACK_DROP_IP_BAD_VERSION;
	case WIRE_BAD_HDRLEN: return USTACK_DROP_IP_BAD_HDRLEN;
	case WIRE_BAD_LEN: return USTACK_DROP_IP_BAD_LEN;
	case WIRE_BAD_CSUM: return USTACK_DROP_IP_BAD_CSUM;
	case WIRE_TRUNCATED:
		return len < IPV4_HDR_LEN ? USTACK_DROP_IP_TRUNCATED : USTACK_DROP_IP_BAD_LEN;
	default: return USTACK_DROP_IP_TRUNCATED;
	}
}

/* RFC 1122 §3.2.1.3 / RFC 1812 §5.3.7: a source that cannot be a single host. */
static bool bad_source(struct ustack *st, const struct iface *ifp, uint32_t src)
{
	if (ip4_is_multicast(src) || ip4_is_limited_broadcast(src))
		return true;
	if (ip4_is_loopback(src) && !ifp->loopback)
		return true;
	return src != 0 && ipv4_is_broadcast(st, src);
}

void ipv4_input(struct ustack *st, struct iface *ifp, struct pkt *p)
{
	struct ipv4_repr h;
	int err;
	bool ours;

	ST_COUNT(st, ip_in);
	err = ipv4_parse(p->data, p->len, &h, true);
	if (err != WIRE_OK) {
		stack_drop(st, parse_drop(err, p->len), ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	if (bad_source(st, ifp, h.src)) {
		stack_drop(st, USTACK_DROP_IP_BAD_SRC, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	pkt_trim(p, h.total_len);            /* Ethernet padding */
	p->l3 = p->data;
	p->l3_len = p->len;
	p->ip_src = h.src;
	p->ip_dst = h.dst;
	p->src = ip_addr_from_v4(h.src);
	p->dst = ip_addr_from_v4(h.dst);
	p->ip_proto = h.proto;
	p->ip_ttl = h.ttl;
	p->ip_tos = h.tos;
	p->ip_bcast = ipv4_is_broadcast(st, h.dst);

	/* RFC 1122 §3.3.4.2, weak host: any of our addresses, on any interface; 127/8
	 * only from the loopback interface (RFC 1122 §3.2.1.3 (g)). */
	if (ip4_is_loopback(h.dst))
		ours = ifp->loopback;
	else
		ours = p->ip_bcast || iface_by_addr(st, h.dst) != NULL ||
		       (ip4_is_multicast(h.dst) && igmp_accepts(st, ifp->index, h.dst));
	/* RFC 1122 §3.3.6: a link-layer broadcast must carry an IP broadcast (or
	 * multicast); a unicast datagram that came that way is discarded. */
	if (ours && p->l2_bcast && !p->ip_bcast && !ip4_is_multicast(h.dst)) {
		stack_drop(st, USTACK_DROP_IP_NOT_FOR_US, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	if (!ours) {
		if (st->cfg.forwarding && !ifp->loopback) {
			ipv4_forward(st, ifp, p, &h);
			return;
		}
		stack_drop(st, USTACK_DROP_IP_NOT_FOR_US, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	/* RFC 791 §3.2: a fragment waits for the rest of its datagram. */
	if (h.mf || h.frag_off) {
		bool bcast = p->ip_bcast, l2b = p->l2_bcast;

		p = ipv4_reasm(st, p);
		if (!p)
			return;
		p->ip_bcast = bcast;
		p->l2_bcast = l2b;
	}
	ipv4_deliver(st, ifp, p);
}

/* The zero-delay timer behind delivery to ourselves without a loopback device. Takes
 * only what is queued now: what the handlers send back waits for the next run. */
static void local_deliver_timer(struct ustack *st, struct timer *t, uint64_t now)
{
	struct pkt_queue q = st->ip->local_q;
	struct pkt *p;

	(void)t;
	memset(&st->ip->local_q, 0, sizeof(st->ip->local_q));
	while ((p = pkt_queue_pop(&q)) != NULL) {
		uint32_t dst = be32_get(p->data + 16);
		struct iface *ifp = ip4_is_multicast(dst) ? iface_get(st, p->ifindex) :
				    iface_by_addr(st, dst);

		p->rx_time = now;
		if (!ifp || !ifp->up) {
			stack_drop(st, USTACK_DROP_IP_NOT_FOR_US, -1, p->data, p->len);
			pkt_free(st, p);
			continue;
		}
		p->ifindex = ifp->index;
		p->l3 = NULL;
		ipv4_input(st, ifp, p);
	}
}
