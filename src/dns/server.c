/* server.c - a small authoritative DNS server on a stack (RFC 1035 4, RFC 1034 4.3.2).
 *
 * PTR queries for in-addr.arpa names are answered from the zone's A records (every name
 * with that address), NXDOMAIN when no A record has it; ip6.arpa names (RFC 3596 2.5)
 * from the AAAA records the same way.
 * The zone is text: "name A a.b.c.d", "name AAAA 2001:db8::1" (RFC 3596), "name CNAME
 * target" and "name MX preference exchange" lines, '#' comments, an optional per-record TTL and class
 * ("name 60 IN A 10.0.0.1"). MX answers carry no additional records: a mailer asks
 * for the exchanger's address next (RFC 5321 5.1). Queries arrive on a UDP
 * handler pcb and are answered inside udp_input: no thread, so the server works on a
 * virtual clock as well as under a runner.
 *  - A (and ANY) queries follow CNAMEs within the zone (RFC 1034 4.3.2 step 3a);
 *  - a name that is not in the zone gets NXDOMAIN, with AA (RFC 1035 4.1.1), and the rcode
 *    speaks of the last name of a CNAME chain (RFC 6604);
 *  - other types of an existing name get NOERROR with no answer (NODATA): AAAA of a
 *    name with only A records, for one (RFC 4074 3: never NXDOMAIN there);
 *  - negative answers carry a synthesised SOA in the authority section whose TTL and
 *    MINIMUM are the zone TTL, so resolvers can cache them (RFC 2308 3);
 *  - a message that cannot be parsed gets FORMERR, other opcodes NOTIMP, responses are
 *    ignored; answers above 512 bytes are truncated with TC (RFC 1035 4.2.1), and the
 *    same zone answers over TCP in full (server_tcp.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ustack/netdb.h"
#include "core/ip_addr.h"
#include "core/stack.h"
#include "core/trace.h"
#include "net/udp.h"
#include "dns/resolver.h"
#include "dns/server.h"
#include "wire/dns.h"

#define ZONE_MAX_RECORDS 4096
#define DNS_UDP_MAX 512
#define DNS_TYPE_ANY 255

struct zone_rec {
	char name[DNS_MAX_NAME + 1];    /* lower case */
	uint16_t type;                  /* DNS_TYPE_A, DNS_TYPE_CNAME or DNS_TYPE_MX */
	uint16_t preference;            /* MX */
	uint32_t ttl;
	uint32_t a;                     /* host order */
	uint8_t aaaa[16];               /* AAAA, network order */
	char target[DNS_MAX_NAME + 1];
};


/* ---- the zone text ------------------------------------------------------------ */

static int zone_add(struct ustack_dns_server *srv, size_t *cap, const struct zone_rec *r)
{
	if (srv->n == *cap) {
		if (*cap >= ZONE_MAX_RECORDS)
			return -1;
		size_t ncap = *cap ? *cap * 2 : 16;
		struct zone_rec *n = realloc(srv->recs, ncap * sizeof(*n));
		if (!n)
			return -1;
		srv->recs = n;
		*cap = ncap;
	}
	srv->recs[srv->n++] = *r;
	return 0;
}

/* One line into r: 1 a record, 0 blank/comment, -1 malformed. */
static int zone_line(char *line, uint32_t ttl, struct zone_rec *r)
{
	char *tok[6], *save = NULL;
	int n = 0;

	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	for (char *t = strtok_r(line, " \t\r", &save); t && n < 6; t = strtok_r(NULL, " \t\r", &save))
		tok[n++] = t;
	if (n == 0)
		return 0;
	memset(r, 0, sizeof(*r));
	if (n < 3 || dns_name_norm(tok[0], r->name) != 0)
		return -1;
	int i = 1;
	r->ttl = ttl;
	if (tok[i][0] >= '0' && tok[i][0] <= '9' && i < n - 2) {
		char *end;
		unsigned long v = strtoul(tok[i], &end, 10);
		if (*end || v > 0x7fffffffUL)
			return -1;
		r->ttl = (uint32_t)v;
		i++;
	}
	if (strcasecmp(tok[i], "IN") == 0 && i < n - 2)
		i++;
	if (i == n - 3 && strcasecmp(tok[i], "MX") == 0) {
		char *end;
		unsigned long pref = strtoul(tok[i + 1], &end, 10);
		if (*end || end == tok[i + 1] || pref > 0xffff || dns_name_norm(tok[i + 2], r->target) != 0)
			return -1;
		r->type = DNS_TYPE_MX;
		r->preference = (uint16_t)pref;
		return 1;
	}
	if (i != n - 2)
		return -1;
	const char *type = tok[i], *val = tok[i + 1];
	if (strcasecmp(type, "A") == 0) {
		struct in_addr a;
		if (inet_pton(AF_INET, val, &a) != 1)
			return -1;
		r->type = DNS_TYPE_A;
		r->a = ntohl(a.s_addr);
	} else if (strcasecmp(type, "AAAA") == 0) {
		if (ip6_pton(val, r->aaaa) != 0)
			return -1;
		r->type = DNS_TYPE_AAAA;
	} else if (strcasecmp(type, "CNAME") == 0) {
		if (dns_name_norm(val, r->target) != 0)
			return -1;
		r->type = DNS_TYPE_CNAME;
	} else {
		return -1;
	}
	return 1;
}

static int zone_parse(struct ustack_dns_server *srv, const char *text)
{
	size_t cap = 0;
	char *copy = strdup(text ? text : "");

	if (!copy)
		return -1;
	char *save = NULL;
	int rc = 0;
	/* strtok_r would merge empty lines, which is what we want */
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct zone_rec r;
		int k = zone_line(line, srv->ttl, &r);
		if (k < 0 || (k > 0 && zone_add(srv, &cap, &r) != 0)) {
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

/* ---- answering ---------------------------------------------------------------- */

static bool name_exists(const struct ustack_dns_server *srv, const char *name)
{
	for (size_t i = 0; i < srv->n; i++)
		if (strcmp(srv->recs[i].name, name) == 0)
			return true;
	return false;
}

static const struct zone_rec *find_cname(const struct ustack_dns_server *srv, const char *name)
{
	for (size_t i = 0; i < srv->n; i++)
		if (srv->recs[i].type == DNS_TYPE_CNAME && strcmp(srv->recs[i].name, name) == 0)
			return &srv->recs[i];
	return NULL;
}

/* A header-only reply (FORMERR, NOTIMP, REFUSED). */
static size_t reply_error(const uint8_t *q, uint8_t *out, int rcode)
{
	uint16_t qflags = be16_get(q + 2);

	memset(out, 0, DNS_HDR_LEN);
	be16_put(out, be16_get(q));
	be16_put(out + 2, (uint16_t)(DNS_F_QR | (qflags & (0x7800 | DNS_F_RD)) | rcode));
	return DNS_HDR_LEN;
}

/* Appends an SOA for the negative answer into the authority section (RFC 2308 3). */
static size_t add_soa(uint8_t *buf, size_t len, size_t cap, const char *name, uint32_t ttl)
{
	char zone[DNS_MAX_NAME + 1], mname[DNS_MAX_NAME + 1], rname[DNS_MAX_NAME + 1];
	uint8_t w1[DNS_MAX_NAME + 2], w2[DNS_MAX_NAME + 2], w3[DNS_MAX_NAME + 2];

	/* the zone is taken to be the last two labels of the name */
	const char *z = name + strlen(name);
	int dots = 0;
	while (z > name && dots < 2) {
		z--;
		if (*z == '.' && ++dots == 2)
			z++;
	}
	snprintf(zone, sizeof(zone), "%s", z);
	if (snprintf(mname, sizeof(mname), "ns.%s", zone) >= (int)sizeof(mname) ||
	    snprintf(rname, sizeof(rname), "hostmaster.%s", zone) >= (int)sizeof(rname))
		return len;
	int n1 = dns_name_encode(zone, w1, sizeof(w1));
	int n2 = dns_name_encode(mname, w2, sizeof(w2));
	int n3 = dns_name_encode(rname, w3, sizeof(w3));
	if (n1 < 0 || n2 < 0 || n3 < 0)
		return len;
	size_t rdlen = (size_t)n2 + (size_t)n3 + 20;
	size_t need = (size_t)n1 + 10 + rdlen;
	if (need > cap - len)
		return len;                     /* no room: the answer goes without it */
	uint8_t *p = buf + len;
	memcpy(p, w1, (size_t)n1);
	p += n1;
	be16_put(p, DNS_TYPE_SOA);
	be16_put(p + 2, DNS_CLASS_IN);
	be32_put(p + 4, ttl);
	be16_put(p + 8, (uint16_t)rdlen);
	p += 10;
	memcpy(p, w2, (size_t)n2);
	p += n2;
	memcpy(p, w3, (size_t)n3);
	p += n3;
	be32_put(p, 1);                         /* serial */
	be32_put(p + 4, 3600);                  /* refresh */
	be32_put(p + 8, 600);                   /* retry */
	be32_put(p + 12, 86400);                /* expire */
	be32_put(p + 16, ttl);                  /* minimum: the negative TTL */
	be16_put(buf + 8, (uint16_t)(be16_get(buf + 8) + 1));
	return len + need;
}

/* A reverse name (RFC 1035 3.5): PTR records to every zone name with an A record of
 * that address; NXDOMAIN when there is none. Returns the rcode. */
static bool rec_has(const struct zone_rec *r, bool v6, uint32_t addr, const uint8_t *addr6)
{
	if (v6)
		return r->type == DNS_TYPE_AAAA && memcmp(r->aaaa, addr6, 16) == 0;
	return r->type == DNS_TYPE_A && r->a == addr;
}

/* The same for an ip6.arpa name (RFC 3596 2.5) from the AAAA records when v6. */
static int answer_reverse(const struct ustack_dns_server *srv, struct dns_builder *b,
			  const char *owner, bool v6, uint32_t addr, const uint8_t *addr6,
			  uint16_t qtype)
{
	bool found = false;

	for (size_t i = 0; i < srv->n; i++) {
		const struct zone_rec *r = &srv->recs[i];
		if (!rec_has(r, v6, addr, addr6))
			continue;
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = rec_has(&srv->recs[j], v6, addr, addr6) &&
			      strcmp(srv->recs[j].name, r->name) == 0;
		if (dup)
			continue;
		found = true;
		if (qtype == DNS_TYPE_PTR || qtype == DNS_TYPE_ANY)
			dns_builder_add_ptr(b, owner, r->ttl, r->name);
	}
	return found ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN;
}

size_t dns_server_answer(struct ustack_dns_server *srv, const uint8_t *q, size_t qlen,
			 uint8_t *out, size_t cap)
{
	struct dns_msg *m = &srv->msg;

	if (qlen < DNS_HDR_LEN)
		return 0;                       /* not even a header to answer */
	uint16_t qflags = be16_get(q + 2);
	if (qflags & DNS_F_QR)
		return 0;                       /* a response: never answer those */
	if (DNS_OPCODE(qflags) != 0)
		return reply_error(q, out, DNS_RCODE_NOTIMP);
	if (dns_parse(q, qlen, m) != WIRE_OK || m->qdcount != 1) {
		stack_drop(srv->st, USTACK_DROP_DNS_MALFORMED, -1, NULL, 0);
		return reply_error(q, out, DNS_RCODE_FORMERR);
	}
	if (m->qclass != DNS_CLASS_IN && m->qclass != DNS_TYPE_ANY)
		return reply_error(q, out, DNS_RCODE_REFUSED);

	char cur[DNS_MAX_NAME + 1];
	if (dns_name_norm(m->qname, cur) != 0)
		return reply_error(q, out, DNS_RCODE_FORMERR);

	struct dns_builder b;
	dns_builder_init(&b, out, cap, m->id, (uint16_t)(DNS_F_QR | DNS_F_AA | (qflags & DNS_F_RD)),
			 m->qname, m->qtype);
	const char *owner = m->qname;           /* the first record keeps the asker's case */
	int rcode = DNS_RCODE_NOERROR;
	uint32_t raddr;
	uint8_t raddr6[16];
	for (int hop = 0;; hop++) {
		if (!name_exists(srv, cur) && dns_ptr_addr(cur, &raddr) == 0) {
			rcode = answer_reverse(srv, &b, owner, false, raddr, NULL, m->qtype);
			break;
		}
		if (!name_exists(srv, cur) && dns_ptr6_addr(cur, raddr6) == 0) {
			rcode = answer_reverse(srv, &b, owner, true, 0, raddr6, m->qtype);
			break;
		}
		if (!name_exists(srv, cur)) {
			rcode = DNS_RCODE_NXDOMAIN;
			break;
		}
		const struct zone_rec *cn = find_cname(srv, cur);
		if (cn && m->qtype != DNS_TYPE_CNAME && hop < DNS_MAX_CHAIN) {
			dns_builder_add_cname(&b, owner, cn->ttl, cn->target);
			owner = cn->target;
			snprintf(cur, sizeof(cur), "%s", cn->target);
			continue;
		}
		for (size_t i = 0; i < srv->n; i++) {
			const struct zone_rec *r = &srv->recs[i];
			if (strcmp(r->name, cur) != 0)
				continue;
			if (r->type == DNS_TYPE_A &&
			    (m->qtype == DNS_TYPE_A || m->qtype == DNS_TYPE_ANY))
				dns_builder_add_a(&b, owner, r->ttl, r->a);
			else if (r->type == DNS_TYPE_AAAA &&
				 (m->qtype == DNS_TYPE_AAAA || m->qtype == DNS_TYPE_ANY))
				dns_builder_add_aaaa(&b, owner, r->ttl, r->aaaa);
			else if (r->type == DNS_TYPE_CNAME &&
				 (m->qtype == DNS_TYPE_CNAME || m->qtype == DNS_TYPE_ANY))
				dns_builder_add_cname(&b, owner, r->ttl, r->target);
			else if (r->type == DNS_TYPE_MX &&
				 (m->qtype == DNS_TYPE_MX || m->qtype == DNS_TYPE_ANY))
				dns_builder_add_mx(&b, owner, r->ttl, r->preference, r->target);
		}
		break;
	}
	bool empty = b.ancount == 0;
	int n = dns_builder_finish(&b);
	size_t len = n < 0 ? b.len : (size_t)n;    /* overflow: what fit, with TC set */
	out[3] = (uint8_t)((out[3] & 0xf0) | rcode);
	if (n >= 0 && (rcode == DNS_RCODE_NXDOMAIN || empty))
		len = add_soa(out, len, cap, cur, srv->ttl);
	return len;
}

static void on_query(struct ustack *st, struct udp_pcb *pcb, void *ctx,
		     const struct ip_addr *src, uint16_t sport, const struct ip_addr *dst,
		     const uint8_t *data, size_t len)
{
	struct ustack_dns_server *srv = ctx;
	uint8_t out[DNS_UDP_MAX];

	(void)dst;
	size_t n = dns_server_answer(srv, data, len, out, sizeof(out));
	if (n == 0)
		return;
	long rc = udp_sendto(st, pcb, out, n, src, sport);
	if (rc < 0) {
		char a[IP_ADDR_STRLEN];

		trace_info(st, "dns server: reply to %s port %u failed (%ld)", ip_addr_ntop(src, a),
			   sport, rc);
	}
}

/* ---- lifecycle ---------------------------------------------------------------- */

struct ustack_dns_server *ustack_dns_server_start(struct ustack *st, const char *zone_text,
						  uint16_t port, uint32_t ttl)
{
	if (!st || !zone_text) {
		errno = EINVAL;
		return NULL;
	}
	struct ustack_dns_server *srv = calloc(1, sizeof(*srv));
	if (!srv) {
		errno = ENOMEM;
		return NULL;
	}
	srv->st = st;
	srv->port = port ? port : DNS_PORT;
	srv->ttl = ttl > 0x7fffffffu ? 0x7fffffffu : ttl;
	if (zone_parse(srv, zone_text) != 0) {
		free(srv->recs);
		free(srv);
		errno = EINVAL;
		return NULL;
	}
	stack_lock(st);
	srv->pcb = udp_pcb_new_handler(st, on_query, srv);
	/* every address of both families: one pcb on :: that takes IPv4 too */
	if (srv->pcb)
		udp_set_family(srv->pcb, IP_AF_INET6, false);
	int rc = srv->pcb ? udp_bind(st, srv->pcb, NULL, srv->port) : -ENOMEM;
	if (rc < 0) {
		udp_pcb_free(st, srv->pcb);
		stack_unlock(st);
		free(srv->recs);
		free(srv);
		errno = -rc;
		return NULL;
	}
	if (dns_server_tcp_start(srv) != 0) {
		rc = errno ? -errno : -EADDRINUSE;
		udp_pcb_free(st, srv->pcb);
		stack_unlock(st);
		free(srv->recs);
		free(srv);
		errno = -rc;
		return NULL;
	}
	srv->next = st->dns->servers;
	st->dns->servers = srv;
	trace_info(st, "dns server: %zu records on port %u", srv->n, srv->port);
	stack_unlock(st);
	return srv;
}

void ustack_dns_server_stop(struct ustack_dns_server *srv)
{
	if (!srv)
		return;
	struct ustack *st = srv->st;
	stack_lock(st);
	struct ustack_dns_server **pp = &st->dns->servers;
	while (*pp && *pp != srv)
		pp = &(*pp)->next;
	if (*pp)
		*pp = srv->next;
	dns_server_tcp_stop(srv);
	udp_pcb_free(st, srv->pcb);
	stack_unlock(st);
	free(srv->recs);
	free(srv);
}

void dns_server_free_all(struct ustack *st)
{
	struct ustack_dns_server *srv = st->dns->servers;

	while (srv) {
		struct ustack_dns_server *n = srv->next;
		dns_server_tcp_stop(srv);
		if (st->udp)
			udp_pcb_free(st, srv->pcb);
		free(srv->recs);
		free(srv);
		srv = n;
	}
	st->dns->servers = NULL;
}
