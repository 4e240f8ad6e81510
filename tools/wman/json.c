// SPDX-License-Identifier: GPL-2.0
/* A small streaming JSON writer; see json.h. */
#include <assert.h>
#include <inttypes.h>

#include "json.h"

void json_init(struct json_writer *json, FILE *out, bool pretty)
{
	*json = (struct json_writer){ .out = out, .pretty = pretty };
}

void json_write_string(FILE *out, const char *value)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
		switch (*c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*c < 0x20 || *c == 0x7f)
				fprintf(out, "\\u%04x", *c);
			else
				fputc(*c, out);
		}
	}
	fputc('"', out);
}

static void new_line(struct json_writer *json)
{
	fputc('\n', json->out);
	for (unsigned int i = 0; i < json->depth; i++)
		fputs("    ", json->out);
}

/* Separator, indentation and key before a value at the current depth. */
static void value_begin(struct json_writer *json, const char *key)
{
	if (json->depth > 0) {
		if (!json->empty[json->depth])
			fputc(',', json->out);
		json->empty[json->depth] = false;
		if (json->pretty)
			new_line(json);
	}
	if (key) {
		json_write_string(json->out, key);
		fputs(json->pretty ? ": " : ":", json->out);
	}
}

static void value_end(struct json_writer *json)
{
	if (json->depth == 0)
		fputc('\n', json->out);
}

static void container_begin(struct json_writer *json, const char *key,
			    char open)
{
	value_begin(json, key);
	fputc(open, json->out);
	assert(json->depth + 1 < JSON_MAX_DEPTH);
	json->empty[++json->depth] = true;
}

static void container_end(struct json_writer *json, char close)
{
	bool empty = json->empty[json->depth];

	assert(json->depth > 0);
	json->depth--;
	if (json->pretty && !empty)
		new_line(json);
	fputc(close, json->out);
	value_end(json);
}

void json_object_begin(struct json_writer *json, const char *key)
{
	container_begin(json, key, '{');
}

void json_object_end(struct json_writer *json)
{
	container_end(json, '}');
}

void json_array_begin(struct json_writer *json, const char *key)
{
	container_begin(json, key, '[');
}

void json_array_end(struct json_writer *json)
{
	container_end(json, ']');
}

void json_string(struct json_writer *json, const char *key, const char *value)
{
	value_begin(json, key);
	json_write_string(json->out, value);
	value_end(json);
}

void json_uint(struct json_writer *json, const char *key, uint64_t value)
{
	value_begin(json, key);
	fprintf(json->out, "%" PRIu64, value);
	value_end(json);
}
