// SPDX-License-Identifier: GPL-2.0
/*
 * The Generic MAC Header of 802.16-2004 (6.3.2.1.1), as far as wman uses
 * it: no subheaders, no extended subheaders, no appended CRC.
 */

#include <linux/crc8.h>

#include "wman.h"

#define HCS_POLY	0x07	/* x^8 + x^2 + x + 1 */
#define HCS_COVERED	5	/* bytes 0-4 */

static u8 hcs_table[CRC8_TABLE_SIZE];

int wman_frame_init(void)
{
	crc8_populate_msb(hcs_table, HCS_POLY);
	return 0;
}

u8 wman_hcs(const u8 *gmh)
{
	return crc8(hcs_table, gmh, HCS_COVERED, 0);
}

void wman_gmh_build(u8 *gmh, bool encrypted, u8 eks, u16 len, u16 cid)
{
	gmh[0] = encrypted ? WMAN_GMH_EC : 0;
	gmh[1] = ((eks << WMAN_GMH_EKS_SHIFT) & WMAN_GMH_EKS_MASK) |
		 ((len >> 8) & WMAN_GMH_LEN_HI_MASK);
	gmh[2] = len & 0xff;
	gmh[3] = cid >> 8;
	gmh[4] = cid & 0xff;
	gmh[5] = wman_hcs(gmh);
}

int wman_gmh_parse(const u8 *gmh, struct wman_gmh *out)
{
	if (gmh[5] != wman_hcs(gmh))
		return -EINVAL;
	if ((gmh[0] & (WMAN_GMH_HT | WMAN_GMH_TYPE_MASK)) ||
	    (gmh[1] & (WMAN_GMH_ESF | WMAN_GMH_CI)))
		return -EINVAL;

	out->encrypted = gmh[0] & WMAN_GMH_EC;
	out->eks = (gmh[1] & WMAN_GMH_EKS_MASK) >> WMAN_GMH_EKS_SHIFT;
	out->len = (gmh[1] & WMAN_GMH_LEN_HI_MASK) << 8 | gmh[2];
	out->cid = gmh[3] << 8 | gmh[4];
	return 0;
}
