/* test_core_route.c - the routing table: longest-prefix match, connected routes from
 * interfaces, a default gateway, replacement of the same prefix, ifindex picked by the
 * gateway, and errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <arpa/inet.h>

#include "core/stack.h"
#include "core/route.h"
#include "ustack/dev.h"

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static uint32_t hip(const char *s)
{
	return ntohl(ip(s).s_addr);
}

struct fixture {
	struct ustack_vnet *vn;
	struct ustack *st;
	int if0, if1;
};

static int setup(void **state)
{
	static struct fixture f;
	struct ustack_config cfg = { .seed = 9, .name = "r" };

	f.vn = ustack_vnet_new();
	f.st = ustack_new(&cfg);
	assert_non_null(f.vn);
	assert_non_null(f.st);
	f.if0 = ustack_if_add(f.st, ustack_vnet_port(f.vn, NULL, 1500), ip("10.0.1.10"), 24);
	f.if1 = ustack_if_add(f.st, ustack_vnet_port(f.vn, NULL, 1500), ip("10.0.2.1"), 16);
	assert_true(f.if0 >= 0);
	assert_true(f.if1 >= 0 && f.if1 != f.if0);
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

static void test_route_connected_and_lpm(void **state)
{
	struct fixture *f = *state;
	uint32_t nh;
	int ifx;

	assert_int_equal(route_lookup(f->st, hip("10.0.1.99"), &nh, &ifx), 0);
	assert_int_equal(nh, hip("10.0.1.99"));
	assert_int_equal(ifx, f->if0);
	assert_int_equal(route_lookup(f->st, hip("10.0.200.3"), &nh, &ifx), 0);
	assert_int_equal(ifx, f->if1);
	assert_int_equal(route_lookup(f->st, hip("192.168.0.1"), &nh, &ifx), -1);

	/* default route via a gateway on if0, chosen by the gateway's connected route */
	assert_int_equal(ustack_set_gateway(f->st, ip("10.0.1.1")), 0);
	assert_int_equal(route_lookup(f->st, hip("192.168.0.1"), &nh, &ifx), 0);
	assert_int_equal(nh, hip("10.0.1.1"));
	assert_int_equal(ifx, f->if0);

	/* a more specific route wins over the default and the /16 */
	assert_int_equal(ustack_route_add(f->st, ip("10.0.5.0"), 24, ip("10.0.2.254"), -1), 0);
	assert_int_equal(route_lookup(f->st, hip("10.0.5.7"), &nh, &ifx), 0);
	assert_int_equal(nh, hip("10.0.2.254"));
	assert_int_equal(ifx, f->if1);
	assert_int_equal(route_lookup(f->st, hip("10.0.6.7"), &nh, &ifx), 0);
	assert_int_equal(nh, hip("10.0.6.7"));     /* the /16, on-link */

	/* a host route */
	assert_int_equal(ustack_route_add(f->st, ip("10.0.5.9"), 32, ip("10.0.1.2"), f->if0), 0);
	assert_int_equal(route_lookup(f->st, hip("10.0.5.9"), &nh, &ifx), 0);
	assert_int_equal(nh, hip("10.0.1.2"));
	assert_int_equal(ifx, f->if0);
}

static void test_route_replace(void **state)
{
	struct fixture *f = *state;
	int n;
	uint32_t nh;
	int ifx;

	assert_int_equal(ustack_route_add(f->st, ip("172.16.0.0"), 12, ip("10.0.1.1"), -1), 0);
	n = f->st->routes.n;
	/* same prefix (host bits ignored): replaced, not added */
	assert_int_equal(ustack_route_add(f->st, ip("172.16.9.9"), 12, ip("10.0.2.2"), -1), 0);
	assert_int_equal(f->st->routes.n, n);
	assert_int_equal(route_lookup(f->st, hip("172.20.0.1"), &nh, &ifx), 0);
	assert_int_equal(nh, hip("10.0.2.2"));
	assert_int_equal(ifx, f->if1);
}

static void test_route_errors(void **state)
{
	struct fixture *f = *state;

	errno = 0;
	assert_int_equal(ustack_route_add(f->st, ip("1.0.0.0"), 8, ip("99.9.9.9"), -1), -1);
	assert_int_equal(errno, ENETUNREACH);
	assert_int_equal(ustack_route_add(f->st, ip("1.0.0.0"), 33, ip("10.0.1.1"), -1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_route_add(f->st, ip("1.0.0.0"), 8, ip("10.0.1.1"), 7), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(ustack_route_add(f->st, ip("1.0.0.0"), 8, ip("0.0.0.0"), -1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_set_gateway(f->st, ip("0.0.0.0")), -1);
	/* fill the table */
	for (int i = 0; i < ROUTE_MAX + 2; i++) {
		struct in_addr d = { htonl(0x20000000u + ((uint32_t)i << 8)) };

		if (ustack_route_add(f->st, d, 24, ip("10.0.1.1"), -1) != 0) {
			assert_int_equal(errno, ENOSPC);
			return;
		}
	}
	fail_msg("the route table never filled");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_route_connected_and_lpm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
