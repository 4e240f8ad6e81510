// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit-PN reservations of the BS (control-plane.rst, "Packet numbers
 * across restarts"): a real pkmd BS on its test transport, which records
 * every request it makes of the kernel and finds nothing in it after a
 * restart, as after a module reload.  Its broadcast SA, a group without a
 * key tree and a group with one, checked against its database:
 *
 *   - a new TEK goes in from PN 0 with its first block as PN limit, and
 *     that block is on disk;
 *   - the kernel's tek-pn-limit event commits the next block, then
 *     raises the limit; with the database locked the limit is not
 *     raised at all, and once it is free again the daemon retries;
 *   - after kill -9 and a restart (the "kernel" empty) the same keys go
 *     in again from their reservations, each with a new block committed
 *     first;
 *   - a key whose reservation is used up is never installed again: the
 *     SA rolls over past it, the tree group takes a new key;
 *   - a schema 1 database (no reservations) is upgraded, and the keys
 *     it held, whose PNs nobody counted, are replaced.
 *
 * The daemon is the pkmd binary next to this test's directory.  Every
 * wait is a poll with a time limit.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sqlite3.h>

#include "daemon_harness.h"
#include "tap.h"
#include "transport_test.h"

#define WAIT_MS		DH_WAIT_MS
#define BLOCK		4096u		/* [test] tek-pn-block */
#define PN_SPACE	0x80000000u
#define BCAST_SAID	0xfe00
#define TREE_SAID	0x3001		/* group 1, key tree */
#define PLAIN_SAID	0x3002		/* group 2, no tree */
#define MAX_TEKS	8

static char db_path[sizeof(dh_dir) + 16];
static struct tc_cert ca, bs_cert;

/* A TEK_NEW or TEK_SET the daemon asked of the kernel. */
struct tek_req {
	uint8_t cmd;
	uint16_t said;
	uint8_t eks;
	bool has_key;
	uint8_t key[16];
	uint32_t tx_pn;			/* absent: 0 */
	bool has_limit;
	uint32_t limit;
	uint32_t rx_pn;
};

/* A TEK as the database holds it. */
struct db_tek {
	uint16_t said;
	uint8_t eks;
	uint8_t key[16];
	uint32_t reserved;
};

static int write_setup(void)
{
	char sections[512], test_lines[64];

	if (dh_make_identity(&ca, &bs_cert, NULL, "pn"))
		return -1;
	snprintf(sections, sizeof(sections),
		 "[group 1]\ncid = 0x%04x\nkey-tree = lkh\ntree-degree = 2\n\n"
		 "[group 2]\ncid = 0x%04x\nsuite = aes-gcm\n\n"
		 "[broadcast]\ncid = 0x%04x\n\n", TREE_SAID, PLAIN_SAID, BCAST_SAID);
	snprintf(test_lines, sizeof(test_lines),
		 "kernel-requests = record\ntek-pn-block = %u\n", BLOCK);
	return dh_write_bs_conf("debug", sections, test_lines);
}

/* The daemon must answer on its control socket once started. */
static int start_daemon(void)
{
	return dh_start(NULL, true);
}

static bool log_wait(const char *needle, int want)
{
	return dh_log_wait(needle, want, WAIT_MS);
}


/* Netlink records */

static const struct nlattr *nla_at(const uint8_t *p, size_t rem)
{
	const struct nlattr *a = (const struct nlattr *)p;

	if (rem < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > rem)
		return NULL;
	return a;
}

#define NLA_FOR_EACH(a, start, len)					\
	for (const uint8_t *p_ = (start), *end_ = p_ + (len);		\
	     ((a) = nla_at(p_, (size_t)(end_ - p_))) != NULL;		\
	     p_ += (size_t)NLA_ALIGN((a)->nla_len) < (size_t)(end_ - p_) ? \
		   (size_t)NLA_ALIGN((a)->nla_len) : (size_t)(end_ - p_))

static const void *nla_payload(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

static int parse_tek_req(const uint8_t *msg, size_t len, struct tek_req *r)
{
	const struct nlmsghdr *nlh = (const void *)msg;
	const struct genlmsghdr *gh = (const void *)(msg + NLMSG_HDRLEN);
	const struct nlattr *a, *t;
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;

	memset(r, 0, sizeof(*r));
	if (len < off || nlh->nlmsg_len != len)
		return -1;
	r->cmd = gh->cmd;
	if (r->cmd != WMAN_CMD_TEK_NEW && r->cmd != WMAN_CMD_TEK_SET)
		return -1;
	NLA_FOR_EACH(a, msg + off, len - off) {
		if ((a->nla_type & NLA_TYPE_MASK) != WMAN_A_TEK)
			continue;
		NLA_FOR_EACH(t, (const uint8_t *)nla_payload(a),
			     a->nla_len - NLA_HDRLEN) {
			const uint8_t *v = nla_payload(t);
			size_t n = t->nla_len - NLA_HDRLEN;
			uint32_t u32 = 0;

			if (n == 4)
				memcpy(&u32, v, 4);
			switch (t->nla_type) {
			case WMAN_TEK_A_SAID:
				if (n == 2)
					memcpy(&r->said, v, 2);
				break;
			case WMAN_TEK_A_EKS:
				if (n == 1)
					r->eks = v[0];
				break;
			case WMAN_TEK_A_KEY:
				r->has_key = n == sizeof(r->key);
				if (r->has_key)
					memcpy(r->key, v, n);
				break;
			case WMAN_TEK_A_TX_PN:
				r->tx_pn = u32;
				break;
			case WMAN_TEK_A_TX_PN_LIMIT:
				r->has_limit = n == 4;
				r->limit = u32;
				break;
			case WMAN_TEK_A_RX_PN:
				r->rx_pn = u32;
				break;
			}
		}
		return 0;
	}
	return -1;
}

/* The next TEK_NEW or TEK_SET the daemon asked for; -1 after timeout_ms. */
static int next_tek_req(struct tek_req *r, int timeout_ms)
{
	uint8_t rec[TEST_REC_HDR_LEN + 4096];
	uint32_t msg[4096 / 4];
	int64_t end = dh_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = dh_link_fd, .events = POLLIN };
		int64_t left = end - dh_now_ms();
		ssize_t n;

		if (poll(&p, 1, left > 0 ? (int)left : 0) != 1)
			return -1;
		n = recv(dh_link_fd, rec, sizeof(rec), 0);
		if (n <= 0)
			return -1;
		if (n <= TEST_REC_HDR_LEN || rec[0] != TEST_REC_KERNEL)
			continue;
		/* the message sits at an odd offset: parse an aligned copy */
		memcpy(msg, rec + TEST_REC_HDR_LEN, (size_t)n - TEST_REC_HDR_LEN);
		if (parse_tek_req((const uint8_t *)msg,
				  (size_t)n - TEST_REC_HDR_LEN, r) == 0)
			return 0;
	}
}

/* The module's tek-pn-limit event, as the events group would carry it. */
static int inject_pn_limit(uint16_t said, uint8_t eks, uint32_t next_pn,
			   uint32_t limit)
{
	const uint32_t pn_limit[2] = { next_pn, limit };

	return dh_send_tek_event(WMAN_CMD_TEK_PN_LIMIT, said, eks, pn_limit);
}

/* The database */

static sqlite3 *db_open(bool write)
{
	sqlite3 *db;

	if (sqlite3_open_v2(db_path, &db, write ? SQLITE_OPEN_READWRITE :
			    SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static int db_exec(const char *sql)
{
	sqlite3 *db = db_open(true);
	int rc;

	if (!db)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* The database's TEKs, one per (SAID, EKS), in SAID order. */
static size_t db_teks(struct db_tek *out)
{
	sqlite3 *db = db_open(false);
	sqlite3_stmt *stmt;
	size_t n = 0;

	if (!db)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT DISTINCT said, eks, key, tx_pn_reserved"
			       " FROM teks ORDER BY said, generation", -1, &stmt,
			       NULL) == SQLITE_OK) {
		while (n < MAX_TEKS && sqlite3_step(stmt) == SQLITE_ROW) {
			out[n].said = (uint16_t)sqlite3_column_int(stmt, 0);
			out[n].eks = (uint8_t)sqlite3_column_int(stmt, 1);
			if (sqlite3_column_bytes(stmt, 2) == 16)
				memcpy(out[n].key, sqlite3_column_blob(stmt, 2), 16);
			out[n].reserved = (uint32_t)sqlite3_column_int64(stmt, 3);
			n++;
		}
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
	return n;
}

static const struct db_tek *find_tek(const struct db_tek *teks, size_t n,
				     uint16_t said, uint8_t eks)
{
	for (size_t i = 0; i < n; i++)
		if (teks[i].said == said && teks[i].eks == eks)
			return &teks[i];
	return NULL;
}

/* The reservation on disk now; 0 if there is no such TEK. */
static uint32_t db_reserved(uint16_t said, uint8_t eks)
{
	struct db_tek teks[MAX_TEKS];
	const struct db_tek *t = find_tek(teks, db_teks(teks), said, eks);

	return t ? t->reserved : 0;
}

/*
 * Reads the daemon's TEK_NEW requests until each TEK of want has been
 * installed with its key, and checks each of those against start (its
 * first PN, or UINT32_MAX: the reservation want had before it) and the
 * database.  A TEK_NEW of a key in banned fails the check.
 */
struct install_check {
	const char *what;
	const struct db_tek *want;
	size_t n_want;
	const struct db_tek *before;	/* NULL: every TEK is new */
	size_t n_before;
	const uint8_t (*banned)[16];
	size_t n_banned;
};

static void check_installs(const struct install_check *c)
{
	bool seen[MAX_TEKS] = { false };
	bool all_limited = true, banned_seen = false, pns_right = true;
	size_t n_seen = 0, n_reqs = 0;
	struct tek_req r;

	while (n_seen < c->n_want && next_tek_req(&r, WAIT_MS) == 0) {
		if (r.cmd != WMAN_CMD_TEK_NEW)
			continue;
		n_reqs++;
		all_limited &= r.has_limit && r.tx_pn < r.limit;
		for (size_t i = 0; i < c->n_banned; i++)
			banned_seen |= !memcmp(r.key, c->banned[i], 16);
		for (size_t i = 0; i < c->n_want; i++) {
			const struct db_tek *w = &c->want[i];
			const struct db_tek *b = c->before ?
				find_tek(c->before, c->n_before, w->said, w->eks) : NULL;
			uint32_t start;

			if (seen[i] || r.said != w->said || r.eks != w->eks ||
			    memcmp(r.key, w->key, 16))
				continue;
			/* same key as before: from its old reservation */
			start = b && !memcmp(b->key, w->key, 16) ? b->reserved : 0;
			if (r.tx_pn != start || r.limit != start + BLOCK ||
			    db_reserved(w->said, w->eks) < r.limit) {
				pns_right = false;
				printf("# SAID 0x%04x EKS %u: PNs %u..%u, want from %u, %u on disk\n",
				       w->said, w->eks, r.tx_pn, r.limit, start,
				       db_reserved(w->said, w->eks));
			}
			seen[i] = true;
			n_seen++;
		}
	}
	is_int(n_seen, c->n_want, "%s: every TEK of the database installed (%zu requests)",
	       c->what, n_reqs);
	ok(pns_right, "%s: each from its reservation (new keys from 0), limit a block on, that block on disk",
	   c->what);
	ok(all_limited, "%s: every TEK installed with a PN limit above its first PN",
	   c->what);
	if (c->n_banned)
		ok(!banned_seen, "%s: no used-up key installed again", c->what);
}

/* Tests */

/*
 * The transport's SA_GET finds nothing, so the startup's reconciliation
 * installs the SAs just made once more, a block further: the first
 * install of each is the one to check.
 */
static void test_fresh(void)
{
	struct db_tek teks[MAX_TEKS];
	size_t n = db_teks(teks);
	struct install_check c = { "fresh start", teks, n, NULL, 0, NULL, 0 };
	bool blocks = n == 5;

	/* broadcast and group 2: two generations; the tree group: one */
	for (size_t i = 0; i < n; i++)
		blocks &= teks[i].reserved >= BLOCK && teks[i].reserved % BLOCK == 0;
	ok(blocks, "5 TEKs in the database, each with whole blocks reserved");
	check_installs(&c);
}

/* The event moves the reservation a block on, disk first. */
static void test_event(void)
{
	struct db_tek teks[MAX_TEKS];
	size_t n = db_teks(teks);
	char failed[64];
	struct tek_req r;
	uint32_t r0;
	uint8_t eks;
	sqlite3 *lock;
	int err;

	/* SAID order: the broadcast SA's two generations come last */
	if (!ok(n == 5 && teks[3].said == BCAST_SAID,
		"the broadcast SA's older TEK is in the database"))
		return;
	eks = teks[3].eks;
	r0 = teks[3].reserved;
	ok(!inject_pn_limit(BCAST_SAID, eks, r0 - BLOCK / 2, r0),
	   "tek-pn-limit event (PN %u, limit %u) injected", r0 - BLOCK / 2, r0);
	err = next_tek_req(&r, WAIT_MS);
	ok(!err && r.cmd == WMAN_CMD_TEK_SET && r.said == BCAST_SAID &&
	   r.eks == eks && r.limit == r0 + BLOCK,
	   "TEK_SET raises the limit a block (to %u)", r.limit);
	is_int(db_reserved(BCAST_SAID, eks), r0 + BLOCK,
	       "the new reservation is on disk");

	/* Database locked: no commit, so no TEK_SET. */
	lock = db_open(true);
	err = !lock || sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (!ok(!err, "the database locked by the test"))
		return;
	inject_pn_limit(BCAST_SAID, eks, r0 + BLOCK / 2, r0 + BLOCK);
	snprintf(failed, sizeof(failed), "PN reservation %u not saved",
		 r0 + 2 * BLOCK);
	/* each try waits out SQLite's busy timeout first: slow under ASan */
	ok(dh_log_wait(failed, 2, 6 * WAIT_MS),
	   "the daemon cannot save the next block, and tries again");
	ok(next_tek_req(&r, 0) != 0,
	   "no TEK_SET while the block is not on disk");
	is_int(db_reserved(BCAST_SAID, eks), r0 + BLOCK,
	       "the reservation on disk is unchanged");
	sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(lock);
	err = next_tek_req(&r, WAIT_MS);
	ok(!err && r.cmd == WMAN_CMD_TEK_SET && r.said == BCAST_SAID &&
	   r.eks == eks && r.limit == r0 + 2 * BLOCK,
	   "once the database is free, TEK_SET to %u", r.limit);
	is_int(db_reserved(BCAST_SAID, eks), r0 + 2 * BLOCK,
	       "with that block on disk first");
}

/* kill -9, and a kernel that lost everything: the keys again, above. */
static void test_restart(void)
{
	struct db_tek before[MAX_TEKS], after[MAX_TEKS];
	size_t n_before = db_teks(before), n_after;
	struct install_check c = { "after kill -9", after, 0, before,
				   n_before, NULL, 0 };
	bool same;

	ok(WIFSIGNALED(dh_stop(SIGKILL)), "the daemon killed (SIGKILL)");
	if (!ok(!start_daemon(), "and started again on an empty kernel"))
		return;
	n_after = db_teks(after);
	c.n_want = n_after;
	same = n_after == n_before;
	for (size_t i = 0; same && i < n_after; i++)
		same = after[i].said == before[i].said &&
		       after[i].eks == before[i].eks &&
		       !memcmp(after[i].key, before[i].key, 16);
	ok(same, "the database has the same keys, EKS for EKS");
	check_installs(&c);
}

/* Keys with no PNs left: never installed again. */
static void test_used_up(void)
{
	struct db_tek before[MAX_TEKS], after[MAX_TEKS];
	uint8_t banned[2][16];
	size_t n_before, n_after;
	struct install_check c = { "used up", after, 0, before, 0, banned, 2 };
	char sql[256];

	ok(dh_stop(SIGTERM) == 0, "the daemon stopped");
	/* the broadcast SA's older TEK and the tree group's only one */
	snprintf(sql, sizeof(sql),
		 "UPDATE teks SET tx_pn_reserved = %u WHERE (said = %u AND"
		 " generation = 0) OR said = %u", PN_SPACE, BCAST_SAID,
		 TREE_SAID);
	ok(!db_exec(sql), "two TEKs marked used up on disk");
	n_before = db_teks(before);
	c.n_before = n_before;
	if (!ok(n_before == 5 && before[0].said == TREE_SAID &&
		before[3].said == BCAST_SAID, "five TEKs on disk"))
		return;
	memcpy(banned[0], before[0].key, 16);
	memcpy(banned[1], before[3].key, 16);
	if (!ok(!start_daemon(), "the daemon started on an empty kernel"))
		return;
	ok(log_wait("which has no PNs left to send with", 2),
	   "it says it replaces both");
	n_after = db_teks(after);
	c.n_want = n_after;
	ok(n_after == 5 && memcmp(after[0].key, before[0].key, 16) &&
	   memcmp(after[3].key, before[3].key, 16) &&
	   !memcmp(after[3].key, before[4].key, 16) &&
	   memcmp(after[4].key, before[4].key, 16),
	   "the tree group has a new key; the broadcast SA rolled over (newer became older, a new newer)");
	check_installs(&c);
}

/* A database of the pkmd before reservations. */
static void test_migration(void)
{
	static const uint8_t k0[16] = { 0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
					11, 12, 13, 14, 15 };
	static const uint8_t k1[16] = { 0xb0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
					11, 12, 13, 14, 15 };
	uint8_t banned[2][16];
	struct db_tek teks[MAX_TEKS];
	size_t n;
	struct install_check c = { "schema 1 upgraded", teks, 0, NULL, 0,
				   banned, 2 };
	char sql[2048], path[PATH_MAX + 16];
	sqlite3 *db;
	long now = (long)time(NULL);

	ok(dh_stop(SIGTERM) == 0, "the daemon stopped");
	unlink(db_path);
	snprintf(path, sizeof(path), "%s-wal", db_path);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db_path);
	unlink(path);
	snprintf(sql, sizeof(sql),
		 "CREATE TABLE sas (said INTEGER PRIMARY KEY, service INTEGER NOT NULL,"
		 "  suite INTEGER NOT NULL, group_id INTEGER, owner TEXT);"
		 "CREATE TABLE teks ("
		 "  said INTEGER NOT NULL REFERENCES sas(said) ON DELETE CASCADE,"
		 "  generation INTEGER NOT NULL CHECK (generation IN (0, 1)),"
		 "  eks INTEGER NOT NULL CHECK (eks BETWEEN 0 AND 3),"
		 "  key BLOB NOT NULL, expires INTEGER NOT NULL,"
		 "  PRIMARY KEY (said, generation));"
		 "INSERT INTO sas VALUES (%u, 2, 2, NULL, NULL);"
		 "INSERT INTO teks VALUES (%u, 0, 0, ?1, %ld);"
		 "INSERT INTO teks VALUES (%u, 1, 1, ?2, %ld);"
		 "PRAGMA user_version = 1;",
		 BCAST_SAID, BCAST_SAID, now + 3600, BCAST_SAID, now + 7200);
	if (sqlite3_open(db_path, &db) == SQLITE_OK) {
		const char *tail = sql;
		sqlite3_stmt *stmt;

		while (*tail && sqlite3_prepare_v2(db, tail, -1, &stmt, &tail) ==
		       SQLITE_OK && stmt) {
			sqlite3_bind_blob(stmt, 1, k0, 16, SQLITE_STATIC);
			sqlite3_bind_blob(stmt, 2, k1, 16, SQLITE_STATIC);
			sqlite3_step(stmt);
			sqlite3_finalize(stmt);
		}
	}
	sqlite3_close(db);
	/* pkmd opens no database others may read */
	chmod(db_path, 0600);
	memcpy(banned[0], k0, 16);
	memcpy(banned[1], k1, 16);
	if (!ok(!start_daemon(), "the daemon started on a schema 1 database"))
		return;
	ok(log_wait("schema 1 upgraded to 4", 1), "it upgraded the schema");
	n = db_teks(teks);
	c.n_want = n;
	ok(n == 5 && teks[3].said == BCAST_SAID &&
	   memcmp(teks[3].key, k0, 16) && memcmp(teks[3].key, k1, 16) &&
	   memcmp(teks[4].key, k0, 16) && memcmp(teks[4].key, k1, 16),
	   "the broadcast SA's keys of unknown use are replaced");
	check_installs(&c);
}

int main(int argc, char **argv)
{
	(void)argc;
	if (dh_init(argv[0], "pn")) {
		printf("Bail out! cannot set up (%s)\n", dh_pkmd_bin());
		return 1;
	}
	snprintf(db_path, sizeof(db_path), "%s/bs.db", dh_dir);
	if (write_setup()) {
		printf("Bail out! cannot write the configuration\n");
		return 1;
	}
	if (ok(!start_daemon(), "pkmd BS on its test transport")) {
		test_fresh();
		test_event();
		test_restart();
		test_used_up();
		test_migration();
	}
	dh_stop(SIGTERM);
	dh_cleanup(tap_failures, 60);
	tc_free(&ca);
	tc_free(&bs_cert);
	return tap_finish();
}
