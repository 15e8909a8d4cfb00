/* bench_conn.c - many connections: how fast they come and go, what an idle one costs.
 *
 *   1. Connections per second on ONE thread: connect (non-blocking), accept, a 64-byte
 *      request, a 128-byte response, the client closes, the server reads the end of stream
 *      and closes. W connections in flight, served by an event loop on epoll.
 *        ustack  one server stack and K client stacks (each its own IPv4 address) on one
 *                vnet, all stepped by this thread (ustack_poll(st, now)); the clock given
 *                to the stacks follows the wall clock (and jumps to the next deadline when
 *                nothing moves), and the stacks' MSL is short (TIME_WAIT 2*MSL), so the
 *                client ports held in TIME_WAIT come back during the run;
 *        Linux   the same loop on kernel sockets over lo, in a network namespace the bench
 *                creates for each run (a forked child, unshare(CLONE_NEWNET)), the clients
 *                bound to K source addresses 127.0.0.2.. (IP_BIND_ADDRESS_NO_PORT).
 *      Wall clock and this thread's CPU time (Linux: its kernel work is charged to it).
 *   2. Memory per idle established connection at N = 10,000 and 100,000, both ends in this
 *      process, every socket watched by an epoll set as an event loop would:
 *        ustack  RSS delta / N (/proc/self/statm) and heap delta / N (mallinfo2), for both
 *                ends, and for the server end alone (measured after the client stacks are
 *                freed; RSS then after malloc_trim);
 *        Linux   the kernel's memory: /proc/meminfo Slab delta (socket, file, dentry, inode,
 *                epitem objects: machine-wide, so other activity on the machine is noise)
 *                plus the process's RSS delta, and /proc/net/sockstat "TCP ... mem" pages
 *                (buffer memory charged to TCP).
 *   3. CPU used by 10,000 idle connections: ustack stacks on their runner threads
 *      (ustack_start), process CPU time (every thread, CLOCK_PROCESS_CPUTIME_ID) over 10 s of wall time;
 *      Linux: the process holding the kernel sockets, asleep in epoll_wait.
 *
 * Environment (see bench_util.h): BENCH_RUNS (repetitions of part 1), BENCH_QUICK=1 or
 * --quick (small N, short runs: a few seconds in all), BENCH_ONLY=ustack,linux. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "ustack/dev.h"
#include "ustack/epoll.h"
#include "ustack/socket.h"
#include "ustack/ustack.h"

#define N_CLIENTS 8            /* client hosts: stacks (ustack) or source addresses (Linux) */
#define MAX_HOSTS (1 + N_CLIENTS)
#define SRV_PORT 8080
#define REQ_LEN 64
#define RESP_LEN 128
#define WINDOW 64              /* part 1: connections in flight */
#define EST_BATCH 512          /* parts 2, 3: connects in flight while establishing */
#define SMALL_BUF 16384        /* part 1, second ustack row: SO_SNDBUF = SO_RCVBUF */
#define CPS_MSL_MS 100         /* part 1, ustack: TIME_WAIT lasts 200 ms */
#define STUCK_NS (20ull * 1000000000ull)

static bool quick;

static void die(const char *what)
{
	fprintf(stderr, "bench_conn: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ===================================================================================
 * One interface over two implementations: host 0 is the server, hosts 1..N_CLIENTS the
 * clients. Every socket is watched by an epoll set; an event carries a 64-bit tag.
 * =================================================================================== */

struct ev {
	uint64_t data;
	uint32_t events;
};

struct net {
	const char *name;
	int lfd;                                   /* the listener (host 0) */
	/* new non-blocking socket on client host h connecting to the server: fd or -1 */
	int (*connect)(struct net *n, int h);
	int (*accept)(struct net *n);
	ssize_t (*send)(struct net *n, int h, int fd, const void *b, size_t len);
	ssize_t (*recv)(struct net *n, int h, int fd, void *b, size_t len);
	int (*close)(struct net *n, int h, int fd);
	int (*ctl)(struct net *n, int h, int op, int fd, uint32_t events, uint64_t data);
	/* drives the network (ustack: steps the stacks) and returns ready events */
	int (*wait)(struct net *n, struct ev *out, int max, int timeout_ms);
};

/* --- ustack --- */

struct unet {
	struct net net;
	struct ustack_vnet *vn;
	struct ustack *st[MAX_HOSTS];
	int ep[MAX_HOSTS];
	int kep;                                  /* runner mode: kernel epoll on the sets' eventfds */
	bool runner;
	int bufsz;                                /* SO_SNDBUF/SO_RCVBUF (0: the default) */
	uint64_t now, wall0, skip;                /* stepping: the stacks' clock */
	struct sockaddr_in srv;
};

static void u_bufsz(struct unet *u, int h, int fd)
{
	if (u->bufsz) {
		ustack_setsockopt(u->st[h], fd, SOL_SOCKET, SO_SNDBUF, &u->bufsz, sizeof(int));
		ustack_setsockopt(u->st[h], fd, SOL_SOCKET, SO_RCVBUF, &u->bufsz, sizeof(int));
	}
}

static int u_connect(struct net *n, int h)
{
	struct unet *u = (struct unet *)n;
	int fd = ustack_socket(u->st[h], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	u_bufsz(u, h, fd);
	if (ustack_connect(u->st[h], fd, (struct sockaddr *)&u->srv, sizeof(u->srv)) != 0 &&
	    errno != EINPROGRESS) {
		int e = errno;

		ustack_close(u->st[h], fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int u_accept(struct net *n)
{
	struct unet *u = (struct unet *)n;

	return ustack_accept4(u->st[0], n->lfd, NULL, NULL, SOCK_NONBLOCK);
}

static ssize_t u_send(struct net *n, int h, int fd, const void *b, size_t len)
{
	return ustack_send(((struct unet *)n)->st[h], fd, b, len, MSG_DONTWAIT);
}

static ssize_t u_recv(struct net *n, int h, int fd, void *b, size_t len)
{
	return ustack_recv(((struct unet *)n)->st[h], fd, b, len, MSG_DONTWAIT);
}

static int u_close(struct net *n, int h, int fd)
{
	return ustack_close(((struct unet *)n)->st[h], fd);
}

static int u_ctl(struct net *n, int h, int op, int fd, uint32_t events, uint64_t data)
{
	struct unet *u = (struct unet *)n;
	struct epoll_event e = { .events = events, .data.u64 = data };

	return ustack_epoll_ctl(u->st[h], u->ep[h], op, fd, &e);
}

static uint64_t u_clock(struct unet *u)
{
	return 1000000 + (bench_wall_ns() - u->wall0) / 1000 + u->skip;
}

/* Collect the ready events of every set (at most max). */
static int u_collect(struct unet *u, struct ev *out, int max)
{
	struct epoll_event e[256];
	int got = 0;

	for (int h = 0; h < MAX_HOSTS && got < max; h++) {
		int room = max - got < 256 ? max - got : 256;
		int k = ustack_epoll_wait(u->st[h], u->ep[h], e, room, 0);

		for (int i = 0; i < k; i++) {
			out[got].data = e[i].data.u64;
			out[got++].events = e[i].events;
		}
	}
	return got;
}

static int u_wait(struct net *n, struct ev *out, int max, int timeout_ms)
{
	struct unet *u = (struct unet *)n;
	int handled = 0, got;

	if (u->runner) {
		struct epoll_event ke[MAX_HOSTS];

		got = u_collect(u, out, max);
		if (got == 0 && timeout_ms != 0) {
			if (epoll_wait(u->kep, ke, MAX_HOSTS, timeout_ms) > 0)
				got = u_collect(u, out, max);
		}
		return got;
	}
	u->now = u_clock(u);
	for (int h = 0; h < MAX_HOSTS; h++)
		handled += ustack_poll(u->st[h], u->now);
	got = u_collect(u, out, max);
	if (got == 0 && handled == 0) {
		uint64_t d = USTACK_NO_DEADLINE;

		for (int h = 0; h < MAX_HOSTS; h++) {
			uint64_t x = ustack_next_deadline(u->st[h]);

			if (x < d)
				d = x;
		}
		/* nothing moved: a timer is what everyone waits for */
		if (d != USTACK_NO_DEADLINE && d > u->now)
			u->skip += d - u->now;
	}
	return got;
}

static struct unet *unet_new(uint32_t msl_ms, bool runner, int bufsz)
{
	struct unet *u = calloc(1, sizeof(*u));
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 0 };

	if (!u)
		die("calloc");
	u->net = (struct net){ .name = "ustack", .connect = u_connect, .accept = u_accept,
			       .send = u_send, .recv = u_recv, .close = u_close, .ctl = u_ctl,
			       .wait = u_wait };
	u->runner = runner;
	u->bufsz = bufsz;
	u->kep = -1;
	u->vn = ustack_vnet_new();
	if (!u->vn)
		die("ustack_vnet_new");
	u->wall0 = bench_wall_ns();
	u->now = u_clock(u);
	for (int h = 0; h < MAX_HOSTS; h++) {
		char name[16];
		struct ustack_config cfg = { .seed = 100 + (uint64_t)h, .tcp_msl_ms = msl_ms };
		struct in_addr a = { .s_addr = htonl(0x0a000001u + (uint32_t)h) };   /* 10.0.0.1+h */
		struct ustack_dev *d;

		snprintf(name, sizeof(name), h ? "c%d" : "srv", h);
		cfg.name = h ? "client" : "server";
		u->st[h] = ustack_new(&cfg);
		if (!u->st[h])
			die("ustack_new");
		if (!runner)
			ustack_poll(u->st[h], u->now);
		d = ustack_vnet_port(u->vn, NULL, 1500);
		if (!d || ustack_if_add(u->st[h], d, a, 16) < 0)
			die("ustack_if_add");
		u->ep[h] = ustack_epoll_create1(u->st[h], 0);
		if (u->ep[h] < 0)
			die("ustack_epoll_create1");
	}
	u->srv.sin_family = AF_INET;
	u->srv.sin_port = htons(SRV_PORT);
	u->srv.sin_addr.s_addr = htonl(0x0a000001u);
	u->net.lfd = ustack_socket(u->st[0], AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (u->net.lfd >= 0)
		u_bufsz(u, 0, u->net.lfd);     /* accepted connections inherit the listener's */
	if (u->net.lfd < 0 || ustack_bind(u->st[0], u->net.lfd, (struct sockaddr *)&any,
					  sizeof(any)) != 0 ||
	    ustack_listen(u->st[0], u->net.lfd, 4096) != 0 ||
	    ustack_epoll_ctl(u->st[0], u->ep[0], EPOLL_CTL_ADD, u->net.lfd, &e) != 0)
		die("ustack listen");
	if (runner) {
		u->kep = epoll_create1(EPOLL_CLOEXEC);
		if (u->kep < 0)
			die("epoll_create1");
		for (int h = 0; h < MAX_HOSTS; h++) {
			struct epoll_event ke = { .events = EPOLLIN, .data.u32 = (uint32_t)h };
			int efd = ustack_epoll_event_fd(u->st[h], u->ep[h]);

			if (efd < 0 || epoll_ctl(u->kep, EPOLL_CTL_ADD, efd, &ke) != 0)
				die("ustack_epoll_event_fd");
			if (ustack_start(u->st[h]) != 0)
				die("ustack_start");
		}
	}
	return u;
}

static void unet_free(struct unet *u)
{
	for (int h = 0; h < MAX_HOSTS; h++)
		if (u->st[h])
			ustack_free(u->st[h]);     /* stops the runner; closes the sockets */
	ustack_vnet_free(u->vn);
	if (u->kep >= 0)
		close(u->kep);
	free(u);
}

/* --- Linux --- */

struct lnet {
	struct net net;
	int ep;
	struct sockaddr_in srv;
};

static int l_connect(struct net *n, int h)
{
	struct lnet *l = (struct lnet *)n;
	struct sockaddr_in src = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)h) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	/* the port is picked at connect for the whole 4-tuple: 64k ports per source address */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
	    (connect(fd, (struct sockaddr *)&l->srv, sizeof(l->srv)) != 0 &&
	     errno != EINPROGRESS)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int l_accept(struct net *n)
{
	return accept4(n->lfd, NULL, NULL, SOCK_NONBLOCK);
}

static ssize_t l_send(struct net *n, int h, int fd, const void *b, size_t len)
{
	(void)n, (void)h;
	return send(fd, b, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static ssize_t l_recv(struct net *n, int h, int fd, void *b, size_t len)
{
	(void)n, (void)h;
	return recv(fd, b, len, MSG_DONTWAIT);
}

static int l_close(struct net *n, int h, int fd)
{
	(void)n, (void)h;
	return close(fd);
}

static int l_ctl(struct net *n, int h, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = { .events = events, .data.u64 = data };

	(void)h;
	return epoll_ctl(((struct lnet *)n)->ep, op, fd, &e);
}

static int l_wait(struct net *n, struct ev *out, int max, int timeout_ms)
{
	struct epoll_event e[256];
	int k = epoll_wait(((struct lnet *)n)->ep, e, max < 256 ? max : 256, timeout_ms);

	for (int i = 0; i < k; i++) {
		out[i].data = e[i].data.u64;
		out[i].events = e[i].events;
	}
	return k < 0 ? 0 : k;
}

static void sysctl_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

/* In a forked child: a private network namespace with lo up, wide port range, room for
 * every TIME_WAIT, and descriptors for every socket. */
static int lnet_netns(long nfiles)
{
	struct ifreq ifr;
	struct rlimit rl;
	int s;

	if (unshare(CLONE_NEWNET) != 0)
		return -1;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		close(s);
		return -1;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
		close(s);
		return -1;
	}
	close(s);
	sysctl_write("/proc/sys/net/ipv4/ip_local_port_range", "1024 65535");
	sysctl_write("/proc/sys/net/ipv4/tcp_max_tw_buckets", "2000000");
	/* raise the soft limit (the hard one needs CAP_SYS_RESOURCE, which may be missing) */
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if (rl.rlim_max != RLIM_INFINITY && (rlim_t)nfiles > rl.rlim_max &&
	    setrlimit(RLIMIT_NOFILE, &(struct rlimit){ (rlim_t)nfiles, (rlim_t)nfiles }) != 0)
		nfiles = (long)rl.rlim_max;
	rl.rlim_cur = (rlim_t)nfiles < rl.rlim_max ? (rlim_t)nfiles : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	return 0;
}

static struct lnet *lnet_new(int port)
{
	struct lnet *l = calloc(1, sizeof(*l));
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(0x7f000001u) };
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 0 };
	int one = 1;

	if (!l)
		die("calloc");
	l->net = (struct net){ .name = "Linux", .connect = l_connect, .accept = l_accept,
			       .send = l_send, .recv = l_recv, .close = l_close, .ctl = l_ctl,
			       .wait = l_wait };
	l->srv = any;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	l->net.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (l->ep < 0 || l->net.lfd < 0)
		die("socket");
	setsockopt(l->net.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l->net.lfd, (struct sockaddr *)&any, sizeof(any)) != 0 ||
	    listen(l->net.lfd, 4096) != 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, l->net.lfd, &e) != 0)
		die("listen");
	return l;
}

/* ===================================================================================
 * The workloads, on either implementation.
 * =================================================================================== */

/* A connection end; the pool is allocated before any measurement. Tag in the low bits
 * of the epoll data: 0 the listener, 1 a client end, 2 a server end. */
struct end {
	int h, fd, got;
	bool sent;
	struct end *next;
};

struct pool {
	struct end *all, *free;
	size_t n;
};

static void pool_init(struct pool *p, size_t n)
{
	p->all = calloc(n, sizeof(*p->all));
	if (!p->all)
		die("calloc");
	p->n = n;
	p->free = NULL;
	for (size_t i = n; i-- > 0;) {
		p->all[i].next = p->free;
		p->free = &p->all[i];
	}
}

static struct end *end_get(struct pool *p, int h, int fd)
{
	struct end *e = p->free;

	if (!e) {
		fprintf(stderr, "bench_conn: end pool exhausted\n");
		exit(1);
	}
	p->free = e->next;
	e->h = h;
	e->fd = fd;
	e->got = 0;
	e->sent = false;
	return e;
}

static void end_put(struct pool *p, struct end *e)
{
	e->next = p->free;
	p->free = e;
}

#define TAG_CLIENT 1u
#define TAG_SERVER 2u
#define TAG_OF(d) ((unsigned)((d) & 3u))
#define END_OF(d) ((struct end *)(uintptr_t)((d) & ~(uint64_t)3))

struct cps_result {
	bool ok;
	long done, failed;
	double wall_s, cpu_s;
	char err[128];
};

static const char req_msg[REQ_LEN] = "GET / HTTP/1.0\r\nHost: bench\r\n\r\n";
static char resp_msg[RESP_LEN];

static void accept_all(struct net *n, struct pool *p, uint32_t events)
{
	int fd;

	while ((fd = n->accept(n)) >= 0) {
		struct end *e = end_get(p, 0, fd);

		if (n->ctl(n, 0, EPOLL_CTL_ADD, fd, events, (uint64_t)(uintptr_t)e | TAG_SERVER) != 0)
			die("epoll_ctl add (server end)");
	}
}

/* Part 1: as many connect/request/response/close cycles as fit in dur_ns. */
static struct cps_result run_cps(struct net *n, uint64_t dur_ns)
{
	struct cps_result r = { .ok = false };
	struct pool p;
	struct ev evs[512];
	char buf[512];
	long inflight = 0;
	int next_h = 1;
	uint64_t t0, c0, t_end;
	bool stopping = false, debug = getenv("BENCH_DEBUG") != NULL;
	uint64_t t_dbg;
	long done_dbg = 0;

	pool_init(&p, 4 * WINDOW + 16);
	t0 = t_dbg = bench_wall_ns();
	c0 = bench_thread_cpu_ns();
	t_end = t0 + dur_ns;
	for (;;) {
		uint64_t now = bench_wall_ns();

		if (now >= t_end)
			stopping = true;
		if (stopping && inflight == 0)
			break;
		if (debug && now - t_dbg > 250000000) {
			fprintf(stderr, "bench_conn: %s: %.2f s: %ld done (%.0f/s in the last interval)\n",
				n->name, (double)(now - t0) / 1e9, r.done,
				(double)(r.done - done_dbg) * 1e9 / (double)(now - t_dbg));
			t_dbg = now;
			done_dbg = r.done;
		}
		if (now > t_end + STUCK_NS) {
			snprintf(r.err, sizeof(r.err), "%ld connections stuck", inflight);
			break;
		}
		while (!stopping && inflight < WINDOW) {
			int h = next_h, fd;
			struct end *e;

			next_h = next_h % N_CLIENTS + 1;
			fd = n->connect(n, h);
			if (fd < 0) {
				snprintf(r.err, sizeof(r.err), "connect: %s", strerror(errno));
				stopping = true;
				break;
			}
			e = end_get(&p, h, fd);
			if (n->ctl(n, h, EPOLL_CTL_ADD, fd, EPOLLOUT, (uint64_t)(uintptr_t)e | TAG_CLIENT))
				die("epoll_ctl add (client)");
			inflight++;
		}
		int k = n->wait(n, evs, 512, 0);

		for (int i = 0; i < k; i++) {
			uint64_t d = evs[i].data;
			uint32_t ev = evs[i].events;
			struct end *e = END_OF(d);
			ssize_t m;

			if (TAG_OF(d) == 0) {
				accept_all(n, &p, EPOLLIN);
			} else if (TAG_OF(d) == TAG_CLIENT) {
				if (!e->sent) {
					if ((ev & (EPOLLERR | EPOLLHUP)) || !(ev & EPOLLOUT) ||
					    n->send(n, e->h, e->fd, req_msg, REQ_LEN) != REQ_LEN) {
						/* refused or failed: the server never sees it */
						n->close(n, e->h, e->fd);
						end_put(&p, e);
						r.failed++;
						inflight--;
						continue;
					}
					e->sent = true;
					n->ctl(n, e->h, EPOLL_CTL_MOD, e->fd, EPOLLIN, d);
					continue;
				}
				while ((m = n->recv(n, e->h, e->fd, buf, sizeof(buf))) > 0)
					e->got += (int)m;
				if (e->got >= RESP_LEN || m == 0 || (m < 0 && errno != EAGAIN)) {
					if (e->got != RESP_LEN)
						r.failed++;
					n->close(n, e->h, e->fd);        /* the client closes first */
					end_put(&p, e);
				}
			} else {
				bool eof = false;

				while ((m = n->recv(n, 0, e->fd, buf, sizeof(buf))) > 0)
					e->got += (int)m;
				if (m == 0 || (m < 0 && errno != EAGAIN))
					eof = true;
				if (!e->sent && e->got >= REQ_LEN) {
					if (n->send(n, 0, e->fd, resp_msg, RESP_LEN) != RESP_LEN)
						r.failed++;
					e->sent = true;
				}
				if (eof) {
					n->close(n, 0, e->fd);
					end_put(&p, e);
					r.done++;
					inflight--;
				}
			}
		}
	}
	r.wall_s = (double)(bench_wall_ns() - t0) / 1e9;
	r.cpu_s = (double)(bench_thread_cpu_ns() - c0) / 1e9;
	r.ok = r.done > 0 && !r.err[0];
	free(p.all);
	return r;
}

/* Parts 2 and 3: N idle connections, every end watched for EPOLLIN. The ends live in
 * the pool (allocated by the caller before its baseline). Returns false on failure. */
static bool establish(struct net *n, struct pool *p, long target, char *err, size_t errcap)
{
	struct ev evs[512];
	long started = 0, up = 0, accepted = 0;
	uint64_t last = bench_wall_ns();
	int next_h = 1;

	while (up < target || accepted < target) {
		long before = up + accepted;

		while (started < target && started - up < EST_BATCH && started - accepted < EST_BATCH) {
			int h = next_h, fd = n->connect(n, h);
			struct end *e;

			next_h = next_h % N_CLIENTS + 1;
			if (fd < 0) {
				snprintf(err, errcap, "connect #%ld: %s", started + 1, strerror(errno));
				return false;
			}
			e = end_get(p, h, fd);
			if (n->ctl(n, h, EPOLL_CTL_ADD, fd, EPOLLOUT, (uint64_t)(uintptr_t)e | TAG_CLIENT)) {
				snprintf(err, errcap, "epoll_ctl: %s", strerror(errno));
				return false;
			}
			started++;
		}
		int k = n->wait(n, evs, 512, 1);

		for (int i = 0; i < k; i++) {
			uint64_t d = evs[i].data;
			struct end *e = END_OF(d);

			if (TAG_OF(d) == 0) {
				int fd;

				while ((fd = n->accept(n)) >= 0) {
					struct end *s = end_get(p, 0, fd);

					n->ctl(n, 0, EPOLL_CTL_ADD, fd, EPOLLIN,
					       (uint64_t)(uintptr_t)s | TAG_SERVER);
					accepted++;
				}
			} else if (TAG_OF(d) == TAG_CLIENT && !e->sent) {
				if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
					snprintf(err, errcap, "connection #%ld failed", up + 1);
					return false;
				}
				e->sent = true;      /* here: established */
				n->ctl(n, e->h, EPOLL_CTL_MOD, e->fd, EPOLLIN, d);
				up++;
			} else {
				snprintf(err, errcap, "an idle connection had an event (%#x)",
					 evs[i].events);
				return false;
			}
		}
		if (up + accepted != before)
			last = bench_wall_ns();
		else if (bench_wall_ns() - last > STUCK_NS) {
			snprintf(err, errcap, "stuck at %ld established, %ld accepted of %ld", up,
				 accepted, target);
			return false;
		}
	}
	return true;
}

/* ===================================================================================
 * Measurements
 * =================================================================================== */

static long page_size(void) { return sysconf(_SC_PAGESIZE); }

static double rss_bytes(void)
{
	long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%ld %ld", &size, &res) != 2)
		res = 0;
	if (f)
		fclose(f);
	return (double)res * (double)page_size();
}

static double heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (double)mi.uordblks;
}

static double meminfo_kb(const char *key)
{
	char line[256];
	double v = -1;
	size_t kl = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = atof(line + kl + 1);
			break;
		}
	fclose(f);
	return v;
}

/* /proc/net/sockstat "TCP: inuse a orphan b tw c alloc d mem e": field by name. */
static long sockstat_tcp(const char *field)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/net/sockstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, "TCP:", 4) != 0)
			continue;
		p = strstr(line, field);
		if (p)
			v = atol(p + strlen(field) + 1);
	}
	fclose(f);
	return v;
}

/* user + sys of every thread of the process: CLOCK_PROCESS_CPUTIME_ID, the precise form of
 * getrusage(RUSAGE_SELF) (whose tick-based split into user and sys is too coarse for
 * a fraction of a percent). */
static double proc_cpu_s(void)
{
	return (double)bench_proc_cpu_ns() / 1e9;
}

static double idle_seconds(void) { return quick ? 1.0 : 10.0; }

/* --- part 1 --- */

static bool in_child(void (*fn)(void *res, size_t cap, void *arg), void *arg, void *res,
		     size_t cap, long nfiles, bool netns);

struct ustack_cps_arg {
	double secs;
	int bufsz;
	bool tune_malloc;
};

static void ustack_cps_child(void *res, size_t cap, void *arg)
{
	struct ustack_cps_arg *a = arg;
	struct unet *u;
	struct cps_result r;
	struct ustack_stats s;
	unsigned long long rexmit = 0;

	(void)cap;
	if (a->tune_malloc) {
		/* no trimming of the heap's top, no mmap for the 1 MiB rings */
		mallopt(M_TRIM_THRESHOLD, 256 << 20);
		mallopt(M_MMAP_THRESHOLD, 32 << 20);
	}
	u = unet_new(CPS_MSL_MS, false, a->bufsz);
	r = run_cps(&u->net, (uint64_t)(a->secs * 1e9));
	for (int h = 0; h < MAX_HOSTS; h++) {
		ustack_get_stats(u->st[h], &s);
		rexmit += s.tcp_retransmits;
	}
	if (getenv("BENCH_DEBUG")) {
		fprintf(stderr, "bench_conn: ustack cps: %llu retransmissions; sockets left:", rexmit);
		for (int h = 0; h < MAX_HOSTS; h++)
			fprintf(stderr, " %zu", ustack_sockets(u->st[h], NULL, 0));
		fprintf(stderr, "\n");
	}
	unet_free(u);
	memcpy(res, &r, sizeof(r));
}

/* Each run in a fresh process: the allocator's state (glibc's dynamic mmap and trim
 * thresholds move with what was freed before) must not carry from one run to the next. */
static struct cps_result ustack_cps(double secs, int bufsz, bool tune_malloc)
{
	struct ustack_cps_arg a = { .secs = secs, .bufsz = bufsz, .tune_malloc = tune_malloc };
	struct cps_result r = { .ok = false };

	if (!in_child(ustack_cps_child, &a, &r, sizeof(r), 0, false))
		r.ok = false;
	return r;
}

/* Run fn in a forked child (inside a fresh network namespace if netns); its result comes
 * back through a pipe. */
static bool in_child(void (*fn)(void *res, size_t cap, void *arg), void *arg, void *res,
		     size_t cap, long nfiles, bool netns)
{
	int pfd[2], status;
	pid_t pid;
	bool ok;

	if (pipe(pfd) != 0)
		return false;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		close(pfd[0]);
		memset(res, 0, cap);
		if (!netns || lnet_netns(nfiles) == 0)
			fn(res, cap, arg);
		else
			fprintf(stderr, "bench_conn: no network namespace: %s\n", strerror(errno));
		if (write(pfd[1], res, cap) != (ssize_t)cap)
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	ok = read(pfd[0], res, cap) == (ssize_t)cap;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return ok;
}

struct linux_cps_arg {
	double secs;
	long tw;                  /* TIME_WAIT sockets at the end */
};

static void linux_cps_child(void *res, size_t cap, void *arg)
{
	struct linux_cps_arg *a = arg;
	struct lnet *l = lnet_new(SRV_PORT);
	struct cps_result r = run_cps(&l->net, (uint64_t)(a->secs * 1e9));

	(void)cap;
	a->tw = sockstat_tcp("tw");
	memcpy(res, &r, sizeof(r));
	memcpy((char *)res + sizeof(r), &a->tw, sizeof(a->tw));
}

static struct cps_result linux_cps(double secs, long *tw)
{
	struct linux_cps_arg a = { .secs = secs };
	char res[sizeof(struct cps_result) + sizeof(long)];
	struct cps_result r = { .ok = false };

	if (in_child(linux_cps_child, &a, res, sizeof(res), 1 << 16, true)) {
		memcpy(&r, res, sizeof(r));
		memcpy(tw, res + sizeof(r), sizeof(*tw));
	}
	return r;
}

/* --- part 2 --- */

struct mem_result {
	bool ok;
	char err[160];
	double total_rss, total_heap;      /* bytes per connection, both ends */
	double srv_rss, srv_heap;          /* server end alone */
	double kernel_slab, kernel_tcp_mem, proc_rss;   /* Linux */
	double setup_s;                    /* time to establish them */
};

static struct mem_result ustack_mem(long N)
{
	struct mem_result r = { .ok = false };
	struct pool p;
	struct unet *u;
	double rss_s, heap_s, rss0, heap0, rss1, heap1, rss2, heap2;
	uint64_t t0;

	pool_init(&p, 2 * (size_t)N + 16);
	memset(p.all, 0, p.n * sizeof(*p.all));
	for (size_t i = 0; i < p.n; i++)          /* rebuild the free list after the memset */
		p.all[i].next = i + 1 < p.n ? &p.all[i + 1] : NULL;
	p.free = p.all;
	malloc_trim(0);
	rss_s = rss_bytes();
	heap_s = heap_bytes();
	u = unet_new(0, false, 0);
	rss0 = rss_bytes();
	heap0 = heap_bytes();
	/* the client stacks' own baseline: everything of the stacks 1..K */
	t0 = bench_wall_ns();
	if (!establish(&u->net, &p, N, r.err, sizeof(r.err))) {
		unet_free(u);
		free(p.all);
		return r;
	}
	/* let the last ACKs land, so every end is ESTABLISHED and idle */
	for (int i = 0; i < 100; i++) {
		struct ev e[16];

		u->net.wait(&u->net, e, 16, 0);
	}
	r.setup_s = (double)(bench_wall_ns() - t0) / 1e9;
	rss1 = rss_bytes();
	heap1 = heap_bytes();
	r.total_rss = (rss1 - rss0) / (double)N;
	r.total_heap = (heap1 - heap0) / (double)N;
	/* The server end alone: free the client stacks (their connections and their own
	 * baseline go), then compare with the point before any stack existed plus the
	 * server stack's baseline. */
	for (int h = 1; h < MAX_HOSTS; h++) {
		ustack_free(u->st[h]);
		u->st[h] = NULL;
	}
	malloc_trim(0);
	rss2 = rss_bytes();
	heap2 = heap_bytes();
	{
		/* a fresh server stack alone, for its baseline */
		struct ustack_config cfg = { .name = "probe", .seed = 1 };
		double hb = heap_bytes();
		struct ustack *probe = ustack_new(&cfg);
		double base = heap_bytes() - hb;

		ustack_free(probe);
		r.srv_heap = (heap2 - heap_s - base) / (double)N;
		r.srv_rss = (rss2 - rss_s) / (double)N;
	}
	unet_free(u);      /* frees the server stack; NULL client slots are skipped */
	free(p.all);
	r.ok = true;
	return r;
}

/* One worker of linux_mem_child: n connections (both ends) to its own listener, kept
 * open until the parent closes `go`. */
struct lworker_res {
	bool ok;
	double rss;
	char err[160];
};

static void linux_mem_worker(int port, long n, int out, int go)
{
	struct lworker_res w = { .ok = false };
	struct pool p;
	struct lnet *l;
	double rss0;
	char c;

	pool_init(&p, 2 * (size_t)n + 16);
	memset(p.all, 0, p.n * sizeof(*p.all));
	for (size_t i = 0; i < p.n; i++)
		p.all[i].next = i + 1 < p.n ? &p.all[i + 1] : NULL;
	p.free = p.all;
	l = lnet_new(port);
	rss0 = rss_bytes();
	if (establish(&l->net, &p, n, w.err, sizeof(w.err))) {
		struct ev e[16];

		l->net.wait(&l->net, e, 16, 100);
		w.rss = rss_bytes() - rss0;
		w.ok = true;
	}
	if (write(out, &w, sizeof(w)) != (ssize_t)sizeof(w))
		_exit(1);
	while (read(go, &c, 1) > 0)     /* hold the connections until the parent is done */
		;
	_exit(0);
}

/* N connections held by as many processes as the descriptor limit needs (the hard limit
 * may not be raised without CAP_SYS_RESOURCE), all in this namespace. */
static void linux_mem_child(void *res, size_t cap, void *arg)
{
	long N = *(long *)arg;
	struct mem_result r = { .ok = false };
	struct rlimit rl;
	long per, nproc, mem0, mem1;
	double slab0, slab1, rss = 0;
	int out[2], go[2];
	pid_t pids[64];
	uint64_t t0;

	(void)cap;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || pipe(out) != 0 || pipe(go) != 0) {
		snprintf(r.err, sizeof(r.err), "rlimit/pipe: %s", strerror(errno));
		memcpy(res, &r, sizeof(r));
		return;
	}
	per = ((long)rl.rlim_cur - 64) / 2;
	nproc = (N + per - 1) / per;
	if (nproc > 64)
		nproc = 64;
	per = (N + nproc - 1) / nproc;
	slab0 = meminfo_kb("Slab");
	mem0 = sockstat_tcp("mem");
	t0 = bench_wall_ns();
	for (long i = 0; i < nproc; i++) {
		long n = i == nproc - 1 ? N - per * (nproc - 1) : per;

		fflush(NULL);
		pids[i] = fork();
		if (pids[i] == 0) {
			close(out[0]);
			close(go[1]);
			linux_mem_worker(SRV_PORT + (int)i, n, out[1], go[0]);
		}
	}
	close(out[1]);
	close(go[0]);
	r.ok = true;
	for (long i = 0; i < nproc; i++) {
		struct lworker_res w;

		if (read(out[0], &w, sizeof(w)) != (ssize_t)sizeof(w)) {
			r.ok = false;
			snprintf(r.err, sizeof(r.err), "a worker died");
			break;
		}
		if (!w.ok && r.ok) {
			r.ok = false;
			memcpy(r.err, w.err, sizeof(r.err));
		}
		rss += w.rss;
	}
	r.setup_s = (double)(bench_wall_ns() - t0) / 1e9;
	slab1 = meminfo_kb("Slab");
	mem1 = sockstat_tcp("mem");
	close(go[1]);
	for (long i = 0; i < nproc; i++)
		waitpid(pids[i], NULL, 0);
	close(out[0]);
	r.kernel_slab = (slab1 - slab0) * 1024 / (double)N;
	r.kernel_tcp_mem = (double)(mem1 - mem0) * (double)page_size() / (double)N;
	r.proc_rss = rss / (double)N;
	r.total_rss = r.kernel_slab + r.proc_rss;
	memcpy(res, &r, sizeof(r));
}

static struct mem_result linux_mem(long N)
{
	struct mem_result r = { .ok = false };

	if (!in_child(linux_mem_child, &N, &r, sizeof(r), 2 * N + 1024, true))
		r.ok = false;
	return r;
}

/* --- part 3 --- */

struct idle_result {
	bool ok;
	char err[160];
	double cpu_pct;         /* of one CPU */
	double setup_s;
	unsigned long long wakeups;
};

static struct idle_result ustack_idle(long N)
{
	struct idle_result r = { .ok = false };
	struct pool p;
	struct unet *u = unet_new(0, true, 0);
	double c0, c1;
	uint64_t t0, t1;

	pool_init(&p, 2 * (size_t)N + 16);
	t0 = bench_wall_ns();
	if (establish(&u->net, &p, N, r.err, sizeof(r.err))) {
		struct ustack_stats s;
		struct ev e[16];
		unsigned long long w0 = 0, w1 = 0;

		r.setup_s = (double)(bench_wall_ns() - t0) / 1e9;
		usleep(1000000);             /* the last ACKs, delayed ones included */
		for (int h = 0; h < MAX_HOSTS; h++) {
			ustack_get_stats(u->st[h], &s);
			w0 += s.sock_wakeups + s.sock_timeouts;
		}
		t0 = bench_wall_ns();
		c0 = proc_cpu_s();
		/* the application waits as an event loop would: on the sets' eventfds */
		while (bench_wall_ns() - t0 < (uint64_t)(idle_seconds() * 1e9)) {
			if (u->net.wait(&u->net, e, 16, 1000) > 0) {
				snprintf(r.err, sizeof(r.err), "an idle connection had an event");
				break;
			}
		}
		c1 = proc_cpu_s();
		t1 = bench_wall_ns();
		for (int h = 0; h < MAX_HOSTS; h++) {
			ustack_get_stats(u->st[h], &s);
			w1 += s.sock_wakeups + s.sock_timeouts;
		}
		r.wakeups = w1 - w0;
		r.cpu_pct = (c1 - c0) / ((double)(t1 - t0) / 1e9) * 100;
		r.ok = !r.err[0];
	}
	unet_free(u);
	free(p.all);
	return r;
}

static void linux_idle_child(void *res, size_t cap, void *arg)
{
	long N = *(long *)arg;
	struct idle_result r = { .ok = false };
	struct pool p;
	struct lnet *l = lnet_new(SRV_PORT);
	uint64_t t0, t1;
	double c0, c1;

	(void)cap;
	pool_init(&p, 2 * (size_t)N + 16);
	t0 = bench_wall_ns();
	if (establish(&l->net, &p, N, r.err, sizeof(r.err))) {
		struct ev e[16];

		r.setup_s = (double)(bench_wall_ns() - t0) / 1e9;
		usleep(1000000);
		t0 = bench_wall_ns();
		c0 = proc_cpu_s();
		while (bench_wall_ns() - t0 < (uint64_t)(idle_seconds() * 1e9))
			if (l->net.wait(&l->net, e, 16, 1000) > 0) {
				snprintf(r.err, sizeof(r.err), "an idle connection had an event");
				break;
			}
		c1 = proc_cpu_s();
		t1 = bench_wall_ns();
		r.cpu_pct = (c1 - c0) / ((double)(t1 - t0) / 1e9) * 100;
		r.ok = !r.err[0];
	}
	memcpy(res, &r, sizeof(r));
}

static struct idle_result linux_idle(long N)
{
	struct idle_result r = { .ok = false };

	if (!in_child(linux_idle_child, &N, &r, sizeof(r), 2 * N + 1024, true))
		r.ok = false;
	return r;
}

/* ===================================================================================
 * main
 * =================================================================================== */

/* BENCH_PARTS=1,3: only these parts (default all). */
static bool want_part(int k)
{
	const char *s = getenv("BENCH_PARTS");
	char c = (char)('0' + k);

	return !s || !*s || strchr(s, c) != NULL;
}

static void add_if(struct bench_stat *s, bool ok, double v, const char *why)
{
	if (ok)
		bench_stat_add(s, v);
	else
		bench_stat_na(s, why);
}

int main(int argc, char **argv)
{
	int runs = bench_runs();
	bool do_us = bench_want("ustack"), do_lx = bench_want("linux");
	bool do_sm = bench_want("ustack-16k"), do_mt = bench_want("ustack-mallopt");
	struct bench_stat us_cps = { 0 }, lx_cps = { 0 }, us_cpu = { 0 }, lx_cpu = { 0 },
			  us_util = { 0 }, lx_util = { 0 }, sm_cps = { 0 }, sm_cpu = { 0 },
			  sm_util = { 0 }, us_rate = { 0 }, sm_rate = { 0 }, lx_rate = { 0 },
			  mt_cps = { 0 }, mt_cpu = { 0 }, mt_rate = { 0 }, mt_util = { 0 };
	long lx_tw = -1;
	char us_err[400] = "", lx_err[400] = "";
	double secs;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			quick = true;
		} else {
			fprintf(stderr, "usage: bench_conn [--quick]   (env: BENCH_RUNS, BENCH_QUICK, "
				"BENCH_ONLY=ustack,linux)\n");
			return 2;
		}
	}
	quick = quick || bench_quick();
	secs = quick ? 0.3 : 3.0;
	memset(resp_msg, 'r', sizeof(resp_msg));
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* --- 1 --- */
	if (!want_part(1))
		runs = 0;
	fprintf(stderr, "bench_conn: %d runs of %.1f s of connect/request/response/close per side...\n",
		runs, secs);
	for (int run = 0; run < runs; run++) {
		if (do_us) {
			struct cps_result r = ustack_cps(secs, 0, false);

			if (r.ok) {
				bench_stat_add(&us_cps, (double)r.done / r.wall_s);
				bench_stat_add(&us_cpu, r.cpu_s * 1e6 / (double)r.done);
				bench_stat_add(&us_rate, (double)r.done / r.cpu_s);
				bench_stat_add(&us_util, r.cpu_s / r.wall_s * 100);
			} else if (!us_err[0]) {
				snprintf(us_err, sizeof(us_err), "ustack: %s (%ld done, %ld failed)",
					 r.err, r.done, r.failed);
			}
			if (r.failed)
				fprintf(stderr, "bench_conn: ustack: %ld connections failed\n", r.failed);
		}
		if (do_sm) {
			struct cps_result r = ustack_cps(secs, SMALL_BUF, false);

			if (r.ok) {
				bench_stat_add(&sm_cps, (double)r.done / r.wall_s);
				bench_stat_add(&sm_cpu, r.cpu_s * 1e6 / (double)r.done);
				bench_stat_add(&sm_rate, (double)r.done / r.cpu_s);
				bench_stat_add(&sm_util, r.cpu_s / r.wall_s * 100);
			} else if (!us_err[0]) {
				snprintf(us_err, sizeof(us_err), "ustack %d B buffers: %s (%ld done, "
					 "%ld failed)", SMALL_BUF, r.err, r.done, r.failed);
			}
		}
		if (do_mt) {
			struct cps_result r = ustack_cps(secs, 0, true);

			if (r.ok) {
				bench_stat_add(&mt_cps, (double)r.done / r.wall_s);
				bench_stat_add(&mt_cpu, r.cpu_s * 1e6 / (double)r.done);
				bench_stat_add(&mt_rate, (double)r.done / r.cpu_s);
				bench_stat_add(&mt_util, r.cpu_s / r.wall_s * 100);
			}
		}
		if (do_lx) {
			struct cps_result r = linux_cps(secs, &lx_tw);

			if (r.ok) {
				bench_stat_add(&lx_cps, (double)r.done / r.wall_s);
				bench_stat_add(&lx_cpu, r.cpu_s * 1e6 / (double)r.done);
				bench_stat_add(&lx_rate, (double)r.done / r.cpu_s);
				bench_stat_add(&lx_util, r.cpu_s / r.wall_s * 100);
			} else if (!lx_err[0]) {
				snprintf(lx_err, sizeof(lx_err), "Linux: %s (%ld done)", r.err, r.done);
			}
		}
	}
	if (us_cps.n == 0) {
		bench_stat_na(&us_cps, "failed");
		bench_stat_na(&us_cpu, "failed");
		bench_stat_na(&us_util, "failed");
		bench_stat_na(&us_rate, "failed");
	}
	if (sm_cps.n == 0) {
		bench_stat_na(&sm_cps, "failed");
		bench_stat_na(&sm_cpu, "failed");
		bench_stat_na(&sm_util, "failed");
		bench_stat_na(&sm_rate, "failed");
	}
	if (mt_cps.n == 0) {
		bench_stat_na(&mt_cps, "failed");
		bench_stat_na(&mt_cpu, "failed");
		bench_stat_na(&mt_util, "failed");
		bench_stat_na(&mt_rate, "failed");
	}
	if (lx_cps.n == 0) {
		bench_stat_na(&lx_cps, "failed");
		bench_stat_na(&lx_cpu, "failed");
		bench_stat_na(&lx_util, "failed");
		bench_stat_na(&lx_rate, "failed");
	}
	if (runs == 0)
		goto part2;
	const struct bench_table t1 = {
		.title = "bench_conn: connections per second, one thread (connect, 64 B request, "
			 "128 B response, close)",
		.col = { "ustack", "Linux", "-" },
	};
	bench_table_begin(&t1);
	bench_table_row(&t1, "connections/s, default buffers", "conn/s", "higher", &us_cps, &lx_cps,
			NULL);
	bench_table_row(&t1, "  CPU per connection", "CPU us", "lower", &us_cpu, &lx_cpu, NULL);
	bench_table_row(&t1, "  per CPU second", "conn/CPU-s", "higher", &us_rate, &lx_rate, NULL);
	bench_table_row(&t1, "  thread CPU / wall", "%", NULL, &us_util, &lx_util, NULL);
	bench_table_row(&t1, "connections/s, 16 KiB buffers", "conn/s", "higher", &sm_cps, &lx_cps,
			NULL);
	bench_table_row(&t1, "  CPU per connection", "CPU us", "lower", &sm_cpu, &lx_cpu, NULL);
	bench_table_row(&t1, "  per CPU second", "conn/CPU-s", "higher", &sm_rate, &lx_rate, NULL);
	bench_table_row(&t1, "  thread CPU / wall", "%", NULL, &sm_util, &lx_util, NULL);
	bench_table_row(&t1, "connections/s, default, mallopt", "conn/s", "higher", &mt_cps,
			&lx_cps, NULL);
	bench_table_row(&t1, "  CPU per connection", "CPU us", "lower", &mt_cpu, &lx_cpu, NULL);
	bench_table_row(&t1, "  per CPU second", "conn/CPU-s", "higher", &mt_rate, &lx_rate, NULL);
	bench_table_row(&t1, "  thread CPU / wall", "%", NULL, &mt_util, &lx_util, NULL);
	bench_note("%.1f s per run, %d connections in flight, one event loop on epoll "
		   "(ustack_epoll_* per stack / Linux epoll) serving both ends", secs, WINDOW);
	bench_note("ustack: 1 server + %d client stacks (10.0.0.1, 10.0.0.2..) on one vnet, "
		   "stepped by this thread; tcp_msl_ms %d (TIME_WAIT %d ms of a clock that "
		   "follows the wall clock)", N_CLIENTS, CPS_MSL_MS, 2 * CPS_MSL_MS);
	bench_note("Linux: lo in a fresh network namespace per run, clients bound to %d source "
		   "addresses, ports 1024-65535, TIME_WAIT 60 s (%ld in TIME_WAIT at the end of "
		   "the last run); CPU = this thread's, kernel work included",
		   N_CLIENTS, lx_tw);
	bench_note("'default buffers': ustack's 1 MiB SO_SNDBUF/SO_RCVBUF, Linux's defaults (the "
		   "Linux column is the same run in both rows); '16 KiB buffers': SO_SNDBUF and "
		   "SO_RCVBUF %d on the ustack sockets (listener and clients); 'mallopt': default "
		   "buffers, glibc told not to trim the heap nor mmap the rings (M_TRIM_THRESHOLD "
		   "256 MiB, M_MMAP_THRESHOLD 32 MiB); each ustack run in a fresh process", SMALL_BUF);
	if (us_err[0])
		bench_note("%s", us_err);
	if (lx_err[0])
		bench_note("%s", lx_err);
	bench_table_end(&t1);
part2:

	/* --- 2 --- */
	if (want_part(2)) {
	long sizes[2] = { quick ? 1000 : 10000, quick ? 5000 : 100000 };
	struct bench_stat m[2][8];
	struct mem_result mr_us[2], mr_lx[2];

	memset(m, 0, sizeof(m));
	memset(mr_us, 0, sizeof(mr_us));
	memset(mr_lx, 0, sizeof(mr_lx));
	for (int i = 0; i < 2; i++) {
		fprintf(stderr, "bench_conn: %ld idle connections...\n", sizes[i]);
		if (do_us)
			mr_us[i] = ustack_mem(sizes[i]);
		if (do_lx)
			mr_lx[i] = linux_mem(sizes[i]);
		if (do_us && !mr_us[i].ok)
			fprintf(stderr, "bench_conn: ustack %ld connections: %s\n", sizes[i], mr_us[i].err);
		if (do_lx && !mr_lx[i].ok)
			fprintf(stderr, "bench_conn: Linux %ld connections: %s\n", sizes[i], mr_lx[i].err);
		add_if(&m[i][0], mr_us[i].ok, mr_us[i].total_rss, "failed");
		add_if(&m[i][1], mr_lx[i].ok, mr_lx[i].total_rss, "failed");
		add_if(&m[i][2], mr_us[i].ok, mr_us[i].total_heap, "failed");
		add_if(&m[i][3], mr_us[i].ok, mr_us[i].srv_rss, "failed");
		add_if(&m[i][4], mr_us[i].ok, mr_us[i].srv_heap, "failed");
		add_if(&m[i][5], mr_lx[i].ok, mr_lx[i].kernel_tcp_mem, "failed");
		add_if(&m[i][6], mr_us[i].ok, mr_us[i].setup_s, "failed");
		add_if(&m[i][7], mr_lx[i].ok, mr_lx[i].setup_s, "failed");
	}
	const struct bench_table t2 = {
		.title = "bench_conn: memory per idle established connection (one run)",
		.col = { "ustack", "Linux", "nginx" },
	};
	bench_table_begin(&t2);
	for (int i = 0; i < 2; i++) {
		char a[64], b[64], c[64], d[64], e[64];

		snprintf(a, sizeof(a), "%ldk: both ends, memory", sizes[i] / 1000);
		snprintf(b, sizeof(b), "%ldk: both ends, heap", sizes[i] / 1000);
		snprintf(c, sizeof(c), "%ldk: server end, RSS", sizes[i] / 1000);
		snprintf(d, sizeof(d), "%ldk: server end, heap", sizes[i] / 1000);
		snprintf(e, sizeof(e), "%ldk: time to establish", sizes[i] / 1000);
		bench_table_row(&t2, a, "B/conn", "lower", &m[i][0], &m[i][1], NULL);
		bench_table_row(&t2, b, "B/conn", "lower", &m[i][2], NULL, NULL);
		bench_table_row(&t2, c, "B/conn", "lower", &m[i][3], NULL, NULL);
		bench_table_row(&t2, d, "B/conn", "lower", &m[i][4], NULL, NULL);
		bench_table_row(&t2, "  Linux: TCP buffer pages (sockstat)", "B/conn", "lower", NULL,
				&m[i][5], NULL);
		bench_table_row(&t2, e, "s", "lower", &m[i][6], &m[i][7], NULL);
	}
	bench_note("memory: ustack = RSS delta / N (/proc/self/statm); Linux = kernel Slab delta "
		   "(/proc/meminfo, machine-wide) + process RSS delta, / N");
	bench_note("heap: mallinfo2().uordblks delta / N. Server end: after the client stacks are "
		   "freed (heap minus a bare stack's own; RSS after malloc_trim(0))");
	bench_note("every end watched by an epoll set (EPOLLIN); ustack: %d client stacks stepped "
		   "by one thread; Linux: %d source addresses on lo in a private namespace",
		   N_CLIENTS, N_CLIENTS);
	bench_note("nginx: not measured by this bench");
	if (do_lx && mr_lx[0].ok)
		bench_note("Linux detail at %ldk: Slab %.0f B/conn, process RSS %.0f B/conn; "
			   "at %ldk: Slab %.0f, RSS %.0f",
			   sizes[0] / 1000, mr_lx[0].kernel_slab, mr_lx[0].proc_rss,
			   sizes[1] / 1000, mr_lx[1].kernel_slab, mr_lx[1].proc_rss);
	bench_table_end(&t2);

	}

	/* --- 3 --- */
	if (!want_part(3))
		return 0;
	long n_idle = quick ? 1000 : 10000;
	struct bench_stat ic_us = { 0 }, ic_lx = { 0 };
	struct idle_result ir_us = { .ok = false }, ir_lx = { .ok = false };

	fprintf(stderr, "bench_conn: CPU of %ld idle connections over %.0f s...\n", n_idle,
		idle_seconds());
	if (do_us) {
		ir_us = ustack_idle(n_idle);
		if (!ir_us.ok)
			fprintf(stderr, "bench_conn: ustack idle: %s\n", ir_us.err);
	}
	if (do_lx) {
		ir_lx = linux_idle(n_idle);
		if (!ir_lx.ok)
			fprintf(stderr, "bench_conn: Linux idle: %s\n", ir_lx.err);
	}
	add_if(&ic_us, ir_us.ok, ir_us.cpu_pct, "failed");
	add_if(&ic_lx, ir_lx.ok, ir_lx.cpu_pct, "failed");
	const struct bench_table t3 = {
		.title = "bench_conn: CPU used by idle connections (one run)",
		.col = { "ustack", "Linux", "nginx" },
	};
	bench_table_begin(&t3);
	{
		char a[64];

		snprintf(a, sizeof(a), "%ldk idle, process CPU", n_idle / 1000);
		bench_table_row(&t3, a, "% of a CPU", "lower", &ic_us, &ic_lx, NULL);
	}
	bench_note("ustack: %d stacks on their runner threads (ustack_start), the application "
		   "in a kernel epoll on the sets' eventfds (1 s timeout); %.0f s of wall time, CPU "
		   "time of the process (every thread, CLOCK_PROCESS_CPUTIME_ID); %llu socket wake-ups meanwhile",
		   MAX_HOSTS, idle_seconds(), ir_us.wakeups);
	bench_note("Linux: the process holding both ends in epoll_wait (the kernel's timers are "
		   "not charged to it)");
	bench_table_end(&t3);
	return 0;
}
