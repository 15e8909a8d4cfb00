/* socket.h (internal) - the descriptor table and how protocols wake sockets. */
#ifndef USTACK_SOCKET_SOCKET_H
#define USTACK_SOCKET_SOCKET_H

struct ustack;
struct usock;

int sock_init(struct ustack *st);
void sock_free(struct ustack *st);
/* Something changed for so (data, space, connection, error): wake its blocked callers
 * and any ustack_poll() waiting on the stack. Called with st->lock held. */
void sock_notify(struct ustack *st, struct usock *so);

#endif
