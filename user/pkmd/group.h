/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_GROUP_H
#define PKMD_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "keytree.h"
#include "pkm.h"

/*
 * Multicast groups with a key tree (Documentation/control-plane.rst,
 * "Group key trees"): what the BS (bs_group.c) and the SS (ss_group.c)
 * must compute alike.
 *
 * The keytree group id of group G is G.  A member's individual key is
 * HMAC-SHA256(KEK, "wman group member key" || G), cut to 16 bytes, for the
 * KEK of the AK its Key Request was verified under.  The TEK of rekey
 * number s is HMAC-SHA256(group key of s, "wman group TEK" || G || s),
 * cut to 16 bytes, and carries EKS s mod 4.
 */

int group_member_key(const uint8_t kek[PKM_KEY_LEN], uint8_t group,
		     uint8_t key[KEYTREE_KEY_LEN]);
int group_tek(const uint8_t group_key[KEYTREE_KEY_LEN], uint8_t group,
	      uint64_t seq, uint8_t tek[PKM_KEY_LEN]);

static inline uint8_t group_tek_eks(uint64_t seq)
{
	return (uint8_t)(seq & 3);
}

#endif
