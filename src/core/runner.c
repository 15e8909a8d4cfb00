/* runner.c - the background thread that drives a stack in real time.
 *
 * Loop: read CLOCK_MONOTONIC, poll the stack, ask it when it must run again, and sleep
 * in epoll until then or until a device fd becomes readable. Application threads that
 * arm an earlier timer (or queue a frame on a device with a deadline) wake the thread
 * through an eventfd: stack_unlock() calls runner_kick_if_needed(). This file and
 * src/dev/ are the only places that read a clock or wait on the OS. */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "core/core_priv.h"
#include "core/stack.h"
#include "core/trace.h"
#include "ustack/dev.h"

/* With a device that has no fd and no deadline op, look at it at least this often. */
#define RUNNER_FDLESS_POLL_US 1000
#define RUNNER_MAX_EVENTS 16

struct runner {
	pthread_t thread;
	int epfd;                 /* device fds + the kick eventfd */
	int kickfd;               /* eventfd: written to wake the thread */
	atomic_bool stop;
	/* The time the thread sleeps until, 0 while it is awake: set under st->lock before
	 * it sleeps, cleared by whoever wakes it (a kick under st->lock, or the thread
	 * itself without the lock: at worst an extra kick). */
	_Atomic uint64_t sleep_until;
	/* Device fds registered in epfd, per interface slot (-1: none). */
	int reg_fd[USTACK_MAX_IFACES];
	struct ustack_dev *reg_dev[USTACK_MAX_IFACES];
	bool fdless;              /* some device can only be polled */
};

uint64_t ustack_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void runner_kick(struct runner *r)
{
	uint64_t one = 1;

	if (write(r->kickfd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, the thread will wake anyway. */
	}
}

void runner_kick_if_needed(struct ustack *st)
{
	struct runner *r = st->runner;

	uint64_t until;

	if (!r || (until = atomic_load(&r->sleep_until)) == 0)
		return;
	if (stack_next_deadline_locked(st) < until) {
		atomic_store(&r->sleep_until, 0);
		runner_kick(r);
	}
}

/* Keep epfd in step with the interfaces (one may be added while the runner runs).
 * Called with st->lock held. */
static void runner_sync_fds(struct ustack *st, struct runner *r)
{
	r->fdless = false;
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct iface *ifp = &st->ifaces[i];
		struct ustack_dev *dev = ifp->used ? ifp->dev : NULL;
		int fd = dev ? dev->fd : -1;

		if (dev && fd < 0 && !dev->ops->next_deadline)
			r->fdless = true;
		if (r->reg_dev[i] == dev && r->reg_fd[i] == fd)
			continue;
		if (r->reg_fd[i] >= 0)
			epoll_ctl(r->epfd, EPOLL_CTL_DEL, r->reg_fd[i], NULL);
		r->reg_fd[i] = -1;
		r->reg_dev[i] = dev;
		if (fd >= 0) {
			struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

			if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
				r->reg_fd[i] = fd;
			else
				r->fdless = true;
		}
	}
}

/* Milliseconds epoll should wait to reach `until` from `now` (rounded up, so the
 * thread never wakes just before a deadline and spins). */
static int wait_ms(uint64_t now, uint64_t until)
{
	uint64_t ms;

	if (until == UINT64_MAX)
		return -1;
	if (until <= now)
		return 0;
	ms = (until - now + 999) / 1000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void *runner_main(void *arg)
{
	struct ustack *st = arg;
	struct runner *r = st->runner;
	struct epoll_event evs[RUNNER_MAX_EVENTS];

	while (!atomic_load(&r->stop)) {
		uint64_t now, until;
		int n;

		/* one hold of the lock per cycle: step, then when to come back */
		pthread_mutex_lock(&st->lock);
		stack_step_locked(st, ustack_clock_us());
		runner_sync_fds(st, r);
		until = stack_next_deadline_locked(st);
		now = ustack_clock_us();
		if (r->fdless && until > now + RUNNER_FDLESS_POLL_US)
			until = now + RUNNER_FDLESS_POLL_US;
		atomic_store(&r->sleep_until, until > now ? until : 0);
		pthread_mutex_unlock(&st->lock);
		if (until <= now)
			continue;

		n = epoll_wait(r->epfd, evs, RUNNER_MAX_EVENTS, wait_ms(now, until));
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == r->kickfd) {
				uint64_t cnt;

				if (read(r->kickfd, &cnt, sizeof(cnt)) < 0) {
					/* EAGAIN: already drained */
				}
			}
		}
		atomic_store(&r->sleep_until, 0);
	}
	return NULL;
}

int ustack_start(struct ustack *st)
{
	struct runner *r;
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	if (st->runner) {
		errno = EBUSY;
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return -1;
	}
	for (int i = 0; i < USTACK_MAX_IFACES; i++)
		r->reg_fd[i] = -1;
	atomic_init(&r->stop, false);
	atomic_init(&r->sleep_until, 0);
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	r->kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->epfd < 0 || r->kickfd < 0)
		goto err;
	ev.data.fd = r->kickfd;
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->kickfd, &ev) != 0)
		goto err;

	pthread_mutex_lock(&st->lock);
	st->runner = r;
	st->clock = ustack_clock_us;
	if (st->clock() > st->now)
		st->now = st->clock();
	pthread_mutex_unlock(&st->lock);

	err = pthread_create(&r->thread, NULL, runner_main, st);
	if (err != 0) {
		pthread_mutex_lock(&st->lock);
		st->runner = NULL;
		st->clock = NULL;
		pthread_mutex_unlock(&st->lock);
		errno = err;
		goto err;
	}
	return 0;
err:
	err = errno;
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->kickfd >= 0)
		close(r->kickfd);
	free(r);
	errno = err;
	return -1;
}

void runner_stop(struct ustack *st)
{
	struct runner *r = st->runner;

	if (!r)
		return;
	atomic_store(&r->stop, true);
	runner_kick(r);
	pthread_join(r->thread, NULL);
	pthread_mutex_lock(&st->lock);
	st->runner = NULL;
	st->clock = NULL;
	pthread_mutex_unlock(&st->lock);
	close(r->epfd);
	close(r->kickfd);
	free(r);
}

void ustack_stop(struct ustack *st)
{
	runner_stop(st);
}
