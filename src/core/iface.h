/* iface.h - interfaces (a device, an address, a prefix, an MTU) and the Ethernet layer:
 * frames in (demultiplexed by ethertype) and frames out. */
#ifndef USTACK_CORE_IFACE_H
#define USTACK_CORE_IFACE_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

struct ustack;
struct ustack_dev;
struct pkt;

/* One IPv6 address of an interface (RFC 4862): made by nd.c (link-local, SLAAC) or
 * ustack_if_add6 (static); nd.c runs its Duplicate Address Detection and lifetimes. */
#define IFACE_ADDR6_MAX 8
enum if6_state {
	IF6_UNUSED = 0,
	IF6_TENTATIVE,            /* DAD running: only ND for it is accepted, never a source */
	IF6_PREFERRED,
	IF6_DEPRECATED,           /* preferred lifetime over: kept for existing traffic */
	IF6_DUPLICATE,            /* DAD failed: never used */
};
#define IF6_F_STATIC    0x01
#define IF6_F_SLAAC     0x02
#define IF6_F_LINKLOCAL 0x04
#define IF6_F_STABLE    0x08      /* identifier of RFC 7217 (link-local, SLAAC) */
struct if_addr6 {
	uint8_t state;            /* enum if6_state */
	uint8_t flags;            /* IF6_F_* */
	uint8_t plen;             /* prefix length */
	uint8_t addr[16];
	uint64_t valid_until;     /* st->now (us) when it goes; UINT64_MAX: forever */
	uint64_t preferred_until; /* ... when it becomes deprecated */
	uint8_t dad_left;         /* DAD probes still to send (nd.c) */
	uint64_t dad_next;        /* when the next probe or the verdict is due */
	uint8_t dad_counter;      /* IF6_F_STABLE: RFC 7217's DAD_Counter it was made with */
};

struct iface {
	int index;
	bool used, up;
	bool loopback;            /* 127/8: no ARP, frames come straight back */
	char name[32];
	struct ustack_dev *dev;
	uint8_t mac[6];
	uint32_t addr, mask;      /* host order */
	uint8_t prefix;
	unsigned mtu;             /* IP MTU */
	/* IPv6 (nd.c keeps these) */
	bool ip6;                 /* IPv6 enabled (link-local made when the interface came up) */
	uint8_t hop_limit6;       /* default hop limit (RA's Cur Hop Limit; 64 until one) */
	struct if_addr6 addr6[IFACE_ADDR6_MAX];
};

struct iface *iface_get(struct ustack *st, int ifindex);   /* NULL if none */
/* The interface whose address is addr, or NULL. */
struct iface *iface_by_addr(struct ustack *st, uint32_t addr);
/* The interface address equal to a (any state but UNUSED), its interface in *ifpp
 * (may be NULL); NULL if none. */
struct if_addr6 *iface_addr6_find(struct ustack *st, const uint8_t a[16], struct iface **ifpp);
/* A usable (PREFERRED or DEPRECATED) address? */
static inline bool if_addr6_usable(const struct if_addr6 *a)
{
	return a->state == IF6_PREFERRED || a->state == IF6_DEPRECATED;
}
/* The directed broadcast of ifp's subnet. */
static inline uint32_t iface_bcast(const struct iface *ifp) { return ifp->addr | ~ifp->mask; }

/* A frame arrived on ifp (p->data at the Ethernet header): counted, traced, checked,
 * and handed to arp_input / ipv4_input with p->data past the Ethernet header. */
void eth_input(struct ustack *st, struct iface *ifp, struct pkt *p);
/* Prepend an Ethernet header (src = ifp->mac) and send on ifp's device; traces the
 * frame; frees p. Returns 0 or -1 (counted as DEV_TX_FAILED). */
int eth_output(struct ustack *st, struct iface *ifp, struct pkt *p, const uint8_t dst[6],
	       uint16_t ethertype);

#endif
