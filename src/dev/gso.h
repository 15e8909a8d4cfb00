/* gso.h - TCP super-segments over IPv4 and IPv6 and partial checksums, and the
 * virtio-net header that carries their description between ustack and the kernel (TAP
 * with IFF_VNET_HDR; AF_PACKET with PACKET_VNET_HDR).
 *
 * A super-segment is one Ethernet frame holding an IP datagram with a TCP header and
 * several MSS worth of payload; segmenting it gives the frames a wire would carry:
 * each with the same headers but its own IP length (IPv4 total length, IPv6 payload
 * length), TCP sequence number (+gso_size per segment) and TCP checksum (over the
 * family's pseudo-header); IPv4 also its identification (+1 per segment) and header
 * checksum (IPv6 has neither). CWR only on the first, FIN and PSH only on the last (as
 * Linux's GSO). Over IPv6 only a TCP header straight after the fixed header is taken:
 * a packet with extension headers is no super-segment (the stack never builds one, and
 * the kernel is not offered a segment with them).
 * Self-contained: no stack state, no allocation; usable by any device or wrapper. */
#ifndef USTACK_DEV_GSO_H
#define USTACK_DEV_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustack/dev.h"

/* struct virtio_net_hdr (virtio 1.0 little-endian; the TAP is set to LE): flags,
 * gso_type, hdr_len, gso_size, csum_start, csum_offset. No num_buffers. */
#define GSO_VNET_HDR_LEN 10

/* Read a virtio-net header describing a frame of frame_len bytes into m. Returns 0,
 * or -1 for what ustack does not take: a GSO type other than none / TCPv4 / TCPv6 (UDP,
 * ECN: gso_type 0xff then), a checksum position outside the frame, gso without a size. */
int gso_vnet_hdr_parse(const uint8_t *h, size_t frame_len, struct ustack_frame_meta *m);
/* Write m as a virtio-net header (GSO_VNET_HDR_LEN bytes at h). */
void gso_vnet_hdr_emit(const struct ustack_frame_meta *m, uint8_t *h);

/* Finish a partial checksum in place: the ones' complement sum from csum_start to the
 * end of the frame (the field at csum_start + csum_offset holds the pseudo-header
 * sum, and is part of it) is folded, complemented and stored there. Returns 0, or -1
 * when the field is not inside the frame. */
int gso_csum_complete(uint8_t *frame, size_t len, size_t csum_start, size_t csum_offset);

/* The layout of a TCP/IPv4 or TCP/IPv6 frame. */
struct gso_tcp {
	size_t l3;        /* offset of the IP header */
	size_t l4;        /* offset of the TCP header */
	size_t hdr_len;   /* offset of the payload */
	size_t payload;   /* payload bytes (up to the IP length) */
	bool v6;          /* IPv6 (fixed header only), else IPv4 */
};
/* Find the headers of a TCP frame whose IP header is at l3_off, of either family (the
 * version field says which). Returns 0, or -1 if it is not one: a version other than 4
 * and 6, an IPv4 IHL below 5, a protocol / next header other than TCP (so an IPv6
 * extension header), lengths out of the frame, an IPv6 payload length of 0 (a
 * jumbogram). */
int gso_tcp_parse(const uint8_t *frame, size_t len, size_t l3_off, struct gso_tcp *g);
/* The meta gso_type of a super-segment of this layout (USTACK_GSO_TCPV4 / _TCPV6), and
 * the device offload that takes it (USTACK_DEV_TSO4 / _TSO6). */
uint8_t gso_tcp_type(const struct gso_tcp *g);
uint32_t gso_tcp_tso(const struct gso_tcp *g);
/* How many wire segments a super-segment of this layout gives with gso_size (>= 1). */
size_t gso_tcp_count(const struct gso_tcp *g, uint16_t gso_size);
/* Write wire segment i (from 0) of the super-segment at frame to out (cap bytes).
 * Everything before l3 (the Ethernet header) is copied. Returns the segment's length,
 * or 0 if i is past the last segment, gso_size is 0 or cap is too small. */
size_t gso_tcp_segment(const uint8_t *frame, const struct gso_tcp *g, uint16_t gso_size,
		       size_t i, uint8_t *out, size_t cap);
/* The TCP checksum field of a TCP frame set to the pseudo-header sum (what a device
 * finishing a partial checksum expects) and the meta saying where to finish it. */
void gso_tcp_csum_partial(uint8_t *frame, const struct gso_tcp *g, struct ustack_frame_meta *m);

#endif
