/* packet_ring.c - the walk over a TPACKET_V3 receive ring. The kernel fills a block
 * with frames (each a tpacket3_hdr, a sockaddr_ll, then the frame at tp_mac), chained
 * by tp_next_offset, and hands the whole block over at once when it is full or its
 * retire timer fires. Nothing the kernel wrote is trusted: every offset is checked
 * against the block before it is followed. */
#include "dev/packet_ring.h"

#include <string.h>
#include <linux/if_packet.h>

#define PRING_HDRLEN TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
/* Frames in a V3 block start on 8-byte boundaries (the kernel's V3_ALIGNMENT), not on
 * TPACKET_ALIGNMENT's 16 as V1/V2 slots do. */
#define PRING_V3_ALIGN 8u

static struct tpacket_block_desc *block(const struct pring *r, unsigned i)
{
	return (struct tpacket_block_desc *)(void *)(r->base + (size_t)i * r->block_size);
}

void pring_init(struct pring *r, uint8_t *base, size_t block_size, unsigned block_nr,
		struct ustack_packet_stats *stats)
{
	memset(r, 0, sizeof(*r));
	r->base = base;
	r->block_size = block_size;
	r->block_nr = block_nr;
	r->stats = stats;
}

/* cur goes back to the kernel; the walk moves to the next block. */
static void give_back(struct pring *r)
{
	__atomic_store_n(&block(r, r->cur)->hdr.bh1.block_status, TP_STATUS_KERNEL,
			 __ATOMIC_RELEASE);
	r->cur = (r->cur + 1) % r->block_nr;
	r->left = 0;
	r->held = 0;
}

void pring_release_held(struct pring *r)
{
	if (r->held)
		give_back(r);
}

/* Takes cur if the kernel has handed it over: 1, or 0 if it is still the kernel's. */
static int take_block(struct pring *r)
{
	struct tpacket_block_desc *b = block(r, r->cur);
	uint32_t status = __atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
	uint32_t first, n, blen;

	if (!(status & TP_STATUS_USER))
		return 0;
	n = b->hdr.bh1.num_pkts;
	first = b->hdr.bh1.offset_to_first_pkt;
	blen = b->hdr.bh1.blk_len;
	r->stats->rx_blocks++;
	if (status & TP_STATUS_BLK_TMO)
		r->stats->rx_blocks_timeout++;
	if (n == 0) {
		give_back(r);
		return 1;
	}
	if (blen > r->block_size || first < sizeof(*b) || first >= blen ||
	    (first & (PRING_V3_ALIGN - 1))) {
		r->stats->rx_bad++;
		give_back(r);
		return 1;
	}
	r->left = n;
	r->off = first;
	return 1;
}

int pring_next(struct pring *r, const uint8_t **frame, size_t *len)
{
	if (!r->base || !r->block_nr)
		return 0;
	pring_release_held(r);
	for (;;) {
		const struct tpacket3_hdr *h;
		const struct sockaddr_ll *sll;
		size_t limit;
		int skip = 0;

		if (r->left == 0) {
			if (!take_block(r))
				return 0;
			continue;
		}
		limit = block(r, r->cur)->hdr.bh1.blk_len;
		if (r->off > limit || limit - r->off < PRING_HDRLEN + sizeof(*sll) ||
		    (r->off & (PRING_V3_ALIGN - 1))) {
			r->stats->rx_bad++;
			give_back(r);
			continue;
		}
		h = (const struct tpacket3_hdr *)(const void *)((const uint8_t *)block(r, r->cur) +
								  r->off);
		if (h->tp_mac < PRING_HDRLEN ||
		    (r->pre && h->tp_mac < PRING_HDRLEN + sizeof(*sll) + r->pre) ||
		    h->tp_mac > limit - r->off ||
		    h->tp_snaplen > limit - r->off - h->tp_mac ||
		    (r->left > 1 && (h->tp_next_offset == 0 ||
				     h->tp_next_offset > limit - r->off))) {
			r->stats->rx_bad++;
			give_back(r);
			continue;
		}
		sll = (const struct sockaddr_ll *)(const void *)((const uint8_t *)h + PRING_HDRLEN);
		if (sll->sll_pkttype == PACKET_OUTGOING) {
			r->stats->rx_outgoing++;
			skip = 1;
		} else if (h->tp_snaplen < h->tp_len) {
			r->stats->rx_truncated++;
			skip = 1;
		} else if ((h->tp_status & TP_STATUS_CSUMNOTREADY) && !r->pre) {
			/* with the virtio-net header the device finishes it (or the stack) */
			r->stats->rx_csum_partial++;
		}
		*frame = (const uint8_t *)h + h->tp_mac;
		*len = h->tp_snaplen;
		r->off += h->tp_next_offset;
		if (--r->left == 0)
			r->held = 1;
		if (!skip) {
			r->stats->rx_frames++;
			return 1;
		}
		pring_release_held(r);
	}
}
