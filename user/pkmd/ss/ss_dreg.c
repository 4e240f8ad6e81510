// SPDX-License-Identifier: GPL-2.0
/*
 * De-registration, the SS's side: a DREG-REQ under the current AK (the
 * deregister command), and the BS's DREG-CMD that answers it, which
 * stops the SS.  The BS's side is bs/bs_dreg.c.
 */
#include <errno.h>
#include <stdio.h>

#include "log.h"
#include "ss.h"
#include "ss_group.h"

int ss_deregister(struct ss *ss, char *why, size_t why_len)
{
	struct pkm_dreg d = { .mgmt_type = PKM_MGMT_DREG_REQ,
			      .code = PKM_DREG_REQ_LEAVE };
	uint8_t buf[PKM_DREG_MSG_LEN];
	size_t len;
	int err;

	if (ss->deregistered) {
		snprintf(why, why_len, "already deregistered");
		return -EALREADY;
	}
	if (!ss->entered || !ss->ak.valid) {
		snprintf(why, why_len, "not registered: no network entry or no AK yet");
		return -EBUSY;
	}
	if (ss->ak.tx_pn == UINT32_MAX) {
		snprintf(why, why_len, "uplink packet numbers of the AK used up");
		return -EBUSY;
	}
	d.ak_seq = ss->ak.seq;
	d.pn = ss->ak.tx_pn++;
	if (pkm_dreg_build(&d, ss->ak.keys.cmac_up, buf, sizeof(buf), &len)) {
		snprintf(why, why_len, "cannot build DREG-REQ");
		return -EIO;
	}
	err = kernel_mgmt_tx(ss->kernel, ss->primary_cid, NULL, buf, len);
	if (err) {
		snprintf(why, why_len, "cannot send DREG-REQ: %s",
			 kernel_error(ss->kernel, err));
		return -EIO;
	}
	ss->dreg_sent = true;
	log_notice("DREG-REQ sent (AK %u, PN %u): leaving the BS", d.ak_seq, d.pn);
	return 0;
}

/*
 * The BS's DREG-CMD, verified under our AK.  Action 0x04 answers our
 * DREG-REQ: every SA, TEK and connection goes from the kernel, the AKs
 * are wiped, and the daemon stays idle (no ranging, no Auth Request)
 * until it is restarted.  Other actions are not carried out here.
 */
void ss_dreg_cmd(struct ss *ss, const uint8_t *payload, size_t len)
{
	struct pkm_verifier v = { 0 };
	struct ss_ak *ak = NULL;
	struct pkm_dreg d;
	int err;

	err = pkm_dreg_parse(payload, len, &d);
	if (err) {
		log_warn("malformed DREG-CMD dropped: %s%s%s", pkm_strerror(err),
			 *old_encoding_hint(err, d.old_encoding) ? ": " : "",
			 old_encoding_hint(err, d.old_encoding));
		return;
	}
	if (ss->ak.valid && ss->ak.seq == d.ak_seq)
		ak = &ss->ak;
	else if (ss->prev_ak.valid && ss->prev_ak.seq == d.ak_seq)
		ak = &ss->prev_ak;
	if (!ak) {
		log_warn("DREG-CMD under AK %u, which we do not hold; dropped",
			 d.ak_seq);
		return;
	}
	v.cmac_key = ak->keys.cmac_down;
	v.replay = &ak->rx;
	err = pkm_dreg_verify(&d, &v);
	if (err) {
		log_warn("DREG-CMD %s (PN %u), dropped",
			 err == PKM_E_REPLAY ? "replayed" : "CMAC does not verify",
			 d.pn);
		return;
	}
	if (d.code != PKM_DREG_CMD_TERMINATE || !ss->dreg_sent) {
		log_warn("DREG-CMD action 0x%02x (%s)%s: not carried out", d.code,
			 pkm_dreg_action_name(d.code),
			 ss->dreg_sent ? "" : " without our DREG-REQ");
		return;
	}
	log_notice("deregistered: DREG-CMD action 0x%02x (%s); removing every SA and staying idle",
		   d.code, pkm_dreg_action_name(d.code));
	ss_auth_stop(ss);
	for (size_t i = 0; i < ss->n_sas; i++)
		ss_group_sa_gone(ss, &ss->sas[i]);
	ss_group_stop(ss);
	timer_stop(&ss->ranging_timer);
	kernel_conn_del(ss->kernel, ss->primary_cid);
	kernel_conn_del(ss->kernel, ss->basic_cid);
	ss->entered = false;
	ss->dreg_sent = false;
	ss->deregistered = true;
}

/* Receiving */
