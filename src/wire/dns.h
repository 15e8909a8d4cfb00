/* dns.h - DNS messages (RFC 1035): bounds-checked parsing and building.
 *
 * Names are decoded to dotted text without the trailing dot ("www.example.test"),
 * compression pointers are followed with a hop limit, and every count and length
 * is checked against the message before it is used. */
#ifndef USTACK_WIRE_DNS_H
#define USTACK_WIRE_DNS_H

#include "be.h"

#define DNS_HDR_LEN 12
#define DNS_MAX_NAME 255      /* presentation form, without trailing dot, plus NUL fits in 256 */
#define DNS_MAX_RR 32         /* records kept per section; more are counted and skipped */
#define DNS_PORT 53

#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_TYPE_PTR 12
#define DNS_TYPE_MX 15
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1

/* header flag bits */
#define DNS_F_QR 0x8000
#define DNS_F_AA 0x0400
#define DNS_F_TC 0x0200
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080
#define DNS_RCODE(flags) ((flags) & 0x000f)
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5

struct dns_rr {
	char name[DNS_MAX_NAME + 1];
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	uint32_t a;                          /* DNS_TYPE_A: the address, host order */
	uint8_t aaaa[16];                    /* DNS_TYPE_AAAA */
	char target[DNS_MAX_NAME + 1];       /* DNS_TYPE_CNAME / NS / MX / PTR: the decoded name */
	uint16_t preference;                 /* DNS_TYPE_MX (RFC 1035 3.3.9) */
	uint32_t soa_minimum;                /* DNS_TYPE_SOA: MINIMUM field (RFC 2308 negative TTL) */
};

struct dns_msg {
	uint16_t id, flags;
	uint16_t qdcount, ancount, nscount, arcount;   /* as in the header */
	char qname[DNS_MAX_NAME + 1];                  /* the first question (qdcount >= 1) */
	uint16_t qtype, qclass;
	size_t n_an, n_ns;                             /* records kept in an[] / ns[] */
	struct dns_rr an[DNS_MAX_RR];
	struct dns_rr ns[DNS_MAX_RR];                  /* authority: SOA for negative caching */
};

/* Parse a whole message. Rejects (WIRE_*): truncation, counts beyond the message,
 * labels past the end, pointer loops or forward-pointer chains past a hop limit,
 * names longer than 255, rdata longer than the message. */
int dns_parse(const uint8_t *buf, size_t len, struct dns_msg *m);
/* Decode the name at off; on success *next is the offset after the name in place. */
int dns_name_decode(const uint8_t *buf, size_t len, size_t off, char out[DNS_MAX_NAME + 1],
		    size_t *next);
/* Encode a dotted name (uncompressed) into buf; returns bytes written or -1. */
int dns_name_encode(const char *name, uint8_t *buf, size_t cap);

/* Build a query with one question; returns the message length or -1 if cap is too small
 * or the name is invalid. */
int dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype,
		    bool rd);

/* A builder for answers (used by ustack's small authoritative server and by tests). */
struct dns_builder {
	uint8_t *buf;
	size_t cap, len;
	uint16_t ancount;
	bool overflow;       /* set when something did not fit; the message is then truncated */
};
void dns_builder_init(struct dns_builder *b, uint8_t *buf, size_t cap, uint16_t id,
		      uint16_t flags, const char *qname, uint16_t qtype);
void dns_builder_add_a(struct dns_builder *b, const char *name, uint32_t ttl, uint32_t addr);
/* An AAAA record (RFC 3596 2.2): the 16 address bytes in network order. */
void dns_builder_add_aaaa(struct dns_builder *b, const char *name, uint32_t ttl,
			  const uint8_t addr[16]);
void dns_builder_add_cname(struct dns_builder *b, const char *name, uint32_t ttl,
			   const char *target);
/* An MX record (RFC 1035 3.3.9): PREFERENCE, then EXCHANGE (uncompressed). */
void dns_builder_add_mx(struct dns_builder *b, const char *name, uint32_t ttl, uint16_t preference,
			const char *exchange);
/* A PTR record (RFC 1035 3.3.12): PTRDNAME (uncompressed). */
void dns_builder_add_ptr(struct dns_builder *b, const char *name, uint32_t ttl, const char *target);
/* Finish: writes the counts; returns the length, or -1 on overflow. */
int dns_builder_finish(struct dns_builder *b);

/* The reverse name of an IPv4 address (RFC 1035 3.5): 10.1.2.3 -> "3.2.1.10.in-addr.arpa".
 * addr in host order; out holds at least 30 bytes. */
void dns_ptr_name(uint32_t addr, char *out, size_t cap);
/* The address a reverse name stands for (case-insensitive, one trailing dot allowed):
 * 0 with *addr (host order), or -1 if name is not four decimal octets under in-addr.arpa. */
int dns_ptr_addr(const char *name, uint32_t *addr);

/* The reverse name of an IPv6 address (RFC 3596 2.5): 32 nibbles, lowest first, under
 * ip6.arpa: 2001:db8::1 -> "1.0.0.0.(...).8.b.d.0.1.0.0.2.ip6.arpa" (72 chars + NUL). */
#define DNS_PTR6_NAME_LEN 73
void dns_ptr6_name(const uint8_t addr[16], char *out, size_t cap);
/* The address an ip6.arpa name stands for (case-insensitive, one trailing dot allowed):
 * 0 with addr, or -1 if name is not 32 single hex-digit labels under ip6.arpa. */
int dns_ptr6_addr(const char *name, uint8_t addr[16]);

const char *dns_rcode_str(int rcode);   /* "NXDOMAIN", ... */

#endif
