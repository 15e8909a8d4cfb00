/* test_wire_ipv6.c - the IPv6 header (RFC 8200 3) on captured frames, and the extension
 * header walk (RFC 8200 4) on captured chains and on hostile ones: too long, zero and
 * looping lengths, truncated, options past their header, hop-by-hop out of place, routing
 * headers with segments left (RFC 5095), fragments (RFC 8200 4.5, RFC 7112). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/ipv6.h"
#include "wire/ipv6_ext.h"
#include "test_wire_golden6.h"

#define FRAME(f) (f + G6_L3), (sizeof(f) - G6_L3)

static void test_ipv6_parse_golden(void **state)
{
	(void)state;
	struct ipv6_repr r;

	assert_int_equal(ipv6_parse(FRAME(v6_echo_req), &r), WIRE_OK);
	assert_int_equal(r.tclass, 0);
	assert_int_equal(r.payload_len, 24);
	assert_int_equal(r.next_hdr, IP_PROTO_ICMPV6);
	assert_int_equal(r.hop_limit, 64);
	assert_memory_equal(r.src, g6_a, 16);
	assert_memory_equal(r.dst, g6_b, 16);

	assert_int_equal(ipv6_parse(FRAME(v6_mld2_report), &r), WIRE_OK);
	assert_int_equal(r.next_hdr, IP_PROTO_HOPOPTS);
	assert_int_equal(r.hop_limit, 1);
	assert_int_equal(r.payload_len, 56);
}

static void test_ipv6_round_trip(void **state)
{
	(void)state;
	const uint8_t *frames[] = { v6_echo_req, v6_mld2_report, v6_ns_dad, v6_na, v6_frag_last,
				    v6_port_unreach, v6_ra };
	struct ipv6_repr r;
	uint8_t out[IPV6_HDR_LEN];

	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		const uint8_t *h = frames[i] + G6_L3;
		assert_int_equal(ipv6_parse(h, IPV6_HDR_LEN + be16_get(h + 4), &r), WIRE_OK);
		ipv6_emit(&r, out);
		assert_memory_equal(out, h, IPV6_HDR_LEN);
	}
	/* traffic class and flow label go where RFC 8200 3 puts them */
	struct ipv6_repr r2;
	r.tclass = 0xb8;
	r.flow = 0xabcde;
	r.payload_len = 0;
	ipv6_emit(&r, out);
	assert_int_equal(be32_get(out), 0x6b8abcdeu);
	assert_int_equal(ipv6_parse(out, IPV6_HDR_LEN, &r2), WIRE_OK);
	assert_int_equal(r2.tclass, 0xb8);
	assert_int_equal(r2.flow, 0xabcde);
}

static void test_ipv6_bad(void **state)
{
	(void)state;
	struct ipv6_repr r;
	uint8_t p[80];

	memcpy(p, v6_echo_req + G6_L3, 64);
	assert_int_equal(ipv6_parse(p, 39, &r), WIRE_TRUNCATED);
	assert_int_equal(ipv6_parse(p, 63, &r), WIRE_TRUNCATED);   /* payload length 24 */
	assert_int_equal(ipv6_parse(p, 64, &r), WIRE_OK);
	memset(p + 64, 0, 16);
	assert_int_equal(ipv6_parse(p, 80, &r), WIRE_OK);          /* padding after it */
	p[0] = 0x45;
	assert_int_equal(ipv6_parse(p, 64, &r), WIRE_BAD_VERSION);
	p[0] = 0x60;
	be16_put(p + 4, 0);
	assert_int_equal(ipv6_parse(p, 40, &r), WIRE_OK);
	assert_int_equal(r.payload_len, 0);
}

/* --- the extension header walk ------------------------------------------------ */

static uint8_t pkt[2048];

/* An IPv6 header to 2001:db8::2 (or ff02::1) with next header nh, followed by body. */
static size_t mk(uint8_t nh, const uint8_t *body, size_t n, bool mcast)
{
	struct ipv6_repr r = { .payload_len = (uint16_t)n, .next_hdr = nh, .hop_limit = 64 };

	memcpy(r.src, g6_a, 16);
	memcpy(r.dst, g6_b, 16);
	if (mcast) {
		memset(r.dst, 0, 16);
		r.dst[0] = 0xff; r.dst[1] = 0x02; r.dst[15] = 1;
	}
	ipv6_emit(&r, pkt);
	memcpy(pkt + IPV6_HDR_LEN, body, n);
	return IPV6_HDR_LEN + n;
}

static void test_walk_golden(void **state)
{
	(void)state;
	struct ipv6_chain c;

	assert_int_equal(ipv6_ext_walk(FRAME(v6_echo_req), &c), WIRE_OK);
	assert_int_equal(c.proto, IP_PROTO_ICMPV6);
	assert_int_equal(c.l4_off, 40);
	assert_int_equal(c.proto_ptr, 6);
	assert_int_equal(c.n_ext, 0);
	assert_false(c.frag);

	/* MLD: hop-by-hop with Router Alert 0 (MLD) and a PadN */
	assert_int_equal(ipv6_ext_walk(FRAME(v6_mld2_report), &c), WIRE_OK);
	assert_int_equal(c.proto, IP_PROTO_ICMPV6);
	assert_int_equal(c.l4_off, 48);
	assert_int_equal(c.proto_ptr, 40);
	assert_int_equal(c.n_ext, 1);
	assert_true(c.router_alert);
	assert_int_equal(c.router_alert_value, 0);

	/* the last fragment of an echo request: the walk stops after the fragment header */
	assert_int_equal(ipv6_ext_walk(FRAME(v6_frag_last), &c), WIRE_OK);
	assert_true(c.frag);
	assert_int_equal(c.frag_hdr_off, 40);
	assert_int_equal(c.frag_off, 1232);
	assert_false(c.mf);
	assert_int_equal(c.frag_id, 0x0ebbbc03u);
	assert_int_equal(c.proto, IP_PROTO_ICMPV6);
	assert_int_equal(c.l4_off, 48);

	uint8_t fh[IPV6_FRAG_HDR_LEN];
	ipv6_frag_emit(IP_PROTO_ICMPV6, 1232, false, 0x0ebbbc03u, fh);
	assert_memory_equal(fh, v6_frag_last + G6_L4, IPV6_FRAG_HDR_LEN);
}

static void test_walk_long_chains(void **state)
{
	(void)state;
	uint8_t body[256] = { 0 };
	struct ipv6_chain c;
	size_t n;

	/* IPV6_EXT_MAX destination options headers, then UDP: fine */
	for (int i = 0; i < IPV6_EXT_MAX; i++)
		body[i * 8] = i == IPV6_EXT_MAX - 1 ? 17 : IP_PROTO_DSTOPTS;
	n = mk(IP_PROTO_DSTOPTS, body, IPV6_EXT_MAX * 8 + 8, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_OK);
	assert_int_equal(c.proto, 17);
	assert_int_equal(c.n_ext, IPV6_EXT_MAX);
	assert_int_equal(c.l4_off, 40 + IPV6_EXT_MAX * 8);

	/* one more: dropped, without an answer */
	memset(body, 0, sizeof(body));
	for (int i = 0; i <= IPV6_EXT_MAX; i++)
		body[i * 8] = i == IPV6_EXT_MAX ? 17 : IP_PROTO_DSTOPTS;
	n = mk(IP_PROTO_DSTOPTS, body, (IPV6_EXT_MAX + 1) * 8 + 8, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_BAD_LEN);
	assert_int_equal(c.pp_code, IPV6_PP_NONE);

	/* "looping": every header names the same type with a zero length field, filling
	 * the whole packet; the walk still ends, after IPV6_EXT_MAX headers */
	memset(body, 0, sizeof(body));
	for (size_t i = 0; i < sizeof(body); i += 8)
		body[i] = IP_PROTO_DSTOPTS;
	n = mk(IP_PROTO_DSTOPTS, body, sizeof(body), false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_BAD_LEN);
	assert_int_equal(c.n_ext, IPV6_EXT_MAX);
	/* the same with routing headers (segments left 0) and hop-by-hop first */
	for (size_t i = 0; i < sizeof(body); i += 8)
		body[i] = IP_PROTO_ROUTING;
	n = mk(IP_PROTO_HOPOPTS, body, sizeof(body), false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_BAD_LEN);
	/* a chain of hop-by-hop headers: only the first may be one */
	for (size_t i = 0; i < sizeof(body); i += 8)
		body[i] = IP_PROTO_HOPOPTS;
	n = mk(IP_PROTO_HOPOPTS, body, sizeof(body), false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_UNSUPPORTED);
	assert_int_equal(c.pp_code, IPV6_PP_NEXT_HEADER);
	assert_int_equal(c.pp_ptr, 40);
}

static void test_walk_truncated(void **state)
{
	(void)state;
	uint8_t body[64] = { 0 };
	struct ipv6_chain c;
	size_t n;

	/* next header says destination options, nothing follows */
	n = mk(IP_PROTO_DSTOPTS, body, 0, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_TRUNCATED);
	assert_int_equal(c.pp_code, IPV6_PP_NONE);
	/* one byte of it */
	n = mk(IP_PROTO_DSTOPTS, body, 1, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_TRUNCATED);
	/* its length says 24 bytes, 16 are there */
	body[0] = 17;
	body[1] = 2;
	n = mk(IP_PROTO_DSTOPTS, body, 16, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_TRUNCATED);
	/* the largest length field, 2040 bytes, in a short packet */
	body[1] = 255;
	n = mk(IP_PROTO_HOPOPTS, body, 64, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_TRUNCATED);
	/* a fragment header cut short */
	n = mk(IP_PROTO_FRAGMENT, body, 7, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_TRUNCATED);
	/* fewer than 40 bytes is not a packet */
	assert_int_equal(ipv6_ext_walk(pkt, 39, &c), WIRE_TRUNCATED);
}

static void test_walk_options(void **state)
{
	(void)state;
	struct ipv6_chain c;
	size_t n;

	/* Pad1, PadN 0, an unknown skippable option (00xxxxxx) */
	uint8_t ok[16] = { 17, 1, 0, 1, 0, 0x1e, 2, 0xaa, 0xbb, 1, 3, 0, 0, 0, 0, 0 };
	n = mk(IP_PROTO_DSTOPTS, ok, sizeof(ok), false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_OK);
	assert_int_equal(c.proto, 17);
	assert_false(c.router_alert);

	/* an option whose length runs past its header */
	uint8_t over[8] = { 17, 0, 1, 5, 0, 0, 0, 0 };
	n = mk(IP_PROTO_DSTOPTS, over, sizeof(over), false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_BAD_LEN);
	assert_int_equal(c.pp_code, IPV6_PP_NONE);
	/* a type byte as the last byte, with no room for its length */
	uint8_t last[8] = { 17, 0, 0, 0, 0, 0, 0, 1 };
	n = mk(IP_PROTO_DSTOPTS, last, sizeof(last), false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_BAD_LEN);

	/* unknown options: the two high bits of the type decide (RFC 8200 4.2) */
	uint8_t unk[8] = { 17, 0, 1, 0, 0x00, 2, 0, 0 };
	static const struct { uint8_t type; bool mcast; int rc, code; } cases[] = {
		{ 0x3e, false, WIRE_OK, IPV6_PP_NONE },
		{ 0x7e, false, WIRE_BAD_FIELD, IPV6_PP_NONE },
		{ 0xbe, false, WIRE_BAD_FIELD, IPV6_PP_OPTION },
		{ 0xbe, true, WIRE_BAD_FIELD, IPV6_PP_OPTION },
		{ 0xfe, false, WIRE_BAD_FIELD, IPV6_PP_OPTION },
		{ 0xfe, true, WIRE_BAD_FIELD, IPV6_PP_NONE },
		{ 0xc2, false, WIRE_BAD_FIELD, IPV6_PP_OPTION },   /* jumbo payload: unsupported */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unk[4] = cases[i].type;
		n = mk(IP_PROTO_HOPOPTS, unk, sizeof(unk), cases[i].mcast);
		assert_int_equal(ipv6_ext_walk(pkt, n, &c), cases[i].rc);
		assert_int_equal(c.pp_code, cases[i].code);
		if (cases[i].code == IPV6_PP_OPTION)
			assert_int_equal(c.pp_ptr, 44);   /* the option's type byte */
	}

	/* Router Alert of the wrong length, and in destination options (unknown there,
	 * type 5 is 00xxxxxx: skipped) */
	uint8_t ra[8] = { 17, 0, 5, 3, 0, 0, 0, 1 };
	n = mk(IP_PROTO_HOPOPTS, ra, sizeof(ra), false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_BAD_FIELD);
	assert_int_equal(c.pp_code, IPV6_PP_HEADER);
	assert_int_equal(c.pp_ptr, 43);
	uint8_t ra2[8] = { 17, 0, 5, 2, 0, 1, 1, 0 };
	n = mk(IP_PROTO_DSTOPTS, ra2, sizeof(ra2), false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_OK);
	assert_false(c.router_alert);
	n = mk(IP_PROTO_HOPOPTS, ra2, sizeof(ra2), false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_OK);
	assert_true(c.router_alert);
	assert_int_equal(c.router_alert_value, 1);
}

static void test_walk_routing(void **state)
{
	(void)state;
	struct ipv6_chain c;
	size_t n;
	/* RH0 (RFC 5095) with two addresses and segments left 2: a Parameter Problem code 0
	 * pointing at the routing type */
	uint8_t rh0[40] = { 6, 4, 0, 2 };
	n = mk(IP_PROTO_ROUTING, rh0, sizeof(rh0), false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_BAD_FIELD);
	assert_int_equal(c.pp_code, IPV6_PP_HEADER);
	assert_int_equal(c.pp_ptr, 42);
	/* any type with no segments left is ignored */
	rh0[3] = 0;
	rh0[2] = 77;
	uint8_t body[60] = { 0 };
	memcpy(body, rh0, 40);
	n = mk(IP_PROTO_ROUTING, body, sizeof(body), false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_OK);
	assert_int_equal(c.proto, 6);
	assert_int_equal(c.l4_off, 80);
	assert_int_equal(c.proto_ptr, 40);
}

static void test_walk_fragments(void **state)
{
	(void)state;
	struct ipv6_chain c;
	uint8_t body[64] = { 0 };
	size_t n;

	/* a first fragment with the UDP header whole */
	ipv6_frag_emit(17, 0, true, 7, body);
	n = mk(IP_PROTO_FRAGMENT, body, 8 + 16, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_OK);
	assert_true(c.frag && c.mf);
	assert_int_equal(c.frag_off, 0);
	assert_int_equal(c.proto, 17);
	assert_int_equal(c.l4_off, 48);
	/* a tiny first fragment: 4 bytes of TCP (RFC 7112: code 3) */
	ipv6_frag_emit(6, 0, true, 7, body);
	n = mk(IP_PROTO_FRAGMENT, body, 8 + 8, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_TRUNCATED);
	assert_int_equal(c.pp_code, IPV6_PP_INCOMPLETE_CHAIN);
	assert_int_equal(c.pp_ptr, 0);
	/* a first fragment whose destination options run past it */
	ipv6_frag_emit(IP_PROTO_DSTOPTS, 0, true, 7, body);
	body[8] = 17;
	body[9] = 3;              /* 32 bytes, 8 present */
	n = mk(IP_PROTO_FRAGMENT, body, 8 + 8, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_TRUNCATED);
	assert_int_equal(c.pp_code, IPV6_PP_INCOMPLETE_CHAIN);
	/* M set and a length that is not a multiple of 8: code 0 at the payload length */
	ipv6_frag_emit(17, 8, true, 7, body);
	n = mk(IP_PROTO_FRAGMENT, body, 8 + 12, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_BAD_FIELD);
	assert_int_equal(c.pp_code, IPV6_PP_HEADER);
	assert_int_equal(c.pp_ptr, 4);
	/* a fragment that would end past 65535: code 0 at the fragment offset */
	ipv6_frag_emit(17, 65528, false, 7, body);
	n = mk(IP_PROTO_FRAGMENT, body, 8 + 16, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_BAD_FIELD);
	assert_int_equal(c.pp_ptr, 42);
	/* two fragment headers */
	ipv6_frag_emit(IP_PROTO_FRAGMENT, 0, true, 7, body);
	ipv6_frag_emit(17, 0, true, 8, body + 8);
	n = mk(IP_PROTO_FRAGMENT, body, 32, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_BAD_FIELD);
	assert_int_equal(c.pp_code, IPV6_PP_NONE);
	/* an atomic fragment (offset 0, M clear, RFC 6946) is walked like any packet */
	ipv6_frag_emit(17, 0, false, 9, body);
	n = mk(IP_PROTO_FRAGMENT, body, 8 + 9, false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_OK);
	assert_int_equal(c.proto, 17);
	/* no next header after a destination options header */
	uint8_t none[8] = { IP_PROTO_NONE, 0, 1, 4, 0, 0, 0, 0 };
	n = mk(IP_PROTO_DSTOPTS, none, sizeof(none), false);
	assert_int_equal(ipv6_ext_walk(pkt, n, &c), WIRE_OK);
	assert_int_equal(c.proto, IP_PROTO_NONE);
	assert_int_equal(c.l4_off, 48);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv6_parse_golden),
		cmocka_unit_test(test_ipv6_round_trip),
		cmocka_unit_test(test_ipv6_bad),
		cmocka_unit_test(test_walk_golden),
		cmocka_unit_test(test_walk_long_chains),
		cmocka_unit_test(test_walk_truncated),
		cmocka_unit_test(test_walk_options),
		cmocka_unit_test(test_walk_routing),
		cmocka_unit_test(test_walk_fragments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
