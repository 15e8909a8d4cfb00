/* test_net_nd_addr.c - addresses on the virtual clock (RFC 4862, RFC 4861 6, RFC 3810):
 * the link-local address from the MAC passing DAD (NS from :: with a nonce to the
 * solicited-node group, then PREFERRED) and the router solicitations after it; DAD
 * failing on an NS or NA from another node (counted), our own looped-back probe
 * ignored (RFC 7527); SLAAC from an RA with its lifetimes (deprecated, then removed),
 * the two-hour rule; the default route of an RA and its removal at router lifetime 0;
 * an RA from a global source dropped; MLD reports on join and leave, and an answer to
 * a general query; loopback ::1; IPv6 off by configuration. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "nd_harness.h"

static const uint8_t router_mac[6] = { 0x02, 0, 0, 0, 5, 0x0a };

#define LL "fe80::ff:fe00:501"

static void test_link_local_dad_and_rs(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);
	const uint8_t *ll = ndh_a6(LL);
	struct if_addr6 *a = ndh_addr(h, ll);
	struct ndh_frame f = { 0 };
	struct ndp_repr ns, rs;
	uint8_t snm[16];

	assert_non_null(a);
	assert_int_equal(a->state, IF6_TENTATIVE);
	assert_true(a->flags & IF6_F_LINKLOCAL);
	assert_int_equal(a->plen, 64);
	ip6_solicited_node(ll, snm);
	assert_true(mld6_member(h->st, h->ifp, snm));
	assert_true(mld6_member(h->st, h->ifp, ndh_a6("ff02::1")));
	/* the MLD report of the solicited-node group went out at once */
	assert_true(ndh_find(h, ICMP6_MLD2_REPORT, 0, &f) >= 0);

	ndh_run(h, 1000000);
	/* within MAX_RTR_SOLICITATION_DELAY: one NS from :: with a nonce, no SLLA */
	assert_true(ndh_find(h, ICMP6_ND_NS, 0, &f) >= 0);
	assert_memory_equal(f.ip + 8, ndh_a6("::"), 16);
	assert_memory_equal(f.ip + 24, snm, 16);
	assert_int_equal(f.hop_limit, 255);
	assert_int_equal(ndp_parse(f.icmp, f.icmp_len, &ns), WIRE_OK);
	assert_memory_equal(ns.target, ll, 16);
	assert_true(ns.has_nonce);
	assert_false(ns.has_slla);
	assert_int_equal(a->state, IF6_TENTATIVE);
	ndh_run(h, 1100000);
	assert_int_equal(a->state, IF6_PREFERRED);
	assert_int_equal(h->st->stats.nd_dad_failed, 0);
	assert_int_equal(ndh_count(h, ICMP6_ND_NS), 1);

	/* RS from the link-local with our MAC, three of them 4 s apart, then none */
	ndh_run(h, 1000000);
	assert_int_equal(ndh_find(h, ICMP6_ND_RS, 0, &f) >= 0, 1);
	assert_memory_equal(f.ip + 8, ll, 16);
	assert_memory_equal(f.ip + 24, ndh_a6("ff02::2"), 16);
	assert_int_equal(ndp_parse(f.icmp, f.icmp_len, &rs), WIRE_OK);
	assert_true(rs.has_slla);
	assert_memory_equal(rs.slla, h->ifp->mac, 6);
	ndh_run(h, 20000000);
	assert_int_equal(ndh_count(h, ICMP6_ND_RS), 3);
	assert_int_equal(h->st->stats.nd_rs_out, 3);
	ndh_free(h);
}

static void test_dad_conflict_ns(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);
	const uint8_t *g = ndh_a6("2001:db8::5");
	struct ndp_repr ns = { .type = ICMP6_ND_NS, .has_nonce = true,
			       .nonce = { 1, 2, 3, 4, 5, 6 } };
	uint8_t snm[16], nh[16];
	int out;

	ndh_run(h, 3000000);
	assert_int_equal(nd_addr_add(h->st, h->ifp, g, 64, IF6_F_STATIC, 0xffffffff, 0xffffffff), 0);
	assert_int_equal(nd_addr_add(h->st, h->ifp, g, 64, IF6_F_STATIC, 0xffffffff, 0xffffffff),
			 -EEXIST);
	assert_int_equal(ndh_addr(h, g)->state, IF6_TENTATIVE);
	assert_int_equal(route6_lookup(h->st, ndh_a6("2001:db8::77"), -1, nh, &out), 0);
	/* another node probes the same address */
	memcpy(ns.target, g, 16);
	ip6_solicited_node(g, snm);
	ndh_inject(h, &ns, ndh_a6("::"), snm, 255);
	assert_int_equal(ndh_addr(h, g)->state, IF6_DUPLICATE);
	assert_int_equal(h->st->stats.nd_dad_failed, 1);
	assert_int_equal(h->st->stats.drops[USTACK_DROP_ND_DAD_DUPLICATE], 1);
	assert_false(mld6_member(h->st, h->ifp, snm));
	assert_int_equal(route6_lookup(h->st, ndh_a6("2001:db8::77"), -1, nh, &out), -1);
	/* never PREFERRED later, never answered for */
	ndh_run(h, 3000000);
	assert_int_equal(ndh_addr(h, g)->state, IF6_DUPLICATE);
	ndh_free(h);
}

static void test_dad_conflict_na(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);
	const uint8_t *ll = ndh_a6(LL);
	struct ndp_repr na = { .type = ICMP6_ND_NA, .override = true, .has_tlla = true,
			       .tlla = { 0x02, 0, 0, 0, 5, 0x33 } };

	memcpy(na.target, ll, 16);
	ndh_inject(h, &na, ll, ndh_a6("ff02::1"), 255);
	assert_int_equal(ndh_addr(h, ll)->state, IF6_DUPLICATE);
	assert_int_equal(h->st->stats.nd_dad_failed, 1);
	assert_int_equal(h->st->stats.drops[USTACK_DROP_ND_DAD_DUPLICATE], 1);
	/* no link-local: no router solicitation from it */
	ndh_run(h, 10000000);
	{
		struct ndh_frame f = { 0 };

		for (int k = 0; ndh_find(h, ICMP6_ND_RS, k, &f) >= 0; k++)
			assert_memory_equal(f.ip + 8, ndh_a6("::"), 16);
	}
	ndh_free(h);
}

static void test_dad_own_probe_ignored(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);
	const uint8_t *ll = ndh_a6(LL);
	struct ndh_frame f = { 0 };
	struct ndp_repr ns;

	ndh_run(h, 1000000);
	assert_true(ndh_find(h, ICMP6_ND_NS, 0, &f) >= 0);
	assert_int_equal(ndp_parse(f.icmp, f.icmp_len, &ns), WIRE_OK);
	/* the same probe comes back (a switch that reflects, RFC 7527) */
	ndh_inject(h, &ns, ndh_a6("::"), f.ip + 24, 255);
	assert_int_equal(ndh_addr(h, ll)->state, IF6_TENTATIVE);
	assert_int_equal(h->st->stats.nd_dad_failed, 0);
	ndh_run(h, 1100000);
	assert_int_equal(ndh_addr(h, ll)->state, IF6_PREFERRED);
	ndh_free(h);
}

static void ra(struct ndh *h, uint16_t router_lifetime, const char *prefix, uint32_t valid,
	       uint32_t preferred)
{
	struct ndp_repr r = { .type = ICMP6_ND_RA, .cur_hop_limit = 42,
			      .router_lifetime = router_lifetime, .has_slla = true,
			      .has_mtu = true, .mtu = 1400 };

	memcpy(r.slla, router_mac, 6);
	if (prefix) {
		r.n_prefix = 1;
		r.prefix[0].len = 64;
		r.prefix[0].on_link = r.prefix[0].autonomous = true;
		r.prefix[0].valid = valid;
		r.prefix[0].preferred = preferred;
		memcpy(r.prefix[0].prefix, ndh_a6(prefix), 16);
	}
	r.n_rdnss = 1;
	r.rdnss[0].lifetime = 600;
	memcpy(r.rdnss[0].addr, ndh_a6("2001:db8:1::53"), 16);
	ndh_inject(h, &r, ndh_a6("fe80::1"), ndh_a6("ff02::1"), 255);
}

static void test_ra_slaac_and_default_route(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);
	const uint8_t *slaac = ndh_a6("2001:db8:1::ff:fe00:501");
	uint8_t nh[16], dns[4][16];
	int out = -1;
	struct nd_neigh_info e;

	ndh_run(h, 3000000);
	ra(h, 1800, "2001:db8:1::", 100, 50);
	/* default route via the router, its prefix on-link */
	assert_int_equal(route6_lookup(h->st, ndh_a6("2001:db8:99::1"), -1, nh, &out), 0);
	assert_memory_equal(nh, ndh_a6("fe80::1"), 16);
	assert_int_equal(out, h->ifp->index);
	assert_int_equal(route6_lookup(h->st, ndh_a6("2001:db8:1::9"), -1, nh, &out), 0);
	assert_memory_equal(nh, ndh_a6("2001:db8:1::9"), 16);
	/* hop limit, MTU, the router in the cache, RDNSS kept */
	assert_int_equal(h->ifp->hop_limit6, 42);
	assert_int_equal(h->ifp->mtu, 1400);
	assert_true(ndh_neigh(h, ndh_a6("fe80::1"), &e));
	assert_true(e.router);
	assert_memory_equal(e.mac, router_mac, 6);
	assert_int_equal(addr6_rdnss(h->st, dns, NULL, 4), 1);
	assert_memory_equal(dns[0], ndh_a6("2001:db8:1::53"), 16);
	/* the SLAAC address: prefix + modified EUI-64, through DAD */
	assert_non_null(ndh_addr(h, slaac));
	assert_true(ndh_addr(h, slaac)->flags & IF6_F_SLAAC);
	assert_int_equal(ndh_addr(h, slaac)->state, IF6_TENTATIVE);
	ndh_run(h, 2500000);
	assert_int_equal(ndh_addr(h, slaac)->state, IF6_PREFERRED);
	/* deprecated at the preferred lifetime, removed at the valid one */
	ndh_run(h, 48000000);
	assert_int_equal(ndh_addr(h, slaac)->state, IF6_DEPRECATED);
	ndh_run(h, 50000000);
	assert_null(ndh_addr(h, slaac));
	/* the on-link prefix expired with its valid lifetime too */
	assert_int_equal(route6_lookup(h->st, ndh_a6("2001:db8:1::9"), -1, nh, &out), 0);
	assert_memory_equal(nh, ndh_a6("fe80::1"), 16);       /* now via the router */
	/* router lifetime 0: the default route goes */
	ra(h, 0, NULL, 0, 0);
	assert_int_equal(route6_lookup(h->st, ndh_a6("2001:db8:99::1"), -1, nh, &out), -1);
	ndh_free(h);
}

static void test_default_route_expires(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);
	uint8_t nh[16];
	int out;

	ndh_run(h, 3000000);
	ra(h, 30, NULL, 0, 0);
	assert_int_equal(route6_lookup(h->st, ndh_a6("2001:db8:99::1"), -1, nh, &out), 0);
	ndh_run(h, 29000000);
	assert_int_equal(route6_lookup(h->st, ndh_a6("2001:db8:99::1"), -1, nh, &out), 0);
	ndh_run(h, 2000000);
	assert_int_equal(route6_lookup(h->st, ndh_a6("2001:db8:99::1"), -1, nh, &out), -1);
	ndh_free(h);
}

static void test_two_hour_rule(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);
	const uint8_t *slaac = ndh_a6("2001:db8:2::ff:fe00:501");
	uint64_t t0;

	ndh_run(h, 3000000);
	ra(h, 1800, "2001:db8:2::", 36000, 36000);
	t0 = h->now;
	assert_non_null(ndh_addr(h, slaac));
	assert_int_equal(ndh_addr(h, slaac)->valid_until, t0 + 36000ull * 1000000);
	/* RFC 4862 5.5.3(e): a short valid lifetime is cut to two hours, not below */
	ra(h, 1800, "2001:db8:2::", 60, 60);
	assert_int_equal(ndh_addr(h, slaac)->valid_until, t0 + 7200ull * 1000000);
	assert_int_equal(ndh_addr(h, slaac)->preferred_until, t0 + 60ull * 1000000);
	/* a longer one is taken */
	ra(h, 1800, "2001:db8:2::", 9000, 60);
	assert_int_equal(ndh_addr(h, slaac)->valid_until, t0 + 9000ull * 1000000);
	/* SLAAC off: no address from a new prefix */
	addr6_set_slaac(h->st, h->ifp->index, false);
	ra(h, 1800, "2001:db8:3::", 600, 600);
	assert_null(ndh_addr(h, ndh_a6("2001:db8:3::ff:fe00:501")));
	ndh_free(h);
}

static void test_ra_bad_source_and_hop_limit(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);
	struct ndp_repr r = { .type = ICMP6_ND_RA, .router_lifetime = 1800, .cur_hop_limit = 9 };
	uint8_t nh[16];
	int out;

	ndh_run(h, 3000000);
	ndh_inject(h, &r, ndh_a6("2001:db8::1"), ndh_a6("ff02::1"), 255);
	assert_int_equal(h->st->stats.drops[USTACK_DROP_ND_BAD_SRC], 1);
	ndh_inject(h, &r, ndh_a6("fe80::1"), ndh_a6("ff02::1"), 64);
	assert_int_equal(h->st->stats.drops[USTACK_DROP_ND_BAD_HOP_LIMIT], 1);
	assert_int_equal(route6_lookup(h->st, ndh_a6("2001:db8:99::1"), -1, nh, &out), -1);
	assert_int_equal(h->ifp->hop_limit6, 64);
	ndh_free(h);
}

static void test_redirect(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);
	struct ndp_repr r = { .type = ICMP6_ND_REDIRECT, .has_tlla = true,
			      .tlla = { 0x02, 0, 0, 0, 5, 0x0b } };
	uint8_t nh[16];
	int out;

	ndh_run(h, 3000000);
	ra(h, 1800, NULL, 0, 0);
	memcpy(r.target, ndh_a6("fe80::2"), 16);
	memcpy(r.dest, ndh_a6("2001:db8:7::7"), 16);
	/* from a node that is not our first hop for it: dropped */
	ndh_inject(h, &r, ndh_a6("fe80::3"), ndh_a6(LL), 255);
	assert_int_equal(route6_lookup(h->st, r.dest, -1, nh, &out), 0);
	assert_memory_equal(nh, ndh_a6("fe80::1"), 16);
	/* from the router: a better first hop */
	ndh_inject(h, &r, ndh_a6("fe80::1"), ndh_a6(LL), 255);
	assert_int_equal(route6_lookup(h->st, r.dest, -1, nh, &out), 0);
	assert_memory_equal(nh, ndh_a6("fe80::2"), 16);
	{
		struct nd_neigh_info e;

		assert_true(ndh_neigh(h, ndh_a6("fe80::2"), &e));
		assert_true(e.router);
	}
	ndh_free(h);
}

static void test_mld_join_leave_query(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);
	const uint8_t *grp = ndh_a6("ff05::1:3");
	struct ndh_frame f = { 0 };
	struct mld_repr m;

	ndh_run(h, 5000000);
	ndh_clear(h);
	uint64_t out0 = h->st->stats.mld_out;

	assert_int_equal(mld6_join(h->st, h->ifp, grp), 0);
	ndh_drain(h);
	assert_true(mld6_member(h->st, h->ifp, grp));
	assert_int_equal(ndh_find(h, ICMP6_MLD2_REPORT, 0, &f), 0);
	/* hop limit 1, a hop-by-hop Router Alert, to ff02::16, from the link-local */
	assert_int_equal(f.hop_limit, 1);
	assert_true(f.hbh);
	assert_int_equal(f.ip[40 + 2], 5);                    /* Router Alert option */
	assert_memory_equal(f.ip + 24, ndh_a6("ff02::16"), 16);
	assert_memory_equal(f.ip + 8, ndh_a6(LL), 16);
	assert_int_equal(mld_parse(f.icmp, f.icmp_len, &m), WIRE_OK);
	assert_int_equal(m.n_sources, 1);
	assert_int_equal(m.rec_type, MLD2_CHANGE_TO_EXCLUDE);
	assert_memory_equal(m.group, grp, 16);
	/* robustness 2: once more within a second */
	ndh_run(h, 1000000);
	assert_int_equal(ndh_count(h, ICMP6_MLD2_REPORT), 2);
	assert_int_equal(h->st->stats.mld_out, out0 + 2);
	ndh_run(h, 5000000);
	assert_int_equal(ndh_count(h, ICMP6_MLD2_REPORT), 2);

	/* a general query (max response 2 s) is answered within 2 s with the groups */
	{
		uint8_t q[28] = { ICMP6_MLD_QUERY, 0, 0, 0, 0x07, 0xd0 };
		struct pkt *p = pkt_alloc(h->st, sizeof(q));

		icmp6_set_csum(q, sizeof(q), ndh_a6("fe80::1"), ndh_a6("ff02::1"));
		memcpy(pkt_put(p, sizeof(q)), q, sizeof(q));
		p->src = ip_addr_from_v6(ndh_a6("fe80::1"));
		p->dst = ip_addr_from_v6(ndh_a6("ff02::1"));
		p->ip_ttl = 1;
		ndh_clear(h);
		mld6_input(h->st, h->ifp, p);
		ndh_run(h, 2000000);
		assert_true(ndh_count(h, ICMP6_MLD2_REPORT) >= 1);
		assert_true(ndh_find(h, ICMP6_MLD2_REPORT, 0, &f) >= 0);
		assert_int_equal(mld_parse(f.icmp, f.icmp_len, &m), WIRE_OK);
		assert_int_equal(m.rec_type, MLD2_MODE_IS_EXCLUDE);
		assert_int_equal(m.n_sources, 2);                 /* ff05::1:3 and the solicited-node */
	}
	/* leave: CHANGE_TO_INCLUDE */
	ndh_clear(h);
	assert_int_equal(mld6_leave(h->st, h->ifp, grp), 0);
	ndh_drain(h);
	assert_false(mld6_member(h->st, h->ifp, grp));
	assert_int_equal(ndh_find(h, ICMP6_MLD2_REPORT, 0, &f), 0);
	assert_int_equal(mld_parse(f.icmp, f.icmp_len, &m), WIRE_OK);
	assert_int_equal(m.rec_type, MLD2_CHANGE_TO_INCLUDE);
	assert_int_equal(mld6_leave(h->st, h->ifp, grp), -EADDRNOTAVAIL);
	/* a malformed MLD message is dropped and counted */
	{
		struct pkt *p = pkt_alloc(h->st, 8);
		uint8_t q[8] = { ICMP6_MLD_QUERY };

		memcpy(pkt_put(p, 8), q, 8);
		p->src = ip_addr_from_v6(ndh_a6("fe80::1"));
		mld6_input(h->st, h->ifp, p);
		assert_int_equal(h->st->stats.drops[USTACK_DROP_MLD_MALFORMED], 1);
	}
	ndh_free(h);
}

static void test_loopback_and_disabled(void **state)
{
	(void)state;
	struct ustack_config cfg = { .seed = 3, .name = "lo" };
	struct ustack *st = ustack_new(&cfg);
	struct in_addr a;
	struct iface *lo;
	int idx;

	inet_pton(AF_INET, "127.0.0.1", &a);
	idx = ustack_if_add(st, ustack_loopback_new(), a, 8);
	lo = iface_get(st, idx);
	assert_true(lo->ip6);
	assert_int_equal(lo->addr6[0].state, IF6_PREFERRED);
	assert_memory_equal(lo->addr6[0].addr, ndh_a6("::1"), 16);
	assert_int_equal(lo->addr6[0].plen, 128);
	assert_int_equal(lo->addr6[1].state, IF6_UNUSED);
	ustack_free(st);

	cfg.disable_ipv6 = true;
	struct ndh *h = ndh_new(&cfg);

	assert_false(h->ifp->ip6);
	assert_int_equal(h->ifp->addr6[0].state, IF6_UNUSED);
	ndh_run(h, 10000000);
	assert_int_equal(ndh_count(h, ICMP6_ND_NS) + ndh_count(h, ICMP6_ND_RS) +
			 ndh_count(h, ICMP6_MLD2_REPORT), 0);
	assert_int_equal(nd_addr_add(h->st, h->ifp, ndh_a6("2001:db8::1"), 64, IF6_F_STATIC,
				     0xffffffff, 0xffffffff), -EAFNOSUPPORT);
	ndh_free(h);
}

static void test_public_api(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);
	struct in6_addr a, bad;
	struct ustack_addr6 l[8];
	struct ustack_neigh6 nb[4];
	size_t n;

	inet_pton(AF_INET6, "2001:db8:9::1", &a);
	inet_pton(AF_INET6, "ff02::1", &bad);
	assert_int_equal(ustack_if_add6(h->st, h->ifp->index, &a, 64), 0);
	assert_int_equal(ustack_if_add6(h->st, h->ifp->index, &a, 64), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(ustack_if_add6(h->st, h->ifp->index, &bad, 64), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_if_add6(h->st, 7, &a, 64), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(ustack_if_add6(h->st, h->ifp->index, &a, 129), -1);
	n = ustack_if_addrs6(h->st, -1, l, 8);
	assert_int_equal(n, 2);
	assert_string_equal(l[0].origin, "link-local");
	assert_string_equal(l[0].state, "TENTATIVE");
	assert_string_equal(l[1].origin, "static");
	assert_int_equal(l[1].plen, 64);
	assert_int_equal(l[1].valid_s, 0xffffffffu);
	ndh_run(h, 3000000);
	n = ustack_if_addrs6(h->st, h->ifp->index, l, 8);
	assert_string_equal(l[1].state, "PREFERRED");
	/* a neighbour learnt from an NS shows */
	{
		struct ndp_repr ns = { .type = ICMP6_ND_NS, .has_slla = true,
				       .slla = { 0x02, 0, 0, 0, 5, 2 } };
		uint8_t snm[16];

		memcpy(ns.target, &a, 16);
		ip6_solicited_node(ns.target, snm);
		ndh_inject(h, &ns, ndh_a6("2001:db8:9::2"), snm, 255);
	}
	n = ustack_neighbours6(h->st, nb, 4);
	assert_int_equal(n, 1);
	assert_memory_equal(nb[0].addr.s6_addr, ndh_a6("2001:db8:9::2"), 16);
	assert_int_equal(ustack_if_del6(h->st, h->ifp->index, &a), 0);
	assert_int_equal(ustack_if_addrs6(h->st, -1, l, 8), 1);
	assert_int_equal(ustack_if_del6(h->st, h->ifp->index, &a), -1);
	assert_int_equal(ustack_if_set_slaac(h->st, 7, true), -1);
	ndh_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_local_dad_and_rs),
		cmocka_unit_test(test_dad_conflict_ns),
		cmocka_unit_test(test_dad_conflict_na),
		cmocka_unit_test(test_dad_own_probe_ignored),
		cmocka_unit_test(test_ra_slaac_and_default_route),
		cmocka_unit_test(test_default_route_expires),
		cmocka_unit_test(test_two_hour_rule),
		cmocka_unit_test(test_ra_bad_source_and_hop_limit),
		cmocka_unit_test(test_redirect),
		cmocka_unit_test(test_mld_join_leave_query),
		cmocka_unit_test(test_loopback_and_disabled),
		cmocka_unit_test(test_public_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
