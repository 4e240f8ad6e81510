// SPDX-License-Identifier: GPL-2.0
/*
 * The SS's control commands (Documentation/control-plane.rst, "Control
 * protocol"): deregister, and its part of status, sa-list and rekey.
 * The core (control_cmd.c) parses the request line and reaches these
 * through ss_role.
 */
#include <errno.h>
#include <stdio.h>

#include "control.h"
#include "json.h"
#include "ss.h"
#include "ss_group.h"

void ss_control_status(struct pkmd *d, struct json_out *o)
{
	struct ss *ss = d->role_state;

	jo_bool(o, "entered", ss->entered);
	jo_bool(o, "deregistered", ss->deregistered);
	if (ss->entered) {
		jo_int(o, "basic_cid", ss->basic_cid);
		jo_int(o, "primary_cid", ss->primary_cid);
	}
	jo_string(o, "auth_state", auth_state_name(ss->auth_state));
	if (ss->ak.valid) {
		jo_int(o, "ak_seq", ss->ak.seq);
		jo_int(o, "ak_remaining",
		       (ss->ak.expires_ms - now_mono_ms()) / 1000);
		jo_string(o, "bs", ss->bs_cn);
	}
}

void ss_control_sa_list(struct pkmd *d, struct json_out *o)
{
	struct ss *ss = d->role_state;
	int64_t now = now_mono_ms();

	for (size_t i = 0; i < ss->n_sas; i++) {
		const struct ss_sa *sa = &ss->sas[i];

		jo_object_begin(o, NULL);
		jo_int(o, "said", sa->said);
		jo_string(o, "service", service_name(sa->service));
		if (sa->service > WMAN_SERVICE_BROADCAST)
			jo_int(o, "service_type", sa->service);
		if (sa->has_group)
			jo_int(o, "group", sa->group_id);
		if (sa->in_kernel)
			jo_string(o, "suite", suite_name(sa->suite));
		jo_string(o, "state", tek_state_name(sa->state));
		if (sa->state == TEK_START && sa->last_error)
			jo_int(o, "key_reject", sa->last_error);
		ss_group_json(ss, sa, o);
		jo_array_begin(o, "teks");
		for (int t = 0; sa->in_kernel && t < 2; t++) {
			if (!sa->tek[t].valid)
				continue;
			jo_object_begin(o, NULL);
			jo_int(o, "eks", sa->tek[t].eks);
			jo_string(o, "generation", t ? "newer" : "older");
			jo_int(o, "remaining", sa->tek[t].expires_ms > now ?
			       (sa->tek[t].expires_ms - now) / 1000 : 0);
			jo_object_end(o);
		}
		jo_array_end(o);
		jo_object_end(o);
	}
}

int ss_control_rekey(struct pkmd *d, uint16_t said, char *why, size_t why_len)
{
	return ss_rekey(d->role_state, said, why, why_len);
}

/* DREG-REQ to the BS; the DREG-CMD that answers stops the SS. */
static void cmd_deregister(struct pkmd *d, const json_t *req, struct json_out *o)
{
	char why[160] = "";
	int err;

	(void)req;
	err = ss_deregister(d->role_state, why, sizeof(why));
	if (err) {
		control_error(o, err, why);
		return;
	}
	control_result_begin(o);
	control_result_end(o);
}

/* The device's BSID was set to another BS of the zone: enter it. */
static void cmd_handover(struct pkmd *d, const json_t *req, struct json_out *o)
{
	char why[160] = "";
	int err;

	(void)req;
	err = ss_handover(d->role_state, why, sizeof(why));
	if (err) {
		control_error(o, err, why);
		return;
	}
	control_result_begin(o);
	control_result_end(o);
}

const struct control_command ss_control_commands[] = {
	{ "deregister", cmd_deregister },
	{ "handover", cmd_handover },
	{ NULL, NULL },
};
