/* test_dns_aaaa.c - IPv6 in DNS (RFC 3596): the AAAA builder's bytes against a message
 * written out by hand and parsed back, bad AAAA rdata lengths rejected, ip6.arpa names
 * both ways (and names that are not ip6.arpa names), hosts(5) lines with IPv6 addresses,
 * the cache keeping AAAA and per-type NODATA apart from A, getaddrinfo's destination
 * order (RFC 6724 simplified) with a made-up host, its numeric and flag logic on a
 * stack without network, and getnameinfo's numeric IPv6 text with a scope. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "ustack/dev.h"
#include "ustack/netdb.h"
#include "wire/dns.h"
#include "dns/cache.h"
#include "dns/gai_order.h"
#include "dns/hosts.h"

/* id 0x1234, QR AA RD; www.example.test AAAA? -> 2001:db8::80, ttl 300 */
#define WNAME 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0
static const uint8_t golden[] = {
	0x12, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	WNAME, 0x00, 0x1c, 0x00, 0x01,
	WNAME, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x10,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x80,
};
static const uint8_t addr80[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x80 };

static void test_aaaa_golden(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct dns_builder b;
	static struct dns_msg m;

	dns_builder_init(&b, buf, sizeof buf, 0x1234, DNS_F_QR | DNS_F_AA | DNS_F_RD,
			 "www.example.test", DNS_TYPE_AAAA);
	dns_builder_add_aaaa(&b, "www.example.test", 300, addr80);
	int n = dns_builder_finish(&b);
	assert_int_equal(n, sizeof golden);
	assert_memory_equal(buf, golden, sizeof golden);

	assert_int_equal(dns_parse(golden, sizeof golden, &m), WIRE_OK);
	assert_int_equal(m.qtype, DNS_TYPE_AAAA);
	assert_int_equal(m.n_an, 1);
	assert_int_equal(m.an[0].type, DNS_TYPE_AAAA);
	assert_int_equal(m.an[0].rdlen, 16);
	assert_int_equal(m.an[0].ttl, 300);
	assert_memory_equal(m.an[0].aaaa, addr80, 16);

	/* rdata of 15 or 17 bytes is no AAAA record (RFC 3596 2.2) */
	uint8_t bad[sizeof golden + 1];
	memcpy(bad, golden, sizeof golden);
	bad[sizeof golden - 17] = 0x0f;                 /* rdlength 15 */
	assert_int_not_equal(dns_parse(bad, sizeof golden - 1, &m), WIRE_OK);
	bad[sizeof golden - 17] = 0x11;                 /* rdlength 17 */
	bad[sizeof golden] = 0;
	assert_int_not_equal(dns_parse(bad, sizeof bad, &m), WIRE_OK);

	/* a builder too small for the record drops it whole and reports overflow */
	dns_builder_init(&b, buf, sizeof golden - 1, 0x1234, DNS_F_QR, "www.example.test",
			 DNS_TYPE_AAAA);
	dns_builder_add_aaaa(&b, "www.example.test", 300, addr80);
	assert_int_equal(dns_builder_finish(&b), -1);
	assert_int_equal(b.ancount, 0);
}

static void test_ip6_arpa(void **state)
{
	(void)state;
	char name[DNS_PTR6_NAME_LEN];
	uint8_t a[16], b[16];

	dns_ptr6_name(addr80, name, sizeof name);
	assert_string_equal(name, "0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	assert_int_equal(strlen(name), DNS_PTR6_NAME_LEN - 1);
	assert_int_equal(dns_ptr6_addr(name, a), 0);
	assert_memory_equal(a, addr80, 16);
	/* RFC 3596 2.5's own example: 4321:0:1:2:3:4:567:89ab */
	assert_int_equal(inet_pton(AF_INET6, "4321:0:1:2:3:4:567:89ab", b), 1);
	dns_ptr6_name(b, name, sizeof name);
	assert_string_equal(name, "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa");
	assert_int_equal(dns_ptr6_addr("B.A.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.IP6.ARPA.", a), 0);
	assert_memory_equal(a, b, 16);
	/* a cut name buffer still ends in NUL */
	char small[10];
	dns_ptr6_name(b, small, sizeof small);
	assert_string_equal(small, "b.a.9.8.7");
	/* not ip6.arpa names */
	assert_int_equal(dns_ptr6_addr("1.0.0.0.ip6.arpa", a), -1);                 /* short */
	assert_int_equal(dns_ptr6_addr("g.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa", a), -1);
	assert_int_equal(dns_ptr6_addr("ba.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4..ip6.arpa", a), -1);
	assert_int_equal(dns_ptr6_addr("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpb", a), -1);
	assert_int_equal(dns_ptr6_addr("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.in-addr.arpa", a), -1);
	assert_int_equal(dns_ptr6_addr("80.2.0.10.in-addr.arpa", a), -1);
	uint32_t v4;
	assert_int_equal(dns_ptr_addr(name, &v4), -1);                             /* nor IPv4 */
}

static void test_hosts_lines(void **state)
{
	(void)state;
	struct dns_hosts t = { 0 };
	uint8_t out[4][16], want[16];
	uint32_t v4[4];

	assert_int_equal(dns_hosts_line(&t, "2001:db8::1 Web.Example.Test. web # comment\n"), 2);
	assert_int_equal(dns_hosts_line(&t, "10.0.0.1\tweb.example.test"), 1);
	assert_int_equal(dns_hosts_line(&t, "fe80::1%2 ll"), -1);           /* no scope in hosts */
	assert_int_equal(errno, EINVAL);
	assert_int_equal(dns_hosts_line(&t, "   # only a comment"), 0);
	assert_int_equal(dns_hosts_line(&t, ""), 0);
	assert_int_equal(dns_hosts_line(&t, "2001:db8::zz bad"), -1);
	assert_int_equal(dns_hosts_line(&t, "2001:db8::2"), -1);             /* no name */
	assert_int_equal(dns_hosts_line(&t, "2001:db8::3 a..b"), -1);        /* bad name */
	assert_int_equal(dns_hosts_line(&t, "::ffff:10.0.0.9 mapped"), 1);
	assert_int_equal(dns_hosts_line(&t, "2001:db8::1 web.example.test"), 1);   /* kept once */

	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", want), 1);
	assert_int_equal(dns_hosts_lookup6(&t, "web.example.test", out, 4), 1);
	assert_memory_equal(out[0], want, 16);
	assert_int_equal(dns_hosts_lookup6(&t, "web", out, 4), 1);
	assert_int_equal(dns_hosts_lookup(&t, "web.example.test", v4, 4), 1);
	assert_int_equal(v4[0], 0x0a000001u);
	assert_int_equal(dns_hosts_lookup(&t, "web", v4, 4), 0);             /* IPv6 only */
	assert_int_equal(dns_hosts_lookup6(&t, "nope", out, 4), 0);
	assert_string_equal(dns_hosts_name6(&t, want), "web.example.test");
	want[15] = 9;
	assert_null(dns_hosts_name6(&t, want));
	assert_int_equal(t.n, 4);
	dns_hosts_free(&t);
}

static void test_cache_per_type(void **state)
{
	(void)state;
	struct dns_cache c;
	struct dns_cache_entry e;
	const struct dns_cache_entry *got;

	assert_int_equal(dns_cache_init(&c, 8), 0);
	memset(&e, 0, sizeof e);
	strcpy(e.name, "www.example.test");
	e.kind = DNS_CACHE_A;
	e.addrs[0] = 0x0a000050;
	e.n_addrs = 1;
	dns_cache_put(&c, &e, 60, 0);
	e.kind = DNS_CACHE_NODATA6;                  /* no AAAA: says nothing of A */
	e.n_addrs = 0;
	dns_cache_put(&c, &e, 30, 0);
	got = dns_cache_get(&c, "www.example.test", 1);
	assert_non_null(got);
	assert_int_equal(got->kind, DNS_CACHE_A);
	got = dns_cache_get6(&c, "www.example.test", 1);
	assert_non_null(got);
	assert_int_equal(got->kind, DNS_CACHE_NODATA6);
	/* an AAAA answer replaces the NODATA6, leaves the A */
	e.kind = DNS_CACHE_AAAA;
	memcpy(e.addrs6[0], addr80, 16);
	e.n_addrs = 1;
	dns_cache_put(&c, &e, 60, 2);
	got = dns_cache_get6(&c, "www.example.test", 3);
	assert_int_equal(got->kind, DNS_CACHE_AAAA);
	assert_memory_equal(got->addrs6[0], addr80, 16);
	assert_int_equal(dns_cache_get(&c, "www.example.test", 3)->kind, DNS_CACHE_A);
	/* the NODATA6 expired at 30 s would not have been seen anyway; the AAAA lives 60 s */
	assert_null(dns_cache_get6(&c, "www.example.test", 62000000ull));
	/* NXDOMAIN replaces both families */
	e.kind = DNS_CACHE_AAAA;
	dns_cache_put(&c, &e, 60, 0);
	e.kind = DNS_CACHE_NXDOMAIN;
	dns_cache_put(&c, &e, 60, 1);
	assert_int_equal(dns_cache_get(&c, "www.example.test", 2)->kind, DNS_CACHE_NXDOMAIN);
	assert_int_equal(dns_cache_get6(&c, "www.example.test", 2)->kind, DNS_CACHE_NXDOMAIN);
	int live = 0;
	for (size_t i = 0; i < c.cap; i++)
		live += c.e[i].live && strcmp(c.e[i].name, "www.example.test") == 0;
	assert_int_equal(live, 1);
	dns_cache_free(&c);
}

/* ---- getaddrinfo's order with a made-up host ---------------------------------------- */

static bool route_2001(void *ctx, const uint8_t dst[16])
{
	(void)ctx;
	return dst[0] == 0x20 && dst[1] == 0x01;        /* a route to 2001::/16 only */
}

static struct ip_addr v6(const char *s)
{
	struct ip_addr a;
	assert_int_equal(ip_addr_pton(IP_AF_INET6, s, &a), 0);
	return a;
}

static struct ip_addr v4(const char *s)
{
	struct ip_addr a;
	assert_int_equal(ip_addr_pton(IP_AF_INET, s, &a), 0);
	return a;
}

static void check_order(struct ip_addr *list, int n, const char *const *want)
{
	char text[IP_ADDR_STRLEN];
	for (int i = 0; i < n; i++)
		assert_string_equal(ip_addr_ntop(&list[i], text), want[i]);
}

static void test_gai_order(void **state)
{
	(void)state;
	struct gai_env env = { .has_v4 = true, .has_v6 = true, .has_global6 = true,
			       .has_ll6 = true, .route6 = route_2001 };
	struct ip_addr l[6] = { v4("10.0.0.1"), v6("2001:db8::1"), v4("10.0.0.2"),
				v6("3fff::1"), v6("2001:db8::2"), v6("::ffff:10.0.0.3") };

	/* global IPv6 and a route: IPv6 first (DNS order kept), then IPv4 (mapped counts as
	 * IPv4), then the IPv6 destination without a route */
	gai_sort(l, 6, &env);
	static const char *const want1[] = { "2001:db8::1", "2001:db8::2", "10.0.0.1",
					     "10.0.0.2", "::ffff:10.0.0.3", "3fff::1" };
	check_order(l, 6, want1);

	/* no global IPv6 address (only link-local): IPv4 first */
	env.has_global6 = false;
	struct ip_addr m[4] = { v6("2001:db8::1"), v4("10.0.0.1"), v6("fe80::1"), v6("::1") };
	gai_sort(m, 4, &env);
	static const char *const want2[] = { "fe80::1", "::1", "10.0.0.1", "2001:db8::1" };
	check_order(m, 4, want2);
	/* nothing IPv6 at all: ::1 still works, link-local does not */
	env.has_ll6 = false;
	assert_true(gai_v6_reachable(&env, m[1].b));
	assert_false(gai_v6_reachable(&env, m[0].b));
	struct ip_addr k[2] = { v6("2001:db8::1"), v4("10.0.0.1") };
	gai_sort(k, 2, &env);
	static const char *const want3[] = { "10.0.0.1", "2001:db8::1" };
	check_order(k, 2, want3);
	/* global address but no route to it: IPv4 first */
	env.has_global6 = true;
	struct ip_addr r[2] = { v6("3fff::9"), v4("10.0.0.1") };
	gai_sort(r, 2, &env);
	static const char *const want4[] = { "10.0.0.1", "3fff::9" };
	check_order(r, 2, want4);
	/* with the route: IPv6 first */
	struct ip_addr s[2] = { v4("10.0.0.1"), v6("2001:db8::9") };
	gai_sort(s, 2, &env);
	static const char *const want5[] = { "2001:db8::9", "10.0.0.1" };
	check_order(s, 2, want5);
}

/* ---- getaddrinfo / getnameinfo without network (numeric forms, flags) --------------- */

static void test_gai_numeric(void **state)
{
	(void)state;
	struct ustack_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.name = "gai";
	struct ustack *st = ustack_new(&cfg);
	assert_non_null(st);
	struct addrinfo hints, *res = NULL;
	char host[80], serv[16];

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET6;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST;
	assert_int_equal(ustack_getaddrinfo(st, "2001:DB8::1", "80", &hints, &res), 0);
	assert_int_equal(res->ai_family, AF_INET6);
	assert_int_equal(res->ai_addrlen, sizeof(struct sockaddr_in6));
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)res->ai_addr;
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_int_equal(s6->sin6_port, htons(80));
	assert_int_equal(s6->sin6_addr.s6_addr[1], 0x01);
	assert_int_equal(s6->sin6_addr.s6_addr[15], 1);
	assert_int_equal(s6->sin6_scope_id, 0);
	assert_null(res->ai_next);
	/* getnameinfo of it: RFC 5952 text */
	assert_int_equal(ustack_getnameinfo(st, res->ai_addr, res->ai_addrlen, host, sizeof host,
					    serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV), 0);
	assert_string_equal(host, "2001:db8::1");
	assert_string_equal(serv, "80");
	ustack_freeaddrinfo(res);

	/* a scope id, numeric, and kept by getnameinfo */
	assert_int_equal(ustack_getaddrinfo(st, "fe80::1%7", NULL, &hints, &res), 0);
	s6 = (struct sockaddr_in6 *)res->ai_addr;
	assert_int_equal(s6->sin6_scope_id, 7);
	assert_int_equal(ustack_getnameinfo(st, res->ai_addr, res->ai_addrlen, host, sizeof host,
					    NULL, 0, NI_NUMERICHOST), 0);
	assert_string_equal(host, "fe80::1%7");
	ustack_freeaddrinfo(res);
	/* an interface name the stack does not have: EAI_NONAME (glibc) */
	assert_int_equal(ustack_getaddrinfo(st, "fe80::1%nosuch0", NULL, &hints, &res), EAI_NONAME);
	/* an interface's name works both ways: getnameinfo names interface 1 (a vnet port;
	 * the loopback is 0) from scope id 2 (index + 1, as the sockets read it), and
	 * getaddrinfo reads that name back as scope 2 */
	struct in_addr lo = { htonl(0x7f000001) }, a1 = { htonl(0x0a000001) };
	struct ustack_vnet *vn = ustack_vnet_new();
	assert_int_equal(ustack_if_add(st, ustack_loopback_new(), lo, 8), 0);
	assert_int_equal(ustack_if_add(st, ustack_vnet_port(vn, NULL, 1500), a1, 24), 1);
	assert_int_equal(ustack_getaddrinfo(st, "fe80::1%2", NULL, &hints, &res), 0);
	assert_int_equal(ustack_getnameinfo(st, res->ai_addr, res->ai_addrlen, host, sizeof host,
					    NULL, 0, NI_NUMERICHOST), 0);
	ustack_freeaddrinfo(res);
	assert_true(strncmp(host, "fe80::1%", 8) == 0);
	assert_string_not_equal(host, "fe80::1%2");         /* a name, not the number */
	assert_int_equal(ustack_getaddrinfo(st, host, NULL, &hints, &res), 0);
	assert_int_equal(((struct sockaddr_in6 *)res->ai_addr)->sin6_scope_id, 2);
	ustack_freeaddrinfo(res);
	/* a global address prints no scope even with one set */
	struct sockaddr_in6 g = { .sin6_family = AF_INET6, .sin6_scope_id = 1 };
	g.sin6_addr.s6_addr[0] = 0x20;
	assert_int_equal(ustack_getnameinfo(st, (struct sockaddr *)&g, sizeof g, host, sizeof host,
					    NULL, 0, NI_NUMERICHOST), 0);
	assert_string_equal(host, "2000::");
	/* not an address with AI_NUMERICHOST */
	assert_int_equal(ustack_getaddrinfo(st, "2001:db8::g", NULL, &hints, &res), EAI_NONAME);

	/* the other family's literal: EAI_ADDRFAMILY, or mapped with AI_V4MAPPED */
	hints.ai_flags = 0;
	assert_int_equal(ustack_getaddrinfo(st, "10.0.0.1", NULL, &hints, &res), EAI_ADDRFAMILY);
	hints.ai_flags = AI_V4MAPPED;
	assert_int_equal(ustack_getaddrinfo(st, "10.0.0.1", "1", &hints, &res), 0);
	assert_int_equal(res->ai_family, AF_INET6);
	assert_int_equal(ustack_getnameinfo(st, res->ai_addr, res->ai_addrlen, host, sizeof host,
					    NULL, 0, NI_NUMERICHOST), 0);
	assert_string_equal(host, "::ffff:10.0.0.1");
	ustack_freeaddrinfo(res);
	hints.ai_family = AF_INET;
	hints.ai_flags = 0;
	assert_int_equal(ustack_getaddrinfo(st, "2001:db8::1", NULL, &hints, &res), EAI_ADDRFAMILY);
	assert_int_equal(ustack_getaddrinfo(st, "::ffff:10.0.0.2", NULL, &hints, &res), 0);
	assert_int_equal(res->ai_family, AF_INET);
	assert_int_equal(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr, htonl(0x0a000002));
	ustack_freeaddrinfo(res);

	/* no node: loopback ::1 then 127.0.0.1; passive 0.0.0.0 then :: (glibc's order) */
	hints.ai_family = AF_UNSPEC;
	assert_int_equal(ustack_getaddrinfo(st, NULL, "80", &hints, &res), 0);
	assert_int_equal(res->ai_family, AF_INET6);
	assert_int_equal(res->ai_next->ai_family, AF_INET);
	ustack_freeaddrinfo(res);
	hints.ai_flags = AI_PASSIVE;
	assert_int_equal(ustack_getaddrinfo(st, NULL, "80", &hints, &res), 0);
	assert_int_equal(res->ai_family, AF_INET);
	assert_int_equal(res->ai_next->ai_family, AF_INET6);
	assert_null(res->ai_next->ai_next);
	ustack_freeaddrinfo(res);

	/* "localhost" from the hosts table: both families, ::1 reachable so first */
	hints.ai_flags = 0;
	assert_int_equal(ustack_getaddrinfo(st, "localhost", NULL, &hints, &res), 0);
	assert_int_equal(res->ai_family, AF_INET6);
	assert_int_equal(res->ai_next->ai_family, AF_INET);
	ustack_freeaddrinfo(res);

	/* hosts(5) text with IPv6 lines, through the public API */
	assert_int_equal(ustack_hosts_load(st, "2001:db8::5 svc.test\n10.0.0.5 svc.test\n# x\n"), 2);
	assert_int_equal(ustack_hosts_load(st, "2001:db8::6 ok.test\nbogus line\n"), -1);
	assert_int_equal(errno, EINVAL);
	hints.ai_family = AF_INET6;
	assert_int_equal(ustack_getaddrinfo(st, "svc.test", NULL, &hints, &res), 0);
	assert_int_equal(((struct sockaddr_in6 *)res->ai_addr)->sin6_addr.s6_addr[15], 5);
	ustack_freeaddrinfo(res);
	/* AI_ADDRCONFIG on this IPv4-only host (10.0.0.1, no IPv6 address): AF_INET6 is
	 * EAI_NONAME before any lookup, AF_UNSPEC gives IPv4 only (glibc) */
	hints.ai_flags = AI_ADDRCONFIG;
	assert_int_equal(ustack_getaddrinfo(st, "svc.test", NULL, &hints, &res), EAI_NONAME);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	assert_int_equal(ustack_getaddrinfo(st, "svc.test", NULL, &hints, &res), 0);
	assert_int_equal(res->ai_family, AF_INET);
	assert_null(res->ai_next);
	ustack_freeaddrinfo(res);
	/* AF_UNSPEC: the IPv4 host (no global IPv6) first */
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = 0;
	hints.ai_socktype = SOCK_DGRAM;
	assert_int_equal(ustack_getaddrinfo(st, "svc.test", NULL, &hints, &res), 0);
	assert_int_equal(res->ai_family, AF_INET);
	assert_int_equal(res->ai_protocol, IPPROTO_UDP);
	assert_int_equal(res->ai_next->ai_family, AF_INET6);
	assert_null(res->ai_next->ai_next);
	ustack_freeaddrinfo(res);
	/* the hosts table answers getnameinfo for an IPv6 address */
	struct sockaddr_in6 q = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::5", &q.sin6_addr), 1);
	assert_int_equal(ustack_getnameinfo(st, (struct sockaddr *)&q, sizeof q, host, sizeof host,
					    serv, sizeof serv, NI_NAMEREQD), 0);
	assert_string_equal(host, "svc.test");
	assert_string_equal(serv, "https");
	/* a short sockaddr_in6 is EAI_FAMILY */
	assert_int_equal(ustack_getnameinfo(st, (struct sockaddr *)&q, sizeof(struct sockaddr_in),
					    host, sizeof host, NULL, 0, NI_NUMERICHOST), EAI_FAMILY);
	assert_string_equal(ustack_gai_strerror(EAI_ADDRFAMILY), "Address family for hostname not supported");
	ustack_free(st);
	ustack_vnet_free(vn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aaaa_golden),
		cmocka_unit_test(test_ip6_arpa),
		cmocka_unit_test(test_hosts_lines),
		cmocka_unit_test(test_cache_per_type),
		cmocka_unit_test(test_gai_order),
		cmocka_unit_test(test_gai_numeric),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
