/* test_dev_pcap.c - captures: the file layout (global header, one record per frame in
 * and out, microsecond timestamps from the stack's clock plus an epoch that dates them), a
 * capture shared by two devices, and tshark reading the result with nothing malformed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ustack/dev.h"
#include "test_wire_golden.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void tmp_path(char *out, size_t cap, const char *tag)
{
	snprintf(out, cap, "/tmp/ustack_test_pcap_%d_%s.pcap", (int)getpid(), tag);
}

static void test_pcap_layout(void **state)
{
	(void)state;
	char path[128];
	struct ustack_dev *d;
	uint8_t buf[4096], rbuf[2048];
	size_t n;

	tmp_path(path, sizeof(path), "layout");
	d = ustack_pcap_wrap(ustack_loopback_new(), path);
	assert_non_null(d);
	assert_string_equal(d->name, "lo");       /* still a loopback to the stack */
	assert_int_equal(d->mtu, 65535);
	assert_int_equal(d->ops->send(d, tcp_syn, sizeof(tcp_syn), 1500000), 0);
	assert_int_equal(d->ops->recv(d, rbuf, sizeof(rbuf), 2000001), (int)sizeof(tcp_syn));
	ustack_dev_close(d);

	n = slurp(path, buf, sizeof(buf));
	assert_int_equal(n, 24 + 2 * (16 + sizeof(tcp_syn)));
	assert_int_equal(le32(buf), 0xa1b2c3d4);
	assert_int_equal(buf[4], 2);
	assert_int_equal(buf[6], 4);
	assert_int_equal(le32(buf + 20), 1);        /* LINKTYPE_ETHERNET */
	/* record 1: the send at 1.5 s */
	assert_int_equal(le32(buf + 24), 1);
	assert_int_equal(le32(buf + 28), 500000);
	assert_int_equal(le32(buf + 32), sizeof(tcp_syn));
	assert_int_equal(le32(buf + 36), sizeof(tcp_syn));
	assert_memory_equal(buf + 40, tcp_syn, sizeof(tcp_syn));
	/* record 2: the receive at 2.000001 s */
	{
		const uint8_t *r = buf + 40 + sizeof(tcp_syn);

		assert_int_equal(le32(r), 2);
		assert_int_equal(le32(r + 4), 1);
		assert_memory_equal(r + 16, tcp_syn, sizeof(tcp_syn));
	}
	unlink(path);
}

static void test_pcap_shared_and_tshark(void **state)
{
	(void)state;
	char path[128], cmd[512], line[512];
	struct ustack_pcap *pc;
	struct ustack_vnet *vn = ustack_vnet_new();
	struct ustack_dev *a, *b;
	uint8_t rbuf[2048];
	const uint8_t *frames[] = { arp_req, arp_reply, icmp_echo_req, tcp_syn, tcp_synack,
				    tcp_data, udp_dgram };
	const size_t lens[] = { sizeof(arp_req), sizeof(arp_reply), sizeof(icmp_echo_req),
				sizeof(tcp_syn), sizeof(tcp_synack), sizeof(tcp_data),
				sizeof(udp_dgram) };
	int records = 0, malformed = 0;
	FILE *p;

	tmp_path(path, sizeof(path), "shared");
	pc = ustack_pcap_open(path);
	assert_non_null(pc);
	a = ustack_pcap_wrap_shared(ustack_vnet_port(vn, NULL, 1500), pc);
	b = ustack_pcap_wrap_shared(ustack_vnet_port(vn, NULL, 1500), pc);
	assert_non_null(a);
	assert_non_null(b);
	/* the opener may close first: the wrappers hold the file */
	ustack_pcap_close(pc);
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		uint64_t t = 1000 * (i + 1);

		/* each frame enters the port of its source MAC (...:0a or ...:0b) */
		struct ustack_dev *from = frames[i][11] == 0x0a ? a : b;
		struct ustack_dev *to = from == a ? b : a;

		assert_int_equal(from->ops->send(from, frames[i], lens[i], t), 0);
		assert_int_equal(to->ops->recv(to, rbuf, sizeof(rbuf), t), (int)lens[i]);
	}
	ustack_dev_close(a);
	ustack_dev_close(b);
	ustack_vnet_free(vn);

	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		unlink(path);
		fail_msg("tshark is missing (make test installs it): the capture cannot be checked");
	}
	snprintf(cmd, sizeof(cmd), "tshark -r %s -o tcp.check_checksum:TRUE 2>&1", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (strstr(line, "Running as user"))
			continue;   /* tshark's warning under root */
		records++;
		if (strstr(line, "alformed") || strstr(line, "appears to have been cut short"))
			malformed++;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(records, 2 * 7);
	assert_int_equal(malformed, 0);
	unlink(path);
}

/* With an epoch, records carry epoch + now_us (the tools pass the wall-clock time of
 * their clock's zero); a frame written before the epoch was set keeps the old one. */
static void test_pcap_epoch(void **state)
{
	(void)state;
	const uint64_t epoch = 1795996800000000ull;   /* 2026-11-30 00:00:00 UTC */
	char path[128];
	struct ustack_pcap *pc;
	struct ustack_dev *d;
	uint8_t buf[4096];
	size_t n;
	const uint8_t *r;

	tmp_path(path, sizeof(path), "epoch");
	pc = ustack_pcap_open(path);
	assert_non_null(pc);
	d = ustack_pcap_wrap_shared(ustack_loopback_new(), pc);
	assert_non_null(d);
	assert_int_equal(d->ops->send(d, tcp_syn, sizeof(tcp_syn), 7), 0);
	assert_int_equal(ustack_pcap_set_epoch(pc, epoch), 0);
	assert_int_equal(d->ops->send(d, tcp_syn, sizeof(tcp_syn), 2999999), 0);
	ustack_dev_close(d);
	ustack_pcap_close(pc);

	n = slurp(path, buf, sizeof(buf));
	assert_int_equal(n, 24 + 2 * (16 + sizeof(tcp_syn)));
	r = buf + 24;
	assert_int_equal(le32(r), 0);
	assert_int_equal(le32(r + 4), 7);
	r += 16 + sizeof(tcp_syn);
	assert_int_equal(le32(r), (uint32_t)(epoch / 1000000u) + 2);
	assert_int_equal(le32(r + 4), 999999);
	unlink(path);

	assert_int_equal(ustack_pcap_set_epoch(NULL, epoch), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_pcap_bad_path(void **state)
{
	(void)state;
	struct ustack_dev *lo = ustack_loopback_new();

	assert_null(ustack_pcap_wrap(lo, "/nonexistent/dir/x.pcap"));
	ustack_dev_close(lo);   /* on failure the caller still owns the device */
	assert_null(ustack_pcap_open(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_layout),
		cmocka_unit_test(test_pcap_shared_and_tshark),
		cmocka_unit_test(test_pcap_epoch),
		cmocka_unit_test(test_pcap_bad_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
