/* test_dns_ptr.c - reverse lookups on the wire (RFC 1035 3.3.12 PTR, 3.5 in-addr.arpa):
 * the builder's bytes against a message written out by hand, the parser reading them back
 * (also behind a compression pointer), reverse names both ways (and the names that are not
 * reverse names), and the server answering PTR from its A records. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ustack/ustack.h"
#include "ustack/netdb.h"
#include "wire/dns.h"
#include "dns/server.h"

/* id 0xbeef, QR AA RD; 80.2.0.10.in-addr.arpa PTR? -> PTR www.example.test, ttl 300 */
#define RNAME 2, '8', '0', 1, '2', 1, '0', 2, '1', '0', 7, 'i', 'n', '-', 'a', 'd', 'd', 'r', \
	4, 'a', 'r', 'p', 'a', 0
static const uint8_t golden[] = {
	0xbe, 0xef, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	RNAME, 0x00, 0x0c, 0x00, 0x01,
	RNAME, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x12,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
};
#define RNAME_LEN 24

static void test_ptr_builder_golden(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct dns_builder b;
	dns_builder_init(&b, buf, sizeof buf, 0xbeef, DNS_F_QR | DNS_F_AA | DNS_F_RD,
			 "80.2.0.10.in-addr.arpa", DNS_TYPE_PTR);
	dns_builder_add_ptr(&b, "80.2.0.10.in-addr.arpa", 300, "www.example.test");
	int n = dns_builder_finish(&b);
	assert_int_equal(n, sizeof golden);
	assert_memory_equal(buf, golden, sizeof golden);
}

static void test_ptr_parse(void **state)
{
	(void)state;
	static struct dns_msg m;
	assert_int_equal(dns_parse(golden, sizeof golden, &m), WIRE_OK);
	assert_string_equal(m.qname, "80.2.0.10.in-addr.arpa");
	assert_int_equal(m.qtype, DNS_TYPE_PTR);
	assert_int_equal(m.n_an, 1);
	assert_int_equal(m.an[0].type, DNS_TYPE_PTR);
	assert_int_equal(m.an[0].ttl, 300);
	assert_string_equal(m.an[0].target, "www.example.test");

	/* round trip: build again from what was parsed */
	uint8_t again[512];
	struct dns_builder b;
	dns_builder_init(&b, again, sizeof again, m.id, m.flags, m.qname, m.qtype);
	dns_builder_add_ptr(&b, m.an[0].name, m.an[0].ttl, m.an[0].target);
	assert_int_equal(dns_builder_finish(&b), sizeof golden);
	assert_memory_equal(again, golden, sizeof golden);

	/* the owner as a pointer to the question (offset 12), the target "www" + pointer to
	 * a name that is not there: rejected; "www" + root: one label */
	uint8_t c[sizeof golden];
	size_t k = 12 + RNAME_LEN + 4;
	memcpy(c, golden, k);
	c[k] = 0xc0;
	c[k + 1] = 12;
	memcpy(c + k + 2, golden + k + RNAME_LEN, 8);          /* type class ttl */
	size_t rd = k + 2 + 8;
	c[rd] = 0;
	c[rd + 1] = 5;
	memcpy(c + rd + 2, "\x03www\x00", 5);
	assert_int_equal(dns_parse(c, rd + 7, &m), WIRE_OK);
	assert_string_equal(m.an[0].name, "80.2.0.10.in-addr.arpa");
	assert_string_equal(m.an[0].target, "www");
	/* rdlength longer than the name in it */
	c[rd + 1] = 6;
	c[rd + 7] = 0;
	assert_int_not_equal(dns_parse(c, rd + 8, &m), WIRE_OK);
	/* a name that runs past its rdata and the message */
	c[rd + 1] = 5;
	c[rd + 2] = 9;
	assert_int_not_equal(dns_parse(c, rd + 7, &m), WIRE_OK);
}

static void test_ptr_names(void **state)
{
	(void)state;
	char name[64];
	uint32_t a = 0;

	dns_ptr_name(0x0a000250, name, sizeof name);
	assert_string_equal(name, "80.2.0.10.in-addr.arpa");
	dns_ptr_name(0xffffffff, name, sizeof name);
	assert_string_equal(name, "255.255.255.255.in-addr.arpa");
	dns_ptr_name(0, name, sizeof name);
	assert_string_equal(name, "0.0.0.0.in-addr.arpa");
	dns_ptr_name(0x01020304, name, 8);              /* cut, still terminated */
	assert_string_equal(name, "4.3.2.1");

	assert_int_equal(dns_ptr_addr("80.2.0.10.in-addr.arpa", &a), 0);
	assert_int_equal(a, 0x0a000250);
	assert_int_equal(dns_ptr_addr("4.3.2.1.IN-ADDR.ARPA.", &a), 0);
	assert_int_equal(a, 0x01020304);
	static const char *const not_reverse[] = {
		"www.example.test", "1.2.3.in-addr.arpa", "1.2.3.4.5.in-addr.arpa",
		"256.1.1.1.in-addr.arpa", "01.1.1.1.in-addr.arpa", "1.1.1.1.in-addr.arpa.x",
		"1.1.1.1.ip6.arpa", "1..1.1.in-addr.arpa", "1.1.1.1in-addr.arpa", "",
		"1234.1.1.1.in-addr.arpa", "a.1.1.1.in-addr.arpa",
	};
	for (size_t i = 0; i < sizeof not_reverse / sizeof not_reverse[0]; i++)
		assert_int_equal(dns_ptr_addr(not_reverse[i], &a), -1);
}

static size_t ask(struct ustack_dns_server *srv, const char *name, uint16_t type, uint8_t *out,
		  size_t cap)
{
	uint8_t q[512];
	int n = dns_build_query(q, sizeof q, 0x4242, name, type, true);
	assert_true(n > 0);
	return dns_server_answer(srv, q, (size_t)n, out, cap);
}

static void test_ptr_server(void **state)
{
	(void)state;
	struct ustack_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.name = "dns";
	struct ustack *st = ustack_new(&cfg);
	assert_non_null(st);
	struct ustack_dns_server *srv = ustack_dns_server_start(st,
		"www.example.test A 10.0.2.80\n"
		"web.example.test CNAME www.example.test\n"
		"also.example.test 60 A 10.0.2.80\n"
		"www.example.test A 10.0.2.81\n", 5353, 300);
	assert_non_null(srv);
	uint8_t out[512];
	static struct dns_msg m;

	size_t n = ask(srv, "80.2.0.10.in-addr.arpa", DNS_TYPE_PTR, out, sizeof out);
	assert_int_equal(dns_parse(out, n, &m), WIRE_OK);
	assert_int_equal(DNS_RCODE(m.flags), DNS_RCODE_NOERROR);
	assert_true(m.flags & DNS_F_AA);
	assert_int_equal(m.n_an, 2);                        /* both names, not the CNAME */
	assert_int_equal(m.an[0].type, DNS_TYPE_PTR);
	assert_string_equal(m.an[0].name, "80.2.0.10.in-addr.arpa");
	assert_string_equal(m.an[0].target, "www.example.test");
	assert_int_equal(m.an[0].ttl, 300);
	assert_string_equal(m.an[1].target, "also.example.test");
	assert_int_equal(m.an[1].ttl, 60);

	n = ask(srv, "81.2.0.10.IN-ADDR.ARPA", DNS_TYPE_PTR, out, sizeof out);
	assert_int_equal(dns_parse(out, n, &m), WIRE_OK);
	assert_int_equal(m.n_an, 1);
	assert_string_equal(m.an[0].name, "81.2.0.10.IN-ADDR.ARPA");   /* the asker's case */
	assert_string_equal(m.an[0].target, "www.example.test");

	/* an address no A record has: NXDOMAIN with an SOA to cache it by */
	n = ask(srv, "82.2.0.10.in-addr.arpa", DNS_TYPE_PTR, out, sizeof out);
	assert_int_equal(dns_parse(out, n, &m), WIRE_OK);
	assert_int_equal(DNS_RCODE(m.flags), DNS_RCODE_NXDOMAIN);
	assert_int_equal(m.n_an, 0);
	assert_int_equal(m.n_ns, 1);
	assert_int_equal(m.ns[0].type, DNS_TYPE_SOA);

	/* an A question about a reverse name that exists: NODATA */
	n = ask(srv, "80.2.0.10.in-addr.arpa", DNS_TYPE_A, out, sizeof out);
	assert_int_equal(dns_parse(out, n, &m), WIRE_OK);
	assert_int_equal(DNS_RCODE(m.flags), DNS_RCODE_NOERROR);
	assert_int_equal(m.n_an, 0);
	/* a forward name gets no PTR */
	n = ask(srv, "www.example.test", DNS_TYPE_PTR, out, sizeof out);
	assert_int_equal(dns_parse(out, n, &m), WIRE_OK);
	assert_int_equal(m.n_an, 0);
	ustack_dns_server_stop(srv);
	ustack_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptr_builder_golden),
		cmocka_unit_test(test_ptr_parse),
		cmocka_unit_test(test_ptr_names),
		cmocka_unit_test(test_ptr_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
