/* fuzz_wire.c - libFuzzer target for every wire parser (src/wire).
 *
 * The input goes to each parser on its own, and down the layered path a frame takes
 * (Ethernet -> ARP | IPv4 -> ICMP | IGMP | UDP | TCP, and UDP payload -> DNS; Ethernet ->
 * IPv6 -> extension headers -> ICMPv6 -> NDP | MLD, UDP, TCP), and to the frame decoder
 * behind the trace lines (core/describe.c). Whatever
 * parses is emitted again and re-parsed: the second parse must succeed and agree
 * with the first. Any disagreement aborts, so the fuzzer reports it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/arp.h"
#include "wire/csum.h"
#include "wire/dns.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/icmp6.h"
#include "wire/igmp.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/ipv6_ext.h"
#include "wire/mld.h"
#include "wire/ndp.h"
#include "wire/tcp.h"
#include "wire/udp.h"
#include "core/ip_addr.h"
#include "ustack/ustack.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static struct dns_msg dns_m;   /* too large for the stack; the fuzzer is single-threaded */

static void fuzz_eth(const uint8_t *d, size_t n)
{
	struct eth_repr r, r2;
	uint8_t out[ETH_HDR_LEN];

	if (eth_parse(d, n, &r))
		return;
	eth_emit(&r, out);
	CHECK(memcmp(out, d, ETH_HDR_LEN) == 0);
	CHECK(eth_parse(out, sizeof(out), &r2) == WIRE_OK && r2.type == r.type);
	char s[18];
	CHECK(strlen(eth_ntoa(r.src, s)) == 17);
	if (eth_is_broadcast(r.dst))
		CHECK(eth_is_multicast(r.dst));
}

static void fuzz_arp(const uint8_t *d, size_t n)
{
	struct arp_repr r, r2;
	uint8_t out[ARP_LEN];

	if (arp_parse(d, n, &r))
		return;
	arp_emit(&r, out);
	CHECK(memcmp(out, d, ARP_LEN) == 0);
	CHECK(arp_parse(out, sizeof(out), &r2) == WIRE_OK);
	CHECK(r2.op == r.op && r2.spa == r.spa && r2.tpa == r.tpa);
}

static void fuzz_icmp(const uint8_t *d, size_t n)
{
	struct icmp_repr r, r2;
	static uint8_t out[65536];

	if (icmp_parse(d, n, &r))
		return;
	CHECK(r.data == d + ICMP_HDR_LEN && r.data_len == n - ICMP_HDR_LEN);
	memcpy(out + ICMP_HDR_LEN, r.data, r.data_len);
	icmp_emit(&r, out);
	CHECK(icmp_parse(out, n, &r2) == WIRE_OK);
	CHECK(r2.type == r.type && r2.code == r.code && r2.id == r.id && r2.seq == r.seq &&
	      r2.next_hop_mtu == r.next_hop_mtu);
	CHECK(memcmp(out, d, 2) == 0 && memcmp(out + 4, d + 4, n - 4) == 0);
}

static void fuzz_igmp(const uint8_t *d, size_t n)
{
	struct igmp_repr r, r2;
	uint8_t out[IGMP_V3_REPORT_ONE];

	if (igmp_parse(d, n, &r))
		return;
	CHECK(igmp_max_resp_us(&r) <= 31744ull * 100000u);
	if (n == IGMP_HDR_LEN && r.type != IGMP_V3_REPORT) {
		/* the checksum may differ: 0x0000 and 0xffff are both right for an all-ones sum */
		igmp_emit_v2(r.type, r.max_resp_code, r.group, out);
		CHECK(memcmp(out, d, 2) == 0 && memcmp(out + 4, d + 4, 4) == 0);
		CHECK(csum(out, IGMP_HDR_LEN) == 0);
	}
	if (r.type == IGMP_V3_REPORT && r.n_sources == 1 && n == IGMP_V3_REPORT_ONE &&
	    d[9] == 0 && d[10] == 0 && d[11] == 0) {
		igmp_emit_v3_report(r.rec_type, r.group, out);
		CHECK(igmp_parse(out, sizeof(out), &r2) == WIRE_OK);
		CHECK(r2.rec_type == r.rec_type && r2.group == r.group && r2.n_sources == 1);
	}
}

static void fuzz_udp(const uint8_t *d, size_t n, uint32_t src, uint32_t dst)
{
	struct udp_repr r, r2;
	static uint8_t out[65536];

	if (udp_parse(d, n, src, dst, &r, false))
		return;
	CHECK(r.len >= UDP_HDR_LEN && r.len <= n);
	(void)udp_parse(d, n, src, dst, &r2, true);
	memcpy(out + UDP_HDR_LEN, d + UDP_HDR_LEN, r.len - UDP_HDR_LEN);
	udp_emit(&r, out, r.len - UDP_HDR_LEN, src, dst);
	CHECK(udp_parse(out, r.len, src, dst, &r2, true) == WIRE_OK);
	CHECK(r2.sport == r.sport && r2.dport == r.dport && r2.len == r.len && r2.csum != 0);
	if (r.sport == DNS_PORT || r.dport == DNS_PORT)
		(void)dns_parse(d + UDP_HDR_LEN, r.len - UDP_HDR_LEN, &dns_m);
}

static void check_tcp_options_equal(const struct tcp_repr *a, const struct tcp_repr *b)
{
	CHECK(a->has_mss == b->has_mss && (!a->has_mss || a->mss == b->mss));
	CHECK(a->has_wscale == b->has_wscale && (!a->has_wscale || a->wscale == b->wscale));
	CHECK(a->sack_perm == b->sack_perm);
	CHECK(a->has_ts == b->has_ts && (!a->has_ts || (a->ts_val == b->ts_val &&
							 a->ts_ecr == b->ts_ecr)));
	CHECK(b->n_sack <= a->n_sack);
	for (int i = 0; i < b->n_sack; i++)
		CHECK(a->sack[i].left == b->sack[i].left && a->sack[i].right == b->sack[i].right);
}

static void fuzz_tcp(const uint8_t *d, size_t n, uint32_t src, uint32_t dst)
{
	struct tcp_repr r, r2;
	static uint8_t out[65536 + TCP_MAX_HDR_LEN];
	char flags[32];

	if (tcp_parse(d, n, src, dst, &r, false))
		return;
	CHECK(r.hdr_len >= TCP_HDR_LEN && r.hdr_len <= n && r.wscale <= 14 &&
	      r.n_sack <= TCP_MAX_SACK);
	(void)tcp_parse(d, n, src, dst, &r2, true);
	CHECK(strlen(tcp_flags_str(r.flags, flags)) < sizeof(flags));

	size_t h = tcp_emit(&r, out);
	size_t payload = n - r.hdr_len;
	CHECK(h == TCP_HDR_LEN + tcp_options_len(&r) && h % 4 == 0 && h <= TCP_MAX_HDR_LEN);
	if (h + payload > 0xffff)
		return;
	memcpy(out + h, d + r.hdr_len, payload);
	tcp_set_csum(out, h + payload, src, dst);
	CHECK(tcp_parse(out, h + payload, src, dst, &r2, true) == WIRE_OK);
	CHECK(r2.sport == r.sport && r2.dport == r.dport && r2.seq == r.seq && r2.ack == r.ack &&
	      r2.flags == r.flags && r2.win == r.win && r2.urp == r.urp && r2.hdr_len == h);
	check_tcp_options_equal(&r, &r2);
}

static void fuzz_ipv4(const uint8_t *d, size_t n)
{
	struct ipv4_repr r, r2;
	static uint8_t out[65536];
	char s[16];
	uint32_t back;

	(void)ipv4_parse(d, n, &r, true);
	if (ipv4_parse(d, n, &r, false))
		return;
	CHECK(r.hdr_len >= IPV4_HDR_LEN && r.hdr_len <= r.total_len && r.total_len <= n);
	ipv4_emit(&r, out);
	CHECK(ipv4_parse(out, r.total_len, &r2, true) == WIRE_OK);   /* options dropped */
	CHECK(r2.hdr_len == IPV4_HDR_LEN && r2.total_len == r.total_len && r2.id == r.id &&
	      r2.df == r.df && r2.mf == r.mf && r2.frag_off == r.frag_off && r2.ttl == r.ttl &&
	      r2.proto == r.proto && r2.src == r.src && r2.dst == r.dst && r2.tos == r.tos);
	if (r.hdr_len == IPV4_HDR_LEN && !(d[6] & 0x80))
		CHECK(memcmp(out + 2, d + 2, 8) == 0 && memcmp(out + 12, d + 12, 8) == 0);
	CHECK(ipv4_aton(ipv4_ntoa(r.src, s), &back) == 0 && back == r.src);

	const uint8_t *l4 = d + r.hdr_len;
	size_t l4len = r.total_len - r.hdr_len;
	switch (r.proto) {
	case IP_PROTO_ICMP: fuzz_icmp(l4, l4len); break;
	case IP_PROTO_IGMP: fuzz_igmp(l4, l4len); break;
	case IP_PROTO_UDP: fuzz_udp(l4, l4len, r.src, r.dst); break;
	case IP_PROTO_TCP: fuzz_tcp(l4, l4len, r.src, r.dst); break;
	default: break;
	}
}

static const uint8_t addr_a[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t addr_b[16] = { 0xff, 0x02, [15] = 1 };

static void check_ndp_equal(const struct ndp_repr *a, const struct ndp_repr *b)
{
	CHECK(a->type == b->type && a->cur_hop_limit == b->cur_hop_limit &&
	      a->managed == b->managed && a->other == b->other &&
	      a->router_lifetime == b->router_lifetime && a->reachable_time == b->reachable_time &&
	      a->retrans_timer == b->retrans_timer && a->router == b->router &&
	      a->solicited == b->solicited && a->override == b->override);
	CHECK(memcmp(a->target, b->target, 16) == 0 && memcmp(a->dest, b->dest, 16) == 0);
	CHECK(a->has_slla == b->has_slla && (!a->has_slla || memcmp(a->slla, b->slla, 6) == 0));
	CHECK(a->has_tlla == b->has_tlla && (!a->has_tlla || memcmp(a->tlla, b->tlla, 6) == 0));
	CHECK(a->has_nonce == b->has_nonce && (!a->has_nonce || memcmp(a->nonce, b->nonce, 6) == 0));
	CHECK(a->has_mtu == b->has_mtu && a->mtu == b->mtu);
	CHECK(a->n_prefix == b->n_prefix && a->n_rdnss == b->n_rdnss);
	for (int i = 0; i < a->n_prefix; i++)
		CHECK(memcmp(&a->prefix[i].prefix, &b->prefix[i].prefix, 16) == 0 &&
		      a->prefix[i].len == b->prefix[i].len && a->prefix[i].valid == b->prefix[i].valid &&
		      a->prefix[i].preferred == b->prefix[i].preferred &&
		      a->prefix[i].on_link == b->prefix[i].on_link &&
		      a->prefix[i].autonomous == b->prefix[i].autonomous);
	for (int i = 0; i < a->n_rdnss; i++)
		CHECK(memcmp(a->rdnss[i].addr, b->rdnss[i].addr, 16) == 0);
	CHECK((a->redirected == NULL) == (b->redirected == NULL));
	if (a->redirected)
		CHECK(b->redirected_len >= a->redirected_len &&
		      memcmp(a->redirected, b->redirected, a->redirected_len) == 0);
}

static void fuzz_ndp(const uint8_t *d, size_t n)
{
	static struct ndp_repr r, r2;
	static uint8_t out[NDP_MAX_LEN];
	struct icmp6_repr ir;

	if (ndp_parse(d, n, &r))
		return;
	CHECK(r.n_prefix <= NDP_MAX_PREFIX && r.n_rdnss <= NDP_MAX_RDNSS);
	CHECK(!r.redirected || (r.redirected >= d && r.redirected + r.redirected_len <= d + n));
	size_t len = ndp_emit(&r, out, sizeof(out), addr_a, addr_b);
	if (len == 0) {
		CHECK(ndp_len(&r) > sizeof(out));
		return;
	}
	CHECK(len == ndp_len(&r) && len % 8 == 0);
	CHECK(icmp6_parse(out, len, addr_a, addr_b, &ir, true) == WIRE_OK);
	CHECK(ndp_parse(out, len, &r2) == WIRE_OK);
	check_ndp_equal(&r, &r2);
}

static void fuzz_mld(const uint8_t *d, size_t n)
{
	struct mld_repr r, r2;
	uint8_t out[MLD2_REPORT_HDR_LEN + MLD2_MAX_RECORDS * MLD2_RECORD_LEN];
	struct icmp6_repr ir;

	if (mld_parse(d, n, &r))
		return;
	(void)mld_max_resp_ms(&r);
	if (r.type == ICMP6_MLD2_REPORT && r.n_sources >= 1) {
		struct mld2_record rec = { .type = r.rec_type };
		memcpy(rec.group, r.group, 16);
		size_t len = mld2_emit_report(&rec, 1, out, sizeof(out), addr_a, addr_b);
		CHECK(len == MLD2_REPORT_HDR_LEN + MLD2_RECORD_LEN);
		CHECK(icmp6_parse(out, len, addr_a, addr_b, &ir, true) == WIRE_OK);
		CHECK(mld_parse(out, len, &r2) == WIRE_OK && r2.n_sources == 1 &&
		      r2.rec_type == r.rec_type && memcmp(r2.group, r.group, 16) == 0);
	}
}

static void fuzz_icmp6(const uint8_t *d, size_t n, const uint8_t *src, const uint8_t *dst)
{
	struct icmp6_repr r, r2;
	static uint8_t out[65536];

	(void)icmp6_parse(d, n, src, dst, &r, true);
	if (icmp6_parse(d, n, src, dst, &r, false))
		return;
	CHECK(r.data == d + ICMP6_HDR_LEN && r.data_len == n - ICMP6_HDR_LEN);
	memcpy(out + ICMP6_HDR_LEN, r.data, r.data_len);
	icmp6_emit(&r, out, src, dst);
	CHECK(icmp6_parse(out, n, src, dst, &r2, true) == WIRE_OK);
	CHECK(memcmp(out, d, 2) == 0 && memcmp(out + 4, d + 4, n - 4) == 0);
	if (r.type >= ICMP6_ND_RS && r.type <= ICMP6_ND_REDIRECT)
		fuzz_ndp(d, n);
	else if (r.type == ICMP6_MLD_QUERY || r.type == ICMP6_MLD_REPORT ||
		 r.type == ICMP6_MLD_DONE || r.type == ICMP6_MLD2_REPORT)
		fuzz_mld(d, n);
}

static void fuzz_ipv6(const uint8_t *d, size_t n)
{
	struct ipv6_repr r, r2;
	struct ipv6_chain c;
	uint8_t out[IPV6_HDR_LEN];
	char s[IP_ADDR_STRLEN];
	uint8_t back[16];

	if (ipv6_parse(d, n, &r))
		return;
	ipv6_emit(&r, out);
	CHECK(memcmp(out, d, IPV6_HDR_LEN) == 0);
	CHECK((ipv6_parse(out, IPV6_HDR_LEN, &r2) == WIRE_OK) == (r.payload_len == 0));
	CHECK(ip6_pton(ip6_ntop(r.src, s), back) == 0 && memcmp(back, r.src, 16) == 0);
	CHECK(strlen(s) < IP_ADDR_STRLEN);

	size_t len = IPV6_HDR_LEN + r.payload_len;
	int rc = ipv6_ext_walk(d, len, &c);
	CHECK(c.n_ext <= IPV6_EXT_MAX);
	if (rc != WIRE_OK) {
		CHECK(c.pp_code >= IPV6_PP_NONE && c.pp_code <= IPV6_PP_INCOMPLETE_CHAIN);
		CHECK(c.pp_ptr < len || c.pp_code == IPV6_PP_NONE);
		return;
	}
	CHECK(c.l4_off >= IPV6_HDR_LEN && c.l4_off <= len && c.proto_ptr < c.l4_off);
	CHECK(d[c.proto_ptr] == c.proto);
	CHECK(!ipv6_is_ext_header(c.proto) || (c.frag && c.frag_off));
	if (c.frag && c.frag_off)
		return;                          /* not the start of the upper layer */
	const uint8_t *l4 = d + c.l4_off;
	size_t l4len = len - c.l4_off;
	switch (c.proto) {
	case IP_PROTO_ICMPV6: fuzz_icmp6(l4, l4len, r.src, r.dst); break;
	default: break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* each parser on the raw input */
	fuzz_eth(data, size);
	fuzz_arp(data, size);
	fuzz_ipv4(data, size);
	fuzz_icmp(data, size);
	fuzz_igmp(data, size);
	fuzz_udp(data, size, 0x0a000001, 0x0a000002);
	fuzz_tcp(data, size, 0x0a000001, 0x0a000002);
	(void)dns_parse(data, size, &dns_m);
	fuzz_ipv6(data, size);
	fuzz_icmp6(data, size, addr_a, addr_b);
	fuzz_ndp(data, size);
	fuzz_mld(data, size);
	{
		/* the text forms of an address */
		char txt[64];
		size_t k = size < sizeof(txt) - 1 ? size : sizeof(txt) - 1;
		uint8_t a6[16];
		char s[IP_ADDR_STRLEN];
		memcpy(txt, data, k);
		txt[k] = '\0';
		if (ip6_pton(txt, a6) == 0) {
			uint8_t back[16];
			CHECK(ip6_pton(ip6_ntop(a6, s), back) == 0 && memcmp(a6, back, 16) == 0);
		}
	}

	/* the frame decoder and its trace line (bounded, terminated) */
	{
		static struct ustack_frame_info fi;
		char line[160];
		(void)ustack_frame_decode(data, size, &fi);
		int k = ustack_frame_describe(data, size, line, sizeof(line));
		CHECK(strlen(line) < sizeof(line) && (k < 0 || (size_t)k == strlen(line)));
	}

	/* and down the layers of a frame */
	struct eth_repr e;
	if (eth_parse(data, size, &e) == WIRE_OK) {
		if (e.type == ETHERTYPE_ARP)
			fuzz_arp(data + ETH_HDR_LEN, size - ETH_HDR_LEN);
		else if (e.type == ETHERTYPE_IPV4)
			fuzz_ipv4(data + ETH_HDR_LEN, size - ETH_HDR_LEN);
		else if (e.type == ETHERTYPE_IPV6)
			fuzz_ipv6(data + ETH_HDR_LEN, size - ETH_HDR_LEN);
	}
	return 0;
}
