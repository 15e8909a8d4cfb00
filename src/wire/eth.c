/* eth.c - the Ethernet II header (IEEE 802.3 / RFC 894 framing of IPv4). */
#include "eth.h"

#include <string.h>

int eth_parse(const uint8_t *buf, size_t len, struct eth_repr *r)
{
	if (len < ETH_HDR_LEN)
		return WIRE_TRUNCATED;
	memcpy(r->dst, buf, ETH_ALEN);
	memcpy(r->src, buf + 6, ETH_ALEN);
	r->type = be16_get(buf + 12);
	return WIRE_OK;
}

void eth_emit(const struct eth_repr *r, uint8_t *buf)
{
	memcpy(buf, r->dst, ETH_ALEN);
	memcpy(buf + 6, r->src, ETH_ALEN);
	be16_put(buf + 12, r->type);
}

bool eth_is_broadcast(const uint8_t mac[ETH_ALEN])
{
	for (int i = 0; i < ETH_ALEN; i++)
		if (mac[i] != 0xff)
			return false;
	return true;
}

bool eth_is_multicast(const uint8_t mac[ETH_ALEN])
{
	return (mac[0] & 0x01) != 0;   /* the I/G bit; broadcast has it too */
}

char *eth_ntoa(const uint8_t mac[ETH_ALEN], char *out)
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;

	for (int i = 0; i < ETH_ALEN; i++) {
		if (i)
			*p++ = ':';
		*p++ = hex[mac[i] >> 4];
		*p++ = hex[mac[i] & 0xf];
	}
	*p = '\0';
	return out;
}
