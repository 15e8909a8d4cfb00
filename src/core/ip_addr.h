/* ip_addr.h - an IP address of either family, its equality, text form and parsing.
 *
 * An ip_addr is a family and 16 bytes in network order; an IPv4 address uses the
 * first 4 (the rest stay zero, so memcmp of whole structs made here is equality).
 * The classifiers (loopback, multicast, ...) are in core/ip_class.h. */
#ifndef USTACK_CORE_IP_ADDR_H
#define USTACK_CORE_IP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum ip_family {
	IP_AF_NONE = 0,
	IP_AF_INET = 4,
	IP_AF_INET6 = 6,
};

struct ip_addr {
	uint8_t family;      /* enum ip_family */
	uint8_t b[16];       /* network order; IPv4 in b[0..3] */
};

/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" and its NUL, as INET6_ADDRSTRLEN */
#define IP_ADDR_STRLEN 46

/* An IPv4 address from host order. */
static inline struct ip_addr ip_addr_from_v4(uint32_t host_order)
{
	struct ip_addr a = { .family = IP_AF_INET };
	a.b[0] = (uint8_t)(host_order >> 24); a.b[1] = (uint8_t)(host_order >> 16);
	a.b[2] = (uint8_t)(host_order >> 8); a.b[3] = (uint8_t)host_order;
	return a;
}
/* An IPv6 address from 16 network-order bytes. */
static inline struct ip_addr ip_addr_from_v6(const uint8_t b[16])
{
	struct ip_addr a = { .family = IP_AF_INET6 };
	memcpy(a.b, b, 16);
	return a;
}
/* The host-order IPv4 address of a (a->family must be IP_AF_INET). */
static inline uint32_t ip_addr_v4(const struct ip_addr *a)
{
	return ((uint32_t)a->b[0] << 24) | ((uint32_t)a->b[1] << 16) | ((uint32_t)a->b[2] << 8) | a->b[3];
}
/* ::ffff:a.b.c.d for an IPv4 address (RFC 4291 2.5.5.2). */
static inline struct ip_addr ip_addr_v4_mapped(uint32_t host_order)
{
	struct ip_addr a = ip_addr_from_v4(host_order);
	a.family = IP_AF_INET6;
	memcpy(a.b + 12, a.b, 4);
	memset(a.b, 0, 10);
	a.b[10] = a.b[11] = 0xff;
	return a;
}
/* Same family and same bytes (only the family's 4 or 16). */
static inline bool ip_addr_eq(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return false;
	return memcmp(a->b, b->b, a->family == IP_AF_INET ? 4 : 16) == 0;
}

/* Text form into out (size >= IP_ADDR_STRLEN); returns out. IPv4 dotted quad; IPv6 per
 * RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups
 * (the first of equal runs) as "::", IPv4-mapped as ::ffff:a.b.c.d. */
char *ip_addr_ntop(const struct ip_addr *a, char *out);
/* Text of 16 IPv6 bytes (as ip_addr_ntop). */
char *ip6_ntop(const uint8_t b[16], char *out);
/* Parse text as inet_pton(3) does for family (IP_AF_INET or IP_AF_INET6): IPv4 strict
 * dotted quad (no leading zeros); IPv6 hex groups with at most one "::" and an optional
 * dotted-quad tail. IP_AF_NONE tries IPv4 then IPv6. Returns 0, or -1 on bad text. */
int ip_addr_pton(int family, const char *s, struct ip_addr *out);

struct ustack_sockinfo;
/* netstat's view of a socket's two ends (ustack_sockets): the family, and the addresses
 * in local/remote (IPv4) or local6/remote6 (IPv6). */
void ip_addr_sockinfo(struct ustack_sockinfo *si, const struct ip_addr *la, uint16_t lport,
		      const struct ip_addr *ra, uint16_t rport);
int ip6_pton(const char *s, uint8_t out[16]);

#endif
