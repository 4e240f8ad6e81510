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

/*
 * A shared TEK's zone-wide PN mark (schema 4), under the key's SHA-256,
 * never the key.  Schema 3 kept them in zone_pns, which schema 4 drops
 * (store_migrate_3_to_4_*).
 */
#define ZONE_PN_MARKS(BLOB, INT64)					\
	"CREATE TABLE IF NOT EXISTS zone_pn_marks ("			\
	"  zone TEXT NOT NULL,"						\
	"  said INTEGER NOT NULL,"					\
	"  key_sha256 " BLOB " NOT NULL,"				\
	"  mark " INT64 " NOT NULL,"					\
	"  PRIMARY KEY (zone, said, key_sha256));"

/*
 * Schema 3 (Documentation/zones.rst): every row carries its scope.  zone
 * is the BS's [bs] zone ('' for a zone of one); bs is its bs-id on the
 * rows that are the BS's own (stations, AKs, unicast SAs), '' on the
 * zone's shared ones (multicast and broadcast SAs).  Statements name
 * their scope through pkmd_zone() and pkmd_bs(), which each backend
 * defines for its connection.
 */
#define SCHEMA(BLOB, INT64)						\
	"CREATE TABLE IF NOT EXISTS subscribers ("			\
	"  zone TEXT NOT NULL DEFAULT '',"				\
	"  cn TEXT NOT NULL,"						\
	"  mac TEXT NOT NULL,"						\
	"  provider TEXT NOT NULL,"					\
	"  services INTEGER NOT NULL,"					\
	"  revoked INTEGER NOT NULL DEFAULT 0,"				\
	"  created " INT64 " NOT NULL,"					\
	"  PRIMARY KEY (zone, cn), UNIQUE (zone, mac));"		\
	"CREATE TABLE IF NOT EXISTS group_members ("			\
	"  zone TEXT NOT NULL DEFAULT '',"				\
	"  group_id INTEGER NOT NULL CHECK (group_id BETWEEN 0 AND 255)," \
	"  cn TEXT NOT NULL,"						\
	"  PRIMARY KEY (zone, group_id, cn),"				\
	"  FOREIGN KEY (zone, cn) REFERENCES subscribers(zone, cn));"	\
	"CREATE TABLE IF NOT EXISTS stations ("				\
	"  zone TEXT NOT NULL DEFAULT '',"				\
	"  bs TEXT NOT NULL DEFAULT '',"				\
	"  mac TEXT NOT NULL,"						\
	"  idx INTEGER NOT NULL CHECK (idx BETWEEN 1 AND 4095),"	\
	"  PRIMARY KEY (zone, bs, mac), UNIQUE (zone, bs, idx));"	\
	"CREATE TABLE IF NOT EXISTS sas ("				\
	"  zone TEXT NOT NULL DEFAULT '',"				\
	"  bs TEXT NOT NULL DEFAULT '',"				\
	"  said INTEGER NOT NULL,"					\
	"  service INTEGER NOT NULL,"					\
	"  suite INTEGER NOT NULL,"					\
	"  group_id INTEGER,"						\
	"  owner TEXT,"							\
	"  PRIMARY KEY (zone, bs, said));"				\
	"CREATE TABLE IF NOT EXISTS teks ("				\
	"  zone TEXT NOT NULL DEFAULT '',"				\
	"  bs TEXT NOT NULL DEFAULT '',"				\
	"  said INTEGER NOT NULL,"					\
	"  generation INTEGER NOT NULL CHECK (generation IN (0, 1)),"	\
	"  eks INTEGER NOT NULL CHECK (eks BETWEEN 0 AND 3),"		\
	"  key " BLOB " NOT NULL,"					\
	"  expires " INT64 " NOT NULL,"					\
	"  tx_pn_reserved " INT64 " NOT NULL DEFAULT " TEK_PN_UNKNOWN ","	\
	"  rx_pn " INT64 " NOT NULL DEFAULT 0,"				\
	"  PRIMARY KEY (zone, bs, said, generation),"			\
	"  FOREIGN KEY (zone, bs, said) REFERENCES sas(zone, bs, said)"	\
	"   ON DELETE CASCADE);"					\
	"CREATE TABLE IF NOT EXISTS aks ("				\
	"  zone TEXT NOT NULL DEFAULT '',"				\
	"  bs TEXT NOT NULL DEFAULT '',"				\
	"  mac TEXT NOT NULL,"						\
	"  slot INTEGER NOT NULL CHECK (slot IN (0, 1)),"		\
	"  seq INTEGER NOT NULL,"					\
	"  ak " BLOB " NOT NULL,"					\
	"  expires " INT64 " NOT NULL,"					\
	"  tx_pn_reserved " INT64 " NOT NULL,"				\
	"  rx_next " INT64 " NOT NULL,"					\
	"  nonce " BLOB " NOT NULL,"					\
	"  PRIMARY KEY (zone, bs, mac, slot));"				\
	"CREATE TABLE IF NOT EXISTS group_trees ("			\
	"  zone TEXT NOT NULL DEFAULT '',"				\
	"  group_id INTEGER NOT NULL CHECK (group_id BETWEEN 0 AND 255)," \
	"  tree " BLOB " NOT NULL,"					\
	"  members " BLOB " NOT NULL,"					\
	"  rekey " BLOB " NOT NULL,"					\
	"  version " INT64 " NOT NULL DEFAULT 0,"			\
	"  PRIMARY KEY (zone, group_id));"				\
	"CREATE TABLE IF NOT EXISTS zone_leases ("			\
	"  zone TEXT NOT NULL,"						\
	"  said INTEGER NOT NULL,"					\
	"  holder TEXT NOT NULL,"					\
	"  expires " INT64 " NOT NULL,"					\
	"  PRIMARY KEY (zone, said));"					\
	ZONE_PN_MARKS(BLOB, INT64)					\
	"CREATE TABLE IF NOT EXISTS zone_joins ("			\
	"  zone TEXT NOT NULL,"						\
	"  group_id INTEGER NOT NULL CHECK (group_id BETWEEN 0 AND 255)," \
	"  cn TEXT NOT NULL,"						\
	"  ikey " BLOB " NOT NULL,"					\
	"  bs TEXT NOT NULL,"						\
	"  asked " INT64 " NOT NULL,"					\
	"  PRIMARY KEY (zone, group_id, cn));"				\
	"CREATE TABLE IF NOT EXISTS zone_sas ("				\
	"  zone TEXT NOT NULL,"						\
	"  said INTEGER NOT NULL,"					\
	"  service INTEGER NOT NULL,"					\
	"  suite INTEGER NOT NULL,"					\
	"  group_id INTEGER,"						\
	"  tree INTEGER NOT NULL,"					\
	"  degree INTEGER NOT NULL,"					\
	"  PRIMARY KEY (zone, said), UNIQUE (zone, group_id));"		\
	"CREATE TABLE IF NOT EXISTS zone_bss ("				\
	"  zone TEXT NOT NULL,"						\
	"  bs TEXT NOT NULL,"						\
	"  instance TEXT NOT NULL,"					\
	"  seen " INT64 " NOT NULL,"					\
	"  PRIMARY KEY (zone, bs));"					\
	"CREATE TABLE IF NOT EXISTS zone_rekeys ("		\
	"  zone TEXT NOT NULL,"						\
	"  said INTEGER NOT NULL,"					\
	"  cn TEXT NOT NULL,"						\
	"  PRIMARY KEY (zone, said, cn));"

const char store_schema_sqlite[] = SCHEMA("BLOB", "INTEGER");
const char store_schema_pg[] = SCHEMA("BYTEA", "BIGINT");

#define MIGRATE_1_TO_2(INT64)						\
	"ALTER TABLE teks ADD COLUMN tx_pn_reserved " INT64 " NOT NULL"	\
	"  DEFAULT " TEK_PN_UNKNOWN ";"					\
	"ALTER TABLE teks ADD COLUMN rx_pn " INT64 " NOT NULL DEFAULT 0;"

const char store_migrate_1_to_2_sqlite[] = MIGRATE_1_TO_2("INTEGER");
const char store_migrate_1_to_2_pg[] = MIGRATE_1_TO_2("BIGINT");

/*
 * Schema 2 to 3: the tables of schema 2 (made if missing) are renamed, schema 3's are
 * made, every row is copied with zone '' and BS '' (a zone of one), and
 * the old tables go, children first.  SQLite cannot change a primary key
 * in place, so both dialects rebuild; PostgreSQL names the new tables'
 * constraints around the old ones' names.
 */
/* Schema 2, as a database of it may lack tables (schema 1 on SQLite). */
#define SCHEMA_2(BLOB, INT64)						\
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


#define RENAME(T)	"ALTER TABLE " T " RENAME TO " T "_v2;"
#define MIGRATE_2_TO_3(BLOB, INT64)					\
	SCHEMA_2(BLOB, INT64)						\
	RENAME("subscribers") RENAME("group_members") RENAME("stations")	\
	RENAME("sas") RENAME("teks") RENAME("aks") RENAME("group_trees")	\
	SCHEMA(BLOB, INT64)						\
	"INSERT INTO subscribers (cn, mac, provider, services, revoked, created)" \
	" SELECT cn, mac, provider, services, revoked, created FROM subscribers_v2;" \
	"INSERT INTO group_members (group_id, cn)"			\
	" SELECT group_id, cn FROM group_members_v2;"			\
	"INSERT INTO stations (mac, idx) SELECT mac, idx FROM stations_v2;" \
	"INSERT INTO sas (said, service, suite, group_id, owner)"	\
	" SELECT said, service, suite, group_id, owner FROM sas_v2;"	\
	"INSERT INTO teks (said, generation, eks, key, expires,"	\
	"  tx_pn_reserved, rx_pn) SELECT said, generation, eks, key, expires," \
	"  tx_pn_reserved, rx_pn FROM teks_v2;"				\
	"INSERT INTO aks (mac, slot, seq, ak, expires, tx_pn_reserved,"	\
	"  rx_next, nonce) SELECT mac, slot, seq, ak, expires,"		\
	"  tx_pn_reserved, rx_next, nonce FROM aks_v2;"			\
	"INSERT INTO group_trees (group_id, tree, members, rekey)"	\
	" SELECT group_id, tree, members, rekey FROM group_trees_v2;"	\
	"DROP TABLE group_members_v2; DROP TABLE subscribers_v2;"	\
	"DROP TABLE teks_v2; DROP TABLE sas_v2; DROP TABLE stations_v2;"	\
	"DROP TABLE aks_v2; DROP TABLE group_trees_v2;"

const char store_migrate_2_to_3_sqlite[] = MIGRATE_2_TO_3("BLOB", "INTEGER");
const char store_migrate_2_to_3_pg[] = MIGRATE_2_TO_3("BYTEA", "BIGINT");

/*
 * Schema 3 to 4 (zones.rst, "Upgrading a zone"): the PN marks move from
 * zone_pns to zone_pn_marks, each under the TEK's SHA-256 (the first
 * pkmd of zones kept some under the TEK itself, 16 bytes; later ones
 * under the digest, 32), the higher mark where a key has both; zone_pns
 * goes in the same transaction.  A pkmd of schema 3 still running then
 * takes no PN block at all (its statement names a table that is gone,
 * and it cannot prepare its statements on a new connection) instead of
 * starting a key the zone already used again at PN 0.  zone_pns is made
 * first where it is missing (a database of schema 1 or 2, which schema
 * 3's tables were just made for).  sha256() is PostgreSQL's (11 or
 * later), and on SQLite the one each connection of pkmd defines.
 */
#define MIGRATE_3_TO_4(BLOB, INT64, GREATEST)				\
	"CREATE TABLE IF NOT EXISTS zone_pns ("				\
	"  zone TEXT NOT NULL,"						\
	"  said INTEGER NOT NULL,"					\
	"  key " BLOB " NOT NULL,"					\
	"  mark " INT64 " NOT NULL,"					\
	"  PRIMARY KEY (zone, said, key));"				\
	ZONE_PN_MARKS(BLOB, INT64)					\
	"INSERT INTO zone_pn_marks (zone, said, key_sha256, mark)"	\
	" SELECT zone, said, CASE WHEN length(key) = 32 THEN key"	\
	"  ELSE sha256(key) END, max(mark) FROM zone_pns WHERE true"	\
	" GROUP BY 1, 2, 3"						\
	" ON CONFLICT (zone, said, key_sha256) DO UPDATE SET"		\
	" mark = " GREATEST "(zone_pn_marks.mark, excluded.mark);"	\
	"DROP TABLE zone_pns;"

const char store_migrate_3_to_4_sqlite[] = MIGRATE_3_TO_4("BLOB", "INTEGER", "MAX");
const char store_migrate_3_to_4_pg[] = MIGRATE_3_TO_4("BYTEA", "BIGINT", "GREATEST");

/* Milliseconds since the epoch in the database's clock (zone leases). */
#define NOW_MS_SQLITE	"CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
#define NOW_MS_PG	"(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

/* The scope of a statement's rows. */
#define ZONE		"zone = pkmd_zone()"
#define OWN		"zone = pkmd_zone() AND bs = pkmd_bs()"
/* this BS's SAs and the zone's shared ones */
#define SEEN		"zone = pkmd_zone() AND bs IN (pkmd_bs(), '')"
/* where an SA's rows go: the BS's own for a unicast SA (it has an owner) */
#define SA_BS(owner)	"CASE WHEN " owner " IS NULL THEN '' ELSE pkmd_bs() END"
/* this instance holds its bs-id's claim (a BS outside any zone: always) */
#define CLAIMED		"(pkmd_bs() = '' OR EXISTS (SELECT 1 FROM zone_bss"	\
			" WHERE zone = pkmd_zone() AND bs = pkmd_bs()"		\
			" AND instance = pkmd_instance()))"
#define BS_OF_SA(said)	"(SELECT bs FROM sas WHERE " SEEN " AND said = " said ")"

const struct store_sql_text store_sql[SQL_COUNT] = {
	[SQL_SUBSCRIBER_ADD] = { .both =
		"INSERT INTO subscribers (zone, cn, mac, provider, services, revoked, created)"
		" VALUES (pkmd_zone(), ?1, ?2, ?3, ?4, ?5, ?6)" },
	[SQL_SUBSCRIBER_REVOKE] = { .both =
		"UPDATE subscribers SET revoked = 1 WHERE " ZONE " AND cn = ?1" },
	/*
	 * With a revocation in a zone: each shared SA needs new TEKs
	 * because of it, until its writer has replaced them (zones.rst).
	 */
	[SQL_REPLACE_PUT] = { .both =
		"INSERT INTO zone_rekeys (zone, said, cn)"
		" SELECT zone, said, ?1 FROM sas WHERE " ZONE " AND bs = ''"
		" AND pkmd_bs() <> '' ON CONFLICT DO NOTHING" },
	[SQL_REPLACE_EACH] = { .both =
		"SELECT said, cn FROM zone_rekeys WHERE " ZONE
		" ORDER BY said, cn" },
	[SQL_REPLACE_DONE] = { .both =
		"DELETE FROM zone_rekeys WHERE " ZONE " AND said = ?1"
		" AND cn = ?2" },
	[SQL_SUBSCRIBER_EACH] = { .both =
		"SELECT cn, mac, provider, services, revoked, created"
		" FROM subscribers WHERE " ZONE " ORDER BY cn" },

	[SQL_MEMBER_ADD] = { .both =
		"INSERT INTO group_members (zone, group_id, cn)"
		" VALUES (pkmd_zone(), ?1, ?2)" },
	[SQL_MEMBER_DEL] = { .both =
		"DELETE FROM group_members WHERE " ZONE " AND group_id = ?1 AND cn = ?2" },
	[SQL_MEMBER_EACH] = { .both =
		"SELECT group_id, cn FROM group_members WHERE " ZONE
		" ORDER BY group_id, cn" },

	/*
	 * A BS's own rows are written and deleted only by the instance
	 * holding its bs-id's claim (CLAIMED): one deposed while it was
	 * stalled changes none of its successor's.  An insert refused so
	 * inserts nothing, which the backends report as -EPERM.
	 */
	[SQL_STATION_ADD] = {
		.sqlite = "INSERT INTO stations (zone, bs, mac, idx)"
			  " SELECT pkmd_zone(), pkmd_bs(), ?1, ?2 WHERE " CLAIMED,
		.pg = "INSERT INTO stations (zone, bs, mac, idx)"
		      " SELECT pkmd_zone(), pkmd_bs(), ?1::text, ?2::int WHERE " CLAIMED },
	[SQL_STATION_EACH] = { .both =
		"SELECT mac, idx FROM stations WHERE " OWN " ORDER BY idx" },

	[SQL_SA_PUT] = {
		.sqlite = "INSERT OR REPLACE INTO sas (zone, bs, said, service, suite,"
			  " group_id, owner) SELECT pkmd_zone(), " SA_BS("?5") ","
			  " ?1, ?2, ?3, ?4, ?5 WHERE " CLAIMED,
		.pg = "INSERT INTO sas (zone, bs, said, service, suite, group_id, owner)"
		      " SELECT pkmd_zone(), " SA_BS("?5::text") ", ?1::int, ?2::int,"
		      " ?3::int, ?4::int, ?5::text WHERE " CLAIMED
		      " ON CONFLICT (zone, bs, said) DO UPDATE SET"
		      " service = EXCLUDED.service, suite = EXCLUDED.suite,"
		      " group_id = EXCLUDED.group_id, owner = EXCLUDED.owner" },
	[SQL_TEK_PUT] = {
		.sqlite = "INSERT OR REPLACE INTO teks (zone, bs, said, generation, eks,"
			  " key, expires, tx_pn_reserved, rx_pn)"
			  " VALUES (pkmd_zone(), " BS_OF_SA("?1") ","
			  " ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		.pg = "INSERT INTO teks (zone, bs, said, generation, eks, key,"
		      " expires, tx_pn_reserved, rx_pn)"
		      " VALUES (pkmd_zone(), " BS_OF_SA("?1") ","
		      " ?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		      " ON CONFLICT (zone, bs, said, generation) DO UPDATE SET"
		      " eks = EXCLUDED.eks, key = EXCLUDED.key,"
		      " expires = EXCLUDED.expires,"
		      " tx_pn_reserved = EXCLUDED.tx_pn_reserved,"
		      " rx_pn = EXCLUDED.rx_pn" },
	/*
	 * A BS's own SAs only: a BS of a zone never deletes the zone's
	 * shared ones, which the others may still use (zones.rst).
	 */
	[SQL_SA_DELETE] = { .both =
		"DELETE FROM sas WHERE " OWN " AND said = ?1 AND " CLAIMED },
	/* One row per TEK generation; an SA is complete with both. */
	[SQL_SA_EACH] = { .both =
		"SELECT s.said, s.service, s.suite, s.group_id, s.owner,"
		" t.generation, t.eks, t.key, t.expires, t.tx_pn_reserved,"
		" t.rx_pn FROM sas s JOIN teks t ON t.zone = s.zone"
		" AND t.bs = s.bs AND t.said = s.said"
		" WHERE s.zone = pkmd_zone() AND s.bs IN (pkmd_bs(), '')"
		" ORDER BY s.said, t.generation" },
	/* Both generations of a tree group's TEK share its EKS; never down. */
	[SQL_TEK_SET_PN] = {
		.sqlite = "UPDATE teks SET"
			  " tx_pn_reserved = MAX(tx_pn_reserved, ?3),"
			  " rx_pn = MAX(rx_pn, ?4) WHERE " SEEN
			  " AND said = ?1 AND eks = ?2",
		.pg = "UPDATE teks SET"
		      " tx_pn_reserved = GREATEST(tx_pn_reserved, ?3),"
		      " rx_pn = GREATEST(rx_pn, ?4) WHERE " SEEN
		      " AND said = ?1 AND eks = ?2" },

	[SQL_AK_PUT] = {
		.sqlite = "INSERT OR REPLACE INTO aks (zone, bs, mac, slot, seq, ak,"
			  " expires, tx_pn_reserved, rx_next, nonce)"
			  " SELECT pkmd_zone(), pkmd_bs(), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8"
			  " WHERE " CLAIMED,
		.pg = "INSERT INTO aks (zone, bs, mac, slot, seq, ak, expires,"
		      " tx_pn_reserved, rx_next, nonce)"
		      " SELECT pkmd_zone(), pkmd_bs(), ?1::text, ?2::int, ?3::int,"
		      " ?4::bytea, ?5::bigint, ?6::bigint, ?7::bigint, ?8::bytea"
		      " WHERE " CLAIMED
		      " ON CONFLICT (zone, bs, mac, slot) DO UPDATE SET"
		      " seq = EXCLUDED.seq, ak = EXCLUDED.ak,"
		      " expires = EXCLUDED.expires,"
		      " tx_pn_reserved = EXCLUDED.tx_pn_reserved,"
		      " rx_next = EXCLUDED.rx_next, nonce = EXCLUDED.nonce" },
	[SQL_AK_DELETE_ACTIVE] = { .both =
		"DELETE FROM aks WHERE " OWN " AND mac = ?1 AND slot = 0"
		" AND " CLAIMED },
	[SQL_AK_PROMOTE] = { .both =
		"UPDATE aks SET slot = 0 WHERE " OWN " AND mac = ?1 AND slot = 1"
		" AND " CLAIMED },
	[SQL_AK_DELETE] = { .both =
		"DELETE FROM aks WHERE " OWN " AND mac = ?1 AND " CLAIMED },
	[SQL_AK_SET_RX] = { .both =
		"UPDATE aks SET rx_next = ?3 WHERE " OWN " AND mac = ?1 AND slot = ?2"
		" AND " CLAIMED },
	/*
	 * A batch's receive windows in one statement (PostgreSQL only,
	 * store_pg.c): arrays of MACs, slots and windows, one entry per AK.
	 */
	[SQL_AK_SET_RX_MANY] = {
		.pg = "SELECT pkmd_ak_set_rx(?1::text[], ?2::int[], ?3::bigint[])" },
	[SQL_AK_SET_TX] = { .both =
		"UPDATE aks SET tx_pn_reserved = ?3 WHERE " OWN
		" AND mac = ?1 AND slot = ?2 AND " CLAIMED },
	[SQL_AK_EACH] = { .both =
		"SELECT mac, slot, seq, ak, expires, tx_pn_reserved,"
		" rx_next, nonce FROM aks WHERE " OWN " ORDER BY mac, slot" },

	/* Each save raises the tree's version, by which the zone's BSs see it. */
	[SQL_TREE_PUT] = {
		.sqlite = "INSERT INTO group_trees (zone, group_id, tree, members, rekey)"
			  " VALUES (pkmd_zone(), ?1, ?2, ?3, ?4)"
			  " ON CONFLICT (zone, group_id) DO UPDATE SET"
			  " tree = excluded.tree, members = excluded.members,"
			  " rekey = excluded.rekey, version = version + 1",
		.pg = "INSERT INTO group_trees (zone, group_id, tree, members, rekey)"
		      " VALUES (pkmd_zone(), ?1, ?2, ?3, ?4)"
		      " ON CONFLICT (zone, group_id) DO UPDATE SET"
		      " tree = EXCLUDED.tree, members = EXCLUDED.members,"
		      " rekey = EXCLUDED.rekey,"
		      " version = group_trees.version + 1" },
	[SQL_TREE_LOAD] = { .both =
		"SELECT tree, members, rekey, version FROM group_trees"
		" WHERE " ZONE " AND group_id = ?1" },
	/* Not a zone's shared tree: only a BS outside any zone (bs '') may. */
	[SQL_TREE_DELETE] = { .both =
		"DELETE FROM group_trees WHERE " ZONE " AND group_id = ?1"
		" AND pkmd_bs() = ''" },
	[SQL_TREE_VERSIONS] = { .both =
		"SELECT group_id, version FROM group_trees WHERE " ZONE
		" ORDER BY group_id" },

	/*
	 * A shared TEK's downlink PNs, taken in blocks by the zone's BSs
	 * (zones.rst): one statement moves the key's mark by the block and
	 * returns where the block ends, relative to the row as it is when
	 * the statement gets its lock, so no two BSs get the same block.
	 * A mark is never forgotten: a key missing from teks (a lost row,
	 * a writer about to save it again) may still be in some kernel.
	 */
	[SQL_TEK_PN_TAKE] = {
		.sqlite = "INSERT INTO zone_pn_marks (zone, said, key_sha256, mark)"
			  " VALUES (pkmd_zone(), ?1, ?2, ?3)"
			  " ON CONFLICT (zone, said, key_sha256) DO UPDATE SET"
			  " mark = mark + excluded.mark RETURNING mark",
		.pg = "INSERT INTO zone_pn_marks (zone, said, key_sha256, mark)"
		      " VALUES (pkmd_zone(), ?1, ?2, ?3)"
		      " ON CONFLICT (zone, said, key_sha256) DO UPDATE SET"
		      " mark = zone_pn_marks.mark + EXCLUDED.mark RETURNING mark" },

	/*
	 * A shared SA's lease: taken when free or expired, renewed by its
	 * holder; a row comes back when this BS holds it.
	 */
	[SQL_LEASE_TAKE] = {
		.sqlite = "INSERT INTO zone_leases (zone, said, holder, expires)"
			  " SELECT pkmd_zone(), ?1, pkmd_bs(), " NOW_MS_SQLITE " + ?2"
			  " WHERE " CLAIMED
			  " ON CONFLICT (zone, said) DO UPDATE SET"
			  " holder = excluded.holder, expires = excluded.expires"
			  " WHERE holder = excluded.holder OR expires < " NOW_MS_SQLITE
			  " RETURNING holder",
		.pg = "INSERT INTO zone_leases (zone, said, holder, expires)"
		      " SELECT pkmd_zone(), ?1, pkmd_bs(), " NOW_MS_PG " + ?2"
		      " WHERE " CLAIMED
		      " ON CONFLICT (zone, said) DO UPDATE SET"
		      " holder = EXCLUDED.holder, expires = EXCLUDED.expires"
		      " WHERE zone_leases.holder = EXCLUDED.holder"
		      " OR zone_leases.expires < " NOW_MS_PG
		      " RETURNING holder" },
	[SQL_LEASE_RELEASE] = { .both =
		"DELETE FROM zone_leases WHERE " ZONE " AND said = ?1"
		" AND holder = pkmd_bs() AND " CLAIMED },
	/* The writer's fence: in its commit's transaction, the row locked. */
	[SQL_LEASE_HELD] = {
		.sqlite = "SELECT holder FROM zone_leases WHERE " ZONE
			  " AND said = ?1 AND holder = pkmd_bs()"
			  " AND expires > " NOW_MS_SQLITE " AND " CLAIMED,
		/* the claim's row locked too: no new instance meanwhile */
		.pg = "SELECT l.holder FROM zone_leases l JOIN zone_bss b"
		      " ON b.zone = l.zone AND b.bs = l.holder"
		      " WHERE l.zone = pkmd_zone() AND l.said = ?1"
		      " AND l.holder = pkmd_bs() AND b.instance = pkmd_instance()"
		      " AND l.expires > " NOW_MS_PG " FOR UPDATE" },
	[SQL_LEASE_HOLDER] = {
		.sqlite = "SELECT holder, expires - " NOW_MS_SQLITE
			  " FROM zone_leases WHERE " ZONE " AND said = ?1",
		.pg = "SELECT holder, expires - " NOW_MS_PG
		      " FROM zone_leases WHERE " ZONE " AND said = ?1" },

	[SQL_JOIN_PUT] = {
		.sqlite = "INSERT OR REPLACE INTO zone_joins (zone, group_id, cn, ikey,"
			  " bs, asked) SELECT pkmd_zone(), ?1, ?2, ?3, pkmd_bs(), ?4"
			  " WHERE " CLAIMED,
		.pg = "INSERT INTO zone_joins (zone, group_id, cn, ikey, bs, asked)"
		      " SELECT pkmd_zone(), ?1::int, ?2::text, ?3::bytea, pkmd_bs(),"
		      " ?4::bigint WHERE " CLAIMED
		      " ON CONFLICT (zone, group_id, cn) DO UPDATE SET"
		      " ikey = EXCLUDED.ikey, bs = EXCLUDED.bs,"
		      " asked = EXCLUDED.asked" },
	/*
	 * Each join with whether the database allows it now: its subscriber
	 * unrevoked, a member, holding an unexpired AK at some BS of the zone.
	 */
	[SQL_JOIN_EACH] = {
		.sqlite = "SELECT j.cn, j.ikey, j.bs, EXISTS (SELECT 1 FROM subscribers s"
			  " JOIN group_members m ON m.zone = s.zone AND m.cn = s.cn"
			  " JOIN aks a ON a.zone = s.zone AND a.mac = s.mac"
			  " WHERE s.zone = j.zone AND s.cn = j.cn AND s.revoked = 0"
			  " AND m.group_id = j.group_id"
			  " AND a.expires > " NOW_MS_SQLITE " / 1000)"
			  " FROM zone_joins j WHERE j.zone = pkmd_zone()"
			  " AND j.group_id = ?1 ORDER BY j.asked, j.cn",
		.pg = "SELECT j.cn, j.ikey, j.bs, EXISTS (SELECT 1 FROM subscribers s"
		      " JOIN group_members m ON m.zone = s.zone AND m.cn = s.cn"
		      " JOIN aks a ON a.zone = s.zone AND a.mac = s.mac"
		      " WHERE s.zone = j.zone AND s.cn = j.cn AND s.revoked = 0"
		      " AND m.group_id = j.group_id"
		      " AND a.expires > " NOW_MS_PG " / 1000)::int"
		      " FROM zone_joins j WHERE j.zone = pkmd_zone()"
		      " AND j.group_id = ?1 ORDER BY j.asked, j.cn" },
	[SQL_JOIN_DELETE] = { .both =
		"DELETE FROM zone_joins WHERE " ZONE " AND group_id = ?1"
		" AND cn = ?2 AND ikey = ?3" },
	/* Whether some BS of the zone holds a current AK of the station. */
	[SQL_ZONE_AK_CURRENT] = { .both =
		"SELECT count(*) FROM aks WHERE " ZONE " AND mac = ?1"
		" AND expires > ?2" },
	/*
	 * This instance's claim of its bs-id (zones.rst): made, or renewed,
	 * unless another instance's was seen within ?1 ms; a row back
	 * means this instance holds it.
	 */
	[SQL_BS_CLAIM] = {
		.sqlite = "INSERT INTO zone_bss (zone, bs, instance, seen)"
			  " VALUES (pkmd_zone(), pkmd_bs(), pkmd_instance(), " NOW_MS_SQLITE ")"
			  " ON CONFLICT (zone, bs) DO UPDATE SET"
			  " instance = excluded.instance, seen = excluded.seen"
			  " WHERE instance = excluded.instance"
			  " OR seen < excluded.seen - ?1 RETURNING instance",
		.pg = "INSERT INTO zone_bss (zone, bs, instance, seen)"
		      " VALUES (pkmd_zone(), pkmd_bs(), pkmd_instance(), " NOW_MS_PG ")"
		      " ON CONFLICT (zone, bs) DO UPDATE SET"
		      " instance = EXCLUDED.instance, seen = EXCLUDED.seen"
		      " WHERE zone_bss.instance = EXCLUDED.instance"
		      " OR zone_bss.seen < EXCLUDED.seen - ?1 RETURNING instance" },
	[SQL_BS_UNCLAIM] = { .both =
		"DELETE FROM zone_bss WHERE " OWN " AND instance = pkmd_instance()" },
	/* A shared SA's defining configuration: the first BS's (zones.rst). */
	[SQL_ZONE_SA_PUT] = { .both =
		"INSERT INTO zone_sas (zone, said, service, suite, group_id, tree,"
		" degree) VALUES (pkmd_zone(), ?1, ?2, ?3, ?4, ?5, ?6)"
		" ON CONFLICT DO NOTHING" },
	[SQL_ZONE_SA_GET] = { .both =
		"SELECT service, suite, group_id, tree, degree FROM zone_sas"
		" WHERE " ZONE " AND said = ?1" },
};
