// SPDX-License-Identifier: GPL-2.0
/*
 * SS: applying a multicast group's rekey messages (keytree member side)
 * and deriving the group TEK from the new group key (group.h).  Kept
 * free of the kernel and the event loop so that the unit tests drive it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "group.h"
#include "ss_group.h"

static void drop_pending(struct ss_group_state *st)
{
	free(st->pending);
	st->pending = NULL;
	st->pending_len = 0;
}

static int keep_pending(struct ss_group_state *st, const uint8_t *p,
			size_t len)
{
	uint8_t *copy = malloc(len);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, p, len);
	drop_pending(st);
	st->pending = copy;
	st->pending_len = len;
	return 0;
}

int ss_group_payload_group(const uint8_t *payload, size_t len, uint8_t *group)
{
	struct keytree_msg msg;

	if (keytree_msg_parse(payload, len, &msg) || msg.group_id > 255)
		return -EINVAL;
	*group = (uint8_t)msg.group_id;
	return 0;
}

static int refuse(struct ss_group_state *st, int kt_err)
{
	st->refused++;
	st->last_error = kt_err;
	return -EPERM;
}

int ss_group_apply(struct ss_group_state *st, const uint8_t ikey[KEYTREE_KEY_LEN],
		   const uint8_t *payload, size_t len, uint64_t *seq,
		   uint8_t tek[PKM_KEY_LEN])
{
	struct keytree_msg msgs[2];
	uint8_t gk[KEYTREE_KEY_LEN];
	size_t n = 1;
	int err;

	err = keytree_msg_parse(payload, len, &msgs[0]);
	if (err)
		return refuse(st, err);
	if (msgs[0].group_id != st->group)
		return refuse(st, KEYTREE_ERR_GROUP);

	if (msgs[0].kind == KEYTREE_MSG_WELCOME) {
		struct keytree_member *m;

		err = keytree_member_new(&m, st->group, ikey);
		if (err)
			return refuse(st, err);
		err = keytree_member_apply(m, msgs, 1);
		if (err) {
			keytree_member_free(m);
			return refuse(st, err);
		}
		keytree_member_free(st->member);
		st->member = m;
		drop_pending(st);
	} else {
		if (!st->member)
			return refuse(st, KEYTREE_ERR_NO_KEY);
		/* the other half of the same rekey, if it came first */
		if (st->pending &&
		    keytree_msg_parse(st->pending, st->pending_len, &msgs[1]) == 0 &&
		    msgs[1].seq == msgs[0].seq && msgs[1].kind != msgs[0].kind)
			n = 2;
		err = keytree_member_apply(st->member, msgs, n);
		if (err == KEYTREE_ERR_INCOMPLETE) {
			if (keep_pending(st, payload, len))
				return refuse(st, KEYTREE_ERR_NOMEM);
			return -EAGAIN;
		}
		if (err)
			return refuse(st, err);
		drop_pending(st);
	}
	st->rekeys++;
	err = keytree_member_group_key(st->member, gk, seq);
	if (!err)
		err = group_tek(gk, st->group, *seq, tek) ? KEYTREE_ERR_CRYPTO : 0;
	OPENSSL_cleanse(gk, sizeof(gk));
	return err ? refuse(st, err) : 0;
}

/* Fragments */

static void frags_drop(struct ss_group_frags *fr)
{
	if (fr->slice) {
		for (size_t i = 0; i < fr->count; i++)
			free(fr->slice[i]);
	}
	free(fr->slice);
	free(fr->slice_len);
	fr->slice = NULL;
	fr->slice_len = NULL;
	fr->active = false;
	fr->count = fr->have = 0;
	fr->total = fr->bytes = 0;
}

static int frags_start(struct ss_group_frags *fr,
		       const struct pkm_group_fragment *f, int64_t now_ms)
{
	fr->slice = calloc(f->count, sizeof(*fr->slice));
	fr->slice_len = calloc(f->count, sizeof(*fr->slice_len));
	if (!fr->slice || !fr->slice_len) {
		free(fr->slice);
		free(fr->slice_len);
		fr->slice = NULL;
		fr->slice_len = NULL;
		return -ENOMEM;
	}
	fr->active = true;
	fr->rekey_id = f->rekey_id;
	fr->count = f->count;
	fr->total = f->total;
	fr->have = 0;
	fr->bytes = 0;
	fr->started_ms = now_ms;
	return 0;
}

/* The slices in index order; the set is gone either way. */
static int frags_join(struct ss_group_frags *fr, uint8_t **out,
		      size_t *out_len)
{
	uint8_t *buf;
	size_t pos = 0;

	if (fr->bytes != fr->total) {
		frags_drop(fr);
		return -EINVAL;
	}
	buf = malloc(fr->total);
	if (!buf) {
		frags_drop(fr);
		return -ENOMEM;
	}
	for (size_t i = 0; i < fr->count; i++) {
		memcpy(buf + pos, fr->slice[i], fr->slice_len[i]);
		pos += fr->slice_len[i];
	}
	fr->done = true;
	fr->done_id = fr->rekey_id;
	*out = buf;
	*out_len = pos;
	frags_drop(fr);
	return 1;
}

int ss_group_fragment(struct ss_group_state *st,
		      const struct pkm_group_fragment *f,
		      const uint8_t *slice, size_t len, int64_t now_ms,
		      uint8_t **out, size_t *out_len, bool *dropped,
		      uint64_t *dropped_id)
{
	struct ss_group_frags *fr = &st->frags;
	uint8_t *copy;
	int err;

	*dropped = false;
	/* the parser checked these already; the bounds are ours */
	if (f->count < 2 || f->count > GROUP_FRAG_COUNT_MAX ||
	    f->index >= f->count || f->total < f->count ||
	    f->total > GROUP_REKEY_MAX_LEN || !len || len > f->total)
		return -EINVAL;
	if (fr->active && f->rekey_id < fr->rekey_id)
		return -ESTALE;
	if (fr->active && f->rekey_id > fr->rekey_id) {
		*dropped = true;
		*dropped_id = fr->rekey_id;
		st->frag_sets_dropped++;
		frags_drop(fr);
	}
	if (!fr->active) {
		if (fr->done && f->rekey_id == fr->done_id)
			return -EALREADY;
		err = frags_start(fr, f, now_ms);
		if (err)
			return err;
	}
	if (f->count != fr->count || f->total != fr->total)
		return -EINVAL;
	if (fr->slice[f->index]) {
		if (fr->slice_len[f->index] != len ||
		    memcmp(fr->slice[f->index], slice, len))
			return -EINVAL;
		return -EALREADY;
	}
	if (len > fr->total - fr->bytes)
		return -EINVAL;
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, slice, len);
	fr->slice[f->index] = copy;
	fr->slice_len[f->index] = (uint32_t)len;
	fr->bytes += (uint32_t)len;
	fr->have++;
	if (fr->have < fr->count)
		return 0;
	err = frags_join(fr, out, out_len);
	if (err == 1)
		st->frag_sets++;
	return err;
}

bool ss_group_fragments_expire(struct ss_group_state *st, int64_t now_ms,
			       uint64_t *id, unsigned int *have,
			       unsigned int *count)
{
	struct ss_group_frags *fr = &st->frags;

	if (!fr->active || now_ms - fr->started_ms < GROUP_FRAG_TIMEOUT_MS)
		return false;
	*id = fr->rekey_id;
	*have = fr->have;
	*count = fr->count;
	st->frag_sets_dropped++;
	frags_drop(fr);
	return true;
}

int64_t ss_group_fragments_due_ms(const struct ss_group_state *st,
				  int64_t now_ms)
{
	int64_t left;

	if (!st->frags.active)
		return -1;
	left = st->frags.started_ms + GROUP_FRAG_TIMEOUT_MS - now_ms;
	return left > 0 ? left : 0;
}

void ss_group_state_clear(struct ss_group_state *st)
{
	keytree_member_free(st->member);
	st->member = NULL;
	drop_pending(st);
	frags_drop(&st->frags);
}
