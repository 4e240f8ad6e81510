// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for air2pcap's PDU code (pdu.c).  The first byte
 * picks a link type, the rest is a captured frame: what comes out must
 * lie inside the frame.  The frame is then made a well-formed clear PKM
 * request (type, LEN and HCS patched in) for the checker's workaround
 * copies: a copy must be a well-formed PDU no longer than its original,
 * and a second pass over it must find nothing left to change.
 */
#include <stdlib.h>
#include <string.h>

#include "pdu.h"

static const int linktypes[] = { 1, 113, 276, AIR_DLT_USER0, 0 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t pdu[AIR_PDU_MAX], copy[AIR_PDU_MAX], again[AIR_PDU_MAX];
	struct air_pdu out;
	const char *what;
	size_t n, m, len;

	if (size < 1)
		return 0;
	air_extract(linktypes[data[0] % 5], data + 1, size - 1, &out);
	if (out.kind != AIR_OTHER &&
	    (out.data < data + 1 || out.len > size - 1 ||
	     out.data + out.len > data + size))
		abort();

	len = size - 1;
	if (len < AIR_GMH_LEN + 3 || len > AIR_PDU_MAX)
		return 0;
	memcpy(pdu, data + 1, len);
	pdu[0] &= 0x3f;			/* HT 0, EC 0 */
	pdu[1] &= 0xb8;			/* CI 0 */
	pdu[1] |= (uint8_t)(len >> 8 & 7);
	pdu[2] = (uint8_t)len;
	pdu[5] = air_hcs(pdu);
	pdu[AIR_GMH_LEN] = 9;		/* PKM-REQ */
	n = air_shadow(pdu, len, copy, sizeof(copy), &what);
	if (!n)
		return 0;
	if (n > len || ((size_t)(copy[1] & 7) << 8 | copy[2]) != n ||
	    air_hcs(copy) != copy[5] || !*what)
		abort();
	m = air_shadow(copy, n, again, sizeof(again), &what);
	if (m)
		abort();
	return 0;
}
