// SPDX-License-Identifier: GPL-2.0
/* RNG-REQ and RNG-RSP: built, parsed back, and malformed ones refused. */
#include <string.h>

#include "rng.h"
#include "tap.h"

int main(void)
{
	struct rng_req req = { .ss_mac = { 2, 0x16, 0, 0, 0, 0x11 } }, req2;
	struct rng_rsp rsp = { .status = RNG_STATUS_SUCCESS,
			       .ss_mac = { 2, 0x16, 0, 0, 0, 0x11 },
			       .basic_cid = 1, .primary_cid = 321 }, rsp2;
	static const uint8_t req_bytes[] = { 4, 0, 2, 6, 2, 0x16, 0, 0, 0, 0x11 };
	static const uint8_t rsp_bytes[] = { 5, 0, 4, 1, 3, 8, 6, 2, 0x16, 0, 0,
					     0, 0x11, 9, 2, 0, 1, 10, 2, 0x01, 0x41 };
	uint8_t buf[RNG_MSG_MAX];
	size_t len;
	int refused = 0;

	ok(!rng_req_build(&req, buf, sizeof(buf), &len) && len == sizeof(req_bytes) &&
	   !memcmp(buf, req_bytes, len), "RNG-REQ: type 4, channel 0, TLV 2 SS MAC");
	ok(!rng_req_parse(buf, len, &req2) && !memcmp(req2.ss_mac, req.ss_mac, 6),
	   "RNG-REQ parses back");
	ok(!rng_rsp_build(&rsp, buf, sizeof(buf), &len) && len == sizeof(rsp_bytes) &&
	   !memcmp(buf, rsp_bytes, len),
	   "RNG-RSP: type 5, status 3, SS MAC, basic CID, primary CID");
	ok(!rng_rsp_parse(buf, len, &rsp2) && rsp2.status == 3 &&
	   rsp2.basic_cid == 1 && rsp2.primary_cid == 321 &&
	   !memcmp(rsp2.ss_mac, rsp.ss_mac, 6), "RNG-RSP parses back");

	rsp.status = RNG_STATUS_ABORT;
	ok(!rng_rsp_build(&rsp, buf, sizeof(buf), &len) && len == 13 &&
	   !rng_rsp_parse(buf, len, &rsp2) && rsp2.status == 2 && !rsp2.basic_cid,
	   "RNG-RSP abort carries no CIDs");

	/* Every truncation and every single-byte change of the good ones. */
	for (size_t n = 0; n < sizeof(req_bytes); n++)
		refused += rng_req_parse(req_bytes, n, &req2) != 0;
	for (size_t n = 0; n < sizeof(rsp_bytes); n++)
		refused += rng_rsp_parse(rsp_bytes, n, &rsp2) != 0;
	is_int(refused, (int)(sizeof(req_bytes) + sizeof(rsp_bytes)),
	       "every truncated RNG-REQ and RNG-RSP is refused");

	memcpy(buf, rsp_bytes, sizeof(rsp_bytes));
	buf[4] = 2;	/* abort, yet with CIDs */
	ok(rng_rsp_parse(buf, sizeof(rsp_bytes), &rsp2), "abort with CIDs refused");
	memcpy(buf, rsp_bytes, sizeof(rsp_bytes));
	buf[19] = 0;	/* primary CID 321 -> 1, the basic CID */
	buf[20] = 1;
	ok(rng_rsp_parse(buf, sizeof(rsp_bytes), &rsp2), "equal basic and primary CIDs refused");
	memcpy(buf, rsp_bytes, sizeof(rsp_bytes));
	buf[13] = 4;	/* basic CID TLV becomes a second status TLV */
	ok(rng_rsp_parse(buf, sizeof(rsp_bytes), &rsp2), "repeated TLV refused");
	memcpy(buf, rsp_bytes, sizeof(rsp_bytes));
	buf[13] = 99;
	ok(rng_rsp_parse(buf, sizeof(rsp_bytes), &rsp2), "unknown TLV refused");
	memcpy(buf, req_bytes, sizeof(req_bytes));
	buf[1] = 1;
	ok(rng_req_parse(buf, sizeof(req_bytes), &req2), "nonzero channel ID refused");
	memcpy(buf, req_bytes, sizeof(req_bytes));
	buf[sizeof(req_bytes)] = 0;
	ok(rng_req_parse(buf, sizeof(req_bytes) + 1, &req2), "trailing byte refused");
	return tap_finish();
}
