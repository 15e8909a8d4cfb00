/* sim_dns_ipv6.c - the resolver over IPv6 transport, on the virtual clock:
 *   - a client asks `ustack_dns_server_start` on another host whose IPv4 address is on
 *     another subnet (unreachable: no route), so only IPv6 can carry the queries: A,
 *     AAAA and an ip6.arpa PTR, and getaddrinfo / getnameinfo / gethostbyname through
 *     them; the answering server is reported (ustack_dns_result.server);
 *   - the same server at its link-local address with a scope id (and EINVAL without);
 *   - an answer too big for UDP (TC) is asked again over TCP over IPv6;
 *   - forged answers over IPv6 (from another address, another port, with another id,
 *     for another question) are dropped as DNS_MISMATCH, the true one taken;
 *   - a mixed list: an IPv4 server that does not answer, an IPv6 address nobody has,
 *     then the server: each times out in turn, the third answers;
 *   - RDNSS (RFC 8106): a router advertisement (hand-built frame from a raw port) gives
 *     the server; with no configured server lookups go there, USTACK_RDNSS_OFF stops
 *     that, USTACK_RDNSS_APPEND tries it after a configured server that does not
 *     answer; once the option's lifetime ends, no query at all (EAI_AGAIN).
 * Each test builds its own network; lookups block in the test's thread while
 * lib_sockdrv steps the network. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/time.h>

#include "lib_simnet.h"
#include "lib_sockdrv.h"
#include "ustack/socket.h"
#include "ustack/netdb.h"
#include "core/stack.h"
#include "net/udp.h"
#include "wire/be.h"
#include "wire/dns.h"
#include "wire/ipv6.h"
#include "wire/icmp6.h"
#include "wire/ndp.h"

#define SEC 1000000ull

static const uint8_t router_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x0e, 0x01 };

static struct {
	struct simnet *sn;
	struct ustack_vnet *vn;
	struct ustack *cli, *srv, *other;
	int ifc, ifs;
	struct ustack_dev *raw;
	struct ustack_dns_server *dns;
	struct sockdrv *drv;
	struct udp_pcb *fake, *fake_alt;
	int fake_queries;
} E;

static char zone[4096];

static void make_zone(void)
{
	size_t n = (size_t)snprintf(zone, sizeof(zone),
				    "www.example.test A 10.0.0.80\n"
				    "www.example.test AAAA 2001:db8::80\n"
				    "v4.example.test A 10.0.0.81\n"
				    "v6.example.test AAAA 2001:db8::86\n"
				    "late.example.test AAAA 2001:db8::87\n"
				    "gone.example.test AAAA 2001:db8::88\n");
	/* 30 AAAA records: about 840 bytes, more than UDP's 512 (RFC 1035 4.2.1) */
	for (int i = 0; i < 30; i++)
		n += (size_t)snprintf(zone + n, sizeof(zone) - n,
				      "big.example.test AAAA 2001:db8::1:%x\n", i + 1);
}

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static struct sockaddr_in6 sin6(const char *s, uint32_t scope)
{
	struct sockaddr_in6 x;

	memset(&x, 0, sizeof(x));
	x.sin6_family = AF_INET6;
	x.sin6_addr = a6(s);
	x.sin6_scope_id = scope;
	return x;
}

static const char *ntop6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static uint64_t queries(void)
{
	struct ustack_stats s;

	ustack_get_stats(E.cli, &s);
	return s.dns_queries;
}

/* The client 10.0.0.1 + 2001:db8::1, the server 10.9.0.53 (no route to it from the
 * client) + 2001:db8::53, a third host 10.0.0.99 + 2001:db8::99 with no DNS server.
 * with_ra: a router advertisement with an RDNSS option (2001:db8::53, lifetime
 * rdnss_life s) from a raw port before the driver starts. */
static void world_up(bool with_ra, uint32_t rdnss_life)
{
	memset(&E, 0, sizeof(E));
	make_zone();
	E.sn = simnet_new(1 * SEC);
	E.vn = simnet_vnet(E.sn);
	E.cli = simnet_stack(E.sn, "client", NULL);
	E.srv = simnet_stack(E.sn, "dns", NULL);
	E.other = simnet_stack(E.sn, "other", NULL);
	E.ifc = simnet_attach(E.sn, E.cli, E.vn, "10.0.0.1/24", 0, NULL, NULL);
	E.ifs = simnet_attach(E.sn, E.srv, E.vn, "10.9.0.53/24", 0, NULL, NULL);
	int ifo = simnet_attach(E.sn, E.other, E.vn, "10.0.0.99/24", 0, NULL, NULL);
	struct in6_addr c = a6("2001:db8::1"), s = a6("2001:db8::53"), o = a6("2001:db8::99");
	assert_int_equal(ustack_if_add6(E.cli, E.ifc, &c, 64), 0);
	assert_int_equal(ustack_if_add6(E.srv, E.ifs, &s, 64), 0);
	assert_int_equal(ustack_if_add6(E.other, ifo, &o, 64), 0);
	o = a6("2001:db8::98");                 /* the forger's second address */
	assert_int_equal(ustack_if_add6(E.other, ifo, &o, 64), 0);
	simnet_run_for(E.sn, 5 * SEC);          /* DAD done everywhere */
	E.dns = ustack_dns_server_start(E.srv, zone, 53, 60);
	assert_non_null(E.dns);
	if (with_ra) {
		/* RFC 4861 4.2 + RFC 8106 5.1: from a link-local source, hop limit 255 */
		uint8_t f[14 + 40 + NDP_MAX_LEN];
		struct ndp_repr r = { .type = ICMP6_ND_RA, .cur_hop_limit = 64, .has_slla = true };
		struct ipv6_repr ip = { .next_hdr = 58, .hop_limit = 255 };
		struct in6_addr src = a6("fe80::e:1"), dst = a6("ff02::1");

		memcpy(r.slla, router_mac, 6);
		r.n_rdnss = 1;
		r.rdnss[0].lifetime = rdnss_life;
		memcpy(r.rdnss[0].addr, s.s6_addr, 16);
		E.raw = simnet_raw_port(E.sn, E.vn, router_mac);
		size_t n = ndp_emit(&r, f + 54, sizeof(f) - 54, src.s6_addr, dst.s6_addr);
		assert_true(n > 0);
		memcpy(ip.src, src.s6_addr, 16);
		memcpy(ip.dst, dst.s6_addr, 16);
		ip.payload_len = (uint16_t)n;
		ipv6_emit(&ip, f + 14);
		const uint8_t all_nodes[6] = { 0x33, 0x33, 0, 0, 0, 1 };
		memcpy(f, all_nodes, 6);
		memcpy(f + 6, router_mac, 6);
		be16_put(f + 12, 0x86dd);
		assert_int_equal(simnet_raw_send(E.sn, E.raw, f, 54 + n), 0);
		simnet_run_for(E.sn, SEC / 10);
		simnet_raw_flush(E.sn, E.raw);
	}
	struct ustack *all[] = { E.cli, E.srv, E.other };
	E.drv = sockdrv_start(E.sn, all, 3, 1, 3600u * 1000000u);
}

static void world_down(void)
{
	if (E.fake) {
		stack_lock(E.other);
		udp_pcb_free(E.other, E.fake);
		udp_pcb_free(E.other, E.fake_alt);
		stack_unlock(E.other);
	}
	sockdrv_stop(E.drv);
	ustack_dns_server_stop(E.dns);
	simnet_free(E.sn);
}

static void configure(const char *v4, const char *const *v6, int n6, int rdnss)
{
	struct ustack_resolver_config c;

	memset(&c, 0, sizeof(c));
	if (v4) {
		c.servers[0].s_addr = simnet_addr(v4);
		c.n_servers = 1;
	}
	for (int i = 0; i < n6; i++)
		c.servers6[i] = sin6(v6[i], 0);
	c.n_servers6 = n6;
	c.timeout_ms = 500;
	c.attempts = 1;
	c.total_timeout_ms = 3000;
	c.rdnss = rdnss;
	assert_int_equal(ustack_resolver_configure(E.cli, &c), 0);
}

/* The virtual clock moves on by ms while this thread sleeps in a blocking call. */
static void sleep_virtual(unsigned ms)
{
	int fd = ustack_socket(E.cli, AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	char b;

	assert_true(fd >= 0);
	assert_int_equal(ustack_setsockopt(E.cli, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(ustack_recv(E.cli, fd, &b, 1, 0), -1);
	assert_int_equal(errno, EAGAIN);
	ustack_close(E.cli, fd);
}

static void assert_server(const struct ustack_dns_result *r, const char *want)
{
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(r->server.sin6_family, AF_INET6);
	assert_string_equal(ntop6(&r->server.sin6_addr, buf), want);
	assert_int_equal(ntohs(r->server.sin6_port), 53);
}

static void test_lookups_over_ipv6_only(void **state)
{
	(void)state;
	struct ustack_dns_result r;
	char buf[INET6_ADDRSTRLEN];

	world_up(false, 0);
	/* the server's IPv4 address cannot be reached from the client */
	configure("10.9.0.53", NULL, 0, USTACK_RDNSS_OFF);
	assert_int_equal(ustack_resolve(E.cli, "www.example.test", &r), EAI_AGAIN);
	assert_int_equal(r.server.sin6_family, 0);

	const char *s6[] = { "2001:db8::53" };
	configure(NULL, s6, 1, USTACK_RDNSS_OFF);
	uint64_t q0 = queries();
	assert_int_equal(ustack_resolve(E.cli, "www.example.test", &r), 0);
	assert_int_equal(r.n_addrs, 1);
	assert_int_equal(r.addrs[0].s_addr, simnet_addr("10.0.0.80"));
	assert_false(r.from_cache);
	assert_false(r.via_tcp);
	assert_server(&r, "2001:db8::53");
	assert_int_equal(ustack_resolve6(E.cli, "www.example.test", &r), 0);
	assert_int_equal(r.n_addrs6, 1);
	assert_string_equal(ntop6(&r.addrs6[0], buf), "2001:db8::80");
	assert_server(&r, "2001:db8::53");
	struct in6_addr rev = a6("2001:db8::80");
	assert_int_equal(ustack_resolve_addr6(E.cli, &rev, &r), 0);
	assert_int_equal(r.n_names, 1);
	assert_string_equal(r.names[0], "www.example.test");
	assert_string_equal(r.canonical,
			    "0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	assert_server(&r, "2001:db8::53");
	struct in_addr rev4 = { .s_addr = simnet_addr("10.0.0.81") };
	assert_int_equal(ustack_resolve_addr(E.cli, rev4, &r), 0);
	assert_string_equal(r.names[0], "v4.example.test");
	assert_int_equal(queries() - q0, 4);

	/* the POSIX calls go through the same resolver */
	struct addrinfo hints = { .ai_family = AF_INET6, .ai_socktype = SOCK_STREAM }, *res = NULL;
	assert_int_equal(ustack_getaddrinfo(E.cli, "v6.example.test", "80", &hints, &res), 0);
	assert_non_null(res);
	assert_int_equal(res->ai_family, AF_INET6);
	assert_string_equal(ntop6(&((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr, buf),
			    "2001:db8::86");
	ustack_freeaddrinfo(res);
	struct sockaddr_in6 sa = sin6("2001:db8::86", 0);
	char host[256];
	assert_int_equal(ustack_getnameinfo(E.cli, (struct sockaddr *)&sa, sizeof(sa), host,
					    sizeof(host), NULL, 0, NI_NAMEREQD), 0);
	assert_string_equal(host, "v6.example.test");
	int herr = 0;
	struct hostent *he = ustack_gethostbyname(E.cli, "v4.example.test", &herr);
	assert_non_null(he);
	assert_int_equal(((struct in_addr *)(void *)he->h_addr_list[0])->s_addr,
			 simnet_addr("10.0.0.81"));
	world_down();
}

static void test_link_local_server(void **state)
{
	(void)state;
	struct ustack_addr6 a[8];
	struct ustack_dns_result r;
	char ll[INET6_ADDRSTRLEN] = "";
	struct ustack_resolver_config c;

	world_up(false, 0);
	size_t n = ustack_if_addrs6(E.srv, E.ifs, a, 8);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(a[i].origin, "link-local"))
			ntop6(&a[i].addr, ll);
	assert_true(ll[0]);

	memset(&c, 0, sizeof(c));
	c.n_servers6 = 1;
	c.servers6[0] = sin6(ll, 0);
	assert_int_equal(ustack_resolver_configure(E.cli, &c), -1);     /* no scope */
	assert_int_equal(errno, EINVAL);
	c.servers6[0].sin6_family = AF_INET;
	assert_int_equal(ustack_resolver_configure(E.cli, &c), -1);
	assert_int_equal(errno, EINVAL);
	c.servers6[0] = sin6(ll, (uint32_t)E.ifc + 1);
	c.n_servers6 = 4;
	assert_int_equal(ustack_resolver_configure(E.cli, &c), -1);
	assert_int_equal(errno, EINVAL);
	c.n_servers6 = 1;
	c.rdnss = 7;
	assert_int_equal(ustack_resolver_configure(E.cli, &c), -1);
	assert_int_equal(errno, EINVAL);
	c.rdnss = USTACK_RDNSS_OFF;
	c.timeout_ms = 500;
	c.attempts = 1;
	assert_int_equal(ustack_resolver_configure(E.cli, &c), 0);
	assert_int_equal(ustack_resolve6(E.cli, "v6.example.test", &r), 0);
	assert_int_equal(r.n_addrs6, 1);
	assert_server(&r, ll);
	assert_int_equal(r.server.sin6_scope_id, (uint32_t)E.ifc + 1);
	world_down();
}

static void test_truncated_over_tcp6(void **state)
{
	(void)state;
	struct ustack_dns_result r;
	char buf[INET6_ADDRSTRLEN];
	const char *s6[] = { "2001:db8::53" };

	world_up(false, 0);
	configure(NULL, s6, 1, USTACK_RDNSS_OFF);
	assert_int_equal(ustack_resolve6(E.cli, "big.example.test", &r), 0);
	assert_true(r.via_tcp);
	assert_int_equal(r.n_addrs6, 16);               /* the result holds 16 */
	assert_string_equal(ntop6(&r.addrs6[0], buf), "2001:db8::1:1");
	assert_string_equal(ntop6(&r.addrs6[15], buf), "2001:db8::1:10");
	assert_server(&r, "2001:db8::53");
	world_down();
}

/* ---- a scripted server on 2001:db8::99 that forges before it answers ---------- */

static size_t build6(uint8_t *buf, size_t cap, uint16_t id, const char *qname, const char *addr)
{
	struct dns_builder b;
	struct in6_addr a = a6(addr);

	dns_builder_init(&b, buf, cap, id, DNS_F_QR | DNS_F_AA | DNS_F_RD, qname, DNS_TYPE_AAAA);
	dns_builder_add_aaaa(&b, qname, 300, a.s6_addr);
	int n = dns_builder_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

static void fake6_query(struct ustack *st, struct udp_pcb *pcb, void *ctx,
			const struct ip_addr *from, uint16_t sport, const struct ip_addr *dst,
			const uint8_t *data, size_t len)
{
	struct dns_msg *m = malloc(sizeof(*m));
	uint8_t out[512];
	size_t n;

	(void)ctx;
	(void)dst;
	if (!m || from->family != IP_AF_INET6 || dns_parse(data, len, m) != WIRE_OK) {
		free(m);
		return;
	}
	E.fake_queries++;
	/* from another address of this host, port 53 */
	struct udp_tx tx = { .ttl = -1, .tos = -1, .ifindex = -1 };
	tx.src = ip_addr_from_v6(a6("2001:db8::98").s6_addr);
	n = build6(out, sizeof(out), m->id, m->qname, "2001:db8::bad:1");
	assert_true(udp_sendto_tx(st, pcb, out, n, from, sport, &tx) > 0);
	/* from another port */
	n = build6(out, sizeof(out), m->id, m->qname, "2001:db8::bad:2");
	assert_true(udp_sendto(st, E.fake_alt, out, n, from, sport) > 0);
	/* another id, another question */
	n = build6(out, sizeof(out), (uint16_t)(m->id + 1), m->qname, "2001:db8::bad:3");
	assert_true(udp_sendto(st, pcb, out, n, from, sport) > 0);
	n = build6(out, sizeof(out), m->id, "evil.example.test", "2001:db8::bad:4");
	assert_true(udp_sendto(st, pcb, out, n, from, sport) > 0);
	/* the true answer */
	n = build6(out, sizeof(out), m->id, m->qname, "2001:db8::42");
	assert_true(udp_sendto(st, pcb, out, n, from, sport) > 0);
	free(m);
}

static void test_forged_answers_over_ipv6(void **state)
{
	(void)state;
	struct ustack_dns_result r;
	struct ustack_stats s0, s1;
	char buf[INET6_ADDRSTRLEN];
	const char *s6[] = { "2001:db8::99" };

	world_up(false, 0);
	stack_lock(E.other);
	E.fake = udp_pcb_new_handler(E.other, fake6_query, NULL);
	E.fake_alt = udp_pcb_new_handler(E.other, fake6_query, NULL);
	assert_non_null(E.fake);
	assert_non_null(E.fake_alt);
	udp_set_family(E.fake, IP_AF_INET6, true);
	udp_set_family(E.fake_alt, IP_AF_INET6, true);
	assert_int_equal(udp_bind(E.other, E.fake, NULL, 53), 0);
	assert_int_equal(udp_bind(E.other, E.fake_alt, NULL, 5353), 0);
	stack_unlock(E.other);
	configure(NULL, s6, 1, USTACK_RDNSS_OFF);
	ustack_get_stats(E.cli, &s0);
	assert_int_equal(ustack_resolve6(E.cli, "forged.example.test", &r), 0);
	ustack_get_stats(E.cli, &s1);
	assert_int_equal(E.fake_queries, 1);
	assert_int_equal(r.n_addrs6, 1);
	assert_string_equal(ntop6(&r.addrs6[0], buf), "2001:db8::42");
	assert_server(&r, "2001:db8::99");
	assert_int_equal(s1.drops[USTACK_DROP_DNS_MISMATCH] - s0.drops[USTACK_DROP_DNS_MISMATCH], 4);
	world_down();
}

static void test_mixed_list_times_out_to_next(void **state)
{
	(void)state;
	struct ustack_dns_result r;
	char buf[INET6_ADDRSTRLEN];
	/* 10.0.0.99 has no DNS server; 2001:db8::77 is nobody's */
	const char *s6[] = { "2001:db8::77", "2001:db8::53" };

	world_up(false, 0);
	configure("10.0.0.99", s6, 2, USTACK_RDNSS_OFF);
	uint64_t t0 = simnet_now(E.sn), q0 = queries();
	assert_int_equal(ustack_resolve6(E.cli, "v6.example.test", &r), 0);
	uint64_t took = simnet_now(E.sn) - t0;
	assert_string_equal(ntop6(&r.addrs6[0], buf), "2001:db8::86");
	assert_server(&r, "2001:db8::53");
	assert_int_equal(queries() - q0, 3);            /* one to each, in order */
	assert_true(took >= 2 * 500000u);               /* two waits of timeout_ms */
	assert_true(took < 2 * 500000u + 200000u);

	/* an IPv4-mapped entry of servers6 is an IPv4 server: the order is the list's */
	struct ustack_resolver_config c;
	memset(&c, 0, sizeof(c));
	c.servers6[0] = sin6("::ffff:10.0.0.99", 0);
	c.servers6[1] = sin6("2001:db8::53", 0);
	c.n_servers6 = 2;
	c.timeout_ms = 300;
	c.attempts = 1;
	c.rdnss = USTACK_RDNSS_OFF;
	assert_int_equal(ustack_resolver_configure(E.cli, &c), 0);
	t0 = simnet_now(E.sn);
	q0 = queries();
	assert_int_equal(ustack_resolve(E.cli, "www.example.test", &r), 0);
	took = simnet_now(E.sn) - t0;
	assert_int_equal(queries() - q0, 2);
	assert_true(took >= 300000u && took < 500000u);
	assert_server(&r, "2001:db8::53");
	world_down();
}

static void test_rdnss_from_ra(void **state)
{
	(void)state;
	struct ustack_dns_result r;
	struct in6_addr got[4];
	char buf[INET6_ADDRSTRLEN];

	world_up(true, 30);
	assert_int_equal(ustack_rdnss(E.cli, got, 4), 1);
	assert_string_equal(ntop6(&got[0], buf), "2001:db8::53");

	/* never configured: the RA's server answers */
	assert_int_equal(ustack_resolve6(E.cli, "v6.example.test", &r), 0);
	assert_string_equal(ntop6(&r.addrs6[0], buf), "2001:db8::86");
	assert_server(&r, "2001:db8::53");

	/* OFF: nothing to ask */
	configure(NULL, NULL, 0, USTACK_RDNSS_OFF);
	uint64_t q0 = queries();
	assert_int_equal(ustack_resolve(E.cli, "www.example.test", &r), EAI_AGAIN);
	assert_int_equal(queries(), q0);

	/* AUTO with a configured server: only that one (it does not answer) */
	configure("10.0.0.99", NULL, 0, USTACK_RDNSS_AUTO);
	assert_int_equal(ustack_resolve(E.cli, "www.example.test", &r), EAI_AGAIN);
	assert_int_equal(queries() - q0, 1);

	/* APPEND: the configured one, then the RA's */
	configure("10.0.0.99", NULL, 0, USTACK_RDNSS_APPEND);
	q0 = queries();
	assert_int_equal(ustack_resolve(E.cli, "www.example.test", &r), 0);
	assert_int_equal(r.addrs[0].s_addr, simnet_addr("10.0.0.80"));
	assert_server(&r, "2001:db8::53");
	assert_int_equal(queries() - q0, 2);

	/* AUTO, none configured, while the lifetime lasts */
	configure(NULL, NULL, 0, USTACK_RDNSS_AUTO);
	assert_int_equal(ustack_resolve6(E.cli, "late.example.test", &r), 0);
	assert_server(&r, "2001:db8::53");

	/* past the 30 s lifetime: gone, no query goes out */
	sleep_virtual(31000);
	assert_int_equal(ustack_rdnss(E.cli, got, 4), 0);
	q0 = queries();
	assert_int_equal(ustack_resolve6(E.cli, "gone.example.test", &r), EAI_AGAIN);
	assert_int_equal(queries(), q0);
	world_down();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups_over_ipv6_only),
		cmocka_unit_test(test_link_local_server),
		cmocka_unit_test(test_truncated_over_tcp6),
		cmocka_unit_test(test_forged_answers_over_ipv6),
		cmocka_unit_test(test_mixed_list_times_out_to_next),
		cmocka_unit_test(test_rdnss_from_ra),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
