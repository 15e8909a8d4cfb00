/* ipv4_frag.h - IPv4 fragmentation on output and reassembly on input (RFC 791 §2.3,
 * §3.2 "Fragmentation and Reassembly"; RFC 815 for the hole bookkeeping; RFC 1122
 * §3.3.2 for the reassembly timeout). Internal to src/net/. */
#ifndef USTACK_NET_IPV4_FRAG_H
#define USTACK_NET_IPV4_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include "core/pkt.h"
#include "core/timer.h"
#include "net/ipv4_id.h"

struct ustack;
struct reasm;

#define REASM_BUCKETS 64

/* The IPv4 layer's per-stack state (st->ip), shared by ipv4.c and ipv4_frag.c. */
struct ipv4_state {
	struct ipv4_id ids;            /* Identification of the datagrams we originate */
	/* Datagrams to one of our own addresses when there is no loopback interface:
	 * delivered from a zero-delay timer, never from inside the call that sent them. */
	struct pkt_queue local_q;
	struct timer local_timer;
	/* Reassembly: a hash of datagrams by (src, dst, proto, id), and a list from the
	 * oldest to the newest for eviction. */
	struct reasm *reasm_hash[REASM_BUCKETS];
	struct reasm *oldest, *newest;
	size_t reasm_bytes, reasm_count;
};

int ipv4_frag_init(struct ustack *st);
/* Drops every datagram being reassembled (no ICMP is sent). */
void ipv4_frag_free(struct ustack *st);

/* A fragment for us arrived: p->data and p->l3 at its IP header (checked by
 * ipv4_input, trimmed to total length), p->ip_* set. Consumes p. Returns the whole
 * datagram once the last hole is filled (p->data == p->l3 at a synthetic 20-byte
 * header without fragment fields, p->ip_* set), else NULL. */
struct pkt *ipv4_reasm(struct ustack *st, struct pkt *p);
/* Bytes reassembly holds now (fragment data plus bookkeeping); never above
 * cfg.reasm_max_bytes. */
size_t ipv4_reasm_bytes(struct ustack *st);
/* Datagrams being reassembled now. */
size_t ipv4_reasm_count(struct ustack *st);

/* Split the datagram at p->data (a whole IP header and payload) into fragments whose
 * total length is at most mtu, each with its own 20-byte header, offsets aligned to
 * 8 bytes, MF set on all but the last (and on the last if p was itself a non-last
 * fragment). Appends them to out and consumes p. Returns 0, or -ENOBUFS (nothing
 * appended, everything freed). */
int ipv4_fragment(struct ustack *st, struct pkt *p, unsigned mtu, struct pkt_queue *out);

#endif
