/* demo_ipv6.c - what `ustack demo --ipv6` tells beyond the IPv4 journey: the network's
 * IPv6 addresses, the client's Duplicate Address Detection before the journey (RFC 4862
 * 5.4), neighbour solicitation and advertisement where IPv4 has ARP (RFC 4861 7.2), the
 * AAAA records of a DNS answer (RFC 3596) and the neighbour cache of both families. As in
 * the rest of the demo, every value comes from a frame, a trace event or a stack's table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "ustack/socket.h"
#include "demo.h"
#include "demo_dissect.h"

bool demo_on_link6(const struct demo *d, const struct in6_addr *a)
{
	int bits = d->prefix6;
	for (int i = 0; i < 16 && bits > 0; i++, bits -= 8) {
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		if ((a->s6_addr[i] & mask) != (d->addr6.s6_addr[i] & mask))
			return false;
	}
	return true;
}

int demo_dns_aaaa(const struct demo_ev *e, struct in6_addr *first, uint32_t *ttl)
{
	struct demo_dissection *dd = malloc(sizeof *dd);
	int n = 0;
	uint32_t last_ttl = 0;
	if (!dd || !e->frame) {
		free(dd);
		return 0;
	}
	demo_dissect(e->frame, e->frame_len, dd);
	for (int i = 0; i < dd->n; i++) {
		if (!strcmp(dd->f[i].key, "dns.resp.ttl"))
			last_ttl = (uint32_t)dd->f[i].value;
		if (strcmp(dd->f[i].key, "dns.aaaa"))
			continue;
		if (!n++) {
			memcpy(first, e->frame + dd->f[i].off, 16);
			*ttl = last_ttl;
		}
	}
	free(dd);
	return n;
}

/* --- the network --- */

void demo_print_network6(struct demo *d)
{
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN], m[18], pb[96], pb2[96];
	SAY(d, "THE NETWORK  (%d ustack stacks in this process; 2 virtual Ethernet links, %u ms per hop;\n"
	       "             the journey over IPv6)\n\n",
	    "네트워크  (이 프로세스 안의 ustack 스택 %d개; 가상 이더넷 링크 2개, 홉마다 %u ms;\n"
	    "           IPv6로 가는 여정)\n\n", d->n_st, DEMO_LINK_LATENCY_US / 1000);
	demo_out(d, "  %s %s %-18s %s\n", demo_pad(demo_tr(d, "host", "호스트"), 7, pb),
		 demo_pad(demo_tr(d, "address", "주소"), 22, pb2), "MAC", demo_tr(d, "role", "역할"));
	const int order[4] = { d->h_client, d->h_dns, d->h_router, d->h_web };
	for (int k = 0; k < 4; k++) {
		int h = order[k];
		if (h < 0)
			continue;
		const struct demo_host *ho = &d->log.hosts[h];
		const char *role = h == d->h_client ? demo_tr(d, "the browser (this program's main thread)",
							      "브라우저 (이 프로그램의 메인 스레드)") :
				   h == d->h_dns ? demo_tr(d, "DNS server (ustack dns)", "DNS 서버 (ustack dns)") :
				   h == d->h_router ? demo_tr(d, "router: forwards between the two links",
							      "라우터: 두 링크 사이에서 전달") :
				   demo_tr(d, "web server (ustack serve), port 80", "웹 서버 (ustack serve), 포트 80");
		/* one line per interface: its static address and its MAC, then its link-local one */
		int row = 0;
		for (int i = 0; i < ho->n_addr6; i++) {
			if (IN6_IS_ADDR_LINKLOCAL(&ho->addr6[i]))
				continue;
			char addr[64];
			snprintf(addr, sizeof addr, "%s/%d", demo_ip6(&ho->addr6[i], a), ho->prefix6[i]);
			if (row < ho->n_mac)
				demo_fmt_mac(ho->mac[row], m);
			else
				m[0] = '\0';
			demo_out(d, "  %-7s %-22s %-18s %s\n", row ? "" : ho->name, addr, m, row ? "" : role);
			row++;
		}
		for (int i = 0; i < ho->n_addr6; i++) {
			if (!IN6_IS_ADDR_LINKLOCAL(&ho->addr6[i]))
				continue;
			char addr[64];
			snprintf(addr, sizeof addr, "%s/%d", demo_ip6(&ho->addr6[i], a), ho->prefix6[i]);
			demo_out(d, "          %s\n", addr);
		}
	}
	demo_out(d, "\n      client 2001:db8:1::10 ──┐                                         ┌── web 2001:db8:2::80\n"
		    "                              ├── 2001:db8:1::1  router  2001:db8:2::1 ─┤\n"
		    "      dns    2001:db8:1::53 ──┘    2001:db8:1::/64 | 2001:db8:2::/64   └─\n\n");
	SAY(d, "  2001:db8::/32 is the prefix set aside for examples (RFC 3849). Each interface also has\n"
	       "  a link-local address (fe80::/64, usable on its own link only), and each host keeps its\n"
	       "  IPv4 address of the plain demo (ustack demo without --ipv6): the stacks are dual-stack.\n",
	    "  2001:db8::/32는 예제용으로 따로 떼어 둔 프리픽스입니다(RFC 3849). 인터페이스마다 링크 로컬\n"
	    "  주소(fe80::/64, 자기 링크 안에서만 쓰임)도 있고, 호스트마다 IPv6 없이 돌린 데모의 IPv4\n"
	    "  주소도 그대로 있습니다: 스택들은 듀얼 스택입니다.\n");
	SAY(d, "  The client knows only its address, its default router (%s) and its DNS server (%s).\n"
	       "  The DNS server answers %s with AAAA 2001:db8:2::80.\n\n",
	    "  클라이언트가 아는 것은 자기 주소, 기본 라우터(%s), DNS 서버(%s)뿐입니다.\n"
	    "  DNS 서버는 이름 %s 에 대해 AAAA 레코드 2001:db8:2::80 을 답합니다.\n\n",
	    demo_ip6(&d->gw6, g), demo_ip6(&d->dns6, s), d->host);
}

/* --- before the journey: Duplicate Address Detection --- */

void demo_print_dad(struct demo *d)
{
	char a[INET6_ADDRSTRLEN], line[700], t[32], m[18];
	size_t n, dad = 0, mld = 0, rs = 0;
	struct demo_ev **v = demo_log_slice(&d->log, 0, &n);
	if (!v)
		return;
	SAY(d, "BEFORE THE JOURNEY  (IPv6 addresses are checked before they are used)\n\n",
	    "여정에 앞서  (IPv6 주소는 쓰기 전에 확인합니다)\n\n");
	SAY(d, "  Before using an address, a host checks that no other node on the link has it: Duplicate\n"
	       "  Address Detection (RFC 4862 5.4). For each address the client sent a neighbour\n"
	       "  solicitation asking who has it, from the unspecified address :: (it may not use the\n"
	       "  address yet), to the address's solicited-node group, and waited a second:\n\n",
	    "  호스트는 주소를 쓰기 전에 링크의 다른 노드가 그 주소를 쓰고 있지 않은지 확인합니다:\n"
	    "  중복 주소 탐지(DAD, RFC 4862 5.4). 클라이언트는 주소마다 그 주소를 가진 이가 있는지 묻는\n"
	    "  이웃 요청을, 아직 그 주소를 쓸 수 없으므로 미지정 주소 :: 에서 그 주소의 요청 노드\n"
	    "  멀티캐스트 그룹으로 보내고 1초를 기다렸습니다:\n\n");
	for (size_t i = 0; i < n; i++) {
		const struct demo_ev *e = v[i];
		if (e->host != d->h_client || e->kind != USTACK_TRACE_TX || !e->decoded || e->t >= d->t0)
			continue;
		if (demo_is_dad_ns(&e->fi)) {
			dad++;
			demo_format_frame(d, e, line, sizeof line);
			snprintf(t, sizeof t, "%+.3f ms", ((double)e->t - (double)d->t0) / 1000.0);
			demo_out(d, "    %12s  %-6s → %s\n", t, d->log.hosts[e->host].name, line);
		}
		mld += e->fi.is_icmp6 && e->fi.icmp_type == 143;
		rs += e->fi.is_icmp6 && e->fi.icmp_type == 133;
	}
	free(v);
	struct ustack_addr6 ad[16];
	size_t na = ustack_if_addrs6(d->st[0], -1, ad, 16);
	SAY(d, "\n  Nobody answered, so the addresses went from TENTATIVE to PREFERRED (the times are\n"
	       "  negative: before the journey's start):\n",
	    "\n  아무도 답하지 않았으므로 주소들은 TENTATIVE에서 PREFERRED가 되었습니다(시각은 여정이\n"
	    "  시작되기 전이라 음수입니다):\n");
	for (size_t i = 0; i < na && i < 16; i++) {
		char addr[64];
		if (IN6_IS_ADDR_LOOPBACK(&ad[i].addr))
			continue;
		snprintf(addr, sizeof addr, "%s/%d", demo_ip6(&ad[i].addr, a), ad[i].plen);
		demo_out(d, "    %-26s %-11s %s\n", addr, ad[i].origin, ad[i].state);
	}
	const struct demo_host *c = &d->log.hosts[d->h_client];
	for (size_t i = 0; i < (size_t)c->n_addr6; i++) {
		if (!IN6_IS_ADDR_LINKLOCAL(&c->addr6[i]) || !c->n_mac)
			continue;
		demo_fmt_mac(c->mac[0], m);
		SAY(d, "  The link-local address %s is made from the MAC %s (modified EUI-64,\n"
		       "  RFC 4291 appendix A: ff:fe in the middle, the universal/local bit flipped).\n",
		    "  링크 로컬 주소 %s는 MAC %s로 만든 것입니다(수정 EUI-64, RFC 4291\n"
		    "  부록 A: 가운데에 ff:fe를 넣고 universal/local 비트를 뒤집음).\n", demo_ip6(&c->addr6[i], a), m);
		break;
	}
	if (mld)
		SAY(d, "  The client also told the link it listens to those solicited-node groups (%zu MLDv2\n"
		       "  report(s) to ff02::16).\n",
		    "  클라이언트는 그 요청 노드 그룹들을 듣고 있다고 링크에 알렸습니다(ff02::16으로 MLDv2\n"
		    "  보고 %zu개).\n", mld);
	SAY(d, "  Once its link-local address is ready, a host asks for routers: router solicitations to\n"
	       "  ff02::2, 4 s apart, 3 in all (RFC 4861 6.3.7; %zu sent so far). No router here advertises\n"
	       "  (the routes are configured by hand), so nobody answers. That housekeeping is not part of\n"
	       "  the journey: the steps below leave it out (the capture keeps every frame).\n\n",
	    "  링크 로컬 주소가 준비되면 호스트는 라우터를 찾습니다: ff02::2로 라우터 요청을 4초 간격으로\n"
	    "  모두 3번 보냅니다(RFC 4861 6.3.7; 지금까지 %zu번). 여기서는 광고하는 라우터가 없으므로(경로는\n"
	    "  손으로 설정함) 아무도 답하지 않습니다. 이런 관리용 프레임은 여정의 일부가 아니므로 아래\n"
	    "  단계에서는 빼고 보여 줍니다(캡처에는 모든 프레임이 남습니다).\n\n", rs);
	(void)dad;
}

/* --- neighbour solicitation and advertisement --- */

static bool c_tx_ns(const struct demo *d, const struct demo_ev *e)
{
	return e->decoded && e->host == d->h_client && e->kind == USTACK_TRACE_TX && demo_is_ns(&e->fi);
}

static bool c_rx_na(const struct demo *d, const struct demo_ev *e)
{
	return e->decoded && e->host == d->h_client && e->kind == USTACK_TRACE_RX && demo_is_na(&e->fi) &&
	       demo_is_client_mac(d, e->fi.eth_dst);
}

void demo_explain_nd(struct demo *d, const struct demo_step_view *v, const struct in6_addr *dst)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN], m[18], m2[18];
	const struct demo_ev *ns = NULL, *na = NULL;
	for (size_t i = 0; i < v->n && !ns; i++)
		if (c_tx_ns(d, v->ev[i]))
			ns = v->ev[i];
	for (size_t i = 0; ns && i < v->n && !na; i++)
		if (c_rx_na(d, v->ev[i]) && !memcmp(&v->ev[i]->fi.nd_target, &ns->fi.nd_target, 16))
			na = v->ev[i];
	if (!ns) {
		SAY(d, "  · NDP: the client already knew the MAC address of the next hop to %s: no neighbour\n"
		       "    solicitation this time.\n",
		    "  · NDP: 클라이언트가 %s로 가는 다음 홉의 MAC 주소를 이미 알고 있어 이번에는 이웃 요청이\n"
		    "    없습니다.\n", demo_ip6(dst, a));
		return;
	}
	struct in6_addr net = d->addr6;
	for (int i = 0; i < 16; i++) {
		int bits = d->prefix6 - i * 8;
		net.s6_addr[i] &= bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
	if (demo_on_link6(d, dst))
		SAY(d, "  · NDP: %s is on the client's own prefix %s/%d, so the packet goes to it directly.\n",
		    "  · NDP: 주소 %s는 클라이언트와 같은 프리픽스 %s/%d에 있으므로 패킷은 그쪽으로 바로 갑니다.\n",
		    demo_ip6(dst, a), demo_ip6(&net, p), d->prefix6);
	else
		SAY(d, "  · NDP: %s is not on the client's prefix %s/%d, so the packet goes to its default\n"
		       "    router %s.\n",
		    "  · NDP: 주소 %s는 클라이언트의 프리픽스 %s/%d 밖에 있으므로 패킷은 기본 라우터\n"
		    "    %s로 갑니다.\n", demo_ip6(dst, a), demo_ip6(&net, p), d->prefix6, demo_ip6(&ns->fi.nd_target, b));
	if (d->nd_told) {
		/* the second time: what differs, not the whole story again */
		char lla[18] = "?", fl[8];
		demo_fmt_mac(ns->fi.eth_dst, m);
		SAY(d, "    As before, the client asked with a neighbour solicitation \"who-has %s\" to its\n"
		       "    solicited-node group %s (eth %s)",
		    "    앞에서처럼 클라이언트는 이웃 요청 \"who-has %s\"를 그 주소의 요청 노드 그룹\n"
		    "    %s(eth %s)로 보냈습니다", demo_ip6(&ns->fi.nd_target, a), demo_ip6(&ns->fi.ip6_dst, b), m);
		if (!na) {
			demo_out(d, ".\n");
			return;
		}
		if (na->fi.nd_has_lla)
			demo_fmt_mac(na->fi.nd_lla, lla);
		SAY(d, "; the advertisement came\n    back %.3f ms later: %s is-at %s, flags [%s]%s.\n",
		    ". %.3f ms 뒤 광고가\n    왔습니다: %s is-at %s, 플래그 [%s]%s.\n",
		    (double)(na->t - ns->t) / 1000.0, demo_ip6(&na->fi.nd_target, p), lla,
		    demo_na_flags(na->fi.nd_flags, fl),
		    (na->fi.nd_flags & 0x80) ? demo_tr(d, " (R: it is a router)", " (R: 라우터임)") : "");
		SAY(d, "    The client's neighbour cache:\n", "    클라이언트의 이웃 캐시:\n");
		demo_print_neighbours(d);
		return;
	}
	d->nd_told = true;
	const uint8_t *t = ns->fi.nd_target.s6_addr;
	demo_fmt_mac(ns->fi.eth_dst, m);
	SAY(d, "    IPv6 has no ARP and no broadcast. To learn the MAC address of %s the client sent a\n"
	       "    neighbour solicitation (ICMPv6 type 135) \"who-has %s\" to %s,\n"
	       "    the solicited-node multicast address of the target: ff02::1:ff00:0/104 followed by the\n"
	       "    address's last 24 bits (%02x %02x %02x). Its Ethernet destination %s is 33:33\n"
	       "    followed by the group's last 32 bits: only the hosts whose addresses end in those\n"
	       "    24 bits listen to it, so every other network card drops the frame (an ARP broadcast\n"
	       "    interrupts every host on the link).\n",
	    "    IPv6에는 ARP도 브로드캐스트도 없습니다. %s의 MAC 주소를 알아내려고 클라이언트는\n"
	    "    이웃 요청(ICMPv6 타입 135) \"who-has %s\"를 %s로 보냈습니다.\n"
	    "    대상의 요청 노드 멀티캐스트 주소로, ff02::1:ff00:0/104 뒤에 그 주소의 마지막 24비트\n"
	    "    (%02x %02x %02x)를 붙인 것입니다. 이더넷 목적지 %s는 33:33 뒤에 그룹 주소의\n"
	    "    마지막 32비트를 붙인 것입니다: 주소가 그 24비트로 끝나는 호스트만 이 그룹을 들으므로\n"
	    "    나머지 네트워크 카드는 프레임을 그냥 버립니다(ARP 브로드캐스트는 링크의 모든 호스트를\n"
	    "    깨웁니다).\n",
	    demo_ip6(&ns->fi.nd_target, a), demo_ip6(&ns->fi.nd_target, b), demo_ip6(&ns->fi.ip6_dst, p),
	    t[13], t[14], t[15], m);
	if (ns->fi.nd_has_lla) {
		demo_fmt_mac(ns->fi.nd_lla, m2);
		SAY(d, "    The solicitation carries the client's own MAC (source link-layer address option,\n"
		       "    %s), so the answer can come straight back; its hop limit is %u: a receiver\n"
		       "    knows it was not forwarded from another link (RFC 4861 7.1.1).\n",
		    "    요청에는 클라이언트 자신의 MAC(출발지 링크 계층 주소 옵션, %s)이 들어 있어\n"
		    "    답이 곧장 돌아올 수 있습니다. 홉 제한은 %u: 받는 쪽은 이 요청이 다른 링크에서\n"
		    "    전달되어 온 것이 아님을 압니다(RFC 4861 7.1.1).\n", m2, ns->fi.ip6_hop_limit);
	}
	if (!na)
		return;
	char lla[18] = "?";
	if (na->fi.nd_has_lla)
		demo_fmt_mac(na->fi.nd_lla, lla);
	uint8_t f = na->fi.nd_flags;
	char fl[8];
	SAY(d, "    The neighbour advertisement (ICMPv6 type 136) came back %.3f ms later, unicast to the\n"
	       "    client: %s is-at %s (target link-layer address option), flags [%s]:\n",
	    "    이웃 광고(ICMPv6 타입 136)가 %.3f ms 뒤 클라이언트에게 유니캐스트로 왔습니다:\n"
	    "    %s is-at %s(대상 링크 계층 주소 옵션), 플래그 [%s]:\n",
	    (double)(na->t - ns->t) / 1000.0, demo_ip6(&na->fi.nd_target, a), lla, demo_na_flags(f, fl));
	if (f & 0x80)
		SAY(d, "      R: the sender is a router\n", "      R: 보낸 쪽이 라우터임\n");
	if (f & 0x40)
		SAY(d, "      S: solicited, the answer to a solicitation\n", "      S: 요청에 대한 응답임\n");
	if (f & 0x20)
		SAY(d, "      O: override, replace any cached MAC address with this one\n",
		    "      O: 덮어쓰기, 캐시에 있는 MAC 주소를 이것으로 바꿈\n");
	SAY(d, "    The client keeps it in its neighbour cache:\n",
	    "    클라이언트는 이를 이웃 캐시에 둡니다:\n");
	demo_print_neighbours(d);
}

/* Both caches: ARP's (IPv4) and NDP's (IPv6). */
void demo_print_neighbours6(struct demo *d)
{
	struct ustack_neigh nb[16];
	struct ustack_neigh6 nb6[16];
	char a[INET6_ADDRSTRLEN], m[18];
	size_t n = ustack_neighbours(d->st[0], nb, 16), n6 = ustack_neighbours6(d->st[0], nb6, 16);
	if (n > 16)
		n = 16;
	if (n6 > 16)
		n6 = 16;
	demo_out(d, "      %-26s %-18s %-11s %s\n", "Address", "HWaddress", "State", "Age");
	for (size_t i = 0; i < n; i++) {
		demo_fmt_mac(nb[i].mac, m);
		demo_out(d, "      %-26s %-18s %-11s %.1f ms\n", demo_ip(nb[i].addr, a), m,
			 nb[i].state ? nb[i].state : "?", (double)nb[i].age_us / 1000.0);
	}
	for (size_t i = 0; i < n6; i++) {
		char addr[64];
		snprintf(addr, sizeof addr, "%s%s", demo_ip6(&nb6[i].addr, a), nb6[i].router ? " (router)" : "");
		demo_fmt_mac(nb6[i].mac, m);
		demo_out(d, "      %-26s %-18s %-11s %.1f ms\n", addr, m, nb6[i].state ? nb6[i].state : "?",
			 (double)nb6[i].age_us / 1000.0);
	}
	if (!n && !n6)
		SAY(d, "      (empty)\n", "      (비어 있음)\n");
}
