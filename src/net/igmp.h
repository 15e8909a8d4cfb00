/* igmp.h - host group membership (RFC 1112, RFC 2236 IGMPv2, RFC 3376 IGMPv3): the
 * groups each interface has joined, counted by the sockets that asked, their reports,
 * leaves and answers to queries. */
#ifndef USTACK_NET_IGMP_H
#define USTACK_NET_IGMP_H

#include <stdbool.h>
#include <stdint.h>

struct ustack;
struct iface;
struct pkt;

#define IGMP_ALL_HOSTS 0xe0000001u      /* 224.0.0.1 */
#define IGMP_ALL_ROUTERS 0xe0000002u    /* 224.0.0.2: v2 leaves */
#define IGMP_V3_ROUTERS 0xe0000016u     /* 224.0.0.22: v3 reports */

int igmp_init(struct ustack *st);
void igmp_free(struct ustack *st);
/* One more user of group on ifindex; the first one sends the unsolicited reports.
 * 0 or -ENOBUFS. */
int igmp_join(struct ustack *st, int ifindex, uint32_t group);
/* One user fewer; the last one sends the leave (v2) or the state change (v3). */
void igmp_leave(struct ustack *st, int ifindex, uint32_t group);
/* Is a datagram to group on ifp ours (all-hosts, or a group joined there)? */
bool igmp_accepts(struct ustack *st, int ifindex, uint32_t group);
/* An IGMP message arrived (p->data at the IGMP header). Consumes p. */
void igmp_input(struct ustack *st, struct iface *ifp, struct pkt *p);

#endif
