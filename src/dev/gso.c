/* gso.c - splitting TCP/IPv4 super-segments, finishing partial checksums, and the
 * virtio-net header (see gso.h). */
#include "dev/gso.h"

#include <string.h>

#include "wire/be.h"
#include "wire/csum.h"

/* virtio_net_hdr values (virtio 1.0 5.1.6) */
#define VNET_F_NEEDS_CSUM 1
#define VNET_F_DATA_VALID 2
#define VNET_GSO_NONE  0
#define VNET_GSO_TCPV4 1
#define VNET_GSO_ECN   0x80

static uint16_t le16_get(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static void le16_put(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

int gso_vnet_hdr_parse(const uint8_t *h, size_t frame_len, struct ustack_frame_meta *m)
{
	memset(m, 0, sizeof(*m));
	if (h[0] & VNET_F_NEEDS_CSUM)
		m->flags |= USTACK_META_CSUM_PARTIAL;
	if (h[0] & VNET_F_DATA_VALID)
		m->flags |= USTACK_META_CSUM_VALID;
	switch (h[1]) {
	case VNET_GSO_NONE:
		m->gso_type = USTACK_GSO_NONE;
		break;
	case VNET_GSO_TCPV4:
		m->gso_type = USTACK_GSO_TCPV4;
		break;
	default:
		m->gso_type = 0xff;      /* UDP, TCPv6, ECN: not ours */
		return -1;
	}
	m->hdr_len = le16_get(h + 2);
	m->gso_size = le16_get(h + 4);
	m->csum_start = le16_get(h + 6);
	m->csum_offset = le16_get(h + 8);
	if ((m->flags & USTACK_META_CSUM_PARTIAL) &&
	    (size_t)m->csum_start + m->csum_offset + 2 > frame_len)
		return -1;
	if (m->gso_type != USTACK_GSO_NONE && m->gso_size == 0)
		return -1;
	return 0;
}

void gso_vnet_hdr_emit(const struct ustack_frame_meta *m, uint8_t *h)
{
	h[0] = (uint8_t)(((m->flags & USTACK_META_CSUM_PARTIAL) ? VNET_F_NEEDS_CSUM : 0) |
			 ((m->flags & USTACK_META_CSUM_VALID) ? VNET_F_DATA_VALID : 0));
	h[1] = m->gso_type == USTACK_GSO_TCPV4 ? VNET_GSO_TCPV4 : VNET_GSO_NONE;
	le16_put(h + 2, m->gso_type != USTACK_GSO_NONE ? m->hdr_len : 0);
	le16_put(h + 4, m->gso_type != USTACK_GSO_NONE ? m->gso_size : 0);
	le16_put(h + 6, (m->flags & USTACK_META_CSUM_PARTIAL) ? m->csum_start : 0);
	le16_put(h + 8, (m->flags & USTACK_META_CSUM_PARTIAL) ? m->csum_offset : 0);
}

int gso_csum_complete(uint8_t *frame, size_t len, size_t csum_start, size_t csum_offset)
{
	if (csum_start > len || csum_offset > len - csum_start ||
	    len - csum_start - csum_offset < 2)
		return -1;
	uint32_t sum = csum_add(0, frame + csum_start, len - csum_start);
	uint16_t c = csum_fold(sum);

	/* RFC 768: a UDP checksum of zero is sent as all ones; TCP never has -0 from a
	 * sum that includes a pseudo-header, and ones is as good for it. */
	be16_put(frame + csum_start + csum_offset, c ? c : 0xffff);
	return 0;
}

int gso_tcp4_parse(const uint8_t *frame, size_t len, size_t l3_off, struct gso_tcp4 *g)
{
	if (l3_off > len || len - l3_off < 20)
		return -1;
	const uint8_t *ip = frame + l3_off;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t tot = be16_get(ip + 2);

	if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6)
		return -1;
	if (tot > len - l3_off || tot < ihl + 20)
		return -1;
	size_t doff = (size_t)(ip[ihl + 12] >> 4) * 4;
	if (doff < 20 || ihl + doff > tot)
		return -1;
	g->l3 = l3_off;
	g->l4 = l3_off + ihl;
	g->hdr_len = g->l4 + doff;
	g->payload = tot - ihl - doff;
	return 0;
}

size_t gso_tcp4_count(const struct gso_tcp4 *g, uint16_t gso_size)
{
	if (gso_size == 0 || g->payload == 0)
		return 1;
	return (g->payload + gso_size - 1) / gso_size;
}

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

size_t gso_tcp4_segment(const uint8_t *frame, const struct gso_tcp4 *g, uint16_t gso_size,
			size_t i, uint8_t *out, size_t cap)
{
	size_t n = gso_tcp4_count(g, gso_size);

	if (gso_size == 0 || i >= n)
		return 0;
	size_t off = i * gso_size;
	size_t pay = g->payload - off < gso_size ? g->payload - off : gso_size;
	if (g->payload == 0)
		pay = 0;
	size_t len = g->hdr_len + pay;
	if (len > cap)
		return 0;
	memcpy(out, frame, g->hdr_len);
	memcpy(out + g->hdr_len, frame + g->hdr_len + off, pay);

	uint8_t *ip = out + g->l3, *th = out + g->l4;
	size_t ihl = g->l4 - g->l3, l4len = len - g->l4;

	be16_put(ip + 2, (uint16_t)(len - g->l3));
	be16_put(ip + 4, (uint16_t)(be16_get(ip + 4) + i));
	be16_put(ip + 10, 0);
	be16_put(ip + 10, csum(ip, ihl));

	be32_put(th + 4, be32_get(th + 4) + (uint32_t)off);
	if (i > 0)
		th[13] &= (uint8_t)~TCP_CWR;
	if (i + 1 < n)
		th[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	be16_put(th + 16, 0);
	uint32_t sum = csum_pseudo(be32_get(ip + 12), be32_get(ip + 16), 6, (uint16_t)l4len);
	be16_put(th + 16, csum_fold(csum_add(sum, th, l4len)));
	return len;
}

void gso_tcp4_csum_partial(uint8_t *frame, const struct gso_tcp4 *g, struct ustack_frame_meta *m)
{
	const uint8_t *ip = frame + g->l3;
	size_t l4len = g->hdr_len - g->l4 + g->payload;
	uint32_t sum = csum_pseudo(be32_get(ip + 12), be32_get(ip + 16), 6, (uint16_t)l4len);

	/* the folded sum, not complemented: the device adds the segment to it */
	be16_put(frame + g->l4 + 16, (uint16_t)~csum_fold(sum));
	m->flags |= USTACK_META_CSUM_PARTIAL;
	m->csum_start = (uint16_t)g->l4;
	m->csum_offset = 16;
}
