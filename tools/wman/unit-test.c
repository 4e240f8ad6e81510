// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the pure parsing and printing code (TAP): keyword
 * prefix matching, numbers, MAC addresses, hex, key files, JSON, the
 * names of the UAPI values and the parsing of kernel replies and events.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "json.h"
#include "model.h"
#include "parse.h"

static unsigned int tests_run, tests_failed;

static void ok(bool passed, const char *fmt, ...)
{
	va_list ap;

	tests_run++;
	if (!passed)
		tests_failed++;
	printf("%sok %u - ", passed ? "" : "not ", tests_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int run_nothing(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void test_keywords(void)
{
	static const struct command commands[] = {
		{ "add", run_nothing },
		{ "delete", run_nothing },
		{ "keyfile", run_nothing },
		{ "key", run_nothing },
		{ "show", run_nothing },
		{ NULL, NULL },
	};
	static const struct name_value kinds[] = {
		{ "mgmt", 1 }, { "unicast", 2 }, { "multicast", 3 },
		{ "broadcast", 4 }, { NULL, 0 },
	};
	static const struct {
		const char *word;
		const char *expected;
	} lookups[] = {
		{ "s", "show" }, { "sh", "show" }, { "show", "show" },
		{ "d", "delete" }, { "del", "delete" }, { "a", "add" },
		{ "k", "keyfile" }, { "key", "key" }, { "keyf", "keyfile" },
		{ "shows", NULL }, { "x", NULL }, { "", NULL },
	};

	ok(keyword_is("s", "show"), "keyword_is: \"s\" abbreviates show");
	ok(keyword_is("show", "show"), "keyword_is: whole word");
	ok(!keyword_is("", "show"), "keyword_is: empty word matches nothing");
	ok(!keyword_is("showx", "show"), "keyword_is: longer word does not match");
	ok(!keyword_is("ho", "show"), "keyword_is: only prefixes match");

	for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		const struct command *found = command_find(commands,
							   lookups[i].word);
		const char *name = found ? found->name : NULL;

		ok(name == lookups[i].expected ||
		   (name && lookups[i].expected &&
		    strcmp(name, lookups[i].expected) == 0),
		   "command_find(\"%s\") is %s", lookups[i].word,
		   lookups[i].expected ? lookups[i].expected : "none");
	}

	ok(name_find(kinds, "m")->value == 1, "name_find: \"m\" is mgmt, the first");
	ok(name_find(kinds, "mu")->value == 3, "name_find: \"mu\" is multicast");
	ok(name_find(kinds, "broadcast")->value == 4, "name_find: exact name");
	ok(!name_find(kinds, "any"), "name_find: unknown word");
	ok(strcmp(name_of(kinds, 2), "unicast") == 0, "name_of: known value");
	ok(!name_of(kinds, 9), "name_of: unknown value");
}

static void test_numbers(void)
{
	static const struct {
		const char *text;
		uint64_t max;
		int err;
		uint64_t value;
	} cases[] = {
		{ "0", 65535, 0, 0 },
		{ "65535", 65535, 0, 65535 },
		{ "65536", 65535, -ERANGE, 0 },
		{ "0x10", 65535, 0, 16 },
		{ "0XfF", 65535, 0, 255 },
		{ "010", 65535, 0, 10 },
		{ "3", 3, 0, 3 },
		{ "4", 3, -ERANGE, 0 },
		{ "2147483647", 0x7fffffff, 0, 0x7fffffff },
		{ "0x80000000", 0x7fffffff, -ERANGE, 0 },
		{ "18446744073709551615", UINT64_MAX, 0, UINT64_MAX },
		{ "18446744073709551616", UINT64_MAX, -ERANGE, 0 },
		{ "", 65535, -EINVAL, 0 },
		{ "0x", 65535, -EINVAL, 0 },
		{ "-1", 65535, -EINVAL, 0 },
		{ "+1", 65535, -EINVAL, 0 },
		{ " 1", 65535, -EINVAL, 0 },
		{ "1 ", 65535, -EINVAL, 0 },
		{ "12a", 65535, -EINVAL, 0 },
		{ "0x0x1", 65535, -EINVAL, 0 },
		{ "1e3", 65535, -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t value = 0;
		int err = parse_uint(cases[i].text, cases[i].max, &value);

		ok(err == cases[i].err && (err || value == cases[i].value),
		   "parse_uint(\"%s\", max %llu) gives %d, %llu", cases[i].text,
		   (unsigned long long)cases[i].max, err,
		   (unsigned long long)value);
	}
}

static void test_mac(void)
{
	static const char *const invalid[] = {
		"", "02:00:00:00:00", "02:00:00:00:00:01:02", "02-00-00-00-00-01",
		"002:00:00:00:00:01", "0g:00:00:00:00:01", "02:00:00:00:00:",
		"02:00:00:00:00:01 ", ":02:00:00:00:00:01", "020000000001",
	};
	uint8_t mac[MAC_LEN];
	char text[MAC_TEXT_LEN];

	ok(parse_mac("02:00:00:00:00:01", mac) == 0 && mac[0] == 2 &&
	   mac[5] == 1, "parse_mac: canonical form");
	ok(parse_mac("2:0:0:A:b:1", mac) == 0 && mac[3] == 0xa && mac[4] == 0xb,
	   "parse_mac: one-digit groups and either case");
	format_mac((const uint8_t[]){ 0x01, 0x00, 0x5e, 0xab, 0xCD, 0xff }, text);
	ok(strcmp(text, "01:00:5e:ab:cd:ff") == 0, "format_mac: \"%s\"", text);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		ok(parse_mac(invalid[i], mac) == -EINVAL,
		   "parse_mac rejects \"%s\"", invalid[i]);
}

static void test_hex(void)
{
	uint8_t bytes[4];
	char text[9];

	ok(parse_hex("0a0B", bytes, sizeof(bytes)) == 2 && bytes[0] == 0x0a &&
	   bytes[1] == 0x0b, "parse_hex: two bytes, either case");
	ok(parse_hex("0102030405", bytes, sizeof(bytes)) == -E2BIG,
	   "parse_hex: longer than the buffer");
	ok(parse_hex("abc", bytes, sizeof(bytes)) == -EINVAL,
	   "parse_hex: odd number of digits");
	ok(parse_hex("", bytes, sizeof(bytes)) == -EINVAL, "parse_hex: empty");
	ok(parse_hex("zz", bytes, sizeof(bytes)) == -EINVAL, "parse_hex: not hex");
	ok(parse_hex("0x01", bytes, sizeof(bytes)) == -EINVAL,
	   "parse_hex: no 0x prefix");
	format_hex((const uint8_t[]){ 0x09, 0xab, 0x00, 0xff }, 4, text);
	ok(strcmp(text, "09ab00ff") == 0, "format_hex: \"%s\"", text);
}

#define KEY_HEX "000102030405060708090a0b0c0d0e0f"

static bool key_is_sequence(const uint8_t *key)
{
	for (int i = 0; i < 16; i++)
		if (key[i] != i)
			return false;
	return true;
}

static void test_key_file_contents(void)
{
	static const struct {
		const char *name;
		const char *contents;
		size_t len;
		int err;
	} cases[] = {
		{ "32 hex digits", KEY_HEX, 32, 0 },
		{ "32 hex digits and a newline", KEY_HEX "\n", 33, 0 },
		{ "16 raw bytes",
		  "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f",
		  16, 0 },
		{ "32 hex digits and two newlines", KEY_HEX "\n\n", 34, -EINVAL },
		{ "32 hex digits and CR LF", KEY_HEX "\r\n", 34, -EINVAL },
		{ "31 hex digits", KEY_HEX, 31, -EINVAL },
		{ "31 hex digits and a newline", "000102030405060708090a0b0c0d0e0\n",
		  32, -EINVAL },
		{ "17 raw bytes", KEY_HEX, 17, -EINVAL },
		{ "empty", "", 0, -EINVAL },
		{ "a non-hex digit", "000102030405060708090a0b0c0d0e0g", 32,
		  -EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t key[16] = { 0 };
		int err = parse_key_file((const uint8_t *)cases[i].contents,
					 cases[i].len, key, sizeof(key));

		ok(err == cases[i].err && (err || key_is_sequence(key)),
		   "parse_key_file: %s", cases[i].name);
	}
}

/* Writes contents to a new temporary file and returns its name. */
static char *temp_file(const char *contents, size_t len)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/wman-unit-test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, contents, len) != (ssize_t)len) {
		perror("temporary file");
		exit(1);
	}
	close(fd);
	return path;
}

static void test_key_file_read(void)
{
	char long_contents[200];
	uint8_t key[16];
	char *path;

	path = temp_file(KEY_HEX "\n", 33);
	ok(read_key_file(path, key, sizeof(key)) == 0 && key_is_sequence(key),
	   "read_key_file: hex file");
	unlink(path);

	path = temp_file("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f",
			 16);
	ok(read_key_file(path, key, sizeof(key)) == 0 && key_is_sequence(key),
	   "read_key_file: raw file");
	unlink(path);

	memset(long_contents, 'a', sizeof(long_contents));
	path = temp_file(long_contents, sizeof(long_contents));
	ok(read_key_file(path, key, sizeof(key)) == -EINVAL,
	   "read_key_file: a long file is rejected");
	unlink(path);

	ok(read_key_file("/nonexistent/key", key, sizeof(key)) == -ENOENT,
	   "read_key_file: a missing file gives -ENOENT");
}

/* Runs write_json against a memory stream and compares what it wrote. */
static void check_json(const char *name, bool pretty,
		       void (*write_json)(struct json_writer *json),
		       const char *expected)
{
	struct json_writer json;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	json_init(&json, out, pretty);
	write_json(&json);
	fclose(out);
	ok(strcmp(text, expected) == 0, "json: %s", name);
	if (strcmp(text, expected) != 0)
		printf("# got:\n# %s\n# expected:\n# %s\n", text, expected);
	free(text);
}

static void write_escapes(struct json_writer *json)
{
	json_string(json, NULL, "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9");
}

static void write_document(struct json_writer *json)
{
	json_array_begin(json, NULL);
	json_object_begin(json, NULL);
	json_string(json, "ifname", "wman0");
	json_uint(json, "said", 18446744073709551615ULL);
	json_array_begin(json, "state");
	json_string(json, NULL, "active");
	json_string(json, NULL, "soft-expired");
	json_array_end(json);
	json_array_begin(json, "teks");
	json_array_end(json);
	json_object_begin(json, "stats");
	json_object_end(json);
	json_object_end(json);
	json_array_end(json);
}

static void write_lines(struct json_writer *json)
{
	for (int i = 0; i < 2; i++) {
		json_object_begin(json, NULL);
		json_uint(json, "eks", i);
		json_object_end(json);
	}
}

static void test_json(void)
{
	check_json("escapes", false, write_escapes,
		   "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f \xc3\xa9\"\n");
	check_json("compact document", false, write_document,
		   "[{\"ifname\":\"wman0\",\"said\":18446744073709551615,"
		   "\"state\":[\"active\",\"soft-expired\"],"
		   "\"teks\":[],\"stats\":{}}]\n");
	check_json("pretty document", true, write_document,
		   "[\n"
		   "    {\n"
		   "        \"ifname\": \"wman0\",\n"
		   "        \"said\": 18446744073709551615,\n"
		   "        \"state\": [\n"
		   "            \"active\",\n"
		   "            \"soft-expired\"\n"
		   "        ],\n"
		   "        \"teks\": [],\n"
		   "        \"stats\": {}\n"
		   "    }\n"
		   "]\n");
	check_json("one line per top-level object", false, write_lines,
		   "{\"eks\":0}\n{\"eks\":1}\n");
}

/* Whether table names value exactly once. */
static bool named_once(const struct name_value *table, unsigned int value)
{
	unsigned int n = 0;

	for (; table->name; table++)
		n += table->value == value;
	return n == 1;
}

/* Every value the kernel can report has a name, so none prints "unknown". */
static void test_names(void)
{
	static const uint8_t events[] = {
		WMAN_CMD_TEK_SOFT_EXPIRED, WMAN_CMD_TEK_HARD_EXPIRED,
		WMAN_CMD_TEK_PN_EXHAUSTED, WMAN_CMD_UNKNOWN_SA,
		WMAN_CMD_UNKNOWN_EKS, WMAN_CMD_TEK_PN_LIMIT,
	};
	bool all = true;

	for (unsigned int type = WMAN_STATS_A_TX_PACKETS;
	     type <= WMAN_STATS_A_MAX; type++)
		if (!named_once(counter_names, type)) {
			all = false;
			printf("# counter attribute %u: no single name\n", type);
		}
	ok(all, "counter_names: each of the %d counters once",
	   WMAN_STATS_A_MAX - WMAN_STATS_A_TX_PACKETS + 1);
	ok(name_find(counter_names, "rx-downlink-only")->value ==
	   WMAN_STATS_A_RX_DOWNLINK_ONLY &&
	   name_find(counter_names, "rx-bad-source")->value ==
	   WMAN_STATS_A_RX_BAD_SOURCE,
	   "counter_names: rx-downlink-only, rx-bad-source");

	all = true;
	for (size_t i = 0; i < sizeof(events); i++)
		all &= named_once(event_names, events[i]);
	ok(all, "event_names: each notification of the events group once");
	ok(strcmp(name_or_unknown(event_names, WMAN_CMD_TEK_PN_LIMIT),
		  "tek-pn-limit") == 0, "event_names: tek-pn-limit");
	ok(!name_of(event_names, WMAN_CMD_TEK_SET),
	   "event_names: tek-set is a request, not an event");

	all = true;
	for (unsigned int bit = WMAN_TEK_STATE_ACTIVE;
	     bit <= WMAN_TEK_STATE_PN_LIMITED; bit <<= 1)
		all &= named_once(tek_state_names, bit);
	ok(all, "tek_state_names: each state bit once");
	ok(strcmp(name_or_unknown(tek_state_names, WMAN_TEK_STATE_PN_LIMITED),
		  "pn-limited") == 0, "tek_state_names: pn-limited");
}

/* A generic netlink message of cmd as the kernel sends it, for ifindex. */
static struct nl_msg *reply_start(uint8_t cmd, uint32_t ifindex)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, 0, 0, 0x20, 0, 0, cmd, WMAN_GENL_VERSION) ||
	    nla_put_u32(msg, WMAN_A_IFINDEX, ifindex) ||
	    nla_put_string(msg, WMAN_A_IFNAME, "wman0")) {
		fprintf(stderr, "cannot build a test message\n");
		exit(1);
	}
	return msg;
}

static void put_or_exit(int err)
{
	if (err) {
		fprintf(stderr, "cannot build a test message\n");
		exit(1);
	}
}

static void test_tek_reply(void)
{
	struct nl_msg *msg = reply_start(WMAN_CMD_SA_GET, 7);
	struct nlattr *sa, *teks, *tek;
	struct sa_info info;
	int err;

	sa = nla_nest_start(msg, WMAN_A_SA);
	put_or_exit(!sa);
	put_or_exit(nla_put_u16(msg, WMAN_SA_A_SAID, 0x2001));
	put_or_exit(nla_put_u8(msg, WMAN_SA_A_SUITE, WMAN_SUITE_AES_CCM_128));
	put_or_exit(nla_put_u8(msg, WMAN_SA_A_SERVICE, WMAN_SERVICE_UNICAST));
	teks = nla_nest_start(msg, WMAN_SA_A_TEKS);
	put_or_exit(!teks);
	tek = nla_nest_start(msg, WMAN_A_TEK);
	put_or_exit(!tek);
	put_or_exit(nla_put_u16(msg, WMAN_TEK_A_SAID, 0x2001));
	put_or_exit(nla_put_u8(msg, WMAN_TEK_A_EKS, 1));
	put_or_exit(nla_put_u32(msg, WMAN_TEK_A_TX_PN, 10));
	/* 2^31: a limit may be the whole PN space */
	put_or_exit(nla_put_u32(msg, WMAN_TEK_A_TX_PN_LIMIT, 0x80000000U));
	put_or_exit(nla_put_u32(msg, WMAN_TEK_A_RX_PN, 1000));
	put_or_exit(nla_put_u32(msg, WMAN_TEK_A_STATE,
				WMAN_TEK_STATE_ACTIVE |
				WMAN_TEK_STATE_PN_LIMITED));
	nla_nest_end(msg, tek);
	tek = nla_nest_start(msg, WMAN_A_TEK);
	put_or_exit(!tek);
	put_or_exit(nla_put_u8(msg, WMAN_TEK_A_EKS, 2));
	nla_nest_end(msg, tek);
	nla_nest_end(msg, teks);
	nla_nest_end(msg, sa);

	err = sa_info_parse(nlmsg_hdr(msg), &info);
	ok(!err && info.said == 0x2001 && info.tek_count == 2,
	   "sa_info_parse: an SA with two TEKs");
	ok(!err && info.teks[0].has_tx_pn_limit &&
	   info.teks[0].tx_pn_limit == 0x80000000U &&
	   info.teks[0].has_rx_pn && info.teks[0].rx_pn == 1000 &&
	   info.teks[0].tx_pn == 10,
	   "sa_info_parse: tx-pn-limit and rx-pn of a TEK");
	ok(!err && info.teks[0].state ==
	   (WMAN_TEK_STATE_ACTIVE | WMAN_TEK_STATE_PN_LIMITED),
	   "sa_info_parse: state bits");
	ok(!err && !info.teks[1].has_tx_pn_limit && !info.teks[1].has_rx_pn,
	   "sa_info_parse: absent PN attributes stay absent");
	nlmsg_free(msg);
}

static void test_pn_limit_event(void)
{
	struct nl_msg *msg = reply_start(WMAN_CMD_TEK_PN_LIMIT, 7);
	struct event_info event;
	struct nlattr *tek;
	int err;

	tek = nla_nest_start(msg, WMAN_A_TEK);
	put_or_exit(!tek);
	put_or_exit(nla_put_u16(msg, WMAN_TEK_A_SAID, 0x3001));
	put_or_exit(nla_put_u8(msg, WMAN_TEK_A_EKS, 0));
	put_or_exit(nla_put_u32(msg, WMAN_TEK_A_TX_PN, 6));
	put_or_exit(nla_put_u32(msg, WMAN_TEK_A_TX_PN_LIMIT, 10));
	nla_nest_end(msg, tek);

	err = event_info_parse(nlmsg_hdr(msg), &event);
	ok(!err && event.cmd == WMAN_CMD_TEK_PN_LIMIT && event.has_said &&
	   event.said == 0x3001 && event.has_eks && event.eks == 0,
	   "event_info_parse: tek-pn-limit names its TEK");
	ok(!err && event.has_tx_pn && event.tx_pn == 6 &&
	   event.has_tx_pn_limit && event.tx_pn_limit == 10 && !event.has_cid,
	   "event_info_parse: tek-pn-limit carries tx-pn and tx-pn-limit");
	nlmsg_free(msg);
}

int main(void)
{
	test_keywords();
	test_numbers();
	test_mac();
	test_hex();
	test_key_file_contents();
	test_key_file_read();
	test_json();
	test_names();
	test_tek_reply();
	test_pn_limit_event();
	printf("1..%u\n", tests_run);
	return tests_failed ? 1 : 0;
}
