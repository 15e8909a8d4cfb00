/* sim_net_badinput.c - hand-made frames from a raw vnet port into a stack: malformed
 * IPv4 headers, martian sources, unknown protocols, bad ICMP, malformed ARP, and every
 * kind of bad fragment (overlap, misaligned, past 65535, contradicting ends, a flood
 * past the reassembly memory bound, timeouts). Each is dropped and counted under its
 * own reason; buffers and reassembly memory come back to where they were. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "lib_simnet.h"
#include "core/stack.h"
#include "net/ipv4_frag.h"
#include "wire/csum.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define SEC 1000000ull
#define MS 1000ull

static const uint8_t raw_mac[6] = { 0x02, 0xee, 0, 0, 0, 0x66 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct bench {
	struct simnet *sn;
	struct ustack_vnet *vn;
	struct ustack *b;
	struct ustack_dev *raw;
	uint8_t b_mac[6];
	uint32_t raw_ip, b_ip;    /* host order */
	uint16_t next_id;
};

static uint32_t hip(const char *s)
{
	return ntohl(simnet_addr(s));
}

static uint64_t drops(struct ustack *st, int reason)
{
	struct ustack_stats s;

	ustack_get_stats(st, &s);
	return s.drops[reason];
}

static size_t pool_in_use(struct ustack *st)
{
	size_t n;

	pthread_mutex_lock(&st->lock);
	n = st->pool.in_use;
	pthread_mutex_unlock(&st->lock);
	return n;
}

static size_t reasm_bytes(struct ustack *st)
{
	size_t n;

	pthread_mutex_lock(&st->lock);
	n = ipv4_reasm_bytes(st);
	pthread_mutex_unlock(&st->lock);
	return n;
}

/* An ARP request from the raw host for b: b learns the raw host and answers. */
static void raw_introduce(struct bench *t)
{
	uint8_t f[60] = { 0 };

	memcpy(f, bcast_mac, 6);
	memcpy(f + 6, raw_mac, 6);
	be16_put(f + 12, 0x0806);
	be16_put(f + 14, 1);
	be16_put(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	be16_put(f + 20, 1);
	memcpy(f + 22, raw_mac, 6);
	be32_put(f + 28, t->raw_ip);
	be32_put(f + 38, t->b_ip);
	simnet_raw_send(t->sn, t->raw, f, sizeof(f));
	simnet_run_for(t->sn, 10 * MS);
	simnet_raw_flush(t->sn, t->raw);
}

static void bench_setup(struct bench *t, const struct ustack_config *cfg)
{
	memset(t, 0, sizeof(*t));
	t->sn = simnet_new(SEC);
	t->vn = simnet_vnet(t->sn);
	t->b = simnet_stack(t->sn, "b", cfg);
	simnet_attach(t->sn, t->b, t->vn, "10.0.0.2/24", 0, NULL, NULL);
	ustack_if_mac(t->b, 0, t->b_mac);
	t->raw = simnet_raw_port(t->sn, t->vn, raw_mac);
	t->raw_ip = hip("10.0.0.66");
	t->b_ip = hip("10.0.0.2");
	t->next_id = 1000;
	simnet_run_for(t->sn, 10 * MS);
	raw_introduce(t);
}

/* Ethernet + a 20-byte IPv4 header (correct checksum) + payload, padded to 60 bytes.
 * frag: the raw flags/offset field. Returns the frame length. */
static size_t ip_frame(uint8_t *f, const uint8_t dst_mac[6], uint32_t src, uint32_t dst,
		       uint8_t proto, uint16_t id, uint16_t frag, const void *payload, size_t plen)
{
	size_t len = 14 + 20 + plen;

	memset(f, 0, len < 60 ? 60 : len);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, raw_mac, 6);
	be16_put(f + 12, 0x0800);
	f[14] = 0x45;
	be16_put(f + 16, (uint16_t)(20 + plen));
	be16_put(f + 18, id);
	be16_put(f + 20, frag);
	f[22] = 64;
	f[23] = proto;
	be32_put(f + 26, src);
	be32_put(f + 30, dst);
	be16_put(f + 24, csum(f + 14, 20));
	if (plen && payload)
		memcpy(f + 34, payload, plen);
	return len < 60 ? 60 : len;
}

static void fix_ip_csum(uint8_t *f)
{
	size_t hl = (size_t)(f[14] & 0xf) * 4;

	be16_put(f + 24, 0);
	be16_put(f + 24, csum(f + 14, hl));
}

/* An ICMP echo request message (header + len bytes of payload) into m. */
static size_t echo_msg(uint8_t *m, uint16_t id, uint16_t seq, size_t len)
{
	struct icmp_repr r = { .type = ICMP_ECHO_REQUEST, .id = id, .seq = seq, .data_len = len };

	for (size_t i = 0; i < len; i++)
		m[8 + i] = (uint8_t)(i * 7);
	icmp_emit(&r, m);
	return 8 + len;
}

/* Send a frame and let the stack handle it; returns how much counter `reason` rose. */
static uint64_t send_and_count(struct bench *t, const uint8_t *f, size_t len, int reason)
{
	uint64_t before = drops(t->b, reason);

	assert_int_equal(simnet_raw_send(t->sn, t->raw, f, len), 0);
	simnet_run_for(t->sn, MS);
	return drops(t->b, reason) - before;
}

/* The first frame the raw port has that is ICMP type/code from b; copies the ICMP
 * message into icmp (if not NULL). Drains everything due. */
static bool raw_got_icmp(struct bench *t, uint8_t type, uint8_t code, uint8_t *icmp, size_t *ilen)
{
	uint8_t f[USTACK_DEV_MAX_FRAME];
	bool found = false;
	int n;

	while ((n = simnet_raw_recv(t->sn, t->raw, f, sizeof(f))) > 0) {
		size_t hl;

		if (found || n < 14 + 20 + 8 || be16_get(f + 12) != 0x0800 || f[23] != IP_PROTO_ICMP)
			continue;
		hl = (size_t)(f[14] & 0xf) * 4;
		if (f[14 + hl] != type || f[14 + hl + 1] != code)
			continue;
		found = true;
		if (icmp) {
			size_t il = be16_get(f + 16) - hl;

			memcpy(icmp, f + 14 + hl, il);
			*ilen = il;
		}
	}
	return found;
}

static void test_bad_headers(void **state)
{
	struct bench t;
	uint8_t f[2048], m[512];
	size_t n, ml;
	size_t base;

	(void)state;
	bench_setup(&t, NULL);
	base = pool_in_use(t.b);
	ml = echo_msg(m, 1, 1, 32);

	/* A good one first: the bench works. */
	n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, m, ml);
	send_and_count(&t, f, n, USTACK_DROP_IP_TRUNCATED);
	assert_true(raw_got_icmp(&t, ICMP_ECHO_REPLY, 0, NULL, NULL));

	/* Shorter than an IP header. */
	n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, m, ml);
	assert_int_equal(send_and_count(&t, f, 14 + 10, USTACK_DROP_IP_TRUNCATED), 1);
	/* Version 6 in an IPv4 frame. */
	n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, m, ml);
	f[14] = 0x65;
	fix_ip_csum(f);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_BAD_VERSION), 1);
	/* IHL 4: less than the fixed header. */
	n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, m, ml);
	f[14] = 0x44;
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_BAD_HDRLEN), 1);
	/* IHL 15: options running past the end of the frame. */
	n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, NULL, 20);
	f[14] = 0x4f;
	assert_int_equal(send_and_count(&t, f, 14 + 40, USTACK_DROP_IP_BAD_HDRLEN), 1);
	/* Total length beyond the frame, and below the header. */
	n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, m, ml);
	be16_put(f + 16, 1400);
	fix_ip_csum(f);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_BAD_LEN), 1);
	n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, m, ml);
	be16_put(f + 16, 12);
	fix_ip_csum(f);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_BAD_LEN), 1);
	/* Bad header checksum. */
	n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, m, ml);
	f[24] ^= 0x55;
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_BAD_CSUM), 1);
	/* Martian sources: multicast, limited and directed broadcast, loopback. */
	{
		const char *bad[] = { "224.0.0.1", "255.255.255.255", "10.0.0.255", "127.0.0.1" };

		for (size_t i = 0; i < 4; i++) {
			n = ip_frame(f, t.b_mac, hip(bad[i]), t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, m, ml);
			assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_BAD_SRC), 1);
		}
	}
	/* Not ours and not a router. */
	n = ip_frame(f, t.b_mac, t.raw_ip, hip("10.0.0.77"), IP_PROTO_ICMP, t.next_id++, 0, m, ml);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_NOT_FOR_US), 1);
	n = ip_frame(f, t.b_mac, t.raw_ip, hip("127.0.0.1"), IP_PROTO_ICMP, t.next_id++, 0, m, ml);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_NOT_FOR_US), 1);
	/* Ours, but sent as a link-layer broadcast (RFC 1122 §3.3.6). */
	n = ip_frame(f, bcast_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, m, ml);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_NOT_FOR_US), 1);
	simnet_raw_flush(t.sn, t.raw);

	/* Unknown protocol: protocol unreachable quoting the datagram... */
	n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, 99, 4242, 0, m, ml);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_UNKNOWN_PROTO), 1);
	{
		uint8_t icmp[600];
		size_t il = 0;

		assert_true(raw_got_icmp(&t, ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, icmp, &il));
		assert_int_equal(il, 8 + 20 + ml);
		assert_int_equal(csum(icmp, il), 0);
		assert_memory_equal(icmp + 8, f + 14, 20 + ml);
	}
	/* ... but never to a broadcast. */
	n = ip_frame(f, bcast_mac, t.raw_ip, hip("10.0.0.255"), 99, t.next_id++, 0, m, ml);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_UNKNOWN_PROTO), 1);
	assert_false(raw_got_icmp(&t, ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, NULL, NULL));

	/* ICMP: bad checksum, too short, a type we do not handle. */
	m[10] ^= 0xff;
	n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, m, ml);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_ICMP_BAD_CSUM), 1);
	m[10] ^= 0xff;
	n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, m, 4);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_ICMP_MALFORMED), 1);
	{
		uint8_t u[8] = { 42, 0 };

		be16_put(u + 2, csum(u, 8));
		n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, u, 8);
		assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_ICMP_UNKNOWN_TYPE), 1);
	}
	/* An ICMP error quoting too little to say whose it is. */
	{
		uint8_t e[8 + 12] = { ICMP_DEST_UNREACH, ICMP_PORT_UNREACH };

		e[8] = 0x45;
		be16_put(e + 2, csum(e, sizeof(e)));
		n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, e, sizeof(e));
		assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_ICMP_MALFORMED), 1);
	}
	/* Echo to a broadcast address: ignored (no smurf amplifier). */
	n = ip_frame(f, bcast_mac, t.raw_ip, hip("10.0.0.255"), IP_PROTO_ICMP, t.next_id++, 0, m, ml);
	send_and_count(&t, f, n, USTACK_DROP_ICMP_MALFORMED);
	assert_false(raw_got_icmp(&t, ICMP_ECHO_REPLY, 0, NULL, NULL));

	/* Options are skipped, Ethernet padding is trimmed: a 0-byte echo in a 60-byte frame
	 * with a 24-byte header is answered with an 8-byte reply. */
	{
		uint8_t e[8];
		uint8_t icmp[64];
		size_t il = 0;

		echo_msg(e, 3, 3, 0);
		memset(f, 0, 60);
		n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, t.next_id++, 0, NULL, 4);
		f[14] = 0x46;
		f[34] = 1;           /* NOP NOP NOP EOL */
		f[35] = 1;
		f[36] = 1;
		f[37] = 0;
		memcpy(f + 38, e, 8);
		be16_put(f + 16, 24 + 8);
		fix_ip_csum(f);
		assert_int_equal(n, 60);
		send_and_count(&t, f, n, USTACK_DROP_IP_BAD_LEN);
		assert_true(raw_got_icmp(&t, ICMP_ECHO_REPLY, 0, icmp, &il));
		assert_int_equal(il, 8);
	}

	/* ARP: a hardware type we do not speak; a truncated packet. */
	{
		uint8_t a[60] = { 0 };

		memcpy(a, bcast_mac, 6);
		memcpy(a + 6, raw_mac, 6);
		be16_put(a + 12, 0x0806);
		be16_put(a + 14, 6);
		assert_int_equal(send_and_count(&t, a, 60, USTACK_DROP_ARP_MALFORMED), 1);
		be16_put(a + 14, 1);
		assert_int_equal(send_and_count(&t, a, 14 + 20, USTACK_DROP_ARP_MALFORMED), 1);
	}

	simnet_run_for(t.sn, SEC);
	simnet_raw_flush(t.sn, t.raw);
	assert_int_equal(pool_in_use(t.b), base);
	simnet_free(t.sn);
}

/* Send payload[off .. off+len) of datagram id as a fragment. */
static uint64_t send_frag(struct bench *t, uint16_t id, const uint8_t *payload, size_t off,
			  size_t len, bool mf, int reason)
{
	uint8_t f[2048];
	uint16_t field = (uint16_t)((off / 8) | (mf ? 0x2000 : 0));
	size_t n = ip_frame(f, t->b_mac, t->raw_ip, t->b_ip, IP_PROTO_ICMP, id, field,
			    payload + off, len);

	return send_and_count(t, f, n, reason);
}

static void test_bad_fragments(void **state)
{
	struct bench t;
	uint8_t m[1200];
	size_t ml, base;

	(void)state;
	bench_setup(&t, NULL);
	base = pool_in_use(t.b);
	ml = echo_msg(m, 9, 1, 40);         /* 48 bytes: three 16-byte pieces */
	assert_int_equal(ml, 48);

	/* In pieces, out of order, one of them twice (an exact duplicate is harmless). */
	send_frag(&t, 500, m, 16, 16, true, 0);
	send_frag(&t, 500, m, 16, 16, true, 0);
	send_frag(&t, 500, m, 32, 16, false, 0);
	assert_true(reasm_bytes(t.b) > 0);
	send_frag(&t, 500, m, 0, 16, true, 0);
	assert_true(raw_got_icmp(&t, ICMP_ECHO_REPLY, 0, NULL, NULL));
	assert_int_equal(reasm_bytes(t.b), 0);
	assert_int_equal(drops(t.b, USTACK_DROP_FRAG_OVERLAP), 0);

	/* Overlap (RFC 5722 policy): the whole datagram goes. */
	send_frag(&t, 501, m, 0, 16, true, 0);
	assert_int_equal(send_frag(&t, 501, m, 8, 16, true, USTACK_DROP_FRAG_OVERLAP), 1);
	assert_int_equal(reasm_bytes(t.b), 0);
	send_frag(&t, 501, m, 32, 16, false, 0);
	send_frag(&t, 502, m, 16, 16, true, 0);
	assert_int_equal(send_frag(&t, 502, m, 0, 24, true, USTACK_DROP_FRAG_OVERLAP), 1);
	/* A same-place fragment with other bytes is an overlap too. */
	send_frag(&t, 503, m, 0, 16, true, 0);
	{
		uint8_t m2[48];

		memcpy(m2, m, sizeof(m2));
		m2[3] ^= 1;
		assert_int_equal(send_frag(&t, 503, m2, 0, 16, true, USTACK_DROP_FRAG_OVERLAP), 1);
	}
	/* Not a multiple of 8 before the end; past 65535; ends that disagree. */
	assert_int_equal(send_frag(&t, 504, m, 0, 12, true, USTACK_DROP_FRAG_BAD), 1);
	{
		uint8_t f[2048];
		size_t n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, IP_PROTO_ICMP, 505, 0x2000 | 8189,
				    m, 24);

		assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_FRAG_BAD), 1);
	}
	send_frag(&t, 506, m, 32, 16, false, 0);
	assert_int_equal(send_frag(&t, 506, m, 16, 24, false, USTACK_DROP_FRAG_BAD), 1);
	send_frag(&t, 507, m, 16, 16, true, 0);
	assert_int_equal(send_frag(&t, 507, m, 8, 8, false, USTACK_DROP_FRAG_BAD), 1);
	send_frag(&t, 508, m, 0, 16, false, 0);    /* not a fragment: answered */
	simnet_raw_flush(t.sn, t.raw);

	/* Timeouts: with the first fragment, time exceeded (code 1) quoting it; without,
	 * silence. */
	{
		uint64_t before = drops(t.b, USTACK_DROP_FRAG_TIMEOUT);
		uint8_t icmp[600];
		size_t il = 0;

		send_frag(&t, 600, m, 0, 16, true, 0);
		send_frag(&t, 601, m, 16, 16, true, 0);
		assert_true(reasm_bytes(t.b) > 0);
		simnet_run_for(t.sn, 29 * SEC);
		assert_true(reasm_bytes(t.b) > 0);
		simnet_run_for(t.sn, 2 * SEC);
		assert_int_equal(reasm_bytes(t.b), 0);
		/* 600, 601, and what came of 501 after its overlap. */
		assert_int_equal(drops(t.b, USTACK_DROP_FRAG_TIMEOUT) - before, 3);
		assert_true(raw_got_icmp(&t, ICMP_TIME_EXCEEDED, ICMP_FRAG_TIME_EXCEEDED, icmp, &il));
		assert_true(il >= 8 + 20 + 8);
		assert_int_equal(be16_get(icmp + 8 + 4), 600);      /* the quoted ID */
		assert_false(raw_got_icmp(&t, ICMP_TIME_EXCEEDED, ICMP_FRAG_TIME_EXCEEDED, NULL, NULL));
	}
	assert_int_equal(pool_in_use(t.b), base);
	simnet_free(t.sn);
}

static void test_fragment_flood(void **state)
{
	struct ustack_config cfg = { .reasm_max_bytes = 16384, .reasm_timeout_us = 5 * SEC };
	struct bench t;
	uint8_t m[1200];
	size_t base, peak = 0;
	uint64_t nomem0;

	(void)state;
	bench_setup(&t, &cfg);
	base = pool_in_use(t.b);
	echo_msg(m, 1, 1, 1000);
	nomem0 = drops(t.b, USTACK_DROP_FRAG_NO_MEMORY);
	/* 200 first fragments of 1000 bytes, each a different datagram: 200 KB asked,
	 * 16 KiB allowed. */
	for (int i = 0; i < 200; i++) {
		send_frag(&t, (uint16_t)(2000 + i), m, 0, 1000, true, 0);
		assert_true(reasm_bytes(t.b) <= cfg.reasm_max_bytes);
		if (reasm_bytes(t.b) > peak)
			peak = reasm_bytes(t.b);
	}
	assert_true(peak > cfg.reasm_max_bytes / 2);
	assert_true(drops(t.b, USTACK_DROP_FRAG_NO_MEMORY) - nomem0 > 150);
	/* The newest ones are kept: one of them still completes. */
	send_frag(&t, 2199, m, 1000, 8, false, 0);
	assert_true(raw_got_icmp(&t, ICMP_ECHO_REPLY, 0, NULL, NULL));
	/* One datagram bigger than the whole bound: refused, nothing held for it. */
	{
		static uint8_t big[20000];

		echo_msg(big, 2, 2, sizeof(big) - 8);
		for (size_t off = 0; off + 1000 < sizeof(big); off += 1000)
			send_frag(&t, 3000, big, off, 1000, true, 0);
		assert_true(reasm_bytes(t.b) <= cfg.reasm_max_bytes);
	}
	simnet_run_for(t.sn, 6 * SEC);
	simnet_raw_flush(t.sn, t.raw);
	assert_int_equal(reasm_bytes(t.b), 0);
	assert_int_equal(pool_in_use(t.b), base);
	simnet_free(t.sn);
}

/* A router fed bad transit traffic: it never forwards what it must not. */
static void test_router_transit(void **state)
{
	struct ustack_config rc = { .forwarding = true };
	struct bench t;
	uint8_t f[2048], m[64];
	size_t n, ml;
	struct ustack_vnet *n2;

	(void)state;
	bench_setup(&t, &rc);
	n2 = simnet_vnet(t.sn);
	simnet_attach(t.sn, t.b, n2, "10.0.9.1/24", 0, NULL, NULL);
	ml = echo_msg(m, 1, 1, 16);
	/* A link-layer broadcast carrying a unicast datagram for elsewhere. */
	n = ip_frame(f, bcast_mac, t.raw_ip, hip("10.0.9.5"), IP_PROTO_ICMP, 1, 0, m, ml);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_NOT_FOR_US), 1);
	/* Multicast destination. */
	n = ip_frame(f, t.b_mac, t.raw_ip, hip("239.1.1.1"), IP_PROTO_ICMP, 1, 0, m, ml);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_NOT_FOR_US), 1);
	/* The directed broadcast of the other subnet (RFC 2644): delivered to the router
	 * itself, never forwarded. */
	n = ip_frame(f, t.b_mac, t.raw_ip, hip("10.0.9.255"), IP_PROTO_ICMP, 1, 0, m, ml);
	send_and_count(&t, f, n, 0);
	{
		struct ustack_stats s;

		ustack_get_stats(t.b, &s);
		assert_int_equal(s.ip_forwarded, 0);
	}
	/* TTL 0 arriving: time exceeded back to the raw host. */
	n = ip_frame(f, t.b_mac, t.raw_ip, hip("10.0.9.5"), IP_PROTO_ICMP, 1, 0, m, ml);
	f[22] = 0;
	fix_ip_csum(f);
	assert_int_equal(send_and_count(&t, f, n, USTACK_DROP_IP_TTL_EXPIRED), 1);
	assert_true(raw_got_icmp(&t, ICMP_TIME_EXCEEDED, ICMP_TTL_EXCEEDED, NULL, NULL));
	simnet_run_for(t.sn, 5 * SEC);
	simnet_raw_flush(t.sn, t.raw);
	assert_int_equal(pool_in_use(t.b), 0);
	simnet_free(t.sn);
}

/* ICMP errors out are rate limited, and counted when they are. */
static void test_icmp_rate_limit(void **state)
{
	struct bench t;
	uint8_t f[2048], m[64];
	size_t n, ml;
	uint64_t before;
	int got = 0;

	(void)state;
	bench_setup(&t, NULL);
	ml = echo_msg(m, 1, 1, 16);
	before = drops(t.b, USTACK_DROP_ICMP_RATE_LIMITED);
	n = ip_frame(f, t.b_mac, t.raw_ip, t.b_ip, 99, 1, 0, m, ml);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(simnet_raw_send(t.sn, t.raw, f, n), 0);
	simnet_run_for(t.sn, MS);
	{
		uint8_t r[2048];
		int k;

		while ((k = simnet_raw_recv(t.sn, t.raw, r, sizeof(r))) > 0)
			if (k >= 14 + 28 && r[23] == IP_PROTO_ICMP && r[34] == ICMP_DEST_UNREACH)
				got++;
	}
	/* The burst goes out, the rest is limited; together, every one is accounted for. */
	assert_true(got >= 200 && got <= 210);
	assert_int_equal(drops(t.b, USTACK_DROP_ICMP_RATE_LIMITED) - before, 1000 - (uint64_t)got);
	/* A second later the bucket has refilled. */
	simnet_run_for(t.sn, SEC);
	before = drops(t.b, USTACK_DROP_ICMP_RATE_LIMITED);
	assert_int_equal(simnet_raw_send(t.sn, t.raw, f, n), 0);
	simnet_run_for(t.sn, MS);
	assert_int_equal(drops(t.b, USTACK_DROP_ICMP_RATE_LIMITED), before);
	assert_true(raw_got_icmp(&t, ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, NULL, NULL));
	simnet_free(t.sn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_bad_fragments),
		cmocka_unit_test(test_fragment_flood),
		cmocka_unit_test(test_router_transit),
		cmocka_unit_test(test_icmp_rate_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
