/* fuzz_dns.c - libFuzzer target for DNS messages (RFC 1035, RFC 3596): dns_parse on the
 * input, dns_name_decode at every offset, and what parsed rebuilt with the builder and
 * parsed again (names and A/AAAA addresses must survive); a question for an in-addr.arpa
 * or ip6.arpa name maps to an address and back to the same name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire/dns.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static struct dns_msg m1, m2;
static uint8_t out[65536];

static void check_rr(const struct dns_rr *rr)
{
	CHECK(memchr(rr->name, '\0', sizeof(rr->name)) != NULL);
	CHECK(memchr(rr->target, '\0', sizeof(rr->target)) != NULL);
}

/* Rebuild the question and the A/CNAME answers; the builder's message must parse
 * back to the same names and addresses. */
static void rebuild(const struct dns_msg *m)
{
	struct dns_builder b;
	size_t kept = 0;

	if (m->qdcount == 0)
		return;
	dns_builder_init(&b, out, sizeof(out), m->id, m->flags, m->qname, m->qtype);
	for (size_t i = 0; i < m->n_an; i++) {
		const struct dns_rr *rr = &m->an[i];
		if (rr->type == DNS_TYPE_A && rr->rclass == DNS_CLASS_IN) {
			dns_builder_add_a(&b, rr->name, rr->ttl, rr->a);
			kept++;
		} else if (rr->type == DNS_TYPE_CNAME && rr->rclass == DNS_CLASS_IN) {
			dns_builder_add_cname(&b, rr->name, rr->ttl, rr->target);
			kept++;
		} else if (rr->type == DNS_TYPE_PTR && rr->rclass == DNS_CLASS_IN) {
			dns_builder_add_ptr(&b, rr->name, rr->ttl, rr->target);
			kept++;
		} else if (rr->type == DNS_TYPE_AAAA && rr->rclass == DNS_CLASS_IN) {
			dns_builder_add_aaaa(&b, rr->name, rr->ttl, rr->aaaa);
			kept++;
		}
	}
	int len = dns_builder_finish(&b);
	CHECK(len > 0);     /* decoded names always encode again; 64 KiB always holds them */
	CHECK(dns_parse(out, (size_t)len, &m2) == WIRE_OK);
	CHECK(m2.id == m->id && m2.qdcount == 1 && m2.ancount == kept);
	CHECK(strcmp(m2.qname, m->qname) == 0 && m2.qtype == m->qtype);
	size_t j = 0;
	for (size_t i = 0; i < m->n_an && j < m2.n_an; i++) {
		const struct dns_rr *rr = &m->an[i];
		if (rr->rclass != DNS_CLASS_IN || (rr->type != DNS_TYPE_A &&
		    rr->type != DNS_TYPE_CNAME && rr->type != DNS_TYPE_PTR &&
		    rr->type != DNS_TYPE_AAAA))
			continue;
		CHECK(strcmp(m2.an[j].name, rr->name) == 0 && m2.an[j].type == rr->type);
		CHECK(rr->type != DNS_TYPE_A || m2.an[j].a == rr->a);
		CHECK(rr->type != DNS_TYPE_AAAA || (m2.an[j].rdlen == 16 &&
		      memcmp(m2.an[j].aaaa, rr->aaaa, 16) == 0));
		CHECK(rr->type == DNS_TYPE_A || rr->type == DNS_TYPE_AAAA ||
		      strcmp(m2.an[j].target, rr->target) == 0);
		j++;
	}
}

/* A reverse name (in-addr.arpa, ip6.arpa) names one address, and that address's name is
 * it again. */
static void check_reverse(const char *name)
{
	uint32_t a;
	uint8_t a6[16];
	char back[DNS_MAX_NAME + 1];

	if (dns_ptr_addr(name, &a) == 0) {
		CHECK(dns_ptr6_addr(name, a6) != 0);
		dns_ptr_name(a, back, sizeof(back));
	} else if (dns_ptr6_addr(name, a6) == 0) {
		dns_ptr6_name(a6, back, sizeof(back));
	} else {
		return;
	}
	size_t n = strlen(back);
	CHECK(strncasecmp(back, name, n) == 0 && (name[n] == '\0' || strcmp(name + n, ".") == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[DNS_MAX_NAME + 1];
	size_t next;

	for (size_t off = 0; off <= size; off++)
		if (dns_name_decode(data, size, off, name, &next) == WIRE_OK) {
			CHECK(strlen(name) <= DNS_MAX_NAME && next > off && next <= size);
			uint8_t enc[DNS_MAX_NAME + 2];
			CHECK(dns_name_encode(name, enc, sizeof(enc)) > 0);
			check_reverse(name);
		}

	if (dns_parse(data, size, &m1) != WIRE_OK)
		return 0;
	CHECK(m1.n_an <= DNS_MAX_RR && m1.n_ns <= DNS_MAX_RR);
	CHECK(m1.n_an <= m1.ancount && m1.n_ns <= m1.nscount);
	CHECK(memchr(m1.qname, '\0', sizeof(m1.qname)) != NULL);
	for (size_t i = 0; i < m1.n_an; i++)
		check_rr(&m1.an[i]);
	for (size_t i = 0; i < m1.n_ns; i++)
		check_rr(&m1.ns[i]);
	(void)dns_rcode_str(DNS_RCODE(m1.flags));
	rebuild(&m1);
	return 0;
}
