/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_CONFIG_H
#define PKMD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

/*
 * The configuration file (Documentation/man/pkmd.conf.5): one INI file,
 * read with libinih.  Every bad line is reported as FILE:LINE: REASON and
 * the file is refused as a whole.
 */

enum pkmd_role {
	ROLE_NONE,
	ROLE_BS,
	ROLE_SS,
};

/* The BS's database backend (database = ...). */
enum config_db {
	DB_SQLITE,		/* a file; the default */
	DB_POSTGRESQL,		/* a server, through a libpq connection URI */
};

#define CONFIG_PATH_MAX		256
#define CONFIG_DATABASE_MAX	1024	/* a path or a connection URI */
#define CONFIG_SUN_PATH_MAX	108	/* sizeof(sockaddr_un.sun_path) */
#define CONFIG_IFNAME_MAX	16	/* IFNAMSIZ */
#define CONFIG_GROUP_NAME_MAX	33	/* a system group name or a GID */
#define CONFIG_PROVIDER_MAX	64
#define CONFIG_BS_NAME_MAX	64	/* a certificate CN, PKM_CN_MAX */
#define CONFIG_KEY_ID_LEN	32	/* SHA-256, PKM_KEY_ID_LEN */
#define CONFIG_MAX_GROUPS	256	/* the group ID is one byte */
#define CONFIG_GROUP_MAX_ADDRS	64	/* WMAN_GROUP_MAX_ADDRS */

/*
 * Configured CIDs (groups, broadcast) lie between these: below are the
 * BS's per-SS allocations, above 802.16's well-known CIDs, the broadcast
 * management connection 0xffff among them (control-plane.rst, "CIDs and
 * SAIDs").
 */
#define CONFIG_CID_STATIC_MIN	0x3000
#define CONFIG_CID_STATIC_MAX	0xfefe
#define CONFIG_BROADCAST_CID_DEFAULT	0xfe00

/*
 * [bs] basic-cid-max: the Basic CIDs are 1..m, the Primary Management
 * CIDs m+1..2m (802.16-2004 Table 345).  320 is what Wireshark assumes.
 */
#define CONFIG_BASIC_CID_MAX_DEFAULT	320
#define CONFIG_BASIC_CID_MAX_LIMIT	4095

/*
 * [bs] zone, bs-id, zone-failover (Documentation/zones.rst): names of
 * letters, digits, '.', '_' and '-'; the failover bound in ms.
 */
#define CONFIG_ZONE_NAME_MAX		63
#define CONFIG_ZONE_FAILOVER_DEFAULT	5000
#define CONFIG_ZONE_FAILOVER_MIN	1000
#define CONFIG_ZONE_FAILOVER_MAX	60000

/* Service bits; multicast is asked for per group. */
#define SERVICE_BIT(s)		(1u << (s))

/* [group N] key-tree: 0 none, else enum keytree_scheme (1 lkh, 2 offset) */
#define CONFIG_TREE_NONE	0
#define CONFIG_TREE_LKH		1
#define CONFIG_TREE_OFFSET	2
#define CONFIG_TREE_DEGREE_DEFAULT	4
#define CONFIG_SWITCH_DELAY_DEFAULT	500	/* ms */
#define CONFIG_REKEY_BATCH_MAX		60000	/* ms */
#define CONFIG_SWITCH_DELAY_MAX		60000	/* ms */
#define CONFIG_FRAGMENT_SIZE_MIN	16	/* rekey-fragment-size, bytes */
#define CONFIG_FRAGMENT_SIZE_MAX	2000

struct config_group {
	uint8_t id;
	uint16_t cid;		/* its connection; the SAID is the same */
	uint8_t suite;		/* enum wman_suite */
	uint8_t tree;		/* CONFIG_TREE_* */
	uint8_t tree_degree;	/* 2..8 */
	uint32_t rekey_batch_ms;	/* 0: rekey at once */
	uint32_t switch_delay_ms;	/* new TEK installed -> BS sends with it */
	uint32_t rekey_fragment_size;	/* payload bytes per fragment; 0: auto */
	size_t n_addrs;
	uint8_t addrs[CONFIG_GROUP_MAX_ADDRS][MAC_LEN];
};

/* PKM timers, seconds: what the BS sends, the SS's defaults until then. */
struct config_timers {
	uint32_t authorize_wait;
	uint32_t reauthorize_wait;
	uint32_t auth_grace;
	uint32_t operational_wait;
	uint32_t rekey_wait;
	uint32_t tek_grace;
	uint32_t auth_reject_wait;
};

struct config {
	char file[CONFIG_PATH_MAX];	/* for messages */
	enum pkmd_role role;
	char interface[CONFIG_IFNAME_MAX];
	char control[CONFIG_SUN_PATH_MAX];
	/* "": the control socket is the daemon user's alone (control.c). */
	char control_group[CONFIG_GROUP_NAME_MAX];
	enum config_db database_backend;
	/* DB_SQLITE: a file's path; DB_POSTGRESQL: a connection URI */
	char database[CONFIG_DATABASE_MAX];
	int log_level;			/* enum log_level */

	/* Both roles: this station's identity and the CA of the peer. */
	char ca_certificate[CONFIG_PATH_MAX];
	char certificate[CONFIG_PATH_MAX];
	char private_key[CONFIG_PATH_MAX];
	char crl[CONFIG_PATH_MAX];	/* "": no revocation list */

	/* BS */
	char provider[CONFIG_PROVIDER_MAX + 1];
	uint32_t ak_lifetime;
	uint32_t tek_lifetime;
	uint8_t unicast_suite;
	uint16_t basic_cid_max;		/* m: Basic CIDs 1..m, Primary m+1..2m */
	/* "": a zone of one (zones.rst); else the zone and this BS in it */
	char zone[CONFIG_ZONE_NAME_MAX + 1];
	char bs_id[CONFIG_ZONE_NAME_MAX + 1];
	uint32_t zone_failover_ms;
	size_t n_groups;
	struct config_group *groups;	/* n_groups, sorted by id */
	bool has_broadcast;
	uint16_t broadcast_cid;
	uint8_t broadcast_suite;

	/* SS */
	char bs_name[CONFIG_BS_NAME_MAX + 1];	/* "": any name */
	bool has_bs_key_id;
	uint8_t bs_key_id[CONFIG_KEY_ID_LEN];	/* SHA-256 of its public key */
	unsigned int services;		/* SERVICE_BIT(unicast|broadcast) */
	size_t n_ss_groups;
	uint8_t ss_groups[CONFIG_MAX_GROUPS];
	size_t n_suites;
	uint8_t suites[2];

	struct config_timers timers;

	/* [test]: honoured only with --test-mode (config_check_test_mode) */
	int test_section_line;		/* its header's line; 0: none */
	bool allow_short_lifetimes;
	int request_service_type;	/* -1: none */
	bool expose_keys;		/* SS: sa list shows group keys */
	char test_mgmt_socket[CONFIG_SUN_PATH_MAX];	/* "": the device */
	bool test_record_kernel;	/* kernel-requests = record */
	char test_key_log[CONFIG_PATH_MAX];	/* "": none (keylog.h) */
	uint32_t tek_pn_block;		/* BS: PNs reserved per TEK at a time */
};

/*
 * Reports each problem through report (one line, "FILE:LINE: REASON" or
 * "FILE: REASON") and returns the number of problems; 0 means cfg is
 * complete and checked.  cfg must be released with config_free() either
 * way.
 */
typedef void (*config_report_fn)(void *arg, const char *line);

int config_load_file(const char *path, struct config *cfg,
		     config_report_fn report, void *arg);
int config_load_string(const char *name, const char *text, size_t len,
		       struct config *cfg, config_report_fn report, void *arg);
void config_free(struct config *cfg);

/*
 * The [test] section's settings write keys to files and sockets and
 * lower the standard's limits: a configuration that has one is refused
 * (reported as above, returns 1) unless test_mode (pkmd --test-mode).
 */
int config_check_test_mode(const struct config *cfg, bool test_mode,
			   config_report_fn report, void *arg);

const char *role_name(enum pkmd_role role);
const char *suite_name(uint8_t suite);
const char *service_name(uint8_t service);

/* 802.16-2004 limits; [test] allow-short-lifetimes lowers the minima. */
#define AK_LIFETIME_MIN		86400u		/* 1 day */
#define AK_LIFETIME_DEFAULT	604800u		/* 7 days */
#define AK_LIFETIME_MAX		6048000u	/* 70 days */
#define TEK_LIFETIME_MIN	1800u		/* 30 minutes */
#define TEK_LIFETIME_DEFAULT	43200u		/* 12 hours */
#define TEK_LIFETIME_MAX	604800u		/* 7 days */
#define TEST_LIFETIME_MIN	4u

/*
 * The BS reserves downlink PNs per TEK in blocks, on disk before the
 * kernel may use them (bs_sa.c; control-plane.rst, "Packet numbers
 * across restarts").  A block bounds two things: the PNs skipped when
 * the kernel loses a TEK and the BS installs it again (at most two
 * blocks, 1/256 of the 2^31 space, so a key survives hundreds of such
 * losses), and how far traffic runs on while the daemon is away (at
 * least half a block: 2^21 frames, minutes at the tens of thousands of
 * frames per second this link carries, seconds even at a million).
 * [test] tek-pn-block makes it small enough for a test to cross.
 */
#define TEK_PN_BLOCK_DEFAULT	(1u << 22)
#define TEK_PN_BLOCK_MIN	16u
#define TEK_PN_BLOCK_MAX	(1u << 30)

#endif
