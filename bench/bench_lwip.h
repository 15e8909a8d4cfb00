/* bench_lwip.h - lwIP (Debian's liblwip, NO_SYS=0, core locking, sockets) as a peer to
 * compare against, loaded with dlopen() so that its global names (tcp_input, udp_bind,
 * ...) cannot collide with ustack's in one process. No lwIP header leaks from here.
 *
 * lwIP has one global state per process: one instance, started once. What the
 * benchmarks use of it:
 *   - lwip_standard_chksum (the routine behind inet_chksum);
 *   - one Ethernet netif; a packet to the netif's own address is looped back by lwIP
 *     (LWIP_NETIF_LOOPBACK=1) through netif_loop_output -> tcpip thread -> ip_input;
 *   - frames fed straight into ethernet_input() under the core lock (the lwIP way of
 *     a driver with LWIP_TCPIP_CORE_LOCKING);
 *   - the BSD-style socket API (lwip_socket, ...). */
#ifndef USTACK_BENCH_LWIP_H
#define USTACK_BENCH_LWIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

/* dlopen the library and resolve the symbols. 0, or -1 with a reason in why. */
int lwipb_load(char *why, size_t cap);
/* The version string of the package we loaded ("2.1.3" style), or "?". */
const char *lwipb_version(void);
/* lwip_standard_chksum: the ones' complement sum (not complemented), network order. */
uint16_t lwipb_standard_chksum(const void *buf, int len);

/* Start lwIP's tcpip thread (once). 0, or -1 with a reason. */
int lwipb_start(char *why, size_t cap);
/* An Ethernet netif addr/prefix (addr in network order) with mac. Frames lwIP sends
 * out of it go to tx (NULL: dropped). Made the default netif. 0 or -1. */
typedef void (*lwipb_tx_fn)(void *ctx, const uint8_t *frame, size_t len);
int lwipb_netif_add(uint32_t addr, int prefix, const uint8_t mac[6], lwipb_tx_fn tx, void *ctx);
/* Feed `count` copies of a frame to the netif: pbuf_alloc + copy + ethernet_input, all
 * under one core lock (as a driver's receive loop would). Returns frames accepted. */
unsigned lwipb_input(const uint8_t *frame, size_t len, unsigned count);

/* lwIP's socket API (descriptors are lwIP's, not the kernel's). */
struct lwipb_sockets {
	int (*socket)(int domain, int type, int protocol);
	int (*bind)(int s, const struct sockaddr *name, socklen_t namelen);
	int (*listen)(int s, int backlog);
	int (*accept)(int s, struct sockaddr *addr, socklen_t *addrlen);
	int (*connect)(int s, const struct sockaddr *name, socklen_t namelen);
	ssize_t (*send)(int s, const void *data, size_t size, int flags);
	ssize_t (*recv)(int s, void *mem, size_t len, int flags);
	ssize_t (*sendto)(int s, const void *data, size_t size, int flags,
			  const struct sockaddr *to, socklen_t tolen);
	ssize_t (*recvfrom)(int s, void *mem, size_t len, int flags, struct sockaddr *from,
			    socklen_t *fromlen);
	int (*setsockopt)(int s, int level, int optname, const void *optval, socklen_t optlen);
	int (*fcntl)(int s, int cmd, int val);
	int (*getsockname)(int s, struct sockaddr *name, socklen_t *namelen);
	int (*shutdown)(int s, int how);
	int (*close)(int s);
};
extern struct lwipb_sockets lwipb_sk;

#endif
