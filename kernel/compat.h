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

/*
 * 6.3 passed the completion its data pointer instead of the request.  Both
 * forms name the parameter done_arg: wman_crypto_done_data(done_arg).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define WMAN_CRYPTO_DONE_ARG	void *done_arg
#define wman_crypto_done_data(arg)	(arg)
#else
#define WMAN_CRYPTO_DONE_ARG	struct crypto_async_request *done_arg
#define wman_crypto_done_data(arg)	((arg)->data)
#endif

/* 6.5 moved skb_gso_segment() out of netdevice.h. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

/* 6.12 moved the unaligned accessors from asm/ to linux/. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
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

/*
 * A wman device stays in the namespace it was made in: its management
 * registration and its lower device's namespace are bound to it.  6.12
 * made NETIF_F_NETNS_LOCAL a netdev flag, later named netns_immutable (and
 * the name was backported; Kbuild tests the header for it).
 */
static inline void wman_set_netns_local(struct net_device *dev)
{
#if defined(WMAN_HAVE_NETNS_IMMUTABLE)
	dev->netns_immutable = true;
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	dev->netns_local = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL;
#endif
}

#endif /* _WMAN_COMPAT_H */
