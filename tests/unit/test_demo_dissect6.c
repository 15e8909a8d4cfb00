/* test_demo_dissect6.c - the demo's dissector on IPv6 frames: every field of the IPv6
 * header, ICMPv6 echo and NS/NA, with tshark's field names and the values tshark shows
 * for the captured frames (tshark -T fields on the pcap of test_wire_golden6.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../tools/demo_dissect.c"
#include "test_wire_golden6.h"

static struct demo_dissection dd;

static void field(const char *key, const char *text)
{
	const struct demo_field *f = demo_dissect_find(&dd, key);

	if (!f)
		fail_msg("no field %s", key);
	if (strcmp(f->text, text) != 0)
		fail_msg("%s: %s, want %s", key, f->text, text);
}

static void test_ipv6_echo(void **state)
{
	(void)state;
	demo_dissect(v6_echo_req, sizeof(v6_echo_req), &dd);
	assert_false(dd.truncated);
	assert_int_equal(dd.n_layers, 4);          /* Ethernet, IPv6, ICMPv6, data */
	assert_int_equal(dd.layers[1].kind, DL_IPV6);
	assert_int_equal(dd.layers[1].hdr_len, 40);
	assert_int_equal(dd.layers[2].kind, DL_ICMP6);
	field("eth.type", "0x86dd");
	field("ipv6.version", "6");
	field("ipv6.tclass", "0");
	field("ipv6.flow", "536796");          /* 0x0830dc, as tshark shows */
	field("ipv6.plen", "24");
	field("ipv6.nxt", "58 (ICMPv6)");
	field("ipv6.hlim", "64");
	field("ipv6.src", "2001:db8::1");
	field("ipv6.dst", "2001:db8::2");
	field("icmpv6.type", "128");
	field("icmpv6.code", "0");
	field("icmpv6.echo.identifier", "26290");
	field("icmpv6.echo.sequence_number", "1");
}

static void test_ipv6_nd(void **state)
{
	(void)state;
	demo_dissect(v6_ns, sizeof(v6_ns), &dd);
	field("ipv6.hlim", "255");
	field("ipv6.dst", "ff02::1:ff00:2");
	field("icmpv6.type", "135");
	field("icmpv6.nd.ns.target_address", "2001:db8::2");

	demo_dissect(v6_na, sizeof(v6_na), &dd);
	field("icmpv6.type", "136");
	field("icmpv6.nd.na.flag.r", "0");
	field("icmpv6.nd.na.flag.s", "1");
	field("icmpv6.nd.na.flag.o", "1");
	field("icmpv6.nd.na.target_address", "2001:db8::2");

	/* a hop-by-hop header first: shown as data, the header itself still whole */
	demo_dissect(v6_mld2_report, sizeof(v6_mld2_report), &dd);
	field("ipv6.nxt", "0");
	assert_int_equal(dd.layers[dd.n_layers - 1].kind, DL_DATA);

	/* cut inside the IPv6 header: data, no layer */
	demo_dissect(v6_na, 14 + 39, &dd);
	assert_int_equal(dd.n_layers, 2);
	assert_int_equal(dd.layers[1].kind, DL_DATA);
	/* cut inside the ND message */
	demo_dissect(v6_na, sizeof(v6_na) - 20, &dd);
	assert_null(demo_dissect_find(&dd, "icmpv6.nd.na.target_address"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv6_echo),
		cmocka_unit_test(test_ipv6_nd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
