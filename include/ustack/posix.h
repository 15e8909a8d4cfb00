/* posix.h - port a sockets program by including one header.
 *
 * Include it LAST (after every system header). Bring a stack up, make it the process's
 * default with ustack_set_default(st), and the POSIX socket calls of the file become
 * ustack's: socket, bind, listen, accept, accept4, connect, send, sendto, sendmsg,
 * recv, recvfrom, recvmsg, shutdown, getsockname, getpeername, setsockopt, getsockopt,
 * poll, select, epoll_create/epoll_create1/epoll_ctl/epoll_wait, getaddrinfo,
 * freeaddrinfo, gai_strerror, getnameinfo, gethostbyname (the shape of lwIP's LWIP_COMPAT_SOCKETS).
 *
 * The calls that take any descriptor - close, read, write, readv, writev, fcntl, ioctl -
 * look at the number: a descriptor of the default stack goes to ustack, any other to the
 * C library, so files, pipes and the terminal keep working. That needs the stack's
 * descriptors apart from the process's kernel ones: give the default stack a
 * ustack_config.fd_base (USTACK_POSIX_FD_BASE is a good one) unless select() on ustack
 * descriptors matters more (fd_set holds numbers below FD_SETSIZE only).
 *
 * poll, select and epoll take ustack descriptors only: to wait on kernel and ustack
 * descriptors together, put ustack_epoll_event_fd() of a ustack set into the kernel's
 * poll/epoll (see examples/epoll_loop.c). Define USTACK_POSIX_NO_MACROS to get only the
 * functions below. */
#ifndef USTACK_POSIX_H
#define USTACK_POSIX_H

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "ustack.h"
#include "socket.h"
#include "epoll.h"
#include "netdb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Above the file descriptors a process usually has, below what fd_set could hold never:
 * with it, ustack descriptors cannot be confused with kernel ones. */
#define USTACK_POSIX_FD_BASE (1 << 20)

/* The process's default stack (NULL: none; the calls then fail with ENETDOWN for
 * sockets and go to the C library for any other descriptor). Thread-safe. */
void ustack_set_default(struct ustack *st);
struct ustack *ustack_default(void);

/* Any descriptor: the default stack's go to ustack, others to the C library. */
int ustack_px_close(int fd);
ssize_t ustack_px_read(int fd, void *buf, size_t len);
ssize_t ustack_px_write(int fd, const void *buf, size_t len);
ssize_t ustack_px_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t ustack_px_writev(int fd, const struct iovec *iov, int iovcnt);
int ustack_px_fcntl(int fd, int cmd, ...);
int ustack_px_ioctl(int fd, unsigned long req, ...);
/* A descriptor of the default stack? */
int ustack_px_is_ustack(int fd);

/* Socket calls on the default stack. */
int ustack_px_socket(int domain, int type, int protocol);
struct hostent *ustack_px_gethostbyname(const char *name);

#ifndef USTACK_POSIX_NO_MACROS
#define USTACK_PX_ST_ ustack_default()
#define socket(d, t, p) ustack_px_socket(d, t, p)
#define bind(fd, a, l) ustack_bind(USTACK_PX_ST_, fd, a, l)
#define listen(fd, b) ustack_listen(USTACK_PX_ST_, fd, b)
#define accept(fd, a, l) ustack_accept(USTACK_PX_ST_, fd, a, l)
#define accept4(fd, a, l, f) ustack_accept4(USTACK_PX_ST_, fd, a, l, f)
#define connect(fd, a, l) ustack_connect(USTACK_PX_ST_, fd, a, l)
#define send(fd, b, n, f) ustack_send(USTACK_PX_ST_, fd, b, n, f)
#define sendto(fd, b, n, f, a, l) ustack_sendto(USTACK_PX_ST_, fd, b, n, f, a, l)
#define sendmsg(fd, m, f) ustack_sendmsg(USTACK_PX_ST_, fd, m, f)
#define recv(fd, b, n, f) ustack_recv(USTACK_PX_ST_, fd, b, n, f)
#define recvfrom(fd, b, n, f, a, l) ustack_recvfrom(USTACK_PX_ST_, fd, b, n, f, a, l)
#define recvmsg(fd, m, f) ustack_recvmsg(USTACK_PX_ST_, fd, m, f)
#define shutdown(fd, h) ustack_shutdown(USTACK_PX_ST_, fd, h)
#define getsockname(fd, a, l) ustack_getsockname(USTACK_PX_ST_, fd, a, l)
#define getpeername(fd, a, l) ustack_getpeername(USTACK_PX_ST_, fd, a, l)
#define setsockopt(fd, lv, n, v, l) ustack_setsockopt(USTACK_PX_ST_, fd, lv, n, v, l)
#define getsockopt(fd, lv, n, v, l) ustack_getsockopt(USTACK_PX_ST_, fd, lv, n, v, l)
#define poll(f, n, t) ustack_poll(USTACK_PX_ST_, f, n, t)
#define select(n, r, w, e, t) ustack_select(USTACK_PX_ST_, n, r, w, e, t)
#define epoll_create(n) ustack_epoll_create(USTACK_PX_ST_, n)
#define epoll_create1(f) ustack_epoll_create1(USTACK_PX_ST_, f)
#define epoll_ctl(ep, op, fd, ev) ustack_epoll_ctl(USTACK_PX_ST_, ep, op, fd, ev)
#define epoll_wait(ep, ev, n, t) ustack_epoll_wait(USTACK_PX_ST_, ep, ev, n, t)
#define getaddrinfo(n, s, h, r) ustack_getaddrinfo(USTACK_PX_ST_, n, s, h, r)
#define freeaddrinfo(r) ustack_freeaddrinfo(r)
#define gai_strerror(e) ustack_gai_strerror(e)
#define getnameinfo(sa, sl, h, hl, s, svl, f) \
	ustack_getnameinfo(USTACK_PX_ST_, sa, sl, h, hl, s, svl, f)
#define gethostbyname(n) ustack_px_gethostbyname(n)
#define close(fd) ustack_px_close(fd)
#define read(fd, b, n) ustack_px_read(fd, b, n)
#define write(fd, b, n) ustack_px_write(fd, b, n)
#define readv(fd, v, n) ustack_px_readv(fd, v, n)
#define writev(fd, v, n) ustack_px_writev(fd, v, n)
#define fcntl(...) ustack_px_fcntl(__VA_ARGS__)
#define ioctl(...) ustack_px_ioctl(__VA_ARGS__)
#endif

#ifdef __cplusplus
}
#endif
#endif
