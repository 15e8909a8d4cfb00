/* tcp.h - the TCP header and its options (RFC 9293, 7323, 2018). */
#ifndef USTACK_WIRE_TCP_H
#define USTACK_WIRE_TCP_H

#include "be.h"

#define TCP_HDR_LEN 20
#define TCP_MAX_HDR_LEN 60
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_WSCALE 3
#define TCP_OPT_SACK_PERM 4
#define TCP_OPT_SACK 5
#define TCP_OPT_TS 8
#define TCP_MAX_SACK 4

struct tcp_sack_block { uint32_t left, right; };

struct tcp_repr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t hdr_len;    /* bytes (data offset * 4); parse sets it, emit computes it */
	uint8_t flags;      /* TCP_FIN ... TCP_CWR */
	uint16_t win;       /* raw field, unscaled */
	uint16_t csum;      /* as found (parse) */
	uint16_t urp;
	/* options: present only when the has_ flag is set */
	bool has_mss;      uint16_t mss;
	bool has_wscale;   uint8_t wscale;   /* parse clamps to 14 (RFC 7323 §2.3) */
	bool sack_perm;
	bool has_ts;       uint32_t ts_val, ts_ecr;
	uint8_t n_sack;    struct tcp_sack_block sack[TCP_MAX_SACK];
};

/* Checks 20 <= data offset*4 <= len and (if verify_csum) the checksum with the
 * pseudo-header over all len bytes. Options are parsed leniently: unknown kinds are
 * skipped; a zero, short or overrunning length ends option parsing (the segment is kept).
 * Payload: buf[r->hdr_len .. len). */
int tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, struct tcp_repr *r,
	      bool verify_csum);
/* Bytes the options of r take when emitted, padded to a multiple of 4. */
size_t tcp_options_len(const struct tcp_repr *r);
/* Writes the header and options at buf (checksum field zero); returns the header length. */
size_t tcp_emit(const struct tcp_repr *r, uint8_t *buf);
/* Computes and stores the checksum of the segment buf[0 .. seg_len) (header + payload). */
void tcp_set_csum(uint8_t *buf, size_t seg_len, uint32_t src, uint32_t dst);
/* The same two for either IP family: pseudo is the pseudo-header sum without the length
 * (csum_pseudo(src, dst, 6, 0) or csum_pseudo6(src, dst, 0, 6)); the length is added. */
int tcp_parse_ps(const uint8_t *buf, size_t len, uint32_t pseudo, struct tcp_repr *r,
		 bool verify_csum);
void tcp_set_csum_ps(uint8_t *buf, size_t seg_len, uint32_t pseudo);
/* "SYN,ACK" style flag names into out (at least 32 bytes); returns out. */
char *tcp_flags_str(uint8_t flags, char *out);

#endif
