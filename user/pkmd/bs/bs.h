/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_BS_H
#define PKMD_BS_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "control.h"
#include "discriminator.h"
#include "eloop.h"
#include "pkm.h"
#include "pkmd.h"
#include "store.h"
#include "trust.h"

/*
 * Base station state.  Everything here is mirrored in the database
 * (store.c) and written there before it is acted on.
 *
 * CIDs and SAIDs of a station follow from its index N (1..m, m the
 * configuration's basic-cid-max, at most STATION_MAX): Basic CID N,
 * Primary Management CID m + N (802.16-2004 Table 345), unicast transport
 * connection and its SA 0x2000 + N.  Multicast and broadcast connections
 * have the CIDs of the configuration, 0x3000 to 0xfefe; tree groups'
 * rekeys go on the broadcast management connection 0xffff.  Every SA's
 * SAID is the CID of its transport connection (control-plane.rst says
 * why).
 */
#define STATION_MAX		CONFIG_BASIC_CID_MAX_LIMIT
#define UNICAST_CID_BASE	0x2000

struct subscriber {
	struct store_subscriber rec;
	uint8_t groups[GROUP_BITMAP_BYTES];	/* memberships */
};

/* An AK issued to a station, with the keys derived from it. */
struct bs_ak {
	bool valid;
	uint8_t seq;
	uint8_t ak[PKM_AK_LEN];
	struct pkm_keys keys;
	int64_t expires;		/* epoch seconds */
	uint32_t tx_pn;			/* next downlink PN */
	uint32_t tx_pn_reserved;	/* persisted: never reuse below it */
	struct pkm_replay rx;		/* uplink window, persisted */
	uint8_t nonce[PKM_SS_RANDOM_LEN];
};

#define RECENT_NONCES		128

/*
 * Auth Requests that reach certificate and signature checks, per
 * station: a bucket of AUTH_REQUEST_BURST, one back every
 * AUTH_REQUEST_REFILL_MS.
 */
#define AUTH_REQUEST_BURST	3
#define AUTH_REQUEST_REFILL_MS	5000

struct station {
	uint8_t mac[MAC_LEN];
	uint16_t index;
	uint16_t primary_cid;		/* basic-cid-max + index */
	struct bs_ak ak[2];		/* [STORE_AK_ACTIVE], [STORE_AK_PENDING] */
	int64_t auth_invalid_ms;	/* last Auth Invalid, rate limit */
	uint8_t recent_nonces[RECENT_NONCES][PKM_SS_RANDOM_LEN];
	unsigned int n_nonces;
	/* Auth Requests (bs_auth.c), monotonic ms */
	int64_t auth_bucket_ms;		/* token bucket: time of the next token */
	int64_t pending_asked_ms;	/* pending AK issued or asked for again */
	int64_t auth_drop_log_ms;	/* last "Auth Request dropped" line */
	unsigned int auth_drops;	/* drops since */
};

/* One SA and its two TEK generations (rec.tek[0] older, [1] newer). */
struct bs_group;

struct bs_sa {
	struct bs *bs;
	struct store_sa rec;
	struct timer rollover;		/* when the older TEK expires */
	/* PN limits the kernel wanted raised and the database refused */
	struct timer pn_retry;
	uint8_t pn_retry_eks;		/* bit per EKS */
	uint32_t pn_retry_limit[4];	/* the kernel's limit, per EKS */
	/* a tree group TEK the kernel lacks and that has no PNs left */
	bool tek_used_up;
	/*
	 * zones: committed TEKs this follower failed to install, tried
	 * again by each sync (bs_sas_zone_sync()), a few times at most
	 */
	struct {
		uint8_t tries;		/* 0: slot free */
		uint8_t eks;
		uint8_t key[STORE_KEY_LEN];
	} zone_retry[2];
};

struct bs {
	struct pkmd *d;
	const struct config *cfg;
	struct kernel *kernel;
	struct store *store;
	struct trust trust;		/* the CA (and CRL) of peers */
	EVP_PKEY *key;
	uint8_t *cert_der;
	size_t cert_len;

	struct subscriber **subs;		/* each allocated alone */
	size_t n_subs, cap_subs;
	struct station *stations[STATION_MAX + 1];	/* by index */
	struct bs_sa **sas;				/* by SAID, 65536 */
	struct bs_group **groups;	/* by group ID, 256; NULL: no tree */
	struct disc_policy policy;
	struct bs_zone *zone;		/* NULL: a zone of one (bs_zone.c) */
	/*
	 * zones: the last reload of the zone's subscribers failed, so a
	 * revocation may be unknown here: no Key Request for a shared SA
	 * is answered until one succeeds (bs_zone_reload_subscribers()).
	 */
	bool zone_subs_failed;
	/* the store's descriptor, polled while commits are on their way */
	int commit_fd;
	struct timer commit_poll;	/* instead, when it cannot be */
};

static inline uint16_t station_basic_cid(const struct station *st)
{
	return st->index;
}

static inline uint16_t station_primary_cid(const struct station *st)
{
	return st->primary_cid;
}

static inline uint16_t station_unicast_said(const struct station *st)
{
	return (uint16_t)(UNICAST_CID_BASE + st->index);
}

/* bs.c */
struct subscriber *bs_subscriber_by_cn(struct bs *bs, const char *cn);
struct subscriber *bs_subscriber_by_mac(struct bs *bs,
					const uint8_t mac[MAC_LEN]);
struct station *bs_station_by_mac(struct bs *bs, const uint8_t mac[MAC_LEN]);
/* Allocates (persistently) and creates its management connections. */
struct station *bs_station_enter(struct bs *bs, const uint8_t mac[MAC_LEN]);
/* Seals m for the station (CMAC under ak, or the BS's signature) and sends it. */
int bs_send(struct bs *bs, struct station *st, struct pkm_msg *m,
	    struct bs_ak *ak);
/* The next downlink PN under ak, reserving more on disk when needed. */
int bs_next_tx_pn(struct bs *bs, struct station *st, struct bs_ak *ak,
		  uint32_t *pn);
void bs_ak_wipe(struct bs_ak *ak);
/* The AK the station names by sequence number, if it is current. */
struct bs_ak *bs_station_ak(struct station *st, uint8_t seq);

/* Control operations; on failure 'why' says what was wrong. */
int bs_subscriber_add(struct bs *bs, const struct store_subscriber *s,
		      char *why, size_t why_len);
int bs_subscriber_revoke(struct bs *bs, const char *cn, char *why,
			 size_t why_len);
int bs_group_member_add(struct bs *bs, uint8_t group, const char *cn,
			char *why, size_t why_len);
int bs_group_member_del(struct bs *bs, uint8_t group, const char *cn,
			char *why, size_t why_len);

/* bs_sa.c */
int bs_sas_load(struct bs *bs);
int bs_sas_reconcile(struct bs *bs);
struct bs_sa *bs_sa_find(struct bs *bs, uint16_t said);
struct bs_sa *bs_sa_unicast(struct bs *bs, struct station *st);
/* Rolls over if the older TEK has expired; 0 or -errno. */
int bs_sa_current(struct bs_sa *sa);
int bs_sa_rekey(struct bs_sa *sa);
/*
 * Replaces both TEK generations of a shared SA without a key tree by new
 * random ones (saved first, each from PN 0), as on a revocation; a tree
 * group's SA is left to bs_group.c.  0 or -errno; on failure nothing
 * changed.
 */
int bs_sa_replace(struct bs_sa *sa);
void bs_sa_remove(struct bs_sa *sa);
void bs_sas_free(struct bs *bs);
void bs_kernel_tek_event(struct bs *bs, uint8_t cmd, uint16_t said,
			 uint8_t eks, int cid);
void bs_kernel_pn_limit(struct bs *bs, uint16_t said, uint8_t eks,
			uint32_t next_pn, uint32_t limit);
/*
 * Transmit PN reservations (control-plane.rst, "Packet numbers across
 * restarts").  bs_tek_fresh() readies a new key's record: no PN used, its
 * first block reserved, to be saved with it.  bs_sa_install_tek() puts a
 * generation of the SA's (saved) record into the kernel for lifetime
 * seconds: a fresh one from PN 0 up to its reservation; any other after
 * committing the next block, from the old reservation up to the new one.
 * -ENOSPC: the key has no PNs left and is not installed.
 */
void bs_tek_fresh(const struct bs *bs, struct store_tek *t);
int bs_sa_install_tek(struct bs_sa *sa, int gen, uint32_t lifetime,
		      bool replace);

/*
 * bs_sa.c, in a zone: a follower takes the shared SA's committed TEKs
 * into its kernel (and creates it there if it has none yet).
 */
int bs_sas_zone_sync(struct bs *bs, uint16_t said);

/*
 * bs_zone.c: the zone's leases, notifications and poll (zones.rst).
 * Without [bs] zone none of it runs, and this BS writes every SA.
 */
int bs_zone_start(struct bs *bs);
void bs_zone_stop(struct bs *bs);
/* Whether this BS writes the SA: its lease, or no zone at all. */
bool bs_zone_writer(const struct bs *bs, uint16_t said);
/* Takes or renews the leases now. */
void bs_zone_lease_pass(struct bs *bs);
void bs_zone_json(struct bs *bs, uint16_t said, struct json_out *o);
/*
 * bs.c: the zone's subscribers and memberships changed.  0, or an error
 * (logged) with bs->zone_subs_failed set until a reload succeeds.
 */
int bs_zone_reload_subscribers(struct bs *bs);
/* bs.c: the TEK replacements revocations recorded, for SAs this BS writes. */
void bs_zone_replace_pending(struct bs *bs);
/* bs.c: both TEKs of a shared SA were replaced by its writer. */
void bs_zone_sa_replaced(struct bs *bs, struct bs_sa *sa);

/* bs_control.c: the BS's part of the control protocol (struct role_ops) */
void bs_control_status(struct pkmd *d, struct json_out *o);
void bs_control_sa_list(struct pkmd *d, struct json_out *o);
int bs_control_rekey(struct pkmd *d, uint16_t said, char *why, size_t why_len);
extern const struct control_command bs_control_commands[];

/* bs_dreg.c: a DREG-REQ on the station's Primary Management CID */
void bs_dreg_request(struct bs *bs, struct station *st,
		     const uint8_t *payload, size_t len);

/* bs_entry.c */
void bs_entry_rx(struct bs *bs, const uint8_t src[MAC_LEN],
		 const uint8_t *payload, size_t len);

/* bs_auth.c */
void bs_auth_request(struct bs *bs, struct station *st, struct pkm_msg *m);
/*
 * Sends a signed Auth Invalid (rate-limited): the station's AK is unknown.
 * It names the station's MAC address and the SS-Random of the latest
 * Auth Request the BS knows from it; knowing none, it sends nothing.
 */
void bs_auth_invalid(struct bs *bs, struct station *st, const char *why);

/* bs_keys.c */
void bs_key_request(struct bs *bs, struct station *st, struct pkm_msg *m);
int bs_key_reply(struct bs *bs, struct station *st, struct bs_ak *ak,
		 const struct pkm_msg *req, struct bs_sa *sa);
void bs_tek_invalid(struct bs *bs, struct bs_sa *sa, uint8_t eks);
/* TEK Invalid for said to the station, under its active AK, if current. */
int bs_tek_invalid_to(struct bs *bs, struct station *st, uint16_t said,
		      const char *why);

/* The key-tree hook (issue 4): a member left a group. */
void bs_group_member_left(struct bs *bs, uint8_t group,
			  const struct subscriber *sub, const char *reason);

#endif
