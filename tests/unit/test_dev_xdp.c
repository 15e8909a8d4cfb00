/* test_dev_xdp.c - the AF_XDP device (src/dev/xdp.c), in a network namespace of this
 * process's own (unshare(CLONE_NEWNET); no address configured) on veth pairs, the peer
 * end read and written through the AF_PACKET device:
 * - frames both ways byte-exact and in order, in native XDP and in forced SKB mode; more
 *   frames than the UMEM holds each way (the fill ring and the send pool are recycled),
 *   received in batches (several frames per RX ring read);
 * - the fallback: a veth at MTU 9000 refuses a native program (USTACK_XDP_DRV fails),
 *   flags 0 falls back to SKB mode, the device's MTU cut to one UMEM frame;
 * - errors: bad names and flags, no such interface, not Ethernet, down, a frame too
 *   long to send, counters of a device that is not AF_XDP.
 * A ustack built without libxdp fails here, naming it. */
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

#include "ustack/dev.h"

static bool have_netns;

static void need(void)
{
	if (!ustack_xdp_supported())
		fail_msg("ustack was built without libxdp: install libxdp-dev libbpf-dev "
			 "(scripts/install-deps.sh) and reconfigure");
	if (!have_netns)
		fail_msg("needs root: the test makes its own network namespace for the veth pairs");
}

/* frame i of a run: our experimental ethertype, a length and bytes that depend on i */
static size_t frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, unsigned i)
{
	size_t len = 60 + (i * 37) % 1455;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	for (size_t k = 14; k < len; k++)
		f[k] = (uint8_t)(i * 7 + k);
	f[14] = (uint8_t)i;
	f[15] = (uint8_t)(i >> 8);
	return len;
}

/* The next frame of ours on d within ~1 s: its length, or 0. */
static int next_ours(struct ustack_dev *d, uint8_t *buf, size_t cap)
{
	for (int t = 0; t < 100; t++) {
		struct pollfd pfd = { .fd = d->fd, .events = POLLIN };
		int n;

		while ((n = d->ops->recv(d, buf, cap, 0)) > 0)
			if (buf[12] == 0x88 && buf[13] == 0xb5)
				return n;
		poll(&pfd, 1, 10);
	}
	return 0;
}

/* total frames from `from` to `to` in bursts of `burst`, each read back byte-exact and
 * in order before the next burst. */
static void run(struct ustack_dev *from, struct ustack_dev *to, unsigned total, unsigned burst)
{
	uint8_t f[1514], buf[2048];

	for (unsigned i = 0; i < total; i += burst) {
		unsigned n = total - i < burst ? total - i : burst;

		for (unsigned k = 0; k < n; k++) {
			size_t len = frame(f, to->mac, from->mac, i + k);

			assert_int_equal(from->ops->send(from, f, len, 0), 0);
		}
		for (unsigned k = 0; k < n; k++) {
			size_t len = frame(f, to->mac, from->mac, i + k);
			int got = next_ours(to, buf, sizeof(buf));

			if (got != (int)len || memcmp(buf, f, len))
				fail_msg("frame %u of %u: got %d bytes, want %zu%s", i + k, total, got,
					 len, got == (int)len ? " (content differs)" : "");
		}
	}
}

static void pair(const char *a, const char *b, unsigned mtu)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %s && ip link set %s mtu %u"
		 " && ip link set %s mtu %u && ip link set %s up && ip link set %s up",
		 a, b, a, mtu, b, mtu, a, b);
	if (system(cmd) != 0)
		fail_msg("cannot make the veth pair %s/%s (needs iproute2)", a, b);
}

static void both_ways(unsigned flags, const char *a, const char *b, bool native)
{
	const uint8_t mx[6] = { 0x02, 0x0a, 0, 0, 0, 1 }, mp[6] = { 0x02, 0x0b, 0, 0, 0, 2 };
	struct ustack_xdp_stats s;
	struct ustack_dev *x, *p;

	pair(a, b, 1500);
	x = ustack_xdp_open(a, 0, mx, flags);
	if (!x)
		fail_msg("ustack_xdp_open(%s, flags %u): %s", a, flags, strerror(errno));
	p = ustack_packet_open(b, mp, 0);
	assert_non_null(p);
	ustack_dev_set_offloads(p, 0);   /* the peer sends wire frames */
	assert_string_equal(x->name, a);
	assert_memory_equal(x->mac, mx, 6);
	assert_int_equal(x->mtu, 1500);
	assert_true(x->fd >= 0);
	assert_int_equal(x->offloads, 0);
	/* 5000 each way: more than the 2048 receive frames and the 2048 send frames */
	run(p, x, 5000, 500);
	run(x, p, 5000, 200);
	assert_int_equal(ustack_xdp_get_stats(x, &s), 0);
	assert_int_equal(s.native, native);
	assert_true(s.rx_frames >= 5000);
	assert_true(s.rx_batches < s.rx_frames);   /* several frames per RX ring read */
	assert_int_equal(s.tx_frames, 5000);
	assert_true(s.tx_kicks >= 1);
	assert_int_equal(s.rx_truncated, 0);
	assert_int_equal(s.bad_descs, 0);
	assert_int_equal(s.tx_full, 0);
	assert_int_equal(s.tx_errors, 0);
	/* too long for a UMEM frame: refused and counted */
	static uint8_t big[5000];
	memset(big, 0, sizeof(big));
	assert_int_equal(x->ops->send(x, big, sizeof(big), 0), -1);
	assert_int_equal(ustack_xdp_get_stats(x, &s), 0);
	assert_int_equal(s.tx_errors, 1);
	ustack_dev_close(x);
	ustack_dev_close(p);
}

static void test_xdp_native(void **state)
{
	(void)state;
	need();
	both_ways(USTACK_XDP_DRV, "xa", "xb", true);
	both_ways(0, "xa2", "xb2", true);   /* flags 0: native first */
}

static void test_xdp_skb(void **state)
{
	(void)state;
	need();
	both_ways(USTACK_XDP_SKB, "xc", "xd", false);
}

static void test_xdp_fallback(void **state)
{
	(void)state;
	struct ustack_xdp_stats s;
	struct ustack_dev *x;

	need();
	pair("xe", "xf", 9000);   /* a veth refuses a native program at this MTU */
	assert_null(ustack_xdp_open("xe", 0, NULL, USTACK_XDP_DRV));
	assert_int_not_equal(errno, 0);
	x = ustack_xdp_open("xe", 0, NULL, 0);
	if (!x)
		fail_msg("ustack_xdp_open(xe) with the fallback: %s", strerror(errno));
	assert_int_equal(ustack_xdp_get_stats(x, &s), 0);
	assert_false(s.native);
	assert_int_equal(x->mtu, 4096 - 256 - 14);   /* one UMEM frame, after the headroom */
	assert_int_equal(x->mac[0] & 0x03, 0x02);   /* random: unicast, local */
	ustack_dev_close(x);
	/* the queue is free again once closed: a second device opens */
	x = ustack_xdp_open("xe", 0, NULL, USTACK_XDP_SKB);
	if (!x)
		fail_msg("ustack_xdp_open(xe) again: %s", strerror(errno));
	ustack_dev_close(x);
}

static void test_xdp_errors(void **state)
{
	(void)state;
	struct ustack_xdp_stats s;
	struct ustack_dev *lo;

	need();
	assert_null(ustack_xdp_open("a-name-much-too-long-for-linux", 0, NULL, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(ustack_xdp_open("", 0, NULL, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(ustack_xdp_open(NULL, 0, NULL, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(ustack_xdp_open("lo", 0, NULL, USTACK_XDP_SKB | USTACK_XDP_DRV));
	assert_int_equal(errno, EINVAL);
	assert_null(ustack_xdp_open("lo", 0, NULL, 0x80));
	assert_int_equal(errno, EINVAL);
	assert_null(ustack_xdp_open("nosuchif0", 0, NULL, 0));
	assert_int_equal(errno, ENODEV);
	assert_null(ustack_xdp_open("lo", 0, NULL, 0));   /* not Ethernet */
	assert_int_equal(errno, ENOTSUP);
	if (system("ip link add xg type veth peer name xh") != 0)
		fail_msg("cannot make the veth pair xg/xh");
	assert_null(ustack_xdp_open("xg", 0, NULL, 0));   /* down */
	assert_int_equal(errno, ENETDOWN);
	lo = ustack_loopback_new();
	assert_non_null(lo);
	assert_int_equal(ustack_xdp_get_stats(lo, &s), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_xdp_get_stats(NULL, &s), -1);
	assert_int_equal(errno, EINVAL);
	ustack_dev_close(lo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xdp_native),
		cmocka_unit_test(test_xdp_skb),
		cmocka_unit_test(test_xdp_fallback),
		cmocka_unit_test(test_xdp_errors),
	};
	/* A namespace of our own: this process only, gone (with its veths) when it exits. */
	have_netns = unshare(CLONE_NEWNET) == 0;
	if (have_netns) {
		FILE *f = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "w");

		if (f) {   /* no IPv6 chatter from the kernel on the veths */
			fputs("1\n", f);
			fclose(f);
		}
		if (system("ip link set lo up") != 0)
			have_netns = false;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
