// SPDX-License-Identifier: GPL-2.0
/*
 * Connections, security associations, TEKs and multicast groups of one
 * device: their tables, invariants and lifetimes.
 *
 * Every writer holds wman_dev::conf_lock.  Readers (the data path, the
 * TEK timers, dumps) use RCU.  A TEK is also reference counted: its slot
 * holds one reference and every asynchronous AEAD request one more.  An
 * SA is referenced by its table and by each of its TEKs, so that a TEK
 * finishing late can still count into its SA.
 */

#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/rhashtable.h>
#include <crypto/aead.h>

#include "wman.h"

static const struct rhashtable_params peer_params = {
	.key_len = ETH_ALEN,
	.key_offset = offsetof(struct wman_conn, peer),
	.head_offset = offsetof(struct wman_conn, peer_node),
	.automatic_shrinking = true,
};

#define conf_deref(wman, p) \
	rcu_dereference_protected(p, lockdep_is_held(&(wman)->conf_lock))

static void changed(struct wman_dev *wman)
{
	/* zero means "no generation" to netlink's dump check */
	if (!++wman->generation)
		wman->generation = 1;
}

/* TEK lifetime */

bool wman_tek_get(struct wman_tek *tek)
{
	return refcount_inc_not_zero(&tek->refcnt);
}

static void sa_free_rcu(struct rcu_head *head)
{
	struct wman_sa *sa = container_of(head, struct wman_sa, rcu);

	wman_stats_free(sa->stats);
	kfree(sa);
}

static void sa_put(struct wman_sa *sa)
{
	if (refcount_dec_and_test(&sa->refcnt))
		call_rcu(&sa->rcu, sa_free_rcu);
}

static void tek_free_rcu(struct rcu_head *head)
{
	struct wman_tek *tek = container_of(head, struct wman_tek, rcu);
	struct wman_sa *sa = tek->sa;

	/* crypto_free_aead() wipes the key schedule */
	crypto_free_aead(tek->aead);
	wman_stats_free(tek->stats);
	kfree(tek);
	/* readers may have found the SA in its table since this TEK's put */
	sa_put(sa);
}

void wman_tek_put(struct wman_tek *tek)
{
	if (refcount_dec_and_test(&tek->refcnt))
		call_rcu(&tek->rcu, tek_free_rcu);
}

/* Drops the slot's reference of a TEK already unpublished from its slot. */
static void tek_release(struct wman_tek *tek)
{
	timer_shutdown_sync(&tek->timer);
	wman_tek_put(tek);
}

bool wman_tek_expired(const struct wman_tek *tek)
{
	unsigned long hard = READ_ONCE(tek->hard_expiry);

	return hard && time_after_eq(jiffies, hard);
}

static bool tek_pn_left(struct wman_tek *tek)
{
	if (atomic64_read(&tek->tx_pn) < WMAN_PN_SPACE)
		return true;
	if (!test_and_set_bit(WMAN_TEK_F_PN_EXHAUSTED, &tek->flags))
		wman_event_tek(tek, WMAN_CMD_TEK_PN_EXHAUSTED);
	return false;
}

/* A BS sends with the older TEK, an SS with the newer. */
static bool preferred(u8 role, const struct wman_tek *a,
		      const struct wman_tek *b)
{
	if (role == WMAN_ROLE_BS)
		return a->install_seq < b->install_seq;
	return a->install_seq > b->install_seq;
}

struct wman_tek *wman_sa_tx_tek(struct wman_sa *sa, u8 role)
{
	struct wman_tek *best = NULL, *tek;
	unsigned int eks;

	for (eks = 0; eks < WMAN_EKS_COUNT; eks++) {
		tek = rcu_dereference(sa->slots[eks]);
		if (!tek || wman_tek_expired(tek) || !tek_pn_left(tek))
			continue;
		if (!best || preferred(role, tek, best))
			best = tek;
	}
	return best;
}

u32 wman_tek_state(const struct wman_tek *tek)
{
	u32 state = 0;

	if (wman_sa_tx_tek(tek->sa, tek->sa->wman->role) == tek)
		state |= WMAN_TEK_STATE_ACTIVE;
	if (test_bit(WMAN_TEK_F_SOFT_EXPIRED, &tek->flags))
		state |= WMAN_TEK_STATE_SOFT_EXPIRED;
	if (wman_tek_expired(tek))
		state |= WMAN_TEK_STATE_EXPIRED;
	if (atomic64_read(&tek->tx_pn) >= WMAN_PN_SPACE)
		state |= WMAN_TEK_STATE_PN_EXHAUSTED;
	return state;
}

u32 wman_tek_remaining(const struct wman_tek *tek)
{
	unsigned long now = jiffies;

	if (!tek->hard_expiry || time_after_eq(now, tek->hard_expiry))
		return 0;
	return DIV_ROUND_UP(tek->hard_expiry - now, HZ);
}

/* Soft then hard expiry: flags and events; enforcement needs no timer. */
static void tek_timer(struct timer_list *t)
{
	struct wman_tek *tek = from_timer(tek, t, timer);
	unsigned long now = jiffies;

	if (tek->soft_expiry && time_after_eq(now, tek->soft_expiry) &&
	    !test_and_set_bit(WMAN_TEK_F_SOFT_EXPIRED, &tek->flags))
		wman_event_tek(tek, WMAN_CMD_TEK_SOFT_EXPIRED);

	if (tek->hard_expiry && time_after_eq(now, tek->hard_expiry)) {
		if (!test_and_set_bit(WMAN_TEK_F_HARD_EXPIRED, &tek->flags))
			wman_event_tek(tek, WMAN_CMD_TEK_HARD_EXPIRED);
		return;
	}

	if (!test_bit(WMAN_TEK_F_SOFT_EXPIRED, &tek->flags) && tek->soft_expiry)
		mod_timer(&tek->timer, tek->soft_expiry);
	else if (tek->hard_expiry)
		mod_timer(&tek->timer, tek->hard_expiry);
}

static unsigned long expiry(unsigned long now, u32 seconds)
{
	if (!seconds)
		return 0;
	/* 0 means "none", so never land on it */
	return (now + (unsigned long)seconds * HZ) ?: 1;
}

/* SA helpers */

static bool service_fits(u8 service, u8 kind)
{
	switch (service) {
	case WMAN_SERVICE_UNICAST:
		return kind == WMAN_CONN_UNICAST;
	case WMAN_SERVICE_MULTICAST:
		return kind == WMAN_CONN_MULTICAST;
	case WMAN_SERVICE_BROADCAST:
		return kind == WMAN_CONN_BROADCAST;
	}
	return false;
}

static unsigned int sa_tek_count(struct wman_dev *wman, struct wman_sa *sa)
{
	unsigned int eks, n = 0;

	for (eks = 0; eks < WMAN_EKS_COUNT; eks++)
		if (conf_deref(wman, sa->slots[eks]))
			n++;
	return n;
}

static void sa_clear_slot(struct wman_dev *wman, struct wman_sa *sa, u8 eks)
{
	struct wman_tek *tek = conf_deref(wman, sa->slots[eks]);

	if (!tek)
		return;
	RCU_INIT_POINTER(sa->slots[eks], NULL);
	tek_release(tek);
}

static void sa_remove(struct wman_dev *wman, struct wman_sa *sa)
{
	u8 eks;

	xa_erase(&wman->sas, sa->said);
	for (eks = 0; eks < WMAN_EKS_COUNT; eks++)
		sa_clear_slot(wman, sa, eks);
	sa_put(sa);
}

/* Connections */

struct wman_conn *wman_peer_lookup(struct wman_dev *wman, const u8 *addr)
{
	return rhashtable_lookup(&wman->peers, addr, peer_params);
}

static bool conn_in_group(struct wman_dev *wman, u16 cid)
{
	struct wman_group *group;
	unsigned long id;

	xa_for_each(&wman->groups, id, group)
		if (group->cid == cid)
			return true;
	return false;
}

int wman_conn_add(struct wman_dev *wman, u16 cid, u8 kind, int said,
		  const u8 *peer, struct netlink_ext_ack *extack)
{
	bool bs = wman->role == WMAN_ROLE_BS;
	struct wman_conn *conn;
	struct wman_sa *sa;
	int err;

	lockdep_assert_held(&wman->conf_lock);

	if (xa_load(&wman->conns, cid)) {
		NL_SET_ERR_MSG_MOD(extack, "Connection with this CID exists");
		return -EEXIST;
	}
	if (kind == WMAN_CONN_MGMT && said != WMAN_SAID_NONE) {
		NL_SET_ERR_MSG_MOD(extack, "Management connections carry no SA");
		return -EINVAL;
	}
	if (peer && kind != WMAN_CONN_UNICAST && kind != WMAN_CONN_MGMT) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Only unicast and management connections have a peer");
		return -EINVAL;
	}
	if (peer && !is_valid_ether_addr(peer)) {
		NL_SET_ERR_MSG_MOD(extack, "Peer is not a unicast address");
		return -EINVAL;
	}
	if (kind == WMAN_CONN_UNICAST) {
		if (bs && !peer) {
			NL_SET_ERR_MSG_MOD(extack,
					   "A BS unicast connection needs the SS address as peer");
			return -EINVAL;
		}
		if (bs && rhashtable_lookup_fast(&wman->peers, peer, peer_params)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "This SS already has a unicast connection");
			return -EEXIST;
		}
		if (!bs && rcu_access_pointer(wman->uplink)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "An SS has only one unicast connection");
			return -EEXIST;
		}
	}
	if (kind == WMAN_CONN_BROADCAST && rcu_access_pointer(wman->broadcast)) {
		NL_SET_ERR_MSG_MOD(extack, "The broadcast connection exists");
		return -EEXIST;
	}
	if (said != WMAN_SAID_NONE) {
		sa = xa_load(&wman->sas, said);
		if (sa && !service_fits(sa->service, kind)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "The SA's service does not fit the connection kind");
			return -EINVAL;
		}
	}

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return -ENOMEM;
	conn->cid = cid;
	conn->kind = kind;
	conn->said = said;
	if (peer)
		ether_addr_copy(conn->peer, peer);
	else if (kind == WMAN_CONN_UNICAST)
		ether_addr_copy(conn->peer, wman->dev->dev_addr);

	if (kind == WMAN_CONN_UNICAST && bs) {
		err = rhashtable_insert_fast(&wman->peers, &conn->peer_node,
					     peer_params);
		if (err)
			goto err_free;
	}
	err = xa_insert(&wman->conns, cid, conn, GFP_KERNEL);
	if (err)
		goto err_unhash;

	if (kind == WMAN_CONN_UNICAST && !bs)
		rcu_assign_pointer(wman->uplink, conn);
	else if (kind == WMAN_CONN_BROADCAST)
		rcu_assign_pointer(wman->broadcast, conn);
	changed(wman);
	return 0;

err_unhash:
	if (kind == WMAN_CONN_UNICAST && bs)
		rhashtable_remove_fast(&wman->peers, &conn->peer_node,
				       peer_params);
err_free:
	kfree(conn);
	return err;
}

static void conn_remove(struct wman_dev *wman, struct wman_conn *conn)
{
	xa_erase(&wman->conns, conn->cid);
	if (conn->kind == WMAN_CONN_UNICAST && wman->role == WMAN_ROLE_BS)
		rhashtable_remove_fast(&wman->peers, &conn->peer_node,
				       peer_params);
	if (conf_deref(wman, wman->uplink) == conn)
		RCU_INIT_POINTER(wman->uplink, NULL);
	if (conf_deref(wman, wman->broadcast) == conn)
		RCU_INIT_POINTER(wman->broadcast, NULL);
	kfree_rcu(conn, rcu);
}

int wman_conn_del(struct wman_dev *wman, u16 cid,
		  struct netlink_ext_ack *extack)
{
	struct wman_conn *conn;

	lockdep_assert_held(&wman->conf_lock);

	conn = xa_load(&wman->conns, cid);
	if (!conn) {
		NL_SET_ERR_MSG_MOD(extack, "No connection with this CID");
		return -ENOENT;
	}
	if (conn_in_group(wman, cid)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "A multicast group uses this connection");
		return -EBUSY;
	}
	conn_remove(wman, conn);
	changed(wman);
	return 0;
}

/* Security associations */

int wman_sa_add(struct wman_dev *wman, u16 said, u8 suite, u8 service,
		struct netlink_ext_ack *extack)
{
	const struct wman_suite_ops *ops;
	struct wman_conn *conn;
	struct wman_sa *sa;
	unsigned long cid;
	int err;

	lockdep_assert_held(&wman->conf_lock);

	if (xa_load(&wman->sas, said)) {
		NL_SET_ERR_MSG_MOD(extack, "SA with this SAID exists");
		return -EEXIST;
	}
	ops = wman_suite_find(suite);
	if (!ops) {
		NL_SET_ERR_MSG_MOD(extack, "Unsupported cipher suite");
		return -EOPNOTSUPP;
	}
	xa_for_each(&wman->conns, cid, conn) {
		if (conn->said == said && !service_fits(service, conn->kind)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "Service does not fit a connection naming this SAID");
			return -EINVAL;
		}
	}

	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return -ENOMEM;
	sa->stats = wman_stats_alloc();
	if (!sa->stats) {
		err = -ENOMEM;
		goto err_free;
	}
	sa->wman = wman;
	sa->said = said;
	sa->service = service;
	sa->suite = ops;
	ratelimit_state_init(&sa->unknown_eks_rs, HZ, 10);
	ratelimit_set_flags(&sa->unknown_eks_rs, RATELIMIT_MSG_ON_RELEASE);
	refcount_set(&sa->refcnt, 1);

	err = xa_insert(&wman->sas, said, sa, GFP_KERNEL);
	if (err)
		goto err_stats;
	changed(wman);
	return 0;

err_stats:
	wman_stats_free(sa->stats);
err_free:
	kfree(sa);
	return err;
}

int wman_sa_del(struct wman_dev *wman, u16 said,
		struct netlink_ext_ack *extack)
{
	struct wman_sa *sa;

	lockdep_assert_held(&wman->conf_lock);

	sa = xa_load(&wman->sas, said);
	if (!sa) {
		NL_SET_ERR_MSG_MOD(extack, "No SA with this SAID");
		return -ENOENT;
	}
	sa_remove(wman, sa);
	changed(wman);
	return 0;
}

/* TEKs */

/* The hard-expired TEK a new one may displace from a full SA, if any. */
static int full_sa_victim(struct wman_dev *wman, struct wman_sa *sa)
{
	struct wman_tek *tek;
	int eks;

	for (eks = 0; eks < WMAN_EKS_COUNT; eks++) {
		tek = conf_deref(wman, sa->slots[eks]);
		if (tek && wman_tek_expired(tek))
			return eks;
	}
	return -1;
}

int wman_tek_add(struct wman_dev *wman, const struct wman_tek_params *p,
		 struct netlink_ext_ack *extack)
{
	struct wman_tek *tek, *old;
	unsigned long now;
	struct wman_sa *sa;
	int victim = -1;
	int err;

	lockdep_assert_held(&wman->conf_lock);

	sa = xa_load(&wman->sas, p->said);
	if (!sa) {
		NL_SET_ERR_MSG_MOD(extack, "No SA with this SAID");
		return -ENOENT;
	}
	if (p->lifetime && p->soft_lifetime >= p->lifetime) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Soft lifetime must be shorter than the lifetime");
		return -EINVAL;
	}
	if (p->tx_pn >= WMAN_PN_SPACE) {
		NL_SET_ERR_MSG_MOD(extack, "Transmit PN out of range");
		return -ERANGE;
	}
	old = conf_deref(wman, sa->slots[p->eks]);
	if (old && !p->replace) {
		NL_SET_ERR_MSG_MOD(extack,
				   "TEK slot of this EKS is in use (set the replace flag to overwrite it)");
		return -EEXIST;
	}
	if (!old && sa_tek_count(wman, sa) >= WMAN_SLOT_COUNT) {
		victim = full_sa_victim(wman, sa);
		if (victim < 0) {
			NL_SET_ERR_MSG_MOD(extack,
					   "SA holds two TEKs and neither has expired");
			return -ENOSPC;
		}
	}

	tek = kzalloc(sizeof(*tek), GFP_KERNEL);
	if (!tek)
		return -ENOMEM;
	tek->stats = wman_stats_alloc();
	if (!tek->stats) {
		err = -ENOMEM;
		goto err_free;
	}
	tek->aead = wman_aead_alloc(sa->suite, p->key, extack);
	if (IS_ERR(tek->aead)) {
		err = PTR_ERR(tek->aead);
		goto err_stats;
	}

	now = jiffies;
	tek->sa = sa;
	tek->suite = sa->suite;
	tek->eks = p->eks;
	tek->install_seq = wman->tek_seq++;
	tek->installed = now;
	tek->soft_expiry = expiry(now, p->soft_lifetime);
	tek->hard_expiry = expiry(now, p->lifetime);
	atomic64_set(&tek->tx_pn, p->tx_pn);
	wman_replay_init(&tek->replay);
	timer_setup(&tek->timer, tek_timer, 0);
	refcount_set(&tek->refcnt, 1);
	refcount_inc(&sa->refcnt);

	rcu_assign_pointer(sa->slots[p->eks], tek);
	if (tek->soft_expiry)
		mod_timer(&tek->timer, tek->soft_expiry);
	else if (tek->hard_expiry)
		mod_timer(&tek->timer, tek->hard_expiry);

	if (old)
		tek_release(old);
	if (victim >= 0)
		sa_clear_slot(wman, sa, victim);
	changed(wman);
	return 0;

err_stats:
	wman_stats_free(tek->stats);
err_free:
	kfree(tek);
	return err;
}

int wman_tek_del(struct wman_dev *wman, u16 said, u8 eks,
		 struct netlink_ext_ack *extack)
{
	struct wman_sa *sa;

	lockdep_assert_held(&wman->conf_lock);

	sa = xa_load(&wman->sas, said);
	if (!sa) {
		NL_SET_ERR_MSG_MOD(extack, "No SA with this SAID");
		return -ENOENT;
	}
	if (!conf_deref(wman, sa->slots[eks])) {
		NL_SET_ERR_MSG_MOD(extack, "No TEK with this EKS in the SA");
		return -ENOENT;
	}
	sa_clear_slot(wman, sa, eks);
	changed(wman);
	return 0;
}

/* Multicast groups */

static struct hlist_head *group_bucket(struct wman_dev *wman, const u8 *addr)
{
	u32 h = jhash(addr, ETH_ALEN, 0);

	return &wman->group_addrs[hash_32(h, WMAN_GROUP_ADDR_HASH_BITS)];
}

struct wman_group *wman_group_lookup(struct wman_dev *wman, const u8 *addr)
{
	struct wman_group_addr *ga;

	hlist_for_each_entry_rcu(ga, group_bucket(wman, addr), node)
		if (ether_addr_equal(ga->addr, addr))
			return ga->group;
	return NULL;
}

static bool group_addr_taken(struct wman_dev *wman, const u8 *addr)
{
	struct wman_group_addr *ga;

	hlist_for_each_entry(ga, group_bucket(wman, addr), node)
		if (ether_addr_equal(ga->addr, addr))
			return true;
	return false;
}

static int check_group_addrs(struct wman_dev *wman, const u8 *addrs,
			     unsigned int naddrs,
			     struct netlink_ext_ack *extack)
{
	unsigned int i, j;

	if (naddrs > WMAN_GROUP_MAX_ADDRS) {
		NL_SET_ERR_MSG_MOD(extack, "Too many addresses in the group");
		return -E2BIG;
	}
	for (i = 0; i < naddrs; i++) {
		const u8 *addr = addrs + i * ETH_ALEN;

		if (!is_multicast_ether_addr(addr) ||
		    is_broadcast_ether_addr(addr)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "Group address is not a multicast address");
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (ether_addr_equal(addr, addrs + j * ETH_ALEN)) {
				NL_SET_ERR_MSG_MOD(extack,
						   "Group address is listed twice");
				return -EINVAL;
			}
		}
		if (group_addr_taken(wman, addr)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "Group address belongs to another group");
			return -EEXIST;
		}
	}
	return 0;
}

int wman_group_add(struct wman_dev *wman, u8 id, u16 cid, const u8 *addrs,
		   unsigned int naddrs, struct netlink_ext_ack *extack)
{
	struct wman_group *group;
	struct wman_conn *conn;
	unsigned int i;
	int err;

	lockdep_assert_held(&wman->conf_lock);

	if (xa_load(&wman->groups, id)) {
		NL_SET_ERR_MSG_MOD(extack, "Group with this ID exists");
		return -EEXIST;
	}
	conn = xa_load(&wman->conns, cid);
	if (!conn || conn->kind != WMAN_CONN_MULTICAST) {
		NL_SET_ERR_MSG_MOD(extack,
				   "The group's CID is not a multicast connection");
		return -EINVAL;
	}
	err = check_group_addrs(wman, addrs, naddrs, extack);
	if (err)
		return err;

	group = kzalloc(struct_size(group, addrs, naddrs), GFP_KERNEL);
	if (!group)
		return -ENOMEM;
	group->id = id;
	group->cid = cid;
	group->naddrs = naddrs;
	err = xa_insert(&wman->groups, id, group, GFP_KERNEL);
	if (err) {
		kfree(group);
		return err;
	}
	for (i = 0; i < naddrs; i++) {
		struct wman_group_addr *ga = &group->addrs[i];

		ether_addr_copy(ga->addr, addrs + i * ETH_ALEN);
		ga->group = group;
		hlist_add_head_rcu(&ga->node, group_bucket(wman, ga->addr));
	}
	changed(wman);
	return 0;
}

static void group_remove(struct wman_dev *wman, struct wman_group *group)
{
	unsigned int i;

	xa_erase(&wman->groups, group->id);
	for (i = 0; i < group->naddrs; i++)
		hlist_del_rcu(&group->addrs[i].node);
	kfree_rcu(group, rcu);
}

int wman_group_del(struct wman_dev *wman, u8 id,
		   struct netlink_ext_ack *extack)
{
	struct wman_group *group;

	lockdep_assert_held(&wman->conf_lock);

	group = xa_load(&wman->groups, id);
	if (!group) {
		NL_SET_ERR_MSG_MOD(extack, "No group with this ID");
		return -ENOENT;
	}
	group_remove(wman, group);
	changed(wman);
	return 0;
}

/* Whole tables */

int wman_tables_init(struct wman_dev *wman)
{
	unsigned int i;

	xa_init(&wman->conns);
	xa_init(&wman->sas);
	xa_init(&wman->groups);
	for (i = 0; i < ARRAY_SIZE(wman->group_addrs); i++)
		INIT_HLIST_HEAD(&wman->group_addrs[i]);
	RCU_INIT_POINTER(wman->uplink, NULL);
	RCU_INIT_POINTER(wman->broadcast, NULL);
	wman->generation = 1;
	return rhashtable_init(&wman->peers, &peer_params);
}

void wman_tables_flush(struct wman_dev *wman)
{
	struct wman_group *group;
	struct wman_conn *conn;
	struct wman_sa *sa;
	unsigned long index;

	lockdep_assert_held(&wman->conf_lock);

	xa_for_each(&wman->groups, index, group)
		group_remove(wman, group);
	xa_for_each(&wman->conns, index, conn)
		conn_remove(wman, conn);
	xa_for_each(&wman->sas, index, sa)
		sa_remove(wman, sa);
	changed(wman);
}

void wman_tables_destroy(struct wman_dev *wman)
{
	rhashtable_destroy(&wman->peers);
	xa_destroy(&wman->conns);
	xa_destroy(&wman->sas);
	xa_destroy(&wman->groups);
}
