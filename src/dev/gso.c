/* gso.c - splitting TCP super-segments (IPv4 and IPv6), finishing partial checksums,
 * and the virtio-net header (see gso.h). */
#include "dev/gso.h"

#include <string.h>

#include "wire/be.h"
#include "wire/csum.h"

/* virtio_net_hdr values (virtio 1.0 5.1.6) */
#define VNET_F_NEEDS_CSUM 1
#define VNET_F_DATA_VALID 2
#define VNET_GSO_NONE  0
#define VNET_GSO_TCPV4 1
#define VNET_GSO_TCPV6 4
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
	case VNET_GSO_TCPV6:
		m->gso_type = USTACK_GSO_TCPV6;
		break;
	default:
		m->gso_type = 0xff;      /* UDP, ECN: not ours */
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
	h[1] = m->gso_type == USTACK_GSO_TCPV4 ? VNET_GSO_TCPV4 :
	       m->gso_type == USTACK_GSO_TCPV6 ? VNET_GSO_TCPV6 : VNET_GSO_NONE;
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

#define IP6_HDR_LEN 40
#define IP_PROTO_TCP 6

/* The IPv4 header at ip (in bounds: l3_len bytes): its header and datagram lengths. */
static int parse_ip4(const uint8_t *ip, size_t l3_len, size_t *ihl, size_t *tot)
{
	if (l3_len < 20)
		return -1;
	*ihl = (size_t)(ip[0] & 0x0f) * 4;
	*tot = be16_get(ip + 2);
	if (*ihl < 20 || ip[9] != IP_PROTO_TCP)
		return -1;
	return 0;
}

/* The IPv6 fixed header at ip, TCP right after it (RFC 8200 3: payload length counts
 * what follows the 40 bytes). */
static int parse_ip6(const uint8_t *ip, size_t l3_len, size_t *ihl, size_t *tot)
{
	if (l3_len < IP6_HDR_LEN || ip[6] != IP_PROTO_TCP)
		return -1;
	size_t pl = be16_get(ip + 4);

	if (pl == 0)
		return -1;               /* a jumbogram (RFC 2675): not ours */
	*ihl = IP6_HDR_LEN;
	*tot = IP6_HDR_LEN + pl;
	return 0;
}

int gso_tcp_parse(const uint8_t *frame, size_t len, size_t l3_off, struct gso_tcp *g)
{
	if (l3_off > len || len - l3_off < 20)
		return -1;
	const uint8_t *ip = frame + l3_off;
	size_t ihl, tot;
	bool v6 = (ip[0] >> 4) == 6;

	if ((ip[0] >> 4) != 4 && !v6)
		return -1;
	if ((v6 ? parse_ip6 : parse_ip4)(ip, len - l3_off, &ihl, &tot) != 0)
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
	g->v6 = v6;
	return 0;
}

uint8_t gso_tcp_type(const struct gso_tcp *g)
{
	return g->v6 ? USTACK_GSO_TCPV6 : USTACK_GSO_TCPV4;
}

uint32_t gso_tcp_tso(const struct gso_tcp *g)
{
	return g->v6 ? USTACK_DEV_TSO6 : USTACK_DEV_TSO4;
}

size_t gso_tcp_count(const struct gso_tcp *g, uint16_t gso_size)
{
	if (gso_size == 0 || g->payload == 0)
		return 1;
	return (g->payload + gso_size - 1) / gso_size;
}

/* The pseudo-header sum of a TCP segment of l4len bytes in the frame's family. */
static uint32_t tcp_pseudo(const uint8_t *ip, bool v6, size_t l4len)
{
	if (v6)
		return csum_pseudo6(ip + 8, ip + 24, (uint32_t)l4len, IP_PROTO_TCP);
	return csum_pseudo(be32_get(ip + 12), be32_get(ip + 16), IP_PROTO_TCP, (uint16_t)l4len);
}

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

size_t gso_tcp_segment(const uint8_t *frame, const struct gso_tcp *g, uint16_t gso_size,
		       size_t i, uint8_t *out, size_t cap)
{
	size_t n = gso_tcp_count(g, gso_size);

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

	if (g->v6) {
		be16_put(ip + 4, (uint16_t)(len - g->l4));     /* no ID, no header checksum */
	} else {
		be16_put(ip + 2, (uint16_t)(len - g->l3));
		be16_put(ip + 4, (uint16_t)(be16_get(ip + 4) + i));
		be16_put(ip + 10, 0);
		be16_put(ip + 10, csum(ip, ihl));
	}

	be32_put(th + 4, be32_get(th + 4) + (uint32_t)off);
	if (i > 0)
		th[13] &= (uint8_t)~TCP_CWR;
	if (i + 1 < n)
		th[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	be16_put(th + 16, 0);
	be16_put(th + 16, csum_fold(csum_add(tcp_pseudo(ip, g->v6, l4len), th, l4len)));
	return len;
}

void gso_tcp_csum_partial(uint8_t *frame, const struct gso_tcp *g, struct ustack_frame_meta *m)
{
	size_t l4len = g->hdr_len - g->l4 + g->payload;
	uint32_t sum = tcp_pseudo(frame + g->l3, g->v6, l4len);

	/* the folded sum, not complemented: the device adds the segment to it */
	be16_put(frame + g->l4 + 16, (uint16_t)~csum_fold(sum));
	m->flags |= USTACK_META_CSUM_PARTIAL;
	m->csum_start = (uint16_t)g->l4;
	m->csum_offset = 16;
}
