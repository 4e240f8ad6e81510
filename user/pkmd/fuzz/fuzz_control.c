// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the control socket's request path: the input is
 * split into lines as the socket splits them, and each line goes through
 * control_request(), the function the socket calls, into a real BS: its
 * configuration, certificates, SQLite database (in a temporary
 * directory) and the test transport in place of the wman device.  Each
 * line must be answered with exactly one line holding a JSON object with
 * a boolean "ok"; anything else, a crash, a leak or an overflow is a
 * finding.
 *
 * The BS keeps its state from one input to the next (subscribers, group
 * members, rekeyed SAs), as a daemon does from one request to the next.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tests/daemon_harness.h"
#include "bs/bs_role.h"
#include "config.h"
#include "control.h"
#include "eloop.h"
#include "kernel.h"
#include "log.h"
#include "util.h"

static struct config cfg;
static struct pkmd daemon_ = { .cfg = &cfg, .role = &bs_role };

/* The BS's certificates and configuration in the directory. */
static int write_setup(void)
{
	struct tc_cert ca, bs;
	int err;

	if (tc_make(&ca, "fuzz CA", tc_key_ec(), NULL, TC_CA, -1, 30) ||
	    tc_make(&bs, "fuzz BS", tc_key_ec(), &ca, TC_BS, -1, 30))
		return -1;
	err = dh_write_bs_identity(&ca, &bs);
	tc_free(&ca);
	tc_free(&bs);
	return err | dh_write_bs_conf("error",
		"[group 1]\ncid = 0x3001\nkey-tree = lkh\ntree-degree = 2\n\n"
		"[group 2]\ncid = 0x3002\nsuite = aes-gcm\n\n"
		"[broadcast]\ncid = 0xfe00\n\n", "");
}

static void cleanup(void)
{
	static const char *const files[] = {
		"bs.db", "bs.db-wal", "bs.db-shm", "bs.db-journal", "ca.pem",
		"bs.pem", "bs.key", "bs.conf", "link.sock",
	};
	char path[sizeof(dh_dir) + 32];

	bs_role.stop(&daemon_);
	kernel_close(&daemon_.kernel);
	eloop_destroy();
	config_free(&cfg);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dh_dir, files[i]);
		unlink(path);
	}
	rmdir(dh_dir);
}

static void report(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "fuzz_control: %s\n", line);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[sizeof(dh_dir) + 32];

	(void)argc;
	(void)argv;
	/* tmpfs if there is one: the database is written on every add. */
	snprintf(dh_dir, sizeof(dh_dir), "%s/pkmd-fuzz-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dh_dir) || write_setup()) {
		fprintf(stderr, "fuzz_control: cannot set up in %s\n", dh_dir);
		abort();
	}
	snprintf(path, sizeof(path), "%s/bs.conf", dh_dir);
	log_set_level(LOG_LVL_ERROR);
	daemon_.started = now_real_s();
	if (config_load_file(path, &cfg, report, NULL) || eloop_init() ||
	    kernel_open_test(&daemon_.kernel, cfg.test_mgmt_socket, false,
			     &(struct kernel_handlers){ 0 }) ||
	    bs_role.start(&daemon_)) {
		fprintf(stderr, "fuzz_control: the BS did not start\n");
		abort();
	}
	atexit(cleanup);
	return 0;
}

/* The response to one line: one line, an object with "ok" true or false. */
static void check_response(const struct json_out *out, size_t before)
{
	const char *start = out->buf + before;
	size_t len = out->len - before;
	json_t *resp;

	if (out->failed || len == 0 || start[len - 1] != '\n' ||
	    memchr(start, '\n', len) != start + len - 1)
		abort();
	resp = json_loadb(start, len - 1, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(resp) || !json_is_boolean(json_object_get(resp, "ok")))
		abort();
	json_decref(resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct json_out out;

	jo_init(&out, false);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* Exactly the line, as the socket passes it: no NUL after. */
		char *line = malloc(len ? len : 1);
		size_t before = out.len;

		if (!line)
			abort();
		memcpy(line, p, len);
		control_request(&daemon_, line, len, &out);
		free(line);
		check_response(&out, before);
		p += len + 1;
	}
	jo_free(&out);
	return 0;
}
