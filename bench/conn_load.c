/* conn_load.c - see conn_load.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "conn_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/types.h>

#include "bench_util.h"

/* A connection end; the pool is allocated before any measurement. Tag in the low bits
 * of the epoll data: 0 the listener, 1 a client end, 2 a server end. */
void pool_init(struct pool *p, size_t n)
{
	p->all = calloc(n, sizeof(*p->all));
	if (!p->all)
		conn_die("calloc");
	p->n = n;
	p->free = NULL;
	for (size_t i = n; i-- > 0;) {
		p->all[i].next = p->free;
		p->free = &p->all[i];
	}
}

struct end *end_get(struct pool *p, int h, int fd)
{
	struct end *e = p->free;

	if (!e) {
		fprintf(stderr, "bench_conn: end pool exhausted\n");
		exit(1);
	}
	p->free = e->next;
	e->h = h;
	e->fd = fd;
	e->got = 0;
	e->sent = false;
	return e;
}

void end_put(struct pool *p, struct end *e)
{
	e->next = p->free;
	p->free = e;
}


static const char req_msg[REQ_LEN] = "GET / HTTP/1.0\r\nHost: bench\r\n\r\n";

static void accept_all(struct net *n, struct pool *p, uint32_t events)
{
	int fd;

	while ((fd = n->accept(n)) >= 0) {
		struct end *e = end_get(p, 0, fd);

		if (n->ctl(n, 0, EPOLL_CTL_ADD, fd, events, (uint64_t)(uintptr_t)e | TAG_SERVER) != 0)
			conn_die("epoll_ctl add (server end)");
	}
}

/* Part 1: as many connect/request/response/close cycles as fit in dur_ns. */
struct cps_result run_cps(struct net *n, uint64_t dur_ns)
{
	struct cps_result r = { .ok = false };
	struct pool p;
	struct ev evs[512];
	char buf[512], resp_msg[RESP_LEN];
	long inflight = 0;
	int next_h = 1;
	uint64_t t0, c0, t_end;
	bool stopping = false, debug = getenv("BENCH_DEBUG") != NULL;
	uint64_t t_dbg;
	long done_dbg = 0;

	memset(resp_msg, 'r', sizeof(resp_msg));
	pool_init(&p, 4 * WINDOW + 16);
	t0 = t_dbg = bench_wall_ns();
	c0 = bench_thread_cpu_ns();
	t_end = t0 + dur_ns;
	for (;;) {
		uint64_t now = bench_wall_ns();

		if (now >= t_end)
			stopping = true;
		if (stopping && inflight == 0)
			break;
		if (debug && now - t_dbg > 250000000) {
			fprintf(stderr, "bench_conn: %s: %.2f s: %ld done (%.0f/s in the last interval)\n",
				n->name, (double)(now - t0) / 1e9, r.done,
				(double)(r.done - done_dbg) * 1e9 / (double)(now - t_dbg));
			t_dbg = now;
			done_dbg = r.done;
		}
		if (now > t_end + STUCK_NS) {
			snprintf(r.err, sizeof(r.err), "%ld connections stuck", inflight);
			break;
		}
		while (!stopping && inflight < WINDOW) {
			int h = next_h, fd;
			struct end *e;

			next_h = next_h % N_CLIENTS + 1;
			fd = n->connect(n, h);
			if (fd < 0) {
				snprintf(r.err, sizeof(r.err), "connect: %s", strerror(errno));
				stopping = true;
				break;
			}
			e = end_get(&p, h, fd);
			if (n->ctl(n, h, EPOLL_CTL_ADD, fd, EPOLLOUT, (uint64_t)(uintptr_t)e | TAG_CLIENT))
				conn_die("epoll_ctl add (client)");
			inflight++;
		}
		int k = n->wait(n, evs, 512, 0);

		for (int i = 0; i < k; i++) {
			uint64_t d = evs[i].data;
			uint32_t ev = evs[i].events;
			struct end *e = END_OF(d);
			ssize_t m;

			if (TAG_OF(d) == 0) {
				accept_all(n, &p, EPOLLIN);
			} else if (TAG_OF(d) == TAG_CLIENT) {
				if (!e->sent) {
					if ((ev & (EPOLLERR | EPOLLHUP)) || !(ev & EPOLLOUT) ||
					    n->send(n, e->h, e->fd, req_msg, REQ_LEN) != REQ_LEN) {
						/* refused or failed: the server never sees it */
						n->close(n, e->h, e->fd);
						end_put(&p, e);
						r.failed++;
						inflight--;
						continue;
					}
					e->sent = true;
					n->ctl(n, e->h, EPOLL_CTL_MOD, e->fd, EPOLLIN, d);
					continue;
				}
				while ((m = n->recv(n, e->h, e->fd, buf, sizeof(buf))) > 0)
					e->got += (int)m;
				if (e->got >= RESP_LEN || m == 0 || (m < 0 && errno != EAGAIN)) {
					if (e->got != RESP_LEN)
						r.failed++;
					n->close(n, e->h, e->fd);        /* the client closes first */
					end_put(&p, e);
				}
			} else {
				bool eof = false;

				while ((m = n->recv(n, 0, e->fd, buf, sizeof(buf))) > 0)
					e->got += (int)m;
				if (m == 0 || (m < 0 && errno != EAGAIN))
					eof = true;
				if (!e->sent && e->got >= REQ_LEN) {
					if (n->send(n, 0, e->fd, resp_msg, RESP_LEN) != RESP_LEN)
						r.failed++;
					e->sent = true;
				}
				if (eof) {
					n->close(n, 0, e->fd);
					end_put(&p, e);
					r.done++;
					inflight--;
				}
			}
		}
	}
	r.wall_s = (double)(bench_wall_ns() - t0) / 1e9;
	r.cpu_s = (double)(bench_thread_cpu_ns() - c0) / 1e9;
	r.ok = r.done > 0 && !r.err[0];
	free(p.all);
	return r;
}

/* Parts 2 and 3: N idle connections, every end watched for EPOLLIN. The ends live in
 * the pool (allocated by the caller before its baseline). Returns false on failure. */
static bool establish_ex(struct net *n, struct pool *p, long target, char *err, size_t errcap,
			 bool server)
{
	struct ev evs[512];
	long started = 0, up = 0, accepted = server ? 0 : target;
	uint64_t last = bench_wall_ns(), t_dbg = last;
	int next_h = 1;
	bool debug = getenv("BENCH_DEBUG") != NULL;       /* the pace, per tenth */
	long step = target / 10 > 0 ? target / 10 : 1, next_dbg = step;

	while (up < target || accepted < target) {
		long before = up + accepted;

		while (started < target && started - up < EST_BATCH &&
		       (!server || started - accepted < EST_BATCH)) {
			int h = next_h, fd = n->connect(n, h);
			struct end *e;

			next_h = next_h % N_CLIENTS + 1;
			if (fd < 0) {
				snprintf(err, errcap, "connect #%ld: %s", started + 1, strerror(errno));
				return false;
			}
			e = end_get(p, h, fd);
			if (n->ctl(n, h, EPOLL_CTL_ADD, fd, EPOLLOUT, (uint64_t)(uintptr_t)e | TAG_CLIENT)) {
				snprintf(err, errcap, "epoll_ctl: %s", strerror(errno));
				return false;
			}
			started++;
		}
		int k = n->wait(n, evs, 512, 1);

		for (int i = 0; i < k; i++) {
			uint64_t d = evs[i].data;
			struct end *e = END_OF(d);

			if (TAG_OF(d) == 0) {
				int fd;

				while ((fd = n->accept(n)) >= 0) {
					struct end *s = end_get(p, 0, fd);

					n->ctl(n, 0, EPOLL_CTL_ADD, fd, EPOLLIN,
					       (uint64_t)(uintptr_t)s | TAG_SERVER);
					accepted++;
				}
			} else if (TAG_OF(d) == TAG_CLIENT && !e->sent) {
				if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
					snprintf(err, errcap, "connection #%ld failed", up + 1);
					return false;
				}
				e->sent = true;      /* here: established */
				n->ctl(n, e->h, EPOLL_CTL_MOD, e->fd, EPOLLIN, d);
				up++;
			} else {
				snprintf(err, errcap, "an idle connection had an event (%#x)",
					 evs[i].events);
				return false;
			}
		}
		if (debug && up >= next_dbg) {
			uint64_t t = bench_wall_ns();

			fprintf(stderr, "bench_conn: %s: %ld established, the last %ld in %.3f s\n",
				n->name, up, step, (double)(t - t_dbg) / 1e9);
			t_dbg = t;
			next_dbg += step;
		}
		if (up + accepted != before)
			last = bench_wall_ns();
		else if (bench_wall_ns() - last > STUCK_NS) {
			snprintf(err, errcap, "stuck at %ld established, %ld accepted of %ld", up,
				 accepted, target);
			return false;
		}
	}
	return true;
}

bool establish(struct net *n, struct pool *p, long target, char *err, size_t errcap)
{
	return establish_ex(n, p, target, err, errcap, true);
}

/* Client ends only: the server is another program (nginx). */
bool establish_clients(struct net *n, struct pool *p, long target, char *err,
			      size_t errcap)
{
	return establish_ex(n, p, target, err, errcap, false);
}
