/* httpd_int.h - what the files of httpd share (not an API): the server, its event
 * loops and their connections.
 *
 * Each loop owns a ustack epoll set, the connections it accepted and four deadline
 * lists. Every entry of a list got the same timeout when it was appended, so each
 * list is in deadline order: appending, removing and finding the next deadline are
 * O(1), whatever the number of connections. The idle list's head is also the oldest
 * idle keep-alive connection: the first to close under pressure. */
#ifndef USTACK_TOOLS_HTTPD_INT_H
#define USTACK_TOOLS_HTTPD_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "httpd.h"
#include "httpd_peers.h"
#include "httpd_req.h"

#define HTTPD_CHUNK 65536            /* file bytes per read/send */
#define HTTPD_SLICE_MS 250           /* longest single wait: how fast httpd_stop is seen */
#define HTTPD_SEND_STALL_MS 60000    /* a client that reads nothing for this long is dropped */
#define HTTPD_LINGER_MS 2000         /* after "Connection: close": reading the client's rest */
#define HTTPD_DISCARD_MAX (1u << 20) /* request body bytes we read and drop */
#define HTTPD_IN_FIRST 1024          /* first allocation of a connection's input buffer */
#define HTTPD_ACCEPT_BATCH 64        /* accepts per listener event, for fairness */
#define HTTPD_EVENTS 256             /* events per wait */
#define HTTPD_RETRY_MS 100           /* out of descriptors: next accept attempt */

/* What a connection is doing; the deadline list it sits on follows from it. */
enum conn_state {
	CS_HEAD,      /* reading a request head (list HEAD: the head deadline) */
	CS_IDLE,      /* keep-alive, between requests, nothing received (list IDLE) */
	CS_BODY,      /* reading and dropping a request body (list HEAD, restarted once) */
	CS_WRITE,     /* sending a reply (list WRITE: restarted by each progress) */
	CS_LINGER,    /* our FIN sent, reading the client's rest (list LINGER) */
	CS_DEAD,      /* closed; freed at the end of the loop's iteration */
};

enum { TL_HEAD, TL_IDLE, TL_WRITE, TL_LINGER, TL_COUNT, TL_NONE = TL_COUNT };

struct httpd_loop;

struct conn {
	struct conn *prev, *next;    /* on a deadline list, or the loop's dead list */
	uint64_t deadline;           /* ms (ustack_clock_us / 1000) */
	struct httpd_loop *lp;
	int fd;
	uint8_t state;               /* enum conn_state */
	uint8_t list;                /* TL_* or TL_NONE */
	bool rd_eof;                 /* the client's FIN was read */
	bool keep;                   /* the reply being sent keeps the connection */
	bool head_only;              /* HEAD: no body */
	bool in_request;             /* in[0..head_len) is the parsed head of a request */
	bool want_out;               /* EPOLLOUT asked for: a send met a full buffer */
	char saved;                  /* the byte at in[head_len], replaced by the head's NUL */
	struct sockaddr_in6 peer;
	/* input: a head being read, then pipelined bytes; NULL when idle */
	char *in;
	uint32_t in_len, in_cap, scanned, head_len;
	const char *method, *target; /* into in, for the report */
	int64_t body_left;           /* request body bytes still to drop */
	/* output: unsent bytes of our own (a copy), then the body from mem or file */
	char *out;
	uint32_t out_off, out_len;
	const uint8_t *mem;
	int file;
	uint64_t body_len;           /* body bytes of the reply (0 for HEAD) */
	uint64_t body_off;           /* body bytes sent or copied aside */
	int status;                  /* of the request (0: fine so far), then of the reply */
};

struct httpd_loop {
	struct httpd *h;
	pthread_t thread;
	int epfd;
	unsigned count, cap;         /* open connections of this loop, its share of max_clients */
	bool listening;              /* the listener is in the set */
	uint64_t retry_at;           /* 0, or when to put the listener back (out of descriptors) */
	uint64_t now;                /* ms, read once per iteration */
	struct conn *head[TL_COUNT], *tail[TL_COUNT];
	struct conn *dead;
	char *scratch;               /* HTTPD_CHUNK bytes: building and reading */
};

struct httpd {
	struct ustack *st;
	struct httpd_config cfg;
	char *root;                  /* realpath of cfg.root; NULL: in-memory files */
	size_t root_len;
	int lfd;
	uint16_t port;
	atomic_bool stopping;
	unsigned nloops;
	struct httpd_loop *loops;
	struct httpd_peers peers;    /* connections per client address */
	pthread_mutex_t mu;          /* guards stats and active */
	unsigned active;
	struct httpd_stats stats;
};

static inline bool httpd_stopping(struct httpd *h)
{
	return atomic_load(&h->stopping);
}

/* httpd.c: the loop's deadline lists and the listener */
void loop_list_set(struct httpd_loop *lp, struct conn *c, int list, uint64_t deadline);
void loop_list_del(struct httpd_loop *lp, struct conn *c);
/* A connection left the table (or became evictable): admit new ones again. */
void loop_slot_free(struct httpd_loop *lp);

/* httpd_conn.c: one connection's life */
struct conn *conn_new(struct httpd_loop *lp, int fd, const struct sockaddr_in6 *peer);
/* Runs the state machine as far as it goes without waiting. */
void conn_run(struct conn *c);
/* Its deadline passed. */
void conn_expire(struct conn *c);
/* Closes now (eviction, stop); nothing more is sent. */
void conn_close(struct conn *c);

/* httpd_site.c: what to send */
struct reply {
	int status;
	const char *content_type;
	uint64_t length;
	int file;                    /* fd to stream from, or -1 */
	const void *mem;             /* or an in-memory body */
};
/* Finds path (cleaned) on disk or in memory: 200 with rp filled, or an error status. */
int site_find(struct httpd *h, const char *path, struct reply *rp);
/* The status line and headers into out; the length, or -1 if they do not fit.
 * For an error status, rp gets the small HTML body that goes with it (errbody). */
int site_head(struct httpd *h, struct reply *rp, bool keep_alive, char *out, size_t cap,
	      char *errbody, size_t errcap);
/* Counts a reply and tells cfg.on_request. */
void site_report(struct httpd *h, const struct sockaddr_in6 *peer, const char *method,
		 const char *target, int status, int64_t sent, bool keep_alive);

#endif
