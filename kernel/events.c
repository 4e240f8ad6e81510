// SPDX-License-Identifier: GPL-2.0
/*
 * Messages the module sends on its own: events on the "events" multicast
 * group and received management PDUs for pkmd's socket.  All of them may
 * be sent from softirq or timer context.
 */

#include "wman.h"

/* The family's only multicast group. */
#define EVENTS_GROUP	0

static void *event_start(struct sk_buff **skbp, struct wman_dev *wman,
			 u8 cmd, size_t payload)
{
	size_t size = nla_total_size(sizeof(u32)) +	/* IFINDEX */
		      nla_total_size(IFNAMSIZ) + payload;
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(size, GFP_ATOMIC);
	if (!skb)
		return NULL;
	hdr = genlmsg_put(skb, 0, 0, &wman_genl_family, 0, cmd);
	if (!hdr ||
	    nla_put_u32(skb, WMAN_A_IFINDEX, wman->dev->ifindex) ||
	    nla_put_string(skb, WMAN_A_IFNAME, wman->dev->name)) {
		nlmsg_free(skb);
		return NULL;
	}
	*skbp = skb;
	return hdr;
}

static void event_send(struct sk_buff *skb, void *hdr, struct wman_dev *wman)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&wman_genl_family, dev_net(wman->dev), skb,
				0, EVENTS_GROUP, GFP_ATOMIC);
}

static bool has_listeners(struct wman_dev *wman)
{
	return genl_has_listeners(&wman_genl_family, dev_net(wman->dev),
				  EVENTS_GROUP);
}

#define TEK_EVENT_SIZE	(nla_total_size(0) +			\
			 nla_total_size(sizeof(u16)) * 2 +	\
			 nla_total_size(sizeof(u8)))

static void tek_event(struct wman_dev *wman, u8 cmd, u16 said, u8 eks,
		      int cid)
{
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;

	if (!has_listeners(wman))
		return;
	hdr = event_start(&skb, wman, cmd, TEK_EVENT_SIZE);
	if (!hdr)
		return;
	nest = nla_nest_start(skb, WMAN_A_TEK);
	if (!nest ||
	    nla_put_u16(skb, WMAN_TEK_A_SAID, said) ||
	    nla_put_u8(skb, WMAN_TEK_A_EKS, eks) ||
	    (cid >= 0 && nla_put_u16(skb, WMAN_TEK_A_CID, cid))) {
		nlmsg_free(skb);
		return;
	}
	nla_nest_end(skb, nest);
	event_send(skb, hdr, wman);
}

void wman_event_tek(struct wman_tek *tek, u8 cmd)
{
	tek_event(tek->sa->wman, cmd, tek->sa->said, tek->eks, -1);
}

/* Sent once per limit: from the transmit path, when the warning PN goes. */
void wman_event_tek_pn_limit(struct wman_tek *tek, u32 next_pn, u64 limit)
{
	struct wman_dev *wman = tek->sa->wman;
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;

	if (!has_listeners(wman))
		return;
	hdr = event_start(&skb, wman, WMAN_CMD_TEK_PN_LIMIT,
			  TEK_EVENT_SIZE + nla_total_size(sizeof(u32)) * 2);
	if (!hdr)
		return;
	nest = nla_nest_start(skb, WMAN_A_TEK);
	if (!nest ||
	    nla_put_u16(skb, WMAN_TEK_A_SAID, tek->sa->said) ||
	    nla_put_u8(skb, WMAN_TEK_A_EKS, tek->eks) ||
	    nla_put_u32(skb, WMAN_TEK_A_TX_PN, next_pn) ||
	    nla_put_u32(skb, WMAN_TEK_A_TX_PN_LIMIT, limit)) {
		nlmsg_free(skb);
		return;
	}
	nla_nest_end(skb, nest);
	event_send(skb, hdr, wman);
}

void wman_event_unknown_eks(struct wman_sa *sa, u8 eks, u16 cid)
{
	if (!__ratelimit(&sa->unknown_eks_rs))
		return;
	tek_event(sa->wman, WMAN_CMD_UNKNOWN_EKS, sa->said, eks, cid);
}

void wman_event_unknown_sa(struct wman_dev *wman, u16 cid)
{
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;

	if (!has_listeners(wman) || !__ratelimit(&wman->unknown_sa_rs))
		return;
	hdr = event_start(&skb, wman, WMAN_CMD_UNKNOWN_SA,
			  nla_total_size(0) + nla_total_size(sizeof(u16)));
	if (!hdr)
		return;
	nest = nla_nest_start(skb, WMAN_A_CONN);
	if (!nest || nla_put_u16(skb, WMAN_CONN_A_CID, cid)) {
		nlmsg_free(skb);
		return;
	}
	nla_nest_end(skb, nest);
	event_send(skb, hdr, wman);
}

void wman_mgmt_deliver(struct wman_dev *wman, u16 cid, const u8 *src,
		       const u8 *payload, size_t len)
{
	/* pairs with the release in the registration */
	u32 portid = smp_load_acquire(&wman->mgmt_portid);
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;

	if (!portid)
		goto drop;
	hdr = event_start(&skb, wman, WMAN_CMD_MGMT_RX,
			  nla_total_size(0) + nla_total_size(sizeof(u16)) +
			  nla_total_size(ETH_ALEN) + nla_total_size(len));
	if (!hdr)
		goto drop;
	nest = nla_nest_start(skb, WMAN_A_MGMT);
	if (!nest ||
	    nla_put_u16(skb, WMAN_MGMT_A_CID, cid) ||
	    nla_put(skb, WMAN_MGMT_A_ADDR, ETH_ALEN, src) ||
	    nla_put(skb, WMAN_MGMT_A_PAYLOAD, len, payload)) {
		nlmsg_free(skb);
		goto drop;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	if (genlmsg_unicast(read_pnet(&wman->mgmt_net), skb, portid))
		goto drop;
	wman_stat_inc(wman->stats, WMAN_STAT_MGMT_RX);
	return;

drop:
	wman_stat_inc(wman->stats, WMAN_STAT_MGMT_RX_DROPPED);
}
