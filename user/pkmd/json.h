/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_JSON_H
#define PKMD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * The daemon's responses on the control socket, written member by member
 * in the order they are listed.  Jansson holds the values and writes the
 * text; this only keeps track of the containers that are open.  Requests
 * are parsed with Jansson directly (control.c).
 */

#define JSON_OUT_DEPTH	16

struct json_out {
	char *buf;			/* the lines written so far */
	size_t len, cap;
	bool failed;			/* out of memory or misuse: buf is incomplete */
	bool pretty;
	int depth;
	json_t *open[JSON_OUT_DEPTH];	/* open[0] is the top-level value */
};

void jo_init(struct json_out *o, bool pretty);
void jo_free(struct json_out *o);
/* key is NULL for array elements and the top-level value. */
void jo_object_begin(struct json_out *o, const char *key);
void jo_object_end(struct json_out *o);
void jo_array_begin(struct json_out *o, const char *key);
void jo_array_end(struct json_out *o);
void jo_string(struct json_out *o, const char *key, const char *s);
void jo_int(struct json_out *o, const char *key, int64_t v);
void jo_bool(struct json_out *o, const char *key, bool v);
void jo_null(struct json_out *o, const char *key);
/* Ends one top-level value with a newline; the next one may follow. */
void jo_end_line(struct json_out *o);

#endif
