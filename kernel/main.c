// SPDX-License-Identifier: GPL-2.0
/*
 * wman: service-specific traffic encryption keys on an 802.16-style link.
 * Module entry points; each part of the module initializes itself.
 */

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/rtnetlink.h>

#include "wman.h"

static int __init wman_mod_init(void)
{
	int err;

	err = wman_frame_init();
	if (err)
		return err;
	err = wman_crypto_init();
	if (err)
		return err;
	err = wman_genl_init();
	if (err)
		goto err_crypto;
	err = wman_device_init();
	if (err)
		goto err_genl;
	return 0;

err_genl:
	wman_genl_uninit();
err_crypto:
	wman_crypto_uninit();
	return err;
}

static void __exit wman_mod_exit(void)
{
	/* devices first: their TEK timers and receive path send messages */
	wman_device_uninit();
	wman_genl_uninit();
	/*
	 * TEKs of the deleted devices are freed by RCU callbacks, which
	 * queue their SAs' callbacks: wait for both rounds.
	 */
	rcu_barrier();
	rcu_barrier();
	wman_crypto_uninit();
}

module_init(wman_mod_init);
module_exit(wman_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Service-specific traffic encryption keys on an 802.16-style link");
MODULE_ALIAS_RTNL_LINK("wman");
MODULE_ALIAS_GENL_FAMILY(WMAN_GENL_NAME);
