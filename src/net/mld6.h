/* mld6.h - Multicast Listener Discovery version 2 (RFC 3810) for a host: the groups an
 * interface listens to (all-nodes always; solicited-node groups of its addresses;
 * IPV6_JOIN_GROUP), reports when one is joined or left, answers to queries; MLDv1
 * (RFC 2710) while an MLDv1 querier is present (RFC 3810 8). */
#ifndef USTACK_NET_MLD6_H
#define USTACK_NET_MLD6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ustack;
struct iface;
struct pkt;

int mld6_init(struct ustack *st);
void mld6_free(struct ustack *st);
/* Join / leave group on ifp (counted: joined twice, left twice). 0 or -errno. */
int mld6_join(struct ustack *st, struct iface *ifp, const uint8_t group[16]);
int mld6_leave(struct ustack *st, struct iface *ifp, const uint8_t group[16]);
/* Does ifp listen to group? (ff02::1 always) */
bool mld6_member(struct ustack *st, const struct iface *ifp, const uint8_t group[16]);
/* ifp's link-local address passed DAD: the groups reported from :: until then are
 * reported again from it, at once. */
void mld6_ll_ready(struct ustack *st, struct iface *ifp);
/* Is ifindex in MLDv1 Host Compatibility Mode (RFC 3810 8.2.1: an MLDv1 querier heard
 * within the Older Version Querier Present Timeout)? */
bool mld6_v1_mode(struct ustack *st, int ifindex);
/* An MLD message (query, report, done) arrived: p->data at the ICMPv6 header. Consumes p. */
void mld6_input(struct ustack *st, struct iface *ifp, struct pkt *p);

/* The groups ifindex listens to (besides ff02::1): up to max; returns how many. */
size_t mld6_list(struct ustack *st, int ifindex, uint8_t (*out)[16], size_t max);

#endif
