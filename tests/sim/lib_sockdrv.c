/* lib_sockdrv.c - the virtual-clock driver of lib_sockdrv.h. */
#include "lib_sockdrv.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "socket/socket.h"

#define SOCKDRV_MAX 16
#define SOCKDRV_STEP_US 100000          /* the clock moves at most this far per step */

struct sockdrv {
	struct simnet *sn;
	struct ustack *stacks[SOCKDRV_MAX];
	int n;
	atomic_int apps;
	atomic_bool stop;
	uint64_t max_us;
	pthread_t thr;
};

static void nap(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

static unsigned sleepers(struct sockdrv *d)
{
	unsigned s = 0;

	for (int i = 0; i < d->n; i++)
		s += sock_sleepers(d->stacks[i]);
	return s;
}

static void *drive(void *arg)
{
	struct sockdrv *d = arg;
	uint64_t start = simnet_now(d->sn);

	while (!atomic_load(&d->stop)) {
		int apps = atomic_load(&d->apps);
		if (apps <= 0) {
			nap(100000);
			continue;
		}
		/* wait until every application thread sleeps, and stays asleep a moment */
		if (sleepers(d) < (unsigned)apps) {
			nap(20000);
			continue;
		}
		nap(20000);
		if (sleepers(d) < (unsigned)atomic_load(&d->apps))
			continue;
		if (simnet_now(d->sn) - start > d->max_us) {
			fprintf(stderr, "sockdrv: virtual time limit passed, threads still asleep\n");
			abort();
		}
		simnet_step(d->sn, simnet_now(d->sn) + SOCKDRV_STEP_US);
	}
	return NULL;
}

struct sockdrv *sockdrv_start(struct simnet *sn, struct ustack **stacks, int n, int apps,
			      uint64_t max_us)
{
	struct sockdrv *d = calloc(1, sizeof(*d));

	if (!d || n > SOCKDRV_MAX)
		abort();
	d->sn = sn;
	for (int i = 0; i < n; i++)
		d->stacks[i] = stacks[i];
	d->n = n;
	atomic_init(&d->apps, apps);
	atomic_init(&d->stop, false);
	d->max_us = max_us;
	if (pthread_create(&d->thr, NULL, drive, d) != 0)
		abort();
	return d;
}

void sockdrv_app_done(struct sockdrv *d)
{
	atomic_fetch_sub(&d->apps, 1);
}

void sockdrv_app_begin(struct sockdrv *d)
{
	atomic_fetch_add(&d->apps, 1);
}

void sockdrv_stop(struct sockdrv *d)
{
	atomic_store(&d->stop, true);
	pthread_join(d->thr, NULL);
	free(d);
}
