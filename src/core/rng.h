/* rng.h - the random generator every stack (and the impairment wrapper) carries:
 * xoshiro256** (Blackman & Vigna, 2018), seeded through splitmix64 so that any 64-bit
 * seed, 0 included, gives a well-mixed state. Same seed, same sequence: a failing
 * simulation replays from its seed. */
#ifndef USTACK_CORE_RNG_H
#define USTACK_CORE_RNG_H

#include <stdint.h>

static inline uint64_t rng_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void rng_seed(uint64_t s[4], uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		s[i] = rng_splitmix64(&seed);
}

static inline uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(uint64_t s[4])
{
	uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return result;
}

/* A double uniform in [0, 1): the top 53 bits. */
static inline double rng_unit(uint64_t s[4])
{
	return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

#endif
