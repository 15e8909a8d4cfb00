/* ipv4_id.c - see ipv4_id.h. */
#include "net/ipv4_id.h"

#include "core/hash.h"

#include <string.h>


void ipv4_id_init(struct ipv4_id *t, const uint64_t key[2], const uint16_t *start)
{
	t->key[0] = key[0];
	t->key[1] = key[1];
	memcpy(t->ctr, start, sizeof(t->ctr));
}

uint16_t ipv4_id_next(struct ipv4_id *t, uint32_t src, uint32_t dst, uint8_t proto)
{
	return ipv4_id_next_n(t, src, dst, proto, 1);
}

uint16_t ipv4_id_next_n(struct ipv4_id *t, uint32_t src, uint32_t dst, uint8_t proto,
			uint16_t n)
{
	uint64_t flow = ((uint64_t)src << 32 | dst) ^ ((uint64_t)proto << 56);
	uint64_t i = hash_mix64(flow ^ t->key[0]) % IPV4_ID_BUCKETS;
	uint16_t off = (uint16_t)hash_mix64(flow ^ t->key[1]);
	uint16_t id = (uint16_t)(off + t->ctr[i]);

	t->ctr[i] = (uint16_t)(t->ctr[i] + n);
	return id;
}
