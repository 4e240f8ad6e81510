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
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "../../pkm/tests/testcert.h"
#include "pkm.h"
#include "rng.h"
#include "tap.h"
#include "transport_test.h"

#define WAIT_MS		10000
#define GROUP		1
#define GROUP_SAID	0x3001

static char dir[96], pkmd_bin[PATH_MAX];
static pid_t daemon_pid = -1;
static int link_fd = -1;
static struct tc_cert ca, bs_cert, ss_cert;
static const uint8_t ss_mac[MAC_LEN] = { 0x02, 0x16, 0x00, 0x00, 0x00, 0x21 };
static uint8_t bsid[MAC_LEN];
static uint16_t basic_cid, primary_cid, unicast_said;
static struct pkm_keys keys;
static uint8_t ak_seq;
static uint32_t tx_pn = 1;
static struct pkm_replay down;
static uint8_t next_id;
static uint8_t ss_random[PKM_SS_RANDOM_LEN];	/* of our latest Auth Request */
static struct pkm_auth_invalid last_invalid;	/* the last Auth Invalid */
static unsigned int auth_invalids;		/* Auth Invalids seen */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_text(const char *name, const char *text)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int write_key(const char *name, EVP_PKEY *key)
{
	char path[PATH_MAX + 32];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	return fclose(f) || !ok ? -1 : 0;
}

static int write_identity(void)
{
	size_t pem_len;
	char *pem;
	int err;

	if (tc_make(&ca, "dreg test CA", tc_key_ec(), NULL, TC_CA, -1, 30) ||
	    tc_make(&bs_cert, "bs-dreg", tc_key_ec(), &ca, TC_BS, -1, 30) ||
	    tc_make(&ss_cert, "ss-dreg", tc_key_rsa(2048), &ca, TC_SS, -1, 30))
		return -1;
	pem = tc_pem(&ca, &pem_len);
	err = write_text("ca.pem", pem);
	free(pem);
	pem = tc_pem(&bs_cert, &pem_len);
	err |= write_text("bs.pem", pem);
	free(pem);
	return err | write_key("bs.key", bs_cert.key);
}

static int write_conf(void)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "[pkmd]\nrole = bs\ninterface = wman0\n"
		 "database = %s/bs.db\ncontrol = %s/ctl.sock\nlog-level = debug\n\n"
		 "[bs]\nca-certificate = %s/ca.pem\ncertificate = %s/bs.pem\n"
		 "private-key = %s/bs.key\nprovider = net-a\n\n"
		 "[group %d]\ncid = 0x%04x\nkey-tree = lkh\ntree-degree = 2\n\n"
		 "[test]\nmgmt-socket = %s/link.sock\n",
		 dir, dir, dir, dir, dir, GROUP, GROUP_SAID, dir);
	return write_text("bs.conf", text);
}

static int unix_connect(const char *name, int type)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char path[sizeof(dir) + 32];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One control request; the response line in out.  0 or -1. */
static int ctl(const char *req, char *out, size_t cap)
{
	int fd = unix_connect("ctl.sock", SOCK_STREAM);
	size_t len = 0;
	struct pollfd p;

	if (fd < 0)
		return -1;
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req) ||
	    write(fd, "\n", 1) != 1)
		goto fail;
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (len < cap - 1 && poll(&p, 1, WAIT_MS) == 1) {
		ssize_t n = read(fd, out + len, cap - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		out[len] = 0;
		if (strchr(out, '\n'))
			break;
	}
	close(fd);
	return strchr(out, '\n') ? 0 : -1;
fail:
	close(fd);
	return -1;
}

static bool ctl_has(const char *req, const char *needle)
{
	char out[16384] = "";

	return ctl(req, out, sizeof(out)) == 0 && strstr(out, needle);
}

/* Polls ctl_has until it returns want, or WAIT_MS pass. */
static bool ctl_wait(const char *req, const char *needle, bool want)
{
	int64_t end = now_ms() + WAIT_MS;

	do {
		if (ctl_has(req, needle) == want)
			return true;
		poll(NULL, 0, 20);
	} while (now_ms() < end);
	return false;
}

/*
 * The configuration has a [test] section (the test transport): without
 * --test-mode the daemon refuses it at once, says why, and opens
 * nothing.  Returns pkmd's exit status.
 */
static int start_without_test_mode(void)
{
	char conf[PATH_MAX + 32], log[PATH_MAX + 32];
	pid_t pid, done;
	int64_t end;
	int status;

	snprintf(conf, sizeof(conf), "%s/bs.conf", dir);
	snprintf(log, sizeof(log), "%s/bs.log", dir);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0)
			dup2(fd, 2);
		execl(pkmd_bin, "pkmd", "-f", "-c", conf, (char *)NULL);
		_exit(127);
	}
	/* A daemon that took the file runs on: stopped after WAIT_MS. */
	end = now_ms() + WAIT_MS;
	while ((done = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < end)
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
	char conf[PATH_MAX + 32], log[PATH_MAX + 32];
	uint8_t buf[TEST_REC_HDR_LEN + 64];
	int64_t end;
	ssize_t n;

	snprintf(conf, sizeof(conf), "%s/bs.conf", dir);
	snprintf(log, sizeof(log), "%s/bs.log", dir);
	daemon_pid = fork();
	if (daemon_pid < 0)
		return -1;
	if (daemon_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0)
			dup2(fd, 2);
		execl(pkmd_bin, "pkmd", "-f", "--test-mode", "-c", conf,
		      (char *)NULL);
		_exit(127);
	}
	/* The link socket exists once the daemon has started. */
	end = now_ms() + WAIT_MS;
	while ((link_fd = unix_connect("link.sock", SOCK_SEQPACKET)) < 0 &&
	       now_ms() < end)
		poll(NULL, 0, 20);
	if (link_fd < 0)
		return -1;
	struct pollfd p = { .fd = link_fd, .events = POLLIN };

	if (poll(&p, 1, WAIT_MS) != 1)
		return -1;
	n = recv(link_fd, buf, sizeof(buf), 0);
	if (n < TEST_REC_HDR_LEN || buf[0] != TEST_REC_HELLO)
		return -1;
	memcpy(bsid, buf + 4, MAC_LEN);
	end = now_ms() + WAIT_MS;
	while (!ctl_has("{\"command\":\"status\"}", "\"ok\":true") &&
	       now_ms() < end)
		poll(NULL, 0, 20);
	return 0;
}

static int stop_daemon(void)
{
	int status = -1;

	if (link_fd >= 0)
		close(link_fd);
	link_fd = -1;
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, &status, 0);
	}
	daemon_pid = -1;
	return status;
}

static int send_mgmt(uint16_t cid, const uint8_t *msg, size_t len)
{
	uint8_t rec[TEST_REC_HDR_LEN + PKM_MSG_MAX];

	rec[0] = TEST_REC_MGMT;
	rec[1] = 0;
	rec[2] = (uint8_t)(cid >> 8);
	rec[3] = (uint8_t)cid;
	memcpy(rec + 4, ss_mac, MAC_LEN);
	memcpy(rec + TEST_REC_HDR_LEN, msg, len);
	return send(link_fd, rec, TEST_REC_HDR_LEN + len, 0) < 0 ? -1 : 0;
}

/*
 * The next management PDU from the daemon (kernel records skipped)
 * into buf; its length, or -1 after WAIT_MS.
 */
static ssize_t recv_mgmt(uint8_t *buf, size_t cap, uint16_t *cid)
{
	uint8_t rec[TEST_REC_HDR_LEN + PKM_MSG_MAX + 1];
	int64_t end = now_ms() + WAIT_MS;

	while (now_ms() < end) {
		struct pollfd p = { .fd = link_fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, (int)(end - now_ms())) != 1)
			break;
		n = recv(link_fd, rec, sizeof(rec), 0);
		if (n <= 0)
			break;
		if (n < TEST_REC_HDR_LEN + 1 || rec[0] != TEST_REC_MGMT)
			continue;
		n -= TEST_REC_HDR_LEN;
		if ((size_t)n > cap)
			continue;
		memcpy(buf, rec + TEST_REC_HDR_LEN, (size_t)n);
		*cid = (uint16_t)(rec[2] << 8 | rec[3]);
		return n;
	}
	return -1;
}

static int send_pkm(struct pkm_msg *m, const uint8_t *cmac_key, uint32_t pn)
{
	struct pkm_seal seal = { .cmac_key = cmac_key, .pn = pn };
	uint8_t buf[PKM_MSG_MAX];
	size_t len;

	if (!cmac_key)
		seal.sign_key = ss_cert.key;
	m->id = ++next_id;
	if (pkm_msg_build(m, &seal, buf, sizeof(buf), &len))
		return -1;
	return send_mgmt(primary_cid, buf, len);
}

/*
 * Waits for a PKM-RSP of this code, skipping others (Group Key
 * Updates, say); a DREG-CMD on the way is counted in *dreg_cmds.
 */
static int wait_pkm(uint8_t code, struct pkm_msg *m, uint8_t *buf,
		    unsigned int *dreg_cmds)
{
	int64_t end = now_ms() + WAIT_MS;
	uint16_t cid;

	while (now_ms() < end) {
		ssize_t n = recv_mgmt(buf, PKM_MSG_MAX, &cid);

		if (n < 0)
			return -1;
		if (buf[0] == PKM_MGMT_DREG_CMD && dreg_cmds)
			(*dreg_cmds)++;
		if (cid != primary_cid || buf[0] != PKM_MGMT_RSP ||
		    pkm_msg_parse(buf, (size_t)n, m))
			continue;
		if (m->code == PKM_AUTH_INVALID)
			auth_invalids++;
		if (m->code == code)
			return 0;
	}
	return -1;
}

/* DREG-CMDs on the way are counted in *dreg_cmds, if given. */
static int authorize(unsigned int *dreg_cmds)
{
	struct pkm_msg m = { .code = PKM_AUTH_REQUEST };
	struct pkm_auth_request *r = &m.u.auth_req;
	struct pkm_verifier v = { .peer_key = bs_cert.key };
	static uint8_t buf[PKM_MSG_MAX];
	uint8_t ak[PKM_AK_LEN];

	r->ss_cert = (struct pkm_bytes){ ss_cert.der, ss_cert.der_len };
	r->caps.version = PKM_VERSION_1;
	r->caps.n_suites = 1;
	r->caps.suites[0] = (struct pkm_crypto_suite){
		PKM_DATA_ENC_AES_CCM_128, PKM_DATA_AUTH_AEAD,
		PKM_TEK_ENC_AES_KW_128 };
	r->basic_said = basic_cid;
	memcpy(r->ss_mac, ss_mac, MAC_LEN);
	pkm_random(r->ss_random, sizeof(r->ss_random));
	memcpy(ss_random, r->ss_random, sizeof(ss_random));
	if (send_pkm(&m, NULL, 0) || wait_pkm(PKM_AUTH_REPLY, &m, buf, dreg_cmds) ||
	    pkm_msg_verify(&m, &v) || pkm_auth_reply_ak(&m, ss_cert.key, ak) ||
	    pkm_keys_derive(ak, sizeof(ak), ss_mac, bsid, &keys))
		return -1;
	ak_seq = m.u.auth_rep.ak_seq;
	for (size_t i = 0; i < m.u.auth_rep.n_sa; i++)
		if (m.u.auth_rep.sa[i].has_service &&
		    m.u.auth_rep.sa[i].service == PKM_SERVICE_UNICAST)
			unicast_said = m.u.auth_rep.sa[i].said;
	tx_pn = 1;
	memset(&down, 0, sizeof(down));
	return unicast_said ? 0 : -1;
}

/* A Key Request under the AK; the code of the answer, or -1. */
static int key_request(uint16_t said, uint8_t service, unsigned int *dreg_cmds)
{
	struct pkm_msg m = { .code = PKM_KEY_REQUEST };
	static uint8_t buf[PKM_MSG_MAX];
	int64_t end = now_ms() + WAIT_MS;
	uint16_t cid;

	m.u.key_req = (struct pkm_key_request){
		.ak_seq = ak_seq, .said = said, .service = service,
		.has_group = service == PKM_SERVICE_MULTICAST,
		.group_id = GROUP };
	if (send_pkm(&m, keys.cmac_up, tx_pn++))
		return -1;
	while (now_ms() < end) {
		ssize_t n = recv_mgmt(buf, sizeof(buf), &cid);

		if (n < 0)
			return -1;
		if (buf[0] == PKM_MGMT_DREG_CMD && dreg_cmds)
			(*dreg_cmds)++;
		if (cid != primary_cid || buf[0] != PKM_MGMT_RSP ||
		    pkm_msg_parse(buf, (size_t)n, &m))
			continue;
		if (m.code == PKM_AUTH_INVALID) {
			auth_invalids++;
			last_invalid = m.u.auth_inv;
			return m.code;
		}
		if ((m.code == PKM_KEY_REPLY || m.code == PKM_KEY_REJECT) &&
		    m.u.key_rep.said == said)
			return m.code;
	}
	return -1;
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
	return send_mgmt(primary_cid, buf, cut ? cut : len);
}

static int enter(void)
{
	struct rng_req req;
	struct rng_rsp rsp;
	uint8_t buf[RNG_MSG_MAX], in[PKM_MSG_MAX];
	uint16_t cid;
	size_t len;
	ssize_t n;

	memcpy(req.ss_mac, ss_mac, MAC_LEN);
	if (rng_req_build(&req, buf, sizeof(buf), &len) ||
	    send_mgmt(WMAN_CID_INITIAL_RANGING, buf, len))
		return -1;
	n = recv_mgmt(in, sizeof(in), &cid);
	if (n < 0 || rng_rsp_parse(in, (size_t)n, &rsp) ||
	    rsp.status != RNG_STATUS_SUCCESS)
		return -1;
	basic_cid = rsp.basic_cid;
	primary_cid = rsp.primary_cid;
	return 0;
}

#define SUBS	"{\"command\":\"subscriber-list\"}"
#define GROUPS	"{\"command\":\"group-list\"}"
#define SAS	"{\"command\":\"sa-list\"}"

static void test_dreg(void)
{
	uint8_t wrong[PKM_KEY_LEN], buf[PKM_MSG_MAX];
	struct pkm_verifier v = { .cmac_key = NULL, .replay = &down };
	unsigned int dreg_cmds = 0, invalids;
	struct pkm_msg m;
	char said_str[32];
	struct pkm_dreg d;
	uint32_t used_pn, genuine_pn;
	uint16_t cid;
	ssize_t n;
	int err;

	ok(ctl_has("{\"command\":\"subscriber-add\",\"cn\":\"ss-dreg\",\"mac\":\"02:16:00:00:00:21\",\"provider\":\"net-a\",\"services\":[\"unicast\",\"multicast\"]}",
		   "\"ok\":true") &&
	   ctl_has("{\"command\":\"group-member-add\",\"group\":1,\"cn\":\"ss-dreg\"}",
		   "\"ok\":true"), "subscriber and group member added");
	err = enter();
	if (!ok(!err, "ranged: primary CID 0x%04x", primary_cid))
		return;
	err = authorize(NULL);
	if (!ok(!err, "authorized: AK %u, unicast SAID 0x%04x", ak_seq,
		unicast_said))
		return;
	snprintf(said_str, sizeof(said_str), "\"said\":%u", unicast_said);
	is_int(key_request(unicast_said, PKM_SERVICE_UNICAST, NULL),
	       PKM_KEY_REPLY, "unicast Key Reply");
	is_int(key_request(GROUP_SAID, PKM_SERVICE_MULTICAST, NULL),
	       PKM_KEY_REPLY, "group Key Reply");
	ok(ctl_wait(GROUPS, "\"members\":1,", true), "the SS is in the tree");
	ok(ctl_has(SAS, said_str), "its unicast SA is listed");

	/* A CMAC under another key, a cut message, then a replayed PN. */
	memset(wrong, 0xa5, sizeof(wrong));
	send_dreg(wrong, ak_seq, 1000, 0);
	send_dreg(keys.cmac_up, ak_seq, 1001, PKM_DREG_MSG_LEN - 1);
	send_dreg(keys.cmac_up, (uint8_t)((ak_seq + 1) % 16), 1002, 0);
	used_pn = tx_pn - 1;
	send_dreg(keys.cmac_up, ak_seq, used_pn, 0);
	/* The link is in order: this answer comes after all four. */
	is_int(key_request(unicast_said, PKM_SERVICE_UNICAST, &dreg_cmds),
	       PKM_KEY_REPLY, "a Key Request after them is answered");
	is_int(dreg_cmds, 0, "no DREG-CMD for a forged, cut, wrong-AK or replayed DREG-REQ");
	ok(ctl_has(SUBS, "\"ak_seq\""), "the BS still holds the AK");
	ok(ctl_has(GROUPS, "\"members\":1,"), "the SS is still in the tree");
	ok(ctl_has(SAS, said_str), "its unicast SA is still there");

	/* The genuine one. */
	genuine_pn = tx_pn++;
	send_dreg(keys.cmac_up, ak_seq, genuine_pn, 0);
	n = recv_mgmt(buf, sizeof(buf), &cid);
	while (n >= 0 && buf[0] != PKM_MGMT_DREG_CMD)
		n = recv_mgmt(buf, sizeof(buf), &cid);
	ok(n == PKM_DREG_MSG_LEN && cid == primary_cid, "DREG-CMD on the primary CID");
	v.cmac_key = keys.cmac_down;
	ok(n > 0 && !pkm_dreg_parse(buf, (size_t)n, &d) &&
	   !pkm_dreg_verify(&d, &v), "it verifies under the downlink key");
	ok(d.code == PKM_DREG_CMD_TERMINATE && d.ak_seq == ak_seq,
	   "action 4 (terminate), under our AK");
	ok(ctl_wait(GROUPS, "\"members\":0,", true), "the SS left the tree");
	ok(!ctl_has(SUBS, "\"ak_seq\""), "the BS forgot the AK");
	ok(!ctl_has(SAS, said_str), "the unicast SA is gone");

	/* The old AK: a signed Auth Invalid bound to us and our request. */
	is_int(key_request(unicast_said, PKM_SERVICE_UNICAST, &dreg_cmds),
	       PKM_AUTH_INVALID, "a Key Request under the old AK: Auth Invalid");
	ok(!last_invalid.has_ak_seq &&
	   !memcmp(last_invalid.ss_mac, ss_mac, MAC_LEN) &&
	   !memcmp(last_invalid.ss_random, ss_random, sizeof(ss_random)),
	   "signed, naming our MAC address and our Auth Request's SS-Random");

	/* On disk too: after a restart nothing comes back. */
	ok(stop_daemon() == 0, "the daemon stops cleanly");
	if (!ok(!start_daemon(), "and starts again"))
		return;
	ok(!ctl_has(SUBS, "\"ak_seq\"") && ctl_has(GROUPS, "\"members\":0,") &&
	   !ctl_has(SAS, said_str), "after the restart: no AK, no tree place, no unicast SA");

	/*
	 * The same DREG-REQ again, and a Key Request under the old AK: the
	 * restarted BS knows no Auth Request of ours to bind an Auth
	 * Invalid to, and sends none.  The answer to the Auth Request after
	 * them comes after anything it sends for them.
	 */
	send_dreg(keys.cmac_up, ak_seq, genuine_pn, 0);
	m = (struct pkm_msg){ .code = PKM_KEY_REQUEST };
	m.u.key_req = (struct pkm_key_request){
		.ak_seq = ak_seq, .said = unicast_said,
		.service = PKM_SERVICE_UNICAST };
	ok(!send_pkm(&m, keys.cmac_up, tx_pn++), "a Key Request under the old AK");
	invalids = auth_invalids;

	/* Authorizing again brings it back into the tree. */
	err = authorize(&dreg_cmds);
	if (!ok(!err, "authorized again: AK %u", ak_seq))
		return;
	is_int(auth_invalids - invalids, 0,
	       "no Auth Invalid for it: the restarted BS has no SS-Random to bind one to");
	is_int(dreg_cmds, 0, "no DREG-CMD for the replayed DREG-REQ");
	is_int(key_request(GROUP_SAID, PKM_SERVICE_MULTICAST, NULL),
	       PKM_KEY_REPLY, "group Key Reply under the new AK");
	ok(ctl_wait(GROUPS, "\"members\":1,", true), "the SS is in the tree again");
}

static bool log_has(const char *needle)
{
	char path[PATH_MAX + 32], line[1024];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bs.log", dir);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	signal(SIGPIPE, SIG_IGN);
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(pkmd_bin, sizeof(pkmd_bin), "%s/../pkmd", dirname(self));
	if (!tmp || strlen(tmp) > 60)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/pkmd-dreg.XXXXXX", tmp);
	if (access(pkmd_bin, X_OK) || !mkdtemp(dir) || write_identity() ||
	    write_conf()) {
		printf("Bail out! cannot set up (%s)\n", pkmd_bin);
		return 1;
	}
	is_int(start_without_test_mode(), 3,
	       "without --test-mode, pkmd refuses the [test] section (exit 3)");
	ok(log_has("[test] section refused") && log_has("--test-mode"),
	   "and says so, naming the option");
	snprintf(self, sizeof(self), "%s/link.sock", dir);
	ok(access(self, F_OK) != 0,
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
	stop_daemon();
	if (tap_failures) {
		char cmd[PATH_MAX + 64];

		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' %s/bs.log | tail -n 40", dir);
		if (system(cmd))
			diag("no log");
	}
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			diag("temporary directory left");
	}
	tc_free(&ca);
	tc_free(&bs_cert);
	tc_free(&ss_cert);
	return tap_finish();
}
