/* pkt.c - packet buffers from a bounded pool.
 *
 * A packet is one allocation: the struct pkt followed by its buffer. Buffers of
 * PKT_SMALL_CAP bytes (enough for a 1500-byte frame plus headroom) are kept on a free
 * list and reused; larger ones (loopback, jumbo) are allocated to size and freed.
 * At most cfg.pkt_max packets are out at once: past that, pkt_alloc fails and the
 * caller's packet is a counted drop (USTACK_DROP_PKT_POOL_EMPTY), never a crash. */
#include "core/pkt.h"

#include <stdlib.h>
#include <string.h>

#include "core/stack.h"
#include "core/trace.h"
#include "core/core_priv.h"

/* Recycled small buffers kept at most (the rest go back to malloc). */
#define PKT_FREE_LIST_MAX 1024

static void pkt_reset_meta(struct pkt *p)
{
	p->next = NULL;
	p->data = p->buf + PKT_HEADROOM;
	p->len = 0;
	p->ifindex = -1;
	p->rx_time = 0;
	p->l2_bcast = false;
	p->ip_bcast = false;
	p->l3 = NULL;
	p->l3_len = 0;
	memset(&p->src, 0, sizeof(p->src));
	memset(&p->dst, 0, sizeof(p->dst));
	p->ip_src = 0;
	p->ip_dst = 0;
	p->ip_proto = 0;
	p->ip_ttl = 0;
	p->ip_tos = 0;
	p->gso_size = 0;
	p->csum = PKT_CSUM_FULL;
}

/* One allocation holding the struct and cap bytes of buffer. */
static struct pkt *pkt_new_raw(size_t cap)
{
	struct pkt *p = malloc(sizeof(*p) + cap);

	if (!p)
		return NULL;
	p->buf = (uint8_t *)(p + 1);
	p->cap = cap;
	return p;
}

struct pkt *pkt_alloc(struct ustack *st, size_t size)
{
	struct pkt_pool *pool = &st->pool;
	struct pkt *p;

	if (pool->in_use >= st->cfg.pkt_max || size > SIZE_MAX / 2) {
		stack_drop(st, USTACK_DROP_PKT_POOL_EMPTY, -1, NULL, 0);
		return NULL;
	}
	if (size + PKT_HEADROOM <= PKT_SMALL_CAP) {
		p = pool->free_small;
		if (p) {
			pool->free_small = p->next;
			pool->n_free_small--;
		} else {
			p = pkt_new_raw(PKT_SMALL_CAP);
		}
	} else {
		p = pkt_new_raw(size + PKT_HEADROOM);
	}
	if (!p) {
		stack_drop(st, USTACK_DROP_PKT_POOL_EMPTY, -1, NULL, 0);
		return NULL;
	}
	pkt_reset_meta(p);
	pool->in_use++;
	if (pool->in_use > pool->peak)
		pool->peak = pool->in_use;
	return p;
}

void pkt_free(struct ustack *st, struct pkt *p)
{
	struct pkt_pool *pool = &st->pool;

	if (!p)
		return;
	if (pool->in_use > 0)
		pool->in_use--;
	if (p->cap == PKT_SMALL_CAP && pool->n_free_small < PKT_FREE_LIST_MAX) {
		p->next = pool->free_small;
		pool->free_small = p;
		pool->n_free_small++;
		return;
	}
	free(p);
}

void pkt_free_chain(struct ustack *st, struct pkt *p)
{
	while (p) {
		struct pkt *next = p->next;

		pkt_free(st, p);
		p = next;
	}
}

struct pkt *pkt_clone(struct ustack *st, const struct pkt *p)
{
	struct pkt *c = pkt_alloc(st, p->cap > PKT_HEADROOM ? p->cap - PKT_HEADROOM : 0);

	if (!c)
		return NULL;
	/* Same layout: the whole buffer, so headroom bytes already parsed (the IP header
	 * at l3 for ICMP errors) come along at the same offsets. */
	memcpy(c->buf, p->buf, p->cap < c->cap ? p->cap : c->cap);
	c->data = c->buf + pkt_headroom(p);
	c->len = p->len;
	c->ifindex = p->ifindex;
	c->rx_time = p->rx_time;
	c->l2_bcast = p->l2_bcast;
	c->ip_bcast = p->ip_bcast;
	c->l3 = p->l3 ? c->buf + (p->l3 - p->buf) : NULL;
	c->l3_len = p->l3_len;
	c->src = p->src;
	c->dst = p->dst;
	c->ip_src = p->ip_src;
	c->ip_dst = p->ip_dst;
	c->ip_proto = p->ip_proto;
	c->ip_ttl = p->ip_ttl;
	c->ip_tos = p->ip_tos;
	c->gso_size = p->gso_size;
	c->csum = p->csum;
	return c;
}

/* Called by ustack_free: return the recycled buffers to malloc. */
void pkt_pool_destroy(struct ustack *st)
{
	struct pkt *p = st->pool.free_small;

	while (p) {
		struct pkt *next = p->next;

		free(p);
		p = next;
	}
	st->pool.free_small = NULL;
	st->pool.n_free_small = 0;
}

void pkt_queue_push(struct pkt_queue *q, struct pkt *p)
{
	p->next = NULL;
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
	q->count++;
	q->bytes += p->len;
}

struct pkt *pkt_queue_pop(struct pkt_queue *q)
{
	struct pkt *p = q->head;

	if (!p)
		return NULL;
	q->head = p->next;
	if (!q->head)
		q->tail = NULL;
	p->next = NULL;
	q->count--;
	q->bytes -= p->len < q->bytes ? p->len : q->bytes;
	return p;
}

void pkt_queue_purge(struct ustack *st, struct pkt_queue *q)
{
	struct pkt *p;

	while ((p = pkt_queue_pop(q)) != NULL)
		pkt_free(st, p);
	q->bytes = 0;
}
