/* tcp_var.h - TCP's private state, shared by the files of src/tcp/ (and white-box
 * tests): the per-stack tables and settings (struct tcp_state, st->tcp), one
 * connection (struct tcp_conn), its states (RFC 9293 section 3.3.2), flags, timers,
 * and the functions the files call in each other.
 *
 * Sequence space of a connection (one byte of SYN, the data, one byte of FIN):
 *   iss | snd_data ... snd_data + sndbuf.len | FIN
 * sndbuf holds the unacknowledged and unsent bytes from snd_data on; a retransmission
 * reads them again from there. rcvbuf holds the bytes the user has not read (in order,
 * up to rcv_nxt) followed, at offsets their sequence numbers give, by out-of-order
 * bytes whose ranges are in `ooo`. */
#ifndef USTACK_TCP_TCP_VAR_H
#define USTACK_TCP_TCP_VAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ip_addr.h"
#include "core/timer.h"
#include "core/upcall.h"
#include "tcp/tcp.h"
#include "tcp/tcp_buf.h"
#include "tcp/tcp_cubic.h"
#include "tcp/tcp_dsack.h"
#include "tcp/tcp_rack.h"
#include "tcp/tcp_seq.h"
#include "tcp/tcp_tune.h"
#include "wire/tcp.h"

struct ustack;

/* RFC 9293 section 3.3.2. Every state from ESTABLISHED on is "synchronized". */
enum tcp_fsm {
	TCPS_CLOSED,
	TCPS_LISTEN,
	TCPS_SYN_SENT,
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED,
	TCPS_CLOSE_WAIT,
	TCPS_FIN_WAIT_1,
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_FIN_WAIT_2,
	TCPS_TIME_WAIT,
	TCPS_N
};
#define TCPS_HAVE_ESTABLISHED(s) ((s) >= TCPS_ESTABLISHED)

/* Connection flags (c->flags). Input and timers set ACKNOW/FORCE/REXMIT_ONE and let
 * tcp_output decide. */
#define TF_ACKNOW      0x00000001u  /* send an ACK at the next output */
#define TF_DELACK      0x00000002u  /* an ACK is owed; the delayed-ACK deadline is set */
#define TF_NODELAY     0x00000004u  /* TCP_NODELAY: no Nagle */
#define TF_CORK        0x00000008u  /* MSG_MORE: hold a partial segment */
#define TF_FIN_PENDING 0x00000010u  /* the user is done sending: FIN after the data */
#define TF_SENTFIN     0x00000020u  /* the FIN went out at least once */
#define TF_RCVD_FIN    0x00000040u  /* the peer's FIN was processed: end of stream */
#define TF_SHUT_RD     0x00000080u  /* shutdown(SHUT_RD): received data is discarded */
#define TF_KEEPALIVE   0x00000100u  /* SO_KEEPALIVE */
#define TF_LINGER0     0x00000200u  /* SO_LINGER on with 0 s: close sends RST */
#define TF_REUSE       0x00000400u  /* SO_REUSEADDR at bind time */
#define TF_PASSIVE     0x00000800u  /* created by a listener for a SYN */
#define TF_WS_OK       0x00001000u  /* both sides sent window scale (RFC 7323) */
#define TF_TS_OK       0x00002000u  /* both sides sent timestamps (RFC 7323) */
#define TF_SACK_OK     0x00004000u  /* both sides sent SACK-permitted (RFC 2018) */
#define TF_RECOVERY    0x00008000u  /* in fast recovery (RFC 6582 / RFC 6675) */
#define TF_FORCE       0x00010000u  /* send one byte even into a zero window (probe) */
#define TF_REXMIT_ONE  0x00020000u  /* retransmit the segment at snd_una now */
#define TF_ORPHAN      0x00040000u  /* the user closed: no owner will ever come back */
#define TF_WAS_SYNC    0x00080000u  /* reached ESTABLISHED once */
#define TF_ACCEPTQ     0x00100000u  /* on its listener's accept queue */
#define TF_SYN_REXMIT  0x00200000u  /* the SYN was retransmitted (RFC 6298 5.7) */
#define TF_RESET       0x00400000u  /* ended by a RST (received or sent) */
#define TF_WANT_WS     0x00800000u  /* we offer window scaling */
#define TF_WANT_TS     0x01000000u  /* we offer timestamps */
#define TF_WANT_SACK   0x02000000u  /* we offer SACK */
#define TF_SND_WAIT    0x04000000u  /* a write found the send buffer full: tell of room */
#define TF_REUSEPORT   0x08000000u  /* SO_REUSEPORT: shares its port with others that set it */

/* The deadlines one core timer serves (0 = off). */
enum tcp_timer_id {
	TT_REXMT,      /* retransmission (SYN, data, FIN), RFC 6298 */
	TT_PERSIST,    /* zero-window probe, RFC 9293 3.8.6.1 */
	TT_DELACK,     /* delayed ACK, RFC 9293 3.8.6.3 */
	TT_KEEP,       /* keep-alive, RFC 9293 3.8.4 / RFC 1122 4.2.3.6 */
	TT_2MSL,       /* TIME_WAIT, and the orphaned FIN_WAIT_2 bound */
	TT_IDLE,       /* drained rings give their storage back (tcp_drained) */
	TT_RACK,       /* RACK reordering window ends (RFC 8985 6.2) */
	TT_TLP,        /* Tail Loss Probe (RFC 8985 7) */
	TT_N
};

struct tcp_conn {
	int id;                          /* for traces */
	uint32_t flags;
	/* Addresses of either family. laddr unspecified (0.0.0.0 or ::) while bound to
	 * any; a connection's laddr and raddr are of one family (an AF_INET6 socket's
	 * IPv4 connections are IPv4 here: the socket layer shows them v4-mapped). */
	struct ip_addr laddr, raddr;
	bool v6only;                     /* bound to :: for IPv6 only (IPV6_V6ONLY) */
	uint8_t state;                   /* enum tcp_fsm (a byte: packs with the addresses) */
	uint16_t lport, rport;
	struct upcall up;                /* the user (a socket, a service); fn NULL: none
	                                    (accept queue, TIME_WAIT, closed) */

	/* table links (tcp_conn.c) */
	struct tcp_conn *hnext;          /* 4-tuple hash chain */
	struct tcp_conn *lnext;          /* listener hash chain */
	struct tcp_conn *bnext, *bprev;  /* port chain (bind conflicts) */
	struct tcp_conn *anext, *aprev;  /* every connection (netstat) */
	bool in_hash, in_lhash, in_bhash;
	bool rcvbuf_lock, sndbuf_lock;   /* SO_RCVBUF / SO_SNDBUF set by the user: no
	                                    auto-tuning (tcp_tune.c) */
	bool dsack_undo_ok;              /* D-SACK (tcp_dsack.c): a congestion event may
	                                    still be undone */
	bool dsack_round_on;
	uint8_t dsack_reo_persist;       /* recoveries a grown reo_wnd is kept for */

	/* listener side */
	struct tcp_conn *parent;         /* the listener of a passive child not yet accepted */
	struct tcp_conn *qnext, *qprev;  /* sibling links in the parent's child list */
	struct tcp_conn *children;       /* listener: SYN_RECEIVED and accept-queue children */
	struct tcp_conn *acc_head, *acc_tail;  /* listener: accept queue, oldest first */
	struct tcp_conn *acc_next;
	int16_t backlog, acc_count;      /* backlog at most TCP_BACKLOG_MAX */
	uint16_t syn_count;              /* at most 2 * backlog (tcp_syn_queue_max) */
	int16_t error;                   /* pending error (positive errno) for the user */

	/* send sequence space (RFC 9293 3.3.1) */
	uint32_t iss, snd_una, snd_nxt, snd_max;
	uint32_t snd_data;               /* sequence number of sndbuf's first byte */
	uint32_t snd_sml;                /* end of the last sub-MSS segment sent (Nagle) */
	uint32_t snd_wnd, max_sndwnd;    /* scaled */
	uint32_t snd_wl1, snd_wl2;
	/* The sender's D-SACK state (tcp_dsack.c) lies in four places where the layout had
	 * holes: an idle connection stays within sim_tcp_idle_mem's bound. */
	uint32_t dsack_round;            /* reo_wnd grows again once snd_una passes this */
	int linger_sec;                  /* SO_LINGER l_linger (with l_onoff) */
	struct tcp_ring sndbuf;

	/* receive sequence space */
	uint32_t irs, rcv_nxt;
	uint32_t rcv_adv;                /* right edge of the window we advertised */
	uint32_t last_ack_sent;
	uint32_t syn_win;                /* window sent in our SYN (for rcv_adv) */
	uint32_t rcv_unacked;            /* bytes received since our last ACK */
	struct tcp_ring rcvbuf;
	struct tcp_ranges ooo;           /* out-of-order ranges above rcv_nxt */
	struct tcp_range sack_recent;    /* the block the latest segment fell in */
	uint32_t ooo_fin_seq;
	bool ooo_fin;                    /* a FIN arrived out of order, at ooo_fin_seq */
	bool linger_on;

	/* segment sizes */
	uint16_t mss_user;               /* TCP_MAXSEG (0: none) */
	uint16_t mss_adv;                /* what our SYN said */
	uint16_t mss_peer;               /* what the peer's SYN said (536 without) */
	uint16_t t_maxseg;               /* effective send MSS, options included */
	int16_t ifindex;                 /* the interface of a link-local peer (its scope), -1;
	                                    here it fills a hole */
	uint32_t gso_max;                /* the route's device takes super-segments of this
					  * many IP bytes (TSO4 / TSO6), 0 if not (tcp_update_maxseg) */
	bool csum_offload;               /* ... and finishes TCP checksums (TX_CSUM) */
	uint8_t ip_ttl;                  /* IP_TTL (0: the stack default) */
	uint16_t rcv_mss;                /* the peer's segment size as seen */
	uint8_t snd_wscale, rcv_wscale;
	uint16_t rcv_rtt;                /* the receiver's RTT estimate in 16 us units, 0:
	                                    none (tcp_tune.c; kept here, in a hole) */

	/* timestamps (RFC 7323) */
	uint32_t ts_recent, ts_offset;
	uint32_t dsack_undo_retrans;     /* bytes retransmitted since a congestion event,
	                                    not yet reported duplicate */
	uint64_t ts_recent_age;

	/* round-trip time (RFC 6298), microseconds */
	uint32_t srtt, rttvar, rto;      /* srtt 0: no sample yet */
	uint32_t rt_seq;                 /* the segment being timed (Karn) */
	uint64_t rt_time;
	bool rt_active;
	uint8_t rxtshift;                /* retransmissions of the current segment */
	uint8_t persist_shift;
	uint8_t ip_tos;                  /* IP_TOS (these three bytes fill holes) */
	uint32_t total_retrans;          /* segments retransmitted over the connection's life */

	/* congestion control (tcp_cc.c) */
	uint32_t cwnd, ssthresh, bytes_acked;
	uint32_t dupacks;
	uint32_t recover;                /* snd_max when recovery began (RFC 6582) */
	uint32_t rxmit_nxt;              /* next byte to retransmit during recovery */
	uint64_t rxmit_head_time;        /* when snd_una's segment was last retransmitted */
	struct tcp_ranges sacked;        /* SACK scoreboard above snd_una */
	struct tcp_rack rack;            /* segments in flight, RACK-TLP, PRR (tcp_rack.c) */
	struct tcp_cc_state cc;          /* the congestion control algorithm's own state */

	/* timers */
	struct timer timer;
	uint64_t deadline[TT_N];

	/* keep-alive (microseconds) */
	uint64_t keep_idle, keep_intvl;
	int16_t keep_cnt, keep_probes;   /* keep_cnt <= 127 (TCP_KEEPCNT); keep_probes saturates */
	int16_t persist_probes;          /* zero-window probes not answered yet (<= data_retries) */
	int16_t soft_error;              /* ICMP soft error, reported if we time out */
	uint64_t last_rcv;               /* st->now of the last segment received */
	/* TCP_USER_TIMEOUT (RFC 5482), ms, 0 off: unacknowledged data or unanswered
	 * keep-alives for that long abort the connection (ETIMEDOUT) */
	uint32_t user_timeout_ms;
	struct tcp_tune tune;            /* buffer auto-tuning (tcp_tune.c); here it packs
	                                    with the field before it */
	uint64_t rexmt_armed;            /* when TT_REXMT was last set */
	uint64_t ut_start;               /* with rxtshift > 0: since when nothing got acked */
	uint64_t persist_since;          /* the first zero-window probe's timer start */

};

/* Per-stack TCP: the demultiplexing tables and the settings tests may change. */
struct tcp_state {
	struct tcp_conn **hash;          /* established (4-tuple) table */
	size_t hash_mask, hash_count;
	struct tcp_conn **lhash;         /* listeners by (addr, port) */
	struct tcp_conn **bhash;         /* bound connections by port */
	struct tcp_conn *all;            /* every connection */
	size_t n_conns;
	uint64_t hash_key[2];
	uint64_t isn_key[2];             /* RFC 6528 secret */
	uint64_t cookie_key[2];          /* SYN cookie secret (tcp_syncookie.c) */
	uint64_t syncookie_until;        /* cookies sent lately: ACKs at LISTEN checked until */
	int next_id;

	/* settings (microseconds); from struct ustack_config, tests may change them */
	uint64_t msl;                    /* TIME_WAIT lasts 2 * msl */
	uint64_t min_rto, initial_rto, max_rto;
	uint64_t delack;                 /* delayed-ACK timeout */
	uint64_t fin_timeout;            /* orphaned FIN_WAIT_2 bound */
	uint64_t persist_min, persist_max;
	int syn_retries, synack_retries, data_retries;
	size_t sndbuf_default, rcvbuf_default;
	size_t buf_max;                  /* largest SO_SNDBUF / SO_RCVBUF */
	size_t rcvbuf_max, sndbuf_max;   /* auto-tuning grows buffers up to these */
	unsigned syn_queue_max;          /* half-open connections per listener at most */
	uint8_t syncookies;              /* enum tcp_syncookies_mode (tcp_syncookie.h) */
	uint32_t challenge_ack_limit;    /* RFC 5961 section 7: per second, stack-wide */
	uint32_t challenge_acks;
	uint64_t challenge_window;
	bool pmtud;                      /* send with DF (RFC 1191) */
	/* D-SACK to report in the ACK the segment being processed draws (tcp_dsack.c):
	 * lives from tcp_input's step for a duplicate to the tcp_output ending it */
	struct tcp_conn *dsack_conn;
	uint32_t dsack_left, dsack_right;
	bool ecn_unused;
};

/* A received segment as input sees it (seq/flags/len change as it is trimmed). */
struct tcp_seg {
	struct tcp_repr th;
	struct ip_addr src, dst;
	int ifindex;                     /* the interface it came in on */
	uint32_t seq;
	uint8_t flags;
	const uint8_t *data;
	uint32_t len;                    /* payload bytes */
};

static inline uint32_t tcp_seg_len(const struct tcp_seg *s)
{
	return s->len + ((s->flags & TCP_SYN) ? 1 : 0) + ((s->flags & TCP_FIN) ? 1 : 0);
}

/* Default sizes and bounds. */
#define TCP_DEFAULT_BUF      (128u << 10)   /* SO_SNDBUF / SO_RCVBUF to begin with:
                                               auto-tuning grows them (tcp_tune.c) */
#define TCP_MIN_BUF          2048u
#define TCP_MAX_BUF          (64u << 20)
#define TCP_DEFAULT_MSS      536u           /* RFC 9293 3.7.1 */
#define TCP_MIN_MSS          88u            /* floor against tiny peer MSS values */
#define TCP_MAX_WINSHIFT     14
#define TCP_TS_OPT_LEN       12             /* NOP NOP TS */
#define TCP_KEEPIDLE_DEF     7200u          /* seconds, RFC 1122 4.2.3.6 */
#define TCP_KEEPINTVL_DEF    75u
#define TCP_KEEPCNT_DEF      9
#define TCP_BACKLOG_MAX      32767          /* listen() backlogs are clamped to it */
#define TCP_BURST_MAX        64             /* segments one output call sends at most */
#define TCP_RING_IDLE_US     200000u        /* a drained ring keeps its storage this long */

/* --- tcp_conn.c: tables, allocation, ISN, state changes, resets --- */
struct tcp_conn *tcp_conn_alloc(struct ustack *st);
void tcp_conn_free(struct ustack *st, struct tcp_conn *c);
/* Frees c if it is CLOSED and nobody holds it; returns true if freed. */
bool tcp_conn_gc(struct ustack *st, struct tcp_conn *c);
void tcp_hash_insert(struct ustack *st, struct tcp_conn *c);
void tcp_hash_remove(struct ustack *st, struct tcp_conn *c);
struct tcp_conn *tcp_lookup(struct ustack *st, const struct ip_addr *laddr, uint16_t lport,
			    const struct ip_addr *raddr, uint16_t rport);
/* The listener for a segment to laddr:lport from raddr:rport: an exact address first,
 * then the wildcard; among SO_REUSEPORT listeners of one address, one chosen by a keyed
 * hash of the peer, so the same peer always reaches the same listener. */
struct tcp_conn *tcp_lookup_listener(struct ustack *st, const struct ip_addr *laddr,
				     uint16_t lport, const struct ip_addr *raddr, uint16_t rport);
/* Another listener on c's exact address and port, not both with SO_REUSEPORT? */
bool tcp_listen_conflict(struct ustack *st, const struct tcp_conn *c);
void tcp_listen_insert(struct ustack *st, struct tcp_conn *c);
void tcp_listen_remove(struct ustack *st, struct tcp_conn *c);
void tcp_bind_insert(struct ustack *st, struct tcp_conn *c);
void tcp_bind_remove(struct ustack *st, struct tcp_conn *c);
/* 0, or -EADDRINUSE if binding c to addr:port (c->v6only as set) would clash. */
int tcp_bind_check(struct ustack *st, const struct tcp_conn *c, const struct ip_addr *addr,
		   uint16_t port, bool reuse);
/* A free ephemeral port (49152-65535), or 0. */
uint16_t tcp_ephemeral_port(struct ustack *st);
uint32_t tcp_isn(struct ustack *st, const struct ip_addr *laddr, uint16_t lport,
		 const struct ip_addr *raddr, uint16_t rport);
/* The IP header bytes of c's family (20 or 40): MSS = MTU - this - 20. */
unsigned tcp_ip_hdr_len(const struct tcp_conn *c);
/* SipHash-2-4 of m under key (ISNs, SYN cookies). */
uint64_t tcp_siphash24(const uint64_t key[2], const uint8_t *m, size_t len);
void tcp_set_state(struct ustack *st, struct tcp_conn *c, enum tcp_fsm s);
const char *tcp_fsm_name(enum tcp_fsm s);
/* To CLOSED: out of the tables and the listener's queues, timers off. Does not free. */
void tcp_closed(struct ustack *st, struct tcp_conn *c);
/* Abort: RST to the peer if synchronized, error `err` for the user, CLOSED. */
void tcp_drop(struct ustack *st, struct tcp_conn *c, int err);
/* Tell the user what kind of change happened (events: POLLIN, UPCALL_ALL; no-op
 * without a user). Room to write goes through tcp_write_space. */
void tcp_notify(struct ustack *st, struct tcp_conn *c, unsigned events);
/* Room in the send buffer: the user hears of it (POLLOUT) only when a write found the
 * buffer full since the last time (TF_SND_WAIT) and it is writable again, as Linux's
 * sk_stream_write_space. */
void tcp_write_space(struct ustack *st, struct tcp_conn *c);
/* The listener's children: move to the accept queue; take off. */
void tcp_child_established(struct ustack *st, struct tcp_conn *c);
void tcp_child_unlink(struct tcp_conn *c);
/* Initial sizes for a new connection to raddr: MSS, window scale. */
void tcp_conn_init_mss(struct ustack *st, struct tcp_conn *c);
/* Options of the peer's SYN (RFC 7323, RFC 2018, MSS). */
void tcp_syn_options(struct ustack *st, struct tcp_conn *c, const struct tcp_repr *th);
/* Effective send MSS from the peer's MSS, the route MTU and TCP_MAXSEG. */
void tcp_update_maxseg(struct ustack *st, struct tcp_conn *c, unsigned mtu);

/* --- tcp_output.c --- */
int tcp_output(struct ustack *st, struct tcp_conn *c);
/* RFC 8985 7.3: send the Tail Loss Probe (new data, or the last segment again). */
void tcp_output_tlp(struct ustack *st, struct tcp_conn *c);
/* A control segment of c: RST, keep-alive probe, challenge ACK (seq/ack given). */
int tcp_send_ctl(struct ustack *st, struct tcp_conn *c, uint32_t seq, uint32_t ack,
		 uint8_t flags);
/* RFC 5961 section 7: a rate-limited challenge ACK. */
void tcp_challenge_ack(struct ustack *st, struct tcp_conn *c);
/* A RST with no connection (RFC 9293 3.10.7.1): the reply to seg. */
void tcp_respond_rst(struct ustack *st, const struct tcp_seg *seg);
/* Payload bytes a full segment carries. */
uint32_t tcp_seg_payload_max(const struct tcp_conn *c);
/* Window we would advertise now (scaled value, bytes). */
uint32_t tcp_rcv_window(const struct tcp_conn *c);

/* --- tcp_info.c: TCP_INFO, Linux's struct tcp_info with what ustack knows --- */
struct tcp_info;
void tcp_fill_info(struct ustack *st, const struct tcp_conn *c, struct tcp_info *ti);

/* --- tcp_timer.c --- */
void tcp_timer_init(struct tcp_conn *c);
void tcp_timer_set(struct ustack *st, struct tcp_conn *c, enum tcp_timer_id which,
		   uint64_t when);
void tcp_timer_stop(struct ustack *st, struct tcp_conn *c, enum tcp_timer_id which);
void tcp_timer_stop_all(struct ustack *st, struct tcp_conn *c);
static inline bool tcp_timer_on(const struct tcp_conn *c, enum tcp_timer_id which)
{
	return c->deadline[which] != 0;
}
/* The current retransmission timeout with backoff, bounded. */
uint64_t tcp_rexmt_timeout(struct ustack *st, const struct tcp_conn *c);
/* (Re)start the retransmission timer. */
void tcp_rexmt_restart(struct ustack *st, struct tcp_conn *c);
void tcp_persist_start(struct ustack *st, struct tcp_conn *c);
/* RFC 6298 2.2/2.3: a new RTT measurement. */
void tcp_rtt_sample(struct ustack *st, struct tcp_conn *c, uint64_t rtt_us);
void tcp_rto_init(struct ustack *st, struct tcp_conn *c);
/* Keep-alive and TIME_WAIT bookkeeping. */
void tcp_keep_start(struct ustack *st, struct tcp_conn *c);
void tcp_time_wait_start(struct ustack *st, struct tcp_conn *c);
void tcp_delack_start(struct ustack *st, struct tcp_conn *c);
void tcp_delack_batch(struct ustack *st, struct tcp_conn *c);   /* ACK at the step's end */
/* A ring may have drained (all sent acknowledged, or all received read with nothing
 * out of order): its storage goes once it has stayed drained TCP_RING_IDLE_US, at once
 * when no more bytes can come into it (FIN, shutdown, closed). */
void tcp_drained(struct ustack *st, struct tcp_conn *c);

#endif
