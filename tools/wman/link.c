// SPDX-License-Identifier: GPL-2.0
/*
 * wman link: create and delete wman devices over rtnetlink (the "wman"
 * link kind, as "ip link add ... type wman" does) and show them over the
 * generic netlink family.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "output.h"
#include "wman.h"

static void link_usage(FILE *out)
{
	fprintf(out,
		"Usage: wman link add link LOWER name NAME [ role ROLE ] [ bsid MAC ]\n"
		"       wman link del [ dev ] NAME\n"
		"       wman link show [ [ dev ] NAME ]\n"
		"       wman link help\n"
		"where  LOWER := the Ethernet device to stack on\n"
		"       ROLE := { bs | ss }   (default bs)\n"
		"       MAC := xx:xx:xx:xx:xx:xx, the base station's identifier\n");
}

static int link_add(int argc, char **argv)
{
	struct cursor args = { argc, argv };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	const char *name = NULL;
	uint32_t lower = 0;
	int role = -1;
	bool has_bsid = false;
	uint8_t bsid[MAC_LEN];
	struct nlattr *linkinfo, *data;
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	while (cursor_more(&args)) {
		const char *word = cursor_next(&args);

		if (keyword_is(word, "link")) {
			lower = arg_device(cursor_value(&args, word));
		} else if (keyword_is(word, "name")) {
			name = arg_ifname(cursor_value(&args, word));
		} else if (keyword_is(word, "role")) {
			role = arg_name(word, cursor_value(&args, word), role_names);
		} else if (keyword_is(word, "bsid")) {
			arg_mac(word, cursor_value(&args, word), bsid);
			has_bsid = true;
		} else {
			arg_unknown("link", word);
		}
	}
	if (!lower)
		arg_missing("link", "add", "link LOWER");
	if (!name)
		arg_missing("link", "add", "name NAME");

	wman_nl_open_route(&nl);
	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	if (!msg)
		die("out of memory");
	put_check(nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO));
	put_check(nla_put_u32(msg, IFLA_LINK, lower));
	put_check(nla_put_string(msg, IFLA_IFNAME, name));
	linkinfo = nest_start(msg, IFLA_LINKINFO);
	put_check(nla_put_string(msg, IFLA_INFO_KIND, "wman"));
	if (role >= 0 || has_bsid) {
		data = nest_start(msg, IFLA_INFO_DATA);
		if (role >= 0)
			put_check(nla_put_u8(msg, IFLA_WMAN_ROLE, role));
		if (has_bsid)
			put_check(nla_put(msg, IFLA_WMAN_BSID, MAC_LEN, bsid));
		nla_nest_end(msg, data);
	}
	nla_nest_end(msg, linkinfo);

	err = wman_nl_request(&nl, msg, NULL, NULL);
	if (err == -EOPNOTSUPP)
		warn("is the wman module loaded?");
	nlmsg_free(msg);
	wman_nl_close(&nl);
	return err;
}

static int on_link_kind(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	bool *is_wman = arg;

	if (nlmsg_parse(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL))
		return -EINVAL;
	*is_wman = tb[IFLA_LINKINFO] &&
		   !nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) &&
		   info[IFLA_INFO_KIND] &&
		   strcmp(nla_get_string(info[IFLA_INFO_KIND]), "wman") == 0;
	return 0;
}

static struct nl_msg *link_message(int type, uint32_t ifindex)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
	};
	struct nl_msg *msg = nlmsg_alloc_simple(type, 0);

	if (!msg)
		die("out of memory");
	put_check(nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO));
	return msg;
}

static int link_del(int argc, char **argv)
{
	struct cursor args = { argc, argv };
	const char *name = NULL;
	uint32_t ifindex = 0;
	bool is_wman = false;
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	while (cursor_more(&args)) {
		const char *word = cursor_next(&args);

		if (!name && keyword_is(word, "dev"))
			word = cursor_value(&args, word);
		else if (name)
			arg_unknown("link", word);
		name = word;
		ifindex = arg_device(name);
	}
	if (!ifindex)
		arg_missing("link", "del", "dev NAME");

	/* Refuse to delete what is not ours, whatever its kind. */
	wman_nl_open_route(&nl);
	msg = link_message(RTM_GETLINK, ifindex);
	err = wman_nl_request(&nl, msg, on_link_kind, &is_wman);
	nlmsg_free(msg);
	if (!err && !is_wman)
		die("\"%s\" is not a wman device", name);
	if (!err) {
		msg = link_message(RTM_DELLINK, ifindex);
		err = wman_nl_request(&nl, msg, NULL, NULL);
		nlmsg_free(msg);
	}
	wman_nl_close(&nl);
	return err;
}

static int on_link(struct nlmsghdr *nlh, void *arg)
{
	struct link_info link;
	int err = link_info_parse(nlh, &link);

	if (!err)
		vec_append(arg, &link);
	return err;
}

int link_collect(struct wman_nl *nl, uint32_t ifindex, struct vec *links)
{
	struct nl_msg *msg = wman_nl_message(nl, WMAN_CMD_LINK_GET,
					  ifindex ? 0 : NLM_F_DUMP, ifindex);
	int err = wman_nl_collect(nl, msg, on_link, links);

	nlmsg_free(msg);
	return err;
}

static void link_print(const struct link_info *link, bool with_stats)
{
	char lower[IF_NAMESIZE];

	print_object_begin(NULL);
	print_string("ifname", NULL, link->ifname);
	print_text(":");
	print_uint("ifindex", "ifindex", link->ifindex);
	print_string("role", "role", name_or_unknown(role_names, link->role));
	if (link->has_bsid)
		print_mac("bsid", "bsid", link->bsid);
	if (link->lower_ifindex) {
		if (if_indextoname(link->lower_ifindex, lower))
			print_string("lower", "lower", lower);
		else if (!output_is_json())
			print_uint(NULL, "lower-ifindex", link->lower_ifindex);
		if (output_is_json())
			print_uint("lower_ifindex", NULL, link->lower_ifindex);
	}
	print_line_end();
	if (with_stats && link->has_stats)
		counters_print(&link->stats, 1);
	print_object_end();
}

int link_show(uint32_t ifindex, bool with_stats)
{
	struct vec links = VEC_OF(struct link_info);
	const struct link_info *link;
	struct wman_nl nl;
	int err;

	wman_nl_open_genl(&nl);
	err = link_collect(&nl, ifindex, &links);
	link = links.items;
	if (!err) {
		print_list_begin();
		for (size_t i = 0; i < links.count; i++)
			link_print(&link[i], with_stats);
		print_list_end();
	}
	vec_free(&links);
	wman_nl_close(&nl);
	return err;
}

static int link_show_command(int argc, char **argv)
{
	struct cursor args = { argc, argv };
	uint32_t ifindex = 0;

	while (cursor_more(&args)) {
		const char *word = cursor_next(&args);

		if (!ifindex && keyword_is(word, "dev"))
			word = cursor_value(&args, word);
		else if (ifindex)
			arg_unknown("link", word);
		ifindex = arg_device(word);
	}
	return link_show(ifindex, show_stats);
}

static const struct command link_commands[] = {
	{ "add", link_add },
	{ "delete", link_del },
	{ "show", link_show_command },
	{ NULL, NULL },
};

int do_link(int argc, char **argv)
{
	return command_dispatch("link", link_commands, link_usage, argc, argv);
}
