/* hosts.h - the stack's hosts table: names answered without the network (as
 * /etc/hosts is for the system resolver). */
#ifndef USTACK_DNS_HOSTS_H
#define USTACK_DNS_HOSTS_H

#include <stddef.h>
#include <stdint.h>
#include "wire/dns.h"

#define DNS_HOSTS_MAX 1024

struct dns_host {
	char name[DNS_MAX_NAME + 1];    /* lower case */
	uint32_t addr;                  /* host order */
};

struct dns_hosts {
	struct dns_host *h;
	size_t n, cap;
};

/* 0, or -1 (errno ENOMEM / ENOSPC). A name may carry several addresses; a repeated
 * pair is kept once. */
int dns_hosts_add(struct dns_hosts *t, const char *name, uint32_t addr);
/* Up to max addresses of name (lower case), in the order added; returns how many. */
int dns_hosts_lookup(const struct dns_hosts *t, const char *name, uint32_t *out, int max);
/* The first name added for addr (host order), or NULL. */
const char *dns_hosts_name(const struct dns_hosts *t, uint32_t addr);
void dns_hosts_free(struct dns_hosts *t);

#endif
