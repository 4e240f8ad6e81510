// SPDX-License-Identifier: GPL-2.0
/* pkmctl subscriber { add | list | revoke }: the BS's subscriber database. */
#include <stdio.h>
#include <string.h>

#include "pkmctl.h"
#include "util.h"

static int subscriber_add(struct args *a)
{
	const char *cn, *mac = NULL, *provider = NULL, *services = NULL;
	json_t *req, *resp, *result;
	uint8_t parsed[MAC_LEN];
	int code;

	if (a->argc < 1)
		usage_error("subscriber add: missing CN");
	cn = a->argv[0];
	for (int i = 1; i < a->argc; i += 2) {
		const char *word = a->argv[i];

		if (i + 1 >= a->argc)
			usage_error("subscriber add: \"%s\" needs a value", word);
		if (keyword_is(word, "mac"))
			mac = a->argv[i + 1];
		else if (keyword_is(word, "provider"))
			provider = a->argv[i + 1];
		else if (keyword_is(word, "services"))
			services = a->argv[i + 1];
		else
			usage_error("subscriber add: unknown keyword \"%s\"", word);
	}
	if (!mac)
		usage_error("subscriber add: missing \"mac MAC\"");
	if (mac_parse(mac, parsed))
		usage_error("subscriber add: invalid MAC address \"%s\"", mac);
	if (!provider)
		usage_error("subscriber add: missing \"provider PROVIDER\"");

	req = json_pack("{s:s, s:s, s:s, s:s}", "command", "subscriber-add",
			"cn", cn, "mac", mac, "provider", provider);
	if (req && services) {
		json_t *list = json_array();
		char copy[128], *save, *item;

		if (strlen(services) >= sizeof(copy))
			usage_error("subscriber add: services too long");
		strcpy(copy, services);
		for (item = strtok_r(copy, ",", &save); item;
		     item = strtok_r(NULL, ",", &save)) {
			if (strcmp(item, "unicast") && strcmp(item, "multicast") &&
			    strcmp(item, "broadcast"))
				usage_error("subscriber add: unknown service \"%s\"", item);
			json_array_append_new(list, json_string(item));
		}
		if (json_object_set_new(req, "services", list)) {
			json_decref(req);
			req = NULL;
		}
	}
	code = request(req, &resp, &result);
	if (code)
		return code;
	if (opts.json)
		print_json(result);
	json_decref(resp);
	return EXIT_OK;
}

static void print_subscribers(const json_t *list)
{
	static const char *const headers[] = { "CN", "MAC", "PROVIDER",
		"SERVICES", "STATE", "GROUPS", "PRIMARY", "UNICAST", "AK" };
	struct table *t = table_new(headers, 9);

	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *s = json_array_get(list, i);
		char ak[48] = "-";
		int64_t seq, left;
		const char *row[9];

		if (get_int(s, "ak_seq", &seq) &&
		    get_int(s, "ak_remaining", &left))
			snprintf(ak, sizeof(ak), "%lld (%lld s)", (long long)seq,
				 (long long)left);
		row[0] = cell_str(s, "cn");
		row[1] = cell_str(s, "mac");
		row[2] = cell_str(s, "provider");
		row[3] = cell_list(s, "services");
		row[4] = cell_str(s, "state");
		row[5] = cell_list(s, "groups");
		row[6] = cell_hex(s, "primary_cid");
		row[7] = cell_hex(s, "unicast_said");
		row[8] = ak;
		table_row(t, row);
	}
	table_print(t);
}

static int subscriber_list(struct args *a)
{
	json_t *resp, *result;
	int code;

	if (a->argc)
		usage_error("subscriber list takes no arguments");
	code = request_command("subscriber-list", &resp, &result);
	if (code)
		return code;
	if (opts.json)
		print_json(result);
	else
		print_subscribers(result);
	json_decref(resp);
	return EXIT_OK;
}

static int subscriber_revoke(struct args *a)
{
	json_t *req, *resp, *result;
	int code;

	if (a->argc != 1)
		usage_error("usage: pkmctl subscriber revoke CN");
	req = json_pack("{s:s, s:s}", "command", "subscriber-revoke",
			"cn", a->argv[0]);
	code = request(req, &resp, &result);
	if (code)
		return code;
	if (opts.json)
		print_json(result);
	json_decref(resp);
	return EXIT_OK;
}

int cmd_subscriber(struct args *a)
{
	struct args rest;

	if (a->argc < 1)
		usage_error("subscriber: missing command (add, list, revoke)");
	rest = (struct args){ a->argc - 1, a->argv + 1 };
	if (keyword_is(a->argv[0], "add"))
		return subscriber_add(&rest);
	if (keyword_is(a->argv[0], "list") || keyword_is(a->argv[0], "show"))
		return subscriber_list(&rest);
	if (keyword_is(a->argv[0], "revoke"))
		return subscriber_revoke(&rest);
	usage_error("subscriber: unknown command \"%s\"", a->argv[0]);
}
