/* netdb.h - the resolver: names to addresses over DNS (UDP, TCP for truncated answers).
 * Shapes follow POSIX getaddrinfo / gethostbyname with the stack as first argument and
 * the system's struct addrinfo, struct hostent and EAI_* codes. */
#ifndef USTACK_NETDB_H
#define USTACK_NETDB_H

#include <netdb.h>
#include "ustack.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ustack_resolver_config {
	struct in_addr servers[3];     /* tried in order */
	int n_servers;
	unsigned timeout_ms;           /* per try (default 1000), doubled on every retry */
	unsigned attempts;             /* tries per server (default 2) */
	unsigned total_timeout_ms;     /* the whole lookup (default 5000) */
	uint16_t server_port;          /* default 53 (tests use others) */
	/* IPv6 servers (added after the fields above: a config that sets only those is
	 * unchanged). sin6_family AF_INET6; sin6_scope_id, the interface index + 1 as the
	 * sockets read it, is required for a link-local server (fe80::1%tap0); sin6_port 0
	 * means server_port. An IPv4-mapped address (::ffff:a.b.c.d) is an IPv4 server, so
	 * servers of both families can be listed here in the order they are to be tried.
	 * The order tried: servers[], then servers6[], then (see rdnss) the RDNSS servers. */
	struct sockaddr_in6 servers6[3];
	int n_servers6;
	/* The servers router advertisements gave (RFC 8106, ustack_rdnss(), while their
	 * lifetime lasts): USTACK_RDNSS_AUTO (0, the default) uses them when no server is
	 * configured above, USTACK_RDNSS_APPEND after the configured ones, USTACK_RDNSS_OFF
	 * never. */
	int rdnss;
};
#define USTACK_RDNSS_AUTO 0
#define USTACK_RDNSS_APPEND 1
#define USTACK_RDNSS_OFF 2
int ustack_resolver_configure(struct ustack *st, const struct ustack_resolver_config *cfg);
/* A hosts-table entry answered without the network. */
int ustack_hosts_add(struct ustack *st, const char *name, struct in_addr addr);
int ustack_hosts_add6(struct ustack *st, const char *name, const struct in6_addr *addr);
/* Lines of hosts(5) text ("2001:db8::1 name alias", "10.0.0.1 name", '#' comments):
 * returns the (name, address) pairs added, or -1 with errno EINVAL at the first bad
 * line (the lines before it stay added). */
int ustack_hosts_load(struct ustack *st, const char *text);

/* EAI_NONAME (no such name), EAI_AGAIN (timeout, no server answered), EAI_FAIL
 * (server failure / malformed), EAI_FAMILY, EAI_SERVICE, EAI_MEMORY, EAI_SYSTEM. */
int ustack_getaddrinfo(struct ustack *st, const char *node, const char *service,
		       const struct addrinfo *hints, struct addrinfo **res);
void ustack_freeaddrinfo(struct addrinfo *res);
const char *ustack_gai_strerror(int err);
/* Blocking lookup; the result lives in the stack until the next call from any thread
 * (use ustack_getaddrinfo for thread-safe code). NULL on failure, reason in *herr
 * (HOST_NOT_FOUND, TRY_AGAIN, NO_RECOVERY, NO_DATA) if herr is not NULL. */
struct hostent *ustack_gethostbyname(struct ustack *st, const char *name, int *herr);

/* What the last lookup on this stack saw: for tools that print like host(1). */
struct ustack_dns_result {
	int rcode;                     /* DNS rcode of the final answer, -1 if none */
	int n_cnames;
	char cnames[8][256];           /* alias chain: cnames[i] is an alias for cnames[i+1] / canonical */
	char canonical[256];
	int n_addrs;
	struct in_addr addrs[16];
	uint32_t ttl;
	uint16_t id;                   /* transaction id of the answer used */
	bool from_cache, via_tcp;
	/* ustack_resolve_addr: the names the address points to (PTR records); canonical is
	 * then the reverse name asked for ("4.3.2.1.in-addr.arpa", or the end of its CNAMEs) */
	int n_names;
	char names[4][256];
	/* ustack_resolve6: the AAAA addresses (RFC 3596) */
	int n_addrs6;
	struct in6_addr addrs6[16];
	/* the server whose answer was used (an IPv4 one as ::ffff:a.b.c.d; sin6_family 0
	 * when no server answered: hosts table, cache, literal, timeout) */
	struct sockaddr_in6 server;
};
/* Resolve name (A records) and report the details. Returns 0 or an EAI_* code. */
int ustack_resolve(struct ustack *st, const char *name, struct ustack_dns_result *out);

/* Resolve name's AAAA records (RFC 3596) into out->addrs6: an IPv6 literal, the hosts
 * table, the cache (AAAA, NXDOMAIN, NODATA per type), then the servers. 0 or EAI_*. */
int ustack_resolve6(struct ustack *st, const char *name, struct ustack_dns_result *out);

/* Reverse lookup of addr (RFC 1035 3.5): the hosts table, the cache, then PTR queries
 * for the in-addr.arpa name through the configured servers. 0 or an EAI_* code. */
int ustack_resolve_addr(struct ustack *st, struct in_addr addr, struct ustack_dns_result *out);
/* The same for an IPv6 address: PTR records of its ip6.arpa name (RFC 3596 2.5). */
int ustack_resolve_addr6(struct ustack *st, const struct in6_addr *addr,
			 struct ustack_dns_result *out);

/* POSIX getnameinfo for AF_INET addresses. flags: NI_NUMERICHOST (no query),
 * NI_NUMERICSERV, NI_NAMEREQD (EAI_NONAME when the address has no name, EAI_AGAIN when
 * no server answered), NI_NOFQDN (the first label only), NI_DGRAM (UDP service names).
 * A name or service that does not fit its buffer (with the NUL) is EAI_OVERFLOW.
 * host or serv may be NULL (length 0) when not wanted, not both. */
int ustack_getnameinfo(struct ustack *st, const struct sockaddr *sa, socklen_t salen,
		       char *host, socklen_t hostlen, char *serv, socklen_t servlen, int flags);

/* --- a small authoritative DNS server on a stack (used by `ustack dns` and the demo) --- */
struct ustack_dns_server;
/* Zone text: lines "name A a.b.c.d" / "name AAAA 2001:db8::1" / "name CNAME target" /
 * "name MX pref exchange" ("#" comments). ttl for all. PTR queries for in-addr.arpa
 * names are answered from the A records, for ip6.arpa names from the AAAA records. */
struct ustack_dns_server *ustack_dns_server_start(struct ustack *st, const char *zone_text,
						  uint16_t port, uint32_t ttl);
void ustack_dns_server_stop(struct ustack_dns_server *srv);

#ifdef __cplusplus
}
#endif
#endif
