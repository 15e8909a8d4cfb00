/* icmpv6.h - ICMPv6 (RFC 4443) for the stack: echo replies, errors out (rate limited,
 * RFC 4443 2.4), errors in (parsed once, handed to the protocol they are about; Packet
 * Too Big lowers the path MTU first), ND and MLD messages handed to nd.c and mld6.c,
 * and the IPv6 side of the ping API (ustack_ping6_send). */
#ifndef USTACK_NET_ICMPV6_H
#define USTACK_NET_ICMPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ustack;
struct pkt;

int icmpv6_init(struct ustack *st);
void icmpv6_free(struct ustack *st);
/* An ICMPv6 message arrived (p->data at its header, the IPv6 summary set). Consumes p. */
void icmpv6_input(struct ustack *st, struct pkt *p);
/* Send an error about the packet at orig->l3 (orig->l3_len bytes): never about an
 * ICMPv6 error or redirect, a packet to a multicast address (link or IP; except Packet
 * Too Big and Parameter Problem code 2), or from a source that is not one host; rate
 * limited (RFC 4443 2.4). info: the MTU of Packet Too Big, the pointer of Parameter
 * Problem. Does not consume orig. */
void icmpv6_send_error(struct ustack *st, const struct pkt *orig, uint8_t type, uint8_t code,
		       uint32_t info);
/* The same about the packet l3[0 .. l3_len) that came in on ifindex (l2_mcast: as a
 * link-layer multicast). */
void icmpv6_send_error_raw(struct ustack *st, const uint8_t *l3, size_t l3_len, int ifindex,
			   bool l2_mcast, uint8_t type, uint8_t code, uint32_t info);

#endif
