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
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>
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
	const char *schema_later;	/* marks the database as schema 3 */
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
	is_int(schema_version(b), 2, "%s: the schema is version 2 now", n);
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
	store_close(st);
	drop(b);
}

static void postgresql_cases(void)
{
	struct backend b = {
		.name = "PostgreSQL", .db = DB_POSTGRESQL,
		.dir = getenv("PKMD_TEST_POSTGRESQL"),
		.schema_1 = schema_1_pg,
		.schema_later = "UPDATE pkmd_schema SET version = 3",
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
	lost_connection(&b);
}

int main(void)
{
	char dir[] = "/tmp/pkmd-store-XXXXXX";
	struct backend sqlite = {
		.name = "SQLite", .db = DB_SQLITE, .dir = dir,
		.schema_1 = schema_1_sqlite, .schema_later = "PRAGMA user_version = 3",
	};

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	records(&sqlite);
	trees(&sqlite);
	migration(&sqlite);
	rmdir(dir);

	postgresql_cases();
	return tap_finish();
}
