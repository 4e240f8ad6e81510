/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data model: what the kernel reports, as plain structs filled from
 * generic netlink replies, and the names of the UAPI values.  Printing
 * lives with each object; nothing here prints.
 */
#ifndef WMAN_MODEL_H
#define WMAN_MODEL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <uapi/linux/wman.h>

#include "parse.h"

extern const struct name_value role_names[];
extern const struct name_value suite_names[];
extern const struct name_value service_names[];
extern const struct name_value conn_kind_names[];
extern const struct name_value tek_state_names[];
extern const struct name_value event_names[];
/* Counter names as on the command line: "rx-bad-icv" for RX_BAD_ICV. */
extern const struct name_value counter_names[];

/* The name of value in table, or "unknown". */
const char *name_or_unknown(const struct name_value *table,
			    unsigned int value);

struct counters {
	bool present[WMAN_STATS_A_MAX + 1];
	uint64_t value[WMAN_STATS_A_MAX + 1];
};

struct link_info {
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	uint8_t role;
	bool has_bsid;
	uint8_t bsid[MAC_LEN];
	uint32_t lower_ifindex;		/* 0 if not reported */
	bool has_stats;
	struct counters stats;
};

struct conn_info {
	uint16_t cid;
	uint8_t kind;
	bool has_said;
	uint16_t said;
	bool has_peer;
	uint8_t peer[MAC_LEN];
};

struct tek_info {
	uint16_t said;
	uint8_t eks;
	bool has_lifetime, has_soft_lifetime, has_remaining, has_tx_pn;
	bool has_tx_pn_limit, has_rx_pn;
	uint32_t lifetime;
	uint32_t soft_lifetime;
	uint32_t remaining;
	uint32_t tx_pn;
	uint32_t tx_pn_limit;		/* first PN not to send, up to 2^31 */
	uint32_t rx_pn;			/* lowest receive PN still accepted */
	uint32_t state;			/* WMAN_TEK_STATE_* bits */
	bool has_stats;
	struct counters stats;
};

struct sa_info {
	uint16_t said;
	uint8_t suite;
	uint8_t service;
	unsigned int tek_count;
	struct tek_info teks[WMAN_EKS_COUNT];
	bool has_stats;
	struct counters stats;
};

struct group_info {
	uint8_t id;
	uint16_t cid;
	unsigned int addr_count;
	uint8_t addrs[WMAN_GROUP_MAX_ADDRS][MAC_LEN];
};

/* A notification of the "events" group; absent fields are false/0. */
struct event_info {
	uint8_t cmd;			/* WMAN_CMD_TEK_SOFT_EXPIRED ... */
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	bool has_said, has_eks, has_cid;
	bool has_tx_pn, has_tx_pn_limit;	/* tek-pn-limit */
	uint16_t said;
	uint8_t eks;
	uint16_t cid;
	uint32_t tx_pn;
	uint32_t tx_pn_limit;
};

struct mgmt_rx_info {
	uint16_t cid;
	bool has_from;
	uint8_t from[MAC_LEN];
	size_t len;
	uint8_t payload[WMAN_MGMT_MAX_LEN];
};

/* Each returns 0, or -EINVAL for a reply that lacks what it must carry. */
int link_info_parse(struct nlmsghdr *nlh, struct link_info *link);
int conn_info_parse(struct nlmsghdr *nlh, struct conn_info *conn);
int sa_info_parse(struct nlmsghdr *nlh, struct sa_info *sa);
int group_info_parse(struct nlmsghdr *nlh, struct group_info *group);
int event_info_parse(struct nlmsghdr *nlh, struct event_info *event);
int mgmt_rx_parse(struct nlmsghdr *nlh, struct mgmt_rx_info *rx);

/* A growable array of model structs, filled by a dump. */
struct vec {
	void *items;
	size_t count;
	size_t capacity;
	size_t item_size;
};

#define VEC_OF(type)	{ .item_size = sizeof(type) }

void vec_append(struct vec *vec, const void *item);
void vec_free(struct vec *vec);

#endif /* WMAN_MODEL_H */
