// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration reader: good files give the right values and
 * defaults; every kind of bad line is refused with FILE:LINE and the
 * reason; several bad lines are all reported.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tap.h"

struct reports {
	char text[8192];
	int count;
};

static void collect(void *arg, const char *line)
{
	struct reports *r = arg;
	size_t len = strlen(r->text);

	snprintf(r->text + len, sizeof(r->text) - len, "%s\n", line);
	r->count++;
}

static int load(const char *text, struct config *cfg, struct reports *r)
{
	memset(r, 0, sizeof(*r));
	return config_load_string("t.conf", text, strlen(text), cfg, collect, r);
}

#define BS_MIN "[pkmd]\nrole = bs\n[bs]\nca-certificate = ca.pem\n" \
	"certificate = bs.pem\nprivate-key = bs.key\nprovider = net-a\n"
#define SS_MIN "[pkmd]\nrole = ss\n[ss]\nca-certificate = ca.pem\n" \
	"certificate = ss.pem\nprivate-key = ss.key\nbs-name = bs-1\n"

static void test_good(void)
{
	struct config cfg;
	struct reports r;

	is_int(load(BS_MIN, &cfg, &r), 0, "minimal BS configuration accepted");
	ok(cfg.role == ROLE_BS && !strcmp(cfg.interface, "wman0") &&
	   !strcmp(cfg.control, "/run/pkmd/wman0.sock") &&
	   !strcmp(cfg.database, "/var/lib/pkmd/wman0.db") &&
	   cfg.control_group[0] == '\0',
	   "BS defaults: interface, control socket (no group), database");
	ok(cfg.ak_lifetime == AK_LIFETIME_DEFAULT &&
	   cfg.tek_lifetime == TEK_LIFETIME_DEFAULT &&
	   cfg.timers.tek_grace == 3600 && cfg.unicast_suite == 2 &&
	   !cfg.has_broadcast && cfg.n_groups == 0,
	   "BS defaults: lifetimes, grace time, suite, no broadcast, no groups");
	ok(cfg.basic_cid_max == 320 && cfg.broadcast_cid == 0xfe00,
	   "BS defaults: 320 Basic CIDs (Wireshark's), broadcast CID 0xfe00");
	ok(!strcmp(cfg.provider, "net-a"), "provider read");
	config_free(&cfg);

	is_int(load(BS_MIN "basic-cid-max = 4095\n", &cfg, &r), 0,
	       "basic-cid-max = 4095 accepted");
	is_int(cfg.basic_cid_max, 4095, "basic-cid-max read");
	config_free(&cfg);
	is_int(load(BS_MIN "basic-cid-max = 1\n[group 1]\ncid = 0x3000\n"
		    "[group 2]\ncid = 0xfefe\n[broadcast]\n", &cfg, &r), 0,
	       "basic-cid-max = 1, group CIDs 0x3000 and 0xfefe accepted");
	ok(cfg.basic_cid_max == 1 && cfg.groups[0].cid == 0x3000 &&
	   cfg.groups[1].cid == 0xfefe && cfg.broadcast_cid == 0xfe00,
	   "the lowest basic-cid-max and the ends of the configured CID range read");
	config_free(&cfg);

	is_int(load("[pkmd]\nrole = ss\ncontrol-group = pkm-ops\n[ss]\n"
		    "ca-certificate = a\ncertificate = b\nprivate-key = c\n"
		    "bs-name = bs-1\n",
		    &cfg, &r), 0, "control-group accepted");
	ok(!strcmp(cfg.control_group, "pkm-ops"), "control-group read");
	config_free(&cfg);

	is_int(load(BS_MIN "[pkmd2]\n", &cfg, &r), 1, "one bad section, one report");
	config_free(&cfg);

	is_int(load("[pkmd]\ninterface = wman7\nrole = bs\n[bs]\nca-certificate = a\n"
		    "certificate = b\nprivate-key = c\nprovider = net-a\n"
		    "[group 9]\ncid = 0x3009\n"
		    "addresses = 01:00:5e:00:00:09 , 33:33:00:00:00:09\n"
		    "suite = aes-gcm\n[group 2]\ncid = 12290\n[broadcast]\n",
		    &cfg, &r), 0,
	       "groups and broadcast accepted");
	ok(cfg.n_groups == 2 && cfg.groups[0].id == 2 &&
	   cfg.groups[0].cid == 0x3002 && cfg.groups[0].suite == 2 &&
	   cfg.groups[1].id == 9 && cfg.groups[1].n_addrs == 2 &&
	   cfg.groups[1].suite == 0x80 && cfg.groups[1].addrs[1][0] == 0x33,
	   "groups sorted by ID with their CIDs, suites and addresses");
	ok(cfg.has_broadcast && cfg.broadcast_cid == 0xfe00 &&
	   !strcmp(cfg.interface, "wman7") &&
	   !strcmp(cfg.control, "/run/pkmd/wman7.sock"),
	   "broadcast offered; control socket named after the interface");
	config_free(&cfg);

	is_int(load(BS_MIN "[group 5]\ncid = 0x3005\nkey-tree = lkh\n"
		    "rekey-fragment-size = 100\n[group 6]\ncid = 0x3006\n",
		    &cfg, &r), 0, "rekey-fragment-size accepted");
	ok(cfg.n_groups == 2 && cfg.groups[0].rekey_fragment_size == 100 &&
	   cfg.groups[1].rekey_fragment_size == 0,
	   "rekey-fragment-size read; 0 (as large as a PDU holds) by default");
	config_free(&cfg);

	is_int(load(SS_MIN "services = broadcast,unicast\nmulticast-groups = 5, 7\n"
		    "suites = aes-gcm\n[timers]\noperational-wait = 2\n",
		    &cfg, &r), 0, "SS configuration accepted");
	ok(cfg.role == ROLE_SS && cfg.services == (SERVICE_BIT(0) | SERVICE_BIT(2)) &&
	   cfg.n_ss_groups == 2 && cfg.ss_groups[1] == 7 && cfg.n_suites == 1 &&
	   cfg.suites[0] == 0x80 && cfg.timers.operational_wait == 2 &&
	   cfg.request_service_type == -1,
	   "SS services, groups, suites and timers");
	config_free(&cfg);

	is_int(load(BS_MIN "ak-lifetime = 60\ntek-lifetime = 20\n[timers]\n"
		    "tek-grace-time = 5\nauth-grace-time = 10\n[test]\n"
		    "allow-short-lifetimes = yes\n", &cfg, &r), 0,
	       "short lifetimes accepted with [test] allow-short-lifetimes");
	ok(cfg.tek_lifetime == 20 && cfg.timers.tek_grace == 5,
	   "short lifetimes read");
	config_free(&cfg);

	is_int(load(BS_MIN "[test]\nkey-log = /run/keys.log\n", &cfg, &r), 0,
	       "[test] key-log for a BS");
	ok(!strcmp(cfg.test_key_log, "/run/keys.log"), "key-log path read");
	config_free(&cfg);
	is_int(load(SS_MIN "[test]\nkey-log = /run/keys.log\n", &cfg, &r), 0,
	       "[test] key-log for an SS");
	config_free(&cfg);

	is_int(load("; comment\n# comment\n\n  [pkmd]  \nrole=ss ; inline\n"
		    "[ss]\nca-certificate=a\ncertificate=b\nprivate-key=c\n"
		    "bs-name=bs-1\n",
		    &cfg, &r), 0, "comments, blank lines, spaces, inline comments");
	ok(cfg.role == ROLE_SS, "value read before its inline comment");
	config_free(&cfg);

	/* The BS an SS trusts: by name, by key, or both; a CRL for either. */
	is_int(load("[pkmd]\nrole = ss\n[ss]\nca-certificate = a\n"
		    "certificate = b\nprivate-key = c\nservices = unicast\n"
		    "bs-key-sha256 = 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
		    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\n"
		    "crl = /etc/pkmd/crl.pem\n", &cfg, &r), 0,
	       "an SS pinning the BS key only, with a CRL");
	ok(cfg.has_bs_key_id && cfg.bs_key_id[0] == 0x00 &&
	   cfg.bs_key_id[10] == 0xaa && cfg.bs_key_id[31] == 0xff &&
	   !cfg.bs_name[0] && !strcmp(cfg.crl, "/etc/pkmd/crl.pem"),
	   "bs-key-sha256 (colons, either case) and crl read");
	config_free(&cfg);
	is_int(load(SS_MIN "bs-key-sha256 = "
		    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		    &cfg, &r), 0, "an SS pinning the BS name and key");
	ok(!strcmp(cfg.bs_name, "bs-1") && cfg.has_bs_key_id &&
	   cfg.bs_key_id[1] == 0x11, "bs-name and bs-key-sha256 (no colons) read");
	config_free(&cfg);
	is_int(load(BS_MIN "crl = /etc/pkmd/crl.pem\n", &cfg, &r), 0,
	       "a BS with a CRL");
	ok(!strcmp(cfg.crl, "/etc/pkmd/crl.pem"), "its crl read");
	config_free(&cfg);

	is_int(load("\xef\xbb\xbf" SS_MIN, &cfg, &r), 0,
	       "a UTF-8 byte order mark is skipped");
	config_free(&cfg);
}

/* One bad line each: FILE:LINE: and a part of the reason. */
static const struct {
	const char *text;
	const char *want;
} bad[] = {
	{ BS_MIN "[foo]\n", "t.conf:8: unknown section [foo]" },
	{ "x = 1\n[pkmd]\nrole = bs\n", "t.conf:1: 'x' outside any section" },
	{ BS_MIN "colour = red\n", "t.conf:8: unknown key 'colour' in [bs]" },
	{ "[pkmd]\nrole = bs\nrole = ss\n", "t.conf:3: 'role' already set at line 2" },
	{ "[pkmd]\nrole = ap\n", "t.conf:2: invalid role 'ap': expected bs or ss" },
	{ BS_MIN "[pkmd]\n", "t.conf:8: [pkmd] already opened at line 1" },
	{ "[pkmd]\nrole = bs\ninterface = a/b\n", "t.conf:3: invalid interface 'a/b'" },
	{ "[pkmd]\nrole = bs\ninterface = wman0123456789ab\n", "t.conf:3: invalid interface" },
	{ "[pkmd]\nrole = bs\ncontrol = run/x.sock\n", "t.conf:3: invalid control 'run/x.sock': must be an absolute path" },
	{ "[pkmd]\nrole = bs\ncontrol-group = a b\n", "t.conf:3: invalid control-group 'a b': not a group name" },
	{ "[pkmd]\nrole = bs\ncontrol-group = -x\n", "t.conf:3: invalid control-group '-x'" },
	{ "[pkmd]\nrole = bs\ncontrol-group = \n", "t.conf:3: invalid control-group" },
	{ BS_MIN "[test]\nkey-log = keys.log\n", "t.conf:9: invalid key-log 'keys.log': must be an absolute path" },
	{ "[pkmd]\nrole = bs\nlog-level = loud\n", "t.conf:3: invalid log-level 'loud'" },
	{ "[pkmd]\nrole bs\n", "t.conf:2: expected name = value" },
	{ "[pkmd\nrole = bs\n", "t.conf:1: malformed section header" },
	{ "[pkmd] x\n", "t.conf:1: malformed section header" },
	{ "[pkmd]\n= bs\n", "t.conf:2: missing key name" },
	{ "[pkmd]\nro:le = bs\n", "t.conf:2: ':' in a key name" },
	{ BS_MIN "[group 300]\ncid = 0x3000\n", "t.conf:8: invalid section [group 300]" },
	{ BS_MIN "[group 5]\ncid = 0x3005\n[group 5]\n", "t.conf:10: [group 5] already defined at line 8" },
	{ BS_MIN "[group 5]\ncid = 0x100\n", "t.conf:9: invalid cid '0x100': expected a CID from 0x3000" },
	{ BS_MIN "[group 5]\ncid = 0x3005\naddresses = 02:00:00:00:00:01\n", "t.conf:10: invalid addresses" },
	{ BS_MIN "[group 5]\ncid = 0x3005\naddresses = 01:00:5e:00:00:01,01:00:5e:00:00:01\n", "listed twice" },
	{ BS_MIN "[group 5]\ncid = 0x3005\naddresses = 01:00:5e:00:00:01,\n", "t.conf:10: invalid addresses '01:00:5e:00:00:01,': empty item" },
	{ BS_MIN "[group 5]\ncid = 0x3005\nrekey-fragment-size = 8\n", "t.conf:10: invalid rekey-fragment-size '8': expected 0 (as large as a PDU holds) or 16 to 2000 bytes" },
	{ BS_MIN "[group 5]\ncid = 0x3005\nrekey-fragment-size = 2001\n", "t.conf:10: invalid rekey-fragment-size '2001'" },
	{ BS_MIN "[group 5]\ncid = 0x3005\nrekey-fragment-size = -1\n", "t.conf:10: invalid rekey-fragment-size '-1'" },
	{ BS_MIN "[group 5]\ncolour = red\n", "t.conf:9: unknown key 'colour' in [group 5]" },
	{ BS_MIN "[group 5]\nsuite = aes-ccm\n", "t.conf:8: [group 5] needs a cid" },
	{ BS_MIN "[group 5]\ncid = 0xfe05\n[group 6]\ncid = 0xfe05\n", "t.conf:11: cid 0xfe05 is also group 5's" },
	{ BS_MIN "[broadcast]\n[group 5]\ncid = 0xfe00\n", "t.conf:10: cid 0xfe00 is the broadcast connection's" },
	{ BS_MIN "[broadcast]\ncid = 0x3005\n[group 5]\ncid = 0x3005\n", "t.conf:11: cid 0x3005 is the broadcast connection's" },
	/* 0xffff is 802.16's broadcast management connection, the rekeys' */
	{ BS_MIN "[group 5]\ncid = 0xffff\n", "t.conf:9: invalid cid '0xffff': 0xffff is 802.16's broadcast management connection" },
	{ BS_MIN "[broadcast]\ncid = 0xffff\n", "t.conf:9: invalid cid '0xffff': 0xffff is 802.16's broadcast management connection" },
	{ BS_MIN "[broadcast]\ncid = 65535\n", "t.conf:9: invalid cid '65535': 0xffff is 802.16's broadcast management connection" },
	{ BS_MIN "[group 5]\ncid = 0xfeff\n", "t.conf:9: invalid cid '0xfeff': expected a CID from 0x3000 to 0xfefe" },
	{ BS_MIN "[group 5]\ncid = 0xfffe\n", "t.conf:9: invalid cid '0xfffe': expected a CID from 0x3000 to 0xfefe" },
	{ BS_MIN "[group 5]\ncid = 0x2fff\n", "t.conf:9: invalid cid '0x2fff': expected a CID from 0x3000 to 0xfefe" },
	{ BS_MIN "[group 5]\ncid = 0x10000\n", "t.conf:9: invalid cid '0x10000': expected a CID from 0x3000 to 0xfefe" },
	{ BS_MIN "basic-cid-max = 0\n", "t.conf:8: invalid basic-cid-max '0': expected the number of Basic CIDs, 1 to 4095" },
	{ BS_MIN "basic-cid-max = 4096\n", "t.conf:8: invalid basic-cid-max '4096'" },
	{ BS_MIN "basic-cid-max = lots\n", "t.conf:8: invalid basic-cid-max 'lots'" },
	{ SS_MIN "basic-cid-max = 320\n", "t.conf:8: unknown key 'basic-cid-max' in [ss]" },
	{ BS_MIN "[broadcast]\nsuite = des\n", "t.conf:9: invalid suite 'des': expected aes-ccm or aes-gcm" },
	{ BS_MIN "tek-lifetime = 20\n", "t.conf:8: tek-lifetime 20 is below the 802.16 minimum 1800" },
	{ BS_MIN "tek-lifetime = 9999999\n", "t.conf:8: tek-lifetime 9999999 is above the maximum" },
	{ BS_MIN "ak-lifetime = 3600\n", "t.conf:8: ak-lifetime 3600 is below the 802.16 minimum" },
	{ BS_MIN "tek-lifetime = 3600\n[timers]\ntek-grace-time = 2000\n", "t.conf:10: tek-grace-time 2000 is more than half of tek-lifetime 3600" },
	{ BS_MIN "tek-lifetime = 1h\n", "t.conf:8: invalid tek-lifetime '1h': expected a number of seconds" },
	{ BS_MIN "tek-lifetime = 0\n", "t.conf:8: invalid tek-lifetime '0'" },
	{ BS_MIN "tek-lifetime = -5\n", "t.conf:8: invalid tek-lifetime '-5'" },
	{ BS_MIN "[timers]\nrekey-wait = 0x100\n", "t.conf:9: rekey-wait 256 is above the maximum 10" },
	{ BS_MIN "[timers]\nauthorize-wait = 1\n", "t.conf:9: authorize-wait 1 is below the 802.16 minimum 2" },
	{ SS_MIN "[bs]\n", "t.conf:8: [bs] in a role = ss file" },
	{ "[pkmd]\nrole = ss\ndatabase = /x.db\n[ss]\nca-certificate = a\ncertificate = b\nprivate-key = c\n",
	  "t.conf:3: database is for role = bs only" },
	{ SS_MIN "[group 5]\ncid = 0x3005\n", "t.conf:8: [group 5] in a role = ss file" },
	{ BS_MIN "[ss]\n", "t.conf:8: [ss] in a role = bs file" },
	{ SS_MIN "services = unicast, video\n", "t.conf:8: invalid services 'unicast, video': unknown service 'video'" },
	{ SS_MIN "services = multicast\n", "list multicast groups in multicast-groups" },
	{ SS_MIN "services = unicast, unicast\n", "'unicast' listed twice" },
	{ SS_MIN "multicast-groups = 5, 5\n", "t.conf:8: invalid multicast-groups '5, 5': group 5 listed twice" },
	{ SS_MIN "multicast-groups = 256\n", "group ID '256' is not 0 to 255" },
	{ SS_MIN "suites = aes-ccm, aes-ccm\n", "'aes-ccm' listed twice" },
	{ SS_MIN "suites = aes-ccm, aes-gcm, aes-ccm\n", "more than 2 items" },
	{ BS_MIN "[test]\nrequest-service-type = 3\n", "t.conf:9: request-service-type is for role = ss only" },
	{ SS_MIN "[test]\nrequest-service-type = 256\n", "t.conf:9: invalid request-service-type '256'" },
	{ SS_MIN "[test]\nallow-short-lifetimes = maybe\n", "t.conf:9: invalid allow-short-lifetimes 'maybe': expected yes or no" },
	{ "[pkmd]\nrole = bs\x01\n", "t.conf:2: control character in line" },
	{ "[pkmd]\nlog-level = info\n", "t.conf: missing role in [pkmd]" },
	{ "[pkmd]\nrole = bs\n[bs]\nca-certificate = a\ncertificate = b\nprivate-key = c\n", "t.conf: missing provider in [bs]" },
	{ "[pkmd]\nrole = ss\n[ss]\ncertificate = b\nprivate-key = c\n", "t.conf: missing ca-certificate in [ss]" },
	{ SS_MIN "ca-certificate = other\n", "t.conf:8: 'ca-certificate' already set at line 4" },
	{ "[pkmd]\nrole = ss\n[ss]\ncertificate =\n", "t.conf:4: invalid certificate '': empty path" },
	/* An SS names the BS it trusts; any certificate of the CA will not do. */
	{ "[pkmd]\nrole = ss\n[ss]\nca-certificate = a\ncertificate = b\nprivate-key = c\nservices = unicast\n",
	  "t.conf: missing bs-name or bs-key-sha256 in [ss]" },
	{ SS_MIN "bs-key-sha256 = 00112233\n", "t.conf:8: invalid bs-key-sha256 '00112233': expected a SHA-256 digest" },
	{ SS_MIN "bs-key-sha256 = " "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeffaa\n",
	  "t.conf:8: invalid bs-key-sha256" },
	{ SS_MIN "bs-key-sha256 = " "0g112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
	  "t.conf:8: invalid bs-key-sha256" },
	{ SS_MIN "bs-key-sha256 = " "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:\n",
	  "t.conf:8: invalid bs-key-sha256" },
	{ "[pkmd]\nrole = ss\n[ss]\nbs-name = \x7f\n", "t.conf:4: invalid bs-name" },
	{ BS_MIN "bs-name = bs-1\n", "t.conf:8: unknown key 'bs-name' in [bs]" },
	{ BS_MIN "crl =\n", "t.conf:8: invalid crl '': empty path" },
	{ "[pkmd]\nrole = bs\ndatabase = var/pkmd.db\n", "t.conf:3: invalid database 'var/pkmd.db': must be an absolute path" },
	{ "[pkmd]\nrole = bs\ndatabase = sqlite:pkmd.db\n", "t.conf:3: invalid database 'sqlite:pkmd.db': must be an absolute path" },
	{ "[pkmd]\nrole = bs\ndatabase = sqlite:\n", "t.conf:3: invalid database 'sqlite:': empty path" },
	/* the password is not repeated */
	{ "[pkmd]\nrole = bs\ndatabase = postgresql://bs:s3cret@db/pkmd?application_name=a b\n",
	  "t.conf:3: invalid database (a connection URI, not repeated here): a connection URI has no spaces" },
};

/* database = sqlite:PATH, PATH or a PostgreSQL connection URI */
static void test_database(void)
{
	static const struct {
		const char *line;
		enum config_db backend;
		const char *database;
	} good[] = {
		{ "database = /srv/pkmd/bs.db", DB_SQLITE, "/srv/pkmd/bs.db" },
		{ "database = sqlite:/srv/pkmd/bs.db", DB_SQLITE, "/srv/pkmd/bs.db" },
		{ "database = postgresql://pkmd@db.example/pkmd?sslmode=verify-full",
		  DB_POSTGRESQL, "postgresql://pkmd@db.example/pkmd?sslmode=verify-full" },
		{ "database = postgres:///pkmd?host=/run/postgresql",
		  DB_POSTGRESQL, "postgres:///pkmd?host=/run/postgresql" },
	};
	char text[512];
	struct config cfg;
	struct reports r;

	is_int(load(BS_MIN, &cfg, &r), 0, "no database line");
	is_int(cfg.database_backend, DB_SQLITE, "the default database is SQLite");
	config_free(&cfg);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "[pkmd]\nrole = bs\n%s\n[bs]\n"
			 "ca-certificate = ca.pem\ncertificate = bs.pem\n"
			 "private-key = bs.key\nprovider = net-a\n", good[i].line);
		if (!ok(load(text, &cfg, &r) == 0 &&
			cfg.database_backend == good[i].backend &&
			!strcmp(cfg.database, good[i].database),
			"%s: %s %s", good[i].line,
			good[i].backend == DB_SQLITE ? "SQLite" : "PostgreSQL",
			good[i].database))
			printf("#   reported: %s# got %d %s\n", r.text,
			       cfg.database_backend, cfg.database);
		config_free(&cfg);
	}
	load("[pkmd]\nrole = bs\ndatabase = postgresql://bs:s3cret@db/pkmd?x=a b\n",
	     &cfg, &r);
	ok(r.count && !strstr(r.text, "s3cret"),
	   "a refused connection URI's password is in no message");
	config_free(&cfg);
}

static void test_zone(void)
{
	static const char *const bad[][2] = {
		{ "zone = z1\nbs-id = bs1\n", "zone z1 needs a PostgreSQL database" },
		{ "zone = z1\n", "zone z1 needs bs-id" },
		{ "bs-id = bs1\n", "bs-id without zone" },
		{ "zone-failover = 3000\n", "zone-failover without zone" },
		{ "zone = z 1\n", "expected 1 to 63 letters, digits" },
		{ "zone = z1\nbs-id = bs'1\n", "expected 1 to 63 letters, digits" },
		{ "zone = z1\nbs-id = bs1\nzone-failover = 999\n",
		  "expected milliseconds, 1000 to 60000" },
	};
	char text[512];
	struct config cfg;
	struct reports r;

	is_int(load(BS_MIN, &cfg, &r), 0, "no zone");
	ok(!cfg.zone[0] && !cfg.bs_id[0] && cfg.zone_failover_ms == 5000,
	   "no zone: a zone of one; failover bound 5000 ms by default");
	config_free(&cfg);
	snprintf(text, sizeof(text),
		 "[pkmd]\nrole = bs\ndatabase = postgresql:///zone\n[bs]\n"
		 "ca-certificate = ca.pem\ncertificate = bs.pem\n"
		 "private-key = bs.key\nprovider = net-a\nzone = mbs-1\n"
		 "bs-id = bs.north_2\nzone-failover = 3000\n");
	if (!ok(load(text, &cfg, &r) == 0 && !strcmp(cfg.zone, "mbs-1") &&
		!strcmp(cfg.bs_id, "bs.north_2") && cfg.zone_failover_ms == 3000,
		"zone, bs-id and zone-failover read"))
		printf("#   reported: %s", r.text);
	config_free(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", BS_MIN, bad[i][0]);
		if (!ok(load(text, &cfg, &r) >= 1 && strstr(r.text, bad[i][1]),
			"refused with \"%s\"", bad[i][1]))
			printf("#   reported: %s", r.count ? r.text : "nothing\n");
		config_free(&cfg);
	}
}

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config cfg;
		struct reports r;
		int n = load(bad[i].text, &cfg, &r);

		if (!ok(n >= 1 && strstr(r.text, bad[i].want),
			"refused with \"%s\"", bad[i].want))
			printf("#   reported: %s", r.count ? r.text : "nothing\n");
		config_free(&cfg);
	}
}

static void test_long_line(void)
{
	char text[4096];
	struct config cfg;
	struct reports r;
	int n;

	snprintf(text, sizeof(text), "[pkmd]\nrole = bs\ncontrol = /%02000d\n"
		 "interface = wman1\n", 7);
	n = load(text, &cfg, &r);
	ok(n >= 1 && strstr(r.text, "t.conf:3: line too long"),
	   "a line over the limit is refused with its number");
	ok(!strstr(r.text, "t.conf:4"), "the line after it is read normally");
	config_free(&cfg);
}

static void test_many(void)
{
	struct config cfg;
	struct reports r;
	int n = load("[pkmd]\nrole = bs\ncolour = red\nlog-level = loud\n[nope]\n"
		     "x = 1\n[bs]\nno equals\n", &cfg, &r);

	is_int(n, 4, "four bad lines, four reports");
	ok(strstr(r.text, "t.conf:3:") && strstr(r.text, "t.conf:4:") &&
	   strstr(r.text, "t.conf:5:") && strstr(r.text, "t.conf:8:"),
	   "each with its own line number");
	config_free(&cfg);
}

static void test_file(void)
{
	struct config cfg;
	struct reports r;
	int n;

	memset(&r, 0, sizeof(r));
	n = config_load_file("/nonexistent/pkmd.conf", &cfg, collect, &r);
	ok(n == 1 && strstr(r.text, "/nonexistent/pkmd.conf: cannot open"),
	   "a missing file is reported with its name");
	config_free(&cfg);
	memset(&r, 0, sizeof(r));
	n = config_load_file(SRCDIR "/examples/bs.conf", &cfg, collect, &r);
	ok(n == 0 && cfg.n_groups == 1 && cfg.has_broadcast,
	   "examples/bs.conf is valid");
	config_free(&cfg);
	memset(&r, 0, sizeof(r));
	n = config_load_file(SRCDIR "/examples/ss.conf", &cfg, collect, &r);
	ok(n == 0 && cfg.n_ss_groups == 1, "examples/ss.conf is valid");
	config_free(&cfg);
}

/* [test] settings are taken only with --test-mode. */
static void test_test_mode(void)
{
	struct config cfg;
	struct reports r;

	is_int(load(BS_MIN "[test]\nkey-log = /tmp/k\n", &cfg, &r), 0,
	       "a [test] section parses");
	is_int(cfg.test_section_line, 8, "its header's line is kept");
	memset(&r, 0, sizeof(r));
	is_int(config_check_test_mode(&cfg, false, collect, &r), 1,
	       "without --test-mode it is refused");
	ok(strstr(r.text, "t.conf:8: [test] section refused") &&
	   strstr(r.text, "--test-mode"),
	   "with FILE:LINE and the option that allows it");
	memset(&r, 0, sizeof(r));
	is_int(config_check_test_mode(&cfg, true, collect, &r), 0,
	       "with --test-mode it is taken");
	config_free(&cfg);

	is_int(load(BS_MIN "[test]\n", &cfg, &r), 0, "an empty [test] section");
	is_int(config_check_test_mode(&cfg, false, NULL, NULL), 1,
	       "is refused as well");
	config_free(&cfg);

	is_int(load(BS_MIN, &cfg, &r), 0, "no [test] section");
	ok(config_check_test_mode(&cfg, false, NULL, NULL) == 0 &&
	   config_check_test_mode(&cfg, true, NULL, NULL) == 0,
	   "needs no option and is not changed by it");
	config_free(&cfg);
}

int main(void)
{
	test_good();
	test_test_mode();
	test_database();
	test_zone();
	test_bad();
	test_long_line();
	test_many();
	test_file();
	return tap_finish();
}
