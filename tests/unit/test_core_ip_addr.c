/* test_core_ip_addr.c - ip_addr: RFC 5952 text (the RFC's own examples), inet_pton-like
 * parsing (accepted and rejected forms, checked against the C library's inet_pton and
 * inet_ntop), equality, and every classifier of core/ip_class.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "core/ip_addr.h"
#include "core/ip_class.h"

static void v6(const char *s, uint8_t out[16])
{
	assert_int_equal(ip6_pton(s, out), 0);
}

static void check_canonical(const char *in, const char *want)
{
	uint8_t b[16];
	char s[IP_ADDR_STRLEN];

	if (ip6_pton(in, b) != 0)
		fail_msg("%s did not parse", in);
	ip6_ntop(b, s);
	if (strcmp(s, want) != 0)
		fail_msg("%s -> %s, want %s", in, s, want);
}

static void test_rfc5952_text(void **state)
{
	(void)state;
	/* 4.1 leading zeros; 4.2.1 longest run; 4.2.2 not one group; 4.2.3 first of equal
	 * runs; 4.3 lower case; 5 IPv4-mapped */
	check_canonical("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	check_canonical("2001:db8:0:0:0:0:2:1", "2001:db8::2:1");
	check_canonical("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
	check_canonical("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	check_canonical("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
	check_canonical("2001:DB8::AbCd", "2001:db8::abcd");
	check_canonical("::", "::");
	check_canonical("::1", "::1");
	check_canonical("1::", "1::");
	check_canonical("fe80::0200:00ff:fe00:000a", "fe80::200:ff:fe00:a");
	check_canonical("::ffff:10.99.0.1", "::ffff:10.99.0.1");
	check_canonical("0:0:0:0:0:ffff:0a63:0001", "::ffff:10.99.0.1");
	check_canonical("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8");
	check_canonical("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0");
	check_canonical("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8");
	check_canonical("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304");
	check_canonical("ff02::1:ff00:a", "ff02::1:ff00:a");
}

static void test_pton_rejects(void **state)
{
	(void)state;
	static const char *bad[] = {
		"", ":", ":::", "1:::2", "1::2::3", ":1::2", "1::2:", "1:2:3:4:5:6:7",
		"1:2:3:4:5:6:7:8:9", "::1:2:3:4:5:6:7:8", "12345::", "g::", "1:2:3:4:5:6:7:1.2.3.4",
		"::1.2.3", "::1.2.3.4.5", "::01.2.3.4", "::256.1.1.1", "1.2.3.4", "fe80::1%eth0",
		" ::1", "::1 ", "1:2:3:4:5:6:7:8:", "::ffff:1.2.3.4:5",
	};
	uint8_t b[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ip6_pton(bad[i], b) == 0)
			fail_msg("\"%s\" was accepted", bad[i]);
		/* the C library agrees */
		assert_int_equal(inet_pton(AF_INET6, bad[i], b), 0);
	}
	assert_int_equal(ip6_pton(NULL, b), -1);
}

static void test_against_libc(void **state)
{
	(void)state;
	/* every address with one or two runs of zero groups at every place: our text and
	 * bytes agree with glibc's inet_ntop / inet_pton (which follows RFC 5952 too) */
	for (unsigned mask = 0; mask < 256; mask++) {
		uint8_t b[16] = { 0 }, back[16];
		char ours[IP_ADDR_STRLEN], theirs[INET6_ADDRSTRLEN];

		for (int g = 0; g < 8; g++)
			if (mask & (1u << g))
				b[2 * g + 1] = (uint8_t)(g + 1), b[2 * g] = (uint8_t)(g * 0x11);
		ip6_ntop(b, ours);
		assert_non_null(inet_ntop(AF_INET6, b, theirs, sizeof(theirs)));
		/* glibc writes ::a.b.c.d for IPv4-compatible (deprecated) addresses; we do not */
		if (memcmp(b, (uint8_t[12]){ 0 }, 12) != 0 || (b[12] == 0 && b[13] == 0))
			assert_string_equal(ours, theirs);
		assert_int_equal(ip6_pton(ours, back), 0);
		assert_memory_equal(back, b, 16);
	}
}

static void test_ip_addr_generic(void **state)
{
	(void)state;
	struct ip_addr a, b;
	char s[IP_ADDR_STRLEN];

	assert_int_equal(ip_addr_pton(IP_AF_NONE, "10.99.0.1", &a), 0);
	assert_int_equal(a.family, IP_AF_INET);
	assert_int_equal(ip_addr_v4(&a), 0x0a630001u);
	assert_string_equal(ip_addr_ntop(&a, s), "10.99.0.1");
	b = ip_addr_from_v4(0x0a630001u);
	assert_true(ip_addr_eq(&a, &b));
	b = ip_addr_from_v4(0x0a630002u);
	assert_false(ip_addr_eq(&a, &b));

	b = ip_addr_v4_mapped(0x0a630001u);
	assert_int_equal(b.family, IP_AF_INET6);
	assert_false(ip_addr_eq(&a, &b));
	assert_string_equal(ip_addr_ntop(&b, s), "::ffff:10.99.0.1");
	assert_true(ip6_is_v4mapped(b.b));

	assert_int_equal(ip_addr_pton(IP_AF_NONE, "2001:db8::1", &a), 0);
	assert_int_equal(a.family, IP_AF_INET6);
	assert_int_equal(ip_addr_pton(IP_AF_INET, "2001:db8::1", &b), -1);
	assert_int_equal(ip_addr_pton(IP_AF_INET6, "10.0.0.1", &b), -1);
	assert_int_equal(ip_addr_pton(IP_AF_INET6, "2001:DB8:0::1", &b), 0);
	assert_true(ip_addr_eq(&a, &b));
	b.b[15] = 2;
	assert_false(ip_addr_eq(&a, &b));
}

static void test_ip4_classes(void **state)
{
	(void)state;
	assert_true(ip4_is_unspecified(0));
	assert_false(ip4_is_unspecified(1));
	assert_true(ip4_is_loopback(0x7f000001u));
	assert_true(ip4_is_loopback(0x7fffffffu));
	assert_false(ip4_is_loopback(0x80000000u));
	assert_false(ip4_is_loopback(0x7e000001u));
	assert_true(ip4_is_multicast(0xe0000001u));
	assert_true(ip4_is_multicast(0xefffffffu));
	assert_false(ip4_is_multicast(0xdfffffffu));
	assert_false(ip4_is_multicast(0xf0000000u));
	assert_true(ip4_is_class_e(0xf0000000u));
	assert_true(ip4_is_class_e(0xffffffffu));
	assert_false(ip4_is_class_e(0xefffffffu));
	assert_true(ip4_is_limited_broadcast(0xffffffffu));
	assert_false(ip4_is_limited_broadcast(0xfffffffeu));
	assert_true(ip4_is_link_local(0xa9fe0101u));
	assert_false(ip4_is_link_local(0xa9ff0101u));
	assert_true(ip4_is_private(0x0a000001u));
	assert_true(ip4_is_private(0xac100001u));
	assert_true(ip4_is_private(0xac1fffffu));
	assert_false(ip4_is_private(0xac200000u));
	assert_false(ip4_is_private(0xac0fffffu));
	assert_true(ip4_is_private(0xc0a80101u));
	assert_false(ip4_is_private(0xc0a90101u));
	assert_false(ip4_is_private(0x0b000001u));
	assert_true(ip4_is_mcast_link_local(0xe00000fbu));
	assert_false(ip4_is_mcast_link_local(0xe0000100u));

	uint8_t mac[6];
	ip4_mcast_mac(0xe1810203u, mac);     /* 225.129.2.3: the 24th bit is dropped */
	assert_memory_equal(mac, ((uint8_t[6]){ 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 }), 6);
}

static void test_ip6_classes(void **state)
{
	(void)state;
	uint8_t a[16], sn[16], mac[6];

	v6("::", a);
	assert_true(ip6_is_unspecified(a));
	assert_false(ip6_is_loopback(a));
	v6("::1", a);
	assert_true(ip6_is_loopback(a));
	assert_false(ip6_is_unspecified(a));
	v6("::2", a);
	assert_false(ip6_is_loopback(a));
	v6("fe80::1", a);
	assert_true(ip6_is_link_local(a));
	v6("febf::1", a);
	assert_true(ip6_is_link_local(a));
	v6("fec0::1", a);
	assert_false(ip6_is_link_local(a));
	v6("fd12:3456::1", a);
	assert_true(ip6_is_ula(a) && ip6_is_private(a));
	v6("fc00::1", a);
	assert_true(ip6_is_ula(a));
	v6("fe00::1", a);
	assert_false(ip6_is_ula(a));
	v6("::ffff:1.2.3.4", a);
	assert_true(ip6_is_v4mapped(a));
	v6("::fffe:1.2.3.4", a);
	assert_false(ip6_is_v4mapped(a));
	v6("ff02::1", a);
	assert_true(ip6_is_multicast(a) && ip6_is_all_nodes(a) && !ip6_is_all_routers(a));
	assert_int_equal(ip6_mcast_scope(a), 2);
	v6("ff02::2", a);
	assert_true(ip6_is_all_routers(a));
	v6("ff05::1:3", a);
	assert_int_equal(ip6_mcast_scope(a), 5);

	/* RFC 4291 2.7.1: fe80::200:ff:fe00:a -> ff02::1:ff00:a, on 33:33:ff:00:00:0a */
	v6("fe80::200:ff:fe00:a", a);
	ip6_solicited_node(a, sn);
	v6("ff02::1:ff00:a", a);
	assert_memory_equal(sn, a, 16);
	assert_true(ip6_is_solicited_node(sn) && ip6_is_multicast(sn));
	ip6_mcast_mac(sn, mac);
	assert_memory_equal(mac, ((uint8_t[6]){ 0x33, 0x33, 0xff, 0x00, 0x00, 0x0a }), 6);
	v6("ff02::1:fe00:a", a);
	assert_false(ip6_is_solicited_node(a));
	v6("ff02::2:ff00:a", a);
	assert_false(ip6_is_solicited_node(a));

	/* either family */
	struct ip_addr x = ip_addr_from_v4(0xffffffffu);
	assert_true(ip_addr_is_broadcast(&x));
	x = ip_addr_from_v4(0x7f000001u);
	assert_true(ip_addr_is_loopback(&x) && !ip_addr_is_multicast(&x));
	x = ip_addr_from_v4(0);
	assert_true(ip_addr_is_unspecified(&x));
	x = ip_addr_from_v4(0xc0a80001u);
	assert_true(ip_addr_is_private(&x));
	x = ip_addr_from_v4(0xa9fe0001u);
	assert_true(ip_addr_is_link_local(&x));
	v6("ff02::1", a);
	x = ip_addr_from_v6(a);
	assert_true(ip_addr_is_multicast(&x) && !ip_addr_is_broadcast(&x));
	v6("::1", a);
	x = ip_addr_from_v6(a);
	assert_true(ip_addr_is_loopback(&x));
	v6("fe80::5", a);
	x = ip_addr_from_v6(a);
	assert_true(ip_addr_is_link_local(&x) && !ip_addr_is_private(&x));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5952_text),
		cmocka_unit_test(test_pton_rejects),
		cmocka_unit_test(test_against_libc),
		cmocka_unit_test(test_ip_addr_generic),
		cmocka_unit_test(test_ip4_classes),
		cmocka_unit_test(test_ip6_classes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
