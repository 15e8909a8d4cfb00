/* httpd.c - an HTTP/1.1 static file server over ustack sockets (see httpd.h).
 *
 * An accept thread waits on the listening socket with ustack_poll and starts one
 * detached thread per connection, at most cfg.max_clients at once. Every socket is
 * non-blocking and every wait is a ustack_poll of at most HTTPD_SLICE_MS, so httpd_stop
 * is noticed quickly by all threads. A connection reads a request head (at most
 * HTTPD_HEAD_MAX bytes), answers it (RFC 9110 semantics, RFC 9112 message syntax) and,
 * on keep-alive, loops for the next request; pipelined bytes stay in the buffer. Files
 * are streamed in HTTPD_CHUNK pieces. */
#include "httpd.h"

#include <ustack/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HTTPD_HEAD_MAX 8192          /* request line + headers */
#define HTTPD_CHUNK 65536            /* file bytes per read/send */
#define HTTPD_SLICE_MS 200           /* longest single wait: how fast stop is seen */
#define HTTPD_SEND_STALL_MS 60000    /* a client that reads nothing for this long is dropped */
#define HTTPD_LINGER_MS 2000         /* after "Connection: close": wait for the peer's FIN */
#define HTTPD_DISCARD_MAX (1u << 20) /* request body bytes we read and ignore */

struct httpd {
	struct ustack *st;
	struct httpd_config cfg;
	char *root;                  /* realpath of cfg.root; NULL: in-memory files */
	size_t root_len;
	int lfd;
	uint16_t port;
	pthread_t acceptor;
	atomic_bool stopping;
	pthread_mutex_t mu;          /* guards active and stats */
	pthread_cond_t cv;           /* signalled when a connection ends */
	unsigned active;
	struct httpd_stats stats;
};

struct conn {
	struct httpd *h;
	int fd;
	struct sockaddr_in peer;
	char buf[HTTPD_HEAD_MAX + 1];
	size_t len;                  /* bytes in buf */
	uint8_t *io;                 /* HTTPD_CHUNK bytes for streaming files */
};

/* A parsed request head. The strings point into conn.buf. */
struct req {
	char *method, *target;
	int minor;                   /* HTTP/1.minor */
	bool conn_close, conn_keep_alive, has_host, has_te;
	int64_t content_length;      /* -1: none */
};

/* What to send back. */
struct reply {
	int status;
	const char *content_type;
	uint64_t length;
	int file;                    /* fd to stream from, or -1 */
	const void *mem;             /* or an in-memory body */
	bool keep_alive;
	bool head;
};

/* ------------------------------------------------------------------------ */

static uint64_t now_ms(void)
{
	return ustack_clock_us() / 1000;
}

static bool stopping(const struct httpd *h)
{
	return atomic_load(&((struct httpd *)h)->stopping);
}

/* Waits for events on c->fd. Returns 1 ready, 0 timed out, -1 stopping or error.
 * POLLHUP / POLLERR count as ready for POLLIN, so recv reports EOF or the error. */
static int conn_wait(struct conn *c, short events, unsigned timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		if (stopping(c->h))
			return -1;
		uint64_t now = now_ms();
		if (now >= deadline)
			return 0;
		uint64_t left = deadline - now;
		struct pollfd p = { .fd = c->fd, .events = events };
		int n = ustack_poll(c->h->st, &p, 1, (int)(left < HTTPD_SLICE_MS ? left : HTTPD_SLICE_MS));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			continue;
		if (p.revents & events)
			return 1;
		if (p.revents & POLLNVAL)
			return -1;
		if (p.revents & (POLLERR | POLLHUP))
			return (events & POLLIN) ? 1 : -1;
	}
}

static int conn_send_all(struct conn *c, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = ustack_send(c->h->st, c->fd, p, len, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (conn_wait(c, POLLOUT, HTTPD_SEND_STALL_MS) <= 0)
				return -1;
			continue;
		}
		return -1;
	}
	return 0;
}

/* One recv into buf after a wait. Returns bytes (> 0), 0 on EOF, -1 on error, stop
 * or timeout. */
static ssize_t conn_recv(struct conn *c, void *buf, size_t cap, unsigned timeout_ms)
{
	for (;;) {
		ssize_t n = ustack_recv(c->h->st, c->fd, buf, cap, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (conn_wait(c, POLLIN, timeout_ms) <= 0)
			return -1;
	}
}

/* ------------------------------------------------------------------------ */

const char *httpd_content_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ "html", "text/html; charset=utf-8" },
		{ "htm", "text/html; charset=utf-8" },
		{ "txt", "text/plain; charset=utf-8" },
		{ "md", "text/markdown; charset=utf-8" },
		{ "c", "text/plain; charset=utf-8" },
		{ "h", "text/plain; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },
		{ "js", "text/javascript; charset=utf-8" },
		{ "json", "application/json" },
		{ "xml", "application/xml" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "gif", "image/gif" },
		{ "svg", "image/svg+xml" },
		{ "ico", "image/x-icon" },
		{ "webp", "image/webp" },
		{ "pdf", "application/pdf" },
		{ "wasm", "application/wasm" },
		{ "zip", "application/zip" },
		{ "gz", "application/gzip" },
		{ "tar", "application/x-tar" },
		{ "mp4", "video/mp4" },
		{ "pcap", "application/vnd.tcpdump.pcap" },
	};
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const char *dot = strrchr(base, '.');

	if (dot && dot[1])
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (!strcasecmp(dot + 1, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* ------------------------------------------------------------------------ */
/* Request parsing (RFC 9112 sections 2-5) */

static bool is_tchar(unsigned char ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
		return true;
	return ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

/* Trims optional whitespace (SP / HTAB) at both ends, in place. */
static char *trim_ows(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Connection: a comma-separated list of tokens. */
static void parse_connection(char *v, struct req *r)
{
	char *save = NULL;
	for (char *t = strtok_r(v, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t = trim_ows(t);
		if (!strcasecmp(t, "close"))
			r->conn_close = true;
		else if (!strcasecmp(t, "keep-alive"))
			r->conn_keep_alive = true;
	}
}

/* Splits the next line off *p (terminated by LF, CR before it dropped). */
static char *next_line(char **p)
{
	char *line = *p;
	char *lf = strchr(line, '\n');
	if (!lf)
		return NULL;
	*lf = '\0';
	if (lf > line && lf[-1] == '\r')
		lf[-1] = '\0';
	*p = lf + 1;
	return line;
}

/* head is NUL-terminated and ends with its blank line. Returns 0 or an HTTP status. */
static int parse_request(char *head, struct req *r)
{
	char *p = head;
	memset(r, 0, sizeof *r);
	r->content_length = -1;

	char *line = next_line(&p);
	if (!line)
		return 400;
	/* request-line = method SP request-target SP HTTP-version (exactly one SP each) */
	char *sp1 = strchr(line, ' ');
	if (!sp1)
		return 400;
	*sp1 = '\0';
	char *target = sp1 + 1;
	char *sp2 = strchr(target, ' ');
	if (!sp2)
		return 400;
	*sp2 = '\0';
	char *version = sp2 + 1;
	if (!is_token(line) || !*target || strchr(version, ' '))
		return 400;
	for (const char *t = target; *t; t++)
		if ((unsigned char)*t <= ' ' || *t == 0x7f)
			return 400;
	if (strncmp(version, "HTTP/", 5) || !(version[5] >= '0' && version[5] <= '9') ||
	    version[6] != '.' || !(version[7] >= '0' && version[7] <= '9') || version[8])
		return 400;
	r->method = line;
	r->target = target;
	if (version[5] != '1')
		return 505;
	r->minor = version[7] - '0';

	/* field-line = field-name ":" OWS field-value OWS */
	while ((line = next_line(&p)) && *line) {
		if (*line == ' ' || *line == '\t')
			return 400;             /* obsolete line folding (RFC 9112 5.2) */
		char *colon = strchr(line, ':');
		if (!colon)
			return 400;
		*colon = '\0';
		if (!is_token(line))
			return 400;             /* includes whitespace before the colon (5.1) */
		char *v = trim_ows(colon + 1);
		for (const char *t = v; *t; t++)
			if ((unsigned char)*t < ' ' && *t != '\t')
				return 400;
		if (!strcasecmp(line, "Host")) {
			if (r->has_host)
				return 400;     /* more than one Host (RFC 9112 3.2) */
			r->has_host = true;
		} else if (!strcasecmp(line, "Connection")) {
			parse_connection(v, r);
		} else if (!strcasecmp(line, "Transfer-Encoding")) {
			r->has_te = true;
		} else if (!strcasecmp(line, "Content-Length")) {
			if (!*v)
				return 400;
			int64_t n = 0;
			for (const char *t = v; *t; t++) {
				if (*t < '0' || *t > '9' || n > (INT64_MAX - 9) / 10)
					return 400;
				n = n * 10 + (*t - '0');
			}
			if (r->content_length >= 0 && r->content_length != n)
				return 400;
			r->content_length = n;
		}
	}
	if (r->minor >= 1 && !r->has_host)
		return 400;
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The path of target, percent-decoded, with "." and empty segments removed and the
 * query dropped: "/a/./b/?x" -> "/a/b/". Returns 0, 400 (bad encoding, NUL, not a
 * path) or 403 (a ".." segment: the root is never left). */
static int clean_path(const char *target, char *out, size_t cap)
{
	char dec[HTTPD_HEAD_MAX];
	size_t n = 0;

	if (!strncasecmp(target, "http://", 7)) {     /* absolute-form (RFC 9112 3.2.2) */
		target = strchr(target + 7, '/');
		if (!target)
			target = "/";
	}
	if (*target != '/')
		return 400;
	for (const char *t = target; *t && *t != '?' && *t != '#'; t++) {
		char ch = *t;
		if (ch == '%') {
			int hi = hexval(t[1]), lo = hi < 0 ? -1 : hexval(t[2]);
			if (hi < 0 || lo < 0)
				return 400;
			ch = (char)(hi << 4 | lo);
			if (!ch)
				return 400;
			t += 2;
		}
		if (n + 1 >= sizeof dec)
			return 400;
		dec[n++] = ch;
	}
	dec[n] = '\0';

	size_t o = 0;
	char *save = NULL;
	bool dir = n > 0 && dec[n - 1] == '/';
	for (char *seg = strtok_r(dec, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, ".."))
			return 403;
		size_t l = strlen(seg);
		if (o + l + 2 >= cap)
			return 400;
		out[o++] = '/';
		memcpy(out + o, seg, l);
		o += l;
	}
	if (o == 0 || dir) {
		if (o + 2 >= cap)
			return 400;
		out[o++] = '/';
	}
	out[o] = '\0';
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Finding what to send */

static int errno_status(int e)
{
	return (e == EACCES || e == EPERM) ? 403 : 404;
}

/* A file under the root: opens it into rp. Returns 200 or an error status. */
static int find_on_disk(struct httpd *h, const char *path, struct reply *rp)
{
	char full[PATH_MAX], real[PATH_MAX];
	struct stat sb;

	if (snprintf(full, sizeof full, "%s%s", h->root, path) >= (int)sizeof full)
		return 404;
	if (!realpath(full, real))
		return errno_status(errno);
	/* symbolic links must not lead out of the root */
	bool inside = !strcmp(h->root, "/") || !strcmp(real, h->root) ||
		      (!strncmp(real, h->root, h->root_len) && real[h->root_len] == '/');
	if (!inside)
		return 403;
	if (stat(real, &sb) < 0)
		return errno_status(errno);
	if (S_ISDIR(sb.st_mode)) {
		size_t l = strlen(real);
		if (l + sizeof "/index.html" > sizeof real)
			return 404;
		memcpy(real + l, "/index.html", sizeof "/index.html");
		if (stat(real, &sb) < 0)
			return errno_status(errno);
	}
	if (!S_ISREG(sb.st_mode))
		return 403;
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno_status(errno);
	rp->file = fd;
	rp->length = (uint64_t)sb.st_size;
	rp->content_type = httpd_content_type(real);
	return 200;
}

static const struct httpd_file *mem_lookup(struct httpd *h, const char *path)
{
	for (size_t i = 0; i < h->cfg.n_files; i++)
		if (h->cfg.files[i].path && !strcmp(h->cfg.files[i].path, path))
			return &h->cfg.files[i];
	return NULL;
}

static int find_in_memory(struct httpd *h, const char *path, struct reply *rp)
{
	const struct httpd_file *f = mem_lookup(h, path);
	size_t l = strlen(path);

	if (!f && l && path[l - 1] == '/') {
		char idx[HTTPD_HEAD_MAX + 16];
		snprintf(idx, sizeof idx, "%sindex.html", path);
		f = mem_lookup(h, idx);
	}
	if (!f)
		return 404;
	rp->mem = f->body;
	rp->length = f->len;
	rp->content_type = f->content_type ? f->content_type : httpd_content_type(f->path);
	return 200;
}

/* ------------------------------------------------------------------------ */
/* Sending */

static void http_date(char *out, size_t cap)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Sends the status line, the headers and the body; returns body bytes sent, -1 on a
 * broken connection. */
static int64_t send_reply(struct conn *c, struct reply *rp)
{
	struct httpd *h = c->h;
	char hdr[1024], date[64];
	char errbody[256];
	const char *reason = reason_phrase(rp->status);

	if (rp->status != 200) {
		int n = snprintf(errbody, sizeof errbody,
				 "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>"
				 "<body><h1>%d %s</h1></body></html>\n",
				 rp->status, reason, rp->status, reason);
		rp->mem = errbody;
		rp->length = (uint64_t)n;
		rp->content_type = "text/html; charset=utf-8";
	}
	http_date(date, sizeof date);
	int n = snprintf(hdr, sizeof hdr,
			 "HTTP/1.1 %d %s\r\n"
			 "Server: %s\r\n"
			 "Date: %s\r\n"
			 "Content-Type: %s\r\n"
			 "Content-Length: %llu\r\n"
			 "%s"
			 "Connection: %s\r\n"
			 "\r\n",
			 rp->status, reason, h->cfg.server_name, date, rp->content_type,
			 (unsigned long long)rp->length,
			 rp->status == 405 ? "Allow: GET, HEAD\r\n" : "",
			 rp->keep_alive ? "keep-alive" : "close");
	if (n < 0 || (size_t)n >= sizeof hdr)
		return -1;

	if (rp->head)
		return conn_send_all(c, hdr, (size_t)n) < 0 ? -1 : 0;

	/* The head travels in the same send as the body's first bytes, and the body in
	 * HTTPD_CHUNK pieces from memory or from the file. Sent apart, the body's tail
	 * would wait behind the small head under Nagle until the client's delayed ACK of
	 * the head: 40 ms per response. */
	memcpy(c->io, hdr, (size_t)n);
	size_t fill = (size_t)n;
	uint64_t sent = 0;
	while (sent < rp->length || fill) {
		size_t room = HTTPD_CHUNK - fill;
		size_t want = rp->length - sent < room ? (size_t)(rp->length - sent) : room;
		if (want && rp->mem) {
			memcpy(c->io + fill, (const char *)rp->mem + sent, want);
			sent += want;
			fill += want;
		} else if (want) {
			ssize_t r = read(rp->file, c->io + fill, want);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;   /* the file shrank: the length promised cannot be kept */
			sent += (uint64_t)r;
			fill += (size_t)r;
		}
		if (conn_send_all(c, c->io, fill) < 0)
			return -1;
		fill = 0;
	}
	return (int64_t)sent;
}

/* ------------------------------------------------------------------------ */
/* One connection */

/* Where the head ends (the index after its blank line), or 0 if not yet complete. */
static size_t head_end(const char *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (b[i] != '\n')
			continue;
		if (i + 1 < len && b[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

enum head_result { HEAD_OK, HEAD_CLOSED, HEAD_TOO_BIG, HEAD_BROKEN };

/* Reads until c->buf holds a whole request head; its length in *hlen. Empty lines
 * before a request are skipped (RFC 9112 2.2). */
static enum head_result read_head(struct conn *c, size_t *hlen)
{
	unsigned idle = c->h->cfg.idle_timeout_ms;

	for (;;) {
		size_t skip = 0;
		while (skip < c->len && (c->buf[skip] == '\r' || c->buf[skip] == '\n'))
			skip++;
		if (skip) {
			memmove(c->buf, c->buf + skip, c->len - skip);
			c->len -= skip;
		}
		size_t end = head_end(c->buf, c->len);
		if (end) {
			*hlen = end;
			return HEAD_OK;
		}
		if (c->len >= HTTPD_HEAD_MAX)
			return HEAD_TOO_BIG;
		ssize_t n = conn_recv(c, c->buf + c->len, HTTPD_HEAD_MAX - c->len, idle);
		if (n <= 0)
			return c->len ? HEAD_BROKEN : HEAD_CLOSED;
		c->len += (size_t)n;
	}
}

/* Reads and drops a request body of len bytes (some may be in the buffer already,
 * after the head). Returns 0, or -1 if the connection should close. */
static int discard_body(struct conn *c, int64_t len)
{
	if (len > (int64_t)HTTPD_DISCARD_MAX)
		return -1;
	size_t have = c->len < (size_t)len ? c->len : (size_t)len;
	memmove(c->buf, c->buf + have, c->len - have);
	c->len -= have;
	len -= (int64_t)have;
	while (len > 0) {
		char tmp[4096];
		ssize_t n = conn_recv(c, tmp, (size_t)len < sizeof tmp ? (size_t)len : sizeof tmp,
				      c->h->cfg.idle_timeout_ms);
		if (n <= 0)
			return -1;
		len -= n;
	}
	return 0;
}

static void report(struct conn *c, const char *method, const char *target,
		   const struct reply *rp, int64_t sent)
{
	struct httpd *h = c->h;

	pthread_mutex_lock(&h->mu);
	h->stats.requests++;
	if (sent > 0)
		h->stats.bytes_sent += (uint64_t)sent;
	if (rp->status >= 200 && rp->status < 300)
		h->stats.status_2xx++;
	else if (rp->status >= 400 && rp->status < 500)
		h->stats.status_4xx++;
	else if (rp->status >= 500)
		h->stats.status_5xx++;
	pthread_mutex_unlock(&h->mu);

	if (h->cfg.on_request) {
		struct httpd_request_info info = {
			.peer = c->peer,
			.method = method ? method : "-",
			.target = target ? target : "-",
			.status = rp->status,
			.body_bytes = sent > 0 ? (uint64_t)sent : 0,
			.keep_alive = rp->keep_alive,
		};
		h->cfg.on_request(h->cfg.ctx, &info);
	}
}

/* Answers one request whose head is c->buf[0..hlen). Returns true to keep going. */
static bool serve_one(struct conn *c, size_t hlen)
{
	struct httpd *h = c->h;
	char head[HTTPD_HEAD_MAX + 1];
	char path[HTTPD_HEAD_MAX];
	struct req r;
	struct reply rp = { .file = -1 };

	memcpy(head, c->buf, hlen);
	head[hlen] = '\0';
	memmove(c->buf, c->buf + hlen, c->len - hlen);
	c->len -= hlen;

	int status = parse_request(head, &r);
	bool can_continue = status == 0;
	if (status == 0 && r.has_te)
		can_continue = false;           /* a body we do not decode: answer, then close */
	if (status == 0 && r.content_length > 0 && discard_body(c, r.content_length) < 0)
		can_continue = false;
	if (status == 0) {
		rp.head = !strcmp(r.method, "HEAD");
		if (strcmp(r.method, "GET") && strcmp(r.method, "HEAD"))
			status = 405;
	}
	if (status == 0)
		status = clean_path(r.target, path, sizeof path);
	if (status == 0)
		status = h->root ? find_on_disk(h, path, &rp) : find_in_memory(h, path, &rp);
	rp.status = status ? status : 200;

	bool keep = can_continue && !stopping(h) &&
		    (r.minor >= 1 ? !r.conn_close : (r.conn_keep_alive && !r.conn_close));
	rp.keep_alive = keep;

	int64_t sent = send_reply(c, &rp);
	if (rp.file >= 0)
		close(rp.file);
	report(c, r.method, r.target, &rp, sent);
	return sent >= 0 && keep;
}

/* Closes gracefully: our FIN first, then wait (briefly) for the peer's, so unread
 * request bytes do not turn our close into a reset that could destroy the reply. */
static void conn_close(struct conn *c, bool linger)
{
	if (linger && ustack_shutdown(c->h->st, c->fd, SHUT_WR) == 0) {
		uint64_t deadline = now_ms() + HTTPD_LINGER_MS;
		char tmp[2048];
		for (;;) {
			uint64_t now = now_ms();
			if (now >= deadline)
				break;
			if (ustack_recv(c->h->st, c->fd, tmp, sizeof tmp, 0) >= 0) {
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				break;
			if (conn_wait(c, POLLIN, (unsigned)(deadline - now)) <= 0)
				break;
		}
	}
	ustack_close(c->h->st, c->fd);
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct httpd *h = c->h;
	bool linger = false;

	for (;;) {
		size_t hlen = 0;
		enum head_result hr = read_head(c, &hlen);
		if (hr == HEAD_CLOSED || hr == HEAD_BROKEN)
			break;
		if (hr == HEAD_TOO_BIG) {
			struct reply rp = { .status = 431, .file = -1 };
			int64_t sent = send_reply(c, &rp);
			report(c, NULL, NULL, &rp, sent);
			linger = sent >= 0;
			break;
		}
		if (!serve_one(c, hlen)) {
			linger = true;
			break;
		}
	}
	conn_close(c, linger && !stopping(h));
	free(c->io);
	free(c);

	pthread_mutex_lock(&h->mu);
	h->active--;
	h->stats.active = h->active;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Accepting */

static void *accept_main(void *arg)
{
	struct httpd *h = arg;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!stopping(h)) {
		/* At the bound, leave further clients in the backlog until one leaves. */
		pthread_mutex_lock(&h->mu);
		while (h->active >= h->cfg.max_clients && !stopping(h)) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += HTTPD_SLICE_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&h->cv, &h->mu, &ts);
		}
		pthread_mutex_unlock(&h->mu);
		if (stopping(h))
			break;

		struct pollfd p = { .fd = h->lfd, .events = POLLIN };
		int n = ustack_poll(h->st, &p, 1, HTTPD_SLICE_MS);
		if (n <= 0)
			continue;
		struct conn *c = calloc(1, sizeof *c);
		if (!c) {
			usleep(HTTPD_SLICE_MS * 1000);
			continue;
		}
		socklen_t alen = sizeof c->peer;
		c->h = h;
		c->fd = ustack_accept4(h->st, h->lfd, (struct sockaddr *)&c->peer, &alen, SOCK_NONBLOCK);
		if (c->fd < 0) {
			int e = errno;
			free(c);
			if (e != EAGAIN && e != EWOULDBLOCK && e != EINTR && e != ECONNABORTED)
				usleep(50 * 1000);     /* out of descriptors or memory: back off */
			continue;
		}
		c->io = malloc(HTTPD_CHUNK);
		pthread_t t;
		pthread_mutex_lock(&h->mu);
		h->active++;
		h->stats.active = h->active;
		h->stats.connections++;
		pthread_mutex_unlock(&h->mu);
		if (!c->io || pthread_create(&t, &attr, conn_main, c) != 0) {
			ustack_close(h->st, c->fd);
			free(c->io);
			free(c);
			pthread_mutex_lock(&h->mu);
			h->active--;
			h->stats.active = h->active;
			pthread_mutex_unlock(&h->mu);
		}
	}
	pthread_attr_destroy(&attr);
	return NULL;
}

/* ------------------------------------------------------------------------ */

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
		h->cfg.max_clients = 64;
	if (!h->cfg.idle_timeout_ms)
		h->cfg.idle_timeout_ms = 15000;
	if (!h->cfg.server_name)
		h->cfg.server_name = "ustack-httpd";
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
	atomic_init(&h->stopping, false);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);

	h->lfd = ustack_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (h->lfd < 0)
		goto err_sync;
	int one = 1;
	ustack_setsockopt(st, h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(h->cfg.port),
				  .sin_addr = cfg->addr };
	if (ustack_bind(st, h->lfd, (struct sockaddr *)&sa, sizeof sa) < 0)
		goto err_sync;
	if (ustack_listen(st, h->lfd, 128) < 0)
		goto err_sync;
	socklen_t alen = sizeof sa;
	h->port = ustack_getsockname(st, h->lfd, (struct sockaddr *)&sa, &alen) == 0 ?
		  ntohs(sa.sin_port) : h->cfg.port;
	if ((e = pthread_create(&h->acceptor, NULL, accept_main, h)) != 0) {
		errno = e;
		goto err_sync;
	}
	return h;

err_sync:
	e = errno;
	if (h->lfd >= 0)
		ustack_close(st, h->lfd);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
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
	pthread_join(h->acceptor, NULL);
	ustack_close(h->st, h->lfd);
	pthread_mutex_lock(&h->mu);
	while (h->active > 0)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
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
