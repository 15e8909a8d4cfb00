/* test_wire_udp.c - the UDP header (RFC 768) on a captured datagram: fields, the
 * pseudo-header checksum, round trip, zero checksum, truncation and bad lengths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/udp.h"
#include "wire/csum.h"
#include "test_wire_golden.h"

#define UDP_P (udp_dgram + GOLD_L4)
#define UDP_N (sizeof(udp_dgram) - GOLD_L4)

static void test_udp_parse_golden(void **state)
{
	(void)state;
	struct udp_repr r;

	assert_int_equal(udp_parse(UDP_P, UDP_N, GOLD_IP_A, GOLD_IP_B, &r, true), WIRE_OK);
	assert_int_equal(r.sport, 40000);
	assert_int_equal(r.dport, 9999);
	assert_int_equal(r.len, 19);
	assert_int_equal(r.csum, 0x4b8a);
	assert_memory_equal(UDP_P + UDP_HDR_LEN, "ustack udp\n", 11);
	/* the wrong pseudo-header (swapped is the same sum; another address is not) */
	assert_int_equal(udp_parse(UDP_P, UDP_N, GOLD_IP_B, GOLD_IP_A, &r, true), WIRE_OK);
	assert_int_equal(udp_parse(UDP_P, UDP_N, GOLD_IP_A, GOLD_IP_B + 1, &r, true), WIRE_BAD_CSUM);
}

static void test_udp_round_trip(void **state)
{
	(void)state;
	struct udp_repr r;
	uint8_t out[64];

	assert_int_equal(udp_parse(UDP_P, UDP_N, GOLD_IP_A, GOLD_IP_B, &r, true), WIRE_OK);
	memset(out, 0xee, sizeof(out));
	memcpy(out + UDP_HDR_LEN, UDP_P + UDP_HDR_LEN, r.len - UDP_HDR_LEN);
	udp_emit(&r, out, r.len - UDP_HDR_LEN, GOLD_IP_A, GOLD_IP_B);
	assert_memory_equal(out, UDP_P, UDP_N);
}

static void test_udp_zero_checksum(void **state)
{
	(void)state;
	uint8_t p[32];
	struct udp_repr r;

	memcpy(p, UDP_P, UDP_N);
	be16_put(p + 6, 0);   /* "no checksum" */
	assert_int_equal(udp_parse(p, UDP_N, GOLD_IP_A, GOLD_IP_B, &r, true), WIRE_OK);
	assert_int_equal(r.csum, 0);
	p[10] ^= 0xff;
	assert_int_equal(udp_parse(p, UDP_N, GOLD_IP_A, GOLD_IP_B, &r, true), WIRE_OK);
}

static void test_udp_computed_zero_sent_as_ffff(void **state)
{
	(void)state;
	/* choose a payload word that makes the computed sum 0; it must go out as 0xffff */
	uint8_t p[10] = { 0 };
	struct udp_repr r = { .sport = 1, .dport = 2 };

	udp_emit(&r, p, 2, 0x0a000001, 0x0a000002);
	uint16_t c = be16_get(p + 6);
	be16_put(p + 8, c == 0xffff ? 0 : c);    /* adding ~sum makes the total sum 0xffff */
	udp_emit(&r, p, 2, 0x0a000001, 0x0a000002);
	assert_int_equal(be16_get(p + 6), 0xffff);
	assert_int_equal(udp_parse(p, sizeof(p), 0x0a000001, 0x0a000002, &r, true), WIRE_OK);
}

static void test_udp_truncation_and_lengths(void **state)
{
	(void)state;
	uint8_t p[32];
	struct udp_repr r;

	for (size_t len = 0; len < UDP_N; len++)
		assert_int_not_equal(udp_parse(UDP_P, len, GOLD_IP_A, GOLD_IP_B, &r, false), WIRE_OK);

	memcpy(p, UDP_P, UDP_N);
	for (uint16_t l = 0; l < UDP_HDR_LEN; l++) {
		be16_put(p + 4, l);
		assert_int_equal(udp_parse(p, UDP_N, GOLD_IP_A, GOLD_IP_B, &r, false), WIRE_BAD_LEN);
	}
	be16_put(p + 4, (uint16_t)(UDP_N + 1));
	assert_int_equal(udp_parse(p, UDP_N, GOLD_IP_A, GOLD_IP_B, &r, false), WIRE_TRUNCATED);

	/* a shorter length field inside a longer buffer is fine: payload is buf[8 .. len) */
	memcpy(p, UDP_P, UDP_N);
	be16_put(p + 4, 8);
	assert_int_equal(udp_parse(p, UDP_N, GOLD_IP_A, GOLD_IP_B, &r, false), WIRE_OK);
	assert_int_equal(r.len, 8);
}

static void test_udp_bad_checksum(void **state)
{
	(void)state;
	uint8_t p[32];
	struct udp_repr r;

	for (size_t byte = 0; byte < UDP_N; byte++) {
		if (byte == 4 || byte == 5)
			continue;
		memcpy(p, UDP_P, UDP_N);
		p[byte] ^= 0x04;
		assert_int_equal(udp_parse(p, UDP_N, GOLD_IP_A, GOLD_IP_B, &r, true), WIRE_BAD_CSUM);
		assert_int_equal(udp_parse(p, UDP_N, GOLD_IP_A, GOLD_IP_B, &r, false), WIRE_OK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_parse_golden),
		cmocka_unit_test(test_udp_round_trip),
		cmocka_unit_test(test_udp_zero_checksum),
		cmocka_unit_test(test_udp_computed_zero_sent_as_ffff),
		cmocka_unit_test(test_udp_truncation_and_lengths),
		cmocka_unit_test(test_udp_bad_checksum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
