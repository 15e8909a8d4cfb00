/* tcp_buf.c - byte rings and sequence range sets (see tcp_buf.h).
 *
 * The ring copies with at most two memcpy calls per operation (the wrap point). Its
 * storage starts at TCP_RING_FIRST bytes and doubles as the bytes held need, up to the
 * bound (cap), so a connection that exchanges a few bytes never allocates its whole
 * SO_SNDBUF / SO_RCVBUF. The range sets are tiny sorted arrays on the heap (4 ranges first, doubling up to
 * TCP_RANGES_MAX), so inserting is a short scan and a memmove. */
#include "tcp/tcp_buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_seq.h"

void tcp_ring_init(struct tcp_ring *r, size_t cap)
{
	r->buf = NULL;
	r->cap = (uint32_t)cap;
	r->size = 0;
	r->head = 0;
	r->len = 0;
}

void tcp_ring_free(struct tcp_ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->size = 0;
	r->head = 0;
	r->len = 0;
}

void tcp_ring_release(struct tcp_ring *r)
{
	if (r->len == 0 && r->buf) {
		free(r->buf);
		r->buf = NULL;
		r->size = 0;
		r->head = 0;
	}
}

/* Copy n bytes out of the ring from physical position pos (wrapping). */
static void ring_get(const struct tcp_ring *r, size_t pos, uint8_t *dst, size_t n)
{
	size_t first = r->size - pos;

	if (first >= n) {
		memcpy(dst, r->buf + pos, n);
	} else {
		memcpy(dst, r->buf + pos, first);
		memcpy(dst + first, r->buf, n - first);
	}
}

/* Storage of `size` bytes holding the first `keep` bytes from head, linear. */
static bool ring_realloc(struct tcp_ring *r, size_t size, size_t keep)
{
	uint8_t *nb = malloc(size);

	if (!nb)
		return false;
	if (r->buf) {
		ring_get(r, r->head, nb, keep);
		free(r->buf);
	}
	r->buf = nb;
	r->size = (uint32_t)size;
	r->head = 0;
	return true;
}

/* Larger storage holding every byte the old one held at the same offset from head.
 * realloc keeps the block's bytes in place (a large block is moved by remapping its
 * pages: no copy, and no page touched again); only the bytes that wrapped to the
 * front, [0, head), move to follow the old end, and whatever of them does not fit
 * there wraps to the front again. A copy into a fresh block cost the receive side a
 * page fault per 4 KiB of the whole buffer at each doubling. */
static bool ring_grow(struct tcp_ring *r, size_t size)
{
	size_t old = r->buf ? r->size : 0;
	uint8_t *nb = realloc(r->buf, size);

	if (!nb)
		return false;
	if (old && r->head) {
		size_t room = size - old, wrapped = r->head;

		if (wrapped <= room) {
			memcpy(nb + old, nb, wrapped);
		} else {
			memcpy(nb + old, nb, room);
			memmove(nb, nb + room, wrapped - room);
		}
	}
	if (!old)
		r->head = 0;
	r->buf = nb;
	r->size = (uint32_t)size;
	return true;
}

/* Storage for offsets below need (need <= cap): the first block is small, each growth
 * at least doubles it, up to cap. Everything the storage held keeps its offset (the
 * receiver's out-of-order bytes past len too). */
static bool ring_reserve(struct tcp_ring *r, size_t need)
{
	size_t size = r->size ? r->size : TCP_RING_FIRST;

	if (r->buf && need <= r->size)
		return true;
	while (size < need)
		size *= 2;
	if (size > r->cap)
		size = r->cap;
	if (size == 0)
		return false;
	return ring_grow(r, size);
}

/* Copy n bytes into the ring at physical position pos (wrapping). */
static void ring_put(struct tcp_ring *r, size_t pos, const uint8_t *src, size_t n)
{
	size_t first = r->size - pos;

	if (first >= n) {
		memcpy(r->buf + pos, src, n);
	} else {
		memcpy(r->buf + pos, src, first);
		memcpy(r->buf, src + first, n - first);
	}
}

static size_t ring_pos(const struct tcp_ring *r, size_t off)
{
	size_t pos = r->head + off;

	return pos >= r->size ? pos - r->size : pos;
}

size_t tcp_ring_append(struct tcp_ring *r, const void *src, size_t n)
{
	size_t space = tcp_ring_space(r);

	if (n > space)
		n = space;
	if (n == 0 || !ring_reserve(r, r->len + n))
		return 0;
	ring_put(r, ring_pos(r, r->len), src, n);
	r->len += (uint32_t)n;
	return n;
}

bool tcp_ring_write_at(struct tcp_ring *r, size_t off, const void *src, size_t n)
{
	if (off > r->cap || n > r->cap - off)
		return false;
	if (n == 0)
		return true;
	if (!ring_reserve(r, off + n))
		return false;
	ring_put(r, ring_pos(r, off), src, n);
	return true;
}

size_t tcp_ring_copy_out(const struct tcp_ring *r, size_t off, void *dst, size_t n)
{
	if (off >= r->len)
		return 0;
	if (n > r->len - off)
		n = r->len - off;
	ring_get(r, ring_pos(r, off), dst, n);
	return n;
}

void tcp_ring_consume(struct tcp_ring *r, size_t n)
{
	if (n > r->len)
		n = r->len;
	/* head moves even when the ring empties: out-of-order bytes written past len
	 * keep their place relative to it. */
	r->head = (uint32_t)ring_pos(r, n);
	r->len -= (uint32_t)n;
}

int tcp_ring_resize(struct tcp_ring *r, size_t cap, size_t keep)
{
	if (keep > cap || keep > r->cap)
		return -EINVAL;
	if (!r->buf || keep == 0) {
		free(r->buf);                /* nothing to keep: storage comes with a byte */
		r->buf = NULL;
		r->size = 0;
		r->head = 0;
	} else if (r->size > cap && !ring_realloc(r, cap, keep)) {
		return -ENOMEM;              /* storage larger than the new bound: shrunk */
	}
	r->cap = (uint32_t)cap;
	return 0;
}

/* --- range sets --- */

void tcp_ranges_clear(struct tcp_ranges *s)
{
	free(s->r);
	s->r = NULL;
	s->n = 0;
	s->cap = 0;
}

/* Room for one more range; false when the set is full or the block cannot grow. */
static bool ranges_room(struct tcp_ranges *s)
{
	if (s->n < s->cap)
		return true;
	if (s->cap >= TCP_RANGES_MAX)
		return false;
	unsigned cap = s->cap ? s->cap * 2 : 4;
	if (cap > TCP_RANGES_MAX)
		cap = TCP_RANGES_MAX;
	struct tcp_range *nr = realloc(s->r, cap * sizeof(*nr));
	if (!nr)
		return false;
	s->r = nr;
	s->cap = cap;
	return true;
}

int tcp_ranges_add(struct tcp_ranges *s, uint32_t left, uint32_t right)
{
	unsigned i = 0, j;

	if (!SEQ_LT(left, right))
		return -1;
	/* First range that ends at or after left: everything before it is untouched. */
	while (i < s->n && SEQ_LT(s->r[i].right, left))
		i++;
	/* Ranges i..j-1 touch or overlap [left, right). */
	j = i;
	while (j < s->n && SEQ_LEQ(s->r[j].left, right))
		j++;
	if (j == i) {
		if (!ranges_room(s))
			return -1;
		memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(s->r[0]));
		s->r[i].left = left;
		s->r[i].right = right;
		s->n++;
		return (int)i;
	}
	s->r[i].left = seq_min(s->r[i].left, left);
	s->r[i].right = seq_max(s->r[j - 1].right, right);
	if (j - i > 1) {
		memmove(&s->r[i + 1], &s->r[j], (s->n - j) * sizeof(s->r[0]));
		s->n -= j - i - 1;
	}
	return (int)i;
}

void tcp_ranges_trim(struct tcp_ranges *s, uint32_t seq)
{
	unsigned i = 0;

	while (i < s->n && SEQ_LEQ(s->r[i].right, seq))
		i++;
	if (i) {
		memmove(&s->r[0], &s->r[i], (s->n - i) * sizeof(s->r[0]));
		s->n -= i;
	}
	if (s->n && SEQ_LT(s->r[0].left, seq))
		s->r[0].left = seq;
	if (s->n == 0)
		tcp_ranges_clear(s);
}

bool tcp_ranges_cut(struct tcp_ranges *s, uint32_t seq)
{
	unsigned n = s->n;
	bool cut = false;

	while (n && SEQ_GEQ(s->r[n - 1].left, seq))
		n--;
	if (n && SEQ_GT(s->r[n - 1].right, seq)) {
		s->r[n - 1].right = seq;
		cut = true;
	}
	cut |= n != s->n;
	s->n = n;
	if (n == 0)
		tcp_ranges_clear(s);
	return cut;
}

uint32_t tcp_ranges_bytes(const struct tcp_ranges *s)
{
	uint32_t b = 0;

	for (unsigned i = 0; i < s->n; i++)
		b += s->r[i].right - s->r[i].left;
	return b;
}
