/* epoll.h (internal) - what the rest of the socket layer asks of an epoll set. */
#ifndef USTACK_SOCKET_EPOLL_H
#define USTACK_SOCKET_EPOLL_H

struct ustack;
struct uepoll;

/* The set's descriptor is closed: every item leaves its socket, waiters were woken by
 * the caller; frees the set. */
void ep_free(struct ustack *st, struct uepoll *ep);
/* POLLIN while the set has ready items (poll() on a set). */
unsigned ep_poll_events(const struct uepoll *ep);

#endif
