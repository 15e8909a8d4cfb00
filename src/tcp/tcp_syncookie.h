/* tcp_syncookie.h - defences of a listener against SYN floods (RFC 4987): SYN cookies
 * (section 3.6) and the bounds and aging of the SYN queue (sections 3.2-3.4).
 *
 * A cookie is the ISN of a SYN-ACK sent without keeping any state:
 *
 *    31     27 26  24 23                        0
 *   +---------+------+---------------------------+
 *   | t mod 32| MSS  |   MAC (24 bits)           |
 *   +---------+------+---------------------------+
 *
 * t counts SYNCOOKIE_PERIOD_US periods of the stack clock; MSS is an index into a
 * table of 8 common segment sizes (the largest not above the peer's); the MAC is
 * SipHash-2-4 (a key of its own) over the 4-tuple, the peer's ISN, the whole t, the
 * MSS index and the option bits below. When the peer sent timestamps, the low
 * SYNCOOKIE_TS_BITS bits of our TS value carry its window scale (4 bits, 15 = none)
 * and SACK-permitted (1 bit), as Linux does; the peer echoes them in TSecr.
 *
 * The pure functions (syncookie_*) take the key and the clock as arguments so unit
 * tests can drive them; the tcp_syncookie_* ones act on a stack. */
#ifndef USTACK_TCP_TCP_SYNCOOKIE_H
#define USTACK_TCP_TCP_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ip_addr.h"

struct ustack;
struct tcp_conn;
struct tcp_seg;
struct tcp_repr;

/* st->tcp->syncookies: as Linux's net.ipv4.tcp_syncookies (0, 1, 2). */
enum tcp_syncookies_mode {
	TCP_SYNCOOKIES_OFF,      /* a full SYN queue drops SYNs */
	TCP_SYNCOOKIES_ON,       /* cookies once the SYN queue is full (the default) */
	TCP_SYNCOOKIES_ALWAYS,   /* every SYN gets a cookie: no half-open state at all */
};

#define SYNCOOKIE_PERIOD_US  (64ull * 1000000)   /* one t step; valid for 1 to 2 steps */
#define SYNCOOKIE_MSS_N      8u
#define SYNCOOKIE_TS_BITS    5u
#define SYNCOOKIE_TS_MASK    ((1u << SYNCOOKIE_TS_BITS) - 1)
#define SYNCOOKIE_WS_NONE    0xfu

struct syncookie_tuple {
	struct ip_addr laddr, raddr;   /* one family */
	uint16_t lport, rport;
};

/* What a cookie remembers of the peer's SYN. */
struct syncookie_opts {
	uint16_t mss;            /* the peer's MSS (decoded: the table entry) */
	bool ts;                 /* timestamps agreed: ws and sack below are carried */
	bool ws;                 /* window scale agreed, the peer's shift in wscale */
	uint8_t wscale;
	bool sack;               /* SACK-permitted agreed */
};

enum syncookie_verdict {
	SYNCOOKIE_OK,
	SYNCOOKIE_STALE,         /* made more than one period before the current one */
	SYNCOOKIE_FORGED,        /* the MAC does not match */
};

/* --- pure functions --- */
uint32_t syncookie_counter(uint64_t now_us);
/* Index of the largest table entry not above mss (0 for anything smaller). */
unsigned syncookie_mss_index(uint16_t mss);
uint16_t syncookie_mss(unsigned idx);
/* The low bits of our TS value for o (o->ts set). */
uint32_t syncookie_ts_bits(const struct syncookie_opts *o);
/* clock with its low SYNCOOKIE_TS_BITS replaced by bits, never ahead of clock (so the
 * connection's later TS values do not go back). */
uint32_t syncookie_tsval(uint32_t clock, uint32_t bits);
/* The cookie (our ISN) for a SYN from t with ISN peer_isn and options o (o->mss is
 * the peer's MSS; ws/sack are kept only with ts). */
uint32_t syncookie_encode(const uint64_t key[2], const struct syncookie_tuple *t,
			  uint32_t peer_isn, uint64_t now_us, const struct syncookie_opts *o);
/* Checks cookie (SEG.ACK - 1 of the returning ACK, peer_isn its SEG.SEQ - 1); with
 * has_ts, tsecr is the echo of our TS value. On SYNCOOKIE_OK fills *out. */
enum syncookie_verdict syncookie_decode(const uint64_t key[2], const struct syncookie_tuple *t,
					uint32_t peer_isn, uint32_t cookie, bool has_ts,
					uint32_t tsecr, uint64_t now_us,
					struct syncookie_opts *out);
/* The offset of the TS clock (ms) of a connection opened by a cookie: the same for
 * the SYN-ACK and for the connection the ACK creates. */
uint32_t syncookie_ts_offset(const uint64_t key[2], const struct syncookie_tuple *t);

/* --- on a stack --- */
/* Half-open connections listener l may hold. */
unsigned tcp_syn_queue_max(const struct ustack *st, const struct tcp_conn *l);
/* Should a SYN to l get a cookie instead of a SYN queue entry? */
bool tcp_syncookie_wanted(const struct ustack *st, const struct tcp_conn *l);
/* Should an ACK at a listener be checked as a cookie (cookies were sent lately)? */
bool tcp_syncookie_armed(const struct ustack *st);
/* The SYN-ACK with a cookie for seg (a SYN to listener l). Keeps nothing. */
void tcp_syncookie_send(struct ustack *st, const struct tcp_conn *l, const struct tcp_seg *seg);
/* seg is an ACK at listener l: true if it returns a valid cookie, with *syn set to the
 * options of the peer's SYN as far as the cookie recalls them (MSS, window scale,
 * SACK-permitted, timestamps with the ACK's TS value). Counts the result; a bad
 * cookie is also dropped (USTACK_DROP_TCP_BAD_COOKIE) and traced, not answered. */
bool tcp_syncookie_check(struct ustack *st, const struct tcp_conn *l, const struct tcp_seg *seg,
			 struct tcp_repr *syn);
/* c is the child tcp_syncookie_check's ACK creates (ISS = the cookie): as if its
 * SYN-ACK had been sent (SND.NXT, RCV.ADV, the TS clock). */
void tcp_syncookie_child(struct ustack *st, const struct tcp_conn *l, struct tcp_conn *c);
/* SYN-ACK retransmissions a half-open child c may make before it goes: fewer while
 * its listener's SYN queue is filling up (RFC 4987 3.4, Linux's pruning). */
int tcp_synack_retries(const struct ustack *st, const struct tcp_conn *c);

#endif
