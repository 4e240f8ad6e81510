/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_JSON_H
#define PKMD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * JSON for the control protocol, shared by pkmd and pkmctl: a writer
 * into a growing buffer, and a parser into a small tree.  Numbers are
 * integers only; that is all the protocol uses.
 */

struct json_out {
	char *buf;
	size_t len, cap;
	bool failed;			/* out of memory: buf is incomplete */
	bool pretty;
	int depth;
	bool need_comma[32];
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

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_INT,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json {
	enum json_type type;
	bool b;
	int64_t i;
	char *s;			/* JSON_STRING, NUL-terminated */
	size_t n;			/* elements or members */
	struct json *items;		/* array elements or member values */
	char **keys;			/* member names */
};

#define JSON_MAX_DEPTH	16

/* 0, or -1 with a reason in err. */
int json_parse(const char *text, size_t len, struct json *out, char *err,
	       size_t err_len);
void json_free(struct json *v);
const struct json *json_get(const struct json *obj, const char *key);
/* The member as a string or integer, or NULL / false. */
const char *json_get_string(const struct json *obj, const char *key);
bool json_get_int(const struct json *obj, const char *key, int64_t *out);
/* Writes a parsed value back out. */
void jo_value(struct json_out *o, const char *key, const struct json *v);

#endif
