/* ipv4.h - the IPv4 header (RFC 791). */
#ifndef USTACK_WIRE_IPV4_H
#define USTACK_WIRE_IPV4_H

#include "be.h"

#define IPV4_HDR_LEN 20        /* without options: all we ever emit */
#define IPV4_MAX_HDR_LEN 60
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_IGMP 2
#define IP_PROTO_UDP 17

struct ipv4_repr {
	uint8_t hdr_len;     /* bytes, 20..60; options are skipped, never interpreted */
	uint8_t tos;
	uint16_t total_len;  /* header + payload */
	uint16_t id;
	bool df, mf;
	uint16_t frag_off;   /* in bytes (the field times 8) */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum;       /* as found (parse) */
	uint32_t src, dst;   /* host order */
};

/* Checks version 4, IHL >= 5, header within len, hdr_len <= total_len <= len,
 * and (if verify_csum) the header checksum. Trailing bytes past total_len (Ethernet
 * padding) are allowed: the caller trims to total_len. */
int ipv4_parse(const uint8_t *buf, size_t len, struct ipv4_repr *r, bool verify_csum);
/* Writes a 20-byte header (r->hdr_len ignored) with a correct checksum. */
void ipv4_emit(const struct ipv4_repr *r, uint8_t *buf);
/* Dotted quad of a host-order address into out (at least 16 bytes); returns out. */
char *ipv4_ntoa(uint32_t addr, char *out);
/* Parse a dotted quad into host order; returns 0 or -1. */
int ipv4_aton(const char *s, uint32_t *addr);

#endif
