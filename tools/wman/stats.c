// SPDX-License-Identifier: GPL-2.0
/* wman stats: counters per device, SA and TEK. */
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netlink/msg.h>

#include "output.h"
#include "wman.h"

static void stats_usage(FILE *out)
{
	fprintf(out,
		"Usage: wman stats show [ dev NAME ]\n"
		"       wman stats reset dev NAME\n"
		"       wman stats get dev NAME [ said SAID [ eks EKS ] ] COUNTER\n"
		"       wman stats help\n"
		"where  SAID := 0..65535, EKS := 0..3\n"
		"       COUNTER := {");
	for (const struct name_value *counter = counter_names; counter->name;
	     counter++)
		fprintf(out, "%s%s%s", counter == counter_names ? " " : "",
			counter->name, counter[1].name ? " |" : " }\n");
}

void counters_print(const struct counters *counters, unsigned int indent)
{
	/* Text groups the counters on one line per name prefix. */
	static const char *const groups[] = { "tx", "rx", "mgmt" };

	print_object_begin("stats");
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		size_t prefix_len = strlen(groups[g]);
		bool line_open = false;

		for (const struct name_value *counter = counter_names;
		     counter->name; counter++) {
			char json_key[32];

			if (strncmp(counter->name, groups[g], prefix_len) ||
			    counter->name[prefix_len] != '-' ||
			    !counters->present[counter->value])
				continue;
			if (!line_open) {
				print_indent(indent);
				print_text(groups[g]);
				line_open = true;
			}
			snprintf(json_key, sizeof(json_key), "%s", counter->name);
			for (char *c = json_key; *c; c++)
				if (*c == '-')
					*c = '_';
			print_uint(json_key, counter->name + prefix_len + 1,
				   counters->value[counter->value]);
		}
		if (line_open)
			print_line_end();
	}
	print_object_end();
}

/* The arguments of show and reset: [ dev NAME ]; 0 when not given. */
static uint32_t stats_device(int argc, char **argv)
{
	struct cursor args = { argc, argv };
	uint32_t ifindex = 0;

	while (cursor_more(&args)) {
		const char *word = cursor_next(&args);

		if (keyword_is(word, "dev"))
			ifindex = arg_device(cursor_value(&args, word));
		else
			arg_unknown("stats", word);
	}
	return ifindex;
}

static int stats_show(int argc, char **argv)
{
	return link_show(stats_device(argc, argv), true);
}

static int stats_reset(int argc, char **argv)
{
	uint32_t ifindex = stats_device(argc, argv);
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	if (!ifindex)
		arg_missing("stats", "reset", "dev NAME");

	wman_nl_open_genl(&nl);
	msg = wman_nl_message(&nl, WMAN_CMD_STATS_RESET, 0, ifindex);
	err = wman_nl_request(&nl, msg, NULL, NULL);
	nlmsg_free(msg);
	wman_nl_close(&nl);
	return err;
}

static const struct name_value *counter_find(const char *word)
{
	/* Exact names only: scripts should not depend on abbreviations. */
	for (const struct name_value *counter = counter_names; counter->name;
	     counter++)
		if (strcmp(word, counter->name) == 0)
			return counter;
	return NULL;
}

/* The counters of one TEK of sa, or of sa itself when eks is -1. */
static const struct counters *sa_counters(const struct sa_info *sa, int eks)
{
	if (eks < 0)
		return sa->has_stats ? &sa->stats : NULL;
	for (unsigned int i = 0; i < sa->tek_count; i++)
		if (sa->teks[i].eks == eks)
			return sa->teks[i].has_stats ? &sa->teks[i].stats : NULL;
	die("SA %u has no TEK with eks %d", sa->said, eks);
}

/*
 * The counters of the device, of one of its SAs or of one TEK of it;
 * -ENODATA when the kernel did not report them.
 */
static int counters_fetch(uint32_t ifindex, int said, int eks,
			  struct counters *counters)
{
	struct vec links = VEC_OF(struct link_info);
	struct vec sas = VEC_OF(struct sa_info);
	const struct counters *found = NULL;
	const struct link_info *link;
	struct wman_nl nl;
	int err;

	wman_nl_open_genl(&nl);
	if (said < 0) {
		err = link_collect(&nl, ifindex, &links);
		link = links.items;
		if (!err && links.count == 1 && link->has_stats)
			found = &link->stats;
	} else {
		err = sa_collect(&nl, ifindex, said, &sas);
		if (!err && sas.count == 1)
			found = sa_counters(sas.items, eks);
	}
	if (!err && !found)
		err = -ENODATA;
	if (!err)
		*counters = *found;
	vec_free(&links);
	vec_free(&sas);
	wman_nl_close(&nl);
	return err;
}

static int stats_get(int argc, char **argv)
{
	const struct name_value *counter = NULL;
	struct cursor args = { argc, argv };
	struct counters counters;
	uint32_t ifindex = 0;
	int said = -1, eks = -1;
	int err;

	while (cursor_more(&args)) {
		const char *word = cursor_next(&args);

		if (keyword_is(word, "dev"))
			ifindex = arg_device(cursor_value(&args, word));
		else if (keyword_is(word, "said"))
			said = arg_uint(word, cursor_value(&args, word), 0, UINT16_MAX);
		else if (keyword_is(word, "eks"))
			eks = arg_uint(word, cursor_value(&args, word), 0,
				       WMAN_EKS_COUNT - 1);
		else if (!counter && (counter = counter_find(word)))
			continue;
		else if (!counter)
			die("unknown counter \"%s\"; try \"wman stats help\"", word);
		else
			arg_unknown("stats", word);
	}
	if (!ifindex)
		arg_missing("stats", "get", "dev NAME");
	if (!counter)
		arg_missing("stats", "get", "COUNTER");
	if (eks >= 0 && said < 0)
		arg_missing("stats", "get", "said SAID");

	err = counters_fetch(ifindex, said, eks, &counters);
	if (err == -ENODATA || (!err && !counters.present[counter->value]))
		die("the kernel reported no %s counter", counter->name);
	if (err)
		return err;
	printf("%" PRIu64 "\n", counters.value[counter->value]);
	return 0;
}

static const struct command stats_commands[] = {
	{ "show", stats_show },
	{ "reset", stats_reset },
	{ "get", stats_get },
	{ NULL, NULL },
};

int do_stats(int argc, char **argv)
{
	return command_dispatch("stats", stats_commands, stats_usage, argc,
				argv);
}
