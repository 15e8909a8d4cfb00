/* socket.h (internal) - the descriptor table's life with the stack, and what the rest of
 * the stack may ask of it. Transports never call in here: they report changes through
 * the upcall the socket layer installs on them (core/upcall.h). */
#ifndef USTACK_SOCKET_SOCKET_H
#define USTACK_SOCKET_SOCKET_H

struct ustack;
struct usock;

int sock_init(struct ustack *st);
void sock_free(struct ustack *st);
/* Something changed for so (events: its kind, see core/upcall.h): wake the blocked
 * callers and the watchers (poll() calls, epoll sets) it concerns. With st->lock held. */
void sock_notify(struct ustack *st, struct usock *so, unsigned events);
/* The upcall the socket layer installs on its transports: ctx is the usock. */
void sock_upcall(struct ustack *st, void *ctx, unsigned events);

/* The descriptor of so (-1 if none), for netstat. */
int sock_fd(const struct usock *so);
/* How many callers of st are asleep in a blocking call and not yet woken. Takes st->lock.
 * A simulation driving a virtual clock waits for its application threads to be asleep
 * before it advances time, so that blocking calls time out on the virtual clock. */
unsigned sock_sleepers(struct ustack *st);
/* Around one step of the stack (st->lock held): the threads woken meanwhile are
 * signalled once by sock_flush_wakes, when the step is over, each at most once. */
void sock_defer_wakes(struct ustack *st);
void sock_flush_wakes(struct ustack *st);

#endif
