/* ipv6_frag.c - IPv6 fragmentation at the source and reassembly (RFC 8200 4.5).
 *
 * Reassembly keeps, per datagram (keyed by source, destination and Identification),
 * a sorted list of the byte ranges received; each fragment's data is copied into an
 * exact-size chunk and its packet buffer freed at once, so the memory accounted is the
 * memory used. Policy:
 *   - any overlap drops the whole datagram silently, and the fragments still to come
 *     of it are dropped as they come (RFC 5722, FRAG6_OVERLAP); an exact duplicate (same
 *     offset, length and bytes) changes nothing and is ignored (RFC 8200 4.5 allows it);
 *   - a second "last" fragment disagreeing on the end, or data past the end (FRAG6_BAD);
 *     a datagram longer than 65535 bytes (the walk answers with a Parameter Problem);
 *   - all datagrams together hold at most cfg.reasm_max_bytes: the oldest are evicted
 *     to make room; one that cannot fit alone is dropped (FRAG6_NO_MEMORY);
 *   - 60 s after its first fragment came, an incomplete datagram is dropped
 *     (FRAG6_TIMEOUT) with an ICMPv6 time exceeded, code 1, if the fragment at offset 0
 *     had come (RFC 8200 4.5);
 *   - the first fragment must hold the whole header chain (checked by the walk,
 *     RFC 7112); atomic fragments never come here (RFC 6946: ipv6.c processes them
 *     in isolation). */
#include "net/ipv6_frag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack.h"
#include "core/trace.h"
#include "net/icmpv6.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/ipv6_ext.h"

#define IPV6_MAX_PAYLOAD 65535u
#define REASM6_QUOTE_MAX ICMP6_ERR_MAX_LEN   /* bytes of the first fragment kept to quote */

struct frag6 {
	struct frag6 *next;
	uint32_t off, len;
	uint8_t data[];
};

struct reasm6 {
	struct reasm6 *older, *newer;
	uint8_t src[16], dst[16];
	uint32_t id;
	struct timer timer;
	struct frag6 *frags;              /* sorted by offset, disjoint */
	uint32_t received;
	uint32_t end;                     /* fragmentable part's length once the last came */
	bool have_last, have_first, dead; /* dead: overlapped; its fragments are dropped */
	uint8_t next_hdr;                 /* of the first fragment's fragment header */
	uint8_t *unfrag;                  /* the first fragment's unfragmentable part */
	uint16_t unfrag_len;
	uint16_t nh_ptr;                  /* where in it the Next Header naming the frag header is */
	uint8_t *quote;                   /* the first fragment as it came (for time exceeded) */
	uint16_t quote_len;
	int ifindex;
	size_t mem;
};

static void reasm6_expire(struct ustack *st, struct timer *t, uint64_t now);

int ipv6_frag_init(struct ustack *st)
{
	(void)st;          /* the state lives in st->ip6, zeroed by ipv6_init */
	return 0;
}

static void reasm6_unlink(struct ustack *st, struct reasm6 *r)
{
	struct ipv6_state *s = st->ip6;

	if (r->older)
		r->older->newer = r->newer;
	else
		s->oldest = r->newer;
	if (r->newer)
		r->newer->older = r->older;
	else
		s->newest = r->older;
}

static void reasm6_destroy(struct ustack *st, struct reasm6 *r)
{
	struct frag6 *f, *n;

	timer_cancel(st, &r->timer);
	reasm6_unlink(st, r);
	for (f = r->frags; f; f = n) {
		n = f->next;
		free(f);
	}
	st->ip6->reasm_bytes -= r->mem;
	st->ip6->reasm_count--;
	free(r->unfrag);
	free(r->quote);
	free(r);
}

void ipv6_frag_free(struct ustack *st)
{
	if (!st->ip6)
		return;
	while (st->ip6->oldest)
		reasm6_destroy(st, st->ip6->oldest);
}

size_t ipv6_reasm_bytes(struct ustack *st) { return st->ip6 ? st->ip6->reasm_bytes : 0; }
size_t ipv6_reasm_count(struct ustack *st) { return st->ip6 ? st->ip6->reasm_count : 0; }

static struct reasm6 *reasm6_find(struct ustack *st, const uint8_t *src, const uint8_t *dst,
				  uint32_t id)
{
	for (struct reasm6 *r = st->ip6->newest; r; r = r->older)
		if (r->id == id && !memcmp(r->src, src, 16) && !memcmp(r->dst, dst, 16))
			return r;
	return NULL;
}

/* Room for need more bytes: evict the oldest other datagrams. */
static bool reasm6_room(struct ustack *st, size_t need, const struct reasm6 *keep)
{
	struct ipv6_state *s = st->ip6;
	size_t max = st->cfg.reasm_max_bytes;

	if (need > max)
		return false;
	while (s->reasm_bytes + need > max) {
		struct reasm6 *v = s->oldest;

		if (v == keep)
			v = v->newer;
		if (!v)
			return false;
		stack_drop(st, USTACK_DROP_FRAG6_NO_MEMORY, v->ifindex, NULL, 0);
		reasm6_destroy(st, v);
	}
	return true;
}

static void reasm6_charge(struct ustack *st, struct reasm6 *r, size_t n)
{
	r->mem += n;
	st->ip6->reasm_bytes += n;
}

/* The unfragmentable part's Next Header byte that names the fragment header. */
static uint16_t frag_nh_ptr(const uint8_t *b, uint16_t frag_hdr_off)
{
	size_t off = IPV6_HDR_LEN, ptr = 6;

	for (int i = 0; i < IPV6_EXT_MAX && off < frag_hdr_off; i++) {
		ptr = off;
		off += ((size_t)b[off + 1] + 1) * 8;
	}
	return (uint16_t)ptr;
}

static struct pkt *reasm6_build(struct ustack *st, struct reasm6 *r)
{
	size_t total = (size_t)r->unfrag_len + r->end;
	struct pkt *p = pkt_alloc(st, total);
	uint8_t *b;

	if (!p)
		return NULL;
	b = pkt_put(p, total);
	memcpy(b, r->unfrag, r->unfrag_len);
	b[r->nh_ptr] = r->next_hdr;
	be16_put(b + 4, (uint16_t)(total - IPV6_HDR_LEN));
	for (struct frag6 *f = r->frags; f; f = f->next)
		memcpy(b + r->unfrag_len + f->off, f->data, f->len);
	p->ifindex = r->ifindex;
	p->l3 = p->data;
	p->l3_len = p->len;
	return p;
}

struct pkt *ipv6_reasm(struct ustack *st, struct pkt *p, const struct ipv6_chain *c)
{
	const uint8_t *b = p->data;
	uint32_t off = c->frag_off, len;
	size_t data_at = (size_t)c->frag_hdr_off + IPV6_FRAG_HDR_LEN;
	struct reasm6 *r;
	struct frag6 *f, **pp;
	int ifindex = p->ifindex;

	len = (uint32_t)(p->len - data_at);
	if ((size_t)c->frag_hdr_off - IPV6_HDR_LEN + off + len > IPV6_MAX_PAYLOAD ||
	    (len == 0 && c->mf)) {
		stack_drop(st, USTACK_DROP_FRAG6_BAD, ifindex, p->data, p->len);
		pkt_free(st, p);
		return NULL;
	}
	r = reasm6_find(st, b + 8, b + 24, c->frag_id);
	if (!r) {
		if (!reasm6_room(st, sizeof(*r), NULL) || !(r = calloc(1, sizeof(*r)))) {
			stack_drop(st, USTACK_DROP_FRAG6_NO_MEMORY, ifindex, p->data, p->len);
			pkt_free(st, p);
			return NULL;
		}
		memcpy(r->src, b + 8, 16);
		memcpy(r->dst, b + 24, 16);
		r->id = c->frag_id;
		r->ifindex = ifindex;
		timer_init(&r->timer, reasm6_expire, r);
		timer_set(st, &r->timer, st->now + IPV6_REASM_TIMEOUT_US);
		r->older = st->ip6->newest;
		if (r->older)
			r->older->newer = r;
		else
			st->ip6->oldest = r;
		st->ip6->newest = r;
		st->ip6->reasm_count++;
		reasm6_charge(st, r, sizeof(*r));
	}
	if (r->dead) {
		stack_drop(st, USTACK_DROP_FRAG6_OVERLAP, ifindex, p->data, p->len);
		pkt_free(st, p);
		return NULL;
	}
	/* the end: the last fragment says it; nothing may reach past it */
	if (!c->mf) {
		if ((r->have_last && r->end != off + len)) {
			stack_drop(st, USTACK_DROP_FRAG6_BAD, ifindex, p->data, p->len);
			goto kill;
		}
		r->have_last = true;
		r->end = off + len;
	}
	if (r->have_last && off + len > r->end) {
		stack_drop(st, USTACK_DROP_FRAG6_BAD, ifindex, p->data, p->len);
		goto kill;
	}
	/* RFC 5722: overlap drops the datagram; an exact duplicate is ignored */
	for (pp = &r->frags; *pp && (*pp)->off + (*pp)->len <= off; pp = &(*pp)->next)
		;
	if (*pp && (*pp)->off < off + len) {
		if ((*pp)->off == off && (*pp)->len == len && !memcmp((*pp)->data, b + data_at, len)) {
			pkt_free(st, p);
			return NULL;
		}
		stack_drop(st, USTACK_DROP_FRAG6_OVERLAP, ifindex, p->data, p->len);
		goto kill;
	}
	if (len) {
		if (!reasm6_room(st, sizeof(*f) + len, r) || !(f = malloc(sizeof(*f) + len))) {
			stack_drop(st, USTACK_DROP_FRAG6_NO_MEMORY, ifindex, p->data, p->len);
			goto kill;
		}
		f->off = off;
		f->len = len;
		memcpy(f->data, b + data_at, len);
		f->next = *pp;
		*pp = f;
		r->received += len;
		reasm6_charge(st, r, sizeof(*f) + len);
	}
	if (off == 0) {
		/* the first fragment: its unfragmentable part and Next Header make the
		 * datagram's (RFC 8200 4.5) */
		r->have_first = true;
		r->next_hdr = b[c->frag_hdr_off];
		r->unfrag_len = c->frag_hdr_off;
		r->nh_ptr = frag_nh_ptr(b, c->frag_hdr_off);
		r->quote_len = (uint16_t)(p->len < REASM6_QUOTE_MAX ? p->len : REASM6_QUOTE_MAX);
		if (!reasm6_room(st, (size_t)r->unfrag_len + r->quote_len, r) ||
		    !(r->unfrag = malloc(r->unfrag_len)) || !(r->quote = malloc(r->quote_len))) {
			stack_drop(st, USTACK_DROP_FRAG6_NO_MEMORY, ifindex, p->data, p->len);
			goto kill;
		}
		memcpy(r->unfrag, b, r->unfrag_len);
		memcpy(r->quote, b, r->quote_len);
		reasm6_charge(st, r, (size_t)r->unfrag_len + r->quote_len);
	}
	pkt_free(st, p);
	if (!r->have_first || !r->have_last || r->received != r->end)
		return NULL;
	if ((size_t)r->unfrag_len - IPV6_HDR_LEN + r->end > IPV6_MAX_PAYLOAD) {
		stack_drop(st, USTACK_DROP_FRAG6_BAD, ifindex, NULL, 0);
		reasm6_destroy(st, r);
		return NULL;
	}
	p = reasm6_build(st, r);
	reasm6_destroy(st, r);
	if (p)
		ST_COUNT(st, ip6_reasm_ok);
	return p;

kill:
	pkt_free(st, p);
	/* keep a tombstone until the timeout so the rest of it is dropped too */
	for (f = r->frags; f;) {
		struct frag6 *n = f->next;
		free(f);
		f = n;
	}
	r->frags = NULL;
	free(r->unfrag);
	free(r->quote);
	r->unfrag = r->quote = NULL;
	st->ip6->reasm_bytes -= r->mem - sizeof(*r);
	r->mem = sizeof(*r);
	r->dead = true;
	r->have_first = false;
	return NULL;
}

static void reasm6_expire(struct ustack *st, struct timer *t, uint64_t now)
{
	struct reasm6 *r = t->arg;

	(void)now;
	if (!r->dead) {
		stack_drop(st, USTACK_DROP_FRAG6_TIMEOUT, r->ifindex, r->quote, r->quote_len);
		/* RFC 8200 4.5: time exceeded, code 1, only if the first fragment came */
		if (r->have_first && r->quote)
			icmpv6_send_error_raw(st, r->quote, r->quote_len, r->ifindex, false,
					      ICMP6_TIME_EXCEEDED, ICMP6_FRAG_TIME_EXCEEDED, 0);
	}
	reasm6_destroy(st, r);
}

int ipv6_fragment(struct ustack *st, struct pkt *p, unsigned mtu, struct pkt_queue *out)
{
	size_t payload = p->len - IPV6_HDR_LEN;
	size_t chunk = ((size_t)mtu - IPV6_HDR_LEN - IPV6_FRAG_HDR_LEN) & ~(size_t)7;
	uint8_t nh = p->data[6];
	uint32_t id;
	struct pkt_queue q = { 0 };

	/* RFC 7739: an unpredictable Identification */
	do
		id = stack_rand32(st);
	while (id == 0);
	for (size_t off = 0; off < payload; off += chunk) {
		size_t n = payload - off < chunk ? payload - off : chunk;
		struct pkt *f = pkt_alloc(st, IPV6_HDR_LEN + IPV6_FRAG_HDR_LEN + n);
		uint8_t *b;

		if (!f) {
			pkt_queue_purge(st, &q);
			pkt_free(st, p);
			return -ENOBUFS;
		}
		b = pkt_put(f, IPV6_HDR_LEN + IPV6_FRAG_HDR_LEN + n);
		memcpy(b, p->data, IPV6_HDR_LEN);
		b[6] = IP_PROTO_FRAGMENT;
		be16_put(b + 4, (uint16_t)(IPV6_FRAG_HDR_LEN + n));
		ipv6_frag_emit(nh, (uint16_t)off, off + n < payload, id, b + IPV6_HDR_LEN);
		memcpy(b + IPV6_HDR_LEN + IPV6_FRAG_HDR_LEN, p->data + IPV6_HDR_LEN + off, n);
		f->ifindex = p->ifindex;
		f->l3 = f->data;
		f->l3_len = f->len;
		pkt_queue_push(&q, f);
		ST_COUNT(st, ip6_frag_out);
	}
	pkt_free(st, p);
	while ((p = pkt_queue_pop(&q)) != NULL)
		pkt_queue_push(out, p);
	return 0;
}
