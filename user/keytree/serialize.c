// SPDX-License-Identifier: GPL-2.0
/*
 * Saved state of a server tree and of a member.
 *
 * Server blob, version 1 (integers big-endian):
 *
 *   "KTRS" version scheme degree height     8
 *   group_id(4) seq(8) join_epoch(8)        20
 *   join_key(16) leaf_used(4) members(4)    24
 *   occupancy bitmap, bit i = leaf i        ceil(leaf_used / 8)
 *   wrap key, auth key of each member       32 per member, leaf order
 *   keys of non-empty nodes, level 1 up     16 each, index order
 *   SHA-256 of everything above             32
 *
 * Member counts, the free-leaf list and the group key are rebuilt on load.
 * The digest catches corruption, not tampering: the daemon's store is
 * trusted.  The loader checks every length before it reads.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"

#define SERVER_MAGIC		"KTRS"
#define SERVER_HEADER_LEN	52
#define MEMBER_MAGIC		"KTMB"
#define MEMBER_FIXED_LEN	100
#define DIGEST_LEN		32

static int digest(const uint8_t *buf, size_t len, uint8_t out[DIGEST_LEN])
{
	unsigned int out_len = 0;

	if (!EVP_Digest(buf, len, out, &out_len, EVP_sha256(), NULL) ||
	    out_len != DIGEST_LEN)
		return KEYTREE_ERR_CRYPTO;
	return KEYTREE_OK;
}

static int check_digest(const uint8_t *buf, size_t len)
{
	uint8_t expected[DIGEST_LEN];
	int err;

	err = digest(buf, len - DIGEST_LEN, expected);
	if (err)
		return err;
	return CRYPTO_memcmp(expected, buf + len - DIGEST_LEN, DIGEST_LEN) ?
		KEYTREE_ERR_CORRUPT : KEYTREE_OK;
}

static size_t server_blob_size(const struct keytree_server *tree)
{
	size_t size = SERVER_HEADER_LEN + (tree->leaf_used + 7) / 8 +
		      (size_t)tree->members * sizeof(struct keytree_leaf_keys);

	for (unsigned int level = 1; level <= tree->height; level++) {
		uint32_t width = keytree_level_width(tree, level,
						     tree->leaf_used);

		for (uint32_t i = 0; i < width; i++)
			if (tree->level[level].count[i])
				size += KEYTREE_KEY_LEN;
	}
	return size + DIGEST_LEN;
}

int keytree_server_save(const struct keytree_server *tree, uint8_t *buf,
			size_t cap, size_t *len)
{
	size_t need, pos;
	uint8_t *p;

	if (!tree || !len)
		return KEYTREE_ERR_INVAL;
	if (tree->staged_join_count || tree->staged_leave_count)
		return KEYTREE_ERR_BUSY;
	need = server_blob_size(tree);
	*len = need;
	if (!buf || cap < need)
		return KEYTREE_ERR_NOSPC;

	p = buf;
	memcpy(p, SERVER_MAGIC, 4);
	p[4] = KEYTREE_FORMAT_VERSION;
	p[5] = tree->scheme;
	p[6] = tree->degree;
	p[7] = tree->height;
	keytree_put_be32(p + 8, tree->group_id);
	keytree_put_be64(p + 12, tree->seq);
	keytree_put_be64(p + 20, tree->join_epoch);
	memcpy(p + 28, tree->join_key, KEYTREE_KEY_LEN);
	keytree_put_be32(p + 44, tree->leaf_used);
	keytree_put_be32(p + 48, tree->members);
	pos = SERVER_HEADER_LEN;

	memset(buf + pos, 0, (tree->leaf_used + 7) / 8);
	for (uint32_t leaf = 0; leaf < tree->leaf_used; leaf++)
		if (tree->leaf_state[leaf] & KEYTREE_LEAF_MEMBER)
			buf[pos + leaf / 8] |= 1u << (leaf % 8);
	pos += (tree->leaf_used + 7) / 8;
	for (uint32_t leaf = 0; leaf < tree->leaf_used; leaf++) {
		if (!(tree->leaf_state[leaf] & KEYTREE_LEAF_MEMBER))
			continue;
		memcpy(buf + pos, &tree->leaf_keys[leaf],
		       sizeof(tree->leaf_keys[leaf]));
		pos += sizeof(tree->leaf_keys[leaf]);
	}
	for (unsigned int level = 1; level <= tree->height; level++) {
		uint32_t width = keytree_level_width(tree, level,
						     tree->leaf_used);

		for (uint32_t i = 0; i < width; i++) {
			if (!tree->level[level].count[i])
				continue;
			memcpy(buf + pos, tree->level[level].keys[i],
			       KEYTREE_KEY_LEN);
			pos += KEYTREE_KEY_LEN;
		}
	}
	return digest(buf, pos, buf + pos);
}

/* Member counts of every allocated level, from the leaf states. */
static void recount(struct keytree_server *tree)
{
	for (unsigned int level = 1; level <= tree->alloc_height; level++) {
		uint32_t width = keytree_level_width(tree, level,
						     tree->leaf_cap);
		uint32_t below = keytree_level_width(tree, level - 1,
						     tree->leaf_cap);

		for (uint32_t i = 0; i < width; i++) {
			uint32_t sum = 0;

			for (uint32_t c = i * tree->degree;
			     c < (i + 1) * tree->degree && c < below; c++)
				sum += keytree_tree_node_count(tree, level - 1,
							       c);
			tree->level[level].count[i] = sum;
		}
	}
}

static int load_server(struct keytree_server *tree, const uint8_t *buf,
		       size_t len, uint32_t leaf_used, uint32_t members)
{
	size_t bitmap_len = (leaf_used + 7) / 8;
	size_t pos = SERVER_HEADER_LEN;
	uint32_t counted = 0;
	int err;

	if (len - DIGEST_LEN - pos < bitmap_len)
		return KEYTREE_ERR_CORRUPT;
	err = keytree_tree_reserve_leaves(tree, leaf_used);
	if (!err)
		err = keytree_tree_reserve_free(tree, leaf_used - members);
	if (err)
		return err;
	tree->leaf_used = leaf_used;
	for (uint32_t leaf = 0; leaf < leaf_used; leaf++)
		if (buf[pos + leaf / 8] & (1u << (leaf % 8))) {
			tree->leaf_state[leaf] = KEYTREE_LEAF_MEMBER;
			counted++;
		}
	/* padding bits of the last byte must be clear */
	if (leaf_used % 8 && (buf[pos + bitmap_len - 1] >> (leaf_used % 8)))
		return KEYTREE_ERR_CORRUPT;
	if (counted != members)
		return KEYTREE_ERR_CORRUPT;
	pos += bitmap_len;

	if ((len - DIGEST_LEN - pos) / sizeof(struct keytree_leaf_keys) <
	    members)
		return KEYTREE_ERR_CORRUPT;
	for (uint32_t leaf = leaf_used; leaf-- > 0;) {
		if (!(tree->leaf_state[leaf] & KEYTREE_LEAF_MEMBER))
			tree->free_leaves[tree->free_count++] = leaf;
	}
	for (uint32_t leaf = 0; leaf < leaf_used; leaf++) {
		if (!(tree->leaf_state[leaf] & KEYTREE_LEAF_MEMBER))
			continue;
		memcpy(&tree->leaf_keys[leaf], buf + pos,
		       sizeof(tree->leaf_keys[leaf]));
		pos += sizeof(tree->leaf_keys[leaf]);
	}
	tree->members = members;
	recount(tree);

	for (unsigned int level = 1; level <= tree->height; level++) {
		uint32_t width = keytree_level_width(tree, level, leaf_used);

		for (uint32_t i = 0; i < width; i++) {
			if (!tree->level[level].count[i])
				continue;
			if (len - DIGEST_LEN - pos < KEYTREE_KEY_LEN)
				return KEYTREE_ERR_CORRUPT;
			memcpy(tree->level[level].keys[i], buf + pos,
			       KEYTREE_KEY_LEN);
			pos += KEYTREE_KEY_LEN;
		}
	}
	if (pos != len - DIGEST_LEN)
		return KEYTREE_ERR_CORRUPT;
	return keytree_tree_refresh_epoch(tree);
}

int keytree_server_load(struct keytree_server **out, const uint8_t *buf,
			size_t len)
{
	struct keytree_server *tree;
	uint32_t leaf_used, members;
	int err;

	if (!out || !buf)
		return KEYTREE_ERR_INVAL;
	if (len < SERVER_HEADER_LEN + DIGEST_LEN ||
	    memcmp(buf, SERVER_MAGIC, 4))
		return KEYTREE_ERR_CORRUPT;
	if (buf[4] != KEYTREE_FORMAT_VERSION)
		return KEYTREE_ERR_VERSION;
	err = check_digest(buf, len);
	if (err)
		return err;
	leaf_used = keytree_get_be32(buf + 44);
	members = keytree_get_be32(buf + 48);
	if (leaf_used > KEYTREE_MAX_LEAVES || members > leaf_used)
		return KEYTREE_ERR_CORRUPT;
	err = keytree_tree_alloc(&tree, keytree_get_be32(buf + 8), buf[5],
				 buf[6]);
	if (err)
		return err == KEYTREE_ERR_INVAL ? KEYTREE_ERR_CORRUPT : err;
	if (buf[7] != keytree_height_for(tree->degree, leaf_used)) {
		keytree_server_free(tree);
		return KEYTREE_ERR_CORRUPT;
	}
	tree->height = buf[7];
	tree->seq = keytree_get_be64(buf + 12);
	tree->join_epoch = keytree_get_be64(buf + 20);
	memcpy(tree->join_key, buf + 28, KEYTREE_KEY_LEN);
	err = load_server(tree, buf, len, leaf_used, members);
	if (err) {
		keytree_server_free(tree);
		return err;
	}
	*out = tree;
	return KEYTREE_OK;
}

/*
 * Member blob, version 1:
 *
 *   "KTMB" version scheme degree height flags rsvd[3]   12
 *   group_id(4) leaf(4) seq(8) join_epoch(8)            24
 *   wrap_key auth_key join_key group_key                64
 *   path keys, levels 1..height                         16 each
 *   SHA-256 of everything above                         32
 */
#define MEMBER_FLAG_JOINED	0x1
#define MEMBER_FLAG_HAS_SEQ	0x2

int keytree_member_save(const struct keytree_member *member, uint8_t *buf,
			size_t cap, size_t *len)
{
	size_t need, pos;

	if (!member || !len)
		return KEYTREE_ERR_INVAL;
	need = MEMBER_FIXED_LEN + (size_t)member->height * KEYTREE_KEY_LEN +
	       DIGEST_LEN;
	*len = need;
	if (!buf || cap < need)
		return KEYTREE_ERR_NOSPC;
	memset(buf, 0, MEMBER_FIXED_LEN);
	memcpy(buf, MEMBER_MAGIC, 4);
	buf[4] = KEYTREE_FORMAT_VERSION;
	buf[5] = member->scheme;
	buf[6] = member->degree;
	buf[7] = member->height;
	buf[8] = (member->joined ? MEMBER_FLAG_JOINED : 0) |
		 (member->has_seq ? MEMBER_FLAG_HAS_SEQ : 0);
	keytree_put_be32(buf + 12, member->group_id);
	keytree_put_be32(buf + 16, member->leaf);
	keytree_put_be64(buf + 20, member->seq);
	keytree_put_be64(buf + 28, member->join_epoch);
	memcpy(buf + 36, member->wrap_key, KEYTREE_KEY_LEN);
	memcpy(buf + 52, member->auth_key, KEYTREE_KEY_LEN);
	memcpy(buf + 68, member->join_key, KEYTREE_KEY_LEN);
	memcpy(buf + 84, member->group_key, KEYTREE_KEY_LEN);
	pos = MEMBER_FIXED_LEN;
	for (unsigned int level = 1; level <= member->height; level++) {
		memcpy(buf + pos, member->path[level], KEYTREE_KEY_LEN);
		pos += KEYTREE_KEY_LEN;
	}
	return digest(buf, pos, buf + pos);
}

int keytree_member_load(struct keytree_member **out, const uint8_t *buf,
			size_t len)
{
	struct keytree_member *member;
	uint8_t scheme, degree, height, flags;
	int err;

	if (!out || !buf)
		return KEYTREE_ERR_INVAL;
	if (len < MEMBER_FIXED_LEN + DIGEST_LEN || memcmp(buf, MEMBER_MAGIC, 4))
		return KEYTREE_ERR_CORRUPT;
	if (buf[4] != KEYTREE_FORMAT_VERSION)
		return KEYTREE_ERR_VERSION;
	scheme = buf[5];
	degree = buf[6];
	height = buf[7];
	flags = buf[8];
	if (height > KEYTREE_MAX_HEIGHT ||
	    len != MEMBER_FIXED_LEN + (size_t)height * KEYTREE_KEY_LEN +
			   DIGEST_LEN)
		return KEYTREE_ERR_CORRUPT;
	err = check_digest(buf, len);
	if (err)
		return err;
	if ((flags & ~(MEMBER_FLAG_JOINED | MEMBER_FLAG_HAS_SEQ)) || buf[9] ||
	    buf[10] || buf[11])
		return KEYTREE_ERR_CORRUPT;
	if ((flags & MEMBER_FLAG_JOINED) &&
	    (height < 1 || degree < KEYTREE_MIN_DEGREE ||
	     degree > KEYTREE_MAX_DEGREE ||
	     (scheme != KEYTREE_SCHEME_LKH && scheme != KEYTREE_SCHEME_OFFSET)))
		return KEYTREE_ERR_CORRUPT;
	if (keytree_get_be32(buf + 16) > KEYTREE_NODE_INDEX_MASK)
		return KEYTREE_ERR_CORRUPT;
	err = keytree_member_alloc(&member);
	if (err)
		return err;
	member->scheme = scheme;
	member->degree = degree;
	member->height = height;
	member->joined = flags & MEMBER_FLAG_JOINED;
	member->has_seq = flags & MEMBER_FLAG_HAS_SEQ;
	member->group_id = keytree_get_be32(buf + 12);
	member->leaf = keytree_get_be32(buf + 16);
	member->seq = keytree_get_be64(buf + 20);
	member->join_epoch = keytree_get_be64(buf + 28);
	memcpy(member->wrap_key, buf + 36, KEYTREE_KEY_LEN);
	memcpy(member->auth_key, buf + 52, KEYTREE_KEY_LEN);
	memcpy(member->join_key, buf + 68, KEYTREE_KEY_LEN);
	memcpy(member->group_key, buf + 84, KEYTREE_KEY_LEN);
	for (unsigned int level = 1; level <= height; level++)
		memcpy(member->path[level],
		       buf + MEMBER_FIXED_LEN +
			       (size_t)(level - 1) * KEYTREE_KEY_LEN,
		       KEYTREE_KEY_LEN);
	*out = member;
	return KEYTREE_OK;
}
