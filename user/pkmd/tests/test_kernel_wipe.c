// SPDX-License-Identifier: GPL-2.0
/*
 * A TEK Add request holds the key in clear: whichever path frees the
 * netlink message (sent, or given up halfway through its attributes),
 * the key is no longer in its buffer when libnl gets it back.  Linked
 * with --wrap=nlmsg_free, so that every free is looked at, and
 * --wrap=nla_put_u32, so that a put after the key can be made to fail.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/errno.h>
#include <netlink/msg.h>

#include "kernel.h"
#include "tap.h"

static const uint8_t key[WMAN_KEY_LEN] = {
	0x6b, 0x65, 0x79, 0x21, 0xa5, 0x5a, 0xc3, 0x3c,
	0x0f, 0xf0, 0x96, 0x69, 0x11, 0xee, 0x42, 0x24,
};

static int frees, frees_with_key;
static bool fail_after_key;

void __real_nlmsg_free(struct nl_msg *msg);
int __real_nla_put_u32(struct nl_msg *msg, int type, uint32_t value);

static bool holds_key(struct nl_msg *msg)
{
	return memmem(nlmsg_hdr(msg), nlmsg_get_max_size(msg), key,
		      sizeof(key)) != NULL;
}

void __wrap_nlmsg_free(struct nl_msg *msg)
{
	if (msg) {
		frees++;
		frees_with_key += holds_key(msg);
	}
	__real_nlmsg_free(msg);
}

/* Once the key is in, the next u32 cannot be added: out of room. */
int __wrap_nla_put_u32(struct nl_msg *msg, int type, uint32_t value)
{
	if (fail_after_key && holds_key(msg))
		return -NLE_NOMEM;
	return __real_nla_put_u32(msg, type, value);
}

int main(void)
{
	char dir[] = "/tmp/pkmd-wipe-XXXXXX", path[64];
	struct kernel k;
	int err;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/link", dir);
	/* The test link: requests go nowhere, through the same code. */
	if (kernel_open_test(&k, path, false, &(struct kernel_handlers){ 0 })) {
		printf("Bail out! cannot open the test link\n");
		return 1;
	}

	fail_after_key = true;
	err = kernel_tek_add(&k, 0x2001, 1, key, 3600, 0, NULL, false);
	is_int(err, -ENOMEM, "TEK Add given up after the key: -ENOMEM");
	is_int(frees, 1, "its message freed once");
	is_int(frees_with_key, 0, "the key wiped from it before the free");

	fail_after_key = false;
	frees = frees_with_key = 0;
	err = kernel_tek_add(&k, 0x2001, 1, key, 3600, 0, NULL, false);
	is_int(err, 0, "TEK Add sent");
	is_int(frees, 1, "its message freed once");
	is_int(frees_with_key, 0, "the key wiped from it before the free");

	kernel_close(&k);
	rmdir(dir);
	return tap_finish();
}
