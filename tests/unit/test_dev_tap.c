/* test_dev_tap.c - the TAP device, inside a network namespace of its own (made with
 * unshare(CLONE_NEWNET) for this process only; nothing touches the root namespace, no
 * address is configured). Checks the name, the MAC, the MTU given to the kernel, that
 * the fd is non-blocking, and that frames go to the kernel once the link is up.
 * Fails without the privilege to make a namespace or without /dev/net/tun (`make test`
 * runs as root). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "ustack/dev.h"

static bool have_netns;

static int if_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0), rc;

	assert_true(s >= 0);
	memcpy(ifr->ifr_name, name, strnlen(name, IFNAMSIZ - 1) + 1);
	rc = ioctl(s, req, ifr);
	close(s);
	return rc;
}

static void test_tap_open(void **state)
{
	(void)state;
	const uint8_t mac[6] = { 0x02, 0xaa, 0, 0, 0, 1 };
	struct ustack_dev *d, *r;
	struct ifreq ifr;
	uint8_t f[60], buf[2048];

	if (!have_netns)
		fail_msg("needs root: the test makes its own network namespace for the TAP");
	d = ustack_tap_open("ustap0", mac, 1400);
	if (!d)
		fail_msg("ustack_tap_open: %s (needs /dev/net/tun)", strerror(errno));
	assert_non_null(d);
	assert_string_equal(d->name, "ustap0");
	assert_memory_equal(d->mac, mac, 6);
	assert_int_equal(d->mtu, 1400);
	assert_true(d->fd >= 0);
	assert_true(fcntl(d->fd, F_GETFL) & O_NONBLOCK);
	memset(&ifr, 0, sizeof(ifr));
	assert_int_equal(if_ioctl("ustap0", SIOCGIFMTU, &ifr), 0);
	assert_int_equal(ifr.ifr_mtu, 1400);
	/* nothing to read: returns 0 at once */
	assert_int_equal(d->ops->recv(d, buf, sizeof(buf), 0), 0);
	/* bring the link up (no address), then a frame goes to the kernel */
	memset(&ifr, 0, sizeof(ifr));
	assert_int_equal(if_ioctl("ustap0", SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(if_ioctl("ustap0", SIOCSIFFLAGS, &ifr), 0);
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x88;
	f[13] = 0xb5;   /* local experimental ethertype */
	assert_int_equal(d->ops->send(d, f, sizeof(f), 0), 0);
	assert_null(d->ops->next_deadline);

	/* a random MAC is unicast and locally administered; "" lets the kernel name it */
	r = ustack_tap_open("", NULL, 0);
	assert_non_null(r);
	assert_true(r->name[0] != '\0');
	assert_int_equal(r->mac[0] & 0x03, 0x02);
	assert_int_equal(r->mtu, 1500);
	ustack_dev_close(r);
	ustack_dev_close(d);
	/* non-persistent: gone with its fd */
	memset(&ifr, 0, sizeof(ifr));
	assert_int_equal(if_ioctl("ustap0", SIOCGIFMTU, &ifr), -1);
}

static void test_tap_bad_name(void **state)
{
	(void)state;
	assert_null(ustack_tap_open("a-name-much-too-long-for-linux", NULL, 1500));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tap_open),
		cmocka_unit_test(test_tap_bad_name),
	};
	/* A namespace of our own: this process only, gone when it exits. */
	have_netns = unshare(CLONE_NEWNET) == 0;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
