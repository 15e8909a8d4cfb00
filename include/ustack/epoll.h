/* epoll.h - event-driven readiness over ustack descriptors, with the shape of Linux's
 * epoll(7): a set of watched descriptors whose wait costs O(ready descriptors), never
 * O(watched ones).
 *
 * The constants and structs are the system's (<sys/epoll.h>): EPOLLIN, EPOLLOUT,
 * EPOLLRDHUP, EPOLLPRI, EPOLLERR, EPOLLHUP, EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE,
 * EPOLL_CTL_ADD/MOD/DEL, struct epoll_event. A set is a ustack descriptor: close it with
 * ustack_close. Semantics follow Linux:
 *   - level-triggered (default): a ready descriptor is reported by every wait while it
 *     stays ready;
 *   - EPOLLET: reported once per change (new data, new space, a new connection...);
 *   - EPOLLONESHOT: reported once, then disabled until EPOLL_CTL_MOD re-arms it;
 *   - EPOLLEXCLUSIVE (ADD only): when several sets watch one descriptor with it, an event
 *     wakes one of them, not all (the listener shared by several event loops);
 *   - EPOLLERR and EPOLLHUP are always reported; a closed descriptor leaves every set;
 *   - several threads in ustack_epoll_wait on one set: an event wakes one of them.
 * Errors as epoll_ctl(2)/epoll_wait(2): EBADF, EEXIST, ENOENT, EINVAL, ELOOP is not
 * needed (sets cannot be nested), EPERM for a descriptor that cannot be watched. */
#ifndef USTACK_EPOLL_H
#define USTACK_EPOLL_H

#include <sys/epoll.h>
#include "ustack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A new, empty set; flags 0 or EPOLL_CLOEXEC (accepted, meaningless here). Returns a
 * ustack descriptor or -1 (EINVAL, EMFILE, ENOMEM). */
int ustack_epoll_create1(struct ustack *st, int flags);
/* size must be > 0 and is otherwise ignored, as on Linux. */
int ustack_epoll_create(struct ustack *st, int size);
/* op EPOLL_CTL_ADD / EPOLL_CTL_MOD (ev required) / EPOLL_CTL_DEL (ev may be NULL). */
int ustack_epoll_ctl(struct ustack *st, int epfd, int op, int fd, struct epoll_event *ev);
/* Up to maxevents ready descriptors; timeout_ms -1 forever, 0 at once. Returns the count,
 * 0 on timeout, or -1 (EBADF, EINVAL, EFAULT). */
int ustack_epoll_wait(struct ustack *st, int epfd, struct epoll_event *events, int maxevents,
		      int timeout_ms);
/* The set's event descriptor: a kernel eventfd (non-blocking, close-on-exec) that is
 * readable while the set has ready descriptors, so a ustack set sits in an application's
 * own epoll/poll/select/libuv loop beside kernel fds. On readability call
 * ustack_epoll_wait(..., 0); reading the eventfd is not needed (and harmless). The set
 * owns it: it is closed with the set. Returns the fd or -1 (EBADF, EINVAL: epfd is not a
 * set, or the eventfd could not be made: errno of eventfd(2)). */
int ustack_epoll_event_fd(struct ustack *st, int epfd);

#ifdef __cplusplus
}
#endif
#endif
