// SPDX-License-Identifier: GPL-2.0
/* JSON writer and parser (RFC 8259, integers only). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Writer */

static void put(struct json_out *o, const char *s, size_t n)
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

static void puts_(struct json_out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void newline(struct json_out *o)
{
	if (!o->pretty)
		return;
	put(o, "\n", 1);
	for (int i = 0; i < o->depth; i++)
		put(o, "  ", 2);
}

static void quoted(struct json_out *o, const char *s)
{
	put(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(o, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			puts_(o, esc);
		} else {
			put(o, (const char *)&c, 1);
		}
	}
	put(o, "\"", 1);
}

/* Comma, indentation and "key": before a value. */
static void member(struct json_out *o, const char *key)
{
	if (o->depth > 0) {
		if (o->need_comma[o->depth])
			put(o, ",", 1);
		o->need_comma[o->depth] = true;
		newline(o);
	}
	if (key) {
		quoted(o, key);
		puts_(o, o->pretty ? ": " : ":");
	}
}

void jo_init(struct json_out *o, bool pretty)
{
	memset(o, 0, sizeof(*o));
	o->pretty = pretty;
}

void jo_free(struct json_out *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

static void open_(struct json_out *o, const char *key, const char *bracket)
{
	member(o, key);
	puts_(o, bracket);
	if (o->depth + 1 < (int)(sizeof(o->need_comma) / sizeof(o->need_comma[0])))
		o->depth++;
	else
		o->failed = true;
	o->need_comma[o->depth] = false;
}

static void close_(struct json_out *o, const char *bracket)
{
	bool had_members = o->need_comma[o->depth];

	o->depth--;
	if (had_members)
		newline(o);
	puts_(o, bracket);
}

void jo_object_begin(struct json_out *o, const char *key)
{
	open_(o, key, "{");
}

void jo_object_end(struct json_out *o)
{
	close_(o, "}");
}

void jo_array_begin(struct json_out *o, const char *key)
{
	open_(o, key, "[");
}

void jo_array_end(struct json_out *o)
{
	close_(o, "]");
}

void jo_string(struct json_out *o, const char *key, const char *s)
{
	member(o, key);
	quoted(o, s);
}

void jo_int(struct json_out *o, const char *key, int64_t v)
{
	char buf[24];

	member(o, key);
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	puts_(o, buf);
}

void jo_bool(struct json_out *o, const char *key, bool v)
{
	member(o, key);
	puts_(o, v ? "true" : "false");
}

void jo_null(struct json_out *o, const char *key)
{
	member(o, key);
	puts_(o, "null");
}

void jo_end_line(struct json_out *o)
{
	put(o, "\n", 1);
	o->depth = 0;
	memset(o->need_comma, 0, sizeof(o->need_comma));
}

void jo_value(struct json_out *o, const char *key, const struct json *v)
{
	switch (v->type) {
	case JSON_NULL:
		jo_null(o, key);
		break;
	case JSON_BOOL:
		jo_bool(o, key, v->b);
		break;
	case JSON_INT:
		jo_int(o, key, v->i);
		break;
	case JSON_STRING:
		jo_string(o, key, v->s);
		break;
	case JSON_ARRAY:
		jo_array_begin(o, key);
		for (size_t i = 0; i < v->n; i++)
			jo_value(o, NULL, &v->items[i]);
		jo_array_end(o);
		break;
	case JSON_OBJECT:
		jo_object_begin(o, key);
		for (size_t i = 0; i < v->n; i++)
			jo_value(o, v->keys[i], &v->items[i]);
		jo_object_end(o);
		break;
	}
}

/* Parser */

struct parser {
	const char *p, *end;
	char *err;
	size_t err_len;
	int depth;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->err && ps->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->err_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

static int hex4(struct parser *ps, unsigned int *out)
{
	*out = 0;
	if (ps->end - ps->p < 4)
		return fail(ps, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = *ps->p++;
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return fail(ps, "bad \\u escape");
		*out = *out << 4 | d;
	}
	return 0;
}

static void utf8(char **q, unsigned int cp)
{
	char *w = *q;

	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xc0 | cp >> 6);
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xe0 | cp >> 12);
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*w++ = (char)(0xf0 | cp >> 18);
		*w++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	}
	*q = w;
}

static int parse_string(struct parser *ps, char **out)
{
	const char *start = ++ps->p;	/* after the quote */
	char *s, *q;

	/* Escapes only shrink: the raw length bounds the result. */
	while (ps->p < ps->end && *ps->p != '"') {
		if (*ps->p == '\\' && ps->end - ps->p < 2)
			break;
		ps->p += *ps->p == '\\' ? 2 : 1;
	}
	if (ps->p >= ps->end)
		return fail(ps, "unterminated string");
	s = malloc((size_t)(ps->p - start) + 1);
	if (!s)
		return fail(ps, "out of memory");
	q = s;
	for (ps->p = start; *ps->p != '"'; ) {
		unsigned char c = (unsigned char)*ps->p++;
		unsigned int cp, low;

		if (c < 0x20) {
			free(s);
			return fail(ps, "control character in string");
		}
		if (c != '\\') {
			*q++ = (char)c;
			continue;
		}
		c = (unsigned char)*ps->p++;
		switch (c) {
		case '"': case '\\': case '/':
			*q++ = (char)c;
			break;
		case 'b': *q++ = '\b'; break;
		case 'f': *q++ = '\f'; break;
		case 'n': *q++ = '\n'; break;
		case 'r': *q++ = '\r'; break;
		case 't': *q++ = '\t'; break;
		case 'u':
			if (hex4(ps, &cp))
				goto bad;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (!literal(ps, "\\u") || hex4(ps, &low) ||
				    low < 0xdc00 || low >= 0xe000)
					goto bad;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				goto bad;
			}
			if (cp == 0)
				goto bad;	/* no NUL inside C strings */
			/* \uXXXX (6 bytes) never yields more than 4 */
			utf8(&q, cp);
			break;
		default:
			goto bad;
		}
	}
	ps->p++;	/* closing quote */
	*q = '\0';
	*out = s;
	return 0;
bad:
	free(s);
	return fail(ps, "bad escape in string");
}

static int parse_value(struct parser *ps, struct json *v);

static int parse_int(struct parser *ps, struct json *v)
{
	bool negative = false;
	uint64_t magnitude = 0;

	if (*ps->p == '-') {
		negative = true;
		ps->p++;
	}
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
		return fail(ps, "bad number");
	if (*ps->p == '0' && ps->p + 1 < ps->end && ps->p[1] >= '0' && ps->p[1] <= '9')
		return fail(ps, "leading zero in number");
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
		unsigned int d = (unsigned int)(*ps->p++ - '0');

		if (magnitude > (UINT64_C(1) << 63) / 10)
			return fail(ps, "number out of range");
		magnitude = magnitude * 10 + d;
	}
	if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E'))
		return fail(ps, "only integers are accepted");
	if (magnitude > (uint64_t)INT64_MAX + (negative ? 1 : 0))
		return fail(ps, "number out of range");
	v->type = JSON_INT;
	v->i = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
	return 0;
}

static int grow(struct json *v, size_t *cap, bool with_keys)
{
	size_t n = *cap ? 2 * *cap : 4;
	struct json *items = realloc(v->items, n * sizeof(*items));

	if (!items)
		return -1;
	v->items = items;
	if (with_keys) {
		char **keys = realloc(v->keys, n * sizeof(*keys));

		if (!keys)
			return -1;
		v->keys = keys;
	}
	*cap = n;
	return 0;
}

static int parse_array(struct parser *ps, struct json *v)
{
	size_t cap = 0;

	v->type = JSON_ARRAY;
	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		if (v->n == cap && grow(v, &cap, false))
			return fail(ps, "out of memory");
		memset(&v->items[v->n], 0, sizeof(v->items[0]));
		v->n++;
		if (parse_value(ps, &v->items[v->n - 1]))
			return -1;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			return 0;
		}
		return fail(ps, "expected ',' or ']'");
	}
}

static int parse_object(struct parser *ps, struct json *v)
{
	size_t cap = 0;

	v->type = JSON_OBJECT;
	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return 0;
	}
	for (;;) {
		char *key;

		skip_space(ps);
		if (ps->p >= ps->end || *ps->p != '"')
			return fail(ps, "expected a member name");
		if (parse_string(ps, &key))
			return -1;
		if (json_get(v, key)) {
			int r = fail(ps, "member \"%s\" repeated", key);

			free(key);
			return r;
		}
		if (v->n == cap && grow(v, &cap, true)) {
			free(key);
			return fail(ps, "out of memory");
		}
		v->keys[v->n] = key;
		memset(&v->items[v->n], 0, sizeof(v->items[0]));
		v->n++;
		skip_space(ps);
		if (ps->p >= ps->end || *ps->p != ':')
			return fail(ps, "expected ':'");
		ps->p++;
		if (parse_value(ps, &v->items[v->n - 1]))
			return -1;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			return 0;
		}
		return fail(ps, "expected ',' or '}'");
	}
}

static int parse_value(struct parser *ps, struct json *v)
{
	int err;

	skip_space(ps);
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end");
	if (++ps->depth > JSON_MAX_DEPTH)
		return fail(ps, "nested too deeply");
	switch (*ps->p) {
	case '{':
		err = parse_object(ps, v);
		break;
	case '[':
		err = parse_array(ps, v);
		break;
	case '"':
		v->type = JSON_STRING;
		err = parse_string(ps, &v->s);
		break;
	case 't':
	case 'f':
		v->type = JSON_BOOL;
		v->b = *ps->p == 't';
		err = literal(ps, v->b ? "true" : "false") ? 0 :
		      fail(ps, "bad literal");
		break;
	case 'n':
		v->type = JSON_NULL;
		err = literal(ps, "null") ? 0 : fail(ps, "bad literal");
		break;
	default:
		err = parse_int(ps, v);
		break;
	}
	ps->depth--;
	return err;
}

int json_parse(const char *text, size_t len, struct json *out, char *err,
	       size_t err_len)
{
	struct parser ps = { text, text + len, err, err_len, 0 };

	if (err && err_len)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	if (memchr(text, '\0', len)) {
		fail(&ps, "NUL byte in input");
		return -1;
	}
	if (parse_value(&ps, out))
		goto bad;
	skip_space(&ps);
	if (ps.p != ps.end) {
		fail(&ps, "trailing characters");
		goto bad;
	}
	return 0;
bad:
	json_free(out);
	return -1;
}

void json_free(struct json *v)
{
	for (size_t i = 0; i < v->n; i++) {
		json_free(&v->items[i]);
		if (v->type == JSON_OBJECT)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	memset(v, 0, sizeof(*v));
}

const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (obj->keys[i] && strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}

const char *json_get_string(const struct json *obj, const char *key)
{
	const struct json *v = json_get(obj, key);

	return v && v->type == JSON_STRING ? v->s : NULL;
}

bool json_get_int(const struct json *obj, const char *key, int64_t *out)
{
	const struct json *v = json_get(obj, key);

	if (!v || v->type != JSON_INT)
		return false;
	*out = v->i;
	return true;
}
