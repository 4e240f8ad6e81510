// SPDX-License-Identifier: GPL-2.0
/*
 * Which connection a frame from the stack goes on (Documentation/
 * data-plane.rst, "Classification").
 */

#include <linux/etherdevice.h>

#include "wman.h"

static struct wman_conn *classify_group(struct wman_dev *wman, const u8 *dst)
{
	struct wman_group *group = wman_group_lookup(wman, dst);

	if (!group)
		return rcu_dereference(wman->broadcast);
	/*
	 * Never fall back to the broadcast connection here: every SS could
	 * read the group's traffic under the broadcast TEK.
	 */
	return xa_load(&wman->conns, group->cid);
}

struct wman_conn *wman_classify(struct wman_dev *wman,
				const struct sk_buff *skb)
{
	const struct ethhdr *eth;

	if (wman->role == WMAN_ROLE_SS)
		return rcu_dereference(wman->uplink);

	if (unlikely(skb_headlen(skb) < ETH_HLEN))
		return NULL;
	eth = (const struct ethhdr *)skb->data;

	if (is_unicast_ether_addr(eth->h_dest))
		return wman_peer_lookup(wman, eth->h_dest);
	if (is_broadcast_ether_addr(eth->h_dest))
		return rcu_dereference(wman->broadcast);
	return classify_group(wman, eth->h_dest);
}
