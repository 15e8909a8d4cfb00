/* pkt.h - packet buffers: one contiguous buffer with headroom, from a bounded pool.
 *
 * Output: a protocol allocates with pkt_alloc(), appends its payload with pkt_put(),
 * and each layer below prepends its header in place with pkt_push() (no copy per layer).
 * Input: a device fills the buffer; each layer parses at p->data and pkt_pull()s its
 * header away before handing the packet up. Whoever receives a pkt owns it and must
 * pkt_free() it (or hand it on). */
#ifndef USTACK_CORE_PKT_H
#define USTACK_CORE_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "core/ip_addr.h"

struct ustack;

#define PKT_HEADROOM 128        /* room for Ethernet + IPv4 (60) + TCP (60) headers */
#define PKT_SMALL_CAP 2048      /* pooled buffers; larger requests are allocated apart */

struct pkt {
	struct pkt *next;        /* for queues (ARP pending, UDP receive, ...) */
	uint8_t *buf;            /* start of the allocation */
	size_t cap;              /* bytes at buf */
	uint8_t *data;           /* current start of the packet */
	size_t len;              /* bytes from data */
	/* metadata the layers fill in on input */
	int ifindex;             /* interface it came in on, -1 if local */
	uint64_t rx_time;        /* st->now when it arrived */
	bool l2_bcast;           /* arrived as link-layer broadcast or multicast */
	bool ip_bcast;           /* destination was a broadcast address */
	uint8_t *l3;             /* the IP header inside buf (for ICMP errors), NULL if none */
	size_t l3_len;           /* header + payload bytes at l3 */
	/* The IP summary, set by ipv4_input and ipv6_input before a transport sees the
	 * packet: the transports read src/dst (either family) and never the IP header. */
	struct ip_addr src, dst;
	uint32_t ip_src, ip_dst; /* IPv4 only, host order (the older form of src/dst) */
	uint8_t ip_proto;        /* IPv4 protocol, or IPv6's upper-layer next header */
	uint8_t ip_ttl, ip_tos;  /* TTL / hop limit, TOS / traffic class */
	/* offloads (ustack_dev.offloads), both directions */
	uint16_t gso_size;       /* a TCP super-segment (IPv4, IPv6): payload per wire segment; 0 none */
	uint8_t csum;            /* PKT_CSUM_*: the state of the TCP checksum */
};

#define PKT_CSUM_FULL    0   /* as on the wire: computed (out), to be checked (in) */
#define PKT_CSUM_PARTIAL 1   /* the TCP checksum field holds only the pseudo-header sum:
			      * the device or ipv4_output finishes it (in: the kernel
			      * vouches for the data, as for VALID) */
#define PKT_CSUM_VALID   2   /* in: the device checked it already */

/* A packet able to hold `size` bytes after PKT_HEADROOM, with data at the headroom and
 * len 0. NULL when the pool bound is reached (counted as USTACK_DROP_PKT_POOL_EMPTY). */
struct pkt *pkt_alloc(struct ustack *st, size_t size);
void pkt_free(struct ustack *st, struct pkt *p);
/* Free a whole ->next chain. */
void pkt_free_chain(struct ustack *st, struct pkt *p);
/* A copy of p (data and metadata, with the same headroom), or NULL. */
struct pkt *pkt_clone(struct ustack *st, const struct pkt *p);

static inline size_t pkt_headroom(const struct pkt *p) { return (size_t)(p->data - p->buf); }
static inline size_t pkt_tailroom(const struct pkt *p) { return p->cap - pkt_headroom(p) - p->len; }
/* Prepend n bytes; returns the new start. The caller guarantees n <= headroom. */
static inline uint8_t *pkt_push(struct pkt *p, size_t n) { p->data -= n; p->len += n; return p->data; }
/* Remove n bytes from the front (n <= len). */
static inline uint8_t *pkt_pull(struct pkt *p, size_t n) { p->data += n; p->len -= n; return p->data; }
/* Append n bytes; returns where they go. The caller guarantees n <= tailroom. */
static inline uint8_t *pkt_put(struct pkt *p, size_t n) { uint8_t *t = p->data + p->len; p->len += n; return t; }
/* Cut the packet to len bytes (len <= p->len). */
static inline void pkt_trim(struct pkt *p, size_t len) { if (len < p->len) p->len = len; }

/* A FIFO of packets with a count and byte total. */
struct pkt_queue { struct pkt *head, *tail; size_t count, bytes; };
void pkt_queue_push(struct pkt_queue *q, struct pkt *p);
struct pkt *pkt_queue_pop(struct pkt_queue *q);
void pkt_queue_purge(struct ustack *st, struct pkt_queue *q);

#endif
