/* up.c - `ustack up --tap NAME --addr A.B.C.D/N`: keep a host running on a TAP device
 * (it answers ARP and ping, reassembles, counts what it drops) and serve its control
 * socket until SIGINT/SIGTERM; then print its counters and exit 0. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "cmds.h"
#include "common.h"
#include "ctl.h"

static const char up_usage[] =
	"usage: ustack up --tap NAME|--dev packet:IF|--dev xdp:IF --addr A.B.C.D/N [--gw A.B.C.D] [--dns ADDR]\n"
	"                 [--addr6 A/N]... [--slaac|--no-slaac]\n"
	"                 [--pcap FILE] [--trace] [--loss P] [--seed N] [--ctl PATH]\n";

/* "inet6 ADDR/PLEN STATE ORIGIN", as the last thing `up` says */
static void print_addrs6(struct ustack *st)
{
	struct ustack_addr6 a[8];
	size_t n = ustack_if_addrs6(st, -1, a, 8);
	char ip[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++)
		printf("inet6 %s/%d %s %s\n", inet_ntop(AF_INET6, &a[i].addr, ip, sizeof(ip)),
		       a[i].plen, a[i].state, a[i].origin);
}

int cmd_up(int argc, char **argv)
{
	struct tool_opts o;
	struct tool_net *net;
	uint8_t mac[6];
	char ip[16];

	tool_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		int r;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("%s\nRun a ustack host on a TAP device until SIGINT or SIGTERM, then print\n"
			       "its counters. `ustack netstat` reads it through the control socket.\n\n%s",
			       up_usage, TOOL_COMMON_HELP);
			return 0;
		}
		r = tool_opt_common(&o, "up", up_usage, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r == 0)
			return tool_usage_error("up", up_usage, "unexpected argument '%s'", argv[i]);
	}
	if (!o.tap)
		return tool_usage_error("up", up_usage, "missing --tap NAME or --dev packet:IF|xdp:IF");
	if (!o.have_addr)
		return tool_usage_error("up", up_usage, "missing --addr A.B.C.D/N");
	tool_signals_install();
	net = tool_net_tap(&o, "up");
	if (!net)
		return 1;
	if (tool_net_serve_ctl(net, &o) < 0) {
		tool_net_free(net);
		return 1;
	}
	/* One line that scripts can wait for: the host is attached and answering. */
	if (ustack_if_mac(net->st[0], net->ifindex[0], mac) < 0)
		memset(mac, 0, sizeof(mac));
	fprintf(stderr,
		"ustack up: %s/%d on %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, control socket %s\n",
		tool_ip_str(o.addr, ip), o.prefix, o.tap, mac[0], mac[1], mac[2], mac[3], mac[4],
		mac[5], tool_ctl_path(net->ctl));
	tool_wait_for_signal();
	ustack_stop(net->st[0]);
	printf("ustack up: stopped; counters of %s:\n", tool_ip_str(o.addr, ip));
	ustack_print_stats(net->st[0], stdout);
	print_addrs6(net->st[0]);
	tool_packet_print(net, stdout);
	fflush(stdout);
	tool_net_free(net);
	return 0;
}
