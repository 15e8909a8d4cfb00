/* inet.h - the transports' family-neutral view of the network layer: what TCP and UDP
 * ask of IPv4 or IPv6 (send, source address, path MTU, offloads, "is it ours"), taking
 * struct ip_addr and branching on its family here, once, so the transports see the
 * family only where the RFCs differ (pseudo-header, MSS).
 *
 * IPv6 segments go out without offloads (full checksum, no super-segments). */
#ifndef USTACK_NET_INET_H
#define USTACK_NET_INET_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ip_addr.h"

struct ustack;
struct pkt;

/* What a transport asks of one datagram it sends (either family). */
struct inet_tx {
	uint8_t ttl;          /* TTL / hop limit; 0: the stack's (the interface's) default */
	uint8_t tos;          /* TOS / traffic class */
	bool df;              /* IPv4: don't fragment (PMTUD); IPv6: no source fragmentation */
	int ifindex;          /* IPv6: leave by this interface (link-local scope), -1: route */
	bool mcast_loop;      /* IPv6 multicast: a copy to this host's members of the group */
	bool host_only;       /* IPv6 multicast hop limit 0: only that copy, nothing sent */
};

/* Bytes of the IP header a transport must leave room for (20 or 40, no options). */
static inline unsigned inet_hdr_len(uint8_t family) { return family == IP_AF_INET6 ? 40u : 20u; }
/* The pseudo-header sum of src, dst and proto, without the length (RFC 793 / RFC 8200
 * 8.1): add the upper-layer length to it (wire/tcp.h, wire/udp.h take it so). */
uint32_t inet_pseudo(const struct ip_addr *src, const struct ip_addr *dst, uint8_t proto);
/* Send p (p->data at the transport header, its checksum done) from src to dst.
 * Consumes p. 0 or -errno as ipv4_output / ipv6_output. */
int inet_output(struct ustack *st, struct pkt *p, const struct ip_addr *src,
		const struct ip_addr *dst, uint8_t proto, const struct inet_tx *tx);
/* The source address for dst (of dst's family): 0, -ENETUNREACH, -EADDRNOTAVAIL. */
int inet_select_src(struct ustack *st, const struct ip_addr *dst, int ifindex,
		    struct ip_addr *src);
/* The path MTU towards dst (the route's interface MTU; IPv6: a Packet Too Big's). */
unsigned inet_path_mtu(struct ustack *st, const struct ip_addr *dst);
/* Offloads of the device the route to dst leaves by (USTACK_DEV_*), *gso_max its largest
 * super-segment in dst's family (TSO4 over IPv4, TSO6 over IPv6), else 0. */
unsigned inet_offloads(struct ustack *st, const struct ip_addr *dst, unsigned *gso_max);
/* One of our addresses (either family)? */
bool inet_is_local(struct ustack *st, const struct ip_addr *a);
/* No progress towards dst: have the neighbour of its next hop verified again. */
void inet_negative_advice(struct ustack *st, const struct ip_addr *dst, int ifindex);
/* Do local addresses a (v6only_a: IPV6_V6ONLY) and b overlap for one port? Equal ones,
 * or a wildcard and any address of its family; :: without v6only covers IPv4 too. */
bool inet_addr_overlap(const struct ip_addr *a, bool v6only_a, const struct ip_addr *b,
		       bool v6only_b);
/* A pcb or listener bound to laddr (v6only) takes a datagram for dst: an exact match, or
 * laddr is the wildcard of dst's family or a dual-stack :: and dst IPv4. */
bool inet_addr_takes(const struct ip_addr *laddr, bool v6only, const struct ip_addr *dst);
/* A peer address no transport talks to (RFC 1122 4.2.3.10, RFC 4291 2.5.2): unspecified,
 * multicast, IPv4 class E / limited broadcast. */
bool inet_bad_peer(const struct ip_addr *a);

#endif
