/* test_wire_dns.c - DNS messages (RFC 1035): a dnsmasq answer with compression and a
 * CNAME chain, the query and answer builders, SOA/AAAA/skipped types, record limits,
 * and hostile messages: pointer loops, forward pointers, counts beyond the message,
 * labels past the end, over-long names, every truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/dns.h"
#include "test_wire_golden.h"

/* A message under construction by hand (for hostile inputs). */
struct raw {
	uint8_t b[1024];
	size_t n;
};

static void raw_bytes(struct raw *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void raw_u16(struct raw *m, uint16_t v)
{
	uint8_t t[2];
	be16_put(t, v);
	raw_bytes(m, t, 2);
}

static void raw_u32(struct raw *m, uint32_t v)
{
	uint8_t t[4];
	be32_put(t, v);
	raw_bytes(m, t, 4);
}

static void raw_hdr(struct raw *m, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	m->n = 0;
	raw_u16(m, 0x1234);
	raw_u16(m, DNS_F_QR | DNS_F_RD | DNS_F_RA);
	raw_u16(m, qd);
	raw_u16(m, an);
	raw_u16(m, ns);
	raw_u16(m, ar);
}

/* An uncompressed name from dotted text. */
static void raw_name(struct raw *m, const char *name)
{
	int n = dns_name_encode(name, m->b + m->n, sizeof(m->b) - m->n);
	assert_true(n > 0);
	m->n += (size_t)n;
}

static void raw_rr_head(struct raw *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	raw_u16(m, type);
	raw_u16(m, DNS_CLASS_IN);
	raw_u32(m, ttl);
	raw_u16(m, rdlen);
}

static struct dns_msg msg;   /* large: keep it off the stack */

static void test_dns_golden_answer(void **state)
{
	(void)state;
	assert_int_equal(dns_parse(dns_answer, sizeof(dns_answer), &msg), WIRE_OK);
	assert_int_equal(msg.id, 0xbeef);
	assert_int_equal(msg.flags, 0x8580);
	assert_true(msg.flags & DNS_F_QR);
	assert_true(msg.flags & DNS_F_AA);
	assert_int_equal(DNS_RCODE(msg.flags), DNS_RCODE_NOERROR);
	assert_int_equal(msg.qdcount, 1);
	assert_int_equal(msg.ancount, 3);
	assert_string_equal(msg.qname, "www.example.test");
	assert_int_equal(msg.qtype, DNS_TYPE_A);
	assert_int_equal(msg.qclass, DNS_CLASS_IN);
	assert_int_equal(msg.n_an, 3);
	assert_int_equal(msg.n_ns, 0);

	assert_string_equal(msg.an[0].name, "www.example.test");
	assert_int_equal(msg.an[0].type, DNS_TYPE_CNAME);
	assert_string_equal(msg.an[0].target, "alias.example.test");
	assert_string_equal(msg.an[1].name, "alias.example.test");
	assert_int_equal(msg.an[1].type, DNS_TYPE_CNAME);
	assert_string_equal(msg.an[1].target, "web.example.test");
	assert_string_equal(msg.an[2].name, "web.example.test");
	assert_int_equal(msg.an[2].type, DNS_TYPE_A);
	assert_int_equal(msg.an[2].rclass, DNS_CLASS_IN);
	assert_int_equal(msg.an[2].rdlen, 4);
	assert_int_equal(msg.an[2].a, 0x0a630007u);
}

static void test_dns_name_decode_offsets(void **state)
{
	(void)state;
	char out[DNS_MAX_NAME + 1];
	size_t next = 0;

	assert_int_equal(dns_name_decode(dns_answer, sizeof(dns_answer), 12, out, &next), WIRE_OK);
	assert_string_equal(out, "www.example.test");
	assert_int_equal(next, 30);
	/* the pointer c0 0c at 34: next is just after the pointer */
	assert_int_equal(dns_name_decode(dns_answer, sizeof(dns_answer), 34, out, &next), WIRE_OK);
	assert_string_equal(out, "www.example.test");
	assert_int_equal(next, 36);
	/* "web" + pointer to ".example.test" inside the alias name */
	/* the second CNAME's target, uncompressed, and the A record's pointer to it */
	assert_int_equal(dns_name_decode(dns_answer, sizeof(dns_answer), 78, out, &next), WIRE_OK);
	assert_string_equal(out, "web.example.test");
	assert_int_equal(next, 96);
	assert_int_equal(dns_name_decode(dns_answer, sizeof(dns_answer), 96, out, &next), WIRE_OK);
	assert_string_equal(out, "web.example.test");
	assert_int_equal(next, 98);
	/* the second CNAME's owner: a pointer to the first CNAME's target */
	assert_int_equal(dns_name_decode(dns_answer, sizeof(dns_answer), 66, out, &next), WIRE_OK);
	assert_string_equal(out, "alias.example.test");
	/* every offset: no crash, and on success a name that fits */
	for (size_t off = 0; off <= sizeof(dns_answer) + 1; off++)
		if (dns_name_decode(dns_answer, sizeof(dns_answer), off, out, &next) == WIRE_OK) {
			assert_true(strlen(out) <= DNS_MAX_NAME);
			assert_true(next <= sizeof(dns_answer));
		}
}

static void test_dns_every_truncation(void **state)
{
	(void)state;
	for (size_t len = 0; len < sizeof(dns_answer); len++)
		assert_int_not_equal(dns_parse(dns_answer, len, &msg), WIRE_OK);
}

static void test_dns_counts_beyond_message(void **state)
{
	(void)state;
	uint8_t p[sizeof(dns_answer)];

	for (size_t field = 4; field < 12; field += 2) {
		memcpy(p, dns_answer, sizeof(p));
		be16_put(p + field, 0xffff);
		assert_int_equal(dns_parse(p, sizeof(p), &msg), WIRE_BAD_LEN);
	}
	/* one more answer than there is: the count passes the size check, parsing does not */
	memcpy(p, dns_answer, sizeof(p));
	be16_put(p + 6, 4);
	assert_int_not_equal(dns_parse(p, sizeof(p), &msg), WIRE_OK);
	memcpy(p, dns_answer, sizeof(p));
	be16_put(p + 10, 1);
	assert_int_not_equal(dns_parse(p, sizeof(p), &msg), WIRE_OK);
}

static void test_dns_pointer_loops(void **state)
{
	(void)state;
	struct raw m;
	char out[DNS_MAX_NAME + 1];
	size_t next;

	/* self-pointer as the question name */
	raw_hdr(&m, 1, 0, 0, 0);
	raw_bytes(&m, "\xc0\x0c\x00\x01\x00\x01", 6);
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_BAD_NAME);

	/* two pointers pointing at each other: 12 -> 14 -> 12 */
	raw_hdr(&m, 1, 0, 0, 0);
	raw_bytes(&m, "\xc0\x0e\xc0\x0c\x00\x01\x00\x01", 8);
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_BAD_NAME);
	assert_int_equal(dns_name_decode(m.b, m.n, 14, out, &next), WIRE_BAD_NAME);

	/* a label then a pointer back to that label: "a.a.a..." forever */
	raw_hdr(&m, 1, 0, 0, 0);
	raw_bytes(&m, "\x01" "a" "\xc0\x0c\x00\x01\x00\x01", 8);
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_BAD_NAME);

	/* the same loop in an answer's owner name, after a good question */
	raw_hdr(&m, 1, 1, 0, 0);
	raw_name(&m, "x.test");
	raw_u16(&m, DNS_TYPE_A);
	raw_u16(&m, DNS_CLASS_IN);
	size_t at = m.n;
	raw_bytes(&m, "\x01" "b", 2);
	raw_u16(&m, (uint16_t)(0xc000 | at));
	raw_rr_head(&m, DNS_TYPE_A, 1, 4);
	raw_u32(&m, 1);
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_BAD_NAME);

	/* a forward pointer is refused even when it would end */
	raw_hdr(&m, 1, 0, 0, 0);
	raw_bytes(&m, "\xc0\x12\x00\x01\x00\x01\x00", 7);
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_BAD_NAME);

	/* reserved label types 0x40 and 0x80 */
	raw_hdr(&m, 1, 0, 0, 0);
	raw_bytes(&m, "\x41" "a\x00\x00\x01\x00\x01", 7);
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_BAD_NAME);
	m.b[12] = 0x81;
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_BAD_NAME);
}

static void test_dns_long_chain_of_pointers(void **state)
{
	(void)state;
	struct raw m;
	char out[DNS_MAX_NAME + 1];
	size_t next;

	/* name "a" at 12, then 100 pointers each pointing at the one before */
	raw_hdr(&m, 0, 0, 0, 0);
	raw_bytes(&m, "\x01" "a\x00", 3);
	size_t prev = 12;
	for (int i = 0; i < 100; i++) {
		size_t here = m.n;
		raw_u16(&m, (uint16_t)(0xc000 | prev));
		prev = here;
	}
	assert_int_equal(dns_name_decode(m.b, m.n, 15, out, &next), WIRE_OK);
	assert_string_equal(out, "a");
	assert_int_equal(dns_name_decode(m.b, m.n, prev, out, &next), WIRE_BAD_NAME);   /* hops */
}

static void test_dns_label_past_end(void **state)
{
	(void)state;
	struct raw m;

	raw_hdr(&m, 1, 0, 0, 0);
	raw_bytes(&m, "\x3f" "abc", 4);
	assert_int_not_equal(dns_parse(m.b, m.n, &msg), WIRE_OK);
	raw_hdr(&m, 1, 0, 0, 0);
	raw_bytes(&m, "\x03" "www\x05", 5);   /* no terminating zero */
	raw_bytes(&m, "\x00\x00\x00\x00\x00", 5);
	m.n -= 4;
	assert_int_not_equal(dns_parse(m.b, m.n, &msg), WIRE_OK);
	/* a pointer cut in half */
	raw_hdr(&m, 1, 0, 0, 0);
	raw_bytes(&m, "\x01" "a\xc0", 3);
	assert_int_not_equal(dns_parse(m.b, m.n, &msg), WIRE_OK);
}

static void test_dns_name_length_limit(void **state)
{
	(void)state;
	struct raw m;
	char label[64];
	char out[DNS_MAX_NAME + 1];
	size_t next;

	memset(label, 'x', 63);
	label[63] = '\0';

	/* 3 x 63 + 61 bytes of labels: 255 bytes on the wire, allowed */
	raw_hdr(&m, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		raw_bytes(&m, "\x3f", 1);
		raw_bytes(&m, label, 63);
	}
	raw_bytes(&m, "\x3d", 1);
	raw_bytes(&m, label, 61);
	raw_bytes(&m, "\x00\x00\x01\x00\x01", 5);
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_OK);
	assert_int_equal(strlen(msg.qname), 253);

	/* one byte more: refused */
	raw_hdr(&m, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		raw_bytes(&m, "\x3f", 1);
		raw_bytes(&m, label, 63);
	}
	raw_bytes(&m, "\x3e", 1);
	raw_bytes(&m, label, 62);
	raw_bytes(&m, "\x00\x00\x01\x00\x01", 5);
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_BAD_NAME);

	/* long through pointers: 200 bytes of labels, then a name adding 60 more by pointer */
	raw_hdr(&m, 0, 0, 0, 0);
	for (int i = 0; i < 4; i++) {
		raw_bytes(&m, "\x31", 1);
		raw_bytes(&m, label, 49);
	}
	raw_bytes(&m, "\x00", 1);
	size_t second = m.n;
	raw_bytes(&m, "\x3b", 1);
	raw_bytes(&m, label, 59);
	raw_u16(&m, 0xc00c);
	assert_int_equal(dns_name_decode(m.b, m.n, 12, out, &next), WIRE_OK);
	assert_int_equal(dns_name_decode(m.b, m.n, second, out, &next), WIRE_BAD_NAME);
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_OK);   /* counts are 0: not read */
}

static void test_dns_rdata_types(void **state)
{
	(void)state;
	struct raw m;
	static const uint8_t v6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

	/* NXDOMAIN with SOA in authority; an AAAA, an MX (skipped), an OPT in additional */
	raw_hdr(&m, 1, 2, 1, 1);
	be16_put(m.b + 2, DNS_F_QR | DNS_F_AA | DNS_RCODE_NXDOMAIN);
	raw_name(&m, "nx.example.test");
	raw_u16(&m, DNS_TYPE_AAAA);
	raw_u16(&m, DNS_CLASS_IN);
	raw_u16(&m, 0xc00c);
	raw_rr_head(&m, DNS_TYPE_AAAA, 60, 16);
	raw_bytes(&m, v6, 16);
	raw_u16(&m, 0xc00c);
	raw_rr_head(&m, 15, 60, 7);     /* MX 10 mx.test. -- skipped by rdlength */
	raw_bytes(&m, "\x00\x0a\x02mx\xc0\x0f", 7);
	raw_u16(&m, 0xc00f);            /* example.test */
	raw_rr_head(&m, DNS_TYPE_SOA, 300, 2 + 4 + 20);
	raw_bytes(&m, "\x02ns\xc0\x0f", 5);
	raw_bytes(&m, "\x00", 1);       /* rname: root */
	raw_u32(&m, 2024010101);
	raw_u32(&m, 3600);
	raw_u32(&m, 600);
	raw_u32(&m, 86400);
	raw_u32(&m, 42);                /* MINIMUM */
	raw_bytes(&m, "\x00", 1);       /* OPT: root name, type 41, udp size 1232 */
	raw_u16(&m, 41);
	raw_u16(&m, 1232);
	raw_u32(&m, 0);
	raw_u16(&m, 0);
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_OK);
	assert_int_equal(DNS_RCODE(msg.flags), DNS_RCODE_NXDOMAIN);
	assert_int_equal(msg.n_an, 2);
	assert_int_equal(msg.an[0].type, DNS_TYPE_AAAA);
	assert_memory_equal(msg.an[0].aaaa, v6, 16);
	assert_int_equal(msg.an[1].type, 15);
	assert_int_equal(msg.n_ns, 1);
	assert_string_equal(msg.ns[0].name, "example.test");
	assert_int_equal(msg.ns[0].type, DNS_TYPE_SOA);
	assert_int_equal(msg.ns[0].soa_minimum, 42);
	assert_int_equal(msg.ns[0].ttl, 300);

	/* the OPT record cut short: the additional section is still bounds-checked */
	assert_int_not_equal(dns_parse(m.b, m.n - 1, &msg), WIRE_OK);
	/* trailing bytes after the last section are tolerated */
	raw_bytes(&m, "\xff", 1);
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_OK);
}

static void test_dns_bad_rdlengths(void **state)
{
	(void)state;
	uint8_t p[sizeof(dns_answer)];

	/* the A record's rdlength 4 -> 5 (past the end) and -> 3 (bad for an A) */
	memcpy(p, dns_answer, sizeof(p));
	be16_put(p + 106, 5);
	assert_int_equal(dns_parse(p, sizeof(p), &msg), WIRE_TRUNCATED);
	be16_put(p + 106, 3);
	assert_int_equal(dns_parse(p, sizeof(p) - 1, &msg), WIRE_BAD_FIELD);
	/* the first CNAME's rdlength one short of its name */
	memcpy(p, dns_answer, sizeof(p));
	be16_put(p + 44, 0x13);
	assert_int_not_equal(dns_parse(p, sizeof(p), &msg), WIRE_OK);
	/* an rdlength of 0xffff */
	memcpy(p, dns_answer, sizeof(p));
	be16_put(p + 44, 0xffff);
	assert_int_equal(dns_parse(p, sizeof(p), &msg), WIRE_TRUNCATED);
}

static void test_dns_more_records_than_kept(void **state)
{
	(void)state;
	struct raw m;
	const uint16_t n = DNS_MAX_RR + 8;

	raw_hdr(&m, 1, n, 0, 0);
	raw_name(&m, "many.test");
	raw_u16(&m, DNS_TYPE_A);
	raw_u16(&m, DNS_CLASS_IN);
	for (uint16_t i = 0; i < n; i++) {
		raw_u16(&m, 0xc00c);
		raw_rr_head(&m, DNS_TYPE_A, 5, 4);
		raw_u32(&m, 0x0a000000u + i);
	}
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_OK);
	assert_int_equal(msg.ancount, n);
	assert_int_equal(msg.n_an, DNS_MAX_RR);
	assert_int_equal(msg.an[DNS_MAX_RR - 1].a, 0x0a000000u + DNS_MAX_RR - 1);

	/* a bad record past the kept ones still rejects the message */
	be16_put(m.b + m.n - 6, 5);
	assert_int_not_equal(dns_parse(m.b, m.n, &msg), WIRE_OK);
	be16_put(m.b + m.n - 6, 4);
	be16_put(m.b + m.n - 16, (uint16_t)(0xc000 | (m.n - 16)));   /* self-pointer, last record */
	assert_int_equal(dns_parse(m.b, m.n, &msg), WIRE_BAD_NAME);
}

static void test_dns_build_query_matches_capture(void **state)
{
	(void)state;
	/* the query the resolver sent in the capture (RD set, one question) */
	static const uint8_t want[34] = {
		0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x04, 't', 'e', 's', 't', 0x00,
		0x00, 0x01, 0x00, 0x01,
	};
	uint8_t buf[512];

	assert_int_equal(dns_build_query(buf, sizeof(buf), 0xbeef, "www.example.test", DNS_TYPE_A,
					 true), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(dns_build_query(buf, sizeof(buf), 0xbeef, "www.example.test.", DNS_TYPE_A,
					 true), sizeof(want));
	for (size_t cap = 0; cap < sizeof(want); cap++)
		assert_int_equal(dns_build_query(buf, cap, 1, "www.example.test", DNS_TYPE_A, true), -1);
	assert_int_equal(dns_build_query(buf, sizeof(buf), 1, "a..b", DNS_TYPE_A, true), -1);
	assert_int_equal(dns_build_query(buf, sizeof(buf), 1, "www.example.test", DNS_TYPE_AAAA,
					 false), 34);
	assert_int_equal(be16_get(buf + 2), 0);
	assert_int_equal(be16_get(buf + 30), DNS_TYPE_AAAA);
}

static void test_dns_builder_answer(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct dns_builder b;

	dns_builder_init(&b, buf, sizeof(buf), 0xbeef, DNS_F_QR | DNS_F_AA | DNS_F_RD | DNS_F_RA,
			 "www.example.test", DNS_TYPE_A);
	dns_builder_add_cname(&b, "www.example.test", 0, "alias.example.test");
	dns_builder_add_cname(&b, "alias.example.test", 0, "web.example.test");
	dns_builder_add_a(&b, "web.example.test", 0, 0x0a630007);
	int len = dns_builder_finish(&b);
	assert_true(len > 0);
	assert_int_equal(dns_parse(buf, (size_t)len, &msg), WIRE_OK);
	assert_int_equal(msg.flags, 0x8580);
	assert_int_equal(msg.n_an, 3);
	assert_string_equal(msg.an[0].target, "alias.example.test");
	assert_string_equal(msg.an[1].target, "web.example.test");
	assert_int_equal(msg.an[2].a, 0x0a630007);

	/* same records as the dnsmasq answer, parsed: same content */
	struct dns_msg *gold = &msg;
	static struct dns_msg built;
	assert_int_equal(dns_parse(buf, (size_t)len, &built), WIRE_OK);
	assert_int_equal(dns_parse(dns_answer, sizeof(dns_answer), gold), WIRE_OK);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(built.an[i].name, gold->an[i].name);
		assert_string_equal(built.an[i].target, gold->an[i].target);
		assert_int_equal(built.an[i].type, gold->an[i].type);
		assert_int_equal(built.an[i].a, gold->an[i].a);
	}
}

static void test_dns_builder_overflow(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct dns_builder b;

	dns_builder_init(&b, buf, sizeof(buf), 7, DNS_F_QR, "a.test", DNS_TYPE_A);
	dns_builder_add_a(&b, "a.test", 1, 1);      /* 12 + 12 + 22 = 46 */
	dns_builder_add_a(&b, "a.test", 1, 2);      /* 68: does not fit */
	assert_true(b.overflow);
	assert_int_equal(dns_builder_finish(&b), -1);
	assert_int_equal(be16_get(buf + 6), 1);     /* what fit is counted, TC set */
	assert_true(be16_get(buf + 2) & DNS_F_TC);

	dns_builder_init(&b, buf, 8, 7, DNS_F_QR, "a.test", DNS_TYPE_A);
	assert_int_equal(dns_builder_finish(&b), -1);
	dns_builder_init(&b, buf, sizeof(buf), 7, DNS_F_QR, "a.test", DNS_TYPE_A);
	dns_builder_add_cname(&b, "a.test", 1, "bad..name");
	assert_int_equal(dns_builder_finish(&b), -1);
}

static void test_dns_name_encode(void **state)
{
	(void)state;
	uint8_t b[300];
	char longname[300];

	assert_int_equal(dns_name_encode("", b, sizeof(b)), 1);
	assert_int_equal(b[0], 0);
	assert_int_equal(dns_name_encode(".", b, sizeof(b)), 1);
	assert_int_equal(dns_name_encode("a.bc", b, sizeof(b)), 6);
	assert_memory_equal(b, "\x01" "a\x02" "bc\x00", 6);
	assert_int_equal(dns_name_encode("a.bc", b, 5), -1);
	static const char *const bad[] = { "a..b", ".a", "a.b..", "..", "a..", };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (dns_name_encode(bad[i], b, sizeof(b)) != -1)
			fail_msg("encoded \"%s\"", bad[i]);

	memset(longname, 'x', 64);
	longname[64] = '\0';
	assert_int_equal(dns_name_encode(longname, b, sizeof(b)), -1);   /* label of 64 */
	longname[63] = '\0';
	assert_int_equal(dns_name_encode(longname, b, sizeof(b)), 65);

	/* 253 characters of presentation form (255 on the wire) fit; 254 do not */
	for (int i = 0; i < 253; i++)
		longname[i] = (i % 50 == 49) ? '.' : 'y';
	longname[253] = '\0';
	assert_int_equal(dns_name_encode(longname, b, sizeof(b)), 255);
	longname[253] = 'y';
	longname[254] = '\0';
	assert_int_equal(dns_name_encode(longname, b, sizeof(b)), -1);
}

static void test_dns_rcode_str(void **state)
{
	(void)state;
	assert_string_equal(dns_rcode_str(DNS_RCODE_NOERROR), "NOERROR");
	assert_string_equal(dns_rcode_str(DNS_RCODE_FORMERR), "FORMERR");
	assert_string_equal(dns_rcode_str(DNS_RCODE_SERVFAIL), "SERVFAIL");
	assert_string_equal(dns_rcode_str(DNS_RCODE_NXDOMAIN), "NXDOMAIN");
	assert_string_equal(dns_rcode_str(DNS_RCODE_NOTIMP), "NOTIMP");
	assert_string_equal(dns_rcode_str(DNS_RCODE_REFUSED), "REFUSED");
	assert_string_equal(dns_rcode_str(9), "UNKNOWN");
	assert_string_equal(dns_rcode_str(-1), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_golden_answer),
		cmocka_unit_test(test_dns_name_decode_offsets),
		cmocka_unit_test(test_dns_every_truncation),
		cmocka_unit_test(test_dns_counts_beyond_message),
		cmocka_unit_test(test_dns_pointer_loops),
		cmocka_unit_test(test_dns_long_chain_of_pointers),
		cmocka_unit_test(test_dns_label_past_end),
		cmocka_unit_test(test_dns_name_length_limit),
		cmocka_unit_test(test_dns_rdata_types),
		cmocka_unit_test(test_dns_bad_rdlengths),
		cmocka_unit_test(test_dns_more_records_than_kept),
		cmocka_unit_test(test_dns_build_query_matches_capture),
		cmocka_unit_test(test_dns_builder_answer),
		cmocka_unit_test(test_dns_builder_overflow),
		cmocka_unit_test(test_dns_name_encode),
		cmocka_unit_test(test_dns_rcode_str),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
