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
 *   - the member's Key Request after it is added again stages a join;
 *     its commit is refused, the join is staged again on the saved tree,
 *     and committed and answered once the database is free.
 *
 * Before the fix the first rekey moved the tree in memory on without the
 * database and was never sent or made again, and the empty group kept
 * the TEK its last member held.  The daemon is the pkmd binary next to
 * this test's directory.  Every wait is a poll with a time limit.
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

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <openssl/pem.h>
#include <sqlite3.h>

#include "../../pkm/tests/testcert.h"
#include "pkm.h"
#include "rng.h"
#include "tap.h"
#include "transport_test.h"

#define WAIT_MS		10000
#define GROUP		1
#define GROUP_SAID	0x3001
#define BATCH_MS	1500

static char dir[96], pkmd_bin[PATH_MAX];
static pid_t daemon_pid = -1;
static int link_fd = -1;
static struct tc_cert ca, bs_cert, ss_cert;
static const uint8_t ss_mac[MAC_LEN] = { 0x02, 0x16, 0x00, 0x00, 0x00, 0x31 };
static uint8_t bsid[MAC_LEN];
static uint16_t basic_cid, primary_cid, unicast_said;
static struct pkm_keys keys;
static uint8_t ak_seq;
static uint32_t tx_pn = 1;
static struct pkm_replay down;
static uint8_t next_id;

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

	if (tc_make(&ca, "commit test CA", tc_key_ec(), NULL, TC_CA, -1, 30) ||
	    tc_make(&bs_cert, "bs-commit", tc_key_ec(), &ca, TC_BS, -1, 30) ||
	    tc_make(&ss_cert, "ss-commit", tc_key_rsa(2048), &ca, TC_SS, -1, 30))
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
		 "[group %d]\ncid = 0x%04x\nkey-tree = lkh\ntree-degree = 2\n"
		 "rekey-batch = %d\n\n"
		 "[test]\nmgmt-socket = %s/link.sock\n",
		 dir, dir, dir, dir, dir, GROUP, GROUP_SAID, BATCH_MS, dir);
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
		if (m->code == code)
			return 0;
	}
	return -1;
}

static int authorize(void)
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
	if (send_pkm(&m, NULL, 0) || wait_pkm(PKM_AUTH_REPLY, &m, buf, NULL) ||
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
		if (m.code == PKM_KEY_REPLY || m.code == PKM_KEY_REJECT ||
		    m.code == PKM_AUTH_INVALID)
			if (m.code == PKM_AUTH_INVALID ||
			    m.u.key_rep.said == said)
				return m.code;
	}
	return -1;
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


static void put_attr(uint8_t *buf, size_t *off, uint16_t type,
		     const void *v, uint16_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len),
			    .nla_type = type };

	memcpy(buf + *off, &a, sizeof(a));
	memcpy(buf + *off + NLA_HDRLEN, v, len);
	*off += NLA_ALIGN(a.nla_len);
}

/* The module's tek-hard-expired event, as the events group carries it. */
static int inject_hard_expiry(uint16_t said, uint8_t eks)
{
	uint8_t rec[TEST_REC_HDR_LEN + 128] = { TEST_REC_EVENT };
	uint8_t *msg = rec + TEST_REC_HDR_LEN;
	struct nlmsghdr nlh = { .nlmsg_type = 0 };
	struct genlmsghdr gh = { .cmd = WMAN_CMD_TEK_HARD_EXPIRED,
				 .version = WMAN_GENL_VERSION };
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN, nest;
	uint32_t ifindex = 0;
	struct nlattr a;

	put_attr(msg, &off, WMAN_A_IFINDEX, &ifindex, 4);
	nest = off;
	off += NLA_HDRLEN;
	put_attr(msg, &off, WMAN_TEK_A_SAID, &said, 2);
	put_attr(msg, &off, WMAN_TEK_A_EKS, &eks, 1);
	a = (struct nlattr){ .nla_len = (uint16_t)(off - nest),
			     .nla_type = NLA_F_NESTED | WMAN_A_TEK };
	memcpy(msg + nest, &a, sizeof(a));
	nlh.nlmsg_len = (uint32_t)off;
	memcpy(msg, &nlh, sizeof(nlh));
	memcpy(msg + NLMSG_HDRLEN, &gh, sizeof(gh));
	return send(link_fd, rec, TEST_REC_HDR_LEN + off, 0) < 0 ? -1 : 0;
}

/* The database, locked by a write transaction of ours until unlock(). */
static sqlite3 *lock_db(void)
{
	char path[sizeof(dir) + 16];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/bs.db", dir);
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

static int log_count(const char *needle)
{
	char path[PATH_MAX + 32], line[1024];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bs.log", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/* Polls the log until needle is in it want times, for up to wait_ms. */
static bool log_wait(const char *needle, int want, int64_t wait_ms)
{
	int64_t end = now_ms() + wait_ms;

	do {
		if (log_count(needle) >= want)
			return true;
		poll(NULL, 0, 20);
	} while (now_ms() < end);
	return false;
}

/* A number field of group 1 in group-list ("epoch", "tx_eks"); -1 if none. */
static long long group_field(const char *name)
{
	char out[16384] = "", key[32];
	const char *p;

	snprintf(key, sizeof(key), "\"%s\":", name);
	if (ctl("{\"command\":\"group-list\"}", out, sizeof(out)) ||
	    !(p = strstr(out, key)))
		return -1;
	return strtoll(p + strlen(key), NULL, 10);
}

static bool group_field_is(const char *name, long long want)
{
	int64_t end = now_ms() + WAIT_MS;

	do {
		if (group_field(name) == want)
			return true;
		poll(NULL, 0, 20);
	} while (now_ms() < end);
	return false;
}

/* Waits for a Group Key Update for the group on our primary CID. */
static bool gku_arrives(int64_t wait_ms)
{
	static uint8_t buf[PKM_MSG_MAX];
	int64_t end = now_ms() + wait_ms;
	struct pkm_msg m;
	uint16_t cid;

	while (now_ms() < end) {
		struct pollfd p = { .fd = link_fd, .events = POLLIN };
		uint8_t rec[TEST_REC_HDR_LEN + PKM_MSG_MAX + 1];
		ssize_t n;

		if (poll(&p, 1, (int)(end - now_ms())) != 1)
			break;
		n = recv(link_fd, rec, sizeof(rec), 0);
		if (n <= 0)
			break;
		if (n < TEST_REC_HDR_LEN + 1 || rec[0] != TEST_REC_MGMT)
			continue;
		n -= TEST_REC_HDR_LEN;
		memcpy(buf, rec + TEST_REC_HDR_LEN, (size_t)n);
		cid = (uint16_t)(rec[2] << 8 | rec[3]);
		if (cid == primary_cid && buf[0] == PKM_MGMT_RSP &&
		    !pkm_msg_parse(buf, (size_t)n, &m) &&
		    m.code == PKM_GROUP_KEY_UPDATE && m.u.gku.said == GROUP_SAID)
			return true;
	}
	return false;
}

/* Management PDUs the daemon sent us so far, dropped. */
static void drain(void)
{
	uint8_t rec[TEST_REC_HDR_LEN + PKM_MSG_MAX + 1];
	struct pollfd p = { .fd = link_fd, .events = POLLIN };

	while (poll(&p, 1, 0) == 1 && recv(link_fd, rec, sizeof(rec), 0) > 0)
		;
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

	ok(ctl_has("{\"command\":\"subscriber-add\",\"cn\":\"ss-commit\",\"mac\":\"02:16:00:00:00:31\",\"provider\":\"net-a\",\"services\":[\"unicast\",\"multicast\"]}",
		   "\"ok\":true") &&
	   ctl_has("{\"command\":\"group-member-add\",\"group\":1,\"cn\":\"ss-commit\"}",
		   "\"ok\":true"), "subscriber and group member added");
	err = enter();
	if (!ok(!err, "ranged: primary CID 0x%04x", primary_cid))
		return;
	err = authorize();
	if (!ok(!err, "authorized: AK %u", ak_seq))
		return;
	is_int(key_request(GROUP_SAID, PKM_SERVICE_MULTICAST, NULL),
	       PKM_KEY_REPLY, "group Key Reply");
	ok(ctl_wait("{\"command\":\"group-list\"}", "\"members\":1,", true) &&
	   ctl_wait("{\"command\":\"group-list\"}", "\"switching\":false", true),
	   "the SS is in the tree, which sends with its new TEK");
	epoch = group_field("epoch");
	eks = group_field("tx_eks");
	printf("# epoch %lld, TEK EKS %lld\n", epoch, eks);

	/* A forced rekey with the database locked. */
	db = lock_db();
	if (!ok(db != NULL, "the database locked by the test"))
		return;
	drain();
	inject_hard_expiry(GROUP_SAID, (uint8_t)eks);
	snprintf(failed, sizeof(failed), "rekey %lld not saved", epoch + 1);
	ok(log_wait(failed, 1, 3 * WAIT_MS), "the rekey is not saved");
	is_int(group_field("epoch"), epoch,
	       "the tree in memory stays at the database's epoch");
	ok(!gku_arrives(500), "nothing is sent while the database is locked");
	unlock_db(db);
	ok(gku_arrives(3 * WAIT_MS),
	   "once it is free, the rekey is made again and sent to the member");
	ok(group_field_is("epoch", epoch + 1), "the tree moves on by one rekey");
	ok(ctl_wait("{\"command\":\"group-list\"}", "\"switching\":false", true),
	   "and the BS sends with its TEK");

	ok(stop_daemon() == 0, "the daemon stops cleanly");
	if (!ok(!start_daemon(), "and starts again"))
		return;
	is_int(group_field("epoch"), epoch + 1,
	       "after the restart the database has that rekey");
	ok(ctl_has("{\"command\":\"group-list\"}", "\"members\":1,"),
	   "and the member");

	/* The last member leaves, the database locked before the batch ends. */
	nobody = log_count(NOBODY);
	refused = log_count("not saved; trying again");
	ok(ctl_has("{\"command\":\"group-member-del\",\"group\":1,\"cn\":\"ss-commit\"}",
		   "\"ok\":true"), "the member removed");
	db = lock_db();
	if (!ok(db != NULL, "the database locked within the batch interval"))
		return;
	ok(log_wait("not saved; trying again", refused + 1, 3 * WAIT_MS),
	   "the leave's rekey is not saved");
	is_int(log_count(NOBODY), nobody, "no TEK for nobody yet");
	unlock_db(db);
	ok(log_wait(NOBODY, nobody + 1, 3 * WAIT_MS),
	   "once the database is free, the group sends with a TEK nobody knows");
	ok(ctl_wait("{\"command\":\"group-list\"}", "\"members\":0,", true),
	   "the tree is empty");
	ok(stop_daemon() == 0, "the daemon stops cleanly");
	if (!ok(!start_daemon(), "and starts again"))
		return;
	ok(ctl_has("{\"command\":\"group-list\"}", "\"members\":0,"),
	   "after the restart too");
	is_int(log_count("(no longer a member)"), 0,
	       "with no leave left to make again");

	/* It joins again; the database is locked before the batch ends. */
	ok(ctl_has("{\"command\":\"group-member-add\",\"group\":1,\"cn\":\"ss-commit\"}",
		   "\"ok\":true"), "the member added again");
	refused = log_count("not saved; trying again");
	epoch = group_field("epoch");
	m = (struct pkm_msg){ .code = PKM_KEY_REQUEST };
	m.u.key_req = (struct pkm_key_request){
		.ak_seq = ak_seq, .said = GROUP_SAID,
		.service = PKM_SERVICE_MULTICAST, .has_group = true,
		.group_id = GROUP };
	ok(!send_pkm(&m, keys.cmac_up, tx_pn++) &&
	   ctl_wait("{\"command\":\"group-list\"}", "\"staged\":true", true),
	   "its Key Request stages a join");
	db = lock_db();
	if (!ok(db != NULL, "the database locked within the batch interval"))
		return;
	ok(log_wait("not saved; trying again", refused + 1, 3 * WAIT_MS),
	   "the join's rekey is not saved");
	is_int(group_field("epoch"), epoch,
	       "the tree in memory stays at the database's epoch");
	ok(ctl_has("{\"command\":\"group-list\"}", "\"staged\":true"),
	   "with the join staged again");
	unlock_db(db);
	ok(!wait_pkm(PKM_KEY_REPLY, &m, buf, NULL) &&
	   m.u.key_rep.said == GROUP_SAID,
	   "once the database is free the join is committed and answered");
	ok(ctl_wait("{\"command\":\"group-list\"}", "\"members\":1,", true),
	   "the member is in the tree");
	ok(stop_daemon() == 0 && !start_daemon() &&
	   ctl_has("{\"command\":\"group-list\"}", "\"members\":1,") &&
	   group_field("epoch") == epoch + 1,
	   "after a restart too, at the epoch of that rekey");
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
	snprintf(dir, sizeof(dir), "%s/pkmd-commit.XXXXXX", tmp);
	if (access(pkmd_bin, X_OK) || !mkdtemp(dir) || write_identity() ||
	    write_conf()) {
		printf("Bail out! cannot set up (%s)\n", pkmd_bin);
		return 1;
	}
	if (ok(!start_daemon(), "pkmd BS on its test transport"))
		test_commit();
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
