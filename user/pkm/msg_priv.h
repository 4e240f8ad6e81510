/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKM_MSG_PRIV_H
#define PKM_MSG_PRIV_H

/* Shared by msg.c and the per-family message files; not installed. */
#include "pkm/err.h"
#include "pkm/msg.h"
#include "pkm/tlv.h"

#define ATTRS_MAX	40

struct attr_list {
	struct pkm_tlv a[ATTRS_MAX];
	size_t n;
};

/* One row per attribute a message (or compound attribute) may hold. */
struct attr_rule {
	uint8_t type;
	uint8_t min, max;		/* occurrences */
	uint16_t min_len, max_len;	/* value bytes */
};

#define RULES(r) (r), sizeof(r) / sizeof((r)[0])

int attrs_collect(const uint8_t *buf, size_t len, struct attr_list *l);
int attrs_check(const struct attr_list *l, const struct attr_rule *rules,
		size_t n_rules);
/* The nth (from 0) attribute of this type, or NULL. */
const struct pkm_tlv *attrs_find(const struct attr_list *l, uint8_t type,
				 size_t nth);

uint16_t get_be16(const uint8_t *p);
uint32_t get_be32(const uint8_t *p);

/* Decoders for attributes the rules have already sized. */
uint8_t attr_u8(const struct attr_list *l, uint8_t type);
uint16_t attr_u16(const struct attr_list *l, uint8_t type);
uint32_t attr_u32(const struct attr_list *l, uint8_t type);
void attr_copy(const struct attr_list *l, uint8_t type, void *out,
	       size_t len);
struct pkm_bytes attr_bytes(const struct attr_list *l, uint8_t type);
int attr_display(const struct attr_list *l, char *out);
void suite_decode(const uint8_t *p, struct pkm_crypto_suite *s);

/*
 * An encoding of wman before 802.16 conformance: notes what in m and
 * returns PKM_E_OLD_ENCODING, which the parse hands up unchanged.
 */
int old_encoding(struct pkm_msg *m, const char *what);

int put_display(struct pkm_tlv_writer *w, const char *s);
int put_suite(struct pkm_tlv_writer *w, uint8_t type,
	      const struct pkm_crypto_suite *s);
int put_bytes_attr(struct pkm_tlv_writer *w, uint8_t type,
		   const struct pkm_bytes *b, size_t max);

/* SA-Descriptor (23): in the Auth Reply, and in a Key Reply to SAID 0. */
int parse_sa_desc(const struct pkm_tlv *t, struct pkm_sa_desc *d,
		  struct pkm_msg *m);
int build_sa_desc(struct pkm_tlv_writer *w, const struct pkm_sa_desc *d);

/* Per-message parse (attribute list without the authenticator) and build. */
#define MSG_FUNCS(name) \
	int parse_##name(const struct attr_list *l, struct pkm_msg *m); \
	int build_##name(struct pkm_tlv_writer *w, const struct pkm_msg *m)

MSG_FUNCS(auth_request);
MSG_FUNCS(auth_reply);
MSG_FUNCS(auth_reject);
MSG_FUNCS(auth_info);
MSG_FUNCS(auth_invalid);
MSG_FUNCS(key_request);
MSG_FUNCS(key_reply);
MSG_FUNCS(key_reject);
MSG_FUNCS(tek_invalid);
MSG_FUNCS(group_key_update);

#endif
