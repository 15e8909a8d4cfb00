/* tcp_info.c - getsockopt(TCP_INFO): Linux's struct tcp_info (<netinet/tcp.h>, tcp(7))
 * filled with what a ustack connection knows, in Linux's units (microseconds for the
 * times and RTTs, segments for the windows, milliseconds since for the "last" fields).
 * Fields ustack does not track (ato, fackets, reordering, rcv_rtt) are 0. */
#include "tcp/tcp_var.h"

#include <netinet/tcp.h>
#include <string.h>

#include "core/stack.h"
#include "net/inet.h"

/* Linux's numbering of the states (include/net/tcp_states.h). */
static uint8_t linux_state(enum tcp_fsm s)
{
	static const uint8_t map[TCPS_N] = {
		[TCPS_ESTABLISHED] = 1, [TCPS_SYN_SENT] = 2, [TCPS_SYN_RECEIVED] = 3,
		[TCPS_FIN_WAIT_1] = 4, [TCPS_FIN_WAIT_2] = 5, [TCPS_TIME_WAIT] = 6,
		[TCPS_CLOSED] = 7, [TCPS_CLOSE_WAIT] = 8, [TCPS_LAST_ACK] = 9,
		[TCPS_LISTEN] = 10, [TCPS_CLOSING] = 11,
	};
	return (unsigned)s < TCPS_N ? map[s] : 0;
}

static uint32_t ms_since(const struct ustack *st, uint64_t t)
{
	return t && st->now > t ? (uint32_t)((st->now - t) / 1000) : 0;
}

void tcp_fill_info(struct ustack *st, const struct tcp_conn *c, struct tcp_info *ti)
{
	uint32_t mss = c->t_maxseg ? c->t_maxseg : TCP_DEFAULT_MSS;

	memset(ti, 0, sizeof(*ti));
	ti->tcpi_state = linux_state(c->state);
	ti->tcpi_ca_state = (c->flags & TF_RECOVERY) ? 3 : c->dupacks ? 1 : 0;  /* Recovery, Disorder, Open */
	ti->tcpi_retransmits = c->rxtshift;
	ti->tcpi_probes = (uint8_t)(c->persist_probes + c->keep_probes);
	ti->tcpi_backoff = c->rxtshift;
	if (c->flags & TF_TS_OK)
		ti->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (c->flags & TF_SACK_OK)
		ti->tcpi_options |= TCPI_OPT_SACK;
	if (c->flags & TF_WS_OK) {
		ti->tcpi_options |= TCPI_OPT_WSCALE;
		ti->tcpi_snd_wscale = c->snd_wscale & 0xf;
		ti->tcpi_rcv_wscale = c->rcv_wscale & 0xf;
	}
	ti->tcpi_rto = (uint32_t)tcp_rexmt_timeout(st, c);
	ti->tcpi_snd_mss = mss;
	ti->tcpi_rcv_mss = c->rcv_mss;
	uint32_t flight = TCPS_HAVE_ESTABLISHED(c->state) ? c->snd_max - c->snd_una : 0;
	ti->tcpi_unacked = (flight + mss - 1) / mss;
	ti->tcpi_sacked = (tcp_ranges_bytes(&c->sacked) + mss - 1) / mss;
	ti->tcpi_total_retrans = c->total_retrans;
	ti->tcpi_last_data_recv = ms_since(st, c->last_rcv);
	ti->tcpi_last_ack_recv = ms_since(st, c->last_rcv);
	ti->tcpi_pmtu = inet_path_mtu(st, &c->raddr);
	ti->tcpi_rcv_ssthresh = tcp_rcv_window(c);
	ti->tcpi_rtt = c->srtt;
	ti->tcpi_rttvar = c->rttvar;
	ti->tcpi_snd_ssthresh = c->ssthresh / mss;
	ti->tcpi_snd_cwnd = c->cwnd / mss;
	ti->tcpi_advmss = c->mss_adv;
	ti->tcpi_rcv_space = c->rcvbuf.cap;              /* grows with auto-tuning */
	ti->tcpi_rcv_rtt = tcp_tune_rcv_rtt(c);
}
