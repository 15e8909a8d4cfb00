/* dev.h - link devices: TAP, AF_PACKET, the in-process switch (vnet), loopback, and wrappers
 * (pcap capture, impairment) that go around any device. */
#ifndef USTACK_DEV_H
#define USTACK_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define USTACK_DEV_MAX_FRAME 65550   /* the largest frame any device carries (loopback) */

struct ustack_dev;

/* What a device does. A new kind of device fills these in. */
struct ustack_dev_ops {
	/* Send one Ethernet frame (no FCS). Returns 0, or -1 if it could not (counted). */
	int (*send)(struct ustack_dev *d, const uint8_t *frame, size_t len, uint64_t now_us);
	/* Receive one frame due by now_us into buf. Returns its length, 0 if none is ready. */
	int (*recv)(struct ustack_dev *d, uint8_t *buf, size_t cap, uint64_t now_us);
	/* Absolute time at which a frame becomes ready without any fd event
	 * (a delayed frame on a vnet), or UINT64_MAX. May be NULL. */
	uint64_t (*next_deadline)(struct ustack_dev *d);
	/* Release everything. */
	void (*close)(struct ustack_dev *d);
};

struct ustack_dev {
	const struct ustack_dev_ops *ops;
	char name[32];
	uint8_t mac[6];
	unsigned mtu;         /* IP MTU: largest IP datagram in one frame (1500 on Ethernet) */
	int fd;               /* readable when frames may be waiting; -1 if never (pure simulation) */
	void *priv;
};

/* A Linux TAP device (IFF_TAP | IFF_NO_PI). name may be "" for a kernel-chosen name.
 * mac NULL: a random locally administered MAC. Needs CAP_NET_ADMIN. */
struct ustack_dev *ustack_tap_open(const char *name, const uint8_t *mac, unsigned mtu);

/* --- packet: a host on an existing interface (a veth, a NIC) through AF_PACKET --- */
/* Opens ifname (an Ethernet interface, up) with a TPACKET_V3 receive ring, kernel
 * queueing disciplines bypassed and the interface promiscuous, so the stack can use a MAC
 * of its own. mac NULL: a random locally administered MAC (never the interface's: the
 * kernel would take the stack's frames for its own). mtu 0: the interface's; larger
 * than the interface's: cut to it. No offloads: the peer must send plain frames with
 * complete checksums (`ethtool -K PEER tx off` on a veth; `gro off` on a NIC).
 * Needs CAP_NET_RAW. NULL with errno on failure. */
struct ustack_dev *ustack_packet_open(const char *ifname, const uint8_t *mac, unsigned mtu);
struct ustack_packet_stats {
	uint64_t rx_frames;         /* frames handed to the stack */
	uint64_t rx_blocks;         /* ring blocks read */
	uint64_t rx_blocks_timeout; /* of which handed over by the retire timer, not full */
	uint64_t rx_outgoing;       /* frames the interface sent, skipped */
	uint64_t rx_truncated;      /* longer than a ring slot or the stack's buffer: dropped */
	uint64_t rx_csum_partial;   /* checksum left to an offload (the peer's), delivered */
	uint64_t rx_bad;            /* ring entries out of bounds: the rest of their block dropped */
	uint64_t rx_kernel_drops;   /* frames the kernel dropped, the ring being full */
	uint64_t tx_frames;         /* frames sent */
	uint64_t tx_errors;         /* frames the kernel refused (ENOBUFS, link down...) */
};
/* The counters of a device from ustack_packet_open (not of a wrapper around it):
 * 0, or -1 with EINVAL. */
int ustack_packet_get_stats(struct ustack_dev *d, struct ustack_packet_stats *out);

/* --- vnet: an in-process Ethernet switch with MAC learning --- */
struct ustack_vnet;
struct ustack_vnet *ustack_vnet_new(void);
/* Frees the switch; every port must be closed first (ustack_free closes its devices). */
void ustack_vnet_free(struct ustack_vnet *vn);
/* The 5th byte of the MACs ustack_vnet_port() derives (default: from the switch's
 * address). Set it before adding ports for MACs that are the same on every run. */
void ustack_vnet_set_id(struct ustack_vnet *vn, uint8_t id);
/* A new port. mac NULL: a MAC derived from the port number (02:00:00:00:<vnet>:<port>). */
struct ustack_dev *ustack_vnet_port(struct ustack_vnet *vn, const uint8_t *mac, unsigned mtu);
/* Frames sent into this port reach the others latency_us later, serialised at
 * bits_per_sec (0: unlimited). */
int ustack_vnet_port_link(struct ustack_dev *port, uint64_t latency_us, uint64_t bits_per_sec);

/* --- loopback: frames sent come back on recv (127.0.0.0/8) --- */
struct ustack_dev *ustack_loopback_new(void);

/* --- wrappers: they own the inner device --- */
/* Every frame in and out is written to path in pcap format (LINKTYPE_ETHERNET, us). */
struct ustack_dev *ustack_pcap_wrap(struct ustack_dev *inner, const char *path);
/* Several devices can share one capture file: open it once, wrap each device with it. */
struct ustack_pcap;
struct ustack_pcap *ustack_pcap_open(const char *path);
struct ustack_dev *ustack_pcap_wrap_shared(struct ustack_dev *inner, struct ustack_pcap *pc);
void ustack_pcap_close(struct ustack_pcap *pc);   /* after every wrapper is closed */
/* Records are stamped epoch_us + now_us (default epoch 0: the stack's own clock).
 * Pass the wall-clock time at which the stack's clock read zero to get dated captures. */
int ustack_pcap_set_epoch(struct ustack_pcap *pc, uint64_t epoch_us);

struct ustack_impair {
	uint64_t seed;          /* a failing run replays from its seed */
	double loss;            /* probability 0..1 that a frame is dropped */
	double duplicate;       /* ... that a frame is sent twice */
	double reorder;         /* ... that a frame is held back and sent after the next one */
	double corrupt;         /* ... that one byte of the frame is flipped */
	uint64_t delay_us;      /* added to every frame */
	uint64_t jitter_us;     /* plus a uniform random 0..jitter_us */
	bool rx;                /* also impair the receive direction (default: send only) */
};
struct ustack_dev *ustack_impair_wrap(struct ustack_dev *inner, const struct ustack_impair *cfg);
struct ustack_impair_stats { uint64_t frames, lost, duplicated, reordered, corrupted, delayed; };
void ustack_impair_get_stats(struct ustack_dev *d, struct ustack_impair_stats *out);

/* For device authors and tests: calls ops. */
void ustack_dev_close(struct ustack_dev *d);

#ifdef __cplusplus
}
#endif
#endif
