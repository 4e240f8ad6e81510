// SPDX-License-Identifier: GPL-2.0
/*
 * Committing a batch of staged joins and leaves as one rekey.
 *
 * The changed leaves are sorted; the union of their paths is built level
 * by level (each node once, with how many of its members join and leave),
 * so a key on several changed paths is replaced once.  The scheme
 * (lkh.c, offset.c) then decides new keys and deliveries bottom-up,
 * writing new keys to a side array.  Only when everything, group key
 * included, has been computed is the tree changed, so a failure leaves
 * the tree as it was.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

struct keytree_path_node *
keytree_rekey_find(const struct keytree_rekey *rk, unsigned int level,
		   uint32_t index)
{
	uint32_t lo = rk->level_start[level], hi = rk->level_start[level + 1];

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rk->nodes[mid].index == index)
			return &rk->nodes[mid];
		if (rk->nodes[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static uint32_t old_count(const struct keytree_rekey *rk, unsigned int level,
			  uint32_t index)
{
	const struct keytree_path_node *pn = keytree_rekey_find(rk, level,
								index);

	return pn ? pn->old_count :
		    keytree_tree_node_count(rk->tree, level, index);
}

uint32_t keytree_rekey_staying(const struct keytree_rekey *rk,
			       unsigned int level, uint32_t index)
{
	const struct keytree_path_node *pn;

	if (level == 0)
		return (rk->tree->leaf_state[index] &
			(KEYTREE_LEAF_MEMBER | KEYTREE_LEAF_LEAVING)) ==
		       KEYTREE_LEAF_MEMBER;
	pn = keytree_rekey_find(rk, level, index);
	if (pn)
		return pn->old_count - pn->left;
	return rk->tree->level[level].count[index];
}

/* Did the node hold a key that members know before this rekey? */
bool keytree_rekey_existed(const struct keytree_rekey *rk, unsigned int level,
			   uint32_t index)
{
	return level <= rk->old_height && old_count(rk, level, index) > 0;
}

uint32_t keytree_rekey_lone_member(const struct keytree_rekey *rk,
				   unsigned int level, uint32_t index)
{
	const unsigned int d = rk->tree->degree;

	while (level > 0) {
		uint32_t width = keytree_rekey_child_width(rk, level);
		uint32_t child = index * d, end = child + d;

		if (end > width)
			end = width;
		while (child < end &&
		       !keytree_rekey_staying(rk, level - 1, child))
			child++;
		index = child;	/* the caller saw exactly one staying member */
		level--;
	}
	return index;
}

/* Nodes at level - 1 that exist: the leaves in use, or the level below. */
uint32_t keytree_rekey_child_width(const struct keytree_rekey *rk,
				   unsigned int level)
{
	return keytree_level_width(rk->tree, level - 1, rk->tree->leaf_used);
}

const uint8_t *keytree_rekey_node_key(const struct keytree_rekey *rk,
				      unsigned int level, uint32_t index)
{
	const struct keytree_path_node *pn = keytree_rekey_find(rk, level,
								index);

	if (pn && pn->key_slot >= 0)
		return rk->fresh_keys[pn->key_slot];
	return rk->tree->level[level].keys[index];
}

uint8_t *keytree_rekey_new_key(struct keytree_rekey *rk,
			       struct keytree_path_node *node)
{
	if (rk->fresh_used >= rk->fresh_count)
		return NULL;
	node->key_slot = (int32_t)rk->fresh_used;
	return rk->fresh_keys[rk->fresh_used++];
}

struct keytree_delivery *keytree_rekey_add(struct keytree_rekey *rk,
					   uint8_t kind, uint32_t node,
					   uint32_t under)
{
	struct keytree_delivery *d;

	if (kind == KEYTREE_DELIVERY_P2MP_WRAP ||
	    kind == KEYTREE_DELIVERY_OFFSET)
		return keytree_plan_add(rk->plan, kind, node, under);
	if (rk->p2p_count >= rk->p2p_cap)
		return NULL;
	d = &rk->p2p[rk->p2p_count++];
	d->kind = kind;
	d->node = node;
	d->under = under;
	return d;
}

static int compare_path_node(const void *a, const void *b)
{
	const struct keytree_path_node *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* Level 0: the changed leaves, sorted.  Level l: their ancestors, each
 * once, with joins and leaves summed.  Sorted input keeps every level
 * sorted, so merging runs is enough. */
static int build_path_union(struct keytree_rekey *rk, bool force)
{
	struct keytree_server *tree = rk->tree;
	unsigned int top = tree->alloc_height;
	size_t changes = (size_t)rk->joins + rk->leaves;
	size_t cap = (changes + 1) * (top + 1);
	struct keytree_path_node *nodes;
	uint32_t n = 0;

	nodes = calloc(cap, sizeof(*nodes));
	if (!nodes)
		return KEYTREE_ERR_NOMEM;
	for (uint32_t i = 0; i < rk->joins; i++)
		nodes[n++] = (struct keytree_path_node){
			.index = tree->staged_joins[i], .joined = 1,
			.key_slot = -1 };
	for (uint32_t i = 0; i < rk->leaves; i++)
		nodes[n++] = (struct keytree_path_node){
			.index = tree->staged_leaves[i], .left = 1,
			.old_count = 1, .key_slot = -1 };
	qsort(nodes, n, sizeof(*nodes), compare_path_node);
	rk->level_start[0] = 0;
	rk->level_start[1] = n;

	for (unsigned int level = 1; level <= top; level++) {
		uint32_t begin = rk->level_start[level - 1];
		uint32_t end = rk->level_start[level];

		for (uint32_t i = begin; i < end; i++) {
			uint32_t parent = nodes[i].index / tree->degree;
			struct keytree_path_node *last = &nodes[n - 1];

			if (n > end && last->index == parent) {
				last->joined += nodes[i].joined;
				last->left += nodes[i].left;
				continue;
			}
			nodes[n++] = (struct keytree_path_node){
				.index = parent, .joined = nodes[i].joined,
				.left = nodes[i].left,
				.old_count = tree->level[level].count[parent],
				.key_slot = -1 };
		}
		/* A forced rekey with nothing staged still renews the root. */
		if (force && level == rk->new_height && n == end)
			nodes[n++] = (struct keytree_path_node){
				.index = 0,
				.old_count = tree->level[level].count[0],
				.key_slot = -1 };
		rk->level_start[level + 1] = n;
	}
	rk->nodes = nodes;
	return KEYTREE_OK;
}

static int add_welcomes(struct keytree_rekey *rk)
{
	uint32_t root = keytree_node_id(rk->new_height, 0);

	for (uint32_t i = 0; i < rk->joins; i++) {
		uint32_t leaf = rk->tree->staged_joins[i];

		if (!keytree_rekey_add(rk, KEYTREE_DELIVERY_WELCOME, root,
				       keytree_node_id(0, leaf)))
			return KEYTREE_ERR_INVAL;
		rk->plan->stats.keys_wrapped += rk->new_height +
			(rk->tree->scheme == KEYTREE_SCHEME_OFFSET);
		rk->plan->stats.p2p_deliveries += rk->new_height;
	}
	return KEYTREE_OK;
}

/* Everything below is plain stores: nothing can fail any more. */
static void commit(struct keytree_rekey *rk, const uint8_t *join_key,
		   uint64_t join_epoch, const uint8_t *group_key,
		   const uint8_t *p2mp_auth_key)
{
	struct keytree_server *tree = rk->tree;

	for (unsigned int level = 1; level <= tree->alloc_height; level++) {
		struct keytree_level *lv = &tree->level[level];

		for (uint32_t i = rk->level_start[level];
		     i < rk->level_start[level + 1]; i++) {
			const struct keytree_path_node *pn = &rk->nodes[i];
			uint32_t count = pn->old_count + pn->joined - pn->left;

			lv->count[pn->index] = count;
			if (pn->key_slot >= 0)
				memcpy(lv->keys[pn->index],
				       rk->fresh_keys[pn->key_slot],
				       KEYTREE_KEY_LEN);
			else if (!count)
				OPENSSL_cleanse(lv->keys[pn->index],
						KEYTREE_KEY_LEN);
		}
	}
	for (uint32_t i = 0; i < rk->joins; i++)
		tree->leaf_state[tree->staged_joins[i]] = KEYTREE_LEAF_MEMBER;
	for (uint32_t i = 0; i < rk->leaves; i++) {
		uint32_t leaf = tree->staged_leaves[i];

		tree->leaf_state[leaf] = 0;
		OPENSSL_cleanse(&tree->leaf_keys[leaf],
				sizeof(tree->leaf_keys[leaf]));
		tree->free_leaves[tree->free_count++] = leaf;
	}
	tree->members = tree->members + rk->joins - rk->leaves;
	tree->staged_join_count = 0;
	tree->staged_leave_count = 0;
	tree->height = rk->new_height;
	tree->seq++;
	memcpy(tree->join_key, join_key, KEYTREE_KEY_LEN);
	tree->join_epoch = join_epoch;
	tree->has_group_key = tree->members > 0;
	if (tree->has_group_key) {
		memcpy(tree->group_key, group_key, KEYTREE_KEY_LEN);
		memcpy(tree->p2mp_auth_key, p2mp_auth_key, KEYTREE_KEY_LEN);
	} else {
		OPENSSL_cleanse(tree->group_key, KEYTREE_KEY_LEN);
		OPENSSL_cleanse(tree->p2mp_auth_key, KEYTREE_KEY_LEN);
	}
}

static void rekey_release(struct keytree_rekey *rk)
{
	if (rk->fresh_keys)
		OPENSSL_cleanse(rk->fresh_keys,
				(size_t)rk->fresh_count * KEYTREE_KEY_LEN);
	free(rk->fresh_keys);
	free(rk->nodes);
	free(rk->p2p);
}

int keytree_server_rekey(struct keytree_server *tree, unsigned int flags,
			 struct keytree_plan **plan_out)
{
	struct keytree_rekey rk = { .tree = tree };
	bool force = flags & KEYTREE_REKEY_FORCE;
	uint8_t join_key[KEYTREE_KEY_LEN];
	uint8_t group_key[KEYTREE_KEY_LEN] = { 0 };
	uint8_t p2mp_auth_key[KEYTREE_KEY_LEN] = { 0 };
	uint64_t join_epoch;
	uint32_t internal_nodes, members_after;
	size_t delivery_bound;
	int err;

	if (!tree || !plan_out || (flags & ~KEYTREE_REKEY_FORCE))
		return KEYTREE_ERR_INVAL;
	rk.joins = tree->staged_join_count;
	rk.leaves = tree->staged_leave_count;
	members_after = tree->members + rk.joins - rk.leaves;
	if (!rk.joins && !rk.leaves) {
		if (!force)
			return KEYTREE_ERR_NOTHING;
		if (!tree->members)
			return KEYTREE_ERR_EMPTY;
	}
	rk.old_height = tree->height;
	rk.new_height = keytree_height_for(tree->degree, tree->leaf_used);

	err = build_path_union(&rk, force);
	if (err)
		goto out;
	internal_nodes = rk.level_start[rk.new_height + 1] - rk.level_start[1];
	rk.fresh_count = internal_nodes;
	rk.fresh_keys = calloc(internal_nodes ? internal_nodes : 1,
			       KEYTREE_KEY_LEN);
	delivery_bound = (size_t)internal_nodes * tree->degree + rk.joins + 1;
	rk.p2p = calloc(delivery_bound, sizeof(*rk.p2p));
	rk.p2p_cap = delivery_bound;
	if (!rk.fresh_keys || !rk.p2p) {
		err = KEYTREE_ERR_NOMEM;
		goto out;
	}
	err = keytree_crypto_random(&rk.fresh_keys[0][0],
				    (size_t)internal_nodes * KEYTREE_KEY_LEN);
	if (err)
		goto out;
	err = keytree_plan_alloc(&rk.plan, delivery_bound, internal_nodes);
	if (err)
		goto out;
	rk.plan->group_id = tree->group_id;
	rk.plan->scheme = tree->scheme;
	rk.plan->degree = tree->degree;
	rk.plan->height = rk.new_height;
	rk.plan->seq = tree->seq + 1;
	rk.plan->stats.joins = rk.joins;
	rk.plan->stats.leaves = rk.leaves;
	/* Members who were there before and stay follow the multicast
	 * message; joiners need only their welcome. */
	rk.plan->has_multicast = members_after > rk.joins;

	err = tree->scheme == KEYTREE_SCHEME_LKH ? keytree_lkh_plan(&rk) :
						    keytree_offset_plan(&rk);
	if (!err)
		err = add_welcomes(&rk);
	if (err)
		goto out;

	memcpy(join_key, tree->join_key, KEYTREE_KEY_LEN);
	join_epoch = tree->join_epoch;
	if (tree->scheme == KEYTREE_SCHEME_OFFSET && (rk.joins || force)) {
		join_epoch++;
		err = keytree_crypto_join_step(&tree->crypto, tree->join_key,
					       tree->group_id, join_epoch,
					       join_key);
		if (err)
			goto out;
	}
	rk.plan->join_epoch = join_epoch;
	if (members_after) {
		err = keytree_crypto_epoch_keys(
			&tree->crypto, tree->scheme, tree->group_id,
			tree->seq + 1, join_key,
			keytree_rekey_node_key(&rk, rk.new_height, 0),
			group_key, p2mp_auth_key);
		if (err)
			goto out;
	}
	memcpy(rk.plan->deliveries + rk.plan->delivery_count, rk.p2p,
	       rk.p2p_count * sizeof(*rk.p2p));
	rk.plan->multicast_count = rk.plan->delivery_count;
	rk.plan->delivery_count += rk.p2p_count;
	err = keytree_plan_finish(rk.plan);
	if (err)
		goto out;

	commit(&rk, join_key, join_epoch, group_key, p2mp_auth_key);
	*plan_out = rk.plan;
	rk.plan = NULL;
out:
	OPENSSL_cleanse(join_key, sizeof(join_key));
	OPENSSL_cleanse(group_key, sizeof(group_key));
	OPENSSL_cleanse(p2mp_auth_key, sizeof(p2mp_auth_key));
	keytree_plan_free(rk.plan);
	rekey_release(&rk);
	return err;
}

int keytree_server_plan_resync(struct keytree_server *tree, uint32_t leaf,
			       struct keytree_plan **plan_out)
{
	struct keytree_plan *plan;
	struct keytree_delivery *d;
	int err;

	if (!tree || !plan_out)
		return KEYTREE_ERR_INVAL;
	if (!keytree_server_is_member(tree, leaf))
		return KEYTREE_ERR_NOT_MEMBER;
	err = keytree_plan_alloc(&plan, 1, 0);
	if (err)
		return err;
	plan->group_id = tree->group_id;
	plan->scheme = tree->scheme;
	plan->degree = tree->degree;
	plan->height = tree->height;
	plan->seq = tree->seq;
	plan->join_epoch = tree->join_epoch;
	d = keytree_plan_add(plan, KEYTREE_DELIVERY_WELCOME,
			     keytree_node_id(tree->height, 0),
			     keytree_node_id(0, leaf));
	if (!d) {
		keytree_plan_free(plan);
		return KEYTREE_ERR_INVAL;
	}
	plan->stats.keys_wrapped = tree->height +
		(tree->scheme == KEYTREE_SCHEME_OFFSET);
	plan->stats.p2p_deliveries = tree->height;
	err = keytree_plan_finish(plan);
	if (err) {
		keytree_plan_free(plan);
		return err;
	}
	*plan_out = plan;
	return KEYTREE_OK;
}
