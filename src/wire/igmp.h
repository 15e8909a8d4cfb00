/* igmp.h - IGMP messages: version 2 (RFC 2236) queries, reports and leaves, version 3
 * (RFC 3376 §4) queries and membership reports. */
#ifndef USTACK_WIRE_IGMP_H
#define USTACK_WIRE_IGMP_H

#include <stddef.h>
#include <stdint.h>
#include "be.h"

#define IGMP_HDR_LEN 8
#define IGMP_V3_QUERY_MIN 12
#define IGMP_V3_REPORT_ONE 16   /* header + one group record without sources */
#define IGMP_QUERY 0x11
#define IGMP_V1_REPORT 0x12
#define IGMP_V2_REPORT 0x16
#define IGMP_V2_LEAVE 0x17
#define IGMP_V3_REPORT 0x22
/* RFC 3376 §4.2.12: group record types */
#define IGMP_MODE_IS_INCLUDE 1
#define IGMP_MODE_IS_EXCLUDE 2
#define IGMP_CHANGE_TO_INCLUDE 3
#define IGMP_CHANGE_TO_EXCLUDE 4

struct igmp_repr {
	uint8_t type;
	uint8_t version;        /* of a query: 1, 2 or 3 (RFC 3376 §7.1, by length and code) */
	uint8_t max_resp_code;  /* as on the wire */
	uint32_t group;         /* query/v2 report/leave: the group; v3 report: the first
	                           record's group (0 if none); host order */
	uint16_t n_sources;     /* v3 query: sources; v3 report: records */
	uint8_t rec_type;       /* v3 report: the first record's type */
};

/* Checks the length (8, or >= 12 for a v3 query with its sources, a v3 report with its
 * records) and the checksum over len bytes. WIRE_OK or WIRE_TRUNCATED / WIRE_BAD_LEN /
 * WIRE_BAD_CSUM. */
int igmp_parse(const uint8_t *buf, size_t len, struct igmp_repr *r);
/* The max response time of a query, in microseconds (v3: the exponential form of
 * RFC 3376 §4.1.1; v1's code 0 means 10 s). */
uint64_t igmp_max_resp_us(const struct igmp_repr *r);
/* An 8-byte v2 message (report, leave, or a v2 query) with its checksum; returns 8. */
size_t igmp_emit_v2(uint8_t type, uint8_t max_resp_code, uint32_t group, uint8_t *buf);
/* A v3 report with one record of rec_type for group and no sources; returns 16. */
size_t igmp_emit_v3_report(uint8_t rec_type, uint32_t group, uint8_t *buf);
/* A v3 query (no sources): 12 bytes. */
size_t igmp_emit_v3_query(uint8_t max_resp_code, uint32_t group, uint8_t *buf);

#endif
