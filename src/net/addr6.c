/* addr6.c - an interface's IPv6 addresses and what routers tell it (see addr6.h).
 *
 * Each interface has one address timer: it fires at the earliest of its addresses' DAD
 * steps and lifetime ends. An address is added TENTATIVE with its solicited-node group
 * joined (RFC 4862 5.4.2); after a random delay of up to MAX_RTR_SOLICITATION_DELAY
 * one NS from :: with a nonce is sent (DupAddrDetectTransmits 1); RetransTimer later
 * without a conflict it is PREFERRED. A conflicting NS or NA makes it DUPLICATE
 * (counted nd_dad_failed, drop ND_DAD_DUPLICATE with the frame that told us); with
 * cfg.dad_disable_ipv6, a duplicate link-local address made from the MAC stops IPv6 on
 * the interface (RFC 4862 5.4.5, Linux's accept_dad=2).
 * Router solicitations start when the link-local address is PREFERRED (RFC 4861 6.3.7:
 * MAX_RTR_SOLICITATIONS 3, RTR_SOLICITATION_INTERVAL 4 s, with our link-layer address).
 *
 * The interface identifier of the link-local and SLAAC addresses is the modified EUI-64
 * of the MAC, or with cfg.ipv6_stable_secret set the RFC 7217 one (addr6_stable.c):
 * reserved identifiers and ones in use are skipped by counting DAD_Counter up, and a
 * DAD conflict replaces the address by the next counter's (counted nd_idgen_retries)
 * up to IDGEN_RETRIES times; then the last one stays DUPLICATE (nd_idgen_failed). */
#include "net/addr6.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "core/stack.h"
#include "core/ip_class.h"
#include "core/trace.h"
#include "net/addr6_stable.h"
#include "net/mld6.h"
#include "net/nd.h"
#include "ustack/dev.h"
#include "wire/eth.h"
#include "wire/icmp6.h"
#include "wire/ndp.h"

#define MAX_RTR_SOLICITATION_DELAY_US 1000000ull
#define RTR_SOLICITATION_INTERVAL_US 4000000ull
#define MAX_RTR_SOLICITATIONS 3
#define DUP_ADDR_DETECT_TRANSMITS 1
#define TWO_HOURS_S 7200u                 /* RFC 4862 5.5.3(e) */
#define REDIRECT_LIFETIME_US 600000000ull  /* a redirect's host route: 10 minutes */
#define INFINITE 0xffffffffu

static const char *const if6_state_names[] = {
	"UNUSED", "TENTATIVE", "PREFERRED", "DEPRECATED", "DUPLICATE"
};

struct a6_rdnss {
	uint8_t addr[16];
	int ifindex;
	uint64_t until;                /* 0: slot free */
};

struct a6_if {
	struct ustack *st;
	int ifindex;
	bool slaac_off;
	struct timer addr_timer;       /* DAD steps and lifetimes */
	struct timer rs_timer;
	int rs_left;                   /* router solicitations still to send */
	bool rs_started;
	uint8_t nonce[IFACE_ADDR6_MAX][6];
};

struct addr6_state {
	struct a6_if ifs[USTACK_MAX_IFACES];
	struct a6_rdnss rdnss[ADDR6_MAX_RDNSS * 2];
};

static void a6_addr_timer(struct ustack *st, struct timer *t, uint64_t now);
static void a6_rs_timer(struct ustack *st, struct timer *t, uint64_t now);

static struct a6_if *a6_if(struct ustack *st, const struct iface *ifp)
{
	return &st->addr6->ifs[ifp->index];
}

static const char *ip6_str(const uint8_t a[16], char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN) ? buf : "?";
}

static uint64_t lifetime_end(struct ustack *st, uint32_t s)
{
	return s == INFINITE ? UINT64_MAX : st->now + (uint64_t)s * 1000000;
}

/* seconds left of an end time (INFINITE for forever) */
static uint32_t lifetime_left(struct ustack *st, uint64_t until)
{
	if (until == UINT64_MAX)
		return INFINITE;
	return until > st->now ? (uint32_t)((until - st->now) / 1000000) : 0;
}

int addr6_init(struct ustack *st)
{
	st->addr6 = calloc(1, sizeof(*st->addr6));
	if (!st->addr6)
		return -1;
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct a6_if *x = &st->addr6->ifs[i];

		x->st = st;
		x->ifindex = i;
		timer_init(&x->addr_timer, a6_addr_timer, x);
		timer_init(&x->rs_timer, a6_rs_timer, x);
	}
	return 0;
}

void addr6_free(struct ustack *st)
{
	if (!st->addr6)
		return;
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		timer_cancel(st, &st->addr6->ifs[i].addr_timer);
		timer_cancel(st, &st->addr6->ifs[i].rs_timer);
	}
	free(st->addr6);
	st->addr6 = NULL;
}

void addr6_eui64(const uint8_t mac[6], uint8_t iid[8])
{
	iid[0] = mac[0] ^ 0x02;        /* the universal/local bit inverted */
	iid[1] = mac[1];
	iid[2] = mac[2];
	iid[3] = 0xff;
	iid[4] = 0xfe;
	iid[5] = mac[3];
	iid[6] = mac[4];
	iid[7] = mac[5];
}

static void a6_set_state(struct ustack *st, struct iface *ifp, struct if_addr6 *a,
			 enum if6_state s, const char *why)
{
	char b[INET6_ADDRSTRLEN];

	trace_state(st, "addr6", ifp->index, if6_state_names[a->state], if6_state_names[s],
		    "%s %s/%u %s -> %s (%s)", ifp->name, ip6_str(a->addr, b), a->plen,
		    if6_state_names[a->state], if6_state_names[s], why);
	a->state = (uint8_t)s;
}

/* Arm the interface's address timer for the earliest thing due. */
static void a6_rearm(struct ustack *st, struct iface *ifp)
{
	uint64_t when = UINT64_MAX;

	for (int k = 0; k < IFACE_ADDR6_MAX; k++) {
		const struct if_addr6 *a = &ifp->addr6[k];

		if (a->state == IF6_UNUSED || a->state == IF6_DUPLICATE)
			continue;
		if (a->state == IF6_TENTATIVE && a->dad_next < when)
			when = a->dad_next;
		if (a->state == IF6_PREFERRED && a->preferred_until < when)
			when = a->preferred_until;
		if (a->valid_until < when)
			when = a->valid_until;
	}
	if (when == UINT64_MAX)
		timer_cancel(st, &a6_if(st, ifp)->addr_timer);
	else
		timer_set(st, &a6_if(st, ifp)->addr_timer, when);
}

/* a's first plen bits, the rest zero (the form routes keep) */
static void a6_mask(const uint8_t a[16], int plen, uint8_t out[16])
{
	memset(out, 0, 16);
	memcpy(out, a, (size_t)(plen / 8));
	if (plen % 8)
		out[plen / 8] = (uint8_t)(a[plen / 8] & (0xff << (8 - plen % 8)));
}

/* The address for the /64 prefix pfx on ifp: prefix + modified EUI-64 of the MAC, or
 * with a stable secret prefix + the RFC 7217 identifier of DAD_Counter *counter or the
 * first counter after it that gives an identifier neither reserved nor in use. -1 when
 * the counter would pass ADDR6_IDGEN_RETRIES. */
static int a6_make_addr(struct ustack *st, const struct iface *ifp, const uint8_t pfx[16],
			uint8_t *counter, uint8_t out[16])
{
	memset(out, 0, 16);
	memcpy(out, pfx, 8);
	if (!addr6_stable_on(st->cfg.ipv6_stable_secret)) {
		addr6_eui64(ifp->mac, out + 8);
		return 0;
	}
	for (; *counter <= ADDR6_IDGEN_RETRIES; (*counter)++) {
		addr6_stable_iid(st->cfg.ipv6_stable_secret, pfx, ifp->mac, *counter, out + 8);
		if (!addr6_iid_reserved(out + 8) && !iface_addr6_find(st, out, NULL))
			return 0;
	}
	return -1;
}

/* Add the address of prefix pfx (link-local or SLAAC, flags) made by a6_make_addr from
 * DAD_Counter counter on. 0 or -errno (-EADDRINUSE: no counter left). */
static int a6_add_auto(struct ustack *st, struct iface *ifp, const uint8_t pfx[16], uint8_t flags,
		       uint8_t counter, uint32_t valid_s, uint32_t preferred_s)
{
	uint8_t addr[16];
	int rc;

	if (a6_make_addr(st, ifp, pfx, &counter, addr) != 0)
		return -EADDRINUSE;
	if (addr6_stable_on(st->cfg.ipv6_stable_secret))
		flags |= IF6_F_STABLE;
	rc = nd_addr_add(st, ifp, addr, 64, flags, valid_s, preferred_s);
	if (rc == 0)
		iface_addr6_find(st, addr, NULL)->dad_counter = counter;
	return rc;
}

/* The on-link route of a's prefix stays while another address of ifp has it. */
static void a6_route_release(struct ustack *st, struct iface *ifp, const struct if_addr6 *a)
{
	if (a->flags & (IF6_F_LINKLOCAL | IF6_F_SLAAC))
		return;
	for (int k = 0; k < IFACE_ADDR6_MAX; k++) {
		const struct if_addr6 *o = &ifp->addr6[k];

		if (o != a && o->state != IF6_UNUSED && o->state != IF6_DUPLICATE &&
		    !(o->flags & (IF6_F_LINKLOCAL | IF6_F_SLAAC)) && o->plen == a->plen &&
		    ip6_prefix_match(o->addr, a->addr, a->plen))
			return;
	}
	uint8_t net[16];

	a6_mask(a->addr, a->plen, net);
	route6_del(st, net, a->plen, NULL, ifp->index);
}

int nd_addr_add(struct ustack *st, struct iface *ifp, const uint8_t a[16], int plen, uint8_t flags,
		uint32_t valid_s, uint32_t preferred_s)
{
	struct if_addr6 *slot = NULL;
	uint8_t group[16];
	char b[INET6_ADDRSTRLEN];

	if (!ifp || !ifp->ip6)
		return -EAFNOSUPPORT;
	if (plen < 1 || plen > 128 || ip6_is_multicast(a) || ip6_is_unspecified(a) ||
	    (ip6_is_loopback(a) && !ifp->loopback) || preferred_s > valid_s || valid_s == 0)
		return -EINVAL;
	if (iface_addr6_find(st, a, NULL))
		return -EEXIST;
	for (int k = 0; k < IFACE_ADDR6_MAX && !slot; k++)
		if (ifp->addr6[k].state == IF6_UNUSED)
			slot = &ifp->addr6[k];
	if (!slot)
		return -ENOSPC;
	memset(slot, 0, sizeof(*slot));
	memcpy(slot->addr, a, 16);
	slot->plen = (uint8_t)plen;
	slot->flags = flags;
	slot->valid_until = lifetime_end(st, valid_s);
	slot->preferred_until = lifetime_end(st, preferred_s);
	if (!(flags & (IF6_F_LINKLOCAL | IF6_F_SLAAC))) {
		int rc = route6_add(st, a, plen, NULL, ifp->index, ROUTE6_CONNECTED, 0);

		if (rc != 0)
			return rc;
	}
	trace_state(st, "addr6", ifp->index, "NONE", ifp->loopback ? "PREFERRED" : "TENTATIVE",
		    "%s %s/%d added", ifp->name, ip6_str(a, b), plen);
	if (ifp->loopback) {
		slot->state = IF6_PREFERRED;
		return 0;
	}
	/* RFC 4862 5.4.2: join the solicited-node group, then probe after a random delay. */
	slot->state = IF6_TENTATIVE;
	slot->dad_left = DUP_ADDR_DETECT_TRANSMITS;
	slot->dad_next = st->now + stack_rand32(st) % (uint32_t)MAX_RTR_SOLICITATION_DELAY_US;
	ip6_solicited_node(a, group);
	mld6_join(st, ifp, group);
	a6_rearm(st, ifp);
	return 0;
}

static void a6_release(struct ustack *st, struct iface *ifp, struct if_addr6 *a)
{
	uint8_t group[16];

	ip6_solicited_node(a->addr, group);
	mld6_leave(st, ifp, group);
	a6_route_release(st, ifp, a);
}

int nd_addr_del(struct ustack *st, struct iface *ifp, const uint8_t a[16])
{
	struct iface *owner = NULL;
	struct if_addr6 *x = iface_addr6_find(st, a, &owner);
	char b[INET6_ADDRSTRLEN];

	if (!x || (ifp && owner != ifp))
		return -EADDRNOTAVAIL;
	if (x->state != IF6_DUPLICATE && !owner->loopback)
		a6_release(st, owner, x);
	else if (owner->loopback)
		a6_route_release(st, owner, x);
	trace_state(st, "addr6", owner->index, if6_state_names[x->state], "NONE",
		    "%s %s/%u removed", owner->name, ip6_str(x->addr, b), x->plen);
	memset(x, 0, sizeof(*x));
	a6_rearm(st, owner);
	return 0;
}

/* --- router solicitation (RFC 4861 6.3.7) --- */

static void a6_send_rs(struct ustack *st, struct iface *ifp)
{
	static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 2 };
	static const uint8_t unspec[16];
	struct ndp_repr r;
	uint8_t src[16];
	struct pkt *p = pkt_alloc(st, 64);
	size_t n;

	if (!p)
		return;
	memset(&r, 0, sizeof(r));
	r.type = ICMP6_ND_RS;
	/* From our link-local with our link-layer address; from :: without it before. */
	if (addr6_pick(st, ifp, all_routers, src) == 0) {
		r.has_slla = true;
		memcpy(r.slla, ifp->mac, ETH_ALEN);
	} else {
		memcpy(src, unspec, 16);
	}
	n = ndp_emit(&r, p->data, pkt_tailroom(p), src, all_routers);
	if (!n) {
		pkt_free(st, p);
		return;
	}
	pkt_put(p, n);
	ST_COUNT(st, nd_rs_out);
	nd_send_icmp6(st, ifp, p, src, all_routers, 255, false);
}

static void a6_rs_timer(struct ustack *st, struct timer *t, uint64_t now)
{
	struct a6_if *x = t->arg;
	struct iface *ifp = iface_get(st, x->ifindex);

	if (!ifp || !ifp->up || !ifp->ip6 || x->rs_left <= 0)
		return;
	x->rs_left--;
	a6_send_rs(st, ifp);
	if (x->rs_left > 0)
		timer_set(st, &x->rs_timer, now + RTR_SOLICITATION_INTERVAL_US);
}

static void a6_start_rs(struct ustack *st, struct iface *ifp)
{
	struct a6_if *x = a6_if(st, ifp);

	if (x->rs_started || ifp->loopback || st->cfg.forwarding)
		return;
	x->rs_started = true;
	x->rs_left = MAX_RTR_SOLICITATIONS;
	timer_set(st, &x->rs_timer,
		  st->now + stack_rand32(st) % (uint32_t)MAX_RTR_SOLICITATION_DELAY_US);
}

/* --- DAD and lifetimes --- */

static void a6_dad_done(struct ustack *st, struct iface *ifp, struct if_addr6 *a)
{
	a6_set_state(st, ifp, a, a->preferred_until <= st->now ? IF6_DEPRECATED : IF6_PREFERRED,
		     "DAD done");
	if (a->flags & IF6_F_LINKLOCAL) {
		a6_start_rs(st, ifp);
		mld6_ll_ready(st, ifp);
	}
}

static void a6_addr_timer(struct ustack *st, struct timer *t, uint64_t now)
{
	struct a6_if *x = t->arg;
	struct iface *ifp = iface_get(st, x->ifindex);

	if (!ifp || !ifp->up)
		return;
	for (int k = 0; k < IFACE_ADDR6_MAX; k++) {
		struct if_addr6 *a = &ifp->addr6[k];

		if (a->state == IF6_UNUSED || a->state == IF6_DUPLICATE)
			continue;
		if (a->valid_until <= now) {
			nd_addr_del(st, ifp, a->addr);    /* valid lifetime over (5.5.4) */
			continue;
		}
		if (a->state == IF6_TENTATIVE && a->dad_next <= now) {
			if (a->dad_left > 0) {
				a->dad_left--;
				stack_rand_bytes(st, x->nonce[k], 6);
				nd_send_ns(st, ifp, a->addr, NULL, false, x->nonce[k]);
				a->dad_next = now + nd_retrans_us(st, ifp->index);
			} else {
				a6_dad_done(st, ifp, a);
			}
		}
		if (a->state == IF6_PREFERRED && a->preferred_until <= now)
			a6_set_state(st, ifp, a, IF6_DEPRECATED, "preferred lifetime over");
	}
	a6_rearm(st, ifp);
}

/* RFC 4862 5.4.5: the link-local address made from our MAC (EUI-64) is someone else's:
 * another node has our hardware address, so IPv6 on this link cannot work; it stops
 * there (every address removed, nothing more sent or accepted), as Linux does with
 * accept_dad=2. */
static void a6_mac_duplicate(struct ustack *st, struct iface *ifp, const struct if_addr6 *a)
{
	uint8_t ll[16] = { 0xfe, 0x80 };

	addr6_eui64(ifp->mac, ll + 8);
	if (memcmp(a->addr, ll, 16) != 0)
		return;
	for (int k = 0; k < IFACE_ADDR6_MAX; k++)
		if (ifp->addr6[k].state != IF6_UNUSED)
			nd_addr_del(st, ifp, ifp->addr6[k].addr);
	ifp->ip6 = false;
	timer_cancel(st, &a6_if(st, ifp)->rs_timer);
	ST_COUNT(st, nd_ip6_disabled);
	trace_info(st, "addr6: %s: link-local address from the MAC is duplicate: IPv6 disabled "
		   "on the interface (RFC 4862 5.4.5)", ifp->name);
}

/* RFC 7217 6: a duplicate stable address gives way to the one of the next DAD_Counter,
 * with what is left of its lifetimes, up to IDGEN_RETRIES times; after that it stays
 * DUPLICATE (and an RA for its prefix does not make another). */
static void a6_stable_retry(struct ustack *st, struct iface *ifp, struct if_addr6 *a)
{
	uint8_t pfx[16] = { 0 }, flags = a->flags & (IF6_F_LINKLOCAL | IF6_F_SLAAC);
	uint8_t counter = a->dad_counter;
	uint32_t valid = lifetime_left(st, a->valid_until);
	uint32_t preferred = lifetime_left(st, a->preferred_until);
	char b[INET6_ADDRSTRLEN];
	int rc;

	if (counter >= ADDR6_IDGEN_RETRIES) {
		ST_COUNT(st, nd_idgen_failed);
		trace_info(st, "addr6: %s: %s: DAD failed for %d stable addresses, given up "
			   "(RFC 7217 6)", ifp->name, ip6_str(a->addr, b), counter + 1);
		return;
	}
	memcpy(pfx, a->addr, 8);
	nd_addr_del(st, ifp, a->addr);
	ST_COUNT(st, nd_idgen_retries);
	rc = a6_add_auto(st, ifp, pfx, flags, (uint8_t)(counter + 1), valid,
			 preferred < valid ? preferred : valid);
	trace_info(st, "addr6: %s: DAD conflict: new stable address, DAD_Counter %d (%s)",
		   ifp->name, counter + 1, rc == 0 ? "added" : "none left");
	if (rc != 0)
		ST_COUNT(st, nd_idgen_failed);
}

static void a6_duplicate(struct ustack *st, struct iface *ifp, struct if_addr6 *a,
			 const struct pkt *p, const char *why)
{
	char b[INET6_ADDRSTRLEN];

	ST_COUNT(st, nd_dad_failed);
	stack_drop(st, USTACK_DROP_ND_DAD_DUPLICATE, ifp->index, p ? p->data : NULL, p ? p->len : 0);
	trace_info(st, "addr6: %s: duplicate address %s detected (%s)", ifp->name,
		   ip6_str(a->addr, b), why);
	a6_release(st, ifp, a);
	a6_set_state(st, ifp, a, IF6_DUPLICATE, why);
	a6_rearm(st, ifp);
	if (st->cfg.dad_disable_ipv6 && (a->flags & IF6_F_LINKLOCAL))
		a6_mac_duplicate(st, ifp, a);
	if ((a->flags & IF6_F_STABLE) && ifp->ip6)
		a6_stable_retry(st, ifp, a);
}

void addr6_dad_ns_seen(struct ustack *st, struct iface *ifp, struct if_addr6 *a,
		       const uint8_t *nonce, const struct pkt *p)
{
	int k = (int)(a - ifp->addr6);

	/* RFC 7527 4.2: our own probe, looped back, carries our nonce. */
	if (nonce && a->dad_left < DUP_ADDR_DETECT_TRANSMITS &&
	    memcmp(nonce, a6_if(st, ifp)->nonce[k], 6) == 0) {
		trace_info(st, "addr6: our own DAD probe looped back: ignored");
		return;
	}
	a6_duplicate(st, ifp, a, p, "NS from another node running DAD");
}

void addr6_na_seen(struct ustack *st, struct iface *ifp, struct if_addr6 *a, const struct pkt *p)
{
	char b[INET6_ADDRSTRLEN];

	if (a->state == IF6_TENTATIVE) {
		a6_duplicate(st, ifp, a, p, "NA for the tentative address");
		return;
	}
	/* RFC 4862 5.4.4: a conflict after DAD; logged, the address kept. */
	trace_info(st, "addr6: %s: another node advertises our address %s", ifp->name,
		   ip6_str(a->addr, b));
}

/* --- choosing our address --- */

int addr6_pick(struct ustack *st, struct iface *ifp, const uint8_t dst[16], uint8_t src[16])
{
	const struct if_addr6 *best = NULL;
	int best_score = -1;
	bool want_ll = ip6_is_link_local(dst) || ip6_is_multicast(dst);

	(void)st;
	for (int k = 0; k < IFACE_ADDR6_MAX; k++) {
		const struct if_addr6 *a = &ifp->addr6[k];
		int score = 0;

		if (!if_addr6_usable(a))
			continue;
		if (memcmp(a->addr, dst, 16) == 0)
			score += 1000;
		if (!!(a->flags & IF6_F_LINKLOCAL) == want_ll)
			score += 500;
		if (a->state == IF6_PREFERRED)
			score += 200;
		for (int l = 128; l > 0; l--)
			if (ip6_prefix_match(a->addr, dst, l)) {
				score += l;
				break;
			}
		if (score > best_score) {
			best_score = score;
			best = a;
		}
	}
	if (!best)
		return -1;
	memcpy(src, best->addr, 16);
	return 0;
}

/* --- the interface comes up --- */

void nd_iface_up(struct ustack *st, struct iface *ifp)
{
	static const uint8_t loop6[16] = { [15] = 1 };
	uint8_t ll[16] = { 0xfe, 0x80 };

	if (st->cfg.disable_ipv6 || ifp->ip6)
		return;
	ifp->ip6 = true;
	if (!ifp->hop_limit6)
		ifp->hop_limit6 = 64;
	if (ifp->loopback) {
		nd_addr_add(st, ifp, loop6, 128, IF6_F_STATIC, INFINITE, INFINITE);
		return;
	}
	if (a6_add_auto(st, ifp, ll, IF6_F_LINKLOCAL, 0, INFINITE, INFINITE) != 0)
		trace_info(st, "addr6: %s: no link-local address", ifp->name);
}

/* --- router advertisements (RFC 4861 6.3.4, RFC 4862 5.5.3, RFC 8106 5.1) --- */

void addr6_set_slaac(struct ustack *st, int ifindex, bool on)
{
	if (ifindex >= 0 && ifindex < USTACK_MAX_IFACES)
		st->addr6->ifs[ifindex].slaac_off = !on;
}

bool addr6_slaac(struct ustack *st, int ifindex)
{
	return ifindex >= 0 && ifindex < USTACK_MAX_IFACES && !st->addr6->ifs[ifindex].slaac_off;
}

/* Is there a connected route for dst/plen on ifindex (an address of ours covers it)? */
static bool a6_connected(struct ustack *st, const uint8_t dst[16], int plen, int ifindex)
{
	for (int i = 0; i < st->routes6.n; i++) {
		const struct route6 *r = &st->routes6.r[i];

		if (r->origin == ROUTE6_CONNECTED && r->ifindex == ifindex && r->plen == plen &&
		    !r->has_gw && ip6_prefix_match(r->dst, dst, plen))
			return true;
	}
	return false;
}

static void a6_prefix_onlink(struct ustack *st, struct iface *ifp, const struct ndp_prefix *pi)
{
	char b[INET6_ADDRSTRLEN];

	if (a6_connected(st, pi->prefix, pi->len, ifp->index))
		return;
	if (pi->valid == 0) {
		uint8_t net[16];

		a6_mask(pi->prefix, pi->len, net);
		if (route6_del(st, net, pi->len, NULL, ifp->index) == 0)
			trace_info(st, "addr6: %s: prefix %s/%u no longer on-link", ifp->name,
				   ip6_str(pi->prefix, b), pi->len);
		return;
	}
	if (route6_add(st, pi->prefix, pi->len, NULL, ifp->index, ROUTE6_RA,
		       pi->valid == INFINITE ? 0 : lifetime_end(st, pi->valid)) != 0)
		trace_info(st, "addr6: %s: no room for on-link prefix %s/%u", ifp->name,
			   ip6_str(pi->prefix, b), pi->len);
}

/* RFC 4862 5.5.3 (d) and (e): form an address from an autonomous prefix, or update the
 * lifetimes of the one formed before. */
static void a6_prefix_autonomous(struct ustack *st, struct iface *ifp, const struct ndp_prefix *pi)
{
	struct if_addr6 *a = NULL;
	char b[INET6_ADDRSTRLEN];

	if (pi->len != 64 || !addr6_slaac(st, ifp->index))
		return;     /* the interface identifier is 64 bits on Ethernet (RFC 2464 4) */
	for (int k = 0; k < IFACE_ADDR6_MAX && !a; k++) {
		struct if_addr6 *x = &ifp->addr6[k];

		if (x->state != IF6_UNUSED && (x->flags & IF6_F_SLAAC) &&
		    ip6_prefix_match(pi->prefix, x->addr, 64))
			a = x;
	}
	if (!a) {
		int rc;

		if (pi->valid == 0)
			return;
		rc = a6_add_auto(st, ifp, pi->prefix, IF6_F_SLAAC, 0, pi->valid, pi->preferred);
		if (rc != 0)
			trace_info(st, "addr6: %s: SLAAC address in %s/64 not added (%d)", ifp->name,
				   ip6_str(pi->prefix, b), rc);
		return;
	}
	if (a->state == IF6_DUPLICATE)
		return;
	/* (e): the valid lifetime; at most cut to two hours by an unauthenticated RA. */
	uint32_t left = lifetime_left(st, a->valid_until);

	if (pi->valid > TWO_HOURS_S || pi->valid > left)
		a->valid_until = lifetime_end(st, pi->valid);
	else if (left > TWO_HOURS_S)
		a->valid_until = lifetime_end(st, TWO_HOURS_S);
	a->preferred_until = lifetime_end(st, pi->preferred);
	if (a->state == IF6_DEPRECATED && pi->preferred > 0)
		a6_set_state(st, ifp, a, IF6_PREFERRED, "preferred lifetime renewed");
	else if (a->state == IF6_PREFERRED && pi->preferred == 0)
		a6_set_state(st, ifp, a, IF6_DEPRECATED, "preferred lifetime 0");
	a6_rearm(st, ifp);
}

static void a6_rdnss(struct ustack *st, struct iface *ifp, const struct ndp_rdnss *d)
{
	struct a6_rdnss *slot = NULL, *free_slot = NULL, *oldest = NULL;
	struct addr6_state *s = st->addr6;
	size_t n = sizeof(s->rdnss) / sizeof(s->rdnss[0]);

	for (size_t i = 0; i < n; i++) {
		struct a6_rdnss *x = &s->rdnss[i];

		if (x->until && x->until <= st->now)
			x->until = 0;
		if (x->until && x->ifindex == ifp->index && memcmp(x->addr, d->addr, 16) == 0)
			slot = x;
		else if (!x->until && !free_slot)
			free_slot = x;
		else if (x->until && (!oldest || x->until < oldest->until))
			oldest = x;
	}
	if (d->lifetime == 0) {
		if (slot)
			slot->until = 0;
		return;
	}
	if (!slot)
		slot = free_slot ? free_slot : oldest;
	if (!slot)
		return;
	memcpy(slot->addr, d->addr, 16);
	slot->ifindex = ifp->index;
	slot->until = lifetime_end(st, d->lifetime);
}

size_t addr6_rdnss(struct ustack *st, uint8_t (*out)[16], int *ifindex, size_t max)
{
	struct addr6_state *s = st->addr6;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(s->rdnss) / sizeof(s->rdnss[0]) && n < max; i++) {
		if (!s->rdnss[i].until || s->rdnss[i].until <= st->now)
			continue;
		memcpy(out[n], s->rdnss[i].addr, 16);
		if (ifindex)
			ifindex[n] = s->rdnss[i].ifindex;
		n++;
	}
	return n;
}

void addr6_ra_input(struct ustack *st, struct iface *ifp, const struct pkt *p,
		    const struct ndp_repr *r)
{
	static const uint8_t any[16];
	const uint8_t *src = p->src.b;
	char b[INET6_ADDRSTRLEN];

	/* 6.1.2: from a link-local address. */
	if (!ip6_is_link_local(src)) {
		stack_drop(st, USTACK_DROP_ND_BAD_SRC, ifp->index, p->data, p->len);
		return;
	}
	if (st->cfg.forwarding)
		return;     /* a router does not configure itself from its peers' RAs */
	if (r->cur_hop_limit)
		ifp->hop_limit6 = r->cur_hop_limit;
	nd_set_params(st, ifp->index, r->reachable_time, r->retrans_timer);
	if (r->has_slla)
		nd_learn(st, ifp, src, r->slla, 1);
	if (r->router_lifetime) {
		if (route6_add(st, any, 0, src, ifp->index, ROUTE6_RA,
			       st->now + (uint64_t)r->router_lifetime * 1000000) == 0)
			trace_info(st, "addr6: %s: default router %s for %us", ifp->name,
				   ip6_str(src, b), r->router_lifetime);
		/* 6.3.7: a valid RA with a router lifetime ends the solicitations. */
		a6_if(st, ifp)->rs_left = 0;
		timer_cancel(st, &a6_if(st, ifp)->rs_timer);
	} else if (route6_del(st, any, 0, src, ifp->index) == 0) {
		trace_info(st, "addr6: %s: %s is no longer a default router", ifp->name,
			   ip6_str(src, b));
	}
	/* 6.3.4: an MTU within what the link can carry. (ifp->mtu is shared with IPv4.) */
	if (r->has_mtu) {
		unsigned link = ifp->dev && ifp->dev->mtu ? ifp->dev->mtu : 1500;

		if (r->mtu >= 1280 && r->mtu <= link)
			ifp->mtu = r->mtu;
	}
	for (unsigned i = 0; i < r->n_prefix; i++) {
		const struct ndp_prefix *pi = &r->prefix[i];

		/* 6.3.4 / RFC 4862 5.5.3 (b), (c) */
		if (ip6_is_link_local(pi->prefix) || pi->len > 128)
			continue;
		if (pi->on_link)
			a6_prefix_onlink(st, ifp, pi);
		if (pi->autonomous && pi->preferred <= pi->valid)
			a6_prefix_autonomous(st, ifp, pi);
	}
	for (unsigned i = 0; i < r->n_rdnss; i++)
		a6_rdnss(st, ifp, &r->rdnss[i]);
}

void addr6_router_gone(struct ustack *st, struct iface *ifp, const uint8_t router[16])
{
	static const uint8_t any[16];

	route6_del(st, any, 0, router, ifp->index);
}

/* --- redirect (RFC 4861 8.1, 8.3) --- */

void addr6_redirect_input(struct ustack *st, struct iface *ifp, const struct pkt *p,
			  const struct ndp_repr *r)
{
	uint8_t nh[16];
	int out = -1;
	bool onlink = memcmp(r->target, r->dest, 16) == 0;
	char b1[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];

	/* 8.1: from a link-local address, the destination not multicast, the target
	 * link-local (a better router) or the destination itself (on-link). */
	if (!ip6_is_link_local(p->src.b) || ip6_is_multicast(r->dest) ||
	    (!onlink && !ip6_is_link_local(r->target))) {
		stack_drop(st, USTACK_DROP_ND_BAD_SRC, ifp->index, p->data, p->len);
		return;
	}
	/* 8.1: "the IP source address of the Redirect is the same as the current
	 * first-hop router for the specified ICMP Destination Address". */
	if (route6_lookup(st, r->dest, -1, nh, &out) != 0 || out != ifp->index ||
	    memcmp(nh, p->src.b, 16) != 0) {
		stack_drop(st, USTACK_DROP_ND_BAD_SRC, ifp->index, p->data, p->len);
		return;
	}
	if (r->has_tlla)
		nd_learn(st, ifp, r->target, r->tlla, onlink ? 0 : 1);
	route6_add(st, r->dest, 128, onlink ? NULL : r->target, ifp->index, ROUTE6_RA,
		   st->now + REDIRECT_LIFETIME_US);
	trace_info(st, "addr6: %s: redirect: %s via %s", ifp->name, ip6_str(r->dest, b1),
		   onlink ? "on-link" : ip6_str(r->target, b2));
}
