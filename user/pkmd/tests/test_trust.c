// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's trust anchors (trust.c): a CRL file read at start, read
 * again when it changes, and kept as it was when the new file does not
 * read; no CRL file, no revocation checking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "pkm/cert.h"
#include "tap.h"
#include "../../pkm/tests/testcert.h"
#include "trust.h"

static char dir[] = "/tmp/pkmd-trust-XXXXXX";
static char ca_path[64], crl_path[64];

static int write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	int ok = f && fwrite(text, 1, len, f) == len;

	return f && !fclose(f) && ok ? 0 : -1;
}

/* A new CRL file revoking revoked (n of them), with a new mtime. */
static int write_crl(const struct tc_cert *ca, const struct tc_cert *revoked,
		     size_t n)
{
	static time_t stamp = 1000000000;
	struct timeval tv[2] = { { stamp, 0 }, { stamp, 0 } };
	size_t len;
	char *pem = tc_crl_pem(ca, revoked, n, 30, &len);
	int err = !pem || write_file(crl_path, pem, len) ||
		  utimes(crl_path, tv);

	stamp += 10;	/* the next file differs in time, not only in size */
	free(pem);
	return err ? -1 : 0;
}

static int verify(struct trust *t, const struct tc_cert *c)
{
	struct pkm_cert_id id = { 0 };
	int err = pkm_cert_verify(trust_store(t), c->der, c->der_len, 0,
				  PKM_ROLE_SS, &id);

	pkm_cert_id_free(&id);
	return err;
}

int main(void)
{
	struct tc_cert ca, a, b;
	struct trust t;
	size_t len;
	char *pem;

	if (!mkdtemp(dir) ||
	    tc_make(&ca, "trust CA", tc_key_ec(), NULL, TC_CA, -1, 30) ||
	    tc_make(&a, "ss-a", tc_key_rsa(2048), &ca, TC_SS, -1, 30) ||
	    tc_make(&b, "ss-b", tc_key_rsa(2048), &ca, TC_SS, -1, 30)) {
		printf("Bail out! cannot make test certificates\n");
		return 1;
	}
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", dir);
	snprintf(crl_path, sizeof(crl_path), "%s/crl.pem", dir);
	pem = tc_pem(&ca, &len);
	if (!pem || write_file(ca_path, pem, len)) {
		printf("Bail out! cannot write the CA\n");
		return 1;
	}
	free(pem);

	ok(!trust_open(&t, ca_path, NULL), "CA without a CRL");
	ok(!verify(&t, &a) && !verify(&t, &b), "both certificates verify");
	trust_close(&t);

	ok(trust_open(&t, ca_path, crl_path), "a configured CRL file that is missing is an error");
	ok(!write_crl(&ca, NULL, 0), "an empty CRL");
	ok(!trust_open(&t, ca_path, crl_path), "CA with the CRL");
	ok(!verify(&t, &a) && !verify(&t, &b), "nothing revoked yet");

	ok(!write_crl(&ca, &a, 1), "the CRL replaced: ss-a revoked");
	ok(verify(&t, &a), "ss-a is refused without a restart");
	ok(!verify(&t, &b), "ss-b still verifies");

	ok(!write_file(crl_path, "not a CRL\n", 10), "the CRL file spoiled");
	ok(verify(&t, &a), "the last good CRL stays in force: ss-a refused");
	ok(!verify(&t, &b), "  and ss-b verifies");
	ok(!unlink(crl_path), "the CRL file removed");
	ok(verify(&t, &a), "the last good CRL stays in force without a file");

	ok(!write_crl(&ca, &b, 1), "a new CRL: ss-b revoked, ss-a no longer");
	ok(!verify(&t, &a) && verify(&t, &b), "read again: ss-a verifies, ss-b refused");
	trust_close(&t);

	unlink(crl_path);
	unlink(ca_path);
	rmdir(dir);
	tc_free(&ca);
	tc_free(&a);
	tc_free(&b);
	return tap_finish();
}
