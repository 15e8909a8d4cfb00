/* netif.c - the interface queries and the MAC choice of the TAP, AF_PACKET and AF_XDP
 * devices (netif.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "dev/netif.h"

int netif_query(const char *ifname, int *ifindex, unsigned *mtu)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	if (ioctl(s, SIOCGIFINDEX, &ifr) < 0)
		goto fail;
	if (ifindex)
		*ifindex = ifr.ifr_ifindex;
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0)
		goto fail;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		err = ENOTSUP;
		goto fail;
	}
	if (ioctl(s, SIOCGIFMTU, &ifr) < 0)
		goto fail;
	*mtu = (unsigned)ifr.ifr_mtu;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	if (!(ifr.ifr_flags & IFF_UP)) {
		err = ENETDOWN;
		goto fail;
	}
	close(s);
	return 0;
fail:
	if (!err)
		err = errno;
	close(s);
	errno = err;
	return -1;
}

void netif_pick_mac(uint8_t mac[6], const uint8_t *given)
{
	if (given) {
		memcpy(mac, given, 6);
		return;
	}
	if (getrandom(mac, 6, 0) != 6)
		memset(mac, 0x5a, 6);
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);   /* unicast, locally administered */
}
