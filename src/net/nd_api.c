/* nd_api.c - the public calls for IPv6 addresses, SLAAC and the neighbour cache
 * (include/ustack/ustack.h): lock, check, hand to addr6.c / nd.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/stack.h"
#include "net/addr6.h"
#include "net/nd.h"

static const char *const state_names[] = {
	"UNUSED", "TENTATIVE", "PREFERRED", "DEPRECATED", "DUPLICATE"
};

static int fail(int err)
{
	errno = err;
	return -1;
}

int ustack_if_add6(struct ustack *st, int ifindex, const struct in6_addr *a, int plen)
{
	struct iface *ifp;
	int rc;

	if (!a)
		return fail(EINVAL);
	stack_lock(st);
	ifp = iface_get(st, ifindex);
	rc = ifp ? nd_addr_add(st, ifp, a->s6_addr, plen, IF6_F_STATIC, 0xffffffffu, 0xffffffffu)
		 : -ENODEV;
	stack_unlock(st);
	return rc ? fail(-rc) : 0;
}

int ustack_if_del6(struct ustack *st, int ifindex, const struct in6_addr *a)
{
	struct iface *ifp;
	int rc;

	if (!a)
		return fail(EINVAL);
	stack_lock(st);
	ifp = iface_get(st, ifindex);
	rc = ifp ? nd_addr_del(st, ifp, a->s6_addr) : -ENODEV;
	stack_unlock(st);
	return rc ? fail(-rc) : 0;
}

int ustack_if_set_slaac(struct ustack *st, int ifindex, bool on)
{
	int rc = 0;

	stack_lock(st);
	if (iface_get(st, ifindex))
		addr6_set_slaac(st, ifindex, on);
	else
		rc = -ENODEV;
	stack_unlock(st);
	return rc ? fail(-rc) : 0;
}

static uint32_t left_s(const struct ustack *st, uint64_t until)
{
	if (until == UINT64_MAX)
		return 0xffffffffu;
	return until > st->now ? (uint32_t)((until - st->now) / 1000000) : 0;
}

size_t ustack_if_addrs6(struct ustack *st, int ifindex, struct ustack_addr6 *out, size_t max)
{
	size_t n = 0;

	stack_lock(st);
	for (int i = 0; i < USTACK_MAX_IFACES && n < max; i++) {
		const struct iface *ifp = &st->ifaces[i];

		if (!ifp->used || (ifindex >= 0 && i != ifindex))
			continue;
		for (int k = 0; k < IFACE_ADDR6_MAX && n < max; k++) {
			const struct if_addr6 *a = &ifp->addr6[k];
			struct ustack_addr6 *o = &out[n];

			if (a->state == IF6_UNUSED || a->state > IF6_DUPLICATE)
				continue;
			memset(o, 0, sizeof(*o));
			memcpy(o->addr.s6_addr, a->addr, 16);
			o->plen = a->plen;
			o->ifindex = i;
			o->state = state_names[a->state];
			o->origin = a->flags & IF6_F_LINKLOCAL ? "link-local"
				    : a->flags & IF6_F_SLAAC ? "slaac" : "static";
			o->valid_s = left_s(st, a->valid_until);
			o->preferred_s = left_s(st, a->preferred_until);
			n++;
		}
	}
	stack_unlock(st);
	return n;
}

size_t ustack_neighbours6(struct ustack *st, struct ustack_neigh6 *out, size_t max)
{
	struct nd_neigh_info *info;
	size_t n;

	if (!max)
		return 0;
	info = calloc(max, sizeof(*info));
	if (!info)
		return 0;
	stack_lock(st);
	n = nd_list(st, info, max);
	stack_unlock(st);
	for (size_t i = 0; i < n; i++) {
		struct ustack_neigh6 *o = &out[i];

		memset(o, 0, sizeof(*o));
		memcpy(o->addr.s6_addr, info[i].ip, 16);
		memcpy(o->mac, info[i].mac, 6);
		o->ifindex = info[i].ifindex;
		o->state = info[i].state_name;
		o->router = info[i].router;
		o->age_us = info[i].age_us;
	}
	free(info);
	return n;
}

size_t ustack_rdnss(struct ustack *st, struct in6_addr *out, size_t max)
{
	uint8_t a[8][16];
	size_t n;

	stack_lock(st);
	n = addr6_rdnss(st, a, NULL, max < 8 ? max : 8);
	stack_unlock(st);
	for (size_t i = 0; i < n; i++)
		memcpy(out[i].s6_addr, a[i], 16);
	return n;
}
