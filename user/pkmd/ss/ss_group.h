/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_SS_GROUP_H
#define PKMD_SS_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keytree.h"
#include "pkm.h"

/*
 * SS: one multicast group's key tree member (ss_group_member.c, no
 * kernel, unit-tested) and its glue to the daemon (ss_group.c).
 */
/*
 * A multicast rekey arriving in fragments: at most one set at a time,
 * the newest rekey's (ss_group_fragment()).
 */
struct ss_group_frags {
	bool active;
	uint64_t rekey_id;
	uint16_t count, have;
	uint32_t total, bytes;
	int64_t started_ms;
	uint8_t **slice;		/* count entries, NULL until received */
	uint32_t *slice_len;
	/* the last set completed, so that stray copies start no new one */
	bool done;
	uint64_t done_id;
};

struct ss_group_state {
	uint8_t group;
	struct keytree_member *member;	/* NULL until a welcome */
	/* a message of a rekey whose other half has not arrived */
	uint8_t *pending;
	size_t pending_len;
	uint64_t rekeys;		/* applied, welcomes included */
	uint64_t refused;		/* messages refused */
	int last_error;			/* keytree_error of the last refusal */
	struct ss_group_frags frags;
	uint64_t frag_sets;		/* fragmented rekeys joined */
	uint64_t frag_sets_dropped;	/* given up: timeout or newer rekey */
};

/*
 * Applies one authenticated Group Key Update payload.  0: the group key
 * moved to rekey *seq, whose TEK is in tek (EKS group_tek_eks(*seq));
 * -EAGAIN: kept until the rest of its rekey arrives; -EPERM: refused
 * (st->last_error says why).  ikey is the member's individual key, used
 * by a welcome.
 */
int ss_group_apply(struct ss_group_state *st, const uint8_t ikey[KEYTREE_KEY_LEN],
		   const uint8_t *payload, size_t len, uint64_t *seq,
		   uint8_t tek[PKM_KEY_LEN]);
/*
 * One verified fragment (its Group-Key-Fragment f and its slice).
 * Returns 1 when it completes its set: *out, malloc'd, holds the joined
 * payload (*out_len bytes) for ss_group_apply(), and the set is gone;
 * 0 when it is kept; -EALREADY for a copy of a fragment already held or
 * of the last set completed; -ESTALE for a fragment of a rekey older
 * than the set being gathered; -EINVAL when it breaks the bounds of
 * group.h or contradicts its set (count, total, length); -ENOMEM.  A
 * fragment of a newer rekey replaces a set in progress; *dropped_id then
 * names the set given up and the function returns as for the new one
 * with *dropped set (else false).
 */
int ss_group_fragment(struct ss_group_state *st,
		      const struct pkm_group_fragment *f,
		      const uint8_t *slice, size_t len, int64_t now_ms,
		      uint8_t **out, size_t *out_len, bool *dropped,
		      uint64_t *dropped_id);
/*
 * Gives up a set whose first fragment came GROUP_FRAG_TIMEOUT_MS or more
 * before now_ms: true then, with its rekey in *id and how many of how
 * many fragments had arrived.
 */
bool ss_group_fragments_expire(struct ss_group_state *st, int64_t now_ms,
			       uint64_t *id, unsigned int *have,
			       unsigned int *count);
/* Milliseconds until the set in progress times out; -1 if none. */
int64_t ss_group_fragments_due_ms(const struct ss_group_state *st,
				  int64_t now_ms);
/* The group id a payload names, before anything is applied. */
int ss_group_payload_group(const uint8_t *payload, size_t len, uint8_t *group);
void ss_group_state_clear(struct ss_group_state *st);

struct ss;
struct ss_sa;
struct pkm_msg;

/* ss_group.c */
void ss_group_rx_unicast(struct ss *ss, struct pkm_msg *m);
/*
 * A PDU of the broadcast management connection: a signed Group Key
 * Update for one of our group SAs is applied, anything else ignored.
 */
void ss_group_rx_broadcast(struct ss *ss, const uint8_t src[6],
			   const uint8_t *payload, size_t len);
/*
 * After a Key Reply for a group SA: a tree group's SA holds the broadcast
 * management connection, which exists from then on.
 */
void ss_group_sa_ready(struct ss *ss, uint16_t said);
/* The SA left the kernel: the connection goes with the last holder. */
void ss_group_sa_gone(struct ss *ss, struct ss_sa *sa);
void ss_group_stop(struct ss *ss);
struct json_out;
/* "tree": {...} of a group SA for pkmctl sa list (nothing without one). */
void ss_group_json(const struct ss *ss, const struct ss_sa *sa,
		   struct json_out *o);

#endif
