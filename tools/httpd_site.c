/* httpd_site.c - what httpd sends: a file under the root or of the in-memory table,
 * the status line and headers of a reply (RFC 9110 semantics, RFC 9112 syntax), and
 * the count and report of each reply. */
#include "httpd_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


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
int site_find(struct httpd *h, const char *path, struct reply *rp)
{
	return h->root ? find_on_disk(h, path, rp) : find_in_memory(h, path, rp);
}

/* The Date header changes once a second: formatted once a second per thread. */
static const char *http_date(void)
{
	static _Thread_local time_t last = -1;
	static _Thread_local char buf[64];
	time_t t = time(NULL);

	if (t != last) {
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		last = t;
	}
	return buf;
}

int site_head(struct httpd *h, struct reply *rp, bool keep_alive, char *out, size_t cap,
	      char *errbody, size_t errcap)
{
	const char *reason = httpd_reason(rp->status);

	if (rp->status != 200) {
		int n = snprintf(errbody, errcap,
				 "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>"
				 "<body><h1>%d %s</h1></body></html>\n",
				 rp->status, reason, rp->status, reason);
		if (n < 0 || (size_t)n >= errcap)
			return -1;
		rp->mem = errbody;
		rp->length = (uint64_t)n;
		rp->content_type = "text/html; charset=utf-8";
	}
	int n = snprintf(out, cap,
			 "HTTP/1.1 %d %s\r\n"
			 "Server: %s\r\n"
			 "Date: %s\r\n"
			 "Content-Type: %s\r\n"
			 "Content-Length: %llu\r\n"
			 "%s"
			 "Connection: %s\r\n"
			 "\r\n",
			 rp->status, reason, h->cfg.server_name, http_date(), rp->content_type,
			 (unsigned long long)rp->length,
			 rp->status == 405 ? "Allow: GET, HEAD\r\n" : "",
			 keep_alive ? "keep-alive" : "close");
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

void site_report(struct httpd *h, const struct sockaddr_in6 *peer, const char *method,
		 const char *target, int status, int64_t sent, bool keep_alive)
{
	pthread_mutex_lock(&h->mu);
	h->stats.requests++;
	if (sent > 0)
		h->stats.bytes_sent += (uint64_t)sent;
	if (status >= 200 && status < 300)
		h->stats.status_2xx++;
	else if (status >= 400 && status < 500)
		h->stats.status_4xx++;
	else if (status >= 500)
		h->stats.status_5xx++;
	pthread_mutex_unlock(&h->mu);

	if (h->cfg.on_request) {
		struct httpd_request_info info = {
			.peer = *peer,
			.method = method ? method : "-",
			.target = target ? target : "-",
			.status = status,
			.body_bytes = sent > 0 ? (uint64_t)sent : 0,
			.keep_alive = keep_alive,
		};
		h->cfg.on_request(h->cfg.ctx, &info);
	}
}
