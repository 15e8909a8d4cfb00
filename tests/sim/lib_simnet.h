/* lib_simnet.h - a small simulated network for tests: N stacks plugged into vnets,
 * driven by one virtual clock. Each step moves the clock to the earliest deadline of
 * any stack (timers, frames in flight on a link) and polls every stack at that time,
 * so a run is exact and repeatable and waits no real time.
 *
 * Also "raw" ports: a vnet port driven by the test itself, to inject hand-made frames
 * and see what the stacks send.
 *
 * Set SIMNET_TRACE=1 in the environment to print every stack's trace lines. */
#ifndef TESTS_SIM_LIB_SIMNET_H
#define TESTS_SIM_LIB_SIMNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ustack/ustack.h"
#include "ustack/dev.h"

#define SIMNET_MAX_STACKS 16
#define SIMNET_MAX_VNETS 8
#define SIMNET_MAX_RAW 8

struct simnet;

/* A network whose clock starts at start_us. */
struct simnet *simnet_new(uint64_t start_us);
/* Frees every stack (and so its devices), then every vnet and raw port. */
void simnet_free(struct simnet *sn);

/* A new switch, freed by simnet_free. */
struct ustack_vnet *simnet_vnet(struct simnet *sn);
/* A new stack (cfg may be NULL; name and seed are filled in when zero), brought to the
 * network's current time. */
struct ustack *simnet_stack(struct simnet *sn, const char *name, const struct ustack_config *cfg);
/* Plug st into vn with address "a.b.c.d/len", through an impairment wrapper when imp
 * is not NULL. Returns the interface index (asserts on failure); *devp (if not NULL)
 * gets the device as attached (the impairment wrapper, if any). mtu 0: 1500. */
int simnet_attach(struct simnet *sn, struct ustack *st, struct ustack_vnet *vn,
		  const char *cidr, unsigned mtu, const struct ustack_impair *imp,
		  struct ustack_dev **devp);
/* A route or default gateway, from text. */
void simnet_gateway(struct ustack *st, const char *gw);
void simnet_route(struct ustack *st, const char *dst_cidr, const char *gw);

/* The clock. */
uint64_t simnet_now(const struct simnet *sn);
/* Move to the earliest deadline (if not past `limit`) and poll every stack there.
 * Returns false when nothing is due by limit (the clock then moves to limit). */
bool simnet_step(struct simnet *sn, uint64_t limit);
/* Run for us microseconds of virtual time. */
void simnet_run_for(struct simnet *sn, uint64_t us);
/* Run until done(ctx) is true or max_us passes; returns done's last answer. */
bool simnet_run_until(struct simnet *sn, bool (*done)(void *ctx), void *ctx, uint64_t max_us);

/* A port on vn that the test drives: frames it sends reach the stacks, frames the
 * stacks send to it (or flood) wait for simnet_raw_recv. mac NULL: derived. */
struct ustack_dev *simnet_raw_port(struct simnet *sn, struct ustack_vnet *vn, const uint8_t *mac);
int simnet_raw_send(struct simnet *sn, struct ustack_dev *raw, const void *frame, size_t len);
/* One frame due now into buf; its length or 0. */
int simnet_raw_recv(struct simnet *sn, struct ustack_dev *raw, void *buf, size_t cap);
/* Drain every due frame. */
void simnet_raw_flush(struct simnet *sn, struct ustack_dev *raw);

/* Parse "a.b.c.d" to network order (asserts on error). */
uint32_t simnet_addr(const char *s);

/* Ping from st to dst and run until the answer (or max_us). Returns 0 with *out
 * filled, or -1 (no answer in time). len bytes of pattern payload. */
int simnet_ping(struct simnet *sn, struct ustack *st, const char *dst, uint16_t id, uint16_t seq,
		size_t len, uint8_t ttl, struct ustack_ping_reply *out, uint64_t max_us);

#endif
