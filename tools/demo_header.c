/* demo_header.c - the header picture (see demo_header.h). Each header is cut into 32-bit
 * rows counted from its own first bit, as the RFCs draw them; a field that crosses a row
 * boundary is drawn in both rows (its value in the first, "…" in the rest). Each bit takes
 * two columns, so a field of n bits is a box 2n-1 characters wide; one-bit fields have their
 * names written downwards, as RFC 9293 writes C W R ... F I N. */
#include <stdlib.h>
#include <string.h>
#include "demo_dissect.h"
#include "demo_header.h"

#define ROW_BITS 32

/* Terminal columns of a UTF-8 string (Hangul and other three-byte characters: two,
 * except "…" and the box-drawing characters: one). */
static int cols(const char *s)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80)
			n++;
		else if (*p >= 0xe0)
			n += (*p == 0xe2) ? 1 : 2;
		else if (*p >= 0xc0)
			n++;
	}
	return n;
}

/* text centred in width columns (cut if too long) appended to line. */
static void put_center(char *line, size_t cap, const char *text, int width)
{
	char t[128];
	snprintf(t, sizeof t, "%s", text);
	if (cols(t) > width) {
		/* cut ASCII text to fit; others are not given to narrow boxes */
		if (width >= 1 && (int)strlen(t) >= width) {
			t[width > 1 ? width - 1 : 0] = '\0';
			if (width > 1)
				strncat(t, "~", sizeof t - strlen(t) - 1);
		}
	}
	int w = cols(t), left = (width - w) / 2, right = width - w - left;
	size_t n = strlen(line);
	for (int i = 0; i < left && n + 1 < cap; i++)
		line[n++] = ' ';
	line[n] = '\0';
	strncat(line, t, cap - strlen(line) - 1);
	n = strlen(line);
	for (int i = 0; i < right && n + 1 < cap; i++)
		line[n++] = ' ';
	line[n] = '\0';
}

struct seg {
	const struct demo_field *f;      /* NULL: bits no field covers */
	unsigned from, bits;             /* within the row */
	bool first;                      /* the field starts here */
};

static const char *label_of(const struct demo_field *f, bool ko, int width)
{
	if (ko && f->label_ko && cols(f->label_ko) <= width)
		return f->label_ko;
	return f->label;
}

static void draw_rows(FILE *out, const char *pre, const uint8_t *frame,
		      const struct demo_dissection *dd, int li, bool ko)
{
	const struct demo_layer *L = &dd->layers[li];
	size_t hbits = L->hdr_len * 8;
	char line[1024];

	fprintf(out, "%s  0                   1                   2                   3\n", pre);
	fprintf(out, "%s  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1\n", pre);
	for (size_t r0 = 0; r0 < hbits; r0 += ROW_BITS) {
		unsigned rbits = hbits - r0 < ROW_BITS ? (unsigned)(hbits - r0) : ROW_BITS;
		struct seg segs[ROW_BITS];
		int ns = 0;
		/* the segments of this row, left to right */
		for (unsigned b = 0; b < rbits;) {
			size_t abs = r0 + b;
			const struct demo_field *hit = NULL;
			for (int i = 0; i < dd->n && !hit; i++) {
				const struct demo_field *f = &dd->f[i];
				if (f->layer != li)
					continue;
				size_t fs = (f->off - L->off) * 8 + f->bit;
				if (abs >= fs && abs < fs + f->bits)
					hit = f;
			}
			struct seg *s = &segs[ns++];
			s->f = hit;
			s->from = b;
			if (hit) {
				size_t fs = (hit->off - L->off) * 8 + hit->bit;
				size_t fe = fs + hit->bits;
				s->first = abs == fs;
				s->bits = (unsigned)((fe < r0 + rbits ? fe : r0 + rbits) - abs);
			} else {
				unsigned e = b + 1;
				s->first = true;
				s->bits = 1;
				while (e < rbits) {
					bool covered = false;
					for (int i = 0; i < dd->n && !covered; i++) {
						const struct demo_field *f = &dd->f[i];
						size_t fs = (f->off - L->off) * 8 + f->bit;
						covered = f->layer == li && r0 + e >= fs && r0 + e < fs + f->bits;
					}
					if (covered)
						break;
					e++;
					s->bits++;
				}
			}
			b += s->bits;
		}
		/* label lines: as many as the longest name written downwards */
		int nl = 1;
		for (int i = 0; i < ns; i++)
			if (segs[i].bits == 1 && segs[i].f && segs[i].first && (int)strlen(segs[i].f->label) > nl)
				nl = (int)strlen(segs[i].f->label);
		char sep[256];
		int sw = (int)rbits * 2 + 1;
		for (int i = 0; i < sw && i < (int)sizeof sep - 1; i++)
			sep[i] = i % 2 ? '-' : '+';
		sep[sw < (int)sizeof sep ? sw : (int)sizeof sep - 1] = '\0';
		fprintf(out, "%s %s\n", pre, sep);
		for (int k = 0; k < nl; k++) {
			line[0] = '\0';
			for (int i = 0; i < ns; i++) {
				const struct seg *s = &segs[i];
				int w = (int)s->bits * 2 - 1;
				strncat(line, "|", sizeof line - strlen(line) - 1);
				if (!s->f) {
					put_center(line, sizeof line, "", w);
				} else if (s->bits == 1) {
					const char *lb = s->f->label;
					char ch[2] = { (int)strlen(lb) > k ? lb[k] : ' ', 0 };
					put_center(line, sizeof line, s->first ? ch : " ", w);
				} else {
					const char *lb = s->first ? label_of(s->f, ko, w) : "…";
					put_center(line, sizeof line, k == (nl - 1) / 2 ? lb : "", w);
				}
			}
			fprintf(out, "%s %s|\n", pre, line);
		}
		/* the values */
		line[0] = '\0';
		for (int i = 0; i < ns; i++) {
			const struct seg *s = &segs[i];
			strncat(line, "|", sizeof line - strlen(line) - 1);
			put_center(line, sizeof line, s->f && s->first ? s->f->text : s->f ? "…" : "",
				   (int)s->bits * 2 - 1);
		}
		fprintf(out, "%s %s|\n", pre, line);
		/* the bytes, each under its eight bits */
		line[0] = '\0';
		size_t b0 = L->off + r0 / 8, nb = (rbits + 7) / 8;
		for (size_t j = 0; j < nb; j++) {
			char hx[4];
			snprintf(hx, sizeof hx, "%02x", frame[b0 + j]);
			strncat(line, ":", sizeof line - strlen(line) - 1);
			put_center(line, sizeof line, hx, 15);
		}
		if (nb == 1)
			fprintf(out, "%s %s:  byte %zu\n", pre, line, b0);
		else
			fprintf(out, "%s %s:  bytes %zu-%zu\n", pre, line, b0, b0 + nb - 1);
	}
	if (hbits) {
		char sep[256];
		size_t last = hbits % ROW_BITS ? hbits % ROW_BITS : ROW_BITS;
		int sw = (int)last * 2 + 1;
		for (int i = 0; i < sw && i < (int)sizeof sep - 1; i++)
			sep[i] = i % 2 ? '-' : '+';
		sep[sw] = '\0';
		fprintf(out, "%s %s\n", pre, sep);
	}
}

void demo_header_draw(FILE *out, const uint8_t *frame, size_t len, bool ko)
{
	struct demo_dissection *dd = malloc(sizeof *dd);
	char pre[64] = "   ";
	if (!dd)
		return;
	demo_dissect(frame, len, dd);
	for (int li = 0; li < dd->n_layers; li++) {
		const struct demo_layer *L = &dd->layers[li];
		const char *title = ko ? L->title_ko : L->title;
		if (L->kind == DL_DATA) {
			const struct demo_field *f = NULL;
			for (int i = 0; i < dd->n; i++)
				if (dd->f[i].layer == li)
					f = &dd->f[i];
			fprintf(out, "%s┌─ %s: %zu %s\n", pre, title, L->len, ko ? "바이트" : "bytes");
			if (f && f->text[0])
				fprintf(out, "%s│  \"%s\"\n", pre, f->text);
			fprintf(out, "%s└─\n", pre);
			continue;
		}
		char where[64];
		snprintf(where, sizeof where, ko ? "바이트 %zu-%zu" : "bytes %zu-%zu", L->off,
			 L->off + L->hdr_len - 1);
		fprintf(out, "%s┌─ %s, %s\n", pre, title, where);
		strncat(pre, "│ ", sizeof pre - strlen(pre) - 1);
		draw_rows(out, pre, frame, dd, li, ko);
	}
	/* close the envelopes, innermost first */
	for (int li = dd->n_layers - 1; li >= 0; li--) {
		if (dd->layers[li].kind == DL_DATA)
			continue;
		size_t n = strlen(pre);
		if (n >= 4 && !strcmp(pre + n - 4, "│ "))
			pre[n - 4] = '\0';
		fprintf(out, "%s└─ %s\n", pre, dd->layers[li].name);
	}
	free(dd);
}

int demo_frames_parse(const char *s, struct demo_frames_sel *sel)
{
	memset(sel, 0, sizeof *sel);
	if (!strcmp(s, "all")) {
		sel->all = true;
		return 0;
	}
	const char *p = s;
	while (*p) {
		char *e;
		unsigned long a = strtoul(p, &e, 10), b;
		if (e == p || !a || sel->n >= 32)
			return -1;
		b = a;
		if (*e == '-') {
			p = e + 1;
			b = strtoul(p, &e, 10);
			if (e == p || b < a)
				return -1;
		}
		sel->from[sel->n] = (unsigned)a;
		sel->to[sel->n++] = (unsigned)b;
		if (*e == ',')
			e++;
		else if (*e)
			return -1;
		p = e;
	}
	return sel->n ? 0 : -1;
}

bool demo_frames_has(const struct demo_frames_sel *sel, unsigned no)
{
	if (sel->all)
		return true;
	for (int i = 0; i < sel->n; i++)
		if (no >= sel->from[i] && no <= sel->to[i])
			return true;
	return false;
}
