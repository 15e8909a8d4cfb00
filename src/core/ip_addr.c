/* ip_addr.c - IP addresses as text: RFC 5952 canonical IPv6, inet_pton-like parsing. */
#include "core/ip_addr.h"

#include <arpa/inet.h>

#include "ustack/socket.h"
#include "core/ip_class.h"
#include "wire/ipv4.h"

static const char hexdig[] = "0123456789abcdef";

/* Writes v (a 16-bit group) in hex without leading zeros at p; returns the end. */
static char *put_group(char *p, unsigned v)
{
	bool started = false;

	for (int shift = 12; shift >= 0; shift -= 4) {
		unsigned d = (v >> shift) & 0xf;
		if (d || started || shift == 0) {
			*p++ = hexdig[d];
			started = true;
		}
	}
	return p;
}

char *ip6_ntop(const uint8_t b[16], char *out)
{
	unsigned g[8];
	int best = -1, best_len = 0;
	char *p = out;

	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)(b[2 * i] << 8 | b[2 * i + 1]);
	/* RFC 5952 4.2: the longest run of zero groups, the first if two are as long;
	 * a single zero group is not shortened */
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	if (best_len < 2)
		best = -1;

	/* RFC 5952 5: IPv4-mapped addresses keep the dotted-quad tail */
	int groups = ip6_is_v4mapped(b) ? 6 : 8;
	for (int i = 0; i < groups; i++) {
		if (i == best) {
			*p++ = ':';
			if (i == 0)
				*p++ = ':';
			i += best_len - 1;
			continue;
		}
		p = put_group(p, g[i]);
		if (i < groups - 1 || groups == 6)
			*p++ = ':';
	}
	if (groups == 6) {
		uint32_t v4 = ((uint32_t)b[12] << 24) | ((uint32_t)b[13] << 16) |
			      ((uint32_t)b[14] << 8) | b[15];
		ipv4_ntoa(v4, p);
	} else {
		*p = '\0';
	}
	return out;
}

char *ip_addr_ntop(const struct ip_addr *a, char *out)
{
	if (a->family == IP_AF_INET)
		return ipv4_ntoa(ip_addr_v4(a), out);
	if (a->family == IP_AF_INET6)
		return ip6_ntop(a->b, out);
	out[0] = '?';
	out[1] = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Groups are read left to right into out; "::" marks where the zeros go and the groups
 * after it are moved to the end once the count is known. */
int ip6_pton(const char *s, uint8_t out[16])
{
	uint8_t tmp[16] = { 0 };
	int n = 0;            /* bytes written to tmp */
	int gap = -1;         /* byte index of "::", or -1 */

	if (!s)
		return -1;
	if (s[0] == ':') {
		if (s[1] != ':')
			return -1;
		gap = 0;
		s += 2;
		if (*s == '\0')
			goto done;
	}
	for (;;) {
		const char *start = s;
		unsigned v = 0;
		int digits = 0;
		int d;

		while ((d = hexval(*s)) >= 0) {
			if (++digits > 4)
				return -1;
			v = v << 4 | (unsigned)d;
			s++;
		}
		if (*s == '.') {
			/* a dotted-quad tail takes the last 32 bits */
			uint32_t v4;
			if (n > 12 || ipv4_aton(start, &v4) != 0)
				return -1;
			tmp[n++] = (uint8_t)(v4 >> 24); tmp[n++] = (uint8_t)(v4 >> 16);
			tmp[n++] = (uint8_t)(v4 >> 8); tmp[n++] = (uint8_t)v4;
			break;
		}
		if (digits == 0 || n > 14)
			return -1;
		tmp[n++] = (uint8_t)(v >> 8);
		tmp[n++] = (uint8_t)v;
		if (*s == '\0')
			break;
		if (*s != ':')
			return -1;
		s++;
		if (*s == ':') {
			if (gap >= 0)
				return -1;        /* a second "::" */
			gap = n;
			s++;
			if (*s == '\0')
				break;
		} else if (*s == '\0') {
			return -1;                /* a trailing single ':' */
		}
	}
done:
	if (gap >= 0) {
		if (n == 16)
			return -1;                /* "::" must stand for at least one group */
		int tail = n - gap;
		memmove(tmp + 16 - tail, tmp + gap, (size_t)tail);
		memset(tmp + gap, 0, (size_t)(16 - tail - gap));
	} else if (n != 16) {
		return -1;
	}
	memcpy(out, tmp, 16);
	return 0;
}

int ip_addr_pton(int family, const char *s, struct ip_addr *out)
{
	uint32_t v4;
	uint8_t v6[16];

	if ((family == IP_AF_INET || family == IP_AF_NONE) && ipv4_aton(s, &v4) == 0) {
		*out = ip_addr_from_v4(v4);
		return 0;
	}
	if ((family == IP_AF_INET6 || family == IP_AF_NONE) && ip6_pton(s, v6) == 0) {
		*out = ip_addr_from_v6(v6);
		return 0;
	}
	return -1;
}

static void sockinfo_end(const struct ip_addr *a, uint16_t port, struct sockaddr_in *s4,
			 struct sockaddr_in6 *s6, bool v6)
{
	memset(s4, 0, sizeof(*s4));
	memset(s6, 0, sizeof(*s6));
	s4->sin_family = AF_INET;
	s6->sin6_family = AF_INET6;
	if (v6) {
		s6->sin6_port = htons(port);
		if (a->family == IP_AF_INET6)
			memcpy(&s6->sin6_addr, a->b, 16);
	} else {
		s4->sin_port = htons(port);
		if (a->family == IP_AF_INET)
			memcpy(&s4->sin_addr, a->b, 4);
	}
}

void ip_addr_sockinfo(struct ustack_sockinfo *si, const struct ip_addr *la, uint16_t lport,
		      const struct ip_addr *ra, uint16_t rport)
{
	bool v6 = la->family == IP_AF_INET6 || ra->family == IP_AF_INET6;

	si->family = v6 ? AF_INET6 : AF_INET;
	sockinfo_end(la, lport, &si->local, &si->local6, v6);
	sockinfo_end(ra, rport, &si->remote, &si->remote6, v6);
}
