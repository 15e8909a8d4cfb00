/* demo_header.h - the header picture: a frame drawn the way RFC 9293 section 3.1 draws the
 * TCP header (32-bit rows, one box per field, the control bits as bits with their names),
 * with this frame's values in the boxes and, under each row, the row's bytes as they were
 * on the wire; Ethernet, IPv4 (or ARP) and TCP (or UDP, DNS, ICMP) nested as the envelope
 * they form. */
#ifndef USTACK_TOOLS_DEMO_HEADER_H
#define USTACK_TOOLS_DEMO_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Draws the frame on out; ko: Korean labels and titles where they fit. */
void demo_header_draw(FILE *out, const uint8_t *frame, size_t len, bool ko);

/* --frames: "all" or a list of frame numbers and ranges ("3,7-9"); -1 if malformed. */
struct demo_frames_sel {
	bool all;
	int n;
	unsigned from[32], to[32];
};
int demo_frames_parse(const char *s, struct demo_frames_sel *sel);
bool demo_frames_has(const struct demo_frames_sel *sel, unsigned no);

#endif
