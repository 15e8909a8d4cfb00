/* sock_io.c - connect, accept and the data calls (send/recv and friends) on ustack
 * descriptors: TCP through src/tcp/tcp.h (RFC 9293 3.10 user calls: OPEN, SEND, RECEIVE),
 * UDP through the pcbs of src/net/udp.h (RFC 768, RFC 1122 4.1.3). Blocking calls sleep
 * in sock_wait(); errno as Linux reports it. */
#include <errno.h>
#include <string.h>

#include "ustack/socket.h"
#include "core/stack.h"
#include "core/trace.h"
#include "core/upcall.h"
#include "net/udp.h"
#include "tcp/tcp.h"
#include "socket/socket.h"
#include "socket/sock_var.h"

int ustack_accept4(struct ustack *st, int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct usock *so = sock_enter(st, fd);
	if (!so)
		return -1;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return sock_fail(st, EINVAL);
	if (so->type != SOCK_STREAM)
		return sock_fail(st, EOPNOTSUPP);
	if (addr && !len)
		return sock_fail(st, EFAULT);
	if (len && (int)*len < 0)
		return sock_fail(st, EINVAL);
	if (!tcp_is_listening(so->tcp))
		return sock_fail(st, EINVAL);

	uint64_t deadline = sock_deadline(st, so->rcvtimeo);
	struct tcp_conn *nc;
	while (!(nc = tcp_accept(st, so->tcp))) {
		if (so->nonblock)
			return sock_fail(st, EAGAIN);
		/* exclusive: one new connection wakes one of the threads in accept */
		int rc = sock_wait_exclusive(st, so, deadline);
		if (rc == -EBADF)
			return sock_fail(st, EBADF);
		if (rc == -ETIMEDOUT)
			return sock_fail(st, EAGAIN);
		if (!tcp_is_listening(so->tcp))
			return sock_fail(st, EINVAL);    /* shut down while we waited */
	}
	struct usock *ns = sock_alloc(st, SOCK_STREAM);
	if (!ns) {
		int e = errno;
		tcp_close(st, nc);
		return sock_fail(st, e);
	}
	ns->nonblock = (flags & SOCK_NONBLOCK) != 0;
	ns->tcp = nc;
	ns->reuse = so->reuse;
	ns->keepalive = so->keepalive;
	tcp_set_upcall(nc, &(struct upcall){ sock_upcall, ns });
	uint32_t la, ra;
	uint16_t lp, rp;
	tcp_addrs(nc, &la, &lp, &ra, &rp);
	sock_put_sin(addr, len, ra, rp);
	int nfd = ns->fd;
	trace_state(st, "socket", nfd, "", "OPEN", "socket %d: accepted on %d", nfd, fd);
	stack_unlock(st);
	return nfd;
}

int ustack_accept(struct ustack *st, int fd, struct sockaddr *addr, socklen_t *len)
{
	return ustack_accept4(st, fd, addr, len, 0);
}

/* TCP connect, RFC 9293 3.10.1 OPEN; Linux semantics for repeated calls. */
static int connect_tcp(struct ustack *st, struct usock *so, uint32_t a, uint16_t port)
{
	if (so->connecting) {
		int e = tcp_take_error(so->tcp);
		if (e) {
			so->connecting = false;
			return e;
		}
		if (tcp_is_connected(so->tcp)) {
			so->connecting = false;
			return 0;
		}
		if (so->nonblock)
			return EALREADY;
	} else {
		if (tcp_is_connected(so->tcp) || tcp_is_listening(so->tcp))
			return EISCONN;
		if (a == 0)
			a = INADDR_LOOPBACK;        /* connect to 0.0.0.0 means this host (Linux) */
		int rc = tcp_connect(st, so->tcp, a, port);
		if (rc < 0)
			return -rc;
		so->connecting = true;
		if (so->nonblock)
			return EINPROGRESS;
	}
	uint64_t deadline = sock_deadline(st, so->sndtimeo);
	for (;;) {
		int e = tcp_take_error(so->tcp);
		if (e) {
			so->connecting = false;
			return e;
		}
		if (tcp_is_connected(so->tcp)) {
			so->connecting = false;
			return 0;
		}
		unsigned ev = tcp_poll_events(so->tcp);
		if (ev & (POLLHUP | POLLERR)) {
			so->connecting = false;
			return ECONNREFUSED;
		}
		int rc = sock_wait(st, so, deadline);
		if (rc == -EBADF)
			return EBADF;
		if (rc == -ETIMEDOUT)
			return EINPROGRESS;         /* as Linux: the attempt goes on */
	}
}

int ustack_connect(struct ustack *st, int fd, const struct sockaddr *addr, socklen_t len)
{
	uint32_t a = 0;
	uint16_t port = 0;
	bool unspec = false;

	struct usock *so = sock_enter(st, fd);
	if (!so)
		return -1;
	int e = sock_get_sin(addr, len, &a, &port, &unspec);
	if (e)
		return sock_fail(st, e);
	if (so->udp) {
		/* RFC 1122 4.1.3.4 does not forbid it; AF_UNSPEC dissolves the association */
		int rc = udp_connect(st, so->udp, unspec ? 0 : a, unspec ? 0 : port);
		if (rc < 0)
			return sock_fail(st, -rc);
		stack_unlock(st);
		return 0;
	}
	if (unspec)
		return sock_fail(st, EAFNOSUPPORT);
	e = connect_tcp(st, so, a, port);
	if (e)
		return sock_fail(st, e);
	stack_unlock(st);
	return 0;
}

/* ---- data --------------------------------------------------------------------- */

#define SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_CONFIRM | MSG_EOR)
#define RECV_FLAGS (MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC | MSG_WAITALL | MSG_CMSG_CLOEXEC)

static ssize_t send_tcp(struct ustack *st, struct usock *so, const uint8_t *buf, size_t len,
			int flags)
{
	uint64_t deadline = sock_deadline(st, so->sndtimeo);
	size_t done = 0;

	if (len == 0) {
		ssize_t n = tcp_send(st, so->tcp, buf, 0, flags & MSG_MORE);
		if (n < 0 && n != -EAGAIN) {
			errno = (int)-n;
			return -1;
		}
		return 0;
	}
	while (done < len) {
		ssize_t n = tcp_send(st, so->tcp, buf + done, len - done, flags & MSG_MORE);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		int e = n == 0 ? EAGAIN : (int)-n;
		if (e == EAGAIN && !sock_would_block(so, flags)) {
			int rc = sock_wait(st, so, deadline);
			if (rc == -EBADF)
				e = EBADF;
			else if (rc == 0)
				continue;
		}
		if (done && e != EBADF)
			break;                      /* report the partial write */
		errno = e;
		return -1;
	}
	return (ssize_t)done;
}

ssize_t ustack_sendto(struct ustack *st, int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *to, socklen_t tolen)
{
	struct usock *so = sock_enter(st, fd);
	if (!so)
		return -1;
	if (!buf && len)
		return sock_fail(st, EFAULT);
	if (flags & ~SEND_FLAGS)
		return sock_fail(st, EOPNOTSUPP);
	if (so->shut_wr)
		return sock_fail(st, EPIPE);
	ssize_t n;
	if (so->udp) {
		uint32_t a = 0;
		uint16_t port = 0;
		if (to) {
			int e = sock_get_sin(to, tolen, &a, &port, NULL);
			if (e)
				return sock_fail(st, e);
			if (port == 0)
				return sock_fail(st, EINVAL);
		}
		udp_set_broadcast(so->udp, so->bcast);
		long rc = udp_sendto(st, so->udp, buf, len, a, port);
		if (rc < 0)
			return sock_fail(st, (int)-rc);
		n = rc;
	} else {
		/* a TCP socket ignores the address, as Linux does */
		n = send_tcp(st, so, buf, len, flags);
		if (n < 0)
			return sock_fail(st, errno);
	}
	stack_unlock(st);
	return n;
}

ssize_t ustack_send(struct ustack *st, int fd, const void *buf, size_t len, int flags)
{
	return ustack_sendto(st, fd, buf, len, flags, NULL, 0);
}

static ssize_t recv_tcp(struct ustack *st, struct usock *so, uint8_t *buf, size_t len, int flags)
{
	uint64_t deadline = sock_deadline(st, so->rcvtimeo);
	size_t done = 0;
	bool all = (flags & MSG_WAITALL) && !(flags & MSG_PEEK);

	for (;;) {
		ssize_t n = tcp_recv(st, so->tcp, buf + done, len - done, flags & MSG_PEEK);
		if (n > 0) {
			done += (size_t)n;
			if (!all || done == len)
				return (ssize_t)done;
			continue;
		}
		if (n == 0)
			return (ssize_t)done;       /* end of stream */
		int e = (int)-n;
		if (e == EAGAIN && so->shut_rd)
			return (ssize_t)done;
		if (e == EAGAIN && !sock_would_block(so, flags)) {
			int rc = sock_wait(st, so, deadline);
			if (rc == 0)
				continue;
			e = rc == -EBADF ? EBADF : EAGAIN;
		}
		if (done && e != EBADF)
			return (ssize_t)done;
		errno = e;
		return -1;
	}
}

ssize_t ustack_recvfrom(struct ustack *st, int fd, void *buf, size_t len, int flags,
			struct sockaddr *from, socklen_t *fromlen)
{
	struct usock *so = sock_enter(st, fd);
	if (!so)
		return -1;
	if (!buf && len)
		return sock_fail(st, EFAULT);
	if (from && !fromlen)
		return sock_fail(st, EFAULT);
	if (flags & ~RECV_FLAGS)
		return sock_fail(st, EOPNOTSUPP);
	if (so->tcp) {
		ssize_t n = recv_tcp(st, so, buf, len, flags);
		if (n < 0)
			return sock_fail(st, errno);
		if (fromlen)
			*fromlen = 0;               /* Linux: no address for a stream */
		stack_unlock(st);
		return n;
	}
	uint64_t deadline = sock_deadline(st, so->rcvtimeo);
	for (;;) {
		uint32_t src = 0;
		uint16_t sport = 0;
		long n = udp_recvfrom(st, so->udp, buf, len, flags, &src, &sport);
		if (n >= 0) {
			sock_put_sin(from, fromlen, src, sport);
			stack_unlock(st);
			return n;
		}
		if (n != -EAGAIN)
			return sock_fail(st, (int)-n);
		if (so->shut_rd) {
			stack_unlock(st);
			return 0;
		}
		if (sock_would_block(so, flags))
			return sock_fail(st, EAGAIN);
		int rc = sock_wait(st, so, deadline);
		if (rc == -EBADF)
			return sock_fail(st, EBADF);
		if (rc == -ETIMEDOUT)
			return sock_fail(st, EAGAIN);
	}
}

ssize_t ustack_recv(struct ustack *st, int fd, void *buf, size_t len, int flags)
{
	return ustack_recvfrom(st, fd, buf, len, flags, NULL, NULL);
}
