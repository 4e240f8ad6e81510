// SPDX-License-Identifier: GPL-2.0
/*
 * The database's SQL, for both backends (store_sql.h).  The dialects
 * differ in three places here: types (SQLite's INTEGER is 64 bits and a
 * blob a BLOB; PostgreSQL needs BIGINT and BYTEA), the replacement of a
 * row (INSERT OR REPLACE; INSERT ... ON CONFLICT DO UPDATE) and the
 * larger of two values (MAX; GREATEST).
 */
#include "store_sql.h"

/*
 * What a TEK of a schema 1 database gets: every PN may have been used
 * (that pkmd kept no count), so the key is never installed again.
 */
#define TEK_PN_UNKNOWN	"2147483648"

#define SCHEMA(BLOB, INT64)						\
	"CREATE TABLE IF NOT EXISTS subscribers ("			\
	"  cn TEXT PRIMARY KEY,"					\
	"  mac TEXT NOT NULL UNIQUE,"					\
	"  provider TEXT NOT NULL,"					\
	"  services INTEGER NOT NULL,"					\
	"  revoked INTEGER NOT NULL DEFAULT 0,"				\
	"  created " INT64 " NOT NULL);"				\
	"CREATE TABLE IF NOT EXISTS group_members ("			\
	"  group_id INTEGER NOT NULL CHECK (group_id BETWEEN 0 AND 255)," \
	"  cn TEXT NOT NULL REFERENCES subscribers(cn),"		\
	"  PRIMARY KEY (group_id, cn));"				\
	"CREATE TABLE IF NOT EXISTS stations ("				\
	"  mac TEXT PRIMARY KEY,"					\
	"  idx INTEGER NOT NULL UNIQUE CHECK (idx BETWEEN 1 AND 4095));" \
	"CREATE TABLE IF NOT EXISTS sas ("				\
	"  said INTEGER PRIMARY KEY,"					\
	"  service INTEGER NOT NULL,"					\
	"  suite INTEGER NOT NULL,"					\
	"  group_id INTEGER,"						\
	"  owner TEXT);"						\
	"CREATE TABLE IF NOT EXISTS teks ("				\
	"  said INTEGER NOT NULL REFERENCES sas(said) ON DELETE CASCADE," \
	"  generation INTEGER NOT NULL CHECK (generation IN (0, 1)),"	\
	"  eks INTEGER NOT NULL CHECK (eks BETWEEN 0 AND 3),"		\
	"  key " BLOB " NOT NULL,"					\
	"  expires " INT64 " NOT NULL,"					\
	"  tx_pn_reserved " INT64 " NOT NULL DEFAULT " TEK_PN_UNKNOWN ","	\
	"  rx_pn " INT64 " NOT NULL DEFAULT 0,"				\
	"  PRIMARY KEY (said, generation));"				\
	"CREATE TABLE IF NOT EXISTS aks ("				\
	"  mac TEXT NOT NULL,"						\
	"  slot INTEGER NOT NULL CHECK (slot IN (0, 1)),"		\
	"  seq INTEGER NOT NULL,"					\
	"  ak " BLOB " NOT NULL,"					\
	"  expires " INT64 " NOT NULL,"					\
	"  tx_pn_reserved " INT64 " NOT NULL,"				\
	"  rx_next " INT64 " NOT NULL,"					\
	"  nonce " BLOB " NOT NULL,"					\
	"  PRIMARY KEY (mac, slot));"					\
	"CREATE TABLE IF NOT EXISTS group_trees ("			\
	"  group_id INTEGER PRIMARY KEY CHECK (group_id BETWEEN 0 AND 255)," \
	"  tree " BLOB " NOT NULL,"					\
	"  members " BLOB " NOT NULL,"					\
	"  rekey " BLOB " NOT NULL);"

const char store_schema_sqlite[] = SCHEMA("BLOB", "INTEGER");
const char store_schema_pg[] = SCHEMA("BYTEA", "BIGINT");

#define MIGRATE_1_TO_2(INT64)						\
	"ALTER TABLE teks ADD COLUMN tx_pn_reserved " INT64 " NOT NULL"	\
	"  DEFAULT " TEK_PN_UNKNOWN ";"					\
	"ALTER TABLE teks ADD COLUMN rx_pn " INT64 " NOT NULL DEFAULT 0;"

const char store_migrate_1_to_2_sqlite[] = MIGRATE_1_TO_2("INTEGER");
const char store_migrate_1_to_2_pg[] = MIGRATE_1_TO_2("BIGINT");

const struct store_sql_text store_sql[SQL_COUNT] = {
	[SQL_SUBSCRIBER_ADD] = { .both =
		"INSERT INTO subscribers (cn, mac, provider, services, revoked, created)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)" },
	[SQL_SUBSCRIBER_REVOKE] = { .both =
		"UPDATE subscribers SET revoked = 1 WHERE cn = ?1" },
	[SQL_SUBSCRIBER_EACH] = { .both =
		"SELECT cn, mac, provider, services, revoked, created"
		" FROM subscribers ORDER BY cn" },

	[SQL_MEMBER_ADD] = { .both =
		"INSERT INTO group_members (group_id, cn) VALUES (?1, ?2)" },
	[SQL_MEMBER_DEL] = { .both =
		"DELETE FROM group_members WHERE group_id = ?1 AND cn = ?2" },
	[SQL_MEMBER_EACH] = { .both =
		"SELECT group_id, cn FROM group_members ORDER BY group_id, cn" },

	[SQL_STATION_ADD] = { .both =
		"INSERT INTO stations (mac, idx) VALUES (?1, ?2)" },
	[SQL_STATION_EACH] = { .both =
		"SELECT mac, idx FROM stations ORDER BY idx" },

	[SQL_SA_PUT] = {
		.sqlite = "INSERT OR REPLACE INTO sas (said, service, suite, group_id, owner)"
			  " VALUES (?1, ?2, ?3, ?4, ?5)",
		.pg = "INSERT INTO sas (said, service, suite, group_id, owner)"
		      " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (said) DO UPDATE SET"
		      " service = EXCLUDED.service, suite = EXCLUDED.suite,"
		      " group_id = EXCLUDED.group_id, owner = EXCLUDED.owner" },
	[SQL_TEK_PUT] = {
		.sqlite = "INSERT OR REPLACE INTO teks (said, generation, eks, key,"
			  " expires, tx_pn_reserved, rx_pn)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		.pg = "INSERT INTO teks (said, generation, eks, key,"
		      " expires, tx_pn_reserved, rx_pn)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		      " ON CONFLICT (said, generation) DO UPDATE SET"
		      " eks = EXCLUDED.eks, key = EXCLUDED.key,"
		      " expires = EXCLUDED.expires,"
		      " tx_pn_reserved = EXCLUDED.tx_pn_reserved,"
		      " rx_pn = EXCLUDED.rx_pn" },
	[SQL_SA_DELETE] = { .both = "DELETE FROM sas WHERE said = ?1" },
	/* One row per TEK generation; an SA is complete with both. */
	[SQL_SA_EACH] = { .both =
		"SELECT s.said, s.service, s.suite, s.group_id, s.owner,"
		" t.generation, t.eks, t.key, t.expires, t.tx_pn_reserved,"
		" t.rx_pn FROM sas s JOIN teks t ON t.said = s.said"
		" ORDER BY s.said, t.generation" },
	/* Both generations of a tree group's TEK share its EKS; never down. */
	[SQL_TEK_SET_PN] = {
		.sqlite = "UPDATE teks SET"
			  " tx_pn_reserved = MAX(tx_pn_reserved, ?3),"
			  " rx_pn = MAX(rx_pn, ?4) WHERE said = ?1 AND eks = ?2",
		.pg = "UPDATE teks SET"
		      " tx_pn_reserved = GREATEST(tx_pn_reserved, ?3),"
		      " rx_pn = GREATEST(rx_pn, ?4) WHERE said = ?1 AND eks = ?2" },

	[SQL_AK_PUT] = {
		.sqlite = "INSERT OR REPLACE INTO aks (mac, slot, seq, ak, expires,"
			  " tx_pn_reserved, rx_next, nonce)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		.pg = "INSERT INTO aks (mac, slot, seq, ak, expires,"
		      " tx_pn_reserved, rx_next, nonce)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		      " ON CONFLICT (mac, slot) DO UPDATE SET"
		      " seq = EXCLUDED.seq, ak = EXCLUDED.ak,"
		      " expires = EXCLUDED.expires,"
		      " tx_pn_reserved = EXCLUDED.tx_pn_reserved,"
		      " rx_next = EXCLUDED.rx_next, nonce = EXCLUDED.nonce" },
	[SQL_AK_DELETE_ACTIVE] = { .both =
		"DELETE FROM aks WHERE mac = ?1 AND slot = 0" },
	[SQL_AK_PROMOTE] = { .both =
		"UPDATE aks SET slot = 0 WHERE mac = ?1 AND slot = 1" },
	[SQL_AK_DELETE] = { .both = "DELETE FROM aks WHERE mac = ?1" },
	[SQL_AK_SET_RX] = { .both =
		"UPDATE aks SET rx_next = ?3 WHERE mac = ?1 AND slot = ?2" },
	[SQL_AK_SET_TX] = { .both =
		"UPDATE aks SET tx_pn_reserved = ?3 WHERE mac = ?1 AND slot = ?2" },
	[SQL_AK_EACH] = { .both =
		"SELECT mac, slot, seq, ak, expires, tx_pn_reserved,"
		" rx_next, nonce FROM aks ORDER BY mac, slot" },

	[SQL_TREE_PUT] = {
		.sqlite = "INSERT OR REPLACE INTO group_trees"
			  " (group_id, tree, members, rekey) VALUES (?1, ?2, ?3, ?4)",
		.pg = "INSERT INTO group_trees (group_id, tree, members, rekey)"
		      " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (group_id) DO UPDATE SET"
		      " tree = EXCLUDED.tree, members = EXCLUDED.members,"
		      " rekey = EXCLUDED.rekey" },
	[SQL_TREE_LOAD] = { .both =
		"SELECT tree, members, rekey FROM group_trees WHERE group_id = ?1" },
	[SQL_TREE_DELETE] = { .both =
		"DELETE FROM group_trees WHERE group_id = ?1" },
};
