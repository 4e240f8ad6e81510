// SPDX-License-Identifier: GPL-2.0
/* pkmctl sa list, pkmctl rekey SAID: SAs, their TEKs and states. */
#include <stdio.h>
#include <string.h>

#include "pkmctl.h"
#include "util.h"

/* "EKS 1 3599 s" for the TEK of that generation, "-" if there is none. */
static const char *tek_cell(const json_t *sa, const char *generation,
			    char *buf, size_t len)
{
	const json_t *teks = json_object_get(sa, "teks");

	for (size_t i = 0; i < json_array_size(teks); i++) {
		const json_t *t = json_array_get(teks, i);
		const char *g = get_string(t, "generation");
		int64_t eks, left;

		if (g && !strcmp(g, generation) && get_int(t, "eks", &eks) &&
		    get_int(t, "remaining", &left)) {
			snprintf(buf, len, "EKS %lld %lld s", (long long)eks,
				 (long long)left);
			return buf;
		}
	}
	return "-";
}

static void print_sas(const json_t *list)
{
	static const char *const headers[] = { "SAID", "SERVICE", "FOR",
		"SUITE", "STATE", "OLDER", "NEWER" };
	struct table *t = table_new(headers, 7);

	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *sa = json_array_get(list, i);
		char older[48], newer[48], who[96] = "-", state[48];
		const char *s = get_string(sa, "state");
		int64_t v;

		if (get_int(sa, "group", &v))
			snprintf(who, sizeof(who), "group %lld", (long long)v);
		else if (get_string(sa, "owner"))
			snprintf(who, sizeof(who), "%s %s", cell_str(sa, "cn"),
				 cell_str(sa, "owner"));
		else if (get_int(sa, "service_type", &v))
			snprintf(who, sizeof(who), "service type %lld", (long long)v);
		/* The SS's state machine, and the code of a Key Reject. */
		if (s && get_int(sa, "key_reject", &v))
			snprintf(state, sizeof(state), "%s (reject %lld)", s, (long long)v);
		else
			snprintf(state, sizeof(state), "%s", s ? s : "-");
		const char *row[] = { cell_hex(sa, "said"), cell_str(sa, "service"),
				      who, cell_str(sa, "suite"), state,
				      tek_cell(sa, "older", older, sizeof(older)),
				      tek_cell(sa, "newer", newer, sizeof(newer)) };
		table_row(t, row);
	}
	table_print(t);
}

int cmd_sa(struct args *a)
{
	json_t *resp, *result;
	int code;

	if (a->argc < 1 || !(keyword_is(a->argv[0], "list") ||
			     keyword_is(a->argv[0], "show")))
		usage_error("usage: pkmctl sa list");
	if (a->argc > 1)
		usage_error("sa list takes no arguments (\"%s\")", a->argv[1]);
	code = request_command("sa-list", &resp, &result);
	if (code)
		return code;
	if (opts.json)
		print_json(result);
	else
		print_sas(result);
	json_decref(resp);
	return EXIT_OK;
}

int cmd_rekey(struct args *a)
{
	json_t *req, *resp, *result;
	uint64_t said;
	int code;

	if (a->argc != 1)
		usage_error("usage: pkmctl rekey SAID");
	if (parse_uint(a->argv[0], 0xffff, &said))
		usage_error("invalid SAID \"%s\": expected 0..65535", a->argv[0]);
	req = json_pack("{s:s, s:I}", "command", "rekey", "said", (json_int_t)said);
	code = request(req, &resp, &result);
	if (code)
		return code;
	if (opts.json)
		print_json(result);
	json_decref(resp);
	return EXIT_OK;
}
