/* server.h (internal) - the in-stack DNS server's parts shared by server.c (zone, UDP,
 * answers) and server_tcp.c (DNS over TCP, RFC 1035 4.2.2 / RFC 7766). */
#ifndef USTACK_DNS_SERVER_H
#define USTACK_DNS_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include "core/timer.h"
#include "wire/dns.h"

struct ustack;
struct udp_pcb;
struct tcp_conn;
struct dns_tcp_conn;
struct zone_rec;

struct ustack_dns_server {
	struct ustack *st;
	struct udp_pcb *pcb;
	uint16_t port;
	uint32_t ttl;
	struct zone_rec *recs;
	size_t n;
	struct dns_msg msg;             /* parse scratch: callers hold st->lock */
	struct ustack_dns_server *next;
	/* TCP: a listener and its connections (none when TCP is unavailable) */
	struct timer tlisten_ev;        /* runs listen_event after the listener's upcall */
	struct tcp_conn *tlisten;
	struct dns_tcp_conn *tconns;
	int n_tconns;
};

/* The answer to query q (qlen bytes) into out (cap bytes), or 0 to stay silent.
 * Answers that do not fit are cut with TC set. */
size_t dns_server_answer(struct ustack_dns_server *srv, const uint8_t *q, size_t qlen,
			 uint8_t *out, size_t cap);
/* Start listening on TCP (no-op, returning 0, when the stack has no TCP). */
int dns_server_tcp_start(struct ustack_dns_server *srv);
/* Close every TCP connection and the listener. */
void dns_server_tcp_stop(struct ustack_dns_server *srv);

#endif
