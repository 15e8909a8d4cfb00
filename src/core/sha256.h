/* sha256.h - SHA-256 (FIPS 180-4) for the stack's own use: the pseudorandom function of
 * RFC 7217 stable interface identifiers (net/addr6_stable.c). Incremental: begin, add
 * any number of times, end. (tools/sha256.c is the command's copy; the library exports
 * only ustack_* symbols, so each side has its own, under different names.) */
#ifndef USTACK_CORE_SHA256_H
#define USTACK_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256_state {
	uint32_t h[8];
	uint64_t bytes;            /* hashed so far */
	uint8_t buf[64];
	size_t n;                  /* bytes waiting in buf */
};

void sha256_begin(struct sha256_state *s);
void sha256_add(struct sha256_state *s, const void *data, size_t len);
void sha256_end(struct sha256_state *s, uint8_t out[SHA256_LEN]);
/* The digest of one buffer. */
void sha256_digest(const void *data, size_t len, uint8_t out[SHA256_LEN]);

#endif
