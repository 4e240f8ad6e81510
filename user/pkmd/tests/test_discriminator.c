// SPDX-License-Identifier: GPL-2.0
/*
 * The subscriber discriminator's decisions: who gets which SA, and which
 * Error-Code refuses the rest (seed 002: 7 unsupported service type,
 * 8 unauthorized multicast service group ID; 802.16: 1, 2, 3).
 */
#include <string.h>

#include "bs/discriminator.h"
#include "tap.h"

static struct config_group groups[] = {
	{ .id = 5, .cid = 0xfe05, .suite = 0x80 },
	{ .id = 6, .cid = 0xfe06, .suite = 2 },
};

static const struct disc_policy policy = {
	.provider = "net-a",
	.has_broadcast = true,
	.broadcast_said = 0xfe00,
	.groups = groups,
	.n_groups = 2,
};

static const struct disc_policy no_broadcast = {
	.provider = "net-a",
	.groups = groups,
	.n_groups = 2,
};

static uint8_t member_of_5[GROUP_BITMAP_BYTES] = { [0] = 1 << 5 };
static uint8_t no_groups[GROUP_BITMAP_BYTES];

#define ALL	(SERVICE_BIT(0) | SERVICE_BIT(1) | SERVICE_BIT(2))

static const struct disc_subscriber ss1 = {
	.services = ALL, .provider = "net-a", .groups = member_of_5,
	.unicast_said = 0x2001,
};
static const struct disc_subscriber other_provider = {
	.services = ALL, .provider = "net-b", .groups = member_of_5,
	.unicast_said = 0x2002,
};
static const struct disc_subscriber unicast_only = {
	.services = SERVICE_BIT(0), .provider = "net-a", .groups = member_of_5,
	.unicast_said = 0x2003,
};
static const struct disc_subscriber no_unicast = {
	.services = SERVICE_BIT(2), .provider = "net-a", .groups = no_groups,
	.unicast_said = 0x2004,
};
static const struct disc_subscriber revoked = {
	.revoked = true, .services = ALL, .provider = "net-a",
	.groups = member_of_5, .unicast_said = 0x2005,
};

static const struct {
	const char *what;
	const struct disc_policy *policy;
	const struct disc_subscriber *sub;
	struct disc_request req;
	bool grant;
	uint16_t said;
	uint8_t error;
	const char *reason;
} cases[] = {
	{ "unicast, SAID unknown to the SS", &policy, &ss1, { 0, false, 0, 0 }, true, 0x2001, 0, NULL },
	{ "unicast, its own SAID", &policy, &ss1, { 0, false, 0, 0x2001 }, true, 0x2001, 0, NULL },
	{ "unicast, another SS's SAID", &policy, &ss1, { 0, false, 0, 0x2002 }, false, 0, 2, "not this SS's unicast SA" },
	{ "unicast not subscribed", &policy, &no_unicast, { 0, false, 0, 0 }, false, 0, 3, "not subscribed to unicast" },
	{ "multicast member", &policy, &ss1, { 1, true, 5, 0xfe05 }, true, 0xfe05, 0, NULL },
	{ "multicast member, SAID unknown", &policy, &ss1, { 1, true, 5, 0 }, true, 0xfe05, 0, NULL },
	{ "multicast, not a member", &policy, &ss1, { 1, true, 6, 0xfe06 }, false, 0, 8, "unauthorized multicast group 6" },
	{ "multicast, no such group", &policy, &ss1, { 1, true, 9, 0 }, false, 0, 8, "unauthorized multicast group 9 (no such group)" },
	{ "multicast, member without the service", &policy, &unicast_only, { 1, true, 5, 0 }, false, 0, 8, "not subscribed to multicast" },
	{ "multicast, SAID of another group", &policy, &ss1, { 1, true, 5, 0xfe06 }, false, 0, 2, "not the group's SA" },
	{ "broadcast, same provider", &policy, &ss1, { 2, false, 0, 0xfe00 }, true, 0xfe00, 0, NULL },
	{ "broadcast, another provider", &policy, &other_provider, { 2, false, 0, 0 }, false, 0, 3, "for this BS's provider only" },
	{ "broadcast not subscribed", &policy, &unicast_only, { 2, false, 0, 0 }, false, 0, 3, "not subscribed to broadcast" },
	{ "broadcast not offered here", &no_broadcast, &ss1, { 2, false, 0, 0 }, false, 0, 7, "unsupported service type 2" },
	{ "broadcast, wrong SAID", &policy, &ss1, { 2, false, 0, 0x1234 }, false, 0, 2, "not the broadcast SA" },
	{ "service type 3", &policy, &ss1, { 3, false, 0, 0 }, false, 0, 7, "unsupported service type 3" },
	{ "service type 255", &policy, &ss1, { 255, false, 0, 0 }, false, 0, 7, "unsupported service type 255" },
	{ "revoked, unicast", &policy, &revoked, { 0, false, 0, 0 }, false, 0, 1, "subscriber revoked" },
	{ "revoked, multicast member", &policy, &revoked, { 1, true, 5, 0 }, false, 0, 1, "subscriber revoked" },
	{ "revoked, unsupported service", &policy, &revoked, { 7, false, 0, 0 }, false, 0, 1, "subscriber revoked" },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct disc_decision d;

		discriminate(cases[i].policy, cases[i].sub, &cases[i].req, &d);
		if (cases[i].grant) {
			ok(d.grant && d.said == cases[i].said,
			   "%s: granted SAID 0x%04x", cases[i].what, cases[i].said);
		} else if (!ok(!d.grant && d.error == cases[i].error &&
			       strstr(d.reason, cases[i].reason),
			       "%s: Key Reject %u (%s)", cases[i].what,
			       cases[i].error, cases[i].reason)) {
			printf("#   got grant=%d error=%u reason '%s'\n", d.grant,
			       d.error, d.reason);
		}
	}
	ok(policy_group(&policy, 6)->cid == 0xfe06 && !policy_group(&policy, 7),
	   "groups are found by ID");
	return tap_finish();
}
