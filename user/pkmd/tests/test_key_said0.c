// SPDX-License-Identifier: GPL-2.0
/*
 * Key Requests for SAID 0 at the BS: a real pkmd BS on its test
 * transport, driven by this test as one SS in group 1 (key tree, lkh,
 * joins batched) and group 2 (no tree).  A request for SAID 0 names the
 * service and group of an SA the SS has no SA-Descriptor of; the Key
 * Reply to it must carry that SA's descriptor, one for the SA's SAID:
 *
 *   - group 2, answered at once;
 *   - group 1's join, answered only once the join is committed
 *     (bs_group.c, answer_joiners), also when the SS asked again, for
 *     SAID 0, while the join was staged: the answer is to its latest
 *     request;
 *   - group 1 again, a member now (resync, then the Key Reply).
 *
 * A request naming the SAID gets a Key Reply without a descriptor.
 * Before the fix the committed join was answered as if the SS had named
 * the SAID: without the descriptor, so an SS that knew the group by ID
 * only dropped it.  The daemon is the pkmd binary next to this test's
 * directory.  Every wait is a poll with a time limit.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "daemon_harness.h"
#include "tap.h"

#define TREE_GROUP	1
#define TREE_SAID	0x3001
#define PLAIN_GROUP	2
#define PLAIN_SAID	0x3002
#define BATCH_MS	3000

static struct tc_cert ca, bs_cert, ss_cert;
static const uint8_t ss_mac[MAC_LEN] = { 0x02, 0x16, 0x00, 0x00, 0x00, 0x41 };
static struct dh_ss ss = { .mac = ss_mac, .cert = &ss_cert, .tx_pn = 1 };

static int write_setup(void)
{
	char sections[256];

	if (dh_make_identity(&ca, &bs_cert, &ss_cert, "said0"))
		return -1;
	ss.bs_key = bs_cert.key;
	snprintf(sections, sizeof(sections),
		 "[group %d]\ncid = 0x%04x\nkey-tree = lkh\ntree-degree = 2\n"
		 "rekey-batch = %d\n\n[group %d]\ncid = 0x%04x\n\n",
		 TREE_GROUP, TREE_SAID, BATCH_MS, PLAIN_GROUP, PLAIN_SAID);
	return dh_write_bs_conf("debug", sections, "");
}

/* A multicast Key Request for the group naming said; its identifier. */
static int send_request(uint8_t group, uint16_t said)
{
	struct pkm_msg m = { .code = PKM_KEY_REQUEST, .id = ++ss.next_id };

	m.u.key_req = (struct pkm_key_request){
		.ak_seq = ss.ak_seq, .said = said,
		.service = PKM_SERVICE_MULTICAST, .has_group = true,
		.group_id = group };
	if (dh_send_pkm(&ss, &m, ss.keys.cmac_up, ss.tx_pn++))
		return -1;
	return m.id;
}

/*
 * The next Key Reply or Key Reject on our primary CID into m, verified
 * under the AK's downlink key.  0 or -1.
 */
static int answer(struct pkm_msg *m)
{
	static uint8_t buf[PKM_MSG_MAX];
	struct pkm_verifier v = { .cmac_key = ss.keys.cmac_down,
				  .replay = &ss.down };
	int64_t end = dh_now_ms() + DH_WAIT_MS;
	uint16_t cid;

	while (dh_now_ms() < end) {
		ssize_t n = dh_recv_mgmt(buf, sizeof(buf), &cid,
					 end - dh_now_ms());

		if (n < 0)
			return -1;
		if (cid != ss.primary_cid || buf[0] != PKM_MGMT_RSP ||
		    pkm_msg_parse(buf, (size_t)n, m))
			continue;
		if (m->code == PKM_KEY_REPLY || m->code == PKM_KEY_REJECT)
			return pkm_msg_verify(m, &v) ? -1 : 0;
	}
	return -1;
}

/* A Key Reply to request id for said, with its SA's descriptor or none. */
static bool reply_is(const struct pkm_msg *m, int id, uint16_t said,
		     uint8_t group, bool with_desc)
{
	const struct pkm_key_reply *r = &m->u.key_rep;
	const struct pkm_sa_desc *d = &r->sa_desc;

	if (m->code != PKM_KEY_REPLY || m->id != id || r->said != said) {
		printf("#   got code %u identifier %u SAID 0x%04x\n", m->code,
		       m->id, r->said);
		return false;
	}
	if (!with_desc)
		return !r->has_sa_desc;
	return r->has_sa_desc && d->said == said && d->has_service &&
	       d->service == PKM_SERVICE_MULTICAST && d->has_group &&
	       d->group_id == group &&
	       d->suite.tek_enc == PKM_TEK_ENC_AES_KW_128;
}

static void test_said0(void)
{
	struct pkm_msg m;
	int id, first;

	ok(dh_ctl_has("{\"command\":\"subscriber-add\",\"cn\":\"ss-said0\",\"mac\":\"02:16:00:00:00:41\",\"provider\":\"net-a\",\"services\":[\"unicast\",\"multicast\"]}",
		   "\"ok\":true") &&
	   dh_ctl_has("{\"command\":\"group-member-add\",\"group\":1,\"cn\":\"ss-said0\"}",
		   "\"ok\":true") &&
	   dh_ctl_has("{\"command\":\"group-member-add\",\"group\":2,\"cn\":\"ss-said0\"}",
		   "\"ok\":true"), "subscriber in groups 1 and 2");
	if (!ok(!dh_enter(&ss) && !dh_authorize(&ss, NULL),
		"ranged and authorized: AK %u", ss.ak_seq))
		return;

	/* Group 2: no tree, answered at once. */
	id = send_request(PLAIN_GROUP, 0);
	ok(id > 0 && !answer(&m) &&
	   reply_is(&m, id, PLAIN_SAID, PLAIN_GROUP, true),
	   "group 2 (no tree), SAID 0: Key Reply with the SA-Descriptor of SAID 0x%04x",
	   PLAIN_SAID);
	id = send_request(PLAIN_GROUP, PLAIN_SAID);
	ok(id > 0 && !answer(&m) &&
	   reply_is(&m, id, PLAIN_SAID, PLAIN_GROUP, false),
	   "group 2 by its SAID: Key Reply without one");

	/* Group 1: the join is staged; the SS asks again meanwhile. */
	first = send_request(TREE_GROUP, 0);
	ok(first > 0 &&
	   dh_ctl_wait("{\"command\":\"group-list\"}", "\"staged\":true", true),
	   "group 1 (key tree), SAID 0: the join is staged");
	id = send_request(TREE_GROUP, 0);
	ok(id > 0 && !answer(&m) &&
	   reply_is(&m, id, TREE_SAID, TREE_GROUP, true),
	   "committed after the batch, the join is answered: Key Reply to the latest request, with the SA-Descriptor of SAID 0x%04x",
	   TREE_SAID);
	ok(dh_ctl_has("{\"command\":\"group-list\"}", "\"members\":1,"),
	   "the SS is in the tree");

	/* A member asking again: resync, then the Key Reply. */
	id = send_request(TREE_GROUP, 0);
	ok(id > 0 && !answer(&m) &&
	   reply_is(&m, id, TREE_SAID, TREE_GROUP, true),
	   "group 1 again, SAID 0: Key Reply with the SA-Descriptor");
	id = send_request(TREE_GROUP, TREE_SAID);
	ok(id > 0 && !answer(&m) &&
	   reply_is(&m, id, TREE_SAID, TREE_GROUP, false),
	   "group 1 by its SAID: Key Reply without one");
}

int main(int argc, char **argv)
{
	(void)argc;
	if (dh_init(argv[0], "said0") || write_setup()) {
		printf("Bail out! cannot set up (%s)\n", dh_pkmd_bin());
		return 1;
	}
	if (ok(!dh_start(ss.bsid, false), "pkmd BS on its test transport"))
		test_said0();
	dh_stop(SIGTERM);
	dh_cleanup(tap_failures, 40);
	tc_free(&ca);
	tc_free(&bs_cert);
	tc_free(&ss_cert);
	return tap_finish();
}
