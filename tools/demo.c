/* demo.c - `ustack demo`: a browser-like client fetches a page by name on a network in
 * memory, and every step of its journey is shown as it happens: the resolver's DNS
 * query (and the ARP before it), socket(), the three-way handshake of connect(), the
 * HTTP request and response, and the close down to TIME_WAIT and CLOSED.
 *
 * The network: four ustack stacks in this process on two virtual Ethernet links
 *   client 10.0.1.10 ─┐                      ┌─ web 10.0.2.80 (httpd)
 *   dns    10.0.1.53 ─┴─ 10.0.1.1 router 10.0.2.1 ─┘
 * each run by its own runner thread (ustack_start). This thread is the browser: it
 * makes the blocking socket calls. A trace hook on every stack copies each event into
 * a log (demo_log.c); after each call returns, the events of that step are printed
 * (demo_print.c) and at the end drawn as a ladder diagram (demo_svg.c).
 *
 * With --tap, the client is the only ustack stack: it joins a Linux network through a
 * TAP device, and the DNS and HTTP servers are real Linux programs. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "ustack/dev.h"
#include "ustack/socket.h"
#include "ustack/netdb.h"
#include "cmds.h"
#include "common.h"
#include "ctl.h"
#include "demo.h"
#include "http_client.h"
#include "httpd.h"
#include "smtpd.h"

#define DEMO_USAGE \
	"usage: ustack demo [--scenario web|mail] [--url URL] [--pcap FILE] [--svg FILE]\n" \
	"                   [--html FILE] [--frames all|LIST] [--step] [--quiet] [--lang en|ko]\n" \
	"                   [--loss P --seed N] [--ipv6] [--verbose] [--trace] [--ctl PATH]\n" \
	"       ustack demo --tap NAME --addr A.B.C.D/N [--gw G] [--dns D] [--url URL] ...\n"
#define DEMO_HELP \
	"\n" \
	"Walks through fetching a web page by name: DNS (and ARP), socket(), connect()'s\n" \
	"three-way handshake, the HTTP request and response, close() down to TIME_WAIT and\n" \
	"CLOSED, printing every frame's values as they are on the wire. By default on a\n" \
	"network in memory (four ustack stacks: client, dns, router, web); no root needed.\n" \
	"\n" \
	"  --url URL       the page to fetch (default http://www.example.test/)\n" \
	"  --pcap FILE     capture every frame of every link (Wireshark, tshark -r)\n" \
	"  --svg FILE      draw the exchange as a ladder diagram (one column per host)\n" \
	"  --html FILE     the whole walkthrough as one page that opens offline in a browser:\n" \
	"                  the ladder, each step's narration, every frame taken apart with its\n" \
	"                  bytes, the header pictures, the tables and the TCP states\n" \
	"  --scenario S    web (default: a browser fetches a page) or mail (a mailer finds the\n" \
	"                  mail server by its MX record and sends a message over SMTP)\n" \
	"  --frames LIST   draw the header picture of these frames (the #N of the narration:\n" \
	"                  \"all\", or \"3,7-9\"); by default of the handshake's SYN, SYN/ACK, ACK\n" \
	"  --step          pause after each step until Enter (teaching in a room)\n" \
	"  --quiet         print only the summary\n" \
	"  --lang en|ko    the narration in English (default) or Korean\n" \
	"  --ipv6, -6      the same journey over IPv6: addresses checked unique (DAD), a AAAA\n" \
	"                  lookup, neighbour solicitation and advertisement instead of ARP,\n" \
	"                  socket(AF_INET6, ...), the IPv6 header in the pictures (web only)\n" \
	"  --loss P        drop each frame on the client's link with probability P\n" \
	"  --seed N        seed of the loss and of the stacks (a run replays from it)\n" \
	"  --verbose       also print every trace line of every stack\n" \
	"  --trace         every trace line on stderr as it happens\n" \
	"  --ctl PATH      serve the stacks' sockets to `ustack netstat` while it runs\n" \
	"  --tap NAME      be a client on a Linux TAP (needs --addr); the servers are Linux's\n" \
	"                  (see examples/linux-walkthrough.sh)\n" \
	"  --addr A/N --gw G --dns D   the client's configuration with --tap\n"

#define DEMO_DEFAULT_URL "http://www.example.test/"
#define DEMO_RESPONSE_MAX (4u << 20)

static const uint8_t MAC_CLIENT[6] = { 0x02, 0, 0, 0, 0x01, 0x0a };
static const uint8_t MAC_DNS[6] = { 0x02, 0, 0, 0, 0x01, 0x35 };
static const uint8_t MAC_ROUTER_A[6] = { 0x02, 0, 0, 0, 0x01, 0x01 };
static const uint8_t MAC_ROUTER_B[6] = { 0x02, 0, 0, 0, 0x02, 0x01 };
static const uint8_t MAC_WEB[6] = { 0x02, 0, 0, 0, 0x02, 0x50 };
static const uint8_t MAC_MAIL[6] = { 0x02, 0, 0, 0, 0x02, 0x19 };

static struct in_addr ip4(const char *s)
{
	struct in_addr a = { 0 };
	inet_pton(AF_INET, s, &a);
	return a;
}

/* A one-line error on stderr, after what the walkthrough printed so far. */
static void demo_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void demo_err(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("ustack demo: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* --- a watchdog: the demo never hangs, whatever the stacks do --- */
struct watchdog {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	unsigned seconds;
};

static void *watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += w->seconds;
	pthread_mutex_lock(&w->mu);
	while (!w->done)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
			break;
	bool fire = !w->done;
	pthread_mutex_unlock(&w->mu);
	if (fire) {
		demo_err("the walkthrough did not finish within %u s\n",
			w->seconds);
		fflush(NULL);
		_exit(1);
	}
	return NULL;
}

static void watchdog_stop(struct watchdog *w)
{
	pthread_mutex_lock(&w->mu);
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
}

/* --- the in-process network --- */

/* The page the web server serves: big enough to need a few segments. */
static void make_page(struct demo *d)
{
	static const char *const steps[] = {
		"the browser asked the resolver for the address of the name in the URL",
		"the resolver sent a DNS query over UDP, after ARP found the server's MAC",
		"socket() gave the browser a descriptor and a control block in state CLOSED",
		"connect() sent a SYN through the router; SYN/ACK and ACK completed the handshake",
		"send() put this request in the send buffer; TCP carried it in a segment",
		"this page came back in segments, each acknowledged, within the advertised window",
		"close() will send a FIN; after the server's FIN the client waits in TIME_WAIT",
	};
	size_t cap = 4096;
	char *p = malloc(cap);
	if (!p)
		return;
	int n = snprintf(p, cap,
		"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>\n"
		"<body>\n<h1>Hello from %s</h1>\n"
		"<p>This page was served by the HTTP server of the ustack stack \"web\" (10.0.2.80), "
		"to the stack \"client\" (10.0.1.10), through the stack \"router\". "
		"Every byte of it crossed two virtual Ethernet links inside one process.</p>\n"
		"<h2>How it got here</h2>\n<ol>\n", d->host, d->host);
	for (size_t i = 0; i < sizeof steps / sizeof steps[0] && n > 0 && (size_t)n < cap; i++)
		n += snprintf(p + n, cap - (size_t)n, "<li>%s.</li>\n", steps[i]);
	for (int i = 0; i < 12 && n > 0 && (size_t)n < cap; i++)
		n += snprintf(p + n, cap - (size_t)n,
			      "<p class=\"filler\">Line %02d: a few more bytes, so that the answer "
			      "needs more than one TCP segment of 1460 bytes.</p>\n", i + 1);
	if (n > 0 && (size_t)n < cap)
		n += snprintf(p + n, cap - (size_t)n, "</body></html>\n");
	if (n < 0 || (size_t)n >= cap) {
		free(p);
		return;
	}
	d->page = p;
	d->page_len = (size_t)n;
}

static struct ustack *new_stack(struct demo *d, const char *name, bool forwarding, int idx)
{
	struct ustack_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.name = name;
	cfg.forwarding = forwarding;
	cfg.seed = d->seed ? d->seed * 16 + (uint64_t)idx + 1 : 0;
	cfg.tcp_msl_ms = DEMO_MSL_MS;
	/* The journey of the study note is IPv4's: every frame of it gets its picture and
	 * its line. IPv6's own start-up (DAD, router solicitations, MLD reports) would
	 * come between them, at times that vary with the machine's speed. */
	cfg.disable_ipv6 = !d->ipv6;
	struct ustack *st = ustack_new(&cfg);
	if (!st) {
		demo_err("ustack_new(%s): %s\n", name, strerror(errno));
		return NULL;
	}
	int h = demo_log_add_host(&d->log, name, "", true, st);
	d->hooks[idx].log = &d->log;
	d->hooks[idx].host = h;
	d->hooks[idx].echo = d->trace ? tool_trace_stderr : NULL;
	ustack_set_trace(st, demo_log_hook, &d->hooks[idx]);
	d->st[idx] = st;
	d->n_st = idx + 1 > d->n_st ? idx + 1 : d->n_st;
	return st;
}

/* A port on vn for a stack. The capture: every frame of a link must be in the file once,
 * and a pcap wrapper writes both what its device sends and what it receives; so only
 * the client's port (link 1: everything the client sends and gets) and the web server's
 * port (link 2: everything between the router and the server) are wrapped. */
static struct ustack_dev *new_port(struct demo *d, struct ustack_vnet *vn, const uint8_t *mac,
				   bool capture, bool impair)
{
	struct ustack_dev *dev = ustack_vnet_port(vn, mac, 1500);
	if (!dev)
		return NULL;
	if (ustack_vnet_port_link(dev, DEMO_LINK_LATENCY_US, 0) < 0) {
		ustack_dev_close(dev);
		return NULL;
	}
	if (impair) {
		struct ustack_impair ic;
		memset(&ic, 0, sizeof ic);
		ic.seed = d->seed ? d->seed : 1;
		ic.loss = d->loss;
		ic.rx = true;
		struct ustack_dev *w = ustack_impair_wrap(dev, &ic);
		if (!w) {
			ustack_dev_close(dev);
			return NULL;
		}
		dev = d->impair = w;
	}
	if (capture && d->pcap) {
		struct ustack_dev *w = ustack_pcap_wrap_shared(dev, d->pcap);
		if (!w) {
			ustack_dev_close(dev);
			return NULL;
		}
		dev = w;
	}
	return dev;
}

static int add_if(struct demo *d, struct ustack *st, int host, struct ustack_dev *dev,
		  const char *addr, int prefix)
{
	if (!dev) {
		demo_err("cannot make a link device: %s\n", strerror(errno));
		return -1;
	}
	int ifi = ustack_if_add(st, dev, ip4(addr), prefix);
	if (ifi < 0) {
		demo_err("%s: ustack_if_add(%s): %s\n", ustack_name(st), addr,
			strerror(errno));
		ustack_dev_close(dev);
		return -1;
	}
	uint8_t mac[6];
	if (ustack_if_mac(st, ifi, mac) < 0)
		memset(mac, 0, sizeof mac);
	demo_host_add_if(&d->log.hosts[host], ip4(addr), prefix, mac);
	return ifi;
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;
	memset(&a, 0, sizeof a);
	inet_pton(AF_INET6, s, &a);
	return a;
}

/* --ipv6: a static address on the interface with this MAC (DAD starts now). */
static int add_if6(struct demo *d, struct ustack *st, int host, const uint8_t *mac, const char *addr,
		   int plen)
{
	struct in6_addr a = ip6(addr);
	int ifi = -1;
	for (int i = 0; i < USTACK_MAX_IFACES && ifi < 0; i++) {
		uint8_t m[6];
		if (ustack_if_mac(st, i, m) == 0 && !memcmp(m, mac, 6))
			ifi = i;
	}
	if (ifi < 0) {
		demo_err("%s: no interface for %s\n", ustack_name(st), addr);
		return -1;
	}
	if (ustack_if_add6(st, ifi, &a, plen) < 0) {
		demo_err("%s: ustack_if_add6(%s): %s\n", ustack_name(st), addr, strerror(errno));
		return -1;
	}
	demo_host_add_addr6(&d->log.hosts[host], &a, plen);
	return 0;
}

static int default_route6(struct ustack *st, const char *gw)
{
	struct in6_addr any, g = ip6(gw);
	memset(&any, 0, sizeof any);
	if (ustack_route_add6(st, &any, 0, &g, -1) < 0) {
		demo_err("%s: ustack_route_add6(::/0 via %s): %s\n", ustack_name(st), gw, strerror(errno));
		return -1;
	}
	return 0;
}

/* --ipv6: every stack's addresses out of TENTATIVE (Duplicate Address Detection done,
 * about 1-2 s of the stacks' clock), then each host's link-local addresses are known. */
static void wait_dad(struct demo *d)
{
	for (unsigned waited = 0; waited < 5000; waited += 10) {
		bool tentative = false;
		for (int i = 0; i < d->n_st && !tentative; i++) {
			struct ustack_addr6 a[16];
			size_t n = ustack_if_addrs6(d->st[i], -1, a, 16);
			for (size_t k = 0; k < n && k < 16; k++)
				tentative = tentative || !strcmp(a[k].state, "TENTATIVE");
		}
		if (!tentative)
			break;
		sleep_ms(10);
	}
	for (int i = 0; i < d->n_st; i++) {
		struct ustack_addr6 a[16];
		int h = d->hooks[i].host;
		size_t n = ustack_if_addrs6(d->st[i], -1, a, 16);
		for (size_t k = 0; k < n && k < 16 && h >= 0; k++)
			if (IN6_IS_ADDR_LINKLOCAL(&a[k].addr))
				demo_host_add_addr6(&d->log.hosts[h], &a[k].addr, a[k].plen);
	}
}

/* Frames sent: quiet means no frame for quiet_ms (at most max_ms of waiting). */
static void settle(struct demo *d, unsigned quiet_ms, unsigned max_ms);
void demo_settle(struct demo *d, unsigned quiet_ms, unsigned max_ms)
{
	settle(d, quiet_ms, max_ms);
}

static void settle(struct demo *d, unsigned quiet_ms, unsigned max_ms)
{
	size_t last = demo_log_count(&d->log);
	unsigned still = 0;
	for (unsigned waited = 0; waited < max_ms && still < quiet_ms; waited += 10) {
		sleep_ms(10);
		size_t n = demo_log_count(&d->log);
		still = n == last ? still + 10 : 0;
		last = n;
	}
}

static int build_vnet(struct demo *d)
{
	char zone[600];

	if (!d->mail)
		make_page(d);
	if (!d->mail && !d->page) {
		demo_err("out of memory\n");
		return -1;
	}
	d->vn[0] = ustack_vnet_new();
	d->vn[1] = ustack_vnet_new();
	if (!d->vn[0] || !d->vn[1]) {
		demo_err("ustack_vnet_new: %s\n", strerror(errno));
		return -1;
	}
	if (d->pcap_path) {
		d->pcap = tool_pcap_open(d->pcap_path);
		if (!d->pcap) {
			demo_err("%s: %s\n", d->pcap_path, strerror(errno));
			return -1;
		}
	}

	/* The servers and the router first, so that their announcements (gratuitous ARP)
	 * are over before the client is plugged in: the client starts knowing nobody. */
	struct ustack *dns = new_stack(d, "dns", false, 1);
	struct ustack *router = new_stack(d, "router", true, 2);
	struct ustack *web = new_stack(d, d->mail ? "mail" : "web", false, 3);
	const char *srv_addr = d->mail ? "10.0.2.25" : "10.0.2.80";
	if (!dns || !router || !web)
		return -1;
	d->h_dns = d->hooks[1].host;
	d->h_router = d->hooks[2].host;
	d->h_web = d->hooks[3].host;
	snprintf(d->log.hosts[d->h_dns].role, sizeof d->log.hosts[0].role, "DNS server");
	snprintf(d->log.hosts[d->h_router].role, sizeof d->log.hosts[0].role, "forwarding");
	snprintf(d->log.hosts[d->h_web].role, sizeof d->log.hosts[0].role, d->mail ? "mail server" : "web server");
	if (add_if(d, dns, d->h_dns, new_port(d, d->vn[0], MAC_DNS, false, false), "10.0.1.53", 24) < 0 ||
	    add_if(d, router, d->h_router, new_port(d, d->vn[0], MAC_ROUTER_A, false, false),
		   "10.0.1.1", 24) < 0 ||
	    add_if(d, router, d->h_router, new_port(d, d->vn[1], MAC_ROUTER_B, false, false),
		   "10.0.2.1", 24) < 0 ||
	    add_if(d, web, d->h_web, new_port(d, d->vn[1], d->mail ? MAC_MAIL : MAC_WEB, true, false),
		   srv_addr, 24) < 0)
		return -1;
	if (ustack_set_gateway(dns, ip4("10.0.1.1")) < 0 || ustack_set_gateway(web, ip4("10.0.2.1")) < 0) {
		demo_err("ustack_set_gateway: %s\n", strerror(errno));
		return -1;
	}
	/* --ipv6: a static address of the documentation prefix on each link (RFC 3849),
	 * the router's two /64s connected, the hosts' default route through it */
	if (d->ipv6 && (add_if6(d, dns, d->h_dns, MAC_DNS, "2001:db8:1::53", 64) < 0 ||
			add_if6(d, router, d->h_router, MAC_ROUTER_A, "2001:db8:1::1", 64) < 0 ||
			add_if6(d, router, d->h_router, MAC_ROUTER_B, "2001:db8:2::1", 64) < 0 ||
			add_if6(d, web, d->h_web, MAC_WEB, "2001:db8:2::80", 64) < 0 ||
			default_route6(dns, "2001:db8:1::1") < 0 || default_route6(web, "2001:db8:2::1") < 0))
		return -1;
	for (int i = 1; i <= 3; i++)
		if (ustack_start(d->st[i]) < 0) {
			demo_err("ustack_start(%s): %s\n", ustack_name(d->st[i]),
				strerror(errno));
			return -1;
		}

	/* `ustack dns`: the zone has the URL's name (and www.example.test); for mail, the
	 * domain's MX and its exchanger's address */
	int zn = snprintf(zone, sizeof zone, "# the demo's zone\nwww.example.test A 10.0.2.80\n%s",
			  d->ipv6 ? "www.example.test AAAA 2001:db8:2::80\n" : "");
	if (d->mail)
		snprintf(zone + zn, sizeof zone - (size_t)zn, "%.60s MX 10 mail.%.60s\nmail.%.60s A 10.0.2.25\n",
			 d->host, d->host, d->host);
	else if (strcasecmp(d->host, "www.example.test") && inet_addr(d->host) == INADDR_NONE &&
		 !strchr(d->host, ':'))
		snprintf(zone + zn, sizeof zone - (size_t)zn, "%s A 10.0.2.80\n%s%s%s", d->host,
			 d->ipv6 ? d->host : "", d->ipv6 ? " AAAA 2001:db8:2::80" : "", d->ipv6 ? "\n" : "");
	d->dnssrv = ustack_dns_server_start(dns, zone, 53, 300);
	if (!d->dnssrv) {
		demo_err("ustack_dns_server_start: %s\n", strerror(errno));
		return -1;
	}
	if (d->mail) {
		char mx[300];
		snprintf(mx, sizeof mx, "mail.%s", d->host);
		struct smtpd_config sc = { .hostname = mx, .domain = d->host, .port = 25,
					   .idle_ms = d->step ? 6 * 3600 * 1000 : 0 };
		d->smtpd = smtpd_start(web, &sc);
		if (!d->smtpd) {
			demo_err("smtpd_start: %s\n", strerror(errno));
			return -1;
		}
		goto client;
	}
	/* `ustack serve`: one page, at "/" and at the URL's path (--url http://host/x.html) */
	struct httpd_file *files = d->files;
	files[0].path = "/";
	files[0].content_type = "text/html; charset=utf-8";
	files[0].body = d->page;
	files[0].len = d->page_len;
	files[1] = files[0];
	files[1].path = d->path;
	struct httpd_config hc;
	memset(&hc, 0, sizeof hc);
	hc.files = files;
	hc.n_files = strcmp(d->path, "/") ? 2 : 1;
	hc.port = d->port;
	hc.server_name = "ustack-httpd";
	/* --step: the class may talk between connect() and the request; on a lossy link the
	 * request may take as long to arrive as the browser waits (its 60 s) */
	hc.idle_timeout_ms = d->step ? 6 * 3600 * 1000 : d->loss > 0 ? 60 * 1000 : 0;
	hc.head_timeout_ms = hc.idle_timeout_ms;   /* (it runs from the accept) */
	d->httpd = httpd_start(web, &hc);
	if (!d->httpd) {
		demo_err("httpd_start: %s\n", strerror(errno));
		return -1;
	}
client:
	settle(d, 30, 500);

	/* The client: its address, its gateway and its DNS server; nothing else. */
	struct ustack *client = new_stack(d, "client", false, 0);
	if (!client)
		return -1;
	d->h_client = d->hooks[0].host;
	snprintf(d->log.hosts[d->h_client].role, sizeof d->log.hosts[0].role, d->mail ? "mailer" : "browser");
	if (add_if(d, client, d->h_client, new_port(d, d->vn[0], MAC_CLIENT, true, d->loss > 0),
		   "10.0.1.10", 24) < 0)
		return -1;
	d->addr = ip4("10.0.1.10");
	d->prefix = 24;
	d->gw = ip4("10.0.1.1");
	d->dns = ip4("10.0.1.53");
	if (ustack_set_gateway(client, d->gw) < 0) {
		demo_err("ustack_set_gateway: %s\n", strerror(errno));
		return -1;
	}
	if (d->ipv6) {
		if (add_if6(d, client, d->h_client, MAC_CLIENT, "2001:db8:1::10", 64) < 0 ||
		    default_route6(client, "2001:db8:1::1") < 0)
			return -1;
		d->addr6 = ip6("2001:db8:1::10");
		d->prefix6 = 64;
		d->gw6 = ip6("2001:db8:1::1");
		d->dns6 = ip6("2001:db8:1::53");
	}
	return 0;
}

static int build_tap(struct demo *d)
{
	struct ustack *client = new_stack(d, "client", false, 0);
	if (!client)
		return -1;
	d->h_client = d->hooks[0].host;
	d->h_dns = d->h_router = d->h_web = -1;
	d->log.learn_remote = true;
	snprintf(d->log.hosts[d->h_client].role, sizeof d->log.hosts[0].role, "browser");
	if (d->pcap_path) {
		d->pcap = tool_pcap_open(d->pcap_path);
		if (!d->pcap) {
			demo_err("%s: %s\n", d->pcap_path, strerror(errno));
			return -1;
		}
	}
	struct ustack_dev *dev = d->packet ? ustack_packet_open(d->tap, NULL, 0) :
		d->xdp ? ustack_xdp_open(d->tap, 0, NULL, 0) : ustack_tap_open(d->tap, NULL, 1500);
	if (!dev) {
		demo_err("cannot open %s %s: %s\n", d->packet || d->xdp ? "interface" : "TAP",
			 d->tap, strerror(errno));
		return -1;
	}
	if (d->no_offload)
		ustack_dev_set_offloads(dev, 0);
	if (d->loss > 0) {
		struct ustack_impair ic;
		memset(&ic, 0, sizeof ic);
		ic.seed = d->seed ? d->seed : 1;
		ic.loss = d->loss;
		ic.rx = true;
		struct ustack_dev *w = ustack_impair_wrap(dev, &ic);
		if (!w) {
			ustack_dev_close(dev);
			demo_err("impair: %s\n", strerror(errno));
			return -1;
		}
		dev = d->impair = w;
	}
	if (d->pcap) {
		struct ustack_dev *w = ustack_pcap_wrap_shared(dev, d->pcap);
		if (!w) {
			ustack_dev_close(dev);
			demo_err("pcap: %s\n", strerror(errno));
			return -1;
		}
		dev = w;
	}
	char a[16];
	tool_ip_str(d->addr, a);
	if (add_if(d, client, d->h_client, dev, a, d->prefix) < 0)
		return -1;
	if (d->gw.s_addr && ustack_set_gateway(client, d->gw) < 0) {
		demo_err("ustack_set_gateway: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* The client's resolver knows one server; on a lossy link it tries longer. */
static int start_client(struct demo *d)
{
	struct ustack *client = d->st[0];
	if (d->dns.s_addr) {
		struct ustack_resolver_config rc;
		memset(&rc, 0, sizeof rc);
		rc.servers[0] = d->dns;
		rc.n_servers = 1;
		/* --ipv6: the DNS server is asked over IPv6 */
		if (d->ipv6) {
			rc.n_servers = 0;
			rc.servers6[0].sin6_family = AF_INET6;
			rc.servers6[0].sin6_addr = d->dns6;
			rc.servers6[0].sin6_port = htons(53);
			rc.n_servers6 = 1;
			rc.rdnss = USTACK_RDNSS_OFF;
		}
		rc.timeout_ms = d->loss > 0 ? 500 : 1000;
		rc.attempts = d->loss > 0 ? 6 : 2;
		rc.total_timeout_ms = d->loss > 0 ? 40000 : 5000;
		if (ustack_resolver_configure(client, &rc) < 0) {
			demo_err("ustack_resolver_configure: %s\n", strerror(errno));
			return -1;
		}
	}
	if (ustack_start(client) < 0) {
		demo_err("ustack_start(client): %s\n", strerror(errno));
		return -1;
	}
	/* its own announcement goes out; the walkthrough starts after it */
	settle(d, 30, 500);
	if (d->ipv6) {
		/* and every address has passed Duplicate Address Detection */
		wait_dad(d);
		settle(d, 30, 500);
		d->t_settled = ustack_clock_us();
	}
	return 0;
}

static void teardown(struct demo *d)
{
	tool_ctl_stop(d->ctl);
	d->ctl = NULL;
	httpd_stop(d->httpd);
	d->httpd = NULL;
	smtpd_stop(d->smtpd);
	d->smtpd = NULL;
	if (d->dnssrv)
		ustack_dns_server_stop(d->dnssrv);
	d->dnssrv = NULL;
	for (int i = 0; i < d->n_st; i++)
		if (d->st[i])
			ustack_stop(d->st[i]);
	for (int i = 0; i < d->n_st; i++)
		if (d->st[i])
			ustack_free(d->st[i]);
	memset(d->st, 0, sizeof d->st);
	for (int i = 0; i < 2; i++)
		if (d->vn[i])
			ustack_vnet_free(d->vn[i]);
	if (d->pcap)
		ustack_pcap_close(d->pcap);
	d->pcap = NULL;
}

/* --- the walkthrough --- */

static void mark_begin(struct demo *d, enum demo_step s)
{
	d->marks[s].from = demo_log_count(&d->log);
	d->marks[s].t_from = ustack_clock_us();
}

static void mark_end(struct demo *d, enum demo_step s)
{
	d->marks[s].to = demo_log_count(&d->log);
	d->marks[s].t_to = ustack_clock_us();
	d->marks[s].done = true;
}

/* Finds the client's entry for our connection (by ports), or -1. */
static int find_conn(struct demo *d, struct ustack_sockinfo *out)
{
	struct ustack_sockinfo si[DEMO_MAX_SOCKS];
	size_t n = ustack_sockets(d->st[0], si, DEMO_MAX_SOCKS);
	if (n > DEMO_MAX_SOCKS)
		n = DEMO_MAX_SOCKS;
	for (size_t i = 0; i < n; i++)
		if (d->ipv6 ? si[i].proto == IPPROTO_TCP && si[i].family == AF_INET6 &&
			      si[i].local6.sin6_port == d->local6.sin6_port &&
			      si[i].remote6.sin6_port == d->remote6.sin6_port &&
			      !memcmp(&si[i].remote6.sin6_addr, &d->remote6.sin6_addr, 16) :
		    si[i].proto == IPPROTO_TCP && si[i].local.sin_port == d->local.sin_port &&
		    si[i].remote.sin_port == d->remote.sin_port &&
		    si[i].remote.sin_addr.s_addr == d->remote.sin_addr.s_addr) {
			if (out)
				*out = si[i];
			return 0;
		}
	return -1;
}

/* --ipv6: getaddrinfo(name, AF_INET6): the resolver asks for the AAAA record. */
static int step_resolve6(struct demo *d)
{
	char a[INET6_ADDRSTRLEN];
	if (inet_pton(AF_INET6, d->host, &d->server6) == 1) {
		SAY(d, "  The URL gives an address, %s: no name to resolve.\n",
		    "  URL에 주소(%s)가 그대로 있으므로 이름을 풀 필요가 없습니다.\n", d->host);
		return 0;
	}
	SAY(d, "  The browser has a name, \"%s\"; TCP needs an address, here an IPv6 one. The resolver\n"
	       "  in the socket library asks the DNS server over UDP for the name's AAAA record:\n"
	       "  getaddrinfo(\"%s\", \"%u\", {ai_family = AF_INET6, ai_socktype = SOCK_STREAM})\n\n",
	    "  브라우저가 가진 것은 이름 \"%s\"뿐이고, TCP에는 주소, 여기서는 IPv6 주소가 필요합니다.\n"
	    "  소켓 라이브러리의 리졸버가 UDP로 DNS 서버에 이 이름의 AAAA 레코드를 묻습니다:\n"
	    "  getaddrinfo(\"%s\", \"%u\", {ai_family = AF_INET6, ai_socktype = SOCK_STREAM})\n\n",
	    d->host, d->host, d->port);
	mark_begin(d, DEMO_STEP_RESOLVE);
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET6;
	hints.ai_socktype = SOCK_STREAM;
	char port[8];
	snprintf(port, sizeof port, "%u", d->port);
	int gai = ustack_getaddrinfo(d->st[0], d->host, port, &hints, &res);
	d->marks[DEMO_STEP_RESOLVE].t_ret = ustack_clock_us();
	bool found = false;
	for (struct addrinfo *ai = res; ai && !found; ai = ai->ai_next)
		if (ai->ai_family == AF_INET6 && ai->ai_addr) {
			d->server6 = ((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
			found = true;
		}
	if (res)
		ustack_freeaddrinfo(res);
	settle(d, 30, 300);
	mark_end(d, DEMO_STEP_RESOLVE);
	demo_print_step(d, DEMO_STEP_RESOLVE);
	if (!found) {
		demo_err("getaddrinfo(\"%s\", AF_INET6) failed: %s\n", d->host,
			 gai ? ustack_gai_strerror(gai) : "no IPv6 address");
		return -1;
	}
	SAY(d, "  getaddrinfo returned one struct addrinfo: ai_family AF_INET6, ai_addr = [%s]:%u\n",
	    "  getaddrinfo의 결과: struct addrinfo 하나, ai_family AF_INET6, ai_addr = [%s]:%u\n",
	    inet_ntop(AF_INET6, &d->server6, a, sizeof a) ? a : "?", d->port);
	return 0;
}

static int step_resolve(struct demo *d)
{
	demo_print_heading(d, DEMO_STEP_RESOLVE);
	if (d->mail)
		return demo_mail_resolve(d);
	if (d->ipv6)
		return step_resolve6(d);
	if (inet_pton(AF_INET, d->host, &d->server) == 1) {
		SAY(d, "  The URL gives an address, %s: no name to resolve.\n",
		    "  URL에 주소(%s)가 그대로 있으므로 이름을 풀 필요가 없습니다.\n", d->host);
		return 0;
	}
	SAY(d, "  The browser has a name, \"%s\"; TCP needs an address. The resolver in the socket\n"
	       "  library asks the DNS server over UDP:  gethostbyname(\"%s\")\n\n",
	    "  브라우저가 가진 것은 이름 \"%s\"뿐이고, TCP에는 주소가 필요합니다. 소켓 라이브러리의\n"
	    "  리졸버가 UDP로 DNS 서버에 묻습니다:  gethostbyname(\"%s\")\n\n", d->host, d->host);
	mark_begin(d, DEMO_STEP_RESOLVE);
	int herr = 0;
	struct hostent *he = ustack_gethostbyname(d->st[0], d->host, &herr);
	d->marks[DEMO_STEP_RESOLVE].t_ret = ustack_clock_us();
	if (he && he->h_addrtype == AF_INET && he->h_addr_list && he->h_addr_list[0])
		memcpy(&d->server, he->h_addr_list[0], sizeof d->server);
	settle(d, 30, 300);
	mark_end(d, DEMO_STEP_RESOLVE);
	demo_print_step(d, DEMO_STEP_RESOLVE);
	if (!d->server.s_addr) {
		demo_err("gethostbyname(\"%s\") failed: %s\n", d->host,
			herr == HOST_NOT_FOUND ? "host not found" : herr == TRY_AGAIN ?
			"no answer (try again)" : "no recovery");
		return -1;
	}
	char a[16];
	SAY(d, "  gethostbyname returned h_name \"%s\", h_addr_list[0] = %s\n",
	    "  gethostbyname의 결과: h_name \"%s\", h_addr_list[0] = %s\n",
	    he && he->h_name ? he->h_name : d->host, tool_ip_str(d->server, a));
	return 0;
}

static int step_socket(struct demo *d)
{
	demo_print_heading(d, DEMO_STEP_SOCKET);
	mark_begin(d, DEMO_STEP_SOCKET);
	d->fd = ustack_socket(d->st[0], d->ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	mark_end(d, DEMO_STEP_SOCKET);
	if (d->fd < 0) {
		demo_err("socket: %s\n", strerror(errno));
		return -1;
	}
	/* every wait of the browser is bounded */
	struct timeval tv = { d->loss > 0 ? 60 : 15, 0 };
	ustack_setsockopt(d->st[0], d->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	ustack_setsockopt(d->st[0], d->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	struct ustack_sockinfo si[DEMO_MAX_SOCKS];
	const char *state = "?";
	size_t ns = ustack_sockets(d->st[0], si, DEMO_MAX_SOCKS);
	for (size_t i = 0; i < ns && i < DEMO_MAX_SOCKS; i++)
		if (si[i].fd == d->fd && si[i].proto == IPPROTO_TCP)
			state = si[i].state;
	if (d->ipv6)
		SAY(d, "  ustack_socket(st, AF_INET6, SOCK_STREAM, 0) returned descriptor %d: a TCP socket of\n"
		       "  the IPv6 family (its addresses are struct sockaddr_in6, of 128 bits).\n"
		       "  The socket library reserved a control block for it: no address, no port, no peer\n"
		       "  yet, state %s%s. Nothing went on the wire.\n\n",
		    "  ustack_socket(st, AF_INET6, SOCK_STREAM, 0)이 디스크립터 %d번을 돌려주었습니다: IPv6\n"
		    "  계열의 TCP 소켓입니다(주소는 128비트짜리 struct sockaddr_in6).\n"
		    "  소켓 라이브러리가 이 소켓의 제어 블록을 마련했습니다: 주소도 포트도 상대도 아직\n"
		    "  비어 있고, 상태는 %s%s입니다. 아직 아무 프레임도 나가지 않았습니다.\n\n", d->fd, state,
		    strcmp(state, "CLOSE") ? "" : demo_tr(d, " (netstat's name for CLOSED)", "(netstat에서 CLOSED를 부르는 이름)"));
	else
	SAY(d, "  ustack_socket(st, AF_INET, SOCK_STREAM, 0) returned descriptor %d.\n"
	       "  The socket library reserved a control block for it: no address, no port, no peer\n"
	       "  yet, state %s%s. Nothing went on the wire.\n\n",
	    "  ustack_socket(st, AF_INET, SOCK_STREAM, 0)이 디스크립터 %d번을 돌려주었습니다.\n"
	    "  소켓 라이브러리가 이 소켓의 제어 블록을 마련했습니다: 주소도 포트도 상대도 아직\n"
	    "  비어 있고, 상태는 %s%s입니다. 아직 아무 프레임도 나가지 않았습니다.\n\n", d->fd, state,
	    strcmp(state, "CLOSE") ? "" : demo_tr(d, " (netstat's name for CLOSED)", "(netstat에서 CLOSED를 부르는 이름)"));
	demo_print_step(d, DEMO_STEP_SOCKET);
	demo_print_netstat(d, "after socket()", "socket() 직후");
	return 0;
}

static int step_connect(struct demo *d)
{
	char a[INET6_ADDRSTRLEN];
	demo_print_heading(d, DEMO_STEP_CONNECT);
	struct sockaddr_in sa;
	struct sockaddr_in6 sa6;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(d->port);
	sa.sin_addr = d->server;
	memset(&sa6, 0, sizeof sa6);
	sa6.sin6_family = AF_INET6;
	sa6.sin6_port = htons(d->port);
	sa6.sin6_addr = d->server6;
	if (d->ipv6)
		SAY(d, "  connect(%d, [%s]:%u): TCP's three-way handshake, over IPv6.\n\n",
		    "  connect(%d, [%s]:%u): IPv6 위에서 TCP의 3-way 핸드셰이크입니다.\n\n", d->fd,
		    inet_ntop(AF_INET6, &d->server6, a, sizeof a) ? a : "?", d->port);
	else
	SAY(d, "  connect(%d, %s:%u): TCP's three-way handshake.\n\n",
	    "  connect(%d, %s:%u): TCP의 3-way 핸드셰이크입니다.\n\n", d->fd,
	    tool_ip_str(d->server, a), d->port);
	mark_begin(d, DEMO_STEP_CONNECT);
	int r = d->ipv6 ? ustack_connect(d->st[0], d->fd, (struct sockaddr *)&sa6, sizeof sa6) :
		ustack_connect(d->st[0], d->fd, (struct sockaddr *)&sa, sizeof sa);
	int err = errno;
	d->marks[DEMO_STEP_CONNECT].t_ret = ustack_clock_us();
	settle(d, 20, 200);
	mark_end(d, DEMO_STEP_CONNECT);
	socklen_t len = sizeof d->local;
	if (d->ipv6) {
		len = sizeof d->local6;
		ustack_getsockname(d->st[0], d->fd, (struct sockaddr *)&d->local6, &len);
		d->remote6 = sa6;
	} else {
		ustack_getsockname(d->st[0], d->fd, (struct sockaddr *)&d->local, &len);
		d->remote = sa;
	}
	demo_print_step(d, DEMO_STEP_CONNECT);
	if (r < 0) {
		demo_err("connect to %s:%u: %s\n", a, d->port, strerror(err));
		return -1;
	}
	len = sizeof d->sndbuf;
	ustack_getsockopt(d->st[0], d->fd, SOL_SOCKET, SO_SNDBUF, &d->sndbuf, &len);
	len = sizeof d->rcvbuf;
	ustack_getsockopt(d->st[0], d->fd, SOL_SOCKET, SO_RCVBUF, &d->rcvbuf, &len);
	demo_print_netstat(d, "after connect()", "connect() 직후");
	struct ustack_sockinfo si;
	memset(&si, 0, sizeof si);
	find_conn(d, &si);
	SAY(d, "  The control block now holds the peer's address and port, state ESTABLISHED, and\n"
	       "  the buffers reserved for the connection: send %d bytes (SO_SNDBUF), receive %d bytes\n"
	       "  (SO_RCVBUF); the socket table says sndbuf %zu, rcvbuf %zu.\n",
	    "  이제 제어 블록에는 상대의 주소와 포트, 상태 ESTABLISHED, 그리고 이 연결을 위해\n"
	    "  마련한 버퍼가 있습니다: 송신 버퍼 %d바이트(SO_SNDBUF), 수신 버퍼 %d바이트(SO_RCVBUF);\n"
	    "  소켓 테이블의 값도 같습니다: sndbuf %zu, rcvbuf %zu.\n",
	    d->sndbuf, d->rcvbuf, si.sndbuf, si.rcvbuf);
	return 0;
}

/* Reads the response: the head, then Content-Length bytes (or up to the peer's FIN). */
static int read_response(struct demo *d)
{
	size_t cap = 8192;
	d->response = malloc(cap);
	if (!d->response)
		return -1;
	d->response_len = 0;
	d->head_len = 0;
	d->content_length = -1;
	for (;;) {
		if (d->head_len && d->content_length >= 0 &&
		    d->response_len >= d->head_len + (size_t)d->content_length)
			return 0;
		if (d->response_len + 4096 > cap) {
			if (cap >= DEMO_RESPONSE_MAX)
				return 0;
			char *p = realloc(d->response, cap * 2);
			if (!p)
				return -1;
			d->response = p;
			cap *= 2;
		}
		ssize_t n = ustack_recv(d->st[0], d->fd, d->response + d->response_len,
					cap - d->response_len - 1, 0);
		if (n < 0) {
			demo_err("recv: %s\n", strerror(errno));
			return d->head_len ? 0 : -1;
		}
		if (n == 0)
			return d->head_len ? 0 : -1;
		d->response_len += (size_t)n;
		d->response[d->response_len] = '\0';
		if (!d->head_len) {
			char *e = strstr(d->response, "\r\n\r\n");
			if (!e)
				continue;
			d->head_len = (size_t)(e - d->response) + 4;
			sscanf(d->response, "HTTP/%*d.%*d %d %63[^\r\n]", &d->status, d->reason);
			for (char *l = strstr(d->response, "\r\n"); l && l < e; l = strstr(l + 2, "\r\n"))
				if (!strncasecmp(l + 2, "Content-Length:", 15))
					d->content_length = strtoll(l + 17, NULL, 10);
		}
	}
}

static int step_http(struct demo *d)
{
	demo_print_heading(d, DEMO_STEP_HTTP);
	if (d->mail)
		return demo_mail_smtp(d);
	int n = snprintf(d->request, sizeof d->request,
			 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ustack-demo\r\nAccept: */*\r\n\r\n",
			 d->path, d->host);
	if (n < 0 || (size_t)n >= sizeof d->request)
		return -1;
	d->request_len = (size_t)n;
	SAY(d, "  send(%d, request, %zu): the browser writes its request into the send buffer;\n"
	       "  recv(%d, ...) until the whole response is in (its Content-Length).\n\n",
	    "  send(%d, 요청, %zu): 브라우저가 요청을 송신 버퍼에 씁니다;\n"
	    "  recv(%d, ...)를 불러 응답 전체(Content-Length만큼)를 받을 때까지 읽습니다.\n\n",
	    d->fd, d->request_len, d->fd);
	mark_begin(d, DEMO_STEP_HTTP);
	size_t off = 0;
	while (off < d->request_len) {
		ssize_t w = ustack_send(d->st[0], d->fd, d->request + off, d->request_len - off, 0);
		if (w < 0) {
			demo_err("send: %s\n", strerror(errno));
			mark_end(d, DEMO_STEP_HTTP);
			return -1;
		}
		off += (size_t)w;
	}
	int r = read_response(d);
	d->marks[DEMO_STEP_HTTP].t_ret = ustack_clock_us();
	/* the last ACK may wait for the delayed-ACK timer */
	settle(d, 250, 1000);
	mark_end(d, DEMO_STEP_HTTP);
	demo_print_step(d, DEMO_STEP_HTTP);
	if (r < 0 || !d->status) {
		demo_err("no HTTP response\n");
		return -1;
	}
	return 0;
}

static int step_close(struct demo *d)
{
	struct ustack_sockinfo si;
	demo_print_heading(d, DEMO_STEP_CLOSE);
	SAY(d, "  close(%d): the %s is done; TCP sends a FIN, the server answers with its own.\n\n",
	    "  close(%d): %s는 할 일을 마쳤습니다; TCP가 FIN을 보내고, 서버도 FIN으로 답합니다.\n\n",
	    d->fd, d->mail ? demo_tr(d, "mailer", "메일러") : demo_tr(d, "browser", "브라우저"));
	mark_begin(d, DEMO_STEP_CLOSE);
	ustack_close(d->st[0], d->fd);
	/* close() returns at once; the exchange goes on in the stack */
	unsigned limit = d->loss > 0 ? 60000 : 10000;
	for (unsigned waited = 0; waited < limit; waited += 10) {
		if (find_conn(d, &si) < 0)
			break;
		if (!strcmp(si.state, "TIME_WAIT") || !strcmp(si.state, "CLOSED"))
			break;
		sleep_ms(10);
	}
	settle(d, 50, 1000);
	mark_end(d, DEMO_STEP_CLOSE);
	demo_print_step(d, DEMO_STEP_CLOSE);
	demo_print_netstat(d, "after close()", "close() 직후");
	/* no pause here with --step: TIME_WAIT's clock runs whether we wait or not */
	demo_html_section(d, DEMO_STEP_TIMEWAIT);
	if (find_conn(d, &si) == 0 && !strcmp(si.state, "TIME_WAIT")) {
		d->time_wait_seen = true;
		d->t_time_wait = ustack_clock_us();
		SAY(d, "  TIME_WAIT keeps the connection's addresses and ports for 2*MSL, so that a late\n"
		       "  segment of this connection is not taken for part of a new one, and so that the\n"
		       "  last ACK can be sent again if the server repeats its FIN. The demo sets MSL to\n"
		       "  %u ms (ustack's default is 30 s): waiting %u ms...\n",
		    "  TIME_WAIT는 2*MSL 동안 이 연결의 주소와 포트를 붙잡아 둡니다. 늦게 도착한 이 연결의\n"
		    "  세그먼트가 새 연결의 것으로 오인되지 않게 하고, 서버가 FIN을 다시 보내면 마지막\n"
		    "  ACK를 다시 보낼 수 있게 하려는 것입니다. 데모는 MSL을 %u밀리초로 둡니다(ustack 기본값은\n"
		    "  30초): %u밀리초 기다립니다...\n", DEMO_MSL_MS, 2 * DEMO_MSL_MS);
	}
	mark_begin(d, DEMO_STEP_TIMEWAIT);
	for (unsigned waited = 0; waited < 2 * DEMO_MSL_MS + 5000; waited += 10) {
		if (find_conn(d, NULL) < 0)
			break;
		sleep_ms(10);
	}
	d->closed_seen = find_conn(d, NULL) < 0;
	d->t_closed = ustack_clock_us();
	mark_end(d, DEMO_STEP_TIMEWAIT);
	demo_print_step(d, DEMO_STEP_TIMEWAIT);
	demo_print_netstat(d, "after 2*MSL", "2*MSL 뒤");
	return d->closed_seen ? 0 : -1;
}

/* The summary; with --html also into the page (the summary is printed even with --quiet). */
static void print_summary(struct demo *d)
{
	if (d->rec) {
		char *b = NULL;
		size_t n = 0;
		FILE *m = open_memstream(&b, &n);
		if (m) {
			FILE *o = d->out;
			bool q = d->quiet;
			struct demo_page *rec = d->rec;
			d->out = m;
			d->quiet = false;
			d->rec = NULL;
			demo_print_summary(d);
			d->rec = rec;
			d->quiet = q;
			d->out = o;
			fclose(m);
			demo_html_raw(d, b);
		}
		free(b);
	}
	demo_print_summary(d);
}

static int parse_args(struct demo *d, struct tool_opts *o, int argc, char **argv)
{
	tool_opts_init(o);
	d->url = DEMO_DEFAULT_URL;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			fputs(DEMO_USAGE DEMO_HELP, stdout);
			return 1;
		}
		int r = tool_opt_common(o, "demo", DEMO_USAGE, argc, argv, &i);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		if (!strcmp(arg, "--quiet") || !strcmp(arg, "-q")) {
			d->quiet = true;
		} else if (!strcmp(arg, "--verbose") || !strcmp(arg, "-v")) {
			d->verbose = true;
		} else if (tool_opt_is(arg, "--svg")) {
			if (!(d->svg_path = tool_opt_value("demo", DEMO_USAGE, argc, argv, &i)))
				return -1;
		} else if (tool_opt_is(arg, "--frames")) {
			const char *v = tool_opt_value("demo", DEMO_USAGE, argc, argv, &i);
			if (!v)
				return -1;
			if (demo_frames_parse(v, &d->frames) < 0) {
				tool_usage_error("demo", DEMO_USAGE,
						 "--frames: 'all' or frame numbers like 3,7-9, not '%s'", v);
				return -1;
			}
			d->frames_set = true;
		} else if (!strcmp(arg, "--ipv6") || !strcmp(arg, "-6")) {
			d->ipv6 = true;
		} else if (!strcmp(arg, "--step")) {
			d->step = true;
		} else if (tool_opt_is(arg, "--html")) {
			if (!(d->html_path = tool_opt_value("demo", DEMO_USAGE, argc, argv, &i)))
				return -1;
		} else if (tool_opt_is(arg, "--scenario")) {
			const char *v = tool_opt_value("demo", DEMO_USAGE, argc, argv, &i);
			if (!v)
				return -1;
			if (!strcmp(v, "mail"))
				d->mail = true;
			else if (strcmp(v, "web")) {
				tool_usage_error("demo", DEMO_USAGE, "--scenario: 'web' or 'mail', not '%s'", v);
				return -1;
			}
		} else if (tool_opt_is(arg, "--url")) {
			if (!(d->url = tool_opt_value("demo", DEMO_USAGE, argc, argv, &i)))
				return -1;
		} else if (tool_opt_is(arg, "--lang")) {
			const char *v = tool_opt_value("demo", DEMO_USAGE, argc, argv, &i);
			if (!v)
				return -1;
			if (!strcmp(v, "ko"))
				d->ko = true;
			else if (strcmp(v, "en")) {
				tool_usage_error("demo", DEMO_USAGE, "--lang: 'en' or 'ko', not '%s'", v);
				return -1;
			}
		} else {
			tool_usage_error("demo", DEMO_USAGE, "unknown argument '%s'", arg);
			return -1;
		}
	}
	if (d->mail && (o->tap || strcmp(d->url, DEMO_DEFAULT_URL))) {
		tool_usage_error("demo", DEMO_USAGE, "--scenario mail runs on the network in memory: no --tap, no --url");
		return -1;
	}
	if (d->ipv6 && (o->tap || d->mail)) {
		tool_usage_error("demo", DEMO_USAGE, "--ipv6 runs the web journey on the network in memory: no --tap, no --scenario mail");
		return -1;
	}
	if (d->mail) {
		snprintf(d->host, sizeof d->host, "example.test");
		d->port = 25;
		d->path[0] = '\0';
	} else if (http_parse_url(d->url, d->host, sizeof d->host, &d->port, d->path, sizeof d->path) < 0) {
		tool_usage_error("demo", DEMO_USAGE, "bad URL '%s' (http://host[:port][/path])", d->url);
		return -1;
	}
	if (o->loss >= 1.0) {
		tool_usage_error("demo", DEMO_USAGE, "--loss must be below 1");
		return -1;
	}
	if (!o->tap && (o->have_addr || o->have_gw || o->have_dns)) {
		tool_usage_error("demo", DEMO_USAGE,
				 "--addr, --gw and --dns describe the client on a TAP: they need --tap");
		return -1;
	}
	if (o->have_dns && o->dns_server.family != AF_INET) {
		tool_usage_error("demo", DEMO_USAGE, "--dns: the demo's client asks an IPv4 server");
		return -1;
	}
	if (o->tap && !o->have_addr) {
		tool_usage_error("demo", DEMO_USAGE, "--tap needs --addr A.B.C.D/N");
		return -1;
	}
	d->tap = o->tap;
	d->packet = o->packet;
	d->xdp = o->xdp;
	d->no_offload = o->no_offload;
	d->pcap_path = o->pcap;
	d->loss = o->loss;
	d->seed = o->seed;
	d->seeded = o->seed != 0;
	d->trace = o->trace;
	d->ctl_path = o->ctl;
	d->addr = o->addr;
	d->prefix = o->prefix;
	d->gw = o->gw;
	d->dns = o->dns;
	return 0;
}

int cmd_demo(int argc, char **argv)
{
	struct demo *d = calloc(1, sizeof *d);
	struct tool_opts o;
	if (!d) {
		demo_err("out of memory\n");
		return 1;
	}
	d->fd = -1;
	d->out = stdout;
	d->h_client = d->h_dns = d->h_router = d->h_web = -1;
	d->ws_client = d->ws_server = -1;
	int pr = parse_args(d, &o, argc, argv);
	if (pr) {
		free(d);
		return pr > 0 ? 0 : 2;
	}
	if (demo_log_init(&d->log, 200000) < 0) {
		demo_err("out of memory\n");
		free(d);
		return 1;
	}

	/* --html keeps the capture to read it back: in a file of its own without --pcap */
	if (d->html_path && !d->pcap_path) {
		snprintf(d->tmp_pcap, sizeof d->tmp_pcap, "/tmp/ustack-demo-XXXXXX");
		int tfd = mkstemp(d->tmp_pcap);
		if (tfd < 0) {
			demo_err("cannot make a temporary capture file: %s\n", strerror(errno));
			d->tmp_pcap[0] = '\0';
			demo_log_free(&d->log);
			free(d);
			return 1;
		}
		close(tfd);
		d->pcap_path = d->tmp_pcap;
	}
	if (d->html_path && demo_html_begin(d) < 0) {
		demo_err("out of memory\n");
		demo_log_free(&d->log);
		free(d);
		return 1;
	}

	/* --step waits for a person: the watchdog then allows a lesson's length */
	struct watchdog wd = { .seconds = d->step ? 6 * 3600 : d->loss > 0 ? 240 : 90 };
	pthread_mutex_init(&wd.mu, NULL);
	pthread_cond_init(&wd.cv, NULL);
	pthread_create(&wd.th, NULL, watchdog_main, &wd);

	int rc = 1;
	if ((d->tap ? build_tap(d) : build_vnet(d)) < 0 || start_client(d) < 0)
		goto out;
	if (d->ctl_path && !(d->ctl = tool_ctl_start(d->st, d->n_st, d->ctl_path)))
		goto out;
	d->t0 = ustack_clock_us();
	demo_print_network(d);
	demo_print_layers(d);
	if (d->ipv6)
		demo_print_dad(d);
	if (step_resolve(d) < 0 || step_socket(d) < 0 || step_connect(d) < 0 ||
	    step_http(d) < 0 || step_close(d) < 0) {
		demo_html_section(d, DEMO_STEP_MAX);
		print_summary(d);
		goto out;
	}
	rc = 0;
	demo_pause(d);
	demo_html_section(d, DEMO_STEP_MAX);
	print_summary(d);
out:
	if (d->svg_path && d->t0 && demo_svg_write(d, d->svg_path) < 0) {
		demo_err("%s: %s\n", d->svg_path, strerror(errno));
		rc = 1;
	}
	fflush(stdout);
	teardown(d);
	if (d->html_path && d->t0 && demo_html_write(d, d->html_path, d->pcap_path) < 0) {
		demo_err("%s: %s\n", d->html_path, strerror(errno));
		rc = 1;
	}
	if (d->tmp_pcap[0])
		unlink(d->tmp_pcap);
	demo_html_free(d);
	watchdog_stop(&wd);
	demo_log_free(&d->log);
	free(d->page);
	free(d->response);
	free(d);
	return rc;
}
