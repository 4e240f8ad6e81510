// SPDX-License-Identifier: GPL-2.0
/*
 * pkmctl: options, the table of objects, and the usage text.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkmctl.h"

struct options opts;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: pkmctl [ OPTIONS ] OBJECT COMMAND [ ARGUMENTS ]\n"
		"OPTIONS := { -j[son] | -p[retty] | -s SOCKET | -i IFACE | -h }\n"
		"  pkmctl status\n"
		"  pkmctl subscriber add CN mac MAC provider PROVIDER [ services SERVICES ]\n"
		"  pkmctl subscriber list\n"
		"  pkmctl subscriber revoke CN\n"
		"  pkmctl group list\n"
		"  pkmctl group member { add | del } GROUP CN\n"
		"  pkmctl sa list\n"
		"  pkmctl rekey SAID\n"
		"  pkmctl deregister            (SS: DREG-REQ, leave the BS)\n"
		"  pkmctl handover              (SS: enter the BS the device's BSID now names)\n"
		"where  SERVICES := SERVICE[,SERVICE...]  (default: unicast)\n"
		"       SERVICE := { unicast | multicast | broadcast }\n"
		"       GROUP := 0..255, a multicast service group ID\n"
		"       SAID := 0..65535, decimal or 0x hexadecimal\n"
		"       SOCKET defaults to /run/pkmd/IFACE.sock, IFACE to wman0\n"
		"Keywords may be abbreviated.  Exit status: 0 done, 1 refused by pkmd,\n"
		"2 usage, 3 pkmd not reachable.\n");
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pkmctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry \"pkmctl -h\".\n");
	exit(EXIT_USAGE);
}

bool keyword_is(const char *word, const char *keyword)
{
	size_t len = strlen(word);

	return len > 0 && strncmp(word, keyword, len) == 0;
}

static const struct {
	const char *name;
	int (*run)(struct args *a);
} objects[] = {
	{ "status", cmd_status },
	{ "subscriber", cmd_subscriber },
	{ "sa", cmd_sa },
	{ "group", cmd_group },
	{ "rekey", cmd_rekey },
	{ "deregister", cmd_deregister },
	{ "handover", cmd_handover },
};

int main(int argc, char **argv)
{
	static char socket_path[108];
	static const struct option long_options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "interface", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct args a;
	int opt;

	snprintf(socket_path, sizeof(socket_path), "/run/pkmd/wman0.sock");
	opts.socket = socket_path;
	while ((opt = getopt_long(argc, argv, "+jps:i:h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			opts.json = true;
			break;
		case 'p':
			opts.pretty = true;
			break;
		case 's':
			opts.socket = optarg;
			break;
		case 'i':
			if (strlen(optarg) == 0 || strlen(optarg) > 15 ||
			    strchr(optarg, '/'))
				usage_error("invalid interface name \"%s\"", optarg);
			snprintf(socket_path, sizeof(socket_path),
				 "/run/pkmd/%s.sock", optarg);
			opts.socket = socket_path;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	a = (struct args){ argc - optind - 1, argv + optind + 1 };
	if (keyword_is(argv[optind], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (keyword_is(argv[optind], objects[i].name))
			return objects[i].run(&a);
	usage_error("unknown object \"%s\"", argv[optind]);
}
