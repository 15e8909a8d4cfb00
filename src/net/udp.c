/* udp.c - UDP (RFC 768; RFC 1122 section 4.1.3): ports, demultiplexing, datagram queues.
 *
 * Protocol control blocks sit in a hash table keyed by local port; a bucket chain holds
 * every pcb of that port, and input picks the best match the way RFC 1122 4.1.3.4 and
 * Linux do: a socket connected to the sender first, then a socket bound to the datagram's
 * destination address, then a wildcard bind. Broadcasts go to every matching socket.
 * Ephemeral ports follow RFC 6056 algorithm 1 (random start, probe the range).
 * ICMP errors about our datagrams (RFC 1122 4.1.3.3) become a pending error on a
 * connected socket, reported by its next call, as Linux does. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/stack.h"
#include "core/ip_class.h"
#include "core/trace.h"
#include "net/udp.h"
#include "net/udp_var.h"
#include "net/inet.h"
#include "net/ipv4.h"
#include "net/icmp.h"
#include "net/icmpv6.h"
#include "net/proto.h"
#include "core/upcall.h"
#include "wire/udp.h"
#include "wire/icmp6.h"

#define UDP_PROTO 17
#define UDP_HASH 256u
#define UDP_EPH_MIN 49152u      /* RFC 6335 dynamic ports */
#define UDP_EPH_MAX 65535u
#define UDP_RCVBUF_MIN 1024u
#define UDP_RCVBUF_MAX (16u << 20)


struct udp_state {
	struct udp_pcb *hash[UDP_HASH];
	struct udp_pcb *all;
	uint64_t key;                   /* SO_REUSEPORT's hash secret */
};

static inline unsigned port_hash(uint16_t port)
{
	return (unsigned)(port ^ (port >> 8)) & (UDP_HASH - 1);
}

int udp_init(struct ustack *st)
{
	st->udp = calloc(1, sizeof(*st->udp));
	if (!st->udp)
		return -1;
	/* from the seed, not a draw: the stack's random sequence stays as it was */
	st->udp->key = (st->cfg.seed ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
	proto_register(st, UDP_PROTO, udp_input, udp_err_input);
	return 0;
}

void udp_free(struct ustack *st)
{
	if (!st->udp)
		return;
	struct udp_pcb *pcb = st->udp->all;
	while (pcb) {
		struct udp_pcb *n = pcb->next;
		pkt_queue_purge(st, &pcb->rq);
		free(pcb);
		pcb = n;
	}
	free(st->udp);
	st->udp = NULL;
}

/* ---- pcbs ------------------------------------------------------------------ */

static struct udp_pcb *pcb_alloc(struct ustack *st)
{
	struct udp_pcb *pcb = calloc(1, sizeof(*pcb));

	if (!pcb)
		return NULL;
	pcb->rcvbuf = UDP_DEFAULT_RCVBUF;
	udp_mcast_init(pcb);
	pcb->laddr = pcb->raddr = pcb->laddr_any = ip_addr_from_v4(0);
	pcb->next = st->udp->all;
	if (pcb->next)
		pcb->next->prev = pcb;
	st->udp->all = pcb;
	return pcb;
}

struct udp_pcb *udp_pcb_new(struct ustack *st, const struct upcall *up)
{
	struct udp_pcb *pcb = pcb_alloc(st);

	if (pcb && up)
		pcb->up = *up;
	return pcb;
}

struct udp_pcb *udp_pcb_new_handler(struct ustack *st, udp_handler_fn fn, void *ctx)
{
	struct udp_pcb *pcb = pcb_alloc(st);

	if (pcb) {
		pcb->handler = fn;
		pcb->ctx = ctx;
	}
	return pcb;
}

static void unhash(struct ustack *st, struct udp_pcb *pcb)
{
	if (!pcb->hashed)
		return;
	struct udp_pcb **pp = &st->udp->hash[port_hash(pcb->lport)];
	while (*pp && *pp != pcb)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = pcb->hnext;
	pcb->hashed = false;
	pcb->hnext = NULL;
}

void udp_pcb_free(struct ustack *st, struct udp_pcb *pcb)
{
	if (!pcb)
		return;
	unhash(st, pcb);
	udp_mcast_leave_all(st, pcb);
	if (pcb->prev)
		pcb->prev->next = pcb->next;
	else
		st->udp->all = pcb->next;
	if (pcb->next)
		pcb->next->prev = pcb->prev;
	pkt_queue_purge(st, &pcb->rq);
	free(pcb);
}

/* ---- binding (RFC 6056) ---------------------------------------------------- */

/* Would a bind of (addr, port) collide with a pcb already there? */
static bool port_conflict(struct ustack *st, const struct ip_addr *addr, bool v6only,
			  uint16_t port, bool reuse, bool reuseport)
{
	for (struct udp_pcb *p = st->udp->hash[port_hash(port)]; p; p = p->hnext) {
		if (p->lport != port)
			continue;
		if (!inet_addr_overlap(addr, v6only, &p->laddr, p->v6only))
			continue;
		if (reuse && p->reuse)
			continue;
		if (reuseport && p->reuseport)
			continue;
		return true;
	}
	return false;
}

static bool port_used(struct ustack *st, uint16_t port)
{
	for (struct udp_pcb *p = st->udp->hash[port_hash(port)]; p; p = p->hnext)
		if (p->lport == port)
			return true;
	return false;
}

static void do_hash(struct ustack *st, struct udp_pcb *pcb, const struct ip_addr *addr,
		    uint16_t port)
{
	unsigned h = port_hash(port);

	pcb->laddr = *addr;
	pcb->lport = port;
	pcb->hnext = st->udp->hash[h];
	st->udp->hash[h] = pcb;
	pcb->hashed = true;
}

/* RFC 6056 3.3.1 (algorithm 1): a random offset into the range, then probe upwards. */
static int pick_ephemeral(struct ustack *st, uint16_t *port)
{
	const uint32_t num = UDP_EPH_MAX - UDP_EPH_MIN + 1;
	uint32_t off = stack_rand32(st);

	for (uint32_t i = 0; i < num; i++) {
		uint16_t p = (uint16_t)(UDP_EPH_MIN + (off + i) % num);
		if (!port_used(st, p)) {
			*port = p;
			return 0;
		}
	}
	return -EADDRINUSE;
}

void udp_set_family(struct udp_pcb *pcb, uint8_t family, bool v6only)
{
	if (pcb->hashed)
		return;
	pcb->laddr = pcb->raddr = (struct ip_addr){ .family = family };
	pcb->v6only = family == IP_AF_INET6 && v6only;
}

static bool is_bcast(struct ustack *st, const struct ip_addr *addr);

int udp_bind(struct ustack *st, struct udp_pcb *pcb, const struct ip_addr *addr, uint16_t port)
{
	struct ip_addr any = { .family = pcb->laddr.family };

	if (pcb->hashed)
		return -EINVAL;
	if (!addr)
		addr = &any;
	if (!ip_addr_is_unspecified(addr) && !inet_is_local(st, addr) && !is_bcast(st, addr) &&
	    !ip_addr_is_multicast(addr))
		return -EADDRNOTAVAIL;
	if (port == 0) {
		int rc = pick_ephemeral(st, &port);
		if (rc)
			return rc;
	} else if (port_conflict(st, addr, pcb->v6only, port, pcb->reuse, pcb->reuseport)) {
		return -EADDRINUSE;
	}
	do_hash(st, pcb, addr, port);
	return 0;
}

static int pick_src(struct ustack *st, const struct ip_addr *dst, int ifindex,
		    struct ip_addr *src);

int udp_connect(struct ustack *st, struct udp_pcb *pcb, const struct ip_addr *addr,
		uint16_t port)
{
	if (!addr) {                            /* AF_UNSPEC: dissolve the association */
		pcb->connected = false;
		pcb->raddr = (struct ip_addr){ .family = pcb->laddr.family };
		pcb->rport = 0;
		if (pcb->laddr_auto) {
			pcb->laddr = pcb->laddr_any;
			pcb->laddr_auto = false;
		}
		return 0;
	}
	if (port == 0)
		return -EINVAL;
	if (!pcb->hashed) {
		int rc = udp_bind(st, pcb, NULL, 0);
		if (rc)
			return rc;
	}
	if (!ip_addr_is_unspecified(&pcb->laddr) && !pcb->laddr_auto &&
	    pcb->laddr.family != addr->family)
		return -ENETUNREACH;
	if (addr->family == IP_AF_INET && pcb->v6only)
		return -ENETUNREACH;
	/* as Linux: the local address becomes the source used to reach the peer */
	struct ip_addr src;
	if (ip_addr_is_unspecified(&pcb->laddr) && !pcb->laddr_auto)
		pcb->laddr_any = pcb->laddr;
	if ((ip_addr_is_unspecified(&pcb->laddr) || pcb->laddr_auto) && !is_bcast(st, addr) &&
	    pick_src(st, addr, -1, &src) == 0) {
		pcb->laddr = src;
		pcb->laddr_auto = true;
	}
	pcb->raddr = *addr;
	pcb->rport = port;
	pcb->connected = true;
	pcb->err = 0;
	return 0;
}

void udp_set_reuse(struct udp_pcb *pcb, int on) { pcb->reuse = on != 0; }
void udp_set_reuseport(struct udp_pcb *pcb, int on) { pcb->reuseport = on != 0; }
void udp_set_broadcast(struct udp_pcb *pcb, int on) { pcb->bcast = on != 0; }
size_t udp_rcvbuf(const struct udp_pcb *pcb) { return pcb->rcvbuf; }
bool udp_is_connected(const struct udp_pcb *pcb) { return pcb->connected; }

void udp_set_rcvbuf(struct udp_pcb *pcb, size_t bytes)
{
	if (bytes < UDP_RCVBUF_MIN)
		bytes = UDP_RCVBUF_MIN;
	if (bytes > UDP_RCVBUF_MAX)
		bytes = UDP_RCVBUF_MAX;
	pcb->rcvbuf = bytes;
}

void udp_addrs(const struct udp_pcb *pcb, struct ip_addr *laddr, uint16_t *lport,
	       struct ip_addr *raddr, uint16_t *rport)
{
	*laddr = pcb->laddr;
	*lport = pcb->lport;
	*raddr = pcb->connected ? pcb->raddr : (struct ip_addr){ .family = pcb->laddr.family };
	*rport = pcb->connected ? pcb->rport : 0;
}

unsigned udp_poll_events(const struct udp_pcb *pcb)
{
	unsigned ev = POLLOUT;

	if (pcb->rq.head)
		ev |= POLLIN;
	if (pcb->err)
		ev |= POLLERR;
	return ev;
}

int udp_take_error(struct udp_pcb *pcb)
{
	int e = pcb->err;

	pcb->err = 0;
	return e;
}

void udp_set_ip(struct udp_pcb *pcb, uint8_t ttl, uint8_t tos)
{
	pcb->ttl = ttl;
	pcb->tos = tos;
}

size_t udp_next_len(const struct udp_pcb *pcb)
{
	return pcb->rq.head ? pcb->rq.head->len - UDP_HDR_LEN : 0;
}

/* ---- output ---------------------------------------------------------------- */

static bool is_bcast(struct ustack *st, const struct ip_addr *addr)
{
	if (addr->family != IP_AF_INET)
		return false;                   /* IPv6 has no broadcast */
	uint32_t a = ip_addr_v4(addr);
	return ip4_is_limited_broadcast(a) || ipv4_is_broadcast(st, a);
}

/* The source address for dst when the pcb is bound to the wildcard. */
static int pick_src(struct ustack *st, const struct ip_addr *dst, int ifindex,
		    struct ip_addr *src)
{
	if (inet_select_src(st, dst, ifindex, src) == 0 && !ip_addr_is_unspecified(src))
		return 0;
	if (dst->family == IP_AF_INET && ip4_is_limited_broadcast(ip_addr_v4(dst))) {
		/* limited broadcast: the first real interface */
		for (int i = 0; i < st->n_ifaces; i++) {
			struct iface *ifp = &st->ifaces[i];
			if (ifp->used && ifp->up && !ifp->loopback) {
				*src = ip_addr_from_v4(ifp->addr);
				return 0;
			}
		}
	}
	return -ENETUNREACH;
}

long udp_sendto(struct ustack *st, struct udp_pcb *pcb, const void *buf, size_t len,
		const struct ip_addr *dst, uint16_t dport)
{
	return udp_sendto_tx(st, pcb, buf, len, dst, dport, NULL);
}

/* IPv4 out, with the options only IPv4 has (broadcast, IGMP's host-only TTL 0). */
static int output4(struct ustack *st, struct udp_pcb *pcb, struct pkt *p, uint32_t src,
		   uint32_t dst, const struct udp_tx *tx)
{
	struct ip_out_opts opts = { .allow_bcast = pcb->bcast, .ttl = pcb->ttl, .tos = pcb->tos };
	if (ip4_is_multicast(dst)) {
		opts.ttl = pcb->mcast_ttl ? pcb->mcast_ttl : 1;
		opts.host_only = pcb->mcast_ttl == 0;      /* RFC 1112 §6.1: stays on the host */
		opts.mcast_loop = pcb->mcast_loop;
	}
	if (tx && tx->ttl > 0) {
		opts.ttl = (uint8_t)tx->ttl;            /* as Linux: over the multicast TTL too */
		opts.host_only = false;
	}
	if (tx && tx->tos >= 0)
		opts.tos = (uint8_t)tx->tos;
	return ipv4_output(st, p, src, dst, UDP_PROTO, &opts);
}

long udp_sendto_tx(struct ustack *st, struct udp_pcb *pcb, const void *buf, size_t len,
		   const struct ip_addr *dst, uint16_t dport, const struct udp_tx *tx)
{
	if (!dst) {
		if (!pcb->connected)
			return -EDESTADDRREQ;
		dst = &pcb->raddr;
		dport = pcb->rport;
	}
	if (pcb->connected && pcb->err)         /* an ICMP error reported by this call */
		return -udp_take_error(pcb);
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (dport == 0)
		return -EINVAL;
	if (is_bcast(st, dst) && !pcb->bcast)
		return -EACCES;
	if (dst->family == IP_AF_INET && pcb->v6only)
		return -ENETUNREACH;
	if (!pcb->hashed) {
		int rc = udp_bind(st, pcb, NULL, 0);
		if (rc)
			return rc;
	}
	bool mcast = ip_addr_is_multicast(dst);
	struct ip_addr src = tx && tx->src.family ? tx->src : pcb->laddr;
	bool need_src = ip_addr_is_unspecified(&src) || is_bcast(st, &src) ||
			ip_addr_is_multicast(&src) || src.family != dst->family;
	if (need_src && mcast && pcb->mcast_if && dst->family == IP_AF_INET) {
		src = ip_addr_from_v4(pcb->mcast_if);
		need_src = false;
	}
	int oif = tx ? tx->ifindex : -1;
	if (oif < 0 && mcast && dst->family == IP_AF_INET6)
		oif = udp_mcast6_oif(pcb);
	if (need_src) {
		int rc = pick_src(st, dst, oif, &src);
		if (rc)
			return rc;
	}
	struct pkt *p = pkt_alloc(st, UDP_HDR_LEN + len);
	if (!p)
		return -ENOBUFS;
	uint8_t *h = pkt_put(p, UDP_HDR_LEN + len);
	if (len)
		memcpy(h + UDP_HDR_LEN, buf, len);
	struct udp_repr r = { .sport = pcb->lport, .dport = dport };
	udp_emit_ps(&r, h, len, inet_pseudo(&src, dst, UDP_PROTO));
	int rc;
	if (dst->family == IP_AF_INET) {
		rc = output4(st, pcb, p, ip_addr_v4(&src), ip_addr_v4(dst), tx);
	} else {
		struct inet_tx t = { .ttl = pcb->ttl, .tos = pcb->tos, .ifindex = oif };
		if (mcast)
			udp_mcast6_tx(pcb, &t);
		if (tx && tx->ttl > 0) {
			t.ttl = (uint8_t)tx->ttl;       /* as Linux: over the multicast hops too */
			t.host_only = false;
		}
		if (tx && tx->tos >= 0)
			t.tos = (uint8_t)tx->tos;
		rc = inet_output(st, p, &src, dst, UDP_PROTO, &t);
	}
	if (rc < 0)
		return rc;
	ST_COUNT(st, udp_out);
	return (long)len;
}

/* ---- input ----------------------------------------------------------------- */

long udp_recvfrom(struct ustack *st, struct udp_pcb *pcb, void *buf, size_t len, int flags,
		  struct ip_addr *src, uint16_t *sport, struct udp_rx_info *info)
{
	if (pcb->err)
		return -udp_take_error(pcb);
	struct pkt *p = pcb->rq.head;
	if (!p)
		return -EAGAIN;
	size_t plen = p->len - UDP_HDR_LEN;
	size_t n = plen < len ? plen : len;
	if (n)
		memcpy(buf, p->data + UDP_HDR_LEN, n);
	if (src)
		*src = p->src;
	if (sport)
		*sport = be16_get(p->data);
	if (info)
		*info = (struct udp_rx_info){ .dst = p->dst, .ifindex = p->ifindex,
					      .ttl = p->ip_ttl, .tos = p->ip_tos,
					      .rx_time = p->rx_time };
	if (!(flags & MSG_PEEK)) {
		pkt_queue_pop(&pcb->rq);
		pcb->rq_bytes -= plen;
		pkt_free(st, p);
	}
	return (long)((flags & MSG_TRUNC) ? plen : n);
}

/* How well pcb fits a datagram (dst:dport from src:sport): -1 not at all; higher is better. */
static int score(const struct udp_pcb *pcb, const struct ip_addr *dst, uint16_t dport,
		 const struct ip_addr *src, uint16_t sport)
{
	int s = 0;

	if (pcb->lport != dport || !inet_addr_takes(&pcb->laddr, pcb->v6only, dst))
		return -1;
	if (!ip_addr_is_unspecified(&pcb->laddr))
		s += 1;
	if (pcb->connected) {
		if (!ip_addr_eq(&pcb->raddr, src) || pcb->rport != sport)
			return -1;
		s += 2;
	}
	return s;
}

/* Hand p (data at the UDP header, trimmed to the UDP length) to pcb. Consumes p. */
static void deliver(struct ustack *st, struct udp_pcb *pcb, struct pkt *p)
{
	size_t plen = p->len - UDP_HDR_LEN;

	if (pcb->handler) {
		pcb->handler(st, pcb, pcb->ctx, &p->src, be16_get(p->data), &p->dst,
			     p->data + UDP_HDR_LEN, plen);
		pkt_free(st, p);
		return;
	}
	/* Bounded by SO_RCVBUF; an empty queue takes any one datagram (as Linux does). */
	if (pcb->rq.head && pcb->rq_bytes + plen > pcb->rcvbuf) {
		stack_drop(st, USTACK_DROP_UDP_RCVBUF_FULL, p->ifindex, NULL, 0);
		pkt_free(st, p);
		return;
	}
	pkt_queue_push(&pcb->rq, p);
	pcb->rq_bytes += plen;
	upcall_run(st, &pcb->up, POLLIN);
}

/* SO_REUSEPORT: among the sockets that fit a datagram equally well and share the port,
 * one chosen by a keyed hash of the sender, so a sender's datagrams stay on one socket. */
static struct udp_pcb *reuseport_pick(struct ustack *st, struct udp_pcb *best, int score_best,
				      const struct pkt *p, uint16_t dport, uint16_t sport)
{
	unsigned n = 0;

	for (struct udp_pcb *pcb = st->udp->hash[port_hash(dport)]; pcb; pcb = pcb->hnext)
		if (pcb->reuseport && score(pcb, &p->dst, dport, &p->src, sport) == score_best)
			n++;
	if (n <= 1)
		return best;
	uint32_t sw = ip_addr_v4(&p->src);              /* IPv6: the last 4 bytes */
	if (p->src.family == IP_AF_INET6)
		sw = be32_get(p->src.b + 12);
	uint64_t h = ((uint64_t)sw << 16 | sport) ^ st->udp->key;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	unsigned k = (unsigned)(h % n);
	for (struct udp_pcb *pcb = st->udp->hash[port_hash(dport)]; pcb; pcb = pcb->hnext)
		if (pcb->reuseport && score(pcb, &p->dst, dport, &p->src, sport) == score_best &&
		    k-- == 0)
			return pcb;
	return best;
}

void udp_input(struct ustack *st, struct pkt *p)
{
	struct udp_repr r;

	ST_COUNT(st, udp_in);
	int err = udp_parse_ps(p->data, p->len, inet_pseudo(&p->src, &p->dst, UDP_PROTO), &r, true);
	if (!err && r.csum == 0 && p->dst.family == IP_AF_INET6) {
		/* RFC 8200 8.1: the checksum is not optional over IPv6 */
		stack_drop(st, USTACK_DROP_UDP6_ZERO_CSUM, p->ifindex, NULL, 0);
		pkt_free(st, p);
		return;
	}
	if (err) {
		stack_drop(st, err == WIRE_BAD_CSUM ? USTACK_DROP_UDP_BAD_CSUM :
			   USTACK_DROP_UDP_MALFORMED, p->ifindex, NULL, 0);
		pkt_free(st, p);
		return;
	}
	pkt_trim(p, r.len);                     /* IP may carry padding past the UDP length */
	bool bcast = p->ip_bcast || p->l2_bcast || is_bcast(st, &p->dst) ||
		     ip_addr_is_multicast(&p->dst);

	struct udp_pcb *best = NULL;
	int best_score = -1;
	for (struct udp_pcb *pcb = st->udp->hash[port_hash(r.dport)]; pcb; pcb = pcb->hnext) {
		int s = score(pcb, &p->dst, r.dport, &p->src, r.sport);
		if (s < 0)
			continue;
		if (ip_addr_is_multicast(&p->dst) && !udp_mcast_takes(pcb, &p->dst, p->ifindex))
			continue;                       /* IP(V6)_MULTICAST_ALL off, not joined */
		if (bcast && best) {            /* every listener gets a copy of a broadcast */
			struct pkt *c = pkt_clone(st, p);
			if (c)
				deliver(st, pcb, c);
			continue;
		}
		if (s > best_score) {
			best = pcb;
			best_score = s;
		}
	}
	if (best && best->reuseport && !bcast)
		best = reuseport_pick(st, best, best_score, p, r.dport, r.sport);
	if (!best) {
		/* RFC 1122 4.1.3.1: port unreachable, but never about a broadcast; over IPv6
		 * RFC 4443 3.1 code 4 (icmpv6_send_error keeps multicast out) */
		if (!bcast && p->dst.family == IP_AF_INET)
			icmp_send_error(st, p, 3, 3, 0);
		else if (p->dst.family == IP_AF_INET6)
			icmpv6_send_error(st, p, ICMP6_DEST_UNREACH, ICMP6_PORT_UNREACH, 0);
		stack_drop(st, USTACK_DROP_UDP_NO_PORT, p->ifindex, NULL, 0);
		pkt_free(st, p);
		return;
	}
	deliver(st, best, p);
}

/* ICMP destination-unreachable codes as Linux maps them (icmp_err_convert): the errno and
 * whether it is "hard" (reported to a connected socket without IP_RECVERR). */
static int unreach_errno(uint8_t code, bool *hard)
{
	static const struct { int err; bool hard; } map[] = {
		{ ENETUNREACH, false },  /* 0 net unreachable */
		{ EHOSTUNREACH, false }, /* 1 host unreachable */
		{ ENOPROTOOPT, true },   /* 2 protocol unreachable */
		{ ECONNREFUSED, true },  /* 3 port unreachable */
		{ EMSGSIZE, false },     /* 4 fragmentation needed */
		{ EOPNOTSUPP, false },   /* 5 source route failed */
		{ ENETUNREACH, true },   /* 6 net unknown */
		{ EHOSTDOWN, true },     /* 7 host unknown */
		{ ENONET, true },        /* 8 host isolated */
		{ ENETUNREACH, true },   /* 9 net prohibited */
		{ EHOSTUNREACH, true },  /* 10 host prohibited */
		{ ENETUNREACH, false },  /* 11 net unreachable for TOS */
		{ EHOSTUNREACH, false }, /* 12 host unreachable for TOS */
		{ EHOSTUNREACH, true },  /* 13 communication administratively prohibited */
	};
	if (code >= sizeof(map) / sizeof(map[0])) {
		*hard = false;
		return EHOSTUNREACH;
	}
	*hard = map[code].hard;
	return map[code].err;
}

/* ICMPv6 destination unreachable (RFC 4443 3.1) as Linux maps it (icmpv6_err_convert). */
static int unreach6_errno(uint8_t code, bool *hard)
{
	static const struct { int err; bool hard; } map[] = {
		{ ENETUNREACH, false },  /* 0 no route */
		{ EACCES, true },        /* 1 administratively prohibited */
		{ EHOSTUNREACH, false }, /* 2 beyond the scope of the source */
		{ EHOSTUNREACH, false }, /* 3 address unreachable */
		{ ECONNREFUSED, true },  /* 4 port unreachable */
		{ EACCES, true },        /* 5 source address failed policy */
		{ EACCES, true },        /* 6 reject route */
	};
	if (code >= sizeof(map) / sizeof(map[0])) {
		*hard = false;
		return EHOSTUNREACH;
	}
	*hard = map[code].hard;
	return map[code].err;
}

void udp_err_input(struct ustack *st, const struct ip_err *err)
{
	/* only destination unreachable is hard (ICMP type 3, ICMPv6 type 1) */
	if (err->type != (err->family == IP_AF_INET6 ? 1 : 3) || err->proto != UDP_PROTO ||
	    err->src.family != err->family || err->dst.family != err->family)
		return;
	uint16_t sport = err->sport, dport = err->dport;
	uint8_t code = err->code;
	bool hard;
	int e = err->family == IP_AF_INET6 ? unreach6_errno(code, &hard) : unreach_errno(code, &hard);
	if (!hard)
		return;
	for (struct udp_pcb *pcb = st->udp->hash[port_hash(sport)]; pcb; pcb = pcb->hnext) {
		if (pcb->lport != sport || !inet_addr_takes(&pcb->laddr, pcb->v6only, &err->src))
			continue;
		if (!pcb->connected || !ip_addr_eq(&pcb->raddr, &err->dst) || pcb->rport != dport)
			continue;
		pcb->err = e;
		trace_info(st, "udp: port %u: ICMP unreachable code %u -> %s", sport, code,
			   strerror(e));
		upcall_run(st, &pcb->up, UPCALL_ALL);
		return;
	}
}

void udp_foreach(struct ustack *st, void (*fn)(void *ctx, const struct udp_pcb *pcb,
					       const struct upcall *up, size_t recv_q), void *ctx)
{
	for (struct udp_pcb *pcb = st->udp->all; pcb; pcb = pcb->next)
		fn(ctx, pcb, &pcb->up, pcb->rq_bytes);
}
