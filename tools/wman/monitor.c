// SPDX-License-Identifier: GPL-2.0
/* wman monitor: the notifications of the "events" multicast group. */
#include <errno.h>
#include <stdio.h>

#include "output.h"
#include "wman.h"

static void monitor_usage(FILE *out)
{
	fprintf(out,
		"Usage: wman [ -j ] monitor [ events ] [ count N ] [ timeout SECONDS ]\n"
		"       wman monitor help\n"
		"Prints one line per event: tek-soft-expired, tek-hard-expired,\n"
		"tek-pn-exhausted, tek-pn-limit, unknown-sa, unknown-eks.\n");
}

static void event_print(const struct event_info *event)
{
	print_object_begin(NULL);
	print_string("event", NULL, name_or_unknown(event_names, event->cmd));
	print_string("ifname", "dev", event->ifname);
	if (output_is_json())
		print_uint("ifindex", NULL, event->ifindex);
	if (event->has_said)
		print_uint("said", "said", event->said);
	if (event->has_eks)
		print_uint("eks", "eks", event->eks);
	if (event->has_cid)
		print_uint("cid", "cid", event->cid);
	if (event->has_tx_pn)
		print_uint("tx_pn", "tx-pn", event->tx_pn);
	if (event->has_tx_pn_limit)
		print_uint("tx_pn_limit", "tx-pn-limit", event->tx_pn_limit);
	print_line_end();
	print_object_end();
	/* Readers are often tests on the other end of a pipe. */
	fflush(stdout);
}

static int on_event(struct nlmsghdr *nlh, void *arg)
{
	struct event_info event;

	(void)arg;
	if (event_info_parse(nlh, &event))
		return -EINVAL;
	event_print(&event);
	return 1;
}

static int monitor(int argc, char **argv)
{
	struct cursor args = { argc, argv };
	uint64_t count = 0, timeout = 0;
	struct wman_nl nl;
	int err;

	while (cursor_more(&args)) {
		const char *word = cursor_next(&args);

		if (keyword_is(word, "events"))
			continue;
		if (keyword_is(word, "count"))
			count = arg_uint(word, cursor_value(&args, word), 1,
					 UINT32_MAX);
		else if (keyword_is(word, "timeout"))
			timeout = arg_uint(word, cursor_value(&args, word), 1,
					   UINT32_MAX);
		else
			arg_unknown("monitor", word);
	}

	/* JSON lines, one object per event, never pretty-printed. */
	output_init(output_is_json(), false);
	wman_nl_open_genl(&nl);
	wman_nl_join_events(&nl);
	err = wman_nl_listen(&nl, on_event, NULL, count, timeout);
	wman_nl_close(&nl);
	return err;
}

int do_monitor(int argc, char **argv)
{
	if (argc > 0 && keyword_is(argv[0], "help")) {
		monitor_usage(stdout);
		return 0;
	}
	return monitor(argc, argv);
}
