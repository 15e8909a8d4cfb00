/* ctl.c - the control socket: a Unix stream socket served on a thread, answering
 * "sockets" and "stats" for the stacks of one process; and the client `ustack netstat`
 * uses. Protocol in ctl.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>

#include "common.h"
#include "ctl.h"
#include "ustack/socket.h"
#include "ustack/ustack.h"

#define CTL_REQ_MAX 128
#define CTL_IO_TIMEOUT_MS 2000

struct tool_ctl {
	pthread_t thread;
	int lfd;                       /* the listening socket */
	int wake[2];                   /* a pipe: written to stop the thread */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ustack *st[TOOL_MAX_HOSTS];
	int n;
};

/* The counters of struct ustack_stats by name, in the order netstat -s groups them. */
#define CTL_STAT(f) { #f, offsetof(struct ustack_stats, f) }
static const struct {
	const char *key;
	size_t off;
} ctl_stats[] = {
	CTL_STAT(eth_in), CTL_STAT(eth_out),
	CTL_STAT(arp_in), CTL_STAT(arp_out), CTL_STAT(arp_requests), CTL_STAT(arp_replies),
	CTL_STAT(ip_in), CTL_STAT(ip_out), CTL_STAT(ip_delivered), CTL_STAT(ip_forwarded),
	CTL_STAT(ip_frag_out), CTL_STAT(ip_reasm_ok),
	CTL_STAT(icmp_in), CTL_STAT(icmp_out), CTL_STAT(icmp_echo_replies_out),
	CTL_STAT(udp_in), CTL_STAT(udp_out),
	CTL_STAT(tcp_in), CTL_STAT(tcp_out), CTL_STAT(tcp_retransmits), CTL_STAT(tcp_rst_in),
	CTL_STAT(tcp_rst_out), CTL_STAT(tcp_conn_opened), CTL_STAT(tcp_conn_accepted),
	CTL_STAT(tcp_conn_dropped), CTL_STAT(tcp_fast_retransmits), CTL_STAT(tcp_timeouts),
	CTL_STAT(tcp_syncookies_sent), CTL_STAT(tcp_syncookies_ok), CTL_STAT(tcp_syncookies_failed),
	CTL_STAT(dns_queries), CTL_STAT(dns_answers), CTL_STAT(dns_cache_hits),
	CTL_STAT(nd_in), CTL_STAT(nd_ns_out), CTL_STAT(nd_na_out), CTL_STAT(nd_rs_out),
	CTL_STAT(nd_dad_failed), CTL_STAT(mld_out), CTL_STAT(nd_ip6_disabled),
	CTL_STAT(nd_idgen_retries), CTL_STAT(nd_idgen_failed),
};

void tool_ctl_default_path(char *buf, size_t cap)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	struct stat sb;

	if (!dir || !*dir || stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode) || access(dir, W_OK) < 0)
		dir = "/tmp";
	snprintf(buf, cap, "%s/ustack-%ld.ctl", dir, (long)getpid());
}

/* --- server --- */

/* Writes all of s; false if the client went away or stalled. */
static bool write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t w;

		if (poll(&p, 1, CTL_IO_TIMEOUT_MS) <= 0)
			return false;
		w = send(fd, s, len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return false;
		}
		s += w;
		len -= (size_t)w;
	}
	return true;
}

static bool out_line(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool out_line(int fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	return write_all(fd, buf, (size_t)n);
}

/* The stack's name as one word. */
static void word_name(struct ustack *st, char *buf, size_t cap)
{
	const char *name = ustack_name(st);

	snprintf(buf, cap, "%s", name && *name ? name : "ustack");
	for (char *p = buf; *p; p++)
		if (*p == ' ' || *p == '\t' || *p == '\n')
			*p = '_';
}

static void addr_str(const struct sockaddr_in *sa, char *buf, size_t cap)
{
	char ip[16];

	snprintf(buf, cap, "%s:%u", tool_ip_str(sa->sin_addr, ip), (unsigned)ntohs(sa->sin_port));
}

/* "2001:db8::1:80" as netstat prints an IPv6 end */
static void addr6_str(const struct sockaddr_in6 *sa, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(AF_INET6, &sa->sin6_addr, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, cap, "%s:%u", ip, (unsigned)ntohs(sa->sin6_port));
}

static bool answer_sockets(struct tool_ctl *c, int fd)
{
	for (int s = 0; s < c->n; s++) {
		struct ustack_sockinfo *si = NULL;
		size_t cap = 64, n;
		char name[64];

		word_name(c->st[s], name, sizeof(name));
		for (;;) {
			struct ustack_sockinfo *nsi = realloc(si, cap * sizeof(*si));

			if (!nsi) {
				free(si);
				return out_line(fd, "error out of memory");
			}
			si = nsi;
			n = ustack_sockets(c->st[s], si, cap);
			if (n <= cap || cap >= 65536)
				break;
			cap = n + 16;
		}
		if (n > cap)
			n = cap;
		for (size_t i = 0; i < n; i++) {
			char l[64], r[64];
			const char *state = si[i].state && *si[i].state ? si[i].state : "-";
			bool v6 = si[i].family == AF_INET6;

			if (v6) {
				addr6_str(&si[i].local6, l, sizeof(l));
				addr6_str(&si[i].remote6, r, sizeof(r));
			} else {
				addr_str(&si[i].local, l, sizeof(l));
				addr_str(&si[i].remote, r, sizeof(r));
			}
			if (!out_line(fd, "sock %s %s %zu %zu %s %s %s", name,
				      si[i].proto == IPPROTO_TCP ? (v6 ? "tcp6" : "tcp") : (v6 ? "udp6" : "udp"),
				      si[i].recv_q,
				      si[i].send_q, l, r, state)) {
				free(si);
				return false;
			}
		}
		free(si);
	}
	return true;
}

static bool answer_stats(struct tool_ctl *c, int fd)
{
	for (int s = 0; s < c->n; s++) {
		struct ustack_stats stats;
		char name[64];

		word_name(c->st[s], name, sizeof(name));
		ustack_get_stats(c->st[s], &stats);
		if (!out_line(fd, "stack %s", name))
			return false;
		for (size_t i = 0; i < sizeof(ctl_stats) / sizeof(ctl_stats[0]); i++) {
			uint64_t v;

			memcpy(&v, (const char *)&stats + ctl_stats[i].off, sizeof(v));
			if (!out_line(fd, "stat %s %llu", ctl_stats[i].key, (unsigned long long)v))
				return false;
		}
		for (int r = 0; r < USTACK_DROP_MAX; r++) {
			const char *text = ustack_drop_name(r);

			if (stats.drops[r] &&
			    !out_line(fd, "drop %llu %s", (unsigned long long)stats.drops[r],
				      text ? text : "unknown"))
				return false;
		}
	}
	return true;
}

/* "addr6 STACK IFINDEX ADDR/PLEN STATE ORIGIN VALID PREFERRED" (seconds; "forever") */
static bool answer_addrs(struct tool_ctl *c, int fd)
{
	for (int s = 0; s < c->n; s++) {
		struct ustack_addr6 a[USTACK_MAX_IFACES * 8];
		size_t n = ustack_if_addrs6(c->st[s], -1, a, sizeof(a) / sizeof(a[0]));
		char name[64];

		word_name(c->st[s], name, sizeof(name));
		for (size_t i = 0; i < n; i++) {
			char ip[INET6_ADDRSTRLEN], v[16], p[16];

			inet_ntop(AF_INET6, &a[i].addr, ip, sizeof(ip));
			if (a[i].valid_s == 0xffffffffu)
				snprintf(v, sizeof(v), "forever");
			else
				snprintf(v, sizeof(v), "%us", a[i].valid_s);
			if (a[i].preferred_s == 0xffffffffu)
				snprintf(p, sizeof(p), "forever");
			else
				snprintf(p, sizeof(p), "%us", a[i].preferred_s);
			if (!out_line(fd, "addr6 %s %d %s/%d %s %s %s %s", name, a[i].ifindex, ip,
				      a[i].plen, a[i].state, a[i].origin, v, p))
				return false;
		}
	}
	return true;
}

/* "neigh STACK IFINDEX ADDR MAC STATE router|-" for ARP and NDP entries */
static bool answer_neigh(struct tool_ctl *c, int fd)
{
	for (int s = 0; s < c->n; s++) {
		struct ustack_neigh n4[256];
		struct ustack_neigh6 n6[256];
		size_t k4 = ustack_neighbours(c->st[s], n4, 256);
		size_t k6 = ustack_neighbours6(c->st[s], n6, 256);
		char name[64], ip[INET6_ADDRSTRLEN], mac[18];

		word_name(c->st[s], name, sizeof(name));
		for (size_t i = 0; i < k4 + k6; i++) {
			const uint8_t *m = i < k4 ? n4[i].mac : n6[i - k4].mac;

			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
				 m[3], m[4], m[5]);
			if (i < k4)
				inet_ntop(AF_INET, &n4[i].addr, ip, sizeof(ip));
			else
				inet_ntop(AF_INET6, &n6[i - k4].addr, ip, sizeof(ip));
			if (!out_line(fd, "neigh %s %d %s %s %s %s", name,
				      i < k4 ? n4[i].ifindex : n6[i - k4].ifindex, ip, mac,
				      i < k4 ? n4[i].state : n6[i - k4].state,
				      i >= k4 && n6[i - k4].router ? "router" : "-"))
				return false;
		}
	}
	return true;
}

/* "route STACK DST/PLEN GATEWAY|- IFINDEX ORIGIN EXPIRES" (seconds; "never"), both
 * families: IPv4's table, then IPv6's */
static bool answer_routes(struct tool_ctl *c, int fd)
{
	for (int s = 0; s < c->n; s++) {
		struct ustack_route r[256];
		size_t n = ustack_routes(c->st[s], r, 256);
		char name[64];

		word_name(c->st[s], name, sizeof(name));
		for (size_t i = 0; i < n; i++) {
			char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN] = "-", exp[16] = "never";
			bool v6 = r[i].family == AF_INET6;

			inet_ntop(r[i].family, v6 ? (const void *)&r[i].dst6 : (const void *)&r[i].dst,
				  dst, sizeof(dst));
			if (r[i].has_gw)
				inet_ntop(r[i].family, v6 ? (const void *)&r[i].gw6 : (const void *)&r[i].gw,
					  gw, sizeof(gw));
			if (r[i].expires_s != 0xffffffffu)
				snprintf(exp, sizeof(exp), "%us", r[i].expires_s);
			if (!out_line(fd, "route %s %s/%d %s %d %s %s", name, dst, r[i].prefix_len, gw,
				      r[i].ifindex, r[i].origin, exp))
				return false;
		}
	}
	return true;
}

/* Reads one request line (bounded in size and time). */
static bool read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	uint64_t end = ustack_clock_us() + (uint64_t)CTL_IO_TIMEOUT_MS * 1000u;

	while (len + 1 < cap) {
		uint64_t now = ustack_clock_us();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (now >= end || poll(&p, 1, (int)((end - now) / 1000u) + 1) <= 0)
			return false;
		r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return len > 0;
}

static void serve_client(struct tool_ctl *c, int fd)
{
	char req[CTL_REQ_MAX];
	bool ok;

	if (!read_request(fd, req, sizeof(req)))
		return;
	if (!strcmp(req, "sockets"))
		ok = answer_sockets(c, fd);
	else if (!strcmp(req, "stats"))
		ok = answer_stats(c, fd);
	else if (!strcmp(req, "ping"))
		ok = out_line(fd, "pong");
	else if (!strcmp(req, "addrs"))
		ok = answer_addrs(c, fd);
	else if (!strcmp(req, "neigh"))
		ok = answer_neigh(c, fd);
	else if (!strcmp(req, "routes"))
		ok = answer_routes(c, fd);
	else
		ok = out_line(fd, "error unknown request");
	if (ok)
		out_line(fd, "end");
}

static void *ctl_thread(void *arg)
{
	struct tool_ctl *c = arg;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = c->lfd, .events = POLLIN },
			{ .fd = c->wake[0], .events = POLLIN },
		};
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			continue;
		serve_client(c, fd);
		close(fd);
	}
	return NULL;
}

/* True if something answers at path. */
static bool path_is_live(const char *path)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	live = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return live;
}

struct tool_ctl *tool_ctl_start(struct ustack *const *stacks, int n, const char *path)
{
	struct tool_ctl *c;
	struct sockaddr_un sun;
	struct stat sb;

	if (n < 1 || n > TOOL_MAX_HOSTS) {
		errno = EINVAL;
		fprintf(stderr, "ustack: control socket: bad number of stacks\n");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(stderr, "ustack: out of memory\n");
		return NULL;
	}
	c->lfd = -1;
	c->wake[0] = c->wake[1] = -1;
	c->n = n;
	memcpy(c->st, stacks, (size_t)n * sizeof(stacks[0]));
	if (path) {
		if (strlen(path) >= sizeof(c->path)) {
			errno = ENAMETOOLONG;
			fprintf(stderr, "ustack: control socket path too long: %s\n", path);
			goto err_free;
		}
		snprintf(c->path, sizeof(c->path), "%s", path);
	} else {
		tool_ctl_default_path(c->path, sizeof(c->path));
	}
	/* A socket file nobody serves is left from a process that died: replace it.
	 * Anything else at the path is not ours to remove. */
	if (lstat(c->path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode) || path_is_live(c->path)) {
			errno = EADDRINUSE;
			fprintf(stderr, "ustack: control socket %s: in use\n", c->path);
			goto err_free;
		}
		unlink(c->path);
	}
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->lfd < 0)
		goto err_sys;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	if (bind(c->lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto err_sys;
	if (listen(c->lfd, 8) < 0 || pipe2(c->wake, O_CLOEXEC) < 0)
		goto err_unlink;
	errno = pthread_create(&c->thread, NULL, ctl_thread, c);
	if (errno)
		goto err_unlink;
	return c;
err_unlink:
	unlink(c->path);
err_sys:
	fprintf(stderr, "ustack: control socket %s: %s\n", c->path, strerror(errno));
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->wake[0] >= 0) {
		close(c->wake[0]);
		close(c->wake[1]);
	}
err_free:
	free(c);
	return NULL;
}

const char *tool_ctl_path(const struct tool_ctl *c)
{
	return c ? c->path : NULL;
}

void tool_ctl_stop(struct tool_ctl *c)
{
	char one = 1;

	if (!c)
		return;
	if (write(c->wake[1], &one, 1) != 1) {
		/* the pipe is empty and ours: cannot fail in practice */
	}
	pthread_join(c->thread, NULL);
	unlink(c->path);
	close(c->lfd);
	close(c->wake[0]);
	close(c->wake[1]);
	free(c);
}

/* --- client --- */

int tool_ctl_query(const char *path, const char *request, FILE *out, char *err, size_t errcap)
{
	struct sockaddr_un sun;
	char buf[4096], line[1024];
	size_t llen = 0;
	bool ended = false;
	uint64_t end;
	int fd, e;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errcap, "%s: path too long", path);
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err_sys;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto err_sys;
	snprintf(buf, sizeof(buf), "%s\n", request);
	if (!write_all(fd, buf, strlen(buf)))
		goto err_sys;
	end = ustack_clock_us() + 5u * 1000000u;
	while (!ended) {
		uint64_t now = ustack_clock_us();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (now >= end || poll(&p, 1, (int)((end - now) / 1000u) + 1) <= 0) {
			snprintf(err, errcap, "%s: no answer", path);
			close(fd);
			errno = ETIMEDOUT;
			return -1;
		}
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto err_sys;
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r && !ended; i++) {
			if (buf[i] != '\n') {
				if (llen + 1 < sizeof(line))
					line[llen++] = buf[i];
				continue;
			}
			line[llen] = '\0';
			llen = 0;
			if (!strcmp(line, "end"))
				ended = true;
			else
				fprintf(out, "%s\n", line);
		}
	}
	close(fd);
	if (!ended) {
		snprintf(err, errcap, "%s: answer cut short", path);
		errno = EPROTO;
		return -1;
	}
	return 0;
err_sys:
	e = errno;
	snprintf(err, errcap, "%s: %s", path, strerror(e));
	if (fd >= 0)
		close(fd);
	errno = e;
	return -1;
}

static bool is_ctl_name(const char *name)
{
	size_t n = strlen(name);

	return n > 11 && !strncmp(name, "ustack-", 7) && !strcmp(name + n - 4, ".ctl");
}

int tool_ctl_find(char *buf, size_t cap, char *err, size_t errcap)
{
	const char *dirs[2] = { getenv("XDG_RUNTIME_DIR"), "/tmp" };
	char first[sizeof(((struct sockaddr_un *)0)->sun_path)] = "";
	int found = 0;

	if (dirs[0] && (!*dirs[0] || !strcmp(dirs[0], "/tmp")))
		dirs[0] = NULL;
	for (int d = 0; d < 2; d++) {
		DIR *dir;
		struct dirent *de;

		if (!dirs[d] || !(dir = opendir(dirs[d])))
			continue;
		/* Bounded: a directory listing is finite; stop counting past two. */
		while ((de = readdir(dir)) && found < 2) {
			char path[sizeof(first)];
			struct stat sb;

			if (!is_ctl_name(de->d_name))
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", dirs[d], de->d_name) >=
			    (int)sizeof(path))
				continue;
			if (lstat(path, &sb) < 0 || !S_ISSOCK(sb.st_mode) || !path_is_live(path))
				continue;
			if (found++ == 0)
				snprintf(first, sizeof(first), "%s", path);
		}
		closedir(dir);
	}
	if (found == 0) {
		snprintf(err, errcap, "no running ustack process found (no live ustack-*.ctl in %s%s)",
			 dirs[0] ? "$XDG_RUNTIME_DIR or " : "", "/tmp");
		return -1;
	}
	if (found > 1) {
		snprintf(err, errcap, "several ustack processes are running: choose one with --ctl PATH");
		return -1;
	}
	snprintf(buf, cap, "%s", first);
	return 0;
}
