/* tcp_dsack.h - D-SACK (RFC 2883): the receiver reports a duplicate segment in the first
 * SACK block; the sender learns from it that a retransmission was not needed.
 *
 * Receiver: a segment wholly or partly below RCV.NXT, or inside out-of-order data
 * already held, is remembered as one D-SACK block; the next ACK carries it first (then
 * the usual blocks), once.
 *
 * Sender (RFC 2883 section 4 test: the first block lies below the ACK field, or inside
 * the second block): a D-SACK widens RACK's reordering window (RFC 8985 6.2 step 4:
 * reo_wnd_mult + 1 at most once per round trip, kept for 16 recoveries), and when
 * every byte retransmitted since a congestion event has been reported duplicate, the
 * event was spurious: cwnd and ssthresh go back to what they were (RFC 3708's idea,
 * the undo Eifel does for timeouts). */
#ifndef USTACK_TCP_TCP_DSACK_H
#define USTACK_TCP_TCP_DSACK_H

#include <stdbool.h>
#include <stdint.h>

struct ustack;
struct tcp_conn;
struct tcp_repr;

/* The window to restore is the one Eifel keeps (rack.undo_cwnd / undo_ssthresh). */
struct tcp_dsack {
	/* receiver */
	uint32_t left, right;       /* the duplicate to report */
	/* sender */
	uint32_t undo_marker;       /* snd_una when the congestion event began */
	uint32_t undo_retrans;      /* bytes retransmitted since, not reported duplicate */
	uint32_t round;             /* reo_wnd grows again once snd_una passes this */
	bool pending;               /* receiver: report [left, right) */
	bool undo_ok;               /* a congestion event may still be undone */
	bool round_on;
	uint8_t reo_persist;        /* recoveries the grown window is kept for */
};

#define TCP_DSACK_REO_PERSIST 16

/* Receiver: [left, right) arrived again. */
void tcp_dsack_dup(struct tcp_conn *c, uint32_t left, uint32_t right);
/* Receiver: [seq, seq+len) arrives out of order; if it overlaps data held already,
 * that overlap is the duplicate. Call before the range is added. */
void tcp_dsack_ooo(struct tcp_conn *c, uint32_t seq, uint32_t len);
/* Sender: an ACK with SACK blocks (before the scoreboard takes them). Returns true if
 * the first block was a D-SACK. */
bool tcp_dsack_ack(struct ustack *st, struct tcp_conn *c, const struct tcp_repr *th);
/* Sender: a congestion event (recovery, timeout) with the window before it. */
void tcp_dsack_event(struct tcp_conn *c, uint32_t cwnd, uint32_t ssthresh);
/* Sender: n bytes were retransmitted. */
void tcp_dsack_retrans(struct tcp_conn *c, uint32_t n);
/* Sender: a recovery ended. */
void tcp_dsack_recovery_end(struct tcp_conn *c);

#endif
