/* tcp_output.c - the one place that decides what a connection sends (RFC 9293 3.8):
 * SYN and SYN-ACK, data (segmented by the effective MSS, limited by the peer's window
 * and the congestion window, with Nagle and sender-side silly window avoidance,
 * 3.8.6.2.1), FIN, retransmissions asked for by recovery, zero-window probes, pure
 * ACKs and window updates (receiver-side SWS avoidance, 3.8.6.2.2). Input and timers
 * only set flags (TF_ACKNOW, TF_FORCE, TF_REXMIT_ONE) and call tcp_output.
 *
 * A segment is built once: pkt_alloc at PKT_HEADROOM, header and options emitted,
 * payload copied from the send ring (the only copy), checksum, inet_output. Also here:
 * control segments (RST, keep-alive, challenge ACK) and RSTs for segments that match
 * no connection (3.10.7.1). */
#include "tcp/tcp_var.h"

#include <errno.h>
#include <string.h>

#include "core/stack.h"
#include "core/trace.h"
#include "net/inet.h"
#include "tcp/tcp_cc.h"
#include "wire/csum.h"
#include "wire/ipv4.h"

uint32_t tcp_seg_payload_max(const struct tcp_conn *c)
{
	uint32_t m = c->t_maxseg;

	if ((c->flags & TF_TS_OK) && m > TCP_TS_OPT_LEN)
		m -= TCP_TS_OPT_LEN;
	return m ? m : 1;
}

/* Payload room in the next data segment: the full segment less the SACK blocks we
 * owe the peer (as Linux does), so that they ride on data too. */
static uint32_t seg_room(const struct tcp_conn *c)
{
	uint32_t m = tcp_seg_payload_max(c);

	if ((c->flags & TF_SACK_OK) && c->ooo.n) {
		uint32_t blocks = c->ooo.n < 3 ? c->ooo.n : 3;
		uint32_t opt = 4 + 8 * blocks;

		if (c->flags & TF_TS_OK && blocks == 3)
			opt = 28;                                /* 40 bytes of options at most */
		m = m > opt + 64 ? m - opt : 64;
	}
	return m;
}

static uint32_t ts_now(struct ustack *st, const struct tcp_conn *c)
{
	return (uint32_t)(st->now / 1000) + c->ts_offset;    /* a 1 ms clock, RFC 7323 5.4 */
}

static uint64_t rcv_window_max(const struct tcp_conn *c)
{
	return (c->flags & TF_WS_OK) ? (uint64_t)65535 << c->rcv_wscale : 65535;
}

/* RFC 9293 3.8.6.2.2: the right edge moves only by at least min(RCV.BUFF/2, MSS);
 * it never moves left (3.8.6). */
uint32_t tcp_rcv_window(const struct tcp_conn *c)
{
	uint64_t cap = c->rcvbuf.cap;
	uint64_t used = (c->flags & TF_SHUT_RD) ? 0 : c->rcvbuf.len;
	uint64_t space = cap > used ? cap - used : 0;
	uint64_t maxw = rcv_window_max(c);
	uint32_t cur = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t win = (uint32_t)(space < maxw ? space : maxw);
	uint32_t step = (uint32_t)(cap / 2 < c->rcv_mss ? cap / 2 : c->rcv_mss);

	if (win > cur && win - cur < step)
		win = cur;
	if (win < cur)
		win = cur;
	return win;
}

/* SACK blocks (RFC 2018 section 4): the block holding the latest segment first, then
 * the others, as many as room allows. */
static void fill_sack(const struct tcp_conn *c, struct tcp_repr *th, unsigned max_blocks,
		      bool dsack, uint32_t dl, uint32_t dr)
{
	unsigned first = c->ooo.n;

	th->n_sack = 0;
	if (dsack && max_blocks) {
		th->sack[0].left = dl;                   /* RFC 2883: the duplicate first */
		th->sack[0].right = dr;
		th->n_sack = 1;
	}
	for (unsigned i = 0; i < c->ooo.n; i++) {
		if (seq_in(c->sack_recent.left, c->ooo.r[i].left, c->ooo.r[i].right)) {
			first = i;
			break;
		}
	}
	if (first < c->ooo.n && th->n_sack < max_blocks) {
		th->sack[th->n_sack].left = c->ooo.r[first].left;
		th->sack[th->n_sack].right = c->ooo.r[first].right;
		th->n_sack++;
	}
	for (unsigned i = 0; i < c->ooo.n && th->n_sack < max_blocks; i++) {
		if (i == first)
			continue;
		th->sack[th->n_sack].left = c->ooo.r[i].left;
		th->sack[th->n_sack].right = c->ooo.r[i].right;
		th->n_sack++;
	}
}

/* Build and send one segment of c: [seq, seq+len) of the send ring (len may be 0).
 * gso nonzero: a super-segment of len bytes the device cuts into segments of gso
 * bytes of payload (headers and options the same in each).
 * Returns 0, or a negative errno (-ENOBUFS: no packet; nothing was sent). */
static int tcp_xmit_gso(struct ustack *st, struct tcp_conn *c, uint32_t seq, uint32_t ack,
			uint32_t len, uint8_t flags, uint32_t gso)
{
	struct tcp_repr th;
	struct inet_tx opts;
	bool sack_complete = true;
	uint32_t win = tcp_rcv_window(c);

	memset(&th, 0, sizeof(th));
	th.sport = c->lport;
	th.dport = c->rport;
	th.seq = seq;
	th.flags = flags;
	if (flags & TCP_ACK)
		th.ack = ack;
	if (flags & TCP_SYN) {
		bool offer = c->state == TCPS_SYN_SENT;

		th.win = (uint16_t)(win > 65535 ? 65535 : win);  /* RFC 7323 2.2: never scaled */
		th.has_mss = true;
		th.mss = c->mss_adv;
		th.has_wscale = offer ? (c->flags & TF_WANT_WS) != 0 : (c->flags & TF_WS_OK) != 0;
		th.wscale = c->rcv_wscale;
		th.sack_perm = offer ? (c->flags & TF_WANT_SACK) != 0 : (c->flags & TF_SACK_OK) != 0;
		th.has_ts = offer ? (c->flags & TF_WANT_TS) != 0 : (c->flags & TF_TS_OK) != 0;
		if (th.has_ts) {
			th.ts_val = ts_now(st, c);
			th.ts_ecr = (flags & TCP_ACK) ? c->ts_recent : 0;
		}
	} else {
		uint32_t w = win >> ((c->flags & TF_WS_OK) ? c->rcv_wscale : 0);

		th.win = (uint16_t)(w > 65535 ? 65535 : w);
		if (c->flags & TF_TS_OK) {
			th.has_ts = true;
			th.ts_val = ts_now(st, c);
			th.ts_ecr = c->ts_recent;
		}
		uint32_t dl = 0, dr = 0;
		bool dsack = (flags & TCP_ACK) && tcp_dsack_take(st, c, &dl, &dr);

		if ((c->flags & TF_SACK_OK) && (flags & TCP_ACK) && !(flags & TCP_RST) &&
		    (c->ooo.n || dsack)) {
			/* Data + options stay within the MSS (RFC 6691). */
			unsigned blocks = c->ooo.n + (dsack ? 1u : 0u);
			unsigned want = blocks < 3 ? blocks : 3;

			fill_sack(c, &th, want, dsack, dl, dr);
			while (th.n_sack > 0 && TCP_HDR_LEN + tcp_options_len(&th) + (gso ? gso : len) >
			       (size_t)TCP_HDR_LEN + c->t_maxseg)
				th.n_sack--;
			sack_complete = th.n_sack == want;
			if (dsack && th.n_sack) {
				st->tcp->dsack_conn = NULL;      /* reported once */
				ST_COUNT(st, tcp_dsack_sent);
			}
		}
	}
	if (flags & TCP_RST)
		th.win = 0;

	size_t hlen = TCP_HDR_LEN + tcp_options_len(&th);
	struct pkt *p = pkt_alloc(st, hlen + len);
	if (!p)
		return -ENOBUFS;
	uint8_t *b = pkt_put(p, hlen + len);
	tcp_emit(&th, b);
	if (len)
		tcp_ring_copy_out(&c->sndbuf, seq - c->snd_data, b + hlen, len);
	if (c->csum_offload && !(flags & (TCP_SYN | TCP_RST))) {
		/* the device (or ipv4_output) finishes it: only the pseudo-header sum here */
		be16_put(b + 16, (uint16_t)~csum_fold(inet_pseudo(&c->laddr, &c->raddr, IP_PROTO_TCP) +
						      (uint32_t)(hlen + len)));
		p->csum = PKT_CSUM_PARTIAL;
	} else {
		tcp_set_csum_ps(b, hlen + len, inet_pseudo(&c->laddr, &c->raddr, IP_PROTO_TCP));
	}
	if (gso && len > gso)
		p->gso_size = (uint16_t)gso;

	if (flags & TCP_ACK) {
		uint32_t adv = (flags & TCP_SYN) ? th.win :
			       (uint32_t)th.win << ((c->flags & TF_WS_OK) ? c->rcv_wscale : 0);

		c->last_ack_sent = c->rcv_nxt;
		if (SEQ_GT(c->rcv_nxt + adv, c->rcv_adv))
			c->rcv_adv = c->rcv_nxt + adv;
		if (sack_complete)
			c->flags &= ~TF_ACKNOW;
		c->flags &= ~TF_DELACK;
		c->deadline[TT_DELACK] = 0;
		c->rcv_unacked = 0;
	} else if (flags & TCP_SYN) {
		c->syn_win = th.win;
	}
	ST_COUNT(st, tcp_out);
	if (flags & TCP_RST)
		ST_COUNT(st, tcp_rst_out);
	memset(&opts, 0, sizeof(opts));
	opts.df = st->tcp->pmtud;
	opts.ttl = c->ip_ttl;
	opts.tos = c->ip_tos;
	opts.ifindex = c->ifindex;
	int rc = inet_output(st, p, &c->laddr, &c->raddr, IP_PROTO_TCP, &opts);
	if (rc == -EMSGSIZE) {
		/* The route's MTU is smaller than we thought: segment smaller from now on. */
		tcp_update_maxseg(st, c, inet_path_mtu(st, &c->raddr));
	}
	return rc == -ENOBUFS ? -ENOBUFS : 0;
}

static int tcp_xmit(struct ustack *st, struct tcp_conn *c, uint32_t seq, uint32_t ack,
		    uint32_t len, uint8_t flags)
{
	return tcp_xmit_gso(st, c, seq, ack, len, flags, 0);
}

int tcp_send_ctl(struct ustack *st, struct tcp_conn *c, uint32_t seq, uint32_t ack, uint8_t flags)
{
	return tcp_xmit(st, c, seq, ack, 0, flags);
}

void tcp_challenge_ack(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_state *ts = st->tcp;

	if (st->now - ts->challenge_window >= 1000000 || st->now < ts->challenge_window) {
		ts->challenge_window = st->now;
		ts->challenge_acks = 0;
	}
	if (ts->challenge_acks >= ts->challenge_ack_limit) {
		trace_info(st, "tcp %d: challenge ACK rate limited", c->id);
		return;
	}
	ts->challenge_acks++;
	tcp_send_ctl(st, c, c->snd_max, c->rcv_nxt, TCP_ACK);
}

/* RFC 9293 3.10.7.1: the reply to a segment for which no connection exists. */
void tcp_respond_rst(struct ustack *st, const struct tcp_seg *seg)
{
	struct tcp_repr th;
	struct inet_tx opts;

	if (seg->flags & TCP_RST)
		return;
	memset(&th, 0, sizeof(th));
	th.sport = seg->th.dport;
	th.dport = seg->th.sport;
	if (seg->flags & TCP_ACK) {
		th.seq = seg->th.ack;                    /* <SEQ=SEG.ACK><CTL=RST> */
		th.flags = TCP_RST;
	} else {
		th.seq = 0;                              /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
		th.ack = seg->seq + tcp_seg_len(seg);
		th.flags = TCP_RST | TCP_ACK;
	}
	struct pkt *p = pkt_alloc(st, TCP_HDR_LEN);
	if (!p)
		return;
	uint8_t *b = pkt_put(p, TCP_HDR_LEN);
	tcp_emit(&th, b);
	tcp_set_csum_ps(b, TCP_HDR_LEN, inet_pseudo(&seg->dst, &seg->src, IP_PROTO_TCP));
	ST_COUNT(st, tcp_out);
	ST_COUNT(st, tcp_rst_out);
	memset(&opts, 0, sizeof(opts));
	opts.df = st->tcp->pmtud;
	opts.ifindex = seg->ifindex;
	inet_output(st, p, &seg->dst, &seg->src, IP_PROTO_TCP, &opts);
}

/* --- deciding --- */

static inline uint32_t data_end(const struct tcp_conn *c)
{
	return c->snd_data + (uint32_t)c->sndbuf.len;
}

/* Send [seq, seq+len) with ACK, PSH at the end of the data, FIN when it reaches the
 * end and the user is done; gso nonzero: as one super-segment of gso-byte segments.
 * Returns the sequence space used (len, +1 for FIN), or -1 if no packet could be had. */
static int64_t send_range_gso(struct ustack *st, struct tcp_conn *c, uint32_t seq,
			      uint32_t len, uint32_t gso)
{
	uint32_t end = data_end(c);
	uint8_t flags = TCP_ACK;
	bool fin;

	if (SEQ_GT(seq + len, end))
		len = SEQ_GT(end, seq) ? end - seq : 0;
	fin = (c->flags & TF_FIN_PENDING) && seq + len == end;
	if (fin)
		flags |= TCP_FIN;
	if (len && seq + len == end)
		flags |= TCP_PSH;
	if (tcp_xmit_gso(st, c, seq, c->rcv_nxt, len, flags, gso) < 0)
		return -1;
	if (fin)
		c->flags |= TF_SENTFIN;
	/* the scoreboard sees the segments the wire carries */
	if (gso && len > gso) {
		uint32_t off = 0;

		for (; len - off > gso; off += gso)
			tcp_rack_sent(st, c, seq + off, gso);
		tcp_rack_sent(st, c, seq + off, len - off + (fin ? 1 : 0));
	} else {
		tcp_rack_sent(st, c, seq, len + (fin ? 1 : 0));
	}
	if (SEQ_LT(seq, c->snd_max)) {
		c->rt_active = false;                    /* Karn */
		if (len) {
			ST_COUNT(st, tcp_retransmits);
			c->total_retrans++;
		}
	}
	return (int64_t)len + (fin ? 1 : 0);
}

static int64_t send_range(struct ustack *st, struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	return send_range_gso(st, c, seq, len, 0);
}

/* The payload of the largest super-segment of maxpay-byte segments the route's device
 * takes (a multiple of maxpay), or maxpay without TSO. */
static uint32_t gso_room(const struct tcp_conn *c, uint32_t maxpay)
{
	/* headers: IP (IPv4 with options at most 60, IPv6's fixed 40) and TCP with
	 * options, at most 60 */
	uint32_t hdrs = (c->laddr.family == IP_AF_INET6 ? 40u : 60u) + 60u;

	if (!c->gso_max || c->gso_max <= hdrs + 2 * maxpay)
		return maxpay;
	return (c->gso_max - hdrs) / maxpay * maxpay;
}

/* After sending new sequence space from snd_nxt. */
static void advance(struct ustack *st, struct tcp_conn *c, uint32_t seq, uint32_t used)
{
	if (used == 0)
		return;
	if (!c->rt_active && seq == c->snd_max) {
		c->rt_active = true;                     /* time this segment (RFC 6298 / Karn) */
		c->rt_seq = seq;
		c->rt_time = st->now;
	}
	c->snd_nxt = seq + used;
	if (SEQ_GT(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	if (!tcp_timer_on(c, TT_REXMT))
		tcp_rexmt_restart(st, c);
	tcp_timer_stop(st, c, TT_PERSIST);
}

/* SYN (SYN_SENT) or SYN-ACK (SYN_RECEIVED). */
static int output_syn(struct ustack *st, struct tcp_conn *c)
{
	if (c->snd_nxt == c->iss) {
		uint8_t flags = TCP_SYN | (c->state == TCPS_SYN_RECEIVED ? TCP_ACK : 0);

		if (tcp_xmit(st, c, c->iss, c->rcv_nxt, 0, flags) < 0) {
			if (!tcp_timer_on(c, TT_REXMT))
				tcp_rexmt_restart(st, c);
			return 0;
		}
		c->snd_nxt = c->iss + 1;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!c->rt_active && !(c->flags & TF_SYN_REXMIT)) {
			c->rt_active = true;
			c->rt_seq = c->iss;
			c->rt_time = st->now;
		}
		if (!tcp_timer_on(c, TT_REXMT))
			tcp_rexmt_restart(st, c);
		return 1;
	}
	if ((c->flags & TF_ACKNOW) && c->state == TCPS_SYN_RECEIVED)
		tcp_xmit(st, c, c->snd_nxt, c->rcv_nxt, 0, TCP_ACK);
	return 0;
}

/* New data from snd_nxt in full segments (or the FIN), at most `room` bytes of
 * sequence space. Returns the space used, 0 if nothing may go, -1 out of packets. */
static int64_t send_new(struct ustack *st, struct tcp_conn *c, uint32_t room)
{
	uint32_t maxpay = seg_room(c);
	uint32_t end = data_end(c);
	uint32_t avail = SEQ_LT(c->snd_nxt, end) ? end - c->snd_nxt : 0;
	uint32_t inflight = c->snd_nxt - c->snd_una;
	uint32_t usable = c->snd_wnd > inflight ? c->snd_wnd - inflight : 0;
	uint32_t len = avail < usable ? avail : usable;
	bool fin = (c->flags & TF_FIN_PENDING) && c->snd_nxt + len == end &&
		   !((c->flags & TF_SENTFIN) && SEQ_GT(c->snd_max, end));

	if (len > maxpay)
		len = maxpay;
	if (len > room)
		return 0;
	if (len == 0 && !fin)
		return 0;
	if (len < maxpay && len < avail)
		return 0;                                /* only full segments here */
	uint32_t seq = c->snd_nxt;
	int64_t used = send_range(st, c, seq, len);
	if (used > 0)
		advance(st, c, seq, (uint32_t)used);
	return used;
}

/* Sending while the scoreboard holds lost segments or recovery is under way (RFC 6675
 * NextSeg(), rules 1 and 2): lost segments first, then new data. In fast recovery
 * Proportional Rate Reduction (RFC 6937) says how much (a whole segment goes while its
 * allowance is positive); otherwise (after a timeout) cwnd against pipe. */
static int output_scoreboard(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;
	bool prr = (c->flags & TF_RECOVERY) != 0;
	int n = 0;

	while (n < TCP_BURST_MAX) {
		uint32_t pipe = tcp_rack_pipe(c);
		uint32_t s, l;

		if (prr ? r->prr_sndcnt <= 0 : pipe >= c->cwnd)
			break;
		int64_t used;
		if (tcp_rack_next_lost(c, &s, &l)) {
			/* Resend as it was first cut, not in slivers. */
			if (l > tcp_seg_payload_max(c) + 1)
				l = tcp_seg_payload_max(c);
			bool fin_only = s + l == data_end(c) + 1;
			used = send_range(st, c, s, fin_only ? l - 1 : l);
			if (used < 0)
				break;
			if (used == 0) {
				/* nothing in the ring for it (cannot be): forget the mark */
				tcp_rack_sent(st, c, s, l);
				continue;
			}
			ST_COUNT(st, tcp_sack_rexmits);
			if (s == c->snd_una)
				tcp_rexmt_restart(st, c);         /* give it a full RTO */
		} else {
			used = send_new(st, c, UINT32_MAX);
			if (used <= 0)
				break;
		}
		if (prr) {
			r->prr_out += (uint32_t)used;
			r->prr_sndcnt -= used;
		}
		n++;
	}
	return n;
}

/* RFC 8985 7.2: arm the probe timeout when the flight has no other guard but the RTO. */
static void tlp_arm(struct ustack *st, struct tcp_conn *c)
{
	const struct tcp_rack *r = &c->rack;

	if (!(c->flags & TF_SACK_OK) || (c->flags & TF_RECOVERY) || r->lost_bytes ||
	    r->tlp_out || c->snd_una == c->snd_max || c->rxtshift || c->snd_wnd == 0 ||
	    (c->state != TCPS_ESTABLISHED && c->state != TCPS_CLOSE_WAIT &&
	     c->state != TCPS_FIN_WAIT_1 && c->state != TCPS_CLOSING &&
	     c->state != TCPS_LAST_ACK)) {
		tcp_timer_stop(st, c, TT_TLP);
		return;
	}
	uint64_t when = st->now + tcp_rack_pto(st, c);
	if (tcp_timer_on(c, TT_REXMT) && when >= c->deadline[TT_REXMT]) {
		tcp_timer_stop(st, c, TT_TLP);           /* the RTO comes first anyway */
		return;
	}
	tcp_timer_set(st, c, TT_TLP, when);
}

void tcp_output_tlp(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;
	uint32_t s, l;

	if (!(c->flags & TF_SACK_OK) || (c->flags & TF_RECOVERY) || r->tlp_out ||
	    c->snd_una == c->snd_max)
		return;
	/* new data if the windows allow it, else the last segment again */
	int64_t used = c->snd_wnd ? send_new(st, c, UINT32_MAX) : 0;
	if (used == 0 && tcp_rack_last(c, &s, &l)) {
		if (l > tcp_seg_payload_max(c) + 1)
			l = tcp_seg_payload_max(c);
		bool fin_only = s + l == data_end(c) + 1;
		used = send_range(st, c, s, fin_only ? l - 1 : l);
	}
	if (used <= 0)
		return;
	r->tlp_out = true;
	r->tlp_end = c->snd_max;
	ST_COUNT(st, tcp_tlp_probes);
	tcp_rexmt_restart(st, c);                    /* RFC 8985 7.3: the RTO after the probe */
}

/* One segment of new (or, after a timeout, resent) data or FIN from snd_nxt, if the
 * rules allow. Returns 1 if sent, 0 if nothing should go now, -1 out of packets. */
static int output_one(struct ustack *st, struct tcp_conn *c)
{
	uint32_t maxpay = seg_room(c);
	uint32_t end = data_end(c);
	uint32_t avail = SEQ_LT(c->snd_nxt, end) ? end - c->snd_nxt : 0;
	uint32_t cwnd = c->cwnd;
	bool force = (c->flags & TF_FORCE) != 0;

	/* RFC 3042 limited transmit: one more segment per early duplicate ACK */
	if (!(c->flags & TF_RECOVERY) && c->dupacks > 0 && c->dupacks < 3)
		cwnd += c->dupacks * maxpay;
	uint32_t sendwin = c->snd_wnd < cwnd ? c->snd_wnd : cwnd;
	uint32_t inflight = c->snd_nxt - c->snd_una;
	uint32_t usable = sendwin > inflight ? sendwin - inflight : 0;
	bool fin_due = (c->flags & TF_FIN_PENDING) &&
		       !((c->flags & TF_SENTFIN) && SEQ_GT(c->snd_nxt, end));

	/* A zero window: probe it from the persist timer (3.8.6.1), nothing else. A FIN
	 * alone takes no buffer space: it goes under the retransmission timer. */
	if (c->snd_wnd == 0 && avail > 0) {
		tcp_timer_stop(st, c, TT_REXMT);
		c->rxtshift = 0;
		if (force && avail > 0) {
			uint32_t seq = c->snd_una;

			c->flags &= ~TF_FORCE;
			if (tcp_xmit(st, c, seq, c->rcv_nxt, 1, TCP_ACK) < 0)
				return -1;
			if (SEQ_GT(seq + 1, c->snd_max))
				c->snd_max = seq + 1;
			tcp_persist_start(st, c);            /* backs off */
			return 0;
		}
		if (!tcp_timer_on(c, TT_PERSIST)) {
			c->snd_nxt = c->snd_una;
			tcp_persist_start(st, c);
		}
		return 0;
	}

	uint32_t len = avail < usable ? avail : usable;
	/* New data in order, several segments' worth allowed: one super-segment of whole
	 * segments when the device cuts them (TSO), never for a resend. */
	uint32_t lim = SEQ_GEQ(c->snd_nxt, c->snd_max) ? gso_room(c, maxpay) : maxpay;
	if (len > lim)
		len = lim;
	if (len > maxpay)
		len -= len % maxpay;
	bool fin = fin_due && c->snd_nxt + len == end;
	bool send = false;

	if (len > 0) {
		if (len >= maxpay)
			send = true;
		else if (SEQ_LT(c->snd_nxt, c->snd_max))
			send = true;                         /* resending after a timeout */
		else if (force)
			send = true;
		else if (fin)
			send = true;
		else if (len == avail && !(c->flags & TF_CORK) &&
			 ((c->flags & TF_NODELAY) || SEQ_LEQ(c->snd_sml, c->snd_una)))
			send = true;   /* Nagle (RFC 9293 3.7.4), Minshall's form: a small
					* segment waits only while an earlier small one is
					* unacknowledged, so a write's tail follows its full
					* segments instead of waiting for a delayed ACK */
		else if (c->max_sndwnd && len >= c->max_sndwnd / 2)
			send = true;                         /* sender SWS (3.8.6.2.1) */
	} else if (fin) {
		send = true;
	}
	if (!send)
		return 0;
	uint32_t seq = c->snd_nxt;
	int64_t used = send_range_gso(st, c, seq, len, len > maxpay ? maxpay : 0);
	if (used < 0)
		return -1;
	advance(st, c, seq, (uint32_t)used);
	if (used > 0 && (uint32_t)used < maxpay)
		c->snd_sml = seq + (uint32_t)used;
	if (force)
		c->flags &= ~TF_FORCE;
	return used > 0;
}

/* Would a window update tell the peer something worth a segment? */
static bool window_update_due(const struct tcp_conn *c)
{
	if (c->state != TCPS_ESTABLISHED && c->state != TCPS_FIN_WAIT_1 &&
	    c->state != TCPS_FIN_WAIT_2)
		return false;
	/* Nothing received yet: the window of our SYN (up to 64 KiB, unscaled) is more
	 * than the peer's initial window lets it send, and the ACK of its first data
	 * carries the full window. An update now would be a segment for nothing. */
	if (c->rcv_nxt == c->irs + 1)
		return false;
	uint32_t cur = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	/* An ACK is owed already (delayed) and the peer is far from blocked: that ACK,
	 * or the reply the application is about to write, carries the new window. */
	if ((c->flags & TF_DELACK) && cur >= 4u * c->rcv_mss)
		return false;
	uint32_t win = tcp_rcv_window(c);
	if (win <= cur)
		return false;
	uint32_t adv = win - cur;
	uint64_t cap = c->rcvbuf.cap;
	/* Worth a segment when the window at least doubles (adv >= cur: the peer may send
	 * twice what it still may now, Linux's rule in __tcp_cleanup_rbuf), when half the
	 * buffer opens, or when a closed window opens by a segment. Every ACK of data
	 * carries the window anyway; an update on every read of a few segments while the
	 * peer still has plenty of window was a system call (and the peer's ACK
	 * processing) for nothing: over the offloaded TAP a third of the frames sent. */
	return (adv >= 2u * c->rcv_mss && adv >= cur) || adv >= cap / 2 ||
	       (cur < c->rcv_mss && adv >= c->rcv_mss);
}

int tcp_output(struct ustack *st, struct tcp_conn *c)
{
	int sent = 0;

	switch (c->state) {
	case TCPS_CLOSED:
	case TCPS_LISTEN:
		return 0;
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
		return output_syn(st, c);
	case TCPS_TIME_WAIT:
		if (c->flags & TF_ACKNOW)
			tcp_xmit(st, c, c->snd_max, c->rcv_nxt, 0, TCP_ACK);
		return 0;
	default:
		break;
	}

	/* Fast retransmit / NewReno partial ACK: the first unacknowledged segment. */
	if (c->flags & TF_REXMIT_ONE) {
		c->flags &= ~TF_REXMIT_ONE;
		if (SEQ_LT(c->snd_una, c->snd_max)) {
			uint32_t l = c->snd_max - c->snd_una;

			if (l > tcp_seg_payload_max(c))
				l = tcp_seg_payload_max(c);
			if (send_range(st, c, c->snd_una, l) >= 0) {
				c->rxmit_head_time = st->now;
				tcp_rexmt_restart(st, c);         /* give it a full RTO */
				c->rxmit_nxt = c->snd_una + l;
				sent++;
			}
		}
	}
	if ((c->flags & TF_SACK_OK) && ((c->flags & TF_RECOVERY) || c->rack.lost_bytes))
		sent += output_scoreboard(st, c);
	else
		for (int n = 0; n < TCP_BURST_MAX; n++) {
			int r = output_one(st, c);

			if (r <= 0)
				break;
			sent++;
		}

	if ((c->flags & TF_ACKNOW) || window_update_due(c)) {
		/* A pure ACK carries the next new sequence number, not the one a
		 * retransmission rewound snd_nxt to: the peer would find it old. */
		tcp_xmit(st, c, c->snd_max, c->rcv_nxt, 0, TCP_ACK);
		c->flags &= ~TF_ACKNOW;
		sent++;
	}

	/* Timers: something outstanding is guarded by REXMT (or PERSIST in a zero window);
	 * data held back with nothing outstanding by PERSIST (the SWS override). */
	if (c->state != TCPS_CLOSED) {
		uint32_t end = data_end(c);
		bool unsent = SEQ_LT(c->snd_nxt, end) ||
			      ((c->flags & TF_FIN_PENDING) && !(c->flags & TF_SENTFIN));

		if (c->snd_una == c->snd_max)
			tcp_timer_stop(st, c, TT_REXMT);
		else if (!tcp_timer_on(c, TT_REXMT) && !tcp_timer_on(c, TT_PERSIST))
			tcp_rexmt_restart(st, c);
		if (unsent && !tcp_timer_on(c, TT_REXMT) && !tcp_timer_on(c, TT_PERSIST))
			tcp_persist_start(st, c);
		tlp_arm(st, c);
	}
	return sent;
}
