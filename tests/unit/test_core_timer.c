/* test_core_timer.c - the timer heap against a plain reference model: random arm,
 * re-arm, cancel and run, checking after every step that the same timers fire, in
 * deadline order, and that the earliest deadline agrees. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/stack.h"
#include "core/rng.h"

#define N_TIMERS 200

/* The heap alone: a zeroed struct ustack (no protocol modules that arm timers of
 * their own). timer.c touches only st->timers. */
static struct ustack *bare_stack(void)
{
	struct ustack *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	return st;
}

static void bare_free(struct ustack *st)
{
	free(st->timers.h);
	free(st);
}

struct model {
	struct timer t[N_TIMERS];
	bool armed[N_TIMERS];
	uint64_t when[N_TIMERS];
	int fired[N_TIMERS * 4];
	size_t n_fired;
	uint64_t last_fired_when;
	bool order_ok;
};

static void on_fire(struct ustack *st, struct timer *t, uint64_t now)
{
	struct model *m = t->arg;
	int i = (int)(t - m->t);

	(void)st;
	assert_true(t->when <= now);
	assert_false(timer_pending(t));
	if (t->when < m->last_fired_when)
		m->order_ok = false;
	m->last_fired_when = t->when;
	m->fired[m->n_fired++] = i;
	m->armed[i] = false;
}

static uint64_t model_next(const struct model *m)
{
	uint64_t next = UINT64_MAX;

	for (int i = 0; i < N_TIMERS; i++)
		if (m->armed[i] && m->when[i] < next)
			next = m->when[i];
	return next;
}

static void test_timer_random_against_model(void **state)
{
	(void)state;
	struct ustack *st = bare_stack();
	struct model *m = calloc(1, sizeof(*m));
	uint64_t rng[4], now = 1000;

	assert_non_null(st);
	assert_non_null(m);
	rng_seed(rng, 7);
	for (int i = 0; i < N_TIMERS; i++)
		timer_init(&m->t[i], on_fire, m);

	for (int step = 0; step < 20000; step++) {
		int i = (int)(rng_next(rng) % N_TIMERS);
		unsigned op = (unsigned)(rng_next(rng) % 10);

		if (op < 5) {
			uint64_t when = now + rng_next(rng) % 5000;

			timer_set(st, &m->t[i], when);
			m->armed[i] = true;
			m->when[i] = when;
		} else if (op < 8) {
			timer_cancel(st, &m->t[i]);
			m->armed[i] = false;
		} else {
			bool expect[N_TIMERS];
			size_t n_expect = 0;

			now += rng_next(rng) % 3000;
			for (int k = 0; k < N_TIMERS; k++) {
				expect[k] = m->armed[k] && m->when[k] <= now;
				n_expect += expect[k];
			}
			m->n_fired = 0;
			m->last_fired_when = 0;
			m->order_ok = true;
			timer_run(st, now);
			assert_int_equal(m->n_fired, n_expect);
			assert_true(m->order_ok);
			for (size_t k = 0; k < m->n_fired; k++)
				assert_true(expect[m->fired[k]]);
		}
		for (int k = 0; k < N_TIMERS; k++)
			assert_int_equal(timer_pending(&m->t[k]), m->armed[k]);
		assert_int_equal(timer_next(st), model_next(m));
	}
	for (int i = 0; i < N_TIMERS; i++)
		timer_cancel(st, &m->t[i]);
	assert_int_equal(timer_next(st), UINT64_MAX);
	bare_free(st);
	free(m);
}

/* A timer that re-arms itself for `now` runs once per timer_run, not forever. */
static int rearm_count;
static void rearm_now(struct ustack *st, struct timer *t, uint64_t now)
{
	rearm_count++;
	timer_set(st, t, now);
}

static void test_timer_rearm_now_bounded(void **state)
{
	(void)state;
	struct ustack *st = bare_stack();
	struct timer t;

	assert_non_null(st);
	rearm_count = 0;
	timer_init(&t, rearm_now, NULL);
	timer_set(st, &t, 10);
	timer_run(st, 100);
	assert_int_equal(rearm_count, 1);
	assert_true(timer_pending(&t));
	assert_int_equal(timer_next(st), 100);
	timer_run(st, 100);
	assert_int_equal(rearm_count, 2);
	timer_cancel(st, &t);
	bare_free(st);
}

/* Re-arming a pending timer moves it both ways. */
static void test_timer_rearm_moves(void **state)
{
	(void)state;
	struct ustack *st = bare_stack();
	struct timer a, b;

	timer_init(&a, NULL, NULL);
	timer_init(&b, NULL, NULL);
	timer_set(st, &a, 500);
	timer_set(st, &b, 300);
	assert_int_equal(timer_next(st), 300);
	timer_set(st, &a, 100);
	assert_int_equal(timer_next(st), 100);
	timer_set(st, &a, 900);
	assert_int_equal(timer_next(st), 300);
	timer_run(st, 300);
	assert_false(timer_pending(&b));
	assert_true(timer_pending(&a));
	timer_run(st, 1000);
	assert_false(timer_pending(&a));
	assert_int_equal(timer_next(st), UINT64_MAX);
	bare_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_random_against_model),
		cmocka_unit_test(test_timer_rearm_now_bounded),
		cmocka_unit_test(test_timer_rearm_moves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
