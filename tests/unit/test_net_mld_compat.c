/* test_net_mld_compat.c - MLDv1 Host Compatibility Mode (RFC 3810 8.2.1, RFC 2710) on
 * the virtual clock: an MLDv1 query is answered with one v1 report per group (the
 * solicited-node group too) to the group itself, hop limit 1, Router Alert, from the
 * link-local address, within the query's delay, and cancels the pending v2 reports; in
 * MLDv1 mode a join sends v1 reports, the last leave one Done to ff02::2, a v2 query is
 * answered with v1 reports, another node's v1 report suppresses our answer; the mode
 * lasts Robustness * Query Interval + the query's delay (the last v2 query's QRV and
 * QQIC when one came), renewed by each v1 query, then MLDv2 comes back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "nd_harness.h"

#define LL "fe80::ff:fe00:501"
#define GRP "ff05::1:3"
#define SNM "ff02::1:ff00:501"

/* A query from fe80::1: v1 (24 bytes) or v2 (28, with qrv and qqic), for group (NULL:
 * general) with max response delay ms. */
static void query(struct ndh *h, int version, const char *group, uint16_t ms, uint8_t qrv,
		  uint8_t qqic)
{
	uint8_t q[28] = { ICMP6_MLD_QUERY };
	size_t len = version == 1 ? 24 : 28;
	struct pkt *p = pkt_alloc(h->st, len);

	q[4] = (uint8_t)(ms >> 8);
	q[5] = (uint8_t)ms;
	if (group)
		memcpy(q + 8, ndh_a6(group), 16);
	q[24] = qrv;
	q[25] = qqic;
	icmp6_set_csum(q, len, ndh_a6("fe80::1"), ndh_a6("ff02::1"));
	memcpy(pkt_put(p, len), q, len);
	p->ifindex = h->ifp->index;
	p->src = ip_addr_from_v6(ndh_a6("fe80::1"));
	p->dst = ip_addr_from_v6(ndh_a6("ff02::1"));
	p->ip_ttl = 1;
	h->st->now = h->now;
	mld6_input(h->st, h->ifp, p);
	ndh_drain(h);
}

/* Another node's v1 report of group. */
static void other_report(struct ndh *h, const char *group)
{
	uint8_t m[24];
	struct pkt *p = pkt_alloc(h->st, sizeof(m));

	mld1_emit(ICMP6_MLD_REPORT, ndh_a6(group), m, sizeof(m), ndh_a6("fe80::2"), ndh_a6(group));
	memcpy(pkt_put(p, sizeof(m)), m, sizeof(m));
	p->ifindex = h->ifp->index;
	p->src = ip_addr_from_v6(ndh_a6("fe80::2"));
	p->dst = ip_addr_from_v6(ndh_a6(group));
	p->ip_ttl = 1;
	h->st->now = h->now;
	mld6_input(h->st, h->ifp, p);
	ndh_drain(h);
}

/* A stack whose link-local address passed DAD, member of GRP, its v2 reports done. */
static struct ndh *member(void)
{
	struct ndh *h = ndh_new(NULL);

	ndh_run(h, 3000000);
	assert_int_equal(mld6_join(h->st, h->ifp, ndh_a6(GRP)), 0);
	ndh_run(h, 3000000);
	ndh_clear(h);
	return h;
}

/* Checks the n-th v1 message of type: its addresses, hop limit, Router Alert, group. */
static void check_v1(struct ndh *h, uint8_t type, int nth, const char *group)
{
	struct ndh_frame f = { 0 };
	struct mld_repr r;
	struct icmp6_repr ir;
	static const uint8_t ra[8] = { 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00 };

	assert_true(ndh_find(h, type, nth, &f) >= 0);
	assert_int_equal(f.hop_limit, 1);
	assert_true(f.hbh);
	assert_memory_equal(f.ip + 40, ra, 8);           /* as Linux writes it */
	assert_memory_equal(f.ip + 8, ndh_a6(LL), 16);
	assert_int_equal(f.icmp_len, MLD_V1_LEN);
	assert_int_equal(icmp6_parse(f.icmp, f.icmp_len, f.ip + 8, f.ip + 24, &ir, true), WIRE_OK);
	assert_int_equal(mld_parse(f.icmp, f.icmp_len, &r), WIRE_OK);
	assert_int_equal(r.version, 1);
	assert_int_equal(r.max_resp_code, 0);
	if (group)
		assert_memory_equal(r.group, ndh_a6(group), 16);
	if (type == ICMP6_MLD_DONE)
		assert_memory_equal(f.ip + 24, ndh_a6("ff02::2"), 16);
	else
		assert_memory_equal(f.ip + 24, r.group, 16);     /* a report goes to its group */
}

/* Is there a v1 report of group among the captured frames? */
static bool reported(struct ndh *h, const char *group)
{
	struct ndh_frame f = { 0 };

	for (int k = 0; ndh_find(h, ICMP6_MLD_REPORT, k, &f) >= 0; k++)
		if (memcmp(f.icmp + 8, ndh_a6(group), 16) == 0)
			return true;
	return false;
}

static void test_v1_query_answered_with_v1_reports(void **state)
{
	(void)state;
	struct ndh *h = ndh_new(NULL);

	ndh_run(h, 3000000);
	assert_false(mld6_v1_mode(h->st, h->ifp->index));
	/* a join: the v2 report now, its repetition pending ... */
	assert_int_equal(mld6_join(h->st, h->ifp, ndh_a6(GRP)), 0);
	ndh_drain(h);
	ndh_clear(h);
	/* ... when an MLDv1 querier asks (max delay 2 s): the pending v2 one is cancelled */
	query(h, 1, NULL, 2000, 0, 0);
	assert_true(mld6_v1_mode(h->st, h->ifp->index));
	ndh_run(h, 2000000);
	assert_int_equal(ndh_count(h, ICMP6_MLD2_REPORT), 0);
	/* one v1 report per group, the solicited-node group too, within the 2 s */
	assert_int_equal(ndh_count(h, ICMP6_MLD_REPORT), 2);
	assert_true(reported(h, GRP));
	assert_true(reported(h, SNM));
	check_v1(h, ICMP6_MLD_REPORT, 0, NULL);
	check_v1(h, ICMP6_MLD_REPORT, 1, NULL);
	/* and nothing more until asked again */
	ndh_clear(h);
	ndh_run(h, 30000000);
	assert_int_equal(ndh_count(h, ICMP6_MLD_REPORT) + ndh_count(h, ICMP6_MLD2_REPORT), 0);
	/* a group-specific v1 query: that group only */
	query(h, 1, GRP, 1000, 0, 0);
	ndh_run(h, 1000000);
	assert_int_equal(ndh_count(h, ICMP6_MLD_REPORT), 1);
	check_v1(h, ICMP6_MLD_REPORT, 0, GRP);
	ndh_free(h);
}

static void test_v1_join_leave_done(void **state)
{
	(void)state;
	struct ndh *h = member();
	const char *g2 = "ff0e::1234";

	query(h, 1, NULL, 1000, 0, 0);
	ndh_run(h, 1000000);
	ndh_clear(h);
	/* a join in MLDv1 mode: a v1 report at once, once more within 10 s (RFC 2710 4) */
	assert_int_equal(mld6_join(h->st, h->ifp, ndh_a6(g2)), 0);
	ndh_drain(h);
	assert_int_equal(ndh_count(h, ICMP6_MLD_REPORT), 1);
	check_v1(h, ICMP6_MLD_REPORT, 0, g2);
	ndh_run(h, 10000000);
	assert_int_equal(ndh_count(h, ICMP6_MLD_REPORT), 2);
	check_v1(h, ICMP6_MLD_REPORT, 1, g2);
	/* the last leave: one Done to ff02::2, no v2 report */
	ndh_clear(h);
	assert_int_equal(mld6_leave(h->st, h->ifp, ndh_a6(g2)), 0);
	ndh_run(h, 10000000);
	assert_int_equal(ndh_count(h, ICMP6_MLD_DONE), 1);
	check_v1(h, ICMP6_MLD_DONE, 0, g2);
	assert_int_equal(ndh_count(h, ICMP6_MLD2_REPORT) + ndh_count(h, ICMP6_MLD_REPORT), 0);
	assert_false(mld6_member(h->st, h->ifp, ndh_a6(g2)));
	/* joined twice, left once: no Done yet */
	assert_int_equal(mld6_join(h->st, h->ifp, ndh_a6(g2)), 0);
	assert_int_equal(mld6_join(h->st, h->ifp, ndh_a6(g2)), 0);
	ndh_run(h, 10000000);
	ndh_clear(h);
	assert_int_equal(mld6_leave(h->st, h->ifp, ndh_a6(g2)), 0);
	ndh_run(h, 1000000);
	assert_int_equal(ndh_count(h, ICMP6_MLD_DONE), 0);
	assert_int_equal(mld6_leave(h->st, h->ifp, ndh_a6(g2)), 0);
	ndh_run(h, 1000000);
	assert_int_equal(ndh_count(h, ICMP6_MLD_DONE), 1);
	ndh_free(h);
}

static void test_v1_timeout_back_to_v2(void **state)
{
	(void)state;
	struct ndh *h = member();

	/* defaults: 2 * 125 s + the query's 10 s = 260 s */
	query(h, 1, NULL, 10000, 0, 0);
	ndh_run(h, 259000000);
	assert_true(mld6_v1_mode(h->st, h->ifp->index));
	ndh_run(h, 2000000);
	assert_false(mld6_v1_mode(h->st, h->ifp->index));
	/* MLDv2 again: a join is a v2 report, a query answered by v2 reports */
	ndh_clear(h);
	assert_int_equal(mld6_join(h->st, h->ifp, ndh_a6("ff0e::99")), 0);
	ndh_drain(h);
	assert_int_equal(ndh_count(h, ICMP6_MLD2_REPORT), 1);
	query(h, 2, NULL, 1000, 0, 0);
	ndh_run(h, 2000000);
	assert_int_equal(ndh_count(h, ICMP6_MLD_REPORT), 0);
	assert_true(ndh_count(h, ICMP6_MLD2_REPORT) >= 2);
	/* each v1 query renews the timer */
	query(h, 1, NULL, 1000, 0, 0);
	ndh_run(h, 200000000);
	query(h, 1, NULL, 1000, 0, 0);
	ndh_run(h, 200000000);
	assert_true(mld6_v1_mode(h->st, h->ifp->index));
	ndh_run(h, 52000000);
	assert_false(mld6_v1_mode(h->st, h->ifp->index));
	ndh_free(h);
}

static void test_timeout_from_v2_query_values(void **state)
{
	(void)state;
	struct ndh *h = member();

	/* a v2 querier said QRV 3, QQIC 60 s; then an MLDv1 query with a 1 s delay:
	 * 3 * 60 s + 1 s = 181 s */
	query(h, 2, NULL, 1000, 3, 60);
	ndh_run(h, 1000000);
	assert_false(mld6_v1_mode(h->st, h->ifp->index));
	query(h, 1, NULL, 1000, 0, 0);
	ndh_run(h, 180500000);
	assert_true(mld6_v1_mode(h->st, h->ifp->index));
	ndh_run(h, 1000000);
	assert_false(mld6_v1_mode(h->st, h->ifp->index));
	ndh_free(h);
}

static void test_v2_query_in_v1_mode(void **state)
{
	(void)state;
	struct ndh *h = member();

	query(h, 1, NULL, 1000, 0, 0);
	ndh_run(h, 1000000);
	ndh_clear(h);
	/* a v2 general query while an MLDv1 querier is present: v1 reports */
	query(h, 2, NULL, 1000, 2, 125);
	ndh_run(h, 1000000);
	assert_int_equal(ndh_count(h, ICMP6_MLD2_REPORT), 0);
	assert_int_equal(ndh_count(h, ICMP6_MLD_REPORT), 2);
	check_v1(h, ICMP6_MLD_REPORT, 0, NULL);
	assert_true(reported(h, GRP));
	assert_true(reported(h, SNM));
	assert_true(mld6_v1_mode(h->st, h->ifp->index));
	ndh_free(h);
}

static void test_v1_report_suppression(void **state)
{
	(void)state;
	struct ndh *h = member();

	query(h, 1, NULL, 10000, 0, 0);
	/* nothing sent yet (both groups' times lie ahead) */
	assert_int_equal(ndh_count(h, ICMP6_MLD_REPORT), 0);
	/* another listener reports GRP first: ours is not sent; the solicited-node group's is */
	other_report(h, GRP);
	ndh_run(h, 10000000);
	assert_false(reported(h, GRP));
	assert_true(reported(h, SNM));
	assert_int_equal(ndh_count(h, ICMP6_MLD_REPORT), 1);
	/* in MLDv2 mode another node's report changes nothing (RFC 3810 has no suppression) */
	ndh_free(h);
	h = member();
	query(h, 2, NULL, 10000, 0, 0);
	other_report(h, GRP);
	ndh_run(h, 10000000);
	assert_int_equal(ndh_count(h, ICMP6_MLD2_REPORT), 1);
	ndh_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_query_answered_with_v1_reports),
		cmocka_unit_test(test_v1_join_leave_done),
		cmocka_unit_test(test_v1_timeout_back_to_v2),
		cmocka_unit_test(test_timeout_from_v2_query_values),
		cmocka_unit_test(test_v2_query_in_v1_mode),
		cmocka_unit_test(test_v1_report_suppression),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
