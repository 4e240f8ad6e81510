// SPDX-License-Identifier: GPL-2.0
/*
 * The member side: apply the messages of one rekey.
 *
 * All work happens on a copy of the member's keys; the copy replaces the
 * state only once the sequence number is fresh, every message has
 * authenticated and the new group key is reached.  A unicast or welcome
 * message is checked under the member's auth key before anything in it
 * is used; the multicast message can only be checked at the end, under
 * the key derived from the new root it leads to.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

struct member_work {
	uint8_t height;
	uint32_t leaf;
	uint64_t join_epoch;
	uint8_t join_key[KEYTREE_KEY_LEN];
	uint8_t path[KEYTREE_MAX_HEIGHT + 1][KEYTREE_KEY_LEN];
	uint8_t group_key[KEYTREE_KEY_LEN];
	uint8_t p2mp_auth_key[KEYTREE_KEY_LEN];
};

int keytree_member_alloc(struct keytree_member **out)
{
	struct keytree_member *member = calloc(1, sizeof(*member));
	int err;

	if (!member)
		return KEYTREE_ERR_NOMEM;
	err = keytree_crypto_init(&member->crypto);
	if (err) {
		free(member);
		return err;
	}
	*out = member;
	return KEYTREE_OK;
}

int keytree_member_new(struct keytree_member **out, uint32_t group_id,
		       const uint8_t individual_key[KEYTREE_KEY_LEN])
{
	struct keytree_member *member;
	int err;

	if (!out || !individual_key)
		return KEYTREE_ERR_INVAL;
	err = keytree_member_alloc(&member);
	if (err)
		return err;
	member->group_id = group_id;
	err = keytree_crypto_member_keys(&member->crypto, individual_key,
					 group_id, member->wrap_key,
					 member->auth_key);
	if (err) {
		keytree_member_free(member);
		return err;
	}
	*out = member;
	return KEYTREE_OK;
}

void keytree_member_free(struct keytree_member *member)
{
	if (!member)
		return;
	keytree_crypto_fini(&member->crypto);
	OPENSSL_cleanse(member, sizeof(*member));
	free(member);
}

static uint32_t path_index(const struct keytree_member *member,
			   uint32_t leaf, unsigned int level)
{
	uint64_t span = 1;

	for (unsigned int l = 0; l < level; l++)
		span *= member->degree;
	return (uint32_t)(leaf / span);
}

static void commit(struct keytree_member *member, struct member_work *work,
		   uint64_t seq)
{
	member->height = work->height;
	member->leaf = work->leaf;
	member->join_epoch = work->join_epoch;
	memcpy(member->join_key, work->join_key, KEYTREE_KEY_LEN);
	memcpy(member->path, work->path, sizeof(member->path));
	memcpy(member->group_key, work->group_key, KEYTREE_KEY_LEN);
	member->joined = true;
	member->has_seq = true;
	member->seq = seq;
}

static int apply_welcome(struct keytree_member *member,
			 const struct keytree_msg *msg,
			 struct member_work *work)
{
	uint32_t seen = 0;
	int err;

	work->height = msg->height;
	work->leaf = msg->member_leaf;
	/* The parser put every wrap on this leaf's path, one per level;
	 * check there is no level twice. */
	for (uint32_t i = 0; i < msg->wrap_count; i++) {
		uint32_t node, under;
		const uint8_t *wrapped;
		unsigned int level;

		keytree_msg_wrap(msg, i, &node, &under, &wrapped);
		level = keytree_node_level(node);
		if (seen & (1u << level))
			return KEYTREE_ERR_MALFORMED;
		seen |= 1u << level;
		err = keytree_crypto_unwrap(&member->crypto, member->wrap_key,
					    wrapped, work->path[level]);
		if (err)
			return err;
	}
	if (msg->scheme == KEYTREE_SCHEME_OFFSET) {
		work->join_epoch = msg->join_epoch;
		err = keytree_crypto_unwrap(&member->crypto, member->wrap_key,
					    msg->join_key, work->join_key);
		if (err)
			return err;
	}
	return keytree_crypto_epoch_keys(&member->crypto, msg->scheme,
					 member->group_id, msg->seq,
					 work->join_key,
					 work->path[work->height],
					 work->group_key, work->p2mp_auth_key);
}

static int apply_lkh(struct keytree_member *member,
		     const struct keytree_msg *mc, const struct keytree_msg *uc,
		     struct member_work *work)
{
	const unsigned int old_height = member->height;
	const unsigned int height = mc->height;
	uint32_t my_index[KEYTREE_MAX_HEIGHT + 1];
	int from_p2p[KEYTREE_MAX_HEIGHT + 1], from_child[KEYTREE_MAX_HEIGHT + 1];
	int from_old[KEYTREE_MAX_HEIGHT + 1];
	bool changed[KEYTREE_MAX_HEIGHT + 1] = { false };
	uint32_t node, under;
	const uint8_t *wrapped;
	int err;

	for (unsigned int l = 0; l <= height; l++) {
		my_index[l] = path_index(member, member->leaf, l);
		from_p2p[l] = from_child[l] = from_old[l] = -1;
		changed[l] = l > old_height;
	}
	for (uint32_t i = 0; i < mc->changed_count; i++) {
		node = keytree_msg_changed(mc, i);
		if (keytree_node_index(node) ==
		    my_index[keytree_node_level(node)])
			changed[keytree_node_level(node)] = true;
	}
	for (uint32_t i = 0; uc && i < uc->wrap_count; i++) {
		keytree_msg_wrap(uc, i, &node, &under, &wrapped);
		if (keytree_node_level(node) <= height) {
			from_p2p[keytree_node_level(node)] = (int)i;
			changed[keytree_node_level(node)] = true;
		}
	}
	for (uint32_t i = 0; i < mc->wrap_count; i++) {
		unsigned int level;

		keytree_msg_wrap(mc, i, &node, &under, &wrapped);
		level = keytree_node_level(node);
		if (keytree_node_index(node) != my_index[level])
			continue;
		if (under == node)
			from_old[level] = (int)i;
		else if (level >= 2 &&
			 keytree_node_index(under) == my_index[level - 1])
			from_child[level] = (int)i;
	}

	for (unsigned int l = 1; l <= height; l++) {
		if (!changed[l])
			continue;
		if (from_p2p[l] >= 0) {
			keytree_msg_wrap(uc, (uint32_t)from_p2p[l], &node,
					 &under, &wrapped);
			err = keytree_crypto_unwrap(&member->crypto,
						    member->wrap_key, wrapped,
						    work->path[l]);
		} else if (from_child[l] >= 0) {
			keytree_msg_wrap(mc, (uint32_t)from_child[l], &node,
					 &under, &wrapped);
			err = keytree_crypto_unwrap(&member->crypto,
						    work->path[l - 1], wrapped,
						    work->path[l]);
		} else if (from_old[l] >= 0 && l <= old_height) {
			keytree_msg_wrap(mc, (uint32_t)from_old[l], &node,
					 &under, &wrapped);
			err = keytree_crypto_unwrap(&member->crypto,
						    member->path[l], wrapped,
						    work->path[l]);
		} else {
			return KEYTREE_ERR_INCOMPLETE;
		}
		if (err)
			return err;
	}
	return keytree_crypto_epoch_keys(&member->crypto, KEYTREE_SCHEME_LKH,
					 member->group_id, mc->seq, NULL,
					 work->path[height], work->group_key,
					 work->p2mp_auth_key);
}

static int apply_offset(struct keytree_member *member,
			const struct keytree_msg *mc, struct member_work *work)
{
	const unsigned int old_height = member->height;
	const unsigned int height = mc->height;
	uint32_t my_node[KEYTREE_MAX_HEIGHT + 1];
	int offset_for[KEYTREE_MAX_HEIGHT + 1];
	bool refreshed[KEYTREE_MAX_HEIGHT + 1] = { false };
	uint8_t pad[KEYTREE_KEY_LEN];
	uint32_t child;
	const uint8_t *offset;
	int err;

	if (mc->join_epoch < member->join_epoch)
		return KEYTREE_ERR_MALFORMED;
	if (mc->join_epoch - member->join_epoch > KEYTREE_MAX_JOIN_GAP)
		return KEYTREE_ERR_STALE;
	for (uint64_t e = member->join_epoch + 1; e <= mc->join_epoch; e++) {
		err = keytree_crypto_join_step(&member->crypto, work->join_key,
					       member->group_id, e,
					       work->join_key);
		if (err)
			return err;
	}
	work->join_epoch = mc->join_epoch;

	for (unsigned int l = 0; l <= height; l++) {
		my_node[l] = keytree_node_id(l, path_index(member,
							   member->leaf, l));
		offset_for[l] = -1;
	}
	/* offset_for[l]: the offset from my node at level l - 1 */
	for (uint32_t i = 0; i < mc->offset_count; i++) {
		unsigned int level;

		keytree_msg_offset(mc, i, &child, &offset);
		level = keytree_node_level(child) + 1;
		if (child == my_node[level - 1])
			offset_for[level] = (int)i;
	}
	for (uint32_t i = 0; i < mc->changed_count; i++) {
		uint32_t node = keytree_msg_changed(mc, i);

		if (node == my_node[keytree_node_level(node)])
			refreshed[keytree_node_level(node)] = true;
	}
	for (unsigned int l = 1; l <= height; l++) {
		const uint8_t *child_key = l == 1 ? member->auth_key :
						    work->path[l - 1];

		if (offset_for[l] < 0) {
			if (l > old_height) {
				err = KEYTREE_ERR_INCOMPLETE;
				goto out;
			}
			if (refreshed[l]) {
				err = keytree_crypto_refresh(
					&member->crypto, member->path[l],
					member->group_id, my_node[l], mc->seq,
					work->path[l]);
				if (err)
					goto out;
			}
			continue;
		}
		keytree_msg_offset(mc, (uint32_t)offset_for[l], &child,
				   &offset);
		err = keytree_crypto_offset_pad(&member->crypto, child_key,
						member->group_id, child,
						mc->seq, pad);
		if (err)
			goto out;
		keytree_xor_key(work->path[l], pad, offset);
	}
	err = keytree_crypto_epoch_keys(&member->crypto, KEYTREE_SCHEME_OFFSET,
					member->group_id, mc->seq,
					work->join_key, work->path[height],
					work->group_key, work->p2mp_auth_key);
out:
	/* The pad XORed with the offset is a path key: wiped on every path. */
	OPENSSL_cleanse(pad, sizeof(pad));
	return err;
}

static int check_messages(const struct keytree_member *member,
			  const struct keytree_msg *msgs, size_t count,
			  const struct keytree_msg **mc,
			  const struct keytree_msg **uc)
{
	*mc = *uc = NULL;
	if (!msgs || count == 0 || count > 2)
		return KEYTREE_ERR_INVAL;
	for (size_t i = 0; i < count; i++) {
		const struct keytree_msg *msg = &msgs[i];
		const struct keytree_msg **slot =
			msg->kind == KEYTREE_MSG_MULTICAST ? mc : uc;

		if (*slot || msg->seq != msgs[0].seq)
			return KEYTREE_ERR_INVAL;
		*slot = msg;
		if (msg->group_id != member->group_id)
			return KEYTREE_ERR_GROUP;
	}
	/* A welcome may repeat the last sequence number: it is the server's
	 * state at that rekey, and it must be able to replace a state that
	 * a forgery racing that rekey installed (see keytree.rst). */
	if (member->has_seq &&
	    (*uc && (*uc)->kind == KEYTREE_MSG_WELCOME ?
		     msgs[0].seq < member->seq : msgs[0].seq <= member->seq))
		return KEYTREE_ERR_REPLAY;
	return KEYTREE_OK;
}

int keytree_member_apply(struct keytree_member *member,
			 const struct keytree_msg *msgs, size_t count)
{
	const struct keytree_msg *mc, *uc;
	struct member_work work;
	int err;

	if (!member)
		return KEYTREE_ERR_INVAL;
	err = check_messages(member, msgs, count, &mc, &uc);
	if (err)
		return err;

	memset(&work, 0, sizeof(work));
	work.height = member->height;
	work.leaf = member->leaf;
	work.join_epoch = member->join_epoch;
	memcpy(work.join_key, member->join_key, KEYTREE_KEY_LEN);
	memcpy(work.path, member->path, sizeof(work.path));

	if (uc) {
		err = keytree_crypto_tag_verify(&member->crypto,
						member->auth_key,
						KEYTREE_LABEL_P2P_TAG, uc->buf,
						uc->signed_len, uc->tag);
		if (err)
			goto out;
		if (uc->kind == KEYTREE_MSG_WELCOME) {
			err = apply_welcome(member, uc, &work);
			if (err)
				goto out;
			member->scheme = uc->scheme;
			member->degree = uc->degree;
			commit(member, &work, uc->seq);
			goto out;
		}
		if (!member->joined || uc->member_leaf != member->leaf) {
			err = KEYTREE_ERR_NOT_FOR_ME;
			goto out;
		}
	}
	if (!member->joined) {
		err = KEYTREE_ERR_NO_KEY;
		goto out;
	}
	if (!mc) {
		err = KEYTREE_ERR_INCOMPLETE;
		goto out;
	}
	if (mc->scheme != member->scheme || mc->degree != member->degree ||
	    (uc && (uc->scheme != member->scheme ||
		    uc->degree != member->degree ||
		    uc->height != mc->height))) {
		err = KEYTREE_ERR_GROUP;
		goto out;
	}
	if (mc->height < member->height) {
		err = KEYTREE_ERR_MALFORMED;
		goto out;
	}
	work.height = mc->height;
	err = member->scheme == KEYTREE_SCHEME_LKH ?
		      apply_lkh(member, mc, uc, &work) :
		      apply_offset(member, mc, &work);
	if (!err)
		err = keytree_crypto_tag_verify(&member->crypto,
						work.p2mp_auth_key,
						KEYTREE_LABEL_P2MP_TAG,
						mc->buf, mc->signed_len,
						mc->tag);
	if (!err)
		commit(member, &work, mc->seq);
out:
	OPENSSL_cleanse(&work, sizeof(work));
	return err;
}

int keytree_member_group_key(const struct keytree_member *member,
			     uint8_t key[KEYTREE_KEY_LEN], uint64_t *seq)
{
	if (!member || !key)
		return KEYTREE_ERR_INVAL;
	if (!member->joined)
		return KEYTREE_ERR_NO_KEY;
	memcpy(key, member->group_key, KEYTREE_KEY_LEN);
	if (seq)
		*seq = member->seq;
	return KEYTREE_OK;
}

bool keytree_member_has_key(const struct keytree_member *member)
{
	return member && member->joined;
}

uint32_t keytree_member_leaf(const struct keytree_member *member)
{
	return member ? member->leaf : 0;
}

uint64_t keytree_member_seq(const struct keytree_member *member)
{
	return member ? member->seq : 0;
}
