/* sim_tcp_bulk.c - bulk TCP transfers between two stacks on a simulated link, both
 * directions at once, byte-exact, under seeded loss with reordering, duplication and
 * corruption, at round-trip times of 0.1, 10 and 100 ms.
 *
 * The normal build moves 64 MiB each way for every case; under AddressSanitizer the
 * size drops to 4 MiB (the logic is the same, the run time is not). Each case must
 * finish within a virtual-time bound computed from the loss rate and the RTT (see
 * bound_us), and no stretch of more than STALL_MAX_US of virtual time may pass without
 * a byte arriving (no stall). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib_tcpsim.h"
#include "ustack/socket.h"

#define STALL_MAX_US 60000000ull

static uint64_t xfer_size(void)
{
	const char *e = getenv("TCPSIM_BYTES");

	if (e && *e)
		return strtoull(e, NULL, 0);
	return tcpsim_under_asan() ? (4u << 20) : (64u << 20);
}

/* Virtual seconds allowed: generous multiples of what the loss rate permits
 * (about MSS/RTT * 1.2/sqrt(p) per Mathis et al., with timeouts on top). */
static uint64_t bound_us(double loss, uint64_t rtt_us, uint64_t bytes)
{
	/* below 5 ms, timeouts (200 ms minimum RTO) rather than the RTT set the pace */
	double rtt = (double)(rtt_us < 5000 ? 5000 : rtt_us) / 1e6;
	double rate;                         /* bytes per second we insist on */

	if (loss == 0)
		rate = 4e6;
	else
		rate = 1448.0 / rtt * 0.15 / (loss * 10);   /* 10% loss, 100 ms: ~217 kB/s */
	if (rate > 20e6)
		rate = 20e6;
	return (uint64_t)((double)bytes / rate * 1e6) + 60000000;
}

static void run_case(double loss, uint64_t rtt_us, uint64_t seed)
{
	struct tcpsim t;
	struct ustack_impair imp = {
		.seed = seed,
		.loss = loss,
		.duplicate = loss / 2,
		.reorder = loss / 2,
		.corrupt = loss / 4,
	};
	struct tcpsim_xfer x = { 0 };
	int fa, fb;
	uint64_t bytes = xfer_size();

	tcpsim_init(&t, rtt_us, loss > 0 ? &imp : NULL, NULL);
	assert_int_equal(tcpsim_connect(&t, 5001, &fa, &fb, 120000000), 0);
	x.a2b = bytes;
	x.b2a = bytes;
	x.max_us = bound_us(loss, rtt_us, bytes);
	tcpsim_bulk(&t, fa, fb, &x);
	struct ustack_stats sa, sb;
	ustack_get_stats(t.a, &sa);
	ustack_get_stats(t.b, &sb);
	printf("# loss %.0f%% rtt %.1f ms: %llu+%llu bytes in %.3f s virtual (bound %.0f s), "
	       "longest stall %.2f s, rexmit %llu/%llu fast %llu/%llu timeouts %llu/%llu\n",
	       loss * 100, (double)rtt_us / 1000, (unsigned long long)x.got_a2b,
	       (unsigned long long)x.got_b2a, (double)x.elapsed_us / 1e6,
	       (double)x.max_us / 1e6, (double)x.max_gap_us / 1e6,
	       (unsigned long long)sa.tcp_retransmits,
	       (unsigned long long)sb.tcp_retransmits, (unsigned long long)sa.tcp_fast_retransmits,
	       (unsigned long long)sb.tcp_fast_retransmits, (unsigned long long)sa.tcp_timeouts,
	       (unsigned long long)sb.tcp_timeouts);
	fflush(stdout);
	assert_false(x.mismatch);
	assert_true(x.ok);
	/* No stall: data keeps arriving; the longest gap allowed covers several backed-off
	 * timeouts in a row (200 ms doubling: 6 losses of the same segment ~ 25 s). */
	assert_true(x.max_gap_us < STALL_MAX_US);
	tcpsim_free(&t);
}

/* TCPSIM_CASE=substring runs only the matching cases (for debugging). */
static bool selected(const char *name)
{
	const char *only = getenv("TCPSIM_CASE");

	return !only || !*only || strstr(name, only) != NULL;
}

#define CASE(name, loss, rtt, seed) \
	static void name(void **state) \
	{ \
		(void)state; \
		if (selected(#name)) \
			run_case(loss, rtt, seed); \
	}

CASE(test_clean_100us, 0, 100, 1)
CASE(test_clean_10ms, 0, 10000, 2)
CASE(test_clean_100ms, 0, 100000, 3)
CASE(test_loss1_100us, 0.01, 100, 11)
CASE(test_loss1_10ms, 0.01, 10000, 12)
CASE(test_loss1_100ms, 0.01, 100000, 13)
CASE(test_loss5_100us, 0.05, 100, 21)
CASE(test_loss5_10ms, 0.05, 10000, 22)
CASE(test_loss5_100ms, 0.05, 100000, 23)
CASE(test_loss10_100us, 0.10, 100, 31)
CASE(test_loss10_10ms, 0.10, 10000, 32)
CASE(test_loss10_100ms, 0.10, 100000, 33)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_100us),
		cmocka_unit_test(test_clean_10ms),
		cmocka_unit_test(test_clean_100ms),
		cmocka_unit_test(test_loss1_100us),
		cmocka_unit_test(test_loss1_10ms),
		cmocka_unit_test(test_loss1_100ms),
		cmocka_unit_test(test_loss5_100us),
		cmocka_unit_test(test_loss5_10ms),
		cmocka_unit_test(test_loss5_100ms),
		cmocka_unit_test(test_loss10_100us),
		cmocka_unit_test(test_loss10_10ms),
		cmocka_unit_test(test_loss10_100ms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
