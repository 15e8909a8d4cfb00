/* mld.h - Multicast Listener Discovery: version 2 reports (RFC 3810 5.2), written by a
 * host joining or leaving groups, version 1 reports and dones (RFC 2710 3) for MLDv1
 * compatibility (RFC 3810 8), and queries of versions 1 and 2 (RFC 2710 3, RFC 3810
 * 5.1) read. MLD messages go out with hop limit 1, from a link-local source, with a
 * hop-by-hop Router Alert (RFC 3810 5). */
#ifndef USTACK_WIRE_MLD_H
#define USTACK_WIRE_MLD_H

#include "be.h"

#define MLD_V1_LEN 24              /* header, max response delay, reserved, address */
#define MLD_V2_QUERY_MIN 28
#define MLD2_REPORT_HDR_LEN 8
#define MLD2_RECORD_LEN 20         /* a record without sources or auxiliary data */
#define MLD2_MAX_RECORDS 8         /* mld2_emit_report writes at most this many */
/* RFC 3810 5.2.12: record types */
#define MLD2_MODE_IS_INCLUDE 1
#define MLD2_MODE_IS_EXCLUDE 2
#define MLD2_CHANGE_TO_INCLUDE 3
#define MLD2_CHANGE_TO_EXCLUDE 4
/* ff02::16, where MLDv2 reports go */
#define MLD2_ALL_ROUTERS_INIT { 0xff, 0x02, [15] = 0x16 }

struct mld2_record {
	uint8_t type;              /* MLD2_* */
	uint8_t group[16];
};

struct mld_repr {
	uint8_t type;              /* ICMP6_MLD_QUERY, _REPORT, _DONE or ICMP6_MLD2_REPORT */
	uint8_t version;           /* 1 or 2 */
	uint16_t max_resp_code;    /* query: as on the wire */
	uint8_t group[16];         /* v1 messages and queries: the address; v2 report: the
	                              first record's group (zero if none) */
	uint16_t n_sources;        /* v2 query: sources; v2 report: records */
	uint8_t rec_type;          /* v2 report: the first record's type */
	uint8_t qrv;               /* v2 query: Querier's Robustness Variable (0: none) */
	uint8_t qqic;              /* v2 query: Querier's Query Interval Code */
};

/* buf[0 .. len) is a whole ICMPv6 message (checksum already checked). Checks the length
 * of each kind (v2 query with its sources, v2 report with every record's sources and
 * auxiliary data in bounds). */
int mld_parse(const uint8_t *buf, size_t len, struct mld_repr *r);
/* A v2 report of n records (no sources) with its checksum; returns its length (8 + 20 n),
 * or 0 if n > MLD2_MAX_RECORDS or it does not fit in cap. */
size_t mld2_emit_report(const struct mld2_record *recs, size_t n, uint8_t *buf, size_t cap,
			const uint8_t src[16], const uint8_t dst[16]);
/* A v1 message (RFC 2710 3): type ICMP6_MLD_REPORT or ICMP6_MLD_DONE about group, max
 * response delay 0, with its checksum; returns MLD_V1_LEN, or 0 if it does not fit. */
size_t mld1_emit(uint8_t type, const uint8_t group[16], uint8_t *buf, size_t cap,
		 const uint8_t src[16], const uint8_t dst[16]);
/* The query interval a v2 query gives in seconds (RFC 3810 5.1.9, QQIC), 0 if none. */
uint32_t mld_qqi_s(const struct mld_repr *r);
/* The maximum response delay of a query in milliseconds (v2: RFC 3810 5.1.3). */
uint32_t mld_max_resp_ms(const struct mld_repr *r);

#endif
