/* conn_net.c - see conn_net.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "conn_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"
#include "ustack/dev.h"
#include "ustack/epoll.h"
#include "ustack/socket.h"
#include "ustack/ustack.h"

void conn_die(const char *what)
{
	fprintf(stderr, "bench_conn: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* --- ustack --- */


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
		handled += ustack_step(u->st[h], u->now);
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

struct unet *unet_new(uint32_t msl_ms, bool runner, int bufsz)
{
	struct unet *u = calloc(1, sizeof(*u));
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(SRV_PORT) };
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 0 };

	if (!u)
		conn_die("calloc");
	u->net = (struct net){ .name = "ustack", .connect = u_connect, .accept = u_accept,
			       .send = u_send, .recv = u_recv, .close = u_close, .ctl = u_ctl,
			       .wait = u_wait };
	u->runner = runner;
	u->bufsz = bufsz;
	u->kep = -1;
	u->vn = ustack_vnet_new();
	if (!u->vn)
		conn_die("ustack_vnet_new");
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
			conn_die("ustack_new");
		if (!runner)
			ustack_step(u->st[h], u->now);
		d = ustack_vnet_port(u->vn, NULL, 1500);
		if (!d || ustack_if_add(u->st[h], d, a, 16) < 0)
			conn_die("ustack_if_add");
		u->ep[h] = ustack_epoll_create1(u->st[h], 0);
		if (u->ep[h] < 0)
			conn_die("ustack_epoll_create1");
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
		conn_die("ustack listen");
	if (runner) {
		u->kep = epoll_create1(EPOLL_CLOEXEC);
		if (u->kep < 0)
			conn_die("epoll_create1");
		for (int h = 0; h < MAX_HOSTS; h++) {
			struct epoll_event ke = { .events = EPOLLIN, .data.u32 = (uint32_t)h };
			int efd = ustack_epoll_event_fd(u->st[h], u->ep[h]);

			if (efd < 0 || epoll_ctl(u->kep, EPOLL_CTL_ADD, efd, &ke) != 0)
				conn_die("ustack_epoll_event_fd");
			if (ustack_start(u->st[h]) != 0)
				conn_die("ustack_start");
		}
	}
	return u;
}

void unet_free(struct unet *u)
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
int lnet_netns(long nfiles)
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

/* Clients of a server that is not ours, on 127.0.0.1:port. */
struct lnet *lnet_client(int port)
{
	struct lnet *l = calloc(1, sizeof(*l));

	if (!l)
		conn_die("calloc");
	l->net = (struct net){ .name = "Linux", .connect = l_connect, .accept = l_accept,
			       .send = l_send, .recv = l_recv, .close = l_close, .ctl = l_ctl,
			       .wait = l_wait, .lfd = -1 };
	l->srv.sin_family = AF_INET;
	l->srv.sin_port = htons((uint16_t)port);
	l->srv.sin_addr.s_addr = htonl(0x7f000001u);
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0)
		conn_die("epoll_create1");
	return l;
}

struct lnet *lnet_new(int port)
{
	struct lnet *l = calloc(1, sizeof(*l));
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(0x7f000001u) };
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 0 };
	int one = 1;

	if (!l)
		conn_die("calloc");
	l->net = (struct net){ .name = "Linux", .connect = l_connect, .accept = l_accept,
			       .send = l_send, .recv = l_recv, .close = l_close, .ctl = l_ctl,
			       .wait = l_wait };
	l->srv = any;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	l->net.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (l->ep < 0 || l->net.lfd < 0)
		conn_die("socket");
	setsockopt(l->net.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l->net.lfd, (struct sockaddr *)&any, sizeof(any)) != 0 ||
	    listen(l->net.lfd, 4096) != 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, l->net.lfd, &e) != 0)
		conn_die("listen");
	return l;
}
