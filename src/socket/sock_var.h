/* sock_var.h - the socket layer's private structures, shared by the files of
 * src/socket/ (socket.c, sock_io.c, sockopt.c, poll.c, epoll.c).
 *
 * A descriptor is an index into st->socks->slot. Blocked callers sleep on a waitq: each
 * sleeping thread queues a waiter of its own (a condition variable with st->lock), so
 * a wake-up reaches exactly the threads queued where the event happened, never the
 * whole stack. Wakes are shared (every waiter) or exclusive (one waiter: accept, an
 * epoll set's waiters), as Linux's wait queues. Deadlines are in stack time (st->now):
 * a stack timer wakes the waiter, so blocking calls time out on the virtual clock in
 * simulation; with a runner the wait is also bounded in real time (CLOCK_MONOTONIC).
 *
 * Readiness reaches poll() callers and epoll sets through watchers: a watcher sits on
 * a socket's list and is called (with st->lock held) whenever the socket's transport
 * reports a change through its upcall, so the cost of an event is the number of
 * watchers of that one socket. */
#ifndef USTACK_SOCKET_SOCK_VAR_H
#define USTACK_SOCKET_SOCK_VAR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "core/ip_addr.h"
#include "core/timer.h"

struct ustack;
struct udp_pcb;
struct tcp_conn;
struct uepoll;

#define SOCK_MAX_FDS (1 << 20)
#define SOCK_NO_DEADLINE UINT64_MAX
/* usock.type of an epoll set (not a socket: socket calls on it fail with ENOTSOCK) */
#define USOCK_EPOLL 0x7e9

struct waiter;
struct waitq {
	struct waiter *head, *tail;
};

struct usock;
/* A watcher of a socket (a poll() call, an epoll item). fn runs after every change of
 * the socket, and once with gone true when the descriptor is closed (the watcher is
 * already off the socket's list then). It returns true when it woke a sleeping thread:
 * of the exclusive watchers of a socket, the first that wakes someone ends the round
 * (EPOLLEXCLUSIVE). */
struct sock_watch {
	struct sock_watch *next, *prev;
	struct usock *so;                 /* NULL once off the list */
	bool exclusive;
	/* events: the kind of change (POLLIN, POLLOUT, UPCALL_ALL: core/upcall.h) */
	bool (*fn)(struct ustack *st, struct sock_watch *w, unsigned events, bool gone);
};

/* What the network layer knew of a datagram received, for recvmsg's ancillary data
 * (IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, SO_TIMESTAMP). */
struct sock_rx {
	bool have;              /* filled in (a datagram socket) */
	struct ip_addr dst;
	int ifindex;            /* ustack's interface index, -1: local */
	uint8_t ttl, tos;
	uint64_t time;          /* stack time of arrival (us) */
};

/* What sendmsg's ancillary data asks of one datagram (IP_PKTINFO, IP_TTL, IP_TOS). */
struct sock_tx {
	struct ip_addr src;     /* family IP_AF_NONE: none */
	int ifindex;            /* ipi_ifindex (ustack's index + 1), 0: none */
	int ttl, tos;           /* -1: none */
};

/* What a kind of socket does. The public calls check their arguments, take the lock and
 * dispatch here instead of branching on the protocol (sock_tcp.c, sock_udp.c). Called
 * with st->lock held; errors are negative errno values, as in the transports below; a
 * NULL operation is EOPNOTSUPP. */
struct sock_ops {
	int (*attach)(struct ustack *st, struct usock *so);     /* make the transport side */
	/* close: false if the descriptor went meanwhile (a lingering close) */
	bool (*detach)(struct ustack *st, struct usock *so);
	int (*bind)(struct ustack *st, struct usock *so, const struct ip_addr *addr,
		    uint16_t port);
	int (*listen)(struct ustack *st, struct usock *so, int backlog);
	/* the next connection, in a new descriptor (waits as the socket says) */
	int (*accept)(struct ustack *st, struct usock *so, struct usock **ns);
	int (*connect)(struct ustack *st, struct usock *so, const struct ip_addr *addr,
		       uint16_t port, bool unspec);
	ssize_t (*send)(struct ustack *st, struct usock *so, const void *buf, size_t len,
			int flags, const struct sockaddr *to, socklen_t tolen);
	ssize_t (*recv)(struct ustack *st, struct usock *so, void *buf, size_t len, int flags,
			struct sockaddr *from, socklen_t *fromlen, struct sock_rx *rx);
	int (*shutdown)(struct ustack *st, struct usock *so, int how);
	unsigned (*events)(struct usock *so);                   /* poll(2) bits */
	/* options the socket layer does not keep itself (SOL_SOCKET ones it passes on too) */
	int (*setopt)(struct ustack *st, struct usock *so, int level, int name,
		      const void *val, socklen_t len);
	int (*getopt)(struct ustack *st, struct usock *so, int level, int name, void *val,
		      socklen_t *len);
	void (*addrs)(const struct usock *so, struct ip_addr *laddr, uint16_t *lport,
		      struct ip_addr *raddr, uint16_t *rport);
	bool (*connected)(const struct usock *so);
	int (*take_error)(struct usock *so);                    /* SO_ERROR */
	bool (*listening)(const struct usock *so);              /* SO_ACCEPTCONN */
	/* FIONREAD (the next datagram's size for UDP) and SIOCOUTQ */
	void (*queues)(const struct usock *so, size_t *inq, size_t *outq);
};
extern const struct sock_ops sock_tcp_ops, sock_udp_ops;

struct usock {
	int fd;
	int type;               /* SOCK_STREAM, SOCK_DGRAM or USOCK_EPOLL */
	const struct sock_ops *ops;     /* NULL for an epoll set */
	bool nonblock;
	uint8_t family;         /* AF_INET or AF_INET6 */
	bool v6only;            /* IPV6_V6ONLY */
	bool closed;            /* the descriptor is gone; blocked callers leave with EBADF */
	unsigned refs;          /* the table's reference + callers inside a wait */
	struct waitq wq;        /* threads blocked in a call on this socket */
	struct sock_watch *watchers;
	bool reuse, reuseport, bcast, keepalive;
	bool connecting;        /* TCP connect() under way (EALREADY / completion) */
	bool shut_rd, shut_wr;
	/* IPPROTO_IP: IP_TTL (-1: the stack's default), IP_TOS; what recvmsg reports */
	int16_t ip_ttl;
	uint8_t ip_tos;
	unsigned want;          /* SOCK_WANT_*: ancillary data recvmsg reports */
	int rcvlowat;           /* SO_RCVLOWAT (0 stands for the default, 1) */
	const struct sock_tx *tx;       /* during a sendmsg with ancillary data, else NULL */
	int sndbuf;             /* UDP: reported only */
	uint64_t rcvtimeo, sndtimeo;    /* microseconds; 0: wait forever */
	struct udp_pcb *udp;
	struct tcp_conn *tcp;
	struct uepoll *ep;      /* type USOCK_EPOLL: the set */
};

struct sock_table {
	struct usock **slot;
	int cap;
	int base;               /* descriptor of slot 0 (ustack_config.fd_base) */
	int lowest_free;        /* no free slot below it */
	unsigned sleeping;      /* threads asleep in any waitq of this stack, not yet woken */
	pthread_condattr_t cattr;
	/* While the stack is stepped (sock_defer_wakes .. sock_flush_wakes), the waiters woken
	 * are signalled once, at the end of the step, not in the middle of it: a woken thread
	 * would only block on st->lock, which the step still holds. */
	bool defer;
	struct waiter *pending;  /* woken, not yet signalled (linked through pend_next) */
};

/* Sleep on wq until woken, until st->now reaches deadline (SOCK_NO_DEADLINE: none), or
 * until `so` (may be NULL) is closed. 0 woken (re-check the condition), -ETIMEDOUT,
 * -EBADF, or -EDEADLK (nobody drives the stack). exclusive: an exclusive wake takes only
 * one such waiter. interest: the kinds of change that concern the caller (POLLIN for a
 * reader, POLLOUT for a writer; UPCALL_ALL: any). Called and returns with st->lock held. */
int waitq_sleep(struct ustack *st, struct waitq *wq, struct usock *so, uint64_t deadline,
		bool exclusive, unsigned interest);
/* Wake the waiters of wq that a change of kind `events` concerns: every shared one and
 * the first exclusive one; true if anyone woke. */
bool waitq_wake(struct ustack *st, struct waitq *wq, unsigned events);
/* Wake every waiter, exclusive or not (the socket is shut down or closed). */
void waitq_wake_all(struct ustack *st, struct waitq *wq);
static inline bool waitq_active(const struct waitq *wq) { return wq->head != NULL; }

/* Put w on so's list / take it off (no-op if off). */
void sock_watch_add(struct usock *so, struct sock_watch *w);
void sock_watch_del(struct sock_watch *w);

/* The socket for fd, or NULL (errno EBADF). With st->lock held. */
struct usock *sock_get(struct ustack *st, int fd);
/* The way into every public socket call on a descriptor: locks st and returns fd's
 * socket; or NULL with errno EBADF (st NULL, or no such descriptor) or ENOTSOCK (an
 * epoll set) and st not locked. */
struct usock *sock_enter(struct ustack *st, int fd);
/* The same for calls that take any descriptor (close, fcntl, epoll). */
struct usock *sock_enter_any(struct ustack *st, int fd);
/* Wait on so's queue (shared) for a change of a kind in interest, or st->now reaching
 * deadline: waitq_sleep. */
int sock_wait(struct ustack *st, struct usock *so, uint64_t deadline, unsigned interest);
/* The same, as an exclusive waiter for a new connection (accept: one wakes one thread). */
int sock_wait_exclusive(struct ustack *st, struct usock *so, uint64_t deadline);
/* A reader waiting for `need` bytes in so's receive queue (SO_RCVLOWAT, MSG_WAITALL):
 * data arriving wakes it only once that much is queued (an error, a hang-up or the end
 * of the stream at once). need <= half the receive buffer, or it could never be met. */
int sock_wait_data(struct ustack *st, struct usock *so, uint64_t deadline, size_t need);
/* The deadline for a timeout in microseconds (0: none). */
uint64_t sock_deadline(struct ustack *st, uint64_t timeo_us);
/* poll(2) events of so right now (POLLRDHUP included when the peer finished sending). */
unsigned sock_events(struct usock *so);
/* A new socket in the lowest free descriptor (POSIX); NULL with errno EMFILE / ENOMEM. */
struct usock *sock_alloc(struct ustack *st, int type);
/* Ancillary data a socket asked for (IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, SO_TIMESTAMP). */
#define SOCK_WANT_PKTINFO 1u
#define SOCK_WANT_TTL 2u
#define SOCK_WANT_TOS 4u
#define SOCK_WANT_TIMESTAMP 8u
#define SOCK_WANT_PKTINFO6 16u   /* IPV6_RECVPKTINFO */
#define SOCK_WANT_HOPLIMIT6 32u  /* IPV6_RECVHOPLIMIT */
/* recvfrom with what the network layer knew of the datagram (rx not NULL) and which
 * ancillary data the socket wants (*want). Takes and releases the lock; -1 with errno. */
ssize_t sock_recv_rx(struct ustack *st, int fd, void *buf, size_t len, int flags,
		     struct sockaddr *from, socklen_t *fromlen, struct sock_rx *rx,
		     unsigned *want);
/* sendto with ancillary data's choices (tx may be NULL). Takes and releases the lock. */
ssize_t sock_send_tx(struct ustack *st, int fd, const void *buf, size_t len, int flags,
		     const struct sockaddr *to, socklen_t tolen, const struct sock_tx *tx);
/* Drop the descriptor (the socket's transport is already closed). */
void sock_release(struct ustack *st, struct usock *so);
/* Unlock st and return -1 with errno err: the error exit of every public call. */
int sock_fail(struct ustack *st, int err);
/* A socket address from the caller for so's family: sockaddr_in for AF_INET,
 * sockaddr_in6 for AF_INET6 (an IPv4-mapped one comes out as the IPv4 address; *scope
 * gets sin6_scope_id, may be NULL). 0 or a positive errno (EINVAL short, EAFNOSUPPORT
 * another family). With unspec not NULL, AF_UNSPEC is accepted and reported there. */
int sock_get_addr(const struct usock *so, const struct sockaddr *addr, socklen_t len,
		  struct ip_addr *a, uint16_t *port, bool *unspec, uint32_t *scope);
/* A link-local (or link-scope multicast) IPv6 address needs its interface: scope is
 * sin6_scope_id (ustack's interface index + 1). 0, EINVAL (a link-local address without
 * one, as Linux), ENODEV (no such interface). */
int sock_check_scope(struct ustack *st, struct usock *so, const struct ip_addr *a,
		     uint32_t scope);
/* An option value out, truncated to *len as the kernel does. */
void sock_put_val(void *val, socklen_t *len, const void *v, size_t n);
/* A socket address out in so's family (an AF_INET6 socket shows IPv4 addresses mapped,
 * ::ffff:a.b.c.d), truncated to *len as the kernel does; *len set to the full size. */
void sock_put_addr(const struct usock *so, struct sockaddr *addr, socklen_t *len,
		   const struct ip_addr *a, uint16_t port);
/* SO_RCVLOWAT as it applies: at least 1, for a stream at most half its receive buffer
 * (Linux's tcp_set_rcvlowat cap: a mark the buffer cannot reach would never be met). */
static inline size_t sock_rcvlowat(const struct usock *so, size_t rcvbuf)
{
	size_t v = so->rcvlowat > 1 ? (size_t)so->rcvlowat : 1;

	if (rcvbuf && v > rcvbuf / 2)
		v = rcvbuf / 2 ? rcvbuf / 2 : 1;
	return v;
}
static inline bool sock_would_block(const struct usock *so, int flags)
{
	return so->nonblock || (flags & MSG_DONTWAIT);
}

#endif
