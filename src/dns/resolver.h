/* resolver.h (internal) - per-stack resolver state: servers, cache, hosts table. */
#ifndef USTACK_DNS_RESOLVER_H
#define USTACK_DNS_RESOLVER_H

#include <netdb.h>
#include "ustack/netdb.h"
#include "dns/cache.h"
#include "dns/hosts.h"

struct ustack;

int dns_init(struct ustack *st);
void dns_free(struct ustack *st);

/* --- added by the resolver owner: shared by resolver.c, gai.c and server.c --- */
#define DNS_MAX_CHAIN 8                 /* CNAME hops followed, in answers and re-queries */

struct dns_state {
	struct ustack_resolver_config cfg;
	struct dns_cache cache;
	struct dns_hosts hosts;
	struct ustack_dns_server *servers;      /* running in-stack servers (freed at teardown) */
	/* ustack_gethostbyname()'s result */
	struct hostent he;
	char he_name[DNS_MAX_NAME + 1];
	char he_alias_buf[DNS_MAX_CHAIN][DNS_MAX_NAME + 1];
	char *he_aliases[DNS_MAX_CHAIN + 1];
	struct in_addr he_addrs[16];
	char *he_addr_list[17];
};

/* name in the form the cache and hosts table keep: lower case, no trailing dot.
 * -1 if it is not a valid domain name (empty, too long, empty label, label > 63). */
int dns_name_norm(const char *name, char out[DNS_MAX_NAME + 1]);
/* Resolve name (normalised) to A records: hosts table, cache, then the servers.
 * Runs in the caller's thread without st->lock held; a runner must drive the stack.
 * Returns 0 or an EAI_* code; fills out (never NULL). */
int dns_lookup(struct ustack *st, const char *name, struct ustack_dns_result *out);
/* The same for qtype DNS_TYPE_A (out->addrs) or DNS_TYPE_AAAA (out->addrs6; an IPv6
 * literal answers itself, the hosts table's IPv6 entries, the cache's AAAA and NODATA6). */
int dns_lookup_type(struct ustack *st, const char *name, uint16_t qtype,
		    struct ustack_dns_result *out);
/* Is name in the hosts table, and with which families? (As the C library's "files"
 * source: a name found there is not asked of DNS for its other family.) */
bool dns_hosts_known(struct ustack *st, const char *name, bool *v4, bool *v6);
/* Ask the configured servers for (name, qtype): 0 with m holding a NOERROR or NXDOMAIN
 * answer (out->rcode, id, via_tcp set), or EAI_AGAIN / EAI_FAIL / EAI_SYSTEM. */
int dns_query(struct ustack *st, const char *name, uint16_t qtype, struct dns_msg *m,
	      struct ustack_dns_result *out);
/* Into the cache under st->lock (taken here); ttl 0 is not cached. */
void dns_cache_store(struct ustack *st, const char *name, enum dns_cache_kind kind,
		     const uint32_t *addrs, int n, const char *target, uint32_t ttl);
/* AAAA addresses (16 bytes each) into the cache. */
void dns_cache_store6(struct ustack *st, const char *name, const uint8_t (*addrs)[16], int n,
		      uint32_t ttl);
/* A negative answer for min(SOA TTL, MINIMUM) if m carries an SOA (RFC 2308 5). */
void dns_cache_negative(struct ustack *st, const struct dns_msg *m, const char *name,
			enum dns_cache_kind kind);
/* The reverse lookup (reverse.c): hosts table, cache, then PTR queries. 0 with
 * out->names[0] set, or an EAI_* code. */
int dns_reverse(struct ustack *st, uint32_t addr, struct ustack_dns_result *out);
/* The same for an IPv6 address (PTR under ip6.arpa, RFC 3596 2.5). */
int dns_reverse6(struct ustack *st, const uint8_t addr[16], struct ustack_dns_result *out);
/* The name of a well-known port ("http"), or NULL (gai.c's small table). */
const char *dns_service_name(uint16_t port, bool dgram);
/* Called by server.c at teardown. */
void dns_server_free_all(struct ustack *st);

#endif
