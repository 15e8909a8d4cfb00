/* packet.c - a ustack host on an existing Ethernet interface (a veth, a NIC) through an
 * AF_PACKET socket: no TAP. The kernel puts every frame the interface receives into a
 * TPACKET_V3 ring mapped into this process: a block of frames is handed over at once
 * (full, or after PRING_RETIRE_MS), and the runner, woken once by the socket's fd, reads
 * every frame of every ready block before it sleeps again (packet_ring.c walks them).
 *
 * Sending is one send() per frame, with the kernel's queueing disciplines bypassed
 * (PACKET_QDISC_BYPASS: the frame goes straight to the driver). A TX ring would not save
 * a system call: the device is handed one frame at a time with no point at which a batch
 * is complete, so every frame would need its own kick (send(fd, NULL, 0)) to leave at once.
 *
 * The interface keeps its MAC; the stack has its own (random locally administered unless
 * given), so the interface is made promiscuous (PACKET_MR_PROMISC, dropped when the
 * socket closes). Frames the interface sends are not shown to the socket
 * (PACKET_IGNORE_OUTGOING), and any that still reach the ring are skipped.
 *
 * Offloads: with PACKET_VNET_HDR (set before the ring: it cannot change once the ring
 * exists) every frame has a virtio-net header in front, both ways. A peer with TSO/GSO
 * on (a veth's default) hands TCP super-frames (IPv4, IPv6) of up to 64 KiB and partial
 * checksums: with offloads on they go to the stack as they are (recv_meta); off, the
 * device cuts them into wire segments and finishes checksums itself, so the stack sees
 * plain frames either way. The stack's super-segments go out with a GSO header and the
 * kernel cuts them (on a veth before the peer sees them: the header makes them
 * untrusted, SKB_GSO_DODGY). They leave by a second socket, without PACKET_QDISC_BYPASS:
 * the bypass drops a super-segment the interface cannot take whole (TSO off, a NIC
 * without it), where the queueing layer cuts it in software; every frame with meta (all
 * of TCP, offloads on) takes that socket, so none overtakes a queued super-segment. Ring blocks are then 128 KiB: a V3 frame never spans two
 * blocks. Without the header (a kernel that refuses it): no offloads, plain frames,
 * the peer must send them so (`ethtool -K PEER tx off`). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "ustack/dev.h"
#include "dev/netif.h"
#include "dev/gso.h"
#include "dev/packet_ring.h"

#include <sys/uio.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23   /* Linux 4.20 */
#endif

/* Ring geometry. Small blocks keep latency low under load (a block is handed over when
 * full: 64 KiB is ~40 full-size frames or ~400 ACKs); the retire timer bounds it when
 * traffic is thin (an ACK, a ping; the kernel rounds it up to a jiffy, 4 ms at HZ=250).
 * 128 blocks: 8 MiB, ~5000 full-size frames in flight. */
#define PRING_BLOCK_SIZE (64u * 1024u)
#define PRING_BLOCK_NR 128u
#define PRING_RETIRE_MS 1u
/* With the virtio-net header: blocks that hold a 64 KiB super-frame, 8 MiB in all. */
#define PRING_VNET_BLOCK_SIZE (128u * 1024u)
#define PRING_VNET_BLOCK_NR 64u
#define PACKET_GSO_MAX 65535u
#define PACKET_CAN (USTACK_DEV_TX_CSUM | USTACK_DEV_RX_CSUM | USTACK_DEV_TSO4 | USTACK_DEV_TSO6 | \
		    USTACK_DEV_RX_GSO)
#define PACKET_SNDBUF (4 * 1024 * 1024)

struct packet_dev {
	struct ustack_dev dev;
	struct pring ring;
	uint8_t *map;
	size_t map_len;
	struct ustack_packet_stats stats;
	bool vnet;                 /* PACKET_VNET_HDR: a virtio-net header before each frame */
	int gso_fd;                /* super-segments: a socket through the queueing layer */
	/* offloads off: a received super-frame being cut, segment by segment (it stays in
	 * the ring, which is not read further until the last segment is out) */
	const uint8_t *sup;
	struct gso_tcp sup_g;
	uint16_t sup_size;
	size_t sup_i, sup_n;
};

static const struct ustack_dev_ops packet_ops;

static int packet_write(struct ustack_dev *d, const uint8_t *frame, size_t len,
			const struct ustack_frame_meta *m)
{
	struct packet_dev *p = d->priv;
	static const struct ustack_frame_meta none;
	uint8_t h[GSO_VNET_HDR_LEN];
	struct iovec iov[2];
	struct msghdr msg;
	size_t want = len;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	if (p->vnet) {
		gso_vnet_hdr_emit(m ? m : &none, h);
		iov[msg.msg_iovlen].iov_base = h;
		iov[msg.msg_iovlen++].iov_len = sizeof(h);
		want += sizeof(h);
	}
	iov[msg.msg_iovlen].iov_base = (void *)frame;
	iov[msg.msg_iovlen++].iov_len = len;
	/* every frame with meta (all of TCP) by one socket: a super-segment queued in the
	 * interface's qdisc is not overtaken by a segment sent after it */
	int fd = m && p->gso_fd >= 0 ? p->gso_fd : d->fd;

	do {
		n = sendmsg(fd, &msg, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	/* ENOBUFS/EAGAIN (send buffer full), ENETDOWN, EMSGSIZE, EINVAL (a header the
	 * kernel refuses): the frame is lost, counted here and by the stack. */
	if (n != (ssize_t)want) {
		p->stats.tx_errors++;
		return -1;
	}
	p->stats.tx_frames++;
	if (m && m->gso_type != USTACK_GSO_NONE)
		p->stats.tx_gso++;
	return 0;
}

static int packet_send(struct ustack_dev *d, const uint8_t *frame, size_t len, uint64_t now_us)
{
	(void)now_us;
	return packet_write(d, frame, len, NULL);
}

static int packet_send_meta(struct ustack_dev *d, const uint8_t *frame, size_t len,
			    const struct ustack_frame_meta *m, uint64_t now_us)
{
	(void)now_us;
	return packet_write(d, frame, len, m);
}

/* The next segment of the super-frame being cut into buf: its length, or 0 when the
 * buffer is too small (the rest of the super-frame is dropped). */
static int next_segment(struct packet_dev *p, uint8_t *buf, size_t cap)
{
	size_t l = gso_tcp_segment(p->sup, &p->sup_g, p->sup_size, p->sup_i, buf, cap);

	if (++p->sup_i >= p->sup_n || !l)
		p->sup = NULL;
	if (!l) {
		p->stats.rx_truncated++;
		return 0;
	}
	if (p->sup_i > 1)
		p->stats.rx_frames++;   /* one ring frame, several for the stack */
	return (int)l;
}

/* The next frame into buf (m NULL: offloads off, a plain wire frame; else its meta).
 * Returns its length, 0 when none is ready. */
static int packet_read(struct ustack_dev *d, uint8_t *buf, size_t cap, struct ustack_frame_meta *m)
{
	struct packet_dev *p = d->priv;
	struct ustack_frame_meta tmp;
	const uint8_t *f;
	size_t len;

	while (p->sup) {   /* (offloads turned on meanwhile: still wire frames) */
		int l = next_segment(p, buf, cap);

		if (m)
			memset(m, 0, sizeof(*m));
		if (l > 0)
			return l;
	}
	while (pring_next(&p->ring, &f, &len)) {
		if (p->vnet) {
			struct ustack_frame_meta *mm = m ? m : &tmp;
			/* the ring checked that the header lies inside the slot */
			int bad = gso_vnet_hdr_parse(f - GSO_VNET_HDR_LEN, len, mm) != 0;

			bool gso = !bad && mm->gso_type != USTACK_GSO_NONE;

			if (gso)
				p->stats.rx_gso++;
			if (!m && bad) {
				p->stats.rx_frames--;
				p->stats.rx_bad_vnet++;
				continue;
			}
			if (!m && gso) {
				/* cut here: the ring keeps the frame until the last segment */
				if (gso_tcp_parse(f, len, 14, &p->sup_g) != 0 ||
				    gso_tcp_type(&p->sup_g) != mm->gso_type) {
					p->stats.rx_frames--;
					p->stats.rx_bad_vnet++;
					continue;
				}
				p->sup = f;
				p->sup_size = mm->gso_size;
				p->sup_i = 0;
				p->sup_n = gso_tcp_count(&p->sup_g, mm->gso_size);
				int l = next_segment(p, buf, cap);

				if (l > 0)
					return l;
				p->stats.rx_frames--;
				while (p->sup)   /* the rest cannot fit either */
					next_segment(p, buf, cap);
				continue;
			}
		} else if (m) {
			memset(m, 0, sizeof(*m));
		}
		if (len > cap) {
			p->stats.rx_frames--;   /* counted as handed over: it is not */
			p->stats.rx_truncated++;
			continue;
		}
		memcpy(buf, f, len);
		if (p->vnet && !m && (tmp.flags & USTACK_META_CSUM_PARTIAL))
			gso_csum_complete(buf, len, tmp.csum_start, tmp.csum_offset);
		return (int)len;
	}
	return 0;
}

static int packet_recv(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now_us)
{
	(void)now_us;
	return packet_read(d, buf, cap, NULL);
}

static int packet_recv_meta(struct ustack_dev *d, uint8_t *buf, size_t cap,
			    struct ustack_frame_meta *m, uint64_t now_us)
{
	(void)now_us;
	return packet_read(d, buf, cap, m);
}

/* Nothing to tell the kernel: with the header it always takes and gives what the
 * offloads cover; off, the device does the work. Kept symmetric, as the TAP's. */
static int packet_set_offloads(struct ustack_dev *d, uint32_t want)
{
	struct packet_dev *p = d->priv;

	d->offloads = 0;
	d->gso_max = 0;
	if (!p->vnet)
		return 0;
	if (want & (USTACK_DEV_TX_CSUM | USTACK_DEV_RX_CSUM))
		d->offloads |= USTACK_DEV_TX_CSUM | USTACK_DEV_RX_CSUM;
	/* The kernel hands super-frames of both families whatever we send: RX_GSO with
	 * either TSO; which families we send super-segments in is ours to say (RX_GSO
	 * alone, as before TSO6: both). */
	uint32_t tso = want & (USTACK_DEV_TSO4 | USTACK_DEV_TSO6);
	if (!tso && (want & USTACK_DEV_RX_GSO))
		tso = USTACK_DEV_TSO4 | USTACK_DEV_TSO6;
	if (d->offloads && tso) {
		d->offloads |= tso | USTACK_DEV_RX_GSO;
		d->gso_max = PACKET_GSO_MAX;
	}
	return (int)d->offloads;
}

static void packet_close(struct ustack_dev *d)
{
	struct packet_dev *p = d->priv;

	if (p->map)
		munmap(p->map, p->map_len);
	if (d->fd >= 0)
		close(d->fd);
	if (p->gso_fd >= 0)
		close(p->gso_fd);
	free(p);
}

static const struct ustack_dev_ops packet_ops = {
	.send = packet_send,
	.recv = packet_recv,
	.next_deadline = NULL,
	.close = packet_close,
	.send_meta = packet_send_meta,
	.recv_meta = packet_recv_meta,
	.set_offloads = packet_set_offloads,
};

int ustack_packet_get_stats(struct ustack_dev *d, struct ustack_packet_stats *out)
{
	struct packet_dev *p;
	struct tpacket_stats_v3 ks;
	socklen_t kl = sizeof(ks);

	if (!d || d->ops != &packet_ops || !out) {
		errno = EINVAL;
		return -1;
	}
	p = d->priv;
	/* the kernel's counters are reset by each read: add them up here */
	if (getsockopt(d->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &kl) == 0)
		p->stats.rx_kernel_drops += ks.tp_drops;
	*out = p->stats;
	return 0;
}

/* Slot size: the frame and the headers the kernel puts before it, to a power of two. */
static unsigned slot_size(unsigned mtu)
{
	unsigned need = (unsigned)TPACKET_ALIGN(TPACKET3_HDRLEN + 16) + ETH_HLEN + 4 + mtu;
	unsigned s = 256;

	while (s < need)
		s <<= 1;
	return s;
}

static int setup_ring(struct packet_dev *p, int fd, unsigned mtu)
{
	struct tpacket_req3 req;
	int v = TPACKET_V3;
	unsigned frame = slot_size(mtu);
	unsigned bsize = p->vnet ? PRING_VNET_BLOCK_SIZE : PRING_BLOCK_SIZE;
	unsigned bnr = p->vnet ? PRING_VNET_BLOCK_NR : PRING_BLOCK_NR;

	if (bsize < frame)
		bsize = frame;

	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.tp_block_size = bsize;
	req.tp_block_nr = bnr;
	req.tp_frame_size = frame;
	req.tp_frame_nr = (bsize / frame) * bnr;
	req.tp_retire_blk_tov = PRING_RETIRE_MS;
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return -1;
	p->map_len = (size_t)bsize * bnr;
	p->map = mmap(NULL, p->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (p->map == MAP_FAILED) {
		p->map = NULL;
		return -1;
	}
	pring_init(&p->ring, p->map, bsize, bnr, &p->stats);
	p->ring.pre = p->vnet ? GSO_VNET_HDR_LEN : 0;
	return 0;
}

/* The socket super-segments leave by: the virtio-net header, bound to the interface with
 * protocol 0 (it receives nothing), through the queueing layer. -1 if it cannot be had
 * (then they take the main socket). */
static int gso_socket(int ifindex, int sndbuf)
{
	struct sockaddr_ll sll;
	int one = 1, fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	return fd;
}

struct ustack_dev *ustack_packet_open(const char *ifname, const uint8_t *mac, unsigned mtu)
{
	struct packet_dev *p;
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	unsigned ifmtu;
	int fd = -1, ifindex, one = 1, sndbuf = PACKET_SNDBUF, err;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ) {
		errno = EINVAL;
		return NULL;
	}
	if (netif_query(ifname, &ifindex, &ifmtu) < 0)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->gso_fd = -1;
	if (!mtu || mtu > ifmtu)
		mtu = ifmtu;
	/* Protocol 0: nothing is queued before the ring exists and the socket is bound to
	 * this one interface. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err;
	/* before the ring; refused (an old kernel): no offloads */
	p->vnet = setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) == 0;
	if (setup_ring(p, fd, mtu) < 0)
		goto err;
	/* best effort: both only make it faster or quieter */
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto err;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		goto err;
	if (p->vnet)
		p->gso_fd = gso_socket(ifindex, sndbuf);
	p->dev.ops = &packet_ops;
	p->dev.priv = p;
	p->dev.fd = fd;
	p->dev.mtu = mtu;
	snprintf(p->dev.name, sizeof(p->dev.name), "%s", ifname);
	netif_pick_mac(p->dev.mac, mac);
	packet_set_offloads(&p->dev, PACKET_CAN);
	return &p->dev;
err:
	err = errno;
	if (p->map)
		munmap(p->map, p->map_len);
	if (fd >= 0)
		close(fd);
	free(p);
	errno = err;
	return NULL;
}
