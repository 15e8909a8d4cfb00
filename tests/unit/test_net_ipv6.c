/* test_net_ipv6.c - IPv6 input, ICMPv6 and reassembly driven through ipv6_input on a
 * stack whose only device is the loopback: hostile extension-header chains (counted
 * drop reasons and the Parameter Problem sent, or none), RH0 (RFC 5095), unknown
 * options by their two high bits (RFC 8200 4.2), reassembly in and out of order,
 * overlap (RFC 5722), tiny first fragment (RFC 7112), atomic fragments (RFC 6946), the
 * 60 s timeout with time exceeded code 1 on the virtual clock, the memory bound;
 * fragmentation round trip through the ping API; the error rate limit; source address
 * selection; Packet Too Big lowering the path MTU.
 *
 * The peer 2001:db8:ffff::2 is routed out of the loopback interface, so every answer
 * the stack sends is a frame on the loopback, seen by the trace hook. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ip_class.h"
#include "core/stack.h"
#include "net/ipv6.h"
#include "net/ipv6_frag.h"
#include "ustack/dev.h"
#include "wire/csum.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/ipv6_ext.h"

#define T0 1000000ull
#define MAXF 512

static const uint8_t ME[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t PEER[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 2 };
static const uint8_t PEER_NET[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff };
static const uint8_t ALLNODES[16] = { 0xff, 0x02, [15] = 1 };

struct tx {
	size_t len;
	uint8_t b[1600];
};

struct env {
	struct ustack *st;
	struct iface *lo;
	struct tx *tx;
	size_t ntx;
};

static void on_trace(void *ctx, const struct ustack_trace *ev)
{
	struct env *e = ctx;

	if (ev->kind != USTACK_TRACE_TX || e->ntx == MAXF || ev->frame_len > sizeof(e->tx[0].b))
		return;
	e->tx[e->ntx].len = ev->frame_len;
	memcpy(e->tx[e->ntx].b, ev->frame, ev->frame_len);
	e->ntx++;
}

static void add_addr(struct iface *ifp, const uint8_t a[16], int plen, uint8_t state)
{
	for (int i = 0; i < IFACE_ADDR6_MAX; i++) {
		struct if_addr6 *x = &ifp->addr6[i];

		if (x->state != IF6_UNUSED && !memcmp(x->addr, a, 16)) {
			x->state = state;
			return;
		}
	}
	for (int i = 0; i < IFACE_ADDR6_MAX; i++) {
		struct if_addr6 *x = &ifp->addr6[i];

		if (x->state == IF6_UNUSED) {
			memcpy(x->addr, a, 16);
			x->plen = (uint8_t)plen;
			x->state = state;
			x->valid_until = x->preferred_until = UINT64_MAX;
			return;
		}
	}
	fail_msg("no room for an address");
}

static struct env *env_new(size_t reasm_max)
{
	struct env *e = calloc(1, sizeof(*e));
	struct in_addr a = { .s_addr = htonl(0x7f000001) };
	uint8_t one[16] = { [15] = 1 };
	int lo;

	assert_non_null(e);
	e->tx = calloc(MAXF, sizeof(*e->tx));
	assert_non_null(e->tx);
	e->st = ustack_new(&(struct ustack_config){ .seed = 7, .reasm_max_bytes = reasm_max });
	assert_non_null(e->st);
	lo = ustack_if_add(e->st, ustack_loopback_new(), a, 8);
	assert_true(lo >= 0);
	assert_int_equal(ustack_if_set_mtu(e->st, lo, 1500), 0);
	ustack_step(e->st, T0);
	e->lo = iface_get(e->st, lo);
	add_addr(e->lo, one, 128, IF6_PREFERRED);
	add_addr(e->lo, ME, 64, IF6_PREFERRED);
	assert_int_equal(route6_add(e->st, PEER_NET, 64, NULL, lo, ROUTE6_STATIC, 0), 0);
	ustack_set_trace(e->st, on_trace, e);
	return e;
}

static void env_free(struct env *e)
{
	ustack_free(e->st);
	free(e->tx);
	free(e);
}

static uint64_t drops(struct env *e, enum ustack_drop r) { return e->st->stats.drops[r]; }

/* An IPv6 packet from PEER to dst: next header nh, then body. */
static struct pkt *mk(struct env *e, const uint8_t dst[16], uint8_t nh, const uint8_t *body,
		      size_t blen)
{
	struct ipv6_repr h = { .payload_len = (uint16_t)blen, .next_hdr = nh, .hop_limit = 64 };
	struct pkt *p = pkt_alloc(e->st, IPV6_HDR_LEN + blen);

	assert_non_null(p);
	memcpy(h.src, PEER, 16);
	memcpy(h.dst, dst, 16);
	ipv6_emit(&h, pkt_put(p, IPV6_HDR_LEN + blen));
	if (blen)
		memcpy(p->data + IPV6_HDR_LEN, body, blen);
	p->ifindex = e->lo->index;
	return p;
}

static void feed(struct env *e, struct pkt *p) { ipv6_input(e->st, e->lo, p); }

/* An echo request (id 7, seq) with n payload bytes written at b; returns its length. */
static size_t echo(uint8_t *b, const uint8_t dst[16], uint16_t seq, size_t n)
{
	struct icmp6_repr r = { .type = ICMP6_ECHO_REQUEST, .id = 7, .seq = seq, .data_len = n };

	for (size_t i = 0; i < n; i++)
		b[ICMP6_HDR_LEN + i] = (uint8_t)(i * 7 + seq);
	icmp6_emit(&r, b, PEER, dst);
	return ICMP6_HDR_LEN + n;
}

/* The ICMPv6 message of TX frame i (checked: IPv6, from one of ours to PEER, a valid
 * checksum), or NULL if it is something else. */
static const uint8_t *tx_icmp6(struct env *e, size_t i, size_t *len)
{
	const uint8_t *f = e->tx[i].b;
	struct ipv6_repr h;
	struct icmp6_repr r;

	if (e->tx[i].len < 14 + 48 || f[12] != 0x86 || f[13] != 0xdd)
		return NULL;
	assert_int_equal(ipv6_parse(f + 14, e->tx[i].len - 14, &h), WIRE_OK);
	if (h.next_hdr != IP_PROTO_ICMPV6)
		return NULL;
	assert_memory_equal(h.dst, PEER, 16);
	assert_int_equal(icmp6_parse(f + 54, h.payload_len, h.src, h.dst, &r, true), WIRE_OK);
	*len = h.payload_len;
	return f + 54;
}

/* Exactly one frame went out: a Parameter Problem with code and pointer. */
static void expect_pp(struct env *e, uint8_t code, uint32_t ptr)
{
	size_t len;
	const uint8_t *m;

	assert_int_equal(e->ntx, 1);
	m = tx_icmp6(e, 0, &len);
	assert_non_null(m);
	assert_int_equal(m[0], ICMP6_PARAM_PROBLEM);
	assert_int_equal(m[1], code);
	assert_int_equal(be32_get(m + 4), ptr);
	e->ntx = 0;
}

static void expect_echo_reply(struct env *e, uint16_t seq, size_t n)
{
	size_t len;
	const uint8_t *m;

	assert_int_equal(e->ntx, 1);
	m = tx_icmp6(e, 0, &len);
	assert_non_null(m);
	assert_int_equal(m[0], ICMP6_ECHO_REPLY);
	assert_int_equal(be16_get(m + 6), seq);
	assert_int_equal(len, ICMP6_HDR_LEN + n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(m[ICMP6_HDR_LEN + i], (uint8_t)(i * 7 + seq));
	assert_memory_equal(e->tx[0].b + 14 + 8, ME, 16);
	e->ntx = 0;
}

static void test_echo(void **state)
{
	struct env *e = env_new(0);
	uint8_t b[64];

	(void)state;
	feed(e, mk(e, ME, IP_PROTO_ICMPV6, b, echo(b, ME, 1, 20)));
	expect_echo_reply(e, 1, 20);
	assert_int_equal(e->st->stats.icmp6_echo_replies_out, 1);
	/* a bad checksum: dropped, counted, no reply */
	echo(b, ME, 2, 20);
	b[10] ^= 1;
	feed(e, mk(e, ME, IP_PROTO_ICMPV6, b, 28));
	assert_int_equal(e->ntx, 0);
	assert_int_equal(drops(e, USTACK_DROP_ICMP6_BAD_CSUM), 1);
	/* to all-nodes: answered from a unicast address of ours (as Linux) */
	{
		struct icmp6_repr r = { .type = ICMP6_ECHO_REQUEST, .id = 7, .seq = 3, .data_len = 4 };
		for (int i = 0; i < 4; i++)
			b[8 + i] = (uint8_t)(i * 7 + 3);
		icmp6_emit(&r, b, PEER, ALLNODES);
		feed(e, mk(e, ALLNODES, IP_PROTO_ICMPV6, b, 12));
		expect_echo_reply(e, 3, 4);
	}
	env_free(e);
}

static void test_header_checks(void **state)
{
	struct env *e = env_new(0);
	uint8_t b[64];
	struct pkt *p;

	(void)state;
	p = mk(e, ME, IP_PROTO_ICMPV6, b, echo(b, ME, 1, 8));
	p->data[0] = 0x40;
	feed(e, p);
	assert_int_equal(drops(e, USTACK_DROP_IP6_BAD_VERSION), 1);
	p = mk(e, ME, IP_PROTO_ICMPV6, b, echo(b, ME, 1, 8));
	be16_put(p->data + 4, 200);          /* longer than the frame */
	feed(e, p);
	assert_int_equal(drops(e, USTACK_DROP_IP6_BAD_LEN), 1);
	p = mk(e, ME, IP_PROTO_ICMPV6, b, echo(b, ME, 1, 8));
	p->len = 30;
	feed(e, p);
	assert_int_equal(drops(e, USTACK_DROP_IP6_TRUNCATED), 1);
	p = mk(e, ME, IP_PROTO_ICMPV6, b, echo(b, ME, 1, 8));
	p->data[8] = 0xff;                   /* multicast source */
	feed(e, p);
	assert_int_equal(drops(e, USTACK_DROP_IP6_BAD_SRC), 1);
	{
		uint8_t other[16] = { 0x20, 0x01, 0x0d, 0xb8, 9, [15] = 9 };
		feed(e, mk(e, other, IP_PROTO_ICMPV6, b, echo(b, other, 1, 8)));
		assert_int_equal(drops(e, USTACK_DROP_IP6_NOT_FOR_US), 1);
	}
	assert_int_equal(e->ntx, 0);
	env_free(e);
}

/* A destination options header (8 bytes) holding one option of type t, then ICMPv6. */
static size_t dstopt_with(uint8_t *b, uint8_t t, uint8_t next)
{
	b[0] = next;
	b[1] = 0;
	b[2] = t;
	b[3] = 4;
	memset(b + 4, 0, 4);
	return 8;
}

static void test_unknown_options(void **state)
{
	struct env *e = env_new(0);
	uint8_t b[128];
	size_t n;

	(void)state;
	/* 00: skipped, the packet is delivered */
	n = dstopt_with(b, 0x1e, IP_PROTO_ICMPV6);
	n += echo(b + n, ME, 1, 8);
	feed(e, mk(e, ME, IP_PROTO_DSTOPTS, b, n));
	expect_echo_reply(e, 1, 8);
	/* 01: discarded quietly */
	dstopt_with(b, 0x5e, IP_PROTO_ICMPV6);
	feed(e, mk(e, ME, IP_PROTO_DSTOPTS, b, n));
	assert_int_equal(e->ntx, 0);
	assert_int_equal(drops(e, USTACK_DROP_IP6_BAD_EXT), 1);
	/* 10: Parameter Problem code 2 at the option (40 + 2) */
	dstopt_with(b, 0x9e, IP_PROTO_ICMPV6);
	feed(e, mk(e, ME, IP_PROTO_DSTOPTS, b, n));
	expect_pp(e, IPV6_PP_OPTION, 42);
	/* 11: the same to unicast ... */
	dstopt_with(b, 0xde, IP_PROTO_ICMPV6);
	feed(e, mk(e, ME, IP_PROTO_DSTOPTS, b, n));
	expect_pp(e, IPV6_PP_OPTION, 42);
	/* ... and nothing to multicast */
	feed(e, mk(e, ALLNODES, IP_PROTO_DSTOPTS, b, n));
	assert_int_equal(e->ntx, 0);
	/* 10 to multicast: answered (RFC 4443 2.4(e.3)) */
	dstopt_with(b, 0x9e, IP_PROTO_ICMPV6);
	feed(e, mk(e, ALLNODES, IP_PROTO_DSTOPTS, b, n));
	expect_pp(e, IPV6_PP_OPTION, 42);
	assert_int_equal(drops(e, USTACK_DROP_IP6_BAD_EXT), 5);
	env_free(e);
}

static void test_hostile_chains(void **state)
{
	struct env *e = env_new(0);
	uint8_t b[256];
	size_t n = 0;

	(void)state;
	/* an unknown next header: Parameter Problem code 1 at the Next Header field (6) */
	memset(b, 0, 16);
	feed(e, mk(e, ME, 253, b, 16));
	expect_pp(e, IPV6_PP_NEXT_HEADER, 6);
	assert_int_equal(drops(e, USTACK_DROP_IP6_UNKNOWN_NEXT), 1);
	/* IPv4's ICMP is not a protocol of IPv6 */
	feed(e, mk(e, ME, 1, b, 16));
	expect_pp(e, IPV6_PP_NEXT_HEADER, 6);
	/* hop-by-hop after a destination options header: code 1 at the Next Header (40) */
	memset(b, 0, 24);
	b[0] = IP_PROTO_HOPOPTS;
	b[8] = IP_PROTO_NONE;
	feed(e, mk(e, ME, IP_PROTO_DSTOPTS, b, 16));
	expect_pp(e, IPV6_PP_NEXT_HEADER, 40);
	/* a chain longer than the walk allows: dropped, no answer */
	memset(b, 0, sizeof(b));
	for (int i = 0; i < 12; i++)
		b[i * 8] = i == 11 ? IP_PROTO_NONE : IP_PROTO_DSTOPTS;
	feed(e, mk(e, ME, IP_PROTO_DSTOPTS, b, 96));
	assert_int_equal(e->ntx, 0);
	/* a header length running past the packet (255 -> 2048 bytes): dropped */
	memset(b, 0, 32);
	b[0] = IP_PROTO_ICMPV6;
	b[1] = 255;
	feed(e, mk(e, ME, IP_PROTO_DSTOPTS, b, 32));
	/* an option length running past its header */
	memset(b, 0, 16);
	b[0] = IP_PROTO_NONE;
	b[2] = 0x1e;
	b[3] = 40;
	feed(e, mk(e, ME, IP_PROTO_DSTOPTS, b, 8));
	assert_int_equal(e->ntx, 0);
	assert_int_equal(drops(e, USTACK_DROP_IP6_BAD_EXT), 3);
	/* RH0 with segments left (RFC 5095): counted, code 0 at the routing type (42) */
	memset(b, 0, 24);
	b[0] = IP_PROTO_ICMPV6;
	b[1] = 2;
	b[2] = 0;
	b[3] = 1;
	feed(e, mk(e, ME, IP_PROTO_ROUTING, b, 24));
	expect_pp(e, IPV6_PP_HEADER, 42);
	assert_int_equal(drops(e, USTACK_DROP_IP6_RH0), 1);
	/* RH0 with no segments left is ignored: the echo behind it is answered */
	b[3] = 0;
	n = 24 + echo(b + 24, ME, 5, 8);
	feed(e, mk(e, ME, IP_PROTO_ROUTING, b, n));
	expect_echo_reply(e, 5, 8);
	/* a routing header of another type with segments left: code 0, not RH0 */
	b[2] = 4;
	b[3] = 1;
	feed(e, mk(e, ME, IP_PROTO_ROUTING, b, n));
	expect_pp(e, IPV6_PP_HEADER, 42);
	assert_int_equal(drops(e, USTACK_DROP_IP6_RH0), 1);
	/* no next header: delivered to nobody, nothing sent */
	feed(e, mk(e, ME, IP_PROTO_NONE, b, 0));
	assert_int_equal(e->ntx, 0);
	env_free(e);
}

/* A fragment of an echo request datagram whose ICMPv6 message is msg[0 .. mlen). */
static struct pkt *frag(struct env *e, const uint8_t *msg, size_t off, size_t n, bool mf,
			uint32_t id)
{
	uint8_t b[2048];

	ipv6_frag_emit(IP_PROTO_ICMPV6, (uint16_t)off, mf, id, b);
	memcpy(b + 8, msg + off, n);
	return mk(e, ME, IP_PROTO_FRAGMENT, b, 8 + n);
}

static void test_reasm_orders(void **state)
{
	struct env *e = env_new(0);
	static uint8_t msg[3000];
	size_t n = echo(msg, ME, 9, 1000);       /* 1008 bytes: 0..504, 504..1008 */

	(void)state;
	feed(e, frag(e, msg, 0, 504, true, 1));
	assert_int_equal(e->ntx, 0);
	feed(e, frag(e, msg, 504, n - 504, false, 1));
	expect_echo_reply(e, 9, 1000);
	/* out of order, with an exact duplicate */
	feed(e, frag(e, msg, 504, n - 504, false, 2));
	feed(e, frag(e, msg, 504, n - 504, false, 2));
	assert_int_equal(e->ntx, 0);
	feed(e, frag(e, msg, 0, 504, true, 2));
	expect_echo_reply(e, 9, 1000);
	/* three pieces: middle, last, first */
	feed(e, frag(e, msg, 336, 336, true, 3));
	feed(e, frag(e, msg, 672, n - 672, false, 3));
	feed(e, frag(e, msg, 0, 336, true, 3));
	expect_echo_reply(e, 9, 1000);
	assert_int_equal(e->st->stats.ip6_reasm_ok, 3);
	assert_int_equal(ipv6_reasm_count(e->st), 0);
	assert_int_equal(ipv6_reasm_bytes(e->st), 0);
	/* an atomic fragment is processed alone (RFC 6946), another reassembly of the
	 * same ID going on is not touched */
	feed(e, frag(e, msg, 0, 504, true, 4));
	feed(e, frag(e, msg, 0, n, false, 4));
	expect_echo_reply(e, 9, 1000);
	feed(e, frag(e, msg, 504, n - 504, false, 4));
	expect_echo_reply(e, 9, 1000);
	env_free(e);
}

static void test_reasm_overlap_and_tiny(void **state)
{
	struct env *e = env_new(0);
	static uint8_t msg[3000];
	size_t n = echo(msg, ME, 9, 1000);
	uint8_t b[64];

	(void)state;
	/* RFC 5722: overlap drops the whole datagram, and its later fragments too */
	feed(e, frag(e, msg, 0, 504, true, 5));
	feed(e, frag(e, msg, 496, 8, true, 5));
	assert_int_equal(drops(e, USTACK_DROP_FRAG6_OVERLAP), 1);
	feed(e, frag(e, msg, 504, n - 504, false, 5));
	assert_int_equal(e->ntx, 0);
	assert_int_equal(drops(e, USTACK_DROP_FRAG6_OVERLAP), 2);
	/* a "duplicate" with other bytes is an overlap */
	feed(e, frag(e, msg, 0, 504, true, 6));
	msg[100] ^= 0xff;
	feed(e, frag(e, msg, 0, 504, true, 6));
	msg[100] ^= 0xff;
	assert_int_equal(drops(e, USTACK_DROP_FRAG6_OVERLAP), 3);
	/* RFC 7112: a first fragment without the upper-layer header: code 3, pointer 0 */
	ipv6_frag_emit(IP_PROTO_DSTOPTS, 0, true, 7, b);
	memset(b + 8, 0, 8);
	b[8] = IP_PROTO_ICMPV6;
	feed(e, mk(e, ME, IP_PROTO_FRAGMENT, b, 16));
	expect_pp(e, IPV6_PP_INCOMPLETE_CHAIN, 0);
	assert_int_equal(drops(e, USTACK_DROP_FRAG6_TINY_FIRST), 1);
	/* a non-last fragment whose length is not a multiple of 8: code 0, pointer 4 */
	feed(e, frag(e, msg, 0, 500, true, 8));
	expect_pp(e, IPV6_PP_HEADER, 4);
	env_free(e);
}

static void test_reasm_timeout(void **state)
{
	struct env *e = env_new(0);
	static uint8_t msg[3000];
	size_t len;
	const uint8_t *m;

	(void)state;
	echo(msg, ME, 9, 1000);
	feed(e, frag(e, msg, 0, 504, true, 11));      /* the first came */
	feed(e, frag(e, msg, 504, 8, true, 12));      /* only a middle piece */
	assert_int_equal(ipv6_reasm_count(e->st), 2);
	ustack_step(e->st, T0 + 59000000ull);
	assert_int_equal(e->ntx, 0);
	assert_int_equal(ipv6_reasm_count(e->st), 2);
	ustack_step(e->st, T0 + 60000001ull);
	assert_int_equal(drops(e, USTACK_DROP_FRAG6_TIMEOUT), 2);
	assert_int_equal(ipv6_reasm_count(e->st), 0);
	assert_int_equal(ipv6_reasm_bytes(e->st), 0);
	/* time exceeded, code 1, only for the datagram whose first fragment came */
	assert_int_equal(e->ntx, 1);
	m = tx_icmp6(e, 0, &len);
	assert_non_null(m);
	assert_int_equal(m[0], ICMP6_TIME_EXCEEDED);
	assert_int_equal(m[1], ICMP6_FRAG_TIME_EXCEEDED);
	assert_int_equal(be32_get(m + 8 + 40 + 4), 11);     /* the quoted fragment's ID */
	env_free(e);
}

static void test_reasm_memory_bound(void **state)
{
	struct env *e = env_new(16384);
	static uint8_t msg[3000];

	(void)state;
	echo(msg, ME, 9, 1200);
	for (uint32_t id = 100; id < 140; id++) {
		feed(e, frag(e, msg, 0, 1000, true, id));
		assert_true(ipv6_reasm_bytes(e->st) <= 16384);
	}
	assert_true(drops(e, USTACK_DROP_FRAG6_NO_MEMORY) >= 20);
	assert_true(ipv6_reasm_count(e->st) < 16);
	/* the newest still completes */
	feed(e, frag(e, msg, 1000, 208, false, 139));
	expect_echo_reply(e, 9, 1200);
	env_free(e);
}

static void test_fragment_round_trip(void **state)
{
	struct env *e = env_new(0);
	struct ustack_ping_reply rep;
	struct in6_addr d;
	size_t frags = 0;

	(void)state;
	/* ipv6_fragment: pieces within the MTU, 8-aligned, one random ID, the bytes back */
	{
		struct pkt_queue q = { 0 };
		static uint8_t body[5000];
		struct pkt *p, *f;
		size_t got = 0;
		uint32_t id = 0;

		for (size_t i = 0; i < sizeof(body); i++)
			body[i] = (uint8_t)(i * 31);
		p = mk(e, ME, 253, body, sizeof(body));
		assert_int_equal(ipv6_fragment(e->st, p, 1280, &q), 0);
		assert_int_equal(q.count, 5);
		while ((f = pkt_queue_pop(&q)) != NULL) {
			struct ipv6_chain c;

			assert_true(f->len <= 1280);
			assert_int_equal(ipv6_ext_walk(f->data, f->len, &c), WIRE_OK);
			assert_true(c.frag);
			assert_int_equal(c.frag_off, got);
			assert_int_equal(c.proto, 253);
			if (!id)
				id = c.frag_id;
			assert_int_equal(c.frag_id, id);
			assert_memory_equal(f->data + 48, body + got, f->len - 48);
			got += f->len - 48;
			assert_int_equal(c.mf, got < sizeof(body));
			pkt_free(e->st, f);
		}
		assert_int_equal(got, sizeof(body));
	}
	memcpy(&d, ME, 16);
	assert_int_equal(ustack_ping6_send(e->st, &d, -1, 42, 1, NULL, 4000, 0), 0);
	for (int i = 0; i < 5; i++)
		ustack_step(e->st, T0 + (uint64_t)i * 1000);
	for (size_t i = 0; i < e->ntx; i++) {
		const uint8_t *f = e->tx[i].b + 14;

		assert_true(e->tx[i].len - 14 <= 1500);
		if (f[6] == IP_PROTO_FRAGMENT)
			frags++;
	}
	assert_true(frags >= 6);                      /* 3 out, 3 back */
	assert_int_equal(ustack_ping_recv(e->st, 42, &rep, 0), 0);
	assert_int_equal(rep.family, AF_INET6);
	assert_memory_equal(&rep.from6, ME, 16);
	assert_int_equal(rep.type, ICMP6_ECHO_REPLY);
	assert_true(rep.payload_ok);
	assert_int_equal(rep.len, 4008);
	assert_true(e->st->stats.ip6_reasm_ok >= 2);
	env_free(e);
}

static void test_rate_limit(void **state)
{
	struct env *e = env_new(0);
	uint8_t b[16] = { 0 };

	(void)state;
	for (int i = 0; i < 300; i++)
		feed(e, mk(e, ME, 253, b, 16));
	assert_int_equal(e->st->stats.icmp6_out, 200);
	assert_int_equal(drops(e, USTACK_DROP_ICMP6_RATE_LIMITED), 100);
	/* 10 ms later: 10 more tokens */
	ustack_step(e->st, T0 + 10000);
	for (int i = 0; i < 20; i++)
		feed(e, mk(e, ME, 253, b, 16));
	assert_int_equal(e->st->stats.icmp6_out, 210);
	/* never an error about an ICMPv6 error */
	{
		uint8_t m[64] = { ICMP6_DEST_UNREACH, 0 };
		e->ntx = 0;
		ustack_step(e->st, T0 + 10000000);
		memset(m + 8, 0, 48);
		m[8] = 0x60;
		icmp6_set_csum(m, 56, PEER, ME);
		struct pkt *p = mk(e, ME, 253, m, 56);   /* unknown next header, body looks like ICMP */
		feed(e, p);
		assert_int_equal(e->ntx, 1);             /* about next header 253: answered */
		e->ntx = 0;
		feed(e, mk(e, ME, IP_PROTO_ICMPV6, m, 56)); /* a dest unreach we did not cause */
		assert_int_equal(e->ntx, 0);
	}
	env_free(e);
}

static void test_source_selection(void **state)
{
	struct env *e = env_new(0);
	struct ustack_vnet *vn = ustack_vnet_new();
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };
	struct in_addr a = { .s_addr = htonl(0x0a000001) };
	uint8_t ll[16] = { 0xfe, 0x80, [15] = 1 }, ll_peer[16] = { 0xfe, 0x80, [15] = 2 };
	uint8_t g1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
	uint8_t g2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
	uint8_t g3[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 3 };
	uint8_t net[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };
	uint8_t far[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x99 };
	uint8_t none[16] = { 0x20, 0x02, [15] = 1 };
	uint8_t one[16] = { [15] = 1 }, s[16];
	int eth;
	struct iface *ifp;

	(void)state;
	assert_non_null(vn);
	eth = ustack_if_add(e->st, ustack_vnet_port(vn, mac, 1500), a, 24);
	assert_true(eth >= 0);
	ifp = iface_get(e->st, eth);
	add_addr(ifp, ll, 64, IF6_PREFERRED);
	add_addr(ifp, g2, 64, IF6_DEPRECATED);
	add_addr(ifp, g3, 64, IF6_TENTATIVE);
	assert_int_equal(route6_add(e->st, net, 64, NULL, eth, ROUTE6_STATIC, 0), 0);
	/* a deprecated address rather than none; never a tentative one */
	assert_int_equal(ipv6_select_src(e->st, far, -1, s), 0);
	assert_memory_equal(s, g2, 16);
	add_addr(ifp, g1, 64, IF6_PREFERRED);
	/* a preferred one over a deprecated one */
	assert_int_equal(ipv6_select_src(e->st, far, -1, s), 0);
	assert_memory_equal(s, g1, 16);
	/* the same address */
	assert_int_equal(ipv6_select_src(e->st, g2, -1, s), 0);
	assert_memory_equal(s, g2, 16);
	/* link-local destination: link-local source of that link */
	assert_int_equal(ipv6_select_src(e->st, ll_peer, eth, s), 0);
	assert_memory_equal(s, ll, 16);
	/* loopback */
	assert_int_equal(ipv6_select_src(e->st, one, -1, s), 0);
	assert_memory_equal(s, one, 16);
	/* no route */
	assert_int_equal(ipv6_select_src(e->st, none, -1, s), -ENETUNREACH);
	/* the sending side refuses a source that is not ours (tentative included) */
	{
		struct pkt *p = pkt_alloc(e->st, 8);
		pkt_put(p, 8);
		assert_int_equal(ipv6_output(e->st, p, g3, far, IP_PROTO_NONE, NULL), -EADDRNOTAVAIL);
	}
	assert_true(ipv6_is_local(e->st, g1));
	assert_false(ipv6_is_local(e->st, g3));
	env_free(e);
	ustack_vnet_free(vn);
}

static void test_pmtu(void **state)
{
	struct env *e = env_new(0);
	uint8_t m[8 + 48];

	(void)state;
	assert_int_equal(ipv6_path_mtu(e->st, PEER), 1500);
	/* a Packet Too Big about a packet from us to PEER */
	memset(m, 0, sizeof(m));
	m[0] = ICMP6_PACKET_TOO_BIG;
	be32_put(m + 4, 1400);
	m[8] = 0x60;
	be16_put(m + 8 + 4, 8);
	m[8 + 6] = IP_PROTO_ICMPV6;
	m[8 + 7] = 64;
	memcpy(m + 8 + 8, ME, 16);
	memcpy(m + 8 + 24, PEER, 16);
	m[8 + 40] = ICMP6_ECHO_REQUEST;
	icmp6_set_csum(m, sizeof(m), PEER, ME);
	feed(e, mk(e, ME, IP_PROTO_ICMPV6, m, sizeof(m)));
	assert_int_equal(ipv6_path_mtu(e->st, PEER), 1400);
	/* never raised by a PTB, never below 1280 */
	ipv6_pmtu_update(e->st, PEER, 1450);
	assert_int_equal(ipv6_path_mtu(e->st, PEER), 1400);
	ipv6_pmtu_update(e->st, PEER, 600);
	assert_int_equal(ipv6_path_mtu(e->st, PEER), 1280);
	/* forgotten after its lifetime */
	ustack_step(e->st, T0 + IPV6_PMTU_LIFETIME_US + 1);
	assert_int_equal(ipv6_path_mtu(e->st, PEER), 1500);
	env_free(e);
}

/* cfg.disable_ipv6: an IPv6 packet on the interface is not ours, nothing answers */
static void test_disabled(void **state)
{
	struct env *e = env_new(0);
	uint8_t b[64];

	(void)state;
	e->lo->ip6 = false;       /* as an interface of a stack with cfg.disable_ipv6 */
	feed(e, mk(e, ME, IP_PROTO_ICMPV6, b, echo(b, ME, 1, 8)));
	assert_int_equal(e->ntx, 0);
	assert_int_equal(drops(e, USTACK_DROP_IP6_NOT_FOR_US), 1);
	e->lo->ip6 = true;
	feed(e, mk(e, ME, IP_PROTO_ICMPV6, b, echo(b, ME, 1, 8)));
	expect_echo_reply(e, 1, 8);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_hostile_chains),
		cmocka_unit_test(test_reasm_orders),
		cmocka_unit_test(test_reasm_overlap_and_tiny),
		cmocka_unit_test(test_reasm_timeout),
		cmocka_unit_test(test_reasm_memory_bound),
		cmocka_unit_test(test_fragment_round_trip),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_source_selection),
		cmocka_unit_test(test_pmtu),
		cmocka_unit_test(test_disabled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
