// SPDX-License-Identifier: GPL-2.0
/*
 * wman: configure the wman link (connections, SAs, TEKs, groups), read its
 * counters and follow its events.  ip-style: wman [OPTIONS] OBJECT COMMAND.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "wman.h"

bool show_stats;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: wman [ OPTIONS ] OBJECT { COMMAND | help }\n"
		"       wman [ OPTIONS ] -b[atch] FILE\n"
		"       wman -V\n"
		"where  OBJECT := { link | conn | sa | tek | group | stats | mgmt | monitor }\n"
		"       OPTIONS := { -j[son] | -p[retty] | -s[tatistics] | -n[etns] NETNS |\n"
		"                    -h[elp] | -V[ersion] }\n"
		"       FILE := one OBJECT COMMAND ... per line, \"-\" for stdin\n");
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static const struct command objects[] = {
	{ "link", do_link },
	{ "conn", do_conn },
	{ "sa", do_sa },
	{ "tek", do_tek },
	{ "group", do_group },
	{ "stats", do_stats },
	{ "mgmt", do_mgmt },
	{ "monitor", do_monitor },
	{ "help", do_help },
	{ NULL, NULL },
};

int command_dispatch(const char *object, const struct command *commands,
		     void (*usage)(FILE *out), int argc, char **argv)
{
	const struct command *command;

	if (argc == 0) {
		command = command_find(commands, "show");
		if (!command)
			die("%s: missing command; try \"wman %s help\"", object,
			    object);
		return command->run(0, argv);
	}
	command = command_find(commands, argv[0]);
	if (command)
		return command->run(argc - 1, argv + 1);
	if (keyword_is(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	die("unknown command \"%s\" for \"%s\"; try \"wman %s help\"",
	    argv[0], object, object);
}

static int run_object(int argc, char **argv)
{
	const struct command *object = command_find(objects, argv[0]);

	if (!object)
		die("unknown object \"%s\"; try \"wman help\"", argv[0]);
	return object->run(argc - 1, argv + 1);
}

/* Words of one batch line: more than any command takes. */
#define BATCH_MAX_WORDS	256

/*
 * Runs the commands of path, one per line, as "ip -batch" does: blank
 * lines and lines starting with "#" are skipped, words are separated by
 * blanks (no quoting), the first failing command ends the batch.  One
 * process for many requests: an exec is what costs most in a VM.
 */
static int run_batch(const char *path)
{
	FILE *in = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *words[BATCH_MAX_WORDS];
	size_t capacity = 0;
	char *line = NULL;
	ssize_t len;
	int err = 0;

	if (!in)
		die("cannot open batch file \"%s\": %s", path, strerror(errno));
	while (!err && (len = getline(&line, &capacity, in)) >= 0) {
		char *save = NULL, *word;
		int argc = 0;

		batch_line++;
		for (word = strtok_r(line, " \t\r\n", &save); word;
		     word = strtok_r(NULL, " \t\r\n", &save)) {
			if (argc == 0 && word[0] == '#')
				break;
			if (argc == BATCH_MAX_WORDS)
				die("too many words");
			words[argc++] = word;
		}
		if (argc)
			err = run_object(argc, words);
		/* a line may hold a key */
		explicit_bzero(line, capacity);
	}
	free(line);
	if (in != stdin)
		fclose(in);
	return err;
}

/* Like "ip -n": enter the namespace that "ip netns add NAME" made. */
static void enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/') || snprintf(path, sizeof(path), "/run/netns/%s",
					  name) >= (int)sizeof(path))
		die("invalid network namespace name \"%s\"", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open network namespace \"%s\": %s", name,
		    strerror(errno));
	if (setns(fd, CLONE_NEWNET))
		die("cannot enter network namespace \"%s\": %s", name,
		    strerror(errno));
	close(fd);
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "statistics", no_argument, NULL, 's' },
		{ "netns", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *batch_file = NULL;
	bool json = false, pretty = false;
	int opt;

	/*
	 * Long options take one dash too (-json, -statistics), as in ip; "+"
	 * ends the options at the object, ":" leaves the errors to us.
	 */
	opterr = 0;
	while ((opt = getopt_long_only(argc, argv, "+:jpsn:b:hV", long_options,
				       NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'p':
			json = pretty = true;
			break;
		case 's':
			show_stats = true;
			break;
		case 'n':
			enter_netns(optarg);
			break;
		case 'b':
			batch_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("wman " WMAN_TOOL_VERSION " (genl family \"%s\" version %d)\n",
			       WMAN_GENL_NAME, WMAN_GENL_VERSION);
			return 0;
		case ':':
			die("option \"%s\" needs a value", argv[optind - 1]);
		default:
			if (optopt)
				die("unknown option \"-%c\"; try \"wman -h\"", optopt);
			die("unknown option \"%s\"; try \"wman -h\"",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (batch_file && argc > 0)
		die("-batch takes its commands from the file, not \"%s\"",
		    argv[0]);
	if (!batch_file && argc == 0) {
		usage(stderr);
		return 1;
	}

	output_init(json, pretty);
	if (batch_file)
		return run_batch(batch_file) ? 1 : 0;
	return run_object(argc, argv) ? 1 : 0;
}
