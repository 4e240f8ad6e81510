/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_STORE_BACKEND_H
#define PKMD_STORE_BACKEND_H

/*
 * What a backend of store.h provides: one function per operation, with
 * the arguments, return values and durability store.h documents.
 * store.c picks the backend and dispatches; nothing else includes this.
 * A backend's own state starts with struct store.
 */
#include "store.h"

/* zone_pn_marks.key_sha256: a digest of the TEK, never the TEK (zones.rst) */
#define STORE_PN_ID_LEN	32

struct store_ops {
	void (*close)(struct store *st);

	int (*subscriber_add)(struct store *st, const struct store_subscriber *s);
	int (*subscriber_revoke)(struct store *st, const char *cn);
	int (*subscriber_each)(struct store *st,
			       int (*cb)(void *arg, const struct store_subscriber *s),
			       void *arg);

	int (*member_add)(struct store *st, uint8_t group, const char *cn);
	int (*member_del)(struct store *st, uint8_t group, const char *cn);
	int (*member_each)(struct store *st,
			   int (*cb)(void *arg, uint8_t group, const char *cn),
			   void *arg);

	int (*station_add)(struct store *st, const uint8_t mac[MAC_LEN],
			   uint16_t index);
	int (*station_each)(struct store *st,
			    int (*cb)(void *arg, const uint8_t mac[MAC_LEN],
				      uint16_t index),
			    void *arg);

	int (*sa_save)(struct store *st, const struct store_sa *sa);
	int (*sa_delete)(struct store *st, uint16_t said);
	int (*tek_set_pn)(struct store *st, uint16_t said, uint8_t eks,
			  uint32_t tx_pn_reserved, uint32_t rx_pn);
	int (*sa_each)(struct store *st,
		       int (*cb)(void *arg, const struct store_sa *sa), void *arg);

	int (*ak_save)(struct store *st, const struct store_ak *ak);
	int (*ak_promote)(struct store *st, const uint8_t mac[MAC_LEN]);
	int (*ak_delete)(struct store *st, const uint8_t mac[MAC_LEN]);
	int (*ak_set_rx)(struct store *st, const uint8_t mac[MAC_LEN],
			 uint8_t slot, uint64_t rx_next);
	int (*ak_set_tx)(struct store *st, const uint8_t mac[MAC_LEN],
			 uint8_t slot, uint32_t tx_pn_reserved);
	void (*batch_begin)(struct store *st);
	int (*batch_end)(struct store *st);
	/* optional, all three: store_batch_send() is store_batch_end() */
	int (*batch_send)(struct store *st);
	int (*batch_fd)(struct store *st);
	void (*batch_poll)(struct store *st);
	int (*ak_each)(struct store *st,
		       int (*cb)(void *arg, const struct store_ak *ak), void *arg);

	int (*group_tree_save)(struct store *st, const struct store_group_tree *t,
			       const struct store_sa *sa);
	int (*group_tree_load)(struct store *st, uint8_t group,
			       struct store_group_tree *t);
	int (*group_tree_delete)(struct store *st, uint8_t group);
	int (*group_tree_versions)(struct store *st,
				   int (*cb)(void *arg, uint8_t group,
					     uint64_t version),
				   void *arg);

	/* id: the SHA-256 digest of the key, under which its mark is kept */
	int (*tek_take_pns)(struct store *st, uint16_t said,
			    const uint8_t id[STORE_PN_ID_LEN], uint32_t block,
			    uint32_t *start);
	int (*lease_take)(struct store *st, uint16_t said, uint32_t lease_ms,
			  char holder[CONFIG_ZONE_NAME_MAX + 1]);
	int (*lease_release)(struct store *st, uint16_t said);
	int (*zone_notify)(struct store *st, const char *kind, unsigned int id);
	int (*zone_listen)(struct store *st, int *fd);
	int (*zone_notifications)(struct store *st,
				  void (*cb)(void *arg, const char *kind,
					     unsigned int id),
				  void *arg);
	int (*join_add)(struct store *st, uint8_t group, const char *cn,
			const uint8_t ikey[STORE_KEY_LEN], int64_t asked);
	int (*join_each)(struct store *st, uint8_t group,
			 int (*cb)(void *arg, const struct store_join *j),
			 void *arg);
	int (*join_delete)(struct store *st, uint8_t group, const char *cn,
			   const uint8_t ikey[STORE_KEY_LEN]);
	int (*zone_ak_current)(struct store *st, const uint8_t mac[MAC_LEN],
			       int64_t now);
	int (*zone_sa_check)(struct store *st, const struct store_zone_sa *c,
			     struct store_zone_sa *zone);
	int (*zone_claim)(struct store *st, uint32_t stale_ms);
	int (*zone_unclaim)(struct store *st);
	int (*replace_each)(struct store *st,
			    int (*cb)(void *arg, uint16_t said, const char *cn),
			    void *arg);
	int (*replace_done)(struct store *st, uint16_t said, const char *cn);
};

struct store {
	const struct store_ops *ops;
	/* store_name(): what log lines may say of the database */
	char name[CONFIG_DATABASE_MAX + 16];
	/* the rows' scope: pkmd_zone() and pkmd_bs() in the SQL */
	char zone[CONFIG_ZONE_NAME_MAX + 1];
	char bs[CONFIG_ZONE_NAME_MAX + 1];
	/* pkmd_instance(): this open's random id, hex (store_zone_claim()) */
	char instance[33];
	uint32_t failover_ms;
	/* store_lease_fence(): shared SAs' writes check the lease */
	bool fence;
	/* store_batch_notify() */
	void (*batch_done)(void *arg, bool committed);
	void *batch_done_arg;
};

/* A new random instance id in st->instance; 0 or -EIO. */
int store_instance_new(struct store *st);

/* zone and bs: "" for a zone of one. */
int store_sqlite_open(const char *path, const char *zone, const char *bs,
		      struct store **out);
int store_pg_open(const char *uri, const char *zone, const char *bs,
		  uint32_t failover_ms,
		  struct store **out);

#endif
