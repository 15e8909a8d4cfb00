/* demo_html.c - `ustack demo --html FILE` (see demo_html.h): the recorder, and the page:
 * tools/demo_page.html with the stylesheet, the script and the run's data put in its
 * placeholders. The data is one JSON object (hosts, steps, frames, connections); every
 * frame's bytes are a record of the run's capture, so the page shows exactly what
 * Wireshark shows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "ustack/socket.h"
#include "demo.h"
#include "demo_dissect.h"
#include "demo_html.h"

/* tools/demo_page.* embedded by the build (cmake/embed.cmake) */
extern const char demo_page_html[], demo_page_css[], demo_page_js[];

#define MAX_SECTIONS 16
#define SNAP_ROWS 16

struct snap_sock {
	char proto[8], local[64], remote[64], state[16], fd[12];
	size_t recv_q, send_q;
};
struct snap_neigh {
	char addr[48], mac[18], state[16];
};

struct section {
	int step;
	char *en, *ko;
	size_t en_len, ko_len;
	FILE *fen, *fko;
	int n_sock, n_neigh;
	struct snap_sock sock[SNAP_ROWS];
	struct snap_neigh neigh[SNAP_ROWS];
	bool snapped;
};

struct demo_page {
	struct section sec[MAX_SECTIONS];
	int n;
	const struct demo_ev **shown;     /* [no - 1]: the event the narration called #no */
	size_t n_shown, cap_shown;
};

void demo_html_shown(struct demo *d, unsigned no, const struct demo_ev *e)
{
	struct demo_page *p = d->rec;
	if (!p || !no)
		return;
	if (no > p->cap_shown) {
		size_t cap = p->cap_shown ? p->cap_shown * 2 : 64;
		while (cap < no)
			cap *= 2;
		const struct demo_ev **v = realloc(p->shown, cap * sizeof *v);
		if (!v)
			return;
		memset(v + p->cap_shown, 0, (cap - p->cap_shown) * sizeof *v);
		p->shown = v;
		p->cap_shown = cap;
	}
	p->shown[no - 1] = e;
	if (no > p->n_shown)
		p->n_shown = no;
}

void demo_html_raw(struct demo *d, const char *text)
{
	struct demo_page *p = d->rec;
	if (!p || !p->n || !p->sec[p->n - 1].fen)
		return;
	fputs(text, p->sec[p->n - 1].fen);
	fputs(text, p->sec[p->n - 1].fko);
}

static void snapshot(struct demo *d, struct section *s)
{
	struct ustack_sockinfo si[SNAP_ROWS];
	struct ustack_neigh nb[SNAP_ROWS];
	char a[16];
	if (s->snapped || !d->st[0])
		return;
	s->snapped = true;
	size_t n = ustack_sockets(d->st[0], si, SNAP_ROWS);
	s->n_sock = (int)(n < SNAP_ROWS ? n : SNAP_ROWS);
	for (int i = 0; i < s->n_sock; i++) {
		struct snap_sock *r = &s->sock[i];
		snprintf(r->proto, sizeof r->proto, "%s%s", si[i].proto == IPPROTO_TCP ? "tcp" : "udp",
			 si[i].family == AF_INET6 ? "6" : "");
		if (si[i].family == AF_INET6) {
			char a6[INET6_ADDRSTRLEN];
			snprintf(r->local, sizeof r->local, "[%s]:%u", demo_ip6(&si[i].local6.sin6_addr, a6),
				 ntohs(si[i].local6.sin6_port));
			snprintf(r->remote, sizeof r->remote, "[%s]:%u", demo_ip6(&si[i].remote6.sin6_addr, a6),
				 ntohs(si[i].remote6.sin6_port));
		} else {
			snprintf(r->local, sizeof r->local, "%s:%u", demo_ip(si[i].local.sin_addr, a),
				 ntohs(si[i].local.sin_port));
			snprintf(r->remote, sizeof r->remote, "%s:%u", demo_ip(si[i].remote.sin_addr, a),
				 ntohs(si[i].remote.sin_port));
		}
		snprintf(r->state, sizeof r->state, "%s", si[i].state && si[i].state[0] ? si[i].state : "-");
		if (si[i].fd >= 0)
			snprintf(r->fd, sizeof r->fd, "%d", si[i].fd);
		else
			snprintf(r->fd, sizeof r->fd, "-");
		r->recv_q = si[i].recv_q;
		r->send_q = si[i].send_q;
	}
	n = ustack_neighbours(d->st[0], nb, SNAP_ROWS);
	s->n_neigh = (int)(n < SNAP_ROWS ? n : SNAP_ROWS);
	for (int i = 0; i < s->n_neigh; i++) {
		demo_ip(nb[i].addr, s->neigh[i].addr);
		demo_fmt_mac(nb[i].mac, s->neigh[i].mac);
		snprintf(s->neigh[i].state, sizeof s->neigh[i].state, "%s", nb[i].state ? nb[i].state : "?");
	}
	/* --ipv6: the NDP cache's entries after ARP's */
	struct ustack_neigh6 nb6[SNAP_ROWS];
	size_t n6 = d->ipv6 ? ustack_neighbours6(d->st[0], nb6, SNAP_ROWS) : 0;
	for (size_t i = 0; i < n6 && i < SNAP_ROWS && s->n_neigh < SNAP_ROWS; i++) {
		struct snap_neigh *r = &s->neigh[s->n_neigh++];
		demo_ip6(&nb6[i].addr, r->addr);
		demo_fmt_mac(nb6[i].mac, r->mac);
		snprintf(r->state, sizeof r->state, "%s", nb6[i].state ? nb6[i].state : "?");
	}
}

int demo_html_begin(struct demo *d)
{
	d->rec = calloc(1, sizeof *d->rec);
	if (!d->rec)
		return -1;
	demo_html_section(d, -1);
	return d->rec->n ? 0 : -1;
}

static void close_section(struct section *s)
{
	if (s->fen)
		fclose(s->fen);
	if (s->fko)
		fclose(s->fko);
	s->fen = s->fko = NULL;
}

void demo_html_section(struct demo *d, int step)
{
	struct demo_page *p = d->rec;
	if (!p)
		return;
	if (p->n) {
		struct section *cur = &p->sec[p->n - 1];
		if (cur->step == step)
			return;
		snapshot(d, cur);
		close_section(cur);
	}
	if (p->n >= MAX_SECTIONS)
		return;
	struct section *s = &p->sec[p->n];
	memset(s, 0, sizeof *s);
	s->step = step;
	s->fen = open_memstream(&s->en, &s->en_len);
	s->fko = open_memstream(&s->ko, &s->ko_len);
	if (!s->fen || !s->fko) {
		close_section(s);
		return;
	}
	p->n++;
}

void demo_html_text(struct demo *d, const char *en, const char *ko, va_list en_ap, va_list ko_ap)
{
	struct demo_page *p = d->rec;
	if (!p || !p->n || !p->sec[p->n - 1].fen)
		return;
	vfprintf(p->sec[p->n - 1].fen, en, en_ap);
	vfprintf(p->sec[p->n - 1].fko, ko, ko_ap);
}

void demo_html_free(struct demo *d)
{
	if (!d->rec)
		return;
	for (int i = 0; i < d->rec->n; i++) {
		close_section(&d->rec->sec[i]);
		free(d->rec->sec[i].en);
		free(d->rec->sec[i].ko);
	}
	free(d->rec->shown);
	free(d->rec);
	d->rec = NULL;
}

/* --- JSON --- */

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&')
			fprintf(f, "\\u%04x", *p);    /* no "</script>" in the data */
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* --- the capture, read back --- */

struct rec {
	const uint8_t *bytes;
	size_t len;
	const struct demo_ev *ev;    /* the trace event of the same bytes, or NULL */
};

static uint32_t u32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* The records of a pcap file in buf: a malloc'd array (pointers into buf). */
static struct rec *pcap_records(const uint8_t *buf, size_t len, size_t *n_out)
{
	*n_out = 0;
	if (len < 24)
		return NULL;
	uint32_t magic;
	memcpy(&magic, buf, 4);
	bool swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	if (!swap && magic != 0xa1b2c3d4u && magic != 0xa1b23c4du)
		return NULL;
	size_t cap = 64, n = 0;
	struct rec *r = malloc(cap * sizeof *r);
	for (size_t pos = 24; r && pos + 16 <= len;) {
		size_t incl = u32(buf + pos + 8, swap);
		if (incl > len - pos - 16)
			break;
		if (n == cap) {
			struct rec *nr = realloc(r, cap * 2 * sizeof *r);
			if (!nr)
				break;
			r = nr;
			cap *= 2;
		}
		r[n].bytes = buf + pos + 16;
		r[n].len = incl;
		r[n].ev = NULL;
		n++;
		pos += 16 + incl;
	}
	*n_out = n;
	return r;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	uint8_t *b = malloc(cap);
	while (b) {
		if (n == cap) {
			uint8_t *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		if (!r)
			break;
		n += r;
	}
	fclose(f);
	*len = n;
	return b;
}

/* Each record's trace event: the first not yet taken, in log order, of the same bytes. */
static void match_events(struct demo *d, struct rec *r, size_t n)
{
	size_t ne = demo_log_count(&d->log);
	bool *used = calloc(ne ? ne : 1, 1);
	if (!used)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < ne; k++) {
			const struct demo_ev *e = d->log.ev[k];
			if (used[k] || !e->frame || e->frame_len != r[i].len ||
			    (e->kind != USTACK_TRACE_TX && e->kind != USTACK_TRACE_RX) ||
			    memcmp(e->frame, r[i].bytes, r[i].len))
				continue;
			used[k] = true;
			r[i].ev = e;
			break;
		}
	free(used);
}

static int step_of(const struct demo *d, size_t idx)
{
	int s = -1;
	for (int k = 0; k < DEMO_STEP_MAX; k++)
		if (d->marks[k].done && d->marks[k].from <= idx)
			s = k;
	return s;
}

static double ms(const struct demo *d, uint64_t t)
{
	return ((double)t - (double)d->t0) / 1000.0;
}

static void write_frame(FILE *f, struct demo *d, const struct rec *r, size_t no,
			struct demo_dissection *dd)
{
	const struct demo_ev *e = r->ev;
	char line[800] = "";
	fprintf(f, "{\"no\":%zu,\"hex\":\"", no);
	for (size_t i = 0; i < r->len; i++)
		fprintf(f, "%02x", r->bytes[i]);
	fputs("\"", f);
	if (e) {
		int from = e->from_host, to = e->to_host;
		bool lost = false, retrans = e->retrans;
		if (e->kind == USTACK_TRACE_TX) {
			lost = e->lost;
		} else {
			/* the sender's TX of these bytes tells whether it was sent again */
			for (size_t k = 0; k < demo_log_count(&d->log); k++)
				if (d->log.ev[k]->rx == e) {
					retrans = d->log.ev[k]->retrans;
					break;
				}
		}
		demo_format_frame(d, e, line, sizeof line);
		fprintf(f, ",\"t\":%.3f,\"from\":%d,\"to\":%d,\"step\":%d,\"lost\":%s,\"retrans\":%s,"
			"\"seen\":%d,\"kind\":\"%s\"", ms(d, e->t), from, to, step_of(d, e->idx),
			lost ? "true" : "false", retrans ? "true" : "false", e->host,
			e->kind == USTACK_TRACE_TX ? "tx" : "rx");
	} else {
		fputs(",\"t\":null,\"from\":-1,\"to\":-1,\"step\":-1,\"lost\":false,\"retrans\":false", f);
		ustack_frame_describe(r->bytes, r->len, line, sizeof line);
	}
	fputs(",\"line\":", f);
	jstr(f, line);
	demo_dissect(r->bytes, r->len, dd);
	fputs(",\"layers\":[", f);
	for (int i = 0; i < dd->n_layers; i++) {
		const struct demo_layer *l = &dd->layers[i];
		fprintf(f, "%s[%d,", i ? "," : "", (int)l->kind);
		jstr(f, l->name);
		fputc(',', f);
		jstr(f, l->title);
		fputc(',', f);
		jstr(f, l->title_ko);
		fprintf(f, ",%zu,%zu,%zu]", l->off, l->hdr_len, l->len);
	}
	fputs("],\"fields\":[", f);
	for (int i = 0; i < dd->n; i++) {
		const struct demo_field *x = &dd->f[i];
		fprintf(f, "%s[%d,", i ? "," : "", x->layer);
		jstr(f, x->key);
		fputc(',', f);
		jstr(f, x->label);
		fputc(',', f);
		jstr(f, x->label_ko);
		fprintf(f, ",%zu,%u,%u,", x->off, x->bit, x->bits);
		jstr(f, x->text);
		fputc(',', f);
		jstr(f, x->about);
		fputc(',', f);
		jstr(f, x->about_ko);
		fputc(']', f);
	}
	fputs("]}", f);
}

static const char *step_title(struct demo *d, int step, bool ko)
{
	static char buf[2][300];
	char *b = buf[ko];
	switch (step) {
	case -1: return ko ? "네트워크와 계층" : "The network and the layers";
	case DEMO_STEP_RESOLVE:
		if (d->mail)
			return ko ? "0  DNS: MX와 A 레코드" : "0  DNS: the MX record, then the A record";
		snprintf(b, sizeof buf[0], "0  gethostbyname(\"%s\")", d->host);
		return b;
	case DEMO_STEP_SOCKET: return "①  socket()";
	case DEMO_STEP_CONNECT: return "②  connect()";
	case DEMO_STEP_HTTP:
		if (d->mail)
			return ko ? "③  send() / recv(): SMTP 대화" : "③  send() / recv(): the SMTP dialogue";
		return ko ? "③  send() / recv(): HTTP 요청과 응답" : "③  send() / recv(): HTTP request and response";
	case DEMO_STEP_CLOSE: return "④  close()";
	case DEMO_STEP_TIMEWAIT: return ko ? "⑤  2×MSL: TIME_WAIT → CLOSED" : "⑤  2×MSL: TIME_WAIT → CLOSED";
	default: return ko ? "요약" : "Summary";
	}
}

/* The narration's frame lines start "#N " with N its own count of the frames it shows;
 * the page numbers frames as the capture (and Wireshark) does. */
static void jstr_renumbered(FILE *f, struct demo *d, const char *text, const struct rec *r, size_t n)
{
	struct demo_page *p = d->rec;
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	if (!m) {
		jstr(f, text);
		return;
	}
	for (const char *l = text ? text : ""; *l;) {
		const char *nl = strchr(l, '\n');
		size_t ll = nl ? (size_t)(nl - l) + 1 : strlen(l);
		char *e;
		unsigned long no = l[0] == '#' ? strtoul(l + 1, &e, 10) : 0;
		if (no && no <= p->n_shown && p->shown[no - 1]) {
			/* the record is the sender's TX; the narration may show the receiver's RX */
			const struct demo_ev *e0 = p->shown[no - 1];
			size_t k = 0;
			while (k < n && !(r[k].ev && (r[k].ev == e0 || r[k].ev->rx == e0 || e0->rx == r[k].ev)))
				k++;
			char num[24];
			if (k < n)
				snprintf(num, sizeof num, "#%zu", k + 1);
			else
				snprintf(num, sizeof num, "#-");
			/* "#%-3u": the number and its padding are four columns */
			while (e - l < 4 && *e == ' ')
				e++;
			size_t old_w = (size_t)(e - l);
			fputs(num, m);
			for (size_t w = strlen(num); w < old_w; w++)
				fputc(' ', m);
			fwrite(e, 1, ll - old_w, m);
		} else {
			fwrite(l, 1, ll, m);
		}
		l += ll;
	}
	fclose(m);
	jstr(f, out);
	free(out);
}

static void write_sections(FILE *f, struct demo *d, const struct rec *r, size_t n)
{
	struct demo_page *p = d->rec;
	fputs("\"steps\":[", f);
	for (int i = 0; i < p->n; i++) {
		struct section *s = &p->sec[i];
		if (s->fen)
			fflush(s->fen);
		if (s->fko)
			fflush(s->fko);
		fprintf(f, "%s{\"step\":%d,\"title\":", i ? "," : "", s->step);
		jstr(f, step_title(d, s->step, false));
		fputs(",\"title_ko\":", f);
		jstr(f, step_title(d, s->step, true));
		fputs(",\"en\":", f);
		jstr_renumbered(f, d, s->en, r, n);
		fputs(",\"ko\":", f);
		jstr_renumbered(f, d, s->ko, r, n);
		fputs(",\"netstat\":[", f);
		for (int k = 0; k < s->n_sock; k++) {
			const struct snap_sock *r = &s->sock[k];
			fprintf(f, "%s[\"%s\",%zu,%zu,\"%s\",\"%s\",\"%s\",\"%s\"]", k ? "," : "", r->proto,
				r->recv_q, r->send_q, r->local, r->remote, r->state, r->fd);
		}
		fputs("],\"neigh\":[", f);
		for (int k = 0; k < s->n_neigh; k++)
			fprintf(f, "%s[\"%s\",\"%s\",\"%s\"]", k ? "," : "", s->neigh[k].addr,
				s->neigh[k].mac, s->neigh[k].state);
		fprintf(f, "],\"snapped\":%s}", s->snapped ? "true" : "false");
	}
	fputs("]", f);
}

/* Each TCP connection's states, from the stacks' state-change events. */
static void write_conns(FILE *f, struct demo *d)
{
	size_t n = demo_log_count(&d->log);
	struct key { int host, object; } keys[32];
	int nk = 0;
	for (size_t i = 0; i < n && nk < 32; i++) {
		const struct demo_ev *e = d->log.ev[i];
		if (e->kind != USTACK_TRACE_STATE || strcmp(e->subsystem, "tcp"))
			continue;
		bool have = false;
		for (int k = 0; k < nk; k++)
			have = have || (keys[k].host == e->host && keys[k].object == e->object);
		if (!have) {
			keys[nk].host = e->host;
			keys[nk++].object = e->object;
		}
	}
	fputs("\"conns\":[", f);
	for (int k = 0; k < nk; k++) {
		bool first = true;
		char name[160] = "";
		fprintf(f, "%s{\"host\":%d,\"states\":[", k ? "," : "", keys[k].host);
		for (size_t i = 0; i < n; i++) {
			const struct demo_ev *e = d->log.ev[i];
			if (e->kind != USTACK_TRACE_STATE || strcmp(e->subsystem, "tcp") ||
			    e->host != keys[k].host || e->object != keys[k].object)
				continue;
			/* "tcp 1 10.0.1.10:49567 -> 10.0.2.80:80: CLOSE -> SYN_SENT" */
			const char *l = e->line ? e->line : "", *sp = strchr(l, ' ');
			sp = sp ? strchr(sp + 1, ' ') : NULL;
			const char *colon = strstr(l, ": ");
			if (sp && colon && colon > sp && !name[0])
				snprintf(name, sizeof name, "%.*s", (int)(colon - sp - 1), sp + 1);
			fprintf(f, "%s[%.3f,\"%s\",\"%s\",%d]", first ? "" : ",", ms(d, e->t), e->old_state,
				e->new_state, step_of(d, e->idx));
			first = false;
		}
		fputs("],\"name\":", f);
		jstr(f, name);
		fputc('}', f);
	}
	fputs("]", f);
}

static void write_data(FILE *f, struct demo *d, struct rec *r, size_t n)
{
	struct demo_dissection *dd = malloc(sizeof *dd);
	fputs("{\"version\":1,\"lang\":", f);
	jstr(f, d->ko ? "ko" : "en");
	fputs(",\"scenario\":", f);
	jstr(f, d->mail ? "mail" : "web");
	if (d->ipv6)
		fputs(",\"ipv6\":true", f);
	fputs(",\"url\":", f);
	jstr(f, d->url);
	fputs(",\"hosts\":[", f);
	for (int i = 0; i < d->log.n_hosts; i++) {
		const struct demo_host *h = &d->log.hosts[i];
		char a[16], m[18];
		fprintf(f, "%s{\"name\":", i ? "," : "");
		jstr(f, h->name);
		fputs(",\"role\":", f);
		jstr(f, h->role);
		fputs(",\"addr\":[", f);
		/* --ipv6: the IPv6 addresses first (the ladder heads its columns with the first) */
		for (int k = 0; k < h->n_addr6; k++) {
			char a6[INET6_ADDRSTRLEN];
			fprintf(f, "%s\"%s/%d\"", k ? "," : "", demo_ip6(&h->addr6[k], a6), h->prefix6[k]);
		}
		for (int k = 0; k < h->n_addr; k++)
			fprintf(f, "%s\"%s/%d\"", k || h->n_addr6 ? "," : "", demo_ip(h->addr[k], a), h->prefix[k]);
		fputs("],\"mac\":[", f);
		for (int k = 0; k < h->n_mac; k++) {
			demo_fmt_mac(h->mac[k], m);
			fprintf(f, "%s\"%s\"", k ? "," : "", m);
		}
		fputs("]}", f);
	}
	fputs("],", f);
	write_sections(f, d, r, n);
	fputs(",\"frames\":[", f);
	for (size_t i = 0; i < n && dd; i++) {
		if (i)
			fputs(",\n", f);
		write_frame(f, d, &r[i], i + 1, dd);
	}
	fputs("],", f);
	write_conns(f, d);
	fputs("}", f);
	free(dd);
}

/* The template's placeholders: each replaced once, in order. */
static int put_page(FILE *f, struct demo *d, struct rec *r, size_t n)
{
	const char *t = demo_page_html;
	static const char *const marks[] = { "@CSS@", "@DATA@", "@JS@" };
	for (int i = 0; i < 3; i++) {
		const char *m = strstr(t, marks[i]);
		if (!m) {
			errno = EINVAL;
			return -1;
		}
		fwrite(t, 1, (size_t)(m - t), f);
		if (i == 0)
			fputs(demo_page_css, f);
		else if (i == 1)
			write_data(f, d, r, n);
		else
			fputs(demo_page_js, f);
		t = m + strlen(marks[i]);
	}
	fputs(t, f);
	return 0;
}

int demo_html_write(struct demo *d, const char *path, const char *pcap_path)
{
	size_t len = 0, n = 0;
	uint8_t *buf = read_file(pcap_path, &len);
	if (!buf)
		return -1;
	if (d->rec && d->rec->n)
		snapshot(d, &d->rec->sec[d->rec->n - 1]);
	struct rec *r = pcap_records(buf, len, &n);
	if (!r && n) {
		free(buf);
		errno = ENOMEM;
		return -1;
	}
	demo_log_analyse(&d->log);
	match_events(d, r, n);
	FILE *f = fopen(path, "w");
	int rc = -1;
	if (f) {
		rc = put_page(f, d, r, n);
		if (fclose(f) && !rc)
			rc = -1;
	}
	free(r);
	free(buf);
	return rc;
}
