// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the PKM message parser, every code.  A message
 * that parses is verified, rebuilt and parsed again (a Group Key Update
 * and a Key Reply, its SA-Descriptor too, must come back field by
 * field); one with a CMAC digest is also given its correct tag, so that
 * what lies behind verification (replay window, TEK unwrap) is reached
 * as well.  A refusal names an old encoding exactly when it is
 * PKM_E_OLD_ENCODING.
 */
#include <stdlib.h>
#include <string.h>

#include "pkm.h"

static EVP_PKEY *sign_key;
static const uint8_t cmac_key[PKM_KEY_LEN] = { 0x2f, 0xd0, 0x5f, 0xdd, 0x8e };
static const uint8_t kek[PKM_KEY_LEN] = { 0x91, 0xcc, 0x15, 0x0a };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sign_key = EVP_EC_gen("P-256");
	return sign_key ? 0 : -1;
}

static void after_verify(const struct pkm_msg *m)
{
	uint8_t tek[PKM_KEY_LEN];

	if (m->code == PKM_KEY_REPLY) {
		pkm_key_reply_tek(m, 0, kek, tek);
		pkm_key_reply_tek(m, 1, kek, tek);
	}
}

/* A Group Key Update and its fragment attribute survive a rebuild. */
static void same_gku(const struct pkm_group_key_update *a,
		     const struct pkm_group_key_update *b)
{
	if (a->said != b->said || a->has_fragment != b->has_fragment ||
	    a->payload.len != b->payload.len ||
	    memcmp(a->payload.p, b->payload.p, a->payload.len))
		abort();
	if (a->has_fragment &&
	    (a->frag.rekey_id != b->frag.rekey_id ||
	     a->frag.index != b->frag.index || a->frag.count != b->frag.count ||
	     a->frag.total != b->frag.total || b->frag.index >= b->frag.count ||
	     b->payload.len > b->frag.total))
		abort();
}

static bool same_sa_desc(const struct pkm_sa_desc *a,
			 const struct pkm_sa_desc *b)
{
	return a->said == b->said && a->sa_type == b->sa_type &&
	       a->suite.data_enc == b->suite.data_enc &&
	       a->suite.data_auth == b->suite.data_auth &&
	       a->suite.tek_enc == b->suite.tek_enc &&
	       a->has_service == b->has_service &&
	       (!a->has_service || a->service == b->service) &&
	       a->has_group == b->has_group &&
	       (!a->has_group || a->group_id == b->group_id);
}

/* A Key Reply, and the SA-Descriptor of one to SAID 0, survive a rebuild. */
static void same_key_reply(const struct pkm_key_reply *a,
			   const struct pkm_key_reply *b)
{
	if (a->ak_seq != b->ak_seq || a->said != b->said ||
	    a->has_sa_desc != b->has_sa_desc ||
	    (a->has_sa_desc && !same_sa_desc(&a->sa_desc, &b->sa_desc)))
		abort();
	for (int i = 0; i < 2; i++)
		if (a->tek[i].eks != b->tek[i].eks ||
		    a->tek[i].lifetime != b->tek[i].lifetime ||
		    memcmp(a->tek[i].wrapped_tek, b->tek[i].wrapped_tek,
			   sizeof(a->tek[i].wrapped_tek)))
			abort();
}

static void rebuild(const struct pkm_msg *m)
{
	static uint8_t out[PKM_MSG_MAX];
	struct pkm_seal seal = { .cmac_key = cmac_key, .pn = m->pn,
				 .sign_key = sign_key };
	struct pkm_msg again;
	size_t len;
	int err;

	if (m->authn == PKM_AUTHN_SIG_BS && m->code == PKM_GROUP_KEY_UPDATE)
		seal.cmac_key = NULL;
	err = pkm_msg_build(m, &seal, out, sizeof(out), &len);
	/* A re-signed message may outgrow the limit; nothing else fails. */
	if (err == PKM_E_NOSPACE)
		return;
	if (err)
		abort();
	if (pkm_msg_parse(out, len, &again) || again.code != m->code ||
	    again.id != m->id || again.authn != m->authn)
		abort();
	if (m->code == PKM_GROUP_KEY_UPDATE)
		same_gku(&m->u.gku, &again.u.gku);
	if (m->code == PKM_KEY_REPLY)
		same_key_reply(&m->u.key_rep, &again.u.key_rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkm_replay replay = { 0 };
	struct pkm_verifier v = { .cmac_key = cmac_key, .replay = &replay,
				  .peer_key = sign_key };
	uint8_t tag[PKM_CMAC_LEN];
	struct pkm_msg m;
	uint8_t *copy;
	int err;

	err = pkm_msg_parse(data, size, &m);
	if ((err == PKM_E_OLD_ENCODING) != (m.old_encoding != NULL))
		abort();
	if (err)
		return 0;
	if (!pkm_msg_verify(&m, &v))
		after_verify(&m);
	rebuild(&m);
	if (m.authn != PKM_AUTHN_CMAC)
		return 0;

	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	pkm_cmac(cmac_key, copy, m.covered_len, tag);
	memcpy(copy + m.covered_len, tag, PKM_CMAC_TRUNC_LEN);
	if (pkm_msg_parse(copy, size, &m))
		abort();
	replay.next = 0;
	err = pkm_msg_verify(&m, &v);
	if (err || !m.verified)
		abort();
	after_verify(&m);
	if (pkm_msg_verify(&m, &v) != PKM_E_REPLAY)
		abort();
	free(copy);
	return 0;
}
