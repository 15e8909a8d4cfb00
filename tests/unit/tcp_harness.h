/* tcp_harness.h - drive one stack's TCP segment by segment on a virtual clock, with no
 * real peer (the way smoltcp's socket tests do): the test plays the peer 10.0.0.2.
 *
 * The stack (10.0.0.1/24) has one interface on a capture device written here: every
 * frame it sends is kept for the test to read (th_next), and ARP requests for the peer
 * are answered at once. Segments from the peer are built with the wire emitters and
 * handed to tcp_input() with p->src / p->dst set. Time moves only when the test
 * calls th_advance (which polls the stack, firing due timers).
 *
 * Included by the tests/unit/test_tcp_*.c files (static functions only). */
#ifndef TESTS_UNIT_TCP_HARNESS_H
#define TESTS_UNIT_TCP_HARNESS_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "ustack/socket.h"
#include "ustack/dev.h"
#include "core/stack.h"
#include "core/pkt.h"
#include "tcp/tcp_var.h"
#include "tcp/tcp_cc.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define TH_STATIC static __attribute__((unused))
#define TH_LOCAL 0x0a000001u        /* 10.0.0.1, the stack */
#define TH_PEER  0x0a000002u        /* 10.0.0.2, the test */
#define TH_T0    1000000u           /* the clock at start (us) */
#define TH_MAXF  4096

static const uint8_t th_peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t th_local_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

struct th_frame { size_t len; uint8_t *data; };

struct th_dev {
	struct ustack_dev dev;
	struct th_frame tx[TH_MAXF];     /* sent by the stack, not yet read */
	int tx_head, tx_n;
	struct th_frame rx[16];          /* for the stack to receive (ARP replies) */
	int rx_n;
	unsigned long sent;              /* frames the stack sent, ever */
};

struct th {
	struct ustack *st;
	struct th_dev *dev;
	uint64_t now;
};

/* A segment as the test sees it. */
struct th_seg {
	struct tcp_repr h;
	uint8_t data[65536];
	size_t len;
};

TH_STATIC void th_queue_rx(struct th_dev *d, const uint8_t *f, size_t len)
{
	if (d->rx_n < 16) {
		d->rx[d->rx_n].data = malloc(len);
		memcpy(d->rx[d->rx_n].data, f, len);
		d->rx[d->rx_n].len = len;
		d->rx_n++;
	}
}

TH_STATIC int th_dev_send(struct ustack_dev *dv, const uint8_t *frame, size_t len, uint64_t now)
{
	struct th_dev *d = (struct th_dev *)dv;
	struct eth_repr e;
	struct arp_repr a;

	(void)now;
	d->sent++;
	if (eth_parse(frame, len, &e) == 0 && e.type == ETHERTYPE_ARP &&
	    arp_parse(frame + ETH_HDR_LEN, len - ETH_HDR_LEN, &a) == 0) {
		if (a.op == ARP_OP_REQUEST && a.tpa == TH_PEER) {
			uint8_t r[ETH_HDR_LEN + ARP_LEN];
			struct eth_repr re = { .type = ETHERTYPE_ARP };
			struct arp_repr ra = { .op = ARP_OP_REPLY, .spa = TH_PEER, .tpa = a.spa };

			memcpy(re.dst, a.sha, 6);
			memcpy(re.src, th_peer_mac, 6);
			memcpy(ra.sha, th_peer_mac, 6);
			memcpy(ra.tha, a.sha, 6);
			eth_emit(&re, r);
			arp_emit(&ra, r + ETH_HDR_LEN);
			th_queue_rx(d, r, sizeof(r));
		}
		return 0;                        /* ARP is not shown to the test */
	}
	if (d->tx_n < TH_MAXF) {
		int i = (d->tx_head + d->tx_n) % TH_MAXF;

		d->tx[i].data = malloc(len);
		memcpy(d->tx[i].data, frame, len);
		d->tx[i].len = len;
		d->tx_n++;
	}
	return 0;
}

TH_STATIC int th_dev_recv(struct ustack_dev *dv, uint8_t *buf, size_t cap, uint64_t now)
{
	struct th_dev *d = (struct th_dev *)dv;

	(void)now;
	if (d->rx_n == 0)
		return 0;
	size_t n = d->rx[0].len < cap ? d->rx[0].len : cap;
	memcpy(buf, d->rx[0].data, n);
	free(d->rx[0].data);
	memmove(&d->rx[0], &d->rx[1], (size_t)(d->rx_n - 1) * sizeof(d->rx[0]));
	d->rx_n--;
	return (int)n;
}

TH_STATIC void th_dev_close(struct ustack_dev *dv)
{
	struct th_dev *d = (struct th_dev *)dv;

	while (d->tx_n) {
		free(d->tx[d->tx_head].data);
		d->tx_head = (d->tx_head + 1) % TH_MAXF;
		d->tx_n--;
	}
	for (int i = 0; i < d->rx_n; i++)
		free(d->rx[i].data);
	free(d);
}

static const struct ustack_dev_ops th_dev_ops = {
	.send = th_dev_send, .recv = th_dev_recv, .close = th_dev_close,
};

/* Poll until the capture device has nothing left for the stack (ARP replies). */
TH_STATIC void th_pump(struct th *h)
{
	for (int i = 0; i < 8; i++) {
		ustack_step(h->st, h->now);
		if (h->dev->rx_n == 0)
			break;
	}
}

TH_STATIC void th_advance(struct th *h, uint64_t us)
{
	h->now += us;
	th_pump(h);
}

/* Advance to the stack's next deadline (at most `max` us ahead); returns the step. */
TH_STATIC uint64_t th_advance_to_deadline(struct th *h, uint64_t max)
{
	uint64_t d = ustack_next_deadline(h->st);
	uint64_t step = d > h->now ? d - h->now : 0;

	if (step > max)
		step = max;
	th_advance(h, step);
	return step;
}

TH_STATIC void th_init_cfg(struct th *h, const struct ustack_config *cfg)
{
	struct ustack_config c;

	memset(h, 0, sizeof(*h));
	memset(&c, 0, sizeof(c));
	if (cfg)
		c = *cfg;
	c.name = "tcp";
	/* An IPv4 harness: no IPv6 link chatter (DAD, router solicitations, MLD reports)
	 * among the captured frames or the stack's deadlines. */
	c.disable_ipv6 = true;
	if (!c.seed)
		c.seed = 42;
	h->st = ustack_new(&c);
	assert_non_null(h->st);
	h->dev = calloc(1, sizeof(*h->dev));
	h->dev->dev.ops = &th_dev_ops;
	memcpy(h->dev->dev.mac, th_local_mac, 6);
	h->dev->dev.mtu = 1500;
	h->dev->dev.fd = -1;
	snprintf(h->dev->dev.name, sizeof(h->dev->dev.name), "cap0");
	h->now = TH_T0;
	ustack_step(h->st, h->now);
	struct in_addr a = { .s_addr = htonl(TH_LOCAL) };
	assert_true(ustack_if_add(h->st, &h->dev->dev, a, 24) >= 0);
	th_pump(h);
}

TH_STATIC void th_init(struct th *h)
{
	th_init_cfg(h, NULL);
}

TH_STATIC void th_free(struct th *h)
{
	ustack_free(h->st);
}

/* Segments the stack sent and the test did not read yet. */
TH_STATIC int th_pending(const struct th *h)
{
	return h->dev->tx_n;
}

/* The next TCP segment the stack sent (non-TCP frames are skipped). */
TH_STATIC bool th_next(struct th *h, struct th_seg *s)
{
	while (h->dev->tx_n) {
		struct th_frame f = h->dev->tx[h->dev->tx_head];
		struct ipv4_repr ip;
		bool ok = false;

		h->dev->tx_head = (h->dev->tx_head + 1) % TH_MAXF;
		h->dev->tx_n--;
		if (f.len > ETH_HDR_LEN &&
		    ipv4_parse(f.data + ETH_HDR_LEN, f.len - ETH_HDR_LEN, &ip, true) == 0 &&
		    ip.proto == IP_PROTO_TCP) {
			const uint8_t *t = f.data + ETH_HDR_LEN + ip.hdr_len;
			size_t tl = ip.total_len - ip.hdr_len;

			assert_int_equal(tcp_parse(t, tl, ip.src, ip.dst, &s->h, true), 0);
			s->len = tl - s->h.hdr_len;
			memcpy(s->data, t + s->h.hdr_len, s->len);
			ok = true;
		}
		free(f.data);
		if (ok)
			return true;
	}
	return false;
}

/* Drop everything sent so far. */
TH_STATIC void th_flush(struct th *h)
{
	struct th_seg *s = malloc(sizeof(*s));

	while (th_next(h, s)) {
	}
	free(s);
}

/* Hand the stack a segment from the peer (options as set in r). */
TH_STATIC void th_inject_raw(struct th *h, const struct tcp_repr *r, const void *data, size_t len,
			  bool good_csum)
{
	size_t hl = TCP_HDR_LEN + tcp_options_len(r);
	struct pkt *p = pkt_alloc(h->st, hl + len);

	assert_non_null(p);
	uint8_t *b = pkt_put(p, hl + len);
	tcp_emit(r, b);
	if (len)
		memcpy(b + hl, data, len);
	tcp_set_csum(b, hl + len, TH_PEER, TH_LOCAL);
	if (!good_csum)
		b[16] ^= 0x5a;
	p->src = ip_addr_from_v4(TH_PEER);
	p->dst = ip_addr_from_v4(TH_LOCAL);
	p->ip_proto = IP_PROTO_TCP;
	p->ifindex = 0;
	p->rx_time = h->now;
	pthread_mutex_lock(&h->st->lock);
	tcp_input(h->st, p);
	pthread_mutex_unlock(&h->st->lock);
	th_pump(h);
}

TH_STATIC void th_inject(struct th *h, const struct tcp_repr *r, const void *data, size_t len)
{
	th_inject_raw(h, r, data, len, true);
}

/* A segment header from the peer's port to the stack's. */
TH_STATIC struct tcp_repr th_hdr(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			      uint8_t flags, uint16_t win)
{
	struct tcp_repr r;

	memset(&r, 0, sizeof(r));
	r.sport = sport;
	r.dport = dport;
	r.seq = seq;
	r.ack = ack;
	r.flags = flags;
	r.win = win;
	return r;
}

/* The connection of the stack with local port lport and peer port rport. */
TH_STATIC struct tcp_conn *th_conn(struct th *h, uint16_t lport, uint16_t rport)
{
	for (struct tcp_conn *c = h->st->tcp->all; c; c = c->anext)
		if (c->lport == lport && c->rport == rport && c->state != TCPS_LISTEN)
			return c;
	return NULL;
}

TH_STATIC int th_listen(struct th *h, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = ustack_socket(h->st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(ustack_bind(h->st, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(ustack_listen(h->st, fd, 8), 0);
	return fd;
}

/* A non-blocking connect to the peer's port; returns the descriptor. */
TH_STATIC int th_connect(struct th *h, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(TH_PEER) };
	int fd = ustack_socket(h->st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	int rc = ustack_connect(h->st, fd, (struct sockaddr *)&sin, sizeof(sin));
	assert_true(rc == 0 || errno == EINPROGRESS);
	th_pump(h);
	return fd;
}

/* The peer's view of one connection, for the tests that play a full handshake. */
struct th_peer {
	uint16_t lport, rport;     /* the stack's port, the peer's port */
	uint32_t iss;              /* peer's ISS */
	uint32_t snd_nxt;          /* peer's next sequence number */
	uint32_t rcv_nxt;          /* what the peer expects from the stack */
	uint16_t win;
	bool ts;                   /* the peer uses timestamps */
	uint32_t ts_val;
	uint32_t ts_ecr;
};

/* Fill options the peer puts on every segment. */
TH_STATIC void th_peer_opts(struct th_peer *pe, struct tcp_repr *r)
{
	if (pe->ts) {
		r->has_ts = true;
		r->ts_val = pe->ts_val;
		r->ts_ecr = pe->ts_ecr;
	}
}

/* Send from the peer: flags, data, at the peer's snd_nxt; advances snd_nxt. */
TH_STATIC void th_peer_send(struct th *h, struct th_peer *pe, uint8_t flags, const void *data,
			 size_t len)
{
	struct tcp_repr r = th_hdr(pe->rport, pe->lport, pe->snd_nxt, pe->rcv_nxt, flags, pe->win);

	th_peer_opts(pe, &r);
	th_inject(h, &r, data, len);
	pe->snd_nxt += (uint32_t)len + ((flags & TCP_SYN) ? 1 : 0) + ((flags & TCP_FIN) ? 1 : 0);
}

/* Passive open on the stack: listen on port, the peer (port rport) does the
 * three-way handshake with plain options (MSS 1460, no WS/TS/SACK unless asked).
 * Returns the accepted descriptor; *pe is ready for data. */
TH_STATIC int th_passive_open(struct th *h, uint16_t port, uint16_t rport, struct th_peer *pe,
			   const struct tcp_repr *synopts, int *lfd_out)
{
	struct th_seg *s = malloc(sizeof(*s));
	int lfd = th_listen(h, port);
	struct tcp_repr r = th_hdr(rport, port, 1000, 0, TCP_SYN, 65535);

	if (synopts) {
		r.has_mss = synopts->has_mss; r.mss = synopts->mss;
		r.has_wscale = synopts->has_wscale; r.wscale = synopts->wscale;
		r.sack_perm = synopts->sack_perm;
		r.has_ts = synopts->has_ts; r.ts_val = synopts->ts_val;
	} else {
		r.has_mss = true;
		r.mss = 1460;
	}
	memset(pe, 0, sizeof(*pe));
	pe->lport = port;
	pe->rport = rport;
	pe->iss = 1000;
	pe->win = 65535;
	pe->ts = r.has_ts;
	pe->ts_val = r.ts_val;
	th_inject(h, &r, NULL, 0);
	assert_true(th_next(h, s));
	assert_int_equal(s->h.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(s->h.ack, 1001);
	pe->snd_nxt = 1001;
	pe->rcv_nxt = s->h.seq + 1;
	if (pe->ts)
		pe->ts_ecr = s->h.ts_val;
	th_peer_send(h, pe, TCP_ACK, NULL, 0);
	int fd = ustack_accept4(h->st, lfd, NULL, NULL, SOCK_NONBLOCK);
	assert_true(fd >= 0);
	if (lfd_out)
		*lfd_out = lfd;
	else
		ustack_close(h->st, lfd);
	free(s);
	return fd;
}

/* Active open from the stack to the peer's port: SYN out, SYN-ACK in (synack options
 * from synopts, else MSS 1460 only), ACK out. Returns the descriptor. */
TH_STATIC int th_active_open(struct th *h, uint16_t rport, struct th_peer *pe,
			  const struct tcp_repr *synopts)
{
	struct th_seg *s = malloc(sizeof(*s));
	int fd = th_connect(h, rport);

	assert_true(th_next(h, s));
	assert_int_equal(s->h.flags, TCP_SYN);
	memset(pe, 0, sizeof(*pe));
	pe->lport = s->h.sport;
	pe->rport = rport;
	pe->iss = 5000;
	pe->rcv_nxt = s->h.seq + 1;
	pe->win = 65535;
	struct tcp_repr r = th_hdr(rport, pe->lport, 5000, pe->rcv_nxt, TCP_SYN | TCP_ACK, 65535);
	if (synopts) {
		r.has_mss = synopts->has_mss; r.mss = synopts->mss;
		r.has_wscale = synopts->has_wscale; r.wscale = synopts->wscale;
		r.sack_perm = synopts->sack_perm;
		r.has_ts = synopts->has_ts; r.ts_val = synopts->ts_val;
		r.ts_ecr = s->h.ts_val;
	} else {
		r.has_mss = true;
		r.mss = 1460;
	}
	pe->ts = r.has_ts;
	pe->ts_val = r.ts_val;
	th_inject(h, &r, NULL, 0);
	pe->snd_nxt = 5001;
	assert_true(th_next(h, s));
	assert_int_equal(s->h.flags, TCP_ACK);
	assert_int_equal(s->h.ack, 5001);
	if (pe->ts)
		pe->ts_ecr = s->h.ts_val;
	free(s);
	return fd;
}

#endif
