// SPDX-License-Identifier: GPL-2.0
/*
 * Saved server and member state: exact round trips, a loaded tree that
 * keeps working with its members, and every truncation and byte flip
 * refused.
 */
#include <string.h>

#include "tap.h"
#include "internal.h"

#define MEMBERS 40

struct world {
	struct keytree_server *tree;
	struct keytree_member *members[MEMBERS];
	uint32_t leaves[MEMBERS];
	bool present[MEMBERS];
};

static int deliver(struct world *w, struct keytree_plan *plan)
{
	uint8_t mc[16384], uc[4096];
	size_t mc_len = 0, uc_len;
	struct keytree_msg msgs[2];
	int err = 0;

	if (keytree_plan_has_multicast(plan))
		err = keytree_msg_encode_multicast(w->tree, plan, mc,
						   sizeof(mc), &mc_len);
	for (int i = 0; !err && i < MEMBERS; i++) {
		size_t n = 0;

		if (!w->present[i])
			continue;
		for (size_t u = 0; u < keytree_plan_unicast_count(plan); u++)
			if (keytree_plan_unicast_leaf(plan, u) == w->leaves[i]) {
				err = keytree_msg_encode_unicast(
					w->tree, plan, u, uc, sizeof(uc),
					&uc_len);
				if (!err)
					err = keytree_msg_parse(uc, uc_len,
								&msgs[n++]);
			}
		if (!err && mc_len && (!n || msgs[0].kind !=
					     KEYTREE_MSG_WELCOME))
			err = keytree_msg_parse(mc, mc_len, &msgs[n++]);
		if (!err)
			err = keytree_member_apply(w->members[i], msgs, n);
	}
	return err;
}

static bool all_agree(struct world *w)
{
	uint8_t server[16], member[16];

	if (keytree_server_group_key(w->tree, server, NULL))
		return false;
	for (int i = 0; i < MEMBERS; i++) {
		if (!w->present[i])
			continue;
		if (keytree_member_group_key(w->members[i], member, NULL) ||
		    memcmp(server, member, 16))
			return false;
	}
	return true;
}

static bool every_damage_refused(const uint8_t *blob, size_t len,
				 bool server)
{
	uint8_t *copy = malloc(len);
	bool ok = true;

	for (size_t cut = 0; cut < len && ok; cut++) {
		struct keytree_server *t = NULL;
		struct keytree_member *m = NULL;

		if (server ? !keytree_server_load(&t, blob, cut) :
			     !keytree_member_load(&m, blob, cut))
			ok = false;
		keytree_server_free(t);
		keytree_member_free(m);
	}
	for (size_t i = 0; i < len && ok; i++) {
		struct keytree_server *t = NULL;
		struct keytree_member *m = NULL;

		memcpy(copy, blob, len);
		copy[i] ^= 1u << (i % 8);
		if (server ? !keytree_server_load(&t, copy, len) :
			     !keytree_member_load(&m, copy, len))
			ok = false;
		keytree_server_free(t);
		keytree_member_free(m);
	}
	free(copy);
	return ok;
}

static void run(enum keytree_scheme scheme, unsigned int degree,
		uint64_t *rng)
{
	const char *name = scheme == KEYTREE_SCHEME_LKH ? "lkh" : "offset";
	struct world w = { 0 };
	struct keytree_plan *plan;
	struct keytree_server *loaded;
	uint8_t *blob, *blob2, mblob[1024];
	size_t len, len2, mlen;
	int err;

	keytree_server_new(&w.tree, 9, scheme, degree);
	for (int i = 0; i < MEMBERS; i++) {
		uint8_t key[16];

		for (int k = 0; k < 16; k++)
			key[k] = (uint8_t)test_rand(rng);
		keytree_member_new(&w.members[i], 9, key);
		keytree_server_join(w.tree, key, &w.leaves[i]);
		w.present[i] = true;
	}
	keytree_server_rekey(w.tree, 0, &plan);
	err = deliver(&w, plan);
	keytree_plan_free(plan);
	/* leave holes so the free list matters */
	for (int i = 0; i < MEMBERS; i += 3) {
		keytree_server_leave(w.tree, w.leaves[i]);
		w.present[i] = false;
	}
	keytree_server_rekey(w.tree, 0, &plan);
	err |= deliver(&w, plan);
	keytree_plan_free(plan);
	ok(!err && all_agree(&w), "%s d=%u: members follow before saving",
	   name, degree);

	keytree_server_join(w.tree, (uint8_t[16]){ 1 }, &w.leaves[0]);
	ok(keytree_server_save(w.tree, NULL, 0, &len) == KEYTREE_ERR_BUSY,
	   "%s d=%u: save refused while a join is staged", name, degree);
	keytree_server_leave(w.tree, w.leaves[0]);	/* cancels it */

	keytree_server_save(w.tree, NULL, 0, &len);
	blob = malloc(len);
	blob2 = malloc(len);
	err = keytree_server_save(w.tree, blob, len, &len);
	err |= keytree_server_load(&loaded, blob, len);
	ok(!err, "%s d=%u: save and load (%zu bytes)", name, degree, len);
	if (err)
		return;
	ok(!keytree_server_save(loaded, blob2, len, &len2) && len2 == len &&
	   !memcmp(blob, blob2, len), "%s d=%u: save(load(blob)) == blob",
	   name, degree);
	ok(every_damage_refused(blob, len, true),
	   "%s d=%u: every truncation and bit flip of the tree refused", name,
	   degree);

	/* the loaded tree carries on: members left and joined */
	keytree_server_free(w.tree);
	w.tree = loaded;
	keytree_server_leave(w.tree, w.leaves[1]);
	w.present[1] = false;
	keytree_server_join(w.tree, (uint8_t[16]){ 7 }, &w.leaves[0]);
	keytree_member_free(w.members[0]);
	keytree_member_new(&w.members[0], 9, (uint8_t[16]){ 7 });
	w.present[0] = true;
	err = keytree_server_rekey(w.tree, 0, &plan);
	err |= deliver(&w, plan);
	keytree_plan_free(plan);
	ok(!err && all_agree(&w), "%s d=%u: loaded tree rekeys, members follow",
	   name, degree);

	/* member state */
	err = keytree_member_save(w.members[2], mblob, sizeof(mblob), &mlen);
	{
		struct keytree_member *m;
		uint8_t again[1024];
		size_t again_len;

		err |= keytree_member_load(&m, mblob, mlen);
		ok(!err && !keytree_member_save(m, again, sizeof(again),
						&again_len) &&
		   again_len == mlen && !memcmp(again, mblob, mlen),
		   "%s d=%u: member state round trips", name, degree);
		if (!err) {
			keytree_member_free(w.members[2]);
			w.members[2] = m;
		}
	}
	ok(every_damage_refused(mblob, mlen, false),
	   "%s d=%u: every truncation and bit flip of a member refused",
	   name, degree);
	keytree_server_leave(w.tree, w.leaves[5]);
	w.present[5] = false;
	err = keytree_server_rekey(w.tree, 0, &plan);
	err |= deliver(&w, plan);
	keytree_plan_free(plan);
	ok(!err && all_agree(&w), "%s d=%u: loaded member follows", name,
	   degree);

	free(blob);
	free(blob2);
	for (int i = 0; i < MEMBERS; i++)
		keytree_member_free(w.members[i]);
	keytree_server_free(w.tree);
}

int main(void)
{
	uint64_t rng = test_seed();

	for (unsigned int d = KEYTREE_MIN_DEGREE; d <= KEYTREE_MAX_DEGREE;
	     d += 3) {
		run(KEYTREE_SCHEME_LKH, d, &rng);
		run(KEYTREE_SCHEME_OFFSET, d, &rng);
	}
	return tap_done();
}
