// SPDX-License-Identifier: GPL-2.0
/*
 * The server's tree: a d-ary tree kept as one array per level.
 *
 * Leaves are level 0; node (level, index) has parent (level + 1,
 * index / d), so a leaf's path never moves when the tree grows: growing
 * only adds a level on top.  Leaves are handed out from a LIFO of vacated
 * slots, then from the end.  Per member the server keeps 32 bytes of leaf
 * keys and one state byte; per internal node a 16-byte key and a 32-bit
 * member count.  Joins and leaves are staged here and committed by
 * keytree_server_rekey() (rekey.c).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

#define LEAF_CAP_MIN 64

unsigned int keytree_height_for(unsigned int degree, uint32_t leaves)
{
	unsigned int height = 1;
	uint64_t span = degree;

	while (span < leaves) {
		span *= degree;
		height++;
	}
	return height;
}

uint32_t keytree_level_width(const struct keytree_server *tree,
			     unsigned int level, uint32_t leaves)
{
	uint64_t span = tree->degree_pow[level];

	return (uint32_t)((leaves + span - 1) / span);
}

static void *grow_array(void *array, size_t old_count, size_t new_count,
			size_t size)
{
	uint8_t *grown = realloc(array, new_count * size);

	if (grown && new_count > old_count)
		memset(grown + old_count * size, 0,
		       (new_count - old_count) * size);
	return grown;
}

/* Realloc that wipes the old block: it may hold keys. */
static void *grow_secret_array(void *array, size_t old_count,
			       size_t new_count, size_t size)
{
	uint8_t *grown = calloc(new_count, size);

	if (!grown)
		return NULL;
	if (array) {
		memcpy(grown, array, old_count * size);
		OPENSSL_cleanse(array, old_count * size);
		free(array);
	}
	return grown;
}

int keytree_tree_reserve_leaves(struct keytree_server *tree, uint32_t leaves)
{
	uint32_t old_cap = tree->leaf_cap;
	uint64_t new_cap;
	unsigned int old_levels = tree->alloc_height, new_levels, level;
	void *grown;

	if (leaves <= old_cap)
		return KEYTREE_OK;
	if (leaves > KEYTREE_MAX_LEAVES)
		return KEYTREE_ERR_FULL;
	new_cap = (uint64_t)old_cap + old_cap / 4;
	if (new_cap < leaves)
		new_cap = leaves;
	if (new_cap < LEAF_CAP_MIN)
		new_cap = LEAF_CAP_MIN;
	new_cap = (new_cap + tree->degree - 1) / tree->degree * tree->degree;
	if (new_cap > KEYTREE_MAX_LEAVES)
		new_cap = KEYTREE_MAX_LEAVES;
	new_levels = keytree_height_for(tree->degree, (uint32_t)new_cap);

	grown = grow_secret_array(tree->leaf_keys, old_cap, new_cap,
				  sizeof(*tree->leaf_keys));
	if (!grown)
		return KEYTREE_ERR_NOMEM;
	tree->leaf_keys = grown;
	grown = grow_array(tree->leaf_state, old_cap, new_cap, 1);
	if (!grown)
		return KEYTREE_ERR_NOMEM;
	tree->leaf_state = grown;

	/* A failure below leaves bigger arrays and the old leaf_cap: the
	 * tree stays consistent and the next call resumes. */
	for (level = 1; level <= new_levels; level++) {
		struct keytree_level *lv = &tree->level[level];
		uint32_t old_width = level <= old_levels ?
			keytree_level_width(tree, level, old_cap) : 0;
		uint32_t new_width = keytree_level_width(tree, level,
							 (uint32_t)new_cap);

		grown = grow_secret_array(lv->keys, old_width, new_width,
					  KEYTREE_KEY_LEN);
		if (!grown)
			return KEYTREE_ERR_NOMEM;
		lv->keys = grown;
		grown = grow_array(lv->count, old_width, new_width,
				   sizeof(uint32_t));
		if (!grown)
			return KEYTREE_ERR_NOMEM;
		lv->count = grown;
	}
	/* New top levels start with the member counts of the level below. */
	for (level = old_levels + 1; level <= new_levels; level++) {
		uint32_t width = keytree_level_width(tree, level,
						     (uint32_t)new_cap);
		uint32_t below = keytree_level_width(tree, level - 1,
						     (uint32_t)new_cap);

		for (uint32_t i = 0; i < width; i++) {
			uint32_t sum = 0;

			for (uint32_t c = i * tree->degree;
			     c < (i + 1) * tree->degree && c < below; c++)
				sum += level == 1 ?
					!!(tree->leaf_state[c] &
					   KEYTREE_LEAF_MEMBER) :
					tree->level[level - 1].count[c];
			tree->level[level].count[i] = sum;
		}
	}
	tree->leaf_cap = (uint32_t)new_cap;
	tree->alloc_height = new_levels;
	return KEYTREE_OK;
}

static int reserve_u32(uint32_t **array, uint32_t *cap, uint32_t need)
{
	uint32_t new_cap;
	uint32_t *grown;

	if (need <= *cap)
		return KEYTREE_OK;
	new_cap = *cap ? *cap : 16;
	while (new_cap < need)
		new_cap = new_cap > UINT32_MAX / 2 ? need : new_cap * 2;
	grown = realloc(*array, (size_t)new_cap * sizeof(**array));
	if (!grown)
		return KEYTREE_ERR_NOMEM;
	*array = grown;
	*cap = new_cap;
	return KEYTREE_OK;
}

int keytree_tree_reserve_free(struct keytree_server *tree, uint32_t count)
{
	return reserve_u32(&tree->free_leaves, &tree->free_cap, count);
}

int keytree_tree_alloc(struct keytree_server **out, uint32_t group_id,
		       unsigned int scheme, unsigned int degree)
{
	struct keytree_server *tree;
	int err;

	if (!out || degree < KEYTREE_MIN_DEGREE ||
	    degree > KEYTREE_MAX_DEGREE ||
	    (scheme != KEYTREE_SCHEME_LKH && scheme != KEYTREE_SCHEME_OFFSET))
		return KEYTREE_ERR_INVAL;
	tree = calloc(1, sizeof(*tree));
	if (!tree)
		return KEYTREE_ERR_NOMEM;
	tree->group_id = group_id;
	tree->scheme = scheme;
	tree->degree = degree;
	tree->height = 1;
	tree->degree_pow[0] = 1;
	for (unsigned int l = 1; l < KEYTREE_MAX_HEIGHT + 2; l++)
		tree->degree_pow[l] = tree->degree_pow[l - 1] * degree;
	err = keytree_crypto_init(&tree->crypto);
	if (err) {
		free(tree);
		return err;
	}
	*out = tree;
	return KEYTREE_OK;
}

int keytree_server_new(struct keytree_server **out, uint32_t group_id,
		       enum keytree_scheme scheme, unsigned int degree)
{
	struct keytree_server *tree;
	int err;

	err = keytree_tree_alloc(&tree, group_id, scheme, degree);
	if (err)
		return err;
	if (scheme == KEYTREE_SCHEME_OFFSET) {
		err = keytree_crypto_random(tree->join_key, KEYTREE_KEY_LEN);
		if (err) {
			keytree_server_free(tree);
			return err;
		}
	}
	*out = tree;
	return KEYTREE_OK;
}

void keytree_server_free(struct keytree_server *tree)
{
	if (!tree)
		return;
	for (unsigned int level = 1; level <= KEYTREE_MAX_HEIGHT; level++) {
		struct keytree_level *lv = &tree->level[level];

		if (lv->keys && level <= tree->alloc_height)
			OPENSSL_cleanse(lv->keys, (size_t)KEYTREE_KEY_LEN *
					keytree_level_width(tree, level,
							    tree->leaf_cap));
		free(lv->keys);
		free(lv->count);
	}
	if (tree->leaf_keys)
		OPENSSL_cleanse(tree->leaf_keys,
				tree->leaf_cap * sizeof(*tree->leaf_keys));
	free(tree->leaf_keys);
	free(tree->leaf_state);
	free(tree->free_leaves);
	free(tree->staged_joins);
	free(tree->staged_leaves);
	keytree_crypto_fini(&tree->crypto);
	OPENSSL_cleanse(tree, sizeof(*tree));
	free(tree);
}

int keytree_server_join(struct keytree_server *tree,
			const uint8_t individual_key[KEYTREE_KEY_LEN],
			uint32_t *leaf_out)
{
	struct keytree_leaf_keys keys;
	uint32_t leaf;
	int err;

	if (!tree || !individual_key || !leaf_out)
		return KEYTREE_ERR_INVAL;
	if (!tree->free_count && tree->leaf_used >= KEYTREE_MAX_LEAVES)
		return KEYTREE_ERR_FULL;
	err = reserve_u32(&tree->staged_joins, &tree->staged_join_cap,
			  tree->staged_join_count + 1);
	if (!err && !tree->free_count)
		err = keytree_tree_reserve_leaves(tree, tree->leaf_used + 1);
	if (!err)
		err = keytree_crypto_member_keys(&tree->crypto, individual_key,
						 tree->group_id, keys.wrap,
						 keys.auth);
	if (err)
		return err;

	leaf = tree->free_count ? tree->free_leaves[--tree->free_count] :
				  tree->leaf_used++;
	tree->leaf_keys[leaf] = keys;
	OPENSSL_cleanse(&keys, sizeof(keys));
	tree->leaf_state[leaf] = KEYTREE_LEAF_JOINING;
	tree->staged_joins[tree->staged_join_count++] = leaf;
	*leaf_out = leaf;
	return KEYTREE_OK;
}

static void cancel_join(struct keytree_server *tree, uint32_t leaf)
{
	for (uint32_t i = 0; i < tree->staged_join_count; i++) {
		if (tree->staged_joins[i] == leaf) {
			tree->staged_joins[i] =
				tree->staged_joins[--tree->staged_join_count];
			break;
		}
	}
	OPENSSL_cleanse(&tree->leaf_keys[leaf], sizeof(tree->leaf_keys[leaf]));
	tree->leaf_state[leaf] = 0;
	tree->free_leaves[tree->free_count++] = leaf;
}

int keytree_server_leave(struct keytree_server *tree, uint32_t leaf)
{
	uint8_t state;
	int err;

	if (!tree)
		return KEYTREE_ERR_INVAL;
	if (leaf >= tree->leaf_used)
		return KEYTREE_ERR_NOT_MEMBER;
	state = tree->leaf_state[leaf];
	if (!(state & KEYTREE_LEAF_JOINING) &&
	    (!(state & KEYTREE_LEAF_MEMBER) || (state & KEYTREE_LEAF_LEAVING)))
		return KEYTREE_ERR_NOT_MEMBER;
	/* Room for every staged leaver on the free list, so the commit
	 * itself never allocates for it. */
	err = keytree_tree_reserve_free(tree, tree->free_count +
					tree->staged_leave_count + 1);
	if (err)
		return err;
	if (state & KEYTREE_LEAF_JOINING) {
		cancel_join(tree, leaf);
		return KEYTREE_OK;
	}
	err = reserve_u32(&tree->staged_leaves, &tree->staged_leave_cap,
			  tree->staged_leave_count + 1);
	if (err)
		return err;
	tree->leaf_state[leaf] |= KEYTREE_LEAF_LEAVING;
	tree->staged_leaves[tree->staged_leave_count++] = leaf;
	return KEYTREE_OK;
}

uint32_t keytree_tree_node_count(const struct keytree_server *tree,
				 unsigned int level, uint32_t index)
{
	if (level == 0)
		return !!(tree->leaf_state[index] & KEYTREE_LEAF_MEMBER);
	return tree->level[level].count[index];
}

int keytree_server_group_key(const struct keytree_server *tree,
			     uint8_t key[KEYTREE_KEY_LEN], uint64_t *seq)
{
	if (!tree || !key)
		return KEYTREE_ERR_INVAL;
	if (!tree->has_group_key)
		return KEYTREE_ERR_EMPTY;
	memcpy(key, tree->group_key, KEYTREE_KEY_LEN);
	if (seq)
		*seq = tree->seq;
	return KEYTREE_OK;
}

/* Recompute the group key and multicast authentication key from the
 * committed root (after a rekey or a load). */
int keytree_tree_refresh_epoch(struct keytree_server *tree)
{
	int err;

	if (!tree->members) {
		OPENSSL_cleanse(tree->group_key, KEYTREE_KEY_LEN);
		OPENSSL_cleanse(tree->p2mp_auth_key, KEYTREE_KEY_LEN);
		tree->has_group_key = false;
		return KEYTREE_OK;
	}
	err = keytree_crypto_epoch_keys(&tree->crypto, tree->scheme,
					tree->group_id, tree->seq,
					tree->join_key,
					tree->level[tree->height].keys[0],
					tree->group_key, tree->p2mp_auth_key);
	tree->has_group_key = !err;
	return err;
}

uint32_t keytree_server_member_count(const struct keytree_server *tree)
{
	return tree ? tree->members : 0;
}

bool keytree_server_is_member(const struct keytree_server *tree, uint32_t leaf)
{
	return tree && leaf < tree->leaf_used &&
	       (tree->leaf_state[leaf] & KEYTREE_LEAF_MEMBER);
}

unsigned int keytree_server_height(const struct keytree_server *tree)
{
	return tree ? tree->height : 0;
}

uint64_t keytree_server_seq(const struct keytree_server *tree)
{
	return tree ? tree->seq : 0;
}

size_t keytree_server_memory(const struct keytree_server *tree)
{
	size_t bytes;

	if (!tree)
		return 0;
	bytes = sizeof(*tree);
	bytes += (size_t)tree->leaf_cap * (sizeof(*tree->leaf_keys) + 1);
	for (unsigned int level = 1; level <= tree->alloc_height; level++)
		bytes += (size_t)keytree_level_width(tree, level,
						     tree->leaf_cap) *
			 (KEYTREE_KEY_LEN + sizeof(uint32_t));
	bytes += ((size_t)tree->free_cap + tree->staged_join_cap +
		  tree->staged_leave_cap) * sizeof(uint32_t);
	return bytes;
}
