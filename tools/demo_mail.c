/* demo_mail.c - `ustack demo --scenario mail`: a mailer sends one message to
 * bob@example.test. It finds the domain's mail server the way RFC 5321 5.1 says: the
 * MX record of example.test (its own DNS question over a UDP socket, since the stack's
 * resolver answers addresses only, as res_query(3) sits beside getaddrinfo), then the A
 * record of the exchanger (gethostbyname); then, over TCP port 25, the SMTP dialogue:
 * greeting, EHLO, MAIL FROM, RCPT TO, DATA and the message, QUIT. The server is
 * smtpd.c on its own stack, "mail" 10.0.2.25, behind the router. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "ustack/socket.h"
#include "ustack/netdb.h"
#include "demo.h"
#include "demo_mail.h"

/* --- the MX question, by hand --- */

static int put_name(uint8_t *b, size_t cap, const char *name)
{
	size_t n = 0;
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (!l || l > 63 || n + l + 2 > cap)
			return -1;
		b[n++] = (uint8_t)l;
		memcpy(b + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	b[n++] = 0;
	return (int)n;
}

/* A name at off (pointers followed, at most 16); returns the offset after it in place. */
static size_t get_name(const uint8_t *m, size_t len, size_t off, char *out, size_t cap)
{
	size_t n = 0, after = 0;
	int hops = 0;
	out[0] = '\0';
	while (off < len) {
		uint8_t l = m[off];
		if (!l) {
			return after ? after : off + 1;
		}
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= len || ++hops > 16)
				return 0;
			if (!after)
				after = off + 2;
			off = ((size_t)(l & 0x3f) << 8) | m[off + 1];
			continue;
		}
		if (l > 63 || off + 1 + l > len || n + l + 2 > cap)
			return 0;
		if (n)
			out[n++] = '.';
		memcpy(out + n, m + off + 1, l);
		n += l;
		out[n] = '\0';
		off += 1 + l;
	}
	return 0;
}

/* The MX of the answer with the lowest preference; 0 if there is one. */
static int best_mx(const uint8_t *m, size_t len, uint16_t id, char *exch, size_t cap, uint16_t *pref,
		   int *rcode)
{
	char name[256];
	if (len < 12 || (m[0] << 8 | m[1]) != id || !(m[2] & 0x80))
		return -1;
	*rcode = m[3] & 0xf;
	unsigned qd = (unsigned)(m[4] << 8 | m[5]), an = (unsigned)(m[6] << 8 | m[7]);
	size_t p = 12;
	for (unsigned i = 0; i < qd; i++) {
		p = get_name(m, len, p, name, sizeof name);
		if (!p || p + 4 > len)
			return -1;
		p += 4;
	}
	int found = -1;
	for (unsigned i = 0; i < an; i++) {
		p = get_name(m, len, p, name, sizeof name);
		if (!p || p + 10 > len)
			return -1;
		uint16_t type = (uint16_t)(m[p] << 8 | m[p + 1]);
		size_t rdlen = (size_t)(m[p + 8] << 8 | m[p + 9]), rd = p + 10;
		if (rd + rdlen > len)
			return -1;
		if (type == 15 && rdlen >= 3) {
			uint16_t pr = (uint16_t)(m[rd] << 8 | m[rd + 1]);
			char ex[256];
			if (get_name(m, len, rd + 2, ex, sizeof ex) && (found < 0 || pr < *pref)) {
				*pref = pr;
				snprintf(exch, cap, "%s", ex);
				found = 0;
			}
		}
		p = rd + rdlen;
	}
	return found;
}

static int query_mx(struct demo *d)
{
	uint8_t q[300], a[1500];
	struct ustack *st = d->st[0];
	uint16_t id = (uint16_t)(d->seed ? d->seed * 7919 : ustack_clock_us() ^ (uint64_t)getpid());
	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01;                 /* RD */
	q[5] = 1;                    /* one question */
	int n = put_name(q + 12, sizeof q - 16, d->host);
	if (n < 0)
		return -1;
	size_t ql = 12 + (size_t)n;
	q[ql++] = 0;
	q[ql++] = 15;                /* MX */
	q[ql++] = 0;
	q[ql++] = 1;                 /* IN */
	d->mx_id = id;
	int fd = ustack_socket(st, AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = { 1, 0 };
	ustack_setsockopt(st, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(53);
	sa.sin_addr = d->dns;
	int rc = -1, tries = d->loss > 0 ? 8 : 3;
	for (int t = 0; t < tries && rc < 0; t++) {
		if (ustack_sendto(st, fd, q, ql, 0, (struct sockaddr *)&sa, sizeof sa) < 0)
			break;
		for (;;) {
			ssize_t r = ustack_recv(st, fd, a, sizeof a, 0);
			if (r < 0)
				break;                  /* timeout: ask again */
			int rcode = 0;
			if (best_mx(a, (size_t)r, id, d->exchanger, sizeof d->exchanger, &d->mx_pref,
				    &rcode) == 0) {
				rc = 0;
				break;
			}
			if ((size_t)r >= 12 && (a[0] << 8 | a[1]) == id) {
				d->mx_rcode = rcode;
				t = tries;              /* an answer without MX: no use asking again */
				break;
			}
		}
	}
	ustack_close(st, fd);
	return rc;
}

int demo_mail_resolve(struct demo *d)
{
	char a[16];
	SAY(d, "  The mailer has an address, bob@%s; it needs the host that takes mail for\n"
	       "  %s. RFC 5321 5.1: ask DNS for the domain's MX record, then for the address of\n"
	       "  the exchanger it names. The stack's resolver answers addresses only (getaddrinfo),\n"
	       "  so the mailer writes its own MX question and sends it over a UDP socket, as\n"
	       "  res_query(3) does; then it calls gethostbyname for the exchanger.\n\n",
	    "  메일러가 가진 것은 주소 bob@%s 입니다. 필요한 것은 %s 의 메일을 받는 호스트입니다.\n"
	    "  RFC 5321 5.1: DNS에 그 도메인의 MX 레코드를 묻고, 거기 적힌 교환기의 주소를 다시\n"
	    "  묻습니다. 스택의 리졸버는 주소만 답하므로(getaddrinfo) 메일러는 MX 질문을 직접 만들어\n"
	    "  UDP 소켓으로 보냅니다(res_query(3)처럼). 그다음 교환기의 주소를 gethostbyname으로 묻습니다.\n\n",
	    d->host, d->host);
	d->marks[DEMO_STEP_RESOLVE].from = demo_log_count(&d->log);
	d->marks[DEMO_STEP_RESOLVE].t_from = ustack_clock_us();
	int rc = query_mx(d);
	if (rc == 0) {
		int herr = 0;
		struct hostent *he = ustack_gethostbyname(d->st[0], d->exchanger, &herr);
		if (he && he->h_addrtype == AF_INET && he->h_addr_list && he->h_addr_list[0])
			memcpy(&d->server, he->h_addr_list[0], sizeof d->server);
	}
	d->marks[DEMO_STEP_RESOLVE].t_ret = ustack_clock_us();
	demo_settle(d, 30, 300);
	d->marks[DEMO_STEP_RESOLVE].to = demo_log_count(&d->log);
	d->marks[DEMO_STEP_RESOLVE].t_to = ustack_clock_us();
	d->marks[DEMO_STEP_RESOLVE].done = true;
	demo_print_step(d, DEMO_STEP_RESOLVE);
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "ustack demo: no MX record for %s (rcode %d)\n", d->host, d->mx_rcode);
		return -1;
	}
	if (!d->server.s_addr) {
		fflush(stdout);
		fprintf(stderr, "ustack demo: gethostbyname(\"%s\") failed\n", d->exchanger);
		return -1;
	}
	SAY(d, "  MX %s -> preference %u, exchanger %s; gethostbyname(\"%s\") -> %s\n",
	    "  MX %s -> 우선순위 %u, 교환기 %s; gethostbyname(\"%s\") -> %s\n", d->host, d->mx_pref,
	    d->exchanger, d->exchanger, demo_ip(d->server, a));
	return 0;
}

/* --- the SMTP dialogue --- */

struct reader {
	char buf[4096];
	size_t len;
};

static void transcript(struct demo *d, char who, const char *line, size_t n)
{
	size_t used = d->smtp_log_len;
	if (used + n + 8 >= sizeof d->smtp_log)
		return;
	used += (size_t)snprintf(d->smtp_log + used, sizeof d->smtp_log - used, "    %c: %.*s\n", who,
				 (int)n, line);
	d->smtp_log_len = used;
}

/* One reply (all its lines, RFC 5321 4.2.1); returns its code or -1. */
static int read_reply(struct demo *d, struct reader *r)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		if (nl) {
			size_t n = (size_t)(nl - r->buf) + 1, k = n - 1;
			if (k && r->buf[k - 1] == '\r')
				k--;
			transcript(d, 'S', r->buf, k);
			int code = -1;
			bool last = true;
			if (k >= 3 && r->buf[0] >= '2' && r->buf[0] <= '5') {
				code = (r->buf[0] - '0') * 100 + (r->buf[1] - '0') * 10 + (r->buf[2] - '0');
				last = k == 3 || r->buf[3] != '-';
			}
			memmove(r->buf, r->buf + n, r->len - n);
			r->len -= n;
			if (code < 0 || last)
				return code;
			continue;
		}
		if (r->len == sizeof r->buf)
			return -1;
		ssize_t got = ustack_recv(d->st[0], d->fd, r->buf + r->len, sizeof r->buf - r->len, 0);
		if (got <= 0)
			return -1;
		r->len += (size_t)got;
	}
}

static int command(struct demo *d, struct reader *r, const char *cmd, int want)
{
	char line[600];
	int n = snprintf(line, sizeof line, "%s\r\n", cmd);
	if (n < 0 || (size_t)n >= sizeof line)
		return -1;
	transcript(d, 'C', cmd, strlen(cmd));
	if (ustack_send(d->st[0], d->fd, line, (size_t)n, 0) != n)
		return -1;
	int code = read_reply(d, r);
	return code == want ? code : -1;
}

int demo_mail_smtp(struct demo *d)
{
	struct reader *r = calloc(1, sizeof *r);
	char msg[1200], date[64];
	if (!r)
		return -1;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	int ml = snprintf(msg, sizeof msg,
		"From: Alice <alice@client.test>\r\nTo: Bob <bob@%s>\r\nSubject: Hello from ustack\r\n"
		"Date: %s\r\nMessage-ID: <demo.%llu@client.test>\r\n\r\n"
		"Bob,\r\n\r\nthis message went from the mailer on 10.0.1.10 to the mail server %s,\r\n"
		"found through the MX record of %s, through the router, over TCP port 25.\r\n"
		".A line that starts with a dot is sent with one more (RFC 5321 4.5.2).\r\n\r\nAlice\r\n",
		d->host, date, (unsigned long long)now, d->exchanger, d->host);
	if (ml < 0 || (size_t)ml >= sizeof msg) {
		free(r);
		return -1;
	}
	SAY(d, "  The mailer and the server take turns: each command is one line, each reply a\n"
	       "  three-digit code (2xx done, 3xx go on, 4xx/5xx refused). C: is the mailer, S: the server.\n\n",
	    "  메일러와 서버가 번갈아 말합니다: 명령은 한 줄, 응답은 세 자리 코드입니다(2xx 완료,\n"
	    "  3xx 계속, 4xx/5xx 거절). C:는 메일러, S:는 서버입니다.\n\n");
	d->marks[DEMO_STEP_HTTP].from = demo_log_count(&d->log);
	d->marks[DEMO_STEP_HTTP].t_from = ustack_clock_us();
	char cmd[300];
	int rc = -1;
	d->smtp_greeting = read_reply(d, r);
	if (d->smtp_greeting == 220 && command(d, r, "EHLO client.test", 250) > 0) {
		snprintf(cmd, sizeof cmd, "MAIL FROM:<alice@client.test>");
		if (command(d, r, cmd, 250) > 0) {
			snprintf(cmd, sizeof cmd, "RCPT TO:<bob@%s>", d->host);
			if (command(d, r, cmd, 250) > 0 && command(d, r, "DATA", 354) > 0) {
				/* the text, dot-stuffed, and the line with a lone dot */
				char out[1400];
				size_t o = 0;
				for (int i = 0; i < ml && o + 4 < sizeof out; i++) {
					if (msg[i] == '.' && (i == 0 || msg[i - 1] == '\n'))
						out[o++] = '.';
					out[o++] = msg[i];
				}
				memcpy(out + o, ".\r\n", 3);
				o += 3;
				transcript(d, 'C', "(the message: headers, a blank line, the text)", 47);
				transcript(d, 'C', ".", 1);
				d->smtp_msg_len = (size_t)ml;
				if (ustack_send(d->st[0], d->fd, out, o, 0) == (ssize_t)o) {
					d->smtp_data = read_reply(d, r);
					if (d->smtp_data == 250) {
						d->smtp_quit = command(d, r, "QUIT", 221);
						rc = d->smtp_quit == 221 ? 0 : -1;
					}
				}
			}
		}
	}
	d->marks[DEMO_STEP_HTTP].t_ret = ustack_clock_us();
	demo_settle(d, 250, 1000);
	d->marks[DEMO_STEP_HTTP].to = demo_log_count(&d->log);
	d->marks[DEMO_STEP_HTTP].t_to = ustack_clock_us();
	d->marks[DEMO_STEP_HTTP].done = true;
	demo_print_step(d, DEMO_STEP_HTTP);
	free(r);
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "ustack demo: the SMTP dialogue failed\n");
	}
	return rc;
}

/* --- what it meant --- */

static size_t count_data(const struct demo *d, const struct demo_step_view *v, bool tx)
{
	size_t n = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct demo_ev *e = v->ev[i];
		if (e->decoded && e->host == d->h_client && e->fi.is_tcp && e->fi.payload_len &&
		    (e->kind == USTACK_TRACE_TX) == tx && (tx || demo_is_client_mac(d, e->fi.eth_dst)))
			n++;
	}
	return n;
}

void demo_mail_explain(struct demo *d, int step, const struct demo_step_view *v)
{
	if (step == DEMO_STEP_RESOLVE) {
		const struct demo_ev *mxq = NULL, *mxa = NULL, *aq = NULL, *aa = NULL;
		for (size_t i = 0; i < v->n; i++) {
			const struct demo_ev *e = v->ev[i];
			if (!e->decoded || !e->fi.is_dns || e->host != d->h_client)
				continue;
			bool resp = e->fi.dns_flags & 0x8000;
			if (e->kind == USTACK_TRACE_TX && !resp && e->fi.dns_qtype == 15 && !mxq)
				mxq = e;
			else if (e->kind == USTACK_TRACE_RX && resp && e->fi.dns_qtype == 15 && !mxa)
				mxa = e;
			else if (e->kind == USTACK_TRACE_TX && !resp && e->fi.dns_qtype == 1 && !aq)
				aq = e;
			else if (e->kind == USTACK_TRACE_RX && resp && e->fi.dns_qtype == 1 && !aa)
				aa = e;
		}
		char a[16];
		SAY(d, "\n  What happened, layer by layer:\n", "\n  계층별로 일어난 일:\n");
		if (mxq)
			SAY(d, "  · DNS, question 1: id 0x%04x, QTYPE MX (15) for %s, from UDP port %u to %s port 53.\n",
			    "  · DNS 질문 1: id 0x%04x, %s 의 MX(15) 레코드를 UDP 포트 %u에서 %s 의 53번 포트로 묻습니다.\n",
			    mxq->fi.dns_id, mxq->fi.dns_qname, mxq->fi.sport, demo_ip(mxq->fi.ip_dst, a));
		if (mxa)
			SAY(d, "    The answer (same id) names the exchanger: MX %u %s. A domain can list several,\n"
			       "    tried from the lowest preference up; it carries no address.\n",
			    "    (같은 id의) 응답이 교환기를 알려 줍니다: MX %u %s. 도메인은 여러 개를 둘 수 있고\n"
			    "    우선순위가 낮은 것부터 시도합니다. 주소는 들어 있지 않습니다.\n", d->mx_pref, d->exchanger);
		if (aq)
			SAY(d, "  · DNS, question 2: the resolver (gethostbyname) asks id 0x%04x, A for %s.\n",
			    "  · DNS 질문 2: 리졸버(gethostbyname)가 id 0x%04x로 %s 의 A 레코드를 묻습니다.\n",
			    aq->fi.dns_id, aq->fi.dns_qname);
		if (aa && aa->fi.dns_n_a)
			SAY(d, "    The answer: A %s, ttl %u. Now TCP has an address to connect to, port 25.\n",
			    "    응답: A %s, ttl %u. 이제 TCP가 연결할 주소가 생겼습니다. 포트는 25입니다.\n",
			    demo_ip(aa->fi.dns_a[0], a), aa->fi.dns_a_ttl[0]);
		if (!mxq)
			SAY(d, "  · no MX question on the wire.\n", "  · 선로에 MX 질문이 없습니다.\n");
		return;
	}
	if (step != DEMO_STEP_HTTP)
		return;
	SAY(d, "\n  The dialogue (what each side wrote on the connection):\n",
	    "\n  대화 (양쪽이 연결에 쓴 내용):\n");
	demo_out(d, "%s", d->smtp_log);
	SAY(d, "\n  What happened, layer by layer:\n", "\n  계층별로 일어난 일:\n");
	SAY(d, "  · SMTP (RFC 5321): 220 is the greeting; EHLO names the mailer and the 250 lines list\n"
	       "    what the server supports; MAIL FROM and RCPT TO are the envelope (who sends, who\n"
	       "    gets: the server reads these, not the From:/To: lines of the message); DATA's 354\n"
	       "    says \"go on\"; the message (%zu bytes: headers, a blank line, the text, RFC 5322)\n"
	       "    ends with a line holding one dot; 250 says the server took it (%d); QUIT, %d.\n",
	    "  · SMTP (RFC 5321): 220은 인사, EHLO는 메일러의 이름이고 250 줄들은 서버가 지원하는\n"
	    "    기능입니다. MAIL FROM과 RCPT TO는 봉투입니다(보내는 이, 받는 이: 서버는 메시지의\n"
	    "    From:/To: 줄이 아니라 이것을 봅니다). DATA에 대한 354는 \"계속하라\"입니다. 메시지\n"
	    "    (%zu바이트: 헤더, 빈 줄, 본문, RFC 5322)는 점 하나뿐인 줄로 끝납니다. 250은 서버가\n"
	    "    받았다는 뜻이고(%d), QUIT에는 %d입니다.\n",
	    d->smtp_msg_len, d->smtp_data, d->smtp_quit);
	SAY(d, "  · TCP: the mailer sent %zu segments with data, the server %zu; each command waits for\n"
	       "    its reply, so the two take turns (a lock-step exchange: one round trip per command).\n",
	    "  · TCP: 메일러가 데이터 세그먼트 %zu개, 서버가 %zu개를 보냈습니다. 명령마다 응답을\n"
	    "    기다리므로 둘이 번갈아 보냅니다(명령마다 왕복 한 번).\n",
	    count_data(d, v, true), count_data(d, v, false));
}

void demo_mail_summary(struct demo *d, FILE *o)
{
	char a[16];
	if (d->smtp_quit == 221)
		fprintf(o, "  bob@%s -> MX %s -> %s -> SMTP 250 after DATA (%zu %s), 221 after QUIT\n",
			d->host, d->exchanger, demo_ip(d->server, a), d->smtp_msg_len,
			demo_tr(d, "bytes of message", "바이트 메시지"));
	else
		fprintf(o, "  bob@%s: %s\n", d->host, demo_tr(d, "not delivered", "전달 못 함"));
}
