/* netstat.c - `ustack netstat [-a] [-t] [-u] [-l] [-n] [-s] [--ctl PATH]`: the socket
 * table or the counters of a running ustack process, read from its control socket
 * (ctl.h), printed with netstat's columns and netstat -s's groups. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "common.h"
#include "ctl.h"

#define NS_MAX_STACKS 16
#define NS_MAX_KEYS 64
#define NS_MAX_DROPS 64

static const char netstat_usage[] =
	"usage: ustack netstat [-a] [-t] [-u] [-l] [-n] [-s | -i | -r | --neigh] [--ctl PATH]\n";

struct ns_stack {
	char name[64];
	int n_keys;
	char key[NS_MAX_KEYS][32];
	unsigned long long val[NS_MAX_KEYS];
	int n_drops;
	char drop[NS_MAX_DROPS][96];
	unsigned long long drop_val[NS_MAX_DROPS];
};

static void netstat_help(void)
{
	printf("%s\n"
	       "Show the sockets (or with -s the counters) of a running ustack process.\n\n"
	       "  -a          all sockets, listening and unconnected ones too\n"
	       "  -l          only listening (and unconnected UDP) sockets\n"
	       "  -t, -u      only TCP / only UDP\n"
	       "  -n          numeric addresses (always: ustack has no reverse lookups)\n"
	       "  -s          counters, grouped by protocol, with drops by reason\n"
	       "  -i          the interfaces' IPv6 addresses: state (TENTATIVE while DAD\n"
	       "              runs, DUPLICATE if it failed), origin, lifetimes left\n"
	       "  -r          the routing tables, IPv4 then IPv6: destination, gateway (\"*\":\n"
	       "              on-link), interface, origin (connected, static, ra), lifetime\n"
	       "  --neigh     the neighbour caches (ARP and IPv6 neighbour discovery)\n"
	       "  --ctl PATH  the process's control socket (default: the only ustack-*.ctl\n"
	       "              in $XDG_RUNTIME_DIR or /tmp)\n",
	       netstat_usage);
}

/* Runs request against path into a malloc'ed buffer (free it); NULL with the error printed. */
static char *query(const char *path, const char *request)
{
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f) {
		fprintf(stderr, "ustack netstat: %s\n", strerror(errno));
		return NULL;
	}
	rc = tool_ctl_query(path, request, f, err, sizeof(err));
	fclose(f);
	if (rc < 0) {
		fprintf(stderr, "ustack netstat: %s\n", err);
		free(buf);
		return NULL;
	}
	return buf;
}

/* "0.0.0.0:0" -> "0.0.0.0:*" as netstat prints an unbound port. */
static void show_addr(const char *a, char *out, size_t cap)
{
	size_t n = strlen(a);

	if (n >= 2 && !strcmp(a + n - 2, ":0"))
		snprintf(out, cap, "%.*s:*", (int)(n - 2), a);
	else
		snprintf(out, cap, "%s", a);
}

static int show_sockets(const char *path, bool all, bool listening, bool tcp, bool udp)
{
	char *text = query(path, "sockets");
	char *save = NULL, *line;
	char first[64] = "";
	bool multi = false;

	if (!text)
		return 1;
	/* Several stacks in the process: one more column says whose socket it is. */
	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		char name[64];

		if (sscanf(line, "sock %63s", name) != 1)
			continue;
		if (!first[0])
			snprintf(first, sizeof(first), "%s", name);
		else if (strcmp(first, name))
			multi = true;
	}
	if (listening)
		printf("Active Internet connections (only servers)\n");
	else if (all)
		printf("Active Internet connections (servers and established)\n");
	else
		printf("Active Internet connections (w/o servers)\n");
	printf("Proto Recv-Q Send-Q Local Address           Foreign Address         State      %s\n",
	       multi ? " Stack" : "");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char stack[64], proto[8], local[64], remote[64], state[32], l[64], r[64];
		unsigned long long rq, sq;
		bool is_server;

		if (sscanf(line, "sock %63s %7s %llu %llu %63s %63s %31s", stack, proto, &rq, &sq, local,
			   remote, state) != 7)
			continue;
		bool is_tcp = !strncmp(proto, "tcp", 3);   /* tcp, tcp6 */
		if ((is_tcp && !tcp) || (!is_tcp && !udp))
			continue;
		if (is_tcp)
			is_server = !strcmp(state, "LISTEN");
		else   /* an unconnected UDP socket counts as a server, as in netstat */
			is_server = !strcmp(remote, "0.0.0.0:0") || !strcmp(remote, ":::0");
		if (listening ? !is_server : (!all && is_server))
			continue;
		show_addr(local, l, sizeof(l));
		show_addr(remote, r, sizeof(r));
		printf("%-5s %6llu %6llu %-23s %-23s %-11s%s%s\n", proto, rq, sq, l, r,
		       strcmp(state, "-") ? state : "", multi ? " " : "", multi ? stack : "");
	}
	free(text);
	fflush(stdout);
	return 0;
}

/* "addr6 STACK IFINDEX ADDR/PLEN STATE ORIGIN VALID PREFERRED" lines, as a table */
static int show_addrs(const char *path)
{
	char *text = query(path, "addrs");
	char *save = NULL, *line;

	if (!text)
		return 1;
	printf("Stack      If  Address                                     State      Origin     Valid      Preferred\n");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char stack[64], addr[64], state[16], origin[16], valid[16], pref[16];
		int ifx;

		if (sscanf(line, "addr6 %63s %d %63s %15s %15s %15s %15s", stack, &ifx, addr, state,
			   origin, valid, pref) != 7)
			continue;
		printf("%-10s %-3d %-43s %-10s %-10s %-10s %s\n", stack, ifx, addr, state, origin,
		       valid, pref);
	}
	free(text);
	fflush(stdout);
	return 0;
}

/* "neigh STACK IFINDEX ADDR MAC STATE ROUTER" lines, as ip neigh shows them */
static int show_neigh(const char *path)
{
	char *text = query(path, "neigh");
	char *save = NULL, *line;

	if (!text)
		return 1;
	printf("Stack      If  Address                                   Link address       State       Router\n");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char stack[64], addr[64], mac[24], state[16], router[8];
		int ifx;

		if (sscanf(line, "neigh %63s %d %63s %23s %15s %7s", stack, &ifx, addr, mac, state,
			   router) != 6)
			continue;
		printf("%-10s %-3d %-41s %-18s %-11s %s\n", stack, ifx, addr, mac, state,
		       strcmp(router, "-") ? router : "");
	}
	free(text);
	fflush(stdout);
	return 0;
}

/* "route STACK DST/PLEN GATEWAY IFINDEX ORIGIN EXPIRES" lines, as a table */
static int show_routes(const char *path)
{
	char *text = query(path, "routes");
	char *save = NULL, *line;

	if (!text)
		return 1;
	printf("Stack      Destination                                 Gateway                    If  Origin     Expires\n");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char stack[64], dst[64], gw[64], origin[16], exp[16];
		int ifx;

		if (sscanf(line, "route %63s %63s %63s %d %15s %15s", stack, dst, gw, &ifx, origin,
			   exp) != 6)
			continue;
		printf("%-10s %-43s %-26s %-3d %-10s %s\n", stack, dst, strcmp(gw, "-") ? gw : "*",
		       ifx, origin, exp);
	}
	free(text);
	fflush(stdout);
	return 0;
}

static unsigned long long stat_of(const struct ns_stack *s, const char *key)
{
	for (int i = 0; i < s->n_keys; i++)
		if (!strcmp(s->key[i], key))
			return s->val[i];
	return 0;
}

/* The drop reasons whose text starts with one of the prefixes ("arp:", ...). */
static void show_drops(const struct ns_stack *s, const char *const *prefixes)
{
	for (int i = 0; i < s->n_drops; i++)
		for (const char *const *p = prefixes; *p; p++)
			if (!strncmp(s->drop[i], *p, strlen(*p))) {
				printf("    %llu dropped: %s\n", s->drop_val[i], s->drop[i]);
				break;
			}
}

static void show_stack_stats(const struct ns_stack *s, bool multi)
{
	static const struct {
		const char *group;
		const char *prefixes[3];
		struct { const char *key, *text; } rows[13];
	} groups[] = {
		{ "Ip:", { "ipv4:", "ipv4 frag:", NULL }, {
			{ "ip_in", "total packets received" },
			{ "ip_forwarded", "forwarded" },
			{ "ip_delivered", "incoming packets delivered" },
			{ "ip_out", "requests sent out" },
			{ "ip_reasm_ok", "reassemblies OK" },
			{ "ip_frag_out", "fragments created" } } },
		{ "Icmp:", { "icmp:", NULL }, {
			{ "icmp_in", "ICMP messages received" },
			{ "icmp_out", "ICMP messages sent" },
			{ "icmp_echo_replies_out", "echo replies sent" } } },
		{ "Tcp:", { "tcp:", NULL }, {
			{ "tcp_conn_opened", "active connection openings" },
			{ "tcp_conn_accepted", "passive connection openings" },
			{ "tcp_conn_dropped", "connections dropped" },
			{ "tcp_in", "segments received" },
			{ "tcp_out", "segments sent out" },
			{ "tcp_retransmits", "segments retransmitted" },
			{ "tcp_fast_retransmits", "fast retransmits" },
			{ "tcp_timeouts", "retransmission timeouts" },
			{ "tcp_rst_in", "resets received" },
			{ "tcp_rst_out", "resets sent" },
			{ "tcp_syncookies_sent", "SYN cookies sent" },
			{ "tcp_syncookies_ok", "SYN cookies received" },
			{ "tcp_syncookies_failed", "invalid SYN cookies received" } } },
		{ "Udp:", { "udp:", NULL }, {
			{ "udp_in", "packets received" },
			{ "udp_out", "packets sent" } } },
		{ "Arp:", { "arp:", NULL }, {
			{ "arp_in", "packets received" },
			{ "arp_out", "packets sent" },
			{ "arp_requests", "requests sent" },
			{ "arp_replies", "replies sent" } } },
		{ "Nd:", { "nd:", "mld:", NULL }, {
			{ "nd_in", "neighbor discovery messages received" },
			{ "nd_ns_out", "neighbor solicitations sent" },
			{ "nd_na_out", "neighbor advertisements sent" },
			{ "nd_rs_out", "router solicitations sent" },
			{ "nd_dad_failed", "duplicate addresses detected" },
			{ "nd_ip6_disabled", "interfaces IPv6 stopped on (MAC-based link-local duplicate)" },
			{ "nd_idgen_retries", "stable addresses replaced after DAD conflict" },
			{ "nd_idgen_failed", "stable addresses given up after retries" },
			{ "mld_out", "MLD reports sent" } } },
		{ "Dns:", { "dns:", NULL }, {
			{ "dns_queries", "queries sent" },
			{ "dns_answers", "answers received" },
			{ "dns_cache_hits", "cache hits" } } },
		{ "Link:", { "eth:", "pkt:", "dev:" }, {
			{ "eth_in", "frames received" },
			{ "eth_out", "frames sent" } } },
	};

	if (multi)
		printf("Stack %s:\n", s->name);
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		const char *prefixes[4] = { groups[g].prefixes[0], groups[g].prefixes[1],
					    groups[g].prefixes[2], NULL };

		printf("%s\n", groups[g].group);
		for (size_t r = 0; r < sizeof(groups[g].rows) / sizeof(groups[g].rows[0]) &&
				    groups[g].rows[r].key; r++)
			printf("    %llu %s\n", stat_of(s, groups[g].rows[r].key),
			       groups[g].rows[r].text);
		show_drops(s, prefixes);
	}
}

static int show_stats(const char *path)
{
	char *text = query(path, "stats");
	char *save = NULL, *line;
	struct ns_stack *stacks = calloc(NS_MAX_STACKS, sizeof(*stacks));
	int n = 0;

	if (!text || !stacks) {
		free(text);
		free(stacks);
		return 1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct ns_stack *s = n ? &stacks[n - 1] : NULL;
		unsigned long long v;
		char key[32];
		int off = 0;

		if (!strncmp(line, "stack ", 6)) {
			if (n == NS_MAX_STACKS)
				break;
			snprintf(stacks[n++].name, sizeof(stacks[0].name), "%s", line + 6);
		} else if (s && sscanf(line, "stat %31s %llu", key, &v) == 2) {
			if (s->n_keys < NS_MAX_KEYS) {
				snprintf(s->key[s->n_keys], sizeof(s->key[0]), "%s", key);
				s->val[s->n_keys++] = v;
			}
		} else if (s && sscanf(line, "drop %llu %n", &v, &off) == 1 && off > 0) {
			if (s->n_drops < NS_MAX_DROPS) {
				snprintf(s->drop[s->n_drops], sizeof(s->drop[0]), "%s", line + off);
				s->drop_val[s->n_drops++] = v;
			}
		}
	}
	for (int i = 0; i < n; i++)
		show_stack_stats(&stacks[i], n > 1);
	fflush(stdout);
	free(text);
	free(stacks);
	return 0;
}

int cmd_netstat(int argc, char **argv)
{
	bool all = false, listening = false, tcp = false, udp = false, stats = false;
	bool addrs = false, neigh = false, routes = false;
	const char *ctl = NULL;
	char path[256], err[256];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			netstat_help();
			return 0;
		}
		if (tool_opt_is(a, "--ctl")) {
			ctl = tool_opt_value("netstat", netstat_usage, argc, argv, &i);
			if (!ctl)
				return 2;
			if (!*ctl)
				return tool_usage_error("netstat", netstat_usage, "empty --ctl path");
			continue;
		}
		if (!strcmp(a, "--all")) {
			all = true;
			continue;
		}
		if (!strcmp(a, "--statistics")) {
			stats = true;
			continue;
		}
		if (!strcmp(a, "--neigh")) {
			neigh = true;
			continue;
		}
		if (!strcmp(a, "--route")) {
			routes = true;
			continue;
		}
		if (!strcmp(a, "--interfaces")) {
			addrs = true;
			continue;
		}
		if (a[0] != '-' || a[1] == '-' || a[1] == '\0')
			return tool_usage_error("netstat", netstat_usage, "unexpected argument '%s'", a);
		/* Short options may be grouped: -tan, -su. */
		for (const char *c = a + 1; *c; c++) {
			switch (*c) {
			case 'a': all = true; break;
			case 'l': listening = true; break;
			case 't': tcp = true; break;
			case 'u': udp = true; break;
			case 'n': break;
			case 's': stats = true; break;
			case 'i': addrs = true; break;
			case 'r': routes = true; break;
			default:
				return tool_usage_error("netstat", netstat_usage, "unknown option -%c", *c);
			}
		}
	}
	if (!tcp && !udp)
		tcp = udp = true;
	if (!ctl) {
		if (tool_ctl_find(path, sizeof(path), err, sizeof(err)) < 0) {
			fprintf(stderr, "ustack netstat: %s\n", err);
			return 1;
		}
		ctl = path;
	}
	if (stats + addrs + neigh + routes > 1)
		return tool_usage_error("netstat", netstat_usage, "-s, -i, -r and --neigh go alone");
	if (routes)
		return show_routes(ctl);
	if (addrs)
		return show_addrs(ctl);
	if (neigh)
		return show_neigh(ctl);
	return stats ? show_stats(ctl) : show_sockets(ctl, all, listening, tcp, udp);
}
