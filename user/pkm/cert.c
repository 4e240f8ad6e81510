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

int pkm_ca_add_crl_file(X509_STORE *store, const char *path)
{
	X509_CRL *crl;
	int n = 0, err = PKM_OK;
	BIO *bio;

	if (!store || !path)
		return PKM_E_INVAL;
	bio = BIO_new_file(path, "r");
	if (!bio)
		return PKM_E_CERT;
	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL))) {
		if (!X509_STORE_add_crl(store, crl))
			err = PKM_E_CERT;
		X509_CRL_free(crl);
		n++;
	}
	BIO_free(bio);
	ERR_clear_error();
	if (!n || err)
		return PKM_E_CERT;
	/* Fail closed: an issuer without a current CRL fails verification. */
	if (!X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK |
				  X509_V_FLAG_CRL_CHECK_ALL))
		return PKM_E_CERT;
	return PKM_OK;
}

const char *pkm_cert_role_name(enum pkm_cert_role role)
{
	return role == PKM_ROLE_BS ? "BS" : "SS";
}

/* Whether x carries role's key usages, and only that role's purpose. */
static const char *role_problem(X509 *x, enum pkm_cert_role role)
{
	uint32_t flags = X509_get_extension_flags(x);
	uint32_t ku, xku, want_ku, want_xku, other_xku;

	if (role == PKM_ROLE_BS) {
		want_ku = KU_DIGITAL_SIGNATURE;
		want_xku = XKU_SSL_SERVER;
		other_xku = XKU_SSL_CLIENT;
	} else {
		want_ku = KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT;
		want_xku = XKU_SSL_CLIENT;
		other_xku = XKU_SSL_SERVER;
	}
	if (!(flags & EXFLAG_KUSAGE) || !(flags & EXFLAG_XKUSAGE))
		return role == PKM_ROLE_BS ?
		       "no keyUsage or extendedKeyUsage: not a BS certificate" :
		       "no keyUsage or extendedKeyUsage: not an SS certificate";
	ku = X509_get_key_usage(x);
	xku = X509_get_extended_key_usage(x);
	if ((ku & want_ku) != want_ku)
		return role == PKM_ROLE_BS ?
		       "keyUsage lacks digitalSignature" :
		       "keyUsage lacks digitalSignature or keyEncipherment";
	if (!(xku & want_xku))
		return role == PKM_ROLE_BS ?
		       "extendedKeyUsage lacks serverAuth: not a BS certificate" :
		       "extendedKeyUsage lacks clientAuth: not an SS certificate";
	if (xku & other_xku)
		return "extendedKeyUsage names both serverAuth and clientAuth";
	return NULL;
}

int pkm_cert_check_role(const uint8_t *der, size_t len,
			enum pkm_cert_role role, const char **why)
{
	const unsigned char *p = der;
	X509 *x;

	*why = "not a certificate";
	if (!der || !len || len > CERT_DER_MAX)
		return PKM_E_CERT;
	x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != der + len) {
		X509_free(x);
		ERR_clear_error();
		return PKM_E_CERT;
	}
	*why = X509_check_ca(x) ? "a CA certificate" : role_problem(x, role);
	X509_free(x);
	ERR_clear_error();
	return *why ? PKM_E_CERT : PKM_OK;
}

bool pkm_cert_matches_key(const uint8_t *der, size_t len, EVP_PKEY *key)
{
	const unsigned char *p = der;
	bool match;
	X509 *x;

	if (!der || !len || len > CERT_DER_MAX || !key)
		return false;
	x = d2i_X509(NULL, &p, (long)len);
	match = x && p == der + len &&
		EVP_PKEY_eq(X509_get0_pubkey(x), key) == 1;
	X509_free(x);
	ERR_clear_error();
	return match;
}

void pkm_key_id_hex(const uint8_t id[PKM_KEY_ID_LEN],
		    char out[PKM_KEY_ID_HEX_LEN])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < PKM_KEY_ID_LEN; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 15];
	}
	out[2 * PKM_KEY_ID_LEN] = '\0';
}

static int not_after_of(X509 *x, time_t *t)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm))
		return PKM_E_CERT;
	*t = timegm(&tm);
	return *t == (time_t)-1 ? PKM_E_CERT : PKM_OK;
}

static int key_id_of(EVP_PKEY *pub, uint8_t id[PKM_KEY_ID_LEN])
{
	unsigned char *der = NULL;
	unsigned int n = 0;
	int len, ok;

	len = i2d_PUBKEY(pub, &der);
	if (len <= 0)
		return PKM_E_CERT;
	ok = EVP_Digest(der, (size_t)len, id, &n, EVP_sha256(), NULL);
	OPENSSL_free(der);
	return ok && n == PKM_KEY_ID_LEN ? PKM_OK : PKM_E_CERT;
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
		    time_t at, enum pkm_cert_role role, struct pkm_cert_id *id)
{
	X509_STORE_CTX *ctx = NULL;
	const unsigned char *p = der;
	EVP_PKEY *pub = NULL;
	X509 *x;
	int err = PKM_E_CERT;

	if (!store || !der || !id)
		return PKM_E_INVAL;
	id->why = "not a certificate";
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
	if (X509_verify_cert(ctx) != 1) {
		id->why = X509_verify_cert_error_string(
				X509_STORE_CTX_get_error(ctx));
		goto out;
	}
	/* An SS or BS identity is an end entity, never a CA. */
	id->why = "a CA certificate";
	if (X509_check_ca(x))
		goto out;
	id->why = role_problem(x, role);
	if (id->why)
		goto out;
	id->why = "no public key";
	pub = X509_get_pubkey(x);
	if (!pub)
		goto out;
	id->why = "not an RSA key of enough bits";
	if (role == PKM_ROLE_SS && (!EVP_PKEY_is_a(pub, "RSA") ||
				    EVP_PKEY_get_bits(pub) < PKM_RSA_MIN_BITS))
		goto out;
	/* The BS signs: RSA as strong as an SS's, or EC of 256 bits and up. */
	id->why = "a BS key weaker than RSA-2048 or a 256-bit curve";
	if (role == PKM_ROLE_BS &&
	    !(EVP_PKEY_is_a(pub, "RSA") &&
	      EVP_PKEY_get_bits(pub) >= PKM_RSA_MIN_BITS) &&
	    !(EVP_PKEY_is_a(pub, "EC") && EVP_PKEY_get_bits(pub) >= 256))
		goto out;
	id->why = "not exactly one printable CN";
	if (subject_cn(x, id->cn))
		goto out;
	id->why = "no public key";
	if (key_id_of(pub, id->key_id))
		goto out;
	id->why = "an unreadable notAfter";
	if (not_after_of(x, &id->not_after))
		goto out;
	id->why = NULL;
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
	memset(id->key_id, 0, sizeof(id->key_id));
	id->not_after = 0;
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
