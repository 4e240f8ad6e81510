// SPDX-License-Identifier: GPL-2.0
/*
 * De-registration at the BS: a real pkmd BS on its test transport
 * (transport_test.h), driven by this test as one SS.  It enters,
 * authorizes, takes unicast keys and joins the key tree of group 1;
 * then forged, malformed and replayed DREG-REQs must change nothing and
 * bring no DREG-CMD; a genuine one must bring a DREG-CMD (action 4,
 * verified under the AK's downlink key), take the SS out of the tree,
 * drop its unicast SA and AK, and survive a restart of the daemon; the
 * old AK then gets Auth Invalid, and a new authorization rejoins.
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
#include <unistd.h>

#include "daemon_harness.h"
#include "tap.h"
#include "transport_test.h"

#define WAIT_MS		DH_WAIT_MS
#define GROUP		1
#define GROUP_SAID	0x3001

static struct tc_cert ca, bs_cert, ss_cert;
static const uint8_t ss_mac[MAC_LEN] = { 0x02, 0x16, 0x00, 0x00, 0x00, 0x21 };
static struct dh_ss ss = { .mac = ss_mac, .cert = &ss_cert, .group = GROUP,
			   .tx_pn = 1 };

static int write_setup(void)
{
	char sections[256];

	if (dh_make_identity(&ca, &bs_cert, &ss_cert, "dreg"))
		return -1;
	ss.bs_key = bs_cert.key;
	snprintf(sections, sizeof(sections),
		 "[group %d]\ncid = 0x%04x\nkey-tree = lkh\ntree-degree = 2\n\n",
		 GROUP, GROUP_SAID);
	return dh_write_bs_conf("debug", sections, "");
}

/*
 * The configuration has a [test] section (the test transport): without
 * --test-mode the daemon refuses it at once, says why, and opens
 * nothing.  Returns pkmd's exit status.
 */
static int start_without_test_mode(void)
{
	pid_t pid, done;
	int64_t end;
	int status;

	pid = dh_spawn(false);
	if (pid < 0)
		return -1;
	/* A daemon that took the file runs on: stopped after WAIT_MS. */
	end = dh_now_ms() + WAIT_MS;
	while ((done = waitpid(pid, &status, WNOHANG)) == 0 && dh_now_ms() < end)
		poll(NULL, 0, 20);
	if (done == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	if (done != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int start_daemon(void)
{
	return dh_start(ss.bsid, false);
}

static int send_dreg(const uint8_t *key, uint8_t seq, uint32_t pn,
		     size_t cut)
{
	struct pkm_dreg d = { .mgmt_type = PKM_MGMT_DREG_REQ,
			      .code = PKM_DREG_REQ_LEAVE, .ak_seq = seq,
			      .pn = pn };
	uint8_t buf[PKM_DREG_MSG_LEN];
	size_t len;

	if (pkm_dreg_build(&d, key, buf, sizeof(buf), &len))
		return -1;
	return dh_send_mgmt(ss_mac, ss.primary_cid, buf, cut ? cut : len);
}

#define SUBS	"{\"command\":\"subscriber-list\"}"
#define GROUPS	"{\"command\":\"group-list\"}"
#define SAS	"{\"command\":\"sa-list\"}"

static void test_dreg(void)
{
	uint8_t wrong[PKM_KEY_LEN], buf[PKM_MSG_MAX];
	struct pkm_verifier v = { .cmac_key = NULL, .replay = &ss.down };
	unsigned int dreg_cmds = 0, invalids;
	struct pkm_msg m;
	char said_str[32];
	struct pkm_dreg d;
	uint32_t used_pn, genuine_pn;
	uint16_t cid;
	ssize_t n;
	int err;

	ok(dh_ctl_has("{\"command\":\"subscriber-add\",\"cn\":\"ss-dreg\",\"mac\":\"02:16:00:00:00:21\",\"provider\":\"net-a\",\"services\":[\"unicast\",\"multicast\"]}",
		   "\"ok\":true") &&
	   dh_ctl_has("{\"command\":\"group-member-add\",\"group\":1,\"cn\":\"ss-dreg\"}",
		   "\"ok\":true"), "subscriber and group member added");
	err = dh_enter(&ss);
	if (!ok(!err, "ranged: primary CID 0x%04x", ss.primary_cid))
		return;
	err = dh_authorize(&ss, NULL);
	if (!ok(!err, "authorized: AK %u, unicast SAID 0x%04x", ss.ak_seq,
		ss.unicast_said))
		return;
	snprintf(said_str, sizeof(said_str), "\"said\":%u", ss.unicast_said);
	is_int(dh_key_request(&ss, ss.unicast_said, PKM_SERVICE_UNICAST, NULL),
	       PKM_KEY_REPLY, "unicast Key Reply");
	is_int(dh_key_request(&ss, GROUP_SAID, PKM_SERVICE_MULTICAST, NULL),
	       PKM_KEY_REPLY, "group Key Reply");
	ok(dh_ctl_wait(GROUPS, "\"members\":1,", true), "the SS is in the tree");
	ok(dh_ctl_has(SAS, said_str), "its unicast SA is listed");

	/* A CMAC under another key, a cut message, then a replayed PN. */
	memset(wrong, 0xa5, sizeof(wrong));
	send_dreg(wrong, ss.ak_seq, 1000, 0);
	send_dreg(ss.keys.cmac_up, ss.ak_seq, 1001, PKM_DREG_MSG_LEN - 1);
	send_dreg(ss.keys.cmac_up, (uint8_t)((ss.ak_seq + 1) % 16), 1002, 0);
	used_pn = ss.tx_pn - 1;
	send_dreg(ss.keys.cmac_up, ss.ak_seq, used_pn, 0);
	/* The link is in order: this answer comes after all four. */
	is_int(dh_key_request(&ss, ss.unicast_said, PKM_SERVICE_UNICAST, &dreg_cmds),
	       PKM_KEY_REPLY, "a Key Request after them is answered");
	is_int(dreg_cmds, 0, "no DREG-CMD for a forged, cut, wrong-AK or replayed DREG-REQ");
	ok(dh_ctl_has(SUBS, "\"ak_seq\""), "the BS still holds the AK");
	ok(dh_ctl_has(GROUPS, "\"members\":1,"), "the SS is still in the tree");
	ok(dh_ctl_has(SAS, said_str), "its unicast SA is still there");

	/* The genuine one. */
	genuine_pn = ss.tx_pn++;
	send_dreg(ss.keys.cmac_up, ss.ak_seq, genuine_pn, 0);
	n = dh_recv_mgmt(buf, sizeof(buf), &cid, DH_WAIT_MS);
	while (n >= 0 && buf[0] != PKM_MGMT_DREG_CMD)
		n = dh_recv_mgmt(buf, sizeof(buf), &cid, DH_WAIT_MS);
	ok(n == PKM_DREG_MSG_LEN && cid == ss.primary_cid, "DREG-CMD on the primary CID");
	v.cmac_key = ss.keys.cmac_down;
	ok(n > 0 && !pkm_dreg_parse(buf, (size_t)n, &d) &&
	   !pkm_dreg_verify(&d, &v), "it verifies under the downlink key");
	ok(d.code == PKM_DREG_CMD_TERMINATE && d.ak_seq == ss.ak_seq,
	   "action 4 (terminate), under our AK");
	ok(dh_ctl_wait(GROUPS, "\"members\":0,", true), "the SS left the tree");
	ok(!dh_ctl_has(SUBS, "\"ak_seq\""), "the BS forgot the AK");
	ok(!dh_ctl_has(SAS, said_str), "the unicast SA is gone");

	/* The old AK: a signed Auth Invalid bound to us and our request. */
	is_int(dh_key_request(&ss, ss.unicast_said, PKM_SERVICE_UNICAST, &dreg_cmds),
	       PKM_AUTH_INVALID, "a Key Request under the old AK: Auth Invalid");
	ok(!ss.last_invalid.has_ak_seq &&
	   !memcmp(ss.last_invalid.ss_mac, ss_mac, MAC_LEN) &&
	   !memcmp(ss.last_invalid.ss_random, ss.ss_random, sizeof(ss.ss_random)),
	   "signed, naming our MAC address and our Auth Request's SS-Random");

	/* On disk too: after a restart nothing comes back. */
	ok(dh_stop(SIGTERM) == 0, "the daemon stops cleanly");
	if (!ok(!start_daemon(), "and starts again"))
		return;
	ok(!dh_ctl_has(SUBS, "\"ak_seq\"") && dh_ctl_has(GROUPS, "\"members\":0,") &&
	   !dh_ctl_has(SAS, said_str), "after the restart: no AK, no tree place, no unicast SA");

	/*
	 * The same DREG-REQ again, and a Key Request under the old AK: the
	 * restarted BS knows no Auth Request of ours to bind an Auth
	 * Invalid to, and sends none.  The answer to the Auth Request after
	 * them comes after anything it sends for them.
	 */
	send_dreg(ss.keys.cmac_up, ss.ak_seq, genuine_pn, 0);
	m = (struct pkm_msg){ .code = PKM_KEY_REQUEST };
	m.u.key_req = (struct pkm_key_request){
		.ak_seq = ss.ak_seq, .said = ss.unicast_said,
		.service = PKM_SERVICE_UNICAST };
	ok(!dh_send_pkm(&ss, &m, ss.keys.cmac_up, ss.tx_pn++), "a Key Request under the old AK");
	invalids = ss.auth_invalids;

	/* Authorizing again brings it back into the tree. */
	err = dh_authorize(&ss, &dreg_cmds);
	if (!ok(!err, "authorized again: AK %u", ss.ak_seq))
		return;
	is_int(ss.auth_invalids - invalids, 0,
	       "no Auth Invalid for it: the restarted BS has no SS-Random to bind one to");
	is_int(dreg_cmds, 0, "no DREG-CMD for the replayed DREG-REQ");
	is_int(dh_key_request(&ss, GROUP_SAID, PKM_SERVICE_MULTICAST, NULL),
	       PKM_KEY_REPLY, "group Key Reply under the new AK");
	ok(dh_ctl_wait(GROUPS, "\"members\":1,", true), "the SS is in the tree again");
}

static bool log_has(const char *needle)
{
	return dh_log_count(needle) > 0;
}

int main(int argc, char **argv)
{
	char path[sizeof(dh_dir) + 16];

	(void)argc;
	if (dh_init(argv[0], "dreg") || write_setup()) {
		printf("Bail out! cannot set up (%s)\n", dh_pkmd_bin());
		return 1;
	}

	is_int(start_without_test_mode(), 3,
	       "without --test-mode, pkmd refuses the [test] section (exit 3)");
	ok(log_has("[test] section refused") && log_has("--test-mode"),
	   "and says so, naming the option");
	snprintf(path, sizeof(path), "%s/link.sock", dh_dir);
	ok(access(path, F_OK) != 0,
	   "having opened nothing (no test link socket)");
	if (ok(!start_daemon(), "pkmd BS on its test transport, with --test-mode"))
		test_dreg();
	ok(log_has("DREG-REQ refused: CMAC does not verify (AK"),
	   "the BS logged the forged DREG-REQ");
	ok(log_has("malformed DREG-REQ refused"), "and the cut one");
	ok(log_has("is not one it holds"), "and the one under an unknown AK");
	ok(log_has("DREG-REQ refused: replayed"), "and the replayed one");
	ok(log_has("(ss-dreg): deregistered (DREG-REQ under AK"),
	   "and the genuine one, in one line");
	ok(log_has("no Auth Invalid (AK unknown or expired): no Auth Request of this station is known"),
	   "the restarted BS logged why it sent no Auth Invalid");
	dh_stop(SIGTERM);
	dh_cleanup(tap_failures, 40);
	tc_free(&ca);
	tc_free(&bs_cert);
	tc_free(&ss_cert);
	return tap_finish();
}
