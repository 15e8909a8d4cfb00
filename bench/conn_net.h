/* conn_net.h - bench_conn's one interface over two socket implementations: ustack
 * stacks on a vnet (stepped by the caller's thread on a clock that follows the wall clock,
 * or on their runner threads) and Linux kernel sockets on lo. Host 0 is the server,
 * hosts 1..N_CLIENTS the clients (ustack: a stack each, 10.0.0.1+h; Linux: source
 * address 127.0.0.1+h). Every socket is watched by an epoll set (ustack_epoll per stack,
 * or one kernel epoll); an event carries a 64-bit tag. */
#ifndef USTACK_BENCH_CONN_NET_H
#define USTACK_BENCH_CONN_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define N_CLIENTS 8            /* client hosts: stacks (ustack) or source addresses (Linux) */
#define MAX_HOSTS (1 + N_CLIENTS)
#define SRV_PORT 8080

struct ustack;
struct ustack_vnet;

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

struct lnet {
	struct net net;
	int ep;
	struct sockaddr_in srv;
};

/* msl_ms 0: the default; runner: ustack_start() every stack, the caller waits on the
 * sets' event descriptors; bufsz: SO_SNDBUF = SO_RCVBUF on every socket (0: default). */
struct unet *unet_new(uint32_t msl_ms, bool runner, int bufsz);
/* Frees the stacks (NULL slots skipped), the switch, the kernel epoll. */
void unet_free(struct unet *u);

/* In a forked child: a private network namespace with lo up, ports 1024-65535, room
 * for every TIME_WAIT, and the soft descriptor limit raised towards nfiles (never above
 * the hard one). 0 or -1 with errno. */
int lnet_netns(long nfiles);
/* A listener on 127.0.0.1:port, with its epoll. */
struct lnet *lnet_new(int port);
/* Clients only, of a server on 127.0.0.1:port that is another program. */
struct lnet *lnet_client(int port);

/* Prints "bench_conn: what: strerror(errno)" and exits 1. */
void conn_die(const char *what) __attribute__((noreturn));

#endif
