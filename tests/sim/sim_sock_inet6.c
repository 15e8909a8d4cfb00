/* sim_sock_inet6.c - AF_INET6 sockets on a dual-stack host, over IPv4 for now: a :: listener
 * takes IPv4 connections and shows the peers IPv4-mapped (::ffff:a.b.c.d, RFC 4291
 * 2.5.5.2) unless IPV6_V6ONLY; an AF_INET6 socket connects to a mapped address over
 * IPv4; UDP the same; the errno of misuse as Linux gives it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/time.h>

#include "lib_simnet.h"
#include "lib_sockdrv.h"
#include "ustack/socket.h"

static struct simnet *SN;
static struct ustack *C, *S;
static struct sockdrv *DRV;
static int IFC, IFS;

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	s.sin_addr.s_addr = simnet_addr(ip);
	return s;
}

static struct sockaddr_in6 sin6_of(const char *ip6, uint16_t port)
{
	struct sockaddr_in6 s;

	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	s.sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, ip6, &s.sin6_addr), 1);
	return s;
}

static void assert_mapped(const struct sockaddr_in6 *s, socklen_t len, const char *ip4,
			  uint16_t port)
{
	char txt[INET6_ADDRSTRLEN], want[64];

	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(s->sin6_family, AF_INET6);
	assert_non_null(inet_ntop(AF_INET6, &s->sin6_addr, txt, sizeof(txt)));
	snprintf(want, sizeof(want), "::ffff:%s", ip4);
	assert_string_equal(txt, want);
	if (port)
		assert_int_equal(ntohs(s->sin6_port), port);
}

static int group_setup(void **state)
{
	(void)state;
	struct ustack_config cfg = { .tcp_msl_ms = 1000 };

	SN = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(SN);
	C = simnet_stack(SN, "client", &cfg);
	S = simnet_stack(SN, "server", &cfg);
	IFC = simnet_attach(SN, C, vn, "10.0.0.1/24", 0, NULL, NULL);
	IFS = simnet_attach(SN, S, vn, "10.0.0.2/24", 0, NULL, NULL);
	struct ustack *all[] = { C, S };
	DRV = sockdrv_start(SN, all, 2, 1, 3600u * 1000000u);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sockdrv_stop(DRV);
	simnet_free(SN);
	return 0;
}

/* Bytes sent one way arrive whole and in order. */
static void exchange(struct ustack *a, int afd, struct ustack *b, int bfd, size_t n)
{
	char *out = malloc(n), *in = malloc(n);
	size_t got = 0;

	assert_non_null(out);
	assert_non_null(in);
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(i * 7 + 3);
	assert_int_equal(ustack_send(a, afd, out, n, 0), (ssize_t)n);
	while (got < n) {
		ssize_t k = ustack_recv(b, bfd, in + got, n - got, 0);
		assert_true(k > 0);
		got += (size_t)k;
	}
	assert_memory_equal(in, out, n);
	free(out);
	free(in);
}

static void test_dual_stack_listener_takes_ipv4(void **state)
{
	(void)state;
	int lfd = ustack_socket(S, AF_INET6, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	int v = -1;
	socklen_t vl = sizeof(v);
	assert_int_equal(ustack_getsockopt(S, lfd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl), 0);
	assert_int_equal(v, 0);                          /* Linux's default */
	struct sockaddr_in6 any = sin6_of("::", 8080);
	assert_int_equal(ustack_bind(S, lfd, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_listen(S, lfd, 8), 0);

	int cfd = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 8080);
	assert_int_equal(ustack_connect(C, cfd, (struct sockaddr *)&to, sizeof(to)), 0);

	struct sockaddr_in6 peer;
	socklen_t pl = sizeof(peer);
	int afd = ustack_accept(S, lfd, (struct sockaddr *)&peer, &pl);
	assert_true(afd >= 0);
	assert_mapped(&peer, pl, "10.0.0.1", 0);
	struct sockaddr_in cl;
	socklen_t cll = sizeof(cl);
	assert_int_equal(ustack_getsockname(C, cfd, (struct sockaddr *)&cl, &cll), 0);
	assert_int_equal(ntohs(peer.sin6_port), ntohs(cl.sin_port));
	struct sockaddr_in6 me;
	socklen_t ml = sizeof(me);
	assert_int_equal(ustack_getsockname(S, afd, (struct sockaddr *)&me, &ml), 0);
	assert_mapped(&me, ml, "10.0.0.2", 8080);
	/* the listener itself shows :: */
	ml = sizeof(me);
	assert_int_equal(ustack_getsockname(S, lfd, (struct sockaddr *)&me, &ml), 0);
	assert_int_equal(ml, sizeof(me));
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&me.sin6_addr));

	exchange(C, cfd, S, afd, 100000);
	exchange(S, afd, C, cfd, 70000);
	/* a second IPv4 socket on the port is refused: :: covers 0.0.0.0 */
	int dfd = ustack_socket(S, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in any4 = sin_of("0.0.0.0", 8080);
	assert_int_equal(ustack_bind(S, dfd, (struct sockaddr *)&any4, sizeof(any4)), -1);
	assert_int_equal(errno, EADDRINUSE);
	ustack_close(S, dfd);
	ustack_close(C, cfd);
	ustack_close(S, afd);
	ustack_close(S, lfd);
}

static void test_v6only_refuses_ipv4(void **state)
{
	(void)state;
	int lfd = ustack_socket(S, AF_INET6, SOCK_STREAM, 0);
	int one = 1;
	assert_int_equal(ustack_setsockopt(S, lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	struct sockaddr_in6 any = sin6_of("::", 8081);
	assert_int_equal(ustack_bind(S, lfd, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_listen(S, lfd, 8), 0);
	/* after bind the option is fixed (Linux: EINVAL) */
	assert_int_equal(ustack_setsockopt(S, lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), -1);
	assert_int_equal(errno, EINVAL);
	/* an IPv4 socket may share the port with a v6-only one */
	int l4 = ustack_socket(S, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in any4 = sin_of("0.0.0.0", 8081);
	assert_int_equal(ustack_bind(S, l4, (struct sockaddr *)&any4, sizeof(any4)), 0);
	ustack_close(S, l4);

	int cfd = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 8081);
	assert_int_equal(ustack_connect(C, cfd, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, ECONNREFUSED);
	ustack_close(C, cfd);
	ustack_close(S, lfd);
}

static void test_connect_to_mapped_goes_over_ipv4(void **state)
{
	(void)state;
	int lfd = ustack_socket(S, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in any4 = sin_of("0.0.0.0", 8083);
	assert_int_equal(ustack_bind(S, lfd, (struct sockaddr *)&any4, sizeof(any4)), 0);
	assert_int_equal(ustack_listen(S, lfd, 8), 0);

	int cfd = ustack_socket(C, AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 to = sin6_of("::ffff:10.0.0.2", 8083);
	assert_int_equal(ustack_connect(C, cfd, (struct sockaddr *)&to, sizeof(to)), 0);
	struct sockaddr_in6 pa;
	socklen_t pl = sizeof(pa);
	assert_int_equal(ustack_getpeername(C, cfd, (struct sockaddr *)&pa, &pl), 0);
	assert_mapped(&pa, pl, "10.0.0.2", 8083);
	pl = sizeof(pa);
	assert_int_equal(ustack_getsockname(C, cfd, (struct sockaddr *)&pa, &pl), 0);
	assert_mapped(&pa, pl, "10.0.0.1", 0);

	struct sockaddr_in peer;
	socklen_t l = sizeof(peer);
	int afd = ustack_accept(S, lfd, (struct sockaddr *)&peer, &l);
	assert_true(afd >= 0);
	assert_int_equal(l, sizeof(peer));
	assert_int_equal(peer.sin_addr.s_addr, simnet_addr("10.0.0.1"));
	exchange(C, cfd, S, afd, 50000);
	ustack_close(C, cfd);
	ustack_close(S, afd);
	ustack_close(S, lfd);

	/* a v6-only socket cannot reach an IPv4 peer */
	cfd = ustack_socket(C, AF_INET6, SOCK_STREAM, 0);
	int one = 1;
	assert_int_equal(ustack_setsockopt(C, cfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	assert_int_equal(ustack_connect(C, cfd, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, ENETUNREACH);
	ustack_close(C, cfd);
}

static void test_udp_dual_stack(void **state)
{
	(void)state;
	int sfd = ustack_socket(S, AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 any = sin6_of("::", 5300);
	assert_int_equal(ustack_bind(S, sfd, (struct sockaddr *)&any, sizeof(any)), 0);
	int cfd = ustack_socket(C, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 5300);
	assert_int_equal(ustack_sendto(C, cfd, "ping6", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);

	char buf[32];
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	assert_int_equal(ustack_recvfrom(S, sfd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 5);
	assert_memory_equal(buf, "ping6", 5);
	assert_mapped(&from, fl, "10.0.0.1", 0);
	/* the answer to the mapped address goes back over IPv4 */
	assert_int_equal(ustack_sendto(S, sfd, "pong6", 5, 0, (struct sockaddr *)&from, fl), 5);
	struct sockaddr_in f4;
	socklen_t f4l = sizeof(f4);
	assert_int_equal(ustack_recvfrom(C, cfd, buf, sizeof(buf), 0, (struct sockaddr *)&f4, &f4l), 5);
	assert_memory_equal(buf, "pong6", 5);
	assert_int_equal(f4.sin_addr.s_addr, simnet_addr("10.0.0.2"));
	assert_int_equal(ntohs(f4.sin_port), 5300);
	ustack_close(C, cfd);
	ustack_close(S, sfd);
}

static void test_api_errors(void **state)
{
	(void)state;
	assert_int_equal(ustack_socket(C, 12345, SOCK_STREAM, 0), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	int fd = ustack_socket(C, AF_INET6, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	/* a sockaddr_in is too short for an AF_INET6 socket (EINVAL); a long enough one of
	 * the wrong family is EAFNOSUPPORT */
	struct sockaddr_in s4 = sin_of("10.0.0.1", 9000);
	assert_int_equal(ustack_bind(C, fd, (struct sockaddr *)&s4, sizeof(s4)), -1);
	assert_int_equal(errno, EINVAL);
	struct sockaddr_in6 s6 = sin6_of("::", 9000);
	s6.sin6_family = AF_INET;
	assert_int_equal(ustack_bind(C, fd, (struct sockaddr *)&s6, sizeof(s6)), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	s6 = sin6_of("::", 9000);
	assert_int_equal(ustack_bind(C, fd, (struct sockaddr *)&s6, sizeof(s6) - 5), -1);
	assert_int_equal(errno, EINVAL);
	/* a link-local peer needs its interface (sin6_scope_id), as on Linux */
	struct sockaddr_in6 ll = sin6_of("fe80::1", 80);
	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&ll, sizeof(ll)), -1);
	assert_int_equal(errno, EINVAL);
	ll.sin6_scope_id = 77;
	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&ll, sizeof(ll)), -1);
	assert_int_equal(errno, ENODEV);
	/* an address that is not ours */
	struct sockaddr_in6 other = sin6_of("2001:db8::99", 0);
	assert_int_equal(ustack_bind(C, fd, (struct sockaddr *)&other, sizeof(other)), -1);
	assert_int_equal(errno, EADDRNOTAVAIL);
	/* hop limit and traffic class */
	int v = 0;
	socklen_t vl = sizeof(v);
	assert_int_equal(ustack_getsockopt(C, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &vl), 0);
	assert_int_equal(v, 64);
	v = 9;
	assert_int_equal(ustack_setsockopt(C, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), 0);
	vl = sizeof(v);
	assert_int_equal(ustack_getsockopt(C, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &vl), 0);
	assert_int_equal(v, 9);
	v = 256;
	assert_int_equal(ustack_setsockopt(C, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), -1);
	assert_int_equal(errno, EINVAL);
	v = -1;
	assert_int_equal(ustack_setsockopt(C, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), 0);
	vl = sizeof(v);
	assert_int_equal(ustack_getsockopt(C, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &vl), 0);
	assert_int_equal(v, 64);
	v = 0xb8;
	assert_int_equal(ustack_setsockopt(C, fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)), 0);
	vl = sizeof(v);
	assert_int_equal(ustack_getsockopt(C, fd, IPPROTO_IPV6, IPV6_TCLASS, &v, &vl), 0);
	assert_int_equal(v, 0xb8);
	ustack_close(C, fd);
	/* IPv6 options on an IPv4 socket */
	fd = ustack_socket(C, AF_INET, SOCK_DGRAM, 0);
	v = 1;
	assert_int_equal(ustack_setsockopt(C, fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)), -1);
	assert_int_equal(errno, ENOPROTOOPT);
	ustack_close(C, fd);
}

/* Wait us of virtual time (a receive that times out). */
static void vsleep(struct ustack *st, uint64_t us)
{
	int fd = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { .tv_sec = (time_t)(us / 1000000), .tv_usec = (suseconds_t)(us % 1000000) };
	char b;

	assert_int_equal(ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(ustack_recv(st, fd, &b, 1, 0), -1);
	ustack_close(st, fd);
}

/* TCP and UDP over IPv6 between global addresses (after DAD), byte for byte. */
static void test_tcp_udp_over_ipv6(void **state)
{
	(void)state;
	struct in6_addr a6, b6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &a6), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::2", &b6), 1);
	assert_int_equal(ustack_if_add6(C, IFC, &a6, 64), 0);
	assert_int_equal(ustack_if_add6(S, IFS, &b6, 64), 0);
	vsleep(C, 4000000);                              /* DAD */

	int lfd = ustack_socket(S, AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 any = sin6_of("::", 8090);
	assert_int_equal(ustack_bind(S, lfd, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_listen(S, lfd, 8), 0);
	int cfd = ustack_socket(C, AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 to = sin6_of("2001:db8::2", 8090);
	assert_int_equal(ustack_connect(C, cfd, (struct sockaddr *)&to, sizeof(to)), 0);
	struct sockaddr_in6 peer;
	socklen_t pl = sizeof(peer);
	int afd = ustack_accept(S, lfd, (struct sockaddr *)&peer, &pl);
	assert_true(afd >= 0);
	char txt[INET6_ADDRSTRLEN];
	assert_non_null(inet_ntop(AF_INET6, &peer.sin6_addr, txt, sizeof(txt)));
	assert_string_equal(txt, "2001:db8::1");
	exchange(C, cfd, S, afd, 200000);
	exchange(S, afd, C, cfd, 100000);
	ustack_close(C, cfd);
	ustack_close(S, afd);
	ustack_close(S, lfd);

	int u1 = ustack_socket(S, AF_INET6, SOCK_DGRAM, 0);
	any = sin6_of("::", 5301);
	assert_int_equal(ustack_bind(S, u1, (struct sockaddr *)&any, sizeof(any)), 0);
	int u2 = ustack_socket(C, AF_INET6, SOCK_DGRAM, 0);
	to = sin6_of("2001:db8::2", 5301);
	assert_int_equal(ustack_sendto(C, u2, "six", 3, 0, (struct sockaddr *)&to, sizeof(to)), 3);
	char buf[8];
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	assert_int_equal(ustack_recvfrom(S, u1, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 3);
	assert_memory_equal(buf, "six", 3);
	assert_int_equal(fl, sizeof(from));
	assert_non_null(inet_ntop(AF_INET6, &from.sin6_addr, txt, sizeof(txt)));
	assert_string_equal(txt, "2001:db8::1");

	/* RFC 3542 ancillary data: IPV6_HOPLIMIT on sendmsg; IPV6_RECVPKTINFO and
	 * IPV6_RECVHOPLIMIT on recvmsg (the destination address and interface, the hop
	 * limit it arrived with) */
	int on = 1;
	assert_int_equal(ustack_setsockopt(S, u1, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)), 0);
	assert_int_equal(ustack_setsockopt(S, u1, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)), 0);
	union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
	struct iovec iov = { .iov_base = "seven", .iov_len = 5 };
	struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int hl = 7;
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_HOPLIMIT;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &hl, sizeof(hl));
	assert_int_equal(ustack_sendmsg(C, u2, &m, 0), 5);
	union { char b[256]; struct cmsghdr align; } rctl;
	char rb[16];
	struct iovec riov = { .iov_base = rb, .iov_len = sizeof(rb) };
	struct msghdr rm = { .msg_iov = &riov, .msg_iovlen = 1, .msg_control = rctl.b,
			     .msg_controllen = sizeof(rctl.b) };
	assert_int_equal(ustack_recvmsg(S, u1, &rm, 0), 5);
	bool saw_pi = false, saw_hl = false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&rm); c; c = CMSG_NXTHDR(&rm, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			assert_memory_equal(&pi.ipi6_addr, &b6, 16);
			assert_int_equal(pi.ipi6_ifindex, (unsigned)IFS + 1);
			saw_pi = true;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			assert_int_equal(v, 7);
			saw_hl = true;
		}
	}
	assert_true(saw_pi);
	assert_true(saw_hl);
	/* an IPv4 socket has no IPv6 options */
	int u4 = ustack_socket(S, AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(ustack_setsockopt(S, u4, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)), -1);
	assert_int_equal(errno, ENOPROTOOPT);
	ustack_close(S, u4);
	ustack_close(C, u2);
	ustack_close(S, u1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dual_stack_listener_takes_ipv4),
		cmocka_unit_test(test_v6only_refuses_ipv4),
		cmocka_unit_test(test_connect_to_mapped_goes_over_ipv4),
		cmocka_unit_test(test_udp_dual_stack),
		cmocka_unit_test(test_api_errors),
		cmocka_unit_test(test_tcp_udp_over_ipv6),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
