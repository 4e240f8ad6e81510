/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKM_TESTCERT_H
#define PKM_TESTCERT_H

/* Keys and certificates made at test time; nothing is kept on disk. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct tc_cert {
	EVP_PKEY *key;
	X509 *x;
	uint8_t *der;
	size_t der_len;
};

EVP_PKEY *tc_key_rsa(unsigned int bits);
EVP_PKEY *tc_key_ec(void);

/*
 * A certificate for key, signed by issuer (NULL: self-signed CA), valid
 * from now + nb_days to now + na_days.  cn NULL: no CN in the subject.
 * Takes ownership of key.
 */
int tc_make(struct tc_cert *c, const char *cn, EVP_PKEY *key,
	    const struct tc_cert *issuer, bool ca, long nb_days, long na_days);
/* PEM text of the certificate, malloc'd, NUL-terminated. */
char *tc_pem(const struct tc_cert *c, size_t *len);
void tc_free(struct tc_cert *c);

#endif
