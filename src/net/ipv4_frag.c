/* ipv4_frag.c - IPv4 fragmentation and reassembly (RFC 791 §2.3 and §3.2, RFC 815,
 * RFC 1122 §3.3.2).
 *
 * Reassembly keeps, per datagram (keyed by source, destination, protocol and
 * Identification, RFC 791 §3.2), a sorted list of the byte ranges received. Each
 * fragment's data is copied into an exact-size chunk and its packet buffer freed at
 * once, so reassembly never holds packet buffers from the pool and the memory it
 * accounts is the memory it uses.
 *
 * Policy, stricter than RFC 791's "the data of the later fragment wins":
 *   - any overlap drops the whole datagram (FRAG_OVERLAP), as RFC 5722 requires for
 *     IPv6: overlapping fragments are an attack (evading filters), never a need;
 *   - an exact duplicate (same offset, length and bytes, as a link that duplicates
 *     frames delivers) is silently ignored, since it changes nothing; a "duplicate"
 *     with different bytes is an overlap;
 *   - a non-last fragment whose length is not a multiple of 8 or zero, or a fragment
 *     ending past 65535 bytes, is malformed (FRAG_BAD); so is a second "last"
 *     fragment disagreeing on the end, or data past the end (the whole datagram goes);
 *   - memory for all datagrams is bounded by cfg.reasm_max_bytes: to make room the
 *     oldest other datagrams are evicted; a datagram that cannot fit alone is dropped
 *     (FRAG_NO_MEMORY);
 *   - a datagram still incomplete cfg.reasm_timeout_us after its first fragment came is
 *     dropped (FRAG_TIMEOUT), with ICMP time exceeded, code 1, if its first fragment
 *     (offset 0) had arrived (RFC 792, RFC 1122 §3.3.2).
 * The reassembled datagram carries a fresh 20-byte header (options are not kept). */
#include "net/ipv4_frag.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack.h"
#include "core/trace.h"
#include "net/icmp.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define IPV4_MAX_DATAGRAM 65535u

/* One received range of a datagram's payload. */
struct frag {
	struct frag *next;
	uint32_t off, len;
	uint8_t data[];
};

/* One datagram being reassembled. */
struct reasm {
	struct reasm *hnext;                 /* hash chain */
	struct reasm *older, *newer;         /* age list */
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	struct timer timer;                  /* the reassembly timeout */
	struct frag *frags, *tail;           /* sorted by offset, disjoint */
	uint32_t received;                   /* payload bytes held */
	uint32_t end;                        /* payload length, once the last fragment came */
	bool have_last, have_first;
	uint8_t hdr[IPV4_MAX_HDR_LEN];       /* the header of the first fragment */
	uint8_t hdr_len;
	uint8_t tos, ttl;
	bool df;
	int ifindex;
	size_t mem;                          /* bytes accounted to this datagram */
};

static void reasm_expire(struct ustack *st, struct timer *t, uint64_t now);

int ipv4_frag_init(struct ustack *st)
{
	(void)st;   /* the state lives in st->ip, zeroed by ipv4_init */
	return 0;
}

static unsigned reasm_bucket(uint32_t src, uint32_t dst, uint8_t proto, uint16_t id)
{
	uint32_t h = src * 0x9e3779b1u ^ dst * 0x85ebca77u ^
		     ((uint32_t)proto << 16 | id) * 0xc2b2ae3du;

	return (h ^ (h >> 16)) % REASM_BUCKETS;
}

static struct reasm *reasm_find(struct ipv4_state *ip, uint32_t src, uint32_t dst,
				uint8_t proto, uint16_t id)
{
	struct reasm *r = ip->reasm_hash[reasm_bucket(src, dst, proto, id)];

	for (; r; r = r->hnext)
		if (r->src == src && r->dst == dst && r->proto == proto && r->id == id)
			return r;
	return NULL;
}

/* Unlink r from the hash and the age list, cancel its timer, free its memory. */
static void reasm_destroy(struct ustack *st, struct reasm *r)
{
	struct ipv4_state *ip = st->ip;
	struct reasm **pp = &ip->reasm_hash[reasm_bucket(r->src, r->dst, r->proto, r->id)];
	struct frag *f = r->frags;

	while (*pp && *pp != r)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = r->hnext;
	if (r->older)
		r->older->newer = r->newer;
	else
		ip->oldest = r->newer;
	if (r->newer)
		r->newer->older = r->older;
	else
		ip->newest = r->older;
	timer_cancel(st, &r->timer);
	while (f) {
		struct frag *next = f->next;

		free(f);
		f = next;
	}
	ip->reasm_bytes -= r->mem;
	ip->reasm_count--;
	free(r);
}

static struct reasm *reasm_create(struct ustack *st, uint32_t src, uint32_t dst, uint8_t proto,
				  uint16_t id)
{
	struct ipv4_state *ip = st->ip;
	struct reasm *r = calloc(1, sizeof(*r));
	unsigned b = reasm_bucket(src, dst, proto, id);

	if (!r)
		return NULL;
	r->src = src;
	r->dst = dst;
	r->proto = proto;
	r->id = id;
	r->mem = sizeof(*r);
	timer_init(&r->timer, reasm_expire, r);
	r->hnext = ip->reasm_hash[b];
	ip->reasm_hash[b] = r;
	r->older = ip->newest;
	if (ip->newest)
		ip->newest->newer = r;
	else
		ip->oldest = r;
	ip->newest = r;
	ip->reasm_bytes += r->mem;
	ip->reasm_count++;
	timer_set(st, &r->timer, st->now + st->cfg.reasm_timeout_us);
	return r;
}

/* Evict the oldest datagrams other than keep until `need` more bytes fit under the
 * bound. Returns whether they fit. */
static bool reasm_make_room(struct ustack *st, struct reasm *keep, size_t need)
{
	struct ipv4_state *ip = st->ip;
	size_t max = st->cfg.reasm_max_bytes;
	struct reasm *r = ip->oldest;

	while (ip->reasm_bytes + need > max && r) {
		struct reasm *newer = r->newer;

		if (r != keep) {
			stack_drop(st, USTACK_DROP_FRAG_NO_MEMORY, r->ifindex, NULL, 0);
			reasm_destroy(st, r);
		}
		r = newer;
	}
	return ip->reasm_bytes + need <= max;
}

/* RFC 792 / RFC 1122 §3.3.2: time exceeded, code 1, quoting the first fragment's
 * header and the first 8+ bytes of its data. */
static void reasm_send_timeout(struct ustack *st, struct reasm *r)
{
	struct frag *f = r->frags;
	size_t quote = f && f->off == 0 ? f->len : 0;
	struct pkt *orig;

	if (quote > 64)
		quote = 64;
	orig = pkt_alloc(st, r->hdr_len + quote);
	if (!orig)
		return;
	memcpy(pkt_put(orig, r->hdr_len), r->hdr, r->hdr_len);
	if (quote)
		memcpy(pkt_put(orig, quote), f->data, quote);
	orig->ifindex = r->ifindex;
	orig->l3 = orig->data;
	orig->l3_len = orig->len;
	orig->ip_src = r->src;
	orig->ip_dst = r->dst;
	orig->src = ip_addr_from_v4(r->src);
	orig->dst = ip_addr_from_v4(r->dst);
	orig->ip_proto = r->proto;
	orig->ip_ttl = r->ttl;
	orig->ip_tos = r->tos;
	icmp_send_error(st, orig, ICMP_TIME_EXCEEDED, ICMP_FRAG_TIME_EXCEEDED, 0);
	pkt_free(st, orig);
}

static void reasm_expire(struct ustack *st, struct timer *t, uint64_t now)
{
	struct reasm *r = t->arg;
	char a[16];

	(void)now;
	trace_info(st, "ipv4 frag: reassembly of id %u from %s timed out (%u bytes held)",
		   r->id, ipv4_ntoa(r->src, a), r->received);
	stack_drop(st, USTACK_DROP_FRAG_TIMEOUT, r->ifindex, NULL, 0);
	if (r->have_first)
		reasm_send_timeout(st, r);
	reasm_destroy(st, r);
}

/* Drop the fragment p and the whole datagram r for reason. */
static struct pkt *reasm_drop_all(struct ustack *st, struct reasm *r, struct pkt *p,
				  enum ustack_drop reason)
{
	stack_drop(st, reason, p->ifindex, p->l3, p->l3_len);
	pkt_free(st, p);
	reasm_destroy(st, r);
	return NULL;
}

/* All holes filled: one packet with a fresh header and the payload in order. */
static struct pkt *reasm_assemble(struct ustack *st, struct reasm *r)
{
	struct ipv4_repr h = {
		.hdr_len = IPV4_HDR_LEN, .tos = r->tos,
		.total_len = (uint16_t)(IPV4_HDR_LEN + r->end),
		.id = r->id, .df = r->df, .mf = false, .frag_off = 0, .ttl = r->ttl,
		.proto = r->proto, .src = r->src, .dst = r->dst,
	};
	struct pkt *p = pkt_alloc(st, IPV4_HDR_LEN + r->end);
	uint8_t *out;

	if (!p) {
		reasm_destroy(st, r);
		return NULL;
	}
	out = pkt_put(p, IPV4_HDR_LEN + r->end);
	ipv4_emit(&h, out);
	for (struct frag *f = r->frags; f; f = f->next)
		memcpy(out + IPV4_HDR_LEN + f->off, f->data, f->len);
	p->ifindex = r->ifindex;
	p->rx_time = st->now;
	p->l3 = p->data;
	p->l3_len = p->len;
	p->ip_src = r->src;
	p->ip_dst = r->dst;
	p->src = ip_addr_from_v4(r->src);
	p->dst = ip_addr_from_v4(r->dst);
	p->ip_proto = r->proto;
	p->ip_ttl = r->ttl;
	p->ip_tos = r->tos;
	ST_COUNT(st, ip_reasm_ok);
	reasm_destroy(st, r);
	return p;
}

struct pkt *ipv4_reasm(struct ustack *st, struct pkt *p)
{
	const uint8_t *h = p->l3;
	uint32_t hdr_len = (uint32_t)(h[0] & 0x0f) * 4;
	uint16_t fw = be16_get(h + 6);
	bool mf = (fw & 0x2000) != 0;
	uint32_t off = (uint32_t)(fw & 0x1fff) * 8;
	uint32_t len = (uint32_t)p->l3_len - hdr_len;
	uint32_t fend = off + len;
	struct reasm *r;
	struct frag *f, *prev = NULL, *nf;

	/* RFC 791 §3.2: every fragment but the last carries a multiple of 8 bytes; no
	 * datagram exceeds 65535 bytes (the "ping of death" check). */
	if ((mf && (len == 0 || len % 8 != 0)) || hdr_len + fend > IPV4_MAX_DATAGRAM) {
		stack_drop(st, USTACK_DROP_FRAG_BAD, p->ifindex, p->l3, p->l3_len);
		pkt_free(st, p);
		return NULL;
	}
	r = reasm_find(st->ip, p->ip_src, p->ip_dst, p->ip_proto, be16_get(h + 4));
	if (!r) {
		if (!reasm_make_room(st, NULL, sizeof(*r)) ||
		    !(r = reasm_create(st, p->ip_src, p->ip_dst, p->ip_proto, be16_get(h + 4)))) {
			stack_drop(st, USTACK_DROP_FRAG_NO_MEMORY, p->ifindex, p->l3, p->l3_len);
			pkt_free(st, p);
			return NULL;
		}
	}
	r->ifindex = p->ifindex;
	/* The end of the datagram: known once the last fragment came, never contradicted. */
	if (r->have_last && (fend > r->end || (!mf && fend != r->end)))
		return reasm_drop_all(st, r, p, USTACK_DROP_FRAG_BAD);
	if (!mf && r->tail && r->tail->off + r->tail->len > fend)
		return reasm_drop_all(st, r, p, USTACK_DROP_FRAG_BAD);
	/* Where the range goes: after the tail (the common, in-order case), else after the
	 * last range starting before it. */
	if (len > 0) {
		if (r->tail && off >= r->tail->off + r->tail->len) {
			prev = r->tail;
		} else {
			for (f = r->frags; f && f->off + f->len <= off; f = f->next)
				prev = f;
			if (f && f->off < fend) {
				if (f->off == off && f->len == len &&
				    memcmp(f->data, h + hdr_len, len) == 0) {
					/* An exact duplicate: changes nothing. */
					pkt_free(st, p);
					return NULL;
				}
				return reasm_drop_all(st, r, p, USTACK_DROP_FRAG_OVERLAP);
			}
		}
		if (!reasm_make_room(st, r, sizeof(*nf) + len)) {
			trace_info(st, "ipv4 frag: datagram id %u does not fit in %zu bytes", r->id,
				   st->cfg.reasm_max_bytes);
			return reasm_drop_all(st, r, p, USTACK_DROP_FRAG_NO_MEMORY);
		}
		nf = malloc(sizeof(*nf) + len);
		if (!nf)
			return reasm_drop_all(st, r, p, USTACK_DROP_FRAG_NO_MEMORY);
		nf->off = off;
		nf->len = len;
		memcpy(nf->data, h + hdr_len, len);
		nf->next = prev ? prev->next : r->frags;
		if (prev)
			prev->next = nf;
		else
			r->frags = nf;
		if (!nf->next)
			r->tail = nf;
		r->received += len;
		r->mem += sizeof(*nf) + len;
		st->ip->reasm_bytes += sizeof(*nf) + len;
	}
	if (off == 0) {
		r->have_first = true;
		memcpy(r->hdr, h, hdr_len);
		r->hdr_len = (uint8_t)hdr_len;
		r->tos = p->ip_tos;
		r->ttl = p->ip_ttl;
		r->df = (fw & 0x4000) != 0;
	}
	if (!mf) {
		r->have_last = true;
		r->end = fend;
	}
	pkt_free(st, p);
	/* Ranges are disjoint, so the holes are all filled exactly when the bytes held
	 * equal the length (RFC 815's hole list reduces to this count). */
	if (r->have_last && r->received == r->end && r->have_first)
		return reasm_assemble(st, r);
	return NULL;
}

size_t ipv4_reasm_bytes(struct ustack *st)
{
	return st->ip ? st->ip->reasm_bytes : 0;
}

size_t ipv4_reasm_count(struct ustack *st)
{
	return st->ip ? st->ip->reasm_count : 0;
}

void ipv4_frag_free(struct ustack *st)
{
	while (st->ip && st->ip->oldest)
		reasm_destroy(st, st->ip->oldest);
}

/* RFC 791 §3.2, "An Example Fragmentation Procedure": the data is cut at multiples of
 * 8 bytes; each piece gets a copy of the header with its offset, MF on all but the last
 * (the last keeps the original MF: the datagram may itself be a fragment). Options are
 * not copied (we never emit any; a forwarded datagram's options are dropped). */
int ipv4_fragment(struct ustack *st, struct pkt *p, unsigned mtu, struct pkt_queue *out)
{
	struct ipv4_repr h;
	struct pkt_queue q = { 0 };
	size_t payload, maxdata, done = 0;
	const uint8_t *data;

	if (ipv4_parse(p->data, p->len, &h, false) != WIRE_OK || mtu < IPV4_HDR_LEN + 8) {
		pkt_free(st, p);
		return -EINVAL;
	}
	payload = h.total_len - h.hdr_len;
	data = p->data + h.hdr_len;
	maxdata = (mtu - IPV4_HDR_LEN) & ~(size_t)7;
	while (done < payload) {
		size_t n = payload - done > maxdata ? maxdata : payload - done;
		bool last = done + n == payload;
		struct ipv4_repr fh = h;
		struct pkt *fp = pkt_alloc(st, IPV4_HDR_LEN + n);

		if (!fp) {
			pkt_queue_purge(st, &q);
			pkt_free(st, p);
			return -ENOBUFS;
		}
		fh.total_len = (uint16_t)(IPV4_HDR_LEN + n);
		fh.frag_off = (uint16_t)(h.frag_off + done);
		fh.mf = last ? h.mf : true;
		ipv4_emit(&fh, pkt_put(fp, IPV4_HDR_LEN));
		memcpy(pkt_put(fp, n), data + done, n);
		fp->ifindex = p->ifindex;
		pkt_queue_push(&q, fp);
		done += n;
	}
	pkt_free(st, p);
	while ((p = pkt_queue_pop(&q)) != NULL) {
		ST_COUNT(st, ip_frag_out);
		pkt_queue_push(out, p);
	}
	return 0;
}
