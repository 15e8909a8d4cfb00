/* sim_sock_cmsg.c - sendmsg's ancillary data on a UDP socket, as Linux accepts it
 * (ip(7), ip_cmsg_send): IP_PKTINFO chooses the source address (ipi_spec_dst, or the
 * address of ipi_ifindex), IP_TTL and IP_TOS set one datagram's TTL and TOS (the next
 * datagram without them has the socket's again); what the receiver sees is checked with
 * IP_PKTINFO / IP_RECVTTL / IP_RECVTOS and the source address. Bad cmsgs are EINVAL, an
 * address not this host's EINVAL, an unknown interface ENODEV; a stream ignores them.
 * Two stacks on the virtual clock; the sender has a second address on a second network. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>

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
	SN = simnet_new(1000000);
	struct ustack_vnet *vn = simnet_vnet(SN), *other = ustack_vnet_new();
	C = simnet_stack(SN, "sender", NULL);
	S = simnet_stack(SN, "receiver", NULL);
	simnet_attach(SN, C, vn, "10.0.0.1/24", 0, NULL, NULL);
	simnet_attach(SN, C, other, "10.9.0.1/24", 0, NULL, NULL);   /* a second address */
	simnet_attach(SN, S, vn, "10.0.0.2/24", 0, NULL, NULL);
	*state = other;
	return 0;
}

static int teardown(void **state)
{
	simnet_free(SN);
	ustack_vnet_free(*state);
	return 0;
}

/* Control data under construction. */
struct ctl {
	_Alignas(struct cmsghdr) char buf[256];
	size_t len;
};

static void ctl_add(struct ctl *c, int level, int type, const void *data, size_t n)
{
	struct cmsghdr *h = (struct cmsghdr *)(c->buf + c->len);

	memset(h, 0, CMSG_SPACE(n));
	h->cmsg_len = CMSG_LEN(n);
	h->cmsg_level = level;
	h->cmsg_type = type;
	memcpy(CMSG_DATA(h), data, n);
	c->len += CMSG_SPACE(n);
}

static ssize_t send_ctl(int fd, const char *text, struct ctl *c)
{
	struct sockaddr_in to = sin_of("10.0.0.2", 6100);
	struct iovec iov = { (void *)text, strlen(text) };
	struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = c && c->len ? c->buf : NULL,
			    .msg_controllen = c ? c->len : 0 };

	return ustack_sendmsg(C, fd, &m, 0);
}

struct got {
	char data[32];
	uint32_t from;
	int ttl, tos;
};

static void recv_one(int fd, struct got *g)
{
	struct sockaddr_in from;
	union { char buf[256]; struct cmsghdr align; } ctl;
	struct iovec iov = { g->data, sizeof(g->data) - 1 };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };

	simnet_run_for(SN, 50000);
	ssize_t n = ustack_recvmsg(S, fd, &m, MSG_DONTWAIT);
	assert_true(n >= 0);
	g->data[n] = '\0';
	g->from = from.sin_addr.s_addr;
	g->ttl = g->tos = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TTL)
			memcpy(&g->ttl, CMSG_DATA(cm), sizeof(int));
		else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS)
			g->tos = *(unsigned char *)CMSG_DATA(cm);
	}
}

static void test_per_datagram(void **state)
{
	(void)state;
	int one = 1, v;
	struct sockaddr_in any = sin_of("0.0.0.0", 6100);
	int r = ustack_socket(S, AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(ustack_bind(S, r, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(ustack_setsockopt(S, r, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)), 0);
	assert_int_equal(ustack_setsockopt(S, r, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)), 0);
	int s = ustack_socket(C, AF_INET, SOCK_DGRAM, 0);
	v = 30;
	assert_int_equal(ustack_setsockopt(C, s, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	struct got g;
	struct ctl c;

	/* the socket's own */
	assert_int_equal(send_ctl(s, "plain", NULL), 5);
	recv_one(r, &g);
	assert_string_equal(g.data, "plain");
	assert_int_equal(g.from, simnet_addr("10.0.0.1"));
	assert_int_equal(g.ttl, 30);
	assert_int_equal(g.tos, 0);

	/* IP_TTL and IP_TOS (an int, then a byte) for one datagram */
	memset(&c, 0, sizeof(c));
	v = 7;
	ctl_add(&c, IPPROTO_IP, IP_TTL, &v, sizeof(v));
	v = 0xb8;
	ctl_add(&c, IPPROTO_IP, IP_TOS, &v, sizeof(v));
	assert_int_equal(send_ctl(s, "marked", &c), 6);
	recv_one(r, &g);
	assert_string_equal(g.data, "marked");
	assert_int_equal(g.ttl, 7);
	assert_int_equal(g.tos, 0xb8);
	memset(&c, 0, sizeof(c));
	unsigned char tb = 0x20;
	ctl_add(&c, IPPROTO_IP, IP_TOS, &tb, 1);
	assert_int_equal(send_ctl(s, "byte", &c), 4);
	recv_one(r, &g);
	assert_int_equal(g.ttl, 30);
	assert_int_equal(g.tos, 0x20);
	/* and the next one is the socket's again */
	assert_int_equal(send_ctl(s, "again", NULL), 5);
	recv_one(r, &g);
	assert_int_equal(g.ttl, 30);
	assert_int_equal(g.tos, 0);

	/* IP_PKTINFO: the source address by ipi_spec_dst */
	struct in_pktinfo pi;
	memset(&pi, 0, sizeof(pi));
	pi.ipi_spec_dst.s_addr = simnet_addr("10.9.0.1");
	memset(&c, 0, sizeof(c));
	ctl_add(&c, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	assert_int_equal(send_ctl(s, "src", &c), 3);
	recv_one(r, &g);
	assert_string_equal(g.data, "src");
	assert_int_equal(g.from, simnet_addr("10.9.0.1"));
	/* by the interface (the second: ustack index 1, ipi_ifindex 2) */
	memset(&pi, 0, sizeof(pi));
	pi.ipi_ifindex = 2;
	memset(&c, 0, sizeof(c));
	ctl_add(&c, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	assert_int_equal(send_ctl(s, "ifindex", &c), 7);
	recv_one(r, &g);
	assert_int_equal(g.from, simnet_addr("10.9.0.1"));
	/* without it the route's source again */
	assert_int_equal(send_ctl(s, "route", NULL), 5);
	recv_one(r, &g);
	assert_int_equal(g.from, simnet_addr("10.0.0.1"));
	ustack_close(C, s);
	ustack_close(S, r);
}

static void test_bad_cmsgs(void **state)
{
	(void)state;
	int s = ustack_socket(C, AF_INET, SOCK_DGRAM, 0);
	struct ctl c;
	int v;
	struct in_pktinfo pi;

	v = 0;                                          /* TTL 0 */
	memset(&c, 0, sizeof(c));
	ctl_add(&c, IPPROTO_IP, IP_TTL, &v, sizeof(v));
	assert_int_equal(send_ctl(s, "x", &c), -1);
	assert_int_equal(errno, EINVAL);
	v = 256;
	memset(&c, 0, sizeof(c));
	ctl_add(&c, IPPROTO_IP, IP_TOS, &v, sizeof(v));
	assert_int_equal(send_ctl(s, "x", &c), -1);
	assert_int_equal(errno, EINVAL);
	short sh = 5;                                   /* a TTL of the wrong size */
	memset(&c, 0, sizeof(c));
	ctl_add(&c, IPPROTO_IP, IP_TTL, &sh, sizeof(sh));
	assert_int_equal(send_ctl(s, "x", &c), -1);
	assert_int_equal(errno, EINVAL);
	v = 1;                                          /* not a send-side type */
	memset(&c, 0, sizeof(c));
	ctl_add(&c, IPPROTO_IP, IP_RECVTTL, &v, sizeof(v));
	assert_int_equal(send_ctl(s, "x", &c), -1);
	assert_int_equal(errno, EINVAL);
	memset(&c, 0, sizeof(c));                       /* SCM_RIGHTS on an inet socket */
	ctl_add(&c, SOL_SOCKET, SCM_RIGHTS, &v, sizeof(v));
	assert_int_equal(send_ctl(s, "x", &c), -1);
	assert_int_equal(errno, EINVAL);
	memset(&pi, 0, sizeof(pi));                     /* not this host's address */
	pi.ipi_spec_dst.s_addr = simnet_addr("10.0.0.99");
	memset(&c, 0, sizeof(c));
	ctl_add(&c, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	assert_int_equal(send_ctl(s, "x", &c), -1);
	assert_int_equal(errno, EINVAL);
	memset(&pi, 0, sizeof(pi));                     /* no such interface */
	pi.ipi_ifindex = 40;
	memset(&c, 0, sizeof(c));
	ctl_add(&c, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	assert_int_equal(send_ctl(s, "x", &c), -1);
	assert_int_equal(errno, ENODEV);
	/* another level is ignored */
	v = 1;
	memset(&c, 0, sizeof(c));
	ctl_add(&c, IPPROTO_UDP, 1, &v, sizeof(v));
	assert_int_equal(send_ctl(s, "ok", &c), 2);
	ustack_close(C, s);

	/* a stream ignores ancillary data, as Linux's TCP (the call fails only as send) */
	int t = ustack_socket(C, AF_INET, SOCK_STREAM, 0);
	v = 0;
	memset(&c, 0, sizeof(c));
	ctl_add(&c, IPPROTO_IP, IP_TTL, &v, sizeof(v));
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
			    .msg_controllen = c.len };
	assert_int_equal(ustack_sendmsg(C, t, &m, MSG_NOSIGNAL), -1);
	assert_true(errno == ENOTCONN || errno == EPIPE);
	ustack_close(C, t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_datagram),
		cmocka_unit_test(test_bad_cmsgs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
