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
	json_t *resp, *result;
	int code;

	if (a->argc)
		usage_error("status takes no arguments (\"%s\")", a->argv[0]);
	code = request_command("status", &resp, &result);
	if (code)
		return code;
	if (opts.json) {
		print_json(result);
	} else {
		const char *key;
		json_t *v;

		/* Jansson keeps the members in the daemon's order. */
		json_object_foreach(result, key, v) {
			if (json_is_string(v))
				printf("%s: %s\n", key, json_string_value(v));
			else if (json_is_integer(v))
				printf("%s: %" PRId64 "\n", key,
				       (int64_t)json_integer_value(v));
			else if (json_is_boolean(v))
				printf("%s: %s\n", key, json_is_true(v) ? "yes" : "no");
		}
	}
	json_decref(resp);
	return EXIT_OK;
}

/* pkmctl deregister: the SS sends DREG-REQ; pkmd answers once it is out. */
int cmd_deregister(struct args *a)
{
	json_t *resp, *result;
	int code;

	if (a->argc)
		usage_error("deregister takes no arguments (\"%s\")", a->argv[0]);
	code = request_command("deregister", &resp, &result);
	if (code)
		return code;
	if (opts.json)
		print_json(result);
	json_decref(resp);
	return EXIT_OK;
}

/*
 * pkmctl handover: the SS enters the BS its device's BSID names now,
 * keeping its group keys (Documentation/zones.rst).
 */
int cmd_handover(struct args *a)
{
	json_t *resp, *result;
	int code;

	if (a->argc)
		usage_error("handover takes no arguments (\"%s\")", a->argv[0]);
	code = request_command("handover", &resp, &result);
	if (code)
		return code;
	if (opts.json)
		print_json(result);
	json_decref(resp);
	return EXIT_OK;
}
