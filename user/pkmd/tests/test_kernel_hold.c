// SPDX-License-Identifier: GPL-2.0
/*
 * Held management PDUs (kernel.h, kernel_hold()): a run's answers wait
 * for its commit, decided now (kernel_release()) or later
 * (kernel_defer(), kernel_settle()), and every PDU leaves in the order
 * it was given, a decided group behind an undecided one included.  The
 * PDUs go through the test transport, whose client here is this test:
 * what it reads is what was sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kernel.h"
#include "tap.h"
#include "transport_test.h"

#define is_str(got, want, ...) do {					\
		const char *got_ = (got);					\
		if (!ok(!strcmp(got_, want), __VA_ARGS__))			\
			printf("#   got \"%s\", want \"%s\"\n", got_, want);	\
	} while (0)

static struct kernel k;
static int client = -1;

static void tx(char tag)
{
	uint8_t payload[1] = { (uint8_t)tag };

	kernel_mgmt_tx(&k, 0x0100, NULL, payload, sizeof(payload));
}

/* The tags of the PDUs the daemon sent since the last call, in order. */
static const char *sent(void)
{
	static char tags[64];
	uint8_t buf[TEST_REC_HDR_LEN + WMAN_MGMT_MAX_LEN];
	size_t n = 0;
	ssize_t len;

	while ((len = recv(client, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		if (buf[0] == TEST_REC_MGMT && len == TEST_REC_HDR_LEN + 1 &&
		    n < sizeof(tags) - 1)
			tags[n++] = (char)buf[TEST_REC_HDR_LEN];
	tags[n] = '\0';
	return tags;
}

int main(void)
{
	char dir[] = "/tmp/pkmd-hold-XXXXXX";
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	unsigned int deferred = 0;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/link", dir);
	client = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (kernel_open_test(&k, sun.sun_path, false, &(struct kernel_handlers){ 0 }) ||
	    connect(client, (struct sockaddr *)&sun, sizeof(sun))) {
		printf("Bail out! cannot open the test link\n");
		return 1;
	}
	kernel_notify_read(&k);		/* accepts the client */
	sent();				/* its HELLO */

	tx('a');
	is_str(sent(), "a", "nothing held: a PDU leaves at once");

	kernel_hold(&k);
	tx('b');
	tx('c');
	kernel_defer(&k);
	is_str(sent(), "", "a deferred run's answers wait for its commit");
	kernel_hold(&k);
	tx('d');
	kernel_release(&k, true);
	is_str(sent(), "", "a later run committed at once waits behind it");
	tx('e');
	is_str(sent(), "", "so does a PDU sent outside any run");
	kernel_hold(&k);
	tx('x');
	kernel_release(&k, false);
	is_str(sent(), "", "a failed run's answers are dropped, the rest still wait");
	kernel_settle(&k, true);
	is_str(sent(), "bcde", "its commit back, everything goes, in order");
	tx('f');
	is_str(sent(), "f", "then PDUs leave at once again");

	kernel_hold(&k);
	tx('g');
	kernel_defer(&k);
	kernel_hold(&k);
	tx('h');
	kernel_defer(&k);
	tx('i');
	kernel_hold(&k);
	tx('j');
	kernel_settle(&k, false);
	is_str(sent(), "", "the first of two deferred runs fails: its answers are dropped");
	kernel_settle(&k, true);
	is_str(sent(), "hi", "the second committed: its answers go, and what followed it");
	kernel_release(&k, true);
	is_str(sent(), "j", "the open run's answers go once it is decided");

	while (kernel_may_defer(&k)) {
		kernel_hold(&k);
		tx('k');
		kernel_defer(&k);
		tx('l');
		deferred++;
	}
	is_int(deferred, KERNEL_DEFER_MAX, "at most KERNEL_DEFER_MAX runs deferred at once");
	kernel_hold(&k);
	tx('m');
	kernel_release(&k, true);
	for (unsigned int i = 0; i < deferred; i++)
		kernel_settle(&k, i % 2 == 0);
	is_int(strlen(sent()), deferred / 2 + deferred + 1,
	       "all settled: every other run's answers, every PDU between, the last run's");

	kernel_hold(&k);
	tx('n');
	kernel_defer(&k);
	kernel_close(&k);
	is_str(sent(), "", "closing drops what still waits");
	close(client);
	rmdir(dir);
	return tap_finish();
}
