/* tcp_cubic.h - CUBIC congestion avoidance (RFC 9438) and HyStart++ slow start
 * (RFC 9406), as arithmetic on a small state: tcp_cc.c calls it for connections whose
 * algorithm is CUBIC (the default; TCP_CONGESTION "reno" selects plain RFC 5681). */
#ifndef USTACK_TCP_TCP_CUBIC_H
#define USTACK_TCP_TCP_CUBIC_H

#include <stdbool.h>
#include <stdint.h>

enum tcp_cc_algo { TCP_CC_CUBIC, TCP_CC_RENO };

#define CUBIC_C     0.4     /* RFC 9438 4.1 */
#define CUBIC_BETA  0.7     /* RFC 9438 4.6 */

/* HyStart++ constants (RFC 9406 4.3) */
#define HYSTART_MIN_RTT_THRESH  4000u   /* us */
#define HYSTART_MAX_RTT_THRESH  16000u
#define HYSTART_N_RTT_SAMPLE    8u
#define HYSTART_CSS_DIVISOR     4u
#define HYSTART_CSS_ROUNDS      5u

struct tcp_cc_state {
	uint8_t algo;                 /* enum tcp_cc_algo */
	/* CUBIC, windows in bytes, times in us */
	uint32_t w_max, w_last_max;
	uint32_t cwnd_epoch;          /* cwnd when the congestion avoidance epoch began */
	uint64_t epoch_start;         /* 0: no epoch yet */
	double k;                     /* seconds */
	double w_est;                 /* Reno-friendly estimate, bytes */
	/* HyStart++ */
	uint32_t round_end;           /* sequence number that ends this round */
	uint32_t last_round_min_rtt, cur_round_min_rtt;   /* UINT32_MAX: none */
	uint32_t rtt_samples;
	uint32_t css_baseline_min_rtt;
	uint8_t css_rounds;
	bool in_css, hystart_done;
};

void tcp_cubic_init(struct tcp_cc_state *s);
/* W_cubic(t) in bytes, t seconds since the epoch began (RFC 9438 eq. 1). */
double tcp_cubic_w(const struct tcp_cc_state *s, double t, uint32_t mss);
/* K in seconds (RFC 9438 eq. 2) for w_max and cwnd_epoch. */
double tcp_cubic_k(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss);
/* A congestion event with cwnd: W_max (with fast convergence, 4.7); returns ssthresh. */
uint32_t tcp_cubic_loss(struct tcp_cc_state *s, uint32_t cwnd, uint32_t mss);
/* An ACK of `acked` bytes in congestion avoidance at `now`: the new cwnd (4.2-4.4). */
uint32_t tcp_cubic_ack(struct tcp_cc_state *s, uint64_t now, uint32_t cwnd, uint32_t acked,
		       uint32_t rtt_us, uint32_t mss);
/* HyStart++: an RTT sample in slow start. */
void tcp_hystart_rtt(struct tcp_cc_state *s, uint32_t rtt_us);
/* HyStart++: an ACK in slow start (ack: the new SND.UNA, snd_max: SND.NXT). Returns
 * the bytes cwnd may grow by (acked, or acked/4 in conservative slow start) and sets
 * *exit_ss when slow start should end (ssthresh = cwnd). */
uint32_t tcp_hystart_ack(struct tcp_cc_state *s, uint32_t ack, uint32_t snd_max,
			 uint32_t grow, bool *exit_ss);

#endif
