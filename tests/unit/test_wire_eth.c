/* test_wire_eth.c - Ethernet II header and ARP (RFC 826) on captured frames:
 * known fields, round trips, every truncation, refused hardware/protocol types. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/eth.h"
#include "wire/arp.h"
#include "test_wire_golden.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static void test_eth_parse_golden(void **state)
{
	(void)state;
	struct eth_repr e;

	assert_int_equal(eth_parse(arp_req, sizeof(arp_req), &e), WIRE_OK);
	assert_true(eth_is_broadcast(e.dst));
	assert_true(eth_is_multicast(e.dst));
	assert_memory_equal(e.src, mac_a, 6);
	assert_int_equal(e.type, ETHERTYPE_ARP);

	assert_int_equal(eth_parse(tcp_syn, sizeof(tcp_syn), &e), WIRE_OK);
	assert_memory_equal(e.dst, mac_b, 6);
	assert_false(eth_is_broadcast(e.dst));
	assert_false(eth_is_multicast(e.dst));
	assert_int_equal(e.type, ETHERTYPE_IPV4);
}

static void test_eth_round_trip(void **state)
{
	(void)state;
	const uint8_t *frames[] = { arp_req, arp_reply, tcp_syn, udp_dgram };
	struct eth_repr e;
	uint8_t out[ETH_HDR_LEN];

	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		assert_int_equal(eth_parse(frames[i], ETH_HDR_LEN, &e), WIRE_OK);
		eth_emit(&e, out);
		assert_memory_equal(out, frames[i], ETH_HDR_LEN);
	}
}

static void test_eth_truncated(void **state)
{
	(void)state;
	struct eth_repr e;

	for (size_t len = 0; len < ETH_HDR_LEN; len++)
		assert_int_equal(eth_parse(arp_req, len, &e), WIRE_TRUNCATED);
}

static void test_eth_multicast_and_ntoa(void **state)
{
	(void)state;
	const uint8_t v6mc[6] = { 0x33, 0x33, 0, 0, 0, 0x16 };
	const uint8_t odd[6] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff };
	char s[18];

	assert_true(eth_is_multicast(v6mc));
	assert_false(eth_is_broadcast(v6mc));
	assert_string_equal(eth_ntoa(mac_a, s), "02:00:00:00:00:0a");
	assert_string_equal(eth_ntoa(odd, s), "de:ad:be:ef:00:ff");
}

static void test_arp_request_reply(void **state)
{
	(void)state;
	struct arp_repr a;

	assert_int_equal(arp_parse(arp_req + GOLD_L3, sizeof(arp_req) - GOLD_L3, &a), WIRE_OK);
	assert_int_equal(a.op, ARP_OP_REQUEST);
	assert_memory_equal(a.sha, mac_a, 6);
	assert_int_equal(a.spa, GOLD_IP_A);
	assert_int_equal(a.tpa, GOLD_IP_B);

	assert_int_equal(arp_parse(arp_reply + GOLD_L3, sizeof(arp_reply) - GOLD_L3, &a), WIRE_OK);
	assert_int_equal(a.op, ARP_OP_REPLY);
	assert_memory_equal(a.sha, mac_b, 6);
	assert_memory_equal(a.tha, mac_a, 6);
	assert_int_equal(a.spa, GOLD_IP_B);
	assert_int_equal(a.tpa, GOLD_IP_A);
}

static void test_arp_round_trip(void **state)
{
	(void)state;
	const uint8_t *frames[] = { arp_req, arp_reply };
	struct arp_repr a;
	uint8_t out[ARP_LEN];

	for (int i = 0; i < 2; i++) {
		assert_int_equal(arp_parse(frames[i] + GOLD_L3, ARP_LEN, &a), WIRE_OK);
		arp_emit(&a, out);
		assert_memory_equal(out, frames[i] + GOLD_L3, ARP_LEN);
	}
}

static void test_arp_truncated(void **state)
{
	(void)state;
	struct arp_repr a;

	for (size_t len = 0; len < ARP_LEN; len++)
		assert_int_equal(arp_parse(arp_req + GOLD_L3, len, &a), WIRE_TRUNCATED);
}

static void test_arp_refuses_other_types(void **state)
{
	(void)state;
	static const size_t fields[] = { 1, 3, 4, 5, 7 };   /* htype lo, ptype lo, hlen, plen, op lo */
	uint8_t p[ARP_LEN];
	struct arp_repr a;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		memcpy(p, arp_req + GOLD_L3, ARP_LEN);
		p[fields[i]] ^= 0x10;
		assert_int_equal(arp_parse(p, ARP_LEN, &a), WIRE_UNSUPPORTED);
	}
	memcpy(p, arp_req + GOLD_L3, ARP_LEN);
	p[7] = 0;   /* op 0 */
	assert_int_equal(arp_parse(p, ARP_LEN, &a), WIRE_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_parse_golden),
		cmocka_unit_test(test_eth_round_trip),
		cmocka_unit_test(test_eth_truncated),
		cmocka_unit_test(test_eth_multicast_and_ntoa),
		cmocka_unit_test(test_arp_request_reply),
		cmocka_unit_test(test_arp_round_trip),
		cmocka_unit_test(test_arp_truncated),
		cmocka_unit_test(test_arp_refuses_other_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
