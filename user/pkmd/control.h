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

#endif
