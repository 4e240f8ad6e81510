// SPDX-License-Identifier: GPL-2.0
/* Responses built as Jansson values and written out by Jansson. */
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void append(struct json_out *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		char *buf;

		while (cap < o->len + n + 1)
			cap *= 2;
		buf = realloc(o->buf, cap);
		if (!buf) {
			o->failed = true;
			return;
		}
		o->buf = buf;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* A complete top-level value: its text goes to the buffer. */
static void emit(struct json_out *o, json_t *v)
{
	size_t flags = JSON_ENCODE_ANY |
		       (o->pretty ? JSON_INDENT(2) : JSON_COMPACT);
	char *text = json_dumps(v, flags);

	if (!text)
		o->failed = true;
	else
		append(o, text, strlen(text));
	free(text);
}

/*
 * Takes the reference to v: adds it to the open container, or writes it
 * out when nothing is open.  Returns v while the caller may still use it.
 */
static json_t *place(struct json_out *o, const char *key, json_t *v)
{
	json_t *parent;
	int err;

	if (!v || o->failed) {
		o->failed = true;
		json_decref(v);
		return NULL;
	}
	if (o->depth == 0) {
		if (key) {
			o->failed = true;
			json_decref(v);
			return NULL;
		}
		return v;
	}
	parent = o->open[o->depth - 1];
	if (!key == !json_is_object(parent)) {
		/* The _new calls below take the reference even on failure. */
		err = key ? json_object_set_new(parent, key, v)
			  : json_array_append_new(parent, v);
	} else {
		/* A member without a name, or an element with one. */
		json_decref(v);
		err = -1;
	}
	if (err) {
		o->failed = true;
		return NULL;
	}
	return v;
}

/* A scalar: placed, or written out at the top level. */
static void scalar(struct json_out *o, const char *key, json_t *v)
{
	int depth = o->depth;

	v = place(o, key, v);
	if (v && depth == 0) {
		emit(o, v);
		json_decref(v);
	}
}

void jo_init(struct json_out *o, bool pretty)
{
	memset(o, 0, sizeof(*o));
	o->pretty = pretty;
}

void jo_free(struct json_out *o)
{
	if (o->depth > 0)
		json_decref(o->open[0]);
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

static void open_(struct json_out *o, const char *key, json_t *v)
{
	if (o->depth == JSON_OUT_DEPTH) {
		o->failed = true;
		json_decref(v);
		return;
	}
	v = place(o, key, v);
	if (v)
		o->open[o->depth++] = v;
}

static void close_(struct json_out *o)
{
	if (o->depth == 0) {
		o->failed = true;
		return;
	}
	if (--o->depth == 0) {
		emit(o, o->open[0]);
		json_decref(o->open[0]);
	}
	o->open[o->depth] = NULL;
}

void jo_object_begin(struct json_out *o, const char *key)
{
	open_(o, key, json_object());
}

void jo_object_end(struct json_out *o)
{
	close_(o);
}

void jo_array_begin(struct json_out *o, const char *key)
{
	open_(o, key, json_array());
}

void jo_array_end(struct json_out *o)
{
	close_(o);
}

/* Jansson keeps strings UTF-8; other bytes are written as U+FFFD. */
void jo_string(struct json_out *o, const char *key, const char *s)
{
	json_t *v = json_string(s);

	if (!v) {
		size_t n = strlen(s);
		char *fixed = malloc(3 * n + 1), *q = fixed;

		if (fixed) {
			for (; *s; s++) {
				if ((unsigned char)*s < 0x80) {
					*q++ = *s;
				} else {
					memcpy(q, "\xef\xbf\xbd", 3);
					q += 3;
				}
			}
			*q = '\0';
			v = json_string(fixed);
			free(fixed);
		}
	}
	scalar(o, key, v);
}

void jo_int(struct json_out *o, const char *key, int64_t v)
{
	scalar(o, key, json_integer((json_int_t)v));
}

void jo_bool(struct json_out *o, const char *key, bool v)
{
	scalar(o, key, json_boolean(v));
}

void jo_null(struct json_out *o, const char *key)
{
	scalar(o, key, json_null());
}

void jo_end_line(struct json_out *o)
{
	append(o, "\n", 1);
}
