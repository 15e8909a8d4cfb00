/* inet.c - the transports' family-neutral view of IPv4 and IPv6 (see inet.h). */
#include "net/inet.h"

#include <errno.h>

#include "core/ip_class.h"
#include "core/pkt.h"
#include "net/ipv4.h"
#include "net/ipv6.h"
#include "wire/csum.h"

uint32_t inet_pseudo(const struct ip_addr *src, const struct ip_addr *dst, uint8_t proto)
{
	if (src->family == IP_AF_INET6)
		return csum_pseudo6(src->b, dst->b, 0, proto);
	return csum_pseudo(ip_addr_v4(src), ip_addr_v4(dst), proto, 0);
}

int inet_output(struct ustack *st, struct pkt *p, const struct ip_addr *src,
		const struct ip_addr *dst, uint8_t proto, const struct inet_tx *tx)
{
	if (dst->family == IP_AF_INET && src->family == IP_AF_INET) {
		struct ip_out_opts o = { 0 };

		if (tx) {
			o.ttl = tx->ttl;
			o.tos = tx->tos;
			o.df = tx->df;
		}
		return ipv4_output(st, p, ip_addr_v4(src), ip_addr_v4(dst), proto, &o);
	}
	if (dst->family == IP_AF_INET6 && src->family == IP_AF_INET6) {
		struct ip6_out_opts o = { .ifindex = -1 };

		if (tx) {
			o.hop_limit = tx->ttl;
			o.tclass = tx->tos;
			o.ifindex = tx->ifindex;
			o.mcast_loop = tx->mcast_loop;
			o.host_only = tx->host_only;
		}
		return ipv6_output(st, p, src->b, dst->b, proto, &o);
	}
	pkt_free(st, p);
	return -EAFNOSUPPORT;
}

int inet_select_src(struct ustack *st, const struct ip_addr *dst, int ifindex,
		    struct ip_addr *src)
{
	if (dst->family == IP_AF_INET6) {
		struct ip_addr s = { .family = IP_AF_INET6 };
		int rc = ipv6_select_src(st, dst->b, ifindex, s.b);

		if (rc < 0)
			return rc;
		*src = s;
		return 0;
	}
	if (dst->family == IP_AF_INET) {
		uint32_t s;
		int rc = ipv4_select_src(st, ip_addr_v4(dst), &s);

		if (rc < 0)
			return rc;
		*src = ip_addr_from_v4(s);
		return 0;
	}
	return -ENETUNREACH;
}

unsigned inet_path_mtu(struct ustack *st, const struct ip_addr *dst)
{
	if (dst->family == IP_AF_INET)
		return ipv4_route_mtu(st, ip_addr_v4(dst));
	return ipv6_path_mtu(st, dst->b);
}

unsigned inet_offloads(struct ustack *st, const struct ip_addr *dst, unsigned *gso_max)
{
	if (dst->family == IP_AF_INET)
		return ipv4_route_offloads(st, ip_addr_v4(dst), gso_max);
	if (dst->family == IP_AF_INET6)
		return ipv6_route_offloads(st, dst->b, gso_max);
	*gso_max = 0;
	return 0;
}

bool inet_is_local(struct ustack *st, const struct ip_addr *a)
{
	if (a->family == IP_AF_INET)
		return ipv4_is_local(st, ip_addr_v4(a));
	return a->family == IP_AF_INET6 && ipv6_is_local(st, a->b);
}

void inet_negative_advice(struct ustack *st, const struct ip_addr *dst, int ifindex)
{
	if (dst->family == IP_AF_INET)
		ipv4_negative_advice(st, ip_addr_v4(dst));
	else if (dst->family == IP_AF_INET6)
		ipv6_negative_advice(st, dst->b, ifindex);
}

bool inet_bad_peer(const struct ip_addr *a)
{
	if (a->family == IP_AF_INET) {
		uint32_t v = ip_addr_v4(a);

		return ip4_is_unspecified(v) || ip4_is_multicast(v) || ip4_is_class_e(v);
	}
	return a->family != IP_AF_INET6 || ip6_is_unspecified(a->b) || ip6_is_multicast(a->b);
}

bool inet_addr_overlap(const struct ip_addr *a, bool v6only_a, const struct ip_addr *b,
		       bool v6only_b)
{
	bool any_a = ip_addr_is_unspecified(a), any_b = ip_addr_is_unspecified(b);

	if (!any_a && !any_b)
		return ip_addr_eq(a, b);
	if (a->family == b->family)
		return true;
	/* families differ: only a dual-stack wildcard :: covers the IPv4 side */
	if (a->family == IP_AF_INET6)
		return any_a && !v6only_a;
	return any_b && !v6only_b;
}

bool inet_addr_takes(const struct ip_addr *laddr, bool v6only, const struct ip_addr *dst)
{
	if (!ip_addr_is_unspecified(laddr))
		return ip_addr_eq(laddr, dst);
	if (laddr->family == dst->family)
		return true;
	return laddr->family == IP_AF_INET6 && !v6only && dst->family == IP_AF_INET;
}
