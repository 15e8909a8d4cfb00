/* ip_marks.c - IP_TTL and IP_TOS on what ustack sends, per socket and per datagram:
 *
 *   ip_marks TAP ADDR/PREFIX PEER UDPPORT TCPPORT
 *
 * On a stack over TAP, one UDP socket with IP_TTL 33 and IP_TOS 0x28 sends a datagram to
 * PEER:UDPPORT, then one with ancillary data IP_TTL 44 and IP_TOS 0xb8 (sendmsg) to
 * PEER:UDPPORT+1; a TCP socket with IP_TTL 55 and IP_TOS 0x48 connects to PEER:TCPPORT,
 * sends a line and closes. tests/interop/test_ipmarks.sh captures the TAP with tshark and
 * checks ip.ttl and ip.dsfield of every packet. Needs CAP_NET_ADMIN for the TAP. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include "ustack/ustack.h"
#include "ustack/dev.h"
#include "ustack/socket.h"

static int set_int(struct ustack *st, int fd, int level, int name, int v)
{
	if (ustack_setsockopt(st, fd, level, name, &v, sizeof(v)) < 0) {
		fprintf(stderr, "setsockopt %d/%d: %s\n", level, name, strerror(errno));
		return -1;
	}
	return 0;
}

static int udp_part(struct ustack *st, struct sockaddr_in peer)
{
	int fd = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || set_int(st, fd, IPPROTO_IP, IP_TTL, 33) ||
	    set_int(st, fd, IPPROTO_IP, IP_TOS, 0x28))
		return -1;
	if (ustack_sendto(st, fd, "sockopt marks", 13, 0, (struct sockaddr *)&peer,
			  sizeof(peer)) != 13) {
		perror("sendto");
		return -1;
	}
	/* one datagram with its own TTL and TOS */
	union { char buf[CMSG_SPACE(sizeof(int)) * 2]; struct cmsghdr align; } ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct iovec iov = { "cmsg marks", 10 };
	peer.sin_port = htons((uint16_t)(ntohs(peer.sin_port) + 1));
	struct msghdr m = { .msg_name = &peer, .msg_namelen = sizeof(peer), .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int ttl = 44, tos = 0xb8;
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_TTL;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &ttl, sizeof(int));
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_TOS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &tos, sizeof(int));
	if (ustack_sendmsg(st, fd, &m, 0) != 10) {
		perror("sendmsg");
		return -1;
	}
	printf("udp: sent two datagrams\n");
	ustack_close(st, fd);
	return 0;
}

static int tcp_part(struct ustack *st, struct sockaddr_in peer)
{
	int fd = ustack_socket(st, AF_INET, SOCK_STREAM, 0);
	char buf[256];

	if (fd < 0 || set_int(st, fd, IPPROTO_IP, IP_TTL, 55) ||
	    set_int(st, fd, IPPROTO_IP, IP_TOS, 0x48))
		return -1;
	struct timeval tv = { .tv_sec = 10 };
	ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ustack_setsockopt(st, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (ustack_connect(st, fd, (struct sockaddr *)&peer, sizeof(peer)) < 0) {
		perror("connect");
		return -1;
	}
	if (ustack_send(st, fd, "tcp marks\n", 10, MSG_NOSIGNAL) != 10) {
		perror("send");
		return -1;
	}
	ustack_shutdown(st, fd, SHUT_WR);
	ssize_t n;
	while ((n = ustack_recv(st, fd, buf, sizeof(buf), 0)) > 0)
		;                               /* until the peer closes */
	if (n < 0) {
		perror("recv");
		return -1;
	}
	ustack_close(st, fd);
	printf("tcp: sent a line, peer closed\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct in_addr addr, peer_addr;
	int prefix = 24;

	if (argc != 6) {
		fprintf(stderr, "usage: %s TAP ADDR/PREFIX PEER UDPPORT TCPPORT\n", argv[0]);
		return 2;
	}
	char *slash = strchr(argv[2], '/');
	if (slash) {
		*slash = '\0';
		prefix = atoi(slash + 1);
	}
	if (inet_pton(AF_INET, argv[2], &addr) != 1 || inet_pton(AF_INET, argv[3], &peer_addr) != 1) {
		fprintf(stderr, "bad address\n");
		return 2;
	}
	struct ustack *st = ustack_new(&(struct ustack_config){ .name = "ip_marks" });
	struct ustack_dev *tap = st ? ustack_tap_open(argv[1], NULL, 1500) : NULL;
	if (!tap || ustack_if_add(st, tap, addr, prefix) < 0 || ustack_start(st) < 0) {
		perror("ustack on the tap");
		return 1;
	}
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_addr = peer_addr,
				    .sin_port = htons((uint16_t)atoi(argv[4])) };
	int rc = udp_part(st, peer);
	peer.sin_port = htons((uint16_t)atoi(argv[5]));
	if (rc == 0)
		rc = tcp_part(st, peer);
	ustack_free(st);
	printf("%s\n", rc == 0 ? "done" : "failed");
	return rc == 0 ? 0 : 1;
}
