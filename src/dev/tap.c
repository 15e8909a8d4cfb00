/* tap.c - a Linux TAP device (/dev/net/tun with IFF_TAP | IFF_NO_PI): each read()
 * returns one Ethernet frame the kernel sent into the tap, each write() hands one to
 * the kernel. Real Linux hosts (in a network namespace) are the peers.
 *
 * The stack's MAC is its own (random locally administered unless given): the kernel's
 * side of the tap has a different MAC, as two hosts on a cable do. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "ustack/dev.h"

struct tap_dev {
	struct ustack_dev dev;
};

static int tap_send(struct ustack_dev *d, const uint8_t *frame, size_t len, uint64_t now_us)
{
	ssize_t n;

	(void)now_us;
	do {
		n = write(d->fd, frame, len);
	} while (n < 0 && errno == EINTR);
	/* EAGAIN (kernel queue full) or EIO (link down): the frame is lost, counted above. */
	return n == (ssize_t)len ? 0 : -1;
}

static int tap_recv(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now_us)
{
	ssize_t n;

	(void)now_us;
	do {
		n = read(d->fd, buf, cap);
	} while (n < 0 && errno == EINTR);
	return n > 0 ? (int)n : 0;
}

static void tap_close(struct ustack_dev *d)
{
	struct tap_dev *t = d->priv;

	if (d->fd >= 0)
		close(d->fd);
	free(t);
}

static const struct ustack_dev_ops tap_ops = {
	.send = tap_send,
	.recv = tap_recv,
	.next_deadline = NULL,
	.close = tap_close,
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
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (name)
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto err;
	t->dev.ops = &tap_ops;
	t->dev.priv = t;
	t->dev.fd = fd;
	t->dev.mtu = mtu ? mtu : 1500;
	snprintf(t->dev.name, sizeof(t->dev.name), "%s", ifr.ifr_name);
	if (mac) {
		memcpy(t->dev.mac, mac, 6);
	} else {
		if (getrandom(t->dev.mac, 6, 0) != 6)
			memset(t->dev.mac, 0x5a, 6);
		t->dev.mac[0] = (uint8_t)((t->dev.mac[0] & 0xfc) | 0x02);   /* unicast, local */
	}
	if (mtu)
		tap_set_kernel_mtu(t->dev.name, mtu);
	return &t->dev;
err:
	err = errno;
	if (fd >= 0)
		close(fd);
	free(t);
	errno = err;
	return NULL;
}
