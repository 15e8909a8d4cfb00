/* sim_net_ipv6.c - IPv6 across a ustack router on a virtual clock: two links, hosts A
 * (2001:db8:1::1) and B (2001:db8:2::1), router R (forwarding) with an address on each;
 * addresses configured statically (nd_addr_add, DAD run), routes through R.
 *   - A pings B: the reply comes back with B's hop limit less one (R decremented it);
 *   - hop limit 1: R answers time exceeded (hop limit), B never sees the request;
 *   - no route at R: destination unreachable, no route;
 *   - R's link to B has MTU 1300: a 1400-byte ping from A gets Packet Too Big from R
 *     (routers never fragment), A's path MTU to B becomes 1300, and the next 1400-byte
 *     ping is fragmented at A and answered;
 *   - a 4000-byte ping is fragmented both ways and answered intact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "lib_simnet.h"
#include "core/iface.h"
#include "core/stack.h"
#include "net/ipv6.h"
#include "net/nd.h"
#include "wire/icmp6.h"

#define SEC 1000000ull

struct net6 {
	struct simnet *sn;
	struct ustack *a, *r, *b;
	int a_if, r_if1, r_if2, b_if;
};

static void a6(const char *s, uint8_t out[16]) { assert_int_equal(inet_pton(AF_INET6, s, out), 1); }

static void addr(struct ustack *st, int ifindex, const char *s, int plen)
{
	uint8_t a[16];

	a6(s, a);
	pthread_mutex_lock(&st->lock);
	assert_int_equal(nd_addr_add(st, iface_get(st, ifindex), a, plen, IF6_F_STATIC, 0xffffffffu,
				     0xffffffffu), 0);
	pthread_mutex_unlock(&st->lock);
}

static void route(struct ustack *st, const char *dst, int plen, const char *gw)
{
	struct in6_addr d, g;

	assert_int_equal(inet_pton(AF_INET6, dst, &d), 1);
	assert_int_equal(inet_pton(AF_INET6, gw, &g), 1);
	assert_int_equal(ustack_route_add6(st, &d, plen, &g, -1), 0);
}

static void net6_up(struct net6 *n, unsigned mtu2)
{
	struct ustack_config rc = { .forwarding = true };
	struct ustack_vnet *l1, *l2;

	n->sn = simnet_new(1 * SEC);
	l1 = simnet_vnet(n->sn);
	l2 = simnet_vnet(n->sn);
	n->a = simnet_stack(n->sn, "a", NULL);
	n->r = simnet_stack(n->sn, "r", &rc);
	n->b = simnet_stack(n->sn, "b", NULL);
	n->a_if = simnet_attach(n->sn, n->a, l1, "10.0.1.1/24", 0, NULL, NULL);
	n->r_if1 = simnet_attach(n->sn, n->r, l1, "10.0.1.254/24", 0, NULL, NULL);
	n->r_if2 = simnet_attach(n->sn, n->r, l2, "10.0.2.254/24", mtu2, NULL, NULL);
	n->b_if = simnet_attach(n->sn, n->b, l2, "10.0.2.1/24", mtu2, NULL, NULL);
	addr(n->a, n->a_if, "2001:db8:1::1", 64);
	addr(n->r, n->r_if1, "2001:db8:1::ff", 64);
	addr(n->r, n->r_if2, "2001:db8:2::ff", 64);
	addr(n->b, n->b_if, "2001:db8:2::1", 64);
	route(n->a, "::", 0, "2001:db8:1::ff");
	route(n->b, "::", 0, "2001:db8:2::ff");
	simnet_run_for(n->sn, 5 * SEC);          /* DAD done everywhere */
}

static int ping6(struct net6 *n, struct ustack *from, const char *dst, uint16_t seq, size_t len,
		 uint8_t hops, struct ustack_ping_reply *out)
{
	struct in6_addr d;

	assert_int_equal(inet_pton(AF_INET6, dst, &d), 1);
	assert_int_equal(ustack_ping6_send(from, &d, -1, 99, seq, NULL, len, hops), 0);
	for (int i = 0; i < 2000; i++) {
		if (ustack_ping_recv(from, 99, out, 0) == 0)
			return 0;
		simnet_step(n->sn, simnet_now(n->sn) + 10000);
	}
	return -1;
}

static void assert_from(const struct ustack_ping_reply *r, const char *s)
{
	uint8_t a[16];

	a6(s, a);
	assert_int_equal(r->family, AF_INET6);
	assert_memory_equal(&r->from6, a, 16);
}

static void test_ping_across(void **state)
{
	struct net6 n;
	struct ustack_ping_reply r;

	(void)state;
	net6_up(&n, 0);
	assert_int_equal(ping6(&n, n.a, "2001:db8:2::1", 1, 56, 0, &r), 0);
	assert_int_equal(r.type, ICMP6_ECHO_REPLY);
	assert_from(&r, "2001:db8:2::1");
	assert_true(r.payload_ok);
	assert_int_equal(r.ttl, 63);             /* B's 64, less R's hop */
	assert_true(n.r->stats.ip6_forwarded >= 2);
	/* hop limit 1: R says time exceeded, B never sees it */
	uint64_t b_in = n.b->stats.icmp6_in;
	assert_int_equal(ping6(&n, n.a, "2001:db8:2::1", 2, 56, 1, &r), 0);
	assert_int_equal(r.type, ICMP6_TIME_EXCEEDED);
	assert_int_equal(r.code, ICMP6_HOP_LIMIT_EXCEEDED);
	assert_from(&r, "2001:db8:1::ff");
	assert_int_equal(n.b->stats.icmp6_in, b_in);
	assert_int_equal(n.r->stats.drops[USTACK_DROP_IP6_HOP_LIMIT], 1);
	/* no route at R */
	assert_int_equal(ping6(&n, n.a, "2001:db8:3::1", 3, 56, 0, &r), 0);
	assert_int_equal(r.type, ICMP6_DEST_UNREACH);
	assert_int_equal(r.code, ICMP6_NO_ROUTE);
	/* big: fragmented both ways */
	assert_int_equal(ping6(&n, n.a, "2001:db8:2::1", 4, 4000, 0, &r), 0);
	assert_int_equal(r.type, ICMP6_ECHO_REPLY);
	assert_true(r.payload_ok);
	assert_true(n.a->stats.ip6_frag_out >= 3 && n.b->stats.ip6_frag_out >= 3);
	assert_true(n.a->stats.ip6_reasm_ok >= 1 && n.b->stats.ip6_reasm_ok >= 1);
	simnet_free(n.sn);
}

static void test_packet_too_big(void **state)
{
	struct net6 n;
	struct ustack_ping_reply r;
	uint8_t b[16];

	(void)state;
	net6_up(&n, 1300);
	a6("2001:db8:2::1", b);
	assert_int_equal(ipv6_path_mtu(n.a, b), 1500);
	assert_int_equal(ping6(&n, n.a, "2001:db8:2::1", 1, 1400, 0, &r), 0);
	assert_int_equal(r.type, ICMP6_PACKET_TOO_BIG);
	assert_from(&r, "2001:db8:1::ff");
	assert_int_equal(n.r->stats.drops[USTACK_DROP_IP6_TOO_BIG], 1);
	pthread_mutex_lock(&n.a->lock);
	assert_int_equal(ipv6_path_mtu(n.a, b), 1300);
	pthread_mutex_unlock(&n.a->lock);
	/* the same size again: fragmented at A to fit, answered */
	assert_int_equal(ping6(&n, n.a, "2001:db8:2::1", 2, 1400, 0, &r), 0);
	assert_int_equal(r.type, ICMP6_ECHO_REPLY);
	assert_true(r.payload_ok);
	simnet_free(n.sn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_across),
		cmocka_unit_test(test_packet_too_big),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
