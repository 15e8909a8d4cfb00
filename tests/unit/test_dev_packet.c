/* test_dev_packet.c - the AF_PACKET device.
 * The ring walk (packet_ring.c) over fake TPACKET_V3 blocks built here: frames in order,
 * the interface's own outgoing frames and truncated ones skipped and counted, blocks
 * given back to the kernel only once their last frame is done with, wrap-around, and
 * blocks whose offsets lie (outside the block, misaligned, a chain that ends early)
 * dropped and counted without reading outside the ring.
 * Then the real device on a veth pair inside a network namespace of this process's own
 * (unshare(CLONE_NEWNET); no address configured): frames both ways, byte-exact, own
 * outgoing frames unseen, promiscuous while open, MTU from the interface, errors.
 * Offloads (PACKET_VNET_HDR): a TCP/IPv4 super-segment sent with a GSO header arrives
 * at the peer cut into wire segments with correct checksums; Linux's TCP in a second
 * namespace (a child process) sends over a veth with TSO on: with offloads on the
 * device hands its super-frames whole with their GSO meta and partial checksums, off
 * it hands wire frames of at most the MTU with complete checksums; the same over IPv6
 * (TCPv6 super-frames, GSO_TCPV6 meta, checksums over the IPv6 pseudo-header). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include "ustack/dev.h"
#include "dev/gso.h"
#include "dev/packet_ring.h"

#define ALL_OFFLOADS (USTACK_DEV_TX_CSUM | USTACK_DEV_RX_CSUM | USTACK_DEV_TSO4 | USTACK_DEV_TSO6 | \
		      USTACK_DEV_RX_GSO)

/* --- fake blocks --- */
#define BS 4096u
#define NB 3u
#define MACOFF 96u
/* as the kernel lays a V3 block out: frames on 8-byte boundaries */
#define ALIGN8(x) (((x) + 7u) & ~7u)
#define FIRST ((uint32_t)ALIGN8(sizeof(struct tpacket_block_desc)))

static uint8_t *ring;

static struct tpacket_block_desc *blk(unsigned i)
{
	return (struct tpacket_block_desc *)(void *)(ring + (size_t)i * BS);
}

struct ff {
	uint8_t fill;           /* every byte of the frame */
	uint32_t len;           /* captured */
	uint32_t wire_len;      /* tp_len (0: = len) */
	uint8_t pkttype;
	uint32_t status;
};

/* Block i: the frames chained as the kernel does, handed to user space. */
static void make_block(unsigned i, const struct ff *f, unsigned n)
{
	struct tpacket_block_desc *b = blk(i);
	uint32_t off = FIRST;

	memset(b, 0, BS);
	for (unsigned k = 0; k < n; k++) {
		struct tpacket3_hdr *h = (struct tpacket3_hdr *)(void *)((uint8_t *)b + off);
		struct sockaddr_ll *sll = (struct sockaddr_ll *)(void *)((uint8_t *)h +
			TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
		uint32_t step = (uint32_t)ALIGN8(MACOFF + f[k].len);

		h->tp_mac = MACOFF;
		h->tp_snaplen = f[k].len;
		h->tp_len = f[k].wire_len ? f[k].wire_len : f[k].len;
		h->tp_status = TP_STATUS_USER | f[k].status;
		h->tp_next_offset = k + 1 < n ? step : 0;
		sll->sll_family = AF_PACKET;
		sll->sll_pkttype = f[k].pkttype;
		memset((uint8_t *)h + MACOFF, f[k].fill, f[k].len);
		off += step;
	}
	b->version = TPACKET_V3;
	b->hdr.bh1.num_pkts = n;
	b->hdr.bh1.offset_to_first_pkt = n ? FIRST : 0;
	b->hdr.bh1.blk_len = off;
	b->hdr.bh1.block_status = TP_STATUS_USER;
}

static uint32_t status(unsigned i)
{
	return blk(i)->hdr.bh1.block_status;
}

/* The next frame must be len bytes of fill. */
static void expect(struct pring *r, uint8_t fill, size_t len)
{
	const uint8_t *f = NULL;
	size_t l = 0;

	assert_int_equal(pring_next(r, &f, &l), 1);
	assert_int_equal(l, len);
	for (size_t k = 0; k < len; k++)
		assert_int_equal(f[k], fill);
}

static void expect_none(struct pring *r)
{
	const uint8_t *f;
	size_t l;

	assert_int_equal(pring_next(r, &f, &l), 0);
}

static int ring_setup(void **state)
{
	(void)state;
	ring = aligned_alloc(4096, (size_t)BS * NB);
	if (!ring)
		return -1;
	for (unsigned i = 0; i < NB; i++) {
		memset(blk(i), 0, BS);
		blk(i)->hdr.bh1.block_status = TP_STATUS_KERNEL;
	}
	return 0;
}

static int ring_teardown(void **state)
{
	(void)state;
	free(ring);
	return 0;
}

static void test_ring_walk(void **state)
{
	(void)state;
	struct ustack_packet_stats st = { 0 };
	struct pring r;
	const struct ff b0[] = {
		{ 0xa1, 60, 0, PACKET_OTHERHOST, 0 },
		{ 0xa2, 80, 0, PACKET_OUTGOING, 0 },         /* the interface's own: skipped */
		{ 0xa3, 100, 1514, PACKET_HOST, 0 },         /* cut short: dropped */
		{ 0xa4, 70, 0, PACKET_BROADCAST, TP_STATUS_CSUMNOTREADY },
	};
	const struct ff b1[] = { { 0xb1, 1514, 0, PACKET_HOST, 0 } };
	const struct ff b2[] = { { 0xc1, 64, 0, PACKET_HOST, 0 }, { 0xc2, 65, 0, PACKET_HOST, 0 } };
	const struct ff b0again[] = { { 0xd1, 42, 0, PACKET_MULTICAST, 0 } };

	pring_init(&r, ring, BS, NB, &st);
	expect_none(&r);                       /* nothing handed over yet */
	make_block(0, b0, 4);
	blk(0)->hdr.bh1.block_status |= TP_STATUS_BLK_TMO;
	expect(&r, 0xa1, 60);
	expect(&r, 0xa4, 70);
	/* the last frame still points into block 0: not given back yet */
	assert_true(status(0) & TP_STATUS_USER);
	expect_none(&r);
	assert_int_equal(status(0), TP_STATUS_KERNEL);
	assert_int_equal(st.rx_frames, 2);
	assert_int_equal(st.rx_outgoing, 1);
	assert_int_equal(st.rx_truncated, 1);
	assert_int_equal(st.rx_csum_partial, 1);
	assert_int_equal(st.rx_blocks, 1);
	assert_int_equal(st.rx_blocks_timeout, 1);

	/* blocks 1 and 2 ready at once, then block 0 again: read in ring order */
	make_block(1, b1, 1);
	make_block(2, b2, 2);
	make_block(0, b0again, 1);
	expect(&r, 0xb1, 1514);
	expect(&r, 0xc1, 64);
	assert_int_equal(status(1), TP_STATUS_KERNEL);
	expect(&r, 0xc2, 65);
	expect(&r, 0xd1, 42);
	assert_int_equal(status(2), TP_STATUS_KERNEL);
	pring_release_held(&r);
	assert_int_equal(status(0), TP_STATUS_KERNEL);
	expect_none(&r);
	assert_int_equal(st.rx_frames, 6);
	assert_int_equal(st.rx_blocks, 4);
	assert_int_equal(st.rx_bad, 0);
}

static void test_ring_bad(void **state)
{
	(void)state;
	struct ustack_packet_stats st = { 0 };
	struct pring r;
	const struct ff two[] = { { 0x11, 60, 0, PACKET_HOST, 0 }, { 0x12, 60, 0, PACKET_HOST, 0 } };
	const struct ff one[] = { { 0x21, 60, 0, PACKET_HOST, 0 } };
	struct tpacket3_hdr *h;

	pring_init(&r, ring, BS, NB, &st);
	/* block 0: longer than a block; block 1: empty; block 2: good */
	make_block(0, two, 2);
	blk(0)->hdr.bh1.blk_len = BS + 1;
	make_block(1, two, 0);
	make_block(2, one, 1);
	expect(&r, 0x21, 60);
	expect_none(&r);
	assert_int_equal(st.rx_bad, 1);
	assert_int_equal(st.rx_blocks, 3);
	for (unsigned i = 0; i < NB; i++)
		assert_int_equal(status(i), TP_STATUS_KERNEL);

	/* block 0: the first frame's next offset points past the block: nothing of it is
	 * trusted (its second frame would be read from outside the ring) */
	make_block(0, two, 2);
	h = (struct tpacket3_hdr *)(void *)((uint8_t *)blk(0) + FIRST);
	h->tp_next_offset = BS * 4;
	/* block 1: two frames claimed, a chain of one (next offset 0 before the last) */
	make_block(1, two, 2);
	h = (struct tpacket3_hdr *)(void *)((uint8_t *)blk(1) + FIRST);
	h->tp_next_offset = 0;
	/* block 2: the frame's data runs past the block's end */
	make_block(2, one, 1);
	h = (struct tpacket3_hdr *)(void *)((uint8_t *)blk(2) + FIRST);
	h->tp_snaplen = BS;
	expect_none(&r);
	assert_int_equal(st.rx_bad, 4);
	for (unsigned i = 0; i < NB; i++)
		assert_int_equal(status(i), TP_STATUS_KERNEL);

	/* block 0: a misaligned second frame; its first frame is still good */
	make_block(0, two, 2);
	h = (struct tpacket3_hdr *)(void *)((uint8_t *)blk(0) + FIRST);
	h->tp_next_offset += 3;
	/* block 1: the first frame offset inside the block header */
	make_block(1, one, 1);
	blk(1)->hdr.bh1.offset_to_first_pkt = 8;
	make_block(2, one, 1);
	expect(&r, 0x11, 60);
	expect(&r, 0x21, 60);
	expect_none(&r);
	assert_int_equal(st.rx_bad, 6);
	assert_int_equal(st.rx_frames, 3);
	for (unsigned i = 0; i < NB; i++)
		assert_int_equal(status(i), TP_STATUS_KERNEL);
}

/* --- the device on a veth pair --- */
static bool have_netns;

/* The interface's promiscuity count (`ip -d link`: packet sockets raise it, SIOCGIFFLAGS
 * shows only what was set by hand). */
static int promisc(const char *name)
{
	char cmd[128], out[64] = "";
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ip -d link show %s | grep -o 'promiscuity [0-9]*'", name);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fgets(out, sizeof(out), p))
		sscanf(out, "promiscuity %d", &n);
	pclose(p);
	assert_true(n >= 0);
	return n;
}

static void frame(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src, uint8_t fill)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xb5;   /* local experimental ethertype */
	memset(f + 14, fill, len - 14);
}

/* Waits up to tries * 20 ms for a frame of ours (ethertype 0x88b5) on d; its length, or 0. */
static int wait_tries(struct ustack_dev *d, uint8_t *buf, size_t cap, int tries)
{
	for (int i = 0; i < tries; i++) {
		struct pollfd pfd = { .fd = d->fd, .events = POLLIN };
		int n;

		while ((n = d->ops->recv(d, buf, cap, 0)) > 0)
			if (buf[12] == 0x88 && buf[13] == 0xb5)
				return n;
		poll(&pfd, 1, 20);
	}
	return 0;
}

static int wait_ours(struct ustack_dev *d, uint8_t *buf, size_t cap)
{
	return wait_tries(d, buf, cap, 100);
}

/* Nothing of ours within 300 ms (the ring hands a block over within 1 ms). */
static int wait_none(struct ustack_dev *d, uint8_t *buf, size_t cap)
{
	return wait_tries(d, buf, cap, 15);
}

static void test_packet_veth(void **state)
{
	(void)state;
	const uint8_t ma[6] = { 0x02, 0xaa, 0, 0, 0, 1 }, mb[6] = { 0x02, 0xbb, 0, 0, 0, 2 };
	struct ustack_packet_stats sa, sb;
	struct ustack_dev *a, *b;
	uint8_t f[1514], buf[2048];
	struct sockaddr_ll sll;
	int raw, n;

	if (!have_netns)
		fail_msg("needs root: the test makes its own network namespace for the veth pair");
	if (system("ip link add upa type veth peer name upb && ip link set upa up && "
		   "ip link set upb up") != 0)
		fail_msg("cannot make the veth pair upa/upb (needs iproute2)");
	assert_int_equal(promisc("upb"), 0);
	a = ustack_packet_open("upa", ma, 0);
	if (!a)
		fail_msg("ustack_packet_open(upa): %s", strerror(errno));
	b = ustack_packet_open("upb", mb, 9000);
	assert_non_null(b);
	assert_string_equal(a->name, "upa");
	assert_memory_equal(a->mac, ma, 6);
	assert_int_equal(a->mtu, 1500);   /* the interface's */
	assert_int_equal(b->mtu, 1500);   /* cut to it */
	assert_true(a->fd >= 0);
	assert_null(a->ops->next_deadline);
	assert_int_equal(promisc("upb"), 1);

	/* a full-size frame a -> b, addressed to b's own MAC (not the interface's) */
	frame(f, sizeof(f), mb, ma, 0x5c);
	assert_int_equal(a->ops->send(a, f, sizeof(f), 0), 0);
	n = wait_ours(b, buf, sizeof(buf));
	assert_int_equal(n, sizeof(f));
	assert_memory_equal(buf, f, sizeof(f));
	/* b -> a, a short one */
	frame(f, 60, ma, mb, 0x3d);
	assert_int_equal(b->ops->send(b, f, 60, 0), 0);
	n = wait_ours(a, buf, sizeof(buf));
	assert_int_equal(n, 60);
	assert_memory_equal(buf, f, 60);

	/* another socket sends on upa through the kernel's queue (so packet taps see it
	 * leave): b receives it, a never sees what its interface sent */
	raw = socket(AF_PACKET, SOCK_RAW, 0);
	assert_true(raw >= 0);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex("upa");
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, mb, 6);
	frame(f, 100, mb, ma, 0x77);
	assert_int_equal(sendto(raw, f, 100, 0, (struct sockaddr *)&sll, sizeof(sll)), 100);
	close(raw);
	n = wait_ours(b, buf, sizeof(buf));
	assert_int_equal(n, 100);
	assert_int_equal(buf[14], 0x77);
	assert_int_equal(wait_none(a, buf, sizeof(buf)), 0);

	/* a frame larger than the caller's buffer is dropped and counted, not cut */
	frame(f, 1000, mb, ma, 0x99);
	assert_int_equal(a->ops->send(a, f, 1000, 0), 0);
	assert_int_equal(wait_none(b, buf, 500), 0);

	/* a frame larger than the link takes: refused, counted */
	assert_int_equal(a->ops->send(a, buf, 1600, 0), -1);

	assert_int_equal(ustack_packet_get_stats(a, &sa), 0);
	assert_int_equal(ustack_packet_get_stats(b, &sb), 0);
	assert_int_equal(sa.tx_frames, 2);
	assert_int_equal(sa.tx_errors, 1);
	assert_int_equal(sb.tx_frames, 1);
	assert_true(sb.rx_frames >= 2);
	assert_int_equal(sb.rx_truncated, 1);
	assert_true(sa.rx_blocks >= 1);
	assert_int_equal(sa.rx_bad + sb.rx_bad, 0);
	ustack_dev_close(a);
	ustack_dev_close(b);
	assert_int_equal(promisc("upb"), 0);
	assert_int_equal(system("ip link del upa"), 0);
}

/* ones' complement sum of len bytes, added to sum */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* A TCP/IPv4 frame of len bytes (IP header at 14, no options) whose IP and TCP
 * checksums verify. */
static bool tcp4_valid(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	size_t tot, l4;
	uint32_t sum;

	if (len < 54 || f[12] != 0x08 || f[13] != 0 || ip[0] != 0x45 || ip[9] != 6)
		return false;
	tot = (size_t)(ip[2] << 8 | ip[3]);
	if (tot + 14 > len || tot < 40 || fold(sum16(0, ip, 20)) != 0xffff)
		return false;
	l4 = tot - 20;
	sum = sum16(0, ip + 12, 8) + 6 + (uint32_t)l4;
	return fold(sum16(sum, ip + 20, l4)) == 0xffff;
}

/* A TCP/IPv6 frame of len bytes (TCP right after the fixed header) whose TCP checksum
 * verifies over the IPv6 pseudo-header. */
static bool tcp6_valid(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	size_t l4;

	if (len < 74 || f[12] != 0x86 || f[13] != 0xdd || (ip[0] >> 4) != 6 || ip[6] != 6)
		return false;
	l4 = (size_t)(ip[4] << 8 | ip[5]);
	if (l4 + 54 > len || l4 < 20)
		return false;
	return fold(sum16(sum16(0, ip + 8, 32) + 6 + (uint32_t)l4, ip + 40, l4)) == 0xffff;
}

/* The 4 wire segments of the super-segment f (4000 bytes cut by 1000) must reach b:
 * each its share of the payload, its sequence number and IP id, correct checksums, PSH
 * on the last only. */
static void expect_cut(struct ustack_dev *b, const uint8_t *f)
{
	static uint8_t buf[2048];

	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *ip = buf + 14, *th = buf + 34;
		int n = 0;

		for (int t = 0; t < 100 && n <= 0; t++) {
			struct pollfd pfd = { .fd = b->fd, .events = POLLIN };

			while ((n = b->ops->recv(b, buf, sizeof(buf), 0)) > 0 &&
			       !(buf[12] == 0x08 && buf[13] == 0 && buf[23] == 6))
				;
			if (n <= 0)
				poll(&pfd, 1, 20);
		}
		assert_int_equal(n, 1054);
		assert_true(tcp4_valid(buf, (size_t)n));
		assert_int_equal((uint32_t)(th[4] << 24 | th[5] << 16 | th[6] << 8 | th[7]),
				 100 + 1000 * i);
		assert_int_equal(th[13] & 0x08, i == 3 ? 0x08 : 0);   /* PSH on the last only */
		assert_memory_equal(buf + 54, f + 54 + 1000 * i, 1000);
		assert_int_equal(ip[4] << 8 | ip[5], 0x1200 + i);
	}
}

/* A super-segment from a, GSO TCPv4 with a partial checksum: it crosses the veth whole
 * and b (offloads off) cuts it; with TSO off on a's interface the kernel cuts it before
 * the veth. Either way b hands 4 right wire segments. */
static void test_packet_vnet_tx(void **state)
{
	(void)state;
	const uint8_t ma[6] = { 0x02, 0xaa, 0, 0, 0, 3 }, mb[6] = { 0x02, 0xbb, 0, 0, 0, 4 };
	static uint8_t f[4054];
	struct ustack_frame_meta m;
	struct ustack_packet_stats sa, sb;
	struct gso_tcp g;
	struct ustack_dev *a, *b;

	if (!have_netns)
		fail_msg("needs root: the test makes its own network namespace for the veth pair");
	if (system("ip link add upg type veth peer name uph && ip link set upg up && "
		   "ip link set uph up") != 0)
		fail_msg("cannot make the veth pair upg/uph (needs iproute2)");
	a = ustack_packet_open("upg", ma, 0);
	b = ustack_packet_open("uph", mb, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->offloads, ALL_OFFLOADS);
	assert_int_equal(a->gso_max, 65535);
	assert_int_equal(ustack_dev_set_offloads(b, 0), 0);   /* b: wire frames */
	assert_int_equal(b->gso_max, 0);

	memset(f, 0, 54);
	memcpy(f, mb, 6);
	memcpy(f + 6, ma, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)((sizeof(f) - 14) >> 8);
	f[17] = (uint8_t)(sizeof(f) - 14);
	f[18] = 0x12;            /* id 0x1200 */
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, (const uint8_t[]){ 10, 9, 0, 1, 10, 9, 0, 2 }, 8);
	f[34] = 0x30;            /* port 12345 -> 80 */
	f[35] = 0x39;
	f[37] = 80;
	f[41] = 100;             /* seq 100 */
	f[46] = 0x50;            /* doff 5 */
	f[47] = 0x18;            /* ACK PSH */
	f[48] = 0x10;            /* window */
	for (size_t i = 54; i < sizeof(f); i++)
		f[i] = (uint8_t)(i * 7);
	/* the IP header checksum; the TCP one left partial */
	uint16_t c = (uint16_t)~fold(sum16(0, f + 14, 20));
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	memset(&m, 0, sizeof(m));
	assert_int_equal(gso_tcp_parse(f, sizeof(f), 14, &g), 0);
	gso_tcp_csum_partial(f, &g, &m);
	m.gso_type = USTACK_GSO_TCPV4;
	m.gso_size = 1000;
	m.hdr_len = 54;
	/* a veth passes it whole (the peer's TCP takes super-frames): b cuts it */
	assert_int_equal(a->ops->send_meta(a, f, sizeof(f), &m, 0), 0);
	expect_cut(b, f);
	assert_int_equal(ustack_packet_get_stats(b, &sb), 0);
	assert_int_equal(sb.rx_gso, 1);
	/* TSO off on a's interface: the kernel cuts it before the veth */
	if (system("ethtool -K upg tso off >/dev/null") != 0)
		fail_msg("ethtool -K upg tso off failed (needs ethtool)");
	assert_int_equal(a->ops->send_meta(a, f, sizeof(f), &m, 0), 0);
	expect_cut(b, f);
	assert_int_equal(ustack_packet_get_stats(a, &sa), 0);
	assert_int_equal(ustack_packet_get_stats(b, &sb), 0);
	assert_int_equal(sa.tx_gso, 2);
	assert_int_equal(sa.tx_errors, 0);
	assert_int_equal(sb.rx_gso, 1);     /* arrived cut: the kernel did it */
	ustack_dev_close(a);
	ustack_dev_close(b);
	assert_int_equal(system("ip link del upg"), 0);
}

/* The child: a namespace of its own holding upi (10.9.1.1 or 2001:db8:91::1, TSO on as
 * a veth has it), two connections to the parent's 10.9.1.2:5555 ([2001:db8:91::2]) each
 * carrying 1 MiB, each after a byte on go. Never returns. */
#define RX_BYTES (1u << 20)
static void rx_child(int ready, int go, bool v6)
{
	static char data[65536];
	char c = 0;
	int rc = 1;

	if (unshare(CLONE_NEWNET) != 0 || write(ready, &c, 1) != 1)
		_exit(1);
	if (read(go, &c, 1) != 1 ||
	    system(v6 ? "ip addr add 2001:db8:91::1/64 dev upi nodad && ip link set upi up" :
			"ip addr add 10.9.1.1/24 dev upi && ip link set upi up") != 0)
		_exit(1);
	memset(data, 0x6b, sizeof(data));
	for (int k = 0; k < 2; k++) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(5555) };
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(5555) };
		int s = -1;

		if (k == 1 && read(go, &c, 1) != 1)
			_exit(1);
		sin.sin_addr.s_addr = htonl(0x0a090102);
		inet_pton(AF_INET6, "2001:db8:91::2", &sin6.sin6_addr);
		for (int t = 0; t < 50; t++) {
			s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
			if ((v6 ? connect(s, (struct sockaddr *)&sin6, sizeof(sin6)) :
				  connect(s, (struct sockaddr *)&sin, sizeof(sin))) == 0)
				break;
			close(s);
			s = -1;
			usleep(100000);
		}
		if (s < 0)
			_exit(1);
		for (size_t sent = 0; sent < RX_BYTES; sent += sizeof(data))
			if (write(s, data, sizeof(data)) != (ssize_t)sizeof(data))
				_exit(1);
		close(s);
		rc = 0;
	}
	_exit(rc);
}

struct rx_seen {
	unsigned tcp, gso, too_big, bad_meta, bad_csum;
	size_t max_len;
};

/* A TCP frame from the child (10.9.1.1, or 2001:db8:91::1 with no extension header). */
static bool from_child(const uint8_t *b, int n, bool v6)
{
	if (v6)
		return n >= 74 && b[12] == 0x86 && b[13] == 0xdd && b[20] == 6 && b[22] == 0x20 &&
		       b[23] == 0x01 && b[37] == 1;
	return n >= 54 && b[12] == 0x08 && b[23] == 6 && b[26] == 10 && b[29] == 1;
}

/* Accepts one connection on ls and reads RX_BYTES from it while draining d (with
 * meta if offloads are on), noting the TCP frames from the child. */
static void rx_round(int ls, struct ustack_dev *d, struct rx_seen *s, bool v6)
{
	static uint8_t buf[65600], sink[65536];
	size_t got = 0;
	int conn = -1;

	memset(s, 0, sizeof(*s));
	for (int t = 0; t < 500 && got < RX_BYTES; t++) {
		struct pollfd pfd[2] = { { .fd = conn >= 0 ? conn : ls, .events = POLLIN },
					 { .fd = d->fd, .events = POLLIN } };
		struct ustack_frame_meta m;
		ssize_t r;
		int n;

		poll(pfd, 2, 20);
		if (conn < 0)
			conn = accept(ls, NULL, NULL);
		else
			while ((r = read(conn, sink, sizeof(sink))) > 0)
				got += (size_t)r;
		memset(&m, 0, sizeof(m));
		while ((n = d->offloads ? d->ops->recv_meta(d, buf, sizeof(buf), &m, 0) :
				d->ops->recv(d, buf, sizeof(buf), 0)) > 0) {
			if (!from_child(buf, n, v6))
				continue;
			s->tcp++;
			if ((size_t)n > s->max_len)
				s->max_len = (size_t)n;
			if (n > 1514)
				s->too_big++;
			if (m.gso_type != USTACK_GSO_NONE) {
				s->gso++;
				if (m.gso_type != (v6 ? USTACK_GSO_TCPV6 : USTACK_GSO_TCPV4) ||
				    !(m.flags & USTACK_META_CSUM_PARTIAL) ||
				    m.csum_start != (v6 ? 54 : 34) || m.csum_offset != 16 ||
				    m.gso_size == 0 || m.gso_size > (v6 ? 1440 : 1460))
					s->bad_meta++;
			} else if (!d->offloads &&
				   !(v6 ? tcp6_valid(buf, (size_t)n) : tcp4_valid(buf, (size_t)n))) {
				s->bad_csum++;
			}
			memset(&m, 0, sizeof(m));
		}
	}
	assert_int_equal(got, RX_BYTES);
	close(conn);
}

/* Linux's TCP (TSO on) sends 1 MiB to Linux over a veth, by IPv4 or IPv6; the device,
 * on the receiving end of the veth, sees the frames go by: super-frames with their meta
 * (offloads on), then wire frames with complete checksums (off). */
static void vnet_rx(bool v6)
{
	int ready[2], go[2], ls, one = 1, st;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(5555) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(5555) };
	struct ustack_packet_stats ps;
	struct rx_seen on, off;
	struct ustack_dev *d;
	char cmd[200], c = 0;
	pid_t pid;

	if (!have_netns)
		fail_msg("needs root: the test makes its own network namespaces");
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the parent's ends closed: a parent that fails ends the child (EOF on go) */
		close(ready[0]);
		close(go[1]);
		rx_child(ready[1], go[0], v6);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	snprintf(cmd, sizeof(cmd), "ip link add upj type veth peer name upi netns %d && "
		 "ip addr add 10.9.1.2/24 dev upj && ip link set upj up", (int)pid);
	if (system(cmd) != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("cannot make the veth pair upj/upi across namespaces");
	}
	if (v6 && system("echo 0 > /proc/sys/net/ipv6/conf/upj/disable_ipv6 && "
			 "ip addr add 2001:db8:91::2/64 dev upj nodad") != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("cannot give upj an IPv6 address");
	}
	ls = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_addr.s_addr = htonl(0x0a090102);
	inet_pton(AF_INET6, "2001:db8:91::2", &sin6.sin6_addr);
	assert_int_equal(v6 ? bind(ls, (struct sockaddr *)&sin6, sizeof(sin6)) :
			      bind(ls, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(ls, 2), 0);
	d = ustack_packet_open("upj", NULL, 0);
	assert_non_null(d);
	assert_int_equal(d->offloads, ALL_OFFLOADS);
	assert_int_equal(write(go[1], &c, 1), 1);
	rx_round(ls, d, &on, v6);
	assert_int_equal(ustack_dev_set_offloads(d, 0), 0);
	assert_int_equal(write(go[1], &c, 1), 1);
	rx_round(ls, d, &off, v6);
	assert_int_equal(ustack_packet_get_stats(d, &ps), 0);
	print_message("%s: offloads on: %u TCP frames, %u super-frames (up to %zu bytes); off: "
		      "%u frames, %llu super-frames cut by the device\n", v6 ? "IPv6" : "IPv4",
		      on.tcp, on.gso, on.max_len, off.tcp, (unsigned long long)ps.rx_gso - on.gso);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(on.gso > 0);
	assert_true(on.max_len > 1514);
	assert_int_equal(on.bad_meta, 0);
	assert_true(off.tcp > 0);
	assert_int_equal(off.too_big, 0);
	assert_int_equal(off.bad_csum, 0);
	assert_true(ps.rx_gso > on.gso);    /* off: super-frames still came, cut here */
	assert_int_equal(ps.rx_truncated + ps.rx_bad + ps.rx_bad_vnet, 0);
	ustack_dev_close(d);
	close(ls);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	/* the child's namespace, gone, took upi and with it upj */
	assert_int_equal(system("ip link del upj 2>/dev/null; ! ip link show upj 2>/dev/null"), 0);
}

static void test_packet_vnet_rx(void **state)
{
	(void)state;
	vnet_rx(false);
}

static void test_packet_vnet_rx6(void **state)
{
	(void)state;
	vnet_rx(true);
}

static void test_packet_errors(void **state)
{
	(void)state;
	struct ustack_packet_stats s;
	struct ustack_dev *lo;

	if (!have_netns)
		fail_msg("needs root: the test makes its own network namespace");
	assert_null(ustack_packet_open("a-name-much-too-long-for-linux", NULL, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(ustack_packet_open("", NULL, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(ustack_packet_open("nosuchif0", NULL, 0));
	assert_int_equal(errno, ENODEV);
	assert_null(ustack_packet_open("lo", NULL, 0));       /* not Ethernet */
	assert_int_equal(errno, ENOTSUP);
	if (system("ip link add upc type veth peer name upd") != 0)
		fail_msg("cannot make the veth pair upc/upd");
	assert_null(ustack_packet_open("upc", NULL, 0));      /* down */
	assert_int_equal(errno, ENETDOWN);
	assert_int_equal(system("ip link set upc up"), 0);
	struct ustack_dev *d = ustack_packet_open("upc", NULL, 1400);
	assert_non_null(d);
	assert_int_equal(d->mtu, 1400);
	assert_int_equal(d->mac[0] & 0x03, 0x02);   /* random: unicast, local */
	ustack_dev_close(d);
	lo = ustack_loopback_new();
	assert_non_null(lo);
	assert_int_equal(ustack_packet_get_stats(lo, &s), -1);
	assert_int_equal(errno, EINVAL);
	ustack_dev_close(lo);
	assert_int_equal(system("ip link del upc"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ring_walk, ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_ring_bad, ring_setup, ring_teardown),
		cmocka_unit_test(test_packet_veth),
		cmocka_unit_test(test_packet_vnet_tx),
		cmocka_unit_test(test_packet_vnet_rx),
		cmocka_unit_test(test_packet_vnet_rx6),
		cmocka_unit_test(test_packet_errors),
	};
	/* A namespace of our own: this process only, gone when it exits. */
	have_netns = unshare(CLONE_NEWNET) == 0;
	if (have_netns) {
		FILE *f = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "w");

		if (f) {   /* no IPv6 chatter from the kernel on the veths */
			fputs("1\n", f);
			fclose(f);
		}
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
