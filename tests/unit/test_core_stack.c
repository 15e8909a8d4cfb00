/* test_core_stack.c - the stack object: configuration defaults, the seeded random
 * generator, interfaces (limits, loopback, MAC, MTU), the poll loop with the Ethernet
 * filter and its drop counters, trace events, deadlines from devices, and the
 * background runner (device fd wake-up, eventfd kick when an earlier timer is armed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "core/stack.h"
#include "core/trace.h"
#include "ustack/dev.h"
#include "wire/eth.h"

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

struct trace_log {
	int rx, tx, drop, state, info;
	int last_reason;
	char last_line[256];
};

static void log_trace(void *ctx, const struct ustack_trace *ev)
{
	struct trace_log *l = ctx;

	switch (ev->kind) {
	case USTACK_TRACE_RX: l->rx++; assert_non_null(ev->frame); break;
	case USTACK_TRACE_TX: l->tx++; assert_non_null(ev->frame); break;
	case USTACK_TRACE_DROP: l->drop++; l->last_reason = ev->reason; break;
	case USTACK_TRACE_STATE: l->state++; break;
	case USTACK_TRACE_INFO: l->info++; break;
	}
	assert_non_null(ev->line);
	assert_non_null(ev->stack);
	snprintf(l->last_line, sizeof(l->last_line), "%s", ev->line);
}

static void test_stack_defaults(void **state)
{
	(void)state;
	struct ustack *st = ustack_new(NULL);

	assert_non_null(st);
	assert_string_equal(ustack_name(st), "ustack");
	assert_int_equal(st->cfg.pkt_max, 4096);
	assert_int_equal(st->cfg.reasm_max_bytes, 256 * 1024);
	assert_int_equal(st->cfg.reasm_timeout_us, 30000000);
	assert_int_equal(st->cfg.arp_cache_max, 256);
	assert_int_equal(st->cfg.arp_queue_max, 64);
	assert_int_equal(st->cfg.default_ttl, 64);
	assert_int_equal(st->cfg.tcp_msl_ms, 30000);
	assert_int_equal(st->cfg.tcp_min_rto_ms, 200);
	assert_int_equal(st->cfg.tcp_initial_rto_ms, 1000);
	assert_true(st->cfg.seed != 0);
	assert_int_equal(ustack_now(st), 0);
	assert_string_equal(ustack_drop_name(USTACK_DROP_IP_BAD_CSUM), "ipv4: bad header checksum");
	assert_string_equal(ustack_drop_name(-1), "unknown drop reason");
	assert_string_equal(ustack_drop_name(USTACK_DROP_MAX), "unknown drop reason");
	ustack_free(st);
}

static void test_stack_rng_seeded(void **state)
{
	(void)state;
	struct ustack_config cfg = { .seed = 77, .name = "a-very-long-name-that-does-not-fit-in-32" };
	struct ustack *a = ustack_new(&cfg), *b = ustack_new(&cfg);
	uint8_t ba[13], bb[13];

	assert_int_equal(strlen(ustack_name(a)), 31);
	/* the modules may have drawn numbers at init, the same for both */
	for (int i = 0; i < 100; i++)
		assert_int_equal(stack_rand64(a), stack_rand64(b));
	stack_rand_bytes(a, ba, sizeof(ba));
	stack_rand_bytes(b, bb, sizeof(bb));
	assert_memory_equal(ba, bb, sizeof(ba));
	assert_int_equal(stack_rand32(a), stack_rand32(b));
	ustack_free(a);
	ustack_free(b);
}

static void test_stack_if_add(void **state)
{
	(void)state;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack *st = ustack_new(&(struct ustack_config){ .seed = 1 });
	struct ustack_dev *lo = ustack_loopback_new();
	struct ustack_dev *port = ustack_vnet_port(vn, NULL, 1400);
	uint8_t mac[6];
	int lx, px;

	assert_int_equal(ustack_if_add(st, NULL, ip("1.2.3.4"), 8), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ustack_if_add(st, lo, ip("127.0.0.1"), 33), -1);
	lx = ustack_if_add(st, lo, ip("127.0.0.1"), 8);
	px = ustack_if_add(st, port, ip("10.0.0.1"), 24);
	assert_int_equal(lx, 0);
	assert_int_equal(px, 1);
	assert_true(iface_get(st, lx)->loopback);
	assert_false(iface_get(st, px)->loopback);
	assert_int_equal(iface_get(st, px)->mtu, 1400);
	assert_int_equal(iface_get(st, px)->mask, 0xffffff00);
	assert_ptr_equal(iface_by_addr(st, 0x0a000001), iface_get(st, px));
	assert_null(iface_by_addr(st, 0x0a000002));
	assert_null(iface_get(st, 5));
	assert_null(iface_get(st, -1));
	assert_int_equal(ustack_if_mac(st, px, mac), 0);
	assert_memory_equal(mac, port->mac, 6);
	assert_int_equal(ustack_if_mac(st, 6, mac), -1);
	assert_int_equal(ustack_if_set_mtu(st, px, 9000), 0);
	assert_int_equal(iface_get(st, px)->mtu, 9000);
	assert_int_equal(ustack_if_set_mtu(st, px, 67), -1);
	assert_int_equal(ustack_if_set_mtu(st, 7, 1500), -1);
	/* fill every slot */
	for (int i = 2; i < USTACK_MAX_IFACES; i++) {
		struct in_addr a = { htonl(0x0b000001u + ((uint32_t)i << 8)) };

		assert_int_equal(ustack_if_add(st, ustack_vnet_port(vn, NULL, 1500), a, 24), i);
	}
	{
		struct ustack_dev *extra = ustack_vnet_port(vn, NULL, 1500);

		assert_int_equal(ustack_if_add(st, extra, ip("12.0.0.1"), 24), -1);
		assert_int_equal(errno, ENOSPC);
		ustack_dev_close(extra);   /* not taken on failure */
	}
	ustack_free(st);   /* closes every device */
	ustack_vnet_free(vn);
}

/* A raw port on the switch plays the other host. */
static void raw_send(struct ustack_dev *raw, const uint8_t dst[6], uint16_t type, size_t len,
		     uint64_t now)
{
	uint8_t f[128];
	struct eth_repr e = { .type = type };

	memset(f, 0, sizeof(f));
	memcpy(e.dst, dst, 6);
	memcpy(e.src, raw->mac, 6);
	eth_emit(&e, f);
	assert_int_equal(raw->ops->send(raw, f, len, now), 0);
}

static void test_stack_eth_filter(void **state)
{
	(void)state;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack *st = ustack_new(&(struct ustack_config){ .seed = 1, .name = "host" });
	struct ustack_dev *raw = ustack_vnet_port(vn, NULL, 1500);
	struct ustack_dev *port = ustack_vnet_port(vn, NULL, 1500);
	struct trace_log log = { 0 };
	struct ustack_stats s;
	const uint8_t other[6] = { 0x02, 0x55, 0, 0, 0, 1 };
	uint8_t mac[6], buf[2048];
	int ifx, n;

	ustack_set_trace(st, log_trace, &log);
	ifx = ustack_if_add(st, port, ip("10.0.0.1"), 24);
	assert_true(ifx >= 0);
	ustack_if_mac(st, ifx, mac);
	/* the gratuitous ARP went out, padded to 60 bytes, and was traced */
	n = raw->ops->recv(raw, buf, sizeof(buf), 0);
	assert_int_equal(n, 60);
	assert_memory_equal(buf + 6, mac, 6);
	assert_int_equal(buf[12], 0x08);
	assert_int_equal(buf[13], 0x06);
	assert_true(log.tx >= 1);
	assert_true(log.state >= 1);   /* interface up */

	raw_send(raw, other, 0x0800, 60, 100);            /* not for us */
	raw_send(raw, mac, 0x88b5, 60, 100);              /* unknown ethertype (local experimental) */
	raw_send(raw, mac, 0x0800, 14, 100);              /* for us, empty IP */
	assert_int_equal(ustack_step(st, 50), 0);         /* nothing due before 100 */
	assert_int_equal(ustack_step(st, 100), 3);
	assert_int_equal(ustack_now(st), 100);
	ustack_get_stats(st, &s);
	assert_int_equal(s.eth_in, 3);
	assert_true(s.eth_out >= 1);
	assert_int_equal(s.drops[USTACK_DROP_ETH_NOT_FOR_US], 1);
	assert_int_equal(s.drops[USTACK_DROP_ETH_UNKNOWN_TYPE], 1);
	assert_int_equal(log.rx, 3);
	assert_true(log.drop >= 3);
	/* time never goes back */
	ustack_step(st, 10);
	assert_int_equal(ustack_now(st), 100);
	{
		char *text = NULL;
		size_t tlen = 0;
		FILE *f = open_memstream(&text, &tlen);

		ustack_print_stats(st, f);
		fclose(f);
		assert_non_null(strstr(text, "eth_in 3\n"));
		assert_non_null(strstr(text, "drop \"eth: destination MAC not ours\" 1\n"));
		free(text);
	}
	ustack_dev_close(raw);
	ustack_free(st);
	ustack_vnet_free(vn);
}

static void test_stack_deadline_from_device(void **state)
{
	(void)state;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack *st = ustack_new(&(struct ustack_config){ .seed = 1 });
	struct ustack_dev *raw = ustack_vnet_port(vn, NULL, 1500);
	struct ustack_dev *port = ustack_vnet_port(vn, NULL, 1500);
	const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint64_t dl;

	ustack_if_add(st, port, ip("10.0.0.1"), 24);
	ustack_vnet_port_link(raw, 3000, 0);
	raw_send(raw, bcast, 0x1234, 60, 1000);
	dl = ustack_next_deadline(st);
	assert_true(dl <= 4000);   /* the frame's arrival (or an earlier timer) */
	ustack_step(st, 3999);
	assert_int_equal(st->stats.eth_in, 0);
	ustack_step(st, 4000);
	assert_int_equal(st->stats.eth_in, 1);
	ustack_dev_close(raw);
	ustack_free(st);
	ustack_vnet_free(vn);
}

/* A frame sent on loopback comes back on the next poll, addressed to our own MAC. */
static void test_stack_loopback_frame(void **state)
{
	(void)state;
	struct ustack *st = ustack_new(&(struct ustack_config){ .seed = 1 });
	struct trace_log log = { 0 };
	const uint8_t someone[6] = { 0x02, 1, 2, 3, 4, 5 };
	struct iface *ifp;
	struct pkt *p;
	int lx = ustack_if_add(st, ustack_loopback_new(), ip("127.0.0.1"), 8);

	assert_true(lx >= 0);
	ifp = iface_get(st, lx);
	assert_int_equal(st->stats.eth_out, 0);   /* no gratuitous ARP on loopback */
	ustack_set_trace(st, log_trace, &log);
	p = pkt_alloc(st, 100);
	memset(pkt_put(p, 20), 0, 20);
	assert_int_equal(eth_output(st, ifp, p, someone, 0x1234), 0);
	assert_int_equal(st->stats.eth_out, 1);
	assert_int_equal(log.tx, 1);
	assert_int_equal(ustack_next_deadline(st), 0);
	assert_int_equal(ustack_step(st, 1), 1);
	assert_int_equal(st->stats.eth_in, 1);
	assert_int_equal(st->stats.drops[USTACK_DROP_ETH_UNKNOWN_TYPE], 1);
	assert_int_equal(st->stats.drops[USTACK_DROP_ETH_NOT_FOR_US], 0);
	assert_int_equal(log.rx, 1);
	assert_non_null(strstr(log.last_line, "ethertype 0x1234 len 46"));
	assert_int_equal(ustack_step(st, 2), 0);
	ustack_free(st);
}

/* --- the runner --- */

static atomic_int fired;
static void on_timer(struct ustack *st, struct timer *t, uint64_t now)
{
	(void)st;
	(void)t;
	(void)now;
	atomic_fetch_add(&fired, 1);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void test_runner(void **state)
{
	(void)state;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack *st = ustack_new(&(struct ustack_config){ .seed = 1 });
	struct ustack_dev *raw = ustack_vnet_port(vn, NULL, 1500);
	struct ustack_dev *port = ustack_vnet_port(vn, NULL, 1500);
	const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct timer t;
	uint64_t t0;
	int waited = 0;

	ustack_if_add(st, port, ip("10.0.0.1"), 24);
	assert_int_equal(ustack_start(st), 0);
	assert_int_equal(ustack_start(st), -1);   /* already running */
	assert_int_equal(errno, EBUSY);

	/* a frame on the switch wakes the runner through the port's eventfd */
	raw_send(raw, bcast, 0x1234, 60, ustack_clock_us());
	while (waited < 2000) {
		struct ustack_stats s;

		ustack_get_stats(st, &s);
		if (s.eth_in == 1)
			break;
		sleep_ms(1);
		waited++;
	}
	assert_true(waited < 2000);

	/* an application thread arms a timer 5 ms ahead: stack_unlock kicks the runner
	 * out of its (possibly endless) sleep */
	atomic_store(&fired, 0);
	timer_init(&t, on_timer, NULL);
	stack_lock(st);
	t0 = st->now;
	assert_true(t0 > 0);   /* refreshed from the runner's clock */
	timer_set(st, &t, t0 + 5000);
	stack_unlock(st);
	for (waited = 0; waited < 2000 && atomic_load(&fired) == 0; waited++)
		sleep_ms(1);
	assert_int_equal(atomic_load(&fired), 1);
	assert_true(ustack_clock_us() - t0 >= 5000);

	ustack_stop(st);
	assert_null(st->runner);
	assert_null(st->clock);
	ustack_stop(st);   /* twice is harmless */
	ustack_dev_close(raw);
	/* a running runner is stopped by ustack_free */
	assert_int_equal(ustack_start(st), 0);
	ustack_free(st);
	ustack_vnet_free(vn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_defaults),
		cmocka_unit_test(test_stack_rng_seeded),
		cmocka_unit_test(test_stack_if_add),
		cmocka_unit_test(test_stack_eth_filter),
		cmocka_unit_test(test_stack_deadline_from_device),
		cmocka_unit_test(test_stack_loopback_frame),
		cmocka_unit_test(test_runner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
