// SPDX-License-Identifier: GPL-2.0
/*
 * The database's keys stay the owner's: its files are created 0600 even
 * under umask 0 (seen at the moment SQLite opens them, through a VFS
 * that wraps the default one), a database others may read is refused,
 * and a TEK, AK or key tree that is replaced or deleted leaves no copy
 * in the database file, its WAL or a journal while the store is open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "tap.h"

static char dir[] = "/tmp/pkmd-secrets-XXXXXX";

/* ---- files SQLite opens, and their modes at that moment ---- */

static sqlite3_vfs *real_vfs, watch_vfs;
static int opened, opened_wide;

static int watch_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f,
		      int flags, int *out_flags)
{
	struct stat sb;
	int rc;

	(void)vfs;
	rc = real_vfs->xOpen(real_vfs, name, f, flags, out_flags);
	if (rc == SQLITE_OK && name && stat(name, &sb) == 0) {
		opened++;
		if (sb.st_mode & 077) {
			opened_wide++;
			printf("# %s opened with mode %04o\n", name,
			       (unsigned int)(sb.st_mode & 07777));
		}
	}
	return rc;
}

static void watch_start(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	watch_vfs = *real_vfs;
	watch_vfs.zName = "watch";
	watch_vfs.pNext = NULL;
	watch_vfs.xOpen = watch_open;
	sqlite3_vfs_register(&watch_vfs, 1);
}

static void watch_stop(void)
{
	sqlite3_vfs_register(real_vfs, 1);
	sqlite3_vfs_unregister(&watch_vfs);
}

static int mode_of(const char *path, const char *suffix)
{
	char name[256];
	struct stat sb;

	snprintf(name, sizeof(name), "%s%s", path, suffix);
	return stat(name, &sb) ? -1 : (int)(sb.st_mode & 07777);
}

static void remove_db(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char name[256];

	for (size_t i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffix[i]);
		unlink(name);
	}
}

static void modes(void)
{
	static const struct store_ak ak = { .mac = { 2, 0x16, 0, 0, 0, 1 },
					    .ak = { 1 }, .expires = 1 };
	char path[128];
	struct store *st;
	mode_t old_mask;

	snprintf(path, sizeof(path), "%s/new.db", dir);
	old_mask = umask(0);
	watch_start();
	is_int(store_open(DB_SQLITE, path, &st), 0, "a new database opens under umask 0");
	is_int(store_ak_save(st, &ak), 0, "an AK written (the WAL is made)");
	watch_stop();
	umask(old_mask);
	ok(opened >= 2, "SQLite opened the database and its WAL (%d files)",
	   opened);
	is_int(opened_wide, 0,
	       "no file was open to group or others when SQLite opened it");
	is_int(mode_of(path, ""), 0600, "the database file is 0600");
	is_int(mode_of(path, "-wal"), 0600, "its -wal file is 0600");
	is_int(mode_of(path, "-shm"), 0600, "its -shm file is 0600");
	store_close(st);

	chmod(path, 0644);
	ok(store_open(DB_SQLITE, path, &st) != 0,
	   "a database that others may read is refused");
	chmod(path, 0640);
	ok(store_open(DB_SQLITE, path, &st) != 0, "so is one the group may read");
	chmod(path, 0600);
	is_int(store_open(DB_SQLITE, path, &st), 0, "the same file at 0600 opens");
	store_close(st);
	close(open(strcat(path, "-wal"), O_CREAT | O_WRONLY, 0644));
	chmod(path, 0644);
	path[strlen(path) - 4] = '\0';
	ok(store_open(DB_SQLITE, path, &st) != 0,
	   "a database whose -wal file others may read is refused");
	remove_db(path);
}

/* ---- no copy of a dropped key ---- */

/* Whether the file PATH+SUFFIX holds the bytes KEY anywhere. */
static bool file_holds(const char *path, const char *suffix,
		       const uint8_t *key, size_t len)
{
	char name[256];
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	bool found;
	ssize_t r;
	int fd;

	snprintf(name, sizeof(name), "%s%s", path, suffix);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	for (;;) {
		if (n == cap) {
			uint8_t *grown = realloc(buf, cap = cap ? 2 * cap : 65536);

			if (!grown)
				abort();
			buf = grown;
		}
		r = read(fd, buf + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	found = memmem(buf, n, key, len) != NULL;
	free(buf);
	return found;
}

/* Where the key is left: "" if nowhere. */
static const char *left_in(const char *path, const uint8_t *key, size_t len)
{
	static const char *const suffix[] = { "", "-wal", "-journal" };
	static const char *const where[] = { "database", "WAL", "journal" };

	for (size_t i = 0; i < 3; i++)
		if (file_holds(path, suffix[i], key, len))
			return where[i];
	return "";
}

static void fill(uint8_t *key, size_t len, uint8_t tag)
{
	for (size_t i = 0; i < len; i++)
		key[i] = (uint8_t)(tag ^ (i * 37 + 0x5b));
}

static void residue(void)
{
	struct store_sa sa = { .said = 0x2001, .suite = 2, .has_owner = true,
			       .owner = { 2, 0x16, 0, 0, 0, 0x11 } };
	struct store_ak ak = { .mac = { 2, 0x16, 0, 0, 0, 0x11 }, .slot = 1,
			       .seq = 1, .expires = 1800000000 };
	uint8_t tree[64], tree2[64], old_tek[STORE_KEY_LEN],
		old_ak[STORE_AK_LEN];
	struct store_group_tree t = { .group_id = 3, .tree = tree,
				      .tree_len = sizeof(tree),
				      .members = tree, .members_len = 8,
				      .rekey = tree, .rekey_len = 8 };
	char path[128];
	struct store *st;
	const char *where;

	snprintf(path, sizeof(path), "%s/keys.db", dir);
	if (store_open(DB_SQLITE, path, &st)) {
		ok(0, "a database opens");
		return;
	}
	fill(sa.tek[0].key, STORE_KEY_LEN, 0x10);
	fill(sa.tek[1].key, STORE_KEY_LEN, 0x20);
	sa.tek[1].eks = 1;
	fill(ak.ak, STORE_AK_LEN, 0x30);
	fill(tree, sizeof(tree), 0x40);
	is_int(store_sa_save(st, &sa), 0, "an SA with two TEKs saved");
	is_int(store_ak_save(st, &ak), 0, "a pending AK saved");
	is_int(store_group_tree_save(st, &t, NULL), 0, "a key tree saved");
	ok(*left_in(path, sa.tek[0].key, STORE_KEY_LEN),
	   "the TEK is found in the files (the search works)");

	/* A rollover: the older TEK leaves. */
	memcpy(old_tek, sa.tek[0].key, STORE_KEY_LEN);
	sa.tek[0] = sa.tek[1];
	fill(sa.tek[1].key, STORE_KEY_LEN, 0x50);
	sa.tek[1].eks = 2;
	is_int(store_sa_save(st, &sa), 0, "the SA rolled over");
	where = left_in(path, old_tek, STORE_KEY_LEN);
	ok(!*where, "the replaced TEK is in no file%s%s", *where ? ": in the " : "",
	   where);

	/* Promotion drops the active AK; then the pending one is deleted. */
	memcpy(old_ak, ak.ak, STORE_AK_LEN);
	ak.slot = 0;
	fill(ak.ak, STORE_AK_LEN, 0x60);
	is_int(store_ak_save(st, &ak), 0, "an active AK saved");
	is_int(store_ak_promote(st, ak.mac), 0, "the pending AK promoted");
	where = left_in(path, ak.ak, STORE_AK_LEN);
	ok(!*where, "the AK it replaced is in no file%s%s",
	   *where ? ": in the " : "", where);
	is_int(store_ak_delete(st, ak.mac), 0, "the station's AKs deleted");
	where = left_in(path, old_ak, STORE_AK_LEN);
	ok(!*where, "the deleted AK is in no file%s%s",
	   *where ? ": in the " : "", where);

	/* The key tree replaced, then deleted. */
	memcpy(tree2, tree, sizeof(tree));
	fill(tree, sizeof(tree), 0x70);
	is_int(store_group_tree_save(st, &t, NULL), 0, "the key tree replaced");
	where = left_in(path, tree2, sizeof(tree2));
	ok(!*where, "the old tree is in no file%s%s",
	   *where ? ": in the " : "", where);
	is_int(store_group_tree_delete(st, 3), 0, "the key tree deleted");
	where = left_in(path, tree, sizeof(tree));
	ok(!*where, "the deleted tree is in no file%s%s",
	   *where ? ": in the " : "", where);

	/* The SA deleted: its TEKs go by the cascade. */
	is_int(store_sa_delete(st, 0x2001), 0, "the SA deleted");
	where = left_in(path, sa.tek[1].key, STORE_KEY_LEN);
	ok(!*where, "its TEKs are in no file%s%s",
	   *where ? ": in the " : "", where);

	/* The cost is paid only where a key leaves: other writes keep the
	 * WAL as SQLite has it (no checkpoint, no sync of the database). */
	is_int(store_ak_save(st, &ak), 0, "an AK saved in a free slot");
	ak.rx_next = 99;
	is_int(store_ak_save(st, &ak), 0, "saved again with the same key");
	is_int(store_ak_set_rx(st, ak.mac, ak.slot, 100), 0,
	       "its receive window moved");
	ok(file_holds(path, "-wal", ak.ak, STORE_AK_LEN),
	   "the WAL was not checkpointed for writes that drop no key");
	store_close(st);
	remove_db(path);
}

/*
 * Another process in a read transaction keeps the WAL: the checkpoint
 * does not wait for it (no busy timeout taken), and the next write
 * after it has gone wipes the key.
 */
static void reader_in_the_way(void)
{
	struct store_ak ak = { .mac = { 2, 0x16, 0, 0, 0, 0x22 }, .seq = 1,
			       .expires = 1800000000 };
	struct store_subscriber sub = { .services = 1, .created = 1 };
	char path[128];
	struct store *st;
	sqlite3 *reader;
	struct timespec t0, t1;
	long ms;

	snprintf(path, sizeof(path), "%s/busy.db", dir);
	if (store_open(DB_SQLITE, path, &st)) {
		ok(0, "a database opens");
		return;
	}
	fill(ak.ak, STORE_AK_LEN, 0x80);
	is_int(store_ak_save(st, &ak), 0, "an AK saved");
	if (sqlite3_open_v2(path, &reader, SQLITE_OPEN_READONLY, NULL) ||
	    sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM aks;", NULL, NULL,
			 NULL)) {
		ok(0, "a reader opens a read transaction");
		sqlite3_close(reader);
		store_close(st);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int(store_ak_delete(st, ak.mac), 0,
	       "the AK deleted while another process reads");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ok(ms < 1000, "without waiting for the reader (%ld ms)", ms);
	sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(reader);
	snprintf(sub.cn, sizeof(sub.cn), "ss-busy");
	memcpy(sub.mac, ak.mac, MAC_LEN);
	snprintf(sub.provider, sizeof(sub.provider), "net-a");
	is_int(store_subscriber_add(st, &sub), 0,
	       "the next write, the reader gone");
	ok(!*left_in(path, ak.ak, STORE_AK_LEN),
	   "has the deleted AK wiped from every file");
	store_close(st);
	remove_db(path);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	modes();
	residue();
	reader_in_the_way();
	rmdir(dir);
	return tap_finish();
}
