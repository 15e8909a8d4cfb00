/* neigh.c - see neigh.h: the family of the next hop picks ARP or Neighbor Discovery. */
#include "net/neigh.h"

#include "core/pkt.h"
#include "core/stack.h"
#include "net/arp.h"
#include "net/nd.h"

void neigh_output(struct ustack *st, struct iface *ifp, struct pkt *p, const struct ip_addr *nexthop)
{
	if (nexthop->family == IP_AF_INET6)
		nd_output(st, ifp, p, nexthop->b);
	else
		arp_output(st, ifp, p, ip_addr_v4(nexthop));
}

void neigh_negative_advice(struct ustack *st, int ifindex, const struct ip_addr *nexthop)
{
	if (nexthop->family == IP_AF_INET6)
		nd_negative_advice(st, ifindex, nexthop->b);
	else
		arp_negative_advice(st, ifindex, ip_addr_v4(nexthop));
}
