/* ipv6_ext.h - walking the IPv6 extension header chain (RFC 8200 section 4) with bounds.
 *
 * The walk reads hop-by-hop options (first only), routing, fragment and destination
 * options headers up to the upper-layer header. Each header is checked against the
 * packet's end; at most IPV6_EXT_MAX headers are walked, so no chain, however long or
 * however its lengths are set, makes the walk loop or read out of bounds. On an error the
 * result says what RFC 8200 asks for: an ICMPv6 Parameter Problem with a code and a
 * pointer, or a silent drop. */
#ifndef USTACK_WIRE_IPV6_EXT_H
#define USTACK_WIRE_IPV6_EXT_H

#include "be.h"

#define IPV6_EXT_MAX 8             /* headers walked before the packet is dropped */
#define IPV6_FRAG_HDR_LEN 8
/* ICMPv6 Parameter Problem codes (RFC 4443 3.4, RFC 7112) */
#define IPV6_PP_HEADER 0           /* erroneous header field */
#define IPV6_PP_NEXT_HEADER 1      /* unrecognized next header type */
#define IPV6_PP_OPTION 2           /* unrecognized IPv6 option */
#define IPV6_PP_INCOMPLETE_CHAIN 3 /* first fragment without the whole header chain */
#define IPV6_PP_NONE (-1)          /* drop silently */
/* hop-by-hop option types that are understood */
#define IPV6_OPT_PAD1 0
#define IPV6_OPT_PADN 1
#define IPV6_OPT_ROUTER_ALERT 5    /* RFC 2711 */

struct ipv6_chain {
	uint8_t proto;             /* upper-layer protocol (IP_PROTO_NONE: nothing follows) */
	uint16_t proto_ptr;        /* offset of the Next Header byte naming it: the pointer of
	                              a "next header" Parameter Problem if proto is unknown */
	uint16_t l4_off;           /* offset of the upper-layer header */
	uint8_t n_ext;             /* extension headers walked */
	bool router_alert;         /* hop-by-hop Router Alert present */
	uint16_t router_alert_value;
	/* a fragment header (the walk stops after it unless it is a first fragment) */
	bool frag;
	uint16_t frag_hdr_off;     /* offset of the fragment header */
	uint16_t frag_off;         /* in bytes */
	bool mf;
	uint32_t frag_id;
	/* on error */
	int pp_code;               /* IPV6_PP_*: what to answer; IPV6_PP_NONE: drop quietly */
	uint16_t pp_ptr;           /* offset of the offending byte (Parameter Problem pointer) */
};

/* Walks pkt[0 .. len), a whole IPv6 packet from its fixed header (already checked by
 * ipv6_parse, len = 40 + payload length), or the cut quote of an ICMPv6 error (len
 * shorter: the walk reads only what is there). All offsets are from pkt. Returns WIRE_OK with
 * c->proto/l4_off, or an error with c->pp_code/pp_ptr:
 *   WIRE_TRUNCATED    a header runs past the end (drop; a first fragment: code 3)
 *   WIRE_BAD_FIELD    a bad header field or option (code 0, or code 2 for an unknown
 *                     option whose type asks for it; IPV6_PP_NONE where it asks for none)
 *   WIRE_UNSUPPORTED  hop-by-hop options not first (code 1)
 *   WIRE_BAD_LEN      more than IPV6_EXT_MAX headers, or an option running past its
 *                     header (drop) */
int ipv6_ext_walk(const uint8_t *pkt, size_t len, struct ipv6_chain *c);
/* True for the next-header values the walk treats as extension headers. */
bool ipv6_is_ext_header(uint8_t nh);

/* Writes an 8-byte fragment header. */
void ipv6_frag_emit(uint8_t next_hdr, uint16_t frag_off, bool mf, uint32_t id, uint8_t *buf);

#endif
