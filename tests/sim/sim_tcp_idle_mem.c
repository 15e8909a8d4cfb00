/* sim_tcp_idle_mem.c - many idle connections are cheap (issue 9, item 5): 10,000 TCP
 * connections between two stacks on the virtual clock, a few bytes each way on every
 * one (checked byte for byte), then idle. Every connection end must then hold no ring,
 * no out-of-order ranges and no SACK scoreboard, and the heap the two stacks gained per
 * connection end, measured (mallinfo2's bytes in allocated and mmapped chunks; under
 * AddressSanitizer its own count of live bytes), must stay within 1 KiB: TCP's state, the socket, the tables.
 *
 * The figures are printed: heap per end in total, and TCP's part of it (each
 * connection's block and whatever it holds, as malloc_usable_size reports them). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib_tcpsim.h"
#include "ustack/socket.h"
#include "core/stack.h"
#include "socket/sock_var.h"
#include "tcp/tcp_var.h"

#if defined(__SANITIZE_ADDRESS__)
#define IDLE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IDLE_ASAN 1
#endif
#endif
#ifdef IDLE_ASAN
/* sanitizer/allocator_interface.h, which not every compiler package ships */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#define N_CONN      10000
#define BATCH       250
#define PORT        7000
#define MSG_LEN     16
#define PER_END_MAX 1024      /* bytes of stack heap per idle connection end (issue 9) */

/* Bytes of heap in use by the whole process right now. */
static size_t heap_in_use(void)
{
#ifdef IDLE_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;            /* allocated chunks, and mmapped ones */
#endif
}

static void msg_for(unsigned i, char tag, char out[MSG_LEN])
{
	char tmp[MSG_LEN + 1];

	snprintf(tmp, sizeof(tmp), "%c%014u.", tag, i * 7919u);
	memcpy(out, tmp, MSG_LEN);
}

struct idle {
	struct tcpsim t;
	int lfd;
	int cfd[N_CONN];              /* client ends (stack a), by connection number */
	int sfd[N_CONN];              /* server ends (stack b), in accept order */
	unsigned n_conn, n_acc;
	unsigned replies;             /* server ends that answered */
	unsigned answered;            /* client ends that got their answer */
	bool sfd_done[N_CONN];
	bool cfd_done[N_CONN];
	bool bad;
};

/* Accept what is queued; answer each request (its number is in it) with the reply. */
static void serve(struct idle *w)
{
	for (;;) {
		int fd = ustack_accept4(w->t.b, w->lfd, NULL, NULL, SOCK_NONBLOCK);
		if (fd < 0)
			break;
		assert_true(w->n_acc < N_CONN);
		w->sfd[w->n_acc++] = fd;
	}
	for (unsigned k = 0; k < w->n_acc; k++) {
		char buf[MSG_LEN * 2], want[MSG_LEN], reply[MSG_LEN];
		unsigned i;

		if (w->sfd_done[k])
			continue;
		ssize_t n = ustack_recv(w->t.b, w->sfd[k], buf, sizeof(buf), MSG_PEEK);
		if (n < MSG_LEN)
			continue;                      /* not all here yet */
		assert_int_equal(ustack_recv(w->t.b, w->sfd[k], buf, sizeof(buf), 0), MSG_LEN);
		if (sscanf(buf, "q%u.", &i) != 1 || i % 7919u || i / 7919u >= N_CONN) {
			w->bad = true;
			continue;
		}
		i /= 7919u;
		msg_for(i, 'q', want);
		if (memcmp(buf, want, MSG_LEN) != 0)
			w->bad = true;
		msg_for(i, 'r', reply);
		assert_int_equal(ustack_send(w->t.b, w->sfd[k], reply, MSG_LEN, 0), MSG_LEN);
		w->sfd_done[k] = true;
		w->replies++;
	}
}

static void collect(struct idle *w)
{
	for (unsigned i = 0; i < w->n_conn; i++) {
		char buf[MSG_LEN * 2], want[MSG_LEN];

		if (w->cfd_done[i])
			continue;
		ssize_t n = ustack_recv(w->t.a, w->cfd[i], buf, sizeof(buf), MSG_PEEK);
		if (n < MSG_LEN)
			continue;
		assert_int_equal(ustack_recv(w->t.a, w->cfd[i], buf, sizeof(buf), 0), MSG_LEN);
		msg_for(i, 'r', want);
		if (memcmp(buf, want, MSG_LEN) != 0)
			w->bad = true;
		w->cfd_done[i] = true;
		w->answered++;
	}
}

static bool batch_done(void *ctx)
{
	struct idle *w = ctx;

	serve(w);
	collect(w);
	return w->bad || w->answered == w->n_conn;
}

/* TCP's heap in one stack: every connection's block and what it holds. Also checks
 * that an idle ESTABLISHED end holds no buffer. */
static size_t tcp_heap(struct ustack *st, unsigned *n_est, unsigned *n_holding)
{
	size_t b = 0;

	for (struct tcp_conn *c = st->tcp->all; c; c = c->anext) {
		b += malloc_usable_size(c);
		b += malloc_usable_size(c->sndbuf.buf) + malloc_usable_size(c->rcvbuf.buf);
		b += malloc_usable_size(c->ooo.r) + malloc_usable_size(c->sacked.r);
		if (c->state == TCPS_ESTABLISHED)
			(*n_est)++;
		if (c->sndbuf.buf || c->rcvbuf.buf || c->ooo.r || c->sacked.r)
			(*n_holding)++;
	}
	return b;
}

static void test_idle_connections_are_small(void **state)
{
	struct idle *w = calloc(1, sizeof(*w));
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int one = 1;

	(void)state;
	assert_non_null(w);
	tcpsim_init(&w->t, 1000, NULL, NULL);
	w->lfd = ustack_socket(w->t.b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(w->lfd >= 0);
	assert_int_equal(ustack_setsockopt(w->t.b, w->lfd, SOL_SOCKET, SO_REUSEADDR, &one,
					   sizeof(one)), 0);
	assert_int_equal(ustack_bind(w->t.b, w->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(ustack_listen(w->t.b, w->lfd, 4096), 0);
	/* one step of the clock so both stacks have resolved each other and warmed up */
	simnet_run_for(w->t.sn, 1000);
	size_t before = heap_in_use();

	sin.sin_addr.s_addr = simnet_addr("10.0.0.2");
	while (w->n_conn < N_CONN) {
		unsigned end = w->n_conn + BATCH > N_CONN ? N_CONN : w->n_conn + BATCH;

		unsigned first = w->n_conn;

		for (unsigned i = first; i < end; i++) {
			int fd = ustack_socket(w->t.a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

			assert_true(fd >= 0);
			int rc = ustack_connect(w->t.a, fd, (struct sockaddr *)&sin, sizeof(sin));
			assert_true(rc == 0 || errno == EINPROGRESS);
			w->cfd[i] = fd;
		}
		w->n_conn = end;
		/* run until the whole batch is connected (and accepted) */
		bool up = false;
		for (int steps = 0; steps < 100000 && !up; steps++) {
			if (!simnet_step(w->t.sn, simnet_now(w->t.sn) + 10000000))
				break;
			serve(w);
			up = true;
			for (unsigned i = first; i < end && up; i++) {
				struct pollfd p = { .fd = w->cfd[i], .events = POLLOUT };
				up = ustack_poll(w->t.a, &p, 1, 0) == 1 && (p.revents & POLLOUT);
			}
		}
		assert_true(up);
		/* a request on each; the server answers; the client checks */
		for (unsigned i = first; i < end; i++) {
			char q[MSG_LEN];

			msg_for(i, 'q', q);
			assert_int_equal(ustack_send(w->t.a, w->cfd[i], q, MSG_LEN, 0), MSG_LEN);
		}
		assert_true(simnet_run_until(w->t.sn, batch_done, w, 10000000));
		assert_false(w->bad);
	}
	assert_int_equal(w->n_acc, N_CONN);
	assert_int_equal(w->replies, N_CONN);
	assert_int_equal(w->answered, N_CONN);
	/* idle: delayed ACKs go out, nothing else is due */
	simnet_run_for(w->t.sn, 2000000);
	size_t after = heap_in_use();

	unsigned est_a = 0, est_b = 0, hold_a = 0, hold_b = 0;
	size_t tcp_a = tcp_heap(w->t.a, &est_a, &hold_a);
	size_t tcp_b = tcp_heap(w->t.b, &est_b, &hold_b);
	double per_end = (double)(after - before) / (2.0 * N_CONN);
	double tcp_per_end = (double)(tcp_a + tcp_b) / (2.0 * N_CONN);

	printf("# %u idle connections: heap %zu -> %zu bytes: %.0f bytes per connection end "
	       "(bound %u); TCP's part %.0f (sizeof tcp_conn %zu); sizeof usock %zu\n",
	       N_CONN, before, after, per_end, PER_END_MAX, tcp_per_end,
	       sizeof(struct tcp_conn), sizeof(struct usock));
	assert_int_equal(est_a, N_CONN);
	assert_int_equal(est_b, N_CONN);
	assert_int_equal(hold_a, 0);
	assert_int_equal(hold_b, 0);
	assert_true(after > before);
	assert_true(per_end <= PER_END_MAX);
	assert_true(tcp_per_end <= per_end);

	/* still usable after idling: one more exchange on the first and last connection */
	for (unsigned k = 0; k < 2; k++) {
		unsigned i = k ? N_CONN - 1 : 0, got = 0;
		char buf[8];

		assert_int_equal(ustack_send(w->t.a, w->cfd[i], "again", 5, 0), 5);
		simnet_run_for(w->t.sn, 10000);
		for (unsigned s = 0; s < N_CONN; s++) {
			ssize_t n = ustack_recv(w->t.b, w->sfd[s], buf, sizeof(buf), 0);
			if (n > 0) {
				assert_int_equal(n, 5);
				assert_memory_equal(buf, "again", 5);
				got++;
			}
		}
		assert_int_equal(got, 1);
	}
	tcpsim_free(&w->t);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_connections_are_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
