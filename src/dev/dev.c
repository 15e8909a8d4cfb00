/* dev.c - what every device shares: closing one through its ops. */
#include "ustack/dev.h"

#include <stddef.h>

void ustack_dev_close(struct ustack_dev *d)
{
	if (d && d->ops && d->ops->close)
		d->ops->close(d);
}
