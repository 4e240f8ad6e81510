/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_CONTROL_H
#define PKMD_CONTROL_H

#include "json.h"
#include "pkmd.h"

/*
 * The control socket (Documentation/control-plane.rst, "Control
 * protocol"): a unix stream socket; each request is one line of JSON, each
 * response one line of JSON.  pkmctl is its client.
 */
int control_open(struct pkmd *d, const char *path);
void control_close(void);

/*
 * One request, the bytes of its line without the newline, answered with
 * one response line appended to out (control_cmd.c).  The socket calls
 * this for each line; so does the fuzzing harness, without a socket.
 */
void control_request(struct pkmd *d, const char *line, size_t len,
		     struct json_out *out);

/* A command only a role has, in its struct role_ops's table. */
struct control_command {
	const char *name;
	void (*run)(struct pkmd *d, const json_t *req, struct json_out *o);
};

/*
 * For the commands' answers: an error response (errno by name, why the
 * text), or a result between control_result_begin() and _end().
 */
void control_error(struct json_out *o, int err, const char *why);
void control_result_begin(struct json_out *o);
void control_result_end(struct json_out *o);
/*
 * The request's member key: NULL or false when it is missing or out of
 * range, after an error response that names it.
 */
const char *control_need_string(const json_t *req, const char *key,
				struct json_out *o);
bool control_need_int(const json_t *req, const char *key, int64_t min,
		      int64_t max, int64_t *out, struct json_out *o);

#endif
