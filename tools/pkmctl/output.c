// SPDX-License-Identifier: GPL-2.0
/* Output: JSON as received (-j, -p), or aligned tables for people. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkmctl.h"

#define MAX_COLS	10

struct table {
	int n_cols;
	size_t n_rows;
	char **cells;		/* row-major, header row first */
};

void print_json(const struct json *result)
{
	struct json_out o;

	jo_init(&o, opts.pretty);
	if (result)
		jo_value(&o, NULL, result);
	else
		jo_object_begin(&o, NULL), jo_object_end(&o);
	jo_end_line(&o);
	fputs(o.failed ? "null\n" : o.buf, stdout);
	jo_free(&o);
}

struct table *table_new(const char *const *headers, int n_cols)
{
	struct table *t = calloc(1, sizeof(*t));

	if (!t || n_cols > MAX_COLS)
		exit(EXIT_REFUSED);
	t->n_cols = n_cols;
	table_row(t, headers);
	return t;
}

void table_row(struct table *t, const char *const *cells)
{
	char **grown = realloc(t->cells, (t->n_rows + 1) * (size_t)t->n_cols *
				sizeof(*grown));

	if (!grown)
		exit(EXIT_REFUSED);
	t->cells = grown;
	for (int c = 0; c < t->n_cols; c++) {
		char *copy = strdup(cells[c] ? cells[c] : "");

		if (!copy)
			exit(EXIT_REFUSED);
		t->cells[t->n_rows * (size_t)t->n_cols + (size_t)c] = copy;
	}
	t->n_rows++;
}

void table_print(struct table *t)
{
	size_t width[MAX_COLS] = { 0 };

	for (size_t r = 0; r < t->n_rows; r++)
		for (int c = 0; c < t->n_cols; c++) {
			size_t len = strlen(t->cells[r * (size_t)t->n_cols + (size_t)c]);

			if (len > width[c])
				width[c] = len;
		}
	for (size_t r = 0; r < t->n_rows; r++) {
		for (int c = 0; c < t->n_cols; c++) {
			const char *cell = t->cells[r * (size_t)t->n_cols + (size_t)c];

			if (c == t->n_cols - 1)
				printf("%s\n", cell);
			else
				printf("%-*s  ", (int)width[c], cell);
			free((void *)cell);
		}
	}
	free(t->cells);
	free(t);
}

static char *next_buffer(void)
{
	static char bufs[MAX_COLS * 2][512];
	static unsigned int next;

	return bufs[next++ % (MAX_COLS * 2)];
}

const char *cell_int(const struct json *obj, const char *key)
{
	char *buf = next_buffer();
	int64_t v;

	if (!json_get_int(obj, key, &v))
		return "-";
	snprintf(buf, 512, "%" PRId64, v);
	return buf;
}

const char *cell_hex(const struct json *obj, const char *key)
{
	char *buf = next_buffer();
	int64_t v;

	if (!json_get_int(obj, key, &v))
		return "-";
	snprintf(buf, 512, "0x%04" PRIx64, (uint64_t)v);
	return buf;
}

const char *cell_str(const struct json *obj, const char *key)
{
	const char *s = json_get_string(obj, key);

	return s ? s : "-";
}

/* An array of strings or integers as "a,b,c", "-" when empty. */
const char *cell_list(const struct json *obj, const char *key)
{
	const struct json *list = json_get(obj, key);
	char *buf = next_buffer();
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; list && list->type == JSON_ARRAY && i < list->n; i++) {
		const struct json *v = &list->items[i];
		int n;

		if (v->type == JSON_STRING)
			n = snprintf(buf + used, 512 - used, "%s%s", i ? "," : "", v->s);
		else if (v->type == JSON_INT)
			n = snprintf(buf + used, 512 - used, "%s%" PRId64, i ? "," : "", v->i);
		else
			continue;
		if (n < 0 || (size_t)n >= 512 - used)
			break;
		used += (size_t)n;
	}
	return used ? buf : "-";
}
