/* httpd_conn.c - one connection of httpd as a state machine driven by its loop's
 * events (see httpd_int.h for the states).
 *
 * The connection is edge-triggered, so each step goes on until the socket says
 * EAGAIN: a reading state reads until EAGAIN (or a whole head), a writing state writes
 * until EAGAIN (or the end of the reply). A request head is read into a buffer of its
 * own that grows to at most HTTPD_HEAD_MAX and is freed while the connection is idle;
 * it is parsed in place, and the byte after it (the first pipelined one) is kept aside
 * while the head's NUL stands in its place. A reply goes out as one send of the head
 * with the first body bytes (built in the loop's scratch buffer; what the socket did
 * not take is copied aside), then straight from the in-memory body, or from the file
 * with pread at the offset reached (what was not taken is read again, not copied).
 *
 * After a reply that closes: the client's FIN already read -> close now (the stack
 * sends our FIN after the reply). Otherwise shutdown(SHUT_WR) and read what still
 * comes, dropping it, until the client's FIN or HTTPD_LINGER_MS: so unread request
 * bytes never turn the close into a reset that could destroy the reply. */
#include "httpd_int.h"

#include <ustack/epoll.h>
#include <ustack/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINGER_READS 16              /* recv calls per event while lingering */

/* EPOLLOUT is asked for only while a send waits for room: every ACK that frees send
 * buffer space is a change of the socket, and an edge-triggered EPOLLOUT would wake
 * the loop for each of them. */
#define CONN_EVENTS (EPOLLIN | EPOLLRDHUP | EPOLLET)

static bool conn_read(struct conn *c);
static void conn_answer(struct conn *c);

static void count_active(struct httpd *h, int delta, bool accepted)
{
	pthread_mutex_lock(&h->mu);
	h->active = (unsigned)((int)h->active + delta);
	if (accepted)
		h->stats.connections++;
	pthread_mutex_unlock(&h->mu);
}

struct conn *conn_new(struct httpd_loop *lp, int fd, const struct sockaddr_in6 *peer)
{
	struct httpd *h = lp->h;
	struct conn *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->lp = lp;
	c->fd = fd;
	c->peer = *peer;
	c->file = -1;
	c->list = TL_NONE;
	c->state = CS_HEAD;
	struct epoll_event ev = { .events = CONN_EVENTS, .data.ptr = c };
	if (ustack_epoll_ctl(h->st, lp->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(c);
		return NULL;
	}
	/* a reply's tail goes out at once, not after the ACK of what precedes it */
	int one = 1;
	ustack_setsockopt(h->st, fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	lp->count++;
	count_active(h, 1, true);
	/* for a new connection the head deadline runs from the accept */
	loop_list_set(lp, c, TL_HEAD, lp->now + h->cfg.head_timeout_ms);
	return c;
}

void conn_close(struct conn *c)
{
	struct httpd_loop *lp = c->lp;
	struct httpd *h = lp->h;

	if (c->state == CS_DEAD)
		return;
	loop_list_del(lp, c);
	ustack_close(h->st, c->fd);           /* it leaves the epoll set too */
	if (c->file >= 0)
		close(c->file);
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	peers_release(&h->peers, httpd_peer_key(&c->peer));
	c->state = CS_DEAD;
	c->next = lp->dead;                   /* freed after this iteration's events */
	lp->dead = c;
	lp->count--;
	count_active(h, -1, false);
	loop_slot_free(lp);
}

/* ------------------------------------------------------------------------ */
/* Input buffer */

/* Room to receive into (and one byte more for the head's NUL). */
static bool in_room(struct conn *c)
{
	if (c->in_len + 1 < c->in_cap)
		return true;
	uint32_t cap = c->in_cap ? c->in_cap * 2 : HTTPD_IN_FIRST;
	if (cap > HTTPD_HEAD_MAX + 1)
		cap = HTTPD_HEAD_MAX + 1;
	if (cap <= c->in_len + 1)
		return false;
	char *p = realloc(c->in, cap);
	if (!p)
		return false;
	c->in = p;
	c->in_cap = cap;
	return true;
}

static void in_release(struct conn *c)
{
	free(c->in);
	c->in = NULL;
	c->in_cap = c->in_len = c->scanned = 0;
}

/* Drops n bytes right after the parsed head (request body bytes). */
static void in_drop_after_head(struct conn *c, uint32_t n)
{
	uint32_t at = c->head_len;

	memmove(c->in + at, c->in + at + n, c->in_len - at - n);
	c->in_len -= n;
	if (c->in_len > at) {
		c->saved = c->in[at];
		c->in[at] = '\0';
	}
}

/* The request is answered: the next one starts at the front. */
static void in_drop_head(struct conn *c)
{
	if (!c->in_request)
		return;
	uint32_t at = c->head_len;
	if (c->in_len > at)
		c->in[at] = c->saved;
	memmove(c->in, c->in + at, c->in_len - at);
	c->in_len -= at;
	c->head_len = c->scanned = 0;
	c->in_request = false;
	c->method = c->target = NULL;
}

/* ------------------------------------------------------------------------ */
/* Replies */

static void conn_to_head(struct conn *c)
{
	c->state = CS_HEAD;
	loop_list_set(c->lp, c, TL_HEAD, c->lp->now + c->lp->h->cfg.head_timeout_ms);
}

static void conn_want_out(struct conn *c, bool on)
{
	struct epoll_event ev = { .events = CONN_EVENTS | (on ? EPOLLOUT : 0), .data.ptr = c };

	if (c->want_out != on &&
	    ustack_epoll_ctl(c->lp->h->st, c->lp->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = on;
}

/* The reply is out (or broken: sent < 0). */
static void conn_reply_end(struct conn *c, int64_t sent)
{
	struct httpd *h = c->lp->h;

	conn_want_out(c, false);
	site_report(h, &c->peer, c->method, c->target, c->status, sent, c->keep);
	if (c->file >= 0)
		close(c->file);
	c->file = -1;
	c->mem = NULL;
	free(c->out);
	c->out = NULL;
	c->out_off = c->out_len = 0;
	in_drop_head(c);
}

/* After a reply with "Connection: close". */
static void conn_finish(struct conn *c)
{
	struct httpd_loop *lp = c->lp;

	in_release(c);
	if (c->rd_eof || ustack_shutdown(lp->h->st, c->fd, SHUT_WR) < 0) {
		conn_close(c);               /* nothing more can come: our FIN follows the reply */
		return;
	}
	c->state = CS_LINGER;
	loop_list_set(lp, c, TL_LINGER, lp->now + HTTPD_LINGER_MS);
}

/* Starts sending rp (the status line and headers in the same send as the first body
 * bytes). c->keep and c->head_only are decided. */
static void conn_reply(struct conn *c, struct reply *rp)
{
	struct httpd_loop *lp = c->lp;
	struct httpd *h = lp->h;
	char errbody[256];
	char *buf = lp->scratch;

	int n = site_head(h, rp, c->keep, buf, HTTPD_CHUNK, errbody, sizeof errbody);
	c->status = rp->status;
	c->file = rp->file;
	c->mem = rp->mem;
	c->body_len = c->head_only ? 0 : rp->length;
	c->body_off = 0;
	if (n < 0) {
		conn_reply_end(c, -1);
		conn_close(c);
		return;
	}
	size_t fill = (size_t)n;
	uint64_t want = c->body_len < HTTPD_CHUNK - fill ? c->body_len : HTTPD_CHUNK - fill;
	if (want && c->mem) {
		memcpy(buf + fill, c->mem, (size_t)want);
	} else if (want) {
		ssize_t r = pread(c->file, buf + fill, (size_t)want, 0);
		if (r <= 0) {                /* unreadable: the length promised cannot be kept */
			conn_reply_end(c, -1);
			conn_close(c);
			return;
		}
		want = (uint64_t)r;
	}
	fill += (size_t)want;
	c->body_off = want;
	if (c->body_off == c->body_len)
		c->mem = NULL;               /* all taken (an error body lives on the stack) */

	c->state = CS_WRITE;
	loop_list_set(lp, c, TL_WRITE, lp->now + HTTPD_SEND_STALL_MS);
	ssize_t s = ustack_send(h->st, c->fd, buf, fill, 0);
	if (s < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		conn_reply_end(c, -1);
		conn_close(c);
		return;
	}
	size_t sent = s > 0 ? (size_t)s : 0;
	if (sent < fill) {
		c->out = malloc(fill - sent);
		if (!c->out) {
			conn_reply_end(c, -1);
			conn_close(c);
			return;
		}
		memcpy(c->out, buf + sent, fill - sent);
		c->out_len = (uint32_t)(fill - sent);
	}
}

/* Sends what is left of the reply. True when it is done and the connection goes on. */
static bool conn_write(struct conn *c)
{
	struct httpd_loop *lp = c->lp;
	struct httpd *h = lp->h;
	bool progress = false;

	for (;;) {
		const char *p;
		size_t len;
		bool own = c->out_off < c->out_len;
		if (own) {
			p = c->out + c->out_off;
			len = c->out_len - c->out_off;
		} else if (c->body_off < c->body_len) {
			uint64_t left = c->body_len - c->body_off;
			len = left < HTTPD_CHUNK ? (size_t)left : HTTPD_CHUNK;
			if (c->mem) {
				p = (const char *)c->mem + c->body_off;
			} else {
				ssize_t r = pread(c->file, lp->scratch, len, (off_t)c->body_off);
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0) {
					conn_reply_end(c, -1);
					conn_close(c);
					return false;
				}
				p = lp->scratch;
				len = (size_t)r;
			}
		} else {
			conn_reply_end(c, (int64_t)c->body_len);
			if (!c->keep) {
				conn_finish(c);
				return c->state != CS_DEAD;
			}
			if (c->in_len) {
				conn_to_head(c);     /* a pipelined request is here already */
			} else {
				in_release(c);
				c->state = CS_IDLE;
				loop_list_set(lp, c, TL_IDLE, lp->now + h->cfg.idle_timeout_ms);
			}
			return true;
		}
		ssize_t n = ustack_send(h->st, c->fd, p, len, 0);
		if (n > 0) {
			progress = true;
			if (own)
				c->out_off += (uint32_t)n;
			else
				c->body_off += (uint64_t)n;
			if (own && c->out_off == c->out_len) {
				free(c->out);
				c->out = NULL;
				c->out_off = c->out_len = 0;
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (progress)
				loop_list_set(lp, c, TL_WRITE, lp->now + HTTPD_SEND_STALL_MS);
			conn_want_out(c, true);
			if (!c->want_out) {
				conn_reply_end(c, -1);
				conn_close(c);
			}
			return false;
		}
		conn_reply_end(c, -1);
		conn_close(c);
		return false;
	}
}

/* ------------------------------------------------------------------------ */
/* Requests */

/* in[0..hlen) is a whole head. */
static void conn_request(struct conn *c, uint32_t hlen)
{
	struct httpd_loop *lp = c->lp;
	struct httpd *h = lp->h;
	struct http_req r;

	c->head_len = hlen;
	c->in_request = true;
	c->saved = c->in[hlen];
	c->in[hlen] = '\0';
	int status = httpd_parse_request(c->in, &r);
	c->method = r.method;
	c->target = r.target;
	bool can_continue = status == 0 && !r.has_te;   /* a body we do not decode: answer, close */
	c->body_left = 0;
	if (status == 0 && r.content_length > 0) {
		if (r.content_length > (int64_t)HTTPD_DISCARD_MAX)
			can_continue = false;
		else
			c->body_left = r.content_length;
	}
	c->keep = can_continue && !httpd_stopping(h) &&
		  (r.minor >= 1 ? !r.conn_close : (r.conn_keep_alive && !r.conn_close));
	c->head_only = status == 0 && !strcmp(r.method, "HEAD");
	if (status == 0 && strcmp(r.method, "GET") && !c->head_only)
		status = 405;
	c->status = status;
	if (c->body_left) {
		/* the body has a deadline of its own, as long as the head's, started once */
		c->state = CS_BODY;
		loop_list_set(lp, c, TL_HEAD, lp->now + h->cfg.head_timeout_ms);
		return;
	}
	conn_answer(c);
}

/* The request is read: what to answer, and the start of the answer. */
static void conn_answer(struct conn *c)
{
	struct httpd *h = c->lp->h;
	struct reply rp = { .file = -1 };
	char path[HTTPD_HEAD_MAX];
	int status = c->status;

	if (status == 0)
		status = httpd_clean_path(c->target, path, sizeof path);
	if (status == 0)
		status = site_find(h, path, &rp);
	rp.status = status ? status : 200;
	conn_reply(c, &rp);
}

/* Reads and drops the request body; then answers. */
static bool conn_body(struct conn *c)
{
	struct httpd_loop *lp = c->lp;
	uint32_t have = c->in_len - c->head_len;

	if (have && c->body_left) {
		uint32_t n = (uint64_t)have < (uint64_t)c->body_left ? have : (uint32_t)c->body_left;
		in_drop_after_head(c, n);
		c->body_left -= n;
	}
	while (c->body_left > 0) {
		size_t want = c->body_left < HTTPD_CHUNK ? (size_t)c->body_left : HTTPD_CHUNK;
		ssize_t n = ustack_recv(lp->h->st, c->fd, lp->scratch, want, 0);
		if (n > 0) {
			c->body_left -= n;
			continue;
		}
		if (n == 0) {                /* the client stopped sending: answer, then close */
			c->rd_eof = true;
			c->keep = false;
			c->body_left = 0;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return false;
		conn_close(c);
		return false;
	}
	conn_answer(c);
	return c->state != CS_DEAD;
}

/* Reads until a whole request head is in (then starts on it), EAGAIN or the end. */
static bool conn_read(struct conn *c)
{
	struct httpd_loop *lp = c->lp;
	struct httpd *h = lp->h;

	for (;;) {
		/* empty lines before a request are skipped (RFC 9112 2.2) */
		uint32_t skip = 0;
		while (skip < c->in_len && (c->in[skip] == '\r' || c->in[skip] == '\n'))
			skip++;
		if (skip) {
			memmove(c->in, c->in + skip, c->in_len - skip);
			c->in_len -= skip;
			c->scanned = 0;
		}
		if (c->in_len) {
			if (c->state == CS_IDLE)
				conn_to_head(c);     /* the head deadline runs from its first byte */
			uint32_t from = c->scanned > 2 ? c->scanned - 2 : 0;
			size_t end = httpd_head_end(c->in + from, c->in_len - from);
			c->scanned = c->in_len;
			if (end) {
				conn_request(c, from + (uint32_t)end);
				return c->state != CS_DEAD;
			}
			if (c->in_len >= HTTPD_HEAD_MAX) {
				struct reply rp = { .status = 431, .file = -1 };
				c->keep = false;
				c->head_only = false;
				conn_reply(c, &rp);
				return c->state != CS_DEAD;
			}
		}
		if (c->rd_eof || !in_room(c)) {
			conn_close(c);               /* the client left (or no memory) */
			return false;
		}
		ssize_t n = ustack_recv(h->st, c->fd, c->in + c->in_len, c->in_cap - 1 - c->in_len, 0);
		if (n > 0) {
			c->in_len += (uint32_t)n;
			continue;
		}
		if (n == 0) {
			c->rd_eof = true;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (!c->in_len)
				in_release(c);       /* an idle connection holds no buffer */
			return false;
		}
		conn_close(c);
		return false;
	}
}

/* Our FIN is sent: drop what the client still sends until its FIN. */
static bool conn_linger(struct conn *c)
{
	struct httpd_loop *lp = c->lp;

	for (int i = 0; i < LINGER_READS; i++) {
		ssize_t n = ustack_recv(lp->h->st, c->fd, lp->scratch, HTTPD_CHUNK, 0);
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		conn_close(c);               /* the client's FIN (or an error): done */
		return false;
	}
	return false;
}

void conn_run(struct conn *c)
{
	for (;;) {
		bool more = false;
		switch (c->state) {
		case CS_HEAD:
		case CS_IDLE:
			more = conn_read(c);
			break;
		case CS_BODY:
			more = conn_body(c);
			break;
		case CS_WRITE:
			more = conn_write(c);
			break;
		case CS_LINGER:
			more = conn_linger(c);
			break;
		default:
			return;
		}
		if (!more)
			return;
	}
}

/* A deadline passed. */
void conn_expire(struct conn *c)
{
	struct httpd_loop *lp = c->lp;
	struct httpd *h = lp->h;

	if (c->state == CS_HEAD || c->state == CS_BODY) {
		pthread_mutex_lock(&h->mu);
		h->stats.head_timeouts++;
		pthread_mutex_unlock(&h->mu);
		if (c->in_len) {
			/* a request had started: 408, one try, then close (RFC 9110 15.5.9) */
			char hdr[1024], errbody[256];
			struct reply rp = { .status = 408, .file = -1 };
			int n = site_head(h, &rp, false, hdr, sizeof hdr, errbody, sizeof errbody);
			if (n > 0 && (size_t)n + rp.length <= sizeof hdr) {
				memcpy(hdr + n, errbody, (size_t)rp.length);
				ssize_t s = ustack_send(h->st, c->fd, hdr, (size_t)n + rp.length, 0);
				site_report(h, &c->peer, NULL, NULL, 408,
					    s == n + (ssize_t)rp.length ? (int64_t)rp.length : -1, false);
			}
		}
	} else if (c->state == CS_WRITE) {
		conn_reply_end(c, -1);       /* the client reads nothing any more */
	}
	conn_close(c);
}
