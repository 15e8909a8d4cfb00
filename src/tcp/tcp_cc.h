/* tcp_cc.h - congestion control and loss recovery: slow start and congestion
 * avoidance (RFC 5681, with appropriate byte counting, RFC 3465), fast retransmit and
 * NewReno fast recovery (RFC 6582), SACK-based recovery in the spirit of RFC 6675
 * (the scoreboard, pipe, and holes retransmitted first). */
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
/* The retransmission timer fired. */
void tcp_cc_rto(struct ustack *st, struct tcp_conn *c);
/* Fold the SACK blocks of an ACK into the scoreboard (RFC 2018, RFC 6675). */
void tcp_cc_sack(struct tcp_conn *c, const struct tcp_repr *th);
/* Bytes sent and not yet acknowledged (FlightSize). */
uint32_t tcp_cc_flight(const struct tcp_conn *c);
/* RFC 6675 "pipe": bytes believed to be in the network during SACK recovery. */
uint32_t tcp_cc_pipe(const struct tcp_conn *c);
/* The next hole to retransmit during SACK recovery: [*seq, *seq + *len). */
bool tcp_cc_next_hole(const struct tcp_conn *c, uint32_t *seq, uint32_t *len);
/* Highest sequence number known to have arrived (snd_una or the top SACK block). */
uint32_t tcp_cc_fack(const struct tcp_conn *c);

#endif
