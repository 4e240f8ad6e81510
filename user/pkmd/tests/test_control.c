// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket, without the rest of the daemon:
 *
 *   - request lines, each an exact-size copy on the heap as the socket
 *     hands them over (no NUL after them), go through control_request():
 *     strings cut short on a lone backslash, bytes that are not JSON, a
 *     NUL, a member twice, numbers that are too big or not integers,
 *     deep nesting; each gets one line back, an EINVAL error, and ASan
 *     sees no access past the line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "control.h"
#include "tap.h"

static struct config cfg;
static struct pkmd daemon_ = { .cfg = &cfg };

/* One request, its response: the line and its "errno" (NULL: success). */
static bool answer(const char *line, size_t len, char *errno_out, size_t n)
{
	struct json_out out;
	char *copy = malloc(len ? len : 1);
	json_t *resp;
	bool one_line;

	memcpy(copy, line, len);
	jo_init(&out, false);
	control_request(&daemon_, copy, len, &out);
	free(copy);
	one_line = !out.failed && out.len > 0 && out.buf[out.len - 1] == '\n' &&
		   memchr(out.buf, '\n', out.len) == out.buf + out.len - 1;
	resp = one_line ? json_loadb(out.buf, out.len - 1, 0, NULL) : NULL;
	snprintf(errno_out, n, "%s",
		 json_string_value(json_object_get(resp, "errno")) ?: "");
	one_line = resp && json_is_false(json_object_get(resp, "ok"));
	json_decref(resp);
	jo_free(&out);
	return one_line;
}

static void requests(void)
{
	static const struct {
		const char *line;
		const char *errno_name;
	} cases[] = {
		{ "\"\\", "EINVAL" },
		{ "\"a\\", "EINVAL" },
		{ "{\"command\":\"x\\", "EINVAL" },
		{ "{\"command\":\"status\",\"cn\":\"\\", "EINVAL" },
		{ "{\"command\\", "EINVAL" },
		{ "[\"\\u12", "EINVAL" },
		{ "{\"command\":\"status\"} x", "EINVAL" },
		{ "{\"command\":\"status\",\"command\":\"rekey\"}", "EINVAL" },
		{ "{\"command\":\"\xff\"}", "EINVAL" },
		{ "{\"command\":\"st\\u0000atus\"}", "EINVAL" },
		{ "{\"command\":\"rekey\",\"said\":1.5}", "EINVAL" },
		{ "{\"command\":\"rekey\",\"said\":99999999999999999999}", "EINVAL" },
		{ "{\"command\":\"rekey\",\"said\":\"1\"}", "EINVAL" },
		{ "[]", "EINVAL" },
		{ "{\"command\":1}", "EINVAL" },
		{ "{\"command\":\"no-such-command\"}", "EINVAL" },
		{ "", "EINVAL" },
		{ "{\"command\":\"subscriber-list\"}", "EOPNOTSUPP" },
		{ "{\"command\":\"deregister\"}", "EOPNOTSUPP" },
	};
	static const char with_nul[] = "{\"command\":\"status\"}\0";
	char got[32], *deep;
	struct json_out out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool refused = answer(cases[i].line, strlen(cases[i].line),
				      got, sizeof(got));

		ok(refused && !strcmp(got, cases[i].errno_name),
		   "refused with %s: %s (%s)", cases[i].errno_name,
		   cases[i].line, got);
	}
	ok(answer(with_nul, sizeof(with_nul) - 1, got, sizeof(got)) &&
	   !strcmp(got, "EINVAL"), "a NUL byte in the line: EINVAL");

	/* Nested far deeper than any request: refused, no deep recursion. */
	deep = malloc(60000);
	memset(deep, '[', 60000);
	ok(answer(deep, 60000, got, sizeof(got)) && !strcmp(got, "EINVAL"),
	   "60000 nested arrays: EINVAL");
	free(deep);

	jo_init(&out, false);
	control_request(&daemon_, "[]", 2, &out);
	control_request(&daemon_, "{\"command\":\"subscriber-list\"}", 29, &out);
	ok(out.len && strstr(out.buf, "\n") && strstr(strchr(out.buf, '\n'), "EOPNOTSUPP") &&
	   !strstr(strchr(out.buf, '\n') + 1, "\n{"),
	   "two requests: two response lines, in order");
	jo_free(&out);
}

int main(void)
{
	cfg.role = ROLE_BS;
	requests();
	return tap_finish();
}
