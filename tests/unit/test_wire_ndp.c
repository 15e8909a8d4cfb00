/* test_wire_ndp.c - Neighbor Discovery (RFC 4861 4) and MLD (RFC 3810) on captured and
 * hand-built messages: every field, every option (RFC 4861 4.6, RFC 8106 5.1), round
 * trips, and the messages RFC 4861 says to discard: options of length 0, options past the
 * end, a code other than 0, short messages, multicast targets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/ip_addr.h"
#include "wire/icmp6.h"
#include "wire/mld.h"
#include "wire/ndp.h"
#include "test_wire_golden6.h"

struct msg { const uint8_t *p; size_t n; const uint8_t *src, *dst; };

static struct msg msg_at(const uint8_t *frame, size_t len, size_t l4)
{
	struct msg m = { frame + l4, len - l4, frame + G6_L3 + 8, frame + G6_L3 + 24 };
	struct icmp6_repr r;
	assert_int_equal(icmp6_parse(m.p, m.n, m.src, m.dst, &r, true), WIRE_OK);
	return m;
}
#define MSG(f) msg_at(f, sizeof(f), G6_L4)

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0x0b };

static void addr(const char *s, uint8_t out[16])
{
	assert_int_equal(ip6_pton(s, out), 0);
}

/* emit(parse(m)) == m */
static void round_trip(struct msg m)
{
	struct ndp_repr r;
	uint8_t out[NDP_MAX_LEN];

	assert_int_equal(ndp_parse(m.p, m.n, &r), WIRE_OK);
	assert_int_equal(ndp_len(&r), m.n);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(ndp_emit(&r, out, sizeof(out), m.src, m.dst), m.n);
	assert_memory_equal(out, m.p, m.n);
	assert_int_equal(ndp_emit(&r, out, m.n - 1, m.src, m.dst), 0);   /* does not fit */
}

static void test_ndp_solicitations(void **state)
{
	(void)state;
	struct ndp_repr r;
	uint8_t a[16];
	struct msg m;

	m = MSG(v6_rs);
	assert_int_equal(ndp_parse(m.p, m.n, &r), WIRE_OK);
	assert_int_equal(r.type, ICMP6_ND_RS);
	assert_true(r.has_slla);
	assert_memory_equal(r.slla, mac_a, 6);
	assert_false(r.has_tlla);
	round_trip(m);

	m = MSG(v6_ns_dad);
	assert_int_equal(ndp_parse(m.p, m.n, &r), WIRE_OK);
	assert_int_equal(r.type, ICMP6_ND_NS);
	addr("fe80::ff:fe00:a", a);
	assert_memory_equal(r.target, a, 16);
	assert_false(r.has_slla);         /* DAD, from ::, has none (RFC 4862 5.4.2) */
	assert_true(r.has_nonce);         /* but Linux adds a nonce (RFC 7527) */
	assert_memory_equal(r.nonce, m.p + 26, 6);
	assert_int_equal(r.n_ignored, 0);
	round_trip(m);

	m = MSG(v6_ns);
	assert_int_equal(ndp_parse(m.p, m.n, &r), WIRE_OK);
	assert_memory_equal(r.target, g6_b, 16);
	assert_true(r.has_slla);
	assert_memory_equal(r.slla, mac_a, 6);
	assert_int_equal(r.n_ignored, 0);
	round_trip(m);
}

static void test_ndp_advertisements(void **state)
{
	(void)state;
	struct ndp_repr r;
	uint8_t a[16];
	struct msg m;

	m = MSG(v6_na);
	assert_int_equal(ndp_parse(m.p, m.n, &r), WIRE_OK);
	assert_int_equal(r.type, ICMP6_ND_NA);
	assert_false(r.router);
	assert_true(r.solicited);
	assert_true(r.override);
	assert_memory_equal(r.target, g6_b, 16);
	assert_true(r.has_tlla);
	assert_memory_equal(r.tlla, mac_b, 6);
	round_trip(m);

	m = MSG(v6_ra);
	assert_int_equal(ndp_parse(m.p, m.n, &r), WIRE_OK);
	assert_int_equal(r.type, ICMP6_ND_RA);
	assert_int_equal(r.cur_hop_limit, 64);
	assert_false(r.managed);
	assert_true(r.other);
	assert_int_equal(r.router_lifetime, 1800);
	assert_int_equal(r.reachable_time, 30000);
	assert_int_equal(r.retrans_timer, 1000);
	assert_true(r.has_slla);
	assert_memory_equal(r.slla, mac_b, 6);
	assert_true(r.has_mtu);
	assert_int_equal(r.mtu, 1280);
	assert_int_equal(r.n_prefix, 1);
	assert_int_equal(r.prefix[0].len, 64);
	assert_true(r.prefix[0].on_link);
	assert_true(r.prefix[0].autonomous);
	assert_int_equal(r.prefix[0].valid, 86400);
	assert_int_equal(r.prefix[0].preferred, 14400);
	addr("2001:db8:1::", a);
	assert_memory_equal(r.prefix[0].prefix, a, 16);
	assert_int_equal(r.n_rdnss, 2);
	assert_int_equal(r.rdnss[0].lifetime, 600);
	assert_int_equal(r.rdnss[1].lifetime, 600);
	addr("2001:db8::53", a);
	assert_memory_equal(r.rdnss[0].addr, a, 16);
	addr("2001:db8::54", a);
	assert_memory_equal(r.rdnss[1].addr, a, 16);
	assert_int_equal(r.n_ignored, 0);
	round_trip(m);

	m = MSG(v6_redirect);
	assert_int_equal(ndp_parse(m.p, m.n, &r), WIRE_OK);
	assert_int_equal(r.type, ICMP6_ND_REDIRECT);
	addr("fe80::c", a);
	assert_memory_equal(r.target, a, 16);
	addr("2001:db8:5::7", a);
	assert_memory_equal(r.dest, a, 16);
	assert_true(r.has_tlla);
	assert_int_equal(r.tlla[5], 0x0c);
	assert_int_equal(r.redirected_len, 48);
	assert_int_equal(r.redirected[0] >> 4, 6);
	assert_memory_equal(r.redirected + 24, a, 16);
	round_trip(m);
}

/* a copy of a message to spoil */
static uint8_t buf[512];
static size_t copy(struct msg m)
{
	memcpy(buf, m.p, m.n);
	return m.n;
}

static void test_ndp_rejects(void **state)
{
	(void)state;
	struct ndp_repr r;
	size_t n;

	/* RFC 4861 4.6: an option of length 0 invalidates the message, wherever it is */
	n = copy(MSG(v6_ns));
	buf[25] = 0;
	assert_int_equal(ndp_parse(buf, n, &r), WIRE_BAD_LEN);
	n = copy(MSG(v6_ra));
	for (size_t off = 16; off < n; off += (size_t)buf[off + 1] * 8) {
		uint8_t keep = buf[off + 1];
		buf[off + 1] = 0;
		assert_int_equal(ndp_parse(buf, n, &r), WIRE_BAD_LEN);
		buf[off + 1] = keep;
	}
	assert_int_equal(ndp_parse(buf, n, &r), WIRE_OK);
	/* an option past the end, and one byte of an option */
	n = copy(MSG(v6_ns));
	buf[25] = 2;
	assert_int_equal(ndp_parse(buf, n, &r), WIRE_TRUNCATED);
	n = copy(MSG(v6_ns_dad)) - 8;
	buf[n] = NDP_OPT_SLLA;
	assert_int_equal(ndp_parse(buf, n + 1, &r), WIRE_TRUNCATED);
	/* trailing bytes that are not a whole option */
	n = copy(MSG(v6_rs));
	assert_int_equal(ndp_parse(buf, n - 4, &r), WIRE_TRUNCATED);
	/* code other than 0 */
	n = copy(MSG(v6_na));
	buf[1] = 1;
	assert_int_equal(ndp_parse(buf, n, &r), WIRE_BAD_FIELD);
	/* shorter than the type's fixed part */
	n = copy(MSG(v6_ra));
	assert_int_equal(ndp_parse(buf, 15, &r), WIRE_TRUNCATED);
	n = copy(MSG(v6_ns_dad));
	assert_int_equal(ndp_parse(buf, 23, &r), WIRE_TRUNCATED);
	assert_int_equal(ndp_parse(buf, 7, &r), WIRE_TRUNCATED);
	/* a multicast target (NS, NA) or redirect destination */
	n = copy(MSG(v6_ns));
	buf[8] = 0xff;
	assert_int_equal(ndp_parse(buf, n, &r), WIRE_BAD_FIELD);
	n = copy(MSG(v6_redirect));
	buf[24] = 0xff;
	assert_int_equal(ndp_parse(buf, n, &r), WIRE_BAD_FIELD);
	/* not an ND type */
	n = copy(MSG(v6_echo_req));
	assert_int_equal(ndp_parse(buf, n, &r), WIRE_UNSUPPORTED);
}

static void test_ndp_ignored_options(void **state)
{
	(void)state;
	struct ndp_repr r;
	size_t n;

	/* a prefix option of the wrong length, an unknown option, an even RDNSS length:
	 * skipped, the rest read */
	n = copy(MSG(v6_ra));
	size_t pi = 16 + 8 + 8;
	assert_int_equal(buf[pi], NDP_OPT_PREFIX);
	buf[pi] = 200;                               /* unknown type */
	assert_int_equal(ndp_parse(buf, n, &r), WIRE_OK);
	assert_int_equal(r.n_prefix, 0);
	assert_int_equal(r.n_ignored, 1);
	assert_int_equal(r.n_rdnss, 2);
	size_t rd = pi + 32;
	assert_int_equal(buf[rd], NDP_OPT_RDNSS);
	buf[rd + 1] = 4;         /* even: invalid (RFC 8106 5.1); the last 8 bytes cut off */
	assert_int_equal(ndp_parse(buf, n - 8, &r), WIRE_OK);
	assert_int_equal(r.n_rdnss, 0);
	assert_int_equal(r.n_ignored, 2);
	/* SLLA in an NA is not its option; TLLA in an NS neither */
	n = copy(MSG(v6_ns));
	buf[24] = NDP_OPT_TLLA;
	assert_int_equal(ndp_parse(buf, n, &r), WIRE_OK);
	assert_false(r.has_slla || r.has_tlla);
	assert_int_equal(r.n_ignored, 1);
	/* more prefixes than kept */
	struct ndp_repr big = { .type = ICMP6_ND_RA, .n_prefix = NDP_MAX_PREFIX };
	uint8_t out[NDP_MAX_LEN];
	n = ndp_emit(&big, out, sizeof(out), g6_a, g6_b);
	assert_int_equal(n, 16 + 32 * NDP_MAX_PREFIX);
	memcpy(buf, out, n);
	memcpy(buf + n, out + 16, 32);
	n += 32;
	buf[2] = buf[3] = 0;
	assert_int_equal(ndp_parse(buf, n, &r), WIRE_OK);
	assert_int_equal(r.n_prefix, NDP_MAX_PREFIX);
	assert_int_equal(r.n_ignored, 1);
}

static void test_mld(void **state)
{
	(void)state;
	struct mld_repr r;
	uint8_t a[16];
	/* the MLD report frame has an 8-byte hop-by-hop header */
	struct msg m = msg_at(v6_mld2_report, sizeof(v6_mld2_report), G6_L4 + 8);

	assert_int_equal(mld_parse(m.p, m.n, &r), WIRE_OK);
	assert_int_equal(r.type, ICMP6_MLD2_REPORT);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.n_sources, 2);
	assert_int_equal(r.rec_type, MLD2_CHANGE_TO_EXCLUDE);
	addr("ff02::1:ff00:a", a);
	assert_memory_equal(r.group, a, 16);

	/* written again, byte for byte */
	struct mld2_record recs[2] = { { .type = MLD2_CHANGE_TO_EXCLUDE },
				       { .type = MLD2_CHANGE_TO_EXCLUDE } };
	addr("ff02::1:ff00:a", recs[0].group);
	addr("ff02::1:ff00:1", recs[1].group);
	uint8_t out[256];
	assert_int_equal(mld2_emit_report(recs, 2, out, sizeof(out), m.src, m.dst), m.n);
	assert_memory_equal(out, m.p, m.n);
	assert_int_equal(mld2_emit_report(recs, 2, out, m.n - 1, m.src, m.dst), 0);
	assert_int_equal(mld2_emit_report(recs, MLD2_MAX_RECORDS + 1, out, sizeof(out), m.src,
					  m.dst), 0);

	/* a record whose source count runs past the end */
	memcpy(buf, m.p, m.n);
	buf[8 + 3] = 1;
	assert_int_equal(mld_parse(buf, m.n, &r), WIRE_TRUNCATED);
	buf[8 + 3] = 0;
	buf[8 + 1] = 200;                  /* auxiliary data length */
	assert_int_equal(mld_parse(buf, m.n, &r), WIRE_TRUNCATED);
	buf[8 + 1] = 0;
	buf[7] = 3;                        /* three records, two present */
	assert_int_equal(mld_parse(buf, m.n, &r), WIRE_TRUNCATED);

	/* queries: 24 bytes v1, 28 and more v2, 25..27 invalid */
	uint8_t q[44] = { ICMP6_MLD_QUERY, 0, 0, 0, 0x27, 0x10 };
	assert_int_equal(mld_parse(q, 24, &r), WIRE_OK);
	assert_int_equal(r.version, 1);
	assert_int_equal(mld_max_resp_ms(&r), 10000);
	assert_int_equal(mld_parse(q, 26, &r), WIRE_BAD_LEN);
	assert_int_equal(mld_parse(q, 28, &r), WIRE_OK);
	assert_int_equal(r.version, 2);
	q[27] = 1;
	assert_int_equal(mld_parse(q, 43, &r), WIRE_TRUNCATED);
	assert_int_equal(mld_parse(q, 44, &r), WIRE_OK);
	assert_int_equal(r.n_sources, 1);
	/* RFC 3810 5.1.3 exponential form: 0x8000 | exp 1 | mant 0x234 -> 0x1234 << 4 */
	q[4] = 0x92; q[5] = 0x34;
	assert_int_equal(mld_parse(q, 28 + 16, &r), WIRE_OK);
	assert_int_equal(mld_max_resp_ms(&r), 0x1234u << 4);
	assert_int_equal(mld_parse(q, 23, &r), WIRE_TRUNCATED);
	q[0] = ICMP6_ECHO_REQUEST;
	assert_int_equal(mld_parse(q, 24, &r), WIRE_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ndp_solicitations),
		cmocka_unit_test(test_ndp_advertisements),
		cmocka_unit_test(test_ndp_rejects),
		cmocka_unit_test(test_ndp_ignored_options),
		cmocka_unit_test(test_mld),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
