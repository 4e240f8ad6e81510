// SPDX-License-Identifier: GPL-2.0
/*
 * link_wman.so: the "wman" link kind for iproute2's ip(8).
 *
 * When ip meets a link kind it has no built-in support for, it opens
 * $IP_LIB_DIR/link_<kind>.so and looks up the symbol <kind>_link_util.
 * This plugin gives ip the two IFLA_INFO_DATA attributes of a wman link:
 *
 *   ip link add link veth0 name wman0 type wman [ role { bs | ss } ]
 *                                               [ bsid MAC ]
 *   ip -d link show wman0     ...  wman role bs bsid 02:16:00:00:00:01
 *   ip -j -d link show wman0  ... "info_data":{"role":"bs","bsid":"..."}
 *
 * iproute2 installs no header for plugins, so the structure ip reads and
 * the output helpers it exports are declared here (see below).  The
 * helpers are weak references: with an ip that does not export them the
 * plugin still prints text, and leaves JSON output alone.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <net/ethernet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <uapi/linux/wman.h>

/*
 * struct link_util as ip/ip_common.h of iproute2 6.1 (Debian 12) lays it
 * out; the layout has not changed from 4.16 to 6.1.  ip walks a list of
 * these, reads parse_opt when a link is added or changed, print_opt for
 * "ip -d link show" and print_help for "ip link help wman".  The members
 * after print_help serve statistics that a wman link does not have.
 */
struct link_util {
	struct link_util *next;
	const char *id;
	int maxattr;
	int (*parse_opt)(struct link_util *lu, int argc, char **argv,
			 struct nlmsghdr *n);
	void (*print_opt)(struct link_util *lu, FILE *f, struct rtattr *tb[]);
	void (*print_xstats)(struct link_util *lu, FILE *f,
			     struct rtattr *xstats);
	void (*print_help)(struct link_util *lu, int argc, char **argv,
			   FILE *f);
	int (*parse_ifla_xstats)(struct link_util *lu, int argc, char **argv);
	int (*print_ifla_xstats)(struct nlmsghdr *n, void *arg);
};

/* ip's output modes and colours (lib/json_print.h, include/color.h). */
enum ip_output {
	IP_PRINT_FP = 1,	/* text only */
	IP_PRINT_JSON = 2,	/* JSON only */
	IP_PRINT_ANY = 4,	/* whichever ip was asked for */
};

enum ip_color {
	IP_COLOR_MAC = 1,
	IP_COLOR_NONE = 6,
};

/* Exported by the ip binary (nm -D); weak, so that a missing one is NULL. */
extern bool is_json_context(void) __attribute__((weak));
extern int print_color_string(enum ip_output t, enum ip_color color,
			      const char *key, const char *fmt,
			      const char *value) __attribute__((weak));
extern int addattr_l(struct nlmsghdr *n, int maxlen, int type,
		     const void *data, int alen);

/* Room ip leaves for link attributes in its request (struct iplink_req). */
#define REQUEST_ROOM 1024

static const char *const role_names[] = {
	[WMAN_ROLE_BS] = "bs",
	[WMAN_ROLE_SS] = "ss",
};

/* One "key value" pair: JSON through ip when it can, else plain text. */
static void print_pair(FILE *f, enum ip_color color, const char *key,
		       const char *value)
{
	bool json = is_json_context && is_json_context();

	if (print_color_string) {
		char fmt[32];

		snprintf(fmt, sizeof(fmt), "%s %%s ", key);
		print_color_string(IP_PRINT_ANY, color, key, fmt, value);
	} else if (!json) {
		fprintf(f, "%s %s ", key, value);
	}
}

static void wman_print_opt(struct link_util *lu, FILE *f, struct rtattr *tb[])
{
	char mac[sizeof("xx:xx:xx:xx:xx:xx")];
	const unsigned char *bsid;
	unsigned char role;

	(void)lu;
	if (!tb)
		return;
	if (tb[IFLA_WMAN_ROLE] &&
	    RTA_PAYLOAD(tb[IFLA_WMAN_ROLE]) >= sizeof(role)) {
		role = *(const unsigned char *)RTA_DATA(tb[IFLA_WMAN_ROLE]);
		if (role == WMAN_ROLE_BS || role == WMAN_ROLE_SS) {
			print_pair(f, IP_COLOR_NONE, "role", role_names[role]);
		} else {
			char unknown[8];

			snprintf(unknown, sizeof(unknown), "%u", role);
			print_pair(f, IP_COLOR_NONE, "role", unknown);
		}
	}
	if (tb[IFLA_WMAN_BSID] &&
	    RTA_PAYLOAD(tb[IFLA_WMAN_BSID]) == ETHER_ADDR_LEN) {
		bsid = RTA_DATA(tb[IFLA_WMAN_BSID]);
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 bsid[0], bsid[1], bsid[2], bsid[3], bsid[4], bsid[5]);
		print_pair(f, IP_COLOR_MAC, "bsid", mac);
	}
}

static void wman_print_help(struct link_util *lu, int argc, char **argv,
			    FILE *f)
{
	(void)lu;
	(void)argc;
	(void)argv;
	fprintf(f,
		"Usage: ... wman [ role ROLE ] [ bsid MAC ]\n"
		"\n"
		"where: ROLE := { bs | ss }   (default bs; fixed once created)\n"
		"       MAC  := the base station's identifier, xx:xx:xx:xx:xx:xx\n"
		"               (an SS needs it; a BS defaults to its lower\n"
		"               device's address)\n");
}

/* Exactly six two-digit hex bytes separated by colons, nothing more. */
static bool parse_mac(const char *text, unsigned char mac[ETHER_ADDR_LEN])
{
	size_t i, len = strlen(text);

	if (len != 3 * ETHER_ADDR_LEN - 1)
		return false;
	for (i = 0; i < len; i++)
		if (i % 3 == 2 ? text[i] != ':' :
				 !isxdigit((unsigned char)text[i]))
			return false;
	return sscanf(text, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &mac[0],
		      &mac[1], &mac[2], &mac[3], &mac[4],
		      &mac[5]) == ETHER_ADDR_LEN;
}

static int bad_value(const char *key, const char *value, const char *want)
{
	fprintf(stderr, "Error: wman: invalid %s \"%s\": %s.\n", key, value,
		want);
	return -1;
}

static int twice(const char *key)
{
	fprintf(stderr, "Error: wman: \"%s\" given twice.\n", key);
	return -1;
}

static int wman_parse_opt(struct link_util *lu, int argc, char **argv,
			  struct nlmsghdr *n)
{
	unsigned char bsid[ETHER_ADDR_LEN];
	unsigned char role;
	bool has_role = false, has_bsid = false;

	for (; argc > 0; argc--, argv++) {
		const char *key = *argv;

		if (strcmp(key, "help") == 0) {
			wman_print_help(lu, argc, argv, stderr);
			return -1;
		}
		if (strcmp(key, "role") != 0 && strcmp(key, "bsid") != 0) {
			fprintf(stderr,
				"Error: wman: unknown option \"%s\"; try \"ip link help wman\".\n",
				key);
			return -1;
		}
		if (argc < 2) {
			fprintf(stderr, "Error: wman: \"%s\" needs a value.\n",
				key);
			return -1;
		}
		argc--;
		argv++;
		if (strcmp(key, "role") == 0) {
			if (has_role)
				return twice(key);
			if (strcmp(*argv, "bs") == 0)
				role = WMAN_ROLE_BS;
			else if (strcmp(*argv, "ss") == 0)
				role = WMAN_ROLE_SS;
			else
				return bad_value(key, *argv, "expected bs or ss");
			has_role = true;
			if (addattr_l(n, REQUEST_ROOM, IFLA_WMAN_ROLE, &role,
				      sizeof(role)))
				return -1;
		} else {
			if (has_bsid)
				return twice(key);
			if (!parse_mac(*argv, bsid))
				return bad_value(key, *argv,
						 "expected xx:xx:xx:xx:xx:xx");
			has_bsid = true;
			if (addattr_l(n, REQUEST_ROOM, IFLA_WMAN_BSID, bsid,
				      sizeof(bsid)))
				return -1;
		}
	}
	return 0;
}

struct link_util wman_link_util = {
	.id = "wman",
	.maxattr = IFLA_WMAN_MAX,
	.parse_opt = wman_parse_opt,
	.print_opt = wman_print_opt,
	.print_help = wman_print_help,
};
