// SPDX-License-Identifier: GPL-2.0
/*
 * lkh: hybrid point-to-point / point-to-multipoint key tree updates.
 *
 * Every node on the changed paths that still has members gets a new key
 * (bottom-up, so a parent sees its children's new keys).  The new key of
 * node P reaches the members who stay:
 *
 *   - no member of P leaves in this rekey: wrapped once under P's old
 *     key, which exactly P's staying members know (every key a departed
 *     member knew was replaced when it left);
 *   - otherwise: for each child C holding staying members, wrapped under
 *     C's key after this rekey (new if C changed too).  A departed
 *     member knew only keys of its own path, all of which are new here.
 *
 * A wrap goes point-to-point, under the member's own wrap key, when it
 * would reach a single member; point-to-multipoint otherwise.  Joiners get
 * their whole new path in their welcome.
 */
#include <openssl/crypto.h>

#include "internal.h"

static int deliver(struct keytree_rekey *rk, unsigned int level,
		   uint32_t index, const uint8_t *new_key,
		   unsigned int under_level, uint32_t under_index,
		   const uint8_t *under_key)
{
	struct keytree_server *tree = rk->tree;
	struct keytree_plan *plan = rk->plan;
	uint32_t node = keytree_node_id(level, index);
	struct keytree_delivery *d;
	const uint8_t *kek;
	int err;

	if (keytree_rekey_staying(rk, under_level, under_index) == 1) {
		uint32_t leaf = keytree_rekey_lone_member(rk, under_level,
							  under_index);

		d = keytree_rekey_add(rk, KEYTREE_DELIVERY_P2P_WRAP, node,
				      keytree_node_id(0, leaf));
		kek = tree->leaf_keys[leaf].wrap;
		plan->stats.p2p_deliveries++;
	} else {
		d = keytree_rekey_add(rk, KEYTREE_DELIVERY_P2MP_WRAP, node,
				      keytree_node_id(under_level,
						      under_index));
		kek = under_key;
		plan->stats.p2mp_deliveries++;
	}
	if (!d)
		return KEYTREE_ERR_INVAL;
	err = keytree_crypto_wrap(&tree->crypto, kek, new_key, d->data);
	if (!err)
		plan->stats.keys_wrapped++;
	return err;
}

static int renew_node(struct keytree_rekey *rk, unsigned int level,
		      struct keytree_path_node *pn)
{
	struct keytree_server *tree = rk->tree;
	const unsigned int d = tree->degree;
	uint32_t staying = pn->old_count - pn->left;
	uint32_t child, end, width;
	const uint8_t *new_key;
	int err;

	if (pn->old_count + pn->joined - pn->left == 0)
		return KEYTREE_OK;	/* empty now: key wiped at commit */
	new_key = keytree_rekey_new_key(rk, pn);
	if (!new_key || rk->plan->changed_count >= rk->plan->changed_cap)
		return KEYTREE_ERR_INVAL;
	rk->plan->changed[rk->plan->changed_count++] =
		keytree_node_id(level, pn->index);
	if (!staying)
		return KEYTREE_OK;	/* only joiners below */

	if (!pn->left && keytree_rekey_existed(rk, level, pn->index))
		return deliver(rk, level, pn->index, new_key, level,
			       pn->index, tree->level[level].keys[pn->index]);

	width = keytree_rekey_child_width(rk, level);
	end = (pn->index + 1) * d < width ? (pn->index + 1) * d : width;
	for (child = pn->index * d; child < end; child++) {
		if (!keytree_rekey_staying(rk, level - 1, child))
			continue;
		err = deliver(rk, level, pn->index, new_key, level - 1, child,
			      level > 1 ? keytree_rekey_node_key(rk, level - 1,
								 child) :
				    NULL);
		if (err)
			return err;
	}
	return KEYTREE_OK;
}

int keytree_lkh_plan(struct keytree_rekey *rk)
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
