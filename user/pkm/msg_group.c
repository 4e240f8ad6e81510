// SPDX-License-Identifier: GPL-2.0
/*
 * Group Key Update Command (wman extension, code 0xf0): carries a key
 * tree rekey for one multicast SA.  The payload's format belongs to the
 * key tree library; this file frames and authenticates it.
 */
#include "msg_priv.h"

static const struct attr_rule gku_rules[] = {
	{ PKM_A_SAID, 1, 1, 2, 2 },
	{ PKM_A_GROUP_KEY_PAYLOAD, 1, 1, 1, PKM_MSG_MAX },
};

int parse_group_key_update(const struct attr_list *l, struct pkm_msg *m)
{
	int err = attrs_check(l, RULES(gku_rules));

	if (err)
		return err;
	m->u.gku.said = attr_u16(l, PKM_A_SAID);
	m->u.gku.payload = attr_bytes(l, PKM_A_GROUP_KEY_PAYLOAD);
	return PKM_OK;
}

int build_group_key_update(struct pkm_tlv_writer *w, const struct pkm_msg *m)
{
	pkm_tlv_put_u16(w, PKM_A_SAID, m->u.gku.said);
	return put_bytes_attr(w, PKM_A_GROUP_KEY_PAYLOAD, &m->u.gku.payload,
			      PKM_MSG_MAX);
}
