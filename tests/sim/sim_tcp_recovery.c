/* sim_tcp_recovery.c - loss recovery that never waits for the retransmission timer while
 * ACKs keep arriving (RFC 6675 + RACK-TLP, RFC 8985).
 *
 * 4 MiB from a to b over a 10 ms RTT link, with random loss (no other impairment)
 * applied to both directions: data and ACKs. Each case prints the virtual transfer time
 * beside the loss-free one and the recovery counters. Asserted: every byte arrives
 * intact; through 10% loss each way the sender takes no retransmission timeout while
 * ACKs arrive (see tolerated_timeouts); lost retransmissions are found again by RACK
 * (more RACK-lost segments than losses first detected). Times are never asserted
 * beyond a generous bound (figures belong to bench/). */
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

#define RTT_US 10000u

/* What the sender's trace shows: when a frame last arrived, each timeout and how long
 * the sender had heard nothing before it, and the data segments it sent again after
 * a retransmission with no timeout in between (a lost retransmission found by RACK). */
#define SEQ_SLOTS 8192
struct watch {
	uint64_t last_rx;
	uint64_t timeouts, timeouts_with_acks;
	uint64_t min_silence;                /* shortest silence before a timeout */
	uint64_t rexmit_again;               /* third+ sending of a segment without an RTO */
	struct { uint32_t seq; uint32_t count; uint64_t timeouts_then; } seg[SEQ_SLOTS];
};

static void on_trace(void *ctx, const struct ustack_trace *ev)
{
	struct watch *w = ctx;

	if (ev->kind == USTACK_TRACE_RX) {
		/* TCP segments only: IPv6 link chatter (DAD, MLD, RS) is not an ACK */
		if (ev->frame_len > 14 + 20 && ev->frame[12] == 0x08 && ev->frame[13] == 0 &&
		    ev->frame[14 + 9] == 6)
			w->last_rx = ev->time_us;
	} else if (ev->kind == USTACK_TRACE_INFO && strstr(ev->line, "retransmission timeout")) {
		uint64_t silence = ev->time_us - w->last_rx;

		w->timeouts++;
		if (!w->min_silence || silence < w->min_silence)
			w->min_silence = silence;
		/* The timer (200 ms at least, 20 RTTs here) runs from the latest
		 * retransmission or the latest ACK of new data. A frame may still come in
		 * during the first round trip after that (the answer to something sent
		 * before); if anything came later than that, ACKs were still arriving
		 * while the sender waited for the timer: that must never happen. */
		if (silence < 200000 - 2 * RTT_US)
			w->timeouts_with_acks++;
	} else if (ev->kind == USTACK_TRACE_TX && ev->frame_len > 14 + 20 + 20) {
		const uint8_t *ip = ev->frame + 14;
		size_t ihl = (size_t)(ip[0] & 15) * 4;
		size_t tot = (size_t)ip[2] << 8 | ip[3];

		if (ip[9] != 6 || ev->frame_len < 14 + ihl + 20)
			return;
		const uint8_t *tcp = ip + ihl;
		size_t thl = (size_t)(tcp[12] >> 4) * 4;
		if (tot <= ihl + thl)
			return;                      /* no payload */
		uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 |
			       (uint32_t)tcp[6] << 8 | tcp[7];
		unsigned h = (seq * 2654435761u) % SEQ_SLOTS;
		for (unsigned k = 0; k < SEQ_SLOTS; k++, h = (h + 1) % SEQ_SLOTS) {
			if (w->seg[h].count && w->seg[h].seq != seq)
				continue;
			if (w->seg[h].count >= 2 && w->seg[h].timeouts_then == w->timeouts)
				w->rexmit_again++;
			w->seg[h].seq = seq;
			w->seg[h].count++;
			w->seg[h].timeouts_then = w->timeouts;
			return;
		}
	}
}

struct result {
	uint64_t us;
	struct watch *w;
	struct ustack_stats tx, rx;
	struct ustack_impair_stats imp_tx, imp_rx;
};

static uint64_t xfer_bytes(void)
{
	const char *e = getenv("TCPSIM_BYTES");

	if (e && *e)
		return strtoull(e, NULL, 0);
	return 4u << 20;
}

static void run(double loss, double reorder, uint64_t seed, struct result *r)
{
	struct tcpsim t;
	struct ustack_impair imp = { .seed = seed, .loss = loss, .reorder = reorder };
	struct tcpsim_xfer x = { 0 };
	int fa, fb;

	tcpsim_init(&t, RTT_US, &imp, NULL);
	r->w = calloc(1, sizeof(*r->w));
	assert_non_null(r->w);
	ustack_set_trace(t.a, on_trace, r->w);
	assert_int_equal(tcpsim_connect(&t, 5001, &fa, &fb, 120000000), 0);
	x.a2b = xfer_bytes();
	x.max_us = 600000000;
	tcpsim_bulk(&t, fa, fb, &x);
	assert_false(x.mismatch);
	assert_true(x.ok);
	assert_true(x.got_a2b == x.a2b);
	r->us = x.elapsed_us;
	ustack_get_stats(t.a, &r->tx);
	ustack_get_stats(t.b, &r->rx);
	ustack_impair_get_stats(t.da, &r->imp_tx);
	ustack_impair_get_stats(t.db, &r->imp_rx);
	printf("# loss %4.1f%% reorder %4.1f%%: %.3f s virtual; data frames lost %llu, "
	       "ACK frames lost %llu; rexmit %llu fast %llu sack %llu rack-lost %llu tlp %llu "
	       "timeouts %llu spurious %llu\n",
	       loss * 100, reorder * 100, (double)r->us / 1e6,
	       (unsigned long long)r->imp_tx.lost, (unsigned long long)r->imp_rx.lost,
	       (unsigned long long)r->tx.tcp_retransmits,
	       (unsigned long long)r->tx.tcp_fast_retransmits,
	       (unsigned long long)r->tx.tcp_sack_rexmits,
	       (unsigned long long)r->tx.tcp_rack_lost, (unsigned long long)r->tx.tcp_tlp_probes,
	       (unsigned long long)r->tx.tcp_timeouts, (unsigned long long)r->tx.tcp_spurious_rto);
	printf("#   timeouts %llu (after >= %.0f ms of silence), with ACKs arriving %llu; "
	       "retransmissions sent again without a timeout %llu\n",
	       (unsigned long long)r->w->timeouts, (double)r->w->min_silence / 1000,
	       (unsigned long long)r->w->timeouts_with_acks,
	       (unsigned long long)r->w->rexmit_again);
	assert_int_equal(r->w->timeouts, r->tx.tcp_timeouts);
	fflush(stdout);
	tcpsim_free(&t);
}

static uint64_t clean_us;

static void test_clean(void **state)
{
	struct result r;

	(void)state;
	run(0, 0, 1, &r);
	free(r.w);
	assert_int_equal(r.tx.tcp_retransmits, 0);
	assert_int_equal(r.tx.tcp_timeouts, 0);
	clean_us = r.us;
}

/* Through loss both ways: recovery by SACK and RACK, and a timeout only where the
 * sender heard nothing for a whole RTO (every ACK of a small flight lost, and the tail
 * loss probe or its ACK lost too), never while ACKs were arriving. */
static void check_lossy(double loss, uint64_t seed, struct result *r)
{
	run(loss, 0, seed, r);
	printf("#   %.2fx the loss-free time\n", clean_us ? (double)r->us / (double)clean_us : 0);
	assert_true(r->tx.tcp_retransmits > 0);
	assert_true(r->tx.tcp_sack_rexmits > 0);
	assert_true(r->tx.tcp_rack_lost > 0);
	assert_int_equal(r->w->timeouts_with_acks, 0);
	/* and timeouts stay rare: a small share of the segments lost */
	assert_true(r->tx.tcp_timeouts * 10 <= r->imp_tx.lost + r->imp_rx.lost);
}

static void test_loss1(void **state)
{
	struct result r;

	(void)state;
	check_lossy(0.01, 11, &r);
	assert_int_equal(r.tx.tcp_timeouts, 0);
	free(r.w);
}

static void test_loss5(void **state)
{
	struct result r;

	(void)state;
	check_lossy(0.05, 21, &r);
	free(r.w);
}

/* 10% each way: a lost retransmission is found (RACK's time rule) and sent again
 * without a timeout. */
static void test_loss10(void **state)
{
	struct result r;

	(void)state;
	check_lossy(0.10, 31, &r);
	assert_true(r.w->rexmit_again > 0);
	assert_true(r.tx.tcp_tlp_probes > 0);
	free(r.w);
}

/* Reordering of 2% of frames: RACK's reordering window keeps spurious retransmissions
 * rare. */
static void test_reorder(void **state)
{
	struct result r;

	(void)state;
	run(0, 0.02, 41, &r);
	free(r.w);
	assert_int_equal(r.tx.tcp_timeouts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_loss1),
		cmocka_unit_test(test_loss5),
		cmocka_unit_test(test_loss10),
		cmocka_unit_test(test_reorder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
