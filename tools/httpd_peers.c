/* httpd_peers.c - connections per client address (see httpd_peers.h). Chained
 * buckets, doubled when the table holds twice as many addresses as buckets; an entry
 * is freed when its address holds no connection any more. */
#include "httpd_peers.h"

#include <stdlib.h>

#define PEERS_FIRST_BUCKETS 256

struct peer_entry {
	struct peer_entry *next;
	uint32_t addr;
	unsigned n;
};

static size_t peer_hash(uint32_t addr, size_t nb)
{
	uint32_t x = addr * 0x9e3779b1u;           /* Fibonacci hashing */
	return (size_t)(x ^ (x >> 16)) & (nb - 1);
}

int peers_init(struct httpd_peers *p, unsigned cap)
{
	p->cap = cap;
	p->nbuckets = PEERS_FIRST_BUCKETS;
	p->count = 0;
	p->bucket = calloc(p->nbuckets, sizeof *p->bucket);
	if (!p->bucket)
		return -1;
	pthread_mutex_init(&p->mu, NULL);
	return 0;
}

void peers_destroy(struct httpd_peers *p)
{
	for (size_t i = 0; i < p->nbuckets; i++) {
		struct peer_entry *e = p->bucket[i];
		while (e) {
			struct peer_entry *n = e->next;
			free(e);
			e = n;
		}
	}
	free(p->bucket);
	p->bucket = NULL;
	pthread_mutex_destroy(&p->mu);
}

static struct peer_entry **peer_slot(struct httpd_peers *p, uint32_t addr)
{
	struct peer_entry **pp = &p->bucket[peer_hash(addr, p->nbuckets)];
	while (*pp && (*pp)->addr != addr)
		pp = &(*pp)->next;
	return pp;
}

/* Doubles the bucket array; on failure the table stays as it is (longer chains). */
static void peers_grow(struct httpd_peers *p)
{
	size_t nb = p->nbuckets * 2;
	struct peer_entry **b = calloc(nb, sizeof *b);
	if (!b)
		return;
	for (size_t i = 0; i < p->nbuckets; i++) {
		struct peer_entry *e = p->bucket[i];
		while (e) {
			struct peer_entry *n = e->next;
			size_t k = peer_hash(e->addr, nb);
			e->next = b[k];
			b[k] = e;
			e = n;
		}
	}
	free(p->bucket);
	p->bucket = b;
	p->nbuckets = nb;
}

bool peers_admit(struct httpd_peers *p, uint32_t addr)
{
	bool ok = false;

	pthread_mutex_lock(&p->mu);
	struct peer_entry **pp = peer_slot(p, addr);
	if (*pp) {
		if ((*pp)->n < p->cap) {
			(*pp)->n++;
			ok = true;
		}
	} else if (p->cap > 0) {
		struct peer_entry *e = malloc(sizeof *e);
		if (e) {
			e->next = NULL;
			e->addr = addr;
			e->n = 1;
			*pp = e;
			ok = true;
			if (++p->count > p->nbuckets * 2)
				peers_grow(p);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return ok;
}

void peers_release(struct httpd_peers *p, uint32_t addr)
{
	pthread_mutex_lock(&p->mu);
	struct peer_entry **pp = peer_slot(p, addr);
	struct peer_entry *e = *pp;
	if (e && --e->n == 0) {
		*pp = e->next;
		free(e);
		p->count--;
	}
	pthread_mutex_unlock(&p->mu);
}

unsigned peers_count(struct httpd_peers *p, uint32_t addr)
{
	pthread_mutex_lock(&p->mu);
	struct peer_entry *e = *peer_slot(p, addr);
	unsigned n = e ? e->n : 0;
	pthread_mutex_unlock(&p->mu);
	return n;
}
