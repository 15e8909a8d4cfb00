/* sim_udp_threads.c - the socket layer under threads in real time: two stacks on a vnet,
 * each run by its background runner (ustack_start), with application threads blocking
 * in recvfrom / poll / resolver lookups on them at once. Checks that blocked callers are
 * woken by data, by their SO_RCVTIMEO (EAGAIN), by a poll timeout, and by close() from
 * another thread (EBADF). Run it under -DUSTACK_TSAN=ON as well. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/time.h>

#include "ustack/ustack.h"
#include "ustack/socket.h"
#include "ustack/netdb.h"
#include "ustack/dev.h"

#define N_PAIRS 4
#define N_DGRAMS 200
#define N_SHARED 3

static struct ustack *A, *B;
static struct ustack_vnet *VN;

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	s.sin_addr.s_addr = inet_addr(ip);
	return s;
}

static uint64_t ms_now(void)
{
	return ustack_clock_us() / 1000;
}

static void msleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int setup(void **state)
{
	(void)state;
	struct ustack_config ca = { .name = "a", .seed = 1 }, cb = { .name = "b", .seed = 2 };

	VN = ustack_vnet_new();
	A = ustack_new(&ca);
	B = ustack_new(&cb);
	assert_non_null(VN);
	struct in_addr aa = { inet_addr("10.0.0.1") }, ab = { inet_addr("10.0.0.2") };
	assert_true(ustack_if_add(A, ustack_vnet_port(VN, NULL, 1500), aa, 24) >= 0);
	assert_true(ustack_if_add(B, ustack_vnet_port(VN, NULL, 1500), ab, 24) >= 0);
	assert_int_equal(ustack_start(A), 0);
	assert_int_equal(ustack_start(B), 0);
	/* learn the neighbours */
	struct ustack_ping_reply r;
	assert_int_equal(ustack_ping_send(A, ab, 7, 1, NULL, 8, 0), 0);
	assert_int_equal(ustack_ping_recv(A, 7, &r, 2000), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ustack_stop(A);
	ustack_stop(B);
	ustack_free(A);
	ustack_free(B);
	ustack_vnet_free(VN);
	return 0;
}

/* ---- many threads, many sockets --------------------------------------------- */

struct pair {
	int idx;
	int rx, tx;
	atomic_int got;
	bool bad;
};

static void *receiver(void *arg)
{
	struct pair *p = arg;
	uint8_t buf[1500];

	for (;;) {
		ssize_t n = ustack_recvfrom(B, p->rx, buf, sizeof(buf), 0, NULL, NULL);
		if (n < 0)
			break;                          /* EAGAIN: the 2 s timeout, all done */
		int seq = buf[0] | (buf[1] << 8);
		if (n != 100 + (seq % 1000) || buf[2] != (uint8_t)p->idx)
			p->bad = true;
		if (atomic_fetch_add(&p->got, 1) + 1 == N_DGRAMS)
			break;
	}
	return NULL;
}

static void *sender(void *arg)
{
	struct pair *p = arg;
	uint8_t buf[1500];
	struct sockaddr_in to = sin_of("10.0.0.2", (uint16_t)(7000 + p->idx));

	memset(buf, 0xab, sizeof(buf));
	for (int i = 0; i < N_DGRAMS; i++) {
		buf[0] = (uint8_t)i;
		buf[1] = (uint8_t)(i >> 8);
		buf[2] = (uint8_t)p->idx;
		if (ustack_sendto(A, p->tx, buf, 100 + (size_t)(i % 1000), 0, (struct sockaddr *)&to,
				  sizeof(to)) < 0)
			p->bad = true;
		if (i % 20 == 19)
			msleep(1);                      /* stay below the receive queues' bound */
	}
	return NULL;
}

static void test_many_threads(void **state)
{
	(void)state;
	struct pair p[N_PAIRS];
	pthread_t rt[N_PAIRS], wt[N_PAIRS];
	struct timeval tv = { 2, 0 };

	for (int i = 0; i < N_PAIRS; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].idx = i;
		p[i].rx = ustack_socket(B, AF_INET, SOCK_DGRAM, 0);
		p[i].tx = ustack_socket(A, AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in s = sin_of("0.0.0.0", (uint16_t)(7000 + i));
		assert_int_equal(ustack_bind(B, p[i].rx, (struct sockaddr *)&s, sizeof(s)), 0);
		assert_int_equal(ustack_setsockopt(B, p[i].rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
		pthread_create(&rt[i], NULL, receiver, &p[i]);
	}
	for (int i = 0; i < N_PAIRS; i++)
		pthread_create(&wt[i], NULL, sender, &p[i]);
	for (int i = 0; i < N_PAIRS; i++) {
		pthread_join(wt[i], NULL);
		pthread_join(rt[i], NULL);
		assert_false(p[i].bad);
		assert_int_equal(atomic_load(&p[i].got), N_DGRAMS);
		ustack_close(B, p[i].rx);
		ustack_close(A, p[i].tx);
	}
}

/* ---- several threads blocked on one socket ---------------------------------- */

struct shared {
	int fd;
	atomic_int got;
	atomic_int woke_err;
};

static void *shared_reader(void *arg)
{
	struct shared *s = arg;
	char c;

	if (ustack_recv(B, s->fd, &c, 1, 0) == 1)
		atomic_fetch_add(&s->got, 1);
	else
		atomic_fetch_add(&s->woke_err, 1);
	return NULL;
}

static void test_shared_socket(void **state)
{
	(void)state;
	struct shared s = { .fd = ustack_socket(B, AF_INET, SOCK_DGRAM, 0) };
	struct sockaddr_in b = sin_of("0.0.0.0", 7100), to = sin_of("10.0.0.2", 7100);
	pthread_t t[N_SHARED];
	struct timeval tv = { 3, 0 };

	assert_int_equal(ustack_bind(B, s.fd, (struct sockaddr *)&b, sizeof(b)), 0);
	assert_int_equal(ustack_setsockopt(B, s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	for (int i = 0; i < N_SHARED; i++)
		pthread_create(&t[i], NULL, shared_reader, &s);
	msleep(50);
	int tx = ustack_socket(A, AF_INET, SOCK_DGRAM, 0);
	for (int i = 0; i < N_SHARED; i++)
		assert_int_equal(ustack_sendto(A, tx, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	for (int i = 0; i < N_SHARED; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&s.got), N_SHARED);        /* each datagram once */
	assert_int_equal(atomic_load(&s.woke_err), 0);
	ustack_close(A, tx);
	ustack_close(B, s.fd);
}

/* ---- timeouts, poll, close ---------------------------------------------------- */

static void test_timeouts(void **state)
{
	(void)state;
	int fd = ustack_socket(B, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in b = sin_of("0.0.0.0", 7200);
	struct timeval tv = { 0, 200000 };
	char c;

	assert_int_equal(ustack_bind(B, fd, (struct sockaddr *)&b, sizeof(b)), 0);
	assert_int_equal(ustack_setsockopt(B, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	uint64_t t0 = ms_now();
	assert_int_equal(ustack_recv(B, fd, &c, 1, 0), -1);
	assert_int_equal(errno, EAGAIN);
	uint64_t dt = ms_now() - t0;
	assert_true(dt >= 195 && dt < 1000);

	struct pollfd p = { .fd = fd, .events = POLLIN };
	t0 = ms_now();
	assert_int_equal(ustack_poll(B, &p, 1, 150), 0);
	dt = ms_now() - t0;
	assert_true(dt >= 145 && dt < 1000);
	assert_int_equal(ustack_poll(B, &p, 1, 0), 0);
	ustack_close(B, fd);
}

struct poller {
	int fd;
	int rc;
	short revents;
	uint64_t at;
};

static void *poll_forever(void *arg)
{
	struct poller *pl = arg;
	struct pollfd p = { .fd = pl->fd, .events = POLLIN };

	pl->rc = ustack_poll(B, &p, 1, -1);
	pl->revents = p.revents;
	pl->at = ms_now();
	return NULL;
}

static void test_poll_wakes(void **state)
{
	(void)state;
	struct poller pl = { .fd = ustack_socket(B, AF_INET, SOCK_DGRAM, 0) };
	struct sockaddr_in b = sin_of("0.0.0.0", 7300), to = sin_of("10.0.0.2", 7300);
	pthread_t t;

	assert_int_equal(ustack_bind(B, pl.fd, (struct sockaddr *)&b, sizeof(b)), 0);
	pthread_create(&t, NULL, poll_forever, &pl);
	msleep(100);
	int tx = ustack_socket(A, AF_INET, SOCK_DGRAM, 0);
	uint64_t sent = ms_now();
	assert_int_equal(ustack_sendto(A, tx, "y", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	pthread_join(t, NULL);
	assert_int_equal(pl.rc, 1);
	assert_int_equal(pl.revents, POLLIN);
	assert_true(pl.at - sent < 500);
	ustack_close(A, tx);
	ustack_close(B, pl.fd);
}

struct blocked {
	int fd;
	ssize_t rc;
	int err;
};

static void *block_recv(void *arg)
{
	struct blocked *bl = arg;
	char c;

	bl->rc = ustack_recv(B, bl->fd, &c, 1, 0);
	bl->err = errno;
	return NULL;
}

static void test_close_wakes(void **state)
{
	(void)state;
	struct blocked bl = { .fd = ustack_socket(B, AF_INET, SOCK_DGRAM, 0) };
	struct sockaddr_in b = sin_of("0.0.0.0", 7400);
	pthread_t t;

	assert_int_equal(ustack_bind(B, bl.fd, (struct sockaddr *)&b, sizeof(b)), 0);
	pthread_create(&t, NULL, block_recv, &bl);
	msleep(100);
	assert_int_equal(ustack_close(B, bl.fd), 0);
	pthread_join(t, NULL);
	assert_int_equal(bl.rc, -1);
	assert_int_equal(bl.err, EBADF);
	/* the number is free again, and the new socket is a different one */
	int fd = ustack_socket(B, AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(fd, bl.fd);
	ustack_close(B, fd);
}

/* ---- the resolver from several threads, in real time -------------------------- */

static void *lookup(void *arg)
{
	struct addrinfo *res = NULL;
	int *rc = arg;

	*rc = ustack_getaddrinfo(A, (*rc & 1) ? "www.example.test" : "nope.example.test", "80",
				 NULL, &res);
	if (*rc == 0 && ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr != inet_addr("10.0.0.80"))
		*rc = -1;
	ustack_freeaddrinfo(res);
	return NULL;
}

static void test_resolver_threads(void **state)
{
	(void)state;
	struct ustack_dns_server *srv = ustack_dns_server_start(B, "www.example.test A 10.0.0.80\n",
								 53, 30);
	struct ustack_resolver_config c = { .n_servers = 1, .timeout_ms = 500, .attempts = 2,
					    .total_timeout_ms = 3000 };
	pthread_t t[6];
	int rc[6];

	assert_non_null(srv);
	c.servers[0].s_addr = inet_addr("10.0.0.2");
	assert_int_equal(ustack_resolver_configure(A, &c), 0);
	for (int i = 0; i < 6; i++) {
		rc[i] = i;
		pthread_create(&t[i], NULL, lookup, &rc[i]);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(rc[i], (i & 1) ? 0 : EAI_NONAME);
	}
	ustack_dns_server_stop(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_threads),
		cmocka_unit_test(test_shared_socket),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_poll_wakes),
		cmocka_unit_test(test_close_wakes),
		cmocka_unit_test(test_resolver_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
