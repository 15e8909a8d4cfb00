/* epoll_loop.c - ustack sockets and kernel descriptors in ONE kernel epoll loop.
 *
 * Two ustack hosts in this process, joined by an in-process switch and each run by its
 * background thread (ustack_start): host "b" runs a TCP echo server, host "a" a client.
 * The application's own loop is a plain Linux epoll holding three kernel descriptors:
 * standard input, and the event descriptors of two ustack epoll sets (one per host;
 * ustack_epoll_event_fd gives a kernel eventfd that is readable while a set has ready
 * sockets). Lines typed on stdin go to the server through the client; what the server
 * echoes is printed. At the end of input the client shuts down its side, the server
 * closes, and the program prints what came back and exits.
 *
 *   cc -std=c11 -I include examples/epoll_loop.c build/lib/libustack.so -lpthread
 *   printf 'hello\nustack\n' | ./a.out */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>

#include "ustack/ustack.h"
#include "ustack/dev.h"
#include "ustack/epoll.h"
#include "ustack/socket.h"

#define PORT 7
#define TAG_STDIN 0
#define TAG_SERVER 1
#define TAG_CLIENT 2

static int die(const char *what)
{
	fprintf(stderr, "epoll_loop: %s: %s\n", what, strerror(errno));
	return 1;
}

/* The server's ustack set is ready: accept new connections, echo what they send. */
static void serve(struct ustack *b, int set, int lfd)
{
	struct epoll_event evs[16];
	char buf[2048];
	int n = ustack_epoll_wait(b, set, evs, 16, 0);

	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		if (fd == lfd) {
			int c;
			while ((c = ustack_accept4(b, lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
				struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = c };
				ustack_epoll_ctl(b, set, EPOLL_CTL_ADD, c, &ev);
			}
			continue;
		}
		ssize_t r;
		while ((r = ustack_recv(b, fd, buf, sizeof(buf), 0)) > 0)
			ustack_send(b, fd, buf, (size_t)r, 0);  /* small: fits the send buffer */
		if (r == 0 || (r < 0 && errno != EAGAIN))
			ustack_close(b, fd);                    /* leaves the set by itself */
	}
}

int main(void)
{
	struct ustack_config ca = { .name = "a" }, cb = { .name = "b" };
	struct ustack *a = ustack_new(&ca), *b = ustack_new(&cb);
	struct ustack_vnet *vn = ustack_vnet_new();
	struct in_addr addr_a, addr_b;

	if (!a || !b || !vn)
		return die("ustack_new");
	inet_pton(AF_INET, "10.0.0.1", &addr_a);
	inet_pton(AF_INET, "10.0.0.2", &addr_b);
	if (ustack_if_add(a, ustack_vnet_port(vn, NULL, 1500), addr_a, 24) < 0 ||
	    ustack_if_add(b, ustack_vnet_port(vn, NULL, 1500), addr_b, 24) < 0)
		return die("ustack_if_add");
	if (ustack_start(a) < 0 || ustack_start(b) < 0)
		return die("ustack_start");

	/* b: a listening socket in b's ustack set */
	int lfd = ustack_socket(b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	if (lfd < 0 || ustack_bind(b, lfd, (struct sockaddr *)&any, sizeof(any)) < 0 ||
	    ustack_listen(b, lfd, 16) < 0)
		return die("server socket");
	int bset = ustack_epoll_create1(b, 0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
	if (bset < 0 || ustack_epoll_ctl(b, bset, EPOLL_CTL_ADD, lfd, &ev) < 0)
		return die("server set");

	/* a: a client connected to b (blocking connect: the runner threads do the work) */
	int cfd = ustack_socket(a, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr = addr_b };
	if (cfd < 0 || ustack_connect(a, cfd, (struct sockaddr *)&to, sizeof(to)) < 0)
		return die("connect");
	int aset = ustack_epoll_create1(a, 0);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLRDHUP, .data.fd = cfd };
	if (aset < 0 || ustack_epoll_ctl(a, aset, EPOLL_CTL_ADD, cfd, &ev) < 0)
		return die("client set");

	/* the application's own kernel epoll: stdin and the two sets' event descriptors */
	int kep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event kev = { .events = EPOLLIN, .data.u32 = TAG_STDIN };
	if (kep < 0 || epoll_ctl(kep, EPOLL_CTL_ADD, STDIN_FILENO, &kev) < 0)
		return die("epoll on stdin (give it a pipe or a terminal)");
	kev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = TAG_SERVER };
	if (epoll_ctl(kep, EPOLL_CTL_ADD, ustack_epoll_event_fd(b, bset), &kev) < 0)
		return die("epoll on the server set");
	kev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = TAG_CLIENT };
	if (epoll_ctl(kep, EPOLL_CTL_ADD, ustack_epoll_event_fd(a, aset), &kev) < 0)
		return die("epoll on the client set");

	size_t sent = 0, got = 0;
	int rc = 1;
	for (int done = 0; !done;) {
		struct epoll_event kevs[4];
		int n = epoll_wait(kep, kevs, 4, 10000);
		if (n == 0) {
			fprintf(stderr, "epoll_loop: nothing for 10 s\n");
			break;
		}
		for (int i = 0; i < n; i++) {
			char buf[2048];
			ssize_t r;
			switch (kevs[i].data.u32) {
			case TAG_STDIN:
				r = read(STDIN_FILENO, buf, sizeof(buf));
				if (r > 0 && ustack_send(a, cfd, buf, (size_t)r, 0) == r) {
					sent += (size_t)r;
				} else {        /* end of input: we are done sending */
					epoll_ctl(kep, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
					ustack_shutdown(a, cfd, SHUT_WR);
				}
				break;
			case TAG_SERVER:
				serve(b, bset, lfd);
				break;
			case TAG_CLIENT: {
				struct epoll_event e[1];
				if (ustack_epoll_wait(a, aset, e, 1, 0) != 1)
					break;
				while ((r = ustack_recv(a, cfd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
					got += (size_t)r;
					printf("echo: %.*s", (int)r, buf);
				}
				if (r == 0) {   /* the server closed after our end of input */
					printf("sent %zu bytes, got %zu back\n", sent, got);
					rc = got == sent ? 0 : 1;
					done = 1;
				}
				break;
			}
			}
		}
	}
	close(kep);
	ustack_close(a, cfd);
	ustack_close(a, aset);
	ustack_close(b, bset);
	ustack_close(b, lfd);
	ustack_free(a);
	ustack_free(b);
	ustack_vnet_free(vn);
	return rc;
}
