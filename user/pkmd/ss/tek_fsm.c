// SPDX-License-Identifier: GPL-2.0
/*
 * The SS's TEK state machine (802.16-2004 7.2.1.7.2, table 134): one per
 * SA.  Two departures from the standard, both for the seed's rule that a
 * Key Reject stops the SA: a reject also removes whatever the kernel held
 * for that SA from an earlier run, and it is logged once; the machine
 * then stays in Start (no retransmission, no retry storm) until the next
 * authorization or an operator's `pkmctl rekey`.
 */
#include "fsm.h"
#include "util.h"

#define T(next_state, acts) { true, next_state, acts }

static const struct fsm_transition tek_table[TEK_STATE_COUNT][TEK_EVENT_COUNT] = {
	[TEK_START] = {
		[TEK_EV_STOP] = T(TEK_START, 0),
		[TEK_EV_AUTHORIZED] = T(TEK_OP_WAIT, TEK_ACT_SEND_REQUEST),
	},
	[TEK_OP_WAIT] = {
		[TEK_EV_STOP] = T(TEK_START, TEK_ACT_STOP_RETX | TEK_ACT_REMOVE),
		[TEK_EV_AUTH_PEND] = T(TEK_OP_REAUTH_WAIT, TEK_ACT_STOP_RETX),
		[TEK_EV_TIMEOUT] = T(TEK_OP_WAIT, TEK_ACT_SEND_REQUEST),
		[TEK_EV_KEY_REPLY] = T(TEK_OPERATIONAL,
				       TEK_ACT_STOP_RETX | TEK_ACT_INSTALL),
		[TEK_EV_KEY_REJECT] = T(TEK_START, TEK_ACT_STOP_RETX |
					TEK_ACT_REMOVE | TEK_ACT_LOG_REJECT),
	},
	[TEK_OP_REAUTH_WAIT] = {
		[TEK_EV_STOP] = T(TEK_START, TEK_ACT_REMOVE),
		[TEK_EV_AUTH_COMP] = T(TEK_OP_WAIT, TEK_ACT_SEND_REQUEST),
	},
	[TEK_OPERATIONAL] = {
		[TEK_EV_STOP] = T(TEK_START, TEK_ACT_STOP_REFRESH | TEK_ACT_REMOVE),
		[TEK_EV_AUTH_PEND] = T(TEK_REKEY_REAUTH_WAIT, TEK_ACT_STOP_REFRESH),
		[TEK_EV_TEK_INVALID] = T(TEK_OP_WAIT, TEK_ACT_STOP_REFRESH |
					 TEK_ACT_SEND_REQUEST),
		[TEK_EV_REFRESH_TIMEOUT] = T(TEK_REKEY_WAIT, TEK_ACT_STOP_REFRESH |
					     TEK_ACT_SEND_REQUEST),
	},
	[TEK_REKEY_WAIT] = {
		[TEK_EV_STOP] = T(TEK_START, TEK_ACT_STOP_RETX | TEK_ACT_REMOVE),
		[TEK_EV_AUTH_PEND] = T(TEK_REKEY_REAUTH_WAIT, TEK_ACT_STOP_RETX),
		[TEK_EV_TEK_INVALID] = T(TEK_OP_WAIT, TEK_ACT_SEND_REQUEST),
		[TEK_EV_TIMEOUT] = T(TEK_REKEY_WAIT, TEK_ACT_SEND_REQUEST),
		[TEK_EV_KEY_REPLY] = T(TEK_OPERATIONAL,
				       TEK_ACT_STOP_RETX | TEK_ACT_INSTALL),
		[TEK_EV_KEY_REJECT] = T(TEK_START, TEK_ACT_STOP_RETX |
					TEK_ACT_REMOVE | TEK_ACT_LOG_REJECT),
	},
	[TEK_REKEY_REAUTH_WAIT] = {
		[TEK_EV_STOP] = T(TEK_START, TEK_ACT_REMOVE),
		[TEK_EV_AUTH_COMP] = T(TEK_REKEY_WAIT, TEK_ACT_SEND_REQUEST),
		[TEK_EV_TEK_INVALID] = T(TEK_OP_REAUTH_WAIT, 0),
	},
};

static const char *const tek_state_names[TEK_STATE_COUNT] = {
	[TEK_START] = "start",
	[TEK_OP_WAIT] = "op-wait",
	[TEK_OP_REAUTH_WAIT] = "op-reauth-wait",
	[TEK_OPERATIONAL] = "operational",
	[TEK_REKEY_WAIT] = "rekey-wait",
	[TEK_REKEY_REAUTH_WAIT] = "rekey-reauth-wait",
};

static const char *const tek_event_names[TEK_EVENT_COUNT] = {
	[TEK_EV_STOP] = "stop",
	[TEK_EV_AUTHORIZED] = "authorized",
	[TEK_EV_AUTH_PEND] = "auth-pend",
	[TEK_EV_AUTH_COMP] = "auth-comp",
	[TEK_EV_TEK_INVALID] = "tek-invalid",
	[TEK_EV_TIMEOUT] = "timeout",
	[TEK_EV_REFRESH_TIMEOUT] = "refresh-timeout",
	[TEK_EV_KEY_REPLY] = "key-reply",
	[TEK_EV_KEY_REJECT] = "key-reject",
};

const struct fsm_transition *tek_fsm_step(enum tek_state state,
					  enum tek_event event)
{
	const struct fsm_transition *t;

	if (state >= TEK_STATE_COUNT || event >= TEK_EVENT_COUNT)
		return NULL;
	t = &tek_table[state][event];
	return t->defined ? t : NULL;
}

const char *tek_state_name(enum tek_state state)
{
	return state < TEK_STATE_COUNT ? tek_state_names[state] : "?";
}

const char *tek_event_name(enum tek_event event)
{
	return event < TEK_EVENT_COUNT ? tek_event_names[event] : "?";
}
