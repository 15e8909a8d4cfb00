/* igmp.c - IGMP messages (RFC 2236 §2, RFC 3376 §4).
 *
 * A query's version is told by its length and code (RFC 3376 §7.1): 8 bytes with a zero
 * max response code is v1, 8 bytes otherwise v2, 12 bytes or more v3. A v3 report is
 * parsed far enough to check that its records fit and to name the first one. */
#include "igmp.h"
#include "csum.h"

/* RFC 3376 §4.1.1 / §4.1.7: codes from 128 are a float: 1 exp(3) mant(4). */
static uint64_t code_to_tenths(uint8_t code)
{
	if (code < 128)
		return code;
	unsigned mant = code & 0x0f, exp = (code >> 4) & 0x07;
	return (uint64_t)(mant | 0x10) << (exp + 3);
}

static int parse_v3_report(const uint8_t *buf, size_t len, struct igmp_repr *r)
{
	size_t off = IGMP_HDR_LEN;

	r->n_sources = be16_get(buf + 6);
	for (unsigned i = 0; i < r->n_sources; i++) {
		if (len - off < 8)
			return WIRE_BAD_LEN;
		size_t rec = 8 + (size_t)buf[off + 1] * 4 + (size_t)be16_get(buf + off + 2) * 4;
		if (len - off < rec)
			return WIRE_BAD_LEN;
		if (i == 0) {
			r->rec_type = buf[off];
			r->group = be32_get(buf + off + 4);
		}
		off += rec;
	}
	return WIRE_OK;
}

int igmp_parse(const uint8_t *buf, size_t len, struct igmp_repr *r)
{
	if (len < IGMP_HDR_LEN)
		return WIRE_TRUNCATED;
	if (csum(buf, len) != 0)
		return WIRE_BAD_CSUM;
	r->type = buf[0];
	r->max_resp_code = buf[1];
	r->group = be32_get(buf + 4);
	r->n_sources = 0;
	r->rec_type = 0;
	r->version = 0;
	switch (r->type) {
	case IGMP_QUERY:
		if (len == IGMP_HDR_LEN) {
			r->version = r->max_resp_code ? 2 : 1;
			return WIRE_OK;
		}
		if (len < IGMP_V3_QUERY_MIN)
			return WIRE_BAD_LEN;
		r->version = 3;
		r->n_sources = be16_get(buf + 10);
		if ((len - IGMP_V3_QUERY_MIN) / 4 < r->n_sources)
			return WIRE_BAD_LEN;
		return WIRE_OK;
	case IGMP_V3_REPORT:
		r->group = 0;
		return parse_v3_report(buf, len, r);
	default:
		return WIRE_OK;     /* v1/v2 reports, leaves, and types we ignore: 8 bytes read */
	}
}

uint64_t igmp_max_resp_us(const struct igmp_repr *r)
{
	if (r->version == 1)
		return 10000000u;   /* RFC 2236 §4: a v1 query means 10 seconds */
	uint64_t tenths = r->version == 3 ? code_to_tenths(r->max_resp_code) : r->max_resp_code;
	return tenths * 100000u;
}

size_t igmp_emit_v2(uint8_t type, uint8_t max_resp_code, uint32_t group, uint8_t *buf)
{
	buf[0] = type;
	buf[1] = max_resp_code;
	be16_put(buf + 2, 0);
	be32_put(buf + 4, group);
	be16_put(buf + 2, csum(buf, IGMP_HDR_LEN));
	return IGMP_HDR_LEN;
}

size_t igmp_emit_v3_report(uint8_t rec_type, uint32_t group, uint8_t *buf)
{
	buf[0] = IGMP_V3_REPORT;
	buf[1] = 0;
	be16_put(buf + 2, 0);
	be16_put(buf + 4, 0);
	be16_put(buf + 6, 1);               /* one group record */
	buf[8] = rec_type;
	buf[9] = 0;                         /* aux data len */
	be16_put(buf + 10, 0);              /* no sources */
	be32_put(buf + 12, group);
	be16_put(buf + 2, csum(buf, IGMP_V3_REPORT_ONE));
	return IGMP_V3_REPORT_ONE;
}

size_t igmp_emit_v3_query(uint8_t max_resp_code, uint32_t group, uint8_t *buf)
{
	buf[0] = IGMP_QUERY;
	buf[1] = max_resp_code;
	be16_put(buf + 2, 0);
	be32_put(buf + 4, group);
	buf[8] = 2;                         /* S=0, QRV=2 */
	buf[9] = 125;                       /* QQIC */
	be16_put(buf + 10, 0);
	be16_put(buf + 2, csum(buf, IGMP_V3_QUERY_MIN));
	return IGMP_V3_QUERY_MIN;
}
