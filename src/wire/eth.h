/* eth.h - Ethernet II header. */
#ifndef USTACK_WIRE_ETH_H
#define USTACK_WIRE_ETH_H

#include "be.h"

#define ETH_ALEN 6
#define ETH_HDR_LEN 14
#define ETH_MIN_FRAME 60   /* without FCS; shorter frames are padded on output */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd

struct eth_repr {
	uint8_t dst[ETH_ALEN];
	uint8_t src[ETH_ALEN];
	uint16_t type;
};

int eth_parse(const uint8_t *buf, size_t len, struct eth_repr *r);  /* 0 or WIRE_* */
void eth_emit(const struct eth_repr *r, uint8_t *buf);              /* writes ETH_HDR_LEN bytes */
bool eth_is_broadcast(const uint8_t mac[ETH_ALEN]);
bool eth_is_multicast(const uint8_t mac[ETH_ALEN]);                 /* includes broadcast */
/* "02:00:00:00:00:01" into out (at least 18 bytes); returns out. */
char *eth_ntoa(const uint8_t mac[ETH_ALEN], char *out);

#endif
