/* sock_io.c - accept, connect and the data calls (send/recv and friends) on ustack
 * descriptors: each checks its arguments as POSIX and Linux do, takes the stack lock
 * and hands the work to the socket's operations (sock_tcp.c, sock_udp.c). Blocking
 * calls sleep there, in sock_wait(). */
#include <errno.h>
#include <string.h>

#include "ustack/socket.h"
#include "core/stack.h"
#include "core/trace.h"
#include "socket/socket.h"
#include "socket/sock_var.h"

int ustack_accept4(struct ustack *st, int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct usock *so = sock_enter(st, fd);
	if (!so)
		return -1;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return sock_fail(st, EINVAL);
	if (!so->ops->accept)
		return sock_fail(st, EOPNOTSUPP);
	if (addr && !len)
		return sock_fail(st, EFAULT);
	if (len && (int)*len < 0)
		return sock_fail(st, EINVAL);
	struct usock *ns = NULL;
	int rc = so->ops->accept(st, so, &ns);
	if (rc < 0)
		return sock_fail(st, -rc);
	ns->nonblock = (flags & SOCK_NONBLOCK) != 0;
	struct ip_addr la, ra;
	uint16_t lp, rp;
	ns->ops->addrs(ns, &la, &lp, &ra, &rp);
	sock_put_addr(ns, addr, len, &ra, rp);
	int nfd = ns->fd;
	trace_state(st, "socket", nfd, "", "OPEN", "socket %d: accepted on %d", nfd, fd);
	stack_unlock(st);
	return nfd;
}

int ustack_accept(struct ustack *st, int fd, struct sockaddr *addr, socklen_t *len)
{
	return ustack_accept4(st, fd, addr, len, 0);
}

int ustack_connect(struct ustack *st, int fd, const struct sockaddr *addr, socklen_t len)
{
	struct ip_addr a = ip_addr_from_v4(0);
	uint16_t port = 0;
	bool unspec = false;
	uint32_t scope = 0;

	struct usock *so = sock_enter(st, fd);
	if (!so)
		return -1;
	int e = sock_get_addr(so, addr, len, &a, &port, &unspec, &scope);
	if (e)
		return sock_fail(st, e);
	e = sock_check_scope(st, so, &a, scope);
	if (e)
		return sock_fail(st, e);
	int rc = so->ops->connect(st, so, &a, port, unspec);
	if (rc < 0)
		return sock_fail(st, -rc);
	stack_unlock(st);
	return 0;
}

/* ---- data --------------------------------------------------------------------- */

#define SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_CONFIRM | MSG_EOR)
#define RECV_FLAGS (MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC | MSG_WAITALL | MSG_CMSG_CLOEXEC)

ssize_t ustack_sendto(struct ustack *st, int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *to, socklen_t tolen)
{
	return sock_send_tx(st, fd, buf, len, flags, to, tolen, NULL);
}

ssize_t sock_send_tx(struct ustack *st, int fd, const void *buf, size_t len, int flags,
		     const struct sockaddr *to, socklen_t tolen, const struct sock_tx *tx)
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
	so->tx = tx;
	ssize_t n = so->ops->send(st, so, buf, len, flags, to, tolen);
	so->tx = NULL;
	if (n < 0)
		return sock_fail(st, (int)-n);
	stack_unlock(st);
	return n;
}

ssize_t ustack_send(struct ustack *st, int fd, const void *buf, size_t len, int flags)
{
	return ustack_sendto(st, fd, buf, len, flags, NULL, 0);
}

ssize_t sock_recv_rx(struct ustack *st, int fd, void *buf, size_t len, int flags,
		     struct sockaddr *from, socklen_t *fromlen, struct sock_rx *rx,
		     unsigned *want)
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
	if (want)
		*want = so->want;
	ssize_t n = so->ops->recv(st, so, buf, len, flags, from, fromlen, rx);
	if (n < 0)
		return sock_fail(st, (int)-n);
	stack_unlock(st);
	return n;
}

ssize_t ustack_recvfrom(struct ustack *st, int fd, void *buf, size_t len, int flags,
			struct sockaddr *from, socklen_t *fromlen)
{
	return sock_recv_rx(st, fd, buf, len, flags, from, fromlen, NULL, NULL);
}

ssize_t ustack_recv(struct ustack *st, int fd, void *buf, size_t len, int flags)
{
	return ustack_recvfrom(st, fd, buf, len, flags, NULL, NULL);
}
