/* gai_order.c - the destination order of getaddrinfo: RFC 6724 section 6, reduced to
 * the rules that matter on a host with at most a few interfaces:
 *  rule 1 (avoid unusable destinations): an IPv6 destination needs a usable source of
 *    its scope and, beyond the link, a route;
 *  rule 2 (prefer matching scope) and rule 6 (prefer matching label, ::ffff:0:0/96 is
 *    IPv4's): between a reachable IPv6 destination and an IPv4 one, the policy table's
 *    precedence (::/0 40 above ::ffff:0:0/96 35) puts IPv6 first;
 *  rule 10 (otherwise, leave the order unchanged): a stable sort. */
#include "dns/gai_order.h"

#include "core/ip_class.h"
#include "core/route6.h"
#include "core/stack.h"

static bool route6_of_stack(void *ctx, const uint8_t dst[16])
{
	uint8_t nh[16];
	int ifindex;

	return route6_lookup(ctx, dst, -1, nh, &ifindex) == 0;
}

void gai_env_of(struct ustack *st, struct gai_env *env)
{
	*env = (struct gai_env){ .route6 = route6_of_stack, .ctx = st };
	stack_lock(st);
	for (int i = 0; i < st->n_ifaces; i++) {
		const struct iface *ifp = &st->ifaces[i];
		if (!ifp->used)
			continue;
		if (ifp->addr && !ifp->loopback && !ip4_is_loopback(ifp->addr))
			env->has_v4 = true;
		for (int j = 0; j < IFACE_ADDR6_MAX; j++) {
			const struct if_addr6 *a = &ifp->addr6[j];
			if (!if_addr6_usable(a) || ip6_is_loopback(a->addr))
				continue;
			env->has_v6 = true;
			if (ip6_is_link_local(a->addr))
				env->has_ll6 = true;
			else
				env->has_global6 = true;
		}
	}
	stack_unlock(st);
}

bool gai_v6_reachable(const struct gai_env *env, const uint8_t dst[16])
{
	if (ip6_is_loopback(dst))
		return true;
	if (ip6_is_v4mapped(dst) || ip6_is_unspecified(dst))
		return false;
	if (ip6_is_link_local(dst) || (ip6_is_multicast(dst) && ip6_mcast_scope(dst) <= 2))
		return env->has_ll6;
	return env->has_global6 && env->route6 && env->route6(env->ctx, dst);
}

/* 0 reachable IPv6, 1 IPv4 (or mapped), 2 IPv6 out of reach. */
static int rank(const struct gai_env *env, const struct ip_addr *a)
{
	if (a->family != IP_AF_INET6 || ip6_is_v4mapped(a->b))
		return 1;
	return gai_v6_reachable(env, a->b) ? 0 : 2;
}

void gai_sort(struct ip_addr *dst, int n, const struct gai_env *env)
{
	int r[64];

	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		r[i] = rank(env, &dst[i]);
	for (int i = 1; i < n; i++) {            /* insertion sort: stable, n is small */
		struct ip_addr a = dst[i];
		int ra = r[i], j = i;
		while (j > 0 && r[j - 1] > ra) {
			dst[j] = dst[j - 1];
			r[j] = r[j - 1];
			j--;
		}
		dst[j] = a;
		r[j] = ra;
	}
}
