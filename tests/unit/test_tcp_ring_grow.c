/* test_tcp_ring_grow.c - the byte ring's storage growing under wrapped contents: the
 * ring grows its storage in place (realloc) and moves only the bytes that had wrapped
 * to the front. Checked against a plain linear model over seeded random operations
 * (appends, out-of-order writes past len, consumes, bound raises), so that growth hits
 * both cases: the wrapped bytes fit after the old end, and they do not (the new size
 * clipped by a bound less than twice the old) and wrap again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_buf.h"

#define MODEL_MAX (1u << 20)

struct model {
	uint8_t b[MODEL_MAX];   /* byte at offset i from the ring's head */
	uint8_t known[MODEL_MAX];
	size_t len;
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void check(const struct tcp_ring *r, const struct model *m, size_t upto)
{
	static uint8_t out[MODEL_MAX];

	/* every byte the model knows, in order and past len (out-of-order text) */
	assert_int_equal(r->len, m->len);
	if (m->len) {
		assert_int_equal(tcp_ring_copy_out(r, 0, out, m->len), m->len);
		assert_memory_equal(out, m->b, m->len);
	}
	for (size_t i = m->len; i < upto; i++) {
		if (!m->known[i])
			continue;
		size_t pos = r->head + i;

		if (pos >= r->size)
			pos -= r->size;
		assert_int_equal(r->buf[pos], m->b[i]);
	}
}

static void test_grow_keeps_wrapped_bytes(void **state)
{
	static struct model m;
	static uint8_t src[65536];
	struct tcp_ring r;
	size_t grows = 0, clipped = 0, rewrapped = 0;

	(void)state;
	memset(&m, 0, sizeof(m));
	tcp_ring_init(&r, 3000);
	for (int step = 0; step < 20000; step++) {
		uint32_t op = rnd(10);
		size_t old_size = r.size, old_head = r.head, old_len = m.len;

		if (op < 4) {                                 /* append */
			size_t n = 1 + rnd(4000);

			for (size_t i = 0; i < n; i++)
				src[i] = (uint8_t)rnd(256);
			size_t got = tcp_ring_append(&r, src, n);
			memcpy(m.b + m.len, src, got);
			memset(m.known + m.len, 1, got);
			m.len += got;
		} else if (op < 6) {                          /* out of order, past len */
			size_t off = m.len + rnd(3000), n = 1 + rnd(2000);

			for (size_t i = 0; i < n; i++)
				src[i] = (uint8_t)rnd(256);
			if (tcp_ring_write_at(&r, off, src, n)) {
				memcpy(m.b + off, src, n);
				memset(m.known + off, 1, n);
			}
		} else if (op < 9) {                          /* consume */
			size_t n = rnd((uint32_t)m.len + 1);

			tcp_ring_consume(&r, n);
			memmove(m.b, m.b + n, MODEL_MAX - n);
			memmove(m.known, m.known + n, MODEL_MAX - n);
			memset(m.known + MODEL_MAX - n, 0, n);
			m.len -= n;
		} else if (r.cap < 400000) {                  /* the bound rises (auto-tuning) */
			r.cap += 1 + rnd(rnd(2) ? r.cap : 500);
		}
		if (r.size > old_size && old_size) {
			grows++;
			if (r.size < 2 * old_size)
				clipped++;
			if (old_head + old_len > r.size)
				rewrapped++;                  /* held bytes wrap again */
		}
		check(&r, &m, r.cap < MODEL_MAX ? r.cap : MODEL_MAX);
	}
	/* the run did exercise growth, clipped growth included */
	assert_true(grows >= 5);
	assert_true(clipped >= 2);
	(void)rewrapped;
	tcp_ring_free(&r);
}

/* The directed case: 4096 bytes of storage, head at 3000, 4000 bytes held (1000 of
 * them wrapped to the front), the bound raised to 5000: growing to 5000 leaves room
 * for 904 of the wrapped bytes after the old end; the other 96 wrap to the front. */
static void test_grow_wraps_again(void **state)
{
	static uint8_t src[8192], out[8192];
	struct tcp_ring r;

	(void)state;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + i / 251);
	tcp_ring_init(&r, 4096);
	assert_int_equal(tcp_ring_append(&r, src, 4096), 4096);
	assert_int_equal(r.size, 4096);
	tcp_ring_consume(&r, 3000);
	assert_int_equal(tcp_ring_append(&r, src + 4096, 2904), 2904);   /* 4000 held */
	assert_int_equal(r.head, 3000);
	r.cap = 5000;
	assert_int_equal(tcp_ring_append(&r, src + 7000, 1000), 1000);
	assert_int_equal(r.size, 5000);
	assert_int_equal(tcp_ring_copy_out(&r, 0, out, sizeof(out)), 5000);
	assert_memory_equal(out, src + 3000, 5000);
	tcp_ring_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_keeps_wrapped_bytes),
		cmocka_unit_test(test_grow_wraps_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
