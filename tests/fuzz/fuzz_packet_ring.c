/* fuzz_packet_ring.c - libFuzzer target for the AF_PACKET device's ring walk
 * (src/dev/packet_ring.c): the input is the ring's memory, as a lying or broken kernel
 * could have written it, every block handed to user space. Every frame the walk returns
 * must lie inside the ring, and the walk must end (each call returns, every block goes
 * back to the kernel). ASan catches a read outside the ring. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_packet.h>

#include "dev/packet_ring.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define BS 1024u
#define NB 4u

static volatile unsigned sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ustack_packet_stats st;
	struct pring r;
	uint8_t *ring = malloc((size_t)BS * NB);
	const uint8_t *f;
	size_t len;
	int frames = 0;

	if (!ring)
		return 0;
	memset(ring, 0, (size_t)BS * NB);
	memcpy(ring, data, size < BS * NB ? size : BS * NB);
	for (unsigned i = 0; i < NB; i++) {
		struct tpacket_block_desc *b = (struct tpacket_block_desc *)(void *)(ring + i * BS);

		b->hdr.bh1.block_status |= TP_STATUS_USER;
	}
	memset(&st, 0, sizeof(st));
	pring_init(&r, ring, BS, NB, &st);
	while (pring_next(&r, &f, &len)) {
		CHECK(f >= ring && f <= ring + (size_t)BS * NB);
		CHECK(len <= (size_t)(ring + (size_t)BS * NB - f));
		if (len)   /* readable: ASan checks both ends */
			sink += (unsigned)f[0] + f[len - 1];
		CHECK(++frames <= (int)(BS * NB / 8));
	}
	CHECK(st.rx_frames == (uint64_t)frames);
	/* the walk went round once: every block read, and back with the kernel */
	CHECK(st.rx_blocks == NB);
	for (unsigned i = 0; i < NB; i++) {
		struct tpacket_block_desc *b = (struct tpacket_block_desc *)(void *)(ring + i * BS);

		CHECK(b->hdr.bh1.block_status == TP_STATUS_KERNEL);
	}
	free(ring);
	return 0;
}
