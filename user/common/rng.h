/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COMMON_RNG_H
#define COMMON_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * The two messages of the minimal network entry, on the initial ranging
 * CID 0 (802.16-2004 6.3.2.3.5 and 6.3.2.3.6, only the fields used here):
 *
 *   RNG-REQ  type 4, Downlink Channel ID (0), TLV 2 SS MAC Address
 *   RNG-RSP  type 5, Uplink Channel ID (0), TLV 4 Ranging Status,
 *            TLV 8 SS MAC Address, and on success TLV 9 Basic CID and
 *            TLV 10 Primary Management CID
 *
 * TLVs use the 802.16 encoding of libpkm's codec.  Anything else (an
 * unknown or repeated TLV, a wrong length, trailing bytes) is refused.
 */
#define MGMT_RNG_REQ		4
#define MGMT_RNG_RSP		5

enum rng_status {
	RNG_STATUS_CONTINUE = 1,
	RNG_STATUS_ABORT = 2,
	RNG_STATUS_SUCCESS = 3,
};

struct rng_req {
	uint8_t ss_mac[MAC_LEN];
};

struct rng_rsp {
	uint8_t status;			/* enum rng_status */
	uint8_t ss_mac[MAC_LEN];
	uint16_t basic_cid;		/* success only */
	uint16_t primary_cid;
};

#define RNG_MSG_MAX	64

int rng_req_parse(const uint8_t *buf, size_t len, struct rng_req *out);
int rng_req_build(const struct rng_req *req, uint8_t *buf, size_t cap,
		  size_t *len);
int rng_rsp_parse(const uint8_t *buf, size_t len, struct rng_rsp *out);
int rng_rsp_build(const struct rng_rsp *rsp, uint8_t *buf, size_t cap,
		  size_t *len);

#endif
