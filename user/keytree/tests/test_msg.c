// SPDX-License-Identifier: GPL-2.0
/*
 * The rekey message parser: every truncation, structural errors one by
 * one, long-form lengths, and the encoder's sizes.
 */
#include <string.h>

#include "tap.h"
#include "internal.h"

struct group {
	struct keytree_server *tree;
	uint32_t leaves[64];
	uint8_t keys[64][16];
	unsigned int count;
};

static void group_grow(struct group *g, unsigned int n, uint64_t *rng)
{
	struct keytree_plan *plan;

	for (unsigned int i = 0; i < n; i++, g->count++) {
		for (int k = 0; k < 16; k++)
			g->keys[g->count][k] = (uint8_t)test_rand(rng);
		keytree_server_join(g->tree, g->keys[g->count],
				    &g->leaves[g->count]);
	}
	keytree_server_rekey(g->tree, 0, &plan);
	keytree_plan_free(plan);
}

/* Replace the value of the attribute at `at` (type, short length) and
 * re-tag is not needed: the parser does not check tags. */
static int parse(const uint8_t *buf, size_t len)
{
	struct keytree_msg msg;

	return keytree_msg_parse(buf, len, &msg);
}

int main(void)
{
	uint64_t rng = test_seed();
	struct group g = { 0 };
	struct keytree_plan *plan;
	uint8_t mc[8192], uc[8192], bad[8192];
	size_t mc_len, uc_len;
	struct keytree_msg msg;
	bool all_refused = true;
	int err;

	keytree_server_new(&g.tree, 42, KEYTREE_SCHEME_LKH, 3);
	group_grow(&g, 20, &rng);
	keytree_server_leave(g.tree, g.leaves[4]);
	ok(!keytree_server_rekey(g.tree, 0, &plan), "rekey with a leave");
	ok(!keytree_msg_encode_multicast(g.tree, plan, mc, sizeof(mc),
					 &mc_len) &&
	   mc_len == keytree_msg_multicast_size(plan), "multicast encodes");
	ok(keytree_plan_unicast_count(plan) > 0 &&
	   !keytree_msg_encode_unicast(g.tree, plan, 0, uc, sizeof(uc),
				       &uc_len) &&
	   uc_len == keytree_msg_unicast_size(plan, 0), "unicast encodes");
	ok(!keytree_msg_parse(mc, mc_len, &msg) &&
	   msg.kind == KEYTREE_MSG_MULTICAST && msg.group_id == 42 &&
	   msg.seq == 2 && msg.signed_len == mc_len - 18,
	   "multicast parses back");
	ok(!keytree_msg_parse(uc, uc_len, &msg) &&
	   msg.kind == KEYTREE_MSG_UNICAST && msg.has_member,
	   "unicast parses back");

	{
		size_t need = 0;

		ok(keytree_msg_encode_multicast(g.tree, plan, mc, 10, &need) ==
		   KEYTREE_ERR_NOSPC && need == mc_len,
		   "small buffer: NOSPC and the size needed");
	}

	for (size_t len = 0; len < mc_len; len++)
		if (!parse(mc, len))
			all_refused = false;
	for (size_t len = 0; len < uc_len; len++)
		if (!parse(uc, len))
			all_refused = false;
	ok(all_refused, "every truncation refused");

	memcpy(bad, mc, mc_len);
	bad[mc_len] = 0;
	ok(parse(bad, mc_len + 1) == KEYTREE_ERR_MALFORMED,
	   "byte after the tag refused");

	/* header fields */
	memcpy(bad, mc, mc_len);
	bad[2] = 2;
	ok(parse(bad, mc_len) == KEYTREE_ERR_VERSION, "unknown version");
	memcpy(bad, mc, mc_len);
	bad[2 + 3] = 9;
	ok(parse(bad, mc_len) == KEYTREE_ERR_MALFORMED, "degree 9 refused");
	memcpy(bad, mc, mc_len);
	bad[2 + 4] = 0;
	ok(parse(bad, mc_len) == KEYTREE_ERR_MALFORMED, "height 0 refused");
	memcpy(bad, mc, mc_len);
	bad[2 + 6] = 1;
	ok(parse(bad, mc_len) == KEYTREE_ERR_MALFORMED,
	   "reserved byte refused");
	memcpy(bad, mc, mc_len);
	bad[2 + 1] = 7;
	ok(parse(bad, mc_len) == KEYTREE_ERR_MALFORMED, "unknown kind");
	memcpy(bad, mc, mc_len);
	bad[2 + 2] = KEYTREE_SCHEME_OFFSET;
	ok(parse(bad, mc_len) == KEYTREE_ERR_MALFORMED,
	   "lkh attributes under the offset scheme refused");

	/* attribute structure */
	memcpy(bad, mc, mc_len);
	bad[0] = 0xbb;
	ok(parse(bad, mc_len) == KEYTREE_ERR_MALFORMED, "unknown type");
	memcpy(bad, mc, mc_len);
	bad[1] = 19;
	ok(parse(bad, mc_len) == KEYTREE_ERR_MALFORMED, "header length 19");
	{
		/* first attribute after the header: CHANGED */
		size_t at = 22;

		ok(mc[at] == KEYTREE_ATTR_CHANGED, "CHANGED follows HEADER");
		memcpy(bad, mc, mc_len);
		bad[at + 1] = 5;
		ok(parse(bad, mc_len) == KEYTREE_ERR_MALFORMED,
		   "CHANGED not a multiple of 4");
		/* a node id outside the tree */
		memcpy(bad, mc, mc_len);
		keytree_put_be32(bad + at + 2, keytree_node_id(9, 0));
		ok(parse(bad, mc_len) == KEYTREE_ERR_MALFORMED,
		   "node above the root refused");
		memcpy(bad, mc, mc_len);
		keytree_put_be32(bad + at + 2, keytree_node_id(1, 1000));
		ok(parse(bad, mc_len) == KEYTREE_ERR_MALFORMED,
		   "node index past the level refused");
	}
	{
		/* swap the header with what follows: order enforced */
		size_t at = 22, n = 2 + mc[23];

		memcpy(bad, mc + at, n);
		memcpy(bad + n, mc, at);
		memcpy(bad + n + at, mc + at + n, mc_len - at - n);
		ok(parse(bad, mc_len) == KEYTREE_ERR_MALFORMED,
		   "attributes out of order refused");
	}
	{
		/* a WRAP whose `under` is no child of its node */
		struct keytree_msg m;
		size_t off;

		keytree_msg_parse(mc, mc_len, &m);
		ok(m.wrap_count > 0, "multicast carries wraps");
		off = (size_t)(m.wraps - mc);
		memcpy(bad, mc, mc_len);
		keytree_put_be32(bad + off + 2 + 4, keytree_node_id(0, 0));
		ok(parse(bad, mc_len) == KEYTREE_ERR_MALFORMED,
		   "wrap under a non-child refused");
	}
	{
		/* a unicast addressed to one leaf carrying another's wrap */
		struct keytree_msg m;
		size_t off;

		keytree_msg_parse(uc, uc_len, &m);
		off = (size_t)(m.wraps - uc);
		memcpy(bad, uc, uc_len);
		keytree_put_be32(bad + off + 2 + 4,
				 keytree_node_id(0, m.member_leaf ^ 1));
		ok(parse(bad, uc_len) == KEYTREE_ERR_MALFORMED,
		   "unicast wrap for another leaf refused");
	}
	{
		/* long form with a non-minimal length */
		uint8_t f[64] = { KEYTREE_ATTR_HEADER, 0x81, 20 };

		ok(parse(f, 23) == KEYTREE_ERR_MALFORMED,
		   "non-minimal long-form length refused");
		f[1] = 0x85;
		ok(parse(f, 10) == KEYTREE_ERR_MALFORMED,
		   "5 length bytes refused");
		f[1] = 0x80;
		ok(parse(f, 3) == KEYTREE_ERR_MALFORMED,
		   "long form with no length bytes refused");
		f[1] = 0x84;
		f[2] = 0xff;
		f[3] = f[4] = f[5] = 0xff;
		ok(parse(f, 6) == KEYTREE_ERR_MALFORMED,
		   "length past the buffer refused");
	}
	keytree_plan_free(plan);

	/* a batch big enough for a long-form CHANGED list */
	{
		struct group big = { 0 };

		keytree_server_new(&big.tree, 43, KEYTREE_SCHEME_LKH, 2);
		group_grow(&big, 64, &rng);
		for (unsigned int i = 0; i < 64; i += 2)
			keytree_server_leave(big.tree, big.leaves[i]);
		ok(!keytree_server_rekey(big.tree, 0, &plan),
		   "batch of 32 leaves");
		err = keytree_msg_encode_multicast(big.tree, plan, mc,
						   sizeof(mc), &mc_len);
		ok(!err && !keytree_msg_parse(mc, mc_len, &msg) &&
		   msg.changed_count * 4 >= 128 && (mc[23] & 0x80),
		   "long-form CHANGED (%u nodes) round trips",
		   msg.changed_count);
		keytree_plan_free(plan);
		keytree_server_free(big.tree);
	}

	/* an old plan cannot be encoded any more */
	keytree_server_leave(g.tree, g.leaves[0]);
	keytree_server_rekey(g.tree, 0, &plan);
	{
		struct keytree_plan *newer;

		keytree_server_leave(g.tree, g.leaves[1]);
		keytree_server_rekey(g.tree, 0, &newer);
		ok(keytree_msg_encode_multicast(g.tree, plan, mc, sizeof(mc),
						&mc_len) == KEYTREE_ERR_STALE,
		   "stale plan refused");
		keytree_plan_free(newer);
	}
	keytree_plan_free(plan);

	for (int e = 0; e >= -19; e--)
		if (!strcmp(keytree_strerror(e), "unknown error"))
			all_refused = false;
	ok(all_refused, "every error code has a message");

	keytree_server_free(g.tree);
	return tap_done();
}
