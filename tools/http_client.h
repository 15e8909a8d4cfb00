/* http_client.h - an HTTP/1.1 GET over the ustack socket API (used by `ustack get` and
 * the demo).
 *
 * http_get() parses "http://host[:port][/path]", resolves host with ustack_getaddrinfo
 * (a numeric address, the hosts table, or DNS through the stack's resolver), connects,
 * sends one GET with "Connection: close", parses the status line and headers, and writes
 * the body to out: by Content-Length, chunked transfer coding, or up to connection
 * close. Redirects are not followed.
 *
 * The return value is 0 or an error code; the codes are those curl exits with, so
 * a tool can return them as they are. An HTTP status >= 400 is NOT an error here (see
 * result.status); `ustack get` maps it to 22 as curl -f does. */
#ifndef USTACK_TOOLS_HTTP_CLIENT_H
#define USTACK_TOOLS_HTTP_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

struct ustack;

enum http_err {
	HTTP_OK = 0,
	HTTP_ERR_UNSUPPORTED = 1,    /* a scheme other than http:// */
	HTTP_ERR_URL = 3,            /* malformed URL or unsupported scheme */
	HTTP_ERR_RESOLVE = 6,        /* could not resolve the host */
	HTTP_ERR_CONNECT = 7,        /* could not connect (refused, unreachable) */
	HTTP_ERR_PROTOCOL = 8,       /* a reply that is not HTTP/1.x or has bad framing */
	HTTP_ERR_PARTIAL = 18,       /* the connection ended before the whole body */
	HTTP_ERR_WRITE = 23,         /* writing to out failed */
	HTTP_ERR_TIMEOUT = 28,       /* no progress within timeout_ms */
	HTTP_ERR_SEND = 55,          /* sending the request failed */
	HTTP_ERR_RECV = 56,          /* receiving failed (reset) */
	HTTP_ERR_NOMEM = 27,
};

/* "Could not resolve host" ... */
const char *http_strerror(int err);

struct http_result {
	int status;                  /* HTTP status code, 0 if none was received */
	char reason[64];             /* "OK" */
	char content_type[128];      /* "" if none */
	int64_t content_length;      /* -1 if none */
	bool chunked;
	uint64_t body_bytes;         /* body bytes written to out */
	struct sockaddr_storage peer; /* the address connected to (AF_INET or AF_INET6) */
	uint64_t resolve_us, connect_us, total_us;   /* elapsed, CLOCK_MONOTONIC */
	char error[160];             /* on failure: what happened, curl-style text */
};

struct http_get_opts {
	unsigned timeout_ms;         /* connect, and each wait for data (0: 30000) */
	bool head;                   /* send HEAD instead of GET (nothing is written to out) */
	bool fail_on_error;          /* status >= 400: do not write the body to out */
	const char *user_agent;      /* NULL: "ustack-get/0.1" */
	/* Called as the body arrives (at most ~10 times a second, and once at the end
	 * with done = true). total is -1 if unknown. */
	void (*progress)(void *ctx, uint64_t got, int64_t total, bool done);
	/* Called with a line for each step: "Trying 10.0.0.1:80...", "> GET / HTTP/1.1",
	 * "< HTTP/1.1 200 OK", "< Content-Length: 12" (no newline). */
	void (*verbose)(void *ctx, const char *line);
	void *ctx;
	struct http_result *result;  /* filled if not NULL */
};

/* opts may be NULL. Returns HTTP_OK or an enum http_err code. */
int http_get(struct ustack *st, const char *url, FILE *out, const struct http_get_opts *opts);

/* Splits "http://host[:port][/path]" into its parts (host without brackets, path "/" if
 * absent). Returns 0, or -1 if malformed. Exposed for tests. */
int http_parse_url(const char *url, char *host, size_t host_cap, uint16_t *port,
		   char *path, size_t path_cap);

#endif
