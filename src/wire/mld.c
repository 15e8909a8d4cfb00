/* mld.c - MLDv2 reports (RFC 3810 5.2) and MLDv1 reports and dones (RFC 2710 3)
 * written, MLD queries and reports read. */
#include "mld.h"
#include "icmp6.h"

#include <string.h>

int mld_parse(const uint8_t *buf, size_t len, struct mld_repr *r)
{
	memset(r, 0, sizeof(*r));
	if (len < ICMP6_HDR_LEN)
		return WIRE_TRUNCATED;
	r->type = buf[0];
	switch (r->type) {
	case ICMP6_MLD_QUERY:
		/* RFC 3810 8.1: 24 bytes is v1, 28 or more v2; between them, invalid */
		if (len < MLD_V1_LEN)
			return WIRE_TRUNCATED;
		r->max_resp_code = be16_get(buf + 4);
		memcpy(r->group, buf + 8, 16);
		if (len == MLD_V1_LEN) {
			r->version = 1;
			return WIRE_OK;
		}
		if (len < MLD_V2_QUERY_MIN)
			return WIRE_BAD_LEN;
		r->version = 2;
		r->qrv = buf[24] & 0x07;
		r->qqic = buf[25];
		r->n_sources = be16_get(buf + 26);
		if ((size_t)r->n_sources * 16 > len - MLD_V2_QUERY_MIN)
			return WIRE_TRUNCATED;
		return WIRE_OK;
	case ICMP6_MLD_REPORT:
	case ICMP6_MLD_DONE:
		if (len < MLD_V1_LEN)
			return WIRE_TRUNCATED;
		r->version = 1;
		memcpy(r->group, buf + 8, 16);
		return WIRE_OK;
	case ICMP6_MLD2_REPORT: {
		size_t off = MLD2_REPORT_HDR_LEN;
		r->version = 2;
		r->n_sources = be16_get(buf + 6);
		for (unsigned i = 0; i < r->n_sources; i++) {
			if (len - off < MLD2_RECORD_LEN)
				return WIRE_TRUNCATED;
			size_t rec = MLD2_RECORD_LEN + (size_t)buf[off + 1] * 4 +
				     (size_t)be16_get(buf + off + 2) * 16;
			if (rec > len - off)
				return WIRE_TRUNCATED;
			if (i == 0) {
				r->rec_type = buf[off];
				memcpy(r->group, buf + off + 4, 16);
			}
			off += rec;
		}
		return WIRE_OK;
	}
	default:
		return WIRE_UNSUPPORTED;
	}
}

size_t mld2_emit_report(const struct mld2_record *recs, size_t n, uint8_t *buf, size_t cap,
			const uint8_t src[16], const uint8_t dst[16])
{
	size_t len = MLD2_REPORT_HDR_LEN + n * MLD2_RECORD_LEN;

	if (n > MLD2_MAX_RECORDS || len > cap)
		return 0;
	memset(buf, 0, len);
	buf[0] = ICMP6_MLD2_REPORT;
	be16_put(buf + 6, (uint16_t)n);
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = buf + MLD2_REPORT_HDR_LEN + i * MLD2_RECORD_LEN;
		p[0] = recs[i].type;
		memcpy(p + 4, recs[i].group, 16);
	}
	icmp6_set_csum(buf, len, src, dst);
	return len;
}

uint32_t mld_max_resp_ms(const struct mld_repr *r)
{
	uint16_t c = r->max_resp_code;

	if (r->version == 1 || c < 32768)
		return c;
	/* RFC 3810 5.1.3: 1 | exp (3) | mant (12): (mant | 0x1000) << (exp + 3) */
	return (uint32_t)((c & 0x0fff) | 0x1000) << (((c >> 12) & 0x7) + 3);
}

size_t mld1_emit(uint8_t type, const uint8_t group[16], uint8_t *buf, size_t cap,
		 const uint8_t src[16], const uint8_t dst[16])
{
	if (cap < MLD_V1_LEN)
		return 0;
	memset(buf, 0, MLD_V1_LEN);
	buf[0] = type;
	memcpy(buf + 8, group, 16);
	icmp6_set_csum(buf, MLD_V1_LEN, src, dst);
	return MLD_V1_LEN;
}

uint32_t mld_qqi_s(const struct mld_repr *r)
{
	uint8_t c = r->qqic;

	if (r->version != 2 || r->type != ICMP6_MLD_QUERY)
		return 0;
	if (c < 128)
		return c;
	/* RFC 3810 5.1.9: 1 | exp (3) | mant (4): (mant | 0x10) << (exp + 3) */
	return (uint32_t)((c & 0x0f) | 0x10) << (((c >> 4) & 0x7) + 3);
}
