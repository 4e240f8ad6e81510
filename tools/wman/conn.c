// SPDX-License-Identifier: GPL-2.0
/* wman conn: connections (CIDs), their kind, SA and peer. */
#include <errno.h>
#include <stdio.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "output.h"
#include "wman.h"

static void conn_usage(FILE *out)
{
	fprintf(out,
		"Usage: wman conn add dev NAME cid CID kind KIND [ said SAID ] [ peer MAC ]\n"
		"       wman conn del dev NAME cid CID\n"
		"       wman conn show dev NAME [ cid CID ]\n"
		"       wman conn help\n"
		"where  KIND := { mgmt | unicast | multicast | broadcast }\n"
		"       CID, SAID := 0..65535, decimal or 0x hex\n"
		"       MAC := xx:xx:xx:xx:xx:xx, the subscriber station of the connection\n");
}

/* What "conn add", "del" and "show" accept; -1 for absent numbers. */
struct conn_args {
	uint32_t ifindex;
	int cid;
	int kind;
	int said;
	bool has_peer;
	uint8_t peer[MAC_LEN];
};

static void conn_args_parse(int argc, char **argv, bool adding,
			    struct conn_args *conn)
{
	struct cursor args = { argc, argv };

	*conn = (struct conn_args){ .cid = -1, .kind = -1, .said = -1 };
	while (cursor_more(&args)) {
		const char *word = cursor_next(&args);

		if (keyword_is(word, "dev")) {
			conn->ifindex = arg_device(cursor_value(&args, word));
		} else if (keyword_is(word, "cid")) {
			conn->cid = arg_uint(word, cursor_value(&args, word), 0,
					     UINT16_MAX);
		} else if (adding && keyword_is(word, "kind")) {
			conn->kind = arg_name(word, cursor_value(&args, word),
					      conn_kind_names);
		} else if (adding && keyword_is(word, "said")) {
			conn->said = arg_uint(word, cursor_value(&args, word), 0,
					      UINT16_MAX);
		} else if (adding && keyword_is(word, "peer")) {
			arg_mac(word, cursor_value(&args, word), conn->peer);
			conn->has_peer = true;
		} else {
			arg_unknown("conn", word);
		}
	}
}

static struct nl_msg *conn_request(struct wman_nl *nl, uint8_t cmd, int flags,
				   const struct conn_args *conn)
{
	struct nl_msg *msg = wman_nl_message(nl, cmd, flags, conn->ifindex);
	struct nlattr *nest;

	if (conn->cid < 0)
		return msg;
	nest = nest_start(msg, WMAN_A_CONN);
	put_check(nla_put_u16(msg, WMAN_CONN_A_CID, conn->cid));
	if (conn->kind >= 0)
		put_check(nla_put_u8(msg, WMAN_CONN_A_KIND, conn->kind));
	if (conn->said >= 0)
		put_check(nla_put_u16(msg, WMAN_CONN_A_SAID, conn->said));
	if (conn->has_peer)
		put_check(nla_put(msg, WMAN_CONN_A_PEER, MAC_LEN, conn->peer));
	nla_nest_end(msg, nest);
	return msg;
}

static int conn_change(uint8_t cmd, const struct conn_args *conn)
{
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	wman_nl_open_genl(&nl);
	msg = conn_request(&nl, cmd, 0, conn);
	err = wman_nl_request(&nl, msg, NULL, NULL);
	nlmsg_free(msg);
	wman_nl_close(&nl);
	return err;
}

static int conn_add(int argc, char **argv)
{
	struct conn_args conn;

	conn_args_parse(argc, argv, true, &conn);
	if (!conn.ifindex)
		arg_missing("conn", "add", "dev NAME");
	if (conn.cid < 0)
		arg_missing("conn", "add", "cid CID");
	if (conn.kind < 0)
		arg_missing("conn", "add", "kind KIND");
	return conn_change(WMAN_CMD_CONN_NEW, &conn);
}

static int conn_del(int argc, char **argv)
{
	struct conn_args conn;

	conn_args_parse(argc, argv, false, &conn);
	if (!conn.ifindex)
		arg_missing("conn", "del", "dev NAME");
	if (conn.cid < 0)
		arg_missing("conn", "del", "cid CID");
	return conn_change(WMAN_CMD_CONN_DEL, &conn);
}

static int on_conn(struct nlmsghdr *nlh, void *arg)
{
	struct conn_info conn;
	int err = conn_info_parse(nlh, &conn);

	if (!err)
		vec_append(arg, &conn);
	return err;
}

static void conn_print(const struct conn_info *conn)
{
	print_object_begin(NULL);
	print_uint("cid", "cid", conn->cid);
	print_string("kind", "kind", name_or_unknown(conn_kind_names, conn->kind));
	if (conn->has_said)
		print_uint("said", "said", conn->said);
	if (conn->has_peer)
		print_mac("peer", "peer", conn->peer);
	print_line_end();
	print_object_end();
}

static int conn_show(int argc, char **argv)
{
	struct vec conns = VEC_OF(struct conn_info);
	const struct conn_info *conn;
	struct conn_args request;
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	conn_args_parse(argc, argv, false, &request);
	if (!request.ifindex)
		arg_missing("conn", "show", "dev NAME");

	wman_nl_open_genl(&nl);
	msg = conn_request(&nl, WMAN_CMD_CONN_GET,
			   request.cid < 0 ? NLM_F_DUMP : 0, &request);
	err = wman_nl_collect(&nl, msg, on_conn, &conns);
	conn = conns.items;
	if (!err) {
		print_list_begin();
		for (size_t i = 0; i < conns.count; i++)
			conn_print(&conn[i]);
		print_list_end();
	}
	nlmsg_free(msg);
	vec_free(&conns);
	wman_nl_close(&nl);
	return err;
}

static const struct command conn_commands[] = {
	{ "add", conn_add },
	{ "delete", conn_del },
	{ "show", conn_show },
	{ NULL, NULL },
};

int do_conn(int argc, char **argv)
{
	return command_dispatch("conn", conn_commands, conn_usage, argc, argv);
}
