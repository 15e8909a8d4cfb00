/* resolver.h (internal) - per-stack resolver state: servers, cache, hosts table. */
#ifndef USTACK_DNS_RESOLVER_H
#define USTACK_DNS_RESOLVER_H

struct ustack;

int dns_init(struct ustack *st);
void dns_free(struct ustack *st);

#endif
