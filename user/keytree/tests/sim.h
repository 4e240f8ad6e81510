/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helpers: key sets and the adversary.
 *
 * The adversary is the member-side algorithm run over everything a
 * coalition has: every key its members ever held, and every message ever
 * sent (the medium is shared).  It unwraps whatever it holds a key for,
 * applies every offset it can, steps the join key forward, and repeats to
 * a fixpoint.  Offsets cannot be checked, so applying one with a wrong
 * key yields garbage; candidates are kept only if the server really used
 * that key for that node ("truth").  Garbage never helps (a PRF or unwrap
 * with a random key), so the filter only keeps the computation finite; it
 * does not weaken the adversary.
 */
#ifndef KEYTREE_SIM_H
#define KEYTREE_SIM_H

#include <string.h>

#include "internal.h"

enum key_kind {
	KEY_NODE	= 0,	/* id: node id */
	KEY_LEAF_WRAP	= 1,	/* id: leaf node id */
	KEY_LEAF_AUTH	= 2,	/* id: leaf node id */
	KEY_JOIN	= 3,	/* id: join epoch */
};

static inline void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return p;
}

static inline uint64_t hash_ref(uint8_t kind, uint32_t id)
{
	uint64_t z = ((uint64_t)kind << 32 | id) + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t hash_key(uint8_t kind, uint32_t id, const uint8_t *key)
{
	uint64_t h = hash_ref(kind, id), k;

	memcpy(&k, key, 8);
	return h ^ (k * 0x9e3779b97f4a7c15ull);
}

/* ---- keyset: (kind, id, key) triples, iterable by (kind, id) ----------- */

struct keyset_entry {
	uint8_t kind;
	uint32_t id;
	uint8_t key[KEYTREE_KEY_LEN];
	uint64_t born;		/* seq at which it was first seen */
	int32_t next;		/* next entry with the same (kind, id) */
};

struct keyset {
	struct keyset_entry *e;
	size_t n, cap;
	int32_t *by_key;	/* open addressing over (kind, id, key) */
	int32_t *by_ref;	/* open addressing over (kind, id): list head */
	size_t slots;
};

static inline void keyset_free(struct keyset *ks)
{
	free(ks->e);
	free(ks->by_key);
	free(ks->by_ref);
	memset(ks, 0, sizeof(*ks));
}

static inline size_t keyset_key_slot(const struct keyset *ks, uint8_t kind,
			      uint32_t id, const uint8_t *key)
{
	size_t s = hash_key(kind, id, key) & (ks->slots - 1);

	while (ks->by_key[s] >= 0) {
		const struct keyset_entry *e = &ks->e[ks->by_key[s]];

		if (e->kind == kind && e->id == id &&
		    !memcmp(e->key, key, KEYTREE_KEY_LEN))
			break;
		s = (s + 1) & (ks->slots - 1);
	}
	return s;
}

static inline size_t keyset_ref_slot(const struct keyset *ks, uint8_t kind,
			      uint32_t id)
{
	size_t s = hash_ref(kind, id) & (ks->slots - 1);

	while (ks->by_ref[s] >= 0) {
		const struct keyset_entry *e = &ks->e[ks->by_ref[s]];

		if (e->kind == kind && e->id == id)
			break;
		s = (s + 1) & (ks->slots - 1);
	}
	return s;
}

static inline void keyset_rehash(struct keyset *ks, size_t slots)
{
	free(ks->by_key);
	free(ks->by_ref);
	ks->slots = slots;
	ks->by_key = xrealloc(NULL, slots * sizeof(int32_t));
	ks->by_ref = xrealloc(NULL, slots * sizeof(int32_t));
	memset(ks->by_key, 0xff, slots * sizeof(int32_t));
	memset(ks->by_ref, 0xff, slots * sizeof(int32_t));
	for (size_t i = 0; i < ks->n; i++) {
		struct keyset_entry *e = &ks->e[i];
		size_t r;

		ks->by_key[keyset_key_slot(ks, e->kind, e->id, e->key)] =
			(int32_t)i;
		r = keyset_ref_slot(ks, e->kind, e->id);
		e->next = ks->by_ref[r];
		ks->by_ref[r] = (int32_t)i;
	}
}

static inline int32_t keyset_find(const struct keyset *ks, uint8_t kind, uint32_t id,
			   const uint8_t *key)
{
	if (!ks->slots)
		return -1;
	return ks->by_key[keyset_key_slot(ks, kind, id, key)];
}

static inline int32_t keyset_first(const struct keyset *ks, uint8_t kind,
			    uint32_t id)
{
	if (!ks->slots)
		return -1;
	return ks->by_ref[keyset_ref_slot(ks, kind, id)];
}

/* Returns the new entry's index, or -1 if it was there already. */
static inline int32_t keyset_add(struct keyset *ks, uint8_t kind, uint32_t id,
			  const uint8_t *key, uint64_t born)
{
	struct keyset_entry *e;
	size_t r;

	if (keyset_find(ks, kind, id, key) >= 0)
		return -1;
	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? 2 * ks->cap : 256;
		ks->e = xrealloc(ks->e, ks->cap * sizeof(*ks->e));
	}
	e = &ks->e[ks->n];
	e->kind = kind;
	e->id = id;
	memcpy(e->key, key, KEYTREE_KEY_LEN);
	e->born = born;
	ks->n++;
	if (2 * ks->n > ks->slots) {
		keyset_rehash(ks, ks->slots ? 2 * ks->slots : 1024);
	} else {
		ks->by_key[keyset_key_slot(ks, kind, id, key)] =
			(int32_t)(ks->n - 1);
		r = keyset_ref_slot(ks, kind, id);
		e->next = ks->by_ref[r];
		ks->by_ref[r] = (int32_t)(ks->n - 1);
	}
	return (int32_t)(ks->n - 1);
}

/* ---- the adversary ----------------------------------------------------- */

enum adv_op { OP_UNWRAP_NODE, OP_OFFSET, OP_UNWRAP_JOIN };

struct adv_entry {
	uint8_t op;
	uint8_t need_kind;
	uint32_t need_id;
	uint32_t out_id;	/* node, or join epoch */
	uint32_t child;		/* offsets: child node, for the pad */
	uint64_t seq;
	uint8_t data[KEYTREE_WRAPPED_LEN];
	int32_t next_waiting;	/* next entry needing the same (kind, id) */
};

struct adversary {
	uint32_t group_id;
	const struct keyset *truth;
	struct keyset known;
	struct adv_entry *log;
	size_t log_n, log_cap;
	/* waiting lists: (kind, id) -> first entry; kept in a keyset whose
	 * "key" field holds the head index */
	int32_t *wait_head;
	uint64_t *wait_ref;
	size_t wait_slots, wait_n;
	int32_t *work;
	size_t work_n, work_cap;
	struct keytree_crypto crypto;
};

static inline void adv_init(struct adversary *adv, uint32_t group_id,
		     const struct keyset *truth)
{
	memset(adv, 0, sizeof(*adv));
	adv->group_id = group_id;
	adv->truth = truth;
	if (keytree_crypto_init(&adv->crypto)) {
		fprintf(stderr, "crypto init failed\n");
		exit(2);
	}
}

static inline void adv_free(struct adversary *adv)
{
	keyset_free(&adv->known);
	free(adv->log);
	free(adv->wait_head);
	free(adv->wait_ref);
	free(adv->work);
	keytree_crypto_fini(&adv->crypto);
}

static inline size_t adv_wait_slot(const struct adversary *adv, uint64_t ref)
{
	size_t s = hash_ref((uint8_t)(ref >> 32), (uint32_t)ref) &
		   (adv->wait_slots - 1);

	while (adv->wait_head[s] >= 0 && adv->wait_ref[s] != ref)
		s = (s + 1) & (adv->wait_slots - 1);
	return s;
}

static inline void adv_wait_grow(struct adversary *adv)
{
	size_t old_slots = adv->wait_slots;
	int32_t *old_head = adv->wait_head;
	uint64_t *old_ref = adv->wait_ref;

	adv->wait_slots = old_slots ? 2 * old_slots : 1024;
	adv->wait_head = xrealloc(NULL, adv->wait_slots * sizeof(int32_t));
	adv->wait_ref = xrealloc(NULL, adv->wait_slots * sizeof(uint64_t));
	memset(adv->wait_head, 0xff, adv->wait_slots * sizeof(int32_t));
	for (size_t i = 0; i < old_slots; i++) {
		size_t s;

		if (old_head[i] < 0)
			continue;
		s = adv_wait_slot(adv, old_ref[i]);
		adv->wait_head[s] = old_head[i];
		adv->wait_ref[s] = old_ref[i];
	}
	free(old_head);
	free(old_ref);
}

static inline int32_t adv_waiting(const struct adversary *adv, uint8_t kind,
			   uint32_t id)
{
	if (!adv->wait_slots)
		return -1;
	return adv->wait_head[adv_wait_slot(adv, (uint64_t)kind << 32 | id)];
}

/* Learn a key (if the server really had it) and queue it for use. */
static inline void adv_note(struct adversary *adv, uint8_t kind, uint32_t id,
		     const uint8_t *key)
{
	int32_t idx;

	if (adv->truth && keyset_find(adv->truth, kind, id, key) < 0)
		return;
	idx = keyset_add(&adv->known, kind, id, key, 0);
	if (idx < 0)
		return;
	if (adv->work_n == adv->work_cap) {
		adv->work_cap = adv->work_cap ? 2 * adv->work_cap : 256;
		adv->work = xrealloc(adv->work,
				     adv->work_cap * sizeof(*adv->work));
	}
	adv->work[adv->work_n++] = idx;
}

static inline void adv_try(struct adversary *adv, const struct adv_entry *e,
		    const uint8_t *key)
{
	uint8_t out[KEYTREE_KEY_LEN], pad[KEYTREE_KEY_LEN];

	switch (e->op) {
	case OP_UNWRAP_NODE:
		if (!keytree_crypto_unwrap(&adv->crypto, key, e->data, out))
			adv_note(adv, KEY_NODE, e->out_id, out);
		break;
	case OP_UNWRAP_JOIN:
		if (!keytree_crypto_unwrap(&adv->crypto, key, e->data, out))
			adv_note(adv, KEY_JOIN, e->out_id, out);
		break;
	case OP_OFFSET:
		keytree_crypto_offset_pad(&adv->crypto, key, adv->group_id,
					  e->child, e->seq, pad);
		keytree_xor_key(out, pad, e->data);
		adv_note(adv, KEY_NODE, e->out_id, out);
		break;
	}
}

static inline void adv_run(struct adversary *adv)
{
	while (adv->work_n) {
		struct keyset_entry k = adv->known.e[adv->work[--adv->work_n]];

		for (int32_t i = adv_waiting(adv, k.kind, k.id); i >= 0;
		     i = adv->log[i].next_waiting)
			adv_try(adv, &adv->log[i], k.key);
		if (k.kind == KEY_JOIN) {
			uint8_t next[KEYTREE_KEY_LEN];

			keytree_crypto_join_step(&adv->crypto, k.key,
						 adv->group_id, k.id + 1ull,
						 next);
			adv_note(adv, KEY_JOIN, k.id + 1, next);
		}
	}
}

static inline void adv_learn(struct adversary *adv, uint8_t kind, uint32_t id,
		      const uint8_t *key)
{
	adv_note(adv, kind, id, key);
	adv_run(adv);
}

static inline void adv_add_entry(struct adversary *adv, const struct adv_entry *src)
{
	uint64_t ref = (uint64_t)src->need_kind << 32 | src->need_id;
	struct adv_entry *e;
	size_t s;

	if (adv->log_n == adv->log_cap) {
		adv->log_cap = adv->log_cap ? 2 * adv->log_cap : 1024;
		adv->log = xrealloc(adv->log, adv->log_cap * sizeof(*adv->log));
	}
	if (2 * (adv->wait_n + 1) > adv->wait_slots)
		adv_wait_grow(adv);
	e = &adv->log[adv->log_n];
	*e = *src;
	s = adv_wait_slot(adv, ref);
	if (adv->wait_head[s] < 0) {
		adv->wait_n++;
		adv->wait_ref[s] = ref;
	}
	e->next_waiting = adv->wait_head[s];
	adv->wait_head[s] = (int32_t)adv->log_n++;
	for (int32_t k = keyset_first(&adv->known, src->need_kind,
				      src->need_id);
	     k >= 0; k = adv->known.e[k].next) {
		uint8_t key[KEYTREE_KEY_LEN];

		memcpy(key, adv->known.e[k].key, KEYTREE_KEY_LEN);
		adv_try(adv, e, key);
		e = &adv->log[adv->log_n - 1];
	}
	adv_run(adv);
}

/* Everything a message offers to someone holding the right keys. */
static inline void adv_add_message(struct adversary *adv, const struct keytree_msg *m)
{
	struct adv_entry e;

	for (uint32_t i = 0; i < m->wrap_count; i++) {
		const uint8_t *wrapped;

		memset(&e, 0, sizeof(e));
		e.op = OP_UNWRAP_NODE;
		keytree_msg_wrap(m, i, &e.out_id, &e.need_id, &wrapped);
		e.need_kind = m->kind == KEYTREE_MSG_MULTICAST ? KEY_NODE :
								  KEY_LEAF_WRAP;
		memcpy(e.data, wrapped, KEYTREE_WRAPPED_LEN);
		adv_add_entry(adv, &e);
	}
	for (uint32_t i = 0; i < m->offset_count; i++) {
		const uint8_t *offset;

		memset(&e, 0, sizeof(e));
		e.op = OP_OFFSET;
		keytree_msg_offset(m, i, &e.child, &offset);
		e.need_id = e.child;
		e.need_kind = keytree_node_level(e.child) ? KEY_NODE :
							     KEY_LEAF_AUTH;
		e.out_id = keytree_node_id(keytree_node_level(e.child) + 1,
					   keytree_node_index(e.child) /
						   m->degree);
		e.seq = m->seq;
		memcpy(e.data, offset, KEYTREE_KEY_LEN);
		adv_add_entry(adv, &e);
	}
	if (m->join_key) {
		memset(&e, 0, sizeof(e));
		e.op = OP_UNWRAP_JOIN;
		e.need_kind = KEY_LEAF_WRAP;
		e.need_id = keytree_node_id(0, m->member_leaf);
		e.out_id = (uint32_t)m->join_epoch;
		memcpy(e.data, m->join_key, KEYTREE_WRAPPED_LEN);
		adv_add_entry(adv, &e);
	}
}

static inline bool adv_knows(const struct adversary *adv, uint8_t kind, uint32_t id,
		      const uint8_t *key)
{
	return keyset_find(&adv->known, kind, id, key) >= 0;
}

/* ---- a small TLV writer for forged messages ---------------------------- */

struct forge {
	uint8_t buf[4096];
	size_t len;
};

static inline void forge_attr(struct forge *f, uint8_t type, const void *value,
		       size_t len)
{
	f->buf[f->len++] = type;
	f->buf[f->len++] = (uint8_t)len;	/* short form only */
	memcpy(f->buf + f->len, value, len);
	f->len += len;
}

static inline void forge_header(struct forge *f, uint8_t kind, uint8_t scheme,
			 uint8_t degree, uint8_t height, uint32_t group_id,
			 uint64_t seq)
{
	uint8_t h[KEYTREE_HEADER_LEN] = { KEYTREE_FORMAT_VERSION, kind,
					  scheme, degree, height };

	keytree_put_be32(h + 8, group_id);
	keytree_put_be64(h + 12, seq);
	f->len = 0;
	forge_attr(f, KEYTREE_ATTR_HEADER, h, sizeof(h));
}

static inline void forge_seal(struct forge *f, struct keytree_crypto *crypto,
		       const uint8_t *key, const char *label)
{
	uint8_t tag[KEYTREE_TAG_LEN];

	keytree_crypto_cmac(crypto, key, label, f->buf, f->len, tag);
	forge_attr(f, KEYTREE_ATTR_TAG, tag, sizeof(tag));
}

#endif /* KEYTREE_SIM_H */
