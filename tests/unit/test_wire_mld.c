/* test_wire_mld.c - MLDv1 messages (RFC 2710 3) for MLDv1 compatibility (RFC 3810 8):
 * a report and a done captured from Linux (force_mld_version=1, fe80::ff:fe00:a joining
 * and leaving ff05::1:3 in a throwaway namespace) read and written again byte for byte
 * with their checksums; a v2 query's QRV and QQIC (RFC 3810 5.1.8, 5.1.9) in both QQIC
 * forms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/ip_addr.h"
#include "wire/icmp6.h"
#include "wire/mld.h"

/* Ethernet 14, IPv6 40, hop-by-hop with Router Alert 8, MLD 24 */
#define L4 (14 + 40 + 8)

/* fe80::ff:fe00:a -> ff05::1:3 MLDv1 report of ff05::1:3 */
static const uint8_t linux_v1_report[86] = {
	0x33, 0x33, 0x00, 0x01, 0x00, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x20, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xff, 0xfe, 0x00, 0x00, 0x0a, 0xff, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00, 0x83, 0x00,
	0x81, 0x0e, 0x00, 0x00, 0x00, 0x00, 0xff, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x03,
};

/* fe80::ff:fe00:a -> ff02::2 MLDv1 done of ff05::1:3 */
static const uint8_t linux_v1_done[86] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x20, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xff, 0xfe, 0x00, 0x00, 0x0a, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00, 0x84, 0x00,
	0x80, 0x13, 0x00, 0x00, 0x00, 0x00, 0xff, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x03,
};

static void check_v1(const uint8_t *frame, uint8_t type)
{
	const uint8_t *src = frame + 14 + 8, *dst = frame + 14 + 24, *m = frame + L4;
	struct icmp6_repr ir;
	struct mld_repr r;
	uint8_t group[16], out[64];

	assert_int_equal(ip6_pton("ff05::1:3", group), 0);
	assert_int_equal(icmp6_parse(m, MLD_V1_LEN, src, dst, &ir, true), WIRE_OK);
	assert_int_equal(mld_parse(m, MLD_V1_LEN, &r), WIRE_OK);
	assert_int_equal(r.type, type);
	assert_int_equal(r.version, 1);
	assert_memory_equal(r.group, group, 16);
	/* written again, byte for byte (the checksum too) */
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(mld1_emit(type, group, out, sizeof(out), src, dst), MLD_V1_LEN);
	assert_memory_equal(out, m, MLD_V1_LEN);
	assert_int_equal(out[MLD_V1_LEN], 0xaa);
	assert_int_equal(mld1_emit(type, group, out, MLD_V1_LEN - 1, src, dst), 0);
	/* short: truncated */
	assert_int_equal(mld_parse(m, MLD_V1_LEN - 1, &r), WIRE_TRUNCATED);
}

static void test_v1_report(void **state)
{
	(void)state;
	check_v1(linux_v1_report, ICMP6_MLD_REPORT);
	/* the report goes to the group it reports */
	assert_memory_equal(linux_v1_report + 14 + 24, linux_v1_report + L4 + 8, 16);
}

static void test_v1_done(void **state)
{
	(void)state;
	uint8_t all_routers[16];

	check_v1(linux_v1_done, ICMP6_MLD_DONE);
	assert_int_equal(ip6_pton("ff02::2", all_routers), 0);
	assert_memory_equal(linux_v1_done + 14 + 24, all_routers, 16);
}

static void test_v2_query_qrv_qqic(void **state)
{
	(void)state;
	uint8_t q[28] = { ICMP6_MLD_QUERY, 0, 0, 0, 0x03, 0xe8 };
	struct mld_repr r;

	/* S flag and QRV share a byte: QRV is the low 3 bits */
	q[24] = 0x08 | 3;
	q[25] = 125;
	assert_int_equal(mld_parse(q, sizeof(q), &r), WIRE_OK);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.qrv, 3);
	assert_int_equal(mld_qqi_s(&r), 125);
	assert_int_equal(mld_max_resp_ms(&r), 1000);
	/* QQIC >= 128: (mant | 0x10) << (exp + 3); 0x8a: exp 0, mant 10 -> 26 << 3 = 208 */
	q[25] = 0x8a;
	assert_int_equal(mld_parse(q, sizeof(q), &r), WIRE_OK);
	assert_int_equal(mld_qqi_s(&r), 208);
	q[25] = 0xff;                      /* exp 7, mant 15: 31 << 10 */
	assert_int_equal(mld_parse(q, sizeof(q), &r), WIRE_OK);
	assert_int_equal(mld_qqi_s(&r), 31744);
	/* a v1 query carries neither */
	assert_int_equal(mld_parse(q, MLD_V1_LEN, &r), WIRE_OK);
	assert_int_equal(r.version, 1);
	assert_int_equal(r.qrv, 0);
	assert_int_equal(mld_qqi_s(&r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_report),
		cmocka_unit_test(test_v1_done),
		cmocka_unit_test(test_v2_query_qrv_qqic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
