// SPDX-License-Identifier: GPL-2.0
/*
 * The BS key an SS trusts.  An Auth Reply that passes every check of the
 * SS (ss_auth.c) pins its key for the rest of the run; signed Auth Invalids
 * and group rekeys are verified with it.  The key's certificate is kept
 * and verified again whenever the CRL file has been read again and once
 * it expires: a BS key the operator revoked is trusted with nothing from
 * then on, rather than until the next reauthorization.  The pin stays (a
 * new key is still refused); only the real BS with a good certificate
 * makes it usable again, at a reauthorization.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "log.h"
#include "ss.h"

int ss_bs_pin(struct ss *ss, EVP_PKEY *key, const uint8_t *der, size_t len,
	      time_t not_after)
{
	uint8_t *copy = malloc(len);

	if (!copy) {
		EVP_PKEY_free(key);
		return -ENOMEM;
	}
	memcpy(copy, der, len);
	ss_bs_unpin(ss);
	ss->bs_key = key;
	ss->bs_cert_der = copy;
	ss->bs_cert_len = len;
	ss->bs_cert_not_after = not_after;
	ss->bs_cert_generation = ss->trust.generation;
	ss->bs_cert_good = true;
	return 0;
}

void ss_bs_unpin(struct ss *ss)
{
	EVP_PKEY_free(ss->bs_key);
	ss->bs_key = NULL;
	free(ss->bs_cert_der);
	ss->bs_cert_der = NULL;
	ss->bs_cert_len = 0;
	ss->bs_cert_good = false;
}

bool ss_bs_key_trusted(struct ss *ss, const char *what)
{
	X509_STORE *store = trust_store(&ss->trust);
	struct pkm_cert_id id = { 0 };
	bool was_good = ss->bs_cert_good;

	if (!ss->bs_key)
		return false;
	if (ss->bs_cert_generation == ss->trust.generation &&
	    time(NULL) < ss->bs_cert_not_after)
		return ss->bs_cert_good;
	/* Changed trust or an expired certificate: decide again, once. */
	ss->bs_cert_generation = ss->trust.generation;
	ss->bs_cert_good =
		!pkm_cert_verify(store, ss->bs_cert_der, ss->bs_cert_len, 0,
				 PKM_ROLE_BS, &id) &&
		EVP_PKEY_eq(id.pub, ss->bs_key) == 1;
	if (ss->bs_cert_good)
		ss->bs_cert_not_after = id.not_after;
	else
		ss->bs_cert_not_after = 0;	/* verified again next time */
	if (!ss->bs_cert_good)
		log_warn("%s dropped: the certificate of BS %s no longer verifies (%s); its key is trusted with nothing until the BS reauthorizes this SS with a good one",
			 what, ss->bs_cn, id.why ? id.why : "another key");
	else if (!was_good)
		log_notice("the certificate of BS %s verifies again", ss->bs_cn);
	pkm_cert_id_free(&id);
	return ss->bs_cert_good;
}
