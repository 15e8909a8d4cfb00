/* dns.c - `ustack dns --zone FILE [--port N] [--ttl S]`: a small authoritative DNS server
 * (ustack_dns_server_start) answering from a zone file until SIGINT/SIGTERM, on a TAP
 * (--tap --addr) or, without --tap, on an in-process host 10.0.0.53/24. It serves the
 * control socket like `ustack up` and prints its counters when stopped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "common.h"
#include "ctl.h"
#include "ustack/netdb.h"

static const char dns_usage[] =
	"usage: ustack dns --zone FILE [--port N] [--ttl SECS] [--tap NAME --addr A.B.C.D/N]\n"
	"                  [network options]\n";

static void dns_help(void)
{
	printf("%s\n"
	       "Serve the A, AAAA, CNAME and MX records of a zone file over DNS (UDP, and\n"
	       "TCP for long answers) until SIGINT/SIGTERM; PTR queries (in-addr.arpa,\n"
	       "ip6.arpa) are answered from the A and AAAA records.\n"
	       "Zone lines: \"name A a.b.c.d\", \"name AAAA 2001:db8::1\", \"name CNAME target\",\n"
	       "\"name MX pref exchange\"; \"#\" starts a comment.\n\n"
	       "  --zone FILE  the records to serve (required)\n"
	       "  --port N     UDP and TCP port (default 53)\n"
	       "  --ttl SECS   TTL of records that give none (\"name 60 A ...\" does) (default 300)\n\n"
	       "Without --tap: an in-process host 10.0.0.53/24.\n\n%s",
	       dns_usage, TOOL_COMMON_HELP);
}

int cmd_dns(int argc, char **argv)
{
	static const struct tool_host_spec hosts[1] = {
		{ .name = "dns", .addr = "10.0.0.53/24" },
	};
	struct tool_opts o;
	struct tool_net *net = NULL;
	struct ustack_dns_server *srv = NULL;
	const char *zone_path = NULL;
	unsigned long long port = 53, ttl = 300;
	char *zone = NULL;
	char ip[16];
	int status = 1;

	tool_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			dns_help();
			return 0;
		}
		r = tool_opt_common(&o, "dns", dns_usage, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (tool_opt_is(a, "--zone")) {
			zone_path = tool_opt_value("dns", dns_usage, argc, argv, &i);
			if (!zone_path)
				return 2;
		} else if (tool_opt_is(a, "--port")) {
			if (tool_opt_uint("dns", dns_usage, argc, argv, &i, 1, 65535,
					 "port", &port))
				return 2;
		} else if (tool_opt_is(a, "--ttl")) {
			if (tool_opt_uint("dns", dns_usage, argc, argv, &i, 0, 0x7fffffffULL,
					 "ttl", &ttl))
				return 2;
		} else {
			return tool_usage_error("dns", dns_usage, "unexpected argument '%s'", a);
		}
	}
	if (!zone_path)
		return tool_usage_error("dns", dns_usage, "missing --zone FILE");
	if (o.tap && !o.have_addr)
		return tool_usage_error("dns", dns_usage, "--tap needs --addr A.B.C.D/N");
	if (!o.tap && (o.have_addr || o.have_gw))
		return tool_usage_error("dns", dns_usage, "--addr and --gw need --tap");
	zone = tool_read_file("dns", zone_path, TOOL_ZONE_MAX);
	if (!zone)
		return 1;
	tool_signals_install();
	net = o.tap ? tool_net_tap(&o, "dns") : tool_net_vnet(&o, hosts, 1);
	if (!net)
		goto out;
	srv = ustack_dns_server_start(net->st[0], zone, (uint16_t)port, (uint32_t)ttl);
	if (!srv) {
		fprintf(stderr, "ustack dns: cannot serve %s: %s\n", zone_path,
			errno == EINVAL ? "bad zone file" : strerror(errno));
		goto out;
	}
	if (tool_net_serve_ctl(net, &o) < 0)
		goto out;
	fprintf(stderr, "ustack dns: serving %s on %s:%llu, control socket %s\n", zone_path,
		tool_ip_str(net->addr[0], ip), port, tool_ctl_path(net->ctl));
	tool_wait_for_signal();
	ustack_dns_server_stop(srv);
	srv = NULL;
	ustack_stop(net->st[0]);
	printf("ustack dns: stopped; counters:\n");
	ustack_print_stats(net->st[0], stdout);
	fflush(stdout);
	status = 0;
out:
	if (srv)
		ustack_dns_server_stop(srv);
	tool_net_free(net);
	free(zone);
	return status;
}
