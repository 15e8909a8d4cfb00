/* tcp.c - the TCP header (RFC 9293 section 3.1) and its options: MSS (RFC 9293 3.2),
 * window scale and timestamps (RFC 7323), SACK-permitted and SACK blocks (RFC 2018).
 *
 * Option parsing is lenient (RFC 9293 3.2 and RFC 1122 4.2.2.5): unknown kinds are
 * skipped by their length, a known kind with the wrong length is ignored, and a length
 * below 2 or past the header ends option parsing while the segment itself is kept.
 *
 * Emitting follows Linux's layout so every option lands on its natural alignment:
 *   MSS(4) | SACKPERM(2) TS(10)  or  NOP NOP TS(10)  or  NOP NOP SACKPERM(2) |
 *   NOP WS(3) | NOP NOP SACK(2 + 8n)
 * Each group is a multiple of 4 bytes; SACK blocks that do not fit in 40 are dropped. */
#include "tcp.h"
#include "csum.h"

#include <string.h>

#define TCP_PROTO 6             /* the IPv4 protocol number, for the pseudo-header */
#define TCP_MAX_OPT_LEN 40
#define TCP_MAX_WSCALE 14       /* RFC 7323 section 2.3 */
#define OLEN_MSS 4
#define OLEN_WS 3
#define OLEN_SACK_PERM 2
#define OLEN_TS 10

/* One option (kind, length >= 2, value at v) into r; wrong lengths are ignored. */
static void parse_option(uint8_t kind, const uint8_t *v, size_t olen, struct tcp_repr *r)
{
	switch (kind) {
	case TCP_OPT_MSS:
		if (olen == OLEN_MSS) {
			r->has_mss = true;
			r->mss = be16_get(v);
		}
		break;
	case TCP_OPT_WSCALE:
		if (olen == OLEN_WS) {
			r->has_wscale = true;
			r->wscale = v[0] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : v[0];
		}
		break;
	case TCP_OPT_SACK_PERM:
		if (olen == OLEN_SACK_PERM)
			r->sack_perm = true;
		break;
	case TCP_OPT_TS:
		if (olen == OLEN_TS) {
			r->has_ts = true;
			r->ts_val = be32_get(v);
			r->ts_ecr = be32_get(v + 4);
		}
		break;
	case TCP_OPT_SACK:
		if (olen >= 10 && (olen - 2) % 8 == 0) {
			size_t n = (olen - 2) / 8;
			r->n_sack = 0;
			for (size_t i = 0; i < n && i < TCP_MAX_SACK; i++) {
				r->sack[i].left = be32_get(v + 8 * i);
				r->sack[i].right = be32_get(v + 8 * i + 4);
				r->n_sack++;
			}
		}
		break;
	default:
		break;   /* unknown: skipped by its length */
	}
}

static void parse_options(const uint8_t *opt, size_t len, struct tcp_repr *r)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = opt[i];
		if (kind == TCP_OPT_EOL)
			return;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return;               /* no room for a length byte */
		size_t olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return;               /* zero, short or overrunning length */
		parse_option(kind, opt + i + 2, olen, r);
		i += olen;
	}
}

int tcp_parse(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst, struct tcp_repr *r,
	      bool verify_csum)
{
	return tcp_parse_ps(buf, len, csum_pseudo(src, dst, TCP_PROTO, 0), r, verify_csum);
}

int tcp_parse_ps(const uint8_t *buf, size_t len, uint32_t pseudo, struct tcp_repr *r,
		 bool verify_csum)
{
	if (len < TCP_HDR_LEN)
		return WIRE_TRUNCATED;

	size_t hdr_len = (size_t)(buf[12] >> 4) * 4;
	if (hdr_len < TCP_HDR_LEN || hdr_len > len)
		return WIRE_BAD_HDRLEN;
	if (len > 0xffff)
		return WIRE_BAD_LEN;          /* cannot be described by a pseudo-header */
	if (verify_csum &&
	    csum_fold(csum_add(pseudo + (uint32_t)len, buf, len)) != 0)
		return WIRE_BAD_CSUM;

	memset(r, 0, sizeof(*r));
	r->sport = be16_get(buf);
	r->dport = be16_get(buf + 2);
	r->seq = be32_get(buf + 4);
	r->ack = be32_get(buf + 8);
	r->hdr_len = (uint8_t)hdr_len;
	r->flags = buf[13];
	r->win = be16_get(buf + 14);
	r->csum = be16_get(buf + 16);
	r->urp = be16_get(buf + 18);
	parse_options(buf + TCP_HDR_LEN, hdr_len - TCP_HDR_LEN, r);
	return WIRE_OK;
}

/* Bytes of the options other than SACK blocks. */
static size_t fixed_options_len(const struct tcp_repr *r)
{
	size_t n = 0;

	if (r->has_mss)
		n += 4;
	if (r->has_ts)
		n += 12;                      /* SACKPERM+TS or NOP NOP TS */
	else if (r->sack_perm)
		n += 4;                       /* NOP NOP SACKPERM */
	if (r->has_wscale)
		n += 4;                       /* NOP WS */
	return n;
}

/* SACK blocks that fit after the other options. */
static size_t sack_blocks_to_emit(const struct tcp_repr *r)
{
	size_t room = TCP_MAX_OPT_LEN - fixed_options_len(r);
	size_t n = r->n_sack > TCP_MAX_SACK ? TCP_MAX_SACK : r->n_sack;

	if (n == 0 || room < 4 + 8)
		return 0;
	if (n > (room - 4) / 8)
		n = (room - 4) / 8;
	return n;
}

size_t tcp_options_len(const struct tcp_repr *r)
{
	size_t n = sack_blocks_to_emit(r);

	return fixed_options_len(r) + (n ? 4 + 8 * n : 0);
}

static uint8_t *put_nops(uint8_t *p, int n)
{
	while (n-- > 0)
		*p++ = TCP_OPT_NOP;
	return p;
}

static uint8_t *emit_options(const struct tcp_repr *r, uint8_t *p)
{
	if (r->has_mss) {
		p[0] = TCP_OPT_MSS;
		p[1] = OLEN_MSS;
		be16_put(p + 2, r->mss);
		p += 4;
	}
	if (r->sack_perm) {
		if (!r->has_ts)
			p = put_nops(p, 2);
		p[0] = TCP_OPT_SACK_PERM;
		p[1] = OLEN_SACK_PERM;
		p += 2;
	}
	if (r->has_ts) {
		if (!r->sack_perm)
			p = put_nops(p, 2);
		p[0] = TCP_OPT_TS;
		p[1] = OLEN_TS;
		be32_put(p + 2, r->ts_val);
		be32_put(p + 6, r->ts_ecr);
		p += 10;
	}
	if (r->has_wscale) {
		p = put_nops(p, 1);
		p[0] = TCP_OPT_WSCALE;
		p[1] = OLEN_WS;
		p[2] = r->wscale;
		p += 3;
	}
	size_t n = sack_blocks_to_emit(r);
	if (n) {
		p = put_nops(p, 2);
		p[0] = TCP_OPT_SACK;
		p[1] = (uint8_t)(2 + 8 * n);
		for (size_t i = 0; i < n; i++) {
			be32_put(p + 2 + 8 * i, r->sack[i].left);
			be32_put(p + 6 + 8 * i, r->sack[i].right);
		}
		p += 2 + 8 * n;
	}
	return p;
}

size_t tcp_emit(const struct tcp_repr *r, uint8_t *buf)
{
	size_t hdr_len = TCP_HDR_LEN + tcp_options_len(r);

	be16_put(buf, r->sport);
	be16_put(buf + 2, r->dport);
	be32_put(buf + 4, r->seq);
	be32_put(buf + 8, r->ack);
	buf[12] = (uint8_t)((hdr_len / 4) << 4);
	buf[13] = r->flags;
	be16_put(buf + 14, r->win);
	be16_put(buf + 16, 0);
	be16_put(buf + 18, r->urp);
	emit_options(r, buf + TCP_HDR_LEN);
	return hdr_len;
}

void tcp_set_csum(uint8_t *buf, size_t seg_len, uint32_t src, uint32_t dst)
{
	tcp_set_csum_ps(buf, seg_len, csum_pseudo(src, dst, TCP_PROTO, 0));
}

void tcp_set_csum_ps(uint8_t *buf, size_t seg_len, uint32_t pseudo)
{
	be16_put(buf + 16, 0);
	uint32_t s = csum_add(pseudo + (uint32_t)seg_len, buf, seg_len);
	be16_put(buf + 16, csum_fold(s));
}

char *tcp_flags_str(uint8_t flags, char *out)
{
	static const char *const names[8] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };
	char *p = out;

	for (int i = 0; i < 8; i++) {
		if (!(flags & (1u << i)))
			continue;
		if (p != out)
			*p++ = ',';
		for (const char *n = names[i]; *n; n++)
			*p++ = *n;
	}
	if (p == out)
		for (const char *n = "none"; *n; n++)
			*p++ = *n;
	*p = '\0';
	return out;
}
