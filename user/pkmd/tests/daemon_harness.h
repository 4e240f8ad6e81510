/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_DAEMON_HARNESS_H
#define PKMD_DAEMON_HARNESS_H

/*
 * A real pkmd BS for the unit tests that drive one: its temporary
 * directory, certificates and configuration, the daemon itself (the
 * pkmd binary next to the test's directory, its stderr in bs.log), its
 * control socket and its test transport (transport_test.h), and one SS
 * on that link.  Every wait is a poll with a time limit.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>

#include "../../pkm/tests/testcert.h"
#include "pkm.h"
#include "util.h"

#define DH_WAIT_MS	10000

extern char dh_dir[96];		/* the temporary directory */
extern int dh_link_fd;		/* the test link, while the daemon runs */

int64_t dh_now_ms(void);

/*
 * Finds the pkmd binary next to argv0's directory and makes the
 * temporary directory (under $TMPDIR, tag in its name).  0 or -1.
 */
int dh_init(const char *argv0, const char *tag);
const char *dh_pkmd_bin(void);
/* Prints bs.log's last lines as TAP comments if failed, removes the directory. */
void dh_cleanup(bool failed, int log_lines);

/* Files in the directory.  0 or -1. */
int dh_write_text(const char *name, const char *text);
int dh_write_key(const char *name, EVP_PKEY *key);
/* ca.pem, bs.pem and bs.key. */
int dh_write_bs_identity(const struct tc_cert *ca, const struct tc_cert *bs);
/*
 * A CA "NAME test CA", the BS's certificate "bs-NAME" under it (both EC)
 * and, if ss is given, an SS's "ss-NAME" (RSA 2048); the BS's written
 * as dh_write_bs_identity() does.  0 or -1.
 */
int dh_make_identity(struct tc_cert *ca, struct tc_cert *bs,
		     struct tc_cert *ss, const char *name);
/*
 * bs.conf of a BS with the files above, its database bs.db, control
 * socket ctl.sock and test link link.sock in the directory: the [pkmd]
 * and [bs] sections, then sections (groups, broadcast; each ending in a
 * blank line), then [test] with test_lines after its mgmt-socket.
 */
int dh_write_bs_conf(const char *log_level, const char *sections,
		     const char *test_lines);
/* The [pkmd] database if not NULL (else bs.db); lines added to [bs]. */
extern const char *dh_database;
extern const char *dh_bs_lines;

int dh_unix_connect(const char *name, int type);
/* One control request; the response line in out.  0 or -1. */
int dh_ctl(const char *req, char *out, size_t cap);
bool dh_ctl_has(const char *req, const char *needle);
/* Polls dh_ctl_has until it returns want, or DH_WAIT_MS pass. */
bool dh_ctl_wait(const char *req, const char *needle, bool want);

/* pkmd -f [--test-mode] -c bs.conf, stderr appended to bs.log. */
pid_t dh_spawn(bool test_mode);
/*
 * Starts the daemon in test mode and connects to its link; the BSID of
 * its hello in bsid (if not NULL).  Then waits up to DH_WAIT_MS for the
 * control socket to answer a status request; with must_answer, a socket
 * that never does fails the start.  0 or -1.
 */
int dh_start(uint8_t *bsid, bool must_answer);
/* Stops it with sig (SIGTERM, or SIGKILL as a crash); its wait status. */
int dh_stop(int sig);

/* Lines of bs.log with needle in them. */
int dh_log_count(const char *needle);
/* Polls the log until needle is in it want times, for up to wait_ms. */
bool dh_log_wait(const char *needle, int want, int64_t wait_ms);

/* A management PDU from mac on cid, over the link.  0 or -1. */
int dh_send_mgmt(const uint8_t *mac, uint16_t cid, const uint8_t *msg,
		 size_t len);
/*
 * The next management PDU from the daemon (other records skipped) into
 * buf; its length, or -1 after wait_ms.
 */
ssize_t dh_recv_mgmt(uint8_t *buf, size_t cap, uint16_t *cid, int64_t wait_ms);
/* What the daemon sent so far, dropped. */
void dh_drain(void);
/*
 * A TEK event of the module (cmd) for said and eks as the events group
 * carries it, with the next PN and the PN limit if pn_limit is given.
 */
int dh_send_tek_event(uint8_t cmd, uint16_t said, uint8_t eks,
		      const uint32_t *pn_limit);

/* One SS on the link. */
struct dh_ss {
	const uint8_t *mac;
	struct tc_cert *cert;
	EVP_PKEY *bs_key;		/* verifies the Auth Reply */
	uint8_t group;			/* of multicast Key Requests */
	uint8_t bsid[MAC_LEN];
	uint16_t basic_cid, primary_cid, unicast_said;
	struct pkm_keys keys;
	uint8_t ak_seq;
	uint32_t tx_pn;
	struct pkm_replay down;
	uint8_t next_id;
	uint8_t ss_random[PKM_SS_RANDOM_LEN];	/* of the latest Auth Request */
	struct pkm_auth_invalid last_invalid;
	unsigned int auth_invalids;		/* Auth Invalids seen */
};

/* Initial ranging: the basic and primary CIDs.  0 or -1. */
int dh_enter(struct dh_ss *ss);
int dh_send_pkm(struct dh_ss *ss, struct pkm_msg *m, const uint8_t *cmac_key,
		uint32_t pn);
/*
 * Waits for a PKM-RSP of this code on the primary CID, skipping others
 * (Group Key Updates, say); a DREG-CMD on the way is counted in
 * *dreg_cmds if given.  0 or -1.
 */
int dh_wait_pkm(struct dh_ss *ss, uint8_t code, struct pkm_msg *m,
		uint8_t *buf, unsigned int *dreg_cmds);
/* Auth Request to a new AK and its keys; DREG-CMDs counted as above. */
int dh_authorize(struct dh_ss *ss, unsigned int *dreg_cmds);
/* A Key Request under the AK; the code of the answer, or -1. */
int dh_key_request(struct dh_ss *ss, uint16_t said, uint8_t service,
		   unsigned int *dreg_cmds);

#endif
