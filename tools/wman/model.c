// SPDX-License-Identifier: GPL-2.0
/* The data model: UAPI value names and netlink replies parsed into structs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "model.h"

const struct name_value role_names[] = {
	{ "bs", WMAN_ROLE_BS },
	{ "ss", WMAN_ROLE_SS },
	{ NULL, 0 },
};

const struct name_value suite_names[] = {
	{ "aes-ccm", WMAN_SUITE_AES_CCM_128 },
	{ "aes-gcm", WMAN_SUITE_AES_GCM_128 },
	{ NULL, 0 },
};

const struct name_value service_names[] = {
	{ "unicast", WMAN_SERVICE_UNICAST },
	{ "multicast", WMAN_SERVICE_MULTICAST },
	{ "broadcast", WMAN_SERVICE_BROADCAST },
	{ NULL, 0 },
};

const struct name_value conn_kind_names[] = {
	{ "mgmt", WMAN_CONN_MGMT },
	{ "unicast", WMAN_CONN_UNICAST },
	{ "multicast", WMAN_CONN_MULTICAST },
	{ "broadcast", WMAN_CONN_BROADCAST },
	{ NULL, 0 },
};

const struct name_value tek_state_names[] = {
	{ "active", WMAN_TEK_STATE_ACTIVE },
	{ "soft-expired", WMAN_TEK_STATE_SOFT_EXPIRED },
	{ "expired", WMAN_TEK_STATE_EXPIRED },
	{ "pn-exhausted", WMAN_TEK_STATE_PN_EXHAUSTED },
	{ "pn-limited", WMAN_TEK_STATE_PN_LIMITED },
	{ NULL, 0 },
};

const struct name_value event_names[] = {
	{ "tek-soft-expired", WMAN_CMD_TEK_SOFT_EXPIRED },
	{ "tek-hard-expired", WMAN_CMD_TEK_HARD_EXPIRED },
	{ "tek-pn-exhausted", WMAN_CMD_TEK_PN_EXHAUSTED },
	{ "unknown-sa", WMAN_CMD_UNKNOWN_SA },
	{ "unknown-eks", WMAN_CMD_UNKNOWN_EKS },
	{ "tek-pn-limit", WMAN_CMD_TEK_PN_LIMIT },
	{ NULL, 0 },
};

const struct name_value counter_names[] = {
	{ "tx-packets", WMAN_STATS_A_TX_PACKETS },
	{ "tx-bytes", WMAN_STATS_A_TX_BYTES },
	{ "tx-no-conn", WMAN_STATS_A_TX_NO_CONN },
	{ "tx-no-key", WMAN_STATS_A_TX_NO_KEY },
	{ "rx-packets", WMAN_STATS_A_RX_PACKETS },
	{ "rx-bytes", WMAN_STATS_A_RX_BYTES },
	{ "rx-no-key", WMAN_STATS_A_RX_NO_KEY },
	{ "rx-bad-icv", WMAN_STATS_A_RX_BAD_ICV },
	{ "rx-replay", WMAN_STATS_A_RX_REPLAY },
	{ "rx-bad-header", WMAN_STATS_A_RX_BAD_HEADER },
	{ "rx-expired", WMAN_STATS_A_RX_EXPIRED },
	{ "rx-unknown-sa", WMAN_STATS_A_RX_UNKNOWN_SA },
	{ "rx-unencrypted", WMAN_STATS_A_RX_UNENCRYPTED },
	{ "rx-downlink-only", WMAN_STATS_A_RX_DOWNLINK_ONLY },
	{ "rx-bad-source", WMAN_STATS_A_RX_BAD_SOURCE },
	{ "mgmt-tx", WMAN_STATS_A_MGMT_TX },
	{ "mgmt-rx", WMAN_STATS_A_MGMT_RX },
	{ "mgmt-rx-dropped", WMAN_STATS_A_MGMT_RX_DROPPED },
	{ NULL, 0 },
};

const char *name_or_unknown(const struct name_value *table, unsigned int value)
{
	const char *name = name_of(table, value);

	return name ? name : "unknown";
}

#define MAC_POLICY	{ .type = NLA_UNSPEC, .minlen = MAC_LEN, .maxlen = MAC_LEN }

static const struct nla_policy top_policy[WMAN_A_MAX + 1] = {
	[WMAN_A_IFINDEX] = { .type = NLA_U32 },
	[WMAN_A_IFNAME] = { .type = NLA_STRING, .maxlen = IFNAMSIZ },
	[WMAN_A_ROLE] = { .type = NLA_U8 },
	[WMAN_A_BSID] = MAC_POLICY,
	[WMAN_A_LOWER_IFINDEX] = { .type = NLA_U32 },
	[WMAN_A_STATS] = { .type = NLA_NESTED },
	[WMAN_A_CONN] = { .type = NLA_NESTED },
	[WMAN_A_SA] = { .type = NLA_NESTED },
	[WMAN_A_TEK] = { .type = NLA_NESTED },
	[WMAN_A_GROUP] = { .type = NLA_NESTED },
	[WMAN_A_MGMT] = { .type = NLA_NESTED },
};

static const struct nla_policy conn_policy[WMAN_CONN_A_MAX + 1] = {
	[WMAN_CONN_A_CID] = { .type = NLA_U16 },
	[WMAN_CONN_A_KIND] = { .type = NLA_U8 },
	[WMAN_CONN_A_SAID] = { .type = NLA_U16 },
	[WMAN_CONN_A_PEER] = MAC_POLICY,
};

static const struct nla_policy sa_policy[WMAN_SA_A_MAX + 1] = {
	[WMAN_SA_A_SAID] = { .type = NLA_U16 },
	[WMAN_SA_A_SUITE] = { .type = NLA_U8 },
	[WMAN_SA_A_SERVICE] = { .type = NLA_U8 },
	[WMAN_SA_A_TEKS] = { .type = NLA_NESTED },
	[WMAN_SA_A_STATS] = { .type = NLA_NESTED },
};

static const struct nla_policy tek_policy[WMAN_TEK_A_MAX + 1] = {
	[WMAN_TEK_A_SAID] = { .type = NLA_U16 },
	[WMAN_TEK_A_EKS] = { .type = NLA_U8 },
	[WMAN_TEK_A_LIFETIME] = { .type = NLA_U32 },
	[WMAN_TEK_A_SOFT_LIFETIME] = { .type = NLA_U32 },
	[WMAN_TEK_A_TX_PN] = { .type = NLA_U32 },
	[WMAN_TEK_A_REMAINING] = { .type = NLA_U32 },
	[WMAN_TEK_A_STATE] = { .type = NLA_U32 },
	[WMAN_TEK_A_STATS] = { .type = NLA_NESTED },
	[WMAN_TEK_A_CID] = { .type = NLA_U16 },
	[WMAN_TEK_A_TX_PN_LIMIT] = { .type = NLA_U32 },
	[WMAN_TEK_A_RX_PN] = { .type = NLA_U32 },
};

static const struct nla_policy group_policy[WMAN_GROUP_A_MAX + 1] = {
	[WMAN_GROUP_A_ID] = { .type = NLA_U8 },
	[WMAN_GROUP_A_CID] = { .type = NLA_U16 },
	[WMAN_GROUP_A_ADDRS] = { .type = NLA_NESTED },
};

static const struct nla_policy mgmt_policy[WMAN_MGMT_A_MAX + 1] = {
	[WMAN_MGMT_A_CID] = { .type = NLA_U16 },
	[WMAN_MGMT_A_PAYLOAD] = { .type = NLA_UNSPEC, .minlen = 1,
				  .maxlen = WMAN_MGMT_MAX_LEN },
	[WMAN_MGMT_A_ADDR] = MAC_POLICY,
};

static int parse_top(struct nlmsghdr *nlh, struct nlattr **tb)
{
	return genlmsg_parse(nlh, 0, tb, WMAN_A_MAX, top_policy) ? -EINVAL : 0;
}

/* Parses the nest, or clears tb when it is absent. */
static int parse_nest(struct nlattr *nest, struct nlattr **tb, int max,
		      const struct nla_policy *policy)
{
	if (!nest) {
		memset(tb, 0, (max + 1) * sizeof(*tb));
		return 0;
	}
	return nla_parse_nested(tb, max, nest, policy) ? -EINVAL : 0;
}

static void counters_parse(struct nlattr *nest, struct counters *counters)
{
	struct nlattr *attr;
	int remaining;

	memset(counters, 0, sizeof(*counters));
	nla_for_each_nested(attr, nest, remaining) {
		int type = nla_type(attr);

		if (type < WMAN_STATS_A_TX_PACKETS || type > WMAN_STATS_A_MAX ||
		    nla_len(attr) < (int)sizeof(uint64_t))
			continue;
		counters->present[type] = true;
		counters->value[type] = nla_get_u64(attr);
	}
}

static void ifname_fill(struct nlattr **tb, char ifname[IFNAMSIZ])
{
	uint32_t ifindex = nla_get_u32(tb[WMAN_A_IFINDEX]);

	if (tb[WMAN_A_IFNAME])
		snprintf(ifname, IFNAMSIZ, "%s", nla_get_string(tb[WMAN_A_IFNAME]));
	else if (!if_indextoname(ifindex, ifname))
		snprintf(ifname, IFNAMSIZ, "if%u", ifindex);
}

int link_info_parse(struct nlmsghdr *nlh, struct link_info *link)
{
	struct nlattr *tb[WMAN_A_MAX + 1];

	if (parse_top(nlh, tb) || !tb[WMAN_A_IFINDEX] || !tb[WMAN_A_ROLE])
		return -EINVAL;

	memset(link, 0, sizeof(*link));
	link->ifindex = nla_get_u32(tb[WMAN_A_IFINDEX]);
	ifname_fill(tb, link->ifname);
	link->role = nla_get_u8(tb[WMAN_A_ROLE]);
	if (tb[WMAN_A_BSID]) {
		link->has_bsid = true;
		memcpy(link->bsid, nla_data(tb[WMAN_A_BSID]), MAC_LEN);
	}
	if (tb[WMAN_A_LOWER_IFINDEX])
		link->lower_ifindex = nla_get_u32(tb[WMAN_A_LOWER_IFINDEX]);
	if (tb[WMAN_A_STATS]) {
		link->has_stats = true;
		counters_parse(tb[WMAN_A_STATS], &link->stats);
	}
	return 0;
}

int conn_info_parse(struct nlmsghdr *nlh, struct conn_info *conn)
{
	struct nlattr *tb[WMAN_A_MAX + 1];
	struct nlattr *attrs[WMAN_CONN_A_MAX + 1];

	if (parse_top(nlh, tb) || !tb[WMAN_A_CONN] ||
	    parse_nest(tb[WMAN_A_CONN], attrs, WMAN_CONN_A_MAX, conn_policy) ||
	    !attrs[WMAN_CONN_A_CID] || !attrs[WMAN_CONN_A_KIND])
		return -EINVAL;

	memset(conn, 0, sizeof(*conn));
	conn->cid = nla_get_u16(attrs[WMAN_CONN_A_CID]);
	conn->kind = nla_get_u8(attrs[WMAN_CONN_A_KIND]);
	if (attrs[WMAN_CONN_A_SAID]) {
		conn->has_said = true;
		conn->said = nla_get_u16(attrs[WMAN_CONN_A_SAID]);
	}
	if (attrs[WMAN_CONN_A_PEER]) {
		conn->has_peer = true;
		memcpy(conn->peer, nla_data(attrs[WMAN_CONN_A_PEER]), MAC_LEN);
	}
	return 0;
}

static int tek_info_parse(struct nlattr *nest, uint16_t said,
			  struct tek_info *tek)
{
	struct nlattr *attrs[WMAN_TEK_A_MAX + 1];

	if (parse_nest(nest, attrs, WMAN_TEK_A_MAX, tek_policy) ||
	    !attrs[WMAN_TEK_A_EKS])
		return -EINVAL;

	memset(tek, 0, sizeof(*tek));
	tek->said = said;
	tek->eks = nla_get_u8(attrs[WMAN_TEK_A_EKS]);
	if (attrs[WMAN_TEK_A_LIFETIME]) {
		tek->has_lifetime = true;
		tek->lifetime = nla_get_u32(attrs[WMAN_TEK_A_LIFETIME]);
	}
	if (attrs[WMAN_TEK_A_SOFT_LIFETIME]) {
		tek->has_soft_lifetime = true;
		tek->soft_lifetime = nla_get_u32(attrs[WMAN_TEK_A_SOFT_LIFETIME]);
	}
	if (attrs[WMAN_TEK_A_REMAINING]) {
		tek->has_remaining = true;
		tek->remaining = nla_get_u32(attrs[WMAN_TEK_A_REMAINING]);
	}
	if (attrs[WMAN_TEK_A_TX_PN]) {
		tek->has_tx_pn = true;
		tek->tx_pn = nla_get_u32(attrs[WMAN_TEK_A_TX_PN]);
	}
	if (attrs[WMAN_TEK_A_TX_PN_LIMIT]) {
		tek->has_tx_pn_limit = true;
		tek->tx_pn_limit = nla_get_u32(attrs[WMAN_TEK_A_TX_PN_LIMIT]);
	}
	if (attrs[WMAN_TEK_A_RX_PN]) {
		tek->has_rx_pn = true;
		tek->rx_pn = nla_get_u32(attrs[WMAN_TEK_A_RX_PN]);
	}
	if (attrs[WMAN_TEK_A_STATE])
		tek->state = nla_get_u32(attrs[WMAN_TEK_A_STATE]);
	if (attrs[WMAN_TEK_A_STATS]) {
		tek->has_stats = true;
		counters_parse(attrs[WMAN_TEK_A_STATS], &tek->stats);
	}
	return 0;
}

int sa_info_parse(struct nlmsghdr *nlh, struct sa_info *sa)
{
	struct nlattr *tb[WMAN_A_MAX + 1];
	struct nlattr *attrs[WMAN_SA_A_MAX + 1];
	struct nlattr *tek;
	int remaining;

	if (parse_top(nlh, tb) || !tb[WMAN_A_SA] ||
	    parse_nest(tb[WMAN_A_SA], attrs, WMAN_SA_A_MAX, sa_policy) ||
	    !attrs[WMAN_SA_A_SAID] || !attrs[WMAN_SA_A_SUITE] ||
	    !attrs[WMAN_SA_A_SERVICE])
		return -EINVAL;

	memset(sa, 0, sizeof(*sa));
	sa->said = nla_get_u16(attrs[WMAN_SA_A_SAID]);
	sa->suite = nla_get_u8(attrs[WMAN_SA_A_SUITE]);
	sa->service = nla_get_u8(attrs[WMAN_SA_A_SERVICE]);
	if (attrs[WMAN_SA_A_TEKS]) {
		nla_for_each_nested(tek, attrs[WMAN_SA_A_TEKS], remaining) {
			if (nla_type(tek) != WMAN_A_TEK)
				continue;
			if (sa->tek_count == WMAN_EKS_COUNT ||
			    tek_info_parse(tek, sa->said,
					   &sa->teks[sa->tek_count]))
				return -EINVAL;
			sa->tek_count++;
		}
	}
	if (attrs[WMAN_SA_A_STATS]) {
		sa->has_stats = true;
		counters_parse(attrs[WMAN_SA_A_STATS], &sa->stats);
	}
	return 0;
}

int group_info_parse(struct nlmsghdr *nlh, struct group_info *group)
{
	struct nlattr *tb[WMAN_A_MAX + 1];
	struct nlattr *attrs[WMAN_GROUP_A_MAX + 1];
	struct nlattr *addr;
	int remaining;

	if (parse_top(nlh, tb) || !tb[WMAN_A_GROUP] ||
	    parse_nest(tb[WMAN_A_GROUP], attrs, WMAN_GROUP_A_MAX, group_policy) ||
	    !attrs[WMAN_GROUP_A_ID] || !attrs[WMAN_GROUP_A_CID])
		return -EINVAL;

	memset(group, 0, sizeof(*group));
	group->id = nla_get_u8(attrs[WMAN_GROUP_A_ID]);
	group->cid = nla_get_u16(attrs[WMAN_GROUP_A_CID]);
	if (attrs[WMAN_GROUP_A_ADDRS]) {
		nla_for_each_nested(addr, attrs[WMAN_GROUP_A_ADDRS], remaining) {
			if (nla_type(addr) != WMAN_GROUP_A_ADDR)
				continue;
			if (group->addr_count == WMAN_GROUP_MAX_ADDRS ||
			    nla_len(addr) != MAC_LEN)
				return -EINVAL;
			memcpy(group->addrs[group->addr_count++], nla_data(addr),
			       MAC_LEN);
		}
	}
	return 0;
}

int event_info_parse(struct nlmsghdr *nlh, struct event_info *event)
{
	struct nlattr *tb[WMAN_A_MAX + 1];
	struct nlattr *tek[WMAN_TEK_A_MAX + 1];
	struct nlattr *conn[WMAN_CONN_A_MAX + 1];

	/* TEK events name the TEK; unknown-sa names only the connection. */
	if (parse_top(nlh, tb) || !tb[WMAN_A_IFINDEX] ||
	    parse_nest(tb[WMAN_A_TEK], tek, WMAN_TEK_A_MAX, tek_policy) ||
	    parse_nest(tb[WMAN_A_CONN], conn, WMAN_CONN_A_MAX, conn_policy))
		return -EINVAL;

	memset(event, 0, sizeof(*event));
	event->cmd = genlmsg_hdr(nlh)->cmd;
	event->ifindex = nla_get_u32(tb[WMAN_A_IFINDEX]);
	ifname_fill(tb, event->ifname);
	if (tek[WMAN_TEK_A_SAID]) {
		event->has_said = true;
		event->said = nla_get_u16(tek[WMAN_TEK_A_SAID]);
	}
	if (tek[WMAN_TEK_A_EKS]) {
		event->has_eks = true;
		event->eks = nla_get_u8(tek[WMAN_TEK_A_EKS]);
	}
	if (tek[WMAN_TEK_A_TX_PN]) {
		event->has_tx_pn = true;
		event->tx_pn = nla_get_u32(tek[WMAN_TEK_A_TX_PN]);
	}
	if (tek[WMAN_TEK_A_TX_PN_LIMIT]) {
		event->has_tx_pn_limit = true;
		event->tx_pn_limit = nla_get_u32(tek[WMAN_TEK_A_TX_PN_LIMIT]);
	}
	if (tek[WMAN_TEK_A_CID] || conn[WMAN_CONN_A_CID]) {
		event->has_cid = true;
		event->cid = nla_get_u16(tek[WMAN_TEK_A_CID] ?
					 tek[WMAN_TEK_A_CID] :
					 conn[WMAN_CONN_A_CID]);
	}
	return 0;
}

int mgmt_rx_parse(struct nlmsghdr *nlh, struct mgmt_rx_info *rx)
{
	struct nlattr *tb[WMAN_A_MAX + 1];
	struct nlattr *attrs[WMAN_MGMT_A_MAX + 1];

	if (parse_top(nlh, tb) || !tb[WMAN_A_MGMT] ||
	    parse_nest(tb[WMAN_A_MGMT], attrs, WMAN_MGMT_A_MAX, mgmt_policy) ||
	    !attrs[WMAN_MGMT_A_CID] || !attrs[WMAN_MGMT_A_PAYLOAD])
		return -EINVAL;

	memset(rx, 0, sizeof(*rx));
	rx->cid = nla_get_u16(attrs[WMAN_MGMT_A_CID]);
	if (attrs[WMAN_MGMT_A_ADDR]) {
		rx->has_from = true;
		memcpy(rx->from, nla_data(attrs[WMAN_MGMT_A_ADDR]), MAC_LEN);
	}
	rx->len = nla_len(attrs[WMAN_MGMT_A_PAYLOAD]);
	memcpy(rx->payload, nla_data(attrs[WMAN_MGMT_A_PAYLOAD]), rx->len);
	return 0;
}

void vec_append(struct vec *vec, const void *item)
{
	if (vec->count == vec->capacity) {
		size_t capacity = vec->capacity ? 2 * vec->capacity : 16;
		void *items = reallocarray(vec->items, capacity, vec->item_size);

		if (!items)
			die("out of memory");
		vec->items = items;
		vec->capacity = capacity;
	}
	memcpy((char *)vec->items + vec->count * vec->item_size, item,
	       vec->item_size);
	vec->count++;
}

void vec_free(struct vec *vec)
{
	free(vec->items);
	vec->items = NULL;
	vec->count = vec->capacity = 0;
}
