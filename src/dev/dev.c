/* dev.c - what every device shares: closing one through its ops. */
#include "ustack/dev.h"

#include <errno.h>
#include <stddef.h>

void ustack_dev_close(struct ustack_dev *d)
{
	if (d && d->ops && d->ops->close)
		d->ops->close(d);
}

int ustack_dev_set_offloads(struct ustack_dev *d, uint32_t want)
{
	if (!d || !d->ops) {
		errno = EINVAL;
		return -1;
	}
	if (!d->ops->set_offloads) {
		d->offloads = 0;
		return 0;
	}
	return d->ops->set_offloads(d, want);
}
