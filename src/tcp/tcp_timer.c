/* tcp_timer.c - the timers of a connection: retransmission (RFC 6298), zero-window
 * persist (RFC 9293 3.8.6.1), delayed ACK (RFC 9293 3.8.6.3), keep-alive (RFC 1122
 * 4.2.3.6), 2MSL (RFC 9293 3.3.2, TIME_WAIT) and the release of drained rings.
 *
 * Each connection has one core timer (src/core/timer.h) and an array of deadlines. The
 * core timer is armed at the earliest deadline; stopping or postponing a deadline does
 * not touch the heap (the timer may then fire early, find nothing due, and re-arm), so
 * the per-ACK cost of restarting the retransmission timer is usually O(1). Handlers
 * only set flags and call tcp_output, which decides what to send. */
#include "tcp/tcp_var.h"

#include <errno.h>
#include <string.h>

#include "core/stack.h"
#include "net/inet.h"
#include "core/trace.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_syncookie.h"

static void tcp_timer_fire(struct ustack *st, struct timer *t, uint64_t now);

void tcp_timer_init(struct tcp_conn *c)
{
	timer_init(&c->timer, tcp_timer_fire, c);
	memset(c->deadline, 0, sizeof(c->deadline));
}

static uint64_t earliest(const struct tcp_conn *c)
{
	uint64_t e = UINT64_MAX;

	for (int i = 0; i < TT_N; i++)
		if (c->deadline[i] && c->deadline[i] < e)
			e = c->deadline[i];
	return e;
}

/* Arm the core timer if a deadline is now earlier than what it waits for. */
static void rearm(struct ustack *st, struct tcp_conn *c)
{
	uint64_t e = earliest(c);

	if (e == UINT64_MAX)
		return;
	if (!timer_pending(&c->timer) || e < c->timer.when)
		timer_set(st, &c->timer, e);
}

void tcp_timer_set(struct ustack *st, struct tcp_conn *c, enum tcp_timer_id which, uint64_t when)
{
	c->deadline[which] = when ? when : 1;
	if (which == TT_REXMT)
		c->rexmt_armed = st->now;
	rearm(st, c);
}

void tcp_timer_stop(struct ustack *st, struct tcp_conn *c, enum tcp_timer_id which)
{
	(void)st;
	c->deadline[which] = 0;
}

void tcp_timer_stop_all(struct ustack *st, struct tcp_conn *c)
{
	memset(c->deadline, 0, sizeof(c->deadline));
	timer_cancel(st, &c->timer);
}

/* --- RFC 6298 --- */

void tcp_rto_init(struct ustack *st, struct tcp_conn *c)
{
	c->srtt = 0;
	c->rttvar = 0;
	c->rto = (uint32_t)st->tcp->initial_rto;     /* 2.1: 1 s before any sample */
	c->rxtshift = 0;
}

void tcp_rtt_sample(struct ustack *st, struct tcp_conn *c, uint64_t rtt_us)
{
	struct tcp_state *ts = st->tcp;
	uint32_t r = rtt_us > 0xfffffffu ? 0xfffffffu : (uint32_t)rtt_us;
	uint64_t rto;

	if (r == 0)
		r = 1;
	if (c->srtt == 0) {
		/* 2.2: the first measurement */
		c->srtt = r;
		c->rttvar = r / 2;
	} else {
		/* 2.3: RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|; SRTT <- 7/8 SRTT + 1/8 R' */
		uint32_t d = c->srtt > r ? c->srtt - r : r - c->srtt;

		c->rttvar = (3 * c->rttvar + d) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
		if (c->srtt == 0)
			c->srtt = 1;
	}
	/* RTO <- SRTT + max(G, K*RTTVAR), G = 1 ms; 2.4 / 2.5: bounded */
	rto = (uint64_t)c->srtt + (4 * (uint64_t)c->rttvar > 1000 ? 4 * (uint64_t)c->rttvar : 1000);
	if (rto < ts->min_rto)
		rto = ts->min_rto;
	if (rto > ts->max_rto)
		rto = ts->max_rto;
	c->rto = (uint32_t)rto;
}

uint64_t tcp_rexmt_timeout(struct ustack *st, const struct tcp_conn *c)
{
	uint64_t t = c->rto;
	unsigned shift = c->rxtshift > 20 ? 20 : c->rxtshift;

	t <<= shift;                                  /* 5.5: back off */
	if (t > st->tcp->max_rto)
		t = st->tcp->max_rto;
	return t;
}

void tcp_rexmt_restart(struct ustack *st, struct tcp_conn *c)
{
	uint64_t when = st->now + tcp_rexmt_timeout(st, c);

	/* TCP_USER_TIMEOUT: the last retransmission timer ends when the user's time does
	 * (Linux's tcp_clamp_rto_to_user_timeout), so the abort is on time */
	if (c->user_timeout_ms && c->rxtshift) {
		uint64_t end = c->ut_start + (uint64_t)c->user_timeout_ms * 1000u;
		if (end < when)
			when = end > st->now ? end : st->now;
	}
	tcp_timer_set(st, c, TT_REXMT, when);
}

/* TCP_USER_TIMEOUT (RFC 5482 / tcp(7)): data unacknowledged since ut_start for at least
 * the user's time? */
static bool user_timed_out(const struct ustack *st, const struct tcp_conn *c, uint64_t since)
{
	return c->user_timeout_ms && st->now - since >= (uint64_t)c->user_timeout_ms * 1000u;
}

void tcp_persist_start(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_state *ts = st->tcp;
	uint64_t base = c->srtt ? (uint64_t)c->srtt + 4 * (uint64_t)c->rttvar : c->rto;
	uint64_t t;

	/* The floor first, then the backoff: the intervals double from the first probe
	 * (applied the other way round, a small RTT stayed at the floor for 5-6 probes). */
	if (base < ts->persist_min)
		base = ts->persist_min;
	t = base << (c->persist_shift > 16 ? 16 : c->persist_shift);
	if (t > ts->persist_max)
		t = ts->persist_max;
	if (c->persist_shift == 0)
		c->persist_since = st->now;     /* the window just closed (reset when it opens) */
	if (c->user_timeout_ms) {
		/* TCP_USER_TIMEOUT: the last probe interval ends with the user's time */
		uint64_t end = c->persist_since + (uint64_t)c->user_timeout_ms * 1000u;
		if (end < st->now + t)
			t = end > st->now ? end - st->now : 0;
	}
	if (c->persist_shift < 16)
		c->persist_shift++;
	tcp_timer_set(st, c, TT_PERSIST, st->now + t);
}

void tcp_delack_start(struct ustack *st, struct tcp_conn *c)
{
	if (c->flags & TF_DELACK)
		return;
	c->flags |= TF_DELACK;
	tcp_timer_set(st, c, TT_DELACK, st->now + st->tcp->delack);
}

/* An ACK owed for a super-segment (a GSO/GRO frame from an offloading device) goes at
 * the end of the current step: the stack runs due timers after it has polled its
 * devices, so every super-segment read in one poll batch is acknowledged by one ACK,
 * as a Linux receiver with GRO acknowledges one merged frame per NAPI poll. */
void tcp_delack_batch(struct ustack *st, struct tcp_conn *c)
{
	c->flags |= TF_DELACK;
	if (!c->deadline[TT_DELACK] || c->deadline[TT_DELACK] > st->now)
		tcp_timer_set(st, c, TT_DELACK, st->now);
}

void tcp_keep_start(struct ustack *st, struct tcp_conn *c)
{
	if (!(c->flags & TF_KEEPALIVE) || !TCPS_HAVE_ESTABLISHED(c->state) ||
	    c->state == TCPS_TIME_WAIT) {
		tcp_timer_stop(st, c, TT_KEEP);
		return;
	}
	c->keep_probes = 0;
	tcp_timer_set(st, c, TT_KEEP, c->last_rcv + c->keep_idle);
}

/* RFC 9293 3.3.2: TIME_WAIT holds the connection for 2 MSL. Nothing is sent from
 * it any more, so the send buffer goes; the receive buffer stays while the user may
 * still read it. */
void tcp_time_wait_start(struct ustack *st, struct tcp_conn *c)
{
	tcp_set_state(st, c, TCPS_TIME_WAIT);
	c->deadline[TT_REXMT] = c->deadline[TT_PERSIST] = c->deadline[TT_KEEP] = 0;
	c->flags &= ~(TF_RECOVERY | TF_FORCE | TF_REXMIT_ONE);
	tcp_ring_free(&c->sndbuf);
	if (!upcall_is_set(&c->up))
		tcp_ring_free(&c->rcvbuf);
	else if (c->ooo.n == 0)
		tcp_ring_release(&c->rcvbuf);             /* nothing unread: nothing to keep */
	tcp_ranges_clear(&c->sacked);
	tcp_rack_free(&c->rack);
	c->deadline[TT_RACK] = c->deadline[TT_TLP] = 0;
	tcp_timer_set(st, c, TT_2MSL, st->now + 2 * st->tcp->msl);
}

/* --- the handlers --- */

/* RFC 6298 5.4-5.6 and RFC 9293 3.8.3: retransmit the earliest unacknowledged
 * segment, back off, give up after too many tries. */
static void timer_rexmt(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_state *ts = st->tcp;
	int limit = c->state == TCPS_SYN_SENT ? ts->syn_retries :
		    c->state == TCPS_SYN_RECEIVED ? tcp_synack_retries(st, c) : ts->data_retries;

	if (c->snd_una == c->snd_max && c->state != TCPS_SYN_SENT &&
	    c->state != TCPS_SYN_RECEIVED)
		return;                                 /* nothing outstanding any more */
	ST_COUNT(st, tcp_timeouts);
	if (c->rxtshift == 0)
		c->ut_start = c->rexmt_armed;   /* the last ACK of progress, or the first send */
	/* a passive half-open child keeps its SYN-ACK limit (SYN floods) */
	bool by_time = c->user_timeout_ms && !(c->state == TCPS_SYN_RECEIVED &&
					       (c->flags & TF_PASSIVE));
	if (by_time ? user_timed_out(st, c, c->ut_start) : c->rxtshift >= limit) {
		if (by_time)
			trace_info(st, "tcp %d: unacknowledged for TCP_USER_TIMEOUT %u ms", c->id,
				   c->user_timeout_ms);
		trace_info(st, "tcp %d: retransmission limit reached (%d)", c->id, limit);
		if (c->state == TCPS_SYN_RECEIVED && (c->flags & TF_PASSIVE)) {
			ST_COUNT(st, tcp_conn_dropped);
			tcp_closed(st, c);              /* a half-open child just goes */
		} else {
			tcp_drop(st, c, ETIMEDOUT);
		}
		return;
	}
	c->rxtshift++;
	/* RFC 1122 4.2.3.5: after R1 (here 2) timeouts, tell IP: the neighbour is checked
	 * again (a stale or wrong link-layer address is the likely cause, not congestion) */
	if (c->rxtshift == 2)
		inet_negative_advice(st, &c->raddr, c->ifindex);
	if (trace_on(st))
		trace_info(st, "tcp %d: retransmission timeout #%d (una %u max %u wnd %u cwnd %u%s)",
			   c->id, c->rxtshift, c->snd_una, c->snd_max, c->snd_wnd, c->cwnd,
			   (c->flags & TF_RECOVERY) ? " in recovery" : "");
	c->rt_active = false;                           /* Karn: no sample from a retransmission */
	if (c->state == TCPS_SYN_SENT || c->state == TCPS_SYN_RECEIVED) {
		c->flags |= TF_SYN_REXMIT;
		c->snd_nxt = c->iss;
		ST_COUNT(st, tcp_retransmits);          /* data resends count in output */
		c->total_retrans++;
	} else {
		tcp_cc_rto(st, c);
		/* With SACK the scoreboard now holds every unSACKed segment as lost and output
		 * resends those; without it, go back to SND.UNA. */
		if (!(c->flags & TF_SACK_OK))
			c->snd_nxt = c->snd_una;
		tcp_timer_stop(st, c, TT_TLP);
		tcp_timer_stop(st, c, TT_RACK);
	}
	tcp_output(st, c);
	if (!tcp_timer_on(c, TT_REXMT) && !tcp_timer_on(c, TT_PERSIST) && c->state != TCPS_CLOSED)
		tcp_rexmt_restart(st, c);
}

static void timer_persist(struct ustack *st, struct tcp_conn *c)
{
	/* RFC 1122 4.2.2.17: probe for as long as the peer answers; a peer that answers
	 * none of data_retries probes is gone. */
	/* Linux (since 5.13): TCP_USER_TIMEOUT also ends a window that stays closed that
	 * long, the peer answering the probes or not */
	if (user_timed_out(st, c, c->persist_since)) {
		trace_info(st, "tcp %d: zero window for TCP_USER_TIMEOUT %u ms", c->id,
			   c->user_timeout_ms);
		tcp_drop(st, c, ETIMEDOUT);
		return;
	}
	if (++c->persist_probes > st->tcp->data_retries) {
		trace_info(st, "tcp %d: %d zero-window probes unanswered", c->id,
			   c->persist_probes - 1);
		tcp_drop(st, c, ETIMEDOUT);
		return;
	}
	c->flags |= TF_FORCE;
	tcp_output(st, c);
	c->flags &= ~TF_FORCE;
	if (c->snd_wnd == 0 && !tcp_timer_on(c, TT_PERSIST) && c->state != TCPS_CLOSED)
		tcp_persist_start(st, c);
}

static void timer_keep(struct ustack *st, struct tcp_conn *c)
{
	if (!(c->flags & TF_KEEPALIVE) || !TCPS_HAVE_ESTABLISHED(c->state) ||
	    c->state == TCPS_TIME_WAIT)
		return;
	if (c->keep_probes == 0 && st->now < c->last_rcv + c->keep_idle) {
		tcp_timer_set(st, c, TT_KEEP, c->last_rcv + c->keep_idle);
		return;
	}
	if ((c->keep_probes && user_timed_out(st, c, c->last_rcv)) ||
	    (!c->user_timeout_ms && c->keep_probes >= c->keep_cnt)) {
		trace_info(st, "tcp %d: keep-alive: no answer to %d probes", c->id, c->keep_probes);
		tcp_drop(st, c, ETIMEDOUT);
		return;
	}
	/* RFC 1122 4.2.3.6: a sequence number the peer has seen already, no data, asking
	 * for an ACK. SND.UNA-1 rather than SND.NXT-1 (as the BSDs do): it stays old
	 * even while data is unacknowledged. */
	tcp_send_ctl(st, c, c->snd_una - 1, c->rcv_nxt, TCP_ACK);
	if (c->keep_probes < INT16_MAX)
		c->keep_probes++;
	tcp_timer_set(st, c, TT_KEEP, st->now + c->keep_intvl);
}

static void timer_2msl(struct ustack *st, struct tcp_conn *c)
{
	if (c->state == TCPS_TIME_WAIT || c->state == TCPS_FIN_WAIT_2)
		tcp_closed(st, c);
}

/* --- drained rings --- */

/* Freeing a ring the moment it drains would make a busy connection, whose reader keeps
 * up or whose every write is acknowledged before the next, allocate and free its whole
 * buffer over and over (measured: 40 times the brk calls in sim_tcp_bulk). So a drained
 * ring keeps its storage until it has stayed drained a while; each drain postpones the
 * deadline, which costs no timer-heap work while the core timer waits for an earlier
 * one (see the top of the file). */
void tcp_drained(struct ustack *st, struct tcp_conn *c)
{
	bool snd = c->sndbuf.buf && c->sndbuf.len == 0;
	bool rcv = c->rcvbuf.buf && c->rcvbuf.len == 0 && c->ooo.n == 0;

	if (snd && (c->flags & (TF_FIN_PENDING | TF_SENTFIN))) {
		tcp_ring_release(&c->sndbuf);            /* the user writes no more */
		snd = false;
	}
	if (rcv && ((c->flags & (TF_RCVD_FIN | TF_SHUT_RD)) || c->state == TCPS_CLOSED)) {
		tcp_ring_release(&c->rcvbuf);            /* nothing more can arrive */
		rcv = false;
	}
	if ((snd || rcv) && c->state != TCPS_CLOSED)
		tcp_timer_set(st, c, TT_IDLE, st->now + TCP_RING_IDLE_US);
}

static void timer_idle(struct ustack *st, struct tcp_conn *c)
{
	(void)st;
	tcp_ring_release(&c->sndbuf);                    /* each only if still empty */
	if (c->ooo.n == 0)
		tcp_ring_release(&c->rcvbuf);
}

static void timer_delack(struct ustack *st, struct tcp_conn *c)
{
	if (!(c->flags & TF_DELACK))
		return;
	c->flags |= TF_ACKNOW;
	tcp_output(st, c);
}

/* RFC 8985 6.2: the reordering window of a segment ran out. */
static void timer_rack(struct ustack *st, struct tcp_conn *c)
{
	tcp_cc_rack_timeout(st, c);
	tcp_output(st, c);
}

/* RFC 8985 7.3: the Tail Loss Probe. */
static void timer_tlp(struct ustack *st, struct tcp_conn *c)
{
	tcp_output_tlp(st, c);
}

static void tcp_timer_fire(struct ustack *st, struct timer *t, uint64_t now)
{
	static void (*const handlers[TT_N])(struct ustack *, struct tcp_conn *) = {
		[TT_2MSL] = timer_2msl,
		[TT_REXMT] = timer_rexmt,
		[TT_PERSIST] = timer_persist,
		[TT_KEEP] = timer_keep,
		[TT_DELACK] = timer_delack,
		[TT_IDLE] = timer_idle,
		[TT_RACK] = timer_rack,
		[TT_TLP] = timer_tlp,
	};
	static const enum tcp_timer_id order[TT_N] = { TT_2MSL, TT_RACK, TT_TLP, TT_REXMT,
						       TT_PERSIST, TT_KEEP, TT_DELACK, TT_IDLE };
	struct tcp_conn *c = t->arg;

	for (int i = 0; i < TT_N && c->state != TCPS_CLOSED; i++) {
		enum tcp_timer_id w = order[i];

		if (c->deadline[w] && c->deadline[w] <= now) {
			c->deadline[w] = 0;
			handlers[w](st, c);
		}
	}
	if (tcp_conn_gc(st, c))
		return;
	if (c->state != TCPS_CLOSED)
		rearm(st, c);
}
