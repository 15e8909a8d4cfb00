/* sim_dns_reverse.c - reverse lookups and getnameinfo() against the in-stack DNS server on
 * the virtual clock: the server answers PTR for in-addr.arpa names from its A records,
 * ustack_getnameinfo returns the name (then from the cache, no second query), the hosts
 * table answers without a query, NI_NAMEREQD fails with EAI_NONAME for an address with no
 * name and EAI_AGAIN when no server answers, NI_NUMERICHOST sends no query, short buffers
 * give EAI_OVERFLOW, NI_NOFQDN, service names with NI_DGRAM / NI_NUMERICSERV, bad
 * arguments. The lookups block in the test's thread while lib_sockdrv steps the network. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib_simnet.h"
#include "lib_sockdrv.h"
#include "ustack/socket.h"
#include "ustack/netdb.h"

static const char zone[] =
	"www.example.test    A 10.0.0.80\n"
	"alias.example.test  CNAME www.example.test\n"
	"dns.example.test    A 10.0.0.53\n";

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

static void configure(const char *server)
{
	struct ustack_resolver_config c;

	memset(&c, 0, sizeof(c));
	c.servers[0].s_addr = simnet_addr(server);
	c.n_servers = 1;
	c.timeout_ms = 500;
	c.attempts = 2;
	c.total_timeout_ms = 2000;
	assert_int_equal(ustack_resolver_configure(E.cli, &c), 0);
}

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	sin.sin_addr.s_addr = simnet_addr(ip);
	return sin;
}

static int gni(const char *ip, uint16_t port, char *host, size_t hl, char *serv, size_t sl,
	       int flags)
{
	struct sockaddr_in sin = sin_of(ip, port);

	return ustack_getnameinfo(E.cli, (struct sockaddr *)&sin, sizeof(sin), host,
				  (socklen_t)hl, serv, (socklen_t)sl, flags);
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
	configure("10.0.0.53");
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

static void test_getnameinfo_name(void **state)
{
	(void)state;
	char host[256], serv[32];
	uint64_t q0 = queries();

	assert_int_equal(gni("10.0.0.80", 80, host, sizeof host, serv, sizeof serv, 0), 0);
	assert_string_equal(host, "www.example.test");
	assert_string_equal(serv, "http");
	assert_int_equal(queries() - q0, 1);

	/* again: from the cache */
	assert_int_equal(gni("10.0.0.80", 0, host, sizeof host, NULL, 0, NI_NAMEREQD), 0);
	assert_string_equal(host, "www.example.test");
	assert_int_equal(queries() - q0, 1);

	/* the details, like host(1) prints them */
	struct ustack_dns_result r;
	struct in_addr a = { simnet_addr("10.0.0.53") };
	assert_int_equal(ustack_resolve_addr(E.cli, a, &r), 0);
	assert_string_equal(r.canonical, "53.0.0.10.in-addr.arpa");
	assert_int_equal(r.n_names, 1);
	assert_string_equal(r.names[0], "dns.example.test");
	assert_int_equal(r.ttl, 60);
	assert_false(r.from_cache);
	assert_int_equal(queries() - q0, 2);

	/* NI_NOFQDN: the first label */
	assert_int_equal(gni("10.0.0.80", 0, host, sizeof host, NULL, 0, NI_NOFQDN), 0);
	assert_string_equal(host, "www");
}

static void test_namereqd_unknown(void **state)
{
	(void)state;
	char host[256];
	uint64_t q0 = queries();

	assert_int_equal(gni("10.0.0.99", 0, host, sizeof host, NULL, 0, NI_NAMEREQD), EAI_NONAME);
	assert_int_equal(queries() - q0, 1);
	/* without NI_NAMEREQD: the numeric form (and the NXDOMAIN came from the cache) */
	assert_int_equal(gni("10.0.0.99", 0, host, sizeof host, NULL, 0, 0), 0);
	assert_string_equal(host, "10.0.0.99");
	assert_int_equal(queries() - q0, 1);
	struct ustack_dns_result r;
	struct in_addr a = { simnet_addr("10.0.0.99") };
	assert_int_equal(ustack_resolve_addr(E.cli, a, &r), EAI_NONAME);
	assert_int_equal(r.rcode, 3);
	assert_true(r.from_cache);
}

static void test_numeric_no_query(void **state)
{
	(void)state;
	char host[256], serv[32];
	uint64_t q0 = queries();

	assert_int_equal(gni("10.0.0.77", 53, host, sizeof host, serv, sizeof serv,
			     NI_NUMERICHOST | NI_NUMERICSERV), 0);
	assert_string_equal(host, "10.0.0.77");
	assert_string_equal(serv, "53");
	assert_int_equal(gni("10.0.0.77", 53, host, sizeof host, serv, sizeof serv,
			     NI_NUMERICHOST | NI_DGRAM), 0);
	assert_string_equal(serv, "domain");
	assert_int_equal(gni("10.0.0.77", 443, NULL, 0, serv, sizeof serv, NI_DGRAM), 0);
	assert_string_equal(serv, "443");           /* https is a TCP name only */
	assert_int_equal(gni("10.0.0.77", 443, NULL, 0, serv, sizeof serv, 0), 0);
	assert_string_equal(serv, "https");
	assert_int_equal(queries(), q0);
}

static void test_hosts_table_first(void **state)
{
	(void)state;
	char host[256];
	uint64_t q0 = queries();
	struct in_addr a = { simnet_addr("10.0.0.42") };

	assert_int_equal(ustack_hosts_add(E.cli, "Local.Example.Test", a), 0);
	assert_int_equal(gni("10.0.0.42", 0, host, sizeof host, NULL, 0, NI_NAMEREQD), 0);
	assert_string_equal(host, "local.example.test");
	assert_int_equal(gni("127.0.0.1", 0, host, sizeof host, NULL, 0, NI_NAMEREQD), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(queries(), q0);
}

static void test_overflow_and_errors(void **state)
{
	(void)state;
	char host[256], serv[32];

	/* "www.example.test" is 16 bytes: 17 with the NUL fits, 16 does not */
	assert_int_equal(gni("10.0.0.80", 0, host, 17, NULL, 0, 0), 0);
	assert_int_equal(gni("10.0.0.80", 0, host, 16, NULL, 0, 0), EAI_OVERFLOW);
	assert_int_equal(gni("10.0.0.77", 0, host, 9, NULL, 0, NI_NUMERICHOST), EAI_OVERFLOW);
	assert_int_equal(gni("10.0.0.77", 80, NULL, 0, serv, 4, 0), EAI_OVERFLOW);
	assert_int_equal(gni("10.0.0.77", 80, NULL, 0, serv, 5, 0), 0);
	assert_int_equal(gni("10.0.0.77", 80, NULL, 0, NULL, 0, 0), EAI_NONAME);
	assert_int_equal(gni("10.0.0.77", 80, host, sizeof host, NULL, 0, 0x10000), EAI_BADFLAGS);

	struct sockaddr_in sin = sin_of("10.0.0.80", 0);
	assert_int_equal(ustack_getnameinfo(E.cli, (struct sockaddr *)&sin, sizeof(sin) - 1, host,
					    sizeof host, NULL, 0, 0), EAI_FAMILY);
	sin.sin_family = AF_INET6;
	assert_int_equal(ustack_getnameinfo(E.cli, (struct sockaddr *)&sin, sizeof(sin), host,
					    sizeof host, NULL, 0, 0), EAI_FAMILY);
	assert_int_equal(ustack_getnameinfo(E.cli, NULL, 0, host, sizeof host, NULL, 0, 0),
			 EAI_FAMILY);
}

static void test_no_server(void **state)
{
	(void)state;
	char host[256];

	configure("10.0.0.222");                    /* nobody there: ARP goes unanswered */
	uint64_t t0 = ustack_now(E.cli);
	assert_int_equal(gni("10.0.0.80", 0, host, sizeof host, NULL, 0, NI_NAMEREQD), EAI_AGAIN);
	uint64_t dt = ustack_now(E.cli) - t0;
	assert_true(dt >= 1500000 && dt <= 2100000);
	/* without NI_NAMEREQD the numeric form comes back */
	assert_int_equal(gni("10.0.0.81", 0, host, sizeof host, NULL, 0, 0), 0);
	assert_string_equal(host, "10.0.0.81");
	configure("10.0.0.53");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getnameinfo_name),
		cmocka_unit_test(test_namereqd_unknown),
		cmocka_unit_test(test_numeric_no_query),
		cmocka_unit_test(test_hosts_table_first),
		cmocka_unit_test(test_overflow_and_errors),
		cmocka_unit_test(test_no_server),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
