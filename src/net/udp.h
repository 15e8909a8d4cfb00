/* udp.h - UDP (RFC 768, RFC 1122 §4.1): ports, demultiplexing, datagram queues. */
#ifndef USTACK_NET_UDP_H
#define USTACK_NET_UDP_H

#include <stdint.h>
#include <stddef.h>

struct ustack;
struct pkt;

int udp_init(struct ustack *st);
void udp_free(struct ustack *st);
/* A UDP datagram arrived (p->data at the UDP header; p->ip_src/ip_dst set). Consumes p. */
void udp_input(struct ustack *st, struct pkt *p);
void udp_icmp_error(struct ustack *st, uint8_t type, uint8_t code, uint32_t info,
		    const uint8_t *quoted, size_t quoted_len);

#endif
