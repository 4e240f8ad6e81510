/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel interfaces that differ between the supported series
 * (Debian's 6.1 and 6.12).  Keep every version test in this file.
 */
#ifndef _WMAN_COMPAT_H
#define _WMAN_COMPAT_H

#include <linux/version.h>
#include <linux/crypto.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>

/* 6.3 passed the completion its data pointer instead of the request. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define WMAN_CRYPTO_DONE_ARG	void *data
#define wman_crypto_done_data(arg)	(arg)
#else
#define WMAN_CRYPTO_DONE_ARG	struct crypto_async_request *areq
#define wman_crypto_done_data(arg)	((arg)->data)
#endif

/* 6.11 replaced NETIF_F_LLTX with a netdev flag. */
static inline void wman_set_lltx(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/* 6.6 moved the parsed attributes of a dump request into a genl_info. */
static inline struct nlattr **wman_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _WMAN_COMPAT_H */
