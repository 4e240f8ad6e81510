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
#include <linux/moduleparam.h>
#include <linux/rhashtable.h>
#include <crypto/aead.h>
#include <crypto/algapi.h>

#include "wman.h"

/*
 * Per-device limits.  Any user with a user namespace can create a network
 * namespace and wman devices in it; these bound the kernel memory (AEAD
 * transforms, per-CPU counters) one device can hold.  Each SA holds at
 * most WMAN_SLOT_COUNT TEKs, so max_sas bounds the TEKs too.
 */
static unsigned int max_sas = 4096;
module_param(max_sas, uint, 0644);
MODULE_PARM_DESC(max_sas, "Security associations per device");

static unsigned int max_conns = 16384;
module_param(max_conns, uint, 0644);
MODULE_PARM_DESC(max_conns, "Connections per device");

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

/*
 * tx_pn of a TEK that left its slot: above any limit, so that a transmit
 * still holding the TEK gets no PN from it and moves on to the other one.
 */
#define TX_PN_CLOSED	S64_MAX

static void tek_retire(struct wman_dev *wman, struct wman_tek *tek);

bool wman_tek_get(struct wman_tek *tek)
{
	return refcount_inc_not_zero(&tek->refcnt);
}

static void sa_free_rcu(struct rcu_head *head)
{
	struct wman_sa *sa = container_of(head, struct wman_sa, rcu);

	wman_stats_free(sa->stats);
	/* the spent keys */
	kfree_sensitive(sa);
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
	kfree_sensitive(tek);
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

/*
 * The TEK reached its limit: report it once, as exhaustion at the end of
 * the PN space, else as the limit reached (in case the half-way event was
 * lost, the sender now stands still until the limit is raised).
 */
static void tek_pn_ran_out(struct wman_tek *tek)
{
	u64 limit = READ_ONCE(tek->tx_pn_limit);

	if (atomic64_read(&tek->tx_pn) == TX_PN_CLOSED)
		return;
	if (limit >= WMAN_PN_SPACE) {
		if (!test_and_set_bit(WMAN_TEK_F_PN_EXHAUSTED, &tek->flags))
			wman_event_tek(tek, WMAN_CMD_TEK_PN_EXHAUSTED);
	} else if (!test_and_set_bit(WMAN_TEK_F_PN_LIMITED, &tek->flags)) {
		wman_event_tek_pn_limit(tek, limit, limit);
	}
}

static bool tek_pn_left(struct wman_tek *tek)
{
	if (atomic64_read(&tek->tx_pn) < READ_ONCE(tek->tx_pn_limit))
		return true;
	tek_pn_ran_out(tek);
	return false;
}

/*
 * The one place a PN is handed out.  The counter moves only from below
 * the limit read in the same step, so it never passes the limit, and a
 * PN taken once is never taken again.
 */
bool wman_tek_take_pn(struct wman_tek *tek, u32 *pn)
{
	s64 next = atomic64_read(&tek->tx_pn);

	do {
		if (next >= (s64)READ_ONCE(tek->tx_pn_limit)) {
			tek_pn_ran_out(tek);
			return false;
		}
	} while (!atomic64_try_cmpxchg(&tek->tx_pn, &next, next + 1));

	*pn = next;
	if (unlikely(next == READ_ONCE(tek->tx_pn_warn)))
		wman_event_tek_pn_limit(tek, next + 1,
					READ_ONCE(tek->tx_pn_limit));
	return true;
}

u32 wman_tek_tx_pn(const struct wman_tek *tek)
{
	return min_t(u64, atomic64_read(&tek->tx_pn), WMAN_PN_SPACE);
}

/*
 * The PN at which to warn that half of what the limit allows is used; none
 * (a value never reached) without a limit.  Under conf_lock.
 */
static void tek_arm_pn_warning(struct wman_tek *tek)
{
	u64 next = atomic64_read(&tek->tx_pn);
	u64 limit = tek->tx_pn_limit;

	if (limit >= WMAN_PN_SPACE || next >= limit)
		WRITE_ONCE(tek->tx_pn_warn, U64_MAX);
	else
		WRITE_ONCE(tek->tx_pn_warn, next + (limit - next) / 2);
}

/* Moves the next PN up to pn if it is lower; it never goes down. */
static void tek_raise_tx_pn(struct wman_tek *tek, u64 pn)
{
	s64 next = atomic64_read(&tek->tx_pn);

	while (next < (s64)pn &&
	       !atomic64_try_cmpxchg(&tek->tx_pn, &next, pn))
		;
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
	else if (atomic64_read(&tek->tx_pn) >= READ_ONCE(tek->tx_pn_limit))
		state |= WMAN_TEK_STATE_PN_LIMITED;
	return state;
}

u32 wman_tek_remaining(const struct wman_tek *tek)
{
	unsigned long now = jiffies;

	if (!tek->hard_expiry || time_after_eq(now, tek->hard_expiry))
		return 0;
	return DIV_ROUND_UP(tek->hard_expiry - now, HZ);
}

static unsigned long expiry(unsigned long now, u32 seconds)
{
	if (!seconds)
		return 0;
	/* 0 means "none", so never land on it */
	return (now + (unsigned long)seconds * HZ) ?: 1;
}

/* Soft then hard expiry: flags and events; enforcement needs no timer. */
static void tek_timer(struct timer_list *t)
{
	struct wman_tek *tek = from_timer(tek, t, timer);
	unsigned long soft = READ_ONCE(tek->soft_expiry);
	unsigned long hard = READ_ONCE(tek->hard_expiry);
	unsigned long now = jiffies;

	if (soft && time_after_eq(now, soft) &&
	    !test_and_set_bit(WMAN_TEK_F_SOFT_EXPIRED, &tek->flags))
		wman_event_tek(tek, WMAN_CMD_TEK_SOFT_EXPIRED);

	if (hard && time_after_eq(now, hard)) {
		if (!test_and_set_bit(WMAN_TEK_F_HARD_EXPIRED, &tek->flags))
			wman_event_tek(tek, WMAN_CMD_TEK_HARD_EXPIRED);
		return;
	}

	if (!test_bit(WMAN_TEK_F_SOFT_EXPIRED, &tek->flags) && soft)
		mod_timer(&tek->timer, soft);
	else if (hard)
		mod_timer(&tek->timer, hard);
}

/* Sets the lifetimes of a TEK, counted from now, and arms its timer. */
static void tek_set_lifetimes(struct wman_tek *tek, u32 lifetime,
			      u32 soft_lifetime)
{
	unsigned long now = jiffies;

	WRITE_ONCE(tek->soft_expiry, expiry(now, soft_lifetime));
	WRITE_ONCE(tek->hard_expiry, expiry(now, lifetime));
	if (tek->soft_expiry)
		mod_timer(&tek->timer, tek->soft_expiry);
	else if (tek->hard_expiry)
		mod_timer(&tek->timer, tek->hard_expiry);
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
	tek_retire(wman, tek);
	tek_release(tek);
}

/* Points the connections that name SAID at sa (NULL: at none). */
static void sa_bind_conns(struct wman_dev *wman, u16 said, struct wman_sa *sa)
{
	struct wman_conn *conn;
	unsigned long cid;

	xa_for_each(&wman->conns, cid, conn)
		if (conn->said == said)
			rcu_assign_pointer(conn->sa, sa);
}

static void sa_remove(struct wman_dev *wman, struct wman_sa *sa)
{
	u8 eks;

	sa_bind_conns(wman, sa->said, NULL);
	xa_erase(&wman->sas, sa->said);
	wman->n_sas--;
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

static bool unicast_said_used(struct wman_dev *wman, int said)
{
	struct wman_conn *conn;
	unsigned long cid;

	xa_for_each(&wman->conns, cid, conn)
		if (conn->kind == WMAN_CONN_UNICAST && conn->said == said)
			return true;
	return false;
}

int wman_conn_add(struct wman_dev *wman, u16 cid, u8 kind, int said,
		  const u8 *peer, struct netlink_ext_ack *extack)
{
	bool bs = wman->role == WMAN_ROLE_BS;
	struct wman_sa *sa = NULL;
	struct wman_conn *conn;
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
		/* else its SS could send as the other connection's SS */
		if (bs && kind == WMAN_CONN_UNICAST && unicast_said_used(wman, said)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "Another unicast connection uses this SA");
			return -EEXIST;
		}
	}

	if (wman->n_conns >= READ_ONCE(max_conns)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Device holds max_conns connections (module parameter)");
		return -ENOSPC;
	}

	conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	if (!conn)
		return -ENOMEM;
	conn->cid = cid;
	conn->kind = kind;
	conn->said = said;
	if (said != WMAN_SAID_NONE)
		RCU_INIT_POINTER(conn->sa, sa);
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
	err = xa_insert(&wman->conns, cid, conn, GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_unhash;
	wman->n_conns++;

	if (kind == WMAN_CONN_UNICAST && !bs)
		rcu_assign_pointer(wman->uplink, conn);
	else if (kind == WMAN_CONN_BROADCAST)
		rcu_assign_pointer(wman->broadcast, conn);
	changed(wman);
	return 0;

err_unhash:
	if (kind == WMAN_CONN_UNICAST && bs) {
		rhashtable_remove_fast(&wman->peers, &conn->peer_node,
				       peer_params);
		/* a transmit path may have found it meanwhile */
		kfree_rcu(conn, rcu);
		return err;
	}
err_free:
	kfree(conn);
	return err;
}

static void conn_remove(struct wman_dev *wman, struct wman_conn *conn)
{
	xa_erase(&wman->conns, conn->cid);
	wman->n_conns--;
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

	if (wman->n_sas >= READ_ONCE(max_sas)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Device holds max_sas SAs (module parameter)");
		return -ENOSPC;
	}

	sa = kzalloc(sizeof(*sa), GFP_KERNEL_ACCOUNT);
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

	err = xa_insert(&wman->sas, said, sa, GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_stats;
	sa_bind_conns(wman, said, sa);
	wman->n_sas++;
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

static struct wman_spent_key *spent_find(struct wman_sa *sa, const u8 *key)
{
	unsigned int i;

	for (i = 0; i < WMAN_SPENT_KEYS; i++)
		if (sa->spent[i].used &&
		    !crypto_memneq(sa->spent[i].key, key, WMAN_KEY_LEN))
			return &sa->spent[i];
	return NULL;
}

/*
 * Takes an unpublished TEK's transmit counter for good and remembers how
 * far the key got, in case it is installed again.  The exchange is atomic
 * with every PN taken, so the value kept is exact.
 */
static void tek_retire(struct wman_dev *wman, struct wman_tek *tek)
{
	struct wman_sa *sa = tek->sa;
	struct wman_spent_key *spent;
	u64 next;

	lockdep_assert_held(&wman->conf_lock);

	next = atomic64_xchg(&tek->tx_pn, TX_PN_CLOSED);
	spent = spent_find(sa, tek->key);
	if (!spent) {
		spent = &sa->spent[sa->spent_next];
		sa->spent_next = (sa->spent_next + 1) % WMAN_SPENT_KEYS;
		memcpy(spent->key, tek->key, WMAN_KEY_LEN);
		spent->tx_pn = 0;
		spent->rx_pn = 0;
		spent->used = true;
	}
	spent->tx_pn = max(spent->tx_pn, min_t(u64, next, WMAN_PN_SPACE));
	spent->rx_pn = max(spent->rx_pn, wman_replay_close(&tek->replay));
}

static int check_limit(const struct wman_tek_params *p, u64 limit,
		       struct netlink_ext_ack *extack)
{
	if (p->tx_pn >= limit) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Transmit PN must be below the PN limit");
		return -ERANGE;
	}
	return 0;
}

/*
 * REPLACE with the key the slot already holds: the same TEK carries on.
 * Its PNs only move up and its replay window stays, so a caller that read
 * the PN a moment ago, or not at all, cannot make a PN be used twice.
 */
static int tek_update(struct wman_dev *wman, struct wman_tek *tek,
		      const struct wman_tek_params *p,
		      struct netlink_ext_ack *extack)
{
	u64 limit = p->tx_pn_limit ?: tek->tx_pn_limit;

	if (atomic64_read(&tek->tx_pn) >= WMAN_PN_SPACE) {
		NL_SET_ERR_MSG_MOD(extack,
				   "This key has used up its PN space and cannot be installed again");
		return -ENOSPC;
	}
	if (limit < tek->tx_pn_limit) {
		NL_SET_ERR_MSG_MOD(extack, "The PN limit of a TEK cannot go down");
		return -EINVAL;
	}
	if (check_limit(p, limit, extack))
		return -ERANGE;

	WRITE_ONCE(tek->tx_pn_limit, limit);
	clear_bit(WMAN_TEK_F_PN_LIMITED, &tek->flags);
	tek_raise_tx_pn(tek, p->tx_pn);
	tek_arm_pn_warning(tek);
	wman_replay_raise_floor(&tek->replay, p->rx_pn);

	/* the timer must not re-arm itself with the old times meanwhile */
	del_timer_sync(&tek->timer);
	clear_bit(WMAN_TEK_F_SOFT_EXPIRED, &tek->flags);
	clear_bit(WMAN_TEK_F_HARD_EXPIRED, &tek->flags);
	tek_set_lifetimes(tek, p->lifetime, p->soft_lifetime);
	changed(wman);
	return 0;
}

static struct wman_tek *tek_create(struct wman_sa *sa,
				   const struct wman_tek_params *p,
				   struct netlink_ext_ack *extack)
{
	struct wman_spent_key *spent = spent_find(sa, p->key);
	u64 limit = p->tx_pn_limit ?: WMAN_PN_SPACE;
	u64 tx_pn = p->tx_pn;
	u32 rx_pn = p->rx_pn;
	struct wman_tek *tek;
	int err;

	if (spent) {
		if (spent->tx_pn >= WMAN_PN_SPACE) {
			NL_SET_ERR_MSG_MOD(extack,
					   "This key has used up its PN space and cannot be installed again");
			return ERR_PTR(-ENOSPC);
		}
		tx_pn = max(tx_pn, spent->tx_pn);
		rx_pn = max(rx_pn, spent->rx_pn);
		if (tx_pn >= limit) {
			NL_SET_ERR_MSG_MOD(extack,
					   "This key was used up to its PN limit before: raise the limit");
			return ERR_PTR(-ERANGE);
		}
	} else if (check_limit(p, limit, extack)) {
		return ERR_PTR(-ERANGE);
	}

	tek = kzalloc(sizeof(*tek), GFP_KERNEL_ACCOUNT);
	if (!tek)
		return ERR_PTR(-ENOMEM);
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
	tek->sa = sa;
	tek->suite = sa->suite;
	tek->eks = p->eks;
	memcpy(tek->key, p->key, WMAN_KEY_LEN);
	tek->install_seq = sa->wman->tek_seq++;
	tek->installed = jiffies;
	atomic64_set(&tek->tx_pn, tx_pn);
	tek->tx_pn_limit = limit;
	tek_arm_pn_warning(tek);
	wman_replay_init(&tek->replay, rx_pn);
	timer_setup(&tek->timer, tek_timer, 0);
	refcount_set(&tek->refcnt, 1);
	return tek;

err_stats:
	wman_stats_free(tek->stats);
err_free:
	kfree_sensitive(tek);
	return ERR_PTR(err);
}

int wman_tek_add(struct wman_dev *wman, const struct wman_tek_params *p,
		 struct netlink_ext_ack *extack)
{
	struct wman_tek *tek, *old;
	struct wman_sa *sa;
	int victim = -1;

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
	if (p->tx_pn >= WMAN_PN_SPACE || p->rx_pn >= WMAN_PN_SPACE ||
	    p->tx_pn_limit > WMAN_PN_SPACE) {
		NL_SET_ERR_MSG_MOD(extack, "PN out of range");
		return -ERANGE;
	}
	old = conf_deref(wman, sa->slots[p->eks]);
	if (old && !p->replace) {
		NL_SET_ERR_MSG_MOD(extack,
				   "TEK slot of this EKS is in use (set the replace flag to overwrite it)");
		return -EEXIST;
	}
	if (old && !crypto_memneq(old->key, p->key, WMAN_KEY_LEN))
		return tek_update(wman, old, p, extack);
	if (!old && sa_tek_count(wman, sa) >= WMAN_SLOT_COUNT) {
		victim = full_sa_victim(wman, sa);
		if (victim < 0) {
			NL_SET_ERR_MSG_MOD(extack,
					   "SA holds two TEKs and neither has expired");
			return -ENOSPC;
		}
	}

	tek = tek_create(sa, p, extack);
	if (IS_ERR(tek))
		return PTR_ERR(tek);
	refcount_inc(&sa->refcnt);
	rcu_assign_pointer(sa->slots[p->eks], tek);
	tek_set_lifetimes(tek, p->lifetime, p->soft_lifetime);

	/* after the new TEK is visible, so that senders move straight to it */
	if (old) {
		tek_retire(wman, old);
		tek_release(old);
	}
	if (victim >= 0)
		sa_clear_slot(wman, sa, victim);
	changed(wman);
	return 0;
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

int wman_tek_set_limit(struct wman_dev *wman, u16 said, u8 eks, u64 limit,
		       struct netlink_ext_ack *extack)
{
	struct wman_tek *tek;
	struct wman_sa *sa;

	lockdep_assert_held(&wman->conf_lock);

	sa = xa_load(&wman->sas, said);
	if (!sa) {
		NL_SET_ERR_MSG_MOD(extack, "No SA with this SAID");
		return -ENOENT;
	}
	tek = conf_deref(wman, sa->slots[eks]);
	if (!tek) {
		NL_SET_ERR_MSG_MOD(extack, "No TEK with this EKS in the SA");
		return -ENOENT;
	}
	if (limit < tek->tx_pn_limit) {
		NL_SET_ERR_MSG_MOD(extack, "The PN limit of a TEK cannot go down");
		return -EINVAL;
	}
	WRITE_ONCE(tek->tx_pn_limit, limit);
	clear_bit(WMAN_TEK_F_PN_LIMITED, &tek->flags);
	tek_arm_pn_warning(tek);
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

	group = kzalloc(struct_size(group, addrs, naddrs), GFP_KERNEL_ACCOUNT);
	if (!group)
		return -ENOMEM;
	group->id = id;
	group->cid = cid;
	group->naddrs = naddrs;
	err = xa_insert(&wman->groups, id, group, GFP_KERNEL_ACCOUNT);
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
