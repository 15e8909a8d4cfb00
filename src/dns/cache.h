/* cache.h - the resolver's answer cache: A sets, CNAMEs and negative answers with their
 * TTLs (RFC 1035 7.4, RFC 2308), bounded in size. Times are stack microseconds. */
#ifndef USTACK_DNS_CACHE_H
#define USTACK_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "wire/dns.h"

#define DNS_CACHE_MAX 256
#define DNS_CACHE_ADDRS 16
#define DNS_TTL_MAX (7u * 24 * 3600)    /* a week: longer TTLs are cut (as BIND's max-cache-ttl) */

enum dns_cache_kind {
	DNS_CACHE_A,            /* addresses of name */
	DNS_CACHE_CNAME,        /* name is an alias for target */
	DNS_CACHE_NXDOMAIN,     /* name does not exist (any type) */
	DNS_CACHE_NODATA,       /* name exists without A records */
	DNS_CACHE_PTR,          /* a reverse name (in-addr.arpa, ip6.arpa) points to target */
	DNS_CACHE_AAAA,         /* IPv6 addresses of name (RFC 3596) */
	DNS_CACHE_NODATA6,      /* name exists without AAAA records (RFC 2308: per type) */
};

struct dns_cache_entry {
	char name[DNS_MAX_NAME + 1];    /* lower case */
	enum dns_cache_kind kind;
	uint32_t addrs[DNS_CACHE_ADDRS];        /* host order */
	int n_addrs;
	uint8_t addrs6[DNS_CACHE_ADDRS][16];    /* DNS_CACHE_AAAA, network order */
	char target[DNS_MAX_NAME + 1];
	uint64_t expires;               /* stack time, us */
	uint64_t used;                  /* for least-recently-used eviction */
	bool live;
};

struct dns_cache {
	struct dns_cache_entry *e;
	size_t cap;
	uint64_t tick;
};

int dns_cache_init(struct dns_cache *c, size_t cap);
void dns_cache_free(struct dns_cache *c);
/* The live entry for name (lower case), NXDOMAIN first, then A, CNAME, NODATA (PTR
 * last); AAAA and NODATA6 entries are not seen. NULL if none. */
const struct dns_cache_entry *dns_cache_get(struct dns_cache *c, const char *name, uint64_t now);
/* The same for AAAA lookups: NXDOMAIN, AAAA, CNAME, NODATA6; or NULL. */
const struct dns_cache_entry *dns_cache_get6(struct dns_cache *c, const char *name, uint64_t now);
/* Insert or replace; ttl 0 is not cached (RFC 1035 3.2.1: use only for this transaction). */
void dns_cache_put(struct dns_cache *c, const struct dns_cache_entry *in, uint32_t ttl,
		   uint64_t now);
/* Seconds left of e at now (rounded down). */
uint32_t dns_cache_ttl_left(const struct dns_cache_entry *e, uint64_t now);
void dns_cache_clear(struct dns_cache *c);

#endif
