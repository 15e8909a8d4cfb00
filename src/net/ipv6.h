/* ipv6.h - IPv6 input, output and forwarding (RFC 8200), source address selection
 * (RFC 6724, simplified) and the path MTU cache (RFC 8201).
 *
 * Contract between the layers (see DESIGN.md, IPv6):
 * - ipv6_input validates the header, walks the extension headers with bounds
 *   (ipv6_ext.c), reassembles (ipv6_frag.c), fills the packet's IP summary (p->src,
 *   p->dst, p->ip_proto = the upper-layer next header, p->ip_ttl = hop limit,
 *   p->ip_tos = traffic class, p->l3/l3_len = the IPv6 header and what follows) and
 *   delivers through the protocol table (net/proto.h) with p->data at the upper-layer
 *   header; ICMPv6 is registered there too (icmp6.c).
 * - ipv6_output pushes the header, routes (core/route6.h; link-local and multicast by
 *   the interface in opts), fragments at the source when larger than the path MTU, and
 *   hands the packet to nd_output (net/nd.h) with the next hop.
 * - the neighbour layer (nd.c) builds its own link-scope messages and never calls here. */
#ifndef USTACK_NET_IPV6_H
#define USTACK_NET_IPV6_H

#include <stdbool.h>
#include <stdint.h>

struct ustack;
struct iface;
struct pkt;

struct ip6_out_opts {
	uint8_t hop_limit;    /* 0: the interface's default (multicast: 1, as Linux) */
	uint8_t tclass;       /* traffic class */
	int ifindex;          /* >= 0: leave by this interface (a link-local or multicast
	                         destination's scope, IPV6_PKTINFO, IPV6_MULTICAST_IF);
	                         -1: by the routing table. Give 0-initialised opts -1 here. */
	bool dontfrag;        /* IPV6_DONTFRAG: larger than the path MTU gives -EMSGSIZE */
	bool mcast_loop;      /* IPV6_MULTICAST_LOOP: a copy to our own members of the group */
	bool host_only;       /* IPV6_MULTICAST_HOPS 0: that copy only, nothing on the wire */
};

int ipv6_init(struct ustack *st);
void ipv6_free(struct ustack *st);
/* An IPv6 datagram arrived on ifp (p->data at the IPv6 header). Consumes p. */
void ipv6_input(struct ustack *st, struct iface *ifp, struct pkt *p);
/* Send p (p->data at the upper-layer header, its checksum computed with src) from src
 * to dst. src must be one of our usable addresses (take it from ipv6_select_src when the
 * upper layer has none yet: its checksum covers it). Pushes the IPv6 header, routes,
 * fragments above the path MTU. Consumes p. Returns 0 or -errno: -ENETUNREACH (no
 * route), -EADDRNOTAVAIL (src not ours), -EMSGSIZE (dontfrag and too big), -ENOBUFS.
 * opts may be NULL (the defaults, ifindex -1). */
int ipv6_output(struct ustack *st, struct pkt *p, const uint8_t src[16], const uint8_t dst[16],
		uint8_t proto, const struct ip6_out_opts *opts);
/* The source address for dst (RFC 6724 section 5, simplified: same address, the
 * appropriate scope, avoid deprecated, the outgoing interface's, longest matching
 * prefix). ifindex >= 0: the scope of a link-local or multicast dst. 0, or
 * -ENETUNREACH (no route) / -EADDRNOTAVAIL (no usable address). */
int ipv6_select_src(struct ustack *st, const uint8_t dst[16], int ifindex, uint8_t src[16]);
/* The path MTU towards dst: a Packet Too Big's value while it lasts (RFC 8201, never
 * below 1280), else the MTU of the interface the route leaves by (1280 if no route). */
unsigned ipv6_path_mtu(struct ustack *st, const uint8_t dst[16]);
/* Offloads (USTACK_DEV_*) of the device the route to dst leaves by (0 for ourselves, or
 * no route); *gso_max its largest super-segment (IP bytes), 0 without TSO6. */
unsigned ipv6_route_offloads(struct ustack *st, const uint8_t dst[16], unsigned *gso_max);
/* A Packet Too Big said mtu for dst: remembered (clamped to >= 1280) for 10 minutes. */
void ipv6_pmtu_update(struct ustack *st, const uint8_t dst[16], uint32_t mtu);
/* An upper layer sees no progress to dst: the neighbour entry of the route's next hop
 * is probed again (RFC 4861 7.3.1's hints from upper layers, the negative side). */
void ipv6_negative_advice(struct ustack *st, const uint8_t dst[16], int ifindex);
/* One of our usable addresses (or ::1)? */
bool ipv6_is_local(struct ustack *st, const uint8_t a[16]);

#endif
