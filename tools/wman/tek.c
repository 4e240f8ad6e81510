// SPDX-License-Identifier: GPL-2.0
/*
 * wman tek: traffic encryption keys in the two slots of an SA.  Keys go
 * to the kernel and are never printed; every copy of one is wiped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "output.h"
#include "wman.h"

static void tek_usage(FILE *out)
{
	fprintf(out,
		"Usage: wman tek add dev NAME said SAID eks EKS { key HEX | keyfile FILE }\n"
		"                    [ lifetime SECONDS ] [ soft-lifetime SECONDS ] [ pn PN ]\n"
		"                    [ pn-limit LIMIT ] [ rx-pn PN ] [ replace ]\n"
		"       wman tek set dev NAME said SAID eks EKS pn-limit LIMIT\n"
		"       wman tek del dev NAME said SAID eks EKS\n"
		"       wman [ -s ] tek show dev NAME [ said SAID ]\n"
		"       wman tek help\n"
		"where  SAID := 0..65535, EKS := 0..3, PN := 0..2147483647\n"
		"       LIMIT := 1..2147483648, the first PN not to send\n"
		"       HEX := 32 hex digits (visible to other users: prefer keyfile)\n"
		"       FILE := 16 raw bytes, or 32 hex digits and a newline\n"
		"       SECONDS := 0..4294967295, 0 meaning no lifetime\n");
}

/* The PN space of one direction: a PN limit may be all of it. */
#define TEK_PN_SPACE	0x80000000U

/* Which command is parsing: each takes its own set of keywords. */
enum tek_command {
	TEK_ADD,
	TEK_SET,
	TEK_OTHER,		/* del, show: dev, said, eks */
};

/* What the tek commands accept; -1 for absent numbers. */
struct tek_args {
	uint32_t ifindex;
	int said;
	int eks;
	char *key_hex;			/* wiped once decoded */
	const char *key_file;
	int64_t lifetime;
	int64_t soft_lifetime;
	int64_t tx_pn;
	int64_t tx_pn_limit;
	int64_t rx_pn;
	bool replace;
};

static void tek_args_parse(int argc, char **argv, enum tek_command command,
			   struct tek_args *tek)
{
	struct cursor args = { argc, argv };
	bool adding = command == TEK_ADD;

	*tek = (struct tek_args){
		.said = -1, .eks = -1,
		.lifetime = -1, .soft_lifetime = -1, .tx_pn = -1,
		.tx_pn_limit = -1, .rx_pn = -1,
	};
	while (cursor_more(&args)) {
		char *word = cursor_next(&args);

		if (keyword_is(word, "dev"))
			tek->ifindex = arg_device(cursor_value(&args, word));
		else if (keyword_is(word, "said"))
			tek->said = arg_uint(word, cursor_value(&args, word), 0,
					     UINT16_MAX);
		else if (keyword_is(word, "eks"))
			tek->eks = arg_uint(word, cursor_value(&args, word), 0,
					    WMAN_EKS_COUNT - 1);
		else if (adding && keyword_is(word, "key"))
			tek->key_hex = cursor_value(&args, word);
		else if (adding && keyword_is(word, "keyfile"))
			tek->key_file = cursor_value(&args, word);
		else if (adding && keyword_is(word, "lifetime"))
			tek->lifetime = arg_uint(word, cursor_value(&args, word),
						 0, UINT32_MAX);
		else if (adding && keyword_is(word, "soft-lifetime"))
			tek->soft_lifetime = arg_uint(word,
						      cursor_value(&args, word),
						      0, UINT32_MAX);
		else if (adding && keyword_is(word, "pn"))
			tek->tx_pn = arg_uint(word, cursor_value(&args, word), 0,
					      INT32_MAX);
		else if ((adding || command == TEK_SET) &&
			 keyword_is(word, "pn-limit"))
			tek->tx_pn_limit = arg_uint(word,
						    cursor_value(&args, word),
						    1, TEK_PN_SPACE);
		else if (adding && keyword_is(word, "replace"))
			tek->replace = true;
		else if (adding && keyword_is(word, "rx-pn"))
			tek->rx_pn = arg_uint(word, cursor_value(&args, word), 0,
					      INT32_MAX);
		else
			arg_unknown("tek", word);
	}
}

/* Decodes the key from the command line or its file into key. */
static void tek_key_read(struct tek_args *tek, uint8_t key[WMAN_KEY_LEN])
{
	ssize_t len;
	int err;

	if (tek->key_hex) {
		len = parse_hex(tek->key_hex, key, WMAN_KEY_LEN);
		/* Also hides the key from later readers of /proc/PID/cmdline. */
		explicit_bzero(tek->key_hex, strlen(tek->key_hex));
		if (len != WMAN_KEY_LEN) {
			explicit_bzero(key, WMAN_KEY_LEN);
			die("invalid key: expected %d hex digits",
			    2 * WMAN_KEY_LEN);
		}
		return;
	}

	err = read_key_file(tek->key_file, key, WMAN_KEY_LEN);
	if (err == -EINVAL)
		die("invalid keyfile \"%s\": expected %d raw bytes or %d hex digits",
		    tek->key_file, WMAN_KEY_LEN, 2 * WMAN_KEY_LEN);
	if (err)
		die("cannot read keyfile \"%s\": %s", tek->key_file,
		    strerror(-err));
}

static int tek_add(int argc, char **argv)
{
	uint8_t key[WMAN_KEY_LEN];
	struct tek_args tek;
	struct nlattr *nest;
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	tek_args_parse(argc, argv, TEK_ADD, &tek);
	if (!tek.ifindex)
		arg_missing("tek", "add", "dev NAME");
	if (tek.said < 0)
		arg_missing("tek", "add", "said SAID");
	if (tek.eks < 0)
		arg_missing("tek", "add", "eks EKS");
	if (!tek.key_hex == !tek.key_file)
		die("tek add: give exactly one of \"key HEX\" and \"keyfile FILE\"");

	/* Connect first: the key then lives no longer than it must. */
	wman_nl_open_genl(&nl);
	msg = wman_nl_message(&nl, WMAN_CMD_TEK_NEW, 0, tek.ifindex);
	nest = nest_start(msg, WMAN_A_TEK);
	put_check(nla_put_u16(msg, WMAN_TEK_A_SAID, tek.said));
	put_check(nla_put_u8(msg, WMAN_TEK_A_EKS, tek.eks));
	if (tek.lifetime >= 0)
		put_check(nla_put_u32(msg, WMAN_TEK_A_LIFETIME, tek.lifetime));
	if (tek.soft_lifetime >= 0)
		put_check(nla_put_u32(msg, WMAN_TEK_A_SOFT_LIFETIME,
				      tek.soft_lifetime));
	if (tek.tx_pn >= 0)
		put_check(nla_put_u32(msg, WMAN_TEK_A_TX_PN, tek.tx_pn));
	if (tek.tx_pn_limit >= 0)
		put_check(nla_put_u32(msg, WMAN_TEK_A_TX_PN_LIMIT,
				      tek.tx_pn_limit));
	if (tek.rx_pn >= 0)
		put_check(nla_put_u32(msg, WMAN_TEK_A_RX_PN, tek.rx_pn));
	if (tek.replace)
		put_check(nla_put_flag(msg, WMAN_TEK_A_REPLACE));
	tek_key_read(&tek, key);
	err = nla_put(msg, WMAN_TEK_A_KEY, WMAN_KEY_LEN, key);
	explicit_bzero(key, sizeof(key));
	put_check(err);
	nla_nest_end(msg, nest);

	err = wman_nl_request(&nl, msg, NULL, NULL);
	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	wman_nl_close(&nl);
	return err;
}

/* Raises the PN limit of an installed TEK; the kernel refuses lowering it. */
static int tek_set(int argc, char **argv)
{
	struct tek_args tek;
	struct nlattr *nest;
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	tek_args_parse(argc, argv, TEK_SET, &tek);
	if (!tek.ifindex)
		arg_missing("tek", "set", "dev NAME");
	if (tek.said < 0)
		arg_missing("tek", "set", "said SAID");
	if (tek.eks < 0)
		arg_missing("tek", "set", "eks EKS");
	if (tek.tx_pn_limit < 0)
		arg_missing("tek", "set", "pn-limit LIMIT");

	wman_nl_open_genl(&nl);
	msg = wman_nl_message(&nl, WMAN_CMD_TEK_SET, 0, tek.ifindex);
	nest = nest_start(msg, WMAN_A_TEK);
	put_check(nla_put_u16(msg, WMAN_TEK_A_SAID, tek.said));
	put_check(nla_put_u8(msg, WMAN_TEK_A_EKS, tek.eks));
	put_check(nla_put_u32(msg, WMAN_TEK_A_TX_PN_LIMIT, tek.tx_pn_limit));
	nla_nest_end(msg, nest);
	err = wman_nl_request(&nl, msg, NULL, NULL);
	nlmsg_free(msg);
	wman_nl_close(&nl);
	return err;
}

static int tek_del(int argc, char **argv)
{
	struct tek_args tek;
	struct nlattr *nest;
	struct wman_nl nl;
	struct nl_msg *msg;
	int err;

	tek_args_parse(argc, argv, TEK_OTHER, &tek);
	if (!tek.ifindex)
		arg_missing("tek", "del", "dev NAME");
	if (tek.said < 0)
		arg_missing("tek", "del", "said SAID");
	if (tek.eks < 0)
		arg_missing("tek", "del", "eks EKS");

	wman_nl_open_genl(&nl);
	msg = wman_nl_message(&nl, WMAN_CMD_TEK_DEL, 0, tek.ifindex);
	nest = nest_start(msg, WMAN_A_TEK);
	put_check(nla_put_u16(msg, WMAN_TEK_A_SAID, tek.said));
	put_check(nla_put_u8(msg, WMAN_TEK_A_EKS, tek.eks));
	nla_nest_end(msg, nest);
	err = wman_nl_request(&nl, msg, NULL, NULL);
	nlmsg_free(msg);
	wman_nl_close(&nl);
	return err;
}

void tek_print(const struct tek_info *tek, unsigned int indent,
	       bool standalone)
{
	const char *states[32];		/* at most one name per bit */
	size_t state_count = 0;

	for (const struct name_value *state = tek_state_names; state->name;
	     state++)
		if (tek->state & state->value)
			states[state_count++] = state->name;

	print_object_begin(NULL);
	print_indent(indent);
	if (standalone)
		print_uint("said", "said", tek->said);
	else
		print_text("tek");
	print_uint("eks", "eks", tek->eks);
	print_names("state", "state", states, state_count);
	if (tek->has_remaining)
		print_uint("remaining", "remaining", tek->remaining);
	if (tek->has_lifetime)
		print_uint("lifetime", "lifetime", tek->lifetime);
	if (tek->has_soft_lifetime)
		print_uint("soft_lifetime", "soft-lifetime", tek->soft_lifetime);
	if (tek->has_tx_pn)
		print_uint("tx_pn", "tx-pn", tek->tx_pn);
	if (tek->has_tx_pn_limit)
		print_uint("tx_pn_limit", "tx-pn-limit", tek->tx_pn_limit);
	if (tek->has_rx_pn)
		print_uint("rx_pn", "rx-pn", tek->rx_pn);
	print_line_end();
	if (show_stats && tek->has_stats)
		counters_print(&tek->stats, indent + 1);
	print_object_end();
}

static int tek_show(int argc, char **argv)
{
	struct vec sas = VEC_OF(struct sa_info);
	const struct sa_info *sa;
	struct tek_args request;
	struct wman_nl nl;
	int err;

	tek_args_parse(argc, argv, TEK_OTHER, &request);
	if (!request.ifindex)
		arg_missing("tek", "show", "dev NAME");
	if (request.eks >= 0)
		arg_unknown("tek", "eks");

	wman_nl_open_genl(&nl);
	err = sa_collect(&nl, request.ifindex, request.said, &sas);
	sa = sas.items;
	if (!err) {
		print_list_begin();
		for (size_t i = 0; i < sas.count; i++)
			for (unsigned int t = 0; t < sa[i].tek_count; t++)
				tek_print(&sa[i].teks[t], 0, true);
		print_list_end();
	}
	vec_free(&sas);
	wman_nl_close(&nl);
	return err;
}

static const struct command tek_commands[] = {
	{ "add", tek_add },
	{ "delete", tek_del },
	{ "show", tek_show },
	/* after show: "s" stays show */
	{ "set", tek_set },
	{ NULL, NULL },
};

int do_tek(int argc, char **argv)
{
	return command_dispatch("tek", tek_commands, tek_usage, argc, argv);
}
