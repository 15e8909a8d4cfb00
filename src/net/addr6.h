/* addr6.h - an interface's IPv6 addresses (RFC 4862): the link-local address made from
 * the MAC, static and SLAAC addresses, Duplicate Address Detection, lifetimes on the
 * virtual clock; router solicitation and the processing of router advertisements
 * (RFC 4861 6.3.4, 6.3.7: default routers, on-link prefixes, MTU, RDNSS of RFC 8106)
 * and redirects (RFC 4861 8.3). nd_iface_up, nd_addr_add and nd_addr_del (nd.h) live
 * here; nd.c hands over the messages that concern them. */
#ifndef USTACK_NET_ADDR6_H
#define USTACK_NET_ADDR6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ustack;
struct iface;
struct pkt;
struct if_addr6;
struct ndp_repr;

#define ADDR6_MAX_RDNSS 3

int addr6_init(struct ustack *st);
void addr6_free(struct ustack *st);
/* A usable address of ifp to send to dst from: link-local for a link-local or multicast
 * dst, else the longest match, a preferred one before a deprecated one; 0 or -1. */
int addr6_pick(struct ustack *st, struct iface *ifp, const uint8_t dst[16], uint8_t src[16]);
/* DAD (RFC 4862 5.4.3, 5.4.4, RFC 7527): an NS from :: for the tentative address a
 * (nonce: its nonce option or NULL), or an NA for any address of ours. */
void addr6_dad_ns_seen(struct ustack *st, struct iface *ifp, struct if_addr6 *a,
		       const uint8_t *nonce, const struct pkt *p);
void addr6_na_seen(struct ustack *st, struct iface *ifp, struct if_addr6 *a, const struct pkt *p);
/* A neighbour said it is no longer a router (NA with R clear, RFC 4861 7.2.5). */
void addr6_router_gone(struct ustack *st, struct iface *ifp, const uint8_t router[16]);
/* p->data at the message, r parsed, hop limit checked. Do not consume p. */
void addr6_ra_input(struct ustack *st, struct iface *ifp, const struct pkt *p,
		    const struct ndp_repr *r);
void addr6_redirect_input(struct ustack *st, struct iface *ifp, const struct pkt *p,
			  const struct ndp_repr *r);
/* Accept RAs' autonomous prefixes on ifindex (default on). */
void addr6_set_slaac(struct ustack *st, int ifindex, bool on);
bool addr6_slaac(struct ustack *st, int ifindex);
/* The recursive DNS servers RAs gave (RFC 8106), still within their lifetime: up to max
 * addresses (16 bytes each) with their interfaces; returns how many. */
size_t addr6_rdnss(struct ustack *st, uint8_t (*out)[16], int *ifindex, size_t max);
/* The interface identifier (modified EUI-64, RFC 4291 2.5.1 / appendix A) of mac. */
void addr6_eui64(const uint8_t mac[6], uint8_t iid[8]);

#endif
