/* test_net_nd.c - the IPv6 neighbour cache on the virtual clock (RFC 4861 7): resolution
 * INCOMPLETE -> REACHABLE on a solicited NA with the waiting packets flushed, REACHABLE
 * -> STALE after ReachableTime, DELAY on use, PROBE with unicast solicitations, removal
 * after unanswered probes; the bounded queue and unanswered resolution (counted); NS for
 * our address answered with NA (S, O, TLLA; to all-nodes when from ::); hop limit 254
 * dropped and counted; NA override rules; multicast mapped to 33:33. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "nd_harness.h"

static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 5, 2 };
static const uint8_t other_mac[6] = { 0x02, 0, 0, 0, 5, 9 };

/* A stack whose link-local address has passed DAD (and the frames of that cleared). */
static struct ndh *ready(const struct ustack_config *cfg)
{
	struct ndh *h = ndh_new(cfg);
	const uint8_t *ll = ndh_a6("fe80::ff:fe00:501");

	assert_non_null(h->ifp);
	assert_true(h->ifp->ip6);
	ndh_run(h, 3000000);
	assert_non_null(ndh_addr(h, ll));
	assert_int_equal(ndh_addr(h, ll)->state, IF6_PREFERRED);
	ndh_clear(h);
	return h;
}

static void na_from(struct ndh *h, const uint8_t *target, const uint8_t *mac, bool s, bool o,
		    bool router, const uint8_t *dst)
{
	struct ndp_repr r = { .type = ICMP6_ND_NA, .solicited = s, .override = o, .router = router };

	memcpy(r.target, target, 16);
	if (mac) {
		r.has_tlla = true;
		memcpy(r.tlla, mac, 6);
	}
	ndh_inject(h, &r, target, dst, 255);
}

static void test_resolution_and_nud(void **state)
{
	(void)state;
	struct ndh *h = ready(NULL);
	const uint8_t *ll = ndh_a6("fe80::ff:fe00:501"), *nb = ndh_a6("fe80::99");
	struct ndh_frame f = { 0 };
	struct nd_neigh_info e;
	uint8_t snm[16];

	/* Three packets for an unknown neighbour: one multicast NS, all three queued. */
	ndh_send_ip(h, ll, nb);
	ndh_send_ip(h, ll, nb);
	ndh_send_ip(h, ll, nb);
	assert_int_equal(ndh_count(h, ICMP6_ND_NS), 1);
	assert_true(ndh_find(h, ICMP6_ND_NS, 0, &f) >= 0);
	ip6_solicited_node(nb, snm);
	assert_memory_equal(f.ip + 24, snm, 16);              /* to the solicited-node group */
	assert_memory_equal(f.ip + 8, ll, 16);                /* from the packet's source */
	assert_int_equal(f.hop_limit, 255);
	{
		const uint8_t m[6] = { 0x33, 0x33, 0xff, 0, 0, 0x99 };

		assert_memory_equal(f.eth, m, 6);
	}
	assert_memory_equal(f.icmp + 8, nb, 16);
	assert_int_equal(f.icmp[24], NDP_OPT_SLLA);
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_INCOMPLETE);
	assert_int_equal(e.queued, 3);

	/* A solicited NA: REACHABLE, the three packets leave to its MAC. */
	ndh_clear(h);
	na_from(h, nb, peer_mac, true, true, false, ll);
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_REACHABLE);
	assert_int_equal(e.queued, 0);
	assert_int_equal(h->n, 3);
	for (int i = 0; i < 3; i++) {
		assert_memory_equal(h->frames[i], peer_mac, 6);
		assert_int_equal(h->frames[i][14 + 6], 17);
	}

	/* ReachableTime is 15..45 s: STALE by 46 s, not before 15 s. */
	ndh_clear(h);
	ndh_run(h, 14000000);
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_REACHABLE);
	ndh_run(h, 32000000);
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_STALE);
	assert_int_equal(ndh_count(h, ICMP6_ND_NS), 0);      /* no probe while unused */

	/* Used: DELAY (the packet leaves at once), then PROBE after 5 s with unicast NS. */
	ndh_clear(h);
	ndh_send_ip(h, ll, nb);
	assert_int_equal(h->n, 1);
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_DELAY);
	ndh_clear(h);
	ndh_run(h, 4900000);
	assert_int_equal(ndh_count(h, ICMP6_ND_NS), 0);
	ndh_run(h, 200000);
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_PROBE);
	assert_int_equal(ndh_find(h, ICMP6_ND_NS, 0, &f), 0);
	assert_memory_equal(f.eth, peer_mac, 6);              /* unicast probe */
	assert_memory_equal(f.ip + 24, nb, 16);

	/* MAX_UNICAST_SOLICIT probes unanswered: gone. */
	ndh_run(h, 3100000);
	assert_int_equal(ndh_count(h, ICMP6_ND_NS), 3);
	assert_false(ndh_neigh(h, nb, &e));
	ndh_free(h);
}

static void test_probe_answered(void **state)
{
	(void)state;
	struct ndh *h = ready(NULL);
	const uint8_t *ll = ndh_a6("fe80::ff:fe00:501"), *nb = ndh_a6("fe80::99");
	struct nd_neigh_info e;

	ndh_send_ip(h, ll, nb);
	na_from(h, nb, peer_mac, true, false, false, ll);
	nd_negative_advice(h->st, h->ifp->index, nb);
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_STALE);
	ndh_send_ip(h, ll, nb);
	ndh_run(h, 5100000);
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_PROBE);
	na_from(h, nb, NULL, true, false, false, ll);         /* no TLLA: still confirms */
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_REACHABLE);
	/* upper-layer confirmation keeps it REACHABLE */
	ndh_run(h, 10000000);
	nd_confirm(h->st, h->ifp->index, nb);
	ndh_run(h, 10000000);
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_REACHABLE);
	ndh_free(h);
}

static void test_na_override_rules(void **state)
{
	(void)state;
	struct ndh *h = ready(NULL);
	const uint8_t *ll = ndh_a6("fe80::ff:fe00:501"), *nb = ndh_a6("fe80::99");
	struct nd_neigh_info e;

	/* An unsolicited NA for an unknown neighbour creates nothing (7.2.5). */
	na_from(h, nb, peer_mac, false, true, false, ndh_a6("ff02::1"));
	assert_false(ndh_neigh(h, nb, &e));
	ndh_send_ip(h, ll, nb);
	na_from(h, nb, peer_mac, true, true, true, ll);
	assert_true(ndh_neigh(h, nb, &e));
	assert_true(e.router);
	/* a different MAC without override: REACHABLE -> STALE, MAC kept */
	na_from(h, nb, other_mac, false, false, true, ll);
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_STALE);
	assert_memory_equal(e.mac, peer_mac, 6);
	/* with override: the new MAC, STALE (unsolicited) */
	na_from(h, nb, other_mac, false, true, true, ndh_a6("ff02::1"));
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_STALE);
	assert_memory_equal(e.mac, other_mac, 6);
	/* solicited with a multicast destination is invalid (7.1.2) */
	uint64_t bad = h->st->stats.drops[USTACK_DROP_ND_MALFORMED];

	na_from(h, nb, other_mac, true, true, true, ndh_a6("ff02::1"));
	assert_int_equal(h->st->stats.drops[USTACK_DROP_ND_MALFORMED], bad + 1);
	/* router flag cleared */
	na_from(h, nb, NULL, true, false, false, ll);
	assert_true(ndh_neigh(h, nb, &e));
	assert_false(e.router);
	assert_int_equal(e.state, ND_REACHABLE);
	ndh_free(h);
}

static void test_queue_bound_and_unresolved(void **state)
{
	(void)state;
	struct ustack_config cfg = { .seed = 7, .name = "nd", .arp_queue_max = 4 };
	struct ndh *h = ready(&cfg);
	const uint8_t *ll = ndh_a6("fe80::ff:fe00:501"), *nb = ndh_a6("fe80::77");
	struct nd_neigh_info e;

	for (int i = 0; i < 6; i++)
		ndh_send_ip(h, ll, nb);
	assert_int_equal(h->st->stats.drops[USTACK_DROP_ND_QUEUE_FULL], 2);
	ndh_run(h, 2500000);
	assert_int_equal(ndh_count(h, ICMP6_ND_NS), 3);      /* MAX_MULTICAST_SOLICIT */
	assert_true(ndh_neigh(h, nb, &e));
	ndh_run(h, 1000000);
	assert_false(ndh_neigh(h, nb, &e));
	assert_int_equal(h->st->stats.drops[USTACK_DROP_ND_UNRESOLVED], 4);
	assert_int_equal(ndh_count(h, ICMP6_ND_NS), 3);
	ndh_free(h);
}

static void test_cache_bound(void **state)
{
	(void)state;
	struct ustack_config cfg = { .seed = 7, .name = "nd", .arp_cache_max = 2 };
	struct ndh *h = ready(&cfg);
	const uint8_t *ll = ndh_a6("fe80::ff:fe00:501");

	ndh_send_ip(h, ll, ndh_a6("fe80::1"));
	ndh_send_ip(h, ll, ndh_a6("fe80::2"));
	ndh_send_ip(h, ll, ndh_a6("fe80::3"));
	assert_int_equal(h->st->stats.drops[USTACK_DROP_ND_CACHE_FULL], 1);
	ndh_free(h);
}

static void test_ns_answered(void **state)
{
	(void)state;
	struct ndh *h = ready(NULL);
	const uint8_t *ll = ndh_a6("fe80::ff:fe00:501"), *nb = ndh_a6("fe80::99");
	struct ndp_repr ns = { .type = ICMP6_ND_NS, .has_slla = true };
	struct ndp_repr na;
	struct ndh_frame f = { 0 };
	struct nd_neigh_info e;
	uint8_t snm[16];
	uint64_t na_out = h->st->stats.nd_na_out;

	memcpy(ns.target, ll, 16);
	memcpy(ns.slla, peer_mac, 6);
	ip6_solicited_node(ll, snm);
	ndh_inject(h, &ns, nb, snm, 255);
	assert_int_equal(ndh_find(h, ICMP6_ND_NA, 0, &f), 0);
	assert_int_equal(h->st->stats.nd_na_out, na_out + 1);
	assert_memory_equal(f.eth, peer_mac, 6);              /* to the SLLA, no resolution */
	assert_memory_equal(f.ip + 8, ll, 16);
	assert_memory_equal(f.ip + 24, nb, 16);
	assert_int_equal(f.hop_limit, 255);
	assert_int_equal(ndp_parse(f.icmp, f.icmp_len, &na), WIRE_OK);
	assert_true(na.solicited);
	assert_true(na.override);
	assert_false(na.router);
	assert_true(na.has_tlla);
	assert_memory_equal(na.tlla, h->ifp->mac, 6);
	assert_memory_equal(na.target, ll, 16);
	/* 7.2.3: learnt STALE, and the NA's use of it made it DELAY (7.3.3) */
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_DELAY);
	assert_memory_equal(e.mac, peer_mac, 6);

	/* From :: (the other node runs DAD on our preferred address): NA to all-nodes,
	 * not solicited. */
	ndh_clear(h);
	ns.has_slla = false;
	ndh_inject(h, &ns, ndh_a6("::"), snm, 255);
	assert_int_equal(ndh_find(h, ICMP6_ND_NA, 0, &f), 0);
	assert_memory_equal(f.ip + 24, ndh_a6("ff02::1"), 16);
	assert_int_equal(ndp_parse(f.icmp, f.icmp_len, &na), WIRE_OK);
	assert_false(na.solicited);

	/* Not our address: dropped, counted. */
	ndh_clear(h);
	memcpy(ns.target, ndh_a6("fe80::1234"), 16);
	ns.has_slla = true;
	ndh_inject(h, &ns, nb, snm, 255);
	assert_int_equal(h->n, 0);
	assert_int_equal(h->st->stats.drops[USTACK_DROP_ND_NOT_FOR_US], 1);
	/* From :: with an SLLA: invalid source (7.1.1). */
	memcpy(ns.target, ll, 16);
	ndh_inject(h, &ns, ndh_a6("::"), snm, 255);
	assert_int_equal(h->n, 0);
	assert_int_equal(h->st->stats.drops[USTACK_DROP_ND_BAD_SRC], 1);
	ndh_free(h);
}

static void test_hop_limit_254_dropped(void **state)
{
	(void)state;
	struct ndh *h = ready(NULL);
	const uint8_t *ll = ndh_a6("fe80::ff:fe00:501"), *nb = ndh_a6("fe80::99");
	struct ndp_repr ns = { .type = ICMP6_ND_NS, .has_slla = true };
	struct nd_neigh_info e;
	uint8_t snm[16];

	memcpy(ns.target, ll, 16);
	memcpy(ns.slla, peer_mac, 6);
	ip6_solicited_node(ll, snm);
	ndh_inject(h, &ns, nb, snm, 254);
	assert_int_equal(h->n, 0);
	assert_int_equal(h->st->stats.drops[USTACK_DROP_ND_BAD_HOP_LIMIT], 1);
	assert_false(ndh_neigh(h, nb, &e));
	/* an NA with hop limit 254 does not resolve either */
	ndh_send_ip(h, ll, nb);
	{
		struct ndp_repr na = { .type = ICMP6_ND_NA, .solicited = true, .override = true,
				       .has_tlla = true };

		memcpy(na.target, nb, 16);
		memcpy(na.tlla, peer_mac, 6);
		ndh_inject(h, &na, nb, ll, 254);
	}
	assert_int_equal(h->st->stats.drops[USTACK_DROP_ND_BAD_HOP_LIMIT], 2);
	assert_true(ndh_neigh(h, nb, &e));
	assert_int_equal(e.state, ND_INCOMPLETE);
	ndh_free(h);
}

static void test_multicast_output(void **state)
{
	(void)state;
	struct ndh *h = ready(NULL);
	const uint8_t m[6] = { 0x33, 0x33, 0, 0, 0, 0x02 };

	ndh_send_ip(h, ndh_a6("fe80::ff:fe00:501"), ndh_a6("ff02::2"));
	assert_int_equal(h->n, 1);
	assert_memory_equal(h->frames[0], m, 6);
	ndh_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolution_and_nud),
		cmocka_unit_test(test_probe_answered),
		cmocka_unit_test(test_na_override_rules),
		cmocka_unit_test(test_queue_bound_and_unresolved),
		cmocka_unit_test(test_cache_bound),
		cmocka_unit_test(test_ns_answered),
		cmocka_unit_test(test_hop_limit_254_dropped),
		cmocka_unit_test(test_multicast_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
