/* sockopt.c - setsockopt / getsockopt / fcntl on ustack descriptors (POSIX.1-2017
 * <sys/socket.h> options; Linux behaviour for the details: SO_RCVTIMEO with a bad
 * tv_usec is EDOM, read-only options are ENOPROTOOPT, values are ints of at least
 * sizeof(int) bytes). TCP options and buffer sizes of TCP sockets go to tcp_setsockopt. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/time.h>

#include "ustack/socket.h"
#include "core/stack.h"
#include "net/udp.h"
#include "tcp/tcp.h"
#include "socket/socket.h"
#include "socket/sock_var.h"

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

static int sol_socket_set(struct ustack *st, struct usock *so, int name, const void *val,
			  socklen_t len)
{
	int v = 0;

	switch (name) {
	case SO_RCVTIMEO:
		return set_timeo(&so->rcvtimeo, val, len);
	case SO_SNDTIMEO:
		return set_timeo(&so->sndtimeo, val, len);
	case SO_ERROR:
	case SO_TYPE:
	case SO_ACCEPTCONN:
		return ENOPROTOOPT;
	case SO_LINGER:
		if (so->tcp) {
			int rc = tcp_setsockopt(st, so->tcp, SOL_SOCKET, name, val, len);
			return rc < 0 ? -rc : 0;
		}
		return len < (socklen_t)sizeof(struct linger) ? EINVAL : 0;
	default:
		break;
	}
	if (len < (socklen_t)sizeof(int))
		return EINVAL;
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case SO_REUSEADDR:
		so->reuse = v != 0;
		if (so->udp)
			udp_set_reuse(so->udp, v);
		return 0;
	case SO_BROADCAST:
		so->bcast = v != 0;
		if (so->udp)
			udp_set_broadcast(so->udp, v);
		return 0;
	case SO_KEEPALIVE:
		so->keepalive = v != 0;
		break;
	case SO_RCVBUF:
		if (so->udp) {
			udp_set_rcvbuf(so->udp, v < 0 ? 0 : (size_t)v);
			return 0;
		}
		break;
	case SO_SNDBUF:
		if (so->udp) {
			so->sndbuf = v < 1024 ? 1024 : v;
			return 0;
		}
		break;
	default:
		return ENOPROTOOPT;
	}
	if (so->tcp) {
		int rc = tcp_setsockopt(st, so->tcp, SOL_SOCKET, name, val, len);
		return rc < 0 ? -rc : 0;
	}
	return 0;
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
	int e;
	if (level == SOL_SOCKET) {
		e = sol_socket_set(st, so, name, val, len);
	} else if (level == IPPROTO_TCP && so->tcp) {
		int rc = tcp_setsockopt(st, so->tcp, level, name, val, len);
		e = rc < 0 ? -rc : 0;
	} else {
		e = ENOPROTOOPT;
	}
	if (e)
		return sock_fail(st, e);
	stack_unlock(st);
	return 0;
}

/* Copy an option value out, truncated to *len as the kernel does. */
static void put_val(void *val, socklen_t *len, const void *v, size_t n)
{
	size_t k = (size_t)*len < n ? (size_t)*len : n;

	memcpy(val, v, k);
	*len = (socklen_t)k;
}

static void put_timeo(void *val, socklen_t *len, uint64_t us)
{
	struct timeval tv = { .tv_sec = (time_t)(us / 1000000u),
			      .tv_usec = (suseconds_t)(us % 1000000u) };

	put_val(val, len, &tv, sizeof(tv));
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
		v = so->udp ? udp_take_error(so->udp) : tcp_take_error(so->tcp);
		if (so->tcp && (v || tcp_is_connected(so->tcp)))
			so->connecting = false;     /* a non-blocking connect has its answer */
		break;
	case SO_REUSEADDR:
		v = so->reuse;
		break;
	case SO_BROADCAST:
		v = so->bcast;
		break;
	case SO_ACCEPTCONN:
		v = so->tcp ? tcp_is_listening(so->tcp) : 0;
		break;
	case SO_KEEPALIVE:
	case SO_RCVBUF:
	case SO_SNDBUF:
	case SO_LINGER:
		if (so->tcp) {
			size_t n = *len;
			int rc = tcp_getsockopt(st, so->tcp, SOL_SOCKET, name, val, &n);
			if (rc < 0)
				return -rc;
			*len = (socklen_t)n;
			return 0;
		}
		if (name == SO_LINGER) {
			struct linger l = { 0, 0 };
			put_val(val, len, &l, sizeof(l));
			return 0;
		}
		v = name == SO_KEEPALIVE ? so->keepalive :
		    name == SO_RCVBUF ? (int)udp_rcvbuf(so->udp) : so->sndbuf;
		break;
	default:
		return ENOPROTOOPT;
	}
	put_val(val, len, &v, sizeof(v));
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
	int e;
	if (level == SOL_SOCKET) {
		e = sol_socket_get(st, so, name, val, len);
	} else if (level == IPPROTO_TCP && so->tcp) {
		size_t n = *len;
		int rc = tcp_getsockopt(st, so->tcp, level, name, val, &n);
		e = rc < 0 ? -rc : 0;
		if (!e)
			*len = (socklen_t)n;
	} else {
		e = ENOPROTOOPT;
	}
	if (e)
		return sock_fail(st, e);
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
