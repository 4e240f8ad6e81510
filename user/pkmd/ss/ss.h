/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_SS_H
#define PKMD_SS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "control.h"
#include "eloop.h"
#include "fsm.h"
#include "pkm.h"
#include "pkmd.h"
#include "trust.h"

struct ss_group_state;

/* Subscriber station state. */

/* One TEK as installed in the kernel. */
struct ss_tek {
	bool valid;
	uint8_t eks;
	uint8_t key[PKM_KEY_LEN];
	int64_t expires_ms;		/* monotonic */
};

/* One service the SS asks keys for: an SA and its TEK state machine. */
struct ss_sa {
	struct ss *ss;
	enum tek_state state;
	uint8_t service;		/* Service Type (any value, for tests) */
	bool has_group;
	uint8_t group_id;
	uint16_t said;			/* 0 until the BS names it */
	uint8_t suite;			/* of the TEKs installed */
	/*
	 * The SA-Descriptor that names this SA: the latest Auth Reply's or,
	 * for an SA it left out, the Key Reply's to SAID 0.  The SA's suite
	 * comes from it.  desc.has_service is false for an SA with no
	 * descriptor yet, which asks with SAID 0: before the first one, and
	 * after each Auth Reply that leaves the SA out (assign_saids()).
	 */
	struct pkm_sa_desc desc;
	bool request_outstanding;
	uint8_t request_id;		/* PKM identifier of the Key Request */
	uint16_t request_said;		/* and the SAID it named (0 or said) */
	unsigned int retransmissions;
	struct timer retx_timer;	/* Operational/Rekey Wait Timeout */
	struct timer refresh_timer;	/* TEK Grace Time before expiry */
	struct ss_tek tek[2];		/* [0] older, [1] newer */
	bool in_kernel;
	uint8_t last_error;		/* of the last Key Reject */
	struct ss_group_state *tree;	/* a group with a key tree */
	bool tree_conn;			/* holds the broadcast mgmt connection */
};

/* Whether an SA-Descriptor is of the service (and group) sa asks for. */
static inline bool ss_desc_names_sa(const struct pkm_sa_desc *d,
				    const struct ss_sa *sa)
{
	return d->has_service && d->service == sa->service &&
	       d->has_group == sa->has_group &&
	       (!d->has_group || d->group_id == sa->group_id);
}

/* A Key Reply's TEKs, unwrapped, for the install action. */
struct ss_key_material {
	uint16_t said;
	uint8_t suite;
	struct ss_tek tek[2];
	uint32_t lifetime[2];
};

struct ss_ak {
	bool valid;
	uint8_t seq;
	struct pkm_keys keys;
	int64_t expires_ms;		/* monotonic */
	uint32_t tx_pn;			/* next uplink PN */
	struct pkm_replay rx;		/* downlink window */
};

struct ss {
	struct pkmd *d;
	const struct config *cfg;
	struct kernel *kernel;
	struct trust trust;		/* the CA (and CRL) of peers */
	EVP_PKEY *key;
	uint8_t *cert_der;
	size_t cert_len;
	uint8_t mac[MAC_LEN];
	uint8_t bsid[MAC_LEN];

	/* network entry */
	bool entered;
	uint16_t basic_cid;
	uint16_t primary_cid;
	unsigned int ranging_attempts;
	struct timer ranging_timer;

	/* de-registration (ss_dreg.c) */
	bool dreg_sent;			/* DREG-REQ out, DREG-CMD awaited */
	bool deregistered;		/* idle until restarted */

	/* authorization */
	enum auth_state auth_state;
	struct timer auth_timer;	/* authorize/reauthorize/reject wait */
	struct timer auth_grace_timer;
	uint8_t auth_request_id;
	uint8_t nonce[PKM_SS_RANDOM_LEN];
	struct ss_ak ak;
	/*
	 * The AK that ak replaced: answers to requests sent under it may
	 * still arrive, and it stays valid until it expires (802.16: two
	 * AKs are active during reauthorization).
	 */
	struct ss_ak prev_ak;
	EVP_PKEY *bs_key;		/* pinned from the verified Auth Reply */
	char bs_cn[PKM_CN_MAX + 1];
	/*
	 * The certificate of bs_key, verified again when the CRL changes
	 * or it expires (ss_bs_key_trusted): a revoked BS key is trusted
	 * with nothing, not even until the next reauthorization.
	 */
	uint8_t *bs_cert_der;
	size_t bs_cert_len;
	unsigned int bs_cert_generation;	/* trust generation verified at */
	time_t bs_cert_not_after;
	bool bs_cert_good;
	size_t n_descs;
	struct pkm_sa_desc descs[PKM_MAX_SA_DESC];
	struct config_timers timers;	/* the BS's, once authorized */
	int64_t auth_invalid_ms;	/* last Auth Invalid acted on, monotonic */

	uint8_t next_pkm_id;
	size_t n_sas;
	struct ss_sa *sas;
};

/* ss.c */
int ss_send(struct ss *ss, struct pkm_msg *m);
uint8_t ss_next_id(struct ss *ss);
/*
 * The Key Reply's TEKs into the kernel.  -ENOSPC: installed, but a key
 * the kernel has used up was left out (the SA wants new keys).
 */
int ss_sa_install(struct ss_sa *sa, struct ss_key_material *km);
void ss_sa_remove(struct ss_sa *sa);
void ss_sa_wipe_keys(struct ss_sa *sa);
struct ss_sa *ss_sa_find(struct ss *ss, uint16_t said);
/* "SAID 0x2001" or "multicast group 5" for log lines. */
const char *ss_sa_label(const struct ss_sa *sa);

/* ss_control.c: the SS's part of the control protocol (struct role_ops) */
void ss_control_status(struct pkmd *d, struct json_out *o);
void ss_control_sa_list(struct pkmd *d, struct json_out *o);
int ss_control_rekey(struct pkmd *d, uint16_t said, char *why, size_t why_len);
extern const struct control_command ss_control_commands[];

/* ss_dreg.c */
/*
 * Sends a DREG-REQ under the current AK; the BS's DREG-CMD then stops
 * the SS.  0, or -errno with why filled in.
 */
int ss_deregister(struct ss *ss, char *why, size_t why_len);
/* A DREG-CMD on the Primary Management CID. */
void ss_dreg_cmd(struct ss *ss, const uint8_t *payload, size_t len);

/* ss_entry.c */
void ss_entry_start(struct ss *ss);
/* The device's BSID names another BS: enter it, keeping group keys. */
int ss_handover(struct ss *ss, char *why, size_t why_len);
void ss_entry_rx(struct ss *ss, const uint8_t src[MAC_LEN],
		 const uint8_t *payload, size_t len);

/* ss_bs_pin.c: the BS key an SS trusts, and for how long */
/*
 * Pins key (taken over) and a copy of its verified certificate, valid
 * until not_after.  Returns 0, or -ENOMEM (nothing pinned).
 */
int ss_bs_pin(struct ss *ss, EVP_PKEY *key, const uint8_t *der, size_t len,
	      time_t not_after);
/*
 * Whether the pinned BS key may verify a message now: its certificate
 * still verifies (checked again when the CRL file changed and once it
 * expired).  what names the message for the log line of a refusal.
 */
bool ss_bs_key_trusted(struct ss *ss, const char *what);
void ss_bs_unpin(struct ss *ss);

/* ss_auth.c */
/*
 * After acting on an Auth Invalid the SS acts on no other for the
 * larger of this and its reauthorize wait.
 */
#define AUTH_INVALID_HOLDOFF_S	60
void ss_auth_init(struct ss *ss);
void ss_auth_event(struct ss *ss, enum auth_event ev);
void ss_auth_rx(struct ss *ss, struct pkm_msg *m);
/* Back to Start: timers stopped, every SA out of the kernel, AKs wiped. */
void ss_auth_stop(struct ss *ss);

/* ss_keys.c */
void ss_tek_event(struct ss_sa *sa, enum tek_event ev,
		  struct ss_key_material *km);
void ss_keys_rx(struct ss *ss, struct pkm_msg *m);
void ss_kernel_tek_event(struct ss *ss, uint8_t cmd, uint16_t said,
			 uint8_t eks);
int ss_rekey(struct ss *ss, uint16_t said, char *why, size_t why_len);

#endif
