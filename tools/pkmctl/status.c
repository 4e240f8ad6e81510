// SPDX-License-Identifier: GPL-2.0
/*
 * pkmctl status: the daemon's role, device and state, one "key: value" a
 * line; pkmctl deregister.
 */
#include <inttypes.h>
#include <stdio.h>

#include "pkmctl.h"

int cmd_status(struct args *a)
{
	const struct json *result;
	struct json resp;
	int code;

	if (a->argc)
		usage_error("status takes no arguments (\"%s\")", a->argv[0]);
	code = request_command("status", &resp, &result);
	if (code)
		return code;
	if (opts.json) {
		print_json(result);
	} else if (result && result->type == JSON_OBJECT) {
		for (size_t i = 0; i < result->n; i++) {
			const struct json *v = &result->items[i];

			if (v->type == JSON_STRING)
				printf("%s: %s\n", result->keys[i], v->s);
			else if (v->type == JSON_INT)
				printf("%s: %" PRId64 "\n", result->keys[i], v->i);
			else if (v->type == JSON_BOOL)
				printf("%s: %s\n", result->keys[i], v->b ? "yes" : "no");
		}
	}
	json_free(&resp);
	return EXIT_OK;
}

/* pkmctl deregister: the SS sends DREG-REQ; pkmd answers once it is out. */
int cmd_deregister(struct args *a)
{
	const struct json *result;
	struct json resp;
	int code;

	if (a->argc)
		usage_error("deregister takes no arguments (\"%s\")", a->argv[0]);
	code = request_command("deregister", &resp, &result);
	if (code)
		return code;
	if (opts.json)
		print_json(result);
	json_free(&resp);
	return EXIT_OK;
}
