// SPDX-License-Identifier: GPL-2.0
/*
 * The SS's authorization state machine (802.16-2004 7.2.1.6.2, table
 * 133), without the Auth Info message's separate step and with the AK
 * taken only from a verified, signed Auth Reply that echoes our nonce.
 */
#include "fsm.h"
#include "util.h"

#define T(next_state, acts) { true, next_state, acts }

static const struct fsm_transition auth_table[AUTH_STATE_COUNT][AUTH_EVENT_COUNT] = {
	[AUTH_START] = {
		[AUTH_EV_COMM_ESTABLISHED] = T(AUTH_WAIT, AUTH_ACT_SEND_REQUEST),
	},
	[AUTH_WAIT] = {
		[AUTH_EV_REPLY] = T(AUTH_AUTHORIZED, AUTH_ACT_STOP_TIMERS |
				    AUTH_ACT_TAKE_AK | AUTH_ACT_TEK_AUTHORIZED),
		[AUTH_EV_TIMEOUT] = T(AUTH_WAIT, AUTH_ACT_RESEND),
		[AUTH_EV_REJECT] = T(AUTH_REJECT_WAIT, AUTH_ACT_STOP_TIMERS |
				     AUTH_ACT_REJECT_WAIT),
		[AUTH_EV_PERM_REJECT] = T(AUTH_SILENT, AUTH_ACT_STOP_TIMERS),
	},
	[AUTH_AUTHORIZED] = {
		[AUTH_EV_GRACE_TIMEOUT] = T(AUTH_REAUTH_WAIT, AUTH_ACT_SEND_REQUEST),
		[AUTH_EV_INVALID] = T(AUTH_REAUTH_WAIT, AUTH_ACT_SEND_REQUEST |
				      AUTH_ACT_TEK_AUTH_PEND),
	},
	[AUTH_REAUTH_WAIT] = {
		[AUTH_EV_REPLY] = T(AUTH_AUTHORIZED, AUTH_ACT_STOP_TIMERS |
				    AUTH_ACT_TAKE_AK | AUTH_ACT_TEK_AUTH_COMP),
		[AUTH_EV_TIMEOUT] = T(AUTH_REAUTH_WAIT, AUTH_ACT_RESEND),
		[AUTH_EV_REJECT] = T(AUTH_REJECT_WAIT, AUTH_ACT_STOP_TIMERS |
				     AUTH_ACT_REJECT_WAIT | AUTH_ACT_TEK_STOP),
		[AUTH_EV_PERM_REJECT] = T(AUTH_SILENT, AUTH_ACT_STOP_TIMERS |
					  AUTH_ACT_TEK_STOP),
	},
	[AUTH_REJECT_WAIT] = {
		[AUTH_EV_TIMEOUT] = T(AUTH_WAIT, AUTH_ACT_SEND_REQUEST),
	},
	[AUTH_SILENT] = {
		/* Only a restart of the daemon leaves it. */
	},
};

static const char *const auth_state_names[AUTH_STATE_COUNT] = {
	[AUTH_START] = "start",
	[AUTH_WAIT] = "auth-wait",
	[AUTH_AUTHORIZED] = "authorized",
	[AUTH_REAUTH_WAIT] = "reauth-wait",
	[AUTH_REJECT_WAIT] = "auth-reject-wait",
	[AUTH_SILENT] = "silent",
};

static const char *const auth_event_names[AUTH_EVENT_COUNT] = {
	[AUTH_EV_COMM_ESTABLISHED] = "communication-established",
	[AUTH_EV_REPLY] = "auth-reply",
	[AUTH_EV_REJECT] = "auth-reject",
	[AUTH_EV_PERM_REJECT] = "perm-auth-reject",
	[AUTH_EV_TIMEOUT] = "timeout",
	[AUTH_EV_GRACE_TIMEOUT] = "auth-grace-timeout",
	[AUTH_EV_INVALID] = "auth-invalid",
};

const struct fsm_transition *auth_fsm_step(enum auth_state state,
					   enum auth_event event)
{
	const struct fsm_transition *t;

	if (state >= AUTH_STATE_COUNT || event >= AUTH_EVENT_COUNT)
		return NULL;
	t = &auth_table[state][event];
	return t->defined ? t : NULL;
}

const char *auth_state_name(enum auth_state state)
{
	return state < AUTH_STATE_COUNT ? auth_state_names[state] : "?";
}

const char *auth_event_name(enum auth_event event)
{
	return event < AUTH_EVENT_COUNT ? auth_event_names[event] : "?";
}
