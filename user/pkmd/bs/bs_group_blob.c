// SPDX-License-Identifier: GPL-2.0
/*
 * BS: the saved forms of a group's key tree state besides the library's
 * own (bs_group.c): the member table and the last rekey's payloads.
 * Kept apart from the daemon so that the unit tests link them alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bs_group.h"
#include "group.h"
#include "log.h"

#define REKEY_MULTICAST_LEAF	0xffffffffu

/* Blobs: big-endian, every length checked when read. */

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * Member table: count (4), then per committed member leaf (4),
 * individual key (16), CN length (1), CN.
 */
int bs_group_members_encode(const struct bs_group_member_rec *recs, size_t n,
			    uint8_t **out, size_t *len)
{
	size_t cap = 4, pos = 4;
	uint8_t *buf;

	for (size_t i = 0; i < n; i++)
		cap += 4 + KEYTREE_KEY_LEN + 1 + strlen(recs[i].cn);
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	put_u32(buf, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		size_t cn_len = strlen(recs[i].cn);

		put_u32(buf + pos, recs[i].leaf);
		memcpy(buf + pos + 4, recs[i].ikey, KEYTREE_KEY_LEN);
		buf[pos + 4 + KEYTREE_KEY_LEN] = (uint8_t)cn_len;
		memcpy(buf + pos + 5 + KEYTREE_KEY_LEN, recs[i].cn, cn_len);
		pos += 5 + KEYTREE_KEY_LEN + cn_len;
	}
	*out = buf;
	*len = pos;
	return 0;
}

int bs_group_members_decode(const uint8_t *buf, size_t len,
			    struct bs_group_member_rec **out, size_t *n_out)
{
	struct bs_group_member_rec *recs;
	size_t pos = 4;
	uint32_t n;

	if (len < 4)
		return -EINVAL;
	n = get_u32(buf);
	if (n > (len - 4) / (5 + KEYTREE_KEY_LEN))
		return -EINVAL;
	recs = calloc(n ? n : 1, sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		size_t cn_len;

		if (len - pos < 5 + KEYTREE_KEY_LEN)
			goto bad;
		cn_len = buf[pos + 4 + KEYTREE_KEY_LEN];
		if (!cn_len || cn_len > STORE_CN_MAX ||
		    len - pos - 5 - KEYTREE_KEY_LEN < cn_len)
			goto bad;
		recs[i].leaf = get_u32(buf + pos);
		memcpy(recs[i].ikey, buf + pos + 4, KEYTREE_KEY_LEN);
		memcpy(recs[i].cn, buf + pos + 5 + KEYTREE_KEY_LEN, cn_len);
		recs[i].cn[cn_len] = '\0';
		pos += 5 + KEYTREE_KEY_LEN + cn_len;
	}
	if (pos != len)
		goto bad;
	*out = recs;
	*n_out = n;
	return 0;
bad:
	OPENSSL_cleanse(recs, n * sizeof(*recs));
	free(recs);
	return -EINVAL;
}

/*
 * Rekey payloads: count (4), then per payload the recipient leaf (4,
 * all ones for the multicast one), length (4), the keytree message.
 */
int bs_group_rekey_encode(struct keytree_server *tree,
			  const struct keytree_plan *plan, uint8_t **out,
			  size_t *len)
{
	size_t n_uni = keytree_plan_unicast_count(plan);
	bool mcast = keytree_plan_has_multicast(plan);
	size_t cap = 4, pos = 4, n = 0;
	uint8_t *buf;
	int err;

	if (mcast)
		cap += 8 + keytree_msg_multicast_size(plan);
	for (size_t i = 0; i < n_uni; i++)
		cap += 8 + keytree_msg_unicast_size(plan, i);
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	if (mcast) {
		size_t l;

		err = keytree_msg_encode_multicast(tree, plan, buf + pos + 8,
						   cap - pos - 8, &l);
		if (err)
			goto fail;
		put_u32(buf + pos, REKEY_MULTICAST_LEAF);
		put_u32(buf + pos + 4, (uint32_t)l);
		pos += 8 + l;
		n++;
	}
	for (size_t i = 0; i < n_uni; i++) {
		size_t l;

		err = keytree_msg_encode_unicast(tree, plan, i, buf + pos + 8,
						 cap - pos - 8, &l);
		if (err)
			goto fail;
		put_u32(buf + pos, keytree_plan_unicast_leaf(plan, i));
		put_u32(buf + pos + 4, (uint32_t)l);
		pos += 8 + l;
		n++;
	}
	put_u32(buf, (uint32_t)n);
	*out = buf;
	*len = pos;
	return 0;
fail:
	log_err("key tree: cannot encode a rekey message: %s",
		keytree_strerror(err));
	free(buf);
	return -EIO;
}

int bs_group_rekey_each(const uint8_t *buf, size_t len,
			int (*cb)(void *arg, bool multicast, uint32_t leaf,
				  const uint8_t *msg, size_t msg_len),
			void *arg)
{
	size_t pos = 4;
	uint32_t n;

	if (!len)
		return 0;
	if (len < 4)
		return -EINVAL;
	n = get_u32(buf);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t leaf, l;
		int err;

		if (len - pos < 8)
			return -EINVAL;
		leaf = get_u32(buf + pos);
		l = get_u32(buf + pos + 4);
		if (len - pos - 8 < l)
			return -EINVAL;
		err = cb(arg, leaf == REKEY_MULTICAST_LEAF, leaf, buf + pos + 8, l);
		if (err)
			return err;
		pos += 8 + l;
	}
	return pos == len ? 0 : -EINVAL;
}

/* Bytes of a TLV header for a value of len bytes (pkm_tlv_put's form). */
static size_t tlv_hdr_len(size_t len)
{
	return len < 128 ? 2 : len < 256 ? 3 : len < 65536 ? 4 : 5;
}

/* 1: m does not fit pdu_max bytes; else what cb returns, or an error. */
static int frame_one(const struct pkm_msg *m, EVP_PKEY *key, size_t pdu_max,
		     int (*cb)(void *arg, const uint8_t *msg, size_t len),
		     void *arg)
{
	struct pkm_seal seal = { .sign_key = key };
	uint8_t buf[PKM_MSG_MAX];
	size_t out;
	int err;

	err = pkm_msg_build(m, &seal, buf, pdu_max, &out);
	if (err == PKM_E_NOSPACE)
		return 1;
	if (err) {
		log_err("key tree: cannot build a Group Key Update: %s",
			pkm_strerror(err));
		return -EINVAL;
	}
	return cb(arg, buf, out);
}

int bs_group_multicast_frame(uint16_t said, EVP_PKEY *key,
			     const uint8_t *payload, size_t len,
			     size_t pdu_max, size_t frag_size,
			     int (*cb)(void *arg, const uint8_t *msg,
				       size_t len),
			     void *arg)
{
	struct pkm_msg m = { .code = PKM_GROUP_KEY_UPDATE };
	struct keytree_msg kt;
	size_t overhead, slice, count, sig;
	int err;

	if (!len || !key)
		return -EINVAL;
	if (pdu_max > PKM_MSG_MAX)
		pdu_max = PKM_MSG_MAX;
	m.u.gku.said = said;
	if ((!frag_size || len <= frag_size) && len <= PKM_MSG_MAX) {
		/* as it always was: the whole message, no fragment attribute */
		m.u.gku.payload = (struct pkm_bytes){ payload, len };
		err = frame_one(&m, key, pdu_max, cb, arg);
		if (err <= 0)
			return err ? err : 1;
	}
	if (len > GROUP_REKEY_MAX_LEN)
		return -E2BIG;
	sig = (size_t)EVP_PKEY_get_size(key);
	overhead = PKM_HDR_LEN + tlv_hdr_len(2) + 2 +
		   tlv_hdr_len(PKM_GKU_FRAGMENT_LEN) + PKM_GKU_FRAGMENT_LEN +
		   tlv_hdr_len(PKM_MSG_MAX) + tlv_hdr_len(sig) + sig;
	if (pdu_max <= overhead)
		return -EMSGSIZE;
	/* every slice carries the rekey's sequence number */
	if (keytree_msg_parse(payload, len, &kt))
		return -EINVAL;
	slice = pdu_max - overhead;
	if (frag_size && frag_size < slice)
		slice = frag_size;
	count = (len + slice - 1) / slice;
	if (count > GROUP_FRAG_COUNT_MAX)
		return -E2BIG;
	if (count < 2)		/* the whole did not fit, so cannot happen */
		return -EMSGSIZE;
	m.u.gku.has_fragment = true;
	m.u.gku.frag.rekey_id = kt.seq;
	m.u.gku.frag.count = (uint16_t)count;
	m.u.gku.frag.total = (uint32_t)len;
	for (size_t i = 0; i < count; i++) {
		size_t off = i * slice;

		m.u.gku.frag.index = (uint16_t)i;
		m.u.gku.payload = (struct pkm_bytes){
			payload + off, len - off < slice ? len - off : slice };
		err = frame_one(&m, key, pdu_max, cb, arg);
		if (err)
			return err < 0 ? err : -EMSGSIZE;
	}
	return (int)count;
}
