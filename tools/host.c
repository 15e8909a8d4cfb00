/* host.c - `ustack host [-t A|AAAA] [-W SECS] NAME [SERVER]`: look NAME up (A and AAAA
 * records, or the type -t names; PTR records when NAME is an IPv4 or IPv6 address)
 * through the stack's resolver and print the answer the way host(1) does:
 *
 *   alias.example.test is an alias for www.example.test.
 *   www.example.test has address 10.0.2.80
 *   www.example.test has IPv6 address 2001:db8::80
 *   80.2.0.10.in-addr.arpa domain name pointer www.example.test.
 *   www.example.test has no AAAA record                      (-t AAAA, NODATA)
 *   Host nope.example.test not found: 3(NXDOMAIN)            (exit 1)
 *   ;; connection timed out; no servers could be reached     (exit 1)
 *
 * Over --tap (with --addr, and --dns or SERVER: an IPv4 or IPv6 address; with neither,
 * the servers of the router advertisements, RFC 8106). Without --tap: an in-process network,
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
	"usage: ustack host [-t A|AAAA] [-W SECS] [--port N] [--zone FILE] [net options] NAME [SERVER]\n";

/* The zone the in-process server answers from when no --zone is given. */
static const char host_demo_zone[] =
	"# the demo zone of `ustack host` without --tap\n"
	"www.example.test A 10.0.2.80\n"
	"www.example.test AAAA 2001:db8::80\n"
	"v6only.example.test AAAA 2001:db8::6\n"
	"alias.example.test CNAME www.example.test\n"
	"web.example.test CNAME alias.example.test\n"
	"mail.example.test A 10.0.2.25\n"
	"multi.example.test A 10.0.2.1\n"
	"multi.example.test A 10.0.2.2\n"
	"dns.example.test A " HOST_DEMO_SERVER "\n";

static void host_help(void)
{
	printf("%s\n"
	       "Look NAME up in DNS (A and AAAA records) and print the answer like host(1);\n"
	       "an IPv4 or IPv6 address is looked up in reverse (PTR records under\n"
	       "in-addr.arpa / ip6.arpa).\n\n"
	       "  -t TYPE      A or AAAA only (default: both, as host(1))\n"
	       "  -W SECS      wait at most SECS seconds for an answer (default 5)\n"
	       "  --port N     the server's UDP port (default 53)\n"
	       "  --zone FILE  without --tap: the in-process server's zone (lines\n"
	       "               \"name A a.b.c.d\" / \"name AAAA 2001:db8::1\" /\n"
	       "               \"name CNAME target\")\n"
	       "  SERVER       the DNS server's address: A.B.C.D, 2001:db8::53 or fe80::1%%IF\n"
	       "               (else --dns; with --tap and neither: the RDNSS servers of\n"
	       "               router advertisements, RFC 8106)\n\n"
	       "Without --tap: this host 10.0.0.1/24 and a ustack DNS server " HOST_DEMO_SERVER
	       " serving a demo zone\n(www.example.test, alias.example.test, mail.example.test, "
	       "...).\n\n%s",
	       host_usage, TOOL_COMMON_HELP);
}

/* No server given: wait (at most secs) for a router advertisement's RDNSS option and an
 * address to ask it from (a link-local one for a link-local server, else a global one,
 * past DAD: the SLAAC address of the same RA needs 1-2 s). */
static void wait_rdnss(struct ustack *st, double secs)
{
	struct in6_addr srv[1];
	struct ustack_addr6 a[16];

	for (double t = 0; t < secs; t += 0.05) {
		if (ustack_rdnss(st, srv, 1) == 1) {
			bool ll = IN6_IS_ADDR_LINKLOCAL(&srv[0]);
			size_t n = ustack_if_addrs6(st, -1, a, 16);
			for (size_t i = 0; i < n; i++)
				if (!strcmp(a[i].state, "PREFERRED") &&
				    IN6_IS_ADDR_LINKLOCAL(&a[i].addr) == ll &&
				    !IN6_IS_ADDR_LOOPBACK(&a[i].addr))
					return;
		}
		if (tool_sleep_ms(50))
			break;
	}
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

/* Prints the outcome as host(1) does; returns the exit status. what: the record type
 * printed when there is none ("A", "AAAA"); NULL prints nothing then. */
static int print_result(const char *name, int err, const struct ustack_dns_result *res,
			bool aliases, const char *what)
{
	char ip[INET6_ADDRSTRLEN];

	if (err == EAI_AGAIN) {
		printf(";; connection timed out; no servers could be reached\n");
		return 1;
	}
	if (err || (res->rcode != 0)) {
		int rcode = res->rcode > 0 ? res->rcode : (err == EAI_NONAME ? 3 : 2);

		printf("Host %s not found: %d(%s)\n", name, rcode, rcode_name(rcode));
		return 1;
	}
	for (int i = 0; aliases && i < res->n_cnames && i < 8; i++) {
		const char *target = i + 1 < res->n_cnames && i + 1 < 8 ? res->cnames[i + 1]
									: res->canonical;

		printf("%s is an alias for %s.\n", res->cnames[i], target);
	}
	if (res->n_names) {
		for (int i = 0; i < res->n_names && i < 4; i++)
			printf("%s domain name pointer %s.\n", res->canonical, res->names[i]);
		return 0;
	}
	const char *owner = res->canonical[0] ? res->canonical : name;
	if (res->n_addrs == 0 && res->n_addrs6 == 0) {
		if (what)
			printf("%s has no %s record\n", owner, what);
		return 0;
	}
	for (int i = 0; i < res->n_addrs && i < 16; i++)
		printf("%s has address %s\n", owner, tool_ip_str(res->addrs[i], ip));
	for (int i = 0; i < res->n_addrs6 && i < 16; i++)
		printf("%s has IPv6 address %s\n", owner,
		       inet_ntop(AF_INET6, &res->addrs6[i], ip, sizeof(ip)));
	return 0;
}

/* host(1) without -t: the A records, then the AAAA ones (aliases printed once); a
 * name with neither prints nothing more than host(1) does (exit 0), a missing name
 * NXDOMAIN once. */
static int lookup_both(struct ustack *st, const char *name, struct ustack_dns_result *res)
{
	int err = ustack_resolve(st, name, res);
	if (err == EAI_AGAIN || (err && err != EAI_NONAME) || res->rcode > 0)
		return print_result(name, err, res, true, NULL);
	int status = print_result(name, err == EAI_NONAME ? 0 : err, res, true, NULL);
	struct ustack_dns_result *r6 = calloc(1, sizeof(*r6));
	if (!r6)
		return 1;
	err = ustack_resolve6(st, name, r6);
	if (err == EAI_AGAIN || (err && err != EAI_NONAME) || r6->rcode > 0)
		status = print_result(name, err, r6, false, NULL);
	else
		print_result(name, 0, r6, res->n_cnames == 0, NULL);
	free(r6);
	return status;
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
	struct tool_dns srv_addr;
	struct in6_addr rev6;
	int qtype = 0;                  /* 0 both, 4 A, 6 AAAA */
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
		if (!strncmp(a, "-t", 2)) {
			v = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v)
				return tool_usage_error("host", host_usage, "option -t needs a type");
			if (!strcasecmp(v, "A"))
				qtype = 4;
			else if (!strcasecmp(v, "AAAA"))
				qtype = 6;
			else
				return tool_usage_error("host", host_usage,
							"type '%s' not supported (A or AAAA)", v);
		} else if (!strncmp(a, "-W", 2)) {
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
	if (server && tool_dns_parse(server, &srv_addr) < 0)
		return tool_usage_error("host", host_usage, "SERVER must be an address: '%s'", server);
	memset(&rc, 0, sizeof(rc));
	if (!server && o.have_dns)
		srv_addr = o.dns_server;
	if (server && !tool_dns_scope_ok(&srv_addr, o.tap))
		return tool_usage_error("host", host_usage, "no interface '%s' (the link is %s)",
					srv_addr.scope, o.tap);
	if (o.tap) {
		if (zone_path)
			return tool_usage_error("host", host_usage, "--zone is for the in-process network");
		if (!server && !o.have_dns)
			srv_addr.family = 0;        /* the RAs' RDNSS servers */
	} else {
		if (o.have_addr || o.have_gw)
			return tool_usage_error("host", host_usage, "--addr and --gw need --tap");
		if (!server && !o.have_dns)
			tool_dns_parse(HOST_DEMO_SERVER, &srv_addr);
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
	if (srv_addr.family && tool_dns_add(net->st[0], "host", &srv_addr, &rc) < 0)
		goto out;
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
	if (!srv_addr.family)
		wait_rdnss(net->st[0], wait > 0 ? wait : 10.0);
	if (server) {
		char ip[INET6_ADDRSTRLEN + 20];

		printf("Using domain server:\nName: %s\nAddress: %s#%llu\nAliases: \n\n", server,
		       tool_dns_str(&srv_addr, ip, sizeof(ip)), port);
	}
	res->rcode = -1;
	struct in_addr rev;
	if (inet_pton(AF_INET, name, &rev) == 1) {
		err = ustack_resolve_addr(net->st[0], rev, res);
		status = print_result(res->canonical, err, res, true, "A");
	} else if (inet_pton(AF_INET6, name, &rev6) == 1) {
		err = ustack_resolve_addr6(net->st[0], &rev6, res);
		status = print_result(res->canonical, err, res, true, "AAAA");
	} else if (qtype == 6) {
		err = ustack_resolve6(net->st[0], name, res);
		status = print_result(name, err == EAI_NONAME && res->rcode == 0 ? 0 : err, res,
				      true, "AAAA");
	} else if (qtype == 4) {
		err = ustack_resolve(net->st[0], name, res);
		status = print_result(name, err == EAI_NONAME && res->rcode == 0 ? 0 : err, res,
				      true, "A");
	} else {
		status = lookup_both(net->st[0], name, res);
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
