/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer.  Members of an object take a key; values
 * inside an array or at the top level take NULL.  A top-level value ends
 * with a newline, so a stream of top-level objects is JSON lines.
 */
#ifndef WMAN_JSON_H
#define WMAN_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json_writer {
	FILE *out;
	bool pretty;
	unsigned int depth;
	/* Whether the container open at each depth has no member yet. */
	bool empty[JSON_MAX_DEPTH];
};

void json_init(struct json_writer *json, FILE *out, bool pretty);
void json_object_begin(struct json_writer *json, const char *key);
void json_object_end(struct json_writer *json);
void json_array_begin(struct json_writer *json, const char *key);
void json_array_end(struct json_writer *json);
void json_string(struct json_writer *json, const char *key, const char *value);
void json_uint(struct json_writer *json, const char *key, uint64_t value);
/* Writes value as a quoted, escaped JSON string. */
void json_write_string(FILE *out, const char *value);

#endif /* WMAN_JSON_H */
