/* nd.c - the IPv6 neighbour cache, address resolution and neighbour unreachability
 * detection (RFC 4861 7), and the link-scope sending that nd, addr6 and mld6 share.
 *
 * An entry maps (interface, IPv6 address) to a MAC and is in one of RFC 4861 7.3.2's
 * states; one timer per entry serves them all:
 *   INCOMPLETE  multicast NS to the solicited-node group every RetransTimer, at most
 *               MAX_MULTICAST_SOLICIT; packets wait in a bounded queue (ND_QUEUE_FULL);
 *               no answer: the queue is dropped (ND_UNRESOLVED) and the entry goes.
 *   REACHABLE   confirmed within ReachableTime (BaseReachableTime x 0.5..1.5, drawn
 *               again at each confirmation); then STALE.
 *   STALE       used as is; the first use starts DELAY. Unused for ND_STALE_GC_US: gone.
 *   DELAY       DELAY_FIRST_PROBE_TIME for an upper layer to confirm; then PROBE.
 *   PROBE       unicast NS every RetransTimer, at most MAX_UNICAST_SOLICIT; then gone.
 * Entries are created by our own resolution (INCOMPLETE), or STALE by an NS, RS, RA or
 * redirect carrying a link-layer address (7.2.3, 6.3.4, 8.3); an NA never creates one
 * (7.2.5). The cache holds at most cfg.arp_cache_max entries (the bound ARP has too);
 * a full cache evicts the least recently confirmed entry that is not resolving, and
 * refuses when all are (ND_CACHE_FULL). The queue bound is cfg.arp_queue_max. */
#include "net/nd.h"

#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "core/stack.h"
#include "core/ip_class.h"
#include "core/trace.h"
#include "net/addr6.h"
#include "net/icmpv6.h"
#include "net/mld6.h"
#include "wire/eth.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/ndp.h"

#define ND_BUCKETS 64
#define MAX_MULTICAST_SOLICIT 3
#define MAX_UNICAST_SOLICIT 3
#define DELAY_FIRST_PROBE_US 5000000ull
#define ND_STALE_GC_US 600000000ull        /* an unused STALE entry: 10 minutes */

static const char *const nd_state_names[] = {
	"INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE"
};

struct nd_neigh {
	struct nd_neigh *next;        /* hash chain */
	uint8_t ip[16];
	int ifindex;
	uint8_t mac[ETH_ALEN];
	enum nd_nstate state;
	bool router;                  /* IsRouter (7.3.1) */
	uint64_t confirmed;           /* last confirmation (creation while INCOMPLETE) */
	uint64_t used;                /* last use by nd_output (STALE garbage collection) */
	int probes;                   /* solicitations sent in INCOMPLETE / PROBE */
	struct pkt_queue q;           /* packets waiting (INCOMPLETE only) */
	struct timer timer;
	struct ustack *st;
};

struct nd_if {
	uint32_t base_reachable_ms;   /* BaseReachableTime (RA may set it) */
	uint64_t reachable_us;        /* ReachableTime, randomised from it */
	uint64_t retrans_us;          /* RetransTimer */
};

struct nd_state {
	struct nd_neigh *hash[ND_BUCKETS];
	size_t count;
	struct nd_if ifs[USTACK_MAX_IFACES];
};

static void nd_timer(struct ustack *st, struct timer *t, uint64_t now);

/* --- per-interface parameters (RFC 4861 6.3.2, 10) --- */

static struct nd_if *nd_if(struct ustack *st, int ifindex)
{
	return &st->nd->ifs[ifindex >= 0 && ifindex < USTACK_MAX_IFACES ? ifindex : 0];
}

/* RFC 4861 6.3.2: "a uniformly distributed random value between MIN_RANDOM_FACTOR and
 * MAX_RANDOM_FACTOR times BaseReachableTime". */
static void nd_draw_reachable(struct ustack *st, struct nd_if *n)
{
	uint64_t base = (uint64_t)n->base_reachable_ms * 1000;

	n->reachable_us = base / 2 + (uint64_t)(stack_rand32(st) % (uint32_t)(base + 1));
}

void nd_set_params(struct ustack *st, int ifindex, uint32_t reachable_ms, uint32_t retrans_ms)
{
	struct nd_if *n = nd_if(st, ifindex);

	if (reachable_ms && reachable_ms != n->base_reachable_ms && reachable_ms <= 3600000) {
		n->base_reachable_ms = reachable_ms;
		nd_draw_reachable(st, n);
	}
	if (retrans_ms && retrans_ms <= 60000)
		n->retrans_us = (uint64_t)retrans_ms * 1000;
}

uint64_t nd_retrans_us(struct ustack *st, int ifindex)
{
	return nd_if(st, ifindex)->retrans_us;
}

uint64_t nd_reachable_us(struct ustack *st, int ifindex)
{
	return nd_if(st, ifindex)->reachable_us;
}

int nd_init(struct ustack *st)
{
	st->nd = calloc(1, sizeof(*st->nd));
	if (!st->nd)
		return -1;
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct nd_if *n = &st->nd->ifs[i];

		n->base_reachable_ms = 30000;      /* REACHABLE_TIME */
		n->retrans_us = 1000000;           /* RETRANS_TIMER */
		nd_draw_reachable(st, n);
	}
	if (addr6_init(st) != 0) {
		free(st->nd);
		st->nd = NULL;
		return -1;
	}
	return 0;
}

/* --- the cache --- */

static unsigned nd_bucket(const uint8_t ip[16], int ifindex)
{
	uint32_t h = ((uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15]);

	h ^= (uint32_t)ip[0] << 24 ^ (uint32_t)ip[8] << 16 ^ (uint32_t)ifindex * 0x9e3779b1u;
	h *= 0x85ebca77u;
	return (h >> 16) % ND_BUCKETS;
}

static struct nd_neigh *nd_find(struct ustack *st, int ifindex, const uint8_t ip[16])
{
	struct nd_neigh *e = st->nd->hash[nd_bucket(ip, ifindex)];

	for (; e; e = e->next)
		if (e->ifindex == ifindex && memcmp(e->ip, ip, 16) == 0)
			return e;
	return NULL;
}

static const char *ip6_str(const uint8_t a[16], char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN) ? buf : "?";
}

static void nd_set_state(struct ustack *st, struct nd_neigh *e, enum nd_nstate s)
{
	char a[INET6_ADDRSTRLEN], m[18];

	if (e->state != s)
		trace_state(st, "nd", e->ifindex, nd_state_names[e->state], nd_state_names[s],
			    "nd %s %s -> %s (%s)", ip6_str(e->ip, a), nd_state_names[e->state],
			    nd_state_names[s], eth_ntoa(e->mac, m));
	e->state = s;
}

static void nd_remove(struct ustack *st, struct nd_neigh *e, const char *why)
{
	struct nd_neigh **pp = &st->nd->hash[nd_bucket(e->ip, e->ifindex)];
	char a[INET6_ADDRSTRLEN];

	while (*pp && *pp != e)
		pp = &(*pp)->next;
	if (*pp)
		*pp = e->next;
	st->nd->count--;
	timer_cancel(st, &e->timer);
	trace_state(st, "nd", e->ifindex, nd_state_names[e->state], "NONE", "nd %s removed (%s)",
		    ip6_str(e->ip, a), why);
	pkt_queue_purge(st, &e->q);
	free(e);
}

static struct nd_neigh *nd_victim(struct ustack *st)
{
	struct nd_neigh *best = NULL;

	for (unsigned b = 0; b < ND_BUCKETS; b++)
		for (struct nd_neigh *e = st->nd->hash[b]; e; e = e->next)
			if (e->state != ND_INCOMPLETE && (!best || e->confirmed < best->confirmed))
				best = e;
	return best;
}

static struct nd_neigh *nd_create(struct ustack *st, int ifindex, const uint8_t ip[16],
				  enum nd_nstate s)
{
	struct nd_neigh *e;
	unsigned b = nd_bucket(ip, ifindex);

	if (st->nd->count >= st->cfg.arp_cache_max) {
		struct nd_neigh *v = nd_victim(st);

		if (!v)
			return NULL;
		nd_remove(st, v, "evicted: cache full");
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	memcpy(e->ip, ip, 16);
	e->ifindex = ifindex;
	e->state = s;
	e->confirmed = e->used = st->now;
	e->st = st;
	timer_init(&e->timer, nd_timer, e);
	e->next = st->nd->hash[b];
	st->nd->hash[b] = e;
	st->nd->count++;
	return e;
}

/* --- sending link-scope messages --- */

/* Hop-by-hop header with a Router Alert (RFC 2711, value 0: MLD) and a PadN. */
static const uint8_t hbh_router_alert[8] = { IP_PROTO_ICMPV6, 0, 5, 2, 0, 0, 1, 0 };

int nd_send_icmp6(struct ustack *st, struct iface *ifp, struct pkt *p, const uint8_t src[16],
		  const uint8_t dst[16], uint8_t hop_limit, bool router_alert)
{
	struct ipv6_repr ip;
	size_t plen = p->len;

	if (pkt_headroom(p) < IPV6_HDR_LEN + sizeof(hbh_router_alert) + ETH_HDR_LEN) {
		pkt_free(st, p);
		return -1;
	}
	memset(&ip, 0, sizeof(ip));
	ip.next_hdr = IP_PROTO_ICMPV6;
	if (router_alert) {
		memcpy(pkt_push(p, sizeof(hbh_router_alert)), hbh_router_alert,
		       sizeof(hbh_router_alert));
		ip.next_hdr = IP_PROTO_HOPOPTS;
		plen += sizeof(hbh_router_alert);
	}
	ip.payload_len = (uint16_t)plen;
	ip.hop_limit = hop_limit;
	memcpy(ip.src, src, 16);
	memcpy(ip.dst, dst, 16);
	ipv6_emit(&ip, pkt_push(p, IPV6_HDR_LEN));
	ST_COUNT(st, icmp6_out);
	nd_output(st, ifp, p, dst);
	return 0;
}

/* An ND message r from src to dst on ifp (hop limit 255, RFC 4861 7.1). */
static void nd_send(struct ustack *st, struct iface *ifp, const struct ndp_repr *r,
		    const uint8_t src[16], const uint8_t dst[16])
{
	struct pkt *p = pkt_alloc(st, NDP_MAX_LEN);
	size_t n;

	if (!p)
		return;
	n = ndp_emit(r, p->data, pkt_tailroom(p), src, dst);
	if (!n) {
		pkt_free(st, p);
		return;
	}
	pkt_put(p, n);
	switch (r->type) {
	case ICMP6_ND_NS: ST_COUNT(st, nd_ns_out); break;
	case ICMP6_ND_NA: ST_COUNT(st, nd_na_out); break;
	case ICMP6_ND_RS: ST_COUNT(st, nd_rs_out); break;
	default: break;
	}
	nd_send_icmp6(st, ifp, p, src, dst, 255, false);
}

/* A neighbour solicitation for target: multicast to its solicited-node group, or
 * unicast to a known neighbour (a NUD probe). src NULL: the unspecified address (DAD,
 * with nonce), else src and our link-layer address (7.2.2). */
void nd_send_ns(struct ustack *st, struct iface *ifp, const uint8_t target[16],
		const uint8_t *src, bool unicast, const uint8_t *nonce)
{
	static const uint8_t unspec[16];
	struct ndp_repr r;
	uint8_t dst[16];

	memset(&r, 0, sizeof(r));
	r.type = ICMP6_ND_NS;
	memcpy(r.target, target, 16);
	if (src) {
		r.has_slla = true;
		memcpy(r.slla, ifp->mac, ETH_ALEN);
	}
	if (nonce) {
		r.has_nonce = true;
		memcpy(r.nonce, nonce, 6);
	}
	if (unicast)
		memcpy(dst, target, 16);
	else
		ip6_solicited_node(target, dst);
	nd_send(st, ifp, &r, src ? src : unspec, dst);
}

/* The source of a solicitation for e (7.2.2): the address of the packet that waits, if
 * it is ours on ifp and usable, else a usable one of ifp (link-local first). */
static bool nd_ns_source(struct ustack *st, struct iface *ifp, const struct nd_neigh *e,
			 uint8_t src[16])
{
	const struct pkt *p = e->q.head;

	if (p && p->len >= IPV6_HDR_LEN) {
		struct iface *owner = NULL;
		struct if_addr6 *a = iface_addr6_find(st, p->data + 8, &owner);

		if (a && owner == ifp && if_addr6_usable(a)) {
			memcpy(src, a->addr, 16);
			return true;
		}
	}
	return addr6_pick(st, ifp, e->ip, src) == 0;
}

static void nd_solicit(struct ustack *st, struct iface *ifp, struct nd_neigh *e, bool unicast)
{
	uint8_t src[16];

	if (!nd_ns_source(st, ifp, e, src)) {
		trace_info(st, "nd: no usable address on %s to solicit from", ifp->name);
		return;
	}
	nd_send_ns(st, ifp, e->ip, src, unicast, NULL);
}

/* --- resolution failure and success --- */

static void nd_fail(struct ustack *st, struct nd_neigh *e)
{
	struct pkt_queue q = e->q;
	struct pkt *p;
	char a[INET6_ADDRSTRLEN];

	memset(&e->q, 0, sizeof(e->q));
	trace_info(st, "nd: %s unresolved after %d solicitations", ip6_str(e->ip, a), e->probes);
	nd_remove(st, e, "no advertisement");
	while ((p = pkt_queue_pop(&q)) != NULL) {
		stack_drop(st, USTACK_DROP_ND_UNRESOLVED, p->ifindex, p->data, p->len);
		/* 7.2.2: "an ICMP destination unreachable indication with code 3 (Address
		 * Unreachable)" for each packet that waited. */
		p->l3 = p->data;
		p->l3_len = p->len;
		icmpv6_send_error(st, p, ICMP6_DEST_UNREACH, ICMP6_ADDR_UNREACH, 0);
		pkt_free(st, p);
	}
}

static void nd_enter_reachable(struct ustack *st, struct nd_neigh *e)
{
	nd_set_state(st, e, ND_REACHABLE);
	e->confirmed = st->now;
	e->probes = 0;
	timer_set(st, &e->timer, st->now + nd_if(st, e->ifindex)->reachable_us);
}

static void nd_enter_stale(struct ustack *st, struct nd_neigh *e)
{
	nd_set_state(st, e, ND_STALE);
	e->probes = 0;
	timer_set(st, &e->timer, st->now + ND_STALE_GC_US);
}

static void nd_flush_queue(struct ustack *st, struct iface *ifp, struct nd_neigh *e)
{
	struct pkt *p;

	while ((p = pkt_queue_pop(&e->q)) != NULL)
		eth_output(st, ifp, p, e->mac, ETHERTYPE_IPV6);
}

static void nd_timer(struct ustack *st, struct timer *t, uint64_t now)
{
	struct nd_neigh *e = t->arg;
	struct iface *ifp = iface_get(st, e->ifindex);

	if (!ifp || !ifp->up) {
		if (e->state == ND_INCOMPLETE)
			nd_fail(st, e);
		else
			nd_remove(st, e, "interface gone");
		return;
	}
	switch (e->state) {
	case ND_INCOMPLETE:
		if (e->probes >= MAX_MULTICAST_SOLICIT) {
			nd_fail(st, e);
			return;
		}
		e->probes++;
		nd_solicit(st, ifp, e, false);
		timer_set(st, &e->timer, now + nd_if(st, e->ifindex)->retrans_us);
		break;
	case ND_REACHABLE:
		nd_enter_stale(st, e);
		e->used = now;
		break;
	case ND_STALE:
		nd_remove(st, e, "stale and unused");
		break;
	case ND_DELAY:
		/* 7.3.3: no confirmation within DELAY_FIRST_PROBE_TIME: probe it. */
		nd_set_state(st, e, ND_PROBE);
		e->probes = 1;
		nd_solicit(st, ifp, e, true);
		timer_set(st, &e->timer, now + nd_if(st, e->ifindex)->retrans_us);
		break;
	case ND_PROBE:
		if (e->probes >= MAX_UNICAST_SOLICIT) {
			nd_remove(st, e, "no answer to probes");
			return;
		}
		e->probes++;
		nd_solicit(st, ifp, e, true);
		timer_set(st, &e->timer, now + nd_if(st, e->ifindex)->retrans_us);
		break;
	}
}

/* --- output --- */

void nd_output(struct ustack *st, struct iface *ifp, struct pkt *p, const uint8_t nexthop[16])
{
	struct nd_neigh *e;
	uint8_t mac[ETH_ALEN];

	if (ifp->loopback) {
		eth_output(st, ifp, p, ifp->mac, ETHERTYPE_IPV6);
		return;
	}
	/* RFC 2464 7: 33:33 and the group's low 32 bits. */
	if (ip6_is_multicast(nexthop)) {
		ip6_mcast_mac(nexthop, mac);
		eth_output(st, ifp, p, mac, ETHERTYPE_IPV6);
		return;
	}
	e = nd_find(st, ifp->index, nexthop);
	if (!e) {
		char a[INET6_ADDRSTRLEN];

		e = nd_create(st, ifp->index, nexthop, ND_INCOMPLETE);
		if (!e) {
			stack_drop(st, USTACK_DROP_ND_CACHE_FULL, ifp->index, p->data, p->len);
			pkt_free(st, p);
			return;
		}
		trace_state(st, "nd", ifp->index, "NONE", "INCOMPLETE", "nd %s NONE -> INCOMPLETE",
			    ip6_str(nexthop, a));
		pkt_queue_push(&e->q, p);
		e->probes = 1;
		nd_solicit(st, ifp, e, false);
		timer_set(st, &e->timer, st->now + nd_if(st, ifp->index)->retrans_us);
		return;
	}
	e->used = st->now;
	switch (e->state) {
	case ND_INCOMPLETE:
		if (e->q.count >= st->cfg.arp_queue_max) {
			stack_drop(st, USTACK_DROP_ND_QUEUE_FULL, ifp->index, p->data, p->len);
			pkt_free(st, p);
			return;
		}
		pkt_queue_push(&e->q, p);
		return;
	case ND_STALE:
		/* 7.3.3: the first use of a STALE entry starts the DELAY state. */
		nd_set_state(st, e, ND_DELAY);
		timer_set(st, &e->timer, st->now + DELAY_FIRST_PROBE_US);
		break;
	case ND_REACHABLE:
	case ND_DELAY:
	case ND_PROBE:
		break;
	}
	eth_output(st, ifp, p, e->mac, ETHERTYPE_IPV6);
}

void nd_confirm(struct ustack *st, int ifindex, const uint8_t nexthop[16])
{
	struct nd_neigh *e = nd_find(st, ifindex, nexthop);

	if (!e || e->state == ND_INCOMPLETE)
		return;
	nd_enter_reachable(st, e);
}

void nd_negative_advice(struct ustack *st, int ifindex, const uint8_t nexthop[16])
{
	struct nd_neigh *e = nd_find(st, ifindex, nexthop);

	if (!e || e->state != ND_REACHABLE)
		return;
	nd_enter_stale(st, e);
}

/* --- learning from NS, RS, RA, redirect (7.2.3, 6.3.4, 8.3 / 7.3.3's table) --- */

void nd_learn(struct ustack *st, struct iface *ifp, const uint8_t ip[16], const uint8_t mac[6],
	      int router)
{
	struct nd_neigh *e = nd_find(st, ifp->index, ip);

	if (!e) {
		char a[INET6_ADDRSTRLEN], m[18];

		e = nd_create(st, ifp->index, ip, ND_STALE);
		if (!e) {
			stack_drop(st, USTACK_DROP_ND_CACHE_FULL, ifp->index, NULL, 0);
			return;
		}
		memcpy(e->mac, mac, ETH_ALEN);
		timer_set(st, &e->timer, st->now + ND_STALE_GC_US);
		trace_state(st, "nd", ifp->index, "NONE", "STALE", "nd %s NONE -> STALE (%s)",
			    ip6_str(ip, a), eth_ntoa(mac, m));
	} else if (e->state == ND_INCOMPLETE) {
		memcpy(e->mac, mac, ETH_ALEN);
		nd_enter_stale(st, e);
		nd_flush_queue(st, ifp, e);
	} else if (memcmp(e->mac, mac, ETH_ALEN) != 0) {
		memcpy(e->mac, mac, ETH_ALEN);
		nd_enter_stale(st, e);
	}
	if (router >= 0)
		e->router = router != 0;
}

bool nd_is_router(struct ustack *st, int ifindex, const uint8_t ip[16])
{
	struct nd_neigh *e = nd_find(st, ifindex, ip);

	return e && e->router;
}

/* --- input --- */

/* RFC 4861 7.1.1 / 7.2.3 / RFC 4862 5.4.3: a neighbour solicitation. */
static void nd_ns_input(struct ustack *st, struct iface *ifp, struct pkt *p,
			const struct ndp_repr *r)
{
	const uint8_t *src = p->src.b, *dst = p->dst.b;
	struct iface *owner = NULL;
	struct if_addr6 *a;
	struct ndp_repr na;
	bool from_unspec = ip6_is_unspecified(src);
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

	/* 7.1.1: from ::, only to a solicited-node group and without SLLA. */
	if (from_unspec && (!ip6_is_solicited_node(dst) || r->has_slla)) {
		stack_drop(st, USTACK_DROP_ND_BAD_SRC, ifp->index, p->data, p->len);
		return;
	}
	if (ip6_is_multicast(src)) {
		stack_drop(st, USTACK_DROP_ND_BAD_SRC, ifp->index, p->data, p->len);
		return;
	}
	a = iface_addr6_find(st, r->target, &owner);
	if (!a || owner != ifp || a->state == IF6_DUPLICATE) {
		stack_drop(st, USTACK_DROP_ND_NOT_FOR_US, ifp->index, p->data, p->len);
		return;
	}
	if (a->state == IF6_TENTATIVE) {
		/* RFC 4862 5.4.3: from a unicast source, the sender is resolving: ignore;
		 * from ::, another node runs DAD on the same address, unless it is our own
		 * probe looped back (RFC 7527: same nonce). */
		if (from_unspec)
			addr6_dad_ns_seen(st, ifp, a, r->has_nonce ? r->nonce : NULL, p);
		return;
	}
	if (!from_unspec && r->has_slla)
		nd_learn(st, ifp, src, r->slla, -1);
	/* 7.2.4: answer with our link-layer address; solicited unless from ::, then to
	 * all-nodes. Override set: the target is not an anycast address of ours. */
	memset(&na, 0, sizeof(na));
	na.type = ICMP6_ND_NA;
	memcpy(na.target, r->target, 16);
	na.router = st->cfg.forwarding;
	na.solicited = !from_unspec;
	na.override = true;
	na.has_tlla = true;
	memcpy(na.tlla, ifp->mac, ETH_ALEN);
	nd_send(st, ifp, &na, a->addr, from_unspec ? all_nodes : src);
}

/* RFC 4861 7.1.2 / 7.2.5 / RFC 4862 5.4.4: a neighbour advertisement. */
static void nd_na_input(struct ustack *st, struct iface *ifp, struct pkt *p,
			const struct ndp_repr *r)
{
	struct iface *owner = NULL;
	struct if_addr6 *a;
	struct nd_neigh *e;

	/* 7.1.2: to a multicast destination, the solicited flag must be clear. */
	if (ip6_is_multicast(p->dst.b) && r->solicited) {
		stack_drop(st, USTACK_DROP_ND_MALFORMED, ifp->index, p->data, p->len);
		return;
	}
	a = iface_addr6_find(st, r->target, &owner);
	if (a && owner == ifp) {
		/* Someone advertises one of our addresses: RFC 4862 5.4.4. */
		if (r->has_tlla && memcmp(r->tlla, ifp->mac, ETH_ALEN) == 0)
			return;        /* our own, looped back */
		addr6_na_seen(st, ifp, a, p);
		return;
	}
	e = nd_find(st, ifp->index, r->target);
	if (!e)
		return;        /* 7.2.5: no entry: silently discarded */
	if (e->state == ND_INCOMPLETE) {
		if (!r->has_tlla)
			return;
		memcpy(e->mac, r->tlla, ETH_ALEN);
		if (r->solicited)
			nd_enter_reachable(st, e);
		else
			nd_enter_stale(st, e);
		e->router = r->router;
		nd_flush_queue(st, ifp, e);
		return;
	}
	bool differs = r->has_tlla && memcmp(r->tlla, e->mac, ETH_ALEN) != 0;

	if (!r->override && differs) {
		/* 7.2.5: a different address without override: REACHABLE becomes STALE, the
		 * entry is not updated. */
		if (e->state == ND_REACHABLE)
			nd_enter_stale(st, e);
		return;
	}
	if (differs)
		memcpy(e->mac, r->tlla, ETH_ALEN);
	if (r->solicited)
		nd_enter_reachable(st, e);
	else if (differs)
		nd_enter_stale(st, e);
	if (e->router && !r->router)
		addr6_router_gone(st, ifp, e->ip);  /* 7.2.5: no longer a router */
	e->router = r->router;
}

void nd_input(struct ustack *st, struct iface *ifp, struct pkt *p)
{
	struct ndp_repr r;

	ST_COUNT(st, nd_in);
	/* 7.1: every ND message has hop limit 255: it was not forwarded. */
	if (p->ip_ttl != 255) {
		stack_drop(st, USTACK_DROP_ND_BAD_HOP_LIMIT, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	if (ndp_parse(p->data, p->len, &r) != WIRE_OK) {
		stack_drop(st, USTACK_DROP_ND_MALFORMED, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	if (!ifp->ip6 || ifp->loopback) {
		pkt_free(st, p);
		return;
	}
	switch (r.type) {
	case ICMP6_ND_NS:
		nd_ns_input(st, ifp, p, &r);
		break;
	case ICMP6_ND_NA:
		nd_na_input(st, ifp, p, &r);
		break;
	case ICMP6_ND_RA:
		addr6_ra_input(st, ifp, p, &r);
		break;
	case ICMP6_ND_REDIRECT:
		addr6_redirect_input(st, ifp, p, &r);
		break;
	case ICMP6_ND_RS:
	default:
		/* 6.2.6: a host silently discards router solicitations. */
		break;
	}
	pkt_free(st, p);
}

/* --- listing and teardown --- */

size_t nd_list(struct ustack *st, struct nd_neigh_info *out, size_t max)
{
	size_t n = 0;

	for (unsigned b = 0; b < ND_BUCKETS && n < max; b++) {
		for (struct nd_neigh *e = st->nd->hash[b]; e && n < max; e = e->next) {
			struct nd_neigh_info *o = &out[n++];

			memcpy(o->ip, e->ip, 16);
			memcpy(o->mac, e->mac, ETH_ALEN);
			o->ifindex = e->ifindex;
			o->state = e->state;
			o->state_name = nd_state_names[e->state];
			o->router = e->router;
			o->age_us = st->now >= e->confirmed ? st->now - e->confirmed : 0;
			o->queued = e->q.count;
		}
	}
	return n;
}

void nd_free(struct ustack *st)
{
	if (!st->nd)
		return;
	addr6_free(st);
	for (unsigned b = 0; b < ND_BUCKETS; b++) {
		struct nd_neigh *e = st->nd->hash[b];

		while (e) {
			struct nd_neigh *next = e->next;

			timer_cancel(st, &e->timer);
			pkt_queue_purge(st, &e->q);
			free(e);
			e = next;
		}
	}
	free(st->nd);
	st->nd = NULL;
}
