/* proto.h - the per-stack protocol table: an IP protocol number -> {input, error input},
 * shared by IPv4 and IPv6 (as FreeBSD's IPPROTO_REGISTER), and the summary of an ICMP or
 * ICMPv6 error's quoted datagram, parsed once and handed to the protocol it was about.
 *
 * Each transport registers itself in its init; the network layer delivers through the
 * table and answers "protocol unreachable" for a number nobody registered. */
#ifndef USTACK_NET_PROTO_H
#define USTACK_NET_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/ip_addr.h"

struct ustack;
struct pkt;

/* An ICMP/ICMPv6 error about a datagram we sent. */
struct ip_err {
	uint8_t family;            /* IP_AF_INET (ICMP) or IP_AF_INET6 (ICMPv6) */
	uint8_t type, code;        /* of the error message */
	uint32_t info;             /* next-hop MTU (fragmentation needed, packet too big),
	                              parameter problem pointer; else 0 */
	struct ip_addr src, dst;   /* of the quoted datagram: src is ours */
	uint8_t proto;             /* its upper-layer protocol */
	uint16_t sport, dport;     /* the first 4 bytes of the quoted upper-layer header */
	const uint8_t *l4;         /* that header: at least 8 bytes */
	size_t l4_len;
	const struct pkt *pkt;     /* the ICMP packet that carried it (sender, hop limit), or NULL */
};

/* A datagram for proto arrived (p->data at its header, p->ip_* set); consumes p. */
typedef void (*proto_input_fn)(struct ustack *st, struct pkt *p);
/* An error about a datagram of this protocol. */
typedef void (*proto_err_fn)(struct ustack *st, const struct ip_err *e);

struct proto_ops {
	proto_input_fn input;
	proto_err_fn err_input;
};

int proto_init(struct ustack *st);
void proto_free(struct ustack *st);
/* Registers (or replaces) the handlers of proto; err_input may be NULL. */
void proto_register(struct ustack *st, uint8_t proto, proto_input_fn input, proto_err_fn err_input);
/* The handlers of proto, or NULL if none are registered. */
const struct proto_ops *proto_get(struct ustack *st, uint8_t proto);

/* Parse the datagram quoted by an ICMP error (q[0 .. qlen): its IPv4 header and at
 * least 8 bytes after it, RFC 792) into e. Returns 0, or -1 if it is not that. */
int ip_err_parse4(uint8_t type, uint8_t code, uint32_t info, const uint8_t *q, size_t qlen,
		  struct ip_err *e);
/* The same for ICMPv6 (RFC 4443 2.4(c)): the IPv6 header, its extension headers walked
 * within what is quoted, and at least 8 bytes of the upper-layer header. */
int ip_err_parse6(uint8_t type, uint8_t code, uint32_t info, const uint8_t *q, size_t qlen,
		  struct ip_err *e);

#endif
