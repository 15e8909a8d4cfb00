/* csum.h - the Internet checksum (RFC 1071) and its incremental update (RFC 1624). */
#ifndef USTACK_WIRE_CSUM_H
#define USTACK_WIRE_CSUM_H

#include "be.h"

/* Add the 16-bit big-endian words of buf to sum (ones' complement, not yet folded).
 * An odd trailing byte is padded with zero. Chain calls only at even offsets. */
uint32_t csum_add(uint32_t sum, const void *buf, size_t len);
/* Fold a 32-bit accumulator to 16 bits and complement it: the value to store. */
uint16_t csum_fold(uint32_t sum);
/* csum_fold(csum_add(0, buf, len)). A buffer including a correct checksum gives 0. */
uint16_t csum(const void *buf, size_t len);
/* The IPv4 pseudo-header sum for TCP/UDP (addresses in host order). */
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
/* The IPv6 pseudo-header sum (RFC 8200 8.1): source, destination (16 bytes each, network
 * order), the upper-layer packet length and the next header value. */
uint32_t csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint32_t len, uint8_t next_hdr);
/* RFC 1624 eqn. 3: new checksum after one 16-bit word changes from old_word to new_word. */
uint16_t csum_update16(uint16_t old_csum, uint16_t old_word, uint16_t new_word);

#endif
