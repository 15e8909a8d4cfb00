/* sim_tcp_autotune.c - buffer auto-tuning over a long fat pipe.
 *
 * Two stacks on one vnet whose ports carry 50 ms of latency each way at 100 Mbit/s:
 * a 100 ms round trip, a bandwidth-delay product of 1.25 MB, ten times the buffers a
 * connection starts with (128 KiB). One flow sends 16 MiB from a to b with nothing
 * sized by the user: auto-tuning must grow b's receive buffer (and window) and a's
 * send buffer past the BDP, so that the second half of the transfer runs near the
 * link rate. Then the same with SO_RCVBUF set on b's listener: that buffer stays as
 * set (as on Linux), and so the window bounds the flow to buffer / RTT. TCP_INFO's
 * tcpi_rcv_space shows the buffer, tcpi_rcv_rtt the receiver's estimate of the round
 * trip. Rates are printed; the bounds asserted are the feature's (window / RTT), not
 * a benchmark. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>

#include "lib_simnet.h"
#include "lib_tcpsim.h"
#include "ustack/socket.h"

#define LAT_US 50000u                   /* each way */
#define RATE_BPS 100000000u
#define PORT 5001

struct lfp {
	struct simnet *sn;
	struct ustack *a, *b;
	int fda, fdb;
};

struct acc {
	struct lfp *n;
	int lfd;
};

static bool accepted(void *ctx)
{
	struct acc *w = ctx;

	if (w->n->fdb < 0)
		w->n->fdb = ustack_accept4(w->n->b, w->lfd, NULL, NULL, SOCK_NONBLOCK);
	if (w->n->fdb < 0)
		return false;
	struct pollfd p = { .fd = w->n->fda, .events = POLLOUT };
	return ustack_poll(w->n->a, &p, 1, 0) == 1 && (p.revents & POLLOUT);
}

/* A long fat pipe and a connection over it; rcvbuf > 0: SO_RCVBUF on b's listener. */
static void lfp_open(struct lfp *n, int rcvbuf)
{
	struct ustack_vnet *vn;
	struct ustack_dev *da, *db;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct acc w = { .n = n };

	memset(n, 0, sizeof(*n));
	n->sn = simnet_new(1000000);
	vn = simnet_vnet(n->sn);
	n->a = simnet_stack(n->sn, "a", NULL);
	n->b = simnet_stack(n->sn, "b", NULL);
	simnet_attach(n->sn, n->a, vn, "10.0.0.1/24", 0, NULL, &da);
	simnet_attach(n->sn, n->b, vn, "10.0.0.2/24", 0, NULL, &db);
	assert_int_equal(ustack_vnet_port_link(da, LAT_US, RATE_BPS), 0);
	assert_int_equal(ustack_vnet_port_link(db, LAT_US, RATE_BPS), 0);

	w.lfd = ustack_socket(n->b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(w.lfd >= 0);
	if (rcvbuf > 0)
		assert_int_equal(ustack_setsockopt(n->b, w.lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
						   sizeof(rcvbuf)), 0);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	assert_int_equal(ustack_bind(n->b, w.lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(ustack_listen(n->b, w.lfd, 4), 0);
	n->fda = ustack_socket(n->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(n->fda >= 0);
	n->fdb = -1;
	sin.sin_addr.s_addr = simnet_addr("10.0.0.2");
	int rc = ustack_connect(n->a, n->fda, (struct sockaddr *)&sin, sizeof(sin));
	assert_true(rc == 0 || errno == EINPROGRESS);
	assert_true(simnet_run_until(n->sn, accepted, &w, 5000000));
	ustack_close(n->b, w.lfd);
}

struct result {
	uint64_t half_us, second_half_us;   /* when half had arrived; the second half's time */
	double mbps_second_half;
	struct tcp_info ib;                 /* the receiver's TCP_INFO at the end */
	int sndbuf_a, rcvbuf_b;             /* getsockopt at the end */
	bool ok;
};

/* total bytes from a to b, byte-exact; TCP_INFO taken before closing. */
static void lfp_transfer(struct lfp *n, uint64_t total, uint64_t max_us, struct result *r)
{
	size_t chunk = 65536;
	uint8_t *buf = malloc(chunk), *want = malloc(chunk);
	uint64_t sent = 0, got = 0, start = simnet_now(n->sn), end = start + max_us;
	bool bad = false;

	assert_non_null(buf);
	assert_non_null(want);
	memset(r, 0, sizeof(*r));
	while (got < total && !bad) {
		while (sent < total) {
			size_t k = total - sent < chunk ? (size_t)(total - sent) : chunk;

			tcpsim_pattern(7, sent, buf, k);
			ssize_t s = ustack_send(n->a, n->fda, buf, k, MSG_DONTWAIT);
			if (s <= 0)
				break;
			sent += (uint64_t)s;
		}
		for (;;) {
			ssize_t k = ustack_recv(n->b, n->fdb, buf, chunk, MSG_DONTWAIT);

			if (k <= 0)
				break;
			tcpsim_pattern(7, got, want, (size_t)k);
			bad |= memcmp(buf, want, (size_t)k) != 0;
			if (got < total / 2 && got + (uint64_t)k >= total / 2)
				r->half_us = simnet_now(n->sn);
			got += (uint64_t)k;
		}
		if (got < total && !simnet_step(n->sn, end))
			break;
	}
	r->ok = !bad && got == total;
	r->second_half_us = simnet_now(n->sn) - r->half_us;
	r->mbps_second_half = r->half_us && r->second_half_us ?
		(double)(total - total / 2) * 8 / (double)r->second_half_us : 0;
	socklen_t l = sizeof(r->ib);
	assert_int_equal(ustack_getsockopt(n->b, n->fdb, IPPROTO_TCP, TCP_INFO, &r->ib, &l), 0);
	l = sizeof(int);
	assert_int_equal(ustack_getsockopt(n->a, n->fda, SOL_SOCKET, SO_SNDBUF, &r->sndbuf_a, &l), 0);
	l = sizeof(int);
	assert_int_equal(ustack_getsockopt(n->b, n->fdb, SOL_SOCKET, SO_RCVBUF, &r->rcvbuf_b, &l), 0);
	free(buf);
	free(want);
}

static void lfp_close(struct lfp *n)
{
	ustack_close(n->a, n->fda);
	ustack_close(n->b, n->fdb);
	simnet_free(n->sn);
}

static void print(const char *what, const struct result *r)
{
	printf("# %s: second half %.1f Mbit/s (link %u), rcv_space %u, rcv_wscale %u, "
	       "rcv_rtt %u us, SO_SNDBUF(a) %d, SO_RCVBUF(b) %d\n", what, r->mbps_second_half,
	       RATE_BPS / 1000000, r->ib.tcpi_rcv_space, r->ib.tcpi_rcv_wscale, r->ib.tcpi_rcv_rtt,
	       r->sndbuf_a, r->rcvbuf_b);
}

/* No buffer set: the flow fills the pipe. */
static void test_autotune_fills_pipe(void **state)
{
	struct lfp n;
	struct result r;
	uint64_t total = tcpsim_under_asan() ? 8u << 20 : 16u << 20;
	uint64_t bdp = (uint64_t)RATE_BPS / 8 * (2 * LAT_US) / 1000000;

	(void)state;
	lfp_open(&n, 0);
	lfp_transfer(&n, total, 60000000, &r);
	print("auto-tuned", &r);
	assert_true(r.ok);
	/* the window scale of the SYN covers the stack's bound (6 MiB: shift 7) */
	assert_true(r.ib.tcpi_rcv_wscale >= 7);
	/* the receive buffer grew past the BDP, stayed within the bound */
	assert_true(r.ib.tcpi_rcv_space > bdp);
	assert_true(r.ib.tcpi_rcv_space <= 6u << 20);
	assert_int_equal(r.rcvbuf_b, (int)r.ib.tcpi_rcv_space);
	/* the sender's buffer followed its window */
	assert_true((uint64_t)r.sndbuf_a > bdp);
	/* the receiver's round trip is the path's: 100 ms, more with the link's queue
	 * (the switch's queue has no bound, so the sender fills it) */
	assert_true(r.ib.tcpi_rcv_rtt >= 2 * LAT_US - 2000);
	assert_true(r.ib.tcpi_rcv_rtt < 20 * LAT_US);      /* + the link's queue */
	/* most of the link: 128 KiB buffers would allow 10 Mbit/s */
	assert_true(r.mbps_second_half > 0.75 * RATE_BPS / 1e6);
	lfp_close(&n);
}

/* SO_RCVBUF set: fixed; the window bounds the flow. */
static void test_rcvbuf_set_stays(void **state)
{
	struct lfp n;
	struct result r;
	int set = 256 << 10;
	double bound = (double)set * 8 / (2 * LAT_US);   /* Mbit/s: a window per RTT */

	(void)state;
	lfp_open(&n, set);
	lfp_transfer(&n, 3u << 20, 60000000, &r);
	print("SO_RCVBUF 256 KiB", &r);
	assert_true(r.ok);
	assert_int_equal(r.ib.tcpi_rcv_space, (uint32_t)set);
	assert_int_equal(r.rcvbuf_b, set);
	/* the sender's buffer: no more than twice the window the receiver allows */
	assert_true(r.sndbuf_a <= 2 * set);
	assert_true(r.mbps_second_half <= bound * 1.05);
	assert_true(r.mbps_second_half > bound * 0.5);
	lfp_close(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_autotune_fills_pipe),
		cmocka_unit_test(test_rcvbuf_set_stays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
