/* arp.h - ARP for IPv4 over Ethernet (RFC 826). */
#ifndef USTACK_WIRE_ARP_H
#define USTACK_WIRE_ARP_H

#include "be.h"

#define ARP_LEN 28
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

struct arp_repr {
	uint16_t op;
	uint8_t sha[6];
	uint32_t spa;   /* host order */
	uint8_t tha[6];
	uint32_t tpa;   /* host order */
};

/* Accepts only htype 1, ptype 0x0800, hlen 6, plen 4, op 1 or 2. */
int arp_parse(const uint8_t *buf, size_t len, struct arp_repr *r);
void arp_emit(const struct arp_repr *r, uint8_t *buf);  /* writes ARP_LEN bytes */

#endif
