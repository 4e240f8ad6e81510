/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_KEYLOG_H
#define PKMD_KEYLOG_H

#include <stdint.h>

#include <linux/wman.h>

#include "config.h"

/*
 * [test] key-log: a line for each TEK this daemon installs in the kernel,
 * in the key log format of the tests' nonce audit (Documentation/
 * testing.rst): "TIME SAID EKS SUITE KEY LIFETIME ORIGIN".  It writes keys
 * in clear, so it is a test setting only.  Several daemons may share one
 * file: each line is one append.
 */

struct kernel;

/* 0, or -1 with the reason logged. */
int keylog_open(const char *path, enum pkmd_role role);
void keylog_close(void);

/*
 * After kernel_tek_add succeeded: the TEK, its remaining lifetime as given
 * to the kernel, and its SA's suite as the kernel reports it.  Does
 * nothing when no key log is open.
 */
void keylog_tek_added(struct kernel *k, uint16_t said, uint8_t eks,
		      const uint8_t key[WMAN_KEY_LEN], uint32_t lifetime);

#endif
