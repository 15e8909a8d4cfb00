/* posix_echo.c - a classic sockets program (select, readv/writev, FIONREAD), ported to
 * ustack by including <ustack/posix.h> last and bringing a stack up in main(): the
 * socket code below is plain POSIX, unchanged.
 *
 *   posix_echo server TAP ADDR/PREFIX PORT       echo for one client, then exit
 *   posix_echo client TAP ADDR/PREFIX HOST PORT MESSAGE
 *                                                send MESSAGE (two writev buffers), print
 *                                                what comes back until the peer closes
 *
 * Needs CAP_NET_ADMIN for the TAP; the Linux side of the TAP must be up in the same
 * subnet (tests/interop/test_posix.sh runs both against Linux's nc in a namespace). */
#define _POSIX_C_SOURCE 200809L   /* struct addrinfo under -std=c11 (see docs/api.md) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/uio.h>

#include "ustack/dev.h"
#include "ustack/posix.h"              /* last: from here on, socket() is ustack's */

/* ---- the sockets program: POSIX only ------------------------------------------ */

static int echo_server(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1;
	int l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 4) < 0) {
		perror("server socket");
		return 1;
	}
	printf("listening on port %d\n", port);
	fflush(stdout);
	int c = accept(l, NULL, NULL);
	if (c < 0) {
		perror("accept");
		return 1;
	}
	size_t total = 0;
	for (;;) {
		fd_set rd;
		struct timeval tv = { 10, 0 };
		FD_ZERO(&rd);
		FD_SET(c, &rd);
		int n = select(c + 1, &rd, NULL, NULL, &tv);
		if (n <= 0) {
			fprintf(stderr, "select: %s\n", n ? strerror(errno) : "timed out");
			return 1;
		}
		int avail = 0;
		if (ioctl(c, FIONREAD, &avail) < 0) {
			perror("ioctl FIONREAD");
			return 1;
		}
		char head[8], tail[4096];
		struct iovec iov[2] = { { head, sizeof(head) }, { tail, sizeof(tail) } };
		ssize_t r = readv(c, iov, 2);
		if (r < 0) {
			perror("readv");
			return 1;
		}
		if (r == 0)
			break;                      /* the client is done */
		/* echo it back in the same two pieces */
		size_t h = (size_t)r < sizeof(head) ? (size_t)r : sizeof(head);
		struct iovec out[2] = { { head, h }, { tail, (size_t)r - h } };
		if (writev(c, out, 2) != r) {
			perror("writev");
			return 1;
		}
		total += (size_t)r;
		printf("echoed %zd bytes (FIONREAD said %d)\n", r, avail);
	}
	printf("client done after %zu bytes\n", total);
	close(c);
	close(l);
	return 0;
}

static int echo_client(const char *host, int port, const char *msg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int c = socket(AF_INET, SOCK_STREAM, 0);

	if (c < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return 1;
	}
	size_t len = strlen(msg), half = len / 2;
	struct iovec out[3] = { { (void *)msg, half }, { (void *)(msg + half), len - half },
				{ "\n", 1 } };
	if (writev(c, out, 3) != (ssize_t)len + 1) {
		perror("writev");
		return 1;
	}
	shutdown(c, SHUT_WR);
	for (;;) {
		fd_set rd;
		struct timeval tv = { 10, 0 };
		FD_ZERO(&rd);
		FD_SET(c, &rd);
		if (select(c + 1, &rd, NULL, NULL, &tv) <= 0) {
			fprintf(stderr, "select: nothing back\n");
			return 1;
		}
		int avail = 0;
		ioctl(c, FIONREAD, &avail);
		char a[4], b[4096];
		struct iovec in[2] = { { a, sizeof(a) }, { b, sizeof(b) - 1 } };
		ssize_t r = readv(c, in, 2);
		if (r <= 0)
			break;
		printf("got back %zd bytes (FIONREAD said %d): %.*s%.*s", r, avail,
		       (int)(r < 4 ? r : 4), a, (int)(r > 4 ? r - 4 : 0), b);
	}
	close(c);
	return 0;
}

/* ---- bringing ustack up: the only ustack-specific part --------------------------- */

int main(int argc, char **argv)
{
	bool server = argc == 5 && !strcmp(argv[1], "server");
	bool client = argc == 7 && !strcmp(argv[1], "client");
	struct in_addr addr;
	int prefix = 24;

	if (!server && !client) {
		fprintf(stderr, "usage: %s server TAP ADDR/PREFIX PORT\n"
			"       %s client TAP ADDR/PREFIX HOST PORT MESSAGE\n", argv[0], argv[0]);
		return 2;
	}
	char *slash = strchr(argv[3], '/');
	if (slash) {
		*slash = '\0';
		prefix = atoi(slash + 1);
	}
	if (inet_pton(AF_INET, argv[3], &addr) != 1) {
		fprintf(stderr, "bad address %s\n", argv[3]);
		return 2;
	}
	/* descriptors far above the kernel's: close/read/write on files still work */
	struct ustack *st = ustack_new(&(struct ustack_config){ .name = "posix_echo",
								.fd_base = 1000 });
	struct ustack_dev *tap = st ? ustack_tap_open(argv[2], NULL, 1500) : NULL;
	if (!tap || ustack_if_add(st, tap, addr, prefix) < 0 || ustack_start(st) < 0) {
		perror("ustack on the tap");
		return 1;
	}
	ustack_set_default(st);
	int rc = server ? echo_server(atoi(argv[4])) : echo_client(argv[4], atoi(argv[5]), argv[6]);
	ustack_set_default(NULL);
	ustack_free(st);
	return rc;
}
