/* icmp.h - ICMP (RFC 792): echo, errors out (rate limited), errors in (to UDP and TCP),
 * and the echo-request API behind `ustack ping`. */
#ifndef USTACK_NET_ICMP_H
#define USTACK_NET_ICMP_H

#include <stddef.h>
#include <stdint.h>

struct ustack;
struct pkt;

int icmp_init(struct ustack *st);
void icmp_free(struct ustack *st);
/* An ICMP message arrived (p->data at the ICMP header, p->l3 at its IP header). Consumes p. */
void icmp_input(struct ustack *st, struct pkt *p);
/* Send an ICMP error about the datagram at orig->l3 (orig->l3_len bytes): type/code,
 * info = next-hop MTU for frag-needed. Never about an ICMP error, a broadcast, or a
 * non-first fragment (RFC 1122 §3.2.2); rate limited. Does not consume orig. */
void icmp_send_error(struct ustack *st, const struct pkt *orig, uint8_t type, uint8_t code,
		     uint32_t info);

/* An error about one of our datagrams is parsed once (net/proto.h: struct ip_err) and
 * handed to the error input its protocol registered (udp_err_input, tcp_icmp_error, and
 * ICMP's own for the echo requests of the ping API). */

#endif
