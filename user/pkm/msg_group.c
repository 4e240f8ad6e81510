// SPDX-License-Identifier: GPL-2.0
/*
 * Group Key Update Command (wman extension, code 0xf0): carries a key
 * tree rekey for one multicast SA.  The payload's format belongs to the
 * key tree library; this file frames and authenticates it.  A payload
 * too large for one message travels in slices, each in a message of its
 * own with a Group-Key-Fragment attribute saying where it belongs.
 */
#include "msg_priv.h"

static const struct attr_rule gku_rules[] = {
	{ PKM_A_SAID, 1, 1, 2, 2 },
	{ PKM_A_GROUP_KEY_FRAGMENT, 0, 1, PKM_GKU_FRAGMENT_LEN,
	  PKM_GKU_FRAGMENT_LEN },
	{ PKM_A_GROUP_KEY_PAYLOAD, 1, 1, 1, PKM_MSG_MAX },
};

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* A slice of at least one byte of a payload of count or more. */
static bool fragment_ok(const struct pkm_group_fragment *f, size_t slice)
{
	return f->count >= 2 && f->index < f->count && f->total >= f->count &&
	       slice >= 1 && slice <= f->total;
}

int parse_group_key_update(const struct attr_list *l, struct pkm_msg *m)
{
	const struct pkm_tlv *t;
	int err = attrs_check(l, RULES(gku_rules));

	if (err)
		return err;
	m->u.gku.said = attr_u16(l, PKM_A_SAID);
	m->u.gku.payload = attr_bytes(l, PKM_A_GROUP_KEY_PAYLOAD);
	t = attrs_find(l, PKM_A_GROUP_KEY_FRAGMENT, 0);
	m->u.gku.has_fragment = t != NULL;
	if (t) {
		struct pkm_group_fragment *f = &m->u.gku.frag;

		/* attrs_check() has sized it: exactly 16 bytes */
		f->rekey_id = get_be64(t->val);
		f->index = get_be16(t->val + 8);
		f->count = get_be16(t->val + 10);
		f->total = get_be32(t->val + 12);
		if (!fragment_ok(f, m->u.gku.payload.len))
			return PKM_E_VALUE;
	}
	return PKM_OK;
}

int build_group_key_update(struct pkm_tlv_writer *w, const struct pkm_msg *m)
{
	const struct pkm_group_fragment *f = &m->u.gku.frag;

	pkm_tlv_put_u16(w, PKM_A_SAID, m->u.gku.said);
	if (m->u.gku.has_fragment) {
		uint8_t v[PKM_GKU_FRAGMENT_LEN];

		if (!fragment_ok(f, m->u.gku.payload.len)) {
			if (!w->err)
				w->err = PKM_E_INVAL;
			return w->err;
		}
		put_be(v, f->rekey_id, 8);
		put_be(v + 8, f->index, 2);
		put_be(v + 10, f->count, 2);
		put_be(v + 12, f->total, 4);
		pkm_tlv_put(w, PKM_A_GROUP_KEY_FRAGMENT, v, sizeof(v));
	}
	return put_bytes_attr(w, PKM_A_GROUP_KEY_PAYLOAD, &m->u.gku.payload,
			      PKM_MSG_MAX);
}
