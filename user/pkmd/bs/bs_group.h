/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_BS_GROUP_H
#define PKMD_BS_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bs.h"
#include "json.h"
#include "keytree.h"

/* The key trees of the BS's multicast groups (bs_group.c). */

int bs_groups_start(struct bs *bs);
void bs_groups_stop(struct bs *bs);
bool bs_group_has_tree(const struct bs *bs, uint8_t group);
const char *bs_group_scheme_name(uint8_t tree);

/*
 * A granted Key Request for a multicast SA: false if the group has no
 * tree (answer as usual), else the tree has taken it (join, or resync
 * and Key Reply).
 */
bool bs_group_key_request(struct bs *bs, struct station *st, struct bs_ak *ak,
			  const struct pkm_msg *req, struct bs_sa *sa);
/* The member leaves the group's tree (revoked, removed, gone). */
void bs_group_leave(struct bs *bs, uint8_t group, const char *cn,
		    const char *reason);
/* The kernel says the group's TEK expired: new group key now. */
void bs_group_tek_expired(struct bs *bs, struct bs_sa *sa);
/*
 * In a zone (zones.rst): this BS took the group's lease and writes its
 * tree from now on; the tree another BS committed is applied here; the
 * joins other BSs recorded are staged (writer); members whose station
 * holds no current AK anywhere in the zone leave (writer).
 */
void bs_group_zone_acquired(struct bs *bs, uint8_t group);
void bs_group_zone_sync(struct bs *bs, uint8_t group);
void bs_group_zone_joins(struct bs *bs, uint8_t group);
void bs_group_zone_check_members(struct bs *bs);
/* "tree": {...} or null, for pkmctl group list. */
void bs_group_json(struct bs *bs, uint8_t group, struct json_out *o);

/* Saved forms, exposed for the unit tests. */
struct bs_group_member_rec {
	uint32_t leaf;
	uint8_t ikey[KEYTREE_KEY_LEN];
	char cn[STORE_CN_MAX + 1];
};

int bs_group_members_encode(const struct bs_group_member_rec *recs, size_t n,
			    uint8_t **out, size_t *len);
int bs_group_members_decode(const uint8_t *buf, size_t len,
			    struct bs_group_member_rec **out, size_t *n);
int bs_group_rekey_encode(struct keytree_server *tree,
			  const struct keytree_plan *plan, uint8_t **out,
			  size_t *len);
int bs_group_rekey_each(const uint8_t *buf, size_t len,
			int (*cb)(void *arg, bool multicast, uint32_t leaf,
				  const uint8_t *msg, size_t msg_len),
			void *arg);

/*
 * The multicast payload of a rekey as Group Key Update Commands signed
 * with key: one message, as before fragments existed, when it fits
 * pdu_max bytes and the payload is at most frag_size bytes (0: no
 * limit); otherwise fragments of at most frag_size payload bytes (or as
 * many as pdu_max leaves room for), each a complete message of at most
 * pdu_max bytes.  cb gets every message in index order and may stop the
 * run with an error (which is returned).  Returns the number of
 * messages; -E2BIG if the payload needs more fragments or bytes than
 * group.h allows; -EMSGSIZE if pdu_max leaves no room for a slice;
 * another negative errno on other failures.
 */
int bs_group_multicast_frame(uint16_t said, EVP_PKEY *key,
			     const uint8_t *payload, size_t len,
			     size_t pdu_max, size_t frag_size,
			     int (*cb)(void *arg, const uint8_t *msg,
				       size_t len),
			     void *arg);

#endif
