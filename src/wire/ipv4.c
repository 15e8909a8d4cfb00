/* ipv4.c - the IPv4 header (RFC 791), dotted-quad text form.
 *
 * Options are skipped by the header length, never interpreted. */
#include "ipv4.h"
#include "csum.h"

#include <string.h>

#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000
#define IPV4_FRAG_MASK 0x1fff

int ipv4_parse(const uint8_t *buf, size_t len, struct ipv4_repr *r, bool verify_csum)
{
	if (len < IPV4_HDR_LEN)
		return WIRE_TRUNCATED;
	if ((buf[0] >> 4) != 4)
		return WIRE_BAD_VERSION;

	size_t hdr_len = (size_t)(buf[0] & 0x0f) * 4;
	if (hdr_len < IPV4_HDR_LEN || hdr_len > len)
		return WIRE_BAD_HDRLEN;

	uint16_t total = be16_get(buf + 2);
	if (total < hdr_len)
		return WIRE_BAD_LEN;
	if (total > len)
		return WIRE_TRUNCATED;
	if (verify_csum && csum(buf, hdr_len) != 0)
		return WIRE_BAD_CSUM;

	uint16_t frag = be16_get(buf + 6);
	r->hdr_len = (uint8_t)hdr_len;
	r->tos = buf[1];
	r->total_len = total;
	r->id = be16_get(buf + 4);
	r->df = (frag & IPV4_FLAG_DF) != 0;
	r->mf = (frag & IPV4_FLAG_MF) != 0;
	r->frag_off = (uint16_t)((frag & IPV4_FRAG_MASK) * 8);
	r->ttl = buf[8];
	r->proto = buf[9];
	r->csum = be16_get(buf + 10);
	r->src = be32_get(buf + 12);
	r->dst = be32_get(buf + 16);
	return WIRE_OK;
}

void ipv4_emit(const struct ipv4_repr *r, uint8_t *buf)
{
	uint16_t frag = (uint16_t)((r->frag_off / 8) & IPV4_FRAG_MASK);

	if (r->df)
		frag |= IPV4_FLAG_DF;
	if (r->mf)
		frag |= IPV4_FLAG_MF;
	buf[0] = 0x45;
	buf[1] = r->tos;
	be16_put(buf + 2, r->total_len);
	be16_put(buf + 4, r->id);
	be16_put(buf + 6, frag);
	buf[8] = r->ttl;
	buf[9] = r->proto;
	be16_put(buf + 10, 0);
	be32_put(buf + 12, r->src);
	be32_put(buf + 16, r->dst);
	be16_put(buf + 10, csum(buf, IPV4_HDR_LEN));
}

/* Writes the decimal form of v (0..255) at p; returns the position after it. */
static char *put_octet(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

char *ipv4_ntoa(uint32_t addr, char *out)
{
	char *p = out;

	for (int shift = 24; shift >= 0; shift -= 8) {
		p = put_octet(p, (addr >> shift) & 0xff);
		if (shift)
			*p++ = '.';
	}
	*p = '\0';
	return out;
}

/* Strict: exactly four decimal parts 0..255, no signs, no spaces, no leading zeros
 * ("010" would be octal to inet_aton), nothing after the last part. */
int ipv4_aton(const char *s, uint32_t *addr)
{
	uint32_t a = 0;

	if (!s)
		return -1;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		int digits = 0;

		if (part > 0 && *s++ != '.')
			return -1;
		while (*s >= '0' && *s <= '9') {
			if (digits == 1 && v == 0)
				return -1;        /* leading zero */
			v = v * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || v > 255)
				return -1;
		}
		if (digits == 0)
			return -1;
		a = (a << 8) | v;
	}
	if (*s != '\0')
		return -1;
	*addr = a;
	return 0;
}
