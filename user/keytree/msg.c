// SPDX-License-Identifier: GPL-2.0
/*
 * Rekey message codec.
 *
 * The multicast message carries the point-to-multipoint wraps and the
 * offsets; it is tagged under a key derived from the NEW group secret, so
 * only someone who reaches the new root can check it and nobody without
 * a current key can make one.  A unicast or welcome message is tagged
 * under the recipient's auth key, known to it and the server only.  Both
 * tags cover the header with the group id and sequence number, which
 * members require to grow.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

#define ATTR_WRAP_STRIDE	(2 + KEYTREE_WRAP_ATTR_LEN)
#define ATTR_OFFSET_STRIDE	(2 + KEYTREE_OFFSET_ATTR_LEN)
#define TAG_ATTR_SIZE		(2 + KEYTREE_TAG_LEN)

static size_t attr_size(size_t value_len)
{
	size_t n = 0;

	if (value_len < 128)
		return 2 + value_len;
	for (size_t v = value_len; v; v >>= 8)
		n++;
	return 2 + n + value_len;
}

static uint8_t *put_attr_header(uint8_t *p, uint8_t type, size_t value_len)
{
	*p++ = type;
	if (value_len < 128) {
		*p++ = (uint8_t)value_len;
	} else {
		unsigned int n = 0;

		for (size_t v = value_len; v; v >>= 8)
			n++;
		*p++ = 0x80 | n;
		while (n--)
			*p++ = (uint8_t)(value_len >> (8 * n));
	}
	return p;
}

static uint8_t *put_header(uint8_t *p, const struct keytree_plan *plan,
			   uint8_t kind)
{
	p = put_attr_header(p, KEYTREE_ATTR_HEADER, KEYTREE_HEADER_LEN);
	p[0] = KEYTREE_FORMAT_VERSION;
	p[1] = kind;
	p[2] = plan->scheme;
	p[3] = plan->degree;
	p[4] = plan->height;
	p[5] = p[6] = p[7] = 0;
	keytree_put_be32(p + 8, plan->group_id);
	keytree_put_be64(p + 12, plan->seq);
	return p + KEYTREE_HEADER_LEN;
}

static uint8_t *put_u32_attr(uint8_t *p, uint8_t type, uint32_t v)
{
	p = put_attr_header(p, type, 4);
	keytree_put_be32(p, v);
	return p + 4;
}

static uint8_t *put_u64_attr(uint8_t *p, uint8_t type, uint64_t v)
{
	p = put_attr_header(p, type, 8);
	keytree_put_be64(p, v);
	return p + 8;
}

static uint8_t *put_wrap(uint8_t *p, uint32_t node, uint32_t under,
			 const uint8_t *wrapped)
{
	p = put_attr_header(p, KEYTREE_ATTR_WRAP, KEYTREE_WRAP_ATTR_LEN);
	keytree_put_be32(p, node);
	keytree_put_be32(p + 4, under);
	memcpy(p + 8, wrapped, KEYTREE_WRAPPED_LEN);
	return p + KEYTREE_WRAP_ATTR_LEN;
}

static void count_multicast(const struct keytree_plan *plan, size_t *wraps,
			    size_t *offsets)
{
	*wraps = *offsets = 0;
	for (size_t i = 0; i < plan->multicast_count; i++) {
		if (plan->deliveries[i].kind == KEYTREE_DELIVERY_OFFSET)
			(*offsets)++;
		else
			(*wraps)++;
	}
}

size_t keytree_msg_multicast_size(const struct keytree_plan *plan)
{
	size_t wraps, offsets, size;

	if (!plan || !plan->has_multicast)
		return 0;
	count_multicast(plan, &wraps, &offsets);
	size = attr_size(KEYTREE_HEADER_LEN);
	if (plan->scheme == KEYTREE_SCHEME_OFFSET)
		size += attr_size(8);
	if (plan->changed_count)
		size += attr_size(4 * plan->changed_count);
	return size + wraps * ATTR_WRAP_STRIDE +
	       offsets * ATTR_OFFSET_STRIDE + TAG_ATTR_SIZE;
}

size_t keytree_msg_unicast_size(const struct keytree_plan *plan, size_t i)
{
	const struct keytree_recipient *r;
	size_t size;

	if (!plan || i >= plan->recipient_count)
		return 0;
	r = &plan->recipients[i];
	size = attr_size(KEYTREE_HEADER_LEN) + attr_size(4) + TAG_ATTR_SIZE;
	if (!r->welcome)
		return size + (size_t)r->count * ATTR_WRAP_STRIDE;
	size += (size_t)plan->height * ATTR_WRAP_STRIDE;
	if (plan->scheme == KEYTREE_SCHEME_OFFSET)
		size += attr_size(8) + attr_size(KEYTREE_WRAPPED_LEN);
	return size;
}

static int check_plan(const struct keytree_server *tree,
		      const struct keytree_plan *plan)
{
	if (plan->group_id != tree->group_id || plan->seq != tree->seq)
		return KEYTREE_ERR_STALE;
	return KEYTREE_OK;
}

static int seal(struct keytree_crypto *crypto, const uint8_t *key,
		const char *label, uint8_t *buf, uint8_t *p, size_t *len)
{
	uint8_t *tag_value = put_attr_header(p, KEYTREE_ATTR_TAG,
					     KEYTREE_TAG_LEN);
	int err;

	err = keytree_crypto_cmac(crypto, key, label, buf, (size_t)(p - buf),
				  tag_value);
	*len = (size_t)(tag_value + KEYTREE_TAG_LEN - buf);
	return err;
}

int keytree_msg_encode_multicast(struct keytree_server *tree,
				 const struct keytree_plan *plan,
				 uint8_t *buf, size_t cap, size_t *len)
{
	size_t need;
	uint8_t *p;
	int err;

	if (!tree || !plan || !len || !plan->has_multicast)
		return KEYTREE_ERR_INVAL;
	err = check_plan(tree, plan);
	if (err)
		return err;
	need = keytree_msg_multicast_size(plan);
	*len = need;
	if (!buf || cap < need)
		return KEYTREE_ERR_NOSPC;

	p = put_header(buf, plan, KEYTREE_MSG_MULTICAST);
	if (plan->scheme == KEYTREE_SCHEME_OFFSET)
		p = put_u64_attr(p, KEYTREE_ATTR_JOIN_EPOCH, plan->join_epoch);
	if (plan->changed_count) {
		p = put_attr_header(p, KEYTREE_ATTR_CHANGED,
				    4 * plan->changed_count);
		for (size_t i = 0; i < plan->changed_count; i++, p += 4)
			keytree_put_be32(p, plan->changed[i]);
	}
	for (size_t i = 0; i < plan->multicast_count; i++) {
		const struct keytree_delivery *d = &plan->deliveries[i];

		if (d->kind == KEYTREE_DELIVERY_P2MP_WRAP)
			p = put_wrap(p, d->node, d->under, d->data);
	}
	for (size_t i = 0; i < plan->multicast_count; i++) {
		const struct keytree_delivery *d = &plan->deliveries[i];

		if (d->kind != KEYTREE_DELIVERY_OFFSET)
			continue;
		p = put_attr_header(p, KEYTREE_ATTR_OFFSET,
				    KEYTREE_OFFSET_ATTR_LEN);
		keytree_put_be32(p, d->under);
		memcpy(p + 4, d->data, KEYTREE_KEY_LEN);
		p += KEYTREE_OFFSET_ATTR_LEN;
	}
	return seal(&tree->crypto, tree->p2mp_auth_key,
		    KEYTREE_LABEL_P2MP_TAG, buf, p, len);
}

/* A welcome: the member's whole current path, wrapped under its key. */
static int put_welcome(struct keytree_server *tree, uint32_t leaf,
		       uint8_t **pp)
{
	const uint8_t *kek = tree->leaf_keys[leaf].wrap;
	uint32_t under = keytree_node_id(0, leaf);
	uint8_t wrapped[KEYTREE_WRAPPED_LEN];
	uint8_t *p = *pp;
	int err;

	for (unsigned int level = 1; level <= tree->height; level++) {
		uint32_t index = (uint32_t)(leaf / tree->degree_pow[level]);

		err = keytree_crypto_wrap(&tree->crypto, kek,
					  tree->level[level].keys[index],
					  wrapped);
		if (err)
			return err;
		p = put_wrap(p, keytree_node_id(level, index), under, wrapped);
	}
	if (tree->scheme == KEYTREE_SCHEME_OFFSET) {
		err = keytree_crypto_wrap(&tree->crypto, kek, tree->join_key,
					  wrapped);
		if (err)
			return err;
		p = put_attr_header(p, KEYTREE_ATTR_JOIN_KEY,
				    KEYTREE_WRAPPED_LEN);
		memcpy(p, wrapped, KEYTREE_WRAPPED_LEN);
		p += KEYTREE_WRAPPED_LEN;
	}
	*pp = p;
	return KEYTREE_OK;
}

int keytree_msg_encode_unicast(struct keytree_server *tree,
			       const struct keytree_plan *plan, size_t i,
			       uint8_t *buf, size_t cap, size_t *len)
{
	const struct keytree_recipient *r;
	size_t need;
	uint8_t *p;
	int err;

	if (!tree || !plan || !len || i >= plan->recipient_count)
		return KEYTREE_ERR_INVAL;
	err = check_plan(tree, plan);
	if (err)
		return err;
	r = &plan->recipients[i];
	if (!keytree_server_is_member(tree, r->leaf))
		return KEYTREE_ERR_NOT_MEMBER;
	need = keytree_msg_unicast_size(plan, i);
	*len = need;
	if (!buf || cap < need)
		return KEYTREE_ERR_NOSPC;

	p = put_header(buf, plan, r->welcome ? KEYTREE_MSG_WELCOME :
					       KEYTREE_MSG_UNICAST);
	p = put_u32_attr(p, KEYTREE_ATTR_MEMBER, r->leaf);
	if (r->welcome) {
		if (plan->scheme == KEYTREE_SCHEME_OFFSET)
			p = put_u64_attr(p, KEYTREE_ATTR_JOIN_EPOCH,
					 plan->join_epoch);
		err = put_welcome(tree, r->leaf, &p);
		if (err)
			return err;
	} else {
		for (uint32_t k = 0; k < r->count; k++) {
			const struct keytree_delivery *d =
				&plan->deliveries[r->first + k];

			p = put_wrap(p, d->node, d->under, d->data);
		}
	}
	return seal(&tree->crypto, tree->leaf_keys[r->leaf].auth,
		    KEYTREE_LABEL_P2P_TAG, buf, p, len);
}

/* ---- parsing ----------------------------------------------------------- */

uint32_t keytree_msg_changed(const struct keytree_msg *msg, uint32_t i)
{
	return keytree_get_be32(msg->changed + 4 * (size_t)i);
}

void keytree_msg_wrap(const struct keytree_msg *msg, uint32_t i,
		      uint32_t *node, uint32_t *under, const uint8_t **wrapped)
{
	const uint8_t *v = msg->wraps + (size_t)i * ATTR_WRAP_STRIDE + 2;

	*node = keytree_get_be32(v);
	*under = keytree_get_be32(v + 4);
	*wrapped = v + 8;
}

void keytree_msg_offset(const struct keytree_msg *msg, uint32_t i,
			uint32_t *child, const uint8_t **offset)
{
	const uint8_t *v = msg->offsets + (size_t)i * ATTR_OFFSET_STRIDE + 2;

	*child = keytree_get_be32(v);
	*offset = v + 4;
}

/* Is node id inside a tree of this degree and height? */
static bool node_in_tree(const struct keytree_msg *msg, uint32_t node)
{
	unsigned int level = keytree_node_level(node);
	uint64_t width = 1;

	if (level > msg->height)
		return false;
	for (unsigned int l = level; l < msg->height; l++)
		width *= msg->degree;
	return keytree_node_index(node) < width;
}

static bool is_parent(const struct keytree_msg *msg, uint32_t parent,
		      uint32_t child)
{
	return keytree_node_level(parent) == keytree_node_level(child) + 1 &&
	       keytree_node_index(parent) ==
		       keytree_node_index(child) / msg->degree;
}

static int check_nodes(const struct keytree_msg *msg)
{
	for (uint32_t i = 0; i < msg->changed_count; i++) {
		uint32_t node = keytree_msg_changed(msg, i);

		if (!node_in_tree(msg, node) || keytree_node_level(node) == 0)
			return KEYTREE_ERR_MALFORMED;
	}
	for (uint32_t i = 0; i < msg->wrap_count; i++) {
		uint32_t node, under;
		const uint8_t *wrapped;

		keytree_msg_wrap(msg, i, &node, &under, &wrapped);
		if (!node_in_tree(msg, node) || !node_in_tree(msg, under) ||
		    keytree_node_level(node) == 0)
			return KEYTREE_ERR_MALFORMED;
		if (msg->kind == KEYTREE_MSG_MULTICAST) {
			/* under its own old key, or under a child's key */
			if (under != node && !is_parent(msg, node, under))
				return KEYTREE_ERR_MALFORMED;
		} else {
			/* under the recipient's key, on its path */
			uint64_t span = 1;

			for (unsigned int l = 0; l < keytree_node_level(node);
			     l++)
				span *= msg->degree;
			if (under != keytree_node_id(0, msg->member_leaf) ||
			    keytree_node_index(node) != msg->member_leaf / span)
				return KEYTREE_ERR_MALFORMED;
		}
	}
	for (uint32_t i = 0; i < msg->offset_count; i++) {
		uint32_t child;
		const uint8_t *offset;

		keytree_msg_offset(msg, i, &child, &offset);
		if (!node_in_tree(msg, child) ||
		    keytree_node_level(child) >= msg->height)
			return KEYTREE_ERR_MALFORMED;
	}
	return KEYTREE_OK;
}

/* Which attributes each kind of message must and may carry. */
static int check_shape(const struct keytree_msg *msg)
{
	bool offset = msg->scheme == KEYTREE_SCHEME_OFFSET;
	bool welcome_needs_join = offset;

	switch (msg->kind) {
	case KEYTREE_MSG_MULTICAST:
		if (msg->has_member || msg->join_key)
			return KEYTREE_ERR_MALFORMED;
		if (offset && (!msg->has_join_epoch || msg->wrap_count))
			return KEYTREE_ERR_MALFORMED;
		if (!offset && (msg->has_join_epoch || !msg->changed ||
				msg->offset_count))
			return KEYTREE_ERR_MALFORMED;
		return KEYTREE_OK;
	case KEYTREE_MSG_UNICAST:
		if (offset || !msg->has_member || msg->has_join_epoch ||
		    msg->changed || msg->offset_count || msg->join_key ||
		    !msg->wrap_count)
			return KEYTREE_ERR_MALFORMED;
		return KEYTREE_OK;
	case KEYTREE_MSG_WELCOME:
		if (!msg->has_member || msg->changed || msg->offset_count ||
		    msg->wrap_count != msg->height ||
		    msg->has_join_epoch != welcome_needs_join ||
		    !!msg->join_key != welcome_needs_join)
			return KEYTREE_ERR_MALFORMED;
		return KEYTREE_OK;
	default:
		return KEYTREE_ERR_MALFORMED;
	}
}

static int parse_header(struct keytree_msg *msg, const uint8_t *v)
{
	unsigned int max_height;

	msg->version = v[0];
	msg->kind = v[1];
	msg->scheme = v[2];
	msg->degree = v[3];
	msg->height = v[4];
	msg->group_id = keytree_get_be32(v + 8);
	msg->seq = keytree_get_be64(v + 12);
	if (msg->version != KEYTREE_FORMAT_VERSION)
		return KEYTREE_ERR_VERSION;
	if (v[5] || v[6] || v[7] ||
	    (msg->scheme != KEYTREE_SCHEME_LKH &&
	     msg->scheme != KEYTREE_SCHEME_OFFSET) ||
	    msg->degree < KEYTREE_MIN_DEGREE ||
	    msg->degree > KEYTREE_MAX_DEGREE)
		return KEYTREE_ERR_MALFORMED;
	max_height = 1;
	for (uint64_t span = msg->degree; span < KEYTREE_MAX_LEAVES;
	     span *= msg->degree)
		max_height++;
	if (msg->height < 1 || msg->height > max_height)
		return KEYTREE_ERR_MALFORMED;
	return KEYTREE_OK;
}

/* Fixed value length of each attribute type; 0 for CHANGED (4n). */
static int attr_fixed_len(uint8_t type)
{
	switch (type) {
	case KEYTREE_ATTR_HEADER:	return KEYTREE_HEADER_LEN;
	case KEYTREE_ATTR_MEMBER:	return 4;
	case KEYTREE_ATTR_JOIN_EPOCH:	return 8;
	case KEYTREE_ATTR_CHANGED:	return 0;
	case KEYTREE_ATTR_WRAP:		return KEYTREE_WRAP_ATTR_LEN;
	case KEYTREE_ATTR_OFFSET:	return KEYTREE_OFFSET_ATTR_LEN;
	case KEYTREE_ATTR_JOIN_KEY:	return KEYTREE_WRAPPED_LEN;
	case KEYTREE_ATTR_TAG:		return KEYTREE_TAG_LEN;
	default:			return -1;
	}
}

int keytree_msg_parse(const uint8_t *buf, size_t len, struct keytree_msg *msg)
{
	size_t pos = 0;
	int last_type = -1;
	int err;

	if (!buf || !msg)
		return KEYTREE_ERR_INVAL;
	memset(msg, 0, sizeof(*msg));
	msg->buf = buf;
	msg->len = len;

	while (pos < len) {
		size_t attr_start = pos, value_len;
		uint8_t type;
		int fixed;

		if (msg->tag)
			return KEYTREE_ERR_MALFORMED;	/* bytes after TAG */
		if (len - pos < 2)
			return KEYTREE_ERR_MALFORMED;
		type = buf[pos];
		value_len = buf[pos + 1];
		pos += 2;
		if (value_len & 0x80) {
			size_t n = value_len & 0x7f;

			if (n == 0 || n > 4 || len - pos < n || buf[pos] == 0)
				return KEYTREE_ERR_MALFORMED;
			value_len = 0;
			for (size_t k = 0; k < n; k++)
				value_len = value_len << 8 | buf[pos + k];
			if (value_len < 128)
				return KEYTREE_ERR_MALFORMED;	/* not minimal */
			pos += n;
		}
		if (value_len > len - pos)
			return KEYTREE_ERR_MALFORMED;

		fixed = attr_fixed_len(type);
		if (fixed < 0)
			return KEYTREE_ERR_MALFORMED;
		if (fixed ? value_len != (size_t)fixed :
			    value_len == 0 || value_len % 4)
			return KEYTREE_ERR_MALFORMED;
		if (last_type < 0 && type != KEYTREE_ATTR_HEADER)
			return KEYTREE_ERR_MALFORMED;
		if (type < last_type ||
		    (type == last_type && type != KEYTREE_ATTR_WRAP &&
		     type != KEYTREE_ATTR_OFFSET))
			return KEYTREE_ERR_MALFORMED;
		last_type = type;

		const uint8_t *v = buf + pos;

		switch (type) {
		case KEYTREE_ATTR_HEADER:
			err = parse_header(msg, v);
			if (err)
				return err;
			break;
		case KEYTREE_ATTR_MEMBER:
			msg->has_member = true;
			msg->member_leaf = keytree_get_be32(v);
			break;
		case KEYTREE_ATTR_JOIN_EPOCH:
			msg->has_join_epoch = true;
			msg->join_epoch = keytree_get_be64(v);
			break;
		case KEYTREE_ATTR_CHANGED:
			msg->changed = v;
			msg->changed_count = (uint32_t)(value_len / 4);
			break;
		case KEYTREE_ATTR_WRAP:
			/* same type, fixed short length: a contiguous run */
			if (!msg->wrap_count)
				msg->wraps = buf + attr_start;
			msg->wrap_count++;
			break;
		case KEYTREE_ATTR_OFFSET:
			if (!msg->offset_count)
				msg->offsets = buf + attr_start;
			msg->offset_count++;
			break;
		case KEYTREE_ATTR_JOIN_KEY:
			msg->join_key = v;
			break;
		case KEYTREE_ATTR_TAG:
			msg->tag = v;
			msg->signed_len = attr_start;
			break;
		}
		pos += value_len;
	}
	if (!msg->tag)
		return KEYTREE_ERR_MALFORMED;
	if (msg->has_member &&
	    (msg->member_leaf > KEYTREE_NODE_INDEX_MASK ||
	     !node_in_tree(msg, keytree_node_id(0, msg->member_leaf))))
		return KEYTREE_ERR_MALFORMED;
	err = check_shape(msg);
	if (!err)
		err = check_nodes(msg);
	return err;
}
