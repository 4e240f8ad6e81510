// SPDX-License-Identifier: GPL-2.0
/* wman sa: security associations, their suite, service and TEKs. */
#include <errno.h>
#include <stdio.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "output.h"
#include "wman.h"

static void sa_usage(FILE *out)
{
	fprintf(out,
		"Usage: wman sa add dev NAME said SAID suite SUITE service SERVICE\n"
		"       wman sa del dev NAME said SAID\n"
		"       wman [ -s ] sa show dev NAME [ said SAID ]\n"
		"       wman sa help\n"
		"where  SAID := 0..65535, decimal or 0x hex\n"
		"       SUITE := { aes-ccm | aes-gcm }\n"
		"       SERVICE := { unicast | multicast | broadcast }\n");
}

/* What "sa add", "del" and "show" accept; -1 for absent values. */
struct sa_args {
	uint32_t ifindex;
	int said;
	int suite;
	int service;
};

static void sa_args_parse(int argc, char **argv, bool adding,
			  struct sa_args *sa)
{
	struct cursor args = { argc, argv };

	*sa = (struct sa_args){ .said = -1, .suite = -1, .service = -1 };
	while (cursor_more(&args)) {
		const char *word = cursor_next(&args);

		if (keyword_is(word, "dev"))
			sa->ifindex = arg_device(cursor_value(&args, word));
		else if (keyword_is(word, "said"))
			sa->said = arg_uint(word, cursor_value(&args, word), 0,
					    UINT16_MAX);
		else if (adding && keyword_is(word, "suite"))
			sa->suite = arg_name(word, cursor_value(&args, word),
					     suite_names);
		else if (adding && keyword_is(word, "service"))
			sa->service = arg_name(word, cursor_value(&args, word),
					       service_names);
		else
			arg_unknown("sa", word);
	}
}

static struct nl_msg *sa_request(struct wman_nl *nl, uint8_t cmd, int flags,
				 const struct sa_args *sa)
{
	struct nl_msg *msg = wman_nl_message(nl, cmd, flags, sa->ifindex);
	struct nlattr *nest;

	if (sa->said < 0)
		return msg;
	nest = nest_start(msg, WMAN_A_SA);
	put_check(nla_put_u16(msg, WMAN_SA_A_SAID, sa->said));
	if (sa->suite >= 0)
		put_check(nla_put_u8(msg, WMAN_SA_A_SUITE, sa->suite));
	if (sa->service >= 0)
		put_check(nla_put_u8(msg, WMAN_SA_A_SERVICE, sa->service));
	nla_nest_end(msg, nest);
	return msg;
}

static int sa_change(uint8_t cmd, const struct sa_args *sa)
{
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	wman_nl_open_genl(&nl);
	msg = sa_request(&nl, cmd, 0, sa);
	err = wman_nl_request(&nl, msg, NULL, NULL);
	nlmsg_free(msg);
	wman_nl_close(&nl);
	return err;
}

static int sa_add(int argc, char **argv)
{
	struct sa_args sa;

	sa_args_parse(argc, argv, true, &sa);
	if (!sa.ifindex)
		arg_missing("sa", "add", "dev NAME");
	if (sa.said < 0)
		arg_missing("sa", "add", "said SAID");
	if (sa.suite < 0)
		arg_missing("sa", "add", "suite SUITE");
	if (sa.service < 0)
		arg_missing("sa", "add", "service SERVICE");
	return sa_change(WMAN_CMD_SA_NEW, &sa);
}

static int sa_del(int argc, char **argv)
{
	struct sa_args sa;

	sa_args_parse(argc, argv, false, &sa);
	if (!sa.ifindex)
		arg_missing("sa", "del", "dev NAME");
	if (sa.said < 0)
		arg_missing("sa", "del", "said SAID");
	return sa_change(WMAN_CMD_SA_DEL, &sa);
}

static int on_sa(struct nlmsghdr *nlh, void *arg)
{
	struct sa_info sa;
	int err = sa_info_parse(nlh, &sa);

	if (!err)
		vec_append(arg, &sa);
	return err;
}

int sa_collect(struct wman_nl *nl, uint32_t ifindex, int said,
	       struct vec *sas)
{
	struct sa_args request = {
		.ifindex = ifindex,
		.said = said,
		.suite = -1,
		.service = -1,
	};
	struct nl_msg *msg = sa_request(nl, WMAN_CMD_SA_GET,
					said < 0 ? NLM_F_DUMP : 0, &request);
	int err = wman_nl_collect(nl, msg, on_sa, sas);

	nlmsg_free(msg);
	return err;
}

static void sa_print(const struct sa_info *sa)
{
	print_object_begin(NULL);
	print_uint("said", "said", sa->said);
	print_string("suite", "suite", name_or_unknown(suite_names, sa->suite));
	print_string("service", "service",
		     name_or_unknown(service_names, sa->service));
	print_line_end();
	if (show_stats && sa->has_stats)
		counters_print(&sa->stats, 1);
	print_array_begin("teks");
	for (unsigned int i = 0; i < sa->tek_count; i++)
		tek_print(&sa->teks[i], 1, false);
	print_array_end();
	print_object_end();
}

static int sa_show(int argc, char **argv)
{
	struct vec sas = VEC_OF(struct sa_info);
	const struct sa_info *sa;
	struct sa_args request;
	struct wman_nl nl;
	int err;

	sa_args_parse(argc, argv, false, &request);
	if (!request.ifindex)
		arg_missing("sa", "show", "dev NAME");

	wman_nl_open_genl(&nl);
	err = sa_collect(&nl, request.ifindex, request.said, &sas);
	sa = sas.items;
	if (!err) {
		print_list_begin();
		for (size_t i = 0; i < sas.count; i++)
			sa_print(&sa[i]);
		print_list_end();
	}
	vec_free(&sas);
	wman_nl_close(&nl);
	return err;
}

static const struct command sa_commands[] = {
	{ "add", sa_add },
	{ "delete", sa_del },
	{ "show", sa_show },
	{ NULL, NULL },
};

int do_sa(int argc, char **argv)
{
	return command_dispatch("sa", sa_commands, sa_usage, argc, argv);
}
