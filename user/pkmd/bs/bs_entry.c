// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal network entry, the BS's side (control-plane.rst): an RNG-REQ on
 * the initial ranging CID 0 names the SS's MAC address; the BS allocates
 * the SS's Basic and Primary Management CIDs (once, persistently),
 * creates them as management connections and answers RNG-RSP.  The SS's
 * side is ss/ss_entry.c.  No PHY ranging, no SBC or REG.
 */
#include <errno.h>
#include <string.h>

#include "bs.h"
#include "log.h"
#include "rng.h"


static void bs_send_rng_rsp(struct bs *bs, const uint8_t mac[MAC_LEN],
			    const struct station *st)
{
	struct rng_rsp rsp = { .status = RNG_STATUS_ABORT };
	uint8_t buf[RNG_MSG_MAX];
	size_t len;
	int err;

	memcpy(rsp.ss_mac, mac, MAC_LEN);
	if (st) {
		rsp.status = RNG_STATUS_SUCCESS;
		rsp.basic_cid = station_basic_cid(st);
		rsp.primary_cid = station_primary_cid(st);
	}
	if (rng_rsp_build(&rsp, buf, sizeof(buf), &len))
		return;
	err = kernel_mgmt_tx(bs->kernel, WMAN_CID_INITIAL_RANGING, mac, buf, len);
	if (err)
		log_warn("SS %s: cannot send RNG-RSP: %s", mac_str(mac),
			 kernel_error(bs->kernel, err));
}

void bs_entry_rx(struct bs *bs, const uint8_t src[MAC_LEN],
		 const uint8_t *payload, size_t len)
{
	struct station *st;
	struct rng_req req;

	if (payload[0] != MGMT_RNG_REQ) {
		log_debug("SS %s: management type %u on the ranging CID ignored",
			  mac_str(src), payload[0]);
		return;
	}
	if (rng_req_parse(payload, len, &req)) {
		log_warn("SS %s: malformed RNG-REQ dropped", mac_str(src));
		return;
	}
	if (memcmp(req.ss_mac, src, MAC_LEN) != 0) {
		log_warn("SS %s: RNG-REQ names another MAC address (%s), dropped",
			 mac_str(src), mac_str(req.ss_mac));
		return;
	}
	if (!bs_subscriber_by_mac(bs, src)) {
		log_notice("SS %s: RNG-REQ refused (no subscriber with this MAC address)",
			   mac_str(src));
		bs_send_rng_rsp(bs, src, NULL);
		return;
	}
	st = bs_station_enter(bs, src);
	if (!st) {
		bs_send_rng_rsp(bs, src, NULL);
		return;
	}
	log_info("SS %s: ranged: basic CID 0x%04x, primary CID 0x%04x",
		 mac_str(src), station_basic_cid(st), station_primary_cid(st));
	bs_send_rng_rsp(bs, src, st);
}
