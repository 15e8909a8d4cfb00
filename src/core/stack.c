/* stack.c - struct ustack: creating and freeing a host, its random generator, its lock,
 * the poll loop that moves frames from devices into the stack and fires timers, and the
 * public calls for interfaces, routes and counters. */
#include "core/stack.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <arpa/inet.h>

#include "core/core_priv.h"
#include "core/rng.h"
#include "core/trace.h"
#include "dns/resolver.h"
#include "net/arp.h"
#include "net/icmp.h"
#include "net/ipv4.h"
#include "net/ipv6.h"
#include "net/icmpv6.h"
#include "net/proto.h"
#include "net/igmp.h"
#include "net/mld6.h"
#include "net/nd.h"
#include "net/udp.h"
#include "socket/socket.h"
#include "tcp/tcp.h"
#include "ustack/dev.h"
#include "dev/gso.h"
#include "wire/eth.h"

/* Frames taken from one interface in one poll: the rest wait for the next poll, so
 * a flooded interface cannot starve timers or the other interfaces. */
#define POLL_BUDGET_PER_IFACE 512

/* The protocol modules, brought up in this order and down in the reverse. */
static const struct {
	const char *name;
	int (*init)(struct ustack *st);
	void (*fini)(struct ustack *st);
} modules[] = {
	{ "arp", arp_init, arp_free },
	{ "proto", proto_init, proto_free },
	{ "ipv4", ipv4_init, ipv4_free },
	{ "ipv6", ipv6_init, ipv6_free },
	{ "icmp", icmp_init, icmp_free },
	{ "icmp6", icmpv6_init, icmpv6_free },
	{ "igmp", igmp_init, igmp_free },
	{ "mld6", mld6_init, mld6_free },
	{ "nd", nd_init, nd_free },
	{ "udp", udp_init, udp_free },
	{ "tcp", tcp_init, tcp_free },
	{ "socket", sock_init, sock_free },
	{ "dns", dns_init, dns_free },
};
#define N_MODULES (sizeof(modules) / sizeof(modules[0]))

/* --- configuration and lifecycle --- */

static void config_defaults(struct ustack_config *c)
{
	if (!c->name || !c->name[0])
		c->name = "ustack";
	if (!c->pkt_max)
		c->pkt_max = 4096;
	if (!c->reasm_max_bytes)
		c->reasm_max_bytes = 256 * 1024;
	if (!c->reasm_timeout_us)
		c->reasm_timeout_us = 30u * 1000 * 1000;
	if (!c->arp_cache_max)
		c->arp_cache_max = 256;
	if (!c->arp_queue_max)
		c->arp_queue_max = 64;   /* a 64 KiB datagram is 45 fragments at MTU 1500 */
	if (!c->default_ttl)
		c->default_ttl = 64;
	if (!c->tcp_msl_ms)
		c->tcp_msl_ms = 30000;
	if (!c->tcp_min_rto_ms)
		c->tcp_min_rto_ms = 200;
	if (!c->tcp_initial_rto_ms)
		c->tcp_initial_rto_ms = 1000;
}

/* A seed from the kernel when the user gave none (never 0, so it can be reported and
 * replayed). */
static uint64_t seed_from_os(void)
{
	uint64_t seed = 0;

	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint64_t)(uintptr_t)&seed ^ 0x5eed5eed5eed5eedull;
	return seed ? seed : 1;
}

struct ustack *ustack_new(const struct ustack_config *cfg)
{
	struct ustack *st = calloc(1, sizeof(*st));
	size_t up = 0;

	if (!st) {
		errno = ENOMEM;
		return NULL;
	}
	if (cfg)
		st->cfg = *cfg;
	if (st->cfg.fd_base < 0 || st->cfg.fd_base > (1 << 30)) {
		free(st);
		errno = EINVAL;
		return NULL;
	}
	config_defaults(&st->cfg);
	snprintf(st->name, sizeof(st->name), "%s", st->cfg.name);
	st->cfg.name = st->name;
	if (!st->cfg.seed)
		st->cfg.seed = seed_from_os();
	rng_seed(st->rng, st->cfg.seed);
	for (int i = 0; i < USTACK_MAX_IFACES; i++)
		st->ifaces[i].index = i;
	if (pthread_mutex_init(&st->lock, NULL) != 0) {
		free(st);
		errno = ENOMEM;
		return NULL;
	}
	for (up = 0; up < N_MODULES; up++)
		if (modules[up].init(st) != 0)
			goto err;
	return st;
err:
	while (up-- > 0)
		modules[up].fini(st);
	timer_heap_destroy(st);
	pkt_pool_destroy(st);
	pthread_mutex_destroy(&st->lock);
	free(st);
	errno = ENOMEM;
	return NULL;
}

void ustack_free(struct ustack *st)
{
	size_t i = N_MODULES;

	if (!st)
		return;
	if (st->runner)
		runner_stop(st);
	while (i-- > 0)
		modules[i].fini(st);
	for (int k = USTACK_MAX_IFACES - 1; k >= 0; k--) {
		struct iface *ifp = &st->ifaces[k];

		if (ifp->used && ifp->dev)
			ustack_dev_close(ifp->dev);
		ifp->dev = NULL;
		ifp->used = ifp->up = false;
	}
	timer_heap_destroy(st);
	pkt_pool_destroy(st);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

const char *ustack_name(const struct ustack *st)
{
	return st->name;
}

/* --- random numbers --- */

uint64_t stack_rand64(struct ustack *st)
{
	return rng_next(st->rng);
}

uint32_t stack_rand32(struct ustack *st)
{
	return (uint32_t)(rng_next(st->rng) >> 32);
}

void stack_rand_bytes(struct ustack *st, void *buf, size_t len)
{
	uint8_t *b = buf;

	while (len > 0) {
		uint64_t r = rng_next(st->rng);
		size_t n = len < sizeof(r) ? len : sizeof(r);

		memcpy(b, &r, n);
		b += n;
		len -= n;
	}
}

/* --- locking --- */

void stack_lock(struct ustack *st)
{
	pthread_mutex_lock(&st->lock);
	if (st->clock) {
		uint64_t now = st->clock();

		if (now > st->now)
			st->now = now;
	}
}

void stack_unlock(struct ustack *st)
{
	runner_kick_if_needed(st);
	pthread_mutex_unlock(&st->lock);
}

/* --- driving --- */

/* Bytes a receive buffer needs on ifp: the larger of the interface's and the device's
 * MTU, plus the Ethernet header. */
static size_t rx_frame_cap(const struct iface *ifp)
{
	unsigned mtu = ifp->mtu > ifp->dev->mtu ? ifp->mtu : ifp->dev->mtu;
	size_t cap = (size_t)mtu + ETH_HDR_LEN;

	return cap > USTACK_DEV_MAX_FRAME ? USTACK_DEV_MAX_FRAME : cap;
}

/* A frame read with its meta (a device with offloads): what the device says about it
 * goes into p. Returns false if the frame is to be dropped. A partial checksum of
 * anything but TCP (over IPv4, or IPv6 with no extension header) is finished here;
 * TCP's is left (the kernel vouches for the data) and finished only if the packet is
 * forwarded to a device that cannot. A super-segment must be TCP of the family its
 * gso_type names, in a frame of that family's EtherType. */
static bool rx_meta(struct pkt *p, const struct ustack_frame_meta *m)
{
	struct gso_tcp g;
	bool ip4 = p->len >= ETH_HDR_LEN && p->data[12] == 0x08 && p->data[13] == 0x00;
	bool ip6 = p->len >= ETH_HDR_LEN && p->data[12] == 0x86 && p->data[13] == 0xdd;
	bool tcp = (ip4 || ip6) && gso_tcp_parse(p->data, p->len, ETH_HDR_LEN, &g) == 0 &&
		   g.v6 == ip6;

	if (m->gso_type != USTACK_GSO_NONE) {
		if (!tcp || m->gso_type != gso_tcp_type(&g))
			return false;
		if (g.payload > m->gso_size)
			p->gso_size = m->gso_size;
	}
	if (m->flags & USTACK_META_CSUM_PARTIAL) {
		if (tcp && m->csum_start == g.l4 && m->csum_offset == 16)
			p->csum = PKT_CSUM_PARTIAL;
		else if (gso_csum_complete(p->data, p->len, m->csum_start, m->csum_offset) != 0)
			return false;
	} else if (m->flags & USTACK_META_CSUM_VALID) {
		p->csum = PKT_CSUM_VALID;
	}
	return true;
}

/* Take up to POLL_BUDGET_PER_IFACE frames from ifp's device into the stack. A device
 * with offloads may hand super-segments up to its gso_max: those are read into a
 * large buffer; a frame that turns out small is copied into a pooled one so the large
 * buffer serves the next read. */
static int poll_iface(struct ustack *st, struct iface *ifp, uint64_t now)
{
	struct ustack_dev *dev = ifp->dev;
	size_t cap = rx_frame_cap(ifp);
	bool meta = dev->offloads && dev->ops->recv_meta;
	struct pkt *big = NULL;
	int handled = 0;

	if (meta && (dev->offloads & USTACK_DEV_RX_GSO) && dev->gso_max + ETH_HDR_LEN > cap)
		cap = (size_t)dev->gso_max + ETH_HDR_LEN;
	/* A device without an fd that says when its next frame is due (loopback) is not
	 * asked before then: no buffer is taken for nothing. */
	if (dev->fd < 0 && dev->ops->next_deadline && dev->ops->next_deadline(dev) > now)
		return 0;
	while (handled < POLL_BUDGET_PER_IFACE) {
		struct pkt *p = big ? big : pkt_alloc(st, cap);
		struct ustack_frame_meta m;
		int n;

		big = NULL;
		if (!p)
			break;   /* pool empty: frames wait in the device */
		n = meta ? dev->ops->recv_meta(dev, p->data, cap, &m, now) :
			   dev->ops->recv(dev, p->data, cap, now);
		if (n <= 0) {
			pkt_free(st, p);
			break;
		}
		if (p->cap > PKT_SMALL_CAP && (size_t)n + PKT_HEADROOM <= PKT_SMALL_CAP) {
			struct pkt *s = pkt_alloc(st, (size_t)n);

			if (s) {
				memcpy(s->data, p->data, (size_t)n);
				big = p;
				p = s;
			}
		}
		p->len = (size_t)n;
		p->ifindex = ifp->index;
		p->rx_time = now;
		handled++;
		if (meta && !rx_meta(p, &m)) {
			stack_drop(st, USTACK_DROP_DEV_BAD_META, ifp->index, p->data, p->len);
			pkt_free(st, p);
			continue;
		}
		eth_input(st, ifp, p);
	}
	if (big)
		pkt_free(st, big);
	return handled;
}

int stack_step_locked(struct ustack *st, uint64_t now_us)
{
	int handled = 0;

	st->driven = true;
	if (now_us > st->now)
		st->now = now_us;
	sock_defer_wakes(st);           /* a reader woken by the first segment of a burst */
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {   /* would wait for the lock anyway */
		struct iface *ifp = &st->ifaces[i];

		if (ifp->used && ifp->up && ifp->dev)
			handled += poll_iface(st, ifp, st->now);
	}
	timer_run(st, st->now);
	sock_flush_wakes(st);           /* each woken thread signalled once */
	return handled;
}

int ustack_step(struct ustack *st, uint64_t now_us)
{
	pthread_mutex_lock(&st->lock);
	int handled = stack_step_locked(st, now_us);
	pthread_mutex_unlock(&st->lock);
	return handled;
}

uint64_t stack_next_deadline_locked(struct ustack *st)
{
	uint64_t next = timer_next(st);

	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		struct iface *ifp = &st->ifaces[i];
		uint64_t d;

		if (!ifp->used || !ifp->up || !ifp->dev || !ifp->dev->ops->next_deadline)
			continue;
		d = ifp->dev->ops->next_deadline(ifp->dev);
		if (d < next)
			next = d;
	}
	return next;
}

uint64_t ustack_next_deadline(struct ustack *st)
{
	uint64_t next;

	pthread_mutex_lock(&st->lock);
	next = stack_next_deadline_locked(st);
	pthread_mutex_unlock(&st->lock);
	return next;
}

uint64_t ustack_now(struct ustack *st)
{
	uint64_t now;

	pthread_mutex_lock(&st->lock);
	now = st->now;
	pthread_mutex_unlock(&st->lock);
	return now;
}

/* --- interfaces and routes --- */

/* A loopback device is told by its name, "lo" (ustack_loopback_new; the pcap wrapper
 * keeps the inner name). */
static bool dev_is_loopback(const struct ustack_dev *dev)
{
	return strcmp(dev->name, "lo") == 0;
}

int ustack_if_add(struct ustack *st, struct ustack_dev *dev, struct in_addr addr, int prefix_len)
{
	struct iface *ifp = NULL;
	uint32_t a = ntohl(addr.s_addr);

	if (!dev || !dev->ops || !dev->ops->send || !dev->ops->recv || prefix_len < 0 ||
	    prefix_len > 32) {
		errno = EINVAL;
		return -1;
	}
	stack_lock(st);
	for (int i = 0; i < USTACK_MAX_IFACES; i++) {
		if (!st->ifaces[i].used) {
			ifp = &st->ifaces[i];
			break;
		}
	}
	if (!ifp) {
		stack_unlock(st);
		errno = ENOSPC;
		return -1;
	}
	memset(ifp, 0, sizeof(*ifp));
	ifp->index = (int)(ifp - st->ifaces);
	ifp->used = true;
	ifp->dev = dev;
	ifp->loopback = dev_is_loopback(dev);
	snprintf(ifp->name, sizeof(ifp->name), "%s", dev->name[0] ? dev->name : "eth");
	memcpy(ifp->mac, dev->mac, sizeof(ifp->mac));
	ifp->mtu = dev->mtu ? dev->mtu : 1500;
	ifp->addr = a;
	ifp->prefix = (uint8_t)prefix_len;
	ifp->mask = prefix_to_mask(prefix_len);
	ifp->up = true;
	if (ifp->index >= st->n_ifaces)
		st->n_ifaces = ifp->index + 1;
	if (route_add(st, a & ifp->mask, prefix_len, 0, ifp->index, ROUTE_CONNECTED) != 0) {
		int err = errno;

		memset(ifp, 0, sizeof(*ifp));
		ifp->index = (int)(ifp - st->ifaces);
		stack_unlock(st);
		errno = err;
		return -1;
	}
	trace_state(st, "iface", ifp->index, "DOWN", "UP", "%s up %u.%u.%u.%u/%d mtu %u",
		    ifp->name, a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff, prefix_len,
		    ifp->mtu);
	if (!ifp->loopback)
		arp_announce(st, ifp);
	nd_iface_up(st, ifp);
	stack_unlock(st);
	return ifp->index;
}

int ustack_if_set_mtu(struct ustack *st, int ifindex, unsigned mtu)
{
	struct iface *ifp;

	/* RFC 791: every host must take a 68-byte datagram unfragmented. */
	if (mtu < 68 || mtu > USTACK_DEV_MAX_FRAME - ETH_HDR_LEN) {
		errno = EINVAL;
		return -1;
	}
	stack_lock(st);
	ifp = iface_get(st, ifindex);
	if (!ifp) {
		stack_unlock(st);
		errno = ENODEV;
		return -1;
	}
	ifp->mtu = mtu;
	stack_unlock(st);
	return 0;
}

int ustack_if_mac(struct ustack *st, int ifindex, uint8_t mac[6])
{
	struct iface *ifp;

	stack_lock(st);
	ifp = iface_get(st, ifindex);
	if (ifp)
		memcpy(mac, ifp->mac, 6);
	stack_unlock(st);
	if (!ifp) {
		errno = ENODEV;
		return -1;
	}
	return 0;
}

/* --- counters --- */

static const char *const drop_names[USTACK_DROP_MAX] = {
#define DROP_TEXT_(name, text) text,
	USTACK_DROP_REASONS(DROP_TEXT_)
#undef DROP_TEXT_
};

const char *ustack_drop_name(int reason)
{
	if (reason < 0 || reason >= USTACK_DROP_MAX)
		return "unknown drop reason";
	return drop_names[reason];
}

void ustack_get_stats(struct ustack *st, struct ustack_stats *out)
{
	pthread_mutex_lock(&st->lock);
	*out = st->stats;
	pthread_mutex_unlock(&st->lock);
}

/* Every counter of struct ustack_stats but the drops, by name. */
#define STATS_FIELDS(X) \
	X(eth_in) X(eth_out) \
	X(arp_in) X(arp_out) X(arp_requests) X(arp_replies) \
	X(ip_in) X(ip_out) X(ip_delivered) X(ip_forwarded) X(ip_frag_out) X(ip_reasm_ok) \
	X(icmp_in) X(icmp_out) X(icmp_echo_replies_out) X(igmp_in) X(igmp_out) \
	X(ip6_in) X(ip6_out) X(ip6_delivered) X(ip6_forwarded) X(ip6_frag_out) X(ip6_reasm_ok) \
	X(icmp6_in) X(icmp6_out) X(icmp6_echo_replies_out) \
	X(nd_in) X(nd_ns_out) X(nd_na_out) X(nd_rs_out) X(nd_dad_failed) X(mld_out) X(nd_ip6_disabled) \
	X(nd_idgen_retries) X(nd_idgen_failed) \
	X(udp_in) X(udp_out) \
	X(tcp_in) X(tcp_out) X(tcp_retransmits) X(tcp_rst_in) X(tcp_rst_out) \
	X(tcp_conn_opened) X(tcp_conn_accepted) X(tcp_conn_dropped) \
	X(tcp_fast_retransmits) X(tcp_timeouts) \
	X(tcp_syncookies_sent) X(tcp_syncookies_ok) X(tcp_syncookies_failed) \
	X(tcp_rack_lost) X(tcp_sack_rexmits) X(tcp_tlp_probes) X(tcp_spurious_rto) \
	X(tcp_dsack_sent) X(tcp_dsack_rcvd) X(tcp_dsack_undo) \
	X(dns_queries) X(dns_answers) X(dns_cache_hits) X(sock_wakeups) X(sock_timeouts)

void ustack_print_stats(struct ustack *st, void *FILE_ptr)
{
	FILE *f = FILE_ptr;
	struct ustack_stats s;

	ustack_get_stats(st, &s);
#define PRINT_FIELD_(field) \
	if (s.field) \
		fprintf(f, "%s %llu\n", #field, (unsigned long long)s.field);
	STATS_FIELDS(PRINT_FIELD_)
#undef PRINT_FIELD_
	for (int i = 0; i < USTACK_DROP_MAX; i++)
		if (s.drops[i])
			fprintf(f, "drop \"%s\" %llu\n", drop_names[i],
				(unsigned long long)s.drops[i]);
}

void ustack_set_trace(struct ustack *st, ustack_trace_fn fn, void *ctx)
{
	pthread_mutex_lock(&st->lock);
	st->trace_fn = fn;
	st->trace_ctx = ctx;
	pthread_mutex_unlock(&st->lock);
}
