// SPDX-License-Identifier: GPL-2.0
/* RNG-REQ and RNG-RSP: one parse and one build function each. */
#include <string.h>

#include "pkm.h"
#include "rng.h"

enum {
	RNG_REQ_SS_MAC = 2,
	RNG_RSP_STATUS = 4,
	RNG_RSP_SS_MAC = 8,
	RNG_RSP_BASIC_CID = 9,
	RNG_RSP_PRIMARY_CID = 10,
};

#define RNG_HDR_LEN	2	/* type, channel ID */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int rng_req_parse(const uint8_t *buf, size_t len, struct rng_req *out)
{
	struct pkm_tlv_iter it;
	struct pkm_tlv t;
	bool have_mac = false;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len < RNG_HDR_LEN || buf[0] != MGMT_RNG_REQ || buf[1] != 0)
		return -1;
	pkm_tlv_iter_init(&it, buf + RNG_HDR_LEN, len - RNG_HDR_LEN);
	while ((ret = pkm_tlv_next(&it, &t)) > 0) {
		if (t.type != RNG_REQ_SS_MAC || have_mac || t.len != MAC_LEN)
			return -1;
		memcpy(out->ss_mac, t.val, MAC_LEN);
		have_mac = true;
	}
	return ret == 0 && have_mac ? 0 : -1;
}

int rng_req_build(const struct rng_req *req, uint8_t *buf, size_t cap,
		  size_t *len)
{
	struct pkm_tlv_writer w;

	if (cap < RNG_HDR_LEN)
		return -1;
	buf[0] = MGMT_RNG_REQ;
	buf[1] = 0;
	pkm_tlv_writer_init(&w, buf + RNG_HDR_LEN, cap - RNG_HDR_LEN);
	pkm_tlv_put(&w, RNG_REQ_SS_MAC, req->ss_mac, MAC_LEN);
	if (w.err)
		return -1;
	*len = RNG_HDR_LEN + w.len;
	return 0;
}

int rng_rsp_parse(const uint8_t *buf, size_t len, struct rng_rsp *out)
{
	struct pkm_tlv_iter it;
	struct pkm_tlv t;
	unsigned int seen = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len < RNG_HDR_LEN || buf[0] != MGMT_RNG_RSP || buf[1] != 0)
		return -1;
	pkm_tlv_iter_init(&it, buf + RNG_HDR_LEN, len - RNG_HDR_LEN);
	while ((ret = pkm_tlv_next(&it, &t)) > 0) {
		if (t.type >= 32 || (seen & (1u << t.type)))
			return -1;
		seen |= 1u << t.type;
		switch (t.type) {
		case RNG_RSP_STATUS:
			if (t.len != 1)
				return -1;
			out->status = t.val[0];
			break;
		case RNG_RSP_SS_MAC:
			if (t.len != MAC_LEN)
				return -1;
			memcpy(out->ss_mac, t.val, MAC_LEN);
			break;
		case RNG_RSP_BASIC_CID:
			if (t.len != 2)
				return -1;
			out->basic_cid = be16(t.val);
			break;
		case RNG_RSP_PRIMARY_CID:
			if (t.len != 2)
				return -1;
			out->primary_cid = be16(t.val);
			break;
		default:
			return -1;
		}
	}
	if (ret < 0 || !(seen & (1u << RNG_RSP_STATUS)) ||
	    !(seen & (1u << RNG_RSP_SS_MAC)))
		return -1;
	if (out->status < RNG_STATUS_CONTINUE || out->status > RNG_STATUS_SUCCESS)
		return -1;
	/* The CIDs come exactly with success, and are distinct and nonzero. */
	bool has_cids = seen & (1u << RNG_RSP_BASIC_CID);

	if (has_cids != !!(seen & (1u << RNG_RSP_PRIMARY_CID)) ||
	    has_cids != (out->status == RNG_STATUS_SUCCESS))
		return -1;
	if (has_cids && (!out->basic_cid || !out->primary_cid ||
			 out->basic_cid == out->primary_cid))
		return -1;
	return 0;
}

int rng_rsp_build(const struct rng_rsp *rsp, uint8_t *buf, size_t cap,
		  size_t *len)
{
	struct pkm_tlv_writer w;

	if (cap < RNG_HDR_LEN)
		return -1;
	buf[0] = MGMT_RNG_RSP;
	buf[1] = 0;
	pkm_tlv_writer_init(&w, buf + RNG_HDR_LEN, cap - RNG_HDR_LEN);
	pkm_tlv_put_u8(&w, RNG_RSP_STATUS, rsp->status);
	pkm_tlv_put(&w, RNG_RSP_SS_MAC, rsp->ss_mac, MAC_LEN);
	if (rsp->status == RNG_STATUS_SUCCESS) {
		pkm_tlv_put_u16(&w, RNG_RSP_BASIC_CID, rsp->basic_cid);
		pkm_tlv_put_u16(&w, RNG_RSP_PRIMARY_CID, rsp->primary_cid);
	}
	if (w.err)
		return -1;
	*len = RNG_HDR_LEN + w.len;
	return 0;
}
