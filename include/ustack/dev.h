/* dev.h - link devices: TAP, AF_PACKET, AF_XDP, the in-process switch (vnet), loopback, and wrappers
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

/* Offloads (ustack_dev.offloads): what a device does so the stack need not. */
#define USTACK_DEV_TX_CSUM  0x1u  /* finishes a TCP checksum left partial (meta CSUM_PARTIAL),
				   * over IPv4 and IPv6 alike */
#define USTACK_DEV_RX_CSUM  0x2u  /* may hand frames whose checksum is partial or checked */
#define USTACK_DEV_TSO4     0x4u  /* takes TCP/IPv4 super-segments (meta GSO_TCPV4) up to gso_max */
#define USTACK_DEV_RX_GSO   0x8u  /* may hand TCP super-segments up to gso_max, of the
				   * families it takes them in (TSO4: IPv4, TSO6: IPv6) */
#define USTACK_DEV_TSO6     0x10u /* takes TCP/IPv6 super-segments (meta GSO_TCPV6) up to
				   * gso_max: the fixed header and TCP, no extension header */

/* What travels beside a frame on a device with offloads: the virtio-net header's
 * content, in host order (src/dev/gso.h reads and writes the header itself). */
#define USTACK_META_CSUM_PARTIAL 0x1  /* the sum from csum_start to the end is still to be
				       * stored at csum_start + csum_offset (the field holds
				       * the pseudo-header sum) */
#define USTACK_META_CSUM_VALID   0x2  /* receive: the checksums were checked already */
#define USTACK_GSO_NONE  0
#define USTACK_GSO_TCPV4 1
#define USTACK_GSO_TCPV6 4
struct ustack_frame_meta {
	uint8_t flags;        /* USTACK_META_* */
	uint8_t gso_type;     /* USTACK_GSO_* */
	uint16_t hdr_len;     /* Ethernet + IP + TCP header bytes of a super-segment */
	uint16_t gso_size;    /* payload bytes per wire segment of a super-segment */
	uint16_t csum_start;  /* from the first byte of the frame */
	uint16_t csum_offset; /* from csum_start */
};

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
	/* Optional (devices with offloads): send / receive a frame with its meta. A device
	 * whose offloads are 0 is only ever called through send and recv. */
	int (*send_meta)(struct ustack_dev *d, const uint8_t *frame, size_t len,
			 const struct ustack_frame_meta *m, uint64_t now_us);
	int (*recv_meta)(struct ustack_dev *d, uint8_t *buf, size_t cap,
			 struct ustack_frame_meta *m, uint64_t now_us);
	/* Optional: turn offloads on or off (a subset of what the device can do).
	 * Returns the offloads now on, or -1. */
	int (*set_offloads)(struct ustack_dev *d, uint32_t want);
};

struct ustack_dev {
	const struct ustack_dev_ops *ops;
	char name[32];
	uint8_t mac[6];
	unsigned mtu;         /* IP MTU: largest IP datagram in one frame (1500 on Ethernet) */
	int fd;               /* readable when frames may be waiting; -1 if never (pure simulation) */
	void *priv;
	/* Capabilities. Zero (a calloc'ed device) means: frames of at most mtu, full
	 * checksums both ways. */
	uint32_t offloads;    /* USTACK_DEV_* now on */
	unsigned gso_max;     /* largest IP datagram (header included) of a super-segment
			       * (TSO4, TSO6 / RX_GSO), <= 65535 */
};

/* A Linux TAP device (IFF_TAP | IFF_NO_PI). name may be "" for a kernel-chosen name.
 * mac NULL: a random locally administered MAC. Needs CAP_NET_ADMIN. With the
 * virtio-net header (IFF_VNET_HDR) and the kernel's agreement, offloads are on:
 * checksums both ways, TCP super-segments over IPv4 and IPv6 up to 64 KiB both ways
 * (USTACK_DEV_TSO4 | USTACK_DEV_TSO6 | USTACK_DEV_RX_GSO; ustack_dev_set_offloads(d, 0)
 * turns them off). */
struct ustack_dev *ustack_tap_open(const char *name, const uint8_t *mac, unsigned mtu);

/* --- packet: a host on an existing interface (a veth, a NIC) through AF_PACKET --- */
/* Opens ifname (an Ethernet interface, up) with a TPACKET_V3 receive ring, kernel
 * queueing disciplines bypassed and the interface promiscuous, so the stack can use a MAC
 * of its own. mac NULL: a random locally administered MAC (never the interface's: the
 * kernel would take the stack's frames for its own). mtu 0: the interface's; larger
 * than the interface's: cut to it. With the virtio-net header (PACKET_VNET_HDR, set
 * before the ring) offloads are on, as on the TAP: TCP super-frames (IPv4 and IPv6) from a peer
 * with TSO/GSO on and partial checksums reach the stack as they are, and its
 * super-segments are cut by the kernel. ustack_dev_set_offloads(d, 0): the device
 * itself cuts what arrives and finishes partial checksums, the stack sends wire frames.
 * A kernel without the header: no offloads, the peer must send plain frames
 * (`ethtool -K PEER tx off`). Needs CAP_NET_RAW. NULL with errno on failure. */
struct ustack_dev *ustack_packet_open(const char *ifname, const uint8_t *mac, unsigned mtu);
struct ustack_packet_stats {
	uint64_t rx_frames;         /* frames handed to the stack */
	uint64_t rx_blocks;         /* ring blocks read */
	uint64_t rx_blocks_timeout; /* of which handed over by the retire timer, not full */
	uint64_t rx_outgoing;       /* frames the interface sent, skipped */
	uint64_t rx_truncated;      /* longer than a ring slot or the stack's buffer: dropped */
	uint64_t rx_csum_partial;   /* no virtio-net header: checksum left to an offload (the
	                             * peer's), delivered as it is (the stack drops it) */
	uint64_t rx_bad;            /* ring entries out of bounds: the rest of their block dropped */
	uint64_t rx_kernel_drops;   /* frames the kernel dropped, the ring being full */
	uint64_t rx_gso;            /* TCP super-frames received, IPv4 or IPv6 (offloads off:
	                             * cut here) */
	uint64_t rx_bad_vnet;       /* offloads off: a virtio-net header not taken, dropped */
	uint64_t tx_frames;         /* frames sent */
	uint64_t tx_gso;            /* of which super-segments the kernel cuts */
	uint64_t tx_errors;         /* frames the kernel refused (ENOBUFS, link down...) */
};
/* The counters of a device from ustack_packet_open (not of a wrapper around it):
 * 0, or -1 with EINVAL. */
int ustack_packet_get_stats(struct ustack_dev *d, struct ustack_packet_stats *out);

/* --- xdp: a host on an existing interface through AF_XDP (libxdp) --- */
/* Opens queue `queue` of ifname (an Ethernet interface, up) with an AF_XDP socket:
 * libxdp's default XDP program redirects every frame arriving on that queue to the
 * socket (the kernel no longer sees them on that interface while it is open), and
 * frames are sent through the socket's TX ring. flags: 0 tries native XDP and falls
 * back to generic (SKB) mode; USTACK_XDP_DRV or USTACK_XDP_SKB forces one. mac NULL: a
 * random locally administered MAC, as on the AF_PACKET device. The MTU is the
 * interface's, at most 3826 (one 4 KiB UMEM frame). No offloads: wire frames both
 * ways, the peer must send them so (a veth in native mode does; in SKB mode turn the
 * peer's TSO/GSO off). Needs CAP_NET_ADMIN and CAP_BPF (or root). NULL with errno on
 * failure; ENOTSUP (and ustack_xdp_supported() false) when ustack was built without
 * libxdp. */
#define USTACK_XDP_SKB 0x1u   /* generic XDP: any interface, a copy into an skb */
#define USTACK_XDP_DRV 0x2u   /* native XDP in the driver */
struct ustack_dev *ustack_xdp_open(const char *ifname, unsigned queue, const uint8_t *mac,
				   unsigned flags);
bool ustack_xdp_supported(void);   /* built with libxdp */
struct ustack_xdp_stats {
	bool native;                /* native XDP (else generic/SKB mode) */
	bool zerocopy;              /* the kernel runs the socket zero-copy (else copy mode) */
	uint64_t rx_frames;         /* frames handed to the stack */
	uint64_t rx_batches;        /* RX ring reads that found frames (frames per wake-up:
	                             * rx_frames / rx_batches) */
	uint64_t rx_truncated;      /* longer than the stack's buffer, empty or out of the UMEM: dropped */
	uint64_t rx_fill_lost;      /* frames the fill ring could not take back (never expected) */
	uint64_t rx_kernel_drops;   /* frames the kernel dropped: RX ring full, too long... */
	uint64_t rx_fill_empty;     /* times the kernel found no frame on the fill ring */
	uint64_t bad_descs;         /* descriptors the kernel found invalid (RX and TX), and
	                             * completions naming no send frame (ignored) */
	uint64_t tx_frames;         /* frames put on the TX ring */
	uint64_t tx_kicks;          /* sendto() wake-ups */
	uint64_t tx_kick_errors;    /* of which refused for a reason that is not transient */
	uint64_t tx_full;           /* frames not sent: no free UMEM frame or TX ring full */
	uint64_t tx_errors;         /* frames not sent: shorter than a header or over 4 KiB */
};
/* The counters of a device from ustack_xdp_open (not of a wrapper around it): 0, or -1
 * with EINVAL. */
int ustack_xdp_get_stats(struct ustack_dev *d, struct ustack_xdp_stats *out);

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
/* Turn d's offloads to `want` (as far as it can): returns the USTACK_DEV_* now on, or
 * -1 (EINVAL: no device). A device that has none returns 0. */
int ustack_dev_set_offloads(struct ustack_dev *d, uint32_t want);

#ifdef __cplusplus
}
#endif
#endif
