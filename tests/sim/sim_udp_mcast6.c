/* sim_udp_mcast6.c - IPv6 multicast on AF_INET6 UDP sockets between stacks on a vnet,
 * on the virtual clock (RFC 3493 5.2 / ipv6(7) options, MLDv2 of RFC 3810): a sender a,
 * members b (two sockets on the port) and c (bound to the group itself), a non-member d
 * on the same port, and a raw port standing for the router. Joins and leaves are
 * reported (counted per group on the wire, first join and last leave only), members get
 * each datagram and d none (counted as a group not joined), the received hop limit is
 * IPV6_MULTICAST_HOPS, a query is answered, closing a socket leaves its groups;
 * IPV6_MULTICAST_LOOP, hop limit 0, IPV6_MULTICAST_IF, a link-scoped group with a scope
 * id; IPV6_MULTICAST_ALL off; the errno of misuse as Linux gives it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lib_simnet.h"
#include "ustack/socket.h"
#include "wire/csum.h"

#define GROUP "ff15::1234"
#define PORT 5000
#define SEC 1000000ull

struct net {
	struct simnet *sn;
	struct ustack *a, *b, *c, *d;
	int ifa, ifb, ifc, ifd;
	struct ustack_dev *raw;
	struct ustack_vnet *vn;
};


static const uint8_t raw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };

static void add6(struct ustack *st, int ifx, const char *ip)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, ip, &a), 1);
	assert_int_equal(ustack_if_add6(st, ifx, &a, 64), 0);
}

static int setup(void **state)
{
	struct net *n = calloc(1, sizeof(*n));

	n->sn = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(n->sn);
	n->vn = vn;
	n->a = simnet_stack(n->sn, "a", NULL);
	n->b = simnet_stack(n->sn, "b", NULL);
	n->c = simnet_stack(n->sn, "c", NULL);
	n->d = simnet_stack(n->sn, "d", NULL);
	n->ifa = simnet_attach(n->sn, n->a, vn, "10.0.0.1/24", 0, NULL, NULL);
	n->ifb = simnet_attach(n->sn, n->b, vn, "10.0.0.2/24", 0, NULL, NULL);
	n->ifc = simnet_attach(n->sn, n->c, vn, "10.0.0.3/24", 0, NULL, NULL);
	n->ifd = simnet_attach(n->sn, n->d, vn, "10.0.0.4/24", 0, NULL, NULL);
	add6(n->a, n->ifa, "2001:db8::1");
	add6(n->b, n->ifb, "2001:db8::2");
	add6(n->c, n->ifc, "2001:db8::3");
	add6(n->d, n->ifd, "2001:db8::4");
	n->raw = simnet_raw_port(n->sn, vn, raw_mac);
	simnet_run_for(n->sn, 5 * SEC);         /* DAD, router solicitations, their reports */
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

static struct sockaddr_in6 sin6_of(const char *ip, uint16_t port, uint32_t scope)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				  .sin6_scope_id = scope };

	assert_int_equal(inet_pton(AF_INET6, ip, &s.sin6_addr), 1);
	return s;
}

/* A non-blocking AF_INET6 UDP socket bound to [addr]:port with SO_REUSEADDR. */
static int udp6_on(struct ustack *st, const char *addr, uint16_t port)
{
	int fd = ustack_socket(st, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int one = 1;

	assert_true(fd >= 0);
	assert_int_equal(ustack_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	assert_int_equal(ustack_setsockopt(st, fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one,
					   sizeof(one)), 0);
	struct sockaddr_in6 s = sin6_of(addr, port, 0);
	assert_int_equal(ustack_bind(st, fd, (struct sockaddr *)&s, sizeof(s)), 0);
	return fd;
}

/* IPV6_JOIN_GROUP (or another membership option) of group on interface ifx (-1: none
 * named, ipv6mr_interface 0). */
static int mreq6(struct ustack *st, int fd, int opt, const char *group, int ifx)
{
	struct ipv6_mreq m = { .ipv6mr_interface = (unsigned)(ifx + 1) };

	assert_int_equal(inet_pton(AF_INET6, group, &m.ipv6mr_multiaddr), 1);
	return ustack_setsockopt(st, fd, IPPROTO_IPV6, opt, &m, sizeof(m));
}

static int setint(struct ustack *st, int fd, int opt, int v)
{
	return ustack_setsockopt(st, fd, IPPROTO_IPV6, opt, &v, sizeof(v));
}

static int getint(struct ustack *st, int fd, int opt)
{
	int v = -12345;
	socklen_t vl = sizeof(v);

	assert_int_equal(ustack_getsockopt(st, fd, IPPROTO_IPV6, opt, &v, &vl), 0);
	assert_int_equal(vl, sizeof(int));
	return v;
}

static void send_to(struct ustack *st, int fd, const char *group, uint32_t scope,
		    const char *msg)
{
	struct sockaddr_in6 to = sin6_of(group, PORT, scope);

	assert_int_equal(ustack_sendto(st, fd, msg, strlen(msg), 0, (struct sockaddr *)&to,
				       sizeof(to)), (long)strlen(msg));
}

/* The next datagram on fd is msg (true, *hops its hop limit), or there is none. */
static bool got(struct ustack *st, int fd, const char *msg, int *hops)
{
	char buf[64];
	union { char b[256]; struct cmsghdr align; } ctl;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b) };
	long r = ustack_recvmsg(st, fd, &m, 0);

	if (r < 0) {
		assert_int_equal(errno, EAGAIN);
		return false;
	}
	assert_int_equal(r, (long)strlen(msg));
	assert_memory_equal(buf, msg, strlen(msg));
	int h = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT)
			memcpy(&h, CMSG_DATA(cm), sizeof(h));
	assert_true(h >= 0);
	if (hops)
		*hops = h;
	return true;
}

/* MLDv2 records about the group seen on the raw port. */
struct seen {
	uint8_t mac_src[6];
	uint8_t ip_src[16];
	uint8_t rec_type;
	uint64_t at;
};

/* The ICMPv6 message of an IPv6 frame (after a hop-by-hop header, if any); NULL if the
 * frame is not ICMPv6. */
static const uint8_t *icmp6_of(const uint8_t *f, int len, size_t *ilen, uint8_t *hops)
{
	if (len < 54 || f[12] != 0x86 || f[13] != 0xdd)
		return NULL;
	size_t off = 54, plen = (size_t)f[18] << 8 | f[19];
	uint8_t nh = f[20];
	*hops = f[21];
	if (nh == 0) {                          /* hop-by-hop options (MLD's Router Alert) */
		if ((size_t)len < off + 8)
			return NULL;
		nh = f[off];
		off += ((size_t)f[off + 1] + 1) * 8;
	}
	if (nh != 58 || (size_t)len < 54 + plen || off >= 54 + plen)
		return NULL;
	*ilen = 54 + plen - off;
	/* the ICMPv6 checksum over the pseudo-header */
	assert_int_equal(csum_fold(csum_add(csum_pseudo6(f + 22, f + 38, (uint32_t)*ilen, 58),
					    f + off, *ilen)), 0);
	return f + off;
}

/* Run for us, recording the MLDv2 report records about group (up to max); returns how
 * many. Every report must go to ff02::16 (33:33:00:00:00:16) with hop limit 1. */
static int watch(struct net *n, uint64_t us, const char *group, struct seen *out, int max)
{
	uint64_t end = simnet_now(n->sn) + us;
	uint8_t g[16], f[2048];
	int k = 0;

	assert_int_equal(inet_pton(AF_INET6, group, g), 1);
	for (;;) {
		int len;
		while ((len = simnet_raw_recv(n->sn, n->raw, f, sizeof(f))) > 0) {
			size_t ilen;
			uint8_t hops;
			const uint8_t *m = icmp6_of(f, len, &ilen, &hops);
			if (!m || m[0] != 143)
				continue;
			assert_memory_equal(f, ((uint8_t[]){ 0x33, 0x33, 0, 0, 0, 0x16 }), 6);
			assert_int_equal(hops, 1);
			assert_true(ilen >= 8);
			size_t nrec = (size_t)m[6] << 8 | m[7], off = 8;
			for (size_t i = 0; i < nrec; i++) {
				assert_true(off + 20 <= ilen);
				size_t nsrc = (size_t)m[off + 2] << 8 | m[off + 3];
				if (memcmp(m + off + 4, g, 16) == 0) {
					assert_true(k < max);
					memcpy(out[k].mac_src, f + 6, 6);
					memcpy(out[k].ip_src, f + 22, 16);
					out[k].rec_type = m[off];
					out[k].at = simnet_now(n->sn);
					k++;
				}
				off += 20 + 16 * nsrc + 4 * (size_t)m[off + 1];
			}
		}
		if (!simnet_step(n->sn, end))
			break;
	}
	return k;
}

static int count_from(struct ustack *st, int ifx, const struct seen *s, int k, uint8_t type)
{
	uint8_t mac[6];
	int c = 0;

	assert_int_equal(ustack_if_mac(st, ifx, mac), 0);
	for (int i = 0; i < k; i++)
		c += memcmp(s[i].mac_src, mac, 6) == 0 && s[i].rec_type == type;
	return c;
}

static uint64_t drops(struct ustack *st, enum ustack_drop why)
{
	struct ustack_stats s;

	ustack_get_stats(st, &s);
	return s.drops[why];
}

/* A general MLDv2 query (max response delay 1 s) from fe80::fe on the raw port. */
static void send_query(struct net *n)
{
	uint8_t f[14 + 40 + 8 + 28] = { 0x33, 0x33, 0, 0, 0, 1 };
	uint8_t *ip = f + 14, *hbh = ip + 40, *q = hbh + 8;

	memcpy(f + 6, raw_mac, 6);
	f[12] = 0x86; f[13] = 0xdd;
	ip[0] = 0x60; ip[5] = 36; ip[6] = 0; ip[7] = 1;
	ip[8] = 0xfe; ip[9] = 0x80; ip[23] = 0xfe;               /* fe80::fe */
	ip[24] = 0xff; ip[25] = 0x02; ip[39] = 1;                /* ff02::1 */
	hbh[0] = 58; hbh[1] = 0; hbh[2] = 5; hbh[3] = 2;         /* Router Alert: MLD */
	hbh[6] = 1; hbh[7] = 0;                                  /* PadN */
	q[0] = 130; q[4] = 0x03; q[5] = 0xe8;                    /* 1000 ms */
	q[24] = 2; q[25] = 125;                                  /* QRV 2, QQIC 125 s */
	uint16_t c = csum_fold(csum_add(csum_pseudo6(ip + 8, ip + 24, 28, 58), q, 28));
	q[2] = (uint8_t)(c >> 8); q[3] = (uint8_t)c;
	assert_int_equal(simnet_raw_send(n->sn, n->raw, f, sizeof(f)), 0);
}

static void test_members_reports_leave(void **state)
{
	struct net *n = *state;
	struct seen s[32];
	int hops;

	int b1 = udp6_on(n->b, "::", PORT), b2 = udp6_on(n->b, "::", PORT);
	int c1 = udp6_on(n->c, GROUP, PORT), d1 = udp6_on(n->d, "::", PORT);
	int tx = udp6_on(n->a, "::", 0);

	/* b joins twice (one report: the group is counted per interface), c once */
	assert_int_equal(mreq6(n->b, b1, IPV6_JOIN_GROUP, GROUP, n->ifb), 0);
	assert_int_equal(mreq6(n->b, b2, IPV6_ADD_MEMBERSHIP, GROUP, -1), 0);   /* by route */
	assert_int_equal(mreq6(n->b, b2, IPV6_JOIN_GROUP, GROUP, -1), -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_int_equal(mreq6(n->c, c1, IPV6_JOIN_GROUP, GROUP, n->ifc), 0);
	int k = watch(n, 3 * SEC, GROUP, s, 32);
	/* a state change report (TO_EX {}) and its one repeat within 1 s from each */
	assert_int_equal(count_from(n->b, n->ifb, s, k, 4), 2);
	assert_int_equal(count_from(n->c, n->ifc, s, k, 4), 2);
	assert_int_equal(k, 4);

	/* the members' sockets get it with the multicast hop limit; d drops it, counted */
	assert_int_equal(getint(n->a, tx, IPV6_MULTICAST_HOPS), 1);
	assert_int_equal(setint(n->a, tx, IPV6_MULTICAST_HOPS, 5), 0);
	assert_int_equal(getint(n->a, tx, IPV6_MULTICAST_HOPS), 5);
	uint64_t d0 = drops(n->d, USTACK_DROP_IP6_MCAST_NOT_JOINED);
	send_to(n->a, tx, GROUP, 0, "one");
	simnet_run_for(n->sn, 10000);
	assert_true(got(n->b, b1, "one", &hops));
	assert_int_equal(hops, 5);
	assert_true(got(n->b, b2, "one", NULL));
	assert_true(got(n->c, c1, "one", &hops));
	assert_int_equal(hops, 5);
	assert_false(got(n->d, d1, "one", NULL));
	assert_false(got(n->b, b1, "one", NULL));
	assert_int_equal(drops(n->d, USTACK_DROP_IP6_MCAST_NOT_JOINED), d0 + 1);
	/* on the wire: 33:33 and the group's low 32 bits (RFC 2464 7), hop limit 5 */
	uint8_t f[2048];
	int len;
	bool seen_frame = false;
	while ((len = simnet_raw_recv(n->sn, n->raw, f, sizeof(f))) > 0) {
		if (len < 62 || f[12] != 0x86 || f[13] != 0xdd || f[20] != 17)
			continue;
		assert_memory_equal(f, ((uint8_t[]){ 0x33, 0x33, 0, 0, 0x12, 0x34 }), 6);
		assert_int_equal(f[21], 5);
		seen_frame = true;
	}
	assert_true(seen_frame);

	/* a general query: one current-state record (IS_EX {}) from each member in 1 s */
	uint64_t t0 = simnet_now(n->sn);
	send_query(n);
	k = watch(n, 3 * SEC, GROUP, s, 32);
	assert_int_equal(k, 2);
	assert_int_equal(count_from(n->b, n->ifb, s, k, 2), 1);
	assert_int_equal(count_from(n->c, n->ifc, s, k, 2), 1);
	for (int i = 0; i < k; i++)
		assert_true(s[i].at - t0 <= SEC);

	/* c leaves: TO_IN {} twice; delivery to c stops, b still gets it */
	assert_int_equal(mreq6(n->c, c1, IPV6_LEAVE_GROUP, GROUP, n->ifc), 0);
	assert_int_equal(mreq6(n->c, c1, IPV6_LEAVE_GROUP, GROUP, n->ifc), -1);
	assert_int_equal(errno, EADDRNOTAVAIL);
	k = watch(n, 3 * SEC, GROUP, s, 32);
	assert_int_equal(k, 2);
	assert_int_equal(count_from(n->c, n->ifc, s, k, 3), 2);
	send_to(n->a, tx, GROUP, 0, "two");
	simnet_run_for(n->sn, 10000);
	assert_false(got(n->c, c1, "two", NULL));
	assert_true(got(n->b, b1, "two", NULL));
	assert_true(got(n->b, b2, "two", NULL));

	/* b's first socket drops it: no report (the other still holds the group), and as
	 * Linux (IPV6_MULTICAST_ALL) a socket bound to the port still gets the datagrams
	 * while the host is a member; closing the second leaves with reports */
	assert_int_equal(mreq6(n->b, b1, IPV6_DROP_MEMBERSHIP, GROUP, -1), 0);
	assert_int_equal(watch(n, SEC, GROUP, s, 32), 0);
	send_to(n->a, tx, GROUP, 0, "three");
	simnet_run_for(n->sn, 10000);
	assert_true(got(n->b, b1, "three", NULL));
	assert_true(got(n->b, b2, "three", NULL));
	/* IPV6_MULTICAST_ALL off: only the groups the socket joined itself */
	assert_int_equal(getint(n->b, b1, IPV6_MULTICAST_ALL), 1);
	assert_int_equal(setint(n->b, b1, IPV6_MULTICAST_ALL, 0), 0);
	assert_int_equal(getint(n->b, b1, IPV6_MULTICAST_ALL), 0);
	assert_int_equal(setint(n->b, b2, IPV6_MULTICAST_ALL, 0), 0);
	send_to(n->a, tx, GROUP, 0, "three again");
	simnet_run_for(n->sn, 10000);
	assert_false(got(n->b, b1, "three again", NULL));
	assert_true(got(n->b, b2, "three again", NULL));
	assert_int_equal(setint(n->b, b1, IPV6_MULTICAST_ALL, 2), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_close(n->b, b2), 0);
	k = watch(n, 3 * SEC, GROUP, s, 32);
	assert_int_equal(k, 2);
	assert_int_equal(count_from(n->b, n->ifb, s, k, 3), 2);
	uint64_t b0 = drops(n->b, USTACK_DROP_IP6_MCAST_NOT_JOINED);
	send_to(n->a, tx, GROUP, 0, "four");
	simnet_run_for(n->sn, 10000);
	assert_false(got(n->b, b1, "four", NULL));
	assert_int_equal(drops(n->b, USTACK_DROP_IP6_MCAST_NOT_JOINED), b0 + 1);
}

static void test_loop_hops_if(void **state)
{
	struct net *n = *state;
	int hops;
	uint8_t f[2048];

	int rx = udp6_on(n->a, "::", PORT), tx = udp6_on(n->a, "::", 0);
	int b1 = udp6_on(n->b, "::", PORT);

	/* the defaults: hops 1, loop on, no interface */
	assert_int_equal(getint(n->a, tx, IPV6_MULTICAST_HOPS), 1);
	assert_int_equal(getint(n->a, tx, IPV6_MULTICAST_LOOP), 1);
	assert_int_equal(getint(n->a, tx, IPV6_MULTICAST_IF), 0);
	assert_int_equal(mreq6(n->a, rx, IPV6_JOIN_GROUP, GROUP, -1), 0);
	assert_int_equal(mreq6(n->b, b1, IPV6_JOIN_GROUP, GROUP, -1), 0);
	simnet_run_for(n->sn, 3 * SEC);
	simnet_raw_flush(n->sn, n->raw);

	/* loop on: the sender's own member gets a copy, b the one on the wire */
	send_to(n->a, tx, GROUP, 0, "looped");
	simnet_run_for(n->sn, 10000);
	assert_true(got(n->a, rx, "looped", &hops));
	assert_int_equal(hops, 1);
	assert_true(got(n->b, b1, "looped", &hops));
	assert_int_equal(hops, 1);
	int len = simnet_raw_recv(n->sn, n->raw, f, sizeof(f));
	assert_true(len >= 62);
	assert_int_equal(f[21], 1);

	/* loop off: only b */
	assert_int_equal(setint(n->a, tx, IPV6_MULTICAST_LOOP, 0), 0);
	assert_int_equal(getint(n->a, tx, IPV6_MULTICAST_LOOP), 0);
	send_to(n->a, tx, GROUP, 0, "not looped");
	simnet_run_for(n->sn, 10000);
	assert_false(got(n->a, rx, "not looped", NULL));
	assert_true(got(n->b, b1, "not looped", NULL));
	simnet_raw_flush(n->sn, n->raw);

	/* hop limit 0 with loop on: this host's members only, nothing on the wire */
	assert_int_equal(setint(n->a, tx, IPV6_MULTICAST_LOOP, 1), 0);
	assert_int_equal(setint(n->a, tx, IPV6_MULTICAST_HOPS, 0), 0);
	send_to(n->a, tx, GROUP, 0, "host only");
	simnet_run_for(n->sn, 10000);
	assert_true(got(n->a, rx, "host only", &hops));
	assert_int_equal(hops, 0);
	assert_false(got(n->b, b1, "host only", NULL));
	assert_int_equal(simnet_raw_recv(n->sn, n->raw, f, sizeof(f)), 0);
	/* -1: back to the default */
	assert_int_equal(setint(n->a, tx, IPV6_MULTICAST_HOPS, -1), 0);
	assert_int_equal(getint(n->a, tx, IPV6_MULTICAST_HOPS), 1);

	/* IPV6_MULTICAST_IF: the interface by index + 1; an unknown one ENODEV */
	assert_int_equal(setint(n->a, tx, IPV6_MULTICAST_IF, n->ifa + 1), 0);
	assert_int_equal(getint(n->a, tx, IPV6_MULTICAST_IF), n->ifa + 1);
	assert_int_equal(setint(n->a, tx, IPV6_MULTICAST_IF, 42), -1);
	assert_int_equal(errno, ENODEV);
	send_to(n->a, tx, GROUP, 0, "by if");
	simnet_run_for(n->sn, 10000);
	assert_true(got(n->b, b1, "by if", NULL));
	assert_true(got(n->a, rx, "by if", NULL));

	/* a link-scoped group named with its scope id (ff02::…%if), joined by index */
	assert_int_equal(setint(n->a, tx, IPV6_MULTICAST_IF, 0), 0);
	assert_int_equal(mreq6(n->b, b1, IPV6_JOIN_GROUP, "ff12::42", n->ifb), 0);
	simnet_run_for(n->sn, 10000);
	send_to(n->a, tx, "ff12::42", (uint32_t)n->ifa + 1, "link scope");
	simnet_run_for(n->sn, 10000);
	assert_true(got(n->b, b1, "link scope", NULL));
	assert_false(got(n->a, rx, "link scope", NULL));        /* a did not join it */
	struct sockaddr_in6 bad = sin6_of("ff12::42", PORT, 42);
	assert_int_equal(ustack_sendto(n->a, tx, "x", 1, 0, (struct sockaddr *)&bad, sizeof(bad)), -1);
	assert_int_equal(errno, ENODEV);
}

/* Misuse: the errno Linux gives. */
static void test_errors(void **state)
{
	struct net *n = *state;
	int fd = udp6_on(n->b, "::", PORT);
	struct ipv6_mreq m = { 0 };

	assert_int_equal(mreq6(n->b, fd, IPV6_JOIN_GROUP, "2001:db8::9", -1), -1);
	assert_int_equal(errno, EINVAL);                /* not a group */
	assert_int_equal(mreq6(n->b, fd, IPV6_LEAVE_GROUP, "2001:db8::9", -1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mreq6(n->b, fd, IPV6_JOIN_GROUP, GROUP, 41), -1);
	assert_int_equal(errno, ENODEV);                /* no such interface */
	assert_int_equal(mreq6(n->b, fd, IPV6_LEAVE_GROUP, GROUP, -1), -1);
	assert_int_equal(errno, EADDRNOTAVAIL);         /* not joined */
	assert_int_equal(ustack_setsockopt(n->b, fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m,
					   sizeof(m) - 1), -1);
	assert_int_equal(errno, EINVAL);                /* short */
	assert_int_equal(setint(n->b, fd, IPV6_MULTICAST_HOPS, 256), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(setint(n->b, fd, IPV6_MULTICAST_HOPS, -2), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(setint(n->b, fd, IPV6_MULTICAST_LOOP, 2), -1);
	assert_int_equal(errno, EINVAL);
	char one = 1;
	assert_int_equal(ustack_setsockopt(n->b, fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &one, 1), -1);
	assert_int_equal(errno, EINVAL);                /* an int, not a byte */

	/* a stream: memberships EPROTO, the other options ENOPROTOOPT (as Linux) */
	int t = ustack_socket(n->b, AF_INET6, SOCK_STREAM, 0);
	assert_true(t >= 0);
	assert_int_equal(mreq6(n->b, t, IPV6_JOIN_GROUP, GROUP, -1), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(setint(n->b, t, IPV6_MULTICAST_HOPS, 3), -1);
	assert_int_equal(errno, ENOPROTOOPT);
	/* an IPv4 socket has no IPPROTO_IPV6 options */
	int v4 = ustack_socket(n->b, AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(mreq6(n->b, v4, IPV6_JOIN_GROUP, GROUP, -1), -1);
	assert_int_equal(errno, ENOPROTOOPT);

	/* 20 groups per socket; closing it leaves all of them (a report each) */
	char g[32];
	for (int i = 0; i < 20; i++) {
		snprintf(g, sizeof(g), "ff15::%x", 0x100 + i);
		assert_int_equal(mreq6(n->b, fd, IPV6_JOIN_GROUP, g, -1), 0);
	}
	assert_int_equal(mreq6(n->b, fd, IPV6_JOIN_GROUP, "ff15::99", -1), -1);
	assert_int_equal(errno, ENOBUFS);
	simnet_run_for(n->sn, 3 * SEC);
	simnet_raw_flush(n->sn, n->raw);
	struct seen s[8];
	assert_int_equal(ustack_close(n->b, fd), 0);
	int k = watch(n, 3 * SEC, "ff15::113", s, 8);
	assert_int_equal(count_from(n->b, n->ifb, s, k, 3), 2);
	fd = udp6_on(n->b, "::", PORT);                 /* and may join them again */
	assert_int_equal(mreq6(n->b, fd, IPV6_JOIN_GROUP, "ff15::113", -1), 0);
}

/* A group joined while the link-local address is still tentative is reported from ::
 * (RFC 3810 5.2.13), and once more from the link-local address when it passes DAD. */
static void test_join_before_dad(void **state)
{
	struct net *n = *state;
	struct seen s[16];
	static const uint8_t unspec[16];

	struct ustack *e = simnet_stack(n->sn, "e", NULL);
	int ife = simnet_attach(n->sn, e, n->vn, "10.0.0.5/24", 0, NULL, NULL);
	int fd = udp6_on(e, "::", PORT);
	assert_int_equal(mreq6(e, fd, IPV6_JOIN_GROUP, GROUP, ife), 0);
	int k = watch(n, 5 * SEC, GROUP, s, 16);
	int from_unspec = 0, from_ll = 0;
	for (int i = 0; i < k; i++) {
		if (memcmp(s[i].ip_src, unspec, 16) == 0) {
			assert_int_equal(s[i].rec_type, 4);     /* the join's TO_EX {} */
			from_unspec++;
		} else {
			assert_int_equal(s[i].ip_src[0], 0xfe);
			assert_int_equal(s[i].ip_src[1], 0x80);
			from_ll++;
		}
	}
	assert_true(from_unspec >= 1);
	assert_int_equal(from_ll, 1);
	assert_int_equal(count_from(e, ife, s, k, 2) + count_from(e, ife, s, k, 4), k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_members_reports_leave, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_hops_if, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join_before_dad, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
