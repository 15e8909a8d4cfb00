/* packet_ring.h - walking a TPACKET_V3 receive ring (block by block, frame by frame)
 * with every offset the kernel wrote checked against the block: the part of the
 * AF_PACKET device (packet.c) that needs no socket, so a test can feed it fake blocks. */
#ifndef USTACK_DEV_PACKET_RING_H
#define USTACK_DEV_PACKET_RING_H

#include <stddef.h>
#include <stdint.h>

#include "ustack/dev.h"

/* The RX ring: block_nr blocks of block_size bytes each, mapped at base. Blocks are
 * handed over by their block_status word (TP_STATUS_USER: ours to read; writing
 * TP_STATUS_KERNEL gives one back) and read strictly in order, as the kernel fills them. */
struct pring {
	uint8_t *base;
	size_t block_size;
	unsigned block_nr;
	unsigned cur;          /* the block being read (or waited for) */
	unsigned left;         /* frames of cur not read yet; 0: cur is not taken */
	size_t off;            /* offset in cur of the next frame */
	size_t pre;            /* bytes the kernel writes just before each frame (the
	                        * virtio-net header): checked to lie inside the slot */
	int held;              /* cur has been read to its end but not given back yet: the
	                        * last frame returned still points into it */
	struct ustack_packet_stats *stats;   /* counts what the walk reads and drops */
};

void pring_init(struct pring *r, uint8_t *base, size_t block_size, unsigned block_nr,
		struct ustack_packet_stats *stats);

/* The next frame for the stack: *frame points into the ring until the next call, *len
 * is its length. Returns 1, or 0 when no ready frame is left. Blocks read to the end
 * go back to the kernel. Skipped and counted in stats: frames the interface sent
 * (PACKET_OUTGOING), frames cut short by the slot (tp_snaplen < tp_len), and the rest of
 * a block whose header or frame offsets lie outside it. */
int pring_next(struct pring *r, const uint8_t **frame, size_t *len);

/* Gives back a block read to its end (the caller is done with the last frame). */
void pring_release_held(struct pring *r);

#endif
