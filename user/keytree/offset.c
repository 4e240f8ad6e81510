// SPDX-License-Identifier: GPL-2.0
/*
 * offset: join key plus leave keys linked by public offsets.
 *
 * Every node holds a leave key; a leaf's is its member's auth key.  A
 * member climbs from its leaf to the root with
 *
 *     parent = CMAC(child key, "KTOFFSET" || group || child || seq) ^ offset
 *
 * where seq is the rekey that published the offset.  The group key
 * derives from the join key and the root leave key.
 *
 * A leave gives every node on the leaver's path a fresh random key and
 * publishes, for each child holding staying members, the offset from that
 * child.  Pads come from a PRF keyed by the child's key on an input used
 * once, so an offset is a one-time pad to anyone without the child key;
 * and no departed member holds a current child key (its path is all new).
 *
 * A join steps the join key (rekey.c) and refreshes the leave keys of the
 * joiner's path one-way, K' = CMAC(K, "KTREFRSH" || group || node || seq):
 * members compute K' from K with no key material sent (the multicast only
 * names the nodes), and the joiner, which gets K', cannot go back to K.
 * Without this a joiner would receive leave keys that were in force before
 * it joined; with the join key of a member who left before it (stepped
 * forward, the step is public) the two could rebuild the group keys of the
 * time between them.  Nodes that were empty and gain members get fresh
 * random keys, since whoever left them may know their old keys.
 */
#include <openssl/crypto.h>

#include "internal.h"

static int publish_offset(struct keytree_rekey *rk, unsigned int level,
			  uint32_t index, const uint8_t *new_key,
			  uint32_t child)
{
	struct keytree_server *tree = rk->tree;
	uint32_t child_node = keytree_node_id(level - 1, child);
	const uint8_t *child_key;
	struct keytree_delivery *d;
	uint8_t pad[KEYTREE_KEY_LEN];
	int err;

	child_key = level == 1 ? tree->leaf_keys[child].auth :
				 keytree_rekey_node_key(rk, level - 1, child);
	d = keytree_rekey_add(rk, KEYTREE_DELIVERY_OFFSET,
			      keytree_node_id(level, index), child_node);
	if (!d)
		return KEYTREE_ERR_INVAL;
	err = keytree_crypto_offset_pad(&tree->crypto, child_key,
					tree->group_id, child_node,
					rk->plan->seq, pad);
	if (!err) {
		keytree_xor_key(d->data, pad, new_key);
		rk->plan->stats.offsets++;
	}
	OPENSSL_cleanse(pad, sizeof(pad));
	return err;
}

/* Joins only below: the key steps one-way; members are told the node. */
static int refresh_node(struct keytree_rekey *rk, unsigned int level,
			struct keytree_path_node *pn)
{
	struct keytree_server *tree = rk->tree;
	uint32_t node = keytree_node_id(level, pn->index);
	uint8_t *fresh;

	fresh = keytree_rekey_new_key(rk, pn);
	if (!fresh || rk->plan->changed_count >= rk->plan->changed_cap)
		return KEYTREE_ERR_INVAL;
	rk->plan->changed[rk->plan->changed_count++] = node;
	return keytree_crypto_refresh(&tree->crypto,
				      tree->level[level].keys[pn->index],
				      tree->group_id, node, rk->plan->seq,
				      fresh);
}

static int renew_node(struct keytree_rekey *rk, unsigned int level,
		      struct keytree_path_node *pn)
{
	const unsigned int d = rk->tree->degree;
	uint32_t child, end, width;
	const uint8_t *new_key;
	int err;

	if (pn->old_count + pn->joined - pn->left == 0)
		return KEYTREE_OK;	/* empty now: key wiped at commit */
	if (!pn->left && keytree_rekey_existed(rk, level, pn->index)) {
		if (!pn->joined)
			return KEYTREE_OK;	/* forced rekey: root kept */
		return refresh_node(rk, level, pn);
	}
	new_key = keytree_rekey_new_key(rk, pn);
	if (!new_key)
		return KEYTREE_ERR_INVAL;

	width = keytree_rekey_child_width(rk, level);
	end = (pn->index + 1) * d < width ? (pn->index + 1) * d : width;
	for (child = pn->index * d; child < end; child++) {
		if (!keytree_rekey_staying(rk, level - 1, child))
			continue;
		err = publish_offset(rk, level, pn->index, new_key, child);
		if (err)
			return err;
	}
	return KEYTREE_OK;
}

int keytree_offset_plan(struct keytree_rekey *rk)
{
	for (unsigned int level = 1; level <= rk->new_height; level++) {
		for (uint32_t i = rk->level_start[level];
		     i < rk->level_start[level + 1]; i++) {
			int err = renew_node(rk, level, &rk->nodes[i]);

			if (err)
				return err;
		}
	}
	return KEYTREE_OK;
}
