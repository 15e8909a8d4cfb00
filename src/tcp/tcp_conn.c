/* tcp_conn.c - connections as objects: the per-stack tables (4-tuple hash, listeners by
 * address and port, bound ports), allocation and freeing, initial sequence numbers
 * (RFC 6528), state changes with their traces, aborting, and the options of a SYN.
 *
 * Demultiplexing never walks all connections: a segment costs one lookup in the
 * 4-tuple table and, only when that misses, one in the listener table for (addr, port)
 * and one for (any, port). */
#include "tcp/tcp_var.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/stack.h"
#include "core/trace.h"
#include "core/ip_class.h"
#include "net/inet.h"
#include "net/proto.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_syncookie.h"
#include "wire/ipv4.h"
#include "ustack/dev.h"

#define TCP_HASH_INIT   256u          /* 4-tuple buckets at first; doubles with load */
#define TCP_LHASH_SIZE  64u
#define TCP_BHASH_SIZE  1024u
#define EPHEMERAL_LO    49152u
#define EPHEMERAL_HI    65535u

/* --- SipHash-2-4 (Aumasson & Bernstein), for RFC 6528 ISNs and SYN cookies --- */

static inline uint64_t rotl64(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32); \
	v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32); \
} while (0)

uint64_t tcp_siphash24(const uint64_t key[2], const uint8_t *m, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ key[0];
	uint64_t v1 = 0x646f72616e646f6dull ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ key[0];
	uint64_t v3 = 0x7465646279746573ull ^ key[1];
	uint64_t b = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t w = 0;

		for (int k = 0; k < 8; k++)
			w |= (uint64_t)m[i + k] << (8 * k);
		v3 ^= w;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= w;
	}
	for (int k = 0; i + (size_t)k < len; k++)
		b |= (uint64_t)m[i + k] << (8 * k);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a
 * 4-microsecond clock. */
uint32_t tcp_isn(struct ustack *st, const struct ip_addr *laddr, uint16_t lport,
		 const struct ip_addr *raddr, uint16_t rport)
{
	uint8_t m[36];
	size_t n = laddr->family == IP_AF_INET6 ? 16 : 4;

	memcpy(m, laddr->b, n);
	memcpy(m + n, raddr->b, n);
	be16_put(m + 2 * n, lport);
	be16_put(m + 2 * n + 2, rport);
	return (uint32_t)tcp_siphash24(st->tcp->isn_key, m, 2 * n + 4) + (uint32_t)(st->now / 4);
}

unsigned tcp_ip_hdr_len(const struct tcp_conn *c)
{
	return inet_hdr_len(c->laddr.family);
}

/* --- lifecycle of the module --- */

int tcp_init(struct ustack *st)
{
	struct tcp_state *ts = calloc(1, sizeof(*ts));

	if (!ts)
		return -1;
	ts->hash = calloc(TCP_HASH_INIT, sizeof(*ts->hash));
	ts->lhash = calloc(TCP_LHASH_SIZE, sizeof(*ts->lhash));
	ts->bhash = calloc(TCP_BHASH_SIZE, sizeof(*ts->bhash));
	if (!ts->hash || !ts->lhash || !ts->bhash) {
		free(ts->hash);
		free(ts->lhash);
		free(ts->bhash);
		free(ts);
		return -1;
	}
	ts->hash_mask = TCP_HASH_INIT - 1;
	proto_register(st, IP_PROTO_TCP, tcp_input, tcp_icmp_error);
	stack_rand_bytes(st, ts->hash_key, sizeof(ts->hash_key));
	stack_rand_bytes(st, ts->isn_key, sizeof(ts->isn_key));
	/* The cookie key is derived from the ISN secret (a PRF of it, so independent of it)
	 * rather than drawn: the seeded random sequence stays as it was. */
	for (int i = 0; i < 2; i++) {
		uint8_t m[9] = { 's', 'y', 'n', 'c', 'o', 'o', 'k', 'i', (uint8_t)i };

		ts->cookie_key[i] = tcp_siphash24(ts->isn_key, m, sizeof(m));
	}
	ts->msl = (uint64_t)st->cfg.tcp_msl_ms * 1000;
	ts->min_rto = (uint64_t)st->cfg.tcp_min_rto_ms * 1000;
	ts->initial_rto = (uint64_t)st->cfg.tcp_initial_rto_ms * 1000;
	if (!ts->msl)
		ts->msl = 30000000;
	if (!ts->min_rto)
		ts->min_rto = 200000;
	if (!ts->initial_rto)
		ts->initial_rto = 1000000;
	ts->max_rto = 60000000;             /* RFC 6298 2.5: at least 60 s */
	ts->delack = 40000;
	ts->fin_timeout = 60000000;
	ts->persist_min = 200000;
	ts->persist_max = 60000000;
	ts->syn_retries = 6;
	ts->synack_retries = 5;
	ts->data_retries = 15;
	ts->sndbuf_default = TCP_DEFAULT_BUF;
	ts->rcvbuf_default = TCP_DEFAULT_BUF;
	ts->buf_max = TCP_MAX_BUF;
	ts->rcvbuf_max = st->cfg.tcp_rcvbuf_max ? st->cfg.tcp_rcvbuf_max : TCP_TUNE_RCVBUF_MAX;
	ts->sndbuf_max = st->cfg.tcp_sndbuf_max ? st->cfg.tcp_sndbuf_max : TCP_TUNE_SNDBUF_MAX;
	if (ts->rcvbuf_max > TCP_MAX_BUF)
		ts->rcvbuf_max = TCP_MAX_BUF;
	if (ts->sndbuf_max > TCP_MAX_BUF)
		ts->sndbuf_max = TCP_MAX_BUF;
	ts->syn_queue_max = 1024;
	ts->syncookies = TCP_SYNCOOKIES_ON;
	ts->challenge_ack_limit = 1000;
	ts->pmtud = true;
	st->tcp = ts;
	return 0;
}

void tcp_free(struct ustack *st)
{
	struct tcp_state *ts = st->tcp;

	if (!ts)
		return;
	while (ts->all)
		tcp_conn_free(st, ts->all);
	free(ts->hash);
	free(ts->lhash);
	free(ts->bhash);
	free(ts);
	st->tcp = NULL;
}

/* --- hashing --- */

/* 32 bits of an address for hashing: the IPv4 address itself (host order), or the
 * IPv6 one's four words mixed. */
static uint32_t addr_word(const struct ip_addr *a)
{
	if (a->family != IP_AF_INET6)
		return ip_addr_v4(a);
	uint64_t h = 0;

	for (int i = 0; i < 16; i += 4)
		h = hash_mix64(h ^ be32_get(a->b + i));
	return (uint32_t)h ^ (uint32_t)(h >> 32);
}

static size_t hash4(const struct tcp_state *ts, const struct ip_addr *laddr, uint16_t lport,
		    const struct ip_addr *raddr, uint16_t rport)
{
	uint64_t a = ((uint64_t)addr_word(laddr) << 32 | addr_word(raddr)) ^ ts->hash_key[0];
	uint64_t b = ((uint64_t)lport << 16 | rport) ^ ts->hash_key[1];

	return (size_t)hash_mix64(hash_mix64(a) ^ b);
}

static size_t hash_listen(const struct tcp_state *ts, const struct ip_addr *laddr, uint16_t lport)
{
	return (size_t)hash_mix64(((uint64_t)addr_word(laddr) << 16 | lport) ^ ts->hash_key[1]) &
	       (TCP_LHASH_SIZE - 1);
}

static size_t hash_port(const struct tcp_state *ts, uint16_t port)
{
	return (size_t)hash_mix64(port ^ ts->hash_key[0]) & (TCP_BHASH_SIZE - 1);
}

/* Double the 4-tuple table when it holds more entries than buckets. */
static void hash_grow(struct ustack *st)
{
	struct tcp_state *ts = st->tcp;
	size_t n = (ts->hash_mask + 1) * 2;
	struct tcp_conn **nh = calloc(n, sizeof(*nh));

	if (!nh)
		return;                     /* keep the old table: longer chains, still correct */
	for (size_t i = 0; i <= ts->hash_mask; i++) {
		struct tcp_conn *c = ts->hash[i];

		while (c) {
			struct tcp_conn *next = c->hnext;
			size_t b = hash4(ts, &c->laddr, c->lport, &c->raddr, c->rport) & (n - 1);

			c->hnext = nh[b];
			nh[b] = c;
			c = next;
		}
	}
	free(ts->hash);
	ts->hash = nh;
	ts->hash_mask = n - 1;
}

void tcp_hash_insert(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_state *ts = st->tcp;

	if (c->in_hash)
		return;
	if (ts->hash_count >= ts->hash_mask + 1)
		hash_grow(st);
	size_t b = hash4(ts, &c->laddr, c->lport, &c->raddr, c->rport) & ts->hash_mask;
	c->hnext = ts->hash[b];
	ts->hash[b] = c;
	c->in_hash = true;
	ts->hash_count++;
}

void tcp_hash_remove(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_state *ts = st->tcp;

	if (!c->in_hash)
		return;
	size_t b = hash4(ts, &c->laddr, c->lport, &c->raddr, c->rport) & ts->hash_mask;
	for (struct tcp_conn **pp = &ts->hash[b]; *pp; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	}
	c->hnext = NULL;
	c->in_hash = false;
	ts->hash_count--;
}

struct tcp_conn *tcp_lookup(struct ustack *st, const struct ip_addr *laddr, uint16_t lport,
			    const struct ip_addr *raddr, uint16_t rport)
{
	struct tcp_state *ts = st->tcp;
	size_t b = hash4(ts, laddr, lport, raddr, rport) & ts->hash_mask;

	for (struct tcp_conn *c = ts->hash[b]; c; c = c->hnext)
		if (c->lport == lport && c->rport == rport && ip_addr_eq(&c->laddr, laddr) &&
		    ip_addr_eq(&c->raddr, raddr))
			return c;
	return NULL;
}

/* A listener on exactly laddr (no_v6only: not one with IPV6_V6ONLY: an IPv4 segment
 * asks a :: listener). */
static bool listens_at(const struct tcp_conn *c, const struct ip_addr *laddr, uint16_t lport,
		       bool no_v6only)
{
	return c->lport == lport && ip_addr_eq(&c->laddr, laddr) && !(no_v6only && c->v6only);
}

/* The listener on exactly (laddr, lport); a SO_REUSEPORT group spread by the peer. */
static struct tcp_conn *listener_at(struct tcp_state *ts, const struct ip_addr *laddr,
				    uint16_t lport, const struct ip_addr *raddr, uint16_t rport,
				    bool no_v6only)
{
	struct tcp_conn *first = NULL;
	unsigned n = 0;

	for (struct tcp_conn *c = ts->lhash[hash_listen(ts, laddr, lport)]; c; c = c->lnext) {
		if (!listens_at(c, laddr, lport, no_v6only))
			continue;
		if (!(c->flags & TF_REUSEPORT))
			return c;
		if (!first)
			first = c;
		n++;
	}
	if (n <= 1)
		return first;
	size_t k = hash4(ts, laddr, lport, raddr, rport) % n;
	for (struct tcp_conn *c = ts->lhash[hash_listen(ts, laddr, lport)]; c; c = c->lnext)
		if (listens_at(c, laddr, lport, no_v6only) && k-- == 0)
			return c;
	return first;
}

/* An exact address first; then the wildcard of the segment's family; an IPv4 segment
 * then tries a dual-stack :: listener (RFC 4291 2.5.5.2's mapped addresses). */
struct tcp_conn *tcp_lookup_listener(struct ustack *st, const struct ip_addr *laddr,
				     uint16_t lport, const struct ip_addr *raddr, uint16_t rport)
{
	struct ip_addr any = { .family = laddr->family };
	struct tcp_conn *c = listener_at(st->tcp, laddr, lport, raddr, rport, false);

	if (!c)
		c = listener_at(st->tcp, &any, lport, raddr, rport, false);
	if (!c && laddr->family == IP_AF_INET) {
		any.family = IP_AF_INET6;
		c = listener_at(st->tcp, &any, lport, raddr, rport, true);
	}
	return c;
}

bool tcp_listen_conflict(struct ustack *st, const struct tcp_conn *c)
{
	struct tcp_state *ts = st->tcp;

	for (struct tcp_conn *o = ts->lhash[hash_listen(ts, &c->laddr, c->lport)]; o; o = o->lnext)
		if (o != c && o->lport == c->lport && ip_addr_eq(&o->laddr, &c->laddr) &&
		    !(o->flags & c->flags & TF_REUSEPORT))
			return true;
	return false;
}

void tcp_listen_insert(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_state *ts = st->tcp;
	size_t b = hash_listen(ts, &c->laddr, c->lport);

	if (c->in_lhash)
		return;
	c->lnext = ts->lhash[b];
	ts->lhash[b] = c;
	c->in_lhash = true;
}

void tcp_listen_remove(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_state *ts = st->tcp;

	if (!c->in_lhash)
		return;
	size_t b = hash_listen(ts, &c->laddr, c->lport);
	for (struct tcp_conn **pp = &ts->lhash[b]; *pp; pp = &(*pp)->lnext) {
		if (*pp == c) {
			*pp = c->lnext;
			break;
		}
	}
	c->lnext = NULL;
	c->in_lhash = false;
}

void tcp_bind_insert(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_state *ts = st->tcp;
	size_t b = hash_port(ts, c->lport);

	if (c->in_bhash)
		return;
	c->bprev = NULL;
	c->bnext = ts->bhash[b];
	if (c->bnext)
		c->bnext->bprev = c;
	ts->bhash[b] = c;
	c->in_bhash = true;
}

void tcp_bind_remove(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_state *ts = st->tcp;

	if (!c->in_bhash)
		return;
	if (c->bprev)
		c->bprev->bnext = c->bnext;
	else
		ts->bhash[hash_port(ts, c->lport)] = c->bnext;
	if (c->bnext)
		c->bnext->bprev = c->bprev;
	c->bnext = c->bprev = NULL;
	c->in_bhash = false;
}

/* Linux's rules, simplified: two sockets may share a port when their addresses differ
 * (neither is the wildcard), or when the new one asks for SO_REUSEADDR and the other
 * is in TIME_WAIT or also set SO_REUSEADDR and is not listening. */
int tcp_bind_check(struct ustack *st, const struct tcp_conn *c, const struct ip_addr *addr,
		   uint16_t port, bool reuse)
{
	struct tcp_state *ts = st->tcp;

	for (struct tcp_conn *o = ts->bhash[hash_port(ts, port)]; o; o = o->bnext) {
		if (o == c || o->lport != port)
			continue;
		if (!inet_addr_overlap(addr, c->v6only, &o->laddr, o->v6only))
			continue;
		if (reuse && o->state == TCPS_TIME_WAIT)
			continue;
		if (reuse && (o->flags & TF_REUSE) && o->state != TCPS_LISTEN)
			continue;
		if ((c->flags & TF_REUSEPORT) && (o->flags & TF_REUSEPORT))
			continue;                       /* SO_REUSEPORT on both */
		return -EADDRINUSE;
	}
	return 0;
}

static bool port_used(struct ustack *st, uint16_t port)
{
	struct tcp_state *ts = st->tcp;

	for (struct tcp_conn *o = ts->bhash[hash_port(ts, port)]; o; o = o->bnext)
		if (o->lport == port)
			return true;
	return false;
}

/* RFC 6056 algorithm 1 (a random start, then the next free port). */
uint16_t tcp_ephemeral_port(struct ustack *st)
{
	uint32_t n = EPHEMERAL_HI - EPHEMERAL_LO + 1;
	uint32_t start = stack_rand32(st) % n;

	for (uint32_t i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(EPHEMERAL_LO + (start + i) % n);

		if (!port_used(st, port))
			return port;
	}
	return 0;
}

/* --- allocation --- */

struct tcp_conn *tcp_conn_alloc(struct ustack *st)
{
	struct tcp_state *ts = st->tcp;
	struct tcp_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->id = ++ts->next_id;
	if (ts->next_id >= 0x7fffffff)
		ts->next_id = 0;
	c->state = TCPS_CLOSED;
	c->flags = TF_WANT_WS | TF_WANT_TS | TF_WANT_SACK;
	c->laddr = c->raddr = ip_addr_from_v4(0);
	c->ifindex = -1;
	tcp_ring_init(&c->sndbuf, ts->sndbuf_default);
	tcp_ring_init(&c->rcvbuf, ts->rcvbuf_default);
	c->keep_idle = (uint64_t)TCP_KEEPIDLE_DEF * 1000000;
	c->keep_intvl = (uint64_t)TCP_KEEPINTVL_DEF * 1000000;
	c->keep_cnt = TCP_KEEPCNT_DEF;
	c->mss_peer = TCP_DEFAULT_MSS;
	c->t_maxseg = TCP_DEFAULT_MSS;
	c->rcv_mss = TCP_DEFAULT_MSS;
	tcp_timer_init(c);
	tcp_rto_init(st, c);
	c->anext = ts->all;
	if (ts->all)
		ts->all->aprev = c;
	ts->all = c;
	ts->n_conns++;
	return c;
}

/* Take a child off its listener's list (and the accept queue). */
void tcp_child_unlink(struct tcp_conn *c)
{
	struct tcp_conn *l = c->parent;

	if (!l)
		return;
	if (c->flags & TF_ACCEPTQ) {
		for (struct tcp_conn **pp = &l->acc_head; *pp; pp = &(*pp)->acc_next) {
			if (*pp == c) {
				*pp = c->acc_next;
				break;
			}
		}
		l->acc_tail = NULL;
		for (struct tcp_conn *q = l->acc_head; q; q = q->acc_next)
			l->acc_tail = q;
		l->acc_count--;
		c->flags &= ~TF_ACCEPTQ;
	} else {
		l->syn_count--;
	}
	if (c->qprev)
		c->qprev->qnext = c->qnext;
	else
		l->children = c->qnext;
	if (c->qnext)
		c->qnext->qprev = c->qprev;
	c->qnext = c->qprev = NULL;
	c->acc_next = NULL;
	c->parent = NULL;
}

void tcp_conn_free(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_state *ts = st->tcp;

	/* A listener's children go with it. */
	while (c->children) {
		struct tcp_conn *k = c->children;

		tcp_child_unlink(k);
		tcp_conn_free(st, k);
	}
	tcp_child_unlink(c);
	tcp_hash_remove(st, c);
	tcp_listen_remove(st, c);
	tcp_bind_remove(st, c);
	tcp_timer_stop_all(st, c);
	timer_cancel(st, &c->timer);
	tcp_ring_free(&c->sndbuf);
	tcp_ring_free(&c->rcvbuf);
	tcp_ranges_clear(&c->ooo);
	tcp_ranges_clear(&c->sacked);
	tcp_rack_free(&c->rack);
	if (c->aprev)
		c->aprev->anext = c->anext;
	else
		ts->all = c->anext;
	if (c->anext)
		c->anext->aprev = c->aprev;
	ts->n_conns--;
	free(c);
}

bool tcp_conn_gc(struct ustack *st, struct tcp_conn *c)
{
	if (!c || c->state != TCPS_CLOSED || upcall_is_set(&c->up) || c->parent)
		return false;
	tcp_conn_free(st, c);
	return true;
}

/* --- states --- */

static const char *const fsm_names[TCPS_N] = {
	[TCPS_CLOSED] = "CLOSE",
	[TCPS_LISTEN] = "LISTEN",
	[TCPS_SYN_SENT] = "SYN_SENT",
	[TCPS_SYN_RECEIVED] = "SYN_RECV",
	[TCPS_ESTABLISHED] = "ESTABLISHED",
	[TCPS_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCPS_FIN_WAIT_1] = "FIN_WAIT1",
	[TCPS_CLOSING] = "CLOSING",
	[TCPS_LAST_ACK] = "LAST_ACK",
	[TCPS_FIN_WAIT_2] = "FIN_WAIT2",
	[TCPS_TIME_WAIT] = "TIME_WAIT",
};

const char *tcp_fsm_name(enum tcp_fsm s)
{
	return (unsigned)s < TCPS_N ? fsm_names[s] : "?";
}

void tcp_set_state(struct ustack *st, struct tcp_conn *c, enum tcp_fsm s)
{
	enum tcp_fsm old = c->state;

	if (old == s)
		return;
	c->state = s;
	if (s == TCPS_ESTABLISHED)
		c->flags |= TF_WAS_SYNC;
	if (trace_on(st)) {
		char la[IP_ADDR_STRLEN], ra[IP_ADDR_STRLEN];
		bool v6 = c->laddr.family == IP_AF_INET6;

		trace_state(st, "tcp", c->id, tcp_fsm_name(old), tcp_fsm_name(s),
			    v6 ? "tcp %d [%s]:%u -> [%s]:%u: %s -> %s" :
				 "tcp %d %s:%u -> %s:%u: %s -> %s", c->id, ip_addr_ntop(&c->laddr, la),
			    c->lport, ip_addr_ntop(&c->raddr, ra), c->rport, tcp_fsm_name(old),
			    tcp_fsm_name(s));
	}
}

void tcp_notify(struct ustack *st, struct tcp_conn *c, unsigned events)
{
	/* A child on its listener's accept queue has no user yet; its listener hears only
	 * of what changes the queue (tcp_child_established, tcp_closed), so one new
	 * connection wakes one accept(). */
	upcall_run(st, &c->up, events);
}

void tcp_write_space(struct ustack *st, struct tcp_conn *c)
{
	if (!(c->flags & TF_SND_WAIT) || !(tcp_poll_events(c) & POLLOUT))
		return;
	c->flags &= ~TF_SND_WAIT;
	tcp_notify(st, c, POLLOUT);
}

void tcp_closed(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_conn *l = c->parent;

	tcp_hash_remove(st, c);
	tcp_listen_remove(st, c);
	tcp_timer_stop_all(st, c);
	tcp_ring_free(&c->sndbuf);
	if (!upcall_is_set(&c->up))
		tcp_ring_free(&c->rcvbuf);
	tcp_ranges_clear(&c->ooo);
	tcp_ranges_clear(&c->sacked);
	tcp_ring_release(&c->rcvbuf);                /* kept only while unread bytes are */
	tcp_rack_free(&c->rack);
	c->flags &= ~(TF_ACKNOW | TF_DELACK | TF_FORCE | TF_REXMIT_ONE | TF_RECOVERY);
	tcp_set_state(st, c, TCPS_CLOSED);
	tcp_child_unlink(c);
	if (l)
		upcall_run(st, &l->up, POLLIN);         /* the listener's queue changed */
	tcp_notify(st, c, UPCALL_ALL);
}

void tcp_drop(struct ustack *st, struct tcp_conn *c, int err)
{
	if (c->state >= TCPS_SYN_RECEIVED && c->state != TCPS_TIME_WAIT) {
		tcp_send_ctl(st, c, c->snd_max, c->rcv_nxt, TCP_RST | TCP_ACK);
		c->flags |= TF_RESET;
	}
	if (err == ETIMEDOUT && c->soft_error)
		err = c->soft_error;
	if (err)
		c->error = err;
	if (c->state != TCPS_CLOSED)
		ST_COUNT(st, tcp_conn_dropped);
	tcp_closed(st, c);
}

/* A passive child finished its handshake: onto the listener's accept queue. */
void tcp_child_established(struct ustack *st, struct tcp_conn *c)
{
	struct tcp_conn *l = c->parent;

	if (!l || (c->flags & TF_ACCEPTQ))
		return;
	l->syn_count--;
	l->acc_count++;
	c->flags |= TF_ACCEPTQ;
	c->acc_next = NULL;
	if (l->acc_tail)
		l->acc_tail->acc_next = c;
	else
		l->acc_head = c;
	l->acc_tail = c;
	ST_COUNT(st, tcp_conn_accepted);
	upcall_run(st, &l->up, POLLIN);
}

/* --- sizes and options --- */

static uint8_t wscale_for(size_t buf)
{
	uint8_t s = 0;

	while (s < TCP_MAX_WINSHIFT && (buf >> s) > 65535)
		s++;
	return s;
}

void tcp_update_maxseg(struct ustack *st, struct tcp_conn *c, unsigned mtu)
{
	uint32_t m = c->mss_peer;

	unsigned hl = tcp_ip_hdr_len(c) + TCP_HDR_LEN;

	if (mtu >= hl + TCP_MIN_MSS && mtu - hl < m)
		m = mtu - hl;
	if (c->mss_user && c->mss_user < m)
		m = c->mss_user;
	if (m < TCP_MIN_MSS)
		m = TCP_MIN_MSS;
	c->t_maxseg = (uint16_t)m;
	/* What the route's device does for us (TSO4 / TSO6, checksums): tcp_output sizes
	 * super-segments by it. */
	unsigned gmax;
	unsigned off = inet_offloads(st, &c->raddr, &gmax);
	c->csum_offload = (off & USTACK_DEV_TX_CSUM) != 0;
	c->gso_max = c->csum_offload ? gmax : 0;
}

void tcp_conn_init_mss(struct ustack *st, struct tcp_conn *c)
{
	unsigned mtu = inet_path_mtu(st, &c->raddr);
	unsigned hl = tcp_ip_hdr_len(c) + TCP_HDR_LEN;
	uint32_t m = mtu > hl ? mtu - hl : TCP_DEFAULT_MSS;

	if (m > 65495)
		m = 65495;
	if (c->mss_user && c->mss_user < m)
		m = c->mss_user;
	if (m < TCP_MIN_MSS)
		m = TCP_MIN_MSS;
	c->mss_adv = (uint16_t)m;
	c->rcv_mss = (uint16_t)m;
	c->rcv_wscale = wscale_for(tcp_tune_rcv_bound(st, c));   /* covers auto-tuning */
}

void tcp_syn_options(struct ustack *st, struct tcp_conn *c, const struct tcp_repr *th)
{
	c->mss_peer = th->has_mss && th->mss ? th->mss : TCP_DEFAULT_MSS;
	if (th->has_wscale && (c->flags & TF_WANT_WS)) {
		c->flags |= TF_WS_OK;
		c->snd_wscale = th->wscale;
	} else {
		c->flags &= ~TF_WS_OK;
		c->snd_wscale = 0;
		c->rcv_wscale = 0;
	}
	if (th->has_ts && (c->flags & TF_WANT_TS)) {
		c->flags |= TF_TS_OK;
		c->ts_recent = th->ts_val;
		c->ts_recent_age = st->now;
	} else {
		c->flags &= ~TF_TS_OK;
	}
	if (th->sack_perm && (c->flags & TF_WANT_SACK))
		c->flags |= TF_SACK_OK;
	else
		c->flags &= ~TF_SACK_OK;
	tcp_update_maxseg(st, c, inet_path_mtu(st, &c->raddr));
	uint32_t pay = tcp_seg_payload_max(c);
	if (pay < c->rcv_mss)
		c->rcv_mss = (uint16_t)pay;
}
