/* common.h - what every network subcommand of `ustack` shares: the shared options
 * (--tap --dev --addr --gw --dns --pcap --trace --loss --seed --ctl), building a host on a
 * TAP or on an existing interface (AF_PACKET)
 * or a small in-process network on a vnet, SIGINT/SIGTERM as a flag, and teardown.
 *
 * A subcommand's option loop looks like:
 *
 *	struct tool_opts o;
 *	tool_opts_init(&o);
 *	for (int i = 1; i < argc; i++) {
 *		int r = tool_opt_common(&o, "ping", USAGE, argc, argv, &i);
 *		if (r < 0) return 2;          // error and usage already printed
 *		if (r > 0) continue;          // a shared option, consumed
 *		... its own options, positional arguments ...
 *	}
 *
 * and then either tool_net_tap(&o, "ping") (when o.tap is set: --tap or --dev) or tool_net_vnet(&o, ...)
 * with the hosts it wants; tool_net_free() at the end. Only the public API is used. */
#ifndef USTACK_TOOLS_COMMON_H
#define USTACK_TOOLS_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include "ustack/ustack.h"
#include "ustack/dev.h"
#include "dnsopt.h"

/* Help text for the shared options, for a subcommand's --help. */
#define TOOL_COMMON_HELP \
	"network options:\n" \
	"  --tap NAME         attach to the Linux TAP device NAME (else: an in-process network)\n" \
	"  --dev packet:IF    attach to the existing Ethernet interface IF (a veth, a NIC)\n" \
	"                     through AF_PACKET, with a MAC of its own; --dev tap:NAME = --tap\n" \
	"  --dev xdp:IF       the same through AF_XDP (libxdp's XDP program takes all of IF's\n" \
	"                     queue 0 from the kernel; native XDP, else generic)\n" \
	"  --addr A.B.C.D/N   this host's address on the link (required with --tap, --dev)\n" \
	"  --gw ADDR          default gateway, IPv4 or IPv6 (once for each family; an IPv6\n" \
	"                     one may be link-local: it is on this host's link)\n" \
	"  --addr6 A/N        an IPv6 address with its prefix (repeatable; after DAD); the\n" \
	"                     link-local address comes from the MAC (or --stable-secret)\n" \
	"  --slaac, --no-slaac  take addresses from router advertisements (default on)\n" \
	"  --stable-secret HEX  32 hex digits (':' allowed between them): link-local and\n" \
	"                     SLAAC addresses by RFC 7217 from this key, not from the MAC\n" \
	"  --dns ADDR         DNS server for the resolver: A.B.C.D, 2001:db8::53 or fe80::1%IF\n" \
	"                     (without --dns: the servers router advertisements give, RFC 8106)\n" \
	"  --pcap FILE        write every frame to FILE (pcap; Wireshark, tshark, tcpdump -r)\n" \
	"  --no-offload       TAP or packet:IF without checksum and segmentation offloads (--pcap,\n" \
	"                     --loss turn them off too: the capture shows wire frames)\n" \
	"  --trace            print one decoded line per frame and state change to stderr\n" \
	"  --loss P           drop each frame sent with probability P (0..1)\n" \
	"  --delay MS         delay each frame sent by MS milliseconds (fractions allowed)\n" \
	"  --impair-rx        --loss and --delay apply to received frames too\n" \
	"  --seed N           seed of the stack's random generator and of --loss\n" \
	"  --ctl PATH         control socket for `ustack netstat` (default /tmp/ustack-PID.ctl)\n"

struct tool_opts {
	const char *tap;            /* --tap NAME or --dev KIND:NAME: the link's interface;
	                             * NULL: in-process network */
	bool packet;                /* --dev packet:NAME: an AF_PACKET device, not a TAP */
	bool xdp;                   /* --dev xdp:NAME: an AF_XDP device */
	bool have_addr;
	struct in_addr addr;        /* --addr (network order) */
	int prefix;                 /* its prefix length */
	bool have_gw;
	struct in_addr gw;          /* --gw (IPv4) */
	bool have_gw6;
	struct in6_addr gw6;        /* --gw (IPv6) */
	bool have_dns;
	struct in_addr dns;         /* --dns when it is an IPv4 address (else 0.0.0.0) */
	struct tool_dns dns_server; /* --dns, either family */
	const char *pcap;           /* --pcap FILE */
	bool trace;                 /* --trace */
	bool no_offload;            /* --no-offload */
	double loss;                /* --loss P, 0 if not given */
	uint64_t delay_us;          /* --delay MS, 0 if not given */
	bool impair_rx;             /* --impair-rx: impair received frames too */
	uint64_t seed;              /* --seed N, 0 if not given (random) */
	const char *ctl;            /* --ctl PATH; NULL: the default path */
#define TOOL_MAX_ADDR6 4
	int n_addr6;
	struct in6_addr addr6[TOOL_MAX_ADDR6];   /* --addr6 (repeatable) */
	int plen6[TOOL_MAX_ADDR6];
	int slaac;                  /* --slaac 1, --no-slaac 0, -1 not given (on) */
	uint8_t stable_secret[16];  /* --stable-secret (all zero: not given, EUI-64) */
};

void tool_opts_init(struct tool_opts *o);

/* Looks at argv[*i]. If it is one of the shared options (also as --opt=VALUE), stores
 * it, advances *i past its value and returns 1. Returns 0 if it is not a shared option.
 * On a bad value or a missing one, prints the one-line error and usage (see
 * tool_usage_error) and returns -1: the caller then exits 2. */
int tool_opt_common(struct tool_opts *o, const char *cmd, const char *usage, int argc,
		    char **argv, int *i);

/* For a subcommand's own options that take a value: returns argv[*i + 1] (or the part
 * after '=' of "--opt=VALUE") and advances *i, or prints an error + usage and returns
 * NULL. The caller has already matched the option's name (tool_opt_is). */
const char *tool_opt_value(const char *cmd, const char *usage, int argc, char **argv, int *i);
/* For an option that takes an unsigned number in [min, max]: stores it in *out and
 * returns 0, or prints "ustack CMD: bad WHAT 'VALUE'" (or the missing-value error)
 * with the usage and returns 2, the exit status. */
int tool_opt_uint(const char *cmd, const char *usage, int argc, char **argv, int *i,
		  unsigned long long min, unsigned long long max, const char *what,
		  unsigned long long *out);
/* True when arg is opt, or "opt=..." (long options only). */
bool tool_opt_is(const char *arg, const char *opt);

/* Prints "ustack CMD: MESSAGE" (one line) then usage to stderr; returns 2. */
int tool_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Value parsers: return 0 on success, -1 if s is not entirely a valid value. */
int tool_parse_ip(const char *s, struct in_addr *out);                  /* "10.0.0.1" */
int tool_parse_cidr(const char *s, struct in_addr *out, int *prefix);
/* "2001:db8::1/64" (the prefix length required, 1..128); 0 or -1. */
int tool_parse_cidr6(const char *s, struct in6_addr *out, int *plen);   /* "10.0.0.1/24" (no /N: 24) */
int tool_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
int tool_parse_double(const char *s, double min, double max, double *out);
/* Reads a whole text file of at most max bytes, NUL-terminated (free it); NULL with
 * "ustack CMD: PATH: reason" printed on failure. */
#define TOOL_ZONE_MAX (1u << 20)
char *tool_read_file(const char *cmd, const char *path, size_t max);
/* "a.b.c.d" into buf (at least 16 bytes); returns buf. */
const char *tool_ip_str(struct in_addr a, char *buf);

/* --- signals --- */
/* SIGINT/SIGTERM set the flag (no SA_RESTART, so blocking system calls return EINTR);
 * SIGPIPE is ignored. Call once, early. */
void tool_signals_install(void);
extern volatile sig_atomic_t tool_stop_requested;
static inline bool tool_should_stop(void) { return tool_stop_requested != 0; }
/* Sleeps up to ms milliseconds, returning early (true) when a stop was requested. */
bool tool_sleep_ms(unsigned ms);
/* Until a stop is requested. */
void tool_wait_for_signal(void);

/* --- the network a subcommand runs on --- */
#define TOOL_MAX_HOSTS 8

/* One host of an in-process network: one interface on the shared vnet. */
struct tool_host_spec {
	const char *name;           /* stack name, for traces and netstat ("client", ...) */
	const char *addr;           /* "10.0.0.1/24" */
	const char *gw;             /* default gateway or NULL */
	const char *dns;            /* resolver server or NULL */
	uint64_t latency_us;        /* link latency of its port (0: none) */
	uint64_t bits_per_sec;      /* link rate (0: unlimited) */
};

struct tool_ctl;

struct tool_net {
	int n;                              /* hosts */
	struct ustack *st[TOOL_MAX_HOSTS];  /* started (ustack_start) when built */
	int ifindex[TOOL_MAX_HOSTS];        /* the interface of each */
	struct in_addr addr[TOOL_MAX_HOSTS];
	int prefix[TOOL_MAX_HOSTS];
	struct ustack_vnet *vnet;           /* in-process only */
	struct ustack_pcap *pcap;           /* the shared capture file, if --pcap */
	struct tool_ctl *ctl;               /* the control socket, if tool_net_serve_ctl */
	struct ustack_dev *packet;          /* the AF_PACKET device under any wrapper, if one */
	struct ustack_dev *xdp;             /* the AF_XDP device under any wrapper, if one */
	bool started;
};

/* ustack_pcap_open, with records dated by the wall clock (the tools run their stacks on
 * ustack_clock_us, whose zero is not a date). NULL with errno on failure. */
struct ustack_pcap *tool_pcap_open(const char *path);

/* One host on the TAP o->tap (or, with o->packet, on the interface o->tap through
 * AF_PACKET) with o->addr (required: error printed, NULL returned
 * otherwise), o->gw as gateway, o->dns as resolver; the device wrapped in pcap
 * (o->pcap) and impair (o->loss, o->seed) as asked; trace on stderr if o->trace.
 * name names the stack. Started. NULL on failure (a one-line error printed). */
struct tool_net *tool_net_tap(const struct tool_opts *o, const char *name);

/* n hosts on a fresh vnet with the given addresses; each port wrapped into one shared
 * capture file o->pcap if set, and in impair if o->loss; o->seed (if set) seeds stack i
 * with seed + i. All started. NULL on failure (a one-line error printed). */
struct tool_net *tool_net_vnet(const struct tool_opts *o, const struct tool_host_spec *hosts,
			       int n);

/* Serves the control socket (ctl.h) for every host of net at o->ctl, or the default path.
 * Returns 0, or -1 (error printed). Removed by tool_net_free. */
int tool_net_serve_ctl(struct tool_net *net, const struct tool_opts *o);

/* Stops every runner, closes the control socket, frees the stacks, the vnet and the
 * capture file. net may be NULL. */
void tool_net_free(struct tool_net *net);

/* With --dev packet:IF (or xdp:IF): the device's counters (frames, ring blocks or
 * batches, drops) in one line. */
void tool_packet_print(const struct tool_net *net, FILE *out);

/* The trace hook --trace installs: "[    1.234567] NAME rx|tx|DROP|state|info LINE" to
 * stderr, the time relative to the first network built. ctx unused. */
void tool_trace_stderr(void *ctx, const struct ustack_trace *ev);

#endif
