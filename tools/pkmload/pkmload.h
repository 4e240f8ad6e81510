/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMLOAD_H
#define PKMLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pkm.h"

/*
 * pkmload: many SSs against one BS daemon over its test transport
 * (Documentation/loadgen.rst).  ident.c makes the certificates, link.c
 * talks to the daemon, pkmload.c runs the phases and measures them.
 */

#define MAC_LEN		6
#define OUT_MAX		8	/* Key Requests outstanding per SS */

/* ident.c */

/* Writes DIR/ca.pem, ca.key, bs.pem, bs.key (EC P-256); 0 or -1. */
int ident_make_ca_dir(const char *dir);

struct ident_ca {
	X509 *cert;
	EVP_PKEY *key;
	X509_STORE *store;
};

int ident_load_ca(const char *dir, struct ident_ca *ca);
void ident_free_ca(struct ident_ca *ca);
EVP_PKEY *ident_rsa_key(void);
/* A DER end-entity certificate for key with CN cn; the caller frees it. */
int ident_issue(const struct ident_ca *ca, EVP_PKEY *key, const char *cn,
		long serial, uint8_t **der, size_t *len);

/* link.c: the test transport (user/pkmd/transport_test.h) */

#define REC_HDR_LEN	10
#define REC_HELLO	0
#define REC_MGMT	1
#define REC_KERNEL	2
#define REC_MAX		(REC_HDR_LEN + 2048)

struct rec {
	uint8_t type;
	uint16_t cid;
	uint8_t mac[MAC_LEN];
	const uint8_t *payload;
	size_t len;
};

/* Connects and reads HELLO: the daemon's BSID.  Returns the fd or -1. */
int link_connect(const char *path, uint8_t bsid[MAC_LEN]);
int link_send(int fd, uint16_t cid, const uint8_t mac[MAC_LEN],
	      const uint8_t *payload, size_t len);
/*
 * Reads one record into buf (REC_MAX bytes) without blocking: 1 with a
 * record, 0 when none is waiting, -1 on error or a malformed record.
 */
int link_recv(int fd, uint8_t *buf, struct rec *r);

/* The daemon's control socket: subscriber-add for each SS. */
int control_connect(const char *path);
/* Sends one JSON request line and reads the answer; 0 if "ok":true. */
int control_call(int fd, const char *request, char *answer, size_t cap);

#endif
