/* test_net_icmp_opts.c - RFC 1122 3.2.2.6: Record Route and Timestamp options of an
 * echo request come back in the echo reply, updated with this host. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "tcp_harness.h"
#include "wire/csum.h"
#include "wire/icmp.h"

/* An echo request from the peer (10.0.0.2) to the stack with IP options opt. */
static void send_echo(struct th *h, const uint8_t *opt, size_t olen)
{
	uint8_t f[ETH_HDR_LEN + 60 + 8 + 4];
	struct eth_repr e = { .type = ETHERTYPE_IPV4 };
	struct ipv4_repr ip = { .ttl = 64, .proto = IP_PROTO_ICMP, .src = TH_PEER,
				.dst = TH_LOCAL, .id = 77 };
	struct icmp_repr ic = { .type = ICMP_ECHO_REQUEST, .id = 9, .seq = 1, .data_len = 4 };
	size_t hl = IPV4_HDR_LEN + olen;
	uint8_t *b = f + ETH_HDR_LEN;

	memcpy(e.dst, th_local_mac, 6);
	memcpy(e.src, th_peer_mac, 6);
	eth_emit(&e, f);
	ip.total_len = (uint16_t)(hl + 8 + 4);
	ipv4_emit(&ip, b);
	if (olen)
		memcpy(b + IPV4_HDR_LEN, opt, olen);
	b[0] = (uint8_t)(0x40 | hl / 4);
	be16_put(b + 10, 0);
	be16_put(b + 10, csum(b, hl));
	memcpy(b + hl + 8, "ping", 4);
	icmp_emit(&ic, b + hl);
	th_queue_rx(h->dev, f, ETH_HDR_LEN + hl + 12);
	th_pump(h);
}

/* The next frame the stack sent: its IP header (returns header length). */
static size_t reply(struct th *h, uint8_t *hdr)
{
	assert_true(h->dev->tx_n > 0);
	struct th_frame *fr = &h->dev->tx[h->dev->tx_head];
	const uint8_t *b = fr->data + ETH_HDR_LEN;
	size_t hl = (size_t)(b[0] & 15) * 4;
	struct ipv4_repr ip;

	assert_int_equal(ipv4_parse(b, fr->len - ETH_HDR_LEN, &ip, true), 0);
	assert_int_equal(ip.proto, IP_PROTO_ICMP);
	assert_int_equal(b[hl], ICMP_ECHO_REPLY);
	assert_int_equal(csum(b + hl, ip.total_len - hl), 0);
	assert_memory_equal(b + hl + 8, "ping", 4);
	memcpy(hdr, b, hl);
	free(fr->data);
	h->dev->tx_head = (h->dev->tx_head + 1) % TH_MAXF;
	h->dev->tx_n--;
	return hl;
}

static void test_record_route(void **state)
{
	struct th h;
	uint8_t hdr[60];
	/* RR with room for 3 addresses, one already recorded by a router */
	uint8_t rr[16] = { 7, 15, 8, 10, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

	(void)state;
	th_init(&h);
	send_echo(&h, rr, sizeof(rr));
	size_t hl = reply(&h, hdr);
	assert_int_equal(hl, 36);
	const uint8_t *o = hdr + IPV4_HDR_LEN;
	assert_int_equal(o[0], 7);
	assert_int_equal(o[1], 15);
	assert_int_equal(o[2], 12);                          /* pointer moved by 4 */
	assert_int_equal(be32_get(o + 3), 0x0a000009u);      /* the router's, kept */
	assert_int_equal(be32_get(o + 7), TH_LOCAL);         /* ours */
	assert_int_equal(be32_get(o + 11), 0);
	th_free(&h);
}

static void test_record_route_full(void **state)
{
	struct th h;
	uint8_t hdr[60];
	uint8_t rr[8] = { 7, 7, 8, 10, 0, 9, 1, 0 };         /* full: pointer past the end */

	(void)state;
	th_init(&h);
	send_echo(&h, rr, sizeof(rr));
	size_t hl = reply(&h, hdr);
	assert_int_equal(hl, 28);
	assert_memory_equal(hdr + IPV4_HDR_LEN, rr, 7);       /* returned unchanged */
	th_free(&h);
}

static void test_timestamp(void **state)
{
	struct th h;
	uint8_t hdr[60];
	/* flag 1: address + timestamp pairs, room for two */
	uint8_t ts[20] = { 68, 20, 5, 1 };
	/* flag 0, full: the overflow count goes up */
	uint8_t ts_full[8] = { 68, 8, 9, 0x20, 0, 0, 0, 1 };

	(void)state;
	th_init(&h);
	th_advance(&h, 5000);
	send_echo(&h, ts, sizeof(ts));
	size_t hl = reply(&h, hdr);
	assert_int_equal(hl, 40);
	const uint8_t *o = hdr + IPV4_HDR_LEN;
	assert_int_equal(o[0], 68);
	assert_int_equal(o[2], 13);
	assert_int_equal(be32_get(o + 4), TH_LOCAL);
	assert_int_equal(be32_get(o + 8), 0x80000000u | (uint32_t)(h.now / 1000));
	send_echo(&h, ts_full, sizeof(ts_full));
	hl = reply(&h, hdr);
	assert_int_equal(hl, 28);
	assert_int_equal(hdr[IPV4_HDR_LEN + 3], 0x30);       /* overflow 2 -> 3, flag 0 */
	th_free(&h);
}

/* Other options (here a NOP and an unknown one) are not echoed; a request without
 * options gets a reply without. */
static void test_other_options(void **state)
{
	struct th h;
	uint8_t hdr[60];
	uint8_t other[8] = { 1, 0x88, 4, 0, 0, 0, 0, 0 };   /* NOP, stream id, EOL */

	(void)state;
	th_init(&h);
	send_echo(&h, other, sizeof(other));
	assert_int_equal(reply(&h, hdr), 20);
	send_echo(&h, NULL, 0);
	assert_int_equal(reply(&h, hdr), 20);
	th_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_route),
		cmocka_unit_test(test_record_route_full),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_other_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
