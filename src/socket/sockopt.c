/* sockopt.c - setsockopt / getsockopt / fcntl on ustack descriptors (POSIX.1-2017
 * <sys/socket.h> options; Linux behaviour for the details: SO_RCVTIMEO with a bad
 * tv_usec is EDOM, read-only options are ENOPROTOOPT, values are ints of at least
 * sizeof(int) bytes). What the socket does not keep itself goes to its protocol's
 * setopt/getopt (sock_tcp.c, sock_udp.c). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <linux/sockios.h>

#include "ustack/socket.h"
#include "core/stack.h"
#include "socket/socket.h"
#include "socket/sock_var.h"
#include "core/ip_addr.h"

static int set_timeo(uint64_t *out, const void *val, socklen_t len)
{
	struct timeval tv;

	if (len < (socklen_t)sizeof(tv))
		return EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return EDOM;
	if (tv.tv_sec < 0) {
		*out = 1;                       /* Linux: a negative timeout does not wait */
		return 0;
	}
	*out = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
	return 0;
}

/* SOL_SOCKET options: the socket keeps timeouts and flags itself; what the protocol
 * needs (buffer sizes, linger, keep-alive, reuse, broadcast) is passed on to it. */
static int sol_socket_set(struct ustack *st, struct usock *so, int name, const void *val,
			  socklen_t len)
{
	int v = 0;

	switch (name) {
	case SO_RCVTIMEO:
		return -set_timeo(&so->rcvtimeo, val, len);
	case SO_SNDTIMEO:
		return -set_timeo(&so->sndtimeo, val, len);
	case SO_ERROR:
	case SO_TYPE:
	case SO_ACCEPTCONN:
		return -ENOPROTOOPT;
	case SO_LINGER:
		return so->ops->setopt(st, so, SOL_SOCKET, name, val, len);
	case SO_REUSEADDR:
	case SO_REUSEPORT:
	case SO_BROADCAST:
	case SO_KEEPALIVE:
	case SO_RCVBUF:
	case SO_SNDBUF:
	case SO_RCVLOWAT:
		break;
	default:
		return -ENOPROTOOPT;
	}
	if (len < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if (name == SO_RCVLOWAT) {
		/* Linux: negative is INT_MAX, 0 is 1; streams honour it (recv, poll, select,
		 * epoll), datagram sockets keep it only to report it (as Linux's UDP) */
		so->rcvlowat = v < 0 ? INT_MAX : v ? v : 1;
		return 0;
	}
	if (name == SO_REUSEADDR)
		so->reuse = v != 0;
	else if (name == SO_REUSEPORT)
		so->reuseport = v != 0;
	else if (name == SO_BROADCAST)
		so->bcast = v != 0;
	else if (name == SO_KEEPALIVE)
		so->keepalive = v != 0;
	return so->ops->setopt(st, so, SOL_SOCKET, name, val, len);
}

/* The flag bit of an option that asks recvmsg for ancillary data, or 0. */
static unsigned want_bit(int level, int name)
{
	if (level == IPPROTO_IP)
		return name == IP_PKTINFO ? SOCK_WANT_PKTINFO : name == IP_RECVTTL ? SOCK_WANT_TTL :
		       name == IP_RECVTOS ? SOCK_WANT_TOS : 0;
	if (level == IPPROTO_IPV6)
		return name == IPV6_RECVPKTINFO ? SOCK_WANT_PKTINFO6 :
		       name == IPV6_RECVHOPLIMIT ? SOCK_WANT_HOPLIMIT6 : 0;
	return level == SOL_SOCKET && name == SO_TIMESTAMP ? SOCK_WANT_TIMESTAMP : 0;
}

/* IPPROTO_IP options (ip(7)): the socket keeps them; TTL and TOS are passed on to the
 * protocol for what it sends. An int, or (Linux) a single byte for IP_TOS/IP_TTL.
 * The multicast options are the protocol's own. */
static bool ip_mcast_opt(int name)
{
	return name == IP_MULTICAST_IF || name == IP_MULTICAST_TTL || name == IP_MULTICAST_LOOP ||
	       name == IP_ADD_MEMBERSHIP || name == IP_DROP_MEMBERSHIP || name == IP_MULTICAST_ALL;
}

static int ip_set(struct ustack *st, struct usock *so, int name, const void *val,
		  socklen_t len);

/* ipv6(7)'s multicast options, the protocol's own (IPV6_ADD_MEMBERSHIP and
 * IPV6_DROP_MEMBERSHIP are Linux's names of IPV6_JOIN_GROUP and IPV6_LEAVE_GROUP). */
static bool ip6_mcast_opt(int name)
{
	return name == IPV6_MULTICAST_IF || name == IPV6_MULTICAST_HOPS ||
	       name == IPV6_MULTICAST_LOOP || name == IPV6_JOIN_GROUP || name == IPV6_LEAVE_GROUP ||
	       name == IPV6_MULTICAST_ALL;
}

/* IPPROTO_IPV6 options (ipv6(7)) of an AF_INET6 socket: IPV6_V6ONLY (before bind),
 * IPV6_UNICAST_HOPS and IPV6_TCLASS (-1: the default), kept as IP_TTL / IP_TOS are
 * (they apply to the socket's IPv4-mapped traffic too, as on Linux). An int (a
 * struct ipv6_mreq for the memberships). The multicast options go to the protocol:
 * memberships on a stream are EPROTO, the others ENOPROTOOPT there, as on Linux. */
static int ip6_set(struct ustack *st, struct usock *so, int name, const void *val,
		   socklen_t len)
{
	int v;

	if (so->family != AF_INET6)
		return -ENOPROTOOPT;
	if (len < (socklen_t)sizeof(int))
		return -EINVAL;
	if ((name == IPV6_JOIN_GROUP || name == IPV6_LEAVE_GROUP) && so->type != SOCK_DGRAM)
		return len < (socklen_t)sizeof(struct ipv6_mreq) ? -EINVAL : -EPROTO;
	if (ip6_mcast_opt(name))
		return so->ops->setopt(st, so, IPPROTO_IPV6, name, val, len);
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case IPV6_V6ONLY: {
		struct ip_addr la, ra;
		uint16_t lp = 0, rp = 0;

		so->ops->addrs(so, &la, &lp, &ra, &rp);
		if (lp)
			return -EINVAL;         /* Linux: only before bind */
		so->v6only = v != 0;
		return 0;
	}
	case IPV6_UNICAST_HOPS:
		if (v < -1 || v > 255)
			return -EINVAL;
		if (v == 0)
			return -EINVAL;
		return ip_set(st, so, IP_TTL, &v, sizeof(v));
	case IPV6_TCLASS:
		if (v < -1 || v > 255)
			return -EINVAL;
		v = v < 0 ? 0 : v;
		return ip_set(st, so, IP_TOS, &v, sizeof(v));
	default:
		return -ENOPROTOOPT;
	}
}

static int ip6_get(struct ustack *st, struct usock *so, int name, void *val, socklen_t *len)
{
	int v;

	if (so->family != AF_INET6)
		return -ENOPROTOOPT;
	if (ip6_mcast_opt(name))
		return so->ops->getopt(st, so, IPPROTO_IPV6, name, val, len);
	switch (name) {
	case IPV6_V6ONLY:
		v = so->v6only;
		break;
	case IPV6_UNICAST_HOPS:
		v = so->ip_ttl < 0 ? st->cfg.default_ttl : so->ip_ttl;
		break;
	case IPV6_TCLASS:
		v = so->ip_tos;
		break;
	default:
		return -ENOPROTOOPT;
	}
	sock_put_val(val, len, &v, sizeof(v));
	return 0;
}

static int ip_set(struct ustack *st, struct usock *so, int name, const void *val,
		  socklen_t len)
{
	int v = 0;

	if ((name == IP_ADD_MEMBERSHIP || name == IP_DROP_MEMBERSHIP) && so->type != SOCK_DGRAM)
		return -EPROTO;                 /* as Linux: no groups on a stream */
	if (ip_mcast_opt(name))
		return so->ops->setopt(st, so, IPPROTO_IP, name, val, len);
	if (len >= (socklen_t)sizeof(int))
		memcpy(&v, val, sizeof(v));
	else if (len >= 1 && (name == IP_TTL || name == IP_TOS))
		v = *(const unsigned char *)val;
	else
		return -EINVAL;
	switch (name) {
	case IP_TTL:
		if (v == -1)
			v = -1;                 /* back to the default */
		else if (v < 1 || v > 255)
			return -EINVAL;
		so->ip_ttl = (int16_t)v;
		break;
	case IP_TOS:
		so->ip_tos = (uint8_t)(v & 0xfc);       /* the ECN bits are TCP's (RFC 3168) */
		break;
	default:
		return -ENOPROTOOPT;
	}
	return so->ops->setopt(st, so, IPPROTO_IP, name, val, len);
}

int ustack_setsockopt(struct ustack *st, int fd, int level, int name, const void *val,
		      socklen_t len)
{
	struct usock *so = sock_enter(st, fd);
	if (!so)
		return -1;
	if (!val && len)
		return sock_fail(st, EFAULT);
	if (!val)
		return sock_fail(st, EINVAL);
	unsigned bit = want_bit(level, name);
	int rc;
	if (bit && level == IPPROTO_IPV6 && so->family != AF_INET6)
		return sock_fail(st, ENOPROTOOPT);
	if (bit) {
		int v = 0;
		if (len < (socklen_t)sizeof(int) && !(len >= 1 && level == IPPROTO_IP))
			return sock_fail(st, EINVAL);
		if (len >= (socklen_t)sizeof(int))
			memcpy(&v, val, sizeof(v));
		else
			v = *(const unsigned char *)val;
		so->want = v ? so->want | bit : so->want & ~bit;
		rc = 0;
	} else if (level == SOL_SOCKET) {
		rc = sol_socket_set(st, so, name, val, len);
	} else if (level == IPPROTO_IP) {
		rc = ip_set(st, so, name, val, len);
	} else if (level == IPPROTO_IPV6) {
		rc = ip6_set(st, so, name, val, len);
	} else {
		rc = so->ops->setopt(st, so, level, name, val, len);
	}
	if (rc < 0)
		return sock_fail(st, -rc);
	stack_unlock(st);
	return 0;
}

static void put_timeo(void *val, socklen_t *len, uint64_t us)
{
	struct timeval tv = { .tv_sec = (time_t)(us / 1000000u),
			      .tv_usec = (suseconds_t)(us % 1000000u) };

	sock_put_val(val, len, &tv, sizeof(tv));
}

static int sol_socket_get(struct ustack *st, struct usock *so, int name, void *val,
			  socklen_t *len)
{
	int v;

	switch (name) {
	case SO_RCVTIMEO:
		put_timeo(val, len, so->rcvtimeo);
		return 0;
	case SO_SNDTIMEO:
		put_timeo(val, len, so->sndtimeo);
		return 0;
	case SO_TYPE:
		v = so->type;
		break;
	case SO_ERROR:
		v = so->ops->take_error(so);
		break;
	case SO_REUSEADDR:
		v = so->reuse;
		break;
	case SO_REUSEPORT:
		v = so->reuseport;
		break;
	case SO_BROADCAST:
		v = so->bcast;
		break;
	case SO_RCVLOWAT:
		v = so->rcvlowat ? so->rcvlowat : 1;
		break;
	case SO_ACCEPTCONN:
		v = so->ops->listening ? so->ops->listening(so) : 0;
		break;
	default:
		return so->ops->getopt(st, so, SOL_SOCKET, name, val, len);
	}
	sock_put_val(val, len, &v, sizeof(v));
	return 0;
}

int ustack_getsockopt(struct ustack *st, int fd, int level, int name, void *val, socklen_t *len)
{
	struct usock *so = sock_enter(st, fd);
	if (!so)
		return -1;
	if (!val || !len)
		return sock_fail(st, EFAULT);
	if ((int)*len < 0)
		return sock_fail(st, EINVAL);
	unsigned bit = want_bit(level, name);
	int rc = 0;
	if (bit) {
		int v = (so->want & bit) != 0;
		sock_put_val(val, len, &v, sizeof(v));
	} else if (level == IPPROTO_IP && name == IP_TTL) {
		int v = so->ip_ttl < 0 ? st->cfg.default_ttl : so->ip_ttl;
		sock_put_val(val, len, &v, sizeof(v));
	} else if (level == IPPROTO_IP && name == IP_TOS) {
		int v = so->ip_tos;
		sock_put_val(val, len, &v, sizeof(v));
	} else if (level == SOL_SOCKET) {
		rc = sol_socket_get(st, so, name, val, len);
	} else if (level == IPPROTO_IP) {
		rc = ip_mcast_opt(name) ? so->ops->getopt(st, so, level, name, val, len) :
		     -ENOPROTOOPT;
	} else if (level == IPPROTO_IPV6) {
		rc = ip6_get(st, so, name, val, len);
	} else {
		rc = so->ops->getopt(st, so, level, name, val, len);
	}
	if (rc < 0)
		return sock_fail(st, -rc);
	stack_unlock(st);
	return 0;
}

int ustack_fcntl(struct ustack *st, int fd, int cmd, int arg)
{
	struct usock *so = sock_enter_any(st, fd);
	if (!so)
		return -1;
	int rc = 0;
	switch (cmd) {
	case F_GETFL:
		rc = O_RDWR | (so->nonblock ? O_NONBLOCK : 0);
		break;
	case F_SETFL:
		so->nonblock = (arg & O_NONBLOCK) != 0;
		break;
	case F_GETFD:
	case F_SETFD:
		break;                          /* no exec here: FD_CLOEXEC means nothing */
	default:
		return sock_fail(st, EINVAL);
	}
	stack_unlock(st);
	return rc;
}

/* ioctl(2) requests on sockets (Linux's socket(7), tcp(7), udp(7)): FIONREAD / SIOCINQ
 * (bytes readable; a datagram socket: the size of the next datagram), SIOCOUTQ (bytes
 * not yet acknowledged or not yet sent), FIONBIO (non-blocking on/off), SIOCATMARK (no
 * urgent data here: 0). Anything else: ENOTTY. */
int ustack_ioctl(struct ustack *st, int fd, unsigned long req, void *arg)
{
	struct usock *so = sock_enter_any(st, fd);
	if (!so)
		return -1;
	if (!arg)
		return sock_fail(st, EFAULT);
	int v = 0;
	size_t inq = 0, outq = 0;
	switch (req) {
	case FIONBIO:
		memcpy(&v, arg, sizeof(v));
		so->nonblock = v != 0;
		stack_unlock(st);
		return 0;
	case FIONREAD:                          /* == SIOCINQ */
	case SIOCOUTQ:
		if (!so->ops)
			return sock_fail(st, ENOTTY);
		if (so->ops->listening && so->ops->listening(so))
			return sock_fail(st, EINVAL);    /* as Linux for a listener */
		so->ops->queues(so, &inq, &outq);
		{
			size_t q = req == FIONREAD ? inq : outq;
			v = q > INT_MAX ? INT_MAX : (int)q;
		}
		break;
	case SIOCATMARK:
		if (!so->ops)
			return sock_fail(st, ENOTTY);
		v = 0;
		break;
	default:
		return sock_fail(st, ENOTTY);
	}
	memcpy(arg, &v, sizeof(v));
	stack_unlock(st);
	return 0;
}
