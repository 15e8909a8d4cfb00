/* tcp_rack.c - the sender's scoreboard and loss detection (RFC 6675, RFC 8985), and
 * Proportional Rate Reduction's arithmetic (RFC 6937). See tcp_rack.h.
 *
 * A segment is deemed lost when either rule says so:
 *  - RFC 6675 IsLost(): at least DupThresh (3) segments' worth of SACKed bytes lie
 *    above it;
 *  - RACK (RFC 8985 6.2): a segment sent later than it was delivered, and more than
 *    RACK.rtt + RACK.reo_wnd has passed since it was (re)sent. This rule finds a lost
 *    retransmission too: it is judged by the time it was last sent.
 * A lost segment is retransmitted by tcp_output (NextSeg() rule 1), after which it is
 * judged again by the same rules. */
#include "tcp/tcp_rack.h"

#include <stdlib.h>
#include <string.h>

#include "core/stack.h"
#include "tcp/tcp_var.h"

#define DUPTHRESH 3

static uint32_t seg_bytes(const struct tcp_rseg *s)
{
	return s->end - s->start;
}

void tcp_rack_free(struct tcp_rack *r)
{
	free(r->seg);
	r->seg = NULL;
	r->head = r->n = r->cap = 0;
	r->sacked_bytes = r->lost_bytes = 0;
}

/* Room for one more entry at the end (compacting or growing). */
static bool reserve(struct tcp_rack *r)
{
	if (r->n < r->cap)
		return true;
	if (r->head > 0) {
		memmove(r->seg, r->seg + r->head, (size_t)(r->n - r->head) * sizeof(*r->seg));
		r->n -= r->head;
		r->head = 0;
		if (r->n < r->cap)
			return true;
	}
	uint32_t cap = r->cap ? r->cap * 2 : 16;
	struct tcp_rseg *s = realloc(r->seg, (size_t)cap * sizeof(*s));

	if (!s)
		return false;
	r->seg = s;
	r->cap = cap;
	return true;
}

/* Index of the entry holding seq, or of the first entry above it (r->n if none). */
static uint32_t find(const struct tcp_rack *r, uint32_t seq)
{
	uint32_t lo = r->head, hi = r->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (SEQ_LEQ(r->seg[mid].end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Cut the entry holding seq so that seq starts an entry. */
static bool split(struct tcp_rack *r, uint32_t seq)
{
	if (!reserve(r))
		return false;
	uint32_t i = find(r, seq);
	if (i >= r->n || !SEQ_LT(r->seg[i].start, seq))
		return true;
	memmove(r->seg + i + 1, r->seg + i, (size_t)(r->n - i) * sizeof(*r->seg));
	r->n++;
	r->seg[i].end = seq;
	r->seg[i + 1].start = seq;
	return true;
}

/* Entries [seq, end) as whole entries: split at both edges. Returns the first index. */
static uint32_t isolate(struct tcp_rack *r, uint32_t seq, uint32_t end)
{
	split(r, seq);
	split(r, end);
	return find(r, seq);
}

static void set_lost(struct tcp_rack *r, struct tcp_rseg *s, bool lost)
{
	if (lost && !(s->flags & RSEG_LOST)) {
		s->flags |= RSEG_LOST;
		r->lost_bytes += seg_bytes(s);
	} else if (!lost && (s->flags & RSEG_LOST)) {
		s->flags &= (uint8_t)~RSEG_LOST;
		r->lost_bytes -= seg_bytes(s);
	}
}

void tcp_rack_sent(struct ustack *st, struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	struct tcp_rack *r = &c->rack;
	uint32_t end = seq + len;

	if (len == 0)
		return;
	uint32_t top = r->n > r->head ? r->seg[r->n - 1].end : seq;
	if (r->n > r->head && SEQ_LT(seq, top)) {
		/* a retransmission of what the scoreboard holds */
		uint32_t e = SEQ_LT(end, top) ? end : top;
		uint32_t i = isolate(r, seq, e);

		for (; i < r->n && SEQ_LT(r->seg[i].start, e); i++) {
			struct tcp_rseg *s = &r->seg[i];

			set_lost(r, s, false);
			s->flags |= RSEG_RETRANS;
			tcp_dsack_retrans(c, seg_bytes(s));
			s->xmit = st->now;
			s->order = r->next_order++;
		}
		seq = e;
		if (!SEQ_LT(seq, end))
			return;
	}
	if (r->n == r->head)
		r->head = r->n = 0;
	if (!reserve(r))
		return;
	r->seg[r->n++] = (struct tcp_rseg){ .start = seq, .end = end, .xmit = st->now,
					    .order = r->next_order++ };
}

/* A segment delivered (ACKed or SACKed for the first time): RFC 8985 6.2 steps 2-3. */
static void delivered(struct ustack *st, struct tcp_conn *c, const struct tcp_rseg *s,
		      uint32_t fack)
{
	struct tcp_rack *r = &c->rack;
	uint64_t rtt = st->now - s->xmit;

	if ((s->flags & RSEG_RETRANS) && r->min_rtt && rtt < r->min_rtt)
		return;                              /* likely the original's ACK: ambiguous */
	if (!(s->flags & RSEG_RETRANS)) {
		if (!r->min_rtt || rtt < r->min_rtt)
			r->min_rtt = rtt ? (uint32_t)rtt : 1;
		if (SEQ_LT(s->end, fack))
			r->reordering_seen = true;   /* delivered below what was delivered already */
		if (c->cc.algo == TCP_CC_CUBIC && c->cwnd < c->ssthresh)
			tcp_hystart_rtt(&c->cc, (uint32_t)rtt);
	}
	if (!r->xmit_ts || (int32_t)(s->order - r->xmit_order) > 0) {
		r->xmit_ts = s->xmit;
		r->xmit_order = s->order;
		r->end_seq = s->end;
		r->rtt = (uint32_t)rtt;
	}
}

/* Highest sequence number delivered so far (cumulatively or SACKed). */
static uint32_t fack_of(const struct tcp_conn *c)
{
	const struct tcp_rack *r = &c->rack;

	for (uint32_t i = r->n; i > r->head; i--)
		if (r->seg[i - 1].flags & RSEG_SACKED)
			return r->seg[i - 1].end;
	return c->snd_una;
}

uint32_t tcp_rack_ack(struct ustack *st, struct tcp_conn *c, const struct tcp_repr *th)
{
	struct tcp_rack *r = &c->rack;
	uint32_t ack = th->ack, got = 0;
	uint32_t fack = fack_of(c);

	/* cumulative: entries wholly below ack go, a straddling one is cut */
	while (r->head < r->n && SEQ_LEQ(r->seg[r->head].end, ack)) {
		struct tcp_rseg *s = &r->seg[r->head];

		if (s->flags & RSEG_SACKED)
			r->sacked_bytes -= seg_bytes(s);
		else
			got += seg_bytes(s), delivered(st, c, s, fack);
		set_lost(r, s, false);
		r->head++;
	}
	if (r->head < r->n && SEQ_LT(r->seg[r->head].start, ack)) {
		struct tcp_rseg *s = &r->seg[r->head];
		uint32_t d = ack - s->start;

		if (s->flags & RSEG_SACKED) {
			r->sacked_bytes -= d;
		} else {
			got += d;
			delivered(st, c, s, fack);
			if (s->flags & RSEG_LOST)
				r->lost_bytes -= d;
		}
		s->start = ack;
	}
	if (r->head == r->n && r->seg) {
		/* Nothing in flight: give the array back (an idle connection stays small). */
		tcp_rack_free(r);
	}
	/* SACK blocks (RFC 2018): only within what is outstanding */
	for (unsigned b = 0; b < th->n_sack && (c->flags & TF_SACK_OK); b++) {
		uint32_t left = th->sack[b].left, right = th->sack[b].right;

		if (r->head == r->n)
			break;
		uint32_t lo = r->seg[r->head].start, hi = r->seg[r->n - 1].end;
		if (!SEQ_LT(left, right) || SEQ_LEQ(right, lo) || SEQ_GT(right, hi) ||
		    right - left > hi - lo)
			continue;
		if (SEQ_LT(left, lo))
			left = lo;
		uint32_t i = isolate(r, left, right);
		for (; i < r->n && SEQ_LT(r->seg[i].start, right); i++) {
			struct tcp_rseg *s = &r->seg[i];

			if ((s->flags & RSEG_SACKED) || SEQ_LT(s->start, left) ||
			    SEQ_GT(s->end, right))
				continue;               /* (a split failed: never over-claim) */
			set_lost(r, s, false);
			s->flags |= RSEG_SACKED;
			r->sacked_bytes += seg_bytes(s);
			got += seg_bytes(s);
			delivered(st, c, s, fack);
		}
	}
	if (r->tlp_out && SEQ_GEQ(ack, r->tlp_end))
		r->tlp_out = false;
	return got;
}

uint32_t tcp_rack_reo_wnd(const struct tcp_conn *c)
{
	const struct tcp_rack *r = &c->rack;

	/* RFC 8985 6.2 step 4: no reordering seen, and in recovery or with DupThresh
	 * segments SACKed: 0 (the RTT rule alone). Otherwise min_RTT/4 per step, within
	 * SRTT. */
	if (!r->reordering_seen &&
	    ((c->flags & TF_RECOVERY) || r->sacked_bytes >= DUPTHRESH * tcp_seg_payload_max(c)))
		return 0;
	uint64_t w = (uint64_t)(r->min_rtt / 4) * (r->reo_wnd_mult ? r->reo_wnd_mult : 1);
	if (c->srtt && w > c->srtt)
		w = c->srtt;
	return (uint32_t)w;
}

bool tcp_rack_detect(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;
	uint32_t mss = tcp_seg_payload_max(c);
	uint32_t reo = tcp_rack_reo_wnd(c);
	uint32_t sacked_above = 0;
	uint64_t wait = 0;

	/* from the top down, so that the SACKed bytes above each segment are known */
	for (uint32_t i = r->n; i > r->head; i--) {
		struct tcp_rseg *s = &r->seg[i - 1];

		if (s->flags & RSEG_SACKED) {
			sacked_above += seg_bytes(s);
			continue;
		}
		if (s->flags & RSEG_LOST)
			continue;
		bool lost = false;
		if (!(s->flags & RSEG_RETRANS) && sacked_above >= DUPTHRESH * mss)
			lost = true;                     /* RFC 6675 IsLost() */
		else if (r->xmit_ts && (int32_t)(s->order - r->xmit_order) < 0) {
			uint64_t due = s->xmit + r->rtt + reo;   /* RFC 8985 6.2 step 5 */

			if (due <= st->now)
				lost = true;
			else if (!wait || due - st->now < wait)
				wait = due - st->now;
		}
		if (lost) {
			set_lost(r, s, true);
			ST_COUNT(st, tcp_rack_lost);
		}
	}
	if (wait)
		tcp_timer_set(st, c, TT_RACK, st->now + wait);
	else
		tcp_timer_stop(st, c, TT_RACK);
	return r->lost_bytes > 0;
}

uint32_t tcp_rack_pipe(const struct tcp_conn *c)
{
	const struct tcp_rack *r = &c->rack;

	if (r->head == r->n)
		return 0;
	uint32_t all = r->seg[r->n - 1].end - r->seg[r->head].start;
	uint32_t out = r->sacked_bytes + r->lost_bytes;
	return all > out ? all - out : 0;
}

bool tcp_rack_next_lost(const struct tcp_conn *c, uint32_t *seq, uint32_t *len)
{
	const struct tcp_rack *r = &c->rack;

	if (!r->lost_bytes)
		return false;
	for (uint32_t i = r->head; i < r->n; i++) {
		if (r->seg[i].flags & RSEG_LOST) {
			*seq = r->seg[i].start;
			*len = seg_bytes(&r->seg[i]);
			return true;
		}
	}
	return false;
}

bool tcp_rack_last(const struct tcp_conn *c, uint32_t *seq, uint32_t *len)
{
	const struct tcp_rack *r = &c->rack;

	if (r->head == r->n)
		return false;
	*seq = r->seg[r->n - 1].start;
	*len = seg_bytes(&r->seg[r->n - 1]);
	return true;
}

void tcp_rack_mark_all_lost(struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;

	for (uint32_t i = r->head; i < r->n; i++)
		if (!(r->seg[i].flags & RSEG_SACKED))
			set_lost(r, &r->seg[i], true);
}

void tcp_rack_unmark_lost(struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;

	for (uint32_t i = r->head; i < r->n; i++)
		set_lost(r, &r->seg[i], false);
}

uint64_t tcp_rack_pto(struct ustack *st, const struct tcp_conn *c)
{
	uint64_t pto;

	if (!c->srtt)
		return 1000000;                      /* RFC 8985 7.2: 1 s without an RTT */
	pto = 2 * (uint64_t)c->srtt;
	/* one segment in flight: the peer may delay its ACK */
	if (c->snd_max - c->snd_una <= tcp_seg_payload_max(c))
		pto += st->tcp->delack;
	if (pto < 2000)
		pto = 2000;
	return pto;
}

/* --- RFC 6937 --- */

void tcp_prr_start(struct tcp_rack *r, uint32_t recover_fs)
{
	r->prr_delivered = 0;
	r->prr_out = 0;
	r->recover_fs = recover_fs ? recover_fs : 1;
	r->prr_sndcnt = 0;
}

int64_t tcp_prr_ack(struct tcp_rack *r, uint32_t delivered, uint32_t pipe, uint32_t ssthresh,
		    uint32_t mss)
{
	int64_t sndcnt;

	r->prr_delivered += delivered;
	if (pipe > ssthresh) {
		/* proportional: CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out */
		uint64_t num = (uint64_t)r->prr_delivered * ssthresh;
		int64_t want = (int64_t)((num + r->recover_fs - 1) / r->recover_fs);

		sndcnt = want - (int64_t)r->prr_out;
	} else {
		/* PRR-SSRB: slow start back up to ssthresh */
		int64_t lim = (int64_t)r->prr_delivered - (int64_t)r->prr_out;

		if (lim < (int64_t)delivered)
			lim = delivered;
		lim += mss;
		sndcnt = (int64_t)ssthresh - (int64_t)pipe;
		if (sndcnt > lim)
			sndcnt = lim;
	}
	if (sndcnt < 0)
		sndcnt = 0;
	r->prr_sndcnt = sndcnt;
	return sndcnt;
}
