// SPDX-License-Identifier: GPL-2.0
/* A real pkmd BS and one SS for the unit tests (daemon_harness.h). */
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

#include "daemon_harness.h"
#include "rng.h"
#include "transport_test.h"

char dh_dir[96];
int dh_link_fd = -1;
static char pkmd_bin[PATH_MAX];
static pid_t daemon_pid = -1;

int64_t dh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dh_init(const char *argv0, const char *tag)
{
	char self[PATH_MAX];
	const char *tmp = getenv("TMPDIR");

	signal(SIGPIPE, SIG_IGN);
	snprintf(self, sizeof(self), "%s", argv0);
	snprintf(pkmd_bin, sizeof(pkmd_bin), "%s/../pkmd", dirname(self));
	if (!tmp || strlen(tmp) > 60)
		tmp = "/tmp";
	snprintf(dh_dir, sizeof(dh_dir), "%s/pkmd-%s.XXXXXX", tmp, tag);
	return access(pkmd_bin, X_OK) || !mkdtemp(dh_dir) ? -1 : 0;
}

const char *dh_pkmd_bin(void)
{
	return pkmd_bin;
}

void dh_cleanup(bool failed, int log_lines)
{
	char cmd[PATH_MAX + 64];

	if (failed) {
		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' %s/bs.log | tail -n %d",
			 dh_dir, log_lines);
		if (system(cmd))
			printf("# no log\n");
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dh_dir);
	if (system(cmd))
		printf("# temporary directory left\n");
}

int dh_write_text(const char *name, const char *text)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dh_dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

int dh_write_key(const char *name, EVP_PKEY *key)
{
	char path[PATH_MAX + 32];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dh_dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	return fclose(f) || !ok ? -1 : 0;
}

int dh_write_bs_identity(const struct tc_cert *ca, const struct tc_cert *bs)
{
	size_t pem_len;
	char *pem;
	int err;

	pem = tc_pem(ca, &pem_len);
	err = pem ? dh_write_text("ca.pem", pem) : -1;
	free(pem);
	pem = tc_pem(bs, &pem_len);
	err |= pem ? dh_write_text("bs.pem", pem) : -1;
	free(pem);
	return err | dh_write_key("bs.key", bs->key);
}

int dh_make_identity(struct tc_cert *ca, struct tc_cert *bs,
		     struct tc_cert *ss, const char *name)
{
	char cn[64];

	snprintf(cn, sizeof(cn), "%s test CA", name);
	if (tc_make(ca, cn, tc_key_ec(), NULL, TC_CA, -1, 30))
		return -1;
	snprintf(cn, sizeof(cn), "bs-%s", name);
	if (tc_make(bs, cn, tc_key_ec(), ca, TC_BS, -1, 30))
		return -1;
	snprintf(cn, sizeof(cn), "ss-%s", name);
	if (ss && tc_make(ss, cn, tc_key_rsa(2048), ca, TC_SS, -1, 30))
		return -1;
	return dh_write_bs_identity(ca, bs);
}

const char *dh_database;
const char *dh_bs_lines = "";

int dh_write_bs_conf(const char *log_level, const char *sections,
		     const char *test_lines)
{
	const char *dir = dh_dir;
	char text[4096], db[256];

	if (dh_database)
		snprintf(db, sizeof(db), "%s", dh_database);
	else
		snprintf(db, sizeof(db), "%s/bs.db", dir);
	if (snprintf(text, sizeof(text),
		     "[pkmd]\nrole = bs\ninterface = wman0\n"
		     "database = %s\ncontrol = %s/ctl.sock\nlog-level = %s\n\n"
		     "[bs]\nca-certificate = %s/ca.pem\ncertificate = %s/bs.pem\n"
		     "private-key = %s/bs.key\nprovider = net-a\n%s\n"
		     "%s[test]\nmgmt-socket = %s/link.sock\n%s",
		     db, dir, log_level, dir, dir, dir, dh_bs_lines, sections,
		     dir, test_lines) >= (int)sizeof(text))
		return -1;
	return dh_write_text("bs.conf", text);
}

int dh_unix_connect(const char *name, int type)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char path[sizeof(dh_dir) + 32];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dh_dir, name) >=
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

int dh_ctl(const char *req, char *out, size_t cap)
{
	int fd = dh_unix_connect("ctl.sock", SOCK_STREAM);
	size_t len = 0;
	struct pollfd p;

	if (fd < 0)
		return -1;
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req) ||
	    write(fd, "\n", 1) != 1)
		goto fail;
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (len < cap - 1 && poll(&p, 1, DH_WAIT_MS) == 1) {
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

bool dh_ctl_has(const char *req, const char *needle)
{
	char out[16384] = "";

	return dh_ctl(req, out, sizeof(out)) == 0 && strstr(out, needle);
}

bool dh_ctl_wait(const char *req, const char *needle, bool want)
{
	int64_t end = dh_now_ms() + DH_WAIT_MS;

	do {
		if (dh_ctl_has(req, needle) == want)
			return true;
		poll(NULL, 0, 20);
	} while (dh_now_ms() < end);
	return false;
}

pid_t dh_spawn(bool test_mode)
{
	char conf[PATH_MAX + 32], log[PATH_MAX + 32];
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/bs.conf", dh_dir);
	snprintf(log, sizeof(log), "%s/bs.log", dh_dir);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0)
			dup2(fd, 2);
		if (test_mode)
			execl(pkmd_bin, "pkmd", "-f", "--test-mode", "-c", conf,
			      (char *)NULL);
		else
			execl(pkmd_bin, "pkmd", "-f", "-c", conf, (char *)NULL);
		_exit(127);
	}
	return pid;
}

int dh_start(uint8_t *bsid, bool must_answer)
{
	static const char status[] = "{\"command\":\"status\"}";
	uint8_t buf[TEST_REC_HDR_LEN + 64];
	struct pollfd p;
	int64_t end;
	bool answered;
	ssize_t n;

	daemon_pid = dh_spawn(true);
	if (daemon_pid < 0)
		return -1;
	/* The link socket exists once the daemon has started. */
	end = dh_now_ms() + DH_WAIT_MS;
	while ((dh_link_fd = dh_unix_connect("link.sock", SOCK_SEQPACKET)) < 0 &&
	       dh_now_ms() < end)
		poll(NULL, 0, 20);
	if (dh_link_fd < 0)
		return -1;
	p = (struct pollfd){ .fd = dh_link_fd, .events = POLLIN };
	if (poll(&p, 1, DH_WAIT_MS) != 1)
		return -1;
	n = recv(dh_link_fd, buf, sizeof(buf), 0);
	if (n < TEST_REC_HDR_LEN || buf[0] != TEST_REC_HELLO)
		return -1;
	if (bsid)
		memcpy(bsid, buf + 4, MAC_LEN);
	end = dh_now_ms() + DH_WAIT_MS;
	while (!(answered = dh_ctl_has(status, "\"ok\":true")) &&
	       dh_now_ms() < end)
		poll(NULL, 0, 20);
	return answered || !must_answer ? 0 : -1;
}

int dh_stop(int sig)
{
	int status = -1;

	if (dh_link_fd >= 0)
		close(dh_link_fd);
	dh_link_fd = -1;
	if (daemon_pid > 0) {
		kill(daemon_pid, sig);
		waitpid(daemon_pid, &status, 0);
	}
	daemon_pid = -1;
	return status;
}

int dh_log_count(const char *needle)
{
	char path[PATH_MAX + 32], line[1024];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bs.log", dh_dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

bool dh_log_wait(const char *needle, int want, int64_t wait_ms)
{
	int64_t end = dh_now_ms() + wait_ms;

	do {
		if (dh_log_count(needle) >= want)
			return true;
		poll(NULL, 0, 20);
	} while (dh_now_ms() < end);
	return false;
}

int dh_send_mgmt(const uint8_t *mac, uint16_t cid, const uint8_t *msg,
		 size_t len)
{
	uint8_t rec[TEST_REC_HDR_LEN + PKM_MSG_MAX];

	if (len > PKM_MSG_MAX)
		return -1;
	rec[0] = TEST_REC_MGMT;
	rec[1] = 0;
	rec[2] = (uint8_t)(cid >> 8);
	rec[3] = (uint8_t)cid;
	memcpy(rec + 4, mac, MAC_LEN);
	memcpy(rec + TEST_REC_HDR_LEN, msg, len);
	return send(dh_link_fd, rec, TEST_REC_HDR_LEN + len, 0) < 0 ? -1 : 0;
}

ssize_t dh_recv_mgmt(uint8_t *buf, size_t cap, uint16_t *cid, int64_t wait_ms)
{
	uint8_t rec[TEST_REC_HDR_LEN + PKM_MSG_MAX + 1];
	int64_t end = dh_now_ms() + wait_ms;

	while (dh_now_ms() < end) {
		struct pollfd p = { .fd = dh_link_fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, (int)(end - dh_now_ms())) != 1)
			break;
		n = recv(dh_link_fd, rec, sizeof(rec), 0);
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

void dh_drain(void)
{
	uint8_t rec[TEST_REC_HDR_LEN + PKM_MSG_MAX + 1];
	struct pollfd p = { .fd = dh_link_fd, .events = POLLIN };

	while (poll(&p, 1, 0) == 1 && recv(dh_link_fd, rec, sizeof(rec), 0) > 0)
		;
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

int dh_send_tek_event(uint8_t cmd, uint16_t said, uint8_t eks,
		      const uint32_t *pn_limit)
{
	uint8_t rec[TEST_REC_HDR_LEN + 128] = { TEST_REC_EVENT };
	uint8_t *msg = rec + TEST_REC_HDR_LEN;
	struct nlmsghdr nlh = { .nlmsg_type = 0 };
	struct genlmsghdr gh = { .cmd = cmd, .version = WMAN_GENL_VERSION };
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN, nest;
	uint32_t ifindex = 0;
	struct nlattr a;

	put_attr(msg, &off, WMAN_A_IFINDEX, &ifindex, 4);
	nest = off;
	off += NLA_HDRLEN;
	put_attr(msg, &off, WMAN_TEK_A_SAID, &said, 2);
	put_attr(msg, &off, WMAN_TEK_A_EKS, &eks, 1);
	if (pn_limit) {
		put_attr(msg, &off, WMAN_TEK_A_TX_PN, &pn_limit[0], 4);
		put_attr(msg, &off, WMAN_TEK_A_TX_PN_LIMIT, &pn_limit[1], 4);
	}
	a = (struct nlattr){ .nla_len = (uint16_t)(off - nest),
			     .nla_type = NLA_F_NESTED | WMAN_A_TEK };
	memcpy(msg + nest, &a, sizeof(a));
	nlh.nlmsg_len = (uint32_t)off;
	memcpy(msg, &nlh, sizeof(nlh));
	memcpy(msg + NLMSG_HDRLEN, &gh, sizeof(gh));
	return send(dh_link_fd, rec, TEST_REC_HDR_LEN + off, 0) < 0 ? -1 : 0;
}

int dh_enter(struct dh_ss *ss)
{
	struct rng_req req;
	struct rng_rsp rsp;
	uint8_t buf[RNG_MSG_MAX], in[PKM_MSG_MAX];
	uint16_t cid;
	size_t len;
	ssize_t n;

	memcpy(req.ss_mac, ss->mac, MAC_LEN);
	if (rng_req_build(&req, buf, sizeof(buf), &len) ||
	    dh_send_mgmt(ss->mac, WMAN_CID_INITIAL_RANGING, buf, len))
		return -1;
	n = dh_recv_mgmt(in, sizeof(in), &cid, DH_WAIT_MS);
	if (n < 0 || rng_rsp_parse(in, (size_t)n, &rsp) ||
	    rsp.status != RNG_STATUS_SUCCESS)
		return -1;
	ss->basic_cid = rsp.basic_cid;
	ss->primary_cid = rsp.primary_cid;
	return 0;
}

int dh_send_pkm(struct dh_ss *ss, struct pkm_msg *m, const uint8_t *cmac_key,
		uint32_t pn)
{
	struct pkm_seal seal = { .cmac_key = cmac_key, .pn = pn };
	uint8_t buf[PKM_MSG_MAX];
	size_t len;

	if (!cmac_key)
		seal.sign_key = ss->cert->key;
	m->id = ++ss->next_id;
	if (pkm_msg_build(m, &seal, buf, sizeof(buf), &len))
		return -1;
	return dh_send_mgmt(ss->mac, ss->primary_cid, buf, len);
}

int dh_wait_pkm(struct dh_ss *ss, uint8_t code, struct pkm_msg *m,
		uint8_t *buf, unsigned int *dreg_cmds)
{
	int64_t end = dh_now_ms() + DH_WAIT_MS;
	uint16_t cid;

	while (dh_now_ms() < end) {
		ssize_t n = dh_recv_mgmt(buf, PKM_MSG_MAX, &cid, DH_WAIT_MS);

		if (n < 0)
			return -1;
		if (buf[0] == PKM_MGMT_DREG_CMD && dreg_cmds)
			(*dreg_cmds)++;
		if (cid != ss->primary_cid || buf[0] != PKM_MGMT_RSP ||
		    pkm_msg_parse(buf, (size_t)n, m))
			continue;
		if (m->code == PKM_AUTH_INVALID)
			ss->auth_invalids++;
		if (m->code == code)
			return 0;
	}
	return -1;
}

int dh_authorize(struct dh_ss *ss, unsigned int *dreg_cmds)
{
	struct pkm_msg m = { .code = PKM_AUTH_REQUEST };
	struct pkm_auth_request *r = &m.u.auth_req;
	struct pkm_verifier v = { .peer_key = ss->bs_key };
	static uint8_t buf[PKM_MSG_MAX];
	uint8_t ak[PKM_AK_LEN];

	r->ss_cert = (struct pkm_bytes){ ss->cert->der, ss->cert->der_len };
	r->caps.version = PKM_VERSION_1;
	r->caps.n_suites = 1;
	r->caps.suites[0] = (struct pkm_crypto_suite){
		PKM_DATA_ENC_AES_CCM_128, PKM_DATA_AUTH_AEAD,
		PKM_TEK_ENC_AES_KW_128 };
	r->basic_said = ss->basic_cid;
	memcpy(r->ss_mac, ss->mac, MAC_LEN);
	pkm_random(r->ss_random, sizeof(r->ss_random));
	memcpy(ss->ss_random, r->ss_random, sizeof(ss->ss_random));
	if (dh_send_pkm(ss, &m, NULL, 0) ||
	    dh_wait_pkm(ss, PKM_AUTH_REPLY, &m, buf, dreg_cmds) ||
	    pkm_msg_verify(&m, &v) ||
	    pkm_auth_reply_ak(&m, ss->cert->key, ak) ||
	    pkm_keys_derive(ak, sizeof(ak), ss->mac, ss->bsid, &ss->keys))
		return -1;
	ss->ak_seq = m.u.auth_rep.ak_seq;
	for (size_t i = 0; i < m.u.auth_rep.n_sa; i++)
		if (m.u.auth_rep.sa[i].has_service &&
		    m.u.auth_rep.sa[i].service == PKM_SERVICE_UNICAST)
			ss->unicast_said = m.u.auth_rep.sa[i].said;
	ss->tx_pn = 1;
	memset(&ss->down, 0, sizeof(ss->down));
	return ss->unicast_said ? 0 : -1;
}

int dh_key_request(struct dh_ss *ss, uint16_t said, uint8_t service,
		   unsigned int *dreg_cmds)
{
	struct pkm_msg m = { .code = PKM_KEY_REQUEST };
	static uint8_t buf[PKM_MSG_MAX];
	int64_t end = dh_now_ms() + DH_WAIT_MS;
	uint16_t cid;

	m.u.key_req = (struct pkm_key_request){
		.ak_seq = ss->ak_seq, .said = said, .service = service,
		.has_group = service == PKM_SERVICE_MULTICAST,
		.group_id = ss->group };
	if (dh_send_pkm(ss, &m, ss->keys.cmac_up, ss->tx_pn++))
		return -1;
	while (dh_now_ms() < end) {
		ssize_t n = dh_recv_mgmt(buf, sizeof(buf), &cid, DH_WAIT_MS);

		if (n < 0)
			return -1;
		if (buf[0] == PKM_MGMT_DREG_CMD && dreg_cmds)
			(*dreg_cmds)++;
		if (cid != ss->primary_cid || buf[0] != PKM_MGMT_RSP ||
		    pkm_msg_parse(buf, (size_t)n, &m))
			continue;
		if (m.code == PKM_AUTH_INVALID) {
			ss->auth_invalids++;
			ss->last_invalid = m.u.auth_inv;
			return m.code;
		}
		if ((m.code == PKM_KEY_REPLY || m.code == PKM_KEY_REJECT) &&
		    m.u.key_rep.said == said)
			return m.code;
	}
	return -1;
}
