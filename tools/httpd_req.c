/* httpd_req.c - request heads and paths (see httpd_req.h). */
#include "httpd_req.h"
#include "httpd.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

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

const char *httpd_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
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
static void parse_connection(char *v, struct http_req *r)
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
int httpd_parse_request(char *head, struct http_req *r)
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
int httpd_clean_path(const char *target, char *out, size_t cap)
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

/* Where the head ends (the index after its blank line), or 0 if not yet complete. */
size_t httpd_head_end(const char *b, size_t len)
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