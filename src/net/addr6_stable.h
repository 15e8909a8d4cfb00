/* addr6_stable.h - stable, semantically opaque interface identifiers (RFC 7217), the
 * address generation Linux calls addr_gen_mode "stable-privacy": with a secret key set
 * (ustack_config.ipv6_stable_secret), the link-local and SLAAC addresses of an interface
 * take an identifier made from the prefix, the interface's MAC and the key instead of
 * the MAC itself (EUI-64), so they stay the same on a network across restarts but do
 * not follow the host from one network to the next. */
#ifndef USTACK_NET_ADDR6_STABLE_H
#define USTACK_NET_ADDR6_STABLE_H

#include <stdbool.h>
#include <stdint.h>

#define ADDR6_STABLE_SECRET_LEN 16
/* RFC 7217 6: addresses tried after the first one when DAD finds them duplicate */
#define ADDR6_IDGEN_RETRIES 3

/* RFC 7217 5: RID = F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key) with F =
 * SHA-256 over prefix (its first 8 bytes) | mac (6) | network_id (none) | dad_counter
 * (1 byte) | secret (16); the identifier is the digest's 64 least significant bits (its
 * last 8 bytes). */
void addr6_stable_iid(const uint8_t secret[ADDR6_STABLE_SECRET_LEN], const uint8_t prefix[8],
		      const uint8_t mac[6], uint8_t dad_counter, uint8_t iid[8]);
/* A reserved interface identifier (RFC 5453 and IANA's registry), never to be used:
 * 0 (the subnet-router anycast, RFC 4291 2.6.1), fdff:ffff:ffff:ff80 to ...:ffff (the
 * reserved subnet anycast, RFC 2526), 0200:5eff:fe00:0000 to 0200:5eff:feff:ffff (the
 * IANA Ethernet block, proxy mobile IPv6). */
bool addr6_iid_reserved(const uint8_t iid[8]);
/* Is the key set (not all zero)? */
bool addr6_stable_on(const uint8_t secret[ADDR6_STABLE_SECRET_LEN]);

#endif
