/* igmp.c - host group membership (RFC 2236, RFC 3376).
 *
 * A group joined on an interface has a count of the sockets that asked for it. The
 * first join reports at once and once more after a random delay (the robustness
 * variable is 2: RFC 2236 §3 "Unsolicited Report Interval" 10 s, RFC 3376 §8.11 1 s);
 * the last leave sends a v2 Leave to all-routers or a v3 CHANGE_TO_INCLUDE({}) record.
 *
 * Version: v3 unless a v1 or v2 query was heard on the interface within the Older
 * Version Querier Present Timeout (RFC 3376 §7.2.1: 400 s with the default timers);
 * then the host speaks v2 (a v1 querier also gets v2 reports, which RFC 2236 §4 lets
 * v1 routers ignore; v1 report compatibility is not done).
 *
 * Queries: a general query schedules a report of every group of the interface, a
 * group-specific one of that group, each at a random time within the max response
 * time (RFC 2236 §3, RFC 3376 §5.2), unless a report of it is already due sooner.
 * 224.0.0.1 is never reported. Every message goes with TTL 1 and Router Alert. */
#include "net/igmp.h"

#include <errno.h>
#include <stdlib.h>

#include "core/stack.h"
#include "core/trace.h"
#include "net/ipv4.h"
#include "net/proto.h"
#include "wire/igmp.h"
#include "wire/ipv4.h"

#define IGMP_PROTO 2
#define OLDER_QUERIER_US (400ull * 1000000u)
#define V2_UNSOLICITED_US (10ull * 1000000u)
#define V3_UNSOLICITED_US (1ull * 1000000u)

struct igmp_group {
	struct igmp_group *next;
	uint32_t group;
	int ifindex;
	int refs;
	struct timer t;                 /* the next report due */
	int unsolicited_left;           /* retransmissions of the join report still to go */
};

struct igmp_state {
	struct igmp_group *groups;
	uint64_t v2_until[USTACK_MAX_IFACES];   /* older-version querier present until */
};

/* IGMP from the protocol table: only datagrams that came in on an interface. */
static void igmp_proto_input(struct ustack *st, struct pkt *p)
{
	struct iface *ifp = iface_get(st, p->ifindex);

	if (!ifp) {
		pkt_free(st, p);
		return;
	}
	igmp_input(st, ifp, p);
}

int igmp_init(struct ustack *st)
{
	st->igmp = calloc(1, sizeof(*st->igmp));
	if (!st->igmp)
		return -1;
	proto_register(st, IP_PROTO_IGMP, igmp_proto_input, NULL);
	return 0;
}

void igmp_free(struct ustack *st)
{
	if (!st->igmp)
		return;
	struct igmp_group *g = st->igmp->groups;
	while (g) {
		struct igmp_group *n = g->next;
		timer_cancel(st, &g->t);
		free(g);
		g = n;
	}
	free(st->igmp);
	st->igmp = NULL;
}

static struct igmp_group *find(struct ustack *st, int ifindex, uint32_t group)
{
	for (struct igmp_group *g = st->igmp->groups; g; g = g->next)
		if (g->ifindex == ifindex && g->group == group)
			return g;
	return NULL;
}

static bool speaks_v2(struct ustack *st, int ifindex)
{
	return st->igmp->v2_until[ifindex] > st->now;
}

/* Send one message about group: a report (leave false) or a leave. */
static void send_msg(struct ustack *st, int ifindex, uint32_t group, bool leave)
{
	struct iface *ifp = iface_get(st, ifindex);
	if (!ifp || !ifp->up || ifp->addr == 0)
		return;
	struct pkt *p = pkt_alloc(st, IGMP_V3_REPORT_ONE);
	if (!p)
		return;
	uint32_t dst;
	bool v2 = speaks_v2(st, ifindex);
	if (v2) {
		igmp_emit_v2(leave ? IGMP_V2_LEAVE : IGMP_V2_REPORT, 0, group,
			     pkt_put(p, IGMP_HDR_LEN));
		dst = leave ? IGMP_ALL_ROUTERS : group;
	} else {
		/* RFC 3376 §5.1: joining (no sources) is TO_EX({}), leaving TO_IN({}). */
		igmp_emit_v3_report(leave ? IGMP_CHANGE_TO_INCLUDE : IGMP_CHANGE_TO_EXCLUDE, group,
				    pkt_put(p, IGMP_V3_REPORT_ONE));
		dst = IGMP_V3_ROUTERS;
	}
	char a[16];
	trace_info(st, "igmp: v%d %s %s on if %d", v2 ? 2 : 3, leave ? "leave" : "report",
		   ipv4_ntoa(group, a), ifindex);
	struct ip_out_opts opts = { .ttl = 1, .router_alert = true };
	if (ipv4_output(st, p, ifp->addr, dst, IGMP_PROTO, &opts) == 0)
		ST_COUNT(st, igmp_out);
}

/* v3 answers to queries are current-state records (MODE_IS_EXCLUDE), v2 the same
 * report as on a join. */
static void send_current(struct ustack *st, struct igmp_group *g)
{
	if (speaks_v2(st, g->ifindex)) {
		send_msg(st, g->ifindex, g->group, false);
		return;
	}
	struct iface *ifp = iface_get(st, g->ifindex);
	if (!ifp || !ifp->up || ifp->addr == 0)
		return;
	struct pkt *p = pkt_alloc(st, IGMP_V3_REPORT_ONE);
	if (!p)
		return;
	igmp_emit_v3_report(IGMP_MODE_IS_EXCLUDE, g->group, pkt_put(p, IGMP_V3_REPORT_ONE));
	char a[16];
	trace_info(st, "igmp: v3 current-state report %s on if %d", ipv4_ntoa(g->group, a),
		   g->ifindex);
	struct ip_out_opts opts = { .ttl = 1, .router_alert = true };
	if (ipv4_output(st, p, ifp->addr, IGMP_V3_ROUTERS, IGMP_PROTO, &opts) == 0)
		ST_COUNT(st, igmp_out);
}

static void group_timer(struct ustack *st, struct timer *t, uint64_t now)
{
	struct igmp_group *g = t->arg;

	(void)now;
	if (g->unsolicited_left > 0) {
		g->unsolicited_left--;
		send_msg(st, g->ifindex, g->group, false);
	} else {
		send_current(st, g);
	}
}

/* Arm g's timer at a random point in [now, now + max_us), unless it fires sooner. */
static void schedule(struct ustack *st, struct igmp_group *g, uint64_t max_us)
{
	uint64_t when = st->now + (max_us ? stack_rand64(st) % max_us : 0);

	if (timer_pending(&g->t) && g->t.when <= when)
		return;
	timer_set(st, &g->t, when);
}

int igmp_join(struct ustack *st, int ifindex, uint32_t group)
{
	struct igmp_group *g = find(st, ifindex, group);

	if (g) {
		g->refs++;
		return 0;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOBUFS;
	g->group = group;
	g->ifindex = ifindex;
	g->refs = 1;
	timer_init(&g->t, group_timer, g);
	g->next = st->igmp->groups;
	st->igmp->groups = g;
	if (group == IGMP_ALL_HOSTS)
		return 0;                       /* RFC 2236 §6: never reported */
	send_msg(st, ifindex, group, false);
	g->unsolicited_left = 1;
	schedule(st, g, speaks_v2(st, ifindex) ? V2_UNSOLICITED_US : V3_UNSOLICITED_US);
	return 0;
}

void igmp_leave(struct ustack *st, int ifindex, uint32_t group)
{
	struct igmp_group **pp = &st->igmp->groups;

	while (*pp && ((*pp)->ifindex != ifindex || (*pp)->group != group))
		pp = &(*pp)->next;
	struct igmp_group *g = *pp;
	if (!g || --g->refs > 0)
		return;
	*pp = g->next;
	timer_cancel(st, &g->t);
	if (group != IGMP_ALL_HOSTS)
		send_msg(st, ifindex, group, true);
	free(g);
}

bool igmp_accepts(struct ustack *st, int ifindex, uint32_t group)
{
	return group == IGMP_ALL_HOSTS || find(st, ifindex, group) != NULL;
}

void igmp_input(struct ustack *st, struct iface *ifp, struct pkt *p)
{
	struct igmp_repr r;

	ST_COUNT(st, igmp_in);
	int err = igmp_parse(p->data, p->len, &r);
	if (err != WIRE_OK) {
		stack_drop(st, err == WIRE_BAD_CSUM ? USTACK_DROP_IGMP_BAD_CSUM :
			   USTACK_DROP_IGMP_MALFORMED, ifp->index, p->l3, p->l3_len);
		pkt_free(st, p);
		return;
	}
	if (r.type == IGMP_QUERY) {
		uint64_t max_us = igmp_max_resp_us(&r);
		char a[16];

		if (r.version < 3)
			st->igmp->v2_until[ifp->index] = st->now + OLDER_QUERIER_US;
		trace_info(st, "igmp: v%u query for %s, max response %llu ms on if %d", r.version,
			   r.group ? ipv4_ntoa(r.group, a) : "all groups",
			   (unsigned long long)(max_us / 1000), ifp->index);
		for (struct igmp_group *g = st->igmp->groups; g; g = g->next) {
			if (g->ifindex != ifp->index || g->group == IGMP_ALL_HOSTS)
				continue;
			if (r.group && r.group != g->group)
				continue;
			g->unsolicited_left = 0;
			schedule(st, g, max_us);
		}
	}
	pkt_free(st, p);            /* reports and leaves of other hosts: nothing to do */
}
