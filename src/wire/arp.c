/* arp.c - ARP packets for IPv4 over Ethernet (RFC 826). */
#include "arp.h"

#include <string.h>

#define ARP_HTYPE_ETHER 1
#define ARP_PTYPE_IPV4 0x0800

int arp_parse(const uint8_t *buf, size_t len, struct arp_repr *r)
{
	if (len < ARP_LEN)
		return WIRE_TRUNCATED;
	if (be16_get(buf) != ARP_HTYPE_ETHER || be16_get(buf + 2) != ARP_PTYPE_IPV4 ||
	    buf[4] != 6 || buf[5] != 4)
		return WIRE_UNSUPPORTED;
	r->op = be16_get(buf + 6);
	if (r->op != ARP_OP_REQUEST && r->op != ARP_OP_REPLY)
		return WIRE_UNSUPPORTED;
	memcpy(r->sha, buf + 8, 6);
	r->spa = be32_get(buf + 14);
	memcpy(r->tha, buf + 18, 6);
	r->tpa = be32_get(buf + 24);
	return WIRE_OK;
}

void arp_emit(const struct arp_repr *r, uint8_t *buf)
{
	be16_put(buf, ARP_HTYPE_ETHER);
	be16_put(buf + 2, ARP_PTYPE_IPV4);
	buf[4] = 6;
	buf[5] = 4;
	be16_put(buf + 6, r->op);
	memcpy(buf + 8, r->sha, 6);
	be32_put(buf + 14, r->spa);
	memcpy(buf + 18, r->tha, 6);
	be32_put(buf + 24, r->tpa);
}
