// SPDX-License-Identifier: GPL-2.0
/*
 * Authorization, both sides.
 *
 * BS: an Auth Request is accepted when its certificate verifies against
 * the CA, its SigSS verifies with that certificate's key, its MAC address
 * is the sender's, and the certificate's CN names an enabled subscriber
 * with that MAC address.  The answer is an AK (random, 160 bits) encrypted
 * to the SS's key, in a signed Auth Reply; the AK stays "pending" until the
 * SS first uses it, and the one it replaces stays valid until then.
 *
 * SS: the authorization state machine of fsm.h, driven by network entry,
 * Auth Reply/Reject/Invalid and its timers.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bs.h"
#include "log.h"
#include "ss.h"

struct pkm_crypto_suite bs_crypto_suite(uint8_t data_enc)
{
	return (struct pkm_crypto_suite){ data_enc, PKM_DATA_AUTH_AEAD,
					  PKM_TEK_ENC_AES_KW_128 };
}

/* BS */

static void bs_auth_reject(struct bs *bs, struct station *st,
			   const struct pkm_msg *req, uint8_t error,
			   const char *why)
{
	struct pkm_msg m = { .code = PKM_AUTH_REJECT, .id = req->id };
	struct pkm_auth_reject *r = &m.u.auth_rej;

	r->error = error;
	str_copy(r->display, sizeof(r->display), why);
	memcpy(r->ss_random, req->u.auth_req.ss_random, sizeof(r->ss_random));
	r->bs_cert.p = bs->cert_der;
	r->bs_cert.len = bs->cert_len;
	log_notice("SS %s: Auth Reject (%u %s: %s)", mac_str(st->mac), error,
		   pkm_error_code_name(error), why);
	bs_send(bs, st, &m, NULL);
}

static bool nonce_seen(struct station *st, const uint8_t nonce[PKM_SS_RANDOM_LEN])
{
	unsigned int n = st->n_nonces < RECENT_NONCES ? st->n_nonces : RECENT_NONCES;

	for (unsigned int i = 0; i < n; i++)
		if (!memcmp(st->recent_nonces[i], nonce, PKM_SS_RANDOM_LEN))
			return true;
	return false;
}

static void nonce_remember(struct station *st,
			   const uint8_t nonce[PKM_SS_RANDOM_LEN])
{
	memcpy(st->recent_nonces[st->n_nonces++ % RECENT_NONCES], nonce,
	       PKM_SS_RANDOM_LEN);
}

/* The SS-Random of the latest Auth Request the BS took from the station. */
static bool nonce_latest(const struct station *st,
			 uint8_t nonce[PKM_SS_RANDOM_LEN])
{
	if (!st->n_nonces)
		return false;
	memcpy(nonce, st->recent_nonces[(st->n_nonces - 1) % RECENT_NONCES],
	       PKM_SS_RANDOM_LEN);
	return true;
}

/*
 * One token of the station's bucket for an Auth Request that is to reach
 * the certificate and signature checks.  auth_bucket_ms is when the next
 * token is due; a bucket left alone fills up to AUTH_REQUEST_BURST.
 */
static bool auth_request_token(struct station *st, int64_t now)
{
	int64_t full = now - (int64_t)AUTH_REQUEST_BURST * AUTH_REQUEST_REFILL_MS;

	if (st->auth_bucket_ms < full)
		st->auth_bucket_ms = full;
	if (now - st->auth_bucket_ms < AUTH_REQUEST_REFILL_MS)
		return false;
	st->auth_bucket_ms += AUTH_REQUEST_REFILL_MS;
	return true;
}

/*
 * A pending AK that the station asked for lately is kept against Auth
 * Requests with another SS-Random: its SS is waiting for it or about to
 * use it.  The SS asks again (same SS-Random) within its authorize or
 * reauthorize wait; twice the longer one lets one retransmission be lost.
 */
static bool pending_guarded(const struct bs *bs, const struct station *st,
			    int64_t now)
{
	const struct config_timers *t = &bs->cfg->timers;
	uint32_t wait = t->authorize_wait > t->reauthorize_wait ?
			t->authorize_wait : t->reauthorize_wait;

	return st->ak[STORE_AK_PENDING].valid && st->pending_asked_ms &&
	       now - st->pending_asked_ms < 2 * (int64_t)wait * 1000;
}

#define AUTH_DROP_LOG_MS	10000

/* An Auth Request dropped before any costly check: few log lines. */
static void auth_request_dropped(struct station *st, int64_t now,
				 const char *why)
{
	st->auth_drops++;
	if (st->auth_drop_log_ms &&
	    now - st->auth_drop_log_ms < AUTH_DROP_LOG_MS)
		return;
	log_warn("SS %s: Auth Request dropped: %s (%u dropped since the last such line)",
		 mac_str(st->mac), why, st->auth_drops);
	st->auth_drop_log_ms = now;
	st->auth_drops = 0;
}

/* The SA descriptors of an Auth Reply: every SA the SS could ask for. */
static size_t sa_descriptors(struct bs *bs, struct station *st,
			     const struct subscriber *sub,
			     struct pkm_sa_desc *descs)
{
	const struct config *cfg = bs->cfg;
	size_t n = 0;

	descs[n++] = (struct pkm_sa_desc){
		.said = station_unicast_said(st), .sa_type = PKM_SA_PRIMARY,
		.suite = bs_crypto_suite(cfg->unicast_suite),
		.has_service = true, .service = PKM_SERVICE_UNICAST,
	};
	if (cfg->has_broadcast)
		descs[n++] = (struct pkm_sa_desc){
			.said = cfg->broadcast_cid, .sa_type = PKM_SA_STATIC,
			.suite = bs_crypto_suite(cfg->broadcast_suite),
			.has_service = true, .service = PKM_SERVICE_BROADCAST,
		};
	/* The subscriber's own groups first, then others while room lasts. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < cfg->n_groups && n < PKM_MAX_SA_DESC; i++) {
			const struct config_group *g = &cfg->groups[i];

			if (group_bit(sub->groups, g->id) != (pass == 0))
				continue;
			descs[n++] = (struct pkm_sa_desc){
				.said = g->cid, .sa_type = PKM_SA_STATIC,
				.suite = bs_crypto_suite(g->suite),
				.has_service = true,
				.service = PKM_SERVICE_MULTICAST,
				.has_group = true, .group_id = g->id,
			};
		}
	}
	return n;
}

static void pkm_config_of(const struct config_timers *t, struct pkm_config *c)
{
	const uint32_t values[PKM_CFG_COUNT] = {
		[PKM_CFG_AUTHORIZE_WAIT - 1] = t->authorize_wait,
		[PKM_CFG_REAUTHORIZE_WAIT - 1] = t->reauthorize_wait,
		[PKM_CFG_AUTH_GRACE - 1] = t->auth_grace,
		[PKM_CFG_OPERATIONAL_WAIT - 1] = t->operational_wait,
		[PKM_CFG_REKEY_WAIT - 1] = t->rekey_wait,
		[PKM_CFG_TEK_GRACE - 1] = t->tek_grace,
		[PKM_CFG_AUTH_REJECT_WAIT - 1] = t->auth_reject_wait,
	};

	c->present = (uint8_t)((1u << PKM_CFG_COUNT) - 1);
	memcpy(c->val, values, sizeof(values));
}

static bool suite_offered(const struct pkm_sec_caps *caps, uint8_t data_enc)
{
	for (size_t i = 0; i < caps->n_suites; i++)
		if (caps->suites[i].data_enc == data_enc &&
		    caps->suites[i].tek_enc == PKM_TEK_ENC_AES_KW_128)
			return true;
	return false;
}

/* A new pending AK for the station, persisted before it is sent. */
static int issue_ak(struct bs *bs, struct station *st,
		    const uint8_t nonce[PKM_SS_RANDOM_LEN])
{
	struct bs_ak *active = &st->ak[STORE_AK_ACTIVE];
	struct bs_ak *pending = &st->ak[STORE_AK_PENDING];
	struct store_ak rec = { .slot = STORE_AK_PENDING };
	struct bs_ak ak = { .valid = true };
	int err;

	/* The pending AK (if any) is replaced; its number may be reused. */
	ak.seq = active->valid ? (uint8_t)((active->seq + 1) & 15) : 0;
	ak.expires = now_real_s() + bs->cfg->ak_lifetime;
	memcpy(ak.nonce, nonce, sizeof(ak.nonce));
	if (pkm_random(ak.ak, sizeof(ak.ak)) ||
	    pkm_keys_derive(ak.ak, sizeof(ak.ak), st->mac, bs->kernel->bsid,
			    &ak.keys)) {
		bs_ak_wipe(&ak);
		return -EIO;
	}
	memcpy(rec.mac, st->mac, MAC_LEN);
	rec.seq = ak.seq;
	memcpy(rec.ak, ak.ak, sizeof(rec.ak));
	rec.expires = ak.expires;
	memcpy(rec.nonce, nonce, sizeof(rec.nonce));
	err = store_ak_save(bs->store, &rec);
	OPENSSL_cleanse(&rec, sizeof(rec));
	if (err) {
		bs_ak_wipe(&ak);
		return err;
	}
	bs_ak_wipe(pending);
	*pending = ak;
	OPENSSL_cleanse(&ak, sizeof(ak));
	return 0;
}

void bs_auth_request(struct bs *bs, struct station *st, struct pkm_msg *m)
{
	const struct pkm_auth_request *r = &m->u.auth_req;
	struct pkm_msg reply = { .code = PKM_AUTH_REPLY, .id = m->id };
	struct pkm_auth_reply *rep = &reply.u.auth_rep;
	struct bs_ak *pending = &st->ak[STORE_AK_PENDING];
	struct pkm_verifier v = { 0 };
	struct pkm_cert_id id = { 0 };
	uint8_t enc_ak[PKM_SIG_MAX];
	struct subscriber *sub;
	bool retransmission;
	int64_t now = now_mono_ms();
	size_t enc_len;
	int err;

	/*
	 * What costs nothing first: the station named, the SS-Random not
	 * one it used before, the AK it may be about to use kept, and a
	 * token for the certificate and signature checks.  Nothing here
	 * is remembered before the request has verified.
	 */
	if (memcmp(r->ss_mac, st->mac, MAC_LEN) != 0 ||
	    r->basic_said != station_basic_cid(st)) {
		auth_request_dropped(st, now,
				     "it names another MAC address or basic CID");
		return;
	}
	retransmission = pending->valid &&
			 !memcmp(pending->nonce, r->ss_random, PKM_SS_RANDOM_LEN);
	if (!retransmission && nonce_seen(st, r->ss_random)) {
		auth_request_dropped(st, now, "replayed (old SS-Random)");
		return;
	}
	if (!retransmission && pending_guarded(bs, st, now)) {
		auth_request_dropped(st, now,
				     "another SS-Random while the pending AK is awaited");
		return;
	}
	if (!auth_request_token(st, now)) {
		auth_request_dropped(st, now, "too many (rate limit)");
		return;
	}

	err = pkm_cert_verify(trust_store(&bs->trust), r->ss_cert.p,
			      r->ss_cert.len, 0, PKM_ROLE_SS, &id);
	if (err) {
		log_notice("SS %s: certificate refused: %s", mac_str(st->mac),
			   id.why);
		bs_auth_reject(bs, st, m, PKM_EC_PERMANENT_AUTH_FAILURE,
			       "certificate not trusted");
		return;
	}
	v.peer_key = id.pub;
	err = pkm_msg_verify(m, &v);
	if (err) {
		log_warn("SS %s: Auth Request from %s: signature does not verify, dropped",
			 mac_str(st->mac), id.cn);
		goto out;
	}

	sub = bs_subscriber_by_cn(bs, id.cn);
	if (!sub) {
		bs_auth_reject(bs, st, m, PKM_EC_UNAUTHORIZED_SS,
			       "no subscriber with this certificate");
		goto out;
	}
	if (memcmp(sub->rec.mac, st->mac, MAC_LEN) != 0) {
		bs_auth_reject(bs, st, m, PKM_EC_UNAUTHORIZED_SS,
			       "certificate belongs to another MAC address");
		goto out;
	}
	if (sub->rec.revoked) {
		bs_auth_reject(bs, st, m, PKM_EC_UNAUTHORIZED_SS,
			       "subscriber revoked");
		goto out;
	}
	if (!suite_offered(&r->caps, bs->cfg->unicast_suite)) {
		bs_auth_reject(bs, st, m, PKM_EC_NONE, "no common cipher suite");
		goto out;
	}

	if (!retransmission) {
		nonce_remember(st, r->ss_random);
		if (issue_ak(bs, st, r->ss_random)) {
			log_err("SS %s: cannot issue an AK", mac_str(st->mac));
			goto out;
		}
	}
	st->pending_asked_ms = now;
	if (pkm_ak_encrypt(id.pub, pending->ak, sizeof(pending->ak), enc_ak,
			   sizeof(enc_ak), &enc_len)) {
		log_err("SS %s: cannot encrypt the AK to %s's key",
			mac_str(st->mac), id.cn);
		goto out;
	}
	rep->enc_ak = (struct pkm_bytes){ enc_ak, enc_len };
	rep->ak_lifetime = (uint32_t)(pending->expires - now_real_s());
	rep->ak_seq = pending->seq;
	rep->n_sa = sa_descriptors(bs, st, sub, rep->sa);
	rep->has_config = true;
	pkm_config_of(&bs->cfg->timers, &rep->config);
	memcpy(rep->ss_random, r->ss_random, sizeof(rep->ss_random));
	rep->bs_cert = (struct pkm_bytes){ bs->cert_der, bs->cert_len };
	if (!bs_send(bs, st, &reply, NULL))
		log_info("SS %s: Auth Reply: %s authorized (AK %u, %u s)%s",
			 mac_str(st->mac), id.cn, rep->ak_seq, rep->ak_lifetime,
			 retransmission ? ", again" : "");
out:
	pkm_cert_id_free(&id);
}

void bs_auth_invalid(struct bs *bs, struct station *st, const char *why)
{
	struct pkm_msg m = { .code = PKM_AUTH_INVALID };
	struct pkm_auth_invalid *r = &m.u.auth_inv;
	int64_t now = now_mono_ms();

	/* Each one costs a signature and sends the SS to authorize: few. */
	if (st->auth_invalid_ms && now - st->auth_invalid_ms < 10000)
		return;
	st->auth_invalid_ms = now;
	/* Bound to the station and its latest authorization, or not sent. */
	if (!nonce_latest(st, r->ss_random)) {
		log_warn("SS %s: no Auth Invalid (%s): no Auth Request of this station is known (database lost?) to bind one to; the SS authorizes again only when its AK runs out",
			 mac_str(st->mac), why);
		return;
	}
	memcpy(r->ss_mac, st->mac, MAC_LEN);
	r->error = PKM_EC_UNAUTHORIZED_SS;
	str_copy(r->display, sizeof(r->display), why);
	log_notice("SS %s: Auth Invalid (%s)", mac_str(st->mac), why);
	bs_send(bs, st, &m, NULL);
}

/* SS */

static int ss_send_auth_request(struct ss *ss)
{
	struct pkm_msg m = { .code = PKM_AUTH_REQUEST, .id = ss->auth_request_id };
	struct pkm_auth_request *r = &m.u.auth_req;

	r->ss_cert = (struct pkm_bytes){ ss->cert_der, ss->cert_len };
	r->caps.version = PKM_VERSION_1;
	r->caps.n_suites = ss->cfg->n_suites;
	for (size_t i = 0; i < ss->cfg->n_suites; i++)
		r->caps.suites[i] = bs_crypto_suite(ss->cfg->suites[i]);
	r->basic_said = ss->basic_cid;
	memcpy(r->ss_mac, ss->mac, MAC_LEN);
	memcpy(r->ss_random, ss->nonce, sizeof(r->ss_random));
	return ss_send(ss, &m);
}

/* What a verified Auth Reply carried, until the machine takes it. */
static struct {
	bool valid;
	struct ss_ak ak;
	uint32_t lifetime;
	EVP_PKEY *bs_key;
	char bs_cn[PKM_CN_MAX + 1];
	uint8_t bs_cert[PKM_CERT_MAX];
	size_t bs_cert_len;
	time_t bs_cert_not_after;
	size_t n_descs;
	struct pkm_sa_desc descs[PKM_MAX_SA_DESC];
	struct config_timers timers;
} auth_result;

static void auth_result_clear(void)
{
	EVP_PKEY_free(auth_result.bs_key);
	OPENSSL_cleanse(&auth_result, sizeof(auth_result));
}

static void auth_timer_fired(struct timer *t)
{
	struct ss *ss = container_of(t, struct ss, auth_timer);

	ss_auth_event(ss, AUTH_EV_TIMEOUT);
}

static void auth_grace_fired(struct timer *t)
{
	struct ss *ss = container_of(t, struct ss, auth_grace_timer);

	ss_auth_event(ss, AUTH_EV_GRACE_TIMEOUT);
}

/*
 * Each service's SAID and suite, from the Auth Reply's SA descriptors
 * (a Key Reply's TEK-Parameters name no suite).  An SA none names keeps
 * what it has: nothing yet, or the descriptor of a Key Reply to SAID 0.
 */
static void assign_saids(struct ss *ss)
{
	for (size_t i = 0; i < ss->n_sas; i++) {
		struct ss_sa *sa = &ss->sas[i];

		for (size_t j = 0; j < ss->n_descs; j++) {
			const struct pkm_sa_desc *d = &ss->descs[j];

			if (!ss_desc_names_sa(d, sa))
				continue;
			if (sa->said && sa->said != d->said) {
				log_notice("%s: the BS now names SAID 0x%04x",
					   ss_sa_label(sa), d->said);
				ss_sa_remove(sa);
			}
			sa->said = d->said;
			sa->desc = *d;
			break;
		}
	}
}

static void take_ak(struct ss *ss)
{
	uint32_t lifetime = auth_result.lifetime;
	uint32_t grace;
	int64_t reauth_s;

	OPENSSL_cleanse(&ss->prev_ak, sizeof(ss->prev_ak));
	if (ss->ak.valid && ss->ak.seq != auth_result.ak.seq)
		ss->prev_ak = ss->ak;
	OPENSSL_cleanse(&ss->ak, sizeof(ss->ak));
	ss->ak = auth_result.ak;
	/* The key passed is_our_bs(): the same as before, or the first. */
	if (ss_bs_pin(ss, auth_result.bs_key, auth_result.bs_cert,
		      auth_result.bs_cert_len, auth_result.bs_cert_not_after))
		log_err("cannot keep the BS certificate: signed Auth Invalids and rekeys will be dropped");
	auth_result.bs_key = NULL;
	str_copy(ss->bs_cn, sizeof(ss->bs_cn), auth_result.bs_cn);
	ss->n_descs = auth_result.n_descs;
	memcpy(ss->descs, auth_result.descs, sizeof(ss->descs));
	ss->timers = auth_result.timers;
	auth_result_clear();
	assign_saids(ss);

	/* Reauthorize the BS's grace time before the AK expires. */
	grace = ss->timers.auth_grace;
	reauth_s = lifetime > grace ? (int64_t)lifetime - grace : lifetime / 2;
	if (reauth_s < 1)
		reauth_s = 1;
	timer_start(&ss->auth_grace_timer, reauth_s * 1000);
	log_info("authorized by BS %s (%s): AK %u, %u s, reauthorization in %lld s",
		 mac_str(ss->bsid), ss->bs_cn, ss->ak.seq, lifetime,
		 (long long)reauth_s);
}

static void tek_all(struct ss *ss, enum tek_event ev)
{
	for (size_t i = 0; i < ss->n_sas; i++)
		ss_tek_event(&ss->sas[i], ev, NULL);
}

void ss_auth_event(struct ss *ss, enum auth_event ev)
{
	const struct fsm_transition *t = auth_fsm_step(ss->auth_state, ev);
	enum auth_state prev = ss->auth_state;
	unsigned int acts;

	if (!t) {
		log_debug("authorization: %s ignored in state %s",
			  auth_event_name(ev), auth_state_name(prev));
		auth_result_clear();
		return;
	}
	ss->auth_state = (enum auth_state)t->next;
	acts = t->actions;
	if (prev != ss->auth_state)
		log_info("authorization: %s -> %s (%s)", auth_state_name(prev),
			 auth_state_name(ss->auth_state), auth_event_name(ev));

	if (acts & AUTH_ACT_STOP_TIMERS)
		timer_stop(&ss->auth_timer);
	if (acts & AUTH_ACT_TAKE_AK)
		take_ak(ss);
	if (acts & (AUTH_ACT_SEND_REQUEST | AUTH_ACT_RESEND)) {
		uint32_t wait = ss->auth_state == AUTH_WAIT ?
				ss->timers.authorize_wait :
				ss->timers.reauthorize_wait;

		if (acts & AUTH_ACT_SEND_REQUEST) {
			ss->auth_request_id = ss_next_id(ss);
			pkm_random(ss->nonce, sizeof(ss->nonce));
		}
		ss_send_auth_request(ss);
		timer_start(&ss->auth_timer, (int64_t)wait * 1000);
	}
	if (acts & AUTH_ACT_REJECT_WAIT)
		timer_start(&ss->auth_timer,
			    (int64_t)ss->timers.auth_reject_wait * 1000);
	if (acts & AUTH_ACT_TEK_STOP) {
		timer_stop(&ss->auth_grace_timer);
		tek_all(ss, TEK_EV_STOP);
		OPENSSL_cleanse(&ss->ak, sizeof(ss->ak));
		OPENSSL_cleanse(&ss->prev_ak, sizeof(ss->prev_ak));
	}
	if (acts & AUTH_ACT_TEK_AUTHORIZED)
		tek_all(ss, TEK_EV_AUTHORIZED);
	if (acts & AUTH_ACT_TEK_AUTH_PEND)
		tek_all(ss, TEK_EV_AUTH_PEND);
	if (acts & AUTH_ACT_TEK_AUTH_COMP)
		tek_all(ss, TEK_EV_AUTH_COMP);
	auth_result_clear();
}

void ss_auth_stop(struct ss *ss)
{
	if (ss->auth_state != AUTH_START)
		log_info("authorization: %s -> %s (deregistered)",
			 auth_state_name(ss->auth_state),
			 auth_state_name(AUTH_START));
	ss->auth_state = AUTH_START;
	timer_stop(&ss->auth_timer);
	timer_stop(&ss->auth_grace_timer);
	tek_all(ss, TEK_EV_STOP);
	OPENSSL_cleanse(&ss->ak, sizeof(ss->ak));
	OPENSSL_cleanse(&ss->prev_ak, sizeof(ss->prev_ak));
}

/* Timers of the machine; called once at start. */
void ss_auth_init(struct ss *ss)
{
	ss->auth_state = AUTH_START;
	ss->timers = ss->cfg->timers;
	timer_init(&ss->auth_timer, "auth-wait", auth_timer_fired);
	timer_init(&ss->auth_grace_timer, "auth-grace", auth_grace_fired);
}

static void timers_from(struct config_timers *t, const struct pkm_config *c)
{
	uint32_t *fields[PKM_CFG_COUNT] = {
		&t->authorize_wait, &t->reauthorize_wait, &t->auth_grace,
		&t->operational_wait, &t->rekey_wait, &t->tek_grace,
		&t->auth_reject_wait,
	};

	for (int i = 0; i < PKM_CFG_COUNT; i++)
		if ((c->present & (1u << i)) && c->val[i])
			*fields[i] = c->val[i];
}

/*
 * Whether a BS certificate, verified for the BS role, names the BS this
 * SS is configured to trust, and is the one it was authorized by before.
 */
static bool is_our_bs(struct ss *ss, const char *what,
		      const struct pkm_cert_id *id)
{
	const struct config *cfg = ss->cfg;
	char hex[PKM_KEY_ID_HEX_LEN];

	pkm_key_id_hex(id->key_id, hex);
	if (cfg->bs_name[0] && strcmp(id->cn, cfg->bs_name) != 0) {
		log_warn("%s from %s (key SHA-256 %s), not the configured BS %s: refused",
			 what, id->cn, hex, cfg->bs_name);
		return false;
	}
	if (cfg->has_bs_key_id &&
	    CRYPTO_memcmp(id->key_id, cfg->bs_key_id, PKM_KEY_ID_LEN) != 0) {
		log_warn("%s from %s: key SHA-256 %s is not the configured bs-key-sha256: refused",
			 what, id->cn, hex);
		return false;
	}
	/* Within a run the BS key does not change: a new one is an impostor. */
	if (ss->bs_key && EVP_PKEY_eq(ss->bs_key, id->pub) != 1) {
		log_warn("%s from %s: key SHA-256 %s is not the key of BS %s this SS was authorized by: refused (restart pkmd to accept a new BS key)",
			 what, id->cn, hex, ss->bs_cn);
		return false;
	}
	return true;
}

/* A signed answer to our Auth Request: checks shared by reply and reject. */
static int check_signed_answer(struct ss *ss, struct pkm_msg *m,
			       const struct pkm_bytes *bs_cert,
			       const uint8_t nonce[PKM_SS_RANDOM_LEN],
			       struct pkm_cert_id *id)
{
	struct pkm_verifier v = { 0 };
	const char *name = pkm_code_name(m->code);

	if (ss->auth_state != AUTH_WAIT && ss->auth_state != AUTH_REAUTH_WAIT) {
		log_info("unsolicited %s dropped (state %s)", name,
			 auth_state_name(ss->auth_state));
		return -1;
	}
	if (m->id != ss->auth_request_id ||
	    memcmp(nonce, ss->nonce, PKM_SS_RANDOM_LEN) != 0) {
		log_warn("%s does not answer our Auth Request (identifier or SS-Random), dropped",
			 name);
		return -1;
	}
	if (pkm_cert_verify(trust_store(&ss->trust), bs_cert->p, bs_cert->len,
			    0, PKM_ROLE_BS, id)) {
		log_warn("%s: BS certificate refused (%s), dropped", name,
			 id->why);
		return -1;
	}
	v.peer_key = id->pub;
	if (pkm_msg_verify(m, &v)) {
		log_warn("%s: SigBS does not verify, dropped", name);
		pkm_cert_id_free(id);
		return -1;
	}
	if (!is_our_bs(ss, name, id)) {
		pkm_cert_id_free(id);
		return -1;
	}
	return 0;
}

static void ss_auth_reply(struct ss *ss, struct pkm_msg *m)
{
	const struct pkm_auth_reply *r = &m->u.auth_rep;
	struct pkm_cert_id id = { 0 };
	uint8_t ak[PKM_AK_LEN];

	if (check_signed_answer(ss, m, &r->bs_cert, r->ss_random, &id))
		return;
	auth_result_clear();
	if (pkm_auth_reply_ak(m, ss->key, ak) ||
	    pkm_keys_derive(ak, sizeof(ak), ss->mac, ss->bsid,
			    &auth_result.ak.keys)) {
		log_warn("Auth Reply: cannot decrypt the AK, dropped");
		OPENSSL_cleanse(ak, sizeof(ak));
		pkm_cert_id_free(&id);
		auth_result_clear();
		return;
	}
	OPENSSL_cleanse(ak, sizeof(ak));
	auth_result.valid = true;
	auth_result.ak.valid = true;
	auth_result.ak.seq = r->ak_seq;
	auth_result.ak.expires_ms = now_mono_ms() + (int64_t)r->ak_lifetime * 1000;
	auth_result.lifetime = r->ak_lifetime;
	auth_result.bs_key = id.pub;
	id.pub = NULL;
	str_copy(auth_result.bs_cn, sizeof(auth_result.bs_cn), id.cn);
	/* A verified certificate is at most PKM_CERT_MAX bytes on the wire. */
	auth_result.bs_cert_len = r->bs_cert.len < sizeof(auth_result.bs_cert) ?
				  r->bs_cert.len : sizeof(auth_result.bs_cert);
	memcpy(auth_result.bs_cert, r->bs_cert.p, auth_result.bs_cert_len);
	auth_result.bs_cert_not_after = id.not_after;
	auth_result.n_descs = r->n_sa;
	memcpy(auth_result.descs, r->sa, r->n_sa * sizeof(r->sa[0]));
	auth_result.timers = ss->cfg->timers;
	if (r->has_config)
		timers_from(&auth_result.timers, &r->config);
	pkm_cert_id_free(&id);
	ss_auth_event(ss, AUTH_EV_REPLY);
}

static void ss_auth_reject(struct ss *ss, struct pkm_msg *m)
{
	const struct pkm_auth_reject *r = &m->u.auth_rej;
	struct pkm_cert_id id = { 0 };

	if (check_signed_answer(ss, m, &r->bs_cert, r->ss_random, &id))
		return;
	pkm_cert_id_free(&id);
	log_warn("Auth Reject (%u %s%s%s)%s", r->error,
		 pkm_error_code_name(r->error), r->display[0] ? ": " : "",
		 r->display,
		 r->error == PKM_EC_PERMANENT_AUTH_FAILURE ?
		 ": silent until restarted" : "");
	ss_auth_event(ss, r->error == PKM_EC_PERMANENT_AUTH_FAILURE ?
		      AUTH_EV_PERM_REJECT : AUTH_EV_REJECT);
}

static void ss_auth_invalid(struct ss *ss, struct pkm_msg *m)
{
	const struct pkm_auth_invalid *r = &m->u.auth_inv;
	struct pkm_verifier v = { 0 };
	int64_t now = now_mono_ms();
	uint32_t holdoff_s;

	if (r->has_ak_seq) {
		if (!ss->ak.valid || r->ak_seq != ss->ak.seq) {
			log_info("Auth Invalid for AK %u (not ours) dropped", r->ak_seq);
			return;
		}
		v.cmac_key = ss->ak.keys.cmac_down;
		v.replay = &ss->ak.rx;
	} else {
		if (!ss->bs_key) {
			log_info("signed Auth Invalid before any authorization dropped");
			return;
		}
		/* A copy sent to another SS, or before our latest request. */
		if (memcmp(r->ss_mac, ss->mac, MAC_LEN) != 0) {
			log_warn("signed Auth Invalid for another SS (%s): replayed, dropped",
				 mac_str(r->ss_mac));
			return;
		}
		if (memcmp(r->ss_random, ss->nonce, PKM_SS_RANDOM_LEN) != 0) {
			log_warn("signed Auth Invalid for an earlier Auth Request of ours (another SS-Random): replayed, dropped");
			return;
		}
		if (!ss_bs_key_trusted(ss, "signed Auth Invalid"))
			return;
		v.peer_key = ss->bs_key;
	}
	if (pkm_msg_verify(m, &v)) {
		log_warn("Auth Invalid does not verify (forged or replayed), dropped");
		return;
	}
	holdoff_s = ss->timers.reauthorize_wait > AUTH_INVALID_HOLDOFF_S ?
		    ss->timers.reauthorize_wait : AUTH_INVALID_HOLDOFF_S;
	if (ss->auth_invalid_ms &&
	    now - ss->auth_invalid_ms < (int64_t)holdoff_s * 1000) {
		log_warn("Auth Invalid ignored: one was acted on %lld s ago (hold-off %u s)",
			 (long long)(now - ss->auth_invalid_ms) / 1000,
			 holdoff_s);
		return;
	}
	log_notice("Auth Invalid (%u %s%s%s)", r->error,
		   pkm_error_code_name(r->error), r->display[0] ? ": " : "",
		   r->display);
	if (ss->auth_state == AUTH_AUTHORIZED)
		ss->auth_invalid_ms = now;
	ss_auth_event(ss, AUTH_EV_INVALID);
}

void ss_auth_rx(struct ss *ss, struct pkm_msg *m)
{
	switch (m->code) {
	case PKM_AUTH_REPLY:
		ss_auth_reply(ss, m);
		break;
	case PKM_AUTH_REJECT:
		ss_auth_reject(ss, m);
		break;
	case PKM_AUTH_INVALID:
		ss_auth_invalid(ss, m);
		break;
	}
}
