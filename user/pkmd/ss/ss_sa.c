// SPDX-License-Identifier: GPL-2.0
/*
 * The SS's SAs as data: finding one, naming one in log lines, wiping its
 * keys.  Apart from ss.c so that tests of the SS's state machines link the
 * real ones.
 */
#include <stdio.h>

#include <openssl/crypto.h>

#include "config.h"
#include "ss.h"

const char *ss_sa_label(const struct ss_sa *sa)
{
	static char bufs[2][48];
	static unsigned int next;
	char *buf = bufs[next++ % 2];

	if (sa->has_group)
		snprintf(buf, 48, "SAID 0x%04x (group %u)", sa->said, sa->group_id);
	else
		snprintf(buf, 48, "SAID 0x%04x (%s)", sa->said,
			 service_name(sa->service));
	return buf;
}

struct ss_sa *ss_sa_find(struct ss *ss, uint16_t said)
{
	for (size_t i = 0; i < ss->n_sas; i++)
		if (ss->sas[i].said == said)
			return &ss->sas[i];
	return NULL;
}

void ss_sa_wipe_keys(struct ss_sa *sa)
{
	OPENSSL_cleanse(sa->tek, sizeof(sa->tek));
}
