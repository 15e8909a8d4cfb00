/* tcp_syncookie.c - a listener under a SYN flood (RFC 4987): the SYN queue's bound and
 * aging, and SYN cookies (section 3.6) once the queue is full. The layout of a cookie
 * is in tcp_syncookie.h.
 *
 * A cookie connection loses only what 32 + 5 bits cannot carry: the MSS is rounded
 * down to a table entry, and without timestamps the peer's window scale and SACK are
 * not offered at all (our SYN-ACK then carries neither, so the peer does not use
 * them either). No state is kept between the SYN-ACK and the ACK. */
#include "tcp/tcp_syncookie.h"

#include <string.h>

#include "core/stack.h"
#include "core/trace.h"
#include "net/inet.h"
#include "tcp/tcp_var.h"
#include "wire/be.h"
#include "wire/ipv4.h"

#define COOKIE_T_SHIFT   27
#define COOKIE_MSS_SHIFT 24
#define COOKIE_MAC_MASK  0x00ffffffu

/* Common segment sizes, ascending: 88 is our floor (TCP_MIN_MSS), 536 the default
 * without an MSS option (RFC 9293 3.7.1), then tunnels, PPPoE/VPN, Ethernet, jumbo. */
static const uint16_t mss_table[SYNCOOKIE_MSS_N] = {
	88, 536, 1220, 1300, 1380, 1440, 1460, 8960,
};

uint32_t syncookie_counter(uint64_t now_us)
{
	return (uint32_t)(now_us / SYNCOOKIE_PERIOD_US);
}

unsigned syncookie_mss_index(uint16_t mss)
{
	unsigned i = SYNCOOKIE_MSS_N - 1;

	while (i > 0 && mss_table[i] > mss)
		i--;
	return i;
}

uint16_t syncookie_mss(unsigned idx)
{
	return mss_table[idx % SYNCOOKIE_MSS_N];
}

uint32_t syncookie_ts_bits(const struct syncookie_opts *o)
{
	uint32_t ws = o->ws ? (o->wscale > TCP_MAX_WINSHIFT ? TCP_MAX_WINSHIFT : o->wscale) :
		      SYNCOOKIE_WS_NONE;

	return ws | (o->sack ? 0x10u : 0);
}

uint32_t syncookie_tsval(uint32_t clock, uint32_t bits)
{
	uint32_t v = (clock & ~SYNCOOKIE_TS_MASK) | (bits & SYNCOOKIE_TS_MASK);

	if ((int32_t)(v - clock) > 0)
		v -= SYNCOOKIE_TS_MASK + 1;
	return v;
}

/* The tuple's bytes at m: both addresses (4 or 16 bytes each, network order) and the
 * ports; returns how many (12 or 36). */
static size_t tuple_put(const struct syncookie_tuple *t, uint8_t *m)
{
	size_t n = t->laddr.family == IP_AF_INET6 ? 16 : 4;

	memcpy(m, t->laddr.b, n);
	memcpy(m + n, t->raddr.b, n);
	be16_put(m + 2 * n, t->lport);
	be16_put(m + 2 * n + 2, t->rport);
	return 2 * n + 4;
}

/* The 24-bit MAC. opt: 0 without timestamps, else 0x80 | the TS bits. */
static uint32_t cookie_mac(const uint64_t key[2], const struct syncookie_tuple *t,
			   uint32_t peer_isn, uint32_t counter, unsigned mss_idx, uint8_t opt)
{
	uint8_t m[46];
	size_t n = tuple_put(t, m);

	be32_put(m + n, peer_isn);
	be32_put(m + n + 4, counter);
	m[n + 8] = (uint8_t)mss_idx;
	m[n + 9] = opt;
	return (uint32_t)tcp_siphash24(key, m, n + 10) & COOKIE_MAC_MASK;
}

static uint8_t opt_byte(bool ts, uint32_t bits)
{
	return ts ? (uint8_t)(0x80u | (bits & SYNCOOKIE_TS_MASK)) : 0;
}

uint32_t syncookie_encode(const uint64_t key[2], const struct syncookie_tuple *t,
			  uint32_t peer_isn, uint64_t now_us, const struct syncookie_opts *o)
{
	uint32_t counter = syncookie_counter(now_us);
	unsigned idx = syncookie_mss_index(o->mss);
	uint8_t opt = opt_byte(o->ts, o->ts ? syncookie_ts_bits(o) : 0);

	return (counter % 32u) << COOKIE_T_SHIFT | (uint32_t)idx << COOKIE_MSS_SHIFT |
	       cookie_mac(key, t, peer_isn, counter, idx, opt);
}

enum syncookie_verdict syncookie_decode(const uint64_t key[2], const struct syncookie_tuple *t,
					uint32_t peer_isn, uint32_t cookie, bool has_ts,
					uint32_t tsecr, uint64_t now_us,
					struct syncookie_opts *out)
{
	uint32_t now = syncookie_counter(now_us);
	uint32_t age = (now - (cookie >> COOKIE_T_SHIFT)) % 32u;
	unsigned idx = (cookie >> COOKIE_MSS_SHIFT) & (SYNCOOKIE_MSS_N - 1);
	uint32_t bits = tsecr & SYNCOOKIE_TS_MASK;

	/* RFC 4987 3.6: only a recent t is good (this period or the one before). */
	if (age > 1)
		return SYNCOOKIE_STALE;
	if (cookie_mac(key, t, peer_isn, now - age, idx, opt_byte(has_ts, bits)) !=
	    (cookie & COOKIE_MAC_MASK))
		return SYNCOOKIE_FORGED;
	memset(out, 0, sizeof(*out));
	out->mss = mss_table[idx];
	out->ts = has_ts;
	if (has_ts) {
		out->ws = (bits & 0xf) != SYNCOOKIE_WS_NONE;
		out->wscale = out->ws ? (uint8_t)(bits & 0xf) : 0;
		out->sack = (bits & 0x10) != 0;
	}
	return SYNCOOKIE_OK;
}

uint32_t syncookie_ts_offset(const uint64_t key[2], const struct syncookie_tuple *t)
{
	uint8_t m[37];
	size_t n = tuple_put(t, m);

	m[n] = 'T';                                    /* not a MAC input: another length */
	return (uint32_t)tcp_siphash24(key, m, n + 1);
}

/* --- the SYN queue --- */

unsigned tcp_syn_queue_max(const struct ustack *st, const struct tcp_conn *l)
{
	unsigned n = (unsigned)l->backlog * 2 < 16 ? 16 : (unsigned)l->backlog * 2;

	return n > st->tcp->syn_queue_max ? st->tcp->syn_queue_max : n;
}

/* Linux's idea (reqsk pruning): past half full, one retry fewer for each halving of
 * the room left (1/2, 3/4, 7/8 full), never under 2. With the default 5 and a 1 s
 * initial RTO, a spoofed entry then holds its slot 7 s instead of 63 s. */
int tcp_synack_retries(const struct ustack *st, const struct tcp_conn *c)
{
	const struct tcp_conn *l = c->parent;
	int r = st->tcp->synack_retries;

	if (!l || l->state != TCPS_LISTEN)
		return r;
	unsigned max = tcp_syn_queue_max(st, l), n = (unsigned)l->syn_count;
	for (unsigned room = max / 2; room && n > max - room && r > 2; room /= 2)
		r--;
	return r;
}

bool tcp_syncookie_wanted(const struct ustack *st, const struct tcp_conn *l)
{
	switch (st->tcp->syncookies) {
	case TCP_SYNCOOKIES_ALWAYS:
		return true;
	case TCP_SYNCOOKIES_ON:
		return (unsigned)l->syn_count >= tcp_syn_queue_max(st, l);
	default:
		return false;
	}
}

bool tcp_syncookie_armed(const struct ustack *st)
{
	const struct tcp_state *ts = st->tcp;

	if (ts->syncookies == TCP_SYNCOOKIES_ALWAYS)
		return true;
	return ts->syncookies == TCP_SYNCOOKIES_ON && st->now < ts->syncookie_until;
}

/* --- SYN-ACK and ACK --- */

static struct syncookie_tuple seg_tuple(const struct tcp_seg *seg)
{
	struct syncookie_tuple t = { .laddr = seg->dst, .raddr = seg->src,
				     .lport = seg->th.dport, .rport = seg->th.sport };
	return t;
}

/* The window of a SYN-ACK of l: what a child's first window would be (never scaled). */
static uint16_t synack_window(const struct tcp_conn *l)
{
	return (uint16_t)(l->rcvbuf.cap > 65535 ? 65535 : l->rcvbuf.cap);
}

void tcp_syncookie_send(struct ustack *st, const struct tcp_conn *l, const struct tcp_seg *seg)
{
	struct tcp_state *ts = st->tcp;
	struct syncookie_tuple t = seg_tuple(seg);
	struct syncookie_opts o;
	struct tcp_conn sz;            /* only for the sizes a child would advertise */
	struct tcp_repr th;
	struct inet_tx io;

	memset(&sz, 0, sizeof(sz));
	sz.laddr = seg->dst;
	sz.raddr = seg->src;
	sz.mss_user = l->mss_user;
	sz.rcvbuf.cap = l->rcvbuf.cap;
	sz.rcvbuf_lock = l->rcvbuf_lock;
	tcp_conn_init_mss(st, &sz);

	memset(&o, 0, sizeof(o));
	o.mss = seg->th.has_mss && seg->th.mss ? seg->th.mss : TCP_DEFAULT_MSS;
	o.ts = seg->th.has_ts && (l->flags & TF_WANT_TS);
	o.ws = o.ts && seg->th.has_wscale && (l->flags & TF_WANT_WS);
	o.wscale = o.ws ? seg->th.wscale : 0;
	o.sack = o.ts && seg->th.sack_perm && (l->flags & TF_WANT_SACK);

	memset(&th, 0, sizeof(th));
	th.sport = seg->th.dport;
	th.dport = seg->th.sport;
	th.seq = syncookie_encode(ts->cookie_key, &t, seg->seq, st->now, &o);
	th.ack = seg->seq + 1;
	th.flags = TCP_SYN | TCP_ACK;
	th.win = synack_window(l);
	th.has_mss = true;
	th.mss = sz.mss_adv;
	th.has_wscale = o.ws;
	th.wscale = sz.rcv_wscale;
	th.sack_perm = o.sack;
	if (o.ts) {
		uint32_t clock = (uint32_t)(st->now / 1000) + syncookie_ts_offset(ts->cookie_key, &t);

		th.has_ts = true;
		th.ts_val = syncookie_tsval(clock, syncookie_ts_bits(&o));
		th.ts_ecr = seg->th.ts_val;
	}

	size_t hlen = TCP_HDR_LEN + tcp_options_len(&th);
	struct pkt *p = pkt_alloc(st, hlen);
	if (!p)
		return;
	uint8_t *b = pkt_put(p, hlen);
	tcp_emit(&th, b);
	tcp_set_csum_ps(b, hlen, inet_pseudo(&seg->dst, &seg->src, IP_PROTO_TCP));
	ST_COUNT(st, tcp_out);
	ST_COUNT(st, tcp_syncookies_sent);
	ts->syncookie_until = st->now + 2 * SYNCOOKIE_PERIOD_US;
	if (trace_on(st)) {
		char ra[IP_ADDR_STRLEN];

		trace_info(st, "tcp: SYN cookie to %s:%u for port %u (%s; MSS %u)",
			   ip_addr_ntop(&seg->src, ra), seg->th.sport, seg->th.dport,
			   ts->syncookies == TCP_SYNCOOKIES_ALWAYS ? "always" : "SYN queue full",
			   syncookie_mss(syncookie_mss_index(o.mss)));
	}
	memset(&io, 0, sizeof(io));
	io.df = ts->pmtud;
	io.ifindex = seg->ifindex;
	inet_output(st, p, &seg->dst, &seg->src, IP_PROTO_TCP, &io);
}

bool tcp_syncookie_check(struct ustack *st, const struct tcp_conn *l, const struct tcp_seg *seg,
			 struct tcp_repr *syn)
{
	struct syncookie_tuple t = seg_tuple(seg);
	struct syncookie_opts o;
	enum syncookie_verdict v;
	char ra[IP_ADDR_STRLEN];

	(void)l;
	v = syncookie_decode(st->tcp->cookie_key, &t, seg->seq - 1, seg->th.ack - 1,
			     seg->th.has_ts, seg->th.ts_ecr, st->now, &o);
	if (v != SYNCOOKIE_OK) {
		ST_COUNT(st, tcp_syncookies_failed);
		if (trace_on(st))
			trace_info(st, "tcp: %s SYN cookie from %s:%u to port %u",
				   v == SYNCOOKIE_STALE ? "stale" : "forged",
				   ip_addr_ntop(&seg->src, ra), seg->th.sport, seg->th.dport);
		return false;
	}
	ST_COUNT(st, tcp_syncookies_ok);
	memset(syn, 0, sizeof(*syn));
	syn->has_mss = true;
	syn->mss = o.mss;
	syn->has_wscale = o.ws;
	syn->wscale = o.wscale;
	syn->sack_perm = o.sack;
	syn->has_ts = o.ts;
	syn->ts_val = seg->th.ts_val;
	syn->win = seg->th.win;
	if (trace_on(st))
		trace_info(st, "tcp: SYN cookie from %s:%u to port %u accepted (MSS %u, %s%u, SACK %s, TS %s)",
			   ip_addr_ntop(&seg->src, ra), seg->th.sport, seg->th.dport, o.mss,
			   o.ws ? "wscale " : "no wscale ", o.ws ? o.wscale : 0,
			   o.sack ? "yes" : "no", o.ts ? "yes" : "no");
	return true;
}

void tcp_syncookie_child(struct ustack *st, const struct tcp_conn *l, struct tcp_conn *c)
{
	struct syncookie_tuple t = { .laddr = c->laddr, .raddr = c->raddr,
				     .lport = c->lport, .rport = c->rport };

	c->ts_offset = syncookie_ts_offset(st->tcp->cookie_key, &t);
	c->snd_nxt = c->snd_max = c->iss + 1;         /* the SYN-ACK went out */
	c->rcv_adv = c->rcv_nxt + synack_window(l);
	c->last_ack_sent = c->rcv_nxt;
}
