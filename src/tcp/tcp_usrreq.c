/* tcp_usrreq.c - the calls the socket layer makes (src/tcp/tcp.h): OPEN (active and
 * passive), SEND, RECEIVE, CLOSE, ABORT and STATUS of RFC 9293 section 3.10, with the
 * BSD/Linux shapes: bind and ephemeral ports, listen backlog, accept queue,
 * shutdown, socket options, poll events and the netstat walk.
 *
 * Errors are negative errno values; POSIX/Linux errno choices are noted where a call
 * could go several ways. */
#include "tcp/tcp_var.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include "core/stack.h"
#include "core/ip_class.h"
#include "core/trace.h"
#include "net/inet.h"
#include "net/ipv4.h"
#include "tcp/tcp_cc.h"
#include "ustack/socket.h"

struct tcp_conn *tcp_conn_new(struct ustack *st, const struct upcall *up)
{
	struct tcp_conn *c = tcp_conn_alloc(st);

	if (c && up)
		c->up = *up;
	return c;
}

void tcp_set_upcall(struct tcp_conn *c, const struct upcall *up)
{
	c->up = up ? *up : (struct upcall){ 0 };
	if (up && up->fn)
		c->flags &= ~TF_ORPHAN;
}

void tcp_set_family(struct tcp_conn *c, uint8_t family, bool v6only)
{
	if (c->state != TCPS_CLOSED || c->lport)
		return;
	c->laddr = c->raddr = (struct ip_addr){ .family = family };
	c->v6only = family == IP_AF_INET6 && v6only;
}

int tcp_bind(struct ustack *st, struct tcp_conn *c, const struct ip_addr *addr, uint16_t port,
	     bool reuse)
{
	if (c->state != TCPS_CLOSED || c->lport)
		return -EINVAL;
	if (!ip_addr_is_unspecified(addr) && !inet_is_local(st, addr))
		return -EADDRNOTAVAIL;
	if (port == 0) {
		port = tcp_ephemeral_port(st);
		if (!port)
			return -EADDRINUSE;
	} else if (tcp_bind_check(st, c, addr, port, reuse) < 0) {
		return -EADDRINUSE;
	}
	c->laddr = *addr;
	c->lport = port;
	if (reuse)
		c->flags |= TF_REUSE;
	else
		c->flags &= ~TF_REUSE;
	tcp_bind_insert(st, c);
	return 0;
}

int tcp_listen(struct ustack *st, struct tcp_conn *c, int backlog)
{
	if (backlog < 0)
		backlog = 0;
	if (backlog > TCP_BACKLOG_MAX)
		backlog = TCP_BACKLOG_MAX;
	if (c->state == TCPS_LISTEN) {
		c->backlog = backlog;
		return 0;
	}
	if (c->state != TCPS_CLOSED)
		return -EINVAL;
	if (!c->lport) {
		uint16_t port = tcp_ephemeral_port(st);

		if (!port)
			return -EADDRINUSE;
		c->laddr = (struct ip_addr){ .family = c->laddr.family };
		c->lport = port;
		tcp_bind_insert(st, c);
	}
	if (tcp_listen_conflict(st, c))
		return -EADDRINUSE;
	c->backlog = backlog;
	c->error = 0;
	tcp_listen_insert(st, c);
	tcp_set_state(st, c, TCPS_LISTEN);
	return 0;
}

int tcp_connect(struct ustack *st, struct tcp_conn *c, const struct ip_addr *addr,
		uint16_t port)
{
	struct ip_addr src = c->laddr;
	int rc;

	switch (c->state) {
	case TCPS_CLOSED:
		break;
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
		return -EALREADY;
	case TCPS_LISTEN:
		return -EISCONN;
	default:
		return -EISCONN;
	}
	if (inet_bad_peer(addr) ||
	    (addr->family == IP_AF_INET && ipv4_is_broadcast(st, ip_addr_v4(addr))))
		return -ENETUNREACH;
	if (port == 0)
		return -ECONNREFUSED;
	if (ip_addr_is_unspecified(&src)) {
		/* a dual-stack :: socket reaches IPv4 peers too; an IPV6_V6ONLY one cannot */
		if (addr->family == IP_AF_INET && c->v6only)
			return -ENETUNREACH;
		rc = inet_select_src(st, addr, c->ifindex, &src);
		if (rc < 0)
			return rc;
	} else if (src.family != addr->family) {
		return -ENETUNREACH;
	}
	if (!c->lport) {
		uint16_t p = tcp_ephemeral_port(st);

		if (!p)
			return -EADDRNOTAVAIL;
		c->lport = p;
		tcp_bind_insert(st, c);
	}
	struct tcp_conn *o = tcp_lookup(st, &src, c->lport, addr, port);
	if (o && o != c) {
		if (o->state != TCPS_TIME_WAIT || upcall_is_set(&o->up))
			return -EADDRNOTAVAIL;
		tcp_closed(st, o);                       /* recycle a TIME_WAIT (RFC 6191) */
		tcp_conn_gc(st, o);
	}
	c->laddr = src;
	c->raddr = *addr;
	c->rport = port;
	c->error = c->soft_error = 0;
	c->flags &= TF_NODELAY | TF_KEEPALIVE | TF_LINGER0 | TF_REUSE | TF_WANT_WS | TF_WANT_TS |
		    TF_WANT_SACK;
	tcp_ring_free(&c->rcvbuf);
	tcp_ring_free(&c->sndbuf);
	tcp_ranges_clear(&c->ooo);
	tcp_ranges_clear(&c->sacked);
	c->ooo_fin = false;
	tcp_conn_init_mss(st, c);
	c->t_maxseg = TCP_DEFAULT_MSS;
	c->mss_peer = TCP_DEFAULT_MSS;
	c->iss = tcp_isn(st, &c->laddr, c->lport, &c->raddr, c->rport);
	c->snd_una = c->snd_nxt = c->snd_max = c->snd_sml = c->iss;
	c->snd_data = c->iss + 1;
	c->recover = c->rxmit_nxt = c->iss;
	c->snd_wnd = c->max_sndwnd = 0;
	c->rcv_nxt = c->rcv_adv = c->irs = 0;
	c->ts_offset = stack_rand32(st);
	c->ts_recent = 0;
	c->persist_shift = 0;
	c->dupacks = 0;
	tcp_rto_init(st, c);
	c->rt_active = false;
	tcp_hash_insert(st, c);
	tcp_set_state(st, c, TCPS_SYN_SENT);
	tcp_output(st, c);
	return 0;
}

struct tcp_conn *tcp_accept(struct ustack *st, struct tcp_conn *l)
{
	struct tcp_conn *c;

	(void)st;
	if (l->state != TCPS_LISTEN || !l->acc_head)
		return NULL;
	c = l->acc_head;
	tcp_child_unlink(c);
	return c;
}

/* The user is done sending: queue a FIN (RFC 9293 3.10.4 CLOSE / shutdown). */
static void usr_fin(struct ustack *st, struct tcp_conn *c)
{
	if (c->flags & TF_FIN_PENDING)
		return;
	switch (c->state) {
	case TCPS_SYN_RECEIVED:
		c->flags |= TF_FIN_PENDING;             /* sent once ESTABLISHED */
		break;
	case TCPS_ESTABLISHED:
		c->flags |= TF_FIN_PENDING;
		tcp_set_state(st, c, TCPS_FIN_WAIT_1);
		break;
	case TCPS_CLOSE_WAIT:
		c->flags |= TF_FIN_PENDING;
		tcp_set_state(st, c, TCPS_LAST_ACK);
		break;
	default:
		break;
	}
}

ssize_t tcp_send(struct ustack *st, struct tcp_conn *c, const void *buf, size_t len, int flags)
{
	if (c->error) {
		int e = c->error;

		c->error = 0;
		return -e;
	}
	switch (c->state) {
	case TCPS_CLOSED:
		return (c->flags & (TF_WAS_SYNC | TF_RESET)) ? -EPIPE : -ENOTCONN;
	case TCPS_LISTEN:
		return -ENOTCONN;
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
		return -EAGAIN;                          /* wait for the handshake */
	case TCPS_ESTABLISHED:
	case TCPS_CLOSE_WAIT:
		if (c->flags & TF_FIN_PENDING)
			return -EPIPE;
		break;
	default:
		return -EPIPE;
	}
	if (flags & MSG_MORE)
		c->flags |= TF_CORK;
	else
		c->flags &= ~TF_CORK;
	if (len == 0) {
		tcp_output(st, c);
		return 0;
	}
	if (tcp_ring_space(&c->sndbuf) == 0) {
		c->flags |= TF_SND_WAIT;                 /* tell of room when there is some */
		return -EAGAIN;
	}
	size_t n = tcp_ring_append(&c->sndbuf, buf, len);
	if (n < len)
		c->flags |= TF_SND_WAIT;
	if (n == 0)
		return -ENOMEM;
	tcp_output(st, c);
	return (ssize_t)n;
}

/* May the peer still send (so that a window update matters)? */
static bool peer_may_send(const struct tcp_conn *c)
{
	return c->state == TCPS_ESTABLISHED || c->state == TCPS_FIN_WAIT_1 ||
	       c->state == TCPS_FIN_WAIT_2;
}

ssize_t tcp_recv(struct ustack *st, struct tcp_conn *c, void *buf, size_t len, int flags)
{
	if (c->state == TCPS_LISTEN)
		return -ENOTCONN;
	if (c->rcvbuf.len > 0 && len > 0) {
		size_t n = tcp_ring_copy_out(&c->rcvbuf, 0, buf, len);

		if (!(flags & MSG_PEEK)) {
			tcp_ring_consume(&c->rcvbuf, n);
			tcp_tune_rcv_read(st, c);
			tcp_drained(st, c);
			if (peer_may_send(c))
				tcp_output(st, c);               /* a window update if it is due */
		}
		return (ssize_t)n;
	}
	tcp_drained(st, c);         /* e.g. out-of-order text forgotten at the peer's FIN */
	if (c->error) {
		int e = c->error;

		c->error = 0;
		return -e;
	}
	if (len == 0)
		return 0;
	if (c->flags & (TF_RCVD_FIN | TF_SHUT_RD))
		return 0;
	if (c->state == TCPS_CLOSED)
		return (c->flags & (TF_WAS_SYNC | TF_RESET)) ? 0 : -ENOTCONN;
	return -EAGAIN;
}

/* Take a listener down: children go (established ones with a RST). */
static void listener_close(struct ustack *st, struct tcp_conn *l)
{
	while (l->children) {
		struct tcp_conn *k = l->children;

		if (TCPS_HAVE_ESTABLISHED(k->state))
			tcp_drop(st, k, 0);
		else
			tcp_closed(st, k);
		if (k->parent)
			tcp_child_unlink(k);
		tcp_conn_gc(st, k);
	}
	tcp_closed(st, l);
}

int tcp_shutdown(struct ustack *st, struct tcp_conn *c, int how)
{
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	switch (c->state) {
	case TCPS_LISTEN:
		if (how == SHUT_WR)
			return -ENOTCONN;
		listener_close(st, c);
		return 0;
	case TCPS_CLOSED:
		return -ENOTCONN;
	case TCPS_SYN_SENT:
		tcp_closed(st, c);                        /* as Linux: the attempt is abandoned */
		return 0;
	default:
		break;
	}
	if (how != SHUT_WR) {
		c->flags |= TF_SHUT_RD;
		tcp_ring_consume(&c->rcvbuf, c->rcvbuf.len);
		tcp_ranges_clear(&c->ooo);
		c->ooo_fin = false;
		tcp_drained(st, c);
		tcp_notify(st, c, UPCALL_ALL);
	}
	if (how != SHUT_RD)
		usr_fin(st, c);
	tcp_output(st, c);
	return 0;
}

bool tcp_fin_unacked(const struct tcp_conn *c)
{
	switch (c->state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
	case TCPS_CLOSE_WAIT:
		return (c->flags & TF_FIN_PENDING) != 0;   /* queued behind the handshake */
	case TCPS_FIN_WAIT_1:
	case TCPS_CLOSING:
	case TCPS_LAST_ACK:
		return true;
	default:
		return false;
	}
}

uint64_t tcp_linger_start(struct ustack *st, struct tcp_conn *c)
{
	if (!c->linger_on || c->linger_sec <= 0 || c->rcvbuf.len > 0)
		return 0;
	usr_fin(st, c);                 /* nothing in states without a FIN to send */
	if (!tcp_fin_unacked(c))
		return 0;
	tcp_output(st, c);
	return (uint64_t)c->linger_sec * 1000000u;
}

void tcp_close(struct ustack *st, struct tcp_conn *c)
{
	c->up = (struct upcall){ 0 };
	c->flags |= TF_ORPHAN;
	switch (c->state) {
	case TCPS_CLOSED:
		break;
	case TCPS_LISTEN:
		listener_close(st, c);
		break;
	case TCPS_SYN_SENT:
		tcp_closed(st, c);
		break;
	case TCPS_TIME_WAIT:
		tcp_ring_free(&c->rcvbuf);
		break;
	default:
		/* RFC 9293 3.10.4 / RFC 2525 2.17: unread data, or SO_LINGER with 0 s, make
		 * the close an abort (RST). */
		if (c->rcvbuf.len > 0 || (c->linger_on && c->linger_sec == 0)) {
			tcp_drop(st, c, 0);
			break;
		}
		tcp_ring_free(&c->rcvbuf);
		usr_fin(st, c);
		if (c->state == TCPS_FIN_WAIT_2)
			tcp_timer_set(st, c, TT_2MSL, st->now + st->tcp->fin_timeout);
		tcp_output(st, c);
		break;
	}
	tcp_conn_gc(st, c);
}

/* --- options --- */

static int get_int(const void *val, size_t len, int *v)
{
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(v, val, sizeof(int));
	return 0;
}

static int put_bytes(void *val, size_t *len, const void *v, size_t n)
{
	size_t k = *len < n ? *len : n;

	memcpy(val, v, k);
	*len = k;
	return 0;
}

static int put_int(void *val, size_t *len, int v)
{
	return put_bytes(val, len, &v, sizeof(v));
}

/* Resize a ring to v bytes, never below what it must keep. */
static int set_buf(struct ustack *st, struct tcp_ring *r, int v, size_t keep)
{
	size_t n = v < (int)TCP_MIN_BUF ? TCP_MIN_BUF : (size_t)v;

	if (n > st->tcp->buf_max)
		n = st->tcp->buf_max;
	if (n < keep)
		n = keep;
	return tcp_ring_resize(r, n, keep);
}

int tcp_setsockopt(struct ustack *st, struct tcp_conn *c, int level, int name, const void *val,
		   size_t len)
{
	int v = 0, rc;

	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linger l;

		if (!val || len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		c->linger_on = l.l_onoff != 0;
		c->linger_sec = l.l_linger < 0 ? 0 : l.l_linger;
		if (c->linger_on && c->linger_sec == 0)
			c->flags |= TF_LINGER0;
		else
			c->flags &= ~TF_LINGER0;
		return 0;
	}
	if (level == IPPROTO_TCP && name == TCP_CONGESTION) {
		/* Linux's shape: the algorithm's name, not necessarily NUL-terminated */
		char nm[16];

		if (!val || len == 0)
			return -EINVAL;
		size_t n = len < sizeof(nm) - 1 ? len : sizeof(nm) - 1;
		memcpy(nm, val, n);
		nm[n] = 0;
		return tcp_cc_select(c, nm);
	}
	rc = get_int(val, len, &v);
	if (rc < 0)
		return rc;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_RCVBUF: {
			/* Never below what we already offered the peer (3.8.6: no shrinking). */
			uint32_t wnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
			bool open = c->state != TCPS_CLOSED && c->state != TCPS_LISTEN;
			size_t keep = c->rcvbuf.len +
				      (open ? (wnd > c->syn_win ? wnd : c->syn_win) : 0);

			c->rcvbuf_lock = true;             /* no auto-tuning (as Linux) */
			return set_buf(st, &c->rcvbuf, v, keep);
		}
		case SO_SNDBUF:
			c->sndbuf_lock = true;
			rc = set_buf(st, &c->sndbuf, v, c->sndbuf.len);
			if (rc == 0)
				tcp_write_space(st, c);
			return rc;
		case SO_KEEPALIVE:
			if (v)
				c->flags |= TF_KEEPALIVE;
			else
				c->flags &= ~TF_KEEPALIVE;
			tcp_keep_start(st, c);
			return 0;
		default:
			return -ENOPROTOOPT;
		}
	}
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	switch (name) {
	case TCP_NODELAY:
		if (v) {
			c->flags |= TF_NODELAY;
			tcp_output(st, c);               /* push what Nagle held */
		} else {
			c->flags &= ~TF_NODELAY;
		}
		return 0;
	case TCP_MAXSEG:
		if (v < (int)TCP_MIN_MSS || v > 32767)
			return -EINVAL;
		c->mss_user = (uint16_t)v;
		if (TCPS_HAVE_ESTABLISHED(c->state) && c->t_maxseg > v)
			c->t_maxseg = (uint16_t)v;
		return 0;
	case TCP_KEEPIDLE:
		if (v < 1 || v > 32767)
			return -EINVAL;
		c->keep_idle = (uint64_t)v * 1000000;
		tcp_keep_start(st, c);
		return 0;
	case TCP_KEEPINTVL:
		if (v < 1 || v > 32767)
			return -EINVAL;
		c->keep_intvl = (uint64_t)v * 1000000;
		return 0;
	case TCP_KEEPCNT:
		if (v < 1 || v > 127)
			return -EINVAL;
		c->keep_cnt = v;
		return 0;
	case TCP_USER_TIMEOUT:
		if (v < 0)
			return -EINVAL;
		c->user_timeout_ms = (uint32_t)v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int tcp_getsockopt(struct ustack *st, struct tcp_conn *c, int level, int name, void *val,
		   size_t *len)
{
	(void)st;           /* TCP_INFO uses it */
	if (!val || !len)
		return -EFAULT;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_LINGER: {
			struct linger l = { .l_onoff = c->linger_on, .l_linger = c->linger_sec };

			return put_bytes(val, len, &l, sizeof(l));
		}
		case SO_RCVBUF:
			return put_int(val, len, (int)c->rcvbuf.cap);
		case SO_SNDBUF:
			return put_int(val, len, (int)c->sndbuf.cap);
		case SO_KEEPALIVE:
			return put_int(val, len, (c->flags & TF_KEEPALIVE) != 0);
		default:
			return -ENOPROTOOPT;
		}
	}
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	switch (name) {
	case TCP_CONGESTION: {
		const char *nm = tcp_cc_name(c);
		size_t n = strlen(nm) + 1;

		if (*len < n) {
			memcpy(val, nm, *len);            /* truncated, as Linux does */
			return 0;
		}
		memcpy(val, nm, n);
		*len = n;
		return 0;
	}
	case TCP_NODELAY:
		return put_int(val, len, (c->flags & TF_NODELAY) != 0);
	case TCP_MAXSEG:
		if (TCPS_HAVE_ESTABLISHED(c->state))
			return put_int(val, len, (int)tcp_seg_payload_max(c));
		return put_int(val, len, c->mss_user ? c->mss_user : (int)TCP_DEFAULT_MSS);
	case TCP_KEEPIDLE:
		return put_int(val, len, (int)(c->keep_idle / 1000000));
	case TCP_KEEPINTVL:
		return put_int(val, len, (int)(c->keep_intvl / 1000000));
	case TCP_KEEPCNT:
		return put_int(val, len, c->keep_cnt);
	case TCP_USER_TIMEOUT:
		return put_int(val, len, (int)c->user_timeout_ms);
	case TCP_INFO: {
		struct tcp_info ti;
		tcp_fill_info(st, c, &ti);
		return put_bytes(val, len, &ti, sizeof(ti));
	}
	default:
		return -ENOPROTOOPT;
	}
}

void tcp_set_reuseport(struct tcp_conn *c, bool on)
{
	if (on)
		c->flags |= TF_REUSEPORT;
	else
		c->flags &= ~TF_REUSEPORT;
}

void tcp_set_ip(struct tcp_conn *c, uint8_t ttl, uint8_t tos)
{
	c->ip_ttl = ttl;
	c->ip_tos = tos;
}

/* --- status --- */

unsigned tcp_poll_events(struct tcp_conn *c)
{
	unsigned ev = 0;
	bool ended = c->state == TCPS_CLOSED && (c->flags & (TF_WAS_SYNC | TF_RESET));
	bool shut_rcv = (c->flags & (TF_RCVD_FIN | TF_SHUT_RD)) || ended;
	bool shut_snd = (c->flags & TF_FIN_PENDING) || ended;

	if (c->state == TCPS_LISTEN)
		return c->acc_head ? POLLIN : 0;
	/* The shape of Linux's tcp_poll. */
	if ((shut_rcv && shut_snd) || c->state == TCPS_CLOSED)
		ev |= POLLHUP;
	if (shut_rcv)
		ev |= POLLIN | POLLRDHUP;
	if (c->state != TCPS_SYN_SENT && c->state != TCPS_SYN_RECEIVED) {
		if (c->rcvbuf.len > 0)
			ev |= POLLIN;
		if (shut_snd) {
			ev |= POLLOUT;
		} else {
			size_t space = tcp_ring_space(&c->sndbuf);

			if (space > 0 && space >= c->sndbuf.len / 2)
				ev |= POLLOUT;
		}
	}
	if (c->error)
		ev |= POLLERR;
	return ev;
}

int tcp_take_error(struct tcp_conn *c)
{
	int e = c->error;

	c->error = 0;
	return e;
}

void tcp_addrs(const struct tcp_conn *c, struct ip_addr *laddr, uint16_t *lport,
	       struct ip_addr *raddr, uint16_t *rport)
{
	if (laddr)
		*laddr = c->laddr;
	if (lport)
		*lport = c->lport;
	if (raddr)
		*raddr = c->raddr;
	if (rport)
		*rport = c->rport;
}

size_t tcp_rcvbuf_cap(const struct tcp_conn *c)
{
	return c->rcvbuf.cap;
}

void tcp_queues(const struct tcp_conn *c, size_t *inq, size_t *outq)
{
	bool open = c->state != TCPS_LISTEN;

	*inq = open ? c->rcvbuf.len : 0;
	*outq = open ? c->sndbuf.len : 0;
}

bool tcp_is_listening(const struct tcp_conn *c)
{
	return c->state == TCPS_LISTEN;
}

bool tcp_is_connected(const struct tcp_conn *c)
{
	return TCPS_HAVE_ESTABLISHED(c->state);
}

const char *tcp_state_name(const struct tcp_conn *c)
{
	return tcp_fsm_name(c->state);
}

void tcp_foreach(struct ustack *st, void (*fn)(void *ctx, const struct ustack_sockinfo *si,
					       const struct upcall *up), void *ctx)
{
	struct ustack_sockinfo si;

	for (struct tcp_conn *c = st->tcp->all, *next; c; c = next) {
		next = c->anext;
		memset(&si, 0, sizeof(si));
		si.fd = -1;
		si.proto = IPPROTO_TCP;
		ip_addr_sockinfo(&si, &c->laddr, c->lport, &c->raddr, c->rport);
		si.state = tcp_fsm_name(c->state);
		if (c->state == TCPS_LISTEN) {
			si.recv_q = (size_t)c->acc_count;      /* as ss shows a listener */
			si.send_q = (size_t)c->backlog;
		} else {
			si.recv_q = c->rcvbuf.len;
			si.send_q = c->sndbuf.len;
		}
		si.rcvbuf = c->rcvbuf.cap;
		si.sndbuf = c->sndbuf.cap;
		fn(ctx, &si, &c->up);
	}
}
