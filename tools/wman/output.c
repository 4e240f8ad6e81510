// SPDX-License-Identifier: GPL-2.0
/* Text or JSON output of the same values; see output.h. */
#include <inttypes.h>
#include <stdio.h>

#include "json.h"
#include "output.h"

static struct json_writer json;
static bool json_output;
/* Text: nothing printed on the current line since its indentation. */
static bool line_start = true;

void output_init(bool use_json, bool pretty)
{
	json_output = use_json;
	json_init(&json, stdout, pretty);
}

bool output_is_json(void)
{
	return json_output;
}

void print_list_begin(void)
{
	if (json_output)
		json_array_begin(&json, NULL);
}

void print_list_end(void)
{
	if (json_output)
		json_array_end(&json);
}

void print_object_begin(const char *key)
{
	if (json_output)
		json_object_begin(&json, key);
}

void print_object_end(void)
{
	if (json_output)
		json_object_end(&json);
}

void print_array_begin(const char *key)
{
	if (json_output)
		json_array_begin(&json, key);
}

void print_array_end(void)
{
	if (json_output)
		json_array_end(&json);
}

static void text_label(const char *label)
{
	if (!line_start)
		putchar(' ');
	line_start = false;
	if (label)
		printf("%s ", label);
}

void print_uint(const char *key, const char *label, uint64_t value)
{
	if (json_output) {
		json_uint(&json, key, value);
		return;
	}
	text_label(label);
	printf("%" PRIu64, value);
}

void print_string(const char *key, const char *label, const char *value)
{
	if (json_output) {
		json_string(&json, key, value);
		return;
	}
	text_label(label);
	fputs(value, stdout);
}

void print_mac(const char *key, const char *label, const uint8_t mac[MAC_LEN])
{
	char text[MAC_TEXT_LEN];

	format_mac(mac, text);
	print_string(key, label, text);
}

void print_names(const char *key, const char *label,
		 const char *const *names, size_t count)
{
	if (json_output) {
		json_array_begin(&json, key);
		for (size_t i = 0; i < count; i++)
			json_string(&json, NULL, names[i]);
		json_array_end(&json);
		return;
	}
	text_label(label);
	if (count == 0)
		fputs("none", stdout);
	for (size_t i = 0; i < count; i++)
		printf("%s%s", i ? "," : "", names[i]);
}

void print_text(const char *text)
{
	if (!json_output) {
		fputs(text, stdout);
		line_start = false;
	}
}

void print_indent(unsigned int level)
{
	if (!json_output) {
		printf("%*s", (int)(4 * level), "");
		line_start = true;
	}
}

void print_line_end(void)
{
	if (!json_output) {
		putchar('\n');
		line_start = true;
	}
}
