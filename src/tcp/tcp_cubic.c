/* tcp_cubic.c - CUBIC (RFC 9438) and HyStart++ (RFC 9406). See tcp_cubic.h.
 *
 * CUBIC: after a congestion event at W_max the window follows
 *   W_cubic(t) = C * (t - K)^3 + W_max,   K = cbrt((W_max - cwnd_epoch) / C)
 * (in segments, t in seconds since the epoch began): concave up to W_max, convex
 * beyond. The Reno-friendly estimate W_est grows by alpha = 3 (1 - beta) / (1 + beta)
 * segments per RTT; cwnd follows whichever is larger. Each ACK moves cwnd towards
 * W_cubic(t + RTT), by at most half of cwnd per RTT. */
#include "tcp/tcp_cubic.h"

#include <stdint.h>

#include "tcp/tcp_seq.h"

void tcp_cubic_init(struct tcp_cc_state *s)
{
	uint8_t algo = s->algo;

	*s = (struct tcp_cc_state){ .algo = algo };
	s->last_round_min_rtt = s->cur_round_min_rtt = UINT32_MAX;
	s->css_baseline_min_rtt = UINT32_MAX;
}

/* The cube root of x >= 0, by Newton's method from above (the library needs only libc
 * and pthreads: no libm). Doubling first gives a start at or above the root, from which
 * the iteration r <- (2r + x / r^2) / 3 comes down monotonically and fast. */
static double cube_root(double x)
{
	double r = 1.0;

	if (!(x > 0))
		return 0;
	while (r * r * r < x)
		r *= 2;
	for (int i = 0; i < 100; i++) {
		double next = (2 * r + x / (r * r)) / 3;
		if (next >= r)
			break;                  /* no longer coming down: converged */
		r = next;
	}
	return r;
}

double tcp_cubic_k(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss)
{
	double d = w_max > cwnd_epoch ? (double)(w_max - cwnd_epoch) / mss : 0;

	return cube_root(d / CUBIC_C);
}

double tcp_cubic_w(const struct tcp_cc_state *s, double t, uint32_t mss)
{
	double d = t - s->k;

	return CUBIC_C * d * d * d * mss + s->w_max;
}

uint32_t tcp_cubic_loss(struct tcp_cc_state *s, uint32_t cwnd, uint32_t mss)
{
	/* 4.7 fast convergence: a lower W_max than last time releases bandwidth */
	if (cwnd < s->w_last_max) {
		s->w_last_max = cwnd;
		s->w_max = (uint32_t)(cwnd * (1.0 + CUBIC_BETA) / 2.0);
	} else {
		s->w_last_max = cwnd;
		s->w_max = cwnd;
	}
	s->epoch_start = 0;
	s->hystart_done = true;
	s->in_css = false;
	uint32_t ss = (uint32_t)(cwnd * CUBIC_BETA);
	return ss > 2 * mss ? ss : 2 * mss;
}

uint32_t tcp_cubic_ack(struct tcp_cc_state *s, uint64_t now, uint32_t cwnd, uint32_t acked,
		       uint32_t rtt_us, uint32_t mss)
{
	if (!s->epoch_start) {
		/* 4.2: a new epoch begins with the first ACK in congestion avoidance */
		s->epoch_start = now ? now : 1;
		s->cwnd_epoch = cwnd;
		if (s->w_max < cwnd) {
			s->w_max = cwnd;                  /* no loss yet above cwnd: K = 0 */
		}
		s->k = tcp_cubic_k(s->w_max, cwnd, mss);
		s->w_est = cwnd;
	}
	double t = (double)(now - s->epoch_start) / 1e6;
	double rtt = (double)rtt_us / 1e6;
	double alpha = 3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA);

	/* 4.3: Reno-friendly region; once W_est is back at W_max it grows as Reno (alpha 1) */
	if (s->w_est >= s->w_max)
		alpha = 1.0;
	s->w_est += alpha * (double)acked / (double)cwnd * mss;
	double target = tcp_cubic_w(s, t + rtt, mss);
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	double next = cwnd + (target - cwnd) * (double)acked / (double)cwnd;  /* 4.4 / 4.5 */
	if (s->w_est > next)
		next = s->w_est;
	if (next > (double)(1u << 30))
		next = (double)(1u << 30);
	return (uint32_t)next;
}

void tcp_hystart_rtt(struct tcp_cc_state *s, uint32_t rtt_us)
{
	if (s->hystart_done)
		return;
	if (rtt_us < s->cur_round_min_rtt)
		s->cur_round_min_rtt = rtt_us;
	s->rtt_samples++;
}

uint32_t tcp_hystart_ack(struct tcp_cc_state *s, uint32_t ack, uint32_t snd_max,
			 uint32_t grow, bool *exit_ss)
{
	*exit_ss = false;
	if (s->hystart_done)
		return grow;
	/* RFC 9406 4.2: rounds end when the ACK passes the window that began them */
	bool round_over = s->round_end == 0 || SEQ_GEQ(ack, s->round_end);
	if (!s->in_css && s->rtt_samples >= HYSTART_N_RTT_SAMPLE &&
	    s->cur_round_min_rtt != UINT32_MAX && s->last_round_min_rtt != UINT32_MAX) {
		uint32_t th = s->last_round_min_rtt / 8;

		if (th < HYSTART_MIN_RTT_THRESH)
			th = HYSTART_MIN_RTT_THRESH;
		if (th > HYSTART_MAX_RTT_THRESH)
			th = HYSTART_MAX_RTT_THRESH;
		if (s->cur_round_min_rtt >= s->last_round_min_rtt + th) {
			s->in_css = true;                 /* delay grew: conservative slow start */
			s->css_baseline_min_rtt = s->cur_round_min_rtt;
			s->css_rounds = 0;
		}
	}
	if (s->in_css && s->rtt_samples >= HYSTART_N_RTT_SAMPLE &&
	    s->cur_round_min_rtt < s->css_baseline_min_rtt) {
		s->in_css = false;                        /* it was a false alarm: back to SS */
		s->css_baseline_min_rtt = UINT32_MAX;
	}
	if (round_over) {
		s->round_end = snd_max;
		s->last_round_min_rtt = s->cur_round_min_rtt;
		s->cur_round_min_rtt = UINT32_MAX;
		s->rtt_samples = 0;
		if (s->in_css && ++s->css_rounds >= HYSTART_CSS_ROUNDS) {
			s->hystart_done = true;
			s->in_css = false;
			*exit_ss = true;                  /* to congestion avoidance */
		}
	}
	return s->in_css ? grow / HYSTART_CSS_DIVISOR : grow;
}
