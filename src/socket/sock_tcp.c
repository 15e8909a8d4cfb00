/* sock_tcp.c - the socket operations of SOCK_STREAM sockets: TCP through src/tcp/tcp.h
 * (RFC 9293 3.10 user calls: OPEN, SEND, RECEIVE, CLOSE, ABORT, STATUS), with Linux's
 * shapes for what POSIX leaves open (repeated connect, partial writes, MSG_WAITALL,
 * SO_LINGER). Blocking calls sleep in sock_wait(); errors are negative errno values. */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "ustack/socket.h"
#include "core/stack.h"
#include "core/upcall.h"
#include "core/ip_class.h"
#include "tcp/tcp.h"
#include "socket/socket.h"
#include "socket/sock_var.h"

static int tcp_attach(struct ustack *st, struct usock *so)
{
	so->tcp = tcp_conn_new(st, &(struct upcall){ sock_upcall, so });
	if (so->tcp)
		tcp_set_family(so->tcp, so->family == AF_INET6 ? IP_AF_INET6 : IP_AF_INET,
			       so->v6only);
	return so->tcp ? 0 : -ENOMEM;
}

/* SO_LINGER with a positive time: wait, the upcall still installed (so woken by every
 * change of the connection), until the FIN is acknowledged or the time passes; then the
 * close goes on as usual (on Linux too, close returns 0 either way). False if another
 * thread closed the descriptor meanwhile: nothing is left to do. */
static bool tcp_linger(struct ustack *st, struct usock *so)
{
	uint64_t us = tcp_linger_start(st, so->tcp);

	if (!us)
		return true;
	uint64_t deadline = st->now + us;
	while (tcp_fin_unacked(so->tcp)) {
		int rc = sock_wait(st, so, deadline, UPCALL_ALL);
		if (rc == -EBADF)
			return false;
		if (rc < 0)
			break;                      /* the time is up (or no clock: EDEADLK) */
	}
	return true;
}

static bool tcp_detach(struct ustack *st, struct usock *so)
{
	if (!tcp_linger(st, so))
		return false;
	tcp_close(st, so->tcp);
	so->tcp = NULL;
	return true;
}

static int tcp_op_bind(struct ustack *st, struct usock *so, const struct ip_addr *a,
		       uint16_t port)
{
	tcp_set_family(so->tcp, so->family == AF_INET6 ? IP_AF_INET6 : IP_AF_INET, so->v6only);
	return tcp_bind(st, so->tcp, a, port, so->reuse);
}

static int tcp_op_listen(struct ustack *st, struct usock *so, int backlog)
{
	return tcp_listen(st, so->tcp, backlog);
}

static int tcp_op_accept(struct ustack *st, struct usock *so, struct usock **out)
{
	uint64_t deadline = sock_deadline(st, so->rcvtimeo);
	struct tcp_conn *nc;

	if (!tcp_is_listening(so->tcp))
		return -EINVAL;
	while (!(nc = tcp_accept(st, so->tcp))) {
		if (so->nonblock)
			return -EAGAIN;
		/* exclusive: one new connection wakes one of the threads in accept */
		int rc = sock_wait_exclusive(st, so, deadline);
		if (rc == -EBADF)
			return -EBADF;
		if (rc == -ETIMEDOUT)
			return -EAGAIN;
		if (rc < 0)
			return rc;
		if (!tcp_is_listening(so->tcp))
			return -EINVAL;             /* shut down while we waited */
	}
	struct usock *ns = sock_alloc(st, SOCK_STREAM);
	if (!ns) {
		int e = errno;
		tcp_close(st, nc);
		return -e;
	}
	ns->ops = &sock_tcp_ops;
	ns->tcp = nc;
	ns->family = so->family;
	ns->v6only = so->v6only;
	ns->reuse = so->reuse;
	ns->keepalive = so->keepalive;
	ns->ip_ttl = so->ip_ttl;                /* the connection inherited them too */
	ns->ip_tos = so->ip_tos;
	ns->want = so->want;
	tcp_set_upcall(nc, &(struct upcall){ sock_upcall, ns });
	*out = ns;
	return 0;
}

/* Has the handshake under way ended? 0 connected, -errno failed, 1 still going. */
static int connect_result(struct usock *so)
{
	int e = tcp_take_error(so->tcp);

	if (!e && !tcp_is_connected(so->tcp))
		return 1;
	so->connecting = false;
	return -e;
}

/* RFC 9293 3.10.1 OPEN; Linux semantics for repeated calls. */
static int tcp_op_connect(struct ustack *st, struct usock *so, const struct ip_addr *addr,
			  uint16_t port, bool unspec)
{
	int rc;

	if (unspec)
		return -EAFNOSUPPORT;
	if (so->connecting) {
		rc = connect_result(so);
		if (rc <= 0)
			return rc;
		if (so->nonblock)
			return -EALREADY;
	} else {
		if (tcp_is_connected(so->tcp) || tcp_is_listening(so->tcp))
			return -EISCONN;
		struct ip_addr a = *addr;

		if (ip_addr_is_unspecified(&a))     /* 0.0.0.0 / :: means this host (Linux) */
			a = a.family == IP_AF_INET6 ? ip_addr_from_v6((const uint8_t[16]){ [15] = 1 }) :
						      ip_addr_from_v4(INADDR_LOOPBACK);
		tcp_set_family(so->tcp, so->family == AF_INET6 ? IP_AF_INET6 : IP_AF_INET,
			       so->v6only);
		rc = tcp_connect(st, so->tcp, &a, port);
		if (rc < 0)
			return rc;
		so->connecting = true;
		if (so->nonblock)
			return -EINPROGRESS;
	}
	uint64_t deadline = sock_deadline(st, so->sndtimeo);
	while ((rc = connect_result(so)) > 0) {
		if (tcp_poll_events(so->tcp) & (POLLHUP | POLLERR)) {
			so->connecting = false;
			return -ECONNREFUSED;
		}
		rc = sock_wait(st, so, deadline, UPCALL_ALL);
		if (rc == -ETIMEDOUT)
			return -EINPROGRESS;        /* as Linux: the attempt goes on */
		if (rc < 0)
			return rc;                  /* EBADF, EDEADLK */
	}
	return rc;
}

/* A TCP socket ignores the destination address, as Linux does. */
static ssize_t tcp_op_send(struct ustack *st, struct usock *so, const void *data, size_t len,
			   int flags, const struct sockaddr *to, socklen_t tolen)
{
	const uint8_t *buf = data;
	uint64_t deadline = sock_deadline(st, so->sndtimeo);
	size_t done = 0;

	(void)to;
	(void)tolen;
	if (len == 0) {
		ssize_t n = tcp_send(st, so->tcp, buf, 0, flags & MSG_MORE);
		return n < 0 && n != -EAGAIN ? n : 0;
	}
	while (done < len) {
		ssize_t n = tcp_send(st, so->tcp, buf + done, len - done, flags & MSG_MORE);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		int e = n == 0 ? EAGAIN : (int)-n;
		if (e == EAGAIN && !sock_would_block(so, flags)) {
			int rc = sock_wait(st, so, deadline, POLLOUT);
			if (rc == 0)
				continue;
			if (rc != -ETIMEDOUT)
				e = -rc;                /* EBADF, EDEADLK */
		}
		if (done && e != EBADF)
			break;                      /* report the partial write */
		return -e;
	}
	return (ssize_t)done;
}

static ssize_t tcp_op_recv(struct ustack *st, struct usock *so, void *data, size_t len,
			   int flags, struct sockaddr *from, socklen_t *fromlen, struct sock_rx *rx)
{
	uint8_t *buf = data;
	uint64_t deadline = sock_deadline(st, so->rcvtimeo);
	size_t done = 0;
	bool all = (flags & MSG_WAITALL) && !(flags & MSG_PEEK);
	/* SO_RCVLOWAT (Linux's tcp_recvmsg target): a blocking read returns once that much
	 * (or len) is in, or at the end of the stream, an error or a timeout */
	size_t target = all ? len : (flags & MSG_PEEK) ? 1 : sock_rcvlowat(so, tcp_rcvbuf_cap(so->tcp));
	if (target > len)
		target = len;

	(void)from;
	(void)rx;                       /* a stream has no per-datagram data to report */
	if (fromlen)
		*fromlen = 0;                   /* Linux: no address for a stream */
	for (;;) {
		ssize_t n = tcp_recv(st, so->tcp, buf + done, len - done, flags & MSG_PEEK);
		if (n > 0) {
			done += (size_t)n;
			if (done >= target)
				return (ssize_t)done;
			continue;
		}
		if (n == 0)
			return (ssize_t)done;       /* end of stream */
		int e = (int)-n;
		if (e == EAGAIN && so->shut_rd)
			return (ssize_t)done;
		if (e == EAGAIN && !sock_would_block(so, flags)) {
			/* woken once target - done bytes are in (at most half the buffer) */
			size_t need = target - done, half = tcp_rcvbuf_cap(so->tcp) / 2;
			int rc = sock_wait_data(st, so, deadline, need < half ? need : half);
			if (rc == 0)
				continue;
			e = rc == -ETIMEDOUT ? EAGAIN : -rc;
		}
		if (done && e != EBADF)
			return (ssize_t)done;
		return -e;
	}
}

static int tcp_op_shutdown(struct ustack *st, struct usock *so, int how)
{
	return tcp_shutdown(st, so->tcp, how);
}

static unsigned tcp_op_events(struct usock *so)
{
	unsigned ev = tcp_poll_events(so->tcp);

	/* SO_RCVLOWAT: readable with that much queued; the end of the stream, an error or a
	 * pending connection (listener) stay readable whatever the mark (Linux's tcp_poll) */
	if ((ev & POLLIN) && so->rcvlowat > 1 && !(ev & (POLLRDHUP | POLLERR | POLLHUP)) &&
	    !tcp_is_listening(so->tcp)) {
		size_t inq, outq;

		tcp_queues(so->tcp, &inq, &outq);
		if (inq < sock_rcvlowat(so, tcp_rcvbuf_cap(so->tcp)))
			ev &= ~(unsigned)POLLIN;
	}
	return ev;
}

static int tcp_op_setopt(struct ustack *st, struct usock *so, int level, int name,
			 const void *val, socklen_t len)
{
	if (level == IPPROTO_IP) {             /* IP_TTL, IP_TOS: kept by the socket */
		tcp_set_ip(so->tcp, so->ip_ttl < 0 ? 0 : (uint8_t)so->ip_ttl, so->ip_tos);
		return 0;
	}
	if (level != SOL_SOCKET && level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	if (level == SOL_SOCKET && name == SO_REUSEPORT) {
		tcp_set_reuseport(so->tcp, so->reuseport);
		return 0;
	}
	if (level == SOL_SOCKET && (name == SO_REUSEADDR || name == SO_BROADCAST))
		return 0;                       /* the socket's flags: read at bind time */
	return tcp_setsockopt(st, so->tcp, level, name, val, len);
}

static int tcp_op_getopt(struct ustack *st, struct usock *so, int level, int name, void *val,
			 socklen_t *len)
{
	if (level != SOL_SOCKET && level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	size_t n = *len;
	int rc = tcp_getsockopt(st, so->tcp, level, name, val, &n);
	if (rc == 0)
		*len = (socklen_t)n;
	return rc;
}

static void tcp_op_addrs(const struct usock *so, struct ip_addr *la, uint16_t *lp,
			 struct ip_addr *ra, uint16_t *rp)
{
	tcp_addrs(so->tcp, la, lp, ra, rp);
}

static bool tcp_op_connected(const struct usock *so)
{
	return tcp_is_connected(so->tcp);
}

static int tcp_op_take_error(struct usock *so)
{
	int e = tcp_take_error(so->tcp);

	if (e || tcp_is_connected(so->tcp))
		so->connecting = false;         /* a non-blocking connect has its answer */
	return e;
}

static bool tcp_op_listening(const struct usock *so)
{
	return tcp_is_listening(so->tcp);
}

static void tcp_op_queues(const struct usock *so, size_t *inq, size_t *outq)
{
	tcp_queues(so->tcp, inq, outq);
}

const struct sock_ops sock_tcp_ops = {
	.attach = tcp_attach,
	.detach = tcp_detach,
	.bind = tcp_op_bind,
	.listen = tcp_op_listen,
	.accept = tcp_op_accept,
	.connect = tcp_op_connect,
	.send = tcp_op_send,
	.recv = tcp_op_recv,
	.shutdown = tcp_op_shutdown,
	.events = tcp_op_events,
	.setopt = tcp_op_setopt,
	.getopt = tcp_op_getopt,
	.addrs = tcp_op_addrs,
	.connected = tcp_op_connected,
	.take_error = tcp_op_take_error,
	.listening = tcp_op_listening,
	.queues = tcp_op_queues,
};
