/* main.c - `ustack SUBCOMMAND ...`: one binary, one file per subcommand. */
#include <stdio.h>
#include <string.h>
#include "cmds.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "demo", cmd_demo, "walk through DNS, the handshake, HTTP and close on a network in memory" },
	{ "ping", cmd_ping, "send ICMP echo requests, print like iputils ping" },
	{ "up", cmd_up, "run a ustack host on a TAP until SIGINT/SIGTERM" },
	{ "host", cmd_host, "look a name up in DNS, print like host(1)" },
	{ "dns", cmd_dns, "serve a zone file: a small authoritative DNS server" },
	{ "netstat", cmd_netstat, "show the sockets and counters of a running ustack process" },
	{ "serve", cmd_serve, "serve files over HTTP/1.1" },
	{ "get", cmd_get, "download a URL over HTTP/1.1, like curl" },
	{ "bulk", cmd_bulk, "measure TCP throughput; SHA-256 of the stream on both ends" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ustack COMMAND [OPTIONS]   (ustack COMMAND --help for its options)\n\ncommands:\n");
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "ustack: missing command\n");
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "udpcat"))   /* hidden: a test helper, not in the list */
		return cmd_udpcat(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ustack: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
