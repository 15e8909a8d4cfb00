/* impair.c - a wrapper that makes a link bad on purpose: seeded loss, duplication,
 * reordering, corruption, delay and jitter (in the spirit of Linux netem and smoltcp's
 * FaultInjector). The same seed and the same frames give the same decisions, so a
 * failing simulation replays exactly.
 *
 * Each direction (send, and receive when cfg.rx) runs every frame through the same
 * steps: lose it? duplicate it? corrupt each copy? hold it back to send after the next
 * one (reorder)? delay it? Frames waiting for their time sit in a queue ordered by
 * release time; sends are released when the stack next calls send or recv (the
 * wrapper's next_deadline says when), receives are handed out by recv. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "ustack/dev.h"

#define IMPAIR_QUEUE_MAX 4096          /* frames delayed in one direction */
#define IMPAIR_HOLD_MAX_US 10000       /* a held frame goes alone if nothing follows */
#define IMPAIR_RX_PULL_MAX 64          /* inner frames taken in one recv call */
#define ETH_HDR 14

struct imp_frame {
	struct imp_frame *next;
	uint64_t at;                 /* release time */
	size_t len;
	uint8_t data[];
};

/* One direction: the release queue and the frame held back for reordering. */
struct imp_dir {
	struct imp_frame *queue;     /* sorted by at, stable */
	struct imp_frame *tail;      /* last of queue: constant delay appends here */
	size_t qlen;
	struct imp_frame *held;
	uint64_t held_at;
};

struct impair_dev {
	struct ustack_dev dev;
	struct ustack_dev *inner;
	struct ustack_impair cfg;
	uint64_t rng[4];
	struct ustack_impair_stats stats;
	struct imp_dir tx, rx;
};

static bool chance(struct impair_dev *im, double p)
{
	return p > 0 && rng_unit(im->rng) < p;
}

static struct imp_frame *frame_new(const uint8_t *data, size_t len)
{
	struct imp_frame *f = malloc(sizeof(*f) + len);

	if (!f)
		return NULL;
	f->next = NULL;
	f->at = 0;
	f->len = len;
	memcpy(f->data, data, len);
	return f;
}

/* Put f in dir's queue at time at (after frames with the same time). */
static void dir_enqueue(struct impair_dev *im, struct imp_dir *dir, struct imp_frame *f, uint64_t at)
{
	struct imp_frame **pp = &dir->queue;

	if (dir->qlen >= IMPAIR_QUEUE_MAX) {
		im->stats.lost++;
		free(f);
		return;
	}
	f->at = at;
	if (dir->tail && dir->tail->at <= at)
		pp = &dir->tail->next;
	else
		while (*pp && (*pp)->at <= at)
			pp = &(*pp)->next;
	f->next = *pp;
	*pp = f;
	if (!f->next)
		dir->tail = f;
	dir->qlen++;
}

static struct imp_frame *dir_pop_due(struct imp_dir *dir, uint64_t now)
{
	struct imp_frame *f = dir->queue;

	if (!f || f->at > now)
		return NULL;
	dir->queue = f->next;
	if (!dir->queue)
		dir->tail = NULL;
	dir->qlen--;
	f->next = NULL;
	return f;
}

/* Delay step: release time of a frame that passed every other step at now. */
static uint64_t release_time(struct impair_dev *im, uint64_t now)
{
	uint64_t d = im->cfg.delay_us;

	if (im->cfg.jitter_us)
		d += rng_next(im->rng) % (im->cfg.jitter_us + 1);
	if (d)
		im->stats.delayed++;
	return now + d;
}

/* Reorder step, then delay: f goes to the queue, and a frame held back goes right
 * after it. */
static void dir_admit(struct impair_dev *im, struct imp_dir *dir, struct imp_frame *f, uint64_t now)
{
	struct imp_frame *held = dir->held;

	if (!held && chance(im, im->cfg.reorder)) {
		im->stats.reordered++;
		dir->held = f;
		dir->held_at = now;
		return;
	}
	dir_enqueue(im, dir, f, release_time(im, now));
	if (held) {
		dir->held = NULL;
		dir_enqueue(im, dir, held, release_time(im, now));
	}
}

/* A held frame that no other followed goes on alone after IMPAIR_HOLD_MAX_US. */
static void dir_expire_held(struct impair_dev *im, struct imp_dir *dir, uint64_t now)
{
	if (dir->held && now >= dir->held_at + IMPAIR_HOLD_MAX_US) {
		struct imp_frame *f = dir->held;

		dir->held = NULL;
		dir_enqueue(im, dir, f, release_time(im, now));
	}
}

/* Every step for one frame entering a direction. */
static void dir_input(struct impair_dev *im, struct imp_dir *dir, const uint8_t *data, size_t len,
		      uint64_t now)
{
	int copies = 1;

	im->stats.frames++;
	if (chance(im, im->cfg.loss)) {
		im->stats.lost++;
		return;
	}
	if (chance(im, im->cfg.duplicate)) {
		im->stats.duplicated++;
		copies = 2;
	}
	for (int i = 0; i < copies; i++) {
		struct imp_frame *f = frame_new(data, len);

		if (!f) {
			im->stats.lost++;
			continue;
		}
		if (len > 0 && chance(im, im->cfg.corrupt)) {
			/* One byte past the Ethernet header, so checksums (not the MAC
			 * filter) have to catch it. */
			size_t lo = len > ETH_HDR ? ETH_HDR : 0;
			size_t at = lo + (size_t)(rng_next(im->rng) % (len - lo));

			f->data[at] ^= (uint8_t)(1 + rng_next(im->rng) % 255);
			im->stats.corrupted++;
		}
		dir_admit(im, dir, f, now);
	}
}

static void dir_purge(struct imp_dir *dir)
{
	while (dir->queue) {
		struct imp_frame *f = dir->queue;

		dir->queue = f->next;
		free(f);
	}
	free(dir->held);
	dir->held = NULL;
	dir->tail = NULL;
	dir->qlen = 0;
}

/* Hand every send whose time has come to the inner device. Returns -1 if one failed. */
static int tx_release(struct impair_dev *im, uint64_t now)
{
	struct imp_frame *f;
	int rc = 0;

	dir_expire_held(im, &im->tx, now);
	while ((f = dir_pop_due(&im->tx, now)) != NULL) {
		if (im->inner->ops->send(im->inner, f->data, f->len, now) != 0)
			rc = -1;
		free(f);
	}
	return rc;
}

static int impair_send(struct ustack_dev *d, const uint8_t *frame, size_t len, uint64_t now_us)
{
	struct impair_dev *im = d->priv;

	tx_release(im, now_us);
	dir_input(im, &im->tx, frame, len, now_us);
	return tx_release(im, now_us);
}

static int impair_recv(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now_us)
{
	struct impair_dev *im = d->priv;
	struct imp_frame *f;

	tx_release(im, now_us);
	if (!im->cfg.rx)
		return im->inner->ops->recv(im->inner, buf, cap, now_us);

	for (int pulled = 0; pulled <= IMPAIR_RX_PULL_MAX; pulled++) {
		int n;

		dir_expire_held(im, &im->rx, now_us);
		f = dir_pop_due(&im->rx, now_us);
		if (f) {
			int len = f->len <= cap ? (int)f->len : 0;

			if (len)
				memcpy(buf, f->data, f->len);
			free(f);
			if (len)
				return len;
			continue;
		}
		n = im->inner->ops->recv(im->inner, buf, cap, now_us);
		if (n <= 0)
			return 0;
		dir_input(im, &im->rx, buf, (size_t)n, now_us);
	}
	return 0;
}

static uint64_t dir_deadline(const struct imp_dir *dir)
{
	uint64_t t = dir->queue ? dir->queue->at : UINT64_MAX;

	if (dir->held && dir->held_at + IMPAIR_HOLD_MAX_US < t)
		t = dir->held_at + IMPAIR_HOLD_MAX_US;
	return t;
}

static uint64_t impair_next_deadline(struct ustack_dev *d)
{
	struct impair_dev *im = d->priv;
	uint64_t t = dir_deadline(&im->tx);
	uint64_t r = dir_deadline(&im->rx);

	if (r < t)
		t = r;
	if (im->inner->ops->next_deadline) {
		uint64_t i = im->inner->ops->next_deadline(im->inner);

		if (i < t)
			t = i;
	}
	return t;
}

static void impair_close(struct ustack_dev *d)
{
	struct impair_dev *im = d->priv;

	dir_purge(&im->tx);
	dir_purge(&im->rx);
	ustack_dev_close(im->inner);
	free(im);
}

static const struct ustack_dev_ops impair_ops = {
	.send = impair_send,
	.recv = impair_recv,
	.next_deadline = impair_next_deadline,
	.close = impair_close,
};

struct ustack_dev *ustack_impair_wrap(struct ustack_dev *inner, const struct ustack_impair *cfg)
{
	struct impair_dev *im;

	if (!inner || !cfg) {
		errno = EINVAL;
		return NULL;
	}
	im = calloc(1, sizeof(*im));
	if (!im) {
		errno = ENOMEM;
		return NULL;
	}
	im->inner = inner;
	/* Loss and corruption act on wire frames: no offloads inside or out. */
	ustack_dev_set_offloads(inner, 0);
	im->cfg = *cfg;
	rng_seed(im->rng, cfg->seed);
	im->dev.ops = &impair_ops;
	im->dev.priv = im;
	memcpy(im->dev.name, inner->name, sizeof(im->dev.name));
	memcpy(im->dev.mac, inner->mac, sizeof(im->dev.mac));
	im->dev.mtu = inner->mtu;
	im->dev.fd = inner->fd;
	return &im->dev;
}

void ustack_impair_get_stats(struct ustack_dev *d, struct ustack_impair_stats *out)
{
	if (!d || d->ops != &impair_ops) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = ((struct impair_dev *)d->priv)->stats;
}
