/* xdp_stub.c - the AF_XDP device when ustack is built without libxdp (CMake found no
 * pkg-config libxdp): the same entry points, each saying it is not there. */
#include <errno.h>
#include <stdbool.h>

#include "ustack/dev.h"

bool ustack_xdp_supported(void)
{
	return false;
}

struct ustack_dev *ustack_xdp_open(const char *ifname, unsigned queue, const uint8_t *mac,
				   unsigned flags)
{
	(void)ifname, (void)queue, (void)mac, (void)flags;
	errno = ENOTSUP;
	return NULL;
}

int ustack_xdp_get_stats(struct ustack_dev *d, struct ustack_xdp_stats *out)
{
	(void)d, (void)out;
	errno = EINVAL;
	return -1;
}
