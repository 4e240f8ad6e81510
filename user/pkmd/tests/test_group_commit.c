// SPDX-License-Identifier: GPL-2.0
/*
 * A group rekey the database refuses (bs_group.c, commit): a real pkmd
 * BS on its test transport, driven by this test as one SS that joins the
 * key tree of group 1.  With the database locked by the test:
 *
 *   - a forced rekey (the kernel's hard expiry of the group TEK) is not
 *     saved: the tree in memory must stay at the epoch the database
 *     holds, and nothing may be sent; once the database is free the
 *     rekey is made again, saved and sent to the member, and a restart
 *     finds the same epoch;
 *   - the member's removal (within the group's rekey-batch interval)
 *     empties the tree: the tree and the TEK nobody knows are saved and
 *     installed once the database is free, not left undone.
 *   - the member's Key Request (for SAID 0) after it is added again
 *     stages a join; its commit is refused, the join is staged again on
 *     the saved tree, and committed and answered once the database is
 *     free, with the SA-Descriptor a request for SAID 0 gets.
 *
 * Before the fix the first rekey moved the tree in memory on without the
 * database and was never sent or made again, and the empty group kept
 * the TEK its last member held.  The daemon is the pkmd binary next to
 * this test's directory.  Every wait is a poll with a time limit.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "daemon_harness.h"
#include "tap.h"
#include "transport_test.h"

#define WAIT_MS		DH_WAIT_MS
#define GROUP		1
#define GROUP_SAID	0x3001
#define BATCH_MS	1500

static struct tc_cert ca, bs_cert, ss_cert;
static const uint8_t ss_mac[MAC_LEN] = { 0x02, 0x16, 0x00, 0x00, 0x00, 0x31 };
static struct dh_ss ss = { .mac = ss_mac, .cert = &ss_cert, .group = GROUP,
			   .tx_pn = 1 };

static int write_setup(void)
{
	char sections[256];

	if (dh_make_identity(&ca, &bs_cert, &ss_cert, "commit"))
		return -1;
	ss.bs_key = bs_cert.key;
	snprintf(sections, sizeof(sections),
		 "[group %d]\ncid = 0x%04x\nkey-tree = lkh\ntree-degree = 2\n"
		 "rekey-batch = %d\n\n", GROUP, GROUP_SAID, BATCH_MS);
	return dh_write_bs_conf("debug", sections, "");
}

static int start_daemon(void)
{
	return dh_start(ss.bsid, false);
}

/* The database, locked by a write transaction of ours until unlock(). */
static sqlite3 *lock_db(void)
{
	char path[sizeof(dh_dir) + 16];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/bs.db", dh_dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

static void unlock_db(sqlite3 *db)
{
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
}

/* A number field of group 1 in group-list ("epoch", "tx_eks"); -1 if none. */
static long long group_field(const char *name)
{
	char out[16384] = "", key[32];
	const char *p;

	snprintf(key, sizeof(key), "\"%s\":", name);
	if (dh_ctl("{\"command\":\"group-list\"}", out, sizeof(out)) ||
	    !(p = strstr(out, key)))
		return -1;
	return strtoll(p + strlen(key), NULL, 10);
}

static bool group_field_is(const char *name, long long want)
{
	int64_t end = dh_now_ms() + WAIT_MS;

	do {
		if (group_field(name) == want)
			return true;
		poll(NULL, 0, 20);
	} while (dh_now_ms() < end);
	return false;
}

/* Waits for a Group Key Update for the group on our primary CID. */
static bool gku_arrives(int64_t wait_ms)
{
	static uint8_t buf[PKM_MSG_MAX];
	int64_t end = dh_now_ms() + wait_ms;
	struct pkm_msg m;
	uint16_t cid;

	while (dh_now_ms() < end) {
		ssize_t n = dh_recv_mgmt(buf, sizeof(buf), &cid,
					 end - dh_now_ms());

		if (n < 0)
			break;
		if (cid == ss.primary_cid && buf[0] == PKM_MGMT_RSP &&
		    !pkm_msg_parse(buf, (size_t)n, &m) &&
		    m.code == PKM_GROUP_KEY_UPDATE && m.u.gku.said == GROUP_SAID)
			return true;
	}
	return false;
}

#define NOBODY	"no members; TEK EKS"

static void test_commit(void)
{
	char failed[64];
	long long epoch, eks;
	static uint8_t buf[PKM_MSG_MAX];
	int nobody, refused;
	struct pkm_msg m;
	sqlite3 *db;
	int err;

	ok(dh_ctl_has("{\"command\":\"subscriber-add\",\"cn\":\"ss-commit\",\"mac\":\"02:16:00:00:00:31\",\"provider\":\"net-a\",\"services\":[\"unicast\",\"multicast\"]}",
		   "\"ok\":true") &&
	   dh_ctl_has("{\"command\":\"group-member-add\",\"group\":1,\"cn\":\"ss-commit\"}",
		   "\"ok\":true"), "subscriber and group member added");
	err = dh_enter(&ss);
	if (!ok(!err, "ranged: primary CID 0x%04x", ss.primary_cid))
		return;
	err = dh_authorize(&ss, NULL);
	if (!ok(!err, "authorized: AK %u", ss.ak_seq))
		return;
	is_int(dh_key_request(&ss, GROUP_SAID, PKM_SERVICE_MULTICAST, NULL),
	       PKM_KEY_REPLY, "group Key Reply");
	ok(dh_ctl_wait("{\"command\":\"group-list\"}", "\"members\":1,", true) &&
	   dh_ctl_wait("{\"command\":\"group-list\"}", "\"switching\":false", true),
	   "the SS is in the tree, which sends with its new TEK");
	epoch = group_field("epoch");
	eks = group_field("tx_eks");
	printf("# epoch %lld, TEK EKS %lld\n", epoch, eks);

	/* A forced rekey with the database locked. */
	db = lock_db();
	if (!ok(db != NULL, "the database locked by the test"))
		return;
	dh_drain();
	dh_send_tek_event(WMAN_CMD_TEK_HARD_EXPIRED, GROUP_SAID, (uint8_t)eks, NULL);
	snprintf(failed, sizeof(failed), "rekey %lld not saved", epoch + 1);
	ok(dh_log_wait(failed, 1, 3 * WAIT_MS), "the rekey is not saved");
	is_int(group_field("epoch"), epoch,
	       "the tree in memory stays at the database's epoch");
	ok(!gku_arrives(500), "nothing is sent while the database is locked");
	unlock_db(db);
	ok(gku_arrives(3 * WAIT_MS),
	   "once it is free, the rekey is made again and sent to the member");
	ok(group_field_is("epoch", epoch + 1), "the tree moves on by one rekey");
	ok(dh_ctl_wait("{\"command\":\"group-list\"}", "\"switching\":false", true),
	   "and the BS sends with its TEK");

	ok(dh_stop(SIGTERM) == 0, "the daemon stops cleanly");
	if (!ok(!start_daemon(), "and starts again"))
		return;
	is_int(group_field("epoch"), epoch + 1,
	       "after the restart the database has that rekey");
	ok(dh_ctl_has("{\"command\":\"group-list\"}", "\"members\":1,"),
	   "and the member");

	/* The last member leaves, the database locked before the batch ends. */
	nobody = dh_log_count(NOBODY);
	refused = dh_log_count("not saved; trying again");
	ok(dh_ctl_has("{\"command\":\"group-member-del\",\"group\":1,\"cn\":\"ss-commit\"}",
		   "\"ok\":true"), "the member removed");
	db = lock_db();
	if (!ok(db != NULL, "the database locked within the batch interval"))
		return;
	ok(dh_log_wait("not saved; trying again", refused + 1, 3 * WAIT_MS),
	   "the leave's rekey is not saved");
	is_int(dh_log_count(NOBODY), nobody, "no TEK for nobody yet");
	unlock_db(db);
	ok(dh_log_wait(NOBODY, nobody + 1, 3 * WAIT_MS),
	   "once the database is free, the group sends with a TEK nobody knows");
	ok(dh_ctl_wait("{\"command\":\"group-list\"}", "\"members\":0,", true),
	   "the tree is empty");
	ok(dh_stop(SIGTERM) == 0, "the daemon stops cleanly");
	if (!ok(!start_daemon(), "and starts again"))
		return;
	ok(dh_ctl_has("{\"command\":\"group-list\"}", "\"members\":0,"),
	   "after the restart too");
	is_int(dh_log_count("(no longer a member)"), 0,
	       "with no leave left to make again");

	/* It joins again; the database is locked before the batch ends. */
	ok(dh_ctl_has("{\"command\":\"group-member-add\",\"group\":1,\"cn\":\"ss-commit\"}",
		   "\"ok\":true"), "the member added again");
	refused = dh_log_count("not saved; trying again");
	epoch = group_field("epoch");
	m = (struct pkm_msg){ .code = PKM_KEY_REQUEST };
	m.u.key_req = (struct pkm_key_request){
		.ak_seq = ss.ak_seq, .said = 0,
		.service = PKM_SERVICE_MULTICAST, .has_group = true,
		.group_id = GROUP };
	ok(!dh_send_pkm(&ss, &m, ss.keys.cmac_up, ss.tx_pn++) &&
	   dh_ctl_wait("{\"command\":\"group-list\"}", "\"staged\":true", true),
	   "its Key Request (for SAID 0, the group by ID) stages a join");
	db = lock_db();
	if (!ok(db != NULL, "the database locked within the batch interval"))
		return;
	ok(dh_log_wait("not saved; trying again", refused + 1, 3 * WAIT_MS),
	   "the join's rekey is not saved");
	is_int(group_field("epoch"), epoch,
	       "the tree in memory stays at the database's epoch");
	ok(dh_ctl_has("{\"command\":\"group-list\"}", "\"staged\":true"),
	   "with the join staged again");
	unlock_db(db);
	ok(!dh_wait_pkm(&ss, PKM_KEY_REPLY, &m, buf, NULL) &&
	   m.u.key_rep.said == GROUP_SAID && m.u.key_rep.has_sa_desc &&
	   m.u.key_rep.sa_desc.said == GROUP_SAID,
	   "once the database is free the join is committed and answered, with the SA-Descriptor asked for");
	ok(dh_ctl_wait("{\"command\":\"group-list\"}", "\"members\":1,", true),
	   "the member is in the tree");
	ok(dh_stop(SIGTERM) == 0 && !start_daemon() &&
	   dh_ctl_has("{\"command\":\"group-list\"}", "\"members\":1,") &&
	   group_field("epoch") == epoch + 1,
	   "after a restart too, at the epoch of that rekey");
}

int main(int argc, char **argv)
{
	(void)argc;
	if (dh_init(argv[0], "commit") || write_setup()) {
		printf("Bail out! cannot set up (%s)\n", dh_pkmd_bin());
		return 1;
	}
	if (ok(!start_daemon(), "pkmd BS on its test transport"))
		test_commit();
	dh_stop(SIGTERM);
	dh_cleanup(tap_failures, 40);
	tc_free(&ca);
	tc_free(&bs_cert);
	tc_free(&ss_cert);
	return tap_finish();
}
