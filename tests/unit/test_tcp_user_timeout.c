/* test_tcp_user_timeout.c - TCP_USER_TIMEOUT (RFC 5482, with Linux's semantics, tcp(7)):
 * the option round-trips through getsockopt and is inherited by accepted connections;
 * data left unacknowledged by a silent peer aborts the connection with ETIMEDOUT on time
 * (the last retransmission timer is cut to end with the user's time), also when that is
 * longer than the retry limit would allow; unanswered keep-alive probes abort after the
 * user's time rather than after TCP_KEEPCNT probes; a window that stays closed that long
 * ends it too, answered probes or not. Virtual clock, segment by segment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "unit/tcp_harness.h"

static struct th_seg seg;

/* Active open with the SYN-ACK rtt us after the SYN. */
static int open_with_rtt(struct th *h, struct th_peer *pe, uint64_t rtt)
{
	int fd = th_connect(h, 80);

	assert_true(th_next(h, &seg));
	memset(pe, 0, sizeof(*pe));
	pe->lport = seg.h.sport;
	pe->rport = 80;
	pe->rcv_nxt = seg.h.seq + 1;
	pe->snd_nxt = 5000;
	pe->win = 65535;
	th_advance(h, rtt);
	struct tcp_repr r = th_hdr(80, pe->lport, 5000, pe->rcv_nxt, TCP_SYN | TCP_ACK, 65535);
	r.has_mss = true;
	r.mss = 1460;
	th_inject(h, &r, NULL, 0);
	pe->snd_nxt = 5001;
	th_flush(h);
	return fd;
}

static int get_ut(struct th *h, int fd)
{
	int v = -1;
	socklen_t l = sizeof(v);

	assert_int_equal(ustack_getsockopt(h->st, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, &l), 0);
	assert_int_equal(l, sizeof(v));
	return v;
}

static void test_option_round_trip(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	int fd = open_with_rtt(&h, &pe, 1000);
	assert_int_equal(get_ut(&h, fd), 0);                /* off by default */
	int v = 4321;
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v)), 0);
	assert_int_equal(get_ut(&h, fd), 4321);
	v = -1;
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(get_ut(&h, fd), 4321);
	v = 0;
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v)), 0);
	assert_int_equal(get_ut(&h, fd), 0);

	/* a listener's value goes to the connections it accepts */
	int lfd = th_listen(&h, 81);
	v = 2500;
	assert_int_equal(ustack_setsockopt(h.st, lfd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v)), 0);
	struct th_peer p2;
	memset(&p2, 0, sizeof(p2));
	p2.lport = 81;
	p2.rport = 4100;
	p2.snd_nxt = 9000;
	p2.win = 65535;
	th_peer_send(&h, &p2, TCP_SYN, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_true(seg.h.flags & TCP_SYN);
	p2.rcv_nxt = seg.h.seq + 1;
	th_peer_send(&h, &p2, TCP_ACK, NULL, 0);
	int afd = ustack_accept4(h.st, lfd, NULL, NULL, SOCK_NONBLOCK);
	assert_true(afd >= 0);
	assert_int_equal(get_ut(&h, afd), 2500);
	th_free(&h);
}

/* Data to a silent peer: ETIMEDOUT at the user's time (within one RTO), not before. */
static void run_silent(uint32_t ut_ms, int data_retries)
{
	struct th h;
	struct th_peer pe;
	char b;

	th_init(&h);
	int fd = open_with_rtt(&h, &pe, 50000);
	h.st->tcp->data_retries = data_retries;
	int v = (int)ut_ms;
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v)), 0);
	struct tcp_conn *c = th_conn(&h, pe.lport, 80);
	uint64_t t0 = h.now;
	assert_int_equal(ustack_send(h.st, fd, "data", 4, 0), 4);
	int sent = 0;
	uint64_t last_rto = c->rto;
	for (int i = 0; i < 200 && c->state != TCPS_CLOSED; i++) {
		last_rto = tcp_rexmt_timeout(h.st, c);
		th_advance_to_deadline(&h, 1000000000);
		while (th_next(&h, &seg))
			if (!(seg.h.flags & TCP_RST) && seg.len == 4)
				sent++;
		if (c->state != TCPS_CLOSED)
			assert_true(h.now - t0 < (uint64_t)ut_ms * 1000);   /* not before */
	}
	assert_int_equal(c->state, TCPS_CLOSED);
	uint64_t dt = h.now - t0;
	print_message("user timeout %u ms, retries %d: aborted after %llu us, %d sends\n", ut_ms,
		      data_retries, (unsigned long long)dt, sent);
	assert_true(dt >= (uint64_t)ut_ms * 1000);
	assert_true(dt <= (uint64_t)ut_ms * 1000 + last_rto);
	assert_true(sent >= 2);
	assert_int_equal(ustack_recv(h.st, fd, &b, 1, 0), -1);
	assert_int_equal(errno, ETIMEDOUT);
	th_free(&h);
}

static void test_silent_peer_aborts_on_time(void **state)
{
	(void)state;
	run_silent(3000, 15);           /* sooner than the 15 retries would give up */
	run_silent(2500, 15);           /* not on a backoff boundary: the timer is cut */
}

static void test_longer_than_retry_limit(void **state)
{
	(void)state;
	run_silent(60000, 3);           /* 3 retries would end at ~15 s: the user's 60 s wins */
}

/* Keep-alive: probes go on past TCP_KEEPCNT until the user's time since the last
 * segment received has passed with a probe unanswered. */
static void test_keepalive_user_timeout(void **state)
{
	struct th h;
	struct th_peer pe;
	int one = 1, idle = 10, intvl = 2, cnt = 3, ut = 20000;
	char b;

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4001, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4001);
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)), 0);
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)), 0);
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)), 0);
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof(ut)), 0);
	uint64_t start = h.now;
	assert_int_equal(ustack_setsockopt(h.st, fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)), 0);
	int probes = 0;
	for (int i = 0; i < 50 && c->state != TCPS_CLOSED; i++) {
		th_advance_to_deadline(&h, 100000000);
		while (th_next(&h, &seg))
			if (!(seg.h.flags & TCP_RST))
				probes++;
	}
	assert_int_equal(c->state, TCPS_CLOSED);
	assert_int_equal(probes, 5);                /* at 10, 12, 14, 16, 18 s: more than 3 */
	assert_int_equal(h.now - start, 20000000);
	assert_int_equal(ustack_recv(h.st, fd, &b, 1, 0), -1);
	assert_int_equal(errno, ETIMEDOUT);
	th_free(&h);
}

/* A window that stays closed for the user's time ends the connection, though the peer
 * answers every probe (Linux since 5.13); without the option it would go on. */
static void test_zero_window_user_timeout(void **state)
{
	struct th h;
	struct th_peer pe;
	int ut = 5000;
	char b;

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4002, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4002);
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof(ut)), 0);
	pe.win = 0;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	uint64_t start = h.now;
	assert_int_equal(ustack_send(h.st, fd, "abcdef", 6, 0), 6);
	int probes = 0;
	for (int i = 0; i < 50 && c->state != TCPS_CLOSED; i++) {
		th_advance_to_deadline(&h, 100000000);
		while (th_next(&h, &seg)) {
			if (seg.h.flags & TCP_RST)
				continue;
			probes++;
			th_peer_send(&h, &pe, TCP_ACK, NULL, 0);       /* answered: still zero */
		}
	}
	assert_int_equal(c->state, TCPS_CLOSED);
	assert_true(probes >= 2);
	assert_int_equal(h.now - start, 5000000);
	assert_int_equal(ustack_recv(h.st, fd, &b, 1, 0), -1);
	assert_int_equal(errno, ETIMEDOUT);
	th_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option_round_trip),
		cmocka_unit_test(test_silent_peer_aborts_on_time),
		cmocka_unit_test(test_longer_than_retry_limit),
		cmocka_unit_test(test_keepalive_user_timeout),
		cmocka_unit_test(test_zero_window_user_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
