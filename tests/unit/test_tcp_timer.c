/* test_tcp_timer.c - the timers: RFC 6298 (first and later RTT samples, the RTO
 * formula, minimum RTO, exponential backoff, Karn's algorithm, ETIMEDOUT after the
 * retry limit with a recorded ICMP soft error), zero-window probing with backoff
 * (RFC 9293 3.8.6.1), keep-alive (RFC 1122 4.2.3.6), delayed ACKs (RFC 9293 3.8.6.3),
 * the orphaned FIN-WAIT-2 bound. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "unit/tcp_harness.h"
#include "wire/icmp.h"
#include "net/proto.h"

static struct th_seg seg;

/* Active open with the SYN-ACK 50 ms after the SYN: the first sample. */
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

static void test_rtt_samples(void **state)
{
	struct th h;
	struct th_peer pe;
	struct ustack_config cfg = { .tcp_min_rto_ms = 10 };

	(void)state;
	th_init_cfg(&h, &cfg);
	int fd = open_with_rtt(&h, &pe, 50000);
	struct tcp_conn *c = th_conn(&h, pe.lport, 80);
	/* 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR */
	assert_int_equal(c->srtt, 50000);
	assert_int_equal(c->rttvar, 25000);
	assert_int_equal(c->rto, 150000);
	/* 2.3 with R' = 90 ms */
	ustack_send(h.st, fd, "x", 1, 0);
	assert_true(th_next(&h, &seg));
	th_advance(&h, 90000);
	pe.rcv_nxt += 1;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(c->rttvar, 28750);
	assert_int_equal(c->srtt, 55000);
	assert_int_equal(c->rto, 170000);
	th_free(&h);
}

static void test_min_rto(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);                                 /* default minimum: 200 ms */
	open_with_rtt(&h, &pe, 1000);
	struct tcp_conn *c = th_conn(&h, pe.lport, 80);
	assert_int_equal(c->rto, 200000);
	th_free(&h);
}

static void test_backoff_and_karn(void **state)
{
	struct th h;
	struct th_peer pe;
	struct ustack_config cfg = { .tcp_min_rto_ms = 10 };

	(void)state;
	th_init_cfg(&h, &cfg);
	int fd = open_with_rtt(&h, &pe, 50000);
	struct tcp_conn *c = th_conn(&h, pe.lport, 80);
	ustack_send(h.st, fd, "data", 4, 0);
	assert_true(th_next(&h, &seg));
	uint32_t seq = seg.h.seq;
	uint64_t t = h.now;
	/* 5.5: each timeout doubles; the same bytes go again */
	uint64_t want = 150000;
	for (int i = 0; i < 4; i++) {
		th_advance(&h, want - 1);
		assert_false(th_next(&h, &seg));
		th_advance(&h, 1);
		assert_true(th_next(&h, &seg));
		assert_int_equal(seg.h.seq, seq);
		assert_int_equal(seg.len, 4);
		assert_int_equal(h.now - t, want);
		t = h.now;
		want *= 2;
	}
	assert_int_equal(c->rxtshift, 4);
	assert_int_equal(h.st->stats.tcp_retransmits, 4);
	/* Karn: the ACK of a retransmitted segment gives no sample */
	th_advance(&h, 1000);
	pe.rcv_nxt += 4;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(c->srtt, 50000);
	assert_int_equal(c->rxtshift, 0);
	/* RFC 5681 3.1: the timeout set ssthresh to max(FlightSize/2, 2*SMSS) and cwnd to
	 * one segment, which slow start has since grown by the 4 bytes acknowledged */
	assert_int_equal(c->ssthresh, 2920);
	assert_int_equal(c->cwnd, 1464);
	th_free(&h);
}

static void test_data_timeout_soft_error(void **state)
{
	struct th h;
	struct th_peer pe;
	char buf[4];

	(void)state;
	th_init(&h);
	int fd = open_with_rtt(&h, &pe, 1000);
	h.st->tcp->data_retries = 3;
	ustack_send(h.st, fd, "data", 4, 0);
	assert_true(th_next(&h, &seg));
	/* A host-unreachable ICMP about our segment: soft, kept for later. */
	uint8_t q[28];
	struct ipv4_repr ip = { .hdr_len = 20, .total_len = 44, .ttl = 64, .proto = IP_PROTO_TCP,
				.src = TH_LOCAL, .dst = TH_PEER };
	ipv4_emit(&ip, q);
	be16_put(q + 20, pe.lport);
	be16_put(q + 22, 80);
	be32_put(q + 24, seg.h.seq);
	struct ip_err e;
	assert_int_equal(ip_err_parse4(ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, q, sizeof(q), &e), 0);
	tcp_icmp_error(h.st, &e);
	struct tcp_conn *c = th_conn(&h, pe.lport, 80);
	assert_int_equal(c->state, TCPS_ESTABLISHED);
	for (int i = 0; i < 50 && c->state != TCPS_CLOSED; i++)
		th_advance_to_deadline(&h, 100000000);
	assert_int_equal(c->state, TCPS_CLOSED);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EHOSTUNREACH);
	th_free(&h);
}

/* RFC 9293 3.8.6.1: a zero window is probed by the persist timer, with backoff,
 * until it opens; the connection is not given up while probes are answered. */
static void test_zero_window_probe(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4000, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4000);
	pe.win = 0;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(c->snd_wnd, 0);
	assert_int_equal(ustack_send(h.st, fd, "abcdef", 6, 0), 6);
	assert_false(th_next(&h, &seg));                    /* nothing into a zero window */
	uint64_t t = h.now, prev = 0;
	for (int i = 0; i < 6; i++) {
		th_advance_to_deadline(&h, 100000000);
		assert_true(th_next(&h, &seg));
		assert_int_equal(seg.len, 1);                    /* a one-byte probe */
		assert_int_equal(seg.h.seq, pe.rcv_nxt);
		assert_int_equal(seg.data[0], 'a');
		uint64_t gap = h.now - t;
		if (i > 0)
			assert_true(gap >= prev);                  /* backs off */
		prev = gap;
		t = h.now;
		th_peer_send(&h, &pe, TCP_ACK, NULL, 0);         /* still zero */
		assert_false(th_next(&h, &seg));
	}
	assert_int_equal(c->state, TCPS_ESTABLISHED);
	pe.win = 1000;                                       /* opens */
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.len, 6);
	assert_int_equal(seg.h.seq, pe.rcv_nxt);
	th_free(&h);
}

/* RFC 1122 4.2.3.6 with TCP_KEEPIDLE/INTVL/CNT. */
static void test_keepalive(void **state)
{
	struct th h;
	struct th_peer pe;
	int one = 1, idle = 10, intvl = 2, cnt = 3;

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4001, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4001);
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)), 0);
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)), 0);
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)), 0);
	assert_int_equal(ustack_setsockopt(h.st, fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)), 0);
	uint64_t start = h.now;
	th_advance(&h, 9999999);
	assert_false(th_next(&h, &seg));
	th_advance(&h, 1);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.seq, pe.rcv_nxt - 1);      /* SEG.SEQ = SND.NXT - 1 */
	assert_int_equal(seg.len, 0);
	assert_int_equal(h.now - start, 10000000);
	/* answered: idle again from here */
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	start = h.now;
	for (int i = 0; i < 10 && !th_pending(&h); i++)
		th_advance_to_deadline(&h, 100000000);
	assert_true(th_next(&h, &seg));
	assert_int_equal(h.now - start, 10000000);
	/* unanswered: probes every 2 s, after 3 the connection is dropped with a RST */
	int probes = 1;
	while (c->state != TCPS_CLOSED) {
		th_advance_to_deadline(&h, 100000000);
		while (th_next(&h, &seg)) {
			if (seg.h.flags & TCP_RST)
				continue;
			probes++;
		}
	}
	assert_int_equal(probes, 3);
	char b;
	assert_int_equal(ustack_recv(h.st, fd, &b, 1, 0), -1);
	assert_int_equal(errno, ETIMEDOUT);
	th_free(&h);
}

/* RFC 9293 3.8.6.3 / RFC 5681 4.2: one segment is ACKed after the delayed-ACK time;
 * the second full segment is ACKed at once. */
static void test_delayed_ack(void **state)
{
	struct th h;
	struct th_peer pe;
	static uint8_t big[1460];

	(void)state;
	th_init(&h);
	th_passive_open(&h, 80, 4002, &pe, NULL, NULL);
	th_peer_send(&h, &pe, TCP_ACK, "a", 1);
	assert_false(th_next(&h, &seg));
	th_advance(&h, 39999);
	assert_false(th_next(&h, &seg));
	th_advance(&h, 1);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	th_peer_send(&h, &pe, TCP_ACK, big, sizeof(big));
	assert_false(th_next(&h, &seg));
	th_peer_send(&h, &pe, TCP_ACK, big, sizeof(big));
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	th_free(&h);
}

/* An orphaned connection in FIN-WAIT-2 does not wait forever for the peer's FIN. */
static void test_fin_wait_2_bound(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4003, &pe, NULL, NULL);
	h.st->tcp->fin_timeout = 5000000;
	ustack_close(h.st, fd);
	assert_true(th_next(&h, &seg));
	pe.rcv_nxt++;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(th_conn(&h, 80, 4003)->state, TCPS_FIN_WAIT_2);
	th_advance(&h, 5000000);
	assert_null(th_conn(&h, 80, 4003));
	th_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtt_samples),
		cmocka_unit_test(test_min_rto),
		cmocka_unit_test(test_backoff_and_karn),
		cmocka_unit_test(test_data_timeout_soft_error),
		cmocka_unit_test(test_zero_window_probe),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_delayed_ack),
		cmocka_unit_test(test_fin_wait_2_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
