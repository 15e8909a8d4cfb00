/* demo_log.c - the demo's event log: a copy of every trace event of every stack, each
 * frame decoded by ustack_frame_decode; then, on the main thread, who sent each frame to
 * whom, which frames were lost and which were sent again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "demo_log.h"

#define DEMO_MATCH_US 500000   /* a frame arrives within this long of being sent, or never */

/* One sender's flow, for telling a retransmission from new data. */
struct flow {
	int host;
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t next;           /* highest sequence number sent + 1 */
};

/* A question sent (DNS) or an address asked for (ARP), for telling a retry. */
struct asked {
	int host;
	char kind;               /* 'd' DNS, 'a' ARP */
	char what[256];
	bool answered;
};

struct seen {
	struct flow *flows;
	size_t n_flows, cap_flows;
	struct asked *asked;
	size_t n_asked, cap_asked;
};

int demo_log_init(struct demo_log *log, size_t max)
{
	memset(log, 0, sizeof *log);
	if (pthread_mutex_init(&log->mu, NULL))
		return -1;
	log->max = max;
	log->seen = calloc(1, sizeof(struct seen));
	return log->seen ? 0 : -1;
}

void demo_log_free(struct demo_log *log)
{
	for (size_t i = 0; i < log->n; i++) {
		free(log->ev[i]->line);
		free(log->ev[i]->frame);
		free(log->ev[i]);
	}
	free(log->ev);
	struct seen *s = log->seen;
	if (s) {
		free(s->flows);
		free(s->asked);
		free(s);
	}
	pthread_mutex_destroy(&log->mu);
	log->ev = NULL;
	log->n = 0;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

void demo_log_hook(void *ctx, const struct ustack_trace *tr)
{
	struct demo_hook *hk = ctx;
	struct demo_log *log = hk->log;
	struct demo_ev *e;

	if (hk->echo)
		hk->echo(NULL, tr);
	e = calloc(1, sizeof *e);
	if (!e)
		return;
	e->kind = tr->kind;
	e->t = tr->time_us;
	e->host = hk->host;
	e->ifindex = tr->ifindex;
	e->line = strdup(tr->line ? tr->line : "");
	e->reason = tr->reason;
	e->object = tr->object;
	copy_str(e->subsystem, sizeof e->subsystem, tr->subsystem);
	copy_str(e->old_state, sizeof e->old_state, tr->old_state);
	copy_str(e->new_state, sizeof e->new_state, tr->new_state);
	e->from_host = e->to_host = -1;
	if (tr->frame && tr->frame_len) {
		e->frame = malloc(tr->frame_len);
		if (e->frame) {
			memcpy(e->frame, tr->frame, tr->frame_len);
			e->frame_len = tr->frame_len;
			e->decoded = ustack_frame_decode(e->frame, e->frame_len, &e->fi) == 0;
		}
	}

	pthread_mutex_lock(&log->mu);
	if (log->n >= log->max) {
		log->overflow++;
		pthread_mutex_unlock(&log->mu);
		free(e->line);
		free(e->frame);
		free(e);
		return;
	}
	if (log->n == log->cap) {
		size_t cap = log->cap ? log->cap * 2 : 1024;
		struct demo_ev **v = realloc(log->ev, cap * sizeof *v);
		if (!v) {
			log->overflow++;
			pthread_mutex_unlock(&log->mu);
			free(e->line);
			free(e->frame);
			free(e);
			return;
		}
		log->ev = v;
		log->cap = cap;
	}
	e->idx = log->n;
	log->ev[log->n++] = e;
	pthread_mutex_unlock(&log->mu);
}

int demo_log_add_host(struct demo_log *log, const char *name, const char *role, bool local,
		      struct ustack *st)
{
	if (log->n_hosts >= DEMO_MAX_HOSTS)
		return -1;
	struct demo_host *h = &log->hosts[log->n_hosts];
	memset(h, 0, sizeof *h);
	copy_str(h->name, sizeof h->name, name);
	copy_str(h->role, sizeof h->role, role);
	h->local = local;
	h->st = st;
	return log->n_hosts++;
}

void demo_host_add_if(struct demo_host *h, struct in_addr addr, int prefix, const uint8_t mac[6])
{
	if (addr.s_addr && h->n_addr < DEMO_MAX_ADDRS) {
		for (int i = 0; i < h->n_addr; i++)
			if (h->addr[i].s_addr == addr.s_addr)
				goto mac;
		h->addr[h->n_addr] = addr;
		h->prefix[h->n_addr] = prefix;
		h->n_addr++;
	}
mac:
	if (mac && h->n_mac < DEMO_MAX_ADDRS) {
		for (int i = 0; i < h->n_mac; i++)
			if (!memcmp(h->mac[i], mac, 6))
				return;
		memcpy(h->mac[h->n_mac++], mac, 6);
	}
}

void demo_host_add_addr6(struct demo_host *h, const struct in6_addr *addr, int prefix)
{
	int max = (int)(sizeof h->addr6 / sizeof h->addr6[0]);
	for (int i = 0; i < h->n_addr6; i++)
		if (!memcmp(&h->addr6[i], addr, 16))
			return;
	if (h->n_addr6 < max) {
		h->addr6[h->n_addr6] = *addr;
		h->prefix6[h->n_addr6] = prefix;
		h->n_addr6++;
	}
}

size_t demo_log_count(struct demo_log *log)
{
	pthread_mutex_lock(&log->mu);
	size_t n = log->n;
	pthread_mutex_unlock(&log->mu);
	return n;
}

static int cmp_ev_time(const void *a, const void *b)
{
	const struct demo_ev *x = *(const struct demo_ev *const *)a;
	const struct demo_ev *y = *(const struct demo_ev *const *)b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct demo_ev **demo_log_slice(struct demo_log *log, size_t from, size_t *n_out)
{
	pthread_mutex_lock(&log->mu);
	size_t n = log->n > from ? log->n - from : 0;
	struct demo_ev **v = malloc((n ? n : 1) * sizeof *v);
	if (v && n)
		memcpy(v, log->ev + from, n * sizeof *v);
	pthread_mutex_unlock(&log->mu);
	if (!v) {
		*n_out = 0;
		return NULL;
	}
	qsort(v, n, sizeof *v, cmp_ev_time);
	*n_out = n;
	return v;
}

int demo_log_host_by_mac(struct demo_log *log, const uint8_t mac[6])
{
	for (int i = 0; i < log->n_hosts; i++)
		for (int j = 0; j < log->hosts[i].n_mac; j++)
			if (!memcmp(log->hosts[i].mac[j], mac, 6))
				return i;
	return -1;
}

int demo_log_host_by_addr(struct demo_log *log, struct in_addr a)
{
	for (int i = 0; i < log->n_hosts; i++)
		for (int j = 0; j < log->hosts[i].n_addr; j++)
			if (log->hosts[i].addr[j].s_addr == a.s_addr)
				return i;
	return -1;
}

int demo_log_host_by_addr6(struct demo_log *log, const struct in6_addr *a)
{
	for (int i = 0; i < log->n_hosts; i++)
		for (int j = 0; j < log->hosts[i].n_addr6; j++)
			if (!memcmp(&log->hosts[i].addr6[j], a, 16))
				return i;
	return -1;
}

bool demo_is_dad_ns(const struct ustack_frame_info *fi)
{
	static const struct in6_addr any;
	return fi->is_ipv6 && fi->is_nd && fi->icmp_type == 135 && !memcmp(&fi->ip6_src, &any, 16);
}

bool demo_is_ns(const struct ustack_frame_info *fi)
{
	return fi->is_ipv6 && fi->is_nd && fi->icmp_type == 135 && !demo_is_dad_ns(fi);
}

bool demo_is_na(const struct ustack_frame_info *fi)
{
	return fi->is_ipv6 && fi->is_nd && fi->icmp_type == 136;
}

bool demo_is_ip6_housekeeping(const struct ustack_frame_info *fi)
{
	/* 133 router solicitation; 130-132 MLDv1, 143 MLDv2 report */
	return fi->is_ipv6 && fi->is_icmp6 && (fi->icmp_type == 133 || fi->icmp_type == 143 ||
					       (fi->icmp_type >= 130 && fi->icmp_type <= 132));
}

bool demo_mac_is_bcast(const uint8_t mac[6])
{
	return mac[0] & 1;   /* broadcast or multicast: every port gets it */
}

/* A MAC no local stack owns: a machine behind the TAP; one column per MAC. */
static int remote_host(struct demo_log *log, const uint8_t mac[6])
{
	int h = demo_log_host_by_mac(log, mac);
	if (h >= 0 || demo_mac_is_bcast(mac) || !log->learn_remote)
		return h;
	int n_remote = 0;
	for (int i = 0; i < log->n_hosts; i++)
		n_remote += !log->hosts[i].local;
	char name[32];
	if (n_remote)
		snprintf(name, sizeof name, "linux-%d", n_remote + 1);
	else
		snprintf(name, sizeof name, "linux");
	h = demo_log_add_host(log, name, "", false, NULL);
	if (h >= 0)
		demo_host_add_if(&log->hosts[h], (struct in_addr){ 0 }, 0, mac);
	return h;
}

static bool host_has_addr(const struct demo_host *h, struct in_addr a)
{
	for (int i = 0; i < h->n_addr; i++)
		if (h->addr[i].s_addr == a.s_addr)
			return true;
	return false;
}

/* Learn a remote host's address from what it sends. */
static void learn_addr(struct demo_log *log, int h, const struct ustack_frame_info *fi)
{
	if (h < 0 || log->hosts[h].local)
		return;
	struct in_addr a = { 0 };
	if (fi->is_arp)
		a = fi->arp_spa;
	else if (fi->is_ipv4 && !fi->is_tcp && !fi->is_udp && !fi->is_icmp)
		return;
	else if (fi->is_ipv4)
		a = fi->ip_src;
	if (a.s_addr && !host_has_addr(&log->hosts[h], a))
		demo_host_add_if(&log->hosts[h], a, 0, NULL);
}

static struct flow *flow_get(struct seen *s, int host, const struct ustack_frame_info *fi)
{
	for (size_t i = 0; i < s->n_flows; i++) {
		struct flow *f = &s->flows[i];
		if (f->host == host && f->src == fi->ip_src.s_addr && f->dst == fi->ip_dst.s_addr &&
		    f->sport == fi->sport && f->dport == fi->dport)
			return f;
	}
	if (s->n_flows == s->cap_flows) {
		size_t cap = s->cap_flows ? s->cap_flows * 2 : 16;
		struct flow *v = realloc(s->flows, cap * sizeof *v);
		if (!v)
			return NULL;
		s->flows = v;
		s->cap_flows = cap;
	}
	struct flow *f = &s->flows[s->n_flows++];
	memset(f, 0, sizeof *f);
	f->host = host;
	f->src = fi->ip_src.s_addr;
	f->dst = fi->ip_dst.s_addr;
	f->sport = fi->sport;
	f->dport = fi->dport;
	f->next = 0;
	return f;
}

static struct asked *asked_get(struct seen *s, int host, char kind, const char *what, bool add)
{
	for (size_t i = 0; i < s->n_asked; i++)
		if (s->asked[i].host == host && s->asked[i].kind == kind &&
		    !strcmp(s->asked[i].what, what))
			return &s->asked[i];
	if (!add)
		return NULL;
	if (s->n_asked == s->cap_asked) {
		size_t cap = s->cap_asked ? s->cap_asked * 2 : 16;
		struct asked *v = realloc(s->asked, cap * sizeof *v);
		if (!v)
			return NULL;
		s->asked = v;
		s->cap_asked = cap;
	}
	struct asked *a = &s->asked[s->n_asked++];
	memset(a, 0, sizeof *a);
	a->host = host;
	a->kind = kind;
	copy_str(a->what, sizeof a->what, what);
	return a;
}

/* A TCP segment, DNS question or ARP request this host already sent. */
static bool is_retransmission(struct seen *s, const struct demo_ev *e)
{
	const struct ustack_frame_info *fi = &e->fi;
	char what[300];

	if (fi->is_tcp) {
		uint32_t len = demo_tcp_seg_len(fi);
		struct flow *f = flow_get(s, e->host, fi);
		if (!f || !len)
			return false;
		uint32_t end = fi->tcp_seq + len;
		bool again = f->next && (int32_t)(end - f->next) <= 0;
		if (!f->next || (int32_t)(end - f->next) > 0)
			f->next = end;
		return again;
	}
	if (fi->is_dns && !(fi->dns_flags & 0x8000)) {
		snprintf(what, sizeof what, "%s/%u", fi->dns_qname, fi->dns_qtype);
		struct asked *a = asked_get(s, e->host, 'd', what, false);
		if (a && !a->answered)
			return true;
		a = asked_get(s, e->host, 'd', what, true);
		if (a)
			a->answered = false;
		return false;
	}
	if (demo_is_ns(fi)) {
		char b[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &fi->nd_target, b, sizeof b);
		snprintf(what, sizeof what, "%s", b);
		struct asked *a = asked_get(s, e->host, 'n', what, false);
		if (a && !a->answered)
			return true;
		a = asked_get(s, e->host, 'n', what, true);
		if (a)
			a->answered = false;
		return false;
	}
	if (fi->is_arp && fi->arp_op == 1 && fi->arp_spa.s_addr != fi->arp_tpa.s_addr) {
		snprintf(what, sizeof what, "%08x", (unsigned)fi->arp_tpa.s_addr);
		struct asked *a = asked_get(s, e->host, 'a', what, false);
		if (a && !a->answered)
			return true;
		a = asked_get(s, e->host, 'a', what, true);
		if (a)
			a->answered = false;
	}
	return false;
}

/* An answer arrived at host: its question is no longer outstanding. */
static void note_answer(struct seen *s, const struct demo_ev *e)
{
	const struct ustack_frame_info *fi = &e->fi;
	char what[300];
	struct asked *a = NULL;

	if (fi->is_dns && (fi->dns_flags & 0x8000)) {
		snprintf(what, sizeof what, "%s/%u", fi->dns_qname, fi->dns_qtype);
		a = asked_get(s, e->host, 'd', what, false);
	} else if (fi->is_arp && fi->arp_op == 2) {
		snprintf(what, sizeof what, "%08x", (unsigned)fi->arp_spa.s_addr);
		a = asked_get(s, e->host, 'a', what, false);
	} else if (demo_is_na(fi)) {
		char b[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &fi->nd_target, b, sizeof b);
		snprintf(what, sizeof what, "%s", b);
		a = asked_get(s, e->host, 'n', what, false);
	}
	if (a)
		a->answered = true;
}

/* The column a frame is addressed to. */
static int receiver_of(struct demo_log *log, size_t i, const struct demo_ev *e)
{
	const struct ustack_frame_info *fi = &e->fi;
	if (!demo_mac_is_bcast(fi->eth_dst))
		return remote_host(log, fi->eth_dst);
	if (demo_is_ns(fi))      /* to a solicited-node group: the target's owner listens */
		return demo_log_host_by_addr6(log, &fi->nd_target);
	if (!fi->is_arp || fi->arp_op != 1)
		return -1;
	int h = demo_log_host_by_addr(log, fi->arp_tpa);
	if (h >= 0)
		return h;
	/* behind a TAP: whoever answers for the address */
	for (size_t j = i + 1; j < log->n && j < i + 2000; j++) {
		const struct demo_ev *r = log->ev[j];
		if (r->kind == USTACK_TRACE_RX && r->decoded && r->fi.is_arp && r->fi.arp_op == 2 &&
		    r->fi.arp_spa.s_addr == fi->arp_tpa.s_addr) {
			h = remote_host(log, r->fi.eth_src);
			if (h >= 0)
				learn_addr(log, h, &r->fi);
			return h;
		}
	}
	return -1;
}

void demo_log_analyse(struct demo_log *log)
{
	struct seen *s = log->seen;

	/* The main thread is the only one to touch derived fields and the host table;
	 * the lock is held only to read the array safely while hooks may append. */
	pthread_mutex_lock(&log->mu);
	size_t n = log->n;
	for (size_t i = log->analysed_upto; i < n; i++) {
		struct demo_ev *e = log->ev[i];
		if (!e->decoded || (e->kind != USTACK_TRACE_TX && e->kind != USTACK_TRACE_RX))
			continue;
		const struct ustack_frame_info *fi = &e->fi;
		if (e->kind == USTACK_TRACE_RX) {
			e->to_host = e->host;
			e->from_host = remote_host(log, fi->eth_src);
			learn_addr(log, e->from_host, fi);
			note_answer(s, e);
			continue;
		}
		e->from_host = e->host;
		e->to_host = receiver_of(log, i, e);
		e->retrans = s && is_retransmission(s, e);
		e->forwarded = (fi->is_ipv4 && !host_has_addr(&log->hosts[e->host], fi->ip_src)) ||
			       (fi->is_ipv6 && (fi->is_tcp || fi->is_udp) &&
				demo_log_host_by_addr6(log, &fi->ip6_src) != e->host);
		if (e->to_host < 0 || !log->hosts[e->to_host].local)
			continue;
		/* The same bytes can be sent twice (an ARP reply, a repeated query): the
		 * arrival is the first unclaimed copy within DEMO_MATCH_US of the sending. */
		for (size_t j = i + 1; j < n && j < i + 5000; j++) {
			struct demo_ev *r = log->ev[j];
			if (r->kind == USTACK_TRACE_RX && r->host == e->to_host && !r->claimed &&
			    r->t >= e->t && r->t - e->t <= DEMO_MATCH_US &&
			    r->frame_len == e->frame_len && !memcmp(r->frame, e->frame, e->frame_len)) {
				e->rx = r;
				r->claimed = true;
				break;
			}
		}
		e->lost = !e->rx;
	}
	log->analysed_upto = n;
	pthread_mutex_unlock(&log->mu);
}

/* --- formatting --- */

void demo_fmt_mac(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void demo_tcp_flag_names(uint8_t flags, char *out, size_t cap)
{
	static const struct { uint8_t bit; const char *name; } order[] = {
		{ 0x02, "SYN" }, { 0x01, "FIN" }, { 0x04, "RST" }, { 0x08, "PSH" },
		{ 0x20, "URG" }, { 0x10, "ACK" },
	};
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (!(flags & order[i].bit))
			continue;
		int w = snprintf(out + used, cap - used, "%s%s", used ? "/" : "", order[i].name);
		if (w < 0 || (size_t)w >= cap - used)
			return;
		used += (size_t)w;
	}
	if (!used)
		snprintf(out, cap, "none");
}

void demo_tcp_flag_bits(uint8_t flags, char out[7])
{
	for (int i = 0; i < 6; i++)
		out[i] = (flags >> (5 - i)) & 1 ? '1' : '0';
	out[6] = '\0';
}

void demo_tcp_options(const struct ustack_frame_info *fi, char *out, size_t cap)
{
	size_t used = 0;
	char part[64];
	out[0] = '\0';
	for (int k = 0; k < 5; k++) {
		part[0] = '\0';
		if (k == 0 && fi->tcp_has_mss)
			snprintf(part, sizeof part, "mss %u", fi->tcp_mss);
		else if (k == 1 && fi->tcp_sack_perm)
			snprintf(part, sizeof part, "sackOK");
		else if (k == 2 && fi->tcp_has_ts)
			snprintf(part, sizeof part, "TS val %u ecr %u", fi->tcp_ts_val, fi->tcp_ts_ecr);
		else if (k == 3 && fi->tcp_has_wscale)
			snprintf(part, sizeof part, "wscale %u", fi->tcp_wscale);
		else if (k == 4 && fi->tcp_n_sack)
			snprintf(part, sizeof part, "sack %u", fi->tcp_n_sack);
		if (!part[0])
			continue;
		int w = snprintf(out + used, cap - used, "%s%s", used ? "," : "", part);
		if (w < 0 || (size_t)w >= cap - used)
			return;
		used += (size_t)w;
	}
}

uint32_t demo_tcp_seg_len(const struct ustack_frame_info *fi)
{
	return (uint32_t)fi->payload_len + !!(fi->tcp_flags & 0x02) + !!(fi->tcp_flags & 0x01);
}

void demo_http_first_line(const struct ustack_frame_info *fi, char *out, size_t cap)
{
	out[0] = '\0';
	if (!fi->payload || !fi->payload_len || cap < 2)
		return;
	/* HTTP, and the SMTP commands and replies of the mail journey */
	static const char *const starts[] = { "GET ", "HEAD ", "POST ", "PUT ", "HTTP/1.", "EHLO ",
					      "HELO ", "MAIL FROM:", "RCPT TO:", "DATA\r", "QUIT\r",
					      "220 ", "221 ", "250 ", "250-", "354 ", "550 " };
	for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
		size_t sl = strlen(starts[k]);
		if (fi->payload_len < sl || memcmp(fi->payload, starts[k], sl))
			continue;
		size_t i = 0;
		while (i < fi->payload_len && i + 1 < cap && fi->payload[i] != '\r' &&
		       fi->payload[i] != '\n' && fi->payload[i] >= 0x20 && fi->payload[i] < 0x7f) {
			out[i] = (char)fi->payload[i];
			i++;
		}
		out[i] = '\0';
		return;
	}
}
