/* neigh.h - the neighbour layer as IP sees it: one interface over ARP (IPv4, RFC 826)
 * and Neighbor Discovery (IPv6, RFC 4861). IPv4 and IPv6 hand a packet and its next hop
 * here; the family chooses the protocol that finds the link-layer address. A link with
 * no resolution (a point-to-point device) would be one more case here, not a change in
 * IP. */
#ifndef USTACK_NET_NEIGH_H
#define USTACK_NET_NEIGH_H

#include "core/ip_addr.h"

struct ustack;
struct iface;
struct pkt;

/* Send p (p->data at the IP header) to nexthop on ifp: at once when the neighbour's
 * link-layer address is known, else queued (bounded) while it is resolved. Consumes p. */
void neigh_output(struct ustack *st, struct iface *ifp, struct pkt *p, const struct ip_addr *nexthop);
/* An upper layer sees no progress through nexthop: its entry is verified again before
 * it is trusted (RFC 1122 2.3.2.1, RFC 4861 7.3.1). */
void neigh_negative_advice(struct ustack *st, int ifindex, const struct ip_addr *nexthop);

#endif
