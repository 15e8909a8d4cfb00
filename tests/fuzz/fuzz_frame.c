/* fuzz_frame.c - libFuzzer target for the whole receive path below the transport:
 * Ethernet -> ARP | IPv4 (forwarding, reassembly) -> ICMP (echo, errors in, errors out),
 * IGMP (queries for 239.1.2.3, which a socket has joined on if 0, and multicast to it),
 * with time passing between frames so that ARP timers and reassembly timeouts fire.
 *
 * Input: one configuration byte, then chunks:
 *   [len hi][len lo][ctl] then len bytes of Ethernet frame (cut to what is left).
 *   ctl bits 0-1: how much time passes before the frame (0, 1 ms, 1.1 s, 31 s)
 *   ctl bit 2: fix the IPv4 header checksum     ctl bit 3: fix the ICMP/IGMP checksum
 *   ctl bit 4: set the destination MAC to ours  ctl bit 5: the frame comes in on if 1
 *   ctl bit 6: fix the IPv4 total length to the frame
 * For IPv6 frames (0x86dd) bit 6 fixes the payload length and bit 3 the checksum of an
 * ICMPv6 message right after the fixed header; if 0 holds 2001:db8::2/64 and
 * fe80::2, if 1 2001:db8:1::2/64, so echo, extension headers, reassembly and (with
 * forwarding) the router path are reached.
 * The fixes let the fuzzer get past checks it cannot solve by mutation. Configuration:
 * bit 0 forwarding, bit 1 a loopback device, bit 2 a small reassembly bound.
 *
 * After every frame: reassembly memory within its bound, packet buffers within the
 * pool. At the end, 40 s more so everything times out: reassembly memory back to 0;
 * the stack is freed (LeakSanitizer checks the rest). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/ustack.h"
#include "ustack/dev.h"
#include "ustack/socket.h"
#include "core/stack.h"
#include "core/iface.h"
#include "net/ipv4_frag.h"
#include "net/ipv6_frag.h"
#include "wire/csum.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define MAX_FRAME 4096

static const uint64_t steps[4] = { 0, 1000, 1100000, 31000000 };

/* Make the fuzzer's frame pass the checks it asked to pass. */
static void fix_frame(uint8_t *f, size_t n, uint8_t ctl, const uint8_t *mac)
{
	size_t hl;

	if ((ctl & 0x10) && n >= 6)
		memcpy(f, mac, 6);
	if (n >= 14 + 40 && f[12] == 0x86 && f[13] == 0xdd) {
		size_t pl = n - 14 - 40 > 65535 ? 65535 : n - 14 - 40;

		if (ctl & 0x40) {
			f[18] = (uint8_t)(pl >> 8);
			f[19] = (uint8_t)pl;
		}
		pl = (size_t)f[18] << 8 | f[19];
		if ((ctl & 0x08) && f[20] == 58 && pl >= 4 && 14 + 40 + pl <= n) {
			uint8_t *ic = f + 54;

			ic[2] = ic[3] = 0;
			be16_put(ic + 2, csum_fold(csum_add(csum_pseudo6(f + 22, f + 38, (uint32_t)pl, 58),
							    ic, pl)));
		}
		return;
	}
	if (n < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
		return;
	hl = (size_t)(f[14] & 0x0f) * 4;
	if (hl < 20 || 14 + hl > n)
		return;
	if (ctl & 0x40) {
		size_t tl = n - 14 > 65535 ? 65535 : n - 14;

		f[16] = (uint8_t)(tl >> 8);
		f[17] = (uint8_t)tl;
	}
	if ((ctl & 0x08) && (f[14 + 9] == 1 || f[14 + 9] == 2)) {
		size_t tl = ((size_t)f[16] << 8 | f[17]);

		if (tl > hl && 14 + tl <= n && tl - hl >= 4) {
			uint8_t *ic = f + 14 + hl;

			ic[2] = ic[3] = 0;
			be16_put(ic + 2, csum(ic, tl - hl));
		}
	}
	if (ctl & 0x04) {
		f[24] = f[25] = 0;
		be16_put(f + 24, csum(f + 14, hl));
	}
}

/* An address of ours, usable at once (no DAD in the fuzzer), unless it is there. */
static void add_addr6(struct iface *ifp, const uint8_t a[16], int plen)
{
	struct if_addr6 *free_slot = NULL;

	for (int i = 0; i < IFACE_ADDR6_MAX; i++) {
		struct if_addr6 *x = &ifp->addr6[i];

		if (x->state != IF6_UNUSED && !memcmp(x->addr, a, 16)) {
			x->state = IF6_PREFERRED;
			return;
		}
		if (x->state == IF6_UNUSED && !free_slot)
			free_slot = x;
	}
	if (!free_slot)
		return;
	memcpy(free_slot->addr, a, 16);
	free_slot->plen = (uint8_t)plen;
	free_slot->state = IF6_PREFERRED;
	free_slot->valid_until = free_slot->preferred_until = UINT64_MAX;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ustack_config cfg = { .name = "fuzz", .seed = 1 };
	struct ustack *st;
	struct ustack_vnet *vn;
	struct ustack_dev *peer;
	struct in_addr a0, a1, lo;
	uint64_t now = 1000000;
	uint8_t conf;
	uint8_t mac[2][6];
	uint8_t *frame;
	int if0, if1;

	if (size < 1)
		return 0;
	conf = data[0];
	data++;
	size--;
	cfg.forwarding = conf & 1;
	cfg.pkt_max = 256;
	cfg.reasm_max_bytes = (conf & 4) ? 8192 : 65536;
	cfg.arp_cache_max = 16;
	st = ustack_new(&cfg);
	CHECK(st);
	vn = ustack_vnet_new();
	CHECK(vn);
	ustack_vnet_set_id(vn, 1);
	a0.s_addr = htonl(0x0a000002);   /* 10.0.0.2/24 */
	a1.s_addr = htonl(0x0a000102);   /* 10.0.1.2/24 */
	lo.s_addr = htonl(0x7f000001);
	ustack_step(st, now);
	if0 = ustack_if_add(st, ustack_vnet_port(vn, NULL, 1500), a0, 24);
	if1 = ustack_if_add(st, ustack_vnet_port(vn, NULL, 576), a1, 24);
	CHECK(if0 >= 0 && if1 >= 0);
	if (conf & 2)
		CHECK(ustack_if_add(st, ustack_loopback_new(), lo, 8) >= 0);
	ustack_set_gateway(st, (struct in_addr){ htonl(0x0a000001) });
	{
		static const uint8_t g0[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
		static const uint8_t l0[16] = { 0xfe, 0x80, [15] = 2 };
		static const uint8_t g1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
		static const uint8_t n0[16] = { 0x20, 0x01, 0x0d, 0xb8 };
		static const uint8_t n1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };

		pthread_mutex_lock(&st->lock);
		add_addr6(iface_get(st, if0), g0, 64);
		add_addr6(iface_get(st, if0), l0, 64);
		add_addr6(iface_get(st, if1), g1, 64);
		route6_add(st, n0, 64, NULL, if0, ROUTE6_STATIC, 0);
		route6_add(st, n1, 64, NULL, if1, ROUTE6_STATIC, 0);
		pthread_mutex_unlock(&st->lock);
	}
	ustack_if_mac(st, if0, mac[0]);
	ustack_if_mac(st, if1, mac[1]);
	/* A port nobody reads keeps what the stack sends from piling up nowhere: the
	 * vnet drops past its queue bound. */
	peer = ustack_vnet_port(vn, NULL, 1500);
	CHECK(peer);
	int mfd = ustack_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in msa = { .sin_family = AF_INET, .sin_port = htons(5000) };
	struct ip_mreq mreq = { .imr_multiaddr.s_addr = htonl(0xef010203), .imr_interface = a0 };
	CHECK(mfd >= 0 && ustack_bind(st, mfd, (struct sockaddr *)&msa, sizeof(msa)) == 0);
	CHECK(ustack_setsockopt(st, mfd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) == 0);
	frame = malloc(MAX_FRAME);
	CHECK(frame);

	while (size >= 3) {
		size_t len = (size_t)data[0] << 8 | data[1];
		uint8_t ctl = data[2];
		int ifx = (ctl & 0x20) ? if1 : if0;
		struct pkt *p;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (len > MAX_FRAME)
			len = MAX_FRAME;
		memcpy(frame, data, len);
		data += len;
		size -= len;
		fix_frame(frame, len, ctl, mac[ifx == if1]);

		now += steps[ctl & 3];
		ustack_step(st, now);
		pthread_mutex_lock(&st->lock);
		p = pkt_alloc(st, len);
		if (p) {
			memcpy(pkt_put(p, len), frame, len);
			p->rx_time = now;
			eth_input(st, iface_get(st, ifx), p);
		}
		CHECK(ipv4_reasm_bytes(st) <= cfg.reasm_max_bytes);
		CHECK(ipv6_reasm_bytes(st) <= cfg.reasm_max_bytes);
		CHECK(st->pool.in_use <= cfg.pkt_max);
		pthread_mutex_unlock(&st->lock);
		{
			uint8_t sink[2048];

			while (peer->ops->recv(peer, sink, sizeof(sink), now) > 0) {
			}
		}
	}
	/* Let every timer run out: reassembly (IPv6's 60 s too), ARP retries, aging. */
	for (int i = 0; i < 8; i++) {
		now += 20000000;
		ustack_step(st, now);
	}
	pthread_mutex_lock(&st->lock);
	CHECK(ipv4_reasm_bytes(st) == 0);
	CHECK(ipv6_reasm_bytes(st) == 0);
	CHECK(st->pool.in_use == 0);
	pthread_mutex_unlock(&st->lock);
	free(frame);
	ustack_dev_close(peer);
	ustack_free(st);
	ustack_vnet_free(vn);
	return 0;
}
