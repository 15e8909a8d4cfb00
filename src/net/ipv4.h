/* ipv4.h - IPv4 input, output, forwarding and fragmentation (RFC 791, RFC 1122). */
#ifndef USTACK_NET_IPV4_H
#define USTACK_NET_IPV4_H

#include <stdint.h>
#include <stdbool.h>

struct ustack;
struct iface;
struct pkt;

struct ip_out_opts {
	uint8_t ttl;          /* 0: the stack default */
	uint8_t tos;
	bool df;              /* don't fragment: larger than the MTU gives -EMSGSIZE */
	bool allow_bcast;     /* SO_BROADCAST: may send to a broadcast address */
	const uint8_t *ip_options;   /* IP options for the header (padded: a multiple of 4, */
	uint8_t ip_options_len;      /* at most 40); not copied into fragments */
	bool router_alert;    /* RFC 2113 Router Alert option (IGMP); no other options then */
	bool mcast_loop;      /* IP_MULTICAST_LOOP: a copy to our own members of the group */
	bool host_only;       /* a group datagram with TTL 0: only that copy, none on the link */
};

int ipv4_init(struct ustack *st);
void ipv4_free(struct ustack *st);
/* An IPv4 datagram arrived on ifp (p->data at the IP header). Consumes p. */
void ipv4_input(struct ustack *st, struct iface *ifp, struct pkt *p);
/* Send p (p->data at the transport header, p->len transport bytes) from src to dst.
 * src 0: the address of the outgoing interface. Pushes the IP header, routes,
 * fragments above the MTU. Consumes p. Returns 0 or -errno: -ENETUNREACH (no route),
 * -EMSGSIZE (DF and too big; ICMP frag-needed is reported locally), -EACCES (broadcast
 * without allow_bcast), -ENOBUFS. opts may be NULL. */
int ipv4_output(struct ustack *st, struct pkt *p, uint32_t src, uint32_t dst, uint8_t proto,
		const struct ip_out_opts *opts);
/* The source address the stack would use to reach dst: 0 or -ENETUNREACH. */
int ipv4_select_src(struct ustack *st, uint32_t dst, uint32_t *src);
/* The MTU of the interface the route to dst leaves by (576 if no route). */
unsigned ipv4_route_mtu(struct ustack *st, uint32_t dst);
/* The offloads (USTACK_DEV_*) of the device the route to dst leaves by (0 if none or
 * no route); *gso_max its largest super-segment (IP bytes), 0 without TSO4. */
unsigned ipv4_route_offloads(struct ustack *st, uint32_t dst, unsigned *gso_max);
/* An upper layer sees no progress to dst (TCP's timeouts): the neighbour entry of the
 * route's next hop is verified again before it is trusted (RFC 1122 2.3.2.1). */
void ipv4_negative_advice(struct ustack *st, uint32_t dst);
bool ipv4_is_local(struct ustack *st, uint32_t addr);        /* one of our addresses */
bool ipv4_is_broadcast(struct ustack *st, uint32_t addr);    /* limited or directed broadcast */

#endif
