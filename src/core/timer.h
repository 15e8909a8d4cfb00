/* timer.h - deadline timers in a binary min-heap.
 *
 * A timer is embedded in the object it serves (a TCP connection, an ARP entry).
 * Arming, re-arming and cancelling cost O(log n); polling looks only at the heap top,
 * so idle connections cost nothing per poll. Times are absolute microseconds. */
#ifndef USTACK_CORE_TIMER_H
#define USTACK_CORE_TIMER_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

struct ustack;
struct timer;
typedef void (*timer_fn)(struct ustack *st, struct timer *t, uint64_t now);

struct timer {
	uint64_t when;
	size_t idx;          /* position in the heap; (size_t)-1 when not armed */
	timer_fn fn;
	void *arg;
};

void timer_init(struct timer *t, timer_fn fn, void *arg);
/* Arm (or re-arm) t to fire at `when`. */
void timer_set(struct ustack *st, struct timer *t, uint64_t when);
void timer_cancel(struct ustack *st, struct timer *t);
static inline bool timer_pending(const struct timer *t) { return t->idx != (size_t)-1; }
/* Earliest armed deadline, or UINT64_MAX. */
uint64_t timer_next(struct ustack *st);
/* Fire every timer due by now (each is disarmed before its fn runs; fn may re-arm). */
void timer_run(struct ustack *st, uint64_t now);

#endif
