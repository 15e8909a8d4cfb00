/* test_net_proto.c - the protocol table (a protocol number -> {input, error input}):
 * the transports registered at start, an unregistered number answered with protocol
 * unreachable, a handler registered later receiving its datagrams and the ICMP errors
 * about them as one parsed summary (struct ip_err); the quoted-datagram parsers for
 * ICMP (IPv4) and ICMPv6 (IPv6 with extension headers) on good and cut quotes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "tcp_harness.h"
#include "core/pkt.h"
#include "net/proto.h"
#include "wire/csum.h"
#include "wire/icmp.h"
#include "wire/ipv6.h"
#include "wire/ipv6_ext.h"

#define PROTO_TEST 253             /* RFC 3692: for experimentation */

static int n_in;
static struct ip_err last_err;
static int n_err;

static void test_input(struct ustack *st, struct pkt *p)
{
	n_in++;
	assert_int_equal(p->ip_proto, PROTO_TEST);
	assert_memory_equal(p->data, "data", 4);
	pkt_free(st, p);
}

static void test_err_input(struct ustack *st, const struct ip_err *e)
{
	(void)st;
	last_err = *e;
	n_err++;
}

/* An IPv4 datagram from the peer to the stack: proto, payload. */
static void send_ip(struct th *h, uint8_t proto, const uint8_t *payload, size_t n)
{
	uint8_t f[ETH_HDR_LEN + IPV4_HDR_LEN + 128];
	struct eth_repr e = { .type = ETHERTYPE_IPV4 };
	struct ipv4_repr ip = { .ttl = 64, .proto = proto, .src = TH_PEER, .dst = TH_LOCAL,
				.id = 5, .total_len = (uint16_t)(IPV4_HDR_LEN + n) };

	memcpy(e.dst, th_local_mac, 6);
	memcpy(e.src, th_peer_mac, 6);
	eth_emit(&e, f);
	ipv4_emit(&ip, f + ETH_HDR_LEN);
	memcpy(f + ETH_HDR_LEN + IPV4_HDR_LEN, payload, n);
	th_queue_rx(h->dev, f, ETH_HDR_LEN + IPV4_HDR_LEN + n);
	th_pump(h);
}

/* Takes the next frame the stack sent; returns its ICMP type << 8 | code, or -1. */
static int next_icmp(struct th *h)
{
	if (h->dev->tx_n == 0)
		return -1;
	struct th_frame *fr = &h->dev->tx[h->dev->tx_head];
	const uint8_t *b = fr->data + ETH_HDR_LEN;
	int r = b[9] == IP_PROTO_ICMP ? (b[20] << 8 | b[21]) : -2;
	free(fr->data);
	h->dev->tx_head = (h->dev->tx_head + 1) % TH_MAXF;
	h->dev->tx_n--;
	return r;
}

static void test_registered_at_start(void **state)
{
	(void)state;
	struct th h;

	th_init(&h);
	static const uint8_t protos[] = { IP_PROTO_ICMP, IP_PROTO_IGMP, IP_PROTO_TCP, IP_PROTO_UDP };
	for (size_t i = 0; i < sizeof(protos); i++) {
		const struct proto_ops *o = proto_get(h.st, protos[i]);
		assert_non_null(o);
		assert_non_null(o->input);
		if (protos[i] != IP_PROTO_IGMP)
			assert_non_null(o->err_input);
	}
	assert_null(proto_get(h.st, PROTO_TEST));
	assert_null(proto_get(h.st, 0));
	th_free(&h);
}

static void test_dispatch(void **state)
{
	(void)state;
	struct th h;

	th_init(&h);
	n_in = n_err = 0;
	/* nobody registered: protocol unreachable (RFC 1122 3.2.2.1) */
	send_ip(&h, PROTO_TEST, (const uint8_t *)"data", 4);
	assert_int_equal(next_icmp(&h), ICMP_DEST_UNREACH << 8 | ICMP_PROTO_UNREACH);
	assert_int_equal(n_in, 0);

	/* registered: the datagram goes to it, nothing is answered */
	proto_register(h.st, PROTO_TEST, test_input, test_err_input);
	send_ip(&h, PROTO_TEST, (const uint8_t *)"data", 4);
	assert_int_equal(n_in, 1);
	assert_int_equal(next_icmp(&h), -1);

	/* an ICMP port unreachable about a datagram we sent with that protocol */
	uint8_t m[ICMP_HDR_LEN + IPV4_HDR_LEN + 8];
	struct ipv4_repr q = { .ttl = 64, .proto = PROTO_TEST, .src = TH_LOCAL, .dst = TH_PEER,
			       .total_len = IPV4_HDR_LEN + 8 };
	struct icmp_repr ic = { .type = ICMP_DEST_UNREACH, .code = ICMP_PORT_UNREACH,
				.data_len = IPV4_HDR_LEN + 8 };
	ipv4_emit(&q, m + ICMP_HDR_LEN);
	memcpy(m + ICMP_HDR_LEN + IPV4_HDR_LEN, "\x12\x34\x56\x78zzzz", 8);
	icmp_emit(&ic, m);
	send_ip(&h, IP_PROTO_ICMP, m, sizeof(m));
	assert_int_equal(n_err, 1);
	assert_int_equal(last_err.family, IP_AF_INET);
	assert_int_equal(last_err.type, ICMP_DEST_UNREACH);
	assert_int_equal(last_err.code, ICMP_PORT_UNREACH);
	assert_int_equal(last_err.proto, PROTO_TEST);
	assert_int_equal(ip_addr_v4(&last_err.src), TH_LOCAL);
	assert_int_equal(ip_addr_v4(&last_err.dst), TH_PEER);
	assert_int_equal(last_err.sport, 0x1234);
	assert_int_equal(last_err.dport, 0x5678);
	assert_int_equal(last_err.l4_len, 8);

	/* ... but not one about a datagram some other host sent (RFC 5927 4.1) */
	q.src = TH_PEER;
	ipv4_emit(&q, m + ICMP_HDR_LEN);
	icmp_emit(&ic, m);
	send_ip(&h, IP_PROTO_ICMP, m, sizeof(m));
	assert_int_equal(n_err, 1);
	th_free(&h);
}

static void test_ip_err_parse4(void **state)
{
	(void)state;
	uint8_t q[IPV4_HDR_LEN + 8 + 4] = { 0 };
	struct ipv4_repr ip = { .ttl = 1, .proto = IP_PROTO_UDP, .src = 0x0a000001u,
				.dst = 0x0a000009u, .total_len = 40 };
	struct ip_err e;

	ipv4_emit(&ip, q);
	be16_put(q + 20, 5000);
	be16_put(q + 22, 53);
	assert_int_equal(ip_err_parse4(ICMP_TIME_EXCEEDED, 0, 0, q, IPV4_HDR_LEN + 8, &e), 0);
	assert_int_equal(e.proto, IP_PROTO_UDP);
	assert_int_equal(e.sport, 5000);
	assert_int_equal(e.dport, 53);
	assert_int_equal(ip_addr_v4(&e.dst), 0x0a000009u);
	assert_ptr_equal(e.l4, q + 20);
	assert_null(e.pkt);
	/* fewer than 8 bytes after the header, options pushing it out, bad version/IHL */
	assert_int_equal(ip_err_parse4(3, 3, 0, q, IPV4_HDR_LEN + 7, &e), -1);
	q[0] = 0x46;
	assert_int_equal(ip_err_parse4(3, 3, 0, q, IPV4_HDR_LEN + 8, &e), -1);
	assert_int_equal(ip_err_parse4(3, 3, 0, q, IPV4_HDR_LEN + 12, &e), 0);
	assert_int_equal(e.l4_len, 8);
	q[0] = 0x44;
	assert_int_equal(ip_err_parse4(3, 3, 0, q, sizeof(q), &e), -1);
	q[0] = 0x65;
	assert_int_equal(ip_err_parse4(3, 3, 0, q, sizeof(q), &e), -1);
}

static void test_ip_err_parse6(void **state)
{
	(void)state;
	uint8_t q[IPV6_HDR_LEN + 16 + 8] = { 0 };
	struct ipv6_repr ip = { .next_hdr = IP_PROTO_DSTOPTS, .hop_limit = 64, .payload_len = 600 };
	struct ip_err e;

	ip.src[0] = 0x20; ip.src[1] = 0x01; ip.src[15] = 1;
	ip.dst[0] = 0x20; ip.dst[1] = 0x01; ip.dst[15] = 2;
	ipv6_emit(&ip, q);
	q[40] = IP_PROTO_TCP;     /* destination options, 16 bytes of PadN */
	q[41] = 1;
	q[42] = 1;
	q[43] = 12;
	be16_put(q + 56, 443);
	be16_put(q + 58, 40000);
	/* the quote is cut (payload length says 600): still read, within what is there */
	assert_int_equal(ip_err_parse6(2, 0, 1300, q, sizeof(q), &e), 0);
	assert_int_equal(e.family, IP_AF_INET6);
	assert_int_equal(e.info, 1300);
	assert_int_equal(e.proto, IP_PROTO_TCP);
	assert_int_equal(e.sport, 443);
	assert_int_equal(e.dport, 40000);
	assert_memory_equal(e.src.b, ip.src, 16);
	assert_memory_equal(e.dst.b, ip.dst, 16);
	assert_int_equal(e.l4_len, 8);
	/* 7 bytes of TCP, an extension header past the quote, not IPv6 */
	assert_int_equal(ip_err_parse6(2, 0, 0, q, sizeof(q) - 1, &e), -1);
	q[41] = 9;
	assert_int_equal(ip_err_parse6(2, 0, 0, q, sizeof(q), &e), -1);
	q[41] = 1;
	q[0] = 0x45;
	assert_int_equal(ip_err_parse6(2, 0, 0, q, sizeof(q), &e), -1);
	/* a later fragment has no upper-layer header */
	uint8_t f[IPV6_HDR_LEN + 8 + 8] = { 0 };
	ip.next_hdr = IP_PROTO_FRAGMENT;
	ipv6_emit(&ip, f);
	ipv6_frag_emit(IP_PROTO_UDP, 1232, false, 1, f + 40);
	assert_int_equal(ip_err_parse6(1, 4, 0, f, sizeof(f), &e), -1);
	/* a first fragment of 1232 bytes quoted in 48: its fragment checks use the payload
	 * length field, not the length of the quote */
	ip.payload_len = 8 + 1232;
	ipv6_emit(&ip, f);
	ipv6_frag_emit(IP_PROTO_UDP, 0, true, 1, f + 40);
	be16_put(f + 48, 7);
	be16_put(f + 50, 9);
	assert_int_equal(ip_err_parse6(2, 0, 1280, f, sizeof(f), &e), 0);
	assert_int_equal(e.proto, IP_PROTO_UDP);
	assert_int_equal(e.sport, 7);
	assert_int_equal(e.dport, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered_at_start),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_ip_err_parse4),
		cmocka_unit_test(test_ip_err_parse6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
