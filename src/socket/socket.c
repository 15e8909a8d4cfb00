/* socket.c - the per-stack descriptor table, blocking and waking, and the socket calls
 * that set a socket up or look at it (POSIX.1-2017 "Sockets"; Linux behaviour where
 * POSIX leaves a choice).
 *
 * Every public call validates its arguments, takes the stack lock (stack_lock refreshes
 * st->now from the runner's clock), acts, and unlocks. TCP sockets delegate to
 * src/tcp/tcp.h, UDP sockets to the pcbs of src/net/udp.h. Blocking calls sleep on the
 * socket's condition variable with st->lock and are woken by sock_notify(), by their
 * deadline (SO_RCVTIMEO / SO_SNDTIMEO, EAGAIN on expiry as Linux does), or by close()
 * from another thread (EBADF). */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ustack/socket.h"
#include "core/iface.h"
#include "core/ip_class.h"
#include "core/stack.h"
#include "core/timer.h"
#include "core/trace.h"
#include "core/upcall.h"
#include "socket/epoll.h"
#include "socket/socket.h"
#include "socket/sock_var.h"
#include "wire/be.h"

/* ---- wait queues -------------------------------------------------------------- */

static void sock_unref(struct ustack *st, struct usock *so)
{
	(void)st;
	if (--so->refs == 0)
		free(so);
}

/* One thread asleep in waitq_sleep: its own condition variable, queued on one waitq. */
struct waiter {
	pthread_cond_t cv;
	struct waiter *next, *prev;
	struct waitq *wq;               /* NULL once dequeued (woken, timed out) */
	bool exclusive;
	unsigned interest;              /* the kinds of change that wake it */
	size_t need;                    /* a reader: bytes queued before data wakes it */
	bool woken;                     /* by an event (waitq_wake), not by its deadline */
	bool pending;                   /* woken during a step: signalled at its end */
	struct waiter *pend_next;
	struct ustack *st;
};

static void waiter_enqueue(struct ustack *st, struct waitq *wq, struct waiter *w)
{
	w->wq = wq;
	w->next = NULL;
	w->prev = wq->tail;
	if (wq->tail)
		wq->tail->next = w;
	else
		wq->head = w;
	wq->tail = w;
	st->socks->sleeping++;
}

static void waiter_dequeue(struct ustack *st, struct waiter *w)
{
	struct waitq *wq = w->wq;

	if (!wq)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		wq->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		wq->tail = w->prev;
	w->next = w->prev = NULL;
	w->wq = NULL;
	st->socks->sleeping--;
}

static void waiter_wake(struct ustack *st, struct waiter *w)
{
	struct sock_table *t = st->socks;

	waiter_dequeue(st, w);
	w->woken = true;
	ST_COUNT(st, sock_wakeups);
	if (t->defer) {
		w->pending = true;
		w->pend_next = t->pending;
		t->pending = w;
		return;
	}
	pthread_cond_signal(&w->cv);
}

/* w leaves waitq_sleep (its deadline, a spurious wake-up): no signal is owed to it. */
static void waiter_unpend(struct ustack *st, struct waiter *w)
{
	struct waiter **pp = &st->socks->pending;

	if (!w->pending)
		return;
	while (*pp && *pp != w)
		pp = &(*pp)->pend_next;
	if (*pp)
		*pp = w->pend_next;
	w->pending = false;
}

void sock_defer_wakes(struct ustack *st)
{
	if (st->socks)
		st->socks->defer = true;
}

void sock_flush_wakes(struct ustack *st)
{
	struct sock_table *t = st->socks;

	if (!t)
		return;
	t->defer = false;
	while (t->pending) {
		struct waiter *w = t->pending;

		t->pending = w->pend_next;
		w->pending = false;
		pthread_cond_signal(&w->cv);
	}
}

/* Wake the waiters events concern; avail: bytes in the receive queue (SIZE_MAX: not
 * known), so that a reader waiting for more than that sleeps on. */
static bool waitq_wake_avail(struct ustack *st, struct waitq *wq, unsigned events, size_t avail)
{
	bool any = false, exclusive_done = false;

	for (struct waiter *w = wq->head, *next; w; w = next) {
		next = w->next;
		unsigned why = w->interest & events;
		if (!why)
			continue;
		if (why == POLLIN && w->need > avail)
			continue;                   /* data, but less than it waits for */
		if (w->exclusive) {
			if (exclusive_done)
				continue;
			exclusive_done = true;
		}
		waiter_wake(st, w);
		any = true;
	}
	return any;
}

bool waitq_wake(struct ustack *st, struct waitq *wq, unsigned events)
{
	return waitq_wake_avail(st, wq, events, SIZE_MAX);
}

void waitq_wake_all(struct ustack *st, struct waitq *wq)
{
	while (wq->head)
		waiter_wake(st, wq->head);
}

/* A waiter's deadline passed on the stack clock. */
static void wait_timer_fn(struct ustack *st, struct timer *t, uint64_t now)
{
	struct waiter *w = t->arg;

	(void)now;
	waiter_dequeue(st, w);
	pthread_cond_signal(&w->cv);
}

static int waitq_sleep_need(struct ustack *st, struct waitq *wq, struct usock *so,
			    uint64_t deadline, bool exclusive, unsigned interest, size_t need)
{
	struct waiter w = { .exclusive = exclusive, .interest = interest | POLLERR | POLLHUP,
			    .need = need, .st = st };
	struct timer tm;
	bool timed = deadline != SOCK_NO_DEADLINE;

	if (timed && st->now >= deadline)
		return -ETIMEDOUT;
	if (so && so->closed)
		return -EBADF;
	if (!st->clock && !st->driven)
		return -EDEADLK;        /* no runner and no ustack_step ever: no clock, no input */
	if (so)
		so->refs++;
	pthread_cond_init(&w.cv, &st->socks->cattr);
	waiter_enqueue(st, wq, &w);
	timer_init(&tm, wait_timer_fn, &w);
	if (timed) {
		timer_set(st, &tm, deadline);
		if (st->clock) {
			/* let the runner see the new deadline; a wake meanwhile dequeues us */
			stack_unlock(st);
			stack_lock(st);
		}
	}
	struct timespec ts;
	if (st->clock && timed && w.wq) {
		uint64_t left = deadline > st->now ? deadline - st->now : 0;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)(left / 1000000u);
		ts.tv_nsec += (long)(left % 1000000u) * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
	}
	while (w.wq) {
		if (st->clock && timed) {
			if (pthread_cond_timedwait(&w.cv, &st->lock, &ts) == ETIMEDOUT)
				break;
		} else {
			pthread_cond_wait(&w.cv, &st->lock);
		}
	}
	waiter_dequeue(st, &w);
	waiter_unpend(st, &w);
	timer_cancel(st, &tm);
	pthread_cond_destroy(&w.cv);
	if (so) {
		bool closed = so->closed;
		sock_unref(st, so);
		if (closed)
			return -EBADF;
	}
	if (!w.woken && timed) {
		ST_COUNT(st, sock_timeouts);
		return -ETIMEDOUT;      /* by the stack clock or the real one */
	}
	return 0;
}

int waitq_sleep(struct ustack *st, struct waitq *wq, struct usock *so, uint64_t deadline,
		bool exclusive, unsigned interest)
{
	return waitq_sleep_need(st, wq, so, deadline, exclusive, interest, 0);
}

int sock_wait_data(struct ustack *st, struct usock *so, uint64_t deadline, size_t need)
{
	return waitq_sleep_need(st, &so->wq, so, deadline, false, POLLIN | POLLRDHUP,
				need > 1 ? need : 0);
}

int sock_wait(struct ustack *st, struct usock *so, uint64_t deadline, unsigned interest)
{
	return waitq_sleep(st, &so->wq, so, deadline, false, interest);
}

int sock_wait_exclusive(struct ustack *st, struct usock *so, uint64_t deadline)
{
	return waitq_sleep(st, &so->wq, so, deadline, true, POLLIN);
}

uint64_t sock_deadline(struct ustack *st, uint64_t timeo_us)
{
	return timeo_us ? st->now + timeo_us : SOCK_NO_DEADLINE;
}

/* ---- watchers and notification ---------------------------------------------------- */

void sock_watch_add(struct usock *so, struct sock_watch *w)
{
	w->so = so;
	w->prev = NULL;
	w->next = so->watchers;
	if (w->next)
		w->next->prev = w;
	so->watchers = w;
}

void sock_watch_del(struct sock_watch *w)
{
	struct usock *so = w->so;

	if (!so)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		so->watchers = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->next = w->prev = NULL;
	w->so = NULL;
}

void sock_notify(struct ustack *st, struct usock *so, unsigned events)
{
	bool exclusive_done = false;

	if (!st->socks || !so || so->closed)
		return;
	size_t avail = SIZE_MAX;
	if (events == POLLIN && so->ops && so->ops->queues) {
		size_t outq;
		so->ops->queues(so, &avail, &outq);    /* readers waiting for more sleep on */
	}
	waitq_wake_avail(st, &so->wq, events, avail);
	for (struct sock_watch *w = so->watchers, *next; w; w = next) {
		next = w->next;
		if (w->exclusive) {
			if (exclusive_done)
				continue;
			if (w->fn(st, w, events, false))
				exclusive_done = true;
		} else {
			w->fn(st, w, events, false);
		}
	}
}

void sock_upcall(struct ustack *st, void *ctx, unsigned events)
{
	sock_notify(st, ctx, events);
}

unsigned sock_sleepers(struct ustack *st)
{
	stack_lock(st);
	unsigned n = st->socks ? st->socks->sleeping : 0;
	stack_unlock(st);
	return n;
}

/* ---- the table ---------------------------------------------------------------- */

int sock_init(struct ustack *st)
{
	struct sock_table *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	pthread_condattr_init(&t->cattr);
	pthread_condattr_setclock(&t->cattr, CLOCK_MONOTONIC);
	t->base = st->cfg.fd_base;
	st->socks = t;
	return 0;
}

/* Frees the socket structures only: TCP connections and UDP pcbs belong to their modules,
 * which free them in tcp_free / udp_free whatever the order of teardown. Epoll sets go
 * first: their items sit on the sockets' lists. */
void sock_free(struct ustack *st)
{
	struct sock_table *t = st->socks;

	if (!t)
		return;
	for (int i = 0; i < t->cap; i++) {
		if (t->slot[i] && t->slot[i]->ep) {
			ep_free(st, t->slot[i]->ep);
			t->slot[i]->ep = NULL;
		}
	}
	for (int i = 0; i < t->cap; i++)
		free(t->slot[i]);
	free(t->slot);
	pthread_condattr_destroy(&t->cattr);
	free(t);
	st->socks = NULL;
}

int sock_fd(const struct usock *so)
{
	return so && !so->closed ? so->fd : -1;
}

struct usock *sock_get(struct ustack *st, int fd)
{
	struct sock_table *t = st->socks;

	int i = fd - t->base;

	if (fd < t->base || i >= t->cap || !t->slot[i]) {
		errno = EBADF;
		return NULL;
	}
	return t->slot[i];
}

struct usock *sock_enter_any(struct ustack *st, int fd)
{
	if (!st) {
		errno = EBADF;
		return NULL;
	}
	stack_lock(st);
	struct usock *so = sock_get(st, fd);
	if (!so) {
		stack_unlock(st);
		errno = EBADF;
	}
	return so;
}

struct usock *sock_enter(struct ustack *st, int fd)
{
	struct usock *so = sock_enter_any(st, fd);

	if (so && so->type == USOCK_EPOLL) {
		stack_unlock(st);
		errno = ENOTSOCK;
		return NULL;
	}
	return so;
}

/* A new socket in the lowest free descriptor (POSIX); NULL with errno EMFILE / ENOMEM. */
struct usock *sock_alloc(struct ustack *st, int type)
{
	struct sock_table *t = st->socks;
	int i = t->lowest_free;

	while (i < t->cap && t->slot[i])
		i++;
	if (i == t->cap) {
		if (t->cap >= SOCK_MAX_FDS) {
			errno = EMFILE;
			return NULL;
		}
		int ncap = t->cap ? t->cap * 2 : 16;
		struct usock **n = realloc(t->slot, (size_t)ncap * sizeof(*n));
		if (!n) {
			errno = ENOMEM;
			return NULL;
		}
		memset(n + t->cap, 0, (size_t)(ncap - t->cap) * sizeof(*n));
		t->slot = n;
		t->cap = ncap;
	}
	struct usock *so = calloc(1, sizeof(*so));
	if (!so) {
		errno = ENOMEM;
		return NULL;
	}
	so->fd = t->base + i;
	so->type = type;
	so->refs = 1;
	so->ip_ttl = -1;
	t->slot[i] = so;
	t->lowest_free = i + 1;
	return so;
}

/* Drop the descriptor: blocked callers wake and leave with EBADF; watchers hear that it
 * is gone (poll() calls re-scan and see POLLNVAL, epoll sets forget it). */
void sock_release(struct ustack *st, struct usock *so)
{
	struct sock_table *t = st->socks;

	so->closed = true;
	int i = so->fd - t->base;

	t->slot[i] = NULL;
	if (i < t->lowest_free)
		t->lowest_free = i;
	waitq_wake_all(st, &so->wq);
	while (so->watchers) {
		struct sock_watch *w = so->watchers;

		sock_watch_del(w);
		w->fn(st, w, UPCALL_ALL, true);
	}
	sock_unref(st, so);
}

/* ---- helpers ------------------------------------------------------------------ */

int sock_fail(struct ustack *st, int err)
{
	stack_unlock(st);
	errno = err;
	return -1;
}

int sock_get_addr(const struct usock *so, const struct sockaddr *addr, socklen_t len,
		  struct ip_addr *a, uint16_t *port, bool *unspec, uint32_t *scope)
{
	if (scope)
		*scope = 0;
	if (!addr)
		return EFAULT;
	if (len < (socklen_t)sizeof(sa_family_t))
		return EINVAL;
	if (unspec)
		*unspec = addr->sa_family == AF_UNSPEC;
	if (addr->sa_family == AF_UNSPEC && unspec)
		return 0;
	if (so->family == AF_INET6) {
		struct sockaddr_in6 sin6;

		/* Linux: at least the RFC 2133 size (no sin6_scope_id), then the family */
		if (len < (socklen_t)offsetof(struct sockaddr_in6, sin6_scope_id))
			return EINVAL;
		if (addr->sa_family != AF_INET6)
			return EAFNOSUPPORT;
		memset(&sin6, 0, sizeof(sin6));
		memcpy(&sin6, addr, len < (socklen_t)sizeof(sin6) ? (size_t)len : sizeof(sin6));
		if (ip6_is_v4mapped(sin6.sin6_addr.s6_addr))
			*a = ip_addr_from_v4(be32_get(sin6.sin6_addr.s6_addr + 12));
		else
			*a = ip_addr_from_v6(sin6.sin6_addr.s6_addr);
		*port = ntohs(sin6.sin6_port);
		if (scope)
			*scope = sin6.sin6_scope_id;
		return 0;
	}
	struct sockaddr_in sin;

	if (len < (socklen_t)sizeof(sin))
		return EINVAL;
	if (addr->sa_family != AF_INET)
		return EAFNOSUPPORT;
	memcpy(&sin, addr, sizeof(sin));
	*a = ip_addr_from_v4(ntohl(sin.sin_addr.s_addr));
	*port = ntohs(sin.sin_port);
	return 0;
}

int sock_check_scope(struct ustack *st, struct usock *so, const struct ip_addr *a,
		     uint32_t scope)
{
	(void)so;
	if (a->family != IP_AF_INET6)
		return 0;
	bool scoped = ip6_is_link_local(a->b) ||
		      (ip6_is_multicast(a->b) && ip6_mcast_scope(a->b) <= 2);
	if (!scoped)
		return 0;
	if (scope == 0)
		return ip6_is_multicast(a->b) ? 0 : EINVAL;  /* Linux: a link-local peer needs it */
	if (scope > (uint32_t)INT32_MAX || !iface_get(st, (int)scope - 1))
		return ENODEV;
	return 0;
}

void sock_put_val(void *val, socklen_t *len, const void *v, size_t n)
{
	size_t k = (size_t)*len < n ? (size_t)*len : n;

	memcpy(val, v, k);
	*len = (socklen_t)k;
}

/* Write a sockaddr_in out the way the kernel does: truncated to *len, *len set to the
 * full size. */
void sock_put_addr(const struct usock *so, struct sockaddr *addr, socklen_t *len,
		   const struct ip_addr *a, uint16_t port)
{
	union { struct sockaddr_in sin; struct sockaddr_in6 sin6; } u;
	size_t full;

	if (!addr || !len)
		return;
	memset(&u, 0, sizeof(u));
	if (so->family == AF_INET6) {
		struct ip_addr m = *a;

		if (a->family == IP_AF_INET)
			m = ip_addr_v4_mapped(ip_addr_v4(a));
		u.sin6.sin6_family = AF_INET6;
		u.sin6.sin6_port = htons(port);
		memcpy(u.sin6.sin6_addr.s6_addr, m.b, 16);
		full = sizeof(u.sin6);
	} else {
		u.sin.sin_family = AF_INET;
		u.sin.sin_addr.s_addr = a->family == IP_AF_INET ? htonl(ip_addr_v4(a)) : 0;
		u.sin.sin_port = htons(port);
		full = sizeof(u.sin);
	}
	size_t n = *len < (socklen_t)full ? (size_t)*len : full;
	memcpy(addr, &u, n);
	*len = (socklen_t)full;
}

/* ---- lifecycle (connect, accept and the data calls are in sock_io.c) ----------- */

int ustack_socket(struct ustack *st, int domain, int type, int protocol)
{
	const struct sock_ops *ops;

	if (!st) {
		errno = EINVAL;
		return -1;
	}
	if (domain != AF_INET && domain != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (base == SOCK_STREAM) {
		if (protocol != 0 && protocol != IPPROTO_TCP) {
			errno = EPROTONOSUPPORT;
			return -1;
		}
		ops = &sock_tcp_ops;
	} else if (base == SOCK_DGRAM) {
		if (protocol != 0 && protocol != IPPROTO_UDP) {
			errno = EPROTONOSUPPORT;
			return -1;
		}
		ops = &sock_udp_ops;
	} else if (base == SOCK_RAW || base == SOCK_SEQPACKET || base == SOCK_RDM) {
		errno = ESOCKTNOSUPPORT;
		return -1;
	} else {
		errno = EINVAL;
		return -1;
	}

	stack_lock(st);
	struct usock *so = sock_alloc(st, base);
	if (!so)
		return sock_fail(st, errno);
	so->nonblock = (type & SOCK_NONBLOCK) != 0;
	so->family = domain;
	so->ops = ops;
	int rc = ops->attach(st, so);
	if (rc < 0) {
		sock_release(st, so);
		return sock_fail(st, -rc);
	}
	int fd = so->fd;
	trace_state(st, "socket", fd, "", "OPEN", "socket %d: %s", fd,
		    base == SOCK_DGRAM ? "udp" : "tcp");
	stack_unlock(st);
	return fd;
}

int ustack_close(struct ustack *st, int fd)
{
	struct usock *so = sock_enter_any(st, fd);
	if (!so)
		return -1;
	if (so->ep) {
		ep_free(st, so->ep);
		so->ep = NULL;
	}
	if (so->ops && !so->ops->detach(st, so)) {
		stack_unlock(st);               /* closed by another thread while lingering */
		return 0;
	}
	trace_state(st, "socket", fd, "OPEN", "CLOSED", "socket %d: closed", fd);
	sock_release(st, so);
	stack_unlock(st);
	return 0;
}

int ustack_bind(struct ustack *st, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct ip_addr a = ip_addr_from_v4(0);
	uint16_t port = 0;
	bool unspec = false;

	struct usock *so = sock_enter(st, fd);
	if (!so)
		return -1;
	int e = sock_get_addr(so, addr, len, &a, &port, so->family == AF_INET ? &unspec : NULL,
			      NULL);
	if (e)
		return sock_fail(st, e);
	if (unspec) {
		/* Linux accepts AF_UNSPEC only with INADDR_ANY */
		struct sockaddr_in sin;
		if (len < (socklen_t)sizeof(sin))
			return sock_fail(st, EINVAL);
		memcpy(&sin, addr, sizeof(sin));
		if (sin.sin_addr.s_addr != htonl(INADDR_ANY))
			return sock_fail(st, EAFNOSUPPORT);
		port = ntohs(sin.sin_port);
	}
	int rc = so->ops->bind(st, so, &a, port);
	if (rc < 0)
		return sock_fail(st, -rc);
	stack_unlock(st);
	return 0;
}

int ustack_listen(struct ustack *st, int fd, int backlog)
{
	struct usock *so = sock_enter(st, fd);
	if (!so)
		return -1;
	if (!so->ops->listen)
		return sock_fail(st, EOPNOTSUPP);
	if (backlog < 0)
		backlog = 0;
	if (backlog > 4096)
		backlog = 4096;                 /* somaxconn */
	int rc = so->ops->listen(st, so, backlog);
	if (rc < 0)
		return sock_fail(st, -rc);
	stack_unlock(st);
	return 0;
}

int ustack_shutdown(struct ustack *st, int fd, int how)
{
	struct usock *so = sock_enter(st, fd);
	if (!so)
		return -1;
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return sock_fail(st, EINVAL);
	int rc = so->ops->shutdown(st, so, how);
	if (rc < 0)
		return sock_fail(st, -rc);
	if (how != SHUT_WR)
		so->shut_rd = true;
	if (how != SHUT_RD)
		so->shut_wr = so->type != SOCK_STREAM || so->shut_wr;  /* TCP reports EPIPE itself */
	sock_notify(st, so, UPCALL_ALL);
	waitq_wake_all(st, &so->wq);            /* every accept() too, not just one */
	stack_unlock(st);
	return 0;
}

static int sock_name(struct ustack *st, int fd, struct sockaddr *addr, socklen_t *len,
		     bool peer)
{
	struct ip_addr la = ip_addr_from_v4(0), ra = ip_addr_from_v4(0);
	uint16_t lp = 0, rp = 0;

	struct usock *so = sock_enter(st, fd);
	if (!so)
		return -1;
	if (!addr || !len)
		return sock_fail(st, EFAULT);
	if ((int)*len < 0)
		return sock_fail(st, EINVAL);
	if (peer && !so->ops->connected(so))
		return sock_fail(st, ENOTCONN);
	so->ops->addrs(so, &la, &lp, &ra, &rp);
	if (peer)
		sock_put_addr(so, addr, len, &ra, rp);
	else
		sock_put_addr(so, addr, len, &la, lp);
	stack_unlock(st);
	return 0;
}

int ustack_getsockname(struct ustack *st, int fd, struct sockaddr *addr, socklen_t *len)
{
	return sock_name(st, fd, addr, len, false);
}

int ustack_getpeername(struct ustack *st, int fd, struct sockaddr *addr, socklen_t *len)
{
	return sock_name(st, fd, addr, len, true);
}

unsigned sock_events(struct usock *so)
{
	if (so->ep)
		return ep_poll_events(so->ep);
	return so->ops->events(so);
}
