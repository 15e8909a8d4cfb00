/* token_bucket.h (internal) - a token bucket on the stack's clock, for what must be
 * rate limited (ICMP and ICMPv6 errors: RFC 1812 4.3.2.8, RFC 4443 2.4(f)). Tokens are
 * counted in millionths so that a rate in tokens per second refills exactly per
 * microsecond; refilled from the `now` the caller passes, never from a clock. */
#ifndef USTACK_CORE_TOKEN_BUCKET_H
#define USTACK_CORE_TOKEN_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

#define TB_TOKEN 1000000ull           /* one token, in micro-tokens */

struct token_bucket {
	uint64_t tokens;              /* micro-tokens */
	uint64_t refilled;            /* `now` of the last refill (microseconds) */
};

/* A full bucket of burst tokens at now. */
static inline void tb_init(struct token_bucket *b, uint32_t burst, uint64_t now)
{
	b->tokens = (uint64_t)burst * TB_TOKEN;
	b->refilled = now;
}

/* Take one token if there is one: refilled at rate per second, holding burst at most. */
static inline bool tb_take(struct token_bucket *b, uint64_t now, uint32_t rate, uint32_t burst)
{
	const uint64_t cap = (uint64_t)burst * TB_TOKEN;

	if (now > b->refilled) {
		uint64_t dt = now - b->refilled;
		/* dt (us) * rate tokens/s = dt * rate micro-tokens; clamped first */
		uint64_t add = dt > cap ? cap : dt * rate;

		b->tokens = b->tokens + add > cap ? cap : b->tokens + add;
		b->refilled = now;
	}
	if (b->tokens < TB_TOKEN)
		return false;
	b->tokens -= TB_TOKEN;
	return true;
}

#endif
