// SPDX-License-Identifier: GPL-2.0
/*
 * The SS's state machines, table-driven: every (state, event) pair is
 * checked against the expected transition or its absence, then a few
 * properties the design depends on are checked over the whole table.
 */
#include "ss/fsm.h"
#include "tap.h"

struct row {
	int state, event, next;
	unsigned int actions;
};

#define SEND	TEK_ACT_SEND_REQUEST
#define STOPRX	TEK_ACT_STOP_RETX
#define INST	TEK_ACT_INSTALL
#define STOPRF	TEK_ACT_STOP_REFRESH
#define RM	TEK_ACT_REMOVE
#define LOGREJ	TEK_ACT_LOG_REJECT

/* 802.16-2004 table 134, with Key Reject removing and logging. */
static const struct row tek_rows[] = {
	{ TEK_START, TEK_EV_STOP, TEK_START, 0 },
	{ TEK_START, TEK_EV_AUTHORIZED, TEK_OP_WAIT, SEND },
	{ TEK_OP_WAIT, TEK_EV_STOP, TEK_START, STOPRX | RM },
	{ TEK_OP_WAIT, TEK_EV_AUTH_PEND, TEK_OP_REAUTH_WAIT, STOPRX },
	{ TEK_OP_WAIT, TEK_EV_TIMEOUT, TEK_OP_WAIT, SEND },
	{ TEK_OP_WAIT, TEK_EV_KEY_REPLY, TEK_OPERATIONAL, STOPRX | INST },
	{ TEK_OP_WAIT, TEK_EV_KEY_REJECT, TEK_START, STOPRX | RM | LOGREJ },
	{ TEK_OP_REAUTH_WAIT, TEK_EV_STOP, TEK_START, RM },
	{ TEK_OP_REAUTH_WAIT, TEK_EV_AUTH_COMP, TEK_OP_WAIT, SEND },
	{ TEK_OPERATIONAL, TEK_EV_STOP, TEK_START, STOPRF | RM },
	{ TEK_OPERATIONAL, TEK_EV_AUTH_PEND, TEK_REKEY_REAUTH_WAIT, STOPRF },
	{ TEK_OPERATIONAL, TEK_EV_TEK_INVALID, TEK_OP_WAIT, STOPRF | SEND },
	{ TEK_OPERATIONAL, TEK_EV_REFRESH_TIMEOUT, TEK_REKEY_WAIT, STOPRF | SEND },
	{ TEK_REKEY_WAIT, TEK_EV_STOP, TEK_START, STOPRX | RM },
	{ TEK_REKEY_WAIT, TEK_EV_AUTH_PEND, TEK_REKEY_REAUTH_WAIT, STOPRX },
	{ TEK_REKEY_WAIT, TEK_EV_TEK_INVALID, TEK_OP_WAIT, SEND },
	{ TEK_REKEY_WAIT, TEK_EV_TIMEOUT, TEK_REKEY_WAIT, SEND },
	{ TEK_REKEY_WAIT, TEK_EV_KEY_REPLY, TEK_OPERATIONAL, STOPRX | INST },
	{ TEK_REKEY_WAIT, TEK_EV_KEY_REJECT, TEK_START, STOPRX | RM | LOGREJ },
	{ TEK_REKEY_REAUTH_WAIT, TEK_EV_STOP, TEK_START, RM },
	{ TEK_REKEY_REAUTH_WAIT, TEK_EV_AUTH_COMP, TEK_REKEY_WAIT, SEND },
	{ TEK_REKEY_REAUTH_WAIT, TEK_EV_TEK_INVALID, TEK_OP_REAUTH_WAIT, 0 },
};

static const struct row auth_rows[] = {
	{ AUTH_START, AUTH_EV_COMM_ESTABLISHED, AUTH_WAIT, AUTH_ACT_SEND_REQUEST },
	{ AUTH_WAIT, AUTH_EV_REPLY, AUTH_AUTHORIZED,
	  AUTH_ACT_STOP_TIMERS | AUTH_ACT_TAKE_AK | AUTH_ACT_TEK_AUTHORIZED },
	{ AUTH_WAIT, AUTH_EV_TIMEOUT, AUTH_WAIT, AUTH_ACT_RESEND },
	{ AUTH_WAIT, AUTH_EV_REJECT, AUTH_REJECT_WAIT,
	  AUTH_ACT_STOP_TIMERS | AUTH_ACT_REJECT_WAIT },
	{ AUTH_WAIT, AUTH_EV_PERM_REJECT, AUTH_SILENT, AUTH_ACT_STOP_TIMERS },
	{ AUTH_AUTHORIZED, AUTH_EV_GRACE_TIMEOUT, AUTH_REAUTH_WAIT,
	  AUTH_ACT_SEND_REQUEST },
	{ AUTH_AUTHORIZED, AUTH_EV_INVALID, AUTH_REAUTH_WAIT,
	  AUTH_ACT_SEND_REQUEST | AUTH_ACT_TEK_AUTH_PEND },
	{ AUTH_REAUTH_WAIT, AUTH_EV_REPLY, AUTH_AUTHORIZED,
	  AUTH_ACT_STOP_TIMERS | AUTH_ACT_TAKE_AK | AUTH_ACT_TEK_AUTH_COMP },
	{ AUTH_REAUTH_WAIT, AUTH_EV_TIMEOUT, AUTH_REAUTH_WAIT, AUTH_ACT_RESEND },
	{ AUTH_REAUTH_WAIT, AUTH_EV_REJECT, AUTH_REJECT_WAIT,
	  AUTH_ACT_STOP_TIMERS | AUTH_ACT_REJECT_WAIT | AUTH_ACT_TEK_STOP },
	{ AUTH_REAUTH_WAIT, AUTH_EV_PERM_REJECT, AUTH_SILENT,
	  AUTH_ACT_STOP_TIMERS | AUTH_ACT_TEK_STOP },
	{ AUTH_REJECT_WAIT, AUTH_EV_TIMEOUT, AUTH_WAIT, AUTH_ACT_SEND_REQUEST },
};

typedef const struct fsm_transition *(*step_fn)(int state, int event);

static const struct fsm_transition *tek_step(int s, int e)
{
	return tek_fsm_step((enum tek_state)s, (enum tek_event)e);
}

static const struct fsm_transition *auth_step(int s, int e)
{
	return auth_fsm_step((enum auth_state)s, (enum auth_event)e);
}

static const struct row *find_row(const struct row *rows, size_t n, int s, int e)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].state == s && rows[i].event == e)
			return &rows[i];
	return NULL;
}

static void check_table(const char *name, step_fn step, const struct row *rows,
			size_t n_rows, int n_states, int n_events,
			const char *(*state_name)(int), const char *(*event_name)(int))
{
	int defined = 0, mismatches = 0;

	for (int s = 0; s < n_states; s++) {
		for (int e = 0; e < n_events; e++) {
			const struct row *want = find_row(rows, n_rows, s, e);
			const struct fsm_transition *got = step(s, e);

			defined += got != NULL;
			if (!want && !got)
				continue;
			if (!want || !got || got->next != want->next ||
			    got->actions != want->actions) {
				mismatches++;
				printf("#   %s: %s x %s differs\n", name,
				       state_name(s), event_name(e));
			}
		}
	}
	is_int(mismatches, 0, "%s: all %d x %d pairs as specified", name,
	       n_states, n_events);
	is_int(defined, (int)n_rows, "%s: %zu transitions, the rest ignored",
	       name, n_rows);
	ok(step(n_states, 0) == NULL && step(0, n_events) == NULL,
	   "%s: out-of-range state or event has no transition", name);
}

static const char *tek_state(int s) { return tek_state_name((enum tek_state)s); }
static const char *tek_event(int e) { return tek_event_name((enum tek_event)e); }
static const char *auth_state(int s) { return auth_state_name((enum auth_state)s); }
static const char *auth_event(int e) { return auth_event_name((enum auth_event)e); }

static void tek_properties(void)
{
	bool ok_reject = true, ok_waits = true, ok_reply = true;

	for (int s = 0; s < TEK_STATE_COUNT; s++) {
		for (int e = 0; e < TEK_EVENT_COUNT; e++) {
			const struct fsm_transition *t = tek_step(s, e);

			if (!t)
				continue;
			/* A Key Reject stops the SA: no request, no timer. */
			if (e == TEK_EV_KEY_REJECT &&
			    (t->next != TEK_START || (t->actions & SEND) ||
			     !(t->actions & LOGREJ) || !(t->actions & STOPRX)))
				ok_reject = false;
			/* Entering a wait state from elsewhere sends a request. */
			if ((t->next == TEK_OP_WAIT || t->next == TEK_REKEY_WAIT) &&
			    !(t->actions & SEND))
				ok_waits = false;
			if (e == TEK_EV_KEY_REPLY &&
			    (t->next != TEK_OPERATIONAL || !(t->actions & INST)))
				ok_reply = false;
		}
	}
	ok(ok_reject, "TEK: every Key Reject stops the SA and is logged, nothing resent");
	ok(ok_waits, "TEK: every way into Op Wait or Rekey Wait sends a Key Request");
	ok(ok_reply, "TEK: a Key Reply installs keys and leads to Operational");
	ok(!tek_step(TEK_START, TEK_EV_KEY_REPLY) &&
	   !tek_step(TEK_START, TEK_EV_TIMEOUT) &&
	   !tek_step(TEK_OPERATIONAL, TEK_EV_KEY_REPLY),
	   "TEK: unsolicited replies and stray timeouts change nothing");
	ok(!tek_step(TEK_START, TEK_EV_KEY_REJECT) &&
	   !tek_step(TEK_START, TEK_EV_REFRESH_TIMEOUT),
	   "TEK: a stopped SA ignores rejects and refreshes (no retry storm)");

	/* A walk: authorize, reply, refresh, reply, reject. */
	int s = TEK_START;
	const enum tek_event walk[] = { TEK_EV_AUTHORIZED, TEK_EV_TIMEOUT,
		TEK_EV_KEY_REPLY, TEK_EV_REFRESH_TIMEOUT, TEK_EV_KEY_REPLY,
		TEK_EV_REFRESH_TIMEOUT, TEK_EV_KEY_REJECT };
	const int expect[] = { TEK_OP_WAIT, TEK_OP_WAIT, TEK_OPERATIONAL,
		TEK_REKEY_WAIT, TEK_OPERATIONAL, TEK_REKEY_WAIT, TEK_START };
	bool walk_ok = true;

	for (size_t i = 0; i < sizeof(walk) / sizeof(walk[0]); i++) {
		s = tek_step(s, walk[i])->next;
		walk_ok &= s == expect[i];
	}
	ok(walk_ok, "TEK: authorize, retransmit, reply, refresh, reply, refresh, reject");
}

static void auth_properties(void)
{
	bool silent_empty = true;

	for (int e = 0; e < AUTH_EVENT_COUNT; e++)
		silent_empty &= auth_step(AUTH_SILENT, e) == NULL;
	ok(silent_empty, "auth: Silent is left only by a restart");
	ok(auth_step(AUTH_AUTHORIZED, AUTH_EV_REPLY) == NULL &&
	   auth_step(AUTH_START, AUTH_EV_REPLY) == NULL,
	   "auth: an Auth Reply nobody waits for changes nothing");
	ok(auth_step(AUTH_REAUTH_WAIT, AUTH_EV_INVALID) == NULL,
	   "auth: Auth Invalid during reauthorization changes nothing");
}

int main(void)
{
	check_table("TEK", tek_step, tek_rows,
		    sizeof(tek_rows) / sizeof(tek_rows[0]), TEK_STATE_COUNT,
		    TEK_EVENT_COUNT, tek_state, tek_event);
	check_table("auth", auth_step, auth_rows,
		    sizeof(auth_rows) / sizeof(auth_rows[0]), AUTH_STATE_COUNT,
		    AUTH_EVENT_COUNT, auth_state, auth_event);
	tek_properties();
	auth_properties();
	return tap_finish();
}
