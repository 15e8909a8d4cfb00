/* test_dev_gso6.c - src/dev/gso.c for TCP over IPv6, against bytes computed apart from
 * it (a separate program, see the comment at each array) and checksums summed here
 * with a pseudo-header built here: a TCP/IPv6 super-segment cut into wire segments
 * (payload length, sequence +gso_size with wrap, CWR only first, FIN/PSH only last,
 * flow label and hop limit kept, no identification anywhere, TCP checksum over the
 * IPv6 pseudo-header), a 64 KiB one cut into 46 segments that put together give the
 * payload back, the partial checksum both ways, what is refused (extension headers,
 * a jumbogram, lengths out of the frame), and the virtio-net header with GSO_TCPV6
 * (type 4) both ways, ECN and a checksum position past the frame refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dev/gso.h"

/* Eth 02:00:00:00:00:01 -> :02 (86dd); IPv6 flow label 0x12345, payload length 30,
 * next header TCP, hop limit 64, 2001:db8::1 -> 2001:db8::2; TCP 40000 -> 5001, seq
 * 0xfffffff8, ack 0x0a0b0c0d, CWR|ACK|PSH|FIN, window 512; payload "ABCDEFGHIJ". The
 * checksums, and the three segments gso_size 4 gives, computed with a separate program
 * (an RFC 1071 sum in Python over the RFC 8200 8.1 pseudo-header). */
static const uint8_t super6[84] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x01, 0x23, 0x45, 0x00, 0x1e, 0x06, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x89, 0xff, 0xff,
	0xff, 0xf8, 0x0a, 0x0b, 0x0c, 0x0d, 0x50, 0x99, 0x02, 0x00, 0x31, 0x93,
	0x00, 0x00, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a,
};

static const uint8_t wire6_seg0[78] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x01, 0x23, 0x45, 0x00, 0x18, 0x06, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x89, 0xff, 0xff,
	0xff, 0xf8, 0x0a, 0x0b, 0x0c, 0x0d, 0x50, 0x90, 0x02, 0x00, 0x07, 0x7b,
	0x00, 0x00, 0x41, 0x42, 0x43, 0x44,
};

static const uint8_t wire6_seg1[78] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x01, 0x23, 0x45, 0x00, 0x18, 0x06, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x89, 0xff, 0xff,
	0xff, 0xfc, 0x0a, 0x0b, 0x0c, 0x0d, 0x50, 0x10, 0x02, 0x00, 0xff, 0xee,
	0x00, 0x00, 0x45, 0x46, 0x47, 0x48,
};

static const uint8_t wire6_seg2[76] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x01, 0x23, 0x45, 0x00, 0x16, 0x06, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x89, 0x00, 0x00,
	0x00, 0x00, 0x0a, 0x0b, 0x0c, 0x0d, 0x50, 0x19, 0x02, 0x00, 0x43, 0x29,
	0x00, 0x00, 0x49, 0x4a,
};

/* The pseudo-header sum of the super-segment (TCP length 30), folded: what a device
 * finishing the checksum finds in the field. */
#define SUPER6_PSEUDO 0x5b99

/* An RFC 1071 sum of our own (byte pairs, carries folded at the end). */
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

/* The TCP checksum of the TCP/IPv6 frame f (IPv6 at 14, TCP at 54, len bytes) is
 * right: the sum over the pseudo-header (addresses, upper-layer length, next header 6)
 * and the segment is all ones. */
static void assert_tcp6_csum(const uint8_t *f, size_t len)
{
	uint32_t ps = ref_sum(f + 22, 32, 0) + (uint32_t)(len - 54) + 6;

	assert_int_equal(ref_sum(f + 54, len - 54, ps), 0xffff);
}

static void test_split6_golden(void **state)
{
	(void)state;
	struct gso_tcp g;
	uint8_t out[128];
	const uint8_t *want[3] = { wire6_seg0, wire6_seg1, wire6_seg2 };
	size_t want_len[3] = { sizeof(wire6_seg0), sizeof(wire6_seg1), sizeof(wire6_seg2) };

	assert_tcp6_csum(super6, sizeof(super6));
	assert_int_equal(gso_tcp_parse(super6, sizeof(super6), 14, &g), 0);
	assert_true(g.v6);
	assert_int_equal(g.l3, 14);
	assert_int_equal(g.l4, 54);
	assert_int_equal(g.hdr_len, 74);
	assert_int_equal(g.payload, 10);
	assert_int_equal(gso_tcp_type(&g), USTACK_GSO_TCPV6);
	assert_int_equal(gso_tcp_tso(&g), USTACK_DEV_TSO6);
	assert_int_equal(gso_tcp_count(&g, 4), 3);
	for (size_t i = 0; i < 3; i++) {
		memset(out, 0xee, sizeof(out));
		size_t l = gso_tcp_segment(super6, &g, 4, i, out, sizeof(out));

		assert_int_equal(l, want_len[i]);
		assert_memory_equal(out, want[i], l);
		assert_tcp6_csum(out, l);
		assert_int_equal(out[18] << 8 | out[19], l - 54);     /* payload length */
	}
	assert_int_equal(gso_tcp_segment(super6, &g, 4, 3, out, sizeof(out)), 0);
	assert_int_equal(gso_tcp_segment(super6, &g, 4, 0, out, 77), 0);   /* too small */
	assert_int_equal(gso_tcp_segment(super6, &g, 0, 0, out, sizeof(out)), 0);
	/* gso_size as large as the payload: one segment, the frame itself */
	assert_int_equal(gso_tcp_count(&g, 10), 1);
	assert_int_equal(gso_tcp_segment(super6, &g, 10, 0, out, sizeof(out)), sizeof(super6));
	assert_memory_equal(out, super6, sizeof(super6));
}

/* The largest super-segment TCP builds over IPv6 on a 64 KiB device: 65535 IP bytes,
 * TCP with timestamps, MSS 1440 - 12 = 1428 of payload per segment. */
static void test_split6_64k(void **state)
{
	(void)state;
	const size_t pay = 65535 - 40 - 32, gs = 1428;
	size_t flen = 14 + 40 + 32 + pay;
	uint8_t *f = calloc(1, flen), *back = calloc(1, pay), seg[2048];
	struct gso_tcp g;

	assert_non_null(f);
	assert_non_null(back);
	memcpy(f, super6, 54);
	f[18] = (uint8_t)((65535 - 40) >> 8);              /* payload length 65495 */
	f[19] = (uint8_t)((65535 - 40) & 0xff);
	memcpy(f + 54, super6 + 54, 20);
	f[66] = 0x80;                                      /* data offset 8 words */
	f[67] = 0x18;                                      /* ACK|PSH */
	f[74] = 1; f[75] = 1; f[76] = 8; f[77] = 10;       /* NOP NOP TS */
	for (size_t i = 0; i < pay; i++)
		f[86 + i] = (uint8_t)(i * 7 + (i >> 8));
	assert_int_equal(gso_tcp_parse(f, flen, 14, &g), 0);
	assert_int_equal(g.hdr_len, 86);
	assert_int_equal(g.payload, pay);
	assert_int_equal(gso_tcp_count(&g, gs), 46);
	size_t got = 0;
	for (size_t i = 0; i < 46; i++) {
		size_t l = gso_tcp_segment(f, &g, (uint16_t)gs, i, seg, sizeof(seg));
		size_t p = i < 45 ? gs : pay - 45 * gs;

		assert_int_equal(l, 86 + p);
		/* IPv6: the first 8 bytes but the payload length, and the addresses, kept */
		assert_memory_equal(seg, f, 18);
		assert_int_equal(seg[18] << 8 | seg[19], 32 + p);
		assert_memory_equal(seg + 20, f + 20, 34);
		/* TCP: sequence, PSH only on the last, options kept, checksum */
		uint32_t seq = (uint32_t)seg[58] << 24 | (uint32_t)seg[59] << 16 |
			       (uint32_t)seg[60] << 8 | seg[61];
		assert_int_equal(seq, 0xfffffff8u + (uint32_t)(i * gs));
		assert_int_equal(seg[67], i < 45 ? 0x10 : 0x18);
		assert_int_equal(seg[76], 8);
		assert_tcp6_csum(seg, l);
		memcpy(back + got, seg + 86, p);
		got += p;
	}
	assert_int_equal(got, pay);
	assert_memory_equal(back, f + 86, pay);
	free(f);
	free(back);
}

static void test_csum_partial6(void **state)
{
	(void)state;
	uint8_t f[sizeof(super6)];
	struct gso_tcp g;
	struct ustack_frame_meta m;

	memcpy(f, super6, sizeof(f));
	assert_int_equal(gso_tcp_parse(f, sizeof(f), 14, &g), 0);
	memset(&m, 0, sizeof(m));
	gso_tcp_csum_partial(f, &g, &m);
	assert_int_equal(f[70] << 8 | f[71], SUPER6_PSEUDO);
	assert_int_equal(m.flags, USTACK_META_CSUM_PARTIAL);
	assert_int_equal(m.csum_start, 54);
	assert_int_equal(m.csum_offset, 16);
	/* the device's part: the sum from csum_start on, stored there, gives it back */
	assert_int_equal(gso_csum_complete(f, sizeof(f), m.csum_start, m.csum_offset), 0);
	assert_memory_equal(f, super6, sizeof(f));
}

static void test_parse6_rejects(void **state)
{
	(void)state;
	uint8_t f[sizeof(super6) + 8];
	struct gso_tcp g;

	/* an extension header (destination options, 8 bytes of padding) before TCP:
	 * not a super-segment ustack cuts; the stack or the kernel does it whole */
	memcpy(f, super6, 54);
	f[20] = 60;
	f[19] = 30 + 8;
	memset(f + 54, 0, 8);
	f[54] = 6;                          /* its next header: TCP */
	f[56] = 1; f[57] = 4;               /* PadN, 4 bytes */
	memcpy(f + 62, super6 + 54, 30);
	assert_int_equal(gso_tcp_parse(f, sizeof(f), 14, &g), -1);
	f[20] = 0;                          /* hop-by-hop */
	assert_int_equal(gso_tcp_parse(f, sizeof(f), 14, &g), -1);
	f[20] = 44;                         /* fragment */
	assert_int_equal(gso_tcp_parse(f, sizeof(f), 14, &g), -1);

	memcpy(f, super6, sizeof(super6));
	f[20] = 17;                         /* UDP */
	assert_int_equal(gso_tcp_parse(f, sizeof(super6), 14, &g), -1);
	memcpy(f, super6, sizeof(super6));
	f[19] = 31;                         /* payload length past the frame */
	assert_int_equal(gso_tcp_parse(f, sizeof(super6), 14, &g), -1);
	f[18] = f[19] = 0;                  /* 0: a jumbogram (RFC 2675) */
	assert_int_equal(gso_tcp_parse(f, sizeof(super6), 14, &g), -1);
	f[19] = 19;                         /* shorter than a TCP header */
	assert_int_equal(gso_tcp_parse(f, sizeof(super6), 14, &g), -1);
	memcpy(f, super6, sizeof(super6));
	f[66] = 0x90;                       /* data offset 36: past the packet */
	assert_int_equal(gso_tcp_parse(f, sizeof(super6), 14, &g), -1);
	memcpy(f, super6, sizeof(super6));
	f[14] = 0x50;                       /* version 5 */
	assert_int_equal(gso_tcp_parse(f, sizeof(super6), 14, &g), -1);
	/* fewer bytes than the fixed header */
	assert_int_equal(gso_tcp_parse(super6, 14 + 39, 14, &g), -1);
	assert_int_equal(gso_tcp_parse(super6, 14 + 40 + 19, 14, &g), -1);
	/* trailing bytes (Ethernet padding) are not payload */
	memset(f, 0, sizeof(f));
	memcpy(f, super6, sizeof(super6));
	assert_int_equal(gso_tcp_parse(f, sizeof(f), 14, &g), 0);
	assert_int_equal(g.payload, 10);
}

static void test_vnet_hdr6(void **state)
{
	(void)state;
	/* NEEDS_CSUM, TCPV6 (4), hdr_len 86, gso_size 1428, csum_start 54, csum_offset 16 */
	static const uint8_t golden[GSO_VNET_HDR_LEN] = { 0x01, 0x04, 86, 0, 0x94, 0x05, 54, 0, 16, 0 };
	struct ustack_frame_meta m;
	uint8_t h[GSO_VNET_HDR_LEN];

	assert_int_equal(gso_vnet_hdr_parse(golden, 65549, &m), 0);
	assert_int_equal(m.flags, USTACK_META_CSUM_PARTIAL);
	assert_int_equal(m.gso_type, USTACK_GSO_TCPV6);
	assert_int_equal(m.hdr_len, 86);
	assert_int_equal(m.gso_size, 1428);
	assert_int_equal(m.csum_start, 54);
	assert_int_equal(m.csum_offset, 16);
	memset(h, 0xaa, sizeof(h));
	gso_vnet_hdr_emit(&m, h);
	assert_memory_equal(h, golden, sizeof(h));

	/* built by the stack's way: the meta of a partial checksum plus GSO_TCPV6 */
	struct gso_tcp g;
	uint8_t f[sizeof(super6)];
	memcpy(f, super6, sizeof(f));
	assert_int_equal(gso_tcp_parse(f, sizeof(f), 14, &g), 0);
	memset(&m, 0, sizeof(m));
	gso_tcp_csum_partial(f, &g, &m);
	m.gso_type = gso_tcp_type(&g);
	m.gso_size = 4;
	m.hdr_len = (uint16_t)g.hdr_len;
	gso_vnet_hdr_emit(&m, h);
	static const uint8_t small[GSO_VNET_HDR_LEN] = { 0x01, 0x04, 74, 0, 4, 0, 54, 0, 16, 0 };
	assert_memory_equal(h, small, sizeof(h));

	/* refused: TCPV6 with ECN (0x84), the checksum field past the frame (csum_start
	 * too far for it), GSO without a size */
	uint8_t bad[GSO_VNET_HDR_LEN];
	memcpy(bad, golden, sizeof(bad));
	bad[1] = 0x84;
	assert_int_equal(gso_vnet_hdr_parse(bad, 65549, &m), -1);
	assert_int_equal(m.gso_type, 0xff);
	assert_int_equal(gso_vnet_hdr_parse(small, sizeof(super6), &m), 0);
	assert_int_equal(gso_vnet_hdr_parse(small, 54 + 16 + 1, &m), -1);
	memcpy(bad, small, sizeof(bad));
	bad[6] = 69;                        /* csum_start 69: field at 85..86 of 84 bytes */
	assert_int_equal(gso_vnet_hdr_parse(bad, sizeof(super6), &m), -1);
	memcpy(bad, golden, sizeof(bad));
	bad[4] = bad[5] = 0;
	assert_int_equal(gso_vnet_hdr_parse(bad, 65549, &m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split6_golden),
		cmocka_unit_test(test_split6_64k),
		cmocka_unit_test(test_csum_partial6),
		cmocka_unit_test(test_parse6_rejects),
		cmocka_unit_test(test_vnet_hdr6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
