/* demo_svg.c - the demo's ladder (sequence) diagram: one column per host, time running
 * down, one arrow per frame on a link, labelled with its key fields as they were on the
 * wire; TCP state changes as tags on the lifelines; lost frames end in a red cross.
 * Rows are spaced by order, not by time (a 2 s TIME_WAIT would otherwise dwarf 1 ms
 * hops): the time of each row is written on the left, and long pauses are marked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "demo.h"

#define SVG_LEFT 120          /* time labels */
#define SVG_COL0 260          /* x of the first column */
#define SVG_COL_GAP 310
#define SVG_TOP 150           /* first row */
#define SVG_ROW 44            /* an arrow row */
#define SVG_STATE_ROW 24
#define SVG_PHASE_ROW 34
#define SVG_GAP_ROW 26
#define SVG_SLANT 14
#define SVG_MAX_ITEMS 600
#define SVG_PAUSE_US 100000   /* a pause longer than this is marked */

enum item_kind { IT_ARROW, IT_STATE, IT_PHASE, IT_GAP };

struct item {
	enum item_kind kind;
	const struct demo_ev *e;
	uint64_t t;
	int from, to;             /* columns */
	int phase;
	int y, h;
};

static const char *phase_name(int p)
{
	static const char *const names[] = { "gethostbyname()", "socket()", "connect()",
					     "send() / recv(): HTTP", "close()",
					     "2*MSL in TIME_WAIT" };
	return p >= 0 && p < DEMO_STEP_MAX ? names[p] : "";
}

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				fputc(*s, f);
		}
	}
}

static const char *ip(struct in_addr a, char buf[16])
{
	if (!inet_ntop(AF_INET, &a, buf, 16))
		snprintf(buf, 16, "?");
	return buf;
}

/* The colour of a frame's arrow, by what it carries. */
static const char *colour_of(const struct ustack_frame_info *fi)
{
	if (fi->is_arp)
		return "#7f8c8d";
	if (fi->is_dns)
		return "#1e8449";
	if (fi->is_tcp) {
		if (fi->tcp_flags & 0x04)
			return "#c0392b";
		if (fi->tcp_flags & 0x01)
			return "#8e44ad";
		if (fi->tcp_flags & 0x02)
			return "#1f5fa8";
		if (fi->payload_len)
			return "#d35400";
		return "#2e86c1";
	}
	return "#34495e";
}

static const char *const COLOURS[] = { "#7f8c8d", "#1e8449", "#c0392b", "#8e44ad", "#1f5fa8",
				       "#d35400", "#2e86c1", "#34495e" };
#define N_COLOURS (sizeof COLOURS / sizeof COLOURS[0])

static int colour_index(const char *c)
{
	for (size_t i = 0; i < N_COLOURS; i++)
		if (!strcmp(COLOURS[i], c))
			return (int)i;
	return (int)N_COLOURS - 1;
}

/* Two lines of label for a frame. */
static void label_of(const struct demo_ev *e, char *l1, size_t c1, char *l2, size_t c2)
{
	const struct ustack_frame_info *fi = &e->fi;
	char a[16], b[16], m[18];
	l1[0] = l2[0] = '\0';
	if (demo_is_ns(fi) || demo_is_dad_ns(fi) || demo_is_na(fi)) {
		char t6[INET6_ADDRSTRLEN];
		demo_ip6(&fi->nd_target, t6);
		if (demo_is_na(fi)) {
			char fl[8];
			demo_fmt_mac(fi->nd_has_lla ? fi->nd_lla : fi->eth_src, m);
			snprintf(l1, c1, "NDP NA %s is-at", t6);
			snprintf(l2, c2, "%s [%s]", m, demo_na_flags(fi->nd_flags, fl));
		} else {
			snprintf(l1, c1, "NDP NS who-has %s", t6);
			char g6[INET6_ADDRSTRLEN];
			snprintf(l2, c2, "%sto %s (multicast)", demo_is_dad_ns(fi) ? "DAD, " : "",
				 demo_ip6(&fi->ip6_dst, g6));
		}
	} else if (fi->is_arp) {
		if (fi->arp_op == 1) {
			snprintf(l1, c1, "ARP who-has %s", ip(fi->arp_tpa, a));
			snprintf(l2, c2, "tell %s%s", ip(fi->arp_spa, b),
				 demo_mac_is_bcast(fi->eth_dst) ? "  (broadcast)" : "");
		} else {
			demo_fmt_mac(fi->arp_sha, m);
			snprintf(l1, c1, "ARP %s is-at", ip(fi->arp_spa, a));
			snprintf(l2, c2, "%s", m);
		}
	} else if (fi->is_dns) {
		if (!(fi->dns_flags & 0x8000)) {
			snprintf(l1, c1, "DNS query id=0x%04x", fi->dns_id);
			snprintf(l2, c2, "%s? %s", fi->dns_qtype == 1 ? "A" : fi->dns_qtype == 28 ? "AAAA" : "Q",
				 fi->dns_qname);
		} else {
			snprintf(l1, c1, "DNS answer id=0x%04x", fi->dns_id);
			struct in6_addr a6;
			uint32_t ttl6;
			char t6[INET6_ADDRSTRLEN];
			if (fi->dns_qtype == 28 && !(fi->dns_flags & 0xf) && demo_dns_aaaa(e, &a6, &ttl6) > 0)
				snprintf(l2, c2, "%s AAAA %s ttl=%u", fi->dns_qname, demo_ip6(&a6, t6), ttl6);
			else if (fi->dns_n_a)
				snprintf(l2, c2, "%s A %s ttl=%u", fi->dns_qname, ip(fi->dns_a[0], a),
					 fi->dns_a_ttl[0]);
			else
				snprintf(l2, c2, "%s rcode %u", fi->dns_qname, fi->dns_flags & 0xf);
		}
	} else if (fi->is_tcp) {
		char names[32], bits[7], http[64];
		demo_tcp_flag_names(fi->tcp_flags, names, sizeof names);
		demo_tcp_flag_bits(fi->tcp_flags, bits);
		demo_http_first_line(fi, http, sizeof http);
		if (http[0])
			snprintf(l1, c1, "%s [%s] len=%zu \"%.32s\"", names, bits, fi->payload_len, http);
		else if (fi->payload_len)
			snprintf(l1, c1, "%s [%s] len=%zu", names, bits, fi->payload_len);
		else
			snprintf(l1, c1, "%s [%s]", names, bits);
		snprintf(l2, c2, "seq=%u ack=%u win=%u", fi->tcp_seq, fi->tcp_ack, fi->tcp_win);
	} else if (fi->is_ipv6) {
		char s6[INET6_ADDRSTRLEN], d6[INET6_ADDRSTRLEN];
		snprintf(l1, c1, "IP6 %s > %s", demo_ip6(&fi->ip6_src, s6), demo_ip6(&fi->ip6_dst, d6));
		if (fi->is_icmp6)
			snprintf(l2, c2, "ICMPv6 type %u", fi->icmp_type);
		else
			snprintf(l2, c2, "next header %u", fi->ip_proto);
	} else if (fi->is_ipv4) {
		snprintf(l1, c1, "IP %s > %s", ip(fi->ip_src, a), ip(fi->ip_dst, b));
		snprintf(l2, c2, "proto %u", fi->ip_proto);
	} else {
		snprintf(l1, c1, "ethertype 0x%04x", fi->ethertype);
	}
	if (e->retrans) {
		size_t n = strlen(l1);
		snprintf(l1 + n, c1 - n, fi->is_arp || demo_is_ns(fi) ? "  (retry)" : "  (retransmission)");
	}
}

static int phase_of(const struct demo *d, const struct demo_ev *e)
{
	int p = -1;
	for (int s = 0; s < DEMO_STEP_MAX; s++)
		if (d->marks[s].done && e->idx >= d->marks[s].from)
			p = s;
	return p;
}

int demo_svg_write(struct demo *d, const char *path)
{
	int cols[DEMO_MAX_HOSTS], ncol = 0, col_of[DEMO_MAX_HOSTS];
	size_t n;

	demo_log_analyse(&d->log);
	/* columns: the client, its DNS server, the router, the web server, then hosts learnt
	 * behind a TAP */
	const int order[4] = { d->h_client, d->h_dns, d->h_router, d->h_web };
	for (int i = 0; i < DEMO_MAX_HOSTS; i++)
		col_of[i] = -1;
	for (int i = 0; i < 4; i++)
		if (order[i] >= 0 && col_of[order[i]] < 0) {
			col_of[order[i]] = ncol;
			cols[ncol++] = order[i];
		}
	for (int h = 0; h < d->log.n_hosts; h++)
		if (col_of[h] < 0) {
			col_of[h] = ncol;
			cols[ncol++] = h;
		}

	size_t first = d->marks[DEMO_STEP_RESOLVE].done ? d->marks[DEMO_STEP_RESOLVE].from
						       : d->marks[DEMO_STEP_SOCKET].from;
	struct demo_ev **v = demo_log_slice(&d->log, first, &n);
	if (!v)
		return -1;
	struct item *it = calloc(SVG_MAX_ITEMS + 8, sizeof *it);
	if (!it) {
		free(v);
		errno = ENOMEM;
		return -1;
	}
	size_t ni = 0, dropped = 0;
	int phase = -2;
	uint64_t last_t = 0;
	for (size_t i = 0; i < n; i++) {
		const struct demo_ev *e = v[i];
		struct item x;
		memset(&x, 0, sizeof x);
		x.e = e;
		x.t = e->t;
		if (e->kind == USTACK_TRACE_STATE) {
			/* TCP states, and the descriptor socket() made (step ①) */
			bool sock = !strcmp(e->subsystem, "socket") && e->host == d->h_client &&
				    phase_of(d, e) == DEMO_STEP_SOCKET;
			if ((strcmp(e->subsystem, "tcp") && !sock) || e->host < 0 || col_of[e->host] < 0)
				continue;
			if (e->host != d->h_client && e->host != d->h_web && d->h_web >= 0)
				continue;
			x.kind = IT_STATE;
			x.from = x.to = col_of[e->host];
		} else if (e->decoded && e->kind == USTACK_TRACE_TX) {
			if (e->to_host < 0 || e->from_host < 0)
				continue;
			x.kind = IT_ARROW;
			x.from = col_of[e->from_host];
			x.to = col_of[e->to_host];
		} else if (e->decoded && e->kind == USTACK_TRACE_RX) {
			/* a frame from a machine that is not a stack of ours (TAP) */
			if (e->from_host < 0 || d->log.hosts[e->from_host].local)
				continue;
			if (!demo_mac_is_bcast(e->fi.eth_dst) && e->to_host != e->host)
				continue;
			x.kind = IT_ARROW;
			x.from = col_of[e->from_host];
			x.to = col_of[e->host];
		} else {
			continue;
		}
		if (x.from < 0 || x.to < 0 || (x.kind == IT_ARROW && x.from == x.to))
			continue;
		if (ni + 3 >= SVG_MAX_ITEMS) {
			dropped++;
			continue;
		}
		int p = phase_of(d, e);
		if (p != phase) {
			phase = p;
			it[ni].kind = IT_PHASE;
			it[ni].phase = p;
			it[ni].t = e->t;
			ni++;
		}
		if (last_t && e->t > last_t + SVG_PAUSE_US) {
			it[ni].kind = IT_GAP;
			it[ni].t = e->t - last_t;
			ni++;
		}
		last_t = e->t;
		it[ni++] = x;
	}

	/* layout */
	int y = SVG_TOP;
	for (size_t i = 0; i < ni; i++) {
		it[i].y = y;
		switch (it[i].kind) {
		case IT_ARROW: it[i].h = SVG_ROW; break;
		case IT_STATE: it[i].h = SVG_STATE_ROW; break;
		case IT_PHASE: it[i].h = SVG_PHASE_ROW; break;
		case IT_GAP: it[i].h = SVG_GAP_ROW; break;
		}
		y += it[i].h;
	}
	int height = y + 110;
	int width = SVG_COL0 + (ncol > 0 ? ncol - 1 : 0) * SVG_COL_GAP + 200;
	if (width < 900)
		width = 900;

	FILE *f = fopen(path, "w");
	if (!f) {
		int err = errno;
		free(it);
		free(v);
		errno = err;
		return -1;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" "
		   "font-size=\"11\">\n", width, height, width, height);
	fprintf(f, "<title>ustack demo: ");
	xml_text(f, d->url);
	fprintf(f, "</title>\n<defs>\n");
	for (size_t c = 0; c < N_COLOURS; c++)
		fprintf(f, "  <marker id=\"ah%zu\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
			   "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">"
			   "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>\n", c, COLOURS[c]);
	fprintf(f, "</defs>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		width, height);
	fprintf(f, "<text x=\"20\" y=\"28\" font-size=\"15\" font-weight=\"bold\" fill=\"#222\">"
		   "ustack demo: GET ");
	xml_text(f, d->url);
	fprintf(f, "</text>\n<text x=\"20\" y=\"46\" fill=\"#555\">one column per host, time running "
		   "down, one arrow per frame on a link; TCP flags [URG ACK PSH RST SYN FIN]%s</text>\n",
		d->loss > 0 ? "; red cross: frame lost on the lossy link" : "");

	/* column heads and lifelines */
	for (int c = 0; c < ncol; c++) {
		const struct demo_host *h = &d->log.hosts[cols[c]];
		int x = SVG_COL0 + c * SVG_COL_GAP;
		char a[16], m[18], addrs[80] = "";
		size_t used = 0;
		for (int i = 0; i < h->n_addr && used < sizeof addrs; i++)
			used += (size_t)snprintf(addrs + used, sizeof addrs - used, "%s%s", i ? " " : "",
						 ip(h->addr[i], a));
		fprintf(f, "<rect x=\"%d\" y=\"62\" width=\"240\" height=\"62\" rx=\"6\" fill=\"#f4f6f8\" "
			   "stroke=\"#aab\"/>\n", x - 120);
		fprintf(f, "<text x=\"%d\" y=\"80\" text-anchor=\"middle\" font-size=\"13\" "
			   "font-weight=\"bold\" fill=\"#222\">", x);
		xml_text(f, h->name);
		if (h->role[0]) {
			fputs(" (", f);
			xml_text(f, h->role);
			fputs(")", f);
		}
		fprintf(f, "</text>\n<text x=\"%d\" y=\"96\" text-anchor=\"middle\" fill=\"#333\">", x);
		xml_text(f, addrs);
		fprintf(f, "</text>\n");
		for (int i = 0; i < h->n_mac && i < 2; i++) {
			demo_fmt_mac(h->mac[i], m);
			fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" "
				   "fill=\"#666\">%s</text>\n", x, 110 + i * 11, m);
		}
		fprintf(f, "<line x1=\"%d\" y1=\"124\" x2=\"%d\" y2=\"%d\" stroke=\"#bbb\" "
			   "stroke-width=\"2\"/>\n", x, x, height - 70);
	}

	for (size_t i = 0; i < ni; i++) {
		const struct item *x = &it[i];
		char t[32];
		switch (x->kind) {
		case IT_PHASE:
			fprintf(f, "<line x1=\"10\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\" "
				   "stroke-dasharray=\"6,4\"/>\n", x->y + 8, width - 10, x->y + 8);
			fprintf(f, "<text x=\"14\" y=\"%d\" font-size=\"12\" font-weight=\"bold\" "
				   "fill=\"#444\">", x->y + 24);
			xml_text(f, d->mail && x->phase == DEMO_STEP_HTTP ? "send() / recv(): SMTP" :
				 d->mail && x->phase == DEMO_STEP_RESOLVE ? "DNS: MX, then A" : phase_name(x->phase));
			fprintf(f, "</text>\n");
			break;
		case IT_GAP:
			fprintf(f, "<text x=\"14\" y=\"%d\" fill=\"#888\" font-style=\"italic\">"
				   "... %.3f s later</text>\n", x->y + 16, (double)x->t / 1e6);
			break;
		case IT_STATE: {
			int cx = SVG_COL0 + x->from * SVG_COL_GAP;
			const char *tag = strcmp(x->e->subsystem, "socket") ? x->e->new_state : x->e->line;
			int w = (int)strlen(tag) * 7 + 14;
			snprintf(t, sizeof t, "+%.3f ms", ((double)x->t - (double)d->t0) / 1000.0);
			fprintf(f, "<text x=\"14\" y=\"%d\" font-size=\"10\" fill=\"#888\">%s</text>\n",
				x->y + 15, t);
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"17\" rx=\"8\" "
				   "fill=\"#fff8dc\" stroke=\"#b8860b\"/>\n", cx - w / 2, x->y + 3, w);
			fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" "
				   "fill=\"#6b4f00\">", cx, x->y + 15);
			xml_text(f, tag);
			fprintf(f, "</text>\n");
			break;
		}
		case IT_ARROW: {
			char l1[320], l2[320];
			const char *col = colour_of(&x->e->fi);
			int x1 = SVG_COL0 + x->from * SVG_COL_GAP, x2 = SVG_COL0 + x->to * SVG_COL_GAP;
			int y1 = x->y + 26, y2 = y1 + SVG_SLANT;
			int dir = x2 > x1 ? 1 : -1;
			label_of(x->e, l1, sizeof l1, l2, sizeof l2);
			snprintf(t, sizeof t, "+%.3f ms", ((double)x->t - (double)d->t0) / 1000.0);
			fprintf(f, "<text x=\"14\" y=\"%d\" font-size=\"10\" fill=\"#888\">%s</text>\n",
				y1 + 4, t);
			int mid = (x1 + x2) / 2;
			fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\" "
				   "font-weight=\"bold\">", mid, x->y + 9, x->e->retrans ? "#c0392b" : col);
			xml_text(f, l1);
			fprintf(f, "</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#333\">",
				mid, x->y + 21);
			xml_text(f, l2);
			fprintf(f, "</text>\n");
			if (x->e->lost) {
				int xe = x1 + (x2 - x1) * 55 / 100, ye = y1 + SVG_SLANT * 55 / 100;
				fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
					   "stroke-width=\"1.6\" stroke-dasharray=\"5,3\"/>\n",
					x1 + dir * 2, y1, xe, ye, col);
				fprintf(f, "<path d=\"M%d,%d L%d,%d M%d,%d L%d,%d\" stroke=\"#c0392b\" "
					   "stroke-width=\"3\"/>\n", xe - 7, ye - 7, xe + 7, ye + 7, xe - 7,
					ye + 7, xe + 7, ye - 7);
				fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#c0392b\" font-size=\"10\">lost</text>\n",
					xe + 10, ye + 12);
			} else {
				fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
					   "stroke-width=\"1.6\" marker-end=\"url(#ah%d)\"%s/>\n",
					x1 + dir * 2, y1, x2 - dir * 3, y2, col, colour_index(col),
					demo_mac_is_bcast(x->e->fi.eth_dst) ? " stroke-dasharray=\"4,3\"" : "");
			}
			break;
		}
		}
	}
	if (dropped)
		fprintf(f, "<text x=\"14\" y=\"%d\" fill=\"#c0392b\">... %zu more events not drawn</text>\n",
			height - 80, dropped);

	/* legend */
	static const char *const legend[] = { "ARP", "DNS", "SYN", "ACK", "data", "FIN", "RST" };
	static const char *const legend_col[] = { "#7f8c8d", "#1e8449", "#1f5fa8", "#2e86c1",
						  "#d35400", "#8e44ad", "#c0392b" };
	int lx = 20, ly = height - 40;
	for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++) {
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>"
			   "<text x=\"%d\" y=\"%d\" fill=\"#333\">%s</text>\n", lx, ly, lx + 24, ly,
			legend_col[i], lx + 30, ly + 4, legend[i]);
		lx += 90;
	}
	fprintf(f, "<text x=\"20\" y=\"%d\" fill=\"#777\" font-size=\"10\">dashed: broadcast; "
		   "tags on a lifeline: TCP state changes; every value is the one on the wire "
		   "(see the pcap)</text>\n", height - 16);
	fprintf(f, "</svg>\n");
	int err = ferror(f);
	if (fclose(f) || err) {
		free(it);
		free(v);
		errno = EIO;
		return -1;
	}
	free(it);
	free(v);
	return 0;
}
