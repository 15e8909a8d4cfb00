/* sim_net_ping.c - ARP, IPv4 and ICMP between stacks on vnets, on a virtual clock:
 * two hosts on one link (ARP exchange, cache states, aging, bounds, failure -> host
 * unreachable), two links joined by a ustack router (TTL, time exceeded, no route,
 * fragmentation at the source and at the router, DF -> frag needed), and an impaired
 * link (seeded loss, duplication, reordering) where ping must lose exactly what the
 * link lost and reassembly must end clean. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib_simnet.h"
#include "core/stack.h"
#include "net/ipv4.h"
#include "net/ipv4_frag.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define SEC 1000000ull
#define MS 1000ull

/* --- helpers --- */

static const struct ustack_neigh *find_neigh(struct ustack *st, const char *addr,
					     struct ustack_neigh *buf, size_t n)
{
	size_t k = ustack_neighbours(st, buf, n);
	uint32_t a = simnet_addr(addr);

	for (size_t i = 0; i < k; i++)
		if (buf[i].addr.s_addr == a)
			return &buf[i];
	return NULL;
}

static uint64_t drops(struct ustack *st, int reason)
{
	struct ustack_stats s;

	ustack_get_stats(st, &s);
	return s.drops[reason];
}

static struct ustack_stats stats(struct ustack *st)
{
	struct ustack_stats s;

	ustack_get_stats(st, &s);
	return s;
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

static void assert_from(const struct ustack_ping_reply *r, const char *addr)
{
	assert_int_equal(r->from.s_addr, simnet_addr(addr));
}

/* --- two hosts on one link --- */

struct lan {
	struct simnet *sn;
	struct ustack_vnet *vn;
	struct ustack *a, *b;
	struct ustack_dev *da, *db;
};

static void lan_setup(struct lan *l, const struct ustack_config *cfg)
{
	memset(l, 0, sizeof(*l));
	l->sn = simnet_new(1 * SEC);
	l->vn = simnet_vnet(l->sn);
	l->a = simnet_stack(l->sn, "a", cfg);
	l->b = simnet_stack(l->sn, "b", cfg);
	simnet_attach(l->sn, l->a, l->vn, "10.0.0.1/24", 0, NULL, &l->da);
	simnet_attach(l->sn, l->b, l->vn, "10.0.0.2/24", 0, NULL, &l->db);
	simnet_run_for(l->sn, 10 * MS);     /* gratuitous ARPs */
}

static void test_lan_ping(void **state)
{
	struct lan l;
	struct ustack_ping_reply r;
	struct ustack_neigh nb[8];
	const struct ustack_neigh *n;
	struct ustack_stats a0, b0;
	uint8_t mac_a[6], mac_b[6];

	(void)state;
	lan_setup(&l, NULL);
	ustack_vnet_port_link(l.da, 500, 0);
	ustack_vnet_port_link(l.db, 500, 0);
	ustack_if_mac(l.a, 0, mac_a);
	ustack_if_mac(l.b, 0, mac_b);
	a0 = stats(l.a);
	b0 = stats(l.b);

	assert_int_equal(simnet_ping(l.sn, l.a, "10.0.0.2", 7, 1, 56, 0, &r, 5 * SEC), 0);
	assert_int_equal(r.type, 0);
	assert_int_equal(r.code, 0);
	assert_int_equal(r.id, 7);
	assert_int_equal(r.seq, 1);
	assert_int_equal(r.ttl, 64);
	assert_int_equal(r.len, 64);
	assert_true(r.payload_ok);
	assert_from(&r, "10.0.0.2");
	assert_int_equal(r.rtt_us, 2000);           /* ARP request + reply, echo + reply */
	assert_int_equal(stats(l.a).arp_requests - a0.arp_requests, 1);
	assert_int_equal(stats(l.b).arp_replies - b0.arp_replies, 1);
	assert_int_equal(stats(l.b).icmp_echo_replies_out - b0.icmp_echo_replies_out, 1);

	/* Both caches: a learnt b from the reply, b learnt a from the request. */
	n = find_neigh(l.a, "10.0.0.2", nb, 8);
	assert_non_null(n);
	assert_string_equal(n->state, "REACHABLE");
	assert_memory_equal(n->mac, mac_b, 6);
	n = find_neigh(l.b, "10.0.0.1", nb, 8);
	assert_non_null(n);
	assert_string_equal(n->state, "REACHABLE");
	assert_memory_equal(n->mac, mac_a, 6);

	/* Second ping: no ARP, one round trip. */
	assert_int_equal(simnet_ping(l.sn, l.a, "10.0.0.2", 7, 2, 56, 0, &r, 5 * SEC), 0);
	assert_int_equal(r.rtt_us, 1000);
	assert_int_equal(stats(l.a).arp_requests - a0.arp_requests, 1);
	/* b pings a: it never has to ask. */
	assert_int_equal(simnet_ping(l.sn, l.b, "10.0.0.1", 9, 1, 0, 0, &r, 5 * SEC), 0);
	assert_int_equal(r.type, 0);
	assert_int_equal(r.len, 8);
	assert_true(r.payload_ok);
	assert_int_equal(stats(l.b).arp_requests - b0.arp_requests, 0);
	/* Ourselves, without a loopback device. */
	assert_int_equal(simnet_ping(l.sn, l.a, "10.0.0.1", 11, 1, 100, 0, &r, SEC), 0);
	assert_int_equal(r.type, 0);
	assert_from(&r, "10.0.0.1");
	assert_true(r.payload_ok);
	/* No route: the call says so. */
	assert_int_equal(ustack_ping_send(l.a, (struct in_addr){ simnet_addr("192.168.5.5") }, 7, 3,
					  NULL, 8, 0), -1);
	assert_int_equal(errno, ENETUNREACH);
	/* Nothing left queued for another id. */
	assert_int_equal(ustack_ping_recv(l.a, 7, &r, 0), -1);
	assert_int_equal(errno, EAGAIN);
	simnet_free(l.sn);
}

static void test_lan_loopback_device(void **state)
{
	struct simnet *sn = simnet_new(SEC);
	struct ustack *a = simnet_stack(sn, "a", NULL);
	struct ustack_vnet *vn = simnet_vnet(sn);
	struct in_addr lo = { .s_addr = simnet_addr("127.0.0.1") };
	struct ustack_ping_reply r;

	(void)state;
	assert_true(ustack_if_add(a, ustack_loopback_new(), lo, 8) >= 0);
	simnet_attach(sn, a, vn, "10.0.0.1/24", 0, NULL, NULL);
	assert_int_equal(simnet_ping(sn, a, "127.0.0.1", 1, 1, 56, 0, &r, SEC), 0);
	assert_int_equal(r.type, 0);
	assert_from(&r, "127.0.0.1");
	assert_int_equal(simnet_ping(sn, a, "127.0.0.9", 1, 2, 56, 0, &r, SEC), 0);
	assert_from(&r, "127.0.0.9");
	/* Our own address goes by the loopback device too, and a big one fits unfragmented. */
	assert_int_equal(simnet_ping(sn, a, "10.0.0.1", 1, 3, 5000, 0, &r, SEC), 0);
	assert_int_equal(r.type, 0);
	assert_true(r.payload_ok);
	assert_int_equal(stats(a).arp_requests, 1);   /* only the gratuitous one */
	simnet_free(sn);
}

static void test_arp_failure(void **state)
{
	struct lan l;
	struct ustack_ping_reply r;
	struct ustack_neigh nb[8];
	struct ustack_stats a0;

	(void)state;
	lan_setup(&l, NULL);
	a0 = stats(l.a);
	/* RFC 1122 §2.3.2.1: three requests one second apart, then give up. */
	assert_int_equal(simnet_ping(l.sn, l.a, "10.0.0.99", 3, 1, 56, 0, &r, 10 * SEC), 0);
	assert_int_equal(r.type, ICMP_DEST_UNREACH);
	assert_int_equal(r.code, ICMP_HOST_UNREACH);
	assert_int_equal(r.seq, 1);
	assert_from(&r, "10.0.0.1");
	assert_int_equal(r.rtt_us, 3 * SEC);
	assert_false(r.payload_ok);
	assert_int_equal(stats(l.a).arp_requests - a0.arp_requests, 3);
	assert_int_equal(drops(l.a, USTACK_DROP_ARP_UNRESOLVED), 1);
	assert_null(find_neigh(l.a, "10.0.0.99", nb, 8));

	/* The queue is bounded: 68 pings, 64 (the default bound) wait, 4 are dropped at once. */
	a0 = stats(l.a);
	for (int i = 0; i < 68; i++) {
		struct in_addr d = { .s_addr = simnet_addr("10.0.0.98") };

		assert_int_equal(ustack_ping_send(l.a, d, 4, (uint16_t)i, NULL, 10, 0), 0);
	}
	assert_int_equal(drops(l.a, USTACK_DROP_ARP_QUEUE_FULL), 4);
	/* Rate limit: more packets do not make more requests. */
	simnet_run_for(l.sn, 500 * MS);
	assert_int_equal(stats(l.a).arp_requests - a0.arp_requests, 1);
	simnet_run_for(l.sn, 4 * SEC);
	assert_int_equal(stats(l.a).arp_requests - a0.arp_requests, 3);
	assert_int_equal(drops(l.a, USTACK_DROP_ARP_UNRESOLVED), 65);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(ustack_ping_recv(l.a, 4, &r, 0), 0);
		assert_int_equal(r.type, ICMP_DEST_UNREACH);
		assert_int_equal(r.code, ICMP_HOST_UNREACH);
		assert_int_equal(r.seq, i);
	}
	assert_int_equal(ustack_ping_recv(l.a, 4, &r, 0), -1);
	assert_int_equal(pool_in_use(l.a), 0);
	simnet_free(l.sn);
}

static void test_arp_aging(void **state)
{
	struct lan l;
	struct ustack_ping_reply r;
	struct ustack_neigh nb[8];
	const struct ustack_neigh *n;
	struct ustack_stats a0;

	(void)state;
	lan_setup(&l, NULL);
	assert_int_equal(simnet_ping(l.sn, l.a, "10.0.0.2", 1, 1, 8, 0, &r, SEC), 0);
	simnet_run_for(l.sn, 31 * SEC);
	n = find_neigh(l.a, "10.0.0.2", nb, 8);
	assert_non_null(n);
	assert_string_equal(n->state, "STALE");
	assert_true(n->age_us >= 31 * SEC);
	/* A stale entry is used at once (no added delay) and re-confirmed by a unicast
	 * probe. */
	a0 = stats(l.a);
	assert_int_equal(simnet_ping(l.sn, l.a, "10.0.0.2", 1, 2, 8, 0, &r, SEC), 0);
	assert_int_equal(r.rtt_us, 0);
	simnet_run_for(l.sn, 10 * MS);
	assert_int_equal(stats(l.a).arp_requests - a0.arp_requests, 1);
	n = find_neigh(l.a, "10.0.0.2", nb, 8);
	assert_string_equal(n->state, "REACHABLE");
	assert_true(n->age_us < SEC);
	/* Unused: stale after 30 s, gone 60 s later. */
	simnet_run_for(l.sn, 95 * SEC);
	assert_null(find_neigh(l.a, "10.0.0.2", nb, 8));
	assert_int_equal(ustack_neighbours(l.b, nb, 8), 0);
	simnet_free(l.sn);
}

/* A minimal ARP frame from a raw port. */
static size_t arp_frame(uint8_t *f, uint16_t op, const uint8_t sha[6], const char *spa,
			const char *tpa, const uint8_t dst[6])
{
	memset(f, 0, 60);
	memcpy(f, dst, 6);
	memcpy(f + 6, sha, 6);
	be16_put(f + 12, 0x0806);
	be16_put(f + 14, 1);
	be16_put(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	be16_put(f + 20, op);
	memcpy(f + 22, sha, 6);
	memcpy(f + 28, &(uint32_t){ simnet_addr(spa) }, 4);
	memcpy(f + 38, &(uint32_t){ simnet_addr(tpa) }, 4);
	return 60;
}

static void test_arp_cache_bound(void **state)
{
	struct ustack_config cfg = { .arp_cache_max = 4 };
	struct lan l;
	struct ustack_neigh nb[16];
	struct ustack_dev *raw;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[60], buf[2048];
	char ip[16];

	(void)state;
	lan_setup(&l, &cfg);
	/* Six resolutions at once: four fit, all INCOMPLETE, the rest are refused. */
	for (int i = 0; i < 6; i++) {
		struct in_addr d;

		snprintf(ip, sizeof(ip), "10.0.0.%d", 50 + i);
		d.s_addr = simnet_addr(ip);
		assert_int_equal(ustack_ping_send(l.a, d, 1, (uint16_t)i, NULL, 8, 0), 0);
	}
	assert_int_equal(ustack_neighbours(l.a, nb, 16), 4);
	assert_int_equal(drops(l.a, USTACK_DROP_ARP_CACHE_FULL), 2);
	simnet_run_for(l.sn, 5 * SEC);
	assert_int_equal(ustack_neighbours(l.a, nb, 16), 0);

	/* Learning from requests addressed to us: the least recently confirmed entry
	 * makes room. A request for someone else teaches nothing. */
	raw = simnet_raw_port(l.sn, l.vn, NULL);
	for (int i = 0; i < 6; i++) {
		uint8_t mac[6] = { 0x02, 0xaa, 0, 0, 0, (uint8_t)i };

		snprintf(ip, sizeof(ip), "10.0.0.%d", 100 + i);
		simnet_raw_send(l.sn, raw, f, arp_frame(f, 1, mac, ip, "10.0.0.1", bcast));
		simnet_run_for(l.sn, SEC);
		/* The reply came back to us. */
		assert_true(simnet_raw_recv(l.sn, raw, buf, sizeof(buf)) >= 42);
		assert_int_equal(be16_get(buf + 20), 2);
		simnet_raw_flush(l.sn, raw);
	}
	assert_int_equal(ustack_neighbours(l.a, nb, 16), 4);
	assert_null(find_neigh(l.a, "10.0.0.100", nb, 16));
	assert_null(find_neigh(l.a, "10.0.0.101", nb, 16));
	assert_non_null(find_neigh(l.a, "10.0.0.105", nb, 16));
	{
		uint8_t mac[6] = { 0x02, 0xbb, 0, 0, 0, 1 };

		simnet_raw_send(l.sn, raw, f, arp_frame(f, 1, mac, "10.0.0.200", "10.0.0.2", bcast));
		simnet_run_for(l.sn, SEC);
		assert_null(find_neigh(l.a, "10.0.0.200", nb, 16));
		assert_true(drops(l.a, USTACK_DROP_ARP_NOT_FOR_US) >= 1);
		/* RFC 826 merge: a known sender is updated by any ARP, even one not for us. */
		mac[1] = 0xcc;
		simnet_raw_send(l.sn, raw, f, arp_frame(f, 1, mac, "10.0.0.105", "10.0.0.2", bcast));
		simnet_run_for(l.sn, SEC);
		assert_memory_equal(find_neigh(l.a, "10.0.0.105", nb, 16)->mac, mac, 6);
	}
	simnet_free(l.sn);
}

/* The first IPv4 frame a raw port has (drains the rest); its destination MAC and IP. */
static bool raw_ipv4(struct simnet *sn, struct ustack_dev *raw, uint8_t mac[6], uint32_t *dst)
{
	uint8_t f[2048];
	bool found = false;
	int n;

	while ((n = simnet_raw_recv(sn, raw, f, sizeof(f))) > 0) {
		if (found || n < 34 || be16_get(f + 12) != 0x0800)
			continue;
		memcpy(mac, f, 6);
		*dst = be32_get(f + 30);
		found = true;
	}
	return found;
}

/* Output of one datagram of proto 253 (experimental) from a, under its lock. */
static int send_raw_ip(struct ustack *st, const char *dst, bool bcast)
{
	struct ip_out_opts o = { .allow_bcast = bcast };
	struct pkt *p;
	int rc;

	pthread_mutex_lock(&st->lock);
	p = pkt_alloc(st, 16);
	memset(pkt_put(p, 16), 0xab, 16);
	rc = ipv4_output(st, p, 0, ntohl(simnet_addr(dst)), 253, &o);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static void test_addresses_and_broadcast(void **state)
{
	struct lan l;
	struct ustack_dev *raw;
	struct in_addr lo = { .s_addr = simnet_addr("127.0.0.1") };
	uint8_t mac[6];
	uint32_t dst, src;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 };

	(void)state;
	lan_setup(&l, NULL);
	raw = simnet_raw_port(l.sn, l.vn, NULL);
	assert_true(ustack_if_add(l.a, ustack_loopback_new(), lo, 8) >= 0);
	pthread_mutex_lock(&l.a->lock);
	assert_true(ipv4_is_local(l.a, ntohl(simnet_addr("10.0.0.1"))));
	assert_true(ipv4_is_local(l.a, ntohl(simnet_addr("127.0.0.5"))));
	assert_false(ipv4_is_local(l.a, ntohl(simnet_addr("10.0.0.2"))));
	assert_false(ipv4_is_local(l.a, 0));
	assert_true(ipv4_is_broadcast(l.a, 0xffffffffu));
	assert_true(ipv4_is_broadcast(l.a, ntohl(simnet_addr("10.0.0.255"))));
	assert_false(ipv4_is_broadcast(l.a, ntohl(simnet_addr("10.0.0.254"))));
	assert_false(ipv4_is_broadcast(l.a, ntohl(simnet_addr("127.255.255.255"))));
	assert_int_equal(ipv4_select_src(l.a, ntohl(simnet_addr("10.0.0.2")), &src), 0);
	assert_int_equal(src, ntohl(simnet_addr("10.0.0.1")));
	assert_int_equal(ipv4_select_src(l.a, ntohl(simnet_addr("10.0.0.1")), &src), 0);
	assert_int_equal(src, ntohl(simnet_addr("10.0.0.1")));
	assert_int_equal(ipv4_select_src(l.a, ntohl(simnet_addr("127.0.0.3")), &src), 0);
	assert_int_equal(src, ntohl(simnet_addr("127.0.0.1")));
	assert_int_equal(ipv4_select_src(l.a, ntohl(simnet_addr("8.8.8.8")), &src), -ENETUNREACH);
	assert_int_equal(ipv4_route_mtu(l.a, ntohl(simnet_addr("10.0.0.2"))), 1500);
	assert_int_equal(ipv4_route_mtu(l.a, ntohl(simnet_addr("8.8.8.8"))), 576);
	pthread_mutex_unlock(&l.a->lock);
	simnet_gateway(l.a, "10.0.0.254");
	pthread_mutex_lock(&l.a->lock);
	assert_int_equal(ipv4_select_src(l.a, ntohl(simnet_addr("8.8.8.8")), &src), 0);
	assert_int_equal(src, ntohl(simnet_addr("10.0.0.1")));
	pthread_mutex_unlock(&l.a->lock);

	/* Broadcasts need permission (SO_BROADCAST), and go to ff:ff:ff:ff:ff:ff without ARP. */
	simnet_raw_flush(l.sn, raw);
	assert_int_equal(send_raw_ip(l.a, "10.0.0.255", false), -EACCES);
	assert_int_equal(send_raw_ip(l.a, "255.255.255.255", false), -EACCES);
	assert_int_equal(send_raw_ip(l.a, "10.0.0.255", true), 0);
	simnet_run_for(l.sn, MS);
	assert_true(raw_ipv4(l.sn, raw, mac, &dst));
	assert_memory_equal(mac, bcast, 6);
	assert_int_equal(dst, ntohl(simnet_addr("10.0.0.255")));
	assert_int_equal(send_raw_ip(l.a, "255.255.255.255", true), 0);
	simnet_run_for(l.sn, MS);
	assert_true(raw_ipv4(l.sn, raw, mac, &dst));
	assert_memory_equal(mac, bcast, 6);
	/* b took the broadcasts as its own, found no protocol 253, and said nothing. */
	assert_int_equal(drops(l.b, USTACK_DROP_IP_UNKNOWN_PROTO), 2);
	/* A group: on the link, mapped MAC, never via the gateway. */
	assert_int_equal(send_raw_ip(l.a, "239.129.2.3", false), 0);
	simnet_run_for(l.sn, MS);
	assert_true(raw_ipv4(l.sn, raw, mac, &dst));
	assert_memory_equal(mac, mcast, 6);
	assert_int_equal(stats(l.a).arp_requests, 1);
	simnet_free(l.sn);
}

/* --- two links and a router --- */

struct routed {
	struct simnet *sn;
	struct ustack_vnet *n1, *n2;
	struct ustack *a, *r, *b;
	int r_if1, r_if2, b_if;
	struct ustack_dev *da;
};

static void routed_setup(struct routed *t, const struct ustack_impair *imp)
{
	struct ustack_config rc = { .forwarding = true };

	memset(t, 0, sizeof(*t));
	t->sn = simnet_new(SEC);
	t->n1 = simnet_vnet(t->sn);
	t->n2 = simnet_vnet(t->sn);
	t->a = simnet_stack(t->sn, "a", NULL);
	t->r = simnet_stack(t->sn, "router", &rc);
	t->b = simnet_stack(t->sn, "b", NULL);
	simnet_attach(t->sn, t->a, t->n1, "10.0.1.10/24", 0, imp, &t->da);
	t->r_if1 = simnet_attach(t->sn, t->r, t->n1, "10.0.1.1/24", 0, NULL, NULL);
	t->r_if2 = simnet_attach(t->sn, t->r, t->n2, "10.0.2.1/24", 0, NULL, NULL);
	t->b_if = simnet_attach(t->sn, t->b, t->n2, "10.0.2.10/24", 0, NULL, NULL);
	simnet_gateway(t->a, "10.0.1.1");
	simnet_gateway(t->b, "10.0.2.1");
	simnet_run_for(t->sn, 10 * MS);
}

static void test_routed_ping_ttl(void **state)
{
	struct routed t;
	struct ustack_ping_reply r;

	(void)state;
	routed_setup(&t, NULL);
	assert_int_equal(simnet_ping(t.sn, t.a, "10.0.2.10", 1, 1, 56, 0, &r, 5 * SEC), 0);
	assert_int_equal(r.type, 0);
	assert_int_equal(r.ttl, 63);                 /* one hop: the router decremented */
	assert_true(r.payload_ok);
	assert_from(&r, "10.0.2.10");
	assert_int_equal(stats(t.r).ip_forwarded, 2);
	/* The router answers for itself, on either address. */
	assert_int_equal(simnet_ping(t.sn, t.a, "10.0.2.1", 1, 2, 56, 0, &r, 5 * SEC), 0);
	assert_int_equal(r.ttl, 64);
	assert_from(&r, "10.0.2.1");

	/* TTL 1: the router says time exceeded (RFC 1812 §5.3.1). */
	assert_int_equal(simnet_ping(t.sn, t.a, "10.0.2.10", 1, 3, 56, 1, &r, 5 * SEC), 0);
	assert_int_equal(r.type, ICMP_TIME_EXCEEDED);
	assert_int_equal(r.code, ICMP_TTL_EXCEEDED);
	assert_int_equal(r.seq, 3);
	assert_from(&r, "10.0.1.1");
	assert_int_equal(drops(t.r, USTACK_DROP_IP_TTL_EXPIRED), 1);
	/* TTL 2 gets there. */
	assert_int_equal(simnet_ping(t.sn, t.a, "10.0.2.10", 1, 4, 56, 2, &r, 5 * SEC), 0);
	assert_int_equal(r.type, 0);

	/* No route at the router: net unreachable. */
	assert_int_equal(simnet_ping(t.sn, t.a, "10.0.3.5", 1, 5, 56, 0, &r, 5 * SEC), 0);
	assert_int_equal(r.type, ICMP_DEST_UNREACH);
	assert_int_equal(r.code, ICMP_NET_UNREACH);
	assert_from(&r, "10.0.1.1");
	assert_int_equal(drops(t.r, USTACK_DROP_IP_NO_ROUTE), 1);
	/* No such host behind the router: host unreachable after its ARP gives up. */
	assert_int_equal(simnet_ping(t.sn, t.a, "10.0.2.77", 1, 6, 56, 0, &r, 10 * SEC), 0);
	assert_int_equal(r.type, ICMP_DEST_UNREACH);
	assert_int_equal(r.code, ICMP_HOST_UNREACH);
	assert_from(&r, "10.0.1.1");
	assert_int_equal(drops(t.r, USTACK_DROP_ARP_UNRESOLVED), 1);
	simnet_free(t.sn);
}

static void test_routed_fragments(void **state)
{
	struct routed t;
	struct ustack_ping_reply r;
	struct ustack_stats a0, b0, r0;

	(void)state;
	routed_setup(&t, NULL);
	a0 = stats(t.a);
	b0 = stats(t.b);
	/* 4000 bytes of payload: three fragments each way, reassembled at each end. */
	assert_int_equal(simnet_ping(t.sn, t.a, "10.0.2.10", 2, 1, 4000, 0, &r, 5 * SEC), 0);
	assert_int_equal(r.type, 0);
	assert_int_equal(r.len, 4008);
	assert_true(r.payload_ok);
	assert_int_equal(stats(t.a).ip_frag_out - a0.ip_frag_out, 3);
	assert_int_equal(stats(t.b).ip_reasm_ok - b0.ip_reasm_ok, 1);
	assert_int_equal(stats(t.b).ip_frag_out - b0.ip_frag_out, 3);
	assert_int_equal(stats(t.a).ip_reasm_ok - a0.ip_reasm_ok, 1);
	assert_int_equal(simnet_ping(t.sn, t.b, "10.0.1.10", 2, 2, 4000, 0, &r, 5 * SEC), 0);
	assert_int_equal(r.type, 0);
	assert_true(r.payload_ok);
	assert_int_equal(r.ttl, 63);
	/* The largest echo there is. */
	assert_int_equal(simnet_ping(t.sn, t.a, "10.0.2.10", 2, 3, 65507, 0, &r, 5 * SEC), 0);
	assert_true(r.payload_ok);
	assert_int_equal(r.len, 65515);
	assert_int_equal(ustack_ping_send(t.a, (struct in_addr){ simnet_addr("10.0.2.10") }, 2, 4,
					  NULL, 65508, 0), -1);
	assert_int_equal(errno, EMSGSIZE);

	/* A smaller MTU behind the router: the router fragments what a sends whole. */
	assert_int_equal(ustack_if_set_mtu(t.r, t.r_if2, 576), 0);
	assert_int_equal(ustack_if_set_mtu(t.b, t.b_if, 576), 0);
	r0 = stats(t.r);
	assert_int_equal(simnet_ping(t.sn, t.a, "10.0.2.10", 2, 5, 1400, 0, &r, 5 * SEC), 0);
	assert_true(r.payload_ok);
	assert_int_equal(stats(t.r).ip_frag_out - r0.ip_frag_out, 3);   /* 552 + 552 + 304 */
	assert_int_equal(reasm_bytes(t.a), 0);
	assert_int_equal(reasm_bytes(t.b), 0);
	assert_int_equal(pool_in_use(t.a), 0);
	assert_int_equal(pool_in_use(t.b), 0);
	assert_int_equal(pool_in_use(t.r), 0);
	simnet_free(t.sn);
}

/* Seen by a's trace hook: ICMP frag-needed frames and their next-hop MTU. */
struct frag_needed_seen {
	int count;
	unsigned mtu;
};

static void frag_needed_hook(void *ctx, const struct ustack_trace *ev)
{
	struct frag_needed_seen *s = ctx;
	const uint8_t *f = ev->frame;

	if (ev->kind != USTACK_TRACE_RX || ev->frame_len < 14 + 20 + 8 || be16_get(f + 12) != 0x0800)
		return;
	f += 14;
	if (f[9] != IP_PROTO_ICMP)
		return;
	f += (f[0] & 0xf) * 4;
	if (f[0] == ICMP_DEST_UNREACH && f[1] == ICMP_FRAG_NEEDED) {
		s->count++;
		s->mtu = be16_get(f + 6);
	}
}

static void test_routed_df(void **state)
{
	struct routed t;
	struct frag_needed_seen seen = { 0 };
	struct ip_out_opts df = { .df = true };
	struct pkt *p;
	int rc;

	(void)state;
	routed_setup(&t, NULL);
	assert_int_equal(ustack_if_set_mtu(t.r, t.r_if2, 576), 0);
	ustack_set_trace(t.a, frag_needed_hook, &seen);
	/* A 1000-byte echo request with DF from a: fits a's link, not the next one. */
	pthread_mutex_lock(&t.a->lock);
	p = pkt_alloc(t.a, 1000);
	memset(pkt_put(p, 1000), 0, 1000);
	{
		struct icmp_repr ir = { .type = ICMP_ECHO_REQUEST, .id = 77, .seq = 1, .data_len = 992 };

		icmp_emit(&ir, p->data);
	}
	rc = ipv4_output(t.a, p, 0, ntohl(simnet_addr("10.0.2.10")), IP_PROTO_ICMP, &df);
	assert_int_equal(rc, 0);
	/* Larger than a's own MTU with DF: refused at once. */
	p = pkt_alloc(t.a, 2000);
	memset(pkt_put(p, 2000), 0, 2000);
	rc = ipv4_output(t.a, p, 0, ntohl(simnet_addr("10.0.2.10")), IP_PROTO_ICMP, &df);
	assert_int_equal(rc, -EMSGSIZE);
	pthread_mutex_unlock(&t.a->lock);
	simnet_run_for(t.sn, SEC);
	assert_int_equal(seen.count, 1);
	assert_int_equal(seen.mtu, 576);
	assert_int_equal(drops(t.r, USTACK_DROP_IP_DF_TOO_BIG), 1);
	/* a's own refusal was reported to a itself, as frag-needed with its MTU. */
	assert_int_equal(drops(t.a, USTACK_DROP_IP_DF_TOO_BIG), 1);
	assert_int_equal(stats(t.a).icmp_in, 2);
	ustack_set_trace(t.a, NULL, NULL);
	simnet_free(t.sn);
}

/* --- an impaired link --- */

#define N_PINGS 200

/* Seen by a's trace hook: which echo replies (by seq) reached a's Ethernet input. */
struct replies_seen {
	uint16_t id;
	bool seq[N_PINGS];
};

static void replies_hook(void *ctx, const struct ustack_trace *ev)
{
	struct replies_seen *s = ctx;
	const uint8_t *f = ev->frame;

	if (ev->kind != USTACK_TRACE_RX || ev->frame_len < 14 + 20 + 8 || be16_get(f + 12) != 0x0800)
		return;
	f += 14;
	if (f[9] != IP_PROTO_ICMP || (be16_get(f + 6) & 0x3fff) != 0)
		return;
	f += (f[0] & 0xf) * 4;
	if (f[0] == ICMP_ECHO_REPLY && be16_get(f + 4) == s->id && be16_get(f + 6) < N_PINGS)
		s->seq[be16_get(f + 6)] = true;
}

static void test_impaired_ping(void **state)
{
	struct ustack_impair imp = { .seed = 4242, .loss = 0.2, .duplicate = 0.1, .reorder = 0.1,
				     .rx = true };
	struct lan l;
	struct ustack_dev *dimp;
	struct replies_seen seen = { .id = 5 };
	struct ustack_impair_stats is;
	struct ustack_ping_reply r;
	bool got[N_PINGS] = { false };
	int n_got = 0, n_seen = 0, n_dup = 0;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.sn = simnet_new(SEC);
	l.vn = simnet_vnet(l.sn);
	l.a = simnet_stack(l.sn, "a", NULL);
	l.b = simnet_stack(l.sn, "b", NULL);
	simnet_attach(l.sn, l.a, l.vn, "10.0.0.1/24", 0, &imp, &dimp);
	simnet_attach(l.sn, l.b, l.vn, "10.0.0.2/24", 0, NULL, NULL);
	ustack_set_trace(l.a, replies_hook, &seen);
	for (int i = 0; i < N_PINGS; i++) {
		struct in_addr d = { .s_addr = simnet_addr("10.0.0.2") };

		assert_int_equal(ustack_ping_send(l.a, d, 5, (uint16_t)i, NULL, 56, 0), 0);
		simnet_run_for(l.sn, 200 * MS);
	}
	simnet_run_for(l.sn, 5 * SEC);
	ustack_set_trace(l.a, NULL, NULL);
	while (ustack_ping_recv(l.a, 5, &r, 0) == 0) {
		assert_int_equal(r.type, 0);
		assert_true(r.payload_ok);
		assert_true(r.seq < N_PINGS);
		if (got[r.seq]) {
			n_dup++;                        /* reported again: ping says DUP! */
			continue;
		}
		got[r.seq] = true;
		n_got++;
	}
	for (int i = 0; i < N_PINGS; i++) {
		/* Exactly the replies the link delivered, nothing more, nothing less. */
		assert_int_equal(got[i], seen.seq[i]);
		n_seen += seen.seq[i];
	}
	ustack_impair_get_stats(dimp, &is);
	assert_int_equal(n_got, n_seen);
	assert_true(is.lost > 0 && is.duplicated > 0 && is.reordered > 0);
	assert_true(n_dup > 0 && (uint64_t)n_dup <= is.duplicated);
	assert_true((uint64_t)(N_PINGS - n_got) <= is.lost);   /* each miss cost a lost frame */
	assert_true(n_got > N_PINGS / 2);
	assert_int_equal(pool_in_use(l.a), 0);
	assert_int_equal(pool_in_use(l.b), 0);
	simnet_free(l.sn);
}

static void test_impaired_fragments(void **state)
{
	struct ustack_impair imp = { .seed = 99, .loss = 0.2, .duplicate = 0.2, .reorder = 0.2,
				     .rx = true };
	struct routed t;
	struct ustack_ping_reply r;
	bool answered[40] = { false };
	int ok = 0, errs = 0;

	(void)state;
	routed_setup(&t, &imp);
	for (int i = 0; i < 40; i++) {
		struct in_addr d = { .s_addr = simnet_addr("10.0.2.10") };

		assert_int_equal(ustack_ping_send(t.a, d, 6, (uint16_t)i, NULL, 4000, 0), 0);
		simnet_run_for(t.sn, 500 * MS);
	}
	/* Past the reassembly timeout: whatever did not complete is gone. */
	simnet_run_for(t.sn, 40 * SEC);
	while (ustack_ping_recv(t.a, 6, &r, 0) == 0) {
		assert_true(r.seq < 40);
		if (r.type == 0 && answered[r.seq])
			continue;                       /* a duplicate, reassembled twice */
		answered[r.seq] = true;
		if (r.type == 0) {
			assert_true(r.payload_ok);
			assert_int_equal(r.len, 4008);
			ok++;
		} else {
			/* b's reassembly timed out with the first fragment in hand. */
			assert_int_equal(r.type, ICMP_TIME_EXCEEDED);
			assert_int_equal(r.code, ICMP_FRAG_TIME_EXCEEDED);
			errs++;
		}
	}
	assert_true(ok > 0);
	assert_true(ok + errs <= 40);
	assert_int_equal(drops(t.a, USTACK_DROP_FRAG_OVERLAP), 0);   /* duplicates are harmless */
	assert_int_equal(drops(t.b, USTACK_DROP_FRAG_OVERLAP), 0);
	assert_true(drops(t.a, USTACK_DROP_FRAG_TIMEOUT) + drops(t.b, USTACK_DROP_FRAG_TIMEOUT) > 0);
	assert_int_equal(reasm_bytes(t.a), 0);
	assert_int_equal(reasm_bytes(t.b), 0);
	assert_int_equal(pool_in_use(t.a), 0);
	assert_int_equal(pool_in_use(t.b), 0);
	assert_int_equal(pool_in_use(t.r), 0);
	simnet_free(t.sn);
}

/* The ping API with real threads: each stack on its own runner, ustack_ping_recv
 * blocking on its condition variable (CLOCK_MONOTONIC) until the reply or the timeout. */
static void test_runner_blocking_recv(void **state)
{
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack *a = ustack_new(&(struct ustack_config){ .name = "a", .seed = 1 });
	struct ustack *b = ustack_new(&(struct ustack_config){ .name = "b", .seed = 2 });
	struct in_addr aa = { .s_addr = simnet_addr("10.0.0.1") };
	struct in_addr ba = { .s_addr = simnet_addr("10.0.0.2") };
	struct in_addr nobody = { .s_addr = simnet_addr("10.0.0.3") };
	struct ustack_ping_reply r;
	uint64_t t0;

	(void)state;
	assert_true(ustack_if_add(a, ustack_vnet_port(vn, NULL, 1500), aa, 24) >= 0);
	assert_true(ustack_if_add(b, ustack_vnet_port(vn, NULL, 1500), ba, 24) >= 0);
	assert_int_equal(ustack_start(a), 0);
	assert_int_equal(ustack_start(b), 0);
	for (uint16_t seq = 0; seq < 5; seq++) {
		assert_int_equal(ustack_ping_send(a, ba, 21, seq, NULL, 1000 + seq * 1000, 0), 0);
		assert_int_equal(ustack_ping_recv(a, 21, &r, 5000), 0);
		assert_int_equal(r.type, 0);
		assert_int_equal(r.seq, seq);
		assert_true(r.payload_ok);
	}
	/* Forever (-1) also returns once the reply is in. */
	assert_int_equal(ustack_ping_send(b, aa, 22, 1, NULL, 56, 0), 0);
	assert_int_equal(ustack_ping_recv(b, 22, &r, -1), 0);
	assert_int_equal(r.type, 0);
	/* Nobody answers: ETIMEDOUT after about the time asked. */
	assert_int_equal(ustack_ping_send(a, nobody, 23, 1, NULL, 56, 0), 0);
	t0 = ustack_clock_us();
	assert_int_equal(ustack_ping_recv(a, 23, &r, 200), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(ustack_clock_us() - t0 >= 190000);
	ustack_stop(a);
	ustack_stop(b);
	ustack_free(a);
	ustack_free(b);
	ustack_vnet_free(vn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lan_ping),
		cmocka_unit_test(test_lan_loopback_device),
		cmocka_unit_test(test_arp_failure),
		cmocka_unit_test(test_arp_aging),
		cmocka_unit_test(test_arp_cache_bound),
		cmocka_unit_test(test_addresses_and_broadcast),
		cmocka_unit_test(test_routed_ping_ttl),
		cmocka_unit_test(test_routed_fragments),
		cmocka_unit_test(test_routed_df),
		cmocka_unit_test(test_impaired_ping),
		cmocka_unit_test(test_impaired_fragments),
		cmocka_unit_test(test_runner_blocking_recv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
