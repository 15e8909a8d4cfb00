/* addr6_stable.c - RFC 7217 interface identifiers (see addr6_stable.h). The choice of
 * DAD_Counter, the retries after a conflict and the check against identifiers already
 * in use on the interface are addr6.c's. */
#include "net/addr6_stable.h"

#include <string.h>

#include "core/sha256.h"

void addr6_stable_iid(const uint8_t secret[ADDR6_STABLE_SECRET_LEN], const uint8_t prefix[8],
		      const uint8_t mac[6], uint8_t dad_counter, uint8_t iid[8])
{
	struct sha256_state s;
	uint8_t d[SHA256_LEN];

	sha256_begin(&s);
	sha256_add(&s, prefix, 8);
	sha256_add(&s, mac, 6);                  /* Net_Iface: stable, unlike an index */
	/* Network_ID: none (RFC 7217 5 makes it optional) */
	sha256_add(&s, &dad_counter, 1);
	sha256_add(&s, secret, ADDR6_STABLE_SECRET_LEN);
	sha256_end(&s, d);
	memcpy(iid, d + SHA256_LEN - 8, 8);
	memset(d, 0, sizeof(d));
}

bool addr6_iid_reserved(const uint8_t iid[8])
{
	static const uint8_t zero[8];
	static const uint8_t anycast[7] = { 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t iana_eth[5] = { 0x02, 0x00, 0x5e, 0xff, 0xfe };

	if (memcmp(iid, zero, 8) == 0)
		return true;
	if (memcmp(iid, anycast, 7) == 0 && iid[7] >= 0x80)
		return true;
	return memcmp(iid, iana_eth, 5) == 0;
}

bool addr6_stable_on(const uint8_t secret[ADDR6_STABLE_SECRET_LEN])
{
	for (int i = 0; i < ADDR6_STABLE_SECRET_LEN; i++)
		if (secret[i])
			return true;
	return false;
}
