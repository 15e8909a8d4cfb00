/* route6.h - the IPv6 routing table: longest-prefix match over static routes, the
 * on-link prefixes of our addresses and of router advertisements, and default routers
 * learnt from them (RFC 4861 5.2's conceptual lists, kept as routes with a lifetime).
 *
 * Link-local and multicast destinations have no route: they leave by the interface the
 * caller names (the socket's scope id or multicast interface). */
#ifndef USTACK_CORE_ROUTE6_H
#define USTACK_CORE_ROUTE6_H

#include <stdbool.h>
#include <stdint.h>

struct ustack;

#define ROUTE6_MAX 64

enum route6_origin {
	ROUTE6_STATIC = 1,      /* ustack_route_add6 */
	ROUTE6_CONNECTED,       /* the prefix of one of our addresses */
	ROUTE6_RA,              /* an RA's on-link prefix or default router */
};

struct route6 {
	uint8_t dst[16];
	uint8_t plen;
	bool has_gw;            /* false: on-link (the destination is the next hop) */
	uint8_t gw[16];
	int ifindex;
	uint8_t origin;         /* enum route6_origin */
	uint64_t expires;       /* st->now (us) when it goes; 0: never */
};

struct route6_table {
	struct route6 r[ROUTE6_MAX];
	int n;
};

/* Adds a route, or refreshes the lifetime of the same one (dst/plen, gw, ifindex).
 * gw NULL: on-link. A gateway route with ifindex -1 takes the interface of the
 * connected route covering gw (a link-local gw needs the ifindex). expires 0: never.
 * Returns 0 or -errno: -EINVAL (plen > 128, ifindex unknown), -ENETUNREACH (gw not
 * on a connected network), -ENOSPC (table full). */
int route6_add(struct ustack *st, const uint8_t dst[16], int plen, const uint8_t *gw, int ifindex,
	       enum route6_origin origin, uint64_t expires);
/* Removes the route (gw NULL: the on-link one); 0 or -ENOENT. */
int route6_del(struct ustack *st, const uint8_t dst[16], int plen, const uint8_t *gw, int ifindex);
/* Removes every route through ifindex (the interface went down); returns how many. */
int route6_flush_iface(struct ustack *st, int ifindex);
/* Longest-prefix match for dst among the routes that have not expired (at st->now).
 * scope_ifindex >= 0 restricts the choice to that interface (a link-local or
 * multicast dst, which then is always on-link there). On success returns 0 and fills
 * nexthop (gw or dst) and *ifindex; -1 if there is no route. */
int route6_lookup(struct ustack *st, const uint8_t dst[16], int scope_ifindex, uint8_t nexthop[16],
		  int *ifindex);
/* Is a/plen covering x? */
bool ip6_prefix_match(const uint8_t a[16], const uint8_t x[16], int plen);

#endif
