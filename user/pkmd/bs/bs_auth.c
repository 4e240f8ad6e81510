// SPDX-License-Identifier: GPL-2.0
/*
 * Authorization, the BS's side: an Auth Request is accepted when its
 * certificate verifies against the CA, its SigSS verifies with that
 * certificate's key, its MAC address is the sender's, and the
 * certificate's CN names an enabled subscriber with that MAC address.
 * The answer is an AK (random, 160 bits) encrypted to the SS's key, in a
 * signed Auth Reply; the AK stays "pending" until the SS first uses it,
 * and the one it replaces stays valid until then.  The SS's side is
 * ss/ss_auth.c.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bs.h"
#include "log.h"

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
		.suite = crypto_suite(cfg->unicast_suite),
		.has_service = true, .service = PKM_SERVICE_UNICAST,
	};
	if (cfg->has_broadcast)
		descs[n++] = (struct pkm_sa_desc){
			.said = cfg->broadcast_cid, .sa_type = PKM_SA_STATIC,
			.suite = crypto_suite(cfg->broadcast_suite),
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
				.suite = crypto_suite(g->suite),
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
