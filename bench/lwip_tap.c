/* lwip_tap.c - lwIP (Debian's liblwip, through bench_lwip.c) on a Linux TAP device:
 * the lwIP side of bench_tap.sh's "lwIP on a TAP in the same setup" row.
 *
 *   lwip_tap --tap NAME --addr A.B.C.D/N --server PORT
 *       accept one connection, read it to the end, print the rate (receiver's clock,
 *       from accept to end of stream)
 *   lwip_tap --tap NAME --addr A.B.C.D/N --client A.B.C.D PORT BYTES
 *       connect, send BYTES, shut the sending side, wait for the peer's close
 *   lwip_tap --version      the lwIP version it was built against
 *
 * It prints "listening on ..." once the server listens and "<bytes> bytes in <s> s =
 * <x> Gbit/s" at the end, as `ustack bulk` does, so the script reads both alike.
 *
 * The device: the TAP opened without a virtio-net header (lwIP takes and sends plain
 * 1500-byte frames with their checksums; the kernel segments and checksums for it).
 * lwIP's netif writes each frame it sends with one write(); a reader thread blocks in
 * read() and hands each frame to lwIP (pbuf_alloc + copy + ethernet_input under the core
 * lock: LWIP_TCPIP_CORE_LOCKING's driver path, no hop through the tcpip thread's
 * mailbox). The application calls lwIP's sockets (lwip_send/lwip_recv) from the main
 * thread. lwIP's build: TCP_MSS 1460, TCP_WND = TCP_SND_BUF = 64 KiB (window scale 1).
 *
 * A bench helper, not a test: exits 1 when it cannot run, 2 on bad arguments. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "bench_lwip.h"

#define FRAME_MAX 2048
#define CHUNK (64 * 1024)

static int tap_fd = -1;

static void usage(void)
{
	fprintf(stderr, "usage: lwip_tap --tap NAME --addr A.B.C.D/N "
		"(--server PORT | --client A.B.C.D PORT BYTES)\n");
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;   /* no IFF_VNET_HDR: plain frames */
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	/* A tap a previous user left with offloads: the kernel must segment and sum. */
	ioctl(fd, TUNSETOFFLOAD, 0UL);
	return fd;
}

/* lwIP's linkoutput (called with the core lock held): one frame, one write(). */
static void tap_tx(void *ctx, const uint8_t *frame, size_t len)
{
	ssize_t n;

	(void)ctx;
	do {
		n = write(tap_fd, frame, len);
	} while (n < 0 && errno == EINTR);
}

static void *tap_reader(void *arg)
{
	static uint8_t buf[FRAME_MAX];

	(void)arg;
	for (;;) {
		ssize_t n = read(tap_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		lwipb_input(buf, (size_t)n, 1);
	}
}

static int run_server(int port)
{
	struct sockaddr_in a;
	static char buf[CHUNK];
	long long total = 0;
	int ls, s;
	ssize_t k;
	double t0, dt;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	ls = lwipb_sk.socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || lwipb_sk.bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    lwipb_sk.listen(ls, 1) < 0) {
		fprintf(stderr, "lwip_tap: cannot listen on port %d\n", port);
		return 1;
	}
	printf("lwip_tap: listening on port %d\n", port);
	fflush(stdout);
	s = lwipb_sk.accept(ls, NULL, NULL);
	if (s < 0) {
		fprintf(stderr, "lwip_tap: accept failed\n");
		return 1;
	}
	t0 = now_s();
	while ((k = lwipb_sk.recv(s, buf, sizeof(buf), 0)) > 0)
		total += k;
	dt = now_s() - t0;
	lwipb_sk.close(s);
	lwipb_sk.close(ls);
	if (k < 0) {
		fprintf(stderr, "lwip_tap: recv failed after %lld bytes\n", total);
		return 1;
	}
	printf("%lld bytes in %.3f s = %.3f Gbit/s\n", total, dt, (double)total * 8 / dt / 1e9);
	return 0;
}

static int run_client(const char *ip, int port, long long bytes)
{
	struct sockaddr_in a;
	static char buf[CHUNK];
	long long left = bytes;
	int s;
	double t0, dt;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		usage();
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 131 + 7);
	s = lwipb_sk.socket(AF_INET, SOCK_STREAM, 0);
	t0 = now_s();
	if (s < 0 || lwipb_sk.connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "lwip_tap: cannot connect to %s:%d\n", ip, port);
		return 1;
	}
	while (left > 0) {
		size_t want = left < CHUNK ? (size_t)left : CHUNK;
		ssize_t k = lwipb_sk.send(s, buf, want, 0);

		if (k <= 0) {
			fprintf(stderr, "lwip_tap: send failed with %lld bytes left\n", left);
			return 1;
		}
		left -= k;
	}
	lwipb_sk.shutdown(s, SHUT_WR);
	while (lwipb_sk.recv(s, buf, sizeof(buf), 0) > 0)
		;
	dt = now_s() - t0;
	lwipb_sk.close(s);
	printf("%lld bytes in %.3f s = %.3f Gbit/s\n", bytes, dt, (double)bytes * 8 / dt / 1e9);
	return 0;
}

int main(int argc, char **argv)
{
	const char *tap = NULL, *addr = NULL, *peer = NULL;
	int port = -1, prefix = 24;
	long long bytes = 0;
	bool server = false;
	char why[256], ip[32];
	uint8_t mac[6];
	struct in_addr in;
	pthread_t th;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("%s\n", lwipb_version());
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--tap") && i + 1 < argc) {
			tap = argv[++i];
		} else if (!strcmp(argv[i], "--addr") && i + 1 < argc) {
			addr = argv[++i];
		} else if (!strcmp(argv[i], "--server") && i + 1 < argc) {
			server = true;
			port = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--client") && i + 3 < argc) {
			peer = argv[++i];
			port = atoi(argv[++i]);
			bytes = atoll(argv[++i]);
		} else {
			usage();
		}
	}
	if (!tap || !addr || port <= 0 || port > 65535 || (server == (peer != NULL)) ||
	    (peer && bytes <= 0))
		usage();
	const char *slash = strchr(addr, '/');
	size_t alen = slash ? (size_t)(slash - addr) : strlen(addr);

	if (alen >= sizeof(ip))
		usage();
	memcpy(ip, addr, alen);
	ip[alen] = 0;
	if (slash)
		prefix = atoi(slash + 1);
	if (inet_pton(AF_INET, ip, &in) != 1 || prefix < 1 || prefix > 32)
		usage();

	if (lwipb_start(why, sizeof(why)) != 0) {
		fprintf(stderr, "lwip_tap: lwIP: %s\n", why);
		return 1;
	}
	tap_fd = tap_open(tap);
	if (tap_fd < 0) {
		fprintf(stderr, "lwip_tap: tap %s: %s\n", tap, strerror(errno));
		return 1;
	}
	if (getrandom(mac, sizeof(mac), 0) != (ssize_t)sizeof(mac))
		memset(mac, 0x5a, sizeof(mac));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
	if (lwipb_netif_add(in.s_addr, prefix, mac, tap_tx, NULL) != 0) {
		fprintf(stderr, "lwip_tap: lwIP netif: %s\n", strerror(errno));
		return 1;
	}
	if (pthread_create(&th, NULL, tap_reader, NULL) != 0) {
		fprintf(stderr, "lwip_tap: cannot start the reader thread\n");
		return 1;
	}
	fflush(stdout);
	/* The reader thread stays in read(): exit() ends it with the process. */
	exit(server ? run_server(port) : run_client(peer, port, bytes));
}
