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

/* What a test certificate is for: its key usages (pkm/cert.h). */
enum tc_kind {
	TC_LEAF,	/* end entity with keyUsage only, no role */
	TC_CA,		/* keyCertSign, cRLSign */
	TC_BS,		/* digitalSignature; serverAuth */
	TC_SS,		/* digitalSignature, keyEncipherment; clientAuth */
	TC_BOTH,	/* an end entity claiming serverAuth and clientAuth */
};

/*
 * A certificate for key, signed by issuer (NULL: self-signed), valid
 * from now + nb_days to now + na_days.  cn NULL: no CN in the subject.
 * Takes ownership of key.
 */
int tc_make(struct tc_cert *c, const char *cn, EVP_PKEY *key,
	    const struct tc_cert *issuer, enum tc_kind kind, long nb_days,
	    long na_days);
/* PEM text of the certificate, malloc'd, NUL-terminated. */
char *tc_pem(const struct tc_cert *c, size_t *len);
void tc_free(struct tc_cert *c);
/*
 * PEM text of a CRL signed by ca, listing the n certificates of revoked,
 * next update in next_days (negative: already stale), malloc'd.
 */
char *tc_crl_pem(const struct tc_cert *ca, const struct tc_cert *revoked,
		 size_t n, long next_days, size_t *len);

#endif
