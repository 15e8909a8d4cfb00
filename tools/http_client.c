/* http_client.c - one HTTP/1.1 GET over ustack sockets (see http_client.h).
 *
 * URL -> ustack_getaddrinfo -> non-blocking connect (waited on with ustack_poll) ->
 * request -> status line and fields (RFC 9112 sections 4-5, interim 1xx replies
 * skipped) -> body by the framing RFC 9112 section 6.3 picks: none (HEAD, 1xx, 204,
 * 304), chunked (7.1), Content-Length, or until the server closes. */
#include "http_client.h"

#include <ustack/netdb.h>
#include <ustack/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#define HC_BUF 65536              /* receive buffer */
#define HC_LINE_MAX 8192          /* longest status/field/chunk-size line */
#define HC_FIELDS_MAX 100         /* fields in one head */
#define HC_SLICE_MS 100
#define HC_PROGRESS_US 100000     /* progress callback at most this often */

struct hc {
	struct ustack *st;
	int fd;
	const struct http_get_opts *o;
	unsigned timeout_ms;
	struct http_result *res;
	FILE *out;
	bool write_body;
	char *buf;                /* received bytes not yet consumed: buf[pos..len) */
	size_t pos, len;
	bool eof;
	uint64_t last_progress_us;
	uint64_t start_us;
};

const char *http_strerror(int err)
{
	switch (err) {
	case HTTP_OK: return "No error";
	case HTTP_ERR_UNSUPPORTED: return "Unsupported protocol";
	case HTTP_ERR_URL: return "URL using bad/illegal format";
	case HTTP_ERR_RESOLVE: return "Could not resolve host";
	case HTTP_ERR_CONNECT: return "Could not connect to server";
	case HTTP_ERR_PROTOCOL: return "Weird server reply";
	case HTTP_ERR_PARTIAL: return "Transferred a partial file";
	case HTTP_ERR_WRITE: return "Failed writing received data";
	case HTTP_ERR_TIMEOUT: return "Timeout was reached";
	case HTTP_ERR_SEND: return "Failed sending data to the peer";
	case HTTP_ERR_RECV: return "Failure when receiving data from the peer";
	case HTTP_ERR_NOMEM: return "Out of memory";
	default: return "Unknown error";
	}
}

/* Records the error text and returns err. */
static int hc_fail(struct hc *c, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->res->error, sizeof c->res->error, fmt, ap);
	va_end(ap);
	return err;
}

static void say(struct hc *c, const char *fmt, ...)
{
	if (!c->o->verbose)
		return;
	char line[HC_LINE_MAX + 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	c->o->verbose(c->o->ctx, line);
}

static void progress(struct hc *c, bool done)
{
	if (!c->o->progress)
		return;
	uint64_t now = ustack_clock_us();
	if (!done && now - c->last_progress_us < HC_PROGRESS_US)
		return;
	c->last_progress_us = now;
	c->o->progress(c->o->ctx, c->res->body_bytes, c->res->content_length, done);
}

/* ------------------------------------------------------------------------ */

int http_parse_url(const char *url, char *host, size_t host_cap, uint16_t *port,
		   char *path, size_t path_cap)
{
	const char *p = url;
	const char *sep = strstr(url, "://");

	if (sep) {
		if ((size_t)(sep - url) != 4 || strncasecmp(url, "http", 4))
			return -1;
		p = sep + 3;
	}
	const char *end = p + strcspn(p, "/?#");
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;               /* user information is not used */
	const char *hs = p, *he;
	const char *colon;
	if (*p == '[') {
		he = memchr(p, ']', (size_t)(end - p));
		if (!he)
			return -1;
		hs = p + 1;
		colon = he + 1 < end && he[1] == ':' ? he + 1 : NULL;
		if (!colon && he + 1 != end)
			return -1;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		he = colon ? colon : end;
	}
	size_t hl = (size_t)(he - hs);
	if (hl == 0 || hl >= host_cap)
		return -1;
	memcpy(host, hs, hl);
	host[hl] = '\0';
	*port = 80;
	if (colon && colon + 1 < end) {
		unsigned long v = 0;
		for (const char *d = colon + 1; d < end; d++) {
			if (*d < '0' || *d > '9')
				return -1;
			v = v * 10 + (unsigned long)(*d - '0');
			if (v > 65535)
				return -1;
		}
		if (v == 0)
			return -1;
		*port = (uint16_t)v;
	}
	/* path: from end up to a fragment; "/" if none; a bare "?q" becomes "/?q" */
	const char *ps = end;
	size_t pl = strcspn(ps, "#");
	int n = snprintf(path, path_cap, "%s%.*s", *ps == '/' ? "" : "/", (int)pl, ps);
	if (n < 0 || (size_t)n >= path_cap)
		return -1;
	for (const char *t = path; *t; t++)
		if ((unsigned char)*t <= ' ' || *t == 0x7f)
			return -1;
	return 0;
}

/* ------------------------------------------------------------------------ */

/* 1 ready, 0 timed out, -1 poll failed. */
static int hc_wait(struct hc *c, short events, unsigned timeout_ms)
{
	uint64_t deadline = ustack_clock_us() + (uint64_t)timeout_ms * 1000;
	for (;;) {
		uint64_t now = ustack_clock_us();
		if (now >= deadline)
			return 0;
		uint64_t left_ms = (deadline - now + 999) / 1000;
		struct pollfd p = { .fd = c->fd, .events = events };
		int n = ustack_poll(c->st, &p, 1, (int)(left_ms < HC_SLICE_MS ? left_ms : HC_SLICE_MS));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n > 0 && p.revents)
			return 1;
	}
}

/* Receives more bytes into the buffer. Returns 1 got some, 0 EOF, or an error code
 * (negated enum http_err). */
static int hc_fill(struct hc *c)
{
	if (c->eof)
		return 0;
	if (c->pos == c->len) {
		c->pos = c->len = 0;
	} else if (c->len == HC_BUF) {
		if (c->pos == 0)
			return -hc_fail(c, HTTP_ERR_PROTOCOL, "Header or chunk line too long");
		memmove(c->buf, c->buf + c->pos, c->len - c->pos);
		c->len -= c->pos;
		c->pos = 0;
	}
	for (;;) {
		ssize_t n = ustack_recv(c->st, c->fd, c->buf + c->len, HC_BUF - c->len, 0);
		if (n > 0) {
			c->len += (size_t)n;
			return 1;
		}
		if (n == 0) {
			c->eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -hc_fail(c, HTTP_ERR_RECV, "Recv failure: %s", strerror(errno));
		int w = hc_wait(c, POLLIN, c->timeout_ms);
		if (w == 0)
			return -hc_fail(c, HTTP_ERR_TIMEOUT,
				     "Operation timed out after %u milliseconds with %llu bytes received",
				     c->timeout_ms, (unsigned long long)c->res->body_bytes);
		if (w < 0)
			return -hc_fail(c, HTTP_ERR_RECV, "Recv failure: %s", strerror(errno));
	}
}

/* The next line (CRLF or LF), NUL-terminated in place. Returns 0 and *line, or an
 * error code; at EOF before a whole line: HTTP_ERR_PARTIAL or HTTP_ERR_PROTOCOL per
 * eof_err. */
static int hc_line(struct hc *c, char **line, int eof_err)
{
	for (;;) {
		char *s = c->buf + c->pos;
		char *lf = memchr(s, '\n', c->len - c->pos);
		if (lf) {
			size_t l = (size_t)(lf - s);
			if (l > HC_LINE_MAX)
				return hc_fail(c, HTTP_ERR_PROTOCOL, "Line too long in the reply");
			*lf = '\0';
			if (l && s[l - 1] == '\r')
				s[l - 1] = '\0';
			c->pos += l + 1;
			*line = s;
			return 0;
		}
		if (c->len - c->pos > HC_LINE_MAX)
			return hc_fail(c, HTTP_ERR_PROTOCOL, "Line too long in the reply");
		int r = hc_fill(c);
		if (r < 0)
			return -r;
		if (r == 0)
			return hc_fail(c, eof_err, eof_err == HTTP_ERR_PARTIAL ?
				    "Transfer closed in the middle of the body" :
				    "Connection closed before a complete reply header");
	}
}

static int hc_emit(struct hc *c, const void *data, size_t len)
{
	if (c->write_body && len && fwrite(data, 1, len, c->out) != len)
		return hc_fail(c, HTTP_ERR_WRITE, "Failure writing output to destination");
	c->res->body_bytes += len;
	progress(c, false);
	return 0;
}

/* Passes up to len body bytes (all if len < 0: until EOF) to the output. */
static int hc_body(struct hc *c, int64_t len)
{
	uint64_t left = len < 0 ? UINT64_MAX : (uint64_t)len;
	while (left) {
		if (c->pos == c->len) {
			int r = hc_fill(c);
			if (r < 0)
				return -r;
			if (r == 0) {
				if (len < 0)
					return 0;
				return hc_fail(c, HTTP_ERR_PARTIAL,
					    "transfer closed with %llu bytes remaining to read",
					    (unsigned long long)left);
			}
		}
		size_t n = c->len - c->pos;
		if (n > left)
			n = (size_t)left;
		int e = hc_emit(c, c->buf + c->pos, n);
		if (e)
			return e;
		c->pos += n;
		left -= n;
	}
	return 0;
}

/* RFC 9112 7.1: chunk = chunk-size [ext] CRLF data CRLF; last-chunk, trailers, CRLF. */
static int hc_chunked(struct hc *c)
{
	for (;;) {
		char *line;
		int e = hc_line(c, &line, HTTP_ERR_PARTIAL);
		if (e)
			return e;
		uint64_t size = 0;
		const char *t = line;
		int digits = 0;
		for (; *t; t++, digits++) {
			int v = (*t >= '0' && *t <= '9') ? *t - '0' :
				(*t >= 'a' && *t <= 'f') ? *t - 'a' + 10 :
				(*t >= 'A' && *t <= 'F') ? *t - 'A' + 10 : -1;
			if (v < 0)
				break;
			if (size >> 60)
				return hc_fail(c, HTTP_ERR_PROTOCOL, "Chunk size too large");
			size = size << 4 | (uint64_t)v;
		}
		while (*t == ' ' || *t == '\t')
			t++;
		if (!digits || (*t && *t != ';'))
			return hc_fail(c, HTTP_ERR_PROTOCOL, "Malformed chunk size line");
		if (size == 0)
			break;
		if ((e = hc_body(c, (int64_t)size)))
			return e;
		if ((e = hc_line(c, &line, HTTP_ERR_PARTIAL)))
			return e;
		if (*line)
			return hc_fail(c, HTTP_ERR_PROTOCOL, "Chunk data longer than its size");
	}
	/* trailer fields up to the empty line */
	for (int i = 0; i <= HC_FIELDS_MAX; i++) {
		char *line;
		int e = hc_line(c, &line, HTTP_ERR_PARTIAL);
		if (e)
			return e;
		if (!*line)
			return 0;
	}
	return hc_fail(c, HTTP_ERR_PROTOCOL, "Too many trailer fields");
}

/* Reads one response head into res. */
static int hc_head(struct hc *c, bool *te_chunked, int64_t *clen)
{
	char *line;
	int e = hc_line(c, &line, HTTP_ERR_PROTOCOL);
	if (e)
		return e;
	say(c, "< %s", line);
	/* status-line = HTTP-version SP status-code SP [reason-phrase] */
	if (strncmp(line, "HTTP/1.", 7) || !(line[7] >= '0' && line[7] <= '9') || line[8] != ' ' ||
	    !(line[9] >= '1' && line[9] <= '9') || !(line[10] >= '0' && line[10] <= '9') ||
	    !(line[11] >= '0' && line[11] <= '9') || (line[12] && line[12] != ' '))
		return hc_fail(c, HTTP_ERR_PROTOCOL, "Unsupported HTTP version or bad status line in the reply");
	c->res->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	snprintf(c->res->reason, sizeof c->res->reason, "%s", line[12] ? line + 13 : "");
	*te_chunked = false;
	*clen = -1;
	c->res->content_type[0] = '\0';
	for (int i = 0;; i++) {
		if (i > HC_FIELDS_MAX)
			return hc_fail(c, HTTP_ERR_PROTOCOL, "Too many header fields");
		if ((e = hc_line(c, &line, HTTP_ERR_PROTOCOL)))
			return e;
		if (!*line)
			return 0;
		say(c, "< %s", line);
		char *colon = strchr(line, ':');
		if (!colon || colon == line)
			return hc_fail(c, HTTP_ERR_PROTOCOL, "Malformed header field in the reply");
		*colon = '\0';
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vl = strlen(v);
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			v[--vl] = '\0';
		if (!strcasecmp(line, "Content-Length")) {
			int64_t n = 0;
			if (!*v)
				return hc_fail(c, HTTP_ERR_PROTOCOL, "Invalid Content-Length");
			for (const char *t = v; *t; t++) {
				if (*t < '0' || *t > '9' || n > (INT64_MAX - 9) / 10)
					return hc_fail(c, HTTP_ERR_PROTOCOL, "Invalid Content-Length");
				n = n * 10 + (*t - '0');
			}
			if (*clen >= 0 && *clen != n)
				return hc_fail(c, HTTP_ERR_PROTOCOL, "Conflicting Content-Length values");
			*clen = n;
		} else if (!strcasecmp(line, "Transfer-Encoding")) {
			/* chunked must be the final coding (RFC 9112 6.3) */
			const char *last = strrchr(v, ',');
			last = last ? last + 1 : v;
			while (*last == ' ' || *last == '\t')
				last++;
			if (strcasecmp(last, "chunked"))
				return hc_fail(c, HTTP_ERR_PROTOCOL, "Unsupported transfer coding '%s'", v);
			*te_chunked = true;
		} else if (!strcasecmp(line, "Content-Type")) {
			snprintf(c->res->content_type, sizeof c->res->content_type, "%s", v);
		}
	}
}

/* ------------------------------------------------------------------------ */

static int hc_connect(struct hc *c, const char *host, uint16_t port)
{
	/* both families, in getaddrinfo's order (RFC 6724): each tried in turn, as curl */
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char service[8];
	uint64_t t0 = ustack_clock_us();

	snprintf(service, sizeof service, "%u", port);
	int g = ustack_getaddrinfo(c->st, host, service, &hints, &ai);
	c->res->resolve_us = ustack_clock_us() - t0;
	if (g != 0 || !ai)
		return hc_fail(c, HTTP_ERR_RESOLVE, "Could not resolve host: %s (%s)", host,
			    g ? ustack_gai_strerror(g) : "no address");

	int err = HTTP_ERR_CONNECT;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		bool v6 = a->ai_family == AF_INET6;
		if ((a->ai_family != AF_INET && !v6) || a->ai_addrlen > sizeof(struct sockaddr_storage))
			continue;
		struct sockaddr_storage sin;
		socklen_t slen = a->ai_addrlen;
		memcpy(&sin, a->ai_addr, slen);
		char ip[INET6_ADDRSTRLEN];
		if (v6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sin)->sin6_addr, ip, sizeof ip);
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)&sin)->sin_addr, ip, sizeof ip);
		say(c, v6 ? "*   Trying [%s]:%u..." : "*   Trying %s:%u...", ip, port);
		uint64_t t1 = ustack_clock_us();
		c->fd = ustack_socket(c->st, a->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (c->fd < 0) {
			err = hc_fail(c, HTTP_ERR_CONNECT, "socket: %s", strerror(errno));
			break;
		}
		int r = ustack_connect(c->st, c->fd, (struct sockaddr *)&sin, slen);
		int e = r == 0 ? 0 : errno;
		if (r < 0 && e == EINPROGRESS) {
			int w = hc_wait(c, POLLOUT, c->timeout_ms);
			socklen_t sl = sizeof e;
			if (w == 0)
				e = ETIMEDOUT;
			else if (w < 0)
				e = errno;
			else if (ustack_getsockopt(c->st, c->fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
				e = errno;
		}
		uint64_t ms = (ustack_clock_us() - t1) / 1000;
		if (e == 0) {
			c->res->peer = sin;
			c->res->connect_us = ustack_clock_us() - t1;
			say(c, "* Connected to %s (%s) port %u", host, ip, port);
			ustack_freeaddrinfo(ai);
			return 0;
		}
		ustack_close(c->st, c->fd);
		c->fd = -1;
		if (e == ETIMEDOUT)
			err = hc_fail(c, HTTP_ERR_TIMEOUT,
				   "Failed to connect to %s port %u after %llu ms: Connection timed out",
				   host, port, (unsigned long long)ms);
		else
			err = hc_fail(c, HTTP_ERR_CONNECT, "Failed to connect to %s port %u after %llu ms: %s",
				   host, port, (unsigned long long)ms, strerror(e));
	}
	ustack_freeaddrinfo(ai);
	return err;
}

static int hc_send_request(struct hc *c, const char *host, uint16_t port, const char *path)
{
	char req[HC_LINE_MAX + 512];
	char hostport[300];
	bool v6 = strchr(host, ':') != NULL;

	if (port == 80)
		snprintf(hostport, sizeof hostport, v6 ? "[%s]" : "%s", host);
	else
		snprintf(hostport, sizeof hostport, v6 ? "[%s]:%u" : "%s:%u", host, port);
	const char *method = c->o->head ? "HEAD" : "GET";
	const char *ua = c->o->user_agent ? c->o->user_agent : "ustack-get/0.1";
	int n = snprintf(req, sizeof req,
			 "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"
			 "Connection: close\r\n\r\n", method, path, hostport, ua);
	if (n < 0 || (size_t)n >= sizeof req)
		return hc_fail(c, HTTP_ERR_URL, "URL too long");
	say(c, "> %s %s HTTP/1.1", method, path);
	say(c, "> Host: %s", hostport);
	say(c, "> User-Agent: %s", ua);
	say(c, "> Accept: */*");
	say(c, "> Connection: close");

	size_t off = 0;
	while (off < (size_t)n) {
		ssize_t w = ustack_send(c->st, c->fd, req + off, (size_t)n - off, 0);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = hc_wait(c, POLLOUT, c->timeout_ms);
			if (r == 0)
				return hc_fail(c, HTTP_ERR_TIMEOUT, "Timed out sending the request");
			if (r > 0)
				continue;
		}
		return hc_fail(c, HTTP_ERR_SEND, "Send failure: %s", strerror(errno));
	}
	return 0;
}

static int hc_run(struct hc *c, const char *url)
{
	char host[256], path[HC_LINE_MAX];
	uint16_t port;

	const char *sep = strstr(url, "://");
	if (sep && !((size_t)(sep - url) == 4 && !strncasecmp(url, "http", 4)))
		return hc_fail(c, HTTP_ERR_UNSUPPORTED, "Protocol \"%.*s\" not supported",
			    (int)(sep - url), url);
	if (http_parse_url(url, host, sizeof host, &port, path, sizeof path) < 0)
		return hc_fail(c, HTTP_ERR_URL, "URL rejected: Malformed input to a URL function");
	int e = hc_connect(c, host, port);
	if (e)
		return e;
	if ((e = hc_send_request(c, host, port, path)))
		return e;

	bool chunked = false;
	int64_t clen = -1;
	do {                              /* interim replies (1xx) come before the final one */
		if ((e = hc_head(c, &chunked, &clen)))
			return e;
	} while (c->res->status >= 100 && c->res->status < 200);
	c->res->content_length = chunked ? -1 : clen;
	c->res->chunked = chunked;
	c->write_body = !c->o->head && !(c->o->fail_on_error && c->res->status >= 400);
	if (!c->write_body && c->o->fail_on_error && c->res->status >= 400)
		return 0;                 /* curl -f: the body is not wanted */
	if (c->o->head || c->res->status == 204 || c->res->status == 304)
		return 0;
	progress(c, false);
	if (chunked)
		e = hc_chunked(c);
	else
		e = hc_body(c, clen);
	return e;
}

int http_get(struct ustack *st, const char *url, FILE *out, const struct http_get_opts *opts)
{
	static const struct http_get_opts defaults;
	struct http_result local;
	struct hc c = {
		.st = st,
		.fd = -1,
		.o = opts ? opts : &defaults,
		.out = out,
		.start_us = ustack_clock_us(),
	};

	c.res = c.o->result ? c.o->result : &local;
	memset(c.res, 0, sizeof *c.res);
	c.res->content_length = -1;
	c.timeout_ms = c.o->timeout_ms ? c.o->timeout_ms : 30000;
	c.buf = malloc(HC_BUF);
	if (!c.buf)
		return hc_fail(&c, HTTP_ERR_NOMEM, "Out of memory");
	int e = hc_run(&c, url);
	if (c.res->status && !e && c.write_body && out && fflush(out) != 0)
		e = hc_fail(&c, HTTP_ERR_WRITE, "Failure writing output to destination");
	if (c.fd >= 0)
		ustack_close(st, c.fd);
	free(c.buf);
	c.res->total_us = ustack_clock_us() - c.start_us;
	if (c.res->status)
		progress(&c, true);
	return e;
}
