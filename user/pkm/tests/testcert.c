// SPDX-License-Identifier: GPL-2.0
/* Test CAs and certificates through the OpenSSL API. */
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "testcert.h"

EVP_PKEY *tc_key_rsa(unsigned int bits)
{
	return EVP_RSA_gen(bits);
}

EVP_PKEY *tc_key_ec(void)
{
	return EVP_EC_gen("P-256");
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static const char *const kind_usage[][2] = {
	[TC_LEAF] = { "critical,digitalSignature,keyEncipherment", NULL },
	[TC_CA] = { "critical,keyCertSign,cRLSign", NULL },
	[TC_BS] = { "critical,digitalSignature", "serverAuth" },
	[TC_SS] = { "critical,digitalSignature,keyEncipherment", "clientAuth" },
	[TC_BOTH] = { "critical,digitalSignature,keyEncipherment",
		      "serverAuth,clientAuth" },
};

int tc_make(struct tc_cert *c, const char *cn, EVP_PKEY *key,
	    const struct tc_cert *issuer, enum tc_kind kind, long nb_days,
	    long na_days)
{
	bool ca = kind == TC_CA;
	X509 *signer;
	static long serial = 1;
	unsigned char *der = NULL;
	X509_NAME *name;
	X509 *x;
	int n;

	memset(c, 0, sizeof(*c));
	if (!key)
		return -1;
	c->key = key;
	x = X509_new();
	if (!x)
		return -1;
	c->x = x;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), nb_days * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), na_days * 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)"wman test", -1, -1, 0);
	if (cn)
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->x) :
					 name);
	signer = issuer ? issuer->x : x;
	if (!add_ext(x, signer, NID_basic_constraints,
		     ca ? "critical,CA:TRUE" : "critical,CA:FALSE") ||
	    !add_ext(x, signer, NID_key_usage, kind_usage[kind][0]) ||
	    (kind_usage[kind][1] &&
	     !add_ext(x, signer, NID_ext_key_usage, kind_usage[kind][1])))
		return -1;
	if (!X509_sign(x, issuer ? issuer->key : key, EVP_sha256()))
		return -1;
	n = i2d_X509(x, &der);
	if (n <= 0)
		return -1;
	c->der = malloc((size_t)n);
	if (!c->der) {
		OPENSSL_free(der);
		return -1;
	}
	memcpy(c->der, der, (size_t)n);
	c->der_len = (size_t)n;
	OPENSSL_free(der);
	return 0;
}

char *tc_pem(const struct tc_cert *c, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (!bio)
		return NULL;
	if (PEM_write_bio_X509(bio, c->x)) {
		n = BIO_get_mem_data(bio, &data);
		out = malloc((size_t)n + 1);
		if (out) {
			memcpy(out, data, (size_t)n);
			out[n] = '\0';
			*len = (size_t)n;
		}
	}
	BIO_free(bio);
	return out;
}

void tc_free(struct tc_cert *c)
{
	EVP_PKEY_free(c->key);
	X509_free(c->x);
	free(c->der);
	memset(c, 0, sizeof(*c));
}

char *tc_crl_pem(const struct tc_cert *ca, const struct tc_cert *revoked,
		 size_t n, long next_days, size_t *len)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *now = ASN1_TIME_new(), *next = ASN1_TIME_new();
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long blen;
	int ok;

	ok = crl && now && next && bio && X509_CRL_set_version(crl, 1) &&
	     X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->x)) &&
	     X509_gmtime_adj(now, -3600) &&
	     X509_gmtime_adj(next, next_days * 86400) &&
	     X509_CRL_set1_lastUpdate(crl, now) &&
	     X509_CRL_set1_nextUpdate(crl, next);
	for (size_t i = 0; ok && i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();

		ok = r && X509_REVOKED_set_serialNumber(r,
				X509_get_serialNumber(revoked[i].x)) &&
		     X509_REVOKED_set_revocationDate(r, now) &&
		     X509_CRL_add0_revoked(crl, r);
		if (!ok)
			X509_REVOKED_free(r);
	}
	ok = ok && X509_CRL_sort(crl) &&
	     X509_CRL_sign(crl, ca->key, EVP_sha256()) &&
	     PEM_write_bio_X509_CRL(bio, crl);
	if (ok) {
		blen = BIO_get_mem_data(bio, &data);
		out = malloc((size_t)blen + 1);
		if (out) {
			memcpy(out, data, (size_t)blen);
			out[blen] = '\0';
			*len = (size_t)blen;
		}
	}
	BIO_free(bio);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
	return out;
}
