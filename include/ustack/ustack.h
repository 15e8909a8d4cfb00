/* ustack.h - the stack: lifecycle, interfaces, routes, driving, counters, tracing.
 *
 * One `struct ustack` is one host. Several live in one process (the simulator, the
 * demo). The stack never reads a clock: drive it with ustack_step(st, now_us) and call
 * again by ustack_next_deadline(st), or let ustack_start() run it on a thread. */
#ifndef USTACK_USTACK_H
#define USTACK_USTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ustack;
struct ustack_dev;

#define USTACK_MAX_IFACES 8
#define USTACK_NO_DEADLINE UINT64_MAX

struct ustack_config {
	const char *name;        /* for traces: "client", "router", ... (default "ustack") */
	bool forwarding;         /* act as a router between interfaces */
	uint64_t seed;           /* random generator seed; 0: from getrandom() */
	size_t pkt_max;          /* packet buffers in use at once (default 4096) */
	size_t reasm_max_bytes;  /* memory for IPv4 reassembly (default 256 KiB) */
	uint32_t reasm_timeout_us;  /* default 30 s */
	size_t arp_cache_max;    /* default 256 */
	size_t arp_queue_max;    /* packets waiting for one resolution (default 64: a whole
	                            fragmented 64 KiB datagram fits) */
	uint8_t default_ttl;     /* default 64 */
	bool disable_ipv6;       /* no IPv6 on the interfaces (default: on, as Linux: each
	                            gets a link-local address, runs DAD, solicits routers) */
	bool dad_disable_ipv6;   /* RFC 4862 5.4.5: when DAD finds the link-local address
	                            made from the MAC duplicate (another node has our
	                            hardware address), IPv6 stops on that interface (counted
	                            nd_ip6_disabled). Linux's accept_dad=2; default off, as
	                            Linux's default accept_dad=1 */
	uint8_t ipv6_stable_secret[16];  /* RFC 7217 stable privacy addresses: all zero
	                            (default) makes link-local and SLAAC addresses from the
	                            MAC (modified EUI-64); a secret key makes their interface
	                            identifier from the key, the prefix and the MAC (SHA-256),
	                            the same on a network across restarts, unrelated from
	                            one prefix to another, the MAC not shown. A DAD conflict
	                            tries another up to 3 times (Linux's addr_gen_mode 2 with
	                            stable_secret). Keep the key secret and the same. */
	uint32_t tcp_msl_ms;         /* maximum segment lifetime: TIME_WAIT lasts 2*MSL (default 30000) */
	uint32_t tcp_min_rto_ms;     /* lower bound of the retransmission timeout (default 200) */
	uint32_t tcp_initial_rto_ms; /* RTO before any RTT sample, RFC 6298 (default 1000) */
	size_t tcp_rcvbuf_max;   /* receive buffer auto-tuning grows a connection's buffer
	                            (and window) up to this (default 6 MiB; at most 64 MiB) */
	size_t tcp_sndbuf_max;   /* send buffer auto-tuning bound (default 2 MiB). Sockets
	                            with SO_RCVBUF / SO_SNDBUF set keep their size. */
	int fd_base;             /* the first socket descriptor number (default 0, as POSIX's
	                            lowest free descriptor); e.g. 1 << 20 keeps ustack
	                            descriptors apart from the process's kernel ones. 0 to
	                            1 << 30. Descriptors at or above FD_SETSIZE cannot be used
	                            with ustack_select. */
};

/* cfg may be NULL for defaults. Returns NULL on failure (errno ENOMEM, or EINVAL for a
 * setting out of range). */
struct ustack *ustack_new(const struct ustack_config *cfg);
/* Frees everything the stack owns, including its devices; stops the runner if it
 * runs. No other thread may be inside a socket call of this stack. */
void ustack_free(struct ustack *st);
const char *ustack_name(const struct ustack *st);
/* The version of the library linked, "0.1.0"; <ustack/version.h> has the version of the
 * headers compiled against (USTACK_VERSION_MAJOR/MINOR/PATCH, USTACK_VERSION_STRING). */
const char *ustack_version(void);

/* --- interfaces and routes (addresses are struct in_addr, network order) --- */
/* Attaches dev (the stack owns it from now on) with addr/prefix; brings it up (sends a
 * gratuitous ARP). Returns the interface index (>= 0) or -1 with errno. */
int ustack_if_add(struct ustack *st, struct ustack_dev *dev, struct in_addr addr, int prefix_len);
int ustack_if_set_mtu(struct ustack *st, int ifindex, unsigned mtu);
int ustack_if_mac(struct ustack *st, int ifindex, uint8_t mac[6]);
/* A route to dst/prefix via gw (gw 0.0.0.0: on-link) out of ifindex (-1: pick by gw). */
int ustack_route_add(struct ustack *st, struct in_addr dst, int prefix_len, struct in_addr gw,
		     int ifindex);
int ustack_set_gateway(struct ustack *st, struct in_addr gw);
/* An IPv6 route to dst/prefix_len via gw (NULL: on-link) out of ifindex (-1: the
 * interface of the connected prefix covering gw; a link-local gw needs it). Returns 0
 * or -1 with errno (EINVAL, ENETUNREACH: gw not on a connected prefix, ENOSPC). */
int ustack_route_add6(struct ustack *st, const struct in6_addr *dst, int prefix_len,
		      const struct in6_addr *gw, int ifindex);
/* The IPv6 default route (::/0) via gw; a link-local gw needs its ifindex. 0 or -1 with
 * errno (EINVAL for ::, a multicast gw or a bad ifindex; ENETUNREACH; ENOSPC). */
int ustack_set_gateway6(struct ustack *st, const struct in6_addr *gw, int ifindex);

/* A route of either table, as `netstat -rn` / `ip route` show it. */
struct ustack_route {
	int family;                 /* AF_INET or AF_INET6 */
	struct in_addr dst, gw;     /* AF_INET */
	struct in6_addr dst6, gw6;  /* AF_INET6 */
	int prefix_len;
	bool has_gw;                /* false: on-link (the destination is the next hop) */
	int ifindex;
	const char *origin;         /* "connected", "static", "ra" (router advertisement) */
	uint32_t expires_s;         /* seconds left; 0xffffffff: never */
};
/* The IPv4 routes, then the IPv6 ones (those not expired); returns how many were written. */
size_t ustack_routes(struct ustack *st, struct ustack_route *out, size_t max);

/* --- driving ---
 * ustack_step(st, now_us) runs the stack at time now_us (microseconds of any clock that
 * never goes back): it takes the frames the devices have, fires the timers due by then,
 * and returns how many frames it handled. Call it again by ustack_next_deadline(st), or
 * sooner when a device has frames; or let ustack_start() do that on a thread. (Waiting
 * for socket readiness is ustack_poll, in socket.h, with poll(2)'s shape.)
 * A stack that neither a runner nor any ustack_step call has ever driven has no clock:
 * a blocking socket call on it would wait forever, so it fails at once with EDEADLK. */
int ustack_step(struct ustack *st, uint64_t now_us);
/* Absolute time (us) by which ustack_step(st, now) must be called again, or
 * USTACK_NO_DEADLINE. */
uint64_t ustack_next_deadline(struct ustack *st);
/* The time the stack was last given. */
uint64_t ustack_now(struct ustack *st);

/* Run the stack on a background thread (CLOCK_MONOTONIC, epoll on device fds).
 * While it runs, any thread may use the socket API. */
int ustack_start(struct ustack *st);
void ustack_stop(struct ustack *st);
/* Microseconds of CLOCK_MONOTONIC: the clock ustack_start uses. */
uint64_t ustack_clock_us(void);

/* --- counters --- */
#define USTACK_DROP_REASONS(X) \
	X(ETH_TRUNCATED, "eth: truncated frame") \
	X(ETH_NOT_FOR_US, "eth: destination MAC not ours") \
	X(ETH_UNKNOWN_TYPE, "eth: unknown ethertype") \
	X(ARP_MALFORMED, "arp: malformed") \
	X(ARP_NOT_FOR_US, "arp: target address not ours") \
	X(ARP_QUEUE_FULL, "arp: pending queue full") \
	X(ARP_UNRESOLVED, "arp: no reply after retries") \
	X(ARP_CACHE_FULL, "arp: neighbour cache full") \
	X(IP_TRUNCATED, "ipv4: truncated") \
	X(IP_BAD_VERSION, "ipv4: bad version") \
	X(IP_BAD_HDRLEN, "ipv4: bad header length") \
	X(IP_BAD_LEN, "ipv4: bad total length") \
	X(IP_BAD_CSUM, "ipv4: bad header checksum") \
	X(IP_BAD_SRC, "ipv4: bad source address") \
	X(IP_NOT_FOR_US, "ipv4: not our address (not forwarding)") \
	X(IP_TTL_EXPIRED, "ipv4: TTL expired in transit") \
	X(IP_NO_ROUTE, "ipv4: no route") \
	X(IP_UNKNOWN_PROTO, "ipv4: unknown protocol") \
	X(IP_DF_TOO_BIG, "ipv4: DF set and larger than MTU") \
	X(FRAG_OVERLAP, "ipv4 frag: overlapping fragment") \
	X(FRAG_TIMEOUT, "ipv4 frag: reassembly timeout") \
	X(FRAG_NO_MEMORY, "ipv4 frag: reassembly memory bound") \
	X(FRAG_BAD, "ipv4 frag: malformed fragment") \
	X(ICMP_MALFORMED, "icmp: malformed") \
	X(ICMP_BAD_CSUM, "icmp: bad checksum") \
	X(ICMP_RATE_LIMITED, "icmp: error rate limited") \
	X(ICMP_UNKNOWN_TYPE, "icmp: unhandled type") \
	X(IP6_TRUNCATED, "ipv6: truncated") \
	X(IP6_BAD_VERSION, "ipv6: bad version") \
	X(IP6_BAD_LEN, "ipv6: bad payload length") \
	X(IP6_BAD_SRC, "ipv6: bad source address") \
	X(IP6_NOT_FOR_US, "ipv6: not our address (not forwarding)") \
	X(IP6_MCAST_NOT_JOINED, "ipv6: multicast group not joined on this interface") \
	X(IP6_HOP_LIMIT, "ipv6: hop limit exceeded in transit") \
	X(IP6_NO_ROUTE, "ipv6: no route") \
	X(IP6_UNKNOWN_NEXT, "ipv6: unknown next header") \
	X(IP6_BAD_EXT, "ipv6: malformed extension header chain") \
	X(IP6_RH0, "ipv6: type 0 routing header (RFC 5095)") \
	X(IP6_TOO_BIG, "ipv6: larger than the path MTU") \
	X(FRAG6_OVERLAP, "ipv6 frag: overlapping fragment (RFC 5722)") \
	X(FRAG6_TIMEOUT, "ipv6 frag: reassembly timeout") \
	X(FRAG6_NO_MEMORY, "ipv6 frag: reassembly memory bound") \
	X(FRAG6_BAD, "ipv6 frag: malformed fragment") \
	X(FRAG6_TINY_FIRST, "ipv6 frag: first fragment without the header chain (RFC 7112)") \
	X(ICMP6_MALFORMED, "icmp6: malformed") \
	X(ICMP6_BAD_CSUM, "icmp6: bad checksum") \
	X(ICMP6_RATE_LIMITED, "icmp6: error rate limited") \
	X(ICMP6_UNKNOWN_TYPE, "icmp6: unhandled type") \
	X(ND_MALFORMED, "nd: malformed message") \
	X(ND_BAD_HOP_LIMIT, "nd: hop limit not 255") \
	X(ND_BAD_SRC, "nd: source address not allowed") \
	X(ND_NOT_FOR_US, "nd: target address not ours") \
	X(ND_QUEUE_FULL, "nd: pending queue full") \
	X(ND_UNRESOLVED, "nd: no advertisement after solicitations") \
	X(ND_CACHE_FULL, "nd: neighbour cache full") \
	X(ND_DAD_DUPLICATE, "nd: duplicate address detected") \
	X(MLD_MALFORMED, "mld: malformed") \
	X(IGMP_MALFORMED, "igmp: malformed") \
	X(IGMP_BAD_CSUM, "igmp: bad checksum") \
	X(UDP_MALFORMED, "udp: malformed") \
	X(UDP_BAD_CSUM, "udp: bad checksum") \
	X(UDP6_ZERO_CSUM, "udp: no checksum over IPv6 (RFC 8200 8.1)") \
	X(UDP_NO_PORT, "udp: no socket on port") \
	X(UDP_RCVBUF_FULL, "udp: receive queue full") \
	X(TCP_MALFORMED, "tcp: malformed") \
	X(TCP_BAD_CSUM, "tcp: bad checksum") \
	X(TCP_NO_SOCKET, "tcp: no connection or listener") \
	X(TCP_BAD_SEGMENT, "tcp: unacceptable segment") \
	X(TCP_SYN_QUEUE_FULL, "tcp: SYN queue full") \
	X(TCP_ACCEPT_QUEUE_FULL, "tcp: accept queue full") \
	X(TCP_OUT_OF_WINDOW, "tcp: out of window") \
	X(TCP_RCVBUF_FULL, "tcp: receive buffer full") \
	X(TCP_AFTER_FIN, "tcp: text queued beyond the peer's FIN") \
	X(TCP_SYN_FIN, "tcp: SYN with FIN at listener") \
	X(TCP_SYN_RST, "tcp: SYN with RST at listener") \
	X(TCP_LISTEN_FLAGS, "tcp: no SYN, ACK or RST at listener") \
	X(TCP_BAD_COOKIE, "tcp: bad SYN cookie") \
	X(DNS_MISMATCH, "dns: answer did not match query") \
	X(DNS_MALFORMED, "dns: malformed answer") \
	X(PKT_POOL_EMPTY, "pkt: buffer pool exhausted") \
	X(DEV_TX_FAILED, "dev: transmit failed") \
	X(DEV_BAD_META, "dev: offload header not understood")

enum ustack_drop {
#define USTACK_DROP_ENUM_(name, text) USTACK_DROP_##name,
	USTACK_DROP_REASONS(USTACK_DROP_ENUM_)
#undef USTACK_DROP_ENUM_
	USTACK_DROP_MAX
};

struct ustack_stats {
	uint64_t eth_in, eth_out;
	uint64_t arp_in, arp_out, arp_requests, arp_replies;
	uint64_t ip_in, ip_out, ip_delivered, ip_forwarded, ip_frag_out, ip_reasm_ok;
	uint64_t icmp_in, icmp_out, icmp_echo_replies_out;
	uint64_t igmp_in, igmp_out;
	uint64_t ip6_in, ip6_out, ip6_delivered, ip6_forwarded, ip6_frag_out, ip6_reasm_ok;
	uint64_t icmp6_in, icmp6_out, icmp6_echo_replies_out;
	uint64_t nd_in, nd_ns_out, nd_na_out, nd_rs_out, nd_dad_failed, mld_out;
	uint64_t nd_ip6_disabled;  /* interfaces IPv6 stopped on (cfg.dad_disable_ipv6) */
	/* RFC 7217 addresses: replaced after a DAD conflict; given up (IDGEN_RETRIES done) */
	uint64_t nd_idgen_retries, nd_idgen_failed;
	uint64_t udp_in, udp_out;
	uint64_t tcp_in, tcp_out, tcp_retransmits, tcp_rst_in, tcp_rst_out, tcp_conn_opened,
		 tcp_conn_accepted, tcp_conn_dropped, tcp_fast_retransmits, tcp_timeouts;
	uint64_t tcp_syncookies_sent, tcp_syncookies_ok, tcp_syncookies_failed;
	/* loss recovery: segments RACK (RFC 8985) marked lost, holes retransmitted from the
	 * SACK scoreboard (RFC 6675), tail loss probes sent, retransmission timeouts found
	 * spurious and undone (RFC 5682 / RFC 3522) */
	uint64_t tcp_rack_lost, tcp_sack_rexmits, tcp_tlp_probes, tcp_spurious_rto;
	/* D-SACK (RFC 2883): duplicates reported to the peer, reports received, congestion
	 * events undone because every retransmission of theirs proved a duplicate */
	uint64_t tcp_dsack_sent, tcp_dsack_rcvd, tcp_dsack_undo;
	uint64_t dns_queries, dns_answers, dns_cache_hits;
	/* threads woken in blocking socket calls (recv, accept, poll, epoll_wait...) by an
	 * event, and by their timeout */
	uint64_t sock_wakeups, sock_timeouts;
	uint64_t drops[USTACK_DROP_MAX];
};
void ustack_get_stats(struct ustack *st, struct ustack_stats *out);
const char *ustack_drop_name(int reason);   /* "ipv4: bad header checksum" */
/* Prints every non-zero counter, one "name value" per line. */
void ustack_print_stats(struct ustack *st, void *FILE_ptr);

/* --- trace: one decoded line per frame in and out, per state change --- */
enum ustack_trace_kind {
	USTACK_TRACE_RX,      /* a frame arrived (frame/frame_len set) */
	USTACK_TRACE_TX,      /* a frame left (frame/frame_len set) */
	USTACK_TRACE_DROP,    /* something was dropped (reason set; frame set when known) */
	USTACK_TRACE_STATE,   /* a state change (ARP entry, TCP state, socket) */
	USTACK_TRACE_INFO,    /* anything else worth a line (DNS query sent, timer fired) */
};

struct ustack_trace {
	enum ustack_trace_kind kind;
	uint64_t time_us;
	const char *stack;          /* ustack_name() */
	int ifindex;                /* -1 when not tied to an interface */
	const char *line;           /* the decoded line, no trailing newline */
	const uint8_t *frame;       /* RX/TX: the Ethernet frame */
	size_t frame_len;
	int reason;                 /* DROP: enum ustack_drop */
	/* STATE: what changed ("tcp", "arp", "socket"), and a small id for the object (e.g. the fd). */
	const char *subsystem;
	int object;
	const char *old_state, *new_state;
};
typedef void (*ustack_trace_fn)(void *ctx, const struct ustack_trace *ev);
void ustack_set_trace(struct ustack *st, ustack_trace_fn fn, void *ctx);

/* --- decoding a frame for display (the same decoder the trace lines use) --- */
struct ustack_frame_info {
	uint8_t eth_src[6], eth_dst[6];
	uint16_t ethertype;
	bool is_arp;
	uint16_t arp_op;                     /* 1 request, 2 reply */
	uint8_t arp_sha[6], arp_tha[6];
	struct in_addr arp_spa, arp_tpa;
	bool is_ipv4;
	struct in_addr ip_src, ip_dst;
	uint8_t ip_proto, ip_ttl;
	uint16_t ip_id, ip_total_len;
	bool ip_df, ip_mf;
	uint16_t ip_frag_off;                /* bytes */
	bool is_icmp;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	bool is_udp, is_tcp;
	uint16_t sport, dport;
	size_t payload_len;                  /* UDP/TCP payload bytes */
	const uint8_t *payload;
	/* TCP */
	uint32_t tcp_seq, tcp_ack;
	uint8_t tcp_flags;
	uint16_t tcp_win;                    /* raw field */
	bool tcp_has_mss, tcp_has_wscale, tcp_sack_perm, tcp_has_ts;
	uint16_t tcp_mss;
	uint8_t tcp_wscale, tcp_n_sack;
	uint32_t tcp_ts_val, tcp_ts_ecr;
	/* DNS (UDP port 53 either side) */
	bool is_dns;
	uint16_t dns_id, dns_flags, dns_ancount;
	char dns_qname[256];
	uint16_t dns_qtype;
	struct in_addr dns_a[8];             /* A records of the answer, in order */
	uint32_t dns_a_ttl[8];
	int dns_n_a;
	char dns_cname[256];                 /* the first CNAME target, if any */
	/* IPv6 (ethertype 0x86dd). The transport fields above (ip_proto: the upper layer
	 * after the extension headers, sport, dport, tcp_*, payload, icmp_*) are filled
	 * for it too. */
	bool is_ipv6;
	struct in6_addr ip6_src, ip6_dst;
	uint8_t ip6_hop_limit;
	uint8_t ip6_n_ext;                   /* extension headers walked */
	uint16_t ip6_payload_len;
	bool ip6_bad_chain;                  /* the extension headers could not be walked */
	bool ip6_frag, ip6_mf;               /* a fragment header; more fragments */
	uint16_t ip6_frag_off;               /* bytes */
	uint32_t ip6_frag_id;
	bool is_icmp6;                       /* ICMPv6: in icmp_type, icmp_code, icmp_id, icmp_seq */
	uint32_t icmp6_word;                 /* its bytes 4..7: packet too big MTU, problem pointer */
	bool is_nd;                          /* a well-formed Neighbor Discovery message */
	struct in6_addr nd_target;           /* NS, NA, redirect */
	bool nd_has_lla;
	uint8_t nd_lla[6];                   /* source (RS, RA, NS) or target (NA, redirect) link address */
	uint8_t nd_flags;                    /* NA: R 0x80, S 0x40, O 0x20; RA: M 0x80, O 0x40 */
};
/* Decodes what it can; returns 0, or -1 if not even an Ethernet header. */
int ustack_frame_decode(const uint8_t *frame, size_t len, struct ustack_frame_info *fi);
/* One line: "ARP who-has 10.0.1.1 tell 10.0.1.10", "IP 10.0.1.10.49152 > 10.0.2.80.80: Flags [S] ...",
 * "IP6 2001:db8::1 > ff02::1:ff00:2: ICMP6 neighbor solicitation who-has 2001:db8::2 ..." */
int ustack_frame_describe(const uint8_t *frame, size_t len, char *out, size_t cap);

/* --- ICMP and ICMPv6 echo (ping) --- */
struct ustack_ping_reply {
	struct in_addr from;        /* family AF_INET: who answered */
	uint8_t type, code;         /* 0/0: echo reply; else the ICMP error that came back
	                               (11 time exceeded, 3 unreachable) about our request */
	uint16_t id, seq;
	uint8_t ttl;                /* of the reply datagram */
	size_t len;                 /* ICMP bytes (header + payload), as ping prints */
	uint64_t rtt_us;            /* reply time - send time (stack clock) */
	bool payload_ok;            /* the echoed payload equals what was sent */
	int family;                 /* AF_INET (from) or AF_INET6 (from6) */
	struct in6_addr from6;      /* family AF_INET6: who answered; type/code are then
	                               ICMPv6's: 129/0 echo reply, 1 unreachable, 2 packet
	                               too big, 3 time exceeded, 4 parameter problem */
};
/* Send one echo request (payload may be NULL: a pattern is used). ttl 0: default.
 * Payloads above the MTU are fragmented. Returns 0 or -1 with errno. */
int ustack_ping_send(struct ustack *st, struct in_addr dst, uint16_t id, uint16_t seq,
		     const void *payload, size_t len, uint8_t ttl);
/* The same over IPv6 (ICMPv6 echo, RFC 4443 4.1): ifindex is the interface of a
 * link-local or multicast dst (its scope id), -1 otherwise (the routing table).
 * hop_limit 0: default. The reply (or error) comes through ustack_ping_recv, with
 * family AF_INET6. Returns 0 or -1 with errno (EINVAL, EMSGSIZE, ENETUNREACH,
 * EADDRNOTAVAIL, ENOBUFS). */
int ustack_ping6_send(struct ustack *st, const struct in6_addr *dst, int ifindex, uint16_t id,
		      uint16_t seq, const void *payload, size_t len, uint8_t hop_limit);
/* Take one reply (or error) for identifier id. timeout_ms 0: do not wait; -1 forever.
 * Returns 0, or -1 with errno EAGAIN (none yet) / ETIMEDOUT. */
int ustack_ping_recv(struct ustack *st, uint16_t id, struct ustack_ping_reply *out,
		     int timeout_ms);

/* --- the neighbour (ARP) cache --- */
struct ustack_neigh {
	struct in_addr addr;
	uint8_t mac[6];
	int ifindex;
	const char *state;          /* "INCOMPLETE", "REACHABLE", "STALE" */
	uint64_t age_us;            /* since last confirmed */
};
size_t ustack_neighbours(struct ustack *st, struct ustack_neigh *out, size_t max);

/* --- IPv6 addresses and neighbours (RFC 4862, RFC 4861) ---
 * Every Ethernet interface gets a link-local address from its MAC when it is added
 * (unless ustack_config.disable_ipv6), runs Duplicate Address Detection and solicits
 * routers; router advertisements add SLAAC addresses, default routes and on-link
 * prefixes (ustack_if_set_slaac turns the addresses off). The loopback gets ::1. */
/* A static address a/plen on ifindex: TENTATIVE until DAD is done (about 1-2 s of the
 * stack's clock), then PREFERRED; DUPLICATE if another node has it. 0 or -1 with errno
 * (ENODEV, EINVAL, EEXIST, ENOSPC, EAFNOSUPPORT when IPv6 is off). */
int ustack_if_add6(struct ustack *st, int ifindex, const struct in6_addr *a, int plen);
int ustack_if_del6(struct ustack *st, int ifindex, const struct in6_addr *a);
/* Accept addresses from router advertisements' prefixes on ifindex (default on). */
int ustack_if_set_slaac(struct ustack *st, int ifindex, bool on);

struct ustack_addr6 {
	struct in6_addr addr;
	int plen;
	int ifindex;
	const char *state;          /* "TENTATIVE", "PREFERRED", "DEPRECATED", "DUPLICATE" */
	const char *origin;         /* "link-local", "static", "slaac" */
	uint32_t valid_s, preferred_s;  /* seconds left; 0xffffffff: forever */
};
/* The IPv6 addresses of ifindex (-1: of every interface); returns how many were written. */
size_t ustack_if_addrs6(struct ustack *st, int ifindex, struct ustack_addr6 *out, size_t max);

struct ustack_neigh6 {
	struct in6_addr addr;
	uint8_t mac[6];
	int ifindex;
	const char *state;          /* "INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE" */
	bool router;
	uint64_t age_us;            /* since last confirmed */
};
size_t ustack_neighbours6(struct ustack *st, struct ustack_neigh6 *out, size_t max);
/* The recursive DNS servers router advertisements gave (RFC 8106) and still valid. */
size_t ustack_rdnss(struct ustack *st, struct in6_addr *out, size_t max);

#ifdef __cplusplus
}
#endif
#endif
