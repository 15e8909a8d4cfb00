/* vnet.c - an in-process Ethernet switch.
 *
 * Each port is a device. A frame sent into a port goes to the port that learnt its
 * destination MAC (IEEE 802.1D transparent bridging: learn source addresses, forward
 * known unicast, flood unknown unicast, broadcast and multicast to every other port).
 * Each port's link has a latency and a bandwidth: a frame sent at t leaves at
 * max(t, link free) + its serialisation time and arrives `latency` later. A receiving
 * port returns only frames whose arrival time has come, and says when the next one
 * will (next_deadline), so the switch works the same on a virtual clock as on a real one.
 *
 * Several stacks, each maybe on its own runner thread, share one switch: a mutex per
 * switch guards everything. Each port's fd is an eventfd signalled when a frame is
 * queued for it, so a runner sleeping in epoll wakes. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "ustack/dev.h"

#define VNET_QUEUE_MAX 4096    /* frames waiting at one port; more are dropped */
#define VNET_FDB_MAX 256       /* learnt MAC addresses */
#define VNET_MIN_FRAME 14

struct vnet_frame {
	struct vnet_frame *prev, *next;
	uint64_t at;                 /* arrival time at the receiving port */
	size_t len;
	uint8_t data[];
};

struct vnet_port {
	struct ustack_dev dev;       /* first: the device handed to the stack */
	struct ustack_vnet *vn;
	unsigned n;                  /* port number, from 1 */
	struct vnet_frame *head, *tail;   /* sorted by arrival time */
	size_t qlen;
	uint64_t latency_us, bps;
	uint64_t link_free;          /* when the sending link is idle again */
	uint64_t dropped;            /* frames lost to a full queue */
	bool signalled;              /* dev.fd's counter is non-zero (written, not yet read) */
};

struct vnet_fdb_entry {
	uint8_t mac[6];
	struct vnet_port *port;
};

struct ustack_vnet {
	pthread_mutex_t mu;
	uint8_t id;                  /* 5th byte of derived MACs */
	struct vnet_port **ports;    /* open ports (unordered) */
	size_t n_ports, cap_ports;
	unsigned next_port;
	struct vnet_fdb_entry fdb[VNET_FDB_MAX];
	size_t n_fdb, fdb_victim;
	bool freed;                  /* ustack_vnet_free was called with ports open */
};

static const struct ustack_dev_ops vnet_ops;

struct ustack_vnet *ustack_vnet_new(void)
{
	struct ustack_vnet *vn = calloc(1, sizeof(*vn));
	uintptr_t h;

	if (!vn) {
		errno = ENOMEM;
		return NULL;
	}
	if (pthread_mutex_init(&vn->mu, NULL) != 0) {
		free(vn);
		errno = ENOMEM;
		return NULL;
	}
	/* No global counter: the switch's id comes from its own address, folded to a
	 * byte (1..255). ustack_vnet_set_id() makes it a chosen, reproducible value. */
	h = (uintptr_t)vn >> 4;
	h ^= h >> 8;
	h ^= h >> 16;
	vn->id = (uint8_t)(h % 255 + 1);
	return vn;
}

void ustack_vnet_set_id(struct ustack_vnet *vn, uint8_t id)
{
	pthread_mutex_lock(&vn->mu);
	vn->id = id;
	pthread_mutex_unlock(&vn->mu);
}

static void vnet_destroy(struct ustack_vnet *vn)
{
	pthread_mutex_destroy(&vn->mu);
	free(vn->ports);
	free(vn);
}

void ustack_vnet_free(struct ustack_vnet *vn)
{
	bool destroy;

	if (!vn)
		return;
	pthread_mutex_lock(&vn->mu);
	/* Ports still open belong to stacks: the switch goes when the last one closes. */
	destroy = vn->n_ports == 0;
	vn->freed = true;
	pthread_mutex_unlock(&vn->mu);
	if (destroy)
		vnet_destroy(vn);
}

struct ustack_dev *ustack_vnet_port(struct ustack_vnet *vn, const uint8_t *mac, unsigned mtu)
{
	struct vnet_port *p;

	if (!vn) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->dev.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->dev.fd < 0) {
		free(p);
		return NULL;
	}
	pthread_mutex_lock(&vn->mu);
	if (vn->n_ports == vn->cap_ports) {
		size_t cap = vn->cap_ports ? vn->cap_ports * 2 : 8;
		struct vnet_port **ports = realloc(vn->ports, cap * sizeof(*ports));

		if (!ports) {
			pthread_mutex_unlock(&vn->mu);
			close(p->dev.fd);
			free(p);
			errno = ENOMEM;
			return NULL;
		}
		vn->ports = ports;
		vn->cap_ports = cap;
	}
	vn->ports[vn->n_ports++] = p;
	p->vn = vn;
	p->n = ++vn->next_port;
	p->dev.ops = &vnet_ops;
	p->dev.priv = p;
	p->dev.mtu = mtu ? mtu : 1500;
	snprintf(p->dev.name, sizeof(p->dev.name), "vnet%u", p->n);
	if (mac) {
		memcpy(p->dev.mac, mac, 6);
	} else {
		const uint8_t derived[6] = { 0x02, 0, 0, 0, vn->id, (uint8_t)p->n };

		memcpy(p->dev.mac, derived, 6);
	}
	pthread_mutex_unlock(&vn->mu);
	return &p->dev;
}

int ustack_vnet_port_link(struct ustack_dev *port, uint64_t latency_us, uint64_t bits_per_sec)
{
	struct vnet_port *p;

	if (!port || port->ops != &vnet_ops) {
		errno = EINVAL;
		return -1;
	}
	p = port->priv;
	pthread_mutex_lock(&p->vn->mu);
	p->latency_us = latency_us;
	p->bps = bits_per_sec;
	pthread_mutex_unlock(&p->vn->mu);
	return 0;
}

/* --- the forwarding database (MAC learning) --- */

static struct vnet_port *fdb_lookup(struct ustack_vnet *vn, const uint8_t mac[6])
{
	for (size_t i = 0; i < vn->n_fdb; i++)
		if (memcmp(vn->fdb[i].mac, mac, 6) == 0)
			return vn->fdb[i].port;
	return NULL;
}

static void fdb_learn(struct ustack_vnet *vn, const uint8_t mac[6], struct vnet_port *port)
{
	struct vnet_fdb_entry *e = NULL;

	if (mac[0] & 0x01)
		return;   /* a group address is never a source */
	for (size_t i = 0; i < vn->n_fdb; i++) {
		if (memcmp(vn->fdb[i].mac, mac, 6) == 0) {
			vn->fdb[i].port = port;   /* the station moved */
			return;
		}
	}
	if (vn->n_fdb < VNET_FDB_MAX) {
		e = &vn->fdb[vn->n_fdb++];
	} else {
		e = &vn->fdb[vn->fdb_victim];
		vn->fdb_victim = (vn->fdb_victim + 1) % VNET_FDB_MAX;
	}
	memcpy(e->mac, mac, 6);
	e->port = port;
}

static void fdb_forget_port(struct ustack_vnet *vn, struct vnet_port *port)
{
	size_t i = 0;

	while (i < vn->n_fdb) {
		if (vn->fdb[i].port == port)
			vn->fdb[i] = vn->fdb[--vn->n_fdb];
		else
			i++;
	}
	if (vn->fdb_victim >= vn->n_fdb)
		vn->fdb_victim = 0;
}

/* --- per-port queues --- */

/* Queue a copy of the frame at `to`, in arrival-time order (stable: frames arriving at
 * the same time keep their sending order). Called with vn->mu held. */
static void port_enqueue(struct vnet_port *to, const uint8_t *frame, size_t len, uint64_t at)
{
	struct vnet_frame *f, *after;
	uint64_t one = 1;

	if (to->qlen >= VNET_QUEUE_MAX) {
		to->dropped++;
		return;
	}
	f = malloc(sizeof(*f) + len);
	if (!f) {
		to->dropped++;
		return;
	}
	f->at = at;
	f->len = len;
	memcpy(f->data, frame, len);
	/* Walk back from the tail: usually the new frame is the latest. */
	after = to->tail;
	while (after && after->at > at)
		after = after->prev;
	f->prev = after;
	f->next = after ? after->next : to->head;
	if (f->next)
		f->next->prev = f;
	else
		to->tail = f;
	if (after)
		after->next = f;
	else
		to->head = f;
	to->qlen++;
	/* One write until the reader clears it: a burst costs one system call, not one
	 * per frame, and one wake-up of the runner. */
	if (!to->signalled) {
		to->signalled = true;
		if (write(to->dev.fd, &one, sizeof(one)) < 0) {
			/* EAGAIN: the counter is already signalled */
		}
	}
}

static struct vnet_frame *port_dequeue(struct vnet_port *p)
{
	struct vnet_frame *f = p->head;

	if (!f)
		return NULL;
	p->head = f->next;
	if (p->head)
		p->head->prev = NULL;
	else
		p->tail = NULL;
	p->qlen--;
	return f;
}

/* --- device ops --- */

static int vnet_send(struct ustack_dev *d, const uint8_t *frame, size_t len, uint64_t now_us)
{
	struct vnet_port *p = d->priv;
	struct ustack_vnet *vn = p->vn;
	struct vnet_port *dst;
	uint64_t start, ser = 0, at;

	if (len < VNET_MIN_FRAME || len > USTACK_DEV_MAX_FRAME)
		return -1;
	pthread_mutex_lock(&vn->mu);
	fdb_learn(vn, frame + 6, p);
	/* The link: serialisation at bps after it is free, then the propagation latency. */
	start = now_us > p->link_free ? now_us : p->link_free;
	if (p->bps)
		ser = ((uint64_t)len * 8u * 1000000u + p->bps - 1) / p->bps;
	p->link_free = start + ser;
	at = p->link_free + p->latency_us;

	dst = (frame[0] & 0x01) ? NULL : fdb_lookup(vn, frame);
	if (dst) {
		if (dst != p)
			port_enqueue(dst, frame, len, at);
	} else {
		for (size_t i = 0; i < vn->n_ports; i++)
			if (vn->ports[i] != p)
				port_enqueue(vn->ports[i], frame, len, at);
	}
	pthread_mutex_unlock(&vn->mu);
	return 0;
}

static int vnet_recv(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now_us)
{
	struct vnet_port *p = d->priv;
	struct ustack_vnet *vn = p->vn;
	int n = 0;

	pthread_mutex_lock(&vn->mu);
	while (p->head && p->head->at <= now_us) {
		struct vnet_frame *f = port_dequeue(p);

		if (f->len > cap) {
			p->dropped++;   /* larger than this port's MTU */
			free(f);
			continue;
		}
		memcpy(buf, f->data, f->len);
		n = (int)f->len;
		free(f);
		break;
	}
	if (n == 0 && p->signalled) {
		uint64_t cnt;

		/* Nothing due: clear the wake-up. A frame queued later signals again. */
		p->signalled = false;
		if (read(d->fd, &cnt, sizeof(cnt)) < 0) {
			/* EAGAIN: not signalled */
		}
	}
	pthread_mutex_unlock(&vn->mu);
	return n;
}

static uint64_t vnet_next_deadline(struct ustack_dev *d)
{
	struct vnet_port *p = d->priv;
	uint64_t t;

	pthread_mutex_lock(&p->vn->mu);
	t = p->head ? p->head->at : UINT64_MAX;
	pthread_mutex_unlock(&p->vn->mu);
	return t;
}

static void vnet_close(struct ustack_dev *d)
{
	struct vnet_port *p = d->priv;
	struct ustack_vnet *vn = p->vn;
	struct vnet_frame *f;
	bool destroy;

	pthread_mutex_lock(&vn->mu);
	for (size_t i = 0; i < vn->n_ports; i++) {
		if (vn->ports[i] == p) {
			vn->ports[i] = vn->ports[--vn->n_ports];
			break;
		}
	}
	fdb_forget_port(vn, p);
	while ((f = port_dequeue(p)) != NULL)
		free(f);
	destroy = vn->freed && vn->n_ports == 0;
	pthread_mutex_unlock(&vn->mu);
	close(d->fd);
	free(p);
	if (destroy)
		vnet_destroy(vn);
}

static const struct ustack_dev_ops vnet_ops = {
	.send = vnet_send,
	.recv = vnet_recv,
	.next_deadline = vnet_next_deadline,
	.close = vnet_close,
};
