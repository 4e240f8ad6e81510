// SPDX-License-Identifier: GPL-2.0
/*
 * Fragmented multicast rekeys without a kernel: a few hundred members in
 * a key tree, batches of leaves whose multicast message does not fit one
 * management PDU, cut and signed by the BS's code
 * (bs_group_multicast_frame()), parsed and verified as the SS does, then
 * joined (ss_group_fragment()) and applied (ss_group_apply()).  Every
 * remaining member must derive the BS's TEK whatever the order, copies
 * or interleaving of the fragments; a missing fragment must change
 * nothing until the set times out and the member resyncs; forged and
 * tampered fragments and broken sets must be refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bs/bs_group.h"
#include "group.h"
#include "ss/ss_group.h"
#include "tap.h"
#include "../../pkm/tests/testcert.h"
#include "linux/wman.h"

#define N_MEMBERS	300
#define GROUP		9
#define SAID		0xfe09
#define MAX_FRAGS	256
#define KEPT		1

struct member {
	uint8_t ikey[KEYTREE_KEY_LEN];
	uint32_t leaf;
	bool in;
	struct ss_group_state st;
	uint8_t tek[PKM_KEY_LEN];
	uint64_t seq;
};

/* One rekey's framed multicast messages. */
struct frames {
	size_t n;
	uint8_t *msg[MAX_FRAGS];
	size_t len[MAX_FRAGS];
	size_t largest;
};

static struct keytree_server *tree;
static struct member mem[N_MEMBERS];
static EVP_PKEY *bs_key, *other_key;
static int64_t now_ms = 1000;

static int keep_frame(void *arg, const uint8_t *msg, size_t len)
{
	struct frames *f = arg;

	if (f->n == MAX_FRAGS)
		return -ENOSPC;
	f->msg[f->n] = malloc(len);
	if (!f->msg[f->n])
		return -ENOMEM;
	memcpy(f->msg[f->n], msg, len);
	f->len[f->n++] = len;
	if (len > f->largest)
		f->largest = len;
	return 0;
}

static void frames_free(struct frames *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->msg[i]);
	memset(f, 0, sizeof(*f));
}

/* The BS's side of one commit: the multicast payload and the unicasts. */
struct rekey {
	uint8_t *mcast;
	size_t mcast_len;
	uint8_t *blob;			/* bs_group_rekey_encode()'s form */
	size_t blob_len;
};

static int grab(void *arg, bool multicast, uint32_t leaf,
		const uint8_t *msg, size_t len)
{
	struct rekey *r = arg;

	(void)leaf;
	if (!multicast)
		return 0;
	r->mcast = malloc(len);
	if (!r->mcast)
		return -ENOMEM;
	memcpy(r->mcast, msg, len);
	r->mcast_len = len;
	return 0;
}

static int by_leaf(uint32_t leaf)
{
	for (int i = 0; i < N_MEMBERS; i++)
		if (mem[i].in && mem[i].leaf == leaf)
			return i;
	return -1;
}

static void applied(struct member *m, int err, uint64_t seq,
		    const uint8_t tek[PKM_KEY_LEN])
{
	if (err)
		return;
	memcpy(m->tek, tek, PKM_KEY_LEN);
	m->seq = seq;
}

/* Point-to-point halves go straight to their member (framing: test_group). */
static int give_unicast(void *arg, bool multicast, uint32_t leaf,
			const uint8_t *msg, size_t len)
{
	uint8_t tek[PKM_KEY_LEN];
	uint64_t seq = 0;
	int i = by_leaf(leaf), err;

	(void)arg;
	if (multicast || i < 0)
		return 0;
	err = ss_group_apply(&mem[i].st, mem[i].ikey, msg, len, &seq, tek);
	applied(&mem[i], err, seq, tek);
	return 0;
}

static int commit(unsigned int flags, struct rekey *r)
{
	struct keytree_plan *plan;
	int err;

	memset(r, 0, sizeof(*r));
	err = keytree_server_rekey(tree, flags, &plan);
	if (err)
		return err;
	err = bs_group_rekey_encode(tree, plan, &r->blob, &r->blob_len);
	keytree_plan_free(plan);
	if (!err)
		err = bs_group_rekey_each(r->blob, r->blob_len, grab, r);
	return err;
}

static void rekey_free(struct rekey *r)
{
	free(r->mcast);
	free(r->blob);
	memset(r, 0, sizeof(*r));
}

/*
 * What ss_group.c does with one rekey message of the broadcast management
 * connection: parse,
 * signature, then whole payload or fragment.  KEPT: a fragment kept;
 * -EACCES: signature; -EBADMSG: malformed; the fragment codes of
 * ss_group_fragment(); else what ss_group_apply() says (0 applied,
 * -EAGAIN waiting for the unicast half, -EPERM refused).
 */
static int ss_rx(struct member *m, const uint8_t *buf, size_t len,
		 EVP_PKEY *pinned, bool *dropped)
{
	struct pkm_verifier v = { .peer_key = pinned };
	uint8_t tek[PKM_KEY_LEN], *joined = NULL;
	size_t joined_len;
	uint64_t seq, old;
	struct pkm_msg msg;
	bool drop = false;
	int err;

	if (pkm_msg_parse(buf, len, &msg) || msg.code != PKM_GROUP_KEY_UPDATE ||
	    msg.authn != PKM_AUTHN_SIG_BS || msg.u.gku.said != SAID)
		return -EBADMSG;
	if (pkm_msg_verify(&msg, &v))
		return -EACCES;
	if (!msg.u.gku.has_fragment) {
		err = ss_group_apply(&m->st, m->ikey, msg.u.gku.payload.p,
				     msg.u.gku.payload.len, &seq, tek);
		applied(m, err, seq, tek);
		return err;
	}
	err = ss_group_fragment(&m->st, &msg.u.gku.frag, msg.u.gku.payload.p,
				msg.u.gku.payload.len, now_ms, &joined,
				&joined_len, &drop, &old);
	if (dropped)
		*dropped = drop;
	if (err == 0)
		return KEPT;
	if (err != 1)
		return err;
	err = ss_group_apply(&m->st, m->ikey, joined, joined_len, &seq, tek);
	free(joined);
	applied(m, err, seq, tek);
	return err;
}

static void bs_tek(uint8_t tek[PKM_KEY_LEN], uint64_t *seq)
{
	uint8_t gk[KEYTREE_KEY_LEN];

	keytree_server_group_key(tree, gk, seq);
	group_tek(gk, GROUP, *seq, tek);
}

static bool follows(const struct member *m)
{
	uint8_t tek[PKM_KEY_LEN];
	uint64_t seq;

	bs_tek(tek, &seq);
	return m->seq == seq && !memcmp(m->tek, tek, sizeof(tek));
}

/* How many members are in, and how many of them hold the BS's TEK. */
static int count_following(int *in)
{
	int n = 0;

	*in = 0;
	for (int i = 0; i < N_MEMBERS; i++) {
		if (!mem[i].in)
			continue;
		(*in)++;
		n += follows(&mem[i]);
	}
	return n;
}

static void leave(int i)
{
	keytree_server_leave(tree, mem[i].leaf);
	mem[i].in = false;
}

/* The existing recovery: the member's Key Request makes the BS resync it. */
static int resync(int i)
{
	struct keytree_plan *plan;
	uint8_t *blob;
	size_t len;
	int err;

	err = keytree_server_plan_resync(tree, mem[i].leaf, &plan);
	if (err)
		return err;
	err = bs_group_rekey_encode(tree, plan, &blob, &len);
	keytree_plan_free(plan);
	if (err)
		return err;
	err = bs_group_rekey_each(blob, len, give_unicast, NULL);
	free(blob);
	return err;
}

/* Every member in gets every frame (order given), then its unicast. */
static void deliver_all(const struct frames *f, const struct rekey *r)
{
	for (int i = 0; i < N_MEMBERS; i++)
		if (mem[i].in)
			for (size_t k = 0; k < f->n; k++)
				ss_rx(&mem[i], f->msg[k], f->len[k], bs_key, NULL);
	bs_group_rekey_each(r->blob, r->blob_len, give_unicast, NULL);
}

static void setup(void)
{
	struct rekey r;
	int in, err;

	ok(keytree_server_new(&tree, GROUP, KEYTREE_SCHEME_LKH, 4) == 0,
	   "lkh tree of degree 4");
	for (int i = 0; i < N_MEMBERS; i++) {
		pkm_random(mem[i].ikey, sizeof(mem[i].ikey));
		mem[i].st.group = GROUP;
		if (keytree_server_join(tree, mem[i].ikey, &mem[i].leaf) == 0)
			mem[i].in = true;
	}
	err = commit(0, &r);
	if (!err)
		bs_group_rekey_each(r.blob, r.blob_len, give_unicast, NULL);
	is_int(count_following(&in), N_MEMBERS,
	       "%d members join in one batch; every one derives the BS's TEK",
	       N_MEMBERS);
	rekey_free(&r);
}

/* A tenth of the group leaves: the multicast needs several fragments. */
static void test_large_batch(void)
{
	struct frames f = { 0 }, eth = { 0 };
	struct rekey r;
	struct pkm_msg m;
	bool all_frag = true;
	int in, n, n_eth;

	for (int i = 0; i < N_MEMBERS; i += 10)
		leave(i);
	n = commit(0, &r);
	ok(n == 0 && r.mcast_len > WMAN_MGMT_MAX_LEN,
	   "30 leaves in one batch: a %zu-byte multicast message (one PDU holds %d)",
	   r.mcast_len, WMAN_MGMT_MAX_LEN);
	n = bs_group_multicast_frame(SAID, bs_key, r.mcast, r.mcast_len,
				     WMAN_MGMT_MAX_LEN, 0, keep_frame, &f);
	ok(n >= 3 && (size_t)n == f.n && f.largest <= WMAN_MGMT_MAX_LEN,
	   "cut into %d signed fragments of at most %zu bytes", n, f.largest);
	for (size_t k = 0; k < f.n; k++)
		all_frag &= !pkm_msg_parse(f.msg[k], f.len[k], &m) &&
			    m.u.gku.has_fragment && m.u.gku.frag.count == f.n &&
			    m.u.gku.frag.index == k &&
			    m.u.gku.frag.total == r.mcast_len;
	ok(all_frag, "each carries its index, the count and the total");
	n_eth = bs_group_multicast_frame(SAID, bs_key, r.mcast, r.mcast_len,
					 GROUP_PDU_ETHERNET, 0, keep_frame, &eth);
	ok(n_eth > n && eth.largest <= GROUP_PDU_ETHERNET,
	   "for an Ethernet link: %d fragments of at most %zu bytes", n_eth,
	   eth.largest);
	deliver_all(&f, &r);
	is_int(count_following(&in), in,
	       "all %d remaining members join the fragments and derive the BS's TEK",
	       in);
	ok(mem[0].seq != mem[1].seq, "a member that left does not");
	frames_free(&f);
	frames_free(&eth);
	rekey_free(&r);
}

/* Fragments reversed, each sent twice. */
static void test_reorder_duplicates(void)
{
	struct frames f = { 0 };
	struct rekey r;
	int in, copies = 0, dup_ok = 0;

	for (int i = 1; i < N_MEMBERS; i += 10)
		leave(i);
	commit(0, &r);
	bs_group_multicast_frame(SAID, bs_key, r.mcast, r.mcast_len,
				 GROUP_PDU_ETHERNET, 0, keep_frame, &f);
	for (int i = 0; i < N_MEMBERS; i++) {
		if (!mem[i].in)
			continue;
		for (size_t k = f.n; k-- > 0;) {
			int a = ss_rx(&mem[i], f.msg[k], f.len[k], bs_key, NULL);
			int b = ss_rx(&mem[i], f.msg[k], f.len[k], bs_key, NULL);

			copies++;
			/* the copy of the one that completed the set starts none */
			dup_ok += (a == KEPT && b == -EALREADY) ||
				  (k == 0 && b == -EALREADY);
		}
	}
	bs_group_rekey_each(r.blob, r.blob_len, give_unicast, NULL);
	is_int(dup_ok, copies, "%d copies of fragments ignored as copies", copies);
	is_int(count_following(&in), in,
	       "%zu fragments in reverse order, twice each: all %d members follow",
	       f.n, in);
	frames_free(&f);
	rekey_free(&r);
}

/* One member misses a fragment: nothing changes, then it resyncs. */
static void test_missing_fragment(void)
{
	struct frames f = { 0 };
	struct rekey r;
	uint8_t before[PKM_KEY_LEN];
	uint64_t before_seq, id = 0;
	unsigned int have = 0, count = 0;
	int victim = 17, in, err;
	bool gone;

	for (int i = 2; i < N_MEMBERS; i += 10)
		leave(i);
	commit(0, &r);
	bs_group_multicast_frame(SAID, bs_key, r.mcast, r.mcast_len,
				 GROUP_PDU_ETHERNET, 0, keep_frame, &f);
	memcpy(before, mem[victim].tek, sizeof(before));
	before_seq = mem[victim].seq;
	for (size_t k = 0; k < f.n; k++)
		if (k != 1)
			ss_rx(&mem[victim], f.msg[k], f.len[k], bs_key, NULL);
	/* the others get everything */
	mem[victim].in = false;
	deliver_all(&f, &r);
	mem[victim].in = true;
	ok(mem[victim].seq == before_seq &&
	   !memcmp(mem[victim].tek, before, sizeof(before)) &&
	   mem[victim].st.frags.active &&
	   mem[victim].st.frags.have == f.n - 1,
	   "fragment 1 of %zu lost: the member's key does not move, %zu kept",
	   f.n, f.n - 1);
	ok(!ss_group_fragments_expire(&mem[victim].st,
				      now_ms + GROUP_FRAG_TIMEOUT_MS - 1, &id,
				      &have, &count) &&
	   ss_group_fragments_due_ms(&mem[victim].st, now_ms) ==
	   GROUP_FRAG_TIMEOUT_MS, "the set is kept until its timeout");
	gone = ss_group_fragments_expire(&mem[victim].st,
					 now_ms + GROUP_FRAG_TIMEOUT_MS, &id,
					 &have, &count);
	ok(gone && id == keytree_server_seq(tree) && have == f.n - 1 && count == f.n &&
	   !mem[victim].st.frags.active && mem[victim].st.frag_sets_dropped == 1,
	   "then given up: rekey %llu, %u of %u fragments",
	   (unsigned long long)id, have, count);
	ok(id > keytree_member_seq(mem[victim].st.member),
	   "the member holds an older rekey than the lost set's: it asks for a resync");
	err = resync(victim);
	ok(!err && follows(&mem[victim]),
	   "the resync welcome brings it to the group's TEK");
	is_int(count_following(&in), in, "all %d members follow", in);
	frames_free(&f);
	rekey_free(&r);
}

/* Fragments of two rekeys alternate: the newer one wins. */
static void test_interleaved(void)
{
	struct frames a = { 0 }, b = { 0 };
	struct rekey ra, rb;
	int victim = 27, stale = 0, dropped_seen = 0, in, b_result = 0;
	uint64_t seq_a;

	for (int i = 3; i < N_MEMBERS; i += 10)
		leave(i);
	commit(0, &ra);
	seq_a = keytree_server_seq(tree);
	for (int i = 4; i < N_MEMBERS; i += 10)
		leave(i);
	commit(0, &rb);
	bs_group_multicast_frame(SAID, bs_key, ra.mcast, ra.mcast_len,
				 GROUP_PDU_ETHERNET, 0, keep_frame, &a);
	bs_group_multicast_frame(SAID, bs_key, rb.mcast, rb.mcast_len,
				 GROUP_PDU_ETHERNET, 0, keep_frame, &b);
	for (size_t k = 0; k < a.n || k < b.n; k++) {
		bool dropped = false;

		if (k < a.n && k < b.n)
			stale += ss_rx(&mem[victim], a.msg[k], a.len[k], bs_key,
				       NULL) == -ESTALE;
		if (k < b.n) {
			b_result = ss_rx(&mem[victim], b.msg[k], b.len[k],
					 bs_key, &dropped);
			dropped_seen += dropped;
		}
	}
	ok(dropped_seen == 1 && mem[victim].st.frag_sets_dropped == 1,
	   "rekey %llu's partial set is given up when rekey %llu's first fragment comes",
	   (unsigned long long)seq_a, (unsigned long long)seq_a + 1);
	ok(stale == (int)(a.n < b.n ? a.n : b.n) - 1,
	   "its later fragments are ignored as older while rekey %llu's set is gathered (%d)",
	   (unsigned long long)seq_a + 1, stale);
	ok(b_result <= 0 && !mem[victim].st.frags.active,
	   "rekey %llu's set completes and goes to the tree (%s)",
	   (unsigned long long)seq_a + 1,
	   b_result ? keytree_strerror(mem[victim].st.last_error) : "applied");
	/* the others get both, in order */
	mem[victim].in = false;
	deliver_all(&a, &ra);
	deliver_all(&b, &rb);
	mem[victim].in = true;
	if (!follows(&mem[victim]))
		resync(victim);
	is_int(count_following(&in), in,
	       "after its resync if needed, all %d members follow", in);
	frames_free(&a);
	frames_free(&b);
	rekey_free(&ra);
	rekey_free(&rb);
}

static int find_leaf(void *arg, bool multicast, uint32_t leaf,
		     const uint8_t *msg, size_t len)
{
	(void)msg;
	(void)len;
	return !multicast && leaf == *(uint32_t *)arg ? 1 : 0;
}

static bool has_unicast(const struct rekey *r, uint32_t leaf)
{
	return bs_group_rekey_each(r->blob, r->blob_len, find_leaf, &leaf) == 1;
}

/* Forged and tampered fragments; an old set joined again. */
static void test_forgeries(void)
{
	struct frames f = { 0 }, forged = { 0 }, bad = { 0 }, old = { 0 };
	struct rekey r, r_old;
	uint8_t *copy;
	int victim = -1, refused = 0, in, err;
	uint64_t seq;

	/* an older rekey, kept to replay later */
	for (int i = 5; i < N_MEMBERS; i += 10)
		leave(i);
	commit(0, &r_old);
	bs_group_multicast_frame(SAID, bs_key, r_old.mcast, r_old.mcast_len,
				 GROUP_PDU_ETHERNET, 0, keep_frame, &old);
	deliver_all(&old, &r_old);

	for (int i = 6; i < N_MEMBERS; i += 10)
		leave(i);
	commit(0, &r);
	bs_group_multicast_frame(SAID, bs_key, r.mcast, r.mcast_len,
				 GROUP_PDU_ETHERNET, 0, keep_frame, &f);
	/* a member that the multicast alone rekeys */
	for (int i = 0; i < N_MEMBERS && victim < 0; i++)
		if (mem[i].in && i != 47 && !has_unicast(&r, mem[i].leaf))
			victim = i;
	if (!ok(victim >= 0, "a member that gets no unicast in this rekey"))
		victim = 37;
	bs_group_multicast_frame(SAID, other_key, r.mcast, r.mcast_len,
				 GROUP_PDU_ETHERNET, 0, keep_frame, &forged);
	seq = mem[victim].seq;
	for (size_t k = 0; k < forged.n; k++)
		refused += ss_rx(&mem[victim], forged.msg[k], forged.len[k],
				 bs_key, NULL) == -EACCES;
	ok(refused == (int)forged.n && !mem[victim].st.frags.active &&
	   mem[victim].seq == seq,
	   "%zu fragments signed by another key: refused, nothing kept",
	   forged.n);

	/* one bit of the fragment attribute, of the slice: the signature */
	copy = malloc(f.len[1]);
	memcpy(copy, f.msg[1], f.len[1]);
	copy[7 + 2 + 9] ^= 1;		/* the index */
	err = ss_rx(&mem[victim], copy, f.len[1], bs_key, NULL);
	memcpy(copy, f.msg[1], f.len[1]);
	copy[40] ^= 0x80;		/* inside the slice */
	ok(err == -EACCES &&
	   ss_rx(&mem[victim], copy, f.len[1], bs_key, NULL) == -EACCES &&
	   !mem[victim].st.frags.active,
	   "a fragment whose index or slice was changed: refused");
	free(copy);

	/*
	 * A joined payload the tree's tag refuses (a slice changed before
	 * the BS's signature: what only the BS could do) moves nothing.
	 */
	copy = malloc(r.mcast_len);
	memcpy(copy, r.mcast, r.mcast_len);
	copy[r.mcast_len / 2] ^= 1;
	bs_group_multicast_frame(SAID, bs_key, copy, r.mcast_len,
				 GROUP_PDU_ETHERNET, 0, keep_frame, &bad);
	for (size_t k = 0; k < bad.n; k++)
		err = ss_rx(&mem[victim], bad.msg[k], bad.len[k], bs_key, NULL);
	ok(err == -EPERM && mem[victim].seq == seq,
	   "a set that joins into a tampered message: the tree refuses it (%s)",
	   keytree_strerror(mem[victim].st.last_error));
	free(copy);
	err = ss_rx(&mem[victim], f.msg[0], f.len[0], bs_key, NULL);
	ok(err == -EALREADY,
	   "a copy of the last joined set's fragment starts no new set");
	resync(victim);

	mem[victim].in = false;
	deliver_all(&f, &r);
	mem[victim].in = true;
	is_int(count_following(&in), in,
	       "the genuine set (and a resync for the member fed the forgeries): all %d follow",
	       in);

	/* rekey s - 1's set again, whole: joined, then refused as a replay */
	for (size_t k = 0; k < old.n; k++)
		err = ss_rx(&mem[47], old.msg[k], old.len[k], bs_key, NULL);
	ok(err == -EPERM && mem[47].st.last_error == KEYTREE_ERR_REPLAY &&
	   follows(&mem[47]),
	   "an older rekey's fragments replayed: joined, then refused by the tree as a replay");
	frames_free(&f);
	frames_free(&forged);
	frames_free(&bad);
	frames_free(&old);
	rekey_free(&r);
	rekey_free(&r_old);
}

/* rekey-fragment-size: small fragments for a rekey that fits a PDU. */
static void test_small_fragments(void)
{
	struct frames whole = { 0 }, small = { 0 }, big = { 0 };
	struct rekey r;
	struct pkm_msg m;
	bool small_ok = true;
	int in, n;

	leave(8);
	commit(0, &r);
	n = bs_group_multicast_frame(SAID, bs_key, r.mcast, r.mcast_len,
				     WMAN_MGMT_MAX_LEN, 0, keep_frame, &whole);
	ok(n == 1 && !pkm_msg_parse(whole.msg[0], whole.len[0], &m) &&
	   !m.u.gku.has_fragment && m.u.gku.payload.len == r.mcast_len,
	   "a %zu-byte rekey goes whole, without a fragment attribute, as before",
	   r.mcast_len);
	n = bs_group_multicast_frame(SAID, bs_key, r.mcast, r.mcast_len,
				     WMAN_MGMT_MAX_LEN, r.mcast_len, keep_frame,
				     &big);
	ok(n == 1 && !pkm_msg_parse(big.msg[0], big.len[0], &m) &&
	   !m.u.gku.has_fragment,
	   "with rekey-fragment-size at least its size, too");
	n = bs_group_multicast_frame(SAID, bs_key, r.mcast, r.mcast_len,
				     WMAN_MGMT_MAX_LEN, 64, keep_frame, &small);
	for (size_t k = 0; k < small.n; k++)
		small_ok &= !pkm_msg_parse(small.msg[k], small.len[k], &m) &&
			    m.u.gku.has_fragment && m.u.gku.payload.len <= 64;
	ok(n == (int)((r.mcast_len + 63) / 64) && small_ok,
	   "rekey-fragment-size = 64: %d fragments of at most 64 payload bytes",
	   n);
	deliver_all(&small, &r);
	is_int(count_following(&in), in, "all %d members follow", in);
	frames_free(&whole);
	frames_free(&small);
	frames_free(&big);
	rekey_free(&r);
}

/* The BS's stored form is the whole message; cutting is at send time. */
static void test_stored_form(void)
{
	struct rekey r;
	struct frames a = { 0 }, b = { 0 };
	struct pkm_msg ma, mb;
	bool same = true;

	for (int i = 9; i < N_MEMBERS; i += 10)
		leave(i);
	commit(0, &r);
	ok(r.mcast_len > GROUP_PDU_ETHERNET,
	   "the saved payloads hold the multicast message whole (%zu bytes)",
	   r.mcast_len);
	/* a restarted BS resends: the same slices, freshly signed */
	bs_group_multicast_frame(SAID, bs_key, r.mcast, r.mcast_len,
				 GROUP_PDU_ETHERNET, 0, keep_frame, &a);
	bs_group_multicast_frame(SAID, bs_key, r.mcast, r.mcast_len,
				 GROUP_PDU_ETHERNET, 0, keep_frame, &b);
	same = a.n == b.n;
	for (size_t k = 0; same && k < a.n; k++)
		same = !pkm_msg_parse(a.msg[k], a.len[k], &ma) &&
		       !pkm_msg_parse(b.msg[k], b.len[k], &mb) &&
		       ma.u.gku.frag.rekey_id == mb.u.gku.frag.rekey_id &&
		       ma.u.gku.payload.len == mb.u.gku.payload.len &&
		       !memcmp(ma.u.gku.payload.p, mb.u.gku.payload.p,
			       ma.u.gku.payload.len);
	ok(same, "sending it again after a restart gives the same %zu slices",
	   a.n);
	/* members got the first sending; the second is refused whole */
	deliver_all(&a, &r);
	{
		int err = 0, in;

		for (size_t k = 0; k < b.n; k++)
			err = ss_rx(&mem[57], b.msg[k], b.len[k], bs_key, NULL);
		ok(err == -EALREADY && follows(&mem[57]),
		   "a member that applied it ignores the resent copy");
		is_int(count_following(&in), in, "all %d members follow", in);
	}
	frames_free(&a);
	frames_free(&b);
	rekey_free(&r);
}

static int fail_cb(void *arg, const uint8_t *msg, size_t len)
{
	int *calls = arg;

	(void)msg;
	(void)len;
	return ++*calls == 2 ? -EMSGSIZE : 0;
}

/* Bounds and broken sets, fragment by fragment. */
static void test_bounds(void)
{
	struct ss_group_state st = { .group = GROUP };
	struct pkm_group_fragment f = { .rekey_id = 50, .count = 3,
					.total = 30 };
	uint8_t slice[20], *out = NULL, *big;
	size_t out_len;
	uint64_t old;
	bool dropped;
	int calls = 0;

	memset(slice, 0x11, sizeof(slice));
#define FRAG(fr, len) ss_group_fragment(&st, (fr), slice, (len), now_ms, \
					&out, &out_len, &dropped, &old)
	f.count = GROUP_FRAG_COUNT_MAX + 1;
	f.total = 5000;
	is_int(FRAG(&f, 10), -EINVAL, "more than %d fragments refused",
	       GROUP_FRAG_COUNT_MAX);
	f.count = 3;
	f.total = GROUP_REKEY_MAX_LEN + 1;
	is_int(FRAG(&f, 10), -EINVAL, "a total above %u bytes refused",
	       GROUP_REKEY_MAX_LEN);
	f.total = 30;
	f.index = 3;
	is_int(FRAG(&f, 10), -EINVAL, "index not below the count refused");
	f.index = 0;
	is_int(FRAG(&f, 0), -EINVAL, "an empty slice refused");
	ok(!st.frags.active, "nothing kept of these");

	is_int(FRAG(&f, 10), 0, "fragment 0 of 3 kept");
	f.index = 1;
	f.count = 4;
	is_int(FRAG(&f, 10), -EINVAL, "a count other than the set's refused");
	f.count = 3;
	f.total = 31;
	is_int(FRAG(&f, 10), -EINVAL, "a total other than the set's refused");
	f.total = 30;
	f.index = 0;
	slice[0] = 0x22;
	is_int(FRAG(&f, 10), -EINVAL,
	       "the same index with other bytes refused");
	slice[0] = 0x11;
	is_int(FRAG(&f, 10), -EALREADY, "the same fragment again: a copy");
	f.index = 1;
	is_int(FRAG(&f, 20), 0, "fragment 1 kept (20 bytes)");
	f.index = 2;
	is_int(FRAG(&f, 5), -EINVAL, "slices adding up to more than the total refused");
	ok(st.frags.active && st.frags.have == 2 && st.frags.bytes == 30,
	   "the set is intact after the refusals");
	f.rekey_id = 49;
	is_int(FRAG(&f, 5), -ESTALE, "a fragment of an older rekey ignored");
	f.rekey_id = 51;
	f.index = 0;
	f.count = 2;
	f.total = 15;
	ok(FRAG(&f, 10) == 0 && dropped && old == 50 &&
	   st.frag_sets_dropped == 1,
	   "a newer rekey's fragment replaces the set, which is reported");
	f.index = 1;
	ok(FRAG(&f, 5) == 1 && out_len == 15 && out && out[14] == 0x11 &&
	   st.frag_sets == 1 && !st.frags.active,
	   "its second fragment completes it: 15 bytes joined");
	free(out);
	out = NULL;
	f.rekey_id = 52;
	f.index = 0;
	f.total = 40;
	FRAG(&f, 10);
	f.index = 1;
	ok(FRAG(&f, 10) == -EINVAL && !st.frags.active,
	   "a complete set short of its total is refused and dropped");
	ss_group_state_clear(&st);
#undef FRAG

	big = calloc(1, GROUP_REKEY_MAX_LEN + 1);
	is_int(bs_group_multicast_frame(SAID, bs_key, big,
					GROUP_REKEY_MAX_LEN + 1,
					WMAN_MGMT_MAX_LEN, 0, fail_cb, &calls),
	       -E2BIG, "BS: a payload above %u bytes is not sent",
	       GROUP_REKEY_MAX_LEN);
	free(big);
	is_int(bs_group_multicast_frame(SAID, bs_key, slice, sizeof(slice),
					200, 0, fail_cb, &calls), -EMSGSIZE,
	       "BS: PDUs too small for a signed fragment refused");
	{
		struct rekey r;

		leave(97);
		commit(0, &r);
		calls = 0;
		is_int(bs_group_multicast_frame(SAID, bs_key, r.mcast,
						r.mcast_len, WMAN_MGMT_MAX_LEN,
						32, fail_cb, &calls),
		       -EMSGSIZE, "BS: a sending error stops the run and is returned");
		is_int(calls, 2, "after the fragment that failed");
		bs_group_rekey_each(r.blob, r.blob_len, give_unicast, NULL);
		rekey_free(&r);
	}
}

int main(void)
{
	bs_key = tc_key_rsa(2048);
	other_key = tc_key_rsa(2048);
	if (!ok(bs_key && other_key, "two RSA keys"))
		return tap_finish();
	setup();
	test_large_batch();
	test_reorder_duplicates();
	test_missing_fragment();
	test_interleaved();
	test_forgeries();
	test_small_fragments();
	test_stored_form();
	test_bounds();
	for (int i = 0; i < N_MEMBERS; i++)
		ss_group_state_clear(&mem[i].st);
	keytree_server_free(tree);
	EVP_PKEY_free(bs_key);
	EVP_PKEY_free(other_key);
	return tap_finish();
}
