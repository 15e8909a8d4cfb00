/* test_tcp_recovery.c - loss recovery on the virtual clock: Proportional Rate Reduction
 * against RFC 6937's example, CUBIC's window against RFC 9438's equations, RACK's
 * reordering window and the Tail Loss Probe (RFC 8985), persist intervals doubling from
 * the first probe, TCP_CONGESTION. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <netinet/tcp.h>

#include "tcp_harness.h"
#include "tcp/tcp_cubic.h"
#include "tcp/tcp_rack.h"

static struct th_seg seg;

/* RFC 6937 section 3's example: 20 segments in flight, one lost, Reno's ssthresh of 10:
 * PRR sends one segment for every two delivered, so that when recovery ends the flight
 * is ssthresh (10 segments sent for 20 delivered). */
static void test_prr_proportional(void **state)
{
	struct tcp_rack r = { 0 };
	const uint32_t mss = 1000, ssthresh = 10 * mss;
	uint32_t pipe = 19 * mss;                 /* 20 sent, 1 deemed lost */
	unsigned sent = 0;

	(void)state;
	tcp_prr_start(&r, 20 * mss);
	for (int k = 1; k <= 19; k++) {
		pipe -= mss;                          /* one segment delivered */
		int64_t sndcnt = tcp_prr_ack(&r, mss, pipe, ssthresh, mss);
		/* odd ACKs allow half a segment (sent whole), even ACKs nothing, until pipe
		 * reaches ssthresh (then PRR-SSRB keeps it there) */
		if (k <= 16)
			assert_int_equal(sndcnt, (k % 2) ? 500 : 0);
		if (sndcnt > 0) {
			r.prr_out += mss;
			pipe += mss;
			sent++;
		}
	}
	assert_int_equal(sent, 10);
	assert_int_equal(pipe, ssthresh);
}

/* PRR-SSRB (RFC 6937 section 3): below ssthresh (heavy loss) the window grows back as
 * in slow start: what was delivered plus one segment, at most up to ssthresh. */
static void test_prr_slow_start_reduction(void **state)
{
	struct tcp_rack r = { 0 };
	const uint32_t mss = 1000;

	(void)state;
	tcp_prr_start(&r, 20 * mss);
	assert_int_equal(tcp_prr_ack(&r, 1 * mss, 4 * mss, 10 * mss, mss), 2 * mss);
	r.prr_out += 2 * mss;
	/* two segments delivered at once: 2 + 1 */
	assert_int_equal(tcp_prr_ack(&r, 2 * mss, 4 * mss, 10 * mss, mss), 3 * mss);
	r.prr_out += 3 * mss;
	/* never beyond ssthresh - pipe */
	assert_int_equal(tcp_prr_ack(&r, 5 * mss, 9 * mss, 10 * mss, mss), 1 * mss);
}

/* RFC 9438 eq. 1 and 2: W_cubic(t) = C (t - K)^3 + W_max, K = cbrt((W_max - cwnd_epoch)/C).
 * W_max 100 segments, epoch at 70 (beta 0.7): K = cbrt(75) s; concave below K
 * (growth slowing towards W_max), flat at K, convex beyond. */
static void test_cubic_window(void **state)
{
	struct tcp_cc_state s;
	const uint32_t mss = 1000;

	(void)state;
	tcp_cubic_init(&s);
	assert_int_equal(tcp_cubic_loss(&s, 100 * mss, mss), 70 * mss);
	assert_int_equal(s.w_max, 100 * mss);
	s.k = tcp_cubic_k(s.w_max, 70 * mss, mss);
	double k = cbrt(30.0 / 0.4);
	assert_true(fabs(s.k - k) < 1e-9);
	assert_true(fabs(tcp_cubic_w(&s, 0, mss) - 70 * mss) < 1e-6);
	assert_true(fabs(tcp_cubic_w(&s, k, mss) - 100 * mss) < 1e-6);
	assert_true(fabs(tcp_cubic_w(&s, 2 * k, mss) - 130 * mss) < 1e-6);
	/* concave: 7/8 of the way in the first half, 1/8 in the second */
	double first = tcp_cubic_w(&s, k / 2, mss) - tcp_cubic_w(&s, 0, mss);
	double second = tcp_cubic_w(&s, k, mss) - tcp_cubic_w(&s, k / 2, mss);
	assert_true(fabs(first - 0.4 * k * k * k * 7 / 8 * mss) < 1e-6);
	assert_true(fabs(second - 0.4 * k * k * k / 8 * mss) < 1e-6);
	/* convex: the mirror image */
	double third = tcp_cubic_w(&s, 1.5 * k, mss) - tcp_cubic_w(&s, k, mss);
	double fourth = tcp_cubic_w(&s, 2 * k, mss) - tcp_cubic_w(&s, 1.5 * k, mss);
	assert_true(fabs(third - second) < 1e-6 && fabs(fourth - first) < 1e-6);

	/* 4.4: an ACK moves cwnd by (W_cubic(t + RTT) - cwnd) / cwnd per segment acked */
	uint64_t t0 = 5000000;
	uint32_t cw = tcp_cubic_ack(&s, t0, 70 * mss, mss, 100000, mss);   /* epoch starts */
	double target = tcp_cubic_w(&s, 0.1, mss);
	double want = 70.0 * mss + (target - 70.0 * mss) / (70.0 * mss) * mss;
	assert_true(fabs((double)cw - want) <= 1.0);
	/* at t = K the window has come back to W_max (ACKs all along) */
	uint32_t w = cw;
	for (uint64_t t = t0; t <= t0 + (uint64_t)(k * 1e6); t += 1000)
		w = tcp_cubic_ack(&s, t, w, 100, 100000, mss);
	assert_true(w > 95 * mss && w < 106 * mss);
}

/* RFC 9438 4.7 fast convergence, and 4.3's Reno-friendly region. */
static void test_cubic_fast_convergence(void **state)
{
	struct tcp_cc_state s;
	const uint32_t mss = 1000;

	(void)state;
	tcp_cubic_init(&s);
	tcp_cubic_loss(&s, 100 * mss, mss);
	assert_int_equal(s.w_last_max, 100 * mss);
	/* a loss below the last W_max: W_max = cwnd (1 + beta) / 2 */
	assert_int_equal(tcp_cubic_loss(&s, 80 * mss, mss), 56 * mss);
	assert_int_equal(s.w_last_max, 80 * mss);
	assert_int_equal(s.w_max, 68 * mss);
	/* above it: W_max = cwnd */
	tcp_cubic_loss(&s, 90 * mss, mss);
	assert_int_equal(s.w_max, 90 * mss);
	/* Reno-friendly region (4.3): early in an epoch (t ~ 0, a 1 us RTT) W_cubic stays at
	 * cwnd and W_est leads: alpha = 3 (1 - 0.7) / 1.7 segments per window acknowledged
	 * while W_est < W_max ... */
	tcp_cubic_init(&s);
	s.w_max = 20 * mss;
	uint32_t cw = 10 * mss;
	for (int i = 0; i < 10; i++)
		cw = tcp_cubic_ack(&s, 1000000 + (uint64_t)i, cw, mss, 1, mss);
	double alpha = 3.0 * 0.3 / 1.7;
	assert_true(cw >= (uint32_t)(10 * mss + 0.95 * alpha * mss));
	assert_true(cw <= (uint32_t)(10 * mss + 1.05 * alpha * mss));
	/* ... and one segment per window (Reno's pace) once W_est has reached W_max */
	tcp_cubic_init(&s);
	s.w_max = 10 * mss;
	cw = 10 * mss;
	for (int i = 0; i < 10; i++)
		cw = tcp_cubic_ack(&s, 1000000 + (uint64_t)i, cw, mss, 1, mss);
	assert_true(cw >= (uint32_t)(10.95 * mss) && cw <= 11 * mss);
}

/* HyStart++ (RFC 9406): rounds whose minimum RTT grows by the threshold enter
 * conservative slow start (growth / 4); CSS_ROUNDS of it end slow start. */
static void test_hystart(void **state)
{
	struct tcp_cc_state s;
	bool exit_ss = false;
	uint32_t seq = 1000;

	(void)state;
	tcp_cubic_init(&s);
	/* round 1: 10 ms */
	tcp_hystart_ack(&s, seq, seq + 10000, 2000, &exit_ss);
	for (int i = 0; i < 8; i++)
		tcp_hystart_rtt(&s, 10000);
	assert_int_equal(tcp_hystart_ack(&s, seq + 10000, seq + 30000, 2000, &exit_ss), 2000);
	/* round 2: 15 ms (>= 10 + max(4, 10/8) ms): CSS */
	for (int i = 0; i < 8; i++)
		tcp_hystart_rtt(&s, 15000);
	assert_int_equal(tcp_hystart_ack(&s, seq + 20000, seq + 30000, 2000, &exit_ss), 500);
	assert_true(s.in_css);
	assert_false(exit_ss);
	uint32_t end = seq + 30000;
	for (unsigned r = 0; r < HYSTART_CSS_ROUNDS && !exit_ss; r++) {
		for (int i = 0; i < 8; i++)
			tcp_hystart_rtt(&s, 15000);
		tcp_hystart_ack(&s, end, end + 10000, 2000, &exit_ss);
		end += 10000;
	}
	assert_true(exit_ss);
}

/* A connection with SACK and an RTT of 10 ms learnt: the stack sends `n` segments. */
static int sack_conn(struct th *h, struct th_peer *pe, struct tcp_conn **cp, uint16_t rport)
{
	struct tcp_repr o = { .has_mss = true, .mss = 1000, .sack_perm = true };
	int fd = th_passive_open(h, 80, rport, pe, &o, NULL);
	struct tcp_conn *c = th_conn(h, 80, rport);
	static char buf[1000];

	assert_true(c->flags & TF_SACK_OK);
	/* one exchange so that SRTT and min_RTT are 10 ms */
	assert_int_equal(ustack_send(h->st, fd, buf, 1000, 0), 1000);
	assert_true(th_next(h, &seg));
	th_advance(h, 10000);
	pe->rcv_nxt += 1000;
	th_peer_send(h, pe, TCP_ACK, NULL, 0);
	th_flush(h);
	assert_int_equal(c->rack.min_rtt, 10000);
	/* the handshake's sample was 0 us on this clock: set SRTT as 10 ms exchanges would */
	c->srtt = 10000;
	c->rttvar = 2500;
	*cp = c;
	return fd;
}

/* RFC 8985 6.2: a segment SACKed above a hole makes the hole lost only once the
 * reordering window (min_RTT / 4) has passed after RACK.rtt; the reorder timer then
 * retransmits it, with no timeout. */
static void test_rack_reordering_window(void **state)
{
	struct th h;
	struct th_peer pe;
	struct tcp_conn *c;
	static char buf[4000];

	(void)state;
	th_init(&h);
	int fd = sack_conn(&h, &pe, &c, 4100);
	uint32_t base = pe.rcv_nxt;
	assert_int_equal(ustack_send(h.st, fd, buf, 4000, 0), 4000);
	th_flush(&h);
	assert_int_equal(c->snd_max, base + 4000);      /* all four went at once */
	uint64_t t0 = h.now;
	th_advance(&h, 10000);
	/* the peer got the first and third: ACK 1, SACK 3 */
	struct tcp_repr r = th_hdr(pe.rport, pe.lport, pe.snd_nxt, base + 1000, TCP_ACK, pe.win);
	r.n_sack = 1;
	r.sack[0].left = base + 2000;
	r.sack[0].right = base + 3000;
	th_inject(&h, &r, NULL, 0);
	assert_false(th_next(&h, &seg));                 /* may be reordering: wait */
	assert_int_equal(tcp_rack_reo_wnd(c), 2500);
	assert_true(tcp_timer_on(c, TT_RACK));
	assert_int_equal(c->deadline[TT_RACK], t0 + 10000 + 2500);
	th_advance(&h, 2499);
	assert_false(th_next(&h, &seg));
	th_advance(&h, 1);
	assert_true(th_next(&h, &seg));                  /* RACK: the second is lost */
	assert_int_equal(seg.h.seq, base + 1000);
	assert_int_equal(seg.len, 1000);
	struct ustack_stats s;
	ustack_get_stats(h.st, &s);
	assert_int_equal(s.tcp_rack_lost, 1);
	assert_int_equal(s.tcp_timeouts, 0);
	assert_true(c->flags & TF_RECOVERY);
	th_free(&h);
}

/* RFC 8985 7: the tail of a flight goes unanswered: one probe after PTO = 2 SRTT (plus
 * the delayed-ACK allowance with one segment out), then only the RTO. */
static void test_tail_loss_probe(void **state)
{
	struct th h;
	struct th_peer pe;
	struct tcp_conn *c;
	static char buf[3000];

	(void)state;
	th_init(&h);
	int fd = sack_conn(&h, &pe, &c, 4101);
	assert_int_equal(ustack_send(h.st, fd, buf, 3000, 0), 3000);
	for (int i = 0; i < 3; i++)
		assert_true(th_next(&h, &seg));
	uint32_t last = seg.h.seq;
	uint64_t t0 = h.now;
	assert_true(tcp_timer_on(c, TT_TLP));
	assert_int_equal(c->deadline[TT_TLP], t0 + 2 * c->srtt);
	th_advance_to_deadline(&h, 1000000);
	assert_int_equal(h.now, t0 + 2 * c->srtt);
	assert_true(th_next(&h, &seg));                  /* the probe: the last segment */
	assert_int_equal(seg.h.seq, last);
	assert_false(th_next(&h, &seg));
	struct ustack_stats s;
	ustack_get_stats(h.st, &s);
	assert_int_equal(s.tcp_tlp_probes, 1);
	assert_int_equal(s.tcp_timeouts, 0);
	/* no second probe: the next thing sent is the retransmission timeout's (other
	 * deadlines, such as the idle-ring one, may come first and send nothing) */
	for (int i = 0; i < 16 && h.dev->tx_n == 0; i++)
		th_advance_to_deadline(&h, 10000000);
	assert_true(th_next(&h, &seg));
	ustack_get_stats(h.st, &s);
	assert_int_equal(s.tcp_tlp_probes, 1);
	assert_int_equal(s.tcp_timeouts, 1);
	assert_true(h.now - t0 >= 200000);
	th_free(&h);
}

/* RFC 9293 3.8.6.1 / RFC 6298-style backoff: the persist interval doubles from the
 * first probe on (the floor applies before the shift). */
static void test_persist_doubles(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4102, &pe, NULL, NULL);
	pe.win = 0;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(ustack_send(h.st, fd, "abc", 3, 0), 3);
	assert_false(th_next(&h, &seg));
	uint64_t t = h.now, prev = 0;
	for (int i = 0; i < 5; i++) {
		th_advance_to_deadline(&h, 100000000);
		assert_true(th_next(&h, &seg));
		assert_int_equal(seg.len, 1);
		uint64_t gap = h.now - t;
		if (i > 0)
			assert_int_equal(gap, 2 * prev);
		prev = gap;
		t = h.now;
		th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
		assert_false(th_next(&h, &seg));
	}
	th_free(&h);
}

/* TCP_CONGESTION: "cubic" by default, "reno" selectable, unknown names refused. */
static void test_congestion_option(void **state)
{
	struct th h;
	char name[16];
	socklen_t len = sizeof(name);

	(void)state;
	th_init(&h);
	int fd = ustack_socket(h.st, AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(ustack_getsockopt(h.st, fd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
	assert_string_equal(name, "cubic");
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4), 0);
	len = sizeof(name);
	assert_int_equal(ustack_getsockopt(h.st, fd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
	assert_string_equal(name, "reno");
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_CONGESTION, "bbr9", 4), -1);
	assert_int_equal(errno, ENOENT);
	ustack_close(h.st, fd);
	th_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prr_proportional),
		cmocka_unit_test(test_prr_slow_start_reduction),
		cmocka_unit_test(test_cubic_window),
		cmocka_unit_test(test_cubic_fast_convergence),
		cmocka_unit_test(test_hystart),
		cmocka_unit_test(test_rack_reordering_window),
		cmocka_unit_test(test_tail_loss_probe),
		cmocka_unit_test(test_persist_doubles),
		cmocka_unit_test(test_congestion_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
