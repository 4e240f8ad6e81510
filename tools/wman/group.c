// SPDX-License-Identifier: GPL-2.0
/* wman group: multicast service groups, their connection and addresses. */
#include <errno.h>
#include <stdio.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "output.h"
#include "wman.h"

static void group_usage(FILE *out)
{
	fprintf(out,
		"Usage: wman group add dev NAME id GID cid CID addr MAC [ addr MAC ... ]\n"
		"       wman group del dev NAME id GID\n"
		"       wman group show dev NAME [ id GID ]\n"
		"       wman group help\n"
		"where  GID := 0..255, the multicast service group ID\n"
		"       CID := 0..65535, the group's multicast connection\n"
		"       MAC := xx:xx:xx:xx:xx:xx, a multicast address (at most %d)\n",
		WMAN_GROUP_MAX_ADDRS);
}

/* What "group add", "del" and "show" accept; -1 for absent numbers. */
struct group_args {
	uint32_t ifindex;
	int id;
	int cid;
	unsigned int addr_count;
	uint8_t addrs[WMAN_GROUP_MAX_ADDRS][MAC_LEN];
};

static void group_args_parse(int argc, char **argv, bool adding,
			     struct group_args *group)
{
	struct cursor args = { argc, argv };

	group->ifindex = 0;
	group->id = group->cid = -1;
	group->addr_count = 0;
	while (cursor_more(&args)) {
		const char *word = cursor_next(&args);

		if (keyword_is(word, "dev")) {
			group->ifindex = arg_device(cursor_value(&args, word));
		} else if (keyword_is(word, "id")) {
			group->id = arg_uint(word, cursor_value(&args, word), 0,
					     UINT8_MAX);
		} else if (adding && keyword_is(word, "cid")) {
			group->cid = arg_uint(word, cursor_value(&args, word), 0,
					      UINT16_MAX);
		} else if (adding && keyword_is(word, "addr")) {
			const char *value = cursor_value(&args, word);

			if (group->addr_count == WMAN_GROUP_MAX_ADDRS)
				die("too many addresses at \"%s\": a group has at most %d",
				    value, WMAN_GROUP_MAX_ADDRS);
			arg_mac(word, value, group->addrs[group->addr_count++]);
		} else {
			arg_unknown("group", word);
		}
	}
}

static struct nl_msg *group_request(struct wman_nl *nl, uint8_t cmd, int flags,
				    const struct group_args *group)
{
	struct nl_msg *msg = wman_nl_message(nl, cmd, flags, group->ifindex);
	struct nlattr *nest, *addrs;

	if (group->id < 0)
		return msg;
	nest = nest_start(msg, WMAN_A_GROUP);
	put_check(nla_put_u8(msg, WMAN_GROUP_A_ID, group->id));
	if (group->cid >= 0)
		put_check(nla_put_u16(msg, WMAN_GROUP_A_CID, group->cid));
	if (group->addr_count) {
		addrs = nest_start(msg, WMAN_GROUP_A_ADDRS);
		for (unsigned int i = 0; i < group->addr_count; i++)
			put_check(nla_put(msg, WMAN_GROUP_A_ADDR, MAC_LEN,
					  group->addrs[i]));
		nla_nest_end(msg, addrs);
	}
	nla_nest_end(msg, nest);
	return msg;
}

static int group_change(uint8_t cmd, const struct group_args *group)
{
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	wman_nl_open_genl(&nl);
	msg = group_request(&nl, cmd, 0, group);
	err = wman_nl_request(&nl, msg, NULL, NULL);
	nlmsg_free(msg);
	wman_nl_close(&nl);
	return err;
}

static int group_add(int argc, char **argv)
{
	struct group_args group;

	group_args_parse(argc, argv, true, &group);
	if (!group.ifindex)
		arg_missing("group", "add", "dev NAME");
	if (group.id < 0)
		arg_missing("group", "add", "id GID");
	if (group.cid < 0)
		arg_missing("group", "add", "cid CID");
	if (!group.addr_count)
		arg_missing("group", "add", "addr MAC");
	return group_change(WMAN_CMD_GROUP_NEW, &group);
}

static int group_del(int argc, char **argv)
{
	struct group_args group;

	group_args_parse(argc, argv, false, &group);
	if (!group.ifindex)
		arg_missing("group", "del", "dev NAME");
	if (group.id < 0)
		arg_missing("group", "del", "id GID");
	return group_change(WMAN_CMD_GROUP_DEL, &group);
}

static int on_group(struct nlmsghdr *nlh, void *arg)
{
	struct group_info group;
	int err = group_info_parse(nlh, &group);

	if (!err)
		vec_append(arg, &group);
	return err;
}

static void group_print(const struct group_info *group)
{
	print_object_begin(NULL);
	print_uint("id", "id", group->id);
	print_uint("cid", "cid", group->cid);
	print_array_begin("addrs");
	for (unsigned int i = 0; i < group->addr_count; i++)
		print_mac(NULL, "addr", group->addrs[i]);
	print_array_end();
	print_line_end();
	print_object_end();
}

static int group_show(int argc, char **argv)
{
	struct vec groups = VEC_OF(struct group_info);
	const struct group_info *group;
	struct group_args request;
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	group_args_parse(argc, argv, false, &request);
	if (!request.ifindex)
		arg_missing("group", "show", "dev NAME");

	wman_nl_open_genl(&nl);
	msg = group_request(&nl, WMAN_CMD_GROUP_GET,
			    request.id < 0 ? NLM_F_DUMP : 0, &request);
	err = wman_nl_collect(&nl, msg, on_group, &groups);
	group = groups.items;
	if (!err) {
		print_list_begin();
		for (size_t i = 0; i < groups.count; i++)
			group_print(&group[i]);
		print_list_end();
	}
	nlmsg_free(msg);
	vec_free(&groups);
	wman_nl_close(&nl);
	return err;
}

static const struct command group_commands[] = {
	{ "add", group_add },
	{ "delete", group_del },
	{ "show", group_show },
	{ NULL, NULL },
};

int do_group(int argc, char **argv)
{
	return command_dispatch("group", group_commands, group_usage, argc,
				argv);
}
