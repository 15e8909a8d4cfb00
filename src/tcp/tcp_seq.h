/* tcp_seq.h - sequence number arithmetic modulo 2^32 (RFC 9293 section 3.4): a is
 * "before" b when the signed 32-bit difference a - b is negative. Comparisons are only
 * meaningful between numbers less than 2^31 apart, which every window is. */
#ifndef USTACK_TCP_TCP_SEQ_H
#define USTACK_TCP_TCP_SEQ_H

#include <stdint.h>

#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

static inline uint32_t seq_max(uint32_t a, uint32_t b) { return SEQ_GT(a, b) ? a : b; }
static inline uint32_t seq_min(uint32_t a, uint32_t b) { return SEQ_LT(a, b) ? a : b; }
/* lo <= s < hi, modulo 2^32. */
static inline int seq_in(uint32_t s, uint32_t lo, uint32_t hi)
{
	return SEQ_LEQ(lo, s) && SEQ_LT(s, hi);
}

#endif
