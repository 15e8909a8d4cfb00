/* dns.c - DNS messages (RFC 1035 section 4): bounds-checked parsing and building.
 *
 * Every offset is checked against the message length before a byte is read.
 * Compression pointers (RFC 1035 4.1.4) must point strictly before the start of the
 * label run that holds them, so every chain ends; a hop limit bounds it as well.
 * A name's wire form may not exceed 255 bytes (RFC 1035 2.3.4). */
#include "dns.h"

#include <string.h>

#define DNS_MAX_WIRE_NAME 255
#define DNS_MAX_LABEL 63
#define DNS_MAX_HOPS 64
#define DNS_PTR_MASK 0xc0
#define DNS_QUESTION_MIN 5      /* root name + type + class */
#define DNS_RR_MIN 11           /* root name + type, class, ttl, rdlength */
#define DNS_RR_FIXED 10         /* type, class, ttl, rdlength */
#define DNS_SOA_FIXED 20        /* serial, refresh, retry, expire, minimum */
#define DNS_OFF_ANCOUNT 6

/* ---- names ------------------------------------------------------------- */

/* Appends one label (already bounds-checked) to the dotted output. */
static int append_label(char *out, size_t *olen, const uint8_t *label, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (label[i] == '\0' || label[i] == '.')
			return WIRE_BAD_NAME;   /* could not be told apart in dotted text */
	if (*olen)
		out[(*olen)++] = '.';
	memcpy(out + *olen, label, n);
	*olen += n;
	return WIRE_OK;
}

int dns_name_decode(const uint8_t *buf, size_t len, size_t off, char out[DNS_MAX_NAME + 1],
		    size_t *next)
{
	size_t pos = off, run_start = off, wire_len = 1, olen = 0;
	size_t after = 0;               /* offset after the name in place; 0 until known */
	int hops = 0;

	out[0] = '\0';
	for (;;) {
		if (pos >= len)
			return WIRE_TRUNCATED;
		uint8_t c = buf[pos];

		if ((c & DNS_PTR_MASK) == DNS_PTR_MASK) {
			if (pos + 1 >= len)
				return WIRE_TRUNCATED;
			size_t target = ((size_t)(c & 0x3f) << 8) | buf[pos + 1];
			if (target >= run_start || ++hops > DNS_MAX_HOPS)
				return WIRE_BAD_NAME;   /* forward, self or looping pointer */
			if (!after)
				after = pos + 2;
			pos = run_start = target;
			continue;
		}
		if (c & DNS_PTR_MASK)
			return WIRE_BAD_NAME;           /* 0x40 / 0x80: no such label types */
		if (c == 0)
			break;
		if (c > len - pos - 1)
			return WIRE_TRUNCATED;          /* label past the end */
		wire_len += 1 + (size_t)c;
		if (wire_len > DNS_MAX_WIRE_NAME)
			return WIRE_BAD_NAME;
		int err = append_label(out, &olen, buf + pos + 1, c);
		if (err)
			return err;
		pos += 1 + (size_t)c;
	}
	out[olen] = '\0';
	if (next)
		*next = after ? after : pos + 1;
	return WIRE_OK;
}

int dns_name_encode(const char *name, uint8_t *buf, size_t cap)
{
	size_t n = strlen(name), w = 0;

	if (n && name[n - 1] == '.')
		n--;                            /* one trailing dot is allowed */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && name[j] != '.')
			j++;
		size_t lab = j - i;
		if (lab == 0 || lab > DNS_MAX_LABEL || w + 1 + lab + 1 > cap ||
		    w + 1 + lab + 1 > DNS_MAX_WIRE_NAME)
			return -1;
		buf[w++] = (uint8_t)lab;
		memcpy(buf + w, name + i, lab);
		w += lab;
		i = j + 1;
		if (j < n && i == n)
			return -1;                  /* "a..": an empty last label */
	}
	if (w + 1 > cap)
		return -1;
	buf[w++] = 0;
	return (int)w;
}

/* ---- parsing ----------------------------------------------------------- */

/* rdata of types we understand, at buf[rd .. rd + rr->rdlen). */
static int parse_rdata(const uint8_t *buf, size_t len, size_t rd, struct dns_rr *rr)
{
	size_t end = rd + rr->rdlen, next;
	char scratch[DNS_MAX_NAME + 1];
	int err;

	switch (rr->type) {
	case DNS_TYPE_A:
		if (rr->rdlen != 4)
			return WIRE_BAD_FIELD;
		rr->a = be32_get(buf + rd);
		return WIRE_OK;
	case DNS_TYPE_AAAA:
		if (rr->rdlen != 16)
			return WIRE_BAD_FIELD;
		memcpy(rr->aaaa, buf + rd, 16);
		return WIRE_OK;
	case DNS_TYPE_CNAME:
	case DNS_TYPE_NS:
	case DNS_TYPE_PTR:
		err = dns_name_decode(buf, len, rd, rr->target, &next);
		if (err)
			return err;
		return next == end ? WIRE_OK : WIRE_BAD_FIELD;
	case DNS_TYPE_MX:
		if (rr->rdlen < 3)
			return WIRE_BAD_FIELD;
		rr->preference = be16_get(buf + rd);
		err = dns_name_decode(buf, len, rd + 2, rr->target, &next);
		if (err)
			return err;
		return next == end ? WIRE_OK : WIRE_BAD_FIELD;
	case DNS_TYPE_SOA:
		err = dns_name_decode(buf, len, rd, scratch, &next);             /* MNAME */
		if (!err)
			err = dns_name_decode(buf, len, next, scratch, &next);   /* RNAME */
		if (err)
			return err;
		if (next > end || end - next != DNS_SOA_FIXED)
			return WIRE_BAD_FIELD;
		rr->soa_minimum = be32_get(buf + end - 4);
		return WIRE_OK;
	default:
		return WIRE_OK;                 /* skipped by rdlength */
	}
}

/* One resource record at *pos into rr; with want_rdata false only the bounds are checked. */
static int parse_rr(const uint8_t *buf, size_t len, size_t *pos, struct dns_rr *rr, bool want_rdata)
{
	size_t p;
	int err = dns_name_decode(buf, len, *pos, rr->name, &p);

	if (err)
		return err;
	if (len - p < DNS_RR_FIXED)
		return WIRE_TRUNCATED;
	rr->type = be16_get(buf + p);
	rr->rclass = be16_get(buf + p + 2);
	rr->ttl = be32_get(buf + p + 4);
	rr->rdlen = be16_get(buf + p + 8);
	p += DNS_RR_FIXED;
	if (rr->rdlen > len - p)
		return WIRE_TRUNCATED;              /* rdata longer than the message */
	if (want_rdata) {
		err = parse_rdata(buf, len, p, rr);
		if (err)
			return err;
	}
	*pos = p + rr->rdlen;
	return WIRE_OK;
}

/* A section of count records; the first DNS_MAX_RR are kept in out (if any). */
static int parse_section(const uint8_t *buf, size_t len, size_t *pos, uint16_t count,
			 struct dns_rr *out, size_t *n_kept)
{
	struct dns_rr scratch;

	for (unsigned i = 0; i < count; i++) {
		bool keep = out && *n_kept < DNS_MAX_RR;
		struct dns_rr *rr = keep ? &out[*n_kept] : &scratch;

		memset(rr, 0, sizeof(*rr));
		int err = parse_rr(buf, len, pos, rr, out != NULL);
		if (err)
			return err;
		if (keep)
			(*n_kept)++;
	}
	return WIRE_OK;
}

static int parse_questions(const uint8_t *buf, size_t len, size_t *pos, struct dns_msg *m)
{
	char name[DNS_MAX_NAME + 1];

	for (unsigned i = 0; i < m->qdcount; i++) {
		size_t p;
		int err = dns_name_decode(buf, len, *pos, i ? name : m->qname, &p);
		if (err)
			return err;
		if (len - p < 4)
			return WIRE_TRUNCATED;
		if (i == 0) {
			m->qtype = be16_get(buf + p);
			m->qclass = be16_get(buf + p + 2);
		}
		*pos = p + 4;
	}
	return WIRE_OK;
}

int dns_parse(const uint8_t *buf, size_t len, struct dns_msg *m)
{
	if (len < DNS_HDR_LEN)
		return WIRE_TRUNCATED;

	m->id = be16_get(buf);
	m->flags = be16_get(buf + 2);
	m->qdcount = be16_get(buf + 4);
	m->ancount = be16_get(buf + 6);
	m->nscount = be16_get(buf + 8);
	m->arcount = be16_get(buf + 10);
	m->qname[0] = '\0';
	m->qtype = m->qclass = 0;
	m->n_an = m->n_ns = 0;

	/* every entry takes a minimum of bytes: counts the message cannot hold are lies */
	size_t need = DNS_HDR_LEN + (size_t)m->qdcount * DNS_QUESTION_MIN +
		      ((size_t)m->ancount + m->nscount + m->arcount) * DNS_RR_MIN;
	if (need > len)
		return WIRE_BAD_LEN;

	size_t pos = DNS_HDR_LEN;
	int err = parse_questions(buf, len, &pos, m);
	if (!err)
		err = parse_section(buf, len, &pos, m->ancount, m->an, &m->n_an);
	if (!err)
		err = parse_section(buf, len, &pos, m->nscount, m->ns, &m->n_ns);
	if (!err)
		err = parse_section(buf, len, &pos, m->arcount, NULL, NULL);
	return err;
}

/* ---- building ---------------------------------------------------------- */

static int put_bytes(struct dns_builder *b, const void *p, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return -1;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return 0;
}

static int put_u16(struct dns_builder *b, uint16_t v)
{
	uint8_t t[2];

	be16_put(t, v);
	return put_bytes(b, t, 2);
}

static int put_u32(struct dns_builder *b, uint32_t v)
{
	uint8_t t[4];

	be32_put(t, v);
	return put_bytes(b, t, 4);
}

static int put_name(struct dns_builder *b, const char *name)
{
	uint8_t wire[DNS_MAX_WIRE_NAME];
	int n = dns_name_encode(name, wire, sizeof(wire));

	if (n < 0) {
		b->overflow = true;
		return -1;
	}
	return put_bytes(b, wire, (size_t)n);
}

int dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype,
		    bool rd)
{
	struct dns_builder b;

	dns_builder_init(&b, buf, cap, id, rd ? DNS_F_RD : 0, name, qtype);
	return dns_builder_finish(&b);
}

void dns_builder_init(struct dns_builder *b, uint8_t *buf, size_t cap, uint16_t id,
		      uint16_t flags, const char *qname, uint16_t qtype)
{
	uint8_t hdr[DNS_HDR_LEN] = { 0 };

	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->ancount = 0;
	b->overflow = false;
	be16_put(hdr, id);
	be16_put(hdr + 2, flags);
	be16_put(hdr + 4, 1);               /* one question */
	if (put_bytes(b, hdr, sizeof(hdr)) == 0 && put_name(b, qname) == 0 &&
	    put_u16(b, qtype) == 0)
		put_u16(b, DNS_CLASS_IN);
}

/* Owner name, type, class IN, ttl and rdlength of a record; 0 or -1. */
static int put_rr_head(struct dns_builder *b, const char *name, uint16_t type, uint32_t ttl,
		       uint16_t rdlen)
{
	if (put_name(b, name) || put_u16(b, type) || put_u16(b, DNS_CLASS_IN) || put_u32(b, ttl))
		return -1;
	return put_u16(b, rdlen);
}

void dns_builder_add_a(struct dns_builder *b, const char *name, uint32_t ttl, uint32_t addr)
{
	size_t mark = b->len;

	if (b->overflow)
		return;
	if (put_rr_head(b, name, DNS_TYPE_A, ttl, 4) || put_u32(b, addr)) {
		b->len = mark;                  /* drop the partial record */
		return;
	}
	b->ancount++;
}

void dns_builder_add_aaaa(struct dns_builder *b, const char *name, uint32_t ttl,
			  const uint8_t addr[16])
{
	size_t mark = b->len;

	if (b->overflow)
		return;
	if (put_rr_head(b, name, DNS_TYPE_AAAA, ttl, 16) || put_bytes(b, addr, 16)) {
		b->len = mark;
		return;
	}
	b->ancount++;
}

/* A record whose data ends in a domain name (CNAME; MX with its preference first). */
static void add_name_rr(struct dns_builder *b, const char *name, uint16_t type, uint32_t ttl,
			const uint16_t *preference, const char *target)
{
	uint8_t wire[DNS_MAX_WIRE_NAME];
	int n = dns_name_encode(target, wire, sizeof(wire));
	size_t mark = b->len;
	size_t pre = preference ? 2 : 0;

	if (b->overflow)
		return;
	if (n < 0) {
		b->overflow = true;
		return;
	}
	if (put_rr_head(b, name, type, ttl, (uint16_t)((size_t)n + pre)) ||
	    (preference && put_u16(b, *preference)) || put_bytes(b, wire, (size_t)n)) {
		b->len = mark;
		return;
	}
	b->ancount++;
}

void dns_builder_add_cname(struct dns_builder *b, const char *name, uint32_t ttl,
			   const char *target)
{
	add_name_rr(b, name, DNS_TYPE_CNAME, ttl, NULL, target);
}

void dns_builder_add_mx(struct dns_builder *b, const char *name, uint32_t ttl, uint16_t preference,
			const char *exchange)
{
	add_name_rr(b, name, DNS_TYPE_MX, ttl, &preference, exchange);
}

void dns_builder_add_ptr(struct dns_builder *b, const char *name, uint32_t ttl, const char *target)
{
	add_name_rr(b, name, DNS_TYPE_PTR, ttl, NULL, target);
}

int dns_builder_finish(struct dns_builder *b)
{
	if (b->len < DNS_HDR_LEN)
		return -1;
	be16_put(b->buf + DNS_OFF_ANCOUNT, b->ancount);
	if (b->overflow) {
		b->buf[2] |= DNS_F_TC >> 8;     /* what fit is a truncated message */
		return -1;
	}
	return (int)b->len;
}

/* ---- reverse names (RFC 1035 3.5) ------------------------------------------ */

void dns_ptr_name(uint32_t addr, char *out, size_t cap)
{
	char tmp[32];
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = (addr >> (8 * i)) & 0xff;
		if (v >= 100)
			tmp[n++] = (char)('0' + v / 100);
		if (v >= 10)
			tmp[n++] = (char)('0' + v / 10 % 10);
		tmp[n++] = (char)('0' + v % 10);
		tmp[n++] = '.';
	}
	memcpy(tmp + n, "in-addr.arpa", 13);
	n += 12;
	if (!cap)
		return;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, tmp, n);
	out[n] = '\0';
}

static bool ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

int dns_ptr_addr(const char *name, uint32_t *addr)
{
	static const char suffix[] = "in-addr.arpa";
	size_t n = strlen(name), p = 0;
	uint32_t a = 0;

	if (n && name[n - 1] == '.')
		n--;
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		while (p < n && name[p] >= '0' && name[p] <= '9') {
			v = v * 10 + (unsigned)(name[p++] - '0');
			if (++digits > 3)
				return -1;
		}
		if (!digits || v > 255 || (digits > 1 && name[p - digits] == '0') ||
		    p >= n || name[p] != '.')
			return -1;          /* no leading zeros: one name per address */
		p++;
		a |= (uint32_t)v << (8 * i);
	}
	if (n - p != sizeof(suffix) - 1 || !ieq(name + p, suffix, n - p))
		return -1;
	*addr = a;
	return 0;
}

/* ---- reverse names of IPv6 addresses (RFC 3596 2.5) ------------------------- */

void dns_ptr6_name(const uint8_t addr[16], char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[DNS_PTR6_NAME_LEN];
	size_t n = 0;

	for (int i = 15; i >= 0; i--) {
		tmp[n++] = hex[addr[i] & 0xf];
		tmp[n++] = '.';
		tmp[n++] = hex[addr[i] >> 4];
		tmp[n++] = '.';
	}
	memcpy(tmp + n, "ip6.arpa", 9);
	n += 8;
	if (!cap)
		return;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, tmp, n);
	out[n] = '\0';
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dns_ptr6_addr(const char *name, uint8_t addr[16])
{
	static const char suffix[] = "ip6.arpa";
	size_t n = strlen(name);
	uint8_t a[16];

	if (n && name[n - 1] == '.')
		n--;
	if (n != 64 + sizeof(suffix) - 1)
		return -1;
	for (int i = 0; i < 32; i++) {
		int v = hex_nibble(name[2 * i]);
		if (v < 0 || name[2 * i + 1] != '.')
			return -1;
		int byte = 15 - i / 2;
		if (i % 2 == 0)
			a[byte] = (uint8_t)v;               /* the low nibble comes first */
		else
			a[byte] = (uint8_t)(a[byte] | v << 4);
	}
	if (!ieq(name + 64, suffix, sizeof(suffix) - 1))
		return -1;
	memcpy(addr, a, 16);
	return 0;
}

const char *dns_rcode_str(int rcode)
{
	switch (rcode) {
	case DNS_RCODE_NOERROR: return "NOERROR";
	case DNS_RCODE_FORMERR: return "FORMERR";
	case DNS_RCODE_SERVFAIL: return "SERVFAIL";
	case DNS_RCODE_NXDOMAIN: return "NXDOMAIN";
	case DNS_RCODE_NOTIMP: return "NOTIMP";
	case DNS_RCODE_REFUSED: return "REFUSED";
	default: return "UNKNOWN";
	}
}
