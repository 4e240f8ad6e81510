// SPDX-License-Identifier: GPL-2.0
/*
 * The store's one entry point (store.h): store_open() picks the backend
 * the configuration names, and every other call goes to its
 * struct store_ops (store_backend.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "log.h"

#include "store_backend.h"

/*
 * In a zone, every committed change of shared state is announced to the
 * zone's other BSs (zones.rst), after its commit: a BS that dies in
 * between leaves it to their poll.
 */
static int announced(struct store *st, int err, const char *kind,
		     unsigned int id)
{
	if (!err && st->zone[0])
		st->ops->zone_notify(st, kind, id);
	return err;
}

int store_instance_new(struct store *st)
{
	uint8_t id[16];

	if (RAND_bytes(id, sizeof(id)) != 1)
		return -EIO;
	for (size_t i = 0; i < sizeof(id); i++)
		snprintf(st->instance + 2 * i, 3, "%02x", id[i]);
	return 0;
}

int store_open_zone(enum config_db backend, const char *where,
		    const char *zone, const char *bs, uint32_t failover_ms,
		    struct store **out)
{
	int err = -EINVAL, r;

	if (strlen(zone) > CONFIG_ZONE_NAME_MAX || strlen(bs) > CONFIG_ZONE_NAME_MAX)
		return -EINVAL;
	switch (backend) {
	case DB_SQLITE:
		err = store_sqlite_open(where, zone, bs, out);
		break;
	case DB_POSTGRESQL:
		err = store_pg_open(where, zone, bs, zone[0] ? failover_ms : 0, out);
		break;
	}
	if (err || !zone[0])
		return err;
	/* one running pkmd per bs-id of the zone */
	(*out)->failover_ms = failover_ms;
	r = store_zone_claim(*out);
	if (r == 1)
		return 0;
	if (r == 0)
		log_err("zone %s: bs-id %s is another running pkmd's (seen within %u ms); this one does not start",
			zone, bs, failover_ms);
	else
		log_err("zone %s: cannot claim bs-id %s in the database", zone, bs);
	(*out)->ops->close(*out);
	*out = NULL;
	return r == 0 ? -EBUSY : -EIO;
}

int store_zone_claim(struct store *st)
{
	if (!st->zone[0])
		return 1;
	return st->ops->zone_claim(st, st->failover_ms);
}

int store_open(enum config_db backend, const char *where, struct store **out)
{
	return store_open_zone(backend, where, "", "", 0, out);
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->zone[0])
		st->ops->zone_unclaim(st);
	st->ops->close(st);
}

const char *store_name(const struct store *st)
{
	return st->name;
}

int store_subscriber_add(struct store *st, const struct store_subscriber *s)
{
	return announced(st, st->ops->subscriber_add(st, s), "subscribers", 0);
}

int store_subscriber_revoke(struct store *st, const char *cn)
{
	return announced(st, st->ops->subscriber_revoke(st, cn), "subscribers", 0);
}

int store_subscriber_each(struct store *st,
			  int (*cb)(void *arg, const struct store_subscriber *s),
			  void *arg)
{
	return st->ops->subscriber_each(st, cb, arg);
}

int store_member_add(struct store *st, uint8_t group, const char *cn)
{
	return announced(st, st->ops->member_add(st, group, cn), "subscribers", 0);
}

int store_member_del(struct store *st, uint8_t group, const char *cn)
{
	return announced(st, st->ops->member_del(st, group, cn), "subscribers", 0);
}

int store_member_each(struct store *st,
		      int (*cb)(void *arg, uint8_t group, const char *cn),
		      void *arg)
{
	return st->ops->member_each(st, cb, arg);
}

int store_station_add(struct store *st, const uint8_t mac[MAC_LEN],
		      uint16_t index)
{
	return st->ops->station_add(st, mac, index);
}

int store_station_each(struct store *st,
		       int (*cb)(void *arg, const uint8_t mac[MAC_LEN],
				 uint16_t index),
		       void *arg)
{
	return st->ops->station_each(st, cb, arg);
}

int store_sa_save(struct store *st, const struct store_sa *sa)
{
	int err = st->ops->sa_save(st, sa);

	return sa->has_owner ? err : announced(st, err, "sa", sa->said);
}

int store_sa_delete(struct store *st, uint16_t said)
{
	return st->ops->sa_delete(st, said);
}

int store_tek_set_pn(struct store *st, uint16_t said, uint8_t eks,
		     uint32_t tx_pn_reserved, uint32_t rx_pn)
{
	return st->ops->tek_set_pn(st, said, eks, tx_pn_reserved, rx_pn);
}

int store_sa_each(struct store *st,
		  int (*cb)(void *arg, const struct store_sa *sa), void *arg)
{
	return st->ops->sa_each(st, cb, arg);
}

int store_ak_save(struct store *st, const struct store_ak *ak)
{
	return st->ops->ak_save(st, ak);
}

int store_ak_promote(struct store *st, const uint8_t mac[MAC_LEN])
{
	return st->ops->ak_promote(st, mac);
}

int store_ak_delete(struct store *st, const uint8_t mac[MAC_LEN])
{
	return announced(st, st->ops->ak_delete(st, mac), "aks", 0);
}

int store_ak_set_rx(struct store *st, const uint8_t mac[MAC_LEN],
		    uint8_t slot, uint64_t rx_next)
{
	return st->ops->ak_set_rx(st, mac, slot, rx_next);
}

int store_ak_set_tx(struct store *st, const uint8_t mac[MAC_LEN],
		    uint8_t slot, uint32_t tx_pn_reserved)
{
	return st->ops->ak_set_tx(st, mac, slot, tx_pn_reserved);
}

void store_batch_begin(struct store *st)
{
	st->ops->batch_begin(st);
}

int store_batch_end(struct store *st)
{
	return st->ops->batch_end(st);
}

void store_batch_notify(struct store *st,
			void (*done)(void *arg, bool committed), void *arg)
{
	st->batch_done = done;
	st->batch_done_arg = arg;
}

int store_batch_send(struct store *st)
{
	if (!st->ops->batch_send || !st->batch_done)
		return st->ops->batch_end(st);
	return st->ops->batch_send(st);
}

int store_batch_fd(struct store *st)
{
	return st->ops->batch_fd ? st->ops->batch_fd(st) : -1;
}

void store_batch_poll(struct store *st)
{
	if (st->ops->batch_poll)
		st->ops->batch_poll(st);
}

int store_ak_each(struct store *st,
		  int (*cb)(void *arg, const struct store_ak *ak), void *arg)
{
	return st->ops->ak_each(st, cb, arg);
}

int store_group_tree_save(struct store *st, const struct store_group_tree *t,
			  const struct store_sa *sa)
{
	return announced(st, st->ops->group_tree_save(st, t, sa), "tree",
			 t->group_id);
}

int store_group_tree_load(struct store *st, uint8_t group,
			  struct store_group_tree *t)
{
	return st->ops->group_tree_load(st, group, t);
}

int store_group_tree_delete(struct store *st, uint8_t group)
{
	return st->ops->group_tree_delete(st, group);
}

/* The blobs of a loaded tree are the backend's mallocs. */
void store_group_tree_free(struct store_group_tree *t)
{
	if (t->tree)
		OPENSSL_cleanse(t->tree, t->tree_len);
	if (t->members)
		OPENSSL_cleanse(t->members, t->members_len);
	free(t->tree);
	free(t->members);
	free(t->rekey);
	t->tree = t->members = t->rekey = NULL;
	t->tree_len = t->members_len = t->rekey_len = 0;
}

int store_group_tree_versions(struct store *st,
			      int (*cb)(void *arg, uint8_t group,
					uint64_t version),
			      void *arg)
{
	return st->ops->group_tree_versions(st, cb, arg);
}

int store_tek_take_pns(struct store *st, uint16_t said,
		       const uint8_t key[STORE_KEY_LEN], uint32_t block,
		       uint32_t *start)
{
	uint8_t id[STORE_PN_ID_LEN];
	int err;

	/* a mark outlives its key: it is kept under the key's digest */
	if (!EVP_Digest(key, STORE_KEY_LEN, id, NULL, EVP_sha256(), NULL))
		return -EIO;
	err = st->ops->tek_take_pns(st, said, id, block, start);
	OPENSSL_cleanse(id, sizeof(id));
	return err;
}

int store_lease_take(struct store *st, uint16_t said, uint32_t lease_ms,
		     char holder[CONFIG_ZONE_NAME_MAX + 1])
{
	return st->ops->lease_take(st, said, lease_ms, holder);
}

int store_lease_release(struct store *st, uint16_t said)
{
	return announced(st, st->ops->lease_release(st, said), "lease", said);
}

void store_lease_fence(struct store *st, bool on)
{
	st->fence = on && st->zone[0];
}

int store_zone_notify(struct store *st, const char *kind, unsigned int id)
{
	return st->ops->zone_notify(st, kind, id);
}

int store_zone_listen(struct store *st, int *fd)
{
	return st->ops->zone_listen(st, fd);
}

int store_zone_notifications(struct store *st,
			     void (*cb)(void *arg, const char *kind,
					unsigned int id),
			     void *arg)
{
	return st->ops->zone_notifications(st, cb, arg);
}

int store_join_add(struct store *st, uint8_t group, const char *cn,
		   const uint8_t ikey[STORE_KEY_LEN], int64_t asked)
{
	return announced(st, st->ops->join_add(st, group, cn, ikey, asked), "join", group);
}

int store_join_each(struct store *st, uint8_t group,
		    int (*cb)(void *arg, const struct store_join *j),
		    void *arg)
{
	return st->ops->join_each(st, group, cb, arg);
}

int store_join_delete(struct store *st, uint8_t group, const char *cn,
		      const uint8_t ikey[STORE_KEY_LEN])
{
	return st->ops->join_delete(st, group, cn, ikey);
}

int store_zone_ak_current(struct store *st, const uint8_t mac[MAC_LEN],
			  int64_t now)
{
	return st->ops->zone_ak_current(st, mac, now);
}

int store_zone_sa_check(struct store *st, const struct store_zone_sa *c,
			struct store_zone_sa *zone)
{
	int err = st->ops->zone_sa_check(st, c, zone);

	if (err == -ENOENT) {
		/* its group is the zone's on another SAID */
		memset(zone, 0, sizeof(*zone));
		return 0;
	}
	if (err)
		return err;
	zone->said = c->said;
	return zone->service == c->service && zone->suite == c->suite &&
	       zone->has_group == c->has_group &&
	       (!c->has_group || zone->group_id == c->group_id) &&
	       zone->tree == c->tree && zone->tree_degree == c->tree_degree;
}

int store_replace_each(struct store *st,
		       int (*cb)(void *arg, uint16_t said, const char *cn),
		       void *arg)
{
	return st->ops->replace_each(st, cb, arg);
}

int store_replace_done(struct store *st, uint16_t said, const char *cn)
{
	return st->ops->replace_done(st, said, cn);
}
