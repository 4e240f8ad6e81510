// SPDX-License-Identifier: GPL-2.0
/*
 * Authorization, the SS's side: the authorization state machine of
 * fsm.h, driven by network entry, Auth Reply/Reject/Invalid and its
 * timers.  The BS's side is bs/bs_auth.c.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "ss.h"

static int ss_send_auth_request(struct ss *ss)
{
	struct pkm_msg m = { .code = PKM_AUTH_REQUEST, .id = ss->auth_request_id };
	struct pkm_auth_request *r = &m.u.auth_req;

	r->ss_cert = (struct pkm_bytes){ ss->cert_der, ss->cert_len };
	r->caps.version = PKM_VERSION_1;
	r->caps.n_suites = ss->cfg->n_suites;
	for (size_t i = 0; i < ss->cfg->n_suites; i++)
		r->caps.suites[i] = crypto_suite(ss->cfg->suites[i]);
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
 * (a Key Reply's TEK-Parameters name no suite).  An SA none names has no
 * descriptor after it: the one it had (a Key Reply's to SAID 0, or an
 * earlier Auth Reply's) may be stale, the BS may have changed the SA
 * since, so its next Key Request names SAID 0 and the Key Reply describes
 * the SA afresh.  Its SAID stays until then: its keys are in the kernel.
 */
static void assign_saids(struct ss *ss)
{
	for (size_t i = 0; i < ss->n_sas; i++) {
		struct ss_sa *sa = &ss->sas[i];
		const struct pkm_sa_desc *d = NULL;

		for (size_t j = 0; j < ss->n_descs && !d; j++)
			if (ss_desc_names_sa(&ss->descs[j], sa))
				d = &ss->descs[j];
		if (!d) {
			if (sa->desc.has_service)
				log_info("%s: not described by the Auth Reply, its next Key Request names SAID 0",
					 ss_sa_label(sa));
			memset(&sa->desc, 0, sizeof(sa->desc));
			continue;
		}
		if (sa->said && sa->said != d->said) {
			log_notice("%s: the BS now names SAID 0x%04x",
				   ss_sa_label(sa), d->said);
			ss_sa_remove(sa);
		}
		sa->said = d->said;
		sa->desc = *d;
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
