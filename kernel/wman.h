/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wman: internal objects and the API between the files of the module.
 *
 * Object model (one wman device per lower Ethernet device):
 *
 *   wman_dev --conns (xarray by CID)------> wman_conn --said--> wman_sa
 *            --sas (xarray by SAID)-------> wman_sa --slots[EKS]--> wman_tek
 *            --groups (xarray by group id)> wman_group --cid--> wman_conn
 *            --peers (rhashtable by MAC)--> unicast wman_conn (BS classifier)
 *            --group_addrs (hash by MAC)--> wman_group (BS classifier)
 *
 * Writers (netlink, the lower-device notifier, teardown) hold
 * wman_dev::conf_lock.  The data path and the TEK timers only read, under
 * RCU; every object is freed after a grace period.  A TEK is also
 * reference counted because an asynchronous AEAD request may still hold it
 * when its slot is cleared.
 */
#ifndef _WMAN_H
#define _WMAN_H

#include <linux/atomic.h>
#include <linux/if_ether.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/ratelimit.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/gro_cells.h>
#include <uapi/linux/wman.h>

#include "compat.h"

/* Generic MAC Header (802.16-2004 6.3.2.1.1). */
#define WMAN_GMH_LEN		6
#define WMAN_GMH_HT		0x80	/* byte 0: header type, 0 = generic */
#define WMAN_GMH_EC		0x40	/* byte 0: encryption control */
#define WMAN_GMH_TYPE_MASK	0x3f	/* byte 0: subheader bits */
#define WMAN_GMH_ESF		0x80	/* byte 1: extended subheader */
#define WMAN_GMH_CI		0x40	/* byte 1: CRC appended */
#define WMAN_GMH_EKS_SHIFT	4	/* byte 1: bits 5..4 */
#define WMAN_GMH_EKS_MASK	0x30
#define WMAN_GMH_LEN_HI_MASK	0x07	/* byte 1: LEN bits 10..8 */
#define WMAN_PDU_MAX_LEN	2047	/* LEN is 11 bits */

#define WMAN_PN_LEN		4
#define WMAN_PN_UPLINK		0x80000000U	/* 802.16e: uplink PN space */
#define WMAN_PN_SPACE		0x80000000ULL	/* PNs per direction */
/*
 * Receive replay window: a ring of WMAN_REPLAY_BITS bits, of which the
 * newest WMAN_REPLAY_WINDOW PNs are always tracked (the last word is being
 * recycled).  Wide enough for frames reordered by several CPUs and by
 * asynchronous crypto, as WireGuard's.
 */
#define WMAN_REPLAY_BITS	8192
#define WMAN_REPLAY_WINDOW	(WMAN_REPLAY_BITS - BITS_PER_LONG)

/* Largest per-frame expansion over the inner Ethernet frame, any suite. */
#define WMAN_MAX_ICV_LEN	16
#define WMAN_MAX_OVERHEAD	(WMAN_GMH_LEN + WMAN_PN_LEN + WMAN_MAX_ICV_LEN)
/* The inner Ethernet header travels inside the PDU. */
#define WMAN_MTU_OVERHEAD	(WMAN_MAX_OVERHEAD + ETH_HLEN)

/* Counter indices; order matches enum wman_stats_attr from TX_PACKETS. */
enum wman_stat {
	WMAN_STAT_TX_PACKETS,
	WMAN_STAT_TX_BYTES,
	WMAN_STAT_RX_PACKETS,
	WMAN_STAT_RX_BYTES,
	WMAN_STAT_TX_NO_CONN,
	WMAN_STAT_TX_NO_KEY,
	WMAN_STAT_RX_NO_KEY,
	WMAN_STAT_RX_BAD_ICV,
	WMAN_STAT_RX_REPLAY,
	WMAN_STAT_RX_BAD_HEADER,
	WMAN_STAT_RX_EXPIRED,
	WMAN_STAT_RX_UNKNOWN_SA,
	WMAN_STAT_RX_UNENCRYPTED,
	WMAN_STAT_MGMT_TX,
	WMAN_STAT_MGMT_RX,
	WMAN_STAT_MGMT_RX_DROPPED,
	WMAN_STAT_RX_DOWNLINK_ONLY,
	WMAN_STAT_RX_BAD_SOURCE,
	WMAN_STAT_COUNT
};

#define WMAN_STAT_TO_ATTR(i)	((i) + WMAN_STATS_A_TX_PACKETS)

struct wman_pcpu_stats {
	u64_stats_t counter[WMAN_STAT_COUNT];
	struct u64_stats_sync syncp;
};

/* Receive replay state of one TEK; PNs with the direction bit cleared. */
struct wman_replay {
	spinlock_t lock;	/* protects the fields below */
	bool seen;		/* a frame has been accepted */
	u32 highest;		/* highest PN accepted */
	u32 floor;		/* lowest PN acceptable at all */
	/* bit pn % WMAN_REPLAY_BITS: pn was accepted (within the window) */
	unsigned long bitmap[WMAN_REPLAY_BITS / BITS_PER_LONG];
};

/* Suite parameters, one static instance per enum wman_suite. */
struct wman_suite_ops {
	u8 id;			/* enum wman_suite */
	const char *alg;	/* kernel crypto API algorithm name */
	unsigned int icv_len;
	/*
	 * Whether reading a frame in pieces costs less than copying it whole
	 * first (tx.c): true where the implementation walks a scatterlist
	 * itself (GCM), false where a template passes over it twice through a
	 * block walk that bounces each block split between pieces (CCM).
	 */
	bool reads_pieces;
	/* Fill the algorithm's IV from the first five GMH bytes and the PN. */
	void (*build_iv)(u8 *iv, const u8 *gmh, u32 pn);
};

struct wman_tek {
	struct wman_sa *sa;		/* owner; outlives the TEK */
	const struct wman_suite_ops *suite;
	struct crypto_aead *aead;	/* holds the key */
	u8 eks;
	u64 install_seq;		/* orders TEKs: higher is newer */
	unsigned long installed;	/* jiffies */
	unsigned long soft_expiry;	/* jiffies; 0 = none */
	unsigned long hard_expiry;	/* jiffies; 0 = none */
	/*
	 * Next PN to send, direction bit cleared.  It only grows, and never
	 * past tx_pn_limit, which only grows too: no PN is handed out twice,
	 * whatever REPLACE or TEK_SET do meanwhile (see tx_pn_take()).
	 */
	atomic64_t tx_pn;
	u64 tx_pn_limit;		/* first PN not to send; <= PN space */
	u64 tx_pn_warn;			/* PN that raises the PN-limit event */
	u8 key[WMAN_KEY_LEN];		/* to recognise a re-install; wiped */
	unsigned long flags;		/* WMAN_TEK_F_* bit numbers */
	struct wman_replay replay;
	struct timer_list timer;	/* soft then hard expiry */
	struct wman_pcpu_stats __percpu *stats;
	refcount_t refcnt;
	struct rcu_head rcu;
};

enum wman_tek_flag {
	WMAN_TEK_F_SOFT_EXPIRED,	/* soft event sent */
	WMAN_TEK_F_HARD_EXPIRED,	/* hard event sent */
	WMAN_TEK_F_PN_EXHAUSTED,	/* exhaustion event sent */
	WMAN_TEK_F_PN_LIMITED,		/* limit-reached event sent */
};

/*
 * A key that left its slot, with the PNs it had used: installed again in
 * the same SA it carries on from there instead of from the caller's PN.
 */
struct wman_spent_key {
	u8 key[WMAN_KEY_LEN];
	u64 tx_pn;		/* next PN it would have sent */
	u32 rx_pn;		/* its receive floor: highest accepted + 1 */
	bool used;
};

#define WMAN_SPENT_KEYS	4

struct wman_sa {
	struct wman_dev *wman;
	u16 said;
	u8 service;			/* enum wman_service */
	const struct wman_suite_ops *suite;
	struct wman_tek __rcu *slots[WMAN_EKS_COUNT];	/* by EKS */
	struct wman_pcpu_stats __percpu *stats;
	struct ratelimit_state unknown_eks_rs;
	/* under conf_lock: the last keys to leave a slot, oldest replaced */
	struct wman_spent_key spent[WMAN_SPENT_KEYS];
	unsigned int spent_next;
	refcount_t refcnt;		/* the SA table's and each TEK's */
	struct rcu_head rcu;
};

#define WMAN_SAID_NONE	(-1)

struct wman_conn {
	u16 cid;
	u8 kind;			/* enum wman_conn_kind */
	int said;			/* WMAN_SAID_NONE: sent in clear */
	/* the SA named by said while it exists: no lookup per frame */
	struct wman_sa __rcu *sa;
	u8 peer[ETH_ALEN];		/* SS address; zero if none */
	struct rhash_head peer_node;	/* in wman_dev::peers, unicast only */
	struct rcu_head rcu;
};

struct wman_group_addr {
	struct hlist_node node;		/* in wman_dev::group_addrs */
	u8 addr[ETH_ALEN];
	struct wman_group *group;
};

struct wman_group {
	u8 id;
	u16 cid;
	unsigned int naddrs;
	struct rcu_head rcu;
	struct wman_group_addr addrs[];	/* naddrs entries */
};

#define WMAN_GROUP_ADDR_HASH_BITS	6

struct wman_dev {
	struct net_device *dev;
	struct net_device *lower;
	netdevice_tracker lower_tracker;
	u8 role;			/* enum wman_role */
	/*
	 * BS address (SS: uplink destination), in the low bytes of one word
	 * so that the transmit path reads it whole while netlink changes it:
	 * wman_bsid_get() and wman_bsid_set().
	 */
	u64 bsid_word;

	struct mutex conf_lock;		/* serializes all writers */
	bool dead;			/* being unregistered */
	u32 generation;			/* bumped on every change, for dumps */
	u64 tek_seq;			/* next wman_tek::install_seq */
	unsigned int n_conns;		/* against the max_conns parameter */
	unsigned int n_sas;		/* against the max_sas parameter */

	struct xarray conns;		/* CID -> wman_conn */
	struct xarray sas;		/* SAID -> wman_sa */
	struct xarray groups;		/* group id -> wman_group */
	struct rhashtable peers;	/* SS address -> unicast wman_conn */
	struct hlist_head group_addrs[1 << WMAN_GROUP_ADDR_HASH_BITS];
	struct wman_conn __rcu *uplink;	/* SS: its unicast connection */
	struct wman_conn __rcu *broadcast; /* BS: the broadcast connection */

	/* pkmd's socket for management PDUs; 0 = none registered */
	u32 mgmt_portid;
	possible_net_t mgmt_net;
	struct list_head mgmt_node;	/* in netlink.c's listener list */

	struct ratelimit_state unknown_sa_rs;
	struct wman_pcpu_stats __percpu *stats;
	/* rx.c delivers through it; plain netif_rx() until gro_cells_init() */
	struct gro_cells gro_cells;
};

/* netlink.c */
extern struct genl_family wman_genl_family;
int wman_genl_init(void);
void wman_genl_uninit(void);

/* device.c: link kind, netdev, lower device */
int wman_device_init(void);
void wman_device_uninit(void);
bool wman_is_wman_dev(const struct net_device *dev);
/* Held (dev_put() it), or ERR_PTR() with the extack message set. */
struct net_device *wman_dev_get_by_attrs(struct net *net, struct nlattr **attrs,
					 struct netlink_ext_ack *extack);
/*
 * Under RCU: the namespace's wman device with the lowest ifindex at or
 * above *ifindex, which then moves past it; NULL when none is left.
 */
struct wman_dev *wman_dev_next(struct net *net, unsigned long *ifindex);

static inline void wman_bsid_get(const struct wman_dev *wman, u8 *addr)
{
	u64 word = READ_ONCE(wman->bsid_word);

	memcpy(addr, &word, ETH_ALEN);
}

static inline void wman_bsid_set(struct wman_dev *wman, const u8 *addr)
{
	u64 word = 0;

	memcpy(&word, addr, ETH_ALEN);
	WRITE_ONCE(wman->bsid_word, word);
}

/* stats.c; allocations are charged to the caller's memory cgroup */
struct wman_pcpu_stats __percpu *wman_stats_alloc(void);
void wman_stats_free(struct wman_pcpu_stats __percpu *stats);
void wman_stats_sum(struct wman_pcpu_stats __percpu *stats,
		    u64 sum[WMAN_STAT_COUNT]);
void wman_stats_reset(struct wman_pcpu_stats __percpu *stats);
int wman_stats_put(struct sk_buff *skb, int attrtype,
		   struct wman_pcpu_stats __percpu *stats);

static inline void wman_stat_add(struct wman_pcpu_stats __percpu *stats,
				 enum wman_stat stat, u64 value)
{
	struct wman_pcpu_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->counter[stat], value);
	u64_stats_update_end(&s->syncp);
}

static inline void wman_stat_inc(struct wman_pcpu_stats __percpu *stats,
				 enum wman_stat stat)
{
	wman_stat_add(stats, stat, 1);
}

/* sa.c: connections, SAs, TEKs, groups.  Writers hold conf_lock. */
int wman_tables_init(struct wman_dev *wman);
void wman_tables_flush(struct wman_dev *wman);
void wman_tables_destroy(struct wman_dev *wman);	/* after flush */
int wman_conn_add(struct wman_dev *wman, u16 cid, u8 kind, int said,
		  const u8 *peer, struct netlink_ext_ack *extack);
int wman_conn_del(struct wman_dev *wman, u16 cid,
		  struct netlink_ext_ack *extack);
int wman_sa_add(struct wman_dev *wman, u16 said, u8 suite, u8 service,
		struct netlink_ext_ack *extack);
int wman_sa_del(struct wman_dev *wman, u16 said,
		struct netlink_ext_ack *extack);

struct wman_tek_params {
	u16 said;
	u8 eks;
	u8 key[WMAN_KEY_LEN];
	u32 lifetime;		/* seconds, 0 = none */
	u32 soft_lifetime;	/* seconds, 0 = none */
	u32 tx_pn;
	u64 tx_pn_limit;	/* 0: not given */
	u32 rx_pn;		/* lowest receive PN accepted */
	bool replace;		/* WMAN_TEK_A_REPLACE: may overwrite the slot */
};

int wman_tek_add(struct wman_dev *wman, const struct wman_tek_params *p,
		 struct netlink_ext_ack *extack);
int wman_tek_del(struct wman_dev *wman, u16 said, u8 eks,
		 struct netlink_ext_ack *extack);
int wman_tek_set_limit(struct wman_dev *wman, u16 said, u8 eks, u64 limit,
		       struct netlink_ext_ack *extack);
int wman_group_add(struct wman_dev *wman, u8 id, u16 cid, const u8 *addrs,
		   unsigned int naddrs, struct netlink_ext_ack *extack);
int wman_group_del(struct wman_dev *wman, u8 id,
		   struct netlink_ext_ack *extack);
void wman_tek_put(struct wman_tek *tek);
bool wman_tek_get(struct wman_tek *tek);	/* false if being freed */
u32 wman_tek_state(const struct wman_tek *tek);
u32 wman_tek_remaining(const struct wman_tek *tek);
/* Next PN the TEK would send, capped at the PN space. */
u32 wman_tek_tx_pn(const struct wman_tek *tek);
/*
 * Under RCU, on transmit: the next PN of the TEK, or false if it has none
 * left below its limit (the exhaustion or limit is then reported).
 */
bool wman_tek_take_pn(struct wman_tek *tek, u32 *pn);

/* Under RCU.  The TEK to transmit with, or NULL; see Documentation. */
struct wman_tek *wman_sa_tx_tek(struct wman_sa *sa, u8 role);
/* Under RCU.  Whether a TEK is past its hard lifetime now. */
bool wman_tek_expired(const struct wman_tek *tek);
/* Under RCU, for the BS classifier: the unicast connection of an SS. */
struct wman_conn *wman_peer_lookup(struct wman_dev *wman, const u8 *addr);
/* Under RCU, for the BS classifier: the group listing a multicast address. */
struct wman_group *wman_group_lookup(struct wman_dev *wman, const u8 *addr);

/* classify.c, under RCU: the connection an outgoing frame goes on. */
struct wman_conn *wman_classify(struct wman_dev *wman,
				const struct sk_buff *skb);

/* frame.c: Generic MAC Header */
int wman_frame_init(void);
u8 wman_hcs(const u8 *gmh);
void wman_gmh_build(u8 *gmh, bool encrypted, u8 eks, u16 len, u16 cid);

struct wman_gmh {
	bool encrypted;
	u8 eks;
	u16 len;		/* whole PDU, header included */
	u16 cid;
};

/* 0, or -EINVAL for a header that is not a valid plain generic header. */
int wman_gmh_parse(const u8 *gmh, struct wman_gmh *out);

/*
 * crypto.c: suites, per-TEK transforms and the per-CPU pool of AEAD
 * request contexts that keeps allocation off the per-frame path (the
 * request type and its helpers are private to crypto.h).
 */
int wman_crypto_init(void);
void wman_crypto_uninit(void);
const struct wman_suite_ops *wman_suite_find(u8 id);
struct crypto_aead *wman_aead_alloc(const struct wman_suite_ops *suite,
				    const u8 *key,
				    struct netlink_ext_ack *extack);

/* tx.c */
netdev_tx_t wman_xmit(struct sk_buff *skb, struct net_device *dev);
int wman_mgmt_xmit(struct wman_dev *wman, u16 cid, const u8 *dst,
		   const u8 *payload, size_t len,
		   struct netlink_ext_ack *extack);

/* rx.c; the lower device's rx_handler_data is its wman_dev */
rx_handler_result_t wman_handle_frame(struct sk_buff **pskb);

/* replay.c: 0 if acceptable, -EBADMSG if replayed or too old */
void wman_replay_init(struct wman_replay *replay, u32 floor);
void wman_replay_raise_floor(struct wman_replay *replay, u32 floor);
/* Accepts nothing from now on; returns what wman_replay_next() was. */
u32 wman_replay_close(struct wman_replay *replay);
/* Highest PN accepted + 1, or the floor if higher. */
u32 wman_replay_next(struct wman_replay *replay);
int wman_replay_check(struct wman_replay *replay, u32 pn);
int wman_replay_advance(struct wman_replay *replay, u32 pn);

/*
 * events.c: netlink notifications, GFP_ATOMIC, any context.  The unknown-SA
 * and unknown-EKS events are rate limited here, not by the caller.
 */
void wman_event_tek(struct wman_tek *tek, u8 cmd);
void wman_event_tek_pn_limit(struct wman_tek *tek, u32 next_pn, u64 limit);
void wman_event_unknown_sa(struct wman_dev *wman, u16 cid);
void wman_event_unknown_eks(struct wman_sa *sa, u8 eks, u16 cid);
/*
 * Hands a received management PDU to the registered pkmd socket and counts
 * it as mgmt rx or mgmt rx dropped.
 */
void wman_mgmt_deliver(struct wman_dev *wman, u16 cid, const u8 *src,
		       const u8 *payload, size_t len);
/* netlink.c: a device being deleted no longer receives management PDUs. */
void wman_mgmt_unregister(struct wman_dev *wman);

static inline struct wman_dev *wman_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

#endif /* _WMAN_H */
