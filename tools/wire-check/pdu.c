// SPDX-License-Identifier: GPL-2.0
/*
 * MAC PDUs out of captured frames, and the checker's workaround copies of
 * two PKM requests (pdu.h).  Every length read from a frame is checked
 * against the bytes there before it is used: captures are untrusted
 * input (tools/wire-check/fuzz/fuzz_pdu.c).
 */

#include "pdu.h"

#include <string.h>

#define ETH_HLEN	14
#define SLL_HLEN	16
#define SLL2_HLEN	20
#define DLT_EN10MB_	1
#define DLT_LINUX_SLL_	113
#define DLT_LINUX_SLL2_	276

#define GMH_HT		0x80
#define GMH_EC		0x40
#define GMH_CI		0x40	/* byte 1 */

#define MGMT_PKM_REQ	9
#define PKM_AUTH_REQUEST 4
#define PKM_KEY_REQUEST	7
#define PKM_HDR		3	/* type, code, identifier */

#define ATTR_SEC_CAPS	19
#define ATTR_SUITE_LIST	21
#define ATTR_SVC_TYPE	28	/* seed 002 */
#define ATTR_SA_SVC	31	/* 802.16e SA-Service-Type */

uint8_t air_hcs(const uint8_t *gmh)
{
	uint8_t c = 0;

	for (int i = 0; i < 5; i++) {
		c ^= gmh[i];
		for (int b = 0; b < 8; b++)
			c = (uint8_t)(c & 0x80 ? (c << 1) ^ 0x07 : c << 1);
	}
	return c;
}

enum air_kind air_extract(int linktype, const uint8_t *frame, size_t caplen,
			  struct air_pdu *out)
{
	size_t hlen, n, len;
	unsigned int proto;
	const uint8_t *p;

	memset(out, 0, sizeof(*out));
	switch (linktype) {
	case DLT_EN10MB_:
		if (caplen < ETH_HLEN)
			return AIR_OTHER;
		hlen = ETH_HLEN;
		proto = (unsigned int)frame[12] << 8 | frame[13];
		break;
	case DLT_LINUX_SLL_:
		if (caplen < SLL_HLEN)
			return AIR_OTHER;
		hlen = SLL_HLEN;
		proto = (unsigned int)frame[14] << 8 | frame[15];
		break;
	case DLT_LINUX_SLL2_:
		if (caplen < SLL2_HLEN)
			return AIR_OTHER;
		hlen = SLL2_HLEN;
		proto = (unsigned int)frame[0] << 8 | frame[1];
		break;
	case AIR_DLT_USER0:
		hlen = 0;
		proto = AIR_ETHERTYPE;
		break;
	default:
		return AIR_OTHER;
	}
	if (proto != AIR_ETHERTYPE)
		return AIR_OTHER;

	p = frame + hlen;
	n = caplen - hlen;
	out->data = p;
	out->len = n;
	if (n < AIR_GMH_LEN) {
		out->kind = AIR_SHORT;
		return out->kind;
	}
	if (air_hcs(p) != p[5])
		out->flags |= AIR_BAD_HCS;
	if (p[0] & GMH_HT) {
		/* a signalling header has no LEN: six bytes, always */
		out->kind = AIR_SIGNALLING;
		out->len = AIR_GMH_LEN;
		if (n > AIR_GMH_LEN)
			out->flags |= AIR_PADDED;
		return out->kind;
	}
	out->kind = p[0] & GMH_EC ? AIR_ENCRYPTED : AIR_CLEAR;
	len = (size_t)(p[1] & 0x07) << 8 | p[2];
	if (len < AIR_GMH_LEN) {
		/* the header alone: Wireshark says what it makes of it */
		out->flags |= AIR_BAD_LEN;
		len = AIR_GMH_LEN;
	}
	if (len > n) {
		out->flags |= AIR_CUT;
		return out->kind;
	}
	if (n > len)
		out->flags |= AIR_PADDED;
	out->len = len;
	return out->kind;
}

/* ---- the workaround copies ---------------------------------------------------- */

/*
 * The TLV at p (n bytes left): header and value lengths, Wireshark's
 * encoding (wimax_tlv.c): a length byte below 0x80, or 0x81-0x84 and
 * that many bytes of big-endian length.  -1 if it does not fit in n.
 */
static int tlv_at(const uint8_t *p, size_t n, size_t *hdr, size_t *vlen)
{
	uint64_t v = 0;
	size_t k;

	if (n < 2)
		return -1;
	if (p[1] < 0x80) {
		*hdr = 2;
		v = p[1];
	} else if (p[1] >= 0x81 && p[1] <= 0x84) {
		k = p[1] & 0x7f;
		if (n < 2 + k)
			return -1;
		for (size_t i = 0; i < k; i++)
			v = v << 8 | p[2 + i];
		*hdr = 2 + k;
	} else {
		return -1;
	}
	if (v > n - *hdr)
		return -1;
	*vlen = (size_t)v;
	return 0;
}

/* A TLV header for a value of vlen bytes (< 65536) at out; its length. */
static size_t put_hdr(uint8_t *out, uint8_t type, size_t vlen)
{
	out[0] = type;
	if (vlen < 0x80) {
		out[1] = (uint8_t)vlen;
		return 2;
	}
	if (vlen < 0x100) {
		out[1] = 0x81;
		out[2] = (uint8_t)vlen;
		return 3;
	}
	out[1] = 0x82;
	out[2] = (uint8_t)(vlen >> 8);
	out[3] = (uint8_t)vlen;
	return 4;
}

/* Every TLV of p..p+n parses and they fill it exactly. */
static int tlvs_fill(const uint8_t *p, size_t n)
{
	size_t off = 0, hdr, vlen;

	while (off < n) {
		if (tlv_at(p + off, n - off, &hdr, &vlen))
			return -1;
		off += hdr + vlen;
	}
	return 0;
}

/* Key Request: each top-level 28 becomes a 31; the rest as it was. */
static size_t shadow_key_request(const uint8_t *attrs, size_t n, uint8_t *out)
{
	size_t off = 0, hdr, vlen, renamed = 0;

	memcpy(out, attrs, n);
	while (off < n) {
		if (tlv_at(attrs + off, n - off, &hdr, &vlen))
			return 0;
		if (attrs[off] == ATTR_SVC_TYPE) {
			out[off] = ATTR_SA_SVC;
			renamed++;
		}
		off += hdr + vlen;
	}
	return renamed ? n : 0;
}

/*
 * Auth Request: each top-level 19 without its 21s, then those 21s; a 19
 * left empty is dropped (a TLV of length 0 is an error to Wireshark).
 */
static size_t shadow_auth_request(const uint8_t *attrs, size_t n, uint8_t *out)
{
	uint8_t rest[AIR_PDU_MAX], lists[AIR_PDU_MAX];
	size_t off = 0, o = 0, hdr, vlen, moved = 0;

	while (off < n) {
		const uint8_t *t = attrs + off;
		size_t c, chdr, cvlen, nrest = 0, nlists = 0;

		if (tlv_at(t, n - off, &hdr, &vlen))
			return 0;
		if (t[0] != ATTR_SEC_CAPS) {
			memcpy(out + o, t, hdr + vlen);
			o += hdr + vlen;
			off += hdr + vlen;
			continue;
		}
		for (c = 0; c < vlen; c += chdr + cvlen) {
			const uint8_t *s = t + hdr + c;

			if (tlv_at(s, vlen - c, &chdr, &cvlen))
				return 0;
			if (s[0] == ATTR_SUITE_LIST) {
				memcpy(lists + nlists, s, chdr + cvlen);
				nlists += chdr + cvlen;
				moved++;
			} else {
				memcpy(rest + nrest, s, chdr + cvlen);
				nrest += chdr + cvlen;
			}
		}
		/* the new 19's header is no longer than the old one */
		if (nrest) {
			o += put_hdr(out + o, ATTR_SEC_CAPS, nrest);
			memcpy(out + o, rest, nrest);
			o += nrest;
		}
		memcpy(out + o, lists, nlists);
		o += nlists;
		off += hdr + vlen;
	}
	return moved ? o : 0;
}

size_t air_shadow(const uint8_t *pdu, size_t len, uint8_t *out, size_t cap,
		  const char **what)
{
	size_t body, n;

	*what = "";
	if (len < AIR_GMH_LEN + PKM_HDR || len > AIR_PDU_MAX || cap < len)
		return 0;
	if (pdu[0] & (GMH_HT | GMH_EC) || pdu[1] & GMH_CI ||
	    ((size_t)(pdu[1] & 0x07) << 8 | pdu[2]) != len ||
	    air_hcs(pdu) != pdu[5] || pdu[AIR_GMH_LEN] != MGMT_PKM_REQ)
		return 0;
	body = AIR_GMH_LEN + PKM_HDR;
	if (tlvs_fill(pdu + body, len - body))
		return 0;
	switch (pdu[AIR_GMH_LEN + 1]) {
	case PKM_KEY_REQUEST:
		n = shadow_key_request(pdu + body, len - body, out + body);
		*what = "service-type-as-31";
		break;
	case PKM_AUTH_REQUEST:
		n = shadow_auth_request(pdu + body, len - body, out + body);
		*what = "suite-list-out-of-19";
		break;
	default:
		return 0;
	}
	if (!n) {
		*what = "";
		return 0;
	}
	memcpy(out, pdu, body);
	n += body;
	out[1] = (uint8_t)((pdu[1] & ~0x07) | (n >> 8 & 0x07));
	out[2] = (uint8_t)n;
	out[5] = air_hcs(out);
	return n;
}
