/* tcp_cc.c - congestion control (RFC 5681) and loss recovery.
 *
 * Slow start and congestion avoidance count bytes (RFC 3465, L = 2*SMSS). Three
 * duplicate ACKs start fast retransmit / fast recovery: NewReno (RFC 6582) with window
 * inflation when SACK was not agreed; with SACK, the scoreboard and "pipe" of RFC 6675
 * decide: every byte below the highest SACKed byte that is not SACKed is taken as lost
 * (the forward-acknowledgment estimate), holes are retransmitted first, and new data
 * goes out while pipe < cwnd. Limited transmit (RFC 3042) is applied by tcp_output.
 * A retransmission of the first hole that is itself lost is sent again once it has
 * been outstanding for more than a smoothed RTT and a quarter (rather than waiting
 * for the retransmission timer). */
#include "tcp/tcp_cc.h"

#include "core/stack.h"
#include "tcp/tcp_var.h"

#define CWND_MAX (1u << 30)

static uint32_t smss(const struct tcp_conn *c)
{
	return tcp_seg_payload_max(c);
}

uint32_t tcp_cc_flight(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

void tcp_cc_init(struct ustack *st, struct tcp_conn *c)
{
	uint32_t mss = smss(c);
	uint32_t iw = 10 * mss;                        /* RFC 6928 */
	uint32_t cap = 2 * mss > 14600 ? 2 * mss : 14600;

	(void)st;
	if (iw > cap)
		iw = cap;
	if (c->flags & TF_SYN_REXMIT)
		iw = mss;                              /* RFC 5681 3.1: the SYN was lost */
	c->cwnd = iw;
	c->ssthresh = CWND_MAX;
	c->bytes_acked = 0;
	c->dupacks = 0;
	c->recover = c->snd_una;
	c->rxmit_nxt = c->snd_una;
	c->flags &= ~TF_RECOVERY;
}

uint32_t tcp_cc_fack(const struct tcp_conn *c)
{
	if (c->sacked.n && SEQ_GT(c->sacked.r[c->sacked.n - 1].right, c->snd_una))
		return c->sacked.r[c->sacked.n - 1].right;
	return c->snd_una;
}

/* SACKed bytes below lim. */
static uint32_t sacked_below(const struct tcp_conn *c, uint32_t lim)
{
	uint32_t b = 0;

	for (unsigned i = 0; i < c->sacked.n && SEQ_LT(c->sacked.r[i].left, lim); i++)
		b += seq_min(c->sacked.r[i].right, lim) - c->sacked.r[i].left;
	return b;
}

uint32_t tcp_cc_pipe(const struct tcp_conn *c)
{
	uint32_t fack = tcp_cc_fack(c);
	uint32_t p = SEQ_GT(c->snd_max, fack) ? c->snd_max - fack : 0;
	uint32_t lim = seq_min(seq_max(c->rxmit_nxt, c->snd_una), fack);

	if (SEQ_GT(lim, c->snd_una))
		p += (lim - c->snd_una) - sacked_below(c, lim);
	return p;
}

bool tcp_cc_next_hole(const struct tcp_conn *c, uint32_t *seq, uint32_t *len)
{
	uint32_t s = seq_max(c->rxmit_nxt, c->snd_una);

	for (unsigned i = 0; i < c->sacked.n; i++) {
		const struct tcp_range *r = &c->sacked.r[i];

		if (SEQ_LT(s, r->left)) {
			*seq = s;
			*len = r->left - s;
			return true;
		}
		if (SEQ_LT(s, r->right))
			s = r->right;
	}
	return false;
}

void tcp_cc_sack(struct tcp_conn *c, const struct tcp_repr *th)
{
	for (unsigned i = 0; i < th->n_sack; i++) {
		uint32_t l = th->sack[i].left, r = th->sack[i].right;

		/* RFC 2018: only blocks within what we sent and above the cumulative ACK */
		if (!SEQ_LT(l, r) || SEQ_LEQ(r, c->snd_una) || SEQ_GT(r, c->snd_max) ||
		    r - l > c->snd_max - c->snd_una)
			continue;
		if (SEQ_LT(l, c->snd_una))
			l = c->snd_una;
		tcp_ranges_add(&c->sacked, l, r);
	}
}

/* Was the retransmission of the first hole lost too? (see the top of the file) */
static void head_lost_again(struct ustack *st, struct tcp_conn *c)
{
	uint64_t wait = c->srtt ? (uint64_t)c->srtt + c->srtt / 4 + 2000 : c->rto;

	if (!c->rxmit_head_time || st->now - c->rxmit_head_time < wait)
		return;
	if (c->flags & TF_SACK_OK) {
		if (SEQ_GT(c->rxmit_nxt, c->snd_una))
			c->rxmit_nxt = c->snd_una;
	} else {
		c->flags |= TF_REXMIT_ONE;
	}
	c->rxmit_head_time = 0;
}

void tcp_cc_new_ack(struct ustack *st, struct tcp_conn *c, uint32_t ack)
{
	uint32_t acked = ack - c->snd_una;
	uint32_t mss = smss(c);

	if (c->flags & TF_RECOVERY) {
		if (SEQ_GEQ(ack, c->recover)) {
			/* RFC 6582 3.2 step 3 (full acknowledgment), option 1 */
			uint32_t flight = c->snd_max - ack;
			uint32_t w = (flight > mss ? flight : mss) + mss;

			c->cwnd = w < c->ssthresh ? w : c->ssthresh;
			c->flags &= ~(TF_RECOVERY | TF_REXMIT_ONE);
			c->dupacks = 0;
			c->bytes_acked = 0;
			c->rxmit_head_time = 0;
			return;
		}
		/* partial acknowledgment (step 5) */
		if (!(c->flags & TF_SACK_OK)) {
			c->flags |= TF_REXMIT_ONE;
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : mss;
			if (acked >= mss)
				c->cwnd += mss;
		}
		/* The new first hole: if it was retransmitted already, its clock starts now. */
		if (SEQ_GT(c->rxmit_nxt, ack))
			c->rxmit_head_time = st->now;
		else
			c->rxmit_nxt = ack;
		return;
	}
	c->dupacks = 0;
	if (c->cwnd < c->ssthresh) {
		c->cwnd += acked < 2 * mss ? acked : 2 * mss;   /* slow start, RFC 3465 */
	} else {
		c->bytes_acked += acked;                     /* congestion avoidance */
		if (c->bytes_acked >= c->cwnd) {
			c->bytes_acked -= c->cwnd;
			c->cwnd += mss;
		}
	}
	if (c->cwnd > CWND_MAX)
		c->cwnd = CWND_MAX;
}

void tcp_cc_dup_ack(struct ustack *st, struct tcp_conn *c)
{
	uint32_t mss = smss(c);

	c->dupacks++;
	if (c->flags & TF_RECOVERY) {
		if (!(c->flags & TF_SACK_OK) && c->cwnd < CWND_MAX)
			c->cwnd += mss;                  /* RFC 6582 step 4: inflate */
		head_lost_again(st, c);
		return;
	}
	bool lost = c->dupacks >= 3 ||
		    ((c->flags & TF_SACK_OK) && tcp_ranges_bytes(&c->sacked) >= 3 * mss);
	if (!lost || SEQ_LT(c->snd_una, c->recover))
		return;
	/* RFC 5681 3.2 steps 2-3 / RFC 6582 3.2 step 2 */
	uint32_t flight = tcp_cc_flight(c);
	c->ssthresh = flight / 2 > 2 * mss ? flight / 2 : 2 * mss;
	c->recover = c->snd_max;
	c->flags |= TF_RECOVERY;
	c->rxmit_nxt = c->snd_una;
	c->rt_active = false;
	if (c->flags & TF_SACK_OK) {
		c->cwnd = c->ssthresh;
	} else {
		c->cwnd = c->ssthresh + 3 * mss;
		c->flags |= TF_REXMIT_ONE;
	}
	ST_COUNT(st, tcp_fast_retransmits);
}

void tcp_cc_rto(struct ustack *st, struct tcp_conn *c)
{
	uint32_t mss = smss(c);
	uint32_t flight = tcp_cc_flight(c);

	(void)st;
	/* RFC 5681 3.1 eq. 4, only for the first timeout of a segment */
	if (c->rxtshift <= 1)
		c->ssthresh = flight / 2 > 2 * mss ? flight / 2 : 2 * mss;
	c->cwnd = mss;                                 /* the loss window */
	c->bytes_acked = 0;
	c->dupacks = 0;
	c->flags &= ~(TF_RECOVERY | TF_REXMIT_ONE);
	c->recover = c->snd_max;
	c->rxmit_nxt = c->snd_una;
	c->rxmit_head_time = 0;
	tcp_ranges_clear(&c->sacked);
}
