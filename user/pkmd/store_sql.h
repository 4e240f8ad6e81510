/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_STORE_SQL_H
#define PKMD_STORE_SQL_H

/*
 * The SQL both backends run (store_sql.c): one schema, one migration
 * path, one text per statement where the dialects agree.  Statements
 * are written with SQLite's numbered parameters (?1, ?2...), which the
 * PostgreSQL backend turns into $1, $2... when it prepares them.
 */

/*
 * 2: teks.tx_pn_reserved and teks.rx_pn; 3: every row's zone and BS,
 * group_trees.version, zone_leases, zone_pns and zone_joins (zones.rst);
 * 4: zone_bss, zone_rekeys, zone_sas, and the PN marks moved from
 * zone_pns to zone_pn_marks under the TEK's SHA-256 (zone_pns dropped,
 * so that a pkmd of schema 3 takes no PN block of a shared TEK)
 */
#define STORE_SCHEMA_VERSION	4

/* Every table, CREATE ... IF NOT EXISTS, in each dialect's types. */
extern const char store_schema_sqlite[];
extern const char store_schema_pg[];
/* Schema 1 to 2, run before the schema above. */
extern const char store_migrate_1_to_2_sqlite[];
extern const char store_migrate_1_to_2_pg[];
/* Schema 2 to 3: makes the tables of schema 3 itself. */
extern const char store_migrate_2_to_3_sqlite[];
extern const char store_migrate_2_to_3_pg[];
/* Schema 3 to 4: the PN marks to zone_pn_marks; run after 2 to 3. */
extern const char store_migrate_3_to_4_sqlite[];
extern const char store_migrate_3_to_4_pg[];

enum store_sql {
	SQL_SUBSCRIBER_ADD,
	SQL_SUBSCRIBER_REVOKE,
	SQL_SUBSCRIBER_EACH,
	SQL_MEMBER_ADD,
	SQL_MEMBER_DEL,
	SQL_MEMBER_EACH,
	SQL_STATION_ADD,
	SQL_STATION_EACH,
	SQL_SA_PUT,
	SQL_TEK_PUT,
	SQL_SA_DELETE,
	SQL_SA_EACH,
	SQL_TEK_SET_PN,
	SQL_AK_PUT,
	SQL_AK_DELETE_ACTIVE,
	SQL_AK_PROMOTE,
	SQL_AK_DELETE,
	SQL_AK_SET_RX,
	SQL_AK_SET_RX_MANY,
	SQL_AK_SET_TX,
	SQL_AK_EACH,
	SQL_TREE_PUT,
	SQL_TREE_LOAD,
	SQL_TREE_DELETE,
	SQL_TREE_VERSIONS,
	SQL_TEK_PN_TAKE,
	SQL_LEASE_TAKE,
	SQL_LEASE_RELEASE,
	SQL_LEASE_HELD,
	SQL_LEASE_HOLDER,
	SQL_JOIN_PUT,
	SQL_JOIN_EACH,
	SQL_JOIN_DELETE,
	SQL_ZONE_AK_CURRENT,
	SQL_ZONE_SA_PUT,
	SQL_ZONE_SA_GET,
	SQL_BS_CLAIM,
	SQL_BS_UNCLAIM,
	SQL_REPLACE_PUT,
	SQL_REPLACE_EACH,
	SQL_REPLACE_DONE,
	SQL_COUNT
};

/* A statement's text: both, or one per dialect. */
struct store_sql_text {
	const char *both;
	const char *sqlite;
	const char *pg;
};

extern const struct store_sql_text store_sql[SQL_COUNT];

static inline const char *store_sql_sqlite(enum store_sql id)
{
	return store_sql[id].both ? store_sql[id].both : store_sql[id].sqlite;
}

static inline const char *store_sql_pg(enum store_sql id)
{
	return store_sql[id].both ? store_sql[id].both : store_sql[id].pg;
}

#endif
