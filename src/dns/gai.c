/* gai.c - getaddrinfo / gethostbyname over the stack's resolver (POSIX.1-2017
 * getaddrinfo(), freeaddrinfo(), gai_strerror(), gethostbyname(); RFC 3493 6.1 for the
 * flags). IPv4 only: AF_UNSPEC and AF_INET give IPv4 results, any other family is
 * EAI_FAMILY. Each struct addrinfo is one allocation holding its sockaddr_in, with
 * ai_canonname allocated apart, the way glibc lays them out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "ustack/netdb.h"
#include "ustack/socket.h"
#include "core/stack.h"
#include "dns/resolver.h"

#define GAI_FLAGS (AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV | \
		   AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG)

/* The few service names programs pass most, so that no services database is needed. */
static const struct {
	const char *name;
	uint16_t port;
	int socktype;           /* 0: both */
} services[] = {
	{ "echo", 7, 0 }, { "discard", 9, 0 }, { "ftp", 21, SOCK_STREAM },
	{ "ssh", 22, SOCK_STREAM }, { "telnet", 23, SOCK_STREAM }, { "smtp", 25, SOCK_STREAM },
	{ "domain", 53, 0 }, { "http", 80, SOCK_STREAM }, { "www", 80, SOCK_STREAM },
	{ "ntp", 123, SOCK_DGRAM }, { "https", 443, SOCK_STREAM },
};

const char *dns_service_name(uint16_t port, bool dgram)
{
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (services[i].port == port &&
		    (!services[i].socktype || services[i].socktype == (dgram ? SOCK_DGRAM : SOCK_STREAM)))
			return services[i].name;
	return NULL;
}

/* 0 with *port, or an EAI code. */
static int parse_service(const char *service, int flags, int socktype, uint16_t *port)
{
	*port = 0;
	if (!service || !service[0])
		return 0;
	char *end;
	errno = 0;
	unsigned long v = strtoul(service, &end, 10);
	if (*end == '\0' && service[0] >= '0' && service[0] <= '9') {
		if (errno || v > 65535)
			return EAI_SERVICE;
		*port = (uint16_t)v;
		return 0;
	}
	if (flags & AI_NUMERICSERV)
		return EAI_NONAME;
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		if (strcasecmp(services[i].name, service) != 0)
			continue;
		if (services[i].socktype && socktype && services[i].socktype != socktype)
			return EAI_SERVICE;
		*port = services[i].port;
		return 0;
	}
	return EAI_SERVICE;
}

void ustack_freeaddrinfo(struct addrinfo *res)
{
	while (res) {
		struct addrinfo *n = res->ai_next;
		free(res->ai_canonname);
		free(res);
		res = n;
	}
}

/* Appends one entry; false when out of memory. */
static bool add_ai(struct addrinfo ***tail, struct in_addr a, uint16_t port, int socktype,
		   const char *canon)
{
	struct addrinfo *ai = calloc(1, sizeof(*ai) + sizeof(struct sockaddr_in));

	if (!ai)
		return false;
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)(ai + 1);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr = a;
	ai->ai_family = AF_INET;
	ai->ai_socktype = socktype;
	ai->ai_protocol = socktype == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	ai->ai_addrlen = sizeof(*sin);
	ai->ai_addr = (struct sockaddr *)sin;
	if (canon && !(ai->ai_canonname = strdup(canon))) {
		free(ai);
		return false;
	}
	**tail = ai;
	*tail = &ai->ai_next;
	return true;
}

int ustack_getaddrinfo(struct ustack *st, const char *node, const char *service,
		       const struct addrinfo *hints, struct addrinfo **res)
{
	int flags = hints ? hints->ai_flags : (AI_V4MAPPED | AI_ADDRCONFIG);
	int family = hints ? hints->ai_family : AF_UNSPEC;
	int socktype = hints ? hints->ai_socktype : 0;
	int protocol = hints ? hints->ai_protocol : 0;

	if (!st || !res) {
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	*res = NULL;
	if (hints && (hints->ai_addrlen || hints->ai_canonname || hints->ai_addr || hints->ai_next))
		return EAI_BADFLAGS;            /* POSIX: the other members must be zero */
	if (flags & ~GAI_FLAGS)
		return EAI_BADFLAGS;
	if ((!node || !node[0]) && (!service || !service[0]))
		return EAI_NONAME;
	if ((flags & AI_CANONNAME) && !node)
		return EAI_BADFLAGS;
	if (family != AF_UNSPEC && family != AF_INET)
		return EAI_FAMILY;
	if (socktype != 0 && socktype != SOCK_STREAM && socktype != SOCK_DGRAM)
		return EAI_SOCKTYPE;
	if (protocol && !((protocol == IPPROTO_TCP && socktype != SOCK_DGRAM) ||
			  (protocol == IPPROTO_UDP && socktype != SOCK_STREAM)))
		return EAI_SOCKTYPE;
	if (!socktype && protocol)
		socktype = protocol == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;

	uint16_t port;
	int rc = parse_service(service, flags, socktype, &port);
	if (rc)
		return rc;

	struct ustack_dns_result *r = calloc(1, sizeof(*r));
	if (!r)
		return EAI_MEMORY;
	struct in_addr a;
	if (!node || !node[0]) {
		/* RFC 3493 6.1: the wildcard for a passive socket, else loopback */
		r->addrs[0].s_addr = htonl((flags & AI_PASSIVE) ? INADDR_ANY : INADDR_LOOPBACK);
		r->n_addrs = 1;
	} else if (inet_pton(AF_INET, node, &a) == 1) {
		r->addrs[0] = a;
		r->n_addrs = 1;
		snprintf(r->canonical, sizeof(r->canonical), "%s", node);
	} else if (flags & AI_NUMERICHOST) {
		free(r);
		return EAI_NONAME;
	} else {
		rc = dns_lookup(st, node, r);
		if (rc) {
			free(r);
			return rc;
		}
		if (r->n_addrs == 0) {
			free(r);
			return EAI_NONAME;
		}
	}

	struct addrinfo *head = NULL, **tail = &head;
	const char *canon = (flags & AI_CANONNAME) ? r->canonical : NULL;
	for (int i = 0; i < r->n_addrs; i++) {
		for (int t = 0; t < 2; t++) {
			int ty = t == 0 ? SOCK_STREAM : SOCK_DGRAM;
			if (socktype && socktype != ty)
				continue;
			if (!add_ai(&tail, r->addrs[i], port, ty, head ? NULL : canon)) {
				ustack_freeaddrinfo(head);
				free(r);
				return EAI_MEMORY;
			}
		}
	}
	free(r);
	*res = head;
	return 0;
}

const char *ustack_gai_strerror(int err)
{
	switch (err) {
	case 0: return "Success";
	case EAI_BADFLAGS: return "Bad value for ai_flags";
	case EAI_NONAME: return "Name or service not known";
	case EAI_AGAIN: return "Temporary failure in name resolution";
	case EAI_FAIL: return "Non-recoverable failure in name resolution";
	case EAI_FAMILY: return "ai_family not supported";
	case EAI_SOCKTYPE: return "ai_socktype not supported";
	case EAI_SERVICE: return "Servname not supported for ai_socktype";
	case EAI_MEMORY: return "Memory allocation failure";
	case EAI_SYSTEM: return "System error";
	case EAI_OVERFLOW: return "Argument buffer overflow";
#ifdef EAI_NODATA
	case EAI_NODATA: return "No address associated with hostname";
#endif
	default: return "Unknown error";
	}
}

int ustack_resolve(struct ustack *st, const char *name, struct ustack_dns_result *out)
{
	struct ustack_dns_result tmp;

	if (!st || !name) {
		if (out) {
			memset(out, 0, sizeof(*out));
			out->rcode = -1;
		}
		return EAI_NONAME;
	}
	return dns_lookup(st, name, out ? out : &tmp);
}

struct hostent *ustack_gethostbyname(struct ustack *st, const char *name, int *herr)
{
	int h_err = NO_RECOVERY;
	struct ustack_dns_result *r = calloc(1, sizeof(*r));

	if (!st || !name || !r) {
		free(r);
		if (herr)
			*herr = NO_RECOVERY;
		return NULL;
	}
	int rc = dns_lookup(st, name, r);
	if (rc || r->n_addrs == 0) {
		h_err = rc == EAI_AGAIN ? TRY_AGAIN :
			rc == EAI_NONAME && r->rcode == 0 ? NO_DATA :
			rc == EAI_NONAME || rc == 0 ? HOST_NOT_FOUND : NO_RECOVERY;
		free(r);
		if (herr)
			*herr = h_err;
		return NULL;
	}
	struct dns_state *d = st->dns;
	stack_lock(st);
	snprintf(d->he_name, sizeof(d->he_name), "%s", r->canonical);
	int na = 0;
	for (int i = 0; i < r->n_cnames && i < DNS_MAX_CHAIN; i++) {
		snprintf(d->he_alias_buf[i], sizeof(d->he_alias_buf[i]), "%s", r->cnames[i]);
		d->he_aliases[na++] = d->he_alias_buf[i];
	}
	d->he_aliases[na] = NULL;
	int n = r->n_addrs < 16 ? r->n_addrs : 16;
	for (int i = 0; i < n; i++) {
		d->he_addrs[i] = r->addrs[i];
		d->he_addr_list[i] = (char *)&d->he_addrs[i];
	}
	d->he_addr_list[n] = NULL;
	d->he.h_name = d->he_name;
	d->he.h_aliases = d->he_aliases;
	d->he.h_addrtype = AF_INET;
	d->he.h_length = 4;
	d->he.h_addr_list = d->he_addr_list;
	stack_unlock(st);
	free(r);
	if (herr)
		*herr = 0;
	return &d->he;
}
