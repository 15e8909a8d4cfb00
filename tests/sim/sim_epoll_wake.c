/* sim_epoll_wake.c - readiness wakes exactly the threads it concerns.
 *
 * 100 threads block on 100 different sockets of one stack (in recv, in poll, in
 * epoll_wait on a set each); one datagram for one of the sockets must wake exactly one
 * thread, the right one (the stack counts wake-ups: sock_wakeups). Also: 100 threads in
 * epoll_wait on one set of 100 sockets, and 8 threads in accept on one listener, take one
 * wake-up per event (exclusive wakes), and shutting the listener down wakes them all.
 * The test thread drives the network on the virtual clock; the blocked threads need
 * no clock (they wait without a timeout). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "lib_simnet.h"
#include "ustack/epoll.h"
#include "ustack/socket.h"
#include "socket/socket.h"          /* sock_sleepers */

#define NT 100
#define PORT0 7000

enum how { BY_RECV, BY_POLL, BY_EPOLL, BY_SHARED_EPOLL, BY_ACCEPT };

static struct simnet *SN;
static struct ustack *S, *C;
static int sock[NT], eps[NT], shared_ep, lfd;
static atomic_int done[NT], returned;
static enum how HOW;

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };

	s.sin_addr.s_addr = simnet_addr(ip);
	return s;
}

static void *waiter(void *arg)
{
	int i = (int)(intptr_t)arg;
	char buf[64];
	struct epoll_event ev;
	int rc = -1;

	switch (HOW) {
	case BY_RECV:
		rc = (int)ustack_recv(S, sock[i], buf, sizeof(buf), 0);
		break;
	case BY_POLL: {
		struct pollfd p = { .fd = sock[i], .events = POLLIN };
		rc = ustack_poll(S, &p, 1, -1);
		break;
	}
	case BY_EPOLL:
		rc = ustack_epoll_wait(S, eps[i], &ev, 1, -1);
		break;
	case BY_SHARED_EPOLL:
		rc = ustack_epoll_wait(S, shared_ep, &ev, 1, -1);
		if (rc == 1)        /* take the datagram, so the level-triggered item is done */
			ustack_recv(S, ev.data.fd, buf, sizeof(buf), MSG_DONTWAIT);
		break;
	case BY_ACCEPT:
		rc = ustack_accept(S, lfd, NULL, NULL);
		if (rc >= 0)
			ustack_close(S, rc);
		break;
	}
	(void)rc;
	atomic_store(&done[i], 1);
	atomic_fetch_add(&returned, 1);
	return NULL;
}

static uint64_t wakeups(void)
{
	struct ustack_stats s;

	ustack_get_stats(S, &s);
	return s.sock_wakeups;
}

/* Bounded real-time wait for a condition that threads bring about. */
static bool wait_until(bool (*cond)(int), int arg)
{
	for (int i = 0; i < 2000; i++) {            /* 10 s at most */
		if (cond(arg))
			return true;
		simnet_run_for(SN, 1000);
		usleep(5000);
	}
	return cond(arg);
}

static bool returned_at_least(int n)
{
	return atomic_load(&returned) >= n;
}

static void setup_net(void)
{
	SN = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(SN);
	C = simnet_stack(SN, "client", NULL);
	S = simnet_stack(SN, "server", NULL);
	simnet_attach(SN, C, vn, "10.0.0.1/24", 0, NULL, NULL);
	simnet_attach(SN, S, vn, "10.0.0.2/24", 0, NULL, NULL);
	struct ustack_ping_reply r;
	assert_int_equal(simnet_ping(SN, C, "10.0.0.2", 1, 1, 8, 0, &r, 1000000), 0);
	memset(done, 0, sizeof(done));
	atomic_store(&returned, 0);
}

/* Wait (bounded) until n threads are asleep in the stack's calls. */
static void let_them_sleep(unsigned n)
{
	for (int i = 0; i < 2000 && sock_sleepers(S) < n; i++)
		usleep(5000);
	assert_int_equal(sock_sleepers(S), n);
	assert_int_equal(atomic_load(&returned), 0);
}

static void one_datagram_wakes_one(enum how how)
{
	pthread_t th[NT];
	struct epoll_event ev;

	setup_net();
	HOW = how;
	if (how == BY_SHARED_EPOLL)
		shared_ep = ustack_epoll_create1(S, 0);
	for (int i = 0; i < NT; i++) {
		struct sockaddr_in a = sin_of("0.0.0.0", (uint16_t)(PORT0 + i));
		sock[i] = ustack_socket(S, AF_INET, SOCK_DGRAM, 0);
		assert_true(sock[i] >= 0);
		assert_int_equal(ustack_bind(S, sock[i], (struct sockaddr *)&a, sizeof(a)), 0);
		ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = sock[i] };
		if (how == BY_EPOLL) {
			eps[i] = ustack_epoll_create1(S, 0);
			assert_int_equal(ustack_epoll_ctl(S, eps[i], EPOLL_CTL_ADD, sock[i], &ev), 0);
		} else if (how == BY_SHARED_EPOLL) {
			/* edge-triggered, as threads sharing a set use it: a level-triggered item
			 * still unread after one thread's wait is handed to a second thread (so
			 * does Linux) */
			ev.events |= EPOLLET;
			assert_int_equal(ustack_epoll_ctl(S, shared_ep, EPOLL_CTL_ADD, sock[i], &ev), 0);
		}
	}
	for (int i = 0; i < NT; i++)
		assert_int_equal(pthread_create(&th[i], NULL, waiter, (void *)(intptr_t)i), 0);
	let_them_sleep(NT);

	uint64_t before = wakeups();
	int cs = ustack_socket(C, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", PORT0 + 42);
	assert_int_equal(ustack_sendto(C, cs, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
	assert_true(wait_until(returned_at_least, 1));
	usleep(100000);                             /* anyone else woken would be out by now */
	assert_int_equal(atomic_load(&returned), 1);
	assert_int_equal(wakeups() - before, 1);
	assert_int_equal(sock_sleepers(S), NT - 1);
	if (how != BY_SHARED_EPOLL)
		assert_int_equal(atomic_load(&done[42]), 1);    /* and it was the right one */

	/* a second datagram elsewhere: one more thread, one more wake-up */
	to = sin_of("10.0.0.2", PORT0 + 7);
	assert_int_equal(ustack_sendto(C, cs, "again", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
	assert_true(wait_until(returned_at_least, 2));
	usleep(100000);
	assert_int_equal(atomic_load(&returned), 2);
	assert_int_equal(wakeups() - before, 2);

	/* closing the descriptors (or the sets) lets every other thread go */
	for (int i = 0; i < NT; i++) {
		if (how == BY_EPOLL)
			ustack_close(S, eps[i]);
		ustack_close(S, sock[i]);
	}
	if (how == BY_SHARED_EPOLL)
		ustack_close(S, shared_ep);
	for (int i = 0; i < NT; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&returned), NT);
	simnet_free(SN);
}

static void test_recv(void **state) { (void)state; one_datagram_wakes_one(BY_RECV); }
static void test_poll(void **state) { (void)state; one_datagram_wakes_one(BY_POLL); }
static void test_epoll(void **state) { (void)state; one_datagram_wakes_one(BY_EPOLL); }
static void test_shared_epoll(void **state) { (void)state; one_datagram_wakes_one(BY_SHARED_EPOLL); }

/* 8 threads in accept on one listener: a connection wakes one of them. */
static void test_accept_exclusive(void **state)
{
	(void)state;
	enum { NA = 8 };
	pthread_t th[NA];

	setup_net();
	HOW = BY_ACCEPT;
	struct sockaddr_in a = sin_of("0.0.0.0", 80);
	lfd = ustack_socket(S, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(ustack_bind(S, lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(ustack_listen(S, lfd, 16), 0);
	for (int i = 0; i < NA; i++)
		assert_int_equal(pthread_create(&th[i], NULL, waiter, (void *)(intptr_t)i), 0);
	let_them_sleep(NA);
	uint64_t before = wakeups();
	int cs = ustack_socket(C, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 80);
	assert_int_equal(ustack_connect(C, cs, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, EINPROGRESS);
	assert_true(wait_until(returned_at_least, 1));
	usleep(100000);
	assert_int_equal(atomic_load(&returned), 1);
	assert_int_equal(wakeups() - before, 1);
	/* shutting the listener down wakes every thread still in accept */
	assert_int_equal(ustack_shutdown(S, lfd, SHUT_RD), 0);
	assert_true(wait_until(returned_at_least, NA));
	for (int i = 0; i < NA; i++)
		pthread_join(th[i], NULL);
	ustack_close(S, lfd);
	simnet_free(SN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recv),
		cmocka_unit_test(test_poll),
		cmocka_unit_test(test_epoll),
		cmocka_unit_test(test_shared_epoll),
		cmocka_unit_test(test_accept_exclusive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
