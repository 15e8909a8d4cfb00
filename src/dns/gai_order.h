/* gai_order.h - what getaddrinfo needs to know of the host (its address families, a
 * usable global IPv6 address, IPv6 routes) and the destination order it derives from
 * that: RFC 6724 section 6, simplified. */
#ifndef USTACK_DNS_GAI_ORDER_H
#define USTACK_DNS_GAI_ORDER_H

#include <stdbool.h>
#include <stdint.h>
#include "core/ip_addr.h"

struct ustack;

struct gai_env {
	bool has_v4;            /* a non-loopback IPv4 address (AI_ADDRCONFIG) */
	bool has_v6;            /* a non-loopback IPv6 address, link-local included */
	bool has_global6;       /* a usable IPv6 address wider than link-local */
	bool has_ll6;           /* a usable link-local IPv6 address */
	/* is there an IPv6 route to dst? (route6_lookup on a stack; a fake in tests) */
	bool (*route6)(void *ctx, const uint8_t dst[16]);
	void *ctx;
};

/* The host's view, read under st->lock (taken here); route6 asks st's IPv6 routes. */
void gai_env_of(struct ustack *st, struct gai_env *env);

/* Can the host reach this IPv6 destination? ::1 always; a link-local one with a
 * usable link-local address; any other with a usable global address and a route. */
bool gai_v6_reachable(const struct gai_env *env, const uint8_t dst[16]);

/* Sorts n destinations in place, stable (RFC 6724 6, simplified): reachable IPv6
 * first (rules 1, 2: a source of the scope exists and a route), then IPv4 (IPv4-mapped
 * IPv6 counts as IPv4), then the IPv6 ones the host cannot reach (rule 1: avoid
 * unusable destinations). The DNS order is kept within each class (rule 10). */
void gai_sort(struct ip_addr *dst, int n, const struct gai_env *env);

#endif
