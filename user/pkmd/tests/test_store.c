// SPDX-License-Identifier: GPL-2.0
/*
 * The database: every record type written, read back after closing and
 * reopening (what a restart does), and the refusals the daemon relies on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* rx_next of the MAC's active AK as another connection sees it; -1 if none. */
static long long rx_seen(const char *path, const uint8_t mac[MAC_LEN])
{
	char text[MAC_STR_LEN];
	sqlite3_stmt *stmt;
	long long v = -1;
	sqlite3 *db;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT rx_next FROM aks WHERE mac = ?1 AND slot = 0",
			       -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, mac_format(mac, text), -1,
				  SQLITE_TRANSIENT);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			v = sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
	return v;
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

static void cleanup(const char *dir, const char *name)
{
	const char *suffix[] = { "-wal", "-shm", "" };
	char path[128];

	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix[i]);
		unlink(path);
	}
}

/* The schema 1 tables an older pkmd made that schema 2 changes. */
static const char schema_1[] =
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

static int user_version(const char *path)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;
	int v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(stmt) == SQLITE_ROW)
			v = sqlite3_column_int(stmt, 0);
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
	return v;
}

static int exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	/* pkmd opens no database others may read */
	if (chmod(path, 0600))
		return -1;
	return rc == SQLITE_OK ? 0 : -1;
}

/*
 * A database of the pkmd before PN reservations: its TEKs come through
 * with every PN counted as used (nobody knows which were), so the daemon
 * never installs them again; a database newer than this pkmd is refused.
 */
static void migration(const char *dir)
{
	char path[128];
	struct store *st;
	struct seen z;

	snprintf(path, sizeof(path), "%s/old.db", dir);
	is_int(exec_sql(path, schema_1), 0, "a schema 1 database made");
	is_int(store_open(path, &st), 0, "a schema 1 database opens");
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 1 && z.sas[0].said == 0xffff && z.sas[0].tek[0].eks == 2 &&
	   z.sas[0].tek[1].eks == 3 && z.sas[0].tek[1].key[0] == 0x11 &&
	   z.sas[0].tek[1].expires == 1900043200,
	   "its SA and TEKs are kept");
	ok(z.sas[0].tek[0].tx_pn_reserved == STORE_PN_SPACE &&
	   z.sas[0].tek[1].tx_pn_reserved == STORE_PN_SPACE &&
	   z.sas[0].tek[0].rx_pn == 0,
	   "its TEKs count as used up (reservation 2^31), no receive floor");
	z.sas[0].tek[1].tx_pn_reserved = 1 << 20;
	is_int(store_sa_save(st, &z.sas[0]), 0,
	       "an SA saves into the upgraded table");
	store_close(st);
	is_int(user_version(path), 2, "the schema is version 2 now");
	is_int(store_open(path, &st), 0, "and opens again as such");
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 1 && z.sas[0].tek[1].tx_pn_reserved == 1 << 20,
	   "what was saved after the upgrade is read back");
	store_close(st);

	is_int(exec_sql(path, "PRAGMA user_version = 3"), 0,
	       "a database of a later schema made");
	ok(store_open(path, &st) != 0, "a later schema is refused");
	cleanup(dir, "old.db");
}

int main(void)
{
	char dir[] = "/tmp/pkmd-store-XXXXXX", path[64];
	struct store_subscriber a = subscriber("ss-a", 0x11), b = subscriber("ss-b", 0x12);
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
	struct store *st;
	struct seen z;
	struct stat sb;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/pkmd.db", dir);

	is_int(store_open(path, &st), 0, "a new database opens");
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	   "the database file is readable by its owner only");
	is_int(store_subscriber_add(st, &a), 0, "subscriber added");
	is_int(store_subscriber_add(st, &b), 0, "second subscriber added");
	a.mac[5] = 0x99;
	is_int(store_subscriber_add(st, &a), -EEXIST, "same CN refused");
	b.mac[5] = 0x11;
	snprintf(b.cn, sizeof(b.cn), "ss-c");
	is_int(store_subscriber_add(st, &b), -EEXIST, "same MAC refused");
	is_int(store_subscriber_revoke(st, "ss-b"), 0, "subscriber revoked");
	is_int(store_subscriber_revoke(st, "nobody"), -ENOENT,
	       "revoking an unknown CN is ENOENT");
	is_int(store_member_add(st, 5, "ss-a"), 0, "member added");
	is_int(store_member_add(st, 5, "ss-a"), -EEXIST, "twice refused");
	is_int(store_member_add(st, 6, "ss-a"), 0, "member of a second group");
	is_int(store_member_del(st, 6, "ss-a"), 0, "member deleted");
	is_int(store_member_del(st, 6, "ss-a"), -ENOENT, "deleting twice is ENOENT");
	is_int(store_station_add(st, sa.owner, 1), 0, "station added");
	is_int(store_station_add(st, (uint8_t[]){ 2, 0x16, 0, 0, 0, 0x12 }, 1),
	       -EEXIST, "a station index is allocated once");
	sa.tek[0].tx_pn_reserved = 3 << 20;
	sa.tek[0].rx_pn = 77;
	sa.tek[1].tx_pn_reserved = 1 << 20;
	grp.tek[1] = grp.tek[0];	/* a tree group outside a switch */
	is_int(store_sa_save(st, &sa), 0, "unicast SA saved");
	is_int(store_sa_save(st, &grp), 0, "group SA saved");
	is_int(store_tek_set_pn(st, 0x2001, 3, 4 << 20, 90), 0,
	       "a TEK's PN reservation and receive floor raised");
	is_int(store_tek_set_pn(st, 0x2001, 3, 2 << 20, 5), 0,
	       "a lower reservation and floor are accepted");
	is_int(store_tek_set_pn(st, 0xfe05, 1, 1 << 22, 0), 0,
	       "a TEK held by both generations raised");
	is_int(store_tek_set_pn(st, 0x2001, 2, 1 << 22, 0), -ENOENT,
	       "an EKS the SA does not have is ENOENT");
	is_int(store_ak_save(st, &ak), 0, "pending AK saved");
	is_int(store_ak_set_rx(st, ak.mac, 1, 42), 0, "uplink PN window moved");
	is_int(store_ak_set_tx(st, ak.mac, 1, 2048), 0, "downlink PN reserved");
	store_close(st);

	/* What a restarted daemon reads. */
	is_int(store_open(path, &st), 0, "the database reopens");
	memset(&z, 0, sizeof(z));
	store_subscriber_each(st, on_sub, &z);
	ok(z.n == 2 && !strcmp(z.subs[0].cn, "ss-a") && !z.subs[0].revoked &&
	   z.subs[0].services == 5 && z.subs[0].mac[5] == 0x11 &&
	   !strcmp(z.subs[0].provider, "net-a") &&
	   z.subs[0].created == 1700000000 &&
	   !strcmp(z.subs[1].cn, "ss-b") && z.subs[1].revoked,
	   "subscribers round trip (CN, MAC, provider, services, revoked)");
	memset(&z, 0, sizeof(z));
	store_member_each(st, on_member, &z);
	ok(z.n == 1 && z.groups[0] == 5 && !strcmp(z.members[0], "ss-a"),
	   "memberships round trip");
	memset(&z, 0, sizeof(z));
	store_station_each(st, on_station, &z);
	ok(z.n == 1 && z.indexes[0] == 1 && !memcmp(z.macs[0], sa.owner, MAC_LEN),
	   "station allocations round trip");
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 2 && z.sas[0].said == 0x2001 && z.sas[0].has_owner &&
	   !z.sas[0].has_group && !memcmp(z.sas[0].owner, sa.owner, MAC_LEN) &&
	   z.sas[0].tek[0].eks == 3 && z.sas[0].tek[1].eks == 0 &&
	   !memcmp(z.sas[0].tek[0].key, sa.tek[0].key, STORE_KEY_LEN) &&
	   !memcmp(z.sas[0].tek[1].key, sa.tek[1].key, STORE_KEY_LEN) &&
	   z.sas[0].tek[1].expires == 1700002000,
	   "unicast SA with both TEK generations round trips");
	is_int(z.sas[0].tek[0].tx_pn_reserved, 4 << 20,
	       "the raised reservation is read back; the lower one did not lower it");
	is_int(z.sas[0].tek[0].rx_pn, 90, "so is the receive floor");
	is_int(z.sas[0].tek[1].tx_pn_reserved, 1 << 20,
	       "the other generation keeps its own reservation");
	ok(!z.sas[0].tek[0].fresh && !z.sas[0].tek[1].fresh,
	   "a TEK read back is never fresh (the kernel may have had it)");
	ok(z.sas[1].tek[0].tx_pn_reserved == 1 << 22 &&
	   z.sas[1].tek[1].tx_pn_reserved == 1 << 22,
	   "both generations of one TEK share its reservation");
	ok(z.sas[1].said == 0xfe05 && z.sas[1].has_group &&
	   z.sas[1].group_id == 5 && !z.sas[1].has_owner &&
	   z.sas[1].suite == 0x80 && z.sas[1].tek[0].eks == 1,
	   "group SA round trips");
	memset(&z, 0, sizeof(z));
	store_ak_each(st, on_ak, &z);
	ok(z.n == 1 && z.aks[0].slot == 1 && z.aks[0].seq == 7 &&
	   !memcmp(z.aks[0].ak, ak.ak, STORE_AK_LEN) &&
	   z.aks[0].expires == 1800000000 && z.aks[0].rx_next == 42 &&
	   z.aks[0].tx_pn_reserved == 2048 &&
	   !memcmp(z.aks[0].nonce, ak.nonce, STORE_NONCE_LEN),
	   "AK with its PN window and reservation round trips");

	/* A rollover replaces both generations in one transaction. */
	sa.tek[0] = sa.tek[1];
	sa.tek[1] = (struct store_tek){ .eks = 1, .key = { 7 },
					.expires = 1700005000 };
	is_int(store_sa_save(st, &sa), 0, "SA rolled over");
	is_int(store_ak_promote(st, ak.mac), 0, "pending AK promoted");
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 2 && z.sas[0].tek[0].eks == 0 && z.sas[0].tek[1].eks == 1 &&
	   z.sas[0].tek[1].key[0] == 7, "the rollover is what is read back");
	memset(&z, 0, sizeof(z));
	store_ak_each(st, on_ak, &z);
	ok(z.n == 1 && z.aks[0].slot == 0 && z.aks[0].seq == 7,
	   "the promoted AK is the active one");
	is_int(store_sa_delete(st, 0x2001), 0, "SA deleted");
	is_int(store_sa_delete(st, 0x2001), -ENOENT, "deleting twice is ENOENT");
	is_int(store_ak_delete(st, ak.mac), 0, "AKs deleted");
	memset(&z, 0, sizeof(z));
	store_sa_each(st, on_sa, &z);
	ok(z.n == 1 && z.sas[0].said == 0xfe05, "its TEKs went with it");

	/* Group commit: windows share a transaction until the batch ends. */
	ak.slot = 0;
	ak.rx_next = 10;
	is_int(store_ak_save(st, &ak), 0, "active AK saved");
	store_batch_begin(st);
	is_int(store_ak_set_rx(st, ak.mac, 0, 11), 0, "window moved in a batch");
	is_int(store_ak_set_rx(st, ak.mac, 0, 12), 0, "and again");
	ok(rx_seen(path, ak.mac) == 10, "not committed while the batch is open");
	is_int(store_ak_set_tx(st, ak.mac, 0, 4096), 0,
	       "another write in the batch");
	ok(rx_seen(path, ak.mac) == 12, "which commits the windows first");
	is_int(store_ak_set_rx(st, ak.mac, 0, 13), 0, "window moved again");
	is_int(store_batch_end(st), 0, "the batch ends with a commit");
	ok(rx_seen(path, ak.mac) == 13, "all windows committed at its end");
	is_int(store_ak_set_rx(st, ak.mac, 0, 14), 0, "outside a batch");
	ok(rx_seen(path, ak.mac) == 14, "a window commits at once");
	store_close(st);
	cleanup(dir, "pkmd.db");

	migration(dir);

	snprintf(path, sizeof(path), "%s/pkmd.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pkmd.db-shm", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pkmd.db", dir);
	unlink(path);
	rmdir(dir);
	return tap_finish();
}
