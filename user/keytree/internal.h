/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal structures of the key-tree library, shared by its files and
 * its unit tests.  Not a public interface.
 */
#ifndef KEYTREE_INTERNAL_H
#define KEYTREE_INTERNAL_H

#include <openssl/evp.h>

#include "keytree.h"

#define KEYTREE_FORMAT_VERSION	1
#define KEYTREE_MAX_JOIN_GAP	4096	/* join-key steps a member follows */

/* ---- crypto.c: thin wrappers over OpenSSL ------------------------------ */

struct keytree_crypto {
	EVP_CIPHER *aes_ecb;
	EVP_CIPHER_CTX *encrypt_ctx;
	EVP_CIPHER_CTX *decrypt_ctx;
	EVP_MAC *cmac;
	EVP_MAC_CTX *cmac_ctx;
	EVP_MAC *hmac;
	EVP_MAC_CTX *hmac_ctx;
};

/* CMAC domain labels: fixed 8 bytes so no input is a prefix of another. */
#define KEYTREE_LABEL_P2P_TAG	"KTP2PTAG"
#define KEYTREE_LABEL_P2MP_TAG	"KTMCSTAG"
#define KEYTREE_LABEL_OFFSET	"KTOFFSET"
#define KEYTREE_LABEL_REFRESH	"KTREFRSH"
#define KEYTREE_LABEL_LEN	8

int keytree_crypto_init(struct keytree_crypto *crypto);
void keytree_crypto_fini(struct keytree_crypto *crypto);
int keytree_crypto_random(uint8_t *buf, size_t len);
int keytree_crypto_wrap(struct keytree_crypto *crypto,
			const uint8_t kek[KEYTREE_KEY_LEN],
			const uint8_t key[KEYTREE_KEY_LEN],
			uint8_t wrapped[KEYTREE_WRAPPED_LEN]);
int keytree_crypto_unwrap(struct keytree_crypto *crypto,
			  const uint8_t kek[KEYTREE_KEY_LEN],
			  const uint8_t wrapped[KEYTREE_WRAPPED_LEN],
			  uint8_t key[KEYTREE_KEY_LEN]);
int keytree_crypto_cmac(struct keytree_crypto *crypto,
			const uint8_t key[KEYTREE_KEY_LEN], const char *label,
			const uint8_t *data, size_t len,
			uint8_t out[KEYTREE_TAG_LEN]);
int keytree_crypto_hmac(struct keytree_crypto *crypto, const uint8_t *key,
			size_t key_len, const uint8_t *data, size_t len,
			uint8_t out[32]);
int keytree_crypto_tag_verify(struct keytree_crypto *crypto,
			      const uint8_t key[KEYTREE_KEY_LEN],
			      const char *label, const uint8_t *data,
			      size_t len, const uint8_t tag[KEYTREE_TAG_LEN]);

/* The member's wrap key and authentication key, from its individual key. */
int keytree_crypto_member_keys(struct keytree_crypto *crypto,
			       const uint8_t individual_key[KEYTREE_KEY_LEN],
			       uint32_t group_id,
			       uint8_t wrap_key[KEYTREE_KEY_LEN],
			       uint8_t auth_key[KEYTREE_KEY_LEN]);
/* Group key and multicast authentication key of one rekey. */
int keytree_crypto_epoch_keys(struct keytree_crypto *crypto,
			      enum keytree_scheme scheme, uint32_t group_id,
			      uint64_t seq,
			      const uint8_t join_key[KEYTREE_KEY_LEN],
			      const uint8_t root_key[KEYTREE_KEY_LEN],
			      uint8_t group_key[KEYTREE_KEY_LEN],
			      uint8_t p2mp_auth_key[KEYTREE_KEY_LEN]);
/* Offset scheme: one one-way step of the join key. */
int keytree_crypto_join_step(struct keytree_crypto *crypto,
			     const uint8_t join_key[KEYTREE_KEY_LEN],
			     uint32_t group_id, uint64_t new_epoch,
			     uint8_t next[KEYTREE_KEY_LEN]);
/* Offset scheme: parent = pad(child key, child, seq) XOR offset. */
int keytree_crypto_offset_pad(struct keytree_crypto *crypto,
			      const uint8_t child_key[KEYTREE_KEY_LEN],
			      uint32_t group_id, uint32_t child, uint64_t seq,
			      uint8_t pad[KEYTREE_KEY_LEN]);

/* Offset scheme: a join refreshes its path one-way, K' = PRF_K(node, seq). */
int keytree_crypto_refresh(struct keytree_crypto *crypto,
			   const uint8_t key[KEYTREE_KEY_LEN], uint32_t group_id,
			   uint32_t node, uint64_t seq,
			   uint8_t fresh[KEYTREE_KEY_LEN]);

static inline void keytree_xor_key(uint8_t *out, const uint8_t *a,
				   const uint8_t *b)
{
	for (unsigned int i = 0; i < KEYTREE_KEY_LEN; i++)
		out[i] = a[i] ^ b[i];
}

/* ---- tree.c: the server's tree ----------------------------------------- */

/* One level of internal nodes, level >= 1. */
struct keytree_level {
	uint8_t (*keys)[KEYTREE_KEY_LEN];	/* zero while count == 0 */
	uint32_t *count;			/* members below the node */
};

/* What the server keeps of each member: keys derived from its
 * individual key (wrap key for AES-KW, auth key for CMAC tags and, in the
 * offset scheme, the leaf's offset pads). */
struct keytree_leaf_keys {
	uint8_t wrap[KEYTREE_KEY_LEN];
	uint8_t auth[KEYTREE_KEY_LEN];
};

#define KEYTREE_LEAF_MEMBER	0x1
#define KEYTREE_LEAF_JOINING	0x2
#define KEYTREE_LEAF_LEAVING	0x4

struct keytree_server {
	uint32_t group_id;
	uint8_t scheme;
	uint8_t degree;
	uint8_t height;		/* root is (height, 0) */
	uint8_t alloc_height;	/* levels 1..alloc_height are allocated */
	uint64_t seq;
	uint64_t join_epoch;
	uint8_t join_key[KEYTREE_KEY_LEN];
	bool has_group_key;
	uint8_t group_key[KEYTREE_KEY_LEN];
	uint8_t p2mp_auth_key[KEYTREE_KEY_LEN];

	uint32_t leaf_cap;	/* leaves allocated */
	uint32_t leaf_used;	/* leaves ever handed out: [0, leaf_used) */
	uint32_t members;	/* committed */
	struct keytree_leaf_keys *leaf_keys;
	uint8_t *leaf_state;
	struct keytree_level level[KEYTREE_MAX_HEIGHT + 1];
	uint64_t degree_pow[KEYTREE_MAX_HEIGHT + 2];

	uint32_t *free_leaves;	/* LIFO of vacated leaves below leaf_used */
	uint32_t free_count, free_cap;
	uint32_t *staged_joins;
	uint32_t staged_join_count, staged_join_cap;
	uint32_t *staged_leaves;
	uint32_t staged_leave_count, staged_leave_cap;

	struct keytree_crypto crypto;
};

unsigned int keytree_height_for(unsigned int degree, uint32_t leaves);
uint32_t keytree_level_width(const struct keytree_server *tree,
			     unsigned int level, uint32_t leaves);
int keytree_tree_alloc(struct keytree_server **out, uint32_t group_id,
		       unsigned int scheme, unsigned int degree);
int keytree_tree_reserve_leaves(struct keytree_server *tree, uint32_t leaves);
int keytree_tree_reserve_free(struct keytree_server *tree, uint32_t count);
uint32_t keytree_tree_node_count(const struct keytree_server *tree,
				 unsigned int level, uint32_t index);
int keytree_tree_refresh_epoch(struct keytree_server *tree);

/* ---- member.c ---------------------------------------------------------- */

struct keytree_member {
	uint32_t group_id;
	uint8_t scheme, degree, height;
	bool joined;		/* holds a path (after a welcome) */
	bool has_seq;		/* seq is the last accepted rekey */
	uint32_t leaf;
	uint64_t seq;
	uint64_t join_epoch;
	uint8_t wrap_key[KEYTREE_KEY_LEN];
	uint8_t auth_key[KEYTREE_KEY_LEN];
	uint8_t join_key[KEYTREE_KEY_LEN];
	uint8_t path[KEYTREE_MAX_HEIGHT + 1][KEYTREE_KEY_LEN];	/* 1..height */
	uint8_t group_key[KEYTREE_KEY_LEN];
	struct keytree_crypto crypto;
};

int keytree_member_alloc(struct keytree_member **out);

/* ---- plan.c ------------------------------------------------------------ */

struct keytree_recipient {
	uint32_t leaf;
	uint32_t first;		/* index of its first delivery */
	uint32_t count;
	bool welcome;
};

struct keytree_plan {
	uint32_t group_id;
	uint8_t scheme, degree, height;
	uint64_t seq;
	uint64_t join_epoch;
	bool has_multicast;

	struct keytree_delivery *deliveries;
	size_t delivery_count, delivery_cap;
	size_t multicast_count;		/* deliveries[0..multicast_count) */

	uint32_t *changed;		/* lkh: nodes whose key changed */
	size_t changed_count, changed_cap;

	struct keytree_recipient *recipients;
	size_t recipient_count;

	struct keytree_plan_stats stats;
};

int keytree_plan_alloc(struct keytree_plan **out, size_t deliveries,
		       size_t changed);
struct keytree_delivery *keytree_plan_add(struct keytree_plan *plan,
					  uint8_t kind, uint32_t node,
					  uint32_t under);
int keytree_plan_finish(struct keytree_plan *plan);

/* ---- rekey.c, lkh.c, offset.c ----------------------------------------- */

/* A node on the union of the changed paths, with how many of its members
 * join and leave in this rekey. */
struct keytree_path_node {
	uint32_t index;
	uint32_t joined;
	uint32_t left;
	uint32_t old_count;	/* members below before this rekey */
	int32_t key_slot;	/* its new key in fresh_keys, or -1 */
};

struct keytree_rekey {
	struct keytree_server *tree;
	struct keytree_plan *plan;
	unsigned int old_height;
	unsigned int new_height;
	uint32_t joins, leaves;
	/* path union, one sorted slice per level 0..new_height */
	struct keytree_path_node *nodes;
	uint32_t level_start[KEYTREE_MAX_HEIGHT + 2];
	uint8_t (*fresh_keys)[KEYTREE_KEY_LEN];
	uint32_t fresh_used, fresh_count;
	/* point-to-point deliveries, moved behind the multicast ones */
	struct keytree_delivery *p2p;
	size_t p2p_count, p2p_cap;
};

struct keytree_path_node *
keytree_rekey_find(const struct keytree_rekey *rk, unsigned int level,
		   uint32_t index);
/* Members below a node that were members before this rekey and stay. */
uint32_t keytree_rekey_staying(const struct keytree_rekey *rk,
			       unsigned int level, uint32_t index);
bool keytree_rekey_existed(const struct keytree_rekey *rk, unsigned int level,
			   uint32_t index);
uint32_t keytree_rekey_lone_member(const struct keytree_rekey *rk,
				   unsigned int level, uint32_t index);
/* Key of internal node (level >= 1) after this rekey. */
const uint8_t *keytree_rekey_node_key(const struct keytree_rekey *rk,
				      unsigned int level, uint32_t index);
/* Give a path node a fresh random key; NULL if the bound was wrong. */
uint8_t *keytree_rekey_new_key(struct keytree_rekey *rk,
			       struct keytree_path_node *node);
struct keytree_delivery *keytree_rekey_add(struct keytree_rekey *rk,
					   uint8_t kind, uint32_t node,
					   uint32_t under);
uint32_t keytree_rekey_child_width(const struct keytree_rekey *rk,
				   unsigned int level);

int keytree_lkh_plan(struct keytree_rekey *rk);
int keytree_offset_plan(struct keytree_rekey *rk);

static inline void keytree_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void keytree_put_be64(uint8_t *p, uint64_t v)
{
	keytree_put_be32(p, v >> 32);
	keytree_put_be32(p + 4, (uint32_t)v);
}

static inline uint32_t keytree_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t keytree_get_be64(const uint8_t *p)
{
	return (uint64_t)keytree_get_be32(p) << 32 | keytree_get_be32(p + 4);
}

#endif /* KEYTREE_INTERNAL_H */
