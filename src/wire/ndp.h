/* ndp.h - Neighbor Discovery messages (RFC 4861 section 4): router solicitation and
 * advertisement, neighbor solicitation and advertisement, redirect, with the options
 * source/target link-layer address, prefix information, redirected header, MTU
 * (RFC 4861 4.6), nonce (RFC 3971 5.3.2, 6 bytes: as Linux sends in DAD probes, RFC 7527)
 * and recursive DNS server (RFC 8106 5.1). Link-layer addresses are
 * Ethernet's (6 bytes). */
#ifndef USTACK_WIRE_NDP_H
#define USTACK_WIRE_NDP_H

#include "be.h"

/* option types */
#define NDP_OPT_SLLA 1
#define NDP_OPT_TLLA 2
#define NDP_OPT_PREFIX 3
#define NDP_OPT_REDIRECTED 4
#define NDP_OPT_MTU 5
#define NDP_OPT_NONCE 14           /* RFC 3971 5.3.2, used by DAD (RFC 7527) */
#define NDP_OPT_RDNSS 25
#define NDP_MAX_PREFIX 4           /* prefix options kept from one RA; more are counted */
#define NDP_MAX_RDNSS 3            /* DNS server addresses kept from one RA */
#define NDP_MAX_LEN 1280           /* ndp_emit never writes more */

struct ndp_prefix {
	uint8_t len;               /* prefix length in bits */
	bool on_link, autonomous;  /* L and A flags */
	uint32_t valid, preferred; /* lifetimes, seconds (0xffffffff: infinity) */
	uint8_t prefix[16];
};

struct ndp_rdnss {
	uint32_t lifetime;         /* seconds */
	uint8_t addr[16];
};

struct ndp_repr {
	uint8_t type;              /* ICMP6_ND_RS .. ICMP6_ND_REDIRECT */
	/* router advertisement */
	uint8_t cur_hop_limit;
	bool managed, other;       /* M and O flags */
	uint16_t router_lifetime;  /* seconds */
	uint32_t reachable_time, retrans_timer;   /* milliseconds */
	/* neighbor advertisement flags */
	bool router, solicited, override;
	/* NS, NA, redirect: the target; redirect: the destination too */
	uint8_t target[16], dest[16];
	/* options */
	bool has_slla, has_tlla, has_mtu, has_nonce;
	uint8_t slla[6], tlla[6], nonce[6];
	uint32_t mtu;
	uint8_t n_prefix;
	struct ndp_prefix prefix[NDP_MAX_PREFIX];
	uint8_t n_rdnss;
	struct ndp_rdnss rdnss[NDP_MAX_RDNSS];
	uint8_t n_ignored;         /* options skipped: unknown, a wrong length, or past the bounds above */
	const uint8_t *redirected; /* redirect: the quoted packet in the redirected header option */
	size_t redirected_len;
};

/* buf[0 .. len) is a whole ICMPv6 message (its checksum already checked by icmp6_parse).
 * Checks what RFC 4861 6.1.1, 6.1.2, 7.1.1, 7.1.2 and 8.1 ask of the message itself:
 * code 0, the length of the type, no option of length 0 and none past the end, a target
 * that is not multicast (NS, NA); the IP-level checks (hop limit 255, source address)
 * are the caller's. Options the type does not use are ignored. */
int ndp_parse(const uint8_t *buf, size_t len, struct ndp_repr *r);
/* The bytes ndp_emit writes for r. */
size_t ndp_len(const struct ndp_repr *r);
/* Writes the message (header, fields, options in the order SLLA, TLLA, nonce, MTU, prefixes,
 * RDNSS, redirected header) with its checksum into buf (cap bytes); returns its length,
 * or 0 if it does not fit. */
size_t ndp_emit(const struct ndp_repr *r, uint8_t *buf, size_t cap, const uint8_t src[16],
		const uint8_t dst[16]);

#endif
