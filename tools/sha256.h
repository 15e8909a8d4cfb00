/* sha256.h - SHA-256 (FIPS 180-4), incremental: init, update any number of times, final.
 * Used by `ustack bulk` to fingerprint a stream on both ends. */
#ifndef USTACK_TOOLS_SHA256_H
#define USTACK_TOOLS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t total;          /* bytes hashed so far */
	uint8_t block[64];
	size_t used;             /* bytes waiting in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_LEN]);
/* One call for a whole buffer. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);
/* 64 lowercase hex digits and a NUL, as sha256sum prints. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_LEN], char out[65]);

#endif
