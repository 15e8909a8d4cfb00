/* tcp_tune.c - receive and send buffer auto-tuning (see tcp_tune.h).
 *
 * Receive: once per receiver round trip, on a read, the bytes the user consumed in
 * that round trip (copied) are compared with the best round trip so far (rcv_space).
 * When the user reads more, the buffer (the bound of the advertised window) becomes
 * 2 * copied + 16 segments, plus twice the growth rate again, so the window stays ahead
 * of a sender in slow start (which doubles what it sends every round trip). The buffer
 * only grows; its storage still grows by need (tcp_buf.c), so a large bound costs no
 * memory until bytes are held. Send: the bound follows 2 * cwnd (or twice the peer's
 * largest window if that is smaller), room for one window in flight and one being
 * written. */
#include "tcp/tcp_tune.h"

#include "core/stack.h"
#include "core/trace.h"
#include "tcp/tcp_var.h"

#define TS_RTT_MAX_MS 60000u     /* a larger echoed age is no round trip */
/* Measurements span 1 ms at least (the timestamp clock's tick; Linux's estimator long
 * counted in jiffies): on a path of microseconds, the reading thread's own scheduling
 * delays are larger than the round trip, and a window sized by the round trip alone
 * would make the sender wait for every hand-off between threads. */
#define RCV_RTT_MIN_US 1000u

uint32_t tcp_tune_rcv_rtt(const struct tcp_conn *c)
{
	return (uint32_t)c->rcv_rtt * 16;
}

static void set_rtt(struct tcp_conn *c, uint32_t us)
{
	uint32_t u = (us + 15) / 16;

	c->rcv_rtt = (uint16_t)(u > UINT16_MAX ? UINT16_MAX : u ? u : 1);
}

size_t tcp_tune_rcv_bound(const struct ustack *st, const struct tcp_conn *c)
{
	size_t b = c->rcvbuf_lock ? st->tcp->rcvbuf_default : st->tcp->rcvbuf_max;

	return c->rcvbuf.cap > b ? c->rcvbuf.cap : b;
}

void tcp_tune_rcv_seg(struct ustack *st, struct tcp_conn *c, const struct tcp_repr *th,
		      uint32_t len)
{
	struct tcp_tune *t = &c->tune;

	/* Timestamps: the peer echoes the TSval of an ACK of ours; its age is a round
	 * trip (plus whatever the sender waited). RFC 7323's clock ticks in 1 ms. */
	if ((c->flags & TF_TS_OK) && th->has_ts && th->ts_ecr) {
		uint32_t now_ms = (uint32_t)(st->now / 1000) + c->ts_offset;
		uint32_t age = now_ms - th->ts_ecr;

		if (age > 0 && age < TS_RTT_MAX_MS) {
			uint32_t us = age * 1000;

			uint32_t cur = tcp_tune_rcv_rtt(c);

			set_rtt(c, cur ? cur - cur / 8 + us / 8 : us);
		}
	}
	/* One window's worth: from when rcv_nxt + window was the right edge until data
	 * reaches it. The smallest such time is the estimate. */
	uint32_t end = c->rcv_nxt + len;
	uint32_t now = (uint32_t)st->now ? (uint32_t)st->now : 1;
	if (t->win_time && SEQ_GEQ(end, t->win_seq)) {
		uint32_t us = now - t->win_time;

		if (us == 0)
			us = 1;
		if (!c->rcv_rtt || us < tcp_tune_rcv_rtt(c))
			set_rtt(c, us);
		t->win_time = 0;
	}
	if (!t->win_time) {
		uint32_t w = tcp_rcv_window(c);

		t->win_seq = c->rcv_nxt + (w > c->rcv_mss ? w : c->rcv_mss);
		t->win_time = now;
	}
}

static void rcv_grow(struct ustack *st, struct tcp_conn *c, uint32_t copied, uint32_t space)
{
	uint64_t win = 2ull * copied + 16ull * c->rcv_mss;
	uint64_t max = st->tcp->rcvbuf_max;

	if (space)
		win += 2 * (win * (copied - space) / space);
	if (max > TCP_MAX_BUF)
		max = TCP_MAX_BUF;
	if (win > max)
		win = max;
	if (win <= c->rcvbuf.cap)
		return;
	if (trace_on(st))
		trace_info(st, "tcp %d: receive buffer %u -> %u (read %u in %u us)", c->id,
			   c->rcvbuf.cap, (unsigned)win, copied, tcp_tune_rcv_rtt(c));
	c->rcvbuf.cap = (uint32_t)win;
}

void tcp_tune_rcv_read(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_tune *t = &c->tune;
	uint32_t copied_seq = c->rcv_nxt - c->rcvbuf.len;
	uint32_t rtt = tcp_tune_rcv_rtt(c);
	uint32_t now = (uint32_t)st->now;

	if (!TCPS_HAVE_ESTABLISHED(c->state))
		return;
	if (!t->rcv_space) {
		uint32_t init = 10u * c->rcv_mss;           /* an initial window (RFC 6928) */

		t->rcv_space = init < c->rcvbuf.cap ? init : c->rcvbuf.cap;
		t->rcv_seq = copied_seq;
		t->rcv_time = now;
		if (!t->rcv_space)
			t->rcv_space = 1;
		return;
	}
	if (!rtt)
		return;
	if (rtt < RCV_RTT_MIN_US)
		rtt = RCV_RTT_MIN_US;
	if (now - t->rcv_time < rtt)
		return;
	uint32_t copied = copied_seq - t->rcv_seq;
	if (copied > t->rcv_space) {
		if (!c->rcvbuf_lock)
			rcv_grow(st, c, copied, t->rcv_space);
		t->rcv_space = copied;
	}
	t->rcv_seq = copied_seq;
	t->rcv_time = now;
}

void tcp_tune_snd(struct ustack *st, struct tcp_conn *c)
{
	/* cwnd grows while the peer's window holds the sender back: no more than twice
	 * that window is of use */
	uint32_t w = c->max_sndwnd && c->max_sndwnd < c->cwnd ? c->max_sndwnd : c->cwnd;
	uint64_t want = 2ull * w;
	uint64_t max = st->tcp->sndbuf_max;

	if (c->sndbuf_lock)
		return;
	/* only while the congestion window limits the sender (as Linux's
	 * tcp_should_expand_sndbuf): when the peer's window is what holds it back (a
	 * receiver that does not read), more buffer would only hold more unsent bytes */
	uint32_t flight = c->snd_max - c->snd_una;
	if (c->snd_wnd <= flight + tcp_seg_payload_max(c))
		return;
	/* nor while most of the buffer waits unsent: the path takes less than the
	 * buffer holds already (a short round trip), and a larger ring only makes the
	 * bytes colder in the cache before they are sent */
	if (flight < c->sndbuf.cap / 2)
		return;
	if (max > TCP_MAX_BUF)
		max = TCP_MAX_BUF;
	if (want > max)
		want = max;
	/* by a quarter at least: a full ring's storage is the bound, and each new bound
	 * reallocates it (geometric steps keep the copying linear) */
	if (want <= c->sndbuf.cap || (want < c->sndbuf.cap + c->sndbuf.cap / 4 && want < max))
		return;
	c->sndbuf.cap = (uint32_t)want;
	tcp_write_space(st, c);
}

void tcp_tune_inherit(struct tcp_conn *c, const struct tcp_conn *l)
{
	c->rcvbuf_lock = l->rcvbuf_lock;
	c->sndbuf_lock = l->sndbuf_lock;
}
