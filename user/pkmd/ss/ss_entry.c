// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal network entry, the SS's side (control-plane.rst): the SS sends
 * RNG-REQ with its MAC address on the initial ranging CID 0 until an
 * RNG-RSP answers; on success it creates the Basic and Primary Management
 * connections the BS allocated and starts authorization on the Primary
 * one.  The BS's side is bs/bs_entry.c.  No PHY ranging, no SBC or REG.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "rng.h"
#include "ss.h"

#define RANGING_RETRY_MS	2000
#define RANGING_RETRY_MAX_MS	32000
#define RANGING_REFUSED_MS	60000

static void ss_send_rng_req(struct ss *ss)
{
	struct rng_req req;
	uint8_t buf[RNG_MSG_MAX];
	size_t len;
	int err;

	memcpy(req.ss_mac, ss->mac, MAC_LEN);
	if (rng_req_build(&req, buf, sizeof(buf), &len))
		return;
	err = kernel_mgmt_tx(ss->kernel, WMAN_CID_INITIAL_RANGING, NULL, buf, len);
	if (err)
		log_warn("cannot send RNG-REQ: %s", kernel_error(ss->kernel, err));
	else
		log_debug("RNG-REQ sent to BS %s", mac_str(ss->bsid));
}

static void ranging_timer_fired(struct timer *t)
{
	struct ss *ss = container_of(t, struct ss, ranging_timer);
	int64_t delay = RANGING_RETRY_MS;

	for (unsigned int i = 0; i < ss->ranging_attempts && delay < RANGING_RETRY_MAX_MS; i++)
		delay *= 2;
	ss->ranging_attempts++;
	ss_send_rng_req(ss);
	timer_start(&ss->ranging_timer, delay);
}

void ss_entry_start(struct ss *ss)
{
	ss->entered = false;
	ss->ranging_attempts = 0;
	timer_init(&ss->ranging_timer, "ranging-retry", ranging_timer_fired);
	log_info("network entry: RNG-REQ to BS %s", mac_str(ss->bsid));
	ranging_timer_fired(&ss->ranging_timer);
}

static int mgmt_conn(struct ss *ss, uint16_t cid)
{
	int err = kernel_conn_add(ss->kernel, cid, WMAN_CONN_MGMT, -1, NULL);

	if (err == -EEXIST)
		return 0;
	if (err)
		log_err("cannot create management connection 0x%04x: %s", cid,
			kernel_error(ss->kernel, err));
	return err;
}

void ss_entry_rx(struct ss *ss, const uint8_t src[MAC_LEN],
		 const uint8_t *payload, size_t len)
{
	struct rng_rsp rsp;

	if (payload[0] != MGMT_RNG_RSP)
		return;
	if (memcmp(src, ss->bsid, MAC_LEN) != 0) {
		log_debug("RNG-RSP from %s (not our BS) ignored", mac_str(src));
		return;
	}
	if (rng_rsp_parse(payload, len, &rsp)) {
		log_warn("malformed RNG-RSP from BS %s dropped", mac_str(src));
		return;
	}
	if (memcmp(rsp.ss_mac, ss->mac, MAC_LEN) != 0)
		return;
	if (rsp.status != RNG_STATUS_SUCCESS) {
		log_warn("network entry refused by BS %s (ranging status %u); retrying in %d s",
			 mac_str(src), rsp.status, RANGING_REFUSED_MS / 1000);
		timer_start(&ss->ranging_timer, RANGING_REFUSED_MS);
		return;
	}
	if (ss->entered) {
		if (rsp.basic_cid != ss->basic_cid ||
		    rsp.primary_cid != ss->primary_cid)
			log_warn("BS %s sent other CIDs (0x%04x, 0x%04x) after entry; ignored",
				 mac_str(src), rsp.basic_cid, rsp.primary_cid);
		return;
	}
	if (mgmt_conn(ss, rsp.basic_cid) || mgmt_conn(ss, rsp.primary_cid))
		return;	/* the ranging timer retries */
	timer_stop(&ss->ranging_timer);
	ss->entered = true;
	ss->basic_cid = rsp.basic_cid;
	ss->primary_cid = rsp.primary_cid;
	log_info("network entry done: basic CID 0x%04x, primary CID 0x%04x",
		 rsp.basic_cid, rsp.primary_cid);
	ss_auth_event(ss, AUTH_EV_COMM_ESTABLISHED);
}

/*
 * A handover (Documentation/zones.rst): the device's BSID now names
 * another BS of the zone.  What is bound to the old BS goes: its CIDs,
 * the AKs it issued, the unicast SA (another BS's SAID), the pinned BS
 * key; the group and broadcast SAs stay in the kernel with their TEK
 * machines and key tree places, since the zone's BSs send them under the
 * same keys.  Then network entry and authorization at the new BS, whose
 * Auth Reply brings the unicast Key Request (TEK machines in Start).
 */
int ss_handover(struct ss *ss, char *why, size_t why_len)
{
	uint8_t old[MAC_LEN];
	int err;

	if (ss->deregistered) {
		snprintf(why, why_len, "deregistered: restart the daemon to enter again");
		return -EALREADY;
	}
	memcpy(old, ss->bsid, MAC_LEN);
	err = kernel_link_refresh(ss->kernel);
	if (err) {
		snprintf(why, why_len, "cannot read the device's BSID: %s",
			 kernel_error(ss->kernel, err));
		return -EIO;
	}
	if (!memcmp(old, ss->kernel->bsid, MAC_LEN)) {
		snprintf(why, why_len,
			 "the device's BSID is still %s: set the target BS's first (ip link set DEV type wman bsid MAC)",
			 mac_str(old));
		return -EALREADY;
	}
	memcpy(ss->bsid, ss->kernel->bsid, MAC_LEN);
	log_notice("handover: BS %s -> BS %s; group and broadcast keys kept, entering the new BS",
		   mac_str(old), mac_str(ss->bsid));
	for (size_t i = 0; i < ss->n_sas; i++) {
		struct ss_sa *sa = &ss->sas[i];

		if (sa->service != WMAN_SERVICE_MULTICAST &&
		    sa->service != WMAN_SERVICE_BROADCAST)
			ss_tek_event(sa, TEK_EV_STOP, NULL);
	}
	ss->auth_state = AUTH_START;
	timer_stop(&ss->auth_timer);
	timer_stop(&ss->auth_grace_timer);
	OPENSSL_cleanse(&ss->ak, sizeof(ss->ak));
	OPENSSL_cleanse(&ss->prev_ak, sizeof(ss->prev_ak));
	ss_bs_unpin(ss);
	timer_stop(&ss->ranging_timer);
	if (ss->entered) {
		kernel_conn_del(ss->kernel, ss->primary_cid);
		kernel_conn_del(ss->kernel, ss->basic_cid);
	}
	ss_entry_start(ss);
	return 0;
}
