/* stack.h - struct ustack: everything one host has. No globals anywhere: every function
 * of the stack takes the stack (or an object pointing to it).
 *
 * Locking: st->lock guards the whole stack. Public entry points (socket calls, the
 * runner's poll) take it; internal functions assume it is held. Blocking socket calls
 * wait on condition variables with st->lock. */
#ifndef USTACK_CORE_STACK_H
#define USTACK_CORE_STACK_H

#include <pthread.h>
#include <stdint.h>
#include "ustack/ustack.h"
#include "core/pkt.h"
#include "core/timer.h"
#include "core/iface.h"
#include "core/route.h"
#include "core/route6.h"

struct arp_state;
struct ipv4_state;
struct ipv6_state;
struct nd_state;
struct icmpv6_state;
struct addr6_state;
struct mld6_state;
struct icmp_state;
struct igmp_state;
struct udp_state;
struct tcp_state;
struct sock_table;
struct dns_state;
struct runner;

struct pkt_pool {
	struct pkt *free_small;      /* recycled PKT_SMALL_CAP buffers */
	size_t n_free_small;
	size_t in_use;               /* packets handed out now */
	size_t peak;
};

struct timer_heap {
	struct timer **h;
	size_t n, cap;
};

struct ustack {
	struct ustack_config cfg;
	char name[32];
	pthread_mutex_t lock;
	uint64_t now;                       /* the time last given to ustack_poll (us) */
	/* Set while a runner drives the stack: socket calls refresh st->now from it
	 * (the stack itself never reads a clock). NULL in simulation. */
	uint64_t (*clock)(void);
	bool driven;                        /* ustack_step has been called at least once */
	uint64_t rng[4];                    /* xoshiro256** state */

	struct ustack_stats stats;
	ustack_trace_fn trace_fn;
	void *trace_ctx;

	struct pkt_pool pool;
	struct timer_heap timers;
	struct iface ifaces[USTACK_MAX_IFACES];
	int n_ifaces;
	struct route_table routes;
	struct route6_table routes6;

	struct arp_state *arp;
	struct proto_table *protos;         /* protocol number -> input, error input */
	struct ipv4_state *ip;
	struct ipv6_state *ip6;             /* net/ipv6.c, ipv6_frag.c, icmp6.c */
	struct nd_state *nd;                /* net/nd.c: neighbours, routers, prefixes, DAD */
	struct icmpv6_state *icmp6;         /* net/icmpv6.c: the error rate limit */
	struct addr6_state *addr6;          /* net/addr6.c: addresses, DAD, SLAAC, RAs */
	struct mld6_state *mld6;            /* net/mld6.c: groups listened to */
	struct icmp_state *icmp;
	struct igmp_state *igmp;
	struct udp_state *udp;
	struct tcp_state *tcp;
	struct sock_table *socks;
	struct dns_state *dns;
	struct runner *runner;
};

uint32_t stack_rand32(struct ustack *st);
uint64_t stack_rand64(struct ustack *st);
void stack_rand_bytes(struct ustack *st, void *buf, size_t len);

/* Lock for an application entry point; refreshes st->now when a runner drives the stack. */
void stack_lock(struct ustack *st);
/* Unlock; wakes the runner if the earliest deadline moved before its sleep. */
void stack_unlock(struct ustack *st);

#define ST_COUNT(st, field) ((st)->stats.field++)

#endif
