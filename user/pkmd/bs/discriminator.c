// SPDX-License-Identifier: GPL-2.0
/*
 * Subscriber discriminator.  The order of the checks decides which code a
 * request that is wrong in several ways gets; it is the order of
 * Documentation/control-plane.rst's table, and the unit tests pin it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discriminator.h"

/* Error-Codes (802.16-2004 11.9.10, seed 002 for 7 and 8). */
enum {
	EC_UNAUTHORIZED_SS = 1,
	EC_UNAUTHORIZED_SAID = 2,
	EC_UNSUBSCRIBED = 3,
	EC_UNSUPPORTED_SERVICE = 7,
	EC_UNAUTHORIZED_GROUP = 8,
};

static int cmp_group_id(const void *key, const void *elem)
{
	const uint8_t *id = key;
	const struct config_group *g = elem;

	return (int)*id - (int)g->id;
}

const struct config_group *policy_group(const struct disc_policy *policy,
					uint8_t id)
{
	if (!policy->n_groups)
		return NULL;
	return bsearch(&id, policy->groups, policy->n_groups,
		       sizeof(policy->groups[0]), cmp_group_id);
}

static void refuse(struct disc_decision *out, uint8_t error, const char *fmt,
		   unsigned int arg)
{
	out->grant = false;
	out->error = error;
	snprintf(out->reason, sizeof(out->reason), fmt, arg);
}

/* The SS may name the SA or leave it to us (0); naming another is wrong. */
static bool said_fits(const struct disc_request *req, uint16_t said)
{
	return req->said == 0 || req->said == said;
}

static void grant(struct disc_decision *out, uint16_t said)
{
	out->grant = true;
	out->said = said;
	out->error = 0;
	out->reason[0] = '\0';
}

void discriminate(const struct disc_policy *policy,
		  const struct disc_subscriber *sub,
		  const struct disc_request *req, struct disc_decision *out)
{
	const struct config_group *group;

	memset(out, 0, sizeof(*out));
	if (sub->revoked) {
		refuse(out, EC_UNAUTHORIZED_SS, "subscriber revoked", 0);
		return;
	}

	switch (req->service) {
	case 0:	/* unicast */
		if (!(sub->services & SERVICE_BIT(0)))
			refuse(out, EC_UNSUBSCRIBED, "not subscribed to unicast", 0);
		else if (!said_fits(req, sub->unicast_said))
			refuse(out, EC_UNAUTHORIZED_SAID, "SAID 0x%04x is not this SS's unicast SA",
			       req->said);
		else
			grant(out, sub->unicast_said);
		return;

	case 1:	/* multicast */
		group = req->has_group ? policy_group(policy, req->group_id) : NULL;
		if (!group)
			refuse(out, EC_UNAUTHORIZED_GROUP, "unauthorized multicast group %u (no such group)",
			       req->group_id);
		else if (!(sub->services & SERVICE_BIT(1)))
			refuse(out, EC_UNAUTHORIZED_GROUP, "unauthorized multicast group %u (not subscribed to multicast)",
			       req->group_id);
		else if (!group_bit(sub->groups, req->group_id))
			refuse(out, EC_UNAUTHORIZED_GROUP, "unauthorized multicast group %u",
			       req->group_id);
		else if (!said_fits(req, group->cid))
			refuse(out, EC_UNAUTHORIZED_SAID, "SAID 0x%04x is not the group's SA",
			       req->said);
		else
			grant(out, group->cid);
		return;

	case 2:	/* broadcast */
		if (!policy->has_broadcast)
			refuse(out, EC_UNSUPPORTED_SERVICE, "unsupported service type %u (no broadcast service here)",
			       req->service);
		else if (strcmp(sub->provider, policy->provider) != 0)
			refuse(out, EC_UNSUBSCRIBED, "unsubscribed (broadcast is for this BS's provider only)",
			       0);
		else if (!(sub->services & SERVICE_BIT(2)))
			refuse(out, EC_UNSUBSCRIBED, "not subscribed to broadcast", 0);
		else if (!said_fits(req, policy->broadcast_said))
			refuse(out, EC_UNAUTHORIZED_SAID, "SAID 0x%04x is not the broadcast SA",
			       req->said);
		else
			grant(out, policy->broadcast_said);
		return;

	default:
		refuse(out, EC_UNSUPPORTED_SERVICE, "unsupported service type %u",
		       req->service);
		return;
	}
}
