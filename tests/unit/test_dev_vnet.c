/* test_dev_vnet.c - the in-process switch on a virtual clock: flooding of broadcast
 * and unknown unicast, MAC learning, no echo to the sender, derived MACs, latency,
 * bandwidth (serialisation), the eventfd wake-up and the queue bound. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <string.h>

#include "ustack/dev.h"

static void frame(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src, uint8_t tag)
{
	memset(f, tag, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
}

static int rx(struct ustack_dev *d, uint64_t now, uint8_t *tag)
{
	uint8_t buf[2048];
	int n = d->ops->recv(d, buf, sizeof(buf), now);

	if (n > 0 && tag)
		*tag = buf[14];
	return n;
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void test_vnet_flood_and_learn(void **state)
{
	(void)state;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack_dev *a, *b, *c;
	uint8_t f[64], tag;

	ustack_vnet_set_id(vn, 7);
	a = ustack_vnet_port(vn, NULL, 1500);
	b = ustack_vnet_port(vn, NULL, 1500);
	c = ustack_vnet_port(vn, NULL, 1500);
	assert_non_null(a);
	assert_non_null(c);
	{
		const uint8_t want_b[6] = { 0x02, 0, 0, 0, 7, 2 };

		assert_memory_equal(b->mac, want_b, 6);
	}
	assert_int_equal(a->mtu, 1500);
	assert_true(a->fd >= 0);

	/* broadcast from a: b and c get it, a does not */
	frame(f, sizeof(f), bcast, a->mac, 1);
	assert_int_equal(a->ops->send(a, f, sizeof(f), 0), 0);
	assert_true(readable(b->fd));
	assert_int_equal(rx(b, 0, &tag), 64);
	assert_int_equal(tag, 1);
	assert_int_equal(rx(c, 0, &tag), 64);
	assert_int_equal(rx(a, 0, NULL), 0);
	assert_int_equal(rx(b, 0, NULL), 0);
	assert_false(readable(b->fd));   /* drained once empty */

	/* b -> a: a was learnt, so only a gets it (c does not) */
	frame(f, sizeof(f), a->mac, b->mac, 2);
	b->ops->send(b, f, sizeof(f), 0);
	assert_int_equal(rx(a, 0, &tag), 64);
	assert_int_equal(tag, 2);
	assert_int_equal(rx(c, 0, NULL), 0);

	/* c -> unknown MAC: flooded to a and b */
	{
		const uint8_t unknown[6] = { 0x02, 9, 9, 9, 9, 9 };

		frame(f, sizeof(f), unknown, c->mac, 3);
		c->ops->send(c, f, sizeof(f), 0);
		assert_int_equal(rx(a, 0, &tag), 64);
		assert_int_equal(rx(b, 0, &tag), 64);
	}
	/* a -> b (learnt from its send above) */
	frame(f, sizeof(f), b->mac, a->mac, 4);
	a->ops->send(a, f, sizeof(f), 0);
	assert_int_equal(rx(c, 0, NULL), 0);
	assert_int_equal(rx(b, 0, &tag), 64);
	assert_int_equal(tag, 4);

	/* a frame to itself goes nowhere */
	frame(f, sizeof(f), a->mac, a->mac, 5);
	a->ops->send(a, f, sizeof(f), 0);
	assert_int_equal(rx(a, 0, NULL), 0);
	assert_int_equal(rx(b, 0, NULL), 0);

	/* a closed port is forgotten: frames to it flood */
	ustack_dev_close(a);
	frame(f, sizeof(f), (const uint8_t[6]){ 0x02, 0, 0, 0, 7, 1 }, b->mac, 6);
	b->ops->send(b, f, sizeof(f), 0);
	assert_int_equal(rx(c, 0, &tag), 64);
	assert_int_equal(tag, 6);

	/* freeing the switch with ports open is deferred to the last close */
	ustack_vnet_free(vn);
	ustack_dev_close(b);
	ustack_dev_close(c);
}

/* The port's fd is readable from the first frame queued until a receive finds nothing
 * due: a burst signals once, a frame not yet due still wakes the reader (who then sleeps
 * until next_deadline), and a frame queued after the clear signals again. */
static void test_vnet_wakeup(void **state)
{
	(void)state;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack_dev *a = ustack_vnet_port(vn, NULL, 1500);
	struct ustack_dev *b = ustack_vnet_port(vn, NULL, 1500);
	uint8_t f[64], tag;

	assert_false(readable(b->fd));
	for (uint8_t i = 1; i <= 3; i++) {
		frame(f, sizeof(f), bcast, a->mac, i);
		assert_int_equal(a->ops->send(a, f, sizeof(f), 0), 0);
	}
	assert_true(readable(b->fd));
	assert_int_equal(rx(b, 0, &tag), 64);
	assert_int_equal(tag, 1);
	assert_true(readable(b->fd));            /* two more wait */
	assert_int_equal(rx(b, 0, &tag), 64);
	assert_int_equal(rx(b, 0, &tag), 64);
	assert_int_equal(tag, 3);
	assert_true(readable(b->fd));            /* cleared only by a receive that finds none */
	assert_int_equal(rx(b, 0, NULL), 0);
	assert_false(readable(b->fd));
	assert_int_equal(rx(b, 0, NULL), 0);
	assert_false(readable(b->fd));

	/* a frame due later: readable at once; the receive that finds it not due clears */
	assert_int_equal(ustack_vnet_port_link(a, 1000, 0), 0);
	frame(f, sizeof(f), bcast, a->mac, 4);
	assert_int_equal(a->ops->send(a, f, sizeof(f), 0), 0);
	assert_true(readable(b->fd));
	assert_int_equal(rx(b, 500, NULL), 0);
	assert_false(readable(b->fd));
	assert_int_equal(b->ops->next_deadline(b), 1000);
	/* another frame queued behind it signals again */
	frame(f, sizeof(f), bcast, a->mac, 5);
	assert_int_equal(a->ops->send(a, f, sizeof(f), 600), 0);
	assert_true(readable(b->fd));
	assert_int_equal(rx(b, 1600, &tag), 64);
	assert_int_equal(tag, 4);
	assert_int_equal(rx(b, 1600, &tag), 64);
	assert_int_equal(tag, 5);
	assert_int_equal(rx(b, 1600, NULL), 0);
	assert_false(readable(b->fd));
	ustack_dev_close(a);
	ustack_dev_close(b);
	ustack_vnet_free(vn);
}

static void test_vnet_latency(void **state)
{
	(void)state;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack_dev *a = ustack_vnet_port(vn, NULL, 1500);
	struct ustack_dev *b = ustack_vnet_port(vn, NULL, 1500);
	uint8_t f[100];

	assert_int_equal(ustack_vnet_port_link(a, 5000, 0), 0);
	frame(f, sizeof(f), bcast, a->mac, 1);
	a->ops->send(a, f, sizeof(f), 1000);
	assert_int_equal(b->ops->next_deadline(b), 6000);
	assert_int_equal(rx(b, 5999, NULL), 0);
	assert_int_equal(rx(b, 6000, NULL), 100);
	assert_int_equal(b->ops->next_deadline(b), UINT64_MAX);

	/* the other direction has its own (zero) latency */
	frame(f, sizeof(f), bcast, b->mac, 2);
	b->ops->send(b, f, sizeof(f), 7000);
	assert_int_equal(a->ops->next_deadline(a), 7000);
	assert_int_equal(rx(a, 7000, NULL), 100);

	/* ports_link only takes vnet ports */
	{
		struct ustack_dev *lo = ustack_loopback_new();

		assert_int_equal(ustack_vnet_port_link(lo, 1, 1), -1);
		ustack_dev_close(lo);
	}
	ustack_dev_close(a);
	ustack_dev_close(b);
	ustack_vnet_free(vn);
}

static void test_vnet_bandwidth(void **state)
{
	(void)state;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack_dev *a = ustack_vnet_port(vn, NULL, 1500);
	struct ustack_dev *b = ustack_vnet_port(vn, NULL, 1500);
	uint8_t f[1250];   /* 10000 bits: 1 ms at 10 Mbit/s */
	uint8_t tag;

	ustack_vnet_port_link(a, 100, 10000000);
	frame(f, sizeof(f), bcast, a->mac, 0);
	for (uint8_t i = 0; i < 3; i++) {
		f[14] = i;
		/* all three sent at once: they leave one after the other */
		a->ops->send(a, f, sizeof(f), 0);
	}
	assert_int_equal(b->ops->next_deadline(b), 1100);
	assert_int_equal(rx(b, 1099, NULL), 0);
	assert_int_equal(rx(b, 1100, &tag), 1250);
	assert_int_equal(tag, 0);
	assert_int_equal(b->ops->next_deadline(b), 2100);
	assert_int_equal(rx(b, 2500, &tag), 1250);
	assert_int_equal(tag, 1);
	assert_int_equal(rx(b, 2500, NULL), 0);
	assert_int_equal(rx(b, 3100, &tag), 1250);
	assert_int_equal(tag, 2);
	/* an idle link starts fresh */
	a->ops->send(a, f, sizeof(f), 10000);
	assert_int_equal(b->ops->next_deadline(b), 11100);
	ustack_dev_close(a);
	ustack_dev_close(b);
	ustack_vnet_free(vn);
}

/* Frames from two senders with different latencies arrive in time order. */
static void test_vnet_arrival_order(void **state)
{
	(void)state;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack_dev *slow = ustack_vnet_port(vn, NULL, 1500);
	struct ustack_dev *fast = ustack_vnet_port(vn, NULL, 1500);
	struct ustack_dev *dst = ustack_vnet_port(vn, NULL, 1500);
	uint8_t f[64], tag;

	ustack_vnet_port_link(slow, 1000, 0);
	frame(f, sizeof(f), bcast, slow->mac, 1);
	slow->ops->send(slow, f, sizeof(f), 0);
	frame(f, sizeof(f), bcast, fast->mac, 2);
	fast->ops->send(fast, f, sizeof(f), 10);
	assert_int_equal(dst->ops->next_deadline(dst), 10);
	assert_int_equal(rx(dst, 2000, &tag), 64);
	assert_int_equal(tag, 2);
	assert_int_equal(rx(dst, 2000, &tag), 64);
	assert_int_equal(tag, 1);
	ustack_dev_close(slow);
	ustack_dev_close(fast);
	ustack_dev_close(dst);
	ustack_vnet_free(vn);
}

static void test_vnet_queue_bound_and_size(void **state)
{
	(void)state;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack_dev *a = ustack_vnet_port(vn, NULL, 1500);
	struct ustack_dev *b = ustack_vnet_port(vn, NULL, 1500);
	uint8_t f[64], big[3000];
	int got = 0;

	frame(f, sizeof(f), bcast, a->mac, 0);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(a->ops->send(a, f, sizeof(f), 0), 0);
	while (rx(b, 0, NULL) > 0)
		got++;
	assert_int_equal(got, 4096);
	/* too short to be a frame */
	assert_int_equal(a->ops->send(a, f, 10, 0), -1);
	/* larger than the receiver's buffer: dropped there, not truncated */
	frame(big, sizeof(big), bcast, a->mac, 0);
	a->ops->send(a, big, sizeof(big), 0);
	a->ops->send(a, f, sizeof(f), 0);
	assert_int_equal(rx(b, 0, NULL), 64);
	ustack_dev_close(a);
	ustack_dev_close(b);
	ustack_vnet_free(vn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vnet_flood_and_learn),
		cmocka_unit_test(test_vnet_wakeup),
		cmocka_unit_test(test_vnet_latency),
		cmocka_unit_test(test_vnet_bandwidth),
		cmocka_unit_test(test_vnet_arrival_order),
		cmocka_unit_test(test_vnet_queue_bound_and_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
