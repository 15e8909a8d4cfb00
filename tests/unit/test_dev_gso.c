/* test_dev_gso.c - src/dev/gso.c against bytes computed apart from it (by hand and
 * with a separate checksum, see the comment at each array): a TCP/IPv4 super-segment
 * cut into wire segments (IP total length, identification +1 with wrap, header
 * checksum, sequence +gso_size with wrap, CWR only first, FIN/PSH only last, TCP
 * checksum), a 64 KiB one cut into 45 segments that put together give the payload
 * back, a partial checksum finished, and the virtio-net header both ways. TCP over
 * IPv6: test_dev_gso6.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dev/gso.h"

/* Eth 02:00:00:00:00:01 -> :02, IPv4 10.9.0.1 -> 10.9.0.2, id 0xfffe, DF, TTL 64;
 * TCP 40000 -> 5001, seq 0xfffffff8, ack 0x0a0b0c0d, CWR|ACK|PSH|FIN, window 512;
 * payload "ABCDEFGHIJ". Checksums computed with a separate program (RFC 1071 sum in
 * Python), as are the three segments that gso_size 4 gives. */
static const uint8_t super_seg[64] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x32, 0xff, 0xfe, 0x40, 0x00, 0x40, 0x06,
	0x26, 0xb3, 0x0a, 0x09, 0x00, 0x01, 0x0a, 0x09, 0x00, 0x02, 0x9c, 0x40,
	0x13, 0x89, 0xff, 0xff, 0xff, 0xf8, 0x0a, 0x0b, 0x0c, 0x0d, 0x50, 0x99,
	0x02, 0x00, 0x78, 0xf3, 0x00, 0x00, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46,
	0x47, 0x48, 0x49, 0x4a,
};

static const uint8_t wire_seg0[58] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x2c, 0xff, 0xfe, 0x40, 0x00, 0x40, 0x06,
	0x26, 0xb9, 0x0a, 0x09, 0x00, 0x01, 0x0a, 0x09, 0x00, 0x02, 0x9c, 0x40,
	0x13, 0x89, 0xff, 0xff, 0xff, 0xf8, 0x0a, 0x0b, 0x0c, 0x0d, 0x50, 0x90,
	0x02, 0x00, 0x4e, 0xdb, 0x00, 0x00, 0x41, 0x42, 0x43, 0x44,
};

static const uint8_t wire_seg1[58] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x2c, 0xff, 0xff, 0x40, 0x00, 0x40, 0x06,
	0x26, 0xb8, 0x0a, 0x09, 0x00, 0x01, 0x0a, 0x09, 0x00, 0x02, 0x9c, 0x40,
	0x13, 0x89, 0xff, 0xff, 0xff, 0xfc, 0x0a, 0x0b, 0x0c, 0x0d, 0x50, 0x10,
	0x02, 0x00, 0x47, 0x4f, 0x00, 0x00, 0x45, 0x46, 0x47, 0x48,
};

static const uint8_t wire_seg2[56] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x26, 0xba, 0x0a, 0x09, 0x00, 0x01, 0x0a, 0x09, 0x00, 0x02, 0x9c, 0x40,
	0x13, 0x89, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x0b, 0x0c, 0x0d, 0x50, 0x19,
	0x02, 0x00, 0x8a, 0x89, 0x00, 0x00, 0x49, 0x4a,
};

/* The pseudo-header sum of the super-segment (TCP length 30): what a device
 * finishing the checksum finds in the field. */
#define SUPER_PSEUDO 0x1439

/* An RFC 1071 sum of our own (byte pairs, carries folded at the end), to check
 * segments without gso.c's or csum.c's code. */
static uint16_t ref_sum(const uint8_t *b, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void test_split_golden(void **state)
{
	(void)state;
	struct gso_tcp g;
	uint8_t out[128];
	const uint8_t *want[3] = { wire_seg0, wire_seg1, wire_seg2 };
	size_t want_len[3] = { sizeof(wire_seg0), sizeof(wire_seg1), sizeof(wire_seg2) };

	assert_int_equal(gso_tcp_parse(super_seg, sizeof(super_seg), 14, &g), 0);
	assert_false(g.v6);
	assert_int_equal(gso_tcp_type(&g), USTACK_GSO_TCPV4);
	assert_int_equal(gso_tcp_tso(&g), USTACK_DEV_TSO4);
	assert_int_equal(g.l3, 14);
	assert_int_equal(g.l4, 34);
	assert_int_equal(g.hdr_len, 54);
	assert_int_equal(g.payload, 10);
	assert_int_equal(gso_tcp_count(&g, 4), 3);
	for (size_t i = 0; i < 3; i++) {
		memset(out, 0xee, sizeof(out));
		size_t l = gso_tcp_segment(super_seg, &g, 4, i, out, sizeof(out));

		assert_int_equal(l, want_len[i]);
		assert_memory_equal(out, want[i], l);
	}
	assert_int_equal(gso_tcp_segment(super_seg, &g, 4, 3, out, sizeof(out)), 0);
	/* a buffer too small for a segment: nothing written */
	assert_int_equal(gso_tcp_segment(super_seg, &g, 4, 0, out, 57), 0);
	/* gso_size as large as the payload: one segment, the frame itself */
	assert_int_equal(gso_tcp_count(&g, 10), 1);
	assert_int_equal(gso_tcp_segment(super_seg, &g, 10, 0, out, sizeof(out)), sizeof(super_seg));
	assert_memory_equal(out, super_seg, sizeof(super_seg));
}

static void test_split_64k(void **state)
{
	(void)state;
	const size_t pay = 65535 - 20 - 32, gs = 1448;     /* TCP with timestamps */
	size_t flen = 14 + 20 + 32 + pay;
	uint8_t *f = calloc(1, flen), *back = calloc(1, pay), seg[2048];
	struct gso_tcp g;

	assert_non_null(f);
	assert_non_null(back);
	memcpy(f, super_seg, 14 + 20);
	f[16] = 0xff; f[17] = 0xff;                        /* total length 65535 */
	f[18] = 0x10; f[19] = 0x00;                        /* id 0x1000 */
	memcpy(f + 34, super_seg + 34, 20);
	f[46] = 0x80;                                      /* data offset 8 words */
	f[47] = 0x18;                                      /* ACK|PSH */
	f[54] = 1; f[55] = 1; f[56] = 8; f[57] = 10;       /* NOP NOP TS */
	for (size_t i = 0; i < pay; i++)
		f[66 + i] = (uint8_t)(i * 7 + (i >> 8));
	assert_int_equal(gso_tcp_parse(f, flen, 14, &g), 0);
	assert_int_equal(g.hdr_len, 66);
	assert_int_equal(gso_tcp_count(&g, gs), (pay + gs - 1) / gs);
	assert_int_equal(gso_tcp_count(&g, gs), 46);
	size_t got = 0;
	for (size_t i = 0; i < 46; i++) {
		size_t l = gso_tcp_segment(f, &g, (uint16_t)gs, i, seg, sizeof(seg));
		size_t p = i < 45 ? gs : pay - 45 * gs;

		assert_int_equal(l, 66 + p);
		/* IPv4: total length, id, header checksum */
		assert_int_equal(seg[16] << 8 | seg[17], 52 + p);
		assert_int_equal(seg[18] << 8 | seg[19], 0x1000 + i);
		assert_int_equal(ref_sum(seg + 14, 20, 0), 0xffff);
		/* TCP: sequence, PSH only on the last, options kept, checksum */
		uint32_t seq = (uint32_t)seg[38] << 24 | (uint32_t)seg[39] << 16 |
			       (uint32_t)seg[40] << 8 | seg[41];
		assert_int_equal(seq, 0xfffffff8u + (uint32_t)(i * gs));
		assert_int_equal(seg[47], i < 45 ? 0x10 : 0x18);
		assert_int_equal(seg[56], 8);
		uint32_t ps = (10u << 8 | 9) + 1 + (10u << 8 | 9) + 2 + 6 + (uint32_t)(l - 34);
		assert_int_equal(ref_sum(seg + 34, l - 34, ps), 0xffff);
		memcpy(back + got, seg + 66, p);
		got += p;
	}
	assert_int_equal(got, pay);
	assert_memory_equal(back, f + 66, pay);
	free(f);
	free(back);
}

static void test_csum_complete(void **state)
{
	(void)state;
	uint8_t f[sizeof(super_seg)];
	struct gso_tcp g;
	struct ustack_frame_meta m;

	memcpy(f, super_seg, sizeof(f));
	f[50] = SUPER_PSEUDO >> 8;
	f[51] = SUPER_PSEUDO & 0xff;
	assert_int_equal(gso_csum_complete(f, sizeof(f), 34, 16), 0);
	assert_memory_equal(f, super_seg, sizeof(f));            /* 0x78f3 */
	/* and the other way: gso_tcp_csum_partial writes the pseudo-header sum */
	assert_int_equal(gso_tcp_parse(f, sizeof(f), 14, &g), 0);
	memset(&m, 0, sizeof(m));
	gso_tcp_csum_partial(f, &g, &m);
	assert_int_equal(f[50] << 8 | f[51], SUPER_PSEUDO);
	assert_int_equal(m.flags, USTACK_META_CSUM_PARTIAL);
	assert_int_equal(m.csum_start, 34);
	assert_int_equal(m.csum_offset, 16);
	/* the field must lie inside the frame */
	assert_int_equal(gso_csum_complete(f, sizeof(f), 34, 29), -1);
	assert_int_equal(gso_csum_complete(f, sizeof(f), 63, 0), -1);
	assert_int_equal(gso_csum_complete(f, sizeof(f), 65, 0), -1);
	assert_int_equal(gso_csum_complete(f, sizeof(f), 34, 28), 0);
}

static void test_parse_rejects(void **state)
{
	(void)state;
	uint8_t f[sizeof(super_seg)];
	struct gso_tcp g;

	memcpy(f, super_seg, sizeof(f));
	f[14] = 0x55;                                  /* version 5 */
	assert_int_equal(gso_tcp_parse(f, sizeof(f), 14, &g), -1);
	memcpy(f, super_seg, sizeof(f));
	f[23] = 17;                                    /* UDP */
	assert_int_equal(gso_tcp_parse(f, sizeof(f), 14, &g), -1);
	memcpy(f, super_seg, sizeof(f));
	f[17] = 0x33;                                  /* total length past the frame */
	assert_int_equal(gso_tcp_parse(f, sizeof(f), 14, &g), -1);
	memcpy(f, super_seg, sizeof(f));
	f[46] = 0xf0;                                  /* TCP header past the datagram */
	assert_int_equal(gso_tcp_parse(f, sizeof(f), 14, &g), -1);
	assert_int_equal(gso_tcp_parse(super_seg, 40, 14, &g), -1);
	assert_int_equal(gso_tcp_parse(super_seg, sizeof(super_seg), 70, &g), -1);
}

static void test_vnet_hdr(void **state)
{
	(void)state;
	/* NEEDS_CSUM, TCPV4, hdr_len 54, gso_size 1448, csum_start 34, csum_offset 16 */
	static const uint8_t golden[GSO_VNET_HDR_LEN] = { 0x01, 0x01, 54, 0, 0xa8, 0x05, 34, 0, 16, 0 };
	struct ustack_frame_meta m;
	uint8_t h[GSO_VNET_HDR_LEN];

	assert_int_equal(gso_vnet_hdr_parse(golden, 65000, &m), 0);
	assert_int_equal(m.flags, USTACK_META_CSUM_PARTIAL);
	assert_int_equal(m.gso_type, USTACK_GSO_TCPV4);
	assert_int_equal(m.hdr_len, 54);
	assert_int_equal(m.gso_size, 1448);
	assert_int_equal(m.csum_start, 34);
	assert_int_equal(m.csum_offset, 16);
	gso_vnet_hdr_emit(&m, h);
	assert_memory_equal(h, golden, sizeof(h));

	/* DATA_VALID, no GSO: all zeros but the flag */
	static const uint8_t valid[GSO_VNET_HDR_LEN] = { 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(gso_vnet_hdr_parse(valid, 60, &m), 0);
	assert_int_equal(m.flags, USTACK_META_CSUM_VALID);
	assert_int_equal(m.gso_type, USTACK_GSO_NONE);

	/* what we do not take: UDP (3), ECN; a checksum field past the frame; GSO
	 * without a size (TCPv6, 4, is taken: test_dev_gso6.c) */
	uint8_t bad[GSO_VNET_HDR_LEN];
	memcpy(bad, golden, sizeof(bad));
	bad[1] = 3;
	assert_int_equal(gso_vnet_hdr_parse(bad, 65000, &m), -1);
	assert_int_equal(m.gso_type, 0xff);
	bad[1] = 0x81;
	assert_int_equal(gso_vnet_hdr_parse(bad, 65000, &m), -1);
	assert_int_equal(gso_vnet_hdr_parse(golden, 51, &m), -1);
	memcpy(bad, golden, sizeof(bad));
	bad[4] = bad[5] = 0;
	assert_int_equal(gso_vnet_hdr_parse(bad, 65000, &m), -1);

	/* emit: no GSO, no partial checksum -> a header of zeros */
	memset(&m, 0, sizeof(m));
	m.gso_size = 77;
	m.csum_start = 5;
	gso_vnet_hdr_emit(&m, h);
	static const uint8_t zero[GSO_VNET_HDR_LEN];
	assert_memory_equal(h, zero, sizeof(h));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_golden),
		cmocka_unit_test(test_split_64k),
		cmocka_unit_test(test_csum_complete),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_vnet_hdr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
