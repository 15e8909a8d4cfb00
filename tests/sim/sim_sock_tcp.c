/* sim_sock_tcp.c - the socket layer over TCP (blocking and non-blocking calls, errno
 * as Linux reports them) between two stacks on the virtual clock: blocking connect /
 * accept / send / recv in threads driven by lib_sockdrv, ECONNREFUSED, EINPROGRESS /
 * EALREADY / EISCONN and SO_ERROR for a non-blocking connect, SO_RCVTIMEO / SO_SNDTIMEO,
 * MSG_WAITALL, end of stream, close() waking a blocked accept, the netstat table,
 * SO_LINGER's waiting close, and the DNS server's TCP side. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/time.h>

#include "lib_simnet.h"
#include "lib_sockdrv.h"
#include "ustack/socket.h"
#include "ustack/netdb.h"
#include "wire/dns.h"

#define BULK (256 * 1024)

static struct simnet *SN;
static struct ustack *C, *S;
static struct sockdrv *DRV;
static bool have_tcp;

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	s.sin_addr.s_addr = simnet_addr(ip);
	return s;
}

static int group_setup(void **state)
{
	(void)state;
	struct ustack_config cfg = { .tcp_msl_ms = 1000 };

	SN = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(SN);
	C = simnet_stack(SN, "client", &cfg);
	S = simnet_stack(SN, "server", &cfg);
	simnet_attach(SN, C, vn, "10.0.0.1/24", 0, NULL, NULL);
	simnet_attach(SN, S, vn, "10.0.0.2/24", 0, NULL, NULL);
	struct ustack_ping_reply r;
	assert_int_equal(simnet_ping(SN, C, "10.0.0.2", 1, 1, 8, 0, &r, 1000000), 0);
	int fd = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	have_tcp = fd >= 0;
	if (fd >= 0)
		ustack_close(C, fd);
	struct ustack *all[] = { C, S };
	DRV = sockdrv_start(SN, all, 2, 1, 3600u * 1000000u);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sockdrv_stop(DRV);
	simnet_free(SN);
	return 0;
}

/* Sleep on the virtual clock: a receive that times out. */
static void vsleep(struct ustack *st, unsigned ms)
{
	int u = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct sockaddr_in any = sin_of("0.0.0.0", 0);
	char c;

	assert_int_equal(ustack_setsockopt(st, u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(ustack_bind(st, u, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_recv(st, u, &c, 1, 0), -1);
	ustack_close(st, u);
}

static int listener(uint16_t port)
{
	int fd = ustack_socket(S, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = sin_of("0.0.0.0", port);
	int one = 1;

	assert_true(fd >= 0);
	assert_int_equal(ustack_setsockopt(S, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	assert_int_equal(ustack_bind(S, fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(ustack_listen(S, fd, 8), 0);
	return fd;
}

/* ---- a blocking server in its own thread ------------------------------------- */

struct server {
	int lfd;
	size_t got;
	bool ok;
	uint32_t sum;
};

static void *echo_server(void *arg)
{
	struct server *sv = arg;
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	int fd = ustack_accept(S, sv->lfd, (struct sockaddr *)&peer, &pl);
	uint8_t buf[4096];

	sv->ok = fd >= 0 && pl == sizeof(peer) && peer.sin_addr.s_addr == simnet_addr("10.0.0.1");
	if (fd >= 0) {
		/* read slowly at first, so the client's send blocks on a full buffer */
		for (;;) {
			ssize_t n = ustack_recv(S, fd, buf, sizeof(buf), 0);
			if (n <= 0)
				break;
			for (ssize_t i = 0; i < n; i++)
				sv->sum = sv->sum * 31 + buf[i];
			sv->got += (size_t)n;
		}
		const char bye[] = "bye";
		ustack_send(S, fd, bye, 3, 0);
		ustack_close(S, fd);
	}
	sockdrv_app_done(DRV);
	return NULL;
}

static void test_blocking_transfer(void **state)
{
	(void)state;
	assert_true(have_tcp);
	struct server sv = { .lfd = listener(8000) };
	pthread_t t;
	sockdrv_app_begin(DRV);
	pthread_create(&t, NULL, echo_server, &sv);

	int fd = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 8000);
	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&to, sizeof(to)), 0);
	struct sockaddr_in pn;
	socklen_t pl = sizeof(pn);
	assert_int_equal(ustack_getpeername(C, fd, (struct sockaddr *)&pn, &pl), 0);
	assert_int_equal(pn.sin_port, htons(8000));
	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, EISCONN);

	uint8_t *data = malloc(BULK);
	uint32_t sum = 0;
	for (size_t i = 0; i < BULK; i++) {
		data[i] = (uint8_t)(i * 13 + (i >> 9));
		sum = sum * 31 + data[i];
	}
	assert_int_equal(ustack_send(C, fd, data, BULK, 0), BULK);      /* blocks, all of it */
	assert_int_equal(ustack_shutdown(C, fd, SHUT_WR), 0);
	char buf[8];
	assert_int_equal(ustack_recv(C, fd, buf, sizeof(buf), MSG_WAITALL), 3);  /* then EOF */
	assert_memory_equal(buf, "bye", 3);
	assert_int_equal(ustack_recv(C, fd, buf, sizeof(buf), 0), 0);
	pthread_join(t, NULL);
	assert_true(sv.ok);
	assert_int_equal(sv.got, BULK);
	assert_int_equal(sv.sum, sum);
	ustack_close(C, fd);
	ustack_close(S, sv.lfd);
	free(data);
}

static void test_refused(void **state)
{
	(void)state;
	assert_true(have_tcp);
	int fd = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 8001);

	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, ECONNREFUSED);
	ustack_close(C, fd);

	/* non-blocking: EINPROGRESS, then POLLOUT with the error in SO_ERROR */
	fd = ustack_socket(C, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, EINPROGRESS);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	assert_int_equal(ustack_poll(C, &p, 1, 5000), 1);
	assert_true(p.revents & (POLLERR | POLLHUP | POLLOUT));
	int err = 0;
	socklen_t el = sizeof(err);
	assert_int_equal(ustack_getsockopt(C, fd, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	assert_int_equal(err, ECONNREFUSED);
	ustack_close(C, fd);
}

static void test_nonblocking_connect(void **state)
{
	(void)state;
	assert_true(have_tcp);
	int lfd = listener(8002);
	int fd = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 8002);

	assert_int_equal(ustack_fcntl(C, fd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, EINPROGRESS);
	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, EALREADY);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	assert_int_equal(ustack_poll(C, &p, 1, 5000), 1);
	assert_true(p.revents & POLLOUT);
	int err = -1;
	socklen_t el = sizeof(err);
	assert_int_equal(ustack_getsockopt(C, fd, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	assert_int_equal(err, 0);
	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, EISCONN);
	/* the server side: poll says the listener is readable, accept4 makes it non-blocking */
	struct pollfd lp = { .fd = lfd, .events = POLLIN };
	assert_int_equal(ustack_poll(S, &lp, 1, 5000), 1);
	int afd = ustack_accept4(S, lfd, NULL, NULL, SOCK_NONBLOCK);
	assert_true(afd >= 0);
	char c;
	assert_int_equal(ustack_recv(S, afd, &c, 1, 0), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(ustack_send(C, fd, "z", 1, 0), 1);
	struct pollfd ap = { .fd = afd, .events = POLLIN };
	assert_int_equal(ustack_poll(S, &ap, 1, 5000), 1);
	assert_int_equal(ustack_recv(S, afd, &c, 1, 0), 1);
	assert_int_equal(c, 'z');

	/* netstat: the listener and both ends, with their descriptors */
	struct ustack_sockinfo si[16];
	size_t n = ustack_sockets(S, si, 16);
	bool saw_listen = false, saw_est = false;
	for (size_t i = 0; i < n && i < 16; i++) {
		if (si[i].proto != IPPROTO_TCP || si[i].local.sin_port != htons(8002))
			continue;
		if (strcmp(si[i].state, "LISTEN") == 0 && si[i].fd == lfd)
			saw_listen = true;
		if (strcmp(si[i].state, "ESTABLISHED") == 0 && si[i].fd == afd)
			saw_est = true;
	}
	assert_true(saw_listen);
	assert_true(saw_est);

	ustack_close(C, fd);
	ustack_close(S, afd);
	ustack_close(S, lfd);
	/* the active closer's end lingers in TIME_WAIT (2 MSL = 2 s here) without a
	 * descriptor, and is gone after it */
	vsleep(C, 200);
	n = ustack_sockets(C, si, 16);
	bool saw_tw = false;
	for (size_t i = 0; i < n && i < 16; i++)
		if (si[i].proto == IPPROTO_TCP && si[i].remote.sin_port == htons(8002) &&
		    si[i].fd == -1 && strcmp(si[i].state, "TIME_WAIT") == 0)
			saw_tw = true;
	assert_true(saw_tw);
	vsleep(C, 2500);
	n = ustack_sockets(C, si, 16);
	for (size_t i = 0; i < n && i < 16; i++)
		assert_false(si[i].proto == IPPROTO_TCP && si[i].remote.sin_port == htons(8002));
}

static void test_timeouts(void **state)
{
	(void)state;
	assert_true(have_tcp);
	int lfd = listener(8003);
	struct timeval tv = { 0, 300000 };

	assert_int_equal(ustack_setsockopt(S, lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	uint64_t t0 = ustack_now(S);
	assert_int_equal(ustack_accept(S, lfd, NULL, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	uint64_t dt = ustack_now(S) - t0;
	assert_true(dt >= 300000 && dt < 400000);

	/* connect to a host that does not answer: SO_SNDTIMEO cuts the wait (EINPROGRESS) */
	int fd = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in nobody = sin_of("10.0.0.99", 80);
	assert_int_equal(ustack_setsockopt(C, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	t0 = ustack_now(C);
	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&nobody, sizeof(nobody)), -1);
	assert_int_equal(errno, EINPROGRESS);
	dt = ustack_now(C) - t0;
	assert_true(dt >= 300000 && dt < 400000);
	ustack_close(C, fd);

	/* without a timeout the attempt runs until TCP gives up on the SYN (RFC 9293
	 * 3.8.3 R2): ETIMEDOUT, or the soft error seen meanwhile (no ARP answer) */
	fd = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	t0 = ustack_now(C);
	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&nobody, sizeof(nobody)), -1);
	assert_true(errno == ETIMEDOUT || errno == EHOSTUNREACH);
	assert_true(ustack_now(C) - t0 > 10000000);
	ustack_close(C, fd);

	/* recv with a timeout on an idle connection */
	fd = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 8003);
	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&to, sizeof(to)), 0);
	assert_int_equal(ustack_setsockopt(C, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	char c;
	t0 = ustack_now(C);
	assert_int_equal(ustack_recv(C, fd, &c, 1, 0), -1);
	assert_int_equal(errno, EAGAIN);
	dt = ustack_now(C) - t0;
	assert_true(dt >= 300000 && dt < 400000);
	ustack_close(C, fd);
	ustack_close(S, lfd);
}

struct blocked {
	int fd;
	int rc, err;
};

static void *block_accept(void *arg)
{
	struct blocked *b = arg;

	b->rc = ustack_accept(S, b->fd, NULL, NULL);
	b->err = errno;
	sockdrv_app_done(DRV);
	return NULL;
}

static void test_close_wakes_accept(void **state)
{
	(void)state;
	assert_true(have_tcp);
	struct blocked b = { .fd = listener(8004) };
	pthread_t t;

	sockdrv_app_begin(DRV);
	pthread_create(&t, NULL, block_accept, &b);
	vsleep(C, 100);         /* the other thread is surely blocked by then */
	assert_int_equal(ustack_close(S, b.fd), 0);
	pthread_join(t, NULL);
	assert_int_equal(b.rc, -1);
	assert_int_equal(b.err, EBADF);
}

/* ---- SO_LINGER ------------------------------------------------------------------ */

/* The netstat state of st's TCP connection on local port lport ("" if none). */
static const char *conn_state(struct ustack *st, uint16_t lport)
{
	struct ustack_sockinfo si[32];
	size_t n = ustack_sockets(st, si, 32);

	for (size_t i = 0; i < n && i < 32; i++)
		if (si[i].proto == IPPROTO_TCP && si[i].local.sin_port == htons(lport))
			return si[i].state;
	return "";
}

/* A connected pair on port: *cfd on C, the accepted *afd on S; returns C's local port. */
static uint16_t pair(int lfd, uint16_t port, int *cfd, int *afd)
{
	struct sockaddr_in to = sin_of("10.0.0.2", port), me;
	socklen_t ml = sizeof(me);

	*cfd = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(ustack_connect(C, *cfd, (struct sockaddr *)&to, sizeof(to)), 0);
	*afd = ustack_accept(S, lfd, NULL, NULL);
	assert_true(*afd >= 0);
	assert_int_equal(ustack_getsockname(C, *cfd, (struct sockaddr *)&me, &ml), 0);
	return ntohs(me.sin_port);
}

/* Reads fd to its end; returns the byte count. */
static size_t drain(struct ustack *st, int fd)
{
	uint8_t buf[8192];
	size_t got = 0;
	ssize_t n;

	while ((n = ustack_recv(st, fd, buf, sizeof(buf), 0)) > 0)
		got += (size_t)n;
	assert_int_equal(n, 0);
	return got;
}

/* close() returns at once and the FIN is acknowledged later; with SO_LINGER and a
 * positive time it waits for that acknowledgement, or until the time passes (then it
 * returns 0 and the connection carries on without its descriptor, as on Linux). */
static void test_linger(void **state)
{
	(void)state;
	assert_true(have_tcp);
	int lfd = listener(8005), cfd, afd;
	static uint8_t data[10000];
	struct linger lg = { 1, 5 };

	/* no linger: close is immediate, the FIN still unacknowledged */
	uint16_t lp = pair(lfd, 8005, &cfd, &afd);
	assert_int_equal(ustack_send(C, cfd, data, sizeof(data), 0), sizeof(data));
	uint64_t t0 = ustack_now(C);
	assert_int_equal(ustack_close(C, cfd), 0);
	assert_int_equal(ustack_now(C) - t0, 0);
	assert_string_equal(conn_state(C, lp), "FIN_WAIT1");
	assert_int_equal(drain(S, afd), sizeof(data));
	ustack_close(S, afd);

	/* linger 5 s: close comes back once data and FIN are acknowledged */
	lp = pair(lfd, 8005, &cfd, &afd);
	assert_int_equal(ustack_setsockopt(C, cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	assert_int_equal(ustack_send(C, cfd, data, sizeof(data), 0), sizeof(data));
	t0 = ustack_now(C);
	assert_int_equal(ustack_close(C, cfd), 0);
	uint64_t dt = ustack_now(C) - t0;
	assert_true(dt < 1000000);             /* zero-latency link: maybe no time at all */
	assert_string_equal(conn_state(C, lp), "FIN_WAIT2");
	assert_int_equal(ustack_send(C, cfd, data, 1, 0), -1);
	assert_int_equal(errno, EBADF);                 /* the descriptor is gone */
	assert_int_equal(drain(S, afd), sizeof(data));
	ustack_close(S, afd);

	/* linger 2 s, and the peer reads nothing: the window and the send buffer fill,
	 * close waits the whole 2 s, returns 0, and every byte still arrives afterwards */
	lg.l_linger = 2;
	lp = pair(lfd, 8005, &cfd, &afd);
	assert_int_equal(ustack_setsockopt(C, cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	assert_int_equal(ustack_fcntl(C, cfd, F_SETFL, O_NONBLOCK), 0);
	size_t sent = 0;
	for (int i = 0; i < 1000; i++) {
		ssize_t n = ustack_send(C, cfd, data, sizeof(data), 0);
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			vsleep(C, 50);          /* the window closes; stop when nothing more fits */
			n = ustack_send(C, cfd, data, sizeof(data), 0);
			if (n < 0)
				break;
		}
		sent += (size_t)n;
	}
	assert_true(sent > 2 * sizeof(data));
	t0 = ustack_now(C);
	assert_int_equal(ustack_close(C, cfd), 0);      /* even non-blocking, as Linux */
	dt = ustack_now(C) - t0;
	assert_true(dt >= 2000000 && dt < 2100000);
	assert_string_equal(conn_state(C, lp), "FIN_WAIT1");
	assert_int_equal(drain(S, afd), sent);
	ustack_close(S, afd);

	/* linger with unread data is still an abort: RST at once, no wait */
	lp = pair(lfd, 8005, &cfd, &afd);
	assert_int_equal(ustack_setsockopt(C, cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	assert_int_equal(ustack_send(S, afd, "x", 1, 0), 1);
	vsleep(C, 50);
	t0 = ustack_now(C);
	assert_int_equal(ustack_close(C, cfd), 0);
	assert_int_equal(ustack_now(C) - t0, 0);
	assert_string_equal(conn_state(C, lp), "");
	char c;
	assert_int_equal(ustack_recv(S, afd, &c, 1, 0), -1);
	assert_int_equal(errno, ECONNRESET);
	ustack_close(S, afd);
	ustack_close(S, lfd);
}

/* The DNS server's TCP side, asked directly and through a resolver's TC fallback. */
static void test_dns_over_tcp(void **state)
{
	(void)state;
	assert_true(have_tcp);
	char zone[4096];
	size_t off = 0;
	for (int i = 0; i < 60; i++)
		off += (size_t)snprintf(zone + off, sizeof(zone) - off, "big.test A 10.9.0.%d\n", i + 1);
	struct ustack_dns_server *srv = ustack_dns_server_start(S, zone, 53, 300);
	assert_non_null(srv);

	int fd = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of("10.0.0.2", 53);
	assert_int_equal(ustack_connect(C, fd, (struct sockaddr *)&to, sizeof(to)), 0);
	uint8_t q[2 + 512];
	int ql = dns_build_query(q + 2, 512, 0x4242, "big.test", DNS_TYPE_A, true);
	be16_put(q, (uint16_t)ql);
	/* two queries in one go: both answered, in order (RFC 7766 6.2.1) */
	assert_int_equal(ustack_send(C, fd, q, (size_t)ql + 2, 0), ql + 2);
	assert_int_equal(ustack_send(C, fd, q, (size_t)ql + 2, 0), ql + 2);
	for (int k = 0; k < 2; k++) {
		uint8_t lb[2];
		assert_int_equal(ustack_recv(C, fd, lb, 2, MSG_WAITALL), 2);
		size_t alen = be16_get(lb);
		assert_true(alen > 512);                /* more than UDP could carry */
		uint8_t *a = malloc(alen);
		assert_int_equal(ustack_recv(C, fd, a, alen, MSG_WAITALL), (ssize_t)alen);
		struct dns_msg *m = malloc(sizeof(*m));
		assert_int_equal(dns_parse(a, alen, m), WIRE_OK);
		assert_int_equal(m->id, 0x4242);
		assert_false(m->flags & DNS_F_TC);
		assert_int_equal(m->ancount, 60);
		free(m);
		free(a);
	}
	ustack_close(C, fd);

	/* the resolver gets TC over UDP and asks again over TCP */
	struct ustack_resolver_config rc = { .n_servers = 1 };
	rc.servers[0].s_addr = simnet_addr("10.0.0.2");
	assert_int_equal(ustack_resolver_configure(C, &rc), 0);
	struct ustack_dns_result r;
	assert_int_equal(ustack_resolve(C, "big.test", &r), 0);
	assert_true(r.via_tcp);
	assert_int_equal(r.n_addrs, 16);                /* the first 16 kept */
	ustack_dns_server_stop(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocking_transfer),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_nonblocking_connect),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_close_wakes_accept),
		cmocka_unit_test(test_linger),
		cmocka_unit_test(test_dns_over_tcp),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
