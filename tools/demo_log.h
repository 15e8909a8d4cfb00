/* demo_log.h - the demo's record of what happened: every trace event of every stack,
 * copied with its frame and decoded with ustack_frame_decode, so that everything the
 * walkthrough prints and draws is a value that was on the wire.
 *
 * Stacks' runner threads append through the trace hook (under the log's mutex); the
 * demo's main thread reads. Events never change once appended, except the fields the
 * main thread derives in demo_log_analyse (only the main thread touches those). */
#ifndef USTACK_TOOLS_DEMO_LOG_H
#define USTACK_TOOLS_DEMO_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "ustack/ustack.h"

#define DEMO_MAX_HOSTS 16
#define DEMO_MAX_ADDRS 4

/* A column of the ladder: one machine. Local hosts are ustack stacks in this process;
 * others (behind a TAP) are learnt from the frames, one per MAC address. */
struct demo_host {
	char name[32];
	char role[64];               /* "the browser", "DNS server", ... */
	bool local;
	struct ustack *st;           /* local only */
	int n_addr;
	struct in_addr addr[DEMO_MAX_ADDRS];
	int prefix[DEMO_MAX_ADDRS];
	uint8_t mac[DEMO_MAX_ADDRS][6];
	int n_mac;
	/* IPv6 (--ipv6): the static addresses, then the link-local ones */
	int n_addr6;
	struct in6_addr addr6[DEMO_MAX_ADDRS * 2];
	int prefix6[DEMO_MAX_ADDRS * 2];
};

struct demo_ev {
	size_t idx;                  /* position in the log */
	enum ustack_trace_kind kind;
	uint64_t t;                  /* stack clock (CLOCK_MONOTONIC us) */
	int host;                    /* demo_host index of the stack that traced it */
	int ifindex;
	char *line;
	uint8_t *frame;
	size_t frame_len;
	bool decoded;
	struct ustack_frame_info fi; /* fi.payload points into frame */
	int reason;
	char subsystem[16];
	int object;
	char old_state[32], new_state[32];
	/* derived by demo_log_analyse (main thread) */
	int from_host, to_host;      /* frame: sender and receiver columns (-1 unknown) */
	struct demo_ev *rx;          /* TX: the receiver's RX of the same bytes, or NULL */
	bool lost;                   /* TX between local hosts that never arrived */
	bool claimed;                /* RX: matched to its TX */
	bool retrans;                /* TCP segment / DNS query / ARP request sent again */
	bool forwarded;              /* TX by a router of a datagram it did not originate */
};

struct demo_log {
	pthread_mutex_t mu;
	struct demo_ev **ev;
	size_t n, cap;
	size_t max;                  /* events kept at most; later ones are counted only */
	uint64_t overflow;
	struct demo_host hosts[DEMO_MAX_HOSTS];
	int n_hosts;
	bool learn_remote;           /* make a column for every unknown MAC (TAP mode) */
	/* analysis state */
	size_t analysed_upto;
	void *seen;                  /* retransmission tracking (demo_log.c) */
};

/* What the trace hook is given as ctx: one per local stack. */
struct demo_hook {
	struct demo_log *log;
	int host;
	ustack_trace_fn echo;        /* also hand every event to this (--trace), or NULL */
};

int demo_log_init(struct demo_log *log, size_t max);
void demo_log_free(struct demo_log *log);
/* The trace hook (ustack_trace_fn) with a struct demo_hook as ctx. */
void demo_log_hook(void *ctx, const struct ustack_trace *ev);
/* Add a host (column); returns its index or -1. */
int demo_log_add_host(struct demo_log *log, const char *name, const char *role, bool local,
		      struct ustack *st);
void demo_host_add_if(struct demo_host *h, struct in_addr addr, int prefix, const uint8_t mac[6]);
void demo_host_add_addr6(struct demo_host *h, const struct in6_addr *addr, int prefix);
/* Number of events so far. */
size_t demo_log_count(struct demo_log *log);
/* Events [from, count) sorted by time (stable): a malloc'd array of pointers into the
 * log (free it, not the events). */
struct demo_ev **demo_log_slice(struct demo_log *log, size_t from, size_t *n_out);
/* Derive sender/receiver, lost, retransmission for every event appended so far.
 * Call when the network is quiet (frames in flight would look lost). */
void demo_log_analyse(struct demo_log *log);
/* The host owning mac / addr, or -1. */
int demo_log_host_by_mac(struct demo_log *log, const uint8_t mac[6]);
int demo_log_host_by_addr(struct demo_log *log, struct in_addr a);
int demo_log_host_by_addr6(struct demo_log *log, const struct in6_addr *a);
/* A Neighbor Discovery solicitation or advertisement (ICMPv6 135, 136), not DAD's. */
bool demo_is_ns(const struct ustack_frame_info *fi);
bool demo_is_na(const struct ustack_frame_info *fi);
/* DAD's probe: an NS from the unspecified address (RFC 4862 5.4.2). */
bool demo_is_dad_ns(const struct ustack_frame_info *fi);
/* IPv6 housekeeping that is not part of a journey: router solicitations and MLD reports. */
bool demo_is_ip6_housekeeping(const struct ustack_frame_info *fi);

/* --- formatting helpers shared by the text and the SVG --- */
void demo_fmt_mac(const uint8_t mac[6], char out[18]);
/* "SYN/ACK" */
void demo_tcp_flag_names(uint8_t flags, char *out, size_t cap);
/* "010010": URG ACK PSH RST SYN FIN */
void demo_tcp_flag_bits(uint8_t flags, char out[7]);
/* "mss 1460,sackOK,TS val 1 ecr 0,wscale 7" or "" */
void demo_tcp_options(const struct ustack_frame_info *fi, char *out, size_t cap);
/* TCP sequence space used: payload + SYN + FIN. */
uint32_t demo_tcp_seg_len(const struct ustack_frame_info *fi);
/* The first line of an HTTP payload, or "" ("GET / HTTP/1.1"). */
void demo_http_first_line(const struct ustack_frame_info *fi, char *out, size_t cap);
bool demo_mac_is_bcast(const uint8_t mac[6]);

#endif
