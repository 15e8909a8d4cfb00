/* csum.c - the Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * The fast path sums the buffer as native-order 32-bit halves of 64-bit loads into
 * a 64-bit accumulator (memcpy loads: any alignment is fine), folds it to 16 bits,
 * and swaps the bytes on a little-endian host: RFC 1071 section 2(B) shows the ones'
 * complement sum is independent of byte order up to that final swap. The tail (under
 * 8 bytes) is then added as big-endian words, an odd last byte padded with zero. */
#include "csum.h"

#include <string.h>

static bool host_is_little_endian(void)
{
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
	return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
#else
	const uint16_t one = 1;
	uint8_t b;
	memcpy(&b, &one, 1);
	return b == 1;
#endif
}

/* Fold a wide ones' complement accumulator to 16 bits (not complemented). */
static uint16_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

/* Ones' complement sum of the native-order words of p[0 .. n), n a multiple of 8. */
static uint64_t sum_native_words(const uint8_t *p, size_t n)
{
	uint64_t acc = 0;
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		uint64_t w[4];
		memcpy(w, p + i, sizeof(w));
		acc += (uint32_t)w[0]; acc += w[0] >> 32;
		acc += (uint32_t)w[1]; acc += w[1] >> 32;
		acc += (uint32_t)w[2]; acc += w[2] >> 32;
		acc += (uint32_t)w[3]; acc += w[3] >> 32;
	}
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, sizeof(w));
		acc += (uint32_t)w;
		acc += w >> 32;
	}
	return acc;
}

uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t bulk = len & ~(size_t)7;
	uint64_t acc = sum;

	if (bulk) {
		uint16_t s = fold64(sum_native_words(p, bulk));
		if (host_is_little_endian())
			s = (uint16_t)((s >> 8) | (s << 8));
		acc += s;
	}
	for (size_t i = bulk; i + 1 < len; i += 2)
		acc += be16_get(p + i);
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;

	/* keep the value modulo 0xffff while fitting it back into 32 bits */
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
	return (uint16_t)~fold64(sum);
}

uint16_t csum(const void *buf, size_t len)
{
	return csum_fold(csum_add(0, buf, len));
}

uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint32_t s = 0;

	s += src >> 16;
	s += src & 0xffff;
	s += dst >> 16;
	s += dst & 0xffff;
	s += proto;
	s += len;
	return s;
}

uint32_t csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint32_t len, uint8_t next_hdr)
{
	uint32_t s = 0;

	for (int i = 0; i < 16; i += 2) {
		s += be16_get(src + i);
		s += be16_get(dst + i);
	}
	s += len >> 16;
	s += len & 0xffff;
	s += next_hdr;
	return s;
}

uint16_t csum_update16(uint16_t old_csum, uint16_t old_word, uint16_t new_word)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t s = (uint16_t)~old_csum;

	s += (uint16_t)~old_word;
	s += new_word;
	return csum_fold(s);
}
