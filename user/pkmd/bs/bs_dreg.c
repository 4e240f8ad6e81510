// SPDX-License-Identifier: GPL-2.0
/*
 * De-registration, the BS's side: a DREG-REQ, verified under one of the
 * station's AKs and fresh in that AK's uplink window, makes the station
 * leave as if its AK had expired: out of every group tree it is in, its
 * unicast SA and that SA's TEKs gone from the kernel, its AKs forgotten
 * (on disk first).  Its subscriber record and group memberships stay:
 * once it authorizes again it gets keys and rejoins.  The answer,
 * DREG-CMD with action 0x04, is sealed under the same AK before that AK
 * is wiped.  The SS's side is ss/ss_dreg.c.
 */
#include "bs.h"
#include "bs_group.h"
#include "log.h"

void bs_dreg_request(struct bs *bs, struct station *st,
		     const uint8_t *payload, size_t len)
{
	struct pkm_verifier v = { 0 };
	struct pkm_replay before;
	struct pkm_dreg d, cmd;
	struct subscriber *sub;
	uint8_t buf[PKM_DREG_MSG_LEN];
	struct bs_sa *sa;
	struct bs_ak *ak;
	size_t cmd_len;
	int err;

	err = pkm_dreg_parse(payload, len, &d);
	if (err) {
		log_warn("SS %s: malformed DREG-REQ refused: %s%s%s", mac_str(st->mac),
			 pkm_strerror(err), *old_encoding_hint(err, d.old_encoding) ? ": " : "",
			 old_encoding_hint(err, d.old_encoding));
		return;
	}
	ak = bs_station_ak(st, d.ak_seq);
	if (!ak) {
		log_warn("SS %s: DREG-REQ refused: AK %u is not one it holds (PN %u)",
			 mac_str(st->mac), d.ak_seq, d.pn);
		return;
	}
	before = ak->rx;
	v.cmac_key = ak->keys.cmac_up;
	v.replay = &ak->rx;
	err = pkm_dreg_verify(&d, &v);
	if (err) {
		log_warn("SS %s: DREG-REQ refused: %s (AK %u, PN %u)",
			 mac_str(st->mac), err == PKM_E_REPLAY ? "replayed" :
			 "CMAC does not verify", d.ak_seq, d.pn);
		return;
	}
	/* Forgetting the AK on disk is the commitment; nothing before it. */
	cmd = (struct pkm_dreg){ .mgmt_type = PKM_MGMT_DREG_CMD,
				 .code = PKM_DREG_CMD_TERMINATE,
				 .ak_seq = ak->seq };
	if (bs_next_tx_pn(bs, st, ak, &cmd.pn) ||
	    pkm_dreg_build(&cmd, ak->keys.cmac_down, buf, sizeof(buf),
			   &cmd_len) ||
	    store_ak_delete(bs->store, st->mac)) {
		log_err("SS %s: DREG-REQ not carried out: cannot answer or forget its AK",
			mac_str(st->mac));
		ak->rx = before;
		return;
	}
	sub = bs_subscriber_by_mac(bs, st->mac);
	log_notice("SS %s (%s): deregistered (DREG-REQ under AK %u, PN %u); its AK, unicast SA and group tree places are gone",
		   mac_str(st->mac), sub ? sub->rec.cn : "no subscriber",
		   d.ak_seq, d.pn);
	bs_ak_wipe(&st->ak[STORE_AK_ACTIVE]);
	bs_ak_wipe(&st->ak[STORE_AK_PENDING]);
	sa = bs_sa_find(bs, station_unicast_said(st));
	if (sa)
		bs_sa_remove(sa);
	if (sub)
		for (unsigned int g = 0; g < CONFIG_MAX_GROUPS; g++)
			if (group_bit(sub->groups, (uint8_t)g))
				bs_group_leave(bs, (uint8_t)g, sub->rec.cn,
					       "deregistered");
	err = kernel_mgmt_tx(bs->kernel, station_primary_cid(st), st->mac, buf,
			     cmd_len);
	if (err)
		log_warn("SS %s: cannot send DREG-CMD: %s", mac_str(st->mac),
			 kernel_error(bs->kernel, err));
}
