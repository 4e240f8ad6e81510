/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_FSM_H
#define PKMD_FSM_H

#include <stdbool.h>

/*
 * The SS's two state machines as explicit state x event tables
 * (802.16-2004 7.2.1.6.2 and 7.2.1.7.2).  A table row says the next state
 * and which actions to run; the SS code (ss_auth.c, ss_keys.c) runs them.  An
 * event with no row in a state is ignored there (and logged at debug).
 */

/* TEK state machine, one per SA the SS asks keys for. */
enum tek_state {
	TEK_START,
	TEK_OP_WAIT,
	TEK_OP_REAUTH_WAIT,
	TEK_OPERATIONAL,
	TEK_REKEY_WAIT,
	TEK_REKEY_REAUTH_WAIT,
	TEK_STATE_COUNT
};

enum tek_event {
	TEK_EV_STOP,		/* authorization lost */
	TEK_EV_AUTHORIZED,	/* first authorization done */
	TEK_EV_AUTH_PEND,	/* reauthorizing: do not send */
	TEK_EV_AUTH_COMP,	/* reauthorization done */
	TEK_EV_TEK_INVALID,	/* TEK Invalid, or the BS uses an EKS we lack */
	TEK_EV_TIMEOUT,		/* retransmission timer */
	TEK_EV_REFRESH_TIMEOUT,	/* TEK Grace Time before the newer TEK expires */
	TEK_EV_KEY_REPLY,
	TEK_EV_KEY_REJECT,
	TEK_EVENT_COUNT
};

enum tek_action {
	TEK_ACT_SEND_REQUEST = 1u << 0,	/* Key Request; retransmission timer */
	TEK_ACT_STOP_RETX = 1u << 1,
	TEK_ACT_INSTALL = 1u << 2,	/* reply's TEKs to the kernel; refresh timer */
	TEK_ACT_STOP_REFRESH = 1u << 3,
	TEK_ACT_REMOVE = 1u << 4,	/* the SA leaves the kernel */
	TEK_ACT_LOG_REJECT = 1u << 5,	/* once: the SA stays stopped */
};

struct fsm_transition {
	bool defined;
	int next;
	unsigned int actions;
};

const struct fsm_transition *tek_fsm_step(enum tek_state state,
					  enum tek_event event);
const char *tek_state_name(enum tek_state state);
const char *tek_event_name(enum tek_event event);

/* Authorization state machine, one per SS. */
enum auth_state {
	AUTH_START,
	AUTH_WAIT,
	AUTH_AUTHORIZED,
	AUTH_REAUTH_WAIT,
	AUTH_REJECT_WAIT,
	AUTH_SILENT,
	AUTH_STATE_COUNT
};

enum auth_event {
	AUTH_EV_COMM_ESTABLISHED,	/* network entry done */
	AUTH_EV_REPLY,
	AUTH_EV_REJECT,
	AUTH_EV_PERM_REJECT,		/* Auth Reject, permanent failure (6) */
	AUTH_EV_TIMEOUT,		/* authorize/reauthorize/reject wait */
	AUTH_EV_GRACE_TIMEOUT,		/* Authorization Grace Time before AK expiry */
	AUTH_EV_INVALID,		/* Auth Invalid */
	AUTH_EVENT_COUNT
};

enum auth_action {
	AUTH_ACT_SEND_REQUEST = 1u << 0,	/* new nonce; wait timer */
	AUTH_ACT_RESEND = 1u << 1,		/* same request again */
	AUTH_ACT_TAKE_AK = 1u << 2,		/* new AK; grace timer */
	AUTH_ACT_REJECT_WAIT = 1u << 3,		/* reject wait timer */
	AUTH_ACT_STOP_TIMERS = 1u << 4,
	AUTH_ACT_TEK_AUTHORIZED = 1u << 5,	/* events to every TEK FSM */
	AUTH_ACT_TEK_AUTH_PEND = 1u << 6,
	AUTH_ACT_TEK_AUTH_COMP = 1u << 7,
	AUTH_ACT_TEK_STOP = 1u << 8,
};

const struct fsm_transition *auth_fsm_step(enum auth_state state,
					   enum auth_event event);
const char *auth_state_name(enum auth_state state);
const char *auth_event_name(enum auth_event event);

#endif
