/* arp.h - the neighbour cache and address resolution (RFC 826, RFC 1122 §2.3.2). */
#ifndef USTACK_NET_ARP_H
#define USTACK_NET_ARP_H

#include <stdint.h>

struct ustack;
struct iface;
struct pkt;

int arp_init(struct ustack *st);
void arp_free(struct ustack *st);
/* An ARP packet arrived on ifp (p->data at the ARP header). Consumes p. */
void arp_input(struct ustack *st, struct iface *ifp, struct pkt *p);
/* Send an IPv4 packet (p->data at the IP header) to nexthop on ifp: at once if the
 * neighbour is known, else queued (bounded) while a request is sent. Broadcast
 * destinations go to ff:ff:ff:ff:ff:ff. Consumes p. */
void arp_output(struct ustack *st, struct iface *ifp, struct pkt *p, uint32_t nexthop);
/* Gratuitous ARP for ifp's address (when it comes up). */
void arp_announce(struct ustack *st, struct iface *ifp);
/* RFC 1122 2.3.2.1 negative advice: make the next use of the entry for nexthop on
 * ifindex probe it again (no-op unless it is REACHABLE). */
void arp_negative_advice(struct ustack *st, int ifindex, uint32_t nexthop);

#endif
