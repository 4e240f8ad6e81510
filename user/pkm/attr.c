// SPDX-License-Identifier: GPL-2.0
/* Attribute-list checks and value helpers shared by the message files. */
#include <string.h>

#include "msg_priv.h"

int attrs_collect(const uint8_t *buf, size_t len, struct attr_list *l)
{
	struct pkm_tlv_iter it;
	struct pkm_tlv t;
	int ret;

	l->n = 0;
	pkm_tlv_iter_init(&it, buf, len);
	while ((ret = pkm_tlv_next(&it, &t)) > 0) {
		if (l->n == ATTRS_MAX)
			return PKM_E_UNEXPECTED;
		l->a[l->n++] = t;
	}
	return ret;
}

int attrs_check(const struct attr_list *l, const struct attr_rule *rules,
		size_t n_rules)
{
	uint8_t count[256] = { 0 };
	size_t i, r;

	for (i = 0; i < l->n; i++) {
		const struct pkm_tlv *t = &l->a[i];

		for (r = 0; r < n_rules; r++)
			if (rules[r].type == t->type)
				break;
		if (r == n_rules || count[t->type] == rules[r].max)
			return PKM_E_UNEXPECTED;
		if (t->len < rules[r].min_len || t->len > rules[r].max_len)
			return PKM_E_VALUE;
		count[t->type]++;
	}
	for (r = 0; r < n_rules; r++)
		if (count[rules[r].type] < rules[r].min)
			return PKM_E_MISSING;
	return PKM_OK;
}

const struct pkm_tlv *attrs_find(const struct attr_list *l, uint8_t type,
				 size_t nth)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->a[i].type == type && nth-- == 0)
			return &l->a[i];
	return NULL;
}

uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

uint8_t attr_u8(const struct attr_list *l, uint8_t type)
{
	const struct pkm_tlv *t = attrs_find(l, type, 0);

	return t && t->len == 1 ? t->val[0] : 0;
}

uint16_t attr_u16(const struct attr_list *l, uint8_t type)
{
	const struct pkm_tlv *t = attrs_find(l, type, 0);

	return t && t->len == 2 ? get_be16(t->val) : 0;
}

uint32_t attr_u32(const struct attr_list *l, uint8_t type)
{
	const struct pkm_tlv *t = attrs_find(l, type, 0);

	return t && t->len == 4 ? get_be32(t->val) : 0;
}

void attr_copy(const struct attr_list *l, uint8_t type, void *out,
	       size_t len)
{
	const struct pkm_tlv *t = attrs_find(l, type, 0);

	if (t && t->len == len)
		memcpy(out, t->val, len);
	else
		memset(out, 0, len);
}

struct pkm_bytes attr_bytes(const struct attr_list *l, uint8_t type)
{
	const struct pkm_tlv *t = attrs_find(l, type, 0);
	struct pkm_bytes b = { NULL, 0 };

	if (t) {
		b.p = t->val;
		b.len = t->len;
	}
	return b;
}

static bool printable(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return true;
}

/* Display-String goes to logs: printable ASCII only, no NUL. */
int attr_display(const struct attr_list *l, char *out)
{
	const struct pkm_tlv *t = attrs_find(l, PKM_A_DISPLAY_STRING, 0);

	out[0] = '\0';
	if (!t)
		return PKM_OK;
	if (t->len > PKM_DISPLAY_MAX || !printable(t->val, t->len))
		return PKM_E_VALUE;
	memcpy(out, t->val, t->len);
	out[t->len] = '\0';
	return PKM_OK;
}

void suite_decode(const uint8_t *p, struct pkm_crypto_suite *s)
{
	s->data_enc = p[0];
	s->data_auth = p[1];
	s->tek_enc = p[2];
}

int old_encoding(struct pkm_msg *m, const char *what)
{
	m->old_encoding = what;
	return PKM_E_OLD_ENCODING;
}

int put_display(struct pkm_tlv_writer *w, const char *s)
{
	size_t len;

	if (!s || !s[0])
		return PKM_OK;
	len = strnlen(s, PKM_DISPLAY_MAX + 1);
	if (len > PKM_DISPLAY_MAX || !printable((const uint8_t *)s, len)) {
		if (!w->err)
			w->err = PKM_E_INVAL;
		return w->err;
	}
	return pkm_tlv_put(w, PKM_A_DISPLAY_STRING, s, len);
}

int put_suite(struct pkm_tlv_writer *w, uint8_t type,
	      const struct pkm_crypto_suite *s)
{
	uint8_t b[3] = { s->data_enc, s->data_auth, s->tek_enc };

	return pkm_tlv_put(w, type, b, sizeof(b));
}

int put_bytes_attr(struct pkm_tlv_writer *w, uint8_t type,
		   const struct pkm_bytes *b, size_t max)
{
	if (!b->p || !b->len || b->len > max) {
		if (!w->err)
			w->err = PKM_E_INVAL;
		return w->err;
	}
	return pkm_tlv_put(w, type, b->p, b->len);
}
