/* bench_fair.c - 16 ustack TCP flows share one bottleneck: Jain's fairness index of
 * their goodputs (1.0: perfectly equal; 1/n: one flow takes everything).
 *
 * In-process, on lib_simnet's virtual clock (tests/sim): the sender stack's vnet port
 * has a rate-limited link (ustack_vnet_port_link: serialisation at RATE, latency RTT/2)
 * and, in front of it, a tail-drop queue of QUEUE bytes (the wrapper below: the vnet
 * link alone queues without bound). The receiver's link carries the ACKs back after
 * RTT/2. All flows start together; each flow's bytes read by the receiver are counted
 * after a warm-up, for a measuring window; Jain's index is computed over them.
 *
 * The Linux reference (16 kernel flows through bench/relay's bottleneck) is in
 * bench_fair.sh; this program measures ustack on the same shape of bottleneck.
 *
 * Environment: BENCH_QUICK=1 (shorter window), BENCH_FAIR_FLOWS, BENCH_FAIR_MBIT,
 * BENCH_FAIR_RTT_MS, BENCH_FAIR_SECS (measuring window, virtual seconds). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "bench_util.h"
#include "lib_simnet.h"
#include "ustack/socket.h"

#define MAX_FLOWS 64

/* --- a tail-drop queue in front of a vnet port with a rate-limited link --- */

struct bneck {
	struct ustack_dev dev;
	struct ustack_dev *inner;
	uint64_t bps, queue_bytes;
	uint64_t link_free;         /* mirrors the vnet link's own schedule */
	uint64_t dropped, sent;
};

static int bneck_send(struct ustack_dev *d, const uint8_t *frame, size_t len, uint64_t now)
{
	struct bneck *b = d->priv;
	uint64_t start = b->link_free > now ? b->link_free : now;
	uint64_t backlog = (start - now) * b->bps / 8000000u;

	if (backlog + len > b->queue_bytes) {
		b->dropped++;      /* the queue is full: the frame is lost, as on a router */
		return 0;
	}
	/* the same arithmetic as vnet_send's serialisation */
	b->link_free = start + ((uint64_t)len * 8u * 1000000u + b->bps - 1) / b->bps;
	b->sent++;
	return b->inner->ops->send(b->inner, frame, len, now);
}

static int bneck_recv(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now)
{
	struct bneck *b = d->priv;

	return b->inner->ops->recv(b->inner, buf, cap, now);
}

static uint64_t bneck_deadline(struct ustack_dev *d)
{
	struct bneck *b = d->priv;

	return b->inner->ops->next_deadline ? b->inner->ops->next_deadline(b->inner) : UINT64_MAX;
}

static void bneck_close(struct ustack_dev *d)
{
	struct bneck *b = d->priv;

	ustack_dev_close(b->inner);
	free(b);
}

static const struct ustack_dev_ops bneck_ops = {
	.send = bneck_send, .recv = bneck_recv, .next_deadline = bneck_deadline,
	.close = bneck_close,
};

static struct bneck *bneck_wrap(struct ustack_dev *inner, uint64_t bps, uint64_t queue_bytes)
{
	struct bneck *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->inner = inner;
	b->bps = bps;
	b->queue_bytes = queue_bytes;
	b->dev.ops = &bneck_ops;
	b->dev.priv = b;
	b->dev.fd = inner->fd;
	b->dev.mtu = inner->mtu;
	memcpy(b->dev.mac, inner->mac, 6);
	snprintf(b->dev.name, sizeof(b->dev.name), "bneck");
	return b;
}

/* --- the flows --- */

static unsigned env_uint(const char *name, unsigned def)
{
	const char *e = getenv(name);

	return e && *e ? (unsigned)strtoul(e, NULL, 10) : def;
}

static double jain(const double *x, int n)
{
	double s = 0, q = 0;

	for (int i = 0; i < n; i++) {
		s += x[i];
		q += x[i] * x[i];
	}
	return q > 0 ? s * s / (n * q) : 0;
}

int main(void)
{
	int nflows = (int)env_uint("BENCH_FAIR_FLOWS", 16);
	uint64_t mbit = env_uint("BENCH_FAIR_MBIT", 100);
	uint64_t rtt_us = (uint64_t)env_uint("BENCH_FAIR_RTT_MS", 20) * 1000;
	uint64_t secs = env_uint("BENCH_FAIR_SECS", bench_quick() ? 10 : 30);
	uint64_t warm_us = (bench_quick() ? 3 : 5) * 1000000ull;
	uint64_t bps = mbit * 1000000;
	uint64_t queue = bps / 8 * rtt_us / 1000000;   /* one bandwidth-delay product */
	int cfd[MAX_FLOWS], sfd[MAX_FLOWS];
	double got[MAX_FLOWS] = { 0 };
	static uint8_t buf[65536];

	if (nflows < 2 || nflows > MAX_FLOWS || !mbit || !secs) {
		fprintf(stderr, "bench_fair: BENCH_FAIR_FLOWS 2..%d, MBIT and SECS > 0\n", MAX_FLOWS);
		return 2;
	}
	if (queue < 16 * 1514)
		queue = 16 * 1514;

	struct simnet *sn = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(sn);
	struct ustack *snd = simnet_stack(sn, "sender", NULL);
	struct ustack *rcv = simnet_stack(sn, "receiver", NULL);
	struct ustack_dev *port = ustack_vnet_port(vn, NULL, 1500);
	struct bneck *bn = port ? bneck_wrap(port, bps, queue) : NULL;
	struct in_addr a = { .s_addr = simnet_addr("10.0.0.1") };
	struct ustack_dev *rport = NULL;

	if (!bn || ustack_vnet_port_link(port, rtt_us / 2, bps) < 0 ||
	    ustack_if_add(snd, &bn->dev, a, 24) < 0) {
		fprintf(stderr, "bench_fair: cannot build the bottleneck\n");
		return 1;
	}
	simnet_attach(sn, rcv, vn, "10.0.0.2/24", 0, NULL, &rport);
	ustack_vnet_port_link(rport, rtt_us / 2, 0);

	/* the receiver listens; every flow connects */
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(5001) };
	int one = 1;
	int lfd = ustack_socket(rcv, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ustack_setsockopt(rcv, lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (lfd < 0 || ustack_bind(rcv, lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    ustack_listen(rcv, lfd, 128) < 0) {
		fprintf(stderr, "bench_fair: listen: %s\n", strerror(errno));
		return 1;
	}
	sin.sin_addr.s_addr = simnet_addr("10.0.0.2");
	for (int i = 0; i < nflows; i++) {
		cfd[i] = ustack_socket(snd, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		sfd[i] = -1;
		if (cfd[i] < 0 || (ustack_connect(snd, cfd[i], (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
				   errno != EINPROGRESS)) {
			fprintf(stderr, "bench_fair: connect: %s\n", strerror(errno));
			return 1;
		}
	}
	/* accepted sockets are matched to flows by the client's port */
	uint16_t cport[MAX_FLOWS];
	for (int i = 0; i < nflows; i++) {
		struct sockaddr_in me;
		socklen_t l = sizeof(me);
		ustack_getsockname(snd, cfd[i], (struct sockaddr *)&me, &l);
		cport[i] = me.sin_port;
	}

	uint64_t t0 = simnet_now(sn), wall0 = bench_wall_ns();
	uint64_t m0 = t0 + warm_us, m1 = m0 + secs * 1000000;
	int accepted = 0;
	memset(buf, 0x5a, sizeof(buf));
	while (simnet_now(sn) < m1) {
		uint64_t now = simnet_now(sn);
		for (;;) {
			struct sockaddr_in peer;
			socklen_t l = sizeof(peer);
			int fd = ustack_accept4(rcv, lfd, (struct sockaddr *)&peer, &l, SOCK_NONBLOCK);
			if (fd < 0)
				break;
			for (int i = 0; i < nflows; i++)
				if (cport[i] == peer.sin_port && sfd[i] < 0) {
					sfd[i] = fd;
					accepted++;
				}
		}
		for (int i = 0; i < nflows; i++) {
			while (ustack_send(snd, cfd[i], buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
			if (sfd[i] < 0)
				continue;
			ssize_t k;
			while ((k = ustack_recv(rcv, sfd[i], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
				if (now >= m0)
					got[i] += (double)k;
		}
		if (!simnet_step(sn, m1))
			break;
	}
	double wall = (double)(bench_wall_ns() - wall0) / 1e9;

	double sum = 0, mn = 1e300, mx = 0;
	for (int i = 0; i < nflows; i++) {
		double g = got[i] * 8 / (double)secs / 1e6;
		got[i] = g;
		sum += g;
		mn = g < mn ? g : mn;
		mx = g > mx ? g : mx;
	}
	struct ustack_stats st;
	ustack_get_stats(snd, &st);
	printf("bench_fair: %d ustack flows, one bottleneck %llu Mbit/s, RTT %llu ms, tail-drop queue "
	       "%llu bytes (1 BDP), virtual clock; measured %llu s after %llu s warm-up (%.1f s real)\n",
	       nflows, (unsigned long long)mbit, (unsigned long long)(rtt_us / 1000),
	       (unsigned long long)queue, (unsigned long long)secs,
	       (unsigned long long)(warm_us / 1000000), wall);
	printf("  per-flow goodput Mbit/s:");
	for (int i = 0; i < nflows; i++)
		printf(" %.2f", got[i]);
	printf("\n  flows accepted %d/%d, total %.1f Mbit/s (%.0f%% of the link), min %.2f max %.2f, "
	       "queue drops %llu, retransmits %llu, timeouts %llu\n", accepted, nflows, sum,
	       sum / (double)mbit * 100, mn, mx, (unsigned long long)bn->dropped,
	       (unsigned long long)st.tcp_retransmits, (unsigned long long)st.tcp_timeouts);
	printf("  Jain's fairness index: %.4f   (%s)\n", jain(got, nflows), bench_loadavg());
	simnet_free(sn);
	return accepted == nflows && sum > 0 ? 0 : 1;
}
