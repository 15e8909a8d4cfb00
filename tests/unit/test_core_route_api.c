/* test_core_route_api.c - the public route calls: ustack_routes lists both tables (the
 * connected routes of the interfaces' addresses, static routes, the IPv6 default route
 * of ustack_set_gateway6 with its origin, a router advertisement's route with the
 * seconds it has left, an expired one left out); errors as POSIX would say them. */
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

struct fixture {
	struct ustack_vnet *vn;
	struct ustack *st;
	int ifx;
};

static struct in6_addr in6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static struct in_addr in4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static int setup(void **state)
{
	static struct fixture f;
	struct ustack_config cfg = { .seed = 3, .name = "rt" };
	struct in6_addr g = in6("2001:db8:1::10");

	f.vn = ustack_vnet_new();
	f.st = ustack_new(&cfg);
	assert_non_null(f.vn);
	assert_non_null(f.st);
	f.ifx = ustack_if_add(f.st, ustack_vnet_port(f.vn, NULL, 1500), in4("10.0.1.10"), 24);
	assert_true(f.ifx >= 0);
	assert_int_equal(ustack_if_add6(f.st, f.ifx, &g, 64), 0);
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

/* The route for dst/plen of family af in r[0..n), or NULL. */
static const struct ustack_route *find(const struct ustack_route *r, size_t n, int af,
				       const char *dst, int plen)
{
	for (size_t i = 0; i < n; i++) {
		char b[INET6_ADDRSTRLEN];

		if (r[i].family != af || r[i].prefix_len != plen)
			continue;
		inet_ntop(af, af == AF_INET6 ? (const void *)&r[i].dst6 : (const void *)&r[i].dst, b,
			  sizeof(b));
		if (!strcmp(b, dst))
			return &r[i];
	}
	return NULL;
}

static void test_lists_both_tables(void **state)
{
	struct fixture *f = *state;
	struct ustack_route r[32];
	const struct ustack_route *x;
	struct in6_addr gw6 = in6("2001:db8:1::1"), net6 = in6("2001:db8:77::");
	char b[INET6_ADDRSTRLEN];
	size_t n;

	assert_int_equal(ustack_set_gateway(f->st, in4("10.0.1.1")), 0);
	assert_int_equal(ustack_route_add(f->st, in4("192.168.5.0"), 24, in4("10.0.1.2"), -1), 0);
	assert_int_equal(ustack_set_gateway6(f->st, &gw6, -1), 0);
	assert_int_equal(ustack_route_add6(f->st, &net6, 48, NULL, f->ifx), 0);
	n = ustack_routes(f->st, r, 32);

	x = find(r, n, AF_INET, "10.0.1.0", 24);
	assert_non_null(x);
	assert_false(x->has_gw);
	assert_string_equal(x->origin, "connected");
	assert_int_equal(x->ifindex, f->ifx);
	assert_int_equal(x->expires_s, 0xffffffffu);
	x = find(r, n, AF_INET, "0.0.0.0", 0);
	assert_non_null(x);
	assert_true(x->has_gw);
	assert_string_equal(inet_ntop(AF_INET, &x->gw, b, sizeof(b)), "10.0.1.1");
	assert_string_equal(x->origin, "static");
	assert_non_null(find(r, n, AF_INET, "192.168.5.0", 24));

	x = find(r, n, AF_INET6, "2001:db8:1::", 64);
	assert_non_null(x);
	assert_false(x->has_gw);
	assert_string_equal(x->origin, "connected");
	x = find(r, n, AF_INET6, "::", 0);
	assert_non_null(x);
	assert_true(x->has_gw);
	assert_string_equal(inet_ntop(AF_INET6, &x->gw6, b, sizeof(b)), "2001:db8:1::1");
	assert_string_equal(x->origin, "static");
	assert_int_equal(x->ifindex, f->ifx);
	x = find(r, n, AF_INET6, "2001:db8:77::", 48);
	assert_non_null(x);
	assert_false(x->has_gw);

	/* IPv4 first, then IPv6 */
	for (size_t i = 1; i < n; i++)
		assert_false(r[i - 1].family == AF_INET6 && r[i].family == AF_INET);
	/* a short buffer takes what fits */
	assert_int_equal(ustack_routes(f->st, r, 2), 2);
	assert_int_equal(ustack_routes(f->st, r, 0), 0);
}

static void test_lifetime_and_expiry(void **state)
{
	struct fixture *f = *state;
	struct ustack_route r[32];
	const struct ustack_route *x;
	const struct in6_addr any = IN6ADDR_ANY_INIT;
	struct in6_addr rtr = in6("fe80::1");
	size_t n;

	/* a default router from an RA, 600 s from now */
	assert_int_equal(route6_add(f->st, any.s6_addr, 0, rtr.s6_addr, f->ifx, ROUTE6_RA,
				    f->st->now + 600ull * 1000000), 0);
	n = ustack_routes(f->st, r, 32);
	x = find(r, n, AF_INET6, "::", 0);
	assert_non_null(x);
	assert_string_equal(x->origin, "ra");
	assert_int_equal(x->expires_s, 600);
	ustack_step(f->st, f->st->now + 200ull * 1000000);
	n = ustack_routes(f->st, r, 32);
	x = find(r, n, AF_INET6, "::", 0);
	assert_non_null(x);
	assert_int_equal(x->expires_s, 400);
	/* once its lifetime is over it is not listed, swept or not */
	f->st->now += 400ull * 1000000;
	n = ustack_routes(f->st, r, 32);
	assert_null(find(r, n, AF_INET6, "::", 0));
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	struct in6_addr mc = in6("ff02::1"), any = in6("::"), far = in6("2001:db8:9::1");
	struct ustack_route r[4];

	errno = 0;
	assert_int_equal(ustack_set_gateway6(f->st, &mc, f->ifx), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ustack_set_gateway6(f->st, &any, f->ifx), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ustack_set_gateway6(f->st, NULL, f->ifx), -1);
	assert_int_equal(errno, EINVAL);
	/* not on a connected prefix, no interface named */
	errno = 0;
	assert_int_equal(ustack_set_gateway6(f->st, &far, -1), -1);
	assert_int_equal(errno, ENETUNREACH);
	errno = 0;
	assert_int_equal(ustack_route_add6(f->st, &far, 129, NULL, f->ifx), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ustack_route_add(NULL, in4("10.0.0.0"), 8, in4("0.0.0.0"), 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_routes(NULL, r, 4), 0);
	assert_int_equal(ustack_routes(f->st, NULL, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lists_both_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifetime_and_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
