// SPDX-License-Identifier: GPL-2.0
/*
 * Certificate verification: the right CA, another CA, expired and not yet
 * valid certificates, weak and wrong keys, malformed DER, identity, the
 * BS and SS roles, and revocation lists.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "pkm/cert.h"
#include "pkm/crypto.h"
#include "pkm/err.h"
#include "tap.h"
#include "testcert.h"

static struct tc_cert ca, ca2, good, other_ca, expired, future, weak, ec_ss,
	self, no_cn, sub_ca, leaf_of_sub, ss_as_bs, no_role, both_roles,
	ss_no_encipher, weak_bs;

static void make_all(void)
{
	int err = 0;

	err |= tc_make(&ca, "wman CA", tc_key_ec(), NULL, TC_CA, -60, 3650);
	err |= tc_make(&ca2, "rogue CA", tc_key_ec(), NULL, TC_CA, -60, 3650);
	err |= tc_make(&good, "ss-0001", tc_key_rsa(2048), &ca, TC_SS, -1, 365);
	err |= tc_make(&other_ca, "ss-0001", tc_key_rsa(2048), &ca2, TC_SS,
		       -1, 365);
	err |= tc_make(&expired, "ss-0002", tc_key_rsa(2048), &ca, TC_SS,
		       -30, -1);
	err |= tc_make(&future, "ss-0003", tc_key_rsa(2048), &ca, TC_SS,
		       10, 365);
	err |= tc_make(&weak, "ss-0004", tc_key_rsa(1024), &ca, TC_SS, -1, 365);
	err |= tc_make(&ec_ss, "bs-1", tc_key_ec(), &ca, TC_BS, -1, 365);
	err |= tc_make(&self, "ss-0001", tc_key_rsa(2048), NULL, TC_SS, -1,
		       365);
	err |= tc_make(&no_cn, NULL, tc_key_rsa(2048), &ca, TC_SS, -1, 365);
	/* A leaf under an end-entity "CA" (CA:FALSE) must not chain. */
	err |= tc_make(&sub_ca, "not a CA", tc_key_ec(), &ca, TC_SS, -1, 365);
	err |= tc_make(&leaf_of_sub, "ss-0005", tc_key_rsa(2048), &sub_ca,
		       TC_SS, -1, 365);
	/* Roles: what an SS's certificate must never pass for, and back. */
	err |= tc_make(&ss_as_bs, "bs-1", tc_key_rsa(2048), &ca, TC_SS, -1, 365);
	err |= tc_make(&no_role, "bs-1", tc_key_rsa(2048), &ca, TC_LEAF, -1,
		       365);
	err |= tc_make(&both_roles, "bs-1", tc_key_rsa(2048), &ca, TC_BOTH, -1,
		       365);
	err |= tc_make(&ss_no_encipher, "ss-0006", tc_key_rsa(2048), &ca, TC_BS,
		       -1, 365);
	err |= tc_make(&weak_bs, "bs-2", tc_key_rsa(1024), &ca, TC_BS, -1, 365);
	if (err) {
		printf("Bail out! cannot make test certificates\n");
		exit(1);
	}
}

static int verify(X509_STORE *s, const struct tc_cert *c,
		  enum pkm_cert_role role, struct pkm_cert_id *id)
{
	return pkm_cert_verify(s, c->der, c->der_len, 0, role, id);
}

#define SS PKM_ROLE_SS
#define BS PKM_ROLE_BS

static void test_verify(X509_STORE *store)
{
	struct pkm_cert_id id;
	uint8_t *der;

	ok(!verify(store, &good, SS, &id) && !strcmp(id.cn, "ss-0001") &&
	   id.pub && EVP_PKEY_get_bits(id.pub) == 2048,
	   "SS certificate from our CA verifies; CN and key extracted");
	ok(EVP_PKEY_eq(id.pub, good.key) == 1,
	   "extracted key is the SS's public key");
	pkm_cert_id_free(&id);
	ok(!id.pub, "identity freed");

	is(verify(store, &other_ca, SS, &id), PKM_E_CERT,
	   "certificate from another CA refused");
	is(verify(store, &expired, SS, &id), PKM_E_CERT,
	   "expired certificate refused");
	is(verify(store, &future, SS, &id), PKM_E_CERT,
	   "not yet valid certificate refused");
	ok(!pkm_cert_verify(store, expired.der, expired.der_len,
			    time(NULL) - 15 * 86400, SS, &id),
	   "expired certificate verifies at a time inside its validity");
	pkm_cert_id_free(&id);
	is(verify(store, &weak, SS, &id), PKM_E_CERT,
	   "RSA-1024 SS key refused");
	is(verify(store, &ec_ss, SS, &id), PKM_E_CERT,
	   "EC key refused where RSA is needed (SS)");
	ok(!verify(store, &ec_ss, BS, &id) && !strcmp(id.cn, "bs-1"),
	   "EC key accepted where RSA is not needed (BS)");
	pkm_cert_id_free(&id);
	is(verify(store, &self, SS, &id), PKM_E_CERT,
	   "self-signed SS certificate refused");
	is(verify(store, &no_cn, SS, &id), PKM_E_CERT,
	   "certificate without CN refused");
	is(verify(store, &leaf_of_sub, SS, &id), PKM_E_CERT,
	   "certificate issued by a non-CA refused");
	is(verify(store, &ca, BS, &id), PKM_E_CERT,
	   "the CA's own certificate is no SS or BS identity");

	is(pkm_cert_verify(store, good.der, good.der_len - 1, 0, SS, &id),
	   PKM_E_CERT, "truncated DER refused");
	der = malloc(good.der_len + 1);
	memcpy(der, good.der, good.der_len);
	der[good.der_len] = 0;
	is(pkm_cert_verify(store, der, good.der_len + 1, 0, SS, &id),
	   PKM_E_CERT, "DER with a trailing byte refused");
	der[good.der_len / 2] ^= 0x01;
	is(pkm_cert_verify(store, der, good.der_len, 0, SS, &id), PKM_E_CERT,
	   "DER with a flipped bit refused");
	free(der);
	is(pkm_cert_verify(store, (const uint8_t *)"", 0, 0, SS, &id),
	   PKM_E_CERT, "empty DER refused");
}

/*
 * The attack of a subscriber posing as the BS: its certificate comes
 * from the same CA, so only the role tells it apart.
 */
static void test_roles(X509_STORE *store)
{
	struct pkm_cert_id id = { 0 };

	is(verify(store, &ss_as_bs, BS, &id), PKM_E_CERT,
	   "an SS certificate (clientAuth) is refused as a BS's");
	ok(id.why && strstr(id.why, "serverAuth"), "  reason: %s",
	   id.why ? id.why : "none");
	ok(!verify(store, &ss_as_bs, SS, &id), "  and accepted as an SS's");
	pkm_cert_id_free(&id);
	is(verify(store, &ec_ss, SS, &id), PKM_E_CERT,
	   "a BS certificate (serverAuth) is refused as an SS's");
	is(verify(store, &no_role, BS, &id), PKM_E_CERT,
	   "a certificate without extendedKeyUsage is no BS's");
	is(verify(store, &no_role, SS, &id), PKM_E_CERT,
	   "  nor an SS's");
	is(verify(store, &both_roles, BS, &id), PKM_E_CERT,
	   "a certificate claiming serverAuth and clientAuth is no BS's");
	is(verify(store, &both_roles, SS, &id), PKM_E_CERT,
	   "  nor an SS's");
	is(verify(store, &ss_no_encipher, SS, &id), PKM_E_CERT,
	   "an SS certificate whose keyUsage lacks keyEncipherment is refused");
	is(verify(store, &weak_bs, BS, &id), PKM_E_CERT,
	   "a BS certificate with an RSA-1024 key is refused");
	ok(!verify(store, &ss_no_encipher, BS, &id),
	   "  one with RSA-2048 is accepted");
	pkm_cert_id_free(&id);
}

/* Two verifications of one key give one key identity; others differ. */
static void test_key_id(X509_STORE *store)
{
	struct pkm_cert_id a = { 0 }, b = { 0 };
	uint8_t expect[PKM_KEY_ID_LEN];
	unsigned char *der = NULL;
	unsigned int n = 0;
	int len;

	len = i2d_PUBKEY(ec_ss.key, &der);
	ok(len > 0 && EVP_Digest(der, (size_t)len, expect, &n, EVP_sha256(),
				 NULL), "SHA-256 of the BS's SubjectPublicKeyInfo");
	OPENSSL_free(der);
	ok(!verify(store, &ec_ss, BS, &a) &&
	   !memcmp(a.key_id, expect, sizeof(expect)),
	   "the key identity is that digest");
	ok(!verify(store, &good, SS, &b) &&
	   memcmp(a.key_id, b.key_id, sizeof(a.key_id)),
	   "another key has another identity");
	pkm_cert_id_free(&a);
	pkm_cert_id_free(&b);
}

/* A CRL from the CA: a revoked certificate is refused, a stale CRL fails closed. */
static void test_crl(void)
{
	char path[] = "/tmp/pkm-test-crl-XXXXXX";
	struct pkm_cert_id id = { 0 };
	char *ca_pem, *crl_pem;
	size_t ca_len, crl_len;
	X509_STORE *store;
	int fd;

	ca_pem = tc_pem(&ca, &ca_len);
	crl_pem = tc_crl_pem(&ca, &good, 1, 30, &crl_len);
	ok(ca_pem && crl_pem, "a CRL revoking ss-0001");
	fd = mkstemp(path);
	ok(fd >= 0 && write(fd, crl_pem, crl_len) == (ssize_t)crl_len &&
	   !close(fd), "CRL written to a temporary file");
	store = pkm_ca_load_pem(ca_pem, ca_len);
	ok(!verify(store, &good, SS, &id), "ss-0001 verifies without the CRL");
	pkm_cert_id_free(&id);
	is(pkm_ca_add_crl_file(store, path), PKM_OK, "CRL added to the store");
	is(verify(store, &good, SS, &id), PKM_E_CERT,
	   "with the CRL, ss-0001 is refused");
	ok(id.why && strstr(id.why, "revoked"), "  reason: %s",
	   id.why ? id.why : "none");
	ok(!verify(store, &ec_ss, BS, &id), "  an unrevoked certificate verifies");
	pkm_cert_id_free(&id);
	pkm_ca_free(store);
	free(crl_pem);

	/* A CRL past its next update: nothing verifies until it is renewed. */
	crl_pem = tc_crl_pem(&ca, NULL, 0, -1, &crl_len);
	fd = open(path, O_WRONLY | O_TRUNC);
	ok(crl_pem && fd >= 0 &&
	   write(fd, crl_pem, crl_len) == (ssize_t)crl_len && !close(fd),
	   "a stale CRL");
	store = pkm_ca_load_pem(ca_pem, ca_len);
	is(pkm_ca_add_crl_file(store, path), PKM_OK, "stale CRL added");
	is(verify(store, &ec_ss, BS, &id), PKM_E_CERT,
	   "with a stale CRL, verification fails closed");
	pkm_ca_free(store);
	free(crl_pem);

	/* The CRL of another CA leaves ours without one: fails closed too. */
	crl_pem = tc_crl_pem(&ca2, NULL, 0, 30, &crl_len);
	fd = open(path, O_WRONLY | O_TRUNC);
	ok(crl_pem && fd >= 0 &&
	   write(fd, crl_pem, crl_len) == (ssize_t)crl_len && !close(fd),
	   "a CRL of another CA");
	store = pkm_ca_load_pem(ca_pem, ca_len);
	is(pkm_ca_add_crl_file(store, path), PKM_OK, "it is added");
	is(verify(store, &ec_ss, BS, &id), PKM_E_CERT,
	   "an issuer without a CRL fails closed");
	fd = open(path, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, "junk\n", 5) == 5 && !close(fd),
	   "a file without a CRL");
	is(pkm_ca_add_crl_file(store, path), PKM_E_CERT,
	   "a file without a CRL is refused");
	is(pkm_ca_add_crl_file(store, "/nonexistent/crl.pem"), PKM_E_CERT,
	   "a missing CRL file is refused");
	pkm_ca_free(store);
	unlink(path);
	free(crl_pem);
	free(ca_pem);
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
	ok(store && !verify(store, &other_ca, SS, &id),
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
	ok(store && !verify(store, &good, SS, &id) &&
	   verify(store, &other_ca, SS, &id) == PKM_E_CERT,
	   "CA loaded from a file verifies ours and refuses the other");
	pkm_cert_id_free(&id);
	test_verify(store);
	test_roles(store);
	test_key_id(store);
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
	test_crl();
	tc_free(&ss_as_bs);
	tc_free(&no_role);
	tc_free(&both_roles);
	tc_free(&ss_no_encipher);
	tc_free(&weak_bs);
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
