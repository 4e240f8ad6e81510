// SPDX-License-Identifier: GPL-2.0
/* The control protocol's JSON: written, parsed back, bad input refused. */
#include <string.h>

#include "json.h"
#include "tap.h"

int main(void)
{
	struct json_out o;
	struct json v;
	char err[96];
	int64_t n;
	static const char *const bad[] = {
		"", "{", "{\"a\":}", "{\"a\":1,}", "[1,]", "{\"a\":1 \"b\":2}",
		"{\"a\":1,\"a\":2}", "1.5", "1e3", "01", "\"\\x\"", "\"a\tb\"",
		"\"\\ud800\"", "\"\\u0000\"", "tru", "nul", "{} x",
		"9223372036854775808", "[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]",
		"\"unterminated", "\"\\",
	};

	jo_init(&o, false);
	jo_object_begin(&o, NULL);
	jo_string(&o, "cn", "ss \"one\"\\\n");
	jo_int(&o, "said", 8193);
	jo_int(&o, "neg", -5);
	jo_bool(&o, "ok", true);
	jo_null(&o, "none");
	jo_array_begin(&o, "list");
	jo_string(&o, NULL, "unicast");
	jo_int(&o, NULL, 1);
	jo_object_begin(&o, NULL);
	jo_object_end(&o);
	jo_array_end(&o);
	jo_object_end(&o);
	ok(!o.failed && !strcmp(o.buf, "{\"cn\":\"ss \\\"one\\\"\\\\\\u000a\",\"said\":8193,"
				"\"neg\":-5,\"ok\":true,\"none\":null,"
				"\"list\":[\"unicast\",1,{}]}"),
	   "writer: compact output with escapes");
	ok(!json_parse(o.buf, o.len, &v, err, sizeof(err)) && v.type == JSON_OBJECT,
	   "parser reads the writer's output");
	ok(!strcmp(json_get_string(&v, "cn"), "ss \"one\"\\\n") &&
	   json_get_int(&v, "said", &n) && n == 8193 &&
	   json_get_int(&v, "neg", &n) && n == -5 &&
	   json_get(&v, "ok")->b && json_get(&v, "none")->type == JSON_NULL &&
	   json_get(&v, "list")->n == 3, "values round trip");
	ok(!json_get_string(&v, "said") && !json_get_int(&v, "cn", &n) &&
	   !json_get(&v, "missing"), "typed getters refuse other types");
	jo_free(&o);
	jo_init(&o, false);
	jo_value(&o, NULL, &v);
	jo_end_line(&o);
	jo_object_begin(&o, NULL);
	jo_object_end(&o);
	ok(!strcmp(o.buf, "{\"cn\":\"ss \\\"one\\\"\\\\\\u000a\",\"said\":8193,"
		   "\"neg\":-5,\"ok\":true,\"none\":null,"
		   "\"list\":[\"unicast\",1,{}]}\n{}"),
	   "a parsed value writes out the same; lines follow each other");
	json_free(&v);
	jo_free(&o);

	ok(!json_parse("\"\\u00e9\\ud83d\\ude00\"", 20, &v, err, sizeof(err)) &&
	   !strcmp(v.s, "\xc3\xa9\xf0\x9f\x98\x80"), "\\u escapes and surrogate pairs");
	json_free(&v);
	ok(!json_parse(" -9223372036854775808 ", 22, &v, err, sizeof(err)) &&
	   v.i == INT64_MIN, "the smallest integer");
	json_free(&v);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(json_parse(bad[i], strlen(bad[i]), &v, err, sizeof(err)) && err[0],
		   "refused: %s (%s)", bad[i][0] ? bad[i] : "(empty)", err);
	ok(json_parse("{\"a\":1}\0", 8, &v, err, sizeof(err)), "NUL byte refused");
	return tap_finish();
}
