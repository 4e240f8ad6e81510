// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the rekey message parser, then the member side on
 * whatever parses.  Members of both schemes hold a real path; nothing a
 * fuzzer makes should authenticate, so their state never moves.
 *
 *   make fuzz [FUZZ_TIME=seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keytree.h"

static struct keytree_member *members[2];

static struct keytree_member *joined_member(enum keytree_scheme scheme)
{
	static const uint8_t key[KEYTREE_KEY_LEN] = { 1, 2, 3 };
	struct keytree_server *tree;
	struct keytree_member *member;
	struct keytree_plan *plan;
	struct keytree_msg msg;
	uint8_t buf[1024];
	uint32_t leaf;
	size_t len;

	if (keytree_server_new(&tree, 1, scheme, 3) ||
	    keytree_member_new(&member, 1, key))
		abort();
	for (int i = 0; i < 10; i++)
		if (keytree_server_join(tree, key, &leaf))
			abort();
	if (keytree_server_rekey(tree, 0, &plan) ||
	    keytree_msg_encode_unicast(tree, plan, 4, buf, sizeof(buf), &len) ||
	    keytree_msg_parse(buf, len, &msg) ||
	    keytree_member_apply(member, &msg, 1))
		abort();
	keytree_plan_free(plan);
	keytree_server_free(tree);
	return member;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	members[0] = joined_member(KEYTREE_SCHEME_LKH);
	members[1] = joined_member(KEYTREE_SCHEME_OFFSET);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keytree_msg msg;
	uint64_t seq_before[2];
	uint32_t node, under;
	const uint8_t *p;
	volatile uint8_t sink = 0;

	if (keytree_msg_parse(data, size, &msg))
		return 0;
	/* every view the parser hands out must lie inside the input */
	for (uint32_t i = 0; i < msg.changed_count; i++)
		sink ^= (uint8_t)keytree_msg_changed(&msg, i);
	for (uint32_t i = 0; i < msg.wrap_count; i++) {
		keytree_msg_wrap(&msg, i, &node, &under, &p);
		sink ^= p[KEYTREE_WRAPPED_LEN - 1];
	}
	for (uint32_t i = 0; i < msg.offset_count; i++) {
		keytree_msg_offset(&msg, i, &node, &p);
		sink ^= p[KEYTREE_KEY_LEN - 1];
	}
	if (msg.join_key)
		sink ^= msg.join_key[KEYTREE_WRAPPED_LEN - 1];
	sink ^= msg.tag[KEYTREE_TAG_LEN - 1];

	for (int m = 0; m < 2; m++) {
		seq_before[m] = keytree_member_seq(members[m]);
		if (keytree_member_apply(members[m], &msg, 1) == KEYTREE_OK ||
		    keytree_member_seq(members[m]) != seq_before[m])
			abort();	/* a forgery was accepted */
	}
	(void)sink;
	return 0;
}
