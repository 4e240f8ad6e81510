// SPDX-License-Identifier: GPL-2.0
/*
 * BS: the key tree of each multicast group configured with key-tree = lkh
 * or offset (Documentation/control-plane.rst, "Group key trees").
 *
 * Joins come from granted Key Requests for the group, leaves from the
 * operator (member removal, revocation) and from the database at startup.
 * A commit (at once, or after the group's rekey-batch interval) runs
 * keytree_server_rekey(), derives the next TEK from the new group key and
 * then, in this order:
 *
 *   1. writes the tree, the member table, the rekey's payloads and the SA
 *      with the new TEK as its newer generation, in one transaction;
 *   2. installs the new TEK in the kernel (other EKS slot; the BS keeps
 *      sending with the older one);
 *   3. sends the multicast payload, signed, on the broadcast management
 *      connection (CID 0xffff, shared by every tree group; SSs tell the
 *      groups apart by the message's SAID), and each unicast one on its
 *      member's primary management connection, CMAC-digested;
 *   4. answers the joiners' Key Requests;
 *   5. after switch-delay, deletes the older TEK from the kernel, so that
 *      the BS sends with the new one, and records that.
 *
 * A commit wanted during the switch waits for its end.  After a restart,
 * a group found between 1 and 5 gets its payloads sent again and its
 * switch timer started afresh; members that applied them already refuse
 * them as replays.
 *
 * If 1 fails, nothing is sent and the tree goes back to what the
 * database holds (the copy kept of the last saved tree): the joins and
 * leaves of the commit are staged again, and the commit is tried again
 * a second later, with new keys.  A rekey is never sent, nor a tree kept
 * in memory, that the database does not have.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bs.h"
#include "bs_group.h"
#include "group.h"
#include "log.h"

#define COMMIT_RETRY_MS	1000

struct bs_group_member {
	uint32_t leaf;
	char cn[STORE_CN_MAX + 1];
	uint8_t ikey[KEYTREE_KEY_LEN];
	bool staged;			/* join not committed yet */
	/*
	 * The Key Request to answer once the join is committed, and the
	 * SAID it named: one for SAID 0 is answered with the SA's
	 * SA-Descriptor.  Not saved (bs_group_members_encode() takes
	 * committed members only): after a restart the SS asks again.
	 */
	bool reply;
	uint8_t mac[MAC_LEN];
	uint8_t ak_seq;
	uint8_t pkm_id;
	uint16_t req_said;
	/* a join another BS of the zone recorded: its row goes once committed */
	bool zone_join;
};

/*
 * A join a follower of the zone sent to the writer (zones.rst): its Key
 * Request is answered once a committed tree has the member with this key.
 */
struct zone_pending {
	char cn[STORE_CN_MAX + 1];
	uint8_t ikey[KEYTREE_KEY_LEN];
	uint8_t mac[MAC_LEN];
	uint8_t ak_seq;
	uint8_t pkm_id;
	uint16_t req_said;
};

struct bs_group {
	struct bs *bs;
	const struct config_group *cfg;
	struct keytree_server *tree;
	struct bs_group_member *members;
	size_t n_members, cap_members;
	bool staged;			/* joins or leaves staged */
	bool force;			/* a new group key wanted anyway */
	struct timer batch;
	struct timer switch_timer;
	struct timer lifetime;
	struct timer expiry;		/* members whose AK expired */
	uint8_t *rekey;			/* the last rekey's payloads */
	size_t rekey_len;
	/* the tree and member table as last saved (NULL: never saved) */
	uint8_t *saved_tree, *saved_members;
	size_t saved_tree_len, saved_members_len;
	uint64_t commits;
	uint64_t version;		/* of the tree in the database, as applied */
	struct zone_pending *pending;	/* follower: joins sent to the writer */
	size_t n_pending;
	size_t pdu_max;			/* largest rekey PDU the link takes */
	uint64_t fragmented;		/* multicast messages sent in pieces */
};

static struct bs_sa *group_sa(struct bs_group *g)
{
	return bs_sa_find(g->bs, g->cfg->cid);
}

/* In a zone, only the holder of the group's lease changes its tree. */
static bool writer(const struct bs_group *g)
{
	return bs_zone_writer(g->bs, g->cfg->cid);
}

static bool switching(const struct bs_sa *sa)
{
	return sa->rec.tek[0].eks != sa->rec.tek[1].eks;
}

const char *bs_group_scheme_name(uint8_t tree)
{
	return tree == CONFIG_TREE_LKH ? "lkh" :
	       tree == CONFIG_TREE_OFFSET ? "offset" : "none";
}

bool bs_group_has_tree(const struct bs *bs, uint8_t group)
{
	return bs->groups && bs->groups[group];
}

/* Member table */

static struct bs_group_member *member_by_cn(struct bs_group *g, const char *cn)
{
	for (size_t i = 0; i < g->n_members; i++)
		if (strcmp(g->members[i].cn, cn) == 0)
			return &g->members[i];
	return NULL;
}

static struct bs_group_member *member_by_leaf(struct bs_group *g,
					      uint32_t leaf)
{
	for (size_t i = 0; i < g->n_members; i++)
		if (g->members[i].leaf == leaf)
			return &g->members[i];
	return NULL;
}

static struct bs_group_member *member_add(struct bs_group *g)
{
	if (g->n_members == g->cap_members) {
		size_t cap = g->cap_members ? 2 * g->cap_members : 16;
		struct bs_group_member *m = realloc(g->members, cap * sizeof(*m));

		if (!m)
			return NULL;
		g->members = m;
		g->cap_members = cap;
	}
	memset(&g->members[g->n_members], 0, sizeof(g->members[0]));
	return &g->members[g->n_members++];
}

static void member_drop(struct bs_group *g, struct bs_group_member *m)
{
	size_t i = (size_t)(m - g->members);

	OPENSSL_cleanse(m, sizeof(*m));
	memmove(m, m + 1, (g->n_members - i - 1) * sizeof(*m));
	g->n_members--;
}

/* Sending */

static int tx_rekey_pdu(void *arg, const uint8_t *msg, size_t len)
{
	struct bs_group *g = arg;

	return kernel_mgmt_tx(g->bs->kernel, WMAN_CID_BROADCAST, NULL, msg,
			      len);
}

/*
 * The multicast payload, signed, on the broadcast management connection:
 * one message when it fits, else fragments (bs_group_multicast_frame()).
 * A PDU the kernel refuses as too large for the lower link's MTU makes
 * the group cut smaller ones from then on (Ethernet's size first, then
 * by quarters down to GROUP_PDU_MIN) and send the whole rekey again;
 * members drop any copy they hold already.
 */
static int send_multicast(struct bs_group *g, const uint8_t *payload,
			  size_t len)
{
	struct bs *bs = g->bs;
	int n;

	for (;;) {
		n = bs_group_multicast_frame(g->cfg->cid, bs->key, payload, len,
					     g->pdu_max,
					     g->cfg->rekey_fragment_size,
					     tx_rekey_pdu, g);
		if (n != -EMSGSIZE || g->pdu_max <= GROUP_PDU_MIN)
			break;
		/* the lower link refused a PDU */
		g->pdu_max = g->pdu_max > GROUP_PDU_ETHERNET ?
			     GROUP_PDU_ETHERNET : g->pdu_max * 3 / 4;
		if (g->pdu_max < GROUP_PDU_MIN)
			g->pdu_max = GROUP_PDU_MIN;
		log_notice("group %u: a rekey PDU was too large for the link; PDUs of at most %zu bytes from now on",
			   g->cfg->id, g->pdu_max);
	}
	if (n == -E2BIG) {
		log_err("group %u: rekey message of %zu bytes not sent: more than %u fragments of %zu-byte PDUs or %u bytes; members resync",
			g->cfg->id, len, GROUP_FRAG_COUNT_MAX, g->pdu_max,
			GROUP_REKEY_MAX_LEN);
		return n;
	}
	if (n < 0) {
		log_warn("group %u: cannot send the rekey message: %s",
			 g->cfg->id, kernel_error(bs->kernel, n));
		return n;
	}
	if (n > 1)
		log_info("group %u: rekey message of %zu bytes sent in %d signed fragments",
			 g->cfg->id, len, n);
	g->fragmented += n > 1;
	return 0;
}

static struct station *member_station(struct bs_group *g,
				      const struct bs_group_member *mem)
{
	struct subscriber *sub = bs_subscriber_by_cn(g->bs, mem->cn);

	return sub ? bs_station_by_mac(g->bs, sub->rec.mac) : NULL;
}

static int send_unicast(struct bs_group *g, uint32_t leaf,
			const uint8_t *payload, size_t len)
{
	struct bs_group_member *mem = member_by_leaf(g, leaf);
	struct pkm_msg m = { .code = PKM_GROUP_KEY_UPDATE };
	struct station *st;
	struct bs_ak *ak;

	if (!mem || !(st = member_station(g, mem))) {
		if (g->bs->zone)	/* at another BS of the zone, which sends it */
			log_debug("group %u: leaf %u is not at this BS", g->cfg->id,
				  leaf);
		else
			log_warn("group %u: no station for leaf %u; its rekey message is not sent",
				 g->cfg->id, leaf);
		return 0;
	}
	ak = &st->ak[STORE_AK_ACTIVE];
	if (!ak->valid || ak->expires <= now_real_s()) {
		if (g->bs->zone)
			log_debug("group %u: %s has no current AK at this BS",
				  g->cfg->id, mem->cn);
		else
			log_info("group %u: %s has no current AK; it will resync",
				 g->cfg->id, mem->cn);
		return 0;
	}
	m.u.gku.said = g->cfg->cid;
	m.u.gku.payload = (struct pkm_bytes){ payload, len };
	return bs_send(g->bs, st, &m, ak);
}

static int send_one(void *arg, bool multicast, uint32_t leaf,
		    const uint8_t *msg, size_t len)
{
	struct bs_group *g = arg;

	if (multicast)
		send_multicast(g, msg, len);
	else
		send_unicast(g, leaf, msg, len);
	return 0;
}

static void send_rekey(struct bs_group *g)
{
	if (bs_group_rekey_each(g->rekey, g->rekey_len, send_one, g))
		log_err("group %u: saved rekey payloads are malformed",
			g->cfg->id);
}

/* Persistence */

static void forget_saved(struct bs_group *g)
{
	if (g->saved_tree)
		OPENSSL_cleanse(g->saved_tree, g->saved_tree_len);
	if (g->saved_members)
		OPENSSL_cleanse(g->saved_members, g->saved_members_len);
	free(g->saved_tree);
	free(g->saved_members);
	g->saved_tree = g->saved_members = NULL;
	g->saved_tree_len = g->saved_members_len = 0;
}

/*
 * Takes the tree and member table of t as what the database holds (t
 * keeps neither).  Without memory for the copy, the last copy stays: a
 * rollback then goes further back, and the members resync.
 */
static void keep_saved(struct bs_group *g, struct store_group_tree *t)
{
	if (!t->tree || !t->members)
		return;
	forget_saved(g);
	g->saved_tree = t->tree;
	g->saved_tree_len = t->tree_len;
	g->saved_members = t->members;
	g->saved_members_len = t->members_len;
	t->tree = t->members = NULL;
	t->tree_len = t->members_len = 0;
}

static int save(struct bs_group *g, const struct store_sa *sa)
{
	struct store_group_tree t = { .group_id = g->cfg->id, .said = g->cfg->cid };
	struct bs_group_member_rec *recs;
	size_t n = 0, need = 0;
	int err;

	recs = calloc(g->n_members ? g->n_members : 1, sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	for (size_t i = 0; i < g->n_members; i++) {
		if (g->members[i].staged)
			continue;
		recs[n].leaf = g->members[i].leaf;
		memcpy(recs[n].ikey, g->members[i].ikey, KEYTREE_KEY_LEN);
		str_copy(recs[n].cn, sizeof(recs[n].cn), g->members[i].cn);
		n++;
	}
	err = bs_group_members_encode(recs, n, &t.members, &t.members_len);
	OPENSSL_cleanse(recs, g->n_members * sizeof(*recs));
	free(recs);
	if (err)
		return err;
	keytree_server_save(g->tree, NULL, 0, &need);
	t.tree = malloc(need ? need : 1);
	err = !t.tree ? -ENOMEM :
	      keytree_server_save(g->tree, t.tree, need, &t.tree_len) ? -EIO : 0;
	if (!err) {
		t.rekey = g->rekey;
		t.rekey_len = g->rekey_len;
		err = store_group_tree_save(g->bs->store, &t, sa);
		t.rekey = NULL;
		t.rekey_len = 0;
	}
	if (!err)
		keep_saved(g, &t);
	store_group_tree_free(&t);
	return err;
}

/* Kernel */

/* A new TEK (bs_tek_fresh) into the kernel, from PN 0 up to its reservation. */
static void kernel_install(struct bs_group *g, struct bs_sa *sa, int gen)
{
	int64_t left = sa->rec.tek[gen].expires - now_real_s();

	if (bs_sa_install_tek(sa, gen, left > 1 ? (uint32_t)left - 1 : 1, true))
		log_err("group %u: TEK EKS %u not installed", g->cfg->id,
			sa->rec.tek[gen].eks);
}

static void kernel_delete(struct bs_group *g, uint16_t said, uint8_t eks)
{
	struct kernel *k = g->bs->kernel;
	int err = kernel_tek_del(k, said, eks);

	if (err && err != -ENOENT)
		log_warn("group %u: cannot delete TEK EKS %u: %s", g->cfg->id,
			 eks, kernel_error(k, err));
}

static void schedule_lifetime(struct bs_group *g, struct bs_sa *sa)
{
	int64_t half = (int64_t)g->bs->cfg->tek_lifetime * 500;

	timer_start(&g->lifetime,
		    sa->rec.tek[1].expires * 1000 - half - now_real_ms());
}

/*
 * A TEK nobody gets, for a group without members: sent with at once,
 * EKS two ahead of the tree's sequence number so the next tree TEK
 * (one ahead) finds its slot free.
 */
static int set_random_tek(struct bs_group *g, struct bs_sa *sa)
{
	struct store_sa next = sa->rec;
	uint8_t eks = group_tek_eks(keytree_server_seq(g->tree) + 2);
	uint8_t old_eks[2] = { sa->rec.tek[0].eks, sa->rec.tek[1].eks };
	int err;

	next.tek[1].eks = eks;
	next.tek[1].expires = now_real_s() + g->bs->cfg->tek_lifetime;
	bs_tek_fresh(g->bs, &next.tek[1]);
	if (pkm_random(next.tek[1].key, sizeof(next.tek[1].key))) {
		OPENSSL_cleanse(&next, sizeof(next));
		return -EIO;
	}
	next.tek[0] = next.tek[1];
	err = store_sa_save(g->bs->store, &next);
	if (!err) {
		sa->rec = next;
		/* the kernel holds two at most: the old ones out first */
		for (int i = 0; i < 2; i++)
			if (old_eks[i] != eks)
				kernel_delete(g, sa->rec.said, old_eks[i]);
		kernel_install(g, sa, 1);
		schedule_lifetime(g, sa);
		log_info("group %u: no members; TEK EKS %u known to nobody",
			 g->cfg->id, eks);
	}
	OPENSSL_cleanse(&next, sizeof(next));
	return err;
}

/* Commit */

static bool saved_as_is(const struct bs_group_member_rec *recs, size_t n,
			const struct bs_group_member *mem)
{
	for (size_t i = 0; i < n; i++)
		if (recs[i].leaf == mem->leaf && strcmp(recs[i].cn, mem->cn) == 0 &&
		    CRYPTO_memcmp(recs[i].ikey, mem->ikey, KEYTREE_KEY_LEN) == 0)
			return true;
	return false;
}

/*
 * A commit the database refused: the tree goes back to the saved one,
 * and the difference between the saved member table and ours is staged
 * on it again (leaves, then joins, which may get other leaves).
 */
static int rollback(struct bs_group *g)
{
	struct keytree_server *tree = NULL;
	struct bs_group_member_rec *recs = NULL;
	size_t n = 0;
	int err;

	if (g->saved_tree) {
		err = keytree_server_load(&tree, g->saved_tree, g->saved_tree_len);
		if (!err && bs_group_members_decode(g->saved_members,
						    g->saved_members_len,
						    &recs, &n))
			err = KEYTREE_ERR_MALFORMED;
	} else {
		err = keytree_server_new(&tree, g->cfg->id, g->cfg->tree,
					 g->cfg->tree_degree);
	}
	if (err) {
		log_err("group %u: cannot go back to the saved key tree: %s",
			g->cfg->id, keytree_strerror(err));
		keytree_server_free(tree);
		free(recs);
		return -EIO;
	}
	for (size_t i = 0; i < n; i++) {
		struct bs_group_member *mem = member_by_leaf(g, recs[i].leaf);

		if (!mem || !saved_as_is(&recs[i], 1, mem))
			keytree_server_leave(tree, recs[i].leaf);
	}
	for (size_t i = 0; i < g->n_members; i++) {
		struct bs_group_member *mem = &g->members[i];
		uint32_t leaf;

		if (saved_as_is(recs, n, mem))
			continue;
		err = keytree_server_join(tree, mem->ikey, &leaf);
		if (err) {
			log_err("group %u: %s cannot join again: %s", g->cfg->id,
				mem->cn, keytree_strerror(err));
			member_drop(g, mem);
			i--;
			continue;
		}
		mem->leaf = leaf;
		mem->staged = true;
	}
	if (recs)
		OPENSSL_cleanse(recs, n * sizeof(*recs));
	free(recs);
	keytree_server_free(g->tree);
	g->tree = tree;
	g->staged = true;
	return 0;
}

/* The database refused the commit: back to what it holds, and again later. */
static void commit_later(struct bs_group *g, bool force, bool tree_changed)
{
	if (tree_changed && rollback(g))
		log_err("group %u: the key tree in memory is ahead of the database; members resync after a restart",
			g->cfg->id);
	g->force |= force;
	timer_start(&g->batch, COMMIT_RETRY_MS);
}

static void answer_joiners(struct bs_group *g, struct bs_sa *sa)
{
	for (size_t i = 0; i < g->n_members; i++) {
		struct bs_group_member *mem = &g->members[i];
		struct pkm_msg req = { .code = PKM_KEY_REQUEST };
		struct station *st;
		struct bs_ak *ak;

		if (!mem->reply)
			continue;
		mem->reply = false;
		st = bs_station_by_mac(g->bs, mem->mac);
		ak = st ? bs_station_ak(st, mem->ak_seq) : NULL;
		if (!ak)
			continue;	/* it will ask again */
		req.id = mem->pkm_id;
		req.u.key_req.said = mem->req_said;
		bs_key_reply(g->bs, st, ak, &req, sa);
	}
}

/* The zone's join rows of members this commit took in. */
static void zone_joins_done(struct bs_group *g)
{
	for (size_t i = 0; i < g->n_members; i++) {
		struct bs_group_member *mem = &g->members[i];

		if (!mem->zone_join)
			continue;
		mem->zone_join = false;
		store_join_delete(g->bs->store, g->cfg->id, mem->cn, mem->ikey);
	}
}

static void commit(struct bs_group *g)
{
	struct bs_sa *sa = group_sa(g);
	struct keytree_plan *plan = NULL;
	struct store_sa next;
	uint8_t gk[KEYTREE_KEY_LEN];
	uint8_t *rekey = NULL;
	size_t rekey_len = 0;
	bool have_key, was_forced;
	uint64_t seq;
	int err;

	timer_stop(&g->batch);
	if (!sa || !writer(g))
		return;
	if (switching(sa))
		return;		/* the end of the switch commits */
	if (!g->staged && !g->force)
		return;
	was_forced = g->force;
	err = keytree_server_rekey(g->tree, g->force ? KEYTREE_REKEY_FORCE : 0,
				   &plan);
	if (err == KEYTREE_ERR_NOTHING || err == KEYTREE_ERR_EMPTY) {
		g->staged = g->force = false;
		if (!keytree_server_member_count(g->tree) &&
		    set_random_tek(g, sa)) {
			log_err("group %u: new TEK not saved; trying again",
				g->cfg->id);
			commit_later(g, true, false);
		}
		return;
	}
	if (err) {
		log_err("group %u: rekey failed: %s", g->cfg->id,
			keytree_strerror(err));
		return;
	}
	g->staged = g->force = false;
	next = sa->rec;
	have_key = keytree_server_group_key(g->tree, gk, &seq) == 0;
	if (have_key) {
		struct store_tek *t = &next.tek[1];

		t->eks = group_tek_eks(seq);
		t->expires = now_real_s() + g->bs->cfg->tek_lifetime;
		bs_tek_fresh(g->bs, t);
		if (group_tek(gk, g->cfg->id, seq, t->key))
			have_key = false;
	}
	OPENSSL_cleanse(gk, sizeof(gk));
	if (have_key)
		err = bs_group_rekey_encode(g->tree, plan, &rekey, &rekey_len);
	for (size_t i = 0; i < g->n_members; i++)
		g->members[i].staged = false;
	if (!have_key || err) {
		/* No member left (or no message): nobody gets a key. */
		OPENSSL_cleanse(&next, sizeof(next));
		keytree_plan_free(plan);
		free(rekey);
		free(g->rekey);
		g->rekey = NULL;
		g->rekey_len = 0;
		if (save(g, NULL)) {
			log_err("group %u: rekey %llu not saved; trying again",
				g->cfg->id,
				(unsigned long long)keytree_server_seq(g->tree));
			commit_later(g, was_forced, true);
			return;
		}
		if (set_random_tek(g, sa)) {
			log_err("group %u: new TEK not saved; trying again",
				g->cfg->id);
			commit_later(g, true, false);
		}
		answer_joiners(g, sa);
		return;
	}
	free(g->rekey);
	g->rekey = rekey;
	g->rekey_len = rekey_len;
	/* 1: everything in one transaction, before anything is sent */
	err = save(g, &next);
	if (err) {
		log_err("group %u: rekey %llu not saved; trying again",
			g->cfg->id, (unsigned long long)seq);
		OPENSSL_cleanse(&next, sizeof(next));
		keytree_plan_free(plan);
		free(g->rekey);
		g->rekey = NULL;
		g->rekey_len = 0;
		commit_later(g, was_forced, true);
		return;
	}
	sa->rec = next;
	OPENSSL_cleanse(&next, sizeof(next));
	g->commits++;
	zone_joins_done(g);
	/* 2, 3, 4 */
	kernel_install(g, sa, 1);
	send_rekey(g);
	{
		struct keytree_plan_stats s;

		keytree_plan_get_stats(plan, &s);
		log_notice("group %u: rekey %llu (%u joins, %u leaves, %u members): %u multicast, %u unicast messages; TEK EKS %u installed",
			   g->cfg->id, (unsigned long long)seq, s.joins,
			   s.leaves, keytree_server_member_count(g->tree),
			   s.p2mp_messages, s.p2p_messages,
			   sa->rec.tek[1].eks);
	}
	keytree_plan_free(plan);
	answer_joiners(g, sa);
	/* 5 */
	timer_start(&g->switch_timer, g->cfg->switch_delay_ms);
}

static void want_commit(struct bs_group *g)
{
	if (!writer(g))
		return;
	if (!g->cfg->rekey_batch_ms) {
		commit(g);
		return;
	}
	if (timer_remaining_ms(&g->batch) < 0)
		timer_start(&g->batch, g->cfg->rekey_batch_ms);
}

static void batch_fired(struct timer *t)
{
	commit(container_of(t, struct bs_group, batch));
}

static void switch_fired(struct timer *t)
{
	struct bs_group *g = container_of(t, struct bs_group, switch_timer);
	struct bs_sa *sa = group_sa(g);
	struct store_sa next;
	uint8_t old;

	if (!sa || !switching(sa) || !writer(g))
		return;		/* a follower ends it when the writer has */
	next = sa->rec;
	old = next.tek[0].eks;
	next.tek[0] = next.tek[1];
	if (store_sa_save(g->bs->store, &next)) {
		OPENSSL_cleanse(&next, sizeof(next));
		timer_start(&g->switch_timer, 1000);
		return;
	}
	sa->rec = next;
	OPENSSL_cleanse(&next, sizeof(next));
	kernel_delete(g, sa->rec.said, old);
	log_info("group %u: sending with TEK EKS %u; EKS %u deleted", g->cfg->id,
		 sa->rec.tek[0].eks, old);
	schedule_lifetime(g, sa);
	if (g->staged || g->force)
		want_commit(g);
}

static void lifetime_fired(struct timer *t)
{
	struct bs_group *g = container_of(t, struct bs_group, lifetime);

	if (!writer(g))
		return;
	log_info("group %u: TEK half-way through its lifetime; new group key",
		 g->cfg->id);
	g->force = true;
	commit(g);
}

/* Joins and leaves */

#define EXPIRY_SCAN_MS	30000

/*
 * A member that holds no current AK any more (revoked stations lose
 * theirs at once; others let them expire) cannot ask for keys, but its
 * tree state would follow every rekey: it leaves.
 */
static bool member_has_ak(struct bs_group *g, struct bs_group_member *mem)
{
	struct station *st = member_station(g, mem);
	int64_t now = now_real_s();

	if (g->bs->zone) {
		/* its station may be at any BS of the zone */
		struct subscriber *sub = bs_subscriber_by_cn(g->bs, mem->cn);

		return sub && store_zone_ak_current(g->bs->store, sub->rec.mac,
						    now) != 0;
	}
	if (!st)
		return false;
	for (int i = 0; i < 2; i++)
		if (st->ak[i].valid && st->ak[i].expires > now)
			return true;
	return false;
}

static void stage_leave(struct bs_group *g, struct bs_group_member *mem,
			const char *reason);

static void expiry_fired(struct timer *t)
{
	struct bs_group *g = container_of(t, struct bs_group, expiry);
	bool changed = false;

	timer_start(&g->expiry, EXPIRY_SCAN_MS);
	if (!writer(g))
		return;
	for (size_t i = g->n_members; i-- > 0;) {
		if (g->members[i].staged || member_has_ak(g, &g->members[i]))
			continue;
		stage_leave(g, &g->members[i], "its AK expired");
		changed = true;
	}
	if (changed)
		want_commit(g);
}

static void stage_leave(struct bs_group *g, struct bs_group_member *mem,
			const char *reason)
{
	int err = keytree_server_leave(g->tree, mem->leaf);

	if (err)
		log_err("group %u: %s (leaf %u) cannot leave: %s", g->cfg->id,
			mem->cn, mem->leaf, keytree_strerror(err));
	else
		log_info("group %u: %s leaves leaf %u (%s)", g->cfg->id,
			 mem->cn, mem->leaf, reason);
	member_drop(g, mem);
	g->staged = true;
}

void bs_group_leave(struct bs *bs, uint8_t group, const char *cn,
		    const char *reason)
{
	struct bs_group *g = bs_group_has_tree(bs, group) ? bs->groups[group] : NULL;
	struct bs_group_member *mem;

	if (!g || !(mem = member_by_cn(g, cn)))
		return;
	if (!writer(g)) {
		log_debug("group %u: %s leaves (%s) when the zone's writer rekeys",
			  group, cn, reason);
		return;
	}
	stage_leave(g, mem, reason);
	want_commit(g);
}

static void send_resync(struct bs_group *g, struct bs_group_member *mem)
{
	struct keytree_plan *plan;
	uint8_t *buf = NULL;
	size_t len;

	if (keytree_server_plan_resync(g->tree, mem->leaf, &plan))
		return;
	if (bs_group_rekey_encode(g->tree, plan, &buf, &len) == 0)
		bs_group_rekey_each(buf, len, send_one, g);
	free(buf);
	keytree_plan_free(plan);
}

/*
 * A follower: the join goes to the writer as a row of zone_joins, and the
 * Key Request is answered once a committed tree has the member with this
 * key (bs_group_zone_sync()).
 */
static void zone_join_request(struct bs_group *g, const struct subscriber *sub,
			      const struct station *st, const struct bs_ak *ak,
			      const struct pkm_msg *req,
			      const uint8_t ikey[KEYTREE_KEY_LEN])
{
	struct zone_pending *p = NULL;
	int err;

	for (size_t i = 0; i < g->n_pending; i++)
		if (!strcmp(g->pending[i].cn, sub->rec.cn))
			p = &g->pending[i];
	if (!p) {
		p = realloc(g->pending, (g->n_pending + 1) * sizeof(*p));
		if (!p)
			return;
		g->pending = p;
		p = &g->pending[g->n_pending++];
	}
	memset(p, 0, sizeof(*p));
	str_copy(p->cn, sizeof(p->cn), sub->rec.cn);
	memcpy(p->ikey, ikey, KEYTREE_KEY_LEN);
	memcpy(p->mac, st->mac, MAC_LEN);
	p->ak_seq = ak->seq;
	p->pkm_id = req->id;
	p->req_said = req->u.key_req.said;
	err = store_join_add(g->bs->store, g->cfg->id, sub->rec.cn, ikey,
			     now_real_s());
	if (err)
		log_warn("group %u: %s's join not recorded for the zone's writer (database); it asks again",
			 g->cfg->id, sub->rec.cn);
	else
		log_info("group %u: %s's join sent to the zone's writer",
			 g->cfg->id, sub->rec.cn);
}

bool bs_group_key_request(struct bs *bs, struct station *st, struct bs_ak *ak,
			  const struct pkm_msg *req, struct bs_sa *sa)
{
	struct bs_group *g;
	struct subscriber *sub;
	struct bs_group_member *mem;
	uint8_t ikey[KEYTREE_KEY_LEN];
	uint32_t leaf;
	int err;

	if (!sa->rec.has_group || !bs_group_has_tree(bs, sa->rec.group_id))
		return false;
	g = bs->groups[sa->rec.group_id];
	sub = bs_subscriber_by_mac(bs, st->mac);
	if (!sub || group_member_key(ak->keys.kek, g->cfg->id, ikey))
		return true;
	mem = member_by_cn(g, sub->rec.cn);
	if (mem && CRYPTO_memcmp(mem->ikey, ikey, sizeof(ikey)) == 0) {
		if (mem->staged) {
			mem->reply = true;
			mem->ak_seq = ak->seq;
			mem->pkm_id = req->id;
			mem->req_said = req->u.key_req.said;
		} else {
			/* a member asking again: its path, then the TEK */
			send_resync(g, mem);
			bs_key_reply(bs, st, ak, req, sa);
		}
		OPENSSL_cleanse(ikey, sizeof(ikey));
		return true;
	}
	if (!writer(g)) {
		zone_join_request(g, sub, st, ak, req, ikey);
		OPENSSL_cleanse(ikey, sizeof(ikey));
		return true;
	}
	if (mem)	/* another AK since it joined: join afresh */
		stage_leave(g, mem, "joins again under a new AK");
	err = keytree_server_join(g->tree, ikey, &leaf);
	if (err || !(mem = member_add(g))) {
		log_err("group %u: %s cannot join: %s", g->cfg->id, sub->rec.cn,
			err ? keytree_strerror(err) : "out of memory");
		if (!err)
			keytree_server_leave(g->tree, leaf);
		OPENSSL_cleanse(ikey, sizeof(ikey));
		return true;
	}
	mem->leaf = leaf;
	str_copy(mem->cn, sizeof(mem->cn), sub->rec.cn);
	memcpy(mem->ikey, ikey, sizeof(ikey));
	OPENSSL_cleanse(ikey, sizeof(ikey));
	mem->staged = true;
	mem->reply = true;
	memcpy(mem->mac, st->mac, MAC_LEN);
	mem->ak_seq = ak->seq;
	mem->pkm_id = req->id;
	mem->req_said = req->u.key_req.said;
	g->staged = true;
	log_info("group %u: %s joins at leaf %u", g->cfg->id, sub->rec.cn, leaf);
	want_commit(g);
	return true;
}

void bs_group_tek_expired(struct bs *bs, struct bs_sa *sa)
{
	struct bs_group *g = bs->groups[sa->rec.group_id];

	if (!writer(g))
		return;
	g->force = true;
	commit(g);
}

/* Startup */

static bool still_member(struct bs *bs, uint8_t group, const char *cn)
{
	struct subscriber *sub = bs_subscriber_by_cn(bs, cn);

	return sub && !sub->rec.revoked && group_bit(sub->groups, group);
}

static int load(struct bs_group *g)
{
	struct store_group_tree t;
	struct bs_group_member_rec *recs = NULL;
	size_t n = 0;
	int err;

	err = store_group_tree_load(g->bs->store, g->cfg->id, &t);
	if (err == -ENOENT)
		return keytree_server_new(&g->tree, g->cfg->id, g->cfg->tree,
					  g->cfg->tree_degree) ? -ENOMEM : 0;
	if (err)
		return err;
	err = keytree_server_load(&g->tree, t.tree, t.tree_len);
	if (err) {
		log_err("group %u: saved key tree unusable: %s", g->cfg->id,
			keytree_strerror(err));
		store_group_tree_free(&t);
		return -EIO;
	}
	if (bs_group_members_decode(t.members, t.members_len, &recs, &n)) {
		store_group_tree_free(&t);
		return -EIO;
	}
	for (size_t i = 0; i < n; i++) {
		struct bs_group_member *mem = member_add(g);

		if (!mem || !keytree_server_is_member(g->tree, recs[i].leaf)) {
			err = -EIO;
			break;
		}
		mem->leaf = recs[i].leaf;
		memcpy(mem->ikey, recs[i].ikey, KEYTREE_KEY_LEN);
		str_copy(mem->cn, sizeof(mem->cn), recs[i].cn);
	}
	OPENSSL_cleanse(recs, n * sizeof(*recs));
	free(recs);
	g->rekey = t.rekey;
	g->rekey_len = t.rekey_len;
	g->version = t.version;
	t.rekey = NULL;
	if (!err)
		keep_saved(g, &t);
	store_group_tree_free(&t);
	return err;
}

static void resume(struct bs_group *g, struct bs_sa *sa);

static int start_one(struct bs *bs, const struct config_group *cfg)
{
	struct bs_group *g = calloc(1, sizeof(*g));
	struct bs_sa *sa;
	int err;

	if (!g)
		return -ENOMEM;
	g->bs = bs;
	g->cfg = cfg;
	g->pdu_max = WMAN_MGMT_MAX_LEN;
	timer_init(&g->batch, "group-rekey-batch", batch_fired);
	timer_init(&g->switch_timer, "group-tek-switch", switch_fired);
	timer_init(&g->lifetime, "group-tek-lifetime", lifetime_fired);
	timer_init(&g->expiry, "group-member-expiry", expiry_fired);
	timer_start(&g->expiry, EXPIRY_SCAN_MS);
	bs->groups[cfg->id] = g;
	err = load(g);
	if (err)
		return err;
	sa = group_sa(g);
	if (!sa)
		return -ENOENT;
	if (writer(g))
		resume(g, sa);
	log_info("group %u: key tree %s, degree %u, %u members, rekey %llu",
		 cfg->id, bs_group_scheme_name(cfg->tree), cfg->tree_degree,
		 keytree_server_member_count(g->tree),
		 (unsigned long long)keytree_server_seq(g->tree));
	return 0;
}

/*
 * The writer carries on from the saved tree, after a restart or on
 * taking the zone's lease (control-plane.rst, "Consistency across a BS
 * restart"; zones.rst).
 */
static void resume(struct bs_group *g, struct bs_sa *sa)
{
	const struct config_group *cfg = g->cfg;
	struct bs *bs = g->bs;

	/* Leaves the database knows of and the tree does not yet. */
	for (size_t i = g->n_members; i-- > 0;)
		if (!still_member(bs, cfg->id, g->members[i].cn))
			stage_leave(g, &g->members[i], "no longer a member");
	if (switching(sa) && g->rekey_len) {
		/* stopped between 1 and 5: the rekey again, then the switch */
		log_notice("group %u: resuming rekey %llu (TEK EKS %u -> %u)",
			   cfg->id,
			   (unsigned long long)keytree_server_seq(g->tree),
			   sa->rec.tek[0].eks, sa->rec.tek[1].eks);
		send_rekey(g);
		timer_start(&g->switch_timer, cfg->switch_delay_ms);
	} else if (switching(sa) ||
		   (!keytree_server_member_count(g->tree) &&
		    sa->rec.tek[0].eks !=
		    group_tek_eks(keytree_server_seq(g->tree) + 2))) {
		/* a new SA's two random generations, or an empty group */
		set_random_tek(g, sa);
	} else {
		schedule_lifetime(g, sa);
	}
	if (sa->tek_used_up) {
		/* the kernel lost a TEK it cannot have again (bs_sa.c) */
		log_notice("group %u: a TEK the kernel lost has no PNs left; new group key",
			   cfg->id);
		g->force = true;
	}
	if (bs->zone)
		bs_group_zone_joins(bs, cfg->id);
	if (g->staged || g->force)
		want_commit(g);
}

/* Where the rekeys of every tree group go, to the broadcast address. */
static int broadcast_mgmt_conn(struct bs *bs)
{
	int err = kernel_conn_add(bs->kernel, WMAN_CID_BROADCAST,
				  WMAN_CONN_MGMT, -1, NULL);

	if (err && err != -EEXIST) {
		log_err("cannot create the broadcast management connection 0x%04x: %s",
			WMAN_CID_BROADCAST, kernel_error(bs->kernel, err));
		return err;
	}
	return 0;
}

int bs_groups_start(struct bs *bs)
{
	bool conn = false;

	bs->groups = calloc(CONFIG_MAX_GROUPS, sizeof(*bs->groups));
	if (!bs->groups)
		return -ENOMEM;
	for (size_t i = 0; i < bs->cfg->n_groups; i++) {
		const struct config_group *cfg = &bs->cfg->groups[i];
		int err;

		if (cfg->tree == CONFIG_TREE_NONE) {
			/* a tree of an earlier configuration goes (never a zone's) */
			if (!bs->zone)
				store_group_tree_delete(bs->store, cfg->id);
			continue;
		}
		/* before a resumed rekey is sent again */
		if (!conn) {
			err = broadcast_mgmt_conn(bs);
			if (err)
				return err;
			conn = true;
		}
		err = start_one(bs, cfg);
		if (err) {
			log_err("group %u: key tree unusable", cfg->id);
			return err;
		}
	}
	return 0;
}

/* Zones (zones.rst) */

static void member_table_clear(struct bs_group *g)
{
	if (g->members)
		OPENSSL_cleanse(g->members, g->cap_members * sizeof(*g->members));
	g->n_members = 0;
}

static void pending_drop(struct bs_group *g, size_t i)
{
	OPENSSL_cleanse(&g->pending[i], sizeof(g->pending[i]));
	memmove(&g->pending[i], &g->pending[i + 1],
		(g->n_pending - i - 1) * sizeof(g->pending[0]));
	g->n_pending--;
}

/* Joins sent to the writer that a committed tree has taken: answered. */
static void answer_pending(struct bs_group *g, struct bs_sa *sa)
{
	for (size_t i = g->n_pending; i-- > 0;) {
		struct zone_pending *p = &g->pending[i];
		struct bs_group_member *mem = member_by_cn(g, p->cn);
		struct pkm_msg req = { .code = PKM_KEY_REQUEST };
		struct station *st;
		struct bs_ak *ak;

		if (!mem || mem->staged ||
		    CRYPTO_memcmp(mem->ikey, p->ikey, KEYTREE_KEY_LEN))
			continue;
		st = bs_station_by_mac(g->bs, p->mac);
		ak = st ? bs_station_ak(st, p->ak_seq) : NULL;
		if (ak) {
			req.id = p->pkm_id;
			req.u.key_req.said = p->req_said;
			bs_key_reply(g->bs, st, ak, &req, sa);
		}
		pending_drop(g, i);
	}
}

/* The pending join of ours for this member, moved onto it (writer). */
static void take_pending(struct bs_group *g, struct bs_group_member *mem)
{
	for (size_t i = 0; i < g->n_pending; i++) {
		struct zone_pending *p = &g->pending[i];

		if (strcmp(p->cn, mem->cn) ||
		    CRYPTO_memcmp(p->ikey, mem->ikey, KEYTREE_KEY_LEN))
			continue;
		mem->reply = true;
		memcpy(mem->mac, p->mac, MAC_LEN);
		mem->ak_seq = p->ak_seq;
		mem->pkm_id = p->pkm_id;
		mem->req_said = p->req_said;
		pending_drop(g, i);
		return;
	}
}

void bs_group_zone_acquired(struct bs *bs, uint8_t group)
{
	struct bs_group *g = bs_group_has_tree(bs, group) ? bs->groups[group] : NULL;
	struct bs_sa *sa;

	if (!g)
		return;
	/* what the zone committed, not what this BS had applied of it */
	keytree_server_free(g->tree);
	g->tree = NULL;
	member_table_clear(g);
	free(g->rekey);
	g->rekey = NULL;
	g->rekey_len = 0;
	forget_saved(g);
	g->staged = g->force = false;
	if (load(g)) {
		log_err("group %u: the zone's key tree cannot be loaded; this BS does not write it",
			group);
		return;
	}
	sa = group_sa(g);
	if (!sa)
		return;
	log_notice("group %u: this BS writes the key tree now (rekey %llu, %u members)",
		   group, (unsigned long long)keytree_server_seq(g->tree),
		   keytree_server_member_count(g->tree));
	resume(g, sa);
	answer_pending(g, sa);
}

/*
 * A follower takes what the writer committed: the tree, member table
 * and payloads when the tree's version moved, the SA's TEKs into its
 * kernel (bs_sas_zone_sync()), then the rekey to its own air (the
 * multicast message signed, the unicast ones to the members whose
 * station is here with a current AK), then the answers its joiners wait
 * for.
 */
void bs_group_zone_sync(struct bs *bs, uint8_t group)
{
	struct bs_group *g = bs_group_has_tree(bs, group) ? bs->groups[group] : NULL;
	struct store_group_tree t;
	struct keytree_server *tree = NULL;
	struct bs_group_member_rec *recs = NULL;
	bool advanced = false;
	struct bs_sa *sa;
	size_t n = 0;
	int err;

	if (!g || writer(g))
		return;
	err = store_group_tree_load(bs->store, group, &t);
	if (err && err != -ENOENT)
		return;
	if (!err && t.version != g->version) {
		if (keytree_server_load(&tree, t.tree, t.tree_len) ||
		    bs_group_members_decode(t.members, t.members_len, &recs, &n)) {
			log_err("group %u: the zone's key tree is unusable", group);
			keytree_server_free(tree);
			store_group_tree_free(&t);
			return;
		}
		keytree_server_free(g->tree);
		g->tree = tree;
		member_table_clear(g);
		for (size_t i = 0; i < n; i++) {
			struct bs_group_member *mem = member_add(g);

			if (!mem)
				break;
			mem->leaf = recs[i].leaf;
			memcpy(mem->ikey, recs[i].ikey, KEYTREE_KEY_LEN);
			str_copy(mem->cn, sizeof(mem->cn), recs[i].cn);
		}
		OPENSSL_cleanse(recs, n * sizeof(*recs));
		free(recs);
		free(g->rekey);
		g->rekey = t.rekey;
		g->rekey_len = t.rekey_len;
		t.rekey = NULL;
		g->version = t.version;
		keep_saved(g, &t);
		advanced = true;
	}
	if (!err)
		store_group_tree_free(&t);
	bs_sas_zone_sync(bs, g->cfg->cid);
	sa = group_sa(g);
	if (!sa)
		return;
	if (advanced && g->rekey_len) {
		send_rekey(g);
		log_notice("group %u: rekey %llu of the zone's writer (%u members): TEK EKS %u installed, sent here",
			   group, (unsigned long long)keytree_server_seq(g->tree),
			   keytree_server_member_count(g->tree),
			   sa->rec.tek[1].eks);
	}
	answer_pending(g, sa);
}

struct zone_joins {
	struct store_join *j;
	size_t n;
};

static int collect_join(void *arg, const struct store_join *j)
{
	struct zone_joins *z = arg;
	struct store_join *more = realloc(z->j, (z->n + 1) * sizeof(*more));

	if (!more)
		return -ENOMEM;
	z->j = more;
	z->j[z->n++] = *j;
	return 0;
}

/*
 * One join another BS recorded, checked against the zone's tables as
 * the database has them now (store_join.allowed), not this BS's memory
 * of them, which may lag a revocation at another BS.
 */
static bool zone_join(struct bs_group *g, const struct store_join *j)
{
	struct bs *bs = g->bs;
	struct bs_group_member *mem;
	uint32_t leaf;
	int err;

	if (!bs_subscriber_by_cn(bs, j->cn))
		bs_zone_reload_subscribers(bs);
	if (!j->allowed || !still_member(bs, g->cfg->id, j->cn)) {
		log_warn("group %u: join of %s (asked at BS %s) refused: not a member, revoked, or without a current AK in the zone",
			 g->cfg->id, j->cn, j->bs);
		store_join_delete(bs->store, g->cfg->id, j->cn, j->ikey);
		return false;
	}
	mem = member_by_cn(g, j->cn);
	if (mem && !CRYPTO_memcmp(mem->ikey, j->ikey, KEYTREE_KEY_LEN)) {
		if (!mem->staged)	/* in the tree already: the row is done */
			store_join_delete(bs->store, g->cfg->id, j->cn, j->ikey);
		return false;
	}
	if (mem)
		stage_leave(g, mem, "joins again under a new AK");
	err = keytree_server_join(g->tree, j->ikey, &leaf);
	if (err || !(mem = member_add(g))) {
		log_err("group %u: %s cannot join: %s", g->cfg->id, j->cn,
			err ? keytree_strerror(err) : "out of memory");
		if (!err)
			keytree_server_leave(g->tree, leaf);
		return false;
	}
	mem->leaf = leaf;
	str_copy(mem->cn, sizeof(mem->cn), j->cn);
	memcpy(mem->ikey, j->ikey, KEYTREE_KEY_LEN);
	mem->staged = true;
	mem->zone_join = true;
	take_pending(g, mem);
	g->staged = true;
	log_info("group %u: %s joins at leaf %u (asked at BS %s)", g->cfg->id,
		 j->cn, leaf, j->bs);
	return true;
}

void bs_group_zone_joins(struct bs *bs, uint8_t group)
{
	struct bs_group *g = bs_group_has_tree(bs, group) ? bs->groups[group] : NULL;
	struct zone_joins z = { 0 };
	bool changed = false;

	if (!g || !writer(g))
		return;
	if (store_join_each(bs->store, group, collect_join, &z) == 0)
		for (size_t i = 0; i < z.n; i++)
			changed |= zone_join(g, &z.j[i]);
	if (z.j)
		OPENSSL_cleanse(z.j, z.n * sizeof(*z.j));
	free(z.j);
	if (changed)
		want_commit(g);
}

/* A station lost its AKs somewhere in the zone: the writer looks now. */
void bs_group_zone_check_members(struct bs *bs)
{
	for (unsigned int i = 0; bs->groups && i < CONFIG_MAX_GROUPS; i++) {
		struct bs_group *g = bs->groups[i];

		if (g && writer(g))
			timer_start(&g->expiry, 0);
	}
}

void bs_groups_stop(struct bs *bs)
{
	if (!bs->groups)
		return;
	for (unsigned int i = 0; i < CONFIG_MAX_GROUPS; i++) {
		struct bs_group *g = bs->groups[i];

		if (!g)
			continue;
		timer_stop(&g->batch);
		timer_stop(&g->switch_timer);
		timer_stop(&g->lifetime);
		timer_stop(&g->expiry);
		keytree_server_free(g->tree);
		if (g->members)
			OPENSSL_cleanse(g->members,
					g->cap_members * sizeof(*g->members));
		free(g->members);
		free(g->rekey);
		if (g->pending)
			OPENSSL_cleanse(g->pending,
					g->n_pending * sizeof(*g->pending));
		free(g->pending);
		forget_saved(g);
		free(g);
	}
	free(bs->groups);
	bs->groups = NULL;
}

void bs_group_json(struct bs *bs, uint8_t group, struct json_out *o)
{
	struct bs_group *g = bs_group_has_tree(bs, group) ? bs->groups[group] : NULL;
	struct bs_sa *sa = g ? group_sa(g) : NULL;

	if (!g) {
		jo_null(o, "tree");
		return;
	}
	jo_object_begin(o, "tree");
	jo_string(o, "scheme", bs_group_scheme_name(g->cfg->tree));
	jo_int(o, "degree", g->cfg->tree_degree);
	jo_int(o, "height", keytree_server_height(g->tree));
	jo_int(o, "members", keytree_server_member_count(g->tree));
	jo_int(o, "epoch", (int64_t)keytree_server_seq(g->tree));
	jo_int(o, "rekey_batch_ms", g->cfg->rekey_batch_ms);
	jo_int(o, "switch_delay_ms", g->cfg->switch_delay_ms);
	jo_int(o, "rekey_cid", WMAN_CID_BROADCAST);
	jo_int(o, "rekey_fragment_size", g->cfg->rekey_fragment_size);
	jo_int(o, "rekey_pdu_max", (int64_t)g->pdu_max);
	jo_int(o, "fragmented_rekeys", (int64_t)g->fragmented);
	if (sa) {
		jo_int(o, "tx_eks", sa->rec.tek[0].eks);
		jo_bool(o, "switching", switching(sa));
	}
	jo_bool(o, "staged", g->staged);
	bs_zone_json(bs, g->cfg->cid, o);
	jo_array_begin(o, "leaves");
	for (size_t i = 0; i < g->n_members; i++) {
		jo_object_begin(o, NULL);
		jo_string(o, "cn", g->members[i].cn);
		jo_int(o, "leaf", g->members[i].leaf);
		jo_bool(o, "staged", g->members[i].staged);
		jo_object_end(o);
	}
	jo_array_end(o);
	jo_object_end(o);
}
