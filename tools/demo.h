/* demo.h - `ustack demo`: the state of one walkthrough, shared by demo.c (options, the
 * network, the browser's calls), demo_print.c (the narration, in English or Korean) and
 * demo_svg.c (the ladder diagram). */
#ifndef USTACK_TOOLS_DEMO_H
#define USTACK_TOOLS_DEMO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include "ustack/ustack.h"
#include "ustack/socket.h"
#include "ustack/netdb.h"
#include "demo_log.h"
#include "httpd.h"
#include "demo_header.h"
#include "demo_html.h"
#include "demo_mail.h"

#define DEMO_MSL_MS 1000              /* TIME_WAIT = 2*MSL = 2 s in the demo */
#define DEMO_LINK_LATENCY_US 1000     /* each vnet port: 1 ms */
#define DEMO_MAX_SOCKS 32
/* A heading's rule: 60 columns (each character three bytes in UTF-8) */
#define DEMO_RULE "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━"

/* A step of the walkthrough: its events are [from, to) of the log. */
enum demo_step {
	DEMO_STEP_RESOLVE,
	DEMO_STEP_SOCKET,
	DEMO_STEP_CONNECT,
	DEMO_STEP_HTTP,
	DEMO_STEP_CLOSE,
	DEMO_STEP_TIMEWAIT,
	DEMO_STEP_MAX
};

struct demo_mark {
	size_t from, to;                  /* log indices */
	uint64_t t_from, t_to;            /* CLOCK_MONOTONIC us */
	uint64_t t_ret;                   /* when the step's call returned */
	bool done;
};

struct tool_ctl;

struct demo {
	/* options */
	const char *pcap_path, *svg_path, *url, *tap, *ctl_path;
	bool packet;                      /* --dev packet:IF: tap names an interface */
	bool xdp;                         /* --dev xdp:IF: the same, through AF_XDP */
	const char *html_path;            /* --html FILE */
	char tmp_pcap[64];                /* --html without --pcap: the run's capture, removed */
	bool mail;                        /* --scenario mail */
	bool ipv6;                        /* --ipv6: the journey over IPv6 (demo_ipv6.c) */
	bool quiet, verbose, ko, trace;
	bool no_offload;                  /* --no-offload (--tap, --dev packet:IF) */
	bool step;                        /* --step: wait for Enter after each step */
	bool frames_set;                  /* --frames: header pictures of these frames */
	struct demo_frames_sel frames;
	double loss;
	uint64_t seed;
	bool seeded;
	struct in_addr addr, gw, dns;     /* --tap: the client's configuration */
	int prefix;
	FILE *out;

	/* the URL */
	char host[256], path[1024];
	uint16_t port;

	/* the network */
	struct ustack *st[4];             /* client, dns, router, web (only client with --tap) */
	int n_st;
	struct ustack_vnet *vn[2];
	struct ustack_pcap *pcap;
	struct ustack_dev *impair;        /* the client's impaired port, or NULL */
	struct ustack_dns_server *dnssrv;
	struct httpd *httpd;
	struct tool_ctl *ctl;             /* --ctl: the control socket for `ustack netstat` */
	struct demo_log log;
	struct demo_hook hooks[4];
	int h_client, h_dns, h_router, h_web;   /* host columns (-1: none) */
	char *page;                        /* the web server's page */
	size_t page_len;
	struct httpd_file files[2];        /* httpd's table: it keeps a pointer to it */

	/* the walkthrough */
	uint64_t t0;                      /* time of the first step */
	struct demo_mark marks[DEMO_STEP_MAX];
	struct in_addr server;            /* the address gethostbyname returned */
	int fd;
	struct sockaddr_in local, remote; /* of the connection */
	/* --ipv6: the client's addresses and gateway, the AAAA the lookup returned, and the
	 * connection's addresses (local/remote above then stay zero) */
	struct in6_addr addr6, gw6, dns6, server6;
	int prefix6;
	struct sockaddr_in6 local6, remote6;
	uint64_t t_settled;               /* --ipv6: when the addresses were PREFERRED */
	char request[512];
	size_t request_len;
	char *response;                   /* head and body as received */
	size_t response_len, head_len;
	int status;
	char reason[64];
	int64_t content_length;
	int sndbuf, rcvbuf;               /* getsockopt */
	int ws_client, ws_server;         /* window scale shifts in use (-1: none) */
	unsigned mss_client;              /* the MSS of the client's SYN */
	bool time_wait_seen, closed_seen;
	uint64_t t_time_wait, t_closed;
	int exit_code;
	unsigned frame_no;                /* frames shown so far (their "#N") */
	bool pic_syn, pic_synack, pic_ack;   /* the handshake's pictures, drawn once */
	bool pic_ns;                      /* --ipv6: the first neighbour solicitation's */
	bool nd_told;                     /* --ipv6: NS/NA explained in full once */
	struct demo_page *rec;            /* --html: the recorder (demo_html.c) */

	/* --scenario mail (demo_mail.c); d->host is the recipient's domain */
	struct smtpd *smtpd;
	char exchanger[256];              /* the MX record's exchange */
	uint16_t mx_id, mx_pref;
	int mx_rcode;
	char smtp_log[4096];              /* the dialogue, "C: ..." / "S: ..." lines */
	size_t smtp_log_len, smtp_msg_len;
	int smtp_greeting, smtp_data, smtp_quit;   /* reply codes */
};

/* demo.c: wait until no frame was traced for quiet_ms (at most max_ms). */
void demo_settle(struct demo *d, unsigned quiet_ms, unsigned max_ms);

/* demo_print.c: the narration. say() prints en or ko by d->ko, and nothing with --quiet. */
void demo_say(struct demo *d, const char *en, const char *ko, ...);
/* GCC checks both format strings against the arguments (the dead printf calls). */
#define SAY(d, en, ko, ...) do { \
		if (0) { printf(en, ##__VA_ARGS__); printf(ko, ##__VA_ARGS__); } \
		demo_say((d), (en), (ko), ##__VA_ARGS__); \
	} while (0)
const char *demo_tr(const struct demo *d, const char *en, const char *ko);
/* Untranslated text (tables, frame lines); nothing with --quiet. */
void demo_out(struct demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *demo_ip(struct in_addr a, char buf[16]);
const char *demo_ip6(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN]);
/* "10.0.1.10:80" or "[2001:db8:1::10]:80": a frame's source (src) or destination. */
const char *demo_endpoint(const struct ustack_frame_info *fi, bool src, char *buf, size_t cap);
const char *demo_na_flags(uint8_t flags, char out[8]);   /* "R,S,O" */
/* s padded with spaces to width terminal columns (Hangul takes two). */
const char *demo_pad(const char *s, int width, char buf[96]);
const char *demo_qtype_name(uint16_t t, char buf[16]);   /* "A" */
const char *demo_rcode_name(int rc);                     /* "NXDOMAIN" */
bool demo_is_client_mac(const struct demo *d, const uint8_t mac[6]);

void demo_print_network(struct demo *d);
void demo_print_layers(struct demo *d);
void demo_print_heading(struct demo *d, enum demo_step step);
/* --step: wait for Enter (or the end of input) before going on. */
void demo_pause(struct demo *d);
/* The frames and state changes of a step, in time order, then what they mean. */
void demo_print_step(struct demo *d, enum demo_step step);
/* netstat's table of the client (ustack_sockets). */
void demo_print_netstat(struct demo *d, const char *when_en, const char *when_ko);
void demo_print_neighbours(struct demo *d);
void demo_print_summary(struct demo *d);
/* demo_explain.c: what a step's events (sorted by time) mean, after they are printed. */
struct demo_step_view {
	struct demo_ev **ev;
	size_t n;
};
void demo_explain_step(struct demo *d, enum demo_step step, const struct demo_step_view *v);
/* One frame event as a line of text (no newline). */
void demo_format_frame(struct demo *d, const struct demo_ev *e, char *out, size_t cap);

/* demo_ipv6.c: --ipv6's network, its addresses' DAD before the journey, NS/NA. */
void demo_print_network6(struct demo *d);
void demo_print_dad(struct demo *d);
void demo_explain_nd(struct demo *d, const struct demo_step_view *v, const struct in6_addr *dst);
void demo_print_neighbours6(struct demo *d);
bool demo_on_link6(const struct demo *d, const struct in6_addr *a);
/* The AAAA records of a DNS answer frame: how many, the first and its TTL. */
int demo_dns_aaaa(const struct demo_ev *e, struct in6_addr *first, uint32_t *ttl);

/* demo_svg.c: the ladder diagram of every frame since the first step. */
int demo_svg_write(struct demo *d, const char *path);

#endif
