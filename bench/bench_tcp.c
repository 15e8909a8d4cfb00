/* bench_tcp.c - bulk TCP throughput and 1-byte request/response rate:
 *
 *   ustack   two stacks on an in-process vnet (no latency, unlimited bandwidth), both
 *            stepped by this one thread with a virtual clock (ustack_step(st, now) /
 *            ustack_next_deadline); non-blocking sockets. Wall clock and CPU measured.
 *            Also: the same two stacks each on its runner thread (ustack_start), with a
 *            client and a server thread using blocking sockets, as an application would.
 *   Linux    the kernel's TCP over 127.0.0.1, a client and a server thread (lo's MTU is
 *            65536); and again in a private network namespace whose lo has MTU 1500.
 *   lwIP     Debian's liblwip (2.1.x, NO_SYS=0, TCP_WND 64 KiB, MSS 1460): one netif,
 *            connections to its own address loop through netif_loop_output and the
 *            tcpip thread; a client and a server thread on lwIP's socket API.
 *
 * Every side moves the same bytes with the same chunk size (64 KiB per send/recv).
 * Throughput: bytes * 8 / wall time from the first send to the receiver's end of stream.
 * CPU: thread CPU time (ustack single thread) or process CPU time (user + sys of every
 * thread: the kernel's work for loopback TCP is charged to the sending and receiving
 * threads). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_lwip.h"
#include "bench_util.h"
#include "ustack/dev.h"
#include "ustack/socket.h"
#include "ustack/ustack.h"

#define CHUNK 65536
#define WALL_LIMIT_NS (120ull * 1000000000ull)   /* one measurement never runs longer */

struct result {
	bool ok;
	double gbps;            /* bulk: Gbit/s of wall time */
	double cpu_gbps;        /* bulk: Gbit per CPU second */
	double tps;             /* ping-pong: transactions per second */
	double cpu_us_per_tx;   /* ping-pong: CPU microseconds per transaction */
	double vjump_ms;        /* ustack virtual clock: time skipped waiting for timers */
	unsigned long long retransmits;
	double wakeups_per_mib;  /* runner bulk: threads woken in blocking calls, both stacks */
};

static uint64_t bulk_bytes(void) { return bench_quick() ? (32ull << 20) : (256ull << 20); }
static long pingpong_count(void) { return bench_quick() ? 5000 : 50000; }

static void die(const char *what)
{
	fprintf(stderr, "bench_tcp: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ===================================================================================
 * A bench-only link: two devices joined back to back, each with a ring of preallocated
 * frame slots. Sending copies the frame into the peer's ring; receiving copies it out
 * (as a NIC's DMA would). No switch, no malloc, no syscall per frame: what is left is
 * the stack's own cost. (The vnet, by contrast, mallocs every frame and signals an
 * eventfd per frame so that a runner thread sleeping in epoll wakes.)
 * =================================================================================== */

#define PIPE_RING_BYTES (16u << 20)

struct pipe_dev {
	struct ustack_dev dev;
	struct pipe_dev *peer;
	uint8_t *slots;
	size_t slot_size, n_slots, head, count;
	unsigned long long dropped;
};

static int pipe_send(struct ustack_dev *d, const uint8_t *frame, size_t len, uint64_t now)
{
	struct pipe_dev *p = d->priv, *q = p->peer;
	size_t i;

	(void)now;
	if (!q || len > q->slot_size || q->count == q->n_slots) {
		if (q)
			q->dropped++;
		return -1;
	}
	i = (q->head + q->count) % q->n_slots;
	memcpy(q->slots + i * q->slot_size + sizeof(size_t), frame, len);
	memcpy(q->slots + i * q->slot_size, &len, sizeof(size_t));
	q->count++;
	return 0;
}

static int pipe_recv(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now)
{
	struct pipe_dev *p = d->priv;
	uint8_t *slot;
	size_t len;

	(void)now;
	if (p->count == 0)
		return 0;
	slot = p->slots + p->head * p->slot_size;
	memcpy(&len, slot, sizeof(size_t));
	p->head = (p->head + 1) % p->n_slots;
	p->count--;
	if (len > cap) {
		p->dropped++;
		if (p->count == 0)
			p->head = 0;
		return 0;
	}
	memcpy(buf, slot + sizeof(size_t), len);
	if (p->count == 0)
		p->head = 0;   /* reuse the first slots: they are still in the cache */
	return (int)len;
}

static uint64_t pipe_next_deadline(struct ustack_dev *d)
{
	struct pipe_dev *p = d->priv;

	return p->count ? 0 : USTACK_NO_DEADLINE;
}

static void pipe_close(struct ustack_dev *d)
{
	struct pipe_dev *p = d->priv;

	if (p->peer)
		p->peer->peer = NULL;
	free(p->slots);
	free(p);
}

static const struct ustack_dev_ops pipe_ops = {
	.send = pipe_send,
	.recv = pipe_recv,
	.next_deadline = pipe_next_deadline,
	.close = pipe_close,
};

static struct pipe_dev *pipe_new(unsigned mtu, uint8_t id)
{
	struct pipe_dev *p = calloc(1, sizeof(*p));

	if (!p)
		die("calloc");
	p->slot_size = (sizeof(size_t) + mtu + 14 + 63) & ~(size_t)63;
	p->n_slots = PIPE_RING_BYTES / p->slot_size;
	p->slots = malloc(p->n_slots * p->slot_size);
	if (!p->slots)
		die("malloc");
	memset(p->slots, 0, p->n_slots * p->slot_size);   /* touch it now, not while timed */
	p->dev.ops = &pipe_ops;
	p->dev.priv = p;
	p->dev.mtu = mtu;
	p->dev.fd = -1;
	snprintf(p->dev.name, sizeof(p->dev.name), "pipe%u", id);
	memcpy(p->dev.mac, (const uint8_t[6]){ 0x02, 0, 0, 0, 0x7e, id }, 6);
	return p;
}

/* ===================================================================================
 * ustack, one thread, virtual clock
 * =================================================================================== */

struct upair {
	struct ustack *a, *b;        /* a: client 10.0.0.1, b: server 10.0.0.2 */
	uint64_t now;                /* virtual, us */
	uint64_t vjump_us;           /* how far the clock was moved to reach a deadline */
	uint64_t t_end;              /* wall limit */
	bool stuck;
};

static struct ustack *mkstack(const char *name, uint64_t seed)
{
	struct ustack_config cfg = { .name = name, .seed = seed };
	struct ustack *st = ustack_new(&cfg);

	if (!st)
		die("ustack_new");
	return st;
}

/* BENCH_TRACE=1: every stack's trace lines until the connection is up. */
static void trace_line(void *ctx, const struct ustack_trace *ev)
{
	(void)ctx;
	fprintf(stderr, "%10.6f %-3s %s\n", (double)ev->time_us / 1e6, ev->stack, ev->line);
}

/* vn NULL: the two stacks are joined by a bench pipe instead of a vnet. */
static void upair_init(struct upair *u, struct ustack_vnet *vn, unsigned mtu)
{
	struct ustack_dev *da, *db;
	struct in_addr a, b;

	memset(u, 0, sizeof(*u));
	inet_pton(AF_INET, "10.0.0.1", &a);
	inet_pton(AF_INET, "10.0.0.2", &b);
	u->a = mkstack("a", 11);
	u->b = mkstack("b", 22);
	u->now = 1000000;
	/* the stacks' clocks start at now before anything is sent (timers are relative to it) */
	ustack_step(u->a, u->now);
	ustack_step(u->b, u->now);
	if (vn) {
		da = ustack_vnet_port(vn, NULL, mtu);
		db = ustack_vnet_port(vn, NULL, mtu);
	} else {
		struct pipe_dev *pa = pipe_new(mtu, 1), *pb = pipe_new(mtu, 2);

		pa->peer = pb;
		pb->peer = pa;
		da = &pa->dev;
		db = &pb->dev;
	}
	if (!da || !db || ustack_if_add(u->a, da, a, 24) < 0 || ustack_if_add(u->b, db, b, 24) < 0)
		die("ustack_if_add");
	u->t_end = bench_wall_ns() + WALL_LIMIT_NS;
	if (getenv("BENCH_TRACE")) {
		ustack_set_trace(u->a, trace_line, NULL);
		ustack_set_trace(u->b, trace_line, NULL);
	}
}

static bool debug_on(void)
{
	const char *d = getenv("BENCH_DEBUG");

	return d && *d && strcmp(d, "0") != 0;
}

/* BENCH_DEBUG=1: say when and why the virtual clock jumps (the sockets' queues). */
static void debug_jump(struct upair *u, uint64_t to)
{
	struct ustack_sockinfo si[4];
	struct ustack *sts[2] = { u->a, u->b };

	fprintf(stderr, "virtual clock +%llu us at %llu:", (unsigned long long)(to - u->now),
		(unsigned long long)u->now);
	for (int k = 0; k < 2; k++) {
		size_t n = ustack_sockets(sts[k], si, 4);

		for (size_t i = 0; i < n && i < 4; i++)
			fprintf(stderr, " [%s %s recv_q %zu send_q %zu]", ustack_name(sts[k]),
				si[i].state, si[i].recv_q, si[i].send_q);
	}
	fprintf(stderr, "\n");
}

/* Poll both stacks at now. When nothing moved (no frame handled, the caller made no
 * progress), move the clock to the earliest deadline: a timer (delayed ACK,
 * retransmission) is what the transfer waits for. */
static void upair_step(struct upair *u, bool progress)
{
	int h = ustack_step(u->a, u->now);

	h += ustack_step(u->b, u->now);
	if (h == 0 && !progress) {
		uint64_t da = ustack_next_deadline(u->a), db = ustack_next_deadline(u->b);
		uint64_t d = da < db ? da : db;

		if (d == USTACK_NO_DEADLINE || bench_wall_ns() > u->t_end) {
			u->stuck = true;
			return;
		}
		if (d > u->now) {
			if (debug_on())
				debug_jump(u, d);
			u->vjump_us += d - u->now;
			u->now = d;
		}
	}
}

/* A connection a -> b:port; *fa client, *fb accepted (both non-blocking). */
static void upair_connect(struct upair *u, uint16_t port, int *fa, int *fb)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, lfd, c;

	lfd = ustack_socket(u->b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || ustack_bind(u->b, lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    ustack_listen(u->b, lfd, 8) != 0)
		die("ustack listen");
	c = ustack_socket(u->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	inet_pton(AF_INET, "10.0.0.2", &sin.sin_addr);
	if (c < 0 || (ustack_connect(u->a, c, (struct sockaddr *)&sin, sizeof(sin)) != 0 &&
		      errno != EINPROGRESS))
		die("ustack connect");
	*fb = -1;
	while (!u->stuck) {
		struct pollfd p = { .fd = c, .events = POLLOUT };

		if (*fb < 0)
			*fb = ustack_accept4(u->b, lfd, NULL, NULL, SOCK_NONBLOCK);
		if (*fb >= 0 && ustack_poll(u->a, &p, 1, 0) == 1 && (p.revents & POLLOUT))
			break;
		upair_step(u, false);
	}
	if (u->stuck)
		die("ustack handshake did not complete");
	ustack_close(u->b, lfd);
	ustack_set_trace(u->a, NULL, NULL);
	ustack_set_trace(u->b, NULL, NULL);
	*fa = c;
	ustack_setsockopt(u->a, c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ustack_setsockopt(u->b, *fb, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void upair_free(struct upair *u)
{
	ustack_free(u->a);
	ustack_free(u->b);
}

static unsigned long long retransmits(struct ustack *st)
{
	struct ustack_stats s;

	ustack_get_stats(st, &s);
	return (unsigned long long)s.tcp_retransmits;
}

/* BENCH_DEBUG=1: the counters of both stacks after each single-thread ustack run. */
static void debug_stats(struct upair *u, const char *what)
{
	if (!debug_on())
		return;
	fprintf(stderr, "--- %s: stack a (client) ---\n", what);
	ustack_print_stats(u->a, stderr);
	fprintf(stderr, "--- %s: stack b (server) ---\n", what);
	ustack_print_stats(u->b, stderr);
	fprintf(stderr, "--- virtual time skipped: %llu us\n", (unsigned long long)u->vjump_us);
}

static struct result ustack_bulk(unsigned mtu, bool pipe)
{
	struct ustack_vnet *vn = pipe ? NULL : ustack_vnet_new();
	struct upair u;
	struct result r = { .ok = false };
	uint64_t total = bulk_bytes(), sent = 0, got = 0, t0, c0, t1, c1;
	static uint8_t buf[CHUNK], rbuf[CHUNK];
	bool shut = false, eof = false;
	int fa, fb;

	if (!vn && !pipe)
		die("ustack_vnet_new");
	memset(buf, 0x5a, sizeof(buf));
	upair_init(&u, vn, mtu);
	upair_connect(&u, 5001, &fa, &fb);
	u.vjump_us = 0;
	t0 = bench_wall_ns();
	c0 = bench_thread_cpu_ns();
	while (!eof && !u.stuck) {
		bool progress = false;

		while (sent < total) {
			size_t n = total - sent < CHUNK ? (size_t)(total - sent) : CHUNK;
			ssize_t k = ustack_send(u.a, fa, buf, n, MSG_DONTWAIT);

			if (k <= 0)
				break;
			sent += (uint64_t)k;
			progress = true;
		}
		if (sent == total && !shut) {
			ustack_shutdown(u.a, fa, SHUT_WR);
			shut = progress = true;
		}
		for (;;) {
			ssize_t k = ustack_recv(u.b, fb, rbuf, sizeof(rbuf), MSG_DONTWAIT);

			if (k == 0)
				eof = true;
			if (k <= 0)
				break;
			got += (uint64_t)k;
			progress = true;
		}
		if (!eof)
			upair_step(&u, progress);
	}
	t1 = bench_wall_ns();
	c1 = bench_thread_cpu_ns();
	if (eof && got == total) {
		r.ok = true;
		r.gbps = (double)total * 8 / (double)(t1 - t0);
		r.cpu_gbps = (double)total * 8 / (double)(c1 - c0);
		r.vjump_ms = (double)u.vjump_us / 1000;
		r.retransmits = retransmits(u.a) + retransmits(u.b);
	} else {
		fprintf(stderr, "bench_tcp: ustack bulk (mtu %u) failed: got %llu of %llu\n", mtu,
			(unsigned long long)got, (unsigned long long)total);
	}
	debug_stats(&u, "bulk");
	ustack_close(u.a, fa);
	ustack_close(u.b, fb);
	upair_free(&u);
	if (vn)
		ustack_vnet_free(vn);
	return r;
}

/* Wait (stepping) until fd on st has a byte, and read it. */
static bool upair_recv1(struct upair *u, struct ustack *st, int fd)
{
	uint8_t c;

	while (!u->stuck) {
		ssize_t k = ustack_recv(st, fd, &c, 1, MSG_DONTWAIT);

		if (k == 1)
			return true;
		if (k == 0 || (k < 0 && errno != EAGAIN))
			return false;
		upair_step(u, false);
	}
	return false;
}

static struct result ustack_pingpong(bool pipe)
{
	struct ustack_vnet *vn = pipe ? NULL : ustack_vnet_new();
	struct upair u;
	struct result r = { .ok = false };
	long n = pingpong_count(), i;
	uint64_t t0, c0, t1, c1;
	uint8_t c = 'x';
	int fa, fb;

	if (!vn && !pipe)
		die("ustack_vnet_new");
	upair_init(&u, vn, 1500);
	upair_connect(&u, 5002, &fa, &fb);
	u.vjump_us = 0;
	t0 = bench_wall_ns();
	c0 = bench_thread_cpu_ns();
	for (i = 0; i < n; i++) {
		if (ustack_send(u.a, fa, &c, 1, MSG_DONTWAIT) != 1 || !upair_recv1(&u, u.b, fb))
			break;
		if (ustack_send(u.b, fb, &c, 1, MSG_DONTWAIT) != 1 || !upair_recv1(&u, u.a, fa))
			break;
	}
	t1 = bench_wall_ns();
	c1 = bench_thread_cpu_ns();
	if (i == n) {
		r.ok = true;
		r.tps = (double)n * 1e9 / (double)(t1 - t0);
		r.cpu_us_per_tx = (double)(c1 - c0) / 1000 / (double)n;
		r.vjump_ms = (double)u.vjump_us / 1000;
	} else {
		fprintf(stderr, "bench_tcp: ustack ping-pong stopped after %ld of %ld\n", i, n);
	}
	debug_stats(&u, "ping-pong");
	ustack_close(u.a, fa);
	ustack_close(u.b, fb);
	upair_free(&u);
	if (vn)
		ustack_vnet_free(vn);
	return r;
}

/* ===================================================================================
 * A client thread and a server thread over a BSD-style socket API: Linux, lwIP, and
 * ustack with runner threads.
 * =================================================================================== */

struct api {
	const char *name;
	void *cli, *srv;             /* context passed to every call (ustack: the stack) */
	struct sockaddr_in addr;     /* the server listens here (port 0: pick) */
	int (*socket)(void *x, int domain, int type, int proto);
	int (*bind)(void *x, int s, const struct sockaddr *a, socklen_t l);
	int (*listen)(void *x, int s, int backlog);
	int (*accept)(void *x, int s);
	int (*connect)(void *x, int s, const struct sockaddr *a, socklen_t l);
	ssize_t (*send)(void *x, int s, const void *b, size_t n);
	ssize_t (*recv)(void *x, int s, void *b, size_t n);
	int (*nodelay)(void *x, int s);
	int (*port)(void *x, int s);          /* the bound port (network order) */
	int (*shutdown_wr)(void *x, int s);
	int (*close)(void *x, int s);
};

/* --- Linux --- */
static int lx_socket(void *x, int d, int t, int p) { (void)x; return socket(d, t, p); }
static int lx_bind(void *x, int s, const struct sockaddr *a, socklen_t l) { (void)x; return bind(s, a, l); }
static int lx_listen(void *x, int s, int b) { (void)x; return listen(s, b); }
static int lx_accept(void *x, int s) { (void)x; return accept(s, NULL, NULL); }
static int lx_connect(void *x, int s, const struct sockaddr *a, socklen_t l) { (void)x; return connect(s, a, l); }
static ssize_t lx_send(void *x, int s, const void *b, size_t n) { (void)x; return send(s, b, n, MSG_NOSIGNAL); }
static ssize_t lx_recv(void *x, int s, void *b, size_t n) { (void)x; return recv(s, b, n, 0); }
static int lx_nodelay(void *x, int s)
{
	int one = 1;

	(void)x;
	return setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}
static int lx_port(void *x, int s)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	(void)x;
	return getsockname(s, (struct sockaddr *)&a, &l) == 0 ? a.sin_port : -1;
}
static int lx_shutdown_wr(void *x, int s) { (void)x; return shutdown(s, SHUT_WR); }
static int lx_close(void *x, int s) { (void)x; return close(s); }

static struct api linux_api(void)
{
	struct api a = {
		.name = "Linux", .socket = lx_socket, .bind = lx_bind, .listen = lx_listen,
		.accept = lx_accept, .connect = lx_connect, .send = lx_send, .recv = lx_recv,
		.nodelay = lx_nodelay, .port = lx_port, .shutdown_wr = lx_shutdown_wr,
		.close = lx_close,
	};

	a.addr.sin_family = AF_INET;
	a.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* --- lwIP --- */
static int lw_socket(void *x, int d, int t, int p) { (void)x; return lwipb_sk.socket(d, t, p); }
static int lw_bind(void *x, int s, const struct sockaddr *a, socklen_t l) { (void)x; return lwipb_sk.bind(s, a, l); }
static int lw_listen(void *x, int s, int b) { (void)x; return lwipb_sk.listen(s, b); }
static int lw_accept(void *x, int s) { (void)x; return lwipb_sk.accept(s, NULL, NULL); }
static int lw_connect(void *x, int s, const struct sockaddr *a, socklen_t l) { (void)x; return lwipb_sk.connect(s, a, l); }
static ssize_t lw_send(void *x, int s, const void *b, size_t n) { (void)x; return lwipb_sk.send(s, b, n, 0); }
static ssize_t lw_recv(void *x, int s, void *b, size_t n) { (void)x; return lwipb_sk.recv(s, b, n, 0); }
static int lw_nodelay(void *x, int s)
{
	int one = 1;

	(void)x;
	return lwipb_sk.setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}
static int lw_port(void *x, int s)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	(void)x;
	return lwipb_sk.getsockname(s, (struct sockaddr *)&a, &l) == 0 ? a.sin_port : -1;
}
static int lw_shutdown_wr(void *x, int s) { (void)x; return lwipb_sk.shutdown(s, SHUT_WR); }
static int lw_close(void *x, int s) { (void)x; return lwipb_sk.close(s); }

#define LWIP_ADDR "10.9.0.1"

static struct api lwip_api(void)
{
	struct api a = {
		.name = "lwIP", .socket = lw_socket, .bind = lw_bind, .listen = lw_listen,
		.accept = lw_accept, .connect = lw_connect, .send = lw_send, .recv = lw_recv,
		.nodelay = lw_nodelay, .port = lw_port, .shutdown_wr = lw_shutdown_wr,
		.close = lw_close,
	};

	a.addr.sin_family = AF_INET;
	inet_pton(AF_INET, LWIP_ADDR, &a.addr.sin_addr);
	return a;
}

/* --- ustack with runner threads --- */
static int us_socket(void *x, int d, int t, int p) { return ustack_socket(x, d, t, p); }
static int us_bind(void *x, int s, const struct sockaddr *a, socklen_t l) { return ustack_bind(x, s, a, l); }
static int us_listen(void *x, int s, int b) { return ustack_listen(x, s, b); }
static int us_accept(void *x, int s) { return ustack_accept(x, s, NULL, NULL); }
static int us_connect(void *x, int s, const struct sockaddr *a, socklen_t l) { return ustack_connect(x, s, a, l); }
static ssize_t us_send(void *x, int s, const void *b, size_t n) { return ustack_send(x, s, b, n, 0); }
static ssize_t us_recv(void *x, int s, void *b, size_t n) { return ustack_recv(x, s, b, n, 0); }
static int us_nodelay(void *x, int s)
{
	int one = 1;

	return ustack_setsockopt(x, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}
static int us_port(void *x, int s)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	return ustack_getsockname(x, s, (struct sockaddr *)&a, &l) == 0 ? a.sin_port : -1;
}
static int us_shutdown_wr(void *x, int s) { return ustack_shutdown(x, s, SHUT_WR); }
static int us_close(void *x, int s) { return ustack_close(x, s); }

static struct api ustack_runner_api(struct ustack *cli, struct ustack *srv)
{
	struct api a = {
		.name = "ustack-runner", .cli = cli, .srv = srv, .socket = us_socket,
		.bind = us_bind, .listen = us_listen, .accept = us_accept, .connect = us_connect,
		.send = us_send, .recv = us_recv, .nodelay = us_nodelay, .port = us_port,
		.shutdown_wr = us_shutdown_wr, .close = us_close,
	};

	a.addr.sin_family = AF_INET;
	inet_pton(AF_INET, "10.0.0.2", &a.addr.sin_addr);
	return a;
}

/* --- the two threads --- */

enum mode { BULK, PINGPONG };

struct srv {
	const struct api *api;
	int lfd;
	enum mode mode;
	uint64_t got;
	uint64_t t_end;              /* wall ns when the end of stream was read */
	bool ok;
};

static void *server_main(void *arg)
{
	struct srv *s = arg;
	static uint8_t rbuf[CHUNK];
	void *x = s->api->srv;
	int fd = s->api->accept(x, s->lfd);

	if (fd < 0)
		return NULL;
	s->api->nodelay(x, fd);
	if (s->mode == BULK) {
		for (;;) {
			ssize_t k = s->api->recv(x, fd, rbuf, sizeof(rbuf));

			if (k == 0) {
				s->ok = true;
				break;
			}
			if (k < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			s->got += (uint64_t)k;
		}
	} else {
		uint8_t c;

		for (;;) {
			ssize_t k = s->api->recv(x, fd, &c, 1);

			if (k == 0) {
				s->ok = true;
				break;
			}
			if (k < 0 || s->api->send(x, fd, &c, 1) != 1)
				break;
		}
	}
	s->t_end = bench_wall_ns();
	s->api->close(x, fd);
	return NULL;
}

static struct result threads_run(const struct api *api, enum mode mode)
{
	static uint8_t buf[CHUNK];
	struct result r = { .ok = false };
	struct srv s = { .api = api, .mode = mode };
	struct sockaddr_in sin = api->addr;
	uint64_t total = bulk_bytes(), sent = 0, t0, c0, c1;
	long n = pingpong_count(), i = 0;
	pthread_t th;
	int fd;

	memset(buf, 0x5a, sizeof(buf));
	s.lfd = api->socket(api->srv, AF_INET, SOCK_STREAM, 0);
	if (s.lfd < 0 || api->bind(api->srv, s.lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    api->listen(api->srv, s.lfd, 8) != 0) {
		fprintf(stderr, "bench_tcp: %s: listen: %s\n", api->name, strerror(errno));
		return r;
	}
	sin.sin_port = (in_port_t)api->port(api->srv, s.lfd);
	if (pthread_create(&th, NULL, server_main, &s) != 0)
		die("pthread_create");
	fd = api->socket(api->cli, AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || api->connect(api->cli, fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		fprintf(stderr, "bench_tcp: %s: connect: %s\n", api->name, strerror(errno));
		exit(1);
	}
	api->nodelay(api->cli, fd);
	t0 = bench_wall_ns();
	c0 = bench_proc_cpu_ns();
	if (mode == BULK) {
		while (sent < total) {
			size_t m = total - sent < CHUNK ? (size_t)(total - sent) : CHUNK;
			ssize_t k = api->send(api->cli, fd, buf, m);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			sent += (uint64_t)k;
		}
		api->shutdown_wr(api->cli, fd);
	} else {
		uint8_t c = 'x';

		for (i = 0; i < n; i++) {
			if (api->send(api->cli, fd, &c, 1) != 1 || api->recv(api->cli, fd, &c, 1) != 1)
				break;
		}
		api->shutdown_wr(api->cli, fd);
	}
	pthread_join(th, NULL);
	c1 = bench_proc_cpu_ns();
	api->close(api->cli, fd);
	api->close(api->srv, s.lfd);
	if (mode == BULK && s.ok && s.got == total) {
		r.ok = true;
		r.gbps = (double)total * 8 / (double)(s.t_end - t0);
		r.cpu_gbps = (double)total * 8 / (double)(c1 - c0);
	} else if (mode == PINGPONG && i == n && s.ok) {
		r.ok = true;
		r.tps = (double)n * 1e9 / (double)(s.t_end - t0);
		r.cpu_us_per_tx = (double)(c1 - c0) / 1000 / (double)n;
	} else {
		fprintf(stderr, "bench_tcp: %s %s failed (got %llu of %llu, %ld of %ld)\n", api->name,
			mode == BULK ? "bulk" : "ping-pong", (unsigned long long)s.got,
			(unsigned long long)total, i, n);
	}
	return r;
}

/* --- Linux in a private network namespace whose lo has MTU 1500 --- */

static int netns_lo_1500(void)
{
	struct ifreq ifr;
	int s;

	if (unshare(CLONE_NEWNET) != 0)
		return -1;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ifr.ifr_mtu = 1500;
	if (ioctl(s, SIOCSIFMTU, &ifr) != 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		close(s);
		return -1;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
		close(s);
		return -1;
	}
	close(s);
	return 0;
}

/* Run a Linux measurement in a child process inside its own namespace. */
static struct result linux_netns(enum mode mode)
{
	struct result r = { .ok = false };
	int pfd[2], status;
	pid_t pid;

	if (pipe(pfd) != 0)
		return r;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (pid == 0) {
		struct api api = linux_api();
		struct result cr = { .ok = false };

		close(pfd[0]);
		if (netns_lo_1500() == 0)
			cr = threads_run(&api, mode);
		if (write(pfd[1], &cr, sizeof(cr)) != (ssize_t)sizeof(cr))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		r.ok = false;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return r;
}

/* --- ustack with runner threads --- */

static struct result ustack_runner(enum mode mode)
{
	struct ustack_vnet *vn = ustack_vnet_new();
	struct upair u;
	struct api api;
	struct result r;

	if (!vn)
		die("ustack_vnet_new");
	upair_init(&u, vn, 1500);
	api = ustack_runner_api(u.a, u.b);
	if (ustack_start(u.a) != 0 || ustack_start(u.b) != 0)
		die("ustack_start");
	struct ustack_stats sa0, sb0, sa1, sb1;
	ustack_get_stats(u.a, &sa0);
	ustack_get_stats(u.b, &sb0);
	r = threads_run(&api, mode);
	ustack_get_stats(u.a, &sa1);
	ustack_get_stats(u.b, &sb1);
	r.wakeups_per_mib = (double)(sa1.sock_wakeups - sa0.sock_wakeups + sb1.sock_wakeups -
				     sb0.sock_wakeups) / (double)(bulk_bytes() >> 20);
	ustack_stop(u.a);
	ustack_stop(u.b);
	upair_free(&u);
	ustack_vnet_free(vn);
	return r;
}

/* =================================================================================== */


/* The quantities of one side (ustack configuration, Linux, lwIP). */
struct side {
	struct bench_stat bulk, bulk_cpu, pp, pp_cpu, wakeups;
};

static void record(struct side *sd, const struct result *r, enum mode mode)
{
	if (!r->ok)
		return;
	if (mode == BULK) {
		bench_stat_add(&sd->bulk, r->gbps);
		bench_stat_add(&sd->bulk_cpu, r->cpu_gbps);
		bench_stat_add(&sd->wakeups, r->wakeups_per_mib);
	} else {
		bench_stat_add(&sd->pp, r->tps);
		bench_stat_add(&sd->pp_cpu, r->cpu_us_per_tx);
	}
}

static void side_na(struct side *sd, const char *why)
{
	bench_stat_na(&sd->bulk, why);
	bench_stat_na(&sd->bulk_cpu, why);
	bench_stat_na(&sd->pp, why);
	bench_stat_na(&sd->pp_cpu, why);
}

int main(void)
{
	char why[256] = "";
	int runs = bench_runs();
	struct api lx = linux_api(), lw = lwip_api();
	bool do_us = bench_want("ustack"), do_run = bench_want("ustack-runner");
	bool do_lx = bench_want("linux"), have_lwip = false, netns_ok = true;
	struct side us_vnet, us_pipe, us_vnet64k, us_pipe64k, us_run, linux_lo, linux_1500, lwip;
	double vjump_max = 0;
	unsigned long long rexmit_max = 0;

	struct side none_side;
	struct bench_stat none;

	memset(&us_vnet, 0, sizeof(us_vnet));
	memset(&none_side, 0, sizeof(none_side));
	bench_stat_na(&none_side.wakeups, "ustack's counter");
	none = none_side.wakeups;
	us_pipe = us_vnet64k = us_pipe64k = us_run = linux_lo = linux_1500 = lwip = us_vnet;
	if (bench_want("lwip")) {
		have_lwip = lwipb_start(why, sizeof(why)) == 0;
		if (have_lwip) {
			const uint8_t mac[6] = { 0x02, 0, 0, 0, 0x1f, 0x01 };
			struct in_addr a;

			inet_pton(AF_INET, LWIP_ADDR, &a);
			if (lwipb_netif_add(a.s_addr, 24, mac, NULL, NULL) != 0) {
				snprintf(why, sizeof(why), "lwIP netif_add failed");
				have_lwip = false;
			}
		}
	} else {
		snprintf(why, sizeof(why), "left out by BENCH_ONLY");
	}
	fprintf(stderr, "bench_tcp: %d runs of %llu MiB bulk and %ld ping-pong transactions per "
		"side...\n", runs, (unsigned long long)(bulk_bytes() >> 20), pingpong_count());

	for (int run = 0; run < runs; run++) {
		struct result r;

		if (do_us) {
			r = ustack_bulk(1500, false);
			record(&us_vnet, &r, BULK);
			if (r.vjump_ms > vjump_max)
				vjump_max = r.vjump_ms;
			if (r.retransmits > rexmit_max)
				rexmit_max = r.retransmits;
			r = ustack_bulk(1500, true);
			record(&us_pipe, &r, BULK);
			r = ustack_bulk(65535, false);
			record(&us_vnet64k, &r, BULK);
			r = ustack_bulk(65535, true);
			record(&us_pipe64k, &r, BULK);
			r = ustack_pingpong(false);
			record(&us_vnet, &r, PINGPONG);
			if (r.vjump_ms > vjump_max)
				vjump_max = r.vjump_ms;
			r = ustack_pingpong(true);
			record(&us_pipe, &r, PINGPONG);
		}
		if (do_run) {
			r = ustack_runner(BULK);
			record(&us_run, &r, BULK);
			r = ustack_runner(PINGPONG);
			record(&us_run, &r, PINGPONG);
		}
		if (do_lx) {
			r = threads_run(&lx, BULK);
			record(&linux_lo, &r, BULK);
			r = threads_run(&lx, PINGPONG);
			record(&linux_lo, &r, PINGPONG);
			if (netns_ok) {
				r = linux_netns(BULK);
				netns_ok = r.ok;
				record(&linux_1500, &r, BULK);
				r = linux_netns(PINGPONG);
				record(&linux_1500, &r, PINGPONG);
			}
		}
		if (have_lwip) {
			r = threads_run(&lw, BULK);
			record(&lwip, &r, BULK);
			r = threads_run(&lw, PINGPONG);
			record(&lwip, &r, PINGPONG);
		}
	}
	if (!have_lwip)
		side_na(&lwip, why);
	if (!netns_ok)
		side_na(&linux_1500, "no network namespace");

	const struct bench_table t = {
		.title = "bench_tcp: TCP bulk throughput and 1-byte ping-pong",
		.col = { "ustack", "Linux", "lwIP" },
	};
	bench_table_begin(&t);
	bench_table_row(&t, "bulk MTU1500 vnet | lo1500 netns", "Gbit/s", "higher",
			&us_vnet.bulk, &linux_1500.bulk, &lwip.bulk);
	bench_table_row(&t, "  per CPU second", "Gbit/CPU-s", "higher",
			&us_vnet.bulk_cpu, &linux_1500.bulk_cpu, &lwip.bulk_cpu);
	bench_table_row(&t, "bulk MTU1500 pipe | lo1500 netns", "Gbit/s", "higher",
			&us_pipe.bulk, &linux_1500.bulk, &lwip.bulk);
	bench_table_row(&t, "  per CPU second", "Gbit/CPU-s", "higher",
			&us_pipe.bulk_cpu, &linux_1500.bulk_cpu, &lwip.bulk_cpu);
	bench_table_row(&t, "bulk MTU64K vnet | lo (65536)", "Gbit/s", "higher",
			&us_vnet64k.bulk, &linux_lo.bulk, &lwip.bulk);
	bench_table_row(&t, "  per CPU second", "Gbit/CPU-s", "higher",
			&us_vnet64k.bulk_cpu, &linux_lo.bulk_cpu, &lwip.bulk_cpu);
	bench_table_row(&t, "bulk MTU64K pipe | lo (65536)", "Gbit/s", "higher",
			&us_pipe64k.bulk, &linux_lo.bulk, &lwip.bulk);
	bench_table_row(&t, "  per CPU second", "Gbit/CPU-s", "higher",
			&us_pipe64k.bulk_cpu, &linux_lo.bulk_cpu, &lwip.bulk_cpu);
	bench_table_row(&t, "bulk runner thr. | lo1500 netns", "Gbit/s", "higher",
			&us_run.bulk, &linux_1500.bulk, &lwip.bulk);
	bench_table_row(&t, "  per CPU second", "Gbit/CPU-s", "higher",
			&us_run.bulk_cpu, &linux_1500.bulk_cpu, &lwip.bulk_cpu);
	bench_table_row(&t, "  runner wake-ups per MiB", "wake-ups", "lower",
			&us_run.wakeups, &none, &none);
	bench_table_row(&t, "ping-pong 1B vnet | lo", "trans/s", "higher",
			&us_vnet.pp, &linux_lo.pp, &lwip.pp);
	bench_table_row(&t, "  CPU per transaction", "CPU us", "lower",
			&us_vnet.pp_cpu, &linux_lo.pp_cpu, &lwip.pp_cpu);
	bench_table_row(&t, "ping-pong 1B pipe | lo", "trans/s", "higher",
			&us_pipe.pp, &linux_lo.pp, &lwip.pp);
	bench_table_row(&t, "  CPU per transaction", "CPU us", "lower",
			&us_pipe.pp_cpu, &linux_lo.pp_cpu, &lwip.pp_cpu);
	bench_table_row(&t, "ping-pong runner thr. | lo", "trans/s", "higher",
			&us_run.pp, &linux_lo.pp, &lwip.pp);
	bench_table_row(&t, "  CPU per transaction", "CPU us", "lower",
			&us_run.pp_cpu, &linux_lo.pp_cpu, &lwip.pp_cpu);
	bench_table_row(&t, "ping-pong 1B vnet | lo1500 netns", "trans/s", "higher",
			&us_vnet.pp, &linux_1500.pp, &lwip.pp);
	bench_note("%llu MiB per bulk run, %ld ping-pong transactions per run, 64 KiB per "
		   "send/recv, default socket buffers (ustack: 128 KiB growing by auto-tuning)",
		   (unsigned long long)(bulk_bytes() >> 20), pingpong_count());
	bench_note("ustack 'vnet'/'pipe': one thread steps both stacks on a virtual clock over the "
		   "in-process switch / a bench-only back-to-back ring (max %.1f ms of virtual time "
		   "skipped to timers, %llu retransmissions in a vnet bulk run)", vjump_max, rexmit_max);
	bench_note("ustack 'runner thr.': both stacks on their ustack_start() threads over the vnet "
		   "(MTU 1500), client and server threads with blocking sockets");
	bench_note("Linux and lwIP: a client and a server thread; 'lo1500 netns': Linux in a private "
		   "network namespace whose lo has MTU 1500; CPU = user+sys of the whole process");
	if (have_lwip)
		bench_note("lwIP %s (Debian liblwip): TCP_MSS 1460, TCP_WND = TCP_SND_BUF = 64 KiB; its "
			   "loopback runs through netif_loop_output and the tcpip thread",
			   lwipb_version());
	else
		bench_note("lwIP not measured: %s", why);
	bench_table_end(&t);
	return 0;
}
