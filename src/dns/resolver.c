/* resolver.c - the stub resolver (RFC 1035 7, RFC 1034 5.3.3, RFC 2308, RFC 5452).
 *
 * A lookup runs in the caller's thread over sockets of the stack it resolves on, so a
 * runner (or a simulation driver) must be driving that stack meanwhile:
 *  - the hosts table and the cache answer first (RFC 1035 7.4, RFC 2308 negative entries);
 *  - a query goes out from a fresh UDP socket on a random ephemeral port with a random
 *    transaction id (RFC 5452 4, 9.2); an answer counts only if its source address and
 *    port, id and question (name, type, class) all match (RFC 5452 9.1), anything else
 *    is dropped as DNS_MISMATCH and the wait goes on;
 *  - the servers are, in this order: the IPv4 ones configured (servers[]), the IPv6 ones
 *    (servers6[], where an IPv4-mapped address stands for an IPv4 server), then, when
 *    none is configured (or cfg.rdnss asks to append them), the ones router
 *    advertisements gave (RFC 8106) whose lifetime has not ended; each family is asked
 *    over a socket of its own (AF_INET, or AF_INET6 with IPV6_V6ONLY), a link-local
 *    server through its scope (interface index + 1);
 *  - the servers are tried in order, `attempts` rounds, the wait doubling every round
 *    (RFC 1035 7.2 "the retransmission interval should be based on prior statistics
 *    ... and exponential backoff"), all within total_timeout_ms (then EAI_AGAIN);
 *  - SERVFAIL / REFUSED / NOTIMP / FORMERR moves on to the next server (RFC 1035 7.3);
 *  - a truncated answer (TC) is asked again over TCP with the two-byte length prefix
 *    (RFC 1035 4.2.2, RFC 7766); if that fails the lookup fails (EAI_FAIL), never
 *    returning a truncated answer;
 *  - CNAME chains are followed inside one answer and by asking again for the end of a
 *    chain that has no A record (RFC 1034 5.3.3 step 4), at most DNS_MAX_CHAIN hops. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/time.h>

#include "ustack/socket.h"
#include "core/stack.h"
#include "core/trace.h"
#include "dns/resolver.h"
#include "net/addr6.h"
#include "wire/dns.h"

#define DNS_UDP_BUF 4096                /* more than the 512 bytes RFC 1035 4.2.1 allows */
#define DNS_TCP_MAX 65535
#define DNS_MAX_NS 12                   /* 3 IPv4 + 3 IPv6 configured + RDNSS */

/* One server to ask: its socket address in its own family. */
struct dns_ns {
	bool v6;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/* ---- state -------------------------------------------------------------------- */

static void config_defaults(struct ustack_resolver_config *c)
{
	if (!c->timeout_ms)
		c->timeout_ms = 1000;
	if (!c->attempts)
		c->attempts = 2;
	if (!c->total_timeout_ms)
		c->total_timeout_ms = 5000;
	if (!c->server_port)
		c->server_port = DNS_PORT;
}

int dns_init(struct ustack *st)
{
	struct dns_state *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	if (dns_cache_init(&d->cache, DNS_CACHE_MAX) != 0) {
		free(d);
		return -1;
	}
	config_defaults(&d->cfg);
	static const uint8_t loop6[16] = { [15] = 1 };
	dns_hosts_add(&d->hosts, "localhost", 0x7f000001u);
	dns_hosts_add6(&d->hosts, "localhost", loop6);
	st->dns = d;
	return 0;
}

void dns_free(struct ustack *st)
{
	struct dns_state *d = st->dns;

	if (!d)
		return;
	dns_server_free_all(st);
	dns_cache_free(&d->cache);
	dns_hosts_free(&d->hosts);
	free(d);
	st->dns = NULL;
}

int ustack_resolver_configure(struct ustack *st, const struct ustack_resolver_config *cfg)
{
	if (!st || !cfg || cfg->n_servers < 0 || cfg->n_servers > 3 ||
	    cfg->n_servers6 < 0 || cfg->n_servers6 > 3 || cfg->rdnss < USTACK_RDNSS_AUTO ||
	    cfg->rdnss > USTACK_RDNSS_OFF ||
	    cfg->timeout_ms > 3600000u || cfg->total_timeout_ms > 3600000u || cfg->attempts > 16) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < cfg->n_servers6; i++) {
		const struct sockaddr_in6 *s6 = &cfg->servers6[i];
		/* a link-local server needs its interface (as a socket would refuse it) */
		if (s6->sin6_family != AF_INET6 ||
		    (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr) && !s6->sin6_scope_id) ||
		    IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr) || IN6_IS_ADDR_MULTICAST(&s6->sin6_addr)) {
			errno = EINVAL;
			return -1;
		}
	}
	stack_lock(st);
	st->dns->cfg = *cfg;
	config_defaults(&st->dns->cfg);
	dns_cache_clear(&st->dns->cache);       /* answers of other servers */
	stack_unlock(st);
	return 0;
}

int dns_name_norm(const char *name, char out[DNS_MAX_NAME + 1])
{
	size_t n = name ? strlen(name) : 0;

	if (n && name[n - 1] == '.')
		n--;                            /* "example.test." is the same name */
	if (n == 0 || n > 253)
		return -1;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (c == '.') {
			if (label == 0)
				return -1;          /* empty label */
			label = 0;
		} else if (++label > 63) {
			return -1;
		}
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	return 0;
}

int ustack_hosts_add(struct ustack *st, const char *name, struct in_addr addr)
{
	char norm[DNS_MAX_NAME + 1];

	if (!st || dns_name_norm(name, norm) != 0) {
		errno = EINVAL;
		return -1;
	}
	stack_lock(st);
	int rc = dns_hosts_add(&st->dns->hosts, norm, ntohl(addr.s_addr));
	int e = errno;
	stack_unlock(st);
	errno = e;
	return rc;
}

int ustack_hosts_add6(struct ustack *st, const char *name, const struct in6_addr *addr)
{
	char norm[DNS_MAX_NAME + 1];

	if (!st || !addr || dns_name_norm(name, norm) != 0) {
		errno = EINVAL;
		return -1;
	}
	stack_lock(st);
	int rc = dns_hosts_add6(&st->dns->hosts, norm, addr->s6_addr);
	int e = errno;
	stack_unlock(st);
	errno = e;
	return rc;
}

int ustack_hosts_load(struct ustack *st, const char *text)
{
	int total = 0, rc = 0;

	if (!st || !text) {
		errno = EINVAL;
		return -1;
	}
	stack_lock(st);
	for (const char *line = text; *line && rc >= 0;) {
		rc = dns_hosts_line(&st->dns->hosts, line);
		if (rc > 0)
			total += rc;
		const char *nl = strchr(line, '\n');
		line = nl ? nl + 1 : line + strlen(line);
	}
	int e = errno;
	stack_unlock(st);
	errno = e;
	return rc < 0 ? -1 : total;
}

/* ---- small helpers ------------------------------------------------------------ */

static uint64_t now_of(struct ustack *st)
{
	stack_lock(st);
	uint64_t t = st->now;
	stack_unlock(st);
	return t;
}

static void drop(struct ustack *st, enum ustack_drop why)
{
	stack_lock(st);
	stack_drop(st, why, -1, NULL, 0);
	stack_unlock(st);
}

/* SO_RCVTIMEO and SO_SNDTIMEO to what is left until end; false if nothing is left. */
static bool set_timeouts(struct ustack *st, int fd, uint64_t end, bool snd)
{
	uint64_t now = now_of(st);

	if (now >= end)
		return false;
	uint64_t left = end - now;
	struct timeval tv = { .tv_sec = (time_t)(left / 1000000u),
			      .tv_usec = (suseconds_t)(left % 1000000u) };
	ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (snd)
		ustack_setsockopt(st, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return true;
}

/* Does the message's question equal ours (RFC 5452 9.1)? Checks only the header and
 * the question, so it works on a truncated message too. */
static bool same_question(const uint8_t *buf, size_t len, uint16_t id, const char *name,
			  uint16_t qtype)
{
	char qname[DNS_MAX_NAME + 1];
	size_t next;

	if (len < DNS_HDR_LEN || be16_get(buf) != id || !(be16_get(buf + 2) & DNS_F_QR) ||
	    be16_get(buf + 4) != 1)
		return false;
	if (dns_name_decode(buf, len, DNS_HDR_LEN, qname, &next) != WIRE_OK || len - next < 4)
		return false;
	return strcasecmp(qname, name) == 0 && be16_get(buf + next) == qtype &&
	       be16_get(buf + next + 2) == DNS_CLASS_IN;
}

/* ---- the servers ---------------------------------------------------------------- */

static const struct sockaddr *ns_sa(const struct dns_ns *n, socklen_t *len)
{
	if (n->v6) {
		*len = sizeof(n->sin6);
		return (const struct sockaddr *)&n->sin6;
	}
	*len = sizeof(n->sin);
	return (const struct sockaddr *)&n->sin;
}

/* "10.0.0.53:53", "[2001:db8::53]:53", "[fe80::1%2]:53" for traces. */
static const char *ns_str(const struct dns_ns *n, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	if (!n->v6) {
		inet_ntop(AF_INET, &n->sin.sin_addr, a, sizeof(a));
		snprintf(buf, cap, "%s:%u", a, ntohs(n->sin.sin_port));
	} else if (n->sin6.sin6_scope_id) {
		inet_ntop(AF_INET6, &n->sin6.sin6_addr, a, sizeof(a));
		snprintf(buf, cap, "[%s%%%u]:%u", a, (unsigned)n->sin6.sin6_scope_id,
			 ntohs(n->sin6.sin6_port));
	} else {
		inet_ntop(AF_INET6, &n->sin6.sin6_addr, a, sizeof(a));
		snprintf(buf, cap, "[%s]:%u", a, ntohs(n->sin6.sin6_port));
	}
	return buf;
}

static bool ns_same(const struct dns_ns *a, const struct dns_ns *b)
{
	if (a->v6 != b->v6)
		return false;
	if (!a->v6)
		return a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr &&
		       a->sin.sin_port == b->sin.sin_port;
	return !memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, 16) &&
	       a->sin6.sin6_port == b->sin6.sin6_port &&
	       a->sin6.sin6_scope_id == b->sin6.sin6_scope_id;
}

static int ns_add(struct dns_ns *list, int n, const struct dns_ns *x)
{
	for (int i = 0; i < n; i++)
		if (ns_same(&list[i], x))
			return n;               /* asked once per round is enough */
	if (n < DNS_MAX_NS)
		list[n++] = *x;
	return n;
}

/* The servers to ask, in order (see the top of the file); st->lock held. */
static int ns_list(struct ustack *st, const struct ustack_resolver_config *cfg,
		   struct dns_ns *list)
{
	uint16_t port = htons(cfg->server_port);
	struct dns_ns x;
	int n = 0;

	for (int i = 0; i < cfg->n_servers; i++) {
		memset(&x, 0, sizeof(x));
		x.sin.sin_family = AF_INET;
		x.sin.sin_port = port;
		x.sin.sin_addr = cfg->servers[i];
		n = ns_add(list, n, &x);
	}
	for (int i = 0; i < cfg->n_servers6; i++) {
		const struct sockaddr_in6 *s6 = &cfg->servers6[i];
		memset(&x, 0, sizeof(x));
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			x.sin.sin_family = AF_INET;
			x.sin.sin_port = s6->sin6_port ? s6->sin6_port : port;
			memcpy(&x.sin.sin_addr.s_addr, s6->sin6_addr.s6_addr + 12, 4);
		} else {
			x.v6 = true;
			x.sin6.sin6_family = AF_INET6;
			x.sin6.sin6_port = s6->sin6_port ? s6->sin6_port : port;
			x.sin6.sin6_addr = s6->sin6_addr;
			x.sin6.sin6_scope_id = s6->sin6_scope_id;
		}
		n = ns_add(list, n, &x);
	}
	if (!st->addr6 || cfg->rdnss == USTACK_RDNSS_OFF ||
	    (cfg->rdnss == USTACK_RDNSS_AUTO && n > 0))
		return n;
	uint8_t ra[ADDR6_MAX_RDNSS * 2][16];
	int ifx[ADDR6_MAX_RDNSS * 2];
	size_t k = addr6_rdnss(st, ra, ifx, ADDR6_MAX_RDNSS * 2);    /* the live ones */
	for (size_t i = 0; i < k; i++) {
		memset(&x, 0, sizeof(x));
		x.v6 = true;
		x.sin6.sin6_family = AF_INET6;
		x.sin6.sin6_port = port;
		memcpy(x.sin6.sin6_addr.s6_addr, ra[i], 16);
		/* RFC 8106 5.1: a link-local server is reached on the link the RA came by */
		if (IN6_IS_ADDR_LINKLOCAL(&x.sin6.sin6_addr))
			x.sin6.sin6_scope_id = (uint32_t)ifx[i] + 1;
		n = ns_add(list, n, &x);
	}
	return n;
}

/* Did this datagram come from server `to`? A scope is compared when both have one. */
static bool from_server(const struct sockaddr_storage *from, const struct dns_ns *to)
{
	if (!to->v6) {
		const struct sockaddr_in *f = (const struct sockaddr_in *)from;
		return f->sin_family == AF_INET && f->sin_addr.s_addr == to->sin.sin_addr.s_addr &&
		       f->sin_port == to->sin.sin_port;
	}
	const struct sockaddr_in6 *f6 = (const struct sockaddr_in6 *)from;
	return f6->sin6_family == AF_INET6 &&
	       !memcmp(&f6->sin6_addr, &to->sin6.sin6_addr, 16) &&
	       f6->sin6_port == to->sin6.sin6_port &&
	       (!f6->sin6_scope_id || !to->sin6.sin6_scope_id ||
		f6->sin6_scope_id == to->sin6.sin6_scope_id);
}

/* A UDP socket of the server's family on an ephemeral port (RFC 5452 9.2), or -1. */
static int open_udp(struct ustack *st, bool v6)
{
	int fd = ustack_socket(st, v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in any = { .sin_family = AF_INET };
	struct sockaddr_in6 any6 = { .sin6_family = AF_INET6 };
	int one = 1;

	if (fd < 0)
		return -1;
	if ((v6 && ustack_setsockopt(st, fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    ustack_bind(st, fd, v6 ? (const struct sockaddr *)&any6 : (const struct sockaddr *)&any,
			v6 ? sizeof(any6) : sizeof(any)) != 0) {
		ustack_close(st, fd);
		return -1;                      /* no ephemeral port left */
	}
	return fd;
}

/* ---- TCP (RFC 1035 4.2.2, RFC 7766) ------------------------------------------- */

static bool recv_all(struct ustack *st, int fd, uint8_t *buf, size_t len, uint64_t end)
{
	size_t got = 0;

	while (got < len) {
		if (!set_timeouts(st, fd, end, false))
			return false;
		ssize_t n = ustack_recv(st, fd, buf + got, len - got, MSG_WAITALL);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

/* Ask again over TCP; 0 with m filled, or -1. */
static int query_tcp(struct ustack *st, const struct dns_ns *to, const uint8_t *q,
		     size_t qlen, uint16_t id, const char *name, uint16_t qtype, uint64_t end,
		     struct dns_msg *m)
{
	int rc = -1;
	uint8_t *ans = NULL;
	int fd = ustack_socket(st, to->v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	char sb[INET6_ADDRSTRLEN + 24];
	socklen_t tolen;
	const struct sockaddr *sa = ns_sa(to, &tolen);

	if (fd < 0)
		return -1;
	stack_lock(st);
	trace_info(st, "dns: truncated answer, asking %s over TCP to %s", name,
		   ns_str(to, sb, sizeof(sb)));
	stack_unlock(st);
	if (!set_timeouts(st, fd, end, true) || ustack_connect(st, fd, sa, tolen) != 0)
		goto out;
	uint8_t out[2 + 512];
	be16_put(out, (uint16_t)qlen);
	memcpy(out + 2, q, qlen);
	if (!set_timeouts(st, fd, end, true) ||
	    ustack_send(st, fd, out, qlen + 2, MSG_NOSIGNAL) != (ssize_t)(qlen + 2))
		goto out;
	uint8_t lenb[2];
	if (!recv_all(st, fd, lenb, 2, end))
		goto out;
	size_t alen = be16_get(lenb);
	ans = malloc(alen ? alen : 1);
	if (!ans || !recv_all(st, fd, ans, alen, end))
		goto out;
	if (!same_question(ans, alen, id, name, qtype)) {
		drop(st, USTACK_DROP_DNS_MISMATCH);
		goto out;
	}
	if (dns_parse(ans, alen, m) != WIRE_OK || (m->flags & DNS_F_TC)) {
		drop(st, USTACK_DROP_DNS_MALFORMED);
		goto out;
	}
	rc = 0;
out:
	free(ans);
	ustack_close(st, fd);
	return rc;
}

/* ---- UDP ---------------------------------------------------------------------- */

enum await_result { AWAIT_TIMEOUT, AWAIT_ANSWER, AWAIT_TRUNCATED };

/* Wait on fd until wait_end for the answer from `to` to (id, name, qtype). */
static enum await_result await_answer(struct ustack *st, int fd, const struct dns_ns *to,
				      uint16_t id, const char *name, uint16_t qtype,
				      uint64_t wait_end, struct dns_msg *m)
{
	uint8_t buf[DNS_UDP_BUF];

	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);

		memset(&from, 0, sizeof(from));

		if (!set_timeouts(st, fd, wait_end, false))
			return AWAIT_TIMEOUT;
		ssize_t n = ustack_recvfrom(st, fd, buf, sizeof(buf), MSG_TRUNC,
					    (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED)
				continue;           /* the loop top sees whether time is left */
			return AWAIT_TIMEOUT;
		}
		if (!from_server(&from, to) ||
		    !same_question(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf), id,
				   name, qtype)) {
			drop(st, USTACK_DROP_DNS_MISMATCH);
			stack_lock(st);
			trace_info(st, "dns: ignored an answer for %s that does not match the query",
				   name);
			stack_unlock(st);
			continue;
		}
		if (be16_get(buf + 2) & DNS_F_TC)
			return AWAIT_TRUNCATED;
		if ((size_t)n > sizeof(buf) || dns_parse(buf, (size_t)n, m) != WIRE_OK) {
			drop(st, USTACK_DROP_DNS_MALFORMED);
			continue;
		}
		return AWAIT_ANSWER;
	}
}

/* Ask the servers (ns_list) for (name, qtype). Returns 0 with m holding a NOERROR or
 * NXDOMAIN answer, or EAI_AGAIN (no answer in time, or no server at all) / EAI_FAIL
 * (servers failed, TCP retry failed) / EAI_SYSTEM. */
int dns_query(struct ustack *st, const char *name, uint16_t qtype, struct dns_msg *m,
	      struct ustack_dns_result *out)
{
	struct ustack_resolver_config cfg;
	struct dns_ns ns[DNS_MAX_NS];
	uint8_t q[512];

	stack_lock(st);
	cfg = st->dns->cfg;
	int n_ns = ns_list(st, &cfg, ns);
	uint16_t id = (uint16_t)stack_rand32(st);
	uint64_t start = st->now;
	if (n_ns == 0)
		trace_info(st, "dns: no server to ask for %s (none configured, none from RAs)", name);
	stack_unlock(st);
	if (n_ns == 0)
		return EAI_AGAIN;
	int qlen = dns_build_query(q, sizeof(q), id, name, qtype, true);
	if (qlen < 0)
		return EAI_FAIL;

	uint64_t end = start + (uint64_t)cfg.total_timeout_ms * 1000u;
	bool failed[DNS_MAX_NS] = { false }, any_fail = false;
	int fds[2] = { -1, -1 };                /* [0] AF_INET, [1] AF_INET6, opened when needed */
	int result = EAI_AGAIN;
	for (unsigned a = 0; a < cfg.attempts; a++) {
		for (int s = 0; s < n_ns; s++) {
			if (failed[s])
				continue;
			uint64_t now = now_of(st);
			if (now >= end)
				goto out;
			uint64_t wait = (uint64_t)cfg.timeout_ms * 1000u << (a < 16 ? a : 16);
			uint64_t wait_end = now + wait < end ? now + wait : end;
			const struct dns_ns *to = &ns[s];
			int *fd = &fds[to->v6];
			if (*fd < 0 && (*fd = open_udp(st, to->v6)) < 0) {
				result = EAI_SYSTEM;
				goto out;
			}
			socklen_t tolen;
			const struct sockaddr *sa = ns_sa(to, &tolen);
			if (ustack_sendto(st, *fd, q, (size_t)qlen, 0, sa, tolen) < 0) {
				failed[s] = true;   /* no route to this server, no such scope */
				continue;
			}
			char sb[INET6_ADDRSTRLEN + 24];
			stack_lock(st);
			ST_COUNT(st, dns_queries);
			trace_info(st, "dns: query id 0x%04x %s? %s to %s (try %u)", id,
				   qtype == DNS_TYPE_PTR ? "PTR" : qtype == DNS_TYPE_AAAA ? "AAAA" : "A",
				   name, ns_str(to, sb, sizeof(sb)), a + 1);
			stack_unlock(st);
			enum await_result r = await_answer(st, *fd, to, id, name, qtype, wait_end, m);
			if (r == AWAIT_TIMEOUT)
				continue;
			if (r == AWAIT_TRUNCATED) {
				if (query_tcp(st, to, q, (size_t)qlen, id, name, qtype, end, m) != 0) {
					result = EAI_FAIL;
					goto out;
				}
				out->via_tcp = true;
			}
			stack_lock(st);
			ST_COUNT(st, dns_answers);
			stack_unlock(st);
			int rcode = DNS_RCODE(m->flags);
			out->rcode = rcode;
			out->id = id;
			if (rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_NXDOMAIN) {
				memset(&out->server, 0, sizeof(out->server));
				out->server.sin6_family = AF_INET6;
				if (to->v6) {
					out->server = to->sin6;
				} else {
					out->server.sin6_port = to->sin.sin_port;
					out->server.sin6_addr.s6_addr[10] = 0xff;
					out->server.sin6_addr.s6_addr[11] = 0xff;
					memcpy(out->server.sin6_addr.s6_addr + 12, &to->sin.sin_addr, 4);
				}
				result = 0;
				goto out;
			}
			failed[s] = true;           /* SERVFAIL, REFUSED, ...: the next server */
			any_fail = true;
		}
	}
	result = any_fail ? EAI_FAIL : EAI_AGAIN;
out:
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			ustack_close(st, fds[i]);
	return result;
}

/* ---- answers into the cache --------------------------------------------------- */

void dns_cache_store(struct ustack *st, const char *name, enum dns_cache_kind kind,
		     const uint32_t *addrs, int n, const char *target, uint32_t ttl)
{
	struct dns_cache_entry e;

	memset(&e, 0, sizeof(e));
	if (dns_name_norm(name, e.name) != 0)
		return;
	e.kind = kind;
	for (int i = 0; i < n && i < DNS_CACHE_ADDRS; i++)
		e.addrs[e.n_addrs++] = addrs[i];
	if (target && dns_name_norm(target, e.target) != 0)
		return;
	stack_lock(st);
	dns_cache_put(&st->dns->cache, &e, ttl, st->now);
	stack_unlock(st);
}

void dns_cache_store6(struct ustack *st, const char *name, const uint8_t (*addrs)[16], int n,
		      uint32_t ttl)
{
	struct dns_cache_entry e;

	memset(&e, 0, sizeof(e));
	if (dns_name_norm(name, e.name) != 0)
		return;
	e.kind = DNS_CACHE_AAAA;
	for (int i = 0; i < n && i < DNS_CACHE_ADDRS; i++)
		memcpy(e.addrs6[e.n_addrs++], addrs[i], 16);
	stack_lock(st);
	dns_cache_put(&st->dns->cache, &e, ttl, st->now);
	stack_unlock(st);
}

/* RFC 2308 5: a negative answer is cached for min(SOA TTL, SOA MINIMUM); without an SOA
 * in the authority section it is not cached. */
void dns_cache_negative(struct ustack *st, const struct dns_msg *m, const char *name,
			enum dns_cache_kind kind)
{
	for (size_t i = 0; i < m->n_ns; i++) {
		const struct dns_rr *rr = &m->ns[i];
		if (rr->type == DNS_TYPE_SOA && rr->rclass == DNS_CLASS_IN) {
			uint32_t ttl = rr->ttl < rr->soa_minimum ? rr->ttl : rr->soa_minimum;
			dns_cache_store(st, name, kind, NULL, 0, NULL, ttl);
			return;
		}
	}
}

static bool push_alias(struct ustack_dns_result *out, const char *name)
{
	if (out->n_cnames >= DNS_MAX_CHAIN)
		return false;
	snprintf(out->cnames[out->n_cnames++], sizeof(out->cnames[0]), "%s", name);
	return true;
}

/* Follow the answer from qname through its CNAMEs to A records (RFC 1034 3.6.2, 5.3.3);
 * everything used goes into the cache. *end is where the chain stopped. Returns false
 * when the chain is too long. */
static bool take_answer(struct ustack *st, const struct dns_msg *m, const char *qname,
			uint16_t qtype, char end[DNS_MAX_NAME + 1], struct ustack_dns_result *out)
{
	char cur[DNS_MAX_NAME + 1];

	snprintf(cur, sizeof(cur), "%s", qname);
	for (;;) {
		uint32_t addrs[16], ttl = UINT32_MAX;
		uint8_t addrs6[16][16];
		int n = 0;
		for (size_t i = 0; i < m->n_an; i++) {
			const struct dns_rr *rr = &m->an[i];
			if (rr->type != qtype || rr->rclass != DNS_CLASS_IN ||
			    strcasecmp(rr->name, cur) != 0)
				continue;
			if (n < 16 && qtype == DNS_TYPE_AAAA)
				memcpy(addrs6[n++], rr->aaaa, 16);
			else if (n < 16)
				addrs[n++] = rr->a;
			if (rr->ttl < ttl)
				ttl = rr->ttl;
		}
		if (n && qtype == DNS_TYPE_AAAA) {
			for (int i = 0; i < n; i++)
				memcpy(out->addrs6[i].s6_addr, addrs6[i], 16);
			out->n_addrs6 = n;
			out->ttl = ttl;
			dns_cache_store6(st, cur, (const uint8_t (*)[16])addrs6, n, ttl);
			break;
		}
		if (n) {
			for (int i = 0; i < n; i++)
				out->addrs[i].s_addr = htonl(addrs[i]);
			out->n_addrs = n;
			out->ttl = ttl;
			dns_cache_store(st, cur, DNS_CACHE_A, addrs, n, NULL, ttl);
			break;
		}
		const struct dns_rr *cn = NULL;
		for (size_t i = 0; i < m->n_an && !cn; i++)
			if (m->an[i].type == DNS_TYPE_CNAME && m->an[i].rclass == DNS_CLASS_IN &&
			    strcasecmp(m->an[i].name, cur) == 0)
				cn = &m->an[i];
		if (!cn)
			break;
		if (!push_alias(out, cur))
			return false;
		dns_cache_store(st, cur, DNS_CACHE_CNAME, NULL, 0, cn->target, cn->ttl);
		if (dns_name_norm(cn->target, cur) != 0)
			return false;
	}
	snprintf(end, DNS_MAX_NAME + 1, "%s", cur);
	return true;
}

/* ---- the lookup --------------------------------------------------------------- */

/* From the cache: 1 answered (*rc set), 0 not there, 2 followed a CNAME (cur changed). */
static int from_cache(struct ustack *st, char cur[DNS_MAX_NAME + 1], bool v6,
		      struct ustack_dns_result *out, int *rc)
{
	int r = 0;

	stack_lock(st);
	const struct dns_cache_entry *e = v6 ? dns_cache_get6(&st->dns->cache, cur, st->now)
					     : dns_cache_get(&st->dns->cache, cur, st->now);
	if (e && e->kind != DNS_CACHE_PTR) {    /* a PTR says nothing of A records */
		ST_COUNT(st, dns_cache_hits);
		switch (e->kind) {
		case DNS_CACHE_PTR:
			break;
		case DNS_CACHE_AAAA:
			for (int i = 0; i < e->n_addrs; i++)
				memcpy(out->addrs6[i].s6_addr, e->addrs6[i], 16);
			out->n_addrs6 = e->n_addrs;
			out->ttl = dns_cache_ttl_left(e, st->now);
			out->rcode = DNS_RCODE_NOERROR;
			*rc = 0;
			r = 1;
			break;
		case DNS_CACHE_A:
			for (int i = 0; i < e->n_addrs; i++)
				out->addrs[i].s_addr = htonl(e->addrs[i]);
			out->n_addrs = e->n_addrs;
			out->ttl = dns_cache_ttl_left(e, st->now);
			out->rcode = DNS_RCODE_NOERROR;
			*rc = 0;
			r = 1;
			break;
		case DNS_CACHE_NXDOMAIN:
		case DNS_CACHE_NODATA:
		case DNS_CACHE_NODATA6:
			out->rcode = e->kind == DNS_CACHE_NXDOMAIN ? DNS_RCODE_NXDOMAIN :
				     DNS_RCODE_NOERROR;
			out->ttl = dns_cache_ttl_left(e, st->now);
			*rc = EAI_NONAME;
			r = 1;
			break;
		case DNS_CACHE_CNAME:
			if (!push_alias(out, cur)) {
				*rc = EAI_FAIL;
				r = 1;
			} else {
				snprintf(cur, DNS_MAX_NAME + 1, "%s", e->target);
				r = 2;
			}
			break;
		}
	}
	stack_unlock(st);
	return r;
}

/* A literal address of the family asked for, or the hosts table: true if answered. */
static bool from_hosts(struct ustack *st, const char *name, const char *cur, bool v6,
		       struct ustack_dns_result *out)
{
	if (v6 && inet_pton(AF_INET6, name, &out->addrs6[0]) == 1) {
		out->n_addrs6 = 1;
	} else if (!v6 && inet_pton(AF_INET, cur, &out->addrs[0]) == 1) {
		out->n_addrs = 1;
	} else {
		uint32_t ha[16];
		uint8_t ha6[16][16];
		stack_lock(st);
		int nh = v6 ? dns_hosts_lookup6(&st->dns->hosts, cur, ha6, 16)
			    : dns_hosts_lookup(&st->dns->hosts, cur, ha, 16);
		stack_unlock(st);
		if (nh <= 0)
			return false;
		for (int i = 0; i < nh; i++) {
			if (v6)
				memcpy(out->addrs6[i].s6_addr, ha6[i], 16);
			else
				out->addrs[i].s_addr = htonl(ha[i]);
		}
		if (v6)
			out->n_addrs6 = nh;
		else
			out->n_addrs = nh;
		out->from_cache = true;
	}
	out->rcode = DNS_RCODE_NOERROR;
	snprintf(out->canonical, sizeof(out->canonical), "%s", cur);
	return true;
}

bool dns_hosts_known(struct ustack *st, const char *name, bool *v4, bool *v6)
{
	char cur[DNS_MAX_NAME + 1];
	uint32_t a;
	uint8_t a6[1][16];

	*v4 = *v6 = false;
	if (dns_name_norm(name, cur) != 0)
		return false;
	stack_lock(st);
	*v4 = dns_hosts_lookup(&st->dns->hosts, cur, &a, 1) > 0;
	*v6 = dns_hosts_lookup6(&st->dns->hosts, cur, a6, 1) > 0;
	stack_unlock(st);
	return *v4 || *v6;
}

int dns_lookup(struct ustack *st, const char *name, struct ustack_dns_result *out)
{
	return dns_lookup_type(st, name, DNS_TYPE_A, out);
}

int dns_lookup_type(struct ustack *st, const char *name, uint16_t qtype,
		    struct ustack_dns_result *out)
{
	char cur[DNS_MAX_NAME + 1];
	struct dns_msg *m = NULL;
	bool net = false, v6 = qtype == DNS_TYPE_AAAA;
	int rc;

	memset(out, 0, sizeof(*out));
	out->rcode = -1;
	if (v6 && name && strchr(name, ':')) {
		/* an IPv6 literal is no domain name (its text may be longer than a label) */
		struct in6_addr a6;
		if (inet_pton(AF_INET6, name, &a6) != 1)
			return EAI_NONAME;
		out->addrs6[0] = a6;
		out->n_addrs6 = 1;
		out->rcode = DNS_RCODE_NOERROR;
		snprintf(out->canonical, sizeof(out->canonical), "%s", name);
		return 0;
	}
	if (dns_name_norm(name, cur) != 0)
		return EAI_NONAME;
	if (from_hosts(st, name, cur, v6, out)) {
		return 0;
	}

	for (;;) {
		int c = from_cache(st, cur, v6, out, &rc);
		if (c == 2)
			continue;
		if (c == 1)
			break;
		if (!m && !(m = malloc(sizeof(*m)))) {
			rc = EAI_MEMORY;
			break;
		}
		rc = dns_query(st, cur, qtype, m, out);
		if (rc)
			break;
		net = true;
		char end[DNS_MAX_NAME + 1];
		if (!take_answer(st, m, cur, qtype, end, out)) {
			rc = EAI_FAIL;
			break;
		}
		if (out->n_addrs || out->n_addrs6) {
			snprintf(cur, sizeof(cur), "%s", end);
			rc = 0;
			break;
		}
		if (DNS_RCODE(m->flags) == DNS_RCODE_NXDOMAIN) {
			/* RFC 6604: the rcode speaks of the last name of the chain */
			dns_cache_negative(st, m, end, DNS_CACHE_NXDOMAIN);
			snprintf(cur, sizeof(cur), "%s", end);
			rc = EAI_NONAME;
			break;
		}
		if (strcmp(end, cur) != 0) {
			snprintf(cur, sizeof(cur), "%s", end);  /* ask for the chain's end */
			continue;
		}
		/* RFC 2308 2.2 NODATA, for this type only */
		dns_cache_negative(st, m, cur, v6 ? DNS_CACHE_NODATA6 : DNS_CACHE_NODATA);
		rc = EAI_NONAME;
		break;
	}
	free(m);
	snprintf(out->canonical, sizeof(out->canonical), "%s", cur);
	out->from_cache = !net && (rc == 0 || rc == EAI_NONAME);
	return rc;
}
