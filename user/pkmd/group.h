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

/*
 * A multicast rekey message too large for one management PDU travels in
 * fragments (Group-Key-Fragment, Documentation/pkm-protocol.rst), each a
 * signed Group Key Update Command.  Bounds both sides keep: slices of
 * one rekey, bytes of the joined message, and how long the SS waits for
 * the rest of a set after its first fragment.
 */
#define GROUP_FRAG_COUNT_MAX	1024
#define GROUP_REKEY_MAX_LEN	(1024u * 1024u)
#define GROUP_FRAG_TIMEOUT_MS	5000
/* The smallest management PDU the BS will cut fragments for. */
#define GROUP_PDU_MIN		256
/* A PDU of this many bytes fits an Ethernet frame with the 6-byte GMH. */
#define GROUP_PDU_ETHERNET	1494

static inline uint8_t group_tek_eks(uint64_t seq)
{
	return (uint8_t)(seq & 3);
}

#endif
