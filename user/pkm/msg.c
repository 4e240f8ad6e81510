// SPDX-License-Identifier: GPL-2.0
/*
 * PKM message framing: header, dispatch to the per-message parse and
 * build functions, and the authenticator (CMAC-Digest, SigSS or SigBS)
 * that ends every message but Auth Info.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "msg_priv.h"

enum authn_rule {
	AUTHN_NONE,
	AUTHN_CMAC,
	AUTHN_SIG_SS,
	AUTHN_SIG_BS,
	AUTHN_CMAC_OR_SIG_BS,
};

struct msg_ops {
	uint8_t code;
	uint8_t mgmt_type;
	enum authn_rule authn;
	const char *name;
	int (*parse)(const struct attr_list *l, struct pkm_msg *m);
	int (*build)(struct pkm_tlv_writer *w, const struct pkm_msg *m);
};

#define OPS(c, t, a, n, f) { c, t, a, n, parse_##f, build_##f }

static const struct msg_ops msg_table[] = {
	OPS(PKM_AUTH_REQUEST, PKM_MGMT_REQ, AUTHN_SIG_SS,
	    "Auth Request", auth_request),
	OPS(PKM_AUTH_REPLY, PKM_MGMT_RSP, AUTHN_SIG_BS,
	    "Auth Reply", auth_reply),
	OPS(PKM_AUTH_REJECT, PKM_MGMT_RSP, AUTHN_SIG_BS,
	    "Auth Reject", auth_reject),
	OPS(PKM_KEY_REQUEST, PKM_MGMT_REQ, AUTHN_CMAC,
	    "Key Request", key_request),
	OPS(PKM_KEY_REPLY, PKM_MGMT_RSP, AUTHN_CMAC,
	    "Key Reply", key_reply),
	OPS(PKM_KEY_REJECT, PKM_MGMT_RSP, AUTHN_CMAC,
	    "Key Reject", key_reject),
	OPS(PKM_AUTH_INVALID, PKM_MGMT_RSP, AUTHN_CMAC_OR_SIG_BS,
	    "Auth Invalid", auth_invalid),
	OPS(PKM_TEK_INVALID, PKM_MGMT_RSP, AUTHN_CMAC,
	    "TEK Invalid", tek_invalid),
	OPS(PKM_AUTH_INFO, PKM_MGMT_REQ, AUTHN_NONE,
	    "Auth Info", auth_info),
	OPS(PKM_GROUP_KEY_UPDATE, PKM_MGMT_RSP, AUTHN_CMAC_OR_SIG_BS,
	    "Group Key Update Command", group_key_update),
};

static const struct msg_ops *ops_for(uint8_t code)
{
	size_t i;

	for (i = 0; i < sizeof(msg_table) / sizeof(msg_table[0]); i++)
		if (msg_table[i].code == code)
			return &msg_table[i];
	return NULL;
}

uint8_t pkm_code_mgmt_type(uint8_t code)
{
	const struct msg_ops *ops = ops_for(code);

	return ops ? ops->mgmt_type : 0;
}

const char *pkm_code_name(uint8_t code)
{
	const struct msg_ops *ops = ops_for(code);

	return ops ? ops->name : "unknown";
}

const char *pkm_error_code_name(uint8_t error)
{
	static const char *const names[] = {
		[PKM_EC_NONE] = "no information",
		[PKM_EC_UNAUTHORIZED_SS] = "unauthorized SS",
		[PKM_EC_UNAUTHORIZED_SAID] = "unauthorized SAID",
		[PKM_EC_UNSUBSCRIBED] = "unsubscribed",
		[PKM_EC_INVALID_KEY_SEQ] = "invalid key sequence number",
		[PKM_EC_MSG_AUTH_FAILURE] = "message authentication failure",
		[PKM_EC_PERMANENT_AUTH_FAILURE] =
			"permanent authorization failure",
		[PKM_EC_UNSUPPORTED_SERVICE] = "unsupported service type",
		[PKM_EC_UNAUTHORIZED_MCAST_GROUP] =
			"unauthorized multicast service group ID",
	};

	if (error < sizeof(names) / sizeof(names[0]))
		return names[error];
	return "unknown error code";
}

static bool is_authn_attr(uint8_t type)
{
	return type == PKM_A_CMAC_DIGEST || type == PKM_A_SIG_SS ||
	       type == PKM_A_SIG_BS;
}

static enum pkm_authn authn_for(const struct msg_ops *ops, bool have_cmac)
{
	switch (ops->authn) {
	case AUTHN_NONE:
		return PKM_AUTHN_NONE;
	case AUTHN_CMAC:
		return PKM_AUTHN_CMAC;
	case AUTHN_SIG_SS:
		return PKM_AUTHN_SIG_SS;
	case AUTHN_SIG_BS:
		return PKM_AUTHN_SIG_BS;
	case AUTHN_CMAC_OR_SIG_BS:
		return have_cmac ? PKM_AUTHN_CMAC : PKM_AUTHN_SIG_BS;
	}
	return PKM_AUTHN_NONE;
}

static int seal(struct pkm_tlv_writer *w, enum pkm_authn authn,
		const struct pkm_seal *s)
{
	uint8_t val[PKM_CMAC_ATTR_LEN] = { 0 };
	uint8_t sig[PKM_SIG_MAX], tag[PKM_CMAC_LEN];
	size_t sig_len, tag_at;
	int err;

	switch (authn) {
	case PKM_AUTHN_NONE:
		return w->err;
	case PKM_AUTHN_CMAC:
		if (!s || !s->cmac_key)
			return PKM_E_INVAL;
		val[0] = (uint8_t)(s->pn >> 24);
		val[1] = (uint8_t)(s->pn >> 16);
		val[2] = (uint8_t)(s->pn >> 8);
		val[3] = (uint8_t)s->pn;
		if (pkm_tlv_put(w, PKM_A_CMAC_DIGEST, val, sizeof(val)))
			return w->err;
		/*
		 * The tag covers everything before it, PN included; its
		 * first PKM_CMAC_TRUNC_LEN bytes go on the wire.
		 */
		tag_at = w->len - PKM_CMAC_TRUNC_LEN;
		err = pkm_cmac(s->cmac_key, w->buf, tag_at, tag);
		if (!err)
			memcpy(w->buf + tag_at, tag, PKM_CMAC_TRUNC_LEN);
		OPENSSL_cleanse(tag, sizeof(tag));
		return err;
	case PKM_AUTHN_SIG_SS:
	case PKM_AUTHN_SIG_BS:
		if (!s || !s->sign_key)
			return PKM_E_INVAL;
		if (w->err)
			return w->err;
		/* The signature covers everything before its attribute. */
		err = pkm_sign(s->sign_key, w->buf, w->len, sig, sizeof(sig),
			       &sig_len);
		if (err)
			return err;
		return pkm_tlv_put(w, authn == PKM_AUTHN_SIG_SS ?
				   PKM_A_SIG_SS : PKM_A_SIG_BS, sig, sig_len);
	}
	return PKM_E_INVAL;
}

int pkm_msg_build(const struct pkm_msg *m, const struct pkm_seal *s,
		  uint8_t *buf, size_t cap, size_t *len)
{
	const struct msg_ops *ops;
	struct pkm_tlv_writer w;
	enum pkm_authn authn;
	uint8_t hdr[PKM_HDR_LEN];
	int err;

	if (!m || !buf || !len)
		return PKM_E_INVAL;
	ops = ops_for(m->code);
	if (!ops)
		return PKM_E_INVAL;
	if (cap > PKM_MSG_MAX)
		cap = PKM_MSG_MAX;
	/* Auth Invalid is digested when it names an AK, else signed. */
	if (m->code == PKM_AUTH_INVALID)
		authn = authn_for(ops, m->u.auth_inv.has_ak_seq);
	else
		authn = authn_for(ops, s && s->cmac_key);

	pkm_tlv_writer_init(&w, buf, cap);
	hdr[0] = ops->mgmt_type;
	hdr[1] = m->code;
	hdr[2] = m->id;
	pkm_tlv_put_bytes(&w, hdr, sizeof(hdr));
	err = ops->build(&w, m);
	if (!err)
		err = w.err;
	if (!err)
		err = seal(&w, authn, s);
	if (!err)
		err = w.err;
	if (err) {
		OPENSSL_cleanse(buf, w.len);
		return err;
	}
	*len = w.len;
	return PKM_OK;
}

/* Takes the authenticator off the end of the list into m. */
static int take_authn(const struct msg_ops *ops, const uint8_t *buf,
		      struct attr_list *l, struct pkm_msg *m)
{
	const struct pkm_tlv *t;
	bool ok;

	m->raw = buf;
	if (!l->n || !is_authn_attr(l->a[l->n - 1].type)) {
		if (ops->authn == AUTHN_NONE)
			return PKM_OK;
		return PKM_E_MISSING;
	}
	t = &l->a[--l->n];
	switch (t->type) {
	case PKM_A_CMAC_DIGEST:
		ok = ops->authn == AUTHN_CMAC ||
		     ops->authn == AUTHN_CMAC_OR_SIG_BS;
		break;
	case PKM_A_SIG_SS:
		ok = ops->authn == AUTHN_SIG_SS;
		break;
	default:
		ok = ops->authn == AUTHN_SIG_BS ||
		     ops->authn == AUTHN_CMAC_OR_SIG_BS;
		break;
	}
	if (!ok)
		return PKM_E_UNEXPECTED;
	if (t->type == PKM_A_CMAC_DIGEST) {
		if (t->len != PKM_CMAC_ATTR_LEN)
			return PKM_E_VALUE;
		m->authn = PKM_AUTHN_CMAC;
		m->pn = get_be32(t->val);
		m->covered_len = (size_t)(t->val - buf) + 4;
		m->tag.p = t->val + 4;
		m->tag.len = PKM_CMAC_TRUNC_LEN;
	} else {
		if (!t->len || t->len > PKM_SIG_MAX)
			return PKM_E_VALUE;
		m->authn = t->type == PKM_A_SIG_SS ? PKM_AUTHN_SIG_SS :
						     PKM_AUTHN_SIG_BS;
		/* Start of the signature attribute: after its type and length. */
		m->covered_len = (size_t)(t->val - buf) - pkm_tlv_hdr_len(t->len);
		m->tag.p = t->val;
		m->tag.len = t->len;
	}
	return PKM_OK;
}

/*
 * wman before 802.16 conformance sealed every digested message with a
 * 20-byte CMAC-Digest numbered 140; no message of ours holds 140 now.
 */
static int old_digest(const struct attr_list *l, struct pkm_msg *m)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->a[i].type == PKM_A_OLD_CMAC_DIGEST)
			return old_encoding(m, "CMAC-Digest as attribute 140");
	return PKM_OK;
}

int pkm_msg_parse(const uint8_t *buf, size_t len, struct pkm_msg *m)
{
	const struct msg_ops *ops;
	const char *old;
	struct attr_list l;
	int err;

	if (!buf || !m)
		return PKM_E_INVAL;
	memset(m, 0, sizeof(*m));
	if (len < PKM_HDR_LEN)
		return PKM_E_TRUNCATED;
	if (len > PKM_MSG_MAX)
		return PKM_E_LENGTH;
	ops = ops_for(buf[1]);
	if (!ops || buf[0] != ops->mgmt_type)
		return PKM_E_HEADER;
	m->mgmt_type = buf[0];
	m->code = buf[1];
	m->id = buf[2];
	err = attrs_collect(buf + PKM_HDR_LEN, len - PKM_HDR_LEN, &l);
	if (!err)
		err = old_digest(&l, m);
	if (!err)
		err = take_authn(ops, buf, &l, m);
	if (!err)
		err = ops->parse(&l, m);
	if (err) {
		old = m->old_encoding;
		memset(m, 0, sizeof(*m));
		if (err == PKM_E_OLD_ENCODING)
			m->old_encoding = old;
		return err;
	}
	return PKM_OK;
}

int pkm_msg_verify(struct pkm_msg *m, const struct pkm_verifier *v)
{
	int err;

	if (!m || !v)
		return PKM_E_INVAL;
	m->verified = false;
	switch (m->authn) {
	case PKM_AUTHN_NONE:
		if (m->code != PKM_AUTH_INFO)
			return PKM_E_INVAL;
		break;
	case PKM_AUTHN_CMAC:
		if (!v->cmac_key || !m->raw)
			return PKM_E_INVAL;
		err = pkm_cmac_check(v->cmac_key, m->raw, m->covered_len,
				     m->tag.p, m->tag.len);
		if (err)
			return err;
		/* Replay is judged only on authentic messages. */
		if (v->replay) {
			err = pkm_replay_check(v->replay, m->pn);
			if (err)
				return err;
			pkm_replay_update(v->replay, m->pn);
		}
		break;
	case PKM_AUTHN_SIG_SS:
	case PKM_AUTHN_SIG_BS:
		if (!v->peer_key || !m->raw)
			return PKM_E_INVAL;
		err = pkm_sig_check(v->peer_key, m->raw, m->covered_len,
				    m->tag.p, m->tag.len);
		if (err)
			return err;
		break;
	}
	m->verified = true;
	return PKM_OK;
}
