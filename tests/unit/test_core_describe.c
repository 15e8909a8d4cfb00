/* test_core_describe.c - ustack_frame_decode / ustack_frame_describe: the one-line
 * form of ARP, ICMP, TCP (flags and options in wire order), UDP, DNS queries and
 * answers, fragments, and frames too short or malformed to decode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "wire/dns.h"
#include "wire/eth.h"
#include "wire/igmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"
#include "test_wire_golden.h"

static void expect_line(const uint8_t *f, size_t len, const char *want)
{
	char out[512];
	int n = ustack_frame_describe(f, len, out, sizeof(out));

	assert_string_equal(out, want);
	assert_int_equal(n, (int)strlen(want));
}

static void test_describe_golden(void **state)
{
	(void)state;
	expect_line(arp_req, sizeof(arp_req),
		    "02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff ARP who-has 10.99.0.2 tell 10.99.0.1");
	expect_line(arp_reply, sizeof(arp_reply),
		    "02:00:00:00:00:0b > 02:00:00:00:00:0a ARP reply 10.99.0.2 is-at 02:00:00:00:00:0b");
	expect_line(icmp_echo_req, sizeof(icmp_echo_req),
		    "IP 10.99.0.1 > 10.99.0.2: ICMP echo request id 4551 seq 1 len 24");
	expect_line(icmp_port_unreach, sizeof(icmp_port_unreach),
		    "IP 10.99.0.2 > 10.99.0.1: ICMP port unreachable len 47");
	expect_line(tcp_synack, sizeof(tcp_synack),
		    "IP 10.99.0.2.8080 > 10.99.0.1.51580: TCP Flags [S.] seq 3311948306 ack 1982104937 "
		    "win 65160 <mss 1460,sackOK,TS val 2411132064 ecr 3025550600,nop,wscale 10> len 0");
	expect_line(tcp_data, sizeof(tcp_data),
		    "IP 10.99.0.1.51580 > 10.99.0.2.8080: TCP Flags [P.] seq 1982104937 ack 3311948307 "
		    "win 63 <nop,nop,TS val 3025550601 ecr 2411132064> len 13");
	expect_line(udp_dgram, sizeof(udp_dgram), "IP 10.99.0.1.40000 > 10.99.0.2.9999: UDP len 11");
}

static void test_decode_fields(void **state)
{
	(void)state;
	struct ustack_frame_info fi;

	assert_int_equal(ustack_frame_decode(tcp_syn, sizeof(tcp_syn), &fi), 0);
	assert_true(fi.is_ipv4 && fi.is_tcp);
	assert_int_equal(fi.sport, 51580);
	assert_int_equal(fi.dport, 8080);
	assert_true(fi.tcp_has_mss && fi.tcp_sack_perm && fi.tcp_has_ts && fi.tcp_has_wscale);
	assert_int_equal(fi.tcp_mss, 1460);
	assert_int_equal(fi.tcp_wscale, 10);
	assert_int_equal(fi.ip_ttl, 64);
	assert_int_equal(ntohl(fi.ip_src.s_addr), 0x0a630001);

	assert_int_equal(ustack_frame_decode(arp_reply, sizeof(arp_reply), &fi), 0);
	assert_true(fi.is_arp);
	assert_int_equal(fi.arp_op, 2);
	assert_int_equal(fi.ethertype, 0x0806);

	assert_int_equal(ustack_frame_decode(icmp_echo_req, sizeof(icmp_echo_req), &fi), 0);
	assert_true(fi.is_icmp);
	assert_int_equal(fi.icmp_type, 8);
	assert_int_equal(fi.icmp_id, 0x11c7);
	assert_int_equal(fi.payload_len, 16);
}

/* An Ethernet + IPv4 + UDP frame around payload, into buf; returns its length. */
static size_t udp_frame(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			const uint8_t *payload, size_t plen)
{
	struct eth_repr e = { .dst = { 2, 0, 0, 0, 1, 0x35 }, .src = { 2, 0, 0, 0, 1, 0x0a },
			      .type = ETHERTYPE_IPV4 };
	struct ipv4_repr ip = { .total_len = (uint16_t)(IPV4_HDR_LEN + UDP_HDR_LEN + plen),
				.id = 1, .ttl = 64, .proto = IP_PROTO_UDP, .src = src, .dst = dst };
	struct udp_repr u = { .sport = sport, .dport = dport };

	eth_emit(&e, buf);
	ipv4_emit(&ip, buf + ETH_HDR_LEN);
	memcpy(buf + ETH_HDR_LEN + IPV4_HDR_LEN + UDP_HDR_LEN, payload, plen);
	udp_emit(&u, buf + ETH_HDR_LEN + IPV4_HDR_LEN, plen, src, dst);
	return ETH_HDR_LEN + IPV4_HDR_LEN + UDP_HDR_LEN + plen;
}

static void test_describe_dns(void **state)
{
	(void)state;
	uint8_t q[512], f[1024];
	int qlen = dns_build_query(q, sizeof(q), 0x1a2b, "www.example.test", DNS_TYPE_A, true);
	size_t len;
	struct ustack_frame_info fi;

	assert_true(qlen > 0);
	len = udp_frame(f, 0x0a00010a, 49152, 0x0a000135, 53, q, (size_t)qlen);
	expect_line(f, len, "IP 10.0.1.10.49152 > 10.0.1.53.53: UDP dns query id=0x1a2b A? www.example.test");

	len = udp_frame(f, 0x0a630002, 53, 0x0a630001, 40001, dns_answer, sizeof(dns_answer));
	expect_line(f, len, "IP 10.99.0.2.53 > 10.99.0.1.40001: UDP dns answer id=0xbeef A? "
		    "www.example.test: CNAME alias.example.test, A 10.99.0.7 ttl 0 (3 records)");
	assert_int_equal(ustack_frame_decode(f, len, &fi), 0);
	assert_true(fi.is_dns);
	assert_int_equal(fi.dns_id, 0xbeef);
	assert_int_equal(fi.dns_ancount, 3);
	assert_string_equal(fi.dns_qname, "www.example.test");
	assert_string_equal(fi.dns_cname, "alias.example.test");
	assert_int_equal(fi.dns_n_a, 1);
	assert_int_equal(ntohl(fi.dns_a[0].s_addr), 0x0a630007);

	/* an answer with several A records and TTLs, and an NXDOMAIN */
	{
		struct dns_builder b;
		int n;

		dns_builder_init(&b, q, sizeof(q), 7, DNS_F_QR | DNS_F_RD | DNS_F_RA, "h.test",
				 DNS_TYPE_A);
		dns_builder_add_a(&b, "h.test", 300, 0x0a000001);
		dns_builder_add_a(&b, "h.test", 300, 0x0a000002);
		n = dns_builder_finish(&b);
		assert_true(n > 0);
		len = udp_frame(f, 1, 53, 2, 5000, q, (size_t)n);
		expect_line(f, len, "IP 0.0.0.1.53 > 0.0.0.2.5000: UDP dns answer id=0x0007 A? h.test: "
			    "A 10.0.0.1 ttl 300, A 10.0.0.2 ttl 300");
		dns_builder_init(&b, q, sizeof(q), 8, DNS_F_QR | DNS_RCODE_NXDOMAIN, "no.test",
				 DNS_TYPE_A);
		n = dns_builder_finish(&b);
		len = udp_frame(f, 1, 53, 2, 5000, q, (size_t)n);
		expect_line(f, len, "IP 0.0.0.1.53 > 0.0.0.2.5000: UDP dns answer id=0x0008 A? no.test: NXDOMAIN");
	}
	/* garbage on port 53 */
	len = udp_frame(f, 1, 5000, 2, 53, (const uint8_t *)"xyz", 3);
	expect_line(f, len, "IP 0.0.0.1.5000 > 0.0.0.2.53: UDP dns (malformed) len 3");
}

static void test_describe_fragments(void **state)
{
	(void)state;
	uint8_t f[256];
	struct eth_repr e = { .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 },
			      .type = ETHERTYPE_IPV4 };
	struct ipv4_repr ip = { .total_len = 20 + 48, .id = 12, .ttl = 64, .proto = IP_PROTO_ICMP,
				.src = 0x0a000001, .dst = 0x0a000002, .mf = true };

	memset(f, 0, sizeof(f));
	eth_emit(&e, f);
	/* first fragment: an echo request header is there */
	f[34] = 8;
	f[38] = 0;
	f[39] = 7;
	f[41] = 1;
	ipv4_emit(&ip, f + 14);
	expect_line(f, 14 + 68, "IP 10.0.0.1 > 10.0.0.2: ICMP echo request id 7 seq 1 len 48 frag id 12 off 0+");
	ip.frag_off = 1480;
	ipv4_emit(&ip, f + 14);
	expect_line(f, 14 + 68, "IP 10.0.0.1 > 10.0.0.2: ICMP len 48 frag id 12 off 1480+");
	ip.mf = false;
	ip.proto = IP_PROTO_UDP;
	ipv4_emit(&ip, f + 14);
	expect_line(f, 14 + 68, "IP 10.0.0.1 > 10.0.0.2: UDP len 48 frag id 12 off 1480");
}

/* IGMP messages (RFC 2236, RFC 3376): one line each, TTL 1 shown. */
static void test_describe_igmp(void **state)
{
	(void)state;
	uint8_t f[128];
	struct eth_repr e = { .dst = { 1, 0, 0x5e, 0, 0, 0x16 }, .src = { 2, 0, 0, 0, 0, 1 },
			      .type = ETHERTYPE_IPV4 };
	struct ipv4_repr ip = { .total_len = 20 + 16, .ttl = 1, .proto = IP_PROTO_IGMP,
				.src = 0x0a000001, .dst = 0xe0000016 };

	memset(f, 0, sizeof(f));
	eth_emit(&e, f);
	ipv4_emit(&ip, f + 14);
	igmp_emit_v3_report(IGMP_CHANGE_TO_EXCLUDE, 0xef010203, f + 34);
	expect_line(f, 60, "IP 10.0.0.1 > 224.0.0.22: IGMP v3 report 1 record, TO_EX 239.1.2.3 ttl 1");
	ip.total_len = 28;
	ip.dst = 0xef010203;
	ipv4_emit(&ip, f + 14);
	igmp_emit_v2(IGMP_V2_REPORT, 0, 0xef010203, f + 34);
	expect_line(f, 60, "IP 10.0.0.1 > 239.1.2.3: IGMP v2 report 239.1.2.3 ttl 1");
	igmp_emit_v2(IGMP_V2_LEAVE, 0, 0xef010203, f + 34);
	expect_line(f, 60, "IP 10.0.0.1 > 239.1.2.3: IGMP v2 leave 239.1.2.3 ttl 1");
	igmp_emit_v2(IGMP_QUERY, 10, 0, f + 34);
	expect_line(f, 60, "IP 10.0.0.1 > 239.1.2.3: IGMP v2 query 0.0.0.0 max 1000 ms ttl 1");
	f[35] ^= 1;                         /* checksum now wrong */
	expect_line(f, 60, "IP 10.0.0.1 > 239.1.2.3: IGMP malformed (8 bytes) ttl 1");
}

static void test_describe_bad(void **state)
{
	(void)state;
	char out[128];
	uint8_t f[64];
	struct ustack_frame_info fi;

	assert_int_equal(ustack_frame_describe(arp_req, 10, out, sizeof(out)), -1);
	assert_string_equal(out, "truncated frame (10 bytes)");
	assert_int_equal(ustack_frame_decode(arp_req, 13, &fi), -1);
	/* IPv4 ethertype, garbage header */
	memcpy(f, tcp_syn, 14);
	memset(f + 14, 0x45, 10);
	expect_line(f, 24, "IP malformed len 10");
	/* ARP truncated */
	expect_line(arp_req, 30, "02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff ARP malformed");
	/* unknown ethertype (LLDP; IPv6 is decoded now: test_core_describe6) */
	memcpy(f, arp_req, 14);
	f[12] = 0x88;
	f[13] = 0xcc;
	expect_line(f, 60, "02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff ethertype 0x88cc len 46");
	/* TCP cut inside its header */
	memcpy(f, tcp_syn, 64);
	f[16] = 0;
	f[17] = 20 + 10;   /* IP total length: 10 bytes of TCP */
	expect_line(f, 44, "IP 10.99.0.1.51580 > 10.99.0.2.8080: TCP truncated");
	/* a tiny output buffer is cut, still terminated */
	assert_true(ustack_frame_describe(tcp_syn, sizeof(tcp_syn), out, 8) <= 7);
	assert_int_equal(strlen(out), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe_golden),
		cmocka_unit_test(test_decode_fields),
		cmocka_unit_test(test_describe_dns),
		cmocka_unit_test(test_describe_fragments),
		cmocka_unit_test(test_describe_igmp),
		cmocka_unit_test(test_describe_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
