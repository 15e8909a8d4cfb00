/* route.h - the routing table: longest-prefix match, connected routes, a default gateway. */
#ifndef USTACK_CORE_ROUTE_H
#define USTACK_CORE_ROUTE_H

#include <stdint.h>

struct ustack;

#define ROUTE_MAX 64

enum route_origin {
	ROUTE_CONNECTED = 1,  /* the network of an interface's address */
	ROUTE_STATIC,         /* ustack_route_add, ustack_set_gateway */
};

struct route {
	uint32_t dst, mask;   /* host order */
	uint8_t prefix;
	uint8_t origin;       /* enum route_origin */
	uint32_t gw;          /* 0: on-link (the destination itself is the next hop) */
	int ifindex;
};

struct route_table {
	struct route r[ROUTE_MAX];
	int n;
};

int route_add(struct ustack *st, uint32_t dst, int prefix, uint32_t gw, int ifindex,
	      enum route_origin origin);
/* Longest-prefix match for dst. On success returns 0 and fills *nexthop (gw or dst)
 * and *ifindex; -1 if no route. */
int route_lookup(struct ustack *st, uint32_t dst, uint32_t *nexthop, int *ifindex);
static inline uint32_t prefix_to_mask(int prefix)
{
	return prefix <= 0 ? 0 : (prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1));
}

#endif
