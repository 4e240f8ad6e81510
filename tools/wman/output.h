/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Printing one set of values as text or as JSON.  Each print_* call takes
 * the JSON key and the text label of one value: text output is a line of
 * "label value" pairs, JSON output an object member.  A NULL label prints
 * the bare value in text; a NULL key is for values inside a JSON array.
 */
#ifndef WMAN_OUTPUT_H
#define WMAN_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"

void output_init(bool json, bool pretty);
bool output_is_json(void);

/* JSON only: [ ... ] around the objects a show command prints. */
void print_list_begin(void);
void print_list_end(void);
/* JSON only: a nested object or array; text keeps to the line. */
void print_object_begin(const char *key);
void print_object_end(void);
void print_array_begin(const char *key);
void print_array_end(void);

void print_uint(const char *key, const char *label, uint64_t value);
void print_string(const char *key, const char *label, const char *value);
void print_mac(const char *key, const char *label,
	       const uint8_t mac[MAC_LEN]);
/* Text: "label a,b"; "none" without names.  JSON: an array of strings. */
void print_names(const char *key, const char *label,
		 const char *const *names, size_t count);

/* Text only: raw text, the start of an indented line, the end of a line. */
void print_text(const char *text);
void print_indent(unsigned int level);
void print_line_end(void);

#endif /* WMAN_OUTPUT_H */
