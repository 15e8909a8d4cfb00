/* hosts.c - the hosts table: a growable array of (name, address) pairs, names in lower
 * case (RFC 4343: DNS names compare without regard to case). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/hosts.h"

int dns_hosts_add(struct dns_hosts *t, const char *name, uint32_t addr)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->h[i].addr == addr && strcmp(t->h[i].name, name) == 0)
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
	h->addr = addr;
	return 0;
}

int dns_hosts_lookup(const struct dns_hosts *t, const char *name, uint32_t *out, int max)
{
	int n = 0;

	for (size_t i = 0; i < t->n && n < max; i++)
		if (strcmp(t->h[i].name, name) == 0)
			out[n++] = t->h[i].addr;
	return n;
}

const char *dns_hosts_name(const struct dns_hosts *t, uint32_t addr)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->h[i].addr == addr)
			return t->h[i].name;
	return NULL;
}

void dns_hosts_free(struct dns_hosts *t)
{
	free(t->h);
	t->h = NULL;
	t->n = t->cap = 0;
}
