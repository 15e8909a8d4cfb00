/* describe.c - decoding a frame for people: ustack_frame_decode() fills a flat struct
 * from the src/wire parsers, ustack_frame_describe() prints one tcpdump-like line:
 *
 *   02:00:00:00:01:0a > ff:ff:ff:ff:ff:ff ARP who-has 10.0.1.1 tell 10.0.1.10
 *   IP 10.0.1.10.49152 > 10.0.1.53.53: UDP dns query id=0x1a2b A? www.example.test
 *   IP 10.0.2.80.80 > 10.0.1.10.49152: TCP Flags [S.] seq 1 ack 2 win 65535 <mss 1460> len 0
 *   IP 10.0.0.1 > 10.0.0.2: ICMP echo request id 7 seq 1 len 64
 *   IP6 2001:db8::1 > ff02::1:ff00:2: ICMP6 neighbor solicitation who-has 2001:db8::2 from 02:00:00:00:00:0a len 32
 *
 * Checksums are not verified here (the line shows what is on the wire); every length is
 * checked before a byte is read. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "ustack/ustack.h"
#include "core/ip_addr.h"
#include "wire/arp.h"
#include "wire/dns.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/icmp6.h"
#include "wire/igmp.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/ipv6_ext.h"
#include "wire/mld.h"
#include "wire/ndp.h"
#include "wire/tcp.h"
#include "wire/udp.h"

/* --- decoding --- */

static void decode_arp(const uint8_t *buf, size_t len, struct ustack_frame_info *fi)
{
	struct arp_repr a;

	if (arp_parse(buf, len, &a) != WIRE_OK)
		return;
	fi->is_arp = true;
	fi->arp_op = a.op;
	memcpy(fi->arp_sha, a.sha, 6);
	memcpy(fi->arp_tha, a.tha, 6);
	fi->arp_spa.s_addr = htonl(a.spa);
	fi->arp_tpa.s_addr = htonl(a.tpa);
}

static void decode_icmp(const uint8_t *buf, size_t len, struct ustack_frame_info *fi)
{
	if (len < ICMP_HDR_LEN)
		return;
	fi->is_icmp = true;
	fi->icmp_type = buf[0];
	fi->icmp_code = buf[1];
	fi->icmp_id = be16_get(buf + 4);
	fi->icmp_seq = be16_get(buf + 6);
	fi->payload = buf + ICMP_HDR_LEN;
	fi->payload_len = len - ICMP_HDR_LEN;
}

static void decode_dns(const uint8_t *buf, size_t len, struct ustack_frame_info *fi)
{
	struct dns_msg m;

	if (dns_parse(buf, len, &m) != WIRE_OK)
		return;
	fi->is_dns = true;
	fi->dns_id = m.id;
	fi->dns_flags = m.flags;
	fi->dns_ancount = m.ancount;
	snprintf(fi->dns_qname, sizeof(fi->dns_qname), "%s", m.qdcount ? m.qname : "");
	fi->dns_qtype = m.qdcount ? m.qtype : 0;
	for (size_t i = 0; i < m.n_an; i++) {
		const struct dns_rr *rr = &m.an[i];

		if (rr->type == DNS_TYPE_A && fi->dns_n_a < 8) {
			fi->dns_a[fi->dns_n_a].s_addr = htonl(rr->a);
			fi->dns_a_ttl[fi->dns_n_a] = rr->ttl;
			fi->dns_n_a++;
		} else if (rr->type == DNS_TYPE_CNAME && !fi->dns_cname[0]) {
			snprintf(fi->dns_cname, sizeof(fi->dns_cname), "%s", rr->target);
		}
	}
}

static void decode_udp(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
		       struct ustack_frame_info *fi)
{
	struct udp_repr u;

	if (udp_parse(buf, len, src, dst, &u, false) != WIRE_OK) {
		if (len >= 4) {   /* a first fragment: at least the ports */
			fi->is_udp = true;
			fi->sport = be16_get(buf);
			fi->dport = be16_get(buf + 2);
		}
		return;
	}
	fi->is_udp = true;
	fi->sport = u.sport;
	fi->dport = u.dport;
	fi->payload = buf + UDP_HDR_LEN;
	fi->payload_len = u.len - UDP_HDR_LEN;
	if (u.sport == DNS_PORT || u.dport == DNS_PORT)
		decode_dns(fi->payload, fi->payload_len, fi);
}

static void decode_tcp(const uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
		       struct ustack_frame_info *fi)
{
	struct tcp_repr t;

	if (tcp_parse(buf, len, src, dst, &t, false) != WIRE_OK) {
		if (len >= 4) {
			fi->is_tcp = true;
			fi->sport = be16_get(buf);
			fi->dport = be16_get(buf + 2);
		}
		return;
	}
	fi->is_tcp = true;
	fi->sport = t.sport;
	fi->dport = t.dport;
	fi->tcp_seq = t.seq;
	fi->tcp_ack = t.ack;
	fi->tcp_flags = t.flags;
	fi->tcp_win = t.win;
	fi->tcp_has_mss = t.has_mss;
	fi->tcp_mss = t.mss;
	fi->tcp_has_wscale = t.has_wscale;
	fi->tcp_wscale = t.wscale;
	fi->tcp_sack_perm = t.sack_perm;
	fi->tcp_has_ts = t.has_ts;
	fi->tcp_ts_val = t.ts_val;
	fi->tcp_ts_ecr = t.ts_ecr;
	fi->tcp_n_sack = t.n_sack;
	fi->payload = buf + t.hdr_len;
	fi->payload_len = len - t.hdr_len;
}

static void decode_ipv4(const uint8_t *buf, size_t len, struct ustack_frame_info *fi)
{
	struct ipv4_repr ip;
	const uint8_t *l4;
	size_t l4_len;

	if (ipv4_parse(buf, len, &ip, false) != WIRE_OK)
		return;
	fi->is_ipv4 = true;
	fi->ip_src.s_addr = htonl(ip.src);
	fi->ip_dst.s_addr = htonl(ip.dst);
	fi->ip_proto = ip.proto;
	fi->ip_ttl = ip.ttl;
	fi->ip_id = ip.id;
	fi->ip_total_len = ip.total_len;
	fi->ip_df = ip.df;
	fi->ip_mf = ip.mf;
	fi->ip_frag_off = ip.frag_off;
	if (ip.frag_off != 0)
		return;   /* no transport header in a later fragment */
	l4 = buf + ip.hdr_len;
	l4_len = (size_t)ip.total_len - ip.hdr_len;
	switch (ip.proto) {
	case IP_PROTO_ICMP:
		decode_icmp(l4, l4_len, fi);
		break;
	case IP_PROTO_UDP:
		decode_udp(l4, l4_len, ip.src, ip.dst, fi);
		break;
	case IP_PROTO_TCP:
		decode_tcp(l4, l4_len, ip.src, ip.dst, fi);
		break;
	default:
		break;
	}
}

static void decode_icmp6(const uint8_t *buf, size_t len, struct ustack_frame_info *fi)
{
	struct ndp_repr nd;

	if (len < ICMP6_HDR_LEN)
		return;
	fi->is_icmp6 = true;
	fi->icmp_type = buf[0];
	fi->icmp_code = buf[1];
	fi->icmp_id = be16_get(buf + 4);
	fi->icmp_seq = be16_get(buf + 6);
	fi->icmp6_word = be32_get(buf + 4);
	fi->payload = buf + ICMP6_HDR_LEN;
	fi->payload_len = len - ICMP6_HDR_LEN;
	if (fi->icmp_type < ICMP6_ND_RS || fi->icmp_type > ICMP6_ND_REDIRECT ||
	    ndp_parse(buf, len, &nd) != WIRE_OK)
		return;
	fi->is_nd = true;
	memcpy(&fi->nd_target, nd.target, 16);
	if (nd.has_slla || nd.has_tlla) {
		fi->nd_has_lla = true;
		memcpy(fi->nd_lla, nd.has_slla ? nd.slla : nd.tlla, 6);
	}
	if (nd.type == ICMP6_ND_NA)
		fi->nd_flags = (uint8_t)((nd.router ? 0x80 : 0) | (nd.solicited ? 0x40 : 0) |
					 (nd.override ? 0x20 : 0));
	else if (nd.type == ICMP6_ND_RA)
		fi->nd_flags = (uint8_t)((nd.managed ? 0x80 : 0) | (nd.other ? 0x40 : 0));
}

static void decode_ipv6(const uint8_t *buf, size_t len, struct ustack_frame_info *fi)
{
	struct ipv6_repr ip;
	struct ipv6_chain c;

	if (ipv6_parse(buf, len, &ip) != WIRE_OK)
		return;
	fi->is_ipv6 = true;
	memcpy(&fi->ip6_src, ip.src, 16);
	memcpy(&fi->ip6_dst, ip.dst, 16);
	fi->ip6_hop_limit = ip.hop_limit;
	fi->ip6_payload_len = ip.payload_len;
	fi->ip_proto = ip.next_hdr;
	len = IPV6_HDR_LEN + (size_t)ip.payload_len;
	if (ipv6_ext_walk(buf, len, &c) != WIRE_OK) {
		fi->ip6_bad_chain = true;
		return;
	}
	fi->ip_proto = c.proto;
	fi->ip6_n_ext = c.n_ext;
	fi->ip6_frag = c.frag;
	fi->ip6_mf = c.mf;
	fi->ip6_frag_off = c.frag_off;
	fi->ip6_frag_id = c.frag_id;
	if (c.frag && c.frag_off)
		return;   /* no transport header in a later fragment */
	switch (c.proto) {
	case IP_PROTO_ICMPV6:
		decode_icmp6(buf + c.l4_off, len - c.l4_off, fi);
		break;
	case IP_PROTO_UDP:
		decode_udp(buf + c.l4_off, len - c.l4_off, 0, 0, fi);
		break;
	case IP_PROTO_TCP:
		decode_tcp(buf + c.l4_off, len - c.l4_off, 0, 0, fi);
		break;
	default:
		break;
	}
}

int ustack_frame_decode(const uint8_t *frame, size_t len, struct ustack_frame_info *fi)
{
	struct eth_repr eth;

	memset(fi, 0, sizeof(*fi));
	if (!frame || eth_parse(frame, len, &eth) != WIRE_OK)
		return -1;
	memcpy(fi->eth_src, eth.src, 6);
	memcpy(fi->eth_dst, eth.dst, 6);
	fi->ethertype = eth.type;
	if (eth.type == ETHERTYPE_ARP)
		decode_arp(frame + ETH_HDR_LEN, len - ETH_HDR_LEN, fi);
	else if (eth.type == ETHERTYPE_IPV4)
		decode_ipv4(frame + ETH_HDR_LEN, len - ETH_HDR_LEN, fi);
	else if (eth.type == ETHERTYPE_IPV6)
		decode_ipv6(frame + ETH_HDR_LEN, len - ETH_HDR_LEN, fi);
	return 0;
}

/* --- describing --- */

/* A bounded line being written. */
struct line {
	char *out;
	size_t cap, len;
};

static void __attribute__((format(printf, 2, 3))) addf(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len + 1 >= l->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->out + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	l->len += (size_t)n;
	if (l->len >= l->cap)
		l->len = l->cap - 1;
}

static const char *ip_str(struct in_addr a, char *buf)
{
	return ipv4_ntoa(ntohl(a.s_addr), buf);
}

static const char *dns_type_str(uint16_t t, char *buf, size_t cap)
{
	switch (t) {
	case DNS_TYPE_A: return "A";
	case DNS_TYPE_NS: return "NS";
	case DNS_TYPE_CNAME: return "CNAME";
	case DNS_TYPE_SOA: return "SOA";
	case DNS_TYPE_AAAA: return "AAAA";
	default:
		snprintf(buf, cap, "TYPE%u", t);
		return buf;
	}
}

static void describe_arp(struct line *l, const struct ustack_frame_info *fi)
{
	char a[16], b[16], mac[18];

	if (!fi->is_arp) {
		addf(l, "ARP malformed");
		return;
	}
	if (fi->arp_op == ARP_OP_REQUEST)
		addf(l, "ARP who-has %s tell %s", ip_str(fi->arp_tpa, a), ip_str(fi->arp_spa, b));
	else
		addf(l, "ARP reply %s is-at %s", ip_str(fi->arp_spa, a), eth_ntoa(fi->arp_sha, mac));
}

static void describe_icmp(struct line *l, const struct ustack_frame_info *fi)
{
	size_t icmp_len = fi->payload_len + ICMP_HDR_LEN;

	switch (fi->icmp_type) {
	case ICMP_ECHO_REQUEST:
	case ICMP_ECHO_REPLY:
		addf(l, "ICMP echo %s id %u seq %u len %zu",
		     fi->icmp_type == ICMP_ECHO_REQUEST ? "request" : "reply", fi->icmp_id,
		     fi->icmp_seq, icmp_len);
		return;
	case ICMP_DEST_UNREACH: {
		static const char *const codes[] = { "net", "host", "protocol", "port",
						     "need to frag" };
		if (fi->icmp_code < sizeof(codes) / sizeof(codes[0]))
			addf(l, "ICMP %s unreachable", codes[fi->icmp_code]);
		else
			addf(l, "ICMP unreachable code %u", fi->icmp_code);
		if (fi->icmp_code == ICMP_FRAG_NEEDED)
			addf(l, " mtu %u", fi->icmp_seq);
		break;
	}
	case ICMP_TIME_EXCEEDED:
		addf(l, "ICMP time exceeded %s",
		     fi->icmp_code == ICMP_FRAG_TIME_EXCEEDED ? "in reassembly" : "in transit");
		break;
	default:
		addf(l, "ICMP type %u code %u", fi->icmp_type, fi->icmp_code);
		break;
	}
	addf(l, " len %zu", icmp_len);
}

static void describe_dns(struct line *l, const struct ustack_frame_info *fi)
{
	char tb[16], a[16];
	const char *sep = ": ";

	addf(l, " dns %s id=0x%04x %s? %s", (fi->dns_flags & DNS_F_QR) ? "answer" : "query",
	     fi->dns_id, dns_type_str(fi->dns_qtype, tb, sizeof(tb)), fi->dns_qname);
	if (!(fi->dns_flags & DNS_F_QR))
		return;
	if (DNS_RCODE(fi->dns_flags) != DNS_RCODE_NOERROR) {
		addf(l, ": %s", dns_rcode_str(DNS_RCODE(fi->dns_flags)));
		return;
	}
	if (fi->dns_cname[0]) {
		addf(l, "%sCNAME %s", sep, fi->dns_cname);
		sep = ", ";
	}
	for (int i = 0; i < fi->dns_n_a; i++) {
		addf(l, "%sA %s ttl %u", sep, ip_str(fi->dns_a[i], a), fi->dns_a_ttl[i]);
		sep = ", ";
	}
	if (fi->dns_ancount == 0)
		addf(l, ": no answer");
	else if (fi->dns_ancount > fi->dns_n_a + (fi->dns_cname[0] ? 1 : 0))
		addf(l, " (%u records)", fi->dns_ancount);
}

static void describe_udp(struct line *l, const struct ustack_frame_info *fi)
{
	addf(l, "UDP");
	if (fi->is_dns) {
		describe_dns(l, fi);
		return;
	}
	if (fi->sport == DNS_PORT || fi->dport == DNS_PORT)
		addf(l, " dns (malformed)");
	addf(l, " len %zu", fi->payload_len);
}

/* TCP options in wire order, as tcpdump lists them; a bad length ends the list. */
static void describe_tcp_options(struct line *l, const uint8_t *tcp, size_t hdr_len)
{
	size_t i = TCP_HDR_LEN;
	bool first = true;

	if (hdr_len <= TCP_HDR_LEN)
		return;
	addf(l, " <");
	while (i < hdr_len) {
		uint8_t kind = tcp[i];
		size_t olen;

		addf(l, "%s", first ? "" : ",");
		first = false;
		if (kind == TCP_OPT_EOL) {
			addf(l, "eol");
			break;
		}
		if (kind == TCP_OPT_NOP) {
			addf(l, "nop");
			i++;
			continue;
		}
		if (i + 1 >= hdr_len || tcp[i + 1] < 2 || i + tcp[i + 1] > hdr_len) {
			addf(l, "bad opt");
			break;
		}
		olen = tcp[i + 1];
		if (kind == TCP_OPT_MSS && olen == 4) {
			addf(l, "mss %u", be16_get(tcp + i + 2));
		} else if (kind == TCP_OPT_WSCALE && olen == 3) {
			addf(l, "wscale %u", tcp[i + 2]);
		} else if (kind == TCP_OPT_SACK_PERM && olen == 2) {
			addf(l, "sackOK");
		} else if (kind == TCP_OPT_TS && olen == 10) {
			addf(l, "TS val %u ecr %u", be32_get(tcp + i + 2), be32_get(tcp + i + 6));
		} else if (kind == TCP_OPT_SACK && olen >= 10 && (olen - 2) % 8 == 0) {
			addf(l, "sack %zu", (olen - 2) / 8);
			for (size_t b = i + 2; b + 8 <= i + olen; b += 8)
				addf(l, " {%u:%u}", be32_get(tcp + b), be32_get(tcp + b + 4));
		} else {
			addf(l, "opt-%u:%zu", kind, olen);
		}
		i += olen;
	}
	addf(l, ">");
}

static void describe_tcp(struct line *l, const struct ustack_frame_info *fi, const uint8_t *tcp,
			 size_t tcp_len)
{
	/* tcpdump's letters and order: F S R P . U E W */
	static const struct { uint8_t bit; char c; } letters[] = {
		{ TCP_FIN, 'F' }, { TCP_SYN, 'S' }, { TCP_RST, 'R' }, { TCP_PSH, 'P' },
		{ TCP_ACK, '.' }, { TCP_URG, 'U' }, { TCP_ECE, 'E' }, { TCP_CWR, 'W' },
	};
	char flags[16];
	size_t n = 0;

	if (!fi->payload || tcp_len < 20) {
		addf(l, "TCP truncated");
		return;
	}
	size_t hdr_len = (size_t)(tcp[12] >> 4) * 4;
	for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (fi->tcp_flags & letters[i].bit)
			flags[n++] = letters[i].c;
	if (n == 0) {
		memcpy(flags, "none", 4);
		n = 4;
	}
	flags[n] = '\0';
	addf(l, "TCP Flags [%s] seq %u", flags, fi->tcp_seq);
	if (fi->tcp_flags & TCP_ACK)
		addf(l, " ack %u", fi->tcp_ack);
	addf(l, " win %u", fi->tcp_win);
	if (hdr_len <= tcp_len)
		describe_tcp_options(l, tcp, hdr_len);
	addf(l, " len %zu", fi->payload_len);
}

/* "IGMP v2 report 239.1.2.3", "IGMP v3 report TO_EX 239.1.2.3", "IGMP v2 query 0.0.0.0 max 1000 ms" */
static void describe_igmp(struct line *l, const uint8_t *b, size_t len)
{
	static const char *const rec[] = { "?", "IS_IN", "IS_EX", "TO_IN", "TO_EX", "ALLOW", "BLOCK" };
	struct igmp_repr r;
	char g[16];

	if (igmp_parse(b, len, &r) != WIRE_OK) {
		addf(l, "IGMP malformed (%zu bytes)", len);
		return;
	}
	ipv4_ntoa(r.group, g);
	switch (r.type) {
	case IGMP_QUERY:
		addf(l, "IGMP v%u query %s max %llu ms", r.version, g,
		     (unsigned long long)(igmp_max_resp_us(&r) / 1000));
		break;
	case IGMP_V1_REPORT:
	case IGMP_V2_REPORT:
		addf(l, "IGMP v%d report %s", r.type == IGMP_V1_REPORT ? 1 : 2, g);
		break;
	case IGMP_V2_LEAVE:
		addf(l, "IGMP v2 leave %s", g);
		break;
	case IGMP_V3_REPORT:
		addf(l, "IGMP v3 report %u record%s, %s %s", r.n_sources, r.n_sources == 1 ? "" : "s",
		     rec[r.rec_type < 7 ? r.rec_type : 0], g);
		break;
	default:
		addf(l, "IGMP type 0x%02x", r.type);
		break;
	}
}

/* avail: the bytes of the frame from ipb on; a truncated capture may hold fewer than the
 * header's total length says, and nothing past them is read */
static void describe_ipv4(struct line *l, const struct ustack_frame_info *fi, const uint8_t *ipb,
			  size_t avail)
{
	char s[16], d[16];
	const char *proto = NULL;
	size_t hdr_len = (size_t)(ipb[0] & 0x0f) * 4;
	size_t have = fi->ip_total_len < avail ? fi->ip_total_len : avail;
	size_t l4_len = have > hdr_len ? have - hdr_len : 0;
	bool ports = (fi->is_udp || fi->is_tcp);

	if (ports)
		addf(l, "IP %s.%u > %s.%u: ", ip_str(fi->ip_src, s), fi->sport,
		     ip_str(fi->ip_dst, d), fi->dport);
	else
		addf(l, "IP %s > %s: ", ip_str(fi->ip_src, s), ip_str(fi->ip_dst, d));

	switch (fi->ip_proto) {
	case IP_PROTO_ICMP: proto = "ICMP"; break;
	case IP_PROTO_UDP: proto = "UDP"; break;
	case IP_PROTO_TCP: proto = "TCP"; break;
	default: break;
	}
	if (fi->ip_frag_off != 0) {
		/* A later fragment: no transport header to show. */
		if (proto)
			addf(l, "%s", proto);
		else
			addf(l, "proto %u", fi->ip_proto);
		addf(l, " len %u", (unsigned)(fi->ip_total_len - hdr_len));
	} else if (fi->is_icmp) {
		describe_icmp(l, fi);
	} else if (fi->is_udp) {
		describe_udp(l, fi);
	} else if (fi->is_tcp) {
		describe_tcp(l, fi, ipb + hdr_len, l4_len);
	} else if (fi->ip_proto == IP_PROTO_IGMP && have >= hdr_len) {
		describe_igmp(l, ipb + hdr_len, l4_len);
	} else if (proto) {
		addf(l, "%s truncated", proto);
	} else {
		addf(l, "proto %u len %u", fi->ip_proto, (unsigned)(fi->ip_total_len - hdr_len));
	}
	if (fi->ip_mf || fi->ip_frag_off)
		addf(l, " frag id %u off %u%s", fi->ip_id, fi->ip_frag_off, fi->ip_mf ? "+" : "");
	if (fi->ip_ttl <= 1)
		addf(l, " ttl %u", fi->ip_ttl);
}

/* --- IPv6 --- */

static const char *ip6_str(const struct in6_addr *a, char *buf)
{
	return ip6_ntop(a->s6_addr, buf);
}

/* "router advertisement hlim 64 lifetime 1800 [O] prefix 2001:db8:1::/64 mtu 1280 rdnss 2001:db8::53" */
static void describe_ra(struct line *l, const uint8_t *m, size_t len)
{
	struct ndp_repr r;
	char a[IP_ADDR_STRLEN];

	if (ndp_parse(m, len, &r) != WIRE_OK) {
		addf(l, "router advertisement malformed");
		return;
	}
	addf(l, "router advertisement hlim %u lifetime %u", r.cur_hop_limit, r.router_lifetime);
	if (r.managed || r.other)
		addf(l, " [%s%s%s]", r.managed ? "M" : "", r.managed && r.other ? "," : "",
		     r.other ? "O" : "");
	for (int i = 0; i < r.n_prefix; i++)
		addf(l, " prefix %s/%u", ip6_ntop(r.prefix[i].prefix, a), r.prefix[i].len);
	if (r.has_mtu)
		addf(l, " mtu %u", r.mtu);
	for (int i = 0; i < r.n_rdnss; i++)
		addf(l, " rdnss %s", ip6_ntop(r.rdnss[i].addr, a));
}

/* "MLDv2 report 2 records, TO_EX ff02::1:ff00:a", "MLDv1 query ff02::1 max 10000 ms" */
static void describe_mld(struct line *l, const uint8_t *m, size_t len)
{
	static const char *const rec[] = { "?", "IS_IN", "IS_EX", "TO_IN", "TO_EX", "ALLOW", "BLOCK" };
	struct mld_repr r;
	char g[IP_ADDR_STRLEN];

	if (mld_parse(m, len, &r) != WIRE_OK) {
		addf(l, "MLD malformed");
		return;
	}
	ip6_ntop(r.group, g);
	switch (r.type) {
	case ICMP6_MLD_QUERY:
		addf(l, "MLDv%u query %s max %u ms", r.version, g, mld_max_resp_ms(&r));
		break;
	case ICMP6_MLD_REPORT:
		addf(l, "MLDv1 report %s", g);
		break;
	case ICMP6_MLD_DONE:
		addf(l, "MLDv1 done %s", g);
		break;
	default:
		addf(l, "MLDv2 report %u record%s", r.n_sources, r.n_sources == 1 ? "" : "s");
		if (r.n_sources)
			addf(l, ", %s %s", rec[r.rec_type < 7 ? r.rec_type : 0], g);
		break;
	}
}

static void describe_icmp6(struct line *l, const struct ustack_frame_info *fi)
{
	static const char *const unreach[] = { "no route", "admin prohibited", "beyond scope",
					       "address", "port", "source policy", "reject route" };
	const uint8_t *m = fi->payload - ICMP6_HDR_LEN;
	size_t len = fi->payload_len + ICMP6_HDR_LEN;
	char a[IP_ADDR_STRLEN], t[IP_ADDR_STRLEN], mac[18];

	addf(l, "ICMP6 ");
	switch (fi->icmp_type) {
	case ICMP6_ECHO_REQUEST:
	case ICMP6_ECHO_REPLY:
		addf(l, "echo %s id %u seq %u", fi->icmp_type == ICMP6_ECHO_REQUEST ? "request" : "reply",
		     fi->icmp_id, fi->icmp_seq);
		break;
	case ICMP6_DEST_UNREACH:
		if (fi->icmp_code < sizeof(unreach) / sizeof(unreach[0]))
			addf(l, "%s unreachable", unreach[fi->icmp_code]);
		else
			addf(l, "unreachable code %u", fi->icmp_code);
		break;
	case ICMP6_PACKET_TOO_BIG:
		addf(l, "packet too big mtu %u", fi->icmp6_word);
		break;
	case ICMP6_TIME_EXCEEDED:
		addf(l, "time exceeded %s",
		     fi->icmp_code == ICMP6_FRAG_TIME_EXCEEDED ? "in reassembly" : "in transit");
		break;
	case ICMP6_PARAM_PROBLEM:
		addf(l, "parameter problem code %u pointer %u", fi->icmp_code, fi->icmp6_word);
		break;
	case ICMP6_ND_RS:
		addf(l, "router solicitation");
		if (fi->nd_has_lla)
			addf(l, " from %s", eth_ntoa(fi->nd_lla, mac));
		break;
	case ICMP6_ND_RA:
		describe_ra(l, m, len);
		break;
	case ICMP6_ND_NS:
		if (!fi->is_nd) {
			addf(l, "neighbor solicitation malformed");
			break;
		}
		addf(l, "neighbor solicitation who-has %s", ip6_str(&fi->nd_target, a));
		if (fi->nd_has_lla)
			addf(l, " from %s", eth_ntoa(fi->nd_lla, mac));
		break;
	case ICMP6_ND_NA:
		if (!fi->is_nd) {
			addf(l, "neighbor advertisement malformed");
			break;
		}
		addf(l, "neighbor advertisement %s", ip6_str(&fi->nd_target, a));
		if (fi->nd_has_lla)
			addf(l, " is-at %s", eth_ntoa(fi->nd_lla, mac));
		if (fi->nd_flags) {
			const char *sep = " [";
			static const struct { uint8_t bit; const char *name; } f[] = {
				{ 0x80, "R" }, { 0x40, "S" }, { 0x20, "O" } };
			for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
				if (fi->nd_flags & f[i].bit) {
					addf(l, "%s%s", sep, f[i].name);
					sep = ",";
				}
			addf(l, "]");
		}
		break;
	case ICMP6_ND_REDIRECT:
		if (!fi->is_nd || fi->payload_len < 32) {
			addf(l, "redirect malformed");
			break;
		}
		addf(l, "redirect %s to %s", ip6_ntop(fi->payload + 16, a), ip6_str(&fi->nd_target, t));
		break;
	case ICMP6_MLD_QUERY:
	case ICMP6_MLD_REPORT:
	case ICMP6_MLD_DONE:
	case ICMP6_MLD2_REPORT:
		describe_mld(l, m, len);
		break;
	default:
		addf(l, "type %u code %u", fi->icmp_type, fi->icmp_code);
		break;
	}
	addf(l, " len %zu", len);
}

static void describe_ipv6(struct line *l, const struct ustack_frame_info *fi, const uint8_t *ipb)
{
	char s[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN];
	const char *proto = NULL;
	size_t len = IPV6_HDR_LEN + (size_t)fi->ip6_payload_len;
	struct ipv6_chain c;

	if (fi->is_udp || fi->is_tcp)
		addf(l, "IP6 %s.%u > %s.%u: ", ip6_str(&fi->ip6_src, s), fi->sport,
		     ip6_str(&fi->ip6_dst, d), fi->dport);
	else
		addf(l, "IP6 %s > %s: ", ip6_str(&fi->ip6_src, s), ip6_str(&fi->ip6_dst, d));
	if (fi->ip6_bad_chain || ipv6_ext_walk(ipb, len, &c) != WIRE_OK) {
		addf(l, "bad extension headers len %u", fi->ip6_payload_len);
		return;
	}
	switch (fi->ip_proto) {
	case IP_PROTO_ICMPV6: proto = "ICMP6"; break;
	case IP_PROTO_UDP: proto = "UDP"; break;
	case IP_PROTO_TCP: proto = "TCP"; break;
	default: break;
	}
	if (c.frag && c.frag_off) {
		/* A later fragment: no transport header to show. */
		if (proto)
			addf(l, "%s", proto);
		else
			addf(l, "proto %u", fi->ip_proto);
		addf(l, " len %zu", len - c.l4_off);
	} else if (fi->is_icmp6) {
		describe_icmp6(l, fi);
	} else if (fi->is_udp) {
		describe_udp(l, fi);
	} else if (fi->is_tcp && fi->payload) {
		describe_tcp(l, fi, ipb + c.l4_off, len - c.l4_off);
	} else if (fi->ip_proto == IP_PROTO_NONE) {
		addf(l, "no next header");
	} else if (proto) {
		addf(l, "%s truncated", proto);
	} else {
		addf(l, "proto %u len %zu", fi->ip_proto, len - c.l4_off);
	}
	if (c.frag)
		addf(l, " frag id %u off %u%s", c.frag_id, c.frag_off, c.mf ? "+" : "");
	if (fi->ip6_hop_limit <= 1 && !c.router_alert)
		addf(l, " hlim %u", fi->ip6_hop_limit);
}

int ustack_frame_describe(const uint8_t *frame, size_t len, char *out, size_t cap)
{
	struct ustack_frame_info fi;
	struct line l = { out, cap, 0 };
	char s[18], d[18];

	if (!out || cap == 0)
		return -1;
	out[0] = '\0';
	if (ustack_frame_decode(frame, len, &fi) != 0) {
		addf(&l, "truncated frame (%zu bytes)", len);
		return -1;
	}
	switch (fi.ethertype) {
	case ETHERTYPE_ARP:
		addf(&l, "%s > %s ", eth_ntoa(fi.eth_src, s), eth_ntoa(fi.eth_dst, d));
		describe_arp(&l, &fi);
		break;
	case ETHERTYPE_IPV4:
		if (fi.is_ipv4)
			describe_ipv4(&l, &fi, frame + ETH_HDR_LEN, len - ETH_HDR_LEN);
		else
			addf(&l, "IP malformed len %zu", len - ETH_HDR_LEN);
		break;
	case ETHERTYPE_IPV6:
		if (fi.is_ipv6)
			describe_ipv6(&l, &fi, frame + ETH_HDR_LEN);
		else
			addf(&l, "IP6 malformed len %zu", len - ETH_HDR_LEN);
		break;
	default:
		addf(&l, "%s > %s ethertype 0x%04x len %zu", eth_ntoa(fi.eth_src, s),
		     eth_ntoa(fi.eth_dst, d), fi.ethertype, len - ETH_HDR_LEN);
		break;
	}
	return (int)l.len;
}
