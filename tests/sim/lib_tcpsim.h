/* lib_tcpsim.h - two stacks on a simulated link for TCP tests: a connected pair of
 * non-blocking sockets, bulk transfers in both directions with byte-exact checking
 * (data from a position-keyed pattern, so 64 MiB need no buffer of that size), all on
 * lib_simnet's virtual clock. */
#ifndef TESTS_SIM_LIB_TCPSIM_H
#define TESTS_SIM_LIB_TCPSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib_simnet.h"
#include "ustack/dev.h"

struct tcpsim {
	struct simnet *sn;
	struct ustack *a, *b;           /* a: 10.0.0.1 (client), b: 10.0.0.2 (server) */
	struct ustack_dev *da, *db;     /* their devices (impairment wrappers when impaired) */
};

/* Two stacks; each direction delayed rtt_us / 2; imp (may be NULL) applied to what
 * each stack sends (seeds derived from imp->seed). cfg may be NULL. */
void tcpsim_init(struct tcpsim *t, uint64_t rtt_us, const struct ustack_impair *imp,
		 const struct ustack_config *cfg);
void tcpsim_free(struct tcpsim *t);
/* b listens on port, a connects (both non-blocking); runs until both ends are
 * connected. Returns 0 with the descriptors, -1 if not within max_us. */
int tcpsim_connect(struct tcpsim *t, uint16_t port, int *fda, int *fdb, uint64_t max_us);
/* The same over IPv6: b listens on [::]:port, a connects to b_addr6 (an address the
 * caller gave b, past DAD). */
int tcpsim_connect6(struct tcpsim *t, const char *b_addr6, uint16_t port, int *fda, int *fdb,
		    uint64_t max_us);

struct tcpsim_xfer {
	uint64_t a2b, b2a;              /* bytes to send each way */
	size_t chunk;                   /* bytes per send/recv call (0: 64 KiB) */
	uint64_t max_us;                /* virtual time allowed */
	/* results */
	uint64_t got_a2b, got_b2a;
	uint64_t elapsed_us;
	uint64_t max_gap_us;            /* longest virtual time without a byte arriving */
	bool ok;                        /* everything arrived, byte-exact, both EOFs seen */
	bool mismatch;                  /* a byte differed */
};
/* Both directions at once; each side shuts down writing when its data is out and
 * reads until EOF. Then both close. */
void tcpsim_bulk(struct tcpsim *t, int fda, int fdb, struct tcpsim_xfer *x);

/* The pattern byte at position i of a stream keyed by key. */
void tcpsim_pattern(uint64_t key, uint64_t pos, uint8_t *buf, size_t len);

/* True when running under AddressSanitizer (sizes are scaled down there). */
bool tcpsim_under_asan(void);

#endif
