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
};

struct iface *iface_get(struct ustack *st, int ifindex);   /* NULL if none */
/* The interface whose address is addr, or NULL. */
struct iface *iface_by_addr(struct ustack *st, uint32_t addr);
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
