// SPDX-License-Identifier: GPL-2.0
/* pkmctl group { list | member { add | del } }: multicast service groups. */
#include <stdio.h>
#include <stdlib.h>

#include "pkmctl.h"
#include "util.h"

static void print_groups(const json_t *list)
{
	static const char *const headers[] = { "GROUP", "CID", "SUITE",
					       "ADDRESSES", "MEMBERS", "TREE",
					       "DEGREE", "IN-TREE", "EPOCH" };
	struct table *t = table_new(headers, 9);

	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *g = json_array_get(list, i);
		const json_t *tree = json_object_get(g, "tree");
		bool has_tree = json_is_object(tree);
		const char *row[] = { cell_int(g, "id"), cell_hex(g, "cid"),
				      cell_str(g, "suite"),
				      cell_list(g, "addresses"),
				      cell_list(g, "members"),
				      has_tree ? cell_str(tree, "scheme") : "none",
				      has_tree ? cell_int(tree, "degree") : "-",
				      has_tree ? cell_int(tree, "members") : "-",
				      has_tree ? cell_int(tree, "epoch") : "-" };

		table_row(t, row);
	}
	table_print(t);
}

static int group_list(struct args *a)
{
	json_t *resp, *result;
	int code;

	if (a->argc)
		usage_error("group list takes no arguments");
	code = request_command("group-list", &resp, &result);
	if (code)
		return code;
	if (opts.json)
		print_json(result);
	else
		print_groups(result);
	json_decref(resp);
	return EXIT_OK;
}

static int group_member(struct args *a)
{
	json_t *req, *resp, *result;
	const char *command;
	uint64_t group;
	int code;

	if (a->argc != 3)
		usage_error("usage: pkmctl group member { add | del } GROUP CN");
	if (keyword_is(a->argv[0], "add"))
		command = "group-member-add";
	else if (keyword_is(a->argv[0], "del") || keyword_is(a->argv[0], "delete"))
		command = "group-member-del";
	else
		usage_error("group member: unknown command \"%s\" (add, del)", a->argv[0]);
	if (parse_uint(a->argv[1], 255, &group))
		usage_error("invalid group \"%s\": expected 0..255", a->argv[1]);

	req = json_pack("{s:s, s:I, s:s}", "command", command,
			"group", (json_int_t)group, "cn", a->argv[2]);
	code = request(req, &resp, &result);
	if (code)
		return code;
	if (opts.json)
		print_json(result);
	json_decref(resp);
	return EXIT_OK;
}

int cmd_group(struct args *a)
{
	struct args rest;

	if (a->argc < 1)
		usage_error("group: missing command (list, member)");
	rest = (struct args){ a->argc - 1, a->argv + 1 };
	if (keyword_is(a->argv[0], "list") || keyword_is(a->argv[0], "show"))
		return group_list(&rest);
	if (keyword_is(a->argv[0], "member"))
		return group_member(&rest);
	usage_error("group: unknown command \"%s\"", a->argv[0]);
}
