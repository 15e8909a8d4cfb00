/* httpd_req.h - the message side of httpd (no sockets, no state): where a request
 * head ends, parsing it (RFC 9112 sections 2-5), turning its target into a clean path
 * under the root, reason phrases and content types. */
#ifndef USTACK_TOOLS_HTTPD_REQ_H
#define USTACK_TOOLS_HTTPD_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTPD_HEAD_MAX 8192          /* request line + headers */

/* A parsed request head. The strings point into the parsed text. */
struct http_req {
	char *method, *target;
	int minor;                   /* HTTP/1.minor */
	bool conn_close, conn_keep_alive, has_host, has_te;
	int64_t content_length;      /* -1: none */
};

/* Where the head in b[0..len) ends (the index after its blank line), or 0 if it is
 * not complete yet. */
size_t httpd_head_end(const char *b, size_t len);
/* head is NUL-terminated and ends with its blank line; it is cut in place (NULs).
 * Returns 0 or an HTTP status (400, 505). */
int httpd_parse_request(char *head, struct http_req *r);
/* The path of target, percent-decoded, with "." and empty segments removed and the
 * query dropped: "/a/./b/?x" -> "/a/b/". Returns 0, 400 (bad encoding, NUL, not a
 * path) or 403 (a ".." segment: the root is never left). */
int httpd_clean_path(const char *target, char *out, size_t cap);
/* "OK", "Not Found", ... */
const char *httpd_reason(int status);

#endif
