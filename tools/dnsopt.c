/* dnsopt.c - DNS servers from the command line into the resolver's config. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "dnsopt.h"

int tool_dns_parse(const char *s, struct tool_dns *out)
{
	char buf[INET6_ADDRSTRLEN];
	const char *pct = s ? strchr(s, '%') : NULL;
	size_t n = pct ? (size_t)(pct - s) : (s ? strlen(s) : 0);

	memset(out, 0, sizeof(*out));
	if (!s || n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!pct && inet_pton(AF_INET, buf, &out->v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &out->v6) != 1 || IN6_IS_ADDR_UNSPECIFIED(&out->v6) ||
	    IN6_IS_ADDR_MULTICAST(&out->v6))
		return -1;
	if (IN6_IS_ADDR_LINKLOCAL(&out->v6) != (pct != NULL))
		return -1;                      /* fe80:: needs its link; others take none */
	if (pct && (!pct[1] || strlen(pct + 1) >= sizeof(out->scope)))
		return -1;
	if (pct)
		snprintf(out->scope, sizeof(out->scope), "%s", pct + 1);
	out->family = AF_INET6;
	return 0;
}

bool tool_dns_scope_ok(const struct tool_dns *d, const char *tap)
{
	if (d->family != AF_INET6 || !d->scope[0])
		return true;
	if (d->scope[0] >= '0' && d->scope[0] <= '9')
		return d->scope[strspn(d->scope, "0123456789")] == '\0';
	return !tap || !strcmp(d->scope, tap);   /* in-process: known once the net is built */
}

const char *tool_dns_str(const struct tool_dns *d, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	if (d->family == AF_INET)
		inet_ntop(AF_INET, &d->v4, a, sizeof(a));
	else
		inet_ntop(AF_INET6, &d->v6, a, sizeof(a));
	snprintf(buf, cap, "%s%s%s", a, d->scope[0] ? "%" : "", d->scope);
	return buf;
}

int tool_dns_add(struct ustack *st, const char *cmd, const struct tool_dns *d,
		 struct ustack_resolver_config *cfg)
{
	char txt[INET6_ADDRSTRLEN + 20];

	if (d->family == AF_INET) {
		if (cfg->n_servers >= 3)
			goto full;
		cfg->servers[cfg->n_servers++] = d->v4;
		return 0;
	}
	if (cfg->n_servers6 >= 3)
		goto full;
	struct sockaddr_in6 *s6 = &cfg->servers6[cfg->n_servers6];
	memset(s6, 0, sizeof(*s6));
	s6->sin6_family = AF_INET6;
	s6->sin6_addr = d->v6;
	if (d->scope[0]) {
		/* the stack's own reading of "fe80::1%tap0" / "%2": the scope id the sockets take */
		struct addrinfo hints = { .ai_family = AF_INET6, .ai_flags = AI_NUMERICHOST };
		struct addrinfo *res = NULL;

		tool_dns_str(d, txt, sizeof(txt));
		if (ustack_getaddrinfo(st, txt, NULL, &hints, &res) != 0 || !res) {
			fprintf(stderr, "ustack %s: --dns %s: no interface '%s'\n", cmd, txt, d->scope);
			return -1;
		}
		s6->sin6_scope_id = ((const struct sockaddr_in6 *)(const void *)res->ai_addr)->sin6_scope_id;
		ustack_freeaddrinfo(res);
		if (!s6->sin6_scope_id) {
			fprintf(stderr, "ustack %s: --dns %s: no interface '%s'\n", cmd, txt, d->scope);
			return -1;
		}
	}
	cfg->n_servers6++;
	return 0;
full:
	fprintf(stderr, "ustack %s: at most 3 DNS servers of each family\n", cmd);
	return -1;
}
