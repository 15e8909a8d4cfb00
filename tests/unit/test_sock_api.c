/* test_sock_api.c - the socket API's errno table (POSIX.1-2017 and Linux): bad
 * descriptors, wrong socket types, wrong states, bad arguments, options, fcntl, poll
 * with POLLNVAL. One stack on a loopback device, driven by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/time.h>

#include <sys/ioctl.h>
#include <sys/time.h>

#include "ustack/ustack.h"
#include "ustack/socket.h"
#include "ustack/dev.h"

static struct ustack *st;

static int setup(void **state)
{
	(void)state;
	struct ustack_config cfg = { .name = "api", .seed = 42 };
	st = ustack_new(&cfg);
	assert_non_null(st);
	struct in_addr lo = { htonl(INADDR_LOOPBACK) };
	assert_true(ustack_if_add(st, ustack_loopback_new(), lo, 8) >= 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ustack_free(st);
	return 0;
}

static struct sockaddr_in lo_addr(uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return s;
}

#define EXPECT_ERR(call, e) do { \
		errno = 0; \
		assert_int_equal((long)(call), -1); \
		assert_int_equal(errno, (e)); \
	} while (0)

static void test_socket_args(void **state)
{
	(void)state;
	int fd6 = ustack_socket(st, AF_INET6, SOCK_DGRAM, 0);    /* dual-stack sockets */
	assert_true(fd6 >= 0);
	assert_int_equal(ustack_close(st, fd6), 0);
	EXPECT_ERR(ustack_socket(st, AF_UNIX, SOCK_STREAM, 0), EAFNOSUPPORT);
	EXPECT_ERR(ustack_socket(st, AF_INET, SOCK_RAW, 0), ESOCKTNOSUPPORT);
	EXPECT_ERR(ustack_socket(st, AF_INET, 99, 0), EINVAL);
	EXPECT_ERR(ustack_socket(st, AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
	EXPECT_ERR(ustack_socket(st, AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	/* descriptors are the lowest free numbers */
	int a = ustack_socket(st, AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	int b = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(ustack_close(st, a), 0);
	assert_int_equal(ustack_socket(st, AF_INET, SOCK_DGRAM, 0), 0);
	assert_int_equal(ustack_close(st, 0), 0);
	assert_int_equal(ustack_close(st, b), 0);
}

static void test_bad_fd(void **state)
{
	(void)state;
	struct sockaddr_in s = lo_addr(1000);
	socklen_t sl = sizeof(s);
	char buf[4];
	int v = 1;
	socklen_t vl = sizeof(v);
	int closed = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(ustack_close(st, closed), 0);
	const int fds[] = { -1, 9999, closed };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		int fd = fds[i];
		EXPECT_ERR(ustack_bind(st, fd, (struct sockaddr *)&s, sizeof(s)), EBADF);
		EXPECT_ERR(ustack_listen(st, fd, 1), EBADF);
		EXPECT_ERR(ustack_accept(st, fd, NULL, NULL), EBADF);
		EXPECT_ERR(ustack_connect(st, fd, (struct sockaddr *)&s, sizeof(s)), EBADF);
		EXPECT_ERR(ustack_send(st, fd, buf, 1, 0), EBADF);
		EXPECT_ERR(ustack_sendto(st, fd, buf, 1, 0, (struct sockaddr *)&s, sizeof(s)), EBADF);
		EXPECT_ERR(ustack_recv(st, fd, buf, 1, 0), EBADF);
		EXPECT_ERR(ustack_recvfrom(st, fd, buf, 1, 0, NULL, NULL), EBADF);
		EXPECT_ERR(ustack_shutdown(st, fd, SHUT_RDWR), EBADF);
		EXPECT_ERR(ustack_close(st, fd), EBADF);
		EXPECT_ERR(ustack_getsockname(st, fd, (struct sockaddr *)&s, &sl), EBADF);
		EXPECT_ERR(ustack_getpeername(st, fd, (struct sockaddr *)&s, &sl), EBADF);
		EXPECT_ERR(ustack_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), EBADF);
		EXPECT_ERR(ustack_getsockopt(st, fd, SOL_SOCKET, SO_TYPE, &v, &vl), EBADF);
		EXPECT_ERR(ustack_fcntl(st, fd, F_GETFL, 0), EBADF);
	}
}

static void test_udp_wrong_type_and_state(void **state)
{
	(void)state;
	int fd = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in s = lo_addr(2000);
	socklen_t sl = sizeof(s);
	char buf[8];

	EXPECT_ERR(ustack_listen(st, fd, 5), EOPNOTSUPP);
	EXPECT_ERR(ustack_accept(st, fd, NULL, NULL), EOPNOTSUPP);
	EXPECT_ERR(ustack_send(st, fd, "x", 1, 0), EDESTADDRREQ);
	EXPECT_ERR(ustack_getpeername(st, fd, (struct sockaddr *)&s, &sl), ENOTCONN);
	EXPECT_ERR(ustack_shutdown(st, fd, SHUT_RD), ENOTCONN);
	EXPECT_ERR(ustack_send(st, fd, NULL, 4, 0), EFAULT);
	EXPECT_ERR(ustack_recv(st, fd, NULL, 4, MSG_DONTWAIT), EFAULT);
	EXPECT_ERR(ustack_send(st, fd, "x", 1, MSG_OOB), EOPNOTSUPP);
	EXPECT_ERR(ustack_recv(st, fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* addresses */
	EXPECT_ERR(ustack_bind(st, fd, NULL, sizeof(s)), EFAULT);
	EXPECT_ERR(ustack_bind(st, fd, (struct sockaddr *)&s, 4), EINVAL);
	struct sockaddr_in6_like { sa_family_t f; char pad[26]; } six = { AF_INET6, { 0 } };
	EXPECT_ERR(ustack_bind(st, fd, (struct sockaddr *)&six, sizeof(six)), EAFNOSUPPORT);
	struct sockaddr_in far = lo_addr(2000);
	far.sin_addr.s_addr = inet_addr("192.0.2.1");
	EXPECT_ERR(ustack_bind(st, fd, (struct sockaddr *)&far, sizeof(far)), EADDRNOTAVAIL);
	struct sockaddr_in zero = lo_addr(0);
	EXPECT_ERR(ustack_sendto(st, fd, "x", 1, 0, (struct sockaddr *)&zero, sizeof(zero)), EINVAL);
	static char big[65508];
	EXPECT_ERR(ustack_sendto(st, fd, big, sizeof(big), 0, (struct sockaddr *)&s, sizeof(s)), EMSGSIZE);
	struct sockaddr_in bc = lo_addr(2000);
	bc.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	EXPECT_ERR(ustack_sendto(st, fd, "x", 1, 0, (struct sockaddr *)&bc, sizeof(bc)), EACCES);
	/* an unbound socket's name is the wildcard with port 0 */
	struct sockaddr_in nm;
	socklen_t nl = sizeof(nm);
	int fd2 = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(ustack_getsockname(st, fd2, (struct sockaddr *)&nm, &nl), 0);
	assert_int_equal(nl, sizeof(nm));
	assert_int_equal(nm.sin_family, AF_INET);
	assert_int_equal(nm.sin_port, 0);
	EXPECT_ERR(ustack_getsockname(st, fd2, NULL, &nl), EFAULT);
	ustack_close(st, fd2);
	ustack_close(st, fd);
}

static void test_options(void **state)
{
	(void)state;
	int fd = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	int v;
	socklen_t vl = sizeof(v);

	assert_int_equal(ustack_getsockopt(st, fd, SOL_SOCKET, SO_TYPE, &v, &vl), 0);
	assert_int_equal(v, SOCK_DGRAM);
	assert_int_equal(vl, sizeof(int));
	v = 1;
	EXPECT_ERR(ustack_setsockopt(st, fd, SOL_SOCKET, SO_TYPE, &v, sizeof(v)), ENOPROTOOPT);
	EXPECT_ERR(ustack_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, &v, 2), EINVAL);
	EXPECT_ERR(ustack_setsockopt(st, fd, 12345, 1, &v, sizeof(v)), ENOPROTOOPT);
	EXPECT_ERR(ustack_setsockopt(st, fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), ENOPROTOOPT);
	EXPECT_ERR(ustack_setsockopt(st, fd, SOL_SOCKET, 9999, &v, sizeof(v)), ENOPROTOOPT);
	EXPECT_ERR(ustack_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, NULL, sizeof(v)), EFAULT);
	EXPECT_ERR(ustack_getsockopt(st, fd, SOL_SOCKET, SO_TYPE, NULL, &vl), EFAULT);
	assert_int_equal(ustack_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	vl = sizeof(v);
	v = 0;
	assert_int_equal(ustack_getsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, &v, &vl), 0);
	assert_int_equal(v, 1);
	v = 65536;
	assert_int_equal(ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	v = 0;
	assert_int_equal(ustack_getsockopt(st, fd, SOL_SOCKET, SO_RCVBUF, &v, &vl), 0);
	assert_int_equal(v, 65536);
	struct timeval tv = { 1, 500000 }, got;
	socklen_t tl = sizeof(got);
	assert_int_equal(ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(ustack_getsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &got, &tl), 0);
	assert_int_equal(got.tv_sec, 1);
	assert_int_equal(got.tv_usec, 500000);
	tv.tv_usec = 1000000;
	EXPECT_ERR(ustack_setsockopt(st, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), EDOM);
	EXPECT_ERR(ustack_setsockopt(st, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, 4), EINVAL);
	vl = sizeof(v);
	assert_int_equal(ustack_getsockopt(st, fd, SOL_SOCKET, SO_ERROR, &v, &vl), 0);
	assert_int_equal(v, 0);
	/* fcntl */
	assert_int_equal(ustack_fcntl(st, fd, F_GETFL, 0) & O_NONBLOCK, 0);
	assert_int_equal(ustack_fcntl(st, fd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(ustack_fcntl(st, fd, F_GETFL, 0) & O_NONBLOCK, O_NONBLOCK);
	char c;
	EXPECT_ERR(ustack_recv(st, fd, &c, 1, 0), EAGAIN);
	EXPECT_ERR(ustack_fcntl(st, fd, F_DUPFD, 0), EINVAL);
	ustack_close(st, fd);
	int nb = ustack_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_int_equal(ustack_fcntl(st, nb, F_GETFL, 0) & O_NONBLOCK, O_NONBLOCK);
	ustack_close(st, nb);
}

/* Datagrams over loopback, driven by hand; poll's view of it. */
static void test_loopback_and_poll(void **state)
{
	(void)state;
	int rx = ustack_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int tx = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in s = lo_addr(3000);
	uint64_t now = ustack_now(st);

	assert_int_equal(ustack_bind(st, rx, (struct sockaddr *)&s, sizeof(s)), 0);
	struct pollfd p[4] = {
		{ .fd = rx, .events = POLLIN },
		{ .fd = tx, .events = POLLOUT },
		{ .fd = 77, .events = POLLIN },
		{ .fd = -5, .events = POLLIN },
	};
	assert_int_equal(ustack_poll(st, p, 4, 0), 2);
	assert_int_equal(p[0].revents, 0);
	assert_int_equal(p[1].revents, POLLOUT);
	assert_int_equal(p[2].revents, POLLNVAL);
	assert_int_equal(p[3].revents, 0);
	EXPECT_ERR(ustack_poll(st, NULL, 1, 0), EFAULT);

	assert_int_equal(ustack_sendto(st, tx, "ping", 4, 0, (struct sockaddr *)&s, sizeof(s)), 4);
	for (int i = 0; i < 5; i++)
		ustack_step(st, now + (uint64_t)i * 1000);
	assert_int_equal(ustack_poll(st, p, 2, 0), 2);
	assert_int_equal(p[0].revents, POLLIN);
	char buf[8];
	struct sockaddr_in from;
	socklen_t fl = 2;                               /* truncated, real size reported */
	assert_int_equal(ustack_recvfrom(st, rx, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 4);
	assert_int_equal(fl, sizeof(struct sockaddr_in));
	assert_memory_equal(buf, "ping", 4);
	EXPECT_ERR(ustack_recvfrom(st, rx, buf, sizeof(buf), 0, (struct sockaddr *)&from, NULL), EFAULT);
	/* shutdown of a connected socket: reads return 0 */
	struct sockaddr_in peer = lo_addr(3001);
	assert_int_equal(ustack_connect(st, rx, (struct sockaddr *)&peer, sizeof(peer)), 0);
	assert_int_equal(ustack_shutdown(st, rx, SHUT_RDWR), 0);
	assert_int_equal(ustack_recv(st, rx, buf, sizeof(buf), 0), 0);
	EXPECT_ERR(ustack_send(st, rx, "x", 1, 0), EPIPE);
	EXPECT_ERR(ustack_shutdown(st, rx, 7), EINVAL);
	ustack_close(st, rx);
	ustack_close(st, tx);
}

/* TCP sockets, as far as they go without a peer. */
static void test_tcp_states(void **state)
{
	(void)state;
	int fd = ustack_socket(st, AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in s = lo_addr(4000);
	socklen_t sl = sizeof(s);
	char c;
	int v;
	socklen_t vl = sizeof(v);

	assert_int_equal(ustack_getsockopt(st, fd, SOL_SOCKET, SO_TYPE, &v, &vl), 0);
	assert_int_equal(v, SOCK_STREAM);
	EXPECT_ERR(ustack_accept(st, fd, NULL, NULL), EINVAL);
	EXPECT_ERR(ustack_getpeername(st, fd, (struct sockaddr *)&s, &sl), ENOTCONN);
	EXPECT_ERR(ustack_recv(st, fd, &c, 1, MSG_DONTWAIT), ENOTCONN);
	errno = 0;
	assert_int_equal(ustack_send(st, fd, "x", 1, MSG_DONTWAIT), -1);
	assert_true(errno == ENOTCONN || errno == EPIPE);
	EXPECT_ERR(ustack_accept4(st, fd, NULL, NULL, 0x12345), EINVAL);
	assert_int_equal(ustack_bind(st, fd, (struct sockaddr *)&s, sizeof(s)), 0);
	assert_int_equal(ustack_listen(st, fd, 4), 0);
	assert_int_equal(ustack_fcntl(st, fd, F_SETFL, O_NONBLOCK), 0);
	EXPECT_ERR(ustack_accept(st, fd, NULL, NULL), EAGAIN);
	EXPECT_ERR(ustack_connect(st, fd, (struct sockaddr *)&s, sizeof(s)), EISCONN);
	int fd2 = ustack_socket(st, AF_INET, SOCK_STREAM, 0);
	EXPECT_ERR(ustack_bind(st, fd2, (struct sockaddr *)&s, sizeof(s)), EADDRINUSE);
	ustack_close(st, fd2);
	ustack_close(st, fd);
}

/* A stack nobody drives (no runner, no ustack_step yet) has no clock: a call that would
 * block fails at once with EDEADLK instead of waiting forever; one that would not block
 * works as usual. Once something drives the stack, blocking calls block. */
static void test_undriven_stack(void **state)
{
	(void)state;
	int fd = ustack_socket(st, AF_INET, SOCK_DGRAM, 0), v = 0;
	struct sockaddr_in a = lo_addr(4242);
	char b[4];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timeval tv = { 0, 100000 };

	assert_int_equal(ustack_bind(st, fd, (struct sockaddr *)&a, sizeof(a)), 0);
	EXPECT_ERR(ustack_recv(st, fd, b, sizeof(b), 0), EDEADLK);
	assert_int_equal(ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	EXPECT_ERR(ustack_recv(st, fd, b, sizeof(b), 0), EDEADLK);
	EXPECT_ERR(ustack_poll(st, &p, 1, 100), EDEADLK);
	EXPECT_ERR(ustack_poll(st, &p, 1, -1), EDEADLK);
	assert_int_equal(ustack_poll(st, &p, 1, 0), 0);          /* no wait: fine */
	EXPECT_ERR(ustack_recv(st, fd, b, sizeof(b), MSG_DONTWAIT), EAGAIN);
	/* a datagram to ourselves, then a step: the stack is driven from now on */
	assert_int_equal(ustack_sendto(st, fd, "ab", 2, 0, (struct sockaddr *)&a, sizeof(a)), 2);
	ustack_step(st, 1000);
	assert_int_equal(ustack_ioctl(st, fd, FIONREAD, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(ustack_recv(st, fd, b, sizeof(b), 0), 2);
	ustack_close(st, fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_undriven_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_wrong_type_and_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback_and_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_states, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
