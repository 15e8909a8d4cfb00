/* test_core_pkt.c - the packet pool: the bound (exhaustion is a counted drop, not a
 * crash), reuse of small buffers, large buffers apart, metadata reset, clones and
 * queues. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/stack.h"
#include "core/pkt.h"

static struct ustack *new_stack(size_t pkt_max)
{
	struct ustack_config cfg = { .seed = 3, .pkt_max = pkt_max };
	struct ustack *st = ustack_new(&cfg);

	assert_non_null(st);
	return st;
}

static void test_pkt_pool_bound(void **state)
{
	(void)state;
	struct ustack *st = new_stack(16);
	struct pkt *held[16];
	size_t base = st->pool.in_use;   /* modules may hold a few */
	size_t n = 16 - base;

	for (size_t i = 0; i < n; i++) {
		held[i] = pkt_alloc(st, 100);
		assert_non_null(held[i]);
	}
	assert_null(pkt_alloc(st, 100));
	assert_null(pkt_alloc(st, 100000));
	assert_int_equal(st->stats.drops[USTACK_DROP_PKT_POOL_EMPTY], 2);
	pkt_free(st, held[0]);
	held[0] = pkt_alloc(st, 100);
	assert_non_null(held[0]);
	for (size_t i = 0; i < n; i++)
		pkt_free(st, held[i]);
	assert_int_equal(st->pool.in_use, base);
	ustack_free(st);
}

static void test_pkt_reuse_and_reset(void **state)
{
	(void)state;
	struct ustack *st = new_stack(0);
	struct pkt *p = pkt_alloc(st, 200), *q;

	assert_non_null(p);
	assert_int_equal(p->cap, PKT_SMALL_CAP);
	assert_int_equal(pkt_headroom(p), PKT_HEADROOM);
	assert_int_equal(p->len, 0);
	assert_int_equal(p->ifindex, -1);
	assert_null(p->l3);
	memset(pkt_put(p, 200), 0xab, 200);
	p->ifindex = 3;
	p->l2_bcast = true;
	p->l3 = p->data;
	pkt_push(p, 14);
	pkt_free(st, p);
	q = pkt_alloc(st, 10);
	assert_ptr_equal(q, p);              /* the small buffer came back */
	assert_int_equal(q->len, 0);
	assert_int_equal(q->ifindex, -1);
	assert_false(q->l2_bcast);
	assert_null(q->l3);
	assert_int_equal(pkt_headroom(q), PKT_HEADROOM);
	pkt_free(st, q);
	ustack_free(st);
}

static void test_pkt_large(void **state)
{
	(void)state;
	struct ustack *st = new_stack(0);
	struct pkt *p = pkt_alloc(st, 65549);

	assert_non_null(p);
	assert_true(p->cap >= 65549 + PKT_HEADROOM);
	assert_true(pkt_tailroom(p) >= 65549);
	memset(pkt_put(p, 65549), 1, 65549);
	pkt_free(st, p);
	ustack_free(st);
}

static void test_pkt_clone(void **state)
{
	(void)state;
	struct ustack *st = new_stack(0);
	struct pkt *p = pkt_alloc(st, 100), *c;
	uint8_t *ip;

	ip = pkt_put(p, 60);
	for (int i = 0; i < 60; i++)
		ip[i] = (uint8_t)i;
	p->l3 = ip;
	p->l3_len = 60;
	p->ip_src = 0x0a000001;
	pkt_pull(p, 20);
	c = pkt_clone(st, p);
	assert_non_null(c);
	assert_ptr_not_equal(c->buf, p->buf);
	assert_int_equal(c->len, 40);
	assert_int_equal(pkt_headroom(c), pkt_headroom(p));
	assert_memory_equal(c->data, p->data, 40);
	assert_memory_equal(c->l3, ip, 60);   /* the pulled header came along */
	assert_int_equal(c->ip_src, 0x0a000001);
	pkt_free(st, p);
	pkt_free(st, c);
	ustack_free(st);
}

static void test_pkt_queue(void **state)
{
	(void)state;
	struct ustack *st = new_stack(0);
	struct pkt_queue q = { 0 };
	size_t base = st->pool.in_use;

	for (int i = 0; i < 5; i++) {
		struct pkt *p = pkt_alloc(st, 10);

		pkt_put(p, (size_t)i + 1)[0] = (uint8_t)i;
		pkt_queue_push(&q, p);
	}
	assert_int_equal(q.count, 5);
	assert_int_equal(q.bytes, 15);
	for (int i = 0; i < 2; i++) {
		struct pkt *p = pkt_queue_pop(&q);

		assert_int_equal(p->data[0], i);
		pkt_free(st, p);
	}
	assert_int_equal(q.count, 3);
	assert_int_equal(q.bytes, 12);
	pkt_queue_purge(st, &q);
	assert_int_equal(q.count, 0);
	assert_null(q.head);
	assert_null(pkt_queue_pop(&q));
	assert_int_equal(st->pool.in_use, base);
	ustack_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkt_pool_bound),
		cmocka_unit_test(test_pkt_reuse_and_reset),
		cmocka_unit_test(test_pkt_large),
		cmocka_unit_test(test_pkt_clone),
		cmocka_unit_test(test_pkt_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
