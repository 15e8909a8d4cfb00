/* ip_class.h - address classifiers: the one place that knows which IPv4 and IPv6
 * addresses are loopback, multicast, broadcast, link-local, unspecified, private,
 * IPv4-mapped or solicited-node (RFC 1122 3.2.1.3, RFC 1112, RFC 3927, RFC 1918,
 * RFC 4291 2.4-2.7, RFC 4193, RFC 5771).
 *
 * IPv4 addresses are host-order uint32_t (as everywhere in the stack); IPv6 ones are
 * 16 bytes in network order. The ip_addr_* forms pick by family. */
#ifndef USTACK_CORE_IP_CLASS_H
#define USTACK_CORE_IP_CLASS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/ip_addr.h"

#define IP4_ANY 0x00000000u
#define IP4_LOOPBACK 0x7f000001u          /* 127.0.0.1 */
#define IP4_BCAST_ALL 0xffffffffu          /* limited broadcast */
#define IP4_ALL_HOSTS 0xe0000001u          /* 224.0.0.1 */

/* --- IPv4 (host order) --- */
static inline bool ip4_is_unspecified(uint32_t a) { return a == IP4_ANY; }
static inline bool ip4_is_loopback(uint32_t a) { return (a >> 24) == 127; }          /* 127/8 */
static inline bool ip4_is_multicast(uint32_t a) { return (a >> 28) == 0xe; }         /* 224/4 */
/* 240/4, "reserved" (class E); it holds the limited broadcast 255.255.255.255 */
static inline bool ip4_is_class_e(uint32_t a) { return (a >> 28) == 0xf; }
static inline bool ip4_is_limited_broadcast(uint32_t a) { return a == IP4_BCAST_ALL; }
static inline bool ip4_is_link_local(uint32_t a) { return (a >> 16) == 0xa9fe; }    /* 169.254/16 */
/* RFC 1918: 10/8, 172.16/12, 192.168/16 */
static inline bool ip4_is_private(uint32_t a)
{
	return (a >> 24) == 10 || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8;
}
/* 224.0.0/24: link-local multicast, never forwarded (RFC 5771) */
static inline bool ip4_is_mcast_link_local(uint32_t a) { return (a >> 8) == 0xe00000; }

/* --- IPv6 (16 bytes, network order) --- */
static inline bool ip6_is_unspecified(const uint8_t a[16])
{
	static const uint8_t zero[16];
	return memcmp(a, zero, 16) == 0;
}
static inline bool ip6_is_loopback(const uint8_t a[16])                                  /* ::1 */
{
	static const uint8_t one[16] = { [15] = 1 };
	return memcmp(a, one, 16) == 0;
}
static inline bool ip6_is_multicast(const uint8_t a[16]) { return a[0] == 0xff; }       /* ff00::/8 */
static inline bool ip6_is_link_local(const uint8_t a[16])                               /* fe80::/10 */
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}
static inline bool ip6_is_ula(const uint8_t a[16]) { return (a[0] & 0xfe) == 0xfc; }    /* fc00::/7 */
static inline bool ip6_is_private(const uint8_t a[16]) { return ip6_is_ula(a); }
static inline bool ip6_is_v4mapped(const uint8_t a[16])                         /* ::ffff:0:0/96 */
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };
	return memcmp(a, pfx, 12) == 0;
}
/* ff02::1:ff00:0/104 (RFC 4291 2.7.1) */
static inline bool ip6_is_solicited_node(const uint8_t a[16])
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	return memcmp(a, pfx, 13) == 0;
}
static inline bool ip6_is_all_nodes(const uint8_t a[16])                                /* ff02::1 */
{
	static const uint8_t all[16] = { 0xff, 0x02, [15] = 1 };
	return memcmp(a, all, 16) == 0;
}
static inline bool ip6_is_all_routers(const uint8_t a[16])                              /* ff02::2 */
{
	static const uint8_t all[16] = { 0xff, 0x02, [15] = 2 };
	return memcmp(a, all, 16) == 0;
}
/* the scope field of a multicast address (RFC 4291 2.7): 1 interface, 2 link, 5 site, 14 global */
static inline unsigned ip6_mcast_scope(const uint8_t a[16]) { return a[1] & 0x0f; }
/* The solicited-node group of a (ff02::1:ffXX:XXXX with a's low 24 bits). */
static inline void ip6_solicited_node(const uint8_t a[16], uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xff; out[1] = 0x02; out[11] = 0x01; out[12] = 0xff;
	memcpy(out + 13, a + 13, 3);
}
/* RFC 2464 7: the Ethernet group address of an IPv6 multicast address (33:33 + low 32 bits) */
static inline void ip6_mcast_mac(const uint8_t a[16], uint8_t mac[6])
{
	mac[0] = 0x33; mac[1] = 0x33;
	memcpy(mac + 2, a + 12, 4);
}
/* RFC 1112 6.4: the Ethernet group address of an IPv4 group (01:00:5e + low 23 bits) */
static inline void ip4_mcast_mac(uint32_t a, uint8_t mac[6])
{
	mac[0] = 0x01; mac[1] = 0x00; mac[2] = 0x5e;
	mac[3] = (uint8_t)((a >> 16) & 0x7f);
	mac[4] = (uint8_t)(a >> 8);
	mac[5] = (uint8_t)a;
}

/* --- either family --- */
static inline bool ip_addr_is_unspecified(const struct ip_addr *a)
{
	return a->family == IP_AF_INET ? ip4_is_unspecified(ip_addr_v4(a)) : ip6_is_unspecified(a->b);
}
static inline bool ip_addr_is_loopback(const struct ip_addr *a)
{
	return a->family == IP_AF_INET ? ip4_is_loopback(ip_addr_v4(a)) : ip6_is_loopback(a->b);
}
static inline bool ip_addr_is_multicast(const struct ip_addr *a)
{
	return a->family == IP_AF_INET ? ip4_is_multicast(ip_addr_v4(a)) : ip6_is_multicast(a->b);
}
static inline bool ip_addr_is_link_local(const struct ip_addr *a)
{
	return a->family == IP_AF_INET ? ip4_is_link_local(ip_addr_v4(a)) : ip6_is_link_local(a->b);
}
static inline bool ip_addr_is_private(const struct ip_addr *a)
{
	return a->family == IP_AF_INET ? ip4_is_private(ip_addr_v4(a)) : ip6_is_private(a->b);
}
/* IPv6 has no broadcast: only the IPv4 limited broadcast (directed ones need the interface) */
static inline bool ip_addr_is_broadcast(const struct ip_addr *a)
{
	return a->family == IP_AF_INET && ip4_is_limited_broadcast(ip_addr_v4(a));
}

#endif
