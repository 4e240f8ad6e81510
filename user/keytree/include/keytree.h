/* SPDX-License-Identifier: GPL-2.0 */
/*
 * keytree: group key trees for multicast rekeying.
 *
 * One tree per multicast group, degree 2 to 8, one of two schemes:
 *
 *   KEYTREE_SCHEME_LKH     every key on a changed path is replaced and sent
 *                          to each child subtree wrapped under that child's
 *                          key (point-to-multipoint), or to a lone member
 *                          under its own key (point-to-point);
 *   KEYTREE_SCHEME_OFFSET  group key = f(join key, root leave key); a join
 *                          steps the join key and the joiner's path keys
 *                          one-way (members follow with no key sent), a
 *                          leave replaces the path and publishes offsets
 *                          in clear.
 *
 * The server stages joins and leaves, then keytree_server_rekey() commits
 * them as one batch and returns a plan: the list of deliveries.  The
 * message codec turns a plan into one point-to-multipoint message and one
 * point-to-point message per recipient; a member parses what it receives
 * and applies it.  See Documentation/keytree.rst.
 *
 * Objects are not thread-safe; use one thread per tree or member.
 */
#ifndef KEYTREE_H
#define KEYTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYTREE_KEY_LEN		16	/* every key in the tree: AES-128 */
#define KEYTREE_WRAPPED_LEN	24	/* RFC 3394 wrap of one key */
#define KEYTREE_TAG_LEN		16	/* AES-CMAC tag of a rekey message */
#define KEYTREE_MIN_DEGREE	2
#define KEYTREE_MAX_DEGREE	8
#define KEYTREE_MAX_LEAVES	(1u << 26)
#define KEYTREE_MAX_HEIGHT	26

enum keytree_scheme {
	KEYTREE_SCHEME_LKH	= 1,
	KEYTREE_SCHEME_OFFSET	= 2,
};

/* Every function returning int returns 0 or one of these. */
enum keytree_error {
	KEYTREE_OK		= 0,
	KEYTREE_ERR_INVAL	= -1,	/* bad argument */
	KEYTREE_ERR_NOMEM	= -2,
	KEYTREE_ERR_NOSPC	= -3,	/* output buffer too small */
	KEYTREE_ERR_CRYPTO	= -4,	/* OpenSSL failed */
	KEYTREE_ERR_FULL	= -5,	/* KEYTREE_MAX_LEAVES reached */
	KEYTREE_ERR_NOT_MEMBER	= -6,	/* leaf holds no member */
	KEYTREE_ERR_NOTHING	= -7,	/* nothing staged to rekey */
	KEYTREE_ERR_BUSY	= -8,	/* changes staged, commit first */
	KEYTREE_ERR_STALE	= -9,	/* plan older than the tree */
	KEYTREE_ERR_MALFORMED	= -10,	/* message does not parse */
	KEYTREE_ERR_AUTH	= -11,	/* tag or key unwrap check failed */
	KEYTREE_ERR_REPLAY	= -12,	/* sequence number not fresh */
	KEYTREE_ERR_GROUP	= -13,	/* message for another group/tree */
	KEYTREE_ERR_NOT_FOR_ME	= -14,	/* unicast for another member */
	KEYTREE_ERR_INCOMPLETE	= -15,	/* another message of this rekey needed */
	KEYTREE_ERR_CORRUPT	= -16,	/* saved state fails its checks */
	KEYTREE_ERR_VERSION	= -17,	/* unknown format version */
	KEYTREE_ERR_EMPTY	= -18,	/* the group has no member */
	KEYTREE_ERR_NO_KEY	= -19,	/* member holds no group key yet */
};

const char *keytree_strerror(int err);

/*
 * Node identifiers: level 0 is the leaves (one per member slot), the root
 * is at level `height`.  Node (level, index) has parent
 * (level + 1, index / degree).
 */
#define KEYTREE_NODE_LEVEL_SHIFT 26
#define KEYTREE_NODE_INDEX_MASK	((1u << KEYTREE_NODE_LEVEL_SHIFT) - 1)

static inline uint32_t keytree_node_id(unsigned int level, uint32_t index)
{
	return ((uint32_t)level << KEYTREE_NODE_LEVEL_SHIFT) |
	       (index & KEYTREE_NODE_INDEX_MASK);
}

static inline unsigned int keytree_node_level(uint32_t node)
{
	return node >> KEYTREE_NODE_LEVEL_SHIFT;
}

static inline uint32_t keytree_node_index(uint32_t node)
{
	return node & KEYTREE_NODE_INDEX_MASK;
}

/* ---- plans: what a rekey sends ---------------------------------------- */

enum keytree_delivery_kind {
	/* new key of `node` wrapped under the key of node `under`, sent once
	 * to every member of the subtree of `under` */
	KEYTREE_DELIVERY_P2MP_WRAP	= 1,
	/* new key of `node` wrapped under the member key of leaf `under`,
	 * sent to that member alone */
	KEYTREE_DELIVERY_P2P_WRAP	= 2,
	/* public offset, in clear, from child `under` to its parent `node` */
	KEYTREE_DELIVERY_OFFSET		= 3,
	/* the whole path of leaf `under` (and, for the offset scheme, the
	 * join key), wrapped under its member key: joiners and resyncs.
	 * Wrapped when the message is encoded. */
	KEYTREE_DELIVERY_WELCOME	= 4,
};

struct keytree_delivery {
	uint8_t kind;		/* enum keytree_delivery_kind */
	uint32_t node;
	uint32_t under;
	uint8_t data[KEYTREE_WRAPPED_LEN];	/* wrapped key, or offset */
};

struct keytree_plan_stats {
	uint32_t keys_wrapped;		/* AES key wraps, welcome paths included */
	uint32_t offsets;		/* offsets published in clear */
	uint32_t p2mp_deliveries;	/* wraps carried point-to-multipoint */
	uint32_t p2p_deliveries;	/* wraps carried point-to-point */
	uint32_t p2mp_messages;		/* 0 or 1 */
	uint32_t p2p_messages;		/* one per recipient */
	uint32_t joins;
	uint32_t leaves;
};

struct keytree_plan;

uint64_t keytree_plan_seq(const struct keytree_plan *plan);
size_t keytree_plan_delivery_count(const struct keytree_plan *plan);
const struct keytree_delivery *
keytree_plan_delivery(const struct keytree_plan *plan, size_t i);
void keytree_plan_get_stats(const struct keytree_plan *plan,
			    struct keytree_plan_stats *stats);
/* Point-to-point recipients, each with one message. */
size_t keytree_plan_unicast_count(const struct keytree_plan *plan);
uint32_t keytree_plan_unicast_leaf(const struct keytree_plan *plan, size_t i);
bool keytree_plan_has_multicast(const struct keytree_plan *plan);
void keytree_plan_free(struct keytree_plan *plan);

/* ---- server side ------------------------------------------------------- */

struct keytree_server;

int keytree_server_new(struct keytree_server **tree, uint32_t group_id,
		       enum keytree_scheme scheme, unsigned int degree);
void keytree_server_free(struct keytree_server *tree);

/* Stage a join: the member's individual key (shared with the server,
 * e.g. derived from its KEK) and the leaf it will hold. */
int keytree_server_join(struct keytree_server *tree,
			const uint8_t individual_key[KEYTREE_KEY_LEN],
			uint32_t *leaf);
/* Stage a leave; leaving a staged joiner cancels its join. */
int keytree_server_leave(struct keytree_server *tree, uint32_t leaf);

#define KEYTREE_REKEY_FORCE	0x1	/* new group key even with no change */

/* Commit every staged change as one rekey.  On error nothing changed. */
int keytree_server_rekey(struct keytree_server *tree, unsigned int flags,
			 struct keytree_plan **plan);
/* A plan that sends one member its current path again (lost messages). */
int keytree_server_plan_resync(struct keytree_server *tree, uint32_t leaf,
			       struct keytree_plan **plan);

int keytree_server_group_key(const struct keytree_server *tree,
			     uint8_t key[KEYTREE_KEY_LEN], uint64_t *seq);
uint32_t keytree_server_member_count(const struct keytree_server *tree);
bool keytree_server_is_member(const struct keytree_server *tree,
			      uint32_t leaf);
unsigned int keytree_server_height(const struct keytree_server *tree);
uint64_t keytree_server_seq(const struct keytree_server *tree);
/* Heap bytes held by the tree (capacity, not just use). */
size_t keytree_server_memory(const struct keytree_server *tree);

/* Persistence of committed state; fails with KEYTREE_ERR_BUSY while
 * changes are staged.  *len gets the size needed even on NOSPC. */
int keytree_server_save(const struct keytree_server *tree, uint8_t *buf,
			size_t cap, size_t *len);
int keytree_server_load(struct keytree_server **tree, const uint8_t *buf,
			size_t len);

/* ---- rekey messages ---------------------------------------------------- */

/*
 * A rekey message is a sequence of 802.16-style attributes: type (1 byte),
 * length (1 byte, or 0x80 | n followed by n big-endian length bytes, n <=
 * 4, for lengths of 128 and more), value.  Attributes appear in this
 * order; only WRAP and OFFSET repeat; TAG is last.  Integers are
 * big-endian.  Documentation/keytree.rst gives every field.
 */
enum keytree_attr {
	KEYTREE_ATTR_HEADER	= 0xc0,	/* 20: version kind scheme degree
					 * height rsvd[3] group(4) seq(8) */
	KEYTREE_ATTR_MEMBER	= 0xc1,	/* 4: recipient leaf */
	KEYTREE_ATTR_JOIN_EPOCH	= 0xc2,	/* 8: offset scheme join epoch */
	KEYTREE_ATTR_CHANGED	= 0xc3,	/* 4n: node ids renewed (lkh) */
	KEYTREE_ATTR_WRAP	= 0xc4,	/* 32: node(4) under(4) wrapped(24) */
	KEYTREE_ATTR_OFFSET	= 0xc5,	/* 20: child(4) offset(16) */
	KEYTREE_ATTR_JOIN_KEY	= 0xc6,	/* 24: wrapped join key (welcome) */
	KEYTREE_ATTR_TAG	= 0xcf,	/* 16: AES-CMAC over all before */
};

#define KEYTREE_HEADER_LEN	20
#define KEYTREE_WRAP_ATTR_LEN	32
#define KEYTREE_OFFSET_ATTR_LEN	20

enum keytree_msg_kind {
	KEYTREE_MSG_MULTICAST	= 1,	/* to the whole group */
	KEYTREE_MSG_UNICAST	= 2,	/* wraps for one member */
	KEYTREE_MSG_WELCOME	= 3,	/* a whole path for one member */
};

/* A parsed message: header fields and views into the caller's buffer,
 * valid as long as the buffer. */
struct keytree_msg {
	const uint8_t *buf;
	size_t len;
	size_t signed_len;		/* bytes covered by the tag */
	uint8_t version, kind, scheme, degree, height;
	uint32_t group_id;
	uint64_t seq;
	bool has_member;
	uint32_t member_leaf;
	bool has_join_epoch;
	uint64_t join_epoch;
	const uint8_t *changed;		/* changed_count big-endian node ids */
	uint32_t changed_count;
	const uint8_t *wraps;		/* see keytree_msg_wrap() */
	uint32_t wrap_count;
	const uint8_t *offsets;		/* see keytree_msg_offset() */
	uint32_t offset_count;
	const uint8_t *join_key;	/* KEYTREE_WRAPPED_LEN bytes or NULL */
	const uint8_t *tag;		/* KEYTREE_TAG_LEN bytes */
};

/* Encoded sizes, to size buffers. */
size_t keytree_msg_multicast_size(const struct keytree_plan *plan);
size_t keytree_msg_unicast_size(const struct keytree_plan *plan, size_t i);

int keytree_msg_encode_multicast(struct keytree_server *tree,
				 const struct keytree_plan *plan,
				 uint8_t *buf, size_t cap, size_t *len);
int keytree_msg_encode_unicast(struct keytree_server *tree,
			       const struct keytree_plan *plan, size_t i,
			       uint8_t *buf, size_t cap, size_t *len);

/* Checks every length and the attribute order; does not authenticate. */
int keytree_msg_parse(const uint8_t *buf, size_t len, struct keytree_msg *msg);
uint32_t keytree_msg_changed(const struct keytree_msg *msg, uint32_t i);
void keytree_msg_wrap(const struct keytree_msg *msg, uint32_t i,
		      uint32_t *node, uint32_t *under, const uint8_t **wrapped);
void keytree_msg_offset(const struct keytree_msg *msg, uint32_t i,
			uint32_t *child, const uint8_t **offset);

/* ---- member side ------------------------------------------------------- */

struct keytree_member;

int keytree_member_new(struct keytree_member **member, uint32_t group_id,
		       const uint8_t individual_key[KEYTREE_KEY_LEN]);
void keytree_member_free(struct keytree_member *member);

/*
 * Apply the messages of one rekey (same sequence number): the multicast
 * message and this member's unicast one if any, or a welcome alone.
 * Nothing changes unless every message authenticates, the sequence number
 * is fresh and the new group key is reached.  KEYTREE_ERR_INCOMPLETE
 * means: keep these messages and call again when the rest arrives.
 */
int keytree_member_apply(struct keytree_member *member,
			 const struct keytree_msg *msgs, size_t count);

int keytree_member_group_key(const struct keytree_member *member,
			     uint8_t key[KEYTREE_KEY_LEN], uint64_t *seq);
bool keytree_member_has_key(const struct keytree_member *member);
uint32_t keytree_member_leaf(const struct keytree_member *member);
uint64_t keytree_member_seq(const struct keytree_member *member);

int keytree_member_save(const struct keytree_member *member, uint8_t *buf,
			size_t cap, size_t *len);
int keytree_member_load(struct keytree_member **member, const uint8_t *buf,
			size_t len);

#endif /* KEYTREE_H */
