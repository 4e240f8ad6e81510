// SPDX-License-Identifier: GPL-2.0
/*
 * Traffic key messages: Key Request (with seed 002's Service Type and
 * Multicast Service Group ID), Key Reply, Key Reject, TEK Invalid.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "msg_priv.h"

#define AK_SEQ_MAX	15
#define EKS_MAX		3

static const struct attr_rule key_request_rules[] = {
	{ PKM_A_KEY_SEQ, 1, 1, 1, 1 },
	{ PKM_A_SAID, 1, 1, 2, 2 },
	{ PKM_A_SERVICE_TYPE, 1, 1, 1, 1 },
	{ PKM_A_MCAST_GROUP_ID, 0, 1, 1, 1 },
};

int parse_key_request(const struct attr_list *l, struct pkm_msg *m)
{
	struct pkm_key_request *r = &m->u.key_req;
	int err;

	err = attrs_check(l, RULES(key_request_rules));
	if (err)
		return err;
	r->ak_seq = attr_u8(l, PKM_A_KEY_SEQ);
	r->said = attr_u16(l, PKM_A_SAID);
	r->service = attr_u8(l, PKM_A_SERVICE_TYPE);
	r->has_group = attrs_find(l, PKM_A_MCAST_GROUP_ID, 0) != NULL;
	r->group_id = attr_u8(l, PKM_A_MCAST_GROUP_ID);
	if (r->ak_seq > AK_SEQ_MAX)
		return PKM_E_VALUE;
	/*
	 * Seed 002: the group ID comes with multicast requests only.  Any
	 * other service value parses, so that the BS can answer it with
	 * Key Reject 7 (unsupported service type).
	 */
	if (r->service == PKM_SERVICE_MULTICAST && !r->has_group)
		return PKM_E_MISSING;
	if (r->service != PKM_SERVICE_MULTICAST && r->has_group)
		return PKM_E_UNEXPECTED;
	return PKM_OK;
}

int build_key_request(struct pkm_tlv_writer *w, const struct pkm_msg *m)
{
	const struct pkm_key_request *r = &m->u.key_req;

	if (r->ak_seq > AK_SEQ_MAX ||
	    r->has_group != (r->service == PKM_SERVICE_MULTICAST))
		return PKM_E_INVAL;
	pkm_tlv_put_u8(w, PKM_A_KEY_SEQ, r->ak_seq);
	pkm_tlv_put_u16(w, PKM_A_SAID, r->said);
	pkm_tlv_put_u8(w, PKM_A_SERVICE_TYPE, r->service);
	if (r->has_group)
		pkm_tlv_put_u8(w, PKM_A_MCAST_GROUP_ID, r->group_id);
	return w->err;
}

/* 802.16-2004 11.9.8: no suite (the SA-Descriptor has it), no CBC-IV. */
static const struct attr_rule tek_params_rules[] = {
	{ PKM_A_TEK, 1, 1, PKM_WRAPPED_TEK_LEN, PKM_WRAPPED_TEK_LEN },
	{ PKM_A_KEY_LIFETIME, 1, 1, 4, 4 },
	{ PKM_A_KEY_SEQ, 1, 1, 1, 1 },
};

static int parse_tek_params(const struct pkm_tlv *t, struct pkm_tek_params *p,
			    struct pkm_msg *m)
{
	struct attr_list l;
	int err;

	err = attrs_collect(t->val, t->len, &l);
	if (err)
		return err;
	/* wman before 802.16 conformance repeated the SA's suite here. */
	if (attrs_find(&l, PKM_A_CRYPTO_SUITE, 0))
		return old_encoding(m, "Cryptographic-Suite in TEK-Parameters");
	err = attrs_check(&l, RULES(tek_params_rules));
	if (err)
		return err;
	attr_copy(&l, PKM_A_TEK, p->wrapped_tek, sizeof(p->wrapped_tek));
	p->lifetime = attr_u32(&l, PKM_A_KEY_LIFETIME);
	p->eks = attr_u8(&l, PKM_A_KEY_SEQ);
	return p->eks > EKS_MAX ? PKM_E_VALUE : PKM_OK;
}

static int build_tek_params(struct pkm_tlv_writer *w,
			    const struct pkm_tek_params *p)
{
	size_t mark;

	if (p->eks > EKS_MAX)
		return PKM_E_INVAL;
	mark = pkm_tlv_nest_begin(w, PKM_A_TEK_PARAMS);
	pkm_tlv_put(w, PKM_A_TEK, p->wrapped_tek, sizeof(p->wrapped_tek));
	pkm_tlv_put_u32(w, PKM_A_KEY_LIFETIME, p->lifetime);
	pkm_tlv_put_u8(w, PKM_A_KEY_SEQ, p->eks);
	return pkm_tlv_nest_end(w, mark);
}

/* The newer TEK's EKS follows the older one's, modulo 4. */
static bool eks_in_order(const struct pkm_key_reply *r)
{
	return r->tek[1].eks == ((r->tek[0].eks + 1) & EKS_MAX);
}

static const struct attr_rule key_reply_rules[] = {
	{ PKM_A_KEY_SEQ, 1, 1, 1, 1 },
	{ PKM_A_SAID, 1, 1, 2, 2 },
	{ PKM_A_TEK_PARAMS, 2, 2, 1, 255 },
	{ PKM_A_SA_DESC, 0, 1, 1, 255 },
};

/* A Key Reply's own SA-Descriptor describes the SA it carries keys for. */
static bool sa_desc_fits(const struct pkm_key_reply *r)
{
	return !r->has_sa_desc ||
	       (r->sa_desc.said == r->said && r->sa_desc.has_service);
}

int parse_key_reply(const struct attr_list *l, struct pkm_msg *m)
{
	struct pkm_key_reply *r = &m->u.key_rep;
	int err, i;

	err = attrs_check(l, RULES(key_reply_rules));
	if (err)
		return err;
	r->ak_seq = attr_u8(l, PKM_A_KEY_SEQ);
	r->said = attr_u16(l, PKM_A_SAID);
	if (r->ak_seq > AK_SEQ_MAX)
		return PKM_E_VALUE;
	for (i = 0; i < 2; i++) {
		err = parse_tek_params(attrs_find(l, PKM_A_TEK_PARAMS,
						  (size_t)i), &r->tek[i], m);
		if (err)
			return err;
	}
	r->has_sa_desc = attrs_find(l, PKM_A_SA_DESC, 0) != NULL;
	if (r->has_sa_desc) {
		err = parse_sa_desc(attrs_find(l, PKM_A_SA_DESC, 0),
				    &r->sa_desc, m);
		if (err)
			return err;
	}
	return eks_in_order(r) && sa_desc_fits(r) ? PKM_OK : PKM_E_VALUE;
}

int build_key_reply(struct pkm_tlv_writer *w, const struct pkm_msg *m)
{
	const struct pkm_key_reply *r = &m->u.key_rep;
	int err, i;

	if (r->ak_seq > AK_SEQ_MAX || !eks_in_order(r) || !sa_desc_fits(r))
		return PKM_E_INVAL;
	pkm_tlv_put_u8(w, PKM_A_KEY_SEQ, r->ak_seq);
	pkm_tlv_put_u16(w, PKM_A_SAID, r->said);
	for (i = 0; i < 2; i++) {
		err = build_tek_params(w, &r->tek[i]);
		if (err)
			return err;
	}
	if (r->has_sa_desc) {
		err = build_sa_desc(w, &r->sa_desc);
		if (err)
			return err;
	}
	return w->err;
}

static const struct attr_rule key_reject_rules[] = {
	{ PKM_A_KEY_SEQ, 1, 1, 1, 1 },
	{ PKM_A_SAID, 1, 1, 2, 2 },
	{ PKM_A_ERROR_CODE, 1, 1, 1, 1 },
	{ PKM_A_DISPLAY_STRING, 0, 1, 1, PKM_DISPLAY_MAX },
};

static int parse_reject(const struct attr_list *l, struct pkm_key_reject *r)
{
	int err;

	err = attrs_check(l, RULES(key_reject_rules));
	if (!err)
		err = attr_display(l, r->display);
	if (err)
		return err;
	r->ak_seq = attr_u8(l, PKM_A_KEY_SEQ);
	r->said = attr_u16(l, PKM_A_SAID);
	r->error = attr_u8(l, PKM_A_ERROR_CODE);
	return r->ak_seq > AK_SEQ_MAX ? PKM_E_VALUE : PKM_OK;
}

static int build_reject(struct pkm_tlv_writer *w, const struct pkm_key_reject *r)
{
	if (r->ak_seq > AK_SEQ_MAX)
		return PKM_E_INVAL;
	pkm_tlv_put_u8(w, PKM_A_KEY_SEQ, r->ak_seq);
	pkm_tlv_put_u16(w, PKM_A_SAID, r->said);
	pkm_tlv_put_u8(w, PKM_A_ERROR_CODE, r->error);
	return put_display(w, r->display);
}

int parse_key_reject(const struct attr_list *l, struct pkm_msg *m)
{
	return parse_reject(l, &m->u.key_rej);
}

int build_key_reject(struct pkm_tlv_writer *w, const struct pkm_msg *m)
{
	return build_reject(w, &m->u.key_rej);
}

int parse_tek_invalid(const struct attr_list *l, struct pkm_msg *m)
{
	return parse_reject(l, &m->u.tek_inv);
}

int build_tek_invalid(struct pkm_tlv_writer *w, const struct pkm_msg *m)
{
	return build_reject(w, &m->u.tek_inv);
}

int pkm_tek_params_wrap(struct pkm_tek_params *p,
			const uint8_t kek[PKM_KEY_LEN],
			const uint8_t tek[PKM_KEY_LEN])
{
	if (!p || !kek || !tek)
		return PKM_E_INVAL;
	return pkm_aes_kw_wrap(kek, tek, PKM_KEY_LEN, p->wrapped_tek);
}

int pkm_key_reply_tek(const struct pkm_msg *m, unsigned int which,
		      const uint8_t kek[PKM_KEY_LEN], uint8_t tek[PKM_KEY_LEN])
{
	const struct pkm_tek_params *p;

	if (!m || !kek || !tek || which > 1 || m->code != PKM_KEY_REPLY)
		return PKM_E_INVAL;
	if (!m->verified)
		return PKM_E_UNVERIFIED;
	p = &m->u.key_rep.tek[which];
	return pkm_aes_kw_unwrap(kek, p->wrapped_tek, sizeof(p->wrapped_tek),
				 tek);
}
