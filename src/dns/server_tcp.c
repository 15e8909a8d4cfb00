/* server_tcp.c - the in-stack DNS server over TCP (RFC 1035 4.2.2: each message is
 * preceded by a two-byte length; RFC 7766 6.2: several queries may come on one
 * connection, and the server may close it when the client is done).
 *
 * No thread: the listener and each connection install a TCP upcall (core/upcall.h) that
 * arms a zero-delay stack timer; the work (accept, read, answer) runs from that timer,
 * never inside protocol input, and works on the virtual clock too. Connections are
 * bounded in number, queries in size. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ustack/netdb.h"
#include "core/stack.h"
#include "core/trace.h"
#include "core/upcall.h"
#include "core/ip_addr.h"
#include "tcp/tcp.h"
#include "dns/server.h"

#define DNS_TCP_CONNS 16
#define DNS_TCP_QUERY_MAX 4096          /* queries are small; more is not a query */
#define DNS_TCP_ANSWER_MAX 65535

struct dns_tcp_conn {
	struct ustack_dns_server *srv;
	struct timer ev;                /* runs conn_event after the connection's upcall */
	struct tcp_conn *c;
	uint8_t in[2 + DNS_TCP_QUERY_MAX];
	size_t in_len;
	uint8_t *out;                   /* an answer still being sent */
	size_t out_len, out_off;
	struct dns_tcp_conn *next;
};

static void conn_close(struct ustack *st, struct dns_tcp_conn *k)
{
	struct ustack_dns_server *srv = k->srv;
	struct dns_tcp_conn **pp = &srv->tconns;

	while (*pp && *pp != k)
		pp = &(*pp)->next;
	if (*pp)
		*pp = k->next;
	srv->n_tconns--;
	tcp_close(st, k->c);
	timer_cancel(st, &k->ev);
	free(k->out);
	free(k);
}

/* Send what is pending; true when all of it went. */
static bool flush(struct ustack *st, struct dns_tcp_conn *k)
{
	while (k->out && k->out_off < k->out_len) {
		ssize_t n = tcp_send(st, k->c, k->out + k->out_off, k->out_len - k->out_off, 0);
		if (n <= 0)
			return false;
		k->out_off += (size_t)n;
	}
	free(k->out);
	k->out = NULL;
	k->out_len = k->out_off = 0;
	return true;
}

/* Answer every whole query in the input buffer; false to drop the connection. */
static bool serve(struct ustack *st, struct dns_tcp_conn *k)
{
	while (!k->out && k->in_len >= 2) {
		size_t qlen = be16_get(k->in);
		if (qlen > DNS_TCP_QUERY_MAX)
			return false;
		if (k->in_len < 2 + qlen)
			return true;
		uint8_t *out = malloc(2 + DNS_TCP_ANSWER_MAX);
		if (!out)
			return false;
		size_t n = dns_server_answer(k->srv, k->in + 2, qlen, out + 2, DNS_TCP_ANSWER_MAX);
		memmove(k->in, k->in + 2 + qlen, k->in_len - 2 - qlen);
		k->in_len -= 2 + qlen;
		if (n == 0) {
			free(out);
			continue;
		}
		be16_put(out, (uint16_t)n);
		k->out = out;
		k->out_len = n + 2;
		k->out_off = 0;
		flush(st, k);
	}
	return true;
}

/* The upcall of TCP: defer the work to a zero-delay timer (armed once). */
static void defer_upcall(struct ustack *st, void *ctx, unsigned events)
{
	struct timer *t = ctx;

	(void)events;                   /* the event handler looks at everything */
	if (!timer_pending(t))
		timer_set(st, t, st->now);
}

static void conn_event(struct ustack *st, struct timer *t, uint64_t now)
{
	struct dns_tcp_conn *k = t->arg;

	(void)now;
	if (!flush(st, k))
		return;                         /* wait for room in the send buffer */
	for (;;) {
		if (k->in_len == sizeof(k->in))
			break;
		ssize_t n = tcp_recv(st, k->c, k->in + k->in_len, sizeof(k->in) - k->in_len, 0);
		if (n == -EAGAIN)
			break;
		if (n <= 0) {                   /* the client is done (or gone) */
			conn_close(st, k);
			return;
		}
		k->in_len += (size_t)n;
		if (!serve(st, k)) {
			conn_close(st, k);
			return;
		}
	}
	if (!serve(st, k))
		conn_close(st, k);
}

static void listen_event(struct ustack *st, struct timer *t, uint64_t now)
{
	struct ustack_dns_server *srv = t->arg;
	struct tcp_conn *c;

	while (srv->tlisten && (c = tcp_accept(st, srv->tlisten))) {
		struct dns_tcp_conn *k = NULL;
		if (srv->n_tconns >= DNS_TCP_CONNS || !(k = calloc(1, sizeof(*k)))) {
			tcp_close(st, c);       /* over the bound: refuse by closing */
			continue;
		}
		k->srv = srv;
		k->c = c;
		timer_init(&k->ev, conn_event, k);
		tcp_set_upcall(c, &(struct upcall){ defer_upcall, &k->ev });
		k->next = srv->tconns;
		srv->tconns = k;
		srv->n_tconns++;
		conn_event(st, &k->ev, now);    /* the query may be there already */
	}
}

int dns_server_tcp_start(struct ustack_dns_server *srv)
{
	struct ustack *st = srv->st;

	timer_init(&srv->tlisten_ev, listen_event, srv);
	srv->tlisten = tcp_conn_new(st, &(struct upcall){ defer_upcall, &srv->tlisten_ev });
	if (!srv->tlisten)                      /* no TCP in this stack: UDP only */
		return 0;
	/* :: for both families, as the UDP side */
	struct ip_addr any = { .family = IP_AF_INET6 };
	tcp_set_family(srv->tlisten, IP_AF_INET6, false);
	int rc = tcp_bind(st, srv->tlisten, &any, srv->port, true);
	if (rc == 0)
		rc = tcp_listen(st, srv->tlisten, DNS_TCP_CONNS);
	if (rc < 0) {
		dns_server_tcp_stop(srv);
		errno = -rc;
		return -1;
	}
	return 0;
}

void dns_server_tcp_stop(struct ustack_dns_server *srv)
{
	struct ustack *st = srv->st;

	while (srv->tconns)
		conn_close(st, srv->tconns);
	if (srv->tlisten)
		tcp_close(st, srv->tlisten);
	srv->tlisten = NULL;
	timer_cancel(st, &srv->tlisten_ev);
}
