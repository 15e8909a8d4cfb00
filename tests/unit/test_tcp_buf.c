/* test_tcp_buf.c - the byte ring (append, wrap, writes past the end for out-of-order
 * data, consume, resize keeping contents) and the sequence range sets (insert, merge,
 * adjacency, full set, trim, wrap-around of sequence numbers), and tcp_seq.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tcp/tcp_buf.h"
#include "tcp/tcp_seq.h"

static void test_seq(void **state)
{
	(void)state;
	assert_true(SEQ_LT(0xfffffff0u, 0x10u));          /* across the wrap */
	assert_true(SEQ_GT(0x10u, 0xfffffff0u));
	assert_true(SEQ_LEQ(5u, 5u));
	assert_true(SEQ_GEQ(5u, 5u));
	assert_false(SEQ_LT(5u, 5u));
	assert_int_equal(seq_max(0xfffffff0u, 0x10u), 0x10u);
	assert_int_equal(seq_min(0xfffffff0u, 0x10u), 0xfffffff0u);
	assert_true(seq_in(0u, 0xffffff00u, 0x100u));
	assert_false(seq_in(0x100u, 0xffffff00u, 0x100u));
}

static void test_ring(void **state)
{
	struct tcp_ring r;
	uint8_t out[16];

	(void)state;
	tcp_ring_init(&r, 10);
	assert_null(r.buf);                                /* storage on first use */
	assert_int_equal(tcp_ring_append(&r, "abcdefgh", 8), 8);
	assert_int_equal(tcp_ring_append(&r, "XYZ", 3), 2);  /* only what fits */
	assert_int_equal(tcp_ring_space(&r), 0);
	tcp_ring_consume(&r, 6);
	assert_int_equal(tcp_ring_append(&r, "12345", 5), 5);   /* wraps */
	assert_int_equal(tcp_ring_copy_out(&r, 0, out, sizeof(out)), 9);
	assert_memory_equal(out, "ghXY12345", 9);
	assert_int_equal(tcp_ring_copy_out(&r, 3, out, 3), 3);
	assert_memory_equal(out, "Y12", 3);
	/* out-of-order: write past len, then extend over it */
	tcp_ring_consume(&r, 9);
	assert_true(tcp_ring_write_at(&r, 3, "DEF", 3));
	assert_false(tcp_ring_write_at(&r, 8, "toolong", 7));
	assert_true(tcp_ring_write_at(&r, 0, "ABC", 3));
	tcp_ring_extend(&r, 6);
	assert_int_equal(tcp_ring_copy_out(&r, 0, out, sizeof(out)), 6);
	assert_memory_equal(out, "ABCDEF", 6);
	/* resize keeps the bytes, in order, wrapped or not */
	assert_int_equal(tcp_ring_resize(&r, 20, r.len), 0);
	assert_int_equal(r.cap, 20);
	assert_int_equal(tcp_ring_copy_out(&r, 0, out, sizeof(out)), 6);
	assert_memory_equal(out, "ABCDEF", 6);
	assert_int_not_equal(tcp_ring_resize(&r, 3, r.len), 0);
	tcp_ring_free(&r);
	/* release: storage goes only when nothing is held, and comes back on the next byte */
	tcp_ring_init(&r, 8);
	tcp_ring_release(&r);
	assert_null(r.buf);
	assert_int_equal(tcp_ring_append(&r, "abc", 3), 3);
	tcp_ring_release(&r);
	assert_non_null(r.buf);                              /* 3 bytes held: kept */
	tcp_ring_consume(&r, 3);
	tcp_ring_release(&r);
	assert_null(r.buf);
	assert_int_equal(r.cap, 8);                          /* the bound is unchanged */
	assert_int_equal(tcp_ring_append(&r, "defghijkl", 9), 8);
	assert_int_equal(tcp_ring_copy_out(&r, 0, out, sizeof(out)), 8);
	assert_memory_equal(out, "defghijk", 8);
	tcp_ring_free(&r);
}

/* Storage starts small and doubles as needed, up to cap; every byte (and bytes written
 * past len) keeps its offset across a growth, also when the ring had wrapped. */
static void test_ring_grows(void **state)
{
	static uint8_t in[100000], out[100000];
	struct tcp_ring r;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 31 + 7);
	tcp_ring_init(&r, 100000);
	assert_int_equal(tcp_ring_append(&r, in, 10), 10);
	assert_int_equal(r.size, TCP_RING_FIRST);
	tcp_ring_consume(&r, 5);                             /* head moves */
	assert_int_equal(tcp_ring_append(&r, in + 10, TCP_RING_FIRST - 10), TCP_RING_FIRST - 10);
	assert_int_equal(r.size, TCP_RING_FIRST);            /* wrapped, still fits */
	assert_int_equal(tcp_ring_append(&r, in + TCP_RING_FIRST, 3000), 3000);
	assert_int_equal(r.size, 4 * TCP_RING_FIRST);        /* doubled twice */
	size_t held = TCP_RING_FIRST - 5 + 3000;
	assert_int_equal(r.len, held);
	/* out-of-order bytes far past len grow it again; what was held is intact */
	assert_true(tcp_ring_write_at(&r, 30000, in + 30005, 5000));
	assert_int_equal(r.size, 32 * TCP_RING_FIRST);
	assert_int_equal(tcp_ring_copy_out(&r, 0, out, sizeof(out)), held);
	assert_memory_equal(out, in + 5, held);
	assert_true(tcp_ring_write_at(&r, held, in + 5 + held, 30000 - held));
	tcp_ring_extend(&r, 35000 - held);
	/* a growth while the ring has wrapped keeps every byte too */
	tcp_ring_consume(&r, 30000);                         /* head 30000, in[30005..35005) */
	assert_true(tcp_ring_write_at(&r, 5000, in + 35005, 30000));
	assert_true(tcp_ring_write_at(&r, 35000, in + 65005, 3000));  /* across the wrap */
	assert_int_equal(r.size, 32 * TCP_RING_FIRST);
	assert_true(tcp_ring_write_at(&r, 38000, in + 68005, 30000)); /* needs a growth */
	assert_int_equal(r.size, 100000);                    /* capped */
	tcp_ring_extend(&r, 68000 - 5000);
	assert_int_equal(tcp_ring_copy_out(&r, 0, out, sizeof(out)), 68000);
	assert_memory_equal(out, in + 30005, 68000);
	/* never past cap */
	tcp_ring_free(&r);
	tcp_ring_init(&r, 3000);
	assert_int_equal(tcp_ring_append(&r, in, 2500), 2500);
	assert_int_equal(r.size, 3000);
	/* a bound below the storage shrinks it, keeping what is held */
	tcp_ring_consume(&r, 2000);
	assert_int_equal(tcp_ring_resize(&r, 2048, r.len), 0);
	assert_int_equal(r.size, 2048);
	assert_int_equal(tcp_ring_copy_out(&r, 0, out, sizeof(out)), 500);
	assert_memory_equal(out, in + 2000, 500);
	tcp_ring_free(&r);
}

static void test_ranges(void **state)
{
	struct tcp_ranges s = { .n = 0 };

	(void)state;
	assert_int_equal(tcp_ranges_add(&s, 100, 200), 0);
	assert_int_equal(tcp_ranges_add(&s, 300, 400), 1);
	assert_int_equal(tcp_ranges_add(&s, 10, 20), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(tcp_ranges_add(&s, 200, 300), 1);   /* adjacent on both sides */
	assert_int_equal(s.n, 2);
	assert_int_equal(s.r[1].left, 100);
	assert_int_equal(s.r[1].right, 400);
	assert_int_equal(tcp_ranges_add(&s, 5, 500), 0);     /* swallows everything */
	assert_int_equal(s.n, 1);
	assert_int_equal(tcp_ranges_bytes(&s), 495);
	tcp_ranges_trim(&s, 100);
	assert_int_equal(s.r[0].left, 100);
	tcp_ranges_trim(&s, 600);
	assert_int_equal(s.n, 0);
	assert_null(s.r);                                    /* an empty set holds no block */
	assert_int_equal(tcp_ranges_add(&s, 7, 7), -1);      /* empty */
	assert_null(s.r);
	/* full set: a new disjoint range is refused, one that touches merges */
	for (uint32_t i = 0; i < TCP_RANGES_MAX; i++)
		assert_true(tcp_ranges_add(&s, i * 10, i * 10 + 5) >= 0);
	assert_int_equal(s.cap, TCP_RANGES_MAX);             /* grown from 4 */
	assert_int_equal(tcp_ranges_add(&s, 1000, 1005), -1);
	assert_int_equal(tcp_ranges_add(&s, 5, 10), 0);
	assert_int_equal(s.n, TCP_RANGES_MAX - 1);
	for (unsigned i = 1; i < s.n; i++)                   /* sorted, disjoint */
		assert_true(s.r[i - 1].right < s.r[i].left);
	assert_int_equal(s.r[0].left, 0);
	assert_int_equal(s.r[0].right, 15);
	assert_int_equal(s.r[s.n - 1].right, (TCP_RANGES_MAX - 1) * 10 + 5);
	/* across the sequence wrap */
	tcp_ranges_clear(&s);
	assert_int_equal(tcp_ranges_add(&s, 0x10, 0x20), 0);
	assert_int_equal(tcp_ranges_add(&s, 0xfffffff0u, 0x5), 0);
	assert_int_equal(tcp_ranges_add(&s, 0x5, 0x10), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(tcp_ranges_bytes(&s), 0x30);
	/* cut: everything at or above a point goes, a range across it is shortened */
	tcp_ranges_clear(&s);
	tcp_ranges_add(&s, 10, 20);
	tcp_ranges_add(&s, 30, 40);
	tcp_ranges_add(&s, 50, 60);
	assert_false(tcp_ranges_cut(&s, 60));
	assert_int_equal(s.n, 3);
	assert_true(tcp_ranges_cut(&s, 35));
	assert_int_equal(s.n, 2);
	assert_int_equal(s.r[1].right, 35);
	assert_true(tcp_ranges_cut(&s, 30));
	assert_int_equal(s.n, 1);
	assert_true(tcp_ranges_cut(&s, 0xfffffff0u));            /* before 10, across the wrap */
	assert_int_equal(s.n, 0);
	assert_null(s.r);
	assert_false(tcp_ranges_cut(&s, 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_ring_grows),
		cmocka_unit_test(test_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
