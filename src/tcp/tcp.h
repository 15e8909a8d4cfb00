/* tcp.h - what the rest of the stack sees of TCP (RFC 9293): the socket layer's calls
 * into a connection, and the input/ICMP entry points. Everything else is private to
 * src/tcp/ (tcp_var.h). All functions are called with st->lock held.
 *
 * Errors are returned as negative errno values (-EAGAIN, -ENOTCONN, ...). */
#ifndef USTACK_TCP_TCP_H
#define USTACK_TCP_TCP_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>

struct ustack;
struct pkt;
struct tcp_conn;
struct upcall;
struct ustack_sockinfo;
struct ip_addr;

int tcp_init(struct ustack *st);
void tcp_free(struct ustack *st);
/* A segment arrived (p->data at the TCP header; p->src/dst set). Consumes p. */
void tcp_input(struct ustack *st, struct pkt *p);
struct ip_err;
/* An ICMP error about one of our segments (net/proto.h). */
void tcp_icmp_error(struct ustack *st, const struct ip_err *e);

/* --- the socket layer's calls --- */
/* A new connection in CLOSED whose user is told of every change through up (copied;
 * NULL: none yet). See core/upcall.h. */
struct tcp_conn *tcp_conn_new(struct ustack *st, const struct upcall *up);
/* addr unspecified (0.0.0.0, ::) = any of its family; port 0 = an ephemeral port.
 * reuse: SO_REUSEADDR. -EADDRINUSE, -EADDRNOTAVAIL, -EINVAL. */
int tcp_bind(struct ustack *st, struct tcp_conn *c, const struct ip_addr *addr, uint16_t port,
	     bool reuse);
/* The address family c lives in before it is bound (IP_AF_INET by default; an AF_INET6
 * socket's: IP_AF_INET6) and IPV6_V6ONLY (:: then takes IPv6 only). Before bind. */
void tcp_set_family(struct tcp_conn *c, uint8_t family, bool v6only);
int tcp_listen(struct ustack *st, struct tcp_conn *c, int backlog);
/* Starts the handshake (binds an ephemeral port if needed). Returns 0 once the SYN is
 * on its way; completion is reported through the upcall and tcp_poll_events(). -EISCONN,
 * -EALREADY, -ENETUNREACH, -EADDRNOTAVAIL. */
int tcp_connect(struct ustack *st, struct tcp_conn *c, const struct ip_addr *addr,
		uint16_t port);
/* An established connection from the accept queue of listener c, or NULL. The caller
 * gives it a user with tcp_set_upcall(). */
struct tcp_conn *tcp_accept(struct ustack *st, struct tcp_conn *c);
/* The user of c from now on (up NULL: none; copied). */
void tcp_set_upcall(struct tcp_conn *c, const struct upcall *up);
/* Copies up to len bytes into the send buffer and lets output decide what to send.
 * Returns bytes taken, -EAGAIN when the buffer is full, -EPIPE after shutdown(SHUT_WR)
 * or a reset, -ENOTCONN before connection. flags: MSG_MORE may hold a partial segment. */
ssize_t tcp_send(struct ustack *st, struct tcp_conn *c, const void *buf, size_t len, int flags);
/* Copies up to len bytes out of the receive buffer (MSG_PEEK supported); 0 at end of
 * stream; -EAGAIN when empty; -ECONNRESET etc. after an error. Opens the window. */
ssize_t tcp_recv(struct ustack *st, struct tcp_conn *c, void *buf, size_t len, int flags);
int tcp_shutdown(struct ustack *st, struct tcp_conn *c, int how);
/* The user closed the socket: FIN (or RST with unread data or SO_LINGER 0). The
 * connection lives on without an owner until it is done; listeners abort their queues. */
void tcp_close(struct ustack *st, struct tcp_conn *c);
/* SO_LINGER with a positive time, as close(2) on Linux: the FIN goes out now (after
 * the queued data, as shutdown(SHUT_WR) would) and the result is how long close() may
 * wait for it to be acknowledged, in us. 0: close must not wait (no linger time, unread
 * data that the close will reset, or no connection to finish). */
uint64_t tcp_linger_start(struct ustack *st, struct tcp_conn *c);
/* Our FIN is not acknowledged yet: what a lingering close() waits for. */
bool tcp_fin_unacked(const struct tcp_conn *c);
/* SOL_SOCKET options SO_RCVBUF/SO_SNDBUF/SO_KEEPALIVE/SO_LINGER and IPPROTO_TCP ones. */
int tcp_setsockopt(struct ustack *st, struct tcp_conn *c, int level, int name, const void *val,
		   size_t len);
int tcp_getsockopt(struct ustack *st, struct tcp_conn *c, int level, int name, void *val,
		   size_t *len);
/* SO_REUSEPORT, before bind: listeners that all set it share a port, each new
 * connection going to one of them by a hash of the peer. */
void tcp_set_reuseport(struct tcp_conn *c, bool on);
/* IP_TTL (0: the stack default) and IP_TOS of what c sends (its children inherit them). */
void tcp_set_ip(struct tcp_conn *c, uint8_t ttl, uint8_t tos);
/* POLLIN / POLLOUT / POLLERR / POLLHUP as poll(2) would report them. */
unsigned tcp_poll_events(struct tcp_conn *c);
/* SO_ERROR: the pending error (positive errno), cleared by the read. */
int tcp_take_error(struct tcp_conn *c);
/* Local/remote addresses (either family), for getsockname/getpeername/netstat. */
void tcp_addrs(const struct tcp_conn *c, struct ip_addr *laddr, uint16_t *lport,
	       struct ip_addr *raddr, uint16_t *rport);
/* Bytes the user may read now (FIONREAD) and bytes sent but not acknowledged or not
 * yet sent (SIOCOUTQ). */
void tcp_queues(const struct tcp_conn *c, size_t *inq, size_t *outq);
bool tcp_is_listening(const struct tcp_conn *c);
/* The receive buffer's size (SO_RCVBUF) */
size_t tcp_rcvbuf_cap(const struct tcp_conn *c);
bool tcp_is_connected(const struct tcp_conn *c);   /* ESTABLISHED or later (can send/recv) */
const char *tcp_state_name(const struct tcp_conn *c);   /* netstat's: "ESTABLISHED", "SYN_SENT", ... */
/* Calls fn for every connection (with or without a user), for netstat; up is the
 * connection's upcall (fn NULL: no user), so the caller can tell whose it is. si->fd is
 * -1: TCP knows no descriptors. */
void tcp_foreach(struct ustack *st, void (*fn)(void *ctx, const struct ustack_sockinfo *si,
					       const struct upcall *up), void *ctx);

#endif
