/* httpd.h - a small HTTP/1.1 static file server over the ustack socket API.
 *
 * It serves either a directory (cfg.root) or an in-memory table of files (cfg.files,
 * for the demo). GET and HEAD; Content-Length and Content-Type (by extension) on every
 * reply; keep-alive by default on HTTP/1.1 ("Connection: close" honoured, HTTP/1.0 closes
 * unless it asks for keep-alive); 400 for a malformed request, 403 for a path that
 * leaves the root, 404, 405 with "Allow: GET, HEAD", 505 for a version other than 1.x.
 * Files are streamed from disk in chunks, never read whole into memory.
 *
 * Concurrency: one event loop thread (cfg.threads: several, sharing the listener with
 * EPOLLEXCLUSIVE) over a ustack epoll set; no thread per connection. Limits:
 *   - cfg.max_clients connections at once. When the table is full, the oldest idle
 *     keep-alive connection (or one lingering after its last reply) is closed to admit
 *     a new one; with none to close, new clients wait in the listen backlog;
 *   - cfg.per_client connections from one address; more are reset at once;
 *   - the whole request head must arrive within cfg.head_timeout_ms of its first byte
 *     (of the accept, for a new connection): a client that trickles bytes cannot extend
 *     it. Then 408 and close;
 *   - an idle keep-alive connection is closed after cfg.idle_timeout_ms.
 * After a reply with "Connection: close" the server shuts its sending side down and
 * reads (and drops) what the client still sends, for at most 2 s, as an
 * event of the loop; when the client has closed already, it closes at once.
 * The stack must be running (ustack_start) or driven by another thread meanwhile. */
#ifndef USTACK_TOOLS_HTTPD_H
#define USTACK_TOOLS_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct ustack;
struct httpd;

/* One entry of an in-memory site. path starts with '/'; "/" may be given explicitly,
 * otherwise "/" serves "/index.html" if present. content_type NULL: by extension. */
struct httpd_file {
	const char *path;
	const char *content_type;
	const void *body;
	size_t len;
};

/* What httpd reports about each request it answered (for logs and the demo). */
struct httpd_request_info {
	struct sockaddr_in6 peer;    /* an IPv4 client as ::ffff:a.b.c.d (httpd_peer_text) */
	const char *method;          /* as received ("GET"); "-" if the request line was unusable */
	const char *target;          /* as received ("/index.html"); "-" if unusable */
	int status;                  /* 200, 400, 403, 404, 405, 505 ... */
	uint64_t body_bytes;         /* body bytes actually sent */
	bool keep_alive;             /* the connection stays open after this reply */
};

struct httpd_config {
	const char *root;                 /* directory to serve; NULL: use files */
	const struct httpd_file *files;   /* in-memory table (when root is NULL) */
	size_t n_files;
	struct in_addr addr;              /* address to bind; INADDR_ANY (0): every address of
	                                     both families (one dual-stack socket) */
	uint16_t port;                    /* 0: 80 */
	unsigned max_clients;             /* connections open at once (0: 10000) */
	unsigned per_client;              /* from one address (0: 256; UINT_MAX: no cap) */
	unsigned idle_timeout_ms;         /* keep-alive idle time before closing (0: 15000) */
	unsigned head_timeout_ms;         /* the whole request head, from its first byte (0: 10000) */
	unsigned threads;                 /* event loops (0: 1) */
	const char *server_name;          /* "Server:" header (NULL: "ustack-httpd") */
	/* Called once per reply, from the connection's event loop thread (NULL: nothing). */
	void (*on_request)(void *ctx, const struct httpd_request_info *info);
	void *ctx;
};

/* Binds, listens and starts serving. Returns NULL with errno on failure (EADDRINUSE,
 * ENOENT / ENOTDIR for a bad root, EINVAL for a config with neither root nor files). */
struct httpd *httpd_start(struct ustack *st, const struct httpd_config *cfg);
/* Stops accepting, closes every connection, joins the loop threads, frees. NULL is fine. */
void httpd_stop(struct httpd *h);
/* The port actually bound. */
uint16_t httpd_port(const struct httpd *h);

struct httpd_stats {
	uint64_t connections;        /* accepted */
	uint64_t requests;           /* replies sent */
	uint64_t bytes_sent;         /* body bytes */
	uint64_t status_2xx, status_4xx, status_5xx;
	uint64_t refused;            /* reset at accept: over the per-client cap */
	uint64_t evicted;            /* idle ones closed to admit a new connection */
	uint64_t head_timeouts;      /* request head not complete in head_timeout_ms */
	unsigned active;             /* connections open now */
};
void httpd_get_stats(struct httpd *h, struct httpd_stats *out);

/* "text/html; charset=utf-8" for "x.html", "application/octet-stream" when unknown. */
const char *httpd_content_type(const char *path);

/* The client's address as text: dotted quad for IPv4 (mapped) clients, else IPv6. */
const char *httpd_peer_text(const struct sockaddr_in6 *peer, char *buf, size_t len);
/* A 32-bit key for the per-client cap: the IPv4 address (network order) of an IPv4
 * client, a hash of the 16 bytes for an IPv6 one. */
uint32_t httpd_peer_key(const struct sockaddr_in6 *peer);

#endif
