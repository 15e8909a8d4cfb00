/* ipv6_ndstub.c - TEMPORARY weak stand-ins for the neighbour layer (nd.c, mld6.c, built
 * in parallel on branch nd) so that the IPv6 layer links and its loopback paths run
 * before nd lands. Every definition here is weak: nd.c's and mld6.c's replace them at
 * link time. Delete this file once nd is merged. Nothing here resolves neighbours:
 * a packet for a link is dropped (counted as ND_UNRESOLVED). */
#include <stdbool.h>
#include <stdint.h>

#include "core/ip_class.h"
#include "core/stack.h"
#include "core/trace.h"
#include "net/mld6.h"
#include "net/nd.h"

__attribute__((weak)) void nd_output(struct ustack *st, struct iface *ifp, struct pkt *p,
				     const uint8_t nexthop[16])
{
	(void)nexthop;
	stack_drop(st, USTACK_DROP_ND_UNRESOLVED, ifp->index, p->data, p->len);
	pkt_free(st, p);
}

__attribute__((weak)) void nd_input(struct ustack *st, struct iface *ifp, struct pkt *p)
{
	(void)ifp;
	pkt_free(st, p);
}

__attribute__((weak)) void nd_negative_advice(struct ustack *st, int ifindex,
					      const uint8_t nexthop[16])
{
	(void)st;
	(void)ifindex;
	(void)nexthop;
}

__attribute__((weak)) void mld6_input(struct ustack *st, struct iface *ifp, struct pkt *p)
{
	(void)ifp;
	pkt_free(st, p);
}

__attribute__((weak)) bool mld6_member(struct ustack *st, const struct iface *ifp,
				       const uint8_t group[16])
{
	(void)st;
	(void)ifp;
	return ip6_is_all_nodes(group);
}
