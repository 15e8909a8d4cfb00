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

/* The sender's state is in struct tcp_conn (dsack_* fields), the window to restore the
 * one Eifel keeps (rack.undo_cwnd / undo_ssthresh); the receiver's report is kept per
 * stack for the segment being processed (struct tcp_state's dsack_conn). */

#define TCP_DSACK_REO_PERSIST 16

/* Receiver: [left, right) arrived again. */
void tcp_dsack_dup(struct ustack *st, struct tcp_conn *c, uint32_t left, uint32_t right);
/* Receiver: [seq, seq+len) arrives out of order; if it overlaps data held already,
 * that overlap is the duplicate. Call before the range is added. */
void tcp_dsack_ooo(struct ustack *st, struct tcp_conn *c, uint32_t seq, uint32_t len);
/* Output: the D-SACK c's next ACK carries, if any (then reported: forgotten). */
bool tcp_dsack_take(struct ustack *st, const struct tcp_conn *c, uint32_t *left,
		    uint32_t *right);
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
