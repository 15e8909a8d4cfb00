/* test_wire_tcp.c - the TCP header and options (RFC 9293, 7323, 2018) on captured
 * Linux segments: fields, options, round trips byte for byte, the emitted option
 * layout, SACK blocks that do not fit, lenient option parsing, and hostile headers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/tcp.h"
#include "wire/csum.h"
#include "test_wire_golden.h"

#define SEG(f) ((f) + GOLD_L4)
#define SEGLEN(f) (sizeof(f) - GOLD_L4)

static void test_tcp_parse_syn(void **state)
{
	(void)state;
	struct tcp_repr r;

	assert_int_equal(tcp_parse(SEG(tcp_syn), SEGLEN(tcp_syn), GOLD_IP_A, GOLD_IP_B, &r, true),
			 WIRE_OK);
	assert_int_equal(r.sport, 51580);
	assert_int_equal(r.dport, 8080);
	assert_int_equal(r.seq, 1982104936u);
	assert_int_equal(r.ack, 0);
	assert_int_equal(r.hdr_len, 40);
	assert_int_equal(r.flags, TCP_SYN);
	assert_int_equal(r.win, 64240);
	assert_int_equal(r.csum, 0x624b);
	assert_true(r.has_mss);
	assert_int_equal(r.mss, 1460);
	assert_true(r.sack_perm);
	assert_true(r.has_ts);
	assert_int_equal(r.ts_val, 3025550600u);
	assert_int_equal(r.ts_ecr, 0);
	assert_true(r.has_wscale);
	assert_int_equal(r.wscale, 10);
	assert_int_equal(r.n_sack, 0);
	assert_int_equal(tcp_options_len(&r), 20);
}

static void test_tcp_parse_data(void **state)
{
	(void)state;
	struct tcp_repr r;

	assert_int_equal(tcp_parse(SEG(tcp_data), SEGLEN(tcp_data), GOLD_IP_A, GOLD_IP_B, &r, true),
			 WIRE_OK);
	assert_int_equal(r.flags, TCP_PSH | TCP_ACK);
	assert_int_equal(r.hdr_len, 32);
	assert_int_equal(r.ack, 0xc5685213u);
	assert_int_equal(r.win, 63);
	assert_false(r.has_mss);
	assert_false(r.sack_perm);
	assert_false(r.has_wscale);
	assert_true(r.has_ts);
	assert_int_equal(r.ts_val, 0xb4563d09u);
	assert_int_equal(r.ts_ecr, 0x8fb6f4a0u);
	assert_memory_equal(SEG(tcp_data) + r.hdr_len, "hello ustack\n", 13);
	assert_int_equal(SEGLEN(tcp_data) - r.hdr_len, 13);
}

/* parse, emit the header, copy the payload, set the checksum: identical bytes */
static void round_trip(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst)
{
	struct tcp_repr r;
	uint8_t out[128];

	assert_int_equal(tcp_parse(seg, len, src, dst, &r, true), WIRE_OK);
	memset(out, 0xee, sizeof(out));
	size_t h = tcp_emit(&r, out);
	assert_int_equal(h, r.hdr_len);
	assert_int_equal(h, TCP_HDR_LEN + tcp_options_len(&r));
	memcpy(out + h, seg + h, len - h);
	tcp_set_csum(out, len, src, dst);
	assert_memory_equal(out, seg, len);
}

static void test_tcp_round_trips(void **state)
{
	(void)state;
	round_trip(SEG(tcp_syn), SEGLEN(tcp_syn), GOLD_IP_A, GOLD_IP_B);
	round_trip(SEG(tcp_synack), SEGLEN(tcp_synack), GOLD_IP_B, GOLD_IP_A);
	round_trip(SEG(tcp_data), SEGLEN(tcp_data), GOLD_IP_A, GOLD_IP_B);
}

/* emit r, check the length, parse it back and compare the options */
static void emit_and_reparse(const struct tcp_repr *r, struct tcp_repr *back, uint8_t *out)
{
	size_t h = tcp_emit(r, out);

	assert_int_equal(h % 4, 0);
	assert_true(h <= TCP_MAX_HDR_LEN);
	assert_int_equal(h, TCP_HDR_LEN + tcp_options_len(r));
	tcp_set_csum(out, h, 1, 2);
	assert_int_equal(tcp_parse(out, h, 1, 2, back, true), WIRE_OK);
	assert_int_equal(back->hdr_len, h);
	assert_int_equal(back->has_mss, r->has_mss);
	assert_int_equal(back->sack_perm, r->sack_perm);
	assert_int_equal(back->has_ts, r->has_ts);
	assert_int_equal(back->has_wscale, r->has_wscale);
	if (r->has_mss)
		assert_int_equal(back->mss, r->mss);
	if (r->has_wscale)
		assert_int_equal(back->wscale, r->wscale);
	if (r->has_ts) {
		assert_int_equal(back->ts_val, r->ts_val);
		assert_int_equal(back->ts_ecr, r->ts_ecr);
	}
}

static void test_tcp_option_combinations(void **state)
{
	(void)state;
	uint8_t out[TCP_MAX_HDR_LEN + 4];
	struct tcp_repr back;

	for (int mask = 0; mask < 32; mask++) {
		struct tcp_repr r = { .sport = 1, .dport = 2, .seq = 3, .flags = TCP_SYN, .win = 100 };
		r.has_mss = mask & 1;
		r.mss = 1400;
		r.sack_perm = mask & 2;
		r.has_ts = mask & 4;
		r.ts_val = 0x11223344;
		r.ts_ecr = 0x55667788;
		r.has_wscale = mask & 8;
		r.wscale = 7;
		r.n_sack = (mask & 16) ? 4 : 0;
		for (int i = 0; i < 4; i++)
			r.sack[i] = (struct tcp_sack_block){ 1000u * (uint32_t)i, 1000u * (uint32_t)i + 500 };
		emit_and_reparse(&r, &back, out);
		/* as many SACK blocks as fit in 40 bytes, in order */
		size_t fixed = tcp_options_len(&r) - (back.n_sack ? 4 + 8u * back.n_sack : 0);
		size_t fit = fixed + 12 <= 40 ? (40 - fixed - 4) / 8 : 0;
		assert_int_equal(back.n_sack, r.n_sack < fit ? r.n_sack : (fit > 4 ? 4 : fit));
		for (int i = 0; i < back.n_sack; i++) {
			assert_int_equal(back.sack[i].left, r.sack[i].left);
			assert_int_equal(back.sack[i].right, r.sack[i].right);
		}
	}
}

static void test_tcp_linux_layout(void **state)
{
	(void)state;
	/* SYN: mss, sackOK, TS, nop, wscale -- exactly the captured bytes */
	struct tcp_repr r = { .has_mss = true, .mss = 1460, .sack_perm = true, .has_ts = true,
			      .ts_val = 3025550600u, .has_wscale = true, .wscale = 10 };
	uint8_t out[60];
	assert_int_equal(tcp_emit(&r, out), 40);
	assert_memory_equal(out + 20, SEG(tcp_syn) + 20, 20);

	/* established with SACK: nop nop TS, nop nop SACK(3 blocks) */
	struct tcp_repr d = { .has_ts = true, .ts_val = 1, .ts_ecr = 2, .n_sack = 4 };
	assert_int_equal(tcp_options_len(&d), 12 + 4 + 24);
	tcp_emit(&d, out);
	static const uint8_t want[8] = { 1, 1, 8, 10, 0, 0, 0, 1 };
	assert_memory_equal(out + 20, want, sizeof(want));
	assert_int_equal(out[32], 1);
	assert_int_equal(out[33], 1);
	assert_int_equal(out[34], TCP_OPT_SACK);
	assert_int_equal(out[35], 2 + 24);

	/* only wscale: nop wscale; only sackOK: nop nop sackOK */
	struct tcp_repr w = { .has_wscale = true, .wscale = 3 };
	tcp_emit(&w, out);
	assert_int_equal(tcp_options_len(&w), 4);
	assert_memory_equal(out + 20, "\x01\x03\x03\x03", 4);
	struct tcp_repr s = { .sack_perm = true };
	tcp_emit(&s, out);
	assert_memory_equal(out + 20, "\x01\x01\x04\x02", 4);
	struct tcp_repr none = { .flags = TCP_ACK };
	assert_int_equal(tcp_emit(&none, out), 20);
	assert_int_equal(out[12], 0x50);
}

/* A segment with the given option bytes (padded with EOL to a multiple of 4). */
static size_t make_seg(uint8_t *seg, const uint8_t *opt, size_t olen)
{
	size_t h = TCP_HDR_LEN + ((olen + 3) & ~(size_t)3);

	memset(seg, 0, h);
	be16_put(seg, 1000);
	be16_put(seg + 2, 80);
	seg[12] = (uint8_t)((h / 4) << 4);
	seg[13] = TCP_SYN;
	memcpy(seg + TCP_HDR_LEN, opt, olen);
	tcp_set_csum(seg, h, 1, 2);
	return h;
}

static void test_tcp_options_lenient(void **state)
{
	(void)state;
	uint8_t seg[64];
	struct tcp_repr r;

	/* unknown kind 30 (len 6) skipped, then MSS */
	const uint8_t unk[] = { 30, 6, 1, 2, 3, 4, 2, 4, 0x05, 0xb4 };
	assert_int_equal(tcp_parse(seg, make_seg(seg, unk, sizeof(unk)), 1, 2, &r, true), WIRE_OK);
	assert_true(r.has_mss);
	assert_int_equal(r.mss, 1460);

	/* EOL stops: the MSS after it is not read */
	const uint8_t eol[] = { 1, 0, 2, 4, 0x05, 0xb4 };
	assert_int_equal(tcp_parse(seg, make_seg(seg, eol, sizeof(eol)), 1, 2, &r, true), WIRE_OK);
	assert_false(r.has_mss);

	/* option length 0 and 1: parsing stops, the segment is kept */
	for (uint8_t bad = 0; bad < 2; bad++) {
		const uint8_t z[] = { 4, 2, 30, bad, 2, 4, 0x05, 0xb4 };
		assert_int_equal(tcp_parse(seg, make_seg(seg, z, sizeof(z)), 1, 2, &r, true), WIRE_OK);
		assert_true(r.sack_perm);
		assert_false(r.has_mss);
	}

	/* length past the header ends parsing */
	const uint8_t over[] = { 4, 2, 3, 3, 7, 1, 8, 40, 0, 0, 0, 0 };
	assert_int_equal(tcp_parse(seg, make_seg(seg, over, sizeof(over)), 1, 2, &r, true), WIRE_OK);
	assert_true(r.sack_perm);
	assert_true(r.has_wscale);
	assert_false(r.has_ts);

	/* a kind with no room for its length byte */
	const uint8_t tail[] = { 1, 1, 1, 2 };
	assert_int_equal(tcp_parse(seg, make_seg(seg, tail, sizeof(tail)), 1, 2, &r, true), WIRE_OK);
	assert_false(r.has_mss);

	/* known kinds with wrong lengths are ignored, not misread */
	const uint8_t wrong[] = { 2, 3, 5, 3, 2, 1, 8, 6, 0, 0, 0, 1, 4, 3, 0 };
	assert_int_equal(tcp_parse(seg, make_seg(seg, wrong, sizeof(wrong)), 1, 2, &r, true), WIRE_OK);
	assert_false(r.has_mss);
	assert_false(r.has_wscale);
	assert_false(r.has_ts);
	assert_false(r.sack_perm);

	/* window scale above 14 is clamped (RFC 7323 2.3) */
	const uint8_t ws[] = { 1, 3, 3, 200 };
	assert_int_equal(tcp_parse(seg, make_seg(seg, ws, sizeof(ws)), 1, 2, &r, true), WIRE_OK);
	assert_int_equal(r.wscale, 14);

	/* SACK with a partial block is ignored; with 4 blocks all are read */
	const uint8_t sack_bad[] = { 1, 1, 5, 6, 0, 0, 0, 1, 0, 0 };
	assert_int_equal(tcp_parse(seg, make_seg(seg, sack_bad, sizeof(sack_bad)), 1, 2, &r, true),
			 WIRE_OK);
	assert_int_equal(r.n_sack, 0);
	uint8_t sack4[36] = { 1, 1, 5, 34 };
	for (int i = 0; i < 8; i++)
		be32_put(sack4 + 4 + 4 * i, (uint32_t)(i + 1) * 100);
	assert_int_equal(tcp_parse(seg, make_seg(seg, sack4, sizeof(sack4)), 1, 2, &r, true), WIRE_OK);
	assert_int_equal(r.n_sack, 4);
	assert_int_equal(r.sack[3].left, 700);
	assert_int_equal(r.sack[3].right, 800);
}

static void test_tcp_hostile_headers(void **state)
{
	(void)state;
	uint8_t p[80];
	struct tcp_repr r;

	for (size_t len = 0; len < TCP_HDR_LEN; len++)
		assert_int_equal(tcp_parse(SEG(tcp_syn), len, GOLD_IP_A, GOLD_IP_B, &r, false),
				 WIRE_TRUNCATED);
	for (size_t len = TCP_HDR_LEN; len < 40; len++)
		assert_int_equal(tcp_parse(SEG(tcp_syn), len, GOLD_IP_A, GOLD_IP_B, &r, false),
				 WIRE_BAD_HDRLEN);
	for (size_t len = 0; len < SEGLEN(tcp_syn); len++)
		assert_int_not_equal(tcp_parse(SEG(tcp_syn), len, GOLD_IP_A, GOLD_IP_B, &r, true),
				     WIRE_OK);
	for (size_t len = 0; len < SEGLEN(tcp_data); len++)
		assert_int_not_equal(tcp_parse(SEG(tcp_data), len, GOLD_IP_A, GOLD_IP_B, &r, true),
				     WIRE_OK);

	for (uint8_t off = 0; off < 5; off++) {
		memcpy(p, SEG(tcp_syn), SEGLEN(tcp_syn));
		p[12] = (uint8_t)(off << 4);
		assert_int_equal(tcp_parse(p, SEGLEN(tcp_syn), GOLD_IP_A, GOLD_IP_B, &r, false),
				 WIRE_BAD_HDRLEN);
	}
	memcpy(p, SEG(tcp_syn), SEGLEN(tcp_syn));
	p[12] = 0xf0;   /* 60 bytes of header in a 40-byte segment */
	assert_int_equal(tcp_parse(p, SEGLEN(tcp_syn), GOLD_IP_A, GOLD_IP_B, &r, false),
			 WIRE_BAD_HDRLEN);

	for (size_t byte = 0; byte < SEGLEN(tcp_data); byte++) {
		memcpy(p, SEG(tcp_data), SEGLEN(tcp_data));
		p[byte] ^= 0x20;
		if (byte == 12)
			continue;
		assert_int_equal(tcp_parse(p, SEGLEN(tcp_data), GOLD_IP_A, GOLD_IP_B, &r, true),
				 WIRE_BAD_CSUM);
	}
}

static void test_tcp_flags_str(void **state)
{
	(void)state;
	char s[32];

	assert_string_equal(tcp_flags_str(TCP_SYN | TCP_ACK, s), "SYN,ACK");
	assert_string_equal(tcp_flags_str(TCP_FIN | TCP_PSH | TCP_ACK, s), "FIN,PSH,ACK");
	assert_string_equal(tcp_flags_str(TCP_RST, s), "RST");
	assert_string_equal(tcp_flags_str(0, s), "none");
	assert_string_equal(tcp_flags_str(0xff, s), "FIN,SYN,RST,PSH,ACK,URG,ECE,CWR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_parse_syn),
		cmocka_unit_test(test_tcp_parse_data),
		cmocka_unit_test(test_tcp_round_trips),
		cmocka_unit_test(test_tcp_option_combinations),
		cmocka_unit_test(test_tcp_linux_layout),
		cmocka_unit_test(test_tcp_options_lenient),
		cmocka_unit_test(test_tcp_hostile_headers),
		cmocka_unit_test(test_tcp_flags_str),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
