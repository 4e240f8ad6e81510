// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the DREG-REQ and DREG-CMD parser.  What parses is
 * verified, rebuilt under the harness key and parsed again; a copy given
 * its correct tag must verify once and then count as a replay.
 */
#include <stdlib.h>
#include <string.h>

#include "pkm.h"

static const uint8_t cmac_key[PKM_KEY_LEN] = { 0x2f, 0xd0, 0x5f, 0xdd, 0x8e };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkm_replay replay = { 0 };
	struct pkm_verifier v = { .cmac_key = cmac_key, .replay = &replay };
	uint8_t out[PKM_DREG_MSG_LEN], copy[PKM_DREG_MSG_LEN];
	uint8_t tag[PKM_CMAC_LEN];
	struct pkm_dreg d, again;
	size_t len;
	int err;

	err = pkm_dreg_parse(data, size, &d);
	if ((err == PKM_E_OLD_ENCODING) != (d.old_encoding != NULL))
		abort();
	if (err)
		return 0;
	if (size != PKM_DREG_MSG_LEN || d.ak_seq > 15)
		abort();
	pkm_dreg_verify(&d, &v);
	if (pkm_dreg_build(&d, cmac_key, out, sizeof(out), &len) ||
	    len != size || pkm_dreg_parse(out, len, &again) ||
	    again.mgmt_type != d.mgmt_type || again.code != d.code ||
	    again.ak_seq != d.ak_seq || again.pn != d.pn)
		abort();

	memcpy(copy, data, size);
	pkm_cmac(cmac_key, copy, d.covered_len, tag);
	memcpy(copy + d.covered_len, tag, PKM_CMAC_TRUNC_LEN);
	if (memcmp(copy, out, size) || pkm_dreg_parse(copy, size, &d))
		abort();
	replay.next = 0;
	if (pkm_dreg_verify(&d, &v) || !d.verified ||
	    pkm_dreg_verify(&d, &v) != PKM_E_REPLAY)
		abort();
	return 0;
}
