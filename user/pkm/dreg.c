// SPDX-License-Identifier: GPL-2.0
/* DREG-REQ and DREG-CMD with their CMAC Tuple (pkm/dreg.h). */
#include <string.h>

#include <openssl/crypto.h>

#include "msg_priv.h"
#include "pkm/dreg.h"

#define DREG_HDR_LEN	2	/* management type, code */

static bool code_ok(uint8_t mgmt_type, uint8_t code)
{
	if (mgmt_type == PKM_MGMT_DREG_REQ)
		return code == PKM_DREG_REQ_LEAVE;
	if (mgmt_type == PKM_MGMT_DREG_CMD)
		return code <= PKM_DREG_CMD_ACTION_MAX;
	return false;
}

int pkm_dreg_build(const struct pkm_dreg *d, const uint8_t *cmac_key,
		   uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t tuple[PKM_CMAC_TUPLE_LEN] = { 0 }, tag[PKM_CMAC_LEN];
	struct pkm_tlv_writer w;
	size_t tag_at;
	int err;

	if (!d || !cmac_key || !buf || !len || d->ak_seq > 15 ||
	    !code_ok(d->mgmt_type, d->code))
		return PKM_E_INVAL;
	tuple[0] = d->ak_seq;
	tuple[1] = (uint8_t)(d->pn >> 24);
	tuple[2] = (uint8_t)(d->pn >> 16);
	tuple[3] = (uint8_t)(d->pn >> 8);
	tuple[4] = (uint8_t)d->pn;
	pkm_tlv_writer_init(&w, buf, cap);
	pkm_tlv_put_bytes(&w, (uint8_t[]){ d->mgmt_type, d->code },
			  DREG_HDR_LEN);
	pkm_tlv_put(&w, PKM_A_CMAC_TUPLE, tuple, sizeof(tuple));
	if (w.err)
		return w.err;
	/* The tuple carries the tag's first PKM_CMAC_TRUNC_LEN bytes. */
	tag_at = w.len - PKM_CMAC_TRUNC_LEN;
	err = pkm_cmac(cmac_key, buf, tag_at, tag);
	if (!err)
		memcpy(buf + tag_at, tag, PKM_CMAC_TRUNC_LEN);
	OPENSSL_cleanse(tag, sizeof(tag));
	if (err) {
		OPENSSL_cleanse(buf, w.len);
		return err;
	}
	*len = w.len;
	return PKM_OK;
}

int pkm_dreg_parse(const uint8_t *buf, size_t len, struct pkm_dreg *d)
{
	struct pkm_tlv_iter it;
	struct pkm_tlv t;
	int ret;

	if (!buf || !d)
		return PKM_E_INVAL;
	memset(d, 0, sizeof(*d));
	if (len < DREG_HDR_LEN)
		return PKM_E_TRUNCATED;
	if (buf[0] != PKM_MGMT_DREG_REQ && buf[0] != PKM_MGMT_DREG_CMD)
		return PKM_E_HEADER;
	if (!code_ok(buf[0], buf[1]))
		return PKM_E_VALUE;
	if (len > PKM_DREG_MSG_LEN) {
		/* wman before 802.16 conformance: the whole tag, 21 bytes. */
		if (len == DREG_HDR_LEN + 2 + PKM_OLD_CMAC_TUPLE_LEN &&
		    buf[2] == PKM_A_CMAC_TUPLE &&
		    buf[3] == PKM_OLD_CMAC_TUPLE_LEN) {
			d->old_encoding = "21-byte CMAC Tuple";
			return PKM_E_OLD_ENCODING;
		}
		return PKM_E_LENGTH;
	}
	pkm_tlv_iter_init(&it, buf + DREG_HDR_LEN, len - DREG_HDR_LEN);
	ret = pkm_tlv_next(&it, &t);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return PKM_E_MISSING;
	if (t.type != PKM_A_CMAC_TUPLE)
		return PKM_E_UNEXPECTED;
	if (t.len != PKM_CMAC_TUPLE_LEN || t.val[0] > 15)
		return PKM_E_VALUE;
	ret = pkm_tlv_next(&it, &t);
	if (ret < 0)
		return ret;
	if (ret > 0)
		return PKM_E_UNEXPECTED;	/* the tuple comes last */
	/* Only now is t overwritten; take the fields from the buffer. */
	d->mgmt_type = buf[0];
	d->code = buf[1];
	d->ak_seq = buf[len - PKM_CMAC_TUPLE_LEN];
	d->pn = get_be32(buf + len - PKM_CMAC_TUPLE_LEN + 1);
	d->raw = buf;
	d->covered_len = len - PKM_CMAC_TRUNC_LEN;
	d->tag = buf + d->covered_len;
	return PKM_OK;
}

int pkm_dreg_verify(struct pkm_dreg *d, const struct pkm_verifier *v)
{
	int err;

	if (!d || !v || !v->cmac_key || !d->raw)
		return PKM_E_INVAL;
	d->verified = false;
	err = pkm_cmac_check(v->cmac_key, d->raw, d->covered_len, d->tag,
			     PKM_CMAC_TRUNC_LEN);
	if (err)
		return err;
	if (v->replay) {
		err = pkm_replay_check(v->replay, d->pn);
		if (err)
			return err;
		pkm_replay_update(v->replay, d->pn);
	}
	d->verified = true;
	return PKM_OK;
}

const char *pkm_dreg_action_name(uint8_t action)
{
	switch (action) {
	case 0x00:
		return "leave and try another BS";
	case 0x01:
		return "listen, do not transmit";
	case 0x02:
		return "listen, transmit on management connections only";
	case 0x03:
		return "resume normal operation";
	case PKM_DREG_CMD_TERMINATE:
		return "terminate operation with this BS";
	case 0x05:
		return "enter idle mode";
	case 0x06:
		return "retry the request later";
	case 0x07:
		return "wait for a command";
	}
	return "unknown action";
}
