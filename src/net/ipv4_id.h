/* ipv4_id.h - the Identification field of datagrams we originate (RFC 6864, RFC 7739
 * section 5.3): per-destination counters from a table indexed by a keyed hash of
 * (source, destination, protocol), offset by a second keyed hash. A host watching its
 * own datagrams from us learns nothing about the traffic to others (no idle-scan
 * zombie), and the IDs to one destination never repeat within 65536 datagrams. */
#ifndef USTACK_NET_IPV4_ID_H
#define USTACK_NET_IPV4_ID_H

#include <stdint.h>

#define IPV4_ID_BUCKETS 1024

struct ipv4_id {
	uint64_t key[2];                    /* per-stack secrets */
	uint16_t ctr[IPV4_ID_BUCKETS];
};

/* Keys and counters from the stack's random source (bytes: 16 + 2 * buckets). */
void ipv4_id_init(struct ipv4_id *t, const uint64_t key[2], const uint16_t *start);
uint16_t ipv4_id_next(struct ipv4_id *t, uint32_t src, uint32_t dst, uint8_t proto);
/* n consecutive IDs (a TCP super-segment: its segments are numbered first, first+1, ...
 * by whoever cuts it); returns the first. */
uint16_t ipv4_id_next_n(struct ipv4_id *t, uint32_t src, uint32_t dst, uint8_t proto,
			uint16_t n);

#endif
