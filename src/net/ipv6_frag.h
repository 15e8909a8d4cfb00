/* ipv6_frag.h - IPv6 fragmentation at the source and reassembly (RFC 8200 section 4.5;
 * RFC 5722 overlapping fragments; RFC 7112 the header chain in the first fragment;
 * RFC 6946 atomic fragments; RFC 7739 unpredictable Identification values), and the
 * IPv6 layer's per-stack state shared by ipv6.c, ipv6_frag.c and icmpv6.c.
 * Internal to src/net/. */
#ifndef USTACK_NET_IPV6_FRAG_H
#define USTACK_NET_IPV6_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pkt.h"
#include "core/timer.h"

struct ustack;
struct reasm6;
struct ipv6_chain;

#define IPV6_REASM_TIMEOUT_US (60ull * 1000000)  /* RFC 8200 4.5: 60 seconds */
#define IPV6_PMTU_MAX 64                         /* path MTU cache entries */
#define IPV6_PMTU_LIFETIME_US (600ull * 1000000) /* RFC 8201 5.3: at least 5 min; 10 */

struct pmtu6 {
	bool used;
	uint8_t dst[16];
	uint32_t mtu;
	uint64_t expires;
};

struct ipv6_state {
	/* datagrams to one of our addresses when there is no loopback interface, and
	 * multicast loop copies: delivered from a zero-delay timer */
	struct pkt_queue local_q;
	struct timer local_timer;
	struct pmtu6 pmtu[IPV6_PMTU_MAX];
	/* reassembly: a list from the oldest to the newest */
	struct reasm6 *oldest, *newest;
	size_t reasm_bytes, reasm_count;
};

int ipv6_frag_init(struct ustack *st);
/* Drops every datagram being reassembled (no ICMPv6 is sent). */
void ipv6_frag_free(struct ustack *st);

/* A fragment for us arrived (p->data == p->l3 at its IPv6 header, trimmed to 40 +
 * payload length, the summary set; c is the walk of its chain, c->frag set, and not
 * an atomic fragment). Consumes p. Returns the whole datagram once complete (the
 * fragment header removed, the Next Header before it naming what it carried, the
 * payload length set; p->data == p->l3 at the IPv6 header), else NULL. */
struct pkt *ipv6_reasm(struct ustack *st, struct pkt *p, const struct ipv6_chain *c);
size_t ipv6_reasm_bytes(struct ustack *st);
size_t ipv6_reasm_count(struct ustack *st);

/* Split the packet at p->data (a 40-byte IPv6 header with no extension header, and
 * its payload) into fragments of at most mtu bytes (mtu >= 1280), each with the
 * header and a fragment header (a random Identification, RFC 7739). Appends them to
 * out and consumes p. 0, or -ENOBUFS (nothing appended, everything freed). */
int ipv6_fragment(struct ustack *st, struct pkt *p, unsigned mtu, struct pkt_queue *out);

#endif
