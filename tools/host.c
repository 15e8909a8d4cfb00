/* host.c - `ustack host [-W SECS] NAME [SERVER]`: look NAME up (A records; PTR records
 * when NAME is an IPv4 address) through the stack's resolver and print the answer the
 * way host(1) does:
 *
 *   alias.example.test is an alias for www.example.test.
 *   www.example.test has address 10.0.2.80
 *   80.2.0.10.in-addr.arpa domain name pointer www.example.test.
 *   Host nope.example.test not found: 3(NXDOMAIN)            (exit 1)
 *   ;; connection timed out; no servers could be reached     (exit 1)
 *
 * Over --tap (with --addr, and --dns or SERVER). Without --tap: an in-process network,
 * this host 10.0.0.1/24 and a ustack DNS server 10.0.0.53 serving a built-in demo zone or
 * --zone FILE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cmds.h"
#include "common.h"
#include "ustack/netdb.h"

#define HOST_DEMO_SERVER "10.0.0.53"

static const char host_usage[] =
	"usage: ustack host [-W SECS] [--port N] [--zone FILE] [network options] NAME [SERVER]\n";

/* The zone the in-process server answers from when no --zone is given. */
static const char host_demo_zone[] =
	"# the demo zone of `ustack host` without --tap\n"
	"www.example.test A 10.0.2.80\n"
	"alias.example.test CNAME www.example.test\n"
	"web.example.test CNAME alias.example.test\n"
	"mail.example.test A 10.0.2.25\n"
	"multi.example.test A 10.0.2.1\n"
	"multi.example.test A 10.0.2.2\n"
	"dns.example.test A " HOST_DEMO_SERVER "\n";

static void host_help(void)
{
	printf("%s\n"
	       "Look NAME up in DNS (A records) and print the answer like host(1); an IPv4\n"
	       "address is looked up in reverse (PTR records under in-addr.arpa).\n\n"
	       "  -W SECS      wait at most SECS seconds for an answer (default 5)\n"
	       "  --port N     the server's UDP port (default 53)\n"
	       "  --zone FILE  without --tap: the in-process server's zone (lines\n"
	       "               \"name A a.b.c.d\" / \"name CNAME target\")\n"
	       "  SERVER       the DNS server's address (else --dns)\n\n"
	       "Without --tap: this host 10.0.0.1/24 and a ustack DNS server " HOST_DEMO_SERVER
	       " serving a demo zone\n(www.example.test, alias.example.test, mail.example.test, "
	       "...).\n\n%s",
	       host_usage, TOOL_COMMON_HELP);
}

static const char *rcode_name(int rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
					     "NXRRSET", "NOTAUTH", "NOTZONE" };

	if (rcode >= 0 && rcode < (int)(sizeof(names) / sizeof(names[0])))
		return names[rcode];
	return "RESERVED";
}

/* Prints the outcome as host(1) does; returns the exit status. */
static int print_result(const char *name, int err, const struct ustack_dns_result *res)
{
	char ip[16];

	if (err == EAI_AGAIN) {
		printf(";; connection timed out; no servers could be reached\n");
		return 1;
	}
	if (err || (res->rcode != 0)) {
		int rcode = res->rcode > 0 ? res->rcode : (err == EAI_NONAME ? 3 : 2);

		printf("Host %s not found: %d(%s)\n", name, rcode, rcode_name(rcode));
		return 1;
	}
	for (int i = 0; i < res->n_cnames && i < 8; i++) {
		const char *target = i + 1 < res->n_cnames && i + 1 < 8 ? res->cnames[i + 1]
									: res->canonical;

		printf("%s is an alias for %s.\n", res->cnames[i], target);
	}
	if (res->n_names) {
		for (int i = 0; i < res->n_names && i < 4; i++)
			printf("%s domain name pointer %s.\n", res->canonical, res->names[i]);
		return 0;
	}
	if (res->n_addrs == 0) {
		printf("%s has no A record\n", res->canonical[0] ? res->canonical : name);
		return 0;
	}
	for (int i = 0; i < res->n_addrs && i < 16; i++)
		printf("%s has address %s\n", res->canonical[0] ? res->canonical : name,
		       tool_ip_str(res->addrs[i], ip));
	return 0;
}

int cmd_host(int argc, char **argv)
{
	static const struct tool_host_spec hosts[2] = {
		{ .name = "host", .addr = "10.0.0.1/24" },
		{ .name = "dns", .addr = HOST_DEMO_SERVER "/24" },
	};
	struct tool_opts o;
	struct tool_net *net = NULL;
	struct ustack_dns_server *srv = NULL;
	struct ustack_resolver_config rc;
	struct ustack_dns_result *res = NULL;
	const char *name = NULL, *server = NULL, *zone_path = NULL;
	char *zone = NULL;
	struct in_addr srv_addr;
	double wait = 0;
	unsigned long long port = 53;
	int err, status = 1;

	tool_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int r;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			host_help();
			return 0;
		}
		r = tool_opt_common(&o, "host", host_usage, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (!strncmp(a, "-W", 2)) {
			v = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v)
				return tool_usage_error("host", host_usage, "option -W needs a value");
			if (tool_parse_double(v, 0.001, 3600.0, &wait) < 0)
				return tool_usage_error("host", host_usage, "bad timeout '%s'", v);
		} else if (tool_opt_is(a, "--port")) {
			if (tool_opt_uint("host", host_usage, argc, argv, &i, 1, 65535,
					 "port", &port))
				return 2;
		} else if (tool_opt_is(a, "--zone")) {
			zone_path = tool_opt_value("host", host_usage, argc, argv, &i);
			if (!zone_path)
				return 2;
		} else if (a[0] == '-' && a[1]) {
			return tool_usage_error("host", host_usage, "unknown option %s", a);
		} else if (!name) {
			name = a;
		} else if (!server) {
			server = a;
		} else {
			return tool_usage_error("host", host_usage, "unexpected argument '%s'", a);
		}
	}
	if (!name)
		return tool_usage_error("host", host_usage, "missing NAME");
	if (!*name || strlen(name) > 253)
		return tool_usage_error("host", host_usage, "bad name '%s'", name);
	if (server && tool_parse_ip(server, &srv_addr) < 0)
		return tool_usage_error("host", host_usage, "SERVER must be an address: '%s'", server);
	if (o.tap) {
		if (zone_path)
			return tool_usage_error("host", host_usage, "--zone is for the in-process network");
		if (!server && !o.have_dns)
			return tool_usage_error("host", host_usage, "no DNS server: give --dns or SERVER");
		if (!server)
			srv_addr = o.dns;
	} else {
		if (o.have_addr || o.have_gw)
			return tool_usage_error("host", host_usage, "--addr and --gw need --tap");
		if (!server && !o.have_dns)
			tool_parse_ip(HOST_DEMO_SERVER, &srv_addr);
		else if (!server)
			srv_addr = o.dns;
		zone = zone_path ? tool_read_file("host", zone_path, TOOL_ZONE_MAX) : NULL;
		if (zone_path && !zone)
			return 1;
	}
	tool_signals_install();
	net = o.tap ? tool_net_tap(&o, "host") : tool_net_vnet(&o, hosts, 2);
	if (!net)
		goto out;
	if (!o.tap) {
		srv = ustack_dns_server_start(net->st[1], zone ? zone : host_demo_zone, (uint16_t)port,
					      300);
		if (!srv) {
			fprintf(stderr, "ustack host: cannot start the DNS server: %s\n", strerror(errno));
			goto out;
		}
	}
	memset(&rc, 0, sizeof(rc));
	rc.servers[0] = srv_addr;
	rc.n_servers = 1;
	rc.server_port = (uint16_t)port;
	if (wait > 0) {
		/* Two tries, the second twice as long: together the whole -W. */
		unsigned total = (unsigned)(wait * 1000.0);

		rc.total_timeout_ms = total ? total : 1;
		rc.attempts = 2;
		rc.timeout_ms = rc.total_timeout_ms / 3 ? rc.total_timeout_ms / 3 : 1;
	}
	if (ustack_resolver_configure(net->st[0], &rc) < 0) {
		fprintf(stderr, "ustack host: cannot configure the resolver: %s\n", strerror(errno));
		goto out;
	}
	res = calloc(1, sizeof(*res));
	if (!res) {
		fprintf(stderr, "ustack host: out of memory\n");
		goto out;
	}
	if (server) {
		char ip[16];

		printf("Using domain server:\nName: %s\nAddress: %s#%llu\nAliases: \n\n", server,
		       tool_ip_str(srv_addr, ip), port);
	}
	res->rcode = -1;
	struct in_addr rev;
	if (inet_pton(AF_INET, name, &rev) == 1) {
		err = ustack_resolve_addr(net->st[0], rev, res);
		status = print_result(res->canonical, err, res);
	} else {
		err = ustack_resolve(net->st[0], name, res);
		status = print_result(name, err, res);
	}
	fflush(stdout);
out:
	if (srv)
		ustack_dns_server_stop(srv);
	tool_net_free(net);
	free(res);
	free(zone);
	return status;
}
