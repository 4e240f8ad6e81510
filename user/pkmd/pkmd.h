/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_H
#define PKMD_H

#include "config.h"
#include "kernel.h"
#include "pkm.h"

/*
 * The daemon as a whole: its configuration, its kernel device and the
 * state of its role.  Exit codes (Documentation/man/pkmd.8):
 */
enum pkmd_exit {
	PKMD_EXIT_OK = 0,		/* stopped by SIGTERM or SIGINT */
	PKMD_EXIT_FAILURE = 1,		/* a fatal error while running */
	PKMD_EXIT_USAGE = 2,		/* bad command line */
	PKMD_EXIT_CONFIG = 3,		/* bad configuration file */
	PKMD_EXIT_SETUP = 4,		/* interface, module, keys, database
					   or control socket unusable */
};

struct bs;
struct ss;

struct pkmd {
	struct config *cfg;
	struct kernel kernel;
	struct bs *bs;			/* role bs */
	struct ss *ss;			/* role ss */
	int64_t started;		/* epoch seconds */
};

/* BS: bs.c.  SS: ss.c.  Both 0 or a pkmd_exit code. */
int bs_start(struct pkmd *d);
void bs_stop(struct pkmd *d);
int ss_start(struct pkmd *d);
void ss_stop(struct pkmd *d);

/*
 * The Cryptographic-Suite of an SA of this data encryption (enum
 * wman_suite): what the BS's SA-Descriptors name and what an SS offers in
 * its Auth Request.
 */
static inline struct pkm_crypto_suite crypto_suite(uint8_t data_enc)
{
	return (struct pkm_crypto_suite){ data_enc, PKM_DATA_AUTH_AEAD,
					  PKM_TEK_ENC_AES_KW_128 };
}

/*
 * What to add to a parse failure's log line: with PKM_E_OLD_ENCODING, the
 * old form met and what to do about it; otherwise nothing.
 */
static inline const char *old_encoding_hint(int err, const char *which)
{
	return err == PKM_E_OLD_ENCODING && which ? which : "";
}

#endif
