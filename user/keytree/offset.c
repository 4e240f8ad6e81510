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
 * A join changes no leave key that members hold: the join key steps
 * one-way (rekey.c) and the joiner gets its path in its welcome.  Nodes
 * that were empty and gain members get fresh keys, since their old keys
 * may be known to whoever left them.
 *
 * A leave gives every node on the leaver's path a fresh key and publishes,
 * for each child holding staying members, the offset from that child.
 * Pads come from a PRF keyed by the child's key on an input used once, so
 * an offset is a one-time pad to anyone without the child's key; and no
 * departed member holds a current child key (its own path is all new).
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

static int renew_node(struct keytree_rekey *rk, unsigned int level,
		      struct keytree_path_node *pn)
{
	const unsigned int d = rk->tree->degree;
	uint32_t child, end, width;
	const uint8_t *new_key;
	int err;

	if (pn->old_count + pn->joined - pn->left == 0)
		return KEYTREE_OK;	/* empty now: key wiped at commit */
	if (!pn->left && keytree_rekey_existed(rk, level, pn->index))
		return KEYTREE_OK;	/* joins only: leave key unchanged */
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
