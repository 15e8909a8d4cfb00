/* test_core_describe6.c - ustack_frame_decode / ustack_frame_describe for IPv6: the one
 * line of every ICMPv6 and NDP message the golden frames hold, MLD, fragments, UDP and
 * TCP over IPv6, and frames too short or with a bad extension chain. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "wire/be.h"
#include "test_wire_golden6.h"

static void expect_line(const uint8_t *f, size_t len, const char *want)
{
	char out[512];
	int n = ustack_frame_describe(f, len, out, sizeof(out));

	assert_string_equal(out, want);
	assert_int_equal(n, (int)strlen(want));
}
#define EXPECT(f, want) expect_line(f, sizeof(f), want)

static void test_describe_icmp6_nd(void **state)
{
	(void)state;
	EXPECT(v6_echo_req, "IP6 2001:db8::1 > 2001:db8::2: ICMP6 echo request id 26290 seq 1 len 24");
	EXPECT(v6_ns_dad, "IP6 :: > ff02::1:ff00:a: ICMP6 neighbor solicitation who-has fe80::ff:fe00:a len 32");
	EXPECT(v6_rs, "IP6 fe80::ff:fe00:a > ff02::2: ICMP6 router solicitation from 02:00:00:00:00:0a len 16");
	EXPECT(v6_ns, "IP6 2001:db8::1 > ff02::1:ff00:2: ICMP6 neighbor solicitation who-has 2001:db8::2 "
		      "from 02:00:00:00:00:0a len 32");
	EXPECT(v6_na, "IP6 2001:db8::2 > 2001:db8::1: ICMP6 neighbor advertisement 2001:db8::2 is-at "
		      "02:00:00:00:00:0b [S,O] len 32");
	EXPECT(v6_ra, "IP6 fe80::b > ff02::1: ICMP6 router advertisement hlim 64 lifetime 1800 [O] "
		      "prefix 2001:db8:1::/64 mtu 1280 rdnss 2001:db8::53 rdnss 2001:db8::54 len 104");
	EXPECT(v6_redirect, "IP6 fe80::b > fe80::ff:fe00:a: ICMP6 redirect 2001:db8:5::7 to fe80::c len 104");
	EXPECT(v6_mld2_report, "IP6 fe80::ff:fe00:a > ff02::16: ICMP6 MLDv2 report 2 records, TO_EX "
			       "ff02::1:ff00:a len 48");
	EXPECT(v6_port_unreach, "IP6 2001:db8::2 > 2001:db8::1: ICMP6 port unreachable len 59");
	EXPECT(v6_ptb, "IP6 2001:db8::fe > 2001:db8::1: ICMP6 packet too big mtu 1400 len 68");
	EXPECT(v6_time_exceeded, "IP6 2001:db8::fe > 2001:db8::1: ICMP6 time exceeded in transit len 56");
	EXPECT(v6_param_problem, "IP6 2001:db8::2 > 2001:db8::1: ICMP6 parameter problem code 1 pointer 6 len 52");
	EXPECT(v6_frag_last, "IP6 2001:db8::1 > 2001:db8::2: ICMP6 len 176 frag id 247184387 off 1232");
}

static uint8_t frame[256];

/* An Ethernet header before an IPv6 packet taken from a golden frame at off. */
static size_t wrap(const uint8_t *pkt, size_t n)
{
	memcpy(frame, v6_echo_req, G6_L3);
	memcpy(frame + G6_L3, pkt, n);
	return G6_L3 + n;
}

static void test_describe_transports(void **state)
{
	(void)state;
	struct ustack_frame_info fi;
	/* the UDP datagram the port unreachable quotes, whole */
	size_t n = wrap(v6_port_unreach + G6_L4 + 8, sizeof(v6_port_unreach) - G6_L4 - 8);

	expect_line(frame, n, "IP6 2001:db8::1.34923 > 2001:db8::2.9: UDP len 3");
	assert_int_equal(ustack_frame_decode(frame, n, &fi), 0);
	assert_true(fi.is_ipv6 && fi.is_udp && !fi.is_ipv4);
	assert_int_equal(fi.ip_proto, 17);
	assert_memory_equal(fi.payload, "hi\n", 3);

	/* the TCP header the packet too big quotes, with its payload length made 20 */
	n = wrap(v6_ptb + G6_L4 + 8, 60);
	be16_put(frame + G6_L3 + 4, 20);
	expect_line(frame, n, "IP6 2001:db8::1.40001 > 2001:db8:9::9.80: TCP Flags [.] seq 1 ack 0 win 65535 len 0");
	assert_int_equal(ustack_frame_decode(frame, n, &fi), 0);
	assert_true(fi.is_tcp);
	assert_int_equal(fi.sport, 40001);
	/* as it is, 1440 bytes said and 20 there: not an IPv6 packet */
	be16_put(frame + G6_L3 + 4, 1440);
	expect_line(frame, n, "IP6 malformed len 60");

	/* hop limit 1 shows, as IPv4's ttl does; MLD's (with a Router Alert) does not */
	n = wrap(v6_time_exceeded + G6_L4 + 8, 48);
	expect_line(frame, n, "IP6 2001:db8::1.33434 > 2001:db8:9::9.33435: UDP len 0 hlim 1");
}

static void test_decode6_fields(void **state)
{
	(void)state;
	struct ustack_frame_info fi;
	char s[INET6_ADDRSTRLEN];

	assert_int_equal(ustack_frame_decode(v6_na, sizeof(v6_na), &fi), 0);
	assert_true(fi.is_ipv6 && fi.is_icmp6 && fi.is_nd && fi.nd_has_lla);
	assert_int_equal(fi.ethertype, 0x86dd);
	assert_int_equal(fi.icmp_type, 136);
	assert_int_equal(fi.ip6_hop_limit, 255);
	assert_int_equal(fi.nd_flags, 0x60);
	assert_string_equal(inet_ntop(AF_INET6, &fi.nd_target, s, sizeof(s)), "2001:db8::2");
	assert_string_equal(inet_ntop(AF_INET6, &fi.ip6_src, s, sizeof(s)), "2001:db8::2");
	assert_int_equal(fi.nd_lla[5], 0x0b);

	assert_int_equal(ustack_frame_decode(v6_mld2_report, sizeof(v6_mld2_report), &fi), 0);
	assert_int_equal(fi.ip6_n_ext, 1);
	assert_int_equal(fi.ip_proto, 58);
	assert_false(fi.is_nd);

	assert_int_equal(ustack_frame_decode(v6_frag_last, sizeof(v6_frag_last), &fi), 0);
	assert_true(fi.ip6_frag && !fi.ip6_mf && !fi.is_icmp6);
	assert_int_equal(fi.ip6_frag_off, 1232);
	assert_int_equal(fi.ip6_frag_id, 0x0ebbbc03u);

	assert_int_equal(ustack_frame_decode(v6_ptb, sizeof(v6_ptb), &fi), 0);
	assert_int_equal(fi.icmp6_word, 1400);
}

static void test_describe6_bad(void **state)
{
	(void)state;
	uint8_t f[128];

	/* shorter than the IPv6 header */
	memcpy(f, v6_echo_req, sizeof(v6_echo_req));
	expect_line(f, 40, "IP6 malformed len 26");
	/* an extension chain that runs past the packet */
	f[G6_L3 + 6] = 60;                       /* destination options ... */
	f[G6_L4 + 1] = 9;                        /* ... of 80 bytes */
	expect_line(f, sizeof(v6_echo_req), "IP6 2001:db8::1 > 2001:db8::2: bad extension headers len 24");
	/* an NS with an option of length 0 */
	memcpy(f, v6_ns, sizeof(v6_ns));
	f[G6_L4 + 25] = 0;
	expect_line(f, sizeof(v6_ns), "IP6 2001:db8::1 > ff02::1:ff00:2: ICMP6 neighbor solicitation malformed len 32");
	/* an ICMPv6 message of 4 bytes */
	memcpy(f, v6_echo_req, sizeof(v6_echo_req));
	be16_put(f + G6_L3 + 4, 4);
	expect_line(f, G6_L4 + 4, "IP6 2001:db8::1 > 2001:db8::2: ICMP6 truncated");
	/* a bounded line: never past cap, always terminated */
	char small[12];
	ustack_frame_describe(v6_ra, sizeof(v6_ra), small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe_icmp6_nd),
		cmocka_unit_test(test_describe_transports),
		cmocka_unit_test(test_decode6_fields),
		cmocka_unit_test(test_describe6_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
