/* pcap.c - capture every frame in and out of a device to a pcap file (the classic
 * libpcap format: a 24-byte global header, then a 16-byte record header per frame;
 * LINKTYPE_ETHERNET, microsecond timestamps). Wireshark and tcpdump read it.
 *
 * A capture may be shared by the devices of several stacks (one file for a whole
 * simulated network): it has its own mutex and a reference count. Records are
 * written whole and flushed often, so a crash leaves a readable file. Timestamps are
 * the now_us the stack passes to send/recv (virtual time in a simulation) plus an
 * epoch, 0 unless ustack_pcap_set_epoch() gives one: the tools pass the wall-clock
 * time of their clock's zero, so Wireshark shows the date the capture was taken.
 *
 * Offloads: wrapping turns the inner device's off and the wrapper has none, so the
 * file holds wire-sized frames with their checksums, as a tap on the cable would. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/dev.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAP_SNAPLEN 262144u
#define LINKTYPE_ETHERNET 1
#define PCAP_FLUSH_EVERY 32          /* records between flushes ... */
#define PCAP_FLUSH_US 100000u        /* ... or this much capture time */

struct ustack_pcap {
	pthread_mutex_t mu;
	FILE *f;
	unsigned refs;          /* the opener's reference + one per wrapper */
	unsigned unflushed;
	uint64_t last_flush_us;
	uint64_t epoch_us;      /* added to every timestamp */
};

struct pcap_dev {
	struct ustack_dev dev;
	struct ustack_dev *inner;
	struct ustack_pcap *pc;
};

static void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static int pcap_write_header(FILE *f)
{
	uint8_t h[24];

	put_le32(h, PCAP_MAGIC_US);
	put_le16(h + 4, PCAP_VERSION_MAJOR);
	put_le16(h + 6, PCAP_VERSION_MINOR);
	put_le32(h + 8, 0);               /* thiszone */
	put_le32(h + 12, 0);              /* sigfigs */
	put_le32(h + 16, PCAP_SNAPLEN);
	put_le32(h + 20, LINKTYPE_ETHERNET);
	if (fwrite(h, sizeof(h), 1, f) != 1)
		return -1;
	return fflush(f) == 0 ? 0 : -1;
}

struct ustack_pcap *ustack_pcap_open(const char *path)
{
	struct ustack_pcap *pc;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	pc = calloc(1, sizeof(*pc));
	if (!pc) {
		errno = ENOMEM;
		return NULL;
	}
	pc->f = fopen(path, "wbe");
	if (!pc->f) {
		int err = errno;

		free(pc);
		errno = err;
		return NULL;
	}
	if (pcap_write_header(pc->f) != 0 || pthread_mutex_init(&pc->mu, NULL) != 0) {
		int err = errno ? errno : EIO;

		fclose(pc->f);
		free(pc);
		errno = err;
		return NULL;
	}
	pc->refs = 1;
	return pc;
}

static void pcap_put(struct ustack_pcap *pc)
{
	bool last;

	pthread_mutex_lock(&pc->mu);
	last = --pc->refs == 0;
	pthread_mutex_unlock(&pc->mu);
	if (!last)
		return;
	fclose(pc->f);
	pthread_mutex_destroy(&pc->mu);
	free(pc);
}

int ustack_pcap_set_epoch(struct ustack_pcap *pc, uint64_t epoch_us)
{
	if (!pc) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&pc->mu);
	pc->epoch_us = epoch_us;
	pthread_mutex_unlock(&pc->mu);
	return 0;
}

void ustack_pcap_close(struct ustack_pcap *pc)
{
	if (pc)
		pcap_put(pc);
}

/* Append one record. */
static void pcap_record(struct ustack_pcap *pc, const uint8_t *frame, size_t len, uint64_t now_us)
{
	uint8_t h[16];
	uint32_t incl = len > PCAP_SNAPLEN ? PCAP_SNAPLEN : (uint32_t)len;
	uint64_t ts;

	pthread_mutex_lock(&pc->mu);
	ts = pc->epoch_us + now_us;
	put_le32(h, (uint32_t)(ts / 1000000u));
	put_le32(h + 4, (uint32_t)(ts % 1000000u));
	put_le32(h + 8, incl);
	put_le32(h + 12, (uint32_t)len);
	if (fwrite(h, sizeof(h), 1, pc->f) == 1)
		fwrite(frame, incl, 1, pc->f);
	if (++pc->unflushed >= PCAP_FLUSH_EVERY || now_us - pc->last_flush_us >= PCAP_FLUSH_US ||
	    now_us < pc->last_flush_us) {
		fflush(pc->f);
		pc->unflushed = 0;
		pc->last_flush_us = now_us;
	}
	pthread_mutex_unlock(&pc->mu);
}

static int pcap_dev_send(struct ustack_dev *d, const uint8_t *frame, size_t len, uint64_t now_us)
{
	struct pcap_dev *pd = d->priv;

	pcap_record(pd->pc, frame, len, now_us);
	return pd->inner->ops->send(pd->inner, frame, len, now_us);
}

static int pcap_dev_recv(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now_us)
{
	struct pcap_dev *pd = d->priv;
	int n = pd->inner->ops->recv(pd->inner, buf, cap, now_us);

	if (n > 0)
		pcap_record(pd->pc, buf, (size_t)n, now_us);
	return n;
}

static uint64_t pcap_dev_next_deadline(struct ustack_dev *d)
{
	struct pcap_dev *pd = d->priv;

	if (!pd->inner->ops->next_deadline)
		return UINT64_MAX;
	return pd->inner->ops->next_deadline(pd->inner);
}

static void pcap_dev_close(struct ustack_dev *d)
{
	struct pcap_dev *pd = d->priv;

	pthread_mutex_lock(&pd->pc->mu);
	fflush(pd->pc->f);
	pthread_mutex_unlock(&pd->pc->mu);
	ustack_dev_close(pd->inner);
	pcap_put(pd->pc);
	free(pd);
}

static const struct ustack_dev_ops pcap_dev_ops = {
	.send = pcap_dev_send,
	.recv = pcap_dev_recv,
	.next_deadline = pcap_dev_next_deadline,
	.close = pcap_dev_close,
};

struct ustack_dev *ustack_pcap_wrap_shared(struct ustack_dev *inner, struct ustack_pcap *pc)
{
	struct pcap_dev *pd;

	if (!inner || !pc) {
		errno = EINVAL;
		return NULL;
	}
	pd = calloc(1, sizeof(*pd));
	if (!pd) {
		errno = ENOMEM;
		return NULL;
	}
	pd->inner = inner;
	/* The capture shows the wire: the inner device's offloads go off (a TAP's kernel
	 * then cuts and checksums before we read, and takes only wire-sized frames), and
	 * the wrapper advertises none, so no super-segment or partial checksum reaches the
	 * file. */
	ustack_dev_set_offloads(inner, 0);
	pd->pc = pc;
	pthread_mutex_lock(&pc->mu);
	pc->refs++;
	pthread_mutex_unlock(&pc->mu);
	pd->dev.ops = &pcap_dev_ops;
	pd->dev.priv = pd;
	/* The wrapper looks like the device it wraps: same name (so "lo" stays loopback),
	 * MAC, MTU, and fd to wait on. */
	memcpy(pd->dev.name, inner->name, sizeof(pd->dev.name));
	memcpy(pd->dev.mac, inner->mac, sizeof(pd->dev.mac));
	pd->dev.mtu = inner->mtu;
	pd->dev.fd = inner->fd;
	return &pd->dev;
}

struct ustack_dev *ustack_pcap_wrap(struct ustack_dev *inner, const char *path)
{
	struct ustack_pcap *pc = ustack_pcap_open(path);
	struct ustack_dev *d;

	if (!pc)
		return NULL;
	d = ustack_pcap_wrap_shared(inner, pc);
	/* The wrapper holds the only reference from now on: the file closes with it. */
	ustack_pcap_close(pc);
	return d;
}
