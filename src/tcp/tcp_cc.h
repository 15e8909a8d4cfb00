/* tcp_cc.h - congestion control and loss recovery: slow start (with HyStart++ for
 * CUBIC) and congestion avoidance (CUBIC, RFC 9438, the default; or Reno, RFC 5681
 * with appropriate byte counting, RFC 3465), NewReno fast recovery (RFC 6582) without
 * SACK; with SACK, recovery driven by the scoreboard and RACK-TLP (tcp_rack.c: RFC
 * 6675, RFC 8985) with Proportional Rate Reduction (RFC 6937); spurious timeouts
 * undone by the timestamp check of RFC 3522 (Eifel). */
#ifndef USTACK_TCP_TCP_CC_H
#define USTACK_TCP_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

struct ustack;
struct tcp_conn;
struct tcp_repr;

/* Initial window once the connection is established (RFC 6928 IW10 bound). */
void tcp_cc_init(struct ustack *st, struct tcp_conn *c);
/* acked new bytes arrived (ack > snd_una, before snd_una is moved). */
void tcp_cc_new_ack(struct ustack *st, struct tcp_conn *c, uint32_t ack);
/* A duplicate ACK (RFC 5681 section 2 definition) arrived. */
void tcp_cc_dup_ack(struct ustack *st, struct tcp_conn *c);
/* With SACK, after every acceptable ACK (snd_una moved already): loss detection
 * (RACK, IsLost), entering recovery, PRR's allowance. delivered: RFC 6937's
 * DeliveredData of this ACK. */
void tcp_cc_sack_ack(struct ustack *st, struct tcp_conn *c, const struct tcp_repr *th,
		     uint32_t delivered);
/* The RACK reorder timer fired. */
void tcp_cc_rack_timeout(struct ustack *st, struct tcp_conn *c);
/* The retransmission timer fired. */
void tcp_cc_rto(struct ustack *st, struct tcp_conn *c);
/* Fold the SACK blocks of an ACK into the (range) scoreboard (RFC 2018). */
void tcp_cc_sack(struct tcp_conn *c, const struct tcp_repr *th);
/* Bytes sent and not yet acknowledged (FlightSize). */
uint32_t tcp_cc_flight(const struct tcp_conn *c);
/* Name of the connection's algorithm ("cubic", "reno"); select by name: 0 or -ENOENT. */
const char *tcp_cc_name(const struct tcp_conn *c);
int tcp_cc_select(struct tcp_conn *c, const char *name);

#endif
