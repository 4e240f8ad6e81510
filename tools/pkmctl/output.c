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

/* Compact on one line, or indented by two spaces a level (-p). */
void print_json(const json_t *result)
{
	size_t flags = JSON_ENCODE_ANY |
		       (opts.pretty ? JSON_INDENT(2) : JSON_COMPACT);
	char *text = result ? json_dumps(result, flags) : NULL;

	printf("%s\n", text ? text : result ? "null" : "{}");
	free(text);
}

bool get_int(const json_t *obj, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

const char *get_string(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
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

const char *cell_int(const json_t *obj, const char *key)
{
	char *buf = next_buffer();
	int64_t v;

	if (!get_int(obj, key, &v))
		return "-";
	snprintf(buf, 512, "%" PRId64, v);
	return buf;
}

const char *cell_hex(const json_t *obj, const char *key)
{
	char *buf = next_buffer();
	int64_t v;

	if (!get_int(obj, key, &v))
		return "-";
	snprintf(buf, 512, "0x%04" PRIx64, (uint64_t)v);
	return buf;
}

const char *cell_str(const json_t *obj, const char *key)
{
	const char *s = get_string(obj, key);

	return s ? s : "-";
}

/* An array of strings or integers as "a,b,c", "-" when empty. */
const char *cell_list(const json_t *obj, const char *key)
{
	const json_t *list = json_object_get(obj, key);
	char *buf = next_buffer();
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *v = json_array_get(list, i);
		int n;

		if (json_is_string(v))
			n = snprintf(buf + used, 512 - used, "%s%s", i ? "," : "",
				     json_string_value(v));
		else if (json_is_integer(v))
			n = snprintf(buf + used, 512 - used, "%s%" PRId64, i ? "," : "",
				     (int64_t)json_integer_value(v));
		else
			continue;
		if (n < 0 || (size_t)n >= 512 - used)
			break;
		used += (size_t)n;
	}
	return used ? buf : "-";
}
