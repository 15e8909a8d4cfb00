/* sim_epoll.c - ustack_epoll's semantics from one table of cases, run twice: on ustack
 * (two stacks on a vnet, virtual clock) and on Linux epoll over kernel TCP sockets (in a
 * network namespace this test makes for itself with unshare(CLONE_NEWNET), on its
 * loopback). Each case is a list of steps (write, read, shutdown, close, connect,
 * accept, epoll_ctl) and of waits with the events every wait must return. Where ustack
 * and Linux agree on the table, they agree with each other: level-triggered, EPOLLET,
 * EPOLLONESHOT, EPOLLRDHUP, EPOLLERR|EPOLLHUP after a reset, a listener's pending
 * connection, a closed descriptor leaving the set, EPOLL_CTL_DEL, and epoll_ctl's
 * errors. Also: the set's event descriptor (a kernel eventfd) is readable exactly
 * while the set has ready sockets, and a poll() on the set reports it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "lib_simnet.h"
#include "ustack/epoll.h"
#include "ustack/socket.h"

/* ---- the table ------------------------------------------------------------------ */

enum side { L, A, B, N };   /* listener; accepted end; client end; a new client */

enum op {
	END,
	CTL,            /* epoll_ctl(arg op) on side with events */
	CTL_ERR,        /* the same, expecting -1 with errno `err` */
	WRITE,          /* n bytes from side */
	READ,           /* up to n bytes on side; expect `n` read */
	SHUTWR,
	CLOSE,
	CONNECT_N,      /* a new client N connects to the listener */
	ACCEPT_N,       /* accept it on L (becomes side N's server end, replaces A) */
	WAIT,           /* epoll_wait(timeout 0) after the network settled: expect `count`
	                   results; if count 1, on `side` with exactly `events` */
	FILL,           /* write from side until the buffers are full (EAGAIN) */
	DRAIN,          /* read on side until nothing more comes */
	EFD,            /* the event descriptor readable == n */
	POLL_SET,       /* poll() on the set reports POLLIN == n */
};

struct step {
	enum op op;
	enum side side;
	uint32_t events;
	int n;          /* bytes, count, flag, or the epoll_ctl op */
	int err;
};

struct ecase {
	const char *name;
	struct step steps[16];
};

#define IN EPOLLIN
#define OUT EPOLLOUT
#define ADD(s, ev) { CTL, s, ev, EPOLL_CTL_ADD, 0 }
#define MOD(s, ev) { CTL, s, ev, EPOLL_CTL_MOD, 0 }
#define DEL(s) { CTL, s, 0, EPOLL_CTL_DEL, 0 }
#define WAIT0 { WAIT, A, 0, 0, 0 }
#define WAIT1(s, ev) { WAIT, s, ev, 1, 0 }

static const struct ecase CASES[] = {
	{ "level-triggered: unread data is reported by every wait", {
		ADD(A, IN), WAIT0, { WRITE, B, 0, 100, 0 }, WAIT1(A, IN), WAIT1(A, IN),
		{ READ, A, 0, 100, 0 }, WAIT0 } },
	{ "EPOLLET: one report per arrival", {
		ADD(A, IN | EPOLLET), { WRITE, B, 0, 10, 0 }, WAIT1(A, IN), WAIT0,
		{ WRITE, B, 0, 5, 0 }, WAIT1(A, IN), WAIT0, { READ, A, 0, 15, 0 }, WAIT0 } },
	{ "EPOLLONESHOT: one report until EPOLL_CTL_MOD", {
		ADD(A, IN | EPOLLONESHOT), { WRITE, B, 0, 10, 0 }, WAIT1(A, IN), WAIT0,
		{ WRITE, B, 0, 10, 0 }, WAIT0, MOD(A, IN | EPOLLONESHOT), WAIT1(A, IN), WAIT0 } },
	{ "level-triggered EPOLLOUT while there is room", {
		ADD(A, OUT), WAIT1(A, OUT), WAIT1(A, OUT) } },
	{ "EPOLLET EPOLLOUT: reported once", {
		ADD(A, OUT | EPOLLET), WAIT1(A, OUT), WAIT0 } },
	{ "EPOLLET EPOLLOUT: a write that fits, then its ACK: no new report", {
		ADD(A, OUT | EPOLLET), WAIT1(A, OUT), WAIT0, { WRITE, A, 0, 100, 0 }, WAIT0 } },
	{ "EPOLLET EPOLLIN: data unread, then the ACK of our own write: no new report", {
		ADD(A, IN | EPOLLET), { WRITE, B, 0, 10, 0 }, WAIT1(A, IN), WAIT0,
		{ WRITE, A, 0, 100, 0 }, WAIT0 } },
	{ "EPOLLET EPOLLOUT: a write that found the buffer full is told of room again", {
		ADD(A, OUT | EPOLLET), WAIT1(A, OUT), { FILL, A, 0, 0, 0 }, WAIT0,
		{ DRAIN, B, 0, 0, 0 }, WAIT1(A, OUT), WAIT0 } },
	{ "input and output together", {
		ADD(A, IN | OUT), { WRITE, B, 0, 1, 0 }, WAIT1(A, IN | OUT) } },
	{ "the peer's FIN: EPOLLIN | EPOLLRDHUP", {
		ADD(A, IN | EPOLLRDHUP), WAIT0, { SHUTWR, B, 0, 0, 0 },
		WAIT1(A, IN | EPOLLRDHUP), { READ, A, 0, 0, 0 }, WAIT1(A, IN | EPOLLRDHUP) } },
	{ "a reset: EPOLLIN | EPOLLERR | EPOLLHUP, asked or not", {
		ADD(A, IN | EPOLLRDHUP), { WRITE, A, 0, 10, 0 }, { CLOSE, B, 0, 0, 0 },
		WAIT1(A, IN | EPOLLRDHUP | EPOLLERR | EPOLLHUP) } },
	{ "EPOLLERR and EPOLLHUP even with no event asked", {
		ADD(A, 0), { WRITE, A, 0, 10, 0 }, { CLOSE, B, 0, 0, 0 },
		WAIT1(A, EPOLLERR | EPOLLHUP) } },
	{ "a listener is readable while a connection waits", {
		ADD(L, IN), WAIT0, { CONNECT_N, N, 0, 0, 0 }, WAIT1(L, IN), WAIT1(L, IN),
		{ ACCEPT_N, L, 0, 0, 0 }, WAIT0 } },
	{ "EPOLLET listener: one report per connection", {
		ADD(L, IN | EPOLLET), { CONNECT_N, N, 0, 0, 0 }, WAIT1(L, IN), WAIT0 } },
	{ "a closed descriptor leaves the set", {
		ADD(A, IN), { WRITE, B, 0, 10, 0 }, { CLOSE, A, 0, 0, 0 }, WAIT0,
		{ EFD, A, 0, 0, 0 } } },
	{ "EPOLL_CTL_DEL: no more reports", {
		ADD(A, IN), DEL(A), { WRITE, B, 0, 10, 0 }, WAIT0 } },
	{ "EPOLL_CTL_MOD changes the events", {
		ADD(A, IN), WAIT0, MOD(A, OUT), WAIT1(A, OUT), MOD(A, IN), WAIT0 } },
	{ "the event descriptor is readable while something is ready", {
		ADD(A, IN), { EFD, A, 0, 0, 0 }, { POLL_SET, A, 0, 0, 0 },
		{ WRITE, B, 0, 10, 0 }, { EFD, A, 0, 1, 0 }, { POLL_SET, A, 0, 1, 0 },
		WAIT1(A, IN), { EFD, A, 0, 1, 0 }, { READ, A, 0, 10, 0 }, WAIT0,
		{ EFD, A, 0, 0, 0 }, { POLL_SET, A, 0, 0, 0 } } },
	{ "epoll_ctl errors", {
		ADD(A, IN), { CTL_ERR, A, IN, EPOLL_CTL_ADD, EEXIST },
		{ CTL_ERR, L, IN, EPOLL_CTL_MOD, ENOENT }, { CTL_ERR, L, 0, EPOLL_CTL_DEL, ENOENT },
		{ CTL_ERR, L, IN | EPOLLONESHOT | EPOLLEXCLUSIVE, EPOLL_CTL_ADD, EINVAL } } },
};

/* ---- a driver: the same operations on ustack or on Linux -------------------------- */

struct drv {
	const char *name;
	int fd[4];                   /* by side; -1: none */
	int ep;
	int (*ctl)(struct drv *d, int op, int fd, struct epoll_event *ev);
	int (*wait)(struct drv *d, struct epoll_event *ev, int max);
	ssize_t (*wr)(struct drv *d, int fd, const void *b, size_t n);
	ssize_t (*rd)(struct drv *d, int fd, void *b, size_t n);
	int (*shut)(struct drv *d, int fd);
	int (*cls)(struct drv *d, int fd);
	int (*connect_new)(struct drv *d);      /* a client socket connected to L */
	int (*accept_one)(struct drv *d);
	int (*event_fd)(struct drv *d);
	int (*poll_set)(struct drv *d);         /* revents of a poll() on the set */
	void (*settle)(struct drv *d);
	void (*setup)(struct drv *d);           /* L, A, B connected; ep made */
	void (*teardown)(struct drv *d);
};

static const char *side_name(enum side s)
{
	static const char *const n[] = { "L", "A", "B", "N" };
	return n[s];
}

static int run_case(struct drv *d, const struct ecase *c)
{
	char buf[4096];

	d->setup(d);
	for (const struct step *s = c->steps; s->op != END; s++) {
		int fd = d->fd[s->side];
		struct epoll_event ev = { .events = s->events, .data.u32 = (uint32_t)s->side };
		struct epoll_event out[8];
		int rc;

		d->settle(d);
		switch (s->op) {
		case CTL:
			rc = d->ctl(d, s->n, fd, &ev);
			if (rc != 0) {
				fprintf(stderr, "%s: %s: step %td: epoll_ctl %d: %s\n", d->name, c->name,
					s - c->steps, s->n, strerror(errno));
				goto fail;
			}
			break;
		case CTL_ERR:
			errno = 0;
			rc = d->ctl(d, s->n, fd, &ev);
			if (rc != -1 || errno != s->err) {
				fprintf(stderr, "%s: %s: step %td: epoll_ctl %d gave %d errno %d, want %d\n",
					d->name, c->name, s - c->steps, s->n, rc, errno, s->err);
				goto fail;
			}
			break;
		case WRITE:
			memset(buf, 'x', sizeof(buf));
			if (d->wr(d, fd, buf, (size_t)s->n) != s->n)
				goto fail;
			break;
		case READ: {
			ssize_t n = d->rd(d, fd, buf, sizeof(buf));
			if (n != s->n) {
				fprintf(stderr, "%s: %s: step %td: read %zd, want %d\n", d->name, c->name,
					s - c->steps, n, s->n);
				goto fail;
			}
			break;
		}
		case FILL: {
			memset(buf, 'f', sizeof(buf));
			size_t total = 0;
			for (int i = 0, full = 0; i < 20000; i++) {  /* 80 MiB at most */
				ssize_t n = d->wr(d, fd, buf, sizeof(buf));
				if (n <= 0) {
					/* full: once more after the peer took what its
					 * window allows (buffers may be small, or grow) */
					if (full++)
						break;
					d->settle(d);
					continue;
				}
				full = 0;
				total += (size_t)n;
				if ((i & 63) == 63)
					d->settle(d);
			}
			if (total == 0)
				goto fail;
			break;
		}
		case DRAIN:
			for (int quiet = 0, i = 0; quiet < 3 && i < 100000; i++) {
				if (d->rd(d, fd, buf, sizeof(buf)) > 0) {
					quiet = 0;
				} else {
					quiet++;
					d->settle(d);
				}
			}
			break;
		case SHUTWR:
			if (d->shut(d, fd) != 0)
				goto fail;
			break;
		case CLOSE:
			d->cls(d, fd);
			d->fd[s->side] = -1;
			break;
		case CONNECT_N:
			d->fd[N] = d->connect_new(d);
			if (d->fd[N] < 0)
				goto fail;
			break;
		case ACCEPT_N: {
			int nfd = d->accept_one(d);
			if (nfd < 0)
				goto fail;
			d->cls(d, nfd);
			break;
		}
		case WAIT: {
			int n = d->wait(d, out, 8);
			bool ok = n == s->n;
			if (ok && n == 1)
				ok = out[0].data.u32 == (uint32_t)s->side && out[0].events == s->events;
			if (!ok) {
				fprintf(stderr, "%s: %s: step %td: wait gave %d", d->name, c->name,
					s - c->steps, n);
				for (int i = 0; i < n; i++)
					fprintf(stderr, " [%s %#x]", side_name(out[i].data.u32), out[i].events);
				fprintf(stderr, ", want %d [%s %#x]\n", s->n, side_name(s->side), s->events);
				goto fail;
			}
			break;
		}
		case EFD: {
			struct pollfd p = { .fd = d->event_fd(d), .events = POLLIN };
			int r = poll(&p, 1, 0);
			if ((r == 1) != (s->n != 0)) {
				fprintf(stderr, "%s: %s: step %td: event fd readable %d, want %d\n",
					d->name, c->name, s - c->steps, r, s->n);
				goto fail;
			}
			break;
		}
		case POLL_SET: {
			int r = d->poll_set(d);
			if (((r & POLLIN) != 0) != (s->n != 0)) {
				fprintf(stderr, "%s: %s: step %td: poll on the set %#x, want POLLIN %d\n",
					d->name, c->name, s - c->steps, r, s->n);
				goto fail;
			}
			break;
		}
		case END:
			break;
		}
	}
	d->teardown(d);
	return 0;
fail:
	d->teardown(d);
	return -1;
}

static int run_table(struct drv *d)
{
	int fails = 0;

	for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
		if (run_case(d, &CASES[i]) != 0)
			fails++;
		else
			fprintf(stderr, "%s: ok: %s\n", d->name, CASES[i].name);
	}
	return fails;
}

/* ---- ustack: a server and a client stack on one vnet ---------------------------- */

static struct simnet *SN;
static struct ustack *SRV, *CLI;

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };

	s.sin_addr.s_addr = simnet_addr(ip);
	return s;
}

/* Client descriptors are offset so that the two stacks' numbers never collide here. */
#define CLI_BASE 1000
static struct ustack *st_of(int *fd)
{
	if (*fd >= CLI_BASE) {
		*fd -= CLI_BASE;
		return CLI;
	}
	return SRV;
}

static int us_ctl(struct drv *d, int op, int fd, struct epoll_event *ev)
{
	if (fd >= CLI_BASE)
		fd = 0x7ffff;               /* a client fd is no descriptor of the server stack */
	return ustack_epoll_ctl(SRV, d->ep, op, fd, ev);
}

static int us_wait(struct drv *d, struct epoll_event *ev, int max)
{
	return ustack_epoll_wait(SRV, d->ep, ev, max, 0);
}

static ssize_t us_wr(struct drv *d, int fd, const void *b, size_t n)
{
	(void)d;
	struct ustack *st = st_of(&fd);
	return ustack_send(st, fd, b, n, 0);
}

static ssize_t us_rd(struct drv *d, int fd, void *b, size_t n)
{
	(void)d;
	struct ustack *st = st_of(&fd);
	return ustack_recv(st, fd, b, n, MSG_DONTWAIT);
}

static int us_shut(struct drv *d, int fd)
{
	(void)d;
	struct ustack *st = st_of(&fd);
	return ustack_shutdown(st, fd, SHUT_WR);
}

static int us_cls(struct drv *d, int fd)
{
	(void)d;
	struct ustack *st = st_of(&fd);
	return ustack_close(st, fd);
}

static int us_connect_new(struct drv *d)
{
	(void)d;
	struct sockaddr_in to = sin_of("10.0.0.2", 8080);
	int fd = ustack_socket(CLI, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (ustack_connect(CLI, fd, (struct sockaddr *)&to, sizeof(to)) != 0 && errno != EINPROGRESS)
		return -1;
	simnet_run_for(SN, 50000);
	return fd + CLI_BASE;
}

static int us_accept_one(struct drv *d)
{
	return ustack_accept4(SRV, d->fd[L], NULL, NULL, SOCK_NONBLOCK);
}

static int us_event_fd(struct drv *d)
{
	return ustack_epoll_event_fd(SRV, d->ep);
}

static int us_poll_set(struct drv *d)
{
	struct pollfd p = { .fd = d->ep, .events = POLLIN };

	return ustack_poll(SRV, &p, 1, 0) == 1 ? p.revents : 0;
}

static void us_settle(struct drv *d)
{
	(void)d;
	simnet_run_for(SN, 100000);     /* 100 ms: past any delayed ACK */
}

static void us_setup(struct drv *d)
{
	struct ustack_config cfg = { .tcp_msl_ms = 100 };

	SN = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(SN);
	CLI = simnet_stack(SN, "client", &cfg);
	SRV = simnet_stack(SN, "server", &cfg);
	simnet_attach(SN, CLI, vn, "10.0.0.1/24", 0, NULL, NULL);
	simnet_attach(SN, SRV, vn, "10.0.0.2/24", 0, NULL, NULL);
	struct sockaddr_in any = sin_of("0.0.0.0", 8080);
	d->fd[L] = ustack_socket(SRV, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(ustack_bind(SRV, d->fd[L], (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_listen(SRV, d->fd[L], 16), 0);
	d->fd[B] = us_connect_new(d);
	assert_true(d->fd[B] >= CLI_BASE);
	d->fd[A] = ustack_accept4(SRV, d->fd[L], NULL, NULL, SOCK_NONBLOCK);
	assert_true(d->fd[A] >= 0);
	d->fd[N] = -1;
	d->ep = ustack_epoll_create1(SRV, 0);
	assert_true(d->ep >= 0);
}

static void us_teardown(struct drv *d)
{
	(void)d;
	simnet_free(SN);
	SN = NULL;
}

static void test_ustack_table(void **state)
{
	(void)state;
	struct drv d = {
		.name = "ustack", .ctl = us_ctl, .wait = us_wait, .wr = us_wr, .rd = us_rd,
		.shut = us_shut, .cls = us_cls, .connect_new = us_connect_new,
		.accept_one = us_accept_one, .event_fd = us_event_fd, .poll_set = us_poll_set,
		.settle = us_settle, .setup = us_setup, .teardown = us_teardown,
	};
	assert_int_equal(run_table(&d), 0);
}

/* ---- Linux: kernel TCP on the loopback of a namespace of our own ------------------ */

static int lx_port;

static int lx_ctl(struct drv *d, int op, int fd, struct epoll_event *ev)
{
	return epoll_ctl(d->ep, op, fd, ev);
}

static int lx_wait(struct drv *d, struct epoll_event *ev, int max)
{
	return epoll_wait(d->ep, ev, max, 0);
}

static ssize_t lx_wr(struct drv *d, int fd, const void *b, size_t n)
{
	(void)d;
	return send(fd, b, n, MSG_NOSIGNAL);
}

static ssize_t lx_rd(struct drv *d, int fd, void *b, size_t n)
{
	(void)d;
	return recv(fd, b, n, MSG_DONTWAIT);
}

static int lx_shut(struct drv *d, int fd)
{
	(void)d;
	return shutdown(fd, SHUT_WR);
}

static int lx_cls(struct drv *d, int fd)
{
	(void)d;
	return close(fd);
}

static int lx_connect_new(struct drv *d)
{
	(void)d;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)lx_port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0)
		return -1;
	return fd;
}

static int lx_accept_one(struct drv *d)
{
	return accept4(d->fd[L], NULL, NULL, SOCK_NONBLOCK);
}

/* Linux has no event descriptor of a set: the set itself is a pollable descriptor. */
static int lx_event_fd(struct drv *d)
{
	return d->ep;
}

static int lx_poll_set(struct drv *d)
{
	struct pollfd p = { .fd = d->ep, .events = POLLIN };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static void lx_settle(struct drv *d)
{
	(void)d;
	usleep(20000);                  /* loopback delivers at once; room for softirqs */
}

static void lx_setup(struct drv *d)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(any);
	int one = 1;

	d->fd[L] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(d->fd[L] >= 0);
	setsockopt(d->fd[L], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(d->fd[L], (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(listen(d->fd[L], 16), 0);
	assert_int_equal(getsockname(d->fd[L], (struct sockaddr *)&any, &len), 0);
	lx_port = ntohs(any.sin_port);
	d->fd[B] = lx_connect_new(d);
	assert_true(d->fd[B] >= 0);
	usleep(10000);
	d->fd[A] = accept4(d->fd[L], NULL, NULL, SOCK_NONBLOCK);
	assert_true(d->fd[A] >= 0);
	d->fd[N] = -1;
	d->ep = epoll_create1(0);
	assert_true(d->ep >= 0);
}

static void lx_teardown(struct drv *d)
{
	for (int i = 0; i < 4; i++)
		if (d->fd[i] >= 0)
			close(d->fd[i]);
	close(d->ep);
}

/* Our own network namespace with its loopback up: no traffic outside this process. */
static void netns_private(void)
{
	struct ifreq ifr;

	if (unshare(CLONE_NEWNET) != 0)
		fail_msg("cannot run: unshare(CLONE_NEWNET): %s (needs root)", strerror(errno));
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

static void test_linux_table(void **state)
{
	(void)state;
	struct drv d = {
		.name = "linux", .ctl = lx_ctl, .wait = lx_wait, .wr = lx_wr, .rd = lx_rd,
		.shut = lx_shut, .cls = lx_cls, .connect_new = lx_connect_new,
		.accept_one = lx_accept_one, .event_fd = lx_event_fd, .poll_set = lx_poll_set,
		.settle = lx_settle, .setup = lx_setup, .teardown = lx_teardown,
	};
	netns_private();
	assert_int_equal(run_table(&d), 0);
}

/* ---- API misuse ------------------------------------------------------------------ */

static void test_misuse(void **state)
{
	(void)state;
	struct ustack *st = ustack_new(NULL);
	struct epoll_event ev = { .events = EPOLLIN }, out[1];

	assert_non_null(st);
	int ep = ustack_epoll_create1(st, 0);
	assert_true(ep >= 0);
	int s = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	assert_true(s >= 0);
	errno = 0;
	assert_int_equal(ustack_epoll_create1(st, 12345), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_epoll_create(st, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_epoll_ctl(st, ep, EPOLL_CTL_ADD, ep, &ev), -1);
	assert_int_equal(errno, EINVAL);                /* itself */
	assert_int_equal(ustack_epoll_ctl(st, ep, EPOLL_CTL_ADD, 999, &ev), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(ustack_epoll_ctl(st, s, EPOLL_CTL_ADD, s, &ev), -1);
	assert_int_equal(errno, EINVAL);                /* not a set */
	assert_int_equal(ustack_epoll_ctl(st, 999, EPOLL_CTL_ADD, s, &ev), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(ustack_epoll_ctl(st, ep, 77, s, &ev), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_epoll_ctl(st, ep, EPOLL_CTL_ADD, s, NULL), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(ustack_epoll_wait(st, ep, out, 0, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_epoll_wait(st, ep, NULL, 1, 0), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(ustack_epoll_wait(st, s, out, 1, 0), -1);
	assert_int_equal(errno, EINVAL);
	/* socket calls on a set: ENOTSOCK, as on Linux */
	char b[4];
	assert_int_equal(ustack_recv(st, ep, b, sizeof(b), 0), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(ustack_listen(st, ep, 1), -1);
	assert_int_equal(errno, ENOTSOCK);
	/* a fresh UDP socket is writable: reported; after close it leaves the set */
	assert_int_equal(ustack_epoll_ctl(st, ep, EPOLL_CTL_ADD, s, &(struct epoll_event){
		.events = EPOLLOUT, .data.fd = s }), 0);
	assert_int_equal(ustack_epoll_wait(st, ep, out, 1, 0), 1);
	assert_int_equal(out[0].data.fd, s);
	assert_int_equal(ustack_close(st, s), 0);
	assert_int_equal(ustack_epoll_wait(st, ep, out, 1, 0), 0);
	int efd = ustack_epoll_event_fd(st, ep);
	assert_true(efd >= 0);
	assert_int_equal(ustack_epoll_event_fd(st, ep), efd);   /* one per set */
	assert_int_equal(ustack_close(st, ep), 0);
	assert_int_equal(fcntl(efd, F_GETFD), -1);              /* closed with the set */
	assert_int_equal(ustack_epoll_wait(st, ep, out, 1, 0), -1);
	assert_int_equal(errno, EBADF);
	/* a set still open when the stack goes is freed with it (LeakSanitizer checks) */
	ep = ustack_epoll_create1(st, EPOLL_CLOEXEC);
	s = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(ustack_epoll_ctl(st, ep, EPOLL_CTL_ADD, s, &ev), 0);
	assert_true(ustack_epoll_event_fd(st, ep) >= 0);
	ustack_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_ustack_table),
		cmocka_unit_test(test_linux_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
