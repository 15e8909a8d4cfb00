/* netif.h (internal) - what the devices that open a kernel interface share: the
 * interface's index and MTU (it must be an Ethernet interface that is up), and the MAC
 * a device takes when the application gives none. */
#ifndef USTACK_DEV_NETIF_H
#define USTACK_DEV_NETIF_H

#include <stdint.h>

/* ifname's index (into *ifindex when not NULL) and MTU. -1 with errno: the ioctl's
 * (ENODEV: no such interface), ENOTSUP (not Ethernet), ENETDOWN (not up). */
int netif_query(const char *ifname, int *ifindex, unsigned *mtu);

/* mac = given, or when given is NULL a random locally administered unicast address. */
void netif_pick_mac(uint8_t mac[6], const uint8_t *given);

#endif
