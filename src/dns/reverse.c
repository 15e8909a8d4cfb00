/* reverse.c - addresses to names: the reverse lookup (RFC 1035 3.5, PTR records under
 * in-addr.arpa) and getnameinfo() over it (POSIX.1-2017 getnameinfo(), RFC 3493 6.2).
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

int dns_reverse(struct ustack *st, uint32_t addr, struct ustack_dns_result *out)
{
	char cur[DNS_MAX_NAME + 1];
	struct dns_msg *m = NULL;
	bool net = false;
	int rc = EAI_FAIL;

	memset(out, 0, sizeof(*out));
	out->rcode = -1;
	dns_ptr_name(addr, cur, sizeof(cur));
	stack_lock(st);
	const char *h = dns_hosts_name(&st->dns->hosts, addr);
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

static int host_part(struct ustack *st, struct in_addr a, char *host, socklen_t hostlen, int flags)
{
	char num[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, num, sizeof(num));
	if (flags & NI_NUMERICHOST)
		return put(host, hostlen, num, strlen(num));    /* no query (glibc: NAMEREQD unseen) */
	struct ustack_dns_result *r = malloc(sizeof(*r));
	if (!r)
		return EAI_MEMORY;
	int rc = dns_reverse(st, ntohl(a.s_addr), r);
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
	if (!sa || salen < (socklen_t)sizeof(struct sockaddr_in) || sa->sa_family != AF_INET)
		return EAI_FAMILY;
	bool want_host = host && hostlen, want_serv = serv && servlen;
	if (!want_host && !want_serv)
		return EAI_NONAME;
	struct sockaddr_in sin;
	memcpy(&sin, sa, sizeof(sin));

	if (want_serv) {
		char buf[8];
		uint16_t port = ntohs(sin.sin_port);
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
	return want_host ? host_part(st, sin.sin_addr, host, hostlen, flags) : 0;
}
