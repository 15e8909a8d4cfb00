/* mld6.c - Multicast Listener Discovery version 2 for a host (RFC 3810).
 *
 * Each interface keeps the groups it listens to (a reference count: a solicited-node
 * group is shared by the addresses with the same low 24 bits). Joining sends a State
 * Change report at once (CHANGE_TO_EXCLUDE with no sources: "all sources") and once
 * more within the Unsolicited Report Interval (Robustness Variable 2, RFC 3810 6.1);
 * leaving sends CHANGE_TO_INCLUDE the same way. A query schedules a Current State
 * report (MODE_IS_EXCLUDE) for the groups it asks about at a random time within its
 * Maximum Response Delay (6.2). ff02::1 is always listened to and never reported
 * (RFC 3810 6). Reports go to ff02::16 with hop limit 1 and a Router Alert, from our
 * link-local address, or :: while none is usable (5.2.13); as a router may ignore those,
 * every group is reported once more when the link-local address passes DAD (as Linux's
 * ipv6_mc_dad_complete does).
 *
 * MLDv1 compatibility (RFC 3810 8.2.1): an MLDv1 query (24 bytes) puts the interface in
 * MLDv1 mode for the Older Version Querier Present Timeout (9.12: Robustness Variable
 * times Query Interval, the last v2 query's or 2 and 125 s, plus the query's Maximum
 * Response Delay), renewed by each v1 query. Changing mode cancels every pending report
 * (8.2.1). In MLDv1 mode the host speaks RFC 2710: one report per group, to the group,
 * on a join (and once more within 10 s) and at a random time within a query's delay
 * (v1 or v2 query, each group its own time), cancelled when another node reports the
 * group first (RFC 2710 4); a Done to ff02::2 on the last leave. */
#include "net/mld6.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "core/stack.h"
#include "core/ip_class.h"
#include "core/trace.h"
#include "net/addr6.h"
#include "net/nd.h"
#include "wire/icmp6.h"
#include "wire/mld.h"

#define MLD_MAX_GROUPS 32                    /* per interface (addresses and sockets) */
#define MLD_ROBUSTNESS 2
#define MLD_UNSOLICITED_US 1000000ull        /* Unsolicited Report Interval */
#define MLD_QUERY_INTERVAL_S 125             /* RFC 3810 9.2 default */
#define MLD_V1_UNSOLICITED_US 10000000ull    /* RFC 2710 7.10 */

enum { G_FREE, G_MEMBER, G_LEAVING };

struct mld6_group {
	uint8_t state;
	uint8_t group[16];
	int refs;
	int change_left;           /* state change reports still to send */
	uint8_t change_type;       /* MLD2_CHANGE_TO_EXCLUDE (join) or _INCLUDE (leave) */
	uint64_t due;              /* the next report of this group; 0: none */
	bool current;              /* the due report answers a query (MODE_IS_EXCLUDE) */
};

struct mld6_if {
	struct ustack *st;
	int ifindex;
	struct mld6_group g[MLD_MAX_GROUPS];
	struct timer timer;
	/* Host Compatibility Mode (RFC 3810 8.2.1) */
	bool v1;                   /* MLDv1: an MLDv1 querier was heard */
	struct timer v1_timer;     /* its Older Version Querier Present timer */
	uint8_t qrv;               /* Robustness Variable: the last v2 query's QRV, else 2 */
	uint32_t qi_s;             /* Query Interval: the last v2 query's QQI, else 125 s */
};

struct mld6_state {
	struct mld6_if ifs[USTACK_MAX_IFACES];
};

static void mld6_timer(struct ustack *st, struct timer *t, uint64_t now);
static void mld6_v1_timer(struct ustack *st, struct timer *t, uint64_t now);

int mld6_init(struct ustack *st)
{
	st->mld6 = calloc(1, sizeof(*st->mld6));
	if (!st->mld6)
		return -1;
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		st->mld6->ifs[i].st = st;
		st->mld6->ifs[i].ifindex = i;
		timer_init(&st->mld6->ifs[i].timer, mld6_timer, &st->mld6->ifs[i]);
		timer_init(&st->mld6->ifs[i].v1_timer, mld6_v1_timer, &st->mld6->ifs[i]);
		st->mld6->ifs[i].qrv = MLD_ROBUSTNESS;
		st->mld6->ifs[i].qi_s = MLD_QUERY_INTERVAL_S;
	}
	return 0;
}

void mld6_free(struct ustack *st)
{
	if (!st->mld6)
		return;
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		timer_cancel(st, &st->mld6->ifs[i].timer);
		timer_cancel(st, &st->mld6->ifs[i].v1_timer);
	}
	free(st->mld6);
	st->mld6 = NULL;
}

static struct mld6_group *mld6_find(struct mld6_if *m, const uint8_t group[16])
{
	for (int k = 0; k < MLD_MAX_GROUPS; k++)
		if (m->g[k].state != G_FREE && memcmp(m->g[k].group, group, 16) == 0)
			return &m->g[k];
	return NULL;
}

static void mld6_rearm(struct ustack *st, struct mld6_if *m)
{
	uint64_t when = UINT64_MAX;

	for (int k = 0; k < MLD_MAX_GROUPS; k++)
		if (m->g[k].state != G_FREE && m->g[k].due && m->g[k].due < when)
			when = m->g[k].due;
	if (when == UINT64_MAX)
		timer_cancel(st, &m->timer);
	else
		timer_set(st, &m->timer, when);
}

/* One report of the groups whose report is due (or all listed in recs). */
static void mld6_send(struct ustack *st, struct iface *ifp, const struct mld2_record *recs,
		      size_t n)
{
	static const uint8_t all_mldv2_routers[16] = MLD2_ALL_ROUTERS_INIT;
	static const uint8_t unspec[16];
	uint8_t src[16];
	struct pkt *p;
	size_t len;

	if (!n || ifp->loopback || !ifp->ip6)
		return;
	p = pkt_alloc(st, MLD2_REPORT_HDR_LEN + MLD2_MAX_RECORDS * MLD2_RECORD_LEN);
	if (!p)
		return;
	if (addr6_pick(st, ifp, all_mldv2_routers, src) != 0 || !ip6_is_link_local(src))
		memcpy(src, unspec, 16);
	len = mld2_emit_report(recs, n, p->data, pkt_tailroom(p), src, all_mldv2_routers);
	if (!len) {
		pkt_free(st, p);
		return;
	}
	pkt_put(p, len);
	ST_COUNT(st, mld_out);
	nd_send_icmp6(st, ifp, p, src, all_mldv2_routers, 1, true);
}

/* MLDv1 (RFC 2710 3): a report to the group itself, a done to all-routers; the same
 * source, hop limit and Router Alert as v2. */
static void mld6_send_v1(struct ustack *st, struct iface *ifp, uint8_t type,
			 const uint8_t group[16])
{
	static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 2 };
	static const uint8_t unspec[16];
	const uint8_t *dst = type == ICMP6_MLD_DONE ? all_routers : group;
	uint8_t src[16];
	struct pkt *p;
	size_t len;
	char b[INET6_ADDRSTRLEN];

	if (!ifp || !ifp->up || ifp->loopback || !ifp->ip6)
		return;
	p = pkt_alloc(st, MLD_V1_LEN);
	if (!p)
		return;
	if (addr6_pick(st, ifp, dst, src) != 0 || !ip6_is_link_local(src))
		memcpy(src, unspec, 16);
	len = mld1_emit(type, group, p->data, pkt_tailroom(p), src, dst);
	if (!len) {
		pkt_free(st, p);
		return;
	}
	pkt_put(p, len);
	ST_COUNT(st, mld_out);
	trace_info(st, "mld: %s: v1 %s %s", ifp->name, type == ICMP6_MLD_DONE ? "done" : "report",
		   inet_ntop(AF_INET6, group, b, sizeof(b)) ? b : "?");
	nd_send_icmp6(st, ifp, p, src, dst, 1, true);
}

/* MLDv1 mode: each group due gets its own message. */
static void mld6_timer_v1(struct ustack *st, struct mld6_if *m, struct iface *ifp, uint64_t now)
{
	for (int k = 0; k < MLD_MAX_GROUPS; k++) {
		struct mld6_group *g = &m->g[k];

		if (g->state == G_FREE || !g->due || g->due > now)
			continue;
		if (g->state == G_LEAVING) {
			mld6_send_v1(st, ifp, ICMP6_MLD_DONE, g->group);    /* once (RFC 2710 4) */
			g->state = G_FREE;
			g->due = 0;
			continue;
		}
		mld6_send_v1(st, ifp, ICMP6_MLD_REPORT, g->group);
		if (g->change_left > 0)
			g->change_left--;
		g->current = false;
		g->due = g->change_left > 0 ? now + 1 + stack_rand64(st) % MLD_V1_UNSOLICITED_US : 0;
	}
	mld6_rearm(st, m);
}

static void mld6_timer(struct ustack *st, struct timer *t, uint64_t now)
{
	struct mld6_if *m = t->arg;
	struct iface *ifp = iface_get(st, m->ifindex);
	struct mld2_record recs[MLD2_MAX_RECORDS];
	size_t n = 0;

	if (m->v1) {
		mld6_timer_v1(st, m, ifp, now);
		return;
	}
	for (int k = 0; k < MLD_MAX_GROUPS; k++) {
		struct mld6_group *g = &m->g[k];

		if (g->state == G_FREE || !g->due || g->due > now)
			continue;
		if (n == MLD2_MAX_RECORDS) {
			if (ifp)
				mld6_send(st, ifp, recs, n);
			n = 0;
		}
		memcpy(recs[n].group, g->group, 16);
		if (g->change_left > 0) {
			recs[n++].type = g->change_type;
			g->change_left--;
		} else {
			recs[n++].type = MLD2_MODE_IS_EXCLUDE;
		}
		g->current = false;
		g->due = g->change_left > 0 ? now + 1 + stack_rand32(st) % MLD_UNSOLICITED_US : 0;
		if (!g->due && g->state == G_LEAVING)
			g->state = G_FREE;
	}
	if (ifp && ifp->up)
		mld6_send(st, ifp, recs, n);
	mld6_rearm(st, m);
}

/* A state change report for g now, and MLD_ROBUSTNESS - 1 more within the interval. */
static void mld6_change(struct ustack *st, struct mld6_if *m, struct mld6_group *g, uint8_t type)
{
	g->change_type = type;
	g->change_left = MLD_ROBUSTNESS;
	g->due = st->now;
	mld6_timer(st, &m->timer, st->now);
}

int mld6_join(struct ustack *st, struct iface *ifp, const uint8_t group[16])
{
	struct mld6_if *m;
	struct mld6_group *g, *slot = NULL;
	char b[INET6_ADDRSTRLEN];

	if (!ifp || !ip6_is_multicast(group))
		return -EINVAL;
	if (ip6_is_all_nodes(group))
		return 0;
	m = &st->mld6->ifs[ifp->index];
	g = mld6_find(m, group);
	if (g && g->state == G_MEMBER) {
		g->refs++;
		return 0;
	}
	if (g) {
		slot = g;     /* left and joined again before the leave reports were done */
	} else {
		for (int k = 0; k < MLD_MAX_GROUPS && !slot; k++)
			if (m->g[k].state == G_FREE)
				slot = &m->g[k];
		if (!slot)
			return -ENOBUFS;
	}
	memset(slot, 0, sizeof(*slot));
	memcpy(slot->group, group, 16);
	slot->state = G_MEMBER;
	slot->refs = 1;
	trace_info(st, "mld: %s joined %s", ifp->name,
		   inet_ntop(AF_INET6, group, b, sizeof(b)) ? b : "?");
	if (ip6_mcast_scope(group) > 1)
		mld6_change(st, m, slot, MLD2_CHANGE_TO_EXCLUDE);
	return 0;
}

int mld6_leave(struct ustack *st, struct iface *ifp, const uint8_t group[16])
{
	struct mld6_if *m;
	struct mld6_group *g;
	char b[INET6_ADDRSTRLEN];

	if (!ifp || !ip6_is_multicast(group))
		return -EINVAL;
	if (ip6_is_all_nodes(group))
		return 0;
	m = &st->mld6->ifs[ifp->index];
	g = mld6_find(m, group);
	if (!g || g->state != G_MEMBER)
		return -EADDRNOTAVAIL;
	if (--g->refs > 0)
		return 0;
	trace_info(st, "mld: %s left %s", ifp->name,
		   inet_ntop(AF_INET6, group, b, sizeof(b)) ? b : "?");
	if (ip6_mcast_scope(group) <= 1) {
		g->state = G_FREE;
		return 0;
	}
	g->state = G_LEAVING;
	mld6_change(st, m, g, MLD2_CHANGE_TO_INCLUDE);
	return 0;
}

bool mld6_member(struct ustack *st, const struct iface *ifp, const uint8_t group[16])
{
	const struct mld6_group *g;

	if (ip6_is_all_nodes(group))
		return true;
	if (!st->mld6 || !ifp || ifp->index < 0 || ifp->index >= USTACK_MAX_IFACES)
		return false;
	g = mld6_find(&st->mld6->ifs[ifp->index], group);
	return g && g->state == G_MEMBER;
}

size_t mld6_list(struct ustack *st, int ifindex, uint8_t (*out)[16], size_t max)
{
	size_t n = 0;

	if (ifindex < 0 || ifindex >= USTACK_MAX_IFACES)
		return 0;
	for (int k = 0; k < MLD_MAX_GROUPS && n < max; k++) {
		const struct mld6_group *g = &st->mld6->ifs[ifindex].g[k];

		if (g->state == G_MEMBER)
			memcpy(out[n++], g->group, 16);
	}
	return n;
}

void mld6_ll_ready(struct ustack *st, struct iface *ifp)
{
	struct mld6_if *m;
	bool any = false;

	if (!st->mld6 || !ifp || ifp->loopback || ifp->index < 0 || ifp->index >= USTACK_MAX_IFACES)
		return;
	m = &st->mld6->ifs[ifp->index];
	for (int k = 0; k < MLD_MAX_GROUPS; k++) {
		struct mld6_group *g = &m->g[k];

		if (g->state != G_MEMBER || ip6_mcast_scope(g->group) <= 1)
			continue;
		g->due = st->now;
		g->current = g->change_left == 0;
		any = true;
	}
	if (any)
		mld6_timer(st, &m->timer, st->now);
}

bool mld6_v1_mode(struct ustack *st, int ifindex)
{
	return st->mld6 && ifindex >= 0 && ifindex < USTACK_MAX_IFACES && st->mld6->ifs[ifindex].v1;
}

/* RFC 3810 8.2.1: into or out of MLDv1 mode; "whenever a host changes its compatibility
 * mode, it cancels all its pending responses and retransmission timers". */
static void mld6_set_mode(struct ustack *st, struct mld6_if *m, bool v1, const char *why)
{
	if (m->v1 == v1)
		return;
	m->v1 = v1;
	for (int k = 0; k < MLD_MAX_GROUPS; k++) {
		struct mld6_group *g = &m->g[k];

		if (g->state == G_LEAVING)
			g->state = G_FREE;
		g->due = 0;
		g->change_left = 0;
		g->current = false;
	}
	mld6_rearm(st, m);
	trace_state(st, "mld", m->ifindex, v1 ? "MLDv2" : "MLDv1", v1 ? "MLDv1" : "MLDv2",
		    "mld: if %d: host compatibility mode MLDv%d (%s)", m->ifindex, v1 ? 1 : 2, why);
}

static void mld6_v1_timer(struct ustack *st, struct timer *t, uint64_t now)
{
	(void)now;
	mld6_set_mode(st, t->arg, false, "no MLDv1 querier for the Older Version Querier "
		      "Present Timeout");
}

/* An MLDv1 query: MLDv1 mode for the Older Version Querier Present Timeout (9.12). */
static void mld6_v1_querier(struct ustack *st, struct mld6_if *m, const struct mld_repr *r)
{
	uint64_t timeout = (uint64_t)m->qrv * m->qi_s * 1000000 +
			   (uint64_t)mld_max_resp_ms(r) * 1000;

	mld6_set_mode(st, m, true, "MLDv1 query");
	timer_set(st, &m->v1_timer, st->now + timeout);
}

/* RFC 3810 6.2: schedule the groups a query asks about within its maximum delay. */
static void mld6_query(struct ustack *st, struct mld6_if *m, const struct mld_repr *r)
{
	uint64_t max_us = (uint64_t)mld_max_resp_ms(r) * 1000;
	bool general = ip6_is_unspecified(r->group);
	/* a general query: one interface timer, so one report holds every group */
	uint64_t when = st->now + (max_us ? stack_rand64(st) % max_us : 0);

	for (int k = 0; k < MLD_MAX_GROUPS; k++) {
		struct mld6_group *g = &m->g[k];

		if (g->state != G_MEMBER || ip6_mcast_scope(g->group) <= 1)
			continue;
		if (!general && memcmp(g->group, r->group, 16) != 0)
			continue;
		/* MLDv1 (RFC 2710 4): a random delay of each group's own */
		if (m->v1)
			when = st->now + (max_us ? stack_rand64(st) % max_us : 0);
		if (!g->due || when < g->due) {
			g->due = when;
			g->current = true;
		}
	}
	mld6_rearm(st, m);
}

void mld6_input(struct ustack *st, struct iface *ifp, struct pkt *p)
{
	struct mld_repr r;

	if (mld_parse(p->data, p->len, &r) != WIRE_OK) {
		stack_drop(st, USTACK_DROP_MLD_MALFORMED, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	/* RFC 3810 5.1.14, 5.2.13: from a link-local source (reports may come from ::). */
	if (r.type == ICMP6_MLD_QUERY) {
		if (!ip6_is_link_local(p->src.b)) {
			stack_drop(st, USTACK_DROP_MLD_MALFORMED, ifp->index, p->data, p->len);
			pkt_free(st, p);
			return;
		}
		if (ifp->ip6 && !ifp->loopback) {
			struct mld6_if *m = &st->mld6->ifs[ifp->index];

			if (r.version == 1) {
				mld6_v1_querier(st, m, &r);
			} else {
				if (r.qrv)
					m->qrv = r.qrv;
				if (mld_qqi_s(&r))
					m->qi_s = mld_qqi_s(&r);
			}
			mld6_query(st, m, &r);
		}
	} else if (r.type == ICMP6_MLD_REPORT && ifp->ip6 && !ifp->loopback &&
		   st->mld6->ifs[ifp->index].v1 && !iface_addr6_find(st, p->src.b, NULL)) {
		/* RFC 2710 4: another listener answered the query first; our answer is not
		 * needed (reports of a join still go) */
		struct mld6_group *g = mld6_find(&st->mld6->ifs[ifp->index], r.group);

		if (g && g->state == G_MEMBER && g->due && g->change_left == 0) {
			g->due = 0;
			g->current = false;
			mld6_rearm(st, &st->mld6->ifs[ifp->index]);
		}
	}
	/* Other reports and dones: an MLDv2 host does not suppress its own. */
	pkt_free(st, p);
}
