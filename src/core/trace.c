/* trace.c - drop counters and trace events. Every event goes to the hook set with
 * ustack_set_trace(); with no hook, nothing is formatted (one branch per call). The
 * hook runs with the stack lock held: it must not call back into the stack. */
#include "core/trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/gso.h"

#include "core/stack.h"

#define TRACE_LINE_MAX 512

bool trace_on(const struct ustack *st)
{
	return st->trace_fn != NULL;
}

/* An event with the fields every kind shares filled in. */
static void trace_event_init(struct ustack *st, struct ustack_trace *ev,
			     enum ustack_trace_kind kind, int ifindex)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->time_us = st->now;
	ev->stack = st->name;
	ev->ifindex = ifindex;
	ev->reason = -1;
	ev->object = -1;
}

void trace_frame(struct ustack *st, enum ustack_trace_kind kind, int ifindex, const uint8_t *frame,
		 size_t len)
{
	struct ustack_trace ev;
	char line[TRACE_LINE_MAX];

	if (!trace_on(st))
		return;
	trace_event_init(st, &ev, kind, ifindex);
	ustack_frame_describe(frame, len, line, sizeof(line));
	ev.line = line;
	ev.frame = frame;
	ev.frame_len = len;
	st->trace_fn(st->trace_ctx, &ev);
}

void trace_frame_wire(struct ustack *st, enum ustack_trace_kind kind, int ifindex,
		      const uint8_t *frame, size_t len, uint16_t gso_size, bool partial)
{
	struct gso_tcp g;

	if (!trace_on(st))
		return;
	if ((!gso_size && !partial) || gso_tcp_parse(frame, len, 14, &g) != 0) {
		trace_frame(st, kind, ifindex, frame, len);
		return;
	}
	uint16_t gs = gso_size ? gso_size : (uint16_t)(g.payload ? g.payload : 1);
	size_t n = gso_tcp_count(&g, gs), cap = g.hdr_len + gs;
	uint8_t *buf = malloc(cap);

	if (!buf) {
		trace_frame(st, kind, ifindex, frame, len);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		size_t l = gso_tcp_segment(frame, &g, gs, i, buf, cap);

		if (l)
			trace_frame(st, kind, ifindex, buf, l);
	}
	free(buf);
}

/* Drops the Ethernet layer reports carry the whole frame, so the line can show it;
 * higher layers pass their own header, of which only the size is shown. */
static bool drop_has_whole_frame(enum ustack_drop reason)
{
	switch (reason) {
	case USTACK_DROP_ETH_TRUNCATED:
	case USTACK_DROP_ETH_NOT_FOR_US:
	case USTACK_DROP_ETH_UNKNOWN_TYPE:
	case USTACK_DROP_DEV_TX_FAILED:
		return true;
	default:
		return false;
	}
}

void stack_drop(struct ustack *st, enum ustack_drop reason, int ifindex, const uint8_t *frame,
		size_t len)
{
	struct ustack_trace ev;
	char line[TRACE_LINE_MAX];

	if ((int)reason < 0 || reason >= USTACK_DROP_MAX)
		return;
	st->stats.drops[reason]++;
	if (!trace_on(st))
		return;
	trace_event_init(st, &ev, USTACK_TRACE_DROP, ifindex);
	if (frame && len && drop_has_whole_frame(reason)) {
		char what[TRACE_LINE_MAX - 64];

		ustack_frame_describe(frame, len, what, sizeof(what));
		snprintf(line, sizeof(line), "drop: %s: %s", ustack_drop_name((int)reason), what);
	} else if (frame && len) {
		snprintf(line, sizeof(line), "drop: %s (%zu bytes)", ustack_drop_name((int)reason), len);
	} else {
		snprintf(line, sizeof(line), "drop: %s", ustack_drop_name((int)reason));
	}
	ev.line = line;
	ev.frame = frame;
	ev.frame_len = frame ? len : 0;
	ev.reason = (int)reason;
	st->trace_fn(st->trace_ctx, &ev);
}

void trace_state(struct ustack *st, const char *subsystem, int object, const char *old_state,
		 const char *new_state, const char *fmt, ...)
{
	struct ustack_trace ev;
	char line[TRACE_LINE_MAX];
	va_list ap;

	if (!trace_on(st))
		return;
	trace_event_init(st, &ev, USTACK_TRACE_STATE, -1);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ev.line = line;
	ev.subsystem = subsystem;
	ev.object = object;
	ev.old_state = old_state;
	ev.new_state = new_state;
	st->trace_fn(st->trace_ctx, &ev);
}

void trace_info(struct ustack *st, const char *fmt, ...)
{
	struct ustack_trace ev;
	char line[TRACE_LINE_MAX];
	va_list ap;

	if (!trace_on(st))
		return;
	trace_event_init(st, &ev, USTACK_TRACE_INFO, -1);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ev.line = line;
	st->trace_fn(st->trace_ctx, &ev);
}
