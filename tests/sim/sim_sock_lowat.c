/* sim_sock_lowat.c - SO_RCVLOWAT as Linux has it, between two stacks on the virtual clock:
 * a TCP socket is readable for poll, select and epoll (level- and edge-triggered) only
 * with at least the mark queued, or at the end of the stream; a blocking recv waits for
 * the mark (or len, or the end, or SO_RCVTIMEO, then returning what it has); a
 * non-blocking one returns what there is; the value round-trips (0 is 1, negative is
 * INT_MAX) and a mark above half the receive buffer is cut to that, so it can be met. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/time.h>

#include "lib_simnet.h"
#include "lib_sockdrv.h"
#include "ustack/socket.h"
#include "ustack/epoll.h"

static struct simnet *SN;
static struct ustack *C, *S;

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };

	s.sin_addr.s_addr = simnet_addr(ip);
	return s;
}

static int setup(void **state)
{
	(void)state;
	SN = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(SN);
	C = simnet_stack(SN, "client", NULL);
	S = simnet_stack(SN, "server", NULL);
	simnet_attach(SN, C, vn, "10.0.0.1/24", 0, NULL, NULL);
	simnet_attach(SN, S, vn, "10.0.0.2/24", 0, NULL, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	simnet_free(SN);
	return 0;
}

/* A connected TCP pair: c on the client, a accepted on the server (non-blocking). */
static void tcp_pair(int *c, int *a, int *l)
{
	static uint16_t port = 7000;
	struct sockaddr_in any = sin_of("0.0.0.0", port), to = sin_of("10.0.0.2", port);
	int one = 1;

	port++;
	*l = ustack_socket(S, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(ustack_bind(S, *l, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_listen(S, *l, 4), 0);
	*c = ustack_socket(C, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(ustack_setsockopt(C, *c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	assert_int_equal(ustack_connect(C, *c, (struct sockaddr *)&to, sizeof(to)), -1);
	simnet_run_for(SN, 50000);
	*a = ustack_accept4(S, *l, NULL, NULL, SOCK_NONBLOCK);
	assert_true(*a >= 0);
}

static int lowat_get(struct ustack *st, int fd)
{
	int v = -5;
	socklen_t len = sizeof(v);

	assert_int_equal(ustack_getsockopt(st, fd, SOL_SOCKET, SO_RCVLOWAT, &v, &len), 0);
	return v;
}

static void lowat_set(struct ustack *st, int fd, int v)
{
	assert_int_equal(ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)), 0);
}

static bool poll_in(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return ustack_poll(S, &p, 1, 0) == 1 && (p.revents & POLLIN);
}

static bool select_in(int fd)
{
	fd_set rd;
	struct timeval tv = { 0, 0 };

	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	return ustack_select(S, fd + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(fd, &rd);
}

static int epoll_in(int ep)
{
	struct epoll_event ev;

	return ustack_epoll_wait(S, ep, &ev, 1, 0);
}

static void test_option_values(void **state)
{
	(void)state;
	int u = ustack_socket(S, AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(lowat_get(S, u), 1);           /* the default */
	lowat_set(S, u, 100);
	assert_int_equal(lowat_get(S, u), 100);
	lowat_set(S, u, 0);
	assert_int_equal(lowat_get(S, u), 1);
	lowat_set(S, u, -1);
	assert_int_equal(lowat_get(S, u), INT_MAX);
	short sv = 1;
	assert_int_equal(ustack_setsockopt(S, u, SOL_SOCKET, SO_RCVLOWAT, &sv, sizeof(sv)), -1);
	assert_int_equal(errno, EINVAL);
	ustack_close(S, u);
}

static void test_readiness(void **state)
{
	(void)state;
	int c, a, l;
	char buf[64];

	tcp_pair(&c, &a, &l);
	int ep = ustack_epoll_create1(S, 0), et = ustack_epoll_create1(S, 0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = a };
	assert_int_equal(ustack_epoll_ctl(S, ep, EPOLL_CTL_ADD, a, &ev), 0);
	ev.events = EPOLLIN | EPOLLET;
	assert_int_equal(ustack_epoll_ctl(S, et, EPOLL_CTL_ADD, a, &ev), 0);
	lowat_set(S, a, 10);

	assert_int_equal(ustack_send(C, c, "abcd", 4, 0), 4);
	simnet_run_for(SN, 50000);
	int inq = -1;
	assert_int_equal(ustack_ioctl(S, a, FIONREAD, &inq), 0);
	assert_int_equal(inq, 4);
	assert_false(poll_in(a));                       /* 4 < 10: not readable */
	assert_false(select_in(a));
	assert_int_equal(epoll_in(ep), 0);
	assert_int_equal(epoll_in(et), 0);

	assert_int_equal(ustack_send(C, c, "efghi", 5, 0), 5);
	simnet_run_for(SN, 50000);
	assert_false(poll_in(a));                       /* 9 < 10 */
	assert_int_equal(epoll_in(et), 0);

	assert_int_equal(ustack_send(C, c, "j", 1, 0), 1);
	simnet_run_for(SN, 50000);
	assert_true(poll_in(a));                        /* 10: readable */
	assert_true(select_in(a));
	assert_int_equal(epoll_in(ep), 1);
	assert_int_equal(epoll_in(et), 1);              /* the edge came with the 10th byte */
	assert_int_equal(epoll_in(et), 0);

	/* a non-blocking read takes what there is, mark or not */
	assert_int_equal(ustack_recv(S, a, buf, 3, 0), 3);
	assert_false(poll_in(a));                       /* 7 left */
	assert_int_equal(ustack_recv(S, a, buf, sizeof(buf), 0), 7);

	/* the end of the stream is readable with less than the mark */
	assert_int_equal(ustack_send(C, c, "xy", 2, 0), 2);
	simnet_run_for(SN, 50000);
	assert_false(poll_in(a));
	ustack_shutdown(C, c, SHUT_WR);
	simnet_run_for(SN, 50000);
	assert_true(poll_in(a));
	assert_true(select_in(a));
	assert_int_equal(epoll_in(ep), 1);
	assert_int_equal(ustack_recv(S, a, buf, sizeof(buf), 0), 2);
	assert_int_equal(ustack_recv(S, a, buf, sizeof(buf), 0), 0);

	/* a mark of 1 (the default): one byte is enough */
	int c2, a2, l2;
	tcp_pair(&c2, &a2, &l2);
	lowat_set(S, a2, 1);
	assert_int_equal(ustack_send(C, c2, "z", 1, 0), 1);
	simnet_run_for(SN, 50000);
	assert_true(poll_in(a2));

	/* a mark above half the receive buffer is cut to half: it can be met */
	int rb = 8192;
	assert_int_equal(ustack_setsockopt(S, a2, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb)), 0);
	socklen_t rl = sizeof(rb);
	assert_int_equal(ustack_getsockopt(S, a2, SOL_SOCKET, SO_RCVBUF, &rb, &rl), 0);
	lowat_set(S, a2, INT_MAX);
	assert_int_equal(ustack_recv(S, a2, buf, 1, 0), 1);
	static char big[65536];
	memset(big, 'b', sizeof(big));
	size_t half = (size_t)rb / 2, sent = 0;
	while (sent < half - 1) {
		size_t want = half - 1 - sent < sizeof(big) ? half - 1 - sent : sizeof(big);
		ssize_t n = ustack_send(C, c2, big, want, 0);
		assert_true(n > 0);
		sent += (size_t)n;
		simnet_run_for(SN, 50000);
	}
	assert_false(poll_in(a2));
	assert_int_equal(ustack_send(C, c2, "!", 1, 0), 1);
	simnet_run_for(SN, 50000);
	assert_true(poll_in(a2));

	ustack_close(S, ep);
	ustack_close(S, et);
	ustack_close(C, c);
	ustack_close(S, a);
	ustack_close(S, l);
	ustack_close(C, c2);
	ustack_close(S, a2);
	ustack_close(S, l2);
	simnet_run_for(SN, 5000000);
}

/* Blocking reads: the sender thread sends 4 bytes, sleeps 100 ms of virtual time, then 6. */
struct sender {
	struct sockdrv *drv;
	int fd;
};

static void vsleep_ms(struct ustack *st, unsigned ms)
{
	int fd = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { .tv_sec = 0, .tv_usec = ms * 1000 };
	struct sockaddr_in any = sin_of("0.0.0.0", 0);
	char b;

	ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ustack_bind(st, fd, (struct sockaddr *)&any, sizeof(any));
	ustack_recv(st, fd, &b, 1, 0);
	ustack_close(st, fd);
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;

	ustack_send(C, s->fd, "1234", 4, 0);
	vsleep_ms(C, 100);
	ustack_send(C, s->fd, "567890", 6, 0);
	sockdrv_app_done(s->drv);
	return NULL;
}

static void test_blocking_recv(void **state)
{
	(void)state;
	int c, a, l;
	char buf[64];

	tcp_pair(&c, &a, &l);
	int fl = ustack_fcntl(S, a, F_GETFL, 0);
	assert_int_equal(ustack_fcntl(S, a, F_SETFL, fl & ~O_NONBLOCK), 0);
	fl = ustack_fcntl(C, c, F_GETFL, 0);
	assert_int_equal(ustack_fcntl(C, c, F_SETFL, fl & ~O_NONBLOCK), 0);
	lowat_set(S, a, 10);

	struct ustack *all[] = { C, S };
	struct sender snd = { .fd = c };
	snd.drv = sockdrv_start(SN, all, 2, 2, 60u * 1000000u);
	pthread_t th;
	uint64_t t0 = ustack_now(S);
	assert_int_equal(pthread_create(&th, NULL, sender_main, &snd), 0);
	/* woken by the first 4 bytes, it sleeps again until the mark is met */
	assert_int_equal(ustack_recv(S, a, buf, sizeof(buf), 0), 10);
	assert_memory_equal(buf, "1234567890", 10);
	uint64_t dt = ustack_now(S) - t0;
	assert_true(dt >= 100000);
	pthread_join(th, NULL);

	/* len below the mark: len is enough */
	assert_int_equal(ustack_send(C, c, "abc", 3, 0), 3);
	assert_int_equal(ustack_recv(S, a, buf, 2, 0), 2);
	/* SO_RCVTIMEO: what came in before it ran out (1 byte) */
	struct timeval tv = { .tv_sec = 0, .tv_usec = 300000 };
	assert_int_equal(ustack_setsockopt(S, a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	t0 = ustack_now(S);
	assert_int_equal(ustack_recv(S, a, buf, sizeof(buf), 0), 1);
	assert_true(ustack_now(S) - t0 >= 300000);
	sockdrv_app_done(snd.drv);
	sockdrv_stop(snd.drv);
	ustack_close(C, c);
	ustack_close(S, a);
	ustack_close(S, l);
	simnet_run_for(SN, 5000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option_values),
		cmocka_unit_test(test_readiness),
		cmocka_unit_test(test_blocking_recv),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
