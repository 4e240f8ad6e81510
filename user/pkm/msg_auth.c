// SPDX-License-Identifier: GPL-2.0
/*
 * Authorization messages: Auth Request, Auth Reply, Auth Reject,
 * Auth Info, Auth Invalid.
 */
#include <string.h>

#include "msg_priv.h"

#define AK_SEQ_MAX	15	/* 4-bit AK sequence number */

/* A Cryptographic-Suite attribute: type, length, 3 bytes. */
#define SUITE_ATTR_LEN	5

/*
 * wman before 802.16 conformance put the 3-byte suites of a
 * Cryptographic-Suite-List back to back.  A list of attributes never
 * looks like that: it starts with type 20, and no suite has data
 * encryption 20.
 */
static bool flat_suite_list(const struct pkm_tlv *t)
{
	return t->len >= 3 && t->len <= 3 * PKM_MAX_SUITES &&
	       t->len % 3 == 0 && t->val[0] != PKM_A_CRYPTO_SUITE;
}

static const struct attr_rule suite_list_rules[] = {
	{ PKM_A_CRYPTO_SUITE, 1, PKM_MAX_SUITES, 3, 3 },
};

static const struct attr_rule sec_caps_rules[] = {
	{ PKM_A_CRYPTO_SUITE_LIST, 1, 1, SUITE_ATTR_LEN,
	  SUITE_ATTR_LEN * PKM_MAX_SUITES },
	{ PKM_A_VERSION, 1, 1, 1, 1 },
};

/*
 * Security-Capabilities (19): a Cryptographic-Suite-List (21) of 1-8
 * Cryptographic-Suite attributes (20), in the SS's order, and Version.
 */
static int parse_sec_caps(const struct pkm_tlv *t, struct pkm_sec_caps *c,
			  struct pkm_msg *m)
{
	const struct pkm_tlv *list;
	struct attr_list l, suites;
	size_t i;
	int err;

	err = attrs_collect(t->val, t->len, &l);
	if (err)
		return err;
	/* Before the rules, which would find an old list too short. */
	list = attrs_find(&l, PKM_A_CRYPTO_SUITE_LIST, 0);
	if (list && flat_suite_list(list))
		return old_encoding(m, "flat Cryptographic-Suite-List");
	err = attrs_check(&l, RULES(sec_caps_rules));
	if (!err)
		err = attrs_collect(list->val, list->len, &suites);
	if (!err)
		err = attrs_check(&suites, RULES(suite_list_rules));
	if (err)
		return err;
	c->n_suites = suites.n;
	for (i = 0; i < suites.n; i++)
		suite_decode(suites.a[i].val, &c->suites[i]);
	c->version = attr_u8(&l, PKM_A_VERSION);
	return PKM_OK;
}

static int build_sec_caps(struct pkm_tlv_writer *w, const struct pkm_sec_caps *c)
{
	size_t caps, list, i;

	if (!c->n_suites || c->n_suites > PKM_MAX_SUITES)
		return PKM_E_INVAL;
	caps = pkm_tlv_nest_begin(w, PKM_A_SEC_CAPS);
	list = pkm_tlv_nest_begin(w, PKM_A_CRYPTO_SUITE_LIST);
	for (i = 0; i < c->n_suites; i++)
		put_suite(w, PKM_A_CRYPTO_SUITE, &c->suites[i]);
	pkm_tlv_nest_end(w, list);
	pkm_tlv_put_u8(w, PKM_A_VERSION, c->version);
	return pkm_tlv_nest_end(w, caps);
}

static const struct attr_rule auth_request_rules[] = {
	{ PKM_A_SS_CERT, 1, 1, 1, PKM_CERT_MAX },
	{ PKM_A_SEC_CAPS, 1, 1, 1, 255 },
	{ PKM_A_SAID, 1, 1, 2, 2 },
	{ PKM_A_SS_MAC, 1, 1, PKM_MAC_ADDR_LEN, PKM_MAC_ADDR_LEN },
	{ PKM_A_SS_RANDOM, 1, 1, PKM_SS_RANDOM_LEN, PKM_SS_RANDOM_LEN },
};

int parse_auth_request(const struct attr_list *l, struct pkm_msg *m)
{
	struct pkm_auth_request *r = &m->u.auth_req;
	int err;

	err = attrs_check(l, RULES(auth_request_rules));
	if (err)
		return err;
	err = parse_sec_caps(attrs_find(l, PKM_A_SEC_CAPS, 0), &r->caps, m);
	if (err)
		return err;
	r->ss_cert = attr_bytes(l, PKM_A_SS_CERT);
	r->basic_said = attr_u16(l, PKM_A_SAID);
	attr_copy(l, PKM_A_SS_MAC, r->ss_mac, sizeof(r->ss_mac));
	attr_copy(l, PKM_A_SS_RANDOM, r->ss_random, sizeof(r->ss_random));
	return PKM_OK;
}

int build_auth_request(struct pkm_tlv_writer *w, const struct pkm_msg *m)
{
	const struct pkm_auth_request *r = &m->u.auth_req;

	put_bytes_attr(w, PKM_A_SS_CERT, &r->ss_cert, PKM_CERT_MAX);
	pkm_tlv_put_u16(w, PKM_A_SAID, r->basic_said);
	pkm_tlv_put(w, PKM_A_SS_MAC, r->ss_mac, sizeof(r->ss_mac));
	pkm_tlv_put(w, PKM_A_SS_RANDOM, r->ss_random, sizeof(r->ss_random));
	/*
	 * Security-Capabilities last: Wireshark 4.0 calls any 21 inside a
	 * 19 malformed and decodes nothing after it, so everything else
	 * goes before (Documentation/pkm-protocol.rst).
	 */
	return build_sec_caps(w, &r->caps);
}

static const struct attr_rule sa_desc_rules[] = {
	{ PKM_A_SAID, 1, 1, 2, 2 },
	{ PKM_A_SA_TYPE, 1, 1, 1, 1 },
	{ PKM_A_CRYPTO_SUITE, 1, 1, 3, 3 },
	{ PKM_A_SA_SERVICE_TYPE, 0, 1, 1, 1 },
	{ PKM_A_MCAST_GROUP_ID, 0, 1, 1, 1 },
};

static bool sa_desc_consistent(const struct pkm_sa_desc *d)
{
	if (d->sa_type > PKM_SA_DYNAMIC)
		return false;
	if (d->has_service && d->service > PKM_SERVICE_BROADCAST)
		return false;
	/* A group ID exactly on multicast SAs. */
	return d->has_group ==
	       (d->has_service && d->service == PKM_SERVICE_MULTICAST);
}

int parse_sa_desc(const struct pkm_tlv *t, struct pkm_sa_desc *d,
		  struct pkm_msg *m)
{
	struct attr_list l;
	int err;

	err = attrs_collect(t->val, t->len, &l);
	if (err)
		return err;
	/* wman before 802.16 conformance used the Key Request's 28 here. */
	if (attrs_find(&l, PKM_A_SERVICE_TYPE, 0))
		return old_encoding(m, "Service-Type 28 in SA-Descriptor");
	err = attrs_check(&l, RULES(sa_desc_rules));
	if (err)
		return err;
	d->said = attr_u16(&l, PKM_A_SAID);
	d->sa_type = attr_u8(&l, PKM_A_SA_TYPE);
	suite_decode(attrs_find(&l, PKM_A_CRYPTO_SUITE, 0)->val, &d->suite);
	d->has_service = attrs_find(&l, PKM_A_SA_SERVICE_TYPE, 0) != NULL;
	d->service = attr_u8(&l, PKM_A_SA_SERVICE_TYPE);
	d->has_group = attrs_find(&l, PKM_A_MCAST_GROUP_ID, 0) != NULL;
	d->group_id = attr_u8(&l, PKM_A_MCAST_GROUP_ID);
	return sa_desc_consistent(d) ? PKM_OK : PKM_E_VALUE;
}

int build_sa_desc(struct pkm_tlv_writer *w, const struct pkm_sa_desc *d)
{
	size_t mark;

	if (!sa_desc_consistent(d))
		return PKM_E_INVAL;
	mark = pkm_tlv_nest_begin(w, PKM_A_SA_DESC);
	pkm_tlv_put_u16(w, PKM_A_SAID, d->said);
	pkm_tlv_put_u8(w, PKM_A_SA_TYPE, d->sa_type);
	put_suite(w, PKM_A_CRYPTO_SUITE, &d->suite);
	if (d->has_service)
		pkm_tlv_put_u8(w, PKM_A_SA_SERVICE_TYPE, d->service);
	if (d->has_group)
		pkm_tlv_put_u8(w, PKM_A_MCAST_GROUP_ID, d->group_id);
	return pkm_tlv_nest_end(w, mark);
}

static const struct attr_rule config_rules[] = {
	{ PKM_CFG_AUTHORIZE_WAIT, 0, 1, 4, 4 },
	{ PKM_CFG_REAUTHORIZE_WAIT, 0, 1, 4, 4 },
	{ PKM_CFG_AUTH_GRACE, 0, 1, 4, 4 },
	{ PKM_CFG_OPERATIONAL_WAIT, 0, 1, 4, 4 },
	{ PKM_CFG_REKEY_WAIT, 0, 1, 4, 4 },
	{ PKM_CFG_TEK_GRACE, 0, 1, 4, 4 },
	{ PKM_CFG_AUTH_REJECT_WAIT, 0, 1, 4, 4 },
};

static int parse_config(const struct pkm_tlv *t, struct pkm_config *c)
{
	struct attr_list l;
	size_t i;
	int err;

	err = attrs_collect(t->val, t->len, &l);
	if (!err)
		err = attrs_check(&l, RULES(config_rules));
	if (err)
		return err;
	for (i = 0; i < l.n; i++) {
		c->present |= (uint8_t)(1u << (l.a[i].type - 1));
		c->val[l.a[i].type - 1] = get_be32(l.a[i].val);
	}
	return PKM_OK;
}

static int build_config(struct pkm_tlv_writer *w, const struct pkm_config *c)
{
	size_t mark;
	uint8_t i;

	if (!c->present || c->present >> PKM_CFG_COUNT)
		return PKM_E_INVAL;
	mark = pkm_tlv_nest_begin(w, PKM_A_PKM_CONFIG);
	for (i = 0; i < PKM_CFG_COUNT; i++)
		if (c->present & (1u << i))
			pkm_tlv_put_u32(w, (uint8_t)(i + 1), c->val[i]);
	return pkm_tlv_nest_end(w, mark);
}

static const struct attr_rule auth_reply_rules[] = {
	{ PKM_A_AUTH_KEY, 1, 1, 1, PKM_SIG_MAX },
	{ PKM_A_KEY_LIFETIME, 1, 1, 4, 4 },
	{ PKM_A_KEY_SEQ, 1, 1, 1, 1 },
	{ PKM_A_SA_DESC, 1, PKM_MAX_SA_DESC, 1, 255 },
	{ PKM_A_PKM_CONFIG, 0, 1, 1, 255 },
	{ PKM_A_SS_RANDOM, 1, 1, PKM_SS_RANDOM_LEN, PKM_SS_RANDOM_LEN },
	{ PKM_A_BS_CERT, 1, 1, 1, PKM_CERT_MAX },
};

int parse_auth_reply(const struct attr_list *l, struct pkm_msg *m)
{
	struct pkm_auth_reply *r = &m->u.auth_rep;
	const struct pkm_tlv *t;
	int err;

	err = attrs_check(l, RULES(auth_reply_rules));
	if (err)
		return err;
	r->enc_ak = attr_bytes(l, PKM_A_AUTH_KEY);
	r->ak_lifetime = attr_u32(l, PKM_A_KEY_LIFETIME);
	r->ak_seq = attr_u8(l, PKM_A_KEY_SEQ);
	if (r->ak_seq > AK_SEQ_MAX)
		return PKM_E_VALUE;
	while ((t = attrs_find(l, PKM_A_SA_DESC, r->n_sa))) {
		err = parse_sa_desc(t, &r->sa[r->n_sa], m);
		if (err)
			return err;
		r->n_sa++;
	}
	t = attrs_find(l, PKM_A_PKM_CONFIG, 0);
	if (t) {
		r->has_config = true;
		err = parse_config(t, &r->config);
		if (err)
			return err;
	}
	attr_copy(l, PKM_A_SS_RANDOM, r->ss_random, sizeof(r->ss_random));
	r->bs_cert = attr_bytes(l, PKM_A_BS_CERT);
	return PKM_OK;
}

int build_auth_reply(struct pkm_tlv_writer *w, const struct pkm_msg *m)
{
	const struct pkm_auth_reply *r = &m->u.auth_rep;
	size_t i;
	int err;

	if (r->ak_seq > AK_SEQ_MAX || !r->n_sa || r->n_sa > PKM_MAX_SA_DESC)
		return PKM_E_INVAL;
	put_bytes_attr(w, PKM_A_AUTH_KEY, &r->enc_ak, PKM_SIG_MAX);
	pkm_tlv_put_u32(w, PKM_A_KEY_LIFETIME, r->ak_lifetime);
	pkm_tlv_put_u8(w, PKM_A_KEY_SEQ, r->ak_seq);
	for (i = 0; i < r->n_sa; i++) {
		err = build_sa_desc(w, &r->sa[i]);
		if (err)
			return err;
	}
	if (r->has_config) {
		err = build_config(w, &r->config);
		if (err)
			return err;
	}
	pkm_tlv_put(w, PKM_A_SS_RANDOM, r->ss_random, sizeof(r->ss_random));
	return put_bytes_attr(w, PKM_A_BS_CERT, &r->bs_cert, PKM_CERT_MAX);
}

static const struct attr_rule auth_reject_rules[] = {
	{ PKM_A_ERROR_CODE, 1, 1, 1, 1 },
	{ PKM_A_DISPLAY_STRING, 0, 1, 1, PKM_DISPLAY_MAX },
	{ PKM_A_SS_RANDOM, 1, 1, PKM_SS_RANDOM_LEN, PKM_SS_RANDOM_LEN },
	{ PKM_A_BS_CERT, 1, 1, 1, PKM_CERT_MAX },
};

int parse_auth_reject(const struct attr_list *l, struct pkm_msg *m)
{
	struct pkm_auth_reject *r = &m->u.auth_rej;
	int err;

	err = attrs_check(l, RULES(auth_reject_rules));
	if (!err)
		err = attr_display(l, r->display);
	if (err)
		return err;
	r->error = attr_u8(l, PKM_A_ERROR_CODE);
	attr_copy(l, PKM_A_SS_RANDOM, r->ss_random, sizeof(r->ss_random));
	r->bs_cert = attr_bytes(l, PKM_A_BS_CERT);
	return PKM_OK;
}

int build_auth_reject(struct pkm_tlv_writer *w, const struct pkm_msg *m)
{
	const struct pkm_auth_reject *r = &m->u.auth_rej;

	pkm_tlv_put_u8(w, PKM_A_ERROR_CODE, r->error);
	put_display(w, r->display);
	pkm_tlv_put(w, PKM_A_SS_RANDOM, r->ss_random, sizeof(r->ss_random));
	return put_bytes_attr(w, PKM_A_BS_CERT, &r->bs_cert, PKM_CERT_MAX);
}

static const struct attr_rule auth_info_rules[] = {
	{ PKM_A_CA_CERT, 1, 1, 1, PKM_CERT_MAX },
};

int parse_auth_info(const struct attr_list *l, struct pkm_msg *m)
{
	int err = attrs_check(l, RULES(auth_info_rules));

	if (err)
		return err;
	m->u.auth_info.ca_cert = attr_bytes(l, PKM_A_CA_CERT);
	return PKM_OK;
}

int build_auth_info(struct pkm_tlv_writer *w, const struct pkm_msg *m)
{
	return put_bytes_attr(w, PKM_A_CA_CERT, &m->u.auth_info.ca_cert,
			      PKM_CERT_MAX);
}

static const struct attr_rule auth_invalid_rules[] = {
	{ PKM_A_KEY_SEQ, 0, 1, 1, 1 },
	{ PKM_A_ERROR_CODE, 1, 1, 1, 1 },
	{ PKM_A_DISPLAY_STRING, 0, 1, 1, PKM_DISPLAY_MAX },
	{ PKM_A_SS_MAC, 0, 1, PKM_MAC_ADDR_LEN, PKM_MAC_ADDR_LEN },
	{ PKM_A_SS_RANDOM, 0, 1, PKM_SS_RANDOM_LEN, PKM_SS_RANDOM_LEN },
};

int parse_auth_invalid(const struct attr_list *l, struct pkm_msg *m)
{
	struct pkm_auth_invalid *r = &m->u.auth_inv;
	int binding;
	int err;

	err = attrs_check(l, RULES(auth_invalid_rules));
	if (!err)
		err = attr_display(l, r->display);
	if (err)
		return err;
	r->has_ak_seq = attrs_find(l, PKM_A_KEY_SEQ, 0) != NULL;
	r->ak_seq = attr_u8(l, PKM_A_KEY_SEQ);
	r->error = attr_u8(l, PKM_A_ERROR_CODE);
	if (r->ak_seq > AK_SEQ_MAX)
		return PKM_E_VALUE;
	/* Digested under the AK it names, or signed when it names none. */
	if (r->has_ak_seq != (m->authn == PKM_AUTHN_CMAC))
		return PKM_E_UNEXPECTED;
	binding = !!attrs_find(l, PKM_A_SS_MAC, 0) +
		  !!attrs_find(l, PKM_A_SS_RANDOM, 0);
	/* The signed form names its SS and authorization; the other not. */
	if (r->has_ak_seq)
		return binding ? PKM_E_UNEXPECTED : PKM_OK;
	if (binding < 2)
		return PKM_E_MISSING;
	attr_copy(l, PKM_A_SS_MAC, r->ss_mac, sizeof(r->ss_mac));
	attr_copy(l, PKM_A_SS_RANDOM, r->ss_random, sizeof(r->ss_random));
	return PKM_OK;
}

int build_auth_invalid(struct pkm_tlv_writer *w, const struct pkm_msg *m)
{
	const struct pkm_auth_invalid *r = &m->u.auth_inv;

	if (r->has_ak_seq) {
		if (r->ak_seq > AK_SEQ_MAX)
			return PKM_E_INVAL;
		pkm_tlv_put_u8(w, PKM_A_KEY_SEQ, r->ak_seq);
	}
	pkm_tlv_put_u8(w, PKM_A_ERROR_CODE, r->error);
	if (!r->has_ak_seq) {
		pkm_tlv_put(w, PKM_A_SS_MAC, r->ss_mac, sizeof(r->ss_mac));
		pkm_tlv_put(w, PKM_A_SS_RANDOM, r->ss_random,
			    sizeof(r->ss_random));
	}
	return put_display(w, r->display);
}

int pkm_auth_reply_ak(const struct pkm_msg *m, EVP_PKEY *ss_key,
		      uint8_t ak[PKM_AK_LEN])
{
	if (!m || !ss_key || !ak || m->code != PKM_AUTH_REPLY)
		return PKM_E_INVAL;
	if (!m->verified)
		return PKM_E_UNVERIFIED;
	return pkm_ak_decrypt(ss_key, m->u.auth_rep.enc_ak.p,
			      m->u.auth_rep.enc_ak.len, ak, PKM_AK_LEN);
}
