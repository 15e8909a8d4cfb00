/* test_tcp_mem.c - an idle connection holds no buffer: the send ring's storage goes when
 * everything sent is acknowledged, the receive ring's when the user has read everything
 * and nothing waits out of order (each after staying drained TCP_RING_IDLE_US, so a busy
 * connection keeps its storage; at once when no more bytes can come), the out-of-order
 * ranges and the SACK scoreboard as soon as they empty; listeners and TIME_WAIT hold
 * none. Data still arrives byte for byte. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "unit/tcp_harness.h"

static struct th_seg seg;
static uint8_t pat[16384];

static void fill_pat(void)
{
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 13 + 5);
}

static const struct tcp_repr sack_opts = { .has_mss = true, .mss = 1460, .sack_perm = true };

/* Sent, partly acknowledged (storage kept, the same block), SACKed above a hole
 * (scoreboard on the heap), fully acknowledged: the scoreboard goes at once, the ring
 * once it has stayed drained. A later write allocates again and its bytes go out
 * exactly; a write soon after a drain reuses the storage. */
static void test_send_ring_released_when_acked(void **state)
{
	struct th h;
	struct th_peer pe;

	(void)state;
	fill_pat();
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4100, &pe, &sack_opts, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4100);
	assert_null(c->sndbuf.buf);                      /* nothing sent yet */
	assert_int_equal(ustack_send(h.st, fd, pat, 5 * 1460, 0), 5 * 1460);
	assert_non_null(c->sndbuf.buf);
	uint32_t una = pe.rcv_nxt;
	for (int i = 0; i < 5; i++) {
		assert_true(th_next(&h, &seg));
		assert_int_equal(seg.h.seq, una + (uint32_t)i * 1460);
		assert_memory_equal(seg.data, pat + i * 1460, 1460);
	}
	/* two segments acknowledged, the fourth and fifth SACKed: the third is a hole */
	pe.rcv_nxt = una + 2 * 1460;
	struct tcp_repr r = th_hdr(4100, 80, pe.snd_nxt, pe.rcv_nxt, TCP_ACK, 65535);
	r.n_sack = 1;
	r.sack[0].left = una + 3 * 1460;
	r.sack[0].right = una + 5 * 1460;
	uint8_t *block = c->sndbuf.buf;
	th_inject(&h, &r, NULL, 0);
	assert_ptr_equal(c->sndbuf.buf, block);          /* not drained: kept */
	assert_int_equal(c->sndbuf.len, 3 * 1460);
	assert_int_equal(c->sacked.n, 1);
	assert_non_null(c->sacked.r);
	/* more written while data is in flight goes into the same storage */
	assert_int_equal(ustack_send(h.st, fd, pat + 5 * 1460, 100, 0), 100);
	assert_ptr_equal(c->sndbuf.buf, block);
	th_flush(&h);
	/* everything acknowledged: the scoreboard is gone, the ring's storage is kept a
	 * while (a busy sender does not free and allocate it per ACK), then goes */
	pe.rcv_nxt = c->snd_max;
	assert_int_equal(pe.rcv_nxt, una + 5 * 1460 + 100);
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(c->sndbuf.len, 0);
	assert_int_equal(c->sacked.n, 0);
	assert_null(c->sacked.r);
	assert_ptr_equal(c->sndbuf.buf, block);
	th_advance(&h, TCP_RING_IDLE_US / 2);
	assert_ptr_equal(c->sndbuf.buf, block);
	th_advance(&h, TCP_RING_IDLE_US / 2);
	assert_null(c->sndbuf.buf);
	assert_int_equal(c->sndbuf.cap, TCP_DEFAULT_BUF);  /* SO_SNDBUF unchanged */
	int v = 0;
	socklen_t vl = sizeof(v);
	assert_int_equal(ustack_getsockopt(h.st, fd, SOL_SOCKET, SO_SNDBUF, &v, &vl), 0);
	assert_int_equal(v, (int)TCP_DEFAULT_BUF);
	/* the next write allocates again; its bytes are exact */
	th_flush(&h);
	assert_int_equal(ustack_send(h.st, fd, "again", 5, 0), 5);
	assert_non_null(c->sndbuf.buf);
	assert_int_equal(c->sndbuf.size, TCP_RING_FIRST);     /* not the whole SO_SNDBUF */
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.seq, pe.rcv_nxt);
	assert_int_equal(seg.len, 5);
	assert_memory_equal(seg.data, "again", 5);
	pe.rcv_nxt += 5;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	/* written again within the idle time: the same storage, and the deadline moves */
	block = c->sndbuf.buf;
	assert_non_null(block);
	th_advance(&h, TCP_RING_IDLE_US / 2);
	assert_int_equal(ustack_send(h.st, fd, "more", 4, 0), 4);
	assert_ptr_equal(c->sndbuf.buf, block);
	assert_true(th_next(&h, &seg));
	assert_memory_equal(seg.data, "more", 4);
	pe.rcv_nxt += 4;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	th_advance(&h, TCP_RING_IDLE_US * 3 / 4);
	assert_ptr_equal(c->sndbuf.buf, block);
	th_advance(&h, TCP_RING_IDLE_US / 4);
	assert_null(c->sndbuf.buf);
	/* after our FIN nothing more is written: a drained ring goes at once */
	assert_int_equal(ustack_send(h.st, fd, "last", 4, 0), 4);
	assert_int_equal(ustack_shutdown(h.st, fd, SHUT_WR), 0);
	th_flush(&h);
	pe.rcv_nxt += 4;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(c->state, TCPS_FIN_WAIT_1);
	assert_null(c->sndbuf.buf);
	th_free(&h);
}

/* Storage stays while unread bytes do (MSG_PEEK reads nothing away) and goes once the
 * ring has stayed empty a while after the last byte was read; bytes arriving meanwhile
 * reuse it. SO_RCVBUF set while empty changes only the bound. */
static void test_recv_ring_released_when_read(void **state)
{
	struct th h;
	struct th_peer pe;
	uint8_t buf[512];

	(void)state;
	fill_pat();
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4101, &pe, NULL, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4101);
	assert_null(c->rcvbuf.buf);
	th_peer_send(&h, &pe, TCP_ACK | TCP_PSH, pat, 300);
	assert_non_null(c->rcvbuf.buf);
	assert_int_equal(ustack_recv(h.st, fd, buf, 300, MSG_PEEK), 300);
	assert_non_null(c->rcvbuf.buf);
	assert_int_equal(ustack_recv(h.st, fd, buf, 120, 0), 120);
	assert_memory_equal(buf, pat, 120);
	assert_non_null(c->rcvbuf.buf);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 180);
	assert_memory_equal(buf, pat + 120, 180);
	assert_int_equal(c->rcvbuf.len, 0);
	uint8_t *block = c->rcvbuf.buf;
	assert_non_null(block);                          /* drained just now: kept */
	th_advance(&h, TCP_RING_IDLE_US / 2);
	th_peer_send(&h, &pe, TCP_ACK | TCP_PSH, "xyz", 3);
	assert_ptr_equal(c->rcvbuf.buf, block);          /* reused */
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 3);
	assert_memory_equal(buf, "xyz", 3);
	th_advance(&h, TCP_RING_IDLE_US * 3 / 4);
	assert_ptr_equal(c->rcvbuf.buf, block);          /* the deadline moved */
	th_advance(&h, TCP_RING_IDLE_US / 4);
	assert_null(c->rcvbuf.buf);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	/* a new SO_RCVBUF while nothing is held: the bound changes, no storage appears */
	int v = 65536;
	assert_int_equal(ustack_setsockopt(h.st, fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	assert_null(c->rcvbuf.buf);
	socklen_t vl = sizeof(v);
	assert_int_equal(ustack_getsockopt(h.st, fd, SOL_SOCKET, SO_RCVBUF, &v, &vl), 0);
	assert_int_equal((unsigned)v, c->rcvbuf.cap);
	/* the next bytes are taken in and read exactly */
	th_peer_send(&h, &pe, TCP_ACK | TCP_PSH, pat + 300, 200);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 200);
	assert_memory_equal(buf, pat + 300, 200);
	th_advance(&h, TCP_RING_IDLE_US);
	assert_null(c->rcvbuf.buf);
	/* with the peer's FIN nothing more can arrive: the ring goes with the last read */
	th_peer_send(&h, &pe, TCP_ACK | TCP_FIN, "end", 3);
	assert_non_null(c->rcvbuf.buf);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 3);
	assert_null(c->rcvbuf.buf);
	th_free(&h);
}

/* Text out of order in six ranges (more than the first block of four holds), the user
 * reads what came in order meanwhile (storage must stay: the queued text lives in it),
 * then the gaps are filled in a shuffled order: the stream reads back byte for byte,
 * and ranges and ring are freed. */
static void test_ooo_gap_fill_exact_then_released(void **state)
{
	struct th h;
	struct th_peer pe;
	enum { SEG = 100, NSEG = 13 };
	uint8_t buf[2 * NSEG * SEG];

	(void)state;
	fill_pat();
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4102, &pe, &sack_opts, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4102);
	uint32_t base = pe.snd_nxt;
	struct tcp_repr r = th_hdr(4102, 80, base, pe.rcv_nxt, TCP_ACK, 65535);

	th_inject(&h, &r, pat, SEG);                       /* segment 0, in order */
	assert_null(c->ooo.r);
	static const int ooo_order[] = { 2, 4, 12, 6, 8, 10, 11 };   /* 11 merges with 10, 12 */
	for (size_t i = 0; i < sizeof(ooo_order) / sizeof(ooo_order[0]); i++) {
		r.seq = base + (uint32_t)ooo_order[i] * SEG;
		th_inject(&h, &r, pat + ooo_order[i] * SEG, SEG);
	}
	assert_int_equal(c->ooo.n, 5);                    /* 2, 4, 6, 8, 10-12 */
	assert_non_null(c->ooo.r);
	assert_true(c->ooo.cap >= 5);
	assert_int_equal(c->rcv_nxt, base + SEG);
	/* the in-order part is read; the ring keeps the text queued past it */
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), SEG);
	assert_memory_equal(buf, pat, SEG);
	assert_int_equal(c->rcvbuf.len, 0);
	assert_non_null(c->rcvbuf.buf);
	/* the gaps, shuffled */
	static const int fill_order[] = { 9, 1, 5, 3, 7 };
	for (size_t i = 0; i < sizeof(fill_order) / sizeof(fill_order[0]); i++) {
		r.seq = base + (uint32_t)fill_order[i] * SEG;
		th_inject(&h, &r, pat + fill_order[i] * SEG, SEG);
	}
	assert_int_equal(c->rcv_nxt, base + NSEG * SEG);
	assert_int_equal(c->ooo.n, 0);
	assert_null(c->ooo.r);
	assert_int_equal(c->rcvbuf.len, (NSEG - 1) * SEG);
	th_flush(&h);
	/* read back in two pieces, byte-exact */
	assert_int_equal(ustack_recv(h.st, fd, buf, 450, 0), 450);
	assert_non_null(c->rcvbuf.buf);
	assert_int_equal(ustack_recv(h.st, fd, buf + 450, sizeof(buf) - 450, 0),
			 (NSEG - 1) * SEG - 450);
	assert_memory_equal(buf, pat + SEG, (NSEG - 1) * SEG);
	assert_null(c->ooo.r);
	th_advance(&h, TCP_RING_IDLE_US);
	assert_null(c->rcvbuf.buf);
	th_free(&h);
}

static struct tcp_conn *listener_of(struct th *h, uint16_t port)
{
	for (struct tcp_conn *c = h->st->tcp->all; c; c = c->anext)
		if (c->lport == port && c->state == TCPS_LISTEN)
			return c;
	return NULL;
}

static void assert_holds_nothing(const struct tcp_conn *c)
{
	assert_null(c->sndbuf.buf);
	assert_null(c->rcvbuf.buf);
	assert_null(c->ooo.r);
	assert_null(c->sacked.r);
}

/* A listener holds no buffer, before and after children came and went. TIME_WAIT holds
 * none once the user has read what came with the FIN, nor after the close. */
static void test_listen_and_time_wait_hold_nothing(void **state)
{
	struct th h;
	struct th_peer pe;
	int lfd;
	char buf[64];

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4103, &pe, &sack_opts, &lfd);
	struct tcp_conn *l = listener_of(&h, 80);
	assert_non_null(l);
	assert_holds_nothing(l);
	struct tcp_conn *c = th_conn(&h, 80, 4103);
	/* data both ways, then our FIN; the peer answers with text and its FIN */
	assert_int_equal(ustack_send(h.st, fd, "request", 7, 0), 7);
	th_flush(&h);
	pe.rcv_nxt += 7;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(ustack_shutdown(h.st, fd, SHUT_WR), 0);
	assert_true(th_next(&h, &seg));
	assert_true(seg.h.flags & TCP_FIN);
	pe.rcv_nxt += 1;
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(c->state, TCPS_FIN_WAIT_2);
	th_peer_send(&h, &pe, TCP_ACK | TCP_FIN, "bye", 3);
	assert_int_equal(c->state, TCPS_TIME_WAIT);
	assert_null(c->sndbuf.buf);
	assert_non_null(c->rcvbuf.buf);                  /* "bye" is still to be read */
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 3);
	assert_memory_equal(buf, "bye", 3);
	assert_holds_nothing(c);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 0);
	assert_int_equal(ustack_close(h.st, fd), 0);
	assert_int_equal(c->state, TCPS_TIME_WAIT);
	assert_holds_nothing(c);
	assert_holds_nothing(l);
	/* a connection closed just after a read (the receive ring drained only now) with
	 * its reply unacknowledged: in TIME_WAIT it holds nothing either */
	th_free(&h);
	th_init(&h);
	fd = th_active_open(&h, 8080, &pe, NULL);
	c = th_conn(&h, pe.lport, 8080);
	th_peer_send(&h, &pe, TCP_ACK | TCP_PSH, "data", 4);
	assert_int_equal(ustack_send(h.st, fd, "reply", 5, 0), 5);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 4);
	assert_non_null(c->rcvbuf.buf);                  /* drained just now */
	assert_non_null(c->sndbuf.buf);                  /* "reply" unacknowledged */
	assert_int_equal(ustack_close(h.st, fd), 0);      /* "reply" and the FIN */
	bool fin = false;
	while (th_next(&h, &seg))
		fin |= (seg.h.flags & TCP_FIN) != 0;
	assert_true(fin);
	pe.rcv_nxt += 5 + 1;
	th_peer_send(&h, &pe, TCP_ACK | TCP_FIN, NULL, 0);
	assert_int_equal(c->state, TCPS_TIME_WAIT);
	assert_holds_nothing(c);
	th_free(&h);
}

/* The FIN cuts away text queued out of order: the ranges go at once; the ring, which
 * then holds nothing, goes with the next read. */
static void test_ooo_forgotten_at_fin_released(void **state)
{
	struct th h;
	struct th_peer pe;
	char buf[64];

	(void)state;
	th_init(&h);
	int fd = th_passive_open(&h, 80, 4104, &pe, &sack_opts, NULL);
	struct tcp_conn *c = th_conn(&h, 80, 4104);
	uint32_t base = pe.snd_nxt;
	struct tcp_repr r = th_hdr(4104, 80, base + 10, pe.rcv_nxt, TCP_ACK, 65535);
	th_inject(&h, &r, "past", 4);
	assert_non_null(c->ooo.r);
	assert_non_null(c->rcvbuf.buf);
	r.seq = base;
	r.flags = TCP_ACK | TCP_FIN;
	th_inject(&h, &r, NULL, 0);                         /* the stream ends at base */
	assert_int_equal(c->state, TCPS_CLOSE_WAIT);
	assert_null(c->ooo.r);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 0);
	assert_holds_nothing(c);
	th_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_ring_released_when_acked),
		cmocka_unit_test(test_recv_ring_released_when_read),
		cmocka_unit_test(test_ooo_gap_fill_exact_then_released),
		cmocka_unit_test(test_listen_and_time_wait_hold_nothing),
		cmocka_unit_test(test_ooo_forgotten_at_fin_released),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
