// SPDX-License-Identifier: GPL-2.0
/* Trust anchors and revocation lists, re-read when the CRL file changes. */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "pkm/cert.h"
#include "trust.h"

static X509_STORE *load(const char *ca_path, const char *crl_path)
{
	X509_STORE *store = pkm_ca_load_file(ca_path);

	if (!store) {
		log_err("%s: cannot read CA certificates", ca_path);
		return NULL;
	}
	if (crl_path && pkm_ca_add_crl_file(store, crl_path)) {
		log_err("%s: cannot read a certificate revocation list", crl_path);
		pkm_ca_free(store);
		return NULL;
	}
	return store;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

int trust_open(struct trust *t, const char *ca_path, const char *crl_path)
{
	memset(t, 0, sizeof(*t));
	t->ca_path = ca_path;
	t->crl_path = crl_path && *crl_path ? crl_path : NULL;
	if (t->crl_path && stat(t->crl_path, &t->crl_stat)) {
		log_err("%s: %s", t->crl_path, strerror(errno));
		return -EINVAL;
	}
	t->store = load(t->ca_path, t->crl_path);
	if (!t->store)
		return -EINVAL;
	if (t->crl_path)
		log_info("certificates checked against the revocation list %s",
			 t->crl_path);
	return 0;
}

X509_STORE *trust_store(struct trust *t)
{
	struct stat now;
	X509_STORE *fresh;

	if (!t->crl_path)
		return t->store;
	if (stat(t->crl_path, &now)) {
		if (!t->crl_missing)
			log_warn("%s: %s; the last revocation list read stays in force",
				 t->crl_path, strerror(errno));
		t->crl_missing = true;
		return t->store;
	}
	t->crl_missing = false;
	if (same_file(&now, &t->crl_stat))
		return t->store;
	t->crl_stat = now;
	fresh = load(t->ca_path, t->crl_path);
	if (!fresh) {
		log_warn("%s: the last revocation list read stays in force",
			 t->crl_path);
		return t->store;
	}
	pkm_ca_free(t->store);
	t->store = fresh;
	t->generation++;
	log_notice("%s: revocation list read again", t->crl_path);
	return t->store;
}

void trust_close(struct trust *t)
{
	pkm_ca_free(t->store);
	t->store = NULL;
}
