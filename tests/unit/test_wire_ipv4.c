/* test_wire_ipv4.c - the IPv4 header (RFC 791) and ICMP (RFC 792) on captured frames:
 * fields, checksums, round trips, options, truncation, hostile length fields, and the
 * dotted-quad conversions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/ipv4.h"
#include "wire/icmp.h"
#include "wire/csum.h"
#include "test_wire_golden.h"

#define IP(frame) ((frame) + GOLD_L3)
#define IPLEN(frame) (sizeof(frame) - GOLD_L3)

static void test_ipv4_parse_echo_request(void **state)
{
	(void)state;
	struct ipv4_repr r;

	assert_int_equal(ipv4_parse(IP(icmp_echo_req), IPLEN(icmp_echo_req), &r, true), WIRE_OK);
	assert_int_equal(r.hdr_len, 20);
	assert_int_equal(r.tos, 0);
	assert_int_equal(r.total_len, 44);
	assert_int_equal(r.id, 0x3c8d);
	assert_true(r.df);
	assert_false(r.mf);
	assert_int_equal(r.frag_off, 0);
	assert_int_equal(r.ttl, 64);
	assert_int_equal(r.proto, IP_PROTO_ICMP);
	assert_int_equal(r.csum, 0xe97b);
	assert_int_equal(r.src, GOLD_IP_A);
	assert_int_equal(r.dst, GOLD_IP_B);
}

static void test_ipv4_round_trip(void **state)
{
	(void)state;
	const uint8_t *frames[] = { icmp_echo_req, icmp_port_unreach, tcp_syn, tcp_synack,
				    tcp_data, udp_dgram };
	struct ipv4_repr r;
	uint8_t out[IPV4_HDR_LEN];

	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		const uint8_t *ip = frames[i] + GOLD_L3;
		assert_int_equal(ipv4_parse(ip, IPV4_HDR_LEN + 8, &r, true), WIRE_TRUNCATED);
		assert_int_equal(ipv4_parse(ip, be16_get(ip + 2), &r, true), WIRE_OK);
		ipv4_emit(&r, out);
		assert_memory_equal(out, ip, IPV4_HDR_LEN);
	}
}

static void test_ipv4_padding_allowed(void **state)
{
	(void)state;
	uint8_t buf[64] = { 0 };
	struct ipv4_repr r;

	memcpy(buf, IP(icmp_echo_req), IPLEN(icmp_echo_req));
	assert_int_equal(ipv4_parse(buf, sizeof(buf), &r, true), WIRE_OK);
	assert_int_equal(r.total_len, 44);
}

static void test_ipv4_every_truncation(void **state)
{
	(void)state;
	struct ipv4_repr r;

	for (size_t len = 0; len < IPLEN(tcp_data); len++)
		assert_int_not_equal(ipv4_parse(IP(tcp_data), len, &r, true), WIRE_OK);
	assert_int_equal(ipv4_parse(IP(tcp_data), IPLEN(tcp_data), &r, true), WIRE_OK);
}

static void test_ipv4_bad_fields(void **state)
{
	(void)state;
	uint8_t p[64];
	struct ipv4_repr r;

	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		memcpy(p, IP(tcp_syn), IPLEN(tcp_syn));
		p[0] = (uint8_t)(0x40 | ihl);
		assert_int_equal(ipv4_parse(p, IPLEN(tcp_syn), &r, false), WIRE_BAD_HDRLEN);
	}
	memcpy(p, IP(tcp_syn), IPLEN(tcp_syn));
	p[0] = 0x65;
	assert_int_equal(ipv4_parse(p, IPLEN(tcp_syn), &r, false), WIRE_BAD_VERSION);

	/* IHL 15 = 60 bytes, but the buffer holds only 40 */
	memcpy(p, IP(tcp_syn), IPLEN(tcp_syn));
	p[0] = 0x4f;
	assert_int_equal(ipv4_parse(p, 40, &r, false), WIRE_BAD_HDRLEN);

	/* total length beyond the buffer, and below the header */
	memcpy(p, IP(tcp_syn), IPLEN(tcp_syn));
	be16_put(p + 2, (uint16_t)(IPLEN(tcp_syn) + 1));
	assert_int_equal(ipv4_parse(p, IPLEN(tcp_syn), &r, false), WIRE_TRUNCATED);
	be16_put(p + 2, 0xffff);
	assert_int_equal(ipv4_parse(p, IPLEN(tcp_syn), &r, false), WIRE_TRUNCATED);
	be16_put(p + 2, 19);
	assert_int_equal(ipv4_parse(p, IPLEN(tcp_syn), &r, false), WIRE_BAD_LEN);
}

static void test_ipv4_bad_checksum(void **state)
{
	(void)state;
	uint8_t p[64];
	struct ipv4_repr r;

	for (size_t byte = 0; byte < IPV4_HDR_LEN; byte++) {
		if (byte == 0 || byte == 2 || byte == 3)
			continue;   /* these change the lengths first */
		memcpy(p, IP(tcp_syn), IPLEN(tcp_syn));
		p[byte] ^= 0x01;
		assert_int_equal(ipv4_parse(p, IPLEN(tcp_syn), &r, true), WIRE_BAD_CSUM);
		assert_int_equal(ipv4_parse(p, IPLEN(tcp_syn), &r, false), WIRE_OK);
	}
}

static void test_ipv4_options_skipped(void **state)
{
	(void)state;
	/* 24-byte header: a router alert option (94 04 00 00), then 4 payload bytes */
	uint8_t p[28] = { 0x46, 0x00, 0x00, 28, 0x12, 0x34, 0x20, 0x03, 1, IP_PROTO_UDP, 0, 0,
			  10, 0, 0, 1, 224, 0, 0, 22, 0x94, 0x04, 0x00, 0x00, 1, 2, 3, 4 };
	struct ipv4_repr r;

	be16_put(p + 10, csum(p, 24));
	assert_int_equal(ipv4_parse(p, sizeof(p), &r, true), WIRE_OK);
	assert_int_equal(r.hdr_len, 24);
	assert_true(r.mf);
	assert_false(r.df);
	assert_int_equal(r.frag_off, 3 * 8);
	assert_int_equal(r.dst, 0xe0000016u);
}

static void test_ipv4_ntoa_aton(void **state)
{
	(void)state;
	char s[16];
	uint32_t a;

	assert_string_equal(ipv4_ntoa(GOLD_IP_A, s), "10.99.0.1");
	assert_string_equal(ipv4_ntoa(0xffffffffu, s), "255.255.255.255");
	assert_string_equal(ipv4_ntoa(0, s), "0.0.0.0");
	assert_int_equal(ipv4_aton("10.99.0.2", &a), 0);
	assert_int_equal(a, GOLD_IP_B);
	assert_int_equal(ipv4_aton("255.255.255.255", &a), 0);
	assert_int_equal(a, 0xffffffffu);
	assert_int_equal(ipv4_aton("0.0.0.0", &a), 0);
	assert_int_equal(a, 0);

	static const char *const bad[] = {
		"", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1..2.3", ".1.2.3",
		"1.2.3.", "1.2.3.4 ", " 1.2.3.4", "+1.2.3.4", "1.2.3.-4", "01.2.3.4", "1.2.3.0x1",
		"1234.1.1.1", "a.b.c.d", "1.2.3.4/24", "0000.1.1.1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ipv4_aton(bad[i], &a) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
}

static void test_icmp_echo_request(void **state)
{
	(void)state;
	const uint8_t *p = icmp_echo_req + GOLD_L4;
	size_t len = sizeof(icmp_echo_req) - GOLD_L4;
	struct icmp_repr r;

	assert_int_equal(icmp_parse(p, len, &r), WIRE_OK);
	assert_int_equal(r.type, ICMP_ECHO_REQUEST);
	assert_int_equal(r.code, 0);
	assert_int_equal(r.id, 0x11c7);
	assert_int_equal(r.seq, 1);
	assert_int_equal(r.data_len, 16);
	assert_ptr_equal(r.data, p + 8);

	/* round trip: copy the payload, emit, compare (checksum 0x2c22 included) */
	uint8_t out[64];
	memcpy(out + 8, r.data, r.data_len);
	icmp_emit(&r, out);
	assert_memory_equal(out, p, len);
	assert_int_equal(be16_get(out + 2), 0x2c22);
}

static void test_icmp_echo_reply_built(void **state)
{
	(void)state;
	/* turning the request into a reply gives the captured reply's checksum 0x3422 */
	const uint8_t *p = icmp_echo_req + GOLD_L4;
	struct icmp_repr r;
	uint8_t out[64];

	assert_int_equal(icmp_parse(p, 24, &r), WIRE_OK);
	r.type = ICMP_ECHO_REPLY;
	memcpy(out + 8, r.data, r.data_len);
	icmp_emit(&r, out);
	assert_int_equal(be16_get(out + 2), 0x3422);
}

static void test_icmp_port_unreachable(void **state)
{
	(void)state;
	const uint8_t *p = icmp_port_unreach + GOLD_L4;
	size_t len = sizeof(icmp_port_unreach) - GOLD_L4;
	struct icmp_repr r;
	struct ipv4_repr inner;
	uint8_t out[128];

	assert_int_equal(icmp_parse(p, len, &r), WIRE_OK);
	assert_int_equal(r.type, ICMP_DEST_UNREACH);
	assert_int_equal(r.code, ICMP_PORT_UNREACH);
	assert_int_equal(r.next_hop_mtu, 0);
	assert_int_equal(ipv4_parse(r.data, r.data_len, &inner, true), WIRE_OK);
	assert_int_equal(inner.proto, IP_PROTO_UDP);
	memcpy(out + 8, r.data, r.data_len);
	icmp_emit(&r, out);
	assert_memory_equal(out, p, len);
}

static void test_icmp_frag_needed_mtu(void **state)
{
	(void)state;
	struct icmp_repr r = { .type = ICMP_DEST_UNREACH, .code = ICMP_FRAG_NEEDED,
			       .next_hop_mtu = 1400, .data_len = 4 };
	uint8_t out[12] = { 0 };
	struct icmp_repr back;

	memcpy(out + 8, "\x45\x00\x05\xdc", 4);
	icmp_emit(&r, out);
	assert_int_equal(icmp_parse(out, sizeof(out), &back), WIRE_OK);
	assert_int_equal(back.next_hop_mtu, 1400);
	assert_int_equal(back.code, ICMP_FRAG_NEEDED);
}

static void test_icmp_hostile(void **state)
{
	(void)state;
	const uint8_t *p = icmp_echo_req + GOLD_L4;
	uint8_t q[24];
	struct icmp_repr r;

	for (size_t len = 0; len < 8; len++)
		assert_int_equal(icmp_parse(p, len, &r), WIRE_TRUNCATED);
	/* the payload ends in five zero bytes: cutting those leaves the sum intact */
	for (size_t len = 8; len < 19; len++)
		assert_int_equal(icmp_parse(p, len, &r), WIRE_BAD_CSUM);
	for (size_t len = 19; len <= 24; len++)
		assert_int_equal(icmp_parse(p, len, &r), WIRE_OK);
	for (size_t byte = 0; byte < 24; byte++) {
		memcpy(q, p, 24);
		q[byte] ^= 0x80;
		assert_int_equal(icmp_parse(q, 24, &r), WIRE_BAD_CSUM);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_parse_echo_request),
		cmocka_unit_test(test_ipv4_round_trip),
		cmocka_unit_test(test_ipv4_padding_allowed),
		cmocka_unit_test(test_ipv4_every_truncation),
		cmocka_unit_test(test_ipv4_bad_fields),
		cmocka_unit_test(test_ipv4_bad_checksum),
		cmocka_unit_test(test_ipv4_options_skipped),
		cmocka_unit_test(test_ipv4_ntoa_aton),
		cmocka_unit_test(test_icmp_echo_request),
		cmocka_unit_test(test_icmp_echo_reply_built),
		cmocka_unit_test(test_icmp_port_unreachable),
		cmocka_unit_test(test_icmp_frag_needed_mtu),
		cmocka_unit_test(test_icmp_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
