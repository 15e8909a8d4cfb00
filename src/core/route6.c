/* route6.c - the IPv6 routing table (see route6.h): a small array searched for the
 * longest matching prefix; routes with a lifetime vanish from lookups when it ends
 * and their slot is reused. */
#include "core/route6.h"

#include <errno.h>
#include <string.h>

#include "core/ip_class.h"
#include "core/stack.h"

bool ip6_prefix_match(const uint8_t a[16], const uint8_t x[16], int plen)
{
	int full = plen / 8, rest = plen % 8;

	if (plen < 0 || plen > 128)
		return false;
	if (memcmp(a, x, (size_t)full) != 0)
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		if ((a[full] & m) != (x[full] & m))
			return false;
	}
	return true;
}

static bool expired(const struct ustack *st, const struct route6 *r)
{
	return r->expires != 0 && r->expires <= st->now;
}

static bool same(const struct route6 *r, const uint8_t dst[16], int plen, const uint8_t *gw,
		 int ifindex)
{
	if (r->plen != plen || memcmp(r->dst, dst, 16) != 0 || r->has_gw != (gw != NULL))
		return false;
	if (gw && memcmp(r->gw, gw, 16) != 0)
		return false;
	return ifindex < 0 || r->ifindex == ifindex;
}

/* The interface of the longest on-link route covering a (for a gateway). */
static int connected_ifindex(struct ustack *st, const uint8_t a[16])
{
	const struct route6_table *rt = &st->routes6;
	int best = -1, best_plen = -1;

	for (int i = 0; i < rt->n; i++) {
		const struct route6 *r = &rt->r[i];

		if (r->has_gw || expired(st, r) || !ip6_prefix_match(r->dst, a, r->plen))
			continue;
		if (r->plen > best_plen) {
			best_plen = r->plen;
			best = r->ifindex;
		}
	}
	return best;
}

int route6_add(struct ustack *st, const uint8_t dst[16], int plen, const uint8_t *gw, int ifindex,
	       enum route6_origin origin, uint64_t expires)
{
	struct route6_table *rt = &st->routes6;
	struct route6 *slot = NULL;
	uint8_t net[16];

	if (plen < 0 || plen > 128)
		return -EINVAL;
	memset(net, 0, sizeof(net));
	memcpy(net, dst, (size_t)(plen / 8));
	if (plen % 8)
		net[plen / 8] = (uint8_t)(dst[plen / 8] & (0xff << (8 - plen % 8)));
	if (gw && ifindex < 0) {
		if (ip6_is_link_local(gw))
			return -EINVAL;
		ifindex = connected_ifindex(st, gw);
		if (ifindex < 0)
			return -ENETUNREACH;
	}
	if (!iface_get(st, ifindex))
		return -EINVAL;
	for (int i = 0; i < rt->n && !slot; i++)
		if (same(&rt->r[i], net, plen, gw, ifindex))
			slot = &rt->r[i];
	for (int i = 0; i < rt->n && !slot; i++)
		if (expired(st, &rt->r[i]))
			slot = &rt->r[i];
	if (!slot) {
		if (rt->n >= ROUTE6_MAX)
			return -ENOSPC;
		slot = &rt->r[rt->n++];
	}
	memset(slot, 0, sizeof(*slot));
	memcpy(slot->dst, net, 16);
	slot->plen = (uint8_t)plen;
	slot->has_gw = gw != NULL;
	if (gw)
		memcpy(slot->gw, gw, 16);
	slot->ifindex = ifindex;
	slot->origin = (uint8_t)origin;
	slot->expires = expires;
	return 0;
}

static void remove_at(struct route6_table *rt, int i)
{
	rt->r[i] = rt->r[rt->n - 1];
	rt->n--;
}

int route6_del(struct ustack *st, const uint8_t dst[16], int plen, const uint8_t *gw, int ifindex)
{
	struct route6_table *rt = &st->routes6;

	for (int i = 0; i < rt->n; i++)
		if (same(&rt->r[i], dst, plen, gw, ifindex)) {
			remove_at(rt, i);
			return 0;
		}
	return -ENOENT;
}

int route6_flush_iface(struct ustack *st, int ifindex)
{
	struct route6_table *rt = &st->routes6;
	int n = 0;

	for (int i = rt->n - 1; i >= 0; i--)
		if (rt->r[i].ifindex == ifindex) {
			remove_at(rt, i);
			n++;
		}
	return n;
}

int route6_lookup(struct ustack *st, const uint8_t dst[16], int scope_ifindex, uint8_t nexthop[16],
		  int *ifindex)
{
	const struct route6_table *rt = &st->routes6;
	const struct route6 *best = NULL;

	if (scope_ifindex >= 0 && (ip6_is_link_local(dst) || ip6_is_multicast(dst))) {
		if (!iface_get(st, scope_ifindex))
			return -1;
		memcpy(nexthop, dst, 16);
		*ifindex = scope_ifindex;
		return 0;
	}
	for (int i = 0; i < rt->n; i++) {
		const struct route6 *r = &rt->r[i];

		if (expired(st, r) || !ip6_prefix_match(r->dst, dst, r->plen))
			continue;
		if (scope_ifindex >= 0 && r->ifindex != scope_ifindex)
			continue;
		if (!best || r->plen > best->plen)
			best = r;
	}
	if (!best)
		return -1;
	memcpy(nexthop, best->has_gw ? best->gw : dst, 16);
	*ifindex = best->ifindex;
	return 0;
}
