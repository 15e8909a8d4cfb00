/* test_wire_csum.c - the Internet checksum (RFC 1071) and its update (RFC 1624):
 * the fast path against a byte-at-a-time reference on every length 0..2000 and
 * every alignment, RFC 1071's example, chaining, and incremental updates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/csum.h"

/* The textbook sum: big-endian 16-bit words, odd byte padded, folded at the end. */
static uint16_t ref_csum(const uint8_t *p, size_t len)
{
	uint64_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A small deterministic generator (xorshift32), so failures repeat. */
static uint32_t rnd(uint32_t *st)
{
	uint32_t x = *st;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *st = x;
}

static void test_rfc1071_example(void **state)
{
	(void)state;
	/* RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (folded) */
	const uint8_t ex[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(csum(ex, sizeof(ex)), (uint16_t)~0xddf2);
	assert_int_equal(csum_fold(csum_add(0, ex, sizeof(ex))), 0x220d);
}

static void test_empty_and_zero(void **state)
{
	(void)state;
	const uint8_t z[3] = { 0 };
	assert_int_equal(csum(z, 0), 0xffff);
	assert_int_equal(csum(z, 3), 0xffff);
	const uint8_t one[1] = { 0xab };
	assert_int_equal(csum(one, 1), (uint16_t)~0xab00);
}

static void test_fast_path_matches_reference(void **state)
{
	(void)state;
	static uint8_t buf[2000 + 16];
	uint32_t st = 0x12345678;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd(&st);
	for (size_t align = 0; align < 8; align++)
		for (size_t len = 0; len <= 2000; len++)
			if (csum(buf + align, len) != ref_csum(buf + align, len))
				fail_msg("len %zu align %zu: %04x != %04x", len, align,
					 csum(buf + align, len), ref_csum(buf + align, len));
}

static void test_all_ones_no_overflow(void **state)
{
	(void)state;
	static uint8_t buf[65536 + 1];
	memset(buf, 0xff, sizeof(buf));
	for (size_t len = 65530; len <= sizeof(buf); len++)
		assert_int_equal(csum(buf, len), ref_csum(buf, len));
	memset(buf, 0xfe, sizeof(buf));
	assert_int_equal(csum(buf + 1, 65535), ref_csum(buf + 1, 65535));
}

static void test_chaining_at_even_offsets(void **state)
{
	(void)state;
	uint8_t buf[301];
	uint32_t st = 99;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd(&st);
	for (size_t cut = 0; cut <= sizeof(buf); cut += 2) {
		uint32_t s = csum_add(0, buf, cut);
		s = csum_add(s, buf + cut, sizeof(buf) - cut);
		assert_int_equal(csum_fold(s), ref_csum(buf, sizeof(buf)));
	}
	/* a large incoming sum is carried correctly */
	uint32_t s = csum_add(0xfffffff0u, buf, 10);
	uint32_t r = csum_add(0, buf, 10);
	uint64_t t = (uint64_t)r + 0xfffffff0u;
	while (t >> 16)
		t = (t & 0xffff) + (t >> 16);
	assert_int_equal(csum_fold(s), (uint16_t)~t);
}

static void test_pseudo_header(void **state)
{
	(void)state;
	/* 10.99.0.1 -> 10.99.0.2 proto 17 len 19, the UDP golden datagram's pseudo-header */
	uint8_t ph[12] = { 10, 99, 0, 1, 10, 99, 0, 2, 0, 17, 0, 19 };
	assert_int_equal(csum_fold(csum_pseudo(0x0a630001, 0x0a630002, 17, 19)), ref_csum(ph, 12));
}

static void test_update16_rfc1624(void **state)
{
	(void)state;
	uint8_t buf[40];
	uint32_t st = 7;

	for (int iter = 0; iter < 20000; iter++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rnd(&st);
		size_t w = (rnd(&st) % 20) * 2;
		uint16_t old_sum = csum(buf, sizeof(buf));
		uint16_t old_word = be16_get(buf + w);
		uint16_t new_word = (uint16_t)rnd(&st);
		if (iter % 3 == 0)
			new_word = 0;
		be16_put(buf + w, new_word);
		uint16_t want = csum(buf, sizeof(buf));
		uint16_t got = csum_update16(old_sum, old_word, new_word);
		/* 0x0000 and 0xffff are the same ones' complement number */
		if (got != want && !((got == 0 || got == 0xffff) && (want == 0 || want == 0xffff)))
			fail_msg("iter %d: %04x != %04x", iter, got, want);
	}
	/* RFC 1624 section 4 example: HC 0xdd2f, m 0x5555 -> m' 0x3285 gives 0x0000 */
	assert_int_equal(csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

static void test_ttl_decrement_keeps_header_valid(void **state)
{
	(void)state;
	/* the ICMP echo request's IPv4 header from the golden capture */
	uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x2c, 0x3c, 0x8d, 0x40, 0x00, 0x40, 0x01,
			   0xe9, 0x7b, 0x0a, 0x63, 0x00, 0x01, 0x0a, 0x63, 0x00, 0x02 };
	assert_int_equal(csum(ip, 20), 0);
	uint16_t old = be16_get(ip + 8);
	ip[8]--;
	be16_put(ip + 10, csum_update16(be16_get(ip + 10), old, be16_get(ip + 8)));
	assert_int_equal(csum(ip, 20), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_empty_and_zero),
		cmocka_unit_test(test_fast_path_matches_reference),
		cmocka_unit_test(test_all_ones_no_overflow),
		cmocka_unit_test(test_chaining_at_even_offsets),
		cmocka_unit_test(test_pseudo_header),
		cmocka_unit_test(test_update16_rfc1624),
		cmocka_unit_test(test_ttl_decrement_keeps_header_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
