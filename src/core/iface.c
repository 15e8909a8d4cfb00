/* iface.c - interfaces and the Ethernet layer (RFC 894: IPv4 over Ethernet II).
 *
 * Input: a frame is accepted when it is addressed to our MAC, to the broadcast
 * address or to a multicast group, and handed up by ethertype. Output: the Ethernet
 * header is prepended in the packet's headroom, short frames are padded to the
 * 60-byte minimum (RFC 894: "the minimum length of the data field of a packet sent
 * over an Ethernet is 46 octets"), and the device sends it. */
#include "core/iface.h"

#include <stdlib.h>
#include <string.h>

#include "core/stack.h"
#include "core/trace.h"
#include "net/arp.h"
#include "net/ipv4.h"
#include "net/ipv6.h"
#include "wire/eth.h"
#include "ustack/dev.h"
#include "dev/gso.h"

struct iface *iface_get(struct ustack *st, int ifindex)
{
	if (ifindex < 0 || ifindex >= USTACK_MAX_IFACES || !st->ifaces[ifindex].used)
		return NULL;
	return &st->ifaces[ifindex];
}

struct iface *iface_by_addr(struct ustack *st, uint32_t addr)
{
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct iface *ifp = &st->ifaces[i];

		if (ifp->used && ifp->addr == addr)
			return ifp;
	}
	return NULL;
}

struct if_addr6 *iface_addr6_find(struct ustack *st, const uint8_t a[16], struct iface **ifpp)
{
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct iface *ifp = &st->ifaces[i];

		if (!ifp->used)
			continue;
		for (int k = 0; k < IFACE_ADDR6_MAX; k++) {
			struct if_addr6 *x = &ifp->addr6[k];

			if (x->state != IF6_UNUSED && memcmp(x->addr, a, 16) == 0) {
				if (ifpp)
					*ifpp = ifp;
				return x;
			}
		}
	}
	return NULL;
}

void eth_input(struct ustack *st, struct iface *ifp, struct pkt *p)
{
	struct eth_repr eth;

	ST_COUNT(st, eth_in);
	p->ifindex = ifp->index;
	trace_frame_wire(st, USTACK_TRACE_RX, ifp->index, p->data, p->len, p->gso_size,
			 p->csum == PKT_CSUM_PARTIAL);
	if (eth_parse(p->data, p->len, &eth) != WIRE_OK) {
		stack_drop(st, USTACK_DROP_ETH_TRUNCATED, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	if (eth_is_multicast(eth.dst)) {
		p->l2_bcast = true;
	} else if (memcmp(eth.dst, ifp->mac, ETH_ALEN) != 0) {
		stack_drop(st, USTACK_DROP_ETH_NOT_FOR_US, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return;
	}
	switch (eth.type) {
	case ETHERTYPE_ARP:
		pkt_pull(p, ETH_HDR_LEN);
		arp_input(st, ifp, p);
		break;
	case ETHERTYPE_IPV4:
		pkt_pull(p, ETH_HDR_LEN);
		ipv4_input(st, ifp, p);
		break;
	case ETHERTYPE_IPV6:
		pkt_pull(p, ETH_HDR_LEN);
		ipv6_input(st, ifp, p);
		break;
	default:
		stack_drop(st, USTACK_DROP_ETH_UNKNOWN_TYPE, ifp->index, p->data, p->len);
		pkt_free(st, p);
		break;
	}
}

/* What the device cannot do after all (its offloads went off while the frame waited
 * for ARP or Neighbor Discovery): cut and checksum here. */
static int send_soft(struct ustack_dev *dev, struct pkt *p, const struct gso_tcp *g,
		     uint64_t now)
{
	if (!p->gso_size || g->payload <= p->gso_size) {
		gso_csum_complete(p->data, p->len, g->l4, 16);
		return dev->ops->send(dev, p->data, p->len, now);
	}
	size_t cap = g->hdr_len + p->gso_size, n = gso_tcp_count(g, p->gso_size);
	uint8_t *seg = malloc(cap);
	int rc = 0;

	if (!seg)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t l = gso_tcp_segment(p->data, g, p->gso_size, i, seg, cap);

		rc = l ? dev->ops->send(dev, seg, l, now) : -1;
	}
	free(seg);
	return rc;
}

/* A frame whose TCP checksum the device finishes, or a super-segment it cuts
 * (ipv4_output and ipv6_output send those only to a device that said it can). */
static int send_offloaded(struct ustack_dev *dev, struct pkt *p, uint64_t now)
{
	struct ustack_frame_meta m;
	struct gso_tcp g;

	memset(&m, 0, sizeof(m));
	if (gso_tcp_parse(p->data, p->len, ETH_HDR_LEN, &g) != 0)
		return -1;
	gso_tcp_csum_partial(p->data, &g, &m);
	if (!dev->ops->send_meta || !(dev->offloads & USTACK_DEV_TX_CSUM) ||
	    (p->gso_size && g.payload > p->gso_size &&
	     (!(dev->offloads & gso_tcp_tso(&g)) || p->len - ETH_HDR_LEN > dev->gso_max)))
		return send_soft(dev, p, &g, now);
	if (p->gso_size && g.payload > p->gso_size) {
		m.gso_type = gso_tcp_type(&g);
		m.gso_size = p->gso_size;
		m.hdr_len = (uint16_t)g.hdr_len;
	}
	return dev->ops->send_meta(dev, p->data, p->len, &m, now);
}

int eth_output(struct ustack *st, struct iface *ifp, struct pkt *p, const uint8_t dst[6],
	       uint16_t ethertype)
{
	struct eth_repr eth;
	struct ustack_dev *dev = ifp->dev;
	int rc;

	if (pkt_headroom(p) < ETH_HDR_LEN || !dev || !ifp->up) {
		stack_drop(st, USTACK_DROP_DEV_TX_FAILED, ifp->index, NULL, p->len);
		pkt_free(st, p);
		return -1;
	}
	/* On loopback the frame comes straight back to us: addressed to our own MAC
	 * whatever the caller resolved (a capture then shows a sane frame). */
	memcpy(eth.dst, ifp->loopback || !dst ? ifp->mac : dst, ETH_ALEN);
	memcpy(eth.src, ifp->mac, ETH_ALEN);
	eth.type = ethertype;
	eth_emit(&eth, pkt_push(p, ETH_HDR_LEN));
	if (p->len < ETH_MIN_FRAME && pkt_tailroom(p) >= ETH_MIN_FRAME - p->len) {
		size_t pad = ETH_MIN_FRAME - p->len;

		memset(pkt_put(p, pad), 0, pad);
	}
	trace_frame_wire(st, USTACK_TRACE_TX, ifp->index, p->data, p->len, p->gso_size,
			 p->csum == PKT_CSUM_PARTIAL);
	if (p->gso_size || p->csum == PKT_CSUM_PARTIAL)
		rc = send_offloaded(dev, p, st->now);
	else
		rc = dev->ops->send(dev, p->data, p->len, st->now);
	if (rc != 0) {
		stack_drop(st, USTACK_DROP_DEV_TX_FAILED, ifp->index, p->data, p->len);
		pkt_free(st, p);
		return -1;
	}
	ST_COUNT(st, eth_out);
	pkt_free(st, p);
	return 0;
}
