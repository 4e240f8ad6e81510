/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_STORE_H
#define PKMD_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "util.h"

/*
 * The BS's database: subscribers, multicast-group memberships, station
 * CID allocations, SAs with their two TEK generations, and AK state.
 * The daemon keeps everything in memory and writes each change here
 * before it acts on it, so that a restart (even after kill -9) resumes
 * from the same state.  Two backends behind this one interface
 * (store_backend.h): SQLite in a file (store_sqlite.c) and PostgreSQL
 * through libpq (store_pg.c); a write returns once its transaction is
 * committed, on either.  Functions return 0 or a negative errno value:
 * -EEXIST (a constraint: the row exists, or what it names does not),
 * -ENOENT, -EIO (the database failed, or its connection was lost).
 */

#define STORE_CN_MAX	64
#define STORE_KEY_LEN	16
#define STORE_AK_LEN	20
#define STORE_NONCE_LEN	8

struct store;

struct store_subscriber {
	char cn[STORE_CN_MAX + 1];
	uint8_t mac[MAC_LEN];
	char provider[CONFIG_PROVIDER_MAX + 1];
	unsigned int services;		/* SERVICE_BIT(unicast|multicast|broadcast) */
	bool revoked;
	int64_t created;		/* epoch seconds */
};

/* PNs per direction of a TEK. */
#define STORE_PN_SPACE	0x80000000u

struct store_tek {
	uint8_t eks;
	uint8_t key[STORE_KEY_LEN];
	int64_t expires;		/* epoch seconds */
	/*
	 * Downlink PNs below this may have been sent under the key (the
	 * kernel's limit never exceeds it); STORE_PN_SPACE: the key is used up.
	 */
	uint32_t tx_pn_reserved;
	uint32_t rx_pn;			/* uplink PNs below this were accepted */
	/* Not stored: made by this run, not given to the kernel yet. */
	bool fresh;
};

struct store_sa {
	uint16_t said;			/* also the CID of its connection */
	uint8_t service;		/* enum wman_service */
	uint8_t suite;			/* enum wman_suite */
	bool has_group;
	uint8_t group_id;		/* multicast */
	bool has_owner;
	uint8_t owner[MAC_LEN];		/* unicast: the SS */
	struct store_tek tek[2];	/* [0] older, [1] newer */
};

/* Slots of a station's AKs. */
enum store_ak_slot {
	STORE_AK_ACTIVE = 0,	/* the one the SS last used */
	STORE_AK_PENDING = 1,	/* issued, not used yet */
};

struct store_ak {
	uint8_t mac[MAC_LEN];
	uint8_t slot;			/* enum store_ak_slot */
	uint8_t seq;			/* 0..15 */
	uint8_t ak[STORE_AK_LEN];
	int64_t expires;		/* epoch seconds */
	uint32_t tx_pn_reserved;	/* downlink PNs below this may be used */
	uint64_t rx_next;		/* lowest uplink PN still acceptable */
	uint8_t nonce[STORE_NONCE_LEN];	/* SS-Random of the Auth Request */
};

/*
 * DB_SQLITE: where is a file's path; DB_POSTGRESQL: a libpq connection
 * URI, which may hold a password and is never logged (store_name()).
 */
int store_open(enum config_db backend, const char *where, struct store **out);
/*
 * The same, for a BS of a zone (Documentation/zones.rst): the rows it
 * reads and writes are its zone's shared ones and its own (bs).  zone
 * and bs "" (store_open()): a zone of one.  In a zone, every wait on the
 * database (a lock, a statement, a connection, a dead peer) is bounded
 * by a fraction of failover_ms, the zone's zone-failover (zones.rst).
 */
int store_open_zone(enum config_db backend, const char *where,
		    const char *zone, const char *bs, uint32_t failover_ms,
		    struct store **out);
void store_close(struct store *st);
/* The database for log lines: "SQLite PATH", "PostgreSQL HOST/DBNAME". */
const char *store_name(const struct store *st);

int store_subscriber_add(struct store *st, const struct store_subscriber *s);
/*
 * In a zone, the same transaction records that every shared SA needs new
 * TEKs because of the revocation (store_replace_each()).
 */
int store_subscriber_revoke(struct store *st, const char *cn);
int store_subscriber_each(struct store *st,
			  int (*cb)(void *arg, const struct store_subscriber *s),
			  void *arg);

int store_member_add(struct store *st, uint8_t group, const char *cn);
int store_member_del(struct store *st, uint8_t group, const char *cn);
int store_member_each(struct store *st,
		      int (*cb)(void *arg, uint8_t group, const char *cn),
		      void *arg);

/* A station's CIDs follow from its index (control-plane.rst). */
int store_station_add(struct store *st, const uint8_t mac[MAC_LEN],
		      uint16_t index);
int store_station_each(struct store *st,
		       int (*cb)(void *arg, const uint8_t mac[MAC_LEN],
				 uint16_t index),
		       void *arg);

/* Inserts or replaces the SA and both its TEKs, in one transaction. */
int store_sa_save(struct store *st, const struct store_sa *sa);
int store_sa_delete(struct store *st, uint16_t said);
/*
 * Raises the PN reservation and receive floor of the SA's TEK with this
 * EKS (both generations when they share it); a value lower than the
 * stored one leaves that one.  Committed on return; -ENOENT: no such TEK.
 */
int store_tek_set_pn(struct store *st, uint16_t said, uint8_t eks,
		     uint32_t tx_pn_reserved, uint32_t rx_pn);
int store_sa_each(struct store *st,
		  int (*cb)(void *arg, const struct store_sa *sa), void *arg);

int store_ak_save(struct store *st, const struct store_ak *ak);
/* Moves PENDING to ACTIVE (replacing it), in one transaction. */
int store_ak_promote(struct store *st, const uint8_t mac[MAC_LEN]);
int store_ak_delete(struct store *st, const uint8_t mac[MAC_LEN]);
int store_ak_set_rx(struct store *st, const uint8_t mac[MAC_LEN],
		    uint8_t slot, uint64_t rx_next);
int store_ak_set_tx(struct store *st, const uint8_t mac[MAC_LEN],
		    uint8_t slot, uint32_t tx_pn_reserved);
/*
 * Group commit of receive windows: store_ak_set_rx() calls between these
 * share one transaction; any other write commits it first.  0 or -EIO
 * from the commit: then the windows are not on disk.
 */
void store_batch_begin(struct store *st);
int store_batch_end(struct store *st);
/*
 * The same without the wait, where the backend can (PostgreSQL) and
 * store_batch_notify() gave it a done(): the batch's commit is sent, or
 * queued to go with the next one while another is on its way.  1: the
 * outcome comes later, as one call of done(arg, committed) for the
 * batch; the calls come in the order of the batches, from
 * store_batch_poll() or from any later call on the store that needs
 * them decided (any other write, store_batch_end(), store_close()).
 * 0 or -EIO: as store_batch_end() (committed, nothing to commit, or not
 * on disk), and no done() for it.
 */
void store_batch_notify(struct store *st,
			void (*done)(void *arg, bool committed), void *arg);
int store_batch_send(struct store *st);
/* While outcomes are due: the descriptor to poll for input; else -1. */
int store_batch_fd(struct store *st);
/* Reads what came, without waiting; done() for the outcomes in it. */
void store_batch_poll(struct store *st);
int store_ak_each(struct store *st,
		  int (*cb)(void *arg, const struct store_ak *ak), void *arg);

/*
 * A multicast group's key tree (bs_group.c): the library's saved tree,
 * the daemon's member table and the payloads of the last rekey, each an
 * opaque blob here.  Saved with the group SA's TEKs in one transaction.
 */
struct store_group_tree {
	uint8_t group_id;
	uint16_t said;			/* the group's SA, whose lease fences it */
	uint8_t *tree;
	size_t tree_len;
	uint8_t *members;
	size_t members_len;
	uint8_t *rekey;
	size_t rekey_len;
	uint64_t version;		/* raised by each save (load only) */
};

/* sa may be NULL. */
int store_group_tree_save(struct store *st, const struct store_group_tree *t,
			  const struct store_sa *sa);
/* Allocates the blobs (store_group_tree_free); -ENOENT if none saved. */
int store_group_tree_load(struct store *st, uint8_t group,
			  struct store_group_tree *t);
int store_group_tree_delete(struct store *st, uint8_t group);
void store_group_tree_free(struct store_group_tree *t);
/* cb for each saved tree of the zone, with its version. */
int store_group_tree_versions(struct store *st,
			      int (*cb)(void *arg, uint8_t group,
					uint64_t version),
			      void *arg);

/*
 * Zones (Documentation/zones.rst).  A BS opened with store_open_zone()
 * shares the multicast and broadcast SAs, trees, subscribers and
 * memberships with the zone's other BSs.  On a zone of one (store_open(),
 * SQLite or not) the same calls work on its own rows: it holds every
 * lease and hears no notifications.
 */

/*
 * The downlink PNs [*start, *start + block) of the shared SA's TEK key,
 * for this BS alone: the zone's mark for the key moves past them,
 * committed on return.  Marks only rise and are never forgotten.
 * -ENOSPC: the key's PNs are used up.
 */
int store_tek_take_pns(struct store *st, uint16_t said,
		       const uint8_t key[STORE_KEY_LEN], uint32_t block,
		       uint32_t *start);

/*
 * Takes the lease of the shared SA said, or renews it, for lease_ms in
 * the database's clock.  1: this BS holds it; 0: another does (holder
 * says which, when not NULL); -errno.
 */
int store_lease_take(struct store *st, uint16_t said, uint32_t lease_ms,
		     char holder[CONFIG_ZONE_NAME_MAX + 1]);
/*
 * The zone's claim of this BS's bs-id by this store's instance (a random
 * 128-bit id of each store_open_zone()), which the lease and the fence
 * check: store_open_zone() makes it, and fails (-EBUSY) while another
 * instance with the bs-id was seen within failover_ms; the BS renews it
 * with each lease pass; store_close() gives it up.  1: this instance
 * holds it; 0: another instance claimed the bs-id; -errno.
 */
int store_zone_claim(struct store *st);

/* Gives the lease up, if this BS holds it. */
int store_lease_release(struct store *st, uint16_t said);
/*
 * The fence of a writer (zones.rst): from now on, store_sa_save() and
 * store_group_tree_save() of a shared SA commit only while this BS holds
 * its lease, else fail with -EPERM and change nothing.  Only in a zone.
 */
void store_lease_fence(struct store *st, bool on);

/* A change the zone's other BSs should see, after its commit. */
int store_zone_notify(struct store *st, const char *kind, unsigned int id);
/*
 * Listens for the zone's notifications on a connection of their own:
 * *fd becomes readable when some may have come.  -EOPNOTSUPP: none come
 * (a zone of one).
 */
int store_zone_listen(struct store *st, int *fd);
/*
 * Reads what came: cb for each notification of this zone.  -EIO: the
 * connection was lost (some may be lost with it); listen again.
 */
int store_zone_notifications(struct store *st,
			     void (*cb)(void *arg, const char *kind,
					unsigned int id),
			     void *arg);

/* A join asked for at a BS of the zone, for the group's writer. */
struct store_join {
	char cn[STORE_CN_MAX + 1];
	uint8_t ikey[STORE_KEY_LEN];	/* the member's individual key */
	char bs[CONFIG_ZONE_NAME_MAX + 1];	/* where it asked */
	/*
	 * In the database as it is read: the subscriber exists unrevoked,
	 * is a member of the group and holds an unexpired AK at some BS of
	 * the zone (the database's clock).
	 */
	bool allowed;
};

int store_join_add(struct store *st, uint8_t group, const char *cn,
		   const uint8_t ikey[STORE_KEY_LEN], int64_t asked);
int store_join_each(struct store *st, uint8_t group,
		    int (*cb)(void *arg, const struct store_join *j),
		    void *arg);
/* Deletes the join if it still has this key (not asked again since). */
int store_join_delete(struct store *st, uint8_t group, const char *cn,
		      const uint8_t ikey[STORE_KEY_LEN]);
/*
 * The shared SAs that need new TEKs because a subscriber was revoked
 * (store_subscriber_revoke()), until their writer has replaced them.
 */
int store_replace_each(struct store *st,
		       int (*cb)(void *arg, uint16_t said, const char *cn),
		       void *arg);
int store_replace_done(struct store *st, uint16_t said, const char *cn);
/* 1 if some BS of the zone holds an AK of the station unexpired at now. */
int store_zone_ak_current(struct store *st, const uint8_t mac[MAC_LEN],
			  int64_t now);

/*
 * What defines a shared SA across the zone (zones.rst): its service,
 * suite, group and key tree.  The first BS records it; every BS of the
 * zone must agree.
 */
struct store_zone_sa {
	uint16_t said;
	uint8_t service;		/* enum wman_service */
	uint8_t suite;			/* enum wman_suite */
	bool has_group;
	uint8_t group_id;
	uint8_t tree;			/* CONFIG_TREE_* */
	uint8_t tree_degree;		/* 0 without a tree */
};

/*
 * Records c as its SA's configuration in the zone, unless the zone has
 * one: 1 if the zone's is c, 0 if not (*zone says what it is; a group
 * the zone has on another SAID: zone->said 0), -errno.
 */
int store_zone_sa_check(struct store *st, const struct store_zone_sa *c,
			struct store_zone_sa *zone);

#endif
