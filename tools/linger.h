/* linger.h - before a tool frees its stack: let the TCP connections it closed finish
 * delivering. A kernel keeps sending after a process closes a socket and exits; a
 * ustack process that frees its stack right away would drop what is still unacked
 * (the tail of a stream, a reply, its FIN). */
#ifndef USTACK_TOOLS_LINGER_H
#define USTACK_TOOLS_LINGER_H

#include <stdbool.h>

struct ustack;

/* Waits until no TCP socket of st holds unacknowledged data or an unacknowledged FIN
 * (FIN_WAIT1, CLOSING, LAST_ACK), at most timeout_ms, checking every 10 ms. Returns
 * true when all is delivered, false on timeout. Listeners and TIME_WAIT do not count. */
bool tool_linger(struct ustack *st, unsigned timeout_ms);

#endif
