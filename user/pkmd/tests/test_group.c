// SPDX-License-Identifier: GPL-2.0
/*
 * Key tree groups end to end without a kernel: the BS's rekey payloads
 * (bs_group.c's encoding), framed as Group Key Update Commands the way
 * the daemon sends them (multicast signed by the BS, unicast digested
 * under each member's AK), parsed and verified as the SS does, then
 * applied by the SS side (ss_group_member.c).  Every member must derive
 * the BS's TEK; departed members, forgeries and replays must not move a
 * member; the saved forms must survive the database.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bs/bs_group.h"
#include "group.h"
#include "ss/ss_group.h"
#include "store.h"
#include "tap.h"
#include "../../pkm/tests/testcert.h"

#define N_SS	6
#define GROUP	7
#define SAID	0xfe07

struct ss_sim {
	uint8_t kek[PKM_KEY_LEN];
	uint8_t cmac[PKM_KEY_LEN];
	uint32_t tx_pn;			/* BS side */
	struct pkm_replay rx;		/* SS side */
	struct ss_group_state st;
	uint32_t leaf;
	bool member;
	uint8_t tek[PKM_KEY_LEN];
	uint64_t seq;
	bool has_tek;
};

struct world {
	struct keytree_server *tree;
	EVP_PKEY *bs_key, *other_key;
	struct ss_sim ss[N_SS];
	/* the last rekey, as framed PKM messages */
	uint8_t mcast[PKM_MSG_MAX];
	size_t mcast_len;
	uint8_t uni[N_SS][PKM_MSG_MAX];
	size_t uni_len[N_SS];
};

static int frame(struct world *w, bool multicast, int to, const uint8_t *p,
		 size_t len, uint8_t *buf, size_t *out)
{
	struct pkm_msg m = { .code = PKM_GROUP_KEY_UPDATE };
	struct pkm_seal seal = { 0 };

	m.u.gku.said = SAID;
	m.u.gku.payload = (struct pkm_bytes){ p, len };
	if (multicast) {
		seal.sign_key = w->bs_key;
	} else {
		seal.cmac_key = w->ss[to].cmac;
		seal.pn = w->ss[to].tx_pn++;
	}
	return pkm_msg_build(&m, &seal, buf, PKM_MSG_MAX, out);
}

static int by_leaf(struct world *w, uint32_t leaf)
{
	for (int i = 0; i < N_SS; i++)
		if (w->ss[i].member && w->ss[i].leaf == leaf)
			return i;
	return -1;
}

static int collect(void *arg, bool multicast, uint32_t leaf,
		   const uint8_t *msg, size_t len)
{
	struct world *w = arg;
	int i;

	if (multicast)
		return frame(w, true, 0, msg, len, w->mcast, &w->mcast_len);
	i = by_leaf(w, leaf);
	if (i < 0)
		return -ENOENT;
	return frame(w, false, i, msg, len, w->uni[i], &w->uni_len[i]);
}

/* What the SS does with one framed message; 0, -EAGAIN or an error. */
static int ss_receive(struct world *w, int i, const uint8_t *buf, size_t len,
		      bool multicast, EVP_PKEY *bs_key)
{
	struct ss_sim *s = &w->ss[i];
	struct pkm_verifier v = { 0 };
	uint8_t ikey[KEYTREE_KEY_LEN], tek[PKM_KEY_LEN];
	struct pkm_msg m;
	uint64_t seq;
	int err;

	if (pkm_msg_parse(buf, len, &m) || m.code != PKM_GROUP_KEY_UPDATE)
		return -EBADMSG;
	if (multicast) {
		if (m.authn != PKM_AUTHN_SIG_BS)
			return -EBADMSG;
		v.peer_key = bs_key;
	} else {
		if (m.authn != PKM_AUTHN_CMAC)
			return -EBADMSG;
		v.cmac_key = s->cmac;
		v.replay = &s->rx;
	}
	if (pkm_msg_verify(&m, &v))
		return -EACCES;
	group_member_key(s->kek, GROUP, ikey);
	err = ss_group_apply(&s->st, ikey, m.u.gku.payload.p,
			     m.u.gku.payload.len, &seq, tek);
	if (!err) {
		memcpy(s->tek, tek, sizeof(tek));
		s->seq = seq;
		s->has_tek = true;
	}
	return err;
}

/* Commit what is staged and deliver it to every SS that is still here. */
static int rekey_ex(struct world *w, unsigned int flags, bool unicast_first,
		    bool deliver)
{
	struct keytree_plan *plan;
	uint8_t *blob;
	size_t len;
	int err;

	w->mcast_len = 0;
	memset(w->uni_len, 0, sizeof(w->uni_len));
	err = keytree_server_rekey(w->tree, flags, &plan);
	if (err)
		return err;
	err = bs_group_rekey_encode(w->tree, plan, &blob, &len);
	keytree_plan_free(plan);
	if (err)
		return err;
	err = bs_group_rekey_each(blob, len, collect, w);
	free(blob);
	if (err || !deliver)
		return err;
	for (int i = 0; i < N_SS; i++) {
		if (!w->ss[i].member)
			continue;
		if (unicast_first && w->uni_len[i])
			ss_receive(w, i, w->uni[i], w->uni_len[i], false, w->bs_key);
		if (w->mcast_len)
			ss_receive(w, i, w->mcast, w->mcast_len, true, w->bs_key);
		if (!unicast_first && w->uni_len[i])
			ss_receive(w, i, w->uni[i], w->uni_len[i], false, w->bs_key);
	}
	return 0;
}

static int rekey(struct world *w, unsigned int flags, bool unicast_first)
{
	return rekey_ex(w, flags, unicast_first, true);
}

static void bs_tek(struct world *w, uint8_t tek[PKM_KEY_LEN], uint64_t *seq)
{
	uint8_t gk[KEYTREE_KEY_LEN];

	keytree_server_group_key(w->tree, gk, seq);
	group_tek(gk, GROUP, *seq, tek);
}

static bool all_follow(struct world *w)
{
	uint8_t tek[PKM_KEY_LEN];
	uint64_t seq;

	bs_tek(w, tek, &seq);
	for (int i = 0; i < N_SS; i++)
		if (w->ss[i].member && (!w->ss[i].has_tek || w->ss[i].seq != seq ||
					memcmp(w->ss[i].tek, tek, sizeof(tek))))
			return false;
	return true;
}

static int join(struct world *w, int i)
{
	uint8_t ikey[KEYTREE_KEY_LEN];
	int err;

	group_member_key(w->ss[i].kek, GROUP, ikey);
	err = keytree_server_join(w->tree, ikey, &w->ss[i].leaf);
	if (!err)
		w->ss[i].member = true;
	return err;
}

static void world_free(struct world *w)
{
	for (int i = 0; i < N_SS; i++)
		ss_group_state_clear(&w->ss[i].st);
	keytree_server_free(w->tree);
}

static void scenario(struct world *w, enum keytree_scheme scheme,
		     const char *name)
{
	uint8_t old_tek[PKM_KEY_LEN], tek[PKM_KEY_LEN];
	uint8_t saved_mcast[PKM_MSG_MAX];
	size_t saved_len;
	uint64_t seq, old_seq;
	int gone = 2, err;

	for (int i = 0; i < N_SS; i++) {
		memset(&w->ss[i], 0, sizeof(w->ss[i]));
		pkm_random(w->ss[i].kek, PKM_KEY_LEN);
		pkm_random(w->ss[i].cmac, PKM_KEY_LEN);
		w->ss[i].st.group = GROUP;
	}
	ok(keytree_server_new(&w->tree, GROUP, scheme, 3) == 0,
	   "%s: tree of degree 3", name);

	/* five join one by one, each with its own rekey */
	for (int i = 0; i < N_SS - 1; i++) {
		join(w, i);
		err = rekey(w, 0, i % 2);
		if (err || !all_follow(w))
			break;
	}
	ok(all_follow(w), "%s: five SSs joined one by one; each derives the BS's TEK",
	   name);
	bs_tek(w, tek, &seq);
	is_int(seq, 5, "%s: five rekeys", name);
	is_int(group_tek_eks(seq), 1, "%s: EKS follows the rekey number", name);

	/* a newcomer cannot derive an earlier TEK from what it gets */
	memcpy(old_tek, tek, sizeof(tek));
	old_seq = seq;
	join(w, N_SS - 1);
	rekey(w, 0, false);
	ok(all_follow(w), "%s: a sixth joins; all six derive the new TEK", name);
	ok(w->ss[N_SS - 1].seq == old_seq + 1 &&
	   memcmp(w->ss[N_SS - 1].tek, old_tek, sizeof(old_tek)) != 0,
	   "%s: the newcomer's TEK is not the one before its join", name);

	/* revoke one: the others follow, it does not */
	memcpy(old_tek, w->ss[gone].tek, sizeof(old_tek));
	keytree_server_leave(w->tree, w->ss[gone].leaf);
	w->ss[gone].member = false;
	rekey(w, 0, false);
	ok(all_follow(w), "%s: one leaves; the five others derive the new TEK", name);
	if (w->mcast_len) {
		err = ss_receive(w, gone, w->mcast, w->mcast_len, true, w->bs_key);
		ok((err == -EPERM || err == -EAGAIN) &&
		   !memcmp(w->ss[gone].tek, old_tek, sizeof(old_tek)),
		   "%s: the departed SS cannot apply the rekey that evicts it (%s)",
		   name, err == -EAGAIN ? "waits for a unicast it never gets" :
		   keytree_strerror(w->ss[gone].st.last_error));
	}
	bs_tek(w, tek, &seq);
	ok(memcmp(w->ss[gone].tek, tek, sizeof(tek)) != 0,
	   "%s: the departed SS's TEK is not the group's", name);

	/* replays: the multicast again, the unicast with its old PN */
	memcpy(saved_mcast, w->mcast, w->mcast_len);
	saved_len = w->mcast_len;
	err = ss_receive(w, 0, saved_mcast, saved_len, true, w->bs_key);
	ok(err == -EPERM && w->ss[0].st.last_error == KEYTREE_ERR_REPLAY &&
	   all_follow(w), "%s: a replayed multicast rekey is refused (replay)", name);

	/* a forged one: the departed SS signs with another key */
	keytree_server_leave(w->tree, w->ss[0].leaf);
	w->ss[0].member = false;
	rekey(w, 0, false);
	w->ss[0].member = true;	/* pretend, to send it something */
	ok(all_follow(w) == false, "%s: (the member that left lags)", name);
	w->ss[0].member = false;
	if (w->mcast_len) {
		uint8_t forged[PKM_MSG_MAX];
		size_t forged_len;
		struct pkm_msg m;

		pkm_msg_parse(w->mcast, w->mcast_len, &m);
		{
			struct pkm_msg f = { .code = PKM_GROUP_KEY_UPDATE };
			struct pkm_seal seal = { .sign_key = w->other_key };
			uint8_t payload[PKM_MSG_MAX];

			memcpy(payload, m.u.gku.payload.p, m.u.gku.payload.len);
			f.u.gku.said = SAID;
			f.u.gku.payload = (struct pkm_bytes){ payload,
							      m.u.gku.payload.len };
			pkm_msg_build(&f, &seal, forged, sizeof(forged), &forged_len);
		}
		err = ss_receive(w, 1, forged, forged_len, true, w->bs_key);
		ok(err == -EACCES, "%s: a rekey signed by another key is refused", name);
		/* flip a payload byte, keep the right signature: the tree's tag */
		rekey_ex(w, KEYTREE_REKEY_FORCE, false, false);
		pkm_msg_parse(w->mcast, w->mcast_len, &m);
		{
			struct pkm_msg f = { .code = PKM_GROUP_KEY_UPDATE };
			struct pkm_seal seal = { .sign_key = w->bs_key };
			uint8_t payload[PKM_MSG_MAX];
			uint64_t before = w->ss[1].seq;

			memcpy(payload, m.u.gku.payload.p, m.u.gku.payload.len);
			payload[m.u.gku.payload.len - 20] ^= 1;
			f.u.gku.said = SAID;
			f.u.gku.payload = (struct pkm_bytes){ payload,
							      m.u.gku.payload.len };
			pkm_msg_build(&f, &seal, forged, sizeof(forged), &forged_len);
			err = ss_receive(w, 1, forged, forged_len, true, w->bs_key);
			ok(err == -EPERM && w->ss[1].seq == before &&
			   w->ss[1].st.last_error != KEYTREE_ERR_REPLAY,
			   "%s: a tampered payload is refused by the tree (%s)", name,
			   keytree_strerror(w->ss[1].st.last_error));
			/* the genuine one still goes through */
			for (int i = 0; i < N_SS; i++)
				if (w->ss[i].member)
					ss_receive(w, i, w->mcast, w->mcast_len,
						   true, w->bs_key);
			ok(all_follow(w), "%s: then the genuine one is applied",
			   name);
		}
	}

	/* batching: two leave, one rejoins under a new key, one rekey */
	old_seq = seq;
	keytree_server_leave(w->tree, w->ss[1].leaf);
	w->ss[1].member = false;
	keytree_server_leave(w->tree, w->ss[3].leaf);
	w->ss[3].member = false;
	pkm_random(w->ss[gone].kek, PKM_KEY_LEN);
	ss_group_state_clear(&w->ss[gone].st);
	join(w, gone);
	rekey(w, 0, true);
	bs_tek(w, tek, &seq);
	ok(all_follow(w) && seq == old_seq + 3,
	   "%s: two leaves and a join in one batch, one rekey; all follow", name);

	/* a forced rekey (TEK lifetime) */
	rekey(w, KEYTREE_REKEY_FORCE, false);
	ok(all_follow(w), "%s: forced rekey followed", name);
}

static int check_store(struct world *w, const char *dir)
{
	char path[256];
	struct store *st;
	struct store_group_tree t = { .group_id = GROUP }, back;
	struct bs_group_member_rec recs[2] = {
		{ .leaf = 3, .cn = "ss-three" }, { .leaf = 9, .cn = "ss-nine" },
	}, *out = NULL;
	struct store_sa sa = { .said = SAID, .service = 2, .suite = 2,
			       .has_group = true, .group_id = GROUP };
	struct keytree_server *loaded = NULL;
	size_t n = 0, need = 0;
	uint8_t tek_a[PKM_KEY_LEN], tek_b[PKM_KEY_LEN];
	uint64_t seq_a, seq_b;
	int err;

	snprintf(path, sizeof(path), "%s/group.db", dir);
	if (!ok(store_open(DB_SQLITE, path, &st) == 0, "database opened"))
		return 1;
	pkm_random(recs[0].ikey, KEYTREE_KEY_LEN);
	pkm_random(recs[1].ikey, KEYTREE_KEY_LEN);
	ok(bs_group_members_encode(recs, 2, &t.members, &t.members_len) == 0 &&
	   bs_group_members_decode(t.members, t.members_len, &out, &n) == 0 &&
	   n == 2 && out[1].leaf == 9 && !strcmp(out[1].cn, "ss-nine") &&
	   !memcmp(out[0].ikey, recs[0].ikey, KEYTREE_KEY_LEN),
	   "member table round trip");
	free(out);
	ok(bs_group_members_decode(t.members, t.members_len - 1, &out, &n) == -EINVAL,
	   "a truncated member table is refused");
	keytree_server_save(w->tree, NULL, 0, &need);
	t.tree = malloc(need);
	keytree_server_save(w->tree, t.tree, need, &t.tree_len);
	t.rekey = (uint8_t *)strdup("x");
	t.rekey_len = 1;
	sa.tek[0].eks = 1;
	sa.tek[1].eks = 2;
	sa.tek[1].key[0] = 0x5a;
	err = store_group_tree_save(st, &t, &sa);
	ok(err == 0, "tree, members, payloads and SA saved in one transaction");
	store_close(st);

	ok(store_open(DB_SQLITE, path, &st) == 0 &&
	   store_group_tree_load(st, GROUP, &back) == 0 &&
	   back.tree_len == t.tree_len && !memcmp(back.tree, t.tree, t.tree_len) &&
	   back.members_len == t.members_len && back.rekey_len == 1,
	   "reopened: the same blobs");
	ok(keytree_server_load(&loaded, back.tree, back.tree_len) == 0,
	   "the saved tree loads");
	keytree_server_group_key(w->tree, tek_a, &seq_a);
	keytree_server_group_key(loaded, tek_b, &seq_b);
	ok(seq_a == seq_b && !memcmp(tek_a, tek_b, sizeof(tek_a)),
	   "loaded tree: same rekey number and group key");
	/* the loaded tree carries on and the members follow it */
	keytree_server_free(w->tree);
	w->tree = loaded;
	rekey(w, KEYTREE_REKEY_FORCE, false);
	ok(all_follow(w), "members follow a rekey of the loaded tree");
	{
		struct store_group_tree none;

		ok(store_group_tree_load(st, 8, &none) == -ENOENT,
		   "no tree for group 8");
	}
	store_group_tree_free(&back);
	ok(store_group_tree_delete(st, GROUP) == 0 &&
	   store_group_tree_load(st, GROUP, &back) == -ENOENT, "tree deleted");
	store_close(st);
	free(t.tree);
	free(t.members);
	free(t.rekey);
	return 0;
}

int main(void)
{
	struct world w = { 0 };
	char dir[] = "/tmp/pkmd-test-group-XXXXXX";
	char path[300];
	uint8_t buf[8] = { 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff };

	w.bs_key = tc_key_rsa(2048);
	w.other_key = tc_key_rsa(2048);
	if (!ok(w.bs_key && w.other_key, "two RSA keys"))
		return tap_finish();
	scenario(&w, KEYTREE_SCHEME_LKH, "lkh");
	world_free(&w);
	scenario(&w, KEYTREE_SCHEME_OFFSET, "offset");
	ok(bs_group_rekey_each(buf, sizeof(buf), collect, &w) == -EINVAL,
	   "a truncated payload list is refused");
	if (mkdtemp(dir)) {
		check_store(&w, dir);
		snprintf(path, sizeof(path), "%s/group.db", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/group.db-wal", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/group.db-shm", dir);
		unlink(path);
		rmdir(dir);
	}
	world_free(&w);
	EVP_PKEY_free(w.bs_key);
	EVP_PKEY_free(w.other_key);
	return tap_finish();
}
