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

/* Added by the socket owner: the descriptor of so (-1 if none), for netstat. */
int sock_fd(const struct usock *so);
/* How many callers of st are asleep in a blocking call and not yet woken. Takes st->lock.
 * A simulation driving a virtual clock waits for its application threads to be asleep
 * before it advances time, so that blocking calls time out on the virtual clock. */
unsigned sock_sleepers(struct ustack *st);
/* An in-stack service's socket without a descriptor (the DNS server's TCP side): give it
 * to tcp_conn_new / tcp_set_owner; fn runs from a stack timer, never inside protocol
 * input, after something changed for it. Free it after closing its connection. */
struct usock *sock_new_internal(struct ustack *st,
				void (*fn)(struct ustack *st, struct usock *so, void *ctx),
				void *ctx);
void sock_free_internal(struct ustack *st, struct usock *so);

#endif
