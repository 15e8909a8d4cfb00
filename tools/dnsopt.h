/* dnsopt.h - a DNS server named on the command line (--dns, `ustack host NAME SERVER`):
 * an IPv4 address, an IPv6 one, or a link-local IPv6 one with its interface
 * ("10.0.0.53", "2001:db8::53", "fe80::1%tap0"), and its place in the resolver config. */
#ifndef USTACK_TOOLS_DNSOPT_H
#define USTACK_TOOLS_DNSOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include "ustack/ustack.h"
#include "ustack/netdb.h"

struct tool_dns {
	int family;                 /* AF_INET or AF_INET6; 0: none given */
	struct in_addr v4;
	struct in6_addr v6;
	char scope[16];             /* after '%': an interface name, or ustack's scope id */
};

/* 0, or -1 when s is not one of the forms above (a link-local address needs its
 * scope, a global one takes none; multicast and :: are no servers). */
int tool_dns_parse(const char *s, struct tool_dns *out);
/* Appends d to cfg's servers (servers[] or servers6[], with the scope id of the named
 * interface of st): 0, or -1 with "ustack CMD: ..." printed (no such interface, full). */
int tool_dns_add(struct ustack *st, const char *cmd, const struct tool_dns *d,
		 struct ustack_resolver_config *cfg);
/* Can d's scope name the interface of a host on the device tap? A number (ustack's
 * scope id) passes; with tap NULL (the in-process network) any name, checked later. */
bool tool_dns_scope_ok(const struct tool_dns *d, const char *tap);
/* "10.0.0.53", "2001:db8::53", "fe80::1%tap0". */
const char *tool_dns_str(const struct tool_dns *d, char *buf, size_t cap);

#endif
