// SPDX-License-Identifier: GPL-2.0
/* X.509: trust anchors, certificate verification, identity extraction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "pkm/cert.h"
#include "pkm/crypto.h"
#include "pkm/err.h"

#define CERT_DER_MAX	4096

static X509_STORE *store_from_bio(BIO *bio)
{
	X509_STORE *store;
	X509 *x;
	int n = 0;

	store = X509_STORE_new();
	if (!store)
		return NULL;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		if (!X509_STORE_add_cert(store, x)) {
			X509_free(x);
			goto fail;
		}
		X509_free(x);
		n++;
	}
	ERR_clear_error();	/* the loop ends on "no start line" */
	if (n)
		return store;
fail:
	X509_STORE_free(store);
	return NULL;
}

X509_STORE *pkm_ca_load_file(const char *path)
{
	X509_STORE *store;
	BIO *bio;

	bio = BIO_new_file(path, "r");
	if (!bio)
		return NULL;
	store = store_from_bio(bio);
	BIO_free(bio);
	return store;
}

X509_STORE *pkm_ca_load_pem(const char *pem, size_t len)
{
	X509_STORE *store;
	BIO *bio;

	if (!pem || len > INT32_MAX)
		return NULL;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return NULL;
	store = store_from_bio(bio);
	BIO_free(bio);
	return store;
}

void pkm_ca_free(X509_STORE *store)
{
	X509_STORE_free(store);
}

static int subject_cn(X509 *x, char cn[PKM_CN_MAX + 1])
{
	const ASN1_STRING *s;
	const unsigned char *p;
	X509_NAME_ENTRY *e;
	X509_NAME *name;
	int i, n;

	name = X509_get_subject_name(x);
	i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i < 0)
		return PKM_E_CERT;
	/* Exactly one CN, so the identity cannot be ambiguous. */
	if (X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0)
		return PKM_E_CERT;
	e = X509_NAME_get_entry(name, i);
	s = X509_NAME_ENTRY_get_data(e);
	n = ASN1_STRING_length(s);
	p = ASN1_STRING_get0_data(s);
	if (n < 1 || n > PKM_CN_MAX)
		return PKM_E_CERT;
	/* Printable ASCII only: the CN goes into logs and the database. */
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return PKM_E_CERT;
	memcpy(cn, p, (size_t)n);
	cn[n] = '\0';
	return PKM_OK;
}

int pkm_cert_verify(X509_STORE *store, const uint8_t *der, size_t len,
		    time_t at, int want_rsa, struct pkm_cert_id *id)
{
	X509_STORE_CTX *ctx = NULL;
	const unsigned char *p = der;
	EVP_PKEY *pub = NULL;
	X509 *x;
	int err = PKM_E_CERT;

	if (!store || !der || !id)
		return PKM_E_INVAL;
	if (!len || len > CERT_DER_MAX)
		return PKM_E_CERT;
	x = d2i_X509(NULL, &p, (long)len);
	/* Trailing bytes after the certificate are refused too. */
	if (!x || p != der + len)
		goto out;
	ctx = X509_STORE_CTX_new();
	if (!ctx || !X509_STORE_CTX_init(ctx, store, x, NULL))
		goto out;
	if (at)
		X509_STORE_CTX_set_time(ctx, 0, at);
	if (X509_verify_cert(ctx) != 1)
		goto out;
	/* An SS or BS identity is an end entity, never a CA. */
	if (X509_check_ca(x))
		goto out;
	pub = X509_get_pubkey(x);
	if (!pub)
		goto out;
	if (want_rsa && (!EVP_PKEY_is_a(pub, "RSA") ||
			 EVP_PKEY_get_bits(pub) < PKM_RSA_MIN_BITS))
		goto out;
	if (subject_cn(x, id->cn))
		goto out;
	id->pub = pub;
	pub = NULL;
	err = PKM_OK;
out:
	EVP_PKEY_free(pub);
	X509_STORE_CTX_free(ctx);
	X509_free(x);
	ERR_clear_error();
	return err;
}

void pkm_cert_id_free(struct pkm_cert_id *id)
{
	EVP_PKEY_free(id->pub);
	id->pub = NULL;
	id->cn[0] = '\0';
}

EVP_PKEY *pkm_key_load_file(const char *path)
{
	EVP_PKEY *key;
	BIO *bio;

	bio = BIO_new_file(path, "r");
	if (!bio)
		return NULL;
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return key;
}

int pkm_cert_load_der(const char *path, uint8_t **der, size_t *len)
{
	unsigned char *buf = NULL;
	X509 *x;
	BIO *bio;
	int n;

	if (!path || !der || !len)
		return PKM_E_INVAL;
	bio = BIO_new_file(path, "r");
	if (!bio)
		return PKM_E_CERT;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!x)
		return PKM_E_CERT;
	n = i2d_X509(x, &buf);
	X509_free(x);
	if (n <= 0)
		return PKM_E_CERT;
	*der = malloc((size_t)n);
	if (!*der) {
		OPENSSL_free(buf);
		return PKM_E_NOMEM;
	}
	memcpy(*der, buf, (size_t)n);
	OPENSSL_free(buf);
	*len = (size_t)n;
	return PKM_OK;
}
