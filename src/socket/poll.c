/* poll.c - ustack_poll(st, fds, nfds, timeout) with poll(2) semantics (POSIX.1-2017
 * poll(): POLLNVAL for a closed descriptor, negative fds ignored, POLLERR/POLLHUP always
 * reported, timeout -1 forever, 0 immediate, N milliseconds), and the socket table as
 * netstat shows it. */
#include <errno.h>
#include <string.h>

#include "ustack/socket.h"
#include "core/stack.h"
#include "net/udp.h"
#include "tcp/tcp.h"
#include "socket/socket.h"
#include "socket/sock_var.h"

#define POLL_MAX_FDS 65536

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

int ustack_poll_fds(struct ustack *st, struct pollfd *fds, nfds_t nfds, int timeout_ms)
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
	stack_lock(st);
	uint64_t deadline = timeout_ms < 0 ? SOCK_NO_DEADLINE :
			    st->now + (uint64_t)timeout_ms * 1000u;
	for (;;) {
		int n = 0;
		for (nfds_t i = 0; i < nfds; i++) {
			fds[i].revents = fds[i].fd < 0 ? 0 : fd_revents(st, &fds[i]);
			if (fds[i].revents)
				n++;
		}
		if (n || timeout_ms == 0) {
			stack_unlock(st);
			return n;
		}
		if (sock_wait(st, NULL, deadline) == -ETIMEDOUT) {
			stack_unlock(st);
			return 0;
		}
	}
}

/* ---- netstat ------------------------------------------------------------------ */

struct collect {
	struct ustack *st;
	struct ustack_sockinfo *out;
	size_t max, n;
};

static void sin_set(struct sockaddr_in *sin, uint32_t a, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(a);
	sin->sin_port = htons(port);
}

static void add_udp(void *ctx, const struct udp_pcb *pcb, struct usock *owner, size_t recv_q)
{
	struct collect *c = ctx;
	uint32_t la, ra;
	uint16_t lp, rp;

	if (c->n < c->max) {
		struct ustack_sockinfo *si = &c->out[c->n];
		memset(si, 0, sizeof(*si));
		si->fd = sock_fd(owner);
		si->proto = IPPROTO_UDP;
		udp_addrs(pcb, &la, &lp, &ra, &rp);
		sin_set(&si->local, la, lp);
		sin_set(&si->remote, ra, rp);
		si->state = "";
		si->recv_q = recv_q;
		si->rcvbuf = udp_rcvbuf(pcb);
		si->sndbuf = owner ? (size_t)((struct usock *)owner)->sndbuf : 0;
	}
	c->n++;
}

static bool same_sin(const struct sockaddr_in *s, uint32_t a, uint16_t port)
{
	return s->sin_addr.s_addr == htonl(a) && s->sin_port == htons(port);
}

/* TCP knows connections, the table knows descriptors: match them on the address pair. */
static int tcp_fd_of(struct ustack *st, const struct ustack_sockinfo *si)
{
	struct sock_table *t = st->socks;

	for (int fd = 0; fd < t->cap; fd++) {
		struct usock *so = t->slot[fd];
		uint32_t la, ra;
		uint16_t lp, rp;
		if (!so || !so->tcp)
			continue;
		tcp_addrs(so->tcp, &la, &lp, &ra, &rp);
		if (same_sin(&si->local, la, lp) && same_sin(&si->remote, ra, rp))
			return fd;
	}
	return -1;
}

static void add_tcp(void *ctx, const struct ustack_sockinfo *in)
{
	struct collect *c = ctx;

	if (c->n < c->max) {
		struct ustack_sockinfo *si = &c->out[c->n];
		*si = *in;
		si->proto = IPPROTO_TCP;
		si->fd = tcp_fd_of(c->st, in);
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
