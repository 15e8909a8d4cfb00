/* socket.h - BSD-style sockets on a ustack.
 *
 * The calls mirror the POSIX ones with the stack as first argument, and use the
 * system's structs and constants (struct sockaddr_in, AF_INET, SOCK_STREAM, SO_*,
 * TCP_NODELAY, POLLIN, errno values), so porting a sockets program is a rename:
 * socket(...) -> ustack_socket(st, ...). Descriptors are small integers private to
 * the stack (they are not kernel file descriptors). Every call may be made from any
 * thread; on error it returns -1 and sets errno as POSIX says. */
#ifndef USTACK_SOCKET_H
#define USTACK_SOCKET_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <time.h>
#include <sys/select.h>
#include <sys/uio.h>
#include "ustack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* type: SOCK_DGRAM or SOCK_STREAM, optionally | SOCK_NONBLOCK. domain AF_INET. */
int ustack_socket(struct ustack *st, int domain, int type, int protocol);
int ustack_bind(struct ustack *st, int fd, const struct sockaddr *addr, socklen_t len);
int ustack_listen(struct ustack *st, int fd, int backlog);
int ustack_accept(struct ustack *st, int fd, struct sockaddr *addr, socklen_t *len);
/* flags: SOCK_NONBLOCK for the new descriptor */
int ustack_accept4(struct ustack *st, int fd, struct sockaddr *addr, socklen_t *len, int flags);
int ustack_connect(struct ustack *st, int fd, const struct sockaddr *addr, socklen_t len);
ssize_t ustack_send(struct ustack *st, int fd, const void *buf, size_t len, int flags);
ssize_t ustack_sendto(struct ustack *st, int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *to, socklen_t tolen);
ssize_t ustack_recv(struct ustack *st, int fd, void *buf, size_t len, int flags);
ssize_t ustack_recvfrom(struct ustack *st, int fd, void *buf, size_t len, int flags,
			struct sockaddr *from, socklen_t *fromlen);
int ustack_shutdown(struct ustack *st, int fd, int how);
int ustack_close(struct ustack *st, int fd);
int ustack_getsockname(struct ustack *st, int fd, struct sockaddr *addr, socklen_t *len);
int ustack_getpeername(struct ustack *st, int fd, struct sockaddr *addr, socklen_t *len);
/* SOL_SOCKET: SO_REUSEADDR, SO_RCVBUF, SO_SNDBUF, SO_RCVTIMEO, SO_SNDTIMEO, SO_BROADCAST,
 * SO_ERROR, SO_KEEPALIVE, SO_LINGER, SO_TYPE; IPPROTO_TCP: TCP_NODELAY, TCP_KEEPIDLE,
 * TCP_KEEPINTVL, TCP_KEEPCNT, TCP_MAXSEG. */
int ustack_setsockopt(struct ustack *st, int fd, int level, int name, const void *val,
		      socklen_t len);
int ustack_getsockopt(struct ustack *st, int fd, int level, int name, void *val, socklen_t *len);
/* O_NONBLOCK through F_GETFL / F_SETFL. */
int ustack_fcntl(struct ustack *st, int fd, int cmd, int arg);
/* FIONREAD (== SIOCINQ), SIOCOUTQ, FIONBIO, SIOCATMARK; arg points to an int. Others:
 * ENOTTY. */
int ustack_ioctl(struct ustack *st, int fd, unsigned long req, void *arg);

/* read/write are recv/send without flags (write never raises SIGPIPE: none does here).
 * readv/writev and sendmsg/recvmsg scatter and gather: a datagram is one message; on a
 * stream the first buffer waits as the socket says and the rest take what is there.
 * recvmsg sets msg_flags (MSG_TRUNC: a datagram did not fit); no ancillary data is
 * produced yet (msg_controllen comes back 0). sendmmsg/recvmmsg as Linux's (recvmmsg
 * honours MSG_WAITFORONE; its timeout is ignored). */
struct mmsghdr;                         /* <sys/socket.h> declares it under _GNU_SOURCE */
ssize_t ustack_read(struct ustack *st, int fd, void *buf, size_t len);
ssize_t ustack_write(struct ustack *st, int fd, const void *buf, size_t len);
ssize_t ustack_readv(struct ustack *st, int fd, const struct iovec *iov, int iovcnt);
ssize_t ustack_writev(struct ustack *st, int fd, const struct iovec *iov, int iovcnt);
ssize_t ustack_sendmsg(struct ustack *st, int fd, const struct msghdr *msg, int flags);
ssize_t ustack_recvmsg(struct ustack *st, int fd, struct msghdr *msg, int flags);
int ustack_sendmmsg(struct ustack *st, int fd, struct mmsghdr *vec, unsigned int vlen,
		    int flags);
int ustack_recvmmsg(struct ustack *st, int fd, struct mmsghdr *vec, unsigned int vlen,
		    int flags, struct timespec *timeout);
/* select(2) over ustack descriptors (below FD_SETSIZE); the timeout is not updated. */
int ustack_select(struct ustack *st, int nfds, fd_set *readfds, fd_set *writefds,
		  fd_set *exceptfds, struct timeval *timeout);

/* Like poll(2) over ustack descriptors: POLLIN, POLLOUT, POLLRDHUP, POLLERR, POLLHUP,
 * POLLNVAL. (Running the stack is ustack_step, in ustack.h.) */
int ustack_poll(struct ustack *st, struct pollfd *fds, nfds_t nfds, int timeout_ms);

/* --- the socket table, as netstat shows it --- */
struct ustack_sockinfo {
	int fd;                       /* -1: no descriptor (TIME_WAIT, not yet accepted) */
	int proto;                    /* IPPROTO_TCP or IPPROTO_UDP */
	struct sockaddr_in local, remote;
	const char *state;            /* netstat's names: "LISTEN", "ESTABLISHED", "TIME_WAIT", ... ("" for UDP) */
	size_t recv_q, send_q;        /* bytes waiting to be read / not yet acknowledged */
	size_t rcvbuf, sndbuf;        /* buffer sizes */
	/* AF_INET6 when the socket's addresses are IPv6 (local/remote then hold zeros and
	 * local6/remote6 the addresses), else AF_INET */
	int family;
	struct sockaddr_in6 local6, remote6;
};
/* Fills up to max entries; returns how many sockets there are (may exceed max). */
size_t ustack_sockets(struct ustack *st, struct ustack_sockinfo *out, size_t max);

#ifdef __cplusplus
}
#endif
#endif
