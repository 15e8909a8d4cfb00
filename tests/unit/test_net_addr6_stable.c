/* test_net_addr6_stable.c - RFC 7217 stable, semantically opaque interface identifiers
 * on the virtual clock: with ustack_config.ipv6_stable_secret the link-local and SLAAC
 * addresses are prefix + the low 64 bits of SHA-256(prefix | MAC | DAD_Counter | key)
 * (known answers computed with Python's hashlib); the same key, prefix and MAC give the
 * same address in another stack (a restart), another prefix, key or MAC an unrelated
 * one, no key the EUI-64 one; an identifier in use is skipped; a DAD conflict replaces
 * the address by the next DAD_Counter's (counted), up to IDGEN_RETRIES = 3, then the
 * address is given up (counted) and an RA does not bring another; a replaced link-local
 * address passes DAD and solicits routers; reserved identifiers (RFC 5453) recognised. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "nd_harness.h"
#include "core/sha256.h"
#include "net/addr6_stable.h"

/* the harness's MAC is 02:00:00:00:05:01 */
#define EUI64_LL "fe80::ff:fe00:501"
/* SHA-256 over prefix | 020000000501 | counter | 000102..0f, the last 8 bytes */
static const char *const ll_want[4] = {
	"fe80::b211:9217:1b19:b717", "fe80::ad37:5c3e:a25f:ea6b",
	"fe80::811b:2fb3:c12c:4d2b", "fe80::1ae4:652b:a7d0:4751",
};
static const char *const slaac_want[4] = {
	"2001:db8:1:0:f3c8:ecc9:5b91:e886", "2001:db8:1:0:d293:bba0:30ef:5133",
	"2001:db8:1:0:3bc2:3b73:b601:a44", "2001:db8:1:0:ff2:4554:6e8e:7143",
};

static struct ustack_config key_cfg(uint64_t seed, uint8_t first)
{
	struct ustack_config cfg = { .seed = seed, .name = "stable" };

	for (int i = 0; i < 16; i++)
		cfg.ipv6_stable_secret[i] = (uint8_t)(first + i);
	return cfg;
}

static struct if_addr6 *linklocal(struct ndh *h)
{
	for (int k = 0; k < IFACE_ADDR6_MAX; k++)
		if (h->ifp->addr6[k].state != IF6_UNUSED && (h->ifp->addr6[k].flags & IF6_F_LINKLOCAL))
			return &h->ifp->addr6[k];
	return NULL;
}

static int n_slaac(struct ndh *h)
{
	int n = 0;

	for (int k = 0; k < IFACE_ADDR6_MAX; k++)
		if (h->ifp->addr6[k].state != IF6_UNUSED && (h->ifp->addr6[k].flags & IF6_F_SLAAC))
			n++;
	return n;
}

static void ra(struct ndh *h, const char *prefix)
{
	struct ndp_repr r = { .type = ICMP6_ND_RA, .router_lifetime = 1800, .n_prefix = 1 };

	r.prefix[0].len = 64;
	r.prefix[0].on_link = r.prefix[0].autonomous = true;
	r.prefix[0].valid = 600;
	r.prefix[0].preferred = 300;
	memcpy(r.prefix[0].prefix, ndh_a6(prefix), 16);
	ndh_inject(h, &r, ndh_a6("fe80::1"), ndh_a6("ff02::1"), 255);
}

/* Another node says it has a (an NA for a tentative address: DAD fails). */
static void conflict(struct ndh *h, const uint8_t a[16])
{
	struct ndp_repr na = { .type = ICMP6_ND_NA, .override = true, .has_tlla = true,
			       .tlla = { 0x02, 0, 0, 0, 5, 0x33 } };

	memcpy(na.target, a, 16);
	ndh_inject(h, &na, ndh_a6("fe80::33"), ndh_a6("ff02::1"), 255);
}

static void test_iid_function(void **state)
{
	(void)state;
	const uint8_t mac[6] = { 0x02, 0, 0, 0, 5, 1 }, mac2[6] = { 0x02, 0, 0, 0, 5, 2 };
	struct ustack_config cfg = key_cfg(1, 0), cfg2 = key_cfg(1, 1);
	uint8_t iid[8], iid2[8], buf[31], d[SHA256_LEN];

	/* the construction: SHA-256 of prefix | MAC | counter | key, its last 8 bytes */
	addr6_stable_iid(cfg.ipv6_stable_secret, ndh_a6("2001:db8:1::"), mac, 2, iid);
	memcpy(buf, ndh_a6("2001:db8:1::"), 8);
	memcpy(buf + 8, mac, 6);
	buf[14] = 2;
	memcpy(buf + 15, cfg.ipv6_stable_secret, 16);
	sha256_digest(buf, sizeof(buf), d);
	assert_memory_equal(iid, d + 24, 8);
	assert_memory_equal(iid, ndh_a6(slaac_want[2]) + 8, 8);
	/* another prefix, counter, key or MAC: another identifier */
	addr6_stable_iid(cfg.ipv6_stable_secret, ndh_a6("2001:db8:2::"), mac, 2, iid2);
	assert_memory_not_equal(iid, iid2, 8);
	addr6_stable_iid(cfg.ipv6_stable_secret, ndh_a6("2001:db8:1::"), mac, 3, iid2);
	assert_memory_not_equal(iid, iid2, 8);
	addr6_stable_iid(cfg2.ipv6_stable_secret, ndh_a6("2001:db8:1::"), mac, 2, iid2);
	assert_memory_not_equal(iid, iid2, 8);
	addr6_stable_iid(cfg.ipv6_stable_secret, ndh_a6("2001:db8:1::"), mac2, 2, iid2);
	assert_memory_not_equal(iid, iid2, 8);
	/* only the prefix's first 64 bits count */
	addr6_stable_iid(cfg.ipv6_stable_secret, ndh_a6("2001:db8:1::77"), mac, 2, iid2);
	assert_memory_equal(iid, iid2, 8);
	assert_true(addr6_stable_on(cfg.ipv6_stable_secret));
	memset(cfg.ipv6_stable_secret, 0, 16);
	assert_false(addr6_stable_on(cfg.ipv6_stable_secret));
}

static void test_reserved_iids(void **state)
{
	(void)state;
	static const struct { const char *a; bool reserved; } v[] = {
		{ "2001:db8::", true },                       /* subnet-router anycast */
		{ "2001:db8::fdff:ffff:ffff:ff80", true },    /* RFC 2526 range */
		{ "2001:db8::fdff:ffff:ffff:ffff", true },
		{ "2001:db8::fdff:ffff:ffff:ff7f", false },
		{ "2001:db8::fdff:ffff:fffe:ffff", false },
		{ "2001:db8::200:5eff:fe00:0", true },        /* IANA Ethernet block */
		{ "2001:db8::200:5eff:fe00:5213", true },     /* proxy mobile IPv6 */
		{ "2001:db8::200:5eff:feff:ffff", true },
		{ "2001:db8::200:5eff:fd00:0", false },
		{ "2001:db8::200:5efe:c000:201", false },     /* ISATAP-like: usable */
		{ "2001:db8::1", false },
		{ "2001:db8::ff:fe00:501", false },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(addr6_iid_reserved(ndh_a6(v[i].a) + 8), v[i].reserved);
}

static void test_link_local_stable_and_deterministic(void **state)
{
	(void)state;
	struct ustack_config cfg = key_cfg(42, 0), other_seed = key_cfg(7, 0);
	struct ustack_config other_key = key_cfg(42, 0x10), none = { .seed = 42, .name = "eui" };
	struct ndh *h = ndh_new(&cfg), *h2 = ndh_new(&other_seed);
	struct ndh *h3 = ndh_new(&other_key), *h4 = ndh_new(&none);
	struct if_addr6 *a = linklocal(h);

	assert_non_null(a);
	assert_memory_equal(a->addr, ndh_a6(ll_want[0]), 16);
	assert_true(a->flags & IF6_F_STABLE);
	assert_int_equal(a->dad_counter, 0);
	/* a "restart": another stack (another random seed), the same key and MAC */
	assert_memory_equal(linklocal(h2)->addr, a->addr, 16);
	/* another key: another address; no key: the EUI-64 one */
	assert_memory_not_equal(linklocal(h3)->addr, a->addr, 16);
	assert_memory_equal(linklocal(h3)->addr, ndh_a6("fe80::"), 8);
	assert_memory_equal(linklocal(h4)->addr, ndh_a6(EUI64_LL), 16);
	assert_false(linklocal(h4)->flags & IF6_F_STABLE);
	/* it runs DAD as any other and becomes PREFERRED */
	ndh_run(h, 3000000);
	assert_int_equal(a->state, IF6_PREFERRED);
	ndh_free(h);
	ndh_free(h2);
	ndh_free(h3);
	ndh_free(h4);
}

static void test_slaac_stable(void **state)
{
	(void)state;
	struct ustack_config cfg = key_cfg(42, 0);
	struct ndh *h = ndh_new(&cfg);
	struct if_addr6 *a, *b;

	ndh_run(h, 3000000);
	ra(h, "2001:db8:1::");
	a = ndh_addr(h, ndh_a6(slaac_want[0]));
	assert_non_null(a);
	assert_true(a->flags & IF6_F_SLAAC);
	assert_true(a->flags & IF6_F_STABLE);
	assert_null(ndh_addr(h, ndh_a6("2001:db8:1::ff:fe00:501")));
	/* another prefix: an identifier unrelated to the first and to the link-local's */
	ra(h, "2001:db8:2::");
	assert_int_equal(n_slaac(h), 2);
	for (int k = 0; k < IFACE_ADDR6_MAX; k++) {
		b = &h->ifp->addr6[k];
		if (b->state != IF6_UNUSED && (b->flags & IF6_F_SLAAC) && b != a) {
			assert_memory_equal(b->addr, ndh_a6("2001:db8:2::"), 8);
			assert_memory_not_equal(b->addr + 8, a->addr + 8, 8);
			assert_memory_not_equal(b->addr + 8, linklocal(h)->addr + 8, 8);
		}
	}
	/* a repeated RA updates the address, it makes no other */
	ra(h, "2001:db8:1::");
	assert_int_equal(n_slaac(h), 2);
	ndh_run(h, 3000000);
	assert_int_equal(a->state, IF6_PREFERRED);
	ndh_free(h);
}

static void test_identifier_in_use_skipped(void **state)
{
	(void)state;
	struct ustack_config cfg = key_cfg(42, 0);
	struct ndh *h = ndh_new(&cfg);
	struct in6_addr st6;
	struct if_addr6 *a;

	ndh_run(h, 3000000);
	/* a static address holds what DAD_Counter 0 gives: SLAAC takes counter 1's */
	memcpy(st6.s6_addr, ndh_a6(slaac_want[0]), 16);
	assert_int_equal(ustack_if_add6(h->st, h->ifp->index, &st6, 64), 0);
	ra(h, "2001:db8:1::");
	a = ndh_addr(h, ndh_a6(slaac_want[1]));
	assert_non_null(a);
	assert_true(a->flags & IF6_F_SLAAC);
	assert_int_equal(a->dad_counter, 1);
	assert_int_equal(n_slaac(h), 1);
	ndh_free(h);
}

static void test_dad_conflict_retries_then_gives_up(void **state)
{
	(void)state;
	struct ustack_config cfg = key_cfg(42, 0);
	struct ndh *h = ndh_new(&cfg);
	struct if_addr6 *a;
	uint8_t snm[16];

	ndh_run(h, 3000000);
	ra(h, "2001:db8:1::");
	for (int i = 0; i < 3; i++) {
		a = ndh_addr(h, ndh_a6(slaac_want[i]));
		assert_non_null(a);
		assert_int_equal(a->state, IF6_TENTATIVE);
		assert_int_equal(a->dad_counter, i);
		conflict(h, a->addr);
		/* the duplicate one goes, its group left; the next counter's is tried */
		assert_null(ndh_addr(h, ndh_a6(slaac_want[i])));
		ip6_solicited_node(ndh_a6(slaac_want[i]), snm);
		assert_false(mld6_member(h->st, h->ifp, snm));
		assert_int_equal(h->st->stats.nd_dad_failed, (uint64_t)i + 1);
		assert_int_equal(h->st->stats.nd_idgen_retries, (uint64_t)i + 1);
		assert_int_equal(n_slaac(h), 1);
		a = ndh_addr(h, ndh_a6(slaac_want[i + 1]));
		assert_non_null(a);
		assert_int_equal(a->state, IF6_TENTATIVE);
		/* with what was left of the lifetimes */
		assert_true(a->valid_until <= h->now + 600ull * 1000000);
		assert_true(a->valid_until > h->now + 590ull * 1000000);
		ip6_solicited_node(a->addr, snm);
		assert_true(mld6_member(h->st, h->ifp, snm));
	}
	assert_int_equal(h->st->stats.nd_idgen_failed, 0);
	/* the fourth (DAD_Counter 3 = IDGEN_RETRIES) fails too: given up */
	a = ndh_addr(h, ndh_a6(slaac_want[3]));
	assert_non_null(a);
	memcpy(snm, ndh_a6(slaac_want[3]), 16);
	conflict(h, snm);
	assert_int_equal(a->state, IF6_DUPLICATE);
	assert_int_equal(h->st->stats.nd_dad_failed, 4);
	assert_int_equal(h->st->stats.nd_idgen_retries, 3);
	assert_int_equal(h->st->stats.nd_idgen_failed, 1);
	assert_int_equal(n_slaac(h), 1);
	/* a later RA for the prefix brings no other, and nothing becomes usable */
	ra(h, "2001:db8:1::");
	ndh_run(h, 5000000);
	assert_int_equal(n_slaac(h), 1);
	assert_int_equal(a->state, IF6_DUPLICATE);
	ndh_free(h);
}

static void test_link_local_conflict(void **state)
{
	(void)state;
	struct ustack_config cfg = key_cfg(42, 0);
	struct ndh *h = ndh_new(&cfg);
	struct ndh_frame f = { 0 };
	struct if_addr6 *a = linklocal(h);

	conflict(h, a->addr);
	a = linklocal(h);
	assert_non_null(a);
	assert_memory_equal(a->addr, ndh_a6(ll_want[1]), 16);
	assert_int_equal(a->state, IF6_TENTATIVE);
	assert_int_equal(h->st->stats.nd_idgen_retries, 1);
	assert_null(ndh_addr(h, ndh_a6(ll_want[0])));
	/* the new one passes DAD and routers are solicited from it */
	ndh_clear(h);
	ndh_run(h, 3000000);
	assert_int_equal(a->state, IF6_PREFERRED);
	assert_true(ndh_find(h, ICMP6_ND_RS, 0, &f) >= 0);
	assert_memory_equal(f.ip + 8, ndh_a6(ll_want[1]), 16);
	ndh_free(h);
}

static void test_eui64_unchanged_without_key(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);
	uint8_t ll[16];

	/* without a key a DAD conflict is final (RFC 4862 5.4.5): no other address */
	memcpy(ll, ndh_a6(EUI64_LL), 16);
	conflict(h, ll);
	assert_int_equal(ndh_addr(h, ndh_a6(EUI64_LL))->state, IF6_DUPLICATE);
	assert_int_equal(h->st->stats.nd_idgen_retries, 0);
	ndh_run(h, 3000000);
	ra(h, "2001:db8:1::");
	assert_non_null(ndh_addr(h, ndh_a6("2001:db8:1::ff:fe00:501")));
	ndh_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iid_function),
		cmocka_unit_test(test_reserved_iids),
		cmocka_unit_test(test_link_local_stable_and_deterministic),
		cmocka_unit_test(test_slaac_stable),
		cmocka_unit_test(test_identifier_in_use_skipped),
		cmocka_unit_test(test_dad_conflict_retries_then_gives_up),
		cmocka_unit_test(test_link_local_conflict),
		cmocka_unit_test(test_eui64_unchanged_without_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
