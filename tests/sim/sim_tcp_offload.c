/* sim_tcp_offload.c - TCP over devices with offloads, on the virtual clock: two stacks,
 * each behind a test device that says it takes TCP super-segments over IPv4 and IPv6
 * (TSO4, TSO6) and partial checksums, and hands super-segments up (RX_GSO), as a TAP
 * with the virtio-net header does. The device does what a kernel would: it cuts every other
 * super-segment into wire segments with src/dev/gso.c and finishes partial
 * checksums; the others cross the link whole (a frame up to 64 KiB with the
 * pseudo-header sum in its checksum), and the receiving device hands them up as
 * super-segments with a partial checksum (what Linux's GRO/TSO path gives a TAP
 * reader). Checked, with 1% loss each way:
 *  - 16 MiB each way at once arrive byte-exact; both stacks sent super-segments
 *    (several segments in one frame), received them, and no frame on the link is
 *    larger than a super-segment or a wire frame larger than the MTU;
 *  - on a second connection, made while the offloads were on, the devices' offloads go
 *    off before the data: TCP still believes in them (it learnt its route's device at
 *    the handshake), so ipv4_output cuts its super-segments itself and finishes its
 *    checksums; no frame above the MTU reaches a device, and the stream is byte-exact;
 *  - no frame of ours is dropped for a bad checksum at the other end.
 * Then the same over IPv6 (test_offload_bulk6, one connection between global
 * addresses): the super-segments the devices take are TCPv6 ones (meta GSO_TCPV6,
 * counted apart from TCPv4 ones: none of those), of 1440-byte segments (1428 of
 * payload with timestamps) no larger than gso_max; those handed up reach TCP whole;
 * offloads off after the handshake: ipv6_output cuts and checksums itself.
 * And what the stack refuses of a device's word (test_offload_refused6): a TCP/IPv6
 * frame with an extension header described as a GSO_TCPV6 super-segment, and a plain
 * TCP/IPv6 one described as GSO_TCPV4, are dropped and counted (DEV_BAD_META); the
 * plain one described as GSO_TCPV6 is not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/gso.h"
#include "lib_tcpsim.h"
#include "ustack/socket.h"
#include "ustack/ustack.h"

#define WIRE_FRAME 1514
#define ALL_OFFLOADS (USTACK_DEV_TX_CSUM | USTACK_DEV_RX_CSUM | USTACK_DEV_TSO4 | \
		      USTACK_DEV_TSO6 | USTACK_DEV_RX_GSO)

struct tso_dev {
	struct ustack_dev dev;
	struct ustack_dev *inner;
	uint64_t gso_sent, gso_cut, gso_whole, gso_recv, plain_big, bad;
	uint64_t gso_sent6, gso_recv6;   /* of which TCP/IPv6 */
	uint64_t partial6;               /* TCP/IPv6 wire frames with a partial checksum */
	uint16_t gso_size6;              /* the last TCPv6 gso_size */
	int ifx;                         /* its interface in the stack */
	uint8_t force_type;              /* the next frame received: said to be this GSO type */
	uint8_t seg[WIRE_FRAME + 64];
};

static int tso_send(struct ustack_dev *d, const uint8_t *f, size_t len, uint64_t now)
{
	struct tso_dev *t = d->priv;

	if (len > WIRE_FRAME)
		t->plain_big++;                  /* a device without TSO got a super-frame */
	return t->inner->ops->send(t->inner, f, len, now);
}

static int tso_send_meta(struct ustack_dev *d, const uint8_t *f, size_t len,
			 const struct ustack_frame_meta *m, uint64_t now)
{
	struct tso_dev *t = d->priv;
	struct gso_tcp g;
	uint8_t *copy;
	int rc = 0;

	if (!(d->offloads & USTACK_DEV_TX_CSUM) || gso_tcp_parse(f, len, 14, &g) != 0 ||
	    !(m->flags & USTACK_META_CSUM_PARTIAL) || m->csum_start != g.l4 || m->csum_offset != 16) {
		t->bad++;
		return -1;
	}
	if ((f[12] << 8 | f[13]) != (g.v6 ? 0x86dd : 0x0800)) {
		t->bad++;                        /* the EtherType and the IP version disagree */
		return -1;
	}
	if (m->gso_type != USTACK_GSO_NONE) {
		if (m->gso_type != gso_tcp_type(&g) || !(d->offloads & gso_tcp_tso(&g)) ||
		    len > 14 + d->gso_max || m->gso_size == 0 ||
		    g.hdr_len + m->gso_size > 14 + d->mtu || m->hdr_len != g.hdr_len ||
		    g.payload <= m->gso_size) {
			t->bad++;
			return -1;
		}
		t->gso_sent++;
		if (g.v6) {
			t->gso_sent6++;
			t->gso_size6 = m->gso_size;
		}
		if (t->gso_sent % 2 == 0) {
			/* across the link whole, checksum still partial */
			t->gso_whole++;
			return t->inner->ops->send(t->inner, f, len, now);
		}
		t->gso_cut++;
		size_t n = gso_tcp_count(&g, m->gso_size);
		for (size_t i = 0; i < n; i++) {
			size_t l = gso_tcp_segment(f, &g, m->gso_size, i, t->seg, sizeof(t->seg));
			if (l == 0 || l > WIRE_FRAME) {
				t->bad++;
				return -1;
			}
			if (t->inner->ops->send(t->inner, t->seg, l, now) != 0)
				rc = -1;
		}
		return rc;
	}
	if (g.v6)
		t->partial6++;
	copy = malloc(len);
	if (!copy)
		return -1;
	memcpy(copy, f, len);
	gso_csum_complete(copy, len, m->csum_start, m->csum_offset);
	rc = t->inner->ops->send(t->inner, copy, len, now);
	free(copy);
	return rc;
}

static int tso_recv(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now)
{
	struct tso_dev *t = d->priv;

	return t->inner->ops->recv(t->inner, buf, cap, now);
}

static int tso_recv_meta(struct ustack_dev *d, uint8_t *buf, size_t cap,
			 struct ustack_frame_meta *m, uint64_t now)
{
	struct tso_dev *t = d->priv;
	struct gso_tcp g;
	int n = t->inner->ops->recv(t->inner, buf, cap, now);

	memset(m, 0, sizeof(*m));
	if (n > 0 && t->force_type) {
		m->gso_type = t->force_type;     /* whatever the frame is (a lying device) */
		m->gso_size = 100;
		m->hdr_len = 74;
		t->force_type = 0;
		return n;
	}
	if (n > WIRE_FRAME && gso_tcp_parse(buf, (size_t)n, 14, &g) == 0) {
		t->gso_recv++;
		t->gso_recv6 += g.v6;
		m->gso_type = gso_tcp_type(&g);
		m->gso_size = g.v6 ? 1428 : 1448;      /* MSS less the timestamps option */
		m->hdr_len = (uint16_t)g.hdr_len;
		m->flags = USTACK_META_CSUM_PARTIAL;
		m->csum_start = (uint16_t)g.l4;
		m->csum_offset = 16;
	}
	return n;
}

static uint64_t tso_next_deadline(struct ustack_dev *d)
{
	struct tso_dev *t = d->priv;

	return t->inner->ops->next_deadline ? t->inner->ops->next_deadline(t->inner) : UINT64_MAX;
}

static int tso_set_offloads(struct ustack_dev *d, uint32_t want)
{
	d->offloads = want & ALL_OFFLOADS;
	d->gso_max = (d->offloads & (USTACK_DEV_TSO4 | USTACK_DEV_TSO6)) ? 65535 : 0;
	return (int)d->offloads;
}

static void tso_close(struct ustack_dev *d)
{
	struct tso_dev *t = d->priv;

	ustack_dev_close(t->inner);
	free(t);
}

static const struct ustack_dev_ops tso_ops = {
	.send = tso_send,
	.recv = tso_recv,
	.next_deadline = tso_next_deadline,
	.close = tso_close,
	.send_meta = tso_send_meta,
	.recv_meta = tso_recv_meta,
	.set_offloads = tso_set_offloads,
};

static struct tso_dev *tso_attach(struct simnet *sn, struct ustack *st, struct ustack_vnet *vn,
				  const char *addr, const struct ustack_impair *imp)
{
	struct tso_dev *t = calloc(1, sizeof(*t));
	struct in_addr a = { .s_addr = simnet_addr(addr) };

	(void)sn;
	assert_non_null(t);
	/* the link carries whole super-segments: the port takes frames up to 64 KiB */
	t->inner = ustack_impair_wrap(ustack_vnet_port(vn, NULL, 65535), imp);
	assert_non_null(t->inner);
	t->dev.ops = &tso_ops;
	t->dev.priv = t;
	t->dev.fd = t->inner->fd;
	t->dev.mtu = 1500;
	memcpy(t->dev.mac, t->inner->mac, 6);
	snprintf(t->dev.name, sizeof(t->dev.name), "tso%s", addr + strlen(addr) - 1);
	tso_set_offloads(&t->dev, ALL_OFFLOADS);
	t->ifx = ustack_if_add(st, &t->dev, a, 24);
	assert_true(t->ifx >= 0);
	return t;
}

static void test_offload_bulk(void **state)
{
	(void)state;
	struct tcpsim t;
	struct ustack_impair ia = { .seed = 11, .loss = 0.01, .delay_us = 5000 };
	struct ustack_impair ib = { .seed = 12, .loss = 0.01, .delay_us = 5000 };
	uint64_t bytes = tcpsim_under_asan() ? (4u << 20) : (16u << 20);

	memset(&t, 0, sizeof(t));
	t.sn = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(t.sn);
	t.a = simnet_stack(t.sn, "a", NULL);
	t.b = simnet_stack(t.sn, "b", NULL);
	struct tso_dev *da = tso_attach(t.sn, t.a, vn, "10.0.0.1", &ia);
	struct tso_dev *db = tso_attach(t.sn, t.b, vn, "10.0.0.2", &ib);
	t.da = &da->dev;
	t.db = &db->dev;

	/* 1: offloads on all the way */
	int fa, fb;
	assert_int_equal(tcpsim_connect(&t, 5001, &fa, &fb, 30000000), 0);
	struct tcpsim_xfer x = { .a2b = bytes, .b2a = bytes, .max_us = 600000000 };
	tcpsim_bulk(&t, fa, fb, &x);
	printf("# on: %llu+%llu bytes in %.3f s virtual; a: %llu super-segments (%llu cut, %llu "
	       "whole), %llu received; b: %llu (%llu, %llu), %llu received\n",
	       (unsigned long long)x.got_a2b, (unsigned long long)x.got_b2a,
	       (double)x.elapsed_us / 1e6, (unsigned long long)da->gso_sent,
	       (unsigned long long)da->gso_cut, (unsigned long long)da->gso_whole,
	       (unsigned long long)da->gso_recv, (unsigned long long)db->gso_sent,
	       (unsigned long long)db->gso_cut, (unsigned long long)db->gso_whole,
	       (unsigned long long)db->gso_recv);
	assert_true(x.ok);
	assert_false(x.mismatch);
	assert_true(da->gso_sent > 10 && db->gso_sent > 10);
	assert_true(da->gso_recv > 5 && db->gso_recv > 5);
	assert_int_equal(da->bad + db->bad, 0);
	assert_int_equal(da->plain_big + db->plain_big, 0);

	/* 2: offloads off after the handshake: TCP still builds super-segments (it learnt
	 * the device then), ipv4_output cuts them itself */
	assert_int_equal(tcpsim_connect(&t, 5002, &fa, &fb, 30000000), 0);
	uint64_t sent_before = da->gso_sent + db->gso_sent;
	x = (struct tcpsim_xfer){ .a2b = bytes / 2, .b2a = bytes / 2, .max_us = 600000000 };
	ustack_dev_set_offloads(&da->dev, 0);
	ustack_dev_set_offloads(&db->dev, 0);
	tcpsim_bulk(&t, fa, fb, &x);
	printf("# off: %llu+%llu bytes in %.3f s virtual; super-frames to a device without "
	       "TSO: %llu\n", (unsigned long long)x.got_a2b, (unsigned long long)x.got_b2a,
	       (double)x.elapsed_us / 1e6, (unsigned long long)(da->plain_big + db->plain_big));
	assert_true(x.ok);
	assert_false(x.mismatch);
	assert_int_equal(da->gso_sent + db->gso_sent, sent_before);   /* none through meta */
	assert_int_equal(da->plain_big + db->plain_big, 0);
	assert_int_equal(da->bad + db->bad, 0);

	struct ustack_stats sa, sb;
	ustack_get_stats(t.a, &sa);
	ustack_get_stats(t.b, &sb);
	assert_int_equal(sa.drops[USTACK_DROP_TCP_BAD_CSUM] + sb.drops[USTACK_DROP_TCP_BAD_CSUM], 0);
	assert_int_equal(sa.drops[USTACK_DROP_DEV_BAD_META] + sb.drops[USTACK_DROP_DEV_BAD_META], 0);
	tcpsim_free(&t);
}

static void add6(struct ustack *st, const struct tso_dev *d, const char *ip)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, ip, &a), 1);
	assert_int_equal(ustack_if_add6(st, d->ifx, &a, 64), 0);
}

static void test_offload_bulk6(void **state)
{
	(void)state;
	struct tcpsim t;
	struct ustack_impair ia = { .seed = 21, .loss = 0.01, .delay_us = 5000 };
	struct ustack_impair ib = { .seed = 22, .loss = 0.01, .delay_us = 5000 };
	uint64_t bytes = tcpsim_under_asan() ? (4u << 20) : (16u << 20);

	memset(&t, 0, sizeof(t));
	t.sn = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(t.sn);
	t.a = simnet_stack(t.sn, "a", NULL);
	t.b = simnet_stack(t.sn, "b", NULL);
	struct tso_dev *da = tso_attach(t.sn, t.a, vn, "10.0.0.1", &ia);
	struct tso_dev *db = tso_attach(t.sn, t.b, vn, "10.0.0.2", &ib);
	t.da = &da->dev;
	t.db = &db->dev;
	add6(t.a, da, "2001:db8:6::1");
	add6(t.b, db, "2001:db8:6::2");
	simnet_run_for(t.sn, 4000000);                   /* DAD */

	/* 1: offloads on all the way */
	int fa, fb;
	assert_int_equal(tcpsim_connect6(&t, "2001:db8:6::2", 6001, &fa, &fb, 30000000), 0);
	struct tcpsim_xfer x = { .a2b = bytes, .b2a = bytes, .max_us = 600000000 };
	tcpsim_bulk(&t, fa, fb, &x);
	printf("# IPv6 on: %llu+%llu bytes in %.3f s virtual; a: %llu TCPv6 super-segments "
	       "(gso_size %u), %llu received; b: %llu (%u), %llu received; TCPv4 ones: %llu\n",
	       (unsigned long long)x.got_a2b, (unsigned long long)x.got_b2a,
	       (double)x.elapsed_us / 1e6, (unsigned long long)da->gso_sent6, da->gso_size6,
	       (unsigned long long)da->gso_recv6, (unsigned long long)db->gso_sent6,
	       db->gso_size6, (unsigned long long)db->gso_recv6,
	       (unsigned long long)(da->gso_sent - da->gso_sent6 + db->gso_sent - db->gso_sent6));
	assert_true(x.ok);
	assert_false(x.mismatch);
	assert_true(da->gso_sent6 > 10 && db->gso_sent6 > 10);
	assert_int_equal(da->gso_sent, da->gso_sent6);
	assert_int_equal(db->gso_sent, db->gso_sent6);
	assert_true(da->gso_recv6 > 5 && db->gso_recv6 > 5);
	/* segments of the MSS IPv6 leaves on a 1500-byte link: 1440, timestamps included */
	assert_int_equal(da->gso_size6, 1428);
	assert_int_equal(db->gso_size6, 1428);
	assert_true(da->partial6 > 0 && db->partial6 > 0);     /* ACKs: the device finished */
	assert_int_equal(da->bad + db->bad, 0);
	assert_int_equal(da->plain_big + db->plain_big, 0);

	/* 2: offloads off after the handshake: ipv6_output cuts and checksums itself */
	assert_int_equal(tcpsim_connect6(&t, "2001:db8:6::2", 6002, &fa, &fb, 30000000), 0);
	uint64_t sent_before = da->gso_sent + db->gso_sent;
	uint64_t partial_before = da->partial6 + db->partial6;
	x = (struct tcpsim_xfer){ .a2b = bytes / 2, .b2a = bytes / 2, .max_us = 600000000 };
	ustack_dev_set_offloads(&da->dev, 0);
	ustack_dev_set_offloads(&db->dev, 0);
	tcpsim_bulk(&t, fa, fb, &x);
	printf("# IPv6 off: %llu+%llu bytes in %.3f s virtual; super-frames to a device "
	       "without TSO: %llu\n", (unsigned long long)x.got_a2b, (unsigned long long)x.got_b2a,
	       (double)x.elapsed_us / 1e6, (unsigned long long)(da->plain_big + db->plain_big));
	assert_true(x.ok);
	assert_false(x.mismatch);
	assert_int_equal(da->gso_sent + db->gso_sent, sent_before);   /* none through meta */
	assert_int_equal(da->partial6 + db->partial6, partial_before);
	assert_int_equal(da->plain_big + db->plain_big, 0);
	assert_int_equal(da->bad + db->bad, 0);

	struct ustack_stats sa, sb;
	ustack_get_stats(t.a, &sa);
	ustack_get_stats(t.b, &sb);
	assert_int_equal(sa.drops[USTACK_DROP_TCP_BAD_CSUM] + sb.drops[USTACK_DROP_TCP_BAD_CSUM], 0);
	assert_int_equal(sa.drops[USTACK_DROP_DEV_BAD_META] + sb.drops[USTACK_DROP_DEV_BAD_META], 0);
	tcpsim_free(&t);
}

/* A TCP/IPv6 frame from 2001:db8:6::9 to 2001:db8:6::1 (dst MAC dst, src MAC src) with
 * 200 bytes of payload, with a destination options header (8 bytes of padding) before
 * TCP if ext. Its length. */
static size_t tcp6_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, bool ext)
{
	size_t eh = ext ? 8 : 0, l4 = 20 + 200;

	memset(f, 0, 14 + 40 + eh + l4);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[18] = (uint8_t)((eh + l4) >> 8);
	f[19] = (uint8_t)(eh + l4);
	f[20] = ext ? 60 : 6;
	f[21] = 64;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:6::9", f + 22), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:6::1", f + 38), 1);
	if (ext) {
		f[54] = 6;                       /* next: TCP; length 0; PadN of 4 */
		f[56] = 1;
		f[57] = 4;
	}
	uint8_t *th = f + 54 + eh;
	th[0] = 0x9c; th[1] = 0x40; th[2] = 0x13; th[3] = 0x89;
	th[12] = 0x50;
	th[13] = 0x10;                           /* ACK */
	th[14] = 0x02;
	memset(th + 20, 0x61, 200);
	return 14 + 40 + eh + l4;
}

static void test_offload_refused6(void **state)
{
	(void)state;
	struct simnet *sn = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(sn);
	struct ustack *st = simnet_stack(sn, "a", NULL);
	struct ustack_impair none = { .seed = 1 };
	struct tso_dev *d = tso_attach(sn, st, vn, "10.0.0.1", &none);
	struct ustack_dev *raw = simnet_raw_port(sn, vn, NULL);
	struct ustack_stats s;
	uint8_t f[512];
	size_t n;

	add6(st, d, "2001:db8:6::1");
	simnet_run_for(sn, 4000000);                     /* DAD */
	struct {
		bool ext;
		uint8_t type;
		uint64_t bad;          /* DEV_BAD_META drops after it */
	} cases[] = {
		{ true, USTACK_GSO_TCPV6, 1 },   /* extension header: no super-segment of ours */
		{ false, USTACK_GSO_TCPV4, 2 },  /* an IPv6 frame said to be TCPv4 */
		{ false, USTACK_GSO_TCPV6, 2 },  /* as it is: taken */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = tcp6_frame(f, d->dev.mac, raw->mac, cases[i].ext);
		d->force_type = cases[i].type;
		assert_int_equal(simnet_raw_send(sn, raw, f, n), 0);
		simnet_run_for(sn, 10000);
		assert_int_equal(d->force_type, 0);      /* the frame was read */
		ustack_get_stats(st, &s);
		assert_int_equal(s.drops[USTACK_DROP_DEV_BAD_META], cases[i].bad);
	}
	simnet_free(sn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offload_bulk),
		cmocka_unit_test(test_offload_bulk6),
		cmocka_unit_test(test_offload_refused6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
