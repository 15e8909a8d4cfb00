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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_base),
		cmocka_unit_test(test_tcp_iov),
		cmocka_unit_test(test_udp_msg),
		cmocka_unit_test(test_select),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
