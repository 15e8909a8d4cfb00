/* route.c - the routing table: a small array searched for the longest matching
 * prefix (RFC 1812 §5.2.4.3's basic rule; RFC 1122 §3.3.1 for the host's view:
 * on-link destinations go straight to their address, others to a gateway). */
#include "core/route.h"

#include <errno.h>

#include "core/stack.h"

/* The connected (on-link) route covering addr, longest prefix first: the interface a
 * gateway is reached through. */
static int connected_ifindex(struct ustack *st, uint32_t addr)
{
	const struct route_table *rt = &st->routes;
	int best = -1, best_prefix = -1;

	for (int i = 0; i < rt->n; i++) {
		const struct route *r = &rt->r[i];

		if (r->gw != 0 || (addr & r->mask) != r->dst)
			continue;
		if (r->prefix > best_prefix) {
			best_prefix = r->prefix;
			best = r->ifindex;
		}
	}
	return best;
}

int route_add(struct ustack *st, uint32_t dst, int prefix, uint32_t gw, int ifindex,
	      enum route_origin origin)
{
	struct route_table *rt = &st->routes;
	uint32_t mask;
	struct route *slot = NULL;

	if (prefix < 0 || prefix > 32) {
		errno = EINVAL;
		return -1;
	}
	mask = prefix_to_mask(prefix);
	if (ifindex < 0) {
		if (gw == 0) {
			errno = EINVAL;
			return -1;
		}
		ifindex = connected_ifindex(st, gw);
		if (ifindex < 0) {
			errno = ENETUNREACH;
			return -1;
		}
	}
	if (!iface_get(st, ifindex)) {
		errno = ENODEV;
		return -1;
	}
	dst &= mask;
	/* The same destination replaces the old route. */
	for (int i = 0; i < rt->n; i++)
		if (rt->r[i].dst == dst && rt->r[i].prefix == prefix)
			slot = &rt->r[i];
	if (!slot) {
		if (rt->n >= ROUTE_MAX) {
			errno = ENOSPC;
			return -1;
		}
		slot = &rt->r[rt->n++];
	}
	slot->dst = dst;
	slot->mask = mask;
	slot->prefix = (uint8_t)prefix;
	slot->gw = gw;
	slot->ifindex = ifindex;
	slot->origin = (uint8_t)origin;
	return 0;
}

int route_lookup(struct ustack *st, uint32_t dst, uint32_t *nexthop, int *ifindex)
{
	const struct route_table *rt = &st->routes;
	const struct route *best = NULL;

	for (int i = 0; i < rt->n; i++) {
		const struct route *r = &rt->r[i];
		struct iface *ifp;

		if ((dst & r->mask) != r->dst)
			continue;
		if (best && r->prefix <= best->prefix)
			continue;
		ifp = iface_get(st, r->ifindex);
		if (!ifp || !ifp->up)
			continue;
		best = r;
	}
	if (!best)
		return -1;
	if (nexthop)
		*nexthop = best->gw ? best->gw : dst;
	if (ifindex)
		*ifindex = best->ifindex;
	return 0;
}
