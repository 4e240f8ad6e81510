// SPDX-License-Identifier: GPL-2.0
/*
 * Test identities with OpenSSL: a CA and a BS certificate on EC P-256
 * (as the daemon tests use), and SS certificates on RSA 2048, which
 * authorization needs (the AK is RSA-OAEP encrypted to the SS).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "pkmload.h"

#define DAYS	30

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* Key usages of a BS's and an SS's certificate (pkm/cert.h). */
#define BS_USAGE	"critical,digitalSignature", "serverAuth"
#define SS_USAGE	"critical,digitalSignature,keyEncipherment", "clientAuth"

/* issuer NULL: self-signed CA (ku and xku unused). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, long serial,
		       X509 *issuer, EVP_PKEY *issuer_key, const char *ku,
		       const char *xku)
{
	X509 *x = X509_new();
	X509_NAME *name;

	if (!x)
		return NULL;
	name = X509_get_subject_name(x);
	if (!X509_set_version(x, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), serial) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 86400L * DAYS) ||
	    !X509_set_pubkey(x, key) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer)
					    : name))
		goto fail;
	if (add_ext(x, issuer ? issuer : x, NID_basic_constraints,
		    issuer ? "critical,CA:FALSE" : "critical,CA:TRUE") ||
	    add_ext(x, issuer ? issuer : x, NID_key_usage,
		    issuer ? ku : "critical,keyCertSign,cRLSign") ||
	    (issuer && add_ext(x, issuer, NID_ext_key_usage, xku)) ||
	    !X509_sign(x, issuer ? issuer_key : key, EVP_sha256()))
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

static int write_pem(const char *dir, const char *name, X509 *x,
		     EVP_PKEY *key)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, x ? "pem" : "key");
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "pkmload: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!x)
		chmod(path, 0600);
	ok = x ? PEM_write_X509(f, x)
	       : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	if (fclose(f) || !ok) {
		fprintf(stderr, "pkmload: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

int ident_make_ca_dir(const char *dir)
{
	EVP_PKEY *ca_key = EVP_EC_gen("P-256");
	EVP_PKEY *bs_key = EVP_EC_gen("P-256");
	X509 *ca = NULL, *bs = NULL;
	int err = -1;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "pkmload: %s: %s\n", dir, strerror(errno));
		goto out;
	}
	if (!ca_key || !bs_key)
		goto out;
	ca = make_cert(ca_key, "pkmload CA", 1, NULL, NULL, NULL, NULL);
	bs = ca ? make_cert(bs_key, "pkmload BS", 2, ca, ca_key, BS_USAGE) :
		  NULL;
	if (!bs)
		goto out;
	err = write_pem(dir, "ca", ca, NULL) || write_pem(dir, "ca", NULL, ca_key) ||
	      write_pem(dir, "bs", bs, NULL) || write_pem(dir, "bs", NULL, bs_key) ?
	      -1 : 0;
out:
	if (err)
		fprintf(stderr, "pkmload: cannot make the CA in %s\n", dir);
	X509_free(ca);
	X509_free(bs);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(bs_key);
	return err;
}

int ident_load_ca(const char *dir, struct ident_ca *ca)
{
	char path[4096];
	FILE *f;

	memset(ca, 0, sizeof(*ca));
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	f = fopen(path, "r");
	if (f) {
		ca->cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/ca.key", dir);
	f = fopen(path, "r");
	if (f) {
		ca->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	ca->store = X509_STORE_new();
	if (!ca->cert || !ca->key || !ca->store ||
	    !X509_STORE_add_cert(ca->store, ca->cert)) {
		fprintf(stderr, "pkmload: cannot read the CA in %s (pkmload ca %s makes one)\n",
			dir, dir);
		ident_free_ca(ca);
		return -1;
	}
	return 0;
}

void ident_free_ca(struct ident_ca *ca)
{
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	X509_STORE_free(ca->store);
	memset(ca, 0, sizeof(*ca));
}

EVP_PKEY *ident_rsa_key(void)
{
	return EVP_RSA_gen(2048);
}

int ident_issue(const struct ident_ca *ca, EVP_PKEY *key, const char *cn,
		long serial, uint8_t **der, size_t *len)
{
	X509 *x = make_cert(key, cn, serial, ca->cert, ca->key, SS_USAGE);
	unsigned char *p = NULL;
	int n;

	if (!x)
		return -1;
	n = i2d_X509(x, &p);
	X509_free(x);
	if (n <= 0)
		return -1;
	*der = p;
	*len = (size_t)n;
	return 0;
}
