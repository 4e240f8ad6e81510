// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol's commands (Documentation/control-plane.rst,
 * "Control protocol"): one request line in, one response line out.  The
 * socket that carries them is control.c's.  The commands of one role
 * only are the role's (bs/bs_control.c, ss/ss_control.c), reached
 * through its struct role_ops; so are its parts of the others.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "json.h"
#include "log.h"

/* Responses */

void control_error(struct json_out *o, int err, const char *why)
{
	jo_object_begin(o, NULL);
	jo_bool(o, "ok", false);
	jo_string(o, "error", why);
	jo_string(o, "errno", err == -ENOENT ? "ENOENT" : err == -EEXIST ? "EEXIST" :
		  err == -EINVAL ? "EINVAL" : err == -EBUSY ? "EBUSY" :
		  err == -EALREADY ? "EALREADY" : err == -EOPNOTSUPP ? "EOPNOTSUPP" :
		  "EIO");
	jo_object_end(o);
}

void control_result_begin(struct json_out *o)
{
	jo_object_begin(o, NULL);
	jo_bool(o, "ok", true);
}

void control_result_end(struct json_out *o)
{
	jo_object_end(o);
}

/* Request helpers */

const char *control_need_string(const json_t *req, const char *key,
				struct json_out *o)
{
	const char *s = json_string_value(json_object_get(req, key));
	char why[96];

	if (!s) {
		snprintf(why, sizeof(why), "missing string member \"%s\"", key);
		control_error(o, -EINVAL, why);
	}
	return s;
}

bool control_need_int(const json_t *req, const char *key, int64_t min,
		      int64_t max, int64_t *out, struct json_out *o)
{
	const json_t *v = json_object_get(req, key);
	char why[96];

	if (json_is_integer(v))
		*out = (int64_t)json_integer_value(v);
	if (!json_is_integer(v) || *out < min || *out > max) {
		snprintf(why, sizeof(why), "member \"%s\" must be an integer from %lld to %lld",
			 key, (long long)min, (long long)max);
		control_error(o, -EINVAL, why);
		return false;
	}
	return true;
}

/* Commands */

static void cmd_status(struct pkmd *d, const json_t *req, struct json_out *o)
{
	char mac[MAC_STR_LEN];

	(void)req;
	control_result_begin(o);
	jo_object_begin(o, "result");
	jo_string(o, "role", role_name(d->cfg->role));
	jo_string(o, "interface", d->kernel.ifname);
	jo_string(o, "address", mac_format(d->kernel.addr, mac));
	jo_string(o, "bsid", mac_format(d->kernel.bsid, mac));
	jo_int(o, "pid", getpid());
	jo_int(o, "uptime", now_real_s() - d->started);
	if (d->role)
		d->role->status(d, o);
	jo_object_end(o);
	control_result_end(o);
}

static void cmd_sa_list(struct pkmd *d, const json_t *req, struct json_out *o)
{
	(void)req;
	control_result_begin(o);
	jo_array_begin(o, "result");
	if (d->role)
		d->role->sa_list(d, o);
	jo_array_end(o);
	control_result_end(o);
}

static void cmd_rekey(struct pkmd *d, const json_t *req, struct json_out *o)
{
	char why[160] = "";
	int64_t said;
	int err;

	if (!control_need_int(req, "said", 0, 0xffff, &said, o))
		return;
	if (d->role) {
		err = d->role->rekey(d, (uint16_t)said, why, sizeof(why));
	} else {
		snprintf(why, sizeof(why), "no role started");
		err = -EOPNOTSUPP;
	}
	if (err) {
		control_error(o, err, why);
		return;
	}
	control_result_begin(o);
	control_result_end(o);
}

#define BS_ONLY	"only a BS daemon does that"

/*
 * Every command: the core's own (run), or one a role has (run NULL),
 * which the role's table runs and a daemon of the other role answers
 * with elsewhere.
 */
static const struct {
	const char *name;
	void (*run)(struct pkmd *d, const json_t *req, struct json_out *o);
	const char *elsewhere;
} commands[] = {
	{ "status", cmd_status, NULL },
	{ "subscriber-add", NULL, BS_ONLY },
	{ "subscriber-list", NULL, BS_ONLY },
	{ "subscriber-revoke", NULL, BS_ONLY },
	{ "group-list", NULL, BS_ONLY },
	{ "group-member-add", NULL, BS_ONLY },
	{ "group-member-del", NULL, BS_ONLY },
	{ "sa-list", cmd_sa_list, NULL },
	{ "rekey", cmd_rekey, NULL },
	{ "deregister", NULL, "deregister is a command of an SS" },
	{ "handover", NULL, "handover is a command of an SS" },
};

/* The role's command of that name, or NULL. */
static const struct control_command *role_command(const struct pkmd *d,
						  const char *name)
{
	const struct control_command *c;

	for (c = d->role ? d->role->commands : NULL; c && c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void control_request(struct pkmd *d, const char *line, size_t len,
		     struct json_out *out)
{
	json_error_t jerr;
	const char *name = NULL;
	size_t before = out->len;
	json_t *req;

	/*
	 * Jansson checks the whole line: UTF-8, no NUL, no member twice,
	 * nothing after the value.  Numbers it cannot hold are errors.
	 */
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		char why[200];

		snprintf(why, sizeof(why), "malformed request: %s", jerr.text);
		control_error(out, -EINVAL, why);
	} else if (!json_is_object(req) ||
		   !(name = json_string_value(json_object_get(req, "command")))) {
		control_error(out, -EINVAL, "a request is an object with a \"command\"");
	} else {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(commands); i++)
			if (strcmp(commands[i].name, name) == 0)
				break;
		if (i == ARRAY_SIZE(commands)) {
			control_error(out, -EINVAL, "unknown command");
		} else {
			const struct control_command *rc = role_command(d, name);

			if (commands[i].run)
				commands[i].run(d, req, out);
			else if (rc)
				rc->run(d, req, out);
			else
				control_error(out, -EOPNOTSUPP, commands[i].elsewhere);
			log_debug("control: %s", commands[i].name);
		}
	}
	json_decref(req);
	if (out->len == before && !out->failed)	/* a command that said nothing */
		control_error(out, -EIO, "no response");
	jo_end_line(out);
}
