/* sim_tcp_runner.c - the application <-> stack path under threads.
 *
 * 1. Runner bulk both ways: two stacks on a vnet, each on its ustack_start() runner,
 *    one connection carrying 8 MiB each way at once (a sending and a receiving thread at
 *    each end, blocking sockets, 64 KiB per call): byte-exact, and the threads woken in
 *    blocking calls stay few per MiB (a reader is woken at most once per step of its
 *    stack, never once per segment: 724 full segments make a MiB).
 * 2. SO_RCVLOWAT on the virtual clock: a reader blocked for 32 KiB while the peer sends
 *    1000 bytes per step is not woken until 32 KiB are queued, then exactly once.
 * Run under ThreadSanitizer too (label "threads"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "lib_simnet.h"
#include "socket/socket.h"
#include "ustack/dev.h"
#include "ustack/socket.h"
#include "ustack/ustack.h"

#define BULK_BYTES (8u << 20)
#define CHUNK 65536
/* per-segment waking would be ~720 per MiB per reader; once per step is far below */
#define MAX_WAKEUPS_PER_MIB 128

static uint8_t pattern(uint64_t i, uint8_t seed)
{
	return (uint8_t)((i * 131u) ^ (i >> 11) ^ seed);
}

static uint64_t wakeups(struct ustack *st)
{
	struct ustack_stats s;

	ustack_get_stats(st, &s);
	return s.sock_wakeups;
}

struct end {
	struct ustack *st;
	int fd;
	uint8_t seed;             /* of the bytes this end sends */
	uint64_t moved;
	bool ok;
};

static void *sender(void *arg)
{
	struct end *e = arg;
	uint8_t *buf = malloc(CHUNK);
	uint64_t off = 0;

	e->ok = buf != NULL;
	while (e->ok && off < BULK_BYTES) {
		size_t n = BULK_BYTES - off < CHUNK ? (size_t)(BULK_BYTES - off) : CHUNK;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(off + i, e->seed);
		ssize_t k = ustack_send(e->st, e->fd, buf, n, 0);
		if (k <= 0) {
			fprintf(stderr, "send: %zd %s\n", k, strerror(errno));
			e->ok = false;
			break;
		}
		off += (uint64_t)k;
	}
	e->moved = off;
	if (ustack_shutdown(e->st, e->fd, SHUT_WR) != 0)
		e->ok = false;
	free(buf);
	return NULL;
}

/* Receives until the end of the stream, checking every byte against the peer's seed. */
static void *receiver(void *arg)
{
	struct end *e = arg;
	uint8_t *buf = malloc(CHUNK);
	uint64_t off = 0;

	e->ok = buf != NULL;
	while (e->ok) {
		ssize_t k = ustack_recv(e->st, e->fd, buf, CHUNK, 0);
		if (k == 0)
			break;
		if (k < 0) {
			fprintf(stderr, "recv: %s\n", strerror(errno));
			e->ok = false;
			break;
		}
		for (ssize_t i = 0; i < k; i++) {
			if (buf[i] != pattern(off + (uint64_t)i, e->seed)) {
				fprintf(stderr, "byte %llu differs\n", (unsigned long long)(off + (uint64_t)i));
				e->ok = false;
				break;
			}
		}
		off += (uint64_t)k;
	}
	e->moved = off;
	free(buf);
	return NULL;
}

static void test_runner_bulk_both_ways(void **state)
{
	(void)state;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack_config ca = { .name = "a", .seed = 1 }, cb = { .name = "b", .seed = 2 };
	struct ustack *a = ustack_new(&ca), *b = ustack_new(&cb);
	struct in_addr ia, ib;

	assert_non_null(vn);
	assert_non_null(a);
	assert_non_null(b);
	inet_pton(AF_INET, "10.0.0.1", &ia);
	inet_pton(AF_INET, "10.0.0.2", &ib);
	assert_true(ustack_if_add(a, ustack_vnet_port(vn, NULL, 1500), ia, 24) >= 0);
	assert_true(ustack_if_add(b, ustack_vnet_port(vn, NULL, 1500), ib, 24) >= 0);
	assert_int_equal(ustack_start(a), 0);
	assert_int_equal(ustack_start(b), 0);

	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(5001), .sin_addr = ib };
	int l = ustack_socket(b, AF_INET, SOCK_STREAM, 0);
	assert_true(l >= 0);
	assert_int_equal(ustack_bind(b, l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(ustack_listen(b, l, 4), 0);
	int fa = ustack_socket(a, AF_INET, SOCK_STREAM, 0);
	assert_true(fa >= 0);
	assert_int_equal(ustack_connect(a, fa, (struct sockaddr *)&sin, sizeof(sin)), 0);
	int fb = ustack_accept(b, l, NULL, NULL);
	assert_true(fb >= 0);

	uint64_t w0 = wakeups(a) + wakeups(b);
	struct end sa = { .st = a, .fd = fa, .seed = 0x11 }, sb = { .st = b, .fd = fb, .seed = 0x77 };
	struct end ra = { .st = a, .fd = fa, .seed = 0x77 }, rb = { .st = b, .fd = fb, .seed = 0x11 };
	pthread_t th[4];
	assert_int_equal(pthread_create(&th[0], NULL, receiver, &ra), 0);
	assert_int_equal(pthread_create(&th[1], NULL, receiver, &rb), 0);
	assert_int_equal(pthread_create(&th[2], NULL, sender, &sa), 0);
	assert_int_equal(pthread_create(&th[3], NULL, sender, &sb), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	uint64_t woken = wakeups(a) + wakeups(b) - w0;

	assert_true(sa.ok && sb.ok && ra.ok && rb.ok);
	assert_int_equal(sa.moved, BULK_BYTES);
	assert_int_equal(sb.moved, BULK_BYTES);
	assert_int_equal(ra.moved, BULK_BYTES);           /* every byte, in order */
	assert_int_equal(rb.moved, BULK_BYTES);
	double per_mib = (double)woken / (2.0 * (BULK_BYTES >> 20));
	printf("runner bulk both ways: %llu wake-ups, %.1f per MiB (bound %d)\n",
	       (unsigned long long)woken, per_mib, MAX_WAKEUPS_PER_MIB);
	assert_true(per_mib <= MAX_WAKEUPS_PER_MIB);

	ustack_close(a, fa);
	ustack_close(b, fb);
	ustack_close(b, l);
	ustack_stop(a);
	ustack_stop(b);
	ustack_free(a);
	ustack_free(b);
	ustack_vnet_free(vn);
}

/* --- 2. SO_RCVLOWAT: no wake-up before the mark --- */

#define LOWAT 32768

struct lowat_reader {
	struct ustack *st;
	int fd;
	ssize_t got;
	atomic_bool done;
};

static void *lowat_main(void *arg)
{
	struct lowat_reader *r = arg;
	static uint8_t buf[CHUNK];

	r->got = ustack_recv(r->st, r->fd, buf, sizeof(buf), 0);
	atomic_store(&r->done, true);
	return NULL;
}

static void nap(void)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

static void test_lowat_reader_woken_once(void **state)
{
	(void)state;
	struct simnet *sn = simnet_new(1000000);
	struct ustack *c = simnet_stack(sn, "client", NULL), *s = simnet_stack(sn, "server", NULL);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(7100) };
	struct sockaddr_in to = any;
	int one = 1, mark = LOWAT;

	struct ustack_vnet *vn = simnet_vnet(sn);         /* one switch: each call makes one */

	simnet_attach(sn, c, vn, "10.0.0.1/24", 0, NULL, NULL);
	simnet_attach(sn, s, vn, "10.0.0.2/24", 0, NULL, NULL);
	to.sin_addr.s_addr = simnet_addr("10.0.0.2");

	int l = ustack_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(ustack_bind(s, l, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_listen(s, l, 4), 0);
	int fc = ustack_socket(c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(ustack_setsockopt(c, fc, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	assert_int_equal(ustack_connect(c, fc, (struct sockaddr *)&to, sizeof(to)), -1);
	int fs = -1;
	for (int i = 0; i < 100 && fs < 0; i++) {
		simnet_run_for(sn, 10000);
		fs = ustack_accept(s, l, NULL, NULL);
	}
	assert_true(fs >= 0);
	int fl = ustack_fcntl(s, fs, F_GETFL, 0);       /* the reader blocks */
	assert_int_equal(ustack_fcntl(s, fs, F_SETFL, fl & ~O_NONBLOCK), 0);
	assert_int_equal(ustack_setsockopt(s, fs, SOL_SOCKET, SO_RCVLOWAT, &mark, sizeof(mark)), 0);

	struct lowat_reader r = { .st = s, .fd = fs };
	atomic_init(&r.done, false);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, lowat_main, &r), 0);
	for (int i = 0; i < 5000 && sock_sleepers(s) == 0; i++)
		nap();
	assert_int_equal(sock_sleepers(s), 1);

	uint64_t w0 = wakeups(s);
	uint8_t chunk[1000];
	size_t sent = 0;
	memset(chunk, 'x', sizeof(chunk));
	while (sent < LOWAT) {
		assert_int_equal(ustack_send(c, fc, chunk, sizeof(chunk), 0), (ssize_t)sizeof(chunk));
		sent += sizeof(chunk);
		simnet_run_for(sn, 1000);                   /* the segment arrives, is ACKed */
		if (sent < LOWAT) {
			assert_int_equal(wakeups(s) - w0, 0);   /* below the mark: asleep */
			assert_false(atomic_load(&r.done));
		}
	}
	for (int i = 0; i < 5000 && !atomic_load(&r.done); i++)
		nap();
	pthread_join(th, NULL);
	assert_int_equal(wakeups(s) - w0, 1);               /* once, at the mark */
	assert_true(r.got >= LOWAT);
	assert_int_equal(r.got, (ssize_t)sent);

	ustack_close(c, fc);
	ustack_close(s, fs);
	ustack_close(s, l);
	simnet_free(sn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runner_bulk_both_ways),
		cmocka_unit_test(test_lowat_reader_woken_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
