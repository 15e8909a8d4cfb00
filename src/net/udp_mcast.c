/* udp_mcast.c - multicast on UDP sockets: what a pcb sends to a group (ip(7)'s
 * IP_MULTICAST_TTL / _LOOP / _IF, ipv6(7)'s IPV6_MULTICAST_HOPS / _LOOP / _IF) and the
 * groups it joined (IP_ADD_MEMBERSHIP, IPV6_JOIN_GROUP), each counted by the interface's
 * IGMP (RFC 3376) or MLDv2 (RFC 3810) state, so the first socket to join a group on an
 * interface reports it and the last to leave sends the leave. Delivery needs nothing of
 * the socket's list: a datagram to a group the interface joined goes to every socket
 * bound to the port and the group or the wildcard (udp.c), as Linux does with
 * IP_MULTICAST_ALL / IPV6_MULTICAST_ALL on, their default. */
#include <errno.h>

#include "core/stack.h"
#include "core/iface.h"
#include "core/ip_class.h"
#include "core/route6.h"
#include "net/igmp.h"
#include "net/inet.h"
#include "net/ipv4.h"
#include "net/mld6.h"
#include "net/udp.h"
#include "net/udp_var.h"

void udp_mcast_init(struct udp_pcb *pcb)
{
	pcb->mcast_ttl = 1;
	pcb->mcast_loop = true;
	pcb->mcast6_hops = 1;                   /* IPV6_DEFAULT_MCASTHOPS */
	pcb->mcast6_loop = true;
	pcb->mcast6_if = -1;
	pcb->mcast_all = pcb->mcast6_all = true;
}

void udp_mcast_leave_all(struct ustack *st, struct udp_pcb *pcb)
{
	while (pcb->n_groups > 0) {
		const struct udp_group *g = &pcb->groups[--pcb->n_groups];

		if (g->group.family == IP_AF_INET)
			igmp_leave(st, g->ifindex, ip_addr_v4(&g->group));
		else
			mld6_leave(st, iface_get(st, g->ifindex), g->group.b);
	}
}

/* ---- IPv4 (RFC 1112 7.1, ip(7)) ---------------------------------------------- */

static int find_group(const struct udp_pcb *pcb, const struct ip_addr *group, int ifindex);

void udp_set_mcast_all(struct udp_pcb *pcb, uint8_t family, int on)
{
	if (family == IP_AF_INET6)
		pcb->mcast6_all = on != 0;
	else
		pcb->mcast_all = on != 0;
}

bool udp_mcast_all(const struct udp_pcb *pcb, uint8_t family)
{
	return family == IP_AF_INET6 ? pcb->mcast6_all : pcb->mcast_all;
}

bool udp_mcast_takes(const struct udp_pcb *pcb, const struct ip_addr *group, int ifindex)
{
	if (udp_mcast_all(pcb, group->family))
		return true;
	return ifindex >= 0 && find_group(pcb, group, ifindex) >= 0;
}

void udp_set_mcast_ttl(struct udp_pcb *pcb, uint8_t ttl) { pcb->mcast_ttl = ttl; }
void udp_set_mcast_loop(struct udp_pcb *pcb, int on) { pcb->mcast_loop = on != 0; }

int udp_set_mcast_if(struct ustack *st, struct udp_pcb *pcb, uint32_t addr, int ifindex)
{
	if (ifindex > 0) {
		struct iface *ifp = iface_get(st, ifindex);
		if (!ifp)
			return -ENODEV;
		addr = ifp->addr;
	} else if (addr && !iface_by_addr(st, addr)) {
		return -EADDRNOTAVAIL;
	}
	pcb->mcast_if = addr;
	return 0;
}

void udp_mcast_opts(const struct udp_pcb *pcb, uint8_t *ttl, bool *loop, uint32_t *ifaddr)
{
	*ttl = pcb->mcast_ttl;
	*loop = pcb->mcast_loop;
	*ifaddr = pcb->mcast_if;
}

/* The interface a membership is on: by index, by address, else where the group routes. */
static int member_iface(struct ustack *st, uint32_t group, uint32_t ifaddr, int ifindex)
{
	struct iface *ifp;
	uint32_t src;

	if (ifindex > 0)
		ifp = iface_get(st, ifindex);
	else if (ifaddr)
		ifp = iface_by_addr(st, ifaddr);
	else
		ifp = ipv4_select_src(st, group, &src) == 0 ? iface_by_addr(st, src) : NULL;
	return ifp && ifp->up ? ifp->index : -ENODEV;
}

/* The index of group on ifindex in pcb's memberships (ifindex -1: on any interface),
 * or -1. */
static int find_group(const struct udp_pcb *pcb, const struct ip_addr *group, int ifindex)
{
	for (int i = 0; i < pcb->n_groups; i++)
		if (ip_addr_eq(&pcb->groups[i].group, group) &&
		    (ifindex < 0 || pcb->groups[i].ifindex == ifindex))
			return i;
	return -1;
}

static int add_group(struct udp_pcb *pcb, const struct ip_addr *group, int ifindex)
{
	if (pcb->n_groups == UDP_MAX_MEMBERSHIPS)
		return -ENOBUFS;
	pcb->groups[pcb->n_groups].group = *group;
	pcb->groups[pcb->n_groups].ifindex = ifindex;
	pcb->n_groups++;
	return 0;
}

int udp_join(struct ustack *st, struct udp_pcb *pcb, uint32_t group, uint32_t ifaddr,
	     int ifindex)
{
	struct ip_addr g = ip_addr_from_v4(group);

	if (!ip4_is_multicast(group))
		return -EINVAL;
	int idx = member_iface(st, group, ifaddr, ifindex);
	if (idx < 0)
		return idx;
	if (find_group(pcb, &g, idx) >= 0)
		return -EADDRINUSE;
	if (pcb->n_groups == UDP_MAX_MEMBERSHIPS)
		return -ENOBUFS;
	int rc = igmp_join(st, idx, group);
	if (rc)
		return rc;
	return add_group(pcb, &g, idx);
}

int udp_leave(struct ustack *st, struct udp_pcb *pcb, uint32_t group, uint32_t ifaddr,
	      int ifindex)
{
	struct ip_addr g = ip_addr_from_v4(group);

	if (!ip4_is_multicast(group))
		return -EINVAL;
	int idx = member_iface(st, group, ifaddr, ifindex);
	int i = idx < 0 ? -1 : find_group(pcb, &g, idx);
	if (i < 0 && !ifaddr && ifindex <= 0)           /* no interface named: any one */
		i = find_group(pcb, &g, -1);
	if (i < 0)
		return -EADDRNOTAVAIL;
	igmp_leave(st, pcb->groups[i].ifindex, group);
	pcb->groups[i] = pcb->groups[--pcb->n_groups];
	return 0;
}

/* ---- IPv6 (RFC 3493 5.2, ipv6(7)) -------------------------------------------- */

void udp_set_mcast6_hops(struct udp_pcb *pcb, uint8_t hops) { pcb->mcast6_hops = hops; }
void udp_set_mcast6_loop(struct udp_pcb *pcb, int on) { pcb->mcast6_loop = on != 0; }

/* An interface that can carry IPv6 multicast. */
static struct iface *iface6(struct ustack *st, int ifindex)
{
	struct iface *ifp = iface_get(st, ifindex);

	return ifp && ifp->up && ifp->ip6 ? ifp : NULL;
}

int udp_set_mcast6_if(struct ustack *st, struct udp_pcb *pcb, int ifindex)
{
	if (ifindex >= 0 && !iface_get(st, ifindex))
		return -ENODEV;
	pcb->mcast6_if = ifindex < 0 ? -1 : ifindex;
	return 0;
}

void udp_mcast6_opts(const struct udp_pcb *pcb, uint8_t *hops, bool *loop, int *ifindex)
{
	*hops = pcb->mcast6_hops;
	*loop = pcb->mcast6_loop;
	*ifindex = pcb->mcast6_if;
}

int udp_mcast6_oif(const struct udp_pcb *pcb)
{
	return pcb->mcast6_if;
}

void udp_mcast6_tx(const struct udp_pcb *pcb, struct inet_tx *t)
{
	t->ttl = pcb->mcast6_hops;              /* 0: ipv6_output writes 0, sends nothing */
	t->host_only = pcb->mcast6_hops == 0;
	t->mcast_loop = pcb->mcast6_loop;
}

/* The interface of a membership: the one named, else the one the group routes by,
 * else the first that runs IPv6 (every link carries ff00::/8, as on Linux). */
static int member6_iface(struct ustack *st, const uint8_t group[16], int ifindex)
{
	uint8_t nh[16];
	int idx;

	if (ifindex >= 0)
		return iface6(st, ifindex) ? ifindex : -ENODEV;
	if (route6_lookup(st, group, -1, nh, &idx) == 0 && iface6(st, idx))
		return idx;
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct iface *ifp = iface6(st, i);

		if (ifp && ifp->used && !ifp->loopback)
			return i;
	}
	return -ENODEV;
}

int udp_join6(struct ustack *st, struct udp_pcb *pcb, const uint8_t group[16], int ifindex)
{
	struct ip_addr g = ip_addr_from_v6(group);

	if (!ip6_is_multicast(group))
		return -EINVAL;
	int idx = member6_iface(st, group, ifindex);
	if (idx < 0)
		return idx;
	if (find_group(pcb, &g, idx) >= 0)
		return -EADDRINUSE;
	if (pcb->n_groups == UDP_MAX_MEMBERSHIPS)
		return -ENOBUFS;
	int rc = mld6_join(st, iface_get(st, idx), group);
	if (rc)
		return rc;
	return add_group(pcb, &g, idx);
}

int udp_leave6(struct ustack *st, struct udp_pcb *pcb, const uint8_t group[16], int ifindex)
{
	struct ip_addr g = ip_addr_from_v6(group);

	if (!ip6_is_multicast(group))
		return -EINVAL;
	/* as Linux: no interface named leaves the group on whichever it was joined */
	int i = find_group(pcb, &g, ifindex);
	if (i < 0)
		return -EADDRNOTAVAIL;
	mld6_leave(st, iface_get(st, pcb->groups[i].ifindex), group);
	pcb->groups[i] = pcb->groups[--pcb->n_groups];
	return 0;
}
