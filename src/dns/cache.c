/* cache.c - the resolver's cache (RFC 1035 7.4: cache answers for their TTL; RFC 2308:
 * negative answers, NXDOMAIN for every type of the name, NODATA for one type: A/PTR
 * or AAAA).
 * A fixed array searched linearly: DNS_CACHE_MAX entries keep that cheap and the
 * memory bounded; a full cache first reuses expired entries, then the least recently
 * used one. */
#include <stdlib.h>
#include <string.h>

#include "dns/cache.h"

int dns_cache_init(struct dns_cache *c, size_t cap)
{
	c->e = calloc(cap, sizeof(*c->e));
	c->cap = c->e ? cap : 0;
	c->tick = 0;
	return c->e ? 0 : -1;
}

void dns_cache_free(struct dns_cache *c)
{
	free(c->e);
	c->e = NULL;
	c->cap = 0;
}

void dns_cache_clear(struct dns_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		c->e[i].live = false;
}

/* The order entries of one name are preferred in; -1: not seen by that lookup. */
static int kind_rank(enum dns_cache_kind k, bool v6)
{
	switch (k) {
	case DNS_CACHE_NXDOMAIN: return 0;
	case DNS_CACHE_A: return v6 ? -1 : 1;
	case DNS_CACHE_AAAA: return v6 ? 1 : -1;
	case DNS_CACHE_CNAME: return 2;
	case DNS_CACHE_NODATA: return v6 ? -1 : 3;
	case DNS_CACHE_NODATA6: return v6 ? 3 : -1;
	case DNS_CACHE_PTR: return v6 ? -1 : 4;
	}
	return -1;
}

static const struct dns_cache_entry *cache_find(struct dns_cache *c, const char *name,
						uint64_t now, bool v6)
{
	struct dns_cache_entry *best = NULL;

	for (size_t i = 0; i < c->cap; i++) {
		struct dns_cache_entry *e = &c->e[i];
		if (!e->live)
			continue;
		if (e->expires <= now) {
			e->live = false;            /* RFC 1035 7.4: gone when the TTL runs out */
			continue;
		}
		if (strcmp(e->name, name) != 0 || kind_rank(e->kind, v6) < 0)
			continue;
		if (!best || kind_rank(e->kind, v6) < kind_rank(best->kind, v6))
			best = e;
	}
	if (best)
		best->used = ++c->tick;
	return best;
}

const struct dns_cache_entry *dns_cache_get(struct dns_cache *c, const char *name, uint64_t now)
{
	return cache_find(c, name, now, false);
}

const struct dns_cache_entry *dns_cache_get6(struct dns_cache *c, const char *name, uint64_t now)
{
	return cache_find(c, name, now, true);
}

/* Does a new entry of kind b replace a live one of kind a for the same name? */
static bool contradicts(enum dns_cache_kind a, enum dns_cache_kind b)
{
	if (a == b || a == DNS_CACHE_NXDOMAIN || b == DNS_CACHE_NXDOMAIN)
		return true;
	if ((a == DNS_CACHE_A || a == DNS_CACHE_PTR) && b == DNS_CACHE_NODATA)
		return true;
	if (a == DNS_CACHE_NODATA && (b == DNS_CACHE_A || b == DNS_CACHE_PTR))
		return true;
	return (a == DNS_CACHE_AAAA && b == DNS_CACHE_NODATA6) ||
	       (a == DNS_CACHE_NODATA6 && b == DNS_CACHE_AAAA);
}

uint32_t dns_cache_ttl_left(const struct dns_cache_entry *e, uint64_t now)
{
	return e->expires > now ? (uint32_t)((e->expires - now) / 1000000u) : 0;
}

void dns_cache_put(struct dns_cache *c, const struct dns_cache_entry *in, uint32_t ttl,
		   uint64_t now)
{
	struct dns_cache_entry *slot = NULL, *lru = NULL;

	if (ttl == 0 || !c->cap)
		return;
	if (ttl > DNS_TTL_MAX)
		ttl = DNS_TTL_MAX;
	for (size_t i = 0; i < c->cap; i++) {
		struct dns_cache_entry *e = &c->e[i];
		if (e->live && e->expires <= now)
			e->live = false;
		if (e->live && strcmp(e->name, in->name) == 0) {
			/* one fact per name: a new answer replaces what contradicts it */
			if (contradicts(e->kind, in->kind)) {
				if (!slot)
					slot = e;
				else
					e->live = false;
				continue;
			}
		}
		if (!e->live) {
			if (!slot)
				slot = e;
		} else if (!lru || e->used < lru->used) {
			lru = e;
		}
	}
	if (!slot)
		slot = lru;
	*slot = *in;
	slot->live = true;
	slot->expires = now + (uint64_t)ttl * 1000000u;
	slot->used = ++c->tick;
}
