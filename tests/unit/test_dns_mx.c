/* test_dns_mx.c - MX records (RFC 1035 3.3.9), for the mail journey of `ustack demo`:
 * the builder's bytes against a message written out by hand, the parser reading them
 * back (preference and exchange, also behind a compression pointer), bad rdata, the zone
 * syntax "name MX preference exchange", and the server answering an MX question (and
 * not answering it with the A record, nor an A question with the MX). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "ustack/netdb.h"
#include "wire/dns.h"
#include "dns/server.h"

/* id 0x1234, QR AA RD; example.test MX? -> MX 10 mail.example.test, ttl 300 */
static const uint8_t golden[] = {
	0x12, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0, 0x00, 0x0f, 0x00, 0x01,
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0, 0x00, 0x0f, 0x00, 0x01,
	0x00, 0x00, 0x01, 0x2c, 0x00, 0x15, 0x00, 0x0a,
	4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
};

static void test_mx_builder_golden(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct dns_builder b;
	dns_builder_init(&b, buf, sizeof buf, 0x1234, DNS_F_QR | DNS_F_AA | DNS_F_RD, "example.test",
			 DNS_TYPE_MX);
	dns_builder_add_mx(&b, "example.test", 300, 10, "mail.example.test");
	int n = dns_builder_finish(&b);
	assert_int_equal(n, sizeof golden);
	assert_memory_equal(buf, golden, sizeof golden);
}

static void test_mx_parse(void **state)
{
	(void)state;
	static struct dns_msg m;
	assert_int_equal(dns_parse(golden, sizeof golden, &m), WIRE_OK);
	assert_int_equal(m.qtype, DNS_TYPE_MX);
	assert_int_equal(m.n_an, 1);
	assert_int_equal(m.an[0].type, DNS_TYPE_MX);
	assert_int_equal(m.an[0].ttl, 300);
	assert_int_equal(m.an[0].preference, 10);
	assert_string_equal(m.an[0].target, "mail.example.test");

	/* the exchange as "mail" + a pointer to the question's name (offset 12) */
	uint8_t c[sizeof golden];
	size_t k = 12 + 18 + 2 + 4 + 8;          /* up to the answer's rdlength */
	memcpy(c, golden, sizeof golden);
	c[12 + 18] = 0xc0;                       /* the answer's owner: pointer to 12 */
	c[12 + 18 + 1] = 12;
	memmove(c + 12 + 18 + 2, golden + 12 + 18 + 14, 8);   /* type class ttl */
	k = 12 + 18 + 2 + 8;
	c[k] = 0;
	c[k + 1] = 2 + 5 + 2;                    /* rdlength */
	c[k + 2] = 0;
	c[k + 3] = 20;                           /* preference 20 */
	memcpy(c + k + 4, "\x04mail\xc0\x0c", 7);
	size_t len = k + 4 + 7;
	assert_int_equal(dns_parse(c, len, &m), WIRE_OK);
	assert_int_equal(m.an[0].preference, 20);
	assert_string_equal(m.an[0].target, "mail.example.test");
	assert_string_equal(m.an[0].name, "example.test");

	/* rdata too short for a preference and a name, or longer than the name */
	c[k + 1] = 2;
	assert_int_not_equal(dns_parse(c, len, &m), WIRE_OK);
	c[k + 1] = 2 + 5 + 2 + 1;
	uint8_t longer[sizeof c + 1];
	memcpy(longer, c, len);
	longer[len] = 0;
	assert_int_not_equal(dns_parse(longer, len + 1, &m), WIRE_OK);
}

static size_t ask(struct ustack_dns_server *srv, const char *name, uint16_t type, uint8_t *out,
		  size_t cap)
{
	uint8_t q[512];
	int n = dns_build_query(q, sizeof q, 0x4242, name, type, true);
	assert_true(n > 0);
	return dns_server_answer(srv, q, (size_t)n, out, cap);
}

static void test_mx_server(void **state)
{
	(void)state;
	struct ustack_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.name = "dns";
	struct ustack *st = ustack_new(&cfg);
	assert_non_null(st);
	struct ustack_dns_server *srv = ustack_dns_server_start(st,
		"example.test MX 10 mail.example.test\n"
		"example.test 60 IN MX 20 backup.example.test\n"
		"mail.example.test A 10.0.2.25\n", 5353, 300);
	assert_non_null(srv);
	uint8_t out[512];
	static struct dns_msg m;

	size_t n = ask(srv, "example.test", DNS_TYPE_MX, out, sizeof out);
	assert_true(n > 0);
	assert_int_equal(dns_parse(out, n, &m), WIRE_OK);
	assert_int_equal(DNS_RCODE(m.flags), DNS_RCODE_NOERROR);
	assert_int_equal(m.n_an, 2);
	assert_int_equal(m.an[0].type, DNS_TYPE_MX);
	assert_int_equal(m.an[0].preference, 10);
	assert_string_equal(m.an[0].target, "mail.example.test");
	assert_int_equal(m.an[0].ttl, 300);
	assert_int_equal(m.an[1].preference, 20);
	assert_int_equal(m.an[1].ttl, 60);
	/* the MX of the domain is no answer to an A question about it: NODATA */
	n = ask(srv, "example.test", DNS_TYPE_A, out, sizeof out);
	assert_int_equal(dns_parse(out, n, &m), WIRE_OK);
	assert_int_equal(m.n_an, 0);
	assert_int_equal(DNS_RCODE(m.flags), DNS_RCODE_NOERROR);
	/* the exchanger's address */
	n = ask(srv, "mail.example.test", DNS_TYPE_A, out, sizeof out);
	assert_int_equal(dns_parse(out, n, &m), WIRE_OK);
	assert_int_equal(m.n_an, 1);
	assert_int_equal(m.an[0].a, 0x0a000219);
	/* an A name has no MX */
	n = ask(srv, "mail.example.test", DNS_TYPE_MX, out, sizeof out);
	assert_int_equal(dns_parse(out, n, &m), WIRE_OK);
	assert_int_equal(m.n_an, 0);
	ustack_dns_server_stop(srv);

	/* bad MX lines are rejected */
	static const char *const bad[] = { "a.test MX mail.test\n", "a.test MX 70000 mail.test\n",
					   "a.test MX x mail.test\n", "a.test MX 10 bad..name\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_null(ustack_dns_server_start(st, bad[i], 5354, 300));
	ustack_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_builder_golden),
		cmocka_unit_test(test_mx_parse),
		cmocka_unit_test(test_mx_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
