/* hosts.h - the stack's hosts table: names answered without the network (as
 * /etc/hosts is for the system resolver), IPv4 and IPv6 addresses. */
#ifndef USTACK_DNS_HOSTS_H
#define USTACK_DNS_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "wire/dns.h"

#define DNS_HOSTS_MAX 1024

struct dns_host {
	char name[DNS_MAX_NAME + 1];    /* lower case */
	bool v6;                        /* addr6 holds the address, else addr */
	uint32_t addr;                  /* host order */
	uint8_t addr6[16];              /* network order */
};

struct dns_hosts {
	struct dns_host *h;
	size_t n, cap;
};

/* 0, or -1 (errno ENOMEM / ENOSPC). A name may carry several addresses; a repeated
 * pair is kept once. */
int dns_hosts_add(struct dns_hosts *t, const char *name, uint32_t addr);
int dns_hosts_add6(struct dns_hosts *t, const char *name, const uint8_t addr[16]);
/* One hosts(5) line: "ADDRESS NAME [ALIAS...]" with '#' comments, ADDRESS IPv4 or IPv6;
 * every name (normalised: lower case, no trailing dot) gets the address. Returns the
 * names added (0 for a blank or comment line), or -1 (errno EINVAL: bad address or
 * name, nothing added; ENOMEM / ENOSPC). */
int dns_hosts_line(struct dns_hosts *t, const char *line);
/* Up to max addresses of name (lower case), in the order added; returns how many. */
int dns_hosts_lookup(const struct dns_hosts *t, const char *name, uint32_t *out, int max);
int dns_hosts_lookup6(const struct dns_hosts *t, const char *name, uint8_t (*out)[16], int max);
/* The first name added for addr (host order), or NULL. */
const char *dns_hosts_name(const struct dns_hosts *t, uint32_t addr);
const char *dns_hosts_name6(const struct dns_hosts *t, const uint8_t addr[16]);
void dns_hosts_free(struct dns_hosts *t);

#endif
