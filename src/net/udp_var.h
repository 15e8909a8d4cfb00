/* udp_var.h - the UDP protocol control block, shared by udp.c (ports, demultiplexing,
 * queues) and udp_mcast.c (multicast options and memberships). Not for other files:
 * they reach a pcb through net/udp.h. */
#ifndef USTACK_NET_UDP_VAR_H
#define USTACK_NET_UDP_VAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ip_addr.h"
#include "core/pkt.h"
#include "core/upcall.h"
#include "net/udp.h"

#define UDP_MAX_MEMBERSHIPS 20         /* Linux IP_MAX_MEMBERSHIPS (both families here) */

struct inet_tx;

/* One group a socket joined (IP_ADD_MEMBERSHIP, IPV6_JOIN_GROUP) on one interface. */
struct udp_group {
	struct ip_addr group;
	int ifindex;                    /* ustack's interface index */
};

struct udp_pcb {
	struct udp_pcb *hnext;          /* hash chain (bound pcbs) */
	struct udp_pcb *next, *prev;    /* every pcb, for netstat */
	bool hashed;
	struct ip_addr laddr, raddr;    /* one family once connected; laddr unspecified: any */
	bool v6only;                    /* IPV6_V6ONLY: :: takes no IPv4 */
	uint16_t lport, rport;
	bool connected, reuse, bcast;
	bool reuseport;                 /* SO_REUSEPORT: shares its port, datagrams spread */
	uint8_t ttl, tos;               /* IP_TTL (0: default), IP_TOS */
	uint8_t mcast_ttl;              /* IP_MULTICAST_TTL (default 1) */
	bool mcast_loop;                /* IP_MULTICAST_LOOP (default on) */
	uint32_t mcast_if;              /* IP_MULTICAST_IF: source address (0: by route) */
	uint8_t mcast6_hops;            /* IPV6_MULTICAST_HOPS (default 1; 0: this host only) */
	bool mcast6_loop;               /* IPV6_MULTICAST_LOOP (default on) */
	int mcast6_if;                  /* IPV6_MULTICAST_IF: interface index (-1: by route) */
	bool mcast_all, mcast6_all;     /* IP_MULTICAST_ALL, IPV6_MULTICAST_ALL (default on):
	                                   off, only the groups this pcb joined come in */
	int n_groups;                   /* memberships of either family */
	struct udp_group groups[UDP_MAX_MEMBERSHIPS];
	bool laddr_auto;                /* laddr chosen by connect(), not by bind() */
	struct ip_addr laddr_any;       /* the wildcard laddr_auto replaced */
	int err;                        /* pending error (positive errno) */
	size_t rcvbuf;
	struct pkt_queue rq;            /* datagrams, p->data at the UDP header */
	size_t rq_bytes;                /* payload bytes queued */
	struct upcall up;               /* the user of a queueing pcb */
	udp_handler_fn handler;
	void *ctx;
};

/* udp_mcast.c */
/* The multicast defaults of a new pcb. */
void udp_mcast_init(struct udp_pcb *pcb);
/* Leave every group the pcb joined (it is being freed). */
void udp_mcast_leave_all(struct ustack *st, struct udp_pcb *pcb);
/* Does pcb take a datagram to group that came in on ifindex? (IP_MULTICAST_ALL /
 * IPV6_MULTICAST_ALL on: any group the host joined; off: only its own memberships.) */
bool udp_mcast_takes(const struct udp_pcb *pcb, const struct ip_addr *group, int ifindex);
/* The interface a datagram of pcb to the IPv6 group dst leaves by when nothing more
 * specific names one (IPV6_MULTICAST_IF), -1: by route. */
int udp_mcast6_oif(const struct udp_pcb *pcb);
/* Fill the multicast part of t (hop limit, loop, host only) for a datagram to an IPv6
 * group. */
void udp_mcast6_tx(const struct udp_pcb *pcb, struct inet_tx *t);

#endif
