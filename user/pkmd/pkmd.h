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

struct control_command;
struct json_out;
struct role_ops;

struct pkmd {
	struct config *cfg;
	struct kernel kernel;
	const struct role_ops *role;	/* chosen by main.c */
	void *role_state;		/* the role's own; the core never looks in */
	int64_t started;		/* epoch seconds */
};

/*
 * A role, BS (bs/bs_role.h) or SS (ss/ss_role.h): what the core calls in
 * it.  The core includes neither role; main.c picks one and the core
 * reaches it through this table, and the kernel's events through the
 * handlers its start() sets (struct kernel_handlers).
 */
struct role_ops {
	/* 0 or a pkmd_exit code; sets role_state and the kernel's handlers */
	int (*start)(struct pkmd *d);
	/* Frees what start() made; role_state NULL after. */
	void (*stop)(struct pkmd *d);
	/* The control commands (control_cmd.c): its members of "status", */
	void (*status)(struct pkmd *d, struct json_out *o);
	/* each of its SAs as an object of "sa-list"'s array, */
	void (*sa_list)(struct pkmd *d, struct json_out *o);
	/* "rekey": 0, or -errno with why filled in, */
	int (*rekey)(struct pkmd *d, uint16_t said, char *why, size_t why_len);
	/* and the commands only this role has, up to one without a name. */
	const struct control_command *commands;
};

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
