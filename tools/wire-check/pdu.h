/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WIRE_CHECK_PDU_H
#define WIRE_CHECK_PDU_H

/*
 * MAC PDUs out of captured frames, for Wireshark's wimax plugin: the PDU
 * after the frame's link-layer header, cut to the generic MAC header's
 * LEN (what follows is Ethernet padding, which Wireshark's burst handler
 * would take for another PDU).  And the checker's workaround copies of
 * two PKM requests (air_shadow below).  Documentation/frame-format.rst,
 * "Reading the air with Wireshark".
 */

#include <stddef.h>
#include <stdint.h>

#define AIR_ETHERTYPE		0x88b5
#define AIR_GMH_LEN		6
#define AIR_PDU_MAX		2047	/* LEN has 11 bits */
#define AIR_DLT_USER0		147	/* records that already are PDUs */

enum air_kind {
	AIR_OTHER,		/* not a wman frame (another EtherType or link type) */
	AIR_SHORT,		/* wman, fewer bytes than a MAC header */
	AIR_SIGNALLING,		/* HT = 1: a 6-byte signalling header */
	AIR_CLEAR,		/* generic header, EC = 0 */
	AIR_ENCRYPTED,		/* generic header, EC = 1 */
};

/* What was odd about a PDU (it is passed on all the same). */
#define AIR_PADDED	0x01	/* bytes after LEN removed */
#define AIR_CUT		0x02	/* LEN runs past the bytes captured */
#define AIR_BAD_LEN	0x04	/* LEN below the header's 6 bytes */
#define AIR_BAD_HCS	0x08	/* HCS does not match header bytes 0-4 */

struct air_pdu {
	enum air_kind kind;
	unsigned int flags;
	const uint8_t *data;	/* inside the frame given */
	size_t len;		/* the record: LEN bytes, or what there is */
};

/* CRC-8, polynomial 0x07, initial 0 (the GMH's HCS) of header bytes 0-4. */
uint8_t air_hcs(const uint8_t *gmh);

/*
 * The MAC PDU in one captured frame of link type linktype (DLT_EN10MB,
 * DLT_LINUX_SLL, DLT_LINUX_SLL2, or AIR_DLT_USER0 for a record that holds
 * the PDU itself).  Returns out->kind; out->len is 0 for AIR_OTHER.
 */
enum air_kind air_extract(int linktype, const uint8_t *frame, size_t caplen,
			  struct air_pdu *out);

/*
 * The checker's second look at a clear PKM-REQ, when stock Wireshark
 * 4.0.17 cannot decode all of it (Documentation/frame-format.rst):
 *
 *   Key Request (code 7): every top-level Service-Type (28, seed 002) is
 *   renumbered SA-Service-Type (31), a one-byte integer for Wireshark;
 *   as 28 Wireshark hands it to its EAP dissector, whose exception hides
 *   the rest of the message.
 *
 *   Auth Request (code 4): every Cryptographic-Suite-List (21) inside a
 *   Security-Capabilities (19) is moved out, right after that 19 (which
 *   is left out if nothing else is in it): Wireshark decodes a 21 at the
 *   top level, and throws on any 21 inside a 19.
 *
 * pdu is a whole record (air_extract's); the copy, with LEN and HCS
 * updated, goes to out (at least len bytes).  Returns the copy's length,
 * or 0 when neither applies or the message does not parse (a CRC is
 * present, a TLV runs past the end...).  *what names the change.
 */
size_t air_shadow(const uint8_t *pdu, size_t len, uint8_t *out, size_t cap,
		  const char **what);

#endif
