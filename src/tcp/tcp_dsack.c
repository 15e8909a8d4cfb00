/* tcp_dsack.c - D-SACK, RFC 2883 (see tcp_dsack.h). */
#include "tcp/tcp_dsack.h"

#include "core/stack.h"
#include "core/trace.h"
#include "tcp/tcp_var.h"

void tcp_dsack_dup(struct ustack *st, struct tcp_conn *c, uint32_t left, uint32_t right)
{
	if (!(c->flags & TF_SACK_OK) || !SEQ_LT(left, right))
		return;
	st->tcp->dsack_conn = c;
	st->tcp->dsack_left = left;
	st->tcp->dsack_right = right;
}

bool tcp_dsack_take(struct ustack *st, const struct tcp_conn *c, uint32_t *left,
		    uint32_t *right)
{
	if (st->tcp->dsack_conn != c)
		return false;
	*left = st->tcp->dsack_left;
	*right = st->tcp->dsack_right;
	return true;
}

void tcp_dsack_ooo(struct ustack *st, struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	uint32_t end = seq + len;

	for (unsigned i = 0; i < c->ooo.n; i++) {
		uint32_t l = seq_max(seq, c->ooo.r[i].left);
		uint32_t r = seq_min(end, c->ooo.r[i].right);

		if (SEQ_LT(l, r)) {
			tcp_dsack_dup(st, c, l, r);       /* the first overlap is reported */
			return;
		}
	}
}

/* Every retransmission since the event was a duplicate: undo it. */
static void undo(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;

	c->dsack_undo_ok = false;
	ST_COUNT(st, tcp_dsack_undo);
	trace_info(st, "tcp %d: D-SACK: the retransmissions were spurious: cwnd %u -> %u, "
		   "ssthresh %u -> %u", c->id, c->cwnd, r->undo_cwnd, c->ssthresh,
		   r->undo_ssthresh);
	if (r->undo_cwnd > c->cwnd)
		c->cwnd = r->undo_cwnd;
	if (r->undo_ssthresh > c->ssthresh)
		c->ssthresh = r->undo_ssthresh;
	c->flags &= ~TF_RECOVERY;
	c->rack.rto_undo_ok = false;                  /* undone already */
	tcp_rack_unmark_lost(c);
}

bool tcp_dsack_ack(struct ustack *st, struct tcp_conn *c, const struct tcp_repr *th)
{
	if (!(c->flags & TF_SACK_OK) || th->n_sack == 0)
		return false;
	uint32_t l = th->sack[0].left, r = th->sack[0].right;
	if (!SEQ_LT(l, r))
		return false;
	/* RFC 2883 section 4: below the cumulative ACK, or within the second block */
	bool dup = SEQ_LEQ(r, th->ack) ||
		   (th->n_sack > 1 && SEQ_GEQ(l, th->sack[1].left) &&
		    SEQ_LEQ(r, th->sack[1].right));
	if (!dup)
		return false;
	/* only what we sent: never beyond SND.MAX, nor older than the peer's window */
	if (SEQ_GT(r, c->snd_max) || SEQ_LT(l, c->snd_una - c->max_sndwnd - 1))
		return false;
	ST_COUNT(st, tcp_dsack_rcvd);

	/* RFC 8985 6.2 step 4: a wider reordering window, at most once per round trip */
	if (c->dsack_round_on && SEQ_GEQ(c->snd_una, c->dsack_round))
		c->dsack_round_on = false;
	if (!c->dsack_round_on) {
		c->dsack_round_on = true;
		c->dsack_round = c->snd_max;
		if (c->rack.reo_wnd_mult == 0)
			c->rack.reo_wnd_mult = 1;
		c->rack.reo_wnd_mult++;
		c->rack.reordering_seen = true;
		c->dsack_reo_persist = TCP_DSACK_REO_PERSIST;
		if (trace_on(st))
			trace_info(st, "tcp %d: D-SACK %u-%u: reordering window x%u", c->id, l, r,
				   c->rack.reo_wnd_mult);
	}

	/* a retransmission of this congestion event reported duplicate */
	if (c->dsack_undo_ok && c->dsack_undo_retrans) {
		uint32_t n = r - l;

		c->dsack_undo_retrans -= n < c->dsack_undo_retrans ? n : c->dsack_undo_retrans;
		if (c->dsack_undo_retrans == 0)
			undo(st, c);
	}
	return true;
}

void tcp_dsack_event(struct tcp_conn *c, uint32_t cwnd, uint32_t ssthresh)
{
	c->dsack_undo_ok = true;
	c->dsack_undo_retrans = 0;
	c->rack.undo_cwnd = cwnd;
	c->rack.undo_ssthresh = ssthresh;
}

void tcp_dsack_retrans(struct tcp_conn *c, uint32_t n)
{
	if (c->dsack_undo_ok)
		c->dsack_undo_retrans += n;
}

void tcp_dsack_recovery_end(struct tcp_conn *c)
{
	if (c->dsack_reo_persist && --c->dsack_reo_persist == 0)
		c->rack.reo_wnd_mult = 1;
}
