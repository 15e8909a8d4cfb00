/* test_tcp_rfc.c - the rules of RFC 9293 section 3.10.7 one by one, with RFC 5961
 * (blind RST/SYN/data injection defences) and RFC 7323 (PAWS, timestamps required):
 * replies to segments that match nothing, LISTEN and SYN-SENT checks, unacceptable
 * segments, RST exact/in-window/out-of-window, SYN in a synchronized state, ACK of
 * unsent data, old duplicate ACKs, FIN processing (in and out of order), bad
 * checksums and headers, and option parsing edge cases through whole segments. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "unit/tcp_harness.h"
#include "tcp/tcp_syncookie.h"

static struct th_seg seg;

static uint64_t drops(struct th *h, enum ustack_drop d)
{
	return h->st->stats.drops[d];
}

/* 3.10.7.1: no connection. SYN -> <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>;
 * with ACK -> <SEQ=SEG.ACK><CTL=RST>; a RST gets nothing. */
static void test_closed_port(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	struct tcp_repr r = th_hdr(4000, 7, 100, 0, TCP_SYN, 1000);
	th_inject(&h, &r, "abc", 3);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_RST | TCP_ACK);
	assert_int_equal(seg.h.seq, 0);
	assert_int_equal(seg.h.ack, 104);                 /* SYN + 3 bytes */
	r = th_hdr(4000, 7, 100, 55555, TCP_ACK, 1000);
	th_inject(&h, &r, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_RST);
	assert_int_equal(seg.h.seq, 55555);
	r = th_hdr(4000, 7, 100, 55555, TCP_RST, 1000);
	th_inject(&h, &r, NULL, 0);
	assert_false(th_next(&h, &seg));
	assert_int_equal(drops(&h, USTACK_DROP_TCP_NO_SOCKET), 3);
	th_free(&h);
}

/* 3.10.7.2: LISTEN ignores RST, answers an ACK with RST, drops anything else. */
static void test_listen_rules(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	th_listen(&h, 80);
	struct tcp_repr r = th_hdr(4000, 80, 100, 0, TCP_RST, 1000);
	th_inject(&h, &r, NULL, 0);
	assert_false(th_next(&h, &seg));
	r = th_hdr(4000, 80, 100, 777, TCP_ACK, 1000);
	th_inject(&h, &r, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_RST);
	assert_int_equal(seg.h.seq, 777);
	r = th_hdr(4000, 80, 100, 0, TCP_FIN, 1000);
	th_inject(&h, &r, NULL, 0);
	assert_false(th_next(&h, &seg));
	assert_null(th_conn(&h, 80, 4000));
	th_free(&h);
}

/* 3.10.7.3: SYN-SENT. A bad ACK draws a RST; a RST without an acceptable ACK is
 * dropped; a segment with neither SYN nor RST is dropped. */
static void test_syn_sent_rules(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	th_connect(&h, 80);
	assert_true(th_next(&h, &seg));
	uint16_t lp = seg.h.sport;
	uint32_t iss = seg.h.seq;
	struct tcp_conn *c = th_conn(&h, lp, 80);
	struct tcp_repr r = th_hdr(80, lp, 900, iss + 10, TCP_SYN | TCP_ACK, 1000);
	th_inject(&h, &r, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_RST);
	assert_int_equal(seg.h.seq, iss + 10);
	assert_int_equal(c->state, TCPS_SYN_SENT);
	r = th_hdr(80, lp, 900, 0, TCP_RST, 0);
	th_inject(&h, &r, NULL, 0);
	assert_int_equal(c->state, TCPS_SYN_SENT);
	r = th_hdr(80, lp, 900, iss + 1, TCP_ACK, 1000);
	th_inject(&h, &r, NULL, 0);
	assert_int_equal(c->state, TCPS_SYN_SENT);
	assert_false(th_next(&h, &seg));
	/* Data on the SYN-ACK is taken. */
	r = th_hdr(80, lp, 900, iss + 1, TCP_SYN | TCP_ACK | TCP_PSH, 1000);
	th_inject(&h, &r, "hello", 5);
	assert_int_equal(c->state, TCPS_ESTABLISHED);
	assert_int_equal(c->rcvbuf.len, 5);
	assert_int_equal(c->rcv_nxt, 906);
	th_free(&h);
}

/* 3.10.7.4 first: an unacceptable segment draws <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
 * and is dropped. */
static void test_unacceptable_segment(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4001, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4001);
	struct tcp_repr r = th_hdr(4001, 80, pe.snd_nxt + 2000000, pe.rcv_nxt, TCP_ACK, 1000);
	th_inject(&h, &r, "far", 3);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_ACK);
	assert_int_equal(seg.h.seq, pe.rcv_nxt);
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	assert_int_equal(c->rcvbuf.len, 0);
	assert_int_equal(drops(&h, USTACK_DROP_TCP_OUT_OF_WINDOW), 1);
	/* an old duplicate (entirely before RCV.NXT) too */
	th_peer_send(&h, &pe, TCP_ACK, "abcd", 4);
	th_flush(&h);
	r = th_hdr(4001, 80, pe.snd_nxt - 4, pe.rcv_nxt, TCP_ACK, 1000);
	th_inject(&h, &r, "abcd", 4);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	char buf[16];
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 4);
	/* overlapping: the new part is kept, the old part trimmed */
	r = th_hdr(4001, 80, pe.snd_nxt - 2, pe.rcv_nxt, TCP_ACK, 1000);
	th_inject(&h, &r, "cdEF", 4);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 2);
	assert_memory_equal(buf, "EF", 2);
	th_free(&h);
}

/* RFC 5961 3.2: RST exactly at RCV.NXT resets; elsewhere in the window draws a
 * challenge ACK; outside the window it is dropped silently. */
static void test_rst_rules(void **state)
{
	struct th h;
	struct th_peer pe;
	char buf[8];

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4002, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4002);
	struct tcp_repr r = th_hdr(4002, 80, pe.snd_nxt + 100, 0, TCP_RST, 0);
	th_inject(&h, &r, NULL, 0);
	assert_int_equal(c->state, TCPS_ESTABLISHED);
	assert_true(th_next(&h, &seg));                      /* challenge ACK */
	assert_int_equal(seg.h.flags, TCP_ACK);
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	r = th_hdr(4002, 80, pe.snd_nxt + 5000000, 0, TCP_RST, 0);
	th_inject(&h, &r, NULL, 0);
	assert_int_equal(c->state, TCPS_ESTABLISHED);
	assert_false(th_next(&h, &seg));
	r = th_hdr(4002, 80, pe.snd_nxt, 0, TCP_RST, 0);
	th_inject(&h, &r, NULL, 0);
	assert_false(th_next(&h, &seg));
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 0);
	assert_int_equal(ustack_send(h.st, fd, "x", 1, MSG_NOSIGNAL), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(h.st->stats.tcp_rst_in, 1);
	th_free(&h);
}

/* RFC 5961 4.2: a SYN in a synchronized state, in window or not, draws a challenge
 * ACK and changes nothing. */
static void test_syn_in_window(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	th_passive_open(&h, 80, 4003, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4003);
	struct tcp_repr r = th_hdr(4003, 80, pe.snd_nxt + 10, 0, TCP_SYN, 1000);
	th_inject(&h, &r, NULL, 0);
	assert_int_equal(c->state, TCPS_ESTABLISHED);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_ACK);
	assert_int_equal(seg.h.seq, pe.rcv_nxt);
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	th_free(&h);
}

/* RFC 5961 7: challenge ACKs are rate limited (per second, stack-wide). */
static void test_challenge_ack_limit(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	th_passive_open(&h, 80, 4004, &pe, NULL, NULL);
	h.st->tcp->challenge_ack_limit = 5;
	for (int i = 0; i < 20; i++) {
		struct tcp_repr r = th_hdr(4004, 80, pe.snd_nxt + 1 + (uint32_t)i, 0, TCP_RST, 0);
		th_inject(&h, &r, NULL, 0);
	}
	int n = 0;
	while (th_next(&h, &seg))
		n++;
	assert_int_equal(n, 5);
	th_advance(&h, 1000001);
	struct tcp_repr r = th_hdr(4004, 80, pe.snd_nxt + 1, 0, TCP_RST, 0);
	th_inject(&h, &r, NULL, 0);
	assert_true(th_next(&h, &seg));
	th_free(&h);
}

/* RFC 5961 5.2 / RFC 9293: an ACK of data never sent draws an ACK and the segment is
 * dropped; an old duplicate ACK (SEG.ACK < SND.UNA, within MAX.SND.WND) is ignored but
 * the segment's text is taken; one older than that is dropped with an ACK. */
static void test_ack_rules(void **state)
{
	struct th h;
	struct th_peer pe;
	char buf[16];

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4005, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4005);
	struct tcp_repr r = th_hdr(4005, 80, pe.snd_nxt, pe.rcv_nxt + 1000, TCP_ACK, 1000);
	th_inject(&h, &r, "zz", 2);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_ACK);
	assert_int_equal(c->rcvbuf.len, 0);
	assert_int_equal(c->snd_una, pe.rcv_nxt);
	/* some data from the stack, acknowledged */
	assert_int_equal(ustack_send(h.st, fd, "0123456789", 10, 0), 10);
	assert_true(th_next(&h, &seg));
	pe.rcv_nxt += 10;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(c->snd_una, pe.rcv_nxt);
	/* an old ACK (5 bytes back) with data: ACK ignored, data kept */
	r = th_hdr(4005, 80, pe.snd_nxt, pe.rcv_nxt - 5, TCP_ACK, 1000);
	th_inject(&h, &r, "ok", 2);
	pe.snd_nxt += 2;
	assert_int_equal(c->snd_una, pe.rcv_nxt);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 2);
	/* far too old: dropped */
	r = th_hdr(4005, 80, pe.snd_nxt, pe.rcv_nxt - 200000, TCP_ACK, 1000);
	th_flush(&h);
	th_inject(&h, &r, "no", 2);
	assert_true(th_next(&h, &seg));
	assert_int_equal(c->rcvbuf.len, 0);
	th_free(&h);
}

/* Eighth step: a FIN ahead of a gap waits for the gap; a FIN at RCV.NXT ends the
 * stream once the data before it is read. */
static void test_fin_out_of_order(void **state)
{
	struct th h;
	struct th_peer pe;
	char buf[16];

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4006, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4006);
	struct tcp_repr r = th_hdr(4006, 80, pe.snd_nxt + 3, pe.rcv_nxt, TCP_ACK | TCP_FIN, 1000);
	th_inject(&h, &r, "def", 3);
	assert_int_equal(c->state, TCPS_ESTABLISHED);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, pe.snd_nxt);             /* a duplicate ACK */
	th_peer_send(&h, &pe, TCP_ACK, "abc", 3);
	assert_int_equal(c->state, TCPS_CLOSE_WAIT);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, pe.snd_nxt + 4);         /* abc def FIN */
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 6);
	assert_memory_equal(buf, "abcdef", 6);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 0);
	th_free(&h);
}

/* Bad checksums and malformed headers are dropped and counted; nothing answers. */
static void test_bad_segments(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	th_passive_open(&h, 80, 4007, &pe, NULL, NULL);
	struct tcp_repr r = th_hdr(4007, 80, pe.snd_nxt, pe.rcv_nxt, TCP_ACK, 1000);
	th_inject_raw(&h, &r, "bad", 3, false);
	assert_int_equal(drops(&h, USTACK_DROP_TCP_BAD_CSUM), 1);
	/* a data offset of 4 words */
	struct pkt *p = pkt_alloc(h.st, 20);
	uint8_t *b = pkt_put(p, 20);
	tcp_emit(&r, b);
	b[12] = 4 << 4;
	tcp_set_csum(b, 20, TH_PEER, TH_LOCAL);
	p->src = ip_addr_from_v4(TH_PEER);
	p->dst = ip_addr_from_v4(TH_LOCAL);
	tcp_input(h.st, p);
	assert_int_equal(drops(&h, USTACK_DROP_TCP_MALFORMED), 1);
	/* shorter than a header */
	p = pkt_alloc(h.st, 10);
	memset(pkt_put(p, 10), 0, 10);
	p->src = ip_addr_from_v4(TH_PEER);
	p->dst = ip_addr_from_v4(TH_LOCAL);
	tcp_input(h.st, p);
	assert_int_equal(drops(&h, USTACK_DROP_TCP_MALFORMED), 2);
	assert_false(th_next(&h, &seg));
	assert_int_equal(th_conn(&h, 80, 4007)->rcvbuf.len, 0);
	th_free(&h);
}

/* RFC 7323: PAWS drops a segment with an older timestamp (and ACKs); once agreed, a
 * segment without timestamps is dropped. */
static void test_paws(void **state)
{
	struct th h;
	struct th_peer pe;
	struct tcp_repr o = { .has_mss = true, .mss = 1460, .has_ts = true, .ts_val = 1000 };

	(void)state;
	th_init(&h);
	th_passive_open(&h, 80, 4008, &pe, &o, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4008);
	assert_true(c->flags & TF_TS_OK);
	pe.ts_val = 2000;
	th_peer_send(&h, &pe, TCP_ACK, "new", 3);
	assert_int_equal(c->ts_recent, 2000);
	th_flush(&h);
	pe.ts_val = 1500;                                     /* older: PAWS */
	th_peer_send(&h, &pe, TCP_ACK, "old", 3);
	pe.snd_nxt -= 3;
	assert_int_equal(c->rcvbuf.len, 3);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	assert_int_equal(seg.h.ts_ecr, 2000);
	pe.ts = false;                                        /* no timestamp at all */
	th_peer_send(&h, &pe, TCP_ACK, "nots", 4);
	pe.snd_nxt -= 4;
	assert_int_equal(c->rcvbuf.len, 3);
	assert_int_equal(drops(&h, USTACK_DROP_TCP_BAD_SEGMENT), 1);
	th_free(&h);
}

/* Options of the peer's SYN as whole segments: a wrong-length MSS is ignored (536
 * used), a window scale above 14 is taken as 14, unknown kinds are skipped, and an
 * option running past the header ends parsing but not the segment. */
static void test_syn_option_edges(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	th_listen(&h, 80);
	struct tcp_repr r = th_hdr(4100, 80, 1, 0, TCP_SYN, 65535);
	size_t hl = 20 + 20;
	struct pkt *p = pkt_alloc(h.st, hl);
	uint8_t *b = pkt_put(p, hl);
	tcp_emit(&r, b);
	b[12] = (uint8_t)((hl / 4) << 4);
	const uint8_t opts[20] = {
		2, 3, 5,                 /* MSS with length 3: ignored */
		3, 3, 20,                /* window scale 20: clamped to 14 */
		99, 4, 0xaa, 0xbb,       /* unknown: skipped */
		1, 1,                    /* NOPs */
		4, 2,                    /* SACK permitted */
		8, 10, 0, 0, 0, 7,       /* timestamp cut by the end of the header */
	};
	memcpy(b + 20, opts, sizeof(opts));
	tcp_set_csum(b, hl, TH_PEER, TH_LOCAL);
	p->src = ip_addr_from_v4(TH_PEER);
	p->dst = ip_addr_from_v4(TH_LOCAL);
	tcp_input(h.st, p);
	th_pump(&h);
	struct tcp_conn *c = th_conn(&h, 80, 4100);
	assert_non_null(c);
	assert_int_equal(c->mss_peer, 536);
	assert_int_equal(c->snd_wscale, 14);
	assert_true(c->flags & TF_WS_OK);
	assert_true(c->flags & TF_SACK_OK);
	assert_false(c->flags & TF_TS_OK);
	assert_true(th_next(&h, &seg));
	assert_true(seg.h.has_wscale);
	assert_true(seg.h.sack_perm);
	assert_false(seg.h.has_ts);
	th_free(&h);
}

/* A duplicate SYN in SYN-RECEIVED (our SYN,ACK was lost) gets the SYN,ACK again. */
static void test_dup_syn_in_syn_received(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	th_listen(&h, 80);
	struct tcp_repr r = th_hdr(4200, 80, 10, 0, TCP_SYN, 65535);
	th_inject(&h, &r, NULL, 0);
	assert_true(th_next(&h, &seg));
	uint32_t iss = seg.h.seq;
	th_inject(&h, &r, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(seg.h.seq, iss);
	/* A RST at RCV.NXT in SYN-RECEIVED (passive) just removes the child. */
	r = th_hdr(4200, 80, 11, 0, TCP_RST, 0);
	th_inject(&h, &r, NULL, 0);
	assert_null(th_conn(&h, 80, 4200));
	th_free(&h);
}

/* SYN queue and accept queue bounds (with SYN cookies off: a full queue drops SYNs;
 * test_tcp_syncookie covers the cookies). */
static void test_queue_bounds(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(80) };
	int fd = ustack_socket(h.st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ustack_bind(h.st, fd, (struct sockaddr *)&sin, sizeof(sin));
	ustack_listen(h.st, fd, 1);
	h.st->tcp->syn_queue_max = 3;
	h.st->tcp->syncookies = TCP_SYNCOOKIES_OFF;
	for (uint16_t i = 0; i < 5; i++) {
		struct tcp_repr r = th_hdr(5000 + i, 80, 100, 0, TCP_SYN, 65535);
		th_inject(&h, &r, NULL, 0);
	}
	assert_int_equal(drops(&h, USTACK_DROP_TCP_SYN_QUEUE_FULL), 2);
	th_flush(&h);
	th_free(&h);
}

/* ISNs (RFC 6528): different 4-tuples get unrelated ISNs; the same tuple later gets a
 * larger one (the 4 us clock). */
static void test_isn(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	struct ip_addr lo = ip_addr_from_v4(TH_LOCAL), pe = ip_addr_from_v4(TH_PEER);
	uint32_t a = tcp_isn(h.st, &lo, 80, &pe, 1000);
	uint32_t b = tcp_isn(h.st, &lo, 80, &pe, 1001);
	assert_int_not_equal(a, b);
	th_advance(&h, 4000);
	uint32_t a2 = tcp_isn(h.st, &lo, 80, &pe, 1000);
	assert_int_equal(a2 - a, 1000);
	th_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_port),
		cmocka_unit_test(test_listen_rules),
		cmocka_unit_test(test_syn_sent_rules),
		cmocka_unit_test(test_unacceptable_segment),
		cmocka_unit_test(test_rst_rules),
		cmocka_unit_test(test_syn_in_window),
		cmocka_unit_test(test_challenge_ack_limit),
		cmocka_unit_test(test_ack_rules),
		cmocka_unit_test(test_fin_out_of_order),
		cmocka_unit_test(test_bad_segments),
		cmocka_unit_test(test_paws),
		cmocka_unit_test(test_syn_option_edges),
		cmocka_unit_test(test_dup_syn_in_syn_received),
		cmocka_unit_test(test_queue_bounds),
		cmocka_unit_test(test_isn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
