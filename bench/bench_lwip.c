/* bench_lwip.c - see bench_lwip.h. The only file of bench/ that includes lwIP headers
 * (as system headers: their warnings are not ours). */
#include "bench_lwip.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct lwipb_sockets lwipb_sk;

#if BENCH_HAVE_LWIP_HEADERS

#include "lwip/init.h"
#include "lwip/tcpip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/etharp.h"
#include "lwip/sockets.h"
#include "netif/ethernet.h"

#define LWIPB_SONAME "liblwip.so.0"

static void *lib;
static bool started;

/* Function pointers, typed from lwIP's own declarations. */
#define LWIPB_FUNCS(X) \
	X(tcpip_init) X(netif_add) X(netif_set_up) X(netif_set_link_up) X(netif_set_default) \
	X(etharp_output) X(ethernet_input) X(tcpip_input) X(pbuf_alloc) X(pbuf_take) \
	X(pbuf_free) X(pbuf_copy_partial) X(sys_lock_tcpip_core) X(sys_unlock_tcpip_core) \
	X(lwip_socket) X(lwip_bind) X(lwip_listen) X(lwip_accept) X(lwip_connect) \
	X(lwip_send) X(lwip_recv) X(lwip_sendto) X(lwip_recvfrom) X(lwip_setsockopt) \
	X(lwip_fcntl) X(lwip_shutdown) X(lwip_close) X(lwip_getsockname)
#define LWIPB_DECL(name) static __typeof__(name) *p_##name;
LWIPB_FUNCS(LWIPB_DECL)
#undef LWIPB_DECL
/* Not declared in the installed headers (inet_chksum.c's LWIP_CHKSUM). */
static uint16_t (*p_lwip_standard_chksum)(const void *dataptr, int len);

static bool under_sanitizer(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
}

int lwipb_load(char *why, size_t cap)
{
	int flags = RTLD_NOW | RTLD_LOCAL;

	if (lib)
		return 0;
	/* DEEPBIND: lwIP's calls to its own tcp_input etc. resolve inside lwIP even if the
	 * executable ever exported ustack's (sanitizer runtimes refuse DEEPBIND). */
	if (!under_sanitizer())
		flags |= RTLD_DEEPBIND;
	lib = dlopen(LWIPB_SONAME, flags);
	if (!lib) {
		snprintf(why, cap, "dlopen %s: %s", LWIPB_SONAME, dlerror());
		return -1;
	}
#define LWIPB_SYM(name) \
	*(void **)&p_##name = dlsym(lib, #name); \
	if (!p_##name) { \
		snprintf(why, cap, "%s does not export %s", LWIPB_SONAME, #name); \
		dlclose(lib); \
		lib = NULL; \
		return -1; \
	}
	LWIPB_FUNCS(LWIPB_SYM)
	LWIPB_SYM(lwip_standard_chksum)
#undef LWIPB_SYM
	lwipb_sk.socket = p_lwip_socket;
	lwipb_sk.bind = p_lwip_bind;
	lwipb_sk.listen = p_lwip_listen;
	lwipb_sk.accept = p_lwip_accept;
	lwipb_sk.connect = p_lwip_connect;
	lwipb_sk.send = p_lwip_send;
	lwipb_sk.recv = p_lwip_recv;
	lwipb_sk.sendto = p_lwip_sendto;
	lwipb_sk.recvfrom = p_lwip_recvfrom;
	lwipb_sk.setsockopt = p_lwip_setsockopt;
	lwipb_sk.fcntl = p_lwip_fcntl;
	lwipb_sk.getsockname = p_lwip_getsockname;
	lwipb_sk.shutdown = p_lwip_shutdown;
	lwipb_sk.close = p_lwip_close;
	return 0;
}

const char *lwipb_version(void)
{
	return LWIP_VERSION_STRING;
}

uint16_t lwipb_standard_chksum(const void *buf, int len)
{
	return p_lwip_standard_chksum(buf, len);
}

/* --- the tcpip thread --- */

static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t init_cv = PTHREAD_COND_INITIALIZER;
static bool init_done;

static void tcpip_ready(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&init_mu);
	init_done = true;
	pthread_cond_signal(&init_cv);
	pthread_mutex_unlock(&init_mu);
}

int lwipb_start(char *why, size_t cap)
{
	if (lwipb_load(why, cap) != 0)
		return -1;
	if (started)
		return 0;
	p_tcpip_init(tcpip_ready, NULL);
	pthread_mutex_lock(&init_mu);
	while (!init_done)
		pthread_cond_wait(&init_cv, &init_mu);
	pthread_mutex_unlock(&init_mu);
	started = true;
	return 0;
}

/* --- the Ethernet netif --- */

static struct netif nif;
static bool nif_added;
static uint8_t nif_mac[6];
static lwipb_tx_fn nif_tx;
static void *nif_tx_ctx;
static uint8_t tx_buf[2048];

static err_t nif_linkoutput(struct netif *n, struct pbuf *p)
{
	(void)n;
	if (nif_tx && p->tot_len <= sizeof(tx_buf)) {
		uint16_t len = p_pbuf_copy_partial(p, tx_buf, p->tot_len, 0);

		nif_tx(nif_tx_ctx, tx_buf, len);
	}
	return ERR_OK;
}

static err_t nif_init(struct netif *n)
{
	n->name[0] = 'b';
	n->name[1] = 'e';
	n->output = p_etharp_output;
	n->linkoutput = nif_linkoutput;
	n->mtu = 1500;
	n->hwaddr_len = 6;
	memcpy(n->hwaddr, nif_mac, 6);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	return ERR_OK;
}

int lwipb_netif_add(uint32_t addr, int prefix, const uint8_t mac[6], lwipb_tx_fn tx, void *ctx)
{
	ip4_addr_t a, m, gw;
	struct netif *r;

	if (!started || nif_added || prefix < 0 || prefix > 32) {
		errno = EINVAL;
		return -1;
	}
	memcpy(nif_mac, mac, 6);
	nif_tx = tx;
	nif_tx_ctx = ctx;
	ip4_addr_set_u32(&a, addr);
	ip4_addr_set_u32(&m, prefix ? htonl(0xffffffffu << (32 - prefix)) : 0);
	ip4_addr_set_u32(&gw, 0);
	p_sys_lock_tcpip_core();
	r = p_netif_add(&nif, &a, &m, &gw, NULL, nif_init, p_tcpip_input);
	if (r) {
		p_netif_set_default(&nif);
		p_netif_set_link_up(&nif);
		p_netif_set_up(&nif);
	}
	p_sys_unlock_tcpip_core();
	if (!r) {
		errno = ENOMEM;
		return -1;
	}
	nif_added = true;
	return 0;
}

unsigned lwipb_input(const uint8_t *frame, size_t len, unsigned count)
{
	unsigned ok = 0;

	if (!nif_added || len > 0xffff)
		return 0;
	p_sys_lock_tcpip_core();
	for (unsigned i = 0; i < count; i++) {
		/* PBUF_RAM, not PBUF_POOL: Debian's liblwip 2.1.3 hands out pool pbufs of
		 * 616 bytes while saying they hold more (pbuf_take of a 1514-byte frame
		 * writes past the block: valgrind shows it). One contiguous block instead. */
		struct pbuf *p = p_pbuf_alloc(PBUF_RAW, (uint16_t)len, PBUF_RAM);

		if (!p)
			break;
		p_pbuf_take(p, frame, (uint16_t)len);
		if (p_ethernet_input(p, &nif) != ERR_OK) {
			p_pbuf_free(p);
			continue;
		}
		ok++;
	}
	p_sys_unlock_tcpip_core();
	return ok;
}

#else /* !BENCH_HAVE_LWIP_HEADERS */

int lwipb_load(char *why, size_t cap)
{
	snprintf(why, cap, "lwIP headers (liblwip-dev) were not found at build time");
	return -1;
}
const char *lwipb_version(void) { return "?"; }
uint16_t lwipb_standard_chksum(const void *buf, int len) { (void)buf; (void)len; return 0; }
int lwipb_start(char *why, size_t cap) { return lwipb_load(why, cap); }
int lwipb_netif_add(uint32_t addr, int prefix, const uint8_t mac[6], lwipb_tx_fn tx, void *ctx)
{
	(void)addr; (void)prefix; (void)mac; (void)tx; (void)ctx;
	errno = ENOSYS;
	return -1;
}
unsigned lwipb_input(const uint8_t *frame, size_t len, unsigned count)
{
	(void)frame; (void)len; (void)count;
	return 0;
}

#endif
