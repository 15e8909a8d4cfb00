/* ping.c - `ustack ping [options] HOST`: ICMP echo requests from a ustack host, printed
 * the way iputils ping prints them (per-reply lines, ICMP errors, the statistics block).
 *
 * Over --tap (with --addr) the host is on a real link. Without --tap the command builds a
 * two-host network in memory: this host 10.0.0.1/24 and a peer 10.0.0.2/24 that answers;
 * any other address of 10.0.0.0/24 has nobody behind it.
 *
 * HOST may be an IPv6 address (ICMPv6 echo, ustack_ping6_send); a link-local one names
 * its interface as iputils does, fe80::1%IFNAME (the --tap name) or %INDEX. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "common.h"
#include "ustack/netdb.h"

#define PING_MAX_PAYLOAD 65507   /* 65535 - 20 (IP) - 8 (ICMP) */
#define PING_SEQ_BITS 65536

static const char ping_usage[] =
	"usage: ustack ping [-c COUNT] [-i SECS] [-s SIZE] [-t TTL] [-W SECS] [-w SECS] [-q]\n"
	"                   [--tap NAME --addr A.B.C.D/N] [network options] HOST|IPV6[%IF]\n";

struct ping_opts {
	unsigned long long count;   /* 0: until interrupted */
	double interval;            /* seconds */
	unsigned long long size;    /* payload bytes */
	unsigned long long ttl;     /* 0: default */
	double wait;                /* -W: seconds to wait for a reply with none seen */
	double deadline;            /* -w: seconds for the whole run, 0: none */
	bool quiet;
	const char *host;
};

struct ping_stats {
	unsigned long long sent, received, errors, dups;
	double tmin, tmax, tsum, tsum2;   /* ms */
	uint8_t seen[PING_SEQ_BITS / 8];  /* replies by sequence number, for (DUP!) */
};

static void ping_help(void)
{
	printf("%s\n"
	       "Send ICMP echo requests to HOST and print the replies, like iputils ping.\n\n"
	       "  -c COUNT   stop after COUNT requests (default: until interrupted)\n"
	       "  -i SECS    seconds between requests, fractional (default 1)\n"
	       "  -s SIZE    payload bytes (default 56; above the MTU the datagram is fragmented)\n"
	       "  -t TTL     IP time to live of the requests\n"
	       "  -W SECS    how long to wait for a reply when none has come (default 10)\n"
	       "  -w SECS    stop after SECS seconds whatever the count\n"
	       "  -q         quiet: only the summary\n\n"
	       "Without --tap: an in-process network, this host 10.0.0.1/24 and a peer 10.0.0.2.\n\n"
	       "%s",
	       ping_usage, TOOL_COMMON_HELP);
}

/* "-c5" or "-c 5": the value of short option c, advancing *i; NULL with usage printed. */
static const char *short_value(int argc, char **argv, int *i)
{
	const char *arg = argv[*i];

	if (arg[2])
		return arg + 2;
	if (*i + 1 >= argc) {
		tool_usage_error("ping", ping_usage, "option %s needs a value", arg);
		return NULL;
	}
	(*i)++;
	return argv[*i];
}

static int parse_args(int argc, char **argv, struct tool_opts *o, struct ping_opts *p)
{
	memset(p, 0, sizeof(*p));
	p->interval = 1.0;
	p->size = 56;
	p->wait = 10.0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int r;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			ping_help();
			return 0;
		}
		r = tool_opt_common(o, "ping", ping_usage, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (a[0] != '-' || a[1] == '\0') {
			if (p->host)
				return tool_usage_error("ping", ping_usage, "one HOST only ('%s')", a);
			p->host = a;
			continue;
		}
		if (!strcmp(a, "-q")) {
			p->quiet = true;
			continue;
		}
		if (a[1] == '-' || !strchr("cistWw", a[1]))
			return tool_usage_error("ping", ping_usage, "unknown option %s", a);
		v = short_value(argc, argv, &i);
		if (!v)
			return 2;
		switch (a[1]) {
		case 'c':
			if (tool_parse_uint(v, 1000000000ULL, &p->count) < 0 || p->count == 0)
				return tool_usage_error("ping", ping_usage, "bad count '%s'", v);
			break;
		case 'i':
			if (tool_parse_double(v, 0.001, 3600.0, &p->interval) < 0)
				return tool_usage_error("ping", ping_usage,
							"bad interval '%s' (0.001 to 3600 s)", v);
			break;
		case 's':
			if (tool_parse_uint(v, PING_MAX_PAYLOAD, &p->size) < 0)
				return tool_usage_error("ping", ping_usage, "bad size '%s' (0 to %d)", v,
							PING_MAX_PAYLOAD);
			break;
		case 't':
			if (tool_parse_uint(v, 255, &p->ttl) < 0 || p->ttl == 0)
				return tool_usage_error("ping", ping_usage, "bad ttl '%s' (1 to 255)", v);
			break;
		case 'W':
			if (tool_parse_double(v, 0.001, 3600.0, &p->wait) < 0)
				return tool_usage_error("ping", ping_usage, "bad timeout '%s'", v);
			break;
		default:
			if (tool_parse_double(v, 0.001, 86400.0, &p->deadline) < 0)
				return tool_usage_error("ping", ping_usage, "bad deadline '%s'", v);
			break;
		}
	}
	if (!p->host)
		return tool_usage_error("ping", ping_usage, "missing HOST");
	if (!o->tap && (o->have_addr || o->have_gw))
		return tool_usage_error("ping", ping_usage, "--addr and --gw need --tap");
	return -1;   /* go on */
}

/* The destination: IPv4 or IPv6 (with the interface of a link-local address). */
struct ping_dst {
	int family;
	struct in_addr v4;
	struct in6_addr v6;
	int ifindex;             /* IPv6: -1 unless given with %IF */
};

/* ICMPv6 errors (RFC 4443), worded as iputils ping prints them. */
static const char *icmp6_error_text(uint8_t type, uint8_t code, char *buf, size_t cap)
{
	static const char *const unreach[] = {
		"Destination unreachable: No route", "Destination unreachable: Administratively prohibited",
		"Destination unreachable: Beyond scope of source address",
		"Destination unreachable: Address unreachable", "Destination unreachable: Port unreachable",
	};

	if (type == 1 && code < sizeof(unreach) / sizeof(unreach[0]))
		return unreach[code];
	if (type == 2)
		return "Packet too big";
	if (type == 3)
		return code == 0 ? "Time exceeded: Hop limit" : "Time exceeded: Defragmentation failure";
	if (type == 4)
		return "Parameter problem";
	snprintf(buf, cap, "Bad ICMPv6 type: %u, code: %u", type, code);
	return buf;
}

static const char *icmp_error_text(uint8_t type, uint8_t code, char *buf, size_t cap)
{
	static const char *const unreach[] = {
		"Destination Net Unreachable", "Destination Host Unreachable",
		"Destination Protocol Unreachable", "Destination Port Unreachable",
		"Frag needed and DF set", "Source Route Failed", "Destination Net Unknown",
		"Destination Host Unknown", "Source Host Isolated", "Destination Net Prohibited",
		"Destination Host Prohibited", "Destination Net Unreachable for Type of Service",
		"Destination Host Unreachable for Type of Service", "Packet filtered",
		"Precedence Violation", "Precedence Cutoff",
	};

	if (type == 3 && code < sizeof(unreach) / sizeof(unreach[0]))
		return unreach[code];
	if (type == 11)
		return code == 0 ? "Time to live exceeded" : "Frag reassembly time exceeded";
	if (type == 12)
		return "Parameter problem";
	if (type == 5)
		return "Redirect";
	snprintf(buf, cap, "Bad ICMP type: %u, code: %u", type, code);
	return buf;
}

/* iputils' rounding: three digits below 1 ms, then two, one, none. */
static void print_time(uint64_t us)
{
	if (us >= 100000 - 50)
		printf(" time=%llu ms", (unsigned long long)((us + 500) / 1000));
	else if (us >= 10000 - 5)
		printf(" time=%llu.%01llu ms", (unsigned long long)((us + 50) / 1000),
		       (unsigned long long)(((us + 50) % 1000) / 100));
	else if (us >= 1000)
		printf(" time=%llu.%02llu ms", (unsigned long long)((us + 5) / 1000),
		       (unsigned long long)(((us + 5) % 1000) / 10));
	else
		printf(" time=0.%03llu ms", (unsigned long long)us);
}

static void handle_reply(const struct ping_opts *p, struct ping_stats *s,
			 const struct ustack_ping_reply *r)
{
	char ip[INET6_ADDRSTRLEN], buf[64];
	bool v6 = r->family == AF_INET6;

	if (v6)
		inet_ntop(AF_INET6, &r->from6, ip, sizeof(ip));
	else
		tool_ip_str(r->from, ip);
	if (v6 ? r->type != 129 : r->type != 0) {
		s->errors++;
		if (!p->quiet)
			printf("From %s icmp_seq=%u %s\n", ip, r->seq,
			       v6 ? icmp6_error_text(r->type, r->code, buf, sizeof(buf)) :
				    icmp_error_text(r->type, r->code, buf, sizeof(buf)));
		fflush(stdout);
		return;
	}
	bool dup = s->seen[r->seq / 8] & (1u << (r->seq % 8));
	double ms = (double)r->rtt_us / 1000.0;

	if (dup) {
		s->dups++;
	} else {
		s->seen[r->seq / 8] |= (uint8_t)(1u << (r->seq % 8));
		s->received++;
		if (s->received == 1 || ms < s->tmin)
			s->tmin = ms;
		if (ms > s->tmax)
			s->tmax = ms;
		s->tsum += ms;
		s->tsum2 += ms * ms;
	}
	if (p->quiet)
		return;
	printf("%zu bytes from %s: icmp_seq=%u %s=%u", r->len, ip, r->seq, v6 ? "hlim" : "ttl",
	       r->ttl);
	print_time(r->rtt_us);
	if (dup)
		printf(" (DUP!)");
	if (!r->payload_ok)
		printf(" (wrong data)");
	printf("\n");
	fflush(stdout);
}

/* Takes replies until the absolute time until_us (or a stop request, or, when stop_when_done,
 * every request answered). */
static void collect(struct ustack *st, uint16_t id, const struct ping_opts *p,
		    struct ping_stats *s, uint64_t until_us, bool stop_when_done)
{
	for (;;) {
		struct ustack_ping_reply r;
		uint64_t now = ustack_clock_us();
		uint64_t left_ms;

		if (tool_should_stop() || now >= until_us)
			return;
		if (stop_when_done && s->received + s->errors >= s->sent)
			return;
		left_ms = (until_us - now + 999) / 1000;
		if (left_ms > 100)   /* look at the stop flag now and then */
			left_ms = 100;
		if (ustack_ping_recv(st, id, &r, (int)left_ms) == 0)
			handle_reply(p, s, &r);
		else if (errno != EAGAIN && errno != ETIMEDOUT && errno != EINTR)
			return;
	}
}

static void print_summary(const char *host, const struct ping_stats *s, uint64_t elapsed_us)
{
	printf("\n--- %s ping statistics ---\n", host);
	printf("%llu packets transmitted, %llu received", s->sent, s->received);
	if (s->dups)
		printf(", +%llu duplicates", s->dups);
	if (s->errors)
		printf(", +%llu errors", s->errors);
	printf(", %g%% packet loss, time %llums\n",
	       s->sent ? (double)(s->sent - s->received) * 100.0 / (double)s->sent : 0.0,
	       (unsigned long long)(elapsed_us / 1000));
	if (s->received) {
		double n = (double)s->received;
		double avg = s->tsum / n;
		double var = s->tsum2 / n - avg * avg;

		printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", s->tmin, avg, s->tmax,
		       var > 0 ? sqrt(var) : 0.0);
	}
	fflush(stdout);
}

/* HOST as an IPv6 address with an optional %IF; 0, 1 if it is not one, -1 on error. */
static int parse_v6(const char *host, const struct tool_opts *o, const struct tool_net *net,
		    struct ping_dst *out)
{
	char buf[INET6_ADDRSTRLEN + 32];
	char *pct;

	if (!strchr(host, ':') || strlen(host) >= sizeof(buf))
		return 1;
	strcpy(buf, host);
	pct = strchr(buf, '%');
	if (pct)
		*pct++ = '\0';
	if (inet_pton(AF_INET6, buf, &out->v6) != 1)
		return 1;
	out->family = AF_INET6;
	out->ifindex = -1;
	if (pct) {
		unsigned long long n;

		if (tool_parse_uint(pct, 7, &n) == 0)
			out->ifindex = (int)n;
		else if (o->tap && !strcmp(pct, o->tap))
			out->ifindex = net->ifindex[0];
		else {
			fprintf(stderr, "ping: %s: unknown interface '%s'\n", host, pct);
			return -1;
		}
	}
	return 0;
}

/* HOST as an address, or a name through the stack's resolver. */
static int resolve_host(struct ustack *st, const char *host, const struct tool_opts *o,
			const struct tool_net *net, struct ping_dst *d)
{
	struct addrinfo hints, *res = NULL;
	struct in_addr *out = &d->v4;
	int e;

	d->family = AF_INET;
	e = parse_v6(host, o, net, d);
	if (e <= 0)
		return e;
	if (tool_parse_ip(host, out) == 0)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	e = ustack_getaddrinfo(st, host, NULL, &hints, &res);
	if (e || !res) {
		fprintf(stderr, "ping: %s: %s\n", host, e ? ustack_gai_strerror(e) : "no address");
		return -1;
	}
	*out = ((const struct sockaddr_in *)res->ai_addr)->sin_addr;
	ustack_freeaddrinfo(res);
	return 0;
}

int cmd_ping(int argc, char **argv)
{
	static const struct tool_host_spec hosts[2] = {
		{ .name = "ping", .addr = "10.0.0.1/24" },
		{ .name = "peer", .addr = "10.0.0.2/24" },
	};
	struct tool_opts o;
	struct ping_opts p;
	struct ping_stats *s;
	struct tool_net *net;
	struct ping_dst dst;
	uint64_t start, next, end_by = UINT64_MAX;
	int addr_waits = 0;
	uint16_t id = (uint16_t)(getpid() & 0xffff);
	uint8_t *payload = NULL;
	char ip[INET6_ADDRSTRLEN];
	int rc;

	tool_opts_init(&o);
	rc = parse_args(argc, argv, &o, &p);
	if (rc >= 0)
		return rc;
	tool_signals_install();
	net = o.tap ? tool_net_tap(&o, "ping") : tool_net_vnet(&o, hosts, 2);
	if (!net)
		return 2;
	/* A long ping can be watched with `ustack netstat --ctl PATH` when asked for. */
	if (o.ctl && tool_net_serve_ctl(net, &o) < 0) {
		tool_net_free(net);
		return 2;
	}
	s = calloc(1, sizeof(*s));
	if (p.size)
		payload = malloc(p.size);
	if (!s || (p.size && !payload)) {
		fprintf(stderr, "ping: out of memory\n");
		rc = 1;
		goto out;
	}
	/* iputils' pattern: byte i of the data is i (after its timestamp, which we do not need). */
	for (size_t i = 0; i < p.size; i++)
		payload[i] = (uint8_t)i;
	if (resolve_host(net->st[0], p.host, &o, net, &dst) < 0) {
		rc = 2;
		goto out;
	}
	if (dst.family == AF_INET6)
		inet_ntop(AF_INET6, &dst.v6, ip, sizeof(ip));
	else
		tool_ip_str(dst.v4, ip);
	printf("PING %s (%s) %llu(%llu) bytes of data.\n", p.host, ip, p.size,
	       p.size + (dst.family == AF_INET6 ? 48 : 28));
	fflush(stdout);
	start = ustack_clock_us();
	if (p.deadline > 0)
		end_by = start + (uint64_t)(p.deadline * 1e6);
	next = start;
	while (!tool_should_stop() && (p.count == 0 || s->sent < p.count)) {
		uint16_t seq = (uint16_t)(s->sent + 1);

		if (ustack_clock_us() >= end_by)
			break;
		int sr = dst.family == AF_INET6 ?
			 ustack_ping6_send(net->st[0], &dst.v6, dst.ifindex, id, seq, payload, p.size,
					   (uint8_t)p.ttl) :
			 ustack_ping_send(net->st[0], dst.v4, id, seq, payload, p.size, (uint8_t)p.ttl);
		/* An interface that just came up has its IPv6 addresses tentative for a
		 * second or two (Duplicate Address Detection): the first request waits for
		 * a usable source, up to 5 s. */
		if (sr < 0 && errno == EADDRNOTAVAIL && s->sent == 0 && addr_waits < 50) {
			addr_waits++;
			usleep(100000);
			start = next = ustack_clock_us();
			continue;
		}
		if (sr < 0)
			fprintf(stderr, "ping: sendmsg: %s\n", strerror(errno));
		s->sent++;
		/* The sequence number wraps at 65536: forget what we saw of the old round. */
		s->seen[(uint16_t)(seq + 1) / 8] &= (uint8_t)~(1u << ((uint16_t)(seq + 1) % 8));
		if (p.count && s->sent >= p.count)
			break;
		next += (uint64_t)(p.interval * 1e6);
		collect(net->st[0], id, &p, s, next < end_by ? next : end_by, false);
	}
	if (!tool_should_stop() && s->received + s->errors < s->sent) {
		/* As iputils: twice the worst round trip once something answered, else -W. */
		uint64_t linger = s->received ? (uint64_t)(2.0 * s->tmax * 1000.0) + 10000
					      : (uint64_t)(p.wait * 1e6);
		uint64_t until = ustack_clock_us() + linger;

		collect(net->st[0], id, &p, s, until < end_by ? until : end_by, true);
	}
	print_summary(p.host, s, ustack_clock_us() - start);
	rc = s->received ? 0 : 1;
out:
	free(payload);
	free(s);
	tool_net_free(net);
	return rc;
}
