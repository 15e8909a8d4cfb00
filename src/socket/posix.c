/* posix.c - the library side of <ustack/posix.h>: the process's default stack, and the
 * calls that take any descriptor, sent to ustack or to the C library by its number.
 *
 * The default stack is the one piece of process-wide state in the library: it belongs
 * to the porting layer, not to any stack (every stack still keeps all of its own state),
 * and it is an atomic pointer, so any thread may read it. */
#define USTACK_POSIX_NO_MACROS
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ustack/posix.h"

static _Atomic(struct ustack *) default_stack;

void ustack_set_default(struct ustack *st)
{
	atomic_store(&default_stack, st);
}

struct ustack *ustack_default(void)
{
	return atomic_load(&default_stack);
}

int ustack_px_is_ustack(int fd)
{
	struct ustack *st = ustack_default();
	int saved = errno;
	int yes = st && fd >= 0 && ustack_fcntl(st, fd, F_GETFD, 0) >= 0;

	errno = saved;
	return yes;
}

int ustack_px_socket(int domain, int type, int protocol)
{
	struct ustack *st = ustack_default();

	if (!st) {
		errno = ENETDOWN;
		return -1;
	}
	return ustack_socket(st, domain, type, protocol);
}

struct hostent *ustack_px_gethostbyname(const char *name)
{
	struct ustack *st = ustack_default();

	if (!st) {
		h_errno = NO_RECOVERY;
		return NULL;
	}
	return ustack_gethostbyname(st, name, &h_errno);
}

int ustack_px_close(int fd)
{
	return ustack_px_is_ustack(fd) ? ustack_close(ustack_default(), fd) : close(fd);
}

ssize_t ustack_px_read(int fd, void *buf, size_t len)
{
	return ustack_px_is_ustack(fd) ? ustack_read(ustack_default(), fd, buf, len) :
					 read(fd, buf, len);
}

ssize_t ustack_px_write(int fd, const void *buf, size_t len)
{
	return ustack_px_is_ustack(fd) ? ustack_write(ustack_default(), fd, buf, len) :
					 write(fd, buf, len);
}

ssize_t ustack_px_readv(int fd, const struct iovec *iov, int iovcnt)
{
	return ustack_px_is_ustack(fd) ? ustack_readv(ustack_default(), fd, iov, iovcnt) :
					 readv(fd, iov, iovcnt);
}

ssize_t ustack_px_writev(int fd, const struct iovec *iov, int iovcnt)
{
	return ustack_px_is_ustack(fd) ? ustack_writev(ustack_default(), fd, iov, iovcnt) :
					 writev(fd, iov, iovcnt);
}

/* fcntl's third argument is an int for the commands ustack knows (F_GETFL, F_SETFL,
 * F_GETFD, F_SETFD); the C library gets a pointer-sized one, which also serves its
 * commands that take a pointer. */
int ustack_px_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	if (ustack_px_is_ustack(fd)) {
		int arg = (cmd == F_SETFL || cmd == F_SETFD) ? va_arg(ap, int) : 0;
		va_end(ap);
		return ustack_fcntl(ustack_default(), fd, cmd, arg);
	}
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl(fd, cmd, arg);
}

int ustack_px_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (ustack_px_is_ustack(fd))
		return ustack_ioctl(ustack_default(), fd, req, arg);
	return ioctl(fd, req, arg);
}
