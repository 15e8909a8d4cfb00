/* linger.c - wait for closed TCP connections to deliver before a stack is freed
 * (see linger.h). Reads the socket table through the public ustack_sockets(). */
#include "linger.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ustack/socket.h>

static bool still_sending(const struct ustack_sockinfo *si)
{
	if (si->proto != IPPROTO_TCP)
		return false;
	if (si->send_q > 0 && strcmp(si->state, "LISTEN") != 0)
		return true;
	return !strcmp(si->state, "FIN_WAIT1") || !strcmp(si->state, "CLOSING") ||
	       !strcmp(si->state, "LAST_ACK");
}

bool tool_linger(struct ustack *st, unsigned timeout_ms)
{
	uint64_t deadline = ustack_clock_us() + (uint64_t)timeout_ms * 1000;
	size_t cap = 64;
	struct ustack_sockinfo *si = NULL;

	for (;;) {
		size_t n = ustack_sockets(st, si, si ? cap : 0);
		if (n > cap || !si) {
			while (cap < n)
				cap *= 2;
			free(si);
			si = malloc(cap * sizeof *si);
			if (!si)
				return false;
			continue;
		}
		bool busy = false;
		for (size_t i = 0; i < n && !busy; i++)
			busy = still_sending(&si[i]);
		if (!busy || ustack_clock_us() >= deadline) {
			free(si);
			return !busy;
		}
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
