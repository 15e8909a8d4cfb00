/* test_tcp_rxbatch.c - the receiver's ACK policy for a fast sender, on the virtual clock:
 *  - super-segments (more than one MSS in one frame, as a device with RX_GSO hands
 *    up) read in one poll batch are acknowledged by one ACK at the end of the step,
 *    not one ACK each (what a Linux receiver with GRO does per NAPI poll);
 *  - full-size segments keep RFC 5681's ACK for every second segment, at once, and so
 *    does a full segment followed by a short one (more than an MSS unacknowledged, as
 *    Linux): the end of a response is not left to the delayed ACK, where the sender's
 *    tail-loss probe would resend it first; a lone short segment still waits;
 *  - a read sends a window update only when the window at least doubles (or half the
 *    buffer opens, or a closed window opens): not for every few segments read while
 *    the peer still has plenty of window. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>

#include "tcp_harness.h"

static struct th_seg seg;
static uint8_t data[65536];

/* A segment from the peer straight into tcp_input, as poll_iface hands one frame of a
 * batch: no step runs after it (th_peer_send would run one). */
static void peer_send_nostep(struct th *h, struct th_peer *pe, const void *d, size_t len)
{
	struct tcp_repr r = th_hdr(pe->rport, pe->lport, pe->snd_nxt, pe->rcv_nxt, TCP_ACK,
				   pe->win);
	size_t hl = TCP_HDR_LEN + tcp_options_len(&r);
	struct pkt *p = pkt_alloc(h->st, hl + len);

	assert_non_null(p);
	uint8_t *b = pkt_put(p, hl + len);
	tcp_emit(&r, b);
	memcpy(b + hl, d, len);
	tcp_set_csum(b, hl + len, TH_PEER, TH_LOCAL);
	p->src = ip_addr_from_v4(TH_PEER);
	p->dst = ip_addr_from_v4(TH_LOCAL);
	p->ip_proto = IP_PROTO_TCP;
	p->ifindex = 0;
	p->rx_time = h->now;
	pthread_mutex_lock(&h->st->lock);
	tcp_input(h->st, p);
	pthread_mutex_unlock(&h->st->lock);
	pe->snd_nxt += (uint32_t)len;
}

static void test_super_segments_one_ack_per_step(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	th_passive_open(&h, 80, 5001, &pe, NULL, NULL);
	th_flush(&h);
	/* three super-segments of 6 MSS in one batch: nothing goes out during it */
	for (int i = 0; i < 3; i++)
		peer_send_nostep(&h, &pe, data, 6 * 1460);
	assert_int_equal(th_pending(&h), 0);
	/* the step's end: one ACK for all three */
	th_advance(&h, 0);
	assert_int_equal(th_pending(&h), 1);
	assert_true(th_next(&h, &seg));
	assert_true(seg.h.flags & TCP_ACK);
	assert_int_equal(seg.len, 0);
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	/* and nothing more: the delayed-ACK deadline was that ACK's */
	th_advance(&h, 100000);
	assert_int_equal(th_pending(&h), 0);
	th_free(&h);
}

static void test_full_segments_ack_every_second(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	th_passive_open(&h, 80, 5002, &pe, NULL, NULL);
	th_flush(&h);
	peer_send_nostep(&h, &pe, data, 1460);
	assert_int_equal(th_pending(&h), 0);          /* one segment: delayed */
	peer_send_nostep(&h, &pe, data, 1460);
	assert_int_equal(th_pending(&h), 1);          /* the second: at once, mid-batch */
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	th_free(&h);
}

static void test_full_and_short_segment_ack_at_once(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	th_init(&h);
	th_passive_open(&h, 80, 5004, &pe, NULL, NULL);
	th_flush(&h);
	peer_send_nostep(&h, &pe, data, 1460);
	assert_int_equal(th_pending(&h), 0);          /* one full segment: delayed */
	peer_send_nostep(&h, &pe, data, 1095);
	assert_int_equal(th_pending(&h), 1);          /* 2555 bytes > 1 MSS: at once */
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.ack, pe.snd_nxt);
	/* short segments below an MSS in all still wait for the delayed ACK */
	peer_send_nostep(&h, &pe, data, 500);
	peer_send_nostep(&h, &pe, data, 500);
	assert_int_equal(th_pending(&h), 0);
	th_free(&h);
}

static void test_window_update_when_window_doubles(void **state)
{
	struct th h;
	struct th_peer pe;
	int sz = 60000, lfd;
	char buf[30000];

	(void)state;
	th_init(&h);
	lfd = th_listen(&h, 82);
	assert_int_equal(ustack_setsockopt(h.st, lfd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)), 0);
	struct tcp_repr r = th_hdr(5003, 82, 1000, 0, TCP_SYN, 65535);
	r.has_mss = true;
	r.mss = 1460;
	th_inject(&h, &r, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.win, 60000);
	memset(&pe, 0, sizeof(pe));
	pe.lport = 82;
	pe.rport = 5003;
	pe.snd_nxt = 1001;
	pe.rcv_nxt = seg.h.seq + 1;
	pe.win = 65535;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	int fd = ustack_accept(h.st, lfd, NULL, NULL);
	assert_true(fd >= 0);
	struct tcp_conn *c = th_conn(&h, 82, 5003);
	assert_int_equal(c->rcvbuf.cap, 60000);
	/* 36000 bytes in: the window left is 24000 (below half the buffer) */
	for (int i = 0; i < 24; i++)
		th_peer_send(&h, &pe, TCP_ACK, data, 1460);
	th_peer_send(&h, &pe, TCP_ACK, data, 960);
	th_advance(&h, 50000);
	th_flush(&h);
	assert_int_equal(c->rcv_adv - c->rcv_nxt, 24000);
	/* reading two segments' worth: the peer may still send 24000, no update */
	assert_int_equal(ustack_recv(h.st, fd, buf, 2920, 0), 2920);
	assert_int_equal(th_pending(&h), 0);
	assert_int_equal(ustack_recv(h.st, fd, buf, 10000, 0), 10000);
	assert_int_equal(th_pending(&h), 0);
	/* reading up to 24000: the window doubles, the update goes */
	assert_int_equal(ustack_recv(h.st, fd, buf, 11080, 0), 11080);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.len, 0);
	assert_int_equal(seg.h.win, 48000);
	th_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_super_segments_one_ack_per_step),
		cmocka_unit_test(test_full_segments_ack_every_second),
		cmocka_unit_test(test_full_and_short_segment_ack_at_once),
		cmocka_unit_test(test_window_update_when_window_doubles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
