// SPDX-License-Identifier: GPL-2.0
/*
 * The database, on each backend: every record type written, read back
 * after closing and reopening (what a restart does), the refusals the
 * daemon relies on, group commit and the schema's migration; on
 * PostgreSQL also a connection the server drops.
 *
 * The PostgreSQL cases need a server: tools/pg-test-server run (which
 * make test uses) starts one and says where in PKMD_TEST_POSTGRESQL.
 * Without one they fail, saying why.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "store.h"
#include "tap.h"

struct seen {
	int n;
	struct store_subscriber subs[8];
	uint8_t groups[8];
	char members[8][STORE_CN_MAX + 1];
	uint8_t macs[8][MAC_LEN];
	uint16_t indexes[8];
	struct store_sa sas[8];
	struct store_ak aks[8];
};

static int on_sub(void *arg, const struct store_subscriber *s)
{
	struct seen *z = arg;

	z->subs[z->n++] = *s;
	return 0;
}

static int on_member(void *arg, uint8_t group, const char *cn)
{
	struct seen *z = arg;

	z->groups[z->n] = group;
	snprintf(z->members[z->n++], STORE_CN_MAX + 1, "%s", cn);
	return 0;
}

static int on_station(void *arg, const uint8_t mac[MAC_LEN], uint16_t index)
{
	struct seen *z = arg;

	memcpy(z->macs[z->n], mac, MAC_LEN);
	z->indexes[z->n++] = index;
	return 0;
}

static int on_sa(void *arg, const struct store_sa *sa)
{
	struct seen *z = arg;

	z->sas[z->n++] = *sa;
	return 0;
}

static int on_ak(void *arg, const struct store_ak *ak)
{
	struct seen *z = arg;

	z->aks[z->n++] = *ak;
	return 0;
}

/*
 * A backend under test: a fresh database for each case, and a second
 * connection of the test's own to look at what is committed.
 */
struct backend {
	const char *name;
	enum config_db db;
	const char *dir;		/* SQLite: the files; PostgreSQL: the socket */
	char where[512];		/* the current database: path or URI */
	char dbname[64];
	/* the schema 1 tables an older pkmd made, in the dialect */
	const char *schema_1;
	const char *schema_2;		/* a schema 2 database, a row per table */
	const char *schema_later;	/* marks the database as schema 5 */
};

/* ---- SQLite ---- */

static const char schema_1_sqlite[] =
	"CREATE TABLE sas (said INTEGER PRIMARY KEY, service INTEGER NOT NULL,"
	"  suite INTEGER NOT NULL, group_id INTEGER, owner TEXT);"
	"CREATE TABLE teks ("
	"  said INTEGER NOT NULL REFERENCES sas(said) ON DELETE CASCADE,"
	"  generation INTEGER NOT NULL CHECK (generation IN (0, 1)),"
	"  eks INTEGER NOT NULL CHECK (eks BETWEEN 0 AND 3),"
	"  key BLOB NOT NULL, expires INTEGER NOT NULL,"
	"  PRIMARY KEY (said, generation));"
	"INSERT INTO sas VALUES (65535, 2, 2, NULL, NULL);"
	"INSERT INTO teks VALUES (65535, 0, 2, x'0102030405060708090a0b0c0d0e0f10', 1900000000);"
	"INSERT INTO teks VALUES (65535, 1, 3, x'1112131415161718191a1b1c1d1e1f20', 1900043200);"
	"PRAGMA user_version = 1;";

static const char schema_1_pg[] =
	"CREATE TABLE sas (said INTEGER PRIMARY KEY, service INTEGER NOT NULL,"
	"  suite INTEGER NOT NULL, group_id INTEGER, owner TEXT);"
	"CREATE TABLE teks ("
	"  said INTEGER NOT NULL REFERENCES sas(said) ON DELETE CASCADE,"
	"  generation INTEGER NOT NULL CHECK (generation IN (0, 1)),"
	"  eks INTEGER NOT NULL CHECK (eks BETWEEN 0 AND 3),"
	"  key BYTEA NOT NULL, expires BIGINT NOT NULL,"
	"  PRIMARY KEY (said, generation));"
	"INSERT INTO sas VALUES (65535, 2, 2, NULL, NULL);"
	"INSERT INTO teks VALUES (65535, 0, 2, '\\x0102030405060708090a0b0c0d0e0f10', 1900000000);"
	"INSERT INTO teks VALUES (65535, 1, 3, '\\x1112131415161718191a1b1c1d1e1f20', 1900043200);"
	"CREATE TABLE pkmd_schema (version INTEGER NOT NULL);"
	"INSERT INTO pkmd_schema VALUES (1);";

/* A schema 2 database with a row in each table, in either dialect. */
#define SCHEMA_2(BLOB, INT64, HEX, VERSION)				\
	"CREATE TABLE subscribers (cn TEXT PRIMARY KEY,"		\
	"  mac TEXT NOT NULL UNIQUE, provider TEXT NOT NULL,"		\
	"  services INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0," \
	"  created " INT64 " NOT NULL);"				\
	"CREATE TABLE group_members (group_id INTEGER NOT NULL,"	\
	"  cn TEXT NOT NULL REFERENCES subscribers(cn),"		\
	"  PRIMARY KEY (group_id, cn));"				\
	"CREATE TABLE stations (mac TEXT PRIMARY KEY,"			\
	"  idx INTEGER NOT NULL UNIQUE);"				\
	"CREATE TABLE sas (said INTEGER PRIMARY KEY, service INTEGER NOT NULL," \
	"  suite INTEGER NOT NULL, group_id INTEGER, owner TEXT);"	\
	"CREATE TABLE teks ("						\
	"  said INTEGER NOT NULL REFERENCES sas(said) ON DELETE CASCADE," \
	"  generation INTEGER NOT NULL, eks INTEGER NOT NULL,"		\
	"  key " BLOB " NOT NULL, expires " INT64 " NOT NULL,"		\
	"  tx_pn_reserved " INT64 " NOT NULL, rx_pn " INT64 " NOT NULL," \
	"  PRIMARY KEY (said, generation));"				\
	"CREATE TABLE aks (mac TEXT NOT NULL, slot INTEGER NOT NULL,"	\
	"  seq INTEGER NOT NULL, ak " BLOB " NOT NULL,"			\
	"  expires " INT64 " NOT NULL, tx_pn_reserved " INT64 " NOT NULL," \
	"  rx_next " INT64 " NOT NULL, nonce " BLOB " NOT NULL,"	\
	"  PRIMARY KEY (mac, slot));"					\
	"CREATE TABLE group_trees (group_id INTEGER PRIMARY KEY,"	\
	"  tree " BLOB " NOT NULL, members " BLOB " NOT NULL,"		\
	"  rekey " BLOB " NOT NULL);"					\
	"INSERT INTO subscribers VALUES ('ss-a', '02:16:00:00:00:11', 'net-a', 5, 0, 1700000000);" \
	"INSERT INTO group_members VALUES (5, 'ss-a');"			\
	"INSERT INTO stations VALUES ('02:16:00:00:00:11', 1);"		\
	"INSERT INTO sas VALUES (8193, 0, 2, NULL, '02:16:00:00:00:11');" \
	"INSERT INTO sas VALUES (65029, 1, 2, 5, NULL);"		\
	"INSERT INTO teks VALUES (8193, 0, 1, " HEX(K1) ", 1900000000, 4096, 3);" \
	"INSERT INTO teks VALUES (8193, 1, 2, " HEX(K2) ", 1900043200, 1024, 0);" \
	"INSERT INTO teks VALUES (65029, 0, 3, " HEX(K2) ", 1900000000, 2048, 0);" \
	"INSERT INTO teks VALUES (65029, 1, 3, " HEX(K2) ", 1900000000, 2048, 0);" \
	"INSERT INTO aks VALUES ('02:16:00:00:00:11', 0, 4, " HEX(K1 "a1a2a3a4") \
	", 1900000000, 512, 9, " HEX("0102030405060708") ");"		\
	"INSERT INTO group_trees VALUES (5, " HEX("aa") ", " HEX("bbbb") ", " HEX("cc") ");" \
	VERSION

#define K1		"0102030405060708090a0b0c0d0e0f10"
#define K2		"1112131415161718191a1b1c1d1e1f20"
#define HEX_SQLITE(h)	"x'" h "'"
#define HEX_PG(h)	"'\\x" h "'"

static const char schema_2_sqlite[] =
	SCHEMA_2("BLOB", "INTEGER", HEX_SQLITE, "PRAGMA user_version = 2;");
static const char schema_2_pg[] =
	SCHEMA_2("BYTEA", "BIGINT", HEX_PG,
		 "CREATE TABLE pkmd_schema (version INTEGER NOT NULL);"
		 "INSERT INTO pkmd_schema VALUES (2);");

static void sqlite_remove(const char *path)
{
	const char *suffix[] = { "-wal", "-shm", "-journal", "" };
	char name[600];

	for (size_t i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffix[i]);
		unlink(name);
	}
}

/* ---- PostgreSQL ---- */

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static PGconn *pg_connect(const struct backend *b, const char *dbname)
{
	char uri[512];
	PGconn *c;

	snprintf(uri, sizeof(uri), "postgresql:///%s?host=%s&user=pkmd",
		 dbname, b->dir);
	c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK) {
		printf("# %s: %s", dbname, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

/* Runs SQL in a connection of the test's own; 0 or -1. */
static int pg_exec(const struct backend *b, const char *dbname, const char *sql)
{
	PGconn *c = pg_connect(b, dbname);
	PGresult *r;
	int ok;

	if (!c)
		return -1;
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	     PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		printf("# %s", PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* One value of a query, as a number; -1 if none. */
static long long pg_value(const struct backend *b, const char *sql)
{
	PGconn *c = pg_connect(b, b->dbname);
	long long v = -1;
	PGresult *r;

	if (!c)
		return -1;
	r = PQexec(c, sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	    !PQgetisnull(r, 0, 0))
		v = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return v;
}

/* ---- either ---- */

/* A new, empty database NAME; 0 or -1. */
static int fresh(struct backend *b, const char *name)
{
	char sql[128];

	snprintf(b->dbname, sizeof(b->dbname), "%s", name);
	if (b->db == DB_SQLITE) {
		snprintf(b->where, sizeof(b->where), "%s/%s.db", b->dir, name);
		sqlite_remove(b->where);
		return 0;
	}
	snprintf(b->where, sizeof(b->where),
		 "postgresql:///%s?host=%s&user=pkmd", name, b->dir);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
	if (pg_exec(b, "postgres", sql))
		return -1;
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	return pg_exec(b, "postgres", sql);
}

/* Runs SQL on the current database, outside the store; 0 or -1. */
static int exec_sql(const struct backend *b, const char *sql)
{
	sqlite3 *db;
	int rc;

	if (b->db == DB_POSTGRESQL)
		return pg_exec(b, b->dbname, sql);
	if (sqlite3_open(b->where, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	/* pkmd opens no database others may read */
	if (chmod(b->where, 0600))
		return -1;
	return rc == SQLITE_OK ? 0 : -1;
}

/* One number the current database holds, as another connection sees it. */
static long long value_seen(const struct backend *b, const char *sql)
{
	sqlite3_stmt *stmt;
	long long v = -1;
	sqlite3 *db;

	if (b->db == DB_POSTGRESQL)
		return pg_value(b, sql);
	if (sqlite3_open_v2(b->where, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK) {
		if (sqlite3_step(stmt) == SQLITE_ROW &&
		    sqlite3_column_type(stmt, 0) != SQLITE_NULL)
			v = sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
	return v;
}

static const char rx_of_active_ak[] =
	"SELECT rx_next FROM aks WHERE mac = '02:16:00:00:00:11' AND slot = 0";

static int schema_version(const struct backend *b)
{
	return (int)value_seen(b, b->db == DB_SQLITE ? "PRAGMA user_version" :
			       "SELECT max(version) FROM pkmd_schema");
}

static void drop(struct backend *b)
{
	char sql[128];

	if (b->db == DB_SQLITE) {
		sqlite_remove(b->where);
		return;
	}
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", b->dbname);
	pg_exec(b, "postgres", sql);
}

static struct store_subscriber subscriber(const char *cn, uint8_t last)
{
	struct store_subscriber s = { .services = 5, .created = 1700000000 };

	snprintf(s.cn, sizeof(s.cn), "%s", cn);
	snprintf(s.provider, sizeof(s.provider), "net-a");
	memcpy(s.mac, "\x02\x16\x00\x00\x00", 5);
	s.mac[5] = last;
	return s;
}

/* Every record type, the refusals, reopening, rollover, group commit. */
static void records(struct backend *b)
{
	struct store_subscriber a = subscriber("ss-a", 0x11), b2 = subscriber("ss-b", 0x12);
	struct store_sa sa = {
		.said = 0x2001, .service = 0, .suite = 2, .has_owner = true,
		.owner = { 2, 0x16, 0, 0, 0, 0x11 },
		.tek = { { 3, { 1, 2, 3 }, 1700001000 }, { 0, { 4, 5, 6 }, 1700002000 } },
	};
	struct store_sa grp = {
		.said = 0xfe05, .service = 1, .suite = 0x80, .has_group = true,
		.group_id = 5,
		.tek = { { 1, { 9 }, 1700003000 }, { 2, { 8 }, 1700004000 } },
	};
	struct store_ak ak = { .mac = { 2, 0x16, 0, 0, 0, 0x11 }, .slot = 1,
			       .seq = 7, .ak = { 0xaa, [19] = 0xbb },
			       .expires = 1800000000, .tx_pn_reserved = 1024,
			       .rx_next = 5, .nonce = { 1, 2, 3, 4, 5, 6, 7, 8 } };
	const char *n = b->name;
	struct store *st;
	struct seen z;
	struct stat sb;

	if (!ok(fresh(b, "records") == 0, "%s: a fresh database", n))
		return;
	is_int(store_open(b->db, b->where, &st), 0, "%s: a new database opens", n);
	if (b->db == DB_SQLITE)
		ok(stat(b->where, &sb) == 0 && (sb.st_mode & 0777) == 0600,
		   "%s: the database file is readable by its owner only", n);
	is_int(store_subscriber_add(st, &a), 0, "%s: subscriber added", n);
	is_int(store_subscriber_add(st, &b2), 0, "%s: second subscriber added", n);
	a.mac[5] = 0x99;
	is_int(store_subscriber_add(st, &a), -EEXIST, "%s: same CN refused", n);
	b2.mac[5] = 0x11;
	snprintf(b2.cn, sizeof(b2.cn), "ss-c");
	is_int(store_subscriber_add(st, &b2), -EEXIST, "%s: same MAC refused", n);
	is_int(store_subscriber_revoke(st, "ss-b"), 0, "%s: subscriber revoked", n);
	is_int(store_subscriber_revoke(st, "nobody"), -ENOENT,
	       "%s: revoking an unknown CN is ENOENT", n);
	is_int(store_member_add(st, 5, "ss-a"), 0, "%s: member added", n);
	is_int(store_member_add(st, 5, "ss-a"), -EEXIST, "%s: twice refused", n);
	is_int(store_member_add(st, 5, "nobody"), -EEXIST,
	       "%s: a member who is no subscriber refused", n);
	is_int(store_member_add(st, 6, "ss-a"), 0, "%s: member of a second group", n);
	is_int(store_member_del(st, 6, "ss-a"), 0, "%s: member deleted", n);
	is_int(store_member_del(st, 6, "ss-a"), -ENOENT,
	       "%s: deleting twice is ENOENT", n);
	is_int(store_station_add(st, sa.owner, 1), 0, "%s: station added", n);
	is_int(store_station_add(st, (uint8_t[]){ 2, 0x16, 0, 0, 0, 0x12 }, 1),
	       -EEXIST, "%s: a station index is allocated once", n);
	sa.tek[0].tx_pn_reserved = 3 << 20;
	sa.tek[0].rx_pn = 77;
	sa.tek[1].tx_pn_reserved = 1 << 20;
	grp.tek[1] = grp.tek[0];	/* a tree group outside a switch */
	is_int(store_sa_save(st, &sa), 0, "%s: unicast SA saved", n);
	is_int(store_sa_save(st, &grp), 0, "%s: group SA saved", n);
	is_int(store_tek_set_pn(st, 0x2001, 3, 4 << 20, 90), 0,
	       "%s: a TEK's PN reservation and receive floor raised", n);
	is_int(store_tek_set_pn(st, 0x2001, 3, 2 << 20, 5), 0,
	       "%s: a lower reservation and floor are accepted", n);
	is_int(store_tek_set_pn(st, 0xfe05, 1, 1 << 22, 0), 0,
	       "%s: a TEK held by both generations raised", n);
	is_int(store_tek_set_pn(st, 0x2001, 2, 1 << 22, 0), -ENOENT,
	       "%s: an EKS the SA does not have is ENOENT", n);
	is_int(store_ak_save(st, &ak), 0, "%s: pending AK saved", n);
	is_int(store_ak_set_rx(st, ak.mac, 1, 42), 0, "%s: uplink PN window moved", n);
	is_int(store_ak_set_tx(st, ak.mac, 1, 2048), 0, "%s: downlink PN reserved", n);
	store_close(st);

	/* What a restarted daemon reads. */
	is_int(store_open(b->db, b->where, &st), 0, "%s: the database reopens", n);
	memset(&z, 0, sizeof(z));
	store_subscriber_each(st, on_sub, &z);
	ok(z.n == 2 && !strcmp(z.subs[0].cn, "ss-a") && !z.subs[0].revoked &&
	   z.subs[0].services == 5 && z.subs[0].mac[5] == 0x11 &&
	   !strcmp(z.subs[0].provider, "net-a") &&
	   z.subs[0].created == 1700000000 &&
	   !strcmp(z.subs[1].cn, "ss-b") && z.subs[1].revoked,
	   "%s: subscribers round trip (CN, MAC, provider, services, revoked)", n);
	memset(&z, 0, sizeof(z));
	store_member_each(st, on_member, &z);
	ok(z.n == 1 && z.groups[0] == 5 && !strcmp(z.members[0], "ss-a"),
	   "%s: memberships round trip", n);
	memset(&z, 0, sizeof(z));
	store_station_each(st, on_station, &z);
	ok(z.n == 1 && z.indexes[0] == 1 && !memcmp(z.macs[0], sa.owner, MAC_LEN),
	   "%s: station allocations round trip", n);
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 2 && z.sas[0].said == 0x2001 && z.sas[0].has_owner &&
	   !z.sas[0].has_group && !memcmp(z.sas[0].owner, sa.owner, MAC_LEN) &&
	   z.sas[0].tek[0].eks == 3 && z.sas[0].tek[1].eks == 0 &&
	   !memcmp(z.sas[0].tek[0].key, sa.tek[0].key, STORE_KEY_LEN) &&
	   !memcmp(z.sas[0].tek[1].key, sa.tek[1].key, STORE_KEY_LEN) &&
	   z.sas[0].tek[1].expires == 1700002000,
	   "%s: unicast SA with both TEK generations round trips", n);
	is_int(z.sas[0].tek[0].tx_pn_reserved, 4 << 20,
	       "%s: the raised reservation is read back; the lower one did not lower it", n);
	is_int(z.sas[0].tek[0].rx_pn, 90, "%s: so is the receive floor", n);
	is_int(z.sas[0].tek[1].tx_pn_reserved, 1 << 20,
	       "%s: the other generation keeps its own reservation", n);
	ok(!z.sas[0].tek[0].fresh && !z.sas[0].tek[1].fresh,
	   "%s: a TEK read back is never fresh (the kernel may have had it)", n);
	ok(z.sas[1].tek[0].tx_pn_reserved == 1 << 22 &&
	   z.sas[1].tek[1].tx_pn_reserved == 1 << 22,
	   "%s: both generations of one TEK share its reservation", n);
	ok(z.sas[1].said == 0xfe05 && z.sas[1].has_group &&
	   z.sas[1].group_id == 5 && !z.sas[1].has_owner &&
	   z.sas[1].suite == 0x80 && z.sas[1].tek[0].eks == 1,
	   "%s: group SA round trips", n);
	memset(&z, 0, sizeof(z));
	store_ak_each(st, on_ak, &z);
	ok(z.n == 1 && z.aks[0].slot == 1 && z.aks[0].seq == 7 &&
	   !memcmp(z.aks[0].ak, ak.ak, STORE_AK_LEN) &&
	   z.aks[0].expires == 1800000000 && z.aks[0].rx_next == 42 &&
	   z.aks[0].tx_pn_reserved == 2048 &&
	   !memcmp(z.aks[0].nonce, ak.nonce, STORE_NONCE_LEN),
	   "%s: AK with its PN window and reservation round trips", n);

	/* A rollover replaces both generations in one transaction. */
	sa.tek[0] = sa.tek[1];
	sa.tek[1] = (struct store_tek){ .eks = 1, .key = { 7 },
					.expires = 1700005000 };
	is_int(store_sa_save(st, &sa), 0, "%s: SA rolled over", n);
	is_int(store_ak_promote(st, ak.mac), 0, "%s: pending AK promoted", n);
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 2 && z.sas[0].tek[0].eks == 0 && z.sas[0].tek[1].eks == 1 &&
	   z.sas[0].tek[1].key[0] == 7, "%s: the rollover is what is read back", n);
	memset(&z, 0, sizeof(z));
	store_ak_each(st, on_ak, &z);
	ok(z.n == 1 && z.aks[0].slot == 0 && z.aks[0].seq == 7,
	   "%s: the promoted AK is the active one", n);
	is_int(store_sa_delete(st, 0x2001), 0, "%s: SA deleted", n);
	is_int(store_sa_delete(st, 0x2001), -ENOENT, "%s: deleting twice is ENOENT", n);
	is_int(store_ak_delete(st, ak.mac), 0, "%s: AKs deleted", n);
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 1 && z.sas[0].said == 0xfe05, "%s: its TEKs went with it", n);

	/* Group commit: windows share a transaction until the batch ends. */
	ak.slot = 0;
	ak.rx_next = 10;
	is_int(store_ak_save(st, &ak), 0, "%s: active AK saved", n);
	store_batch_begin(st);
	is_int(store_ak_set_rx(st, ak.mac, 0, 11), 0, "%s: window moved in a batch", n);
	is_int(store_ak_set_rx(st, ak.mac, 0, 12), 0, "%s: and again", n);
	is_int(value_seen(b, rx_of_active_ak), 10,
	       "%s: not committed while the batch is open", n);
	is_int(store_ak_set_tx(st, ak.mac, 0, 4096), 0,
	       "%s: another write in the batch", n);
	is_int(value_seen(b, rx_of_active_ak), 12,
	       "%s: which commits the windows first", n);
	is_int(store_ak_set_rx(st, ak.mac, 0, 13), 0, "%s: window moved again", n);
	is_int(store_batch_end(st), 0, "%s: the batch ends with a commit", n);
	is_int(value_seen(b, rx_of_active_ak), 13,
	       "%s: all windows committed at its end", n);
	is_int(store_ak_set_rx(st, ak.mac, 0, 14), 0, "%s: outside a batch", n);
	is_int(value_seen(b, rx_of_active_ak), 14, "%s: a window commits at once", n);
	store_close(st);
	drop(b);
}

/* Key tree blobs (empty ones too) with the group SA, in one transaction. */
static void trees(struct backend *b)
{
	uint8_t tree[3000], members[40];
	struct store_group_tree t = {
		.group_id = 7, .tree = tree, .tree_len = sizeof(tree),
		.members = members, .members_len = sizeof(members),
	}, back;
	struct store_sa grp = {
		.said = 0xfe07, .service = 1, .suite = 2, .has_group = true,
		.group_id = 7,
		.tek = { { 1, { 0x71 }, 1700003000 }, { 2, { 0x72 }, 1700004000 } },
	};
	const char *n = b->name;
	struct store *st;
	struct seen z;

	for (size_t i = 0; i < sizeof(tree); i++)
		tree[i] = (uint8_t)(i * 7);
	memset(members, 0x5c, sizeof(members));
	if (!ok(fresh(b, "trees") == 0, "%s: a fresh database", n) ||
	    !ok(store_open(b->db, b->where, &st) == 0, "%s: opened", n))
		return;
	is_int(store_group_tree_save(st, &t, &grp), 0,
	       "%s: a tree, its members, no rekey payload and its SA saved", n);
	store_close(st);
	if (!ok(store_open(b->db, b->where, &st) == 0, "%s: reopened", n))
		return;
	is_int(store_group_tree_load(st, 7, &back), 0, "%s: the tree loads", n);
	ok(back.tree_len == sizeof(tree) && !memcmp(back.tree, tree, sizeof(tree)) &&
	   back.members_len == sizeof(members) &&
	   !memcmp(back.members, members, sizeof(members)) &&
	   back.rekey_len == 0 && back.rekey,
	   "%s: the same blobs, the empty one empty", n);
	store_group_tree_free(&back);
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 1 && z.sas[0].said == 0xfe07 && z.sas[0].tek[1].key[0] == 0x72,
	   "%s: with the group SA saved alongside", n);
	is_int(store_group_tree_load(st, 8, &back), -ENOENT, "%s: no tree for group 8", n);
	is_int(store_group_tree_delete(st, 7), 0, "%s: tree deleted", n);
	is_int(store_group_tree_load(st, 7, &back), -ENOENT, "%s: and gone", n);
	store_close(st);
	drop(b);
}

/*
 * A database of the pkmd before PN reservations: its TEKs come through
 * with every PN counted as used (nobody knows which were), so the daemon
 * never installs them again; a database newer than this pkmd is refused.
 * (Schema 1 was SQLite's only; PostgreSQL takes the same path.)
 */
static void migration(struct backend *b)
{
	const char *n = b->name;
	struct store *st;
	struct seen z;

	if (!ok(fresh(b, "old") == 0, "%s: a fresh database", n))
		return;
	is_int(exec_sql(b, b->schema_1), 0, "%s: a schema 1 database made", n);
	is_int(store_open(b->db, b->where, &st), 0, "%s: a schema 1 database opens", n);
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 1 && z.sas[0].said == 0xffff && z.sas[0].tek[0].eks == 2 &&
	   z.sas[0].tek[1].eks == 3 && z.sas[0].tek[1].key[0] == 0x11 &&
	   z.sas[0].tek[1].expires == 1900043200,
	   "%s: its SA and TEKs are kept", n);
	ok(z.sas[0].tek[0].tx_pn_reserved == STORE_PN_SPACE &&
	   z.sas[0].tek[1].tx_pn_reserved == STORE_PN_SPACE &&
	   z.sas[0].tek[0].rx_pn == 0,
	   "%s: its TEKs count as used up (reservation 2^31), no receive floor", n);
	z.sas[0].tek[1].tx_pn_reserved = 1 << 20;
	is_int(store_sa_save(st, &z.sas[0]), 0,
	       "%s: an SA saves into the upgraded table", n);
	store_close(st);
	is_int(schema_version(b), 4, "%s: the schema is version 4 now", n);
	is_int(store_open(b->db, b->where, &st), 0, "%s: and opens again as such", n);
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 1 && z.sas[0].tek[1].tx_pn_reserved == 1 << 20,
	   "%s: what was saved after the upgrade is read back", n);
	store_close(st);

	is_int(exec_sql(b, b->schema_later), 0,
	       "%s: a database of a later schema made", n);
	ok(store_open(b->db, b->where, &st) != 0, "%s: a later schema is refused", n);
	drop(b);
}

/*
 * Schema 2 to 3 (zones.rst): every row of every table comes through, in
 * zone '' and BS '', which a zone of one reads and writes as before; a
 * BS of a zone sees none of it.
 */
static void migration_2_to_3(struct backend *b)
{
	struct store_group_tree t;
	const char *n = b->name;
	struct store_sa sa;
	struct store *st;
	struct seen z;

	if (!ok(fresh(b, "two") == 0, "%s: a fresh database", n))
		return;
	is_int(exec_sql(b, b->schema_2), 0, "%s: a schema 2 database made", n);
	is_int(store_open(b->db, b->where, &st), 0, "%s: a schema 2 database opens", n);
	is_int(schema_version(b), 4, "%s: upgraded to schema 3, then 4", n);
	memset(&z, 0, sizeof(z));
	store_subscriber_each(st, on_sub, &z);
	ok(z.n == 1 && !strcmp(z.subs[0].cn, "ss-a") && z.subs[0].services == 5 &&
	   z.subs[0].created == 1700000000, "%s: the subscriber is kept", n);
	memset(&z, 0, sizeof(z));
	store_member_each(st, on_member, &z);
	ok(z.n == 1 && z.groups[0] == 5, "%s: the membership is kept", n);
	memset(&z, 0, sizeof(z));
	store_station_each(st, on_station, &z);
	ok(z.n == 1 && z.indexes[0] == 1, "%s: the station is kept", n);
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 2 && z.sas[0].said == 8193 && z.sas[0].has_owner &&
	   z.sas[0].tek[0].tx_pn_reserved == 4096 && z.sas[0].tek[0].rx_pn == 3 &&
	   z.sas[0].tek[1].key[0] == 0x11 && z.sas[1].said == 65029 &&
	   z.sas[1].has_group && z.sas[1].tek[0].tx_pn_reserved == 2048,
	   "%s: both SAs with their TEKs, reservations and floors are kept", n);
	sa = z.sas[0];
	memset(&z, 0, sizeof(z));
	store_ak_each(st, on_ak, &z);
	ok(z.n == 1 && z.aks[0].seq == 4 && z.aks[0].ak[19] == 0xa4 &&
	   z.aks[0].rx_next == 9 && z.aks[0].nonce[7] == 8, "%s: the AK is kept", n);
	if (ok(store_group_tree_load(st, 5, &t) == 0, "%s: the tree is kept", n)) {
		ok(t.tree_len == 1 && t.members_len == 2 && t.rekey_len == 1 &&
		   t.members[1] == 0xbb, "%s: with its blobs", n);
		store_group_tree_free(&t);
	}
	sa.tek[0].eks = 2;
	is_int(store_sa_save(st, &sa), 0, "%s: an SA saves over its migrated row", n);
	is_int(store_sa_delete(st, 65029), 0, "%s: a migrated SA deletes", n);
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 1 && z.sas[0].tek[0].eks == 2, "%s: and both are read back so", n);
	store_close(st);

	if (b->db == DB_POSTGRESQL)
		ok(store_open_zone(b->db, b->where, "z1", "bs1", 5000, &st) != 0,
		   "%s: a BS of a zone refuses the database of a BS in no zone", n);
	drop(b);
}

/* Group 1's shared SA, as the zone tests below store it. */
static const struct store_sa zone_group_sa = {
	.said = 0x3001, .service = 1, .suite = 2, .has_group = true,
	.group_id = 1,
	.tek = { { 2, { 3 }, 1900000000 }, { 3, { 4 }, 1900001000 } },
};

/*
 * Two BSs of one zone and a BS of another on one database: subscribers,
 * memberships, shared SAs and trees are the zone's; stations, AKs and
 * unicast SAs each BS's own.
 */
static void zones(struct backend *b)
{
	struct store_subscriber a = subscriber("ss-a", 0x11);
	struct store_sa uc = {
		.said = 0x2001, .service = 0, .suite = 2, .has_owner = true,
		.owner = { 2, 0x16, 0, 0, 0, 0x11 },
		.tek = { { 0, { 1 }, 1900000000 }, { 1, { 2 }, 1900001000 } },
	};
	struct store_sa grp = zone_group_sa;
	struct store_ak ak = { .mac = { 2, 0x16, 0, 0, 0, 0x11 }, .seq = 1 };
	uint8_t blob[1] = { 0x5a };
	struct store_group_tree t = { .group_id = 1, .tree = blob, .tree_len = 1,
				      .members = blob, .members_len = 1,
				      .rekey = blob, .rekey_len = 1 }, back;
	struct store *bs1, *bs2, *other;
	const char *n = b->name;
	struct seen z;

	if (!ok(fresh(b, "zones") == 0, "%s: a fresh database", n))
		return;
	if (!ok(store_open_zone(b->db, b->where, "z1", "bs1", 5000, &bs1) == 0 &&
		store_open_zone(b->db, b->where, "z1", "bs2", 5000, &bs2) == 0 &&
		store_open_zone(b->db, b->where, "z2", "bs1", 5000, &other) == 0,
		"%s: BSs bs1 and bs2 of zone z1 and bs1 of zone z2 open it", n))
		return;
	is_int(store_subscriber_add(bs1, &a), 0, "%s: bs1 adds a subscriber", n);
	is_int(store_subscriber_add(bs2, &a), -EEXIST, "%s: bs2 cannot add it again", n);
	is_int(store_subscriber_add(other, &a), 0, "%s: another zone can", n);
	is_int(store_member_add(bs2, 1, "ss-a"), 0, "%s: bs2 makes it a member", n);
	memset(&z, 0, sizeof(z));
	store_member_each(bs1, on_member, &z);
	is_int(z.n, 1, "%s: bs1 sees the membership", n);
	memset(&z, 0, sizeof(z));
	store_member_each(other, on_member, &z);
	is_int(z.n, 0, "%s: the other zone does not", n);
	is_int(store_subscriber_revoke(bs2, "ss-a"), 0, "%s: bs2 revokes it", n);
	memset(&z, 0, sizeof(z));
	store_subscriber_each(bs1, on_sub, &z);
	ok(z.n == 1 && z.subs[0].revoked, "%s: revoked at bs1 too", n);
	memset(&z, 0, sizeof(z));
	store_subscriber_each(other, on_sub, &z);
	ok(z.n == 1 && !z.subs[0].revoked, "%s: not in the other zone", n);

	is_int(store_station_add(bs1, ak.mac, 1), 0, "%s: station 1 at bs1", n);
	is_int(store_station_add(bs2, ak.mac, 1), 0,
	       "%s: the same SS is station 1 at bs2 too, on its own", n);
	is_int(store_ak_save(bs1, &ak), 0, "%s: an AK at bs1", n);
	is_int(store_sa_save(bs1, &uc), 0, "%s: a unicast SA at bs1", n);
	is_int(store_sa_save(bs1, &grp), 0, "%s: a group SA, by bs1", n);
	memset(&z, 0, sizeof(z));
	store_ak_each(bs2, on_ak, &z);
	is_int(z.n, 0, "%s: bs2 has no AK of bs1's", n);
	memset(&z, 0, sizeof(z));
	store_sa_each(bs2, on_sa, &z);
	ok(z.n == 1 && z.sas[0].said == 0x3001 && z.sas[0].tek[1].key[0] == 4,
	   "%s: bs2 sees the group SA and not bs1's unicast one", n);
	uc.tek[0].key[0] = 9;
	is_int(store_sa_save(bs2, &uc), 0, "%s: bs2 saves a unicast SA of the same SAID", n);
	memset(&z, 0, sizeof(z));
	store_sa_each(bs1, on_sa, &z);
	ok(z.n == 2 && z.sas[0].said == 0x2001 && z.sas[0].tek[0].key[0] == 1,
	   "%s: bs1's stays its own", n);
	grp.tek[0] = grp.tek[1];
	is_int(store_group_tree_save(bs2, &t, &grp), 0,
	       "%s: bs2 saves the group's tree with its SA", n);
	memset(&z, 0, sizeof(z));
	store_sa_each(bs1, on_sa, &z);
	ok(z.n == 2 && z.sas[1].said == 0x3001 && z.sas[1].tek[0].eks == 3,
	   "%s: bs1 reads the group SA bs2 saved", n);
	ok(store_group_tree_load(bs1, 1, &back) == 0 && back.tree_len == 1 &&
	   back.tree[0] == 0x5a, "%s: and its tree", n);
	store_group_tree_free(&back);
	is_int(store_group_tree_load(other, 1, &back), -ENOENT,
	       "%s: the other zone has no tree", n);
	is_int(store_sa_delete(bs2, 0x2001), 0, "%s: bs2 deletes its unicast SA", n);
	memset(&z, 0, sizeof(z));
	store_sa_each(bs1, on_sa, &z);
	is_int(z.n, 2, "%s: bs1 keeps its own", n);
	store_close(bs1);
	store_close(bs2);
	store_close(other);
	drop(b);
}

/*
 * A zone's shared rows outlive any one BS's view of them (zones.rst): a
 * BS cannot delete a shared SA or tree, a shared TEK's PN mark only
 * rises, even while the SA's rows are gone, and each shared SA's
 * defining configuration is the zone's, recorded by the first BS.
 */
static void zone_shared(struct backend *b)
{
	struct store_sa grp = zone_group_sa;
	struct store_zone_sa cfg = { .said = 0x3001, .service = 1, .suite = 2,
				     .has_group = true, .group_id = 1,
				     .tree = 1, .tree_degree = 4 }, other, zone;
	uint8_t blob[1] = { 0x5a };
	struct store_group_tree t = { .group_id = 1, .said = 0x3001,
				      .tree = blob, .tree_len = 1,
				      .members = blob, .members_len = 1,
				      .rekey = blob, .rekey_len = 1 }, back;
	const uint8_t k1[STORE_KEY_LEN] = { 3 }, k2[STORE_KEY_LEN] = { 7 };
	char holder[CONFIG_ZONE_NAME_MAX + 1];
	struct store *bs1, *bs2;
	const char *n = b->name;
	uint32_t s = 0;
	struct seen z;

	if (!ok(fresh(b, "zshared") == 0, "%s: a fresh database", n))
		return;
	if (!ok(store_open_zone(b->db, b->where, "z1", "bs1", 5000, &bs1) == 0 &&
		store_open_zone(b->db, b->where, "z1", "bs2", 5000, &bs2) == 0,
		"%s: bs1 and bs2 of zone z1", n))
		return;
	is_int(store_lease_take(bs1, 0x3001, 60000, holder), 1, "%s: bs1 takes the lease", n);
	store_lease_fence(bs1, true);
	store_lease_fence(bs2, true);
	is_int(store_group_tree_save(bs1, &t, &grp), 0, "%s: bs1 writes the shared SA and tree", n);
	is_int(store_tek_take_pns(bs1, 0x3001, k1, 1000, &s), 0, "%s: bs1 takes a block of K1", n);
	is_int(s, 0, "%s: the first", n);
	store_sa_delete(bs2, 0x3001);
	memset(&z, 0, sizeof(z));
	store_sa_each(bs1, on_sa, &z);
	ok(z.n == 1 && z.sas[0].said == 0x3001,
	   "%s: a delete by another BS of the zone leaves the shared SA", n);
	store_group_tree_delete(bs2, 1);
	ok(store_group_tree_load(bs1, 1, &back) == 0, "%s: and the shared tree", n);
	store_group_tree_free(&back);
	/* the rows lost some other way: the marks stay */
	exec_sql(b, "DELETE FROM teks WHERE zone = 'z1' AND said = 12289");
	exec_sql(b, "DELETE FROM sas WHERE zone = 'z1' AND said = 12289");
	is_int(store_tek_take_pns(bs2, 0x3001, k2, 1000, &s), 0,
	       "%s: bs2 takes a block of another key of the SA", n);
	is_int(store_sa_save(bs1, &grp), 0, "%s: the writer saves K1 again", n);
	is_int(store_tek_take_pns(bs2, 0x3001, k1, 1000, &s), 0, "%s: bs2 takes a block of K1", n);
	ok(s >= 1000, "%s: past bs1's: its mark was kept (block at %u)", n, s);
	is_int(value_seen(b, "SELECT count(*) FROM zone_pn_marks WHERE length(key_sha256) <> 32"),
	       0, "%s: a mark is kept under a digest of its key, never the key", n);

	is_int(store_zone_sa_check(bs1, &cfg, &zone), 1,
	       "%s: bs1 records the group SA's configuration", n);
	is_int(store_zone_sa_check(bs2, &cfg, &zone), 1, "%s: bs2's agrees", n);
	other = cfg;
	other.suite = 1;
	is_int(store_zone_sa_check(bs2, &other, &zone), 0,
	       "%s: another suite does not", n);
	is_int(zone.suite, 2, "%s: and is told the zone's", n);
	other = cfg;
	other.tree = 0;
	is_int(store_zone_sa_check(bs2, &other, &zone), 0,
	       "%s: nor another key tree", n);
	other = cfg;
	other.said = 0x3002;
	is_int(store_zone_sa_check(bs2, &other, &zone), 0,
	       "%s: nor the group on another SAID", n);
	store_close(bs1);
	store_close(bs2);
	drop(b);
}

/* A TEK's SHA-256 in hex, as a PN mark is kept under it. */
static void key_digest_hex(const uint8_t key[STORE_KEY_LEN], char hex[65])
{
	uint8_t d[32];

	EVP_Digest(key, STORE_KEY_LEN, d, NULL, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* A blob's literal in the dialect. */
static void blob_literal(bool pg, const char *hex, char out[96])
{
	snprintf(out, 96, pg ? "'\\x%s'::bytea" : "X'%s'", hex);
}

/*
 * Schema 3 to 4 (zones.rst, "Packet numbers of a shared TEK"): the marks
 * of schema 3's zone_pns, some under the TEK itself (the first pkmd of
 * zones), some under its digest, come through under the digest, the
 * higher of two marks of one key kept; zone_pns is gone, so that a pkmd
 * of schema 3 still running takes no block (its statement fails) rather
 * than starting a key again at PN 0.
 */
static void pn_marks_upgrade(struct backend *b)
{
	const uint8_t k9[STORE_KEY_LEN] = { 9 }, ka[STORE_KEY_LEN] = { 0xa },
		      kb[STORE_KEY_LEN] = { 0xb };
	const bool pg = b->db == DB_POSTGRESQL;
	char da[65], db[65], l9[96], la[96], lda[96], ldb[96], sql[1536];
	/* schema 3's take, as a pkmd of schema 3 sends it */
	const char *old_take =
		"INSERT INTO zone_pns (zone, said, key, mark)"
		" VALUES ('z1', 12289, %s, 1000)"
		" ON CONFLICT (zone, said, key) DO UPDATE SET"
		" mark = zone_pns.mark + excluded.mark RETURNING mark";
	const char *n = b->name;
	PGconn *old = NULL;
	struct store *st;
	uint32_t s = 0;

	if (!ok(fresh(b, "pnup") == 0, "%s: a fresh database", n))
		return;
	if (!ok(store_open_zone(b->db, b->where, "z1", "bs1", 5000, &st) == 0,
		"%s: bs1 of zone z1 makes it", n))
		return;
	store_close(st);
	key_digest_hex(ka, da);
	key_digest_hex(kb, db);
	/* back to schema 3: zone_pns, not zone_pn_marks */
	blob_literal(pg, "09000000000000000000000000000000", l9);
	blob_literal(pg, "0a000000000000000000000000000000", la);
	blob_literal(pg, da, lda);
	blob_literal(pg, db, ldb);
	snprintf(sql, sizeof(sql),
		 "DROP TABLE IF EXISTS zone_pn_marks;"
		 "CREATE TABLE IF NOT EXISTS zone_pns (zone TEXT NOT NULL,"
		 " said INTEGER NOT NULL, key %s NOT NULL, mark %s NOT NULL,"
		 " PRIMARY KEY (zone, said, key));"
		 "INSERT INTO zone_pns VALUES ('z1', 12289, %s, 7000);"
		 "INSERT INTO zone_pns VALUES ('z1', 12289, %s, 3000);"
		 "INSERT INTO zone_pns VALUES ('z1', 12289, %s, 5000);"
		 "INSERT INTO zone_pns VALUES ('z1', 12289, %s, 9000);%s",
		 pg ? "BYTEA" : "BLOB", pg ? "BIGINT" : "INTEGER", l9, la, lda, ldb,
		 pg ? "UPDATE pkmd_schema SET version = 3" : "PRAGMA user_version = 3");
	if (!ok(exec_sql(b, sql) == 0, "%s: a schema 3 database with PN marks", n))
		return;
	if (pg) {
		/* a pkmd of schema 3 running: its take is prepared */
		PGresult *r = NULL;

		old = pg_connect(b, b->dbname);
		snprintf(sql, sizeof(sql), old_take, "$1");
		if (old)
			r = PQprepare(old, "take", sql, 0, NULL);
		ok(PQresultStatus(r) == PGRES_COMMAND_OK,
		   "%s: a running pkmd of schema 3 prepared its PN take", n);
		PQclear(r);
	}
	if (!ok(store_open_zone(b->db, b->where, "z1", "bs2", 5000, &st) == 0,
		"%s: bs2 opens the database", n))
		return;
	is_int(schema_version(b), 4, "%s: which is schema 4 now", n);
	is_int(store_tek_take_pns(st, 0x3001, k9, 1000, &s), 0,
	       "%s: a block of the key marked under itself", n);
	is_int(s, 7000, "%s: past its mark", n);
	is_int(store_tek_take_pns(st, 0x3001, ka, 1000, &s), 0,
	       "%s: a block of the key marked both ways", n);
	is_int(s, 5000, "%s: past the higher mark", n);
	is_int(store_tek_take_pns(st, 0x3001, kb, 1000, &s), 0,
	       "%s: a block of the key marked under its digest", n);
	is_int(s, 9000, "%s: past its mark", n);
	is_int(value_seen(b, "SELECT count(*) FROM zone_pn_marks WHERE length(key_sha256) <> 32"),
	       0, "%s: every mark under a digest", n);
	snprintf(sql, sizeof(sql), old_take, l9);
	ok(exec_sql(b, sql) != 0,
	   "%s: schema 3's PN take fails on it rather than start a key at 0", n);
	if (old) {
		const char *v[1] = { "\\x0a000000000000000000000000000000" };
		PGresult *r = PQexecPrepared(old, "take", 1, v, NULL, NULL, 0);

		ok(PQresultStatus(r) != PGRES_TUPLES_OK,
		   "%s: so does the running pkmd's prepared take", n);
		PQclear(r);
		PQfinish(old);
	}
	store_close(st);
	drop(b);
}

/*
 * A bs-id is one running pkmd's (zones.rst): a second instance with the
 * same bs-id does not open the zone while the first is seen; once the
 * first has not been seen for the failover bound a new one claims it,
 * and the first then holds no lease and passes no fence.
 */
static void bs_identity(struct backend *b)
{
	struct store_ak ak = { .mac = { 2, 0x16, 0, 0, 0, 0x11 }, .seq = 1,
			       .expires = 1900000000 };
	struct store_sa uc = {
		.said = 0x2001, .service = 0, .suite = 2, .has_owner = true,
		.owner = { 2, 0x16, 0, 0, 0, 0x11 },
		.tek = { { 0, { 1 }, 1900000000 }, { 1, { 2 }, 1900001000 } },
	};
	struct store_sa grp = zone_group_sa;
	struct seen z;
	char holder[CONFIG_ZONE_NAME_MAX + 1];
	struct store *first, *second = NULL;
	const char *n = b->name;

	if (!ok(fresh(b, "ident") == 0, "%s: a fresh database", n))
		return;
	if (!ok(store_open_zone(b->db, b->where, "z1", "bs1", 1000, &first) == 0,
		"%s: bs1 of zone z1 opens it", n))
		return;
	is_int(store_lease_take(first, 0x3001, 60000, holder), 1, "%s: and takes a lease", n);
	ok(store_open_zone(b->db, b->where, "z1", "bs1", 1000, &second) != 0,
	   "%s: a second instance with the same bs-id does not open the zone", n);
	is_int(store_zone_claim(first), 1, "%s: the first, still running, renews its claim", n);
	usleep(1300000);
	if (!ok(store_open_zone(b->db, b->where, "z1", "bs1", 1000, &second) == 0,
		"%s: once the first has not been seen for 1000 ms, a new instance claims bs1", n)) {
		store_close(first);
		return;
	}
	is_int(store_zone_claim(first), 0, "%s: the first learns it lost its bs-id", n);
	is_int(store_lease_take(first, 0x3001, 60000, holder), 0,
	       "%s: and renews no lease", n);
	store_lease_fence(first, true);
	is_int(store_sa_save(first, &grp), -EPERM, "%s: nor passes the fence", n);
	is_int(store_lease_take(second, 0x3001, 60000, holder), 1,
	       "%s: the new instance holds bs1's lease", n);
	store_lease_fence(second, true);
	is_int(store_sa_save(second, &grp), 0, "%s: and writes", n);
	/* the deposed instance, before it notices: none of bs1's rows */
	is_int(store_ak_save(second, &ak), 0, "%s: the new instance saves an AK", n);
	is_int(store_station_add(second, ak.mac, 3), 0, "%s: and a station", n);
	is_int(store_ak_save(first, &ak), -EPERM, "%s: the deposed one cannot save an AK", n);
	is_int(store_station_add(first, ak.mac, 4), -EPERM, "%s: nor add a station", n);
	is_int(store_sa_save(first, &uc), -EPERM, "%s: nor save a unicast SA", n);
	is_int(store_join_add(first, 1, "ss-a", ak.ak, 100), -EPERM,
	       "%s: nor record a join", n);
	store_ak_delete(first, ak.mac);
	memset(&z, 0, sizeof(z));
	store_ak_each(second, on_ak, &z);
	is_int(z.n, 1, "%s: nor delete the new instance's AK", n);
	store_lease_release(first, 0x3001);
	is_int(value_seen(b, "SELECT count(*) FROM zone_leases WHERE zone = 'z1'"
			  " AND said = 12289 AND holder = 'bs1'"), 1,
	       "%s: nor release bs1's lease, which the new instance holds", n);
	store_close(first);
	store_close(second);
	ok(store_open_zone(b->db, b->where, "z1", "bs1", 1000, &second) == 0,
	   "%s: a BS that stopped cleanly gave its bs-id up: it starts again at once", n);
	store_close(second);
	drop(b);
}

struct pending {
	int n;
	uint16_t said[4];
	char cn[4][STORE_CN_MAX + 1];
};

static int on_pending(void *arg, uint16_t said, const char *cn)
{
	struct pending *p = arg;

	if (p->n < 4) {
		p->said[p->n] = said;
		snprintf(p->cn[p->n], sizeof(p->cn[p->n]), "%s", cn);
	}
	p->n++;
	return 0;
}

/*
 * A revocation in a zone records, in its own transaction, that each
 * shared SA needs new TEKs because of it (zones.rst): whichever BS
 * writes the SA, now or after a restart or failover, finds it there
 * until it has replaced them.
 */
static void zone_revocation(struct backend *b)
{
	struct store_subscriber a = subscriber("ss-a", 0x11);
	struct store_sa grp = {
		.said = 0x3001, .service = 1, .suite = 2, .has_group = true,
		.group_id = 1,
		.tek = { { 2, { 3 }, 1900000000 }, { 3, { 4 }, 1900001000 } },
	}, bc = {
		.said = 0x3fff, .service = 2, .suite = 2,
		.tek = { { 0, { 5 }, 1900000000 }, { 1, { 6 }, 1900001000 } },
	};
	struct store *bs1, *bs2, *one;
	const char *n = b->name;
	struct pending p;

	if (!ok(fresh(b, "zrevoke") == 0, "%s: a fresh database", n))
		return;
	if (!ok(store_open_zone(b->db, b->where, "z1", "bs1", 5000, &bs1) == 0 &&
		store_open_zone(b->db, b->where, "z1", "bs2", 5000, &bs2) == 0,
		"%s: bs1 and bs2 of zone z1", n))
		return;
	store_subscriber_add(bs1, &a);
	is_int(store_sa_save(bs1, &grp), 0, "%s: a group SA", n);
	is_int(store_sa_save(bs1, &bc), 0, "%s: and the broadcast SA", n);
	memset(&p, 0, sizeof(p));
	is_int(store_replace_each(bs1, on_pending, &p), 0, "%s: nothing pending", n);
	is_int(p.n, 0, "%s: no replacement pending", n);
	is_int(store_subscriber_revoke(bs2, "ss-a"), 0, "%s: bs2 revokes ss-a", n);
	is_int(store_subscriber_revoke(bs2, "nobody"), -ENOENT,
	       "%s: a revocation of nobody fails", n);
	store_close(bs1);
	ok(store_open_zone(b->db, b->where, "z1", "bs1", 5000, &bs1) == 0,
	   "%s: the writer restarts", n);
	memset(&p, 0, sizeof(p));
	is_int(store_replace_each(bs1, on_pending, &p), 0, "%s: and reads what is pending", n);
	ok(p.n == 2 && p.said[0] == 0x3001 && p.said[1] == 0x3fff &&
	   !strcmp(p.cn[0], "ss-a") && !strcmp(p.cn[1], "ss-a"),
	   "%s: each shared SA needs new TEKs because of ss-a's revocation", n);
	is_int(store_replace_done(bs1, 0x3001, "ss-a"), 0, "%s: the group's are replaced", n);
	memset(&p, 0, sizeof(p));
	store_replace_each(bs2, on_pending, &p);
	ok(p.n == 1 && p.said[0] == 0x3fff, "%s: the broadcast SA's still pending", n);
	store_close(bs1);
	store_close(bs2);
	drop(b);

	if (!ok(fresh(b, "zrevoke") == 0 &&
		store_open(b->db, b->where, &one) == 0, "%s: a BS outside any zone", n))
		return;
	store_subscriber_add(one, &a);
	store_sa_save(one, &bc);
	is_int(store_subscriber_revoke(one, "ss-a"), 0, "%s: revokes ss-a", n);
	memset(&p, 0, sizeof(p));
	store_replace_each(one, on_pending, &p);
	is_int(p.n, 0, "%s: and records nothing: it replaced them before", n);
	store_close(one);
	drop(b);
}

struct joins_seen {
	int n;
	struct store_join j[4];
};

static int on_join_seen(void *arg, const struct store_join *j)
{
	struct joins_seen *s = arg;

	if (s->n < 4)
		s->j[s->n] = *j;
	s->n++;
	return 0;
}

static const struct store_join *join_of(const struct joins_seen *s, const char *cn)
{
	for (int i = 0; i < s->n && i < 4; i++)
		if (!strcmp(s->j[i].cn, cn))
			return &s->j[i];
	return NULL;
}

/*
 * The writer checks a join row against the zone's tables, not its
 * memory (zones.rst): each row comes with whether its subscriber is,
 * in the database now, unrevoked, a member of the group and holding an
 * unexpired AK at some BS of the zone.
 */
static void zone_join_check(struct backend *b)
{
	struct store_subscriber a = subscriber("ss-a", 0x11), c = subscriber("ss-c", 0x13),
				d = subscriber("ss-d", 0x14), e = subscriber("ss-e", 0x15);
	struct store_ak ak = { .seq = 1, .expires = 4000000000LL };
	const uint8_t ikey[STORE_KEY_LEN] = { 0x42 };
	const struct store_join *j;
	struct store *bs1, *bs2;
	const char *n = b->name;
	struct joins_seen s;

	if (!ok(fresh(b, "zjoins") == 0, "%s: a fresh database", n))
		return;
	if (!ok(store_open_zone(b->db, b->where, "z1", "bs1", 5000, &bs1) == 0 &&
		store_open_zone(b->db, b->where, "z1", "bs2", 5000, &bs2) == 0,
		"%s: bs1 and bs2 of zone z1", n))
		return;
	store_subscriber_add(bs1, &a);
	store_subscriber_add(bs1, &c);
	store_subscriber_add(bs1, &d);
	store_subscriber_add(bs1, &e);
	store_member_add(bs1, 1, "ss-a");
	store_member_add(bs1, 1, "ss-c");
	store_member_add(bs1, 1, "ss-e");
	memcpy(ak.mac, a.mac, MAC_LEN);
	store_ak_save(bs2, &ak);
	memcpy(ak.mac, c.mac, MAC_LEN);
	store_ak_save(bs2, &ak);
	memcpy(ak.mac, d.mac, MAC_LEN);
	store_ak_save(bs2, &ak);
	ak.expires = 1000000000;		/* long expired */
	memcpy(ak.mac, e.mac, MAC_LEN);
	store_ak_save(bs2, &ak);
	store_subscriber_revoke(bs2, "ss-c");
	store_join_add(bs2, 1, "ss-a", ikey, 100);
	store_join_add(bs2, 1, "ss-c", ikey, 100);
	store_join_add(bs2, 1, "ss-d", ikey, 100);
	store_join_add(bs2, 1, "ss-e", ikey, 100);
	memset(&s, 0, sizeof(s));
	is_int(store_join_each(bs1, 1, on_join_seen, &s), 0, "%s: the writer lists the joins", n);
	is_int(s.n, 4, "%s: all four", n);
	j = join_of(&s, "ss-a");
	ok(j && j->allowed, "%s: a member, unrevoked, with a current AK: allowed", n);
	j = join_of(&s, "ss-c");
	ok(j && !j->allowed, "%s: a revoked one is not", n);
	j = join_of(&s, "ss-d");
	ok(j && !j->allowed, "%s: nor one that is not a member", n);
	j = join_of(&s, "ss-e");
	ok(j && !j->allowed, "%s: nor one whose AK expired", n);
	store_close(bs1);
	store_close(bs2);
	drop(b);
}

struct heard {
	int n;
	char kind[16];
	unsigned int id;
};

static void on_notification(void *arg, const char *kind, unsigned int id)
{
	struct heard *h = arg;

	h->n++;
	snprintf(h->kind, sizeof(h->kind), "%s", kind);
	h->id = id;
}

static int on_join(void *arg, const struct store_join *j)
{
	struct store_join *out = arg;

	*out = *j;
	return 0;
}

/* Waits up to 5 s for a notification to bs through fd. */
static void hear(struct store *bs, int fd, struct heard *h)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	memset(h, 0, sizeof(*h));
	for (int i = 0; i < 50 && !h->n; i++) {
		if (poll(&pfd, 1, 100) > 0 && store_zone_notifications(bs, on_notification, h))
			return;
	}
}

/*
 * What the zone's BSs coordinate with (zones.rst): the lease of a shared
 * SA and its fence, PN blocks of a shared TEK, joins for the writer,
 * notifications, the AKs of the zone.
 */
static void zone_coordination(struct backend *b)
{
	struct store_sa grp = {
		.said = 0x3001, .service = 1, .suite = 2, .has_group = true,
		.group_id = 1,
		.tek = { { 2, { 3 }, 1900000000 }, { 2, { 3 }, 1900000000 } },
	};
	struct store_ak ak = { .mac = { 2, 0x16, 0, 0, 0, 0x11 }, .seq = 1,
			       .expires = 1900000000 };
	const uint8_t ikey[STORE_KEY_LEN] = { 0x42 }, other[STORE_KEY_LEN] = { 1 };
	char holder[CONFIG_ZONE_NAME_MAX + 1];
	struct store *bs1, *bs2, *z2;
	const char *n = b->name;
	uint32_t s1 = 0, s2 = 0;
	struct store_join j;
	struct heard h;
	int fd = -1, taken = 0;

	if (!ok(fresh(b, "coord") == 0, "%s: a fresh database", n))
		return;
	if (!ok(store_open_zone(b->db, b->where, "z1", "bs1", 5000, &bs1) == 0 &&
		store_open_zone(b->db, b->where, "z1", "bs2", 5000, &bs2) == 0 &&
		store_open_zone(b->db, b->where, "z2", "bs1", 5000, &z2) == 0,
		"%s: two BSs of z1 and one of z2", n))
		return;
	is_int(store_lease_take(bs1, 0x3001, 400, holder), 1, "%s: bs1 takes the lease", n);
	is_int(store_lease_take(bs2, 0x3001, 400, holder), 0, "%s: bs2 cannot", n);
	ok(!strcmp(holder, "bs1"), "%s: and is told bs1 holds it", n);
	is_int(store_lease_take(z2, 0x3001, 400, holder), 1,
	       "%s: the other zone's SA of that SAID is another lease", n);
	is_int(store_lease_take(bs1, 0x3001, 400, holder), 1, "%s: bs1 renews it", n);
	store_lease_fence(bs1, true);
	store_lease_fence(bs2, true);
	is_int(store_sa_save(bs1, &grp), 0, "%s: the holder writes the shared SA", n);
	grp.tek[1].key[0] = 0x66;
	is_int(store_sa_save(bs2, &grp), -EPERM, "%s: a fenced non-holder cannot", n);
	for (int i = 0; i < 40 && !taken; i++) {
		usleep(50000);
		taken = store_lease_take(bs2, 0x3001, 60000, holder) == 1;
	}
	ok(taken, "%s: once bs1's lease ran out, bs2 takes it", n);
	is_int(store_sa_save(bs1, &grp), -EPERM,
	       "%s: bs1, whose lease passed on, can write no more", n);
	is_int(store_lease_take(bs1, 0x3001, 400, holder), 0,
	       "%s: nor renew it", n);
	grp.tek[1].key[0] = 3;
	is_int(store_sa_save(bs2, &grp), 0, "%s: the new holder writes", n);
	is_int(store_lease_release(bs2, 0x3001), 0, "%s: and gives the lease up", n);
	is_int(store_lease_take(bs1, 0x3001, 400, holder), 1, "%s: which bs1 takes at once", n);

	is_int(store_tek_take_pns(bs1, 0x3001, grp.tek[0].key, 1000, &s1), 0,
	       "%s: bs1 takes PNs of the group's TEK", n);
	is_int(s1, 0, "%s: the key's first block", n);
	is_int(store_tek_take_pns(bs2, 0x3001, grp.tek[0].key, 1000, &s2), 0,
	       "%s: so does bs2", n);
	is_int(s2, 1000, "%s: the next one: their blocks do not meet", n);
	is_int(store_tek_take_pns(bs2, 0x3001, grp.tek[0].key, STORE_PN_SPACE, &s2),
	       -ENOSPC, "%s: none past 2^31", n);

	is_int(store_join_add(bs2, 1, "ss-a", ikey, 100), 0, "%s: bs2 records a join", n);
	memset(&j, 0, sizeof(j));
	is_int(store_join_each(bs1, 1, on_join, &j), 0, "%s: the writer reads it", n);
	ok(!strcmp(j.cn, "ss-a") && !strcmp(j.bs, "bs2") && j.ikey[0] == 0x42,
	   "%s: with the member, its key and where it asked", n);
	is_int(store_join_delete(bs1, 1, "ss-a", other), 0,
	       "%s: a delete naming another key", n);
	memset(&j, 0, sizeof(j));
	store_join_each(bs1, 1, on_join, &j);
	ok(!strcmp(j.cn, "ss-a"), "%s: leaves the join (asked again since)", n);
	store_join_delete(bs1, 1, "ss-a", ikey);
	memset(&j, 0, sizeof(j));
	store_join_each(bs1, 1, on_join, &j);
	ok(!j.cn[0], "%s: the one naming its key deletes it", n);

	is_int(store_ak_save(bs1, &ak), 0, "%s: an AK at bs1", n);
	is_int(store_zone_ak_current(bs2, ak.mac, 1800000000), 1,
	       "%s: bs2 sees the station holds a current AK in the zone", n);
	is_int(store_zone_ak_current(bs2, ak.mac, 1900000001), 0,
	       "%s: not once it has expired", n);
	is_int(store_zone_ak_current(z2, ak.mac, 1800000000), 0,
	       "%s: nor in another zone", n);

	if (b->db == DB_POSTGRESQL &&
	    ok(store_zone_listen(bs1, &fd) == 0 && fd >= 0, "%s: bs1 listens", n)) {
		is_int(store_zone_notify(z2, "tree", 1), 0, "%s: z2 notifies", n);
		is_int(store_zone_notify(bs2, "tree", 7), 0, "%s: bs2 notifies", n);
		hear(bs1, fd, &h);
		ok(h.n == 1 && !strcmp(h.kind, "tree") && h.id == 7,
		   "%s: bs1 hears its zone's notification, not the other's", n);
	} else if (b->db == DB_SQLITE) {
		is_int(store_zone_listen(bs1, &fd), -EOPNOTSUPP,
		       "%s: a zone of one hears nothing", n);
	}
	store_close(bs1);
	store_close(bs2);
	store_close(z2);
	drop(b);
}

/* The server ends the store's session (as a restart or an administrator would). */
static int pg_kick(struct backend *b)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		 " WHERE datname = '%s' AND pid <> pg_backend_pid()", b->dbname);
	if (pg_exec(b, "postgres", sql))
		return -1;
	/* until the session is gone */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity"
		 " WHERE datname = '%s' AND pid <> pg_backend_pid()", b->dbname);
	for (int i = 0; i < 1000; i++) {
		long long left = pg_value(b, sql);

		if (left == 0)
			return 0;
		if (left < 0)
			return -1;
		usleep(10000);
	}
	return -1;
}

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * A server that cannot be reached (it takes no connection to the
 * database): the call that finds it so fails, those within the backoff
 * fail at once without trying, and once the server takes connections
 * again a call after the backoff reconnects.
 */
static void unreachable(struct backend *b, struct store *st)
{
	const char *n = b->name;
	struct seen z;
	long long t0, t;
	int err = -EIO;
	char sql[128];

	snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS false",
		 b->dbname);
	/* pg_kick() connects to the database itself: first */
	if (!ok(pg_kick(b) == 0 && pg_exec(b, "postgres", sql) == 0,
		"%s: the store's session ended, the database takes no connection", n))
		return;
	memset(&z, 0, sizeof(z));
	is_int(store_subscriber_each(st, on_sub, &z), -EIO,
	       "%s: a read fails (-EIO) when the server cannot be reached", n);
	t0 = ms_now();
	is_int(store_subscriber_each(st, on_sub, &z), -EIO,
	       "%s: so does the next, within the backoff", n);
	t = ms_now() - t0;
	ok(t < 50, "%s: at once, without trying (%lld ms)", n, t);
	snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS true",
		 b->dbname);
	pg_exec(b, "postgres", sql);
	t0 = ms_now();
	while (err && ms_now() - t0 < 10000) {
		usleep(50000);
		memset(&z, 0, sizeof(z));
		err = store_subscriber_each(st, on_sub, &z);
	}
	is_int(err, 0, "%s: once the server takes connections, a call after the backoff reconnects", n);
}

/*
 * A connection the server drops: between statements, the next one runs
 * on a new connection; in the middle of a batch, the batch fails (its
 * windows are not on disk) and the statement after it reconnects.
 */
static void lost_connection(struct backend *b)
{
	struct store_subscriber a = subscriber("ss-a", 0x11), c = subscriber("ss-c", 0x13);
	struct store_ak ak = { .mac = { 2, 0x16, 0, 0, 0, 0x11 }, .rx_next = 20 };
	const char *n = b->name;
	struct store *st;
	struct seen z;

	if (!ok(fresh(b, "lost") == 0, "%s: a fresh database", n) ||
	    !ok(store_open(b->db, b->where, &st) == 0, "%s: opened", n))
		return;
	is_int(store_subscriber_add(st, &a), 0, "%s: subscriber added", n);
	is_int(store_ak_save(st, &ak), 0, "%s: AK saved", n);
	ok(pg_kick(b) == 0, "%s: the server ended the store's session", n);
	is_int(store_subscriber_add(st, &c), 0,
	       "%s: the next write reconnects and is committed", n);
	memset(&z, 0, sizeof(z));
	is_int(store_subscriber_each(st, on_sub, &z), 0, "%s: and reads work", n);
	is_int(z.n, 2, "%s: both subscribers are there", n);

	store_batch_begin(st);
	is_int(store_ak_set_rx(st, ak.mac, 0, 21), 0, "%s: window moved in a batch", n);
	ok(pg_kick(b) == 0, "%s: the session ended in the middle of the batch", n);
	is_int(store_ak_set_rx(st, ak.mac, 0, 22), -EIO,
	       "%s: the next window fails (-EIO)", n);
	is_int(store_batch_end(st), -EIO, "%s: so does the batch's commit", n);
	is_int(value_seen(b, rx_of_active_ak), 20,
	       "%s: none of the batch's windows is on disk", n);
	is_int(store_ak_set_rx(st, ak.mac, 0, 23), 0,
	       "%s: the next write reconnects", n);
	is_int(value_seen(b, rx_of_active_ak), 23, "%s: and is committed", n);
	unreachable(b, st);
	store_close(st);
	drop(b);
}

/* store_batch_send()'s outcomes, as done() told them. */
struct outcomes {
	int n;
	bool committed[16];
};

static void on_outcome(void *arg, bool committed)
{
	struct outcomes *o = arg;

	if (o->n < 16)
		o->committed[o->n] = committed;
	o->n++;
}

/* Polls the store, as the daemon's loop does, until n outcomes or ms. */
static void wait_outcomes(struct store *st, struct outcomes *o, int n, int ms)
{
	long long t0 = ms_now();

	while (o->n < n && ms_now() - t0 < ms) {
		struct pollfd p = { .fd = store_batch_fd(st), .events = POLLIN };

		if (p.fd >= 0)
			poll(&p, 1, 20);
		else
			usleep(20000);
		store_batch_poll(st);
	}
}

static int batch_sent(struct store *st, const uint8_t mac[MAC_LEN], uint64_t rx)
{
	int err;

	store_batch_begin(st);
	err = store_ak_set_rx(st, mac, 0, rx);
	return err ? err : store_batch_send(st);
}

/*
 * A batch's commit without the wait (store_batch_send()): its outcome
 * comes once the server has committed it, never before; a lost
 * connection fails the batches on their way; another write tells their
 * outcome before it runs.
 */
static void batch_send(struct backend *b)
{
	struct store_subscriber a = subscriber("ss-a", 0x11);
	struct store_ak ak = { .mac = { 2, 0x16, 0, 0, 0, 0x11 }, .rx_next = 10 };
	struct outcomes o = { 0 };
	const char *n = b->name;
	PGconn *blocker;
	PGresult *r;
	struct store *st;
	char sql[256];

	if (!ok(fresh(b, "async") == 0, "%s: a fresh database", n) ||
	    !ok(store_open(b->db, b->where, &st) == 0, "%s: opened", n))
		return;
	store_batch_notify(st, on_outcome, &o);
	is_int(store_subscriber_add(st, &a), 0, "%s: subscriber added", n);
	is_int(store_ak_save(st, &ak), 0, "%s: AK saved", n);

	is_int(batch_sent(st, ak.mac, 11), 1, "%s: a batch's commit sent, its outcome to come", n);
	wait_outcomes(st, &o, 1, 5000);
	ok(o.n == 1 && o.committed[0], "%s: it came: committed", n);
	is_int(value_seen(b, rx_of_active_ak), 11, "%s: the window is on disk", n);

	blocker = pg_connect(b, b->dbname);
	r = PQexec(blocker, "BEGIN; SELECT 1 FROM aks FOR UPDATE");
	ok(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: another session locks the AK's row", n);
	PQclear(r);
	is_int(batch_sent(st, ak.mac, 12), 1, "%s: the next batch's commit sent", n);
	wait_outcomes(st, &o, 2, 500);
	is_int(o.n, 1, "%s: no outcome while its UPDATE waits: its answers stay held", n);
	PQclear(PQexec(blocker, "COMMIT"));
	wait_outcomes(st, &o, 2, 5000);
	ok(o.n == 2 && o.committed[1], "%s: the lock gone, it commits and says so", n);
	is_int(value_seen(b, rx_of_active_ak), 12, "%s: its window is on disk", n);

	r = PQexec(blocker, "BEGIN; SELECT 1 FROM aks FOR UPDATE");
	PQclear(r);
	is_int(batch_sent(st, ak.mac, 13), 1, "%s: a batch's commit sent", n);
	is_int(batch_sent(st, ak.mac, 14), 1, "%s: and another's behind it", n);
	wait_outcomes(st, &o, 3, 300);
	snprintf(sql, sizeof(sql),
		 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		 " WHERE datname = '%s' AND pid <> %d AND pid <> pg_backend_pid()",
		 b->dbname, PQbackendPID(blocker));
	ok(o.n == 2 && pg_exec(b, "postgres", sql) == 0,
	   "%s: the store's sessions end while both wait", n);
	wait_outcomes(st, &o, 4, 5000);
	ok(o.n == 4 && !o.committed[2] && !o.committed[3],
	   "%s: both fail: a lost connection releases nothing", n);
	PQclear(PQexec(blocker, "ROLLBACK"));
	PQfinish(blocker);
	is_int(value_seen(b, rx_of_active_ak), 12, "%s: neither window is on disk", n);

	is_int(batch_sent(st, ak.mac, 15), 1, "%s: the next batch reconnects", n);
	is_int(store_ak_set_tx(st, ak.mac, 0, 8192), 0,
	       "%s: another write waits for it", n);
	ok(o.n == 5 && o.committed[4], "%s: and has its outcome told first: committed", n);
	is_int(value_seen(b, rx_of_active_ak), 15, "%s: its window is on disk", n);
	/* the two connections' transactions may take an AK's row in either order */
	is_int(batch_sent(st, ak.mac, 40), 1, "%s: a window of 40 sent", n);
	wait_outcomes(st, &o, 6, 5000);
	is_int(batch_sent(st, ak.mac, 35), 1, "%s: then an older one of 35", n);
	wait_outcomes(st, &o, 7, 5000);
	ok(o.n == 7 && o.committed[6], "%s: which commits", n);
	is_int(value_seen(b, rx_of_active_ak), 40, "%s: a window only moves up", n);
	ok(store_batch_fd(st) < 0, "%s: no outcome owed: nothing to poll", n);
	store_close(st);
	drop(b);

	/*
	 * A zone's lock_timeout (F/10) ends an UPDATE that waits too long:
	 * the transaction fails on a connection still up, is rolled back,
	 * and the next one on it commits.
	 */
	memset(&o, 0, sizeof(o));
	if (!ok(fresh(b, "asynczone") == 0, "%s: a fresh database", n) ||
	    !ok(store_open_zone(b->db, b->where, "z1", "bs1", 2000, &st) == 0,
		"%s: bs1 of zone z1, failover 2000 ms", n))
		return;
	store_batch_notify(st, on_outcome, &o);
	is_int(store_ak_save(st, &ak), 0, "%s: AK saved", n);
	blocker = pg_connect(b, b->dbname);
	r = PQexec(blocker, "BEGIN; SELECT 1 FROM aks FOR UPDATE");
	PQclear(r);
	is_int(batch_sent(st, ak.mac, 21), 1, "%s: a batch's commit sent", n);
	wait_outcomes(st, &o, 1, 5000);
	ok(o.n == 1 && !o.committed[0], "%s: its UPDATE waited past lock_timeout: failed", n);
	PQclear(PQexec(blocker, "COMMIT"));
	PQfinish(blocker);
	is_int(batch_sent(st, ak.mac, 22), 1, "%s: the next batch's commit sent", n);
	wait_outcomes(st, &o, 2, 5000);
	ok(o.n == 2 && o.committed[1], "%s: and commits: the failed one was rolled back", n);
	is_int(value_seen(b, "SELECT rx_next FROM aks WHERE mac = '02:16:00:00:00:11'"), 22,
	       "%s: its window is on disk, the failed one's was not", n);
	/* another instance claimed bs1 while this one stalled */
	ok(pg_exec(b, b->dbname, "UPDATE zone_bss SET instance = 'someone-else'"
		   " WHERE zone = 'z1' AND bs = 'bs1'") == 0,
	   "%s: another instance holds bs1's claim now", n);
	is_int(batch_sent(st, ak.mac, 23), 1, "%s: a deposed instance's batch sent", n);
	wait_outcomes(st, &o, 3, 5000);
	ok(o.n == 3 && !o.committed[2], "%s: fails: its answers are dropped", n);
	is_int(value_seen(b, "SELECT rx_next FROM aks WHERE mac = '02:16:00:00:00:11'"), 22,
	       "%s: and its window is not written", n);
	store_close(st);
	drop(b);
}

/*
 * A writer stalled inside its fenced transaction (SIGSTOP, a frozen VM, a
 * partition) holds its lease's row lock: another BS's lease pass and a
 * fence wait for it no longer than the zone's bound (zones.rst), and
 * count as "not held".
 */
static void stalled_writer(struct backend *b)
{
	struct store_sa grp = zone_group_sa;
	char holder[CONFIG_ZONE_NAME_MAX + 1];
	struct store *bs1, *bs2;
	const char *n = b->name;
	PGconn *stalled;
	PGresult *r;
	long long t0, t;
	int err;

	if (!ok(fresh(b, "stalled") == 0, "%s: a fresh database", n))
		return;
	/* F = 2000 ms: waits end within F/10 (lock) and F/4 (statement) */
	if (!ok(store_open_zone(b->db, b->where, "z1", "bs1", 2000, &bs1) == 0 &&
		store_open_zone(b->db, b->where, "z1", "bs2", 2000, &bs2) == 0,
		"%s: bs1 and bs2 of zone z1, failover 2000 ms", n))
		return;
	is_int(store_lease_take(bs1, 0x3001, 60000, holder), 1, "%s: bs1 takes the lease", n);
	stalled = pg_connect(b, b->dbname);
	r = PQexec(stalled, "BEGIN; SELECT holder FROM zone_leases WHERE zone = 'z1'"
		   " AND said = 12289 FOR UPDATE");
	ok(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1,
	   "%s: a writer's transaction holds the lease's row and stalls", n);
	PQclear(r);
	t0 = ms_now();
	err = store_lease_take(bs2, 0x3001, 300, holder);
	t = ms_now() - t0;
	ok(err < 0, "%s: bs2's lease pass fails (%d)", n, err);
	ok(t < 1000, "%s: within the bound, not when the writer resumes (%lld ms)", n, t);
	t0 = ms_now();
	err = store_lease_take(bs1, 0x3001, 60000, holder);
	t = ms_now() - t0;
	ok(err < 0 && t < 1000,
	   "%s: a renewal waiting on the row fails within the bound: not renewed (%d, %lld ms)",
	   n, err, t);
	store_lease_fence(bs1, true);
	t0 = ms_now();
	err = store_sa_save(bs1, &grp);
	t = ms_now() - t0;
	ok(err < 0 && t < 1000, "%s: so does the holder's fenced write (%d, %lld ms)", n, err, t);
	PQclear(PQexec(stalled, "COMMIT"));
	PQfinish(stalled);
	is_int(store_sa_save(bs1, &grp), 0, "%s: once it ends, the holder writes", n);
	store_close(bs1);
	store_close(bs2);
	drop(b);
}

/*
 * The zone's bounds (zones.rst, "Bounded waits") end waits on a lock and
 * a transaction its client left idle, and the fenced transaction's
 * short statements within F/4; a read or save of bulk (the subscribers,
 * a large tree) that takes longer than F/4 is not cut short.  Here every
 * statement naming the zone takes 400 ms, F/4 being 250.
 */
static void slow_statements(struct backend *b)
{
	struct store_subscriber a = subscriber("ss-a", 0x11);
	struct store_sa grp = zone_group_sa;
	char holder[CONFIG_ZONE_NAME_MAX + 1];
	const char *n = b->name;
	struct store *st;
	long long t0, t;
	struct seen z;
	int err;

	if (!ok(fresh(b, "slow") == 0, "%s: a fresh database", n))
		return;
	if (!ok(store_open_zone(b->db, b->where, "z1", "bs1", 1000, &st) == 0,
		"%s: bs1 of zone z1, failover 1000 ms", n))
		return;
	store_subscriber_add(st, &a);
	is_int(store_lease_take(st, 0x3001, 60000, holder), 1, "%s: bs1 takes a lease", n);
	store_lease_fence(st, true);
	ok(exec_sql(b, "CREATE OR REPLACE FUNCTION pkmd_zone() RETURNS TEXT"
		    " LANGUAGE plpgsql STABLE AS $$ BEGIN PERFORM pg_sleep(0.4);"
		    " RETURN current_setting('pkmd.zone'); END $$") == 0,
	   "%s: the server slows down", n);
	memset(&z, 0, sizeof(z));
	t0 = ms_now();
	err = store_subscriber_each(st, on_sub, &z);
	t = ms_now() - t0;
	ok(err == 0 && z.n == 1,
	   "%s: a read longer than F/4 is not cut short (%d, %lld ms)", n, err, t);
	t0 = ms_now();
	err = store_sa_save(st, &grp);
	t = ms_now() - t0;
	ok(err < 0 && t < 1000,
	   "%s: the fenced transaction's fence is bounded by F/4 (%d, %lld ms)", n, err, t);
	exec_sql(b, "CREATE OR REPLACE FUNCTION pkmd_zone() RETURNS TEXT"
		 " LANGUAGE sql STABLE AS $$ SELECT current_setting('pkmd.zone') $$");
	is_int(store_sa_save(st, &grp), 0, "%s: the server fast again, the writer writes", n);
	store_close(st);
	drop(b);
}

static void postgresql_cases(void)
{
	struct backend b = {
		.name = "PostgreSQL", .db = DB_POSTGRESQL,
		.dir = getenv("PKMD_TEST_POSTGRESQL"),
		.schema_1 = schema_1_pg, .schema_2 = schema_2_pg,
		.schema_later = "UPDATE pkmd_schema SET version = 5",
	};
	const char *why = getenv("PKMD_TEST_POSTGRESQL_WHY");

	if (!b.dir || !*b.dir) {
		ok(0, "PostgreSQL: no test server: %s",
		   why ? why : "PKMD_TEST_POSTGRESQL is not set (run the test through tools/pg-test-server run, as make test does)");
		return;
	}
	records(&b);
	trees(&b);
	migration(&b);
	migration_2_to_3(&b);
	zones(&b);
	zone_coordination(&b);
	zone_shared(&b);
	pn_marks_upgrade(&b);
	bs_identity(&b);
	zone_revocation(&b);
	zone_join_check(&b);
	stalled_writer(&b);
	slow_statements(&b);
	lost_connection(&b);
	batch_send(&b);
}

int main(void)
{
	char dir[] = "/tmp/pkmd-store-XXXXXX";
	struct backend sqlite = {
		.name = "SQLite", .db = DB_SQLITE, .dir = dir,
		.schema_1 = schema_1_sqlite, .schema_2 = schema_2_sqlite,
		.schema_later = "PRAGMA user_version = 5",
	};

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	records(&sqlite);
	trees(&sqlite);
	migration(&sqlite);
	migration_2_to_3(&sqlite);
	zone_coordination(&sqlite);
	zone_shared(&sqlite);
	pn_marks_upgrade(&sqlite);
	bs_identity(&sqlite);
	zone_revocation(&sqlite);
	zone_join_check(&sqlite);
	rmdir(dir);

	postgresql_cases();
	return tap_finish();
}
