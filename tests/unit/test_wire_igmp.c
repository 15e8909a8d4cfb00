/* test_wire_igmp.c - IGMP messages (RFC 2236, RFC 3376) against the bytes Linux puts
 * on the wire for mDNS's group 224.0.0.251 (v2 report, v2 leave, v3 TO_EX report) and
 * a Linux querier's queries (v2 general, v3 general with QRV 2 and QQIC 125): emit
 * gives the same bytes, parse reads them back, and broken lengths and checksums are
 * refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/igmp.h"
#include "wire/csum.h"

#define MDNS 0xe00000fbu
static const uint8_t v2_report[8] = { 0x16, 0x00, 0x09, 0x04, 0xe0, 0x00, 0x00, 0xfb };
static const uint8_t v2_leave[8] = { 0x17, 0x00, 0x08, 0x04, 0xe0, 0x00, 0x00, 0xfb };
static const uint8_t v2_query[8] = { 0x11, 0x64, 0xee, 0x9b, 0x00, 0x00, 0x00, 0x00 };
static const uint8_t v3_report[16] = { 0x22, 0x00, 0xf9, 0x02, 0x00, 0x00, 0x00, 0x01,
				       0x04, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00, 0xfb };
static const uint8_t v3_query[12] = { 0x11, 0x64, 0xec, 0x1e, 0x00, 0x00, 0x00, 0x00,
				      0x02, 0x7d, 0x00, 0x00 };

static void test_emit_golden(void **state)
{
	(void)state;
	uint8_t b[16];

	assert_int_equal(igmp_emit_v2(IGMP_V2_REPORT, 0, MDNS, b), 8);
	assert_memory_equal(b, v2_report, 8);
	assert_int_equal(igmp_emit_v2(IGMP_V2_LEAVE, 0, MDNS, b), 8);
	assert_memory_equal(b, v2_leave, 8);
	assert_int_equal(igmp_emit_v2(IGMP_QUERY, 100, 0, b), 8);
	assert_memory_equal(b, v2_query, 8);
	assert_int_equal(igmp_emit_v3_report(IGMP_CHANGE_TO_EXCLUDE, MDNS, b), 16);
	assert_memory_equal(b, v3_report, 16);
	assert_int_equal(csum(b, 16), 0);
	assert_int_equal(igmp_emit_v3_query(100, 0, b), 12);
	assert_memory_equal(b, v3_query, 12);
	/* a leave record differs in type and checksum only */
	igmp_emit_v3_report(IGMP_CHANGE_TO_INCLUDE, MDNS, b);
	assert_int_equal(b[8], 3);
	assert_int_equal(csum(b, 16), 0);
}

static void test_parse_golden(void **state)
{
	(void)state;
	struct igmp_repr r;

	assert_int_equal(igmp_parse(v2_report, 8, &r), WIRE_OK);
	assert_int_equal(r.type, IGMP_V2_REPORT);
	assert_int_equal(r.group, MDNS);
	assert_int_equal(igmp_parse(v2_leave, 8, &r), WIRE_OK);
	assert_int_equal(r.type, IGMP_V2_LEAVE);
	assert_int_equal(igmp_parse(v2_query, 8, &r), WIRE_OK);
	assert_int_equal(r.type, IGMP_QUERY);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.group, 0);
	assert_int_equal(igmp_max_resp_us(&r), 10000000u);
	assert_int_equal(igmp_parse(v3_query, 12, &r), WIRE_OK);
	assert_int_equal(r.version, 3);
	assert_int_equal(r.n_sources, 0);
	assert_int_equal(igmp_max_resp_us(&r), 10000000u);
	assert_int_equal(igmp_parse(v3_report, 16, &r), WIRE_OK);
	assert_int_equal(r.type, IGMP_V3_REPORT);
	assert_int_equal(r.n_sources, 1);
	assert_int_equal(r.rec_type, IGMP_CHANGE_TO_EXCLUDE);
	assert_int_equal(r.group, MDNS);
}

static void test_max_resp_codes(void **state)
{
	(void)state;
	uint8_t b[12];
	struct igmp_repr r;

	/* v1: code 0 means 10 s */
	igmp_emit_v2(IGMP_QUERY, 0, 0, b);
	assert_int_equal(igmp_parse(b, 8, &r), WIRE_OK);
	assert_int_equal(r.version, 1);
	assert_int_equal(igmp_max_resp_us(&r), 10000000u);
	/* v3 floating point: 0x8a = exp 0, mant 10: (16 + 10) << 3 = 208 tenths */
	igmp_emit_v3_query(0x8a, 0xef010203u, b);
	assert_int_equal(igmp_parse(b, 12, &r), WIRE_OK);
	assert_int_equal(r.group, 0xef010203u);
	assert_int_equal(igmp_max_resp_us(&r), 20800000u);
	/* the largest: 0xff = (16 + 15) << 10 tenths */
	igmp_emit_v3_query(0xff, 0, b);
	igmp_parse(b, 12, &r);
	assert_int_equal(igmp_max_resp_us(&r), 31744ull * 100000u);
	/* v3 with a small code: linear */
	igmp_emit_v3_query(25, 0, b);
	igmp_parse(b, 12, &r);
	assert_int_equal(igmp_max_resp_us(&r), 2500000u);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct igmp_repr r;
	uint8_t b[32];

	assert_int_equal(igmp_parse(v2_report, 7, &r), WIRE_TRUNCATED);
	assert_int_equal(igmp_parse(v2_report, 0, &r), WIRE_TRUNCATED);
	for (size_t i = 0; i < 8; i++) {
		memcpy(b, v2_report, 8);
		b[i] ^= 0x10;
		assert_int_equal(igmp_parse(b, 8, &r), WIRE_BAD_CSUM);
	}
	/* a query of 9..11 bytes is neither v2 nor v3 (checksum made right) */
	memset(b, 0, sizeof(b));
	b[0] = IGMP_QUERY;
	b[1] = 10;
	be16_put(b + 2, csum(b, 10));
	assert_int_equal(igmp_parse(b, 10, &r), WIRE_BAD_LEN);
	/* a v3 query announcing 2 sources with room for 1 */
	igmp_emit_v3_query(10, 0, b);
	be16_put(b + 2, 0);
	be16_put(b + 10, 2);
	be16_put(b + 2, csum(b, 16));
	assert_int_equal(igmp_parse(b, 16, &r), WIRE_BAD_LEN);
	/* a v3 report announcing 2 records with one */
	memcpy(b, v3_report, 16);
	be16_put(b + 2, 0);
	be16_put(b + 6, 2);
	be16_put(b + 2, csum(b, 16));
	assert_int_equal(igmp_parse(b, 16, &r), WIRE_BAD_LEN);
	/* a record whose sources run past the end */
	memcpy(b, v3_report, 16);
	be16_put(b + 2, 0);
	be16_put(b + 10, 1);
	be16_put(b + 2, csum(b, 16));
	assert_int_equal(igmp_parse(b, 16, &r), WIRE_BAD_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emit_golden),
		cmocka_unit_test(test_parse_golden),
		cmocka_unit_test(test_max_resp_codes),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
