/* proto.c - the protocol table and the parsed summary of an ICMP error's quoted datagram. */
#include "net/proto.h"

#include <stdlib.h>
#include <string.h>

#include "core/stack.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/ipv6_ext.h"

struct proto_table {
	struct proto_ops ops[256];
};

int proto_init(struct ustack *st)
{
	st->protos = calloc(1, sizeof(*st->protos));
	return st->protos ? 0 : -1;
}

void proto_free(struct ustack *st)
{
	free(st->protos);
	st->protos = NULL;
}

void proto_register(struct ustack *st, uint8_t proto, proto_input_fn input, proto_err_fn err_input)
{
	st->protos->ops[proto].input = input;
	st->protos->ops[proto].err_input = err_input;
}

const struct proto_ops *proto_get(struct ustack *st, uint8_t proto)
{
	const struct proto_ops *o = st->protos ? &st->protos->ops[proto] : NULL;

	return o && (o->input || o->err_input) ? o : NULL;
}

static void fill_l4(struct ip_err *e, const uint8_t *l4, size_t len)
{
	e->l4 = l4;
	e->l4_len = len;
	e->sport = be16_get(l4);
	e->dport = be16_get(l4 + 2);
}

int ip_err_parse4(uint8_t type, uint8_t code, uint32_t info, const uint8_t *q, size_t qlen,
		  struct ip_err *e)
{
	size_t hlen;

	memset(e, 0, sizeof(*e));
	if (qlen < IPV4_HDR_LEN + 8 || (q[0] >> 4) != 4)
		return -1;
	hlen = (size_t)(q[0] & 0x0f) * 4;
	if (hlen < IPV4_HDR_LEN || hlen + 8 > qlen)
		return -1;
	e->family = IP_AF_INET;
	e->type = type;
	e->code = code;
	e->info = info;
	e->src = ip_addr_from_v4(be32_get(q + 12));
	e->dst = ip_addr_from_v4(be32_get(q + 16));
	e->proto = q[9];
	fill_l4(e, q + hlen, qlen - hlen);
	return 0;
}

int ip_err_parse6(uint8_t type, uint8_t code, uint32_t info, const uint8_t *q, size_t qlen,
		  struct ip_err *e)
{
	struct ipv6_chain c;

	memset(e, 0, sizeof(*e));
	if (qlen < IPV6_HDR_LEN + 8 || (q[0] >> 4) != 6)
		return -1;
	/* the quote is cut wherever 1280 bytes end: walk only what is there */
	if (ipv6_ext_walk(q, qlen, &c) != WIRE_OK || (c.frag && c.frag_off) ||
	    (size_t)c.l4_off + 8 > qlen)
		return -1;
	e->family = IP_AF_INET6;
	e->type = type;
	e->code = code;
	e->info = info;
	e->src = ip_addr_from_v6(q + 8);
	e->dst = ip_addr_from_v6(q + 24);
	e->proto = c.proto;
	fill_l4(e, q + c.l4_off, qlen - c.l4_off);
	return 0;
}
