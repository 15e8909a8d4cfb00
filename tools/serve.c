/* serve.c - `ustack serve`: an HTTP/1.1 static file server (httpd.c) on a ustack host,
 * until SIGINT/SIGTERM. With --tap the host is on a Linux TAP device, so Linux tools
 * (curl, a browser) are the clients; without it the host is alone on an in-process
 * network, useful only to look at with `ustack netstat`. Its sockets are served on the
 * control socket. One access-log line per request goes to stderr (unless --quiet). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "cmds.h"
#include "common.h"
#include "httpd.h"
#include "linger.h"

#define SERVE_USAGE \
	"usage: ustack serve [--root DIR] [--port N] [--max-clients N] [--per-client N]\n" \
	"                    [--header-timeout S] [--keepalive-timeout S] [--threads N] [--quiet]\n" \
	"                    [--tap NAME --addr A.B.C.D/N [--gw A.B.C.D]] [--pcap FILE] [--trace] [--ctl PATH]\n" \
	"  --root DIR         directory to serve (default: the current directory)\n" \
	"  --port N           TCP port (default 80)\n" \
	"  --max-clients N    connections open at once (default 10000); when full, the oldest\n" \
	"                     idle keep-alive connection is closed to admit a new one\n" \
	"  --per-client N     connections from one address (default 256, 0: no cap); more are reset\n" \
	"  --header-timeout S the whole request head within S seconds of its first byte (default 10)\n" \
	"  --keepalive-timeout S  an idle keep-alive connection is closed after S seconds (default 15)\n" \
	"  --threads N        event loops sharing the listener (default 1)\n" \
	"  --quiet            no access log on stderr\n"

static void access_log(void *ctx, const struct httpd_request_info *info)
{
	(void)ctx;
	char ip[INET6_ADDRSTRLEN], when[64];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%d/%b/%Y %H:%M:%S", &tm);
	httpd_peer_text(&info->peer, ip, sizeof ip);
	/* the shape python's http.server prints */
	fprintf(stderr, "%s - - [%s] \"%s %s\" %d %llu\n", ip, when, info->method, info->target,
		info->status, (unsigned long long)info->body_bytes);
}

int cmd_serve(int argc, char **argv)
{
	struct tool_opts o;
	const char *root = ".";
	unsigned long long port = 80, max_clients = 10000, per_client = 256, head_s = 10,
			   idle_s = 15, threads = 1;
	bool quiet = false;

	tool_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		int r = tool_opt_common(&o, "serve", SERVE_USAGE TOOL_COMMON_HELP, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("%s%s", SERVE_USAGE, TOOL_COMMON_HELP);
			return 0;
		} else if (tool_opt_is(a, "--root")) {
			if (!(root = tool_opt_value("serve", SERVE_USAGE, argc, argv, &i)))
				return 2;
		} else if (tool_opt_is(a, "--port")) {
			if (tool_opt_uint("serve", SERVE_USAGE, argc, argv, &i, 1, 65535,
					 "port", &port))
				return 2;
		} else if (tool_opt_is(a, "--max-clients")) {
			if (tool_opt_uint("serve", SERVE_USAGE, argc, argv, &i, 1, 1000000,
					 "client count", &max_clients))
				return 2;
		} else if (tool_opt_is(a, "--per-client")) {
			if (tool_opt_uint("serve", SERVE_USAGE, argc, argv, &i, 0, 1000000,
					 "per-client count", &per_client))
				return 2;
		} else if (tool_opt_is(a, "--header-timeout")) {
			if (tool_opt_uint("serve", SERVE_USAGE, argc, argv, &i, 1, 3600,
					 "header timeout", &head_s))
				return 2;
		} else if (tool_opt_is(a, "--keepalive-timeout")) {
			if (tool_opt_uint("serve", SERVE_USAGE, argc, argv, &i, 1, 3600,
					 "keep-alive timeout", &idle_s))
				return 2;
		} else if (tool_opt_is(a, "--threads")) {
			if (tool_opt_uint("serve", SERVE_USAGE, argc, argv, &i, 1, 64,
					 "thread count", &threads))
				return 2;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = true;
		} else {
			return tool_usage_error("serve", SERVE_USAGE, "unknown argument '%s'", a);
		}
	}

	tool_signals_install();
	struct tool_net *net;
	if (o.tap) {
		net = tool_net_tap(&o, "serve");
	} else {
		const struct tool_host_spec host = { .name = "serve", .addr = "10.0.0.1/24" };
		fprintf(stderr, "ustack serve: no --tap: the server is alone on an in-process network "
				"(only `ustack netstat` can see it)\n");
		net = tool_net_vnet(&o, &host, 1);
	}
	if (!net)
		return 1;

	struct httpd_config cfg = {
		.root = root,
		.port = (uint16_t)port,
		.max_clients = (unsigned)max_clients,
		.per_client = per_client ? (unsigned)per_client : UINT_MAX,
		.head_timeout_ms = (unsigned)head_s * 1000,
		.idle_timeout_ms = (unsigned)idle_s * 1000,
		.threads = (unsigned)threads,
		.on_request = quiet ? NULL : access_log,
	};
	struct httpd *h = httpd_start(net->st[0], &cfg);
	if (!h) {
		fprintf(stderr, "ustack serve: cannot serve %s on port %llu: %s\n", root, port,
			strerror(errno));
		tool_net_free(net);
		return 1;
	}
	if (tool_net_serve_ctl(net, &o) < 0) {
		httpd_stop(h);
		tool_net_free(net);
		return 1;
	}
	char ip[16];
	printf("Serving HTTP on %s port %u (http://%s:%u/) from %s ...\n",
	       tool_ip_str(net->addr[0], ip), httpd_port(h), ip, httpd_port(h), root);
	fflush(stdout);

	tool_wait_for_signal();

	struct httpd_stats s;
	httpd_get_stats(h, &s);
	httpd_stop(h);
	tool_linger(net->st[0], 3000);
	printf("\nstopped: %llu connections, %llu requests (%llu 2xx, %llu 4xx, %llu 5xx), "
	       "%llu body bytes sent; %llu refused (per-client cap), %llu evicted (idle), "
	       "%llu head timeouts\n",
	       (unsigned long long)s.connections, (unsigned long long)s.requests,
	       (unsigned long long)s.status_2xx, (unsigned long long)s.status_4xx,
	       (unsigned long long)s.status_5xx, (unsigned long long)s.bytes_sent,
	       (unsigned long long)s.refused, (unsigned long long)s.evicted,
	       (unsigned long long)s.head_timeouts);
	tool_net_free(net);
	return 0;
}
