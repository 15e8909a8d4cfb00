/* test_core_route6.c - the IPv6 routing table: longest-prefix match, a gateway's
 * interface found by its connected route, lifetimes ending on the virtual clock,
 * refresh of the same route, link-local and multicast scoped by interface, removal
 * and errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "core/stack.h"
#include "core/route6.h"
#include "ustack/dev.h"

static const uint8_t *a6(const char *s)
{
	static uint8_t b[8][16];
	static int k;
	uint8_t *o = b[k++ % 8];

	assert_int_equal(inet_pton(AF_INET6, s, o), 1);
	return o;
}

struct fixture {
	struct ustack_vnet *vn;
	struct ustack *st;
	int if0, if1;
};

static int setup(void **state)
{
	static struct fixture f;
	struct ustack_config cfg = { .seed = 9, .name = "r6" };
	struct in_addr a0, a1;

	inet_pton(AF_INET, "10.0.1.10", &a0);
	inet_pton(AF_INET, "10.0.2.10", &a1);
	f.vn = ustack_vnet_new();
	f.st = ustack_new(&cfg);
	assert_non_null(f.vn);
	assert_non_null(f.st);
	f.if0 = ustack_if_add(f.st, ustack_vnet_port(f.vn, NULL, 1500), a0, 24);
	f.if1 = ustack_if_add(f.st, ustack_vnet_port(f.vn, NULL, 1500), a1, 24);
	assert_true(f.if0 >= 0 && f.if1 >= 0);
	f.st->routes6.n = 0;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ustack_free(f->st);
	ustack_vnet_free(f->vn);
	return 0;
}

static void test_prefix_match(void **state)
{
	(void)state;
	assert_true(ip6_prefix_match(a6("2001:db8::"), a6("2001:db8::1"), 32));
	assert_true(ip6_prefix_match(a6("2001:db8:ff00::"), a6("2001:db8:ff80::1"), 40));
	assert_false(ip6_prefix_match(a6("2001:db8:ff00::"), a6("2001:db8:fe80::1"), 40));
	assert_true(ip6_prefix_match(a6("::"), a6("fe80::1"), 0));
	assert_true(ip6_prefix_match(a6("2001:db8::1"), a6("2001:db8::1"), 128));
	assert_false(ip6_prefix_match(a6("2001:db8::1"), a6("2001:db8::2"), 128));
	assert_false(ip6_prefix_match(a6("::"), a6("::"), 129));
}

static void test_lpm_and_gateway(void **state)
{
	struct fixture *f = *state;
	struct ustack *st = f->st;
	uint8_t nh[16];
	int ifx = -7;

	assert_int_equal(route6_lookup(st, a6("2001:db8:1::5"), -1, nh, &ifx), -1);
	assert_int_equal(route6_add(st, a6("2001:db8:1::"), 64, NULL, f->if0, ROUTE6_CONNECTED, 0), 0);
	assert_int_equal(route6_add(st, a6("2001:db8:2::77"), 48, NULL, f->if1, ROUTE6_CONNECTED, 0), 0);
	/* the host bits of a prefix are cleared */
	assert_memory_equal(st->routes6.r[1].dst, a6("2001:db8:2::"), 16);
	assert_int_equal(route6_lookup(st, a6("2001:db8:1::5"), -1, nh, &ifx), 0);
	assert_memory_equal(nh, a6("2001:db8:1::5"), 16);
	assert_int_equal(ifx, f->if0);

	/* a gateway's interface comes from the connected route that covers it */
	assert_int_equal(route6_add(st, a6("::"), 0, a6("2001:db8:2::1"), -1, ROUTE6_STATIC, 0), 0);
	assert_int_equal(route6_lookup(st, a6("2001:db8:99::1"), -1, nh, &ifx), 0);
	assert_memory_equal(nh, a6("2001:db8:2::1"), 16);
	assert_int_equal(ifx, f->if1);
	/* a longer prefix wins over the default */
	assert_int_equal(route6_add(st, a6("2001:db8:99::"), 56, a6("2001:db8:1::1"), -1, ROUTE6_STATIC, 0), 0);
	assert_int_equal(route6_lookup(st, a6("2001:db8:99::1"), -1, nh, &ifx), 0);
	assert_memory_equal(nh, a6("2001:db8:1::1"), 16);
	assert_int_equal(ifx, f->if0);
	/* restricted to an interface */
	assert_int_equal(route6_lookup(st, a6("2001:db8:99::1"), f->if1, nh, &ifx), 0);
	assert_memory_equal(nh, a6("2001:db8:2::1"), 16);

	/* removal */
	assert_int_equal(route6_del(st, a6("2001:db8:99::"), 56, a6("2001:db8:1::1"), -1), 0);
	assert_int_equal(route6_del(st, a6("2001:db8:99::"), 56, a6("2001:db8:1::1"), -1), -ENOENT);
	assert_int_equal(route6_lookup(st, a6("2001:db8:99::1"), -1, nh, &ifx), 0);
	assert_int_equal(ifx, f->if1);
	assert_int_equal(route6_flush_iface(st, f->if1), 2);
	assert_int_equal(route6_lookup(st, a6("2001:db8:99::1"), -1, nh, &ifx), -1);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	struct ustack *st = f->st;

	assert_int_equal(route6_add(st, a6("2001:db8::"), 129, NULL, f->if0, ROUTE6_STATIC, 0), -EINVAL);
	assert_int_equal(route6_add(st, a6("2001:db8::"), 64, NULL, 7, ROUTE6_STATIC, 0), -EINVAL);
	/* an off-link gateway, and a link-local one without its interface */
	assert_int_equal(route6_add(st, a6("::"), 0, a6("2001:db8:5::1"), -1, ROUTE6_STATIC, 0), -ENETUNREACH);
	assert_int_equal(route6_add(st, a6("::"), 0, a6("fe80::1"), -1, ROUTE6_STATIC, 0), -EINVAL);
	assert_int_equal(route6_add(st, a6("::"), 0, a6("fe80::1"), f->if0, ROUTE6_RA, 0), 0);
	for (int i = 1; i < ROUTE6_MAX; i++) {
		uint8_t d[16] = { 0x20, 0x01, 0x0d, 0xb8, (uint8_t)(i >> 8), (uint8_t)i };

		assert_int_equal(route6_add(st, d, 32 + 16, NULL, f->if0, ROUTE6_STATIC, 0), 0);
	}
	assert_int_equal(route6_add(st, a6("2001:db9::"), 32, NULL, f->if0, ROUTE6_STATIC, 0), -ENOSPC);
}

static void test_lifetimes_and_scope(void **state)
{
	struct fixture *f = *state;
	struct ustack *st = f->st;
	uint8_t nh[16];
	int ifx;

	st->now = 1000000;
	assert_int_equal(route6_add(st, a6("2001:db8:7::"), 64, NULL, f->if0, ROUTE6_RA, 0), 0);
	assert_int_equal(route6_add(st, a6("::"), 0, a6("fe80::1"), f->if0, ROUTE6_RA, 2000000), 0);
	assert_int_equal(route6_lookup(st, a6("2001:db8:8::1"), -1, nh, &ifx), 0);
	assert_memory_equal(nh, a6("fe80::1"), 16);
	/* refreshed, not duplicated */
	assert_int_equal(route6_add(st, a6("::"), 0, a6("fe80::1"), f->if0, ROUTE6_RA, 5000000), 0);
	assert_int_equal(st->routes6.n, 2);
	st->now = 4999999;
	assert_int_equal(route6_lookup(st, a6("2001:db8:8::1"), -1, nh, &ifx), 0);
	st->now = 5000000;
	assert_int_equal(route6_lookup(st, a6("2001:db8:8::1"), -1, nh, &ifx), -1);
	/* the expired slot is reused */
	assert_int_equal(route6_add(st, a6("2001:db8:9::"), 64, NULL, f->if1, ROUTE6_STATIC, 0), 0);
	assert_int_equal(st->routes6.n, 2);

	/* link-local and multicast: on-link on the named interface, without any route */
	assert_int_equal(route6_lookup(st, a6("fe80::99"), f->if1, nh, &ifx), 0);
	assert_int_equal(ifx, f->if1);
	assert_memory_equal(nh, a6("fe80::99"), 16);
	assert_int_equal(route6_lookup(st, a6("ff02::1"), f->if0, nh, &ifx), 0);
	assert_int_equal(ifx, f->if0);
	assert_int_equal(route6_lookup(st, a6("fe80::99"), -1, nh, &ifx), -1);
	assert_int_equal(route6_lookup(st, a6("fe80::99"), 7, nh, &ifx), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_match),
		cmocka_unit_test_setup_teardown(test_lpm_and_gateway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifetimes_and_scope, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
