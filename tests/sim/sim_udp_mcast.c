/* sim_udp_mcast.c - UDP multicast and IGMP between stacks on a vnet, on the virtual
 * clock (RFC 1112, RFC 2236, RFC 3376): a sender a, members b (two sockets on the
 * port) and c, a non-member d on the same port, and a raw port standing for the
 * router. Joins are reported (v3 to 224.0.0.22, TTL 1, Router Alert), every member
 * socket gets each datagram and d none, queries (v3, then v2 which moves the hosts to
 * v2) are answered within their max response time, a drop is reported by a leave
 * and stops delivery, IP_MULTICAST_LOOP and IP_MULTICAST_TTL act on what is sent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib_simnet.h"
#include "ustack/socket.h"
#include "wire/csum.h"
#include "wire/igmp.h"

#define GROUP "239.1.2.3"
#define GROUP_H 0xef010203u
#define PORT 5000

struct net {
	struct simnet *sn;
	struct ustack *a, *b, *c, *d;
	struct ustack_dev *raw;
};

static const uint8_t raw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };

static int setup(void **state)
{
	struct net *n = calloc(1, sizeof(*n));

	n->sn = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(n->sn);
	n->a = simnet_stack(n->sn, "a", NULL);
	n->b = simnet_stack(n->sn, "b", NULL);
	n->c = simnet_stack(n->sn, "c", NULL);
	n->d = simnet_stack(n->sn, "d", NULL);
	simnet_attach(n->sn, n->a, vn, "10.0.0.1/24", 0, NULL, NULL);
	simnet_attach(n->sn, n->b, vn, "10.0.0.2/24", 0, NULL, NULL);
	simnet_attach(n->sn, n->c, vn, "10.0.0.3/24", 0, NULL, NULL);
	simnet_attach(n->sn, n->d, vn, "10.0.0.4/24", 0, NULL, NULL);
	n->raw = simnet_raw_port(n->sn, vn, raw_mac);
	simnet_run_for(n->sn, 100000);
	simnet_raw_flush(n->sn, n->raw);
	*state = n;
	return 0;
}

static int teardown(void **state)
{
	struct net *n = *state;

	simnet_free(n->sn);
	free(n);
	return 0;
}

static int udp_on(struct ustack *st, uint16_t port)
{
	int fd = ustack_socket(st, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int one = 1;
	assert_true(fd >= 0);
	assert_int_equal(ustack_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };
	assert_int_equal(ustack_bind(st, fd, (struct sockaddr *)&s, sizeof(s)), 0);
	return fd;
}

static int join(struct ustack *st, int fd, int opt)
{
	struct ip_mreq m = { 0 };
	m.imr_multiaddr.s_addr = simnet_addr(GROUP);
	return ustack_setsockopt(st, fd, IPPROTO_IP, opt, &m, sizeof(m));
}

static void send_group(struct net *n, int fd, const char *msg)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT),
				  .sin_addr.s_addr = simnet_addr(GROUP) };
	assert_int_equal(ustack_sendto(n->a, fd, msg, strlen(msg), 0, (struct sockaddr *)&to,
				       sizeof(to)), (long)strlen(msg));
}

/* The next datagram on fd is msg (true), or there is none (false). */
static bool got(struct ustack *st, int fd, const char *msg)
{
	char buf[64];
	long r = ustack_recv(st, fd, buf, sizeof(buf), 0);
	if (r < 0) {
		assert_int_equal(errno, EAGAIN);
		return false;
	}
	assert_int_equal(r, (long)strlen(msg));
	assert_memory_equal(buf, msg, strlen(msg));
	return true;
}

/* An IGMP frame seen on the raw port. */
struct seen {
	uint64_t at;
	uint32_t src, dst;
	uint8_t mac_dst[6];
	uint8_t ttl;
	bool router_alert;
	struct igmp_repr r;
};

/* Run for us, recording the IGMP frames (up to max); returns how many. */
static int watch(struct net *n, uint64_t us, struct seen *out, int max)
{
	uint64_t end = simnet_now(n->sn) + us;
	int k = 0;
	uint8_t f[2048];

	for (;;) {
		int len;
		while ((len = simnet_raw_recv(n->sn, n->raw, f, sizeof(f))) > 0) {
			if (len < 34 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 2)
				continue;
			size_t ihl = (size_t)(f[14] & 0x0f) * 4;
			size_t tot = (size_t)f[16] << 8 | f[17];
			assert_int_equal(csum(f + 14, ihl), 0);
			assert_true(k < max);
			struct seen *s = &out[k++];
			s->at = simnet_now(n->sn);
			memcpy(s->mac_dst, f, 6);
			s->ttl = f[22];
			s->src = (uint32_t)f[26] << 24 | (uint32_t)f[27] << 16 | (uint32_t)f[28] << 8 | f[29];
			s->dst = (uint32_t)f[30] << 24 | (uint32_t)f[31] << 16 | (uint32_t)f[32] << 8 | f[33];
			s->router_alert = ihl == 24 && f[34] == 0x94 && f[35] == 4;
			assert_int_equal(igmp_parse(f + 14 + ihl, tot - ihl, &s->r), WIRE_OK);
		}
		if (!simnet_step(n->sn, end))
			break;
	}
	return k;
}

/* A query from 10.0.0.254 (the raw port) to 224.0.0.1 or the group. */
static void send_query(struct net *n, bool v3, uint8_t code, uint32_t group)
{
	uint8_t f[64] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	uint32_t dst = group ? group : 0xe0000001u;
	size_t ilen = v3 ? igmp_emit_v3_query(code, group, f + 38) :
			   igmp_emit_v2(IGMP_QUERY, code, group, f + 38);
	uint8_t *ip = f + 14;

	f[3] = (uint8_t)((dst >> 16) & 0x7f); f[4] = (uint8_t)(dst >> 8); f[5] = (uint8_t)dst;
	memcpy(f + 6, raw_mac, 6);
	f[12] = 0x08;
	ip[0] = 0x46; ip[2] = 0; ip[3] = (uint8_t)(24 + ilen); ip[8] = 1; ip[9] = 2;
	ip[12] = 10; ip[13] = 0; ip[14] = 0; ip[15] = 254;
	ip[16] = (uint8_t)(dst >> 24); ip[17] = (uint8_t)(dst >> 16); ip[18] = (uint8_t)(dst >> 8);
	ip[19] = (uint8_t)dst;
	ip[20] = 0x94; ip[21] = 4;
	uint16_t c = csum(ip, 24);
	ip[10] = (uint8_t)(c >> 8); ip[11] = (uint8_t)c;
	size_t len = 38 + ilen;
	assert_int_equal(simnet_raw_send(n->sn, n->raw, f, len < 60 ? 60 : len), 0);
}

static int count_from(const struct seen *s, int k, uint32_t src)
{
	int c = 0;
	for (int i = 0; i < k; i++)
		c += s[i].src == src;
	return c;
}

static void test_members_queries_leave(void **state)
{
	struct net *n = *state;
	struct seen s[32];
	uint32_t b_ip = 0x0a000002u, c_ip = 0x0a000003u;

	int b1 = udp_on(n->b, PORT), b2 = udp_on(n->b, PORT), c1 = udp_on(n->c, PORT);
	int d1 = udp_on(n->d, PORT), tx = udp_on(n->a, 0);

	/* joins: b twice (one report: the group is counted), c once */
	assert_int_equal(join(n->b, b1, IP_ADD_MEMBERSHIP), 0);
	assert_int_equal(join(n->b, b2, IP_ADD_MEMBERSHIP), 0);
	assert_int_equal(join(n->b, b2, IP_ADD_MEMBERSHIP), -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_int_equal(join(n->c, c1, IP_ADD_MEMBERSHIP), 0);
	int k = watch(n, 3000000, s, 32);
	/* a report and its one retransmission (within 1 s) from each member */
	assert_int_equal(count_from(s, k, b_ip), 2);
	assert_int_equal(count_from(s, k, c_ip), 2);
	assert_int_equal(k, 4);
	for (int i = 0; i < k; i++) {
		assert_int_equal(s[i].dst, 0xe0000016u);
		assert_memory_equal(s[i].mac_dst, ((uint8_t[]){ 1, 0, 0x5e, 0, 0, 0x16 }), 6);
		assert_int_equal(s[i].ttl, 1);
		assert_true(s[i].router_alert);
		assert_int_equal(s[i].r.type, IGMP_V3_REPORT);
		assert_int_equal(s[i].r.rec_type, IGMP_CHANGE_TO_EXCLUDE);
		assert_int_equal(s[i].r.group, GROUP_H);
	}

	/* every member socket gets the datagram; d (same port, no membership) does not */
	send_group(n, tx, "one");
	simnet_run_for(n->sn, 10000);
	assert_true(got(n->b, b1, "one"));
	assert_true(got(n->b, b2, "one"));
	assert_true(got(n->c, c1, "one"));
	assert_false(got(n->d, d1, "one"));
	assert_false(got(n->b, b1, "one"));

	/* a v3 general query, max response 2.5 s: a current-state record from each */
	uint64_t t0 = simnet_now(n->sn);
	send_query(n, true, 25, 0);
	k = watch(n, 5000000, s, 32);
	assert_int_equal(k, 2);
	for (int i = 0; i < k; i++) {
		assert_true(s[i].at - t0 <= 2500000);
		assert_int_equal(s[i].r.type, IGMP_V3_REPORT);
		assert_int_equal(s[i].r.rec_type, IGMP_MODE_IS_EXCLUDE);
		assert_int_equal(s[i].r.group, GROUP_H);
	}
	assert_int_not_equal(s[0].src, s[1].src);

	/* a v2 general query, max response 1 s: v2 reports to the group itself */
	t0 = simnet_now(n->sn);
	send_query(n, false, 10, 0);
	k = watch(n, 3000000, s, 32);
	assert_int_equal(k, 2);
	for (int i = 0; i < k; i++) {
		assert_true(s[i].at - t0 <= 1000000);
		assert_int_equal(s[i].r.type, IGMP_V2_REPORT);
		assert_int_equal(s[i].dst, GROUP_H);
		assert_int_equal(s[i].ttl, 1);
		assert_true(s[i].router_alert);
		assert_int_equal(s[i].r.group, GROUP_H);
	}
	/* a query for another group is not answered */
	send_query(n, false, 10, 0xef010204u);
	assert_int_equal(watch(n, 2000000, s, 32), 0);

	/* c leaves: a v2 leave to 224.0.0.2; delivery to c stops, b still gets it */
	assert_int_equal(join(n->c, c1, IP_DROP_MEMBERSHIP), 0);
	assert_int_equal(join(n->c, c1, IP_DROP_MEMBERSHIP), -1);
	assert_int_equal(errno, EADDRNOTAVAIL);
	k = watch(n, 100000, s, 32);
	assert_int_equal(k, 1);
	assert_int_equal(s[0].src, c_ip);
	assert_int_equal(s[0].r.type, IGMP_V2_LEAVE);
	assert_int_equal(s[0].dst, 0xe0000002u);
	assert_int_equal(s[0].r.group, GROUP_H);
	send_group(n, tx, "two");
	simnet_run_for(n->sn, 10000);
	assert_false(got(n->c, c1, "two"));
	assert_true(got(n->b, b1, "two"));
	assert_true(got(n->b, b2, "two"));

	/* b's first socket drops: no leave (the other still holds the group); closing the
	 * second ends the membership with a leave */
	assert_int_equal(join(n->b, b1, IP_DROP_MEMBERSHIP), 0);
	assert_int_equal(watch(n, 100000, s, 32), 0);
	send_group(n, tx, "three");
	simnet_run_for(n->sn, 10000);
	assert_true(got(n->b, b1, "three"));        /* bound to the port: IP_MULTICAST_ALL */
	assert_true(got(n->b, b2, "three"));
	/* IP_MULTICAST_ALL off (an int or one byte): only its own memberships */
	unsigned char off = 0;
	assert_int_equal(ustack_setsockopt(n->b, b1, IPPROTO_IP, IP_MULTICAST_ALL, &off, 1), 0);
	int all = -1;
	socklen_t al = sizeof(all);
	assert_int_equal(ustack_getsockopt(n->b, b1, IPPROTO_IP, IP_MULTICAST_ALL, &all, &al), 0);
	assert_int_equal(all, 0);
	send_group(n, tx, "three again");
	simnet_run_for(n->sn, 10000);
	assert_false(got(n->b, b1, "three again"));
	assert_true(got(n->b, b2, "three again"));
	assert_int_equal(ustack_close(n->b, b2), 0);
	k = watch(n, 100000, s, 32);
	assert_int_equal(k, 1);
	assert_int_equal(s[0].src, b_ip);
	assert_int_equal(s[0].r.type, IGMP_V2_LEAVE);
	send_group(n, tx, "four");
	simnet_run_for(n->sn, 10000);
	assert_false(got(n->b, b1, "four"));
	struct ustack_stats st;
	ustack_get_stats(n->b, &st);
	assert_int_equal(st.igmp_out, 5);   /* the join and its repeat, 2 answers, the leave */
	assert_int_equal(st.igmp_in, 3);
}

static void test_loop_ttl_if(void **state)
{
	struct net *n = *state;
	int rx = udp_on(n->a, PORT), tx = udp_on(n->a, 0), b1 = udp_on(n->b, PORT);
	int v;
	socklen_t vl = sizeof(v);
	uint8_t f[2048];

	/* defaults: TTL 1, loop on */
	assert_int_equal(ustack_getsockopt(n->a, tx, IPPROTO_IP, IP_MULTICAST_TTL, &v, &vl), 0);
	assert_int_equal(v, 1);
	assert_int_equal(ustack_getsockopt(n->a, tx, IPPROTO_IP, IP_MULTICAST_LOOP, &v, &vl), 0);
	assert_int_equal(v, 1);
	assert_int_equal(join(n->a, rx, IP_ADD_MEMBERSHIP), 0);
	assert_int_equal(join(n->b, b1, IP_ADD_MEMBERSHIP), 0);
	simnet_run_for(n->sn, 2000000);
	simnet_raw_flush(n->sn, n->raw);

	send_group(n, tx, "looped");
	simnet_run_for(n->sn, 10000);
	assert_true(got(n->a, rx, "looped"));
	assert_true(got(n->b, b1, "looped"));
	int len = simnet_raw_recv(n->sn, n->raw, f, sizeof(f));
	assert_true(len > 34);
	assert_int_equal(f[22], 1);                 /* TTL 1 */
	assert_int_equal(f[23], 17);
	assert_memory_equal(f, ((uint8_t[]){ 1, 0, 0x5e, 1, 2, 3 }), 6);

	v = 0;
	assert_int_equal(ustack_setsockopt(n->a, tx, IPPROTO_IP, IP_MULTICAST_LOOP, &v, sizeof(v)), 0);
	unsigned char ttl = 7;                      /* one byte, as Linux takes it */
	assert_int_equal(ustack_setsockopt(n->a, tx, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, 1), 0);
	send_group(n, tx, "not looped");
	simnet_run_for(n->sn, 10000);
	assert_false(got(n->a, rx, "not looped"));
	assert_true(got(n->b, b1, "not looped"));
	len = simnet_raw_recv(n->sn, n->raw, f, sizeof(f));
	assert_true(len > 34);
	assert_int_equal(f[22], 7);

	/* TTL 0: only the host's own members get it (RFC 1112 §6.1) */
	v = 1;
	assert_int_equal(ustack_setsockopt(n->a, tx, IPPROTO_IP, IP_MULTICAST_LOOP, &v, sizeof(v)), 0);
	v = 0;
	assert_int_equal(ustack_setsockopt(n->a, tx, IPPROTO_IP, IP_MULTICAST_TTL, &v, sizeof(v)), 0);
	send_group(n, tx, "host only");
	simnet_run_for(n->sn, 10000);
	assert_true(got(n->a, rx, "host only"));
	assert_false(got(n->b, b1, "host only"));
	assert_int_equal(simnet_raw_recv(n->sn, n->raw, f, sizeof(f)), 0);

	/* IP_MULTICAST_IF by address and by ip_mreqn index; a foreign address is refused */
	struct in_addr ifa = { simnet_addr("10.0.0.1") }, got_if;
	assert_int_equal(ustack_setsockopt(n->a, tx, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof(ifa)), 0);
	vl = sizeof(got_if);
	assert_int_equal(ustack_getsockopt(n->a, tx, IPPROTO_IP, IP_MULTICAST_IF, &got_if, &vl), 0);
	assert_int_equal(got_if.s_addr, ifa.s_addr);
	ifa.s_addr = simnet_addr("10.0.0.9");
	assert_int_equal(ustack_setsockopt(n->a, tx, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof(ifa)), -1);
	assert_int_equal(errno, EADDRNOTAVAIL);
	struct ip_mreqn mn = { .imr_ifindex = 0 };
	assert_int_equal(ustack_setsockopt(n->a, tx, IPPROTO_IP, IP_MULTICAST_IF, &mn, sizeof(mn)), 0);
	/* ip_mreqn joins; bad groups and short options */
	struct ip_mreqn m = { .imr_multiaddr.s_addr = simnet_addr("239.9.9.9") };
	assert_int_equal(ustack_setsockopt(n->b, b1, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)), 0);
	m.imr_multiaddr.s_addr = simnet_addr("10.0.0.7");
	assert_int_equal(ustack_setsockopt(n->b, b1, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_setsockopt(n->b, b1, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, 4), -1);
	assert_int_equal(errno, EINVAL);
	m.imr_multiaddr.s_addr = simnet_addr("239.9.9.8");
	m.imr_ifindex = 42;
	assert_int_equal(ustack_setsockopt(n->b, b1, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)), -1);
	assert_int_equal(errno, ENODEV);
	int tcp = ustack_socket(n->b, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(join(n->b, tcp, IP_ADD_MEMBERSHIP), -1);
	assert_int_equal(errno, EPROTO);
}

/* A malformed IGMP message is dropped and counted, not answered. */
static void test_bad_igmp(void **state)
{
	struct net *n = *state;
	int b1 = udp_on(n->b, PORT);
	struct seen s[8];

	assert_int_equal(join(n->b, b1, IP_ADD_MEMBERSHIP), 0);
	watch(n, 2000000, s, 8);
	uint8_t f[64] = { 1, 0, 0x5e, 0, 0, 1, 2, 0, 0, 0, 0, 0xfe, 0x08, 0x00,
			  0x45, 0, 0, 28, 0, 0, 0, 0, 1, 2, 0, 0, 10, 0, 0, 254, 224, 0, 0, 1,
			  0x11, 10, 0x12, 0x34, 0, 0, 0, 0 };       /* wrong IGMP checksum */
	uint16_t c = csum(f + 14, 20);
	f[24] = (uint8_t)(c >> 8); f[25] = (uint8_t)c;
	assert_int_equal(simnet_raw_send(n->sn, n->raw, f, 60), 0);
	assert_int_equal(watch(n, 2000000, s, 8), 0);
	struct ustack_stats st;
	ustack_get_stats(n->b, &st);
	assert_int_equal(st.drops[USTACK_DROP_IGMP_BAD_CSUM], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_members_queries_leave, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_ttl_if, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_igmp, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
