/* demo_dissect.h - one frame taken apart field by field, from its bytes: for each field
 * its layer, its names (English, Korean), where its bits are in the frame, its value as
 * text and what it means. The header picture (demo_header.c) and the walkthrough page
 * (demo_html.c) both draw from it, so the boxes, the page and the hex pane say the same.
 *
 * Keys are Wireshark's display-filter names where Wireshark has one ("tcp.flags.syn"),
 * so a learner can type them into Wireshark's filter bar, and a test can ask tshark. */
#ifndef USTACK_TOOLS_DEMO_DISSECT_H
#define USTACK_TOOLS_DEMO_DISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEMO_MAX_FIELDS 160
#define DEMO_MAX_LAYERS 8

enum demo_layer_kind {
	DL_ETH, DL_ARP, DL_IPV4, DL_ICMP, DL_UDP, DL_TCP, DL_DNS, DL_DATA, DL_IPV6, DL_ICMP6
};

struct demo_field {
	int layer;                   /* index into demo_dissection.layers */
	const char *key;             /* "tcp.srcport" */
	const char *label;           /* short, for a box of the picture: "Source Port" */
	const char *label_ko;
	size_t off;                  /* first byte in the frame */
	unsigned bit;                /* first bit within that byte, 0 = most significant */
	unsigned bits;               /* width in bits */
	uint64_t value;              /* numeric value when bits <= 64 */
	char text[96];               /* the value as the picture and the page show it */
	const char *about, *about_ko;   /* what it means (may be NULL) */
};

struct demo_layer {
	enum demo_layer_kind kind;
	const char *name;            /* "TCP" */
	const char *title, *title_ko;   /* "TCP header (RFC 9293 3.1)" */
	size_t off, hdr_len, len;    /* header start and length; len: header + what it carries */
};

struct demo_dissection {
	struct demo_layer layers[DEMO_MAX_LAYERS];
	int n_layers;
	struct demo_field f[DEMO_MAX_FIELDS];
	int n;
	bool truncated;              /* a header ended early: the rest is shown as bytes */
};

/* Takes the frame apart (Ethernet, ARP, IPv4, ICMP, UDP, DNS, TCP with options, data).
 * Never reads past len; fields of a header that is cut short are left out. */
void demo_dissect(const uint8_t *frame, size_t len, struct demo_dissection *out);
/* The field with this key, or NULL. */
const struct demo_field *demo_dissect_find(const struct demo_dissection *dd, const char *key);

#endif
