/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_TRUST_H
#define PKMD_TRUST_H

#include <stdbool.h>
#include <sys/stat.h>

#include <openssl/x509.h>

/*
 * The trust anchors a daemon verifies its peers' certificates with: the
 * CA file, and a CRL file when one is configured.  The CRL file is read
 * again when it changes, so that an operator revokes a certificate by
 * replacing the file, without a restart.
 */
struct trust {
	const char *ca_path;
	const char *crl_path;		/* NULL: no revocation list */
	X509_STORE *store;
	struct stat crl_stat;		/* of the CRL file last read */
	bool crl_missing;		/* said once, not per certificate */
	unsigned int generation;	/* counts the CRL files read */
};

/* Reads the files; logs and fails when one is missing or holds nothing. */
int trust_open(struct trust *t, const char *ca_path, const char *crl_path);
/*
 * The store to verify with now: re-read when the CRL file changed.  A
 * CRL file that no longer reads keeps the store of the last good one
 * (logged), whose next update eventually fails closed.
 */
X509_STORE *trust_store(struct trust *t);
void trust_close(struct trust *t);

#endif
