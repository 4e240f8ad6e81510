// SPDX-License-Identifier: GPL-2.0
/*
 * Certificate verification: the right CA, another CA, expired and not yet
 * valid certificates, weak and wrong keys, malformed DER, identity.
 */
#include <stdlib.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "pkm/cert.h"
#include "pkm/crypto.h"
#include "pkm/err.h"
#include "tap.h"
#include "testcert.h"

static struct tc_cert ca, ca2, good, other_ca, expired, future, weak, ec_ss,
	self, no_cn, sub_ca, leaf_of_sub;

static void make_all(void)
{
	int err = 0;

	err |= tc_make(&ca, "wman CA", tc_key_ec(), NULL, true, -60, 3650);
	err |= tc_make(&ca2, "rogue CA", tc_key_ec(), NULL, true, -60, 3650);
	err |= tc_make(&good, "ss-0001", tc_key_rsa(2048), &ca, false, -1, 365);
	err |= tc_make(&other_ca, "ss-0001", tc_key_rsa(2048), &ca2, false,
		       -1, 365);
	err |= tc_make(&expired, "ss-0002", tc_key_rsa(2048), &ca, false,
		       -30, -1);
	err |= tc_make(&future, "ss-0003", tc_key_rsa(2048), &ca, false,
		       10, 365);
	err |= tc_make(&weak, "ss-0004", tc_key_rsa(1024), &ca, false, -1, 365);
	err |= tc_make(&ec_ss, "bs-1", tc_key_ec(), &ca, false, -1, 365);
	err |= tc_make(&self, "ss-0001", tc_key_rsa(2048), NULL, false, -1,
		       365);
	err |= tc_make(&no_cn, NULL, tc_key_rsa(2048), &ca, false, -1, 365);
	/* A leaf under an end-entity "CA" (CA:FALSE) must not chain. */
	err |= tc_make(&sub_ca, "not a CA", tc_key_ec(), &ca, false, -1, 365);
	err |= tc_make(&leaf_of_sub, "ss-0005", tc_key_rsa(2048), &sub_ca,
		       false, -1, 365);
	if (err) {
		printf("Bail out! cannot make test certificates\n");
		exit(1);
	}
}

static int verify(X509_STORE *s, const struct tc_cert *c, int want_rsa,
		  struct pkm_cert_id *id)
{
	return pkm_cert_verify(s, c->der, c->der_len, 0, want_rsa, id);
}

static void test_verify(X509_STORE *store)
{
	struct pkm_cert_id id;
	uint8_t *der;

	ok(!verify(store, &good, 1, &id) && !strcmp(id.cn, "ss-0001") &&
	   id.pub && EVP_PKEY_get_bits(id.pub) == 2048,
	   "SS certificate from our CA verifies; CN and key extracted");
	ok(EVP_PKEY_eq(id.pub, good.key) == 1,
	   "extracted key is the SS's public key");
	pkm_cert_id_free(&id);
	ok(!id.pub, "identity freed");

	is(verify(store, &other_ca, 1, &id), PKM_E_CERT,
	   "certificate from another CA refused");
	is(verify(store, &expired, 1, &id), PKM_E_CERT,
	   "expired certificate refused");
	is(verify(store, &future, 1, &id), PKM_E_CERT,
	   "not yet valid certificate refused");
	ok(!pkm_cert_verify(store, expired.der, expired.der_len,
			    time(NULL) - 15 * 86400, 1, &id),
	   "expired certificate verifies at a time inside its validity");
	pkm_cert_id_free(&id);
	is(verify(store, &weak, 1, &id), PKM_E_CERT,
	   "RSA-1024 SS key refused");
	is(verify(store, &ec_ss, 1, &id), PKM_E_CERT,
	   "EC key refused where RSA is needed (SS)");
	ok(!verify(store, &ec_ss, 0, &id) && !strcmp(id.cn, "bs-1"),
	   "EC key accepted where RSA is not needed (BS)");
	pkm_cert_id_free(&id);
	is(verify(store, &self, 1, &id), PKM_E_CERT,
	   "self-signed SS certificate refused");
	is(verify(store, &no_cn, 1, &id), PKM_E_CERT,
	   "certificate without CN refused");
	is(verify(store, &leaf_of_sub, 1, &id), PKM_E_CERT,
	   "certificate issued by a non-CA refused");
	is(verify(store, &ca, 0, &id), PKM_E_CERT,
	   "the CA's own certificate is no SS or BS identity");

	is(pkm_cert_verify(store, good.der, good.der_len - 1, 0, 1, &id),
	   PKM_E_CERT, "truncated DER refused");
	der = malloc(good.der_len + 1);
	memcpy(der, good.der, good.der_len);
	der[good.der_len] = 0;
	is(pkm_cert_verify(store, der, good.der_len + 1, 0, 1, &id),
	   PKM_E_CERT, "DER with a trailing byte refused");
	der[good.der_len / 2] ^= 0x01;
	is(pkm_cert_verify(store, der, good.der_len, 0, 1, &id), PKM_E_CERT,
	   "DER with a flipped bit refused");
	free(der);
	is(pkm_cert_verify(store, (const uint8_t *)"", 0, 0, 1, &id),
	   PKM_E_CERT, "empty DER refused");
}

static void test_load(void)
{
	char path[] = "/tmp/pkm-test-ca-XXXXXX";
	struct pkm_cert_id id;
	X509_STORE *store;
	char *pem, *pem2, *both;
	size_t len, len2;
	int fd;

	pem = tc_pem(&ca, &len);
	pem2 = tc_pem(&ca2, &len2);
	both = malloc(len + len2 + 1);
	memcpy(both, pem, len);
	memcpy(both + len, pem2, len2 + 1);

	store = pkm_ca_load_pem(both, len + len2);
	ok(store && !verify(store, &other_ca, 1, &id),
	   "a bundle of two CAs trusts both");
	pkm_cert_id_free(&id);
	pkm_ca_free(store);

	ok(!pkm_ca_load_pem("not a certificate", 17),
	   "PEM without certificates gives no store");

	fd = mkstemp(path);
	ok(fd >= 0 && write(fd, pem, len) == (ssize_t)len && !close(fd),
	   "CA written to a temporary file");
	store = pkm_ca_load_file(path);
	unlink(path);
	ok(store && !verify(store, &good, 1, &id) &&
	   verify(store, &other_ca, 1, &id) == PKM_E_CERT,
	   "CA loaded from a file verifies ours and refuses the other");
	pkm_cert_id_free(&id);
	test_verify(store);
	pkm_ca_free(store);
	ok(!pkm_ca_load_file("/nonexistent/ca.pem"), "missing CA file");
	free(pem);
	free(pem2);
	free(both);
}

/* The daemon's own key and certificate come from PEM files. */
static void test_own_files(void)
{
	char kpath[] = "/tmp/pkm-test-key-XXXXXX";
	char cpath[] = "/tmp/pkm-test-crt-XXXXXX";
	uint8_t *der = NULL;
	EVP_PKEY *key;
	size_t len = 0, pem_len;
	char *pem;
	FILE *f;
	int kfd, cfd;

	kfd = mkstemp(kpath);
	cfd = mkstemp(cpath);
	f = kfd >= 0 ? fdopen(kfd, "w") : NULL;
	ok(f && PEM_write_PrivateKey(f, good.key, NULL, NULL, 0, NULL, NULL)
	   && !fclose(f), "private key written to a temporary file");
	pem = tc_pem(&good, &pem_len);
	ok(cfd >= 0 && write(cfd, pem, pem_len) == (ssize_t)pem_len &&
	   !close(cfd), "certificate written to a temporary file");
	free(pem);

	key = pkm_key_load_file(kpath);
	ok(key && EVP_PKEY_eq(key, good.key) == 1, "private key loads");
	EVP_PKEY_free(key);
	ok(!pkm_cert_load_der(cpath, &der, &len) && len == good.der_len &&
	   !memcmp(der, good.der, len), "certificate loads as DER");
	free(der);
	ok(!pkm_key_load_file(cpath), "a certificate is not a private key");
	is(pkm_cert_load_der(kpath, &der, &len), PKM_E_CERT,
	   "a private key is not a certificate");
	unlink(kpath);
	unlink(cpath);
}

int main(void)
{
	make_all();
	test_load();
	test_own_files();
	tc_free(&ca);
	tc_free(&ca2);
	tc_free(&good);
	tc_free(&other_ca);
	tc_free(&expired);
	tc_free(&future);
	tc_free(&weak);
	tc_free(&ec_ss);
	tc_free(&self);
	tc_free(&no_cn);
	tc_free(&sub_ca);
	tc_free(&leaf_of_sub);
	return tap_done();
}
