/* udp_vnet.c - two hosts in one process, joined by an in-process Ethernet switch (vnet),
 * driven by a virtual clock: host "a" sends three UDP datagrams to an echo server on
 * host "b" and prints what comes back. No thread, no root, no real time passes.
 *
 *   gcc -std=c11 -I include examples/udp_vnet.c build/lib/libustack.a -lpthread
 *   ./a.out */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "ustack/dev.h"
#include "ustack/socket.h"

static uint64_t now_us;                 /* the virtual clock: only we move it */

/* One step of the network: poll both stacks at the current time; if neither had a
 * frame to handle, jump the clock to the earliest deadline either one asked for. */
static void step(struct ustack *a, struct ustack *b)
{
	int handled = ustack_step(a, now_us) + ustack_step(b, now_us);
	uint64_t da = ustack_next_deadline(a), db = ustack_next_deadline(b);
	uint64_t next = da < db ? da : db;

	if (handled == 0 && next != USTACK_NO_DEADLINE && next > now_us)
		now_us = next;
}

/* The echo server's work: every datagram waiting on fd goes back where it came from. */
static void echo_serve(struct ustack *b, int fd)
{
	char buf[1500];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	while ((n = ustack_recvfrom(b, fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
				    &fl)) >= 0) {
		ustack_sendto(b, fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
		fl = sizeof(from);
	}
}

int main(void)
{
	struct ustack_config ca = { .name = "a", .seed = 1 }, cb = { .name = "b", .seed = 2 };
	struct ustack *a = ustack_new(&ca), *b = ustack_new(&cb);
	struct ustack_vnet *vn = ustack_vnet_new();
	struct in_addr addr_a, addr_b;
	int rc = 1;

	if (!a || !b || !vn)
		return 1;
	ustack_vnet_set_id(vn, 1);          /* the same MACs on every run */
	inet_pton(AF_INET, "10.0.0.1", &addr_a);
	inet_pton(AF_INET, "10.0.0.2", &addr_b);
	/* One switch port per host, each link 1 ms long (so a round trip takes 2 ms of
	 * virtual time); the stack owns its port from now on. */
	struct ustack_dev *pa = ustack_vnet_port(vn, NULL, 1500), *pb = ustack_vnet_port(vn, NULL, 1500);
	if (!pa || !pb)
		return 1;
	ustack_vnet_port_link(pa, 1000, 0);
	ustack_vnet_port_link(pb, 1000, 0);
	if (ustack_if_add(a, pa, addr_a, 24) < 0 || ustack_if_add(b, pb, addr_b, 24) < 0)
		return 1;

	/* b: a UDP echo server on port 7. Non-blocking: nothing may sleep here, since
	 * this thread is also the one that moves the clock. */
	int srv = ustack_socket(b, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(7) };
	if (ustack_bind(b, srv, (struct sockaddr *)&any, sizeof(any)) < 0)
		return 1;

	/* a: a client socket, "connected" to b:7 so send/recv need no address. */
	int cli = ustack_socket(a, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7), .sin_addr = addr_b };
	if (ustack_connect(a, cli, (struct sockaddr *)&to, sizeof(to)) < 0)
		return 1;

	for (int i = 1; i <= 3; i++) {
		char msg[32], reply[64];
		uint64_t sent_at = now_us;

		snprintf(msg, sizeof(msg), "hello %d", i);
		if (ustack_send(a, cli, msg, strlen(msg), 0) < 0) {
			perror("send");
			goto out;
		}
		/* Run the network until the reply is readable (at most 5 s virtual). */
		struct pollfd pfd = { .fd = cli, .events = POLLIN };
		while (ustack_poll(a, &pfd, 1, 0) == 0 && now_us - sent_at < 5000000) {
			step(a, b);
			echo_serve(b, srv);
		}
		ssize_t n = ustack_recv(a, cli, reply, sizeof(reply) - 1, 0);
		if (n < 0) {
			printf("no reply to \"%s\"\n", msg);
			goto out;
		}
		reply[n] = '\0';
		printf("t=%8.6f s  sent \"%s\", got \"%s\" back after %llu us\n", now_us / 1e6,
		       msg, reply, (unsigned long long)(now_us - sent_at));
	}

	struct ustack_stats s;
	ustack_get_stats(a, &s);
	printf("a: %llu frames out, %llu in, %llu ARP requests, %llu UDP datagrams out\n",
	       (unsigned long long)s.eth_out, (unsigned long long)s.eth_in,
	       (unsigned long long)s.arp_requests, (unsigned long long)s.udp_out);
	rc = 0;
out:
	ustack_close(a, cli);
	ustack_close(b, srv);
	ustack_free(a);                     /* closes its vnet port */
	ustack_free(b);
	ustack_vnet_free(vn);               /* after every port is closed */
	return rc;
}
