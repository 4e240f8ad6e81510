/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKM_CERT_H
#define PKM_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define PKM_CN_MAX	64	/* RFC 5280 ub-common-name */

#define PKM_KEY_ID_LEN	32	/* SHA-256 */

/* A verified certificate's identity. */
struct pkm_cert_id {
	char cn[PKM_CN_MAX + 1];	/* subject CN, printable ASCII */
	EVP_PKEY *pub;			/* owned; pkm_cert_id_free() */
	/* SHA-256 of the DER SubjectPublicKeyInfo: what a pin names */
	uint8_t key_id[PKM_KEY_ID_LEN];
	time_t not_after;		/* end of the certificate's validity */
	/* when verification fails: why, for a log line (static text) */
	const char *why;
};

/*
 * The role a certificate is verified for.  Both are end entities issued
 * by the CA; what tells them apart is what the CA put in them:
 *
 *   BS: extendedKeyUsage id-kp-serverAuth, keyUsage digitalSignature
 *       (it signs Auth Replies, Rejects, Invalids and group rekeys);
 *   SS: extendedKeyUsage id-kp-clientAuth, keyUsage digitalSignature
 *       and keyEncipherment (it signs Auth Requests and receives the
 *       AK encrypted to its RSA key of at least PKM_RSA_MIN_BITS).
 *
 * Both extensions must be present, and a certificate naming both
 * purposes is refused: one certificate, one role.
 */
enum pkm_cert_role {
	PKM_ROLE_BS,
	PKM_ROLE_SS,
};

/* Trust anchors from a PEM file holding one or more CA certificates. */
X509_STORE *pkm_ca_load_file(const char *path);
/* The same from PEM text in memory. */
X509_STORE *pkm_ca_load_pem(const char *pem, size_t len);
void pkm_ca_free(X509_STORE *store);
/*
 * Adds the CRLs of a PEM file to the store and turns on revocation
 * checking: from then on a certificate whose issuer has no current CRL
 * in the store is refused.  Returns PKM_E_CERT when the file holds no
 * CRL.
 */
int pkm_ca_add_crl_file(X509_STORE *store, const char *path);

/*
 * Verifies a DER certificate against the store: issued directly by a
 * trusted CA (no intermediates), not a CA itself, valid at "at" (0: now),
 * not revoked when the store has CRLs, exactly one CN, and carrying the
 * role's key usages (see enum pkm_cert_role), and for a BS a key of
 * RSA-2048 or a 256-bit curve or stronger.  On success fills id.
 */
int pkm_cert_verify(X509_STORE *store, const uint8_t *der, size_t len,
		    time_t at, enum pkm_cert_role role, struct pkm_cert_id *id);
/*
 * Only the role's key usages of a DER certificate, without a CA: for a
 * daemon checking its own certificate.  *why says what is missing.
 */
int pkm_cert_check_role(const uint8_t *der, size_t len,
			enum pkm_cert_role role, const char **why);
/* Whether a DER certificate holds the public half of key. */
bool pkm_cert_matches_key(const uint8_t *der, size_t len, EVP_PKEY *key);
/* A key identity as 64 lowercase hexadecimal digits and a NUL. */
#define PKM_KEY_ID_HEX_LEN	(2 * PKM_KEY_ID_LEN + 1)
void pkm_key_id_hex(const uint8_t id[PKM_KEY_ID_LEN],
		    char out[PKM_KEY_ID_HEX_LEN]);
/* The role's name, for messages: "BS" or "SS". */
const char *pkm_cert_role_name(enum pkm_cert_role role);
void pkm_cert_id_free(struct pkm_cert_id *id);

/* Private key from a PEM file (unencrypted). */
EVP_PKEY *pkm_key_load_file(const char *path);
/* DER of a PEM certificate file, malloc'd, for SS-/BS-Certificate. */
int pkm_cert_load_der(const char *path, uint8_t **der, size_t *len);

#endif
