/* get.c - `ustack get URL`: download over HTTP/1.1 like curl (http_client.c).
 *
 * The body goes to stdout or -o FILE. A progress line is drawn on stderr when stderr
 * is a terminal; in a pipe nothing is printed but errors. With --tap the client is a
 * ustack host on a Linux TAP device. Without it, a small network lives in this process:
 * the client 10.0.0.2, a server 10.0.0.1 (or the URL's numeric address) running
 * httpd over --root DIR or built-in pages, and a DNS server on it answering the URL's
 * name, so the whole path (DNS, ARP, handshake, HTTP, close) runs in memory.
 *
 * Exit codes are curl's: 0 success; 1 unsupported protocol; 2 bad usage; 3 malformed
 * URL; 6 could not resolve the host; 7 could not connect; 8 weird reply; 18 partial
 * body; 22 HTTP status >= 400 (as curl -f; --no-fail writes the body and exits 0);
 * 23 cannot write the output; 28 timeout; 55 send failure; 56 receive failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <ustack/netdb.h>

#include "cmds.h"
#include "common.h"
#include "http_client.h"
#include "httpd.h"
#include "linger.h"

#define GET_USAGE \
	"usage: ustack get URL [-o FILE] [-s] [-v] [-I] [--no-fail] [--timeout SECONDS] [--root DIR]\n" \
	"                  [--tap NAME --addr A.B.C.D/N [--gw A.B.C.D] [--dns ADDR]] [--pcap FILE] [--trace]\n" \
	"  -o, --output FILE  write the body to FILE (default: stdout)\n" \
	"  -s, --silent       no progress line\n" \
	"  -v, --verbose      show the connection, the request and the reply head on stderr\n" \
	"  -I, --head         send HEAD, print the reply head\n" \
	"  --no-fail          on HTTP status >= 400, still write the body and exit 0\n" \
	"                     (default: like curl -f, no body and exit 22)\n" \
	"  --timeout SECONDS  give up when nothing arrives for this long (default 30)\n" \
	"  --root DIR         without --tap: the in-process server serves DIR (default: built-in pages)\n" \
	"exit status as curl: 0 ok, 3 bad URL, 6 cannot resolve, 7 cannot connect, 18 partial,\n" \
	"22 HTTP error, 23 write error, 28 timeout, 56 receive error\n"

/* --- progress on a terminal ---------------------------------------------- */

struct get_ui {
	bool progress;
	bool verbose;
	bool head;                   /* -I: the reply head goes to stdout */
	bool drawn;
	uint64_t start_us;
};

static void human(double v, char *out, size_t cap)
{
	const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(out, cap, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void on_progress(void *ctx, uint64_t got, int64_t total, bool done)
{
	struct get_ui *ui = ctx;
	if (!ui->progress)
		return;
	double secs = (double)(ustack_clock_us() - ui->start_us) / 1e6;
	char g[32], t[32], r[32];
	human((double)got, g, sizeof g);
	human(secs > 0 ? (double)got / secs : 0, r, sizeof r);
	if (total >= 0) {
		human((double)total, t, sizeof t);
		fprintf(stderr, "\r%5.1f%%  %10s / %-10s  %10s/s  %6.1f s ",
			total ? 100.0 * (double)got / (double)total : 100.0, g, t, r, secs);
	} else {
		fprintf(stderr, "\r%10s  %10s/s  %6.1f s ", g, r, secs);
	}
	ui->drawn = true;
	if (done)
		fputc('\n', stderr);
	fflush(stderr);
}

static void on_verbose(void *ctx, const char *line)
{
	struct get_ui *ui = ctx;
	if (ui->head && !ui->verbose) {
		if (!strncmp(line, "< ", 2))
			printf("%s\r\n", line + 2);
		return;
	}
	if (ui->verbose) {
		if (ui->drawn)
			fputc('\n', stderr);
		ui->drawn = false;
		fprintf(stderr, "%s\n", line);
	}
}

/* --- the in-process network ---------------------------------------------- */

static const char builtin_index[] =
	"<!DOCTYPE html>\n<html><head><title>ustack</title></head>\n"
	"<body><h1>Hello from ustack</h1>\n"
	"<p>This page crossed a TCP/IP stack that runs in user space.</p>\n"
	"<p><a href=\"/hello.txt\">hello.txt</a> <a href=\"/data.bin\">data.bin</a> (1 MiB)</p>\n"
	"</body></html>\n";
static const char builtin_hello[] = "Hello from ustack!\n";
#define BUILTIN_DATA_LEN (1u << 20)

/* data.bin: byte i is (i * 7 + i / 251) mod 256, so a shifted or repeated block shows. */
static uint8_t *builtin_data(void)
{
	uint8_t *d = malloc(BUILTIN_DATA_LEN);
	if (d)
		for (uint32_t i = 0; i < BUILTIN_DATA_LEN; i++)
			d[i] = (uint8_t)(i * 7 + i / 251);
	return d;
}

struct inproc {
	struct tool_net *net;
	struct httpd *httpd;
	struct ustack_dns_server *dns;
	uint8_t *data;
	struct httpd_file files[3];
};

static void inproc_free(struct inproc *ip)
{
	httpd_stop(ip->httpd);
	if (ip->dns)
		ustack_dns_server_stop(ip->dns);
	tool_net_free(ip->net);
	free(ip->data);
}

/* Builds client + server. The server takes the URL's address when it is numeric (so
 * "http://10.1.2.3/" works), else 10.0.0.1 with the URL's name in its DNS zone. */
static int inproc_start(struct inproc *ip, const struct tool_opts *o, const char *url,
			const char *root)
{
	char host[256], path[1024], srv_cidr[32], cli_cidr[32], srv_ip[16], zone[400];
	uint16_t port;
	struct in_addr srv = { .s_addr = htonl(0x0a000001) };   /* 10.0.0.1 */

	memset(ip, 0, sizeof *ip);
	if (http_parse_url(url, host, sizeof host, &port, path, sizeof path) < 0)
		return -1;    /* checked by the caller already */
	bool numeric = inet_pton(AF_INET, host, &srv) == 1;
	if (!numeric)
		srv.s_addr = htonl(0x0a000001);
	uint32_t s = ntohl(srv.s_addr);
	struct in_addr cli = { .s_addr = htonl((s & 0xffffff00u) | ((s & 0xff) == 2 ? 3 : 2)) };
	snprintf(srv_cidr, sizeof srv_cidr, "%s/24", tool_ip_str(srv, srv_ip));
	char cli_ip[16];
	snprintf(cli_cidr, sizeof cli_cidr, "%s/24", tool_ip_str(cli, cli_ip));

	const struct tool_host_spec hosts[2] = {
		{ .name = "client", .addr = cli_cidr, .dns = srv_ip },
		{ .name = "server", .addr = srv_cidr },
	};
	ip->net = tool_net_vnet(o, hosts, 2);
	if (!ip->net)
		return -1;
	struct ustack *server = ip->net->st[1];
	if (!numeric) {
		snprintf(zone, sizeof zone, "%s A %s\n", host, srv_ip);
		ip->dns = ustack_dns_server_start(server, zone, 53, 300);
		if (!ip->dns) {
			fprintf(stderr, "ustack get: cannot start the in-process DNS server: %s\n",
				strerror(errno));
			return -1;
		}
	}
	struct httpd_config cfg = { .port = port, .root = root };
	if (!root) {
		ip->data = builtin_data();
		if (!ip->data)
			return -1;
		ip->files[0] = (struct httpd_file){ "/index.html", NULL, builtin_index,
						    sizeof builtin_index - 1 };
		ip->files[1] = (struct httpd_file){ "/hello.txt", NULL, builtin_hello,
						    sizeof builtin_hello - 1 };
		ip->files[2] = (struct httpd_file){ "/data.bin", NULL, ip->data, BUILTIN_DATA_LEN };
		cfg.files = ip->files;
		cfg.n_files = 3;
	}
	ip->httpd = httpd_start(server, &cfg);
	if (!ip->httpd) {
		fprintf(stderr, "ustack get: cannot start the in-process server: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */

int cmd_get(int argc, char **argv)
{
	struct tool_opts o;
	const char *url = NULL, *output = NULL, *root = NULL;
	bool silent = false, verbose = false, head = false, no_fail = false;
	unsigned long long timeout_s = 30;

	tool_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		int r = tool_opt_common(&o, "get", GET_USAGE TOOL_COMMON_HELP, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("%s%s", GET_USAGE, TOOL_COMMON_HELP);
			return 0;
		} else if (!strcmp(a, "-o") || tool_opt_is(a, "--output")) {
			if (!(output = tool_opt_value("get", GET_USAGE, argc, argv, &i)))
				return 2;
		} else if (tool_opt_is(a, "--root")) {
			if (!(root = tool_opt_value("get", GET_USAGE, argc, argv, &i)))
				return 2;
		} else if (tool_opt_is(a, "--timeout")) {
			if (tool_opt_uint("get", GET_USAGE, argc, argv, &i, 1, 86400,
					 "timeout", &timeout_s))
				return 2;
		} else if (!strcmp(a, "-s") || !strcmp(a, "--silent")) {
			silent = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			verbose = true;
		} else if (!strcmp(a, "-I") || !strcmp(a, "--head")) {
			head = true;
		} else if (!strcmp(a, "--no-fail")) {
			no_fail = true;
		} else if (a[0] == '-' && a[1]) {
			return tool_usage_error("get", GET_USAGE, "unknown option '%s'", a);
		} else if (!url) {
			url = a;
		} else {
			return tool_usage_error("get", GET_USAGE, "more than one URL ('%s')", a);
		}
	}
	if (!url)
		return tool_usage_error("get", GET_USAGE, "missing URL");
	if (o.tap && root)
		return tool_usage_error("get", GET_USAGE, "--root is for the in-process server (no --tap)");
	char uhost[256], upath[1024];
	uint16_t uport;
	const char *sep = strstr(url, "://");
	if (sep && !(sep - url == 4 && !strncasecmp(url, "http", 4))) {
		fprintf(stderr, "ustack get: (1) Protocol \"%.*s\" not supported\n", (int)(sep - url), url);
		return 1;
	}
	if (http_parse_url(url, uhost, sizeof uhost, &uport, upath, sizeof upath) < 0) {
		fprintf(stderr, "ustack get: (3) URL rejected: Malformed input to a URL function\n");
		return 3;
	}

	tool_signals_install();
	struct inproc ip = { 0 };
	struct ustack *st;
	if (o.tap) {
		ip.net = tool_net_tap(&o, "get");
		if (!ip.net)
			return 1;
		st = ip.net->st[0];
	} else {
		if (inproc_start(&ip, &o, url, root) < 0) {
			inproc_free(&ip);
			return 1;
		}
		st = ip.net->st[0];
	}
	if (o.ctl && tool_net_serve_ctl(ip.net, &o) < 0) {
		inproc_free(&ip);
		return 1;
	}

	FILE *out = stdout;
	if (output && !head) {
		out = fopen(output, "wb");
		if (!out) {
			fprintf(stderr, "ustack get: (23) cannot open %s: %s\n", output, strerror(errno));
			inproc_free(&ip);
			return 23;
		}
	}
	struct get_ui ui = {
		.progress = !silent && isatty(STDERR_FILENO),
		.verbose = verbose,
		.head = head,
		.start_us = ustack_clock_us(),
	};
	struct http_result res;
	struct http_get_opts go = {
		.timeout_ms = (unsigned)timeout_s * 1000,
		.head = head,
		.fail_on_error = !no_fail,
		.progress = on_progress,
		.verbose = on_verbose,
		.ctx = &ui,
		.result = &res,
	};
	int rc = http_get(st, url, head ? NULL : out, &go);
	if (out != stdout && fclose(out) != 0 && rc == 0) {
		rc = HTTP_ERR_WRITE;
		snprintf(res.error, sizeof res.error, "Failure writing output to destination");
	}
	if (head && !verbose && res.status)
		printf("\r\n");
	if (rc != 0) {
		if (ui.drawn)
			fputc('\n', stderr);
		fprintf(stderr, "ustack get: (%d) %s\n", rc, res.error[0] ? res.error : http_strerror(rc));
	} else if (res.status >= 400 && !no_fail) {
		fprintf(stderr, "ustack get: (22) The requested URL returned error: %d\n", res.status);
		rc = 22;
	}
	tool_linger(st, 2000);
	inproc_free(&ip);
	return rc;
}
