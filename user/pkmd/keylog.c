// SPDX-License-Identifier: GPL-2.0
/*
 * [test] key-log: every TEK installed, for the nonce audit (keylog.h).
 */

#include "keylog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "kernel.h"
#include "log.h"

static int keylog_fd = -1;
static enum pkmd_role keylog_role;
static bool keylog_failed;

int keylog_open(const char *path, enum pkmd_role role)
{
	keylog_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (keylog_fd < 0) {
		log_err("[test] key-log %s: %s", path, strerror(errno));
		return -1;
	}
	keylog_role = role;
	keylog_failed = false;
	log_warn("[test] key-log: every TEK installed is written in clear to %s",
		 path);
	return 0;
}

void keylog_close(void)
{
	if (keylog_fd >= 0)
		close(keylog_fd);
	keylog_fd = -1;
}

static const char *suite_of(uint8_t suite)
{
	switch (suite) {
	case WMAN_SUITE_AES_CCM_128:
		return "aes-ccm";
	case WMAN_SUITE_AES_GCM_128:
		return "aes-gcm";
	default:
		return "-";	/* the audit tries both */
	}
}

void keylog_tek_added(struct kernel *k, uint16_t said, uint8_t eks,
		      const uint8_t key[WMAN_KEY_LEN], uint32_t lifetime)
{
	struct kernel_sa_info sa = { 0 };
	char hex[2 * WMAN_KEY_LEN + 1], line[256];
	struct timespec now;
	int n;

	if (keylog_fd < 0)
		return;
	/* the time the kernel had the key; its lifetime started before */
	clock_gettime(CLOCK_REALTIME, &now);
	/* kernel_tek_add's callers know the suite only through their SA */
	if (kernel_sa_get(k, said, &sa))
		sa.suite = 0;
	for (size_t i = 0; i < WMAN_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	n = snprintf(line, sizeof(line), "%lld.%06ld 0x%04x %u %s %s %u %s:pkmd/%d\n",
		     (long long)now.tv_sec, now.tv_nsec / 1000, said, eks,
		     suite_of(sa.suite), hex, lifetime,
		     keylog_role == ROLE_BS ? "bs" : "ss", (int)getpid());
	if (write(keylog_fd, line, (size_t)n) != n && !keylog_failed) {
		log_warn("[test] key-log: write failed: %s", strerror(errno));
		keylog_failed = true;
	}
	OPENSSL_cleanse(hex, sizeof(hex));
	OPENSSL_cleanse(line, sizeof(line));
}
