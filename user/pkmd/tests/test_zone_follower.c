// SPDX-License-Identifier: GPL-2.0
/*
 * A BS of a zone (Documentation/zones.rst) after a revocation: a real
 * pkmd BS (bs2) on its test transport and PostgreSQL, and this test as
 * the zone's other BS (bs1), through the store.
 *
 *   - a revocation recorded while no BS wrote the broadcast SA: bs2,
 *     starting, takes its lease and replaces its TEKs at once, not at
 *     its first poll (F/2 later), during which it would send under TEKs
 *     the revoked SS holds;
 *   - bs2 following, bs1 writing: bs1 revokes an SS that holds an AK at
 *     bs2 and replaces the broadcast TEKs while bs2 cannot read the
 *     zone's subscribers (a lock on group_members outlasts its
 *     lock_timeout).  bs2 must not hand the new TEKs to the revoked SS:
 *     it takes no replacement it cannot check the subscribers for, and
 *     answers no Key Request of a shared SA while its last reload
 *     failed; the reload failure is logged.  Once it reads them again it
 *     forgets the SS's AK and takes the new TEKs.
 *
 * Needs a PostgreSQL server: tools/pg-test-server run (make test).
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "config.h"
#include "daemon_harness.h"
#include "store.h"
#include "tap.h"

#define BCAST_SAID	CONFIG_BROADCAST_CID_DEFAULT
#define FAILOVER	"20000"		/* poll every 10 s, lock_timeout 2 s */
#define INSTALLED	"the zone's TEK EKS"

static struct tc_cert ca, bs_cert, ss_cert;
static const uint8_t ss_mac[MAC_LEN] = { 0x02, 0x16, 0x00, 0x00, 0x00, 0x31 };
static struct dh_ss ss = { .mac = ss_mac, .cert = &ss_cert, .tx_pn = 1 };
static char uri[512], pg_dir[256];

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static PGconn *pg(const char *dbname)
{
	char u[512];
	PGconn *c;

	snprintf(u, sizeof(u), "postgresql:///%s?host=%s&user=pkmd", dbname, pg_dir);
	c = PQconnectdb(u);
	if (PQstatus(c) != CONNECTION_OK) {
		printf("# %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static int pg_do(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
		 PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		printf("# %s", PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

static int write_setup(void)
{
	if (dh_make_identity(&ca, &bs_cert, &ss_cert, "zonef"))
		return -1;
	ss.bs_key = bs_cert.key;
	dh_database = uri;
	dh_bs_lines = "zone = z1\nbs-id = bs2\nzone-failover = " FAILOVER "\n";
	return dh_write_bs_conf("debug", "[broadcast]\n\n", "");
}

static bool log_wait(const char *needle, int64_t ms)
{
	return dh_log_wait(needle, 1, ms);
}

struct found {
	bool have;
	struct store_sa sa;
};

static int on_sa(void *arg, const struct store_sa *sa)
{
	struct found *f = arg;

	if (sa->said == BCAST_SAID) {
		f->have = true;
		f->sa = *sa;
	}
	return 0;
}

/* bs1, the writer, replaces the broadcast SA's TEKs as a revocation does. */
static int replace_tek(struct store *w)
{
	struct found f = { 0 };

	if (store_sa_each(w, on_sa, &f) || !f.have)
		return -1;
	for (int gen = 0; gen < 2; gen++)
		for (size_t i = 0; i < STORE_KEY_LEN; i++)
			f.sa.tek[gen].key[i] ^= 0x5a;
	return store_sa_save(w, &f.sa);
}

#define ADD(cn, mac)							\
	"{\"command\":\"subscriber-add\",\"cn\":\"" cn "\",\"mac\":\"" mac \
	"\",\"provider\":\"net-a\",\"services\":[\"unicast\",\"broadcast\"]}"

static void test_zone(void)
{
	char holder[CONFIG_ZONE_NAME_MAX + 1], line[128];
	struct store *w = NULL;
	PGconn *locker = NULL;
	int code, installed;

	if (!ok(!dh_start(ss.bsid, true), "bs2 of zone z1 starts on PostgreSQL"))
		return;
	ok(dh_ctl_has(ADD("ss-zonef", "02:16:00:00:00:31"), "\"ok\":true") &&
	   dh_ctl_has(ADD("eve", "02:16:00:00:00:32"), "\"ok\":true"),
	   "subscribers ss-zonef (mallory) and eve added at bs2");
	ok(log_wait("lease taken: this BS writes it", DH_WAIT_MS),
	   "bs2 writes the broadcast SA");
	dh_stop(SIGTERM);
	if (!ok(store_open_zone(DB_POSTGRESQL, uri, "z1", "bs1", 20000, &w) == 0,
		"bs1, this test, opens the zone"))
		return;
	store_lease_fence(w, true);

	/* A revocation while no BS writes the broadcast SA. */
	is_int(store_subscriber_revoke(w, "eve"), 0, "bs1 revokes eve, bs2 stopped");
	if (!ok(!dh_start(ss.bsid, true), "bs2 starts again"))
		goto out;
	snprintf(line, sizeof(line),
		 "SAID 0x%04x: new TEKs after the revocation of eve", BCAST_SAID);
	ok(log_wait(line, 4000),
	   "bs2, taking the lease, replaces the TEKs eve holds at once, not at its poll");
	dh_stop(SIGTERM);

	/* bs2 follows, bs1 writes. */
	is_int(store_lease_take(w, BCAST_SAID, 600000, holder), 1,
	       "bs1 takes the broadcast lease");
	if (!ok(!dh_start(ss.bsid, true), "bs2 starts again, following"))
		goto out;
	if (!ok(!dh_enter(&ss) && !dh_authorize(&ss, NULL), "mallory authorizes at bs2"))
		goto out;
	is_int(dh_key_request(&ss, BCAST_SAID, PKM_SERVICE_BROADCAST, NULL),
	       PKM_KEY_REPLY, "and gets the broadcast keys");
	installed = dh_log_count(INSTALLED);
	locker = pg("zonef");
	ok(locker && !pg_do(locker, "BEGIN; LOCK TABLE group_members IN ACCESS EXCLUSIVE MODE"),
	   "bs2 cannot read the zone's memberships (a lock outlasting its lock_timeout)");
	is_int(store_subscriber_revoke(w, "ss-zonef"), 0, "bs1 revokes mallory");
	is_int(replace_tek(w), 0, "bs1 replaces the broadcast TEKs");
	is_int(store_replace_done(w, BCAST_SAID, "ss-zonef"), 0,
	       "and deletes the replacement's record");
	ok(log_wait("zone z1: cannot read the zone's subscribers", 15000),
	   "bs2 logs that its reload of the subscribers failed");
	snprintf(line, sizeof(line), "SAID 0x%04x: the zone's new TEKs not taken", BCAST_SAID);
	for (int64_t end = dh_now_ms() + 15000;
	     !dh_log_count(line) && dh_log_count(INSTALLED) == installed &&
	     dh_now_ms() < end;)
		poll(NULL, 0, 50);
	is_int(dh_log_count(INSTALLED), installed,
	       "bs2 does not take the new TEKs while it cannot check the subscribers");
	code = dh_key_request(&ss, BCAST_SAID, PKM_SERVICE_BROADCAST, NULL);
	ok(code != PKM_KEY_REPLY,
	   "bs2 gives mallory, revoked, no broadcast keys (answer %d)", code);

	pg_do(locker, "COMMIT");
	store_zone_notify(w, "subscribers", 0);
	ok(log_wait("subscriber ss-zonef revoked in zone z1", 15000),
	   "once it reads the subscribers again, bs2 learns of the revocation");
	store_zone_notify(w, "sa", BCAST_SAID);
	ok(dh_log_wait(INSTALLED, installed + 2, 15000), "and takes the new TEKs");
	is_int(dh_key_request(&ss, BCAST_SAID, PKM_SERVICE_BROADCAST, NULL),
	       PKM_AUTH_INVALID, "mallory's AK is gone at bs2");
out:
	if (locker)
		PQfinish(locker);
	dh_stop(SIGTERM);
	if (w)
		store_close(w);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("PKMD_TEST_POSTGRESQL");
	PGconn *c;

	(void)argc;
	if (!dir || !*dir) {
		ok(0, "no PostgreSQL test server: %s",
		   getenv("PKMD_TEST_POSTGRESQL_WHY") ?: "PKMD_TEST_POSTGRESQL is not set (run the test through tools/pg-test-server run, as make test does)");
		return tap_finish();
	}
	snprintf(pg_dir, sizeof(pg_dir), "%s", dir);
	snprintf(uri, sizeof(uri), "postgresql:///zonef?host=%s&user=pkmd", dir);
	c = pg("postgres");
	if (!c || pg_do(c, "DROP DATABASE IF EXISTS zonef") ||
	    pg_do(c, "CREATE DATABASE zonef")) {
		printf("Bail out! cannot make the database\n");
		return 1;
	}
	PQfinish(c);
	if (dh_init(argv[0], "zonef") || write_setup()) {
		printf("Bail out! cannot set up (%s)\n", dh_pkmd_bin());
		return 1;
	}
	test_zone();
	dh_cleanup(tap_failures, 60);
	tc_free(&ca);
	tc_free(&bs_cert);
	tc_free(&ss_cert);
	return tap_finish();
}
