/* icmp.c - ICMP (RFC 792; RFC 1122 §3.2.2; RFC 1812 §4.3 for errors a router sends):
 * echo replies, errors out (rate limited), errors in (handed to UDP, TCP or the ping
 * API by the protocol of the quoted datagram), and the echo-request API behind
 * `ustack ping` (ustack_ping_send / ustack_ping_recv).
 *
 * Errors out are limited by a token bucket (ICMP_RATE per second, ICMP_BURST at once,
 * RFC 1812 §4.3.2.8); the bucket is refilled from st->now, never from a clock.
 * Echo requests to a broadcast or multicast address are ignored, as Linux does by
 * default (icmp_echo_ignore_broadcasts): they are the "smurf" amplifier. */
#include "net/icmp.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "core/stack.h"
#include "core/ip_class.h"
#include "core/token_bucket.h"
#include "core/trace.h"
#include "net/ipv4.h"
#include "net/proto.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define ICMP_RATE 1000                /* errors per second, sustained */
#define ICMP_BURST 200                /* errors at once */
#define ICMP_ERR_MAX_LEN 576          /* RFC 1812 §4.3.2.3: the error datagram, at most */
#define PING_OUT_MAX 256              /* echo requests remembered */
#define PING_REPLY_MAX 256            /* replies waiting for ustack_ping_recv */
#define PING_MAX_PAYLOAD (65535 - IPV4_HDR_LEN - ICMP_HDR_LEN)

/* An echo request we sent, remembered to match its reply. */
struct ping_out {
	bool used, answered;
	uint16_t id, seq;
	uint64_t sent;                /* st->now at send */
	size_t len;                   /* payload bytes */
	uint64_t hash;                /* FNV-1a of the payload */
};

struct icmp_state {
	struct token_bucket errors;   /* errors out */
	struct ping_out out[PING_OUT_MAX];
	size_t out_next;              /* slot the next request takes (oldest first) */
	struct ustack_ping_reply replies[PING_REPLY_MAX];
	size_t n_replies;
	pthread_cond_t cond;          /* signalled when a reply is queued */
};

static void icmp_err_input(struct ustack *st, const struct ip_err *e);

int icmp_init(struct ustack *st)
{
	pthread_condattr_t ca;
	struct icmp_state *ic = calloc(1, sizeof(*ic));

	if (!ic)
		return -1;
	if (pthread_condattr_init(&ca) != 0) {
		free(ic);
		return -1;
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&ic->cond, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		free(ic);
		return -1;
	}
	pthread_condattr_destroy(&ca);
	tb_init(&ic->errors, ICMP_BURST, st->now);
	st->icmp = ic;
	proto_register(st, IP_PROTO_ICMP, icmp_input, icmp_err_input);
	return 0;
}

void icmp_free(struct ustack *st)
{
	if (!st->icmp)
		return;
	pthread_cond_destroy(&st->icmp->cond);
	free(st->icmp);
	st->icmp = NULL;
}

/* RFC 1122 §3.2.2: the error types (an error is never sent about one of these).
 * Types past the ones RFC 792/950 define are treated as errors too: unknown means
 * do not answer. */
static bool icmp_type_is_error(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == 4 || type == 5 ||
	       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAM_PROBLEM || type > 18;
}

static uint64_t fnv1a(const uint8_t *b, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* --- errors out --- */

void icmp_send_error(struct ustack *st, const struct pkt *orig, uint8_t type, uint8_t code,
		     uint32_t info)
{
	const uint8_t *h = orig->l3;
	size_t l3_len = orig->l3_len, hdr_len, quote;
	uint32_t src, dst, from;
	struct icmp_repr r;
	struct pkt *p;

	if (!h || l3_len < IPV4_HDR_LEN || (h[0] >> 4) != 4)
		return;
	hdr_len = (size_t)(h[0] & 0x0f) * 4;
	if (hdr_len < IPV4_HDR_LEN || hdr_len > l3_len)
		return;
	src = be32_get(h + 12);
	dst = be32_get(h + 16);
	/* RFC 1122 §3.2.2: not about a non-first fragment, a datagram sent to a broadcast
	 * or multicast address (link or IP), or from an address that is not one host. */
	if ((be16_get(h + 6) & 0x1fff) != 0)
		return;
	if (orig->l2_bcast || orig->ip_bcast || ip4_is_multicast(dst) ||
	    ipv4_is_broadcast(st, dst))
		return;
	if (ip4_is_unspecified(src) || ip4_is_multicast(src) || ipv4_is_broadcast(st, src))
		return;
	/* ... and never about an ICMP error. */
	if (h[9] == IP_PROTO_ICMP && (l3_len <= hdr_len || icmp_type_is_error(h[hdr_len])))
		return;
	if (!tb_take(&st->icmp->errors, st->now, ICMP_RATE, ICMP_BURST)) {   /* RFC 1812 4.3.2.8 */
		stack_drop(st, USTACK_DROP_ICMP_RATE_LIMITED, orig->ifindex, h, l3_len);
		return;
	}
	/* RFC 1812 §4.3.2.3: quote as much as fits in a 576-byte datagram (at least the
	 * header and 8 bytes, RFC 792). */
	quote = l3_len;
	if (quote > ICMP_ERR_MAX_LEN - IPV4_HDR_LEN - ICMP_HDR_LEN)
		quote = ICMP_ERR_MAX_LEN - IPV4_HDR_LEN - ICMP_HDR_LEN;
	p = pkt_alloc(st, ICMP_HDR_LEN + quote);
	if (!p)
		return;
	pkt_put(p, ICMP_HDR_LEN + quote);
	memcpy(p->data + ICMP_HDR_LEN, h, quote);
	memset(&r, 0, sizeof(r));
	r.type = type;
	r.code = code;
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED)
		r.next_hop_mtu = (uint16_t)info;          /* RFC 1191 §4 */
	else if (type == ICMP_PARAM_PROBLEM)
		r.id = (uint16_t)(info << 8);             /* the pointer, RFC 792 */
	r.data_len = quote;
	icmp_emit(&r, p->data);
	/* From the address the datagram was sent to when it was ours (RFC 1122 §3.2.2),
	 * else (forwarding) from the interface the error leaves by (RFC 1812 §4.3.2.4). */
	from = ipv4_is_local(st, dst) ? dst : 0;
	if (ipv4_output(st, p, from, src, IP_PROTO_ICMP, NULL) == 0)
		ST_COUNT(st, icmp_out);
}

/* --- the ping API's bookkeeping --- */

static struct ping_out *ping_find(struct icmp_state *ic, uint16_t id, uint16_t seq)
{
	/* Newest first: a wrapped sequence number matches its latest use. */
	for (size_t k = 1; k <= PING_OUT_MAX; k++) {
		struct ping_out *o = &ic->out[(ic->out_next + PING_OUT_MAX - k) % PING_OUT_MAX];

		if (o->used && o->id == id && o->seq == seq)
			return o;
	}
	return NULL;
}

static void ping_queue(struct ustack *st, const struct ustack_ping_reply *rep)
{
	struct icmp_state *ic = st->icmp;

	if (ic->n_replies == PING_REPLY_MAX) {
		/* Nobody reads: the oldest reply goes. */
		memmove(&ic->replies[0], &ic->replies[1],
			(PING_REPLY_MAX - 1) * sizeof(ic->replies[0]));
		ic->n_replies--;
	}
	ic->replies[ic->n_replies++] = *rep;
	pthread_cond_broadcast(&ic->cond);
}

void icmp_ping_answer(struct ustack *st, const struct ip_addr *from, uint8_t ttl, size_t icmp_len,
		      uint8_t type, uint8_t code, uint16_t id, uint16_t seq, const uint8_t *payload,
		      size_t plen, bool is_reply)
{
	struct ping_out *o = ping_find(st->icmp, id, seq);
	struct ustack_ping_reply rep;
	char a[IP_ADDR_STRLEN];

	/* Every echo reply to a request we sent is reported, duplicates included (ping
	 * prints them "DUP!", as iputils does); an error only while the request is
	 * unanswered. */
	if (!o || (o->answered && !is_reply)) {
		trace_info(st, "icmp: %s for id %u seq %u from %s not outstanding",
			   is_reply ? "echo reply" : "error", id, seq, ip_addr_ntop(from, a));
		return;
	}
	o->answered = true;
	memset(&rep, 0, sizeof(rep));
	if (from->family == IP_AF_INET6) {
		rep.family = AF_INET6;
		memcpy(&rep.from6, from->b, 16);
	} else {
		rep.family = AF_INET;
		memcpy(&rep.from.s_addr, from->b, 4);
	}
	rep.type = type;
	rep.code = code;
	rep.id = id;
	rep.seq = seq;
	rep.ttl = ttl;
	rep.len = icmp_len;
	rep.rtt_us = st->now >= o->sent ? st->now - o->sent : 0;
	rep.payload_ok = is_reply && plen == o->len && fnv1a(payload, plen) == o->hash;
	ping_queue(st, &rep);
}

/* An echo reply (type 0) or an error about one of our echo requests arrived. */
static void ping_answer(struct ustack *st, const struct pkt *p, uint8_t type, uint8_t code,
			uint16_t id, uint16_t seq, const uint8_t *payload, size_t plen,
			bool is_reply)
{
	struct ip_addr from = ip_addr_from_v4(p->ip_src);

	icmp_ping_answer(st, &from, p->ip_ttl, p->len, type, code, id, seq, payload, plen,
			 is_reply);
}

void icmp_ping_sent(struct ustack *st, uint16_t id, uint16_t seq, const uint8_t *data, size_t len)
{
	struct ping_out *o = &st->icmp->out[st->icmp->out_next];

	st->icmp->out_next = (st->icmp->out_next + 1) % PING_OUT_MAX;
	o->used = true;
	o->answered = false;
	o->id = id;
	o->seq = seq;
	o->sent = st->now;
	o->len = len;
	o->hash = fnv1a(data, len);
}

void icmp_ping_forget(struct ustack *st, uint16_t id, uint16_t seq)
{
	struct ping_out *o = ping_find(st->icmp, id, seq);

	if (o)
		o->used = false;
}

/* --- input --- */

#define IPOPT_EOL 0
#define IPOPT_NOP 1
#define IPOPT_RR  7
#define IPOPT_TS  68

/* RFC 1122 3.2.2.6: a Record Route or Timestamp option of an echo request is updated
 * with this host and returned in the reply, so that it covers the whole round trip.
 * (RFC 791: our address `me` in the next free slot; a timestamp in ms, with the high
 * bit set since ours is not time since midnight UT; a full option counts an
 * overflow.) Other options are not returned. Writes the reply's options to out
 * (padded to 4) and returns their length. */
static size_t echo_options(struct ustack *st, const uint8_t *hdr, size_t hlen, uint32_t me,
			   uint8_t out[40])
{
	const uint8_t *o = hdr + IPV4_HDR_LEN;
	size_t olen = hlen - IPV4_HDR_LEN, n = 0;
	uint32_t ts = (uint32_t)((st->now / 1000) % 86400000u) | 0x80000000u;

	for (size_t i = 0; i < olen;) {
		uint8_t type = o[i];

		if (type == IPOPT_EOL)
			break;
		if (type == IPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= olen || o[i + 1] < 2 || i + o[i + 1] > olen)
			break;                                   /* malformed: stop */
		uint8_t len = o[i + 1];
		if ((type == IPOPT_RR && len >= 3) || (type == IPOPT_TS && len >= 4)) {
			uint8_t *w = out + n;
			uint8_t ptr = o[i + 2];

			memcpy(w, o + i, len);
			if (type == IPOPT_RR) {
				if (ptr >= 4 && (size_t)ptr + 3 <= len) {
					be32_put(w + ptr - 1, me);
					w[2] = (uint8_t)(ptr + 4);
				}
			} else {
				uint8_t flg = w[3] & 0x0f, oflw = w[3] >> 4;
				size_t slot = flg == 0 ? 4 : 8;

				if (ptr < 5) {
					/* malformed pointer: returned as it came */
				} else if ((size_t)ptr + slot - 1 > len) {
					if (oflw < 15)
						w[3] = (uint8_t)((oflw + 1) << 4 | flg);
				} else if (flg == 0) {
					be32_put(w + ptr - 1, ts);
					w[2] = (uint8_t)(ptr + 4);
				} else if (flg == 1) {
					be32_put(w + ptr - 1, me);
					be32_put(w + ptr + 3, ts);
					w[2] = (uint8_t)(ptr + 8);
				} else if (flg == 3 && be32_get(w + ptr - 1) == me) {
					be32_put(w + ptr + 3, ts);
					w[2] = (uint8_t)(ptr + 8);
				}
			}
			n += len;
		}
		i += len;
	}
	while (n % 4)
		out[n++] = IPOPT_EOL;
	return n;
}

/* RFC 792 echo: the same data back, from the address the request was sent to. The
 * request's buffer is reused (headroom permitting). */
static void icmp_echo(struct ustack *st, struct pkt *p, const struct icmp_repr *req)
{
	struct icmp_repr r = *req;
	uint32_t from = p->ip_dst, to = p->ip_src;
	struct pkt *q = p;
	char a[16];
	uint8_t optbuf[40];
	struct ip_out_opts opts = { 0 };

	if (p->ip_bcast || p->l2_bcast || ip4_is_multicast(p->ip_dst)) {
		trace_info(st, "icmp: echo request from %s to a broadcast address ignored",
			   ipv4_ntoa(p->ip_src, a));
		pkt_free(st, p);
		return;
	}
	if (p->l3 && p->l3_len > IPV4_HDR_LEN && (p->l3[0] & 0x0f) > 5 &&
	    (size_t)(p->l3[0] & 0x0f) * 4 <= p->l3_len) {
		opts.ip_options_len = (uint8_t)echo_options(st, p->l3, (size_t)(p->l3[0] & 0x0f) * 4,
							    from, optbuf);
		opts.ip_options = optbuf;
	}
	if (pkt_headroom(p) < 64 + 40) {
		q = pkt_alloc(st, p->len);
		if (q)
			memcpy(pkt_put(q, p->len), p->data, p->len);
		pkt_free(st, p);
		if (!q)
			return;
	}
	q->ifindex = -1;
	q->l3 = NULL;
	q->l3_len = 0;
	q->l2_bcast = q->ip_bcast = false;
	r.type = ICMP_ECHO_REPLY;
	r.code = 0;
	icmp_emit(&r, q->data);
	if (ipv4_output(st, q, from, to, IP_PROTO_ICMP, &opts) == 0) {
		ST_COUNT(st, icmp_out);
		ST_COUNT(st, icmp_echo_replies_out);
	}
}

/* Destination unreachable, time exceeded, parameter problem about a datagram we sent:
 * the quoted header says whose it was (RFC 1122 §3.2.2.1: "the transport protocol
 * ... uses the quoted header to identify the connection"). */
static void icmp_error_in(struct ustack *st, struct pkt *p, const struct icmp_repr *r)
{
	struct ip_err e;
	uint32_t info = 0;
	const struct proto_ops *ops;

	if (r->type == ICMP_DEST_UNREACH && r->code == ICMP_FRAG_NEEDED)
		info = r->next_hop_mtu;
	else if (r->type == ICMP_PARAM_PROBLEM)
		info = (uint32_t)(r->id >> 8);
	if (ip_err_parse4(r->type, r->code, info, r->data, r->data_len, &e) != 0) {
		stack_drop(st, USTACK_DROP_ICMP_MALFORMED, p->ifindex, p->l3, p->l3_len);
		return;
	}
	/* It must be about a datagram from us (RFC 5927 §4.1: check what we can). */
	if (!ipv4_is_local(st, ip_addr_v4(&e.src))) {
		stack_drop(st, USTACK_DROP_ICMP_MALFORMED, p->ifindex, p->l3, p->l3_len);
		return;
	}
	e.pkt = p;
	ops = proto_get(st, e.proto);
	if (ops && ops->err_input)
		ops->err_input(st, &e);
}

/* An error about one of our echo requests: the ping API reports it. */
static void icmp_err_input(struct ustack *st, const struct ip_err *e)
{
	if (e->pkt && e->l4[0] == ICMP_ECHO_REQUEST)
		ping_answer(st, e->pkt, e->type, e->code, be16_get(e->l4 + 4), be16_get(e->l4 + 6),
			    NULL, 0, false);
}

void icmp_input(struct ustack *st, struct pkt *p)
{
	struct icmp_repr r;
	int err;

	ST_COUNT(st, icmp_in);
	err = icmp_parse(p->data, p->len, &r);
	if (err != WIRE_OK) {
		stack_drop(st, err == WIRE_BAD_CSUM ? USTACK_DROP_ICMP_BAD_CSUM :
			   USTACK_DROP_ICMP_MALFORMED, p->ifindex, p->l3, p->l3_len);
		pkt_free(st, p);
		return;
	}
	switch (r.type) {
	case ICMP_ECHO_REQUEST:
		icmp_echo(st, p, &r);
		return;
	case ICMP_ECHO_REPLY:
		ping_answer(st, p, 0, 0, r.id, r.seq, r.data, r.data_len, true);
		break;
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAM_PROBLEM:
		icmp_error_in(st, p, &r);
		break;
	case 4:
		/* Source quench: deprecated, to be ignored (RFC 6633). */
		break;
	default:
		stack_drop(st, USTACK_DROP_ICMP_UNKNOWN_TYPE, p->ifindex, p->l3, p->l3_len);
		break;
	}
	pkt_free(st, p);
}

/* --- the ping API (public entry points: they take the lock) --- */

int ustack_ping_send(struct ustack *st, struct in_addr dst, uint16_t id, uint16_t seq,
		     const void *payload, size_t len, uint8_t ttl)
{
	struct ip_out_opts opts = { .ttl = ttl };
	struct icmp_repr r;
	struct pkt *p;
	uint8_t *data;
	int rc;

	if (!st || len > PING_MAX_PAYLOAD || dst.s_addr == 0) {
		errno = !st || dst.s_addr == 0 ? EINVAL : EMSGSIZE;
		return -1;
	}
	stack_lock(st);
	p = pkt_alloc(st, ICMP_HDR_LEN + len);
	if (!p) {
		stack_unlock(st);
		errno = ENOBUFS;
		return -1;
	}
	data = pkt_put(p, ICMP_HDR_LEN + len) + ICMP_HDR_LEN;
	if (payload)
		memcpy(data, payload, len);
	else
		for (size_t i = 0; i < len; i++)
			data[i] = (uint8_t)i;      /* like ping -p: a recognisable pattern */
	memset(&r, 0, sizeof(r));
	r.type = ICMP_ECHO_REQUEST;
	r.id = id;
	r.seq = seq;
	r.data_len = len;
	icmp_emit(&r, p->data);
	icmp_ping_sent(st, id, seq, data, len);
	rc = ipv4_output(st, p, 0, ntohl(dst.s_addr), IP_PROTO_ICMP, &opts);
	if (rc != 0) {
		icmp_ping_forget(st, id, seq);
		stack_unlock(st);
		errno = -rc;
		return -1;
	}
	ST_COUNT(st, icmp_out);
	stack_unlock(st);
	return 0;
}

/* Take the first queued reply for id into *out. */
static bool ping_take(struct icmp_state *ic, uint16_t id, struct ustack_ping_reply *out)
{
	for (size_t i = 0; i < ic->n_replies; i++) {
		if (ic->replies[i].id != id)
			continue;
		*out = ic->replies[i];
		memmove(&ic->replies[i], &ic->replies[i + 1],
			(ic->n_replies - i - 1) * sizeof(ic->replies[0]));
		ic->n_replies--;
		return true;
	}
	return false;
}

int ustack_ping_recv(struct ustack *st, uint16_t id, struct ustack_ping_reply *out,
		     int timeout_ms)
{
	struct timespec until = { 0 };

	if (!st || !out) {
		errno = EINVAL;
		return -1;
	}
	if (timeout_ms > 0) {
		/* The same clock the runner uses (CLOCK_MONOTONIC), and the condition
		 * variable is set to it. */
		uint64_t t = ustack_clock_us() + (uint64_t)timeout_ms * 1000u;

		until.tv_sec = (time_t)(t / 1000000u);
		until.tv_nsec = (long)(t % 1000000u) * 1000;
	}
	stack_lock(st);
	for (;;) {
		int rc;

		if (ping_take(st->icmp, id, out)) {
			stack_unlock(st);
			return 0;
		}
		if (timeout_ms == 0) {
			stack_unlock(st);
			errno = EAGAIN;
			return -1;
		}
		if (timeout_ms < 0) {
			pthread_cond_wait(&st->icmp->cond, &st->lock);
			continue;
		}
		rc = pthread_cond_timedwait(&st->icmp->cond, &st->lock, &until);
		if (rc == ETIMEDOUT) {
			bool got = ping_take(st->icmp, id, out);

			stack_unlock(st);
			if (got)
				return 0;
			errno = ETIMEDOUT;
			return -1;
		}
	}
}
