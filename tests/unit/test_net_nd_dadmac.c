/* test_net_nd_dadmac.c - RFC 4862 5.4.5 on the virtual clock: with
 * cfg.dad_disable_ipv6 (Linux's accept_dad=2), a duplicate link-local address made from
 * the MAC stops IPv6 on the interface: every address removed, the stop counted
 * (nd_ip6_disabled), nothing more sent (no router solicitation, MLD report or neighbor
 * solicitation), no address can be added; a duplicate global address does not stop it;
 * and without the setting (Linux's default accept_dad=1) the link-local duplicate only
 * fails DAD. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "nd_harness.h"
#include "net/ipv6.h"

#define LL "fe80::ff:fe00:501"          /* EUI-64 of the harness's MAC 02:00:00:00:05:01 */

static struct ndh *new_host(bool stop)
{
	struct ustack_config cfg = { .seed = 42, .name = "nd", .dad_disable_ipv6 = stop };

	return ndh_new(&cfg);
}

/* Another node answers for a of ours with a Neighbor Advertisement. */
static void na_for(struct ndh *h, const char *a)
{
	struct ndp_repr na = { .type = ICMP6_ND_NA, .override = true, .has_tlla = true,
			       .tlla = { 0x02, 0, 0, 0, 5, 0x33 } };

	memcpy(na.target, ndh_a6(a), 16);
	ndh_inject(h, &na, ndh_a6(a), ndh_a6("ff02::1"), 255);
}

static void test_mac_duplicate_stops_ipv6(void **state)
{
	(void)state;
	struct ndh *h = new_host(true);
	uint8_t ll[16], g[16];

	memcpy(ll, ndh_a6(LL), 16);
	memcpy(g, ndh_a6("2001:db8::5"), 16);
	assert_non_null(ndh_addr(h, ll));
	assert_int_equal(nd_addr_add(h->st, h->ifp, g, 64, IF6_F_STATIC, 0xffffffff, 0xffffffff), 0);
	na_for(h, LL);
	assert_int_equal(h->st->stats.nd_dad_failed, 1);
	assert_int_equal(h->st->stats.nd_ip6_disabled, 1);
	assert_false(h->ifp->ip6);
	assert_null(ndh_addr(h, ll));
	assert_null(ndh_addr(h, g));
	assert_false(mld6_member(h->st, h->ifp, ndh_a6("ff02::1:ff00:5")));
	assert_int_not_equal(nd_addr_add(h->st, h->ifp, g, 64, IF6_F_STATIC, 0xffffffff,
					 0xffffffff), 0);
	/* nothing more on the wire: no DAD probe, no router solicitation, no MLD report */
	ndh_clear(h);
	ndh_run(h, 20000000);
	assert_int_equal(ndh_count(h, ICMP6_ND_NS), 0);
	assert_int_equal(ndh_count(h, ICMP6_ND_RS), 0);
	assert_int_equal(ndh_count(h, ICMP6_MLD2_REPORT), 0);
	/* and nothing accepted */
	uint64_t in0 = h->st->stats.drops[USTACK_DROP_IP6_NOT_FOR_US];
	struct ipv6_repr ip = { .next_hdr = 59, .hop_limit = 64 };   /* no next header */
	struct pkt *p = pkt_alloc(h->st, 64);
	memcpy(ip.src, ndh_a6("fe80::5:33"), 16);
	memcpy(ip.dst, ndh_a6("ff02::1"), 16);
	ipv6_emit(&ip, pkt_put(p, 40));
	ipv6_input(h->st, h->ifp, p);
	assert_int_equal(h->st->stats.drops[USTACK_DROP_IP6_NOT_FOR_US], in0 + 1);
	ndh_free(h);
}

static void test_global_duplicate_keeps_ipv6(void **state)
{
	(void)state;
	struct ndh *h = new_host(true);
	const char *g = "2001:db8::5";

	ndh_run(h, 3000000);
	assert_int_equal(nd_addr_add(h->st, h->ifp, ndh_a6(g), 64, IF6_F_STATIC, 0xffffffff,
				     0xffffffff), 0);
	na_for(h, g);
	assert_int_equal(h->st->stats.nd_dad_failed, 1);
	assert_int_equal(h->st->stats.nd_ip6_disabled, 0);
	assert_true(h->ifp->ip6);
	assert_int_equal(ndh_addr(h, ndh_a6(LL))->state, IF6_PREFERRED);
	ndh_free(h);
}

static void test_default_only_fails_dad(void **state)
{
	(void)state;
	struct ndh *h = new_host(false);

	na_for(h, LL);
	assert_int_equal(h->st->stats.nd_dad_failed, 1);
	assert_int_equal(h->st->stats.nd_ip6_disabled, 0);
	assert_true(h->ifp->ip6);
	assert_int_equal(ndh_addr(h, ndh_a6(LL))->state, IF6_DUPLICATE);
	assert_int_equal(nd_addr_add(h->st, h->ifp, ndh_a6("2001:db8::5"), 64, IF6_F_STATIC,
				     0xffffffff, 0xffffffff), 0);
	ndh_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_duplicate_stops_ipv6),
		cmocka_unit_test(test_global_duplicate_keeps_ipv6),
		cmocka_unit_test(test_default_only_fails_dad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
