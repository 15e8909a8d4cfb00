/* arp.c - the neighbour cache and address resolution (RFC 826; RFC 1122 §2.3.2.1-2).
 *
 * An entry maps (interface, IPv4 address) to a MAC and is in one of three states:
 *   INCOMPLETE  a request is out; packets wait in a bounded queue. Requests are sent
 *               ARP_TRIES times, ARP_RETRY_US apart (so never more than one per second
 *               per destination, RFC 1122 §2.3.2.1); after the last, the queued packets
 *               are dropped (ARP_UNRESOLVED) and answered with ICMP host unreachable.
 *   REACHABLE   confirmed within ARP_REACHABLE_US; used as is.
 *   STALE       older than that: still used, but the first use sends a unicast probe
 *               (RFC 1122 §2.3.2.1 "unicast poll"); no answer after ARP_TRIES probes,
 *               one a second, removes the entry. An unused STALE entry is removed after
 *               ARP_STALE_GC_US.
 * Learning follows RFC 826's merge: any ARP from a sender we have an entry for
 * refreshes it; a new entry is created only when the packet is addressed to us. The
 * cache holds at most cfg.arp_cache_max entries; a new one evicts the least recently
 * confirmed entry that is not INCOMPLETE, and when all are INCOMPLETE it is refused
 * (ARP_CACHE_FULL). One timer per entry serves all three states. */
#include "net/arp.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "core/stack.h"
#include "core/ip_class.h"
#include "core/trace.h"
#include "net/icmp.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define ARP_BUCKETS 256
#define ARP_TRIES 3
#define ARP_RETRY_US 1000000ull
#define ARP_REACHABLE_US 30000000ull
#define ARP_STALE_GC_US 60000000ull

enum arp_state_kind { ARP_INCOMPLETE, ARP_REACHABLE, ARP_STALE };

static const char *const arp_state_names[] = { "INCOMPLETE", "REACHABLE", "STALE" };

struct arp_entry {
	struct arp_entry *next;       /* hash chain */
	uint32_t ip;
	int ifindex;
	uint8_t mac[ETH_ALEN];
	enum arp_state_kind state;
	uint64_t confirmed;           /* last confirmation (creation while INCOMPLETE) */
	int tries;                    /* requests (INCOMPLETE) or probes (STALE) sent */
	struct pkt_queue q;           /* packets waiting (INCOMPLETE only) */
	struct timer timer;
};

struct arp_state {
	struct arp_entry *hash[ARP_BUCKETS];
	size_t count;
};

static const uint8_t eth_bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void arp_timer(struct ustack *st, struct timer *t, uint64_t now);

int arp_init(struct ustack *st)
{
	st->arp = calloc(1, sizeof(*st->arp));
	return st->arp ? 0 : -1;
}

static unsigned arp_bucket(uint32_t ip, int ifindex)
{
	uint32_t h = (ip ^ (uint32_t)ifindex * 0x9e3779b1u) * 0x85ebca77u;

	return (h >> 16) % ARP_BUCKETS;
}

static struct arp_entry *arp_find(struct ustack *st, int ifindex, uint32_t ip)
{
	struct arp_entry *e = st->arp->hash[arp_bucket(ip, ifindex)];

	for (; e; e = e->next)
		if (e->ip == ip && e->ifindex == ifindex)
			return e;
	return NULL;
}

static void arp_set_state(struct ustack *st, struct arp_entry *e, enum arp_state_kind s)
{
	char a[16], m[18];

	if (e->state != s)
		trace_state(st, "arp", e->ifindex, arp_state_names[e->state], arp_state_names[s],
			    "arp %s %s -> %s (%s)", ipv4_ntoa(e->ip, a), arp_state_names[e->state],
			    arp_state_names[s], eth_ntoa(e->mac, m));
	e->state = s;
}

/* Unlink and free e; its queue must already be empty or is freed uncounted. */
static void arp_remove(struct ustack *st, struct arp_entry *e, const char *why)
{
	struct arp_entry **pp = &st->arp->hash[arp_bucket(e->ip, e->ifindex)];
	char a[16];

	while (*pp && *pp != e)
		pp = &(*pp)->next;
	if (*pp)
		*pp = e->next;
	st->arp->count--;
	timer_cancel(st, &e->timer);
	trace_state(st, "arp", e->ifindex, arp_state_names[e->state], "NONE", "arp %s removed (%s)",
		    ipv4_ntoa(e->ip, a), why);
	pkt_queue_purge(st, &e->q);
	free(e);
}

/* The entry to sacrifice when the cache is full: the least recently confirmed one that
 * is not resolving. */
static struct arp_entry *arp_victim(struct ustack *st)
{
	struct arp_entry *best = NULL;

	for (unsigned b = 0; b < ARP_BUCKETS; b++)
		for (struct arp_entry *e = st->arp->hash[b]; e; e = e->next)
			if (e->state != ARP_INCOMPLETE && (!best || e->confirmed < best->confirmed))
				best = e;
	return best;
}

/* A new entry (state set by the caller), or NULL when the cache is full of INCOMPLETE
 * entries (or memory is short). */
static struct arp_entry *arp_create(struct ustack *st, int ifindex, uint32_t ip,
				    enum arp_state_kind s)
{
	struct arp_entry *e;
	unsigned b = arp_bucket(ip, ifindex);

	if (st->arp->count >= st->cfg.arp_cache_max) {
		struct arp_entry *v = arp_victim(st);

		if (!v)
			return NULL;
		arp_remove(st, v, "evicted: cache full");
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->ip = ip;
	e->ifindex = ifindex;
	e->state = s;
	e->confirmed = st->now;
	timer_init(&e->timer, arp_timer, e);
	e->next = st->arp->hash[b];
	st->arp->hash[b] = e;
	st->arp->count++;
	return e;
}

/* --- sending ARP packets --- */

static void arp_send(struct ustack *st, struct iface *ifp, uint16_t op, const uint8_t tha[6],
		     uint32_t tpa, const uint8_t dst[6])
{
	struct arp_repr r;
	struct pkt *p = pkt_alloc(st, ARP_LEN);

	if (!p)
		return;
	r.op = op;
	memcpy(r.sha, ifp->mac, ETH_ALEN);
	r.spa = ifp->addr;
	memcpy(r.tha, tha, ETH_ALEN);
	r.tpa = tpa;
	arp_emit(&r, pkt_put(p, ARP_LEN));
	ST_COUNT(st, arp_out);
	if (op == ARP_OP_REQUEST)
		ST_COUNT(st, arp_requests);
	else
		ST_COUNT(st, arp_replies);
	eth_output(st, ifp, p, dst, ETHERTYPE_ARP);
}

/* RFC 826 request: who has tpa? Broadcast, or unicast to a known MAC (a STALE probe). */
static void arp_request(struct ustack *st, struct iface *ifp, uint32_t tpa, const uint8_t *ucast)
{
	static const uint8_t zero[ETH_ALEN];

	arp_send(st, ifp, ARP_OP_REQUEST, zero, tpa, ucast ? ucast : eth_bcast);
}

/* RFC 5227 §3 / RFC 826: a gratuitous ARP (a request for our own address) so that
 * neighbours update their caches when an interface comes up. */
void arp_announce(struct ustack *st, struct iface *ifp)
{
	if (ifp->loopback || ifp->addr == 0)
		return;
	arp_request(st, ifp, ifp->addr, NULL);
}

/* --- resolution failure and success --- */

/* Resolution failed: drop what waited, counted, and tell the senders (RFC 1122
 * §2.3.2.2 lets a host report it; RFC 1812 §4.3.3.1 for forwarded datagrams). */
static void arp_fail(struct ustack *st, struct arp_entry *e)
{
	struct pkt_queue q = e->q;
	struct pkt *p;
	char a[16];

	memset(&e->q, 0, sizeof(e->q));
	trace_info(st, "arp: %s unresolved after %d requests", ipv4_ntoa(e->ip, a), e->tries);
	arp_remove(st, e, "no reply");
	while ((p = pkt_queue_pop(&q)) != NULL) {
		stack_drop(st, USTACK_DROP_ARP_UNRESOLVED, p->ifindex, p->data, p->len);
		p->l3 = p->data;
		p->l3_len = p->len;
		icmp_send_error(st, p, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
		pkt_free(st, p);
	}
}

/* The neighbour answered (or spoke): record its MAC, confirm it, send what waited. */
static void arp_confirm(struct ustack *st, struct iface *ifp, struct arp_entry *e,
			const uint8_t mac[6])
{
	struct pkt *p;
	char a[16], m1[18], m2[18];

	if (e->state != ARP_INCOMPLETE && memcmp(e->mac, mac, ETH_ALEN) != 0)
		trace_info(st, "arp: %s moved from %s to %s", ipv4_ntoa(e->ip, a),
			   eth_ntoa(e->mac, m1), eth_ntoa(mac, m2));
	memcpy(e->mac, mac, ETH_ALEN);
	arp_set_state(st, e, ARP_REACHABLE);
	e->confirmed = st->now;
	e->tries = 0;
	timer_set(st, &e->timer, st->now + ARP_REACHABLE_US);
	while ((p = pkt_queue_pop(&e->q)) != NULL)
		eth_output(st, ifp, p, e->mac, ETHERTYPE_IPV4);
}

/* One timer per entry; what it means depends on the state. */
static void arp_timer(struct ustack *st, struct timer *t, uint64_t now)
{
	struct arp_entry *e = t->arg;
	struct iface *ifp = iface_get(st, e->ifindex);

	if (!ifp || !ifp->up) {
		if (e->state == ARP_INCOMPLETE)
			arp_fail(st, e);
		else
			arp_remove(st, e, "interface gone");
		return;
	}
	switch (e->state) {
	case ARP_INCOMPLETE:
		if (e->tries >= ARP_TRIES) {
			arp_fail(st, e);
			return;
		}
		e->tries++;
		arp_request(st, ifp, e->ip, NULL);
		timer_set(st, &e->timer, now + ARP_RETRY_US);
		break;
	case ARP_REACHABLE:
		arp_set_state(st, e, ARP_STALE);
		e->tries = 0;
		timer_set(st, &e->timer, now + ARP_STALE_GC_US);
		break;
	case ARP_STALE:
		if (e->tries == 0) {
			arp_remove(st, e, "stale and unused");
		} else if (e->tries >= ARP_TRIES) {
			arp_remove(st, e, "no answer to probes");
		} else {
			/* The last try is broadcast: the neighbour may have a new MAC. */
			e->tries++;
			arp_request(st, ifp, e->ip, e->tries == ARP_TRIES ? NULL : e->mac);
			timer_set(st, &e->timer, now + ARP_RETRY_US);
		}
		break;
	}
}

/* --- output --- */

void arp_output(struct ustack *st, struct iface *ifp, struct pkt *p, uint32_t nexthop)
{
	struct arp_entry *e;
	uint8_t mac[ETH_ALEN];

	/* Loopback: no link to resolve on. */
	if (ifp->loopback) {
		eth_output(st, ifp, p, ifp->mac, ETHERTYPE_IPV4);
		return;
	}
	/* RFC 1122 §3.3.6 / RFC 919: broadcasts go to the link broadcast address. */
	if (ip4_is_limited_broadcast(nexthop) || (ifp->prefix <= 30 && nexthop == iface_bcast(ifp))) {
		eth_output(st, ifp, p, eth_bcast, ETHERTYPE_IPV4);
		return;
	}
	/* RFC 1112 §6.4: 01:00:5e and the low 23 bits of the group. */
	if (ip4_is_multicast(nexthop)) {
		ip4_mcast_mac(nexthop, mac);
		eth_output(st, ifp, p, mac, ETHERTYPE_IPV4);
		return;
	}
	e = arp_find(st, ifp->index, nexthop);
	if (!e) {
		char a[16];

		e = arp_create(st, ifp->index, nexthop, ARP_INCOMPLETE);
		if (!e) {
			stack_drop(st, USTACK_DROP_ARP_CACHE_FULL, ifp->index, p->data, p->len);
			pkt_free(st, p);
			return;
		}
		trace_state(st, "arp", ifp->index, "NONE", "INCOMPLETE",
			    "arp %s NONE -> INCOMPLETE", ipv4_ntoa(nexthop, a));
		pkt_queue_push(&e->q, p);
		e->tries = 1;
		arp_request(st, ifp, nexthop, NULL);
		timer_set(st, &e->timer, st->now + ARP_RETRY_US);
		return;
	}
	switch (e->state) {
	case ARP_INCOMPLETE:
		/* The request is out (at most one a second, by the timer): wait in line. */
		if (e->q.count >= st->cfg.arp_queue_max) {
			stack_drop(st, USTACK_DROP_ARP_QUEUE_FULL, ifp->index, p->data, p->len);
			pkt_free(st, p);
			return;
		}
		pkt_queue_push(&e->q, p);
		return;
	case ARP_STALE:
		if (e->tries == 0) {
			e->tries = 1;
			arp_request(st, ifp, e->ip, e->mac);
			timer_set(st, &e->timer, st->now + ARP_RETRY_US);
		}
		break;
	case ARP_REACHABLE:
		break;
	}
	eth_output(st, ifp, p, e->mac, ETHERTYPE_IPV4);
}

/* RFC 1122 2.3.2.1 "negative advice": an upper layer saw no progress through this
 * neighbour (TCP's repeated timeouts). A REACHABLE entry goes STALE, so its next use
 * probes it again (unicast, then broadcast): a neighbour whose MAC changed, or an entry
 * learnt from a damaged frame, is found again instead of black-holing the traffic for
 * the rest of its reachable time. */
void arp_negative_advice(struct ustack *st, int ifindex, uint32_t nexthop)
{
	struct arp_entry *e = arp_find(st, ifindex, nexthop);

	if (!e || e->state != ARP_REACHABLE)
		return;
	arp_set_state(st, e, ARP_STALE);
	e->tries = 0;
	timer_set(st, &e->timer, st->now + ARP_STALE_GC_US);
}

/* --- input (RFC 826 "Packet Reception") --- */

void arp_input(struct ustack *st, struct iface *ifp, struct pkt *p)
{
	struct arp_repr r;
	struct arp_entry *e;
	bool for_us;

	ST_COUNT(st, arp_in);
	if (arp_parse(p->data, p->len, &r) != WIRE_OK || eth_is_multicast(r.sha) ||
	    ip4_is_multicast(r.spa) || ip4_is_limited_broadcast(r.spa)) {
		stack_drop(st, USTACK_DROP_ARP_MALFORMED, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	if (ifp->loopback || ifp->addr == 0) {
		stack_drop(st, USTACK_DROP_ARP_NOT_FOR_US, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	if (memcmp(r.sha, ifp->mac, ETH_ALEN) == 0) {
		/* Our own packet looped back by the switch. */
		pkt_free(st, p);
		return;
	}
	if (r.spa == ifp->addr) {
		char m[18];

		/* RFC 5227 §2.4: someone else claims our address. Never learn it. */
		trace_info(st, "arp: address conflict: %s also claims our address",
			   eth_ntoa(r.sha, m));
		pkt_free(st, p);
		return;
	}
	for_us = r.tpa == ifp->addr;
	/* RFC 826: "If the pair <protocol type, sender protocol address> is already in
	 * my translation table, update the sender hardware address field" ... "If I am
	 * the target protocol address: if the merge flag is false, add the triplet".
	 * A sender address of 0 (an RFC 5227 probe) is never learnt. */
	if (r.spa != 0) {
		e = arp_find(st, ifp->index, r.spa);
		if (e) {
			arp_confirm(st, ifp, e, r.sha);
		} else if (for_us) {
			e = arp_create(st, ifp->index, r.spa, ARP_REACHABLE);
			if (!e) {
				stack_drop(st, USTACK_DROP_ARP_CACHE_FULL, ifp->index, p->data,
					   p->len);
			} else {
				char a[16], m[18];

				memcpy(e->mac, r.sha, ETH_ALEN);
				timer_set(st, &e->timer, st->now + ARP_REACHABLE_US);
				trace_state(st, "arp", ifp->index, "NONE", "REACHABLE",
					    "arp %s NONE -> REACHABLE (%s)", ipv4_ntoa(r.spa, a),
					    eth_ntoa(r.sha, m));
			}
		}
	}
	if (!for_us) {
		stack_drop(st, USTACK_DROP_ARP_NOT_FOR_US, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	/* RFC 826: "If the opcode is request: swap, put in my addresses, send a reply". */
	if (r.op == ARP_OP_REQUEST)
		arp_send(st, ifp, ARP_OP_REPLY, r.sha, r.spa, r.sha);
	pkt_free(st, p);
}

/* --- the public view of the cache --- */

size_t ustack_neighbours(struct ustack *st, struct ustack_neigh *out, size_t max)
{
	size_t n = 0;

	stack_lock(st);
	for (unsigned b = 0; b < ARP_BUCKETS && n < max; b++) {
		for (struct arp_entry *e = st->arp->hash[b]; e && n < max; e = e->next) {
			struct ustack_neigh *o = &out[n++];

			o->addr.s_addr = htonl(e->ip);
			memcpy(o->mac, e->mac, ETH_ALEN);
			o->ifindex = e->ifindex;
			o->state = arp_state_names[e->state];
			o->age_us = st->now >= e->confirmed ? st->now - e->confirmed : 0;
		}
	}
	stack_unlock(st);
	return n;
}

void arp_free(struct ustack *st)
{
	if (!st->arp)
		return;
	for (unsigned b = 0; b < ARP_BUCKETS; b++) {
		struct arp_entry *e = st->arp->hash[b];

		while (e) {
			struct arp_entry *next = e->next;

			timer_cancel(st, &e->timer);
			pkt_queue_purge(st, &e->q);
			free(e);
			e = next;
		}
	}
	free(st->arp);
	st->arp = NULL;
}
