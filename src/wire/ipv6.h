/* ipv6.h - the IPv6 fixed header (RFC 8200 section 3). */
#ifndef USTACK_WIRE_IPV6_H
#define USTACK_WIRE_IPV6_H

#include "be.h"

#define IPV6_HDR_LEN 40
#define IPV6_MIN_MTU 1280          /* RFC 8200 section 5 */
/* next header values (IANA protocol numbers) */
#define IP_PROTO_HOPOPTS 0
#define IP_PROTO_ROUTING 43
#define IP_PROTO_FRAGMENT 44
#define IP_PROTO_ICMPV6 58
#define IP_PROTO_NONE 59           /* no next header */
#define IP_PROTO_DSTOPTS 60

struct ipv6_repr {
	uint8_t tclass;            /* traffic class (DSCP + ECN) */
	uint32_t flow;             /* flow label, 20 bits */
	uint16_t payload_len;      /* bytes after the fixed header */
	uint8_t next_hdr;
	uint8_t hop_limit;
	uint8_t src[16], dst[16];  /* network order */
};

/* Checks version 6 and 40 + payload_len <= len (trailing bytes, e.g. Ethernet padding,
 * are allowed: the caller trims to 40 + payload_len). A payload length of 0 is taken as
 * an empty payload (jumbograms, RFC 2675, are not supported). */
int ipv6_parse(const uint8_t *buf, size_t len, struct ipv6_repr *r);
/* Writes the 40-byte header at buf. */
void ipv6_emit(const struct ipv6_repr *r, uint8_t *buf);

#endif
