/* sim_dns_resolver.c - the resolver against the in-stack DNS server and against a
 * scripted server, on the virtual clock (RFC 1035, RFC 2308, RFC 5452): A records,
 * CNAME chains, NXDOMAIN, positive and negative caching with TTL expiry, timeouts with
 * backoff (EAI_AGAIN), spoofed answers ignored (DNS_MISMATCH), SERVFAIL moving on to the
 * next server, re-query at the end of a CNAME chain, and a truncated answer retried over
 * TCP (or EAI_FAIL when that fails).
 *
 * The lookups block in the test's thread while lib_sockdrv steps the network. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib_simnet.h"
#include "lib_sockdrv.h"
#include "ustack/socket.h"
#include "ustack/netdb.h"
#include "core/stack.h"
#include "net/udp.h"
#include "wire/dns.h"

#define ZONE_TTL 60

static const char zone[] =
	"# test zone\n"
	"www.example.test    A 10.0.0.80\n"
	"www.example.test    A 10.0.0.81\n"
	"alias.example.test  CNAME www.example.test\n"
	"a1.example.test     CNAME a2.example.test\n"
	"a2.example.test     CNAME A3.Example.Test.\n"
	"a3.example.test     A 10.0.0.90\n"
	"\n"
	"mail.example.test   30 IN A 10.0.0.25   # own TTL\n"
	"loop1.example.test  CNAME loop2.example.test\n"
	"loop2.example.test  CNAME loop1.example.test\n";

/* A scripted server on the fake stack: how it answers. */
enum fake_mode { FAKE_SPOOF, FAKE_TC, FAKE_SERVFAIL, FAKE_REQUERY, FAKE_MALFORMED };

struct fake {
	enum fake_mode mode;
	struct ustack *st;
	struct udp_pcb *pcb, *alt;      /* port 53 and port 5353 */
	int queries;
};

struct env {
	struct simnet *sn;
	struct ustack *cli, *srv, *fake, *spoof;
	struct ustack_dns_server *dns;
	struct sockdrv *drv;
	struct fake fk;
	bool tcp_ok;
};

static struct env E;

static void configure(struct ustack *st, const char *s1, const char *s2, unsigned timeout_ms,
		      unsigned attempts, unsigned total_ms)
{
	struct ustack_resolver_config c;

	memset(&c, 0, sizeof(c));
	c.servers[0].s_addr = simnet_addr(s1);
	c.n_servers = 1;
	if (s2) {
		c.servers[1].s_addr = simnet_addr(s2);
		c.n_servers = 2;
	}
	c.timeout_ms = timeout_ms;
	c.attempts = attempts;
	c.total_timeout_ms = total_ms;
	assert_int_equal(ustack_resolver_configure(st, &c), 0);
}

static struct ustack_stats stats(struct ustack *st)
{
	struct ustack_stats s;

	ustack_get_stats(st, &s);
	return s;
}

/* ---- the scripted server ---------------------------------------------------- */

static size_t build(uint8_t *buf, size_t cap, uint16_t id, uint16_t flags, const char *qname,
		    const char *cname, uint32_t a)
{
	struct dns_builder b;

	dns_builder_init(&b, buf, cap, id, flags, qname, DNS_TYPE_A);
	if (cname) {
		dns_builder_add_cname(&b, qname, 300, cname);
		if (a)
			dns_builder_add_a(&b, cname, 300, a);
	} else if (a) {
		dns_builder_add_a(&b, qname, 300, a);
	}
	int n = dns_builder_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

static void fake_query(struct ustack *st, struct udp_pcb *pcb, void *ctx,
		       const struct ip_addr *from, uint16_t sport, const struct ip_addr *dst,
		       const uint8_t *data, size_t len)
{
	uint32_t src = ip_addr_v4(from);
	struct fake *f = ctx;
	struct dns_msg *m = malloc(sizeof(*m));
	uint8_t out[512];
	const uint16_t ok = DNS_F_QR | DNS_F_AA | DNS_F_RD;

	(void)dst;
	if (dns_parse(data, len, m) != WIRE_OK) {
		free(m);
		return;
	}
	f->queries++;
	switch (f->mode) {
	case FAKE_SPOOF: {
		/* wrong source address (another host), wrong source port, wrong id, wrong
		 * question: each comes first, then the true answer */
		size_t n = build(out, sizeof(out), m->id, ok, m->qname, NULL, 0x0a0000ee);
		int fd = ustack_socket(E.spoof, AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in sp = { .sin_family = AF_INET, .sin_port = htons(53) };
		ustack_bind(E.spoof, fd, (struct sockaddr *)&sp, sizeof(sp));
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(sport),
					  .sin_addr.s_addr = htonl(src) };
		ustack_sendto(E.spoof, fd, out, n, 0, (struct sockaddr *)&to, sizeof(to));
		ustack_close(E.spoof, fd);
		udp_sendto(st, f->alt, out, n, from, sport);
		n = build(out, sizeof(out), (uint16_t)(m->id + 1), ok, m->qname, NULL, 0x0a0000ee);
		udp_sendto(st, pcb, out, n, from, sport);
		n = build(out, sizeof(out), m->id, ok, "evil.example.test", NULL, 0x0a0000ee);
		udp_sendto(st, pcb, out, n, from, sport);
		n = build(out, sizeof(out), m->id, ok, m->qname, NULL, 0x0a000042);
		udp_sendto(st, pcb, out, n, from, sport);
		break;
	}
	case FAKE_TC: {
		size_t n = build(out, sizeof(out), m->id, ok | DNS_F_TC, m->qname, NULL, 0x0a0000ee);
		udp_sendto(st, pcb, out, n, from, sport);
		break;
	}
	case FAKE_SERVFAIL: {
		size_t n = build(out, sizeof(out), m->id, ok | DNS_RCODE_SERVFAIL, m->qname, NULL, 0);
		udp_sendto(st, pcb, out, n, from, sport);
		break;
	}
	case FAKE_REQUERY: {
		/* the chain ends at a name without its A record: the resolver must ask again */
		size_t n;
		if (strcmp(m->qname, "start.example.test") == 0)
			n = build(out, sizeof(out), m->id, ok, m->qname, "end.example.test", 0);
		else
			n = build(out, sizeof(out), m->id, ok, m->qname, NULL, 0x0a000077);
		udp_sendto(st, pcb, out, n, from, sport);
		break;
	}
	case FAKE_MALFORMED: {
		size_t n = build(out, sizeof(out), m->id, ok, m->qname, NULL, 0x0a000042);
		udp_sendto(st, pcb, out, n - 3, from, sport);    /* cut inside the A record */
		udp_sendto(st, pcb, out, n, from, sport);
		break;
	}
	}
	free(m);
}

/* ---- setup ------------------------------------------------------------------ */

static int group_setup(void **state)
{
	(void)state;
	memset(&E, 0, sizeof(E));
	E.sn = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(E.sn);
	E.cli = simnet_stack(E.sn, "client", NULL);
	E.srv = simnet_stack(E.sn, "dns", NULL);
	E.fake = simnet_stack(E.sn, "fake", NULL);
	E.spoof = simnet_stack(E.sn, "spoof", NULL);
	simnet_attach(E.sn, E.cli, vn, "10.0.0.1/24", 0, NULL, NULL);
	simnet_attach(E.sn, E.srv, vn, "10.0.0.53/24", 0, NULL, NULL);
	simnet_attach(E.sn, E.fake, vn, "10.0.0.54/24", 0, NULL, NULL);
	simnet_attach(E.sn, E.spoof, vn, "10.0.0.66/24", 0, NULL, NULL);
	E.dns = ustack_dns_server_start(E.srv, zone, 53, ZONE_TTL);
	assert_non_null(E.dns);

	E.fk.st = E.fake;
	stack_lock(E.fake);
	E.fk.pcb = udp_pcb_new_handler(E.fake, fake_query, &E.fk);
	E.fk.alt = udp_pcb_new_handler(E.fake, fake_query, &E.fk);
	assert_int_equal(udp_bind(E.fake, E.fk.pcb, NULL, 53), 0);
	assert_int_equal(udp_bind(E.fake, E.fk.alt, NULL, 5353), 0);
	stack_unlock(E.fake);

	/* learn every neighbour first, so forged and true answers race only in order */
	struct ustack *all[] = { E.cli, E.srv, E.fake, E.spoof };
	for (int i = 0; i < 4; i++) {
		for (int k = 0; k < 4; k++) {
			if (i == k)
				continue;
			struct ustack_ping_reply r;
			char ip[16];
			static const char *ips[] = { "10.0.0.1", "10.0.0.53", "10.0.0.54", "10.0.0.66" };
			snprintf(ip, sizeof(ip), "%s", ips[k]);
			assert_int_equal(simnet_ping(E.sn, all[i], ip, 1, (uint16_t)k, 8, 0, &r, 1000000), 0);
		}
	}
	int probe = ustack_socket(E.srv, AF_INET, SOCK_STREAM, 0);
	E.tcp_ok = probe >= 0;
	if (probe >= 0)
		ustack_close(E.srv, probe);
	E.drv = sockdrv_start(E.sn, all, 4, 1, 600u * 1000000u);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sockdrv_stop(E.drv);
	ustack_dns_server_stop(E.dns);
	simnet_free(E.sn);
	return 0;
}

/* Sleep on the virtual clock: a blocking receive that times out. */
static void vsleep(struct ustack *st, unsigned ms)
{
	int fd = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	char c;

	assert_int_equal(ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	struct sockaddr_in any = { .sin_family = AF_INET };
	assert_int_equal(ustack_bind(st, fd, (struct sockaddr *)&any, sizeof(any)), 0);
	uint64_t t0 = ustack_now(st);
	assert_int_equal(ustack_recv(st, fd, &c, 1, 0), -1);
	assert_int_equal(errno, EAGAIN);
	uint64_t dt = ustack_now(st) - t0;
	assert_true(dt >= (uint64_t)ms * 1000);
	assert_true(dt <= (uint64_t)ms * 1000 + 100000);
	ustack_close(st, fd);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_a_record(void **state)
{
	(void)state;
	struct ustack_dns_result r;

	configure(E.cli, "10.0.0.53", NULL, 1000, 2, 5000);
	uint64_t q0 = stats(E.cli).dns_queries;
	assert_int_equal(ustack_resolve(E.cli, "www.example.test", &r), 0);
	assert_int_equal(r.rcode, 0);
	assert_int_equal(r.n_addrs, 2);
	assert_int_equal(r.addrs[0].s_addr, simnet_addr("10.0.0.80"));
	assert_int_equal(r.addrs[1].s_addr, simnet_addr("10.0.0.81"));
	assert_int_equal(r.ttl, ZONE_TTL);
	assert_int_equal(r.n_cnames, 0);
	assert_string_equal(r.canonical, "www.example.test");
	assert_false(r.from_cache);
	assert_false(r.via_tcp);
	assert_int_equal(stats(E.cli).dns_queries - q0, 1);

	/* a second lookup comes from the cache: no query */
	assert_int_equal(ustack_resolve(E.cli, "WWW.Example.Test.", &r), 0);
	assert_true(r.from_cache);
	assert_int_equal(r.n_addrs, 2);
	assert_int_equal(stats(E.cli).dns_queries - q0, 1);
	assert_true(stats(E.cli).dns_cache_hits >= 1);

	/* a record with its own TTL */
	assert_int_equal(ustack_resolve(E.cli, "mail.example.test", &r), 0);
	assert_int_equal(r.ttl, 30);
}

static void test_cname_chain(void **state)
{
	(void)state;
	struct ustack_dns_result r;

	assert_int_equal(ustack_resolve(E.cli, "alias.example.test", &r), 0);
	assert_int_equal(r.n_cnames, 1);
	assert_string_equal(r.cnames[0], "alias.example.test");
	assert_string_equal(r.canonical, "www.example.test");
	assert_int_equal(r.n_addrs, 2);

	assert_int_equal(ustack_resolve(E.cli, "a1.example.test", &r), 0);
	assert_int_equal(r.n_cnames, 2);
	assert_string_equal(r.cnames[0], "a1.example.test");
	assert_string_equal(r.cnames[1], "a2.example.test");
	assert_string_equal(r.canonical, "a3.example.test");
	assert_int_equal(r.n_addrs, 1);
	assert_int_equal(r.addrs[0].s_addr, simnet_addr("10.0.0.90"));
	assert_false(r.from_cache);

	/* again: the chain is in the cache */
	uint64_t q0 = stats(E.cli).dns_queries;
	assert_int_equal(ustack_resolve(E.cli, "a1.example.test", &r), 0);
	assert_true(r.from_cache);
	assert_int_equal(r.n_cnames, 2);
	assert_string_equal(r.canonical, "a3.example.test");
	assert_int_equal(stats(E.cli).dns_queries, q0);

	/* a loop is cut, not followed for ever */
	assert_int_equal(ustack_resolve(E.cli, "loop1.example.test", &r), EAI_FAIL);
}

static void test_nxdomain_and_negative_cache(void **state)
{
	(void)state;
	struct ustack_dns_result r;
	uint64_t q0 = stats(E.cli).dns_queries;

	assert_int_equal(ustack_resolve(E.cli, "nope.example.test", &r), EAI_NONAME);
	assert_int_equal(r.rcode, DNS_RCODE_NXDOMAIN);
	assert_false(r.from_cache);
	assert_int_equal(stats(E.cli).dns_queries - q0, 1);

	/* RFC 2308: cached for min(SOA TTL, MINIMUM) = 60 s */
	assert_int_equal(ustack_resolve(E.cli, "nope.example.test", &r), EAI_NONAME);
	assert_true(r.from_cache);
	assert_int_equal(r.rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(stats(E.cli).dns_queries - q0, 1);

	struct addrinfo *ai = NULL;
	assert_int_equal(ustack_getaddrinfo(E.cli, "nope.example.test", NULL, NULL, &ai), EAI_NONAME);
	assert_null(ai);
	int herr = 0;
	assert_null(ustack_gethostbyname(E.cli, "nope.example.test", &herr));
	assert_int_equal(herr, HOST_NOT_FOUND);

	/* after the TTL both entries are gone: queries again */
	vsleep(E.cli, (ZONE_TTL + 1) * 1000);
	assert_int_equal(ustack_resolve(E.cli, "nope.example.test", &r), EAI_NONAME);
	assert_false(r.from_cache);
	assert_int_equal(ustack_resolve(E.cli, "www.example.test", &r), 0);
	assert_false(r.from_cache);
	assert_int_equal(stats(E.cli).dns_queries - q0, 3);
}

static void test_getaddrinfo(void **state)
{
	(void)state;
	struct addrinfo hints, *res = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	assert_int_equal(ustack_getaddrinfo(E.cli, "alias.example.test", "80", &hints, &res), 0);
	int n = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next, n++) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ai->ai_addr;
		assert_int_equal(ai->ai_family, AF_INET);
		assert_int_equal(ai->ai_socktype, SOCK_STREAM);
		assert_int_equal(ai->ai_protocol, IPPROTO_TCP);
		assert_int_equal(sin->sin_port, htons(80));
	}
	assert_int_equal(n, 2);
	assert_string_equal(res->ai_canonname, "www.example.test");
	ustack_freeaddrinfo(res);

	/* no socktype: one entry per address and type */
	assert_int_equal(ustack_getaddrinfo(E.cli, "a3.example.test", "domain", NULL, &res), 0);
	assert_non_null(res->ai_next);
	assert_null(res->ai_next->ai_next);
	assert_int_equal(((struct sockaddr_in *)res->ai_addr)->sin_port, htons(53));
	ustack_freeaddrinfo(res);

	/* numeric and hosts-table names need no network */
	uint64_t q0 = stats(E.cli).dns_queries;
	assert_int_equal(ustack_getaddrinfo(E.cli, "192.0.2.7", "7", NULL, &res), 0);
	assert_int_equal(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr, simnet_addr("192.0.2.7"));
	ustack_freeaddrinfo(res);
	struct in_addr h = { simnet_addr("192.0.2.9") };
	assert_int_equal(ustack_hosts_add(E.cli, "MyHost.local", h), 0);
	assert_int_equal(ustack_getaddrinfo(E.cli, "myhost.local", NULL, NULL, &res), 0);
	assert_int_equal(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr, h.s_addr);
	ustack_freeaddrinfo(res);
	/* localhost has ::1 too: first once the host has IPv6 (RFC 6724), so ask AF_INET */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	assert_int_equal(ustack_getaddrinfo(E.cli, "localhost", "1", &hints, &res), 0);
	assert_int_equal(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	ustack_freeaddrinfo(res);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST;
	assert_int_equal(ustack_getaddrinfo(E.cli, "www.example.test", NULL, &hints, &res), EAI_NONAME);
	hints.ai_flags = AI_PASSIVE;
	assert_int_equal(ustack_getaddrinfo(E.cli, NULL, "8080", &hints, &res), 0);
	assert_int_equal(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr, htonl(INADDR_ANY));
	ustack_freeaddrinfo(res);
	assert_int_equal(stats(E.cli).dns_queries, q0);

	/* the argument errors */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_PACKET;         /* AF_INET6 is served since AAAA support */
	assert_int_equal(ustack_getaddrinfo(E.cli, "x", NULL, &hints, &res), EAI_FAMILY);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_RAW;
	assert_int_equal(ustack_getaddrinfo(E.cli, "x", NULL, &hints, &res), EAI_SOCKTYPE);
	hints.ai_socktype = 0;
	assert_int_equal(ustack_getaddrinfo(E.cli, "x", "nosuchservice", &hints, &res), EAI_SERVICE);
	assert_int_equal(ustack_getaddrinfo(E.cli, "x", "70000", &hints, &res), EAI_SERVICE);
	assert_int_equal(ustack_getaddrinfo(E.cli, NULL, NULL, &hints, &res), EAI_NONAME);
	hints.ai_flags = 0x4000000;
	assert_int_equal(ustack_getaddrinfo(E.cli, "x", NULL, &hints, &res), EAI_BADFLAGS);
	assert_string_equal(ustack_gai_strerror(EAI_NONAME), "Name or service not known");

	/* gethostbyname */
	int herr = -1;
	struct hostent *he = ustack_gethostbyname(E.cli, "a1.example.test", &herr);
	assert_non_null(he);
	assert_int_equal(herr, 0);
	assert_string_equal(he->h_name, "a3.example.test");
	assert_string_equal(he->h_aliases[0], "a1.example.test");
	assert_string_equal(he->h_aliases[1], "a2.example.test");
	assert_null(he->h_aliases[2]);
	assert_int_equal(he->h_addrtype, AF_INET);
	assert_int_equal(((struct in_addr *)he->h_addr_list[0])->s_addr, simnet_addr("10.0.0.90"));
	assert_null(he->h_addr_list[1]);
}

static void test_timeout(void **state)
{
	(void)state;
	struct ustack_dns_result r;

	/* nobody at 10.0.0.99: 1 s, then 2 s, cut by the 2.5 s total */
	configure(E.cli, "10.0.0.99", NULL, 1000, 3, 2500);
	uint64_t t0 = ustack_now(E.cli);
	assert_int_equal(ustack_resolve(E.cli, "www.example.test", &r), EAI_AGAIN);
	uint64_t dt = ustack_now(E.cli) - t0;
	assert_true(dt >= 2500000);
	assert_true(dt < 2600000);
	assert_int_equal(r.rcode, -1);

	/* 1 s + 2 s within a generous total */
	configure(E.cli, "10.0.0.99", NULL, 1000, 2, 10000);
	t0 = ustack_now(E.cli);
	assert_int_equal(ustack_resolve(E.cli, "www.example.test", &r), EAI_AGAIN);
	dt = ustack_now(E.cli) - t0;
	assert_true(dt >= 3000000);
	assert_true(dt < 3100000);

	struct addrinfo *res = NULL;
	configure(E.cli, "10.0.0.99", NULL, 500, 1, 500);
	assert_int_equal(ustack_getaddrinfo(E.cli, "www.example.test", NULL, NULL, &res), EAI_AGAIN);
	int herr = 0;
	assert_null(ustack_gethostbyname(E.cli, "www.example.test", &herr));
	assert_int_equal(herr, TRY_AGAIN);

	/* the second server answers when the first is silent */
	configure(E.cli, "10.0.0.99", "10.0.0.53", 300, 2, 5000);
	t0 = ustack_now(E.cli);
	assert_int_equal(ustack_resolve(E.cli, "www.example.test", &r), 0);
	dt = ustack_now(E.cli) - t0;
	assert_true(dt >= 300000 && dt < 400000);
}

static void test_spoofing(void **state)
{
	(void)state;
	struct ustack_dns_result r;

	E.fk.mode = FAKE_SPOOF;
	configure(E.cli, "10.0.0.54", NULL, 1000, 2, 5000);
	uint64_t mm = stats(E.cli).drops[USTACK_DROP_DNS_MISMATCH];
	assert_int_equal(ustack_resolve(E.cli, "target.example.test", &r), 0);
	assert_int_equal(r.n_addrs, 1);
	assert_int_equal(r.addrs[0].s_addr, simnet_addr("10.0.0.66"));
	assert_int_equal(stats(E.cli).drops[USTACK_DROP_DNS_MISMATCH] - mm, 4);
	/* the forgeries are not in the cache either */
	assert_int_equal(ustack_resolve(E.cli, "target.example.test", &r), 0);
	assert_true(r.from_cache);
	assert_int_equal(r.addrs[0].s_addr, simnet_addr("10.0.0.66"));
}

static void test_malformed(void **state)
{
	(void)state;
	struct ustack_dns_result r;

	E.fk.mode = FAKE_MALFORMED;
	configure(E.cli, "10.0.0.54", NULL, 1000, 2, 5000);
	uint64_t bad = stats(E.cli).drops[USTACK_DROP_DNS_MALFORMED];
	assert_int_equal(ustack_resolve(E.cli, "cut.example.test", &r), 0);
	assert_int_equal(r.addrs[0].s_addr, simnet_addr("10.0.0.66"));
	assert_int_equal(stats(E.cli).drops[USTACK_DROP_DNS_MALFORMED] - bad, 1);
}

static void test_servfail_next_server(void **state)
{
	(void)state;
	struct ustack_dns_result r;

	E.fk.mode = FAKE_SERVFAIL;
	configure(E.cli, "10.0.0.54", "10.0.0.53", 1000, 2, 5000);
	int q = E.fk.queries;
	uint64_t t0 = ustack_now(E.cli);
	assert_int_equal(ustack_resolve(E.cli, "a3.example.test", &r), 0);
	assert_int_equal(r.addrs[0].s_addr, simnet_addr("10.0.0.90"));
	assert_true(ustack_now(E.cli) - t0 < 100000);   /* no waiting for a timeout */
	assert_int_equal(E.fk.queries - q, 1);
	/* only failing servers: EAI_FAIL */
	configure(E.cli, "10.0.0.54", NULL, 1000, 2, 5000);
	assert_int_equal(ustack_resolve(E.cli, "a3.example.test", &r), EAI_FAIL);
	assert_int_equal(r.rcode, DNS_RCODE_SERVFAIL);
}

static void test_requery_chain_end(void **state)
{
	(void)state;
	struct ustack_dns_result r;

	E.fk.mode = FAKE_REQUERY;
	configure(E.cli, "10.0.0.54", NULL, 1000, 2, 5000);
	int q = E.fk.queries;
	assert_int_equal(ustack_resolve(E.cli, "start.example.test", &r), 0);
	assert_int_equal(E.fk.queries - q, 2);
	assert_int_equal(r.n_cnames, 1);
	assert_string_equal(r.cnames[0], "start.example.test");
	assert_string_equal(r.canonical, "end.example.test");
	assert_int_equal(r.addrs[0].s_addr, simnet_addr("10.0.0.119"));
}

/* The DNS-over-TCP side of the scripted server: one connection, one answer. */
static void *tcp_server(void *arg)
{
	int lfd = *(int *)arg;
	int fd = ustack_accept(E.fake, lfd, NULL, NULL);
	uint8_t in[2 + 512], out[2 + 512];
	struct dns_msg *m = malloc(sizeof(*m));

	if (fd >= 0 && ustack_recv(E.fake, fd, in, 2, MSG_WAITALL) == 2) {
		size_t len = be16_get(in);
		if (len <= 512 && ustack_recv(E.fake, fd, in + 2, len, MSG_WAITALL) == (ssize_t)len &&
		    dns_parse(in + 2, len, m) == WIRE_OK) {
			size_t n = build(out + 2, 512, m->id, DNS_F_QR | DNS_F_AA | DNS_F_RD,
					 m->qname, NULL, 0x0a000099);
			be16_put(out, (uint16_t)n);
			ustack_send(E.fake, fd, out, n + 2, 0);
		}
		ustack_close(E.fake, fd);
	}
	free(m);
	sockdrv_app_done(E.drv);
	return NULL;
}

static void test_truncated(void **state)
{
	(void)state;
	struct ustack_dns_result r;

	E.fk.mode = FAKE_TC;
	configure(E.cli, "10.0.0.54", NULL, 1000, 2, 5000);
	assert_true(E.tcp_ok);
	int lfd = ustack_socket(E.fake, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(53) };
	assert_int_equal(ustack_bind(E.fake, lfd, (struct sockaddr *)&s, sizeof(s)), 0);
	assert_int_equal(ustack_listen(E.fake, lfd, 4), 0);
	pthread_t t;
	sockdrv_app_begin(E.drv);
	pthread_create(&t, NULL, tcp_server, &lfd);
	assert_int_equal(ustack_resolve(E.cli, "big.example.test", &r), 0);
	assert_true(r.via_tcp);
	assert_int_equal(r.addrs[0].s_addr, simnet_addr("10.0.0.153"));
	pthread_join(t, NULL);
	ustack_close(E.fake, lfd);

	/* no one listens on TCP: EAI_FAIL, never the truncated answer */
	assert_int_equal(ustack_resolve(E.cli, "big2.example.test", &r), EAI_FAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_record),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_nxdomain_and_negative_cache),
		cmocka_unit_test(test_getaddrinfo),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_spoofing),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_servfail_next_server),
		cmocka_unit_test(test_requery_chain_end),
		cmocka_unit_test(test_truncated),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
