/* gso.h - TCP/IPv4 super-segments and partial checksums, and the virtio-net header
 * that carries their description between ustack and the kernel (TAP with
 * IFF_VNET_HDR; AF_PACKET with PACKET_VNET_HDR).
 *
 * A super-segment is one Ethernet frame holding an IPv4 datagram with a TCP header and
 * several MSS worth of payload; segmenting it gives the frames a wire would carry:
 * each with the same headers but its own IP total length, identification (+1 per
 * segment), header checksum, TCP sequence number (+gso_size per segment) and TCP
 * checksum; CWR only on the first, FIN and PSH only on the last (as Linux's GSO).
 * Self-contained: no stack state, no allocation; usable by any device or wrapper. */
#ifndef USTACK_DEV_GSO_H
#define USTACK_DEV_GSO_H

#include <stddef.h>
#include <stdint.h>

#include "ustack/dev.h"

/* struct virtio_net_hdr (virtio 1.0 little-endian; the TAP is set to LE): flags,
 * gso_type, hdr_len, gso_size, csum_start, csum_offset. No num_buffers. */
#define GSO_VNET_HDR_LEN 10

/* Read a virtio-net header describing a frame of frame_len bytes into m. Returns 0,
 * or -1 for what ustack does not take: a GSO type other than none / TCPv4 (UDP, TCPv6,
 * ECN: gso_type 0xff then), a checksum position outside the frame, gso without a size. */
int gso_vnet_hdr_parse(const uint8_t *h, size_t frame_len, struct ustack_frame_meta *m);
/* Write m as a virtio-net header (GSO_VNET_HDR_LEN bytes at h). */
void gso_vnet_hdr_emit(const struct ustack_frame_meta *m, uint8_t *h);

/* Finish a partial checksum in place: the ones' complement sum from csum_start to the
 * end of the frame (the field at csum_start + csum_offset holds the pseudo-header
 * sum, and is part of it) is folded, complemented and stored there. Returns 0, or -1
 * when the field is not inside the frame. */
int gso_csum_complete(uint8_t *frame, size_t len, size_t csum_start, size_t csum_offset);

/* The layout of a TCP/IPv4 frame. */
struct gso_tcp4 {
	size_t l3;        /* offset of the IPv4 header */
	size_t l4;        /* offset of the TCP header */
	size_t hdr_len;   /* offset of the payload */
	size_t payload;   /* payload bytes (up to the IP total length) */
};
/* Find the headers of a TCP/IPv4 frame whose IPv4 header is at l3_off. Returns 0, or
 * -1 if it is not one (version, IHL, protocol, lengths out of the frame). */
int gso_tcp4_parse(const uint8_t *frame, size_t len, size_t l3_off, struct gso_tcp4 *g);
/* How many wire segments a super-segment of this layout gives with gso_size (>= 1). */
size_t gso_tcp4_count(const struct gso_tcp4 *g, uint16_t gso_size);
/* Write wire segment i (from 0) of the super-segment at frame to out (cap bytes).
 * Everything before l3 (the Ethernet header) is copied. Returns the segment's length,
 * or 0 if i is past the last segment, gso_size is 0 or cap is too small. */
size_t gso_tcp4_segment(const uint8_t *frame, const struct gso_tcp4 *g, uint16_t gso_size,
			size_t i, uint8_t *out, size_t cap);
/* The TCP checksum field of a TCP/IPv4 frame set to the pseudo-header sum (what a
 * device finishing a partial checksum expects) and the meta saying where to finish it. */
void gso_tcp4_csum_partial(uint8_t *frame, const struct gso_tcp4 *g, struct ustack_frame_meta *m);

#endif
