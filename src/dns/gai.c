/* gai.c - getaddrinfo / gethostbyname over the stack's resolver (POSIX.1-2017
 * getaddrinfo(), freeaddrinfo(), gai_strerror(), gethostbyname(); RFC 3493 6.1 for the
 * flags). AF_INET gives A records, AF_INET6 AAAA records (with AI_V4MAPPED, A records
 * as ::ffff:a.b.c.d when there is no AAAA, or always with AI_ALL), AF_UNSPEC both,
 * ordered by gai_order.c (RFC 6724, simplified); other families are EAI_FAMILY.
 * Numeric IPv6 addresses take a scope ("fe80::1%2", "fe80::1%eth0", RFC 4007 11.2).
 * Each struct addrinfo is one allocation holding its sockaddr, with ai_canonname
 * allocated apart, the way glibc lays them out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "ustack/netdb.h"
#include "ustack/socket.h"
#include "core/stack.h"
#include "core/ip_class.h"
#include "dns/gai_order.h"
#include "dns/resolver.h"

#define GAI_FLAGS (AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV | \
		   AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG)

/* The few service names programs pass most, so that no services database is needed. */
static const struct {
	const char *name;
	uint16_t port;
	int socktype;           /* 0: both */
} services[] = {
	{ "echo", 7, 0 }, { "discard", 9, 0 }, { "ftp", 21, SOCK_STREAM },
	{ "ssh", 22, SOCK_STREAM }, { "telnet", 23, SOCK_STREAM }, { "smtp", 25, SOCK_STREAM },
	{ "domain", 53, 0 }, { "http", 80, SOCK_STREAM }, { "www", 80, SOCK_STREAM },
	{ "ntp", 123, SOCK_DGRAM }, { "https", 443, SOCK_STREAM },
};

const char *dns_service_name(uint16_t port, bool dgram)
{
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (services[i].port == port &&
		    (!services[i].socktype || services[i].socktype == (dgram ? SOCK_DGRAM : SOCK_STREAM)))
			return services[i].name;
	return NULL;
}

/* 0 with *port, or an EAI code. */
static int parse_service(const char *service, int flags, int socktype, uint16_t *port)
{
	*port = 0;
	if (!service || !service[0])
		return 0;
	char *end;
	errno = 0;
	unsigned long v = strtoul(service, &end, 10);
	if (*end == '\0' && service[0] >= '0' && service[0] <= '9') {
		if (errno || v > 65535)
			return EAI_SERVICE;
		*port = (uint16_t)v;
		return 0;
	}
	if (flags & AI_NUMERICSERV)
		return EAI_NONAME;
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		if (strcasecmp(services[i].name, service) != 0)
			continue;
		if (services[i].socktype && socktype && services[i].socktype != socktype)
			return EAI_SERVICE;
		*port = services[i].port;
		return 0;
	}
	return EAI_SERVICE;
}

void ustack_freeaddrinfo(struct addrinfo *res)
{
	while (res) {
		struct addrinfo *n = res->ai_next;
		free(res->ai_canonname);
		free(res);
		res = n;
	}
}

/* Appends one entry per socket type for address a; false when out of memory. */
static bool add_ai(struct addrinfo ***tail, const struct ip_addr *a, uint32_t scope, uint16_t port,
		   int socktype, const char **canon)
{
	for (int t = 0; t < 2; t++) {
		int ty = t == 0 ? SOCK_STREAM : SOCK_DGRAM;
		if (socktype && socktype != ty)
			continue;
		bool v6 = a->family == IP_AF_INET6;
		size_t sl = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		struct addrinfo *ai = calloc(1, sizeof(*ai) + sl);
		if (!ai)
			return false;
		if (v6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)(ai + 1);
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(port);
			memcpy(s6->sin6_addr.s6_addr, a->b, 16);
			s6->sin6_scope_id = scope;
		} else {
			struct sockaddr_in *sin = (struct sockaddr_in *)(void *)(ai + 1);
			sin->sin_family = AF_INET;
			sin->sin_port = htons(port);
			memcpy(&sin->sin_addr.s_addr, a->b, 4);
		}
		ai->ai_family = v6 ? AF_INET6 : AF_INET;
		ai->ai_socktype = ty;
		ai->ai_protocol = ty == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
		ai->ai_addrlen = (socklen_t)sl;
		ai->ai_addr = (struct sockaddr *)(void *)(ai + 1);
		if (*canon && !(ai->ai_canonname = strdup(*canon))) {
			free(ai);
			return false;
		}
		*canon = NULL;                  /* only the first entry carries it */
		**tail = ai;
		*tail = &ai->ai_next;
	}
	return true;
}

/* The scope of "fe80::1%2" / "fe80::1%tap0" (RFC 4007 11.2): 0 with *scope, or -1.
 * A scope id is ustack's interface index + 1, as the sockets read sin6_scope_id (and
 * IP_PKTINFO's ipi_ifindex): 0 means none. */
static int parse_scope(struct ustack *st, const char *s, uint32_t *scope)
{
	char *end;

	if (s[0] >= '0' && s[0] <= '9') {
		errno = 0;
		unsigned long v = strtoul(s, &end, 10);
		if (*end || errno || v > UINT32_MAX)
			return -1;
		*scope = (uint32_t)v;
		return 0;
	}
	int rc = -1;
	stack_lock(st);
	for (int i = 0; i < st->n_ifaces; i++)
		if (st->ifaces[i].used && strcmp(st->ifaces[i].name, s) == 0) {
			*scope = (uint32_t)st->ifaces[i].index + 1;
			rc = 0;
			break;
		}
	stack_unlock(st);
	return rc;
}

/* node as a numeric address: 1 with *a (and *scope), 0 not numeric, -1 numeric but bad
 * (an unknown scope: EAI_NONAME as glibc). */
static int parse_numeric(struct ustack *st, const char *node, struct ip_addr *a, uint32_t *scope)
{
	char buf[IP_ADDR_STRLEN + 1];
	const char *pct = strchr(node, '%');

	*scope = 0;
	if (ip_addr_pton(IP_AF_INET, node, a) == 0)
		return 1;
	if (!pct)
		return ip_addr_pton(IP_AF_INET6, node, a) == 0 ? 1 : 0;
	size_t n = (size_t)(pct - node);
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, node, n);
	buf[n] = '\0';
	if (ip_addr_pton(IP_AF_INET6, buf, a) != 0)
		return 0;
	return parse_scope(st, pct + 1, scope) == 0 ? 1 : -1;
}

/* The addresses of a name: AAAA and/or A as family and flags ask, into list (at most
 * max); returns 0 with *n, or an EAI_* code. canon gets the canonical name. */
static int lookup(struct ustack *st, const char *node, int family, int flags, bool want4,
		  bool want6, struct ip_addr *list, int max, int *n, char *canon, size_t canon_cap)
{
	struct ustack_dns_result *r = calloc(1, sizeof(*r));
	int rc4 = EAI_NONAME, rc6 = EAI_NONAME;
	bool nodata4 = false, nodata6 = false;

	if (!r)
		return EAI_MEMORY;
	*n = 0;
	canon[0] = '\0';
	/* a name of the hosts table is answered from it alone (glibc's "files" first) */
	bool h4, h6, hosts = dns_hosts_known(st, node, &h4, &h6);
	if (hosts)
		want6 = want6 && h6;
	if (want6) {
		rc6 = dns_lookup_type(st, node, DNS_TYPE_AAAA, r);
		nodata6 = rc6 == EAI_NONAME && r->rcode == DNS_RCODE_NOERROR;
		for (int i = 0; rc6 == 0 && i < r->n_addrs6 && *n < max; i++)
			list[(*n)++] = ip_addr_from_v6(r->addrs6[i].s6_addr);
		if (rc6 == 0 || nodata6)
			snprintf(canon, canon_cap, "%s", r->canonical);
	}
	/* AF_INET6 asks for A records only for AI_V4MAPPED with no AAAA, or AI_ALL */
	bool mapped = family == AF_INET6;
	if (mapped)
		want4 = (flags & AI_V4MAPPED) && (*n == 0 || (flags & AI_ALL));
	if (hosts)
		want4 = want4 && h4;
	if (want4 && rc6 != EAI_AGAIN) {        /* a dead server: no second wait */
		rc4 = dns_lookup_type(st, node, DNS_TYPE_A, r);
		nodata4 = rc4 == EAI_NONAME && r->rcode == DNS_RCODE_NOERROR;
		for (int i = 0; rc4 == 0 && i < r->n_addrs && *n < max; i++) {
			uint32_t h = ntohl(r->addrs[i].s_addr);
			list[(*n)++] = mapped ? ip_addr_v4_mapped(h) : ip_addr_from_v4(h);
		}
		if (!canon[0] && (rc4 == 0 || nodata4))
			snprintf(canon, canon_cap, "%s", r->canonical);
	}
	free(r);
	if (*n)
		return 0;
	if (hosts)
		return EAI_NODATA;      /* in the hosts table, not with this family */
	if (!want4 && !want6)
		return EAI_NONAME;
	/* as glibc: a name that exists without addresses of the family is EAI_NODATA,
	 * both lookups timing out EAI_AGAIN, otherwise the first failure */
	int first = want6 ? rc6 : rc4;
	if ((!want6 || nodata6) && (!want4 || nodata4))
		return EAI_NODATA;
	if (first == EAI_NONAME && want6 && want4 && rc4 != EAI_NONAME)
		return rc4;
	return first;
}

int ustack_getaddrinfo(struct ustack *st, const char *node, const char *service,
		       const struct addrinfo *hints, struct addrinfo **res)
{
	int flags = hints ? hints->ai_flags : (AI_V4MAPPED | AI_ADDRCONFIG);
	int family = hints ? hints->ai_family : AF_UNSPEC;
	int socktype = hints ? hints->ai_socktype : 0;
	int protocol = hints ? hints->ai_protocol : 0;

	if (!st || !res) {
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	*res = NULL;
	if (hints && (hints->ai_addrlen || hints->ai_canonname || hints->ai_addr || hints->ai_next))
		return EAI_BADFLAGS;            /* POSIX: the other members must be zero */
	if (flags & ~GAI_FLAGS)
		return EAI_BADFLAGS;
	if ((!node || !node[0]) && (!service || !service[0]))
		return EAI_NONAME;
	if ((flags & AI_CANONNAME) && !node)
		return EAI_BADFLAGS;
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return EAI_FAMILY;
	if (socktype != 0 && socktype != SOCK_STREAM && socktype != SOCK_DGRAM)
		return EAI_SOCKTYPE;
	if (protocol && !((protocol == IPPROTO_TCP && socktype != SOCK_DGRAM) ||
			  (protocol == IPPROTO_UDP && socktype != SOCK_STREAM)))
		return EAI_SOCKTYPE;
	if (!socktype && protocol)
		socktype = protocol == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;

	uint16_t port;
	int rc = parse_service(service, flags, socktype, &port);
	if (rc)
		return rc;

	/* AI_ADDRCONFIG (RFC 3493 6.1): only the families the host has a non-loopback
	 * address of; glibc: with neither, no filter; a family asked for that the host
	 * lacks is EAI_NONAME, before any lookup */
	struct gai_env env;
	gai_env_of(st, &env);
	bool want4 = family != AF_INET6, want6 = family != AF_INET;
	if ((flags & AI_ADDRCONFIG) && (env.has_v4 || env.has_v6)) {
		if ((family == AF_INET && !env.has_v4) || (family == AF_INET6 && !env.has_v6))
			return EAI_NONAME;
		want4 = want4 && env.has_v4;
		want6 = want6 && env.has_v6;
	}

	struct ip_addr list[64];
	uint32_t scope = 0;
	int n = 0;
	char canon[DNS_MAX_NAME + 1] = "";
	if (!node || !node[0]) {
		/* RFC 3493 6.1: the wildcard for a passive socket, else loopback; both
		 * families for AF_UNSPEC in glibc's order: 0.0.0.0 before ::, ::1 before
		 * 127.0.0.1 */
		static const uint8_t any6[16], loop6[16] = { [15] = 1 };
		bool passive = flags & AI_PASSIVE;
		if (want4 && passive)
			list[n++] = ip_addr_from_v4(INADDR_ANY);
		if (want6)
			list[n++] = ip_addr_from_v6(passive ? any6 : loop6);
		if (want4 && !passive)
			list[n++] = ip_addr_from_v4(INADDR_LOOPBACK);
	} else {
		struct ip_addr a;
		int k = parse_numeric(st, node, &a, &scope);
		if (k < 0)
			return EAI_NONAME;
		if (k > 0) {
			/* glibc: an address of the other family is EAI_ADDRFAMILY, but for
			 * AF_INET6 with AI_V4MAPPED an IPv4 one comes back mapped, and for
			 * AF_INET a mapped IPv6 one as IPv4 */
			if (family == AF_INET6 && a.family == IP_AF_INET) {
				if (!(flags & AI_V4MAPPED))
					return EAI_ADDRFAMILY;
				a = ip_addr_v4_mapped(ip_addr_v4(&a));
			} else if (family == AF_INET && a.family == IP_AF_INET6) {
				if (!ip6_is_v4mapped(a.b))
					return EAI_ADDRFAMILY;
				a = ip_addr_from_v4(be32_get(a.b + 12));
			}
			list[n++] = a;
			snprintf(canon, sizeof(canon), "%s", node);
		} else if (flags & AI_NUMERICHOST) {
			return EAI_NONAME;
		} else {
			rc = lookup(st, node, family, flags, want4, want6, list, 64, &n, canon,
				    sizeof(canon));
			if (rc)
				return rc;
			gai_sort(list, n, &env);
		}
	}

	struct addrinfo *head = NULL, **tail = &head;
	const char *cn = (flags & AI_CANONNAME) ? canon : NULL;
	for (int i = 0; i < n; i++) {
		uint32_t sc = list[i].family == IP_AF_INET6 ? scope : 0;
		if (!add_ai(&tail, &list[i], sc, port, socktype, &cn)) {
			ustack_freeaddrinfo(head);
			return EAI_MEMORY;
		}
	}
	*res = head;
	return 0;
}

const char *ustack_gai_strerror(int err)
{
	switch (err) {
	case 0: return "Success";
	case EAI_BADFLAGS: return "Bad value for ai_flags";
	case EAI_NONAME: return "Name or service not known";
	case EAI_AGAIN: return "Temporary failure in name resolution";
	case EAI_FAIL: return "Non-recoverable failure in name resolution";
	case EAI_FAMILY: return "ai_family not supported";
	case EAI_SOCKTYPE: return "ai_socktype not supported";
	case EAI_SERVICE: return "Servname not supported for ai_socktype";
	case EAI_MEMORY: return "Memory allocation failure";
	case EAI_SYSTEM: return "System error";
	case EAI_OVERFLOW: return "Argument buffer overflow";
	case EAI_ADDRFAMILY: return "Address family for hostname not supported";
#ifdef EAI_NODATA
	case EAI_NODATA: return "No address associated with hostname";
#endif
	default: return "Unknown error";
	}
}

int ustack_resolve6(struct ustack *st, const char *name, struct ustack_dns_result *out)
{
	struct ustack_dns_result tmp;

	if (!st || !name) {
		if (out) {
			memset(out, 0, sizeof(*out));
			out->rcode = -1;
		}
		return EAI_NONAME;
	}
	return dns_lookup_type(st, name, DNS_TYPE_AAAA, out ? out : &tmp);
}

int ustack_resolve(struct ustack *st, const char *name, struct ustack_dns_result *out)
{
	struct ustack_dns_result tmp;

	if (!st || !name) {
		if (out) {
			memset(out, 0, sizeof(*out));
			out->rcode = -1;
		}
		return EAI_NONAME;
	}
	return dns_lookup(st, name, out ? out : &tmp);
}

struct hostent *ustack_gethostbyname(struct ustack *st, const char *name, int *herr)
{
	int h_err = NO_RECOVERY;
	struct ustack_dns_result *r = calloc(1, sizeof(*r));

	if (!st || !name || !r) {
		free(r);
		if (herr)
			*herr = NO_RECOVERY;
		return NULL;
	}
	int rc = dns_lookup(st, name, r);
	if (rc || r->n_addrs == 0) {
		h_err = rc == EAI_AGAIN ? TRY_AGAIN :
			rc == EAI_NONAME && r->rcode == 0 ? NO_DATA :
			rc == EAI_NONAME || rc == 0 ? HOST_NOT_FOUND : NO_RECOVERY;
		free(r);
		if (herr)
			*herr = h_err;
		return NULL;
	}
	struct dns_state *d = st->dns;
	stack_lock(st);
	snprintf(d->he_name, sizeof(d->he_name), "%s", r->canonical);
	int na = 0;
	for (int i = 0; i < r->n_cnames && i < DNS_MAX_CHAIN; i++) {
		snprintf(d->he_alias_buf[i], sizeof(d->he_alias_buf[i]), "%s", r->cnames[i]);
		d->he_aliases[na++] = d->he_alias_buf[i];
	}
	d->he_aliases[na] = NULL;
	int n = r->n_addrs < 16 ? r->n_addrs : 16;
	for (int i = 0; i < n; i++) {
		d->he_addrs[i] = r->addrs[i];
		d->he_addr_list[i] = (char *)&d->he_addrs[i];
	}
	d->he_addr_list[n] = NULL;
	d->he.h_name = d->he_name;
	d->he.h_aliases = d->he_aliases;
	d->he.h_addrtype = AF_INET;
	d->he.h_length = 4;
	d->he.h_addr_list = d->he_addr_list;
	stack_unlock(st);
	free(r);
	if (herr)
		*herr = 0;
	return &d->he;
}
