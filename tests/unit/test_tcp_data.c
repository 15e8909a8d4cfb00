/* test_tcp_data.c - data transfer rules: segmentation by the effective MSS, Nagle and
 * TCP_NODELAY, MSG_MORE, sender and receiver silly-window avoidance, window updates,
 * window scaling, out-of-order data and the SACK blocks reporting it, fast retransmit
 * and NewReno recovery, SACK-driven retransmission, MSG_PEEK, buffer limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "unit/tcp_harness.h"

static struct th_seg seg;
static uint8_t big[200000];

static void fill_big(void)
{
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
}

/* Segments of min(peer MSS, our MTU - 40); IW = min(10 MSS, max(2 MSS, 14600)). */
static void test_segmentation_and_iw(void **state)
{
	struct th h;
	struct th_peer pe;
	struct tcp_repr o = { .has_mss = true, .mss = 536 };

	(void)state;
	fill_big();
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4000, &pe, &o, NULL);
	assert_int_equal(ustack_send(h.st, fd, big, 100000, 0), 100000);
	int n = 0;
	uint32_t seq = pe.rcv_nxt;
	while (th_next(&h, &seg)) {
		assert_int_equal(seg.len, 536);
		assert_int_equal(seg.h.seq, seq);
		assert_memory_equal(seg.data, big + (seq - pe.rcv_nxt), 536);
		seq += 536;
		n++;
	}
	assert_int_equal(n, 10);
	/* an ACK of two segments lets slow start send four more (2 per ACK + 2 freed) */
	pe.rcv_nxt += 2 * 536;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	n = 0;
	while (th_next(&h, &seg))
		n++;
	assert_int_equal(n, 4);
	th_free(&h);
}

/* Nagle (RFC 9293 3.7.4): while a small segment is unacknowledged the next small
 * one waits for the ACK; TCP_NODELAY sends it at once. */
static void test_nagle_nodelay(void **state)
{
	struct th h;
	struct th_peer pe;
	int one = 1;

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4001, &pe, NULL, NULL);
	ustack_send(h.st, fd, "a", 1, 0);
	assert_true(th_next(&h, &seg));                      /* nothing in flight: goes */
	ustack_send(h.st, fd, "b", 1, 0);
	ustack_send(h.st, fd, "c", 1, 0);
	assert_false(th_next(&h, &seg));                     /* held */
	pe.rcv_nxt += 1;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.len, 2);                        /* coalesced */
	assert_memory_equal(seg.data, "bc", 2);
	pe.rcv_nxt += 2;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	/* Minshall's form: full segments in flight do not hold a write's small tail,
	 * only an unacknowledged small segment does */
	static char big[1460 + 100];
	memset(big, 'x', sizeof(big));
	ustack_send(h.st, fd, big, sizeof(big), 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.len, 1460);
	assert_true(th_next(&h, &seg));                      /* the tail goes too */
	assert_int_equal(seg.len, 100);
	ustack_send(h.st, fd, "e", 1, 0);
	assert_false(th_next(&h, &seg));                     /* a small one is unacked */
	pe.rcv_nxt += 1460;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_false(th_next(&h, &seg));                     /* still: the tail is not */
	pe.rcv_nxt += 100;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.len, 1);
	pe.rcv_nxt += 1;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(ustack_setsockopt(h.st, fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	ustack_send(h.st, fd, "d", 1, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.len, 1);
	ustack_send(h.st, fd, "f", 1, 0);
	assert_true(th_next(&h, &seg));                      /* NODELAY: no waiting at all */
	assert_int_equal(seg.len, 1);
	th_free(&h);
}

/* MSG_MORE holds a partial segment until a send without it. */
static void test_msg_more(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4002, &pe, NULL, NULL);
	ustack_send(h.st, fd, "head", 4, MSG_MORE);
	assert_false(th_next(&h, &seg));
	ustack_send(h.st, fd, "tail", 4, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.len, 8);
	assert_true(seg.h.flags & TCP_PSH);
	th_free(&h);
}

/* Receiver SWS avoidance (RFC 9293 3.8.6.2.2): reading a little does not move the
 * right edge; reading a full segment's worth sends a window update. */
static void test_receiver_sws(void **state)
{
	struct th h;
	struct th_peer pe;
	int sz = 8192;
	char buf[8192];

	(void)state;
	fill_big();
	th_init(&h);
	int lfd = th_listen(&h, 81);
	assert_int_equal(ustack_setsockopt(h.st, lfd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)), 0);
	struct tcp_repr r = th_hdr(4003, 81, 1000, 0, TCP_SYN, 65535);
	r.has_mss = true;
	r.mss = 1460;
	th_inject(&h, &r, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.win, 8192);
	memset(&pe, 0, sizeof(pe));
	pe.lport = 81;
	pe.rport = 4003;
	pe.snd_nxt = 1001;
	pe.rcv_nxt = seg.h.seq + 1;
	pe.win = 65535;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	int fd = ustack_accept(h.st, lfd, NULL, NULL);
	/* fill the window: 5 x 1460 + 892 */
	for (int i = 0; i < 5; i++)
		th_peer_send(&h, &pe, TCP_ACK, big, 1460);
	th_peer_send(&h, &pe, TCP_ACK, big, 892);
	th_flush(&h);
	th_advance(&h, 50000);
	assert_true(th_next(&h, &seg) || true);
	struct tcp_conn *c = th_conn(&h, 81, 4003);
	assert_int_equal(tcp_rcv_window(c), 0);
	assert_int_equal(ustack_recv(h.st, fd, buf, 100, 0), 100);
	assert_false(th_next(&h, &seg));                     /* 100 bytes: no update */
	assert_int_equal(ustack_recv(h.st, fd, buf, 1400, 0), 1400);
	assert_true(th_next(&h, &seg));                      /* 1500 >= MSS: update */
	assert_int_equal(seg.h.win, 1500);
	/* a segment beyond the window is trimmed to it */
	th_peer_send(&h, &pe, TCP_ACK, big, 1460);
	th_peer_send(&h, &pe, TCP_ACK, big, 100);
	assert_int_equal(c->rcvbuf.len, 8192 - 1500 + 1460 + 40);
	th_free(&h);
}

/* Window scaling (RFC 7323): the peer's window field is shifted by its scale. */
static void test_window_scale(void **state)
{
	struct th h;
	struct th_peer pe;
	struct tcp_repr o = { .has_mss = true, .mss = 1460, .has_wscale = true, .wscale = 4 };

	(void)state;
	th_init(&h);
	th_passive_open(&h, 80, 4004, &pe, &o, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4004);
	pe.win = 1000;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(c->snd_wnd, 16000);
	/* no segment just to grow the 65535 of the SYN-ACK: the peer may not send that
	 * much before its first data is ACKed, and that ACK carries the full window */
	assert_false(th_next(&h, &seg));
	/* our own scale covers what auto-tuning may grow the buffer to: 6 MiB needs a
	 * shift of 7 (the buffer starts at 128 KiB) */
	assert_int_equal(c->rcv_wscale, 7);
	th_peer_send(&h, &pe, TCP_ACK, "x", 1);
	th_advance(&h, 40000);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	assert_int_equal(seg.h.win, 1023);              /* (128 KiB - 1 byte held) >> 7 */
	assert_int_equal((uint32_t)seg.h.win << 7, tcp_rcv_window(c) & ~127u);
	th_free(&h);
}

/* Out-of-order data is kept and reported in SACK blocks (RFC 2018), most recent
 * first; filling the gap delivers everything and is ACKed at once. */
static void test_ooo_sack(void **state)
{
	struct th h;
	struct th_peer pe;
	struct tcp_repr o = { .has_mss = true, .mss = 1460, .sack_perm = true };
	char buf[64];

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4005, &pe, &o, NULL);
	uint32_t base = pe.snd_nxt;
	struct tcp_repr r = th_hdr(4005, 80, base + 10, pe.rcv_nxt, TCP_ACK, 65535);
	th_inject(&h, &r, "KLMNOPQRST", 10);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, base);
	assert_int_equal(seg.h.n_sack, 1);
	assert_int_equal(seg.h.sack[0].left, base + 10);
	assert_int_equal(seg.h.sack[0].right, base + 20);
	r.seq = base + 30;
	th_inject(&h, &r, "0123456789", 10);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.n_sack, 2);
	assert_int_equal(seg.h.sack[0].left, base + 30);     /* the latest first */
	assert_int_equal(seg.h.sack[1].left, base + 10);
	r.seq = base;
	th_inject(&h, &r, "ABCDEFGHIJ", 10);
	assert_true(th_next(&h, &seg));                      /* gap filled: at once */
	assert_int_equal(seg.h.ack, base + 20);
	assert_int_equal(seg.h.n_sack, 1);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 20);
	assert_memory_equal(buf, "ABCDEFGHIJKLMNOPQRST", 20);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	r.seq = base + 20;
	th_inject(&h, &r, "uvwxyzabcd", 10);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, base + 40);
	assert_int_equal(seg.h.n_sack, 0);
	/* MSG_PEEK leaves the data */
	assert_int_equal(ustack_recv(h.st, fd, buf, 5, MSG_PEEK), 5);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 20);
	assert_memory_equal(buf, "uvwxyzabcd0123456789", 20);
	th_free(&h);
}

/* A broken peer: text out of order, then a FIN before it. The FIN ends the stream, so
 * the queued text is forgotten (counted as a drop), never read and never SACKed, and
 * the read side sees the data in order, then end of file. Found by fuzz_tcp. */
static void test_ooo_after_fin(void **state)
{
	struct th h;
	struct th_peer pe;
	struct tcp_repr o = { .has_mss = true, .mss = 1460, .sack_perm = true };
	struct ustack_stats s;
	char buf[64];

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4011, &pe, &o, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4011);
	uint32_t base = pe.snd_nxt;
	struct tcp_repr r = th_hdr(4011, 80, base + 6, pe.rcv_nxt, TCP_ACK, 65535);
	th_inject(&h, &r, "beyond", 6);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.n_sack, 1);
	assert_int_equal(c->ooo.n, 1);
	th_peer_send(&h, &pe, TCP_ACK, "hello", 5);
	th_peer_send(&h, &pe, TCP_FIN | TCP_ACK, NULL, 0);  /* FIN at base + 5 */
	assert_int_equal(c->state, TCPS_CLOSE_WAIT);
	assert_int_equal(c->ooo.n, 0);
	assert_int_equal(c->rcv_nxt, base + 6);
	th_flush(&h);
	ustack_get_stats(h.st, &s);
	assert_int_equal(s.drops[USTACK_DROP_TCP_AFTER_FIN], 1);
	/* the text again, now after the FIN: ignored in CLOSE-WAIT (RFC 9293 3.10.7.4) */
	r.seq = base + 6;
	th_inject(&h, &r, "beyond", 6);
	assert_false(th_next(&h, &seg));
	assert_int_equal(c->rcv_nxt, base + 6);
	assert_int_equal(c->ooo.n, 0);
	/* the ACK the application's close sends ends at the FIN and reports nothing past it */
	assert_int_equal(ustack_shutdown(h.st, fd, SHUT_WR), 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_FIN | TCP_ACK);
	assert_int_equal(seg.h.ack, base + 6);
	assert_int_equal(seg.h.n_sack, 0);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 0);
	th_free(&h);
}

/* A FIN seen ahead of a gap marks where the peer's stream ends: text queued past it is
 * forgotten, and text arriving later is taken in only up to it. */
static void test_ooo_fin_bounds_text(void **state)
{
	struct th h;
	struct th_peer pe;
	struct tcp_repr o = { .has_mss = true, .mss = 1460, .sack_perm = true };
	struct ustack_stats s;
	char buf[64];

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4012, &pe, &o, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4012);
	uint32_t base = pe.snd_nxt;
	struct tcp_repr r = th_hdr(4012, 80, base + 10, pe.rcv_nxt, TCP_ACK, 65535);
	th_inject(&h, &r, "past", 4);                         /* queued: base+10..14 */
	assert_int_equal(c->ooo.n, 1);
	r.seq = base + 8;
	r.flags = TCP_FIN | TCP_ACK;
	th_inject(&h, &r, NULL, 0);                           /* FIN at base+8 */
	assert_int_equal(c->ooo.n, 0);                        /* the queued text is past it */
	ustack_get_stats(h.st, &s);
	assert_int_equal(s.drops[USTACK_DROP_TCP_AFTER_FIN], 1);
	th_flush(&h);
	/* twelve bytes in order: only the eight before the FIN are taken, then the FIN */
	r.seq = base;
	r.flags = TCP_ACK;
	th_inject(&h, &r, "in order!!!!", 12);
	assert_int_equal(c->state, TCPS_CLOSE_WAIT);
	assert_int_equal(c->rcv_nxt, base + 9);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, base + 9);
	assert_int_equal(seg.h.n_sack, 0);
	ustack_get_stats(h.st, &s);
	assert_int_equal(s.drops[USTACK_DROP_TCP_AFTER_FIN], 2);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 8);
	assert_memory_equal(buf, "in order", 8);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 0);
	th_free(&h);
}

/* Three duplicate ACKs: fast retransmit of the first unacknowledged segment and
 * NewReno recovery (RFC 6582) without SACK. */
static void test_fast_retransmit_newreno(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	fill_big();
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4006, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4006);
	ustack_send(h.st, fd, big, 10 * 1460, 0);
	th_flush(&h);
	uint32_t una = pe.rcv_nxt;
	/* the first segment is lost; the next ones arrive and draw duplicate ACKs */
	for (int i = 0; i < 2; i++)
		th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(c->dupacks, 2);
	assert_false(c->flags & TF_RECOVERY);
	th_flush(&h);                                        /* limited transmit sends */
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_true(c->flags & TF_RECOVERY);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.seq, una);
	assert_int_equal(seg.len, 1460);
	assert_memory_equal(seg.data, big, 1460);
	assert_int_equal(h.st->stats.tcp_fast_retransmits, 1);
	th_flush(&h);
	/* partial ACK: the next hole goes at once */
	pe.rcv_nxt = una + 1460;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.seq, una + 1460);
	th_flush(&h);
	/* full ACK ends recovery */
	pe.rcv_nxt = c->snd_max;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_false(c->flags & TF_RECOVERY);
	assert_true(c->cwnd <= c->ssthresh);
	th_free(&h);
}

/* With SACK the holes below the highest SACKed byte are retransmitted first. */
static void test_sack_recovery(void **state)
{
	struct th h;
	struct th_peer pe;
	struct tcp_repr o = { .has_mss = true, .mss = 1460, .sack_perm = true };

	(void)state;
	fill_big();
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4007, &pe, &o, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4007);
	ustack_send(h.st, fd, big, 10 * 1460, 0);
	th_flush(&h);
	uint32_t una = pe.rcv_nxt;
	/* segments 0 and 3 lost: SACK 1-2 and 4-9 */
	struct tcp_repr r = th_hdr(4007, 80, pe.snd_nxt, una, TCP_ACK, 65535);
	r.n_sack = 2;
	r.sack[0].left = una + 4 * 1460;
	r.sack[0].right = una + 10 * 1460;
	r.sack[1].left = una + 1460;
	r.sack[1].right = una + 3 * 1460;
	for (int i = 0; i < 3; i++)
		th_inject(&h, &r, NULL, 0);
	assert_true(c->flags & TF_RECOVERY);
	bool saw0 = false, saw3 = false;
	while (th_next(&h, &seg)) {
		if (seg.h.seq == una)
			saw0 = true;
		else if (seg.h.seq == una + 3 * 1460)
			saw3 = true;
		else
			assert_true(seg.h.seq == c->snd_max - seg.len || seg.len == 0 ||
				    SEQ_GEQ(seg.h.seq, una + 10 * 1460));
	}
	assert_true(saw0);
	assert_true(saw3);
	th_free(&h);
}

/* A full send buffer: EAGAIN, and POLLOUT only once there is room again. */
static void test_send_buffer_limit(void **state)
{
	struct th h;
	struct th_peer pe;
	int sz = 4096;

	(void)state;
	fill_big();
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4008, &pe, NULL, NULL);
	assert_int_equal(ustack_setsockopt(h.st, fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)), 0);
	pe.win = 0;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(ustack_send(h.st, fd, big, 10000, MSG_DONTWAIT), 4096);
	assert_int_equal(ustack_send(h.st, fd, big, 10, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	assert_int_equal(ustack_poll(h.st, &p, 1, 0), 0);
	struct ustack_sockinfo si[2];
	assert_int_equal(ustack_sockets(h.st, si, 2), 1);
	assert_int_equal(si[0].send_q, 4096);
	pe.win = 65535;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	th_flush(&h);
	struct tcp_conn *c = th_conn(&h, 80, 4008);
	pe.rcv_nxt = c->snd_max;                     /* all that went (Nagle holds a tail) */
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(ustack_poll(h.st, &p, 1, 0), 1);
	th_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segmentation_and_iw),
		cmocka_unit_test(test_nagle_nodelay),
		cmocka_unit_test(test_msg_more),
		cmocka_unit_test(test_receiver_sws),
		cmocka_unit_test(test_window_scale),
		cmocka_unit_test(test_ooo_sack),
		cmocka_unit_test(test_ooo_after_fin),
		cmocka_unit_test(test_ooo_fin_bounds_text),
		cmocka_unit_test(test_fast_retransmit_newreno),
		cmocka_unit_test(test_sack_recovery),
		cmocka_unit_test(test_send_buffer_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
