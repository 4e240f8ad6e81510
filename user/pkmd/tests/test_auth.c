// SPDX-License-Identifier: GPL-2.0
/*
 * Authorization, BS and SS in one process: auth.c and its state machine
 * with real certificates, signatures and AKs, and everything around them
 * (sending, the database, timers, the clock) replaced by this file.
 * What the BS sends is built and parsed as on the air and handed to the
 * SS, and the other way round, so a test can keep a copy and replay it.
 *
 *  - a signed Auth Invalid captured once and replayed to another SS, or
 *    to the same SS after it has authorized again, changes nothing; a
 *    fresh one is acted on once, and another within the hold-off not;
 *  - replayed Auth Requests (old ones with their own SS-Random, and the
 *    latest one again) cost the BS at most a few verifications and AKs,
 *    and never replace the AK a reauthorizing SS is about to use;
 *  - the SS schedules its reauthorization from the BS's AK lifetime and
 *    grace time, not from its own defaults.
 *
 * The clock is the test's (now_mono_ms wrapped); signature checks and
 * log lines are counted and kept through wrappers too (the Makefile's
 * test_auth_LDFLAGS).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../../pkm/tests/testcert.h"
#include "bs/bs.h"
#include "config.h"
#include "kernel.h"
#include "log.h"
#include "pkm.h"
#include "ss/ss.h"
#include "tap.h"

#define N_SS		2
#define REPLAYS		20

static struct tc_cert ca, bs_cert, ss_cert[N_SS], rogue;
static struct config bs_cfg, ss_cfg;
static struct kernel kern;
static struct bs bs;
static struct station stations[N_SS];
static struct subscriber subs[N_SS];
static struct ss sss[N_SS];

/* The fake monotonic clock. */
static int64_t clock_ms = 1000000;

int64_t __wrap_now_mono_ms(void);
int64_t __wrap_now_mono_ms(void)
{
	return clock_ms;
}

/* Signature and digest checks, counted. */
static unsigned int verifications;
int __real_pkm_msg_verify(struct pkm_msg *m, const struct pkm_verifier *v);
int __wrap_pkm_msg_verify(struct pkm_msg *m, const struct pkm_verifier *v);
int __wrap_pkm_msg_verify(struct pkm_msg *m, const struct pkm_verifier *v)
{
	verifications++;
	return __real_pkm_msg_verify(m, v);
}

/* The log: every line printed as a TAP comment and kept for a search. */
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
	if (log_len + strlen(line) + 2 < sizeof(log_text)) {
		memcpy(log_text + log_len, line, strlen(line));
		log_len += strlen(line);
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

/* What each side sent last, as on the air. */
struct frame {
	uint8_t buf[PKM_MSG_MAX];
	size_t len;
	unsigned int count;		/* messages sent so far */
};
static struct frame from_bs, from_ss[N_SS];

/* Stubs of the daemon around auth.c. */

int bs_send(struct bs *b, struct station *st, struct pkm_msg *m,
	    struct bs_ak *ak)
{
	struct pkm_seal seal = { .sign_key = b->key };

	(void)st;
	if (ak) {
		seal.cmac_key = ak->keys.cmac_down;
		seal.pn = ak->tx_pn++;
	}
	if (pkm_msg_build(m, &seal, from_bs.buf, sizeof(from_bs.buf),
			  &from_bs.len))
		return -1;
	from_bs.count++;
	return 0;
}

int ss_send(struct ss *ss, struct pkm_msg *m)
{
	struct pkm_seal seal = { .sign_key = ss->key };
	struct frame *f = &from_ss[ss - sss];

	if (pkm_msg_build(m, &seal, f->buf, sizeof(f->buf), &f->len))
		return -1;
	f->count++;
	return 0;
}

uint8_t ss_next_id(struct ss *ss)
{
	return ++ss->next_pkm_id;
}

const char *ss_sa_label(const struct ss_sa *sa)
{
	(void)sa;
	return "SA";
}

void ss_sa_remove(struct ss_sa *sa)
{
	(void)sa;
}

void ss_tek_event(struct ss_sa *sa, enum tek_event ev,
		  struct ss_key_material *km)
{
	(void)sa;
	(void)ev;
	(void)km;
}

static unsigned int ak_saves;
int store_ak_save(struct store *st, const struct store_ak *ak)
{
	(void)st;
	(void)ak;
	ak_saves++;
	return 0;
}

struct subscriber *bs_subscriber_by_cn(struct bs *b, const char *cn)
{
	(void)b;
	for (int i = 0; i < N_SS; i++)
		if (!strcmp(subs[i].rec.cn, cn))
			return &subs[i];
	return NULL;
}

void bs_ak_wipe(struct bs_ak *ak)
{
	OPENSSL_cleanse(ak, sizeof(*ak));
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

/* Delivery */

/* The BS's last message to SS i, parsed as the SS's receive path does. */
static int deliver_to_ss(int i, const struct frame *f)
{
	struct pkm_msg m;
	uint8_t copy[PKM_MSG_MAX];

	memcpy(copy, f->buf, f->len);
	if (pkm_msg_parse(copy, f->len, &m))
		return -1;
	ss_auth_rx(&sss[i], &m);
	return 0;
}

static int deliver_to_bs(int i, const struct frame *f)
{
	struct pkm_msg m;
	uint8_t copy[PKM_MSG_MAX];

	memcpy(copy, f->buf, f->len);
	if (pkm_msg_parse(copy, f->len, &m) || m.code != PKM_AUTH_REQUEST)
		return -1;
	bs_auth_request(&bs, &stations[i], &m);
	return 0;
}

/* SS i's Auth Request (just sent) to the BS and its answer back. */
static bool exchange(int i)
{
	unsigned int sent = from_bs.count;

	if (deliver_to_bs(i, &from_ss[i]) || from_bs.count != sent + 1)
		return false;
	return !deliver_to_ss(i, &from_bs) &&
	       sss[i].auth_state == AUTH_AUTHORIZED;
}

/* The BS's AK for the station that the SS holds, if they agree. */
static bool same_ak(int i)
{
	const struct bs_ak *p = &stations[i].ak[STORE_AK_PENDING];

	return p->valid && p->seq == sss[i].ak.seq &&
	       !memcmp(p->keys.cmac_up, sss[i].ak.keys.cmac_up,
		       sizeof(p->keys.cmac_up));
}

/* An Auth Request naming SS i, with a certificate and an SS-Random. */
static void request_with(int i, const struct tc_cert *c, struct frame *f)
{
	struct pkm_msg m = { .code = PKM_AUTH_REQUEST, .id = 200 };
	struct pkm_auth_request *r = &m.u.auth_req;
	struct pkm_seal seal = { .sign_key = c->key };

	r->ss_cert = (struct pkm_bytes){ c->der, c->der_len };
	r->caps.version = PKM_VERSION_1;
	r->caps.n_suites = 1;
	r->caps.suites[0] = (struct pkm_crypto_suite){
		PKM_DATA_ENC_AES_CCM_128, PKM_DATA_AUTH_AEAD,
		PKM_TEK_ENC_AES_KW_128 };
	r->basic_said = station_basic_cid(&stations[i]);
	memcpy(r->ss_mac, stations[i].mac, MAC_LEN);
	pkm_random(r->ss_random, sizeof(r->ss_random));
	if (pkm_msg_build(&m, &seal, f->buf, sizeof(f->buf), &f->len))
		f->len = 0;
}

/* One SS i could have sent some time ago. */
static void old_request(int i, struct frame *f)
{
	request_with(i, &ss_cert[i], f);
}

/* Setup */

static int setup(void)
{
	static struct config_timers bs_timers = {
		.authorize_wait = 10, .reauthorize_wait = 10,
		.auth_grace = 30, .operational_wait = 10, .rekey_wait = 10,
		.tek_grace = 60, .auth_reject_wait = 60,
	};

	if (tc_make(&ca, "auth test CA", tc_key_ec(), NULL, TC_CA, -1, 30) ||
	    tc_make(&bs_cert, "bs-auth", tc_key_ec(), &ca, TC_BS, -1, 30) ||
	    tc_make(&ss_cert[0], "ss-auth-0", tc_key_rsa(2048), &ca, TC_SS, -1, 30) ||
	    tc_make(&ss_cert[1], "ss-auth-1", tc_key_rsa(2048), &ca, TC_SS, -1, 30) ||
	    tc_make(&rogue, "ss-auth-1", tc_key_ec(), NULL, TC_CA, -1, 30))
		return -1;

	/* A BS that gives a short AK lifetime and its own grace time. */
	bs_cfg.role = ROLE_BS;
	bs_cfg.ak_lifetime = 120;
	bs_cfg.unicast_suite = PKM_DATA_ENC_AES_CCM_128;
	bs_cfg.timers = bs_timers;
	memcpy(kern.bsid, "\x02\x16\x00\x00\x00\x01", MAC_LEN);
	bs.cfg = &bs_cfg;
	bs.kernel = &kern;
	bs.key = bs_cert.key;
	bs.cert_der = bs_cert.der;
	bs.cert_len = bs_cert.der_len;
	bs.trust.store = X509_STORE_new();
	if (!bs.trust.store || !X509_STORE_add_cert(bs.trust.store, ca.x))
		return -1;

	/* SSs whose own grace time is the default, 600 s. */
	ss_cfg.role = ROLE_SS;
	ss_cfg.n_suites = 1;
	ss_cfg.suites[0] = PKM_DATA_ENC_AES_CCM_128;
	ss_cfg.timers = bs_timers;
	ss_cfg.timers.auth_grace = 600;
	snprintf(ss_cfg.bs_name, sizeof(ss_cfg.bs_name), "bs-auth");
	for (int i = 0; i < N_SS; i++) {
		struct station *st = &stations[i];
		struct ss *ss = &sss[i];

		memcpy(st->mac, "\x02\x16\x00\x00\x01\x00", MAC_LEN);
		st->mac[5] = (uint8_t)(0x10 + i);
		st->index = (uint16_t)(i + 1);
		memcpy(subs[i].rec.mac, st->mac, MAC_LEN);
		snprintf(subs[i].rec.cn, sizeof(subs[i].rec.cn), "ss-auth-%d", i);

		ss->cfg = &ss_cfg;
		ss->key = ss_cert[i].key;
		ss->cert_der = ss_cert[i].der;
		ss->cert_len = ss_cert[i].der_len;
		memcpy(ss->mac, st->mac, MAC_LEN);
		memcpy(ss->bsid, kern.bsid, MAC_LEN);
		ss->basic_cid = station_basic_cid(st);
		ss->trust.store = X509_STORE_new();
		if (!ss->trust.store ||
		    !X509_STORE_add_cert(ss->trust.store, ca.x))
			return -1;
		ss_auth_init(ss);
	}
	return 0;
}

/* The tests */

static void test_authorize(void)
{
	for (int i = 0; i < N_SS; i++) {
		ss_auth_event(&sss[i], AUTH_EV_COMM_ESTABLISHED);
		ok(exchange(i) && same_ak(i), "SS %d authorized, AK %u", i,
		   sss[i].ak.seq);
	}
}

/* C: the reauthorization a grace time before expiry, the BS's. */
static void test_reauth_delay(void)
{
	int64_t due = sss[0].auth_grace_timer.due_ms - clock_ms;

	ok(sss[0].auth_grace_timer.heap_slot != 0, "the auth grace timer runs");
	is_int(sss[0].timers.auth_grace, 30, "the SS took the BS's grace time");
	is_int(due, (120 - 30) * 1000,
	       "reauthorization at the BS's AK lifetime less the BS's grace time (120 - 30 s), not from the SS's own 600 s");
}

/* A: signed Auth Invalid, replayed. */
static void test_auth_invalid_replay(void)
{
	struct frame captured, fresh;
	unsigned int requests[N_SS];
	struct pkm_msg m;

	clock_ms += 60 * 1000;
	for (int i = 0; i < N_SS; i++)
		requests[i] = from_ss[i].count;

	/* The BS tells SS 0 its AK is unknown; an attacker keeps a copy. */
	log_clear();
	bs_auth_invalid(&bs, &stations[0], "test");
	captured = from_bs;
	ok(captured.count && !pkm_msg_parse(captured.buf, captured.len, &m) &&
	   m.code == PKM_AUTH_INVALID && m.authn == PKM_AUTHN_SIG_BS,
	   "the BS sends a signed Auth Invalid");
	ok(!memcmp(m.u.auth_inv.ss_mac, stations[0].mac, MAC_LEN) &&
	   !memcmp(m.u.auth_inv.ss_random, sss[0].nonce, PKM_SS_RANDOM_LEN),
	   "bound to SS 0's MAC address and latest SS-Random");

	/* (a) to another SS. */
	deliver_to_ss(1, &captured);
	ok(sss[1].auth_state == AUTH_AUTHORIZED &&
	   from_ss[1].count == requests[1],
	   "(a) SS 1 ignores SS 0's Auth Invalid: still authorized, no Auth Request");
	ok(log_has("signed Auth Invalid for another SS (02:16:00:00:01:10)"),
	   "(a) and says why");

	/* The genuine delivery: SS 0 authorizes again. */
	deliver_to_ss(0, &captured);
	ok(sss[0].auth_state == AUTH_REAUTH_WAIT &&
	   from_ss[0].count == requests[0] + 1,
	   "SS 0 acts on its own: reauthorizes");
	ok(exchange(0) && same_ak(0), "and is authorized again");
	requests[0] = from_ss[0].count;

	/* (b) the same copy again to SS 0, now on a new SS-Random. */
	clock_ms += 5 * 60 * 1000;	/* past any hold-off */
	log_clear();
	deliver_to_ss(0, &captured);
	ok(sss[0].auth_state == AUTH_AUTHORIZED &&
	   from_ss[0].count == requests[0],
	   "(b) the copy replayed to SS 0 after it reauthorized changes nothing");
	ok(log_has("for an earlier Auth Request of ours"), "(b) and says why");

	/* (c) a fresh one is acted on once; another soon after is not. */
	bs_auth_invalid(&bs, &stations[0], "test");
	fresh = from_bs;
	deliver_to_ss(0, &fresh);
	ok(sss[0].auth_state == AUTH_REAUTH_WAIT &&
	   from_ss[0].count == requests[0] + 1,
	   "(c) a fresh Auth Invalid bound to the new SS-Random is acted on");
	ok(exchange(0) && same_ak(0), "(c) SS 0 is authorized again");
	requests[0] = from_ss[0].count;

	clock_ms += 15 * 1000;		/* past the BS's own limit */
	log_clear();
	bs_auth_invalid(&bs, &stations[0], "test");
	fresh = from_bs;
	ok(!pkm_msg_parse(fresh.buf, fresh.len, &m) &&
	   !memcmp(m.u.auth_inv.ss_random, sss[0].nonce, PKM_SS_RANDOM_LEN),
	   "(c) 15 s later the BS sends another, bound to the newest SS-Random");
	deliver_to_ss(0, &fresh);
	ok(sss[0].auth_state == AUTH_AUTHORIZED &&
	   from_ss[0].count == requests[0],
	   "(c) SS 0 does not act on it: it acted on one 15 s ago");
	ok(log_has("hold-off"), "(c) and logs the hold-off");

	/* Nor on a digested one within the hold-off. */
	log_clear();
	stations[0].ak[STORE_AK_PENDING].tx_pn = 1000;
	memset(&m, 0, sizeof(m));
	m.code = PKM_AUTH_INVALID;
	m.u.auth_inv.has_ak_seq = true;
	m.u.auth_inv.ak_seq = sss[0].ak.seq;
	m.u.auth_inv.error = PKM_EC_UNAUTHORIZED_SS;
	bs_send(&bs, &stations[0], &m, &stations[0].ak[STORE_AK_PENDING]);
	deliver_to_ss(0, &from_bs);
	ok(sss[0].auth_state == AUTH_AUTHORIZED &&
	   from_ss[0].count == requests[0],
	   "(c) nor on a digested Auth Invalid under its AK within the hold-off");
	ok(log_has("hold-off"), "(c) which verified, and was held off");

	/* After the hold-off, a genuine one works again. */
	clock_ms += 5 * 60 * 1000;
	bs_auth_invalid(&bs, &stations[0], "test");
	deliver_to_ss(0, &from_bs);
	ok(sss[0].auth_state == AUTH_REAUTH_WAIT,
	   "after the hold-off a fresh Auth Invalid is acted on again");
	ok(exchange(0) && same_ak(0), "and SS 0 is authorized again");
}

/* B: replayed Auth Requests. */
static void test_auth_request_replay(void)
{
	static struct frame old[REPLAYS];
	struct frame latest, forged;
	unsigned int v0, s0, sent0;

	clock_ms += 10 * 60 * 1000;
	for (int k = 0; k < REPLAYS; k++)
		old_request(1, &old[k]);
	ok(old[REPLAYS - 1].len, "%d old Auth Requests of SS 1, each with its own SS-Random",
	   REPLAYS);

	/* Distinct old requests, as fast as the attacker likes. */
	v0 = verifications;
	s0 = ak_saves;
	sent0 = from_bs.count;
	log_clear();
	for (int k = 0; k < REPLAYS; k++)
		deliver_to_bs(1, &old[k]);
	diag("distinct old requests");
	ok(verifications - v0 <= AUTH_REQUEST_BURST,
	   "%d distinct old Auth Requests: %u signature checks (at most %d)",
	   REPLAYS, verifications - v0, AUTH_REQUEST_BURST);
	ok(ak_saves - s0 <= AUTH_REQUEST_BURST,
	   "and %u AKs issued (at most %d)", ak_saves - s0, AUTH_REQUEST_BURST);
	ok(from_bs.count - sent0 <= AUTH_REQUEST_BURST,
	   "and %u answers sent (at most %d)", from_bs.count - sent0,
	   AUTH_REQUEST_BURST);
	ok(log_has("Auth Request"), "the BS logs the dropped requests");

	/* Certificates of no trusted CA: each would cost a signed reject. */
	clock_ms += 10 * 60 * 1000;
	sent0 = from_bs.count;
	for (int k = 0; k < REPLAYS; k++) {
		request_with(1, &rogue, &forged);
		deliver_to_bs(1, &forged);
	}
	ok(from_bs.count - sent0 <= AUTH_REQUEST_BURST,
	   "%d Auth Requests naming SS 1 with an untrusted certificate: %u Auth Rejects signed (at most %d)",
	   REPLAYS, from_bs.count - sent0, AUTH_REQUEST_BURST);
	ok(log_has("too many (rate limit)"), "the BS logs the rate limit");

	/* The same ones again: remembered, nothing verified. */
	clock_ms += 10 * 60 * 1000;
	v0 = verifications;
	for (int k = 0; k < REPLAYS; k++)
		deliver_to_bs(1, &old[k]);
	ok(verifications - v0 <= AUTH_REQUEST_BURST,
	   "replayed once more later: %u signature checks (at most %d)",
	   verifications - v0, AUTH_REQUEST_BURST);

	/* SS 1's latest request, replayed (it looks like a retransmission). */
	clock_ms += 10 * 60 * 1000;
	ss_auth_event(&sss[1], AUTH_EV_GRACE_TIMEOUT);
	ok(exchange(1) && same_ak(1), "SS 1 reauthorizes");
	latest = from_ss[1];
	v0 = verifications;
	s0 = ak_saves;
	for (int k = 0; k < REPLAYS; k++)
		deliver_to_bs(1, &latest);
	ok(verifications - v0 <= AUTH_REQUEST_BURST,
	   "its latest Auth Request replayed %d times: %u signature checks (at most %d)",
	   REPLAYS, verifications - v0, AUTH_REQUEST_BURST);
	is_int(ak_saves - s0, 0, "and no AK issued");
	ok(same_ak(1), "SS 1 keeps its AK");
	clock_ms += 10 * 60 * 1000;
	deliver_to_bs(1, &latest);
	ok(same_ak(1), "a retransmission later is answered with the same AK");

	/* SS 0 in the middle of a reauthorization. */
	clock_ms += 10 * 60 * 1000;
	ss_auth_event(&sss[0], AUTH_EV_GRACE_TIMEOUT);
	ok(sss[0].auth_state == AUTH_REAUTH_WAIT, "SS 0 reauthorizes");
	sent0 = from_bs.count;
	deliver_to_bs(0, &from_ss[0]);
	ok(from_bs.count == sent0 + 1, "the BS answers with a new pending AK");
	latest = from_bs;		/* the Auth Reply, still on its way */
	old_request(0, &old[0]);
	deliver_to_bs(0, &old[0]);
	deliver_to_ss(0, &latest);
	ok(sss[0].auth_state == AUTH_AUTHORIZED && same_ak(0),
	   "an old Auth Request of SS 0 replayed meanwhile does not replace the AK SS 0 takes");
}

int main(void)
{
	log_set_level(LOG_LVL_DEBUG);
	if (setup()) {
		printf("Bail out! cannot set up\n");
		return 1;
	}
	test_authorize();
	test_reauth_delay();
	test_auth_invalid_replay();
	test_auth_request_replay();
	for (int i = 0; i < N_SS; i++) {
		ss_auth_stop(&sss[i]);
		ss_bs_unpin(&sss[i]);
		trust_close(&sss[i].trust);
		tc_free(&ss_cert[i]);
	}
	trust_close(&bs.trust);
	tc_free(&rogue);
	tc_free(&bs_cert);
	tc_free(&ca);
	return tap_finish();
}
