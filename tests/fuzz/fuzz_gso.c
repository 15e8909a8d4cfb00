/* fuzz_gso.c - libFuzzer target for src/dev/gso.c: what a kernel (TAP, AF_PACKET)
 * hands over is a virtio-net header and a frame, both untrusted.
 *
 * The first 10 bytes are read as the header, the rest as the frame: the header is
 * parsed against the frame's length and written back (it must read the same again);
 * a partial checksum is finished where the header says (inside the frame: ASan);
 * the frame, if TCP over IPv4 or IPv6, is cut by the header's gso_size (or a size from
 * the input) and every segment must be a TCP frame of the same family that parses, of
 * the right length, within the buffer, with a correct TCP checksum (and IPv4 header
 * checksum; over IPv6 the payload length saying the segment's). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/gso.h"
#include "wire/csum.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static uint8_t frame[65600], seg[65600];

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ustack_frame_meta m, m2;
	uint8_t h[GSO_VNET_HDR_LEN];
	struct gso_tcp g;

	if (n < GSO_VNET_HDR_LEN || n - GSO_VNET_HDR_LEN > sizeof(frame))
		return 0;
	size_t len = n - GSO_VNET_HDR_LEN;
	memcpy(frame, d + GSO_VNET_HDR_LEN, len);

	if (gso_vnet_hdr_parse(d, len, &m) == 0) {
		gso_vnet_hdr_emit(&m, h);
		CHECK(gso_vnet_hdr_parse(h, len, &m2) == 0);
		CHECK(m2.flags == m.flags && m2.gso_type == m.gso_type);
		if (m.flags & USTACK_META_CSUM_PARTIAL) {
			/* parse said the field is inside the frame: completion must agree */
			CHECK(gso_csum_complete(frame, len, m.csum_start, m.csum_offset) == 0);
		}
	} else {
		m.gso_size = (uint16_t)(d[4] | d[5] << 8);
	}
	if (gso_tcp_parse(frame, len, 14, &g) != 0)
		return 0;
	CHECK(g.hdr_len + g.payload <= len && g.l4 >= g.l3 + 20 && g.hdr_len >= g.l4 + 20);
	CHECK(!g.v6 || g.l4 == g.l3 + 40);
	uint16_t gs = m.gso_size ? m.gso_size : 1;
	size_t cnt = gso_tcp_count(&g, gs), total = 0;
	CHECK(cnt >= 1 && cnt <= g.payload + 1);
	if (cnt > 4096)
		return 0;
	for (size_t i = 0; i < cnt; i++) {
		size_t l = gso_tcp_segment(frame, &g, gs, i, seg, sizeof(seg));
		struct gso_tcp s;

		CHECK(l >= g.hdr_len && l <= g.hdr_len + gs);
		CHECK(gso_tcp_parse(seg, l, 14, &s) == 0);
		CHECK(s.hdr_len == g.hdr_len && s.payload == l - g.hdr_len && s.v6 == g.v6);
		uint32_t ps;
		if (g.v6) {
			CHECK((size_t)(seg[18] << 8 | seg[19]) == l - g.l4);
			ps = csum_pseudo6(seg + 22, seg + 38, (uint32_t)(l - g.l4), 6);
		} else {
			CHECK(csum(seg + 14, g.l4 - 14) == 0);
			ps = csum_pseudo((uint32_t)seg[26] << 24 | (uint32_t)seg[27] << 16 |
					 (uint32_t)seg[28] << 8 | seg[29],
					 (uint32_t)seg[30] << 24 | (uint32_t)seg[31] << 16 |
					 (uint32_t)seg[32] << 8 | seg[33], 6, (uint16_t)(l - g.l4));
		}
		CHECK(csum_fold(csum_add(ps, seg + g.l4, l - g.l4)) == 0);
		total += s.payload;
	}
	CHECK(total == g.payload);
	CHECK(gso_tcp_segment(frame, &g, gs, cnt, seg, sizeof(seg)) == 0);
	return 0;
}
