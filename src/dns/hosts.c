/* hosts.c - the hosts table: a growable array of (name, address) pairs, names in lower
 * case (RFC 4343: DNS names compare without regard to case), addresses of either
 * family; and the hosts(5) line format that fills it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ip_addr.h"
#include "dns/hosts.h"

#define HOSTS_LINE_MAX 1024
#define HOSTS_NAMES_MAX 16

static bool same(const struct dns_host *h, const char *name, bool v6, uint32_t addr,
		 const uint8_t *addr6)
{
	if (h->v6 != v6 || strcmp(h->name, name) != 0)
		return false;
	return v6 ? memcmp(h->addr6, addr6, 16) == 0 : h->addr == addr;
}

static int add(struct dns_hosts *t, const char *name, bool v6, uint32_t addr, const uint8_t *addr6)
{
	for (size_t i = 0; i < t->n; i++)
		if (same(&t->h[i], name, v6, addr, addr6))
			return 0;
	if (t->n == t->cap) {
		if (t->cap >= DNS_HOSTS_MAX) {
			errno = ENOSPC;
			return -1;
		}
		size_t ncap = t->cap ? t->cap * 2 : 8;
		struct dns_host *n = realloc(t->h, ncap * sizeof(*n));
		if (!n) {
			errno = ENOMEM;
			return -1;
		}
		t->h = n;
		t->cap = ncap;
	}
	struct dns_host *h = &t->h[t->n++];
	memset(h, 0, sizeof(*h));
	strncpy(h->name, name, DNS_MAX_NAME);
	h->v6 = v6;
	h->addr = addr;
	if (v6)
		memcpy(h->addr6, addr6, 16);
	return 0;
}

int dns_hosts_add(struct dns_hosts *t, const char *name, uint32_t addr)
{
	return add(t, name, false, addr, NULL);
}

int dns_hosts_add6(struct dns_hosts *t, const char *name, const uint8_t addr[16])
{
	return add(t, name, true, 0, addr);
}

/* name lower-cased without its trailing dot into out; -1 if it is no domain name. */
static int norm(const char *name, size_t n, char out[DNS_MAX_NAME + 1])
{
	if (n && name[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return -1;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (++label > 63) {
			return -1;
		}
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	if (label == 0)
		return -1;
	out[n] = '\0';
	return 0;
}

int dns_hosts_line(struct dns_hosts *t, const char *line)
{
	char buf[HOSTS_LINE_MAX], names[HOSTS_NAMES_MAX][DNS_MAX_NAME + 1];
	char *tok[HOSTS_NAMES_MAX + 1];
	int n = 0;

	size_t len = strcspn(line, "#\n");
	if (len >= sizeof(buf)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (char *p = buf; *p;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == HOSTS_NAMES_MAX + 1) {
			errno = EINVAL;
			return -1;
		}
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
	}
	if (n == 0)
		return 0;
	struct ip_addr a;
	if (n < 2 || ip_addr_pton(IP_AF_NONE, tok[0], &a) != 0) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 1; i < n; i++)
		if (norm(tok[i], strlen(tok[i]), names[i - 1]) != 0) {
			errno = EINVAL;
			return -1;
		}
	for (int i = 1; i < n; i++) {
		int rc = a.family == IP_AF_INET6 ? dns_hosts_add6(t, names[i - 1], a.b)
						 : dns_hosts_add(t, names[i - 1], ip_addr_v4(&a));
		if (rc)
			return -1;
	}
	return n - 1;
}

int dns_hosts_lookup(const struct dns_hosts *t, const char *name, uint32_t *out, int max)
{
	int n = 0;

	for (size_t i = 0; i < t->n && n < max; i++)
		if (!t->h[i].v6 && strcmp(t->h[i].name, name) == 0)
			out[n++] = t->h[i].addr;
	return n;
}

int dns_hosts_lookup6(const struct dns_hosts *t, const char *name, uint8_t (*out)[16], int max)
{
	int n = 0;

	for (size_t i = 0; i < t->n && n < max; i++)
		if (t->h[i].v6 && strcmp(t->h[i].name, name) == 0)
			memcpy(out[n++], t->h[i].addr6, 16);
	return n;
}

const char *dns_hosts_name(const struct dns_hosts *t, uint32_t addr)
{
	for (size_t i = 0; i < t->n; i++)
		if (!t->h[i].v6 && t->h[i].addr == addr)
			return t->h[i].name;
	return NULL;
}

const char *dns_hosts_name6(const struct dns_hosts *t, const uint8_t addr[16])
{
	for (size_t i = 0; i < t->n; i++)
		if (t->h[i].v6 && memcmp(t->h[i].addr6, addr, 16) == 0)
			return t->h[i].name;
	return NULL;
}

void dns_hosts_free(struct dns_hosts *t)
{
	free(t->h);
	t->h = NULL;
	t->n = t->cap = 0;
}
