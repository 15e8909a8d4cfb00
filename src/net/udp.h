/* udp.h - UDP (RFC 768, RFC 1122 §4.1): ports, demultiplexing, datagram queues. */
#ifndef USTACK_NET_UDP_H
#define USTACK_NET_UDP_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#include "core/ip_addr.h"

struct ustack;
struct pkt;

int udp_init(struct ustack *st);
void udp_free(struct ustack *st);
/* A UDP datagram arrived (p->data at the UDP header; p->src/dst set). Consumes p. */
void udp_input(struct ustack *st, struct pkt *p);
struct ip_err;
/* An ICMP error about one of our datagrams (net/proto.h). */
void udp_err_input(struct ustack *st, const struct ip_err *e);

/* --- protocol control blocks (used by the socket layer and in-stack services) ---
 * A pcb either queues datagrams for its user, told of each change through an upcall
 * (core/upcall.h: the socket layer's), or hands each one to a handler (in-stack services
 * such as the DNS server, which need no thread). All calls with st->lock held; errors
 * are negative errno values. */
struct upcall;
struct udp_pcb;
typedef void (*udp_handler_fn)(struct ustack *st, struct udp_pcb *pcb, void *ctx,
			       const struct ip_addr *src, uint16_t sport,
			       const struct ip_addr *dst, const uint8_t *data, size_t len);

#define UDP_MAX_PAYLOAD 65507u          /* 65535 - 20 (IPv4) - 8 (UDP) */
#define UDP_DEFAULT_RCVBUF 212992u      /* Linux rmem_default */

/* up: copied; NULL: nobody is told (the queue still fills). */
struct udp_pcb *udp_pcb_new(struct ustack *st, const struct upcall *up);
struct udp_pcb *udp_pcb_new_handler(struct ustack *st, udp_handler_fn fn, void *ctx);
void udp_pcb_free(struct ustack *st, struct udp_pcb *pcb);
/* The family a pcb lives in before it is bound (IP_AF_INET by default; an AF_INET6
 * socket's IP_AF_INET6) and IPV6_V6ONLY. Before bind. */
void udp_set_family(struct udp_pcb *pcb, uint8_t family, bool v6only);
/* addr NULL or unspecified = any (of its family); port 0 = an ephemeral port (RFC 6056).
 * -EINVAL if already bound, -EADDRINUSE, -EADDRNOTAVAIL (not one of our addresses). */
int udp_bind(struct ustack *st, struct udp_pcb *pcb, const struct ip_addr *addr, uint16_t port);
/* Set the peer (addr NULL: dissolve the association). Binds if needed. */
int udp_connect(struct ustack *st, struct udp_pcb *pcb, const struct ip_addr *addr,
		uint16_t port);
/* dst NULL: to the connected peer (-EDESTADDRREQ if none). Returns len or -EMSGSIZE,
 * -EACCES (broadcast without SO_BROADCAST), -ENETUNREACH, -ENOBUFS, or a pending ICMP
 * error (-ECONNREFUSED). */
long udp_sendto(struct ustack *st, struct udp_pcb *pcb, const void *buf, size_t len,
		const struct ip_addr *dst, uint16_t dport);
/* Per-datagram choices (sendmsg's IP_PKTINFO / IPV6_PKTINFO, IP_TTL, IP_TOS): src a
 * local address (family IP_AF_NONE: as the pcb chooses), ttl 1..255 and tos 0..255
 * (-1: the pcb's), ifindex the interface (-1: by route). */
struct udp_tx {
	struct ip_addr src;
	int ttl, tos;
	int ifindex;
};
long udp_sendto_tx(struct ustack *st, struct udp_pcb *pcb, const void *buf, size_t len,
		   const struct ip_addr *dst, uint16_t dport, const struct udp_tx *tx);
/* What the network layer knew of a datagram received (for IP_PKTINFO and friends). */
struct udp_rx_info {
	struct ip_addr dst;             /* the destination address it was sent to */
	int ifindex;                    /* the interface it came in on (-1: local) */
	uint8_t ttl, tos;
	uint64_t rx_time;               /* stack time of arrival (us) */
};
/* One datagram: copies up to len bytes; returns its full length when flags has MSG_TRUNC,
 * else the bytes copied; MSG_PEEK leaves it queued. -EAGAIN when empty; a pending ICMP
 * error first. info (may be NULL) gets what IP knew of it. */
long udp_recvfrom(struct ustack *st, struct udp_pcb *pcb, void *buf, size_t len, int flags,
		  struct ip_addr *src, uint16_t *sport, struct udp_rx_info *info);
/* IP_TTL (0: the stack default) and IP_TOS of what the pcb sends. */
void udp_set_ip(struct udp_pcb *pcb, uint8_t ttl, uint8_t tos);
/* IP_MULTICAST_TTL (default 1), IP_MULTICAST_LOOP (default on). */
void udp_set_mcast_ttl(struct udp_pcb *pcb, uint8_t ttl);
void udp_set_mcast_loop(struct udp_pcb *pcb, int on);
/* IP_MULTICAST_IF: groups are sent from the interface with index ifindex (> 0) or
 * address addr (0 and 0: by route). -ENODEV, -EADDRNOTAVAIL. */
int udp_set_mcast_if(struct ustack *st, struct udp_pcb *pcb, uint32_t addr, int ifindex);
void udp_mcast_opts(const struct udp_pcb *pcb, uint8_t *ttl, bool *loop, uint32_t *ifaddr);
/* IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP of group on the interface with index ifindex
 * (> 0) or address ifaddr, else the one the group routes by. Join: -EINVAL (not a
 * group), -ENODEV, -EADDRINUSE (already), -ENOBUFS (20 per socket). Leave:
 * -EADDRNOTAVAIL (not a member). The pcb's memberships end when it is freed. */
int udp_join(struct ustack *st, struct udp_pcb *pcb, uint32_t group, uint32_t ifaddr,
	     int ifindex);
int udp_leave(struct ustack *st, struct udp_pcb *pcb, uint32_t group, uint32_t ifaddr,
	      int ifindex);
/* IP_MULTICAST_ALL (family IP_AF_INET) / IPV6_MULTICAST_ALL (IP_AF_INET6), default on:
 * a datagram to any group the host joined on the interface goes to every pcb bound to
 * its port (and the group or the wildcard); off: only to the pcbs that joined it there. */
void udp_set_mcast_all(struct udp_pcb *pcb, uint8_t family, int on);
bool udp_mcast_all(const struct udp_pcb *pcb, uint8_t family);
/* IPV6_MULTICAST_HOPS (0..255, default 1; 0: looped to this host's members only),
 * IPV6_MULTICAST_LOOP (default on), IPV6_MULTICAST_IF (ustack's interface index, -1:
 * by route; -ENODEV). Groups of an ff02::/ff01:: scope sent with a scope id leave by it. */
void udp_set_mcast6_hops(struct udp_pcb *pcb, uint8_t hops);
void udp_set_mcast6_loop(struct udp_pcb *pcb, int on);
int udp_set_mcast6_if(struct ustack *st, struct udp_pcb *pcb, int ifindex);
void udp_mcast6_opts(const struct udp_pcb *pcb, uint8_t *hops, bool *loop, int *ifindex);
/* IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP of group on the interface with index ifindex (-1:
 * the one the group routes by). Join: -EINVAL (not multicast), -ENODEV (no such
 * interface, or it is down or without IPv6), -EADDRINUSE (already), -ENOBUFS (20 groups
 * per socket, both families). Leave (ifindex -1: wherever it was joined): -EINVAL,
 * -EADDRNOTAVAIL (not a member). MLDv2 reports the first join and the last leave of a
 * group on an interface (net/mld6.h). */
int udp_join6(struct ustack *st, struct udp_pcb *pcb, const uint8_t group[16], int ifindex);
int udp_leave6(struct ustack *st, struct udp_pcb *pcb, const uint8_t group[16], int ifindex);
/* SO_REUSEADDR, SO_BROADCAST, SO_RCVBUF. */
void udp_set_reuse(struct udp_pcb *pcb, int on);
/* SO_REUSEPORT, before bind: pcbs that all set it share a port; each sender's datagrams
 * go to one of them, by a keyed hash. */
void udp_set_reuseport(struct udp_pcb *pcb, int on);
void udp_set_broadcast(struct udp_pcb *pcb, int on);
void udp_set_rcvbuf(struct udp_pcb *pcb, size_t bytes);
size_t udp_rcvbuf(const struct udp_pcb *pcb);
/* POLLIN / POLLOUT / POLLERR as poll(2) would report them. */
unsigned udp_poll_events(const struct udp_pcb *pcb);
/* SO_ERROR: the pending error (positive errno), cleared by the read. */
int udp_take_error(struct udp_pcb *pcb);
/* Bytes of the next datagram's payload (FIONREAD), 0 if none. */
size_t udp_next_len(const struct udp_pcb *pcb);
void udp_addrs(const struct udp_pcb *pcb, struct ip_addr *laddr, uint16_t *lport,
	       struct ip_addr *raddr, uint16_t *rport);
bool udp_is_connected(const struct udp_pcb *pcb);
/* Every pcb (queueing or handler), for netstat; up is the pcb's upcall (fn NULL for
 * handler pcbs), so the caller can tell whose it is. */
void udp_foreach(struct ustack *st, void (*fn)(void *ctx, const struct udp_pcb *pcb,
					       const struct upcall *up, size_t recv_q), void *ctx);

#endif
