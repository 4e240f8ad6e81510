// SPDX-License-Identifier: GPL-2.0
/*
 * pkmload: plays N subscriber stations against one BS daemon over the
 * daemon's test transport (Documentation/loadgen.rst) and measures it.
 *
 *   pkmload ca DIR        a test CA and BS identity in DIR
 *   pkmload run ...       the storm, then sustained Key Requests
 *
 * The storm: every SS ranges, is authorized and asks for its unicast
 * keys; every answer is checked (digest or signature, identifiers,
 * SAIDs, the unwrapped TEKs) and no two SSs may hold the same TEK.  Then
 * Key Requests from all SSs, round robin, with a window of requests in
 * flight, for a given time: requests per second and the latency of each.
 * Any lost, duplicated or mismatched answer makes the exit status 1.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wman.h>
#include <openssl/crypto.h>

#include "pkmload.h"
#include "rng.h"

/*
 * The BS's CID layout (control-plane.rst, "CIDs and SAIDs"): SS N of m
 * (the BS's basic-cid-max) gets Basic CID N, Primary Management CID m + N
 * and its unicast SA 0x2000 + N.
 */
#define MGMT_CID_RANGING	0
#define UNICAST_CID_BASE	0x2000
#define STATION_MAX		4095
#define BASIC_CID_MAX_DEFAULT	320

struct ss {
	unsigned int index;
	uint8_t mac[MAC_LEN];
	char cn[32];
	EVP_PKEY *key;			/* shared with other SSs (key pool) */
	uint8_t *cert;
	size_t cert_len;

	uint16_t basic_cid, primary_cid, said;
	uint8_t nonce[PKM_SS_RANDOM_LEN];
	uint8_t *req;			/* the prepared Auth Request */
	size_t req_len;
	uint8_t *reply;			/* the Auth Reply, checked later */
	size_t reply_len;
	uint8_t auth_id;

	bool authorized;
	uint8_t ak_seq;
	struct pkm_keys keys;
	uint32_t tx_pn;
	struct pkm_replay rx;
	uint8_t next_id;

	bool have_teks;
	uint8_t eks[2];
	uint8_t tek[2][PKM_KEY_LEN];

	/* Requests in flight, oldest first. */
	bool waiting;
	unsigned int n_out, out_head;
	struct {
		uint8_t id;
		uint64_t sent_ns;
	} out[OUT_MAX];
};

struct counts {
	unsigned long lost, duplicated, mismatched, rejected, kernel_records;
};

struct opts {
	const char *dir, *link, *control, *provider, *json, *state;
	unsigned int n, window, keys, duration;
	unsigned int basic_cid_max;	/* m, what the BS must use */
	unsigned int first;		/* identities start after this many */
	unsigned int timeout_ms;
	int bs_pid;
	bool quiet;
};

struct run {
	struct opts o;
	struct ident_ca ca;
	int fd;
	uint8_t bsid[MAC_LEN];
	EVP_PKEY *bs_pub;		/* from the first verified Auth Reply */
	uint8_t *bs_cert;
	size_t bs_cert_len;
	struct ss *ss;
	bool cid_used[STATION_MAX + 1];
	struct counts c;
	uint8_t buf[REC_MAX];
	/* TEK_NEW requests recorded on the link, by unicast SAID and EKS. */
	struct kernel_tek {
		bool set;
		uint8_t key[PKM_KEY_LEN];
	} (*kernel_teks)[4];
	unsigned long kernel_teks_checked;

	/* Results */
	double t_entry, t_auth, t_auth_check, t_keys, t_storm;
	unsigned long n_lat;
	uint32_t *lat_us;		/* sustained phase, one per reply */
	size_t cap_lat;
	double t_sustained, bs_cpu_s, own_cpu_s;
	unsigned long sent, answered;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void say(const struct run *R, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct run *R, const char *fmt, ...)
{
	va_list ap;

	if (R->o.quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void fail_ss(struct run *R, const struct ss *s, const char *what)
{
	R->c.mismatched++;
	if (R->c.mismatched <= 10)
		fprintf(stderr, "pkmload: SS %u (%s): %s\n", s->index, s->cn, what);
}

/* MAC 02:4c:XX:XX:XX:XX carries the SS's index + 1. */
static void ss_mac(unsigned int index, uint8_t mac[MAC_LEN])
{
	uint32_t v = index + 1;

	mac[0] = 0x02;
	mac[1] = 0x4c;
	mac[2] = (uint8_t)(v >> 24);
	mac[3] = (uint8_t)(v >> 16);
	mac[4] = (uint8_t)(v >> 8);
	mac[5] = (uint8_t)v;
}

static struct ss *ss_by_mac(struct run *R, const uint8_t mac[MAC_LEN])
{
	uint32_t v = (uint32_t)mac[2] << 24 | (uint32_t)mac[3] << 16 |
		     (uint32_t)mac[4] << 8 | mac[5];

	if (mac[0] != 0x02 || mac[1] != 0x4c || v <= R->o.first ||
	    v - R->o.first > R->o.n)
		return NULL;
	return &R->ss[v - R->o.first - 1];
}

static void mac_text(const uint8_t mac[MAC_LEN], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

/* Identities and subscribers */

static int make_identities(struct run *R)
{
	EVP_PKEY **pool = calloc(R->o.keys, sizeof(*pool));
	uint64_t t0 = now_ns();

	if (!pool)
		return -1;
	for (unsigned int i = 0; i < R->o.keys; i++) {
		pool[i] = ident_rsa_key();
		if (!pool[i])
			return -1;
	}
	for (unsigned int i = 0; i < R->o.n; i++) {
		struct ss *s = &R->ss[i];

		s->index = i;
		ss_mac(R->o.first + i, s->mac);
		snprintf(s->cn, sizeof(s->cn), "load-%06u", R->o.first + i + 1);
		s->key = pool[i % R->o.keys];
		EVP_PKEY_up_ref(s->key);
		if (ident_issue(&R->ca, s->key, s->cn, 1000 + R->o.first + i, &s->cert,
				&s->cert_len))
			return -1;
	}
	for (unsigned int i = 0; i < R->o.keys; i++)
		EVP_PKEY_free(pool[i]);
	free(pool);
	say(R, "# %u SS certificates on %u RSA-2048 keys: %.2f s\n", R->o.n,
	    R->o.keys, secs(now_ns() - t0));
	return 0;
}

/*
 * The BS must hand out the CIDs of the m we were told: its status says
 * which it uses, and a mismatch is a setup error, not N failed SSs.
 */
static int check_basic_cid_max(struct run *R, int fd)
{
	static const char field[] = "\"basic_cid_max\":";
	char answer[1024];
	const char *p;
	unsigned long m;

	if (control_call(fd, "{\"command\":\"status\"}\n", answer,
			 sizeof(answer))) {
		fprintf(stderr, "pkmload: status: %s\n", answer);
		return -1;
	}
	p = strstr(answer, field);
	if (!p) {
		fprintf(stderr, "pkmload: the BS's status names no basic_cid_max (a BS of an older CID layout?)\n");
		return -1;
	}
	m = strtoul(p + strlen(field), NULL, 10);
	if (m != R->o.basic_cid_max) {
		fprintf(stderr, "pkmload: the BS uses basic-cid-max %lu, not %u (-m)\n",
			m, R->o.basic_cid_max);
		return -1;
	}
	return 0;
}

static int add_subscribers(struct run *R)
{
	int fd = control_connect(R->o.control);
	char req[512], answer[512], mac[18];
	uint64_t t0 = now_ns();

	if (fd < 0)
		return -1;
	if (check_basic_cid_max(R, fd)) {
		close(fd);
		return -1;
	}
	for (unsigned int i = 0; i < R->o.n; i++) {
		mac_text(R->ss[i].mac, mac);
		snprintf(req, sizeof(req),
			 "{\"command\":\"subscriber-add\",\"cn\":\"%s\",\"mac\":\"%s\",\"provider\":\"%s\",\"services\":[\"unicast\"]}\n",
			 R->ss[i].cn, mac, R->o.provider);
		if (control_call(fd, req, answer, sizeof(answer))) {
			fprintf(stderr, "pkmload: subscriber-add %s: %s\n",
				R->ss[i].cn, answer);
			close(fd);
			return -1;
		}
	}
	close(fd);
	say(R, "# %u subscribers added over the control socket: %.2f s\n",
	    R->o.n, secs(now_ns() - t0));
	return 0;
}

/* Messages */

static int send_pkm(struct run *R, struct ss *s, struct pkm_msg *m)
{
	struct pkm_seal seal = { .cmac_key = s->keys.cmac_up,
				 .pn = s->tx_pn++ };
	uint8_t buf[PKM_MSG_MAX];
	size_t len;

	if (pkm_msg_build(m, &seal, buf, sizeof(buf), &len))
		return -1;
	return link_send(R->fd, s->primary_cid, s->mac, buf, len);
}

static int send_key_request(struct run *R, struct ss *s, uint8_t *id)
{
	struct pkm_msg m = { .code = PKM_KEY_REQUEST, .id = s->next_id++ };

	m.u.key_req.ak_seq = s->ak_seq;
	m.u.key_req.said = s->said;
	m.u.key_req.service = PKM_SERVICE_UNICAST;
	*id = m.id;
	return send_pkm(R, s, &m);
}

/*
 * A Key Reply to the request id: digest and PN, SAID, AK, both TEKs
 * unwrapped.  The first one stores the TEKs, later ones must match them.
 */
static int check_key_reply(struct run *R, struct ss *s, const struct rec *r,
			   uint8_t id)
{
	struct pkm_verifier v = { .cmac_key = s->keys.cmac_down,
				  .replay = &s->rx };
	uint8_t tek[2][PKM_KEY_LEN];
	struct pkm_msg m;
	int ok = -1;

	if (r->cid != s->primary_cid || pkm_msg_parse(r->payload, r->len, &m)) {
		fail_ss(R, s, "malformed answer to a Key Request");
		return -1;
	}
	if (m.code == PKM_KEY_REJECT) {
		R->c.rejected++;
		fail_ss(R, s, "Key Reject");
		return -1;
	}
	if (m.code != PKM_KEY_REPLY || m.id != id) {
		fail_ss(R, s, "not the Key Reply to the request (code or identifier)");
		return -1;
	}
	if (pkm_msg_verify(&m, &v)) {
		fail_ss(R, s, "Key Reply digest or PN does not verify");
		return -1;
	}
	if (m.u.key_rep.said != s->said || m.u.key_rep.ak_seq != s->ak_seq ||
	    pkm_key_reply_tek(&m, 0, s->keys.kek, tek[0]) ||
	    pkm_key_reply_tek(&m, 1, s->keys.kek, tek[1])) {
		fail_ss(R, s, "Key Reply: wrong SAID or AK, or a TEK does not unwrap");
		goto out;
	}
	if (!s->have_teks) {
		if (!memcmp(tek[0], tek[1], PKM_KEY_LEN) ||
		    m.u.key_rep.tek[0].eks == m.u.key_rep.tek[1].eks) {
			fail_ss(R, s, "Key Reply: both TEKs alike");
			goto out;
		}
		memcpy(s->tek, tek, sizeof(tek));
		s->eks[0] = m.u.key_rep.tek[0].eks;
		s->eks[1] = m.u.key_rep.tek[1].eks;
		s->have_teks = true;
	} else if (memcmp(s->tek, tek, sizeof(tek)) ||
		   s->eks[0] != m.u.key_rep.tek[0].eks ||
		   s->eks[1] != m.u.key_rep.tek[1].eks) {
		fail_ss(R, s, "Key Reply: TEKs differ from the first reply");
		goto out;
	}
	ok = 0;
out:
	OPENSSL_cleanse(tek, sizeof(tek));
	return ok;
}

static int prepare_auth_request(struct ss *s)
{
	struct pkm_msg m = { .code = PKM_AUTH_REQUEST, .id = s->auth_id };
	struct pkm_auth_request *r = &m.u.auth_req;
	struct pkm_seal seal = { .sign_key = s->key };
	uint8_t buf[PKM_MSG_MAX];

	if (pkm_random(s->nonce, sizeof(s->nonce)))
		return -1;
	r->ss_cert = (struct pkm_bytes){ s->cert, s->cert_len };
	r->caps.version = PKM_VERSION_1;
	r->caps.n_suites = 2;
	r->caps.suites[0] = (struct pkm_crypto_suite){
		PKM_DATA_ENC_AES_CCM_128, PKM_DATA_AUTH_AEAD,
		PKM_TEK_ENC_AES_KW_128 };
	r->caps.suites[1] = (struct pkm_crypto_suite){
		PKM_DATA_ENC_AES_GCM_128, PKM_DATA_AUTH_AEAD,
		PKM_TEK_ENC_AES_KW_128 };
	r->basic_said = s->basic_cid;
	memcpy(r->ss_mac, s->mac, MAC_LEN);
	memcpy(r->ss_random, s->nonce, sizeof(r->ss_random));
	if (pkm_msg_build(&m, &seal, buf, sizeof(buf), &s->req_len))
		return -1;
	s->req = malloc(s->req_len);
	if (!s->req)
		return -1;
	memcpy(s->req, buf, s->req_len);
	return 0;
}

/* An Auth Reply kept from the timed phase: signature, nonce, AK. */
static void check_auth_reply(struct run *R, struct ss *s)
{
	const struct pkm_auth_reply *r;
	struct pkm_verifier v = { 0 };
	uint8_t ak[PKM_AK_LEN];
	struct pkm_msg m;

	if (pkm_msg_parse(s->reply, s->reply_len, &m)) {
		fail_ss(R, s, "malformed answer to the Auth Request");
		return;
	}
	if (m.code != PKM_AUTH_REPLY || m.id != s->auth_id) {
		fail_ss(R, s, m.code == PKM_AUTH_REJECT ? "Auth Reject" :
			      "not the Auth Reply (code or identifier)");
		return;
	}
	r = &m.u.auth_rep;
	/* The BS certificate is verified against the CA once, then compared. */
	if (!R->bs_pub) {
		struct pkm_cert_id id = { 0 };

		if (pkm_cert_verify(R->ca.store, r->bs_cert.p, r->bs_cert.len,
				    0, PKM_ROLE_BS, &id)) {
			fail_ss(R, s, "BS certificate not trusted");
			return;
		}
		R->bs_pub = id.pub;
		id.pub = NULL;
		pkm_cert_id_free(&id);
		R->bs_cert = malloc(r->bs_cert.len);
		if (!R->bs_cert)
			abort();
		memcpy(R->bs_cert, r->bs_cert.p, r->bs_cert.len);
		R->bs_cert_len = r->bs_cert.len;
	} else if (r->bs_cert.len != R->bs_cert_len ||
		   memcmp(r->bs_cert.p, R->bs_cert, R->bs_cert_len)) {
		fail_ss(R, s, "Auth Reply with another BS certificate");
		return;
	}
	v.peer_key = R->bs_pub;
	if (pkm_msg_verify(&m, &v) ||
	    memcmp(r->ss_random, s->nonce, sizeof(s->nonce))) {
		fail_ss(R, s, "Auth Reply: SigBS or SS-Random wrong");
		return;
	}
	if (pkm_auth_reply_ak(&m, s->key, ak) ||
	    pkm_keys_derive(ak, sizeof(ak), s->mac, R->bsid, &s->keys)) {
		fail_ss(R, s, "Auth Reply: the AK does not decrypt");
		OPENSSL_cleanse(ak, sizeof(ak));
		return;
	}
	OPENSSL_cleanse(ak, sizeof(ak));
	s->ak_seq = r->ak_seq;
	for (size_t i = 0; i < r->n_sa; i++)
		if (r->sa[i].has_service &&
		    r->sa[i].service == PKM_SERVICE_UNICAST)
			s->said = r->sa[i].said;
	if (s->said != UNICAST_CID_BASE + s->basic_cid) {
		fail_ss(R, s, "Auth Reply: no unicast SA of this station's");
		return;
	}
	s->authorized = true;
	free(s->reply);
	s->reply = NULL;
}

static int check_rng_rsp(struct run *R, struct ss *s, const struct rec *r)
{
	struct rng_rsp rsp;

	if (r->cid != MGMT_CID_RANGING || r->len < 1 ||
	    r->payload[0] != MGMT_RNG_RSP ||
	    rng_rsp_parse(r->payload, r->len, &rsp)) {
		fail_ss(R, s, "not an RNG-RSP");
		return -1;
	}
	if (rsp.status != RNG_STATUS_SUCCESS ||
	    memcmp(rsp.ss_mac, s->mac, MAC_LEN) || rsp.basic_cid < 1 ||
	    rsp.basic_cid > R->o.basic_cid_max ||
	    rsp.primary_cid != R->o.basic_cid_max + rsp.basic_cid ||
	    R->cid_used[rsp.basic_cid]) {
		fail_ss(R, s, "RNG-RSP refused, or CIDs wrong or taken");
		return -1;
	}
	R->cid_used[rsp.basic_cid] = true;
	s->basic_cid = rsp.basic_cid;
	s->primary_cid = rsp.primary_cid;
	return 0;
}

/* The storm: one exchange per SS and phase, window answers in flight */

enum phase { PH_ENTRY, PH_AUTH, PH_KEYS };

static const char *const phase_names[] = { "ranging", "authorization",
					   "unicast keys" };

static int phase_send(struct run *R, enum phase ph, struct ss *s)
{
	uint8_t buf[RNG_MSG_MAX];
	struct rng_req req;
	size_t len;

	switch (ph) {
	case PH_ENTRY:
		memcpy(req.ss_mac, s->mac, MAC_LEN);
		if (rng_req_build(&req, buf, sizeof(buf), &len))
			return -1;
		return link_send(R->fd, MGMT_CID_RANGING, s->mac, buf, len);
	case PH_AUTH:
		return link_send(R->fd, s->primary_cid, s->mac, s->req,
				 s->req_len);
	case PH_KEYS:
		return send_key_request(R, s, &s->out[0].id);
	}
	return -1;
}

static void phase_answer(struct run *R, enum phase ph, struct ss *s,
			 const struct rec *r)
{
	switch (ph) {
	case PH_ENTRY:
		check_rng_rsp(R, s, r);
		break;
	case PH_AUTH:
		if (r->cid != s->primary_cid) {
			fail_ss(R, s, "Auth Reply on another CID");
			break;
		}
		s->reply = malloc(r->len);
		if (!s->reply)
			abort();
		memcpy(s->reply, r->payload, r->len);
		s->reply_len = r->len;
		break;
	case PH_KEYS:
		check_key_reply(R, s, r, s->out[0].id);
		break;
	}
}

/* One netlink attribute at p of at most rem bytes; 0 or -1 if malformed. */
static int nla_next(const uint8_t *p, size_t rem, uint16_t *type,
		    const uint8_t **val, size_t *len, size_t *step)
{
	struct nlattr nla;

	if (rem < NLA_HDRLEN)
		return -1;
	memcpy(&nla, p, sizeof(nla));
	if (nla.nla_len < NLA_HDRLEN || nla.nla_len > rem)
		return -1;
	*type = nla.nla_type & NLA_TYPE_MASK;
	*val = p + NLA_HDRLEN;
	*len = nla.nla_len - NLA_HDRLEN;
	*step = (size_t)NLA_ALIGN(nla.nla_len) < rem ?
		(size_t)NLA_ALIGN(nla.nla_len) : rem;
	return 0;
}

/*
 * A KERNEL record: the generic netlink request the BS would have sent.
 * TEK_NEW for a unicast SA is kept, to compare with the Key Replies.
 */
static void kernel_record(struct run *R, const struct rec *r)
{
	const uint8_t *p, *val, *key = NULL;
	struct nlmsghdr nlh;
	struct genlmsghdr gh;
	size_t rem, len, step;
	uint16_t type, said = 0;
	int eks = -1;

	R->c.kernel_records++;
	if (r->len < NLMSG_HDRLEN + GENL_HDRLEN)
		goto malformed;
	memcpy(&nlh, r->payload, sizeof(nlh));
	memcpy(&gh, r->payload + NLMSG_HDRLEN, sizeof(gh));
	if (nlh.nlmsg_len > r->len || nlh.nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		goto malformed;
	if (gh.cmd != WMAN_CMD_TEK_NEW)
		return;
	p = r->payload + NLMSG_HDRLEN + GENL_HDRLEN;
	rem = nlh.nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	for (; rem; p += step, rem -= step) {
		if (nla_next(p, rem, &type, &val, &len, &step))
			goto malformed;
		if (type == WMAN_A_TEK)
			break;
	}
	if (!rem)
		goto malformed;
	for (p = val, rem = len; rem; p += step, rem -= step) {
		if (nla_next(p, rem, &type, &val, &len, &step))
			goto malformed;
		if (type == WMAN_TEK_A_SAID && len == 2)
			memcpy(&said, val, 2);
		else if (type == WMAN_TEK_A_EKS && len == 1 && val[0] < 4)
			eks = val[0];
		else if (type == WMAN_TEK_A_KEY && len == PKM_KEY_LEN)
			key = val;
	}
	if (!key || eks < 0)
		goto malformed;
	if (said <= UNICAST_CID_BASE || said > UNICAST_CID_BASE + STATION_MAX)
		return;
	if (!R->kernel_teks) {
		R->kernel_teks = calloc(STATION_MAX + 1, sizeof(*R->kernel_teks));
		if (!R->kernel_teks)
			abort();
	}
	R->kernel_teks[said - UNICAST_CID_BASE][eks].set = true;
	memcpy(R->kernel_teks[said - UNICAST_CID_BASE][eks].key, key,
	       PKM_KEY_LEN);
	return;
malformed:
	R->c.mismatched++;
	fprintf(stderr, "pkmload: malformed KERNEL record (%zu bytes)\n", r->len);
}

/* With kernel-requests = record: the BS installs what it gives out. */
static void check_kernel_teks(struct run *R)
{
	if (!R->kernel_teks)
		return;
	for (unsigned int i = 0; i < R->o.n; i++) {
		struct ss *s = &R->ss[i];
		struct kernel_tek *k = R->kernel_teks[s->said - UNICAST_CID_BASE];

		if (!s->have_teks)
			continue;
		for (int g = 0; g < 2; g++) {
			if (k[s->eks[g]].set &&
			    !memcmp(k[s->eks[g]].key, s->tek[g], PKM_KEY_LEN)) {
				R->kernel_teks_checked++;
				continue;
			}
			fail_ss(R, s, "the TEK the BS would install differs from the Key Reply's");
		}
	}
	OPENSSL_cleanse(R->kernel_teks, (STATION_MAX + 1) * sizeof(*R->kernel_teks));
	say(R, "# %lu TEKs in Key Replies match the BS's kernel requests\n",
	    R->kernel_teks_checked);
}

/*
 * Reads what is waiting; returns the number of records read for SSs, or
 * -1 when the link failed.  Records of other kinds are counted.
 */
static int drain(struct run *R,
		 void (*got)(struct run *R, struct ss *s, const struct rec *r,
			     void *arg),
		 void *arg)
{
	int count = 0;

	for (;;) {
		struct rec r;
		struct ss *s;
		int rc = link_recv(R->fd, R->buf, &r);

		if (rc <= 0)
			return rc < 0 ? -1 : count;
		if (r.type == REC_KERNEL) {
			kernel_record(R, &r);
			continue;
		}
		s = r.type == REC_MGMT ? ss_by_mac(R, r.mac) : NULL;
		if (!s) {
			R->c.duplicated++;
			fprintf(stderr, "pkmload: record for no SS of ours (type %u)\n",
				r.type);
			continue;
		}
		got(R, s, &r, arg);
		count++;
	}
}

struct phase_state {
	enum phase ph;
	unsigned int outstanding, done;
};

static void phase_got(struct run *R, struct ss *s, const struct rec *r,
		      void *arg)
{
	struct phase_state *p = arg;

	if (!s->waiting) {
		R->c.duplicated++;
		fprintf(stderr, "pkmload: SS %u: an answer it did not ask for (%s)\n",
			s->index, phase_names[p->ph]);
		return;
	}
	s->waiting = false;
	p->outstanding--;
	p->done++;
	phase_answer(R, p->ph, s, r);
}

static int wait_input(struct run *R, int timeout_ms)
{
	struct pollfd pfd = { .fd = R->fd, .events = POLLIN };
	int rc;

	do {
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	return rc;
}

/* An SS takes part in a phase only if the one before went right. */
static bool eligible(const struct ss *s, enum phase ph)
{
	return ph == PH_ENTRY || (ph == PH_AUTH && s->req) ||
	       (ph == PH_KEYS && s->authorized);
}

static int run_phase(struct run *R, enum phase ph, double *seconds)
{
	struct phase_state p = { .ph = ph };
	unsigned int next = 0, wanted = 0;
	uint64_t t0 = now_ns();

	for (unsigned int i = 0; i < R->o.n; i++)
		wanted += eligible(&R->ss[i], ph);
	while (p.done < wanted) {
		while (p.outstanding < R->o.window && next < R->o.n) {
			struct ss *s = &R->ss[next++];

			if (!eligible(s, ph))
				continue;
			if (phase_send(R, ph, s))
				return -1;
			s->waiting = true;
			p.outstanding++;
		}
		if (wait_input(R, (int)R->o.timeout_ms) == 0)
			break;
		if (drain(R, phase_got, &p) < 0)
			return -1;
	}
	*seconds = secs(now_ns() - t0);
	for (unsigned int i = 0; i < R->o.n; i++) {
		if (!R->ss[i].waiting)
			continue;
		R->ss[i].waiting = false;
		R->c.lost++;
		fprintf(stderr, "pkmload: SS %u: no answer in %s\n", i,
			phase_names[ph]);
	}
	say(R, "# %-14s %5u SSs in %.3f s (%.0f/s)\n", phase_names[ph], p.done,
	    *seconds, *seconds > 0 ? p.done / *seconds : 0.0);
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, PKM_KEY_LEN);
}

/* No TEK may belong to two SSs (nor twice to one). */
static void check_distinct_teks(struct run *R)
{
	uint8_t (*all)[PKM_KEY_LEN] = calloc(2 * (size_t)R->o.n, PKM_KEY_LEN);
	size_t n = 0;

	if (!all)
		abort();
	for (unsigned int i = 0; i < R->o.n; i++) {
		if (!R->ss[i].have_teks)
			continue;
		memcpy(all[n++], R->ss[i].tek[0], PKM_KEY_LEN);
		memcpy(all[n++], R->ss[i].tek[1], PKM_KEY_LEN);
	}
	qsort(all, n, PKM_KEY_LEN, key_cmp);
	for (size_t i = 1; i < n; i++) {
		if (memcmp(all[i - 1], all[i], PKM_KEY_LEN))
			continue;
		R->c.mismatched++;
		fprintf(stderr, "pkmload: one TEK given twice\n");
	}
	OPENSSL_cleanse(all, 2 * (size_t)R->o.n * PKM_KEY_LEN);
	free(all);
}

static int storm(struct run *R)
{
	uint64_t t0 = now_ns(), t;
	unsigned int keyed = 0;

	if (run_phase(R, PH_ENTRY, &R->t_entry))
		return -1;
	t = now_ns();
	for (unsigned int i = 0; i < R->o.n; i++) {
		R->ss[i].auth_id = (uint8_t)i;
		if (R->ss[i].basic_cid && prepare_auth_request(&R->ss[i]))
			return -1;
	}
	say(R, "# %u Auth Requests signed ahead (not timed): %.2f s\n", R->o.n,
	    secs(now_ns() - t));
	t0 += now_ns() - t;
	if (run_phase(R, PH_AUTH, &R->t_auth))
		return -1;
	t = now_ns();
	for (unsigned int i = 0; i < R->o.n; i++)
		if (R->ss[i].reply)
			check_auth_reply(R, &R->ss[i]);
	R->t_auth_check = secs(now_ns() - t);
	say(R, "# %u Auth Replies checked, AKs decrypted (SS side, not timed): %.2f s\n",
	    R->o.n, R->t_auth_check);
	t0 += now_ns() - t;
	if (run_phase(R, PH_KEYS, &R->t_keys))
		return -1;
	R->t_storm = secs(now_ns() - t0);
	check_distinct_teks(R);
	check_kernel_teks(R);
	for (unsigned int i = 0; i < R->o.n; i++)
		keyed += R->ss[i].have_teks;
	if (keyed != R->o.n) {
		fprintf(stderr, "pkmload: %u of %u SSs hold unicast keys\n",
			keyed, R->o.n);
		if (!R->c.lost && !R->c.mismatched)
			R->c.mismatched += R->o.n - keyed;
	}
	say(R, "# storm: %u SSs ranged, authorized and keyed in %.3f s\n",
	    keyed, R->t_storm);
	return 0;
}

/* Sustained Key Requests */

static void sustained_got(struct run *R, struct ss *s, const struct rec *r,
			  void *arg)
{
	uint64_t now = now_ns(), us;

	(void)arg;
	if (!s->n_out) {
		R->c.duplicated++;
		fprintf(stderr, "pkmload: SS %u: a Key Reply it did not ask for\n",
			s->index);
		return;
	}
	/* The BS answers one SS's requests in order. */
	check_key_reply(R, s, r, s->out[s->out_head].id);
	us = (now - s->out[s->out_head].sent_ns) / 1000;
	s->out_head = (s->out_head + 1) % OUT_MAX;
	s->n_out--;
	R->answered++;
	if (R->n_lat == R->cap_lat) {
		size_t cap = R->cap_lat ? 2 * R->cap_lat : 1 << 16;
		uint32_t *p = realloc(R->lat_us, cap * sizeof(*p));

		if (!p)
			abort();
		R->lat_us = p;
		R->cap_lat = cap;
	}
	R->lat_us[R->n_lat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static double cpu_of(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* Fields after the command's closing parenthesis. */
	p = p ? strrchr(buf, ')') : NULL;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double own_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int sustained(struct run *R)
{
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)R->o.duration * 1000000000u;
	double bs0 = R->o.bs_pid ? cpu_of(R->o.bs_pid) : -1, own0 = own_cpu();
	unsigned int next = 0, in_flight = 0;
	bool sending = true;

	for (;;) {
		uint64_t now = now_ns();

		if (now >= end)
			sending = false;
		in_flight = (unsigned int)(R->sent - R->answered);
		while (sending && in_flight < R->o.window) {
			struct ss *s = &R->ss[next];
			unsigned int slot = (s->out_head + s->n_out) % OUT_MAX;

			next = (next + 1) % R->o.n;
			if (s->n_out == OUT_MAX)
				continue;
			s->out[slot].sent_ns = now_ns();
			if (send_key_request(R, s, &s->out[slot].id))
				return -1;
			s->n_out++;
			R->sent++;
			in_flight++;
		}
		if (!in_flight)
			break;
		if (wait_input(R, (int)R->o.timeout_ms) == 0)
			break;
		if (drain(R, sustained_got, NULL) < 0)
			return -1;
	}
	R->t_sustained = secs(now_ns() - t0);
	R->own_cpu_s = own_cpu() - own0;
	if (bs0 >= 0)
		R->bs_cpu_s = cpu_of(R->o.bs_pid) - bs0;
	R->c.lost += R->sent - R->answered;
	return 0;
}

/* After the last phase nothing more may come. */
static int expect_silence(struct run *R)
{
	while (wait_input(R, 300) > 0)
		if (drain(R, phase_got, &(struct phase_state){ PH_KEYS, 0, 0 }) < 0)
			return -1;
	return 0;
}

/* Each SS's next uplink PN: what the BS must have stored as its window. */
static int write_state(const struct run *R)
{
	FILE *f = fopen(R->o.state, "w");
	char mac[18];

	if (!f) {
		fprintf(stderr, "pkmload: %s: %s\n", R->o.state, strerror(errno));
		return -1;
	}
	for (unsigned int i = 0; i < R->o.n; i++) {
		if (!R->ss[i].authorized)
			continue;
		mac_text(R->ss[i].mac, mac);
		fprintf(f, "%s %u\n", mac, R->ss[i].tx_pn);
	}
	return fclose(f) ? -1 : 0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t percentile(const struct run *R, double p)
{
	size_t i;

	if (!R->n_lat)
		return 0;
	i = (size_t)(p * (double)(R->n_lat - 1) + 0.5);
	return R->lat_us[i];
}

static int report(struct run *R)
{
	double rate = R->t_sustained > 0 ? R->answered / R->t_sustained : 0;
	bool ok = !R->c.lost && !R->c.duplicated && !R->c.mismatched;
	FILE *f;

	if (R->n_lat)
		qsort(R->lat_us, R->n_lat, sizeof(*R->lat_us), u32_cmp);
	say(R, "# Key Requests: %lu answered in %.3f s: %.0f/s, latency p50 %u us, p99 %u us, max %u us (window %u)\n",
	    R->answered, R->t_sustained, rate, percentile(R, 0.50),
	    percentile(R, 0.99), R->n_lat ? R->lat_us[R->n_lat - 1] : 0,
	    R->o.window);
	if (R->o.bs_pid && R->answered)
		say(R, "# BS CPU %.2f s: %.1f us per Key Request; pkmload CPU %.2f s\n",
		    R->bs_cpu_s, R->bs_cpu_s * 1e6 / R->answered, R->own_cpu_s);
	say(R, "# lost %lu, duplicated %lu, mismatched %lu (Key Rejects %lu)\n",
	    R->c.lost, R->c.duplicated, R->c.mismatched, R->c.rejected);
	if (!R->o.json)
		return ok ? 0 : 1;
	f = fopen(R->o.json, "w");
	if (!f) {
		fprintf(stderr, "pkmload: %s: %s\n", R->o.json, strerror(errno));
		return 1;
	}
	fprintf(f, "{\"ss\":%u,\"window\":%u,\"rsa_keys\":%u,\n", R->o.n,
		R->o.window, R->o.keys);
	fprintf(f, " \"storm\":{\"ranging_s\":%.6f,\"auth_s\":%.6f,\"auth_per_s\":%.1f,"
		"\"keys_s\":%.6f,\"keys_per_s\":%.1f,\"total_s\":%.6f,"
		"\"ss_auth_check_s\":%.6f},\n",
		R->t_entry, R->t_auth, R->t_auth > 0 ? R->o.n / R->t_auth : 0,
		R->t_keys, R->t_keys > 0 ? R->o.n / R->t_keys : 0, R->t_storm,
		R->t_auth_check);
	fprintf(f, " \"key_requests\":{\"answered\":%lu,\"seconds\":%.6f,\"per_s\":%.1f,"
		"\"p50_us\":%u,\"p99_us\":%u,\"max_us\":%u,\"bs_cpu_s\":%.3f,"
		"\"bs_cpu_us_per_request\":%.2f,\"loadgen_cpu_s\":%.3f},\n",
		R->answered, R->t_sustained, rate, percentile(R, 0.50),
		percentile(R, 0.99), R->n_lat ? R->lat_us[R->n_lat - 1] : 0,
		R->bs_cpu_s, R->answered ? R->bs_cpu_s * 1e6 / R->answered : 0,
		R->own_cpu_s);
	fprintf(f, " \"lost\":%lu,\"duplicated\":%lu,\"mismatched\":%lu,"
		"\"key_rejects\":%lu,\"kernel_records\":%lu,"
		"\"kernel_teks_checked\":%lu,\"ok\":%s}\n",
		R->c.lost, R->c.duplicated, R->c.mismatched, R->c.rejected,
		R->c.kernel_records, R->kernel_teks_checked, ok ? "true" : "false");
	if (fclose(f)) {
		fprintf(stderr, "pkmload: cannot write %s\n", R->o.json);
		return 1;
	}
	return ok ? 0 : 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: pkmload ca DIR\n"
		"       pkmload run -d DIR -l LINK -c CONTROL [options]\n"
		"  -d DIR        the CA made by 'pkmload ca' (signs the SS certificates)\n"
		"  -l LINK       the BS daemon's [test] mgmt-socket\n"
		"  -c CONTROL    the BS daemon's control socket\n"
		"  -n N          subscriber stations (default 320, at most -m)\n"
		"  -m M          the BS's basic-cid-max: SS N gets Basic CID N and\n"
		"                Primary CID M + N (default 320, at most 4095)\n"
		"  -o FIRST      the SSs' identities (MAC, CN) start after FIRST others,\n"
		"                for another pkmload beside this one (default 0)\n"
		"  -w W          requests in flight (default 64, at most 1024)\n"
		"  -t SECONDS    sustained Key Request phase (default 5, 0: none)\n"
		"  -k K          RSA keys shared by the SS certificates (default 8)\n"
		"  -P NAME       provider of the subscribers (default \"load\")\n"
		"  -p PID        the daemon's pid, to report its CPU time\n"
		"  -j FILE       results as JSON\n"
		"  -S FILE       at the end, each SS's MAC address and next uplink PN\n"
		"  -T MS         give up after MS without an answer (default 10000)\n"
		"  -q            quiet: only errors\n"
		"Exit status: 0 all answers right, 1 lost, duplicated or mismatched\n"
		"answers or a failure, 2 usage.\n");
}

static int parse_u(const char *s, unsigned int min, unsigned int max,
		   unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int parse_run(int argc, char **argv, struct opts *o)
{
	unsigned int pid;
	int c;

	*o = (struct opts){ .n = 0, .window = 64, .keys = 8, .duration = 5,
			    .basic_cid_max = BASIC_CID_MAX_DEFAULT,
			    .timeout_ms = 10000, .provider = "load" };
	while ((c = getopt(argc, argv, "d:l:c:n:m:o:w:t:k:P:p:j:S:T:qh")) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'l': o->link = optarg; break;
		case 'c': o->control = optarg; break;
		case 'P': o->provider = optarg; break;
		case 'j': o->json = optarg; break;
		case 'S': o->state = optarg; break;
		case 'q': o->quiet = true; break;
		case 'n':
			if (parse_u(optarg, 1, STATION_MAX, &o->n))
				return -1;
			break;
		case 'm':
			if (parse_u(optarg, 1, STATION_MAX, &o->basic_cid_max))
				return -1;
			break;
		case 'o':
			if (parse_u(optarg, 0, 1u << 24, &o->first))
				return -1;
			break;
		case 'w':
			if (parse_u(optarg, 1, 1024, &o->window))
				return -1;
			break;
		case 't':
			if (parse_u(optarg, 0, 3600, &o->duration))
				return -1;
			break;
		case 'k':
			if (parse_u(optarg, 1, 4096, &o->keys))
				return -1;
			break;
		case 'p':
			if (parse_u(optarg, 1, 1u << 30, &pid))
				return -1;
			o->bs_pid = (int)pid;
			break;
		case 'T':
			if (parse_u(optarg, 1, 600000, &o->timeout_ms))
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || !o->dir || !o->link || !o->control)
		return -1;
	if (!o->n)
		o->n = o->basic_cid_max;
	if (o->n > o->basic_cid_max) {
		fprintf(stderr, "pkmload: %u SSs but basic-cid-max %u (-m): the BS refuses the SSs beyond it\n",
			o->n, o->basic_cid_max);
		return -1;
	}
	if (o->window > o->n * OUT_MAX)
		o->window = o->n * OUT_MAX;
	return 0;
}

int main(int argc, char **argv)
{
	struct run *R;
	int code;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "ca"))
		return ident_make_ca_dir(argv[2]) ? 1 : 0;
	if (argc < 2 || strcmp(argv[1], "run")) {
		usage(argc > 1 && !strcmp(argv[1], "-h") ? stdout : stderr);
		return argc > 1 && !strcmp(argv[1], "-h") ? 0 : 2;
	}
	R = calloc(1, sizeof(*R));
	if (!R)
		return 1;
	if (parse_run(argc - 1, argv + 1, &R->o)) {
		usage(stderr);
		free(R);
		return 2;
	}
	R->ss = calloc(R->o.n, sizeof(*R->ss));
	if (!R->ss || ident_load_ca(R->o.dir, &R->ca) || make_identities(R) ||
	    add_subscribers(R))
		return 1;
	R->fd = link_connect(R->o.link, R->bsid);
	if (R->fd < 0)
		return 1;
	if (storm(R))
		return 1;
	if (R->o.duration && !R->c.lost && !R->c.mismatched && sustained(R))
		return 1;
	if (expect_silence(R))
		return 1;
	if (R->o.state && write_state(R))
		return 1;
	code = report(R);
	for (unsigned int i = 0; i < R->o.n; i++) {
		OPENSSL_cleanse(&R->ss[i].keys, sizeof(R->ss[i].keys));
		OPENSSL_cleanse(R->ss[i].tek, sizeof(R->ss[i].tek));
		EVP_PKEY_free(R->ss[i].key);
		OPENSSL_free(R->ss[i].cert);
		free(R->ss[i].req);
		free(R->ss[i].reply);
	}
	EVP_PKEY_free(R->bs_pub);
	free(R->bs_cert);
	free(R->lat_us);
	free(R->kernel_teks);
	free(R->ss);
	ident_free_ca(&R->ca);
	close(R->fd);
	free(R);
	return code;
}
