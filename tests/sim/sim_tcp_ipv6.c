/* sim_tcp_ipv6.c - TCP and UDP over IPv6 through the same code as IPv4, on the virtual
 * clock, with blocking sockets driven by lib_sockdrv:
 *   - two hosts on an impaired link (3% loss, 2% reordering, duplicates, both ways):
 *     1 MiB each way at once over one AF_INET6 connection between global addresses,
 *     byte-exact; UDP datagrams that arrive are intact and come from the IPv6 peer;
 *   - hosts A and B joined by a ustack router whose link to B has MTU 1300 while B's
 *     own MTU is 1500 (so B's MSS option does not cap A): A's full-size segments get
 *     Packet Too Big from the router, A lowers the live connection's segment size to
 *     1300 - 60 (RFC 8201; TCP_INFO's snd_mss says so) and the transfer completes
 *     byte-exact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/ustack.h"
#include "ustack/socket.h"
#include "lib_simnet.h"
#include "lib_sockdrv.h"

#define SEC 1000000ull

static struct sockaddr_in6 sin6_of(const char *ip, uint16_t port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET6, ip, &s.sin6_addr), 1);
	return s;
}

static void add6(struct ustack *st, int ifx, const char *ip)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, ip, &a), 1);
	assert_int_equal(ustack_if_add6(st, ifx, &a, 64), 0);
}

struct xfer {
	struct ustack *st;
	int fd;
	size_t n;
	uint8_t seed;
	int rc;                /* 0: all sent / all received and equal */
	struct sockdrv *drv;
};

static uint8_t pattern(size_t i, uint8_t seed) { return (uint8_t)(i * 131 + seed + (i >> 11)); }

static void *sender(void *arg)
{
	struct xfer *x = arg;
	uint8_t buf[16384];
	size_t off = 0;

	while (off < x->n) {
		size_t k = x->n - off < sizeof(buf) ? x->n - off : sizeof(buf);

		for (size_t i = 0; i < k; i++)
			buf[i] = pattern(off + i, x->seed);
		ssize_t w = ustack_send(x->st, x->fd, buf, k, 0);
		if (w <= 0) {
			x->rc = -1;
			break;
		}
		off += (size_t)w;
	}
	sockdrv_app_done(x->drv);
	return NULL;
}

static void *receiver(void *arg)
{
	struct xfer *x = arg;
	uint8_t buf[16384];
	size_t off = 0;

	x->rc = 0;
	while (off < x->n) {
		ssize_t r = ustack_recv(x->st, x->fd, buf, sizeof(buf), 0);
		if (r <= 0) {
			x->rc = -1;
			break;
		}
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != pattern(off + (size_t)i, x->seed))
				x->rc = -2;
		off += (size_t)r;
	}
	sockdrv_app_done(x->drv);
	return NULL;
}

/* Connects client (on cst) to [dst]:port served by sst; fds out. */
static void connect6(struct ustack *cst, struct ustack *sst, const char *dst, uint16_t port, int *cfd,
		     int *afd)
{
	int lfd = ustack_socket(sst, AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 any = sin6_of("::", port), to = sin6_of(dst, port);

	assert_true(lfd >= 0);
	assert_int_equal(ustack_bind(sst, lfd, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_listen(sst, lfd, 4), 0);
	*cfd = ustack_socket(cst, AF_INET6, SOCK_STREAM, 0);
	assert_int_equal(ustack_connect(cst, *cfd, (struct sockaddr *)&to, sizeof(to)), 0);
	*afd = ustack_accept(sst, lfd, NULL, NULL);
	assert_true(*afd >= 0);
	ustack_close(sst, lfd);
}

/* Wait us of virtual time (a receive that times out). */
static void vsleep(struct ustack *st, uint64_t us)
{
	int fd = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { .tv_sec = (time_t)(us / SEC), .tv_usec = (suseconds_t)(us % SEC) };
	char b;

	assert_int_equal(ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(ustack_recv(st, fd, &b, 1, 0), -1);
	ustack_close(st, fd);
}

static void test_tcp_udp_ipv6_impaired(void **state)
{
	(void)state;
	struct ustack_impair imp = { .seed = 77, .loss = 0.03, .reorder = 0.02, .duplicate = 0.01,
				     .delay_us = 2000, .rx = false };
	struct simnet *sn = simnet_new(1 * SEC);
	struct ustack_vnet *vn = simnet_vnet(sn);
	struct ustack *a = simnet_stack(sn, "a", NULL), *b = simnet_stack(sn, "b", NULL);
	int ia = simnet_attach(sn, a, vn, "10.0.0.1/24", 0, &imp, NULL);
	imp.seed = 78;
	int ib = simnet_attach(sn, b, vn, "10.0.0.2/24", 0, &imp, NULL);
	struct ustack *all[] = { a, b };
	struct sockdrv *drv = sockdrv_start(sn, all, 2, 1, 600 * SEC);

	add6(a, ia, "2001:db8:5::1");
	add6(b, ib, "2001:db8:5::2");
	vsleep(a, 4 * SEC);                              /* DAD */

	int cfd, afd;
	connect6(a, b, "2001:db8:5::2", 7000, &cfd, &afd);
	/* netstat's view: an IPv6 connection with both ends */
	struct ustack_sockinfo si[8];
	size_t ns = ustack_sockets(a, si, 8);
	bool seen = false;
	for (size_t i = 0; i < ns && i < 8; i++) {
		char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

		if (si[i].proto != IPPROTO_TCP || si[i].family != AF_INET6)
			continue;
		inet_ntop(AF_INET6, &si[i].local6.sin6_addr, l, sizeof(l));
		inet_ntop(AF_INET6, &si[i].remote6.sin6_addr, r, sizeof(r));
		seen = !strcmp(l, "2001:db8:5::1") && !strcmp(r, "2001:db8:5::2") &&
		       ntohs(si[i].remote6.sin6_port) == 7000 && !strcmp(si[i].state, "ESTABLISHED");
	}
	assert_true(seen);
	const size_t n = 1 << 20;
	struct xfer x[4] = {
		{ a, cfd, n, 1, 0, drv }, { b, afd, n, 1, 0, drv },
		{ b, afd, n, 2, 0, drv }, { a, cfd, n, 2, 0, drv },
	};
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		sockdrv_app_begin(drv);
	pthread_create(&t[0], NULL, sender, &x[0]);
	pthread_create(&t[1], NULL, receiver, &x[1]);
	pthread_create(&t[2], NULL, sender, &x[2]);
	pthread_create(&t[3], NULL, receiver, &x[3]);
	sockdrv_app_done(drv);                           /* this thread waits in join */
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	sockdrv_app_begin(drv);
	for (int i = 0; i < 4; i++)
		assert_int_equal(x[i].rc, 0);
	struct ustack_stats sa, sb;
	ustack_get_stats(a, &sa);
	ustack_get_stats(b, &sb);
	assert_true(sa.tcp_retransmits + sb.tcp_retransmits > 0);   /* loss happened */
	ustack_close(a, cfd);
	ustack_close(b, afd);

	/* UDP: what arrives is whole and from the IPv6 peer */
	int u1 = ustack_socket(b, AF_INET6, SOCK_DGRAM, 0), u2 = ustack_socket(a, AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 any = sin6_of("::", 7001), to = sin6_of("2001:db8:5::2", 7001);
	struct timeval tv = { .tv_sec = 2 };
	assert_int_equal(ustack_bind(b, u1, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_setsockopt(b, u1, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	char msg[1200];
	for (int i = 0; i < 50; i++) {
		memset(msg, 'a' + i % 26, sizeof(msg));
		assert_int_equal(ustack_sendto(a, u2, msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)),
				 (ssize_t)sizeof(msg));
	}
	int got = 0;
	for (;;) {
		char in[1500];
		struct sockaddr_in6 from;
		socklen_t fl = sizeof(from);
		ssize_t r = ustack_recvfrom(b, u1, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
		if (r < 0)
			break;
		assert_int_equal(r, (ssize_t)sizeof(msg));
		for (size_t k = 1; k < sizeof(msg); k++)
			assert_int_equal(in[k], in[0]);
		struct sockaddr_in6 want = sin6_of("2001:db8:5::1", 0);
		assert_memory_equal(&from.sin6_addr, &want.sin6_addr, 16);
		got++;
	}
	assert_true(got >= 35 && got <= 60);

	/* a closed port: ICMPv6 port unreachable (RFC 4443 3.1) makes a connected socket's
	 * next call fail with ECONNREFUSED, as over IPv4 */
	struct sockaddr_in6 closed = sin6_of("2001:db8:5::2", 7999);
	struct ustack_stats before, after;
	ustack_get_stats(b, &before);
	int u3 = ustack_socket(a, AF_INET6, SOCK_DGRAM, 0);
	assert_int_equal(ustack_connect(a, u3, (struct sockaddr *)&closed, sizeof(closed)), 0);
	assert_int_equal(ustack_setsockopt(a, u3, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	int refused = 0;
	for (int i = 0; i < 5 && !refused; i++) {           /* the link loses frames */
		char in[8];
		if (ustack_send(a, u3, "x", 1, 0) < 0 && errno == ECONNREFUSED)
			refused = 1;
		else if (ustack_recv(a, u3, in, sizeof(in), 0) < 0 && errno == ECONNREFUSED)
			refused = 1;
	}
	assert_true(refused);
	ustack_get_stats(b, &after);
	assert_true(after.icmp6_out > before.icmp6_out);
	ustack_close(a, u3);
	ustack_close(a, u2);
	ustack_close(b, u1);
	sockdrv_stop(drv);
	simnet_free(sn);
}

static void test_packet_too_big_lowers_mss(void **state)
{
	(void)state;
	struct ustack_config rc = { .forwarding = true };
	struct simnet *sn = simnet_new(1 * SEC);
	struct ustack_vnet *l1 = simnet_vnet(sn), *l2 = simnet_vnet(sn);
	struct ustack *a = simnet_stack(sn, "a", NULL), *r = simnet_stack(sn, "r", &rc),
		      *b = simnet_stack(sn, "b", NULL);
	int ia = simnet_attach(sn, a, l1, "10.0.1.1/24", 0, NULL, NULL);
	int r1 = simnet_attach(sn, r, l1, "10.0.1.254/24", 0, NULL, NULL);
	int r2 = simnet_attach(sn, r, l2, "10.0.2.254/24", 1300, NULL, NULL);
	int ib = simnet_attach(sn, b, l2, "10.0.2.1/24", 0, NULL, NULL);
	struct ustack *all[] = { a, r, b };
	struct sockdrv *drv = sockdrv_start(sn, all, 3, 1, 600 * SEC);
	struct in6_addr gw_a, gw_b, any6 = IN6ADDR_ANY_INIT;

	add6(a, ia, "2001:db8:1::1");
	add6(r, r1, "2001:db8:1::ff");
	add6(r, r2, "2001:db8:2::ff");
	add6(b, ib, "2001:db8:2::1");
	inet_pton(AF_INET6, "2001:db8:1::ff", &gw_a);
	inet_pton(AF_INET6, "2001:db8:2::ff", &gw_b);
	vsleep(a, 4 * SEC);                              /* DAD */
	assert_int_equal(ustack_route_add6(a, &any6, 0, &gw_a, -1), 0);
	assert_int_equal(ustack_route_add6(b, &any6, 0, &gw_b, -1), 0);

	int cfd, afd;
	connect6(a, b, "2001:db8:2::1", 7100, &cfd, &afd);
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	assert_int_equal(ustack_getsockopt(a, cfd, IPPROTO_TCP, TCP_INFO, &ti, &tl), 0);
	assert_int_equal(ti.tcpi_snd_mss, 1500 - 60);    /* B's MSS option: its own MTU */

	const size_t n = 256 * 1024;
	struct xfer x[2] = { { a, cfd, n, 5, 0, drv }, { b, afd, n, 5, 0, drv } };
	pthread_t t[2];
	sockdrv_app_begin(drv);
	sockdrv_app_begin(drv);
	pthread_create(&t[0], NULL, sender, &x[0]);
	pthread_create(&t[1], NULL, receiver, &x[1]);
	sockdrv_app_done(drv);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	sockdrv_app_begin(drv);
	assert_int_equal(x[0].rc, 0);
	assert_int_equal(x[1].rc, 0);
	tl = sizeof(ti);
	assert_int_equal(ustack_getsockopt(a, cfd, IPPROTO_TCP, TCP_INFO, &ti, &tl), 0);
	assert_int_equal(ti.tcpi_snd_mss, 1300 - 60);    /* lowered by Packet Too Big */
	struct ustack_stats sr, sa;
	ustack_get_stats(r, &sr);
	ustack_get_stats(a, &sa);
	assert_true(sr.icmp6_out >= 1);                  /* the router's Packet Too Big */
	assert_true(sa.icmp6_in >= 1);
	ustack_close(a, cfd);
	ustack_close(b, afd);
	sockdrv_stop(drv);
	simnet_free(sn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_udp_ipv6_impaired),
		cmocka_unit_test(test_packet_too_big_lowers_mss),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
