// SPDX-License-Identifier: GPL-2.0
/*
 * The "wman" link kind: the virtual device, its rtnetlink operations and
 * the notifier that makes it follow its lower Ethernet device.
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/rculist.h>
#include <linux/rtnetlink.h>
#include <net/netns/generic.h>
#include <net/rtnetlink.h>

#include "wman.h"

/* Each namespace's wman devices by ifindex, for dumps; written under RTNL. */
struct wman_net {
	struct xarray devs;
};

static unsigned int wman_net_id __read_mostly;

static const struct net_device_ops wman_netdev_ops;

bool wman_is_wman_dev(const struct net_device *dev)
{
	return dev->netdev_ops == &wman_netdev_ops;
}

static struct xarray *devs_of(struct net *net)
{
	struct wman_net *wn = net_generic(net, wman_net_id);

	return &wn->devs;
}

struct wman_dev *wman_dev_next(struct net *net, unsigned long *ifindex)
{
	struct wman_dev *wman;

	wman = xa_find(devs_of(net), ifindex, ULONG_MAX, XA_PRESENT);
	if (wman)
		(*ifindex)++;
	return wman;
}

static int __net_init wman_net_init(struct net *net)
{
	xa_init(devs_of(net));
	return 0;
}

/* The namespace's devices went first (a pernet device operation). */
static void __net_exit wman_net_exit(struct net *net)
{
	WARN_ON_ONCE(!xa_empty(devs_of(net)));
	xa_destroy(devs_of(net));
}

static struct pernet_operations wman_net_ops = {
	.init = wman_net_init,
	.exit = wman_net_exit,
	.id = &wman_net_id,
	.size = sizeof(struct wman_net),
};

struct net_device *wman_dev_get_by_attrs(struct net *net, struct nlattr **attrs,
					 struct netlink_ext_ack *extack)
{
	struct nlattr *ifindex = attrs[WMAN_A_IFINDEX];
	struct nlattr *ifname = attrs[WMAN_A_IFNAME];
	struct net_device *dev;

	if (!ifindex == !ifname) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Name the device by exactly one of ifindex and ifname");
		return ERR_PTR(-EINVAL);
	}
	if (ifindex)
		dev = dev_get_by_index(net, nla_get_u32(ifindex));
	else
		dev = dev_get_by_name(net, nla_data(ifname));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname, "No such device");
		return ERR_PTR(-ENODEV);
	}
	if (!wman_is_wman_dev(dev)) {
		dev_put(dev);
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname,
				    "Not a wman device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return dev;
}

static unsigned int max_mtu_on(const struct net_device *lower)
{
	int mtu = (int)lower->mtu - WMAN_MTU_OVERHEAD;

	return clamp(mtu, 0, WMAN_PDU_MAX_LEN - WMAN_MTU_OVERHEAD);
}

/* netdev operations */

static int wman_init(struct net_device *dev)
{
	struct wman_dev *wman = wman_priv(dev);
	int err;

	wman->stats = wman_stats_alloc();
	if (!wman->stats)
		return -ENOMEM;
	err = wman_tables_init(wman);
	if (err)
		goto free_stats;
	/* received frames reach the stack through GRO, as on MACsec */
	err = gro_cells_init(&wman->gro_cells, dev);
	if (err)
		goto destroy_tables;
	mutex_init(&wman->conf_lock);
	INIT_LIST_HEAD(&wman->mgmt_node);
	/*
	 * Netlink finds the device as soon as it is registered: it takes no
	 * request until newlink has finished (or if newlink fails after it).
	 */
	wman->dead = true;
	ratelimit_state_init(&wman->unknown_sa_rs, HZ, 10);
	ratelimit_set_flags(&wman->unknown_sa_rs, RATELIMIT_MSG_ON_RELEASE);
	netdev_hold(wman->lower, &wman->lower_tracker, GFP_KERNEL);
	return 0;

destroy_tables:
	wman_tables_destroy(wman);
free_stats:
	wman_stats_free(wman->stats);
	return err;
}

/* The receive handler is gone (dellink) before this runs. */
static void wman_uninit(struct net_device *dev)
{
	gro_cells_destroy(&wman_priv(dev)->gro_cells);
}

/* Runs once the device is gone, or when its registration failed. */
static void wman_destruct(struct net_device *dev)
{
	struct wman_dev *wman = wman_priv(dev);

	wman_tables_destroy(wman);
	wman_stats_free(wman->stats);
	mutex_destroy(&wman->conf_lock);
	netdev_put(wman->lower, &wman->lower_tracker);
}

static int wman_change_mtu(struct net_device *dev, int new_mtu)
{
	struct wman_dev *wman = wman_priv(dev);

	if (new_mtu > max_mtu_on(wman->lower))
		return -ERANGE;
	WRITE_ONCE(dev->mtu, new_mtu);
	return 0;
}

static void wman_get_stats64(struct net_device *dev,
			     struct rtnl_link_stats64 *stats)
{
	struct wman_dev *wman = wman_priv(dev);
	u64 s[WMAN_STAT_COUNT];

	wman_stats_sum(wman->stats, s);
	stats->tx_packets = s[WMAN_STAT_TX_PACKETS];
	stats->tx_bytes = s[WMAN_STAT_TX_BYTES];
	stats->rx_packets = s[WMAN_STAT_RX_PACKETS];
	stats->rx_bytes = s[WMAN_STAT_RX_BYTES];
	stats->tx_dropped = s[WMAN_STAT_TX_NO_CONN] + s[WMAN_STAT_TX_NO_KEY];
	stats->rx_errors = s[WMAN_STAT_RX_BAD_ICV] + s[WMAN_STAT_RX_REPLAY] +
			   s[WMAN_STAT_RX_BAD_HEADER];
	stats->rx_dropped = stats->rx_errors + s[WMAN_STAT_RX_NO_KEY] +
			    s[WMAN_STAT_RX_EXPIRED] +
			    s[WMAN_STAT_RX_UNKNOWN_SA] +
			    s[WMAN_STAT_RX_UNENCRYPTED] +
			    s[WMAN_STAT_MGMT_RX_DROPPED] +
			    s[WMAN_STAT_RX_DOWNLINK_ONLY] +
			    s[WMAN_STAT_RX_BAD_SOURCE];
}

static int wman_get_iflink(const struct net_device *dev)
{
	return READ_ONCE(wman_priv(dev)->lower->ifindex);
}

static const struct net_device_ops wman_netdev_ops = {
	.ndo_init		= wman_init,
	.ndo_uninit		= wman_uninit,
	.ndo_start_xmit		= wman_xmit,
	.ndo_change_mtu		= wman_change_mtu,
	.ndo_get_stats64	= wman_get_stats64,
	.ndo_get_iflink		= wman_get_iflink,
	.ndo_validate_addr	= eth_validate_addr,
};

/*
 * Offloads the device takes from the stack: it checksums and segments a
 * frame itself, in tx.c, just before encrypting it, so TCP hands down
 * whole 64 KB super-frames and pays its per-packet costs once for each.
 */
#define WMAN_FEATURES	(NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA | \
			 NETIF_F_GSO_SOFTWARE)

static void wman_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->features |= WMAN_FEATURES;
	dev->hw_features |= WMAN_FEATURES;
	dev->netdev_ops = &wman_netdev_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = wman_destruct;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = WMAN_PDU_MAX_LEN - WMAN_MTU_OVERHEAD;
	wman_set_lltx(dev);
	wman_set_netns_local(dev);
}

/* rtnetlink link operations */

static const struct nla_policy wman_link_policy[IFLA_WMAN_MAX + 1] = {
	[IFLA_WMAN_ROLE] = NLA_POLICY_RANGE(NLA_U8, WMAN_ROLE_BS, WMAN_ROLE_SS),
	[IFLA_WMAN_BSID] = NLA_POLICY_ETH_ADDR,
};

static int wman_validate(struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
				    "A wman device takes its lower device's address");
		return -EINVAL;
	}
	if (data && data[IFLA_WMAN_BSID] &&
	    !is_valid_ether_addr(nla_data(data[IFLA_WMAN_BSID]))) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_WMAN_BSID],
				    "BSID must be a unicast address");
		return -EINVAL;
	}
	return 0;
}

static int wman_newlink(struct net *src_net, struct net_device *dev,
			struct nlattr *tb[], struct nlattr *data[],
			struct netlink_ext_ack *extack)
{
	struct wman_dev *wman = wman_priv(dev);
	struct net_device *lower;
	unsigned int mtu;
	int err;

	if (!tb[IFLA_LINK]) {
		NL_SET_ERR_MSG_MOD(extack, "A wman device needs a lower device");
		return -EINVAL;
	}
	lower = __dev_get_by_index(src_net, nla_get_u32(tb[IFLA_LINK]));
	if (!lower) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_LINK],
				    "Lower device not found");
		return -ENODEV;
	}
	if (lower->type != ARPHRD_ETHER || lower->addr_len != ETH_ALEN ||
	    (lower->flags & IFF_LOOPBACK)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_LINK],
				    "Lower device is not an Ethernet device");
		return -EINVAL;
	}
	if (wman_is_wman_dev(lower)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_LINK],
				    "Lower device is a wman device");
		return -EINVAL;
	}
	if (netdev_is_rx_handler_busy(lower)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_LINK],
				    "Lower device already has a receive handler");
		return -EBUSY;
	}

	wman->role = WMAN_ROLE_BS;
	if (data && data[IFLA_WMAN_ROLE])
		wman->role = nla_get_u8(data[IFLA_WMAN_ROLE]);
	if (wman->role == WMAN_ROLE_SS && !(data && data[IFLA_WMAN_BSID])) {
		NL_SET_ERR_MSG_MOD(extack, "An SS needs the BSID of its BS");
		return -EINVAL;
	}
	if (data && data[IFLA_WMAN_BSID])
		wman_bsid_set(wman, nla_data(data[IFLA_WMAN_BSID]));
	else
		wman_bsid_set(wman, lower->dev_addr);

	mtu = max_mtu_on(lower);
	if (mtu < ETH_MIN_MTU) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_LINK],
				    "Lower device MTU too small for wman framing");
		return -EINVAL;
	}
	if (!tb[IFLA_MTU]) {
		dev->mtu = mtu;
	} else if (dev->mtu > mtu) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_MTU],
				    "MTU above the lower device's MTU less wman overhead");
		return -EINVAL;
	}

	wman->dev = dev;
	wman->lower = lower;
	eth_hw_addr_set(dev, lower->dev_addr);
	/* outer Ethernet header, GMH and PN in front, the ICV behind */
	dev->needed_headroom = lower->needed_headroom + lower->hard_header_len +
			       WMAN_GMH_LEN + WMAN_PN_LEN;
	dev->needed_tailroom = lower->needed_tailroom + WMAN_MAX_ICV_LEN;

	err = register_netdevice(dev);
	if (err)
		return err;
	err = netdev_upper_dev_link(lower, dev, extack);
	if (err)
		goto err_unregister;
	err = netdev_rx_handler_register(lower, wman_handle_frame, wman);
	if (err) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_LINK],
				    "Lower device already has a receive handler");
		goto err_unlink;
	}
	err = xa_insert(devs_of(dev_net(dev)), dev->ifindex, wman, GFP_KERNEL);
	if (err)
		goto err_rx_handler;
	netif_stacked_transfer_operstate(lower, dev);
	linkwatch_fire_event(dev);
	mutex_lock(&wman->conf_lock);
	wman->dead = false;
	mutex_unlock(&wman->conf_lock);
	return 0;

err_rx_handler:
	netdev_rx_handler_unregister(lower);
err_unlink:
	netdev_upper_dev_unlink(lower, dev);
err_unregister:
	unregister_netdevice(dev);
	return err;
}

static int wman_changelink(struct net_device *dev, struct nlattr *tb[],
			   struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	struct wman_dev *wman = wman_priv(dev);

	if (!data)
		return 0;
	if (data[IFLA_WMAN_ROLE] &&
	    nla_get_u8(data[IFLA_WMAN_ROLE]) != wman->role) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_WMAN_ROLE],
				    "The role of a wman device cannot change");
		return -EOPNOTSUPP;
	}
	if (data[IFLA_WMAN_BSID]) {
		mutex_lock(&wman->conf_lock);
		wman_bsid_set(wman, nla_data(data[IFLA_WMAN_BSID]));
		mutex_unlock(&wman->conf_lock);
	}
	return 0;
}

/* Empties the device and detaches it from its lower device; under RTNL. */
static void wman_teardown(struct net_device *dev, struct list_head *head)
{
	struct wman_dev *wman = wman_priv(dev);

	ASSERT_RTNL();
	mutex_lock(&wman->conf_lock);
	wman->dead = true;
	wman_mgmt_unregister(wman);
	wman_tables_flush(wman);
	mutex_unlock(&wman->conf_lock);

	xa_erase(devs_of(dev_net(dev)), dev->ifindex);
	netdev_rx_handler_unregister(wman->lower);
	netdev_upper_dev_unlink(wman->lower, dev);
	unregister_netdevice_queue(dev, head);
}

static size_t wman_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u8)) +	/* IFLA_WMAN_ROLE */
	       nla_total_size(ETH_ALEN);	/* IFLA_WMAN_BSID */
}

static int wman_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	const struct wman_dev *wman = wman_priv(dev);
	u8 bsid[ETH_ALEN];

	wman_bsid_get(wman, bsid);
	if (nla_put_u8(skb, IFLA_WMAN_ROLE, wman->role) ||
	    nla_put(skb, IFLA_WMAN_BSID, ETH_ALEN, bsid))
		return -EMSGSIZE;
	return 0;
}

static struct net *wman_get_link_net(const struct net_device *dev)
{
	return dev_net(wman_priv(dev)->lower);
}

static struct rtnl_link_ops wman_link_ops __read_mostly = {
	.kind		= "wman",
	.priv_size	= sizeof(struct wman_dev),
	.maxtype	= IFLA_WMAN_MAX,
	.policy		= wman_link_policy,
	.setup		= wman_setup,
	.validate	= wman_validate,
	.newlink	= wman_newlink,
	.changelink	= wman_changelink,
	.dellink	= wman_teardown,
	.get_size	= wman_get_size,
	.fill_info	= wman_fill_info,
	.get_link_net	= wman_get_link_net,
};

/* Following the lower device */

static struct wman_dev *upper_of(struct net_device *lower)
{
	if (rtnl_dereference(lower->rx_handler) != wman_handle_frame)
		return NULL;
	return rtnl_dereference(lower->rx_handler_data);
}

/*
 * The wman device has carrier when its lower device has, and when the
 * lower MTU still fits a minimal wman frame: below that every frame would
 * be dropped by the lower device, so say so where routing looks.
 */
static void follow_lower_state(struct wman_dev *wman)
{
	if (wman->lower->mtu < WMAN_MTU_OVERHEAD + ETH_MIN_MTU) {
		if (netif_carrier_ok(wman->dev))
			netdev_warn(wman->dev,
				    "lower device MTU %u is below %u: no carrier\n",
				    wman->lower->mtu,
				    WMAN_MTU_OVERHEAD + ETH_MIN_MTU);
		netif_carrier_off(wman->dev);
		return;
	}
	netif_stacked_transfer_operstate(wman->lower, wman->dev);
}

static int lower_event(struct notifier_block *nb, unsigned long event,
		       void *ptr)
{
	struct net_device *lower = netdev_notifier_info_to_dev(ptr);
	struct wman_dev *wman = upper_of(lower);
	unsigned int mtu;
	LIST_HEAD(head);

	if (!wman)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_UNREGISTER:
		/*
		 * The lower device moving to another namespace goes through
		 * unregister without being deleted: the wman device stays on
		 * it, as macvlan does.
		 */
		if (lower->reg_state != NETREG_UNREGISTERING)
			break;
		wman_teardown(wman->dev, &head);
		unregister_netdevice_many(&head);
		break;

	case NETDEV_CHANGEMTU:
		mtu = max_mtu_on(lower);
		if (wman->dev->mtu > mtu)
			dev_set_mtu(wman->dev, max_t(unsigned int, mtu,
						     ETH_MIN_MTU));
		follow_lower_state(wman);
		break;
	case NETDEV_CHANGEADDR:
		eth_hw_addr_set(wman->dev, lower->dev_addr);
		call_netdevice_notifiers(NETDEV_CHANGEADDR, wman->dev);
		break;
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		follow_lower_state(wman);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block lower_notifier = {
	.notifier_call = lower_event,
};

int wman_device_init(void)
{
	int err;

	err = register_pernet_subsys(&wman_net_ops);
	if (err)
		return err;
	err = register_netdevice_notifier(&lower_notifier);
	if (err)
		goto err_pernet;
	err = rtnl_link_register(&wman_link_ops);
	if (err)
		goto err_notifier;
	return 0;

err_notifier:
	unregister_netdevice_notifier(&lower_notifier);
err_pernet:
	unregister_pernet_subsys(&wman_net_ops);
	return err;
}

void wman_device_uninit(void)
{
	rtnl_link_unregister(&wman_link_ops);
	unregister_netdevice_notifier(&lower_notifier);
	unregister_pernet_subsys(&wman_net_ops);
}
