// SPDX-License-Identifier: GPL-2.0
/*
 * SS: Group Key Update Commands of multicast groups with a key tree.
 *
 * A unicast one (welcome or point-to-point wraps) comes on the primary
 * management connection, CMAC-digested under the AK like a Key Reply; a
 * multicast one on 802.16's broadcast management connection (CID 0xffff,
 * shared by every tree group: the message's SAID names the group's SA),
 * signed by the BS whose key the Auth Reply pinned.  Only then does the
 * key tree check its own tag and sequence number (ss_group_member.c).
 * A new group key gives the next TEK, which goes into the other EKS slot
 * of the group's SA, next to the one the BS still sends with; the older
 * of two leaves the kernel when a third arrives.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "group.h"
#include "json.h"
#include "log.h"
#include "ss.h"
#include "ss_group.h"

/* A group's tree state and the timer of its fragment set. */
struct ss_group_ctx {
	struct ss_group_state st;
	struct ss *ss;
	struct ss_sa *sa;
	struct timer frag_timer;
};

static struct ss_group_ctx *ctx_of(struct ss_group_state *st)
{
	return container_of(st, struct ss_group_ctx, st);
}

static void frag_timer_fired(struct timer *t);

static struct ss_group_state *tree_state(struct ss *ss, struct ss_sa *sa,
					 uint8_t group)
{
	struct ss_group_ctx *c;

	if (sa->tree)
		return sa->tree;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->ss = ss;
	c->sa = sa;
	c->st.group = group;
	timer_init(&c->frag_timer, "group-rekey-fragments", frag_timer_fired);
	sa->tree = &c->st;
	return sa->tree;
}

static struct ss_sa *group_sa(struct ss *ss, uint8_t group)
{
	for (size_t i = 0; i < ss->n_sas; i++)
		if (ss->sas[i].has_group && ss->sas[i].group_id == group)
			return &ss->sas[i];
	return NULL;
}

/*
 * The broadcast management connection is in the kernel while some group
 * SA of ours with a key tree holds it (sa->tree_conn): created for the
 * first, deleted after the last.
 */
static bool broadcast_conn_held(const struct ss *ss, const struct ss_sa *but)
{
	for (size_t i = 0; i < ss->n_sas; i++)
		if (&ss->sas[i] != but && ss->sas[i].tree_conn)
			return true;
	return false;
}

static void ensure_rekey_conn(struct ss *ss, struct ss_sa *sa)
{
	int err;

	if (!sa->said || !sa->tree || sa->tree_conn)
		return;
	if (!broadcast_conn_held(ss, sa)) {
		err = kernel_conn_add(ss->kernel, WMAN_CID_BROADCAST,
				      WMAN_CONN_MGMT, -1, NULL);
		if (err && err != -EEXIST) {
			log_warn("%s: cannot create the broadcast management connection 0x%04x: %s",
				 ss_sa_label(sa), WMAN_CID_BROADCAST,
				 kernel_error(ss->kernel, err));
			return;
		}
		log_info("%s: broadcast management connection 0x%04x created for group rekeys",
			 ss_sa_label(sa), WMAN_CID_BROADCAST);
	}
	sa->tree_conn = true;
}

void ss_group_sa_gone(struct ss *ss, struct ss_sa *sa)
{
	int err;

	if (!sa->tree_conn)
		return;
	sa->tree_conn = false;
	if (broadcast_conn_held(ss, NULL))
		return;
	err = kernel_conn_del(ss->kernel, WMAN_CID_BROADCAST);
	if (err && err != -ENOENT)
		log_warn("cannot delete the broadcast management connection 0x%04x: %s",
			 WMAN_CID_BROADCAST, kernel_error(ss->kernel, err));
	else
		log_info("broadcast management connection 0x%04x deleted: no key tree group held",
			 WMAN_CID_BROADCAST);
}

void ss_group_sa_ready(struct ss *ss, uint16_t said)
{
	struct ss_sa *sa = ss_sa_find(ss, said);

	if (sa && sa->has_group)
		ensure_rekey_conn(ss, sa);
}

/* The new TEK next to the one in use; the older of two goes first. */
static int install(struct ss *ss, struct ss_sa *sa, uint8_t eks,
		   const uint8_t key[PKM_KEY_LEN])
{
	struct kernel *k = ss->kernel;
	struct kernel_sa_info info;
	bool present = false;
	int err;

	err = kernel_sa_get(k, sa->said, &info);
	if (err)
		return err;
	for (size_t i = 0; i < info.n_teks; i++)
		if (info.teks[i].eks == eks)
			present = true;
	if (!present && info.n_teks >= 2)
		for (size_t i = 0; i < info.n_teks; i++)
			if (!sa->tek[1].valid || info.teks[i].eks != sa->tek[1].eks)
				kernel_tek_del(k, sa->said, info.teks[i].eks);
	err = kernel_tek_add(k, sa->said, eks, key, 0, 0, NULL, present);
	if (err)
		return err;
	sa->tek[0] = sa->tek[1];
	sa->tek[1].valid = true;
	sa->tek[1].eks = eks;
	memcpy(sa->tek[1].key, key, PKM_KEY_LEN);
	sa->tek[1].expires_ms = sa->tek[0].expires_ms;
	return 0;
}

static void handle(struct ss *ss, uint16_t said, const uint8_t *payload,
		   size_t len, bool multicast)
{
	uint8_t ikey[KEYTREE_KEY_LEN], tek[PKM_KEY_LEN];
	struct ss_sa *sa;
	uint8_t group;
	uint64_t seq;
	int err;

	if (ss_group_payload_group(payload, len, &group)) {
		log_warn("Group Key Update with a malformed payload, dropped");
		return;
	}
	sa = group_sa(ss, group);
	if (!sa || (sa->said && sa->said != said)) {
		log_info("Group Key Update for group %u (SAID 0x%04x), which we do not hold, dropped",
			 group, said);
		return;
	}
	if (!tree_state(ss, sa, group))
		return;
	if (group_member_key(ss->ak.keys.kek, group, ikey))
		return;
	err = ss_group_apply(sa->tree, ikey, payload, len, &seq, tek);
	OPENSSL_cleanse(ikey, sizeof(ikey));
	if (err == -EAGAIN) {
		log_debug("%s: rekey message kept until the rest arrives",
			  ss_sa_label(sa));
		return;
	}
	if (err) {
		log_warn("%s: %s rekey message refused: %s", ss_sa_label(sa),
			 multicast ? "multicast" : "unicast",
			 keytree_strerror(sa->tree->last_error));
		return;
	}
	if (!sa->said)
		sa->said = said;
	ensure_rekey_conn(ss, sa);
	if (!sa->in_kernel) {
		/* joining: the Key Reply that follows installs it */
		log_info("%s: group key of rekey %llu (EKS %u)", ss_sa_label(sa),
			 (unsigned long long)seq, group_tek_eks(seq));
		OPENSSL_cleanse(tek, sizeof(tek));
		return;
	}
	err = install(ss, sa, group_tek_eks(seq), tek);
	OPENSSL_cleanse(tek, sizeof(tek));
	if (err)
		log_err("%s: TEK of rekey %llu not installed: %s", ss_sa_label(sa),
			(unsigned long long)seq, kernel_error(ss->kernel, err));
	else
		log_info("%s: rekey %llu: TEK EKS %u installed", ss_sa_label(sa),
			 (unsigned long long)seq, group_tek_eks(seq));
}

void ss_group_rx_unicast(struct ss *ss, struct pkm_msg *m)
{
	struct pkm_verifier v = { 0 };
	int err;

	if (!ss->ak.valid || m->authn != PKM_AUTHN_CMAC) {
		log_info("Group Key Update on the primary connection without our digest, dropped");
		return;
	}
	v.cmac_key = ss->ak.keys.cmac_down;
	v.replay = &ss->ak.rx;
	err = pkm_msg_verify(m, &v);
	if (err) {
		log_warn("Group Key Update %s (PN %u), dropped",
			 err == PKM_E_REPLAY ? "replayed" : "digest does not verify",
			 m->pn);
		return;
	}
	if (m->u.gku.has_fragment) {
		/* only the multicast message is ever cut */
		log_warn("Group Key Update fragment on the primary connection, dropped");
		return;
	}
	handle(ss, m->u.gku.said, m->u.gku.payload.p, m->u.gku.payload.len,
	       false);
}

/*
 * A rekey whose fragments did not all come: the member has missed it.
 * It asks for its keys again, as when its kernel sees an EKS it lacks:
 * the BS answers a member's Key Request with its current path (a resync
 * welcome) and the TEK.  A set older than what the member holds already
 * was a copy of a rekey it has (a replay, or a BS resending after a
 * restart) and needs nothing.
 */
static void missed_rekey(struct ss *ss, struct ss_sa *sa, uint64_t id,
			 const char *why)
{
	struct ss_group_state *st = sa->tree;
	char reason[128];

	if (!st->member || !keytree_member_has_key(st->member)) {
		log_info("%s: rekey %llu %s; no group key held yet, nothing to resync",
			 ss_sa_label(sa), (unsigned long long)id, why);
		return;
	}
	if (keytree_member_seq(st->member) >= id) {
		log_info("%s: rekey %llu %s; we hold rekey %llu already",
			 ss_sa_label(sa), (unsigned long long)id, why,
			 (unsigned long long)keytree_member_seq(st->member));
		return;
	}
	log_warn("%s: rekey %llu %s: missed; asking the BS for our keys again (Key Request)",
		 ss_sa_label(sa), (unsigned long long)id, why);
	if (ss_rekey(ss, sa->said, reason, sizeof(reason)))
		log_info("%s: no Key Request now (%s); the next one resyncs",
			 ss_sa_label(sa), reason);
}

static void frag_timer_fired(struct timer *t)
{
	struct ss_group_ctx *c = container_of(t, struct ss_group_ctx,
					      frag_timer);
	unsigned int have, count;
	char why[96];
	uint64_t id;

	if (!ss_group_fragments_expire(&c->st, now_mono_ms(), &id, &have,
				       &count)) {
		int64_t due = ss_group_fragments_due_ms(&c->st, now_mono_ms());

		if (due >= 0)
			timer_start(t, due);
		return;
	}
	snprintf(why, sizeof(why),
		 "incomplete: %u of %u fragments in %d ms, set dropped",
		 have, count, GROUP_FRAG_TIMEOUT_MS);
	missed_rekey(c->ss, c->sa, id, why);
}

static void rx_fragment(struct ss *ss, struct ss_sa *sa, struct pkm_msg *m)
{
	const struct pkm_group_fragment *f = &m->u.gku.frag;
	struct ss_group_state *st = tree_state(ss, sa, sa->group_id);
	struct ss_group_ctx *c;
	uint8_t *joined = NULL;
	size_t joined_len = 0;
	uint64_t old_id = 0;
	bool dropped;
	int err;

	if (!st)
		return;
	c = ctx_of(st);
	err = ss_group_fragment(st, f, m->u.gku.payload.p, m->u.gku.payload.len,
				now_mono_ms(), &joined, &joined_len, &dropped,
				&old_id);
	if (dropped)
		missed_rekey(ss, sa, old_id,
			     "incomplete when a newer rekey's fragments came, set dropped");
	switch (err) {
	case 1:
		timer_stop(&c->frag_timer);
		log_info("%s: rekey %llu joined from %u fragments, %zu bytes",
			 ss_sa_label(sa), (unsigned long long)f->rekey_id,
			 f->count, joined_len);
		handle(ss, m->u.gku.said, joined, joined_len, true);
		free(joined);
		return;
	case 0:
		if (timer_remaining_ms(&c->frag_timer) < 0)
			timer_start(&c->frag_timer,
				    ss_group_fragments_due_ms(st, now_mono_ms()));
		return;
	case -EALREADY:
		log_debug("%s: rekey %llu fragment %u of %u: a copy, ignored",
			  ss_sa_label(sa), (unsigned long long)f->rekey_id,
			  f->index, f->count);
		return;
	case -ESTALE:
		log_info("%s: fragment of rekey %llu, older than the one being gathered, ignored",
			 ss_sa_label(sa), (unsigned long long)f->rekey_id);
		return;
	default:
		st->refused++;
		log_warn("%s: rekey %llu fragment %u of %u (%u bytes in all) refused: %s",
			 ss_sa_label(sa), (unsigned long long)f->rekey_id,
			 f->index, f->count, f->total,
			 err == -ENOMEM ? "out of memory" :
			 "out of bounds or inconsistent with its set");
		if (!st->frags.active)
			timer_stop(&c->frag_timer);
		return;
	}
}

void ss_group_rx_broadcast(struct ss *ss, const uint8_t src[6],
			   const uint8_t *payload, size_t len)
{
	struct pkm_verifier v = { 0 };
	struct ss_sa *sa = NULL;
	struct pkm_msg m;
	int err;

	/*
	 * Every group's rekeys, and whatever else is sent to all, come
	 * here: what is not for a group SA of ours is no news, nor worth
	 * a warning.
	 */
	if (payload[0] != PKM_MGMT_RSP) {
		log_debug("management type %u on the broadcast connection from %s ignored",
			  payload[0], mac_str(src));
		return;
	}
	err = pkm_msg_parse(payload, len, &m);
	if (err) {
		if (memcmp(src, ss->bsid, MAC_LEN) == 0)
			log_warn("malformed PKM-RSP on the broadcast connection dropped: %s%s%s",
				 pkm_strerror(err),
				 *old_encoding_hint(err, m.old_encoding) ? ": " : "",
				 old_encoding_hint(err, m.old_encoding));
		else
			log_debug("malformed PKM-RSP on the broadcast connection from %s ignored: %s",
				  mac_str(src), pkm_strerror(err));
		return;
	}
	if (m.code != PKM_GROUP_KEY_UPDATE) {
		log_debug("%s on the broadcast connection from %s ignored",
			  pkm_code_name(m.code), mac_str(src));
		return;
	}
	for (size_t i = 0; i < ss->n_sas; i++)
		if (ss->sas[i].has_group && ss->sas[i].said &&
		    ss->sas[i].said == m.u.gku.said)
			sa = &ss->sas[i];
	if (!sa) {
		log_debug("rekey message for SAID 0x%04x from %s, which we do not hold, ignored",
			  m.u.gku.said, mac_str(src));
		return;
	}
	if (memcmp(src, ss->bsid, MAC_LEN) != 0 || !ss->bs_key) {
		log_warn("%s: rekey message on 0x%04x from %s, not our BS; dropped",
			 ss_sa_label(sa), WMAN_CID_BROADCAST, mac_str(src));
		return;
	}
	if (m.authn != PKM_AUTHN_SIG_BS) {
		log_warn("%s: unsigned rekey message on the broadcast connection dropped",
			 ss_sa_label(sa));
		return;
	}
	if (!ss_bs_key_trusted(ss, "rekey message"))
		return;
	v.peer_key = ss->bs_key;
	if (pkm_msg_verify(&m, &v)) {
		log_warn("%s: rekey message whose signature does not verify, dropped",
			 ss_sa_label(sa));
		if (sa->tree)
			sa->tree->refused++;
		return;
	}
	if (m.u.gku.has_fragment) {
		rx_fragment(ss, sa, &m);
		return;
	}
	handle(ss, m.u.gku.said, m.u.gku.payload.p, m.u.gku.payload.len, true);
}

void ss_group_stop(struct ss *ss)
{
	for (size_t i = 0; i < ss->n_sas; i++) {
		struct ss_sa *sa = &ss->sas[i];
		struct ss_group_ctx *c;

		if (!sa->tree)
			continue;
		c = ctx_of(sa->tree);
		timer_stop(&c->frag_timer);
		ss_group_state_clear(sa->tree);
		free(c);
		sa->tree = NULL;
	}
}

static void key_hex(struct json_out *o, const uint8_t *key)
{
	char hex[2 * PKM_KEY_LEN + 1];

	for (int i = 0; i < PKM_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	jo_string(o, NULL, hex);
}

void ss_group_json(const struct ss *ss, const struct ss_sa *sa,
		   struct json_out *o)
{
	const struct ss_group_state *st = sa->tree;
	uint8_t gk[KEYTREE_KEY_LEN];
	uint64_t seq;

	if (!st)
		return;
	jo_object_begin(o, "tree");
	jo_bool(o, "member", st->member && keytree_member_has_key(st->member));
	if (st->member) {
		jo_int(o, "leaf", keytree_member_leaf(st->member));
		jo_int(o, "epoch", (int64_t)keytree_member_seq(st->member));
	}
	jo_int(o, "rekeys", (int64_t)st->rekeys);
	jo_int(o, "refused", (int64_t)st->refused);
	jo_int(o, "fragmented_rekeys", (int64_t)st->frag_sets);
	jo_int(o, "fragment_sets_dropped", (int64_t)st->frag_sets_dropped);
	if (st->last_error)
		jo_string(o, "last_error", keytree_strerror(st->last_error));
	jo_object_end(o);
	if (!ss->cfg->expose_keys)
		return;
	/* [test] expose-keys: every key this SA's state holds */
	jo_array_begin(o, "test_keys");
	for (int t = 0; t < 2; t++)
		if (sa->tek[t].valid)
			key_hex(o, sa->tek[t].key);
	if (st->member &&
	    keytree_member_group_key(st->member, gk, &seq) == 0) {
		key_hex(o, gk);
		OPENSSL_cleanse(gk, sizeof(gk));
	}
	jo_array_end(o);
}
