// SPDX-License-Identifier: GPL-2.0
/*
 * Long random join/leave/batch sequences on both schemes, degrees 2..8,
 * with real messages through the codec.  After every rekey:
 *
 *   - every current member derives the server's group key;
 *   - the coalition of every departed member (all keys they ever held,
 *     plus every message ever sent) knows no current key and derives no
 *     group key of a rekey at which none of them was a member; for lkh it
 *     knows no key beyond those its members were given;
 *   - each departed member's own state fails on every later rekey;
 *   - forged, tampered, replayed and misdirected messages are refused and
 *     leave the member unchanged.
 *
 * At the end, for several cut points T, the coalition of everyone who
 * joined after T (same knowledge model) derives no group key of T or
 * before.  Server and member state also go through save/load on the way.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "sim.h"

#define NO_SEQ UINT64_MAX

struct sim_member {
	uint32_t leaf;
	uint8_t individual_key[KEYTREE_KEY_LEN];
	struct keytree_member *state;
	uint64_t join_seq;	/* first rekey it is a member at */
	uint64_t leave_seq;	/* first rekey it is no longer a member at */
	uint64_t missed_seq;	/* a rekey it did not receive */
	bool present, cancelled, lost;
	struct keyset held;
};

struct sim_msg {
	uint8_t *buf;
	size_t len;
	uint64_t seq;
	uint8_t kind;
	uint32_t leaf;
};

struct epoch_record {
	uint8_t group_key[KEYTREE_KEY_LEN];
	uint8_t root_key[KEYTREE_KEY_LEN];
	uint8_t p2mp_auth_key[KEYTREE_KEY_LEN];
	uint32_t root_id;
	uint64_t join_epoch;
	bool has_key;
	bool coalition_member;	/* some departed member was a member here */
};

struct sim {
	uint64_t rng;
	uint32_t group_id;
	enum keytree_scheme scheme;
	unsigned int degree;
	struct keytree_server *tree;
	struct sim_member **members;
	size_t member_count;
	struct sim_msg *msgs;
	size_t msg_count;
	struct epoch_record *epochs;	/* indexed by seq */
	size_t epoch_cap;
	struct keyset truth;
	struct keyset coalition_held;
	struct adversary forward;
	struct keytree_crypto crypto;
	struct sim_member *earlier_departed;	/* left at an earlier rekey */

	struct tap_quiet agree, fwd, departed_fails, forged, tampered, replay,
		bound, incomplete, persist, resync;
};

static void die(const char *what, int err)
{
	printf("Bail out! %s: %s\n", what, keytree_strerror(err));
	exit(1);
}

static struct sim_member *sim_add_member(struct sim *sim)
{
	struct sim_member *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		die("calloc", KEYTREE_ERR_NOMEM);
	for (int i = 0; i < KEYTREE_KEY_LEN; i++)
		m->individual_key[i] = (uint8_t)test_rand(&sim->rng);
	err = keytree_member_new(&m->state, sim->group_id, m->individual_key);
	if (err)
		die("keytree_member_new", err);
	m->join_seq = m->leave_seq = NO_SEQ;
	sim->members = xrealloc(sim->members, (sim->member_count + 1) *
						      sizeof(*sim->members));
	sim->members[sim->member_count++] = m;
	return m;
}

static struct epoch_record *epoch_at(struct sim *sim, uint64_t seq)
{
	if (seq >= sim->epoch_cap) {
		size_t cap = sim->epoch_cap ? 2 * sim->epoch_cap : 64;

		while (cap <= seq)
			cap *= 2;
		sim->epochs = xrealloc(sim->epochs, cap * sizeof(*sim->epochs));
		memset(sim->epochs + sim->epoch_cap, 0,
		       (cap - sim->epoch_cap) * sizeof(*sim->epochs));
		sim->epoch_cap = cap;
	}
	return &sim->epochs[seq];
}

/* Every key the server holds now goes into the truth set. */
static void record_truth(struct sim *sim)
{
	struct keytree_server *t = sim->tree;
	struct epoch_record *ep = epoch_at(sim, t->seq);

	for (unsigned int l = 1; l <= t->height; l++) {
		uint32_t width = keytree_level_width(t, l, t->leaf_used);

		for (uint32_t i = 0; i < width; i++)
			if (t->level[l].count[i])
				keyset_add(&sim->truth, KEY_NODE,
					   keytree_node_id(l, i),
					   t->level[l].keys[i], t->seq);
	}
	for (uint32_t leaf = 0; leaf < t->leaf_used; leaf++) {
		if (!(t->leaf_state[leaf] & KEYTREE_LEAF_MEMBER))
			continue;
		keyset_add(&sim->truth, KEY_LEAF_WRAP, keytree_node_id(0, leaf),
			   t->leaf_keys[leaf].wrap, t->seq);
		keyset_add(&sim->truth, KEY_LEAF_AUTH, keytree_node_id(0, leaf),
			   t->leaf_keys[leaf].auth, t->seq);
	}
	if (sim->scheme == KEYTREE_SCHEME_OFFSET)
		keyset_add(&sim->truth, KEY_JOIN, (uint32_t)t->join_epoch,
			   t->join_key, t->seq);

	ep->has_key = t->has_group_key;
	memcpy(ep->group_key, t->group_key, KEYTREE_KEY_LEN);
	memcpy(ep->p2mp_auth_key, t->p2mp_auth_key, KEYTREE_KEY_LEN);
	memcpy(ep->root_key, t->level[t->height].keys[0], KEYTREE_KEY_LEN);
	ep->root_id = keytree_node_id(t->height, 0);
	ep->join_epoch = t->join_epoch;
}

/* What a member is entitled to now (the server's keys on its path, its
 * own keys, the join key), added to everything it ever was.  Taken from
 * the server, so a member that missed a rekey is still counted as
 * knowing what it could have decoded. */
static void record_held(struct sim *sim, struct sim_member *m)
{
	const struct keytree_server *t = sim->tree;
	uint32_t leaf_id = keytree_node_id(0, m->leaf);

	keyset_add(&m->held, KEY_LEAF_WRAP, leaf_id, t->leaf_keys[m->leaf].wrap,
		   t->seq);
	keyset_add(&m->held, KEY_LEAF_AUTH, leaf_id, t->leaf_keys[m->leaf].auth,
		   t->seq);
	for (unsigned int l = 1; l <= t->height; l++) {
		uint32_t index = (uint32_t)(m->leaf / t->degree_pow[l]);

		keyset_add(&m->held, KEY_NODE, keytree_node_id(l, index),
			   t->level[l].keys[index], t->seq);
	}
	if (sim->scheme == KEYTREE_SCHEME_OFFSET)
		keyset_add(&m->held, KEY_JOIN, (uint32_t)t->join_epoch,
			   t->join_key, t->seq);
}

static void log_msg(struct sim *sim, const uint8_t *buf, size_t len,
		    uint64_t seq, uint8_t kind, uint32_t leaf)
{
	struct sim_msg *m;

	sim->msgs = xrealloc(sim->msgs, (sim->msg_count + 1) *
						sizeof(*sim->msgs));
	m = &sim->msgs[sim->msg_count++];
	m->buf = xrealloc(NULL, len);
	memcpy(m->buf, buf, len);
	m->len = len;
	m->seq = seq;
	m->kind = kind;
	m->leaf = leaf;
}

static void parse_or_die(const struct sim_msg *m, struct keytree_msg *out)
{
	int err = keytree_msg_parse(m->buf, m->len, out);

	if (err)
		die("parse of our own message", err);
}

static bool same_group_key(const struct keytree_member *state,
			   const uint8_t *key, uint64_t seq)
{
	uint8_t have[KEYTREE_KEY_LEN];
	uint64_t have_seq;

	if (keytree_member_group_key(state, have, &have_seq))
		return false;
	return have_seq == seq && !memcmp(have, key, KEYTREE_KEY_LEN);
}

/* ---- attacks on one member ---------------------------------------------- */

static void expect_refused(struct sim *sim, struct tap_quiet *q,
			   struct sim_member *m, const uint8_t *buf,
			   size_t len, const struct keytree_msg *extra,
			   const char *what)
{
	struct keytree_msg msgs[2];
	uint64_t seq_before = m->state->seq;
	uint8_t key_before[KEYTREE_KEY_LEN];
	size_t n = 0;
	int err;

	memcpy(key_before, m->state->group_key, KEYTREE_KEY_LEN);
	err = keytree_msg_parse(buf, len, &msgs[n]);
	if (!err) {
		n++;
		if (extra)
			msgs[n++] = *extra;
		err = keytree_member_apply(m->state, msgs, n);
	}
	quiet_check(q, err != KEYTREE_OK, "%s accepted (seq %" PRIu64 ")",
		    what, seq_before);
	quiet_check(q, m->state->seq == seq_before &&
		    !memcmp(m->state->group_key, key_before, KEYTREE_KEY_LEN),
		    "%s changed the member's state", what);
	(void)sim;
}

/* A departed member forges the next rekey with keys it held. */
static void forge_from_departed(struct sim *sim, struct sim_member *victim,
				const struct sim_member *departed,
				uint64_t seq, unsigned int height)
{
	const struct keytree_member *d = departed->state;
	struct forge f;
	uint8_t fake_root[KEYTREE_KEY_LEN], gk[KEYTREE_KEY_LEN];
	uint8_t mak[KEYTREE_KEY_LEN], wrapped[KEYTREE_WRAPPED_LEN];
	uint8_t id[4], value[KEYTREE_OFFSET_ATTR_LEN], epoch[8];
	uint32_t root = keytree_node_id(height, 0);

	memset(fake_root, 0x5a, sizeof(fake_root));
	forge_header(&f, KEYTREE_MSG_MULTICAST, sim->scheme, sim->degree,
		     height, sim->group_id, seq);
	if (sim->scheme == KEYTREE_SCHEME_LKH) {
		/* new root wrapped under the old root key it knew */
		keytree_put_be32(id, root);
		forge_attr(&f, KEYTREE_ATTR_CHANGED, id, 4);
		keytree_crypto_wrap(&sim->crypto, d->path[d->height],
				    fake_root, wrapped);
		uint8_t wrap[KEYTREE_WRAP_ATTR_LEN];

		keytree_put_be32(wrap, root);
		keytree_put_be32(wrap + 4, root);
		memcpy(wrap + 8, wrapped, KEYTREE_WRAPPED_LEN);
		forge_attr(&f, KEYTREE_ATTR_WRAP, wrap, sizeof(wrap));
	} else {
		/* offsets to the fake root from the keys it held, and its
		 * (still valid) join key */
		keytree_put_be64(epoch, victim->state->join_epoch);
		forge_attr(&f, KEYTREE_ATTR_JOIN_EPOCH, epoch, 8);
		for (uint32_t c = 0; c < sim->degree && height > 1; c++) {
			uint32_t child = keytree_node_id(height - 1, c);
			uint8_t pad[KEYTREE_KEY_LEN];

			keytree_crypto_offset_pad(&sim->crypto,
						  d->path[height - 1],
						  sim->group_id, child, seq,
						  pad);
			keytree_put_be32(value, child);
			keytree_xor_key(value + 4, pad, fake_root);
			forge_attr(&f, KEYTREE_ATTR_OFFSET, value,
				   sizeof(value));
		}
	}
	keytree_crypto_epoch_keys(&sim->crypto, sim->scheme, sim->group_id,
				  seq, victim->state->join_key, fake_root, gk,
				  mak);
	forge_seal(&f, &sim->crypto, mak, KEYTREE_LABEL_P2MP_TAG);
	expect_refused(sim, &sim->forged, victim, f.buf, f.len, NULL,
		       "forgery by a departed member");

	/* a unicast "for" the victim, tagged with the departed's own key */
	forge_header(&f, KEYTREE_MSG_UNICAST, sim->scheme, sim->degree,
		     height, sim->group_id, seq);
	keytree_put_be32(id, victim->state->leaf);
	forge_attr(&f, KEYTREE_ATTR_MEMBER, id, 4);
	if (sim->scheme == KEYTREE_SCHEME_LKH) {
		uint8_t wrap[KEYTREE_WRAP_ATTR_LEN];

		keytree_put_be32(wrap, keytree_node_id(1, victim->state->leaf /
							       sim->degree));
		keytree_put_be32(wrap + 4, keytree_node_id(0,
						victim->state->leaf));
		keytree_crypto_wrap(&sim->crypto, d->wrap_key, fake_root,
				    wrap + 8);
		forge_attr(&f, KEYTREE_ATTR_WRAP, wrap, sizeof(wrap));
	}
	forge_seal(&f, &sim->crypto, d->auth_key, KEYTREE_LABEL_P2P_TAG);
	expect_refused(sim, &sim->forged, victim, f.buf, f.len, NULL,
		       "unicast forged by a departed member");
}

/* The genuine multicast re-tagged under last rekey's key (which the
 * departed members of this rekey knew). */
static void retag_with_old_key(struct sim *sim, struct sim_member *victim,
			       const struct sim_msg *mc, uint64_t seq)
{
	struct keytree_msg parsed;
	uint8_t *copy = xrealloc(NULL, mc->len);

	parse_or_die(mc, &parsed);
	memcpy(copy, mc->buf, mc->len);
	keytree_crypto_cmac(&sim->crypto, epoch_at(sim, seq - 1)->p2mp_auth_key,
			    KEYTREE_LABEL_P2MP_TAG, copy, parsed.signed_len,
			    copy + mc->len - KEYTREE_TAG_LEN);
	expect_refused(sim, &sim->forged, victim, copy, mc->len, NULL,
		       "multicast tagged under the previous epoch's key");
	free(copy);
}

static void attack(struct sim *sim, struct sim_member *victim,
		   const struct sim_msg *mc, const struct sim_msg *uc,
		   const struct sim_member *departed)
{
	struct keytree_msg parsed_uc;
	uint8_t *copy;
	size_t bit;

	/* a bit flipped anywhere in the multicast (and in the unicast) */
	copy = xrealloc(NULL, mc->len);
	memcpy(copy, mc->buf, mc->len);
	bit = test_below(&sim->rng, (uint32_t)(mc->len * 8));
	copy[bit / 8] ^= 1u << (bit % 8);
	if (uc)
		parse_or_die(uc, &parsed_uc);
	expect_refused(sim, &sim->tampered, victim, copy, mc->len,
		       uc ? &parsed_uc : NULL, "tampered multicast");
	free(copy);
	if (uc) {
		struct keytree_msg parsed_mc;

		copy = xrealloc(NULL, uc->len);
		memcpy(copy, uc->buf, uc->len);
		bit = test_below(&sim->rng, (uint32_t)(uc->len * 8));
		copy[bit / 8] ^= 1u << (bit % 8);
		parse_or_die(mc, &parsed_mc);
		expect_refused(sim, &sim->tampered, victim, copy, uc->len,
			       &parsed_mc, "tampered unicast");
		free(copy);
	}

	/* an older multicast replayed */
	for (size_t tries = 0; tries < 8 && sim->msg_count; tries++) {
		const struct sim_msg *old =
			&sim->msgs[test_below(&sim->rng,
					      (uint32_t)sim->msg_count)];

		if (old->kind != KEYTREE_MSG_MULTICAST || old->seq >= mc->seq)
			continue;
		expect_refused(sim, &sim->replay, victim, old->buf, old->len,
			       NULL, "replayed multicast");
		break;
	}
	if (mc->seq >= 2)
		retag_with_old_key(sim, victim, mc, mc->seq);
	if (departed)
		forge_from_departed(sim, victim, departed, mc->seq,
				    sim->tree->height);
}

/* ---- the forward-secrecy adversary -------------------------------------- */

static void extend_join_chain(struct adversary *adv, uint64_t epoch)
{
	for (uint64_t e = 0; e < epoch; e++) {
		int32_t j = keyset_first(&adv->known, KEY_JOIN, (uint32_t)e);

		if (j >= 0 && keyset_first(&adv->known, KEY_JOIN,
					   (uint32_t)e + 1) < 0) {
			uint8_t key[KEYTREE_KEY_LEN];

			uint8_t next[KEYTREE_KEY_LEN];

			memcpy(key, adv->known.e[j].key, KEYTREE_KEY_LEN);

			keytree_crypto_join_step(&adv->crypto, key,
						 adv->group_id, e + 1, next);
			adv_learn(adv, KEY_JOIN, (uint32_t)e + 1, next);
		}
	}
}

/* Can the adversary compute the group key of rekey seq? */
static bool derives_group_key(struct sim *sim, struct adversary *adv,
			      uint64_t seq)
{
	const struct epoch_record *ep = &sim->epochs[seq];
	const uint8_t *join_key = NULL;
	uint8_t gk[KEYTREE_KEY_LEN], mak[KEYTREE_KEY_LEN];
	int32_t root, j;

	if (!ep->has_key)
		return false;
	root = keyset_find(&adv->known, KEY_NODE, ep->root_id, ep->root_key);
	if (root < 0)
		return false;
	if (sim->scheme == KEYTREE_SCHEME_OFFSET) {
		j = keyset_first(&adv->known, KEY_JOIN,
				 (uint32_t)ep->join_epoch);
		if (j < 0)
			return false;
		join_key = adv->known.e[j].key;
	}
	keytree_crypto_epoch_keys(&adv->crypto, sim->scheme, sim->group_id,
				  seq, join_key, adv->known.e[root].key, gk,
				  mak);
	return !memcmp(gk, ep->group_key, KEYTREE_KEY_LEN);
}

static void check_forward(struct sim *sim, size_t known_before)
{
	struct keytree_server *t = sim->tree;
	struct adversary *adv = &sim->forward;

	/* no current key */
	for (unsigned int l = 1; l <= t->height; l++) {
		uint32_t width = keytree_level_width(t, l, t->leaf_used);

		for (uint32_t i = 0; i < width; i++)
			if (t->level[l].count[i])
				quiet_check(&sim->fwd,
					    !adv_knows(adv, KEY_NODE,
						       keytree_node_id(l, i),
						       t->level[l].keys[i]),
					    "departed coalition knows current "
					    "key of node (%u,%u) at seq %"
					    PRIu64, l, i, t->seq);
	}
	for (uint32_t leaf = 0; leaf < t->leaf_used; leaf++)
		if (t->leaf_state[leaf] & KEYTREE_LEAF_MEMBER)
			quiet_check(&sim->fwd,
				    !adv_knows(adv, KEY_LEAF_AUTH,
					       keytree_node_id(0, leaf),
					       t->leaf_keys[leaf].auth),
				    "coalition knows a member's key");
	/* lkh: nothing beyond what they were given */
	if (sim->scheme == KEYTREE_SCHEME_LKH) {
		for (size_t i = known_before; i < adv->known.n; i++) {
			const struct keyset_entry *e = &adv->known.e[i];

			quiet_check(&sim->fwd,
				    keyset_find(&sim->coalition_held, e->kind,
						e->id, e->key) >= 0,
				    "coalition learned node %u key it never "
				    "held (seq %" PRIu64 ")", e->id, t->seq);
		}
	}
	/* no group key of a rekey none of them was a member at */
	for (uint64_t s = 1; s <= t->seq; s++)
		if (!sim->epochs[s].coalition_member)
			quiet_check(&sim->fwd,
				    !derives_group_key(sim, adv, s),
				    "departed coalition derives group key of "
				    "seq %" PRIu64, s);
}

static void depart(struct sim *sim, struct sim_member *m)
{
	for (size_t i = 0; i < m->held.n; i++) {
		const struct keyset_entry *e = &m->held.e[i];

		keyset_add(&sim->coalition_held, e->kind, e->id, e->key, 0);
		adv_learn(&sim->forward, e->kind, e->id, e->key);
	}
	for (uint64_t s = m->join_seq; s < m->leave_seq; s++)
		epoch_at(sim, s)->coalition_member = true;
}

/* ---- one rekey ---------------------------------------------------------- */

static unsigned int ceil_log(unsigned int d, uint32_t n)
{
	return keytree_height_for(d, n);
}

static void check_bound(struct sim *sim, const struct keytree_plan *plan,
			uint32_t members_before)
{
	struct keytree_plan_stats st;
	unsigned int d = sim->degree, h = sim->tree->height;

	keytree_plan_get_stats(plan, &st);
	if (st.leaves != 1 || st.joins != 0)
		return;
	/* the tree keeps its height when members leave, so the bound is
	 * in the current height; with a full tree it is d*ceil(log_d n) */
	if (sim->scheme == KEYTREE_SCHEME_LKH) {
		quiet_check(&sim->bound, st.keys_wrapped <= d * h - 1,
			    "leave wrapped %u keys, height %u degree %u",
			    st.keys_wrapped, h, d);
		quiet_check(&sim->bound,
			    h > ceil_log(d, members_before) ||
			    st.keys_wrapped <= d * ceil_log(d, members_before),
			    "leave wrapped %u > d*ceil(log_d %u)",
			    st.keys_wrapped, members_before);
	} else {
		quiet_check(&sim->bound, st.keys_wrapped == 0 &&
			    st.offsets <= d * h - 1 && st.p2p_messages == 0,
			    "offset leave: %u wraps, %u offsets, %u unicasts",
			    st.keys_wrapped, st.offsets, st.p2p_messages);
	}
	quiet_check(&sim->bound, st.p2mp_messages <= 1,
		    "more than one multicast message");
}

static struct sim_member *random_present(struct sim *sim, bool staying_only)
{
	size_t start = test_below(&sim->rng, (uint32_t)sim->member_count);

	for (size_t k = 0; k < sim->member_count; k++) {
		struct sim_member *m =
			sim->members[(start + k) % sim->member_count];

		if (m->present && (!staying_only || m->leave_seq == NO_SEQ))
			return m;
	}
	return NULL;
}

static const struct sim_msg *find_unicast(struct sim *sim, size_t first,
					  uint32_t leaf)
{
	for (size_t i = first; i < sim->msg_count; i++)
		if (sim->msgs[i].kind != KEYTREE_MSG_MULTICAST &&
		    sim->msgs[i].leaf == leaf)
			return &sim->msgs[i];
	return NULL;
}

static void persist_server(struct sim *sim)
{
	struct keytree_server *loaded;
	size_t len, len2;
	uint8_t *blob, *blob2;
	int err;

	keytree_server_save(sim->tree, NULL, 0, &len);
	blob = xrealloc(NULL, len);
	blob2 = xrealloc(NULL, len);
	err = keytree_server_save(sim->tree, blob, len, &len);
	quiet_check(&sim->persist, !err, "save: %s", keytree_strerror(err));
	err = keytree_server_load(&loaded, blob, len);
	quiet_check(&sim->persist, !err, "load: %s", keytree_strerror(err));
	if (err)
		goto out;
	err = keytree_server_save(loaded, blob2, len, &len2);
	quiet_check(&sim->persist, !err && len2 == len &&
		    !memcmp(blob, blob2, len), "save(load(blob)) != blob");
	quiet_check(&sim->persist,
		    loaded->has_group_key == sim->tree->has_group_key &&
		    !memcmp(loaded->group_key, sim->tree->group_key,
			    KEYTREE_KEY_LEN) &&
		    loaded->members == sim->tree->members &&
		    loaded->free_count == sim->tree->free_count,
		    "loaded tree differs");
	/* carry on with the loaded tree */
	keytree_server_free(sim->tree);
	sim->tree = loaded;
out:
	free(blob);
	free(blob2);
}

static void persist_member(struct sim *sim, struct sim_member *m)
{
	struct keytree_member *loaded;
	uint8_t blob[1024], blob2[1024];
	size_t len, len2;
	int err;

	err = keytree_member_save(m->state, blob, sizeof(blob), &len);
	quiet_check(&sim->persist, !err, "member save");
	err = keytree_member_load(&loaded, blob, len);
	quiet_check(&sim->persist, !err, "member load: %s",
		    keytree_strerror(err));
	if (err)
		return;
	err = keytree_member_save(loaded, blob2, sizeof(blob2), &len2);
	quiet_check(&sim->persist, !err && len == len2 &&
		    !memcmp(blob, blob2, len), "member save(load) differs");
	keytree_member_free(m->state);
	m->state = loaded;
}

static void deliver(struct sim *sim, size_t first_msg, const uint8_t *gk,
		    uint64_t seq, const struct sim_member *departed)
{
	const struct sim_msg *mc = NULL;
	struct keytree_msg parsed[2];
	bool attacked = false;

	for (size_t i = first_msg; i < sim->msg_count; i++)
		if (sim->msgs[i].kind == KEYTREE_MSG_MULTICAST)
			mc = &sim->msgs[i];

	for (size_t k = 0; k < sim->member_count; k++) {
		struct sim_member *m = sim->members[k];
		const struct sim_msg *uc;
		size_t n = 0;
		int err;

		if (!m->present)
			continue;
		uc = find_unicast(sim, first_msg, m->leaf);
		if (m->join_seq == seq) {
			/* a joiner needs its welcome and nothing else */
			quiet_check(&sim->agree, uc &&
				    uc->kind == KEYTREE_MSG_WELCOME,
				    "joiner without welcome");
			if (!uc)
				continue;
			parse_or_die(uc, &parsed[0]);
			err = keytree_member_apply(m->state, parsed, 1);
			quiet_check(&sim->agree, !err, "welcome refused: %s",
				    keytree_strerror(err));
			continue;
		}
		if (!mc) {
			quiet_check(&sim->agree, false,
				    "no multicast for a staying member");
			continue;
		}
		if (m->lost && test_below(&sim->rng, 2)) {
			m->lost = false;	/* misses this rekey */
			m->missed_seq = seq;
			continue;
		}
		/* Attacks on members in step with the server: one that
		 * missed the rekey evicting someone still holds keys the
		 * evicted member knew (see keytree.rst). */
		if (!attacked && m->state->seq == seq - 1 &&
		    test_below(&sim->rng, 3) == 0) {
			attack(sim, m, mc, uc, departed);
			attacked = true;
		}
		parse_or_die(mc, &parsed[n++]);
		if (test_below(&sim->rng, 2)) {
			/* the multicast first: without its unicast a
			 * member that has one must be told to wait */
			bool in_step = m->state->seq == seq - 1;

			err = keytree_member_apply(m->state, parsed, 1);
			if (uc && in_step)
				quiet_check(&sim->incomplete,
					    err == KEYTREE_ERR_INCOMPLETE,
					    "multicast alone gave %s to a "
					    "member with a unicast",
					    keytree_strerror(err));
			else if (in_step)
				quiet_check(&sim->incomplete, !err,
					    "multicast alone refused: %s",
					    keytree_strerror(err));
			if (!err && !uc)
				goto check;
		}
		if (uc)
			parse_or_die(uc, &parsed[n++]);
		err = keytree_member_apply(m->state, parsed, n);
		if (err && m->state->seq != seq - 1) {
			/* it missed a rekey: resync from the server */
			struct keytree_plan *plan;
			uint8_t buf[2048];
			size_t len;
			struct keytree_msg w;

			err = keytree_server_plan_resync(sim->tree, m->leaf,
							 &plan);
			if (!err)
				err = keytree_msg_encode_unicast(sim->tree,
								 plan, 0, buf,
								 sizeof(buf),
								 &len);
			if (!err)
				err = keytree_msg_parse(buf, len, &w);
			if (!err)
				err = keytree_member_apply(m->state, &w, 1);
			quiet_check(&sim->resync, !err, "resync: %s",
				    keytree_strerror(err));
			keytree_plan_free(plan);
		}
		quiet_check(&sim->agree, !err, "member at leaf %u: %s",
			    m->leaf, keytree_strerror(err));
check:
		if (!err && m->state->seq == seq) {
			/* the same messages again are a replay */
			err = keytree_member_apply(m->state, parsed, n);
			quiet_check(&sim->replay, err == KEYTREE_ERR_REPLAY,
				    "second delivery gave %s",
				    keytree_strerror(err));
		}
	}
	for (size_t k = 0; k < sim->member_count; k++) {
		struct sim_member *m = sim->members[k];

		if (m->present && m->missed_seq != seq)
			quiet_check(&sim->agree,
				    same_group_key(m->state, gk, seq),
				    "member at leaf %u disagrees at seq %"
				    PRIu64, m->leaf, seq);
	}
}

/* Departed members keep trying every rekey with what they hold. */
static void departed_try(struct sim *sim, size_t first_msg, uint64_t seq)
{
	for (size_t k = 0; k < sim->member_count; k++) {
		struct sim_member *m = sim->members[k];
		struct keytree_msg parsed[2];
		const struct sim_msg *uc;
		size_t n = 0;
		int err;

		if (m->present || m->leave_seq == NO_SEQ || m->cancelled ||
		    m->leave_seq + 40 < seq)
			continue;
		for (size_t i = first_msg; i < sim->msg_count; i++)
			if (sim->msgs[i].kind == KEYTREE_MSG_MULTICAST)
				parse_or_die(&sim->msgs[i], &parsed[n++]);
		uc = find_unicast(sim, first_msg, m->leaf);
		if (uc && uc->kind == KEYTREE_MSG_UNICAST)
			parse_or_die(uc, &parsed[n++]);
		if (!n)
			continue;
		err = keytree_member_apply(m->state, parsed, n);
		quiet_check(&sim->departed_fails, err != KEYTREE_OK,
			    "departed member (left at %" PRIu64 ") accepted "
			    "seq %" PRIu64, m->leave_seq, seq);
	}
}

static void sim_step(struct sim *sim, uint32_t lo, uint32_t hi)
{
	struct keytree_server *t;
	struct sim_member *joiners[8], *leavers[8];
	uint32_t joins, leaves, present = sim->tree->members;
	uint32_t members_before = present;
	struct keytree_plan *plan;
	size_t first_msg = sim->msg_count, known_before;
	unsigned int flags = 0;
	uint8_t buf[1 << 16];
	size_t len;
	uint64_t seq;
	int err;

	joins = test_below(&sim->rng, 4);
	leaves = test_below(&sim->rng, 4);
	if (present < lo)
		leaves = 0;
	if (present > hi)
		joins = 0;
	if (leaves > present)
		leaves = present;
	if (!joins && !leaves) {
		if (present && test_below(&sim->rng, 2))
			flags = KEYTREE_REKEY_FORCE;
		else
			joins = 1;
	}

	for (uint32_t i = 0; i < leaves; i++) {
		struct sim_member *m = random_present(sim, true);

		err = keytree_server_leave(sim->tree, m->leaf);
		if (err)
			die("leave", err);
		m->leave_seq = sim->tree->seq + 1;
		leavers[i] = m;
	}
	for (uint32_t i = 0; i < joins; i++) {
		struct sim_member *m = sim_add_member(sim);

		err = keytree_server_join(sim->tree, m->individual_key,
					  &m->leaf);
		if (err)
			die("join", err);
		joiners[i] = m;
	}
	/* now and then a join is cancelled before the rekey */
	if (joins > 1 && test_below(&sim->rng, 4) == 0) {
		joiners[joins - 1]->cancelled = true;
		err = keytree_server_leave(sim->tree, joiners[joins - 1]->leaf);
		if (err)
			die("cancel join", err);
		joins--;
		if (!joins && !leaves)
			flags = KEYTREE_REKEY_FORCE;
	}
	err = keytree_server_rekey(sim->tree, flags, &plan);
	if (err)
		die("rekey", err);
	t = sim->tree;
	seq = t->seq;
	check_bound(sim, plan, members_before);

	if (keytree_plan_has_multicast(plan)) {
		err = keytree_msg_encode_multicast(t, plan, buf, sizeof(buf),
						   &len);
		if (err)
			die("encode multicast", err);
		quiet_check(&sim->agree,
			    len == keytree_msg_multicast_size(plan),
			    "multicast size");
		log_msg(sim, buf, len, seq, KEYTREE_MSG_MULTICAST, 0);
	}
	for (size_t i = 0; i < keytree_plan_unicast_count(plan); i++) {
		struct keytree_msg parsed;

		err = keytree_msg_encode_unicast(t, plan, i, buf, sizeof(buf),
						 &len);
		if (err)
			die("encode unicast", err);
		parse_or_die(&(struct sim_msg){ .buf = buf, .len = len },
			     &parsed);
		log_msg(sim, buf, len, seq, parsed.kind,
			keytree_plan_unicast_leaf(plan, i));
	}
	keytree_plan_free(plan);

	for (uint32_t i = 0; i < leaves; i++)
		leavers[i]->present = false;
	for (uint32_t i = 0; i < joins; i++) {
		joiners[i]->present = true;
		joiners[i]->join_seq = seq;
	}
	record_truth(sim);
	deliver(sim, first_msg, t->group_key, seq, sim->earlier_departed);
	if (leaves)
		sim->earlier_departed = leavers[leaves - 1];
	for (size_t k = 0; k < sim->member_count; k++)
		if (sim->members[k]->present)
			record_held(sim, sim->members[k]);

	/* forward secrecy: the coalition grows, hears everything */
	known_before = sim->forward.known.n;
	for (uint32_t i = 0; i < leaves; i++)
		depart(sim, leavers[i]);
	for (size_t i = first_msg; i < sim->msg_count; i++) {
		struct keytree_msg parsed;

		parse_or_die(&sim->msgs[i], &parsed);
		adv_add_message(&sim->forward, &parsed);
	}
	extend_join_chain(&sim->forward, t->join_epoch);
	check_forward(sim, known_before);
	departed_try(sim, first_msg, seq);

	if (test_below(&sim->rng, 25) == 0)
		persist_server(sim);
	if (test_below(&sim->rng, 5) == 0) {
		struct sim_member *m = random_present(sim, false);

		if (m)
			persist_member(sim, m);
	}
	if (test_below(&sim->rng, 15) == 0) {
		struct sim_member *m = random_present(sim, false);

		if (m)
			m->lost = true;
	}
}

/* The coalition of everyone who joined after `cut` derives no group key
 * of `cut` or before. */
static bool check_backward(struct sim *sim, uint64_t cut, size_t *coalition)
{
	struct adversary adv;
	bool ok = true;

	adv_init(&adv, sim->group_id, &sim->truth);
	*coalition = 0;
	for (size_t k = 0; k < sim->member_count; k++) {
		struct sim_member *m = sim->members[k];

		if (m->join_seq == NO_SEQ || m->join_seq <= cut)
			continue;
		(*coalition)++;
		for (size_t i = 0; i < m->held.n; i++)
			adv_learn(&adv, m->held.e[i].kind, m->held.e[i].id,
				  m->held.e[i].key);
	}
	for (size_t i = 0; i < sim->msg_count; i++) {
		struct keytree_msg parsed;

		parse_or_die(&sim->msgs[i], &parsed);
		adv_add_message(&adv, &parsed);
	}
	extend_join_chain(&adv, sim->tree->join_epoch);
	for (uint64_t s = 1; s <= cut; s++)
		if (derives_group_key(sim, &adv, s)) {
			printf("# joiners after seq %" PRIu64 " derive the "
			       "group key of seq %" PRIu64 "\n", cut, s);
			ok = false;
			break;
		}
	/* and no node key in force at or before the cut */
	for (size_t i = 0; ok && i < adv.known.n; i++) {
		const struct keyset_entry *e = &adv.known.e[i];
		int32_t t = keyset_find(&sim->truth, e->kind, e->id, e->key);

		if (e->kind == KEY_NODE && sim->truth.e[t].born <= cut) {
			printf("# joiners after seq %" PRIu64 " know node %u "
			       "key from seq %" PRIu64 "\n", cut, e->id,
			       sim->truth.e[t].born);
			ok = false;
		}
	}
	adv_free(&adv);
	return ok;
}

static void run(uint64_t seed, enum keytree_scheme scheme,
		unsigned int degree, unsigned int steps)
{
	const char *name = scheme == KEYTREE_SCHEME_LKH ? "lkh" : "offset";
	struct sim sim = { .rng = seed ^ (scheme * 1000 + degree),
			   .group_id = 0x1000 + degree,
			   .scheme = scheme, .degree = degree };
	uint32_t lo = 4 + 2 * degree, hi = 12 + 8 * degree;
	int err;

	err = keytree_server_new(&sim.tree, sim.group_id, scheme, degree);
	if (err)
		die("keytree_server_new", err);
	if (keytree_crypto_init(&sim.crypto))
		die("crypto", KEYTREE_ERR_CRYPTO);
	adv_init(&sim.forward, sim.group_id, &sim.truth);

	for (unsigned int i = 0; i < steps; i++)
		sim_step(&sim, lo, hi);

	char what[128];

#define REPORT(field, text)                                                  \
	do {                                                                 \
		snprintf(what, sizeof(what), "%s d=%u: %s", name, degree,   \
			 text);                                              \
		tap_quiet_report(&sim.field, what);                          \
	} while (0)
	REPORT(agree, "all members derive the server's group key");
	REPORT(incomplete, "multicast alone: wait for the unicast");
	REPORT(fwd, "departed coalition: no current key, no later group key");
	REPORT(departed_fails, "departed members' own state fails later");
	REPORT(forged, "forgeries by departed members refused");
	REPORT(tampered, "tampered messages refused, state unchanged");
	REPORT(replay, "replayed messages refused");
	REPORT(bound, "leave cost within d * height");
	REPORT(persist, "save/load round trips mid-run");
	if (sim.resync.checks)
		REPORT(resync, "members that missed a rekey resync");

	for (unsigned int k = 1; k <= 3; k++) {
		uint64_t cut = sim.tree->seq * k / 4;
		size_t coalition;
		bool ok = check_backward(&sim, cut, &coalition);

		ok(ok && coalition > 0,
		   "%s d=%u: %zu joiners after seq %" PRIu64
		   " derive no earlier group key", name, degree, coalition,
		   cut);
	}

	for (size_t k = 0; k < sim.member_count; k++) {
		keytree_member_free(sim.members[k]->state);
		keyset_free(&sim.members[k]->held);
		free(sim.members[k]);
	}
	for (size_t i = 0; i < sim.msg_count; i++)
		free(sim.msgs[i].buf);
	free(sim.members);
	free(sim.msgs);
	free(sim.epochs);
	keyset_free(&sim.truth);
	keyset_free(&sim.coalition_held);
	adv_free(&sim.forward);
	keytree_crypto_fini(&sim.crypto);
	keytree_server_free(sim.tree);
}

int main(void)
{
	uint64_t seed = test_seed();
	const char *env = getenv("KEYTREE_TEST_STEPS");
	unsigned int steps = env ? (unsigned int)atoi(env) : 300;

	for (unsigned int degree = KEYTREE_MIN_DEGREE;
	     degree <= KEYTREE_MAX_DEGREE; degree++) {
		run(seed, KEYTREE_SCHEME_LKH, degree, steps);
		run(seed, KEYTREE_SCHEME_OFFSET, degree, steps);
	}
	return tap_done();
}
