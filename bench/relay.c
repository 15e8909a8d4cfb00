/* relay.c - an impairing Ethernet relay between two interfaces (AF_PACKET), for the
 * loss and fairness benchmarks: this kernel has no sch_netem, so this stands in for it.
 *
 * Every frame received on one interface is sent out of the other, and both directions
 * go through the same impairment, each with its own state:
 *   loss    a seeded random drop with probability P (xorshift64*, one stream per direction)
 *   rate    a bottleneck: frames leave one after another at R bit/s (serialisation)
 *   queue   what may wait for the bottleneck, in bytes; a frame that would overfill it
 *           is dropped (tail drop)
 *   delay   a fixed delay added after the bottleneck (a timed queue, FIFO: the delay is
 *           the same for every frame, so release times never go backwards)
 *
 * It runs in a namespace of its own holding one end of each of two veth pairs; the
 * interfaces must have their offloads off (ethtool -K IF tso off gso off gro off tx off),
 * or Linux hands it 64 KiB super-frames and frames with partial checksums. Frames are
 * read with recvmmsg() in batches and written with send() on the other socket
 * (PACKET_QDISC_BYPASS). One thread; ppoll() sleeps until a frame arrives or the next
 * delayed frame is due.
 *
 *   relay --a IF --b IF [--loss P] [--delay MS] [--rate MBIT] [--queue BYTES]
 *         [--seed N] [--duration SECS]
 *
 * Ends after --duration seconds (default 600) or on SIGTERM/SIGINT, printing what it
 * forwarded and dropped per direction; exit status 0 then, 1 on a setup error, 2 on
 * bad arguments. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#define SLOT 2048          /* bytes per queued frame (MTU 1500 frames and a VLAN tag fit) */
#define NSLOTS 16384       /* frames one direction may hold (delay line + bottleneck) */
#define BATCH 64           /* frames per recvmmsg() */

#define USAGE \
	"usage: relay --a IF --b IF [--loss P] [--delay MS] [--rate MBIT] [--queue BYTES]\n" \
	"             [--seed N] [--duration SECS]\n" \
	"  --a IF, --b IF     the two interfaces; frames from each go out of the other\n" \
	"  --loss P           drop each frame with probability P (0..1), both directions\n" \
	"  --delay MS         add MS milliseconds (fractions allowed) to every frame\n" \
	"  --rate MBIT        bottleneck of MBIT Mbit/s each way (default: none)\n" \
	"  --queue BYTES      what may wait for the bottleneck (default 262144); tail drop\n" \
	"  --seed N           seed of the loss draws (default 1)\n" \
	"  --duration SECS    end after SECS seconds (default 600)\n"

struct slot {
	uint64_t release_ns;
	uint32_t len;
	uint8_t data[SLOT];
};

struct dir {
	const char *name;       /* "a->b" */
	int in_fd, out_fd;
	uint64_t rng;
	uint64_t link_free_ns;  /* when the bottleneck is idle again */
	struct slot *ring;
	size_t head, count;
	uint64_t frames, lost, tail_dropped, overflow, oversize, sent, send_errors;
};

struct cfg {
	const char *a, *b;
	double loss;
	uint64_t delay_ns;
	uint64_t rate_bps;      /* 0: no bottleneck */
	uint64_t queue_bytes;
	uint64_t seed;
	unsigned duration_s;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) / 9007199254740992.0;
}

static int open_if(const char *name)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	unsigned idx = if_nametoindex(name);
	int one = 1, buf = 8 << 20;
	int fd;

	if (!idx) {
		fprintf(stderr, "relay: %s: %s\n", name, strerror(errno));
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		fprintf(stderr, "relay: socket(AF_PACKET): %s\n", strerror(errno));
		return -1;
	}
	/* Not our own transmissions: they would come back as received frames. */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
		fprintf(stderr, "relay: PACKET_IGNORE_OUTGOING: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "relay: bind %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	/* A bridge forwards frames for any address. */
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)idx;
	mr.mr_type = PACKET_MR_PROMISC;
	setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
	return fd;
}

/* A frame arrived at t: lose it, drop it at the bottleneck, or queue it. */
static void admit(struct dir *d, const struct cfg *c, const uint8_t *frame, size_t len,
		  uint64_t t)
{
	uint64_t release;

	d->frames++;
	if (c->loss > 0 && rng_next(&d->rng) < c->loss) {
		d->lost++;
		return;
	}
	if (c->rate_bps) {
		uint64_t start = d->link_free_ns > t ? d->link_free_ns : t;
		uint64_t backlog = (uint64_t)((double)(start - t) * (double)c->rate_bps / 8e9);

		if (backlog + len > c->queue_bytes) {
			d->tail_dropped++;
			return;
		}
		d->link_free_ns = start + (uint64_t)((double)len * 8e9 / (double)c->rate_bps);
		release = d->link_free_ns + c->delay_ns;
	} else {
		release = t + c->delay_ns;
	}
	if (d->count == NSLOTS) {
		d->overflow++;
		return;
	}
	struct slot *s = &d->ring[(d->head + d->count) % NSLOTS];
	s->release_ns = release;
	s->len = (uint32_t)len;
	memcpy(s->data, frame, len);
	d->count++;
}

/* Reads what is waiting on d's input (a bounded number of batches). */
static void receive(struct dir *d, const struct cfg *c, uint8_t (*buf)[SLOT])
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];

	for (int round = 0; round < 8; round++) {
		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = SLOT;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		int n = recvmmsg(d->in_fd, mm, BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (n <= 0)
			return;
		uint64_t t = now_ns();
		for (int i = 0; i < n; i++) {
			if (mm[i].msg_len > SLOT || (mm[i].msg_hdr.msg_flags & MSG_TRUNC)) {
				d->frames++;
				d->oversize++;   /* a super-frame: offloads left on */
				continue;
			}
			admit(d, c, buf[i], mm[i].msg_len, t);
		}
		if (n < BATCH)
			return;
	}
}

/* Sends every frame whose time has come. */
static void release_due(struct dir *d, uint64_t t)
{
	while (d->count && d->ring[d->head].release_ns <= t) {
		struct slot *s = &d->ring[d->head];

		if (send(d->out_fd, s->data, s->len, 0) < 0)
			d->send_errors++;
		else
			d->sent++;
		d->head = (d->head + 1) % NSLOTS;
		d->count--;
	}
}

static void report(const struct dir *d)
{
	printf("relay %s: %llu frames, %llu lost, %llu tail-dropped, %llu overflow, %llu oversize, "
	       "%llu sent, %llu send errors\n", d->name, (unsigned long long)d->frames,
	       (unsigned long long)d->lost, (unsigned long long)d->tail_dropped,
	       (unsigned long long)d->overflow, (unsigned long long)d->oversize,
	       (unsigned long long)d->sent, (unsigned long long)d->send_errors);
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "relay: %s%s%s\n%s", msg, arg ? " " : "", arg ? arg : "", USAGE);
	return 2;
}

static int parse_args(int argc, char **argv, struct cfg *c)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		char *end;
		double v;

		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			fputs(USAGE, stdout);
			exit(0);
		}
		if (i + 1 >= argc)
			return usage_error("missing value after", o);
		const char *s = argv[++i];
		if (!strcmp(o, "--a")) {
			c->a = s;
			continue;
		}
		if (!strcmp(o, "--b")) {
			c->b = s;
			continue;
		}
		errno = 0;
		v = strtod(s, &end);
		if (errno || end == s || *end || v < 0)
			return usage_error("bad value for", o);
		if (!strcmp(o, "--loss") && v <= 1)
			c->loss = v;
		else if (!strcmp(o, "--delay") && v <= 10000)
			c->delay_ns = (uint64_t)(v * 1e6);
		else if (!strcmp(o, "--rate") && v <= 1e6)
			c->rate_bps = (uint64_t)(v * 1e6);
		else if (!strcmp(o, "--queue") && v >= SLOT && v <= 1e9)
			c->queue_bytes = (uint64_t)v;
		else if (!strcmp(o, "--seed"))
			c->seed = (uint64_t)v;
		else if (!strcmp(o, "--duration") && v >= 1 && v <= 86400)
			c->duration_s = (unsigned)v;
		else
			return usage_error("unknown option or value out of range:", o);
	}
	if (!c->a || !c->b)
		return usage_error("--a and --b are required", NULL);
	return 0;
}

int main(int argc, char **argv)
{
	struct cfg c = { .queue_bytes = 262144, .seed = 1, .duration_s = 600 };
	struct dir d[2];
	struct sigaction sa;
	uint8_t (*buf)[SLOT];
	int rc = parse_args(argc, argv, &c);

	if (rc)
		return rc;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int fa = open_if(c.a), fb = fa >= 0 ? open_if(c.b) : -1;
	buf = malloc(sizeof(*buf) * BATCH);
	memset(d, 0, sizeof(d));
	d[0].ring = malloc(sizeof(struct slot) * NSLOTS);
	d[1].ring = malloc(sizeof(struct slot) * NSLOTS);
	if (fa < 0 || fb < 0 || !buf || !d[0].ring || !d[1].ring) {
		if (fa >= 0)
			close(fa);
		if (fb >= 0)
			close(fb);
		return 1;
	}
	d[0].name = "a->b";
	d[0].in_fd = fa;
	d[0].out_fd = fb;
	d[0].rng = c.seed * 2 + 0x9e3779b97f4a7c15ULL;
	d[1].name = "b->a";
	d[1].in_fd = fb;
	d[1].out_fd = fa;
	d[1].rng = c.seed * 2 + 1 + 0xbf58476d1ce4e5b9ULL;
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 4; k++)
			rng_next(&d[i].rng);

	printf("relay: %s <-> %s, loss %.2f%%, delay %.3f ms, rate %.1f Mbit/s, queue %llu bytes, "
	       "seed %llu\n", c.a, c.b, c.loss * 100, (double)c.delay_ns / 1e6,
	       (double)c.rate_bps / 1e6, (unsigned long long)c.queue_bytes,
	       (unsigned long long)c.seed);
	fflush(stdout);

	uint64_t end = now_ns() + (uint64_t)c.duration_s * 1000000000u;
	while (!stop) {
		uint64_t t = now_ns();
		if (t >= end)
			break;
		uint64_t wake = end;
		for (int i = 0; i < 2; i++)
			if (d[i].count && d[i].ring[d[i].head].release_ns < wake)
				wake = d[i].ring[d[i].head].release_ns;
		struct pollfd p[2] = { { .fd = fa, .events = POLLIN }, { .fd = fb, .events = POLLIN } };
		uint64_t left = wake > t ? wake - t : 0;
		struct timespec ts = { .tv_sec = (time_t)(left / 1000000000u),
				       .tv_nsec = (long)(left % 1000000000u) };
		int n = ppoll(p, 2, &ts, NULL);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "relay: poll: %s\n", strerror(errno));
			break;
		}
		for (int i = 0; i < 2; i++)
			if (n > 0 && (p[i].revents & POLLIN))
				receive(&d[i], &c, buf);
		t = now_ns();
		release_due(&d[0], t);
		release_due(&d[1], t);
	}
	report(&d[0]);
	report(&d[1]);
	close(fa);
	close(fb);
	free(d[0].ring);
	free(d[1].ring);
	free(buf);
	return 0;
}
