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

void ss_group_state_clear(struct ss_group_state *st)
{
	keytree_member_free(st->member);
	st->member = NULL;
	drop_pending(st);
}
