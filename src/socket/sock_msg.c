/* sock_msg.c - the rest of the data calls a porter needs, built on send/recv:
 * read/write, readv/writev, sendmsg/recvmsg (msg_flags with MSG_TRUNC / MSG_CTRUNC;
 * ancillary data IP_PKTINFO, IP_TTL, IP_TOS, SCM_TIMESTAMP on datagram sockets that asked
 * for them; on send, IP_PKTINFO, IP_TTL and IP_TOS for one datagram), sendmmsg/recvmmsg (POSIX.1-2017 and Linux's recvmmsg(2) / sendmmsg(2)).
 *
 * A stream socket scatters and gathers in place, one buffer after another: the first
 * waits as the socket says, the rest take what is there (a partial count is a success,
 * as readv(2) returns). A datagram is one message: it is gathered into one buffer
 * (writev/sendmsg) or received into one and scattered (readv/recvmsg). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/time.h>

#include "ustack/socket.h"
#include "socket/sock_var.h"

#define MSG_IOV_MAX 1024               /* IOV_MAX on Linux */
#define DGRAM_MAX 65536

static int sock_type(struct ustack *st, int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (ustack_getsockopt(st, fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -1;
	return type;
}

/* Total length of an iovec array, or -1 with errno EINVAL (too many, or over SSIZE_MAX)
 * / EFAULT (a NULL base with a length). */
static ssize_t iov_total(const struct iovec *iov, size_t cnt)
{
	size_t total = 0;

	if (cnt > MSG_IOV_MAX || (!iov && cnt)) {
		errno = cnt > MSG_IOV_MAX ? EINVAL : EFAULT;
		return -1;
	}
	for (size_t i = 0; i < cnt; i++) {
		if (!iov[i].iov_base && iov[i].iov_len) {
			errno = EFAULT;
			return -1;
		}
		if (iov[i].iov_len > (size_t)SSIZE_MAX - total) {
			errno = EINVAL;
			return -1;
		}
		total += iov[i].iov_len;
	}
	return (ssize_t)total;
}

ssize_t ustack_read(struct ustack *st, int fd, void *buf, size_t len)
{
	return ustack_recvfrom(st, fd, buf, len, 0, NULL, NULL);
}

ssize_t ustack_write(struct ustack *st, int fd, const void *buf, size_t len)
{
	return ustack_sendto(st, fd, buf, len, MSG_NOSIGNAL, NULL, 0);
}

/* One message out: gathered for a datagram, buffer by buffer for a stream. */
static ssize_t send_iov(struct ustack *st, int fd, const struct iovec *iov, size_t cnt,
			int flags, const struct sockaddr *to, socklen_t tolen,
			const struct sock_tx *tx)
{
	ssize_t total = iov_total(iov, cnt);
	int type = sock_type(st, fd);

	if (total < 0 || type < 0)
		return -1;
	if (type == SOCK_DGRAM) {
		if (total > DGRAM_MAX) {
			errno = EMSGSIZE;
			return -1;
		}
		uint8_t *b = malloc(total ? (size_t)total : 1);
		if (!b) {
			errno = ENOBUFS;
			return -1;
		}
		size_t off = 0;
		for (size_t i = 0; i < cnt; i++) {
			if (iov[i].iov_len)
				memcpy(b + off, iov[i].iov_base, iov[i].iov_len);
			off += iov[i].iov_len;
		}
		ssize_t n = sock_send_tx(st, fd, b, off, flags, to, tolen, tx);
		int e = errno;
		free(b);
		errno = e;
		return n;
	}
	size_t done = 0;
	for (size_t i = 0; i < cnt; i++) {
		if (!iov[i].iov_len)
			continue;
		/* all but the last buffer with MSG_MORE: TCP packs them into full segments */
		int more = i + 1 < cnt ? MSG_MORE : 0;
		ssize_t n = ustack_sendto(st, fd, iov[i].iov_base, iov[i].iov_len, flags | more,
					  NULL, 0);
		if (n < 0)
			return done ? (ssize_t)done : -1;
		done += (size_t)n;
		if ((size_t)n < iov[i].iov_len)
			break;                  /* a partial write: report it */
	}
	if (done == 0 && total == 0)
		return ustack_sendto(st, fd, NULL, 0, flags, NULL, 0);
	return (ssize_t)done;
}

/* One message in. *mflags gets MSG_TRUNC when a datagram did not fit; rx and want (may
 * be NULL) what IP knew of the datagram and which ancillary data the socket wants. */
static ssize_t recv_iov(struct ustack *st, int fd, const struct iovec *iov, size_t cnt,
			int flags, struct sockaddr *from, socklen_t *fromlen, int *mflags,
			struct sock_rx *rx, unsigned *want)
{
	ssize_t total = iov_total(iov, cnt);
	int type = sock_type(st, fd);

	*mflags = 0;
	if (total < 0 || type < 0)
		return -1;
	if (type == SOCK_DGRAM) {
		size_t cap = (size_t)total < DGRAM_MAX ? (size_t)total : DGRAM_MAX;
		uint8_t *b = malloc(cap ? cap : 1);
		if (!b) {
			errno = ENOBUFS;
			return -1;
		}
		ssize_t n = sock_recv_rx(st, fd, b, cap, flags | MSG_TRUNC, from, fromlen, rx, want);
		int e = errno;
		if (n >= 0) {
			size_t got = (size_t)n < cap ? (size_t)n : cap, off = 0;
			for (size_t i = 0; i < cnt && off < got; i++) {
				size_t k = iov[i].iov_len < got - off ? iov[i].iov_len : got - off;
				memcpy(iov[i].iov_base, b + off, k);
				off += k;
			}
			if ((size_t)n > cap)
				*mflags |= MSG_TRUNC;
			if (!(flags & MSG_TRUNC))
				n = (ssize_t)got;
		}
		free(b);
		errno = e;
		return n;
	}
	size_t done = 0;
	if (fromlen)
		*fromlen = 0;
	for (size_t i = 0; i < cnt; i++) {
		if (!iov[i].iov_len)
			continue;
		/* the first buffer waits as the socket says; later ones take what is there */
		int f = done && !(flags & MSG_WAITALL) ? flags | MSG_DONTWAIT : flags;
		ssize_t n = ustack_recvfrom(st, fd, iov[i].iov_base, iov[i].iov_len, f, NULL, NULL);
		if (n < 0)
			return done ? (ssize_t)done : -1;
		done += (size_t)n;
		if ((size_t)n < iov[i].iov_len)
			break;                  /* nothing more now, or the end of the stream */
	}
	if (total == 0)
		return ustack_recvfrom(st, fd, NULL, 0, flags, NULL, NULL);
	return (ssize_t)done;
}

ssize_t ustack_readv(struct ustack *st, int fd, const struct iovec *iov, int iovcnt)
{
	int mflags;

	if (iovcnt < 0) {
		errno = EINVAL;
		return -1;
	}
	return recv_iov(st, fd, iov, (size_t)iovcnt, 0, NULL, NULL, &mflags, NULL, NULL);
}

ssize_t ustack_writev(struct ustack *st, int fd, const struct iovec *iov, int iovcnt)
{
	if (iovcnt < 0) {
		errno = EINVAL;
		return -1;
	}
	return send_iov(st, fd, iov, (size_t)iovcnt, MSG_NOSIGNAL, NULL, 0, NULL);
}

/* An int, or (IP_TOS, as Linux) one byte, as the data of cmsg c: 0 or -1. */
static int cmsg_int(const struct cmsghdr *c, bool byte_ok, int *v)
{
	if (c->cmsg_len == CMSG_LEN(sizeof(int))) {
		memcpy(v, CMSG_DATA(c), sizeof(int));
		return 0;
	}
	if (byte_ok && c->cmsg_len == CMSG_LEN(1)) {
		*v = *(const unsigned char *)CMSG_DATA(c);
		return 0;
	}
	return -1;
}

/* sendmsg's ancillary data for a datagram (Linux's ip_cmsg_send): IP_PKTINFO, IP_TTL
 * (1..255), IP_TOS (0..255); another IPPROTO_IP or SOL_SOCKET type, or a malformed one,
 * is EINVAL; other levels are ignored. 0 with *tx, *have set, or -1 with errno. */
static int parse_tx(const struct msghdr *msg, struct sock_tx *tx, bool *have)
{
	*have = false;
	tx->src = (struct ip_addr){ .family = IP_AF_NONE };
	tx->ifindex = 0;
	tx->ttl = tx->tos = -1;
	if (!msg->msg_control || msg->msg_controllen == 0)
		return 0;
	if (msg->msg_controllen < sizeof(struct cmsghdr)) {
		errno = EINVAL;
		return -1;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)msg); c;
	     c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
		if (c->cmsg_len < sizeof(*c) ||
		    c->cmsg_len > msg->msg_controllen - (size_t)((char *)c - (char *)msg->msg_control))
			goto bad;
		if (c->cmsg_level == SOL_SOCKET)
			goto bad;           /* SCM_RIGHTS and friends mean nothing here */
		int v;
		if (c->cmsg_level == IPPROTO_IPV6) {
			switch (c->cmsg_type) {
			case IPV6_PKTINFO: {      /* the source (:: : the stack's), the interface */
				struct in6_pktinfo pi;
				if (c->cmsg_len != CMSG_LEN(sizeof(pi)))
					goto bad;
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				tx->ifindex = (int)pi.ipi6_ifindex;
				if (IN6_IS_ADDR_V4MAPPED(&pi.ipi6_addr))
					tx->src = ip_addr_from_v4(ntohl(pi.ipi6_addr.s6_addr32[3]));
				else if (!IN6_IS_ADDR_UNSPECIFIED(&pi.ipi6_addr))
					tx->src = ip_addr_from_v6(pi.ipi6_addr.s6_addr);
				break;
			}
			case IPV6_HOPLIMIT:       /* -1: the default */
				if (cmsg_int(c, false, &v) || v < -1 || v > 255)
					goto bad;
				if (v >= 0)
					tx->ttl = v;
				break;
			case IPV6_TCLASS:
				if (cmsg_int(c, false, &v) || v < -1 || v > 255)
					goto bad;
				if (v >= 0)
					tx->tos = v;
				break;
			default:
				goto bad;
			}
			*have = true;
			continue;
		}
		if (c->cmsg_level != IPPROTO_IP)
			continue;
		switch (c->cmsg_type) {
		case IP_PKTINFO: {
			struct in_pktinfo pi;
			if (c->cmsg_len != CMSG_LEN(sizeof(pi)))
				goto bad;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			if (pi.ipi_ifindex < 0)
				goto bad;
			tx->ifindex = pi.ipi_ifindex;
			if (pi.ipi_spec_dst.s_addr)
				tx->src = ip_addr_from_v4(ntohl(pi.ipi_spec_dst.s_addr));
			break;
		}
		case IP_TTL:
			if (cmsg_int(c, false, &v) || v < 1 || v > 255)
				goto bad;
			tx->ttl = v;
			break;
		case IP_TOS:
			if (cmsg_int(c, true, &v) || v < 0 || v > 255)
				goto bad;
			tx->tos = v;
			break;
		default:
			goto bad;
		}
		*have = true;
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

ssize_t ustack_sendmsg(struct ustack *st, int fd, const struct msghdr *msg, int flags)
{
	if (!msg) {
		errno = EFAULT;
		return -1;
	}
	struct sock_tx tx;
	bool have = false;
	/* a stream ignores them, as Linux's TCP */
	if (sock_type(st, fd) == SOCK_DGRAM && parse_tx(msg, &tx, &have) < 0)
		return -1;
	return send_iov(st, fd, msg->msg_iov, msg->msg_iovlen, flags,
			msg->msg_name, msg->msg_name ? msg->msg_namelen : 0, have ? &tx : NULL);
}

/* Ancillary data out, as the kernel writes it: whole cmsgs while they fit, MSG_CTRUNC
 * when one does not. */
struct cmsg_out {
	struct msghdr *msg;
	size_t used;
	int *mflags;
};

static void cmsg_add(struct cmsg_out *o, int level, int type, const void *data, size_t len)
{
	size_t cap = o->msg->msg_control ? o->msg->msg_controllen : 0;

	if (o->used + CMSG_LEN(len) > cap) {
		*o->mflags |= MSG_CTRUNC;
		return;
	}
	struct cmsghdr *c = (struct cmsghdr *)((char *)o->msg->msg_control + o->used);
	memset(c, 0, CMSG_LEN(len));
	c->cmsg_len = CMSG_LEN(len);
	c->cmsg_level = level;
	c->cmsg_type = type;
	memcpy(CMSG_DATA(c), data, len);
	o->used += CMSG_SPACE(len) < cap - o->used ? CMSG_SPACE(len) : cap - o->used;
}

/* IP_PKTINFO (ipi_ifindex is ustack's interface index + 1: 0 means none, as on Linux),
 * IP_TTL, IP_TOS (one byte, as Linux), SCM_TIMESTAMP (the stack's clock: CLOCK_MONOTONIC
 * under the runner, the virtual clock in a simulation). */
static void put_cmsgs(struct msghdr *msg, const struct sock_rx *rx, unsigned want,
		      int *mflags)
{
	struct cmsg_out o = { .msg = msg, .mflags = mflags };

	if (rx->have && (want & SOCK_WANT_PKTINFO)) {
		struct in_pktinfo pi = { .ipi_ifindex = rx->ifindex + 1 };
		uint32_t d = rx->dst.family == IP_AF_INET ? ip_addr_v4(&rx->dst) : 0;
		pi.ipi_addr.s_addr = htonl(d);
		pi.ipi_spec_dst.s_addr = htonl(d);
		cmsg_add(&o, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	}
	if (rx->have && (want & SOCK_WANT_TTL)) {
		int ttl = rx->ttl;
		cmsg_add(&o, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	}
	if (rx->have && (want & SOCK_WANT_TOS))
		cmsg_add(&o, IPPROTO_IP, IP_TOS, &rx->tos, 1);
	if (rx->have && (want & SOCK_WANT_PKTINFO6)) {
		/* ipi6_ifindex as IP_PKTINFO's: ustack's index + 1; an IPv4 datagram's
		 * destination as ::ffff:a.b.c.d */
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)(rx->ifindex + 1) };
		struct ip_addr d = rx->dst.family == IP_AF_INET ? ip_addr_v4_mapped(ip_addr_v4(&rx->dst))
								: rx->dst;
		memcpy(&pi.ipi6_addr, d.b, 16);
		cmsg_add(&o, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	}
	if (rx->have && (want & SOCK_WANT_HOPLIMIT6)) {
		int hl = rx->ttl;
		cmsg_add(&o, IPPROTO_IPV6, IPV6_HOPLIMIT, &hl, sizeof(hl));
	}
	if (rx->have && (want & SOCK_WANT_TIMESTAMP)) {
		struct timeval tv = { .tv_sec = (time_t)(rx->time / 1000000u),
				      .tv_usec = (suseconds_t)(rx->time % 1000000u) };
		cmsg_add(&o, SOL_SOCKET, SCM_TIMESTAMP, &tv, sizeof(tv));
	}
	msg->msg_controllen = o.used;
}

ssize_t ustack_recvmsg(struct ustack *st, int fd, struct msghdr *msg, int flags)
{
	int mflags;
	struct sock_rx rx = { .have = false };
	unsigned want = 0;

	if (!msg) {
		errno = EFAULT;
		return -1;
	}
	socklen_t namelen = msg->msg_name ? msg->msg_namelen : 0;
	ssize_t n = recv_iov(st, fd, msg->msg_iov, msg->msg_iovlen, flags,
			     msg->msg_name, msg->msg_name ? &namelen : NULL, &mflags, &rx, &want);
	if (n < 0)
		return -1;
	if (msg->msg_name)
		msg->msg_namelen = namelen;
	put_cmsgs(msg, &rx, want, &mflags);
	msg->msg_flags = mflags;
	return n;
}

int ustack_sendmmsg(struct ustack *st, int fd, struct mmsghdr *vec, unsigned vlen, int flags)
{
	unsigned i;

	if (!vec && vlen) {
		errno = EFAULT;
		return -1;
	}
	if (vlen > MSG_IOV_MAX)
		vlen = MSG_IOV_MAX;             /* as Linux: UIO_MAXIOV at most */
	for (i = 0; i < vlen; i++) {
		ssize_t n = ustack_sendmsg(st, fd, &vec[i].msg_hdr, flags);
		if (n < 0)
			return i ? (int)i : -1;
		vec[i].msg_len = (unsigned)n;
	}
	return (int)i;
}

int ustack_recvmmsg(struct ustack *st, int fd, struct mmsghdr *vec, unsigned vlen, int flags,
		    struct timespec *timeout)
{
	unsigned i;

	(void)timeout;                  /* Linux checks it only between datagrams, too */
	if (!vec && vlen) {
		errno = EFAULT;
		return -1;
	}
	if (vlen > MSG_IOV_MAX)
		vlen = MSG_IOV_MAX;
	for (i = 0; i < vlen; i++) {
		/* MSG_WAITFORONE: after the first, take only what is there */
		int f = flags & ~MSG_WAITFORONE;
		if (i && (flags & MSG_WAITFORONE))
			f |= MSG_DONTWAIT;
		ssize_t n = ustack_recvmsg(st, fd, &vec[i].msg_hdr, f);
		if (n < 0)
			return i ? (int)i : -1;
		vec[i].msg_len = (unsigned)n;
	}
	return (int)i;
}
