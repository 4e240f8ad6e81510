// SPDX-License-Identifier: GPL-2.0
/*
 * wman mgmt: send 802.16 MAC management PDUs on a management connection
 * and listen for the ones received, as pkmd does; for tests and operators.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "output.h"
#include "wman.h"

static void mgmt_usage(FILE *out)
{
	fprintf(out,
		"Usage: wman mgmt send dev NAME cid CID [ to MAC ] { hex HEX | file FILE }\n"
		"       wman mgmt listen dev NAME [ count N ] [ timeout SECONDS ]\n"
		"       wman mgmt help\n"
		"where  CID := 0..65535, a connection of kind mgmt\n"
		"       HEX, FILE := the PDU payload, message type first, 1..%d bytes\n"
		"                    (FILE holds the raw bytes)\n",
		WMAN_MGMT_MAX_LEN);
}

/* Reads a raw payload of 1..WMAN_MGMT_MAX_LEN bytes, or exits. */
static size_t payload_file_read(const char *path,
				uint8_t payload[WMAN_MGMT_MAX_LEN])
{
	FILE *file = fopen(path, "rb");
	size_t len;

	if (!file)
		die("cannot open file \"%s\": %s", path, strerror(errno));
	len = fread(payload, 1, WMAN_MGMT_MAX_LEN, file);
	if (ferror(file))
		die("cannot read file \"%s\"", path);
	if (len == 0 || fgetc(file) != EOF)
		die("invalid file \"%s\": the payload must be 1..%d bytes", path,
		    WMAN_MGMT_MAX_LEN);
	fclose(file);
	return len;
}

static int mgmt_send(int argc, char **argv)
{
	struct cursor args = { argc, argv };
	uint8_t payload[WMAN_MGMT_MAX_LEN];
	size_t payload_len = 0;
	uint8_t to[MAC_LEN];
	bool has_to = false;
	uint32_t ifindex = 0;
	int cid = -1;
	struct nlattr *nest;
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	while (cursor_more(&args)) {
		const char *word = cursor_next(&args);

		if (keyword_is(word, "dev")) {
			ifindex = arg_device(cursor_value(&args, word));
		} else if (keyword_is(word, "cid")) {
			cid = arg_uint(word, cursor_value(&args, word), 0,
				       UINT16_MAX);
		} else if (keyword_is(word, "to")) {
			arg_mac(word, cursor_value(&args, word), to);
			has_to = true;
		} else if (!payload_len && keyword_is(word, "hex")) {
			const char *value = cursor_value(&args, word);
			ssize_t len = parse_hex(value, payload, sizeof(payload));

			if (len < 0)
				die("invalid hex \"%s\": expected 1..%d bytes as pairs of hex digits",
				    value, WMAN_MGMT_MAX_LEN);
			payload_len = len;
		} else if (!payload_len && keyword_is(word, "file")) {
			payload_len = payload_file_read(cursor_value(&args, word),
							payload);
		} else {
			arg_unknown("mgmt", word);
		}
	}
	if (!ifindex)
		arg_missing("mgmt", "send", "dev NAME");
	if (cid < 0)
		arg_missing("mgmt", "send", "cid CID");
	if (!payload_len)
		arg_missing("mgmt", "send", "hex HEX");

	wman_nl_open_genl(&nl);
	msg = wman_nl_message(&nl, WMAN_CMD_MGMT_TX, 0, ifindex);
	nest = nest_start(msg, WMAN_A_MGMT);
	put_check(nla_put_u16(msg, WMAN_MGMT_A_CID, cid));
	put_check(nla_put(msg, WMAN_MGMT_A_PAYLOAD, payload_len, payload));
	if (has_to)
		put_check(nla_put(msg, WMAN_MGMT_A_ADDR, MAC_LEN, to));
	nla_nest_end(msg, nest);
	err = wman_nl_request(&nl, msg, NULL, NULL);
	nlmsg_free(msg);
	wman_nl_close(&nl);
	return err;
}

static void mgmt_rx_print(const struct mgmt_rx_info *rx)
{
	char hex[2 * WMAN_MGMT_MAX_LEN + 1];

	format_hex(rx->payload, rx->len, hex);
	print_object_begin(NULL);
	print_uint("cid", "cid", rx->cid);
	if (rx->has_from)
		print_mac("from", "from", rx->from);
	print_uint("type", "type", rx->payload[0]);
	print_uint("len", "len", rx->len);
	print_string("hex", "hex", hex);
	print_line_end();
	print_object_end();
	fflush(stdout);
}

static int on_mgmt_rx(struct nlmsghdr *nlh, void *arg)
{
	struct mgmt_rx_info rx;

	(void)arg;
	if (genlmsg_hdr(nlh)->cmd != WMAN_CMD_MGMT_RX)
		return 0;
	if (mgmt_rx_parse(nlh, &rx))
		return -EINVAL;
	mgmt_rx_print(&rx);
	return 1;
}

static int mgmt_listen(int argc, char **argv)
{
	struct cursor args = { argc, argv };
	uint64_t count = 0, timeout = 0;
	uint32_t ifindex = 0;
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	while (cursor_more(&args)) {
		const char *word = cursor_next(&args);

		if (keyword_is(word, "dev"))
			ifindex = arg_device(cursor_value(&args, word));
		else if (keyword_is(word, "count"))
			count = arg_uint(word, cursor_value(&args, word), 1,
					 UINT32_MAX);
		else if (keyword_is(word, "timeout"))
			timeout = arg_uint(word, cursor_value(&args, word), 1,
					   UINT32_MAX);
		else
			arg_unknown("mgmt", word);
	}
	if (!ifindex)
		arg_missing("mgmt", "listen", "dev NAME");

	/* JSON lines, one object per PDU, never pretty-printed. */
	output_init(output_is_json(), false);
	wman_nl_open_genl(&nl);
	msg = wman_nl_message(&nl, WMAN_CMD_MGMT_REGISTER, 0, ifindex);
	err = wman_nl_request(&nl, msg, NULL, NULL);
	nlmsg_free(msg);
	if (!err)
		err = wman_nl_listen(&nl, on_mgmt_rx, NULL, count, timeout);
	wman_nl_close(&nl);
	return err;
}

static const struct command mgmt_commands[] = {
	{ "send", mgmt_send },
	{ "listen", mgmt_listen },
	{ NULL, NULL },
};

int do_mgmt(int argc, char **argv)
{
	return command_dispatch("mgmt", mgmt_commands, mgmt_usage, argc, argv);
}
