/* bench_util.h - what every benchmark shares: clocks, repeated runs with medians, and
 * the side-by-side table (ustack | other | other | ratios) each benchmark prints.
 *
 * Environment:
 *   BENCH_RUNS=N    repetitions of every measurement (default 5); the table shows medians
 *   BENCH_QUICK=1   smaller sizes (a smoke run: the numbers are then only indicative)
 *   BENCH_ONLY=x,y  measure only these sides (ustack, ustack-runner, linux, lwip; default
 *                   all): for
 *                   investigation, e.g. under perf stat or callgrind */
#ifndef USTACK_BENCH_UTIL_H
#define USTACK_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_RUNS 64

/* Clocks, in nanoseconds. */
uint64_t bench_wall_ns(void);          /* CLOCK_MONOTONIC */
uint64_t bench_thread_cpu_ns(void);    /* CLOCK_THREAD_CPUTIME_ID: this thread */
uint64_t bench_proc_cpu_ns(void);      /* CLOCK_PROCESS_CPUTIME_ID: every thread, user + sys */

int bench_runs(void);
/* Whether BENCH_ONLY lets side `who` ("ustack", "ustack-runner", "linux", "lwip") run. */
bool bench_want(const char *who);
/* "load average 1.23 0.98 0.77" from /proc/loadavg, for the record. */
const char *bench_loadavg(void);
bool bench_quick(void);

/* One measured quantity over several runs. */
struct bench_stat {
	double v[BENCH_MAX_RUNS];
	int n;
	bool na;                  /* not applicable / not measured */
	const char *why;          /* when na: a short reason shown under the table */
};
void bench_stat_add(struct bench_stat *s, double v);
void bench_stat_na(struct bench_stat *s, const char *why);
double bench_median(const struct bench_stat *s);
/* (max - min) / 2 / median: the half-spread of the runs, relative. */
double bench_spread(const struct bench_stat *s);

/* The table: a title, three column names (the first is always ustack), then rows. The
 * ratio columns are first/second and first/third of the medians. */
struct bench_table {
	const char *title;
	const char *col[3];
};
void bench_table_begin(const struct bench_table *t);
/* better: "higher" or "lower" (is better), printed with the unit. */
void bench_table_row(const struct bench_table *t, const char *metric, const char *unit,
		     const char *better, const struct bench_stat *a, const struct bench_stat *b,
		     const struct bench_stat *c);
void bench_table_end(const struct bench_table *t);

/* A note printed under the next table end (reasons for n/a, caveats). Copied. */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Keep the compiler from proving a value unused or a buffer unchanged. */
static inline void bench_clobber(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

#endif
