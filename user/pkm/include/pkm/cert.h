/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKM_CERT_H
#define PKM_CERT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define PKM_CN_MAX	64	/* RFC 5280 ub-common-name */

/* A verified certificate's identity. */
struct pkm_cert_id {
	char cn[PKM_CN_MAX + 1];	/* subject CN, printable ASCII */
	EVP_PKEY *pub;			/* owned; pkm_cert_id_free() */
};

/* Trust anchors from a PEM file holding one or more CA certificates. */
X509_STORE *pkm_ca_load_file(const char *path);
/* The same from PEM text in memory. */
X509_STORE *pkm_ca_load_pem(const char *pem, size_t len);
void pkm_ca_free(X509_STORE *store);

/*
 * Verifies a DER certificate against the store: issued directly by a
 * trusted CA (no intermediates), not a CA itself, valid at "at" (0: now),
 * exactly one CN, and for want_rsa an RSA key of at least
 * PKM_RSA_MIN_BITS (an SS's key receives the RSA-OAEP encrypted AK).
 * On success fills id.
 */
int pkm_cert_verify(X509_STORE *store, const uint8_t *der, size_t len,
		    time_t at, int want_rsa, struct pkm_cert_id *id);
void pkm_cert_id_free(struct pkm_cert_id *id);

/* Private key from a PEM file (unencrypted). */
EVP_PKEY *pkm_key_load_file(const char *path);
/* DER of a PEM certificate file, malloc'd, for SS-/BS-Certificate. */
int pkm_cert_load_der(const char *path, uint8_t **der, size_t *len);

#endif
