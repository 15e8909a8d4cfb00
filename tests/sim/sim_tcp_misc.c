/* sim_tcp_misc.c - TCP between stacks on a simulated network: simultaneous open and
 * close, half-close, RST when closing with unread data, ICMP port unreachable
 * answering a connect (a test-driven host on a raw port), ICMP frag-needed lowering the
 * MSS (path MTU discovery through a router), many connections at once (the 4-tuple
 * table grows), and TIME_WAIT expiry. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib_simnet.h"
#include "lib_tcpsim.h"
#include "ustack/socket.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

static int tcp_socket(struct ustack *st, uint16_t port)
{
	int fd = ustack_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	assert_true(fd >= 0);
	if (port)
		assert_int_equal(ustack_bind(st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static void do_connect(struct ustack *st, int fd, const char *addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = simnet_addr(addr) };
	int rc = ustack_connect(st, fd, (struct sockaddr *)&sin, sizeof(sin));

	assert_true(rc == 0 || errno == EINPROGRESS);
}

static unsigned revents(struct ustack *st, int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };

	ustack_poll(st, &p, 1, 0);
	return (unsigned)p.revents;
}

static const char *state_of(struct ustack *st, uint16_t lport)
{
	static struct ustack_sockinfo si[64];
	size_t n = ustack_sockets(st, si, 64);

	for (size_t i = 0; i < n && i < 64; i++)
		if (si[i].proto == IPPROTO_TCP && ntohs(si[i].local.sin_port) == lport)
			return si[i].state;
	return "none";
}

struct two { struct ustack *a, *b; int fa, fb; };

static bool both_writable(void *ctx)
{
	struct two *w = ctx;

	return (revents(w->a, w->fa, POLLOUT) & POLLOUT) && (revents(w->b, w->fb, POLLOUT) & POLLOUT);
}

static void test_simultaneous_open_close(void **state)
{
	struct tcpsim t;
	struct two w;

	(void)state;
	tcpsim_init(&t, 10000, NULL, NULL);
	w.a = t.a;
	w.b = t.b;
	w.fa = tcp_socket(t.a, 6000);
	w.fb = tcp_socket(t.b, 7000);
	/* ARP first, so that both SYNs leave at the same instant and cross */
	struct ustack_ping_reply rep;
	assert_int_equal(simnet_ping(t.sn, t.a, "10.0.0.2", 1, 1, 8, 0, &rep, 1000000), 0);
	do_connect(t.a, w.fa, "10.0.0.2", 7000);
	do_connect(t.b, w.fb, "10.0.0.1", 6000);
	assert_true(simnet_run_until(t.sn, both_writable, &w, 5000000));
	assert_string_equal(state_of(t.a, 6000), "ESTABLISHED");
	assert_string_equal(state_of(t.b, 7000), "ESTABLISHED");
	assert_int_equal(ustack_send(t.a, w.fa, "ping", 4, 0), 4);
	simnet_run_for(t.sn, 100000);
	char buf[8];
	assert_int_equal(ustack_recv(t.b, w.fb, buf, sizeof(buf), 0), 4);
	/* simultaneous close: both FINs cross -> CLOSING -> TIME_WAIT on both sides */
	assert_int_equal(ustack_shutdown(t.a, w.fa, SHUT_WR), 0);
	assert_int_equal(ustack_shutdown(t.b, w.fb, SHUT_WR), 0);
	simnet_run_for(t.sn, 7000);                    /* FINs arrived (5 ms), ACKs not yet */
	assert_string_equal(state_of(t.a, 6000), "CLOSING");
	assert_string_equal(state_of(t.b, 7000), "CLOSING");
	simnet_run_for(t.sn, 100000);
	assert_string_equal(state_of(t.a, 6000), "TIME_WAIT");
	assert_string_equal(state_of(t.b, 7000), "TIME_WAIT");
	assert_int_equal(ustack_recv(t.a, w.fa, buf, sizeof(buf), 0), 0);
	ustack_close(t.a, w.fa);
	ustack_close(t.b, w.fb);
	/* 2 MSL (60 s by default) later both are gone */
	simnet_run_for(t.sn, 61000000);
	assert_string_equal(state_of(t.a, 6000), "none");
	assert_string_equal(state_of(t.b, 7000), "none");
	tcpsim_free(&t);
}

static void test_half_close(void **state)
{
	struct tcpsim t;
	int fa, fb;
	char buf[64];

	(void)state;
	tcpsim_init(&t, 2000, NULL, NULL);
	assert_int_equal(tcpsim_connect(&t, 80, &fa, &fb, 5000000), 0);
	/* a sends a request and shuts down writing; b reads to EOF, then answers */
	assert_int_equal(ustack_send(t.a, fa, "request", 7, 0), 7);
	assert_int_equal(ustack_shutdown(t.a, fa, SHUT_WR), 0);
	simnet_run_for(t.sn, 50000);
	assert_int_equal(ustack_recv(t.b, fb, buf, sizeof(buf), 0), 7);
	assert_int_equal(ustack_recv(t.b, fb, buf, sizeof(buf), 0), 0);
	assert_string_equal(state_of(t.b, 80), "CLOSE_WAIT");
	assert_string_equal(state_of(t.a, 0) , "none");
	assert_int_equal(ustack_send(t.a, fa, "x", 1, MSG_NOSIGNAL), -1);
	assert_int_equal(errno, EPIPE);
	for (int i = 0; i < 100; i++)
		assert_int_equal(ustack_send(t.b, fb, "response-", 9, 0), 9);
	ustack_close(t.b, fb);
	simnet_run_for(t.sn, 50000);
	size_t total = 0;
	ssize_t n;
	while ((n = ustack_recv(t.a, fa, buf, sizeof(buf), 0)) > 0)
		total += (size_t)n;
	assert_int_equal(n, 0);
	assert_int_equal(total, 900);
	ustack_close(t.a, fa);
	tcpsim_free(&t);
}

static void test_rst_on_close_unread(void **state)
{
	struct tcpsim t;
	int fa, fb;
	char buf[16];

	(void)state;
	tcpsim_init(&t, 2000, NULL, NULL);
	assert_int_equal(tcpsim_connect(&t, 80, &fa, &fb, 5000000), 0);
	assert_int_equal(ustack_send(t.a, fa, "unread data", 11, 0), 11);
	simnet_run_for(t.sn, 20000);
	ustack_close(t.b, fb);                         /* with 11 bytes unread: RST */
	simnet_run_for(t.sn, 20000);
	assert_int_equal(ustack_recv(t.a, fa, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_true(revents(t.a, fa, POLLIN) & POLLHUP);
	struct ustack_stats s;
	ustack_get_stats(t.b, &s);
	assert_int_equal(s.tcp_rst_out, 1);
	ustack_close(t.a, fa);
	tcpsim_free(&t);
}

/* A host (played by the test on a raw port) that answers ARP and returns ICMP port
 * unreachable for any TCP segment. */
static const uint8_t fake_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x09, 0x09 };

static void fake_host(struct simnet *sn, struct ustack_dev *raw, uint32_t my_ip, int *icmps)
{
	uint8_t f[2048];
	int len;

	while ((len = simnet_raw_recv(sn, raw, f, sizeof(f))) > 0) {
		struct eth_repr e;
		if (eth_parse(f, (size_t)len, &e) != 0)
			continue;
		if (e.type == ETHERTYPE_ARP) {
			struct arp_repr a;
			if (arp_parse(f + 14, (size_t)len - 14, &a) != 0 || a.op != ARP_OP_REQUEST ||
			    a.tpa != my_ip)
				continue;
			uint8_t o[60] = { 0 };
			struct eth_repr oe = { .type = ETHERTYPE_ARP };
			struct arp_repr oa = { .op = ARP_OP_REPLY, .spa = my_ip, .tpa = a.spa };
			memcpy(oe.dst, a.sha, 6);
			memcpy(oe.src, fake_mac, 6);
			memcpy(oa.sha, fake_mac, 6);
			memcpy(oa.tha, a.sha, 6);
			eth_emit(&oe, o);
			arp_emit(&oa, o + 14);
			simnet_raw_send(sn, raw, o, sizeof(o));
			continue;
		}
		struct ipv4_repr ip;
		if (e.type != ETHERTYPE_IPV4 || ipv4_parse(f + 14, (size_t)len - 14, &ip, true) != 0 ||
		    ip.proto != IP_PROTO_TCP || ip.dst != my_ip)
			continue;
		uint8_t o[14 + 20 + 8 + 28];
		struct eth_repr oe = { .type = ETHERTYPE_IPV4 };
		memcpy(oe.dst, e.src, 6);
		memcpy(oe.src, fake_mac, 6);
		eth_emit(&oe, o);
		struct ipv4_repr oi = { .hdr_len = 20, .total_len = 20 + 8 + 28, .ttl = 64,
					.proto = IP_PROTO_ICMP, .src = my_ip, .dst = ip.src };
		ipv4_emit(&oi, o + 14);
		memcpy(o + 14 + 20 + 8, f + 14, 28);     /* the quoted header + 8 bytes */
		struct icmp_repr ic = { .type = ICMP_DEST_UNREACH, .code = ICMP_PORT_UNREACH,
					.data_len = 28 };
		icmp_emit(&ic, o + 14 + 20);
		simnet_raw_send(sn, raw, o, sizeof(o));
		(*icmps)++;
	}
}

static void test_icmp_port_unreachable(void **state)
{
	struct simnet *sn = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(sn);
	struct ustack *a = simnet_stack(sn, "a", NULL);
	int icmps = 0;

	(void)state;
	simnet_attach(sn, a, vn, "10.0.0.1/24", 0, NULL, NULL);
	struct ustack_dev *raw = simnet_raw_port(sn, vn, fake_mac);
	int fd = tcp_socket(a, 0);
	do_connect(a, fd, "10.0.0.9", 80);
	for (int i = 0; i < 100 && !(revents(a, fd, POLLOUT) & (POLLERR | POLLHUP)); i++) {
		simnet_step(sn, simnet_now(sn) + 1000000);
		fake_host(sn, raw, ntohl(simnet_addr("10.0.0.9")), &icmps);
	}
	assert_true(icmps >= 1);      /* the SYN may have been resent while ARP waited */
	int err = 0;
	socklen_t l = sizeof(err);
	assert_int_equal(ustack_getsockopt(a, fd, SOL_SOCKET, SO_ERROR, &err, &l), 0);
	assert_int_equal(err, ECONNREFUSED);
	ustack_close(a, fd);
	simnet_free(sn);
}

/* a (MTU 1500) - router - b, with the router's link to b at MTU 1000: a's full-sized
 * segments (DF) draw ICMP frag-needed, a lowers its MSS and the transfer completes. */
static void test_path_mtu(void **state)
{
	struct simnet *sn = simnet_new(1000000);
	struct ustack_vnet *n1 = simnet_vnet(sn), *n2 = simnet_vnet(sn);
	struct ustack_config rc = { .forwarding = true };
	struct ustack *a = simnet_stack(sn, "a", NULL);
	struct ustack *r = simnet_stack(sn, "r", &rc);
	struct ustack *b = simnet_stack(sn, "b", NULL);

	(void)state;
	simnet_attach(sn, a, n1, "10.1.0.1/24", 1500, NULL, NULL);
	simnet_attach(sn, r, n1, "10.1.0.254/24", 1500, NULL, NULL);
	simnet_attach(sn, r, n2, "10.2.0.254/24", 1000, NULL, NULL);
	simnet_attach(sn, b, n2, "10.2.0.1/24", 1500, NULL, NULL);
	simnet_gateway(a, "10.1.0.254");
	simnet_gateway(b, "10.2.0.254");
	int l = tcp_socket(b, 80);
	assert_int_equal(ustack_listen(b, l, 4), 0);
	int fa = tcp_socket(a, 0);
	do_connect(a, fa, "10.2.0.1", 80);
	simnet_run_for(sn, 100000);
	int fb = ustack_accept(b, l, NULL, NULL);
	assert_true(fb >= 0);
	static uint8_t data[100000], got[100000];
	tcpsim_pattern(7, 0, data, sizeof(data));
	size_t sent = 0, rcvd = 0;
	for (int i = 0; i < 100000 && rcvd < sizeof(data); i++) {
		if (sent < sizeof(data)) {
			ssize_t k = ustack_send(a, fa, data + sent, sizeof(data) - sent, MSG_DONTWAIT);
			if (k > 0)
				sent += (size_t)k;
		}
		ssize_t k = ustack_recv(b, fb, got + rcvd, sizeof(got) - rcvd, MSG_DONTWAIT);
		if (k > 0)
			rcvd += (size_t)k;
		simnet_step(sn, simnet_now(sn) + 1000000);
	}
	assert_int_equal(rcvd, sizeof(data));
	assert_memory_equal(got, data, sizeof(data));
	int mss = 0;
	socklen_t ml = sizeof(mss);
	assert_int_equal(ustack_getsockopt(a, fa, IPPROTO_TCP, TCP_MAXSEG, &mss, &ml), 0);
	assert_true(mss <= 960);
	simnet_free(sn);
}

/* 600 connections at once through one listener, each echoing a few bytes. */
static void test_many_connections(void **state)
{
	struct tcpsim t;
	enum { N = 600 };
	static int fa[N], fb[N];
	char buf[16];

	(void)state;
	tcpsim_init(&t, 1000, NULL, NULL);
	int l = tcp_socket(t.b, 9000);
	assert_int_equal(ustack_listen(t.b, l, N), 0);
	/* resolve ARP first: its pending queue holds only a few packets */
	struct ustack_ping_reply rep;
	assert_int_equal(simnet_ping(t.sn, t.a, "10.0.0.2", 1, 1, 8, 0, &rep, 1000000), 0);
	for (int i = 0; i < N; i++) {
		fa[i] = tcp_socket(t.a, 0);
		do_connect(t.a, fa[i], "10.0.0.2", 9000);
	}
	simnet_run_for(t.sn, 200000);
	for (int i = 0; i < N; i++) {
		fb[i] = ustack_accept(t.b, l, NULL, NULL);
		assert_true(fb[i] >= 0);
	}
	for (int i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "c%d", i);
		assert_true(ustack_send(t.a, fa[i], buf, strlen(buf), 0) > 0);
	}
	simnet_run_for(t.sn, 200000);
	int ok = 0;
	for (int i = 0; i < N; i++) {
		ssize_t n = ustack_recv(t.b, fb[i], buf, sizeof(buf) - 1, 0);
		if (n > 0)
			ok++;
	}
	assert_int_equal(ok, N);
	for (int i = 0; i < N; i++) {
		ustack_close(t.a, fa[i]);
		ustack_close(t.b, fb[i]);
	}
	ustack_close(t.b, l);
	simnet_run_for(t.sn, 200000);
	tcpsim_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simultaneous_open_close),
		cmocka_unit_test(test_half_close),
		cmocka_unit_test(test_rst_on_close_unread),
		cmocka_unit_test(test_icmp_port_unreachable),
		cmocka_unit_test(test_path_mtu),
		cmocka_unit_test(test_many_connections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
