// SPDX-License-Identifier: GPL-2.0
/*
 * The "wman" generic netlink family: requests, replies and dumps.  The
 * messages the module sends by itself are in events.c.
 */

#include <linux/etherdevice.h>
#include <linux/netlink.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "wman.h"

static int validate_suite(const struct nlattr *attr,
			  struct netlink_ext_ack *extack)
{
	if (wman_suite_find(nla_get_u8(attr)))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr, "Unsupported cipher suite");
	return -EINVAL;
}

/* not const: 6.1 declares the policy's range pointer without it */
static struct netlink_range_validation tx_pn_range = {
	.max = WMAN_PN_SPACE - 1,
};

static struct netlink_range_validation tx_pn_limit_range = {
	.min = 1,
	.max = WMAN_PN_SPACE,
};

static const struct nla_policy conn_policy[WMAN_CONN_A_MAX + 1] = {
	[WMAN_CONN_A_CID] = { .type = NLA_U16 },
	[WMAN_CONN_A_KIND] = NLA_POLICY_RANGE(NLA_U8, WMAN_CONN_MGMT,
					      WMAN_CONN_BROADCAST),
	[WMAN_CONN_A_SAID] = { .type = NLA_U16 },
	[WMAN_CONN_A_PEER] = NLA_POLICY_ETH_ADDR,
};

static const struct nla_policy sa_policy[WMAN_SA_A_MAX + 1] = {
	[WMAN_SA_A_SAID] = { .type = NLA_U16 },
	[WMAN_SA_A_SUITE] = NLA_POLICY_VALIDATE_FN(NLA_U8, validate_suite),
	[WMAN_SA_A_SERVICE] = NLA_POLICY_MAX(NLA_U8, WMAN_SERVICE_BROADCAST),
};

static const struct nla_policy tek_policy[WMAN_TEK_A_MAX + 1] = {
	[WMAN_TEK_A_SAID] = { .type = NLA_U16 },
	[WMAN_TEK_A_EKS] = NLA_POLICY_MAX(NLA_U8, WMAN_EKS_COUNT - 1),
	[WMAN_TEK_A_KEY] = NLA_POLICY_EXACT_LEN(WMAN_KEY_LEN),
	[WMAN_TEK_A_LIFETIME] = { .type = NLA_U32 },
	[WMAN_TEK_A_SOFT_LIFETIME] = { .type = NLA_U32 },
	[WMAN_TEK_A_TX_PN] = NLA_POLICY_FULL_RANGE(NLA_U32, &tx_pn_range),
	[WMAN_TEK_A_REPLACE] = { .type = NLA_FLAG },
	[WMAN_TEK_A_TX_PN_LIMIT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &tx_pn_limit_range),
	[WMAN_TEK_A_RX_PN] = NLA_POLICY_FULL_RANGE(NLA_U32, &tx_pn_range),
};

static const struct nla_policy group_addrs_policy[WMAN_GROUP_A_ADDR + 1] = {
	[WMAN_GROUP_A_ADDR] = NLA_POLICY_ETH_ADDR,
};

static const struct nla_policy group_policy[WMAN_GROUP_A_MAX + 1] = {
	[WMAN_GROUP_A_ID] = { .type = NLA_U8 },
	[WMAN_GROUP_A_CID] = { .type = NLA_U16 },
	[WMAN_GROUP_A_ADDRS] = NLA_POLICY_NESTED(group_addrs_policy),
};

static const struct nla_policy mgmt_policy[WMAN_MGMT_A_MAX + 1] = {
	[WMAN_MGMT_A_CID] = { .type = NLA_U16 },
	[WMAN_MGMT_A_PAYLOAD] = NLA_POLICY_RANGE(NLA_BINARY, 1,
						 WMAN_MGMT_MAX_LEN),
	[WMAN_MGMT_A_ADDR] = NLA_POLICY_ETH_ADDR,
};

/* Attributes the kernel only reports are left out and so refused. */
static const struct nla_policy wman_policy[WMAN_A_MAX + 1] = {
	[WMAN_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[WMAN_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[WMAN_A_CONN] = NLA_POLICY_NESTED(conn_policy),
	[WMAN_A_SA] = NLA_POLICY_NESTED(sa_policy),
	[WMAN_A_TEK] = NLA_POLICY_NESTED(tek_policy),
	[WMAN_A_GROUP] = NLA_POLICY_NESTED(group_policy),
	[WMAN_A_MGMT] = NLA_POLICY_NESTED(mgmt_policy),
};

/* Reports a missing attribute, naming it in the extended ACK. */
#define missing(extack, nest, tb, type, msg) ({			\
	struct netlink_ext_ack *miss_extack = (extack);		\
	bool __missing = !(tb)[type];				\
								\
	if (__missing) {					\
		NL_SET_ERR_ATTR_MISS(miss_extack, nest, type);	\
		NL_SET_ERR_MSG_MOD(miss_extack, msg);		\
	}							\
	__missing;						\
})

/* Parses the request's nest @type into @tb; the nest must be there. */
static int parse_nest(struct genl_info *info, int type, struct nlattr **tb,
		      int maxtype, const struct nla_policy *policy)
{
	if (!info->attrs[type]) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, type);
		NL_SET_ERR_MSG_MOD(info->extack, "Missing object nest");
		return -EINVAL;
	}
	return nla_parse_nested(tb, maxtype, info->attrs[type], policy,
				info->extack);
}

/* The request's device, held and with its configuration locked. */
static struct wman_dev *dev_lock(struct genl_info *info)
{
	struct net_device *dev;
	struct wman_dev *wman;

	dev = wman_dev_get_by_attrs(genl_info_net(info), info->attrs,
				    info->extack);
	if (IS_ERR(dev))
		return ERR_CAST(dev);
	wman = wman_priv(dev);
	mutex_lock(&wman->conf_lock);
	if (wman->dead) {
		mutex_unlock(&wman->conf_lock);
		dev_put(dev);
		NL_SET_ERR_MSG_MOD(info->extack, "Device is being deleted");
		return ERR_PTR(-ENODEV);
	}
	return wman;
}

static void dev_unlock(struct wman_dev *wman)
{
	mutex_unlock(&wman->conf_lock);
	dev_put(wman->dev);
}

/* Message construction, shared by replies and dumps */

struct msg_ctx {
	u32 portid;
	u32 seq;
	int flags;
	struct netlink_callback *cb;	/* dumps only */
};

static void *msg_start(struct sk_buff *skb, const struct msg_ctx *ctx,
		       struct wman_dev *wman, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, ctx->portid, ctx->seq, &wman_genl_family,
			  ctx->flags, cmd);
	if (!hdr)
		return NULL;
	if (ctx->cb)
		genl_dump_check_consistent(ctx->cb, hdr);
	if (nla_put_u32(skb, WMAN_A_IFINDEX, wman->dev->ifindex) ||
	    nla_put_u32(skb, WMAN_A_GENERATION, READ_ONCE(wman->generation))) {
		genlmsg_cancel(skb, hdr);
		return NULL;
	}
	return hdr;
}

static int msg_end(struct sk_buff *skb, void *hdr, int err)
{
	if (err) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int fill_link(struct sk_buff *skb, const struct msg_ctx *ctx,
		     struct wman_dev *wman, void *unused)
{
	void *hdr = msg_start(skb, ctx, wman, WMAN_CMD_LINK_GET);
	u8 bsid[ETH_ALEN];

	wman_bsid_get(wman, bsid);
	if (!hdr)
		return -EMSGSIZE;
	return msg_end(skb, hdr,
		       nla_put_string(skb, WMAN_A_IFNAME, wman->dev->name) ||
		       nla_put_u8(skb, WMAN_A_ROLE, wman->role) ||
		       nla_put(skb, WMAN_A_BSID, ETH_ALEN, bsid) ||
		       nla_put_u32(skb, WMAN_A_LOWER_IFINDEX,
				   READ_ONCE(wman->lower->ifindex)) ||
		       wman_stats_put(skb, WMAN_A_STATS, wman->stats));
}

static int put_conn(struct sk_buff *skb, const struct wman_conn *conn)
{
	struct nlattr *nest = nla_nest_start(skb, WMAN_A_CONN);

	if (!nest ||
	    nla_put_u16(skb, WMAN_CONN_A_CID, conn->cid) ||
	    nla_put_u8(skb, WMAN_CONN_A_KIND, conn->kind) ||
	    (conn->said != WMAN_SAID_NONE &&
	     nla_put_u16(skb, WMAN_CONN_A_SAID, conn->said)) ||
	    (!is_zero_ether_addr(conn->peer) &&
	     nla_put(skb, WMAN_CONN_A_PEER, ETH_ALEN, conn->peer)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int fill_conn(struct sk_buff *skb, const struct msg_ctx *ctx,
		     struct wman_dev *wman, void *conn)
{
	void *hdr = msg_start(skb, ctx, wman, WMAN_CMD_CONN_GET);

	if (!hdr)
		return -EMSGSIZE;
	return msg_end(skb, hdr, put_conn(skb, conn));
}

/* Under RCU. */
static int put_tek(struct sk_buff *skb, struct wman_tek *tek)
{
	struct nlattr *nest = nla_nest_start(skb, WMAN_A_TEK);

	if (!nest ||
	    nla_put_u16(skb, WMAN_TEK_A_SAID, tek->sa->said) ||
	    nla_put_u8(skb, WMAN_TEK_A_EKS, tek->eks) ||
	    nla_put_u32(skb, WMAN_TEK_A_TX_PN, wman_tek_tx_pn(tek)) ||
	    nla_put_u32(skb, WMAN_TEK_A_TX_PN_LIMIT,
			READ_ONCE(tek->tx_pn_limit)) ||
	    nla_put_u32(skb, WMAN_TEK_A_RX_PN,
			wman_replay_next(&tek->replay)) ||
	    nla_put_u32(skb, WMAN_TEK_A_STATE, wman_tek_state(tek)) ||
	    (tek->hard_expiry &&
	     nla_put_u32(skb, WMAN_TEK_A_REMAINING, wman_tek_remaining(tek))) ||
	    wman_stats_put(skb, WMAN_TEK_A_STATS, tek->stats))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_sa(struct sk_buff *skb, struct wman_sa *sa)
{
	struct nlattr *nest, *teks;
	struct wman_tek *tek;
	int err = -EMSGSIZE;
	unsigned int eks;

	nest = nla_nest_start(skb, WMAN_A_SA);
	if (!nest ||
	    nla_put_u16(skb, WMAN_SA_A_SAID, sa->said) ||
	    nla_put_u8(skb, WMAN_SA_A_SUITE, sa->suite->id) ||
	    nla_put_u8(skb, WMAN_SA_A_SERVICE, sa->service) ||
	    wman_stats_put(skb, WMAN_SA_A_STATS, sa->stats))
		return -EMSGSIZE;
	teks = nla_nest_start(skb, WMAN_SA_A_TEKS);
	if (!teks)
		return -EMSGSIZE;
	rcu_read_lock();
	for (eks = 0; eks < WMAN_EKS_COUNT; eks++) {
		tek = rcu_dereference(sa->slots[eks]);
		if (tek && put_tek(skb, tek))
			goto out;
	}
	err = 0;
	nla_nest_end(skb, teks);
	nla_nest_end(skb, nest);
out:
	rcu_read_unlock();
	return err;
}

static int fill_sa(struct sk_buff *skb, const struct msg_ctx *ctx,
		   struct wman_dev *wman, void *sa)
{
	void *hdr = msg_start(skb, ctx, wman, WMAN_CMD_SA_GET);

	if (!hdr)
		return -EMSGSIZE;
	return msg_end(skb, hdr, put_sa(skb, sa));
}

static int put_group(struct sk_buff *skb, const struct wman_group *group)
{
	struct nlattr *nest, *addrs;
	unsigned int i;

	nest = nla_nest_start(skb, WMAN_A_GROUP);
	if (!nest ||
	    nla_put_u8(skb, WMAN_GROUP_A_ID, group->id) ||
	    nla_put_u16(skb, WMAN_GROUP_A_CID, group->cid))
		return -EMSGSIZE;
	addrs = nla_nest_start(skb, WMAN_GROUP_A_ADDRS);
	if (!addrs)
		return -EMSGSIZE;
	for (i = 0; i < group->naddrs; i++)
		if (nla_put(skb, WMAN_GROUP_A_ADDR, ETH_ALEN,
			    group->addrs[i].addr))
			return -EMSGSIZE;
	nla_nest_end(skb, addrs);
	nla_nest_end(skb, nest);
	return 0;
}

static int fill_group(struct sk_buff *skb, const struct msg_ctx *ctx,
		      struct wman_dev *wman, void *group)
{
	void *hdr = msg_start(skb, ctx, wman, WMAN_CMD_GROUP_GET);

	if (!hdr)
		return -EMSGSIZE;
	return msg_end(skb, hdr, put_group(skb, group));
}

typedef int (*fill_fn)(struct sk_buff *skb, const struct msg_ctx *ctx,
		       struct wman_dev *wman, void *obj);

/* Sends the reply to a request for one object. */
static int reply(struct genl_info *info, struct wman_dev *wman, fill_fn fill,
		 void *obj)
{
	struct msg_ctx ctx = {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
	};
	struct sk_buff *skb;
	int err;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	err = fill(skb, &ctx, wman, obj);
	if (err) {
		nlmsg_free(skb);
		return err;
	}
	return genlmsg_reply(skb, info);
}

/*
 * A device's table of connections, SAs or groups, as the GET, DEL and
 * dump requests of its objects see it.
 */
struct obj_table {
	int nest;				/* WMAN_A_CONN, _SA or _GROUP */
	int key;				/* the u8/u16 key in the nest */
	int maxtype;
	const struct nla_policy *policy;
	const char *no_key;			/* module-prefixed, as _MOD */
	const char *no_object;			/* the key names nothing */
	struct xarray *(*objects)(struct wman_dev *wman);
	fill_fn fill;
	int (*del)(struct wman_dev *wman, unsigned long key,
		   struct netlink_ext_ack *extack);
};

/* Room in tb[] for the nest of any table: the SA's is the largest. */
#define OBJ_MAXTYPE	((int)WMAN_SA_A_MAX)
static_assert((int)WMAN_CONN_A_MAX <= OBJ_MAXTYPE);
static_assert((int)WMAN_GROUP_A_MAX <= OBJ_MAXTYPE);

/*
 * NL_SET_ERR_MSG() for the messages above: the macro takes only a string
 * literal, and these are static strings all the same.
 */
static void set_err_msg(struct netlink_ext_ack *extack, const char *msg)
{
	do_trace_netlink_extack(msg);
	if (extack)
		extack->_msg = msg;
}

static unsigned long obj_key(const struct obj_table *t,
			     const struct nlattr *attr)
{
	return t->policy[t->key].type == NLA_U8 ? nla_get_u8(attr) :
						  nla_get_u16(attr);
}

/* Parses the request's nest of @t into @tb; its key must be there. */
static int parse_keyed(struct genl_info *info, const struct obj_table *t,
		       struct nlattr **tb)
{
	int err;

	err = parse_nest(info, t->nest, tb, t->maxtype, t->policy);
	if (err)
		return err;
	if (!tb[t->key]) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[t->nest],
				     t->key);
		set_err_msg(info->extack, t->no_key);
		return -EINVAL;
	}
	return 0;
}

/* A *_GET request: the reply describes the object the key names. */
static int get_one(struct genl_info *info, const struct obj_table *t)
{
	struct nlattr *tb[OBJ_MAXTYPE + 1];
	struct wman_dev *wman;
	void *obj;
	int err;

	err = parse_keyed(info, t, tb);
	if (err)
		return err;

	wman = dev_lock(info);
	if (IS_ERR(wman))
		return PTR_ERR(wman);
	obj = xa_load(t->objects(wman), obj_key(t, tb[t->key]));
	if (obj) {
		err = reply(info, wman, t->fill, obj);
	} else {
		NL_SET_BAD_ATTR(info->extack, tb[t->key]);
		set_err_msg(info->extack, t->no_object);
		err = -ENOENT;
	}
	dev_unlock(wman);
	return err;
}

/* A *_DEL request. */
static int del_one(struct genl_info *info, const struct obj_table *t)
{
	struct nlattr *tb[OBJ_MAXTYPE + 1];
	struct wman_dev *wman;
	int err;

	err = parse_keyed(info, t, tb);
	if (err)
		return err;

	wman = dev_lock(info);
	if (IS_ERR(wman))
		return PTR_ERR(wman);
	err = t->del(wman, obj_key(t, tb[t->key]), info->extack);
	dev_unlock(wman);
	return err;
}

/* Dumps of one device's table, resumed by key */

static int dump_table(struct sk_buff *skb, struct netlink_callback *cb,
		      const struct obj_table *t)
{
	struct msg_ctx ctx = {
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
		.cb = cb,
	};
	struct nlattr *attrs[WMAN_A_MAX + 1];
	struct net_device *dev;
	struct wman_dev *wman;
	unsigned long index;
	void *obj;
	int err = 0;

	/* args[0]: next key; args[1]: set once the table is done */
	if (cb->args[1])
		return 0;
	/* already validated by the core; parsed again to name the device */
	err = nlmsg_parse(cb->nlh, GENL_HDRLEN, attrs, WMAN_A_MAX, wman_policy,
			  cb->extack);
	if (err)
		return err;
	dev = wman_dev_get_by_attrs(sock_net(cb->skb->sk), attrs, cb->extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	wman = wman_priv(dev);

	cb->seq = READ_ONCE(wman->generation);
	rcu_read_lock();
	xa_for_each_start(t->objects(wman), index, obj, cb->args[0]) {
		err = t->fill(skb, &ctx, wman, obj);
		if (err)
			break;
		cb->args[0] = index + 1;
	}
	rcu_read_unlock();
	dev_put(dev);

	if (!err)
		cb->args[1] = 1;
	/* an object too big for an empty message would loop forever */
	if (err && !skb->len)
		return err;
	return skb->len;
}

static struct xarray *conns_of(struct wman_dev *wman)
{
	return &wman->conns;
}

static struct xarray *sas_of(struct wman_dev *wman)
{
	return &wman->sas;
}

static struct xarray *groups_of(struct wman_dev *wman)
{
	return &wman->groups;
}

/* LINK_GET */

static int link_get(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	int err;

	dev = wman_dev_get_by_attrs(genl_info_net(info), info->attrs,
				    info->extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	err = reply(info, wman_priv(dev), fill_link, NULL);
	dev_put(dev);
	return err;
}

/*
 * The namespace's wman devices in ifindex order, resuming after the last
 * ifindex sent, so that devices added or removed meanwhile never make the
 * dump skip or repeat another one.
 */
static int link_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct msg_ctx ctx = {
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
	};
	struct net *net = sock_net(cb->skb->sk);
	unsigned long ifindex = cb->args[0];
	struct wman_dev *wman;
	int err = 0;

	rcu_read_lock();
	while ((wman = wman_dev_next(net, &ifindex))) {
		err = fill_link(skb, &ctx, wman, NULL);
		if (err)
			break;
	}
	/* resume at the device that did not fit, or past the last one */
	cb->args[0] = err ? wman->dev->ifindex : ifindex;
	rcu_read_unlock();
	if (err && !skb->len)
		return err;
	return skb->len;
}

/* CONN_* */

static int conn_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[WMAN_CONN_A_MAX + 1];
	struct nlattr *nest = info->attrs[WMAN_A_CONN];
	struct wman_dev *wman;
	const u8 *peer = NULL;
	int said = WMAN_SAID_NONE;
	int err;

	err = parse_nest(info, WMAN_A_CONN, tb, WMAN_CONN_A_MAX, conn_policy);
	if (err)
		return err;
	if (missing(info->extack, nest, tb, WMAN_CONN_A_CID, "Missing CID") ||
	    missing(info->extack, nest, tb, WMAN_CONN_A_KIND,
		    "Missing connection kind"))
		return -EINVAL;
	if (tb[WMAN_CONN_A_SAID])
		said = nla_get_u16(tb[WMAN_CONN_A_SAID]);
	if (tb[WMAN_CONN_A_PEER])
		peer = nla_data(tb[WMAN_CONN_A_PEER]);

	wman = dev_lock(info);
	if (IS_ERR(wman))
		return PTR_ERR(wman);
	err = wman_conn_add(wman, nla_get_u16(tb[WMAN_CONN_A_CID]),
			    nla_get_u8(tb[WMAN_CONN_A_KIND]), said, peer,
			    info->extack);
	dev_unlock(wman);
	return err;
}

static int conn_remove(struct wman_dev *wman, unsigned long cid,
		       struct netlink_ext_ack *extack)
{
	return wman_conn_del(wman, cid, extack);
}

static const struct obj_table conn_table = {
	.nest = WMAN_A_CONN,
	.key = WMAN_CONN_A_CID,
	.maxtype = WMAN_CONN_A_MAX,
	.policy = conn_policy,
	.no_key = KBUILD_MODNAME ": Missing CID",
	.no_object = "No connection with this CID",
	.objects = conns_of,
	.fill = fill_conn,
	.del = conn_remove,
};

static int conn_del(struct sk_buff *skb, struct genl_info *info)
{
	return del_one(info, &conn_table);
}

static int conn_get(struct sk_buff *skb, struct genl_info *info)
{
	return get_one(info, &conn_table);
}

static int conn_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dump_table(skb, cb, &conn_table);
}

/* SA_* */

static int sa_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[WMAN_SA_A_MAX + 1];
	struct nlattr *nest = info->attrs[WMAN_A_SA];
	struct wman_dev *wman;
	int err;

	err = parse_nest(info, WMAN_A_SA, tb, WMAN_SA_A_MAX, sa_policy);
	if (err)
		return err;
	if (missing(info->extack, nest, tb, WMAN_SA_A_SAID, "Missing SAID") ||
	    missing(info->extack, nest, tb, WMAN_SA_A_SUITE,
		    "Missing cipher suite") ||
	    missing(info->extack, nest, tb, WMAN_SA_A_SERVICE,
		    "Missing service type"))
		return -EINVAL;

	wman = dev_lock(info);
	if (IS_ERR(wman))
		return PTR_ERR(wman);
	err = wman_sa_add(wman, nla_get_u16(tb[WMAN_SA_A_SAID]),
			  nla_get_u8(tb[WMAN_SA_A_SUITE]),
			  nla_get_u8(tb[WMAN_SA_A_SERVICE]), info->extack);
	dev_unlock(wman);
	return err;
}

static int sa_remove(struct wman_dev *wman, unsigned long said,
		     struct netlink_ext_ack *extack)
{
	return wman_sa_del(wman, said, extack);
}

static const struct obj_table sa_table = {
	.nest = WMAN_A_SA,
	.key = WMAN_SA_A_SAID,
	.maxtype = WMAN_SA_A_MAX,
	.policy = sa_policy,
	.no_key = KBUILD_MODNAME ": Missing SAID",
	.no_object = "No SA with this SAID",
	.objects = sas_of,
	.fill = fill_sa,
	.del = sa_remove,
};

static int sa_del(struct sk_buff *skb, struct genl_info *info)
{
	return del_one(info, &sa_table);
}

static int sa_get(struct sk_buff *skb, struct genl_info *info)
{
	return get_one(info, &sa_table);
}

static int sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dump_table(skb, cb, &sa_table);
}

/* TEK_* */

static int tek_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[WMAN_TEK_A_MAX + 1] = {};
	struct nlattr *nest = info->attrs[WMAN_A_TEK];
	struct wman_tek_params p = {};
	struct wman_dev *wman;
	int err;

	err = parse_nest(info, WMAN_A_TEK, tb, WMAN_TEK_A_MAX, tek_policy);
	if (err)
		goto out;
	err = -EINVAL;
	if (missing(info->extack, nest, tb, WMAN_TEK_A_SAID, "Missing SAID") ||
	    missing(info->extack, nest, tb, WMAN_TEK_A_EKS, "Missing EKS") ||
	    missing(info->extack, nest, tb, WMAN_TEK_A_KEY, "Missing key"))
		goto out;

	p.said = nla_get_u16(tb[WMAN_TEK_A_SAID]);
	p.eks = nla_get_u8(tb[WMAN_TEK_A_EKS]);
	memcpy(p.key, nla_data(tb[WMAN_TEK_A_KEY]), WMAN_KEY_LEN);
	if (tb[WMAN_TEK_A_LIFETIME])
		p.lifetime = nla_get_u32(tb[WMAN_TEK_A_LIFETIME]);
	if (tb[WMAN_TEK_A_SOFT_LIFETIME])
		p.soft_lifetime = nla_get_u32(tb[WMAN_TEK_A_SOFT_LIFETIME]);
	if (tb[WMAN_TEK_A_TX_PN])
		p.tx_pn = nla_get_u32(tb[WMAN_TEK_A_TX_PN]);
	if (tb[WMAN_TEK_A_TX_PN_LIMIT])
		p.tx_pn_limit = nla_get_u32(tb[WMAN_TEK_A_TX_PN_LIMIT]);
	if (tb[WMAN_TEK_A_RX_PN])
		p.rx_pn = nla_get_u32(tb[WMAN_TEK_A_RX_PN]);
	p.replace = nla_get_flag(tb[WMAN_TEK_A_REPLACE]);
	if (p.lifetime && p.soft_lifetime >= p.lifetime) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[WMAN_TEK_A_SOFT_LIFETIME],
				    "Soft lifetime must be shorter than the lifetime");
		goto out;
	}

	wman = dev_lock(info);
	if (IS_ERR(wman)) {
		err = PTR_ERR(wman);
		goto out;
	}
	err = wman_tek_add(wman, &p, info->extack);
	dev_unlock(wman);

out:
	memzero_explicit(&p.key, sizeof(p.key));
	if (tb[WMAN_TEK_A_KEY])
		memzero_explicit(nla_data(tb[WMAN_TEK_A_KEY]), WMAN_KEY_LEN);
	return err;
}

static int tek_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[WMAN_TEK_A_MAX + 1];
	struct nlattr *nest = info->attrs[WMAN_A_TEK];
	struct wman_dev *wman;
	int err;

	err = parse_nest(info, WMAN_A_TEK, tb, WMAN_TEK_A_MAX, tek_policy);
	if (err)
		return err;
	if (missing(info->extack, nest, tb, WMAN_TEK_A_SAID, "Missing SAID") ||
	    missing(info->extack, nest, tb, WMAN_TEK_A_EKS, "Missing EKS"))
		return -EINVAL;

	wman = dev_lock(info);
	if (IS_ERR(wman))
		return PTR_ERR(wman);
	err = wman_tek_del(wman, nla_get_u16(tb[WMAN_TEK_A_SAID]),
			   nla_get_u8(tb[WMAN_TEK_A_EKS]), info->extack);
	dev_unlock(wman);
	return err;
}

static int tek_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[WMAN_TEK_A_MAX + 1];
	struct nlattr *nest = info->attrs[WMAN_A_TEK];
	struct wman_dev *wman;
	int err;

	err = parse_nest(info, WMAN_A_TEK, tb, WMAN_TEK_A_MAX, tek_policy);
	if (err)
		return err;
	if (missing(info->extack, nest, tb, WMAN_TEK_A_SAID, "Missing SAID") ||
	    missing(info->extack, nest, tb, WMAN_TEK_A_EKS, "Missing EKS") ||
	    missing(info->extack, nest, tb, WMAN_TEK_A_TX_PN_LIMIT,
		    "Missing PN limit"))
		return -EINVAL;
	if (tb[WMAN_TEK_A_KEY] || tb[WMAN_TEK_A_TX_PN] ||
	    tb[WMAN_TEK_A_RX_PN] || tb[WMAN_TEK_A_LIFETIME] ||
	    tb[WMAN_TEK_A_SOFT_LIFETIME] || tb[WMAN_TEK_A_REPLACE]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "tek-set changes the PN limit only");
		return -EINVAL;
	}

	wman = dev_lock(info);
	if (IS_ERR(wman))
		return PTR_ERR(wman);
	err = wman_tek_set_limit(wman, nla_get_u16(tb[WMAN_TEK_A_SAID]),
				 nla_get_u8(tb[WMAN_TEK_A_EKS]),
				 nla_get_u32(tb[WMAN_TEK_A_TX_PN_LIMIT]),
				 info->extack);
	dev_unlock(wman);
	return err;
}

/* GROUP_* */

static int group_new(struct sk_buff *skb, struct genl_info *info)
{
	u8 addrs[WMAN_GROUP_MAX_ADDRS * ETH_ALEN];
	struct nlattr *tb[WMAN_GROUP_A_MAX + 1];
	struct nlattr *nest = info->attrs[WMAN_A_GROUP];
	unsigned int naddrs = 0;
	struct wman_dev *wman;
	struct nlattr *attr;
	int err, rem;

	err = parse_nest(info, WMAN_A_GROUP, tb, WMAN_GROUP_A_MAX,
			 group_policy);
	if (err)
		return err;
	if (missing(info->extack, nest, tb, WMAN_GROUP_A_ID,
		    "Missing group ID") ||
	    missing(info->extack, nest, tb, WMAN_GROUP_A_CID,
		    "Missing group CID"))
		return -EINVAL;

	/* the policy admitted only 6-byte WMAN_GROUP_A_ADDR entries */
	if (tb[WMAN_GROUP_A_ADDRS]) {
		nla_for_each_nested(attr, tb[WMAN_GROUP_A_ADDRS], rem) {
			if (naddrs == WMAN_GROUP_MAX_ADDRS) {
				NL_SET_ERR_MSG_ATTR(info->extack, attr,
						    "Too many addresses in the group");
				return -E2BIG;
			}
			if (!is_multicast_ether_addr(nla_data(attr)) ||
			    is_broadcast_ether_addr(nla_data(attr))) {
				NL_SET_ERR_MSG_ATTR(info->extack, attr,
						    "Not a multicast address");
				return -EINVAL;
			}
			memcpy(addrs + naddrs * ETH_ALEN, nla_data(attr),
			       ETH_ALEN);
			naddrs++;
		}
	}

	wman = dev_lock(info);
	if (IS_ERR(wman))
		return PTR_ERR(wman);
	err = wman_group_add(wman, nla_get_u8(tb[WMAN_GROUP_A_ID]),
			     nla_get_u16(tb[WMAN_GROUP_A_CID]), addrs, naddrs,
			     info->extack);
	dev_unlock(wman);
	return err;
}

static int group_remove(struct wman_dev *wman, unsigned long id,
			struct netlink_ext_ack *extack)
{
	return wman_group_del(wman, id, extack);
}

static const struct obj_table group_table = {
	.nest = WMAN_A_GROUP,
	.key = WMAN_GROUP_A_ID,
	.maxtype = WMAN_GROUP_A_MAX,
	.policy = group_policy,
	.no_key = KBUILD_MODNAME ": Missing group ID",
	.no_object = "No group with this ID",
	.objects = groups_of,
	.fill = fill_group,
	.del = group_remove,
};

static int group_del(struct sk_buff *skb, struct genl_info *info)
{
	return del_one(info, &group_table);
}

static int group_get(struct sk_buff *skb, struct genl_info *info)
{
	return get_one(info, &group_table);
}

static int group_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dump_table(skb, cb, &group_table);
}

/* STATS_RESET, MGMT_* */

static int stats_reset(struct sk_buff *skb, struct genl_info *info)
{
	struct wman_dev *wman;
	struct wman_tek *tek;
	struct wman_sa *sa;
	unsigned long said;
	unsigned int eks;

	wman = dev_lock(info);
	if (IS_ERR(wman))
		return PTR_ERR(wman);
	wman_stats_reset(wman->stats);
	xa_for_each(&wman->sas, said, sa) {
		wman_stats_reset(sa->stats);
		for (eks = 0; eks < WMAN_EKS_COUNT; eks++) {
			tek = rcu_dereference_protected(sa->slots[eks],
							lockdep_is_held(&wman->conf_lock));
			if (tek)
				wman_stats_reset(tek->stats);
		}
	}
	dev_unlock(wman);
	return 0;
}

/*
 * Devices with a registered management socket, so that a closing
 * generic netlink socket (any in the system) is looked for among them
 * only.
 */
static LIST_HEAD(mgmt_listeners);
static DEFINE_SPINLOCK(mgmt_listeners_lock);

void wman_mgmt_unregister(struct wman_dev *wman)
{
	spin_lock(&mgmt_listeners_lock);
	WRITE_ONCE(wman->mgmt_portid, 0);
	list_del_init(&wman->mgmt_node);
	spin_unlock(&mgmt_listeners_lock);
}

static int mgmt_register(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	u32 portid = info->snd_portid;
	struct wman_dev *wman;
	u32 current_portid;
	int err = 0;

	wman = dev_lock(info);
	if (IS_ERR(wman))
		return PTR_ERR(wman);
	current_portid = READ_ONCE(wman->mgmt_portid);
	if (!current_portid) {
		spin_lock(&mgmt_listeners_lock);
		write_pnet(&wman->mgmt_net, net);
		/* pairs with the acquire in wman_mgmt_deliver() */
		smp_store_release(&wman->mgmt_portid, portid);
		list_move(&wman->mgmt_node, &mgmt_listeners);
		spin_unlock(&mgmt_listeners_lock);
	} else if (current_portid != portid ||
		   !net_eq(read_pnet(&wman->mgmt_net), net)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "Another socket receives this device's management messages");
		err = -EBUSY;
	}
	dev_unlock(wman);
	return err;
}

static int mgmt_tx(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[WMAN_MGMT_A_MAX + 1];
	struct nlattr *nest = info->attrs[WMAN_A_MGMT];
	struct wman_conn *conn;
	struct wman_dev *wman;
	const u8 *dst = NULL;
	u16 cid;
	int err;

	err = parse_nest(info, WMAN_A_MGMT, tb, WMAN_MGMT_A_MAX, mgmt_policy);
	if (err)
		return err;
	if (missing(info->extack, nest, tb, WMAN_MGMT_A_CID, "Missing CID") ||
	    missing(info->extack, nest, tb, WMAN_MGMT_A_PAYLOAD,
		    "Missing payload"))
		return -EINVAL;
	if (tb[WMAN_MGMT_A_ADDR]) {
		dst = nla_data(tb[WMAN_MGMT_A_ADDR]);
		if (is_zero_ether_addr(dst)) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[WMAN_MGMT_A_ADDR],
					    "Destination address is zero");
			return -EINVAL;
		}
	}
	cid = nla_get_u16(tb[WMAN_MGMT_A_CID]);

	wman = dev_lock(info);
	if (IS_ERR(wman))
		return PTR_ERR(wman);
	conn = xa_load(&wman->conns, cid);
	if (!conn || conn->kind != WMAN_CONN_MGMT) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[WMAN_MGMT_A_CID],
				    "Not a management connection");
		err = -ENOENT;
	} else {
		err = wman_mgmt_xmit(wman, cid, dst,
				     nla_data(tb[WMAN_MGMT_A_PAYLOAD]),
				     nla_len(tb[WMAN_MGMT_A_PAYLOAD]),
				     info->extack);
	}
	dev_unlock(wman);
	return err;
}

static const struct genl_ops wman_ops[] = {
	{
		.cmd = WMAN_CMD_LINK_GET,
		.doit = link_get,
		.dumpit = link_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_CONN_NEW,
		.doit = conn_new,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_CONN_DEL,
		.doit = conn_del,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_CONN_GET,
		.doit = conn_get,
		.dumpit = conn_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_SA_NEW,
		.doit = sa_new,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_SA_DEL,
		.doit = sa_del,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_SA_GET,
		.doit = sa_get,
		.dumpit = sa_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_TEK_NEW,
		.doit = tek_new,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_TEK_DEL,
		.doit = tek_del,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_TEK_SET,
		.doit = tek_set,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_GROUP_NEW,
		.doit = group_new,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_GROUP_DEL,
		.doit = group_del,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_GROUP_GET,
		.doit = group_get,
		.dumpit = group_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_STATS_RESET,
		.doit = stats_reset,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_MGMT_REGISTER,
		.doit = mgmt_register,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WMAN_CMD_MGMT_TX,
		.doit = mgmt_tx,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group wman_mcgrps[] = {
	/* events name SSs, SAs and CIDs: for the namespace's admin only */
	{ .name = WMAN_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family wman_genl_family __ro_after_init = {
	.name		= WMAN_GENL_NAME,
	.version	= WMAN_GENL_VERSION,
	.maxattr	= WMAN_A_MAX,
	.policy		= wman_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	/* strict attribute and header checks for every command */
	.resv_start_op	= WMAN_CMD_LINK_GET,
	.module		= THIS_MODULE,
	.ops		= wman_ops,
	.n_ops		= ARRAY_SIZE(wman_ops),
	.mcgrps		= wman_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(wman_mcgrps),
};

/* A management listener's socket closed: forget it. */
static int netlink_event(struct notifier_block *nb, unsigned long event,
			 void *ptr)
{
	struct netlink_notify *n = ptr;
	struct wman_dev *wman, *tmp;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !n->portid)
		return NOTIFY_DONE;
	spin_lock(&mgmt_listeners_lock);
	list_for_each_entry_safe(wman, tmp, &mgmt_listeners, mgmt_node) {
		if (READ_ONCE(wman->mgmt_portid) == n->portid &&
		    net_eq(read_pnet(&wman->mgmt_net), n->net)) {
			WRITE_ONCE(wman->mgmt_portid, 0);
			list_del_init(&wman->mgmt_node);
		}
	}
	spin_unlock(&mgmt_listeners_lock);
	return NOTIFY_DONE;
}

static struct notifier_block netlink_notifier = {
	.notifier_call = netlink_event,
};

int wman_genl_init(void)
{
	int err;

	err = genl_register_family(&wman_genl_family);
	if (err)
		return err;
	err = netlink_register_notifier(&netlink_notifier);
	if (err)
		goto err_family;
	return 0;

err_family:
	genl_unregister_family(&wman_genl_family);
	return err;
}

void wman_genl_uninit(void)
{
	netlink_unregister_notifier(&netlink_notifier);
	genl_unregister_family(&wman_genl_family);
}
