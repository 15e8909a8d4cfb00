/* tcp_cc.c - congestion control (RFC 5681, RFC 9438) and loss recovery. See tcp_cc.h.
 *
 * Slow start counts bytes (RFC 3465, L = 2*SMSS); for CUBIC, HyStart++ may end it
 * early. Without SACK, three duplicate ACKs start NewReno fast recovery (RFC 6582)
 * with window inflation. With SACK, the scoreboard of tcp_rack.c decides what is lost
 * (RFC 6675 IsLost and RACK's time rule); the first loss starts recovery: ssthresh
 * from the algorithm, RecoveryPoint = SND.MAX, and Proportional Rate Reduction (RFC
 * 6937) paces what goes out until SND.UNA passes RecoveryPoint, when cwnd = ssthresh.
 * A timeout marks everything unSACKed lost and slow-starts from one segment; if the
 * first ACK after it echoes a timestamp older than the retransmission's, the timeout
 * was spurious (RFC 3522) and cwnd/ssthresh are restored. */
#include "tcp/tcp_cc.h"

#include <errno.h>
#include <string.h>

#include "core/stack.h"
#include "core/trace.h"
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

const char *tcp_cc_name(const struct tcp_conn *c)
{
	return c->cc.algo == TCP_CC_RENO ? "reno" : "cubic";
}

int tcp_cc_select(struct tcp_conn *c, const char *name)
{
	if (strcmp(name, "cubic") == 0)
		c->cc.algo = TCP_CC_CUBIC;
	else if (strcmp(name, "reno") == 0)
		c->cc.algo = TCP_CC_RENO;
	else
		return -ENOENT;
	return 0;
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
	tcp_cubic_init(&c->cc);
}

/* The ssthresh of a congestion event (RFC 5681 eq. 4, or CUBIC's beta). */
static uint32_t loss_ssthresh(struct tcp_conn *c)
{
	uint32_t mss = smss(c);

	if (c->cc.algo == TCP_CC_CUBIC) {
		uint32_t w = c->cwnd < tcp_cc_flight(c) ? c->cwnd : tcp_cc_flight(c);
		return tcp_cubic_loss(&c->cc, w > mss ? w : mss, mss);
	}
	uint32_t flight = tcp_cc_flight(c);
	return flight / 2 > 2 * mss ? flight / 2 : 2 * mss;
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

/* Window growth outside recovery. */
static void grow(struct ustack *st, struct tcp_conn *c, uint32_t ack, uint32_t acked)
{
	uint32_t mss = smss(c);

	if (c->cwnd < c->ssthresh) {
		uint32_t g = acked < 2 * mss ? acked : 2 * mss;   /* slow start, RFC 3465 */

		if (c->cc.algo == TCP_CC_CUBIC) {
			bool exit_ss;

			g = tcp_hystart_ack(&c->cc, ack, c->snd_max, g, &exit_ss);
			if (exit_ss)
				c->ssthresh = c->cwnd;
		}
		c->cwnd += g;
	} else if (c->cc.algo == TCP_CC_CUBIC) {
		uint32_t rtt = c->rack.min_rtt ? c->rack.min_rtt : c->srtt;

		c->cwnd = tcp_cubic_ack(&c->cc, st->now, c->cwnd, acked, rtt, mss);
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

void tcp_cc_new_ack(struct ustack *st, struct tcp_conn *c, uint32_t ack)
{
	uint32_t acked = ack - c->snd_una;
	uint32_t mss = smss(c);

	if (c->flags & TF_SACK_OK) {
		c->dupacks = 0;
		if (c->flags & TF_RECOVERY) {
			if (SEQ_GEQ(ack, c->recover)) {
				/* RFC 6937: at the end of recovery cwnd = ssthresh */
				c->cwnd = c->ssthresh;
				c->flags &= ~TF_RECOVERY;
				c->bytes_acked = 0;
				tcp_dsack_recovery_end(c);
			}
			return;
		}
		grow(st, c, ack, acked);
		return;
	}
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
		c->flags |= TF_REXMIT_ONE;
		c->cwnd = c->cwnd > acked ? c->cwnd - acked : mss;
		if (acked >= mss)
			c->cwnd += mss;
		return;
	}
	c->dupacks = 0;
	grow(st, c, ack, acked);
}

void tcp_cc_dup_ack(struct ustack *st, struct tcp_conn *c)
{
	uint32_t mss = smss(c);

	c->dupacks++;
	if (c->flags & TF_SACK_OK)
		return;                                  /* the scoreboard decides */
	if (c->flags & TF_RECOVERY) {
		if (c->cwnd < CWND_MAX)
			c->cwnd += mss;                  /* RFC 6582 step 4: inflate */
		return;
	}
	if (c->dupacks < 3 || SEQ_LT(c->snd_una, c->recover))
		return;
	/* RFC 5681 3.2 steps 2-3 / RFC 6582 3.2 step 2 */
	c->ssthresh = loss_ssthresh(c);
	c->recover = c->snd_max;
	c->flags |= TF_RECOVERY;
	c->rt_active = false;
	c->cwnd = c->ssthresh + 3 * mss;
	c->flags |= TF_REXMIT_ONE;
	ST_COUNT(st, tcp_fast_retransmits);
}

/* Loss found with SACK: start recovery unless one is under way (RFC 6675 section 5). */
static void sack_loss(struct ustack *st, struct tcp_conn *c)
{
	if ((c->flags & TF_RECOVERY) || SEQ_LT(c->snd_una, c->recover))
		return;
	tcp_dsack_event(c, c->cwnd, c->ssthresh);     /* undone if D-SACK proves it spurious */
	c->ssthresh = loss_ssthresh(c);
	c->recover = c->snd_max;
	c->flags |= TF_RECOVERY;
	c->rt_active = false;
	c->bytes_acked = 0;
	c->cwnd = c->ssthresh;
	tcp_prr_start(&c->rack, tcp_cc_flight(c));
	ST_COUNT(st, tcp_fast_retransmits);
	if (trace_on(st))
		trace_info(st, "tcp %d: recovery (una %u max %u ssthresh %u, %s)", c->id,
			   c->snd_una, c->snd_max, c->ssthresh, tcp_cc_name(c));
}

/* RFC 3522: the first ACK after a timeout acknowledges the original transmission. */
static void eifel(struct ustack *st, struct tcp_conn *c, const struct tcp_repr *th,
		  uint32_t delivered)
{
	struct tcp_rack *r = &c->rack;

	if (!r->rto_undo_ok || !delivered)
		return;
	r->rto_undo_ok = false;
	if (!th->has_ts || !SEQ_LT(th->ts_ecr, r->rto_tsval))
		return;
	ST_COUNT(st, tcp_spurious_rto);
	trace_info(st, "tcp %d: the timeout was spurious: cwnd %u ssthresh %u restored", c->id,
		   r->undo_cwnd, r->undo_ssthresh);
	c->cwnd = r->undo_cwnd;
	c->ssthresh = r->undo_ssthresh;
	c->recover = c->snd_una;
	tcp_rack_unmark_lost(c);
}

void tcp_cc_sack_ack(struct ustack *st, struct tcp_conn *c, const struct tcp_repr *th,
		     uint32_t delivered)
{
	eifel(st, c, th, delivered);
	if (tcp_rack_detect(st, c))
		sack_loss(st, c);
	if (c->flags & TF_RECOVERY)
		tcp_prr_ack(&c->rack, delivered, tcp_rack_pipe(c), c->ssthresh, smss(c));
}

void tcp_cc_rack_timeout(struct ustack *st, struct tcp_conn *c)
{
	if (!(c->flags & TF_SACK_OK) || !tcp_rack_detect(st, c))
		return;
	bool was = (c->flags & TF_RECOVERY) != 0;

	sack_loss(st, c);
	/* No ACK brings an allowance now: let one segment go (the fast retransmit). */
	if ((c->flags & TF_RECOVERY) && (!was || c->rack.prr_sndcnt <= 0))
		c->rack.prr_sndcnt = smss(c);
}

void tcp_cc_rto(struct ustack *st, struct tcp_conn *c)
{
	uint32_t mss = smss(c);
	struct tcp_rack *r = &c->rack;

	/* RFC 3522: remember what to restore should the timeout prove spurious */
	if (c->rxtshift <= 1) {
		r->undo_cwnd = c->cwnd;
		r->undo_ssthresh = c->ssthresh;
		r->rto_undo_ok = (c->flags & TF_TS_OK) != 0;
		r->rto_tsval = (uint32_t)(st->now / 1000) + c->ts_offset;
		/* RFC 5681 3.1 eq. 4, only for the first timeout of a segment */
		if (c->flags & TF_RECOVERY)
			r->undo_ssthresh = c->ssthresh;
		c->ssthresh = loss_ssthresh(c);
		tcp_dsack_event(c, r->undo_cwnd, r->undo_ssthresh);
	} else {
		r->rto_undo_ok = false;
	}
	c->cwnd = mss;                                 /* the loss window */
	c->bytes_acked = 0;
	c->dupacks = 0;
	c->flags &= ~(TF_RECOVERY | TF_REXMIT_ONE);
	c->recover = c->snd_max;
	c->rxmit_nxt = c->snd_una;
	c->rxmit_head_time = 0;
	r->tlp_out = false;
	if (c->cc.algo == TCP_CC_CUBIC)
		c->cc.epoch_start = 0;
	if (c->flags & TF_SACK_OK) {
		tcp_rack_mark_all_lost(c);             /* RFC 8985 6.3 */
	} else {
		tcp_ranges_clear(&c->sacked);
	}
}
