// SPDX-License-Identifier: GPL-2.0
/*
 * Key Request, Key Reply, Key Reject and TEK Invalid, the BS's side: a
 * Key Request is checked in this order, and nothing is done before the
 * digest and the packet number have verified: the AK it names must be
 * current, its CMAC-Digest must verify under that AK's uplink key, its PN
 * must be new (then the new PN is stored); only then does the
 * discriminator decide, and the answer (Key Reply with both TEKs, or Key
 * Reject with the Error-Code) is digested under the downlink key.  The
 * SS's side is ss/ss_keys.c.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bs.h"
#include "bs_group.h"
#include "log.h"

static void bs_key_reject(struct bs *bs, struct station *st, struct bs_ak *ak,
			  const struct pkm_msg *req, uint8_t error,
			  const char *why)
{
	struct pkm_msg m = { .code = PKM_KEY_REJECT, .id = req->id };
	struct pkm_key_reject *r = &m.u.key_rej;

	r->ak_seq = ak->seq;
	r->said = req->u.key_req.said;
	r->error = error;
	str_copy(r->display, sizeof(r->display), why);
	log_notice("SS %s SAID 0x%04x: Key Reject (%u %s)", mac_str(st->mac),
		   r->said, error, why);
	bs_send(bs, st, &m, ak);
}

int bs_key_reply(struct bs *bs, struct station *st, struct bs_ak *ak,
		 const struct pkm_msg *req, struct bs_sa *sa)
{
	struct pkm_msg m = { .code = PKM_KEY_REPLY, .id = req->id };
	struct pkm_key_reply *r = &m.u.key_rep;
	int64_t now_ms = now_real_ms();
	/*
	 * A tree group hands out its newest TEK only: the older one may
	 * predate the requester's join.  The second slot, which must carry
	 * the next EKS, gets a random placeholder the BS never sends with;
	 * the next rekey's TEK takes its slot.
	 */
	bool newest_only = sa->rec.has_group &&
			   bs_group_has_tree(bs, sa->rec.group_id);
	struct store_tek placeholder = { 0 };
	int err;

	r->ak_seq = ak->seq;
	r->said = sa->rec.said;
	/*
	 * A request for SAID 0 names an SA the SS has no descriptor of:
	 * one its latest Auth Reply left out (more groups than fit).  The
	 * reply describes it, for the SS has its suite from nowhere else.
	 */
	if (!req->u.key_req.said) {
		r->has_sa_desc = true;
		r->sa_desc = (struct pkm_sa_desc){
			.said = sa->rec.said,
			.sa_type = sa->rec.service == PKM_SERVICE_UNICAST ?
				   PKM_SA_PRIMARY : PKM_SA_STATIC,
			.suite = crypto_suite(sa->rec.suite),
			.has_service = true, .service = sa->rec.service,
			.has_group = sa->rec.has_group,
			.group_id = sa->rec.group_id,
		};
	}
	for (int i = 0; i < 2; i++) {
		const struct store_tek *t = &sa->rec.tek[newest_only ? 1 : i];
		struct pkm_tek_params *p = &r->tek[i];
		int64_t left_ms;

		if (newest_only && i == 1) {
			placeholder = *t;
			placeholder.eks = (t->eks + 1) & 3;
			if (pkm_random(placeholder.key, sizeof(placeholder.key)))
				return -EIO;
			t = &placeholder;
		}
		left_ms = t->expires * 1000 - now_ms;

		/* Rounded up: the SS must not drop a TEK the BS still uses. */
		p->lifetime = left_ms > 0 ? (uint32_t)((left_ms + 999) / 1000) : 1;
		/* The suite is the Auth Reply's SA-Descriptor's, or r's. */
		p->eks = t->eks;
		if (pkm_tek_params_wrap(p, ak->keys.kek, t->key))
			return -EIO;
	}
	OPENSSL_cleanse(&placeholder, sizeof(placeholder));
	err = bs_send(bs, st, &m, ak);
	if (!err)
		log_info("SS %s SAID 0x%04x: Key Reply (%s, EKS %u %u s, EKS %u %u s)",
			 mac_str(st->mac), sa->rec.said,
			 service_name(sa->rec.service), r->tek[0].eks,
			 r->tek[0].lifetime, r->tek[1].eks, r->tek[1].lifetime);
	return err;
}

/* Makes the pending AK the active one: the SS has used it. */
static struct bs_ak *promote(struct bs *bs, struct station *st)
{
	struct bs_ak *active = &st->ak[STORE_AK_ACTIVE];
	struct bs_ak *pending = &st->ak[STORE_AK_PENDING];

	if (store_ak_promote(bs->store, st->mac))
		return NULL;
	bs_ak_wipe(active);
	*active = *pending;
	OPENSSL_cleanse(pending, sizeof(*pending));
	log_info("SS %s: AK %u in use", mac_str(st->mac), active->seq);
	return active;
}

void bs_key_request(struct bs *bs, struct station *st, struct pkm_msg *m)
{
	const struct pkm_key_request *r = &m->u.key_req;
	struct pkm_verifier v = { 0 };
	struct disc_subscriber who;
	struct disc_request what;
	struct disc_decision decision;
	struct pkm_replay before;
	struct subscriber *sub;
	struct bs_ak *ak;
	struct bs_sa *sa;
	int err;

	ak = bs_station_ak(st, r->ak_seq);
	if (!ak) {
		log_notice("SS %s: Key Request under AK %u, which is not current",
			   mac_str(st->mac), r->ak_seq);
		bs_auth_invalid(bs, st, "AK unknown or expired");
		return;
	}
	before = ak->rx;
	v.cmac_key = ak->keys.cmac_up;
	v.replay = &ak->rx;
	err = pkm_msg_verify(m, &v);
	if (err) {
		log_warn("SS %s SAID 0x%04x: Key Request %s (PN %u), dropped",
			 mac_str(st->mac), r->said,
			 err == PKM_E_REPLAY ? "replayed" : "digest does not verify",
			 m->pn);
		return;
	}
	/* The window moves on disk before anything answers the request. */
	if (store_ak_set_rx(bs->store, st->mac,
			    (uint8_t)(ak - st->ak), ak->rx.next)) {
		ak->rx = before;
		return;
	}
	if (ak == &st->ak[STORE_AK_PENDING]) {
		ak = promote(bs, st);
		if (!ak)
			return;
	}

	/*
	 * In a zone whose subscribers this BS could not read last time, the
	 * SS may have been revoked at another BS: a shared SA's keys wait
	 * (dropped: the SS asks again), its own unicast SA's do not.
	 */
	if (bs->zone_subs_failed && r->said != station_unicast_said(st)) {
		log_warn("SS %s SAID 0x%04x: Key Request dropped: the zone's subscribers could not be read",
			 mac_str(st->mac), r->said);
		return;
	}
	sub = bs_subscriber_by_mac(bs, st->mac);
	if (!sub) {
		bs_key_reject(bs, st, ak, m, PKM_EC_UNAUTHORIZED_SS,
			      "no subscriber with this MAC address");
		return;
	}
	who = (struct disc_subscriber){
		.revoked = sub->rec.revoked,
		.services = sub->rec.services,
		.provider = sub->rec.provider,
		.groups = sub->groups,
		.unicast_said = station_unicast_said(st),
	};
	what = (struct disc_request){
		.service = r->service,
		.has_group = r->has_group,
		.group_id = r->group_id,
		.said = r->said,
	};
	discriminate(&bs->policy, &who, &what, &decision);
	if (!decision.grant) {
		bs_key_reject(bs, st, ak, m, decision.error, decision.reason);
		return;
	}

	sa = decision.said == station_unicast_said(st) ?
	     bs_sa_unicast(bs, st) : bs_sa_find(bs, decision.said);
	if (!sa || bs_sa_current(sa)) {
		log_err("SS %s SAID 0x%04x: no keys to give", mac_str(st->mac),
			decision.said);
		bs_key_reject(bs, st, ak, m, PKM_EC_NONE, "internal error");
		return;
	}
	/* A group with a key tree answers once the join is committed. */
	if (bs_group_key_request(bs, st, ak, m, sa))
		return;
	if (bs_key_reply(bs, st, ak, m, sa))
		log_err("SS %s SAID 0x%04x: cannot send the Key Reply",
			mac_str(st->mac), sa->rec.said);
}

int bs_tek_invalid_to(struct bs *bs, struct station *st, uint16_t said,
		      const char *why)
{
	struct pkm_msg m = { .code = PKM_TEK_INVALID };
	struct bs_ak *ak = &st->ak[STORE_AK_ACTIVE];

	if (!ak->valid || ak->expires <= now_real_s())
		return -ENOKEY;
	m.u.tek_inv.ak_seq = ak->seq;
	m.u.tek_inv.said = said;
	m.u.tek_inv.error = PKM_EC_NONE;
	str_copy(m.u.tek_inv.display, sizeof(m.u.tek_inv.display), why);
	log_notice("SS %s SAID 0x%04x: TEK Invalid (%s)", mac_str(st->mac),
		   said, why);
	return bs_send(bs, st, &m, ak);
}

void bs_tek_invalid(struct bs *bs, struct bs_sa *sa, uint8_t eks)
{
	struct station *st;
	char why[32];

	if (!sa->rec.has_owner)
		return;
	st = bs_station_by_mac(bs, sa->rec.owner);
	if (!st)
		return;
	snprintf(why, sizeof(why), "no TEK with EKS %u", eks);
	bs_tek_invalid_to(bs, st, sa->rec.said, why);
}
