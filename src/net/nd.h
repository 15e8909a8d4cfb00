/* nd.h - Neighbor Discovery (RFC 4861) and stateless address autoconfiguration
 * (RFC 4862): the neighbour cache (INCOMPLETE, REACHABLE, STALE, DELAY, PROBE), address
 * resolution with a bounded queue per neighbour, neighbour unreachability detection,
 * the interface's IPv6 addresses (link-local, static, SLAAC; Duplicate Address
 * Detection before use), router solicitation, and the default routers and on-link
 * prefixes of router advertisements (kept in core/route6.h with their lifetimes).
 *
 * nd.c builds its link-scope messages itself (IPv6 header, hop limit 255, eth_output):
 * it does not call ipv6_output. icmp6.c hands it the ND messages it receives. */
#ifndef USTACK_NET_ND_H
#define USTACK_NET_ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ustack;
struct iface;
struct pkt;

int nd_init(struct ustack *st);
void nd_free(struct ustack *st);
/* ifp came up (or IPv6 was turned on for it): joins all-nodes and the solicited-node
 * groups, makes the link-local address, starts DAD, solicits routers (RFC 4861 6.3.7).
 * The loopback interface gets ::1/128 and nothing else. */
void nd_iface_up(struct ustack *st, struct iface *ifp);
/* Adds an address to ifp (flags IF6_F_*; lifetimes in seconds, 0xffffffff: forever)
 * and its on-link prefix route; starts DAD. 0 or -errno (-EEXIST, -ENOSPC, -EINVAL). */
int nd_addr_add(struct ustack *st, struct iface *ifp, const uint8_t a[16], int plen, uint8_t flags,
		uint32_t valid_s, uint32_t preferred_s);
int nd_addr_del(struct ustack *st, struct iface *ifp, const uint8_t a[16]);
/* An ND message arrived on ifp (RS, RA, NS, NA or redirect): p->data at the ICMPv6
 * header, its checksum checked, the IP summary set (p->src, p->dst, p->ip_ttl = hop
 * limit). Consumes p. */
void nd_input(struct ustack *st, struct iface *ifp, struct pkt *p);
/* Send an IPv6 packet (p->data at the IPv6 header) to nexthop on ifp: a multicast
 * nexthop goes to 33:33:xx:xx:xx:xx at once; a unicast one when its link-layer address
 * is known, else queued (bounded) while solicitations are sent. Consumes p. */
void nd_output(struct ustack *st, struct iface *ifp, struct pkt *p, const uint8_t nexthop[16]);
/* Upper-layer hints (RFC 4861 7.3.1): forward progress confirms nexthop REACHABLE;
 * negative advice makes its next use probe it. */
void nd_confirm(struct ustack *st, int ifindex, const uint8_t nexthop[16]);
void nd_negative_advice(struct ustack *st, int ifindex, const uint8_t nexthop[16]);

/* --- used by addr6.c, mld6.c, the listing API and the tests --- */
enum nd_nstate { ND_INCOMPLETE, ND_REACHABLE, ND_STALE, ND_DELAY, ND_PROBE };
struct nd_neigh_info {
	uint8_t ip[16];
	uint8_t mac[6];
	int ifindex;
	enum nd_nstate state;
	const char *state_name;   /* "INCOMPLETE", "REACHABLE", ... */
	bool router;
	uint64_t age_us;          /* since last confirmed */
	size_t queued;            /* packets waiting for resolution */
};
/* Up to max entries of the neighbour cache; returns how many. */
size_t nd_list(struct ustack *st, struct nd_neigh_info *out, size_t max);
/* An RA's Reachable Time and Retrans Timer (ms; 0: unchanged) for ifindex. */
void nd_set_params(struct ustack *st, int ifindex, uint32_t reachable_ms, uint32_t retrans_ms);
uint64_t nd_retrans_us(struct ustack *st, int ifindex);
uint64_t nd_reachable_us(struct ustack *st, int ifindex);
/* Send p (p->data at a whole ICMPv6 message, checksum done) from src to dst on ifp with
 * hop_limit, with a hop-by-hop Router Alert when router_alert (MLD): pushes the IPv6
 * header and hands it to nd_output. Consumes p. 0 or -1. */
int nd_send_icmp6(struct ustack *st, struct iface *ifp, struct pkt *p, const uint8_t src[16],
		  const uint8_t dst[16], uint8_t hop_limit, bool router_alert);
/* A neighbour solicitation for target from src (NULL: from :: without SLLA, DAD) to the
 * solicited-node group, or to target itself when unicast; nonce (6 bytes) or NULL. */
void nd_send_ns(struct ustack *st, struct iface *ifp, const uint8_t target[16],
		const uint8_t *src, bool unicast, const uint8_t *nonce);
/* A link-layer address for ip learnt from an NS, RS, RA or redirect (created STALE, or
 * updated to STALE if it changed). router: 1/0 sets IsRouter, -1 leaves it. */
void nd_learn(struct ustack *st, struct iface *ifp, const uint8_t ip[16], const uint8_t mac[6],
	      int router);
bool nd_is_router(struct ustack *st, int ifindex, const uint8_t ip[16]);

#endif
