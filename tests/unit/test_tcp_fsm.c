/* test_tcp_fsm.c - every state of RFC 9293 section 3.3.2 reached and left by the
 * transitions of its figure 5: passive and active open, simultaneous open, active,
 * passive and simultaneous close, half-close, TIME_WAIT expiry, aborts (RST on close
 * with unread data, SO_LINGER 0, listener close), refusal and connect timeout. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "unit/tcp_harness.h"

static struct th_seg seg;

static void test_passive_open(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	int lfd = th_listen(&h, 80);
	struct tcp_repr r = th_hdr(4000, 80, 1000, 0, TCP_SYN, 65535);
	r.has_mss = true;
	r.mss = 1460;
	th_inject(&h, &r, NULL, 0);
	struct tcp_conn *c = th_conn(&h, 80, 4000);
	assert_non_null(c);
	assert_int_equal(c->state, TCPS_SYN_RECEIVED);
	assert_string_equal(tcp_state_name(c), "SYN_RECV");
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(seg.h.ack, 1001);
	assert_true(seg.h.has_mss);
	assert_int_equal(seg.h.mss, 1460);
	/* The peer offered none of WS/SACK/TS: the SYN-ACK has none either. */
	assert_false(seg.h.has_wscale);
	assert_false(seg.h.sack_perm);
	assert_false(seg.h.has_ts);
	/* Not acceptable before the handshake completes */
	assert_int_equal(ustack_accept(h.st, lfd, NULL, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	memset(&pe, 0, sizeof(pe));
	pe.lport = 80;
	pe.rport = 4000;
	pe.snd_nxt = 1001;
	pe.rcv_nxt = seg.h.seq + 1;
	pe.win = 65535;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(c->state, TCPS_ESTABLISHED);
	assert_int_equal(th_pending(&h), 0);
	int fd = ustack_accept(h.st, lfd, NULL, NULL);
	assert_true(fd >= 0);
	assert_ptr_equal(th_conn(&h, 80, 4000), c);
	th_free(&h);
}

static void test_active_open_options(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	int fd = th_connect(&h, 80);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_SYN);
	assert_int_equal(seg.h.dport, 80);
	assert_true(seg.h.sport >= 49152);
	/* RFC 9293 3.7.1: MSS = MTU - 40; RFC 7323 / RFC 2018 offered */
	assert_true(seg.h.has_mss);
	assert_int_equal(seg.h.mss, 1460);
	assert_true(seg.h.has_wscale);
	assert_true(seg.h.sack_perm);
	assert_true(seg.h.has_ts);
	assert_int_equal(seg.h.ts_ecr, 0);
	struct tcp_conn *c = th_conn(&h, seg.h.sport, 80);
	assert_int_equal(c->state, TCPS_SYN_SENT);
	uint32_t iss = seg.h.seq;
	struct tcp_repr r = th_hdr(80, seg.h.sport, 7000, iss + 1, TCP_SYN | TCP_ACK, 1000);
	r.has_mss = true;
	r.mss = 1000;
	r.has_wscale = true;
	r.wscale = 3;
	r.sack_perm = true;
	r.has_ts = true;
	r.ts_val = 777;
	r.ts_ecr = seg.h.ts_val;
	th_inject(&h, &r, NULL, 0);
	assert_int_equal(c->state, TCPS_ESTABLISHED);
	assert_true(c->flags & TF_WS_OK);
	assert_true(c->flags & TF_SACK_OK);
	assert_true(c->flags & TF_TS_OK);
	assert_int_equal(c->snd_wscale, 3);
	assert_int_equal(c->snd_wnd, 1000);               /* a SYN's window is not scaled */
	assert_int_equal(c->t_maxseg, 1000);
	assert_int_equal(tcp_seg_payload_max(c), 988);     /* minus the timestamp option */
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_ACK);
	assert_int_equal(seg.h.seq, iss + 1);
	assert_int_equal(seg.h.ack, 7001);
	assert_true(seg.h.has_ts);
	assert_int_equal(seg.h.ts_ecr, 777);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	assert_int_equal(ustack_poll(h.st, &p, 1, 0), 1);
	th_free(&h);
}

static void test_simultaneous_open(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	th_connect(&h, 90);
	assert_true(th_next(&h, &seg));
	uint16_t lport = seg.h.sport;
	uint32_t iss = seg.h.seq;
	struct tcp_conn *c = th_conn(&h, lport, 90);
	/* The peer's own SYN crosses ours (RFC 9293 figure 7). */
	struct tcp_repr r = th_hdr(90, lport, 300, 0, TCP_SYN, 65535);
	r.has_mss = true;
	r.mss = 1460;
	th_inject(&h, &r, NULL, 0);
	assert_int_equal(c->state, TCPS_SYN_RECEIVED);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(seg.h.seq, iss);
	assert_int_equal(seg.h.ack, 301);
	/* The peer's SYN,ACK for our SYN. */
	r = th_hdr(90, lport, 300, iss + 1, TCP_SYN | TCP_ACK, 65535);
	r.has_mss = true;
	r.mss = 1460;
	th_inject(&h, &r, NULL, 0);
	assert_int_equal(c->state, TCPS_ESTABLISHED);
	th_free(&h);
}

static void test_active_close(void **state)
{
	struct th h;
	struct th_peer pe;
	struct ustack_config cfg = { .tcp_msl_ms = 1000 };

	(void)state;
	th_init_cfg(&h, &cfg);
	int fd = th_passive_open(&h, 80, 4001, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4001);
	assert_int_equal(ustack_shutdown(h.st, fd, SHUT_WR), 0);
	assert_int_equal(c->state, TCPS_FIN_WAIT_1);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_FIN | TCP_ACK);
	assert_int_equal(seg.h.seq, pe.rcv_nxt);
	pe.rcv_nxt++;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(c->state, TCPS_FIN_WAIT_2);
	/* half-closed: the peer still sends */
	th_peer_send(&h, &pe, TCP_ACK | TCP_PSH, "late", 4);
	char buf[16];
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 4);
	th_peer_send(&h, &pe, TCP_FIN | TCP_ACK, NULL, 0);
	assert_int_equal(c->state, TCPS_TIME_WAIT);
	th_flush(&h);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 0);
	ustack_close(h.st, fd);
	/* TIME_WAIT has no owner and still shows in the table */
	struct ustack_sockinfo si[4];
	assert_int_equal(ustack_sockets(h.st, si, 4), 1);
	assert_string_equal(si[0].state, "TIME_WAIT");
	assert_int_equal(si[0].fd, -1);
	/* 2 MSL later it is gone */
	th_advance(&h, 1999000);
	assert_non_null(th_conn(&h, 80, 4001));
	th_advance(&h, 2000);
	assert_null(th_conn(&h, 80, 4001));
	assert_int_equal(ustack_sockets(h.st, si, 4), 0);
	th_free(&h);
}

/* TIME-WAIT and the peer's FIN again (our last ACK was lost): it is ACKed and the
 * 2 MSL wait starts over (RFC 9293 3.10.7.4, eighth); it is not counted as a drop. */
static void test_time_wait_fin_again(void **state)
{
	struct th h;
	struct th_peer pe;
	struct ustack_config cfg = { .tcp_msl_ms = 1000 };
	struct ustack_stats s0, s1;

	(void)state;
	th_init_cfg(&h, &cfg);
	int fd = th_passive_open(&h, 80, 4001, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4001);
	assert_int_equal(ustack_shutdown(h.st, fd, SHUT_WR), 0);
	assert_true(th_next(&h, &seg));                         /* our FIN */
	pe.rcv_nxt++;
	th_peer_send(&h, &pe, TCP_FIN | TCP_ACK, NULL, 0);      /* its ACK and FIN */
	assert_int_equal(c->state, TCPS_TIME_WAIT);
	assert_true(th_next(&h, &seg));                         /* the ACK that is "lost" */
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	ustack_close(h.st, fd);
	th_advance(&h, 1500000);
	ustack_get_stats(h.st, &s0);
	pe.snd_nxt--;                                            /* the same FIN again */
	th_peer_send(&h, &pe, TCP_FIN | TCP_ACK, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_ACK);
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	ustack_get_stats(h.st, &s1);
	for (int i = 0; i < USTACK_DROP_MAX; i++)
		assert_int_equal(s1.drops[i], s0.drops[i]);
	/* the wait started over at the retransmission: 2 MSL from there */
	th_advance(&h, 1999000);
	assert_non_null(th_conn(&h, 80, 4001));
	th_advance(&h, 2000);
	assert_null(th_conn(&h, 80, 4001));
	assert_int_equal(ustack_sockets(h.st, NULL, 0), 0);
	th_free(&h);
}

static void test_fin_ack_together(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4002, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4002);
	ustack_shutdown(h.st, fd, SHUT_WR);
	assert_true(th_next(&h, &seg));
	pe.rcv_nxt++;
	/* FIN-WAIT-1 with a FIN that also acknowledges ours: straight to TIME-WAIT */
	th_peer_send(&h, &pe, TCP_FIN | TCP_ACK, NULL, 0);
	assert_int_equal(c->state, TCPS_TIME_WAIT);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_ACK);
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	th_free(&h);
}

static void test_simultaneous_close(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4003, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4003);
	ustack_shutdown(h.st, fd, SHUT_WR);
	assert_true(th_next(&h, &seg));
	/* the peer's FIN crosses ours: it does not acknowledge our FIN */
	th_peer_send(&h, &pe, TCP_FIN | TCP_ACK, NULL, 0);
	assert_int_equal(c->state, TCPS_CLOSING);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	pe.rcv_nxt++;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(c->state, TCPS_TIME_WAIT);
	th_free(&h);
}

static void test_passive_close_half_close(void **state)
{
	struct th h;
	struct th_peer pe;
	char buf[64];

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4004, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4004);
	th_peer_send(&h, &pe, TCP_FIN | TCP_ACK | TCP_PSH, "bye", 3);
	assert_int_equal(c->state, TCPS_CLOSE_WAIT);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, pe.snd_nxt);            /* FIN acknowledged at once */
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 3);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 0);   /* end of stream */
	/* CLOSE-WAIT can still send */
	assert_int_equal(ustack_send(h.st, fd, "more", 4, 0), 4);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.len, 4);
	pe.rcv_nxt += 4;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	ustack_close(h.st, fd);
	assert_int_equal(c->state, TCPS_LAST_ACK);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_FIN | TCP_ACK);
	pe.rcv_nxt++;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_null(th_conn(&h, 80, 4004));                  /* CLOSED and freed */
	th_free(&h);
}

static void test_close_unread_rst(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4005, &pe, NULL, NULL);
	th_peer_send(&h, &pe, TCP_ACK | TCP_PSH, "unread", 6);
	th_flush(&h);
	uint64_t rst = h.st->stats.tcp_rst_out;
	ustack_close(h.st, fd);
	assert_true(th_next(&h, &seg));
	assert_true(seg.h.flags & TCP_RST);
	assert_int_equal(seg.h.seq, pe.rcv_nxt);
	assert_int_equal(h.st->stats.tcp_rst_out, rst + 1);
	assert_null(th_conn(&h, 80, 4005));
	th_free(&h);
}

static void test_linger_zero_rst(void **state)
{
	struct th h;
	struct th_peer pe;
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4006, &pe, NULL, NULL);
	assert_int_equal(ustack_setsockopt(h.st, fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
	ustack_close(h.st, fd);
	assert_true(th_next(&h, &seg));
	assert_true(seg.h.flags & TCP_RST);
	assert_null(th_conn(&h, 80, 4006));
	th_free(&h);
}

static void test_listener_close_resets_queue(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	int lfd = th_listen(&h, 81);
	struct tcp_repr r = th_hdr(4100, 81, 100, 0, TCP_SYN, 65535);
	th_inject(&h, &r, NULL, 0);
	assert_true(th_next(&h, &seg));
	r = th_hdr(4100, 81, 101, seg.h.seq + 1, TCP_ACK, 65535);
	th_inject(&h, &r, NULL, 0);
	r = th_hdr(4101, 81, 500, 0, TCP_SYN, 65535);   /* a second one stays half-open */
	th_inject(&h, &r, NULL, 0);
	th_flush(&h);
	assert_int_equal(th_conn(&h, 81, 4100)->state, TCPS_ESTABLISHED);
	assert_int_equal(th_conn(&h, 81, 4101)->state, TCPS_SYN_RECEIVED);
	ustack_close(h.st, lfd);
	assert_true(th_next(&h, &seg));
	assert_true(seg.h.flags & TCP_RST);
	assert_int_equal(seg.h.dport, 4100);
	assert_false(th_next(&h, &seg));
	assert_null(th_conn(&h, 81, 4100));
	assert_null(th_conn(&h, 81, 4101));
	assert_null(h.st->tcp->all);
	th_free(&h);
}

static void test_refused(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	int fd = th_connect(&h, 99);
	assert_true(th_next(&h, &seg));
	struct tcp_repr r = th_hdr(99, seg.h.sport, 0, seg.h.seq + 1, TCP_RST | TCP_ACK, 0);
	th_inject(&h, &r, NULL, 0);
	int err = 0;
	socklen_t l = sizeof(err);
	assert_int_equal(ustack_getsockopt(h.st, fd, SOL_SOCKET, SO_ERROR, &err, &l), 0);
	assert_int_equal(err, ECONNREFUSED);
	assert_string_equal(tcp_state_name(th_conn(&h, seg.h.sport, 99)), "CLOSE");
	th_free(&h);
}

static void test_connect_timeout(void **state)
{
	struct th h;
	uint64_t gaps[8];
	int n = 0;

	(void)state;
	th_init(&h);
	int fd = th_connect(&h, 99);
	assert_true(th_next(&h, &seg));
	uint64_t last = h.now;
	/* RFC 6298 2.1 and 5.5: 1 s, then doubling; 6 retries, then ETIMEDOUT */
	for (int i = 0; i < 200 && n < 8; i++) {
		th_advance_to_deadline(&h, 200000000);
		if (th_next(&h, &seg)) {
			assert_int_equal(seg.h.flags, TCP_SYN);
			gaps[n++] = h.now - last;
			last = h.now;
		}
		struct tcp_conn *c = th_conn(&h, seg.h.sport, 99);
		if (c->state == TCPS_CLOSED)
			break;
	}
	assert_int_equal(n, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(gaps[i], 1000000ull << i);
	int err = 0;
	socklen_t l = sizeof(err);
	assert_int_equal(ustack_getsockopt(h.st, fd, SOL_SOCKET, SO_ERROR, &err, &l), 0);
	assert_int_equal(err, ETIMEDOUT);
	/* the last wait is 64 s capped at the 60 s maximum RTO (RFC 6298 2.5) */
	assert_int_equal(h.now - TH_T0, 123000000);
	th_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passive_open),
		cmocka_unit_test(test_active_open_options),
		cmocka_unit_test(test_simultaneous_open),
		cmocka_unit_test(test_active_close),
		cmocka_unit_test(test_time_wait_fin_again),
		cmocka_unit_test(test_fin_ack_together),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_passive_close_half_close),
		cmocka_unit_test(test_close_unread_rst),
		cmocka_unit_test(test_linger_zero_rst),
		cmocka_unit_test(test_listener_close_resets_queue),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_connect_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
