/* httpd.c - an HTTP/1.1 static file server over ustack sockets (see httpd.h): its
 * start and stop, and the event loops.
 *
 * Each loop is one thread over one ustack epoll set. The listener is level-triggered
 * in every loop's set (EPOLLEXCLUSIVE when there are several, so a new connection
 * wakes one loop); connections are edge-triggered for EPOLLIN | EPOLLRDHUP, with
 * EPOLLOUT added only while a reply waits for room: a connection reads until EAGAIN
 * while it wants input, writes until EAGAIN while it has output (httpd_conn.c), so
 * every edge that matters finds it waiting. Deadlines live on four lists per loop (httpd_int.h); each
 * iteration reads the clock once, handles the events, then closes what expired.
 *
 * A loop holds at most its share of cfg.max_clients connections. When full, a new
 * connection is accepted only if an idle keep-alive one (or one lingering after its
 * last reply) can be closed for it, the oldest first; otherwise the listener leaves
 * the set until a slot frees and new clients wait in the listen backlog. */
#include "httpd_int.h"

#include <ustack/epoll.h>
#include <ustack/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t now_ms(void)
{
	return ustack_clock_us() / 1000;
}

/* ------------------------------------------------------------------------ */
/* Deadline lists */

void loop_list_del(struct httpd_loop *lp, struct conn *c)
{
	if (c->list == TL_NONE)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		lp->head[c->list] = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		lp->tail[c->list] = c->prev;
	c->prev = c->next = NULL;
	c->list = TL_NONE;
}

/* Appends c to list with its deadline. Every entry of a list is appended with now +
 * the list's timeout, so the list stays in deadline order. */
void loop_list_set(struct httpd_loop *lp, struct conn *c, int list, uint64_t deadline)
{
	loop_list_del(lp, c);
	c->list = (uint8_t)list;
	c->deadline = deadline;
	c->next = NULL;
	c->prev = lp->tail[list];
	if (lp->tail[list])
		lp->tail[list]->next = c;
	else
		lp->head[list] = c;
	lp->tail[list] = c;
	if ((list == TL_IDLE || list == TL_LINGER) && !lp->listening)
		loop_slot_free(lp);         /* an evictable connection: room for a new one */
}

/* ------------------------------------------------------------------------ */
/* The listener */

static void listener_add(struct httpd_loop *lp)
{
	struct httpd *h = lp->h;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	if (h->nloops > 1)
		ev.events |= EPOLLEXCLUSIVE;
	if (ustack_epoll_ctl(h->st, lp->epfd, EPOLL_CTL_ADD, h->lfd, &ev) == 0 || errno == EEXIST)
		lp->listening = true;
}

static void listener_pause(struct httpd_loop *lp, uint64_t retry_at)
{
	if (lp->listening &&
	    ustack_epoll_ctl(lp->h->st, lp->epfd, EPOLL_CTL_DEL, lp->h->lfd, NULL) == 0)
		lp->listening = false;
	lp->retry_at = retry_at;
}

void loop_slot_free(struct httpd_loop *lp)
{
	if (!lp->listening && !lp->retry_at && !httpd_stopping(lp->h))
		listener_add(lp);
}

/* The oldest lingering connection, else the oldest idle keep-alive one. */
static struct conn *loop_victim(struct httpd_loop *lp)
{
	return lp->head[TL_LINGER] ? lp->head[TL_LINGER] : lp->head[TL_IDLE];
}

static void loop_evict(struct httpd_loop *lp, struct conn *victim)
{
	conn_close(victim);
	pthread_mutex_lock(&lp->h->mu);
	lp->h->stats.evicted++;
	pthread_mutex_unlock(&lp->h->mu);
}

/* Over the per-client cap: reset at once (SO_LINGER 0 s), nothing kept. */
static void refuse(struct httpd *h, int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	ustack_setsockopt(h->st, fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	ustack_close(h->st, fd);
	pthread_mutex_lock(&h->mu);
	h->stats.refused++;
	pthread_mutex_unlock(&h->mu);
}

/* An accepted peer as a sockaddr_in6 (an IPv4 one as ::ffff:a.b.c.d). */
static struct sockaddr_in6 peer_as_in6(const struct sockaddr_storage *ss)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };

	if (ss->ss_family == AF_INET6) {
		memcpy(&s6, ss, sizeof s6);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		s6.sin6_port = s4->sin_port;
		s6.sin6_addr.s6_addr[10] = s6.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&s6.sin6_addr.s6_addr[12], &s4->sin_addr, 4);
	}
	return s6;
}

const char *httpd_peer_text(const struct sockaddr_in6 *peer, char *buf, size_t len)
{
	if (IN6_IS_ADDR_V4MAPPED(&peer->sin6_addr))
		return inet_ntop(AF_INET, &peer->sin6_addr.s6_addr[12], buf, (socklen_t)len);
	return inet_ntop(AF_INET6, &peer->sin6_addr, buf, (socklen_t)len);
}

uint32_t httpd_peer_key(const struct sockaddr_in6 *peer)
{
	const uint8_t *b = peer->sin6_addr.s6_addr;
	uint32_t k = 2166136261u;

	if (IN6_IS_ADDR_V4MAPPED(&peer->sin6_addr)) {
		memcpy(&k, b + 12, 4);
		return k;
	}
	for (int i = 0; i < 16; i++)
		k = (k ^ b[i]) * 16777619u;       /* FNV-1a */
	return k;
}

static void loop_accept(struct httpd_loop *lp)
{
	struct httpd *h = lp->h;

	for (int k = 0; k < HTTPD_ACCEPT_BATCH; k++) {
		struct conn *victim = NULL;
		if (lp->count >= lp->cap) {
			victim = loop_victim(lp);
			if (!victim) {
				listener_pause(lp, 0);   /* back when a slot frees */
				return;
			}
		}
		struct sockaddr_storage ss;
		socklen_t alen = sizeof ss;
		int fd = ustack_accept4(h->st, h->lfd, (struct sockaddr *)&ss, &alen, SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS) {
				/* out of descriptors or memory: an idle connection makes room */
				if ((victim = loop_victim(lp))) {
					loop_evict(lp, victim);
					continue;
				}
				listener_pause(lp, lp->now + HTTPD_RETRY_MS);
			}
			return;                     /* EAGAIN: the backlog is empty */
		}
		struct sockaddr_in6 peer = peer_as_in6(&ss);

		if (!peers_admit(&h->peers, httpd_peer_key(&peer))) {
			refuse(h, fd);
			continue;
		}
		if (victim)
			loop_evict(lp, victim);
		struct conn *c = conn_new(lp, fd, &peer);
		if (!c) {
			peers_release(&h->peers, httpd_peer_key(&peer));
			ustack_close(h->st, fd);
			continue;
		}
		conn_run(c);                        /* the request may be here already */
	}
}

/* ------------------------------------------------------------------------ */
/* The loop */

static int loop_timeout(struct httpd_loop *lp)
{
	uint64_t next = lp->now + HTTPD_SLICE_MS;

	for (int l = 0; l < TL_COUNT; l++)
		if (lp->head[l] && lp->head[l]->deadline < next)
			next = lp->head[l]->deadline;
	if (lp->retry_at && lp->retry_at < next)
		next = lp->retry_at;
	return next > lp->now ? (int)(next - lp->now) : 0;
}

static void loop_expire(struct httpd_loop *lp)
{
	for (int l = 0; l < TL_COUNT; l++) {
		/* conn_expire takes c off the list (or moves it to another one) */
		struct conn *c;
		while ((c = lp->head[l]) && c->deadline <= lp->now)
			conn_expire(c);
	}
	if (lp->retry_at && lp->retry_at <= lp->now) {
		lp->retry_at = 0;
		loop_slot_free(lp);
	}
}

static void loop_reap(struct httpd_loop *lp)
{
	while (lp->dead) {
		struct conn *c = lp->dead;
		lp->dead = c->next;
		free(c);
	}
}

static void *loop_main(void *arg)
{
	struct httpd_loop *lp = arg;
	struct httpd *h = lp->h;
	struct epoll_event ev[HTTPD_EVENTS];

	lp->now = now_ms();
	while (!httpd_stopping(h)) {
		int n = ustack_epoll_wait(h->st, lp->epfd, ev, HTTPD_EVENTS, loop_timeout(lp));
		lp->now = now_ms();
		for (int i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;
			uint32_t e = ev[i].events;
			if (!c) {
				loop_accept(lp);
				continue;
			}
			/* an edge of the direction the connection does not wait on (the ACK of a
			 * reply while reading, a pipelined request while writing) changes
			 * nothing: it is met when the connection turns that way */
			uint32_t want = c->state == CS_WRITE ? EPOLLOUT : EPOLLIN | EPOLLRDHUP;
			if (c->state != CS_DEAD && (e & (want | EPOLLERR | EPOLLHUP)))
				conn_run(c);
		}
		loop_expire(lp);
		loop_reap(lp);
	}
	for (int l = 0; l < TL_COUNT; l++)
		while (lp->head[l])
			conn_close(lp->head[l]);
	loop_reap(lp);
	return NULL;
}

/* ------------------------------------------------------------------------ */

static void loops_free(struct httpd *h, unsigned started)
{
	for (unsigned i = 0; i < h->nloops; i++) {
		struct httpd_loop *lp = &h->loops[i];
		if (i < started)
			pthread_join(lp->thread, NULL);
		if (lp->epfd >= 0)
			ustack_close(h->st, lp->epfd);
		free(lp->scratch);
	}
	free(h->loops);
	h->loops = NULL;
}

static int loops_start(struct httpd *h)
{
	unsigned n = h->nloops;

	h->loops = calloc(n, sizeof *h->loops);
	if (!h->loops)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct httpd_loop *lp = &h->loops[i];
		lp->h = h;
		lp->epfd = -1;
		lp->cap = h->cfg.max_clients / n + (i < h->cfg.max_clients % n);
		if (!lp->cap)
			lp->cap = 1;
	}
	for (unsigned i = 0; i < n; i++) {
		struct httpd_loop *lp = &h->loops[i];
		lp->scratch = malloc(HTTPD_CHUNK);
		lp->epfd = ustack_epoll_create1(h->st, 0);
		if (!lp->scratch || lp->epfd < 0)
			goto err;
		listener_add(lp);
		if (!lp->listening)
			goto err;
	}
	for (unsigned i = 0; i < n; i++) {
		int e = pthread_create(&h->loops[i].thread, NULL, loop_main, &h->loops[i]);
		if (e) {
			atomic_store(&h->stopping, true);
			loops_free(h, i);
			errno = e;
			return -1;
		}
	}
	return 0;
err:;
	int e = errno ? errno : ENOMEM;
	loops_free(h, 0);
	errno = e;
	return -1;
}

struct httpd *httpd_start(struct ustack *st, const struct httpd_config *cfg)
{
	if (!st || !cfg || (!cfg->root && !cfg->files)) {
		errno = EINVAL;
		return NULL;
	}
	struct httpd *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	int e = 0;
	h->st = st;
	h->cfg = *cfg;
	h->lfd = -1;
	if (!h->cfg.port)
		h->cfg.port = 80;
	if (!h->cfg.max_clients)
		h->cfg.max_clients = 10000;
	if (!h->cfg.per_client)
		h->cfg.per_client = 256;
	if (!h->cfg.idle_timeout_ms)
		h->cfg.idle_timeout_ms = 15000;
	if (!h->cfg.head_timeout_ms)
		h->cfg.head_timeout_ms = 10000;
	if (!h->cfg.server_name)
		h->cfg.server_name = "ustack-httpd";
	h->nloops = h->cfg.threads ? h->cfg.threads : 1;
	if (h->nloops > h->cfg.max_clients)
		h->nloops = h->cfg.max_clients;
	if (cfg->root) {
		struct stat sb;
		h->root = realpath(cfg->root, NULL);
		if (!h->root || stat(h->root, &sb) < 0)
			goto err;
		if (!S_ISDIR(sb.st_mode)) {
			errno = ENOTDIR;
			goto err;
		}
		h->root_len = strlen(h->root);
	}
	if (peers_init(&h->peers, h->cfg.per_client) < 0)
		goto err;
	atomic_init(&h->stopping, false);
	pthread_mutex_init(&h->mu, NULL);

	/* every address: one AF_INET6 socket on :: that takes IPv4 too (IPV6_V6ONLY off) */
	bool dual = cfg->addr.s_addr == htonl(INADDR_ANY);
	h->lfd = ustack_socket(st, dual ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (h->lfd < 0)
		goto err_sync;
	int one = 1, zero = 0;
	ustack_setsockopt(st, h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(h->cfg.port),
				  .sin_addr = cfg->addr };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(h->cfg.port),
				    .sin6_addr = IN6ADDR_ANY_INIT };
	if (dual && ustack_setsockopt(st, h->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0)
		goto err_sync;
	if (dual ? ustack_bind(st, h->lfd, (struct sockaddr *)&sa6, sizeof sa6) < 0
		 : ustack_bind(st, h->lfd, (struct sockaddr *)&sa, sizeof sa) < 0)
		goto err_sync;
	/* as deep as the stack allows (somaxconn): bursts wait there, not refused */
	if (ustack_listen(st, h->lfd, INT_MAX) < 0)
		goto err_sync;
	struct sockaddr_storage bound;
	socklen_t alen = sizeof bound;
	h->port = h->cfg.port;
	if (ustack_getsockname(st, h->lfd, (struct sockaddr *)&bound, &alen) == 0)
		h->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
							    : ((struct sockaddr_in *)&bound)->sin_port);
	if (loops_start(h) < 0)
		goto err_sync;
	return h;

err_sync:
	e = errno;
	if (h->lfd >= 0)
		ustack_close(st, h->lfd);
	pthread_mutex_destroy(&h->mu);
	peers_destroy(&h->peers);
	free(h->root);
	free(h);
	errno = e;
	return NULL;
err:
	e = errno;
	free(h->root);
	free(h);
	errno = e;
	return NULL;
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	atomic_store(&h->stopping, true);
	loops_free(h, h->nloops);
	ustack_close(h->st, h->lfd);
	pthread_mutex_destroy(&h->mu);
	peers_destroy(&h->peers);
	free(h->root);
	free(h);
}

uint16_t httpd_port(const struct httpd *h)
{
	return h->port;
}

void httpd_get_stats(struct httpd *h, struct httpd_stats *out)
{
	pthread_mutex_lock(&h->mu);
	*out = h->stats;
	out->active = h->active;
	pthread_mutex_unlock(&h->mu);
}
