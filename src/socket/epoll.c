/* epoll.c - ustack_epoll_create1 / ctl / wait / event_fd: readiness sets with Linux's
 * epoll(7) semantics over ustack descriptors (include/ustack/epoll.h).
 *
 * A set is a descriptor (usock of type USOCK_EPOLL) holding items. An item is a watcher
 * on its socket's list (sock_var.h): when the socket's transport reports a change, the
 * item checks the socket's events against the ones it asks for and, if any, joins the
 * set's ready list and wakes one thread asleep in ustack_epoll_wait on the set. A wait
 * looks only at the ready list, so its cost is the number of ready items, whatever the
 * number watched (Linux's ep_poll_callback / ep_send_events shape):
 *   - level-triggered items that are still ready go back on the ready list after being
 *     reported, so the next wait reports them again;
 *   - EPOLLET items are not put back: only the next change of their socket does that;
 *   - EPOLLONESHOT items are disabled once reported, until EPOLL_CTL_MOD.
 * The set's event descriptor is a kernel eventfd kept readable exactly while the ready
 * list is not empty, so a ustack set can sit inside the application's own poll/epoll
 * loop beside kernel descriptors. Threads asleep in ustack_epoll_wait queue on the
 * set's own wait queue as exclusive waiters: one ready item wakes one thread. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "ustack/epoll.h"
#include "core/stack.h"
#include "core/trace.h"
#include "core/upcall.h"
#include "socket/epoll.h"
#include "socket/socket.h"
#include "socket/sock_var.h"

/* What a caller may ask for; EPOLLERR and EPOLLHUP are reported whether asked or not. */
#define EP_EVENT_BITS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLERR | EPOLLHUP | \
		       EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND)
#define EP_FLAG_BITS (EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP)
#define EP_MAX_EVENTS (1 << 20)

struct epitem {
	struct sock_watch w;            /* first: the watcher is the item */
	struct uepoll *ep;
	int fd;
	uint32_t events;                /* asked for, with EPOLLET / EPOLLONESHOT / ... */
	epoll_data_t data;
	bool ready;                     /* on the ready list */
	bool disabled;                  /* EPOLLONESHOT item reported, not re-armed */
	struct epitem *rnext, *rprev;   /* ready list */
	struct epitem *inext, *iprev;   /* every item of the set */
};

struct uepoll {
	struct usock *so;               /* the set's own descriptor: waiters sleep on so->wq */
	struct epitem *items;
	size_t n_items;
	struct epitem *rd_head, *rd_tail;
	int efd;                        /* the event descriptor, -1 until asked for */
	bool efd_readable;
};

/* ---- the ready list and the event descriptor ------------------------------------- */

static void rd_append(struct uepoll *ep, struct epitem *it)
{
	it->ready = true;
	it->rnext = NULL;
	it->rprev = ep->rd_tail;
	if (ep->rd_tail)
		ep->rd_tail->rnext = it;
	else
		ep->rd_head = it;
	ep->rd_tail = it;
}

static void rd_remove(struct uepoll *ep, struct epitem *it)
{
	if (!it->ready)
		return;
	if (it->rprev)
		it->rprev->rnext = it->rnext;
	else
		ep->rd_head = it->rnext;
	if (it->rnext)
		it->rnext->rprev = it->rprev;
	else
		ep->rd_tail = it->rprev;
	it->rnext = it->rprev = NULL;
	it->ready = false;
}

/* Keep the eventfd readable exactly while the ready list is not empty. It is touched
 * only on a change of emptiness: one write(2) when the first item becomes ready, one
 * read(2) when a wait leaves the list empty. */
static void efd_sync(struct uepoll *ep)
{
	bool want = ep->rd_head != NULL;
	uint64_t v = 1;

	if (ep->efd < 0 || want == ep->efd_readable)
		return;
	if (want) {
		if (write(ep->efd, &v, sizeof(v)) < 0) {
			/* EAGAIN: the counter is already non-zero, it is readable anyway */
		}
	} else {
		if (read(ep->efd, &v, sizeof(v)) < 0) {
			/* EAGAIN: nothing to clear */
		}
	}
	ep->efd_readable = want;
}

unsigned ep_poll_events(const struct uepoll *ep)
{
	return ep->rd_head ? POLLIN : 0;
}

/* ---- items ---------------------------------------------------------------------- */

/* The events of the item's socket that it reports now. */
static uint32_t item_events(struct epitem *it)
{
	if (!it->w.so || it->disabled)
		return 0;
	uint32_t ev = sock_events(it->w.so);

	if (ev & EPOLLIN)
		ev |= EPOLLRDNORM;
	if (ev & EPOLLOUT)
		ev |= EPOLLWRNORM;
	return ev & ((it->events & EP_EVENT_BITS) | EPOLLERR | EPOLLHUP);
}

static void item_free(struct ustack *st, struct epitem *it)
{
	struct uepoll *ep = it->ep;

	(void)st;
	sock_watch_del(&it->w);
	rd_remove(ep, it);
	if (it->iprev)
		it->iprev->inext = it->inext;
	else
		ep->items = it->inext;
	if (it->inext)
		it->inext->iprev = it->iprev;
	ep->n_items--;
	free(it);
}

/* The item's socket changed (or is gone). Returns true when it woke a waiter. A change
 * of a kind the item did not ask for does not queue it (so an edge-triggered reader
 * hears nothing of the ACKs of its own writes, as on Linux). */
static bool item_notify(struct ustack *st, struct sock_watch *w, unsigned events, bool gone)
{
	struct epitem *it = (struct epitem *)w;
	struct uepoll *ep = it->ep;

	if (gone) {                     /* a closed descriptor leaves every set */
		item_free(st, it);
		efd_sync(ep);
		return false;
	}
	if (!(events & ((it->events & EP_EVENT_BITS) | EPOLLERR | EPOLLHUP)))
		return false;
	if (it->ready || !item_events(it))
		return false;
	bool was_empty = ep->rd_head == NULL;
	bool sleepers = waitq_active(&ep->so->wq);

	rd_append(ep, it);
	efd_sync(ep);
	if (was_empty || sleepers)
		sock_notify(st, ep->so, POLLIN);    /* one epoll_wait thread; poll() on the set */
	return sleepers;
}

static struct epitem *item_find(struct uepoll *ep, struct usock *so)
{
	for (struct sock_watch *w = so->watchers; w; w = w->next)
		if (w->fn == item_notify && ((struct epitem *)w)->ep == ep)
			return (struct epitem *)w;
	return NULL;
}

/* ---- the calls -------------------------------------------------------------------- */

void ep_free(struct ustack *st, struct uepoll *ep)
{
	while (ep->items)
		item_free(st, ep->items);
	if (ep->efd >= 0)
		close(ep->efd);
	free(ep);
}

int ustack_epoll_create1(struct ustack *st, int flags)
{
	if (!st || (flags & ~EPOLL_CLOEXEC)) {
		errno = EINVAL;
		return -1;
	}
	struct uepoll *ep = calloc(1, sizeof(*ep));
	if (!ep) {
		errno = ENOMEM;
		return -1;
	}
	ep->efd = -1;
	stack_lock(st);
	struct usock *so = sock_alloc(st, USOCK_EPOLL);
	if (!so) {
		free(ep);
		return sock_fail(st, errno);
	}
	so->ep = ep;
	ep->so = so;
	int fd = so->fd;
	trace_state(st, "socket", fd, "", "OPEN", "socket %d: epoll set", fd);
	stack_unlock(st);
	return fd;
}

int ustack_epoll_create(struct ustack *st, int size)
{
	if (size <= 0) {
		errno = EINVAL;
		return -1;
	}
	return ustack_epoll_create1(st, 0);
}

/* The set behind epfd, with st locked; NULL (errno set, st unlocked) otherwise. */
static struct uepoll *ep_enter(struct ustack *st, int epfd)
{
	struct usock *so = sock_enter_any(st, epfd);

	if (!so)
		return NULL;
	if (!so->ep) {
		sock_fail(st, EINVAL);
		return NULL;
	}
	return so->ep;
}

int ustack_epoll_ctl(struct ustack *st, int epfd, int op, int fd, struct epoll_event *ev)
{
	struct uepoll *ep = ep_enter(st, epfd);
	if (!ep)
		return -1;
	if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
		return sock_fail(st, EINVAL);
	if (op != EPOLL_CTL_DEL && !ev)
		return sock_fail(st, EFAULT);
	struct usock *so = sock_get(st, fd);
	if (!so)
		return sock_fail(st, EBADF);
	if (so == ep->so)
		return sock_fail(st, EINVAL);           /* a set cannot watch itself */
	if (so->ep)
		return sock_fail(st, EPERM);            /* sets are not nested here */
	struct epitem *it = item_find(ep, so);
	uint32_t events = ev ? ev->events : 0;

	switch (op) {
	case EPOLL_CTL_ADD:
		if (it)
			return sock_fail(st, EEXIST);
		/* EPOLLEXCLUSIVE goes with the input/output events only (Linux) */
		if ((events & EPOLLEXCLUSIVE) && (events & EPOLLONESHOT))
			return sock_fail(st, EINVAL);
		it = calloc(1, sizeof(*it));
		if (!it)
			return sock_fail(st, ENOMEM);
		it->ep = ep;
		it->fd = fd;
		it->events = events & (EP_EVENT_BITS | EP_FLAG_BITS);
		it->data = ev->data;
		it->w.fn = item_notify;
		it->w.exclusive = (events & EPOLLEXCLUSIVE) != 0;
		sock_watch_add(so, &it->w);
		it->inext = ep->items;
		if (ep->items)
			ep->items->iprev = it;
		ep->items = it;
		ep->n_items++;
		break;
	case EPOLL_CTL_MOD:
		if (!it)
			return sock_fail(st, ENOENT);
		if ((events & EPOLLEXCLUSIVE) || it->w.exclusive)
			return sock_fail(st, EINVAL);   /* Linux: no MOD of an exclusive item */
		it->events = events & (EP_EVENT_BITS | EP_FLAG_BITS);
		it->data = ev->data;
		it->disabled = false;
		rd_remove(ep, it);
		break;
	default:
		if (!it)
			return sock_fail(st, ENOENT);
		item_free(st, it);
		efd_sync(ep);
		stack_unlock(st);
		return 0;
	}
	/* As Linux: an item that is ready when added or modified is queued at once. */
	item_notify(st, &it->w, UPCALL_ALL, false);
	stack_unlock(st);
	return 0;
}

/* Move ready items into events: at most max; level-triggered ones that are still ready
 * go back on the list. Returns the count. */
static int harvest(struct uepoll *ep, struct epoll_event *events, int max)
{
	struct epitem *scan = ep->rd_head, *requeue = NULL, *requeue_tail = NULL;
	int n = 0;

	ep->rd_head = ep->rd_tail = NULL;
	while (scan && n < max) {
		struct epitem *it = scan;

		scan = it->rnext;
		it->ready = false;
		it->rnext = it->rprev = NULL;
		uint32_t ev = item_events(it);
		if (!ev)
			continue;               /* no longer ready: off the list */
		events[n].events = ev;
		events[n].data = it->data;
		n++;
		if (it->events & EPOLLONESHOT) {
			it->disabled = true;
		} else if (!(it->events & EPOLLET)) {
			it->ready = true;       /* level-triggered: back at the tail */
			it->rprev = requeue_tail;
			if (requeue_tail)
				requeue_tail->rnext = it;
			else
				requeue = it;
			requeue_tail = it;
		}
	}
	/* the items not looked at stay first, then the level-triggered ones */
	if (scan) {
		scan->rprev = NULL;
		ep->rd_head = scan;
		struct epitem *t = scan;
		while (t->rnext)
			t = t->rnext;
		ep->rd_tail = t;
	}
	if (requeue) {
		if (ep->rd_tail) {
			ep->rd_tail->rnext = requeue;
			requeue->rprev = ep->rd_tail;
		} else {
			ep->rd_head = requeue;
		}
		ep->rd_tail = requeue_tail;
	}
	return n;
}

int ustack_epoll_wait(struct ustack *st, int epfd, struct epoll_event *events, int maxevents,
		      int timeout_ms)
{
	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS) {
		errno = EINVAL;
		return -1;
	}
	if (!events) {
		errno = EFAULT;
		return -1;
	}
	struct uepoll *ep = ep_enter(st, epfd);
	if (!ep)
		return -1;
	struct usock *so = ep->so;
	uint64_t deadline = timeout_ms < 0 ? SOCK_NO_DEADLINE :
			    st->now + (uint64_t)timeout_ms * 1000u;
	int n;

	for (;;) {
		n = harvest(ep, events, maxevents);
		if (n || timeout_ms == 0)
			break;
		int rc = waitq_sleep(st, &so->wq, so, deadline, true, POLLIN);
		if (rc == -EBADF)
			return sock_fail(st, EBADF);    /* the set was closed meanwhile */
		if (rc == -ETIMEDOUT) {
			n = harvest(ep, events, maxevents);
			break;
		}
		if (rc < 0)
			return sock_fail(st, -rc);      /* EDEADLK: nobody drives the stack */
	}
	efd_sync(ep);
	/* Items left ready (more than maxevents, or level-triggered ones put back): let
	 * another waiting thread have them, as Linux does after a scan. */
	if (ep->rd_head && waitq_active(&so->wq))
		waitq_wake(st, &so->wq, POLLIN);
	stack_unlock(st);
	return n;
}

int ustack_epoll_event_fd(struct ustack *st, int epfd)
{
	struct uepoll *ep = ep_enter(st, epfd);
	if (!ep)
		return -1;
	if (ep->efd < 0) {
		ep->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (ep->efd < 0)
			return sock_fail(st, errno);
		ep->efd_readable = false;
		efd_sync(ep);
	}
	int fd = ep->efd;
	stack_unlock(st);
	return fd;
}
