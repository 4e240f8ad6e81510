// SPDX-License-Identifier: GPL-2.0
/* Packet-number replay check for digested management messages. */
#include "pkm/crypto.h"
#include "pkm/err.h"

int pkm_replay_check(const struct pkm_replay *r, uint32_t pn)
{
	return pn < r->next ? PKM_E_REPLAY : PKM_OK;
}

void pkm_replay_update(struct pkm_replay *r, uint32_t pn)
{
	if (pn >= r->next)
		r->next = (uint64_t)pn + 1;
}
