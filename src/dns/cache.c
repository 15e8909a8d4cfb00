/* cache.c - the resolver's cache (RFC 1035 7.4: cache answers for their TTL; RFC 2308:
 * negative answers, NXDOMAIN for every type of the name, NODATA for one type).
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

static int kind_rank(enum dns_cache_kind k)
{
	switch (k) {
	case DNS_CACHE_NXDOMAIN: return 0;
	case DNS_CACHE_A: return 1;
	case DNS_CACHE_CNAME: return 2;
	default: return 3;
	}
}

const struct dns_cache_entry *dns_cache_get(struct dns_cache *c, const char *name, uint64_t now)
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
		if (strcmp(e->name, name) != 0)
			continue;
		if (!best || kind_rank(e->kind) < kind_rank(best->kind))
			best = e;
	}
	if (best)
		best->used = ++c->tick;
	return best;
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
			bool same = e->kind == in->kind;
			bool clash = in->kind == DNS_CACHE_NXDOMAIN || e->kind == DNS_CACHE_NXDOMAIN ||
				     (in->kind == DNS_CACHE_A && e->kind == DNS_CACHE_NODATA) ||
				     (in->kind == DNS_CACHE_NODATA && e->kind == DNS_CACHE_A) ||
				     (in->kind == DNS_CACHE_PTR && e->kind == DNS_CACHE_NODATA) ||
				     (in->kind == DNS_CACHE_NODATA && e->kind == DNS_CACHE_PTR);
			if (same || clash) {
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
