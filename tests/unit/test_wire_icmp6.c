/* test_wire_icmp6.c - ICMPv6 (RFC 4443) on captured and hand-built messages: the IPv6
 * pseudo-header checksum (RFC 8200 8.1), echo, destination unreachable, packet too big,
 * time exceeded, parameter problem; round trips and truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/csum.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "test_wire_golden6.h"

/* the ICMPv6 message of a frame without extension headers, and its addresses */
struct msg { const uint8_t *p; size_t n; const uint8_t *src, *dst; };

static struct msg msg_of(const uint8_t *frame, size_t len)
{
	struct msg m = { frame + G6_L4, len - G6_L4, frame + G6_L3 + 8, frame + G6_L3 + 24 };
	return m;
}
#define MSG(f) msg_of(f, sizeof(f))

static void parse_ok(struct msg m, struct icmp6_repr *r)
{
	assert_int_equal(icmp6_parse(m.p, m.n, m.src, m.dst, r, true), WIRE_OK);
}

static void test_icmp6_fields(void **state)
{
	(void)state;
	struct icmp6_repr r;

	parse_ok(MSG(v6_echo_req), &r);
	assert_int_equal(r.type, ICMP6_ECHO_REQUEST);
	assert_int_equal(r.code, 0);
	assert_int_equal(r.id, 0x66b2);
	assert_int_equal(r.seq, 1);
	assert_int_equal(r.data_len, 16);
	assert_false(icmp6_is_error(r.type));

	parse_ok(MSG(v6_port_unreach), &r);
	assert_int_equal(r.type, ICMP6_DEST_UNREACH);
	assert_int_equal(r.code, ICMP6_PORT_UNREACH);
	assert_true(icmp6_is_error(r.type));
	assert_int_equal(r.data_len, 51);                  /* the whole datagram quoted */
	struct ipv6_repr q;
	assert_int_equal(ipv6_parse(r.data, r.data_len, &q), WIRE_OK);
	assert_int_equal(q.next_hdr, 17);
	assert_memory_equal(q.src, g6_a, 16);

	parse_ok(MSG(v6_ptb), &r);
	assert_int_equal(r.type, ICMP6_PACKET_TOO_BIG);
	assert_int_equal(r.mtu, 1400);
	assert_int_equal(r.pointer, 0);

	parse_ok(MSG(v6_time_exceeded), &r);
	assert_int_equal(r.type, ICMP6_TIME_EXCEEDED);
	assert_int_equal(r.code, ICMP6_HOP_LIMIT_EXCEEDED);
	assert_int_equal(r.word, 0);

	parse_ok(MSG(v6_param_problem), &r);
	assert_int_equal(r.type, ICMP6_PARAM_PROBLEM);
	assert_int_equal(r.code, 1);
	assert_int_equal(r.pointer, 6);
	assert_int_equal(r.mtu, 0);
}

static void test_icmp6_checksum(void **state)
{
	(void)state;
	struct icmp6_repr r;
	struct msg m = MSG(v6_echo_req);
	uint8_t other[16];

	/* another destination, a flipped payload bit: a bad sum; without checking, fine */
	memcpy(other, m.dst, 16);
	other[15] ^= 1;
	assert_int_equal(icmp6_parse(m.p, m.n, m.src, other, &r, true), WIRE_BAD_CSUM);
	assert_int_equal(icmp6_parse(m.p, m.n, m.src, other, &r, false), WIRE_OK);
	uint8_t p[64];
	memcpy(p, m.p, m.n);
	p[20] ^= 0x10;
	assert_int_equal(icmp6_parse(p, m.n, m.src, m.dst, &r, true), WIRE_BAD_CSUM);

	/* the pseudo-header with UDP's next header: the quoted datagram in the port
	 * unreachable carries Linux's own checksum */
	struct msg u = MSG(v6_port_unreach);
	const uint8_t *dg = u.p + ICMP6_HDR_LEN;
	uint16_t ulen = be16_get(dg + 40 + 4);
	assert_int_equal(ulen, 11);
	assert_int_equal(csum_fold(csum_add(csum_pseudo6(dg + 8, dg + 24, ulen, 17), dg + 40, ulen)), 0);
	assert_int_not_equal(csum_fold(csum_add(csum_pseudo6(dg + 8, dg + 24, ulen, 6), dg + 40, ulen)), 0);
	/* the length is a 32-bit field: its high half counts */
	assert_int_equal(csum_pseudo6(dg + 8, dg + 24, 0x10000u + ulen, 17),
			 csum_pseudo6(dg + 8, dg + 24, ulen, 17) + 1);
}

static void test_icmp6_round_trip(void **state)
{
	(void)state;
	struct msg ms[] = { MSG(v6_echo_req), MSG(v6_port_unreach), MSG(v6_ptb),
			    MSG(v6_time_exceeded), MSG(v6_param_problem), MSG(v6_ns), MSG(v6_ra) };
	uint8_t out[256];

	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct icmp6_repr r;
		parse_ok(ms[i], &r);
		memset(out, 0xee, sizeof(out));
		memcpy(out + ICMP6_HDR_LEN, r.data, r.data_len);
		icmp6_emit(&r, out, ms[i].src, ms[i].dst);
		assert_memory_equal(out, ms[i].p, ms[i].n);
	}
}

static void test_icmp6_emit_by_type(void **state)
{
	(void)state;
	uint8_t out[64] = { 0 };
	struct icmp6_repr r = { .type = ICMP6_PACKET_TOO_BIG, .mtu = 1280, .id = 9, .word = 5 };

	icmp6_emit(&r, out, g6_a, g6_b);
	assert_int_equal(be32_get(out + 4), 1280);
	r = (struct icmp6_repr){ .type = ICMP6_PARAM_PROBLEM, .code = 2, .pointer = 44 };
	icmp6_emit(&r, out, g6_a, g6_b);
	assert_int_equal(be32_get(out + 4), 44);
	r = (struct icmp6_repr){ .type = ICMP6_ECHO_REPLY, .id = 0x1234, .seq = 0x5678, .data_len = 8 };
	memcpy(out + 8, "12345678", 8);
	icmp6_emit(&r, out, g6_a, g6_b);
	assert_int_equal(be32_get(out + 4), 0x12345678u);
	struct icmp6_repr back;
	assert_int_equal(icmp6_parse(out, 16, g6_a, g6_b, &back, true), WIRE_OK);
	assert_int_equal(back.id, 0x1234);
	assert_int_equal(back.seq, 0x5678);
}

static void test_icmp6_truncated(void **state)
{
	(void)state;
	struct icmp6_repr r;
	struct msg m = MSG(v6_echo_req);

	for (size_t n = 0; n < ICMP6_HDR_LEN; n++)
		assert_int_equal(icmp6_parse(m.p, n, m.src, m.dst, &r, false), WIRE_TRUNCATED);
	assert_int_equal(icmp6_parse(m.p, ICMP6_HDR_LEN, m.src, m.dst, &r, false), WIRE_OK);
	assert_int_equal(r.data_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp6_fields),
		cmocka_unit_test(test_icmp6_checksum),
		cmocka_unit_test(test_icmp6_round_trip),
		cmocka_unit_test(test_icmp6_emit_by_type),
		cmocka_unit_test(test_icmp6_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
