// SPDX-License-Identifier: GPL-2.0
/*
 * The SS's SA-Descriptors (ss/ss_auth.c, ss/ss_keys.c): where the suite
 * and SAID of each SA come from.  One SS with its authorization and TEK
 * state machines; the BS is this file, which builds its Auth Replies,
 * Key Replies and Key Rejects as on the air (signed, digested, TEKs
 * wrapped) and hands them to the SS.  The SS has a unicast SA and groups
 * 1, 15 and 16; the Auth Replies describe unicast and group 1 only, as
 * when there are more groups than an Auth Reply has room for.
 *
 *  - a group with no descriptor asks for SAID 0 and takes the Key
 *    Reply's descriptor and SAID, even if the kernel then refuses the
 *    keys; a descriptor naming a SAID another SA of ours holds is
 *    refused, and said so;
 *  - at each Auth Reply an SA it describes takes its descriptor (a
 *    changed suite), and one it leaves out forgets the one it had, a Key
 *    Reply's or an earlier Auth Reply's: its next Key Request is for
 *    SAID 0 again and it takes the fresh descriptor (another suite, or
 *    another SAID, the old one leaving the kernel); a Key Reject to that
 *    request stops the SA;
 *  - an SA an Auth Reply describes again asks by that SAID.
 *
 * Before the fixes a descriptor learned from a Key Reply (or from an
 * earlier Auth Reply) was kept for good: its old suite, ICV failures
 * once the BS changed it.  A conflicting SAID was taken over (its keys
 * installed on the other SA's), and the SAID was taken only from
 * installed keys.
 *
 * The clock and the log go through the test's wrappers (the Makefile's
 * test_ss_desc_LDFLAGS); the SS's sending and the kernel are stubs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../../pkm/tests/testcert.h"
#include "config.h"
#include "log.h"
#include "pkm.h"
#include "ss/ss.h"
#include "tap.h"

#define CCM	PKM_DATA_ENC_AES_CCM_128
#define GCM	PKM_DATA_ENC_AES_GCM_128
#define UNICAST_SAID	0x2001
#define G1_SAID		0x3001
#define G15_SAID	0x300f
#define G15_MOVED	0x301f
#define G16_SAID	0x3010

enum { SA_UNICAST, SA_G1, SA_G15, SA_G16, N_SAS };

static struct tc_cert ca, bs_cert, ss_cert;
static struct config cfg;
static struct ss ss;
static struct ss_sa sas[N_SAS];

static int64_t clock_ms = 1000000;

int64_t __wrap_now_mono_ms(void);
int64_t __wrap_now_mono_ms(void)
{
	return clock_ms;
}

/* The log: every line printed as a TAP comment and counted. */
static char log_text[1 << 16];
static size_t log_len;
void __wrap_log_msg(enum log_level level, const char *fmt, ...);
void __wrap_log_msg(enum log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	(void)level;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	printf("#   log: %s\n", line);
	n = (int)strlen(line);
	if (log_len + (size_t)n + 2 < sizeof(log_text)) {
		memcpy(log_text + log_len, line, (size_t)n);
		log_len += (size_t)n;
		log_text[log_len++] = '\n';
		log_text[log_len] = 0;
	}
}

static void log_clear(void)
{
	log_len = 0;
	log_text[0] = 0;
}

static bool log_has(const char *needle)
{
	return strstr(log_text, needle) != NULL;
}

/* The SS's side of ss.c, stubbed: what it sends and installs is kept. */

static struct pkm_msg sent;		/* the SS's last message */
static struct pkm_key_request requests[N_SAS];	/* each SA's last */

int ss_send(struct ss *s, struct pkm_msg *m)
{
	const struct pkm_key_request *r = &m->u.key_req;

	sent = *m;
	for (size_t i = 0; m->code == PKM_KEY_REQUEST && i < s->n_sas; i++)
		if (s->sas[i].service == r->service &&
		    s->sas[i].group_id == r->group_id)
			requests[i] = *r;
	return 0;
}

uint8_t ss_next_id(struct ss *s)
{
	return ++s->next_pkm_id;
}

/* The kernel: installs (or refuses, install_err) and removals. */
static int install_err;
static unsigned int installs, removals;
static struct { uint16_t said; uint8_t suite; } installed[N_SAS];

int ss_sa_install(struct ss_sa *sa, struct ss_key_material *km)
{
	if (install_err)
		return install_err;
	installs++;
	installed[sa - sas].said = km->said;
	installed[sa - sas].suite = km->suite;
	sa->said = km->said;
	sa->suite = km->suite;
	sa->in_kernel = true;
	return 0;
}

void ss_sa_remove(struct ss_sa *sa)
{
	removals++;
	sa->in_kernel = false;
	installed[sa - sas].said = 0;
}

void timer_init(struct timer *t, const char *name,
		void (*fire)(struct timer *t))
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->fire = fire;
}

void timer_start(struct timer *t, int64_t delay_ms)
{
	t->due_ms = clock_ms + (delay_ms > 0 ? delay_ms : 0);
	t->heap_slot = 1;
}

void timer_stop(struct timer *t)
{
	t->heap_slot = 0;
}

/* The BS */

static uint8_t next_ak_seq;
static uint32_t bs_pn = 1;

static struct pkm_sa_desc desc_of(uint16_t said, uint8_t data_enc,
				  uint8_t service, uint8_t group)
{
	return (struct pkm_sa_desc){
		.said = said,
		.sa_type = service == PKM_SERVICE_UNICAST ? PKM_SA_PRIMARY :
			   PKM_SA_STATIC,
		.suite = crypto_suite(data_enc),
		.has_service = true, .service = service,
		.has_group = service == PKM_SERVICE_MULTICAST,
		.group_id = group,
	};
}

/* Builds m as the BS sends it, parses it as the SS receives it. */
static bool on_air(const struct pkm_msg *m, const struct pkm_seal *seal,
		   uint8_t *buf, struct pkm_msg *out)
{
	size_t len;

	return !pkm_msg_build(m, seal, buf, PKM_MSG_MAX, &len) &&
	       !pkm_msg_parse(buf, len, out);
}

/* An Auth Reply to the SS's latest Auth Request, describing descs. */
static bool auth_reply(const struct pkm_sa_desc *descs, size_t n)
{
	static uint8_t buf[PKM_MSG_MAX];
	struct pkm_msg m = { .code = PKM_AUTH_REPLY, .id = ss.auth_request_id };
	struct pkm_auth_reply *r = &m.u.auth_rep;
	struct pkm_seal seal = { .sign_key = bs_cert.key };
	uint8_t ak[PKM_AK_LEN], enc[512];
	struct pkm_msg rx;
	size_t enc_len;

	if (pkm_random(ak, sizeof(ak)) ||
	    pkm_ak_encrypt(ss_cert.key, ak, sizeof(ak), enc, sizeof(enc),
			   &enc_len))
		return false;
	OPENSSL_cleanse(ak, sizeof(ak));
	r->enc_ak = (struct pkm_bytes){ enc, enc_len };
	r->ak_lifetime = 3600;
	r->ak_seq = next_ak_seq++ & 15;
	r->n_sa = n;
	memcpy(r->sa, descs, n * sizeof(descs[0]));
	memcpy(r->ss_random, ss.nonce, sizeof(r->ss_random));
	r->bs_cert = (struct pkm_bytes){ bs_cert.der, bs_cert.der_len };
	if (!on_air(&m, &seal, buf, &rx))
		return false;
	ss_auth_rx(&ss, &rx);
	return ss.auth_state == AUTH_AUTHORIZED && ss.ak.seq == r->ak_seq;
}

/* The Key Reply to sa's outstanding request, for said, with desc if given. */
static bool key_reply(const struct ss_sa *sa, uint16_t said,
		      const struct pkm_sa_desc *desc)
{
	static uint8_t buf[PKM_MSG_MAX];
	struct pkm_msg m = { .code = PKM_KEY_REPLY, .id = sa->request_id };
	struct pkm_key_reply *r = &m.u.key_rep;
	struct pkm_seal seal = { .cmac_key = ss.ak.keys.cmac_down,
				 .pn = bs_pn++ };
	uint8_t tek[PKM_KEY_LEN];
	struct pkm_msg rx;

	r->ak_seq = ss.ak.seq;
	r->said = said;
	for (int i = 0; i < 2; i++) {
		memset(tek, 0x40 + i, sizeof(tek));
		r->tek[i].eks = (uint8_t)i;
		r->tek[i].lifetime = 3600u * (unsigned int)(i + 1);
		if (pkm_tek_params_wrap(&r->tek[i], ss.ak.keys.kek, tek))
			return false;
	}
	if (desc) {
		r->has_sa_desc = true;
		r->sa_desc = *desc;
	}
	if (!on_air(&m, &seal, buf, &rx))
		return false;
	ss_keys_rx(&ss, &rx);
	return true;
}

static bool key_reject(const struct ss_sa *sa, uint16_t said, uint8_t error)
{
	static uint8_t buf[PKM_MSG_MAX];
	struct pkm_msg m = { .code = PKM_KEY_REJECT, .id = sa->request_id };
	struct pkm_seal seal = { .cmac_key = ss.ak.keys.cmac_down,
				 .pn = bs_pn++ };
	struct pkm_msg rx;

	m.u.key_rej.ak_seq = ss.ak.seq;
	m.u.key_rej.said = said;
	m.u.key_rej.error = error;
	if (!on_air(&m, &seal, buf, &rx))
		return false;
	ss_keys_rx(&ss, &rx);
	return true;
}

/* sa has a Key Request out, and the latest named said. */
static bool asked(const struct ss_sa *sa, uint16_t said)
{
	const struct pkm_key_request *r = &requests[sa - sas];

	if (!sa->request_outstanding) {
		printf("#   no Key Request out\n");
		return false;
	}
	if (r->said != said)
		printf("#   Key Request for SAID 0x%04x\n", r->said);
	return r->said == said;
}

/*
 * The SA's refresh timer (ss.c): a Key Request, after a failed install
 * through TEK Invalid.
 */
static void refresh(struct ss_sa *sa)
{
	ss_tek_event(sa, sa->in_kernel ? TEK_EV_REFRESH_TIMEOUT :
			 TEK_EV_TEK_INVALID, NULL);
}

/*
 * A reauthorization (the auth grace timer), answered describing descs.
 * The SAs stay operational: their next Key Requests come with their
 * refreshes.
 */
static bool reauthorize(const struct pkm_sa_desc *descs, size_t n)
{
	ss_auth_event(&ss, AUTH_EV_GRACE_TIMEOUT);
	return ss.auth_state == AUTH_REAUTH_WAIT &&
	       sent.code == PKM_AUTH_REQUEST && auth_reply(descs, n);
}

/* Setup */

static int setup(void)
{
	static const struct config_timers timers = {
		.authorize_wait = 10, .reauthorize_wait = 10,
		.auth_grace = 60, .operational_wait = 10, .rekey_wait = 10,
		.tek_grace = 60, .auth_reject_wait = 60,
	};
	static const struct { uint8_t service, group; } what[N_SAS] = {
		[SA_UNICAST] = { PKM_SERVICE_UNICAST, 0 },
		[SA_G1] = { PKM_SERVICE_MULTICAST, 1 },
		[SA_G15] = { PKM_SERVICE_MULTICAST, 15 },
		[SA_G16] = { PKM_SERVICE_MULTICAST, 16 },
	};

	if (tc_make(&ca, "desc test CA", tc_key_ec(), NULL, TC_CA, -1, 30) ||
	    tc_make(&bs_cert, "bs-desc", tc_key_ec(), &ca, TC_BS, -1, 30) ||
	    tc_make(&ss_cert, "ss-desc", tc_key_rsa(2048), &ca, TC_SS, -1, 30))
		return -1;
	cfg.role = ROLE_SS;
	cfg.n_suites = 2;
	cfg.suites[0] = CCM;
	cfg.suites[1] = GCM;
	cfg.timers = timers;
	ss.cfg = &cfg;
	ss.key = ss_cert.key;
	ss.cert_der = ss_cert.der;
	ss.cert_len = ss_cert.der_len;
	memcpy(ss.mac, "\x02\x16\x00\x00\x02\x01", MAC_LEN);
	memcpy(ss.bsid, "\x02\x16\x00\x00\x00\x01", MAC_LEN);
	ss.basic_cid = 1;
	ss.trust.store = X509_STORE_new();
	if (!ss.trust.store || !X509_STORE_add_cert(ss.trust.store, ca.x))
		return -1;
	for (int i = 0; i < N_SAS; i++) {
		sas[i].ss = &ss;
		sas[i].state = TEK_START;
		sas[i].service = what[i].service;
		sas[i].has_group = what[i].service == PKM_SERVICE_MULTICAST;
		sas[i].group_id = what[i].group;
		timer_init(&sas[i].retx_timer, "key-request-retransmission",
			   NULL);
		timer_init(&sas[i].refresh_timer, "tek-refresh", NULL);
	}
	ss.sas = sas;
	ss.n_sas = N_SAS;
	ss_auth_init(&ss);
	return 0;
}

/* The tests */

static struct pkm_sa_desc auth_descs[2];

static void test_first_keys(void)
{
	struct ss_sa *g15 = &sas[SA_G15], *g16 = &sas[SA_G16];
	struct pkm_sa_desc d;

	auth_descs[0] = desc_of(UNICAST_SAID, CCM, PKM_SERVICE_UNICAST, 0);
	auth_descs[1] = desc_of(G1_SAID, CCM, PKM_SERVICE_MULTICAST, 1);
	ss_auth_event(&ss, AUTH_EV_COMM_ESTABLISHED);
	if (!ok(sent.code == PKM_AUTH_REQUEST && auth_reply(auth_descs, 2),
		"authorized by an Auth Reply describing unicast and group 1"))
		return;
	ok(sas[SA_UNICAST].said == UNICAST_SAID && sas[SA_G1].said == G1_SAID &&
	   !g15->said && !g15->desc.has_service && !g16->desc.has_service,
	   "SAIDs of the SAs described; groups 15 and 16 have no descriptor");
	ok(key_reply(&sas[SA_UNICAST], UNICAST_SAID, NULL) &&
	   key_reply(&sas[SA_G1], G1_SAID, NULL) &&
	   installed[SA_UNICAST].suite == CCM && installed[SA_G1].suite == CCM,
	   "unicast and group 1 keyed, the Auth Reply's suite");

	/* Group 15: SAID 0, described by the Key Reply. */
	ok(asked(g15, 0), "group 15 asked for SAID 0");
	d = desc_of(G15_SAID, CCM, PKM_SERVICE_MULTICAST, 15);
	log_clear();
	ok(key_reply(g15, G15_SAID, &d) && g15->said == G15_SAID &&
	   g15->desc.has_service && installed[SA_G15].said == G15_SAID &&
	   installed[SA_G15].suite == CCM,
	   "group 15 takes the Key Reply's descriptor: SAID 0x%04x, keys installed",
	   G15_SAID);
	ok(log_has("SAID 0x0000 (group 15): SAID 0x300f described by the Key Reply"),
	   "and says so");

	/* Group 16: a descriptor naming group 1's SAID is refused. */
	ok(asked(g16, 0), "group 16 asked for SAID 0");
	d = desc_of(G1_SAID, CCM, PKM_SERVICE_MULTICAST, 16);
	log_clear();
	installs = 0;
	ok(key_reply(g16, G1_SAID, &d) && !g16->said &&
	   !g16->desc.has_service && !installs &&
	   sas[SA_G1].desc.suite.data_enc == CCM,
	   "group 16: a Key Reply describing SAID 0x%04x, group 1's, is dropped",
	   G1_SAID);
	ok(log_has("SAID 0x0000 (group 16): Key Reply describes SAID 0x3001, which SAID 0x3001 (group 1) holds, dropped"),
	   "and logged");

	/* The right one, whose keys the kernel refuses: the SAID is taken. */
	d = desc_of(G16_SAID, CCM, PKM_SERVICE_MULTICAST, 16);
	install_err = -EIO;
	ok(key_reply(g16, G16_SAID, &d) && g16->said == G16_SAID &&
	   g16->desc.has_service && !g16->in_kernel,
	   "group 16 takes SAID 0x%04x from the descriptor, though the kernel refused the keys",
	   G16_SAID);
	install_err = 0;
}

static void test_reauthorization(void)
{
	struct ss_sa *g1 = &sas[SA_G1], *g15 = &sas[SA_G15], *g16 = &sas[SA_G16];
	struct pkm_sa_desc d;

	/* The BS has moved group 1 and group 15 to GCM. */
	auth_descs[1] = desc_of(G1_SAID, GCM, PKM_SERVICE_MULTICAST, 1);
	log_clear();
	if (!ok(reauthorize(auth_descs, 2), "reauthorized: group 1 now GCM, groups 15 and 16 left out"))
		return;
	ok(g1->desc.suite.data_enc == GCM,
	   "group 1 takes the new Auth Reply's descriptor");
	ok(!g15->desc.has_service && g15->said == G15_SAID,
	   "group 15 forgets the Key Reply's descriptor (its SAID stays, keys in the kernel)");
	ok(log_has("SAID 0x300f (group 15): not described by the Auth Reply"),
	   "and says so");

	refresh(g1);
	ok(asked(g1, G1_SAID) && key_reply(g1, G1_SAID, NULL) &&
	   installed[SA_G1].suite == GCM,
	   "group 1's refresh names its SAID; its new keys are GCM");
	refresh(g15);
	ok(asked(g15, 0), "group 15's refresh asks for SAID 0");
	d = desc_of(G15_SAID, GCM, PKM_SERVICE_MULTICAST, 15);
	ok(key_reply(g15, G15_SAID, &d) && g15->desc.suite.data_enc == GCM &&
	   installed[SA_G15].said == G15_SAID &&
	   installed[SA_G15].suite == GCM,
	   "and takes the Key Reply's fresh descriptor: keys installed GCM");

	/* Group 16 asks for SAID 0 again; the BS refuses now. */
	refresh(g16);
	ok(asked(g16, 0), "group 16 (keys never installed) asks for SAID 0 again");
	ok(key_reject(g16, 0, PKM_EC_UNAUTHORIZED_MCAST_GROUP) &&
	   g16->state == TEK_START &&
	   g16->last_error == PKM_EC_UNAUTHORIZED_MCAST_GROUP,
	   "the Key Reject to SAID 0 stops the SA");
}

static void test_described_again(void)
{
	struct ss_sa *g15 = &sas[SA_G15];
	struct pkm_sa_desc descs[3], d;

	/* An Auth Reply that describes group 15. */
	memcpy(descs, auth_descs, sizeof(auth_descs));
	descs[2] = desc_of(G15_SAID, CCM, PKM_SERVICE_MULTICAST, 15);
	if (!ok(reauthorize(descs, 3), "reauthorized: group 15 described, CCM"))
		return;
	ok(g15->desc.has_service && g15->desc.suite.data_enc == CCM,
	   "group 15 takes the Auth Reply's descriptor");
	refresh(g15);
	ok(asked(g15, G15_SAID) && key_reply(g15, G15_SAID, NULL) &&
	   installed[SA_G15].suite == CCM,
	   "its refresh names SAID 0x%04x; keys installed CCM", G15_SAID);

	/* Left out again, and the BS has moved it to another SAID. */
	if (!ok(reauthorize(auth_descs, 2), "reauthorized: group 15 left out"))
		return;
	ok(!g15->desc.has_service,
	   "group 15 forgets the earlier Auth Reply's descriptor too");
	refresh(g15);
	ok(asked(g15, 0), "its refresh asks for SAID 0");
	d = desc_of(G15_MOVED, GCM, PKM_SERVICE_MULTICAST, 15);
	removals = 0;
	log_clear();
	ok(key_reply(g15, G15_MOVED, &d) && g15->said == G15_MOVED &&
	   removals == 1 && installed[SA_G15].said == G15_MOVED &&
	   installed[SA_G15].suite == GCM,
	   "a Key Reply describing SAID 0x%04x: the old SA leaves the kernel, keys installed on the new",
	   G15_MOVED);
	ok(log_has("the BS now names SAID 0x301f"), "and says so");
}

int main(void)
{
	log_set_level(LOG_LVL_DEBUG);
	if (setup()) {
		printf("Bail out! cannot set up\n");
		return 1;
	}
	test_first_keys();
	test_reauthorization();
	test_described_again();
	ss_auth_stop(&ss);
	ss_bs_unpin(&ss);
	trust_close(&ss.trust);
	tc_free(&ss_cert);
	tc_free(&bs_cert);
	tc_free(&ca);
	return tap_finish();
}
