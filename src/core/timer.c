/* timer.c - deadline timers in a binary min-heap ordered by `when`.
 *
 * Each armed timer records its heap position in t->idx, so re-arming or cancelling is
 * a sift from that position: O(log n). timer_run looks only at the top. */
#include "core/timer.h"

#include <stdlib.h>

#include "core/stack.h"
#include "core/core_priv.h"
#include "core/trace.h"

#define TIMER_IDLE ((size_t)-1)

void timer_init(struct timer *t, timer_fn fn, void *arg)
{
	t->when = 0;
	t->idx = TIMER_IDLE;
	t->fn = fn;
	t->arg = arg;
}

static void heap_place(struct timer_heap *th, size_t i, struct timer *t)
{
	th->h[i] = t;
	t->idx = i;
}

static void sift_up(struct timer_heap *th, size_t i)
{
	struct timer *t = th->h[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (th->h[parent]->when <= t->when)
			break;
		heap_place(th, i, th->h[parent]);
		i = parent;
	}
	heap_place(th, i, t);
}

static void sift_down(struct timer_heap *th, size_t i)
{
	struct timer *t = th->h[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= th->n)
			break;
		if (child + 1 < th->n && th->h[child + 1]->when < th->h[child]->when)
			child++;
		if (t->when <= th->h[child]->when)
			break;
		heap_place(th, i, th->h[child]);
		i = child;
	}
	heap_place(th, i, t);
}

/* Take the timer at position i out of the heap. */
static void heap_remove(struct timer_heap *th, size_t i)
{
	struct timer *t = th->h[i];
	struct timer *last = th->h[--th->n];

	t->idx = TIMER_IDLE;
	if (i == th->n)
		return;
	heap_place(th, i, last);
	if (i > 0 && th->h[(i - 1) / 2]->when > last->when)
		sift_up(th, i);
	else
		sift_down(th, i);
}

static bool heap_grow(struct timer_heap *th)
{
	size_t cap = th->cap ? th->cap * 2 : 64;
	struct timer **h = realloc(th->h, cap * sizeof(*h));

	if (!h)
		return false;
	th->h = h;
	th->cap = cap;
	return true;
}

void timer_set(struct ustack *st, struct timer *t, uint64_t when)
{
	struct timer_heap *th = &st->timers;

	if (timer_pending(t)) {
		uint64_t old = t->when;

		t->when = when;
		if (when < old)
			sift_up(th, t->idx);
		else
			sift_down(th, t->idx);
		return;
	}
	if (th->n == th->cap && !heap_grow(th)) {
		/* Out of memory for the heap: the timer cannot be armed. Say so. */
		trace_info(st, "timer: out of memory, timer not armed");
		return;
	}
	t->when = when;
	heap_place(th, th->n++, t);
	sift_up(th, t->idx);
}

void timer_cancel(struct ustack *st, struct timer *t)
{
	if (!timer_pending(t))
		return;
	heap_remove(&st->timers, t->idx);
}

uint64_t timer_next(struct ustack *st)
{
	return st->timers.n ? st->timers.h[0]->when : UINT64_MAX;
}

/* How many armed timers are due by now: a walk of the subtree of due nodes only
 * (the heap property prunes the rest), so it costs O(due). */
static size_t count_due(const struct timer_heap *th, size_t i, uint64_t now)
{
	if (i >= th->n || th->h[i]->when > now)
		return 0;
	return 1 + count_due(th, 2 * i + 1, now) + count_due(th, 2 * i + 2, now);
}

void timer_run(struct ustack *st, uint64_t now)
{
	struct timer_heap *th = &st->timers;
	/* Fire at most as many timers as were due when we started: a callback that
	 * re-arms itself for `now` runs again on the next poll, not in a loop here. */
	size_t budget = count_due(th, 0, now);

	while (budget > 0 && th->n > 0 && th->h[0]->when <= now) {
		struct timer *t = th->h[0];

		heap_remove(th, 0);
		budget--;
		if (t->fn)
			t->fn(st, t, now);
	}
}

void timer_heap_destroy(struct ustack *st)
{
	for (size_t i = 0; i < st->timers.n; i++)
		st->timers.h[i]->idx = TIMER_IDLE;
	free(st->timers.h);
	st->timers.h = NULL;
	st->timers.n = st->timers.cap = 0;
}
