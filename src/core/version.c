/* version.c - ustack_version(): the version of the library linked, from the generated
 * <ustack/version.h>. */
#include "ustack/ustack.h"
#include "ustack/version.h"

const char *ustack_version(void)
{
	return USTACK_VERSION_STRING;
}
