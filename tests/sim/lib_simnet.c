/* lib_simnet.c - the simulated network of lib_simnet.h: stacks on vnets, one virtual
 * clock stepped from deadline to deadline. Linked into every sim test. */
#include "lib_simnet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIMNET_CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: simnet: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* Polls at one instant before we call it a livelock. */
#define SIMNET_SAME_TIME_MAX 100000

struct simnet {
	uint64_t now;
	struct ustack *stacks[SIMNET_MAX_STACKS];
	int n_stacks;
	struct ustack_vnet *vnets[SIMNET_MAX_VNETS];
	int n_vnets;
	struct ustack_dev *raw[SIMNET_MAX_RAW];
	int n_raw;
	bool trace;
};

static void simnet_trace(void *ctx, const struct ustack_trace *ev)
{
	(void)ctx;
	fprintf(stderr, "%10.6f %-8s %s\n", (double)ev->time_us / 1e6, ev->stack, ev->line);
}

struct simnet *simnet_new(uint64_t start_us)
{
	struct simnet *sn = calloc(1, sizeof(*sn));
	const char *t = getenv("SIMNET_TRACE");

	SIMNET_CHECK(sn);
	sn->now = start_us;
	sn->trace = t && *t && strcmp(t, "0") != 0;
	return sn;
}

void simnet_free(struct simnet *sn)
{
	if (!sn)
		return;
	for (int i = 0; i < sn->n_stacks; i++)
		ustack_free(sn->stacks[i]);
	for (int i = 0; i < sn->n_raw; i++)
		ustack_dev_close(sn->raw[i]);
	for (int i = 0; i < sn->n_vnets; i++)
		ustack_vnet_free(sn->vnets[i]);
	free(sn);
}

struct ustack_vnet *simnet_vnet(struct simnet *sn)
{
	struct ustack_vnet *vn;

	SIMNET_CHECK(sn->n_vnets < SIMNET_MAX_VNETS);
	vn = ustack_vnet_new();
	SIMNET_CHECK(vn);
	ustack_vnet_set_id(vn, (uint8_t)(sn->n_vnets + 1));
	sn->vnets[sn->n_vnets++] = vn;
	return vn;
}

struct ustack *simnet_stack(struct simnet *sn, const char *name, const struct ustack_config *cfg)
{
	struct ustack_config c;
	struct ustack *st;

	SIMNET_CHECK(sn->n_stacks < SIMNET_MAX_STACKS);
	memset(&c, 0, sizeof(c));
	if (cfg)
		c = *cfg;
	if (!c.name)
		c.name = name;
	if (!c.seed)
		c.seed = 0x51e7 + (uint64_t)sn->n_stacks;
	st = ustack_new(&c);
	SIMNET_CHECK(st);
	if (sn->trace)
		ustack_set_trace(st, simnet_trace, NULL);
	ustack_step(st, sn->now);
	sn->stacks[sn->n_stacks++] = st;
	return st;
}

uint32_t simnet_addr(const char *s)
{
	struct in_addr a;

	SIMNET_CHECK(inet_pton(AF_INET, s, &a) == 1);
	return a.s_addr;
}

int simnet_attach(struct simnet *sn, struct ustack *st, struct ustack_vnet *vn,
		  const char *cidr, unsigned mtu, const struct ustack_impair *imp,
		  struct ustack_dev **devp)
{
	char buf[32];
	char *slash;
	struct in_addr a;
	struct ustack_dev *dev;
	int idx;

	(void)sn;
	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	SIMNET_CHECK(slash);
	*slash = '\0';
	a.s_addr = simnet_addr(buf);
	dev = ustack_vnet_port(vn, NULL, mtu ? mtu : 1500);
	SIMNET_CHECK(dev);
	if (imp) {
		dev = ustack_impair_wrap(dev, imp);
		SIMNET_CHECK(dev);
	}
	idx = ustack_if_add(st, dev, a, atoi(slash + 1));
	SIMNET_CHECK(idx >= 0);
	if (devp)
		*devp = dev;
	return idx;
}

void simnet_gateway(struct ustack *st, const char *gw)
{
	struct in_addr g = { .s_addr = simnet_addr(gw) };

	SIMNET_CHECK(ustack_set_gateway(st, g) == 0);
}

void simnet_route(struct ustack *st, const char *dst_cidr, const char *gw)
{
	char buf[32];
	char *slash;
	struct in_addr d, g = { .s_addr = simnet_addr(gw) };

	snprintf(buf, sizeof(buf), "%s", dst_cidr);
	slash = strchr(buf, '/');
	SIMNET_CHECK(slash);
	*slash = '\0';
	d.s_addr = simnet_addr(buf);
	SIMNET_CHECK(ustack_route_add(st, d, atoi(slash + 1), g, -1) == 0);
}

uint64_t simnet_now(const struct simnet *sn)
{
	return sn->now;
}

static uint64_t simnet_deadline(struct simnet *sn)
{
	uint64_t d = UINT64_MAX;

	for (int i = 0; i < sn->n_stacks; i++) {
		uint64_t t = ustack_next_deadline(sn->stacks[i]);

		if (t < d)
			d = t;
	}
	for (int i = 0; i < sn->n_raw; i++) {
		/* Frames in flight to a raw port do not need the clock to stop for them,
		 * but stopping there lets a test see them at their arrival time. */
		struct ustack_dev *r = sn->raw[i];
		uint64_t t = r->ops->next_deadline ? r->ops->next_deadline(r) : UINT64_MAX;

		if (t > sn->now && t < d)
			d = t;
	}
	return d;
}

bool simnet_step(struct simnet *sn, uint64_t limit)
{
	uint64_t d = simnet_deadline(sn);
	bool due = d <= limit;

	if (!due)
		d = limit;
	if (d > sn->now)
		sn->now = d;
	for (int i = 0; i < sn->n_stacks; i++)
		ustack_step(sn->stacks[i], sn->now);
	return due;
}

void simnet_run_for(struct simnet *sn, uint64_t us)
{
	uint64_t end = sn->now + us;
	uint64_t last = sn->now;
	long same = 0;

	while (simnet_step(sn, end)) {
		if (sn->now == last) {
			SIMNET_CHECK(++same < SIMNET_SAME_TIME_MAX);
		} else {
			last = sn->now;
			same = 0;
		}
	}
}

bool simnet_run_until(struct simnet *sn, bool (*done)(void *ctx), void *ctx, uint64_t max_us)
{
	uint64_t end = sn->now + max_us;
	uint64_t last = sn->now;
	long same = 0;

	while (!done(ctx)) {
		if (!simnet_step(sn, end))
			return done(ctx);
		if (sn->now == last) {
			SIMNET_CHECK(++same < SIMNET_SAME_TIME_MAX);
		} else {
			last = sn->now;
			same = 0;
		}
	}
	return true;
}

struct ustack_dev *simnet_raw_port(struct simnet *sn, struct ustack_vnet *vn, const uint8_t *mac)
{
	struct ustack_dev *d;

	SIMNET_CHECK(sn->n_raw < SIMNET_MAX_RAW);
	d = ustack_vnet_port(vn, mac, 1500);
	SIMNET_CHECK(d);
	sn->raw[sn->n_raw++] = d;
	return d;
}

int simnet_raw_send(struct simnet *sn, struct ustack_dev *raw, const void *frame, size_t len)
{
	return raw->ops->send(raw, frame, len, sn->now);
}

int simnet_raw_recv(struct simnet *sn, struct ustack_dev *raw, void *buf, size_t cap)
{
	return raw->ops->recv(raw, buf, cap, sn->now);
}

void simnet_raw_flush(struct simnet *sn, struct ustack_dev *raw)
{
	uint8_t buf[USTACK_DEV_MAX_FRAME];

	while (simnet_raw_recv(sn, raw, buf, sizeof(buf)) > 0) {
	}
}

struct ping_wait {
	struct ustack *st;
	uint16_t id;
	struct ustack_ping_reply *out;
};

static bool ping_done(void *ctx)
{
	struct ping_wait *w = ctx;

	return ustack_ping_recv(w->st, w->id, w->out, 0) == 0;
}

int simnet_ping(struct simnet *sn, struct ustack *st, const char *dst, uint16_t id, uint16_t seq,
		size_t len, uint8_t ttl, struct ustack_ping_reply *out, uint64_t max_us)
{
	struct in_addr d = { .s_addr = simnet_addr(dst) };
	struct ping_wait w = { st, id, out };

	if (ustack_ping_send(st, d, id, seq, NULL, len, ttl) != 0)
		return -1;
	return simnet_run_until(sn, ping_done, &w, max_us) ? 0 : -1;
}
