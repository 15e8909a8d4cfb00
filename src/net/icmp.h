/* icmp.h - ICMP (RFC 792): echo, errors out (rate limited), errors in (to UDP and TCP),
 * and the echo-request API behind `ustack ping`. */
#ifndef USTACK_NET_ICMP_H
#define USTACK_NET_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ip_addr.h"

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

/* The ping API's bookkeeping, shared with ICMPv6 (icmpv6.c): an echo request id/seq
 * with its payload was sent (remembered to match the reply) / could not be sent; an
 * echo reply (is_reply) or an error about a request came from `from` (ttl: of the
 * datagram that carried it; icmp_len: its ICMP bytes) and is queued for
 * ustack_ping_recv. */
void icmp_ping_sent(struct ustack *st, uint16_t id, uint16_t seq, const uint8_t *data, size_t len);
void icmp_ping_forget(struct ustack *st, uint16_t id, uint16_t seq);
void icmp_ping_answer(struct ustack *st, const struct ip_addr *from, uint8_t ttl, size_t icmp_len,
		      uint8_t type, uint8_t code, uint16_t id, uint16_t seq, const uint8_t *payload,
		      size_t plen, bool is_reply);

/* An error about one of our datagrams is parsed once (net/proto.h: struct ip_err) and
 * handed to the error input its protocol registered (udp_err_input, tcp_icmp_error, and
 * ICMP's own for the echo requests of the ping API). */

#endif
