/* bench_simloss.c - the loss table on the simulator: one ustack -> ustack transfer at
 * 100 ms RTT through 0, 1, 5 and 10% loss (each direction, seeded), on lib_tcpsim's
 * virtual clock, byte-exact. No Linux there: each row is compared with the loss-free row
 * and with the Mathis et al. estimate of a Reno flow's rate, MSS/RTT * sqrt(3/2)/sqrt(p)
 * (ratio > 1: faster than that estimate). Median of BENCH_RUNS seeds (1 when QUICK).
 *
 * Environment: BENCH_QUICK=1 (2 MiB instead of 16), BENCH_RUNS, BENCH_SIMLOSS_BYTES. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "lib_tcpsim.h"
#include "ustack/socket.h"

#define RTT_US 100000ull

struct run {
	double secs;
	bool ok;
	uint64_t rexmit, timeouts;
};

static struct run one(double loss, uint64_t bytes, uint64_t seed)
{
	struct tcpsim t;
	struct ustack_impair imp = { .seed = seed, .loss = loss };
	struct tcpsim_xfer x = { .a2b = bytes, .max_us = 900000000ull };
	struct run r = { 0 };
	int fa, fb;

	tcpsim_init(&t, RTT_US, loss > 0 ? &imp : NULL, NULL);
	if (tcpsim_connect(&t, 5001, &fa, &fb, 120000000) == 0) {
		tcpsim_bulk(&t, fa, fb, &x);
		struct ustack_stats s;
		ustack_get_stats(t.a, &s);
		r.rexmit = s.tcp_retransmits;
		r.timeouts = s.tcp_timeouts;
		r.ok = x.ok && !x.mismatch;
		r.secs = (double)x.elapsed_us / 1e6;
	}
	tcpsim_free(&t);
	return r;
}

static int cmp(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	return (x->secs > y->secs) - (x->secs < y->secs);
}

int main(void)
{
	static const double loss[] = { 0, 0.01, 0.05, 0.10 };
	const char *e = getenv("BENCH_SIMLOSS_BYTES");
	uint64_t bytes = e && *e ? strtoull(e, NULL, 0) : (bench_quick() ? 2u << 20 : 16u << 20);
	int runs = bench_quick() ? 1 : bench_runs();
	double base = 0;
	int bad = 0;

	if (runs > 16)
		runs = 16;
	printf("bench_simloss: ustack -> ustack, %.1f MiB, RTT 100 ms, loss each way, virtual clock, "
	       "median of %d seed(s)\n", (double)bytes / 1048576, runs);
	printf("%-6s %10s %10s %9s %10s %9s %8s %8s\n", "loss", "seconds", "Mbit/s", "of 0%",
	       "Mathis", "ratio", "rexmit", "RTOs");
	for (size_t i = 0; i < sizeof(loss) / sizeof(loss[0]); i++) {
		struct run r[16];
		for (int k = 0; k < runs; k++) {
			r[k] = one(loss[i], bytes, 1000 * (i + 1) + (uint64_t)k);
			if (!r[k].ok)
				bad++;
		}
		qsort(r, (size_t)runs, sizeof(r[0]), cmp);
		struct run m = r[(runs - 1) / 2];
		double mbit = m.secs > 0 ? (double)bytes * 8 / m.secs / 1e6 : 0;
		if (i == 0)
			base = mbit;
		if (loss[i] > 0) {
			double mathis = 1448.0 * 8 / (RTT_US / 1e6) * sqrt(1.5) / sqrt(loss[i]) / 1e6;
			printf("%5.0f%% %10.2f %10.2f %8.0f%% %10.2f %9.2f %8llu %8llu%s\n", loss[i] * 100,
			       m.secs, mbit, base > 0 ? mbit / base * 100 : 0, mathis, mbit / mathis,
			       (unsigned long long)m.rexmit, (unsigned long long)m.timeouts,
			       m.ok ? "" : "  (incomplete)");
		} else {
			printf("%5.0f%% %10.2f %10.2f %9s %10s %9s %8llu %8llu%s\n", 0.0, m.secs, mbit, "100%",
			       "-", "-", (unsigned long long)m.rexmit, (unsigned long long)m.timeouts,
			       m.ok ? "" : "  (incomplete)");
		}
		fflush(stdout);
	}
	printf("(Mathis: MSS/RTT*sqrt(3/2)/sqrt(p), a Reno flow's rate; %s)\n", bench_loadavg());
	return bad ? 1 : 0;
}
