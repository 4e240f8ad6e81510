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

#endif
