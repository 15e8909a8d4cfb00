/* test_tcp_syncookie.c - SYN floods (RFC 4987): the cookie's encode/decode round trip
 * for every MSS class with and without timestamps (window scale and SACK-permitted
 * carried in our TS value), forged and stale cookies refused (counted, traced, RST),
 * whole handshakes through cookies while the SYN queue is full (accepted, data both
 * ways, the MSS honoured), the accept queue bound on a cookie ACK, the SYN queue's
 * aging under a flood, and impossible flag sets at a listener (SYN+FIN, SYN+RST,
 * FIN/PSH/URG alone) dropped unanswered. Driven segment by segment on the virtual
 * clock (tcp_harness.h). */
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

/* --- trace lines, kept for the checks --- */
struct tlog {
	char text[64][160];
	int n;
};

static void tlog_fn(void *ctx, const struct ustack_trace *ev)
{
	struct tlog *l = ctx;

	if (l->n < 64)
		snprintf(l->text[l->n++], sizeof(l->text[0]), "%s", ev->line);
}

static bool tlog_has(const struct tlog *l, const char *needle)
{
	for (int i = 0; i < l->n; i++)
		if (strstr(l->text[i], needle))
			return true;
	return false;
}

/* --- the pure functions --- */

static const uint64_t key[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull };
static const struct syncookie_tuple tup = {
	.laddr = { .family = IP_AF_INET, .b = { 10, 0, 0, 1 } },
	.raddr = { .family = IP_AF_INET, .b = { 10, 0, 0, 2 } },
	.lport = 80, .rport = 40000 };

static void check_roundtrip(uint16_t mss, uint16_t want_mss, bool ts, bool ws, uint8_t wscale,
			    bool sack, uint64_t now)
{
	struct syncookie_opts o = { .mss = mss, .ts = ts, .ws = ws, .wscale = wscale, .sack = sack };
	struct syncookie_opts d;
	uint32_t peer_isn = 0x9e3779b9u ^ mss;
	uint32_t cookie = syncookie_encode(key, &tup, peer_isn, now, &o);
	uint32_t clock = 0x40000000u + (uint32_t)(now / 1000);
	uint32_t tsval = syncookie_tsval(clock, syncookie_ts_bits(&o));

	/* our TS value: the bits in its low end, never ahead of our clock, close to it */
	assert_true(ts ? (tsval & SYNCOOKIE_TS_MASK) == syncookie_ts_bits(&o) : true);
	assert_true((int32_t)(clock - tsval) >= 0 && clock - tsval <= SYNCOOKIE_TS_MASK);
	/* good through the end of the next period, then stale */
	uint64_t end = ((uint64_t)syncookie_counter(now) + 2) * SYNCOOKIE_PERIOD_US;
	const uint64_t when[3] = { now, now + (end - now) / 2, end - 1 };
	assert_int_equal(syncookie_decode(key, &tup, peer_isn, cookie, ts, tsval, end, &d),
			 SYNCOOKIE_STALE);
	for (int k = 0; k < 3; k++) {
		memset(&d, 0xa5, sizeof(d));
		assert_int_equal(syncookie_decode(key, &tup, peer_isn, cookie, ts, tsval, when[k], &d),
				 SYNCOOKIE_OK);
		assert_int_equal(d.mss, want_mss);
		assert_int_equal(d.ts, ts);
		assert_int_equal(d.ws, ts && ws);
		if (ts && ws)
			assert_int_equal(d.wscale, wscale);
		assert_int_equal(d.sack, ts && sack);
	}
}

static void test_roundtrip(void **state)
{
	static const uint16_t classes[] = { 88, 536, 1220, 1300, 1380, 1440, 1460, 8960 };
	uint64_t now = 1000000;

	(void)state;
	assert_int_equal(sizeof(classes) / sizeof(classes[0]), SYNCOOKIE_MSS_N);
	for (unsigned i = 0; i < SYNCOOKIE_MSS_N; i++) {
		uint16_t m = classes[i];
		uint16_t next = i + 1 < SYNCOOKIE_MSS_N ? classes[i + 1] : 65535;

		assert_int_equal(syncookie_mss(syncookie_mss_index(m)), m);
		for (int ts = 0; ts < 2; ts++) {
			for (int sack = 0; sack < 2; sack++) {
				check_roundtrip(m, m, ts, false, 0, sack, now);
				check_roundtrip(m, m, ts, true, 0, sack, now);
				check_roundtrip(m, m, ts, true, 7, sack, now);
				check_roundtrip(m, m, ts, true, 14, sack, now);
				/* between two classes: rounded down */
				check_roundtrip((uint16_t)(next - 1), m, ts, true, 3, sack, now);
			}
		}
		now += 7777777;
	}
	/* below the smallest class: the smallest (our floor) */
	check_roundtrip(40, 88, true, true, 2, true, now);
}

static void test_forged_pure(void **state)
{
	struct syncookie_opts o = { .mss = 1460, .ts = true, .ws = true, .wscale = 7, .sack = true };
	struct syncookie_opts d;
	uint64_t now = 5 * SYNCOOKIE_PERIOD_US + 12345;
	uint32_t cookie = syncookie_encode(key, &tup, 1000, now, &o);
	uint32_t tsval = syncookie_tsval(777777, syncookie_ts_bits(&o));
	struct syncookie_tuple other = tup;
	uint64_t other_key[2] = { key[0] ^ 1, key[1] };

	(void)state;
	assert_int_equal(syncookie_decode(key, &tup, 1000, cookie, true, tsval, now, &d), SYNCOOKIE_OK);
	/* any bit flipped in the cookie */
	for (int b = 0; b < 32; b++)
		assert_int_not_equal(syncookie_decode(key, &tup, 1000, cookie ^ (1u << b), true, tsval,
						      now, &d), SYNCOOKIE_OK);
	/* a bit of the MAC: forged */
	assert_int_equal(syncookie_decode(key, &tup, 1000, cookie ^ 0x10, true, tsval, now, &d),
			 SYNCOOKIE_FORGED);
	/* the option bits in the echoed TS value are covered too */
	for (int b = 0; b < (int)SYNCOOKIE_TS_BITS; b++)
		assert_int_equal(syncookie_decode(key, &tup, 1000, cookie, true, tsval ^ (1u << b), now,
						  &d), SYNCOOKIE_FORGED);
	assert_int_equal(syncookie_decode(key, &tup, 1000, cookie, false, 0, now, &d), SYNCOOKIE_FORGED);
	/* another peer ISN, another port, another key */
	assert_int_equal(syncookie_decode(key, &tup, 1001, cookie, true, tsval, now, &d), SYNCOOKIE_FORGED);
	other.rport++;
	assert_int_equal(syncookie_decode(key, &other, 1000, cookie, true, tsval, now, &d), SYNCOOKIE_FORGED);
	assert_int_equal(syncookie_decode(other_key, &tup, 1000, cookie, true, tsval, now, &d),
			 SYNCOOKIE_FORGED);
	/* stale: two periods later */
	assert_int_equal(syncookie_decode(key, &tup, 1000, cookie, true, tsval,
					  now + 2 * SYNCOOKIE_PERIOD_US, &d), SYNCOOKIE_STALE);
	/* 32 periods later the 5-bit counter is back: the MAC of the whole counter refuses */
	assert_int_equal(syncookie_decode(key, &tup, 1000, cookie, true, tsval,
					  now + 32 * SYNCOOKIE_PERIOD_US, &d), SYNCOOKIE_FORGED);
}

/* --- on a stack --- */

static int listen_backlog(struct th *h, uint16_t port, int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = ustack_socket(h->st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(ustack_bind(h->st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(ustack_listen(h->st, fd, backlog), 0);
	return fd;
}

static struct tcp_conn *listener_of(struct th *h, uint16_t port)
{
	struct ip_addr lo = ip_addr_from_v4(TH_LOCAL), any = ip_addr_from_v4(0);

	return tcp_lookup_listener(h->st, &lo, port, &any, 0);
}

/* n spoofed SYNs from ports base.. (the SYN-ACKs are thrown away). */
static void flood(struct th *h, uint16_t port, uint16_t base, int n)
{
	for (int i = 0; i < n; i++) {
		struct tcp_repr r = th_hdr((uint16_t)(base + i), port, 7000u * (uint32_t)i, 0, TCP_SYN,
					   65535);

		r.has_mss = true;
		r.mss = 1460;
		th_inject(h, &r, NULL, 0);
	}
	th_flush(h);
}

/* A SYN from rport with the given options; returns the SYN-ACK in seg. */
static void syn_in(struct th *h, uint16_t port, uint16_t rport, uint32_t isn,
		   const struct tcp_repr *opts)
{
	struct tcp_repr r = th_hdr(rport, port, isn, 0, TCP_SYN, 65535);

	r.has_mss = opts->has_mss;
	r.mss = opts->mss;
	r.has_wscale = opts->has_wscale;
	r.wscale = opts->wscale;
	r.sack_perm = opts->sack_perm;
	r.has_ts = opts->has_ts;
	r.ts_val = opts->ts_val;
	th_inject(h, &r, NULL, 0);
	assert_true(th_next(h, &seg));
	assert_int_equal(seg.h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(seg.h.ack, isn + 1);
}

/* The SYN queue is full: a SYN gets a cookie, its ACK opens the connection with the
 * options the SYN asked for, the accept queue gets it, data flows both ways in
 * segments of the peer's MSS. */
static void test_handshake_with_ts(void **state)
{
	struct th h;
	struct th_peer pe;
	char buf[4096];

	(void)state;
	th_init(&h);
	int lfd = listen_backlog(&h, 80, 8);                  /* SYN queue: 16 */
	flood(&h, 80, 20000, 16);
	struct tcp_conn *l = listener_of(&h, 80);
	assert_int_equal(l->syn_count, 16);
	size_t conns = h.st->tcp->n_conns;

	struct tcp_repr o = { .has_mss = true, .mss = 1300, .has_wscale = true, .wscale = 7,
			      .sack_perm = true, .has_ts = true, .ts_val = 424242 };
	syn_in(&h, 80, 5555, 1000, &o);
	assert_int_equal(h.st->stats.tcp_syncookies_sent, 1);
	assert_int_equal(h.st->tcp->n_conns, conns);          /* no state kept */
	assert_null(th_conn(&h, 80, 5555));
	assert_int_equal(drops(&h, USTACK_DROP_TCP_SYN_QUEUE_FULL), 0);
	assert_true(seg.h.has_ts && seg.h.has_wscale && seg.h.sack_perm && seg.h.has_mss);
	assert_int_equal(seg.h.ts_ecr, 424242);
	assert_int_equal(seg.h.ts_val & SYNCOOKIE_TS_MASK, 7 | 0x10);

	memset(&pe, 0, sizeof(pe));
	pe.lport = 80;
	pe.rport = 5555;
	pe.snd_nxt = 1001;
	pe.rcv_nxt = seg.h.seq + 1;
	pe.win = 1000;                                        /* scaled by 7: 128000 */
	pe.ts = true;
	pe.ts_val = 424243;
	pe.ts_ecr = seg.h.ts_val;
	th_advance(&h, 30000);
	th_peer_send(&h, &pe, TCP_ACK, NULL, 0);
	assert_int_equal(h.st->stats.tcp_syncookies_ok, 1);
	struct tcp_conn *c = th_conn(&h, 80, 5555);
	assert_non_null(c);
	assert_int_equal(c->state, TCPS_ESTABLISHED);
	assert_int_equal(c->mss_peer, 1300);
	assert_int_equal(c->t_maxseg, 1300);
	assert_int_equal(c->snd_wscale, 7);
	assert_int_equal(c->snd_wnd, 1000u << 7);
	assert_true(c->flags & TF_WS_OK);
	assert_true(c->flags & TF_SACK_OK);
	assert_true(c->flags & TF_TS_OK);
	int fd = ustack_accept4(h.st, lfd, NULL, NULL, SOCK_NONBLOCK);
	assert_true(fd >= 0);

	/* the peer's data in */
	th_peer_send(&h, &pe, TCP_ACK | TCP_PSH, "hello over a cookie", 19);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 19);
	assert_memory_equal(buf, "hello over a cookie", 19);
	/* ours out: full segments of 1300 - 12 (timestamps) bytes */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ustack_send(h.st, fd, buf, 3000, 0), 3000);
	th_pump(&h);
	uint32_t got = 0, tsv = pe.ts_ecr;
	while (th_next(&h, &seg)) {
		if (!seg.len)
			continue;
		assert_true(seg.len <= 1288);
		assert_int_equal(seg.h.seq, pe.rcv_nxt + got);
		assert_true(seg.h.has_ts);
		assert_true((int32_t)(seg.h.ts_val - tsv) >= 0);   /* our TS clock never goes back */
		tsv = seg.h.ts_val;
		got += (uint32_t)seg.len;
	}
	assert_int_equal(got, 3000);
	ustack_close(h.st, fd);
	ustack_close(h.st, lfd);
	th_flush(&h);
	th_free(&h);
}

/* Without timestamps the cookie keeps only the MSS: the SYN-ACK offers neither window
 * scale nor SACK. The data riding on the completing ACK is taken. */
static void test_handshake_without_ts(void **state)
{
	struct th h;
	char buf[64];

	(void)state;
	th_init(&h);
	int lfd = listen_backlog(&h, 80, 8);
	h.st->tcp->syncookies = TCP_SYNCOOKIES_ALWAYS;
	struct tcp_repr o = { .has_mss = true, .mss = 1459, .has_wscale = true, .wscale = 5,
			      .sack_perm = true };
	syn_in(&h, 80, 6000, 50000, &o);
	assert_int_equal(listener_of(&h, 80)->syn_count, 0);
	assert_false(seg.h.has_ts);
	assert_false(seg.h.has_wscale);
	assert_false(seg.h.sack_perm);
	struct tcp_repr r = th_hdr(6000, 80, 50001, seg.h.seq + 1, TCP_ACK | TCP_PSH, 8192);
	th_inject(&h, &r, "GET /", 5);
	struct tcp_conn *c = th_conn(&h, 80, 6000);
	assert_non_null(c);
	assert_int_equal(c->state, TCPS_ESTABLISHED);
	assert_int_equal(c->t_maxseg, 1440);                  /* 1459 rounded down */
	assert_false(c->flags & (TF_WS_OK | TF_SACK_OK | TF_TS_OK));
	assert_int_equal(c->snd_wnd, 8192);
	th_advance(&h, 50000);
	assert_true(th_next(&h, &seg));                       /* the data is acknowledged */
	assert_int_equal(seg.h.ack, 50006);
	int fd = ustack_accept4(h.st, lfd, NULL, NULL, SOCK_NONBLOCK);
	assert_true(fd >= 0);
	assert_int_equal(ustack_recv(h.st, fd, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "GET /", 5);
	assert_int_equal(h.st->stats.tcp_syncookies_ok, 1);
	th_free(&h);
}

/* A forged cookie (one bit of the ACK flipped) and a stale one (the clock past the
 * next period): refused, counted, traced, answered with <SEQ=SEG.ACK><CTL=RST>. */
static void test_forged_and_stale(void **state)
{
	struct th h;
	struct tlog log;

	(void)state;
	memset(&log, 0, sizeof(log));
	th_init(&h);
	listen_backlog(&h, 80, 8);
	ustack_set_trace(h.st, tlog_fn, &log);
	h.st->tcp->syncookies = TCP_SYNCOOKIES_ALWAYS;
	struct tcp_repr o = { .has_mss = true, .mss = 1460, .has_ts = true, .ts_val = 9 };
	syn_in(&h, 80, 7000, 300, &o);
	uint32_t cookie = seg.h.seq, tsv = seg.h.ts_val;

	struct tcp_repr r = th_hdr(7000, 80, 301, (cookie ^ 0x100) + 1, TCP_ACK, 1000);
	r.has_ts = true;
	r.ts_val = 10;
	r.ts_ecr = tsv;
	th_inject(&h, &r, NULL, 0);
	assert_null(th_conn(&h, 80, 7000));
	assert_int_equal(h.st->stats.tcp_syncookies_failed, 1);
	assert_int_equal(drops(&h, USTACK_DROP_TCP_BAD_COOKIE), 1);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_RST);
	assert_int_equal(seg.h.seq, (cookie ^ 0x100) + 1);
	assert_true(tlog_has(&log, "forged SYN cookie"));
	assert_true(tlog_has(&log, "drop: tcp: bad SYN cookie"));

	/* the right cookie, too late */
	th_advance(&h, 2 * SYNCOOKIE_PERIOD_US);
	r.ack = cookie + 1;
	th_inject(&h, &r, NULL, 0);
	assert_null(th_conn(&h, 80, 7000));
	assert_int_equal(h.st->stats.tcp_syncookies_failed, 2);
	assert_int_equal(drops(&h, USTACK_DROP_TCP_BAD_COOKIE), 2);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_RST);
	assert_true(tlog_has(&log, "stale SYN cookie"));
	assert_int_equal(h.st->stats.tcp_syncookies_ok, 0);

	/* a fresh cookie for the same peer still works */
	syn_in(&h, 80, 7000, 300, &o);
	r.ack = seg.h.seq + 1;
	r.ts_ecr = seg.h.ts_val;
	th_inject(&h, &r, NULL, 0);
	assert_non_null(th_conn(&h, 80, 7000));
	assert_int_equal(th_conn(&h, 80, 7000)->state, TCPS_ESTABLISHED);
	assert_int_equal(h.st->stats.tcp_syncookies_ok, 1);
	ustack_set_trace(h.st, NULL, NULL);
	th_flush(&h);
	th_free(&h);
}

/* Cookies on (the default) but never sent: an ACK at LISTEN is not a cookie
 * candidate, just the RST of 3.10.7.2. Cookies off: a full queue drops SYNs. */
static void test_modes(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	assert_int_equal(h.st->tcp->syncookies, TCP_SYNCOOKIES_ON);
	listen_backlog(&h, 80, 8);
	struct tcp_repr r = th_hdr(4000, 80, 100, 777, TCP_ACK, 1000);
	th_inject(&h, &r, NULL, 0);
	assert_true(th_next(&h, &seg));
	assert_int_equal(seg.h.flags, TCP_RST);
	assert_int_equal(h.st->stats.tcp_syncookies_failed, 0);
	assert_int_equal(drops(&h, USTACK_DROP_TCP_BAD_SEGMENT), 1);

	h.st->tcp->syncookies = TCP_SYNCOOKIES_OFF;
	flood(&h, 80, 20000, 18);
	assert_int_equal(drops(&h, USTACK_DROP_TCP_SYN_QUEUE_FULL), 2);
	assert_int_equal(h.st->stats.tcp_syncookies_sent, 0);
	h.st->tcp->syncookies = TCP_SYNCOOKIES_ON;
	flood(&h, 80, 30000, 3);
	assert_int_equal(drops(&h, USTACK_DROP_TCP_SYN_QUEUE_FULL), 2);
	assert_int_equal(h.st->stats.tcp_syncookies_sent, 3);
	th_free(&h);
}

/* A valid cookie while the accept queue is full: dropped (counted), no state, no
 * reply; the peer's retransmission gets in once the application accepts. */
static void test_accept_queue_full(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	int lfd = listen_backlog(&h, 80, 1);
	h.st->tcp->syncookies = TCP_SYNCOOKIES_ALWAYS;
	struct tcp_repr o = { .has_mss = true, .mss = 1460 };
	uint32_t ck[3];
	for (uint16_t i = 0; i < 3; i++) {
		syn_in(&h, 80, (uint16_t)(8000 + i), 100, &o);
		ck[i] = seg.h.seq;
	}
	for (uint16_t i = 0; i < 3; i++) {
		struct tcp_repr r = th_hdr((uint16_t)(8000 + i), 80, 101, ck[i] + 1, TCP_ACK, 1000);
		th_inject(&h, &r, NULL, 0);
	}
	assert_non_null(th_conn(&h, 80, 8000));
	assert_non_null(th_conn(&h, 80, 8001));
	assert_null(th_conn(&h, 80, 8002));
	assert_int_equal(drops(&h, USTACK_DROP_TCP_ACCEPT_QUEUE_FULL), 1);
	assert_false(th_next(&h, &seg));
	assert_true(ustack_accept4(h.st, lfd, NULL, NULL, SOCK_NONBLOCK) >= 0);
	struct tcp_repr r = th_hdr(8002, 80, 101, ck[2] + 1, TCP_ACK, 1000);
	th_inject(&h, &r, NULL, 0);
	assert_non_null(th_conn(&h, 80, 8002));
	assert_int_equal(h.st->stats.tcp_syncookies_ok, 4);
	th_free(&h);
}

/* RFC 4987 3.4: over half full, half-open entries get fewer SYN-ACK retries, so a
 * flood does not hold the queue for the whole 63 s of five retries. */
static void test_syn_queue_aging(void **state)
{
	struct th h;

	(void)state;
	th_init(&h);
	listen_backlog(&h, 80, 8);                            /* SYN queue: 16 */
	listen_backlog(&h, 81, 8);
	h.st->tcp->syncookies = TCP_SYNCOOKIES_OFF;
	struct tcp_conn *full = listener_of(&h, 80), *half = listener_of(&h, 81);
	flood(&h, 80, 20000, 16);
	flood(&h, 81, 20000, 8);
	assert_int_equal(full->syn_count, 16);
	assert_int_equal(tcp_synack_retries(h.st, full->children), 2);
	assert_int_equal(tcp_synack_retries(h.st, half->children), h.st->tcp->synack_retries);
	/* 1 + 2 + 4 s of SYN-ACKs, then the full queue starts to drain */
	for (int i = 0; i < 100 && h.now < TH_T0 + 7500000; i++)
		th_advance_to_deadline(&h, TH_T0 + 7500000 - h.now);
	th_flush(&h);
	assert_true(full->syn_count < 16);
	assert_int_equal(half->syn_count, 8);                 /* not pruned */
	/* so a new client gets a real entry again */
	struct tcp_repr o = { .has_mss = true, .mss = 1460 };
	syn_in(&h, 80, 9999, 1, &o);
	assert_non_null(th_conn(&h, 80, 9999));
	/* and by 40 s the flood's entries are all gone from the full one (without the
	 * pruning they would live until 63 s) */
	for (int i = 0; i < 400 && h.now < TH_T0 + 40000000; i++)
		th_advance_to_deadline(&h, TH_T0 + 40000000 - h.now);
	th_flush(&h);
	int left = 0;
	for (uint16_t p = 20000; p < 20016; p++)
		left += th_conn(&h, 80, p) != NULL;
	assert_true(left <= 8);
	th_free(&h);
}

/* Impossible flag sets at LISTEN: dropped, counted by reason, traced, unanswered. */
static void test_bad_flags_at_listen(void **state)
{
	struct th h;
	struct tlog log;
	static const struct { uint8_t flags; enum ustack_drop why; } cases[] = {
		{ TCP_SYN | TCP_FIN, USTACK_DROP_TCP_SYN_FIN },
		{ TCP_SYN | TCP_FIN | TCP_PSH | TCP_URG, USTACK_DROP_TCP_SYN_FIN },
		{ TCP_SYN | TCP_RST, USTACK_DROP_TCP_SYN_RST },
		{ TCP_FIN, USTACK_DROP_TCP_LISTEN_FLAGS },
		{ TCP_FIN | TCP_PSH | TCP_URG, USTACK_DROP_TCP_LISTEN_FLAGS },
		{ 0, USTACK_DROP_TCP_LISTEN_FLAGS },
	};

	(void)state;
	memset(&log, 0, sizeof(log));
	th_init(&h);
	listen_backlog(&h, 80, 8);
	ustack_set_trace(h.st, tlog_fn, &log);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t before = drops(&h, cases[i].why);
		struct tcp_repr r = th_hdr((uint16_t)(4000 + i), 80, 100, 0, cases[i].flags, 1000);

		r.has_mss = true;
		r.mss = 1460;
		th_inject(&h, &r, NULL, 0);
		assert_false(th_next(&h, &seg));
		assert_null(th_conn(&h, 80, (uint16_t)(4000 + i)));
		assert_int_equal(drops(&h, cases[i].why), before + 1);
	}
	assert_int_equal(listener_of(&h, 80)->syn_count, 0);
	assert_true(tlog_has(&log, "drop: tcp: SYN with FIN at listener"));
	assert_true(tlog_has(&log, "drop: tcp: SYN with RST at listener"));
	/* also with cookies forced: no cookie for a SYN+FIN */
	h.st->tcp->syncookies = TCP_SYNCOOKIES_ALWAYS;
	struct tcp_repr r = th_hdr(4100, 80, 100, 0, TCP_SYN | TCP_FIN, 1000);
	th_inject(&h, &r, NULL, 0);
	assert_false(th_next(&h, &seg));
	assert_int_equal(h.st->stats.tcp_syncookies_sent, 0);
	ustack_set_trace(h.st, NULL, NULL);
	th_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_forged_pure),
		cmocka_unit_test(test_handshake_with_ts),
		cmocka_unit_test(test_handshake_without_ts),
		cmocka_unit_test(test_forged_and_stale),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_accept_queue_full),
		cmocka_unit_test(test_syn_queue_aging),
		cmocka_unit_test(test_bad_flags_at_listen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
