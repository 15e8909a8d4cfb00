/* test_dev_impair.c - the impairment wrapper: the same seed gives the same decisions,
 * rates come out roughly as configured, reordering swaps neighbours, corruption flips
 * one byte past the Ethernet header, delay and jitter hold frames until their time,
 * and the receive direction is impaired only when asked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ustack/dev.h"

#define N_FRAMES 20000

/* Send N_FRAMES numbered frames at time t through an impaired loopback and record
 * which numbers come back, in order. */
static size_t run(const struct ustack_impair *cfg, uint32_t *out, size_t max,
		  struct ustack_impair_stats *stats)
{
	struct ustack_dev *d = ustack_impair_wrap(ustack_loopback_new(), cfg);
	uint8_t f[64], buf[128];
	size_t got = 0;
	uint64_t now = 0;

	assert_non_null(d);
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	for (uint32_t i = 0; i < N_FRAMES; i++) {
		int n;

		memcpy(f + 20, &i, sizeof(i));
		d->ops->send(d, f, sizeof(f), now);
		now += 10;
		while ((n = d->ops->recv(d, buf, sizeof(buf), now)) > 0)
			if (got < max)
				memcpy(&out[got++], buf + 20, sizeof(uint32_t));
	}
	/* drain what is delayed or held */
	while (d->ops->next_deadline(d) != UINT64_MAX) {
		int n;

		now = d->ops->next_deadline(d) > now ? d->ops->next_deadline(d) : now;
		while ((n = d->ops->recv(d, buf, sizeof(buf), now)) > 0)
			if (got < max)
				memcpy(&out[got++], buf + 20, sizeof(uint32_t));
	}
	ustack_impair_get_stats(d, stats);
	ustack_dev_close(d);
	return got;
}

static uint32_t a_out[N_FRAMES * 2], b_out[N_FRAMES * 2];

static void test_impair_deterministic(void **state)
{
	(void)state;
	struct ustack_impair cfg = { .seed = 1234, .loss = 0.1, .duplicate = 0.05,
				     .reorder = 0.05, .corrupt = 0.02, .jitter_us = 30 };
	struct ustack_impair_stats sa, sb;
	size_t na = run(&cfg, a_out, N_FRAMES * 2, &sa);
	size_t nb = run(&cfg, b_out, N_FRAMES * 2, &sb);

	assert_int_equal(na, nb);
	assert_memory_equal(a_out, b_out, na * sizeof(uint32_t));
	assert_memory_equal(&sa, &sb, sizeof(sa));
	cfg.seed = 1235;
	nb = run(&cfg, b_out, N_FRAMES * 2, &sb);
	assert_true(na != nb || memcmp(a_out, b_out, na * sizeof(uint32_t)) != 0);
}

static void assert_near(uint64_t got, double expect, double tol)
{
	if ((double)got < expect * (1 - tol) || (double)got > expect * (1 + tol))
		fail_msg("got %llu, expected about %.0f", (unsigned long long)got, expect);
}

static void test_impair_rates(void **state)
{
	(void)state;
	struct ustack_impair cfg = { .seed = 99, .loss = 0.2, .duplicate = 0.1, .corrupt = 0.05 };
	struct ustack_impair_stats s;
	size_t n = run(&cfg, a_out, N_FRAMES * 2, &s);

	assert_int_equal(s.frames, N_FRAMES);
	assert_near(s.lost, N_FRAMES * 0.2, 0.1);
	assert_near(s.duplicated, N_FRAMES * 0.8 * 0.1, 0.15);
	assert_near(s.corrupted, (N_FRAMES - s.lost + s.duplicated) * 0.05, 0.2);
	assert_int_equal(n, N_FRAMES - s.lost + s.duplicated);
}

static void test_impair_reorder_swaps(void **state)
{
	(void)state;
	struct ustack_impair cfg = { .seed = 5, .reorder = 0.3 };
	struct ustack_impair_stats s;
	size_t n = run(&cfg, a_out, N_FRAMES * 2, &s);
	size_t inversions = 0;

	assert_int_equal(n, N_FRAMES);   /* nothing lost */
	assert_true(s.reordered > N_FRAMES / 10);
	for (size_t i = 1; i < n; i++)
		if (a_out[i] < a_out[i - 1]) {
			inversions++;
			/* a held frame goes right after the next one */
			assert_int_equal(a_out[i] + 1, a_out[i - 1]);
		}
	assert_int_equal(inversions, s.reordered);
}

static void test_impair_corrupt_past_eth(void **state)
{
	(void)state;
	struct ustack_impair cfg = { .seed = 8, .corrupt = 1.0 };
	struct ustack_dev *d = ustack_impair_wrap(ustack_loopback_new(), &cfg);
	uint8_t f[60], buf[64];

	for (int k = 0; k < 200; k++) {
		int diff = 0;

		for (int i = 0; i < 60; i++)
			f[i] = (uint8_t)(i * 7 + k);
		d->ops->send(d, f, sizeof(f), 0);
		assert_int_equal(d->ops->recv(d, buf, sizeof(buf), 0), 60);
		assert_memory_equal(buf, f, 14);
		for (int i = 14; i < 60; i++)
			diff += buf[i] != f[i];
		assert_int_equal(diff, 1);
	}
	ustack_dev_close(d);
}

static void test_impair_delay(void **state)
{
	(void)state;
	struct ustack_impair cfg = { .seed = 1, .delay_us = 2000, .jitter_us = 1000 };
	struct ustack_dev *d = ustack_impair_wrap(ustack_loopback_new(), &cfg);
	uint8_t f[60] = { 0 }, buf[64];
	uint64_t dl;

	d->ops->send(d, f, sizeof(f), 10000);
	dl = d->ops->next_deadline(d);
	assert_true(dl >= 12000 && dl <= 13000);
	assert_int_equal(d->ops->recv(d, buf, sizeof(buf), dl - 1), 0);
	/* released into the loopback at dl, then received */
	assert_int_equal(d->ops->recv(d, buf, sizeof(buf), dl), 60);
	assert_int_equal(d->ops->next_deadline(d), UINT64_MAX);
	ustack_dev_close(d);
}

static void test_impair_rx_direction(void **state)
{
	(void)state;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack_dev *a = ustack_vnet_port(vn, NULL, 1500);
	struct ustack_impair cfg = { .seed = 2, .loss = 1.0, .rx = true };
	struct ustack_dev *b = ustack_impair_wrap(ustack_vnet_port(vn, NULL, 1500), &cfg);
	struct ustack_impair_stats s;
	uint8_t f[60], buf[64];

	memset(f, 0xff, sizeof(f));
	memcpy(f + 6, a->mac, 6);
	a->ops->send(a, f, sizeof(f), 0);
	assert_int_equal(b->ops->recv(b, buf, sizeof(buf), 0), 0);   /* lost on the way in */
	ustack_impair_get_stats(b, &s);
	assert_int_equal(s.frames, 1);
	assert_int_equal(s.lost, 1);
	/* stats of a device that is not an impair wrapper: zero */
	ustack_impair_get_stats(a, &s);
	assert_int_equal(s.frames, 0);
	ustack_dev_close(a);
	ustack_dev_close(b);
	ustack_vnet_free(vn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impair_deterministic),
		cmocka_unit_test(test_impair_rates),
		cmocka_unit_test(test_impair_reorder_swaps),
		cmocka_unit_test(test_impair_corrupt_past_eth),
		cmocka_unit_test(test_impair_delay),
		cmocka_unit_test(test_impair_rx_direction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
