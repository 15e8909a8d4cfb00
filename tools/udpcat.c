/* udpcat.c - `ustack udpcat` (hidden, for the interop tests): UDP datagrams of chosen
 * sizes between a ustack host and a peer, checked byte for byte.
 *
 *   ustack udpcat [net options] send HOST PORT SIZE...   one datagram per SIZE
 *   ustack udpcat [net options] recv PORT COUNT          print "LEN ok|bad from A:P" per datagram
 *   ustack udpcat [net options] refused HOST PORT        a connected socket sends to a closed
 *                                                        port: prints the error (exit 0 if
 *                                                        ECONNREFUSED)
 * Payload byte i is (i % 251), so a datagram cut or reordered inside does not look whole.
 * HOST is an IPv4 or an IPv6 address (an AF_INET6 socket then; "ADDR%N": sin6_scope_id
 * N, ustack's interface index + 1). Options: -W SECS (recv/refused wait, default 5),
 * --lport N (the local port), --join GROUP (recv: IP_ADD_MEMBERSHIP or IPV6_JOIN_GROUP
 * of GROUP first, on an AF_INET6 socket for an IPv6 group, and leaving it at the end). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cmds.h"
#include "common.h"
#include "ustack/socket.h"

#define UDPCAT_MAX 65507

static const char udpcat_usage[] =
	"usage: ustack udpcat [-W SECS] [--lport N] [network options] send HOST PORT SIZE...\n"
	"       ustack udpcat [-W SECS] [--join GROUP] [network options] recv PORT COUNT\n"
	"       ustack udpcat [-W SECS] [--lport N] [network options] refused HOST PORT\n"
	"       (HOST and GROUP: IPv4 or IPv6, ADDR%N with a scope id)\n";

static void fill(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i % 251);
}

static bool check(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != (uint8_t)(i % 251))
			return false;
	return true;
}

/* "a.b.c.d", or an IPv6 literal with an optional "%N" scope id, into *ss (port 0). */
static int parse_addr(const char *txt, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char buf[INET6_ADDRSTRLEN + 16];
	char *pct;

	memset(ss, 0, sizeof(*ss));
	if (tool_parse_ip(txt, &sin->sin_addr) == 0) {
		sin->sin_family = AF_INET;
		*len = sizeof(*sin);
		return 0;
	}
	if (strlen(txt) >= sizeof(buf))
		return -1;
	strcpy(buf, txt);
	pct = strchr(buf, '%');
	if (pct) {
		unsigned long long scope;

		*pct = '\0';
		if (tool_parse_uint(pct + 1, 0xffffffffu, &scope) < 0)
			return -1;
		sin6->sin6_scope_id = (uint32_t)scope;
	}
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1)
		return -1;
	sin6->sin6_family = AF_INET6;
	*len = sizeof(*sin6);
	return 0;
}

static bool is_group(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_MULTICAST(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 28) == 0xe;
}

static int open_socket(struct ustack *st, int family, unsigned long long lport)
{
	struct sockaddr_storage sa;
	socklen_t salen = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fd = ustack_socket(st, family, SOCK_DGRAM, 0);

	if (fd < 0) {
		fprintf(stderr, "udpcat: socket: %s\n", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.ss_family = (sa_family_t)family;
	if (family == AF_INET6)
		((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)lport);
	else
		((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)lport);
	if (lport && ustack_bind(st, fd, (struct sockaddr *)&sa, salen) < 0) {
		fprintf(stderr, "udpcat: bind port %llu: %s\n", lport, strerror(errno));
		ustack_close(st, fd);
		return -1;
	}
	return fd;
}

static void set_timeout(struct ustack *st, int fd, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int do_send(struct ustack *st, const struct sockaddr_storage *to, socklen_t tolen,
		   unsigned long long lport, char **sizes, int n)
{
	uint8_t *buf = malloc(UDPCAT_MAX);
	int fd, rc = 0;

	if (!buf)
		return 1;
	fill(buf, UDPCAT_MAX);
	fd = open_socket(st, to->ss_family, lport);
	if (fd < 0) {
		free(buf);
		return 1;
	}
	for (int i = 0; i < n && !tool_should_stop(); i++) {
		unsigned long long len;

		tool_parse_uint(sizes[i], UDPCAT_MAX, &len);   /* checked by the caller */
		if (ustack_sendto(st, fd, buf, (size_t)len, 0, (struct sockaddr *)to, tolen) !=
		    (ssize_t)len) {
			fprintf(stderr, "udpcat: send %llu bytes: %s\n", len, strerror(errno));
			rc = 1;
		} else {
			printf("sent %llu\n", len);
		}
		tool_sleep_ms(20);   /* let each go out (and the peer read it) in order */
	}
	fflush(stdout);
	ustack_close(st, fd);
	free(buf);
	return rc;
}

/* IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP (add) or the drop of group on the interface it
 * routes by (an IPv6 group's scope id names one). */
static int membership(struct ustack *st, int fd, const struct sockaddr_storage *group, bool add)
{
	int rc;

	if (group->ss_family == AF_INET6) {
		const struct sockaddr_in6 *g = (const struct sockaddr_in6 *)group;
		struct ipv6_mreq m = { .ipv6mr_multiaddr = g->sin6_addr,
				       .ipv6mr_interface = g->sin6_scope_id };

		rc = ustack_setsockopt(st, fd, IPPROTO_IPV6, add ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP,
				       &m, sizeof(m));
	} else {
		struct ip_mreq m = { .imr_multiaddr = ((const struct sockaddr_in *)group)->sin_addr };

		rc = ustack_setsockopt(st, fd, IPPROTO_IP, add ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP,
				       &m, sizeof(m));
	}
	if (rc < 0) {
		fprintf(stderr, "udpcat: %s: %s\n", add ? "join" : "leave", strerror(errno));
		return -1;
	}
	return 0;
}

static int do_recv(struct ustack *st, unsigned long long port, unsigned long long count,
		   unsigned wait_ms, const struct sockaddr_storage *group)
{
	uint8_t *buf = malloc(UDPCAT_MAX + 1);
	uint64_t end = ustack_clock_us() + (uint64_t)wait_ms * 1000u;
	unsigned long long got = 0;
	int fd, rc = 0;

	if (!buf)
		return 1;
	fd = open_socket(st, group ? group->ss_family : AF_INET, port);
	if (fd < 0) {
		free(buf);
		return 1;
	}
	if (group && membership(st, fd, group, true) < 0) {
		ustack_close(st, fd);
		free(buf);
		return 1;
	}
	/* Scripts wait for this line before they send. */
	fprintf(stderr, "udpcat: listening on port %llu\n", port);
	set_timeout(st, fd, 100);
	while (got < count && !tool_should_stop() && ustack_clock_us() < end) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		char ip[INET6_ADDRSTRLEN];
		ssize_t r = ustack_recvfrom(st, fd, buf, UDPCAT_MAX + 1, 0, (struct sockaddr *)&from,
					    &flen);

		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
			    errno == ETIMEDOUT)
				continue;
			fprintf(stderr, "udpcat: recv: %s\n", strerror(errno));
			rc = 1;
			break;
		}
		got++;
		if (from.ss_family == AF_INET6) {
			const struct sockaddr_in6 *f6 = (const struct sockaddr_in6 *)&from;

			printf("%zd %s from [%s]:%u\n", r, check(buf, (size_t)r) ? "ok" : "bad",
			       inet_ntop(AF_INET6, &f6->sin6_addr, ip, sizeof(ip)),
			       (unsigned)ntohs(f6->sin6_port));
		} else {
			const struct sockaddr_in *f4 = (const struct sockaddr_in *)&from;

			printf("%zd %s from %s:%u\n", r, check(buf, (size_t)r) ? "ok" : "bad",
			       tool_ip_str(f4->sin_addr, ip), (unsigned)ntohs(f4->sin_port));
		}
		fflush(stdout);
	}
	if (got < count) {
		fprintf(stderr, "udpcat: %llu of %llu datagrams\n", got, count);
		rc = 1;
	}
	if (group && membership(st, fd, group, false) < 0)
		rc = 1;
	ustack_close(st, fd);
	free(buf);
	return rc;
}

static int do_refused(struct ustack *st, const struct sockaddr_storage *to, socklen_t tolen,
		      unsigned long long lport, unsigned wait_ms)
{
	uint64_t end = ustack_clock_us() + (uint64_t)wait_ms * 1000u;
	char byte = 'x';
	int fd = open_socket(st, to->ss_family, lport), err = 0;

	if (fd < 0)
		return 1;
	if (ustack_connect(st, fd, (struct sockaddr *)to, tolen) < 0) {
		fprintf(stderr, "udpcat: connect: %s\n", strerror(errno));
		ustack_close(st, fd);
		return 1;
	}
	set_timeout(st, fd, 100);
	/* The port unreachable comes back after the first datagram; POSIX reports it on a
	 * later call on the connected socket. */
	if (ustack_send(st, fd, &byte, 1, 0) < 0)
		err = errno;
	while (!err && !tool_should_stop() && ustack_clock_us() < end) {
		char buf[16];

		if (ustack_recv(st, fd, buf, sizeof(buf), 0) < 0 && errno != EAGAIN &&
		    errno != EWOULDBLOCK && errno != EINTR && errno != ETIMEDOUT)
			err = errno;
	}
	ustack_close(st, fd);
	if (!err) {
		printf("no error\n");
		return 1;
	}
	printf("%s\n", err == ECONNREFUSED ? "ECONNREFUSED" : strerror(err));
	return err == ECONNREFUSED ? 0 : 1;
}

int cmd_udpcat(int argc, char **argv)
{
	static const struct tool_host_spec hosts[1] = { { .name = "udpcat", .addr = "10.0.0.1/24" } };
	struct tool_opts o;
	struct tool_net *net;
	unsigned long long lport = 0, port = 0, count = 0;
	double wait = 5.0;
	char *pos[64];
	int npos = 0, rc;
	struct sockaddr_storage to, group;
	socklen_t tolen = 0, glen;
	bool join = false;

	tool_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int r;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("%s\n%s", udpcat_usage, TOOL_COMMON_HELP);
			return 0;
		}
		r = tool_opt_common(&o, "udpcat", udpcat_usage, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (tool_opt_is(a, "--join")) {
			v = tool_opt_value("udpcat", udpcat_usage, argc, argv, &i);
			if (!v)
				return 2;
			if (parse_addr(v, &group, &glen) < 0 || !is_group(&group))
				return tool_usage_error("udpcat", udpcat_usage, "bad group '%s'", v);
			join = true;
		} else if (!strcmp(a, "-W") || tool_opt_is(a, "--lport")) {
			v = tool_opt_value("udpcat", udpcat_usage, argc, argv, &i);
			if (!v)
				return 2;
			if (a[1] == 'W' ? tool_parse_double(v, 0.001, 3600.0, &wait) < 0
					: tool_parse_uint(v, 65535, &lport) < 0)
				return tool_usage_error("udpcat", udpcat_usage, "bad value '%s' for %s", v, a);
		} else if (a[0] == '-' && a[1]) {
			return tool_usage_error("udpcat", udpcat_usage, "unknown option %s", a);
		} else if (npos < (int)(sizeof(pos) / sizeof(pos[0]))) {
			pos[npos++] = argv[i];
		} else {
			return tool_usage_error("udpcat", udpcat_usage, "too many arguments");
		}
	}
	if (npos < 1)
		return tool_usage_error("udpcat", udpcat_usage, "missing mode (send, recv, refused)");
	if (!strcmp(pos[0], "send") || !strcmp(pos[0], "refused")) {
		bool send = pos[0][0] == 's';

		if (send ? npos < 4 : npos != 3)
			return tool_usage_error("udpcat", udpcat_usage, "%s: wrong arguments", pos[0]);
		if (parse_addr(pos[1], &to, &tolen) < 0)
			return tool_usage_error("udpcat", udpcat_usage, "bad address '%s'", pos[1]);
		if (tool_parse_uint(pos[2], 65535, &port) < 0 || !port)
			return tool_usage_error("udpcat", udpcat_usage, "bad port '%s'", pos[2]);
		if (to.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&to)->sin6_port = htons((uint16_t)port);
		else
			((struct sockaddr_in *)&to)->sin_port = htons((uint16_t)port);
		for (int i = 3; i < npos; i++)
			if (tool_parse_uint(pos[i], UDPCAT_MAX, &count) < 0)
				return tool_usage_error("udpcat", udpcat_usage, "bad size '%s'", pos[i]);
	} else if (!strcmp(pos[0], "recv")) {
		if (npos != 3 || tool_parse_uint(pos[1], 65535, &port) < 0 || !port ||
		    tool_parse_uint(pos[2], 1000000, &count) < 0)
			return tool_usage_error("udpcat", udpcat_usage, "recv: wrong arguments");
	} else {
		return tool_usage_error("udpcat", udpcat_usage, "unknown mode '%s'", pos[0]);
	}
	tool_signals_install();
	net = o.tap ? tool_net_tap(&o, "udpcat") : tool_net_vnet(&o, hosts, 1);
	if (!net)
		return 1;
	if (pos[0][0] == 's')
		rc = do_send(net->st[0], &to, tolen, lport, pos + 3, npos - 3);
	else if (pos[0][0] == 'r' && pos[0][2] == 'c')
		rc = do_recv(net->st[0], port, count, (unsigned)(wait * 1000.0),
			     join ? &group : NULL);
	else
		rc = do_refused(net->st[0], &to, tolen, lport, (unsigned)(wait * 1000.0));
	tool_net_free(net);
	return rc;
}
