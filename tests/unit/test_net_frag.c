/* test_net_frag.c - IPv4 fragmentation (ipv4_fragment) and reassembly (ipv4_reasm)
 * driven directly, without devices: pieces are 8-byte aligned with correct headers;
 * any order with exact duplicates reassembles to the original bytes; the memory
 * accounting returns to zero; a fragment of a fragment keeps the original MF. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/rng.h"
#include "core/stack.h"
#include "net/ipv4_frag.h"
#include "wire/csum.h"
#include "wire/ipv4.h"

/* A datagram of plen payload bytes (pattern from seed) with a 20-byte header. */
static struct pkt *datagram(struct ustack *st, size_t plen, uint16_t id, uint8_t seed)
{
	struct ipv4_repr h = {
		.hdr_len = 20, .total_len = (uint16_t)(20 + plen), .id = id, .ttl = 9,
		.proto = 17, .src = 0x0a000001, .dst = 0x0a000002,
	};
	struct pkt *p = pkt_alloc(st, 20 + plen);
	uint8_t *b;

	assert_non_null(p);
	b = pkt_put(p, 20 + plen);
	ipv4_emit(&h, b);
	for (size_t i = 0; i < plen; i++)
		b[20 + i] = (uint8_t)(i * 13 + seed);
	return p;
}

/* Prepare a fragment for ipv4_reasm as ipv4_input would. */
static void as_input(struct pkt *p)
{
	struct ipv4_repr h;

	assert_int_equal(ipv4_parse(p->data, p->len, &h, true), WIRE_OK);
	p->l3 = p->data;
	p->l3_len = p->len;
	p->ip_src = h.src;
	p->ip_dst = h.dst;
	p->ip_proto = h.proto;
	p->ip_ttl = h.ttl;
	p->ip_tos = h.tos;
	p->ifindex = 0;
}

static void test_fragment_shape(void **state)
{
	struct ustack *st = ustack_new(&(struct ustack_config){ .seed = 1 });
	struct pkt_queue q = { 0 };
	struct pkt *p, *orig;
	size_t expect_off = 0, n = 0;

	(void)state;
	orig = datagram(st, 4000, 77, 3);
	p = pkt_clone(st, orig);
	assert_int_equal(ipv4_fragment(st, p, 1500, &q), 0);
	assert_int_equal(q.count, 3);
	while ((p = pkt_queue_pop(&q)) != NULL) {
		struct ipv4_repr h;

		assert_int_equal(ipv4_parse(p->data, p->len, &h, true), WIRE_OK);
		assert_true(p->len <= 1500);
		assert_int_equal(h.id, 77);
		assert_int_equal(h.frag_off, expect_off);
		assert_int_equal(h.frag_off % 8, 0);
		assert_int_equal(h.mf, n < 2);
		assert_memory_equal(p->data + 20, orig->data + 20 + h.frag_off, h.total_len - 20);
		expect_off += h.total_len - 20;
		n++;
		pkt_free(st, p);
	}
	assert_int_equal(expect_off, 4000);

	/* A non-last fragment split again: every piece keeps MF, offsets add up. */
	{
		struct ipv4_repr h;
		uint8_t *b = orig->data;

		be16_put(b + 6, 0x2000 | (800 / 8));
		be16_put(b + 2, 20 + 1000);
		be16_put(b + 10, 0);
		be16_put(b + 10, csum(b, 20));
		orig->len = 1020;
		assert_int_equal(ipv4_fragment(st, orig, 576, &q), 0);
		assert_int_equal(q.count, 2);
		p = pkt_queue_pop(&q);
		assert_int_equal(ipv4_parse(p->data, p->len, &h, true), WIRE_OK);
		assert_int_equal(h.frag_off, 800);
		assert_true(h.mf);
		pkt_free(st, p);
		p = pkt_queue_pop(&q);
		assert_int_equal(ipv4_parse(p->data, p->len, &h, true), WIRE_OK);
		assert_int_equal(h.frag_off, 800 + 552);
		assert_true(h.mf);
		pkt_free(st, p);
	}
	assert_int_equal(st->pool.in_use, 0);
	ustack_free(st);
}

static void test_reassembly_any_order(void **state)
{
	struct ustack *st = ustack_new(&(struct ustack_config){ .seed = 2 });
	uint64_t rng[4];

	(void)state;
	rng_seed(rng, 12345);
	for (int round = 0; round < 300; round++) {
		size_t plen = 1 + rng_next(rng) % 9000;
		unsigned mtu = 68 + (unsigned)(rng_next(rng) % 1500);
		struct pkt_queue q = { 0 };
		struct pkt *frags[256], *orig, *whole = NULL;
		size_t nf = 0;

		orig = datagram(st, plen, (uint16_t)round, (uint8_t)round);
		assert_int_equal(ipv4_fragment(st, pkt_clone(st, orig), mtu, &q), 0);
		while (q.count && nf < 255)
			frags[nf++] = pkt_queue_pop(&q);
		assert_int_equal(q.count, 0);
		/* A shuffle, then an exact duplicate of a random piece somewhere before the
		 * last (a duplicate after completion would start a new datagram). */
		for (size_t i = nf; i > 1; i--) {
			size_t j = rng_next(rng) % i;
			struct pkt *t = frags[i - 1];

			frags[i - 1] = frags[j];
			frags[j] = t;
		}
		if (nf > 1) {
			size_t at = rng_next(rng) % (nf - 1);
			struct pkt *dup = pkt_clone(st, frags[rng_next(rng) % (nf - 1)]);

			memmove(&frags[at + 1], &frags[at], (nf - at) * sizeof(frags[0]));
			frags[at] = dup;
			nf++;
		}
		for (size_t i = 0; i < nf; i++) {
			struct pkt *r;

			as_input(frags[i]);
			if (nf == 1) {
				/* Small enough to go whole: not a fragment at all. */
				pkt_free(st, frags[i]);
				whole = pkt_clone(st, orig);
				continue;
			}
			r = ipv4_reasm(st, frags[i]);
			if (r) {
				assert_null(whole);
				whole = r;
			}
		}
		assert_non_null(whole);
		assert_int_equal(whole->len, orig->len);
		assert_int_equal(csum(whole->data, 20), 0);
		assert_memory_equal(whole->data + 20, orig->data + 20, plen);
		assert_int_equal(ipv4_reasm_bytes(st), 0);
		assert_int_equal(ipv4_reasm_count(st), 0);
		pkt_free(st, whole);
		pkt_free(st, orig);
		assert_int_equal(st->pool.in_use, 0);
	}
	ustack_free(st);
}

/* Freeing the stack with datagrams half-assembled leaks nothing (LeakSanitizer). */
static void test_free_with_pending(void **state)
{
	struct ustack *st = ustack_new(&(struct ustack_config){ .seed = 3 });
	struct pkt_queue q = { 0 };

	(void)state;
	for (uint16_t id = 0; id < 10; id++) {
		struct pkt *p;

		assert_int_equal(ipv4_fragment(st, datagram(st, 3000, id, 1), 1000, &q), 0);
		p = pkt_queue_pop(&q);
		as_input(p);
		assert_null(ipv4_reasm(st, p));
		pkt_queue_purge(st, &q);
	}
	assert_int_equal(ipv4_reasm_count(st), 10);
	assert_true(ipv4_reasm_bytes(st) > 10 * 976);
	ustack_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fragment_shape),
		cmocka_unit_test(test_reassembly_any_order),
		cmocka_unit_test(test_free_with_pending),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
