/* lib_tcpsim.c - see lib_tcpsim.h. */
#include "lib_tcpsim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ustack/socket.h"

#define TCPSIM_CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: tcpsim: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

bool tcpsim_under_asan(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
}

void tcpsim_init(struct tcpsim *t, uint64_t rtt_us, const struct ustack_impair *imp,
		 const struct ustack_config *cfg)
{
	struct ustack_impair ia, ib;
	struct ustack_vnet *vn;

	memset(t, 0, sizeof(*t));
	t->sn = simnet_new(1000000);
	vn = simnet_vnet(t->sn);
	t->a = simnet_stack(t->sn, "a", cfg);
	t->b = simnet_stack(t->sn, "b", cfg);
	memset(&ia, 0, sizeof(ia));
	if (imp)
		ia = *imp;
	ia.delay_us = rtt_us / 2;
	ib = ia;
	ia.seed = ia.seed * 2 + 1;
	ib.seed = ib.seed * 2 + 2;
	simnet_attach(t->sn, t->a, vn, "10.0.0.1/24", 0, &ia, &t->da);
	simnet_attach(t->sn, t->b, vn, "10.0.0.2/24", 0, &ib, &t->db);
}

void tcpsim_free(struct tcpsim *t)
{
	simnet_free(t->sn);
	t->sn = NULL;
}

struct conn_wait {
	struct tcpsim *t;
	int lfd, fda, fdb;
};

static bool conn_done(void *ctx)
{
	struct conn_wait *w = ctx;

	if (w->fdb < 0)
		w->fdb = ustack_accept4(w->t->b, w->lfd, NULL, NULL, SOCK_NONBLOCK);
	if (w->fdb < 0)
		return false;
	struct pollfd p = { .fd = w->fda, .events = POLLOUT };
	return ustack_poll(w->t->a, &p, 1, 0) == 1 && (p.revents & POLLOUT);
}

/* b listens on the wildcard of to's family at to's port, a connects to to. */
static int connect_to(struct tcpsim *t, const struct sockaddr *any, const struct sockaddr *to,
		      socklen_t alen, int *fda, int *fdb, uint64_t max_us)
{
	struct conn_wait w = { .t = t, .fdb = -1 };
	int one = 1;

	w.lfd = ustack_socket(t->b, to->sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	TCPSIM_CHECK(w.lfd >= 0);
	TCPSIM_CHECK(ustack_setsockopt(t->b, w.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
	TCPSIM_CHECK(ustack_bind(t->b, w.lfd, any, alen) == 0);
	TCPSIM_CHECK(ustack_listen(t->b, w.lfd, 16) == 0);
	w.fda = ustack_socket(t->a, to->sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	TCPSIM_CHECK(w.fda >= 0);
	int rc = ustack_connect(t->a, w.fda, to, alen);
	TCPSIM_CHECK(rc == 0 || errno == EINPROGRESS);
	bool ok = simnet_run_until(t->sn, conn_done, &w, max_us);
	ustack_close(t->b, w.lfd);
	*fda = w.fda;
	*fdb = w.fdb;
	return ok ? 0 : -1;
}

int tcpsim_connect(struct tcpsim *t, uint16_t port, int *fda, int *fdb, uint64_t max_us)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in to = any;

	any.sin_addr.s_addr = htonl(INADDR_ANY);
	to.sin_addr.s_addr = simnet_addr("10.0.0.2");
	return connect_to(t, (struct sockaddr *)&any, (struct sockaddr *)&to, sizeof(to), fda, fdb,
			  max_us);
}

int tcpsim_connect6(struct tcpsim *t, const char *b_addr6, uint16_t port, int *fda, int *fdb,
		    uint64_t max_us)
{
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in6 to = any;

	TCPSIM_CHECK(inet_pton(AF_INET6, b_addr6, &to.sin6_addr) == 1);
	return connect_to(t, (struct sockaddr *)&any, (struct sockaddr *)&to, sizeof(to), fda, fdb,
			  max_us);
}

void tcpsim_pattern(uint64_t key, uint64_t pos, uint8_t *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint64_t w = pos >> 3;
		uint64_t z = (w + key) * 0x9e3779b97f4a7c15ull;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		for (unsigned k = (unsigned)(pos & 7); k < 8 && i < len; k++, i++, pos++)
			buf[i] = (uint8_t)(z >> (8 * k));
	}
}

/* One direction of a bulk transfer. */
struct flow {
	struct ustack *tx_st, *rx_st;
	int tx_fd, rx_fd;
	uint64_t key, total, sent, got;
	bool shut, eof, bad;
};

static bool flow_pump(struct flow *f, uint8_t *buf, uint8_t *want, size_t chunk)
{
	bool progress = false;

	while (f->sent < f->total) {
		size_t n = f->total - f->sent < chunk ? (size_t)(f->total - f->sent) : chunk;
		tcpsim_pattern(f->key, f->sent, buf, n);
		ssize_t k = ustack_send(f->tx_st, f->tx_fd, buf, n, MSG_DONTWAIT);
		if (k <= 0)
			break;
		f->sent += (uint64_t)k;
		progress = true;
	}
	if (f->sent == f->total && !f->shut) {
		TCPSIM_CHECK(ustack_shutdown(f->tx_st, f->tx_fd, SHUT_WR) == 0);
		f->shut = true;
		progress = true;
	}
	while (!f->eof) {
		ssize_t k = ustack_recv(f->rx_st, f->rx_fd, buf, chunk, MSG_DONTWAIT);
		if (k == 0) {
			f->eof = true;
			progress = true;
			break;
		}
		if (k < 0)
			break;
		tcpsim_pattern(f->key, f->got, want, (size_t)k);
		if (f->got + (uint64_t)k > f->total || memcmp(buf, want, (size_t)k) != 0)
			f->bad = true;
		f->got += (uint64_t)k;
		progress = true;
	}
	return progress;
}

void tcpsim_bulk(struct tcpsim *t, int fda, int fdb, struct tcpsim_xfer *x)
{
	size_t chunk = x->chunk ? x->chunk : 65536;
	uint8_t *buf = malloc(chunk), *want = malloc(chunk);
	struct flow f[2] = {
		{ .tx_st = t->a, .rx_st = t->b, .tx_fd = fda, .rx_fd = fdb, .key = 0xa2b,
		  .total = x->a2b },
		{ .tx_st = t->b, .rx_st = t->a, .tx_fd = fdb, .rx_fd = fda, .key = 0xb2a,
		  .total = x->b2a },
	};
	uint64_t start = simnet_now(t->sn), end = start + x->max_us;

	uint64_t last = start;

	TCPSIM_CHECK(buf && want);
	x->max_gap_us = 0;
	for (;;) {
		uint64_t before = f[0].got + f[1].got;

		flow_pump(&f[0], buf, want, chunk);
		flow_pump(&f[1], buf, want, chunk);
		if (f[0].got + f[1].got != before) {
			uint64_t now = simnet_now(t->sn);

			if (now - last > x->max_gap_us)
				x->max_gap_us = now - last;
			last = now;
		}
		if ((f[0].eof && f[1].eof) || f[0].bad || f[1].bad)
			break;
		if (!simnet_step(t->sn, end))
			break;
	}
	x->got_a2b = f[0].got;
	x->got_b2a = f[1].got;
	x->elapsed_us = simnet_now(t->sn) - start;
	x->mismatch = f[0].bad || f[1].bad;
	x->ok = !x->mismatch && f[0].eof && f[1].eof && f[0].got == f[0].total &&
		f[1].got == f[1].total;
	ustack_close(t->a, fda);
	ustack_close(t->b, fdb);
	free(buf);
	free(want);
}
