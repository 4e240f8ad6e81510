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
struct ss_group_state {
	uint8_t group;
	struct keytree_member *member;	/* NULL until a welcome */
	/* a message of a rekey whose other half has not arrived */
	uint8_t *pending;
	size_t pending_len;
	uint64_t rekeys;		/* applied, welcomes included */
	uint64_t refused;		/* messages refused */
	int last_error;			/* keytree_error of the last refusal */
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
/* The group id a payload names, before anything is applied. */
int ss_group_payload_group(const uint8_t *payload, size_t len, uint8_t *group);
void ss_group_state_clear(struct ss_group_state *st);

struct ss;
struct pkm_msg;

/* ss_group.c */
void ss_group_rx_unicast(struct ss *ss, struct pkm_msg *m);
/* true if cid is one of our groups' rekey connections (then handled) */
bool ss_group_rx_multicast(struct ss *ss, uint16_t cid,
			   const uint8_t src[6], const uint8_t *payload,
			   size_t len);
/* After a Key Reply for a group SA: its rekey connection exists. */
void ss_group_sa_ready(struct ss *ss, uint16_t said);
void ss_group_stop(struct ss *ss);
struct json_out;
struct ss_sa;
/* "tree": {...} of a group SA for pkmctl sa list (nothing without one). */
void ss_group_json(const struct ss *ss, const struct ss_sa *sa,
		   struct json_out *o);

#endif
