/* core_priv.h - what the files of src/core/ share among themselves and nobody else:
 * tear-down of the pool and the timer heap, the deadline computed with the lock held,
 * and the background runner's wake-up. */
#ifndef USTACK_CORE_CORE_PRIV_H
#define USTACK_CORE_CORE_PRIV_H

#include <stdint.h>

struct ustack;

/* pkt.c: give the recycled buffers back to malloc. */
void pkt_pool_destroy(struct ustack *st);
/* timer.c: release the heap array (timers themselves belong to their owners). */
void timer_heap_destroy(struct ustack *st);
/* stack.c: ustack_step() with st->lock already held (the runner steps and reads the
 * next deadline in one hold of the lock). */
int stack_step_locked(struct ustack *st, uint64_t now_us);
/* stack.c: ustack_next_deadline() with st->lock already held. */
uint64_t stack_next_deadline_locked(struct ustack *st);
/* runner.c: with st->lock held, wake the runner thread if the stack's next deadline
 * is now earlier than the time it sleeps until. No-op without a runner. */
void runner_kick_if_needed(struct ustack *st);
/* runner.c: stop and free the runner (ustack_free calls it if the user did not). */
void runner_stop(struct ustack *st);

#endif
