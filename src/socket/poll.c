/* poll.c - ustack_poll(st, fds, nfds, timeout) with poll(2) semantics (POSIX.1-2017
 * poll(): POLLNVAL for a closed descriptor, negative fds ignored, POLLERR/POLLHUP always
 * reported, timeout -1 forever, 0 immediate, N milliseconds), and the socket table as
 * netstat shows it.
 *
 * A poll that finds nothing ready puts one watcher on each of its sockets and sleeps
 * on a wait queue of its own: only an event on one of those sockets (or its deadline)
 * wakes it, never an event elsewhere in the stack. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/socket.h"
#include "core/stack.h"
#include "core/upcall.h"
#include "net/udp.h"
#include "tcp/tcp.h"
#include "socket/socket.h"
#include "socket/sock_var.h"

#define POLL_MAX_FDS 65536
#define POLL_STACK_WATCHES 8        /* watchers kept on the caller's stack */

/* The events of fd as poll(2) reports them for the requested set. */
static short fd_revents(struct ustack *st, const struct pollfd *p)
{
	struct usock *so = sock_get(st, p->fd);

	if (!so)
		return POLLNVAL;
	unsigned ev = sock_events(so);
	if (ev & POLLIN)
		ev |= POLLRDNORM;
	if (ev & POLLOUT)
		ev |= POLLWRNORM;
	return (short)(ev & ((unsigned)(unsigned short)p->events | POLLERR | POLLHUP));
}

/* One poll() call asleep: its queue, and one watcher per socket it looks at. */
struct poller {
	struct waitq wq;
};

struct poll_watch {
	struct sock_watch w;            /* first: the watcher is the poll_watch */
	struct poller *p;
	unsigned events;                /* what the caller asked for on this descriptor */
};

static bool poll_watch_fn(struct ustack *st, struct sock_watch *w, unsigned events, bool gone)
{
	struct poll_watch *pw = (struct poll_watch *)w;

	/* a closed descriptor: the re-scan says POLLNVAL */
	if (!gone && !(events & (pw->events | POLLERR | POLLHUP)))
		return false;
	return waitq_wake(st, &pw->p->wq, UPCALL_ALL);
}

static int scan(struct ustack *st, struct pollfd *fds, nfds_t nfds)
{
	int n = 0;

	for (nfds_t i = 0; i < nfds; i++) {
		fds[i].revents = fds[i].fd < 0 ? 0 : fd_revents(st, &fds[i]);
		if (fds[i].revents)
			n++;
	}
	return n;
}

int ustack_poll(struct ustack *st, struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
	if (!st) {
		errno = EINVAL;
		return -1;
	}
	if (nfds > POLL_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	if (!fds && nfds) {
		errno = EFAULT;
		return -1;
	}
	struct poll_watch local[POLL_STACK_WATCHES];
	struct poll_watch *watch = local;
	struct poller p = { 0 };

	stack_lock(st);
	uint64_t deadline = timeout_ms < 0 ? SOCK_NO_DEADLINE :
			    st->now + (uint64_t)timeout_ms * 1000u;
	int n = scan(st, fds, nfds);
	if (n || timeout_ms == 0) {
		stack_unlock(st);
		return n;
	}
	if (nfds > POLL_STACK_WATCHES) {
		watch = calloc(nfds, sizeof(*watch));
		if (!watch) {
			stack_unlock(st);
			errno = ENOMEM;
			return -1;
		}
	}
	for (nfds_t i = 0; i < nfds; i++) {
		struct usock *so = fds[i].fd < 0 ? NULL : sock_get(st, fds[i].fd);

		watch[i] = (struct poll_watch){ .w.fn = poll_watch_fn, .p = &p,
						.events = (unsigned short)fds[i].events };
		if (so)
			sock_watch_add(so, &watch[i].w);
	}
	int err = 0;
	for (;;) {
		int rc = waitq_sleep(st, &p.wq, NULL, deadline, false, UPCALL_ALL);

		n = scan(st, fds, nfds);
		if (n || rc == -ETIMEDOUT)
			break;
		if (rc < 0) {
			err = -rc;              /* EDEADLK: nobody drives the stack */
			break;
		}
	}
	for (nfds_t i = 0; i < nfds; i++)
		sock_watch_del(&watch[i].w);
	stack_unlock(st);
	if (watch != local)
		free(watch);
	if (err) {
		errno = err;
		return -1;
	}
	return n;
}

/* ---- select ----------------------------------------------------------------------- */

/* select(2) over ustack descriptors, through ustack_poll: readable = POLLIN, POLLHUP or
 * POLLERR; writable = POLLOUT or POLLERR (Linux's POLLIN_SET / POLLOUT_SET); no
 * exceptional conditions (no urgent data). A descriptor in a set that is not open is
 * EBADF. The timeout is not updated. nfds at most FD_SETSIZE: descriptors above it
 * cannot be in an fd_set (see ustack_config.fd_base). */
int ustack_select(struct ustack *st, int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
		  struct timeval *timeout)
{
	if (!st || nfds < 0 || nfds > FD_SETSIZE) {
		errno = EINVAL;
		return -1;
	}
	if (timeout && (timeout->tv_sec < 0 || timeout->tv_usec < 0 ||
			timeout->tv_usec >= 1000000)) {
		errno = EINVAL;
		return -1;
	}
	struct pollfd *p = calloc((size_t)(nfds ? nfds : 1), sizeof(*p));
	int n = 0;
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	for (int fd = 0; fd < nfds; fd++) {
		short ev = 0;
		if (rd && FD_ISSET(fd, rd))
			ev |= POLLIN;
		if (wr && FD_ISSET(fd, wr))
			ev |= POLLOUT;
		if (ex && FD_ISSET(fd, ex))
			ev |= POLLPRI;
		if (ev)
			p[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	int ms = -1;
	if (timeout) {
		long long t = (long long)timeout->tv_sec * 1000 + (timeout->tv_usec + 999) / 1000;
		ms = t > INT_MAX ? INT_MAX : (int)t;
	}
	int rc = ustack_poll(st, p, (nfds_t)n, ms);
	if (rc < 0) {
		free(p);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (p[i].revents & POLLNVAL) {
			free(p);
			errno = EBADF;
			return -1;
		}
	}
	if (rd)
		FD_ZERO(rd);
	if (wr)
		FD_ZERO(wr);
	if (ex)
		FD_ZERO(ex);
	int count = 0;
	for (int i = 0; i < n; i++) {
		short r = p[i].revents;
		if ((p[i].events & POLLIN) && (r & (POLLIN | POLLHUP | POLLERR))) {
			FD_SET(p[i].fd, rd);
			count++;
		}
		if ((p[i].events & POLLOUT) && (r & (POLLOUT | POLLERR))) {
			FD_SET(p[i].fd, wr);
			count++;
		}
		if ((p[i].events & POLLPRI) && (r & POLLPRI)) {
			FD_SET(p[i].fd, ex);
			count++;
		}
	}
	free(p);
	return count;
}

/* ---- netstat ------------------------------------------------------------------ */

struct collect {
	struct ustack *st;
	struct ustack_sockinfo *out;
	size_t max, n;
};

/* The socket behind a transport's upcall, if it is the socket layer's. */
static struct usock *upcall_sock(const struct upcall *up)
{
	return up->fn == sock_upcall ? up->ctx : NULL;
}

static void add_udp(void *ctx, const struct udp_pcb *pcb, const struct upcall *up,
		    size_t recv_q)
{
	struct usock *owner = upcall_sock(up);
	struct collect *c = ctx;
	struct ip_addr la, ra;
	uint16_t lp, rp;

	if (c->n < c->max) {
		struct ustack_sockinfo *si = &c->out[c->n];
		memset(si, 0, sizeof(*si));
		si->fd = sock_fd(owner);
		si->proto = IPPROTO_UDP;
		udp_addrs(pcb, &la, &lp, &ra, &rp);
		ip_addr_sockinfo(si, &la, lp, &ra, rp);
		si->state = "";
		si->recv_q = recv_q;
		si->rcvbuf = udp_rcvbuf(pcb);
		si->sndbuf = owner ? (size_t)owner->sndbuf : 0;
	}
	c->n++;
}

static void add_tcp(void *ctx, const struct ustack_sockinfo *in, const struct upcall *up)
{
	struct collect *c = ctx;

	if (c->n < c->max) {
		struct ustack_sockinfo *si = &c->out[c->n];
		*si = *in;
		si->proto = IPPROTO_TCP;
		si->fd = sock_fd(upcall_sock(up));
	}
	c->n++;
}

size_t ustack_sockets(struct ustack *st, struct ustack_sockinfo *out, size_t max)
{
	struct collect c = { .st = st, .out = out, .max = out ? max : 0 };

	if (!st)
		return 0;
	stack_lock(st);
	tcp_foreach(st, add_tcp, &c);
	udp_foreach(st, add_udp, &c);
	stack_unlock(st);
	return c.n;
}
