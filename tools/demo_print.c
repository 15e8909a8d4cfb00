/* demo_print.c - the demo's narration: the network, the layers, each step's frames and
 * state changes in time order, and the socket and neighbour tables (what the frames mean,
 * and the summary: demo_explain.c). Every number printed comes from a decoded frame (demo_log), a trace event or
 * a table of the stack (ustack_sockets, ustack_neighbours): nothing is canned.
 * English by default, Korean with --lang ko (the language of the study note the demo
 * follows). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "ustack/dev.h"
#include "ustack/socket.h"
#include "demo.h"
#include "demo_dissect.h"


const char *demo_tr(const struct demo *d, const char *en, const char *ko)
{
	return d->ko ? ko : en;
}

void demo_say(struct demo *d, const char *en, const char *ko, ...)
{
	va_list ap;
	if (d->rec) {
		va_list a1, a2;
		va_start(a1, ko);
		va_copy(a2, a1);
		demo_html_text(d, en, ko, a1, a2);
		va_end(a2);
		va_end(a1);
	}
	if (d->quiet)
		return;
	va_start(ap, ko);
	vfprintf(d->out, d->ko ? ko : en, ap);
	va_end(ap);
}

/* Not translated (tables, frame lines); silent with --quiet. */
void demo_out(struct demo *d, const char *fmt, ...)
{
	va_list ap;
	if (d->rec) {
		va_list a1, a2;
		va_start(a1, fmt);
		va_copy(a2, a1);
		demo_html_text(d, fmt, fmt, a1, a2);
		va_end(a2);
		va_end(a1);
	}
	if (d->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
}

const char *demo_ip(struct in_addr a, char buf[16])
{
	if (!inet_ntop(AF_INET, &a, buf, 16))
		snprintf(buf, 16, "?");
	return buf;
}

static double ms_since(const struct demo *d, uint64_t t)
{
	return ((double)t - (double)d->t0) / 1000.0;
}

static const struct demo_host *host_of(const struct demo *d, int h)
{
	return h >= 0 && h < d->log.n_hosts ? &d->log.hosts[h] : NULL;
}

bool demo_is_client_mac(const struct demo *d, const uint8_t mac[6])
{
	const struct demo_host *c = host_of(d, d->h_client);
	for (int i = 0; c && i < c->n_mac; i++)
		if (!memcmp(c->mac[i], mac, 6))
			return true;
	return false;
}

/* s padded with spaces to width terminal columns (Hangul takes two). */
const char *demo_pad(const char *s, int width, char buf[96])
{
	int cols = 0;
	size_t n = strlen(s);
	if (n > 80)
		n = 80;
	memcpy(buf, s, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80)
			cols++;
		else if (c >= 0xe0)      /* a three-byte sequence: CJK, Hangul */
			cols += 2;
		else if (c >= 0xc0)
			cols++;
	}
	while (cols < width && n < 95) {
		buf[n++] = ' ';
		cols++;
	}
	buf[n] = '\0';
	return buf;
}

/* --- one frame as text --- */

const char *demo_qtype_name(uint16_t t, char buf[16])
{
	switch (t) {
	case 1: return "A";
	case 5: return "CNAME";
	case 15: return "MX";
	case 28: return "AAAA";
	default: snprintf(buf, 16, "TYPE%u", t); return buf;
	}
}

const char *demo_rcode_name(int rc)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP", "REFUSED" };
	return rc >= 0 && rc < 6 ? names[rc] : "RCODE?";
}

/* "10.0.1.10:80", or "[2001:db8:1::10]:80" for IPv6: the frame's source or destination. */
const char *demo_endpoint(const struct ustack_frame_info *fi, bool src, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	uint16_t port = src ? fi->sport : fi->dport;
	if (fi->is_ipv6)
		snprintf(buf, cap, "[%s]:%u", inet_ntop(AF_INET6, src ? &fi->ip6_src : &fi->ip6_dst, a,
							sizeof a) ? a : "?", port);
	else
		snprintf(buf, cap, "%s:%u", demo_ip(src ? fi->ip_src : fi->ip_dst, a), port);
	return buf;
}

const char *demo_ip6(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

/* "R,S,O" of a neighbour advertisement */
const char *demo_na_flags(uint8_t f, char out[8])
{
	size_t n = 0;
	if (f & 0x80)
		n += (size_t)snprintf(out + n, 8 - n, "R");
	if (f & 0x40)
		n += (size_t)snprintf(out + n, 8 - n, "%sS", n ? "," : "");
	if (f & 0x20)
		snprintf(out + n, 8 - n, "%sO", n ? "," : "");
	if (!f)
		snprintf(out, 8, "-");
	return out;
}

/* The AAAA records of a DNS answer (ustack_frame_decode keeps A records only). */
static size_t aaaa_records(const struct demo_ev *e, char *out, size_t cap)
{
	size_t used = 0;
	struct demo_dissection *dd = malloc(sizeof *dd);
	if (!dd || !e->frame) {
		free(dd);
		return 0;
	}
	demo_dissect(e->frame, e->frame_len, dd);
	const char *ttl = NULL;
	for (int i = 0; i < dd->n && used < cap; i++) {
		if (!strcmp(dd->f[i].key, "dns.resp.ttl"))
			ttl = dd->f[i].text;
		if (!strcmp(dd->f[i].key, "dns.aaaa"))
			used += (size_t)snprintf(out + used, cap - used, " AAAA %s ttl=%s", dd->f[i].text,
						 ttl ? ttl : "?");
	}
	free(dd);
	return used;
}

void demo_format_frame(struct demo *d, const struct demo_ev *e, char *buf, size_t cap)
{
	const struct ustack_frame_info *fi = &e->fi;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], m1[18], m2[18], extra[300];
	char s1[64], s2[64];
	(void)d;

	if (!e->decoded) {
		snprintf(buf, cap, "%s", e->line ? e->line : "?");
		return;
	}
	demo_fmt_mac(fi->eth_src, m1);
	demo_fmt_mac(fi->eth_dst, m2);
	if (demo_is_dad_ns(fi)) {
		snprintf(buf, cap, "NDP NS (DAD) who-has %s from ::   ip6 :: > %s   eth %s > %s",
			 demo_ip6(&fi->nd_target, a), demo_ip6(&fi->ip6_dst, b), m1, m2);
		return;
	}
	if (demo_is_ns(fi)) {
		snprintf(buf, cap, "NDP NS       who-has %s tell %s   ip6 %s > %s   eth %s > %s",
			 demo_ip6(&fi->nd_target, a), demo_ip6(&fi->ip6_src, b),
			 demo_ip6(&fi->ip6_src, s1), demo_ip6(&fi->ip6_dst, s2), m1, m2);
		return;
	}
	if (demo_is_na(fi)) {
		char lla[18] = "?", fl[8];
		if (fi->nd_has_lla)
			demo_fmt_mac(fi->nd_lla, lla);
		snprintf(buf, cap, "NDP NA       %s is-at %s [%s]   ip6 %s > %s   eth %s > %s",
			 demo_ip6(&fi->nd_target, a), lla, demo_na_flags(fi->nd_flags, fl),
			 demo_ip6(&fi->ip6_src, s1), demo_ip6(&fi->ip6_dst, s2), m1, m2);
		(void)b;
		return;
	}
	if (fi->is_arp) {
		if (fi->arp_op == 1) {
			snprintf(buf, cap, "ARP request  who-has %s tell %s   eth %s > %s",
				 demo_ip(fi->arp_tpa, a), demo_ip(fi->arp_spa, b), m1, m2);
		} else {
			char sha[18];
			demo_fmt_mac(fi->arp_sha, sha);
			snprintf(buf, cap, "ARP reply    %s is-at %s   eth %s > %s", demo_ip(fi->arp_spa, a),
				 sha, m1, m2);
		}
		return;
	}
	if (fi->is_dns) {
		char t[16];
		if (!(fi->dns_flags & 0x8000)) {
			snprintf(buf, cap, "DNS query    id=0x%04x  %s? %s   udp %s > %s",
				 fi->dns_id, demo_qtype_name(fi->dns_qtype, t), fi->dns_qname,
				 demo_endpoint(fi, true, s1, sizeof s1), demo_endpoint(fi, false, s2, sizeof s2));
			return;
		}
		size_t used = 0;
		extra[0] = '\0';
		int rcode = fi->dns_flags & 0xf;
		if (fi->dns_cname[0])
			used += (size_t)snprintf(extra, sizeof extra, " CNAME %s", fi->dns_cname);
		if (fi->dns_qtype == 15 && e->frame) {
			/* MX: ustack_frame_decode keeps addresses only; the dissector reads the rest */
			struct demo_dissection *dd = malloc(sizeof *dd);
			if (dd) {
				demo_dissect(e->frame, e->frame_len, dd);
				for (int i = 0; i < dd->n && used < sizeof extra; i++)
					if (!strcmp(dd->f[i].key, "dns.mx.preference") && i + 1 < dd->n &&
					    !strcmp(dd->f[i + 1].key, "dns.mx.mail_exchange"))
						used += (size_t)snprintf(extra + used, sizeof extra - used,
									 " MX %s %s", dd->f[i].text,
									 dd->f[i + 1].text);
				free(dd);
			}
		}
		if (fi->dns_qtype == 28 && used < sizeof extra)
			used += aaaa_records(e, extra + used, sizeof extra - used);
		for (int i = 0; i < fi->dns_n_a && i < 8 && used < sizeof extra; i++) {
			char r[16];
			used += (size_t)snprintf(extra + used, sizeof extra - used, " A %s ttl=%u",
						 demo_ip(fi->dns_a[i], r), fi->dns_a_ttl[i]);
		}
		if (used >= sizeof extra)
			extra[sizeof extra - 1] = '\0';
		snprintf(buf, cap, "DNS answer   id=0x%04x  %s%s%s   udp %s > %s", fi->dns_id,
			 fi->dns_qname, rcode ? " " : "", rcode ? demo_rcode_name(rcode) : extra,
			 demo_endpoint(fi, true, s1, sizeof s1), demo_endpoint(fi, false, s2, sizeof s2));
		return;
	}
	if (fi->is_tcp) {
		char names[32], bits[7], opts[160], http[96];
		demo_tcp_flag_names(fi->tcp_flags, names, sizeof names);
		demo_tcp_flag_bits(fi->tcp_flags, bits);
		demo_tcp_options(fi, opts, sizeof opts);
		demo_http_first_line(fi, http, sizeof http);
		snprintf(buf, cap, "TCP %-8s [%s]  %s > %s  seq=%u ack=%u win=%u len=%zu%s%s%s%s%s%s",
			 names, bits, demo_endpoint(fi, true, s1, sizeof s1), demo_endpoint(fi, false, s2, sizeof s2),
			 fi->tcp_seq, fi->tcp_ack, fi->tcp_win, fi->payload_len,
			 opts[0] ? "  <" : "", opts, opts[0] ? ">" : "",
			 http[0] ? "  \"" : "", http, http[0] ? "\"" : "");
		return;
	}
	if (fi->is_udp) {
		snprintf(buf, cap, "UDP %s > %s len=%zu", demo_endpoint(fi, true, s1, sizeof s1),
			 demo_endpoint(fi, false, s2, sizeof s2), fi->payload_len);
		return;
	}
	snprintf(buf, cap, "%s", e->line ? e->line : "?");
}

/* --- the network and the layers --- */

void demo_print_network(struct demo *d)
{
	char a[16], m[18], url[1400];
	snprintf(url, sizeof url, "%s", d->url);
	if (d->mail)
		SAY(d, "ustack demo: a mailer sends a message to bob@%s, one step at a time.\n"
		       "Every value below is read from a frame on the wire, a trace event of a stack, or a\n"
		       "stack's own tables; nothing is made up.\n\n",
		    "ustack demo: 메일러가 bob@%s 에게 메시지를 한 단계씩 보냅니다.\n"
		    "아래의 모든 값은 선로 위 프레임, 스택의 트레이스 이벤트, 또는 스택 자신의 표에서\n"
		    "읽은 것입니다. 지어낸 값은 없습니다.\n\n", d->host);
	else
	SAY(d, "ustack demo: fetching %s the way a browser does, one step at a time.\n"
	       "Every value below is read from a frame on the wire, a trace event of a stack, or a\n"
	       "stack's own tables; nothing is made up.\n\n",
	    "ustack demo: 브라우저가 하는 그대로 페이지 %s 를 한 단계씩 가져옵니다.\n"
	    "아래의 모든 값은 선로 위 프레임, 스택의 트레이스 이벤트, 또는 스택 자신의 표에서\n"
	    "읽은 것입니다. 지어낸 값은 없습니다.\n\n", url);
	if (d->ipv6) {
		demo_print_network6(d);
		return;
	}
	if (d->tap)
		SAY(d, "THE NETWORK  (one ustack stack, the client, on the Linux TAP %s; the servers are Linux's)\n\n",
		    "네트워크  (ustack 스택은 클라이언트 하나, Linux TAP %s에 붙어 있고 서버들은 Linux 프로그램)\n\n",
		    d->tap);
	else
		SAY(d, "THE NETWORK  (%d ustack stacks in this process; 2 virtual Ethernet links, %u ms per hop)\n\n",
		    "네트워크  (이 프로세스 안의 ustack 스택 %d개; 가상 이더넷 링크 2개, 홉마다 %u ms)\n\n",
		    d->n_st, DEMO_LINK_LATENCY_US / 1000);
	char pb[96], pb2[96];
	demo_out(d, "  %s %s %-18s %s\n", demo_pad(demo_tr(d, "host", "호스트"), 7, pb), demo_pad(demo_tr(d, "address", "주소"), 18, pb2),
	    "MAC", demo_tr(d, "role", "역할"));
	const int order[4] = { d->h_client, d->h_dns, d->h_router, d->h_web };
	for (int k = 0; k < 4; k++) {
		int h = order[k];
		if (h < 0)
			continue;
		const struct demo_host *ho = &d->log.hosts[h];
		for (int i = 0; i < ho->n_addr || i == 0; i++) {
			char addr[24] = "";
			if (i < ho->n_addr)
				snprintf(addr, sizeof addr, "%s/%d", demo_ip(ho->addr[i], a), ho->prefix[i]);
			if (i < ho->n_mac)
				demo_fmt_mac(ho->mac[i], m);
			else
				m[0] = '\0';
			const char *role = "";
			if (i == 0) {
				if (h == d->h_client && d->mail)
					role = demo_tr(d, "the mailer (this program's main thread)",
						       "메일러 (이 프로그램의 메인 스레드)");
				else if (h == d->h_client)
					role = demo_tr(d, "the browser (this program's main thread)",
						       "브라우저 (이 프로그램의 메인 스레드)");
				else if (h == d->h_web && d->mail)
					role = demo_tr(d, "mail server (SMTP), port 25",
						       "메일 서버 (SMTP), 포트 25");
				else if (h == d->h_dns)
					role = demo_tr(d, "DNS server (ustack dns)", "DNS 서버 (ustack dns)");
				else if (h == d->h_router)
					role = demo_tr(d, "router: forwards between the two links",
						       "라우터: 두 링크 사이에서 전달");
				else if (h == d->h_web)
					role = demo_tr(d, "web server (ustack serve), port 80",
						       "웹 서버 (ustack serve), 포트 80");
			}
			demo_out(d, "  %-7s %-18s %-18s %s\n", i ? "" : ho->name, addr, m, role);
		}
	}
	char g[16], s[16];
	if (d->tap) {
		SAY(d, "\n  The client knows only its address, its gateway (%s) and its DNS server (%s).\n\n",
		    "\n  클라이언트가 아는 것은 자기 주소, 게이트웨이(%s), DNS 서버(%s)뿐입니다.\n\n",
		    d->gw.s_addr ? demo_ip(d->gw, g) : "-", d->dns.s_addr ? demo_ip(d->dns, s) : "-");
		return;
	}
	if (d->mail) {
		demo_out(d, "\n      client 10.0.1.10 ──┐                                   ┌── mail 10.0.2.25\n"
		       "                         ├── 10.0.1.1  router  10.0.2.1 ─────┤\n"
		       "      dns    10.0.1.53 ──┘        10.0.1.0/24 | 10.0.2.0/24  └─\n\n");
		SAY(d, "  The client knows only its address, its gateway (%s) and its DNS server (%s).\n"
		       "  The DNS server has %s MX 10 mail.%s, and mail.%s A 10.0.2.25.\n\n",
		    "  클라이언트가 아는 것은 자기 주소, 게이트웨이(%s), DNS 서버(%s)뿐입니다.\n"
		    "  DNS 서버에는 %s MX 10 mail.%s 와 mail.%s A 10.0.2.25 가 있습니다.\n\n",
		    demo_ip(d->gw, g), demo_ip(d->dns, s), d->host, d->host, d->host);
		return;
	}
	demo_out(d, "\n      client 10.0.1.10 ──┐                                   ┌── web 10.0.2.80\n"
	       "                         ├── 10.0.1.1  router  10.0.2.1 ─────┤\n"
	       "      dns    10.0.1.53 ──┘        10.0.1.0/24 | 10.0.2.0/24  └─\n\n");
	SAY(d, "  The client knows only its address, its gateway (%s) and its DNS server (%s).\n"
	       "  The DNS server answers %s with A 10.0.2.80.\n\n",
	    "  클라이언트가 아는 것은 자기 주소, 게이트웨이(%s), DNS 서버(%s)뿐입니다.\n"
	    "  DNS 서버는 이름 %s 에 대해 A 레코드 10.0.2.80 을 답합니다.\n\n",
	    demo_ip(d->gw, g), demo_ip(d->dns, s), d->host);
}

void demo_print_layers(struct demo *d)
{
	char link[200];
	if (d->tap)
		snprintf(link, sizeof link, "%s %s", demo_tr(d, "Ethernet frames on the TAP", "TAP 위의 이더넷 프레임"),
			 d->tap);
	else
		snprintf(link, sizeof link, "%s", demo_tr(d, "Ethernet frames on a virtual link (vnet)",
						      "가상 링크(vnet) 위의 이더넷 프레임"));
	SAY(d, "THE LAYERS  (what the request goes through inside the client, top to bottom)\n\n",
	    "계층  (요청이 클라이언트 안에서 위에서 아래로 지나가는 곳)\n\n");
	if (d->mail)
		SAY(d, "  application      the mailer: an MX question, gethostbyname, socket, connect, SMTP\n"
		       "                   with send and recv, close\n",
		    "  애플리케이션     메일러: MX 질문, gethostbyname, socket, connect, send/recv로 SMTP, close\n");
	else if (d->ipv6)
		SAY(d, "  application      the browser: getaddrinfo, socket, connect, send, recv, close\n",
		    "  애플리케이션     브라우저: getaddrinfo, socket, connect, send, recv, close\n");
	else
		SAY(d, "  application      the browser: gethostbyname, socket, connect, send, recv, close\n",
		    "  애플리케이션     브라우저: gethostbyname, socket, connect, send, recv, close\n");
	if (d->ipv6)
		SAY(d, "  socket library   the resolver (name -> address, over DNS) and the descriptor table\n"
		       "                   (each descriptor points at a control block)\n"
		       "  protocol stack   TCP, UDP, IPv6 with ICMPv6 and its Neighbor Discovery (NDP)\n"
		       "                   (and IPv4 with ICMP and ARP beside them: a dual stack)\n"
		       "  link             %s\n\n",
		    "  소켓 라이브러리  리졸버(이름 -> 주소, DNS로)와 디스크립터 표\n"
		    "                   (디스크립터마다 제어 블록을 가리킴)\n"
		    "  프로토콜 스택    TCP, UDP, IPv6와 ICMPv6, 그리고 그 이웃 탐색(NDP)\n"
		    "                   (곁에 IPv4와 ICMP, ARP도 있음: 듀얼 스택)\n"
		    "  링크             %s\n\n", link);
	else
	SAY(d, "  socket library   the resolver (name -> address, over DNS) and the descriptor table\n"
	       "                   (each descriptor points at a control block)\n"
	       "  protocol stack   TCP, UDP, IP, ICMP, ARP\n"
	       "  link             %s\n\n",
	    "  소켓 라이브러리  리졸버(이름 -> 주소, DNS로)와 디스크립터 표\n"
	    "                   (디스크립터마다 제어 블록을 가리킴)\n"
	    "  프로토콜 스택    TCP, UDP, IP, ICMP, ARP\n"
	    "  링크             %s\n\n", link);
	if (d->pcap_path && !d->tmp_pcap[0])
		SAY(d, "  Every frame of every link is also written to %s (Wireshark or tshark -r opens it).\n\n",
		    "  모든 링크의 모든 프레임은 %s 에도 기록됩니다(Wireshark 또는 tshark -r로 열 수 있음).\n\n",
		    d->pcap_path);
}

void demo_pause(struct demo *d)
{
	if (!d->step || d->quiet)
		return;
	fputs(demo_tr(d, "  ⏎ Enter: the next step ", "  ⏎ Enter: 다음 단계 "), d->out);
	fflush(d->out);
	int c;
	while ((c = getchar()) != EOF && c != '\n')
		;
	fputs("\n", d->out);
}

void demo_print_heading(struct demo *d, enum demo_step step)
{
	char title[400];
	demo_pause(d);
	demo_html_section(d, (int)step);
	switch (step) {
	case DEMO_STEP_RESOLVE:
		if (d->mail)
			snprintf(title, sizeof title, "0  DNS: MX %s, %s", d->host,
				 demo_tr(d, "then the exchanger's A record", "그다음 교환기의 A 레코드"));
		else if (d->ipv6)
			snprintf(title, sizeof title, "0  getaddrinfo(\"%s\", AF_INET6)", d->host);
		else
			snprintf(title, sizeof title, "0  gethostbyname(\"%s\")", d->host);
		break;
	case DEMO_STEP_SOCKET:
		snprintf(title, sizeof title, "①  socket()");
		break;
	case DEMO_STEP_CONNECT:
		snprintf(title, sizeof title, "②  connect()");
		break;
	case DEMO_STEP_HTTP:
		if (d->mail)
			snprintf(title, sizeof title, "③  send() / recv(): SMTP %s",
				 demo_tr(d, "dialogue", "대화"));
		else
			snprintf(title, sizeof title, "③  send() / recv(): HTTP %s",
				 demo_tr(d, "request and response", "요청과 응답"));
		break;
	case DEMO_STEP_CLOSE:
		snprintf(title, sizeof title, "④  close()");
		break;
	default:
		title[0] = '\0';
	}
	demo_out(d, "%s\n %s\n%s\n", DEMO_RULE, title, DEMO_RULE);
}

/* --- a step's events (what they mean: demo_explain.c) --- */

/* The curated view: what the client sends and gets, other hosts' ARP, frames lost. */
static bool shown(const struct demo *d, const struct demo_ev *e)
{
	const struct demo_host *c = host_of(d, d->h_client);
	if (d->verbose)
		return true;
	if (e->kind == USTACK_TRACE_INFO || e->kind == USTACK_TRACE_STATE)
		return e->host == d->h_client && !(d->ipv6 && !strcmp(e->subsystem, "mld"));
	if (e->kind == USTACK_TRACE_DROP)
		return e->host == d->h_client && e->reason != USTACK_DROP_ETH_NOT_FOR_US &&
		       e->reason != USTACK_DROP_ARP_NOT_FOR_US &&
		       !(d->ipv6 && (e->reason == USTACK_DROP_IP6_NOT_FOR_US ||
				     e->reason == USTACK_DROP_IP6_MCAST_NOT_JOINED));
	if (!e->decoded)
		return e->host == d->h_client;
	const struct ustack_frame_info *fi = &e->fi;
	/* --ipv6: router solicitations and MLD reports are housekeeping (demo_print_dad);
	 * other nodes' DAD probes and solicitations for addresses not the client's are
	 * heard by the client's group memberships only by chance of their last 24 bits */
	if (d->ipv6 && (demo_is_ip6_housekeeping(fi) || demo_is_dad_ns(fi)))
		return false;
	if (d->ipv6 && e->host == d->h_client && e->kind == USTACK_TRACE_RX && demo_is_ns(fi) &&
	    demo_log_host_by_addr6(&((struct demo *)d)->log, &fi->nd_target) != d->h_client)
		return false;
	if (e->host == d->h_client) {
		if (e->kind == USTACK_TRACE_TX)
			return true;
		if (!demo_is_client_mac(d, fi->eth_dst) && !demo_mac_is_bcast(fi->eth_dst))
			return false;
		if (fi->is_arp && fi->arp_op == 1 && c && c->n_addr &&
		    fi->arp_tpa.s_addr != c->addr[0].s_addr)
			return false;
		return true;
	}
	if (e->kind != USTACK_TRACE_TX)
		return false;
	if (e->lost && e->to_host == d->h_client)
		return true;
	return (fi->is_arp || demo_is_ns(fi) || demo_is_na(fi)) && e->to_host != d->h_client &&
	       e->from_host != d->h_client;
}

/* The header picture: of the frames --frames names, else of the handshake's three. */
static bool want_picture(struct demo *d, const struct demo_ev *e)
{
	if (d->frames_set)
		return demo_frames_has(&d->frames, d->frame_no);
	bool tx = e->kind == USTACK_TRACE_TX;
	/* --ipv6: also the first neighbour solicitation (ICMPv6 and its option) */
	if (d->ipv6 && e->decoded && e->host == d->h_client && tx && demo_is_ns(&e->fi) && !d->pic_ns)
		return d->pic_ns = true;
	if (!e->decoded || !e->fi.is_tcp || e->host != d->h_client)
		return false;
	uint8_t fl = e->fi.tcp_flags;
	if (tx && (fl & 0x12) == 0x02 && !d->pic_syn)
		return d->pic_syn = true;
	if (!tx && (fl & 0x12) == 0x12 && d->pic_syn && !d->pic_synack)
		return d->pic_synack = true;
	if (tx && (fl & 0x17) == 0x10 && !e->fi.payload_len && d->pic_synack && !d->pic_ack)
		return d->pic_ack = true;
	return false;
}

static void print_picture(struct demo *d, const struct demo_ev *e)
{
	if (d->quiet || !e->frame)
		return;
	/* the page draws its own pictures, of every frame: not this text */
	struct demo_page *rec = d->rec;
	d->rec = NULL;
	SAY(d, "\n      Frame #%u as the envelope it is (%zu bytes): each header drawn as the RFCs draw\n"
	       "      it, 32 bits a row, one box per field with this frame's value; under each row, the\n"
	       "      row's bytes as they were on the wire, each under its own eight bits.\n",
	    "\n      프레임 #%u을 봉투 모양 그대로 (%zu바이트): 각 헤더를 RFC의 그림처럼 한 줄에 32비트,\n"
	    "      필드마다 칸 하나에 이 프레임의 값을 넣어 그렸습니다. 줄마다 아래에 그 줄의 바이트가\n"
	    "      선로에 있던 그대로, 각자 자기 8비트 밑에 있습니다.\n", d->frame_no, e->frame_len);
	demo_header_draw(d->out, e->frame, e->frame_len, d->ko);
	demo_out(d, "\n");
	d->rec = rec;
}

static void print_event(struct demo *d, const struct demo_ev *e)
{
	char desc[700], t[32];
	const struct demo_host *h = host_of(d, e->host);
	snprintf(t, sizeof t, "+%.3f ms", ms_since(d, e->t));
	if (d->verbose && !(e->decoded && (e->kind == USTACK_TRACE_TX || e->kind == USTACK_TRACE_RX))) {
		demo_out(d, "    %12s  %-6s   %s\n", t, h ? h->name : "?", e->line ? e->line : "");
		return;
	}
	switch (e->kind) {
	case USTACK_TRACE_TX:
	case USTACK_TRACE_RX:
		demo_format_frame(d, e, desc, sizeof desc);
		d->frame_no++;
		if (d->rec)
			demo_html_shown(d, d->frame_no, e);
		demo_out(d, "#%-3u%12s  %-6s %s %s%s%s\n", d->frame_no, t, h ? h->name : "?",
		    e->kind == USTACK_TRACE_TX ? "→" : "←", desc,
		    !e->retrans ? "" : e->fi.is_arp || demo_is_ns(&e->fi) ? demo_tr(d, "  (retry)", "  (재시도)") :
		    demo_tr(d, "  (retransmission)", "  (재전송)"),
		    e->lost ? demo_tr(d, "  ✗ lost on the link", "  ✗ 링크에서 유실") : "");
		if (want_picture(d, e))
			print_picture(d, e);
		break;
	case USTACK_TRACE_STATE:
		demo_out(d, "    %12s  %-6s   %s\n", t, h ? h->name : "?", e->line && e->line[0] ? e->line : e->new_state);
		break;
	case USTACK_TRACE_DROP:
		demo_out(d, "    %12s  %-6s   %s\n", t, h ? h->name : "?", e->line ? e->line : "");
		break;
	default:
		demo_out(d, "    %12s  %-6s   %s\n", t, h ? h->name : "?", e->line ? e->line : "");
	}
}

/* What one step's frames say, found among its events. */
static void print_events(struct demo *d, const struct demo_step_view *v)
{
	size_t shown_n = 0;
	for (size_t i = 0; i < v->n; i++)
		if (shown(d, v->ev[i])) {
			print_event(d, v->ev[i]);
			shown_n++;
		}
	if (!shown_n)
		SAY(d, "  (no frame on the wire)\n", "  (선로에 프레임 없음)\n");
}

void demo_print_step(struct demo *d, enum demo_step step)
{
	struct demo_mark *m = &d->marks[step];
	struct demo_step_view v;
	/* the previous step's events are already counted: this step's are [from, to) */
	demo_log_analyse(&d->log);
	size_t total = demo_log_count(&d->log);
	size_t to = m->to < total ? m->to : total;
	v.ev = demo_log_slice(&d->log, m->from, &v.n);
	if (!v.ev)
		return;
	/* only events appended before the step's end */
	size_t k = 0;
	for (size_t i = 0; i < v.n; i++)
		if (v.ev[i]->idx < to)
			v.ev[k++] = v.ev[i];
	v.n = k;
	if (d->quiet && !d->rec) {      /* --html records the narration even with --quiet */
		free(v.ev);
		return;
	}
	print_events(d, &v);
	demo_explain_step(d, step, &v);
	demo_out(d, "\n");
	free(v.ev);
}

/* --- tables --- */

void demo_print_netstat(struct demo *d, const char *when_en, const char *when_ko)
{
	struct ustack_sockinfo si[DEMO_MAX_SOCKS];
	char la[64], ra[64], a[16];
	size_t n = ustack_sockets(d->st[0], si, DEMO_MAX_SOCKS);
	if (n > DEMO_MAX_SOCKS)
		n = DEMO_MAX_SOCKS;
	SAY(d, "\n  netstat %s (ustack_sockets on the client):\n",
	    "\n  netstat, %s (클라이언트의 ustack_sockets):\n", demo_tr(d, when_en, when_ko));
	int w = d->ipv6 ? 24 : 21;      /* [2001:db8:1::10]:65535 */
	demo_out(d, "    %-5s %6s %6s %-*s %-*s %-12s %2s %7s %6s\n", "Proto", "Recv-Q", "Send-Q",
	    w, "Local Address", w, "Foreign Address", "State", "fd", "SndBuf", "RcvBuf");
	size_t rows = 0;
	for (size_t i = 0; i < n; i++) {
		char a6[INET6_ADDRSTRLEN];
		if (si[i].family == AF_INET6) {
			snprintf(la, sizeof la, "[%s]:%u", demo_ip6(&si[i].local6.sin6_addr, a6),
				 ntohs(si[i].local6.sin6_port));
			snprintf(ra, sizeof ra, "[%s]:%u", demo_ip6(&si[i].remote6.sin6_addr, a6),
				 ntohs(si[i].remote6.sin6_port));
		} else {
			snprintf(la, sizeof la, "%s:%u", demo_ip(si[i].local.sin_addr, a), ntohs(si[i].local.sin_port));
			snprintf(ra, sizeof ra, "%s:%u", demo_ip(si[i].remote.sin_addr, a), ntohs(si[i].remote.sin_port));
		}
		char fd[16];
		if (si[i].fd >= 0)
			snprintf(fd, sizeof fd, "%d", si[i].fd);
		else
			snprintf(fd, sizeof fd, "-");
		demo_out(d, "    %-5s %6zu %6zu %-*s %-*s %-12s %2s %7zu %6zu\n",
		    si[i].proto == IPPROTO_TCP ? (si[i].family == AF_INET6 ? "tcp6" : "tcp") :
		    (si[i].family == AF_INET6 ? "udp6" : "udp"), si[i].recv_q, si[i].send_q, w, la, w, ra,
		    si[i].state && si[i].state[0] ? si[i].state : "-", fd, si[i].sndbuf, si[i].rcvbuf);
		rows++;
	}
	if (!rows)
		SAY(d, "    (no sockets: every control block is freed; the connection is CLOSED)\n",
		    "    (소켓 없음: 모든 제어 블록이 해제됨; 연결은 CLOSED)\n");
	demo_out(d, "\n");
}

void demo_print_neighbours(struct demo *d)
{
	struct ustack_neigh nb[16];
	char a[16], m[18];
	if (d->ipv6) {
		demo_print_neighbours6(d);
		return;
	}
	size_t n = ustack_neighbours(d->st[0], nb, 16);
	if (n > 16)
		n = 16;
	demo_out(d, "      %-16s %-18s %-11s %s\n", "Address", "HWaddress", "State", "Age");
	for (size_t i = 0; i < n; i++) {
		demo_fmt_mac(nb[i].mac, m);
		demo_out(d, "      %-16s %-18s %-11s %.1f ms\n", demo_ip(nb[i].addr, a), m,
		    nb[i].state ? nb[i].state : "?", (double)nb[i].age_us / 1000.0);
	}
	if (!n)
		SAY(d, "      (empty)\n", "      (비어 있음)\n");
}
