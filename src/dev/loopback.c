/* loopback.c - the loopback device: every frame sent comes back on recv, in order.
 *
 * It has no fd: a frame queued is due at once (next_deadline 0), which is how the
 * stack and its runner know to poll again. Only its own stack touches it, always with
 * the stack lock held, so it needs no lock of its own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ustack/dev.h"

#define LO_MTU 65535
#define LO_QUEUE_MAX 1024

struct lo_frame {
	struct lo_frame *next;
	size_t len;
	uint8_t data[];
};

struct lo_dev {
	struct ustack_dev dev;
	struct lo_frame *head, *tail;
	size_t n;
};

static int lo_send(struct ustack_dev *d, const uint8_t *frame, size_t len, uint64_t now_us)
{
	struct lo_dev *lo = d->priv;
	struct lo_frame *f;

	(void)now_us;
	if (len > USTACK_DEV_MAX_FRAME || lo->n >= LO_QUEUE_MAX)
		return -1;
	f = malloc(sizeof(*f) + len);
	if (!f)
		return -1;
	f->next = NULL;
	f->len = len;
	memcpy(f->data, frame, len);
	if (lo->tail)
		lo->tail->next = f;
	else
		lo->head = f;
	lo->tail = f;
	lo->n++;
	return 0;
}

static int lo_recv(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now_us)
{
	struct lo_dev *lo = d->priv;

	(void)now_us;
	while (lo->head) {
		struct lo_frame *f = lo->head;
		int n = 0;

		lo->head = f->next;
		if (!lo->head)
			lo->tail = NULL;
		lo->n--;
		if (f->len <= cap) {
			memcpy(buf, f->data, f->len);
			n = (int)f->len;
		}
		free(f);
		if (n > 0)
			return n;
	}
	return 0;
}

static uint64_t lo_next_deadline(struct ustack_dev *d)
{
	struct lo_dev *lo = d->priv;

	return lo->head ? 0 : UINT64_MAX;
}

static void lo_close(struct ustack_dev *d)
{
	struct lo_dev *lo = d->priv;

	while (lo->head) {
		struct lo_frame *f = lo->head;

		lo->head = f->next;
		free(f);
	}
	free(lo);
}

static const struct ustack_dev_ops lo_ops = {
	.send = lo_send,
	.recv = lo_recv,
	.next_deadline = lo_next_deadline,
	.close = lo_close,
};

struct ustack_dev *ustack_loopback_new(void)
{
	struct lo_dev *lo = calloc(1, sizeof(*lo));

	if (!lo) {
		errno = ENOMEM;
		return NULL;
	}
	lo->dev.ops = &lo_ops;
	lo->dev.priv = lo;
	lo->dev.mtu = LO_MTU;
	lo->dev.fd = -1;
	strcpy(lo->dev.name, "lo");
	return &lo->dev;
}
