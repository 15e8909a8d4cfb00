/* demo_explain.c - what a step's frames mean, told from the frames themselves: the
 * resolver's socket and ARP before the DNS query, the query's id and the answer's records,
 * the handshake's sequence numbers and options, the router's forwarding, segments, ACKs
 * and windows of the HTTP exchange, who closed first and TIME_WAIT; and the summary.
 * Every number is read from a decoded frame (demo_log) or the stack's tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "ustack/dev.h"
#include "ustack/socket.h"
#include "demo.h"

typedef bool (*ev_pred)(const struct demo *d, const struct demo_ev *e);

static const struct demo_ev *find(const struct demo *d, const struct demo_step_view *v, size_t from,
				  ev_pred p)
{
	for (size_t i = from; i < v->n; i++)
		if (v->ev[i]->decoded && p(d, v->ev[i]))
			return v->ev[i];
	return NULL;
}

static size_t count(const struct demo *d, const struct demo_step_view *v, ev_pred p)
{
	size_t n = 0;
	for (size_t i = 0; i < v->n; i++)
		n += v->ev[i]->decoded && p(d, v->ev[i]);
	return n;
}

static bool c_tx(const struct demo *d, const struct demo_ev *e)
{
	return e->host == d->h_client && e->kind == USTACK_TRACE_TX;
}
static bool c_rx(const struct demo *d, const struct demo_ev *e)
{
	return e->host == d->h_client && e->kind == USTACK_TRACE_RX &&
	       (demo_is_client_mac(d, e->fi.eth_dst) || demo_mac_is_bcast(e->fi.eth_dst));
}
static bool tx_arp_req(const struct demo *d, const struct demo_ev *e)
{
	return c_tx(d, e) && e->fi.is_arp && e->fi.arp_op == 1;
}
static bool rx_arp_rep(const struct demo *d, const struct demo_ev *e)
{
	return c_rx(d, e) && e->fi.is_arp && e->fi.arp_op == 2;
}
static bool tx_dns_q(const struct demo *d, const struct demo_ev *e)
{
	return c_tx(d, e) && e->fi.is_dns && !(e->fi.dns_flags & 0x8000);
}
static bool rx_dns_a(const struct demo *d, const struct demo_ev *e)
{
	return c_rx(d, e) && e->fi.is_dns && (e->fi.dns_flags & 0x8000);
}
static bool tx_syn(const struct demo *d, const struct demo_ev *e)
{
	return c_tx(d, e) && e->fi.is_tcp && (e->fi.tcp_flags & 0x12) == 0x02;
}
static bool rx_synack(const struct demo *d, const struct demo_ev *e)
{
	return c_rx(d, e) && e->fi.is_tcp && (e->fi.tcp_flags & 0x12) == 0x12;
}
static bool tx_pure_ack(const struct demo *d, const struct demo_ev *e)
{
	return c_tx(d, e) && e->fi.is_tcp && (e->fi.tcp_flags & 0x17) == 0x10 && !e->fi.payload_len;
}
static bool rx_rst(const struct demo *d, const struct demo_ev *e)
{
	return c_rx(d, e) && e->fi.is_tcp && (e->fi.tcp_flags & 0x04);
}
static bool tx_data(const struct demo *d, const struct demo_ev *e)
{
	return c_tx(d, e) && e->fi.is_tcp && e->fi.payload_len;
}
static bool rx_data(const struct demo *d, const struct demo_ev *e)
{
	return c_rx(d, e) && e->fi.is_tcp && e->fi.payload_len;
}
static bool tx_tcp(const struct demo *d, const struct demo_ev *e)
{
	return c_tx(d, e) && e->fi.is_tcp;
}
static bool rx_tcp(const struct demo *d, const struct demo_ev *e)
{
	return c_rx(d, e) && e->fi.is_tcp;
}
static bool tx_fin(const struct demo *d, const struct demo_ev *e)
{
	return c_tx(d, e) && e->fi.is_tcp && (e->fi.tcp_flags & 0x01);
}
static bool rx_fin(const struct demo *d, const struct demo_ev *e)
{
	return c_rx(d, e) && e->fi.is_tcp && (e->fi.tcp_flags & 0x01);
}
static bool router_fwd(const struct demo *d, const struct demo_ev *e)
{
	return e->host == d->h_router && e->kind == USTACK_TRACE_TX && e->forwarded;
}
static bool router_arp(const struct demo *d, const struct demo_ev *e)
{
	return e->host == d->h_router && e->kind == USTACK_TRACE_TX &&
	       ((e->fi.is_arp && e->fi.arp_op == 1) || demo_is_ns(&e->fi));
}
/* A TCP segment its sender sent again (not the router's copy of it). */
static bool any_retrans(const struct demo *d, const struct demo_ev *e)
{
	(void)d;
	return e->kind == USTACK_TRACE_TX && e->retrans && !e->forwarded && e->fi.is_tcp;
}

/* Is a on the client's own subnet? */
static bool on_link(const struct demo *d, struct in_addr a)
{
	uint32_t mask = d->prefix ? htonl(~0u << (32 - d->prefix)) : 0;
	return (a.s_addr & mask) == (d->addr.s_addr & mask);
}

static void explain_arp(struct demo *d, const struct demo_step_view *v, struct in_addr target)
{
	char a[16], b[16], m[18], net[16];
	const struct demo_ev *rq = find(d, v, 0, tx_arp_req);
	const struct demo_ev *rp = find(d, v, 0, rx_arp_rep);
	struct in_addr netaddr = { d->addr.s_addr & (d->prefix ? htonl(~0u << (32 - d->prefix)) : 0) };
	if (!rq) {
		SAY(d, "  · ARP: the client already knew the MAC address for %s: no ARP this time.\n",
		    "  · ARP: 클라이언트가 %s의 MAC 주소를 이미 알고 있어 이번에는 ARP가 없습니다.\n",
		    demo_ip(target, a));
		return;
	}
	if (on_link(d, target))
		SAY(d, "  · ARP: %s is on the client's own subnet %s/%d, so the datagram goes to it directly;\n"
		       "    first the client broadcast \"who-has %s\" (eth dst ff:ff:ff:ff:ff:ff).\n",
		    "  · ARP: 주소 %s는 클라이언트와 같은 서브넷 %s/%d에 있으므로 데이터그램은 그쪽으로 바로\n"
		    "    갑니다. 먼저 클라이언트가 \"who-has %s\" 요청을 브로드캐스트했습니다(eth dst ff:ff:ff:ff:ff:ff).\n",
		    demo_ip(target, a), demo_ip(netaddr, net), d->prefix, demo_ip(rq->fi.arp_tpa, b));
	else
		SAY(d, "  · ARP: %s is not on the client's subnet %s/%d, so the datagram goes to the gateway;\n"
		       "    first the client broadcast \"who-has %s\" to learn the gateway's MAC address.\n",
		    "  · ARP: 주소 %s는 클라이언트의 서브넷 %s/%d 밖에 있으므로 데이터그램은 게이트웨이로 갑니다.\n"
		    "    먼저 클라이언트가 \"who-has %s\" 요청을 브로드캐스트해 게이트웨이의 MAC 주소를 물었습니다.\n",
		    demo_ip(target, a), demo_ip(netaddr, net), d->prefix, demo_ip(rq->fi.arp_tpa, b));
	if (rp) {
		demo_fmt_mac(rp->fi.arp_sha, m);
		SAY(d, "    The reply came %.3f ms later: %s is-at %s. The client keeps it in its neighbour cache:\n",
		    "    %.3f ms 뒤 응답이 왔습니다: %s is-at %s. 클라이언트는 이를 이웃 캐시에 둡니다:\n",
		    (double)(rp->t - rq->t) / 1000.0, demo_ip(rp->fi.arp_spa, b), m);
		demo_print_neighbours(d);
	}
}

static void explain_resolve(struct demo *d, const struct demo_step_view *v)
{
	char b[16], t[16];
	const struct demo_ev *q = find(d, v, 0, tx_dns_q);
	const struct demo_ev *an = find(d, v, 0, rx_dns_a);
	size_t nq = count(d, v, tx_dns_q);

	SAY(d, "\n  What happened, layer by layer:\n", "\n  계층별로 일어난 일:\n");
	const struct demo_ev *so = NULL;
	for (size_t i = 0; i < v->n && !so; i++)
		if (v->ev[i]->host == d->h_client && v->ev[i]->kind == USTACK_TRACE_STATE &&
		    !strcmp(v->ev[i]->subsystem, "socket"))
			so = v->ev[i];
	char dst[INET6_ADDRSTRLEN];
	if (q && q->fi.is_ipv6)
		demo_ip6(&q->fi.ip6_dst, dst);
	else if (q)
		demo_ip(q->fi.ip_dst, dst);
	if (q && so)
		SAY(d, "  · socket library: the resolver opened a UDP socket (descriptor %d, local port %u,\n"
		       "    chosen by the stack), sent its question to %s port %u, and closed it at the end.\n",
		    "  · 소켓 라이브러리: 리졸버가 UDP 소켓을 열어(디스크립터 %d, 로컬 포트 %u, 스택이 고름)\n"
		    "    %s의 %u번 포트로 질문을 보내고, 끝나자 닫았습니다.\n",
		    so->object, q->fi.sport, dst, q->fi.dport);
	else if (q)
		SAY(d, "  · socket library: the resolver opened a UDP socket (local port %u, chosen by the stack)\n"
		       "    and sent its question to %s port %u.\n",
		    "  · 소켓 라이브러리: 리졸버가 UDP 소켓을 열고(로컬 포트 %u, 스택이 고름)\n"
		    "    %s의 %u번 포트로 질문을 보냈습니다.\n",
		    q->fi.sport, dst, q->fi.dport);
	if (q && q->fi.is_ipv6)
		demo_explain_nd(d, v, &q->fi.ip6_dst);
	else
		explain_arp(d, v, q ? q->fi.ip_dst : d->dns);
	if (!q) {
		SAY(d, "  · DNS: no query on the wire (the answer came from the resolver's cache or hosts table).\n",
		    "  · DNS: 선로에 질의가 없습니다(리졸버의 캐시나 hosts 표에서 답을 얻음).\n");
		return;
	}
	SAY(d, "  · DNS: query id 0x%04x asks for the %s record of %s.\n",
	    "  · DNS: 질의(id 0x%04x)는 %s의 %s 레코드를 묻습니다.\n", q->fi.dns_id,
	    d->ko ? q->fi.dns_qname : demo_qtype_name(q->fi.dns_qtype, t),
	    d->ko ? demo_qtype_name(q->fi.dns_qtype, t) : q->fi.dns_qname);
	if (q->fi.dns_qtype == 28)
		SAY(d, "    AAAA (\"quad A\", RFC 3596) is the record of an IPv6 address: 128 bits, four times A's 32.\n",
		    "    AAAA(\"쿼드 A\", RFC 3596)는 IPv6 주소의 레코드입니다: A의 32비트의 네 배인 128비트.\n");
	if (nq > 1)
		SAY(d, "    The query was sent %zu times: when no answer comes in time, the resolver asks again.\n",
		    "    질의가 %zu번 나갔습니다: 제때 답이 없으면 리졸버가 다시 묻습니다.\n", nq);
	if (!an) {
		SAY(d, "    No answer arrived.\n", "    답이 오지 않았습니다.\n");
		return;
	}
	int rcode = an->fi.dns_flags & 0xf;
	struct in6_addr a6;
	uint32_t ttl6 = 0;
	if (!rcode && an->fi.dns_qtype == 28 && demo_dns_aaaa(an, &a6, &ttl6) > 0) {
		char b6[INET6_ADDRSTRLEN];
		SAY(d, "    The answer carries the same id 0x%04x (that is how the resolver knows it is the answer\n"
		       "    to its question) and %u record(s): %s AAAA %s, TTL %u s (how long it may be cached).\n",
		    "    답에도 같은 id(0x%04x)가 있고(그래서 리졸버는 이것이 자기 질문의 답인 줄 압니다)\n"
		    "    레코드 %u개: %s AAAA %s, TTL %u초(캐시에 둘 수 있는 시간).\n",
		    an->fi.dns_id, an->fi.dns_ancount, an->fi.dns_qname, demo_ip6(&a6, b6), ttl6);
		SAY(d, "    The round trip took %.3f ms.\n", "    왕복에 %.3f ms 걸렸습니다.\n",
		    (double)(an->t - q->t) / 1000.0);
		return;
	}
	if (rcode || !an->fi.dns_n_a) {
		SAY(d, "    The answer (id 0x%04x) says %s: no address.\n",
		    "    답(id 0x%04x)은 %s: 주소가 없습니다.\n", an->fi.dns_id, demo_rcode_name(rcode));
		return;
	}
	SAY(d, "    The answer carries the same id 0x%04x (that is how the resolver knows it is the answer\n"
	       "    to its question) and %u record(s): %s A %s, TTL %u s (how long it may be cached).\n",
	    "    답에도 같은 id(0x%04x)가 있고(그래서 리졸버는 이것이 자기 질문의 답인 줄 압니다)\n"
	    "    레코드 %u개: %s A %s, TTL %u초(캐시에 둘 수 있는 시간).\n",
	    an->fi.dns_id, an->fi.dns_ancount, an->fi.dns_qname, demo_ip(an->fi.dns_a[0], b),
	    an->fi.dns_a_ttl[0]);
	SAY(d, "    The round trip took %.3f ms.\n", "    왕복에 %.3f ms 걸렸습니다.\n",
	    (double)(an->t - q->t) / 1000.0);
}

/* The window scale each side announced, if both did (RFC 7323: else none applies). */
static void wscales(const struct demo_ev *syn, const struct demo_ev *synack, int *cs, int *ss)
{
	*cs = *ss = -1;
	if (syn && synack && syn->fi.tcp_has_wscale && synack->fi.tcp_has_wscale) {
		*cs = syn->fi.tcp_wscale;
		*ss = synack->fi.tcp_wscale;
	}
}

static void explain_options(struct demo *d, const struct demo_ev *e, const char *who_en,
			    const char *who_ko)
{
	char opts[160];
	demo_tcp_options(&e->fi, opts, sizeof opts);
	if (!opts[0])
		return;
	SAY(d, "    %s options <%s>:\n", "    %s의 옵션 <%s>:\n", demo_tr(d, who_en, who_ko), opts);
	if (e->fi.tcp_has_mss && e->fi.is_ipv6)
		SAY(d, "      mss %u: the largest segment it accepts (MTU 1500 - 40 IPv6 - 20 TCP = 1440: the IPv6\n"
		       "      header is a fixed 40 bytes, twice IPv4's 20, most of it two 128-bit addresses)\n",
		    "      mss %u: 받을 수 있는 가장 큰 세그먼트 (MTU 1500 - IPv6 40 - TCP 20 = 1440: IPv6 헤더는\n"
		    "      128비트 주소 두 개가 들어가는 고정 40바이트로, IPv4 헤더의 20바이트보다 깁니다)\n",
		    e->fi.tcp_mss);
	else if (e->fi.tcp_has_mss)
		SAY(d, "      mss %u: the largest segment it accepts (MTU 1500 - 20 IP - 20 TCP = 1460)\n",
		    "      mss %u: 받을 수 있는 가장 큰 세그먼트 (MTU 1500 - IP 20 - TCP 20 = 1460)\n",
		    e->fi.tcp_mss);
	if (e->fi.tcp_has_wscale)
		SAY(d, "      wscale %u: after the handshake its window field counts units of 2^%u = %u bytes\n",
		    "      wscale %u: 핸드셰이크 뒤에는 윈도 필드가 2^%u = %u바이트 단위가 됩니다\n",
		    e->fi.tcp_wscale, e->fi.tcp_wscale, 1u << (e->fi.tcp_wscale & 15));
	if (e->fi.tcp_sack_perm)
		SAY(d, "      sackOK: selective acknowledgements may be used\n",
		    "      sackOK: 선택적 확인응답(SACK)을 쓸 수 있습니다\n");
	if (e->fi.tcp_has_ts)
		SAY(d, "      TS val %u ecr %u: timestamps, to measure the round-trip time\n",
		    "      TS val %u ecr %u: 왕복 시간을 재기 위한 타임스탬프\n", e->fi.tcp_ts_val,
		    e->fi.tcp_ts_ecr);
}

static void explain_connect(struct demo *d, const struct demo_step_view *v)
{
	char a[16], b[16];
	const struct demo_ev *syn = find(d, v, 0, tx_syn);
	const struct demo_ev *sa = find(d, v, 0, rx_synack);
	const struct demo_ev *ack = NULL;
	/* the ACK of the handshake is the first pure ACK after the SYN/ACK */
	if (sa) {
		for (size_t i = 0; i < v->n; i++)
			if (v->ev[i]->t >= sa->t && v->ev[i]->decoded && tx_pure_ack(d, v->ev[i])) {
				ack = v->ev[i];
				break;
			}
	}
	const struct demo_ev *rst = find(d, v, 0, rx_rst);

	SAY(d, "\n  What happened, layer by layer:\n", "\n  계층별로 일어난 일:\n");
	if (syn && syn->fi.is_ipv6)
		demo_explain_nd(d, v, &syn->fi.ip6_dst);
	else if (syn)
		explain_arp(d, v, syn->fi.ip_dst);
	if (!syn) {
		SAY(d, "  · no SYN was sent.\n", "  · SYN이 나가지 않았습니다.\n");
		return;
	}
	SAY(d, "  · TCP: the three-way handshake. The flags are the six bits URG ACK PSH RST SYN FIN:\n",
	    "  · TCP: 3-way 핸드셰이크. 플래그는 URG ACK PSH RST SYN FIN 여섯 비트입니다:\n");
	SAY(d, "    SYN     [000010]  seq=%u: the client's initial sequence number (ISN), chosen at random;\n"
	       "                      ack=%u means nothing yet (the ACK bit is 0); win=%u: the bytes it can take.\n",
	    "    SYN     [000010]  seq=%u: 클라이언트의 초기 순서 번호(ISN), 무작위로 고름;\n"
	    "                      ack=%u: 아직 의미 없음(ACK 비트가 0); win=%u: 받을 수 있는 바이트 수.\n",
	    syn->fi.tcp_seq, syn->fi.tcp_ack, syn->fi.tcp_win);
	if (rst && !sa) {
		SAY(d, "    RST: the server refused the connection (no listener on port %u).\n",
		    "    RST: 서버가 연결을 거절했습니다(포트 %u에 대기 중인 소켓 없음).\n", syn->fi.dport);
		return;
	}
	if (!sa)
		return;
	SAY(d, "    SYN/ACK [010010]  seq=%u: the server's own ISN; ack=%u = %u + 1: the SYN counts as one byte,\n"
	       "                      so the server expects byte %u next; win=%u.\n",
	    "    SYN/ACK [010010]  seq=%u: 서버 자신의 ISN; ack=%u = %u + 1: SYN은 한 바이트로 셈하므로\n"
	    "                      서버는 다음에 %u번 바이트를 기다립니다; win=%u.\n",
	    sa->fi.tcp_seq, sa->fi.tcp_ack, syn->fi.tcp_seq, sa->fi.tcp_ack, sa->fi.tcp_win);
	if (ack)
		SAY(d, "    ACK     [010000]  seq=%u, ack=%u = %u + 1: the client acknowledges the server's SYN;\n"
		       "                      win=%u.\n",
		    "    ACK     [010000]  seq=%u, ack=%u = %u + 1: 클라이언트가 서버의 SYN을 확인합니다;\n"
		    "                      win=%u.\n",
		    ack->fi.tcp_seq, ack->fi.tcp_ack, sa->fi.tcp_seq, ack->fi.tcp_win);
	explain_options(d, syn, "the client's SYN", "클라이언트 SYN");
	explain_options(d, sa, "the server's SYN/ACK", "서버 SYN/ACK");
	wscales(syn, sa, &d->ws_client, &d->ws_server);
	d->mss_client = syn->fi.tcp_has_mss ? syn->fi.tcp_mss : 536;
	if (d->ws_client >= 0)
		SAY(d, "    Both sides offered window scaling: from now on the client's win counts units of\n"
		       "    %u bytes, the server's units of %u bytes (in SYNs the field is never scaled).\n",
		    "    양쪽 모두 윈도 스케일을 제안했으므로 이제부터 클라이언트의 win은 %u바이트 단위,\n"
		    "    서버의 win은 %u바이트 단위입니다(SYN의 필드는 스케일하지 않음).\n",
		    1u << (d->ws_client & 15), 1u << (d->ws_server & 15));
	size_t nsyn = count(d, v, tx_syn);
	if (nsyn > 1)
		SAY(d, "    The SYN was sent %zu times: its retransmission timer fired when no SYN/ACK came.\n",
		    "    SYN이 %zu번 나갔습니다: SYN/ACK가 오지 않아 재전송 타이머가 울렸습니다.\n", nsyn);
	size_t nfwd = count(d, v, router_fwd);
	const struct demo_ev *rarp = find(d, v, 0, router_arp);
	if (nfwd) {
		const struct demo_ev *fsyn = NULL;
		for (size_t i = 0; i < v->n; i++)
			if (router_fwd(d, v->ev[i]) && v->ev[i]->fi.is_tcp &&
			    (v->ev[i]->fi.tcp_flags & 0x12) == 0x02) {
				fsyn = v->ev[i];
				break;
			}
		SAY(d, "  · IP: the router forwarded %zu datagrams of this step between its two links",
		    "  · IP: 라우터가 이 단계의 데이터그램 %zu개를 두 링크 사이에서 전달했습니다", nfwd);
		if (fsyn && fsyn->fi.is_ipv6)
			SAY(d, " (hop limit %u -> %u,\n    new MAC addresses on each link)", " (홉 제한 %u -> %u,\n    링크마다 새 MAC 주소)",
			    syn->fi.ip6_hop_limit, fsyn->fi.ip6_hop_limit);
		else if (fsyn)
			SAY(d, " (TTL %u -> %u,\n    new MAC addresses on each link)", " (TTL %u -> %u,\n    링크마다 새 MAC 주소)",
			    syn->fi.ip_ttl, fsyn->fi.ip_ttl);
		if (rarp && rarp->fi.is_ipv6) {
			char b6[INET6_ADDRSTRLEN];
			SAY(d, "; first it sent a neighbour\n    solicitation for %s on its other link",
			    "; 먼저 다른 링크에서\n    %s 주소를 이웃 요청으로 물었습니다", demo_ip6(&rarp->fi.nd_target, b6));
		} else if (rarp)
			SAY(d, "; first it asked ARP for %s on\n    its other link",
			    "; 먼저 다른 링크에서\n    %s 주소를 ARP로 물었습니다", demo_ip(rarp->fi.arp_tpa, b));
		demo_out(d, ".\n");
	}
	(void)a;
	if (ack)
		SAY(d, "  · connect() returned when the SYN/ACK arrived, %.3f ms after the SYN.\n",
		    "  · connect()는 SYN/ACK가 도착했을 때, SYN 뒤 %.3f ms 만에 돌아왔습니다.\n",
		    (double)(sa->t - syn->t) / 1000.0);
}

static void print_text_block(struct demo *d, const char *prefix, const char *p, size_t len,
			     size_t max_lines)
{
	size_t lines = 0;
	while (len && lines < max_lines) {
		const char *e = memchr(p, '\n', len);
		size_t l = e ? (size_t)(e - p) : len;
		size_t shown_len = l && p[l - 1] == '\r' ? l - 1 : l;
		if (!shown_len && e)
			break;
		demo_out(d, "%s%.*s\n", prefix, (int)(shown_len > 150 ? 150 : shown_len), p);
		lines++;
		if (!e)
			break;
		len -= l + 1;
		p += l + 1;
	}
}

static void explain_http(struct demo *d, const struct demo_step_view *v)
{
	size_t n_req = count(d, v, tx_data), n_resp = count(d, v, rx_data);
	size_t req_bytes = 0, resp_bytes = 0, max_seg = 0;
	uint16_t cwin_min = 0xffff, cwin_max = 0, swin = 0;
	uint32_t last_ack = 0, first_resp_seq = 0;
	bool have_first = false;
	for (size_t i = 0; i < v->n; i++) {
		const struct demo_ev *e = v->ev[i];
		if (!e->decoded)
			continue;
		if (tx_data(d, e))
			req_bytes += e->fi.payload_len;
		if (rx_data(d, e)) {
			resp_bytes += e->fi.payload_len;
			if (e->fi.payload_len > max_seg)
				max_seg = e->fi.payload_len;
			if (!have_first) {
				first_resp_seq = e->fi.tcp_seq;
				have_first = true;
			}
		}
		if (tx_tcp(d, e)) {
			if (e->fi.tcp_win < cwin_min)
				cwin_min = e->fi.tcp_win;
			if (e->fi.tcp_win > cwin_max)
				cwin_max = e->fi.tcp_win;
			last_ack = e->fi.tcp_ack;
		}
		if (rx_tcp(d, e))
			swin = e->fi.tcp_win;
	}
	SAY(d, "\n  The request the browser wrote (%zu bytes):\n", "\n  브라우저가 쓴 요청(%zu바이트):\n",
	    d->request_len);
	print_text_block(d, "    > ", d->request, d->request_len, 20);
	if (d->head_len) {
		SAY(d, "  The response head (%zu bytes), then %zu bytes of body:\n",
		    "  응답 헤더(%zu바이트), 그리고 본문 %zu바이트:\n", d->head_len,
		    d->response_len - d->head_len);
		print_text_block(d, "    < ", d->response, d->head_len, 20);
		print_text_block(d, "    < ", d->response + d->head_len, d->response_len - d->head_len, 2);
		demo_out(d, "    < ...\n");
	}
	SAY(d, "\n  What happened, layer by layer:\n", "\n  계층별로 일어난 일:\n");
	SAY(d, "  · TCP carried the request in %zu segment(s), %zu bytes, PSH set (\"deliver it now\").\n",
	    "  · TCP가 요청을 세그먼트 %zu개, %zu바이트에 실었습니다. PSH 설정(\"바로 전달하라\").\n",
	    n_req, req_bytes);
	if (n_resp && max_seg + 40 >= d->mss_client)
		SAY(d, "  · The response came in %zu segment(s), %zu bytes in all, at most %zu per segment (the\n"
		       "    client's MSS %u, less the bytes of TCP options each segment carries).\n",
		    "  · 응답은 세그먼트 %zu개, 모두 %zu바이트, 세그먼트마다 최대 %zu바이트로 왔습니다\n"
		    "    (클라이언트의 MSS %u에서 세그먼트마다 붙는 TCP 옵션의 바이트를 뺀 크기).\n",
		    n_resp, resp_bytes, max_seg, d->mss_client);
	else if (n_resp)
		SAY(d, "  · The response came in %zu segment(s), %zu bytes in all, at most %zu per segment.\n",
		    "  · 응답은 세그먼트 %zu개, 모두 %zu바이트, 세그먼트마다 최대 %zu바이트로 왔습니다.\n",
		    n_resp, resp_bytes, max_seg);
	if (n_resp)
		SAY(d, "    Each ACK names the next byte expected: the client's last ack=%u = %u + %zu.\n",
		    "    ACK는 다음에 기다리는 바이트 번호입니다: 클라이언트의 마지막 ack=%u = %u + %zu.\n",
		    last_ack, first_resp_seq, resp_bytes);
	if (cwin_max && d->ws_client >= 0)
		SAY(d, "  · Windows: the client advertised win=%u..%u, x %u = %u..%u bytes free in its receive\n"
		       "    buffer of %d bytes; the server win=%u, x %u = %u bytes. A sender never has more\n"
		       "    unacknowledged bytes in flight than the other side's window.\n",
		    "  · 윈도: 클라이언트는 win=%u..%u 값을 알렸습니다. x %u = %u..%u바이트가 수신 버퍼\n"
		    "    %d바이트 중 빈 공간입니다. 서버는 win=%u, x %u = %u바이트. 송신 측은 확인받지\n"
		    "    못한 바이트를 상대의 윈도보다 많이 보내지 않습니다.\n",
		    cwin_min, cwin_max, 1u << (d->ws_client & 15),
		    (unsigned)cwin_min << (d->ws_client & 15), (unsigned)cwin_max << (d->ws_client & 15),
		    d->rcvbuf, swin, 1u << (d->ws_server & 15), (unsigned)swin << (d->ws_server & 15));
	else if (cwin_max)
		SAY(d, "  · Windows: the client advertised win=%u..%u bytes free in its receive buffer, the\n"
		       "    server win=%u. A sender never has more unacknowledged bytes in flight than that.\n",
		    "  · 윈도: 클라이언트는 수신 버퍼의 빈 공간 win=%u..%u바이트를, 서버는 win=%u를\n"
		    "    알렸습니다. 송신 측은 확인받지 못한 바이트를 그보다 많이 보내지 않습니다.\n",
		    cwin_min, cwin_max, swin);
	size_t nre = count(d, v, any_retrans);
	if (nre)
		SAY(d, "  · %zu segment(s) were sent again: the sender's retransmission timer (or three duplicate\n"
		       "    ACKs) told it a segment was lost.\n",
		    "  · 세그먼트 %zu개가 다시 나갔습니다: 송신 측의 재전송 타이머(또는 중복 ACK 세 개)가\n"
		    "    세그먼트 유실을 알려 주었습니다.\n", nre);
	SAY(d, "  · recv() returned the response: HTTP %d %s.\n",
	    "  · recv()가 응답을 돌려주었습니다: HTTP %d %s.\n", d->status, d->reason);
}

static void explain_close(struct demo *d, const struct demo_step_view *v)
{
	const struct demo_ev *cf = find(d, v, 0, tx_fin);
	const struct demo_ev *sf = find(d, v, 0, rx_fin);
	SAY(d, "\n  What happened, layer by layer:\n", "\n  계층별로 일어난 일:\n");
	if (cf && (!sf || cf->t <= sf->t)) {
		SAY(d, "  · The client closed first (the active close): FIN/ACK [010001] seq=%u. The FIN, like the\n"
		       "    SYN, takes one sequence number: the server's ACK says ack=%u.\n",
		    "  · 클라이언트가 먼저 닫았습니다(능동 종료): FIN/ACK [010001] seq=%u. FIN도 SYN처럼\n"
		    "    순서 번호 하나를 씁니다: 서버의 ACK는 ack=%u입니다.\n",
		    cf->fi.tcp_seq, cf->fi.tcp_seq + (uint32_t)cf->fi.payload_len + 1);
		if (sf)
			SAY(d, "  · Then the server, told of the end of the stream (its recv() returned 0), closed too:\n"
			       "    its FIN seq=%u; the client's last ACK ack=%u. The side that closes first waits in\n"
			       "    TIME_WAIT.\n",
			    "  · 그 뒤 서버도 스트림의 끝을 알고(recv()가 0을 돌려줌) 닫았습니다: FIN seq=%u;\n"
			    "    클라이언트의 마지막 ACK는 ack=%u. 먼저 닫은 쪽이 TIME_WAIT에서 기다립니다.\n",
			    sf->fi.tcp_seq, sf->fi.tcp_seq + (uint32_t)sf->fi.payload_len + 1);
	} else if (sf) {
		SAY(d, "  · The server closed first (its FIN seq=%u came before the browser's close()): the client\n"
		       "    went to CLOSE_WAIT, and its close() sent its own FIN (LAST_ACK); the server, which\n"
		       "    closed first, is the one that waits in TIME_WAIT.\n",
		    "  · 서버가 먼저 닫았습니다(FIN seq=%u가 브라우저의 close()보다 먼저 옴): 클라이언트는\n"
		    "    CLOSE_WAIT가 되었고 close()가 자기 FIN을 보냈습니다(LAST_ACK). 먼저 닫은 서버 쪽이\n"
		    "    TIME_WAIT에서 기다립니다.\n", sf->fi.tcp_seq);
	}
}

/* When the client's connection entered (into) or left TIME_WAIT, by its trace; 0 if not seen. */
static uint64_t time_wait_event(struct demo *d, bool into)
{
	size_t n;
	uint64_t t = 0;
	struct demo_ev **v = demo_log_slice(&d->log, d->marks[DEMO_STEP_CLOSE].from, &n);
	for (size_t i = 0; v && i < n && !t; i++) {
		const struct demo_ev *e = v[i];
		if (e->host == d->h_client && e->kind == USTACK_TRACE_STATE && !strcmp(e->subsystem, "tcp") &&
		    !strcmp(into ? e->new_state : e->old_state, "TIME_WAIT"))
			t = e->t;
	}
	free(v);
	return t;
}

/* After a step's frames: what they mean. */
void demo_explain_step(struct demo *d, enum demo_step step, const struct demo_step_view *v)
{
	if (d->mail && (step == DEMO_STEP_RESOLVE || step == DEMO_STEP_HTTP)) {
		demo_mail_explain(d, (int)step, v);
		return;
	}
	switch (step) {
	case DEMO_STEP_RESOLVE:
		explain_resolve(d, v);
		break;
	case DEMO_STEP_CONNECT:
		explain_connect(d, v);
		break;
	case DEMO_STEP_HTTP:
		explain_http(d, v);
		break;
	case DEMO_STEP_CLOSE:
		explain_close(d, v);
		break;
	case DEMO_STEP_TIMEWAIT:
		if (d->closed_seen && d->time_wait_seen) {
			uint64_t t_in = time_wait_event(d, true), t_out = time_wait_event(d, false);
			if (!t_in || !t_out) {
				t_in = d->t_time_wait;
				t_out = d->t_closed;
			}
			SAY(d, "  After %.3f s in TIME_WAIT the connection is CLOSED: its control block is freed and\n"
			       "  the table no longer lists it.\n",
			    "  TIME_WAIT에서 %.3f초가 지나 연결은 CLOSED가 되었습니다: 제어 블록은 해제되었고\n"
			    "  표에도 더는 나오지 않습니다.\n", (double)(t_out - t_in) / 1e6);
		} else if (d->closed_seen) {
			SAY(d, "  The connection is CLOSED: its control block is freed.\n",
			    "  연결은 CLOSED가 되었습니다: 제어 블록이 해제되었습니다.\n");
		}
		if (find(d, v, 0, rx_fin) && find(d, v, 0, tx_pure_ack))
			SAY(d, "  While the client waited, the server's FIN came again (the client's last ACK had not\n"
			       "  reached it) and the client, still in TIME_WAIT, acknowledged it again: that is what\n"
			       "  TIME_WAIT is for.\n",
			    "  클라이언트가 기다리는 동안 서버의 FIN이 다시 왔고(클라이언트의 마지막 ACK가 닿지\n"
			    "  않았음), 아직 TIME_WAIT에 있던 클라이언트가 다시 확인응답했습니다: TIME_WAIT가 있는\n"
			    "  이유가 바로 이것입니다.\n");
		break;
	default:
		break;
	}
}

/* --- summary --- */

struct totals {
	size_t client_tx, client_rx, frames, retrans, lost;
	size_t re_tcp, re_dns, re_arp;
	uint16_t dns_id;
	bool have_dns;
	uint64_t t_q, t_a;
};

static void totals(struct demo *d, struct totals *t)
{
	size_t n;
	memset(t, 0, sizeof *t);
	demo_log_analyse(&d->log);
	struct demo_ev **v = demo_log_slice(&d->log, d->marks[DEMO_STEP_RESOLVE].from, &n);
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct demo_ev *e = v[i];
		if (!e->decoded || e->t < d->t0)
			continue;
		if (e->kind == USTACK_TRACE_RX && e->from_host >= 0 && !d->log.hosts[e->from_host].local &&
		    e->to_host == e->host)
			t->frames++;
		if (e->kind == USTACK_TRACE_TX) {
			t->frames++;
			t->lost += e->lost;
			if (e->retrans && !e->forwarded) {
				t->retrans++;
				t->re_tcp += e->fi.is_tcp;
				t->re_dns += e->fi.is_dns;
				t->re_arp += e->fi.is_arp || demo_is_ns(&e->fi);
			}
		}
		if (c_tx(d, e))
			t->client_tx++;
		if (c_rx(d, e))
			t->client_rx++;
		if (tx_dns_q(d, e) && !t->t_q)
			t->t_q = e->t;
		if (rx_dns_a(d, e) && !t->have_dns) {
			t->have_dns = true;
			t->dns_id = e->fi.dns_id;
			t->t_a = e->t;
		}
	}
	free(v);
}

void demo_print_summary(struct demo *d)
{
	struct totals t;
	char a[16], b[16];
	totals(d, &t);
	demo_out(d, "%s\n %s\n%s\n", DEMO_RULE, demo_tr(d, "summary", "요약"), DEMO_RULE);
	if (d->quiet)
		fprintf(d->out, "ustack demo: %s\n", d->url);
	FILE *o = d->out;
	char pb[96];
	if (d->mail)
		demo_mail_summary(d, o);
	else if (d->status && d->ipv6) {
		char a6[INET6_ADDRSTRLEN];
		fprintf(o, "  %s -> %s -> HTTP %d %s, %zu %s\n", d->host, demo_ip6(&d->server6, a6), d->status,
			d->reason, d->response_len - d->head_len, demo_tr(d, "bytes of body", "바이트 본문"));
	} else if (d->status)
		fprintf(o, "  %s -> %s -> HTTP %d %s, %zu %s\n", d->host, demo_ip(d->server, a), d->status,
			d->reason, d->response_len - d->head_len, demo_tr(d, "bytes of body", "바이트 본문"));
	else
		fprintf(o, "  %s: %s\n", d->url, demo_tr(d, "no response", "응답 없음"));
	const struct demo_mark *mr = &d->marks[DEMO_STEP_RESOLVE], *mc = &d->marks[DEMO_STEP_CONNECT];
	const struct demo_mark *mh = &d->marks[DEMO_STEP_HTTP];
	if (t.have_dns)
		fprintf(o, "  %s %.3f ms  (DNS id=0x%04x)\n", demo_pad(demo_tr(d, "name lookup", "이름 풀이"), 22, pb),
			(double)(mr->t_ret - mr->t_from) / 1000.0, t.dns_id);
	if (mc->done && d->ipv6 && d->local6.sin6_port && mc->t_ret) {
		char a6[INET6_ADDRSTRLEN], b6[INET6_ADDRSTRLEN];
		fprintf(o, "  %s %.3f ms  [%s]:%u -> [%s]:%u\n", demo_pad(demo_tr(d, "connect", "연결"), 22, pb),
			(double)(mc->t_ret - mc->t_from) / 1000.0, demo_ip6(&d->local6.sin6_addr, a6),
			ntohs(d->local6.sin6_port), demo_ip6(&d->remote6.sin6_addr, b6), ntohs(d->remote6.sin6_port));
	}
	if (mc->done && d->local.sin_port && mc->t_ret)
		fprintf(o, "  %s %.3f ms  %s:%u -> %s:%u\n", demo_pad(demo_tr(d, "connect", "연결"), 22, pb),
			(double)(mc->t_ret - mc->t_from) / 1000.0, demo_ip(d->local.sin_addr, a),
			ntohs(d->local.sin_port), demo_ip(d->remote.sin_addr, b), ntohs(d->remote.sin_port));
	if (mh->done && mh->t_ret && d->mail)
		fprintf(o, "  %s %.3f ms\n", demo_pad(demo_tr(d, "SMTP dialogue", "SMTP 대화"), 22, pb),
			(double)(mh->t_ret - mh->t_from) / 1000.0);
	if (mh->done && mh->t_ret && d->status)
		fprintf(o, "  %s %.3f ms\n", demo_pad(demo_tr(d, "request -> response", "요청 -> 응답"), 22, pb),
			(double)(mh->t_ret - mh->t_from) / 1000.0);
	if (d->time_wait_seen || d->closed_seen)
		fprintf(o, "  %s %s%s\n", demo_pad(demo_tr(d, "close", "종료"), 22, pb),
			d->time_wait_seen ? "TIME_WAIT -> " : "", d->closed_seen ? "CLOSED" : "");
	fprintf(o, "  %s %zu %s, %zu %s; %s %zu\n", demo_pad(demo_tr(d, "client frames", "클라이언트 프레임"), 22, pb),
		t.client_tx, demo_tr(d, "sent", "보냄"), t.client_rx, demo_tr(d, "received", "받음"),
		demo_tr(d, "frames on all links", "모든 링크의 프레임"), t.frames);
	fprintf(o, "  %s %zu", demo_pad(demo_tr(d, "retransmissions", "재전송"), 22, pb), t.retrans);
	if (t.retrans)
		fprintf(o, "  (TCP %zu, DNS %zu, %s %zu)", t.re_tcp, t.re_dns, d->ipv6 ? "ARP/NDP" : "ARP", t.re_arp);
	fputc('\n', o);
	if (d->impair) {
		struct ustack_impair_stats is;
		ustack_impair_get_stats(d->impair, &is);
		fprintf(o, "  %s %.2f: %llu %s %llu\n", demo_pad(demo_tr(d, "lossy link", "손실 링크"), 22, pb), d->loss,
			(unsigned long long)is.lost, demo_tr(d, "frames dropped of", "프레임 버림, 전체"),
			(unsigned long long)is.frames);
	}
	if (d->pcap_path && !d->tmp_pcap[0])
		fprintf(o, "  %s %s\n", demo_pad(demo_tr(d, "capture", "캡처"), 22, pb), d->pcap_path);
	if (d->html_path)
		fprintf(o, "  %s %s\n", demo_pad(demo_tr(d, "page", "페이지"), 22, pb), d->html_path);
	if (d->svg_path)
		fprintf(o, "  %s %s\n", demo_pad(demo_tr(d, "ladder diagram", "사다리 다이어그램"), 22, pb), d->svg_path);
	if (!d->pcap_path && !d->svg_path && !d->html_path)
		SAY(d, "\n  To keep the frames and draw the exchange: ustack demo --pcap demo.pcap --svg demo.svg\n"
		       "  All of it as a page to click through: ustack demo --html demo.html\n"
		       "  On a lossy link: ustack demo --loss 0.2 --seed 7    In Korean: ustack demo --lang ko\n",
		    "\n  프레임을 남기고 주고받은 과정을 그리려면: ustack demo --pcap demo.pcap --svg demo.svg\n"
		    "  이 모두를 눌러 가며 보는 페이지로: ustack demo --html demo.html\n"
		    "  손실이 있는 링크에서: ustack demo --loss 0.2 --seed 7    영어로: ustack demo --lang en\n");
}

