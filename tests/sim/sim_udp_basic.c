/* sim_udp_basic.c - UDP between stacks on a vnet, on the virtual clock (RFC 768,
 * RFC 1122 4.1.3): datagram sizes around the MTU and the 65507 limit, the receive
 * queue bound, port unreachable on a connected socket, SO_BROADCAST, demultiplexing
 * (connected before wildcard), ephemeral ports, SO_REUSEADDR. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib_simnet.h"
#include "ustack/socket.h"

struct net {
	struct simnet *sn;
	struct ustack *a, *b, *c;
};

static int setup(void **state)
{
	struct net *n = calloc(1, sizeof(*n));

	n->sn = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(n->sn);
	n->a = simnet_stack(n->sn, "a", NULL);
	n->b = simnet_stack(n->sn, "b", NULL);
	n->c = simnet_stack(n->sn, "c", NULL);
	simnet_attach(n->sn, n->a, vn, "10.0.0.1/24", 0, NULL, NULL);
	simnet_attach(n->sn, n->b, vn, "10.0.0.2/24", 0, NULL, NULL);
	simnet_attach(n->sn, n->c, vn, "10.0.0.3/24", 0, NULL, NULL);
	simnet_run_for(n->sn, 100000);
	*state = n;
	return 0;
}

static int teardown(void **state)
{
	struct net *n = *state;

	simnet_free(n->sn);
	free(n);
	return 0;
}

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	s.sin_addr.s_addr = simnet_addr(ip);
	return s;
}

static int udp_bound(struct ustack *st, const char *ip, uint16_t port)
{
	int fd = ustack_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	struct sockaddr_in s = sin_of(ip, port);
	assert_int_equal(ustack_bind(st, fd, (struct sockaddr *)&s, sizeof(s)), 0);
	return fd;
}

static uint64_t drops(struct ustack *st, int reason)
{
	struct ustack_stats s;

	ustack_get_stats(st, &s);
	return s.drops[reason];
}

/* Sizes 1, 1472 (one full frame), 1473 (two fragments) and 65507 arrive whole. */
static void test_sizes(void **state)
{
	struct net *n = *state;
	static const size_t sizes[] = { 1, 1472, 1473, 8000, 65507 };
	uint8_t *buf = malloc(65536), *got = malloc(65536);
	int rx = udp_bound(n->b, "0.0.0.0", 5000);
	int tx = ustack_socket(n->a, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 5000);

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t k = 0; k < sizes[i]; k++)
			buf[k] = (uint8_t)(k * 7 + i);
		ssize_t s = ustack_sendto(n->a, tx, buf, sizes[i], 0, (struct sockaddr *)&to, sizeof(to));
		assert_int_equal(s, (ssize_t)sizes[i]);
		simnet_run_for(n->sn, 50000);
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		memset(got, 0, 65536);
		ssize_t r = ustack_recvfrom(n->b, rx, got, 65536, 0, (struct sockaddr *)&from, &fl);
		assert_int_equal(r, (ssize_t)sizes[i]);
		assert_memory_equal(got, buf, sizes[i]);
		assert_int_equal(fl, sizeof(from));
		assert_int_equal(from.sin_addr.s_addr, simnet_addr("10.0.0.1"));
		uint16_t sport = ntohs(from.sin_port);
		assert_true(sport >= 49152);            /* RFC 6056: the ephemeral range */
	}
	/* one more than the largest datagram IPv4 can carry */
	assert_int_equal(ustack_sendto(n->a, tx, buf, 65508, 0, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, EMSGSIZE);
	/* MSG_TRUNC reports the real length of a datagram larger than the buffer */
	assert_int_equal(ustack_sendto(n->a, tx, buf, 100, 0, (struct sockaddr *)&to, sizeof(to)), 100);
	simnet_run_for(n->sn, 50000);
	assert_int_equal(ustack_recv(n->b, rx, got, 10, MSG_PEEK), 10);
	assert_int_equal(ustack_recv(n->b, rx, got, 10, MSG_TRUNC), 100);
	assert_int_equal(ustack_recv(n->b, rx, got, 10, 0), -1);
	assert_int_equal(errno, EAGAIN);
	ustack_close(n->a, tx);
	ustack_close(n->b, rx);
	free(buf);
	free(got);
}

/* SO_RCVBUF bounds the queue; the overflow is counted, not queued. */
static void test_queue_overflow(void **state)
{
	struct net *n = *state;
	int rx = udp_bound(n->b, "10.0.0.2", 5001);
	int small = 2000;
	assert_int_equal(ustack_setsockopt(n->b, rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	int tx = ustack_socket(n->a, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 5001);
	uint8_t buf[600] = { 0 };

	/* resolve ARP first: its pending queue holds only a few datagrams */
	assert_int_equal(ustack_sendto(n->a, tx, buf, 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	simnet_run_for(n->sn, 50000);
	assert_int_equal(ustack_recv(n->b, rx, buf, sizeof(buf), 0), 1);
	uint64_t before = drops(n->b, USTACK_DROP_UDP_RCVBUF_FULL);

	for (int i = 0; i < 10; i++) {
		buf[0] = (uint8_t)i;
		assert_int_equal(ustack_sendto(n->a, tx, buf, sizeof(buf), 0, (struct sockaddr *)&to,
					       sizeof(to)), (ssize_t)sizeof(buf));
	}
	simnet_run_for(n->sn, 50000);
	int got = 0;
	while (ustack_recv(n->b, rx, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf)) {
		assert_int_equal(buf[0], got);          /* in order, the first ones */
		got++;
	}
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(got, 3);                       /* 3 * 600 <= 2000 < 4 * 600 */
	assert_int_equal(drops(n->b, USTACK_DROP_UDP_RCVBUF_FULL) - before, 7);
	ustack_close(n->a, tx);
	ustack_close(n->b, rx);
}

/* RFC 1122 4.1.3.1 / Linux: port unreachable comes back as ECONNREFUSED on a connected
 * socket, reported by the next call. */
static void test_port_unreachable(void **state)
{
	struct net *n = *state;
	int fd = ustack_socket(n->a, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 6000);
	uint64_t before = drops(n->b, USTACK_DROP_UDP_NO_PORT);

	assert_int_equal(ustack_connect(n->a, fd, (struct sockaddr *)&to, sizeof(to)), 0);
	/* connect() chose the source address and an ephemeral port (as Linux) */
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);
	assert_int_equal(ustack_getsockname(n->a, fd, (struct sockaddr *)&me, &ml), 0);
	assert_int_equal(me.sin_addr.s_addr, simnet_addr("10.0.0.1"));
	assert_true(ntohs(me.sin_port) >= 49152);
	assert_int_equal(ustack_send(n->a, fd, "x", 1, 0), 1);
	simnet_run_for(n->sn, 50000);
	assert_int_equal(drops(n->b, USTACK_DROP_UDP_NO_PORT) - before, 1);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(ustack_poll(n->a, &p, 1, 0), 1);
	assert_true(p.revents & POLLERR);
	char c;
	assert_int_equal(ustack_recv(n->a, fd, &c, 1, 0), -1);
	assert_int_equal(errno, ECONNREFUSED);
	/* reported once */
	assert_int_equal(ustack_recv(n->a, fd, &c, 1, 0), -1);
	assert_int_equal(errno, EAGAIN);
	/* again, this time through send and SO_ERROR */
	assert_int_equal(ustack_send(n->a, fd, "x", 1, 0), 1);
	simnet_run_for(n->sn, 50000);
	int err = 0;
	socklen_t el = sizeof(err);
	assert_int_equal(ustack_getsockopt(n->a, fd, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	assert_int_equal(err, ECONNREFUSED);
	assert_int_equal(ustack_send(n->a, fd, "x", 1, 0), 1);
	simnet_run_for(n->sn, 50000);
	assert_int_equal(ustack_send(n->a, fd, "x", 1, 0), -1);
	assert_int_equal(errno, ECONNREFUSED);
	ustack_close(n->a, fd);
}

/* An unconnected socket hears no ICMP errors (Linux without IP_RECVERR). */
static void test_unconnected_no_error(void **state)
{
	struct net *n = *state;
	int fd = ustack_socket(n->a, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 6001);
	char c;

	assert_int_equal(ustack_sendto(n->a, fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	simnet_run_for(n->sn, 50000);
	assert_int_equal(ustack_recv(n->a, fd, &c, 1, 0), -1);
	assert_int_equal(errno, EAGAIN);
	ustack_close(n->a, fd);
}

static void test_broadcast(void **state)
{
	struct net *n = *state;
	int rx_b = udp_bound(n->b, "0.0.0.0", 5002);
	int rx_c = udp_bound(n->c, "0.0.0.0", 5002);
	int rx_spec = udp_bound(n->c, "10.0.0.3", 5003);
	int tx = ustack_socket(n->a, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.255", 5002);
	struct sockaddr_in all = sin_of("255.255.255.255", 5002);
	uint64_t nop = drops(n->b, USTACK_DROP_UDP_NO_PORT);
	char buf[16];

	assert_int_equal(ustack_sendto(n->a, tx, "hi", 2, 0, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, EACCES);
	int on = 1;
	assert_int_equal(ustack_setsockopt(n->a, tx, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)), 0);
	int v = 0;
	socklen_t vl = sizeof(v);
	assert_int_equal(ustack_getsockopt(n->a, tx, SOL_SOCKET, SO_BROADCAST, &v, &vl), 0);
	assert_int_equal(v, 1);
	assert_int_equal(ustack_sendto(n->a, tx, "hi", 2, 0, (struct sockaddr *)&to, sizeof(to)), 2);
	assert_int_equal(ustack_sendto(n->a, tx, "yo", 2, 0, (struct sockaddr *)&all, sizeof(all)), 2);
	simnet_run_for(n->sn, 50000);
	assert_int_equal(ustack_recv(n->b, rx_b, buf, sizeof(buf), 0), 2);
	assert_memory_equal(buf, "hi", 2);
	assert_int_equal(ustack_recv(n->b, rx_b, buf, sizeof(buf), 0), 2);
	assert_memory_equal(buf, "yo", 2);
	assert_int_equal(ustack_recv(n->c, rx_c, buf, sizeof(buf), 0), 2);
	assert_int_equal(ustack_recv(n->c, rx_c, buf, sizeof(buf), 0), 2);
	/* a socket bound to a unicast address does not hear broadcasts, and no one answers
	 * a broadcast with port unreachable */
	struct sockaddr_in to3 = sin_of("10.0.0.255", 5003);
	assert_int_equal(ustack_sendto(n->a, tx, "zz", 2, 0, (struct sockaddr *)&to3, sizeof(to3)), 2);
	simnet_run_for(n->sn, 50000);
	assert_int_equal(ustack_recv(n->c, rx_spec, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	assert_true(drops(n->b, USTACK_DROP_UDP_NO_PORT) > nop);
	ustack_close(n->a, tx);
	ustack_close(n->b, rx_b);
	ustack_close(n->c, rx_c);
	ustack_close(n->c, rx_spec);
}

/* A connected socket takes only its peer's datagrams and wins over a wildcard bind. */
static void test_demux(void **state)
{
	struct net *n = *state;
	int one = 1;
	int wild = ustack_socket(n->b, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int conn = ustack_socket(n->b, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_int_equal(ustack_setsockopt(n->b, wild, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	assert_int_equal(ustack_setsockopt(n->b, conn, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	struct sockaddr_in any = sin_of("0.0.0.0", 5004);
	assert_int_equal(ustack_bind(n->b, wild, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_bind(n->b, conn, (struct sockaddr *)&any, sizeof(any)), 0);
	int ta = udp_bound(n->a, "0.0.0.0", 7000);
	int tc = udp_bound(n->c, "0.0.0.0", 7000);
	struct sockaddr_in peer = sin_of("10.0.0.1", 7000);
	assert_int_equal(ustack_connect(n->b, conn, (struct sockaddr *)&peer, sizeof(peer)), 0);
	struct sockaddr_in pn;
	socklen_t pl = sizeof(pn);
	assert_int_equal(ustack_getpeername(n->b, conn, (struct sockaddr *)&pn, &pl), 0);
	assert_int_equal(pn.sin_port, htons(7000));

	struct sockaddr_in to = sin_of("10.0.0.2", 5004);
	assert_int_equal(ustack_sendto(n->a, ta, "A", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	assert_int_equal(ustack_sendto(n->c, tc, "C", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	simnet_run_for(n->sn, 50000);
	char c;
	assert_int_equal(ustack_recv(n->b, conn, &c, 1, 0), 1);
	assert_int_equal(c, 'A');
	assert_int_equal(ustack_recv(n->b, conn, &c, 1, 0), -1);
	assert_int_equal(ustack_recv(n->b, wild, &c, 1, 0), 1);
	assert_int_equal(c, 'C');
	/* send on a connected socket goes to the peer; sendto a connected one elsewhere too */
	assert_int_equal(ustack_send(n->b, conn, "r", 1, 0), 1);
	simnet_run_for(n->sn, 50000);
	assert_int_equal(ustack_recv(n->a, ta, &c, 1, 0), 1);
	assert_int_equal(c, 'r');
	/* AF_UNSPEC dissolves the association */
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	assert_int_equal(ustack_connect(n->b, conn, &unspec, sizeof(unspec)), 0);
	assert_int_equal(ustack_getpeername(n->b, conn, (struct sockaddr *)&pn, &pl), -1);
	assert_int_equal(errno, ENOTCONN);
	assert_int_equal(ustack_send(n->b, conn, "r", 1, 0), -1);
	assert_int_equal(errno, EDESTADDRREQ);
	ustack_close(n->b, wild);
	ustack_close(n->b, conn);
	ustack_close(n->a, ta);
	ustack_close(n->c, tc);
}

static void test_bind_rules(void **state)
{
	struct net *n = *state;
	int a = ustack_socket(n->a, AF_INET, SOCK_DGRAM, 0);
	int b = ustack_socket(n->a, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in s = sin_of("0.0.0.0", 5005);
	struct sockaddr_in spec = sin_of("10.0.0.1", 5005);
	struct sockaddr_in other = sin_of("10.0.0.2", 5006);

	assert_int_equal(ustack_bind(n->a, a, (struct sockaddr *)&s, sizeof(s)), 0);
	assert_int_equal(ustack_bind(n->a, b, (struct sockaddr *)&s, sizeof(s)), -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_int_equal(ustack_bind(n->a, b, (struct sockaddr *)&spec, sizeof(spec)), -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_int_equal(ustack_bind(n->a, b, (struct sockaddr *)&other, sizeof(other)), -1);
	assert_int_equal(errno, EADDRNOTAVAIL);
	/* bound twice */
	assert_int_equal(ustack_bind(n->a, a, (struct sockaddr *)&s, sizeof(s)), -1);
	assert_int_equal(errno, EINVAL);
	/* ephemeral ports: all in range, all different */
	int fds[50];
	uint16_t seen[50];
	for (int i = 0; i < 50; i++) {
		fds[i] = ustack_socket(n->a, AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in z = sin_of("0.0.0.0", 0), got;
		socklen_t gl = sizeof(got);
		assert_int_equal(ustack_bind(n->a, fds[i], (struct sockaddr *)&z, sizeof(z)), 0);
		assert_int_equal(ustack_getsockname(n->a, fds[i], (struct sockaddr *)&got, &gl), 0);
		seen[i] = ntohs(got.sin_port);
		assert_true(seen[i] >= 49152);
		for (int k = 0; k < i; k++)
			assert_int_not_equal(seen[k], seen[i]);
	}
	for (int i = 0; i < 50; i++)
		ustack_close(n->a, fds[i]);
	ustack_close(n->a, a);
	ustack_close(n->a, b);
}

/* netstat: UDP sockets with their queues. */
static void test_sockets_table(void **state)
{
	struct net *n = *state;
	int rx = udp_bound(n->b, "0.0.0.0", 5007);
	int tx = ustack_socket(n->a, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 5007);

	assert_int_equal(ustack_sendto(n->a, tx, "12345", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
	simnet_run_for(n->sn, 50000);
	struct ustack_sockinfo si[8];
	size_t cnt = ustack_sockets(n->b, si, 8);
	bool found = false;
	for (size_t i = 0; i < cnt && i < 8; i++) {
		if (si[i].proto == IPPROTO_UDP && si[i].local.sin_port == htons(5007)) {
			found = true;
			assert_int_equal(si[i].fd, rx);
			assert_int_equal(si[i].recv_q, 5);
			assert_string_equal(si[i].state, "");
		}
	}
	assert_true(found);
	ustack_close(n->a, tx);
	ustack_close(n->b, rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unconnected_no_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_demux, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sockets_table, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
