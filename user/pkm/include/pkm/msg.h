/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKM_MSG_H
#define PKM_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "pkm/crypto.h"

/* 802.16 MAC management message types carrying PKM. */
enum pkm_mgmt_type {
	PKM_MGMT_REQ = 9,
	PKM_MGMT_RSP = 10,
};

/* PKM codes, 802.16-2004 numbering, plus one extension. */
enum pkm_code {
	PKM_AUTH_REQUEST = 4,
	PKM_AUTH_REPLY = 5,
	PKM_AUTH_REJECT = 6,
	PKM_KEY_REQUEST = 7,
	PKM_KEY_REPLY = 8,
	PKM_KEY_REJECT = 9,
	PKM_AUTH_INVALID = 10,
	PKM_TEK_INVALID = 11,
	PKM_AUTH_INFO = 12,
	PKM_GROUP_KEY_UPDATE = 0xf0,	/* wman extension: key tree rekey */
};

/* Attribute types: 802.16-2004 11.9, a few of 802.16e, seed 002, ours. */
enum pkm_attr {
	PKM_A_DISPLAY_STRING = 6,
	PKM_A_AUTH_KEY = 7,
	PKM_A_TEK = 8,
	PKM_A_KEY_LIFETIME = 9,
	PKM_A_KEY_SEQ = 10,
	PKM_A_HMAC_DIGEST = 11,		/* PKMv1; never accepted here */
	PKM_A_SAID = 12,
	PKM_A_TEK_PARAMS = 13,
	PKM_A_CBC_IV = 15,		/* never accepted here */
	PKM_A_ERROR_CODE = 16,
	PKM_A_CA_CERT = 17,
	PKM_A_SS_CERT = 18,
	PKM_A_SEC_CAPS = 19,
	PKM_A_CRYPTO_SUITE = 20,
	PKM_A_CRYPTO_SUITE_LIST = 21,
	PKM_A_VERSION = 22,
	PKM_A_SA_DESC = 23,
	PKM_A_SA_TYPE = 24,
	PKM_A_PKM_CONFIG = 27,
	PKM_A_SERVICE_TYPE = 28,	/* seed 002; Key Request only */
	PKM_A_MCAST_GROUP_ID = 29,	/* seed 002 */
	PKM_A_SA_SERVICE_TYPE = 31,	/* 802.16e; in SA-Descriptor */
	PKM_A_SS_RANDOM = 33,		/* 802.16e numbering */
	PKM_A_BS_CERT = 37,		/* 802.16e numbering */
	PKM_A_SIG_BS = 38,		/* 802.16e numbering, our algorithm */
	PKM_A_SS_MAC = 39,		/* 802.16e MS-MAC-Address */
	PKM_A_CMAC_DIGEST = 40,		/* 802.16e: PN, 8-byte tag */
	PKM_A_SIG_SS = 44,		/* 802.16e numbering, our algorithm */
	PKM_A_OLD_CMAC_DIGEST = 140,	/* wman before 802.16 conformance */
	PKM_A_GROUP_KEY_PAYLOAD = 0xe0,	/* wman extension */
	PKM_A_GROUP_KEY_FRAGMENT = 0xe1,	/* wman extension */
};

/* Sub-attributes of PKM-Configuration-Settings, each 4 bytes, seconds. */
enum pkm_config_attr {
	PKM_CFG_AUTHORIZE_WAIT = 1,
	PKM_CFG_REAUTHORIZE_WAIT = 2,
	PKM_CFG_AUTH_GRACE = 3,
	PKM_CFG_OPERATIONAL_WAIT = 4,
	PKM_CFG_REKEY_WAIT = 5,
	PKM_CFG_TEK_GRACE = 6,
	PKM_CFG_AUTH_REJECT_WAIT = 7,
	PKM_CFG_COUNT = 7,
};

/*
 * Service-Type values (seed 002, Key Request).  The SA-Descriptor's
 * SA-Service-Type (802.16e) numbers the same services the same way:
 * 0 unicast, 1 group multicast, 2 MBS (our broadcast).
 */
enum pkm_service {
	PKM_SERVICE_UNICAST = 0,
	PKM_SERVICE_MULTICAST = 1,
	PKM_SERVICE_BROADCAST = 2,
};

/* Error-Code values: 0-6 from 802.16-2004, 7 and 8 from seed 002. */
enum pkm_error_code {
	PKM_EC_NONE = 0,
	PKM_EC_UNAUTHORIZED_SS = 1,
	PKM_EC_UNAUTHORIZED_SAID = 2,
	PKM_EC_UNSUBSCRIBED = 3,
	PKM_EC_INVALID_KEY_SEQ = 4,
	PKM_EC_MSG_AUTH_FAILURE = 5,
	PKM_EC_PERMANENT_AUTH_FAILURE = 6,
	PKM_EC_UNSUPPORTED_SERVICE = 7,
	PKM_EC_UNAUTHORIZED_MCAST_GROUP = 8,
};

enum pkm_sa_type {
	PKM_SA_PRIMARY = 0,
	PKM_SA_STATIC = 1,
	PKM_SA_DYNAMIC = 2,
};

/* Cryptographic-Suite bytes. */
#define PKM_DATA_ENC_AES_CCM_128	2	/* 802.16e */
#define PKM_DATA_ENC_AES_GCM_128	0x80	/* wman extension */
#define PKM_DATA_AUTH_AEAD		0	/* the AEAD authenticates */
#define PKM_TEK_ENC_AES_KW_128		4	/* 802.16e AES Key Wrap */
#define PKM_VERSION_1			1

#define PKM_HDR_LEN		3	/* mgmt type, code, identifier */
#define PKM_MSG_MAX		2041	/* 11-bit GMH LEN less the GMH */
#define PKM_SS_RANDOM_LEN	8
#define PKM_DISPLAY_MAX		128
#define PKM_MAX_SA_DESC		16
#define PKM_MAX_SUITES		8
#define PKM_CERT_MAX		1900
#define PKM_CMAC_ATTR_LEN	(4 + PKM_CMAC_TRUNC_LEN)	/* PN, tag */
#define PKM_GKU_FRAGMENT_LEN	16	/* rekey id, index, count, total */

struct pkm_crypto_suite {
	uint8_t data_enc;
	uint8_t data_auth;
	uint8_t tek_enc;
};

/*
 * 802.16's TEK-Parameters name no suite: the SA's comes from the
 * SA-Descriptor of the Auth Reply.
 */
struct pkm_tek_params {
	uint8_t wrapped_tek[PKM_WRAPPED_TEK_LEN];
	uint32_t lifetime;		/* seconds left */
	uint8_t eks;			/* 2-bit key sequence number */
};

struct pkm_sa_desc {
	uint16_t said;
	uint8_t sa_type;		/* enum pkm_sa_type */
	struct pkm_crypto_suite suite;
	bool has_service;		/* SA-Service-Type (31) present */
	uint8_t service;		/* enum pkm_service */
	bool has_group;			/* only with PKM_SERVICE_MULTICAST */
	uint8_t group_id;		/* seed 002's attribute 29 */
};

struct pkm_sec_caps {
	uint8_t version;
	size_t n_suites;
	struct pkm_crypto_suite suites[PKM_MAX_SUITES];
};

struct pkm_config {
	uint8_t present;		/* bit (attr - 1) set when given */
	uint32_t val[PKM_CFG_COUNT];	/* indexed by attr - 1 */
};

/* Byte strings point into the parsed buffer (or the caller's data). */
struct pkm_bytes {
	const uint8_t *p;
	size_t len;
};

struct pkm_auth_request {
	struct pkm_bytes ss_cert;	/* DER */
	struct pkm_sec_caps caps;
	uint16_t basic_said;		/* SAID of the basic CID */
	uint8_t ss_mac[PKM_MAC_ADDR_LEN];
	uint8_t ss_random[PKM_SS_RANDOM_LEN];
};

struct pkm_auth_reply {
	struct pkm_bytes enc_ak;	/* RSA-OAEP(AK) */
	uint32_t ak_lifetime;
	uint8_t ak_seq;			/* 0..15 */
	size_t n_sa;
	struct pkm_sa_desc sa[PKM_MAX_SA_DESC];
	bool has_config;
	struct pkm_config config;
	uint8_t ss_random[PKM_SS_RANDOM_LEN];	/* echo of the request's */
	struct pkm_bytes bs_cert;	/* DER */
};

struct pkm_auth_reject {
	uint8_t error;
	char display[PKM_DISPLAY_MAX + 1];	/* "" when absent */
	uint8_t ss_random[PKM_SS_RANDOM_LEN];
	struct pkm_bytes bs_cert;
};

struct pkm_auth_info {
	struct pkm_bytes ca_cert;	/* DER */
};

struct pkm_key_request {
	uint8_t ak_seq;
	uint16_t said;
	uint8_t service;		/* any value; the BS judges it */
	bool has_group;			/* exactly when service is multicast */
	uint8_t group_id;
};

struct pkm_key_reply {
	uint8_t ak_seq;
	uint16_t said;
	struct pkm_tek_params tek[2];	/* [0] older, [1] newer */
	/*
	 * wman: the answer to a Key Request for SAID 0 describes the SA it
	 * grants, whose suite the SS has from no Auth Reply.  Its SAID is
	 * the reply's and it names a service.
	 */
	bool has_sa_desc;
	struct pkm_sa_desc sa_desc;
};

/* Key Reject and TEK Invalid carry the same fields. */
struct pkm_key_reject {
	uint8_t ak_seq;
	uint16_t said;
	uint8_t error;
	char display[PKM_DISPLAY_MAX + 1];
};

/*
 * The signed form (no AK named) is bound to one SS and one authorization:
 * it carries that SS's MAC address and the SS-Random of its latest Auth
 * Request, both required.  The digested form carries neither: its AK and
 * packet number bind it already.
 */
struct pkm_auth_invalid {
	bool has_ak_seq;		/* then CMAC-digested, else SigBS */
	uint8_t ak_seq;
	uint8_t error;
	char display[PKM_DISPLAY_MAX + 1];
	uint8_t ss_mac[PKM_MAC_ADDR_LEN];	/* signed form only */
	uint8_t ss_random[PKM_SS_RANDOM_LEN];	/* signed form only */
};

/*
 * Group-Key-Fragment: the payload is the slice number index (from 0) of
 * count slices that, joined in index order, make total bytes, the key
 * tree message of rekey rekey_id.  The parser checks 2 <= count,
 * index < count, count <= total and the slice's length <= total.
 */
struct pkm_group_fragment {
	uint64_t rekey_id;		/* the key tree sequence number */
	uint16_t index;
	uint16_t count;
	uint32_t total;			/* bytes of the joined payload */
};

struct pkm_group_key_update {
	uint16_t said;
	struct pkm_bytes payload;	/* key tree rekey data, issue 4 */
	bool has_fragment;		/* payload is a slice of a larger one */
	struct pkm_group_fragment frag;
};

enum pkm_authn {
	PKM_AUTHN_NONE,		/* Auth Info only */
	PKM_AUTHN_CMAC,		/* CMAC-Digest */
	PKM_AUTHN_SIG_SS,	/* SigSS */
	PKM_AUTHN_SIG_BS,	/* SigBS */
};

struct pkm_msg {
	uint8_t mgmt_type;	/* filled by the builder from code */
	uint8_t code;
	uint8_t id;		/* PKM identifier */
	union {
		struct pkm_auth_request auth_req;
		struct pkm_auth_reply auth_rep;
		struct pkm_auth_reject auth_rej;
		struct pkm_auth_info auth_info;
		struct pkm_key_request key_req;
		struct pkm_key_reply key_rep;
		struct pkm_key_reject key_rej;
		struct pkm_key_reject tek_inv;
		struct pkm_auth_invalid auth_inv;
		struct pkm_group_key_update gku;
	} u;

	/* Set by pkm_msg_parse(). */
	/*
	 * With PKM_E_OLD_ENCODING: which encoding of wman before 802.16
	 * conformance was met, e.g. "CMAC-Digest as attribute 140"; a
	 * static string, for log lines.  NULL otherwise.
	 */
	const char *old_encoding;
	enum pkm_authn authn;
	uint32_t pn;			/* CMAC-Digest packet number */
	const uint8_t *raw;
	size_t covered_len;		/* bytes the authenticator covers */
	struct pkm_bytes tag;		/* CMAC value or signature */
	bool verified;			/* set by pkm_msg_verify() */
};

/* What a sender seals a message with. */
struct pkm_seal {
	const uint8_t *cmac_key;	/* PKM_KEY_LEN; pkm_keys_cmac() */
	uint32_t pn;			/* never reused under one key */
	EVP_PKEY *sign_key;		/* SS (SigSS) or BS (SigBS) key */
};

/* What a receiver checks a message with. */
struct pkm_verifier {
	const uint8_t *cmac_key;	/* for CMAC-Digest */
	struct pkm_replay *replay;	/* per cmac_key; NULL: no check */
	EVP_PKEY *peer_key;		/* for SigSS / SigBS */
};

/* Which management type a code travels in; 0 for unknown codes. */
uint8_t pkm_code_mgmt_type(uint8_t code);
const char *pkm_code_name(uint8_t code);
const char *pkm_error_code_name(uint8_t error);

/*
 * Builds m into buf.  Messages authenticated by CMAC need seal->cmac_key
 * and seal->pn, signed ones seal->sign_key.  Auth Invalid is digested
 * when it names an AK (has_ak_seq), else signed; Group Key Update is
 * digested when seal->cmac_key is set, else signed.
 */
int pkm_msg_build(const struct pkm_msg *m, const struct pkm_seal *seal,
		  uint8_t *buf, size_t cap, size_t *len);

/*
 * Parses buf into m: header, every attribute's size and range, required
 * and forbidden attributes, the authenticator last.  Byte strings in m
 * point into buf.  The result is not to be acted on before
 * pkm_msg_verify() succeeds.  On failure m is zeroed, except that
 * PKM_E_OLD_ENCODING leaves m->old_encoding naming what was met.
 */
int pkm_msg_parse(const uint8_t *buf, size_t len, struct pkm_msg *m);

/*
 * Checks the authenticator (constant-time for CMAC) and, for CMAC, the
 * packet number against v->replay, which it then advances.  Sets
 * m->verified.  Auth Info carries no authenticator and verifies as is.
 */
int pkm_msg_verify(struct pkm_msg *m, const struct pkm_verifier *v);

/*
 * Key material out of verified messages only.  pkm_key_reply_tek()
 * unwraps with AES Key Wrap: the caller checks that the SA's suite (from
 * its SA-Descriptor) names that TEK encryption.
 */
int pkm_auth_reply_ak(const struct pkm_msg *m, EVP_PKEY *ss_key,
		      uint8_t ak[PKM_AK_LEN]);
int pkm_key_reply_tek(const struct pkm_msg *m, unsigned int which,
		      const uint8_t kek[PKM_KEY_LEN], uint8_t tek[PKM_KEY_LEN]);
/* Builder side: wrap a TEK into p. */
int pkm_tek_params_wrap(struct pkm_tek_params *p,
			const uint8_t kek[PKM_KEY_LEN],
			const uint8_t tek[PKM_KEY_LEN]);

#endif
