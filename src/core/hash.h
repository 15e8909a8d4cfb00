/* hash.h - the 64-bit finaliser the stack's keyed hash tables share (MurmurHash3's fmix64:
 * every input bit flips each output bit with probability close to 1/2). Callers xor a
 * per-stack random key in first, so a remote peer cannot aim at one bucket. */
#ifndef USTACK_CORE_HASH_H
#define USTACK_CORE_HASH_H

#include <stdint.h>

static inline uint64_t hash_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

#endif
