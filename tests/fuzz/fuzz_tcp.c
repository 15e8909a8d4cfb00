/* fuzz_tcp.c - libFuzzer target for TCP's input path with live connections: a stack
 * with a listener (port 80), connections it accepted, and connections it opened to the
 * peer; the fuzzer plays the peer (10.0.0.2) and the application, and moves the clock.
 *
 * The input is a program of operations, each an opcode byte and its arguments:
 *   segment: which connection, flags, seq/ack as offsets from that connection's
 *            RCV.NXT / SND.UNA (so mutations land near the window, where the state
 *            machine is deep), window, options (MSS, WS, SACK-permitted, timestamps
 *            relative to TS.Recent, SACK blocks relative to SND.UNA), payload;
 *   raw segment: header and options bytes as given (parser paths), checksum fixed;
 *   new SYN to the listener (flag 0x80 of such a segment turns SYN cookies to "always",
 *   flag 0x40 makes it the ACK of the last SYN-ACK the stack sent, cookie and TS echo
 *   included, so whole cookie handshakes are reachable); application calls (connect, accept, send, recv, peek,
 *   shutdown, close, setsockopt); ICMP errors quoting a connection; time steps
 *   (1 ms to 70 s) so retransmission, persist, keep-alive, delayed ACK and TIME_WAIT
 *   timers fire.
 * After each step, invariants of every connection are checked (sequence order, buffer
 * bounds, out-of-order ranges inside the window); at the end everything is freed and
 * LeakSanitizer checks nothing is left. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/ustack.h"
#include "ustack/socket.h"
#include "ustack/dev.h"
#include "core/stack.h"
#include "core/pkt.h"
#include "tcp/tcp_var.h"
#include "tcp/tcp_syncookie.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "net/proto.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

#define LOCAL 0x0a000001u
#define PEER 0x0a000002u
#define MAX_FDS 16

static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t local_mac[6] = { 2, 0, 0, 0, 0, 1 };

/* A device that drops what the stack sends but answers ARP for the peer, and
 * remembers the last SYN-ACK (for the fuzzer to answer a SYN cookie). */
struct fdev {
	struct ustack_dev dev;
	uint8_t rx[64];
	size_t rx_len;
	uint32_t synack_seq, synack_ack, synack_tsval;
	uint16_t synack_port;
};

static void note_synack(struct fdev *fd, const uint8_t *f, size_t len)
{
	struct ipv4_repr ip;
	struct tcp_repr th;

	if (len <= ETH_HDR_LEN || ipv4_parse(f + ETH_HDR_LEN, len - ETH_HDR_LEN, &ip, true) != 0 ||
	    ip.proto != IP_PROTO_TCP ||
	    tcp_parse(f + ETH_HDR_LEN + ip.hdr_len, ip.total_len - ip.hdr_len, ip.src, ip.dst, &th,
		      true) != 0 ||
	    th.flags != (TCP_SYN | TCP_ACK))
		return;
	fd->synack_seq = th.seq;
	fd->synack_ack = th.ack;
	fd->synack_tsval = th.ts_val;
	fd->synack_port = th.dport;
}

static int fdev_send(struct ustack_dev *d, const uint8_t *f, size_t len, uint64_t now)
{
	struct fdev *fd = (struct fdev *)d;
	struct eth_repr e;
	struct arp_repr a;

	(void)now;
	if (eth_parse(f, len, &e) == 0 && e.type == ETHERTYPE_ARP &&
	    arp_parse(f + ETH_HDR_LEN, len - ETH_HDR_LEN, &a) == 0 && a.op == ARP_OP_REQUEST &&
	    a.tpa == PEER) {
		struct eth_repr re = { .type = ETHERTYPE_ARP };
		struct arp_repr ra = { .op = ARP_OP_REPLY, .spa = PEER, .tpa = a.spa };

		memcpy(re.dst, a.sha, 6);
		memcpy(re.src, peer_mac, 6);
		memcpy(ra.sha, peer_mac, 6);
		memcpy(ra.tha, a.sha, 6);
		eth_emit(&re, fd->rx);
		arp_emit(&ra, fd->rx + ETH_HDR_LEN);
		fd->rx_len = ETH_HDR_LEN + ARP_LEN;
		return 0;
	}
	note_synack(fd, f, len);
	return 0;
}

static int fdev_recv(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now)
{
	struct fdev *fd = (struct fdev *)d;
	size_t n = fd->rx_len;

	(void)now;
	if (!n || n > cap)
		return 0;
	memcpy(buf, fd->rx, n);
	fd->rx_len = 0;
	return (int)n;
}

static void fdev_close(struct ustack_dev *d)
{
	free(d);
}

static const struct ustack_dev_ops fdev_ops = { .send = fdev_send, .recv = fdev_recv,
						.close = fdev_close };

/* The input, read from the front. */
struct in { const uint8_t *p; size_t n; };

static uint8_t u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint16_t u16(struct in *in)
{
	uint16_t hi = u8(in);

	return (uint16_t)(hi << 8 | u8(in));
}

static uint32_t u32(struct in *in)
{
	uint32_t hi = u16(in);

	return hi << 16 | u16(in);
}

struct world {
	struct ustack *st;
	struct fdev *dev;
	uint64_t now;
	int lfd;
	int fds[MAX_FDS];
	int nfd;
	uint8_t data[4096];
};

static void poll_now(struct world *w)
{
	for (int i = 0; i < 3; i++)
		ustack_step(w->st, w->now);
}

static struct tcp_conn *pick_conn(struct world *w, uint8_t k)
{
	size_t n = w->st->tcp->n_conns;
	struct tcp_conn *c = w->st->tcp->all;

	if (!n)
		return NULL;
	for (size_t i = k % n; c && i > 0; i--)
		c = c->anext;
	return c;
}

static void inject(struct world *w, const uint8_t *seg, size_t len)
{
	struct pkt *p = pkt_alloc(w->st, len);

	if (!p)
		return;
	memcpy(pkt_put(p, len), seg, len);
	p->src = ip_addr_from_v4(PEER);
	p->dst = ip_addr_from_v4(LOCAL);
	p->ip_proto = IP_PROTO_TCP;
	p->ifindex = 0;
	p->rx_time = w->now;
	pthread_mutex_lock(&w->st->lock);
	tcp_input(w->st, p);
	pthread_mutex_unlock(&w->st->lock);
}

/* Build and send a segment from the peer described by r and len payload bytes. */
static void send_seg(struct world *w, struct tcp_repr *r, size_t len, bool bad_csum)
{
	static uint8_t b[TCP_MAX_HDR_LEN + sizeof(((struct world *)0)->data)];
	size_t hl = TCP_HDR_LEN + tcp_options_len(r);

	if (len > sizeof(w->data))
		len = sizeof(w->data);
	tcp_emit(r, b);
	memcpy(b + hl, w->data, len);
	tcp_set_csum(b, hl + len, PEER, LOCAL);
	if (bad_csum)
		b[16] ^= 1;
	inject(w, b, hl + len);
}

static void op_segment(struct world *w, struct in *in)
{
	struct tcp_conn *c = pick_conn(w, u8(in));
	uint8_t ctl = u8(in);
	struct tcp_repr r;

	memset(&r, 0, sizeof(r));
	r.flags = u8(in);
	int16_t dseq = (int16_t)u16(in), dack = (int16_t)u16(in);
	r.win = u16(in);
	size_t len = u16(in) % 3000;
	if (c && c->state != TCPS_LISTEN) {
		r.sport = c->rport;
		r.dport = c->lport;
		r.seq = c->rcv_nxt + (uint32_t)(int32_t)dseq * ((ctl & 0x80) ? 97 : 1);
		r.ack = ((ctl & 0x40) ? c->snd_max : c->snd_una) + (uint32_t)(int32_t)dack;
	} else if (ctl & 0x40) {
		/* the ACK of the last SYN-ACK (a cookie, if cookies were on), near it */
		r.sport = w->dev->synack_port;
		r.dport = 80;
		r.seq = w->dev->synack_ack + (uint32_t)(int32_t)dseq;
		r.ack = w->dev->synack_seq + 1 + (uint32_t)(int32_t)dack;
	} else {
		r.sport = (uint16_t)(40000 + (ctl & 7));
		r.dport = 80;
		r.seq = (uint32_t)dseq;
		r.ack = (uint32_t)dack;
	}
	if ((!c || c->state == TCPS_LISTEN) && (ctl & 0x80))
		w->st->tcp->syncookies = TCP_SYNCOOKIES_ALWAYS;
	if (ctl & 0x01) {
		r.has_mss = true;
		r.mss = u16(in);
	}
	if (ctl & 0x02) {
		r.has_wscale = true;
		r.wscale = u8(in);
	}
	if (ctl & 0x04)
		r.sack_perm = true;
	if (ctl & 0x08) {
		r.has_ts = true;
		r.ts_val = (c ? c->ts_recent : 0) + (uint32_t)(int32_t)(int16_t)u16(in);
		r.ts_ecr = u32(in);
		if ((!c || c->state == TCPS_LISTEN) && (ctl & 0x40))
			r.ts_ecr = w->dev->synack_tsval + (r.ts_ecr & 0x100 ? r.ts_ecr & 0x1f : 0);
	}
	if (ctl & 0x10) {
		r.n_sack = (uint8_t)(u8(in) % 5);
		for (unsigned i = 0; i < r.n_sack; i++) {
			uint32_t base = c ? c->snd_una : 0;
			r.sack[i].left = base + (uint32_t)(int32_t)(int16_t)u16(in) * 8;
			r.sack[i].right = r.sack[i].left + u16(in);
		}
	}
	send_seg(w, &r, len, (ctl & 0x20) && (u8(in) & 1));
}

/* A header as the fuzzer wrote it (options included), then payload. */
static void op_raw(struct world *w, struct in *in)
{
	uint8_t b[TCP_MAX_HDR_LEN + 64];
	size_t n = u8(in) % sizeof(b);
	struct tcp_conn *c = pick_conn(w, u8(in));

	for (size_t i = 0; i < n; i++)
		b[i] = u8(in);
	if (n >= 4 && c && c->state != TCPS_LISTEN) {
		be16_put(b, c->rport);
		be16_put(b + 2, c->lport);
	}
	if (n >= TCP_HDR_LEN)
		tcp_set_csum(b, n, PEER, LOCAL);
	inject(w, b, n);
}

static void add_fd(struct world *w, int fd)
{
	if (fd < 0)
		return;
	if (w->nfd < MAX_FDS)
		w->fds[w->nfd++] = fd;
	else
		ustack_close(w->st, fd);
}

static void op_app(struct world *w, struct in *in)
{
	uint8_t what = u8(in), k = u8(in);
	int fd = w->nfd ? w->fds[k % w->nfd] : -1;
	static uint8_t buf[70000];
	int v;

	switch (what % 12) {
	case 0: {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(81 + (k & 3)),
					   .sin_addr.s_addr = htonl(PEER) };
		int s = ustack_socket(w->st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (s >= 0) {
			ustack_connect(w->st, s, (struct sockaddr *)&sin, sizeof(sin));
			add_fd(w, s);
		}
		break;
	}
	case 1:
		add_fd(w, ustack_accept4(w->st, w->lfd, NULL, NULL, SOCK_NONBLOCK));
		break;
	case 2:
		if (fd >= 0)
			ustack_send(w->st, fd, buf, (size_t)u16(in), MSG_DONTWAIT |
				    ((k & 0x80) ? MSG_MORE : 0));
		break;
	case 3:
	case 4:
		if (fd >= 0)
			ustack_recv(w->st, fd, buf, (size_t)u16(in) + 1,
				    MSG_DONTWAIT | (what % 12 == 4 ? MSG_PEEK : 0));
		break;
	case 5:
		if (fd >= 0)
			ustack_shutdown(w->st, fd, k % 3);
		break;
	case 6:
		if (fd >= 0) {
			ustack_close(w->st, fd);
			for (int i = 0; i < w->nfd; i++)
				if (w->fds[i] == fd)
					w->fds[i] = w->fds[--w->nfd];
		}
		break;
	case 7:
		v = (int)u16(in) << (k & 7);
		if (fd >= 0)
			ustack_setsockopt(w->st, fd, SOL_SOCKET, (k & 8) ? SO_SNDBUF : SO_RCVBUF,
					  &v, sizeof(v));
		break;
	case 8:
		v = k & 1;
		if (fd >= 0)
			ustack_setsockopt(w->st, fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v));
		break;
	case 9:
		v = 1 + (k & 15);
		if (fd >= 0) {
			ustack_setsockopt(w->st, fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v));
			ustack_setsockopt(w->st, fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v));
			v = 1;
			ustack_setsockopt(w->st, fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v));
		}
		break;
	case 10: {
		struct linger l = { .l_onoff = k & 1, .l_linger = 0 };
		if (fd >= 0)
			ustack_setsockopt(w->st, fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		break;
	}
	default:
		v = 88 + u16(in) % 1500;
		if (fd >= 0)
			ustack_setsockopt(w->st, fd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v));
		break;
	}
}

/* An ICMP error quoting a connection's segment. */
static void op_icmp(struct world *w, struct in *in)
{
	struct tcp_conn *c = pick_conn(w, u8(in));
	uint8_t type = u8(in), code = u8(in);
	uint32_t info = u16(in);
	uint8_t q[28];
	struct ipv4_repr ip = { .hdr_len = 20, .total_len = 60, .ttl = 1, .proto = IP_PROTO_TCP,
				.src = LOCAL, .dst = PEER };

	if (!c)
		return;
	ipv4_emit(&ip, q);
	be16_put(q + 20, c->lport);
	be16_put(q + 22, c->rport);
	be32_put(q + 24, c->snd_una + (uint32_t)(int8_t)u8(in));
	be32_put(q + 28 - 4, c->snd_una);
	static const uint8_t types[4] = { ICMP_DEST_UNREACH, ICMP_TIME_EXCEEDED,
					  ICMP_PARAM_PROBLEM, 4 };
	struct ip_err e;
	if (ip_err_parse4(types[type & 3], code % 6, info, q, sizeof(q) - (type & 0x80 ? 9 : 0), &e))
		return;                   /* a quote cut short is dropped before TCP sees it */
	pthread_mutex_lock(&w->st->lock);
	tcp_icmp_error(w->st, &e);
	pthread_mutex_unlock(&w->st->lock);
}

static void op_time(struct world *w, struct in *in)
{
	static const uint64_t unit[4] = { 1000, 40000, 1000000, 70000000 };
	uint8_t k = u8(in);

	w->now += unit[k & 3] * (1 + (k >> 2) % 8);
	poll_now(w);
}

/* Invariants of every connection. */
static void check(struct world *w)
{
	struct tcp_state *ts = w->st->tcp;
	size_t n = 0;

	for (struct tcp_conn *c = ts->all; c; c = c->anext, n++) {
		CHECK(c->rcvbuf.len <= c->rcvbuf.cap);
		CHECK(c->sndbuf.len <= c->sndbuf.cap);
		/* storage only while something is held, or a drained ring waits for its
		 * release (see tcp_buf.h, tcp_drained) */
		CHECK(c->sndbuf.len || !c->sndbuf.buf || tcp_timer_on(c, TT_IDLE));
		CHECK(c->rcvbuf.len || c->ooo.n || !c->rcvbuf.buf || tcp_timer_on(c, TT_IDLE));
		CHECK(c->ooo.n || !c->ooo.r);
		CHECK(c->sacked.n || !c->sacked.r);
		if (c->state == TCPS_LISTEN || c->state == TCPS_CLOSED)
			continue;
		CHECK(SEQ_LEQ(c->snd_una, c->snd_nxt));
		CHECK(SEQ_LEQ(c->snd_nxt, c->snd_max));
		CHECK(c->state != TCPS_TIME_WAIT || c->sndbuf.buf == NULL);
		if (c->state == TCPS_SYN_SENT)
			continue;
		uint32_t wnd = c->rcv_adv - c->rcv_nxt;
		if (SEQ_GEQ(c->rcv_adv, c->rcv_nxt) && !(c->flags & TF_SHUT_RD) &&
		    (uint64_t)c->rcvbuf.len + wnd > c->rcvbuf.cap) {
			fprintf(stderr, "tcp %d %s: rcvbuf %u + wnd %u > cap %u (adv %u nxt %u)\n",
				c->id, tcp_state_name(c), c->rcvbuf.len, wnd, c->rcvbuf.cap,
				c->rcv_adv, c->rcv_nxt);
			abort();
		}
		for (unsigned i = 0; i < c->ooo.n; i++) {
			if (!SEQ_GT(c->ooo.r[i].left, c->rcv_nxt)) {
				fprintf(stderr, "tcp %d %s: ooo[%u] %u..%u not after rcv_nxt %u\n",
					c->id, tcp_state_name(c), i, c->ooo.r[i].left,
					c->ooo.r[i].right, c->rcv_nxt);
				abort();
			}
			CHECK(SEQ_LT(c->ooo.r[i].left, c->ooo.r[i].right));
			CHECK(SEQ_LEQ(c->ooo.r[i].right, c->rcv_adv));
			if (i)
				CHECK(SEQ_LT(c->ooo.r[i - 1].right, c->ooo.r[i].left));
		}
		for (unsigned i = 0; i < c->sacked.n; i++)
			CHECK(SEQ_LEQ(c->sacked.r[i].right, c->snd_max));
		CHECK(SEQ_LEQ(c->snd_data, c->snd_una) || c->snd_una == c->iss);
	}
	CHECK(n == ts->n_conns);
	CHECK(w->st->pool.in_use <= w->st->cfg.pkt_max);
}

static void trace_fn(void *ctx, const struct ustack_trace *ev)
{
	(void)ctx;
	fprintf(stderr, "%10.6f %s\n", (double)ev->time_us / 1e6, ev->line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world w;
	struct ustack_config cfg = { .name = "fuzz", .seed = 1, .tcp_msl_ms = 500,
				     .pkt_max = 512 };
	struct in in = { data, size };

	memset(&w, 0, sizeof(w));
	for (size_t i = 0; i < sizeof(w.data); i++)
		w.data[i] = (uint8_t)i;
	w.st = ustack_new(&cfg);
	CHECK(w.st);
	struct fdev *d = calloc(1, sizeof(*d));
	CHECK(d);
	d->dev.ops = &fdev_ops;
	memcpy(d->dev.mac, local_mac, 6);
	d->dev.mtu = 1500;
	d->dev.fd = -1;
	w.dev = d;
	w.now = 1000000;
	if (getenv("FUZZ_TCP_TRACE"))
		ustack_set_trace(w.st, trace_fn, NULL);
	ustack_step(w.st, w.now);
	struct in_addr a = { .s_addr = htonl(LOCAL) };
	CHECK(ustack_if_add(w.st, &d->dev, a, 24) >= 0);
	w.st->tcp->data_retries = 4;
	w.st->tcp->syn_retries = 2;
	w.st->tcp->synack_retries = 2;
	poll_now(&w);

	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(80) };
	w.lfd = ustack_socket(w.st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(w.lfd >= 0);
	CHECK(ustack_bind(w.st, w.lfd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(ustack_listen(w.st, w.lfd, 4) == 0);
	/* one connection opened by the stack to start from */
	struct in init = { (const uint8_t *)"\x00\x00", 2 };
	op_app(&w, &init);

	for (int steps = 0; in.n && steps < 400; steps++) {
		switch (u8(&in) % 8) {
		case 0:
		case 1:
		case 2:
			op_segment(&w, &in);
			break;
		case 3:
			op_raw(&w, &in);
			break;
		case 4:
		case 5:
			op_app(&w, &in);
			break;
		case 6:
			op_icmp(&w, &in);
			break;
		default:
			op_time(&w, &in);
			break;
		}
		poll_now(&w);
		check(&w);
	}
	/* Close everything and let time run out: connections must go away. */
	for (int i = 0; i < w.nfd; i++)
		ustack_close(w.st, w.fds[i]);
	ustack_close(w.st, w.lfd);
	for (int i = 0; i < 40; i++) {
		w.now += 70000000;
		poll_now(&w);
		check(&w);
	}
	if (w.st->tcp->n_conns != 0) {
		for (struct tcp_conn *c = w.st->tcp->all; c; c = c->anext)
			fprintf(stderr, "left: tcp %d %s flags %#x owner %p parent %p timer %d wnd %u shift %d pp %d una %u max %u nxt %u\n",
				c->id, tcp_state_name(c), c->flags, (void *)c->up.ctx,
				(void *)c->parent, (int)timer_pending(&c->timer), c->snd_wnd, c->rxtshift, c->persist_probes, c->snd_una, c->snd_max, c->snd_nxt);
		abort();
	}
	ustack_free(w.st);
	return 0;
}
