/* test_tcp_dsack.c - D-SACK (RFC 2883) on the virtual clock, segment by segment.
 *
 * Receiver: a duplicate below RCV.NXT, a duplicate of out-of-order data held, and a
 * segment half old, half new are each reported once in the first SACK block of the
 * ACK they draw; the option bytes are checked against golden bytes. Sender: a D-SACK
 * for a retransmission widens RACK's reordering window (RFC 8985 6.2 step 4), and once
 * every retransmission of a recovery has been reported duplicate, the window reduction
 * is undone; one retransmission still unreported keeps it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "tcp_harness.h"
#include "tcp/tcp_rack.h"

static struct th_seg seg;

/* The TCP options of the next frame the stack sent (raw), without taking it. */
static size_t peek_opts(struct th *h, uint8_t *out, size_t cap)
{
	assert_true(h->dev->tx_n > 0);
	const struct th_frame *f = &h->dev->tx[h->dev->tx_head];
	const uint8_t *ip = f->data + ETH_HDR_LEN;
	const uint8_t *tcp = ip + (ip[0] & 15) * 4;
	size_t olen = (size_t)(tcp[12] >> 4) * 4 - TCP_HDR_LEN;

	assert_true(olen <= cap);
	memcpy(out, tcp + TCP_HDR_LEN, olen);
	return olen;
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* NOP NOP SACK with n blocks (RFC 2018 section 3's layout). */
static size_t golden_sack(uint8_t *b, const uint32_t *edges, unsigned n)
{
	b[0] = 1;
	b[1] = 1;
	b[2] = 5;
	b[3] = (uint8_t)(2 + 8 * n);
	for (unsigned i = 0; i < 2 * n; i++)
		put32(b + 4 + 4 * i, edges[i]);
	return 4 + 8 * n;
}

/* The next frame is an ACK of ack carrying exactly these SACK blocks. */
static void expect_ack_sack(struct th *h, uint32_t ack, const uint32_t *edges, unsigned n)
{
	uint8_t got[40], want[40];
	size_t gl = peek_opts(h, got, sizeof(got));
	size_t wl = golden_sack(want, edges, n);

	assert_int_equal(gl, wl);
	assert_memory_equal(got, want, wl);
	assert_true(th_next(h, &seg));
	assert_int_equal(seg.h.ack, ack);
	assert_int_equal(seg.h.n_sack, n);
}

static int open_sack(struct th *h, struct th_peer *pe, uint16_t rport)
{
	struct tcp_repr o = { .has_mss = true, .mss = 1000, .sack_perm = true };
	int fd = th_passive_open(h, 80, rport, pe, &o, NULL);

	assert_true(th_conn(h, 80, rport)->flags & TF_SACK_OK);
	return fd;
}

/* Resend [seq, seq + len) from the peer (a retransmission of its own). */
static void peer_resend(struct th *h, struct th_peer *pe, uint32_t seq, const char *data,
			size_t len)
{
	struct tcp_repr r = th_hdr(pe->rport, pe->lport, seq, pe->rcv_nxt, TCP_ACK, pe->win);

	th_inject(h, &r, data, len);
}

static void test_dsack_receiver(void **state)
{
	struct th h;
	struct th_peer pe;
	static char d[300];
	struct ustack_stats s;

	(void)state;
	memset(d, 'd', sizeof(d));
	th_init(&h);
	open_sack(&h, &pe, 4200);
	uint32_t b = pe.snd_nxt;

	/* 100 bytes in order, ACKed (delayed ACK) */
	th_peer_send(&h, &pe, TCP_ACK, d, 100);
	th_advance(&h, 50000);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, b + 100);
	assert_int_equal(seg.h.n_sack, 0);

	/* the same 100 again: an ACK at once with D-SACK [b, b+100) */
	peer_resend(&h, &pe, b, d, 100);
	uint32_t e1[] = { b, b + 100 };
	expect_ack_sack(&h, b + 100, e1, 1);
	assert_false(th_next(&h, &seg));

	/* out of order [b+200, b+300): an ordinary SACK */
	peer_resend(&h, &pe, b + 200, d, 100);
	uint32_t e2[] = { b + 200, b + 300 };
	expect_ack_sack(&h, b + 100, e2, 1);

	/* that again: D-SACK first, then the block holding it (RFC 2883 section 4) */
	peer_resend(&h, &pe, b + 200, d, 100);
	uint32_t e3[] = { b + 200, b + 300, b + 200, b + 300 };
	expect_ack_sack(&h, b + 100, e3, 2);

	/* [b+50, b+150): half old (D-SACK [b+50, b+100)), half new (taken: ACK b+150) */
	peer_resend(&h, &pe, b + 50, d, 100);
	uint32_t e4[] = { b + 50, b + 100, b + 200, b + 300 };
	expect_ack_sack(&h, b + 150, e4, 2);

	/* reported once: the next ACK has the out-of-order block only */
	peer_resend(&h, &pe, b + 150, d, 10);
	uint32_t e5[] = { b + 200, b + 300 };
	expect_ack_sack(&h, b + 160, e5, 1);

	ustack_get_stats(h.st, &s);
	assert_int_equal(s.tcp_dsack_sent, 3);
	th_free(&h);
}

/* Without SACK agreed there is no D-SACK (RFC 2883 section 4: only to SACK peers). */
static void test_dsack_needs_sack(void **state)
{
	struct th h;
	struct th_peer pe;
	static char d[100];

	(void)state;
	th_init(&h);
	th_passive_open(&h, 80, 4201, &pe, NULL, NULL);
	uint32_t b = pe.snd_nxt;
	th_peer_send(&h, &pe, TCP_ACK, d, 100);
	th_advance(&h, 50000);
	th_flush(&h);
	peer_resend(&h, &pe, b, d, 100);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, b + 100);
	assert_int_equal(seg.h.n_sack, 0);
	assert_int_equal(seg.h.hdr_len, TCP_HDR_LEN);
	th_free(&h);
}

/* A connection with SACK and SRTT = min_RTT = 10 ms, as in test_tcp_recovery. */
static int sack_conn(struct th *h, struct th_peer *pe, struct tcp_conn **cp, uint16_t rport)
{
	int fd = open_sack(h, pe, rport);
	struct tcp_conn *c = th_conn(h, 80, rport);
	static char buf[1000];

	assert_int_equal(ustack_send(h->st, fd, buf, 1000, 0), 1000);
	assert_true(th_next(h, &seg));
	th_advance(h, 10000);
	pe->rcv_nxt += 1000;
	th_peer_send(h, pe, TCP_ACK, NULL, 0);
	th_flush(h);
	c->srtt = 10000;
	c->rttvar = 2500;
	*cp = c;
	return fd;
}

/* An ACK from the peer: cumulative ack, SACK blocks given as edge pairs. */
static void peer_ack(struct th *h, struct th_peer *pe, uint32_t ack, const uint32_t *edges,
		     unsigned n)
{
	struct tcp_repr r = th_hdr(pe->rport, pe->lport, pe->snd_nxt, ack, TCP_ACK, pe->win);

	r.n_sack = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		r.sack[i].left = edges[2 * i];
		r.sack[i].right = edges[2 * i + 1];
	}
	th_inject(h, &r, NULL, 0);
}

/* Two holes retransmitted in one recovery; D-SACK for one keeps the reduction, for
 * both undoes it. The first D-SACK also widens the reordering window. */
static void test_dsack_undo(void **state)
{
	struct th h;
	struct th_peer pe;
	struct tcp_conn *c;
	static char buf[6000];
	struct ustack_stats s;

	(void)state;
	th_init(&h);
	int fd = sack_conn(&h, &pe, &c, 4202);
	uint32_t b = pe.rcv_nxt;
	assert_int_equal(ustack_send(h.st, fd, buf, 6000, 0), 6000);
	th_flush(&h);
	assert_int_equal(c->snd_max, b + 6000);
	th_advance(&h, 10000);
	assert_int_equal(tcp_rack_reo_wnd(c), 2500);    /* min_RTT / 4 */

	/* segments 2 and 4 missing: ACK 1, SACK 3 and 5-6 */
	uint32_t cwnd_before = c->cwnd, ssthresh_before = c->ssthresh;
	uint32_t sk[] = { b + 4000, b + 6000, b + 2000, b + 3000 };
	peer_ack(&h, &pe, b + 1000, sk, 2);
	assert_true(c->flags & TF_RECOVERY);
	assert_true(c->cwnd < cwnd_before);
	/* both holes go out again (PRR allows them, or the next ACK does) */
	int n = 0;
	while (th_next(&h, &seg))
		n += seg.len > 0;
	if (n < 2) {
		uint32_t sk2[] = { b + 4000, b + 6000, b + 2000, b + 3000 };
		peer_ack(&h, &pe, b + 1000, sk2, 2);
		while (th_next(&h, &seg))
			n += seg.len > 0;
	}
	assert_int_equal(n, 2);
	assert_int_equal(c->dsack_undo_retrans, 2000);
	uint32_t reduced = c->cwnd;

	/* the originals arrived late: everything ACKed, D-SACK for segment 2 only */
	th_advance(&h, 10000);
	uint32_t d1[] = { b + 1000, b + 2000 };
	peer_ack(&h, &pe, b + 6000, d1, 1);
	ustack_get_stats(h.st, &s);
	assert_int_equal(s.tcp_dsack_rcvd, 1);
	assert_int_equal(s.tcp_dsack_undo, 0);
	assert_int_equal(c->dsack_undo_retrans, 1000);
	assert_true(c->cwnd <= reduced + 2000);        /* not restored (recovery ended) */
	assert_true(c->cwnd < cwnd_before);
	/* RFC 8985 6.2 step 4: the window grew by one step */
	assert_int_equal(c->rack.reo_wnd_mult, 2);
	assert_true(c->rack.reordering_seen);
	assert_int_equal(tcp_rack_reo_wnd(c), 5000);

	/* the D-SACK for segment 4: every retransmission was a duplicate, undo */
	uint32_t d2[] = { b + 3000, b + 4000 };
	peer_ack(&h, &pe, b + 6000, d2, 1);
	ustack_get_stats(h.st, &s);
	assert_int_equal(s.tcp_dsack_rcvd, 2);
	assert_int_equal(s.tcp_dsack_undo, 1);
	assert_true(c->cwnd >= cwnd_before);
	assert_int_equal(c->ssthresh, ssthresh_before);
	assert_false(c->flags & TF_RECOVERY);
	/* SND.UNA had reached the end of the first D-SACK's round (everything ACKed):
	 * a new round, one more step */
	assert_int_equal(c->rack.reo_wnd_mult, 3);
	th_free(&h);
}

/* A first block above the ACK and not inside the second is an ordinary SACK. */
static void test_dsack_detection(void **state)
{
	struct th h;
	struct th_peer pe;
	struct tcp_conn *c;
	static char buf[4000];
	struct ustack_stats s;

	(void)state;
	th_init(&h);
	int fd = sack_conn(&h, &pe, &c, 4203);
	uint32_t b = pe.rcv_nxt;
	assert_int_equal(ustack_send(h.st, fd, buf, 4000, 0), 4000);
	th_flush(&h);
	th_advance(&h, 10000);
	uint32_t sk[] = { b + 3000, b + 4000, b + 1000, b + 2000 };
	peer_ack(&h, &pe, b + 0, sk, 2);                 /* two ordinary blocks */
	ustack_get_stats(h.st, &s);
	assert_int_equal(s.tcp_dsack_rcvd, 0);
	/* inside the second block: a D-SACK (RFC 2883 section 4.1.2's case) */
	uint32_t dk[] = { b + 1200, b + 1500, b + 1000, b + 2000 };
	peer_ack(&h, &pe, b + 0, dk, 2);
	ustack_get_stats(h.st, &s);
	assert_int_equal(s.tcp_dsack_rcvd, 1);
	assert_int_equal(c->rack.reo_wnd_mult, 2);
	/* another in the same round trip (SND.UNA still below its end): no new step */
	uint32_t dk2[] = { b + 3000, b + 3500, b + 3000, b + 4000 };
	peer_ack(&h, &pe, b + 0, dk2, 2);
	ustack_get_stats(h.st, &s);
	assert_int_equal(s.tcp_dsack_rcvd, 2);
	assert_int_equal(c->rack.reo_wnd_mult, 2);
	/* a block above the ACK and alone: an ordinary SACK (beyond what was sent) */
	uint32_t bad[] = { b + 9000, b + 9500 };
	peer_ack(&h, &pe, b + 4000, bad, 1);
	ustack_get_stats(h.st, &s);
	assert_int_equal(s.tcp_dsack_rcvd, 2);
	th_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dsack_receiver),
		cmocka_unit_test(test_dsack_needs_sack),
		cmocka_unit_test(test_dsack_undo),
		cmocka_unit_test(test_dsack_detection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
