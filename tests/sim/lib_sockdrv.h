/* lib_sockdrv.h - drive a simnet on its virtual clock from a thread while application
 * threads make blocking socket calls (a resolver lookup, a blocking recvfrom).
 *
 * The driver advances the clock only when every registered application thread is
 * asleep in a blocking call of the stacks (sock_sleepers): so an application's timeout
 * fires on the virtual clock at exactly the time it asked for, however slowly the real
 * threads are scheduled. */
#ifndef TESTS_SIM_LIB_SOCKDRV_H
#define TESTS_SIM_LIB_SOCKDRV_H

#include <stdint.h>
#include "lib_simnet.h"

struct sockdrv;

/* Starts the driver thread over sn's stacks (the ones listed) with `apps` application
 * threads counted as running. max_us bounds the virtual time it will advance (abort). */
struct sockdrv *sockdrv_start(struct simnet *sn, struct ustack **stacks, int n, int apps,
			      uint64_t max_us);
/* An application thread is done (the driver stops waiting for it). */
void sockdrv_app_done(struct sockdrv *d);
/* One more application thread is running. */
void sockdrv_app_begin(struct sockdrv *d);
/* Stops and joins the driver thread. */
void sockdrv_stop(struct sockdrv *d);

#endif
