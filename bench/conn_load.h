/* conn_load.h - bench_conn's workloads on a struct net (conn_net.h): the connection
 * cycle (connect, request, response, close) as fast as it goes, and N idle established
 * connections. */
#ifndef USTACK_BENCH_CONN_LOAD_H
#define USTACK_BENCH_CONN_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn_net.h"

#define REQ_LEN 64
#define RESP_LEN 128
#define WINDOW 64              /* run_cps: connections in flight */
#define EST_BATCH 512          /* establish: connects in flight */
#define STUCK_NS (20ull * 1000000000ull)

struct end {
	int h, fd, got;
	bool sent;
	struct end *next;
};

struct pool {
	struct end *all, *free;
	size_t n;
};

void pool_init(struct pool *p, size_t n);
struct end *end_get(struct pool *p, int h, int fd);
void end_put(struct pool *p, struct end *e);

#define TAG_CLIENT 1u
#define TAG_SERVER 2u
#define TAG_OF(d) ((unsigned)((d) & 3u))
#define END_OF(d) ((struct end *)(uintptr_t)((d) & ~(uint64_t)3))

struct cps_result {
	bool ok;
	long done, failed;
	double wall_s, cpu_s;
	char err[128];
};

/* As many connect / REQ_LEN request / RESP_LEN response / client close / server close
 * cycles as fit in dur_ns, WINDOW at a time, one thread. CPU: this thread's. */
struct cps_result run_cps(struct net *n, uint64_t dur_ns);

/* target idle connections, every end watched for EPOLLIN; the ends come from p (sized
 * 2 * target by the caller, before its baseline). false with a reason in err. */
bool establish(struct net *n, struct pool *p, long target, char *err, size_t errcap);
/* The client ends only (the server is another program). */
bool establish_clients(struct net *n, struct pool *p, long target, char *err,
		       size_t errcap);

#endif
