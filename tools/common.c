/* common.c - the shared options, host building (TAP or in-process vnet), signals and
 * teardown of the network subcommands. See common.h. Public API only. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "common.h"
#include "ctl.h"
#include "ustack/netdb.h"

volatile sig_atomic_t tool_stop_requested;
/* The time traces are printed relative to: the first network built. */
static uint64_t trace_epoch_us;

void tool_opts_init(struct tool_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->prefix = 24;
	o->slaac = -1;
}

int tool_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ustack %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (usage)
		fputs(usage, stderr);
	return 2;
}

bool tool_opt_is(const char *arg, const char *opt)
{
	size_t n = strlen(opt);

	if (strncmp(arg, opt, n))
		return false;
	return arg[n] == '\0' || (arg[n] == '=' && opt[0] == '-' && opt[1] == '-');
}

const char *tool_opt_value(const char *cmd, const char *usage, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	const char *eq = arg[0] == '-' && arg[1] == '-' ? strchr(arg, '=') : NULL;

	if (eq)
		return eq + 1;
	if (*i + 1 >= argc) {
		tool_usage_error(cmd, usage, "option %s needs a value", arg);
		return NULL;
	}
	(*i)++;
	return argv[*i];
}

int tool_opt_uint(const char *cmd, const char *usage, int argc, char **argv, int *i,
		  unsigned long long min, unsigned long long max, const char *what,
		  unsigned long long *out)
{
	const char *v = tool_opt_value(cmd, usage, argc, argv, i);
	unsigned long long u;

	if (!v)
		return 2;
	if (tool_parse_uint(v, max, &u) < 0 || u < min)
		return tool_usage_error(cmd, usage, "bad %s '%s'", what, v);
	*out = u;
	return 0;
}

int tool_parse_ip(const char *s, struct in_addr *out)
{
	/* inet_pton accepts exactly the dotted quad, no shorthand forms. */
	return inet_pton(AF_INET, s, out) == 1 ? 0 : -1;
}

int tool_parse_cidr6(const char *s, struct in6_addr *out, int *plen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	unsigned long long p;

	if (!slash || slash == s || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (inet_pton(AF_INET6, buf, out) != 1 || tool_parse_uint(slash + 1, 128, &p) < 0 || p == 0)
		return -1;
	*plen = (int)p;
	return 0;
}

int tool_parse_cidr(const char *s, struct in_addr *out, int *prefix)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long long p = 24;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (tool_parse_ip(buf, out) < 0)
		return -1;
	if (slash && tool_parse_uint(slash + 1, 32, &p) < 0)
		return -1;
	if (p == 0)
		return -1;
	*prefix = (int)p;
	return 0;
}

int tool_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int tool_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || v != v || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

const char *tool_ip_str(struct in_addr a, char *buf)
{
	if (!inet_ntop(AF_INET, &a, buf, 16))
		strcpy(buf, "?");
	return buf;
}

char *tool_read_file(const char *cmd, const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f) {
		fprintf(stderr, "ustack %s: %s: %s\n", cmd, path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		fprintf(stderr, "ustack %s: out of memory\n", cmd);
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		fprintf(stderr, "ustack %s: %s: %s\n", cmd, path,
			ferror(f) ? "read error" : "file too large");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

int tool_opt_common(struct tool_opts *o, const char *cmd, const char *usage, int argc,
		    char **argv, int *i)
{
	const char *arg = argv[*i];
	const char *v;
	unsigned long long u;

	if (!strcmp(arg, "--trace")) {
		o->trace = true;
		return 1;
	}
	if (!strcmp(arg, "--no-offload")) {
		o->no_offload = true;
		return 1;
	}
	if (!strcmp(arg, "--impair-rx")) {
		o->impair_rx = true;
		return 1;
	}
	if (!strcmp(arg, "--slaac") || !strcmp(arg, "--no-slaac")) {
		o->slaac = !strcmp(arg, "--slaac");
		return 1;
	}
	if (!tool_opt_is(arg, "--tap") && !tool_opt_is(arg, "--dev") &&
	    !tool_opt_is(arg, "--addr") && !tool_opt_is(arg, "--addr6") &&
	    !tool_opt_is(arg, "--gw") && !tool_opt_is(arg, "--dns") &&
	    !tool_opt_is(arg, "--pcap") && !tool_opt_is(arg, "--loss") &&
	    !tool_opt_is(arg, "--delay") &&
	    !tool_opt_is(arg, "--seed") && !tool_opt_is(arg, "--ctl") &&
	    !tool_opt_is(arg, "--stable-secret"))
		return 0;
	v = tool_opt_value(cmd, usage, argc, argv, i);
	if (!v)
		return -1;
	if (tool_opt_is(arg, "--tap")) {
		if (!*v || strlen(v) >= 16)
			goto bad;
		o->tap = v;
		o->packet = false;
		o->xdp = false;
	} else if (tool_opt_is(arg, "--dev")) {
		const char *name = strchr(v, ':');

		if (!name || !name[1] || strlen(name + 1) >= 16)
			goto bad;
		o->packet = o->xdp = false;
		if (!strncmp(v, "packet:", 7))
			o->packet = true;
		else if (!strncmp(v, "xdp:", 4))
			o->xdp = true;
		else if (strncmp(v, "tap:", 4))
			goto bad;
		if (o->xdp && !ustack_xdp_supported()) {
			tool_usage_error(cmd, NULL, "--dev %s: this ustack was built without libxdp "
					 "(AF_XDP; Debian: libxdp-dev libbpf-dev)", v);
			return -1;
		}
		o->tap = name + 1;
	} else if (tool_opt_is(arg, "--addr")) {
		if (tool_parse_cidr(v, &o->addr, &o->prefix) < 0)
			goto bad;
		o->have_addr = true;
	} else if (tool_opt_is(arg, "--addr6")) {
		if (o->n_addr6 == TOOL_MAX_ADDR6) {
			tool_usage_error(cmd, usage, "at most %d --addr6", TOOL_MAX_ADDR6);
			return -1;
		}
		if (tool_parse_cidr6(v, &o->addr6[o->n_addr6], &o->plen6[o->n_addr6]) < 0)
			goto bad;
		o->n_addr6++;
	} else if (tool_opt_is(arg, "--gw")) {
		if (strchr(v, ':')) {
			if (inet_pton(AF_INET6, v, &o->gw6) != 1 || IN6_IS_ADDR_MULTICAST(&o->gw6) ||
			    IN6_IS_ADDR_UNSPECIFIED(&o->gw6))
				goto bad;
			o->have_gw6 = true;
		} else {
			if (tool_parse_ip(v, &o->gw) < 0)
				goto bad;
			o->have_gw = true;
		}
	} else if (tool_opt_is(arg, "--dns")) {
		if (tool_dns_parse(v, &o->dns_server) < 0)
			goto bad;
		o->dns.s_addr = o->dns_server.family == AF_INET ? o->dns_server.v4.s_addr : 0;
		o->have_dns = true;
	} else if (tool_opt_is(arg, "--pcap")) {
		if (!*v)
			goto bad;
		o->pcap = v;
	} else if (tool_opt_is(arg, "--loss")) {
		if (tool_parse_double(v, 0.0, 1.0, &o->loss) < 0)
			goto bad;
	} else if (tool_opt_is(arg, "--delay")) {
		double ms;

		if (tool_parse_double(v, 0.0, 10000.0, &ms) < 0)
			goto bad;
		o->delay_us = (uint64_t)(ms * 1000.0 + 0.5);
	} else if (tool_opt_is(arg, "--stable-secret")) {
		/* 32 hex digits, optionally in groups split by ':' (Linux's stable_secret) */
		int n = 0;

		for (const char *c = v; *c; c++) {
			int d = *c >= '0' && *c <= '9' ? *c - '0'
				: *c >= 'a' && *c <= 'f' ? *c - 'a' + 10
				: *c >= 'A' && *c <= 'F' ? *c - 'A' + 10 : -1;

			if (*c == ':')
				continue;
			if (d < 0 || n == 32)
				goto bad;
			o->stable_secret[n / 2] = (uint8_t)(o->stable_secret[n / 2] << 4 | d);
			n++;
		}
		if (n != 32)
			goto bad;
	} else if (tool_opt_is(arg, "--seed")) {
		if (tool_parse_uint(v, UINT64_MAX, &u) < 0)
			goto bad;
		o->seed = u;
	} else {
		if (!*v)
			goto bad;
		o->ctl = v;
	}
	if (o->have_dns && !tool_dns_scope_ok(&o->dns_server, o->tap)) {
		tool_usage_error(cmd, usage, "--dns: no interface '%s' (the link is %s)",
				 o->dns_server.scope, o->tap);
		return -1;
	}
	return 1;
bad:
	tool_usage_error(cmd, usage, "bad value '%s' for %.*s", v,
			 (int)strcspn(arg, "="), arg);
	return -1;
}

/* --- signals --- */

static void on_stop_signal(int sig)
{
	(void)sig;
	tool_stop_requested = 1;
}

void tool_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;   /* no SA_RESTART: a blocked read returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

bool tool_sleep_ms(unsigned ms)
{
	uint64_t end = ustack_clock_us() + (uint64_t)ms * 1000u;

	while (!tool_should_stop()) {
		uint64_t now = ustack_clock_us();
		uint64_t left = end > now ? end - now : 0;
		struct timespec ts;

		if (left == 0)
			return false;
		if (left > 50000)   /* wake now and then: the signal may hit another thread */
			left = 50000;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000;
		nanosleep(&ts, NULL);
	}
	return true;
}

void tool_wait_for_signal(void)
{
	while (!tool_sleep_ms(1000))
		;
}

/* Threads started while SIGINT/SIGTERM are blocked keep them blocked, so the signals
 * go to the main thread and interrupt what it is waiting in. */
static void block_stop_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* --- trace --- */

void tool_trace_stderr(void *ctx, const struct ustack_trace *ev)
{
	uint64_t t = ev->time_us >= trace_epoch_us ? ev->time_us - trace_epoch_us : 0;
	const char *kind;

	(void)ctx;
	switch (ev->kind) {
	case USTACK_TRACE_RX: kind = "rx"; break;
	case USTACK_TRACE_TX: kind = "tx"; break;
	case USTACK_TRACE_DROP: kind = "DROP"; break;
	case USTACK_TRACE_STATE: kind = "state"; break;
	default: kind = "info"; break;
	}
	fprintf(stderr, "[%5llu.%06llu] %s %-5s %s\n", (unsigned long long)(t / 1000000u),
		(unsigned long long)(t % 1000000u), ev->stack ? ev->stack : "?", kind,
		ev->line ? ev->line : "");
}

/* --- building --- */

static struct tool_net *net_alloc(void)
{
	struct tool_net *net = calloc(1, sizeof(*net));

	if (!net) {
		fprintf(stderr, "ustack: out of memory\n");
		return NULL;
	}
	if (!trace_epoch_us)
		trace_epoch_us = ustack_clock_us();
	for (int i = 0; i < TOOL_MAX_HOSTS; i++)
		net->ifindex[i] = -1;
	return net;
}

/* Wraps dev in the impairment o asks for. On failure dev is closed. */
static struct ustack_dev *wrap_impair(const struct tool_opts *o, struct ustack_dev *dev,
				      uint64_t seed)
{
	struct ustack_impair cfg;
	struct ustack_dev *w;

	if (!dev || (o->loss <= 0.0 && o->delay_us == 0))
		return dev;
	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = seed ? seed : 1;
	cfg.loss = o->loss;
	cfg.delay_us = o->delay_us;
	cfg.rx = o->impair_rx;
	w = ustack_impair_wrap(dev, &cfg);
	if (!w) {
		fprintf(stderr, "ustack: cannot add the impairment: %s\n", strerror(errno));
		ustack_dev_close(dev);
	}
	return w;
}

static struct ustack *new_stack(const struct tool_opts *o, const char *name, uint64_t seed)
{
	struct ustack_config cfg;
	struct ustack *st;

	memset(&cfg, 0, sizeof(cfg));
	cfg.name = name;
	cfg.seed = seed;
	memcpy(cfg.ipv6_stable_secret, o->stable_secret, sizeof(cfg.ipv6_stable_secret));
	st = ustack_new(&cfg);
	if (!st) {
		fprintf(stderr, "ustack: cannot create the stack: %s\n", strerror(errno));
		return NULL;
	}
	if (o->trace)
		ustack_set_trace(st, tool_trace_stderr, NULL);
	/* Give the stack the runner's clock now, so what ustack_if_add sends (the gratuitous
	 * ARP) is stamped in the same time line as everything after ustack_start. */
	ustack_step(st, ustack_clock_us());
	return st;
}

static int configure_host(struct ustack *st, const char *gw, const struct in_addr *gwa,
			  const struct tool_dns *dns)
{
	char buf[16];

	if (gwa && ustack_set_gateway(st, *gwa) < 0) {
		fprintf(stderr, "ustack: cannot set gateway %s: %s\n", gw ? gw : tool_ip_str(*gwa, buf),
			strerror(errno));
		return -1;
	}
	if (dns) {
		struct ustack_resolver_config rc;

		memset(&rc, 0, sizeof(rc));
		if (tool_dns_add(st, ustack_name(st), dns, &rc) < 0)
			return -1;
		if (ustack_resolver_configure(st, &rc) < 0) {
			fprintf(stderr, "ustack: cannot configure the resolver: %s\n", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* --slaac / --no-slaac and the --addr6 addresses (DAD runs once the stack runs). */
static int configure_ipv6(struct ustack *st, int ifx, const struct tool_opts *o)
{
	char buf[INET6_ADDRSTRLEN];

	if (o->slaac >= 0 && ustack_if_set_slaac(st, ifx, o->slaac == 1) < 0) {
		fprintf(stderr, "ustack: cannot set SLAAC: %s\n", strerror(errno));
		return -1;
	}
	for (int i = 0; i < o->n_addr6; i++) {
		if (ustack_if_add6(st, ifx, &o->addr6[i], o->plen6[i]) < 0) {
			fprintf(stderr, "ustack: cannot add %s/%d: %s\n",
				inet_ntop(AF_INET6, &o->addr6[i], buf, sizeof(buf)), o->plen6[i],
				strerror(errno));
			return -1;
		}
	}
	if (o->have_gw6 && ustack_set_gateway6(st, &o->gw6, ifx) < 0) {
		fprintf(stderr, "ustack: cannot set gateway %s: %s\n",
			inet_ntop(AF_INET6, &o->gw6, buf, sizeof(buf)), strerror(errno));
		return -1;
	}
	return 0;
}

/* The --addr6 addresses leave TENTATIVE once Duplicate Address Detection is done (a
 * second or so after the start): a tool that connects at once waits for them, up to
 * 5 s, so its first connection has a source. A duplicate is said and not waited for. */
static void wait_addr6_ready(struct ustack *st, const struct tool_opts *o)
{
	struct ustack_addr6 a[16];
	char buf[INET6_ADDRSTRLEN];

	for (int tries = 0; o->n_addr6 > 0 && tries < 100; tries++) {
		size_t n = ustack_if_addrs6(st, -1, a, 16);
		int pending = 0;

		for (int k = 0; k < o->n_addr6; k++)
			for (size_t i = 0; i < n; i++)
				if (!memcmp(&a[i].addr, &o->addr6[k], sizeof(a[i].addr)) &&
				    !strcmp(a[i].state, "TENTATIVE"))
					pending++;
		if (!pending)
			break;
		usleep(50000);
	}
	size_t n = ustack_if_addrs6(st, -1, a, 16);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(a[i].state, "DUPLICATE"))
			fprintf(stderr, "ustack: %s is in use on the link (duplicate address detected)\n",
				inet_ntop(AF_INET6, &a[i].addr, buf, sizeof(buf)));
}

static int start_all(struct tool_net *net)
{
	sigset_t old;
	int rc = 0;

	block_stop_signals(&old);
	for (int i = 0; i < net->n; i++) {
		if (ustack_start(net->st[i]) < 0) {
			fprintf(stderr, "ustack: cannot start %s: %s\n", ustack_name(net->st[i]),
				strerror(errno));
			rc = -1;
			break;
		}
	}
	restore_signals(&old);
	net->started = true;   /* ustack_stop on a stack never started is harmless */
	return rc;
}

/* Linux drops what it sends on a link whose carrier just came up (opening the TAP brings
 * it up) until its link watcher has run, up to a second later; the kernel reports the
 * link RUNNING from then on. Wait for that (bounded), so the peer's first ARP reply or
 * echo reply is not lost. */
#define TAP_RUNNING_WAIT_MS 3000
static void wait_tap_running(const char *name)
{
	struct ifreq ifr;
	uint64_t end = ustack_clock_us() + TAP_RUNNING_WAIT_MS * 1000u;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	while (!tool_should_stop()) {
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 || (ifr.ifr_flags & IFF_RUNNING))
			break;
		if (ustack_clock_us() >= end) {
			fprintf(stderr, "ustack: note: %s is not running after %u ms (is it up?)\n",
				name, TAP_RUNNING_WAIT_MS);
			break;
		}
		tool_sleep_ms(10);
	}
	close(fd);
}

struct ustack_pcap *tool_pcap_open(const char *path)
{
	struct ustack_pcap *pc = ustack_pcap_open(path);
	struct timespec wall;
	uint64_t wall_us;

	if (!pc)
		return NULL;
	clock_gettime(CLOCK_REALTIME, &wall);
	wall_us = (uint64_t)wall.tv_sec * 1000000u + (uint64_t)wall.tv_nsec / 1000u;
	/* the wall-clock time at which ustack_clock_us() read zero */
	ustack_pcap_set_epoch(pc, wall_us - ustack_clock_us());
	return pc;
}

struct tool_net *tool_net_tap(const struct tool_opts *o, const char *name)
{
	struct tool_net *net;
	struct ustack_dev *dev, *pdev = NULL, *xdev = NULL;
	struct ustack *st;
	char buf[16];
	int ifx;

	if (!o->tap || !o->have_addr) {
		fprintf(stderr, "ustack: %s needs --addr A.B.C.D/N\n",
			o->packet || o->xdp ? "--dev" : "--tap");
		return NULL;
	}
	net = net_alloc();
	if (!net)
		return NULL;
	st = new_stack(o, name, o->seed);
	if (!st)
		goto err;
	net->st[0] = st;
	net->n = 1;
	if (o->packet) {
		/* MTU 0: the interface's */
		dev = ustack_packet_open(o->tap, NULL, 0);
		pdev = dev;
	} else if (o->xdp) {
		/* queue 0, native XDP if the driver has it, else generic */
		dev = ustack_xdp_open(o->tap, 0, NULL, 0);
		if (!dev) {
			/* the interface cannot take it: a usage error, as the build without libxdp */
			fprintf(stderr, "ustack %s: --dev xdp:%s: cannot open an AF_XDP socket on it: "
				"%s\n", name, o->tap, strerror(errno));
			tool_net_free(net);
			exit(2);
		}
		xdev = dev;
	} else {
		dev = ustack_tap_open(o->tap, NULL, 1500);
	}
	if (!dev) {
		fprintf(stderr, "ustack: cannot open %s %s: %s\n",
			o->packet ? "interface" : "TAP device", o->tap, strerror(errno));
		goto err;
	}
	if (o->no_offload)
		ustack_dev_set_offloads(dev, 0);
	if (o->pcap) {
		/* Capture next to the device: what really crossed the link. */
		net->pcap = tool_pcap_open(o->pcap);
		if (!net->pcap) {
			fprintf(stderr, "ustack: cannot open %s: %s\n", o->pcap, strerror(errno));
			ustack_dev_close(dev);
			goto err;
		}
		dev = ustack_pcap_wrap_shared(dev, net->pcap);
		if (!dev) {
			fprintf(stderr, "ustack: cannot capture to %s: %s\n", o->pcap, strerror(errno));
			goto err;
		}
	}
	dev = wrap_impair(o, dev, o->seed);
	if (!dev)
		goto err;
	ifx = ustack_if_add(st, dev, o->addr, o->prefix);
	if (ifx < 0) {
		fprintf(stderr, "ustack: cannot add %s/%d on %s: %s\n", tool_ip_str(o->addr, buf),
			o->prefix, o->tap, strerror(errno));
		ustack_dev_close(dev);
		goto err;
	}
	net->packet = pdev;   /* the stack owns it now: it lives as long as net */
	net->xdp = xdev;
	net->ifindex[0] = ifx;
	net->addr[0] = o->addr;
	net->prefix[0] = o->prefix;
	if (configure_host(st, NULL, o->have_gw ? &o->gw : NULL, o->have_dns ? &o->dns_server : NULL) < 0)
		goto err;
	if (configure_ipv6(st, ifx, o) < 0)
		goto err;
	if (start_all(net) < 0)
		goto err;
	wait_tap_running(o->tap);
	wait_addr6_ready(st, o);
	return net;
err:
	tool_net_free(net);
	return NULL;
}

struct tool_net *tool_net_vnet(const struct tool_opts *o, const struct tool_host_spec *hosts,
			       int n)
{
	struct tool_net *net;

	if (n < 1 || n > TOOL_MAX_HOSTS) {
		fprintf(stderr, "ustack: %d hosts: between 1 and %d\n", n, TOOL_MAX_HOSTS);
		return NULL;
	}
	net = net_alloc();
	if (!net)
		return NULL;
	net->vnet = ustack_vnet_new();
	if (!net->vnet) {
		fprintf(stderr, "ustack: cannot create the in-process network: %s\n", strerror(errno));
		goto err;
	}
	if (o->pcap) {
		net->pcap = tool_pcap_open(o->pcap);
		if (!net->pcap) {
			fprintf(stderr, "ustack: cannot open %s: %s\n", o->pcap, strerror(errno));
			goto err;
		}
	}
	for (int i = 0; i < n; i++) {
		const struct tool_host_spec *h = &hosts[i];
		uint64_t seed = o->seed ? o->seed + (uint64_t)i : 0;
		struct in_addr gw;
		struct tool_dns dns;
		struct ustack_dev *dev;
		struct ustack *st;
		int ifx;

		if (tool_parse_cidr(h->addr, &net->addr[i], &net->prefix[i]) < 0 ||
		    (h->gw && tool_parse_ip(h->gw, &gw) < 0) ||
		    (h->dns && tool_dns_parse(h->dns, &dns) < 0)) {
			fprintf(stderr, "ustack: bad address in host %s\n", h->name);
			goto err;
		}
		st = new_stack(o, h->name, seed);
		if (!st)
			goto err;
		net->st[i] = st;
		net->n = i + 1;
		dev = ustack_vnet_port(net->vnet, NULL, 1500);
		if (!dev) {
			fprintf(stderr, "ustack: cannot add a port for %s: %s\n", h->name, strerror(errno));
			goto err;
		}
		if ((h->latency_us || h->bits_per_sec) &&
		    ustack_vnet_port_link(dev, h->latency_us, h->bits_per_sec) < 0) {
			fprintf(stderr, "ustack: cannot set the link of %s: %s\n", h->name, strerror(errno));
			ustack_dev_close(dev);
			goto err;
		}
		if (net->pcap) {
			dev = ustack_pcap_wrap_shared(dev, net->pcap);
			if (!dev) {
				fprintf(stderr, "ustack: cannot capture to %s: %s\n", o->pcap,
					strerror(errno));
				goto err;
			}
		}
		dev = wrap_impair(o, dev, seed ? seed : (uint64_t)i + 1);
		if (!dev)
			goto err;
		ifx = ustack_if_add(st, dev, net->addr[i], net->prefix[i]);
		if (ifx < 0) {
			fprintf(stderr, "ustack: cannot add %s to %s: %s\n", h->addr, h->name,
				strerror(errno));
			ustack_dev_close(dev);
			goto err;
		}
		net->ifindex[i] = ifx;
		if (configure_host(st, h->gw, h->gw ? &gw : NULL, h->dns ? &dns : NULL) < 0)
			goto err;
	}
	if (start_all(net) < 0)
		goto err;
	return net;
err:
	tool_net_free(net);
	return NULL;
}

int tool_net_serve_ctl(struct tool_net *net, const struct tool_opts *o)
{
	sigset_t old;

	if (net->ctl)
		return 0;
	block_stop_signals(&old);
	net->ctl = tool_ctl_start(net->st, net->n, o ? o->ctl : NULL);
	restore_signals(&old);
	return net->ctl ? 0 : -1;
}

/* --dev xdp:IF: the AF_XDP device's counters in one line */
static void xdp_print(struct ustack_dev *d, FILE *out)
{
	struct ustack_xdp_stats s;

	if (!d || ustack_xdp_get_stats(d, &s) < 0)
		return;
	fprintf(out,
		"xdp device %s (%s, %s): %llu frames in (%llu batches), %llu out (%llu kicks); "
		"dropped %llu too long, %llu by the kernel, %llu bad descriptors, %llu not sent "
		"(%llu ring full); the fill ring found empty %llu times\n",
		d->name, s.native ? "native" : "generic/SKB", s.zerocopy ? "zero-copy" : "copy",
		(unsigned long long)s.rx_frames, (unsigned long long)s.rx_batches,
		(unsigned long long)s.tx_frames, (unsigned long long)s.tx_kicks,
		(unsigned long long)s.rx_truncated, (unsigned long long)s.rx_kernel_drops,
		(unsigned long long)s.bad_descs, (unsigned long long)(s.tx_full + s.tx_errors),
		(unsigned long long)s.tx_full, (unsigned long long)s.rx_fill_empty);
}

void tool_packet_print(const struct tool_net *net, FILE *out)
{
	struct ustack_packet_stats s;

	if (net && net->xdp)
		xdp_print(net->xdp, out);
	if (!net || !net->packet || ustack_packet_get_stats(net->packet, &s) < 0)
		return;
	fprintf(out,
		"packet device %s: %llu frames in (%llu ring blocks, %llu handed over by the "
		"timer), %llu out; skipped %llu outgoing; dropped %llu too long, %llu by the "
		"kernel, %llu bad ring entries, %llu bad virtio-net headers, %llu not sent; %llu "
		"with a partial checksum; %llu super-frames in, %llu super-segments out\n",
		net->packet->name, (unsigned long long)s.rx_frames,
		(unsigned long long)s.rx_blocks, (unsigned long long)s.rx_blocks_timeout,
		(unsigned long long)s.tx_frames, (unsigned long long)s.rx_outgoing,
		(unsigned long long)s.rx_truncated, (unsigned long long)s.rx_kernel_drops,
		(unsigned long long)s.rx_bad, (unsigned long long)s.rx_bad_vnet,
		(unsigned long long)s.tx_errors, (unsigned long long)s.rx_csum_partial,
		(unsigned long long)s.rx_gso, (unsigned long long)s.tx_gso);
}

/* What the AF_PACKET device could not carry, in one line, if anything (the usual cause:
 * the peer's offloads hand over super-frames or partial checksums). */
static void packet_report(struct ustack_dev *d)
{
	struct ustack_packet_stats s;

	if (!d || ustack_packet_get_stats(d, &s) < 0)
		return;
	if (!s.rx_truncated && !s.rx_csum_partial && !s.rx_bad && !s.rx_kernel_drops &&
	    !s.tx_errors && !s.rx_bad_vnet)
		return;
	fprintf(stderr,
		"ustack: %s: %llu frames in, %llu out; dropped: %llu too long, %llu by the kernel "
		"(ring full), %llu bad ring entries, %llu bad virtio-net headers, %llu not sent; "
		"%llu with a partial checksum%s\n",
		d->name, (unsigned long long)s.rx_frames, (unsigned long long)s.tx_frames,
		(unsigned long long)s.rx_truncated, (unsigned long long)s.rx_kernel_drops,
		(unsigned long long)s.rx_bad, (unsigned long long)s.rx_bad_vnet,
		(unsigned long long)s.tx_errors, (unsigned long long)s.rx_csum_partial,
		s.rx_truncated || s.rx_csum_partial ?
		" (the peer's offloads? `ethtool -K PEER tx off`, `gro off` on a NIC)" : "");
}

void tool_net_free(struct tool_net *net)
{
	if (!net)
		return;
	tool_ctl_stop(net->ctl);
	net->ctl = NULL;
	if (net->started)
		for (int i = 0; i < net->n; i++)
			ustack_stop(net->st[i]);
	packet_report(net->packet);
	if (net->xdp) {
		struct ustack_xdp_stats x;

		/* what the AF_XDP device could not carry, if anything */
		if (!ustack_xdp_get_stats(net->xdp, &x) &&
		    (x.rx_truncated || x.rx_kernel_drops || x.bad_descs || x.tx_full ||
		     x.tx_errors || x.tx_kick_errors)) {
			fprintf(stderr, "ustack: ");
			xdp_print(net->xdp, stderr);
		}
	}
	for (int i = 0; i < net->n; i++)
		ustack_free(net->st[i]);
	if (net->vnet)
		ustack_vnet_free(net->vnet);
	if (net->pcap)
		ustack_pcap_close(net->pcap);
	free(net);
}
