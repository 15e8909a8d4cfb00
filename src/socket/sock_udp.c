/* sock_udp.c - the socket operations of SOCK_DGRAM sockets: UDP through the pcbs of
 * src/net/udp.h (RFC 768, RFC 1122 4.1.3), Linux's behaviour where POSIX leaves a
 * choice (connect with AF_UNSPEC dissolves the association, an empty queue takes any one
 * datagram). Errors are negative errno values. */
#include <errno.h>
#include <string.h>

#include "ustack/socket.h"
#include "core/stack.h"
#include "core/upcall.h"
#include "core/iface.h"
#include "core/ip_class.h"
#include "net/inet.h"
#include "net/udp.h"
#include "socket/socket.h"
#include "socket/sock_var.h"

static int udp_attach(struct ustack *st, struct usock *so)
{
	so->udp = udp_pcb_new(st, &(struct upcall){ sock_upcall, so });
	so->sndbuf = (int)UDP_DEFAULT_RCVBUF;   /* reported only: a datagram never waits */
	if (so->udp)
		udp_set_family(so->udp, so->family == AF_INET6 ? IP_AF_INET6 : IP_AF_INET,
			       so->v6only);
	return so->udp ? 0 : -ENOMEM;
}

static bool udp_detach(struct ustack *st, struct usock *so)
{
	udp_pcb_free(st, so->udp);
	so->udp = NULL;
	return true;
}

static int udp_op_bind(struct ustack *st, struct usock *so, const struct ip_addr *a,
		       uint16_t port)
{
	udp_set_reuse(so->udp, so->reuse);
	udp_set_family(so->udp, so->family == AF_INET6 ? IP_AF_INET6 : IP_AF_INET, so->v6only);
	return udp_bind(st, so->udp, a, port);
}

/* RFC 1122 4.1.3.4 does not forbid it; AF_UNSPEC dissolves the association. */
static int udp_op_connect(struct ustack *st, struct usock *so, const struct ip_addr *a,
			  uint16_t port, bool unspec)
{
	udp_set_family(so->udp, so->family == AF_INET6 ? IP_AF_INET6 : IP_AF_INET, so->v6only);
	return udp_connect(st, so->udp, unspec ? NULL : a, unspec ? 0 : port);
}

static ssize_t udp_op_send(struct ustack *st, struct usock *so, const void *buf, size_t len,
			   int flags, const struct sockaddr *to, socklen_t tolen)
{
	struct ip_addr a = ip_addr_from_v4(0);
	uint16_t port = 0;
	uint32_t scope = 0;

	(void)flags;                    /* a datagram goes whole or not at all: never blocks */
	if (to) {
		int e = sock_get_addr(so, to, tolen, &a, &port, NULL, &scope);
		if (e)
			return -e;
		if (port == 0)
			return -EINVAL;
		e = sock_check_scope(st, so, &a, scope);
		if (e)
			return -e;
	}
	udp_set_broadcast(so->udp, so->bcast);
	int scope_if = to && scope ? (int)scope - 1 : -1;
	if (!so->tx && scope_if < 0)
		return udp_sendto(st, so->udp, buf, len, to ? &a : NULL, port);
	/* IP_PKTINFO: ipi_spec_dst is the source; else the interface's address. As Linux:
	 * a source that is not this host's is EINVAL, an unknown interface ENODEV. */
	struct udp_tx tx = { .ttl = -1, .tos = -1, .ifindex = scope_if };
	if (so->tx) {
		tx.src = so->tx->src;
		tx.ttl = so->tx->ttl;
		tx.tos = so->tx->tos;
	}
	if (so->tx && so->tx->ifindex) {
		struct iface *ifp = iface_get(st, so->tx->ifindex - 1);
		if (!ifp)
			return -ENODEV;
		tx.ifindex = so->tx->ifindex - 1;
		if (!tx.src.family && (!to || a.family == IP_AF_INET))
			tx.src = ip_addr_from_v4(ifp->addr);
	}
	if (tx.src.family && !ip_addr_is_unspecified(&tx.src) &&
	    !(tx.src.family == IP_AF_INET ? iface_by_addr(st, ip_addr_v4(&tx.src)) != NULL :
					    inet_is_local(st, &tx.src)))
		return -EINVAL;
	if (tx.src.family && ip_addr_is_unspecified(&tx.src))
		tx.src.family = IP_AF_NONE;
	return udp_sendto_tx(st, so->udp, buf, len, to ? &a : NULL, port, &tx);
}

static ssize_t udp_op_recv(struct ustack *st, struct usock *so, void *buf, size_t len,
			   int flags, struct sockaddr *from, socklen_t *fromlen, struct sock_rx *rx)
{
	uint64_t deadline = sock_deadline(st, so->rcvtimeo);

	for (;;) {
		struct ip_addr src = ip_addr_from_v4(0);
		uint16_t sport = 0;
		struct udp_rx_info info;
		long n = udp_recvfrom(st, so->udp, buf, len, flags, &src, &sport, &info);
		if (n >= 0) {
			sock_put_addr(so, from, fromlen, &src, sport);
			if (rx)
				*rx = (struct sock_rx){ .have = true, .dst = info.dst,
							.ifindex = info.ifindex, .ttl = info.ttl,
							.tos = info.tos, .time = info.rx_time };
			return n;
		}
		if (n != -EAGAIN)
			return n;
		if (so->shut_rd)
			return 0;
		if (sock_would_block(so, flags))
			return -EAGAIN;
		int rc = sock_wait(st, so, deadline, POLLIN);
		if (rc == -ETIMEDOUT)
			return -EAGAIN;
		if (rc < 0)
			return rc;
	}
}

static int udp_op_shutdown(struct ustack *st, struct usock *so, int how)
{
	(void)st;
	(void)how;
	return udp_is_connected(so->udp) ? 0 : -ENOTCONN;
}

static unsigned udp_op_events(struct usock *so)
{
	unsigned ev = udp_poll_events(so->udp);

	if (so->shut_rd)
		ev |= POLLIN;                   /* a read returns 0 at once */
	return ev;
}

/* ip(7) multicast options. IP_MULTICAST_TTL/LOOP: an int or (Linux) one byte.
 * IP_MULTICAST_IF: struct in_addr, ip_mreq or ip_mreqn. Memberships: ip_mreq or
 * ip_mreqn (told apart by length). */
static int udp_mcast_setopt(struct ustack *st, struct usock *so, int name, const void *val,
			    socklen_t len)
{
	int v = 0;

	switch (name) {
	case IP_MULTICAST_TTL:
	case IP_MULTICAST_LOOP:
	case IP_MULTICAST_ALL:
		if (len >= (socklen_t)sizeof(int))
			memcpy(&v, val, sizeof(v));
		else if (len >= 1)
			v = *(const unsigned char *)val;
		else
			return -EINVAL;
		if (name == IP_MULTICAST_LOOP) {
			udp_set_mcast_loop(so->udp, v);
			return 0;
		}
		if (name == IP_MULTICAST_ALL) {
			if (v != 0 && v != 1)
				return -EINVAL;         /* Linux: 0 or 1 */
			udp_set_mcast_all(so->udp, IP_AF_INET, v);
			return 0;
		}
		if (v == -1)
			v = 1;
		if (v < 0 || v > 255)
			return -EINVAL;
		udp_set_mcast_ttl(so->udp, (uint8_t)v);
		return 0;
	case IP_MULTICAST_IF: {
		struct ip_mreqn m = { 0 };
		if (len >= (socklen_t)sizeof(struct ip_mreqn))
			memcpy(&m, val, sizeof(m));
		else if (len >= (socklen_t)sizeof(struct ip_mreq))
			memcpy(&m.imr_address, (const char *)val + sizeof(struct in_addr),
			       sizeof(struct in_addr));
		else if (len >= (socklen_t)sizeof(struct in_addr))
			memcpy(&m.imr_address, val, sizeof(struct in_addr));
		else
			return -EINVAL;
		return udp_set_mcast_if(st, so->udp, ntohl(m.imr_address.s_addr), m.imr_ifindex);
	}
	case IP_ADD_MEMBERSHIP:
	case IP_DROP_MEMBERSHIP: {
		struct ip_mreqn m = { 0 };
		if (len >= (socklen_t)sizeof(struct ip_mreqn))
			memcpy(&m, val, sizeof(m));
		else if (len >= (socklen_t)sizeof(struct ip_mreq))
			memcpy(&m, val, sizeof(struct ip_mreq));  /* multiaddr, interface */
		else
			return -EINVAL;
		uint32_t group = ntohl(m.imr_multiaddr.s_addr), ifaddr = ntohl(m.imr_address.s_addr);
		return name == IP_ADD_MEMBERSHIP ? udp_join(st, so->udp, group, ifaddr, m.imr_ifindex) :
		       udp_leave(st, so->udp, group, ifaddr, m.imr_ifindex);
	}
	default:
		return -ENOPROTOOPT;
	}
}

static int udp_mcast_getopt(struct usock *so, int name, void *val, socklen_t *len)
{
	uint8_t ttl;
	bool loop;
	uint32_t ifaddr;
	int v;

	udp_mcast_opts(so->udp, &ttl, &loop, &ifaddr);
	switch (name) {
	case IP_MULTICAST_TTL:
		v = ttl;
		break;
	case IP_MULTICAST_LOOP:
		v = loop;
		break;
	case IP_MULTICAST_ALL:
		v = udp_mcast_all(so->udp, IP_AF_INET);
		break;
	case IP_MULTICAST_IF: {
		struct in_addr a = { htonl(ifaddr) };
		sock_put_val(val, len, &a, sizeof(a));
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
	sock_put_val(val, len, &v, sizeof(v));
	return 0;
}

/* ipv6(7) multicast options (an int; interfaces by ustack's index + 1, as sin6_scope_id
 * and ipi6_ifindex, 0: none). IPV6_MULTICAST_HOPS -1 is the default (1), else 0..255;
 * IPV6_MULTICAST_LOOP 0 or 1; memberships a struct ipv6_mreq. */
static int udp_mcast6_setopt(struct ustack *st, struct usock *so, int name, const void *val,
			     socklen_t len)
{
	int v;

	if (name == IPV6_JOIN_GROUP || name == IPV6_LEAVE_GROUP) {
		struct ipv6_mreq m;

		if (len < (socklen_t)sizeof(m))
			return -EINVAL;
		memcpy(&m, val, sizeof(m));
		if (m.ipv6mr_interface > (unsigned)INT32_MAX)
			return name == IPV6_JOIN_GROUP ? -ENODEV : -EADDRNOTAVAIL;
		int idx = (int)m.ipv6mr_interface - 1;
		return name == IPV6_JOIN_GROUP ? udp_join6(st, so->udp, m.ipv6mr_multiaddr.s6_addr, idx) :
		       udp_leave6(st, so->udp, m.ipv6mr_multiaddr.s6_addr, idx);
	}
	if (len < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case IPV6_MULTICAST_HOPS:
		if (v < -1 || v > 255)
			return -EINVAL;
		udp_set_mcast6_hops(so->udp, v == -1 ? 1 : (uint8_t)v);
		return 0;
	case IPV6_MULTICAST_LOOP:
	case IPV6_MULTICAST_ALL:
		if (v != 0 && v != 1)
			return -EINVAL;                 /* Linux: a boolean, nothing else */
		if (name == IPV6_MULTICAST_ALL)
			udp_set_mcast_all(so->udp, IP_AF_INET6, v);
		else
			udp_set_mcast6_loop(so->udp, v);
		return 0;
	case IPV6_MULTICAST_IF:
		if (v < 0)
			return -ENODEV;
		return udp_set_mcast6_if(st, so->udp, v - 1);
	default:
		return -ENOPROTOOPT;
	}
}

static int udp_mcast6_getopt(struct usock *so, int name, void *val, socklen_t *len)
{
	uint8_t hops;
	bool loop;
	int ifindex, v;

	udp_mcast6_opts(so->udp, &hops, &loop, &ifindex);
	switch (name) {
	case IPV6_MULTICAST_HOPS:
		v = hops;
		break;
	case IPV6_MULTICAST_LOOP:
		v = loop;
		break;
	case IPV6_MULTICAST_IF:
		v = ifindex + 1;
		break;
	case IPV6_MULTICAST_ALL:
		v = udp_mcast_all(so->udp, IP_AF_INET6);
		break;
	default:
		return -ENOPROTOOPT;            /* the memberships are set-only */
	}
	sock_put_val(val, len, &v, sizeof(v));
	return 0;
}

static int udp_op_setopt(struct ustack *st, struct usock *so, int level, int name,
			 const void *val, socklen_t len)
{
	int v = 0;

	if (level == IPPROTO_IP && (name == IP_TTL || name == IP_TOS)) {
		udp_set_ip(so->udp, so->ip_ttl < 0 ? 0 : (uint8_t)so->ip_ttl, so->ip_tos);
		return 0;
	}
	if (level == IPPROTO_IP)
		return udp_mcast_setopt(st, so, name, val, len);
	if (level == IPPROTO_IPV6)
		return udp_mcast6_setopt(st, so, name, val, len);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	if (name == SO_LINGER)
		return len < (socklen_t)sizeof(struct linger) ? -EINVAL : 0;
	memcpy(&v, val, sizeof(v));             /* the caller checked len >= sizeof(int) */
	switch (name) {
	case SO_REUSEADDR:
		udp_set_reuse(so->udp, v);
		return 0;
	case SO_REUSEPORT:
		udp_set_reuseport(so->udp, v);
		return 0;
	case SO_BROADCAST:
		udp_set_broadcast(so->udp, v);
		return 0;
	case SO_RCVBUF:
		udp_set_rcvbuf(so->udp, v < 0 ? 0 : (size_t)v);
		return 0;
	case SO_SNDBUF:
		so->sndbuf = v < 1024 ? 1024 : v;
		return 0;
	case SO_KEEPALIVE:
		return 0;                       /* kept by the socket, meaningless here */
	default:
		return -ENOPROTOOPT;
	}
}

static int udp_op_getopt(struct ustack *st, struct usock *so, int level, int name, void *val,
			 socklen_t *len)
{
	int v;

	(void)st;
	if (level == IPPROTO_IP)
		return udp_mcast_getopt(so, name, val, len);
	if (level == IPPROTO_IPV6)
		return udp_mcast6_getopt(so, name, val, len);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	switch (name) {
	case SO_LINGER: {
		struct linger l = { 0, 0 };
		sock_put_val(val, len, &l, sizeof(l));
		return 0;
	}
	case SO_KEEPALIVE:
		v = so->keepalive;
		break;
	case SO_RCVBUF:
		v = (int)udp_rcvbuf(so->udp);
		break;
	case SO_SNDBUF:
		v = so->sndbuf;
		break;
	default:
		return -ENOPROTOOPT;
	}
	sock_put_val(val, len, &v, sizeof(v));
	return 0;
}

static void udp_op_addrs(const struct usock *so, struct ip_addr *la, uint16_t *lp,
			 struct ip_addr *ra, uint16_t *rp)
{
	udp_addrs(so->udp, la, lp, ra, rp);
}

static bool udp_op_connected(const struct usock *so)
{
	return udp_is_connected(so->udp);
}

static int udp_op_take_error(struct usock *so)
{
	return udp_take_error(so->udp);
}

static void udp_op_queues(const struct usock *so, size_t *inq, size_t *outq)
{
	*inq = udp_next_len(so->udp);
	*outq = 0;                      /* a datagram leaves at once or not at all */
}

const struct sock_ops sock_udp_ops = {
	.attach = udp_attach,
	.detach = udp_detach,
	.bind = udp_op_bind,
	.connect = udp_op_connect,
	.send = udp_op_send,
	.recv = udp_op_recv,
	.shutdown = udp_op_shutdown,
	.events = udp_op_events,
	.setopt = udp_op_setopt,
	.getopt = udp_op_getopt,
	.addrs = udp_op_addrs,
	.connected = udp_op_connected,
	.take_error = udp_op_take_error,
	.queues = udp_op_queues,
};
