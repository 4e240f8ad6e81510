// SPDX-License-Identifier: GPL-2.0
/*
 * KEK and message digest keys from the AK: HKDF-SHA256 (RFC 5869), see
 * "Key hierarchy" in Documentation/pkm-protocol.rst for the byte layout.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "pkm/crypto.h"
#include "pkm/err.h"

static const char kdf_label[] = "wman-pkm-keys";	/* 13 bytes, no NUL */
#define KDF_INFO_LEN	(sizeof(kdf_label) - 1 + 2 * PKM_MAC_ADDR_LEN)

int pkm_keys_derive(const uint8_t *ak, size_t ak_len,
		    const uint8_t ss_mac[PKM_MAC_ADDR_LEN],
		    const uint8_t bsid[PKM_MAC_ADDR_LEN],
		    struct pkm_keys *out)
{
	uint8_t info[KDF_INFO_LEN], okm[3 * PKM_KEY_LEN];
	OSSL_PARAM params[4], *p = params;
	EVP_KDF_CTX *ctx = NULL;
	EVP_KDF *kdf;
	int err = PKM_E_CRYPTO;

	if (!ak || !ak_len || !ss_mac || !bsid || !out)
		return PKM_E_INVAL;
	memcpy(info, kdf_label, sizeof(kdf_label) - 1);
	memcpy(info + sizeof(kdf_label) - 1, ss_mac, PKM_MAC_ADDR_LEN);
	memcpy(info + sizeof(kdf_label) - 1 + PKM_MAC_ADDR_LEN, bsid,
	       PKM_MAC_ADDR_LEN);

	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (!kdf)
		return PKM_E_CRYPTO;
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (!ctx)
		return PKM_E_CRYPTO;

	/* No salt: RFC 5869 then uses HashLen zero bytes. */
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)ak, ak_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 info, sizeof(info));
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, okm, sizeof(okm), params) > 0) {
		memcpy(out->kek, okm, PKM_KEY_LEN);
		memcpy(out->cmac_up, okm + PKM_KEY_LEN, PKM_KEY_LEN);
		memcpy(out->cmac_down, okm + 2 * PKM_KEY_LEN, PKM_KEY_LEN);
		err = PKM_OK;
	}
	OPENSSL_cleanse(okm, sizeof(okm));
	EVP_KDF_CTX_free(ctx);
	return err;
}

void pkm_keys_wipe(struct pkm_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

const uint8_t *pkm_keys_cmac(const struct pkm_keys *k, uint8_t mgmt_type)
{
	if (mgmt_type == 9)
		return k->cmac_up;
	if (mgmt_type == 10)
		return k->cmac_down;
	return NULL;
}
