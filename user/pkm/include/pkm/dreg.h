/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKM_DREG_H
#define PKM_DREG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkm/msg.h"

/*
 * De-registration (802.16e-2005 6.3.2.3.26 and 6.3.2.3.42), the subset
 * pkmd uses, on the SS's Primary Management connection:
 *
 *   DREG-REQ  type 49, De-Registration Request Code, CMAC Tuple
 *   DREG-CMD  type 29, Action Code, CMAC Tuple
 *
 * The CMAC Tuple (802.16e 11.1.2.2, type 141) is the only TLV and the
 * last one, 13 bytes: one byte holding the AK sequence number in its low
 * four bits (the high four are reserved, zero), the 32-bit packet
 * number, then the first 8 bytes of the AES-CMAC tag.  As with PKM's
 * CMAC-Digest, the tag covers every byte before it, the tuple's own
 * header, AK sequence and packet number included; the SS seals with the
 * AK's uplink CMAC key, the BS with the downlink one.
 *
 * The parsers accept exactly this: the right type, a known code, one
 * tuple of the right size, nothing after it.  The 21-byte tuple (full
 * 16-byte tag) of wman before 802.16 conformance is refused with
 * PKM_E_OLD_ENCODING.
 */
#define PKM_MGMT_DREG_CMD	29
#define PKM_MGMT_DREG_REQ	49

#define PKM_A_CMAC_TUPLE	141

/* De-Registration Request Code: the SS leaves the BS and the network. */
#define PKM_DREG_REQ_LEAVE	0x00

/*
 * Action Code 0x04: the SS ends its normal operation with the BS; the
 * BS sends it only in answer to a DREG-REQ.  The parser refuses codes
 * above 0x07, the last one 802.16e defines.
 */
#define PKM_DREG_CMD_TERMINATE	0x04
#define PKM_DREG_CMD_ACTION_MAX	0x07

#define PKM_CMAC_TUPLE_LEN	(1 + 4 + PKM_CMAC_TRUNC_LEN)
#define PKM_DREG_MSG_LEN	(2 + 2 + PKM_CMAC_TUPLE_LEN)
#define PKM_OLD_CMAC_TUPLE_LEN	(1 + 4 + PKM_CMAC_LEN)	/* refused */

struct pkm_dreg {
	uint8_t mgmt_type;	/* PKM_MGMT_DREG_REQ or PKM_MGMT_DREG_CMD */
	uint8_t code;		/* request code or action code */
	uint8_t ak_seq;		/* 0..15 */
	uint32_t pn;

	/* Set by pkm_dreg_parse(). */
	const char *old_encoding;	/* with PKM_E_OLD_ENCODING, else NULL */
	const uint8_t *raw;
	size_t covered_len;
	const uint8_t *tag;
	bool verified;		/* set by pkm_dreg_verify() */
};

/* Builds d (mgmt_type, code, ak_seq, pn) sealed with cmac_key. */
int pkm_dreg_build(const struct pkm_dreg *d, const uint8_t *cmac_key,
		   uint8_t *buf, size_t cap, size_t *len);
/*
 * Parses buf; d->raw points into it.  Not to be acted on unverified.  On
 * failure d is zeroed but for d->old_encoding with PKM_E_OLD_ENCODING.
 */
int pkm_dreg_parse(const uint8_t *buf, size_t len, struct pkm_dreg *d);
/*
 * Checks the tag under v->cmac_key (constant-time), then the packet
 * number against v->replay, which it advances.  v->peer_key is unused.
 */
int pkm_dreg_verify(struct pkm_dreg *d, const struct pkm_verifier *v);
const char *pkm_dreg_action_name(uint8_t action);

#endif
