// SPDX-License-Identifier: GPL-2.0
/*
 * The store on SQLite (store.h), the default backend: a file.  The
 * schema (store_sql.c) is created on first use (PRAGMA user_version says
 * which); WAL with synchronous=NORMAL makes
 * every committed change survive the daemon's death (kill -9), though
 * not a power cut in the last moments.
 *
 * The database holds AKs, TEKs and key trees.  It is created owner-only
 * (SQLite gives its -wal and -shm files the same mode), and one that
 * group or others may read is refused.  A key that is deleted or
 * replaced leaves no copy behind: secure_delete zeroes its old cell, and
 * once the change is committed the WAL, which still holds the pages as
 * they were, is checkpointed and truncated.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "log.h"
#include "store_backend.h"
#include "store_sql.h"

/* How long a statement waits for another process's lock. */
#define BUSY_TIMEOUT_MS	2000
#define STRINGIFY_(x)	#x
#define STRINGIFY(x)	STRINGIFY_(x)

/* Statements run per PKM message are prepared once. */
enum stmt_id {
	ST_AK_SET_RX,
	ST_AK_SET_TX,
	ST_TEK_SET_PN,
	ST_COUNT
};

static const enum store_sql stmt_sql[ST_COUNT] = {
	[ST_AK_SET_RX] = SQL_AK_SET_RX,
	[ST_AK_SET_TX] = SQL_AK_SET_TX,
	[ST_TEK_SET_PN] = SQL_TEK_SET_PN,
};

/*
 * Each statement that drops a key (a DELETE, a cascade, an INSERT OR
 * REPLACE that puts another key in a key's place) calls key_retired():
 * TEMP triggers, so that no code path can forget it.
 */
static const char retire_triggers[] =
	"CREATE TEMP TRIGGER tek_deleted AFTER DELETE ON main.teks"
	" BEGIN SELECT key_retired(); END;"
	"CREATE TEMP TRIGGER tek_replaced BEFORE INSERT ON main.teks"
	" WHEN EXISTS (SELECT 1 FROM main.teks WHERE zone = NEW.zone"
	"  AND bs = NEW.bs AND said = NEW.said"
	"  AND generation = NEW.generation AND key IS NOT NEW.key)"
	" BEGIN SELECT key_retired(); END;"
	"CREATE TEMP TRIGGER ak_deleted AFTER DELETE ON main.aks"
	" BEGIN SELECT key_retired(); END;"
	"CREATE TEMP TRIGGER ak_replaced BEFORE INSERT ON main.aks"
	" WHEN EXISTS (SELECT 1 FROM main.aks WHERE zone = NEW.zone"
	"  AND bs = NEW.bs AND mac = NEW.mac"
	"  AND slot = NEW.slot AND ak IS NOT NEW.ak)"
	" BEGIN SELECT key_retired(); END;"
	"CREATE TEMP TRIGGER tree_deleted AFTER DELETE ON main.group_trees"
	" BEGIN SELECT key_retired(); END;"
	"CREATE TEMP TRIGGER tree_replaced BEFORE INSERT ON main.group_trees"
	" WHEN EXISTS (SELECT 1 FROM main.group_trees"
	"  WHERE zone = NEW.zone AND group_id = NEW.group_id"
	"  AND (tree IS NOT NEW.tree"
	"   OR members IS NOT NEW.members OR rekey IS NOT NEW.rekey))"
	" BEGIN SELECT key_retired(); END;";

struct sqlite_store {
	struct store base;
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	bool batch;			/* store_batch_begin() .. _end() */
	bool batch_open;		/* a receive-window transaction is open */
	bool retired;			/* a key left: checkpoint once committed */
};

static const struct store_ops sqlite_ops;

static void sqlite_close(struct store *base);

static struct sqlite_store *to_sqlite(struct store *base)
{
	return container_of(base, struct sqlite_store, base);
}

static void key_retired(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sqlite_store *st = sqlite3_user_data(ctx);

	(void)argc;
	(void)argv;
	st->retired = true;
	sqlite3_result_null(ctx);
}

/*
 * Once no transaction is open: the WAL's frames go into the database
 * file (where secure_delete has zeroed the old keys) and the WAL is
 * truncated, so that its old frames with the keys are gone.  Costs a
 * sync of the database file, only after a key was dropped.  A reader
 * in the way (this connection in the middle of a SELECT, another
 * process) is not waited for: the next write or the close tries again.
 */
static void checkpoint_retired(struct sqlite_store *st)
{
	int rc;

	if (!st->retired || !sqlite3_get_autocommit(st->db))
		return;
	sqlite3_busy_timeout(st->db, 0);
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL,
				       SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	if (rc == SQLITE_OK)
		st->retired = false;
	else
		log_debug("database: checkpoint after a deleted key: %s; tried again later",
			  sqlite3_errstr(rc));
}

/* pkmd_zone(), pkmd_bs(): the scope of the statements' rows (store_sql.c). */
static void scope_zone(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sqlite_store *st = sqlite3_user_data(ctx);

	(void)argc;
	(void)argv;
	sqlite3_result_text(ctx, st->base.zone, -1, SQLITE_STATIC);
}

static void scope_bs(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sqlite_store *st = sqlite3_user_data(ctx);

	(void)argc;
	(void)argv;
	sqlite3_result_text(ctx, st->base.bs, -1, SQLITE_STATIC);
}

static void scope_instance(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sqlite_store *st = sqlite3_user_data(ctx);

	(void)argc;
	(void)argv;
	sqlite3_result_text(ctx, st->base.instance, -1, SQLITE_STATIC);
}

/*
 * sha256(blob), as PostgreSQL's: what schema 3 to 4 keeps a PN mark
 * under (store_sql.c).  NULL for NULL.
 */
static void sql_sha256(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const void *in = sqlite3_value_blob(argv[0]);
	int len = sqlite3_value_bytes(argv[0]);
	uint8_t d[32];

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!EVP_Digest(in ? in : "", (size_t)len, d, NULL, EVP_sha256(), NULL)) {
		sqlite3_result_error(ctx, "sha256", -1);
		return;
	}
	sqlite3_result_blob(ctx, d, sizeof(d), SQLITE_TRANSIENT);
}

static int db_error(struct sqlite_store *st, const char *what)
{
	log_err("database: %s: %s", what, sqlite3_errmsg(st->db));
	return -EIO;
}

static int batch_commit(struct sqlite_store *st);

static int exec(struct sqlite_store *st, const char *sql)
{
	char *msg = NULL;

	if (batch_commit(st))
		return -EIO;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_err("database: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -EIO;
	}
	checkpoint_retired(st);
	return 0;
}

static int prepare(struct sqlite_store *st, const char *sql, sqlite3_stmt **stmt)
{
	if (batch_commit(st))
		return -EIO;
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return db_error(st, "prepare");
	return 0;
}

/* Runs a statement that returns no rows, then finalizes it. */
static int step_done(struct sqlite_store *st, sqlite3_stmt *stmt, const char *what)
{
	int rc = sqlite3_step(stmt);
	int err = 0;

	if (rc == SQLITE_CONSTRAINT)
		err = -EEXIST;
	else if (rc != SQLITE_DONE)
		err = db_error(st, what);
	sqlite3_finalize(stmt);
	checkpoint_retired(st);
	return err;
}

/*
 * step_done() for an insert of a BS's own row, which only the instance
 * holding its bs-id's claim makes (store_sql.c, CLAIMED): -EPERM
 * (logged) if it inserted nothing.
 */
static int step_claimed(struct sqlite_store *st, sqlite3_stmt *stmt,
			const char *what)
{
	int rc = sqlite3_step(stmt), err = 0;

	if (rc == SQLITE_CONSTRAINT) {
		err = -EEXIST;
	} else if (rc != SQLITE_DONE) {
		err = db_error(st, what);
	} else if (sqlite3_changes(st->db) == 0) {
		log_err("database %s: %s: refused: another pkmd instance holds bs-id %s now",
			st->base.name, what, st->base.bs);
		err = -EPERM;
	}
	sqlite3_finalize(stmt);
	checkpoint_retired(st);
	return err;
}

static void bind_mac(sqlite3_stmt *stmt, int i, const uint8_t mac[MAC_LEN])
{
	char buf[MAC_STR_LEN];

	sqlite3_bind_text(stmt, i, mac_format(mac, buf), -1, SQLITE_TRANSIENT);
}

static int column_mac(sqlite3_stmt *stmt, int i, uint8_t mac[MAC_LEN])
{
	const char *text = (const char *)sqlite3_column_text(stmt, i);

	return text ? mac_parse(text, mac) : -1;
}

static int column_blob(sqlite3_stmt *stmt, int i, void *out, size_t len)
{
	if (sqlite3_column_bytes(stmt, i) != (int)len)
		return -1;
	memcpy(out, sqlite3_column_blob(stmt, i), len);
	return 0;
}

static int column_text(sqlite3_stmt *stmt, int i, char *out, size_t cap)
{
	const char *text = (const char *)sqlite3_column_text(stmt, i);

	return text && str_copy(out, cap, text) ? 0 : -1;
}

/* An existing file of the database (FILE, or FILE plus suffix) is
 * refused if group or others have any access to it. */
static int check_private(const char *path, const char *suffix)
{
	char name[4096];
	struct stat sb;

	if ((size_t)snprintf(name, sizeof(name), "%s%s", path, suffix) >=
	    sizeof(name)) {
		log_err("database %s: name too long", path);
		return -ENAMETOOLONG;
	}
	if (stat(name, &sb)) {
		if (errno == ENOENT && *suffix)
			return 0;
		log_err("database %s: %s", name, strerror(errno));
		return -errno;
	}
	if (sb.st_mode & 077) {
		log_err("database %s: mode %04o lets group or others at the keys it holds; refused (chmod 600 it, and count the keys in it as exposed)",
			name, (unsigned int)(sb.st_mode & 07777));
		return -EACCES;
	}
	return 0;
}

/*
 * A new database is created owner-only here, whatever the umask, before
 * SQLite opens it: SQLite would create it 0644 less the umask, and it
 * makes its -wal and -shm files with the mode of the database file.
 */
static int create_private(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != EEXIST) {
		log_err("database %s: %s", path, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		int err = check_private(path, suffixes[i]);

		if (err)
			return err;
	}
	return 0;
}

int store_sqlite_open(const char *path, const char *zone, const char *bs,
		      struct store **out)
{
	struct sqlite_store *st;
	sqlite3_stmt *stmt;
	int version = -1;

	if (create_private(path))
		return -EIO;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->base.ops = &sqlite_ops;
	snprintf(st->base.name, sizeof(st->base.name), "SQLite %s", path);
	str_copy(st->base.zone, sizeof(st->base.zone), zone);
	str_copy(st->base.bs, sizeof(st->base.bs), bs);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		log_err("database %s: %s", path,
			st->db ? sqlite3_errmsg(st->db) : "cannot open");
		sqlite3_close(st->db);
		free(st);
		return -EIO;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	/* secure_delete: a dropped key's cell is zeroed, not left behind. */
	if (exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		     "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;"))
		goto fail;
	if (prepare(st, "PRAGMA user_version", &stmt))
		goto fail;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	if (version < 0 || version > STORE_SCHEMA_VERSION) {
		log_err("database %s: schema version %d, this pkmd knows up to %d",
			path, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (sqlite3_create_function(st->db, "pkmd_zone", 0, SQLITE_UTF8, st,
				    scope_zone, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(st->db, "pkmd_bs", 0, SQLITE_UTF8, st,
				    scope_bs, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(st->db, "pkmd_instance", 0, SQLITE_UTF8, st,
				    scope_instance, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(st->db, "sha256", 1,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				    sql_sha256, NULL, NULL) != SQLITE_OK ||
	    store_instance_new(&st->base)) {
		db_error(st, "pkmd_zone(), pkmd_bs()");
		goto fail;
	}
	if (exec(st, "BEGIN") ||
	    (version == 1 && exec(st, store_migrate_1_to_2_sqlite)) ||
	    (version >= 1 && version < 3 && exec(st, store_migrate_2_to_3_sqlite)) ||
	    (version >= 1 && version < 4 && exec(st, store_migrate_3_to_4_sqlite)) ||
	    exec(st, store_schema_sqlite) ||
	    exec(st, "PRAGMA user_version = " STRINGIFY(STORE_SCHEMA_VERSION)) ||
	    exec(st, "COMMIT")) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	if (version == 1)
		log_notice("database %s: schema 1 upgraded to %d; the TEKs it held count as used up: they stay in use while the kernel has them and are replaced by new ones where it lacks them",
			   path, STORE_SCHEMA_VERSION);
	else if (version >= 1 && version < STORE_SCHEMA_VERSION)
		log_notice("database %s: schema %d upgraded to %d", path,
			   version, STORE_SCHEMA_VERSION);
	if (sqlite3_create_function(st->db, "key_retired", 0, SQLITE_UTF8, st,
				    key_retired, NULL, NULL) != SQLITE_OK) {
		db_error(st, "key_retired()");
		goto fail;
	}
	if (exec(st, retire_triggers))
		goto fail;
	for (int i = 0; i < ST_COUNT; i++)
		if (prepare(st, store_sql_sqlite(stmt_sql[i]), &st->stmt[i]))
			goto fail;
	*out = &st->base;
	return 0;

fail:
	sqlite_close(&st->base);
	return -EIO;
}

static void sqlite_close(struct store *base)
{
	struct sqlite_store *st = to_sqlite(base);

	batch_commit(st);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	checkpoint_retired(st);
	sqlite3_close(st->db);
	free(st);
}

/* Subscribers */

static int sqlite_subscriber_add(struct store *base, const struct store_subscriber *s)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;

	if (prepare(st, store_sql_sqlite(SQL_SUBSCRIBER_ADD), &stmt))
		return -EIO;
	sqlite3_bind_text(stmt, 1, s->cn, -1, SQLITE_TRANSIENT);
	bind_mac(stmt, 2, s->mac);
	sqlite3_bind_text(stmt, 3, s->provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 4, (int)s->services);
	sqlite3_bind_int(stmt, 5, s->revoked);
	sqlite3_bind_int64(stmt, 6, s->created);
	return step_done(st, stmt, "add subscriber");
}

static int sqlite_subscriber_revoke(struct store *base, const char *cn)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int err;

	if (exec(st, "BEGIN IMMEDIATE"))
		return -EIO;
	err = prepare(st, store_sql_sqlite(SQL_SUBSCRIBER_REVOKE), &stmt);
	if (!err) {
		sqlite3_bind_text(stmt, 1, cn, -1, SQLITE_TRANSIENT);
		err = step_done(st, stmt, "revoke subscriber");
	}
	if (!err && sqlite3_changes(st->db) == 0)
		err = -ENOENT;
	if (!err)
		err = prepare(st, store_sql_sqlite(SQL_REPLACE_PUT), &stmt);
	if (!err) {
		sqlite3_bind_text(stmt, 1, cn, -1, SQLITE_TRANSIENT);
		err = step_done(st, stmt, "revoke subscriber");
	}
	if (err) {
		exec(st, "ROLLBACK");
		return err;
	}
	return exec(st, "COMMIT");
}

static int sqlite_subscriber_each(struct store *base,
				  int (*cb)(void *arg, const struct store_subscriber *s),
				  void *arg)
{
	struct sqlite_store *st = to_sqlite(base);
	struct store_subscriber s;
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, err = 0;

	if (prepare(st, store_sql_sqlite(SQL_SUBSCRIBER_EACH), &stmt))
		return -EIO;
	while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&s, 0, sizeof(s));
		if (column_text(stmt, 0, s.cn, sizeof(s.cn)) ||
		    column_mac(stmt, 1, s.mac) ||
		    column_text(stmt, 2, s.provider, sizeof(s.provider))) {
			log_err("database: malformed subscriber row");
			err = -EIO;
			break;
		}
		s.services = (unsigned int)sqlite3_column_int(stmt, 3);
		s.revoked = sqlite3_column_int(stmt, 4) != 0;
		s.created = sqlite3_column_int64(stmt, 5);
		err = cb(arg, &s);
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(st, "list subscribers");
	sqlite3_finalize(stmt);
	return err;
}

/* Group memberships */

static int sqlite_member_add(struct store *base, uint8_t group, const char *cn)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;

	if (prepare(st, store_sql_sqlite(SQL_MEMBER_ADD), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, group);
	sqlite3_bind_text(stmt, 2, cn, -1, SQLITE_TRANSIENT);
	return step_done(st, stmt, "add group member");
}

static int sqlite_member_del(struct store *base, uint8_t group, const char *cn)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int err;

	if (prepare(st, store_sql_sqlite(SQL_MEMBER_DEL), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, group);
	sqlite3_bind_text(stmt, 2, cn, -1, SQLITE_TRANSIENT);
	err = step_done(st, stmt, "delete group member");
	if (!err && sqlite3_changes(st->db) == 0)
		err = -ENOENT;
	return err;
}

static int sqlite_member_each(struct store *base,
			      int (*cb)(void *arg, uint8_t group, const char *cn),
			      void *arg)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, err = 0;

	if (prepare(st, store_sql_sqlite(SQL_MEMBER_EACH), &stmt))
		return -EIO;
	while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *cn = (const char *)sqlite3_column_text(stmt, 1);

		err = cb(arg, (uint8_t)sqlite3_column_int(stmt, 0), cn ? cn : "");
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(st, "list group members");
	sqlite3_finalize(stmt);
	return err;
}

/* Stations */

static int sqlite_station_add(struct store *base, const uint8_t mac[MAC_LEN],
			      uint16_t index)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;

	if (prepare(st, store_sql_sqlite(SQL_STATION_ADD), &stmt))
		return -EIO;
	bind_mac(stmt, 1, mac);
	sqlite3_bind_int(stmt, 2, index);
	return step_claimed(st, stmt, "add station");
}

static int sqlite_station_each(struct store *base,
			       int (*cb)(void *arg, const uint8_t mac[MAC_LEN],
					 uint16_t index),
			       void *arg)
{
	struct sqlite_store *st = to_sqlite(base);
	uint8_t mac[MAC_LEN];
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, err = 0;

	if (prepare(st, store_sql_sqlite(SQL_STATION_EACH), &stmt))
		return -EIO;
	while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (column_mac(stmt, 0, mac)) {
			log_err("database: malformed station row");
			err = -EIO;
			break;
		}
		err = cb(arg, mac, (uint16_t)sqlite3_column_int(stmt, 1));
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(st, "list stations");
	sqlite3_finalize(stmt);
	return err;
}

/* SAs and their TEKs */

static int sa_write(struct sqlite_store *st, const struct store_sa *sa)
{
	sqlite3_stmt *stmt;
	int err;

	if (prepare(st, store_sql_sqlite(SQL_SA_PUT), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, sa->said);
	sqlite3_bind_int(stmt, 2, sa->service);
	sqlite3_bind_int(stmt, 3, sa->suite);
	if (sa->has_group)
		sqlite3_bind_int(stmt, 4, sa->group_id);
	if (sa->has_owner)
		bind_mac(stmt, 5, sa->owner);
	err = step_claimed(st, stmt, "save SA");
	if (err)
		return err;

	for (int gen = 0; gen < 2; gen++) {
		const struct store_tek *t = &sa->tek[gen];

		if (prepare(st, store_sql_sqlite(SQL_TEK_PUT), &stmt))
			return -EIO;
		sqlite3_bind_int(stmt, 1, sa->said);
		sqlite3_bind_int(stmt, 2, gen);
		sqlite3_bind_int(stmt, 3, t->eks);
		sqlite3_bind_blob(stmt, 4, t->key, sizeof(t->key), SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 5, t->expires);
		sqlite3_bind_int64(stmt, 6, t->tx_pn_reserved);
		sqlite3_bind_int64(stmt, 7, t->rx_pn);
		err = step_done(st, stmt, "save TEK");
		if (err)
			return err;
	}
	return 0;
}

/*
 * A writer's fence (store_lease_fence()), inside the transaction: the
 * lease of the shared SA said is this BS's and unexpired; else -EPERM.
 */
static int lease_held(struct sqlite_store *st, uint16_t said)
{
	sqlite3_stmt *stmt;
	int rc;

	if (!st->base.fence)
		return 0;
	if (sqlite3_prepare_v2(st->db, store_sql_sqlite(SQL_LEASE_HELD), -1,
			       &stmt, NULL) != SQLITE_OK)
		return db_error(st, "prepare");
	sqlite3_bind_int(stmt, 1, said);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE) {
		log_warn("database: SAID 0x%04x: this BS does not hold its lease; its write is refused",
			 said);
		return -EPERM;
	}
	return db_error(st, "lease");
}

static int sqlite_sa_save(struct store *base, const struct store_sa *sa)
{
	struct sqlite_store *st = to_sqlite(base);
	int err;

	if (exec(st, "BEGIN IMMEDIATE"))
		return -EIO;
	err = sa->has_owner ? 0 : lease_held(st, sa->said);
	if (!err)
		err = sa_write(st, sa);
	if (err) {
		exec(st, "ROLLBACK");
		return err;
	}
	return exec(st, "COMMIT");
}

static int sqlite_sa_delete(struct store *base, uint16_t said)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int err;

	if (prepare(st, store_sql_sqlite(SQL_SA_DELETE), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, said);
	err = step_done(st, stmt, "delete SA");
	if (!err && sqlite3_changes(st->db) == 0)
		err = -ENOENT;
	return err;
}

/* A PN column: 0 to 2^31 (a damaged value counts as all used). */
static uint32_t pn_column(sqlite3_stmt *stmt, int i)
{
	int64_t v = sqlite3_column_int64(stmt, i);

	return v >= 0 && v <= STORE_PN_SPACE ? (uint32_t)v : STORE_PN_SPACE;
}

static int sqlite_sa_each(struct store *base,
			  int (*cb)(void *arg, const struct store_sa *sa), void *arg)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	struct store_sa sa;
	int rc = SQLITE_DONE, err = 0, have = 0;

	/* One row per TEK generation; an SA is complete with both. */
	if (prepare(st, store_sql_sqlite(SQL_SA_EACH), &stmt))
		return -EIO;
	memset(&sa, 0, sizeof(sa));
	while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		uint16_t said = (uint16_t)sqlite3_column_int(stmt, 0);
		int gen = sqlite3_column_int(stmt, 5);
		struct store_tek *t;

		if (have && said != sa.said) {
			log_err("database: SA 0x%04x lacks a TEK generation", sa.said);
			have = 0;
		}
		if (!have) {
			memset(&sa, 0, sizeof(sa));
			sa.said = said;
			sa.service = (uint8_t)sqlite3_column_int(stmt, 1);
			sa.suite = (uint8_t)sqlite3_column_int(stmt, 2);
			sa.has_group = sqlite3_column_type(stmt, 3) != SQLITE_NULL;
			sa.group_id = (uint8_t)sqlite3_column_int(stmt, 3);
			sa.has_owner = sqlite3_column_type(stmt, 4) != SQLITE_NULL;
			if (sa.has_owner && column_mac(stmt, 4, sa.owner)) {
				err = -EIO;
				break;
			}
		}
		if (gen != have) {
			log_err("database: SA 0x%04x: TEK generations out of order", said);
			have = 0;
			continue;
		}
		t = &sa.tek[gen];
		t->eks = (uint8_t)sqlite3_column_int(stmt, 6);
		if (column_blob(stmt, 7, t->key, sizeof(t->key))) {
			log_err("database: SA 0x%04x: malformed TEK", said);
			err = -EIO;
			break;
		}
		t->expires = sqlite3_column_int64(stmt, 8);
		t->tx_pn_reserved = pn_column(stmt, 9);
		t->rx_pn = pn_column(stmt, 10);
		if (++have == 2) {
			err = cb(arg, &sa);
			have = 0;
		}
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(st, "list SAs");
	sqlite3_finalize(stmt);
	OPENSSL_cleanse(&sa, sizeof(sa));
	return err;
}

static int sqlite_tek_set_pn(struct store *base, uint16_t said, uint8_t eks,
			     uint32_t tx_pn_reserved, uint32_t rx_pn)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt = st->stmt[ST_TEK_SET_PN];
	int rc;

	if (batch_commit(st))
		return -EIO;
	sqlite3_reset(stmt);
	sqlite3_bind_int(stmt, 1, said);
	sqlite3_bind_int(stmt, 2, eks);
	sqlite3_bind_int64(stmt, 3, tx_pn_reserved);
	sqlite3_bind_int64(stmt, 4, rx_pn);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return db_error(st, "update TEK packet numbers");
	return sqlite3_changes(st->db) ? 0 : -ENOENT;
}

/* AKs */

static int sqlite_ak_save(struct store *base, const struct store_ak *ak)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;

	if (prepare(st, store_sql_sqlite(SQL_AK_PUT), &stmt))
		return -EIO;
	bind_mac(stmt, 1, ak->mac);
	sqlite3_bind_int(stmt, 2, ak->slot);
	sqlite3_bind_int(stmt, 3, ak->seq);
	sqlite3_bind_blob(stmt, 4, ak->ak, sizeof(ak->ak), SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 5, ak->expires);
	sqlite3_bind_int64(stmt, 6, ak->tx_pn_reserved);
	sqlite3_bind_int64(stmt, 7, (sqlite3_int64)ak->rx_next);
	sqlite3_bind_blob(stmt, 8, ak->nonce, sizeof(ak->nonce), SQLITE_TRANSIENT);
	return step_claimed(st, stmt, "save AK");
}

static int sqlite_ak_promote(struct store *base, const uint8_t mac[MAC_LEN])
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int err;

	if (exec(st, "BEGIN IMMEDIATE"))
		return -EIO;
	err = prepare(st, store_sql_sqlite(SQL_AK_DELETE_ACTIVE), &stmt);
	if (!err) {
		bind_mac(stmt, 1, mac);
		err = step_done(st, stmt, "promote AK");
	}
	if (!err)
		err = prepare(st, store_sql_sqlite(SQL_AK_PROMOTE), &stmt);
	if (!err) {
		bind_mac(stmt, 1, mac);
		err = step_done(st, stmt, "promote AK");
	}
	if (err) {
		exec(st, "ROLLBACK");
		return err;
	}
	return exec(st, "COMMIT");
}

static int sqlite_ak_delete(struct store *base, const uint8_t mac[MAC_LEN])
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;

	if (prepare(st, store_sql_sqlite(SQL_AK_DELETE), &stmt))
		return -EIO;
	bind_mac(stmt, 1, mac);
	return step_done(st, stmt, "delete AKs");
}

static int ak_set(struct sqlite_store *st, enum stmt_id id,
		  const uint8_t mac[MAC_LEN], uint8_t slot, int64_t value)
{
	sqlite3_stmt *stmt = st->stmt[id];
	int rc;

	sqlite3_reset(stmt);
	bind_mac(stmt, 1, mac);
	sqlite3_bind_int(stmt, 2, slot);
	sqlite3_bind_int64(stmt, 3, value);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : db_error(st, "update AK counters");
}

/*
 * Group commit (control-plane.rst, "Persistence"): between
 * store_batch_begin() and store_batch_end() the receive windows of Key
 * Requests share one transaction, which any other write commits first,
 * so that every other change still reaches the disk before it is acted
 * on.  The caller holds the answers until store_batch_end() succeeds.
 */
static int batch_commit(struct sqlite_store *st)
{
	char *msg = NULL;

	if (!st->batch_open)
		return 0;
	st->batch_open = false;
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	log_err("database: commit: %s", msg ? msg : "error");
	sqlite3_free(msg);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
}

static void sqlite_batch_begin(struct store *base)
{
	struct sqlite_store *st = to_sqlite(base);

	st->batch = true;
}

static int sqlite_batch_end(struct store *base)
{
	struct sqlite_store *st = to_sqlite(base);

	st->batch = false;
	return batch_commit(st);
}

static int sqlite_ak_set_rx(struct store *base, const uint8_t mac[MAC_LEN],
			    uint8_t slot, uint64_t rx_next)
{
	struct sqlite_store *st = to_sqlite(base);

	if (st->batch && !st->batch_open) {
		if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
		    SQLITE_OK)
			return db_error(st, "begin");
		st->batch_open = true;
	}
	return ak_set(st, ST_AK_SET_RX, mac, slot, (int64_t)rx_next);
}

static int sqlite_ak_set_tx(struct store *base, const uint8_t mac[MAC_LEN],
			    uint8_t slot, uint32_t tx_pn_reserved)
{
	struct sqlite_store *st = to_sqlite(base);

	if (batch_commit(st))
		return -EIO;
	return ak_set(st, ST_AK_SET_TX, mac, slot, tx_pn_reserved);
}

static int sqlite_ak_each(struct store *base,
			  int (*cb)(void *arg, const struct store_ak *ak), void *arg)
{
	struct sqlite_store *st = to_sqlite(base);
	struct store_ak ak;
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, err = 0;

	if (prepare(st, store_sql_sqlite(SQL_AK_EACH), &stmt))
		return -EIO;
	while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&ak, 0, sizeof(ak));
		if (column_mac(stmt, 0, ak.mac) ||
		    column_blob(stmt, 3, ak.ak, sizeof(ak.ak)) ||
		    column_blob(stmt, 7, ak.nonce, sizeof(ak.nonce))) {
			log_err("database: malformed AK row");
			err = -EIO;
			break;
		}
		ak.slot = (uint8_t)sqlite3_column_int(stmt, 1);
		ak.seq = (uint8_t)sqlite3_column_int(stmt, 2);
		ak.expires = sqlite3_column_int64(stmt, 4);
		ak.tx_pn_reserved = (uint32_t)sqlite3_column_int64(stmt, 5);
		ak.rx_next = (uint64_t)sqlite3_column_int64(stmt, 6);
		err = cb(arg, &ak);
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(st, "list AKs");
	sqlite3_finalize(stmt);
	OPENSSL_cleanse(&ak, sizeof(ak));
	return err;
}

/* Group key trees */

static int bind_blob(sqlite3_stmt *stmt, int i, const uint8_t *p, size_t len)
{
	/* An empty blob is a zero-length blob, never NULL. */
	return sqlite3_bind_blob(stmt, i, len ? (const void *)p : "", (int)len,
				 SQLITE_TRANSIENT);
}

static int sqlite_group_tree_save(struct store *base, const struct store_group_tree *t,
				  const struct store_sa *sa)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int err;

	if (exec(st, "BEGIN IMMEDIATE"))
		return -EIO;
	err = t->said || sa ? lease_held(st, sa ? sa->said : t->said) : 0;
	if (!err)
		err = prepare(st, store_sql_sqlite(SQL_TREE_PUT), &stmt);
	if (!err) {
		sqlite3_bind_int(stmt, 1, t->group_id);
		bind_blob(stmt, 2, t->tree, t->tree_len);
		bind_blob(stmt, 3, t->members, t->members_len);
		bind_blob(stmt, 4, t->rekey, t->rekey_len);
		err = step_done(st, stmt, "save group tree");
	}
	if (!err && sa)
		err = sa_write(st, sa);
	if (err) {
		exec(st, "ROLLBACK");
		return err;
	}
	return exec(st, "COMMIT");
}

static int column_dup(sqlite3_stmt *stmt, int i, uint8_t **out, size_t *len)
{
	int n = sqlite3_column_bytes(stmt, i);
	const void *p = sqlite3_column_blob(stmt, i);

	*out = malloc(n > 0 ? (size_t)n : 1);
	if (!*out)
		return -ENOMEM;
	if (n > 0)
		memcpy(*out, p, (size_t)n);
	*len = n > 0 ? (size_t)n : 0;
	return 0;
}

static int sqlite_group_tree_load(struct store *base, uint8_t group,
				  struct store_group_tree *t)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int rc, err = 0;

	memset(t, 0, sizeof(*t));
	t->group_id = group;
	if (prepare(st, store_sql_sqlite(SQL_TREE_LOAD), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, group);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (column_dup(stmt, 0, &t->tree, &t->tree_len) ||
		    column_dup(stmt, 1, &t->members, &t->members_len) ||
		    column_dup(stmt, 2, &t->rekey, &t->rekey_len))
			err = -ENOMEM;
		t->version = (uint64_t)sqlite3_column_int64(stmt, 3);
	} else if (rc == SQLITE_DONE) {
		err = -ENOENT;
	} else {
		err = db_error(st, "load group tree");
	}
	sqlite3_finalize(stmt);
	if (err)
		store_group_tree_free(t);
	return err;
}

static int sqlite_group_tree_delete(struct store *base, uint8_t group)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;

	if (prepare(st, store_sql_sqlite(SQL_TREE_DELETE), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, group);
	return step_done(st, stmt, "delete group tree");
}

static int sqlite_group_tree_versions(struct store *base,
				      int (*cb)(void *arg, uint8_t group,
						uint64_t version),
				      void *arg)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, err = 0;

	if (prepare(st, store_sql_sqlite(SQL_TREE_VERSIONS), &stmt))
		return -EIO;
	while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		err = cb(arg, (uint8_t)sqlite3_column_int(stmt, 0),
			 (uint64_t)sqlite3_column_int64(stmt, 1));
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = db_error(st, "list group trees");
	sqlite3_finalize(stmt);
	return err;
}

/* Zones: a zone of one on SQLite, whose one BS holds every lease. */

static int sqlite_tek_take_pns(struct store *base, uint16_t said,
			       const uint8_t id[STORE_PN_ID_LEN], uint32_t block,
			       uint32_t *start)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int64_t end = -1;
	int rc, err = 0;

	if (prepare(st, store_sql_sqlite(SQL_TEK_PN_TAKE), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, said);
	bind_blob(stmt, 2, id, STORE_PN_ID_LEN);
	sqlite3_bind_int64(stmt, 3, block);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		end = sqlite3_column_int64(stmt, 0);
	else
		err = db_error(st, "take PNs");
	sqlite3_finalize(stmt);
	if (err)
		return err;
	if (end > STORE_PN_SPACE || end < block)
		return -ENOSPC;
	*start = (uint32_t)(end - block);
	return 0;
}

static int sqlite_lease_take(struct store *base, uint16_t said,
			     uint32_t lease_ms,
			     char holder[CONFIG_ZONE_NAME_MAX + 1])
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int rc, err = 0;

	if (prepare(st, store_sql_sqlite(SQL_LEASE_TAKE), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, said);
	sqlite3_bind_int64(stmt, 2, lease_ms);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = db_error(st, "take lease");
	sqlite3_finalize(stmt);
	if (err)
		return err;
	if (rc == SQLITE_ROW)
		return 1;
	if (holder) {
		holder[0] = '\0';
		if (!prepare(st, store_sql_sqlite(SQL_LEASE_HOLDER), &stmt)) {
			sqlite3_bind_int(stmt, 1, said);
			if (sqlite3_step(stmt) == SQLITE_ROW)
				column_text(stmt, 0, holder, CONFIG_ZONE_NAME_MAX + 1);
			sqlite3_finalize(stmt);
		}
	}
	return 0;
}

static int sqlite_lease_release(struct store *base, uint16_t said)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;

	if (prepare(st, store_sql_sqlite(SQL_LEASE_RELEASE), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, said);
	return step_done(st, stmt, "release lease");
}

static int sqlite_zone_notify(struct store *base, const char *kind,
			      unsigned int id)
{
	(void)base;
	(void)kind;
	(void)id;
	return 0;	/* nobody else reads this file */
}

static int sqlite_zone_listen(struct store *base, int *fd)
{
	(void)base;
	*fd = -1;
	return -EOPNOTSUPP;
}

static int sqlite_zone_notifications(struct store *base,
				     void (*cb)(void *arg, const char *kind,
						unsigned int id),
				     void *arg)
{
	(void)base;
	(void)cb;
	(void)arg;
	return 0;
}

static int sqlite_join_add(struct store *base, uint8_t group, const char *cn,
			   const uint8_t ikey[STORE_KEY_LEN], int64_t asked)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;

	if (prepare(st, store_sql_sqlite(SQL_JOIN_PUT), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, group);
	sqlite3_bind_text(stmt, 2, cn, -1, SQLITE_TRANSIENT);
	bind_blob(stmt, 3, ikey, STORE_KEY_LEN);
	sqlite3_bind_int64(stmt, 4, asked);
	return step_claimed(st, stmt, "save join");
}

static int sqlite_join_each(struct store *base, uint8_t group,
			    int (*cb)(void *arg, const struct store_join *j),
			    void *arg)
{
	struct sqlite_store *st = to_sqlite(base);
	struct store_join j;
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, err = 0;

	if (prepare(st, store_sql_sqlite(SQL_JOIN_EACH), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, group);
	while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&j, 0, sizeof(j));
		if (column_text(stmt, 0, j.cn, sizeof(j.cn)) ||
		    column_blob(stmt, 1, j.ikey, sizeof(j.ikey)) ||
		    column_text(stmt, 2, j.bs, sizeof(j.bs))) {
			log_err("database: malformed join row");
			err = -EIO;
			break;
		}
		j.allowed = sqlite3_column_int(stmt, 3) == 1;
		err = cb(arg, &j);
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = db_error(st, "list joins");
	sqlite3_finalize(stmt);
	OPENSSL_cleanse(&j, sizeof(j));
	return err;
}

static int sqlite_join_delete(struct store *base, uint8_t group, const char *cn,
			      const uint8_t ikey[STORE_KEY_LEN])
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;

	if (prepare(st, store_sql_sqlite(SQL_JOIN_DELETE), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, group);
	sqlite3_bind_text(stmt, 2, cn, -1, SQLITE_TRANSIENT);
	bind_blob(stmt, 3, ikey, STORE_KEY_LEN);
	return step_done(st, stmt, "delete join");
}

static int sqlite_zone_ak_current(struct store *base,
				  const uint8_t mac[MAC_LEN], int64_t now)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int rc, n = 0;

	if (prepare(st, store_sql_sqlite(SQL_ZONE_AK_CURRENT), &stmt))
		return -EIO;
	bind_mac(stmt, 1, mac);
	sqlite3_bind_int64(stmt, 2, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		return db_error(st, "zone AKs");
	return n > 0;
}

static int sqlite_zone_sa_check(struct store *base, const struct store_zone_sa *c,
				struct store_zone_sa *zone)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int rc, err;

	if (prepare(st, store_sql_sqlite(SQL_ZONE_SA_PUT), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, c->said);
	sqlite3_bind_int(stmt, 2, c->service);
	sqlite3_bind_int(stmt, 3, c->suite);
	if (c->has_group)
		sqlite3_bind_int(stmt, 4, c->group_id);
	else
		sqlite3_bind_null(stmt, 4);
	sqlite3_bind_int(stmt, 5, c->tree);
	sqlite3_bind_int(stmt, 6, c->tree_degree);
	err = step_done(st, stmt, "zone SA configuration");
	if (err)
		return err;
	if (prepare(st, store_sql_sqlite(SQL_ZONE_SA_GET), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, c->said);
	memset(zone, 0, sizeof(*zone));
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		zone->service = (uint8_t)sqlite3_column_int(stmt, 0);
		zone->suite = (uint8_t)sqlite3_column_int(stmt, 1);
		zone->has_group = sqlite3_column_type(stmt, 2) != SQLITE_NULL;
		zone->group_id = (uint8_t)sqlite3_column_int(stmt, 2);
		zone->tree = (uint8_t)sqlite3_column_int(stmt, 3);
		zone->tree_degree = (uint8_t)sqlite3_column_int(stmt, 4);
	}
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : db_error(st, "zone SA configuration");
}

static int sqlite_zone_claim(struct store *base, uint32_t stale_ms)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int rc;

	if (prepare(st, store_sql_sqlite(SQL_BS_CLAIM), &stmt))
		return -EIO;
	sqlite3_bind_int64(stmt, 1, stale_ms);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_error(st, "claim bs-id");
}

static int sqlite_zone_unclaim(struct store *base)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;

	if (prepare(st, store_sql_sqlite(SQL_BS_UNCLAIM), &stmt))
		return -EIO;
	return step_done(st, stmt, "give bs-id up");
}

static int sqlite_replace_each(struct store *base,
			       int (*cb)(void *arg, uint16_t said, const char *cn),
			       void *arg)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;
	int rc, err = 0;

	if (prepare(st, store_sql_sqlite(SQL_REPLACE_EACH), &stmt))
		return -EIO;
	while (!err && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		err = cb(arg, (uint16_t)sqlite3_column_int(stmt, 0),
			 (const char *)sqlite3_column_text(stmt, 1));
	if (!err && rc != SQLITE_DONE)
		err = db_error(st, "list replacements");
	sqlite3_finalize(stmt);
	return err;
}

static int sqlite_replace_done(struct store *base, uint16_t said, const char *cn)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *stmt;

	if (prepare(st, store_sql_sqlite(SQL_REPLACE_DONE), &stmt))
		return -EIO;
	sqlite3_bind_int(stmt, 1, said);
	sqlite3_bind_text(stmt, 2, cn, -1, SQLITE_TRANSIENT);
	return step_done(st, stmt, "replacement done");
}

static const struct store_ops sqlite_ops = {
	.close = sqlite_close,
	.subscriber_add = sqlite_subscriber_add,
	.subscriber_revoke = sqlite_subscriber_revoke,
	.subscriber_each = sqlite_subscriber_each,
	.member_add = sqlite_member_add,
	.member_del = sqlite_member_del,
	.member_each = sqlite_member_each,
	.station_add = sqlite_station_add,
	.station_each = sqlite_station_each,
	.sa_save = sqlite_sa_save,
	.sa_delete = sqlite_sa_delete,
	.tek_set_pn = sqlite_tek_set_pn,
	.sa_each = sqlite_sa_each,
	.ak_save = sqlite_ak_save,
	.ak_promote = sqlite_ak_promote,
	.ak_delete = sqlite_ak_delete,
	.ak_set_rx = sqlite_ak_set_rx,
	.ak_set_tx = sqlite_ak_set_tx,
	.batch_begin = sqlite_batch_begin,
	.batch_end = sqlite_batch_end,
	.ak_each = sqlite_ak_each,
	.group_tree_save = sqlite_group_tree_save,
	.group_tree_load = sqlite_group_tree_load,
	.group_tree_delete = sqlite_group_tree_delete,
	.group_tree_versions = sqlite_group_tree_versions,
	.tek_take_pns = sqlite_tek_take_pns,
	.lease_take = sqlite_lease_take,
	.lease_release = sqlite_lease_release,
	.zone_notify = sqlite_zone_notify,
	.zone_listen = sqlite_zone_listen,
	.zone_notifications = sqlite_zone_notifications,
	.join_add = sqlite_join_add,
	.join_each = sqlite_join_each,
	.join_delete = sqlite_join_delete,
	.zone_ak_current = sqlite_zone_ak_current,
	.zone_sa_check = sqlite_zone_sa_check,
	.zone_claim = sqlite_zone_claim,
	.zone_unclaim = sqlite_zone_unclaim,
	.replace_each = sqlite_replace_each,
	.replace_done = sqlite_replace_done,
};
