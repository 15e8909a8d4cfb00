/* xdp.c - a ustack host on an existing Ethernet interface through an AF_XDP socket
 * (libxdp's xsk API). Built only when CMake finds libxdp; xdp_stub.c stands in otherwise.
 *
 * The socket and the kernel share a UMEM: one mmap'ed area cut into XDP_FRAME_NR frames of
 * XDP_FRAME_SIZE bytes. The first half receives: the device hands their addresses to the
 * kernel on the fill ring, the kernel writes a frame into one and puts its address and
 * length on the RX ring. The second half sends: a free-list of frames (the pool); a frame
 * is copied into one, its descriptor goes on the TX ring, and the kernel returns the
 * address on the completion ring once the frame has left.
 *
 * libxdp loads its default XDP program on the interface (native mode if the driver has
 * it, else generic/SKB mode; USTACK_XDP_DRV / USTACK_XDP_SKB force one): every frame that
 * arrives on the queue is redirected to the socket, so the kernel no longer sees any
 * frame of that queue on that interface while the socket lives. The program stays
 * attached only as long as a socket uses it (libxdp counts them).
 *
 * Receiving is batched: one wake-up peeks up to XDP_RX_BATCH descriptors, the stack takes
 * them one by one (a copy out of the UMEM each), and the last one releases the whole
 * batch and gives its frames back to the fill ring at once. Sending has no batch to wait
 * for (the stack hands one frame at a time with no end of burst), so every frame is
 * kicked (sendto) as it is put on the TX ring; completions are reaped before each send.
 * In copy mode each kick makes the kernel build an skb per frame, as AF_PACKET does.
 *
 * The stack keeps a MAC of its own, as on the AF_PACKET device: the XDP program takes
 * every frame of the queue whatever its destination, so no promiscuous mode is needed on
 * a veth (a NIC filters unicast by its own MAC: give the stack the NIC's MAC there).
 * No offloads: the socket carries wire frames, and a peer must send them so (on a veth
 * in native mode the kernel turns the peer's GSO off itself; in SKB mode `ethtool -K
 * PEER tso off gso off`, and a partial checksum reaches the stack as it is). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "ustack/dev.h"
#include "dev/netif.h"

#define XDP_FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE   /* 4096 */
#define XDP_RING_NR 2048u                              /* each of the four rings */
#define XDP_FRAME_NR (2 * XDP_RING_NR)                 /* half to receive, half to send */
#define XDP_RX_BATCH 64u
#define XDP_CQ_BATCH 256u
#define XDP_BUSY_TRIES 100   /* 2 ms apart: a queue freed late by the kernel */
/* The kernel writes a received frame after XDP_PACKET_HEADROOM bytes of its UMEM frame. */
#define XDP_MAX_FRAME (XDP_FRAME_SIZE - XDP_PACKET_HEADROOM)

struct xdp_dev {
	struct ustack_dev dev;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	uint8_t *area;
	size_t area_len;
	/* the send pool: UMEM addresses of free frames */
	uint64_t pool[XDP_RING_NR];
	unsigned npool;
	/* the receive batch being handed to the stack */
	uint32_t rx_idx;           /* next descriptor of the batch */
	uint32_t rx_left, rx_n;    /* descriptors not yet handed, in all */
	uint64_t rx_addr[XDP_RX_BATCH];
	uint64_t bad_completions;  /* completion addresses outside the send frames */
	uint64_t kernel_bad;       /* invalid descriptors, as the kernel last said */
	struct ustack_xdp_stats stats;
};

static const struct ustack_dev_ops xdp_ops;

/* Frames that left: their UMEM frames back to the pool. */
static void reap_completions(struct xdp_dev *x)
{
	uint32_t idx, n = xsk_ring_cons__peek(&x->cq, XDP_CQ_BATCH, &idx);

	for (uint32_t i = 0; i < n; i++) {
		uint64_t a = xsk_umem__extract_addr(*xsk_ring_cons__comp_addr(&x->cq, idx + i));

		/* only a frame of the send half goes back: a kernel that returned anything
		 * else would have the next frame written outside the UMEM */
		if (a >= (uint64_t)XDP_RING_NR * XDP_FRAME_SIZE && a % XDP_FRAME_SIZE == 0 &&
		    a <= x->area_len - XDP_FRAME_SIZE && x->npool < XDP_RING_NR)
			x->pool[x->npool++] = a;
		else
			x->bad_completions++;
	}
	if (n)
		xsk_ring_cons__release(&x->cq, n);
}

/* Tell the kernel there is something on the TX ring. Transient refusals (EAGAIN: its
 * budget spent or the interface's queue full, EBUSY, ENOBUFS) leave the frames on the
 * ring for the next kick. */
static void kick(struct xdp_dev *x)
{
	if (!xsk_ring_prod__needs_wakeup(&x->tx))
		return;
	x->stats.tx_kicks++;
	if (sendto(x->dev.fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
	    errno != EBUSY && errno != ENOBUFS && errno != EINTR)
		x->stats.tx_kick_errors++;
}

static int xdp_send(struct ustack_dev *d, const uint8_t *frame, size_t len, uint64_t now_us)
{
	struct xdp_dev *x = d->priv;
	uint32_t idx;

	(void)now_us;
	if (len > XDP_FRAME_SIZE || len < ETH_HLEN) {
		x->stats.tx_errors++;
		return -1;
	}
	reap_completions(x);
	if (!x->npool) {
		/* every frame in flight: one more kick may complete some */
		kick(x);
		reap_completions(x);
	}
	if (!x->npool || xsk_ring_prod__reserve(&x->tx, 1, &idx) != 1) {
		x->stats.tx_full++;
		return -1;
	}
	uint64_t a = x->pool[--x->npool];
	struct xdp_desc *desc = xsk_ring_prod__tx_desc(&x->tx, idx);

	memcpy(xsk_umem__get_data(x->area, a), frame, len);
	desc->addr = a;
	desc->len = (uint32_t)len;
	xsk_ring_prod__submit(&x->tx, 1);
	x->stats.tx_frames++;
	kick(x);
	return 0;
}

/* The batch handed over: release its RX descriptors and give its frames back to the
 * kernel on the fill ring (which always has room: it holds every receive frame). */
static void end_batch(struct xdp_dev *x)
{
	uint32_t idx;

	xsk_ring_cons__release(&x->rx, x->rx_n);
	if (xsk_ring_prod__reserve(&x->fq, x->rx_n, &idx) == x->rx_n) {
		for (uint32_t i = 0; i < x->rx_n; i++)
			*xsk_ring_prod__fill_addr(&x->fq, idx + i) = x->rx_addr[i];
		xsk_ring_prod__submit(&x->fq, x->rx_n);
	} else {
		x->stats.rx_fill_lost += x->rx_n;   /* cannot happen: counted if it does */
	}
	x->rx_n = 0;
}

static int xdp_recv(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now_us)
{
	struct xdp_dev *x = d->priv;

	(void)now_us;
	for (;;) {
		if (!x->rx_left) {
			uint32_t n = xsk_ring_cons__peek(&x->rx, XDP_RX_BATCH, &x->rx_idx);

			if (!n) {
				/* the kernel may wait to be told the fill ring has frames */
				if (xsk_ring_prod__needs_wakeup(&x->fq))
					recvfrom(d->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
				/* frames a refused kick left on the TX ring go now, not with
				 * the next frame sent (which may wait for their ACK) */
				if (xsk_prod_nb_free(&x->tx, XDP_RING_NR) < XDP_RING_NR)
					kick(x);
				return 0;
			}
			x->rx_left = x->rx_n = n;
			x->stats.rx_batches++;
		}
		const struct xdp_desc *desc = xsk_ring_cons__rx_desc(&x->rx, x->rx_idx);
		uint64_t a = desc->addr;
		uint32_t len = desc->len;

		x->rx_addr[x->rx_n - x->rx_left] = xsk_umem__extract_addr(a);
		x->rx_idx++;
		x->rx_left--;
		a = xsk_umem__add_offset_to_addr(a);
		bool ok = len && a < x->area_len && len <= x->area_len - a && len <= cap;

		if (ok)
			memcpy(buf, x->area + a, len);
		if (!x->rx_left)
			end_batch(x);
		if (ok) {
			x->stats.rx_frames++;
			return (int)len;
		}
		x->stats.rx_truncated++;
	}
}

/* libbpf and libxdp print to stderr by default; a native attach that falls back to SKB
 * mode, or no bpffs (libxdp then loads the program without its dispatcher), is no news
 * to the application. Quiet while a socket is made or deleted, the application's
 * printers put back after. */
static int quiet_xdp(enum libxdp_print_level l, const char *f, va_list ap)
{
	(void)l, (void)f, (void)ap;
	return 0;
}
static int quiet_bpf(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l, (void)f, (void)ap;
	return 0;
}

struct quiet { libxdp_print_fn_t xdp; libbpf_print_fn_t bpf; };

static struct quiet quiet_on(void)
{
	struct quiet q = { libxdp_set_print(quiet_xdp), libbpf_set_print(quiet_bpf) };

	return q;
}

static void quiet_off(struct quiet q)
{
	libxdp_set_print(q.xdp);
	libbpf_set_print(q.bpf);
}

/* The socket, then the UMEM (the socket holds it); the XDP program goes with the last
 * socket on the interface. */
static void xdp_free(struct xdp_dev *x)
{
	struct quiet q = quiet_on();

	if (x->xsk)
		xsk_socket__delete(x->xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	quiet_off(q);
	if (x->area)
		munmap(x->area, x->area_len);
	free(x);
}

static void xdp_close(struct ustack_dev *d)
{
	xdp_free(d->priv);
}

static const struct ustack_dev_ops xdp_ops = {
	.send = xdp_send,
	.recv = xdp_recv,
	.next_deadline = NULL,
	.close = xdp_close,
};

bool ustack_xdp_supported(void)
{
	return true;
}

int ustack_xdp_get_stats(struct ustack_dev *d, struct ustack_xdp_stats *out)
{
	struct xdp_dev *x;
	struct xdp_statistics ks;
	socklen_t kl = sizeof(ks);

	if (!d || d->ops != &xdp_ops || !out) {
		errno = EINVAL;
		return -1;
	}
	x = d->priv;
	/* the kernel's counters are totals: read, not added */
	memset(&ks, 0, sizeof(ks));
	if (getsockopt(d->fd, SOL_XDP, XDP_STATISTICS, &ks, &kl) == 0) {
		x->stats.rx_kernel_drops = ks.rx_dropped + ks.rx_ring_full;
		x->stats.rx_fill_empty = ks.rx_fill_ring_empty_descs;
		x->kernel_bad = ks.rx_invalid_descs + ks.tx_invalid_descs;
	}
	x->stats.bad_descs = x->kernel_bad + x->bad_completions;
	*out = x->stats;
	return 0;
}

/* A UMEM and a socket on it in one XDP mode; on failure neither is left (libxdp keeps
 * the UMEM's descriptor bound to the queue when a socket's program fails to attach, so
 * the next try needs a fresh UMEM: without one it gets EBUSY). */
static int make_socket(struct xdp_dev *x, const char *ifname, unsigned queue, uint32_t xdp_flags)
{
	struct xsk_umem_config ucfg = {
		.fill_size = XDP_RING_NR,
		.comp_size = XDP_RING_NR,
		.frame_size = XDP_FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	struct xsk_socket_config cfg;
	int r = xsk_umem__create(&x->umem, x->area, x->area_len, &x->fq, &x->cq, &ucfg);

	if (r) {
		x->umem = NULL;
		return r;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.rx_size = XDP_RING_NR;
	cfg.tx_size = XDP_RING_NR;
	cfg.xdp_flags = xdp_flags;
	cfg.bind_flags = XDP_USE_NEED_WAKEUP;
	r = xsk_socket__create(&x->xsk, ifname, queue, x->umem, &x->rx, &x->tx, &cfg);
	if (r) {
		x->xsk = NULL;
		xsk_umem__delete(x->umem);
		x->umem = NULL;
	}
	return r;
}

/* A socket closed a moment ago (a failed native try, a device just closed, a process
 * that just exited) is unbound from the queue by a kernel work queue: until then a bind
 * sees EBUSY. Tried again for up to XDP_BUSY_TRIES * 2 ms, so a queue another socket
 * really holds still fails, a little later. */
static int make_socket_busy(struct xdp_dev *x, const char *ifname, unsigned queue,
			    uint32_t xdp_flags)
{
	int r = make_socket(x, ifname, queue, xdp_flags);

	for (int i = 0; r == -EBUSY && i < XDP_BUSY_TRIES; i++) {
		nanosleep(&(struct timespec){ .tv_nsec = 2000000 }, NULL);
		r = make_socket(x, ifname, queue, xdp_flags);
	}
	return r;
}

struct ustack_dev *ustack_xdp_open(const char *ifname, unsigned queue, const uint8_t *mac,
				   unsigned flags)
{
	struct xdp_dev *x;
	unsigned ifmtu, want = flags & (USTACK_XDP_SKB | USTACK_XDP_DRV);
	int r, err;
	uint32_t idx;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ ||
	    (flags & ~(USTACK_XDP_SKB | USTACK_XDP_DRV)) || want == (USTACK_XDP_SKB | USTACK_XDP_DRV)) {
		errno = EINVAL;
		return NULL;
	}
	if (netif_query(ifname, NULL, &ifmtu) < 0)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x) {
		errno = ENOMEM;
		return NULL;
	}
	x->area_len = (size_t)XDP_FRAME_NR * XDP_FRAME_SIZE;
	x->area = mmap(NULL, x->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		goto err;
	}
	struct quiet q = quiet_on();

	r = -EINVAL;
	if (want != USTACK_XDP_SKB) {
		r = make_socket_busy(x, ifname, queue, XDP_FLAGS_DRV_MODE);
		if (!r)
			x->stats.native = true;
	}
	if (r && want != USTACK_XDP_DRV)
		r = make_socket_busy(x, ifname, queue, XDP_FLAGS_SKB_MODE);
	quiet_off(q);
	if (r) {
		errno = -r;
		goto err;
	}
	{
		struct xdp_options opt;
		socklen_t ol = sizeof(opt);

		if (getsockopt(xsk_socket__fd(x->xsk), SOL_XDP, XDP_OPTIONS, &opt, &ol) == 0)
			x->stats.zerocopy = (opt.flags & XDP_OPTIONS_ZEROCOPY) != 0;
	}
	/* the receive half to the kernel, the send half to the pool */
	if (xsk_ring_prod__reserve(&x->fq, XDP_RING_NR, &idx) != XDP_RING_NR) {
		errno = ENOMEM;
		goto err;
	}
	for (uint32_t i = 0; i < XDP_RING_NR; i++)
		*xsk_ring_prod__fill_addr(&x->fq, idx + i) = (uint64_t)i * XDP_FRAME_SIZE;
	xsk_ring_prod__submit(&x->fq, XDP_RING_NR);
	for (uint32_t i = 0; i < XDP_RING_NR; i++)
		x->pool[x->npool++] = (uint64_t)(XDP_RING_NR + i) * XDP_FRAME_SIZE;

	x->dev.ops = &xdp_ops;
	x->dev.priv = x;
	x->dev.fd = xsk_socket__fd(x->xsk);
	x->dev.mtu = ifmtu < XDP_MAX_FRAME - ETH_HLEN ? ifmtu : XDP_MAX_FRAME - ETH_HLEN;
	snprintf(x->dev.name, sizeof(x->dev.name), "%s", ifname);
	netif_pick_mac(x->dev.mac, mac);
	return &x->dev;
err:
	err = errno;
	xdp_free(x);
	errno = err;
	return NULL;
}
