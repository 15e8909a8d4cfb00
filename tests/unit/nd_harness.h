/* nd_harness.h - one stack on a vnet port with a bare peer port that captures what the
 * stack sends; ND messages are handed to nd_input as ICMPv6 would hand them (IP
 * summary set), so the neighbour layer is tested on its own, on the virtual clock. */
#ifndef ND_HARNESS_H
#define ND_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "core/ip_class.h"
#include "core/stack.h"
#include "net/addr6.h"
#include "net/mld6.h"
#include "net/nd.h"
#include "ustack/dev.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/mld.h"
#include "wire/ndp.h"

struct ndh {
	struct ustack_vnet *vn;
	struct ustack *st;
	struct ustack_dev *peer;
	struct iface *ifp;
	uint64_t now;
	uint8_t frames[64][1600];
	size_t lens[64];
	int n;                         /* frames captured since the last ndh_clear */
};

struct ndh_frame {
	const uint8_t *eth;            /* the Ethernet frame */
	const uint8_t *ip;             /* IPv6 header */
	uint8_t hop_limit;
	bool hbh;                      /* a hop-by-hop header came first */
	const uint8_t *icmp;           /* the ICMPv6 message */
	size_t icmp_len;
};

static inline const uint8_t *ndh_a6(const char *s)
{
	static uint8_t b[16][16];
	static int k;
	uint8_t *o = b[k++ % 16];

	if (inet_pton(AF_INET6, s, o) != 1)
		memset(o, 0xee, 16);
	return o;
}

static inline void ndh_drain(struct ndh *h)
{
	uint8_t buf[1600];
	int len;

	while ((len = h->peer->ops->recv(h->peer, buf, sizeof(buf), h->now)) > 0) {
		if (h->n < 64) {
			memcpy(h->frames[h->n], buf, (size_t)len);
			h->lens[h->n++] = (size_t)len;
		}
	}
}

/* Run the stack's timers up to h->now + us, capturing frames. */
static inline void ndh_run(struct ndh *h, uint64_t us)
{
	uint64_t end = h->now + us;

	for (;;) {
		uint64_t next = ustack_next_deadline(h->st);

		if (next > end)
			break;
		if (next > h->now)
			h->now = next;
		ustack_step(h->st, h->now);
		ndh_drain(h);
	}
	h->now = end;
	ustack_step(h->st, h->now);
	ndh_drain(h);
}

static inline void ndh_clear(struct ndh *h) { h->n = 0; }

static inline bool ndh_parse(const struct ndh *h, int i, struct ndh_frame *f)
{
	const uint8_t *e = h->frames[i];
	size_t len = h->lens[i];
	size_t off = 14 + 40;

	if (len < off + 8 || e[12] != 0x86 || e[13] != 0xdd)
		return false;
	f->eth = e;
	f->ip = e + 14;
	f->hop_limit = f->ip[7];
	f->hbh = f->ip[6] == 0;
	if (f->hbh)
		off += 8;
	f->icmp = e + off;
	f->icmp_len = 40 + (size_t)(f->ip[4] << 8 | f->ip[5]) - (off - 14);
	return true;
}

/* The index of the n-th (0-based) captured ICMPv6 message of type, or -1. */
static inline int ndh_find(const struct ndh *h, uint8_t type, int nth, struct ndh_frame *f)
{
	for (int i = 0; i < h->n; i++) {
		if (ndh_parse(h, i, f) && f->icmp[0] == type && nth-- == 0)
			return i;
	}
	return -1;
}

static inline int ndh_count(const struct ndh *h, uint8_t type)
{
	struct ndh_frame f = { 0 };
	int c = 0;

	for (int i = 0; i < h->n; i++)
		if (ndh_parse(h, i, &f) && f.icmp[0] == type)
			c++;
	return c;
}

/* Hand an ND message r from src to dst with hop limit hl to nd_input. */
static inline void ndh_inject(struct ndh *h, const struct ndp_repr *r, const uint8_t src[16],
			      const uint8_t dst[16], uint8_t hl)
{
	uint8_t buf[NDP_MAX_LEN];
	size_t n = ndp_emit(r, buf, sizeof(buf), src, dst);
	struct pkt *p = pkt_alloc(h->st, n);

	if (!p || !n)
		return;
	memcpy(pkt_put(p, n), buf, n);
	p->ifindex = h->ifp->index;
	p->src = ip_addr_from_v6(src);
	p->dst = ip_addr_from_v6(dst);
	p->ip_ttl = hl;
	p->ip_proto = IP_PROTO_ICMPV6;
	h->st->now = h->now;
	nd_input(h->st, h->ifp, p);
	ndh_drain(h);
}

/* An IPv6 packet from src to dst (a small UDP-ish payload) through nd_output. */
static inline void ndh_send_ip(struct ndh *h, const uint8_t src[16], const uint8_t dst[16])
{
	struct pkt *p = pkt_alloc(h->st, 64);
	struct ipv6_repr ip = { .next_hdr = 17, .hop_limit = 64, .payload_len = 8 };

	memcpy(ip.src, src, 16);
	memcpy(ip.dst, dst, 16);
	memset(pkt_put(p, 48), 0, 48);
	ipv6_emit(&ip, p->data);
	p->ifindex = -1;
	h->st->now = h->now;
	nd_output(h->st, h->ifp, p, dst);
	ndh_drain(h);
}

static inline struct ndh *ndh_new(const struct ustack_config *cfg_in)
{
	struct ndh *h = calloc(1, sizeof(*h));
	struct ustack_config cfg = { .seed = 42, .name = "nd" };
	struct in_addr a4;
	int idx;

	if (cfg_in)
		cfg = *cfg_in;
	inet_pton(AF_INET, "10.0.0.10", &a4);
	h->vn = ustack_vnet_new();
	ustack_vnet_set_id(h->vn, 5);
	h->st = ustack_new(&cfg);
	h->now = 1000000;
	ustack_step(h->st, h->now);
	{
		struct ustack_dev *d = ustack_vnet_port(h->vn, NULL, 1500);

		h->peer = ustack_vnet_port(h->vn, NULL, 1500);
		idx = ustack_if_add(h->st, d, a4, 24);
	}
	h->ifp = iface_get(h->st, idx);
	ndh_drain(h);
	return h;
}

static inline void ndh_free(struct ndh *h)
{
	ustack_free(h->st);
	ustack_dev_close(h->peer);
	ustack_vnet_free(h->vn);
	free(h);
}

/* The address slot of ifp holding a (or NULL). */
static inline struct if_addr6 *ndh_addr(struct ndh *h, const uint8_t a[16])
{
	for (int k = 0; k < IFACE_ADDR6_MAX; k++)
		if (h->ifp->addr6[k].state != IF6_UNUSED && memcmp(h->ifp->addr6[k].addr, a, 16) == 0)
			return &h->ifp->addr6[k];
	return NULL;
}

/* The cache entry for ip, or false. */
static inline bool ndh_neigh(struct ndh *h, const uint8_t ip[16], struct nd_neigh_info *out)
{
	struct nd_neigh_info all[64];
	size_t n = nd_list(h->st, all, 64);

	for (size_t i = 0; i < n; i++)
		if (memcmp(all[i].ip, ip, 16) == 0) {
			*out = all[i];
			return true;
		}
	return false;
}

#endif
