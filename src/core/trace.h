/* trace.h - counting drops and emitting trace events. When no trace hook is set, a
 * trace call costs one branch: nothing is formatted. */
#ifndef USTACK_CORE_TRACE_H
#define USTACK_CORE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "ustack/ustack.h"

struct ustack;

bool trace_on(const struct ustack *st);
/* A frame in (RX) or out (TX): the line is the decoded frame. */
void trace_frame(struct ustack *st, enum ustack_trace_kind kind, int ifindex, const uint8_t *frame,
		 size_t len);
/* A frame as the wire carries it: a TCP super-segment (gso_size) as its wire segments,
 * a partial TCP checksum finished; copies are made only when tracing. */
void trace_frame_wire(struct ustack *st, enum ustack_trace_kind kind, int ifindex,
		      const uint8_t *frame, size_t len, uint16_t gso_size, bool partial);
/* Count a drop for reason and, when tracing, say why (frame may be NULL). */
void stack_drop(struct ustack *st, enum ustack_drop reason, int ifindex, const uint8_t *frame,
		size_t len);
/* A state change: subsystem "tcp"/"arp"/"socket", an object id, the old and new names,
 * and a printf-style line. */
void trace_state(struct ustack *st, const char *subsystem, int object, const char *old_state,
		 const char *new_state, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void trace_info(struct ustack *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
