/* route_api.c - the public calls on the two routing tables (core/route.c for IPv4,
 * core/route6.c for IPv6): adding routes and a default gateway, and listing both tables
 * as `netstat -r` shows them. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "core/route.h"
#include "core/route6.h"
#include "core/stack.h"

int ustack_route_add(struct ustack *st, struct in_addr dst, int prefix_len, struct in_addr gw,
		     int ifindex)
{
	int rc;

	if (!st) {
		errno = EINVAL;
		return -1;
	}
	stack_lock(st);
	rc = route_add(st, ntohl(dst.s_addr), prefix_len, ntohl(gw.s_addr), ifindex, ROUTE_STATIC);
	stack_unlock(st);
	return rc;
}

int ustack_set_gateway(struct ustack *st, struct in_addr gw)
{
	struct in_addr any = { .s_addr = 0 };

	if (gw.s_addr == 0) {
		errno = EINVAL;
		return -1;
	}
	return ustack_route_add(st, any, 0, gw, -1);
}

int ustack_route_add6(struct ustack *st, const struct in6_addr *dst, int prefix_len,
		      const struct in6_addr *gw, int ifindex)
{
	int rc;

	if (!st || !dst || prefix_len < 0 || prefix_len > 128) {
		errno = EINVAL;
		return -1;
	}
	stack_lock(st);
	rc = route6_add(st, (const uint8_t *)dst, prefix_len, (const uint8_t *)gw, ifindex,
			ROUTE6_STATIC, 0);
	stack_unlock(st);
	if (rc != 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

int ustack_set_gateway6(struct ustack *st, const struct in6_addr *gw, int ifindex)
{
	if (!gw || IN6_IS_ADDR_UNSPECIFIED(gw) || IN6_IS_ADDR_MULTICAST(gw)) {
		errno = EINVAL;
		return -1;
	}
	return ustack_route_add6(st, &in6addr_any, 0, gw, ifindex);
}

static const char *route6_origin_name(uint8_t origin)
{
	switch (origin) {
	case ROUTE6_CONNECTED:
		return "connected";
	case ROUTE6_RA:
		return "ra";
	default:
		return "static";
	}
}

size_t ustack_routes(struct ustack *st, struct ustack_route *out, size_t max)
{
	size_t n = 0;

	if (!st || !out)
		return 0;
	stack_lock(st);
	for (int i = 0; i < st->routes.n && n < max; i++) {
		const struct route *r = &st->routes.r[i];
		struct ustack_route *o = &out[n++];

		memset(o, 0, sizeof(*o));
		o->family = AF_INET;
		o->dst.s_addr = htonl(r->dst);
		o->gw.s_addr = htonl(r->gw);
		o->has_gw = r->gw != 0;
		o->prefix_len = r->prefix;
		o->ifindex = r->ifindex;
		o->origin = r->origin == ROUTE_CONNECTED ? "connected" : "static";
		o->expires_s = 0xffffffffu;
	}
	for (int i = 0; i < st->routes6.n && n < max; i++) {
		const struct route6 *r = &st->routes6.r[i];
		struct ustack_route *o;

		if (r->expires && r->expires <= st->now)
			continue;   /* gone, not yet swept */
		o = &out[n++];
		memset(o, 0, sizeof(*o));
		o->family = AF_INET6;
		memcpy(o->dst6.s6_addr, r->dst, 16);
		if (r->has_gw)
			memcpy(o->gw6.s6_addr, r->gw, 16);
		o->has_gw = r->has_gw;
		o->prefix_len = r->plen;
		o->ifindex = r->ifindex;
		o->origin = route6_origin_name(r->origin);
		o->expires_s = r->expires ? (uint32_t)((r->expires - st->now + 999999) / 1000000)
					  : 0xffffffffu;
	}
	stack_unlock(st);
	return n;
}
