// SPDX-License-Identifier: GPL-2.0
/*
 * The BS's CID layout (control-plane.rst, "CIDs and SAIDs"): a real pkmd
 * BS on its test transport with basic-cid-max = 2, driven by this test as
 * three SSs.  Station N gets Basic CID N and Primary Management CID 2 + N;
 * the third SS is refused, with a log line saying why; PKM runs on the
 * primary CIDs and nothing above 2m is taken for one.  A tree group's
 * rekey to the whole group goes on the broadcast management connection,
 * 0xffff.  With basic-cid-max lowered below a stored station's index the
 * daemon does not start and names the setting; raised, the stations keep
 * their index and their primary CIDs follow the new m.
 *
 * The daemon is the pkmd binary next to this test's directory.  Every
 * wait is a poll with a time limit.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "daemon_harness.h"
#include "rng.h"
#include "tap.h"
#include "transport_test.h"

#define WAIT_MS		DH_WAIT_MS
#define GROUP		1
#define GROUP_SAID	0x3001
#define N_SS		3

static struct tc_cert ca, bs_cert, ss_cert[N_SS];
static const uint8_t ss_mac[N_SS][MAC_LEN] = {
	{ 0x02, 0x16, 0x00, 0x00, 0x00, 0x41 },
	{ 0x02, 0x16, 0x00, 0x00, 0x00, 0x42 },
	{ 0x02, 0x16, 0x00, 0x00, 0x00, 0x43 },
};
static struct dh_ss ss[N_SS];

static int write_conf(unsigned int basic_cid_max)
{
	char sections[256];

	/* Still in [bs]: the sections follow its keys. */
	snprintf(sections, sizeof(sections),
		 "basic-cid-max = %u\n\n"
		 "[group %d]\ncid = 0x%04x\nkey-tree = lkh\ntree-degree = 2\n\n",
		 basic_cid_max, GROUP, GROUP_SAID);
	return dh_write_bs_conf("debug", sections, "");
}

static int write_setup(void)
{
	if (dh_make_identity(&ca, &bs_cert, NULL, "cid"))
		return -1;
	for (int i = 0; i < N_SS; i++) {
		char cn[24];

		snprintf(cn, sizeof(cn), "ss-cid-%d", i + 1);
		if (tc_make(&ss_cert[i], cn, tc_key_rsa(2048), &ca, TC_SS, -1,
			    30))
			return -1;
	}
	for (int i = 0; i < N_SS; i++)
		ss[i] = (struct dh_ss){ .mac = ss_mac[i], .cert = &ss_cert[i],
					.bs_key = bs_cert.key, .group = GROUP,
					.tx_pn = 1 };
	return write_conf(2);
}

static int start_daemon(void)
{
	int err = dh_start(ss[0].bsid, false);

	for (int i = 1; i < N_SS; i++)
		memcpy(ss[i].bsid, ss[0].bsid, MAC_LEN);
	return err;
}

static bool add_subscriber(int i)
{
	char req[512];

	snprintf(req, sizeof(req),
		 "{\"command\":\"subscriber-add\",\"cn\":\"ss-cid-%d\",\"mac\":\"02:16:00:00:00:%02x\",\"provider\":\"net-a\",\"services\":[\"unicast\",\"multicast\"]}",
		 i + 1, ss_mac[i][5]);
	if (!dh_ctl_has(req, "\"ok\":true"))
		return false;
	snprintf(req, sizeof(req),
		 "{\"command\":\"group-member-add\",\"group\":%d,\"cn\":\"ss-cid-%d\"}",
		 GROUP, i + 1);
	return dh_ctl_has(req, "\"ok\":true");
}

/* The status of an RNG-RSP to SS i, its CIDs in ss[i]; -1 if none came. */
static int range(int i)
{
	struct rng_req req;
	struct rng_rsp rsp;
	uint8_t buf[RNG_MSG_MAX], in[PKM_MSG_MAX];
	int64_t end = dh_now_ms() + WAIT_MS;
	uint16_t cid;
	size_t len;

	memcpy(req.ss_mac, ss_mac[i], MAC_LEN);
	if (rng_req_build(&req, buf, sizeof(buf), &len) ||
	    dh_send_mgmt(ss_mac[i], WMAN_CID_INITIAL_RANGING, buf, len))
		return -1;
	while (dh_now_ms() < end) {
		ssize_t n = dh_recv_mgmt(in, sizeof(in), &cid,
					 end - dh_now_ms());

		if (n < 0)
			return -1;
		if (cid != WMAN_CID_INITIAL_RANGING ||
		    rng_rsp_parse(in, (size_t)n, &rsp) ||
		    memcmp(rsp.ss_mac, ss_mac[i], MAC_LEN))
			continue;
		ss[i].basic_cid = rsp.basic_cid;
		ss[i].primary_cid = rsp.primary_cid;
		return rsp.status;
	}
	return -1;
}

/*
 * SS i's Key Request for the group: its join's rekey to the others must
 * come on 0xffff, signed; then its Key Reply on its primary CID.
 */
static void join_seen_on_broadcast(int i, bool *broadcast, bool *reply)
{
	static uint8_t buf[PKM_MSG_MAX];
	int64_t end = dh_now_ms() + WAIT_MS;
	struct pkm_msg m = { .code = PKM_KEY_REQUEST };
	uint16_t cid;

	*broadcast = *reply = false;
	m.u.key_req = (struct pkm_key_request){
		.ak_seq = ss[i].ak_seq, .said = GROUP_SAID,
		.service = PKM_SERVICE_MULTICAST, .has_group = true,
		.group_id = GROUP };
	if (dh_send_pkm(&ss[i], &m, ss[i].keys.cmac_up, ss[i].tx_pn++))
		return;
	while (!*reply && dh_now_ms() < end) {
		ssize_t n = dh_recv_mgmt(buf, sizeof(buf), &cid,
					 end - dh_now_ms());

		if (n < 0 || buf[0] != PKM_MGMT_RSP ||
		    pkm_msg_parse(buf, (size_t)n, &m))
			continue;
		if (cid == WMAN_CID_BROADCAST &&
		    m.code == PKM_GROUP_KEY_UPDATE &&
		    m.u.gku.said == GROUP_SAID && m.authn == PKM_AUTHN_SIG_BS)
			*broadcast = true;
		if (cid == ss[i].primary_cid && m.code == PKM_KEY_REPLY)
			*reply = true;
	}
}

static void test_layout(void)
{
	bool broadcast, reply;
	char want[160];

	for (int i = 0; i < N_SS; i++)
		if (!ok(add_subscriber(i), "subscriber %d added, a member of group %d",
			i + 1, GROUP))
			return;
	ok(dh_ctl_has("{\"command\":\"status\"}", "\"basic_cid_max\":2"),
	   "status shows basic_cid_max 2");
	is_int(range(0), RNG_STATUS_SUCCESS, "SS 1 ranged");
	ok(ss[0].basic_cid == 1 && ss[0].primary_cid == 3,
	   "SS 1: Basic CID 1, Primary Management CID m + 1 = 3 (got %u, %u)",
	   ss[0].basic_cid, ss[0].primary_cid);
	is_int(range(1), RNG_STATUS_SUCCESS, "SS 2 ranged");
	ok(ss[1].basic_cid == 2 && ss[1].primary_cid == 4,
	   "SS 2: Basic CID 2, Primary Management CID 4 (got %u, %u)",
	   ss[1].basic_cid, ss[1].primary_cid);
	is_int(range(2), RNG_STATUS_ABORT,
	       "SS 3, one more than basic-cid-max: refused (ranging status abort)");
	snprintf(want, sizeof(want),
		 "SS 02:16:00:00:00:43: refused, no CIDs left: all 2 Basic CIDs are taken (basic-cid-max)");
	ok(dh_log_wait(want, 1, WAIT_MS), "the BS says why, in one line");
	is_int(range(0), RNG_STATUS_SUCCESS, "SS 1 ranging again");
	ok(ss[0].basic_cid == 1 && ss[0].primary_cid == 3, "keeps its CIDs");

	ok(!dh_authorize(&ss[0], NULL) && !dh_authorize(&ss[1], NULL),
	   "SS 1 and 2 authorized on their primary CIDs 3 and 4");
	ok(!dh_ctl_has("{\"command\":\"subscriber-list\"}", "\"primary_cid\":4097"),
	   "no primary CID of the old layout (0x1000 + N) in the subscriber list");
	ok(dh_ctl_has("{\"command\":\"subscriber-list\"}", "\"primary_cid\":3,") &&
	   dh_ctl_has("{\"command\":\"subscriber-list\"}", "\"unicast_said\":8194"),
	   "the subscriber list shows primary CID 3 and unicast SAID 0x2002");

	/* A PDU on 2m + 1 is no station's: ignored, not taken for SS 1's. */
	dh_send_mgmt(ss_mac[0], 5, (const uint8_t *)"\x09\x07\x01", 3);
	ok(dh_log_wait("SS 02:16:00:00:00:41: message on CID 0x0005 ignored", 1,
		       WAIT_MS), "a PDU on CID 2m + 1 is ignored");
	dh_send_mgmt(ss_mac[1], 3, (const uint8_t *)"\x09\x07\x01", 3);
	ok(dh_log_wait("SS 02:16:00:00:00:42: message on primary CID 0x0003, which is not its own",
		       1, WAIT_MS), "SS 2's PDU on SS 1's primary CID is dropped");

	is_int(dh_key_request(&ss[0], GROUP_SAID, PKM_SERVICE_MULTICAST, NULL),
	       PKM_KEY_REPLY, "SS 1 joins the group's key tree");
	join_seen_on_broadcast(1, &broadcast, &reply);
	ok(broadcast, "SS 2's join: the rekey to the group goes on CID 0xffff, signed, for SAID 0x%04x",
	   GROUP_SAID);
	ok(reply, "and SS 2's Key Reply on its primary CID");
	ok(dh_ctl_has("{\"command\":\"group-list\"}", "\"rekey_cid\":65535"),
	   "group-list names 0xffff as the rekey connection");
}

/* A daemon that must not start: its exit status, -1 if it runs on. */
static int start_refused(void)
{
	pid_t pid = dh_spawn(true), done;
	int64_t end = dh_now_ms() + WAIT_MS;
	int status;

	if (pid < 0)
		return -1;
	while ((done = waitpid(pid, &status, WNOHANG)) == 0 && dh_now_ms() < end)
		poll(NULL, 0, 20);
	if (done == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_restart(void)
{
	ok(dh_stop(SIGTERM) == 0, "the daemon stops cleanly");
	if (!ok(!write_conf(1), "basic-cid-max lowered to 1"))
		return;
	is_int(start_refused(), 4,
	       "below a stored station's Basic CID the daemon does not start (exit 4)");
	ok(dh_log_wait("database: SS 02:16:00:00:00:42 has Basic CID 2, above basic-cid-max 1; set basic-cid-max to 2 or more",
		       1, WAIT_MS), "and names the station and the setting");

	if (!ok(!write_conf(3), "basic-cid-max raised to 3") ||
	    !ok(!start_daemon(), "the daemon starts"))
		return;
	is_int(range(1), RNG_STATUS_SUCCESS, "SS 2 ranges again");
	ok(ss[1].basic_cid == 2 && ss[1].primary_cid == 5,
	   "SS 2 keeps Basic CID 2; its primary CID follows m: 3 + 2 = 5 (got %u, %u)",
	   ss[1].basic_cid, ss[1].primary_cid);
	is_int(range(2), RNG_STATUS_SUCCESS, "SS 3 now ranges");
	ok(ss[2].basic_cid == 3 && ss[2].primary_cid == 6,
	   "SS 3: Basic CID 3, primary CID 6 (got %u, %u)", ss[2].basic_cid,
	   ss[2].primary_cid);
	ok(!dh_authorize(&ss[2], NULL), "SS 3 authorized on primary CID 6");
}

int main(int argc, char **argv)
{
	(void)argc;
	if (dh_init(argv[0], "cid") || write_setup()) {
		printf("Bail out! cannot set up (%s)\n", dh_pkmd_bin());
		return 1;
	}
	if (ok(!start_daemon(), "pkmd BS with basic-cid-max = 2")) {
		test_layout();
		test_restart();
	}
	dh_stop(SIGTERM);
	dh_cleanup(tap_failures, 40);
	tc_free(&ca);
	tc_free(&bs_cert);
	for (int i = 0; i < N_SS; i++)
		tc_free(&ss_cert[i]);
	return tap_finish();
}
