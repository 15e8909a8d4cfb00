/* sim_dns_server.c - the in-stack authoritative DNS server (RFC 1035 4, RFC 1034 4.3.2,
 * RFC 2308 3, RFC 6604) answering hand-made queries on the virtual clock, with no
 * thread: A records, CNAME chains, NXDOMAIN with AA and an SOA, NODATA for other types,
 * FORMERR for garbage, NOTIMP for other opcodes, silence for responses and runts,
 * TC for answers above 512 bytes, and the zone text's errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib_simnet.h"
#include "ustack/socket.h"
#include "ustack/netdb.h"
#include "wire/dns.h"

struct env {
	struct simnet *sn;
	struct ustack *cli, *srv;
	struct ustack_dns_server *dns;
	int fd;
	struct dns_msg m;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char zone[8192];
	size_t off = 0;

	off += (size_t)snprintf(zone + off, sizeof(zone) - off,
				"www.example.test A 10.0.0.80\n"
				"alias.example.test CNAME www.example.test\n"
				"ext.example.test CNAME gone.example.test\n"
				"  # a comment line\n");
	for (int i = 0; i < 40; i++)                    /* 40 A records: > 512 bytes */
		off += (size_t)snprintf(zone + off, sizeof(zone) - off,
					"big.example.test A 10.0.1.%d\n", i + 1);
	e->sn = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(e->sn);
	e->cli = simnet_stack(e->sn, "cli", NULL);
	e->srv = simnet_stack(e->sn, "srv", NULL);
	simnet_attach(e->sn, e->cli, vn, "10.0.0.1/24", 0, NULL, NULL);
	simnet_attach(e->sn, e->srv, vn, "10.0.0.53/24", 0, NULL, NULL);
	e->dns = ustack_dns_server_start(e->srv, zone, 5353, 120);
	assert_non_null(e->dns);
	e->fd = ustack_socket(e->cli, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(5353),
				  .sin_addr.s_addr = inet_addr("10.0.0.53") };
	assert_int_equal(ustack_connect(e->cli, e->fd, (struct sockaddr *)&to, sizeof(to)), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	ustack_dns_server_stop(e->dns);
	simnet_free(e->sn);
	free(e);
	return 0;
}

/* Send raw bytes; returns the answer's length (0: none) with the answer in buf. */
static ssize_t ask_raw(struct env *e, const uint8_t *q, size_t len, uint8_t *buf, size_t cap)
{
	assert_int_equal(ustack_send(e->cli, e->fd, q, len, 0), (ssize_t)len);
	simnet_run_for(e->sn, 100000);
	ssize_t n = ustack_recv(e->cli, e->fd, buf, cap, 0);
	return n < 0 ? 0 : n;
}

/* A query for (name, type); the parsed answer in e->m. Returns the answer length. */
static ssize_t ask(struct env *e, const char *name, uint16_t type)
{
	uint8_t q[512], a[2048];
	int ql = dns_build_query(q, sizeof(q), 0x1234, name, type, true);

	assert_true(ql > 0);
	ssize_t n = ask_raw(e, q, (size_t)ql, a, sizeof(a));
	assert_true(n > 0);
	assert_int_equal(dns_parse(a, (size_t)n, &e->m), WIRE_OK);
	assert_int_equal(e->m.id, 0x1234);
	assert_true(e->m.flags & DNS_F_QR);
	assert_true(e->m.flags & DNS_F_RD);             /* copied from the query */
	return n;
}

static void test_a(void **state)
{
	struct env *e = *state;

	ask(e, "WWW.example.TEST", DNS_TYPE_A);
	assert_true(e->m.flags & DNS_F_AA);
	assert_int_equal(DNS_RCODE(e->m.flags), DNS_RCODE_NOERROR);
	assert_string_equal(e->m.qname, "WWW.example.TEST");    /* the question as asked */
	assert_int_equal(e->m.n_an, 1);
	assert_int_equal(e->m.an[0].type, DNS_TYPE_A);
	assert_int_equal(e->m.an[0].a, 0x0a000050);
	assert_int_equal(e->m.an[0].ttl, 120);
	assert_int_equal(e->m.nscount, 0);
}

static void test_cname(void **state)
{
	struct env *e = *state;

	ask(e, "alias.example.test", DNS_TYPE_A);
	assert_int_equal(DNS_RCODE(e->m.flags), DNS_RCODE_NOERROR);
	assert_int_equal(e->m.n_an, 2);
	assert_int_equal(e->m.an[0].type, DNS_TYPE_CNAME);
	assert_string_equal(e->m.an[0].target, "www.example.test");
	assert_int_equal(e->m.an[1].type, DNS_TYPE_A);
	assert_string_equal(e->m.an[1].name, "www.example.test");
	/* asked for the CNAME itself */
	ask(e, "alias.example.test", DNS_TYPE_CNAME);
	assert_int_equal(e->m.n_an, 1);
	assert_int_equal(e->m.an[0].type, DNS_TYPE_CNAME);
	/* a chain to a missing name: NXDOMAIN for the end of the chain (RFC 6604) */
	ask(e, "ext.example.test", DNS_TYPE_A);
	assert_int_equal(DNS_RCODE(e->m.flags), DNS_RCODE_NXDOMAIN);
	assert_int_equal(e->m.n_an, 1);
}

static void test_nxdomain_nodata(void **state)
{
	struct env *e = *state;

	ask(e, "nope.example.test", DNS_TYPE_A);
	assert_int_equal(DNS_RCODE(e->m.flags), DNS_RCODE_NXDOMAIN);
	assert_true(e->m.flags & DNS_F_AA);
	assert_int_equal(e->m.n_an, 0);
	assert_int_equal(e->m.n_ns, 1);                 /* the SOA for negative caching */
	assert_int_equal(e->m.ns[0].type, DNS_TYPE_SOA);
	assert_int_equal(e->m.ns[0].ttl, 120);
	assert_int_equal(e->m.ns[0].soa_minimum, 120);
	/* NODATA: the name exists, not with that type */
	ask(e, "www.example.test", DNS_TYPE_AAAA);
	assert_int_equal(DNS_RCODE(e->m.flags), DNS_RCODE_NOERROR);
	assert_int_equal(e->m.n_an, 0);
	assert_int_equal(e->m.n_ns, 1);
	ask(e, "www.example.test", DNS_TYPE_NS);
	assert_int_equal(DNS_RCODE(e->m.flags), DNS_RCODE_NOERROR);
	assert_int_equal(e->m.n_an, 0);
}

static void test_garbage(void **state)
{
	struct env *e = *state;
	uint8_t a[2048];

	/* a header with a question count the message cannot hold: FORMERR */
	uint8_t bad[14] = { 0xbe, 0xef, 0x01, 0x00, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 3, 'a' };
	uint64_t before;
	struct ustack_stats s;
	ustack_get_stats(e->srv, &s);
	before = s.drops[USTACK_DROP_DNS_MALFORMED];
	ssize_t n = ask_raw(e, bad, sizeof(bad), a, sizeof(a));
	assert_int_equal(n, DNS_HDR_LEN);
	assert_int_equal(be16_get(a), 0xbeef);
	assert_int_equal(be16_get(a + 2), DNS_F_QR | DNS_F_RD | DNS_RCODE_FORMERR);
	ustack_get_stats(e->srv, &s);
	assert_int_equal(s.drops[USTACK_DROP_DNS_MALFORMED] - before, 1);
	/* runts and responses get no answer */
	assert_int_equal(ask_raw(e, bad, 5, a, sizeof(a)), 0);
	uint8_t q[512];
	int ql = dns_build_query(q, sizeof(q), 7, "www.example.test", DNS_TYPE_A, false);
	q[2] |= DNS_F_QR >> 8;
	assert_int_equal(ask_raw(e, q, (size_t)ql, a, sizeof(a)), 0);
	/* another opcode (2: STATUS): NOTIMP */
	ql = dns_build_query(q, sizeof(q), 8, "www.example.test", DNS_TYPE_A, false);
	q[2] |= 2 << 3;
	n = ask_raw(e, q, (size_t)ql, a, sizeof(a));
	assert_int_equal(n, DNS_HDR_LEN);
	assert_int_equal(DNS_RCODE(be16_get(a + 2)), DNS_RCODE_NOTIMP);
	/* and it still answers after all that */
	ask(e, "www.example.test", DNS_TYPE_A);
	assert_int_equal(e->m.n_an, 1);
}

static void test_truncation(void **state)
{
	struct env *e = *state;
	uint8_t q[512], a[2048];
	int ql = dns_build_query(q, sizeof(q), 9, "big.example.test", DNS_TYPE_A, true);
	ssize_t n = ask_raw(e, q, (size_t)ql, a, sizeof(a));

	assert_true(n > 0 && n <= 512);                 /* RFC 1035 4.2.1 */
	assert_int_equal(dns_parse(a, (size_t)n, &e->m), WIRE_OK);
	assert_true(e->m.flags & DNS_F_TC);
	assert_true(e->m.n_an < 40);
}

static void test_zone_errors(void **state)
{
	struct env *e = *state;

	errno = 0;
	assert_null(ustack_dns_server_start(e->srv, "www A 1.2.3\n", 5400, 60));
	assert_int_equal(errno, EINVAL);
	/* a type the zone does not know (MX is known since the mail demo; its errors are
	 * tests/unit/test_dns_mx.c's) */
	assert_null(ustack_dns_server_start(e->srv, "www TXT hello\n", 5400, 60));
	assert_null(ustack_dns_server_start(e->srv, "www MX 10\n", 5400, 60));
	assert_null(ustack_dns_server_start(e->srv, "www A\n", 5400, 60));
	assert_null(ustack_dns_server_start(e->srv, "a..b A 1.2.3.4\n", 5400, 60));
	assert_null(ustack_dns_server_start(e->srv, NULL, 5400, 60));
	/* the port is taken by the running server */
	errno = 0;
	assert_null(ustack_dns_server_start(e->srv, "x A 1.2.3.4\n", 5353, 60));
	assert_int_equal(errno, EADDRINUSE);
	/* an empty zone is a valid one that knows no names */
	struct ustack_dns_server *s = ustack_dns_server_start(e->srv, "# nothing\n", 5400, 60);
	assert_non_null(s);
	ustack_dns_server_stop(s);
}

/* The resolver of the client against this server, on the same virtual clock, stepped
 * by hand: the non-blocking parts are exercised elsewhere; here just that a stack
 * torn down with a running server frees it (no leak under ASan). */
static void test_teardown_with_server(void **state)
{
	struct env *e = *state;

	assert_non_null(ustack_dns_server_start(e->cli, "x A 1.2.3.4\n", 53, 60));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nxdomain_nodata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zone_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_teardown_with_server, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
