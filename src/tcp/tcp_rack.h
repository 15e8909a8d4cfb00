/* tcp_rack.h - the sender's scoreboard of segments in flight and loss detection:
 * RFC 6675 (SACK scoreboard, IsLost by DupThresh SACKed bytes, NextSeg, pipe) and
 * RACK-TLP (RFC 8985: time-based loss detection with a reordering window, the Tail
 * Loss Probe).
 *
 * One entry per segment sent: its sequence range, when it was last (re)sent, and
 * whether it is SACKed, deemed lost, retransmitted. No copy of the data: a
 * retransmission reads the send ring again. Entries live in a heap array ordered by
 * sequence number, only for [snd_una, snd_max): a few hundred bytes for a small flight. */
#ifndef USTACK_TCP_TCP_RACK_H
#define USTACK_TCP_TCP_RACK_H

#include <stdbool.h>
#include <stdint.h>

struct ustack;
struct tcp_conn;
struct tcp_repr;

#define RSEG_SACKED  0x01
#define RSEG_LOST    0x02   /* deemed lost and not sent again since */
#define RSEG_RETRANS 0x04   /* sent more than once */

struct tcp_rseg {
	uint32_t start, end;
	uint64_t xmit;         /* st->now of the latest transmission */
	uint32_t order;        /* of that transmission among all of the connection's: several
	                          segments go at one st->now, and "sent after" must be exact */
	uint8_t flags;
};

struct tcp_rack {
	struct tcp_rseg *seg;
	uint32_t head, n, cap;          /* live entries: seg[head .. n) */
	uint32_t sacked_bytes;          /* bytes of SACKED entries */
	uint32_t lost_bytes;            /* bytes of LOST entries (not resent since) */
	/* RACK state (RFC 8985 6.1) */
	uint64_t xmit_ts;               /* of the latest-sent segment delivered */
	uint32_t xmit_order;            /* its transmission order */
	uint32_t next_order;            /* order of the next transmission */
	uint32_t end_seq;
	uint32_t rtt;                   /* its RTT (us) */
	uint32_t min_rtt;               /* smallest RTT seen (us) */
	uint32_t reo_wnd_mult;          /* reordering window in min_rtt/4 steps */
	bool reordering_seen;
	/* Tail Loss Probe */
	bool tlp_out;                   /* a probe is outstanding */
	uint32_t tlp_end;
	/* Spurious RTO detection (RFC 3522 Eifel, timestamps) */
	bool rto_undo_ok;
	uint32_t rto_tsval;             /* TSval our first RTO retransmission carried */
	uint32_t undo_cwnd, undo_ssthresh;
	/* Proportional Rate Reduction (RFC 6937) */
	uint32_t prr_delivered, prr_out, recover_fs;
	int64_t prr_sndcnt;             /* what the latest ACK allows to send */
};

/* Forget everything (free the array). */
void tcp_rack_free(struct tcp_rack *r);
/* A segment [seq, seq+len) went out now (new data, or a retransmission). */
void tcp_rack_sent(struct ustack *st, struct tcp_conn *c, uint32_t seq, uint32_t len);
/* An ACK arrived (ack, SACK blocks, timestamp echo), before snd_una moves. Updates
 * the scoreboard and RACK; returns the bytes newly delivered (cumulatively or by SACK:
 * RFC 6937 DeliveredData). */
uint32_t tcp_rack_ack(struct ustack *st, struct tcp_conn *c, const struct tcp_repr *th);
/* RFC 8985 6.2 step 5 with RFC 6675 IsLost: mark lost segments; returns true if any
 * segment is lost (newly or still waiting for its retransmission). Arms the reorder
 * timer when a segment may be lost later. */
bool tcp_rack_detect(struct ustack *st, struct tcp_conn *c);
/* Timeout of the reorder timer: a deadline (0 = none). */
uint64_t tcp_rack_reo_timeout(const struct tcp_conn *c);
/* RFC 6675 pipe: bytes believed in the network. */
uint32_t tcp_rack_pipe(const struct tcp_conn *c);
/* RFC 6675 NextSeg() rule 1: the first lost segment: [*seq, *seq + *len). */
bool tcp_rack_next_lost(const struct tcp_conn *c, uint32_t *seq, uint32_t *len);
/* The highest segment sent (for a probe that resends). */
bool tcp_rack_last(const struct tcp_conn *c, uint32_t *seq, uint32_t *len);
/* After a retransmission timeout: every segment not SACKed is lost (RFC 8985 6.3). */
void tcp_rack_mark_all_lost(struct tcp_conn *c);
/* Clear lost marks (an undone timeout). */
void tcp_rack_unmark_lost(struct tcp_conn *c);
/* The reordering window now (us). */
uint32_t tcp_rack_reo_wnd(const struct tcp_conn *c);
/* The Tail Loss Probe timeout (RFC 8985 7.2), relative, us. */
uint64_t tcp_rack_pto(struct ustack *st, const struct tcp_conn *c);

/* --- RFC 6937 Proportional Rate Reduction (pure arithmetic, tested alone) --- */
void tcp_prr_start(struct tcp_rack *r, uint32_t recover_fs);
/* One ACK in recovery: returns how many bytes may be sent now (sndcnt). */
int64_t tcp_prr_ack(struct tcp_rack *r, uint32_t delivered, uint32_t pipe, uint32_t ssthresh,
		    uint32_t mss);

#endif
