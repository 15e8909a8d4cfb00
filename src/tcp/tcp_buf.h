/* tcp_buf.h - the byte rings behind a connection's send and receive buffers, and the
 * small sorted sets of sequence ranges used for out-of-order data (receiver) and the
 * SACK scoreboard (sender).
 *
 * A ring holds `len` bytes starting `head` bytes into its storage. Storage is
 * allocated on first use, small, grows as the bytes held need (never past `cap`), and
 * is given back when the ring drains (tcp_ring_release), so
 * listeners, idle and TIME_WAIT connections cost no buffer; `cap` (SO_SNDBUF /
 * SO_RCVBUF) is only the bound. The receiver also writes out-of-order bytes past `len`
 * (at the offset their sequence number gives) and extends `len` over them once the
 * gap before them is filled.
 *
 * A range set keeps its ranges in a heap block that grows on demand (up to
 * TCP_RANGES_MAX) and is freed whenever the set becomes empty, so an idle connection
 * holds none. */
#ifndef USTACK_TCP_TCP_BUF_H
#define USTACK_TCP_TCP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tcp_ring {
	uint8_t *buf;    /* size bytes; NULL (size 0) while nothing is held */
	uint32_t cap;    /* bytes the ring may hold (TCP_MAX_BUF at most) */
	uint32_t size;   /* bytes of storage: grows by doubling, up to cap */
	uint32_t head;   /* offset of the first byte in buf */
	uint32_t len;    /* bytes held */
};

#define TCP_RING_FIRST 2048u   /* the first block of storage (less if cap is less) */

void tcp_ring_init(struct tcp_ring *r, size_t cap);
void tcp_ring_free(struct tcp_ring *r);
static inline size_t tcp_ring_space(const struct tcp_ring *r) { return r->cap - r->len; }
/* Appends up to n bytes (as many as fit); returns how many, 0 if storage failed. */
size_t tcp_ring_append(struct tcp_ring *r, const void *src, size_t n);
/* Writes n bytes at offset off from head, past len (off + n <= cap); len unchanged.
 * Returns false if storage could not be allocated. */
bool tcp_ring_write_at(struct tcp_ring *r, size_t off, const void *src, size_t n);
/* Copies up to n bytes from offset off (off <= len); returns how many. */
size_t tcp_ring_copy_out(const struct tcp_ring *r, size_t off, void *dst, size_t n);
/* Drops n <= len bytes from the front. */
void tcp_ring_consume(struct tcp_ring *r, size_t n);
/* The caller knows nothing lies past len (no out-of-order bytes): if the ring is
 * empty, its storage goes back (the next byte allocates it again). Called where a ring
 * drains, never on a timer, so a busy connection does not allocate over and over. */
void tcp_ring_release(struct tcp_ring *r);
/* Counts n bytes written past len by tcp_ring_write_at as held (n <= cap - len). */
static inline void tcp_ring_extend(struct tcp_ring *r, size_t n) { r->len += n; }
/* A new capacity keeping the first `keep` bytes (len plus any out-of-order extent);
 * cap >= keep. Returns 0 or -ENOMEM. */
int tcp_ring_resize(struct tcp_ring *r, size_t cap, size_t keep);

/* --- sorted, disjoint, non-adjacent sets of [left, right) sequence ranges --- */
#define TCP_RANGES_MAX 32

struct tcp_range { uint32_t left, right; };
struct tcp_ranges {
	struct tcp_range *r;   /* n ranges in a block of cap; NULL while n == 0 */
	unsigned n, cap;
};

/* Adds [left, right), merging with what it touches. Returns the index of the range
 * now holding it, or -1 when the set is full (or its block cannot grow) and it
 * touches nothing (not added). */
int tcp_ranges_add(struct tcp_ranges *s, uint32_t left, uint32_t right);
/* Forgets everything below seq (ranges are cut at seq). */
void tcp_ranges_trim(struct tcp_ranges *s, uint32_t seq);
/* Forgets everything at or above seq (ranges are cut at seq). Returns true when
 * anything was forgotten. */
bool tcp_ranges_cut(struct tcp_ranges *s, uint32_t seq);
/* Bytes covered. */
uint32_t tcp_ranges_bytes(const struct tcp_ranges *s);
/* Empties the set and frees its block. */
void tcp_ranges_clear(struct tcp_ranges *s);

#endif
