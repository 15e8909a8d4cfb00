/* reverse.c - addresses to names: the reverse lookup (RFC 1035 3.5, PTR records under
 * in-addr.arpa; RFC 3596 2.5, under ip6.arpa for IPv6) and getnameinfo() over it (POSIX.1-2017 getnameinfo(), RFC 3493 6.2).
 *
 * The hosts table answers first (the first name added for the address, as /etc/hosts
 * does for the system resolver), then the cache (PTR, CNAME and negative entries), then
 * a PTR query through the configured servers. CNAMEs in the answer are followed, which
 * is how classless in-addr.arpa delegation works (RFC 2317). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "ustack/netdb.h"
#include "core/ip_addr.h"
#include "core/ip_class.h"
#include "core/stack.h"
#include "dns/resolver.h"
#include "wire/dns.h"

#define GNI_FLAGS (NI_NUMERICHOST | NI_NUMERICSERV | NI_NOFQDN | NI_NAMEREQD | NI_DGRAM)
#define NAMES_MAX 4

static void add_name(struct ustack_dns_result *out, const char *name)
{
	if (out->n_names < NAMES_MAX)
		snprintf(out->names[out->n_names++], sizeof(out->names[0]), "%s", name);
}

/* From the cache: 1 answered (*rc set), 0 not there, 2 followed a CNAME (cur changed). */
static int from_cache(struct ustack *st, char cur[DNS_MAX_NAME + 1], struct ustack_dns_result *out,
		      int *rc)
{
	int r = 0;

	stack_lock(st);
	const struct dns_cache_entry *e = dns_cache_get(&st->dns->cache, cur, st->now);
	if (e && e->kind != DNS_CACHE_A) {
		ST_COUNT(st, dns_cache_hits);
		r = 1;
		out->ttl = dns_cache_ttl_left(e, st->now);
		if (e->kind == DNS_CACHE_PTR) {
			add_name(out, e->target);
			out->rcode = DNS_RCODE_NOERROR;
			*rc = 0;
		} else if (e->kind == DNS_CACHE_CNAME) {
			if (out->n_cnames < DNS_MAX_CHAIN) {
				snprintf(out->cnames[out->n_cnames++], sizeof(out->cnames[0]), "%s", cur);
				snprintf(cur, DNS_MAX_NAME + 1, "%s", e->target);
				r = 2;
			} else {
				*rc = EAI_FAIL;
			}
		} else {
			out->rcode = e->kind == DNS_CACHE_NXDOMAIN ? DNS_RCODE_NXDOMAIN
								   : DNS_RCODE_NOERROR;
			*rc = EAI_NONAME;
		}
	}
	stack_unlock(st);
	return r;
}

/* The PTR records of cur in m, following CNAMEs; *cur ends where the chain stopped.
 * Returns false if the chain is too long. */
static bool take_answer(struct ustack *st, const struct dns_msg *m, char cur[DNS_MAX_NAME + 1],
			struct ustack_dns_result *out)
{
	for (int hop = 0;; hop++) {
		uint32_t ttl = UINT32_MAX;
		for (size_t i = 0; i < m->n_an; i++) {
			const struct dns_rr *rr = &m->an[i];
			if (rr->type != DNS_TYPE_PTR || rr->rclass != DNS_CLASS_IN ||
			    strcasecmp(rr->name, cur) != 0)
				continue;
			add_name(out, rr->target);
			if (rr->ttl < ttl)
				ttl = rr->ttl;
		}
		if (out->n_names) {
			out->ttl = ttl;
			dns_cache_store(st, cur, DNS_CACHE_PTR, NULL, 0, out->names[0], ttl);
			return true;
		}
		const struct dns_rr *cn = NULL;
		for (size_t i = 0; i < m->n_an && !cn; i++)
			if (m->an[i].type == DNS_TYPE_CNAME && m->an[i].rclass == DNS_CLASS_IN &&
			    strcasecmp(m->an[i].name, cur) == 0)
				cn = &m->an[i];
		if (!cn)
			return true;
		if (hop >= DNS_MAX_CHAIN || out->n_cnames >= DNS_MAX_CHAIN)
			return false;
		snprintf(out->cnames[out->n_cnames++], sizeof(out->cnames[0]), "%s", cur);
		dns_cache_store(st, cur, DNS_CACHE_CNAME, NULL, 0, cn->target, cn->ttl);
		if (dns_name_norm(cn->target, cur) != 0)
			return false;
	}
}

/* The reverse lookup of the address whose reverse name is in cur (in-addr.arpa or
 * ip6.arpa): the hosts table (v6 ? addr6 : addr), the cache, then PTR queries. */
static int reverse(struct ustack *st, char cur[DNS_MAX_NAME + 1], bool v6, uint32_t addr,
		   const uint8_t *addr6, struct ustack_dns_result *out)
{
	struct dns_msg *m = NULL;
	bool net = false;
	int rc = EAI_FAIL;

	stack_lock(st);
	const char *h = v6 ? dns_hosts_name6(&st->dns->hosts, addr6)
			   : dns_hosts_name(&st->dns->hosts, addr);
	if (h)
		add_name(out, h);
	stack_unlock(st);
	if (out->n_names) {
		out->rcode = DNS_RCODE_NOERROR;
		out->from_cache = true;
		snprintf(out->canonical, sizeof(out->canonical), "%s", cur);
		return 0;
	}
	for (int round = 0; round <= DNS_MAX_CHAIN; round++) {
		int c = from_cache(st, cur, out, &rc);
		if (c == 2)
			continue;
		if (c == 1)
			break;
		if (!m && !(m = malloc(sizeof(*m)))) {
			rc = EAI_MEMORY;
			break;
		}
		rc = dns_query(st, cur, DNS_TYPE_PTR, m, out);
		if (rc)
			break;
		net = true;
		char asked[DNS_MAX_NAME + 1];
		snprintf(asked, sizeof(asked), "%s", cur);
		if (!take_answer(st, m, cur, out)) {
			rc = EAI_FAIL;
			break;
		}
		if (out->n_names) {
			rc = 0;
			break;
		}
		if (DNS_RCODE(m->flags) == DNS_RCODE_NXDOMAIN) {
			dns_cache_negative(st, m, cur, DNS_CACHE_NXDOMAIN);
			rc = EAI_NONAME;
			break;
		}
		if (strcmp(asked, cur) != 0)
			continue;                   /* a CNAME without its PTR: ask for its end */
		dns_cache_negative(st, m, cur, DNS_CACHE_NODATA);
		rc = EAI_NONAME;
		break;
	}
	free(m);
	snprintf(out->canonical, sizeof(out->canonical), "%s", cur);
	out->from_cache = !net && (rc == 0 || rc == EAI_NONAME);
	return rc;
}

int dns_reverse(struct ustack *st, uint32_t addr, struct ustack_dns_result *out)
{
	char cur[DNS_MAX_NAME + 1];

	memset(out, 0, sizeof(*out));
	out->rcode = -1;
	dns_ptr_name(addr, cur, sizeof(cur));
	return reverse(st, cur, false, addr, NULL, out);
}

int dns_reverse6(struct ustack *st, const uint8_t addr[16], struct ustack_dns_result *out)
{
	char cur[DNS_MAX_NAME + 1];

	memset(out, 0, sizeof(*out));
	out->rcode = -1;
	dns_ptr6_name(addr, cur, sizeof(cur));
	return reverse(st, cur, true, 0, addr, out);
}

int ustack_resolve_addr6(struct ustack *st, const struct in6_addr *addr,
			 struct ustack_dns_result *out)
{
	struct ustack_dns_result *tmp = NULL;

	if (!st || !addr) {
		if (out) {
			memset(out, 0, sizeof(*out));
			out->rcode = -1;
		}
		return EAI_FAIL;
	}
	if (!out && !(out = tmp = malloc(sizeof(*out))))
		return EAI_MEMORY;
	int rc = dns_reverse6(st, addr->s6_addr, out);
	free(tmp);
	return rc;
}

int ustack_resolve_addr(struct ustack *st, struct in_addr addr, struct ustack_dns_result *out)
{
	struct ustack_dns_result *tmp = NULL;

	if (!st) {
		if (out) {
			memset(out, 0, sizeof(*out));
			out->rcode = -1;
		}
		return EAI_FAIL;
	}
	if (!out && !(out = tmp = malloc(sizeof(*out))))
		return EAI_MEMORY;
	int rc = dns_reverse(st, ntohl(addr.s_addr), out);
	free(tmp);
	return rc;
}

/* s into buf of len bytes with its NUL: 0, or EAI_OVERFLOW. */
static int put(char *buf, socklen_t len, const char *s, size_t n)
{
	if (n >= (size_t)len)
		return EAI_OVERFLOW;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

/* "addr%name" with the stack's name of the interface, else "addr%scope" (as glibc,
 * which names the interface when it can). A scope id is the interface index + 1. */
static void scope_text(struct ustack *st, uint32_t scope, const char *text, char *num, size_t cap)
{
	char name[32] = "";

	stack_lock(st);
	for (int i = 0; i < st->n_ifaces; i++)
		if (st->ifaces[i].used && (uint32_t)st->ifaces[i].index + 1 == scope)
			snprintf(name, sizeof(name), "%s", st->ifaces[i].name);
	stack_unlock(st);
	if (name[0])
		snprintf(num, cap, "%s%%%s", text, name);
	else
		snprintf(num, cap, "%s%%%u", text, (unsigned)scope);
}

/* The numeric text of an address: dotted quad, or RFC 5952 text with "%scope" for a
 * link-local or multicast link-scope IPv6 address with a scope id (RFC 4007 11). */
static void numeric(struct ustack *st, const struct sockaddr *sa, char *num, size_t cap)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, num, (socklen_t)cap);
		return;
	}
	const struct sockaddr_in6 *s6 = (const void *)sa;
	struct ip_addr a = ip_addr_from_v6(s6->sin6_addr.s6_addr);
	char text[IP_ADDR_STRLEN];
	ip_addr_ntop(&a, text);
	if (s6->sin6_scope_id && (ip6_is_link_local(a.b) ||
				  (ip6_is_multicast(a.b) && ip6_mcast_scope(a.b) <= 2)))
		scope_text(st, s6->sin6_scope_id, text, num, cap);
	else
		snprintf(num, cap, "%s", text);
}

static int host_part(struct ustack *st, const struct sockaddr *sa, char *host, socklen_t hostlen,
		     int flags)
{
	char num[IP_ADDR_STRLEN + 40];

	numeric(st, sa, num, sizeof(num));
	if (flags & NI_NUMERICHOST)
		return put(host, hostlen, num, strlen(num));    /* no query (glibc: NAMEREQD unseen) */
	struct ustack_dns_result *r = malloc(sizeof(*r));
	if (!r)
		return EAI_MEMORY;
	int rc;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		if (ip6_is_v4mapped(s6->sin6_addr.s6_addr))     /* glibc asks in-addr.arpa */
			rc = dns_reverse(st, be32_get(s6->sin6_addr.s6_addr + 12), r);
		else
			rc = dns_reverse6(st, s6->sin6_addr.s6_addr, r);
	} else {
		const struct sockaddr_in *sin = (const void *)sa;
		rc = dns_reverse(st, ntohl(sin->sin_addr.s_addr), r);
	}
	if (rc == 0 && r->n_names) {
		const char *name = r->names[0];
		size_t n = strlen(name);
		if (flags & NI_NOFQDN) {
			const char *dot = strchr(name, '.');
			if (dot)
				n = (size_t)(dot - name);
		}
		rc = put(host, hostlen, name, n);
	} else if (flags & NI_NAMEREQD) {
		rc = rc == EAI_AGAIN || rc == EAI_MEMORY || rc == EAI_SYSTEM ? rc : EAI_NONAME;
	} else {
		rc = put(host, hostlen, num, strlen(num));   /* no name: the numeric form */
	}
	free(r);
	return rc;
}

int ustack_getnameinfo(struct ustack *st, const struct sockaddr *sa, socklen_t salen,
		       char *host, socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	if (!st) {
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	if (flags & ~GNI_FLAGS)
		return EAI_BADFLAGS;
	if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return EAI_FAMILY;
	if (salen < (socklen_t)(sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
							 : sizeof(struct sockaddr_in6)))
		return EAI_FAMILY;                      /* glibc: a short address is EAI_FAMILY */
	bool want_host = host && hostlen, want_serv = serv && servlen;
	if (!want_host && !want_serv)
		return EAI_NONAME;
	struct sockaddr_storage ss;
	memcpy(&ss, sa, sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
						 : sizeof(struct sockaddr_in6));

	if (want_serv) {
		char buf[8];
		/* sin_port and sin6_port sit at the same offset */
		uint16_t port = ntohs(((const struct sockaddr_in *)(const void *)&ss)->sin_port);
		const char *name = (flags & NI_NUMERICSERV) ? NULL
							    : dns_service_name(port, flags & NI_DGRAM);
		if (!name) {
			snprintf(buf, sizeof(buf), "%u", port);
			name = buf;
		}
		int rc = put(serv, servlen, name, strlen(name));
		if (rc)
			return rc;
	}
	return want_host ? host_part(st, (const struct sockaddr *)&ss, host, hostlen, flags) : 0;
}
