/* sim_sock_posix.c - the calls a porter needs beyond send/recv, between two stacks on the
 * virtual clock: read/write, readv/writev and sendmsg/recvmsg on TCP (scatter/gather in
 * order, partial reads) and UDP (one datagram per message, MSG_TRUNC in msg_flags),
 * sendmmsg/recvmmsg (MSG_WAITFORONE), ioctl FIONREAD/SIOCINQ/SIOCOUTQ/FIONBIO,
 * select (readable, writable, EBADF, timeout), and where descriptor numbers start
 * (ustack_config.fd_base). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/time.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "lib_simnet.h"
#include "ustack/socket.h"

static struct simnet *SN;
static struct ustack *C, *S;

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };

	s.sin_addr.s_addr = simnet_addr(ip);
	return s;
}

static int setup(void **state)
{
	(void)state;
	struct ustack_config cc = { .fd_base = 0 }, sc = { .fd_base = 500 };

	SN = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(SN);
	C = simnet_stack(SN, "client", &cc);
	S = simnet_stack(SN, "server", &sc);
	simnet_attach(SN, C, vn, "10.0.0.1/24", 0, NULL, NULL);
	simnet_attach(SN, S, vn, "10.0.0.2/24", 0, NULL, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	simnet_free(SN);
	return 0;
}

/* A connected TCP pair: *c on the client, *a accepted on the server. */
static void tcp_pair(int *c, int *a, int *l)
{
	static uint16_t port = 9000;
	struct sockaddr_in any = sin_of("0.0.0.0", port), to = sin_of("10.0.0.2", port);

	port++;                                 /* the last pair may still be in TIME_WAIT */

	*l = ustack_socket(S, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(ustack_bind(S, *l, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_listen(S, *l, 4), 0);
	*c = ustack_socket(C, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(ustack_connect(C, *c, (struct sockaddr *)&to, sizeof(to)), -1);
	assert_int_equal(errno, EINPROGRESS);
	simnet_run_for(SN, 50000);
	*a = ustack_accept4(S, *l, NULL, NULL, SOCK_NONBLOCK);
	assert_true(*a >= 500);
}

static void test_fd_base(void **state)
{
	(void)state;
	int fd = ustack_socket(S, AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(fd, 500);                      /* the server stack starts at 500 */
	char b[1];
	assert_int_equal(ustack_recv(S, 0, b, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EBADF);
	int fd2 = ustack_socket(S, AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(fd2, 501);
	assert_int_equal(ustack_close(S, fd), 0);
	assert_int_equal(ustack_socket(S, AF_INET, SOCK_DGRAM, 0), 500);  /* lowest free */
	ustack_close(S, 500);
	ustack_close(S, 501);
	assert_null(ustack_new(&(struct ustack_config){ .fd_base = -1 }));
	assert_int_equal(errno, EINVAL);
}

static void test_tcp_iov(void **state)
{
	(void)state;
	int c, a, l, v;
	struct iovec out[3] = { { "GET ", 4 }, { "/index.html", 11 }, { " HTTP/1.1\r\n", 11 } };

	tcp_pair(&c, &a, &l);
	assert_int_equal(ustack_writev(C, c, out, 3), 26);
	/* SIOCOUTQ: all of it is in flight until acknowledged */
	assert_int_equal(ustack_ioctl(C, c, SIOCOUTQ, &v), 0);
	assert_int_equal(v, 26);
	simnet_run_for(SN, 100000);
	assert_int_equal(ustack_ioctl(C, c, SIOCOUTQ, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ustack_ioctl(S, a, FIONREAD, &v), 0);
	assert_int_equal(v, 26);
	assert_int_equal(ustack_ioctl(S, a, SIOCINQ, &v), 0);
	assert_int_equal(v, 26);
	assert_int_equal(ustack_ioctl(S, l, FIONREAD, &v), -1);   /* a listener */
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_ioctl(S, a, 0x12345, &v), -1);
	assert_int_equal(errno, ENOTTY);

	char b1[5], b2[8], b3[64];
	struct iovec in[3] = { { b1, 5 }, { b2, 8 }, { b3, sizeof(b3) } };
	assert_int_equal(ustack_readv(S, a, in, 3), 26);          /* in order, across buffers */
	assert_memory_equal(b1, "GET /", 5);
	assert_memory_equal(b2, "index.ht", 8);
	assert_memory_equal(b3, "ml HTTP/1.1\r\n", 13);
	assert_int_equal(ustack_ioctl(S, a, FIONREAD, &v), 0);
	assert_int_equal(v, 0);

	/* write / read, and a readv that finds less than it could hold */
	assert_int_equal(ustack_write(S, a, "pong", 4), 4);
	simnet_run_for(SN, 100000);
	char r[16];
	struct iovec in2[2] = { { r, 2 }, { r + 2, 10 } };
	struct msghdr m = { .msg_iov = in2, .msg_iovlen = 2 };
	assert_int_equal(ustack_recvmsg(C, c, &m, 0), 4);
	assert_memory_equal(r, "pong", 4);
	assert_int_equal(m.msg_flags, 0);
	assert_int_equal(m.msg_controllen, 0);
	assert_int_equal(ustack_read(C, c, r, sizeof(r)), -1);     /* non-blocking, empty */
	assert_int_equal(errno, EAGAIN);

	/* FIONBIO: the accepted socket goes blocking and back */
	v = 0;
	assert_int_equal(ustack_ioctl(S, a, FIONBIO, &v), 0);
	assert_int_equal(ustack_fcntl(S, a, F_GETFL, 0) & O_NONBLOCK, 0);
	v = 1;
	assert_int_equal(ustack_ioctl(S, a, FIONBIO, &v), 0);
	assert_int_equal(ustack_fcntl(S, a, F_GETFL, 0) & O_NONBLOCK, O_NONBLOCK);
	ustack_close(C, c);
	ustack_close(S, a);
	ustack_close(S, l);
	simnet_run_for(SN, 5000000);
}

static void test_udp_msg(void **state)
{
	(void)state;
	struct sockaddr_in any = sin_of("0.0.0.0", 5353), to = sin_of("10.0.0.2", 5353);
	int s = ustack_socket(S, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int c = ustack_socket(C, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int v;

	assert_int_equal(ustack_bind(S, s, (struct sockaddr *)&any, sizeof(any)), 0);
	/* sendmsg gathers three buffers into ONE datagram */
	struct iovec parts[3] = { { "abc", 3 }, { "defg", 4 }, { "hij", 3 } };
	struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = parts,
			    .msg_iovlen = 3 };
	assert_int_equal(ustack_sendmsg(C, c, &m, 0), 10);
	assert_int_equal(ustack_sendto(C, c, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	simnet_run_for(SN, 50000);
	assert_int_equal(ustack_ioctl(S, s, FIONREAD, &v), 0);
	assert_int_equal(v, 10);                        /* the next datagram, not the total */

	/* recvmsg into 2 + 4 bytes: scattered, cut, MSG_TRUNC in msg_flags, the sender */
	char a[2], b[4];
	struct iovec in[2] = { { a, 2 }, { b, 4 } };
	struct sockaddr_in from;
	struct msghdr r = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = in,
			    .msg_iovlen = 2 };
	assert_int_equal(ustack_recvmsg(S, s, &r, 0), 6);
	assert_memory_equal(a, "ab", 2);
	assert_memory_equal(b, "cdef", 4);
	assert_int_equal(r.msg_flags & MSG_TRUNC, MSG_TRUNC);
	assert_int_equal(r.msg_namelen, sizeof(from));
	assert_int_equal(from.sin_addr.s_addr, simnet_addr("10.0.0.1"));
	r.msg_namelen = sizeof(from);
	assert_int_equal(ustack_recvmsg(S, s, &r, 0), 1);   /* the next one, whole */
	assert_int_equal(r.msg_flags, 0);

	/* sendmmsg / recvmmsg: three datagrams each way; MSG_WAITFORONE stops when empty */
	struct iovec o[3] = { { "one", 3 }, { "two", 3 }, { "three", 5 } };
	struct mmsghdr mv[3];
	memset(mv, 0, sizeof(mv));
	for (int i = 0; i < 3; i++) {
		mv[i].msg_hdr.msg_name = &to;
		mv[i].msg_hdr.msg_namelen = sizeof(to);
		mv[i].msg_hdr.msg_iov = &o[i];
		mv[i].msg_hdr.msg_iovlen = 1;
	}
	assert_int_equal(ustack_sendmmsg(C, c, mv, 3, 0), 3);
	assert_int_equal(mv[2].msg_len, 5);
	simnet_run_for(SN, 50000);
	char bufs[4][8];
	struct iovec iv[4];
	struct mmsghdr rv[4];
	memset(rv, 0, sizeof(rv));
	for (int i = 0; i < 4; i++) {
		iv[i] = (struct iovec){ bufs[i], 8 };
		rv[i].msg_hdr.msg_iov = &iv[i];
		rv[i].msg_hdr.msg_iovlen = 1;
	}
	assert_int_equal(ustack_recvmmsg(S, s, rv, 4, MSG_WAITFORONE, NULL), 3);
	assert_int_equal(rv[0].msg_len, 3);
	assert_memory_equal(bufs[2], "three", 5);
	assert_int_equal(ustack_recvmmsg(S, s, rv, 4, 0, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	ustack_close(S, s);
	ustack_close(C, c);
}

static void test_select(void **state)
{
	(void)state;
	int c, a, l;
	fd_set rd, wr;
	struct timeval tv = { 0, 0 };

	tcp_pair(&c, &a, &l);
	/* the server's descriptors are >= 500: select takes any below FD_SETSIZE */
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(a, &rd);
	FD_SET(a, &wr);
	assert_int_equal(ustack_select(S, a + 1, &rd, &wr, NULL, &tv), 1);
	assert_false(FD_ISSET(a, &rd));
	assert_true(FD_ISSET(a, &wr));
	assert_int_equal(ustack_send(C, c, "hi", 2, 0), 2);
	simnet_run_for(SN, 50000);
	FD_ZERO(&rd);
	FD_SET(a, &rd);
	FD_SET(l, &rd);
	assert_int_equal(ustack_select(S, a + 1, &rd, NULL, NULL, &tv), 1);
	assert_true(FD_ISSET(a, &rd));
	assert_false(FD_ISSET(l, &rd));
	/* a timeout with nothing ready: 0, sets cleared */
	char b[4];
	assert_int_equal(ustack_recv(S, a, b, sizeof(b), 0), 2);
	FD_ZERO(&rd);
	FD_SET(a, &rd);
	assert_int_equal(ustack_select(S, a + 1, &rd, NULL, NULL, &tv), 0);
	assert_false(FD_ISSET(a, &rd));
	/* a descriptor that is not open: EBADF */
	FD_ZERO(&rd);
	FD_SET(a + 3, &rd);
	assert_int_equal(ustack_select(S, a + 4, &rd, NULL, NULL, &tv), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(ustack_select(S, FD_SETSIZE + 1, NULL, NULL, NULL, &tv), -1);
	assert_int_equal(errno, EINVAL);
	/* the peer's FIN makes it readable (a read returns 0) */
	ustack_shutdown(C, c, SHUT_WR);
	simnet_run_for(SN, 50000);
	FD_ZERO(&rd);
	FD_SET(a, &rd);
	assert_int_equal(ustack_select(S, a + 1, &rd, NULL, NULL, &tv), 1);
	assert_int_equal(ustack_read(S, a, b, sizeof(b)), 0);
	ustack_close(C, c);
	ustack_close(S, a);
	ustack_close(S, l);
	simnet_run_for(SN, 5000000);
}

/* IP_TTL / IP_TOS on what a socket sends; IP_PKTINFO, IP_RECVTTL, IP_RECVTOS and
 * SO_TIMESTAMP as ancillary data of recvmsg; MSG_CTRUNC when the control buffer is short. */
static void test_ip_options(void **state)
{
	(void)state;
	struct sockaddr_in any = sin_of("0.0.0.0", 6000), to = sin_of("10.0.0.2", 6000);
	int s = ustack_socket(S, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int c = ustack_socket(C, AF_INET, SOCK_DGRAM, 0);
	int v, one = 1;
	socklen_t len = sizeof(v);

	assert_int_equal(ustack_bind(S, s, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_getsockopt(C, c, IPPROTO_IP, IP_TTL, &v, &len), 0);
	assert_int_equal(v, 64);                        /* the stack's default */
	v = 0;
	assert_int_equal(ustack_setsockopt(C, c, IPPROTO_IP, IP_TTL, &v, sizeof(v)), -1);
	assert_int_equal(errno, EINVAL);
	v = 256;
	assert_int_equal(ustack_setsockopt(C, c, IPPROTO_IP, IP_TTL, &v, sizeof(v)), -1);
	v = 17;
	assert_int_equal(ustack_setsockopt(C, c, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	v = 0x28;
	assert_int_equal(ustack_setsockopt(C, c, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
	len = sizeof(v);
	assert_int_equal(ustack_getsockopt(C, c, IPPROTO_IP, IP_TTL, &v, &len), 0);
	assert_int_equal(v, 17);
	assert_int_equal(ustack_setsockopt(S, s, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)), 0);
	assert_int_equal(ustack_setsockopt(S, s, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)), 0);
	assert_int_equal(ustack_setsockopt(S, s, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)), 0);
	assert_int_equal(ustack_setsockopt(S, s, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one)), 0);
	len = sizeof(v);
	assert_int_equal(ustack_getsockopt(S, s, IPPROTO_IP, IP_PKTINFO, &v, &len), 0);
	assert_int_equal(v, 1);
	assert_int_equal(ustack_setsockopt(S, s, IPPROTO_IP, IP_MULTICAST_TTL + 200, &one,
					   sizeof(one)), -1);
	assert_int_equal(errno, ENOPROTOOPT);

	assert_int_equal(ustack_sendto(C, c, "ttl", 3, 0, (struct sockaddr *)&to, sizeof(to)), 3);
	assert_int_equal(ustack_sendto(C, c, "ttl", 3, 0, (struct sockaddr *)&to, sizeof(to)), 3);
	simnet_run_for(SN, 50000);
	uint64_t arrived = simnet_now(SN);

	char data[8];
	union { char buf[256]; struct cmsghdr align; } ctl;
	struct iovec iov = { data, sizeof(data) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	assert_int_equal(ustack_recvmsg(S, s, &m, 0), 3);
	assert_int_equal(m.msg_flags, 0);
	int seen = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			assert_int_equal(pi.ipi_addr.s_addr, simnet_addr("10.0.0.2"));
			assert_int_equal(pi.ipi_ifindex, 1);    /* ustack's interface 0, + 1 */
			seen |= 1;
		} else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TTL) {
			int ttl;
			memcpy(&ttl, CMSG_DATA(cm), sizeof(ttl));
			assert_int_equal(ttl, 17);              /* as sent: one hop, no router */
			seen |= 2;
		} else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS) {
			assert_int_equal(*CMSG_DATA(cm), 0x28);
			seen |= 4;
		} else if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMP) {
			struct timeval tv;
			memcpy(&tv, CMSG_DATA(cm), sizeof(tv));
			uint64_t t = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
			assert_true(t > 1000000 && t <= arrived);  /* the stack's (virtual) clock */
			seen |= 8;
		}
	}
	assert_int_equal(seen, 15);
	/* a control buffer with room for one message only: the rest is cut, and said so */
	m.msg_control = ctl.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
	assert_int_equal(ustack_recvmsg(S, s, &m, 0), 3);
	assert_int_equal(m.msg_flags & MSG_CTRUNC, MSG_CTRUNC);
	assert_int_equal(m.msg_controllen, CMSG_SPACE(sizeof(struct in_pktinfo)));
	/* IP_TTL -1: back to the default */
	v = -1;
	assert_int_equal(ustack_setsockopt(C, c, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	len = sizeof(v);
	assert_int_equal(ustack_getsockopt(C, c, IPPROTO_IP, IP_TTL, &v, &len), 0);
	assert_int_equal(v, 64);
	/* a TCP socket takes IP_TTL / IP_TOS too */
	int t = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	v = 33;
	assert_int_equal(ustack_setsockopt(C, t, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	assert_int_equal(ustack_getsockopt(C, t, IPPROTO_IP, IP_TTL, &v, &len), 0);
	assert_int_equal(v, 33);
	ustack_close(C, t);
	ustack_close(S, s);
	ustack_close(C, c);
}

/* TCP_INFO after a transfer through 3% loss: the connection's counters agree with the
 * stack's (one connection per stack here), and the rest is what the handshake agreed. */
static void test_tcp_info(void **state)
{
	(void)state;
	struct ustack_config cfg = { .seed = 7 };
	struct simnet *sn = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(sn);
	struct ustack *a = simnet_stack(sn, "a", &cfg), *b = simnet_stack(sn, "b", &cfg);
	struct ustack_impair imp = { .seed = 11, .loss = 0.03, .delay_us = 5000, .rx = true };
	simnet_attach(sn, a, vn, "10.9.0.1/24", 0, &imp, NULL);
	simnet_attach(sn, b, vn, "10.9.0.2/24", 0, NULL, NULL);
	struct sockaddr_in any = sin_of("0.0.0.0", 80), to = sin_of("10.9.0.2", 80);
	int l = ustack_socket(b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(ustack_bind(b, l, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_listen(b, l, 4), 0);
	int c = ustack_socket(a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ustack_connect(a, c, (struct sockaddr *)&to, sizeof(to));
	simnet_run_for(sn, 500000);
	int r = ustack_accept4(b, l, NULL, NULL, SOCK_NONBLOCK);
	assert_true(r >= 0);

	static uint8_t data[512 * 1024], got[sizeof(data)];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	size_t sent = 0, rcvd = 0;
	for (int i = 0; i < 200000 && rcvd < sizeof(data); i++) {
		ssize_t n = sent < sizeof(data) ?
			    ustack_send(a, c, data + sent, sizeof(data) - sent, 0) : 0;
		if (n > 0)
			sent += (size_t)n;
		n = ustack_recv(b, r, got + rcvd, sizeof(got) - rcvd, 0);
		if (n > 0)
			rcvd += (size_t)n;
		simnet_step(sn, UINT64_MAX);
	}
	assert_int_equal(rcvd, sizeof(data));
	assert_memory_equal(got, data, sizeof(data));
	simnet_run_for(sn, 2000000);                    /* everything acknowledged */

	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	struct ustack_stats stats;
	assert_int_equal(ustack_getsockopt(a, c, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(len, sizeof(ti));
	ustack_get_stats(a, &stats);
	assert_true(stats.tcp_retransmits > 0);         /* the loss did bite */
	assert_int_equal(ti.tcpi_total_retrans, stats.tcp_retransmits);
	assert_int_equal(ti.tcpi_state, 1);             /* TCP_ESTABLISHED */
	assert_int_equal(ti.tcpi_unacked, 0);
	assert_int_equal(ti.tcpi_options & (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE),
			 TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE);
	assert_int_equal(ti.tcpi_snd_mss, 1460);        /* 1500 - 40 (the options come off later) */
	assert_true(ti.tcpi_rtt >= 10000 && ti.tcpi_rtt < 100000);  /* 2 x 5 ms each way */
	assert_true(ti.tcpi_rto >= 200000);
	assert_true(ti.tcpi_snd_cwnd >= 1);
	assert_int_equal(ti.tcpi_pmtu, 1500);
	/* the receiver retransmitted nothing; its listener reports LISTEN */
	assert_int_equal(ustack_getsockopt(b, r, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(ti.tcpi_total_retrans, 0);
	assert_int_equal(ustack_getsockopt(b, l, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(ti.tcpi_state, 10);
	/* a short buffer gets what fits, as Linux */
	len = 8;
	assert_int_equal(ustack_getsockopt(a, c, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(len, 8);
	simnet_free(sn);
}

/* SO_REUSEPORT: four TCP listeners and four UDP sockets share one port each; new
 * connections and senders are spread over all four, one sender always on the same
 * socket; a fifth socket without the option is refused the port. */
static void test_reuseport(void **state)
{
	(void)state;
	enum { NS = 4, NC = 48 };
	int one = 1, l[NS], u[NS], got[NS] = { 0 }, ugot[NS] = { 0 };
	struct sockaddr_in any = sin_of("0.0.0.0", 8443), to = sin_of("10.0.0.2", 8443);

	for (int i = 0; i < NS; i++) {
		l[i] = ustack_socket(S, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		u[i] = ustack_socket(S, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		assert_int_equal(ustack_setsockopt(S, l[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), 0);
		assert_int_equal(ustack_setsockopt(S, u[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), 0);
		assert_int_equal(ustack_bind(S, l[i], (struct sockaddr *)&any, sizeof(any)), 0);
		assert_int_equal(ustack_listen(S, l[i], 64), 0);
		assert_int_equal(ustack_bind(S, u[i], (struct sockaddr *)&any, sizeof(any)), 0);
	}
	int v = 0;
	socklen_t len = sizeof(v);
	assert_int_equal(ustack_getsockopt(S, l[0], SOL_SOCKET, SO_REUSEPORT, &v, &len), 0);
	assert_int_equal(v, 1);
	int x = ustack_socket(S, AF_INET, SOCK_STREAM, 0), y = ustack_socket(S, AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(ustack_bind(S, x, (struct sockaddr *)&any, sizeof(any)), -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_int_equal(ustack_bind(S, y, (struct sockaddr *)&any, sizeof(any)), -1);
	assert_int_equal(errno, EADDRINUSE);
	ustack_close(S, x);
	ustack_close(S, y);

	int c[NC], d[NC];
	for (int i = 0; i < NC; i++) {
		c[i] = ustack_socket(C, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ustack_connect(C, c[i], (struct sockaddr *)&to, sizeof(to));
		d[i] = ustack_socket(C, AF_INET, SOCK_DGRAM, 0);
		assert_int_equal(ustack_sendto(C, d[i], "a", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
		assert_int_equal(ustack_sendto(C, d[i], "b", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	}
	simnet_run_for(SN, 200000);
	int total = 0, utotal = 0;
	for (int i = 0; i < NS; i++) {
		int a;
		while ((a = ustack_accept(S, l[i], NULL, NULL)) >= 0) {
			got[i]++;
			ustack_close(S, a);
		}
		char b[2][4];
		struct sockaddr_in f[2];
		for (;;) {
			socklen_t fl = sizeof(f[0]);
			if (ustack_recvfrom(S, u[i], b[0], 4, 0, (struct sockaddr *)&f[0], &fl) < 0)
				break;
			fl = sizeof(f[1]);
			/* the same sender's second datagram is on the same socket, right behind */
			assert_int_equal(ustack_recvfrom(S, u[i], b[1], 4, 0, (struct sockaddr *)&f[1], &fl), 1);
			assert_int_equal(f[0].sin_port, f[1].sin_port);
			assert_int_equal(b[0][0], 'a');
			assert_int_equal(b[1][0], 'b');
			ugot[i]++;
		}
		assert_true(got[i] > 0);                /* every listener took some */
		assert_true(ugot[i] > 0);
		total += got[i];
		utotal += ugot[i];
	}
	assert_int_equal(total, NC);
	assert_int_equal(utotal, NC);
	for (int i = 0; i < NC; i++) {
		ustack_close(C, c[i]);
		ustack_close(C, d[i]);
	}
	for (int i = 0; i < NS; i++) {
		ustack_close(S, l[i]);
		ustack_close(S, u[i]);
	}
	simnet_run_for(SN, 5000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_base),
		cmocka_unit_test(test_tcp_iov),
		cmocka_unit_test(test_udp_msg),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_ip_options),
		cmocka_unit_test(test_tcp_info),
		cmocka_unit_test(test_reuseport),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
