/* sock_var.h - the socket layer's private structures, shared by socket.c and poll.c.
 *
 * A descriptor is an index into st->socks->slot. Blocked callers wait on a waitq (a
 * condition variable with st->lock) until sock_notify() or their deadline. Deadlines are
 * in stack time (st->now): a stack timer wakes the waiter, so blocking calls time out on
 * the virtual clock in simulation; with a runner the wait is also bounded in real time
 * (CLOCK_MONOTONIC, the runner's clock). */
#ifndef USTACK_SOCKET_SOCK_VAR_H
#define USTACK_SOCKET_SOCK_VAR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "core/timer.h"

struct ustack;
struct udp_pcb;
struct tcp_conn;

#define SOCK_MAX_FDS 65536
#define SOCK_NO_DEADLINE UINT64_MAX

struct waitq {
	pthread_cond_t cv;
	unsigned gen;           /* bumped by every wake */
	unsigned sleeping;      /* callers asleep here not yet woken */
};

struct usock {
	int fd;
	int type;               /* SOCK_STREAM or SOCK_DGRAM */
	bool nonblock;
	bool closed;            /* the descriptor is gone; blocked callers leave with EBADF */
	unsigned refs;          /* the table's reference + callers inside a wait */
	struct waitq wq;
	bool reuse, bcast, keepalive;
	bool connecting;        /* TCP connect() under way (EALREADY / completion) */
	bool shut_rd, shut_wr;
	int sndbuf;             /* UDP: reported only */
	uint64_t rcvtimeo, sndtimeo;    /* microseconds; 0: wait forever */
	struct udp_pcb *udp;
	struct tcp_conn *tcp;
	/* internal sockets (no descriptor): an in-stack service's callback, run from a
	 * zero-delay stack timer after sock_notify, never inside protocol input */
	void (*event_fn)(struct ustack *st, struct usock *so, void *ctx);
	void *event_ctx;
	struct timer event_timer;
};

struct sock_table {
	struct usock **slot;
	int cap;
	struct waitq pollq;     /* ustack_poll_fds() waiters: woken by every sock_notify */
	unsigned sleeping;      /* callers asleep in any waitq of this stack */
	pthread_condattr_t cattr;
};

/* The socket for fd, or NULL (errno EBADF). With st->lock held. */
struct usock *sock_get(struct ustack *st, int fd);
/* The way into every public call on a descriptor: locks st and returns fd's socket; or
 * NULL with errno EBADF (st NULL, or no such descriptor) and st not locked. */
struct usock *sock_enter(struct ustack *st, int fd);
/* Wait on so's queue (so NULL: the stack-wide poll queue) until woken or st->now reaches
 * deadline (SOCK_NO_DEADLINE: none). 0 woken (re-check the condition), -ETIMEDOUT, or
 * -EBADF when so was closed meanwhile. Called and returns with st->lock held. */
int sock_wait(struct ustack *st, struct usock *so, uint64_t deadline);
/* The deadline for a timeout in microseconds (0: none). */
uint64_t sock_deadline(struct ustack *st, uint64_t timeo_us);
/* poll(2) events of so right now. */
unsigned sock_events(struct usock *so);
/* A new socket in the lowest free descriptor (POSIX); NULL with errno EMFILE / ENOMEM. */
struct usock *sock_alloc(struct ustack *st, int type);
/* Unlock st and return -1 with errno err: the error exit of every public call. */
int sock_fail(struct ustack *st, int err);
/* A sockaddr_in from the caller (host order out): 0 or a positive errno. With unspec
 * not NULL, AF_UNSPEC is accepted and reported there. */
int sock_get_sin(const struct sockaddr *addr, socklen_t len, uint32_t *a, uint16_t *port,
		 bool *unspec);
/* A sockaddr_in out, truncated to *len as the kernel does; *len set to the full size. */
void sock_put_sin(struct sockaddr *addr, socklen_t *len, uint32_t a, uint16_t port);
static inline bool sock_would_block(const struct usock *so, int flags)
{
	return so->nonblock || (flags & MSG_DONTWAIT);
}

#endif
