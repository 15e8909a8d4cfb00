/* tap.c - a Linux TAP device (/dev/net/tun with IFF_TAP | IFF_NO_PI): each read()
 * returns one Ethernet frame the kernel sent into the tap, each write() hands one to
 * the kernel. Real Linux hosts (in a network namespace) are the peers.
 *
 * Offloads: with IFF_VNET_HDR every frame has a virtio-net header in front
 * (TUNSETVNETHDRSZ 10, little-endian), and TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4 |
 * TUN_F_TSO6) lets the kernel hand us TCP super-segments over IPv4 and IPv6 up to 64 KiB
 * with partial or already checked checksums, and take ours: the kernel segments them
 * and finishes checksums
 * (src/dev/gso.c reads and writes the header). Offloads off keeps the header (all
 * zeros): the kernel then segments and checksums before the frame reaches us.
 *
 * The stack's MAC is its own (random locally administered unless given): the kernel's
 * side of the tap has a different MAC, as two hosts on a cable do. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "ustack/dev.h"
#include "dev/netif.h"
#include "dev/gso.h"

#include <sys/uio.h>

#ifndef TUNSETVNETLE
#define TUNSETVNETLE _IOW('T', 220, int)
#endif

/* The largest super-segment: an IP datagram of 64 KiB less a byte. */
#define TAP_GSO_MAX 65535u
#define TAP_CAN (USTACK_DEV_TX_CSUM | USTACK_DEV_RX_CSUM | USTACK_DEV_TSO4 | USTACK_DEV_TSO6 | \
		 USTACK_DEV_RX_GSO)

struct tap_dev {
	struct ustack_dev dev;
	bool vnet;           /* frames carry a virtio-net header */
};

static int tap_write(struct ustack_dev *d, const uint8_t *frame, size_t len,
		     const struct ustack_frame_meta *m)
{
	struct tap_dev *t = d->priv;
	uint8_t h[GSO_VNET_HDR_LEN];
	struct iovec iov[2];
	ssize_t n;
	size_t want = len;
	int cnt = 0;

	if (t->vnet) {
		static const struct ustack_frame_meta none;

		gso_vnet_hdr_emit(m ? m : &none, h);
		iov[cnt].iov_base = h;
		iov[cnt++].iov_len = sizeof(h);
		want += sizeof(h);
	}
	iov[cnt].iov_base = (void *)frame;
	iov[cnt++].iov_len = len;
	do {
		n = writev(d->fd, iov, cnt);
	} while (n < 0 && errno == EINTR);
	/* EAGAIN (kernel queue full) or EIO (link down): the frame is lost, counted above. */
	return n == (ssize_t)want ? 0 : -1;
}

static int tap_send_meta(struct ustack_dev *d, const uint8_t *frame, size_t len,
			 const struct ustack_frame_meta *m, uint64_t now_us)
{
	(void)now_us;
	return tap_write(d, frame, len, m);
}

/* One read. With the header and no meta wanted (recv), a frame the kernel describes in
 * a way we do not take is read and dropped (the kernel never sends those with our
 * TUNSETOFFLOAD), a partial checksum finished. Returns the frame's length, 0 when none
 * is waiting. */
static int tap_read(struct ustack_dev *d, uint8_t *buf, size_t cap, struct ustack_frame_meta *m)
{
	struct tap_dev *t = d->priv;
	uint8_t h[GSO_VNET_HDR_LEN];
	struct iovec iov[2];
	ssize_t n;

	for (int tries = 0; tries < 8; tries++) {
		if (!t->vnet) {
			do {
				n = read(d->fd, buf, cap);
			} while (n < 0 && errno == EINTR);
			if (m)
				memset(m, 0, sizeof(*m));
			return n > 0 ? (int)n : 0;
		}
		iov[0].iov_base = h;
		iov[0].iov_len = sizeof(h);
		iov[1].iov_base = buf;
		iov[1].iov_len = cap;
		do {
			n = readv(d->fd, iov, 2);
		} while (n < 0 && errno == EINTR);
		if (n <= 0)
			return 0;
		if (n <= (ssize_t)sizeof(h))
			continue;
		struct ustack_frame_meta tmp, *mm = m ? m : &tmp;
		size_t len = (size_t)n - sizeof(h);

		if (gso_vnet_hdr_parse(h, len, mm) != 0) {
			if (m)
				return (int)len;   /* the stack counts it (DEV_BAD_META) */
			continue;
		}
		/* A caller without meta (recv): finish what the kernel left undone. */
		if (!m) {
			if (mm->gso_type != USTACK_GSO_NONE)
				continue;
			if ((mm->flags & USTACK_META_CSUM_PARTIAL) &&
			    gso_csum_complete(buf, len, mm->csum_start, mm->csum_offset) != 0)
				continue;
		}
		return (int)len;
	}
	return 0;
}

static int tap_recv_meta(struct ustack_dev *d, uint8_t *buf, size_t cap,
			 struct ustack_frame_meta *m, uint64_t now_us)
{
	(void)now_us;
	return tap_read(d, buf, cap, m);
}

static int tap_set_offloads(struct ustack_dev *d, uint32_t want)
{
	struct tap_dev *t = d->priv;
	unsigned flags = 0;

	want &= TAP_CAN;
	if (!t->vnet) {
		d->offloads = 0;
		return 0;
	}
	/* What we take from the kernel decides what it may hand us; what we send with a
	 * header the kernel always takes. Keep the set symmetric, family by family
	 * (RX_GSO alone, as before TSO6: both). */
	if (want & (USTACK_DEV_TX_CSUM | USTACK_DEV_RX_CSUM))
		flags |= TUN_F_CSUM;
	if ((want & USTACK_DEV_RX_GSO) && !(want & (USTACK_DEV_TSO4 | USTACK_DEV_TSO6)))
		want |= USTACK_DEV_TSO4 | USTACK_DEV_TSO6;
	if ((flags & TUN_F_CSUM) && (want & USTACK_DEV_TSO4))
		flags |= TUN_F_TSO4;
	if ((flags & TUN_F_CSUM) && (want & USTACK_DEV_TSO6))
		flags |= TUN_F_TSO6;
	if (ioctl(d->fd, TUNSETOFFLOAD, (unsigned long)flags) < 0) {
		/* a kernel without TSO6 on taps: IPv4's alone, else none */
		flags &= ~(unsigned)TUN_F_TSO6;
		if (ioctl(d->fd, TUNSETOFFLOAD, (unsigned long)flags) < 0) {
			if (flags == 0 || ioctl(d->fd, TUNSETOFFLOAD, 0UL) < 0)
				return -1;
			flags = 0;
		}
	}
	d->offloads = 0;
	if (flags & TUN_F_CSUM)
		d->offloads |= USTACK_DEV_TX_CSUM | USTACK_DEV_RX_CSUM;
	if (flags & TUN_F_TSO4)
		d->offloads |= USTACK_DEV_TSO4;
	if (flags & TUN_F_TSO6)
		d->offloads |= USTACK_DEV_TSO6;
	if (flags & (TUN_F_TSO4 | TUN_F_TSO6))
		d->offloads |= USTACK_DEV_RX_GSO;
	d->gso_max = (flags & (TUN_F_TSO4 | TUN_F_TSO6)) ? TAP_GSO_MAX : 0;
	return (int)d->offloads;
}

static int tap_send(struct ustack_dev *d, const uint8_t *frame, size_t len, uint64_t now_us)
{
	(void)now_us;
	return tap_write(d, frame, len, NULL);
}

static int tap_recv(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now_us)
{
	(void)now_us;
	return tap_read(d, buf, cap, NULL);
}

static void tap_close(struct ustack_dev *d)
{
	struct tap_dev *t = d->priv;

	/* A persistent tap keeps its features: leave it as a plain reader expects. */
	if (d->fd >= 0 && t->vnet && d->offloads)
		ioctl(d->fd, TUNSETOFFLOAD, 0UL);
	if (d->fd >= 0)
		close(d->fd);
	free(t);
}

static const struct ustack_dev_ops tap_ops = {
	.send = tap_send,
	.recv = tap_recv,
	.next_deadline = NULL,
	.close = tap_close,
	.send_meta = tap_send_meta,
	.recv_meta = tap_recv_meta,
	.set_offloads = tap_set_offloads,
};

/* The kernel side's MTU, so the kernel neither sends us more than we take nor
 * drops what we send. Best effort: a pre-configured tap may refuse. */
static void tap_set_kernel_mtu(const char *ifname, unsigned mtu)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0) {
		/* keep the kernel's MTU */
	}
	close(s);
}

struct ustack_dev *ustack_tap_open(const char *name, const uint8_t *mac, unsigned mtu)
{
	struct tap_dev *t;
	struct ifreq ifr;
	int fd, err;

	if (name && strlen(name) >= IFNAMSIZ) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		goto err;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (name)
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) == 0) {
		int hsz = GSO_VNET_HDR_LEN, le = 1;

		t->vnet = ioctl(fd, TUNSETVNETHDRSZ, &hsz) == 0;
		/* The header's byte order: little-endian whatever the host (virtio 1.0);
		 * a kernel without the call is a little-endian host's anyway. */
		if (t->vnet && ioctl(fd, TUNSETVNETLE, &le) < 0) {
			int one = 1;
			/* big-endian host without TUNSETVNETLE: no header */
			t->vnet = *(const uint8_t *)&one == 1;
		}
		if (!t->vnet) {
			/* the flag cannot be taken back on this fd: start over without it */
			close(fd);
			fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0)
				goto err;
			ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
			if (ioctl(fd, TUNSETIFF, &ifr) < 0)
				goto err;
		}
	} else {
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
		if (ioctl(fd, TUNSETIFF, &ifr) < 0)
			goto err;
	}
	t->dev.ops = &tap_ops;
	t->dev.priv = t;
	t->dev.fd = fd;
	t->dev.mtu = mtu ? mtu : 1500;
	snprintf(t->dev.name, sizeof(t->dev.name), "%s", ifr.ifr_name);
	netif_pick_mac(t->dev.mac, mac);
	if (mtu)
		tap_set_kernel_mtu(t->dev.name, mtu);
	if (t->vnet)
		tap_set_offloads(&t->dev, TAP_CAN);   /* refused: stays without offloads */
	return &t->dev;
err:
	err = errno;
	if (fd >= 0)
		close(fd);
	free(t);
	errno = err;
	return NULL;
}
