/* be.h - big-endian field access and the error codes shared by every wire parser.
 *
 * Wire code never casts a buffer to a struct: every multi-byte field is read
 * and written through these helpers, so alignment and byte order never matter. */
#ifndef USTACK_WIRE_BE_H
#define USTACK_WIRE_BE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

static inline uint16_t be16_get(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t be32_get(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void be16_put(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Result of every X_parse(): 0 on success, else one of these (> 0). */
enum wire_err {
	WIRE_OK = 0,
	WIRE_TRUNCATED,    /* buffer shorter than the header or a length field says */
	WIRE_BAD_VERSION,  /* IPv4 version != 4 */
	WIRE_BAD_HDRLEN,   /* IHL < 5, TCP data offset < 5, header past the buffer */
	WIRE_BAD_LEN,      /* a total/length field inconsistent with the buffer */
	WIRE_BAD_CSUM,     /* checksum mismatch */
	WIRE_BAD_FIELD,    /* a field holds a value the format forbids */
	WIRE_UNSUPPORTED,  /* well formed but not something we handle (e.g. ARP for non-IPv4) */
	WIRE_BAD_NAME,     /* DNS: bad label, pointer loop, name too long */
};

const char *wire_err_str(int err);

#endif
