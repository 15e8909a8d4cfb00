/* bench_util.c - see bench_util.h. */
#include "bench_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_wall_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t bench_thread_cpu_ns(void) { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }
uint64_t bench_proc_cpu_ns(void) { return clock_ns(CLOCK_PROCESS_CPUTIME_ID); }

int bench_runs(void)
{
	const char *s = getenv("BENCH_RUNS");
	int n = s ? atoi(s) : 5;

	if (n < 1)
		n = 1;
	if (n > BENCH_MAX_RUNS)
		n = BENCH_MAX_RUNS;
	return n;
}

bool bench_want(const char *who)
{
	const char *s = getenv("BENCH_ONLY");
	size_t n = strlen(who);

	if (!s || !*s)
		return true;
	for (const char *p = s; (p = strstr(p, who)) != NULL; p += n)
		if ((p == s || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

const char *bench_loadavg(void)
{
	static char buf[64];
	double a = 0, b = 0, c = 0;
	FILE *f = fopen("/proc/loadavg", "r");

	if (!f || fscanf(f, "%lf %lf %lf", &a, &b, &c) != 3)
		snprintf(buf, sizeof(buf), "load average unknown");
	else
		snprintf(buf, sizeof(buf), "load average %.2f %.2f %.2f", a, b, c);
	if (f)
		fclose(f);
	return buf;
}

bool bench_quick(void)
{
	const char *s = getenv("BENCH_QUICK");

	return s && *s && strcmp(s, "0") != 0;
}

void bench_stat_add(struct bench_stat *s, double v)
{
	if (s->n < BENCH_MAX_RUNS)
		s->v[s->n++] = v;
}

void bench_stat_na(struct bench_stat *s, const char *why)
{
	s->na = true;
	s->why = why;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(const struct bench_stat *s)
{
	double v[BENCH_MAX_RUNS];

	if (s->na || s->n == 0)
		return NAN;
	memcpy(v, s->v, sizeof(double) * (size_t)s->n);
	qsort(v, (size_t)s->n, sizeof(double), cmp_double);
	return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

double bench_spread(const struct bench_stat *s)
{
	double lo = INFINITY, hi = -INFINITY, m = bench_median(s);

	if (isnan(m) || m == 0)
		return NAN;
	for (int i = 0; i < s->n; i++) {
		if (s->v[i] < lo)
			lo = s->v[i];
		if (s->v[i] > hi)
			hi = s->v[i];
	}
	return (hi - lo) / 2 / fabs(m);
}

/* --- the table --- */

#define NOTES_MAX 16
static char *notes[NOTES_MAX];
static int n_notes;

void bench_note(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (n_notes == NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	notes[n_notes] = strdup(buf);
	if (notes[n_notes])
		n_notes++;
}

static void fmt_value(char *out, size_t cap, double v)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(out, cap, "n/a");
	else if (a >= 1e7)
		snprintf(out, cap, "%.3g", v);
	else if (a >= 1000)
		snprintf(out, cap, "%.0f", v);
	else if (a >= 100)
		snprintf(out, cap, "%.1f", v);
	else if (a >= 10)
		snprintf(out, cap, "%.2f", v);
	else
		snprintf(out, cap, "%.3f", v);
}

static void fmt_cell(char *out, size_t cap, const struct bench_stat *s)
{
	char v[32];
	double sp;

	if (!s || s->na || s->n == 0) {
		snprintf(out, cap, "n/a");
		return;
	}
	fmt_value(v, sizeof(v), bench_median(s));
	sp = bench_spread(s);
	if (s->n > 1 && !isnan(sp))
		snprintf(out, cap, "%s ±%.0f%%", v, sp * 100);
	else
		snprintf(out, cap, "%s", v);
}

static void fmt_ratio(char *out, size_t cap, const struct bench_stat *a, const struct bench_stat *b)
{
	double x = a ? bench_median(a) : NAN, y = b ? bench_median(b) : NAN;

	if (isnan(x) || isnan(y) || y == 0)
		snprintf(out, cap, "-");
	else if (x / y >= 100 || x / y < 0.01)
		snprintf(out, cap, "%.3gx", x / y);
	else
		snprintf(out, cap, "%.2fx", x / y);
}

#define W_METRIC 36
#define W_UNIT 20
#define W_CELL 16
#define W_RATIO 18

void bench_table_begin(const struct bench_table *t)
{
	char r1[64], r2[64];
	int width = W_METRIC + W_UNIT + 3 * W_CELL + 2 * W_RATIO;

	snprintf(r1, sizeof(r1), "%s/%s", t->col[0], t->col[1]);
	snprintf(r2, sizeof(r2), "%s/%s", t->col[0], t->col[2]);
	printf("\n== %s (median of %d runs, ± = half the min..max spread)\n", t->title, bench_runs());
	printf("   %s at the end of the runs, %ld CPUs online\n", bench_loadavg(),
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("%-*s%-*s%*s%*s%*s%*s%*s\n", W_METRIC, "metric", W_UNIT, "unit", W_CELL, t->col[0],
	       W_CELL, t->col[1], W_CELL, t->col[2], W_RATIO, r1, W_RATIO, r2);
	for (int i = 0; i < width; i++)
		putchar('-');
	putchar('\n');
	fflush(stdout);
}

void bench_table_row(const struct bench_table *t, const char *metric, const char *unit,
		     const char *better, const struct bench_stat *a, const struct bench_stat *b,
		     const struct bench_stat *c)
{
	char ca[48], cb[48], cc[48], r1[32], r2[32], u[64];

	(void)t;
	fmt_cell(ca, sizeof(ca), a);
	fmt_cell(cb, sizeof(cb), b);
	fmt_cell(cc, sizeof(cc), c);
	fmt_ratio(r1, sizeof(r1), a, b);
	fmt_ratio(r2, sizeof(r2), a, c);
	snprintf(u, sizeof(u), "%s%s%s", unit, better ? (better[0] == 'h' ? " ^" : " v") : "", "");
	/* the ± sign is 2 bytes in UTF-8 but one column: pad by one more */
	printf("%-*s%-*s%*s%*s%*s%*s%*s\n", W_METRIC, metric, W_UNIT, u,
	       W_CELL + (strstr(ca, "±") ? 1 : 0), ca, W_CELL + (strstr(cb, "±") ? 1 : 0), cb,
	       W_CELL + (strstr(cc, "±") ? 1 : 0), cc, W_RATIO, r1, W_RATIO, r2);
	fflush(stdout);
}

void bench_table_end(const struct bench_table *t)
{
	(void)t;
	printf("(unit ^: higher is better, v: lower is better; ratios are of the medians)\n");
	for (int i = 0; i < n_notes; i++) {
		printf("note: %s\n", notes[i]);
		free(notes[i]);
	}
	n_notes = 0;
	fflush(stdout);
}
