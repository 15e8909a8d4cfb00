/* upcall.h - how a transport tells its user that something changed.
 *
 * A TCP connection or a UDP pcb carries one upcall {fn, ctx} (lwIP's callback_arg): the
 * socket layer installs one that wakes the socket's waiters and watchers, an in-stack
 * service (the DNS server) installs its own. Transports call it with st->lock held,
 * possibly from inside protocol input, and never include the socket layer: the user
 * asks the transport what the socket's state is now (tcp_poll_events, udp_poll_events);
 * the events passed say which kind of change happened (Linux's wake-up "key"): POLLIN
 * for new data or a new connection, POLLOUT for room to write after a writer found the
 * buffer full, UPCALL_ALL for a change of state (connected, FIN, reset, error), so an
 * edge-triggered watcher hears only of the changes it asked for. An upcall must
 * not call back into the transport's input; a service that wants to send in reply arms
 * a zero-delay stack timer and works from there. */
#ifndef USTACK_CORE_UPCALL_H
#define USTACK_CORE_UPCALL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

struct ustack;

/* Every kind of change: a state change concerns every waiter. */
#define UPCALL_ALL (POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP | POLLPRI)

struct upcall {
	void (*fn)(struct ustack *st, void *ctx, unsigned events);  /* NULL: nobody to tell */
	void *ctx;
};

static inline void upcall_run(struct ustack *st, const struct upcall *u, unsigned events)
{
	if (u->fn)
		u->fn(st, u->ctx, events);
}

static inline bool upcall_is_set(const struct upcall *u)
{
	return u->fn != NULL;
}

#endif
