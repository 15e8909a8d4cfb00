/* demo_dissect.c - a frame taken apart field by field, from its bytes alone (RFC 894
 * Ethernet, RFC 826 ARP, RFC 791 IPv4, RFC 792 ICMP, RFC 768 UDP, RFC 1035 DNS, RFC 9293
 * TCP with the options of RFC 9293 3.2 and RFC 7323, RFC 8200 IPv6 (fixed header; the
 * extension headers are shown as data), RFC 4443 ICMPv6 and RFC 4861 NS/NA targets). Every read is bounds-checked: a
 * header cut short ends the dissection there, and what is left is data. */
#include <stdio.h>
#include <arpa/inet.h>
#include <string.h>
#include "demo_dissect.h"

struct ctx {
	const uint8_t *p;
	size_t len;
	struct demo_dissection *dd;
	int layer;
};

static uint64_t bits_at(const uint8_t *p, size_t off, unsigned bit, unsigned bits)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bits; i++) {
		size_t b = off + (bit + i) / 8;
		unsigned s = 7 - (bit + i) % 8;
		v = v << 1 | ((p[b] >> s) & 1u);
	}
	return v;
}

/* Adds a field of bits at [off*8 + bit, + bits); returns it, or NULL if it does not fit
 * in the frame or the table. The text is the decimal value unless fmt sets it after. */
static struct demo_field *add(struct ctx *c, const char *key, const char *label, const char *label_ko,
			      size_t off, unsigned bit, unsigned bits, const char *about,
			      const char *about_ko)
{
	struct demo_dissection *dd = c->dd;
	size_t end_bit = off * 8 + bit + bits;
	if (dd->n >= DEMO_MAX_FIELDS || end_bit > c->len * 8 || !bits) {
		dd->truncated = dd->truncated || end_bit > c->len * 8;
		return NULL;
	}
	struct demo_field *f = &dd->f[dd->n++];
	memset(f, 0, sizeof *f);
	f->layer = c->layer;
	f->key = key;
	f->label = label;
	f->label_ko = label_ko;
	f->off = off;
	f->bit = bit;
	f->bits = bits;
	f->about = about;
	f->about_ko = about_ko;
	if (bits <= 64) {
		f->value = bits_at(c->p, off, bit, bits);
		snprintf(f->text, sizeof f->text, "%llu", (unsigned long long)f->value);
	}
	return f;
}

static struct demo_field *add_hex(struct ctx *c, const char *key, const char *label,
				  const char *label_ko, size_t off, unsigned bytes, const char *about,
				  const char *about_ko)
{
	struct demo_field *f = add(c, key, label, label_ko, off, 0, bytes * 8, about, about_ko);
	if (f)
		snprintf(f->text, sizeof f->text, "0x%0*llx", (int)bytes * 2, (unsigned long long)f->value);
	return f;
}

static struct demo_field *add_mac(struct ctx *c, const char *key, const char *label,
				  const char *label_ko, size_t off, const char *about, const char *about_ko)
{
	struct demo_field *f = add(c, key, label, label_ko, off, 0, 48, about, about_ko);
	if (f) {
		const uint8_t *m = c->p + off;
		snprintf(f->text, sizeof f->text, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
			 m[3], m[4], m[5]);
	}
	return f;
}

static struct demo_field *add_ip(struct ctx *c, const char *key, const char *label,
				 const char *label_ko, size_t off, const char *about, const char *about_ko)
{
	struct demo_field *f = add(c, key, label, label_ko, off, 0, 32, about, about_ko);
	if (f) {
		const uint8_t *a = c->p + off;
		snprintf(f->text, sizeof f->text, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	}
	return f;
}

static struct demo_field *add_ip6(struct ctx *c, const char *key, const char *label,
				  const char *label_ko, size_t off, const char *about, const char *about_ko)
{
	struct demo_field *f = add(c, key, label, label_ko, off, 0, 128, about, about_ko);
	if (f && !inet_ntop(AF_INET6, c->p + off, f->text, sizeof f->text))
		f->text[0] = '\0';
	return f;
}

static int new_layer(struct ctx *c, enum demo_layer_kind kind, const char *name, const char *title,
		     const char *title_ko, size_t off, size_t hdr_len, size_t len)
{
	struct demo_dissection *dd = c->dd;
	if (dd->n_layers >= DEMO_MAX_LAYERS)
		return -1;
	struct demo_layer *l = &dd->layers[dd->n_layers];
	l->kind = kind;
	l->name = name;
	l->title = title;
	l->title_ko = title_ko;
	l->off = off;
	l->hdr_len = hdr_len;
	l->len = len;
	c->layer = dd->n_layers++;
	return 0;
}

/* Whatever a header carries that is not taken apart: one field. */
static void data(struct ctx *c, size_t off, size_t end, const char *what, const char *what_ko)
{
	if (end <= off || end > c->len)
		return;
	if (new_layer(c, DL_DATA, "data", what, what_ko, off, end - off, end - off) < 0)
		return;
	struct demo_field *f = add(c, "data", "data", "데이터", off, 0, (unsigned)((end - off) * 8),
				   "the bytes this header carries", "이 헤더가 실어 나르는 바이트");
	if (!f)
		return;
	size_t n = 0;
	for (size_t i = off; i < end && n + 5 < sizeof f->text; i++)
		f->text[n++] = c->p[i] >= 0x20 && c->p[i] < 0x7f ? (char)c->p[i] : '.';
	if (end - off > n)
		snprintf(f->text + n, sizeof f->text - n, "...");
	else
		f->text[n] = '\0';
}

/* --- TCP (RFC 9293 3.1) --- */

static const char *const TCP_BIT[8] = { "CWR", "ECE", "URG", "ACK", "PSH", "RST", "SYN", "FIN" };
static const char *const TCP_BIT_KEY[8] = { "tcp.flags.cwr", "tcp.flags.ece", "tcp.flags.urg",
	"tcp.flags.ack", "tcp.flags.push", "tcp.flags.reset", "tcp.flags.syn", "tcp.flags.fin" };
static const char *const TCP_BIT_ABOUT[8][2] = {
	{ "congestion window reduced (ECN)", "혼잡 윈도 줄임 (ECN)" },
	{ "ECN echo", "ECN 에코" },
	{ "the urgent pointer is significant", "긴급 포인터가 유효함" },
	{ "the acknowledgment number is significant", "확인 응답 번호가 유효함" },
	{ "push: hand the data to the application now", "푸시: 데이터를 곧바로 애플리케이션에 넘김" },
	{ "reset the connection", "연결을 리셋함" },
	{ "synchronize sequence numbers: opens a connection", "순서 번호 동기화: 연결을 엶" },
	{ "no more data from the sender", "보내는 쪽의 데이터가 끝남" },
};

static void tcp_options(struct ctx *c, size_t o, size_t end)
{
	while (o < end) {
		uint8_t kind = c->p[o];
		if (kind == 0 || kind == 1) {
			struct demo_field *f = add(c, "tcp.option_kind", kind ? "NOP" : "EOL",
						   kind ? "NOP" : "EOL", o, 0, 8,
						   kind ? "no-operation: pads the next option to a boundary"
							: "end of the option list",
						   kind ? "아무 일도 안 함: 다음 옵션을 경계에 맞춤" : "옵션 목록의 끝");
			if (!f)
				return;
			o++;
			if (!kind)
				break;
			continue;
		}
		if (o + 2 > end || c->p[o + 1] < 2 || o + c->p[o + 1] > end) {
			add(c, "tcp.options", "bad option", "잘못된 옵션", o, 0, (unsigned)(end - o) * 8,
			    "an option that overruns the header", "헤더를 넘는 옵션");
			return;
		}
		uint8_t olen = c->p[o + 1];
		struct demo_field *k = add(c, "tcp.option_kind", "Kind", "종류", o, 0, 8, NULL, NULL);
		add(c, "tcp.option_len", "Length", "길이", o + 1, 0, 8, "option length in bytes",
		    "옵션 길이(바이트)");
		switch (kind) {
		case 2:
			if (k)
				k->about = "2: maximum segment size", k->about_ko = "2: 최대 세그먼트 크기";
			if (olen == 4)
				add(c, "tcp.options.mss_val", "MSS", "MSS", o + 2, 0, 16,
				    "the largest segment the sender will accept",
				    "보내는 쪽이 받을 수 있는 가장 큰 세그먼트");
			break;
		case 3:
			if (k)
				k->about = "3: window scale", k->about_ko = "3: 윈도 배율";
			if (olen == 3)
				add(c, "tcp.options.wscale.shift", "Shift", "배율", o + 2, 0, 8,
				    "windows are shifted left by this many bits",
				    "윈도 값을 이만큼 왼쪽으로 시프트");
			break;
		case 4:
			if (k)
				k->about = "4: SACK permitted", k->about_ko = "4: SACK 허용";
			break;
		case 8:
			if (k)
				k->about = "8: timestamps", k->about_ko = "8: 타임스탬프";
			if (olen == 10) {
				add(c, "tcp.options.timestamp.tsval", "TS value", "TS 값", o + 2, 0, 32,
				    "the sender's clock", "보내는 쪽의 시계");
				add(c, "tcp.options.timestamp.tsecr", "TS echo reply", "TS 에코", o + 6, 0,
				    32, "the peer's last timestamp, echoed", "상대의 마지막 타임스탬프를 돌려줌");
			}
			break;
		default:
			break;
		}
		if (kind != 2 && kind != 3 && kind != 8 && olen > 2)
			add(c, "tcp.options", "option data", "옵션 데이터", o + 2, 0, (unsigned)(olen - 2) * 8,
			    NULL, NULL);
		o += olen;
	}
	if (o < end)
		add(c, "tcp.options.padding", "padding", "채움", o, 0, (unsigned)(end - o) * 8, NULL, NULL);
}

static void tcp(struct ctx *c, size_t o, size_t end)
{
	if (end - o < 20 || new_layer(c, DL_TCP, "TCP", "TCP header (RFC 9293 3.1)",
				      "TCP 헤더 (RFC 9293 3.1)", o, 20, end - o) < 0) {
		data(c, o, end, "TCP (cut short)", "TCP (잘림)");
		return;
	}
	size_t hl = (size_t)(c->p[o + 12] >> 4) * 4;
	if (hl < 20 || o + hl > end)
		hl = 20;
	c->dd->layers[c->layer].hdr_len = hl;
	add(c, "tcp.srcport", "Source Port", "출발지 포트", o, 0, 16, "the sender's port", "보내는 쪽 포트");
	add(c, "tcp.dstport", "Destination Port", "목적지 포트", o + 2, 0, 16, "the receiver's port",
	    "받는 쪽 포트");
	add(c, "tcp.seq_raw", "Sequence Number", "순서 번호", o + 4, 0, 32,
	    "the number of the first byte of data (of the SYN, if SYN is set)",
	    "데이터 첫 바이트의 번호 (SYN이면 SYN의 번호)");
	add(c, "tcp.ack_raw", "Acknowledgment Number", "확인 응답 번호", o + 8, 0, 32,
	    "the next byte the sender expects (when ACK is set)",
	    "보내는 쪽이 다음에 받기를 기대하는 바이트 (ACK가 켜졌을 때)");
	add(c, "tcp.hdr_len", "DOffset", "DOffset", o + 12, 0, 4,
	    "data offset: the header's length in 32-bit words", "데이터 오프셋: 헤더 길이(32비트 워드 수)");
	add(c, "tcp.rsrvd", "Rsrvd", "Rsrvd", o + 12, 4, 4, "reserved: zero", "예약: 0");
	for (unsigned i = 0; i < 8; i++)
		add(c, TCP_BIT_KEY[i], TCP_BIT[i], TCP_BIT[i], o + 13, i, 1, TCP_BIT_ABOUT[i][0],
		    TCP_BIT_ABOUT[i][1]);
	add(c, "tcp.window_size_value", "Window", "윈도", o + 14, 0, 16,
	    "how many bytes the sender can receive now (shifted by the window scale)",
	    "보내는 쪽이 지금 받을 수 있는 바이트 수 (윈도 배율만큼 시프트)");
	add_hex(c, "tcp.checksum", "Checksum", "체크섬", o + 16, 2,
		"one's complement sum over a pseudo-header, the header and the data",
		"의사 헤더, 헤더, 데이터에 대한 1의 보수 합");
	add(c, "tcp.urgent_pointer", "Urgent Pointer", "긴급 포인터", o + 18, 0, 16,
	    "where urgent data ends (when URG is set)", "긴급 데이터의 끝 (URG가 켜졌을 때)");
	tcp_options(c, o + 20, o + hl);
	data(c, o + hl, end, "TCP data", "TCP 데이터");
}

/* --- UDP and DNS --- */

static const char *dns_type_name(uint16_t t)
{
	switch (t) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 15: return "MX";
	case 28: return "AAAA";
	case 255: return "ANY";
	default: return NULL;
	}
}

/* A DNS name at off (compression followed for the text, hop-limited); returns the offset
 * after it in place, or 0 if it is bad. */
static size_t dns_name(const struct ctx *c, size_t msg, size_t end, size_t off, char *out, size_t cap)
{
	size_t n = 0, after = 0, p = off;
	int hops = 0;
	out[0] = '\0';
	while (p < end) {
		uint8_t l = c->p[p];
		if (l == 0) {
			if (!after)
				after = p + 1;
			if (!n && cap > 1)
				snprintf(out, cap, ".");
			return after;
		}
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= end || ++hops > 16)
				return 0;
			if (!after)
				after = p + 2;
			p = msg + (((size_t)(l & 0x3f) << 8) | c->p[p + 1]);
			continue;
		}
		if (l > 63 || p + 1 + l > end)
			return 0;
		if (n && n + 1 < cap)
			out[n++] = '.';
		for (size_t i = 0; i < l && n + 1 < cap; i++)
			out[n++] = (char)c->p[p + 1 + i];
		out[n] = '\0';
		p += 1 + l;
	}
	return 0;
}

static void dns(struct ctx *c, size_t o, size_t end)
{
	if (end - o < 12 || new_layer(c, DL_DNS, "DNS", "DNS message (RFC 1035 4.1)",
				      "DNS 메시지 (RFC 1035 4.1)", o, 12, end - o) < 0) {
		data(c, o, end, "UDP data", "UDP 데이터");
		return;
	}
	struct demo_field *f;
	add_hex(c, "dns.id", "ID", "ID", o, 2, "matches an answer to its question", "답을 질문과 짝지음");
	add(c, "dns.flags.response", "QR", "QR", o + 2, 0, 1, "0 query, 1 response", "0 질의, 1 응답");
	add(c, "dns.flags.opcode", "Opcode", "Opcode", o + 2, 1, 4, "0: a standard query", "0: 표준 질의");
	add(c, "dns.flags.authoritative", "AA", "AA", o + 2, 5, 1, "authoritative answer", "권한 있는 응답");
	add(c, "dns.flags.truncated", "TC", "TC", o + 2, 6, 1, "truncated", "잘림");
	add(c, "dns.flags.recdesired", "RD", "RD", o + 2, 7, 1, "recursion desired", "재귀 요청");
	add(c, "dns.flags.recavail", "RA", "RA", o + 3, 0, 1, "recursion available", "재귀 가능");
	add(c, "dns.flags.z", "Z", "Z", o + 3, 1, 1, "reserved", "예약");
	add(c, "dns.flags.authenticated", "AD", "AD", o + 3, 2, 1, "authentic data (DNSSEC)", "인증된 데이터");
	add(c, "dns.flags.checkdisable", "CD", "CD", o + 3, 3, 1, "checking disabled (DNSSEC)", "검증 안 함");
	add(c, "dns.flags.rcode", "RCODE", "RCODE", o + 3, 4, 4, "0 no error, 3 no such name",
	    "0 오류 없음, 3 그런 이름 없음");
	add(c, "dns.count.queries", "QDCOUNT", "QDCOUNT", o + 4, 0, 16, "questions", "질문 수");
	add(c, "dns.count.answers", "ANCOUNT", "ANCOUNT", o + 6, 0, 16, "answers", "답 수");
	add(c, "dns.count.auth_rr", "NSCOUNT", "NSCOUNT", o + 8, 0, 16, "authority records", "권한 레코드 수");
	add(c, "dns.count.add_rr", "ARCOUNT", "ARCOUNT", o + 10, 0, 16, "additional records", "추가 레코드 수");
	unsigned qd = (unsigned)(c->p[o + 4] << 8 | c->p[o + 5]);
	unsigned an = (unsigned)(c->p[o + 6] << 8 | c->p[o + 7]);
	size_t p = o + 12;
	char name[256];
	for (unsigned i = 0; i < qd && i < 4; i++) {
		size_t q = dns_name(c, o, end, p, name, sizeof name);
		if (!q || q + 4 > end)
			goto rest;
		if ((f = add(c, "dns.qry.name", "QNAME", "QNAME", p, 0, (unsigned)(q - p) * 8,
			     "the name asked about", "묻는 이름")))
			snprintf(f->text, sizeof f->text, "%.95s", name);
		if ((f = add(c, "dns.qry.type", "QTYPE", "QTYPE", q, 0, 16, "the record type asked for",
			     "묻는 레코드 종류")) && dns_type_name((uint16_t)f->value))
			snprintf(f->text, sizeof f->text, "%s (%u)", dns_type_name((uint16_t)f->value),
				 (unsigned)f->value);
		add(c, "dns.qry.class", "QCLASS", "QCLASS", q + 2, 0, 16, "1: IN, the Internet", "1: IN, 인터넷");
		p = q + 4;
	}
	for (unsigned i = 0; i < an && i < 8; i++) {
		size_t q = dns_name(c, o, end, p, name, sizeof name);
		if (!q || q + 10 > end)
			goto rest;
		if ((f = add(c, "dns.resp.name", "NAME", "NAME", p, 0, (unsigned)(q - p) * 8,
			     "the name this record is about", "이 레코드의 이름")))
			snprintf(f->text, sizeof f->text, "%.95s", name);
		uint16_t type = (uint16_t)(c->p[q] << 8 | c->p[q + 1]);
		if ((f = add(c, "dns.resp.type", "TYPE", "TYPE", q, 0, 16, "the record's type", "레코드 종류")) &&
		    dns_type_name(type))
			snprintf(f->text, sizeof f->text, "%s (%u)", dns_type_name(type), type);
		add(c, "dns.resp.class", "CLASS", "CLASS", q + 2, 0, 16, "1: IN", "1: IN");
		add(c, "dns.resp.ttl", "TTL", "TTL", q + 4, 0, 32, "seconds a resolver may keep it",
		    "리졸버가 보관해도 되는 초");
		add(c, "dns.resp.len", "RDLENGTH", "RDLENGTH", q + 8, 0, 16, "length of the data",
		    "데이터 길이");
		size_t rd = q + 10, rl = (size_t)(c->p[q + 8] << 8 | c->p[q + 9]);
		if (rd + rl > end)
			goto rest;
		if (type == 1 && rl == 4) {
			add_ip(c, "dns.a", "ADDRESS", "주소", rd, "the address of the name", "이름의 주소");
		} else if (type == 28 && rl == 16) {
			add_ip6(c, "dns.aaaa", "AAAA ADDRESS", "AAAA 주소", rd,
				"the IPv6 address of the name (RFC 3596)", "이름의 IPv6 주소 (RFC 3596)");
		} else if (type == 15 && rl >= 3) {
			add(c, "dns.mx.preference", "PREFERENCE", "우선순위", rd, 0, 16,
			    "lower is tried first", "낮을수록 먼저 시도");
			if (dns_name(c, o, end, rd + 2, name, sizeof name) &&
			    (f = add(c, "dns.mx.mail_exchange", "EXCHANGE", "교환기", rd + 2, 0,
				     (unsigned)(rl - 2) * 8, "the host that takes mail for the name",
				     "이 이름의 메일을 받는 호스트")))
				snprintf(f->text, sizeof f->text, "%.95s", name);
		} else if (type == 5 && rl) {
			if (dns_name(c, o, end, rd, name, sizeof name) &&
			    (f = add(c, "dns.cname", "CNAME", "CNAME", rd, 0, (unsigned)rl * 8,
				     "the canonical name", "정식 이름")))
				snprintf(f->text, sizeof f->text, "%.95s", name);
		} else if (rl) {
			add(c, "dns.rdata", "RDATA", "RDATA", rd, 0, (unsigned)rl * 8, NULL, NULL);
		}
		p = rd + rl;
	}
rest:
	if (p < end)
		add(c, "dns.rest", "more records", "나머지 레코드", p, 0, (unsigned)(end - p) * 8, NULL, NULL);
}

static void udp(struct ctx *c, size_t o, size_t end)
{
	if (end - o < 8 || new_layer(c, DL_UDP, "UDP", "UDP header (RFC 768)", "UDP 헤더 (RFC 768)", o, 8,
				     end - o) < 0) {
		data(c, o, end, "UDP (cut short)", "UDP (잘림)");
		return;
	}
	add(c, "udp.srcport", "Source Port", "출발지 포트", o, 0, 16, "the sender's port", "보내는 쪽 포트");
	add(c, "udp.dstport", "Destination Port", "목적지 포트", o + 2, 0, 16, "the receiver's port",
	    "받는 쪽 포트");
	add(c, "udp.length", "Length", "길이", o + 4, 0, 16, "header and data, in bytes",
	    "헤더와 데이터의 바이트 수");
	add_hex(c, "udp.checksum", "Checksum", "체크섬", o + 6, 2, "over a pseudo-header, header and data",
		"의사 헤더, 헤더, 데이터에 대한 체크섬");
	uint16_t sp = (uint16_t)(c->p[o] << 8 | c->p[o + 1]), dp = (uint16_t)(c->p[o + 2] << 8 | c->p[o + 3]);
	if (sp == 53 || dp == 53)
		dns(c, o + 8, end);
	else
		data(c, o + 8, end, "UDP data", "UDP 데이터");
}

static void icmp(struct ctx *c, size_t o, size_t end)
{
	if (end - o < 8 || new_layer(c, DL_ICMP, "ICMP", "ICMP message (RFC 792)", "ICMP 메시지 (RFC 792)",
				     o, 8, end - o) < 0) {
		data(c, o, end, "ICMP (cut short)", "ICMP (잘림)");
		return;
	}
	add(c, "icmp.type", "Type", "종류", o, 0, 8, "8 echo request, 0 echo reply, 3 unreachable",
	    "8 에코 요청, 0 에코 응답, 3 도달 불가");
	add(c, "icmp.code", "Code", "코드", o + 1, 0, 8, NULL, NULL);
	add_hex(c, "icmp.checksum", "Checksum", "체크섬", o + 2, 2, NULL, NULL);
	add(c, "icmp.ident", "Identifier", "식별자", o + 4, 0, 16, NULL, NULL);
	add(c, "icmp.seq", "Sequence Number", "순서 번호", o + 6, 0, 16, NULL, NULL);
	data(c, o + 8, end, "ICMP data", "ICMP 데이터");
}

static void ipv4(struct ctx *c, size_t o, size_t end)
{
	if (end - o < 20 || (c->p[o] >> 4) != 4 ||
	    new_layer(c, DL_IPV4, "IPv4", "IPv4 header (RFC 791 3.1)", "IPv4 헤더 (RFC 791 3.1)", o, 20,
		      end - o) < 0) {
		data(c, o, end, "not IPv4", "IPv4 아님");
		return;
	}
	size_t hl = (size_t)(c->p[o] & 0xf) * 4;
	size_t tot = (size_t)(c->p[o + 2] << 8 | c->p[o + 3]);
	if (hl < 20 || o + hl > end)
		hl = 20;
	if (tot >= hl && o + tot <= end)
		end = o + tot;          /* Ethernet padding is not IP's */
	c->dd->layers[c->layer].hdr_len = hl;
	c->dd->layers[c->layer].len = end - o;
	struct demo_field *f;
	add(c, "ip.version", "Version", "버전", o, 0, 4, "4: IPv4", "4: IPv4");
	add(c, "ip.hdr_len", "IHL", "IHL", o, 4, 4, "header length in 32-bit words",
	    "헤더 길이(32비트 워드 수)");
	add(c, "ip.dsfield.dscp", "DSCP", "DSCP", o + 1, 0, 6, "differentiated services (priority)",
	    "차등 서비스(우선순위)");
	add(c, "ip.dsfield.ecn", "ECN", "ECN", o + 1, 6, 2, "explicit congestion notification",
	    "명시적 혼잡 알림");
	add(c, "ip.len", "Total Length", "전체 길이", o + 2, 0, 16, "header and data, in bytes",
	    "헤더와 데이터의 바이트 수");
	add_hex(c, "ip.id", "Identification", "식별자", o + 4, 2,
		"the datagram's number: fragments of one datagram share it",
		"데이터그램 번호: 한 데이터그램의 조각들이 같은 값을 가짐");
	add(c, "ip.flags.rb", "0", "0", o + 6, 0, 1, "reserved: zero", "예약: 0");
	add(c, "ip.flags.df", "DF", "DF", o + 6, 1, 1, "don't fragment", "조각내지 말 것");
	add(c, "ip.flags.mf", "MF", "MF", o + 6, 2, 1, "more fragments follow", "뒤에 조각이 더 있음");
	if ((f = add(c, "ip.frag_offset", "Fragment Offset", "조각 오프셋", o + 6, 3, 13,
		     "where this fragment goes, in units of 8 bytes", "이 조각의 위치 (8바이트 단위)")))
		(void)f;
	add(c, "ip.ttl", "Time to Live", "TTL", o + 8, 0, 8, "hops left: each router takes one",
	    "남은 홉 수: 라우터마다 하나씩 줄임");
	if ((f = add(c, "ip.proto", "Protocol", "프로토콜", o + 9, 0, 8, "6 TCP, 17 UDP, 1 ICMP",
		     "6 TCP, 17 UDP, 1 ICMP"))) {
		/* a known protocol gets its name; any other keeps the number add() wrote
		 * (never snprintf from f->text into itself: overlapping copy) */
		const char *name = f->value == 6 ? "6 (TCP)" : f->value == 17 ? "17 (UDP)" :
				   f->value == 1 ? "1 (ICMP)" : NULL;
		if (name)
			snprintf(f->text, sizeof f->text, "%s", name);
	}
	add_hex(c, "ip.checksum", "Header Checksum", "헤더 체크섬", o + 10, 2,
		"one's complement sum over the header", "헤더에 대한 1의 보수 합");
	add_ip(c, "ip.src", "Source Address", "출발지 주소", o + 12, "the sender", "보내는 쪽");
	add_ip(c, "ip.dst", "Destination Address", "목적지 주소", o + 16, "the receiver", "받는 쪽");
	if (hl > 20)
		add(c, "ip.options", "Options", "옵션", o + 20, 0, (unsigned)(hl - 20) * 8, NULL, NULL);
	bool first_frag = !(c->p[o + 6] & 0x1f) && !c->p[o + 7];
	bool more = c->p[o + 6] & 0x20;
	if (!first_frag || more)
		data(c, o + hl, end, "a fragment", "조각");
	else if (c->p[o + 9] == 6)
		tcp(c, o + hl, end);
	else if (c->p[o + 9] == 17)
		udp(c, o + hl, end);
	else if (c->p[o + 9] == 1)
		icmp(c, o + hl, end);
	else
		data(c, o + hl, end, "IP data", "IP 데이터");
}

static void icmp6(struct ctx *c, size_t o, size_t end)
{
	if (end - o < 8 || new_layer(c, DL_ICMP6, "ICMPv6", "ICMPv6 message (RFC 4443 2.1)",
				     "ICMPv6 메시지 (RFC 4443 2.1)", o, 8, end - o) < 0) {
		data(c, o, end, "ICMPv6 (cut short)", "ICMPv6 (잘림)");
		return;
	}
	uint8_t type = c->p[o];
	add(c, "icmpv6.type", "Type", "종류", o, 0, 8,
	    "128 echo request, 129 echo reply, 135 neighbor solicitation, 136 advertisement",
	    "128 에코 요청, 129 에코 응답, 135 이웃 요청, 136 이웃 광고");
	add(c, "icmpv6.code", "Code", "코드", o + 1, 0, 8, NULL, NULL);
	add_hex(c, "icmpv6.checksum", "Checksum", "체크섬", o + 2, 2,
		"over a pseudo-header with both addresses, and the message",
		"두 주소를 담은 가상 헤더와 메시지에 대한 체크섬");
	if (type == 128 || type == 129) {
		add(c, "icmpv6.echo.identifier", "Identifier", "식별자", o + 4, 0, 16, NULL, NULL);
		add(c, "icmpv6.echo.sequence_number", "Sequence Number", "순서 번호", o + 6, 0, 16,
		    NULL, NULL);
		data(c, o + 8, end, "ICMPv6 data", "ICMPv6 데이터");
		return;
	}
	if ((type == 135 || type == 136) && end - o >= 24) {
		/* the options are part of the message (RFC 4861 4.3, 4.4): drawn with it */
		size_t opt_end = o + 24;
		while (opt_end + 2 <= end && c->p[opt_end + 1] && opt_end + (size_t)c->p[opt_end + 1] * 8 <= end)
			opt_end += (size_t)c->p[opt_end + 1] * 8;
		c->dd->layers[c->layer].hdr_len = opt_end - o;
		if (type == 136) {
			add(c, "icmpv6.nd.na.flag.r", "R", "R", o + 4, 0, 1, "router", "라우터");
			add(c, "icmpv6.nd.na.flag.s", "S", "S", o + 4, 1, 1, "solicited: an answer",
			    "요청에 대한 응답");
			add(c, "icmpv6.nd.na.flag.o", "O", "O", o + 4, 2, 1,
			    "override the cached link address", "캐시된 링크 주소를 덮어씀");
			add(c, "icmpv6.reserved", "Reserved", "예약", o + 4, 3, 29, NULL, NULL);
		} else {
			add(c, "icmpv6.reserved", "Reserved", "예약", o + 4, 0, 32, NULL, NULL);
		}
		add_ip6(c, type == 135 ? "icmpv6.nd.ns.target_address" : "icmpv6.nd.na.target_address",
			"Target Address", "대상 주소", o + 8,
			"the address asked about or announced", "묻거나 알리는 주소");
		for (size_t p = o + 24; p < opt_end; p += (size_t)c->p[p + 1] * 8) {
			uint8_t ot = c->p[p];
			struct demo_field *f = add(c, "icmpv6.opt.type", "Type", "종류", p, 0, 8,
						   "1 source, 2 target link-layer address",
						   "1 보낸 쪽, 2 대상의 링크 계층 주소");
			if (f && (ot == 1 || ot == 2))
				snprintf(f->text, sizeof f->text, "%u (%s)", ot, ot == 1 ? "source" : "target");
			if ((f = add(c, "icmpv6.opt.length", "Length", "길이", p + 1, 0, 8,
				     "the option's length in units of 8 bytes", "옵션 길이 (8바이트 단위)")))
				snprintf(f->text, sizeof f->text, "%u (%u bytes)", c->p[p + 1], c->p[p + 1] * 8u);
			if ((ot == 1 || ot == 2) && c->p[p + 1] == 1)
				add_mac(c, "icmpv6.opt.linkaddr", "Link-Layer Address", "링크 계층 주소", p + 2,
					ot == 1 ? "the sender's MAC: the answer can come straight back"
						: "the MAC of the target address: the answer",
					ot == 1 ? "보낸 쪽의 MAC: 답이 바로 돌아올 수 있음"
						: "대상 주소의 MAC: 질문의 답");
			else if (c->p[p + 1] > 1 || ot > 2)
				add(c, "icmpv6.opt", "option data", "옵션 데이터", p + 2, 0,
				    (unsigned)(c->p[p + 1] * 8 - 2) * 8, NULL, NULL);
		}
		data(c, opt_end, end, "ICMPv6 data", "ICMPv6 데이터");
		return;
	}
	add_hex(c, "icmpv6.body", "Message Body", "메시지 본문", o + 4, 4,
		"MTU of packet too big, pointer of parameter problem",
		"패킷 너무 큼의 MTU, 매개변수 문제의 포인터");
	data(c, o + 8, end, "ICMPv6 data", "ICMPv6 데이터");
}

static void ipv6(struct ctx *c, size_t o, size_t end)
{
	if (end - o < 40 || (c->p[o] >> 4) != 6 ||
	    new_layer(c, DL_IPV6, "IPv6", "IPv6 header (RFC 8200 3)", "IPv6 헤더 (RFC 8200 3)", o, 40,
		      end - o) < 0) {
		data(c, o, end, "not IPv6", "IPv6 아님");
		return;
	}
	size_t plen = (size_t)(c->p[o + 4] << 8 | c->p[o + 5]);
	if (o + 40 + plen <= end)
		end = o + 40 + plen;    /* Ethernet padding is not IP's */
	c->dd->layers[c->layer].len = end - o;
	struct demo_field *f;
	add(c, "ipv6.version", "Version", "버전", o, 0, 4, "6: IPv6", "6: IPv6");
	add(c, "ipv6.tclass", "Traffic Class", "트래픽 클래스", o, 4, 8, "DSCP and ECN, as in IPv4",
	    "IPv4처럼 DSCP와 ECN");
	add(c, "ipv6.flow", "Flow Label", "흐름 레이블", o + 1, 4, 20,
	    "marks the packets of one flow", "한 흐름의 패킷들을 표시");
	add(c, "ipv6.plen", "Payload Length", "페이로드 길이", o + 4, 0, 16,
	    "bytes after this 40-byte header", "40바이트 헤더 뒤의 바이트 수");
	if ((f = add(c, "ipv6.nxt", "Next Header", "다음 헤더", o + 6, 0, 8,
		     "6 TCP, 17 UDP, 58 ICMPv6, 0/43/44/60 extension headers",
		     "6 TCP, 17 UDP, 58 ICMPv6, 0/43/44/60 확장 헤더")) &&
	    (f->value == 6 || f->value == 17 || f->value == 58))
		snprintf(f->text, sizeof f->text, "%s", f->value == 6 ? "6 (TCP)" : f->value == 17 ?
			 "17 (UDP)" : "58 (ICMPv6)");
	add(c, "ipv6.hlim", "Hop Limit", "홉 제한", o + 7, 0, 8, "hops left: each router takes one",
	    "남은 홉 수: 라우터마다 하나씩 줄임");
	add_ip6(c, "ipv6.src", "Source Address", "출발지 주소", o + 8, "the sender", "보내는 쪽");
	add_ip6(c, "ipv6.dst", "Destination Address", "목적지 주소", o + 24, "the receiver", "받는 쪽");
	uint8_t nh = c->p[o + 6];
	if (nh == 6)
		tcp(c, o + 40, end);
	else if (nh == 17)
		udp(c, o + 40, end);
	else if (nh == 58)
		icmp6(c, o + 40, end);
	else
		data(c, o + 40, end, "extension headers and data", "확장 헤더와 데이터");
}

static void arp(struct ctx *c, size_t o, size_t end)
{
	if (end - o < 28 || new_layer(c, DL_ARP, "ARP", "ARP packet (RFC 826)", "ARP 패킷 (RFC 826)", o, 28,
				      28) < 0) {
		data(c, o, end, "ARP (cut short)", "ARP (잘림)");
		return;
	}
	add(c, "arp.hw.type", "Hardware Type", "하드웨어 종류", o, 0, 16, "1: Ethernet", "1: 이더넷");
	add_hex(c, "arp.proto.type", "Protocol Type", "프로토콜 종류", o + 2, 2, "0x0800: IPv4",
		"0x0800: IPv4");
	add(c, "arp.hw.size", "HLEN", "HLEN", o + 4, 0, 8, "6: a MAC address", "6: MAC 주소");
	add(c, "arp.proto.size", "PLEN", "PLEN", o + 5, 0, 8, "4: an IPv4 address", "4: IPv4 주소");
	add(c, "arp.opcode", "Operation", "동작", o + 6, 0, 16, "1 request, 2 reply", "1 요청, 2 응답");
	add_mac(c, "arp.src.hw_mac", "Sender MAC", "보낸 쪽 MAC", o + 8, NULL, NULL);
	add_ip(c, "arp.src.proto_ipv4", "Sender IP", "보낸 쪽 IP", o + 14, NULL, NULL);
	add_mac(c, "arp.dst.hw_mac", "Target MAC", "대상 MAC", o + 18, "zero in a request: unknown",
		"요청에서는 0: 모름");
	add_ip(c, "arp.dst.proto_ipv4", "Target IP", "대상 IP", o + 24, "the address asked about",
	       "묻는 주소");
	if (end > o + 28)
		data(c, o + 28, end, "Ethernet padding", "이더넷 채움");
}

void demo_dissect(const uint8_t *frame, size_t len, struct demo_dissection *out)
{
	struct ctx c = { frame, len, out, 0 };
	memset(out, 0, sizeof *out);
	if (len < 14 || new_layer(&c, DL_ETH, "Ethernet", "Ethernet header (IEEE 802.3, RFC 894)",
				  "이더넷 헤더 (IEEE 802.3, RFC 894)", 0, 14, len) < 0) {
		data(&c, 0, len, "not Ethernet", "이더넷 아님");
		return;
	}
	add_mac(&c, "eth.dst", "Destination MAC", "목적지 MAC", 0, "the next hop's MAC (ff:..: all)",
		"다음 홉의 MAC (ff:..: 모두)");
	add_mac(&c, "eth.src", "Source MAC", "출발지 MAC", 6, "the sender's MAC", "보내는 쪽 MAC");
	struct demo_field *t = add_hex(&c, "eth.type", "EtherType", "EtherType", 12, 2,
				       "0x0800 IPv4, 0x0806 ARP, 0x86dd IPv6",
				       "0x0800 IPv4, 0x0806 ARP, 0x86dd IPv6");
	uint16_t type = t ? (uint16_t)t->value : 0;
	if (type == 0x0800)
		ipv4(&c, 14, len);
	else if (type == 0x0806)
		arp(&c, 14, len);
	else if (type == 0x86dd)
		ipv6(&c, 14, len);
	else
		data(&c, 14, len, "Ethernet data", "이더넷 데이터");
}

const struct demo_field *demo_dissect_find(const struct demo_dissection *dd, const char *key)
{
	for (int i = 0; i < dd->n; i++)
		if (!strcmp(dd->f[i].key, key))
			return &dd->f[i];
	return NULL;
}
