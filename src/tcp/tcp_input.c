/* tcp_input.c - segments in: checks, demultiplexing (4-tuple hash, then listeners by
 * address and port, then wildcard), and the "SEGMENT ARRIVES" event of RFC 9293
 * section 3.10.7, step by step in the RFC's order, with RFC 5961 (challenge ACKs, ACK
 * acceptability), RFC 7323 (timestamps, PAWS, window scale) and RFC 2018 (SACK).
 * Also ICMP errors about our segments (RFC 1122 4.2.3.9, RFC 5927, RFC 1191).
 *
 * Input never sends directly: it sets flags (TF_ACKNOW, delayed ACK) and calls
 * tcp_output, which decides. A connection that reaches CLOSED is freed at the end of
 * tcp_input (never in the middle) when nobody holds it. */
#include "tcp/tcp_var.h"

#include <errno.h>
#include <string.h>

#include "core/stack.h"
#include "core/ip_class.h"
#include "core/trace.h"
#include "net/inet.h"
#include "net/proto.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_syncookie.h"
#include "wire/icmp.h"
#include "wire/icmp6.h"
#include "wire/ipv4.h"

#define PAWS_IDLE_US (24ull * 24 * 3600 * 1000000)   /* RFC 7323 5.5: 24 days */
#define SYNSENT_RTO_FALLBACK 3000000u                 /* RFC 6298 5.7 */

static void drop(struct ustack *st, enum ustack_drop why, const struct pkt *p)
{
	stack_drop(st, why, p->ifindex, p->data, p->len);
}

/* --- receiving data (3.10.7.4, seventh) --- */

/* The first out-of-order ranges now touch rcv_nxt: take them in. */
static void ooo_merge(struct tcp_conn *c)
{
	while (c->ooo.n && SEQ_LEQ(c->ooo.r[0].left, c->rcv_nxt)) {
		if (SEQ_GT(c->ooo.r[0].right, c->rcv_nxt)) {
			tcp_ring_extend(&c->rcvbuf, c->ooo.r[0].right - c->rcv_nxt);
			c->rcv_nxt = c->ooo.r[0].right;
		}
		tcp_ranges_trim(&c->ooo, c->rcv_nxt);
	}
}

/* The peer's FIN, seen ahead of a gap at seq, says where its stream ends: remember the
 * earliest such end and forget text queued past it (a broken or hostile peer sent it). */
static void ooo_fin_at(struct ustack *st, struct tcp_conn *c, uint32_t seq)
{
	if (c->ooo_fin && SEQ_LEQ(c->ooo_fin_seq, seq))
		return;
	c->ooo_fin = true;
	c->ooo_fin_seq = seq;
	if (tcp_ranges_cut(&c->ooo, seq)) {
		stack_drop(st, USTACK_DROP_TCP_AFTER_FIN, -1, NULL, 0);
		tcp_drained(st, c);
	}
}

/* Text at seq (rcv_nxt <= seq, within the window). Returns true when a FIN that
 * arrived earlier out of order is now in sequence. */
static bool rcv_data(struct ustack *st, struct tcp_conn *c, const struct pkt *p,
		     const struct tcp_repr *th, uint32_t seq, const uint8_t *data, uint32_t len,
		     bool fin)
{
	/* nothing is taken in past a FIN the peer already sent */
	if (c->ooo_fin && SEQ_GT(seq + len, c->ooo_fin_seq)) {
		drop(st, USTACK_DROP_TCP_AFTER_FIN, p);
		len = SEQ_GT(c->ooo_fin_seq, seq) ? c->ooo_fin_seq - seq : 0;
		fin = false;
		c->flags |= TF_ACKNOW;
		if (!len)
			return false;
	}
	if (c->flags & TF_SHUT_RD) {
		/* shutdown(SHUT_RD): acknowledge and discard what comes in order */
		if (seq == c->rcv_nxt)
			c->rcv_nxt += len;
		c->flags |= TF_ACKNOW;
		return false;
	}
	if (seq == c->rcv_nxt) {
		if (!tcp_ring_write_at(&c->rcvbuf, c->rcvbuf.len, data, len)) {
			drop(st, USTACK_DROP_TCP_RCVBUF_FULL, p);
			c->flags |= TF_ACKNOW;
			return false;
		}
		tcp_tune_rcv_seg(st, c, th, len);
		tcp_ring_extend(&c->rcvbuf, len);
		c->rcv_nxt += len;
		if (c->ooo.n) {
			ooo_merge(c);
			c->flags |= TF_ACKNOW;            /* a gap filled: ACK at once (RFC 5681 4.2) */
		}
		if (len > c->rcv_mss && len <= c->mss_adv)
			c->rcv_mss = (uint16_t)len;
		c->rcv_unacked += len;
		/* Super-segments: one ACK per poll batch, but never more than a quarter
		 * of the buffer unacknowledged (the sender must not wait on us). */
		if (c->rcv_unacked >= 2u * c->rcv_mss && len > c->rcv_mss &&
		    c->rcv_unacked < c->rcvbuf.cap / 4)
			tcp_delack_batch(st, c);
		else if (c->rcv_unacked > c->rcv_mss)
			/* more than a full segment's worth: every second full segment (RFC
			 * 9293 3.8.6.3), and at once for a full one and a short one, as Linux
			 * does: a response that ends in a short segment would otherwise wait
			 * for the delayed ACK, and the sender's tail-loss probe (2 SRTT) fire
			 * first, resending for nothing */
			c->flags |= TF_ACKNOW;
		else
			tcp_delack_start(st, c);
		tcp_notify(st, c, POLLIN);
		if (c->ooo_fin && c->rcv_nxt == c->ooo_fin_seq) {
			c->ooo_fin = false;
			return true;
		}
		return false;
	}
	/* Out of order: keep it where it belongs in the ring, remember the range. */
	size_t off = c->rcvbuf.len + (size_t)(seq - c->rcv_nxt);
	c->flags |= TF_ACKNOW;                        /* a duplicate ACK at once (RFC 5681 4.2) */
	tcp_dsack_ooo(st, c, seq, len);                   /* held already? (RFC 2883) */
	if (!tcp_ring_write_at(&c->rcvbuf, off, data, len) ||
	    tcp_ranges_add(&c->ooo, seq, seq + len) < 0) {
		drop(st, USTACK_DROP_TCP_RCVBUF_FULL, p);
		return false;
	}
	c->sack_recent.left = seq;
	c->sack_recent.right = seq + len;
	if (fin)
		ooo_fin_at(st, c, seq + len);
	return false;
}

/* --- the FIN (3.10.7.4, eighth) --- */

static bool our_fin_acked(const struct tcp_conn *c)
{
	return (c->flags & TF_SENTFIN) && c->snd_una == c->snd_max &&
	       SEQ_GT(c->snd_una, c->snd_data + (uint32_t)c->sndbuf.len);
}

static void fin_received(struct ustack *st, struct tcp_conn *c)
{
	if (!(c->flags & TF_RCVD_FIN))
		c->rcv_nxt++;
	c->flags |= TF_RCVD_FIN | TF_ACKNOW;
	c->ooo_fin = false;
	/* Text queued beyond the end of the peer's stream can never be delivered: a
	 * broken or hostile peer sent it. Forget it (as Linux does) so nothing past the
	 * FIN is ever taken in or reported in SACK blocks. */
	if (c->ooo.n) {
		stack_drop(st, USTACK_DROP_TCP_AFTER_FIN, -1, NULL, 0);
		tcp_ranges_clear(&c->ooo);
		tcp_drained(st, c);
	}
	switch (c->state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tcp_set_state(st, c, TCPS_CLOSE_WAIT);
		break;
	case TCPS_FIN_WAIT_1:
		if (our_fin_acked(c))
			tcp_time_wait_start(st, c);
		else
			tcp_set_state(st, c, TCPS_CLOSING);
		break;
	case TCPS_FIN_WAIT_2:
		tcp_time_wait_start(st, c);
		break;
	case TCPS_TIME_WAIT:
		tcp_timer_set(st, c, TT_2MSL, st->now + 2 * st->tcp->msl);
		break;
	default:
		break;
	}
	tcp_notify(st, c, UPCALL_ALL);
}

/* --- RST (3.10.7.4, second) --- */

static void rst_received(struct ustack *st, struct tcp_conn *c)
{
	ST_COUNT(st, tcp_rst_in);
	c->flags |= TF_RESET;
	switch (c->state) {
	case TCPS_SYN_RECEIVED:
		/* passive: "return to LISTEN" = this child goes; active: refused */
		if (!(c->flags & TF_PASSIVE))
			c->error = ECONNREFUSED;
		break;
	case TCPS_ESTABLISHED:
	case TCPS_FIN_WAIT_1:
	case TCPS_FIN_WAIT_2:
	case TCPS_CLOSE_WAIT:
		c->error = ECONNRESET;
		break;
	default:                                      /* CLOSING, LAST_ACK, TIME_WAIT */
		break;
	}
	tcp_closed(st, c);
}

/* --- ACK of new data (3.10.7.4, fifth, ESTABLISHED) --- */

static void ack_advance(struct ustack *st, struct tcp_conn *c, uint32_t ack)
{
	uint32_t end = c->snd_data + (uint32_t)c->sndbuf.len;

	/* RFC 6298 / Karn: a sample only from a segment sent once */
	if (c->rt_active && SEQ_GT(ack, c->rt_seq)) {
		tcp_rtt_sample(st, c, st->now - c->rt_time);
		c->rt_active = false;
	}
	tcp_cc_new_ack(st, c, ack);
	tcp_tune_snd(st, c);
	if (SEQ_GT(ack, c->snd_data)) {
		uint32_t d = SEQ_GT(ack, end) ? end - c->snd_data : ack - c->snd_data;

		if (d) {
			tcp_ring_consume(&c->sndbuf, d);
			c->snd_data += d;
			if (c->sndbuf.len == 0)
				tcp_drained(st, c);       /* all acknowledged */
			tcp_write_space(st, c);       /* room to write */
		}
	}
	c->snd_una = ack;
	if (SEQ_LT(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	tcp_ranges_trim(&c->sacked, c->snd_una);
	if (SEQ_LT(c->rxmit_nxt, c->snd_una))
		c->rxmit_nxt = c->snd_una;
	c->rxtshift = 0;
	/* RFC 6298 5.2 / 5.3 */
	if (c->snd_una == c->snd_max)
		tcp_timer_stop(st, c, TT_REXMT);
	else
		tcp_rexmt_restart(st, c);
}

/* SND.UNA moves past our SYN (SYN-SENT or SYN-RECEIVED): the connection is open. */
static void syn_acked(struct ustack *st, struct tcp_conn *c, const struct tcp_seg *seg)
{
	uint32_t ack = seg->th.ack;

	if (c->rt_active && SEQ_GT(ack, c->rt_seq))
		tcp_rtt_sample(st, c, st->now - c->rt_time);
	c->rt_active = false;
	c->rxtshift = 0;
	if ((c->flags & TF_SYN_REXMIT) && c->srtt == 0 && c->rto < SYNSENT_RTO_FALLBACK)
		c->rto = SYNSENT_RTO_FALLBACK;
	c->snd_una = ack;
	if (SEQ_LT(c->snd_nxt, ack))
		c->snd_nxt = ack;
	c->snd_data = c->iss + 1;
	tcp_timer_stop(st, c, TT_REXMT);
	tcp_cc_init(st, c);
	c->last_rcv = st->now;
	if (c->flags & TF_FIN_PENDING)
		tcp_set_state(st, c, TCPS_FIN_WAIT_1);   /* a CLOSE queued in SYN-RECEIVED */
	else
		tcp_set_state(st, c, TCPS_ESTABLISHED);
	tcp_keep_start(st, c);
	if (!(c->flags & TF_PASSIVE))
		ST_COUNT(st, tcp_conn_opened);
}

/* --- the connection states --- */

/* 3.10.7.1: CLOSED (no connection). */
static void input_closed(struct ustack *st, const struct tcp_seg *seg, const struct pkt *p)
{
	drop(st, USTACK_DROP_TCP_NO_SOCKET, p);
	tcp_respond_rst(st, seg);
}

/* A child of listener l for the peer of seg, with the options of its SYN (syn), its
 * ISN irs and our ISS; in the tables, not yet in a state. NULL when out of memory. */
static struct tcp_conn *listen_child(struct ustack *st, struct tcp_conn *l,
				     const struct tcp_seg *seg, const struct tcp_repr *syn,
				     uint32_t irs, uint32_t iss)
{
	struct tcp_conn *c = tcp_conn_alloc(st);

	if (!c)
		return NULL;
	c->flags = (l->flags & (TF_NODELAY | TF_KEEPALIVE | TF_LINGER0 | TF_REUSE | TF_WANT_WS |
				TF_WANT_TS | TF_WANT_SACK)) | TF_PASSIVE;
	c->mss_user = l->mss_user;
	c->cc.algo = l->cc.algo;
	c->keep_idle = l->keep_idle;
	c->keep_intvl = l->keep_intvl;
	c->keep_cnt = l->keep_cnt;
	c->user_timeout_ms = l->user_timeout_ms;
	c->linger_on = l->linger_on;
	c->linger_sec = l->linger_sec;
	c->ip_ttl = l->ip_ttl;
	c->ip_tos = l->ip_tos;
	tcp_ring_init(&c->sndbuf, l->sndbuf.cap);
	tcp_ring_init(&c->rcvbuf, l->rcvbuf.cap);
	tcp_tune_inherit(c, l);
	c->laddr = seg->dst;
	c->lport = seg->th.dport;
	c->raddr = seg->src;
	c->ifindex = seg->ifindex;
	c->rport = seg->th.sport;
	c->parent = l;
	c->qnext = l->children;
	if (l->children)
		l->children->qprev = c;
	l->children = c;
	l->syn_count++;
	tcp_bind_insert(st, c);

	tcp_conn_init_mss(st, c);
	c->irs = irs;
	c->rcv_nxt = irs + 1;
	c->rcv_adv = c->rcv_nxt;
	tcp_syn_options(st, c, syn);
	c->iss = iss;
	c->snd_una = c->snd_nxt = c->snd_max = c->snd_sml = c->iss;
	c->snd_data = c->iss + 1;
	c->recover = c->iss;
	c->rxmit_nxt = c->iss;
	c->ts_offset = stack_rand32(st);
	c->snd_wnd = syn->win;                        /* never scaled in a SYN */
	c->max_sndwnd = c->snd_wnd;
	c->snd_wl1 = irs;
	c->snd_wl2 = c->iss;
	c->last_rcv = st->now;
	tcp_hash_insert(st, c);
	return c;
}

static void input_synchronized(struct ustack *st, struct tcp_conn *c, struct tcp_seg *seg,
			       const struct pkt *p, bool from_syn_sent);

/* An ACK at a listener while SYN cookies are in use (RFC 4987 3.6): a valid cookie
 * opens the connection the SYN-ACK described; the ACK is then processed as the one
 * that completes a handshake (3.10.7.4, fifth, SYN-RECEIVED), so it reaches
 * ESTABLISHED and the accept queue at once, with any text it carries. Anything else
 * is what 3.10.7.2 says of an ACK at LISTEN: <SEQ=SEG.ACK><CTL=RST>. */
static void input_cookie_ack(struct ustack *st, struct tcp_conn *l, struct tcp_seg *seg,
			     const struct pkt *p)
{
	struct tcp_repr syn;
	struct tcp_conn *c;

	if (!tcp_syncookie_check(st, l, seg, &syn)) {
		drop(st, USTACK_DROP_TCP_BAD_COOKIE, p);
		tcp_respond_rst(st, seg);
		return;
	}
	if (l->acc_count > l->backlog) {
		drop(st, USTACK_DROP_TCP_ACCEPT_QUEUE_FULL, p);  /* no state: the peer retries */
		return;
	}
	c = listen_child(st, l, seg, &syn, seg->seq - 1, seg->th.ack - 1);
	if (!c) {
		drop(st, USTACK_DROP_TCP_SYN_QUEUE_FULL, p);
		return;
	}
	tcp_syncookie_child(st, l, c);
	tcp_set_state(st, c, TCPS_SYN_RECEIVED);
	input_synchronized(st, c, seg, p, false);
	if (c->state == TCPS_SYN_RECEIVED)
		tcp_closed(st, c);              /* not completed after all: keep no state */
	tcp_conn_gc(st, c);
}

/* 3.10.7.2: LISTEN. */
static void input_listen(struct ustack *st, struct tcp_conn *l, struct tcp_seg *seg,
			 const struct pkt *p)
{
	struct tcp_conn *c;

	/* First, check for a RST: ignore it. */
	if (seg->flags & TCP_RST) {
		drop(st, (seg->flags & TCP_SYN) ? USTACK_DROP_TCP_SYN_RST : USTACK_DROP_TCP_BAD_SEGMENT,
		     p);
		return;
	}
	/* Second, an ACK is bad here: <SEQ=SEG.ACK><CTL=RST>, unless it returns a SYN
	 * cookie (RFC 4987 3.6) while cookies are in use. */
	if (seg->flags & TCP_ACK) {
		if (!(seg->flags & TCP_SYN) && tcp_syncookie_armed(st)) {
			input_cookie_ack(st, l, seg, p);
			return;
		}
		drop(st, USTACK_DROP_TCP_BAD_SEGMENT, p);
		tcp_respond_rst(st, seg);
		return;
	}
	/* Third, a SYN opens a connection in SYN-RECEIVED. A SYN with FIN (a scan, or
	 * an attack on stacks that accept it) is dropped unanswered, as Linux and the
	 * BSDs do; so is a segment with none of SYN, ACK, RST (FIN, PSH or URG alone, or
	 * no flags: "fourth, other text or control"). */
	if (!(seg->flags & TCP_SYN)) {
		drop(st, USTACK_DROP_TCP_LISTEN_FLAGS, p);
		return;
	}
	if (seg->flags & TCP_FIN) {
		drop(st, USTACK_DROP_TCP_SYN_FIN, p);
		return;
	}
	if (l->acc_count > l->backlog) {
		drop(st, USTACK_DROP_TCP_ACCEPT_QUEUE_FULL, p);
		return;
	}
	/* A full SYN queue: a cookie instead of an entry (RFC 4987 3.6), or a drop. */
	if (tcp_syncookie_wanted(st, l)) {
		tcp_syncookie_send(st, l, seg);
		return;
	}
	if ((unsigned)l->syn_count >= tcp_syn_queue_max(st, l)) {
		drop(st, USTACK_DROP_TCP_SYN_QUEUE_FULL, p);
		return;
	}
	c = listen_child(st, l, seg, &seg->th, seg->seq,
			 tcp_isn(st, &seg->dst, seg->th.dport, &seg->src, seg->th.sport));
	if (!c) {
		drop(st, USTACK_DROP_TCP_SYN_QUEUE_FULL, p);
		return;
	}
	tcp_set_state(st, c, TCPS_SYN_RECEIVED);
	/* Data or FIN on the SYN is not queued: the peer sends it again once we ACK. */
	tcp_output(st, c);
}

/* 3.10.7.3: SYN-SENT. */
static void input_syn_sent(struct ustack *st, struct tcp_conn *c, struct tcp_seg *seg,
			   const struct pkt *p)
{
	const struct tcp_repr *th = &seg->th;
	bool ack_ok = false;

	/* First, the ACK bit: it must acknowledge our SYN and nothing beyond. */
	if (seg->flags & TCP_ACK) {
		if (SEQ_LEQ(th->ack, c->iss) || SEQ_GT(th->ack, c->snd_max)) {
			drop(st, USTACK_DROP_TCP_BAD_SEGMENT, p);
			if (!(seg->flags & TCP_RST))
				tcp_respond_rst(st, seg);
			return;
		}
		ack_ok = true;
	}
	/* Second, RST: with an acceptable ACK the connection is refused (RFC 5961 3.2
	 * keeps this rule for SYN-SENT); without one it is dropped. */
	if (seg->flags & TCP_RST) {
		if (ack_ok) {
			c->error = ECONNREFUSED;
			ST_COUNT(st, tcp_rst_in);
			c->flags |= TF_RESET;
			tcp_closed(st, c);
		} else {
			drop(st, USTACK_DROP_TCP_BAD_SEGMENT, p);
		}
		return;
	}
	/* Third (security) does not apply. Fourth, the SYN. */
	if (!(seg->flags & TCP_SYN)) {
		drop(st, USTACK_DROP_TCP_BAD_SEGMENT, p);
		return;
	}
	c->irs = seg->seq;
	c->rcv_nxt = seg->seq + 1;
	c->rcv_adv = c->rcv_nxt + c->syn_win;
	c->last_ack_sent = c->rcv_nxt;
	tcp_syn_options(st, c, th);
	c->snd_wnd = th->win;                         /* never scaled in a SYN */
	c->max_sndwnd = c->snd_wnd;
	c->snd_wl1 = seg->seq;
	c->last_rcv = st->now;
	if (ack_ok) {
		/* Our SYN is acknowledged: ESTABLISHED, and ACK their SYN. */
		c->snd_wl2 = th->ack;
		syn_acked(st, c, seg);
		c->flags |= TF_ACKNOW;
		tcp_notify(st, c, UPCALL_ALL);
		/* Text or FIN in the SYN-ACK: continue at the sixth step. */
		seg->seq++;
		seg->flags &= (uint8_t)~TCP_SYN;
		if (seg->len > c->syn_win) {
			seg->len = c->syn_win;                /* beyond the window we offered */
			seg->flags &= (uint8_t)~TCP_FIN;
		}
		if (seg->len || (seg->flags & TCP_FIN)) {
			input_synchronized(st, c, seg, p, true);
			return;
		}
		tcp_output(st, c);
		return;
	}
	/* Simultaneous open: SYN-RECEIVED, send SYN,ACK with our ISS again. */
	c->snd_wl2 = c->iss;
	tcp_set_state(st, c, TCPS_SYN_RECEIVED);
	c->snd_nxt = c->iss;
	tcp_output(st, c);
}

/* RFC 9293 3.10.7.4, first: is the segment acceptable? */
static bool seq_acceptable(const struct tcp_conn *c, uint32_t seq, uint32_t seglen, uint32_t wnd)
{
	if (seglen == 0) {
		if (wnd == 0)
			return seq == c->rcv_nxt;
		return seq_in(seq, c->rcv_nxt, c->rcv_nxt + wnd);
	}
	if (wnd == 0)
		return false;
	return seq_in(seq, c->rcv_nxt, c->rcv_nxt + wnd) ||
	       seq_in(seq + seglen - 1, c->rcv_nxt, c->rcv_nxt + wnd);
}

/* 3.10.7.4: SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2, CLOSE-WAIT, CLOSING, LAST-ACK,
 * TIME-WAIT. from_syn_sent: the rest of a SYN-ACK that carried text (sixth step on). */
static void input_synchronized(struct ustack *st, struct tcp_conn *c, struct tcp_seg *seg,
			       const struct pkt *p, bool from_syn_sent)
{
	const struct tcp_repr *th = &seg->th;
	uint32_t wnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	bool fin_now = false;

	if (from_syn_sent)
		goto text;

	/* RFC 7323 3.2: once timestamps are agreed, every segment but a RST carries one. */
	if ((c->flags & TF_TS_OK) && !(seg->flags & TCP_RST)) {
		if (!th->has_ts) {
			drop(st, USTACK_DROP_TCP_BAD_SEGMENT, p);
			return;
		}
		/* RFC 7323 5.3 (PAWS): an older timestamp is an old duplicate. */
		if (SEQ_LT(th->ts_val, c->ts_recent)) {
			if (st->now - c->ts_recent_age > PAWS_IDLE_US) {
				c->ts_recent = th->ts_val;        /* 5.5: idle too long, forget */
			} else {
				drop(st, USTACK_DROP_TCP_OUT_OF_WINDOW, p);
				c->flags |= TF_ACKNOW;
				tcp_output(st, c);
				return;
			}
		}
	}

	/* SYN-RECEIVED and a SYN at IRS again: without ACK the peer never got our SYN,ACK
	 * (send it again); with ACK it is the SYN,ACK of a simultaneous open, whose SYN we
	 * already hold (take it off and go on with the ACK). */
	if (c->state == TCPS_SYN_RECEIVED && (seg->flags & TCP_SYN) && seg->seq == c->irs &&
	    !(seg->flags & TCP_RST)) {
		if (!(seg->flags & TCP_ACK)) {
			c->snd_nxt = c->iss;
			tcp_output(st, c);
			return;
		}
		seg->seq++;
		seg->flags &= (uint8_t)~TCP_SYN;
	}

	/* First, check the sequence number. */
	uint32_t seglen = tcp_seg_len(seg);
	if (!seq_acceptable(c, seg->seq, seglen, wnd)) {
		if (wnd == 0 && seg->seq == c->rcv_nxt && !(seg->flags & TCP_SYN)) {
			/* A zero window takes no text, but its ACK and RST still count, and
			 * a FIN right at RCV.NXT (it needs no room) is taken too. */
			if (seg->len) {
				drop(st, USTACK_DROP_TCP_RCVBUF_FULL, p);
				seg->flags &= (uint8_t)~TCP_FIN;
			}
			seg->len = 0;
			c->flags |= TF_ACKNOW;
		} else {
			/* TIME-WAIT and the peer's FIN again (our last ACK was lost): ACK it
			 * and restart the 2 MSL wait (3.10.7.4, eighth). Expected, not a drop. */
			if (c->state == TCPS_TIME_WAIT && (seg->flags & TCP_FIN) &&
			    seg->seq + seg->len + 1 == c->rcv_nxt)
				tcp_timer_set(st, c, TT_2MSL, st->now + 2 * st->tcp->msl);
			else
				drop(st, USTACK_DROP_TCP_OUT_OF_WINDOW, p);
			if (seg->len && !(seg->flags & TCP_RST) &&
			    SEQ_LEQ(seg->seq + seg->len, c->rcv_nxt))
				tcp_dsack_dup(st, c, seg->seq, seg->seq + seg->len);   /* RFC 2883 */
			if (!(seg->flags & TCP_RST)) {
				c->flags |= TF_ACKNOW;          /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
				tcp_output(st, c);
			}
			return;
		}
	}

	/* Second, the RST bit (RFC 5961 3.2): exactly RCV.NXT resets; anywhere else in
	 * the window draws a challenge ACK. */
	if (seg->flags & TCP_RST) {
		if (seg->seq == c->rcv_nxt) {
			rst_received(st, c);
		} else {
			drop(st, USTACK_DROP_TCP_BAD_SEGMENT, p);
			tcp_challenge_ack(st, c);
		}
		return;
	}

	/* Third: security/compartment does not apply. Fourth, a SYN in a synchronized
	 * state (RFC 5961 4.2): a challenge ACK, and the segment goes. */
	if (seg->flags & TCP_SYN) {
		drop(st, USTACK_DROP_TCP_BAD_SEGMENT, p);
		tcp_challenge_ack(st, c);
		return;
	}

	/* Trim what precedes RCV.NXT (duplicates) and what exceeds the window. */
	if (SEQ_LT(seg->seq, c->rcv_nxt)) {
		uint32_t d = c->rcv_nxt - seg->seq;

		if (d > seg->len) {
			seg->flags &= (uint8_t)~TCP_FIN;      /* that FIN was seen already */
			d = seg->len;
		}
		if (d)
			tcp_dsack_dup(st, c, seg->seq, seg->seq + d);   /* RFC 2883 */
		seg->data += d;
		seg->len -= d;
		seg->seq += d;
		c->flags |= TF_ACKNOW;                    /* duplicate text: ACK it */
	}
	if (SEQ_GT(seg->seq + seg->len, c->rcv_nxt + wnd)) {
		seg->len = c->rcv_nxt + wnd - seg->seq;
		seg->flags &= (uint8_t)~TCP_FIN;
		c->flags |= TF_ACKNOW;
	}

	/* RFC 7323 4.3: TS.Recent from the segment that covers Last.ACK.sent. */
	if ((c->flags & TF_TS_OK) && th->has_ts && SEQ_LEQ(seg->seq, c->last_ack_sent) &&
	    SEQ_LEQ(c->last_ack_sent, seg->seq + tcp_seg_len(seg))) {
		c->ts_recent = th->ts_val;
		c->ts_recent_age = st->now;
	}
	c->last_rcv = st->now;
	c->keep_probes = 0;
	c->persist_probes = 0;

	/* Fifth, the ACK field. */
	if (!(seg->flags & TCP_ACK)) {
		drop(st, USTACK_DROP_TCP_BAD_SEGMENT, p);
		return;
	}
	if (c->state == TCPS_SYN_RECEIVED) {
		if (!(SEQ_LT(c->snd_una, th->ack) && SEQ_LEQ(th->ack, c->snd_max))) {
			drop(st, USTACK_DROP_TCP_BAD_SEGMENT, p);
			tcp_respond_rst(st, seg);          /* <SEQ=SEG.ACK><CTL=RST> */
			return;
		}
		if (c->parent && c->parent->acc_count > c->parent->backlog) {
			/* No room to accept it: stay half-open, the peer will retry. */
			drop(st, USTACK_DROP_TCP_ACCEPT_QUEUE_FULL, p);
			return;
		}
		c->snd_wnd = (uint32_t)th->win << c->snd_wscale;
		c->max_sndwnd = c->snd_wnd;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = th->ack;
		syn_acked(st, c, seg);
		if (c->parent)
			tcp_child_established(st, c);
		tcp_notify(st, c, UPCALL_ALL);
	}
	/* RFC 5961 5.2: acceptable only within (SND.UNA - MAX.SND.WND, SND.NXT]. */
	if (SEQ_GT(th->ack, c->snd_max) || SEQ_LT(th->ack, c->snd_una - c->max_sndwnd)) {
		drop(st, USTACK_DROP_TCP_BAD_SEGMENT, p);
		c->flags |= TF_ACKNOW;
		tcp_output(st, c);
		return;
	}
	/* the scoreboard of segments in flight (RACK's RTTs; with SACK, loss detection) */
	tcp_dsack_ack(st, c, th);                     /* before the scoreboard takes it */
	uint32_t delivered = tcp_rack_ack(st, c, th);
	if ((c->flags & TF_SACK_OK) && th->n_sack)
		tcp_cc_sack(c, th);
	uint32_t nwnd = (uint32_t)th->win << c->snd_wscale;
	if (SEQ_GT(th->ack, c->snd_una)) {
		ack_advance(st, c, th->ack);
	} else if (th->ack == c->snd_una && c->snd_max != c->snd_una && c->snd_wnd != 0 &&
		   (((c->flags & TF_SACK_OK) && th->n_sack) ||
		    (seg->len == 0 && !(seg->flags & TCP_FIN) && nwnd == c->snd_wnd))) {
		/* RFC 5681 section 2's duplicate ACK, or (RFC 6675 section 5) any ACK that
		 * brings SACK information, data-bearing or not. */
		tcp_cc_dup_ack(st, c);
	}
	if (c->flags & TF_SACK_OK)
		tcp_cc_sack_ack(st, c, th, delivered);
	/* Window update (SND.WL1 < SEG.SEQ or SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK) */
	if (SEQ_LT(c->snd_wl1, seg->seq) ||
	    (c->snd_wl1 == seg->seq && SEQ_LEQ(c->snd_wl2, th->ack))) {
		if (c->snd_wnd == 0 && nwnd > 0) {
			tcp_timer_stop(st, c, TT_PERSIST);
			c->persist_shift = 0;
		}
		c->snd_wnd = nwnd;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = th->ack;
		if (nwnd > c->max_sndwnd)
			c->max_sndwnd = nwnd;
		if (nwnd > 0 && c->snd_una != c->snd_max)
			tcp_write_space(st, c);
	}
	switch (c->state) {
	case TCPS_FIN_WAIT_1:
		if (our_fin_acked(c)) {
			tcp_set_state(st, c, TCPS_FIN_WAIT_2);
			if (c->flags & TF_ORPHAN)
				tcp_timer_set(st, c, TT_2MSL, st->now + st->tcp->fin_timeout);
			tcp_notify(st, c, UPCALL_ALL);
		}
		break;
	case TCPS_CLOSING:
		if (our_fin_acked(c)) {
			tcp_time_wait_start(st, c);
			tcp_notify(st, c, UPCALL_ALL);
		}
		break;
	case TCPS_LAST_ACK:
		if (our_fin_acked(c)) {
			tcp_closed(st, c);
			return;
		}
		break;
	case TCPS_TIME_WAIT:
		/* Only a retransmitted FIN can arrive: ACK it, restart 2MSL (below). */
		break;
	default:
		break;
	}

text:
	/* Sixth, URG: not supported, ignored. Seventh, the segment text. */
	if (seg->len > 0) {
		switch (c->state) {
		case TCPS_ESTABLISHED:
		case TCPS_FIN_WAIT_1:
		case TCPS_FIN_WAIT_2:
			if (c->flags & TF_ORPHAN) {
				/* Nobody will ever read it: reset (as Linux does). */
				drop(st, USTACK_DROP_TCP_NO_SOCKET, p);
				c->rcv_nxt = seg->seq + seg->len;
				tcp_drop(st, c, 0);
				return;
			}
			fin_now = rcv_data(st, c, p, th, seg->seq, seg->data, seg->len,
					   (seg->flags & TCP_FIN) != 0);
			break;
		default:
			/* CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the FIN came already */
			break;
		}
	}

	/* Eighth, the FIN bit. */
	if (((seg->flags & TCP_FIN) && seg->seq + seg->len == c->rcv_nxt &&
	     !(c->flags & TF_RCVD_FIN)) || fin_now) {
		fin_received(st, c);
	} else if ((seg->flags & TCP_FIN) && c->state == TCPS_TIME_WAIT) {
		tcp_timer_set(st, c, TT_2MSL, st->now + 2 * st->tcp->msl);
		c->flags |= TF_ACKNOW;
	} else if ((seg->flags & TCP_FIN) && seg->len == 0 && SEQ_GT(seg->seq, c->rcv_nxt) &&
		   !(c->flags & TF_RCVD_FIN)) {
		ooo_fin_at(st, c, seg->seq);              /* a lone FIN ahead of a gap */
		c->flags |= TF_ACKNOW;
	}
	tcp_output(st, c);
}

/* --- entry points --- */

void tcp_input(struct ustack *st, struct pkt *p)
{
	struct tcp_seg seg;
	struct tcp_conn *c;
	int err;

	ST_COUNT(st, tcp_in);
	err = tcp_parse_ps(p->data, p->len, inet_pseudo(&p->src, &p->dst, IP_PROTO_TCP), &seg.th,
			   p->csum == PKT_CSUM_FULL);   /* else the device vouches (offloads) */
	if (err != WIRE_OK) {
		drop(st, err == WIRE_BAD_CSUM ? USTACK_DROP_TCP_BAD_CSUM : USTACK_DROP_TCP_MALFORMED, p);
		pkt_free(st, p);
		return;
	}
	/* RFC 1122 4.2.3.10: nothing to or from broadcast/multicast; ports are never 0. */
	if (p->ip_bcast || p->l2_bcast || ip_addr_is_multicast(&p->dst) || inet_bad_peer(&p->src) ||
	    p->src.family != p->dst.family || seg.th.sport == 0 || seg.th.dport == 0) {
		drop(st, USTACK_DROP_TCP_MALFORMED, p);
		pkt_free(st, p);
		return;
	}
	seg.src = p->src;
	seg.dst = p->dst;
	seg.ifindex = p->ifindex;
	seg.seq = seg.th.seq;
	seg.flags = seg.th.flags;
	seg.data = p->data + seg.th.hdr_len;
	seg.len = (uint32_t)(p->len - seg.th.hdr_len);

	c = tcp_lookup(st, &seg.dst, seg.th.dport, &seg.src, seg.th.sport);
	/* A new SYN for a TIME_WAIT connection with a higher sequence number (or newer
	 * timestamp) may open a new incarnation (RFC 9293 3.10.7.4 note, RFC 6191). */
	if (c && c->state == TCPS_TIME_WAIT && !upcall_is_set(&c->up) &&
	    (seg.flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) == TCP_SYN &&
	    (SEQ_GT(seg.seq, c->rcv_nxt) ||
	     ((c->flags & TF_TS_OK) && seg.th.has_ts && SEQ_GT(seg.th.ts_val, c->ts_recent))) &&
	    tcp_lookup_listener(st, &seg.dst, seg.th.dport, &seg.src, seg.th.sport)) {
		tcp_closed(st, c);
		tcp_conn_gc(st, c);
		c = NULL;
	}
	if (!c)
		c = tcp_lookup_listener(st, &seg.dst, seg.th.dport, &seg.src, seg.th.sport);
	if (!c) {
		input_closed(st, &seg, p);
		pkt_free(st, p);
		return;
	}
	switch (c->state) {
	case TCPS_LISTEN:
		input_listen(st, c, &seg, p);
		break;
	case TCPS_SYN_SENT:
		input_syn_sent(st, c, &seg, p);
		break;
	case TCPS_CLOSED:
		input_closed(st, &seg, p);
		break;
	default:
		input_synchronized(st, c, &seg, p, false);
		break;
	}
	st->tcp->dsack_conn = NULL;                   /* reported, or not to be */
	tcp_conn_gc(st, c);
	pkt_free(st, p);
}

/* A smaller path MTU (RFC 1191 for IPv4, RFC 8201 for IPv6): smaller segments from now
 * on, and what is in flight sent again at once. */
static void icmp_mtu(struct ustack *st, struct tcp_conn *c, unsigned mtu)
{
	unsigned hl = tcp_ip_hdr_len(c) + TCP_HDR_LEN;

	if (mtu <= hl || mtu - hl >= c->t_maxseg)
		return;
	tcp_update_maxseg(st, c, mtu);
	trace_info(st, "tcp %d: path MTU %u, MSS now %u", c->id, mtu, c->t_maxseg);
	if (TCPS_HAVE_ESTABLISHED(c->state) && c->snd_una != c->snd_max) {
		c->snd_nxt = c->snd_una;
		c->rt_active = false;
		tcp_output(st, c);
	}
}

/* ICMP: the error for the user (positive errno); *hard: it ends a connection attempt.
 * 0: not an error TCP acts on. */
static int icmp4_error(const struct ip_err *e, bool *hard)
{
	switch (e->type) {
	case ICMP_DEST_UNREACH:
		*hard = e->code == ICMP_PORT_UNREACH || e->code == ICMP_PROTO_UNREACH;
		return e->code == ICMP_NET_UNREACH ? ENETUNREACH :
		       e->code == ICMP_PORT_UNREACH ? ECONNREFUSED :
		       e->code == ICMP_PROTO_UNREACH ? ENOPROTOOPT : EHOSTUNREACH;
	case ICMP_TIME_EXCEEDED:
		return EHOSTUNREACH;
	case ICMP_PARAM_PROBLEM:
		return EPROTO;
	default:
		return 0;                                /* source quench etc.: ignored */
	}
}

/* ICMPv6 (RFC 4443 3): the same, as Linux maps them. */
static int icmp6_error(const struct ip_err *e, bool *hard)
{
	switch (e->type) {
	case ICMP6_DEST_UNREACH:
		*hard = e->code == ICMP6_PORT_UNREACH || e->code == ICMP6_ADMIN_PROHIBITED ||
			e->code >= 5 /* source policy, reject route */;
		switch (e->code) {
		case ICMP6_NO_ROUTE:
			return ENETUNREACH;
		case ICMP6_PORT_UNREACH:
			return ECONNREFUSED;
		case ICMP6_ADMIN_PROHIBITED:
		case 5:                                  /* failed source policy */
		case 6:                                  /* reject route */
			return EACCES;
		default:
			return EHOSTUNREACH;
		}
	case ICMP6_TIME_EXCEEDED:
		return EHOSTUNREACH;
	case ICMP6_PARAM_PROBLEM:
		*hard = e->code == 1    /* unrecognized next header */;
		return *hard ? ECONNREFUSED : EPROTO;
	default:
		return 0;
	}
}

/* RFC 1122 4.2.3.9 / RFC 5927 / RFC 4443: an ICMP or ICMPv6 error quoting one of our
 * segments. */
void tcp_icmp_error(struct ustack *st, const struct ip_err *e)
{
	struct tcp_conn *c;
	bool hard = false;
	int err;

	if (!st->tcp || e->proto != IP_PROTO_TCP || e->l4_len < 8 || e->src.family != e->family ||
	    e->dst.family != e->family)
		return;
	uint32_t seq = be32_get(e->l4 + 4);

	c = tcp_lookup(st, &e->src, e->sport, &e->dst, e->dport);
	if (!c)
		return;
	/* RFC 5927 4.1: the quoted sequence number must be one in flight. */
	if (SEQ_LT(seq, c->snd_una) || SEQ_GT(seq, c->snd_max))
		return;
	if (e->family == IP_AF_INET && e->type == ICMP_DEST_UNREACH && e->code == ICMP_FRAG_NEEDED) {
		unsigned mtu = e->info & 0xffff;

		icmp_mtu(st, c, mtu == 0 ? 576 : mtu < 68 ? 0 : mtu);
		return;
	}
	if (e->family == IP_AF_INET6 && e->type == ICMP6_PACKET_TOO_BIG) {
		/* RFC 8201 4: never below the IPv6 minimum link MTU */
		icmp_mtu(st, c, e->info < 1280 ? 1280 : e->info > 65535 ? 65535 : e->info);
		return;
	}
	err = e->family == IP_AF_INET6 ? icmp6_error(e, &hard) : icmp4_error(e, &hard);
	if (!err)
		return;
	if (hard && c->state == TCPS_SYN_SENT) {
		tcp_drop(st, c, err);                    /* a hard error while connecting */
		tcp_notify(st, c, UPCALL_ALL);
		tcp_conn_gc(st, c);
		return;
	}
	c->soft_error = err;
	trace_info(st, "tcp %d: ICMP soft error %d", c->id, err);
}
