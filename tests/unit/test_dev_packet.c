/* test_dev_packet.c - the AF_PACKET device.
 * The ring walk (packet_ring.c) over fake TPACKET_V3 blocks built here: frames in order,
 * the interface's own outgoing frames and truncated ones skipped and counted, blocks
 * given back to the kernel only once their last frame is done with, wrap-around, and
 * blocks whose offsets lie (outside the block, misaligned, a chain that ends early)
 * dropped and counted without reading outside the ring.
 * Then the real device on a veth pair inside a network namespace of this process's own
 * (unshare(CLONE_NEWNET); no address configured): frames both ways, byte-exact, own
 * outgoing frames unseen, promiscuous while open, MTU from the interface, errors. */
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
#include <sys/socket.h>

#include "ustack/dev.h"
#include "dev/packet_ring.h"

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
