/* upcall.h - how a transport tells its user that something changed.
 *
 * A TCP connection or a UDP pcb carries one upcall {fn, ctx} (lwIP's callback_arg): the
 * socket layer installs one that wakes the socket's waiters and watchers, an in-stack
 * service (the DNS server) installs its own. Transports call it with st->lock held,
 * possibly from inside protocol input, and never include the socket layer: the user
 * asks the transport what changed (tcp_poll_events, udp_poll_events). An upcall must
 * not call back into the transport's input; a service that wants to send in reply arms
 * a zero-delay stack timer and works from there. */
#ifndef USTACK_CORE_UPCALL_H
#define USTACK_CORE_UPCALL_H

#include <stdbool.h>
#include <stddef.h>

struct ustack;

struct upcall {
	void (*fn)(struct ustack *st, void *ctx);   /* NULL: nobody to tell */
	void *ctx;
};

static inline void upcall_run(struct ustack *st, const struct upcall *u)
{
	if (u->fn)
		u->fn(st, u->ctx);
}

static inline bool upcall_is_set(const struct upcall *u)
{
	return u->fn != NULL;
}

#endif
