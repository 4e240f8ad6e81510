// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol's responses: written member by member, text from
 * Jansson, compact and pretty as before (one line per value).
 */
#include <string.h>

#include "json.h"
#include "tap.h"

int main(void)
{
	struct json_out o;
	json_error_t jerr;
	json_t *v;

	jo_init(&o, false);
	jo_object_begin(&o, NULL);
	jo_string(&o, "cn", "ss \"one\"\\\n");
	jo_int(&o, "said", 8193);
	jo_int(&o, "neg", -5);
	jo_int(&o, "min", INT64_MIN);
	jo_bool(&o, "ok", true);
	jo_null(&o, "none");
	jo_array_begin(&o, "list");
	jo_string(&o, NULL, "unicast");
	jo_int(&o, NULL, 1);
	jo_object_begin(&o, NULL);
	jo_object_end(&o);
	jo_array_end(&o);
	jo_object_end(&o);
	ok(!o.failed && !strcmp(o.buf, "{\"cn\":\"ss \\\"one\\\"\\\\\\n\",\"said\":8193,"
				"\"neg\":-5,\"min\":-9223372036854775808,"
				"\"ok\":true,\"none\":null,"
				"\"list\":[\"unicast\",1,{}]}"),
	   "compact output, members in order, with escapes");
	v = json_loadb(o.buf, o.len, JSON_REJECT_DUPLICATES, &jerr);
	ok(v && !strcmp(json_string_value(json_object_get(v, "cn")), "ss \"one\"\\\n") &&
	   json_integer_value(json_object_get(v, "min")) == INT64_MIN &&
	   json_array_size(json_object_get(v, "list")) == 3,
	   "Jansson reads it back");
	json_decref(v);
	jo_end_line(&o);
	jo_object_begin(&o, NULL);
	jo_object_end(&o);
	jo_end_line(&o);
	jo_string(&o, NULL, "x");
	jo_end_line(&o);
	ok(!o.failed && o.len == strlen(o.buf) &&
	   !strcmp(strchr(o.buf, '\n'), "\n{}\n\"x\"\n"),
	   "top-level values follow each other, a line each");
	jo_free(&o);

	jo_init(&o, true);
	jo_object_begin(&o, NULL);
	jo_bool(&o, "ok", true);
	jo_array_begin(&o, "result");
	jo_object_begin(&o, NULL);
	jo_int(&o, "said", 1);
	jo_array_begin(&o, "teks");
	jo_array_end(&o);
	jo_object_end(&o);
	jo_array_end(&o);
	jo_object_end(&o);
	ok(!o.failed && !strcmp(o.buf, "{\n  \"ok\": true,\n  \"result\": [\n"
				"    {\n      \"said\": 1,\n      \"teks\": []\n"
				"    }\n  ]\n}"),
	   "pretty output: two spaces a level, empty containers on one line");
	jo_free(&o);

	jo_init(&o, false);
	jo_object_begin(&o, NULL);
	jo_string(&o, "cn", "a\xff\xc3");
	jo_string(&o, "ok", "\xc3\xa9");
	jo_object_end(&o);
	ok(!o.failed && !strcmp(o.buf, "{\"cn\":\"a\xef\xbf\xbd\xef\xbf\xbd\","
				"\"ok\":\"\xc3\xa9\"}"),
	   "bytes that are not UTF-8 come out as U+FFFD; UTF-8 as it is");
	jo_free(&o);

	jo_init(&o, false);
	for (int i = 0; i < JSON_OUT_DEPTH + 1; i++)
		jo_array_begin(&o, NULL);
	ok(o.failed, "containers nested past %d: the output is marked failed",
	   JSON_OUT_DEPTH);
	jo_free(&o);

	jo_init(&o, false);
	jo_object_begin(&o, NULL);
	jo_int(&o, NULL, 1);
	ok(o.failed, "an object member without a name: failed");
	jo_free(&o);
	jo_init(&o, false);
	jo_array_begin(&o, NULL);
	jo_int(&o, "k", 1);
	jo_array_end(&o);
	ok(o.failed && o.len == 0, "an array element with a name: failed, nothing written");
	jo_free(&o);
	return tap_finish();
}
