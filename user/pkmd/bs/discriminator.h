/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_DISCRIMINATOR_H
#define PKMD_DISCRIMINATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/*
 * The BS's subscriber discriminator (seed 002): given who asks (an
 * authorized subscriber) and what it asks for (Service Type, group,
 * SAID), decide which SA's keys it gets, or which Error-Code refuses it.
 * A pure function of its inputs; nothing is granted by default.
 */

#define GROUP_BITMAP_BYTES	(CONFIG_MAX_GROUPS / 8)

/* What this BS offers. */
struct disc_policy {
	const char *provider;
	bool has_broadcast;
	uint16_t broadcast_said;
	const struct config_group *groups;	/* sorted by id */
	size_t n_groups;
};

/* The subscriber asking, from the database. */
struct disc_subscriber {
	bool revoked;
	unsigned int services;			/* SERVICE_BIT() */
	const char *provider;
	const uint8_t *groups;			/* membership bitmap */
	uint16_t unicast_said;			/* its own unicast SA */
};

/* The Key Request's decisive fields. */
struct disc_request {
	uint8_t service;
	bool has_group;
	uint8_t group_id;
	uint16_t said;				/* 0: the SS does not know it */
};

struct disc_decision {
	bool grant;
	uint16_t said;				/* grant: the SA to send */
	uint8_t error;				/* refusal: PKM Error-Code */
	char reason[96];			/* for the log and Display-String */
};

void discriminate(const struct disc_policy *policy,
		  const struct disc_subscriber *sub,
		  const struct disc_request *req, struct disc_decision *out);

const struct config_group *policy_group(const struct disc_policy *policy,
					uint8_t id);

static inline bool group_bit(const uint8_t *bitmap, uint8_t id)
{
	return bitmap[id / 8] & (1u << (id % 8));
}

static inline void group_bit_set(uint8_t *bitmap, uint8_t id, bool on)
{
	if (on)
		bitmap[id / 8] |= (uint8_t)(1u << (id % 8));
	else
		bitmap[id / 8] &= (uint8_t)~(1u << (id % 8));
}

#endif
