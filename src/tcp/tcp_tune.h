/* tcp_tune.h - buffer auto-tuning: the receive buffer grows with what the application
 * reads per round trip (dynamic right-sizing, the idea of Linux's tcp_rcv_space_adjust),
 * the send buffer with the congestion window, each up to a stack-wide bound, unless
 * the user fixed it with SO_RCVBUF / SO_SNDBUF (then it stays as set, as on Linux).
 *
 * The receiver needs its own round-trip estimate: from the timestamps the peer echoes
 * in its data segments (RFC 7323, 1 ms clock) when that gives a non-zero time, else by
 * timing how long one advertised window of data takes to arrive (microseconds; never
 * shorter than a round trip when the window limits the sender). */
#ifndef USTACK_TCP_TCP_TUNE_H
#define USTACK_TCP_TCP_TUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ustack;
struct tcp_conn;
struct tcp_repr;

/* Kept small (every idle connection carries it): times are the low 32 bits of
 * st->now in microseconds, compared as differences (intervals under an hour); 0 marks
 * a measurement not running. Whether the user fixed a buffer is in the connection
 * (rcvbuf_lock, sndbuf_lock). */
struct tcp_tune {
	/* dynamic right-sizing: one measurement per receiver round trip */
	uint32_t rcv_time;      /* when the measurement began */
	uint32_t rcv_seq;       /* first byte the user had not read then */
	uint32_t rcv_space;     /* most bytes read in one round trip so far (0: none yet) */
	/* the receiver's round-trip estimate is c->rcv_rtt (16 us units, up to 1 s):
	 * echoed timestamps move it by 1/8 of each sample, window measurements only
	 * lower it */
	uint32_t win_seq;       /* a window measurement ends when rcv_nxt reaches this */
	uint32_t win_time;      /* and began then */
};

/* Defaults (struct ustack_config tcp_rcvbuf_max / tcp_sndbuf_max override the bounds). */
#define TCP_TUNE_RCVBUF_MAX (6u << 20)
/* The send bound is smaller: on a path of microseconds cwnd grows without loss far
 * past what the path holds, and a ring of several MiB kept full by the writer is
 * slower (cold in the cache) for no gain (bench_tcp's runner bulk: 4 MiB halved it). */
#define TCP_TUNE_SNDBUF_MAX (2u << 20)

/* The receiver's round-trip estimate (us), 0 if none yet. */
uint32_t tcp_tune_rcv_rtt(const struct tcp_conn *c);
/* The largest receive buffer c may come to have: the window scale of its SYN must
 * cover it. */
size_t tcp_tune_rcv_bound(const struct ustack *st, const struct tcp_conn *c);
/* A segment with len > 0 bytes of text at rcv_nxt was accepted (before rcv_nxt moves). */
void tcp_tune_rcv_seg(struct ustack *st, struct tcp_conn *c, const struct tcp_repr *th,
		      uint32_t len);
/* The user read (consumed) bytes: measure, grow the receive buffer. */
void tcp_tune_rcv_read(struct ustack *st, struct tcp_conn *c);
/* New data was acknowledged (cwnd updated): grow the send buffer to twice cwnd. */
void tcp_tune_snd(struct ustack *st, struct tcp_conn *c);
/* A listener's child takes the listener's locks. */
void tcp_tune_inherit(struct tcp_conn *c, const struct tcp_conn *l);

#endif
