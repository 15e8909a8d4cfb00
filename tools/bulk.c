/* bulk.c - `ustack bulk`: TCP throughput, and proof that the stream arrived intact.
 *
 * The client sends N bytes of pseudo-random data, shuts its write side down and waits
 * for the server to close; the server reads until end of stream. Both print the bytes,
 * the seconds, Gbit/s and the SHA-256 of the stream (sha256.c), which must agree. The
 * server reads any sender (`socat -u FILE TCP:host:5001`, `nc -N host 5001 < FILE`).
 *
 * With --server --reply, after end of stream the server sends one line back before it
 * closes, "sha256 HEX bytes N": a half-closed connection still carries data the other
 * way (`nc -N` prints it). The client reads whatever comes back after its own
 * shutdown; if the reply holds a 64-digit hex digest (the line above, or sha256sum's
 * output from `socat TCP-LISTEN:5001 SYSTEM:sha256sum`) it must equal the client's.
 *
 * With --tap one end runs here and the other elsewhere (--server or --client HOST);
 * without --tap both ends run in this process on an in-process network (client
 * 10.0.0.2 -> server 10.0.0.1) and the two digests are compared.
 *
 * Both families: the server listens on one dual-stack AF_INET6 socket on :: (IPv4
 * peers shown as dotted quads), the client connects to an IPv6 or IPv4 HOST
 * (`--client 2001:db8::1` with --addr6). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <ustack/netdb.h>
#include <ustack/socket.h>

#include "cmds.h"
#include "common.h"
#include "linger.h"
#include "sha256.h"

#define BULK_USAGE \
	"usage: ustack bulk --server [--port N] [--once] [--reply]   (with --tap or --dev)\n" \
	"       ustack bulk --client HOST [--bytes N] [--port N]   (with --tap or --dev)\n" \
	"       ustack bulk [--bytes N] [--hold SECONDS]   (no --tap: client and server in this process)\n" \
	"  --server           receive streams until SIGINT/SIGTERM, one after another (IPv4 and\n" \
	"                     IPv6: one listener on ::)\n" \
	"  --once             with --server: exit after the first stream\n" \
	"  --reply            with --server: after end of stream, send \"sha256 HEX bytes N\" back\n" \
	"  --client HOST      send a stream to HOST (an IPv4 or IPv6 address, or a name, see --dns)\n" \
	"  --bytes N          stream length; suffixes K, M, G (x1024) (default 64M)\n" \
	"  --port N           TCP port (default 5001)\n" \
	"  --no-digest        no SHA-256 (and the client sends one random block over and over):\n" \
	"                     throughput without the hashing's cost (bench/bench_tap.sh)\n" \
	"  --timeout SECONDS  give up when the stream makes no progress for this long (default 30)\n" \
	"  --hold SECONDS     without --tap: keep both hosts (and the listener) up this long after\n" \
	"                     the stream, for `ustack netstat` (TIME_WAIT); SIGINT/SIGTERM end it\n"

#define BULK_CHUNK 65536
/* The receiver reads up to 1 MiB at a time, as the Linux end of bench_tap.sh does
 * (bench/tap_peer.py): one lock round trip and one window check per MiB, not per
 * 64 KiB, when the ring holds that much. */
#define BULK_RECV_CHUNK (1024 * 1024)
#define BULK_SLICE_MS 100

struct bulk_result {
	uint64_t bytes;
	double secs;
	uint8_t digest[SHA256_DIGEST_LEN];
	struct sockaddr_in6 peer;       /* sockaddr_in for an IPv4 peer of the client */
	char reply[256];             /* client: what the server sent back (first line) */
	char error[160];
};

static unsigned bulk_timeout_ms = 30000;
static bool bulk_digest = true;

/* 1 ready, 0 no progress within the timeout, -1 stop requested or poll failed. */
static int bulk_wait(struct ustack *st, int fd, short events, unsigned timeout_ms)
{
	uint64_t deadline = ustack_clock_us() + (uint64_t)timeout_ms * 1000;

	for (;;) {
		if (tool_should_stop())
			return -1;
		uint64_t now = ustack_clock_us();
		if (now >= deadline)
			return 0;
		struct pollfd p = { .fd = fd, .events = events };
		int n = ustack_poll(st, &p, 1, BULK_SLICE_MS);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0 && p.revents)
			return 1;
	}
}

static const char *wait_error(int w)
{
	return w == 0 ? "no progress (timed out)" : tool_should_stop() ? "interrupted" : strerror(errno);
}

/* Reads fd to end of stream, hashing. The clock starts at the call. */
static int bulk_receive(struct ustack *st, int fd, struct bulk_result *r)
{
	struct sha256 h;
	uint8_t *buf = malloc(BULK_RECV_CHUNK);
	uint64_t t0 = ustack_clock_us();
	int rc = -1;

	if (!buf) {
		snprintf(r->error, sizeof r->error, "out of memory");
		return -1;
	}
	sha256_init(&h);
	r->bytes = 0;
	for (;;) {
		ssize_t n = ustack_recv(st, fd, buf, BULK_RECV_CHUNK, 0);
		if (n > 0) {
			if (bulk_digest)
				sha256_update(&h, buf, (size_t)n);
			r->bytes += (uint64_t)n;
			continue;
		}
		if (n == 0) {
			rc = 0;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			snprintf(r->error, sizeof r->error, "recv: %s", strerror(errno));
			break;
		}
		int w = bulk_wait(st, fd, POLLIN, bulk_timeout_ms);
		if (w <= 0) {
			snprintf(r->error, sizeof r->error, "recv: %s", wait_error(w));
			break;
		}
	}
	r->secs = (double)(ustack_clock_us() - t0) / 1e6;
	sha256_final(&h, r->digest);
	free(buf);
	return rc;
}

/* xorshift64*: the stream's bytes. */
static void fill_random(uint8_t *buf, size_t len, uint64_t *state)
{
	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t x = *state;
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		*state = x;
		x *= 0x2545f4914f6cdd1dULL;
		memcpy(buf + i, &x, 8);
	}
}

/* Sends n bytes, shuts the write side, waits for the peer's close. */
static int bulk_send(struct ustack *st, int fd, uint64_t n, uint64_t seed, struct bulk_result *r)
{
	struct sha256 h;
	uint8_t *buf = malloc(BULK_CHUNK);
	uint64_t state = seed ? seed : 0x9e3779b97f4a7c15ULL;
	uint64_t t0 = ustack_clock_us();
	int rc = -1;

	if (!buf) {
		snprintf(r->error, sizeof r->error, "out of memory");
		return -1;
	}
	sha256_init(&h);
	r->bytes = 0;
	while (r->bytes < n) {
		size_t len = n - r->bytes < BULK_CHUNK ? (size_t)(n - r->bytes) : BULK_CHUNK;
		if (bulk_digest || r->bytes == 0)
			fill_random(buf, BULK_CHUNK, &state);
		if (bulk_digest)
			sha256_update(&h, buf, len);
		size_t off = 0;
		while (off < len) {
			ssize_t w = ustack_send(st, fd, buf + off, len - off, 0);
			if (w > 0) {
				off += (size_t)w;
				continue;
			}
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				int wt = bulk_wait(st, fd, POLLOUT, bulk_timeout_ms);
				if (wt > 0)
					continue;
				snprintf(r->error, sizeof r->error, "send: %s", wait_error(wt));
			} else {
				snprintf(r->error, sizeof r->error, "send: %s", strerror(errno));
			}
			goto out;
		}
		r->bytes += len;
	}
	if (ustack_shutdown(st, fd, SHUT_WR) < 0) {
		snprintf(r->error, sizeof r->error, "shutdown: %s", strerror(errno));
		goto out;
	}
	/* The server closes once it has read everything: its FIN ends our clock. What
	 * it sends before (a reply on the half-closed connection) is kept. */
	size_t rlen = 0;
	for (;;) {
		ssize_t got = ustack_recv(st, fd, buf, BULK_CHUNK, 0);
		if (got == 0) {
			rc = 0;
			break;
		}
		if (got > 0) {
			size_t take = (size_t)got;
			if (take > sizeof r->reply - 1 - rlen)
				take = sizeof r->reply - 1 - rlen;
			memcpy(r->reply + rlen, buf, take);
			rlen += take;
			r->reply[rlen] = '\0';
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			snprintf(r->error, sizeof r->error, "waiting for the server to close: %s",
				 strerror(errno));
			break;
		}
		int w = bulk_wait(st, fd, POLLIN, bulk_timeout_ms);
		if (w <= 0) {
			snprintf(r->error, sizeof r->error, "waiting for the server to close: %s",
				 wait_error(w));
			break;
		}
	}
out:
	r->secs = (double)(ustack_clock_us() - t0) / 1e6;
	sha256_final(&h, r->digest);
	free(buf);
	return rc;
}

/* "a.b.c.d:port" (an IPv4 peer, or one mapped into IPv6) or "[v6]:port". */
static const char *peer_str(const struct sockaddr_in6 *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sin6_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		snprintf(buf, len, "%s:%u", inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip),
			 ntohs(s4->sin_port));
	} else if (IN6_IS_ADDR_V4MAPPED(&sa->sin6_addr)) {
		snprintf(buf, len, "%s:%u", inet_ntop(AF_INET, &sa->sin6_addr.s6_addr[12], ip, sizeof ip),
			 ntohs(sa->sin6_port));
	} else {
		snprintf(buf, len, "[%s]:%u", inet_ntop(AF_INET6, &sa->sin6_addr, ip, sizeof ip),
			 ntohs(sa->sin6_port));
	}
	return buf;
}

static void print_result(const char *who, const char *verb, const char *dir,
			 const struct bulk_result *r)
{
	char hex[65], peer[INET6_ADDRSTRLEN + 10];
	double gbps = r->secs > 0 ? (double)r->bytes * 8 / r->secs / 1e9 : 0;

	if (bulk_digest)
		sha256_hex(r->digest, hex);
	else
		snprintf(hex, sizeof(hex), "not computed");
	printf("%s: %s %llu bytes %s %s in %.3f s = %.3f Gbit/s, sha256 %s\n", who, verb,
	       (unsigned long long)r->bytes, dir, peer_str(&r->peer, peer, sizeof peer), r->secs,
	       gbps, hex);
	fflush(stdout);
}

/* The first 64-digit hex run in s, or NULL. */
static const char *find_digest(const char *s)
{
	for (size_t run = 0; *s; s++) {
		bool hex = (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f');
		run = hex ? run + 1 : 0;
		if (run == 64 && !((s[1] >= '0' && s[1] <= '9') || (s[1] >= 'a' && s[1] <= 'f')))
			return s - 63;
	}
	return NULL;
}

/* Prints the server's reply; returns -1 if it names a digest other than ours. */
static int check_reply(const struct bulk_result *r)
{
	char hex[65];
	size_t l = strcspn(r->reply, "\r\n");

	if (!r->reply[0])
		return 0;
	printf("client: the server replied: %.*s\n", (int)l, r->reply);
	const char *d = find_digest(r->reply);
	if (!d)
		return 0;
	sha256_hex(r->digest, hex);
	if (memcmp(d, hex, 64)) {
		printf("peer sha256 MISMATCH\n");
		return -1;
	}
	printf("peer sha256 match\n");
	return 0;
}

/* After end of stream: "sha256 HEX bytes N\n" back on the half-closed connection. */
static int send_reply(struct ustack *st, int fd, struct bulk_result *r)
{
	char line[128], hex[65];
	sha256_hex(r->digest, hex);
	int n = snprintf(line, sizeof line, "sha256 %s bytes %llu\n", hex, (unsigned long long)r->bytes);
	int off = 0;
	while (off < n) {
		ssize_t w = ustack_send(st, fd, line + off, (size_t)(n - off), 0);
		if (w > 0) {
			off += (int)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			int wt = bulk_wait(st, fd, POLLOUT, bulk_timeout_ms);
			if (wt > 0)
				continue;
			snprintf(r->error, sizeof r->error, "reply: %s", wait_error(wt));
			return -1;
		}
		snprintf(r->error, sizeof r->error, "reply: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* A listener on port: one dual-stack socket on :: (IPv4 peers arrive mapped), or
 * 0.0.0.0 where the stack has no IPv6 sockets. */
static int bulk_listen(struct ustack *st, uint16_t port)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int e = 0;

	for (int v6 = 1; v6 >= 0; v6--) {
		int fd = ustack_socket(st, v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		int one = 1;

		if (fd < 0) {
			e = errno;
			continue;
		}
		ustack_setsockopt(st, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if ((v6 ? ustack_bind(st, fd, (struct sockaddr *)&s6, sizeof s6) :
			  ustack_bind(st, fd, (struct sockaddr *)&s4, sizeof s4)) == 0 &&
		    ustack_listen(st, fd, 16) == 0)
			return fd;
		e = errno;
		ustack_close(st, fd);
	}
	errno = e;
	return -1;
}

/* Accepts one connection (waiting until stop) and receives its stream. Returns 0, -1
 * on a failed stream, -2 when stopped before a client came. */
static int bulk_serve_one(struct ustack *st, int lfd, bool reply, struct bulk_result *r)
{
	memset(r, 0, sizeof *r);
	for (;;) {
		int w = bulk_wait(st, lfd, POLLIN, 1000);
		if (w < 0)
			return -2;
		if (w == 0)
			continue;
		socklen_t len = sizeof r->peer;
		int fd = ustack_accept4(st, lfd, (struct sockaddr *)&r->peer, &len, SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
			    errno == ECONNABORTED)
				continue;
			snprintf(r->error, sizeof r->error, "accept: %s", strerror(errno));
			return -1;
		}
		int rc = bulk_receive(st, fd, r);
		if (rc == 0 && reply)
			rc = send_reply(st, fd, r);
		ustack_close(st, fd);
		return rc;
	}
}

static int bulk_connect(struct ustack *st, const char *host, uint16_t port, struct bulk_result *r)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char service[8];

	snprintf(service, sizeof service, "%u", port);
	int g = ustack_getaddrinfo(st, host, service, &hints, &ai);
	if (g != 0 || !ai) {
		snprintf(r->error, sizeof r->error, "cannot resolve %s: %s", host,
			 g ? ustack_gai_strerror(g) : "no address");
		return -1;
	}
	socklen_t alen = ai->ai_addrlen < sizeof r->peer ? ai->ai_addrlen : sizeof r->peer;
	int family = ai->ai_family;

	memcpy(&r->peer, ai->ai_addr, alen);
	ustack_freeaddrinfo(ai);

	int fd = ustack_socket(st, family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(r->error, sizeof r->error, "socket: %s", strerror(errno));
		return -1;
	}
	int e = 0;
	if (ustack_connect(st, fd, (struct sockaddr *)&r->peer, alen) < 0) {
		e = errno;
		if (e == EINPROGRESS) {
			int w = bulk_wait(st, fd, POLLOUT, bulk_timeout_ms);
			socklen_t sl = sizeof e;
			if (w == 0)
				e = ETIMEDOUT;
			else if (w < 0)
				e = tool_should_stop() ? EINTR : errno;
			else if (ustack_getsockopt(st, fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
				e = errno;
		}
	}
	if (e) {
		char peer[INET6_ADDRSTRLEN + 10];
		snprintf(r->error, sizeof r->error, "connect to %s: %s",
			 peer_str(&r->peer, peer, sizeof peer), strerror(e));
		ustack_close(st, fd);
		return -1;
	}
	return fd;
}

/* --- both ends in one process -------------------------------------------- */

struct inproc_server {
	struct ustack *st;
	int lfd;
	struct bulk_result r;
	int rc;
};

static void *inproc_server_main(void *arg)
{
	struct inproc_server *s = arg;
	s->rc = bulk_serve_one(s->st, s->lfd, true, &s->r);
	return NULL;
}

/* Sleeps until ms have passed or a stop signal came; the stacks run on their own. */
static void hold_for(unsigned long long ms)
{
	struct timespec slice = { .tv_sec = 0, .tv_nsec = 20 * 1000000L };

	for (unsigned long long t = 0; t < ms && !tool_stop_requested; t += 20)
		nanosleep(&slice, NULL);
}

static int run_inproc(const struct tool_opts *o, uint64_t bytes, uint16_t port,
		      unsigned long long hold_s)
{
	const struct tool_host_spec hosts[2] = {
		{ .name = "client", .addr = "10.0.0.2/24" },
		{ .name = "server", .addr = "10.0.0.1/24" },
	};
	struct tool_net *net = tool_net_vnet(o, hosts, 2);
	if (!net)
		return 1;
	if (o->ctl && tool_net_serve_ctl(net, o) < 0) {
		tool_net_free(net);
		return 1;
	}
	struct inproc_server srv = { .st = net->st[1] };
	srv.lfd = bulk_listen(srv.st, port);
	if (srv.lfd < 0) {
		fprintf(stderr, "ustack bulk: cannot listen on port %u: %s\n", port, strerror(errno));
		tool_net_free(net);
		return 1;
	}
	pthread_t t;
	if (pthread_create(&t, NULL, inproc_server_main, &srv) != 0) {
		fprintf(stderr, "ustack bulk: cannot start the server thread\n");
		ustack_close(srv.st, srv.lfd);
		tool_net_free(net);
		return 1;
	}
	struct bulk_result cr = { 0 };
	int crc = -1;
	int fd = bulk_connect(net->st[0], "10.0.0.1", port, &cr);
	if (fd >= 0) {
		crc = bulk_send(net->st[0], fd, bytes, o->seed, &cr);
		ustack_close(net->st[0], fd);
	}
	if (crc < 0)
		tool_stop_requested = 1;    /* the server would wait for a client forever */
	pthread_join(t, NULL);
	tool_linger(net->st[0], 5000);
	tool_linger(net->st[1], 5000);

	int rc = 0;
	if (srv.rc == 0)
		print_result("server", "received", "from", &srv.r);
	else if (srv.rc == -1)
		fprintf(stderr, "ustack bulk: server: %s\n", srv.r.error);
	if (crc == 0) {
		print_result("client", "sent", "to", &cr);
		if (check_reply(&cr) < 0)
			crc = -1;
	} else {
		fprintf(stderr, "ustack bulk: client: %s\n", cr.error);
	}
	if (crc != 0 || srv.rc != 0) {
		rc = 1;
	} else if (srv.r.bytes != cr.bytes || memcmp(srv.r.digest, cr.digest, SHA256_DIGEST_LEN)) {
		printf("MISMATCH: the server did not receive what the client sent\n");
		rc = 1;
	} else {
		printf("sha256 match\n");
	}
	if (hold_s) {
		printf("holding both hosts for %llu s\n", hold_s);
		fflush(stdout);
		hold_for(hold_s * 1000);
	}
	ustack_close(srv.st, srv.lfd);
	tool_net_free(net);
	return rc;
}

/* ------------------------------------------------------------------------ */

/* "64M" -> 67108864 */
static int parse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t l = strlen(s);
	unsigned long long v, mul = 1;

	if (!l || l >= sizeof num)
		return -1;
	memcpy(num, s, l + 1);
	switch (num[l - 1]) {
	case 'k': case 'K': mul = 1ull << 10; break;
	case 'm': case 'M': mul = 1ull << 20; break;
	case 'g': case 'G': mul = 1ull << 30; break;
	default: break;
	}
	if (mul != 1)
		num[l - 1] = '\0';
	if (tool_parse_uint(num, (1ull << 50) / mul, &v) < 0)
		return -1;
	*out = v * mul;
	return 0;
}

int cmd_bulk(int argc, char **argv)
{
	struct tool_opts o;
	bool server = false, once = false, reply = false;
	const char *client = NULL;
	uint64_t bytes = 64ull << 20;
	unsigned long long port = 5001, timeout_s = 30, hold_s = 0;

	tool_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		int r = tool_opt_common(&o, "bulk", BULK_USAGE TOOL_COMMON_HELP, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("%s%s", BULK_USAGE, TOOL_COMMON_HELP);
			return 0;
		} else if (!strcmp(a, "--server") || !strcmp(a, "-s")) {
			server = true;
		} else if (!strcmp(a, "--once") || !strcmp(a, "-1")) {
			once = true;
		} else if (!strcmp(a, "--reply")) {
			reply = true;
		} else if (!strcmp(a, "--no-digest")) {
			bulk_digest = false;
		} else if (!strcmp(a, "-c") || tool_opt_is(a, "--client")) {
			if (!(client = tool_opt_value("bulk", BULK_USAGE, argc, argv, &i)))
				return 2;
		} else if (tool_opt_is(a, "--bytes") || !strcmp(a, "-n")) {
			const char *v = tool_opt_value("bulk", BULK_USAGE, argc, argv, &i);
			if (!v)
				return 2;
			if (parse_size(v, &bytes) < 0)
				return tool_usage_error("bulk", BULK_USAGE, "bad byte count '%s'", v);
		} else if (tool_opt_is(a, "--port") || !strcmp(a, "-p")) {
			if (tool_opt_uint("bulk", BULK_USAGE, argc, argv, &i, 1, 65535,
					 "port", &port))
				return 2;
		} else if (tool_opt_is(a, "--timeout")) {
			if (tool_opt_uint("bulk", BULK_USAGE, argc, argv, &i, 1, 86400,
					 "timeout", &timeout_s))
				return 2;
		} else if (tool_opt_is(a, "--hold")) {
			if (tool_opt_uint("bulk", BULK_USAGE, argc, argv, &i, 0, 86400,
					 "hold time", &hold_s))
				return 2;
		} else {
			return tool_usage_error("bulk", BULK_USAGE, "unknown argument '%s'", a);
		}
	}
	if (server && client)
		return tool_usage_error("bulk", BULK_USAGE, "--server and --client exclude each other");
	if (!o.tap && (server || client))
		return tool_usage_error("bulk", BULK_USAGE,
					"--server/--client need --tap or --dev (without them both ends run here)");
	if (o.tap && !server && !client)
		return tool_usage_error("bulk", BULK_USAGE, "with --tap or --dev, give --server or --client HOST");
	if (hold_s && o.tap)
		return tool_usage_error("bulk", BULK_USAGE, "--hold is for the in-process network (no --tap)");
	if ((once || reply) && !server)
		return tool_usage_error("bulk", BULK_USAGE, "--once and --reply go with --server");
	bulk_timeout_ms = (unsigned)timeout_s * 1000;

	tool_signals_install();
	if (!o.tap)
		return run_inproc(&o, bytes, (uint16_t)port, hold_s);

	struct tool_net *net = tool_net_tap(&o, server ? "bulk-server" : "bulk-client");
	if (!net)
		return 1;
	if (tool_net_serve_ctl(net, &o) < 0) {
		tool_net_free(net);
		return 1;
	}
	struct ustack *st = net->st[0];
	int rc = 0;
	if (server) {
		int lfd = bulk_listen(st, (uint16_t)port);
		if (lfd < 0) {
			fprintf(stderr, "ustack bulk: cannot listen on port %llu: %s\n", port, strerror(errno));
			tool_net_free(net);
			return 1;
		}
		char ip[16];
		printf("listening on %s:%llu\n", tool_ip_str(net->addr[0], ip), port);
		fflush(stdout);
		for (;;) {
			struct bulk_result r;
			int s = bulk_serve_one(st, lfd, reply, &r);
			if (s == -2)
				break;
			if (s == 0) {
				print_result("server", "received", "from", &r);
			} else {
				fprintf(stderr, "ustack bulk: server: %s\n", r.error);
				rc = 1;
			}
			if (once)
				break;
		}
		ustack_close(st, lfd);
		tool_linger(st, 10000);      /* the last reply and FIN */
	} else {
		struct bulk_result r = { 0 };
		int fd = bulk_connect(st, client, (uint16_t)port, &r);
		int s = fd >= 0 ? bulk_send(st, fd, bytes, o.seed, &r) : -1;
		if (fd >= 0)
			ustack_close(st, fd);
		/* The peer's FIN does not mean it has our data: wait for the ACKs. */
		if (!tool_linger(st, bulk_timeout_ms) && s == 0) {
			snprintf(r.error, sizeof r.error, "the peer did not acknowledge the whole stream");
			s = -1;
		}
		if (s == 0) {
			print_result("client", "sent", "to", &r);
			if (check_reply(&r) < 0)
				rc = 1;
		} else {
			fprintf(stderr, "ustack bulk: client: %s\n", r.error);
			rc = 1;
		}
	}
	tool_net_free(net);
	return rc;
}
