/* httpd_peers.h - how many connections each client address holds, so one address
 * cannot take every slot of the server (a cap per client). A hash table of the
 * addresses that hold at least one connection, shared by the event loops (one mutex;
 * an admit or a release is a short critical section). */
#ifndef USTACK_TOOLS_HTTPD_PEERS_H
#define USTACK_TOOLS_HTTPD_PEERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct peer_entry;

struct httpd_peers {
	pthread_mutex_t mu;
	unsigned cap;                /* connections per address; UINT_MAX: no cap */
	struct peer_entry **bucket;
	size_t nbuckets;             /* a power of two */
	size_t count;                /* addresses in the table */
};

int peers_init(struct httpd_peers *p, unsigned cap);
void peers_destroy(struct httpd_peers *p);
/* One more connection from addr (network order), if under the cap: true. False when
 * the address is at its cap, or memory ran out. */
bool peers_admit(struct httpd_peers *p, uint32_t addr);
/* A connection from addr ended. */
void peers_release(struct httpd_peers *p, uint32_t addr);
/* Connections from addr now (for tests). */
unsigned peers_count(struct httpd_peers *p, uint32_t addr);

#endif
