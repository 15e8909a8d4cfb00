/* http_get.c - the library in a few lines: look a name up, connect, send an HTTP
 * request and read the answer to the end, every call checked (fetch() below).
 *
 * So that it runs anywhere (no root, no TAP), the network is in this process: our host
 * "me" (10.0.0.2) and a host "web" (10.0.0.1) that answers DNS for www.example.test and
 * HTTP on port 80, joined by an in-process Ethernet switch (vnet), each stack run in real
 * time by its own thread (ustack_start). On a real network only the device changes:
 * ustack_tap_open("tap0", NULL, 1500) instead of ustack_vnet_port(vn, NULL, 1500).
 *
 *   cc -std=c11 -pthread examples/http_get.c $(pkg-config --cflags --libs ustack) && ./a.out */
#define _POSIX_C_SOURCE 200809L   /* struct addrinfo under -std=c11 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/time.h>

#include <ustack/ustack.h>
#include <ustack/dev.h>
#include <ustack/socket.h>
#include <ustack/netdb.h>

#define BODY_LEN 100000           /* more than one receive buffer's worth: the read loop matters */

/* GET http://host/ on stack st: prints the status line, returns the bytes read to EOF or -1. */
static long fetch(struct ustack *st, const char *host)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	int err = ustack_getaddrinfo(st, host, "80", &hints, &ai);
	if (err != 0) {
		fprintf(stderr, "getaddrinfo %s: %s\n", host, ustack_gai_strerror(err));
		return -1;
	}
	struct timeval tmo = { .tv_sec = 10 };              /* a silent server fails recv, EAGAIN */
	int fd = ustack_socket(st, AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof tmo) < 0 ||
	    ustack_connect(st, fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		perror("socket/connect");
		ustack_freeaddrinfo(ai);
		ustack_close(st, fd);
		return -1;
	}
	ustack_freeaddrinfo(ai);
	char req[256], buf[4096];
	int len = snprintf(req, sizeof req, "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", host);
	ssize_t n = ustack_send(st, fd, req, (size_t)len, 0);  /* blocking: all of it, or -1 */
	long total = 0;
	while (n >= 0 && (n = ustack_recv(st, fd, buf, sizeof buf, 0)) > 0) {
		if (total == 0)
			printf("%.*s\n", (int)strcspn(buf, "\r\n"), buf);   /* the status line */
		total += n;
	}
	if (n < 0)
		perror("send/recv");
	ustack_close(st, fd);
	return n == 0 ? total : -1;                        /* recv returned 0: the server closed */
}

/* --- the other side: "web" answers one HTTP request with a BODY_LEN-byte body ------- */

struct web {
	struct ustack *st;
	int lfd;                                           /* listening on port 80 */
};

static void *web_serve_one(void *arg)
{
	struct web *w = arg;
	static char body[BODY_LEN];
	char head[128], req[1024] = "";
	size_t got = 0;
	struct timeval tmo = { .tv_sec = 10 };

	memset(body, 'x', sizeof body);
	int fd = ustack_accept(w->st, w->lfd, NULL, NULL);   /* SO_RCVTIMEO bounds the wait */
	if (fd < 0 || ustack_setsockopt(w->st, fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof tmo) < 0) {
		perror("web: accept");
		return (void *)1;
	}
	while (!strstr(req, "\r\n\r\n") && got < sizeof req - 1) {   /* the request's head */
		ssize_t n = ustack_recv(w->st, fd, req + got, sizeof req - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		req[got] = '\0';
	}
	int hl = snprintf(head, sizeof head, "HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n", BODY_LEN);
	void *rc = (void *)1;
	if (strncmp(req, "GET / HTTP/1.0\r\n", 16) != 0)
		fprintf(stderr, "web: not the request expected: \"%.40s\"\n", req);
	else if (ustack_send(w->st, fd, head, (size_t)hl, 0) != hl ||
		 ustack_send(w->st, fd, body, sizeof body, 0) != (ssize_t)sizeof body)
		perror("web: send");
	else
		rc = NULL;
	ustack_close(w->st, fd);                           /* the client reads up to this EOF */
	return rc;
}

/* Host "web" on the switch: 10.0.0.1, a DNS server for www.example.test, port 80 listening. */
static struct ustack_dns_server *web_up(struct web *w, struct ustack_vnet *vn, struct in_addr addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct timeval tmo = { .tv_sec = 10 };
	struct ustack_dev *port = ustack_vnet_port(vn, NULL, 1500);

	if (!port || ustack_if_add(w->st, port, addr, 24) < 0) {
		perror("web: interface");
		return NULL;
	}
	w->lfd = ustack_socket(w->st, AF_INET, SOCK_STREAM, 0);
	if (w->lfd < 0 || ustack_setsockopt(w->st, w->lfd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof tmo) < 0 ||
	    ustack_bind(w->st, w->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    ustack_listen(w->st, w->lfd, 1) < 0) {
		perror("web: listen");
		return NULL;
	}
	struct ustack_dns_server *dns = ustack_dns_server_start(w->st, "www.example.test A 10.0.0.1\n",
								53, 60);
	if (!dns)
		perror("web: dns server");
	return dns;
}

int main(void)
{
	struct ustack *me = ustack_new(&(struct ustack_config){ .name = "me" });
	struct web w = { .st = ustack_new(&(struct ustack_config){ .name = "web" }), .lfd = -1 };
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack_dns_server *dns = NULL;
	struct ustack_dev *port = NULL;
	struct in_addr me_addr, web_addr;
	pthread_t server;
	void *server_rc = (void *)1;
	int rc = 1;

	inet_pton(AF_INET, "10.0.0.2", &me_addr);
	inet_pton(AF_INET, "10.0.0.1", &web_addr);
	if (!me || !w.st || !vn || !(dns = web_up(&w, vn, web_addr)))
		goto out;
	/* our host: 10.0.0.2/24 on the same switch, asking 10.0.0.1 for names */
	struct ustack_resolver_config rcfg = { .servers = { web_addr }, .n_servers = 1 };
	if (!(port = ustack_vnet_port(vn, NULL, 1500)) || ustack_if_add(me, port, me_addr, 24) < 0 ||
	    ustack_resolver_configure(me, &rcfg) < 0) {
		perror("me: interface/resolver");
		goto out;
	}
	if (ustack_start(me) < 0 || ustack_start(w.st) < 0) {   /* a thread runs each stack */
		perror("ustack_start");
		goto out;
	}
	if ((errno = pthread_create(&server, NULL, web_serve_one, &w)) != 0) {
		perror("pthread_create");
		goto out;
	}
	long n = fetch(me, "www.example.test");
	pthread_join(server, &server_rc);
	if (n < 0 || server_rc != NULL) {
		fprintf(stderr, "the fetch failed\n");
		goto out;
	}
	printf("read %ld bytes up to EOF: a %d-byte body and its header\n", n, BODY_LEN);
	rc = 0;
out:
	ustack_dns_server_stop(dns);
	if (w.lfd >= 0)
		ustack_close(w.st, w.lfd);
	ustack_free(me);                                   /* stops its runner, closes its port */
	ustack_free(w.st);
	ustack_vnet_free(vn);
	return rc;
}
