/* test_posix.c - <ustack/posix.h>: with a default stack, the POSIX names are ustack's;
 * the calls that take any descriptor (close, read, write, readv, writev, fcntl, ioctl)
 * send the default stack's descriptors to ustack and every other one (a pipe here) to
 * the C library; getnameinfo is ustack's; with no default stack, socket() fails with
 * ENETDOWN. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "ustack/posix.h"

static void test_dispatch(void **state)
{
	(void)state;
	struct ustack *st = ustack_new(&(struct ustack_config){ .fd_base = 1000 });
	int p[2], v = 0;
	char b[8];

	assert_non_null(st);
	assert_int_equal(pipe(p), 0);           /* a kernel pipe, before any default */
	ustack_set_default(st);
	assert_ptr_equal(ustack_default(), st);

	/* kernel descriptors still go to the C library */
	assert_int_equal(write(p[1], "pipe", 4), 4);
	assert_int_equal(ioctl(p[0], FIONREAD, &v), 0);
	assert_int_equal(v, 4);
	struct iovec iv = { b, sizeof(b) };
	assert_int_equal(readv(p[0], &iv, 1), 4);
	assert_memory_equal(b, "pipe", 4);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(read(p[0], b, 1), -1);
	assert_int_equal(errno, EAGAIN);
	assert_false(ustack_px_is_ustack(p[0]));

	/* socket() is ustack's: a descriptor from the stack's base */
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(s, 1000);
	assert_true(ustack_px_is_ustack(s));
	assert_int_equal(fcntl(s, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(s, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	assert_int_equal(ioctl(s, FIONREAD, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(read(s, b, sizeof(b)), -1);     /* ustack's: nothing queued */
	assert_int_equal(errno, EAGAIN);
	struct sockaddr_in any = { .sin_family = AF_INET };
	assert_int_equal(bind(s, (struct sockaddr *)&any, sizeof(any)), 0);
	socklen_t len = sizeof(any);
	assert_int_equal(getsockname(s, (struct sockaddr *)&any, &len), 0);
	assert_true(ntohs(any.sin_port) >= 32768);      /* an ephemeral port */
	struct pollfd pf = { .fd = s, .events = POLLOUT };
	assert_int_equal(poll(&pf, 1, 0), 1);
	assert_int_equal(close(s), 0);                  /* ustack's close */
	assert_int_equal(ustack_fcntl(st, s, F_GETFL, 0), -1);
	assert_int_equal(close(p[0]), 0);               /* the C library's */
	assert_int_equal(close(p[1]), 0);
	assert_int_equal(close(p[1]), -1);
	assert_int_equal(errno, EBADF);

	/* getnameinfo is ustack's: the stack's hosts table answers, no server is asked */
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(80) };
	me.sin_addr.s_addr = htonl(0x0a010203);
	assert_int_equal(ustack_hosts_add(st, "me.example.test", me.sin_addr), 0);
	char host[64], serv[16];
	assert_int_equal(getnameinfo((struct sockaddr *)&me, sizeof(me), host, sizeof(host), serv,
				     sizeof(serv), NI_NAMEREQD), 0);
	assert_string_equal(host, "me.example.test");
	assert_string_equal(serv, "http");
	assert_int_equal(getnameinfo((struct sockaddr *)&me, sizeof(me), host, sizeof(host), NULL, 0,
				     NI_NUMERICHOST), 0);
	assert_string_equal(host, "10.1.2.3");
	me.sin_addr.s_addr = htonl(0x0a010204);         /* no name, no server configured */
	assert_int_equal(getnameinfo((struct sockaddr *)&me, sizeof(me), host, sizeof(host), NULL, 0,
				     NI_NAMEREQD), EAI_AGAIN);
	assert_int_equal(getnameinfo((struct sockaddr *)&me, sizeof(me), host, sizeof(host), NULL, 0,
				     0), 0);
	assert_string_equal(host, "10.1.2.4");

	ustack_set_default(NULL);
	assert_int_equal(socket(AF_INET, SOCK_DGRAM, 0), -1);
	assert_int_equal(errno, ENETDOWN);
	ustack_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
