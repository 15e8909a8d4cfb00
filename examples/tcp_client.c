/* tcp_client.c - one host on a Linux TAP device, run in real time by the background
 * runner (ustack_start), with a blocking TCP client in the main thread: it resolves
 * HOST, connects to PORT, sends an HTTP/1.0 request and prints what comes back.
 *
 *   gcc -std=c11 -I include examples/tcp_client.c build/lib/libustack.a -lpthread
 *   ./a.out TAP ADDR/PREFIX HOST PORT [DNS-SERVER]
 *   e.g. ./a.out tap0 10.0.0.2/24 10.0.0.1 8080
 *
 * Needs CAP_NET_ADMIN for the TAP. The Linux side of the TAP must be up with an address
 * in the same subnet (see docs/api.md for a network namespace to try it in). */
#define _POSIX_C_SOURCE 200809L   /* struct addrinfo under -std=c11 (see docs/api.md) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/time.h>

#include "ustack/ustack.h"
#include "ustack/dev.h"
#include "ustack/socket.h"
#include "ustack/netdb.h"

int main(int argc, char **argv)
{
	struct in_addr addr;
	int prefix = 24, rc = 1, fd = -1;

	if (argc < 5) {
		fprintf(stderr, "usage: %s TAP ADDR/PREFIX HOST PORT [DNS-SERVER]\n", argv[0]);
		return 2;
	}
	char *slash = strchr(argv[2], '/');
	if (slash) {
		*slash = '\0';
		prefix = atoi(slash + 1);
	}
	if (inet_pton(AF_INET, argv[2], &addr) != 1) {
		fprintf(stderr, "bad address %s\n", argv[2]);
		return 2;
	}

	/* The host: one stack, one interface on the TAP (the stack owns the device). */
	struct ustack *st = ustack_new(&(struct ustack_config){ .name = "client" });
	struct ustack_dev *tap = st ? ustack_tap_open(argv[1], NULL, 1500) : NULL;
	if (!tap || ustack_if_add(st, tap, addr, prefix) < 0) {
		perror("tap");
		ustack_dev_close(tap);
		ustack_free(st);
		return 1;
	}
	if (argc > 5) {
		struct ustack_resolver_config rcfg = { .n_servers = 1 };
		inet_pton(AF_INET, argv[5], &rcfg.servers[0]);
		ustack_resolver_configure(st, &rcfg);
	}
	/* From here a thread reads CLOCK_MONOTONIC, waits on the TAP's fd and runs timers;
	 * this thread may block in any socket call. */
	if (ustack_start(st) < 0) {
		perror("ustack_start");
		goto out;
	}

	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	int err = ustack_getaddrinfo(st, argv[3], argv[4], &hints, &ai);
	if (err) {
		fprintf(stderr, "%s: %s\n", argv[3], ustack_gai_strerror(err));
		goto out;
	}
	fd = ustack_socket(st, AF_INET, SOCK_STREAM, 0);
	struct timeval tv = { .tv_sec = 10 };    /* no call below waits more than 10 s */
	ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ustack_setsockopt(st, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (ustack_connect(st, fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		perror("connect");
		ustack_freeaddrinfo(ai);
		goto out;
	}
	ustack_freeaddrinfo(ai);

	char req[256];
	int len = snprintf(req, sizeof(req), "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", argv[3]);
	if (ustack_send(st, fd, req, (size_t)len, 0) != len) {
		perror("send");
		goto out;
	}
	/* Read to end of stream (the server closes after an HTTP/1.0 answer). */
	char buf[4096];
	size_t total = 0;
	ssize_t n;
	while ((n = ustack_recv(st, fd, buf, sizeof(buf), 0)) > 0) {
		if (total == 0) {
			char *eol = memchr(buf, '\r', (size_t)n);
			printf("%.*s\n", (int)(eol ? eol - buf : n), buf);   /* the status line */
		}
		total += (size_t)n;
	}
	if (n < 0) {
		perror("recv");
		goto out;
	}
	printf("%zu bytes, then end of stream\n", total);
	rc = 0;
out:
	if (fd >= 0)
		ustack_close(st, fd);
	ustack_stop(st);      /* no-op if it was not started */
	ustack_free(st);      /* closes the TAP */
	return rc;
}
