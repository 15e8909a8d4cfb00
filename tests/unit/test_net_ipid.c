/* test_net_ipid.c - IPv4 Identification (RFC 6864, RFC 7739): per destination, never
 * one global counter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "net/ipv4_id.h"

static void init(struct ipv4_id *t, uint64_t seed)
{
	uint64_t key[2] = { seed * 0x9e3779b97f4a7c15ull + 1, seed ^ 0x5555aaaa5555aaaaull };
	uint16_t start[IPV4_ID_BUCKETS];

	for (unsigned i = 0; i < IPV4_ID_BUCKETS; i++)
		start[i] = (uint16_t)(i * 7919u + seed);
	ipv4_id_init(t, key, start);
}

/* 65536 datagrams to one destination: no ID repeats (the whole ID space is the
 * window), even with traffic to other destinations in between. */
static void test_no_repeat_per_destination(void **state)
{
	struct ipv4_id t;
	uint8_t *seen = calloc(65536, 1);

	(void)state;
	init(&t, 1);
	for (unsigned i = 0; i < 65536; i++) {
		uint16_t id = ipv4_id_next(&t, 0x0a000001, 0x0a000002, 17);

		assert_int_equal(seen[id], 0);
		seen[id] = 1;
		if (i % 3 == 0)
			ipv4_id_next(&t, 0x0a000001, 0x0a000100 + i % 50, 6);   /* others */
	}
	free(seen);
}

/* Another destination does not see the same sequence, and traffic to one destination
 * does not move the IDs another sees (no idle-scan zombie): for destinations in other
 * buckets the next ID is exactly the previous + 1 whatever was sent elsewhere. */
static void test_destinations_independent(void **state)
{
	struct ipv4_id t;
	unsigned same = 0, independent = 0;

	(void)state;
	init(&t, 2);
	uint16_t a0 = ipv4_id_next(&t, 0x0a000001, 0x0a000002, 6);
	for (uint32_t d = 3; d < 203; d++) {
		uint16_t b = ipv4_id_next(&t, 0x0a000001, 0x0a000000 + d, 6);

		if (b == (uint16_t)(a0 + 1))
			same++;
		for (int k = 0; k < 20; k++)
			ipv4_id_next(&t, 0x0a000001, 0x0a000000 + d, 6);
		uint16_t a = ipv4_id_next(&t, 0x0a000001, 0x0a000002, 6);
		if (a == (uint16_t)(a0 + 1))
			independent++;
		a0 = a;
	}
	assert_true(same <= 2);                /* chance only */
	assert_true(independent >= 190);       /* all but a shared bucket or two */
	/* the same flow with another protocol is another sequence */
	init(&t, 3);
	uint16_t u = ipv4_id_next(&t, 0x0a000001, 0x0a000002, 17);
	uint16_t v = ipv4_id_next(&t, 0x0a000001, 0x0a000002, 6);
	assert_int_not_equal(u, (uint16_t)(v - 1));
}

/* Two stacks (different secrets) give one destination unrelated IDs. */
static void test_secret_matters(void **state)
{
	struct ipv4_id a, b;
	unsigned eq = 0;

	(void)state;
	init(&a, 10);
	init(&b, 11);
	for (int i = 0; i < 100; i++)
		eq += ipv4_id_next(&a, 1, 2, 6) == ipv4_id_next(&b, 1, 2, 6);
	assert_true(eq < 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_repeat_per_destination),
		cmocka_unit_test(test_destinations_independent),
		cmocka_unit_test(test_secret_matters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
