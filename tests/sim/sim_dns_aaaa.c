/* sim_dns_aaaa.c - IPv6 in DNS against the in-stack server on the virtual clock
 * (RFC 3596, RFC 2308, RFC 6724 simplified, RFC 3493 6.1): AAAA answers (through a
 * CNAME too) and then from the cache, NODATA for a name with only A records (SOA in
 * authority, cached for AAAA without hiding the A records), getaddrinfo with AF_UNSPEC
 * in both orders (IPv4 first on an IPv4-only host; IPv6 first once the host has a
 * global IPv6 address and a route, IPv4 first again without the route), AI_ADDRCONFIG,
 * AI_V4MAPPED and AI_ALL, and getnameinfo of IPv6 addresses through ip6.arpa PTRs.
 *
 * The host's IPv6 addresses are set in its interface table here (as nd.c or
 * ustack_if_add6 would), so the test does not wait for DAD. The lookups block in the
 * test's thread while lib_sockdrv steps the network. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib_simnet.h"
#include "lib_sockdrv.h"
#include "ustack/socket.h"
#include "ustack/netdb.h"
#include "core/stack.h"
#include "core/route6.h"
#include "dns/server.h"
#include "wire/dns.h"

static const char zone[] =
	"www.example.test     A 10.0.0.80\n"
	"www.example.test     AAAA 2001:db8::80\n"
	"alias6.example.test  CNAME www.example.test\n"
	"v4only.example.test  A 10.0.0.81\n"
	"v6only.example.test  AAAA 2001:db8::86\n"
	"mail.example.test    A 10.0.0.25\n"
	"both.example.test    A 10.0.0.90\n"
	"both.example.test    AAAA 2001:db8::90\n"
	"dual.example.test    AAAA 2001:db8::91\n"
	"dual.example.test    A 10.0.0.91\n"
	"mapped.example.test  A 10.0.0.92\n";

static struct {
	struct simnet *sn;
	struct ustack *cli, *srv;
	struct ustack_dns_server *dns;
	struct sockdrv *drv;
} E;

static uint64_t queries(void)
{
	struct ustack_stats s;

	ustack_get_stats(E.cli, &s);
	return s.dns_queries;
}

/* The client's IPv6 addresses: none, or one global 2001:db8::1/64 (with_route: and the
 * on-link route of its prefix). */
static void set_v6(bool global, bool with_route)
{
	static const uint8_t pfx[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct ustack *st = E.cli;

	stack_lock(st);
	struct iface *ifp = &st->ifaces[0];
	memset(ifp->addr6, 0, sizeof(ifp->addr6));
	route6_del(st, pfx, 64, NULL, ifp->index);
	if (global) {
		struct if_addr6 *a = &ifp->addr6[0];
		a->state = IF6_PREFERRED;
		a->flags = IF6_F_STATIC;
		a->plen = 64;
		memcpy(a->addr, pfx, 16);
		a->addr[15] = 1;
		a->valid_until = a->preferred_until = UINT64_MAX;
		if (with_route)
			assert_int_equal(route6_add(st, pfx, 64, NULL, ifp->index, ROUTE6_CONNECTED, 0), 0);
	}
	stack_unlock(st);
}

static int group_setup(void **state)
{
	(void)state;
	memset(&E, 0, sizeof(E));
	E.sn = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(E.sn);
	E.cli = simnet_stack(E.sn, "client", NULL);
	E.srv = simnet_stack(E.sn, "dns", NULL);
	simnet_attach(E.sn, E.cli, vn, "10.0.0.1/24", 0, NULL, NULL);
	simnet_attach(E.sn, E.srv, vn, "10.0.0.53/24", 0, NULL, NULL);
	E.dns = ustack_dns_server_start(E.srv, zone, 53, 60);
	assert_non_null(E.dns);
	struct ustack *all[] = { E.cli, E.srv };
	E.drv = sockdrv_start(E.sn, all, 2, 1, 600u * 1000000u);
	struct ustack_resolver_config c;
	memset(&c, 0, sizeof(c));
	c.servers[0].s_addr = simnet_addr("10.0.0.53");
	c.n_servers = 1;
	c.timeout_ms = 500;
	c.attempts = 2;
	c.total_timeout_ms = 2000;
	assert_int_equal(ustack_resolver_configure(E.cli, &c), 0);
	set_v6(false, false);
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

static const char *ntop6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* The addresses of a getaddrinfo list as "a b c" (one per entry). */
static void list_text(const struct addrinfo *res, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		char ip[INET6_ADDRSTRLEN];
		if (ai->ai_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const void *)ai->ai_addr;
			assert_int_equal(ai->ai_addrlen, sizeof(*s6));
			assert_int_equal(s6->sin6_family, AF_INET6);
			ntop6(&s6->sin6_addr, ip);
		} else {
			const struct sockaddr_in *sin = (const void *)ai->ai_addr;
			assert_int_equal(ai->ai_family, AF_INET);
			assert_int_equal(ai->ai_addrlen, sizeof(*sin));
			inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		}
		n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "", ip);
	}
}

static int gai(const char *name, int family, int flags, char *out, size_t cap)
{
	struct addrinfo hints, *res = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_flags = flags;
	hints.ai_socktype = SOCK_STREAM;
	int rc = ustack_getaddrinfo(E.cli, name, "80", &hints, &res);
	if (rc == 0) {
		list_text(res, out, cap);
		ustack_freeaddrinfo(res);
	} else {
		out[0] = '\0';
	}
	return rc;
}

static void test_aaaa_answer_and_cache(void **state)
{
	(void)state;
	struct ustack_dns_result r;
	char ip[INET6_ADDRSTRLEN];
	uint64_t q0 = queries();

	assert_int_equal(ustack_resolve6(E.cli, "WWW.example.test", &r), 0);
	assert_int_equal(r.rcode, 0);
	assert_int_equal(r.n_addrs6, 1);
	assert_int_equal(r.n_addrs, 0);
	assert_string_equal(ntop6(&r.addrs6[0], ip), "2001:db8::80");
	assert_int_equal(r.ttl, 60);
	assert_false(r.from_cache);
	assert_int_equal(queries() - q0, 1);

	/* again: the cache answers, no query */
	assert_int_equal(ustack_resolve6(E.cli, "www.example.test", &r), 0);
	assert_true(r.from_cache);
	assert_string_equal(ntop6(&r.addrs6[0], ip), "2001:db8::80");
	assert_int_equal(queries() - q0, 1);

	/* through a CNAME: the chain, then the AAAA of its end */
	assert_int_equal(ustack_resolve6(E.cli, "alias6.example.test", &r), 0);
	assert_int_equal(r.n_cnames, 1);
	assert_string_equal(r.cnames[0], "alias6.example.test");
	assert_string_equal(r.canonical, "www.example.test");
	assert_string_equal(ntop6(&r.addrs6[0], ip), "2001:db8::80");
	assert_int_equal(queries() - q0, 2);

	/* the A records of the same name are a question of their own */
	assert_int_equal(ustack_resolve(E.cli, "www.example.test", &r), 0);
	assert_int_equal(r.n_addrs, 1);
	assert_int_equal(r.n_addrs6, 0);
	assert_int_equal(queries() - q0, 3);
}

static void test_nodata(void **state)
{
	(void)state;
	struct ustack_dns_result r;
	uint64_t q0 = queries();

	/* the server's own answer: NOERROR, no answer, the SOA in authority */
	uint8_t q[512], out[512];
	static struct dns_msg m;
	int ql = dns_build_query(q, sizeof q, 0x77, "v4only.example.test", DNS_TYPE_AAAA, true);
	assert_true(ql > 0);
	stack_lock(E.srv);
	size_t n = dns_server_answer(E.dns, q, (size_t)ql, out, sizeof out);
	stack_unlock(E.srv);
	assert_int_equal(dns_parse(out, n, &m), WIRE_OK);
	assert_int_equal(DNS_RCODE(m.flags), DNS_RCODE_NOERROR);
	assert_true(m.flags & DNS_F_AA);
	assert_int_equal(m.ancount, 0);
	assert_int_equal(m.n_ns, 1);
	assert_int_equal(m.ns[0].type, DNS_TYPE_SOA);

	/* through the resolver: EAI_NONAME with rcode NOERROR (host(1): "has no AAAA") */
	assert_int_equal(ustack_resolve6(E.cli, "v4only.example.test", &r), EAI_NONAME);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r.n_addrs6, 0);
	assert_int_equal(queries() - q0, 1);
	/* the negative answer is cached, for AAAA only */
	assert_int_equal(ustack_resolve6(E.cli, "v4only.example.test", &r), EAI_NONAME);
	assert_true(r.from_cache);
	assert_int_equal(queries() - q0, 1);
	assert_int_equal(ustack_resolve(E.cli, "v4only.example.test", &r), 0);
	assert_int_equal(r.addrs[0].s_addr, simnet_addr("10.0.0.81"));
	assert_int_equal(queries() - q0, 2);
	/* and the other way round */
	assert_int_equal(ustack_resolve(E.cli, "v6only.example.test", &r), EAI_NONAME);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(ustack_resolve6(E.cli, "v6only.example.test", &r), 0);
	assert_int_equal(r.n_addrs6, 1);
	/* a name that does not exist: NXDOMAIN, also for AAAA from the cache */
	assert_int_equal(ustack_resolve6(E.cli, "nope.example.test", &r), EAI_NONAME);
	assert_int_equal(r.rcode, DNS_RCODE_NXDOMAIN);
	uint64_t q1 = queries();
	assert_int_equal(ustack_resolve(E.cli, "nope.example.test", &r), EAI_NONAME);
	assert_int_equal(r.rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(queries(), q1);
	/* getaddrinfo: a name without addresses of the family is EAI_NODATA (glibc) */
	char out2[256];
	assert_int_equal(gai("v4only.example.test", AF_INET6, 0, out2, sizeof out2), EAI_NODATA);
	assert_int_equal(gai("nope.example.test", AF_INET6, 0, out2, sizeof out2), EAI_NONAME);
}

static void test_unspec_order(void **state)
{
	(void)state;
	char out[256];

	/* an IPv4-only host: IPv4 first */
	set_v6(false, false);
	assert_int_equal(gai("both.example.test", AF_UNSPEC, 0, out, sizeof out), 0);
	assert_string_equal(out, "10.0.0.90 2001:db8::90");
	/* a global IPv6 address and a route to the destination: IPv6 first */
	set_v6(true, true);
	assert_int_equal(gai("both.example.test", AF_UNSPEC, 0, out, sizeof out), 0);
	assert_string_equal(out, "2001:db8::90 10.0.0.90");
	assert_int_equal(gai("dual.example.test", AF_UNSPEC, 0, out, sizeof out), 0);
	assert_string_equal(out, "2001:db8::91 10.0.0.91");
	/* the address without a route to the destination: IPv4 first again */
	set_v6(true, false);
	assert_int_equal(gai("both.example.test", AF_UNSPEC, 0, out, sizeof out), 0);
	assert_string_equal(out, "10.0.0.90 2001:db8::90");
	set_v6(false, false);
}

static void test_addrconfig(void **state)
{
	(void)state;
	char out[256];
	uint64_t q0 = queries();

	set_v6(false, false);
	/* the host has no IPv6 address: AF_INET6 is EAI_NONAME before any query */
	assert_int_equal(gai("mail.example.test", AF_INET6, AI_ADDRCONFIG, out, sizeof out),
			 EAI_NONAME);
	assert_int_equal(queries(), q0);
	/* AF_UNSPEC: A only (one query, no AAAA asked) */
	assert_int_equal(gai("mail.example.test", AF_UNSPEC, AI_ADDRCONFIG, out, sizeof out), 0);
	assert_string_equal(out, "10.0.0.25");
	assert_int_equal(queries() - q0, 1);
	/* NULL hints mean AI_V4MAPPED | AI_ADDRCONFIG (glibc) */
	struct addrinfo *res = NULL;
	assert_int_equal(ustack_getaddrinfo(E.cli, "dual.example.test", NULL, NULL, &res), 0);
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
		assert_int_equal(ai->ai_family, AF_INET);
	ustack_freeaddrinfo(res);
	/* with a global IPv6 address the AAAA records come (and first) */
	set_v6(true, true);
	assert_int_equal(gai("both.example.test", AF_UNSPEC, AI_ADDRCONFIG, out, sizeof out), 0);
	assert_string_equal(out, "2001:db8::90 10.0.0.90");
	assert_int_equal(gai("v6only.example.test", AF_INET6, AI_ADDRCONFIG, out, sizeof out), 0);
	assert_string_equal(out, "2001:db8::86");
	set_v6(false, false);
}

static void test_v4mapped(void **state)
{
	(void)state;
	char out[256];

	/* no AAAA: the A records as ::ffff:a.b.c.d */
	assert_int_equal(gai("mapped.example.test", AF_INET6, AI_V4MAPPED, out, sizeof out), 0);
	assert_string_equal(out, "::ffff:10.0.0.92");
	assert_int_equal(gai("mapped.example.test", AF_INET6, 0, out, sizeof out), EAI_NODATA);
	/* a name with AAAA: only those, unless AI_ALL */
	assert_int_equal(gai("both.example.test", AF_INET6, AI_V4MAPPED, out, sizeof out), 0);
	assert_string_equal(out, "2001:db8::90");
	/* with AI_ALL both, sorted: this host has no IPv6 address, so the mapped IPv4
	 * address (reachable) before the IPv6 one (RFC 6724 rule 1) */
	assert_int_equal(gai("both.example.test", AF_INET6, AI_V4MAPPED | AI_ALL, out, sizeof out), 0);
	assert_string_equal(out, "::ffff:10.0.0.90 2001:db8::90");
	/* AI_ALL without AI_V4MAPPED is ignored; AI_V4MAPPED means nothing for AF_UNSPEC */
	assert_int_equal(gai("both.example.test", AF_INET6, AI_ALL, out, sizeof out), 0);
	assert_string_equal(out, "2001:db8::90");
	assert_int_equal(gai("mapped.example.test", AF_UNSPEC, AI_V4MAPPED, out, sizeof out), 0);
	assert_string_equal(out, "10.0.0.92");
	/* AF_INET: never IPv6 */
	assert_int_equal(gai("v6only.example.test", AF_INET, 0, out, sizeof out), EAI_NODATA);
	/* AI_CANONNAME through a CNAME for AF_INET6 */
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET6;
	hints.ai_flags = AI_CANONNAME;
	hints.ai_socktype = SOCK_DGRAM;
	assert_int_equal(ustack_getaddrinfo(E.cli, "alias6.example.test", "53", &hints, &res), 0);
	assert_string_equal(res->ai_canonname, "www.example.test");
	assert_int_equal(((struct sockaddr_in6 *)res->ai_addr)->sin6_port, htons(53));
	assert_int_equal(res->ai_protocol, IPPROTO_UDP);
	assert_null(res->ai_next);
	ustack_freeaddrinfo(res);
}

static void test_getnameinfo6(void **state)
{
	(void)state;
	char host[256], serv[32];
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	uint64_t q0 = queries();

	assert_int_equal(inet_pton(AF_INET6, "2001:db8::80", &s6.sin6_addr), 1);
	assert_int_equal(ustack_getnameinfo(E.cli, (struct sockaddr *)&s6, sizeof s6, host,
					    sizeof host, serv, sizeof serv, NI_NAMEREQD), 0);
	assert_string_equal(host, "www.example.test");
	assert_string_equal(serv, "https");
	assert_int_equal(queries() - q0, 1);
	/* again: the cache */
	assert_int_equal(ustack_getnameinfo(E.cli, (struct sockaddr *)&s6, sizeof s6, host,
					    sizeof host, NULL, 0, NI_NOFQDN), 0);
	assert_string_equal(host, "www");
	assert_int_equal(queries() - q0, 1);
	/* the details: the ip6.arpa name asked */
	struct ustack_dns_result r;
	assert_int_equal(ustack_resolve_addr6(E.cli, &s6.sin6_addr, &r), 0);
	assert_string_equal(r.canonical,
			    "0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	assert_int_equal(r.n_names, 1);
	/* an address no AAAA record has: NXDOMAIN; the numeric form without NI_NAMEREQD */
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::99", &s6.sin6_addr), 1);
	assert_int_equal(ustack_getnameinfo(E.cli, (struct sockaddr *)&s6, sizeof s6, host,
					    sizeof host, NULL, 0, NI_NAMEREQD), EAI_NONAME);
	assert_int_equal(ustack_getnameinfo(E.cli, (struct sockaddr *)&s6, sizeof s6, host,
					    sizeof host, NULL, 0, 0), 0);
	assert_string_equal(host, "2001:db8::99");
	/* NI_NUMERICHOST: no query */
	uint64_t q1 = queries();
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::86", &s6.sin6_addr), 1);
	assert_int_equal(ustack_getnameinfo(E.cli, (struct sockaddr *)&s6, sizeof s6, host,
					    sizeof host, NULL, 0, NI_NUMERICHOST), 0);
	assert_string_equal(host, "2001:db8::86");
	assert_int_equal(queries(), q1);
	/* an IPv4-mapped address is asked under in-addr.arpa, as glibc does */
	assert_int_equal(inet_pton(AF_INET6, "::ffff:10.0.0.25", &s6.sin6_addr), 1);
	assert_int_equal(ustack_getnameinfo(E.cli, (struct sockaddr *)&s6, sizeof s6, host,
					    sizeof host, NULL, 0, NI_NAMEREQD), 0);
	assert_string_equal(host, "mail.example.test");
}

/* A name of the hosts table is answered from it alone: no AAAA query for an entry with
 * only an IPv4 address (glibc's "files" before "dns"), even with IPv6 on the host. */
static void test_hosts_only(void **state)
{
	(void)state;
	char out[256];
	struct in_addr h = { simnet_addr("192.0.2.9") };
	struct in6_addr h6;

	set_v6(true, true);
	assert_int_equal(ustack_hosts_add(E.cli, "printer.lan", h), 0);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::9", &h6), 1);
	assert_int_equal(ustack_hosts_add6(E.cli, "nas.lan", &h6), 0);
	assert_int_equal(ustack_hosts_add(E.cli, "nas.lan", h), 0);
	uint64_t q0 = queries();
	assert_int_equal(gai("printer.lan", AF_UNSPEC, 0, out, sizeof out), 0);
	assert_string_equal(out, "192.0.2.9");
	assert_int_equal(gai("printer.lan", AF_INET6, 0, out, sizeof out), EAI_NODATA);
	assert_int_equal(gai("printer.lan", AF_INET6, AI_V4MAPPED, out, sizeof out), 0);
	assert_string_equal(out, "::ffff:192.0.2.9");
	assert_int_equal(gai("nas.lan", AF_UNSPEC, 0, out, sizeof out), 0);
	assert_string_equal(out, "2001:db8::9 192.0.2.9");
	assert_int_equal(queries(), q0);
	set_v6(false, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aaaa_answer_and_cache),
		cmocka_unit_test(test_nodata),
		cmocka_unit_test(test_unspec_order),
		cmocka_unit_test(test_addrconfig),
		cmocka_unit_test(test_v4mapped),
		cmocka_unit_test(test_getnameinfo6),
		cmocka_unit_test(test_hosts_only),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
